"""tensorlite.nn.functional (F): layers, activations and losses as functions of tensors.

All are compositions of differentiable primitives (conv and pooling over Unfold/Fold,
log_softmax over LogSumExp), so gradients of every order come for free. Branches that could
produce inf or nan where they are not selected are made safe first ("double where"), so a
``where`` never turns an unused inf into a nan gradient.
"""
from __future__ import annotations

import math

from .._warn import warn_user
from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..ops import elementwise as _ew
from ..ops.conv import (adaptive_avg_pool2d, avg_pool2d, conv1d, conv2d, conv3d, conv_transpose1d,
                        conv_transpose2d, conv_transpose3d, fold, max_pool2d, unfold)
from ..ops.capture import recording
from ..ops.checks import assert_in_range
from ..ops.creation import arange, bernoulli, full, full_like
from ..ops.fused_nn import Gelu as _FusedGelu, LayerNorm as _FusedLayerNorm
from ..ops.fused_nn import softmax_cross_entropy as _softmax_cross_entropy
from ..ops.indexing import Gather as _Gather, take_indices
from ..ops.linalg import Linear as _Linear, MatMul, einsum
from ..ops.movement import pad
from ..ops.reduce import Softmax as _Softmax
from ..ops._util import (broadcast_shapes, check_same_dtype, half_in_float32, tensor_op, value_bounds,
                        wrap_dim)
from ..tensor import Tensor
from .functional_pooling import (adaptive_avg_pool1d, adaptive_avg_pool3d, adaptive_max_pool1d,
                                 adaptive_max_pool2d, adaptive_max_pool3d, avg_pool1d, avg_pool3d, max_pool1d,
                                 max_pool3d, max_unpool1d, max_unpool2d, max_unpool3d)
from .functional_losses import (_legacy_reduction, gaussian_nll_loss, pairwise_distance, poisson_nll_loss,
                               triplet_margin_loss)
from .functional_margin import (hinge_embedding_loss, multi_margin_loss, multilabel_margin_loss, soft_margin_loss,
                                triplet_margin_with_distance_loss)
from .functional_resample import (interpolate, pixel_shuffle, pixel_unshuffle, upsample, upsample_bilinear,
                                  upsample_nearest)
from .functional_attention import scaled_dot_product_attention
from .functional_bag import embedding_bag

__all__ = [
    "rms_norm", "embedding_bag", "linear", "bilinear", "conv1d", "conv2d", "conv_transpose2d", "unfold", "fold", "max_pool2d",
    "avg_pool2d", "adaptive_avg_pool2d", "pad", "dropout", "dropout1d", "dropout2d", "dropout3d", "batch_norm", "layer_norm", "group_norm",
    "local_response_norm", "embedding", "one_hot", "normalize", "cosine_similarity",
    "relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus",
    "sigmoid", "tanh", "hardtanh", "hardsigmoid", "hardswish", "softsign", "logsigmoid",
    "softmax", "log_softmax", "softmin",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
    "cosine_embedding_loss", "margin_ranking_loss",
    "conv3d", "conv_transpose1d", "max_pool1d", "avg_pool1d", "max_pool3d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle",
    "conv_transpose3d", "instance_norm", "glu", "pairwise_distance", "triplet_margin_loss", "poisson_nll_loss",
    "gaussian_nll_loss",
    "scaled_dot_product_attention",
    "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
    "multilabel_margin_loss", "triplet_margin_with_distance_loss",
]


# -- linear ----------------------------------------------------------------------------------
@tensor_op
@half_in_float32
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias. Shapes: (*, in) x (out, in) -> (*, out); a 1-D weight (in,) gives (*).

    Example:
    >>> F.linear(tl.ones(2, 3), tl.ones(4, 3), tl.ones(4))
    tensor([[4., 4., 4., 4.],
            [4., 4., 4., 4.]])
    >>> F.linear(tl.zeros(5, 7, 3), tl.zeros(2, 3)).shape
    tensorlite.Size([5, 7, 2])
    """
    check_same_dtype("linear", input, weight, bias)
    if input.dtype is _dt.bool_:
        raise NotImplementedError("linear(): not implemented for 'Bool'; convert with .float() first")
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.ndim}D "
                           f"and {weight.ndim}D")
    if weight.ndim > 2:
        raise RuntimeError(f"linear(): t() expects a tensor with <= 2 dimensions, but weight is "
                           f"{weight.ndim}D (shape {list(weight.shape)}); weight is (out_features, in_features)")
    if weight.ndim == 1:
        # PyTorch's fused addmm path (2-D/3-D input or a 1-D bias) needs a matrix weight
        if bias is not None and (input.ndim in (2, 3) or bias.ndim == 1):
            raise RuntimeError(f"linear(): mat2 must be a matrix, got 1-D tensor (weight of shape "
                               f"{list(weight.shape)} with a bias); pass weight.unsqueeze(0) for one "
                               f"output feature")
        out = input @ weight
        if bias is not None:
            _check_bias(bias, tuple(out.shape), 1)
        return out if bias is None else out + bias
    if input.shape[-1] != weight.shape[-1]:
        rows = input.numel() // max(input.shape[-1], 1) if input.ndim > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} "
                           f"and {weight.shape[1]}x{weight.shape[0]})")
    if bias is not None:
        _check_bias(bias, tuple(input.shape[:-1]) + (weight.shape[0],), weight.shape[0])
    if input.ndim == 1:
        out = MatMul.apply(input.unsqueeze(0), weight, False, True).squeeze(0)
    elif bias is not None:
        return _Linear.apply(input, weight, bias)
    else:
        out = MatMul.apply(input, weight, False, True)
    return out if bias is None else out + bias


def _check_bias(bias, out_shape, out_features):
    """PyTorch adds the bias in place (addmm / add_): it must broadcast to the output's shape
    without growing it."""
    shape = bias._array.shape
    if len(shape) > len(out_shape) or any(b not in (1, o) for b, o in zip(shape[::-1], out_shape[::-1])):
        raise RuntimeError(f"linear(): bias of shape {list(shape)} does not broadcast to the output "
                           f"shape {list(out_shape)}; bias must have out_features={out_features} "
                           f"elements")


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1^T W_k x2 + b_k. Shapes: (N, in1), (N, in2), W (out, in1, in2) -> (N, out).

    Example:
    >>> x1, x2 = tl.ones(2, 3), tl.ones(2, 4)
    >>> F.bilinear(x1, x2, tl.ones(5, 3, 4), tl.zeros(5))
    tensor([[12., 12., 12., 12., 12.],
            [12., 12., 12., 12., 12.]])
    """
    out = einsum("ni,kij,nj->nk", input1, weight, input2)
    return out if bias is None else out + bias


# -- activations -----------------------------------------------------------------------------
def _require_float(name: str, input: Tensor, allow_integer: bool = False) -> None:
    """PyTorch implements ``name`` for floating tensors only (``allow_integer``: bool is the only
    refused dtype): refuse the others instead of silently promoting them."""
    if input.is_floating_point() or (allow_integer and input.dtype is not _dt.bool_):
        return
    raise NotImplementedError(f'"{name}" not implemented for \'{input.dtype.scalar_name}\'; '
                              f"convert the input with .float() first")


@tensor_op
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0).

    Shapes: (*) -> (*).

    Example:
    >>> F.relu(tl.tensor([-1., 0., 2.]))
    tensor([0., 0., 2.])
    """
    return input.relu_() if inplace else input.relu()


@tensor_op
def relu6(input: Tensor) -> Tensor:
    """min(max(x, 0), 6); gradient 1 only on 0 < x < 6 (0 at both bounds), integer dtypes kept.

    Shapes: (*) -> (*).

    Example:
    >>> F.relu6(tl.tensor([-1., 3., 8.]))
    tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0)


@tensor_op
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else slope * x (the derivative at 0 is the slope, as PyTorch).

    Shapes: (*) -> (*).

    Example:
    >>> F.leaky_relu(tl.tensor([-2., 0., 3.]), negative_slope=0.1)
    tensor([-0.2000,  0.0000,  3.0000])
    """
    _require_float("leaky_relu", input)
    return _LeakyRelu.apply(input, negative_slope)


@tensor_op
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else weight * x, with one slope or one per channel (dim 1; inputs with fewer
    than 2 dims have one channel). The derivative at 0 is the slope, as PyTorch.

    Shapes: input (N, C, *) (or fewer dims), weight (1,) or (C,) -> input's shape.

    Example:
    >>> x = tl.tensor([[-1., -1.], [2., -4.]])
    >>> F.prelu(x, tl.tensor([0.5, 0.25]))
    tensor([[-0.5000, -0.2500],
            [ 2.0000, -1.0000]])
    """
    _require_float("prelu", input)
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{weight.numel()} and channel size = {channels}.")
    if weight.numel() != 1:
        weight = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    elif input.ndim < weight.ndim:
        weight = weight.reshape(())
    return _LeakyRelu.apply(input, weight)


class _LeakyRelu(Function):
    """x if x > 0 else slope * x, slope a number (leaky_relu) or a tensor (prelu's weight).
    Backward is PyTorch's: the input gradient depends on x with a zero derivative (KinkGrad), so
    its gradient with create_graph=True is 0, not an error."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x, slope if isinstance(slope, Tensor) else None)
        ctx.slope = slope
        return _ew.where(x > 0, x, slope * x)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        slope = ctx.slope if weight is None else weight
        positive = x > 0
        grad_x = _ew.KinkGrad.apply(grad, x, positive, slope) if ctx.needs_input_grad[0] else None
        grad_w = None
        if ctx.needs_input_grad[1]:
            grad_w = _ew.where(positive, 0.0, grad * x)
        return grad_x, grad_w


@tensor_op
@half_in_float32
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1); at 0 the derivative is alpha and the second
    derivative 0 (PyTorch's kink convention).

    Shapes: (*) -> (*).

    Example:
    >>> F.elu(tl.tensor([-1., 0., 2.]))
    tensor([-0.6321,  0.0000,  2.0000])
    """
    _require_float("elu", input)
    return _elu(input, alpha, 1.0, 1.0)


@tensor_op
@half_in_float32
def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)); derivative 1 and second derivative 0 at 0.

    Shapes: (*) -> (*).

    Example:
    >>> F.celu(tl.tensor([-1., 0., 2.]), alpha=2.)
    tensor([-0.7869,  0.0000,  2.0000])
    """
    _require_float("celu", input)
    if alpha == 0:
        raise RuntimeError("celu(): ZeroDivisionError: alpha cannot be 0 for CELU")
    return _elu(input, alpha, 1.0, 1.0 / alpha)


def _elu(x: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    """scale * x for x > 0, else alpha * scale * expm1(x * input_scale) (elu, celu, selu)."""
    return _ELU.apply(x, alpha * scale, scale, input_scale)


class _ELU(Function):
    """The forward is the plain composition, run without a graph; PyTorch's kink convention lives
    only in backward: the slope at 0 is the left one (negative_scale * input_scale) and the second
    derivative there is 0 (its double backward masks x < 0). The backward is written in Tensor
    ops, so gradients of every order work. The clamps keep the unused exponential finite for
    large x, so no 0 * inf reaches a gradient."""

    @staticmethod
    def forward(ctx, x, negative_scale, scale, input_scale):
        ctx.save_for_backward(x)
        ctx.constants = (negative_scale, scale, input_scale)
        negative = _times(_ew.expm1(_times(x, input_scale).clamp(max=0.0)), negative_scale)
        return _ew.where(x > 0, _times(x, scale), negative)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        negative_scale, scale, input_scale = ctx.constants
        slope_at_zero = negative_scale * input_scale
        left = _times(_ew.exp(_times(x, input_scale).clamp(max=0.0)), slope_at_zero)
        slope = _ew.where(x > 0, scale, _ew.where(x < 0, left, slope_at_zero))
        return grad * slope, None, None, None


def _times(x: Tensor, factor: float) -> Tensor:
    """x * factor, without the op when factor is 1 (the default of most activations)."""
    return x if factor == 1 else x * factor


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@tensor_op
@half_in_float32
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants.

    Shapes: (*) -> (*).

    Example:
    >>> F.selu(tl.tensor([-1., 0., 2.]))
    tensor([-1.1113,  0.0000,  2.1014])
    """
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0)


@tensor_op
@half_in_float32
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x): exact with erf, or the tanh approximation.

    Shapes: (*) -> (*).

    Example:
    >>> x = tl.tensor([-1., 0., 2.])
    >>> F.gelu(x)
    tensor([-0.1587,  0.0000,  1.9545])
    >>> F.gelu(x, approximate="tanh")
    tensor([-0.1588,  0.0000,  1.9546])
    """
    _require_float("gelu", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu(): approximate argument must be either none or tanh, got {approximate!r}")
    if approximate == "none":
        return _FusedGelu.apply(input)
    return _TanhGelu.apply(input)


_GELU_K = math.sqrt(2.0 / math.pi)


class _TanhGelu(Function):
    """gelu's tanh approximation as one op: the forward is the plain composition, the backward
    PyTorch's formula in Tensor ops (differentiable again). It saves its input, as PyTorch
    (modifying the input in place before backward raises). The exact form is the fused
    primitive ops.fused_nn.Gelu."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * x * (1.0 + ((x + 0.044715 * x ** 3) * _GELU_K).tanh())

    @staticmethod
    def backward(ctx, grad):  # d/dx 0.5 x (1 + t), t = tanh(k (x + c x^3))
        (x,) = ctx.saved_tensors
        t = ((x + 0.044715 * x ** 3) * _GELU_K).tanh()
        inner_slope = (1.0 - t * t) * (_GELU_K * (1.0 + 3 * 0.044715 * x * x))
        return grad * (0.5 * (1.0 + t) + 0.5 * x * inner_slope)


@tensor_op
@half_in_float32
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x).

    Shapes: (*) -> (*).

    Example:
    >>> F.silu(tl.tensor([-1., 0., 2.]))
    tensor([-0.2689,  0.0000,  1.7616])
    """
    _require_float("silu", input)
    return input * input.sigmoid()


@tensor_op
@half_in_float32
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, linear above ``threshold`` (no overflow in either branch).
    At beta x == threshold PyTorch keeps the smooth slope sigmoid(threshold) but a zero second
    derivative.

    Shapes: (*) -> (*).

    Example:
    >>> F.softplus(tl.tensor([-1., 0., 30.]))
    tensor([ 0.3133,  0.6931, 30.0000])
    """
    _require_float("softplus", input)
    return _Softplus.apply(input, beta, threshold)


class _Softplus(Function):
    """The forward is the plain composition, run without a graph; the backward is PyTorch's:
    slope sigmoid(beta x) (finite for any x, and its own derivative is PyTorch's double
    backward) in Tensor ops, so it is differentiable, held constant at beta x == threshold
    (PyTorch's double backward masks beta x < threshold)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.constants = (beta, threshold)
        scaled = _times(x, beta)
        smooth = _ew.log1p(scaled.clamp(max=threshold).exp())
        return _ew.where(scaled > threshold, x, smooth if beta == 1 else smooth / beta)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.constants
        scaled = _times(x, beta)
        smooth = scaled.sigmoid()
        slope = _ew.where(scaled < threshold, smooth, _ew.where(scaled > threshold, 1.0, smooth.detach()))
        return grad * slope, None, None


@tensor_op
@half_in_float32
def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)).

    Shapes: (*) -> (*).

    Example:
    >>> F.mish(tl.tensor([-1., 0., 2.]))
    tensor([-0.3034,  0.0000,  1.9440])
    """
    _require_float("mish", input)
    return input * softplus(input).tanh()


@tensor_op
@half_in_float32
def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: a * sigmoid(b) where a, b are the two halves of input along dim.

    Shapes: (*, 2n, *) -> (*, n, *) at dim.

    Example:
    >>> F.glu(tl.tensor([[1., 2., 0., 100.]]))
    tensor([[0.5000, 2.0000]])
    """
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = wrap_dim(dim, input.ndim, op="glu")
    size = input.shape[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {size}")
    return input.narrow(axis, 0, size // 2) * input.narrow(axis, size // 2, size // 2).sigmoid()


@tensor_op
def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)).

    Shapes: (*) -> (*).

    Example:
    >>> F.sigmoid(tl.tensor([-1., 0., 2.]))
    tensor([0.2689, 0.5000, 0.8808])
    """
    return input.sigmoid()


@tensor_op
def tanh(input: Tensor) -> Tensor:
    """tanh(x).

    Shapes: (*) -> (*).

    Example:
    >>> F.tanh(tl.tensor([-1., 0., 2.]))
    tensor([-0.7616,  0.0000,  0.9640])
    """
    return input.tanh()


@tensor_op
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val) with PyTorch's gradient: 1 only on min_val < x < max_val, 0 at
    both bounds (unlike clamp, which is 1 on the closed interval). Integer inputs keep their
    dtype (the bounds are truncated to integers, as PyTorch casts them).

    Example: ``hardtanh(tensor([-2., 1., 0.5]))`` is ``[-1., 1., 0.5]``; the gradient is [0, 0, 1].
    min_val > max_val raises ValueError, as in PyTorch.

    Shapes: (*) -> (*).

    Example:
    >>> F.hardtanh(tl.tensor([-3., 0.5, 2.]))
    tensor([-1.0000,  0.5000,  1.0000])
    >>> F.hardtanh(tl.tensor([-3., 0.5, 2.]), 0., 1.)
    tensor([0.0000, 0.5000, 1.0000])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh(): min_val cannot be greater than max_val (got min_val={min_val}, "
                         f"max_val={max_val})")
    if not input.is_floating_point():
        if input.dtype is _dt.uint8 and (min_val < 0 or max_val < 0):
            raise RuntimeError("hardtanh: cannot do hardtanh on an unsigned type with negative limits "
                               f"(min_val={min_val}, max_val={max_val})")
        return input.clamp(int(min_val), int(max_val))
    return _open_interval_clamp(input, min_val, max_val)


def _open_interval_clamp(x: Tensor, low: float, high: float) -> Tensor:
    """clamp(x, low, high) whose gradient (of every order) is nonzero only on low < x < high."""
    return _ew.Clamp.apply(x, low, high, True)


@tensor_op
@half_in_float32
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """clamp(x / 6 + 1/2, 0, 1); gradient 1/6 only on -3 < x < 3 (0 at the bounds, PyTorch).

    Shapes: (*) -> (*).

    Example:
    >>> F.hardsigmoid(tl.tensor([-4., 0., 1.5, 4.]))
    tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """
    _require_float("hardsigmoid", input)
    return _open_interval_clamp(input / 6.0 + 0.5, 0.0, 1.0)


@tensor_op
@half_in_float32
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x); derivative 0 at -3 and 1 at 3, second derivative 1/3 only inside.

    Shapes: (*) -> (*).

    Example:
    >>> F.hardswish(tl.tensor([-4., 0., 1.5, 4.]))
    tensor([-0.0000,  0.0000,  1.1250,  4.0000])
    """
    _require_float("hardswish", input)
    return input * hardsigmoid(input)


@tensor_op
def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|).

    Shapes: (*) -> (*).

    Example:
    >>> F.softsign(tl.tensor([-1., 0., 3.]))
    tensor([-0.5000,  0.0000,  0.7500])
    """
    _require_float("softsign", input, allow_integer=True)
    return input / (1.0 + input.abs())


@tensor_op
@half_in_float32
def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|.

    Shapes: (*) -> (*).

    Example:
    >>> F.logsigmoid(tl.tensor([-100., 0., 2.]))
    tensor([-100.0000,   -0.6931,   -0.1269])
    """
    _require_float("log_sigmoid_forward", input)
    return _LogSigmoid.apply(input)


class _LogSigmoid(Function):
    """-softplus(-x) as one op that saves only its input, as PyTorch; slope sigmoid(-x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -softplus(-x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (-x).sigmoid()


def _softmax_dim(name, ndim, dim):
    if dim is None:
        warn_user(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.")
        return 0 if ndim in (0, 1, 3) else 1
    return wrap_dim(dim, ndim, op=name)


def _fused_softmax(x: Tensor, dim: int, log: bool):
    """The Softmax primitive (saves only its output), else None (compose: 0-d or empty)."""
    if not x.is_floating_point() or x.ndim == 0 or not x.numel():
        return None
    return _Softmax.apply(x, wrap_dim(dim, x.ndim), log)


@tensor_op
@half_in_float32
def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """x - logsumexp(x, dim), the same shape as x: stable for large inputs. Also ``tl.log_softmax``.

    Example: ``log_softmax(tensor([1000., 0., -1000.]), dim=0)`` is ``[0., -1000., -2000.]``.

    Shapes: (*) -> (*).

    Example:
    >>> F.log_softmax(tl.tensor([[0., 0.], [1., 0.]]), dim=1)
    tensor([[-0.6931, -0.6931],
            [-0.3133, -1.3133]])
    """
    dim = _softmax_dim("log_softmax", input.ndim, dim)
    x = input.to(dtype) if dtype is not None else input
    if x.numel() == 0 and not x.is_floating_point():  # PyTorch runs no kernel: returned as it is
        return x.clone()
    _require_float("log_softmax", x)
    fused = _fused_softmax(x, dim, True)
    return fused if fused is not None else _shifted_by_logsumexp(x, dim)


def _shifted_by_logsumexp(x: Tensor, dim: int) -> Tensor:
    """x - logsumexp(x, dim); a row holding +inf is all nan, as PyTorch (its x - max is inf - inf)."""
    lse = x.logsumexp(dim, keepdim=True)
    return _ew.where(lse == math.inf, math.nan, x - lse)


@tensor_op
@half_in_float32
def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """exp(log_softmax(x, dim)): the same shape as x, summing to 1 along dim. Also ``tl.softmax``.

    Example: ``softmax(tensor([[1., 1.], [0., 1000.]]), dim=1)`` is ``[[0.5, 0.5], [0., 1.]]``.

    Shapes: (*) -> (*).

    Example:
    >>> x = tl.tensor([[1., 1.], [0., 1000.]])
    >>> F.softmax(x, dim=1)
    tensor([[0.5000, 0.5000],
            [0.0000, 1.0000]])
    >>> tl.softmax(tl.tensor([0., 1., 2.]), dim=0)
    tensor([0.0900, 0.2447, 0.6652])
    """
    dim = _softmax_dim("softmax", input.ndim, dim)
    x = input.to(dtype) if dtype is not None else input
    if x.numel() == 0 and not x.is_floating_point():  # PyTorch runs no kernel: returned as it is
        return x.clone()
    _require_float("softmax", x)
    fused = _fused_softmax(x, dim, False)
    return fused if fused is not None else _shifted_by_logsumexp(x, dim).exp()


@tensor_op
@half_in_float32
def softmin(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """softmax(-x, dim).

    Shapes: (*) -> (*).

    Example:
    >>> F.softmin(tl.tensor([1., 1., 1000.]), dim=0)
    tensor([0.5000, 0.5000, 0.0000])
    """
    if input.numel():
        _require_float("softmin", input)
    dim = _softmax_dim("softmin", input.ndim, dim)
    return softmax(-input, dim, dtype)


# -- regularisation and normalisation ---------------------------------------------------------
@tensor_op
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p); identity in eval.

    Shapes: (*) -> (*).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> y = F.dropout(tl.ones(1000), p=0.25)
    >>> sorted(set(y.tolist()))
    [0.0, 1.3333333730697632]
    >>> F.dropout(tl.ones(3), p=0.25, training=False)
    tensor([1., 1., 1.])
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    with no_grad():
        keep = bernoulli(full_like(input, 1.0 - p)) * (1.0 / (1.0 - p))
    return input * keep


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """Zero whole channels: one keep/drop draw per (N, C) entry, broadcast over the rest. The
    checks follow PyTorch's order: eval, p=0 and empty inputs return first, p=1 zeroes any shape,
    and only a real draw needs the (N, C) dims."""
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    if input.ndim < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, got shape "
                           f"{list(input.shape)}")
    with no_grad():
        keep = full(tuple(input.shape[:2]) + (1,) * (input.ndim - 2), 1.0 - p, dtype=input.dtype,
                    device=input.device)
        keep = bernoulli(keep) * (1.0 / (1.0 - p))
    return input.mul_(keep) if inplace else input * keep


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _batched_feature_dropout(input, p, training, inplace, batched):
    """Feature dropout of an input whose batch dim is optional (added for the draw, then removed)."""
    if batched:
        return _feature_dropout(input, p, training, inplace)
    if inplace:
        _feature_dropout(input.unsqueeze(0), p, training, True)
        return input
    return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)


@tensor_op
def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout: zero each whole channel (a row of length L) with probability p and
    scale the rest by 1/(1-p); identity in eval.

    Shapes: (N, C, L) or (C, L) -> the same.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> y = F.dropout1d(tl.ones(2, 4, 3), p=0.5)
    >>> bool(((y == y[:, :, :1]).all()))  # each channel kept or zeroed whole
    True
    >>> sorted(set(y.tolist()[0][0] + y.tolist()[1][0]))
    [0.0, 2.0]
    """
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input "
                           f"of shape {list(input.shape)}. Note that dropout1d exists to provide "
                           f"channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           f"dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _batched_feature_dropout(input, p, training, inplace, input.ndim == 3)


@tensor_op
def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout: zero each whole (H, W) feature map with probability p and scale the
    rest by 1/(1-p); identity in eval. As in PyTorch, a 3-D input is read as (N, C, L) (with a
    warning), and inputs other than 3-D or 4-D warn that they are deprecated.

    Shapes: (N, C, H, W) -> the same.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> y = F.dropout2d(tl.ones(1, 8, 2, 2), p=0.5)
    >>> bool((y.amax((2, 3)) == y.amin((2, 3))).all())  # each map kept or zeroed whole
    True
    >>> F.dropout2d(tl.ones(1, 2, 1, 1), training=False).flatten()
    tensor([1., 1.])
    """
    _check_p(p)
    if input.ndim not in (3, 4):
        warn_user(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and "
                  f"will result in an error in a future release. To retain the behavior and silence "
                  f"this warning, please use dropout instead. Note that dropout2d exists to provide "
                  f"channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
                  f"and an optional batch dimension (i.e. 3D or 4D inputs).")
    if input.ndim == 3:
        warn_user("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
                  "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
                  "the channel dim. This behavior will change in a future release to interpret the "
                  "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
                  "channel-wise dropout behavior, please switch to using dropout1d instead.")
    return _feature_dropout(input, p, training, inplace)


@tensor_op
def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Channel-wise dropout: zero each whole (D, H, W) volume with probability p and scale the
    rest by 1/(1-p); identity in eval. Inputs other than 4-D or 5-D warn (deprecated in PyTorch);
    any input that is not 5-D is taken as unbatched.

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> the same.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> y = F.dropout3d(tl.ones(6, 2, 2, 2), p=0.5)
    >>> bool((y.amax((1, 2, 3)) == y.amin((1, 2, 3))).all())
    True
    """
    _check_p(p)
    if input.ndim not in (4, 5):
        warn_user(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and "
                  f"will result in an error in a future release. To retain the behavior and silence "
                  f"this warning, please use dropout instead. Note that dropout3d exists to provide "
                  f"channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
                  f"and an optional batch dimension (i.e. 4D or 5D inputs).")
    return _batched_feature_dropout(input, p, training, inplace, input.ndim == 5)


def _check_per_channel(op: str, input: Tensor, **params) -> None:
    """Each given per-channel tensor (running stats, affine weight/bias) has one value per channel
    of input's dim 1, or a RuntimeError names it."""
    channels = input.shape[1]
    for name, t in params.items():
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{op}: {name} should contain {channels} elements (the input's "
                               f"channels, dim 1 of shape {list(input.shape)}) not {t.numel()}")


@tensor_op
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise over the batch (and spatial) dims per channel (dim 1).

    Shapes: input (N, C) or (N, C, *); running_mean, running_var, weight, bias (C,) -> input's
    shape.

    Example:
    >>> x = tl.tensor([[1., 10.], [3., 30.]])
    >>> mean, var = tl.zeros(2), tl.ones(2)
    >>> F.batch_norm(x, mean, var, training=True)
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]])
    >>> mean, var
    (tensor([0.2000, 2.0000]), tensor([ 1.1000, 20.9000]))
    >>> F.batch_norm(x, mean, var).shape
    tensorlite.Size([2, 2])

    Training normalises with the biased batch variance and updates the running statistics with
    the unbiased one: running = (1 - momentum) * running + momentum * batch. ``momentum`` is a
    number or a 0-dim tensor (BatchNorm's cumulative average passes 1 / num_batches_tracked,
    computed on the device).
    """
    if input.ndim < 2:
        raise RuntimeError(f"batch_norm(): expected an input of shape (N, C, ...) with at least 2 dims, "
                         f"got shape {list(input.shape)}")
    check_same_dtype("batch_norm", input, weight, bias, running_mean, running_var)
    channels = input.shape[1]
    _check_per_channel("batch_norm", input, running_mean=running_mean, running_var=running_var,
                       weight=weight, bias=bias)
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}")
        mean = input.mean(axes)
        var = input.var(axes, correction=0)
        if running_mean is not None:
            with no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
                running_var.mul_(1 - momentum).add_(var.detach() * (momentum * count / (count - 1)))
    else:
        mean, var = running_mean, running_var
    out = (input - mean.reshape(shape)) / (var.reshape(shape) + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


@tensor_op
@half_in_float32
def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) over its spatial dims.

    With use_input_stats (the default) the statistics are each instance's own and the running
    statistics, if given, move towards their mean over the batch (the unbiased variance, as
    batch_norm); otherwise running_mean / running_var normalise.

    Shapes: input (N, C, *spatial) with more than one spatial element; running_mean,
    running_var, weight, bias (C,) -> input's shape.

    Example:
    >>> x = tl.tensor([[[1., 3.], [10., 30.]]])
    >>> F.instance_norm(x)
    tensor([[[-1.0000,  1.0000],
             [-1.0000,  1.0000]]])
    """
    if input.ndim < 2:
        raise RuntimeError(f"instance_norm(): expected an input of shape (N, C, ...), got shape "
                           f"{list(input.shape)}")
    spatial = math.prod(input.shape[2:])
    if use_input_stats and spatial == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{input.shape}")
    check_same_dtype("instance_norm", input, weight, bias, running_mean, running_var)
    channels = input.shape[1]
    _check_per_channel("instance_norm", input, running_mean=running_mean, running_var=running_var,
                       weight=weight, bias=bias)
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is "
                           "false")
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if use_input_stats:
        axes = tuple(range(2, input.ndim))
        mean = input.mean(axes, keepdim=True)
        var = input.var(axes, correction=0, keepdim=True)
        if running_mean is not None:
            with no_grad():
                batch_mean = mean.detach().reshape(-1, channels).mean(0)
                batch_var = var.detach().reshape(-1, channels).mean(0) * (spatial / (spatial - 1))
                running_mean.mul_(1 - momentum).add_(batch_mean * momentum)
                running_var.mul_(1 - momentum).add_(batch_var * momentum)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (input - mean) / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


@tensor_op
@half_in_float32
def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) dims (biased variance).

    Shapes: input (*, *normalized_shape); weight, bias normalized_shape -> input's shape.

    Example:
    >>> x = tl.tensor([[1., 2., 3.], [0., 0., 6.]])
    >>> F.layer_norm(x, (3,))
    tensor([[-1.2247,  0.0000,  1.2247],
            [-0.7071, -0.7071,  1.4142]])
    """
    normalized_shape = _normalized_shape("layer_norm", normalized_shape)
    check_same_dtype("layer_norm", input, weight, bias)
    if not input.is_floating_point():
        raise NotImplementedError(f'"LayerNormKernelImpl" not implemented for \'{input.dtype.scalar_name}\': '
                                  f"normalize a floating tensor (input.float())")
    if tuple(input.shape[input.ndim - len(normalized_shape):]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, normalized_shape))}], but got input of "
                           f"size{list(input.shape)}")
    axes = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    if not input.is_floating_point() or input.numel() == 0:
        out = _normalized(input, axes, eps)[0]
        out = out * weight if weight is not None else out
        return out + bias if bias is not None else out
    return _FusedLayerNorm.apply(input, weight, bias, normalized_shape, eps)


@tensor_op
def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x**2) + eps) over the last len(normalized_shape) dims, times weight;
    eps=None uses finfo(input.dtype).eps.

    Shapes: input (*, *normalized_shape); weight normalized_shape -> input's shape.

    Example:
    >>> F.rms_norm(tl.tensor([[3., 4.]]), (2,), eps=0.)
    tensor([[0.8485, 1.1314]])
    """
    normalized_shape = _normalized_shape("rms_norm", normalized_shape)
    if not input.is_floating_point():
        raise NotImplementedError(f'"rms_norm" not implemented for \'{input.dtype.scalar_name}\': '
                                  f"normalize a floating tensor (input.float())")
    if tuple(input.shape[input.ndim - len(normalized_shape):]) != normalized_shape:
        raise RuntimeError(f"rms_norm: given normalized_shape={list(normalized_shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, normalized_shape))}], but got input of "
                           f"size{list(input.shape)}")
    eps = _dt.finfo(input.dtype).eps if eps is None else eps
    axes = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    out = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    # PyTorch: the product with weight in the promoted dtype, then back to input's dtype
    return (out * weight).to(input.dtype) if weight is not None else out


def _normalized_shape(op: str, normalized_shape) -> tuple:
    """F.layer_norm / F.rms_norm take a sequence of ints (a bare int is PyTorch's TypeError; the
    LayerNorm/RMSNorm modules accept one and pass a tuple)."""
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(f"{op}(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}; pass ({normalized_shape!r},)")
    return tuple(int(n) for n in normalized_shape)


def _normalized(x: Tensor, axes: tuple, eps: float):
    """((x - mean) / sqrt(var + eps), 1 / sqrt(var + eps)) over axes (biased variance)."""
    centered = x - x.mean(axes, keepdim=True)
    rstd = ((centered * centered).mean(axes, keepdim=True) + eps).rsqrt()
    return centered * rstd, rstd


@tensor_op
@half_in_float32
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over groups of channels (and the spatial dims).

    Shapes: input (N, C, *) with C divisible by num_groups; weight, bias (C,) -> input's shape.

    Example:
    >>> x = tl.tensor([[1., 3., 10., 20.]]).reshape(1, 4, 1)
    >>> F.group_norm(x, 2).flatten()
    tensor([-1.0000,  1.0000, -1.0000,  1.0000])
    """
    if input.ndim < 2:
        raise RuntimeError(f"group_norm(): Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim} (shape {list(input.shape)})")
    check_same_dtype("group_norm", input, weight, bias)
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups={num_groups}")
    per_group = n * (c // num_groups) * math.prod(input.shape[2:])
    if per_group == 1:  # PyTorch's check: one value per group has no variance to normalise by
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{[n * c // num_groups, num_groups] + list(input.shape[2:])}")
    grouped = input.reshape(n, num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    var = grouped.var(-1, correction=0, keepdim=True)
    out = ((grouped - mean) / (var + eps).sqrt()).reshape(input.shape)
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


@tensor_op
def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over ``size`` neighbouring channels)^beta (AlexNet's LRN).

    Shapes: input (N, C, *) -> input's shape.

    Example:
    >>> x = tl.ones(1, 3, 1, 1)
    >>> F.local_response_norm(x, size=2, alpha=1.0, beta=1.0).flatten()
    tensor([0.6667, 0.5000, 0.5000])
    """
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    squares = input * input
    c = input.shape[1]
    front, back = size // 2, (size - 1) // 2
    widths = [0, 0] * (input.ndim - 2) + [front, back]
    padded = pad(squares, tuple(widths))
    window = padded[:, 0:c]
    for shift in range(1, size):
        window = window + padded[:, shift:shift + c]
    return input / (window * (alpha / size) + k) ** beta


@tensor_op
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm=None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the indices in ``input``; the padding_idx row gets no gradient.

    Shapes: input (*) integer, weight (num_embeddings, D) -> (*, D).

    Example:
    >>> weight = tl.tensor([[0., 0.], [1., 1.], [2., 4.]])
    >>> F.embedding(tl.tensor([[2, 1], [0, 2]]), weight)
    tensor([[[2., 4.],
             [1., 1.]],
    <BLANKLINE>
            [[0., 0.],
             [2., 4.]]])
    >>> F.embedding(tl.tensor([0, 1]), weight, padding_idx=0).shape
    tensorlite.Size([2, 2])
    """
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported; renormalise the weight explicitly instead")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D (num_embeddings, embedding_dim), got shape "
                           f"{list(weight.shape)}")
    if input.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {input.dtype.name} instead (while "
                           f"checking arguments for embedding)")
    if padding_idx is not None and not -weight.shape[0] <= padding_idx < weight.shape[0]:
        raise AssertionError(f"Padding_idx must be within num_embeddings: embedding(): padding_idx="
                             f"{padding_idx} is outside [{-weight.shape[0]}, {weight.shape[0]}) for a "
                             f"weight of shape {list(weight.shape)}")
    out = take_indices(weight, 0, input, "embedding")  # the backend refuses indices out of range
    if padding_idx is not None:
        padding_idx = padding_idx % weight.shape[0]
        kept = take_indices(weight.detach(), 0, input, "embedding")
        out = _ew.where((input == padding_idx).unsqueeze(-1), kept, out)
    return out


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new last dim of size num_classes (max + 1 when -1).

    Shapes: (*) -> (*, num_classes).

    Example:
    >>> F.one_hot(tl.tensor([0, 2, 1]))
    tensor([[1, 0, 0],
            [0, 0, 1],
            [0, 1, 0]])
    >>> F.one_hot(tl.tensor([[1], [0]]), num_classes=4).shape
    tensorlite.Size([2, 1, 4])
    """
    if tensor.dtype is not _dt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if recording(tensor.device):  # a recorded step replays on other values: check them in the step
        if num_classes == -1:  # a shape from the values: a host read, which the capture refuses
            num_classes = int(tensor.max().item()) + 1
        assert_in_range(tensor, 0, num_classes - 1, "Class values must be non-negative and smaller than "
                                                    "num_classes (one_hot got {value})")
        return (tensor.unsqueeze(-1) == arange(num_classes, device=tensor.device)).long()
    (bounds,) = value_bounds(tensor)
    if num_classes == -1:
        if not bounds:
            raise RuntimeError("Can not infer total number of classes from empty tensor; pass num_classes")
        num_classes = bounds[1] + 1
    if bounds and bounds[0] < 0:
        raise RuntimeError("Class values must be non-negative.")
    if bounds and bounds[1] >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == arange(num_classes, device=tensor.device)).long()


@tensor_op
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(||input||_p along dim, eps).

    Shapes: (*) -> (*).

    Example:
    >>> F.normalize(tl.tensor([[3., 4.], [0., 0.]]))
    tensor([[0.6000, 0.8000],
            [0.0000, 0.0000]])
    >>> F.normalize(tl.tensor([[1., 3.]]), p=1.0, dim=1)
    tensor([[0.2500, 0.7500]])
    """
    _require_float("normalize", input)
    return input / input.norm(p, dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 along dim, as PyTorch computes it: both inputs are
    broadcast to one shape *before* the norms are taken (a size-1 dim broadcast along ``dim``
    repeats the element), and each norm is clamped to at least eps on its own.

    Shapes: x1 (3, 1) and x2 (1, 1), dim=0 -> (1,).
    Example: ``cosine_similarity(tensor([[1.], [2.], [3.]]), tensor([[1.]]), dim=0)`` is
    ``[0.9258]``.

    Shapes: x1, x2 broadcastable to (*, D, *) -> the broadcast shape without dim.

    Example:
    >>> a = tl.tensor([[1., 0.], [1., 1.]])
    >>> F.cosine_similarity(a, tl.tensor([[1., 0.]]))
    tensor([1.0000, 0.7071])
    """
    if eps < 0:
        raise RuntimeError(f"cosine_similarity: eps must be non-negative, got: {eps}")
    common = _dt.promote_types(x1.dtype, x2.dtype)
    if not common.is_floating_point:
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, yet common "
                           f"dtype is {common.scalar_name}; convert the inputs with .float()")
    # PyTorch converts integer (and bool) inputs to the common dtype; floats keep their own
    x1, x2 = (x if x.is_floating_point() else x.to(common) for x in (x1, x2))
    shape = broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = x1.expand(shape), x2.expand(shape)
    return ((x1 / _clamped_norm(x1, dim, eps)) * (x2 / _clamped_norm(x2, dim, eps))).sum(dim)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """||x|| along dim (kept), at least eps; PyTorch clamps the value only, so the gradient is
    the norm's own even where the clamp acts."""
    norm = x.norm(dim=dim, keepdim=True)
    return norm + (norm.clamp(min=eps) - norm).detach()


# -- losses ----------------------------------------------------------------------------------
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_target_size(input, target, name):
    if tuple(input.shape) != tuple(target.shape):
        warn_user(f"Using a target size ({target.shape}) that is different to the input size "
                  f"({input.shape}). This will likely lead to incorrect results due to "
                  f"broadcasting. Please ensure they have the same size.")


@tensor_op
def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error.

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> x, y = tl.tensor([1., 2., 3.]), tl.tensor([1., 0., 0.])
    >>> F.mse_loss(x, y)
    tensor(4.3333)
    >>> F.mse_loss(x, y, reduction="none")
    tensor([0., 4., 9.])
    """
    _check_target_size(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


@tensor_op
def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean absolute error (its derivative at 0 is 0).

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> F.l1_loss(tl.tensor([1., 2., 3.]), tl.tensor([1., 0., 0.]), reduction="sum")
    tensor(5.)
    """
    _check_target_size(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


@tensor_op
def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta.

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> F.smooth_l1_loss(tl.tensor([0.5, 3.]), tl.zeros(2), reduction="none")
    tensor([0.1250, 2.5000])
    """
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta (got {beta}).")
    _check_target_size(input, target, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta (beta={beta}).")
    diff = input - target
    d = diff.abs()
    if beta == 0:
        return _reduce(d, reduction)
    # the square of the signed difference: |d|^2 would inherit abs's kink (second derivative 0 at 0)
    return _reduce(_ew.where(d < beta, 0.5 * diff * diff / beta, d - 0.5 * beta), reduction)


@tensor_op
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta).

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> F.huber_loss(tl.tensor([0.5, 3.]), tl.zeros(2), reduction="none", delta=2.)
    tensor([0.1250, 4.0000])
    """
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta (got {delta}).")
    _check_target_size(input, target, "huber_loss")
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta (delta={delta}).")
    diff = input - target
    d = diff.abs()
    return _reduce(_ew.where(d <= delta, 0.5 * diff * diff, delta * (d - 0.5 * delta)), reduction)


def _class_dim(input):
    return 0 if input.ndim == 1 else 1


def _class_target(target: Tensor) -> Tensor:
    """Class-index targets as int64: PyTorch takes Long or Byte (uint8) targets and refuses the
    other dtypes (int32 included)."""
    if target.dtype is _dt.uint8:
        return target.long()
    if target.dtype is not _dt.int64:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype.scalar_name} "
                           f"(class-index targets; convert them with .long())")
    return target


def _check_class_weight(input, weight) -> None:
    """A class weight has one entry per class and the input's dtype (PyTorch does not promote)."""
    classes = input.shape[_class_dim(input)] if input.ndim else 0
    if weight is None:
        return
    if weight.ndim != 1 or weight.numel() != classes:
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes "
                           f"but got weight tensor of shape: {list(weight.shape)}")
    if weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found {weight.dtype.scalar_name} "
                           f"(class weight); convert it with .to({input.dtype.name})")


def _check_class_targets(input, target, ignore_index) -> bool | None:
    """Raise PyTorch's errors for bad targets; return True when every target is a class and
    none equals ignore_index (then the loss needs no masking: fewer ops), else None: the gather
    that picks them skips ignored targets and checks the others where they are (on a device
    without waiting for it: a bad target raises "Target t is out of bounds." at the next sync).
    While a step is recorded it is None for every batch: the replay runs on other targets."""
    if target.dtype is not _dt.int64:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype.scalar_name}")
    expected = tuple(input.shape[:1]) + tuple(input.shape[2:]) if input.ndim > 1 else ()
    if tuple(target.shape) != expected:
        if input.ndim > 1 and target.ndim >= 1 and target.shape[0] != input.shape[0]:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0]}).")
        raise RuntimeError(f"expected target of shape {list(expected)} for input of shape "
                           f"{list(input.shape)} (class dim {_class_dim(input)}), got {list(target.shape)}")
    if target.numel() == 0:
        return True
    if target.device.type != "cpu" or recording(target.device):
        return None  # a recorded step replays on other targets: the gather checks and skips them
    classes = input.shape[_class_dim(input)]
    # on the CPU the values are at hand: (min, max) settles the usual case (every target a
    # class, none ignored) and PyTorch's CPU check raises at the call
    ((low, high),) = value_bounds(target)
    if 0 <= low and high < classes and not low <= ignore_index <= high:
        return True
    valid = target != ignore_index
    if bool((valid & ((target < 0) | (target >= classes))).any()):
        bad = target[valid & ((target < 0) | (target >= classes))][0].item()
        raise IndexError(f"Target {bad} is out of bounds.")
    return None  # some ignored: the device's path, which a recorded step takes for every batch


def _pick(log_probs, target, ignore_index, weight, all_valid):
    """(per-element -log p[target], per-element weight or None for all ones), both 0 where the
    target is ignored; ``all_valid`` None: some may be ignored, the gather skips them and
    range-checks the others (see _check_class_targets)."""
    dim = _class_dim(log_probs)
    if all_valid is None:
        valid = target != ignore_index
        if log_probs.device.type == "cpu":  # a plain gather: the NumPy replay's fast gather and scatter
            picked = log_probs.gather(dim, _ew.where(valid, target, 0).unsqueeze(dim)).squeeze(dim)
        else:
            picked = _Gather.apply(log_probs, dim, target.unsqueeze(dim), "nll_loss", ignore_index).squeeze(dim)
        picked = _ew.where(valid, -picked, 0.0)  # an ignored target's loss is +0, as in PyTorch
        if weight is None:
            return picked, None
        w = weight[_ew.where(valid, target, 0)] * valid.to(log_probs.dtype)
        return picked * w, w
    picked = -log_probs.gather(dim, target.unsqueeze(dim)).squeeze(dim)
    if weight is None:
        return picked, None
    w = weight[target]
    return picked * w, w


def _weighted_mean(losses: Tensor, weight_sum, used: Tensor) -> Tensor:
    """sum(losses) / weight_sum with PyTorch's zero-weight semantics: nan when weight_sum is 0;
    then each used (not ignored) element's gradient is w / 0 = nan, an ignored one's stays 0."""
    if not isinstance(weight_sum, Tensor):
        return losses.sum() / weight_sum if weight_sum else losses.sum() * math.nan
    factor = _ew.where(used, 1.0 / weight_sum, 0.0)  # not where(used, losses / w, 0): 0 / 0 in backward
    return (losses * factor).sum() + _ew.where(weight_sum == 0, math.nan, 0.0)


@tensor_op
@half_in_float32  # picking is exact; the mean rounds once (not the sum, then the quotient)
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities (N, C) or (N, C, d1, ...).

    'mean' divides by the sum of the targets' weights (ignored targets count in neither).

    Shapes: input (N, C) or (N, C, d1, ...), target (N) or (N, d1, ...) int64, weight (C,)
    -> () (or target's shape with reduction='none').

    Example:
    >>> logp = tl.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    >>> F.nll_loss(logp, tl.tensor([0, 1]))
    tensor(0.3000)
    >>> F.nll_loss(logp, tl.tensor([1, -100]), reduction="none")
    tensor([1., 0.])
    """
    if input.ndim == 0:
        raise ValueError("nll_loss(): Expected 1 or more dimensions (got 0); input is (C,) or (N, C, ...)")
    target = _class_target(target)
    _check_class_weight(input, weight)
    all_valid = _check_class_targets(input, target, ignore_index)
    losses, w = _pick(input, target, ignore_index, weight, all_valid)
    if reduction == "mean" and all_valid is None and w is None:
        # the count of used targets on the device; all ignored: 0 / 0 = nan, and the gather's
        # backward gives the ignored targets no gradient
        return losses.sum() / (target != ignore_index).sum().to(losses.dtype)
    if reduction == "mean":
        used = target != ignore_index
        return _weighted_mean(losses, w.sum() if w is not None else losses.numel(), used)
    return _reduce(losses, reduction)


@tensor_op
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax over dim 1 then NLL; targets are class indices (int64) or class
    probabilities (float, the input's shape). label_smoothing mixes in the uniform distribution;
    PyTorch refuses only a value above 1 (a negative or NaN one means no smoothing).

    Shapes: input (N, C) or (N, C, d1, ...) logits; target (N) / (N, d1, ...) int64 or
    probabilities of input's shape -> () (or (N, d1, ...) with reduction='none').

    Example:
    >>> logits = tl.tensor([[2., 0.], [0., 0.]])
    >>> F.cross_entropy(logits, tl.tensor([0, 1]))
    tensor(0.4100)
    >>> F.cross_entropy(logits, tl.tensor([[1., 0.], [0.5, 0.5]]), reduction="none")
    tensor([0.1269, 0.6931])
    >>> target = tl.zeros(4, 5, 5, dtype=tl.int64)
    >>> F.cross_entropy(tl.zeros(4, 3, 5, 5), target, reduction="none").shape
    tensorlite.Size([4, 5, 5])
    """
    if label_smoothing > 1.0:
        raise RuntimeError(f"cross_entropy(): label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    if input.ndim == 0:
        raise RuntimeError("cross_entropy(): input must have a class dimension (shape (C,) or (N, C, ...)), "
                           "got a 0-dim tensor")
    _check_class_weight(input, weight)
    if not target.is_floating_point():
        target = _class_target(target)
    if weight is None and not label_smoothing > 0 and input.ndim == 2 and target.dtype is _dt.int64 \
            and tuple(target.shape) == tuple(input.shape[:1]) and 0 < input.numel() < 2 ** 31 \
            and input.dtype in (_dt.float32, _dt.float64) and reduction in ("mean", "sum", "none"):
        fused = _softmax_cross_entropy(input, target, ignore_index, reduction)  # one kernel each way
        if fused is not None:
            return fused
    dim = _class_dim(input)
    classes = input.shape[dim]
    log_probs = log_softmax(input, dim)
    class_shape = [1] * input.ndim
    class_shape[dim] = classes
    if target.is_floating_point() and tuple(target.shape) == tuple(input.shape):
        if ignore_index != -100:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        terms = log_probs * target
        if weight is not None:
            terms = terms * weight.reshape(class_shape)
        losses = -terms.sum(dim)
        if reduction == "mean":
            return losses.sum() / (input.numel() // classes) if input.numel() else losses.sum() * math.nan
        return _reduce(losses, reduction)
    if not target.is_floating_point() and tuple(target.shape) == tuple(input.shape) and input.ndim > 1:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{target.dtype.scalar_name}")
    nll = nll_loss(log_probs, target, weight, ignore_index, reduction)
    if not label_smoothing > 0:
        return nll
    valid = (target != ignore_index).to(log_probs.dtype)
    terms = log_probs if weight is None else log_probs * weight.reshape(class_shape)
    smooth = _ew.where(valid != 0, -terms.sum(dim), 0.0)  # not times valid: -inf * 0 is nan
    if reduction == "mean":
        if weight is None:
            smooth = _weighted_mean(smooth, valid.sum(), valid != 0)
        else:
            smooth = _weighted_mean(smooth, (weight[_ew.where(target != ignore_index, target, 0)] * valid).sum(),
                                    valid != 0)
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


class _BinaryCrossEntropy(Function):
    """Elementwise -(t log x + (1 - t) log(1 - x)), each log clamped at -100, with PyTorch's
    gradient (x - t) / max(x (1 - x), 1e-12): finite at x = 0 and 1, where the clamped logs'
    own derivative is 0 * inf = nan. The backward is tensor ops, so it is differentiable."""

    @staticmethod
    def forward(ctx, input, target):
        ctx.save_for_backward(input, target)
        return -(target * _clamped_log(input) + (1.0 - target) * _clamped_log(1.0 - input))

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        grad_input = grad * (input - target) / (input * (1.0 - input)).clamp(min=1e-12)
        grad_target = grad * (_clamped_log(1.0 - input) - _clamped_log(input))
        return grad_input, grad_target


def _clamped_log(x: Tensor) -> Tensor:
    return x.log().clamp(min=-100.0)


@tensor_op
@half_in_float32  # PyTorch's kernel computes each term in float32 (unlike mse_loss's)
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch does.

    Shapes: input (*) probabilities, target (*) -> () (or (*) with reduction='none').

    Example:
    >>> F.binary_cross_entropy(tl.tensor([0.8, 0.5]), tl.tensor([1., 0.]), reduction="none")
    tensor([0.2231, 0.6931])
    """
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {target.dtype.scalar_name} but expected {input.dtype.scalar_name} "
                           f"(binary_cross_entropy target); convert it with .to({input.dtype.name})")
    if input.device.type != "cpu" or recording(input.device):  # checked in the step (a replay's too)
        assert_in_range(input, 0, 1, _BCE_INPUT_RANGE)
        assert_in_range(target, 0, 1, "all elements of target should be between 0 and 1 "
                                      "(binary_cross_entropy got a target of {value})")
        return _reduce_bce(input, target, weight, reduction)
    input_bounds, target_bounds = value_bounds(input, target)  # one host read for both checks
    if input_bounds and not (0 <= input_bounds[0] and input_bounds[1] <= 1):
        raise RuntimeError(_BCE_INPUT_RANGE)
    if target_bounds and not (0 <= target_bounds[0] and target_bounds[1] <= 1):
        raise RuntimeError(f"all elements of target should be between 0 and 1 (binary_cross_entropy got "
                           f"targets in [{target_bounds[0]}, {target_bounds[1]}])")
    return _reduce_bce(input, target, weight, reduction)


_BCE_INPUT_RANGE = ("all elements of input should be between 0 and 1 (binary_cross_entropy takes "
                    "probabilities; use binary_cross_entropy_with_logits for logits)")


def _reduce_bce(input, target, weight, reduction):
    loss = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight.to(input.dtype)  # PyTorch's kernel reads the weight in the input's dtype
    return _reduce(loss, reduction)


@tensor_op
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """BCE on logits, stable for any magnitude: (1 - t) x + (1 + (pw - 1) t) softplus(-x).
    The loss has the target's dtype: PyTorch builds it in place on ``1 - target``, so an integer
    target raises and a float32 target gives float32 even for float64 logits.

    Shapes: input (*) logits, target (*), pos_weight broadcastable to (*) -> () (or (*) with
    reduction='none').

    Example:
    >>> logits, target = tl.tensor([0., 2., 2.]), tl.tensor([1., 1., 0.])
    >>> F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    tensor([0.6931, 0.1269, 2.1269])
    """
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if not target.is_floating_point():
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{target.dtype.scalar_name} (binary_cross_entropy_with_logits takes float targets)")
    softplus_neg = softplus(-input)  # smooth: |x| and relu compositions have a wrong slope at 0
    if pos_weight is not None:
        loss = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * softplus_neg
    else:
        loss = (1.0 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.to(target.dtype), reduction)


@tensor_op
def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """Per sample, the mean over the C classes (input's last dim) of
    -(t log sigmoid(x) + (1 - t) log sigmoid(-x)), times weight when given.

    Shapes: input (N, C) or (C,), target and weight broadcastable with it -> () (or (N,) / ()
    with reduction='none').

    Example:
    >>> x = tl.tensor([[2., -1.], [0., 0.]])
    >>> F.multilabel_soft_margin_loss(x, tl.tensor([[1., 0.], [1., 1.]]), reduction="none")
    tensor([0.2201, 0.6931])
    """
    if input.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions (multilabel_soft_margin_loss: "
                         "input is (C,) or (N, C))")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid (multilabel_soft_margin_loss: use 'none', 'mean' or 'sum')")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.sum(input.ndim - 1) / input.shape[-1], reduction)


@tensor_op
def kl_div(input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target || q) with input = log q; 'batchmean' (sum / N) gives the true KL divergence.

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> q = tl.tensor([[0.5, 0.5]])
    >>> F.kl_div(q.log(), tl.tensor([[0.75, 0.25]]), reduction="batchmean")
    tensor(0.1308)
    """
    if log_target:
        loss = target.exp() * (target - input)
    else:  # xlogy(t, t) - t * input, as PyTorch: 0 where t == 0, nan where t < 0
        zero = target == 0
        safe = _ew.where(zero, 1.0, target)
        loss = _ew.where(zero, 0.0, target * safe.log()) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    if reduction == "mean":
        warn_user("reduction: 'mean' divides the total loss by both the batch size and the "
                  "support size.'batchmean' divides only by the batch size, and aligns with the "
                  "KL div math definition.'mean' will be changed to behave the same as "
                  "'batchmean' in the next major release.")
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) for target 1, max(0, cos - margin) for target -1, 0 for any other target
    (as PyTorch).

    Shapes: input1, input2 (N, D) or (D,), target (N) or () of 1 / -1 -> () (or (N) with
    reduction='none').

    Example:
    >>> a = tl.tensor([[1., 0.], [1., 0.]])
    >>> b = tl.tensor([[0., 1.], [1., 1.]])
    >>> F.cosine_embedding_loss(a, b, tl.tensor([1, -1]), reduction="none")
    tensor([1.0000, 0.7071])
    """
    if target.ndim not in (0, 1):
        raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported (cosine_embedding_loss: "
                           f"target of shape {list(target.shape)})")
    wanted = 2 if target.ndim == 1 else 1
    if input1.ndim != wanted or input2.ndim != wanted:
        raise RuntimeError(f"{target.ndim}D target tensor expects {wanted}D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    dot = (input1 * input2).sum(-1)
    mag = ((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)
    cos = dot / mag.sqrt()
    loss = _ew.where(target == 1, 1.0 - cos, _ew.where(target == -1, (cos - margin).clamp(min=0.0), 0.0))
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """max(0, -target * (x1 - x2) + margin).

    Shapes: input1, input2, target (N) or () -> () (or (N) with reduction='none').

    Example:
    >>> x1, x2 = tl.tensor([1., 2.]), tl.tensor([2., 1.])
    >>> F.margin_ranking_loss(x1, x2, tl.tensor([1., 1.]), reduction="none")
    tensor([1., 0.])
    """
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {list(input1.shape)}, input2: {list(input2.shape)}, target: "
                           f"{list(target.shape)} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0.0), reduction)


