"""PyTorch's fused-looking ops composed from differentiable primitives (addmm, addcmul, baddbmm,
...): their gradients, double gradients and OpenCL runs come from the ops they are built of."""
from __future__ import annotations

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from . import elementwise as ew
from .creation import zeros
from .linalg import bmm, matmul, mm
from ._util import broadcast_shapes, expect_tensor, tensor_op


def _check_broadcasts_to(op: str, input: Tensor, shape) -> None:
    """input must broadcast to the product's shape (the result never grows to input's)."""
    try:
        fits = broadcast_shapes(tuple(input.shape), tuple(shape)) == tuple(shape)
    except (RuntimeError, ValueError):
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: input of shape {list(input.shape)} cannot be broadcast to the "
                           f"product's shape {list(shape)}; pass an input of that shape or one "
                           f"that broadcasts to it")


def _beta_input_plus(op: str, input, product: Tensor, beta, alpha) -> Tensor:
    """``beta * input + alpha * product``; beta=0 ignores input's values (NaN and inf do not
    propagate, as in PyTorch) while input still receives a zero gradient."""
    expect_tensor(op, "input", input)
    _check_broadcasts_to(op, input, product.shape)
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        never = zeros(tuple(input.shape), dtype=_dt.bool_, device=input.device)
        return ew.where(never, input, 0) + scaled
    return (input if beta == 1 else input * beta) + scaled


@tensor_op
def addmm(input: Tensor, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``.

    Shapes: mat1 (n, k), mat2 (k, m), input broadcastable to (n, m) -> (n, m). With beta=0,
    input's values are ignored (NaN/inf in it do not propagate).

    Example:
    >>> tl.addmm(tl.ones(2), tl.tensor([[1., 2.], [3., 4.]]), tl.eye(2), beta=2, alpha=0.5)
    tensor([[2.5000, 3.0000],
            [3.5000, 4.0000]])
    """
    expect_tensor("addmm", "mat1", mat1)
    return _beta_input_plus("addmm", input, mm(mat1, mat2), beta, alpha)


@tensor_op
def addmv(input: Tensor, mat, vec, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``.

    Shapes: mat (n, m), vec (m,), input broadcastable to (n,) -> (n,).

    Example:
    >>> tl.addmv(tl.tensor([1., 1.]), tl.tensor([[1., 2.], [3., 4.]]), tl.tensor([1., 1.]), alpha=2)
    tensor([ 7., 15.])
    """
    expect_tensor("addmv", "mat", mat)
    expect_tensor("addmv", "vec", vec)
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"addmv: vector + matrix @ vector expected, got mat of {mat.ndim}D and "
                           f"vec of {vec.ndim}D (pass a 2-D mat and a 1-D vec)")
    return _beta_input_plus("addmv", input, matmul(mat, vec), beta, alpha)


@tensor_op
def baddbmm(input: Tensor, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``.

    Shapes: batch1 (b, n, k), batch2 (b, k, m), input broadcastable to (b, n, m) -> (b, n, m).

    Example:
    >>> tl.baddbmm(tl.zeros(1, 2), tl.ones(3, 2, 4), tl.ones(3, 4, 2), alpha=0.5).shape
    tensorlite.Size([3, 2, 2])
    """
    expect_tensor("baddbmm", "batch1", batch1)
    return _beta_input_plus("baddbmm", input, bmm(batch1, batch2), beta, alpha)


@tensor_op
def addbmm(input: Tensor, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``: the batched products summed.

    Shapes: batch1 (b, n, k), batch2 (b, k, m), input broadcastable to (n, m) -> (n, m).

    Example:
    >>> tl.addbmm(tl.ones(2, 2), tl.ones(3, 2, 4), tl.ones(3, 4, 2), beta=0.5)
    tensor([[12.5000, 12.5000],
            [12.5000, 12.5000]])
    """
    expect_tensor("addbmm", "batch1", batch1)
    return _beta_input_plus("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)


@tensor_op
def addcmul(input: Tensor, tensor1, tensor2, *, value=1) -> Tensor:
    """``input + value * tensor1 * tensor2``.

    Shapes: input, tensor1 and tensor2 broadcast together.

    Example:
    >>> tl.addcmul(tl.ones(2), tl.tensor([1., 2.]), tl.tensor([3., 4.]), value=0.5)
    tensor([2.5000, 5.0000])
    """
    expect_tensor("addcmul", "tensor1", tensor1)
    expect_tensor("addcmul", "tensor2", tensor2)
    product = tensor1 * tensor2
    return input + (product if value == 1 else product * value)


@tensor_op
def addcdiv(input: Tensor, tensor1, tensor2, *, value=1) -> Tensor:
    """``input + value * tensor1 / tensor2`` (true division; integer tensor1 and tensor2 are
    rejected as in PyTorch).

    Shapes: input, tensor1 and tensor2 broadcast together.

    Example:
    >>> tl.addcdiv(tl.ones(2), tl.tensor([1., 2.]), tl.tensor([4., 4.]), value=2)
    tensor([1.5000, 2.0000])
    """
    expect_tensor("addcdiv", "tensor1", tensor1)
    expect_tensor("addcdiv", "tensor2", tensor2)
    if not (tensor1.is_floating_point() or tensor2.is_floating_point()):
        raise RuntimeError(f"Integer division with addcdiv is no longer supported (got {tensor1.dtype} "
                           f"and {tensor2.dtype}): use (input + value * tensor1 / tensor2) or cast "
                           f"tensor1 or tensor2 to a floating dtype")
    quotient = tensor1 / tensor2
    return input + (quotient if value == 1 else quotient * value)


class _ReplacedElements(Function):
    """``value`` (``input`` with some elements replaced) forward; backward ``grad * keep`` to
    ``input``: PyTorch multiplies by the mask of kept elements rather than selecting, so a
    replaced element's gradient is NaN when the incoming one is not finite (an all-NaN slice of
    nanmean divides by a zero count)."""

    @staticmethod
    def forward(ctx, input, value, keep):
        ctx.save_for_backward(keep)
        return value

    @staticmethod
    def backward(ctx, grad):
        keep, = ctx.saved_tensors
        return grad * keep.to(grad.dtype), None, None


def _replaced(input: Tensor, value: Tensor, keep: Tensor) -> Tensor:
    return _ReplacedElements.apply(input, value.detach(), keep)


@tensor_op
def nan_to_num(input: Tensor, nan=0.0, posinf=None, neginf=None) -> Tensor:
    """NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (by default the
    largest and lowest finite values of input's dtype); integer and bool inputs are copied.
    Replaced elements get a zero gradient (NaN where the incoming gradient is not finite, as
    PyTorch multiplies by the mask of finite elements).

    Shapes: (*) -> (*).

    Example:
    >>> tl.nan_to_num(tl.tensor([float('nan'), float('inf'), -float('inf'), 1.]), posinf=9.)
    tensor([ 0.0000e+00,  9.0000e+00, -3.4028e+38,  1.0000e+00])
    """
    if not input.is_floating_point():
        return input.clone()
    info = _dt.finfo(input.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = ew.where(input == float("inf"), posinf, input)
    out = ew.where(input == -float("inf"), neginf, out)
    return _replaced(input, ew.where(ew.isnan(input), nan, out), ew.isfinite(input))


def _without_nan(input: Tensor) -> Tensor:
    if not input.is_floating_point():
        return input
    return _replaced(input, ew.where(ew.isnan(input), 0, input), ~ew.isnan(input))


@tensor_op
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (None: all) treating NaN as zero (NaN elements get a zero gradient).

    Shapes: input's without the reduced dims (kept as size 1 with keepdim).

    Example:
    >>> tl.nansum(tl.tensor([[1., float('nan')], [2., 3.]]), dim=1)
    tensor([1., 5.])
    """
    return _without_nan(input).sum(dim, keepdim, dtype=dtype)


@tensor_op
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over ``dim`` (None: all) of the elements that are not NaN (all NaN: NaN). NaN
    elements get a zero gradient, except in an all-NaN slice, whose elements all get NaN (as in
    PyTorch: nansum's gradient times the not-NaN mask, divided by a zero count).

    Shapes: input's without the reduced dims (kept as size 1 with keepdim). Floating inputs only.

    Example:
    >>> tl.nanmean(tl.tensor([[1., float('nan')], [2., 3.]]), dim=1)
    tensor([1.0000, 2.5000])
    """
    if not input.is_floating_point():
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got {input.dtype} "
                           f"(cast it with .float() or pass dtype=tl.float32)")
    if dtype is not None:
        input = input.to(dtype)
    count = (~ew.isnan(input)).sum(dim, keepdim)
    return nansum(input, dim, keepdim) / count
