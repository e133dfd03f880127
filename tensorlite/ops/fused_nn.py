"""Fused primitives for the transformer's hot layers: exact GELU and layer_norm.

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
