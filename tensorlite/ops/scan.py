"""Inclusive scans beside cumsum: cumprod, cummax, cummin, logcumsumexp, with gradients
written in tensor ops (so differentiable again). One backend primitive (``scan``): on OpenCL one
work item per line.
"""
from __future__ import annotations

import collections

from .. import dtypes as _dt
from ..autograd.function import OUTPUT, Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from ._util import tensor_op, wrap_dim
from .reduce import check_differentiable_dtype
from .creation import eye
from .gradients import zeros

__all__ = ["cumprod", "cummax", "cummin", "logcumsumexp"]

# the most negative finite value: log of a zero part of the gradient (exp of it is 0)
_LOWEST = {_dt.float16: -65504.0, _dt.float32: -3.4028234663852886e38, _dt.float64: -1.7976931348623157e308}

cummax_result = collections.namedtuple("cummax", ["values", "indices"])
cummin_result = collections.namedtuple("cummin", ["values", "indices"])


def _reverse_cumsum(t, dim):
    return t.flip(dim).cumsum(dim).flip(dim)


def _cumprod_grad_any_order(x, grad, dim):
    """sum_{j>=k} g_j prod_{i<=j, i!=k} x_i, built from every 'x without x_k' line (n x n per
    line): exact at zeros for every order of derivative (PyTorch's create_graph path)."""
    xm, gm = x.movedim(dim, -1), grad.movedim(dim, -1)
    n = xm.shape[-1]
    own = eye(n, dtype=_dt.bool_, device=x.device)
    without_k = xm.unsqueeze(-2).expand(xm.shape[:-1] + (n, n)).where(~own, 1.0)
    later = own.new_ones(n, n).triu()  # [k, j]: j >= k
    products = Cumprod.apply(without_k, without_k.ndim - 1)
    return (products * gm.unsqueeze(-2)).where(later, 0.0).sum(-1).movedim(-1, dim)


def _cumprod_grad(x, out, grad, dim):
    """First-order gradient, right with zeros: before the first zero of a line it is
    reverse_cumsum(g * out) / x; at the first zero reverse_cumsum(g * cumprod(x with that zero
    as 1)); after it 0 (every product holds the zero)."""
    is_zero = x == 0
    zeros_so_far = is_zero.cumsum(dim)
    before = zeros_so_far == 0
    first_zero = is_zero.logical_and(zeros_so_far == 1)
    at_before = _reverse_cumsum(grad * out, dim) / x.where(before, 1.0)
    at_zero = _reverse_cumsum(grad * Cumprod.apply(x.where(~first_zero, 1.0), dim), dim)
    return at_before.where(before, at_zero.where(first_zero, 0.0))


class Cumprod(Function):
    _primitive = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.save_for_backward(x, OUTPUT)
        return x.device.backend.scan("cumprod", x._array, dim)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if is_grad_enabled():  # create_graph: a formula whose own derivatives are right at zeros
            return _cumprod_grad_any_order(x, grad, ctx.dim), None
        return _cumprod_grad(x, out, grad, ctx.dim), None


class CumExtreme(Function):
    """cummax / cummin -> (values, indices); the gradient goes to the index of each running
    extreme (a scatter-add, differentiable again)."""

    _primitive = True
    _non_diff_outputs = (1,)

    @staticmethod
    def forward(ctx, x, op, dim):
        values, index = x.device.backend.scan(op, x._array, dim)
        ctx.dim, ctx.x_shape = dim, x._array.shape
        ctx.index = Tensor._make(index, x.device, False, None, 0)
        return values, index

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        return zeros(ctx.x_shape, grad.dtype, grad.device).scatter_add(ctx.dim, ctx.index, grad), None, None


class LogCumSumExp(Function):
    _primitive = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.save_for_backward(x, OUTPUT)
        return x.device.backend.scan("logcumsumexp", x._array, dim)

    @staticmethod
    def backward(ctx, grad):
        """sum_{j>=k} g_j exp(x_k - out_j), in log space with the positive and negative parts
        of g apart (PyTorch's formula: no overflow for large x)."""
        x, out = ctx.saved_tensors
        dim = ctx.dim
        lowest = _LOWEST[grad.dtype]
        log_abs = grad.abs().log()
        log_pos, log_neg = log_abs.where(grad > 0, lowest), log_abs.where(grad < 0, lowest)

        def reverse_lcse(t):
            return LogCumSumExp.apply(t.flip(dim), dim).flip(dim)
        return (reverse_lcse(log_pos - out) + x).exp() - (reverse_lcse(log_neg - out) + x).exp(), None


def _scan(function, input, dim, op, *extra):
    """Apply a scan Function along dim; a 0-dim input scans as one element."""
    axis = wrap_dim(dim, input.ndim, op=op)
    if input.ndim == 0:
        result = function.apply(input.reshape(1), *extra, 0)
        return tuple(r.reshape(()) for r in result) if isinstance(result, tuple) else result.reshape(())
    return function.apply(input, *extra, axis)


@tensor_op
def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Inclusive running products along dim (integer and bool inputs give int64). The gradient
    is right where the input has zeros, also for higher orders.

    Shapes: (*) -> (*).

    Example:
    >>> tl.cumprod(tl.tensor([1., 2., 3.]), dim=0)
    tensor([1., 2., 6.])
    """
    if dtype is not None and _dt.to_dtype(dtype) is _dt.bool_ and input.ndim and input.numel():
        # empty or 0-dim: PyTorch runs no kernel, so it does not refuse bool (as cumsum)
        raise NotImplementedError("cumprod(): not implemented for dtype=bool; use an integer dtype")
    check_differentiable_dtype(input, dtype)
    x = input.to(dtype) if dtype is not None else input
    out = _scan(Cumprod, x, dim, "cumprod")
    return out.to(dtype) if dtype is not None and out.dtype is not _dt.to_dtype(dtype) else out


def _cum_extreme(op, result, input, dim):
    return result(*_scan(CumExtreme, input, dim, op, op))


@tensor_op
def cummax(input: Tensor, dim: int):
    """Running maximum along dim -> (values, indices): the index is the latest of equal maxima;
    from the first NaN on the value is NaN and the index that of the latest NaN.

    Shapes: (*) -> values (*) and int64 indices (*).

    Example:
    >>> tl.cummax(tl.tensor([1., 3., 2., 3.]), dim=0)
    cummax(values=tensor([1., 3., 3., 3.]), indices=tensor([0, 1, 1, 3]))
    """
    return _cum_extreme("cummax", cummax_result, input, dim)


@tensor_op
def cummin(input: Tensor, dim: int):
    """Running minimum along dim -> (values, indices) (the latest of equal minima; NaN sticks).

    Shapes: (*) -> values (*) and int64 indices (*).

    Example:
    >>> tl.cummin(tl.tensor([2., 1., 3., 0.]), dim=0)
    cummin(values=tensor([2., 1., 1., 0.]), indices=tensor([0, 1, 1, 3]))
    """
    return _cum_extreme("cummin", cummin_result, input, dim)


@tensor_op
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(x))) along dim, computed stably (large values neither overflow nor give
    NaN; -inf stays -inf). Floating inputs only.

    Shapes: (*) -> (*).

    Example:
    >>> tl.logcumsumexp(tl.tensor([0., 0., 0.]), dim=0)
    tensor([0.0000, 0.6931, 1.0986])
    """
    if not input.is_floating_point():
        raise NotImplementedError(f"logcumsumexp(): not implemented for dtype {input.dtype.name}; "
                                  "convert the input with .float() first")
    return _scan(LogCumSumExp, input, dim, "logcumsumexp")
