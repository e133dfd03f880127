"""The OpenCL backend: ``tensorlite.device("opencl")`` / ``"opencl:N"``.

``tensorlite.device`` imports this package on first use of an OpenCL device. It needs pyopencl
(``pip install tensorlite[opencl]``) and an OpenCL driver: a GPU vendor's, or PoCL for the CPU
(``pip install pocl-binary-distribution``).

Example::

    >>> import tensorlite as tl
    >>> x = tl.ones(3, device="opencl")
    >>> (x * 2).sum().item()
    6.0
"""
from __future__ import annotations

import os

import pyopencl as cl

from .backend import OpenCLBackend
from .custom import launch_user_kernel
from .runtime import NoDeviceError, Runtime, default_index, describe, devices, kernel_dir

__all__ = ["devices", "describe_devices", "empty_cache", "launch_user_kernel", "NoDeviceError",
           "kernel_dir", "backend_for", "gpu_indices"]

_backends = {}


def backend_for(index: int | None) -> OpenCLBackend:
    """The backend of device ``opencl:index`` (None: the best device), created on first use."""
    if index is None:
        index = default_index()
    found = devices()
    if not 0 <= index < len(found):
        raise RuntimeError(f"OpenCL device index {index} is out of range: {len(found)} device(s) "
                           f"found ({', '.join(f'opencl:{i}' for i in range(len(found)))})")
    if index not in _backends:
        runtime = Runtime(index)
        prebuild = runtime.background_builds and os.environ.get("TENSORLITE_OPENCL_PREBUILD", "1") != "0"
        _backends[index] = OpenCLBackend(runtime, prebuild=prebuild)
    return _backends[index]


def gpu_indices() -> list:
    """The indices N of the ``opencl:N`` devices that are GPUs (a query: builds no backend)."""
    try:
        found = devices()
    except NoDeviceError:
        return []
    return [index for index, dev in enumerate(found) if dev.type & cl.device_type.GPU]


def describe_devices() -> list:
    """One line per OpenCL device (``tensorlite devices``)."""
    return [describe(i, d) for i, d in enumerate(devices())]


def empty_cache() -> None:
    """Give the pooled (freed) device buffers of every OpenCL device back to the driver."""
    for backend in _backends.values():
        backend.runtime.empty_cache()

