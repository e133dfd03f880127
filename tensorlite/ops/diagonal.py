"""Diagonals and windows: diagonal and Tensor.unfold are views (they share storage and the
version counter with their input, as in PyTorch); diag_embed, diag and trace are built on them.
"""
from __future__ import annotations

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import tensor_op, wrap_dim
from .creation import arange
from .gradients import zeros
from .index_ops import index_add


def _diagonal_data(backend, data, offset, axis1, axis2):
    """The diagonal view of a backend array: offset > 0 starts ``offset`` columns (axis2) to the
    right, offset < 0 that many rows (axis1) down; past the edge it is empty."""
    key = [slice(None)] * data.ndim
    if offset >= 0:
        key[axis2] = slice(offset, None)
    else:
        key[axis1] = slice(-offset, None)
    return backend.diagonal(backend.getitem(data, tuple(key)), axis1, axis2)


class Diagonal(Function):
    """The diagonal of x over axis1 and axis2, as a last axis: a view."""

    _primitive = True
    _is_view = True

    @staticmethod
    def forward(ctx, x, offset, axis1, axis2):
        ctx.x_shape, ctx.args = x._array.shape, (offset, axis1, axis2)
        return _diagonal_data(x.device.backend, x._array, offset, axis1, axis2)

    @staticmethod
    def backward(ctx, grad):
        return DiagonalEmbed.apply(grad, ctx.x_shape, *ctx.args), None, None, None


class DiagonalEmbed(Function):
    """zeros(shape) with ``values`` (the diagonal's shape) on the diagonal: diagonal's backward
    and diag_embed's forward; its own backward takes the diagonal again."""

    _primitive = True

    @staticmethod
    def forward(ctx, values, shape, offset, axis1, axis2):
        ctx.args = (offset, axis1, axis2)
        backend = values.device.backend
        out = backend.full(shape, 0, values.dtype)
        backend.copy_into(_diagonal_data(backend, out, offset, axis1, axis2), values._array)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, *ctx.args), None, None, None, None


def _diagonal_axes(op, ndim, dim1, dim2):
    axis1, axis2 = wrap_dim(dim1, ndim, op=op), wrap_dim(dim2, ndim, op=op)
    if axis1 == axis2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2} ({op}: name two "
                           f"different dims)")
    return axis1, axis2


@tensor_op
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal over dims dim1 and dim2 (offset > 0 above the main one, < 0 below), as a
    view: writing into it writes into input.

    Shapes: input (*, n, *, m, *) -> (*, *, *, k): dim1 and dim2 removed, a last dim of the
    diagonal's length k = max(0, min(n, m - offset)) for offset >= 0 (min(n + offset, m) below).

    Example:
    >>> x = tl.arange(9.).reshape(3, 3)
    >>> x.diagonal()
    tensor([0., 4., 8.])
    >>> tl.diagonal(x, offset=1)
    tensor([1., 5.])
    >>> tl.diagonal(tl.zeros(2, 3, 4), 0, -2, -1).shape
    tensorlite.Size([2, 3])
    """
    axis1, axis2 = _diagonal_axes("diagonal", input.ndim, dim1, dim2)
    return Diagonal.apply(input, int(offset), axis1, axis2)


@tensor_op
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose diagonal (over dims dim1, dim2 of the result, shifted by offset) holds the
    last dim of input, zeros elsewhere.

    Shapes: input (*, n) -> input.shape[:-1] with two dims of size n + |offset| inserted at
    dim1 and dim2 (counted in the result).

    Example:
    >>> tl.diag_embed(tl.tensor([1., 2.]))
    tensor([[1., 0.],
            [0., 2.]])
    >>> tl.diag_embed(tl.ones(2, 3), offset=1).shape
    tensorlite.Size([2, 4, 4])
    """
    ndim = input.ndim + 1
    axis1, axis2 = _diagonal_axes("diag_embed", ndim, dim1, dim2)
    size = (input.shape[-1] if input.ndim else 1) + abs(int(offset))
    shape = list(input.shape[:-1])
    for axis in sorted((axis1, axis2)):
        shape.insert(axis, size)
    values = input if input.ndim else input.reshape(1)
    return DiagonalEmbed.apply(values, tuple(shape), int(offset), axis1, axis2)


@tensor_op
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a matrix's diagonal as a new vector (a copy).

    Shapes: (n,) -> (n + |diagonal|, n + |diagonal|); (n, m) -> (k,), the diagonal's length.

    Example:
    >>> tl.diag(tl.tensor([1, 2]), 1)
    tensor([[0, 1, 0],
            [0, 0, 2],
            [0, 0, 0]])
    >>> tl.diag(tl.arange(6).reshape(2, 3), -1)
    tensor([3])
    """
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


@tensor_op
def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (integers sum in int64).

    Shapes: (n, m) -> () .

    Example:
    >>> tl.trace(tl.arange(6).reshape(2, 3))
    tensor(4)
    """
    if input.dtype is _dt.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool' (convert with .long() first)")
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return Diagonal.apply(input, 0, 0, 1).sum()


class Windows(Function):
    """Tensor.unfold: the windows of ``size`` every ``step`` along axis, a view."""

    _primitive = True
    _is_view = True

    @staticmethod
    def forward(ctx, x, axis, size, step):
        ctx.x_shape, ctx.args = x._array.shape, (axis, size, step)
        return x.device.backend.windows(x._array, axis, size, step)

    @staticmethod
    def backward(ctx, grad):
        axis, size, step = ctx.args
        count = grad.shape[axis]
        # window w's element j came from position w * step + j: overlapping windows add up
        positions = (arange(count, device=grad.device) * step).unsqueeze(1) + arange(size, device=grad.device)
        spread = grad.movedim(-1, axis + 1).flatten(axis, axis + 1)
        blank = zeros(ctx.x_shape, grad.dtype, grad.device)
        return index_add(blank, axis, positions.reshape(-1), spread), None, None, None


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: every window of ``size`` elements, ``step`` apart, along ``dimension``,
    as a view.

    Shapes: (*, n, *) -> (*, (n - size) // step + 1, *, size): the windows replace dimension,
    each window's elements form a new last dim.

    Example:
    >>> x = tl.arange(5.)
    >>> x.unfold(0, 2, 2)
    tensor([[0., 1.],
            [2., 3.]])
    >>> tl.arange(6.).reshape(2, 3).unfold(1, 2, 1).shape
    tensorlite.Size([2, 2, 2])
    """
    axis = wrap_dim(dimension, input.ndim, op="unfold")
    if input.ndim == 0:  # one element, one window at most
        return unfold(input.reshape(1), 0, size, step).reshape(size)
    length = input.shape[axis]
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {axis} is {length} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return Windows.apply(input, axis, int(size), int(step))
