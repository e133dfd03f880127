"""Typed kernel launches: OpenCL type names and -D defines for NumPy dtypes, the result dtypes
of elementwise ops (backends/base.py's rules: operands arrive promoted), and the launch helper."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..base import COMPARISON_OPS, FLOATING_OPS, PREDICATE_OPS
from .array import Layout

CL_TYPES = {  # NumPy dtype -> OpenCL C type (bool stored as uchar 0/1); float16 is not supported
    np.dtype(np.float32): "float", np.dtype(np.float64): "double", np.dtype(np.int64): "long",
    np.dtype(np.int32): "int", np.dtype(np.int16): "short", np.dtype(np.int8): "char",
    np.dtype(np.uint8): "uchar", np.dtype(np.bool_): "uchar",
}
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
def result_dtype(op: str, dtype) -> np.dtype:
    """The result dtype of elementwise ``op`` (unary or binary) on operands of ``dtype``: bool
    for comparisons, logical ops and predicates, else ``dtype``. A floating-only op on another
    dtype is the caller's error (it converts first: backends/base.py's contract)."""
    dtype = np.dtype(dtype)
    if op in FLOATING_OPS and dtype.kind != "f":
        raise TypeError(f"OpenCL backend: {op} takes floating operands, got {dtype} (the caller "
                        "converts integers first; backends/base.py)")
    return np.dtype(np.bool_) if op in COMPARISON_OPS or op in PREDICATE_OPS else dtype


def same_dtype(op: str, arrays) -> np.dtype:
    """The one dtype of ``arrays`` (operands arrive promoted), or a TypeError naming ``op``."""
    dtype = arrays[0].dtype
    for x in arrays:
        if x.dtype != dtype:
            raise TypeError(f"OpenCL backend: {op} got operands of dtypes "
                            f"{[str(a.dtype) for a in arrays]}; the caller promotes them to one "
                            "dtype first (tensorlite.dtypes; backends/base.py)")
    return dtype


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
