"""Backends: the device-facing primitive set (see ``base.Backend``) and its implementations."""
from .._malloc import tune_allocator
from .base import Backend
from .numpy_backend import NumpyBackend
from . import cuda, cudnn, mps  # PyTorch's torch.backends flags (no CUDA, cuDNN or Metal here)

__all__ = ["Backend", "NumpyBackend", "tune_allocator"]
