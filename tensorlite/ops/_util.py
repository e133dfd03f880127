"""Helpers shared by the op families: operand promotion, dims, shapes, scalars."""
from __future__ import annotations

import functools
import math
import numbers
from typing import Any, Callable, TypeVar, cast

import numpy as np  # only to recognise NumPy scalar operands

from .. import dtypes as _dt
from .._dims import in_op, wrap_dim  # noqa: F401  (wrap_dim: the ops import it from here)
from ..tensor import Tensor


def broadcast_shapes(*shapes) -> tuple:
    """NumPy/PyTorch broadcasting of shapes; raises PyTorch's message on a mismatch."""
    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for index, shape in enumerate(shapes):
        for i, size in enumerate(shape):
            j = ndim - len(shape) + i
            if size != 1:
                if result[j] != 1 and result[j] != size:
                    raise RuntimeError(
                        f"The size of tensor a ({result[j]}) must match the size of tensor b "
                        f"({size}) at non-singleton dimension {j}")
                result[j] = size
    return tuple(result)


def check_same_dtype(op: str, *tensors) -> None:
    """PyTorch's matrix products and normalisations do not promote: every tensor operand (None
    skipped) must have the first one's dtype. Example: float64 input @ float32 weight raises."""
    present = [t for t in tensors if isinstance(t, Tensor)]
    for t in present[1:]:
        if t.dtype is not present[0].dtype:
            raise RuntimeError(f"{op}: expected all operands to have the same dtype, but got "
                               f"{present[0].dtype.scalar_name} and {t.dtype.scalar_name}; convert one "
                               f"with .to(dtype) first")


def wrap_dims(dim, ndim: int, *, op: str | None = None) -> tuple:
    """Normalise None / an int / a sequence of dims into a sorted tuple of axes (None: all).

    Every dim is range-checked (0-dim tensors accept 0 and -1, and have no axes to reduce) and a
    dim named twice, e.g. ``(0, -2)`` on a 2-D tensor, raises."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, numbers.Integral):
        axis = wrap_dim(dim, ndim, op=op)
        return (axis,) if ndim else ()
    if not isinstance(dim, (tuple, list)):
        raise TypeError(f"{op or 'dim'}(): dim must be an int or a tuple of ints, got {type(dim).__name__}")
    axes = tuple(wrap_dim(d, ndim, op=op) for d in dim)
    if len(set(axes)) != len(axes):
        repeated = next(a for a in axes if axes.count(a) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims "
                           f"(got dim={tuple(dim)}{in_op(op)}); name each dim once")
    return tuple(sorted(axes)) if ndim else ()


def integer_range(dtype) -> tuple:
    """(lowest, highest) value of an integer dtype."""
    bits = 8 * dtype.itemsize
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if dtype.is_signed else (0, (1 << bits) - 1)


def wrap_integer(value, dtype):
    """A Python int operand of an integer-dtype op, converted as C converts it (modulo 2**bits):
    ``uint8 + 300`` adds 44 and ``uint8 > -1`` compares with 255, as in PyTorch. Other values
    and dtypes pass through."""
    if not dtype.is_integer or isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return value
    value = int(value)
    if not -(1 << 63) <= value < (1 << 64):
        raise OverflowError(f"Python int {value} is too big to convert to {dtype.name} (Python "
                            f"ints must lie in [-2**63, 2**64) to take part in tensor ops)")
    low, high = integer_range(dtype)
    return (value - low) % (high - low + 1) + low


# The largest finite value of the floating dtypes a Python float can overflow.
_FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38, "float32": 3.4028234663852886e38}


def checked_scalar(op: str, value, dtype, floats: bool = False):
    """A Python number that fills, bounds or raises an integer-dtype tensor (fill_, full,
    clamp, masked_fill, pow's exponent, alpha): out of the dtype's range raises as PyTorch does.
    Unsigned dtypes also accept -max..-1 (they wrap: ``uint8.fill_(-1)`` gives 255). With
    ``floats`` (the ops whose PyTorch kernel converts the scalar to the tensor's dtype), a
    finite value beyond a float16/bfloat16/float32 range raises too instead of becoming inf.

    Example: ``checked_scalar("fill_", 1e5, float16, floats=True)`` raises RuntimeError."""
    if floats and dtype.name in _FLOAT_MAX and is_scalar(value) and not isinstance(value, bool):
        return _checked_float(op, value, dtype)
    if not dtype.is_integer or isinstance(value, bool) or not is_scalar(value):
        return value
    if isinstance(value, numbers.Integral):
        wrap_integer(value, dtype)  # beyond 64 bits: OverflowError, as PyTorch
    low, high = integer_range(dtype)
    lowest = low if dtype.is_signed or not isinstance(value, numbers.Integral) else -high
    if value != value or not lowest <= value <= high:
        raise RuntimeError(f"{op}(): value {value} cannot be converted to type {dtype.name} without "
                           f"overflow ({dtype.name} holds [{low}, {high}]); use a wider dtype")
    return wrap_integer(int(value), dtype)  # a float truncates toward zero, as C casts it


def _checked_float(op, value, dtype):
    high = _FLOAT_MAX[dtype.name]
    if isinstance(value, numbers.Integral):
        wrap_integer(value, _dt.int64)  # beyond 64 bits: OverflowError, as PyTorch
    if abs(value) > high and abs(value) != math.inf:  # inf and nan convert exactly
        raise RuntimeError(f"{op}(): value {value} cannot be converted to type {dtype.name} without "
                           f"overflow ({dtype.name} holds [{-high:g}, {high:g}]); use a wider dtype")
    return value


def expect_tensor(op: str, name: str, value) -> None:
    """A TypeError naming the op and argument when ``value`` is not a Tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


_Op = TypeVar("_Op", bound=Callable[..., Any])


def tensor_op(fn: _Op) -> _Op:
    """Decorates a public op whose first argument must be a Tensor: anything else raises
    PyTorch's TypeError ("sum(): argument 'input' (position 1) must be Tensor, not list")
    instead of an AttributeError from inside the op. ``fn.__wrapped__`` is the unchecked op
    (Tensor methods bind it: self is always a Tensor)."""
    name = fn.__name__

    @functools.wraps(fn)
    def checked(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return fn(input, *args, **kwargs)
    return cast(_Op, checked)  # the same signature, for type checkers


def half_in_float32(fn):
    """Decorates a composite op (one that rounds several times in its input's dtype) so that a
    float16 or bfloat16 input is computed in float32 and its result rounded once, as PyTorch's CPU
    kernels compute reduced floating types (``mean``, ``softmax``, ``layer_norm``, ``gelu``, ...).

    Tensor arguments of the input's half dtype go to float32 and floating results come back; the
    casts are differentiable, so gradients keep the input's dtype. Calls that mix in another
    floating dtype or pass a ``dtype`` run as they are (their result dtype is not the half one).
    Not for losses: PyTorch's compute the elementwise loss in the half type and only its mean or
    sum in float32 (which ``sum``/``mean`` do here anyway).
    Example: ``mean(tensor([0.1] * 3, dtype=bfloat16))`` is bfloat16(0.1): no rounded partial sum."""
    @functools.wraps(fn)
    def in_float32(input, *args, **kwargs):
        half = getattr(input, "dtype", None)
        if half not in _dt.HALF_DTYPES or not _only_half_floats(half, args, kwargs):
            return fn(input, *args, **kwargs)
        def up(v):
            return v.float() if isinstance(v, Tensor) and v.dtype is half else v
        out = fn(up(input), *map(up, args), **{k: up(v) for k, v in kwargs.items()})
        return _rounded_to(out, half)
    return in_float32


def _only_half_floats(half, args, kwargs) -> bool:
    """No dtype argument and no floating Tensor argument of another dtype than ``half``."""
    if kwargs.get("dtype") is not None:  # also a Python type or a name
        return False
    for v in (*args, *kwargs.values()):
        if isinstance(v, _dt.dtype) or (isinstance(v, Tensor) and v.dtype is not half
                                        and v.is_floating_point()):
            return False
    return True


def _rounded_to(out, half):
    if isinstance(out, Tensor):
        return out.to(half) if out.dtype is _dt.float32 else out
    if isinstance(out, tuple):  # (values, indices), var_mean's pair
        values = [_rounded_to(v, half) for v in out]
        return type(out)(*values) if hasattr(out, "_fields") else tuple(values)
    return out


def reduction_dims(dim, ndim: int, *, op: str | None = None) -> tuple:
    """Axes of a reduction: None *or an empty dim list* means every dim, as in PyTorch
    (``torch.sum(x, dim=())`` reduces everything; only any/all keep an empty list as no-op)."""
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    return wrap_dims(dim, ndim, op=op)


def is_scalar(value) -> bool:
    return (isinstance(value, numbers.Number) and not isinstance(value, complex)) or isinstance(value, np.bool_)


def python_scalar(value):
    """A NumPy scalar operand as the Python number it stands for (PyTorch treats ``np.float64(2)``
    like ``2.0``: it does not decide the result dtype); anything else unchanged. PyTorch reads a
    ``np.bool_`` as a float (``int32_tensor * np.True_`` is float32), so it becomes one here."""
    if isinstance(value, np.bool_):
        return float(value)
    return value.item() if isinstance(value, np.generic) else value


def scalar_tensor(value, dtype, device) -> Tensor:
    """A 0-dim tensor of ``dtype`` holding a Python number (ints wrap into integer dtypes)."""
    return Tensor._make(device.backend.full((), wrap_integer(value, dtype), dtype), device, False, None, 0)


def value_bounds(*tensors: Tensor) -> list:
    """[(min, max)] of each tensor as Python numbers (None for an empty tensor), all read back to
    the host in one transfer: for the argument checks PyTorch makes at the call (class targets,
    one_hot classes, probabilities) where no backend primitive sees the values.

    Shapes: any. Example: ``value_bounds(tensor([3, 1, 2]), tensor([0.5]))`` is
    ``[(1.0, 3.0), (0.5, 0.5)]`` (values in the promoted dtype)."""
    present = [t for t in tensors if t.numel()]
    if present and any(t.device is not present[0].device for t in present):
        return [bounds for t in tensors for bounds in value_bounds(t)]
    if not present:
        return [None] * len(tensors)
    backend = present[0].device.backend
    dtype = functools.reduce(_dt.promote_types, (t.dtype for t in present))
    parts = []
    for t in present:
        for op in ("min", "max"):
            value = backend.reduce(op, t._array, None, False)
            parts.append(backend.reshape(value if t.dtype is dtype else backend.cast(value, dtype), (1,)))
    host = iter(backend.to_host(backend.concatenate(parts, 0)).tolist())
    return [(next(host), next(host)) if t.numel() else None for t in tensors]


def _to_common_device(a: Tensor, b: Tensor):
    """A 0-dim CPU tensor joins the other operand's device (as in PyTorch); any other mismatch
    is left for Function.apply's device check to refuse."""
    if a.device is b.device:
        return a, b
    if b.ndim == 0 and b.device.type == "cpu":
        return a, b.to(a.device)
    if a.ndim == 0 and a.device.type == "cpu":
        return a.to(b.device), b
    return a, b


def promote(op: str, *operands):
    """Operands (tensors or scalars) as tensors of their PyTorch result dtype, on one device."""
    operands = tuple(python_scalar(o) for o in operands)
    first = next((o for o in operands if isinstance(o, Tensor)), None)
    if first is None:
        raise TypeError(f"{op}: expected at least one Tensor operand")
    for o in operands:
        if not isinstance(o, Tensor) and not is_scalar(o):
            raise TypeError(f"{op}(): unsupported operand type {type(o).__name__}; expected a "
                            f"Tensor or a Python number")
    dtype = _dt.result_type_of(operands)
    out = []
    for o in operands:
        if isinstance(o, Tensor):
            if o is not first:
                first, o = _to_common_device(first, o)
            if o._array.dtype != dtype.numpy:
                o = o.to(dtype)
        else:
            o = scalar_tensor(o, dtype, first.device)
        out.append(o)
    return out


def promote_pair(op: str, a, b):
    """Fast path of ``promote`` for two operands (the common case: same dtype, same device; a
    float tensor and a Python number). NumPy scalars take ``promote`` (``np.float64`` is a float)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a._array.dtype == b._array.dtype and a.device is b.device:
            return a, b
    elif isinstance(a, Tensor):
        if a._array.dtype.kind in _dt.FLOAT_KINDS and isinstance(b, (int, float)):
            return a, scalar_tensor(b, _dt._FROM_NUMPY[a._array.dtype], a.device)
    elif isinstance(b, Tensor) and b._array.dtype.kind in _dt.FLOAT_KINDS and isinstance(a, (int, float)):
        return scalar_tensor(a, _dt._FROM_NUMPY[b._array.dtype], b.device), b
    return promote(op, a, b)


_FLOAT32_MAX = 3.4028234663852886e38


def _float32_number(np_dtype, op: str) -> bool:
    """Whether a number beyond float16's range stays a number for a tensor of ``np_dtype``: with
    bfloat16 (float32's range) always, with float16 as a factor or divisor (PyTorch multiplies
    in float32: float16 1e-3 * 1e5 is 100.06, not 1e-3 * inf)."""
    return np_dtype.kind == "V" or (np_dtype.itemsize == 2 and op in ("mul", "div"))


def number_operand(op: str, a, b):
    """``promote_pair`` for the elementwise ops whose Functions take a Python number as second
    operand: a float tensor with an int or float that every float dtype holds, or an integer
    tensor with an int (wrapped into its range), stay (tensor, number), as the backend contract
    has them: the backend converts the number to the tensor's dtype and passes it to the kernel
    as a constant, instead of a filled 0-d tensor per call. Other operands: ``promote_pair``.

    Example: ``number_operand("mul", float32_tensor, 2.0)`` is ``(float32_tensor, 2.0)``."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):  # two tensors (W1's a * b + c): promote_pair's test, one call less
            if a._array.dtype == b._array.dtype and a.device is b.device:
                return a, b
            return promote(op, a, b)
        kind = a._array.dtype.kind
        if kind in _dt.FLOAT_KINDS and type(b) in (float, int) and (-65504.0 <= b <= 65504.0 or (
                _float32_number(a._array.dtype, op) and -_FLOAT32_MAX <= b <= _FLOAT32_MAX)):
            return a, b
        if kind in "iu" and type(b) is int:
            return a, wrap_integer(b, _dt._FROM_NUMPY[a._array.dtype])
    return promote_pair(op, a, b)


def zeros_like_tensor(t: Tensor, dtype=None) -> Tensor:
    dtype = dtype or t.dtype
    return Tensor._make(t.device.backend.full(t._array.shape, 0, dtype), t.device, False, None, 0)


def sum_to_shape(grad: Tensor, shape: tuple) -> Tensor:
    """Sum a gradient over the dims that broadcasting added or expanded, back to ``shape``
    (written with Tensor methods: the engine and every op family use it).

    Shapes: grad (*lead, *s) with s broadcastable to ``shape`` -> ``shape``. Example: a
    gradient of shape (4, 2, 3) summed to (2, 1) gives ``grad.sum((0, 2), keepdim=True)``
    reshaped to (2, 1)."""
    gshape = grad._array.shape
    shape = tuple(shape)
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    expanded = tuple(lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if not expanded:  # only leading dims were added: one reduction, no reshape
        return grad.sum(tuple(range(lead)))
    grad = grad.sum(tuple(range(lead)) + expanded, True)
    return grad.reshape(shape) if lead else grad
