"""Fused primitives for the hot layers: exact GELU, layer_norm and softmax cross-entropy.

Each is one backend call where the backend has a fused kernel (``backend.gelu``,
``backend.layer_norm``: NumPy by cache-sized blocks, OpenCL one kernel), else a composition of
backend primitives. Their first-order backward is a second fused primitive; a backward that
builds a graph (create_graph) is written in Tensor ops instead, so second derivatives see every
dependence on the input. nn.functional.gelu / layer_norm are the public entries.
"""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from . import elementwise as _ew
from .creation import arange
from .indexing import range_error_for

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Gelu(Function):
    """Exact GELU x Phi(x) (Phi the normal cdf). Saves its input (modifying it in place before
    backward raises, as in PyTorch) and Phi(x), so the first-order backward needs no second erf."""

    _primitive = True

    @staticmethod
    def forward(ctx, x):
        backend = x.device.backend
        if backend.gelu is not None:
            out, cdf = backend.gelu(x._array)
        else:
            erf = backend.unary("erf", backend.binary("mul", x._array, _INV_SQRT2))
            cdf = backend.binary("mul", backend.binary("add", erf, 1.0), 0.5)
            out = backend.binary("mul", x._array, cdf)
        ctx.save_for_backward(x, Tensor._make(cdf, x.device, False, None, 0))
        return out

    @staticmethod
    def backward(ctx, grad):
        x, cdf = ctx.saved_tensors
        if is_grad_enabled():  # create_graph: Phi recomputed from x, so it is differentiated too
            cdf = 0.5 * (1.0 + _ew.erf(x * _INV_SQRT2))
            pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
            return grad * (cdf + x * pdf)
        return GeluBackward.apply(grad, x, cdf)


class GeluBackward(Function):
    """grad (Phi(x) + x phi(x)): Gelu's first-order backward (run without a graph only: a
    backward that records uses Gelu.backward's Tensor ops)."""

    _primitive = True
    _differentiable = False

    @staticmethod
    def forward(ctx, grad, x, cdf):
        backend = x.device.backend
        if backend.gelu_backward is not None:
            return backend.gelu_backward(grad._array, x._array, cdf._array)
        x = x._array
        density = backend.unary("exp", backend.binary("mul", backend.binary("mul", x, x), -0.5))
        slope = backend.binary("mul", backend.binary("mul", density, x), _INV_SQRT_2PI)
        return backend.binary("mul", backend.binary("add", slope, cdf._array), grad._array)


class LayerNorm(Function):
    """layer_norm over the trailing ``normalized_shape`` as one node: out = xhat weight + bias,
    xhat = (x - mean) / sqrt(var + eps) (biased variance). It saves the input (modifying it in
    place before backward raises, as in PyTorch), xhat and rstd; without weight and bias the
    output is xhat itself, which the caller may modify, so the backward recomputes it then."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, weight, bias, normalized_shape, eps):
        out, xhat, rstd = _layer_norm_arrays(x, weight, bias, normalized_shape, eps)
        ctx.shape, ctx.eps = normalized_shape, eps
        device = x.device
        kept_xhat = None if out is xhat else Tensor._make(xhat, device, False, None, 0)
        ctx.save_for_backward(x, weight, kept_xhat, Tensor._make(rstd, device, False, None, 0))
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, xhat, rstd = ctx.saved_tensors
        needs = ctx.needs_input_grad[:3]
        if is_grad_enabled():
            return _layer_norm_backward_graph(grad, x, weight, ctx.shape, ctx.eps, needs) + (None, None)
        wanted = LayerNormBackward.apply(grad, x, xhat, rstd, weight, ctx.shape, ctx.eps, needs)
        wanted = iter(wanted if isinstance(wanted, tuple) else (wanted,))
        return tuple(next(wanted) if need else None for need in needs) + (None, None)


class LayerNormBackward(Function):
    """LayerNorm's first-order backward: the gradients ``needs`` asks for (of x, weight, bias),
    in that order; xhat and rstd are recomputed from x when None. Run without a graph only."""

    _primitive = True
    _differentiable = False

    @staticmethod
    def forward(ctx, grad, x, xhat, rstd, weight, normalized_shape, eps, needs):
        backend = x.device.backend
        if xhat is None:
            _, xhat, rstd = _layer_norm_arrays(x, None, None, normalized_shape, eps)
        else:
            xhat, rstd = xhat._array, rstd._array
        w = None if weight is None else weight._array
        if backend.layer_norm_backward is not None:
            grads = backend.layer_norm_backward(grad._array, xhat, rstd, w, normalized_shape, needs)
        else:
            grads = _composed_layer_norm_backward(backend, grad._array, xhat, rstd, w, normalized_shape, needs)
        wanted = tuple(g for g, need in zip(grads, needs) if need)
        return wanted if len(wanted) > 1 else wanted[0]


def _layer_norm_arrays(x, weight, bias, normalized_shape, eps):
    """(out, xhat, rstd (rows, 1)) arrays: the backend's fused kernel or the composition."""
    backend = x.device.backend
    w = None if weight is None else weight._array
    b = None if bias is None else bias._array
    if backend.layer_norm is not None:
        return backend.layer_norm(x._array, w, b, normalized_shape, eps)
    size = math.prod(normalized_shape)
    rows = backend.reshape(x._array, (x.numel() // size, size))
    centered = backend.binary("sub", rows, backend.binary("div", backend.reduce("sum", rows, (1,), True), size))
    variance = backend.binary("div", backend.reduce("sum", backend.binary("mul", centered, centered), (1,), True), size)
    rstd = backend.binary("div", 1.0, backend.unary("sqrt", backend.binary("add", variance, eps)))
    xhat = backend.reshape(backend.binary("mul", centered, rstd), tuple(x.shape))
    out = xhat if w is None else backend.binary("mul", xhat, w)
    return (out if b is None else backend.binary("add", out, b)), xhat, rstd


def _composed_layer_norm_backward(backend, grad, xhat, rstd, weight, normalized_shape, needs):
    """backend.layer_norm_backward's formulas from primitives, on (rows, size) views."""
    size = math.prod(normalized_shape)
    rows = math.prod(xhat.shape) // size
    g_rows = backend.reshape(backend.broadcast_to(grad, tuple(xhat.shape)), (rows, size))
    xh_rows = backend.reshape(xhat, (rows, size))
    grad_w = grad_b = grad_x = None
    if needs[1]:
        grad_w = backend.reshape(backend.reduce("sum", backend.binary("mul", g_rows, xh_rows), (0,), False),
                                 tuple(normalized_shape))
    if needs[2]:
        grad_b = backend.reshape(backend.reduce("sum", g_rows, (0,), False), tuple(normalized_shape))
    if needs[0]:
        g = g_rows if weight is None else backend.binary("mul", g_rows, backend.reshape(weight, (size,)))
        mean = backend.binary("div", backend.reduce("sum", g, (1,), True), size)
        projection = backend.binary("div", backend.reduce("sum", backend.binary("mul", g, xh_rows), (1,), True), size)
        centered = backend.binary("sub", backend.binary("sub", g, mean), backend.binary("mul", xh_rows, projection))
        grad_x = backend.reshape(backend.binary("mul", centered, rstd), tuple(xhat.shape))
    return grad_x, grad_w, grad_b


def _layer_norm_backward_graph(grad, x, weight, normalized_shape, eps, needs):
    """The first-order gradients in Tensor ops (recorded: create_graph), xhat and rstd
    recomputed from x so that second derivatives see their dependence on it."""
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    centered = x - x.mean(axes, keepdim=True)
    rstd = ((centered * centered).mean(axes, keepdim=True) + eps).rsqrt()
    xhat = centered * rstd
    g = grad * weight if weight is not None else grad
    grad_x = None
    if needs[0]:
        projection = (g * xhat).mean(axes, keepdim=True)
        grad_x = (g - g.mean(axes, keepdim=True) - xhat * projection) * rstd
    grad_weight = grad * xhat if needs[1] else None  # the engine sums over the batch dims
    grad_bias = grad if needs[2] else None
    return grad_x, grad_weight, grad_bias


def softmax_cross_entropy(x: Tensor, target: Tensor, ignore_index: int, reduction: str):
    """cross_entropy of (N, C) float logits and (N,) int64 class targets as one node (one kernel
    forward, one backward), or None where x's backend has no fused kernel (the caller composes
    log_softmax and nll_loss). reduction: 'mean' (over the targets not equal to ignore_index),
    'sum' or 'none'; a target out of [0, C) raises "Target t is out of bounds." (at the next
    sync on a device).

    Shapes: x (N, C), target (N,) -> () or (N,) for 'none'.

    Example:
    >>> from tensorlite.ops.fused_nn import softmax_cross_entropy
    >>> logits = tl.tensor([[2., 0.], [0., 0.]], device="opencl")
    >>> softmax_cross_entropy(logits, tl.tensor([0, 1], device="opencl"), -100, "mean")
    tensor(0.4100, device='opencl:0')
    """
    if x.device.backend.softmax_cross_entropy is None:
        return None
    return SoftmaxCrossEntropy.apply(x, target, ignore_index, reduction)


class SoftmaxCrossEntropy(Function):
    """Softmax cross-entropy (see softmax_cross_entropy). Like PyTorch's log_softmax + nll_loss
    it saves the log-probabilities it computed and the target, not the logits: modifying the
    logits in place after the loss is allowed (except before a create_graph backward, whose
    second derivatives need them)."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, target, ignore_index, reduction):
        device = x.device
        loss, logp, count = device.backend.softmax_cross_entropy(x._array, target._array, ignore_index, reduction,
                                                                 range_error_for("nll_loss"))
        ctx.ignore_index, ctx.reduction = ignore_index, reduction
        ctx.x, ctx.x_version = x, x._version
        ctx.save_for_backward(Tensor._make(logp, device, False, None, 0), target,
                              Tensor._make(count, device, False, None, 0))
        return loss

    @staticmethod
    def backward(ctx, grad):
        logp, target, count = ctx.saved_tensors
        if is_grad_enabled():
            if ctx.x._version != ctx.x_version:
                raise RuntimeError("cross_entropy: the logits were modified in place after the loss; a backward "
                                   "with create_graph=True needs them (clone() them before modifying them)")
            grad_x = _cross_entropy_backward_graph(grad, ctx.x, target, count, ctx.ignore_index, ctx.reduction)
        else:
            grad_x = SoftmaxCrossEntropyBackward.apply(grad, logp, target, count, ctx.ignore_index, ctx.reduction)
        return grad_x, None, None, None


class SoftmaxCrossEntropyBackward(Function):
    """(softmax(x) - onehot(target)) times the loss's gradient (per row for 'none', divided by
    the used rows' count for 'mean'), 0 on ignored rows (nan where their softmax is, as
    PyTorch's): SoftmaxCrossEntropy's first-order backward from its saved log-probabilities
    (run without a graph only)."""

    _primitive = True
    _differentiable = False

    @staticmethod
    def forward(ctx, grad, logp, target, count, ignore_index, reduction):
        return logp.device.backend.softmax_cross_entropy_backward(grad._array, logp._array, target._array,
                                                                  count._array, ignore_index, reduction)


def _cross_entropy_backward_graph(grad, x, target, count, ignore_index, reduction):
    """The first-order gradient in Tensor ops (recorded: create_graph), the probabilities
    recomputed from x so that second derivatives see their dependence on it."""
    classes = x.shape[1]
    onehot = (target.unsqueeze(1) == arange(classes, device=x.device)).to(x.dtype)
    g = grad.unsqueeze(1) if reduction == "none" else grad
    if reduction == "mean":
        g = g / count
    used = ((target != ignore_index) & (target >= 0) & (target < classes)).unsqueeze(1)
    return (x.softmax(1) - onehot) * _ew.where(used, g, 0.0)  # an ignored row: 0, nan where its softmax is
