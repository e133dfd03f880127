"""Data sets bundled with tensorlite (the embedded default: UCI optical digits)."""
from .digits import load_digits

__all__ = ["load_digits"]
