"""PyTorch's ``torch.accelerator``: the OpenCL GPU, when the machine has one.

Programs written for PyTorch ask ``torch.accelerator.is_available()`` and move their model to
``torch.accelerator.current_accelerator()``; here the accelerator is the first OpenCL GPU
(PoCL's CPU device does not count, as fit's execution_environment='auto' decides). Asking sets
up no device.

Example:
>>> device = tl.accelerator.current_accelerator() if tl.accelerator.is_available() else tl.device("cpu")
>>> tl.ones(2, device=device).sum().item()
2.0
"""
from __future__ import annotations

from .device import Device, device as _device, gpu_indices
from .ops.checks import synchronize as _synchronize

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize"]

_current = None  # the index set by set_device_index; None: the first GPU


def is_available() -> bool:
    """Whether an OpenCL GPU is present.

    Example:
    >>> tl.accelerator.is_available() in (True, False)
    True
    """
    return bool(gpu_indices())


def current_accelerator(check_available: bool = False) -> Device | None:
    """The accelerator's device (``opencl:N``), or None when there is none (PyTorch's
    ``check_available`` is accepted: without an accelerator the answer is None either way).

    Example:
    >>> tl.accelerator.current_accelerator() is None or tl.accelerator.is_available()
    True
    """
    found = gpu_indices()
    if not found:
        return None
    return _device(f"opencl:{found[0] if _current is None else _current}")


def device_count() -> int:
    """How many OpenCL GPUs there are (0 without one).

    Example:
    >>> tl.accelerator.device_count() >= 0
    True
    """
    return len(gpu_indices())


def _require() -> list:
    found = gpu_indices()
    if not found:
        raise RuntimeError("Cannot access accelerator device when none is available "
                           "(tensorlite's accelerator is an OpenCL GPU; use device 'cpu' or 'opencl')")
    return found


def _index_of(spec) -> int:
    """The OpenCL index that ``spec`` (an int, 'opencl:N' or a Device) names."""
    if isinstance(spec, int):
        return spec
    found = _device(spec)
    if found.type != "opencl":
        raise ValueError(f"{spec!r} is not an accelerator device: expected an OpenCL GPU "
                         "('opencl:N') or its index")
    return found.index


def current_device_index() -> int:
    """The index of the current accelerator; RuntimeError without one.

    Example:
    >>> tl.accelerator.is_available() or "none"
    'none'
    """
    found = _require()
    return found[0] if _current is None else _current


def set_device_index(device, /) -> None:
    """Make ``device`` (an index, 'opencl:N' or a Device; None: no change) the current accelerator.

    Example:
    >>> tl.accelerator.set_device_index(None)
    """
    global _current
    if device is None:
        return
    found = _require()
    index = _index_of(device)
    if index not in found:
        raise ValueError(f"set_device_index: opencl:{index} is not an OpenCL GPU "
                         f"(the GPUs are {', '.join(f'opencl:{i}' for i in found)})")
    _current = index


def synchronize(device=None, /) -> None:
    """Wait until the accelerator has run its queued work (``tl.synchronize`` on it).

    Example:
    >>> tl.accelerator.synchronize() if tl.accelerator.is_available() else None
    """
    _require()
    _synchronize(current_accelerator() if device is None else _device(
        f"opencl:{device}" if isinstance(device, int) else device))

