"""PyTorch's fused-looking ops composed from differentiable primitives (addmm, addcmul, baddbmm,
...): their gradients, double gradients and OpenCL runs come from the ops they are built of."""
from __future__ import annotations

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from . import elementwise as ew
from .creation import zeros
from .linalg import bmm, matmul, mm
from ._util import broadcast_shapes, expect_tensor, sum_to_shape, tensor_op


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


def _check_product_dtypes(op: str, input, **factors) -> None:
    """PyTorch's BLAS-backed ops neither promote nor take bools: input and both factors must
    share one dtype (checked before the product is computed)."""
    expect_tensor(op, "input", input)
    for name, factor in factors.items():
        expect_tensor(op, name, factor)
    dtypes = [input.dtype] + [f.dtype for f in factors.values()]
    if len(set(dtypes)) > 1:
        got = ", ".join(f"{n} {d}" for n, d in zip(["input", *factors], dtypes))
        raise RuntimeError(f"{op}: input tensors must have the same dtype, got {got}; convert them "
                           f"with .to(dtype) first")
    if input.dtype == _dt.bool_:
        raise NotImplementedError(f'"{op}" not implemented for \'Bool\'')


def _beta_input_plus(op: str, input, product: Tensor, beta, alpha) -> Tensor:
    """``beta * input + alpha * product``; beta=0 ignores input's values (NaN and inf do not
    propagate, as in PyTorch) while input still receives a zero gradient. For an integer
    result beta and alpha are truncated to integers first, as PyTorch's kernels do."""
    expect_tensor(op, "input", input)
    _check_broadcasts_to(op, input, product.shape)
    if not product.dtype.is_floating_point:
        beta, alpha = int(beta), int(alpha)
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
    _check_product_dtypes("addmm", input, mat1=mat1, mat2=mat2)
    return _beta_input_plus("addmm", input, mm(mat1, mat2), beta, alpha)


@tensor_op
def addmv(input: Tensor, mat, vec, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``.

    Shapes: mat (n, m), vec (m,), input broadcastable to (n,) -> (n,).

    Example:
    >>> tl.addmv(tl.tensor([1., 1.]), tl.tensor([[1., 2.], [3., 4.]]), tl.tensor([1., 1.]), alpha=2)
    tensor([ 7., 15.])
    """
    _check_product_dtypes("addmv", input, mat=mat, vec=vec)
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
    _check_product_dtypes("baddbmm", input, batch1=batch1, batch2=batch2)
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
    _check_product_dtypes("addbmm", input, batch1=batch1, batch2=batch2)
    products = bmm(batch1, batch2)
    summed = products.sum(0, dtype=products.dtype)  # int32 stays int32
    return _beta_input_plus("addbmm", input, summed, beta, alpha)


@tensor_op
def addr(input: Tensor, vec1, vec2, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``, the three dtypes promoted. An integer
    result refuses float beta/alpha and any non-bool result bool ones (PyTorch's rule); a bool
    result is ``(beta and input) or (alpha and outer)``.

    Shapes: vec1 (n,), vec2 (m,), input broadcastable to (n, m) -> (n, m).

    Example:
    >>> tl.addr(tl.zeros(2, 3), tl.tensor([1., 2.]), tl.tensor([1., 0., -1.]), alpha=2)
    tensor([[ 2.,  0., -2.],
            [ 4.,  0., -4.]])
    """
    expect_tensor("addr", "input", input)
    for name, vec in (("vec1", vec1), ("vec2", vec2)):
        expect_tensor("addr", name, vec)
        if vec.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {vec.ndim}-D (shape "
                               f"{list(vec.shape)}); flatten it or use addmm for matrices")
    result = _dt.promote_types(_dt.promote_types(input.dtype, vec1.dtype), vec2.dtype)
    _check_scalar_kinds("addr", result, beta=beta, alpha=alpha)
    outer = (vec1.reshape(-1, 1) * vec2.reshape(1, -1)).to(result)  # alpha scales in the result dtype
    if result == _dt.bool_:
        _check_broadcasts_to("addr", input, outer.shape)
        kept = input if bool(beta) else zeros(tuple(input.shape), dtype=_dt.bool_, device=input.device)
        return kept | (outer & bool(alpha))
    return _beta_input_plus("addr", input, outer, beta, alpha)


def _check_scalar_kinds(op: str, result: _dt.dtype, **scalars) -> None:
    """An integer result takes no float scalars, and only a bool result takes bool ones."""
    for name, value in scalars.items():
        if isinstance(value, bool) and result != _dt.bool_:
            raise RuntimeError(f"{op}: Boolean {name} only supported for Boolean results (the "
                               f"result is {result}); pass {name}={int(value)}")
        if isinstance(value, float) and not result.is_floating_point:
            raise RuntimeError(f"{op}: For integral input tensors, argument {name} must not be a "
                               f"floating point number (got {value}, the result is {result})")


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
    common = _dt.result_type_of((input, tensor1, tensor2))
    if common == _dt.bool_:
        raise NotImplementedError("\"addcmul_cpu_out\" not implemented for 'Bool': convert the "
                                  "tensors to an integer or float dtype")
    if not common.is_floating_point:
        value = int(value)  # an integer result scales by the truncated value, as PyTorch
    # PyTorch computes in the result dtype of all three (a 0-d int64 -4 times uint8 [4] is
    # -16.0 next to a float input, not uint8's 240)
    return _Addc.apply(*_as_common(common, input, tensor1, tensor2), value, False)


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
    common = _dt.result_type_of((input, tensor1, tensor2))
    return _Addc.apply(*_as_common(common, input, tensor1, tensor2), value, True)


def _as_common(dtype, *tensors):
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]


class _Addc(Function):
    """addcmul / addcdiv (``divide``) as one node over same-dtype operands: input + value * t1 *
    t2 or input + value * t1 / t2 (PyTorch's kernel order), with PyTorch's derivative formulas
    on the full broadcast gradient, grad * (t2 * value) / grad * (t1 * value) and grad * (value /
    t2) / -grad * (value * t1 / (t2 * t2)), in Tensor ops so second derivatives follow PyTorch's
    too (the composition gave 0 * inf = NaN for an operand broadcast into an empty result, and
    +-inf where PyTorch's t2 * t2 gives NaN at t2 = 0)."""

    @staticmethod
    def forward(ctx, input, tensor1, tensor2, value, divide):
        ctx.save_for_backward(tensor1, tensor2)
        ctx.value, ctx.divide, ctx.input_shape = value, divide, tuple(input.shape)
        scaled = tensor1 if value == 1 else tensor1 * value
        return input + (scaled / tensor2 if divide else scaled * tensor2)

    @staticmethod
    def backward(ctx, grad):
        tensor1, tensor2 = ctx.saved_tensors
        value = ctx.value
        if ctx.divide:
            slope1, slope2 = value / tensor2, -(value * tensor1 / (tensor2 * tensor2))
        else:
            slope1, slope2 = tensor2 * value, tensor1 * value
        grads = [sum_to_shape(grad, ctx.input_shape) if ctx.needs_input_grad[0] else None]
        for needed, slope, t in zip(ctx.needs_input_grad[1:3], (slope1, slope2), (tensor1, tensor2)):
            grads.append(sum_to_shape(grad * slope, tuple(t.shape)) if needed else None)
        return (*grads, None, None)


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
        if not _dt.to_dtype(dtype).is_floating_point:
            raise RuntimeError(f"nanmean(): could not infer output dtype. Optional dtype must be "
                               f"either a floating point or complex dtype. Got: "
                               f"{_dt.to_dtype(dtype).scalar_name}")
        input = input.to(dtype)
    count = (~ew.isnan(input)).sum(dim, keepdim)
    return nansum(input, dim, keepdim) / count
