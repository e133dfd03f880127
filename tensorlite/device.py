"""Device objects: ``tensorlite.device("cpu")``, ``"opencl"``, ``"opencl:1"``.

A device names a backend instance; tensors on different devices never mix silently. This
module imports the backends (the OpenCL one on first use: it needs pyopencl and a driver);
no backend imports it.
"""
from __future__ import annotations

import os

from .backends.numpy_backend import NumpyBackend

__all__ = ["device", "Device", "default_device", "set_default_device", "gpu_device", "gpu_devices",
           "gpu_indices", "describe_devices"]

_devices = {}            # (type, index) -> Device


class Device:
    """A place where tensors live; ``type`` is 'cpu' or 'opencl', ``index`` an int or None."""

    __slots__ = ("type", "index", "backend")

    def __init__(self, type_: str, index, backend):
        self.type = type_
        self.index = index
        self.backend = backend

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def device(spec="cpu", index=None) -> Device:
    """Parse a device spec: a Device, 'cpu', 'opencl' or 'opencl:N'.

    Example: ``tensorlite.device("cpu")`` -> ``device(type='cpu')``.
    """
    if isinstance(spec, Device):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"device(): expected a string like 'cpu' or 'opencl:0', got {spec!r}")
    type_, _, idx = spec.partition(":")
    if idx:
        if not idx.isdigit():
            raise ValueError(f"Invalid device string: '{spec}' (expected 'type' or 'type:N')")
        index = int(idx)
    if type_ == "cpu":
        key = ("cpu", None)
        if key not in _devices:
            _devices[key] = Device("cpu", None, NumpyBackend())
        return _devices[key]
    if type_ != "opencl":
        raise RuntimeError(f"Expected one of cpu, opencl device type at start of device string: {spec}")
    backend = _opencl_backend(index)
    canonical = backend.runtime.index
    key = (type_, canonical)
    if key not in _devices:
        _devices[key] = Device(type_, canonical, backend)
    return _devices[key]


def _opencl_backend(index):
    """The OpenCL backend of device ``opencl:index`` (None: the best device)."""
    try:
        # imported on first use, not at the top: pyopencl is optional and loading it
        # discovers the OpenCL platforms, which a CPU-only program never needs
        from .backends import opencl
    except ImportError as error:
        raise RuntimeError(f"device 'opencl' is not available: {error}. Install pyopencl "
                           "(pip install tensorlite[opencl]) and an OpenCL driver, or use "
                           "device 'cpu'") from None
    return opencl.backend_for(index)


CPU = device("cpu")
_default = None


def default_device() -> Device:
    """The device factories use when none is given: ``TENSORLITE_DEVICE`` or 'cpu'."""
    global _default
    if _default is None:
        _default = device(os.environ.get("TENSORLITE_DEVICE", "cpu"))
    return _default


def set_default_device(spec) -> None:
    """Make factories without ``device=`` create tensors on ``spec`` (PyTorch's
    torch.set_default_device); None restores ``TENSORLITE_DEVICE`` or 'cpu'."""
    global _default
    _default = None if spec is None else device(spec)


def gpu_device():
    """The best OpenCL GPU device, or None when there is none (PoCL's CPU device does not count):
    what the training layer's execution_environment='auto' picks."""
    try:
        found = device("opencl")
    except RuntimeError:
        return None
    return found if found.backend.is_gpu else None


def gpu_devices() -> list:
    """Every OpenCL GPU as a Device ('opencl:N'), in device order; [] without pyopencl, a driver
    or a GPU: what the training layer's 'multi-gpu' and 'parallel' environments spread over.

    Example: on a machine with two GPUs after PoCL's CPU device, ``[opencl:1, opencl:2]``.
    """
    try:
        indices = gpu_indices()
    except RuntimeError:
        return []
    return [device(f"opencl:{index}") for index in indices]


def describe_devices() -> list:
    """'cpu' and one line per OpenCL device, or why there is none (for error messages that say
    which devices exist).

    Example: ``['cpu', 'opencl:0  pthread-Intel(R) Xeon(R) [CPU] on Portable Computing Language, ...']``.
    """
    try:
        from .backends import opencl
        return ["cpu"] + opencl.describe_devices()
    except (ImportError, RuntimeError) as error:
        return ["cpu", f"no OpenCL device ({error})"]


def gpu_indices() -> list:
    """The indices N of the OpenCL GPU devices ``opencl:N`` ([] without pyopencl or a GPU).

    Unlike ``gpu_device()`` it sets up no device: PoCL's CPU device is never initialised by
    asking (what ``tl.accelerator.is_available()`` relies on).
    """
    try:
        from .backends import opencl  # imported on first use: pyopencl is optional
    except ImportError:
        return []
    return opencl.gpu_indices()
