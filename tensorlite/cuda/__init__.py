"""PyTorch's ``torch.cuda`` as a CPU-only PyTorch build answers it: there is no CUDA device.

Programs written for PyTorch guard their CUDA code with ``torch.cuda.is_available()`` and seed
with ``torch.cuda.manual_seed_all``; both run unchanged (False, and silently ignored, as in a
PyTorch without CUDA). tensorlite's GPUs are OpenCL devices: see ``tl.accelerator`` and
``tl.device("opencl")``. What needs a CUDA device raises PyTorch's AssertionError.

Example:
>>> device = "cuda" if tl.cuda.is_available() else "cpu"
>>> device, tl.cuda.device_count()
('cpu', 0)
"""
from __future__ import annotations

from . import amp  # torch.cuda.amp.GradScaler (deprecated in PyTorch, still common)

__all__ = ["amp", "is_available", "device_count", "is_initialized", "is_bf16_supported", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "empty_cache", "synchronize", "current_device",
           "set_device", "get_device_name"]


def is_available() -> bool:
    """Always False: tensorlite has no CUDA device (its GPUs are OpenCL devices).

    Example:
    >>> tl.cuda.is_available()
    False
    """
    return False


def device_count() -> int:
    """Always 0.

    Example:
    >>> tl.cuda.device_count()
    0
    """
    return 0


def is_initialized() -> bool:
    """Always False.

    Example:
    >>> tl.cuda.is_initialized()
    False
    """
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Always False: there is no CUDA device to run bfloat16 on.

    Example:
    >>> tl.cuda.is_bf16_supported()
    False
    """
    return False


def manual_seed(seed: int) -> None:
    """Ignored, as PyTorch ignores it without CUDA (seed the CPU with ``tl.manual_seed``).

    Example:
    >>> tl.cuda.manual_seed(0)
    """


def manual_seed_all(seed: int) -> None:
    """Ignored, as PyTorch ignores it without CUDA.

    Example:
    >>> tl.cuda.manual_seed_all(0)
    """


def seed() -> None:
    """Ignored, as PyTorch ignores it without CUDA.

    Example:
    >>> tl.cuda.seed()
    """


def seed_all() -> None:
    """Ignored, as PyTorch ignores it without CUDA.

    Example:
    >>> tl.cuda.seed_all()
    """


def empty_cache() -> None:
    """Nothing to release: no CUDA memory was ever allocated.

    Example:
    >>> tl.cuda.empty_cache()
    """


def _no_cuda(what: str):
    return AssertionError(f"torch.cuda.{what}: tensorlite has no CUDA device (Torch not compiled "
                          "with CUDA enabled); check tl.cuda.is_available() first, or use "
                          "tl.accelerator / device 'opencl' for a GPU")


def synchronize(device=None) -> None:
    """AssertionError: there is no CUDA device to wait for.

    Example:
    >>> tl.cuda.synchronize() if tl.cuda.is_available() else None
    """
    raise _no_cuda("synchronize()")


def current_device() -> int:
    """AssertionError: there is no CUDA device.

    Example:
    >>> tl.cuda.current_device() if tl.cuda.is_available() else None
    """
    raise _no_cuda("current_device()")


def set_device(device) -> None:
    """AssertionError: there is no CUDA device to select.

    Example:
    >>> tl.cuda.set_device(0) if tl.cuda.is_available() else None
    """
    raise _no_cuda(f"set_device({device!r})")


def get_device_name(device=None) -> str:
    """AssertionError: there is no CUDA device to name.

    Example:
    >>> tl.cuda.get_device_name() if tl.cuda.is_available() else None
    """
    raise _no_cuda("get_device_name()")
