"""Typed kernel launches: OpenCL type names and -D defines for NumPy dtypes, result dtypes
probed from the NumPy backend (so both backends agree on them), and the launch helper."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..numpy_backend import NumpyBackend
from .array import Layout

CL_TYPES = {  # NumPy dtype -> OpenCL C type (bool stored as uchar 0/1); float16 is not supported
    np.dtype(np.float32): "float", np.dtype(np.float64): "double", np.dtype(np.int64): "long",
    np.dtype(np.int32): "int", np.dtype(np.int16): "short", np.dtype(np.int8): "char",
    np.dtype(np.uint8): "uchar", np.dtype(np.bool_): "uchar",
}
_REFERENCE = NumpyBackend()
WORK_GROUP = 256


def cl_type(dtype) -> str:
    """The OpenCL C type of a NumPy dtype (bool -> uchar)."""
    return CL_TYPES[np.dtype(dtype)]


@lru_cache(maxsize=None)
def type_defines(dtype, result=None) -> tuple:
    """-D defines for operand type T and result type U (U = T when result is None)."""
    dtype = np.dtype(dtype)
    result = dtype if result is None else np.dtype(result)
    defines = [("T", cl_type(dtype)), ("U", cl_type(result))]
    if dtype.kind == "f":
        defines.append(("T_FLOAT", None))
    if dtype == np.float64 or result == np.float64:
        defines.append(("T_DOUBLE", None))
    if dtype == np.bool_:
        defines.append(("T_BOOL", None))
    elif dtype == np.int64:
        defines.append(("T_LONG", None))
    elif dtype == np.int32:
        defines.append(("T_INT", None))
    if result == np.bool_:
        defines.append(("U_BOOL", None))
    return tuple(defines)


def scalar(value, dtype):
    """A Python or NumPy scalar as a NumPy scalar of ``dtype`` (bool as uchar), ready to be
    packed into a parameter buffer."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.uint8(bool(value))
    return np.asarray(value).astype(dtype)[()]


@lru_cache(maxsize=None)
def unary_result(op: str, dtype) -> np.dtype:
    """The result dtype of unary ``op`` on ``dtype``, as the NumPy backend gives it."""
    return _REFERENCE.unary(op, np.zeros(1, dtype)).dtype


@lru_cache(maxsize=None)
def binary_result(op: str, a_dtype, b_dtype) -> np.dtype:
    """The result dtype of binary ``op``, as the NumPy backend gives it."""
    return _REFERENCE.binary(op, np.zeros(1, a_dtype), np.zeros(1, b_dtype)).dtype


def params(runtime, *values, dtype) -> "cl.Buffer":
    """A parameter buffer holding ``values`` as ``dtype``."""
    return runtime.params(np.array(values, dtype=dtype).tobytes())


def launch(runtime, file: str, name: str, defines: tuple, global_size: int, args: tuple,
           local_size: int = WORK_GROUP) -> None:
    """Enqueue a 1-D launch of at least ``global_size`` work items (rounded up to the work-group
    size, always given: PoCL took ~75 us per launch to choose one itself; kernels check their
    bound). Layout arguments are passed as their parameter buffers."""
    if global_size <= 0:
        return
    local = min(local_size, runtime.max_work_group)
    runtime.launch(runtime.kernel(file, name, defines), ((global_size + local - 1) // local * local,),
                   (local,), [runtime.params(a.data) if isinstance(a, Layout) else a for a in args])
