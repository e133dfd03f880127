"""Backends: the device-facing primitive set (see ``base.Backend``) and its implementations."""
from .base import Backend
from .numpy_backend import NumpyBackend

__all__ = ["Backend", "NumpyBackend"]
