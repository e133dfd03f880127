"""Helpers shared by the op families: operand promotion, dims, shapes, scalars."""
from __future__ import annotations

import numbers

from .. import dtypes as _dt
from ..autograd import engine as _engine
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


def wrap_dim(dim: int, ndim: int) -> int:
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], "
                         f"but got {dim})")
    return dim % ndim if ndim else 0


def wrap_dims(dim, ndim: int) -> tuple:
    """Normalise None / an int / a sequence of dims into a sorted tuple of axes (None: all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, numbers.Integral):
        return (wrap_dim(dim, ndim),) if ndim else ()
    axes = tuple(wrap_dim(d, ndim) for d in dim) if ndim else ()
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dim {tuple(dim)} appears multiple times in the list of dims")
    return tuple(sorted(axes))


def reduction_dims(dim, ndim: int) -> tuple:
    """Axes of a reduction: None *or an empty dim list* means every dim, as in PyTorch
    (``torch.sum(x, dim=())`` reduces everything; only any/all keep an empty list as no-op)."""
    if dim is not None and not isinstance(dim, numbers.Integral) and len(dim) == 0:
        dim = None
    return wrap_dims(dim, ndim)


def is_scalar(value) -> bool:
    return isinstance(value, (numbers.Number,)) and not isinstance(value, complex)


def scalar_tensor(value, dtype, device) -> Tensor:
    return Tensor._make(device.backend.full((), value, dtype), device, False, None, 0)


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
            if o.data.dtype != dtype.numpy:
                o = o.to(dtype)
        else:
            o = scalar_tensor(o, dtype, first.device)
        out.append(o)
    return out


def promote_pair(op: str, a, b):
    """Fast path of ``promote`` for two operands (the common case: same dtype, same device)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.data.dtype == b.data.dtype and a.device is b.device:
            return a, b
    elif isinstance(a, Tensor):
        if a.data.dtype.kind == "f" and isinstance(b, (int, float)):
            return a, scalar_tensor(b, _dt._FROM_NUMPY[a.data.dtype], a.device)
    elif isinstance(b, Tensor) and b.data.dtype.kind == "f" and isinstance(a, (int, float)):
        return scalar_tensor(a, _dt._FROM_NUMPY[b.data.dtype], b.device), b
    return promote(op, a, b)


def zeros_like_tensor(t: Tensor, dtype=None) -> Tensor:
    dtype = dtype or t.dtype
    return Tensor._make(t.device.backend.full(t.data.shape, 0, dtype), t.device, False, None, 0)


def sum_to_shape(grad: Tensor, shape: tuple) -> Tensor:
    """Sum a gradient over the dims that broadcasting added or expanded, back to ``shape``."""
    from .reduce import Sum
    from .movement import Reshape
    gshape = grad.data.shape
    shape = tuple(shape)
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    expanded = tuple(lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if not expanded:  # only leading dims were added: one reduction, no reshape
        return Sum.apply(grad, tuple(range(lead)), False)
    grad = Sum.apply(grad, tuple(range(lead)) + expanded, True)
    return Reshape.apply(grad, shape) if lead else grad


_engine._sum_to = sum_to_shape
