"""dtype objects and PyTorch's type-promotion rules.

A ``dtype`` is a small named object (``tensorlite.float32``); backends map it to their own
array type. Promotion follows PyTorch: categories bool < integer < floating; within the
highest category present, dimensioned tensors beat 0-dim tensors, which beat Python scalars.
"""
from __future__ import annotations

import math
import numbers

import ml_dtypes
import numpy as np

__all__ = [
    "dtype", "bool_", "int8", "uint8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
    "float64", "get_default_dtype", "set_default_dtype", "promote_types", "result_type_of", "finfo",
    "iinfo",
]

FLOAT_KINDS = "fV"
"""NumPy kinds of the floating dtypes' arrays: ``ml_dtypes.bfloat16`` (NumPy has no bfloat16)
is a user-defined type of kind 'V', the only one tensorlite holds: ``array.dtype.kind in
FLOAT_KINDS`` is the quick test for a floating array."""


class dtype:
    """A tensor element type. Compare with ``is``/``==``; ``repr`` is ``tensorlite.float32``."""

    __slots__ = ("name", "numpy", "rank", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name: str, numpy_dtype, rank: int, is_floating_point: bool):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.rank = rank
        self.is_floating_point = is_floating_point
        self.is_signed = is_floating_point or self.numpy.kind == "i"
        self.itemsize = self.numpy.itemsize

    @property
    def is_integer(self) -> bool:
        return self.numpy.kind in "iu"

    @property
    def scalar_name(self) -> str:
        """PyTorch's scalar-type name used in messages: Float, Double, Long, Int, Bool, ..."""
        return _SCALAR_NAMES[self.name]

    @property
    def category(self) -> int:
        """0 for bool, 1 for integers, 2 for floating point."""
        return 2 if self.is_floating_point else (0 if self.numpy.kind == "b" else 1)

    def __repr__(self) -> str:
        return f"tensorlite.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, 0, False)
uint8 = dtype("uint8", np.uint8, 1, False)
int8 = dtype("int8", np.int8, 2, False)
int16 = dtype("int16", np.int16, 3, False)
int32 = dtype("int32", np.int32, 4, False)
int64 = dtype("int64", np.int64, 5, False)
float16 = dtype("float16", np.float16, 6, True)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, 7, True)
float32 = dtype("float32", np.float32, 8, True)
float64 = dtype("float64", np.float64, 9, True)

_SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                 "int64": "Long", "float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
                 "float64": "Double"}

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
HALF_DTYPES = (float16, bfloat16)
"""The 16-bit floating dtypes: their reductions and products compute in float32 and round once,
as PyTorch's CPU kernels do."""
_FROM_NUMPY = {d.numpy: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
                 "short": int16})

_default_dtype = float32


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The tensorlite dtype of a NumPy dtype; raises TypeError for unsupported ones."""
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            + ", ".join(d.name for d in ALL_DTYPES)) from None


def to_dtype(value) -> dtype:
    """Accepts a tensorlite dtype, a NumPy dtype, a Python type (float/int/bool) or a name."""
    if isinstance(value, dtype):
        return value
    if value is float:
        return _default_dtype
    if value is int:
        return int64
    if value is bool:
        return bool_
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    return from_numpy_dtype(value)


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype (float16, bfloat16, float32 or float64), like ``torch.set_default_dtype``."""
    global _default_dtype
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_dtype = d


# torch.promote_types for every pair, written out as PyTorch's own lookup table is (c10's
# ScalarType.cpp): row = a, column = b. Categories order bool < integers < floating; inside one,
# the wider type wins, uint8 with a signed integer needs int16 at least, and float16 with
# bfloat16 (neither holds the other: bfloat16 has the range, float16 the precision) float32.
_PROMOTION_COLUMNS = "b1 u1 i1 i2 i4 i8 f2 bf f4 f8"
_PROMOTION_ROWS = """
    b1: b1 u1 i1 i2 i4 i8 f2 bf f4 f8
    u1: u1 u1 i2 i2 i4 i8 f2 bf f4 f8
    i1: i1 i2 i1 i2 i4 i8 f2 bf f4 f8
    i2: i2 i2 i2 i2 i4 i8 f2 bf f4 f8
    i4: i4 i4 i4 i4 i4 i8 f2 bf f4 f8
    i8: i8 i8 i8 i8 i8 i8 f2 bf f4 f8
    f2: f2 f2 f2 f2 f2 f2 f2 f4 f4 f8
    bf: bf bf bf bf bf bf f4 bf f4 f8
    f4: f4 f4 f4 f4 f4 f4 f4 f4 f4 f8
    f8: f8 f8 f8 f8 f8 f8 f8 f8 f8 f8
"""
_CODES = dict(zip(_PROMOTION_COLUMNS.split(), ALL_DTYPES))


def _promotion_table() -> dict:
    table = {}
    for line in _PROMOTION_ROWS.strip().splitlines():
        row, results = line.split(":")
        for column, result in zip(_PROMOTION_COLUMNS.split(), results.split()):
            table[_CODES[row.strip()], _CODES[column]] = _CODES[result]
    return table


PROMOTION = _promotion_table()
"""(dtype a, dtype b) -> torch.promote_types(a, b), for every pair of dtypes."""


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to (``torch.promote_types``).

    >>> promote_types(uint8, int8)
    tensorlite.int16
    """
    try:
        return PROMOTION[a, b]
    except KeyError:  # a NumPy dtype, a Python type or a name: as to_dtype reads them
        return PROMOTION[to_dtype(a), to_dtype(b)]


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value) -> dtype:
    """The dtype a Python scalar takes part in promotion with. NumPy scalars count as the Python
    scalar of their kind (PyTorch: ``int32_tensor * np.int64(2)`` stays int32)."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, numbers.Integral):
        return int64
    return _default_dtype


def result_type_of(operands) -> dtype:
    """PyTorch's ``result_type`` over tensors and Python scalars.

    Example: an int64 tensor and ``1.5`` give float32; a float32 tensor and a 0-dim float64
    tensor give float32.
    """
    dim_result = zero_result = wrapped_result = None
    for op in operands:
        if hasattr(op, "_data_dtype"):
            d = op._data_dtype()
            if op.ndim:
                dim_result = d if dim_result is None else promote_types(dim_result, d)
            else:
                zero_result = d if zero_result is None else promote_types(zero_result, d)
        else:
            d = scalar_dtype(op)
            wrapped_result = d if wrapped_result is None else promote_types(wrapped_result, d)
    return _combine_categories(dim_result, _combine_categories(zero_result, wrapped_result))


def can_cast(src: dtype, dst: dtype) -> bool:
    """Whether an in-place op may write a ``src`` result into a ``dst`` tensor (no up-cast of category)."""
    return src.category <= dst.category


class finfo:
    """Machine limits of a floating dtype, as ``torch.finfo``: ``bits``, ``eps``, ``max``, ``min``,
    ``tiny`` (= ``smallest_normal``), ``resolution``, and ``dtype`` (its name).

    >>> finfo(bfloat16).eps
    0.0078125
    >>> finfo().max == finfo(float32).max   # the default dtype
    True
    """

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):
        d = _default_dtype if type is None else to_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"finfo(): {d} is not a floating point dtype; use iinfo() for integers")
        info = ml_dtypes.finfo(d.numpy)
        self.bits = d.itemsize * 8
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))  # as PyTorch: 0.01 for bfloat16
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``max``, ``min``, ``dtype``.

    >>> iinfo(uint8).max
    255
    """

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):
        d = to_dtype(type)
        if not d.is_integer:
            raise TypeError(f"iinfo(): {d} is not an integer dtype"
                            + ("; use finfo() for it" if d.is_floating_point else ""))
        info = np.iinfo(d.numpy)
        self.bits = d.itemsize * 8
        self.max, self.min = int(info.max), int(info.min)
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
