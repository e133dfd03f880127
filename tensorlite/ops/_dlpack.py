"""DLPack export and import of host memory: what ``Tensor.__dlpack__``, ``Tensor.__array__`` and
``tensorlite.from_dlpack`` build on.

A CPU tensor's backend array is a NumPy array, and NumPy implements the DLPack protocol, so the
capsules are NumPy's (zero-copy, strides included). DLPack has a bfloat16 type code that NumPy
does not know: a bfloat16 array travels as its uint16 bits, and the capsule's type code is
rewritten in place (the one field that differs) on the way out and on the way in.

OpenCL buffers have no DLPack export that consumers import (kDLOpenCL exists in the standard,
but NumPy and PyTorch refuse it): an OpenCL tensor exports a host copy only when a copy is
allowed (``copy=True``, or ``dl_device=(kDLCPU, 0)``).
"""
from __future__ import annotations

import ctypes

import numpy as np  # the host side of DLPack: NumPy's capsules

from ..dtypes import bfloat16
from ._queries import to_host

__all__ = ["KDL_CPU", "KDL_OPENCL", "dlpack_device", "export", "host_array", "host_array_of"]

KDL_CPU = 1
KDL_OPENCL = 4
_KDL_UINT = 1
_KDL_BFLOAT = 4

# Byte offset of DLTensor.dtype.code inside the struct a capsule points to: DLManagedTensor
# ("dltensor") starts with its DLTensor; DLManagedTensorVersioned ("dltensor_versioned") has
# version, manager_ctx, deleter and flags (8 bytes each) before it. In DLTensor the code follows
# data (8 bytes), device (8) and ndim (4). The struct layout is fixed by the DLPack ABI.
_DTYPE_CODE_OFFSET = {b"dltensor": 20, b"dltensor_versioned": 52}

_capsule_name = ctypes.pythonapi.PyCapsule_GetName
_capsule_name.restype, _capsule_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype, _capsule_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]


def _dtype_field(capsule):
    """(code, bits) pointer pair of the DLTensor dtype inside an unconsumed capsule."""
    name = _capsule_name(capsule)
    if name not in _DTYPE_CODE_OFFSET:
        raise BufferError(f"from_dlpack: a capsule named {name!r} is not an unconsumed DLPack "
                          f"tensor (a DLPack capsule can be imported only once)")
    address = _capsule_pointer(capsule, name) + _DTYPE_CODE_OFFSET[name]
    return ctypes.c_uint8.from_address(address), ctypes.c_uint8.from_address(address + 1)


def _retag(capsule, old_code: int, new_code: int):
    """The capsule with its 16-bit dtype code ``old_code`` rewritten to ``new_code`` (in place)."""
    code, bits = _dtype_field(capsule)
    if code.value == old_code and bits.value == 16:
        code.value = new_code
    return capsule


def dlpack_device(t) -> tuple:
    """``(device_type, index)`` of t in DLPack's enumeration: (1, 0) on the CPU, (4, N) on OpenCL."""
    if t.device.type == "cpu":
        return (KDL_CPU, 0)
    return (KDL_OPENCL, t.device.index or 0)


def export(t, stream=None, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule of t's values (the array API's ``__dlpack__``): t's memory on the CPU,
    a host copy of an OpenCL tensor when ``copy`` is not False and the copy is allowed."""
    own = dlpack_device(t)
    to_cpu = dl_device is not None and tuple(dl_device) == (KDL_CPU, 0)
    if dl_device is not None and not to_cpu:
        raise BufferError(f"__dlpack__: can't export a tensor on {t.device} to DLPack device "
                          f"{tuple(dl_device)}; only the CPU (kDLCPU, 0) is supported")
    if own != (KDL_CPU, 0):
        if copy is False:
            raise BufferError(f"__dlpack__: copy=False, but a tensor on {t.device} reaches the CPU "
                              f"only as a copy; call .cpu() first, or allow the copy")
        if copy is not True and not to_cpu:
            raise BufferError(f"__dlpack__: a tensor on {t.device} has no DLPack export (consumers "
                              f"don't import OpenCL buffers); call .cpu() first, or pass copy=True "
                              f"for a host copy")
        copy, dl_device = True, None
    host = to_host(t)
    is_bfloat16 = host.dtype == bfloat16.numpy
    if is_bfloat16:
        host = host.view("uint16")
    kwargs = {} if max_version is None else {"max_version": max_version}
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    capsule = host.__dlpack__(stream=stream, **kwargs)
    return _retag(capsule, _KDL_UINT, _KDL_BFLOAT) if is_bfloat16 else capsule


def host_array_of(t, dtype=None, copy=None):
    """t's values as a NumPy array (NumPy 2's ``__array__(dtype, copy)``): t's memory on the CPU
    when ``dtype`` is None or t's own and ``copy`` is not True; ``copy=False`` raises ValueError
    where that is impossible (another dtype, an OpenCL tensor). Shapes: t's."""
    host = to_host(t)
    fresh = t.device.type != "cpu"  # to_host copied an OpenCL tensor's values
    if copy is False and (fresh or (dtype is not None and np.dtype(dtype) != host.dtype)):
        where = f"on {t.device}" if fresh else f"of dtype {t.dtype.name} as {np.dtype(dtype)}"
        raise ValueError(f"__array__: copy=False, but a tensor {where} can't be viewed as a "
                         f"NumPy array without a copy; pass copy=None (np.asarray) to allow it")
    return np.asarray(host, dtype=dtype, copy=True if copy and not fresh else None)


class _Capsule:
    """An object offering one DLPack capsule through the protocol (``np.from_dlpack`` takes
    producers, not capsules)."""

    def __init__(self, capsule, device):
        self._capsule, self._device = capsule, device

    def __dlpack__(self, stream=None, max_version=None, dl_device=None, copy=None):
        return self._capsule

    def __dlpack_device__(self):
        return self._device


def _capsule_of(obj):
    """(capsule, DLPack device) of a DLPack producer, or of a capsule itself (as
    ``torch.utils.dlpack.to_dlpack`` returns)."""
    if type(obj).__name__ == "PyCapsule":
        return obj, (KDL_CPU, 0)
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ (a NumPy array, a "
                        f"PyTorch tensor, ...) or a DLPack capsule, got {type(obj).__name__}")
    device = tuple(obj.__dlpack_device__()) if hasattr(obj, "__dlpack_device__") else (KDL_CPU, 0)
    if device[0] != KDL_CPU:
        raise BufferError(f"from_dlpack: the {type(obj).__name__} lives on DLPack device {device}; "
                          f"only CPU memory (kDLCPU) is imported: move it to the CPU first")
    try:
        return obj.__dlpack__(max_version=(1, 0)), device
    except TypeError:  # a producer from before DLPack 1.0 (no max_version keyword)
        return obj.__dlpack__(), device


def _writable(array):
    """A writable array over the memory of a read-only one (which it keeps alive)."""
    if array.size == 0:
        return array.copy()
    extents = [stride * (n - 1) for stride, n in zip(array.strides, array.shape)]
    low = sum(e for e in extents if e < 0)
    high = sum(e for e in extents if e > 0) + array.itemsize
    memory = (ctypes.c_char * (high - low)).from_address(array.__array_interface__["data"][0] + low)
    memory.owner = array
    return np.ndarray(array.shape, array.dtype, buffer=memory, offset=-low, strides=array.strides)


def host_array(obj):
    """A NumPy array sharing the memory of a DLPack producer (or capsule) on the CPU; bfloat16
    arrives as ``ml_dtypes.bfloat16``. Shapes and strides: the producer's."""
    capsule, device = _capsule_of(obj)
    legacy = _capsule_name(capsule) == b"dltensor"
    code, bits = _dtype_field(capsule)
    is_bfloat16 = code.value == _KDL_BFLOAT and bits.value == 16
    if is_bfloat16:
        code.value = _KDL_UINT
    array = np.from_dlpack(_Capsule(capsule, device))
    if legacy and not array.flags.writeable:
        # NumPy reads a capsule from before DLPack 1.0 (no read-only flag) as read-only;
        # PyTorch, like the producer, treats that memory as writable
        array = _writable(array)
    return array.view(bfloat16.numpy) if is_bfloat16 else array
