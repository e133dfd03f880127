"""index_add, index_copy, index_fill, index_reduce and masked_scatter: compositions of scatter,
gather and scatter_reduce, so they run on the device on every backend and get their gradients
(and double backward) from those.

index_add accumulates repeated indices; index_copy with repeated indices keeps one of the
written values (PyTorch leaves which one unspecified).
"""
from __future__ import annotations

from .. import dtypes as _dt
from .._warn import warn_user
from ..tensor import Tensor
from ._util import broadcast_shapes, checked_scalar, expect_tensor, is_scalar, scalar_tensor, tensor_op, wrap_dim
from .elementwise import where
from .indexing import Gather, Scatter, reduce_into
from .movement import cat
from .reduce import cumsum


def _vector_index(op: str, index, dtypes, message: str) -> None:
    """PyTorch's checks of an index_* index: an integer tensor of ``dtypes``, at most 1-D."""
    if not isinstance(index, Tensor) or index.dtype not in dtypes:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise (IndexError if op == "index_fill_" else RuntimeError)(f"{op}(): {message}, but got {got}")
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, but got dim: {index.ndim} with "
                         f"size {list(index.shape)}")


def _spread_index(index: Tensor, shape: tuple, axis: int) -> Tensor:
    """index (k,) laid along ``axis`` and expanded to ``shape`` (shape[axis] == k): the scatter
    index that sends position j along axis to index[j]."""
    line = index.reshape(tuple(-1 if d == axis else 1 for d in range(len(shape))))
    return line.expand(shape)


def _shape_error(input: Tensor, source: Tensor, op: str) -> RuntimeError:
    return RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified "
                        f"dimension. Got self.shape = {list(input.shape)} source.shape = "
                        f"{list(source.shape)} ({op})")


def _check_source(op: str, input: Tensor, axis: int, index: Tensor, source: Tensor) -> None:
    """PyTorch's checks: index_add and index_reduce want source with self's number of dims;
    index_copy also lets a 0-dim tensor stand for a 1-element vector on either side."""
    if input.ndim != source.ndim:
        if op != "index_copy_":
            raise _shape_error(input, source, op)
        if input.ndim and source.ndim:
            raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                             f"dimensionality must match. Source dimensionality ({source.ndim}), "
                             f"destination dimensionality ({input.ndim})")
    count = source.shape[axis] if source.ndim else 1
    if index.numel() != count:
        raise RuntimeError(f"{op}(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({count}), for dim: {axis}")
    if any(d != axis and s != t for d, (s, t) in enumerate(zip(input.shape, source.shape))):
        raise _shape_error(input, source, op)


def _scatter_along(op, input, dim, index, source, accumulate):
    """input with source's slices written (or added) at index along dim; 0-dim tensors count
    as 1-element vectors."""
    axis = wrap_dim(dim, input.ndim, op=op)
    _check_source(op, input, axis, index, source)
    if input.ndim == 0 or source.ndim == 0:
        flat = _scatter_along(op, input.reshape(-1), 0, index.reshape(-1), source.reshape(-1), accumulate)
        return flat.reshape(input.shape)
    spread = _spread_index(index.long().to(input.device).reshape(-1), source.shape, axis)
    return Scatter.apply(input, axis, spread, source, accumulate, None, op)


@tensor_op
def index_add(input: Tensor, dim: int, index, source, *, alpha=1) -> Tensor:
    """A copy of input with ``alpha * source`` added at the positions index names along dim;
    repeated indices accumulate.

    Shapes: input (..., n, ...), index (k,) with values in [0, n), source (..., k, ...) (input's
    shape with k at dim) -> input's shape.

    Example:
    >>> x = tl.zeros(3, 2)
    >>> tl.index_add(x, 0, tl.tensor([0, 2, 0]), tl.ones(3, 2))
    tensor([[2., 2.],
            [0., 0.],
            [1., 1.]])
    >>> x.index_add(1, tl.tensor([1]), tl.ones(3, 1), alpha=5)[0]
    tensor([0., 5.])
    """
    _vector_index("index_add_", index, (_dt.int64, _dt.int32), "Expected dtype int32/int64 for index")
    expect_tensor("index_add", "source", source)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype.name}) and source ({source.dtype.name}) must "
                           f"have the same scalar type")
    if not is_scalar(alpha):
        raise TypeError(f"index_add(): alpha must be a number, not {type(alpha).__name__}")
    _check_source("index_add_", input, wrap_dim(dim, input.ndim, op="index_add_"), index, source)
    # in input's dtype: an integer input truncates a float alpha, as PyTorch; with nothing to add
    # PyTorch never converts alpha (but the result is still connected to source's graph)
    if alpha != 1 and index.numel():
        source = source * scalar_tensor(checked_scalar("index_add", alpha, input.dtype), input.dtype, input.device)
    return _scatter_along("index_add_", input, dim, index, source, True)


@tensor_op
def index_copy(input: Tensor, dim: int, index, source) -> Tensor:
    """A copy of input whose slices at the positions index names along dim are source's.

    Shapes: input (..., n, ...), index (k,) int64 with values in [0, n), source (..., k, ...)
    -> input's shape.

    Example:
    >>> x = tl.zeros(2, 3)
    >>> tl.index_copy(x, 1, tl.tensor([2, 0]), tl.tensor([[1., 2.], [3., 4.]]))
    tensor([[2., 0., 1.],
            [4., 0., 3.]])
    """
    _vector_index("index_copy_", index, (_dt.int64,), "Expected a long tensor for index")
    expect_tensor("index_copy", "source", source)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got "
                           f"(self) {input.dtype.name} and (source) {source.dtype.name}")
    return _scatter_along("index_copy_", input, dim, index, source, False)


@tensor_op
def index_fill(input: Tensor, dim: int, index, value) -> Tensor:
    """A copy of input with ``value`` at the positions index names along dim (negative indices
    count from the end).

    Shapes: input (..., n, ...), index (k,) int64 with values in [-n, n); value a number or a
    0-dim tensor -> input's shape.

    Example:
    >>> x = tl.zeros(2, 3)
    >>> tl.index_fill(x, 1, tl.tensor([0, -1]), 7.)
    tensor([[7., 0., 7.],
            [7., 0., 7.]])
    """
    _vector_index("index_fill_", index, (_dt.int64,), "Expected dtype int64 for index")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value.ndim} dimension(s).")
        value = value.to(input.dtype).to(input.device)
    elif is_scalar(value):
        value = scalar_tensor(checked_scalar("index_fill", value, input.dtype, floats=True), input.dtype,
                              input.device)
    else:
        raise TypeError(f"index_fill(): value must be a number or a 0-dim Tensor, got {type(value).__name__}")
    axis = wrap_dim(dim, input.ndim, op="index_fill")
    if input.ndim == 0:
        return index_fill(input.reshape(1), 0, index, value).reshape(())
    index = index.reshape(-1).to(input.device)
    index = index + (index < 0).long() * input.shape[axis]  # PyTorch counts a negative index from the end
    shape = tuple(index.numel() if d == axis else n for d, n in enumerate(input.shape))
    return Scatter.apply(input, axis, _spread_index(index, shape, axis), value, False, None, "index_fill_")


@tensor_op
def masked_scatter(input: Tensor, mask, source) -> Tensor:
    """A copy of input where mask is True takes source's elements, in order (row-major): the
    i-th True position gets source.flatten()[i].

    Shapes: input (*), mask bool broadcastable with input, source with at least as many elements
    as True positions -> the broadcast shape.

    Example:
    >>> x = tl.zeros(2, 3)
    >>> tl.masked_scatter(x, tl.tensor([[True, False, True], [False, True, False]]), tl.arange(1., 7.))
    tensor([[1., 0., 2.],
            [0., 3., 0.]])
    """
    expect_tensor("masked_scatter", "mask", mask)
    expect_tensor("masked_scatter", "source", source)
    if mask.dtype is _dt.uint8:  # PyTorch warns, then refuses it all the same
        warn_user("masked_scatter_ received a mask with dtype torch.uint8, this behavior is now deprecated,"
                  "please use a mask with dtype torch.bool instead.")
    if mask.dtype is not _dt.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got "
                           f"{input.dtype.name} and {source.dtype.name}")
    shape = broadcast_shapes(input.shape, mask.shape)
    flat_mask = mask.to(input.device).expand(shape).reshape(-1)
    # the i-th True position reads source[i]; the others read source[0] and keep input's value
    order = cumsum(flat_mask, 0) - 1
    position = where(flat_mask, order, scalar_tensor(0, _dt.int64, input.device))
    flat_source = source.reshape(-1)
    if not flat_source.numel():  # nothing to read: every mask entry must be False (the result
        # stays connected to source's graph, as PyTorch's)
        flat_source = cat([flat_source, scalar_tensor(0, input.dtype, input.device).reshape(1)])
        position = where(flat_mask, scalar_tensor(1, _dt.int64, input.device), position)
    taken = Gather.apply(flat_source, 0, position, "masked_scatter")
    return where(flat_mask, taken, input.expand(shape).reshape(-1)).reshape(shape)


_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


@tensor_op
def index_reduce(input: Tensor, dim: int, index, source, reduce: str, *, include_self: bool = True) -> Tensor:
    """A copy of input whose slices at the positions index names along dim are reduced with
    source's slices: reduce is "prod", "mean", "amax" or "amin" (scatter_reduce's rules:
    include_self False leaves input out where index points, an integer mean rounds down,
    amax/amin share the gradient among ties).

    Shapes: input (..., n, ...), index (k,) with values in [0, n), source (..., k, ...) -> input's
    shape.

    Example:
    >>> x = tl.tensor([[1., 2.], [3., 4.]])
    >>> x.index_reduce(0, tl.tensor([0, 0]), tl.tensor([[7., 0.], [5., 9.]]), "amax")
    tensor([[7., 9.],
            [3., 4.]])
    """
    if reduce not in _INDEX_REDUCTIONS:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
                           f"{reduce}.")
    _vector_index("index_reduce_", index, (_dt.int64, _dt.int32), "Expected dtype int32/int64 for index")
    expect_tensor("index_reduce", "source", source)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_reduce_(): self ({input.dtype.name}) and source ({source.dtype.name}) must "
                           f"have the same scalar type")
    axis = wrap_dim(dim, input.ndim, op="index_reduce_")
    _check_source("index_reduce_", input, axis, index, source)
    if input.ndim == 0 or source.ndim == 0:
        flat = index_reduce(input.reshape(-1), 0, index.reshape(-1), source.reshape(-1), reduce,
                            include_self=include_self)
        return flat.reshape(input.shape)
    spread = _spread_index(index.long().to(input.device).reshape(-1), source.shape, axis)
    return reduce_into(input, axis, spread, source, reduce, include_self, "index_reduce_")
