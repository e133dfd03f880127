"""Reductions: sum, prod, max/min (with and without dim), amax/amin, cumsum, norm; and the
compositions mean, var, std, logsumexp built on them.

Tie conventions (PyTorch's): ``max()``/``amax`` split the gradient evenly among tied maxima;
``max(dim)`` sends it to the returned index, the first occurrence.
"""
from __future__ import annotations

import collections
import math

from .._warn import warn_user
from .. import dtypes as _dt
from ..autograd.function import OUTPUT, Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from ._table import NoGradient, Op, build_function, build_public
from ._util import half_in_float32, reduction_dims, tensor_op, wrap_dim, wrap_dims, zeros_like_tensor
from .elementwise import NON_DIFFERENTIABLE, maximum, minimum
from .movement import Expand, Reshape

values_indices = collections.namedtuple("values_indices", ["values", "indices"])


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_back(grad, x_shape, axes, keepdim):
    """Bring a reduced gradient back to x's shape (re-insert the reduced dims, then expand)."""
    if not keepdim and len(axes) < len(x_shape):
        grad = grad.reshape(_kept_shape(x_shape, axes))
    if grad._array.shape == x_shape:
        return grad
    return grad.expand(x_shape)


def _sum_grad(grad, r):
    """grad back in x's shape: _expand_back written out (sum's backward is on every step)."""
    x_shape, axes = r.x_shape, r.axes
    # the Functions, not grad.reshape/expand: the methods' checks cost ~1.8 us per W1 step
    if not r.keepdim and len(axes) < len(x_shape):
        grad = Reshape.apply(grad, _kept_shape(x_shape, axes))
    return grad if grad._array.shape == x_shape else Expand.apply(grad, x_shape)


def _prod_grad(grad, x, out, r):
    """With one zero that element gets the product of the others, with two or more zeros every
    gradient is 0 (no 0/0)."""
    axes, keepdim, shape = r.axes, r.keepdim, x._array.shape
    is_zero = x == 0
    zeros = _expand_back(is_zero.sum(axes, keepdim=keepdim), shape, axes, keepdim)
    nonzero_x = x.masked_fill(is_zero, 1.0)
    product_of_others_nz = _expand_back(nonzero_x.prod(axes, keepdim=keepdim), shape, axes, keepdim)
    g = _expand_back(grad, shape, axes, keepdim)
    o = _expand_back(out, shape, axes, keepdim)
    # The value of each case is the product of the others; the formulas keep the zero
    # elements as factors (``zero_sum`` is 0 but depends on them) so that the gradient of this
    # gradient is right too: d/dx1 of d(x0*x1)/dx0 is 1 at x1 = 0, not 0.
    zero_sum = _expand_back(x.where(is_zero, 0.0).sum(axes, keepdim=keepdim), shape, axes, keepdim)
    no_zero_case = g * o / nonzero_x
    one_zero_case = (g * product_of_others_nz).where(is_zero, g * zero_sum * product_of_others_nz / nonzero_x)
    two_zeros_case = (g * (zero_sum - x) * product_of_others_nz).where(is_zero, 0.0)
    return no_zero_case.where(zeros == 0, one_zero_case.where(zeros == 1, two_zeros_case.where(zeros == 2, 0.0)))


def _extreme_grad(grad, x, out, r):
    """amax / amin: the gradient is split evenly among tied extremes."""
    axes, keepdim, shape = r.axes, r.keepdim, x._array.shape
    is_extreme = x == _expand_back(out, shape, axes, keepdim)
    count = is_extreme.sum(axes, keepdim=True).to(grad.dtype)
    share = _expand_back(grad, shape, axes, keepdim) / count.expand(shape)
    return share.where(is_extreme, 0.0)


class MaxMinDim(Function):
    """max(dim)/min(dim) -> (values, indices); the gradient goes to the returned (first) index."""

    _primitive = True
    _non_diff_outputs = (1,)

    @staticmethod
    def forward(ctx, x, op, dim, keepdim):
        backend = x.device.backend
        if x._array.size:
            index = backend.arg_reduce("arg" + op, x._array, dim, True)
            values = backend.gather(x._array, dim, index)
        else:  # another dim is empty: so are the results (no kernel to run)
            kept = _kept_shape(x._array.shape, (dim,))
            index, values = backend.full(kept, 0, _dt.int64), backend.full(kept, 0, x.dtype)
        ctx.x_shape, ctx.dim, ctx.keepdim = x._array.shape, dim, keepdim
        ctx.index = Tensor._make(index, x.device, False, None, 0)
        if not keepdim:
            kept = tuple(s for i, s in enumerate(values.shape) if i != dim)
            values, index = backend.reshape(values, kept), backend.reshape(index, kept)
        return values, index

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        if not ctx.keepdim:
            grad = grad.unsqueeze(ctx.dim)
        zeros = Tensor._make(grad.device.backend.full(ctx.x_shape, 0, grad.dtype), grad.device,
                             False, None, 0)
        return zeros.scatter_add(ctx.dim, ctx.index, grad), None, None, None


class Cumsum(Function):
    _primitive = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return x.device.backend.cumsum(x._array, dim)

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None


class LogSumExp(Function):
    """log(sum(exp(x))) over axes, shifted by the max so large inputs neither overflow nor give
    nan (all -inf gives -inf). Its gradient is softmax: exp(x - out)."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        backend = x.device.backend
        ctx.save_for_backward(x, OUTPUT)
        ctx.axes, ctx.keepdim = axes, keepdim
        if backend.logsumexp is not None and len(axes) == 1 and x._array.shape[axes[0]]:
            return backend.logsumexp(x._array, axes[0], keepdim)  # one fused kernel
        return _composed_logsumexp(backend, x._array, axes, keepdim)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if not ctx.keepdim:
            kept = _kept_shape(x._array.shape, ctx.axes)
            grad, out = grad.reshape(kept), out.reshape(kept)
        return grad * (x - out).exp(), None, None


def _composed_logsumexp(backend, data, axes, keepdim: bool):
    """logsumexp from primitives, shifted by the max (0 where the max is infinite)."""
    shift = backend.reduce("max", data, axes, True)
    shift = backend.where(backend.unary("isinf", shift), 0.0, shift)
    exp = backend.unary("exp", backend.binary("sub", data, shift))
    out = backend.binary("add", backend.unary("log", backend.reduce("sum", exp, axes, True)), shift)
    if not keepdim:
        out = backend.reshape(out, tuple(n for i, n in enumerate(data.shape) if i not in axes))
    return out


class Softmax(Function):
    """softmax (log=False) or log_softmax (log=True) along one dim: one fused backend kernel
    where the backend has one (``backend.softmax``), else a stable composition of primitives.
    As in PyTorch only the output is saved (the input may change in place before backward, the
    output may not); the backward is tensor ops on it, so it is differentiable again."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, dim, log):
        ctx.save_for_backward(OUTPUT)
        ctx.dim, ctx.log = dim, log
        backend = x.device.backend
        if backend.softmax is not None:
            return backend.softmax(x._array, dim, log)
        return _composed_softmax(backend, x._array, dim, log)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph: ops that record, for second derivatives
            if ctx.log:   # d log_softmax: g - softmax * sum(g)
                return grad - out.exp() * grad.sum(ctx.dim, keepdim=True), None, None
            return out * (grad - (grad * out).sum(ctx.dim, keepdim=True)), None, None
        if out.device.backend.softmax_backward is not None:  # first order, one fused call
            return SoftmaxBackward.apply(grad, out, ctx.dim, ctx.log), None, None
        # first order: the same formulas in place on one temporary (one full-size buffer less:
        # the word LSTM LM's (700, 2000) log-probabilities)
        if ctx.log:
            return grad - out.exp().mul_(grad.sum(ctx.dim, keepdim=True)), None, None
        return (grad - (grad * out).sum(ctx.dim, keepdim=True)).mul_(out), None, None



class SoftmaxBackward(Function):
    """Softmax's first-order backward as one backend call (``backend.softmax_backward``, where
    the backend has it): run without a graph only (a backward that records uses Softmax.backward's
    Tensor ops)."""

    _primitive = True
    _differentiable = False

    @staticmethod
    def forward(ctx, grad, out, dim, log):
        return out.device.backend.softmax_backward(grad._array, out._array, dim, log)


class MaskedSoftmax(Function):
    """softmax over the last dim of where(keep, x * scale, -inf) (scaled_dot_product_attention's
    scaled and masked scores; keep a bool tensor broadcast to x): one backend call where the
    backend has ``masked_softmax`` (NumPy: by row blocks, scaling and masking in the cache),
    else the composition of primitives. Saves its output only; the backward is softmax's times
    scale (zero at masked keys, where the output is 0), in Tensor ops when it records."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, keep, scale):
        ctx.save_for_backward(OUTPUT)
        ctx.scale = scale
        backend = x.device.backend
        if backend.masked_softmax is not None:
            return backend.masked_softmax(x._array, keep._array, scale)
        masked = backend.where(keep._array, backend.binary("mul", x._array, scale), -math.inf)
        return backend.softmax(masked, x.ndim - 1, False)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        last = out.ndim - 1
        if is_grad_enabled() or out.device.backend.softmax_backward is None:
            return out * (grad - (grad * out).sum(last, keepdim=True)) * ctx.scale, None, None
        return SoftmaxBackward.apply(grad, out, last, False) * ctx.scale, None, None

def _composed_softmax(backend, data, dim: int, log: bool):
    """(log_)softmax from primitives, shifted by the row max: a row holding +inf is all nan
    (inf - inf), as in PyTorch; so is an all -inf row."""
    shifted = backend.binary("sub", data, backend.reduce("max", data, (dim,), True))
    exps = backend.unary("exp", shifted)
    total = backend.reduce("sum", exps, (dim,), True)
    if log:
        return backend.binary("sub", shifted, backend.unary("log", total))
    return backend.binary("div", exps, total)


class Norm2(Function):
    """Euclidean norm over axes; its gradient at the zero vector is 0 (a subgradient), not NaN.
    Kept primitive rather than pow_zero_grad_at_zero(sum(x * x), 0.5): one dispatch instead of
    three, 4.0 vs 9.1 us forward on 16 floats (clip_grad_norm_ takes one per parameter). Its
    backward scales x by grad / norm computed in the reduced shape, with inf for a zero norm
    (as PowZeroGradAtZero): one pass over x. Forward+backward: 93 us on 1e5 floats (the
    composition: 176 us; full-size wheres: 371 us), 35 us on 16 floats (53 us before)."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        backend = x.device.backend
        ctx.save_for_backward(x, OUTPUT)
        ctx.axes, ctx.keepdim = axes, keepdim
        squares = backend.binary("mul", x._array, x._array)
        return backend.unary("sqrt", backend.reduce("sum", squares, axes, keepdim))

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        shape, axes, keepdim = x._array.shape, ctx.axes, ctx.keepdim
        if is_grad_enabled():  # create_graph: PyTorch's grad * (x / norm).masked_fill(norm == 0, 0),
            # so second derivatives match: NaN for x at a zero vector (0 * inf through the
            # division), finite for whatever the upstream grad depends on
            norm = _expand_back(out, shape, axes, keepdim)
            unit = (x / norm).masked_fill(norm == 0, 0.0)
            return _expand_back(grad, shape, axes, keepdim) * unit, None, None
        scale = grad / out.masked_fill(out == 0, math.inf)  # in the reduced shape: one pass over x below
        return _expand_back(scale, shape, axes, keepdim) * x, None, None


# -- functional API ------------------------------------------------------------------------
def check_nonempty_reduction(op: str, shape: tuple, axes, whole: bool) -> None:
    """max/min/amax/amin/argmax/argmin have no identity, so reducing a zero-size dim raises
    PyTorch's error (``whole``: no dim was given and the tensor is empty)."""
    if whole:
        if 0 in shape:
            error = IndexError if op.startswith("arg") else RuntimeError
            raise error(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                        f"Specify the reduction dim with the 'dim' argument (shape {list(shape)}).")
        return
    for axis in axes:
        if shape[axis] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size "
                             f"(shape {list(shape)}); reduce over a non-empty dim instead.")


def _with_dtype(x, dtype):
    check_differentiable_dtype(x, dtype)
    return x if dtype is None else x.to(dtype)


def check_differentiable_dtype(input: Tensor, dtype) -> None:
    """A reduction asked for an integer or bool ``dtype`` of an input that records a graph has
    no gradient to give: PyTorch refuses it (under no_grad, or without requires_grad, it runs)."""
    if dtype is None or not input.requires_grad or not is_grad_enabled():
        return
    dtype = _dt.to_dtype(dtype)
    if not dtype.is_floating_point:
        raise RuntimeError(f"Autograd not support dtype: {dtype.scalar_name} (the input requires grad; "
                           f"reduce in a floating dtype, or detach the input / use tl.no_grad())")


def _as_requested(out, dtype):
    """A reduction's result in the requested ``dtype``: integer sums and products accumulate in
    int64 and wrap back into a narrower integer dtype as PyTorch's kernels do
    (``uint8([100, 200]).sum(dtype=uint8)`` is 44)."""
    return out if dtype is None or out.dtype is _dt.to_dtype(dtype) else out.to(dtype)


@tensor_op
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (None: all; an int or a tuple; negative allowed). Ints and bools give int64.
    Shape: input's without the reduced dims (kept as size 1 with keepdim).

    >>> tl.sum(tl.tensor([[1., 2.], [3., 4.]]))
    tensor(10.)
    >>> tl.sum(tl.tensor([[1., 2.], [3., 4.]]), dim=0)
    tensor([4., 6.])
    """
    x = _with_dtype(input, dtype)
    return _as_requested(Sum.apply(x, reduction_dims(dim, x.ndim, op="sum"), keepdim), dtype)


@tensor_op
def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over one dim (or all elements).
    Shape: input's without the reduced dim (kept as size 1 with keepdim).

    >>> tl.prod(tl.tensor([1., 2., 3.]))
    tensor(6.)
    >>> tl.prod(tl.tensor([[1., 2.], [3., 4.]]), 1)
    tensor([ 2., 12.])
    """
    x = _with_dtype(input, dtype)
    axes = reduction_dims(dim, x.ndim, op="prod")
    if x.dtype.is_integer or x.dtype is _dt.bool_:
        wide = x.to(_dt.int64)  # promote before multiplying: uint8 must not wrap at 256
        return _as_requested(Prod.apply(wide, axes, keepdim), dtype)  # an integer result: no node
    return Prod.apply(x, axes, keepdim)


@tensor_op
@half_in_float32
def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean (sum / count); integer inputs need ``dtype=``.
    Shape: input's without the reduced dims (kept as size 1 with keepdim).

    >>> tl.mean(tl.tensor([[1., 2.], [3., 4.]]), dim=1)
    tensor([1.5000, 3.5000])
    """
    x = input.to(dtype) if dtype is not None else input
    if not x.is_floating_point():
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {x.dtype.scalar_name}")
    axes = reduction_dims(dim, x.ndim, op="mean")
    count = 1
    for a in axes:
        count *= x._array.shape[a]
    total = Sum.apply(x, axes, keepdim)
    return total / count if count else total * math.nan


@tensor_op
@half_in_float32
def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance with Bessel's correction by default (correction=1); PyTorch's positional forms
    ``var(dim, unbiased, keepdim)`` and ``var(unbiased)`` too.
    Shape: input's without the reduced dims.

    >>> tl.var(tl.tensor([1., 2., 3., 4.]))
    tensor(1.6667)
    """
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if unbiased is not None:
        correction = 1 if unbiased else 0
    correction = 1 if correction is None else correction
    axes = reduction_dims(dim, input.ndim, op="var")
    count = 1
    for a in axes:
        count *= input._array.shape[a]
    if not input.is_floating_point():
        raise RuntimeError(f"var(): std and var only support floating point and complex dtypes, "
                           f"got {input.dtype.scalar_name}; convert the input with .float() first")
    denominator = count - correction
    if denominator <= 0:
        warn_user("var(): degrees of freedom is <= 0. Correction should be strictly less than "
                  "the reduction factor (input numel divided by output numel).")
    # PyTorch divides by max(0, N - correction): inf without degrees of freedom, nan for 0 / 0
    return Var.apply(input, axes, keepdim, count, float(denominator if denominator > 0 else 0))


class Var(Function):
    """Sum((x - mean)^2) / denominator over ``axes``. As in PyTorch only the input is saved
    (modifying it in place before backward raises); the gradient 2 (x - mean) / denominator is
    tensor ops on it, so it is differentiable again."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, count, denominator):
        ctx.save_for_backward(x)
        ctx.axes, ctx.keepdim, ctx.denominator = axes, keepdim, denominator
        backend = x.device.backend
        means = backend.binary("div", backend.reduce("sum", x._array, axes, True), float(count))
        centered = backend.binary("sub", x._array, means)
        squares = backend.reduce("sum", backend.binary("mul", centered, centered), axes, keepdim)
        return backend.binary("div", squares, denominator)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        scale = 2.0 / ctx.denominator if ctx.denominator else math.inf
        grad = _expand_back(grad, x._array.shape, ctx.axes, ctx.keepdim)
        return grad * (x - mean(x, ctx.axes, keepdim=True)) * scale, None, None, None, None


@tensor_op
@half_in_float32
def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation: sqrt(var); its gradient at zero variance (constant input) is 0, as in
    PyTorch, not NaN. Shape: input's without the reduced dims.

    >>> tl.std(tl.tensor([1., 2., 3., 4.]))
    tensor(1.2910)
    """
    return _pow_zero_grad_at_zero(var(input, dim, unbiased, keepdim, correction=correction), 0.5)


class NegativeNorm(Function):
    """sum(|x|^p) ^ (1/p) for p < 0 with PyTorch's backward (norm_backward, p < 1):
    grad * sgn(x) |x|^(p-1) (0 where x == 0) * norm^(1-p). A slice holding a zero has norm 0 and
    gradient 0 (the chain rule through inf ** (1/p) gave NaN); the backward is Tensor ops, so
    second derivatives follow PyTorch's too."""

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        out = sum(x.abs() ** p, axes, keepdim) ** (1.0 / p)
        ctx.save_for_backward(x, out)
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        shape, p = x.shape, ctx.p
        scaled = (x.sign() * x.abs() ** (p - 1)).masked_fill(x == 0, 0.0)
        norm = _expand_back(out, shape, ctx.axes, ctx.keepdim)
        return scaled * _expand_back(grad, shape, ctx.axes, ctx.keepdim) * norm ** (1 - p), None, None, None


def _pow_zero_grad_at_zero(t: Tensor, exponent: float) -> Tensor:
    """t ** exponent (t >= 0) whose gradient (of every order) is 0 where t == 0: PyTorch's
    convention for std and p-norms at 0."""
    return PowZeroGradAtZero.apply(t, exponent)


class PowZeroGradAtZero(Function):
    """t ** exponent for t >= 0 (sqrt for 0.5): one kernel forward; the convention is only in
    backward, which divides by inf instead of 0 where t == 0: the gradient is 0 there and its
    own gradient meets no 0 * inf = NaN (SEMANTICS.md 3.5)."""

    _primitive = True

    @staticmethod
    def forward(ctx, t, exponent):
        ctx.save_for_backward(t, OUTPUT)
        ctx.exponent = exponent
        backend = t.device.backend
        if exponent == 0.5:
            return backend.unary("sqrt", t._array)
        return backend.binary("pow", t._array, exponent)

    @staticmethod
    def backward(ctx, grad):
        t, out = ctx.saved_tensors
        exponent = ctx.exponent
        if exponent >= 2:  # t ** (exponent - 1) is 0 at 0 and has a finite gradient there
            return grad * exponent * t ** (exponent - 1), None
        if exponent == 0.5:  # PyTorch's std backward, grad / (2 * result); * 0.5 is exact
            return grad / out.masked_fill(out == 0, math.inf) * 0.5, None
        # exponent * t ** (exponent - 1), written as exponent * out / t
        return grad * exponent * out / t.masked_fill(t == 0, math.inf), None


@tensor_op
@half_in_float32
def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(var, mean) over dim. Shapes: both input's without the reduced dims.

    >>> tl.var_mean(tl.tensor([1., 2., 3., 4.]))
    (tensor(1.6667), tensor(2.5000))
    """
    mean_dim = None if isinstance(dim, bool) else dim
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, mean_dim, keepdim=keepdim)


@tensor_op
@half_in_float32
def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(std, mean) over dim. Shapes: both input's without the reduced dims.

    >>> tl.std_mean(tl.tensor([1., 2., 3., 4.]))
    (tensor(1.2910), tensor(2.5000))
    """
    mean_dim = None if isinstance(dim, bool) else dim
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, mean_dim, keepdim=keepdim)


def _amax_amin(name, input, dim, keepdim):
    whole = dim is None or (isinstance(dim, (tuple, list)) and not dim)
    axes = wrap_dims(None if whole else dim, input.ndim, op=name)
    check_nonempty_reduction(name, input._array.shape, axes, whole)
    return (Amax if name == "amax" else Amin).apply(input, axes, keepdim)


@tensor_op
def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Maximum over dims (all by default); ties share the gradient evenly.
    Shape: input's without the reduced dims.

    >>> tl.amax(tl.tensor([[1., 2.], [3., 4.]]), dim=1)
    tensor([2., 4.])
    """
    return _amax_amin("amax", input, dim, keepdim)


@tensor_op
def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Minimum over dims (all by default); ties share the gradient evenly.
    Shape: input's without the reduced dims.

    >>> tl.amin(tl.tensor([[1., 2.], [3., 4.]]))
    tensor(1.)
    """
    return _amax_amin("amin", input, dim, keepdim)


def _max_or_min(op, input, dim, keepdim, other):
    if isinstance(dim, Tensor):
        other, dim = dim, None
    if other is not None:
        return maximum(input, other) if op == "max" else minimum(input, other)
    if dim is None:
        check_nonempty_reduction(op, input._array.shape, (), True)
        return (Amax if op == "max" else Amin).apply(input, wrap_dims(None, input.ndim), False)
    axis = wrap_dim(dim, input.ndim, op=op)
    if not input.ndim:
        return values_indices(input.clone(), zeros_like_tensor(input, _dt.int64))
    check_nonempty_reduction(op, input._array.shape, (axis,), False)
    return values_indices(*MaxMinDim.apply(input, op, axis, keepdim))


@tensor_op
def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None):
    """max() -> 0-dim max; max(dim) -> (values, indices); max(other_tensor) -> elementwise.
    Shapes: 0-dim; input's without dim (values and int64 indices); broadcast.

    >>> tl.max(tl.tensor([[1., 2.], [3., 4.]]))
    tensor(4.)
    >>> tl.max(tl.tensor([[1., 2.], [3., 4.]]), dim=1)
    values_indices(values=tensor([2., 4.]), indices=tensor([1, 1]))
    """
    return _max_or_min("max", input, dim, keepdim, other)


@tensor_op
def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None):
    """min() -> 0-dim min; min(dim) -> (values, indices); min(other_tensor) -> elementwise.
    Shapes: 0-dim; input's without dim (values and int64 indices); broadcast.

    >>> tl.min(tl.tensor([[1., 2.], [3., 4.]]), dim=0)
    values_indices(values=tensor([1., 2.]), indices=tensor([0, 0]))
    """
    return _max_or_min("min", input, dim, keepdim, other)


class ArgReduce(NoGradient):
    """argmax / argmin (the first occurrence) over one dim, or the flattened tensor when
    ``dim`` is None; the checks are the caller's. No gradient: the result is int64."""

    @staticmethod
    def forward(ctx, input, op, dim, keepdim):
        backend = input.device.backend
        if dim is None:
            out = backend.arg_reduce(op, backend.reshape(input._array, (-1,)), 0, False)
            return backend.reshape(out, (1,) * input.ndim) if keepdim else out
        data = input._array if input.ndim else backend.reshape(input._array, (1,))
        if not input.numel():  # another dim is empty: so is the result (no kernel to run)
            shape = _kept_shape(input._array.shape, (dim,)) if keepdim else \
                tuple(s for i, s in enumerate(input._array.shape) if i != dim)
            return backend.full(shape, 0, _dt.int64)
        return backend.arg_reduce(op, data, dim, keepdim and input.ndim > 0)


def _arg(op, input, dim, keepdim):
    if dim is None:
        check_nonempty_reduction(op, input._array.shape, (), True)
        return ArgReduce.apply(input, op, None, keepdim)
    axis = wrap_dim(dim, input.ndim, op=op)
    if input.ndim:
        check_nonempty_reduction(op, input._array.shape, (axis,), False)
    return ArgReduce.apply(input, op, axis, keepdim)


@tensor_op
def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the maximum (first occurrence), over the flattened tensor when dim is None.
    Shape: 0-dim, or input's without dim (int64); not differentiable.

    >>> tl.argmax(tl.tensor([1., 3., 3.]))
    tensor(1)
    """
    _refuse_bool_arg("argmax", input)
    return _arg("argmax", input, dim, keepdim)


@tensor_op
def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the minimum (first occurrence).
    Shape: 0-dim, or input's without dim (int64); not differentiable.

    >>> tl.argmin(tl.tensor([[1., 2.], [3., 4.]]), dim=1)
    tensor([0, 0])
    """
    _refuse_bool_arg("argmin", input)
    return _arg("argmin", input, dim, keepdim)


def _refuse_bool_arg(op, input):
    if input.dtype is _dt.bool_:
        raise RuntimeError(f"{op}(): does not support bool input; convert it with .long() first")


@tensor_op
def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Inclusive prefix sums along dim. Shape: as input.

    >>> tl.cumsum(tl.tensor([1., 2., 3.]), dim=0)
    tensor([1., 3., 6.])
    """
    if dtype is not None and _dt.to_dtype(dtype) is _dt.bool_ and input.ndim and input.numel():
        # empty or 0-dim: PyTorch runs no kernel (a 0-dim cumsum is a copy), so it does not refuse bool
        raise NotImplementedError("cumsum(): not implemented for dtype=bool; use an integer dtype")
    x = _with_dtype(input, dtype)
    if x.ndim == 0:  # through the 1-element case, so integer inputs promote to int64 here too
        wrap_dim(dim, 0, op="cumsum")
        return _as_requested(Cumsum.apply(x.reshape(1), 0).reshape(()), dtype)
    return _as_requested(Cumsum.apply(x, wrap_dim(dim, x.ndim, op="cumsum")), dtype)


@tensor_op
@half_in_float32
def logsumexp(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) computed stably (all -inf gives -inf, not nan).
    Shape: input's without the reduced dims.

    >>> tl.logsumexp(tl.tensor([0., 0.]), dim=0)
    tensor(0.6931)
    """
    x = input if input.is_floating_point() else input.float()
    axes = reduction_dims(dim, x.ndim, op="logsumexp")
    if x.numel() == 0:
        return sum(x, axes, keepdim).log()
    return LogSumExp.apply(x, axes, keepdim)


def _norm_dtype(input, dtype):
    if not dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got "
                           f"{dtype.scalar_name}")
    if _dt.promote_types(input.dtype, dtype) is not dtype:
        raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({input.dtype.scalar_name}) should "
                           f"be convertible without narrowing to the specified dtype ({dtype.scalar_name})")
    return dtype


@tensor_op
@half_in_float32
def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm (2 / 'fro' by default, 1, inf, -inf, 0, or any positive p); grad 0 at 0 for p=2.
    ``dtype``: computed in that (wider or equal) floating dtype.
    Shape: input's without the reduced dims.

    >>> tl.norm(tl.tensor([3., 4.]))
    tensor(5.)
    >>> tl.norm(tl.tensor([3., -4.]), p=1)
    tensor(7.)
    """
    if not input.is_floating_point():
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {input.dtype.scalar_name}; convert it with .float() first")
    if dtype is not None:
        input = input.to(_norm_dtype(input, _dt.to_dtype(dtype)))
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))} "
                           f"(the Frobenius norm takes one or two dims; use p=2 for more)")
    axes = reduction_dims(dim, input.ndim, op="norm")
    x = input
    if p in (math.inf, -math.inf, "inf") or (not isinstance(p, str) and p < 0):
        empty = [a for a in axes if x._array.shape[a] == 0]
        if empty:  # max, min and the sum of negative powers (inf for none) have no identity
            raise RuntimeError(f"norm(): cannot compute the {p} norm over the empty dim {empty[0]} "
                               f"(shape {list(x.shape)}): the operation has no identity")
    if p in ("fro", 2, 2.0):
        return Norm2.apply(x, axes, keepdim)
    if p in (math.inf, "inf"):
        return amax(x.abs(), axes, keepdim)
    if p == -math.inf:
        return amin(x.abs(), axes, keepdim)
    if p == 0:  # a count; + sign(x) * 0 keeps it in the graph with a zero gradient, as PyTorch
        return sum((x != 0).to(x.dtype) + x.sign() * 0.0, axes, keepdim)
    if p == 1:
        return sum(x.abs(), axes, keepdim)
    if p < 0:  # a zero element makes the sum inf and the norm 0, as in PyTorch
        return NegativeNorm.apply(x, float(p), axes, keepdim)
    # zero elements and a zero norm get gradient 0 (PyTorch), not 0 * inf = NaN for p < 1 or at 0
    return _pow_zero_grad_at_zero(sum(_pow_zero_grad_at_zero(x.abs(), p), axes, keepdim), 1.0 / p)


@tensor_op
def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether any element (along dim) is non-zero; bool result (uint8 for uint8 input, as in
    PyTorch). An empty dim list reduces nothing (elementwise test), also as in PyTorch.
    Shape: input's without the reduced dims; not differentiable.

    >>> tl.any(tl.tensor([0., 1.]))
    tensor(True)
    """
    return _bool_reduce("any", input, dim, keepdim)


@tensor_op
def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether all elements (along dim) are non-zero; bool result (uint8 for uint8 input).
    Shape: input's without the reduced dims; not differentiable.

    >>> tl.all(tl.tensor([[1., 0.], [3., 4.]]), dim=1)
    tensor([False,  True])
    """
    return _bool_reduce("all", input, dim, keepdim)


def _bool_reduce(op, input, dim, keepdim):
    axes = wrap_dims(dim, input.ndim, op=op)
    data = input if input.dtype is _dt.bool_ else input != 0
    out = (Any if op == "any" else All).apply(data, axes, keepdim)
    # PyTorch's legacy: uint8 in, uint8 (0/1) out; every other dtype gives bool
    return out.to(_dt.uint8) if input.dtype is _dt.uint8 else out


@tensor_op
def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """Number of non-zero elements (along dim). Shape: input's without the reduced dims (int64).

    >>> tl.count_nonzero(tl.tensor([0., 1., 2.]))
    tensor(2)
    """
    return sum((input != 0).long(), dim)


# -- the table (see ops/_table.py): the reductions with a backend op code ---------------------
_TIES = "ties split the gradient evenly (max(dim) sends it to the returned index instead)"

ROWS = (
    Op("sum", "reduce", (_sum_grad,), "sum", public=sum),
    Op("prod", "reduce", (_prod_grad,), "prod", public=prod,
       kink="one zero: that element gets the product of the others; two or more: all 0"),
    Op("amax", "reduce", (_extreme_grad,), "amax", code="max", public=amax, kink=_TIES),
    Op("amin", "reduce", (_extreme_grad,), "amin", code="min", public=amin, kink=_TIES),
    Op("any", "reduce", None, "any", public=any),
    Op("all", "reduce", None, "all", public=all),
)
FUNCTIONS = {row.name: build_function(row, __name__) for row in ROWS}
PUBLIC = {row.name: build_public(row, FUNCTIONS[row.name], __name__) for row in ROWS}
Sum, Prod, Amax, Amin, Any, All = (FUNCTIONS[n] for n in ("sum", "prod", "amax", "amin", "any", "all"))
# every public op without a gradient (bool and integer results), from both tables
NON_DIFFERENTIABLE = (NON_DIFFERENTIABLE + tuple(r.name for r in ROWS if not r.differentiable)
                      + ("argmax", "argmin"))
