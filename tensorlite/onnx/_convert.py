"""Converters from traced records to ONNX nodes.

``OPS``: op key (a table row's name, a Function class name) -> ``convert(g, rec)`` returning one
ONNX value name per output of the record. ``MODULES``: module class name -> (``accepts(module,
rec)``, ``convert(g, rec)``) for the modules converted as a whole (their primitives, such as the
im2col of a convolution, have no ONNX op); a module that is not accepted is converted through
the records of its body.
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._graph import ExportError, np_dtype

__all__ = ["OPS", "MODULES", "ExportError"]

OPS: dict = {}
MODULES: dict = {}


def _op(*keys):
    def register(fn):
        for k in keys:
            OPS[k] = fn
        return fn
    return register


def _module(*names, accepts=lambda m, rec: True):
    def register(fn):
        for n in names:
            MODULES[n] = (accepts, fn)
        return fn
    return register


def _out_dtype(rec, i=0):
    return np_dtype(rec.outputs[i])


# -- elementwise ---------------------------------------------------------------------------------
_UNARY = {"neg": "Neg", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "abs": "Abs", "sin": "Sin",
          "cos": "Cos", "tan": "Tan", "asin": "Asin", "acos": "Acos", "atan": "Atan",
          "sinh": "Sinh", "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh",
          "tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "erf": "Erf", "sign": "Sign",
          "floor": "Floor", "ceil": "Ceil", "round": "Round", "logical_not": "Not",
          "isnan": "IsNaN", "Reciprocal": "Reciprocal"}
_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow",
           "maximum": "Max", "minimum": "Min"}
_COMPARE = {"eq": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater",
            "ge": "GreaterOrEqual"}
_LOGICAL = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}
_BITWISE = {"bitwise_and": ("And", "BitwiseAnd"), "bitwise_or": ("Or", "BitwiseOr"),
            "bitwise_xor": ("Xor", "BitwiseXor")}


def _unary(onnx_op):
    return lambda g, rec: [g.node(onnx_op, [g.name(rec.args[0])])]


for _key, _onnx in _UNARY.items():
    OPS[_key] = _unary(_onnx)


@_op("log1p")
def _log1p(g, rec):
    x = rec.args[0]
    return [g.node("Log", [g.node("Add", [g.name(x), g.const(1, np_dtype(x))])])]


@_op("expm1")
def _expm1(g, rec):
    x = rec.args[0]
    return [g.node("Sub", [g.node("Exp", [g.name(x)]), g.const(1, np_dtype(x))])]


@_op("isinf")
def _isinf(g, rec):
    return [g.node("IsInf", [g.name(rec.args[0])])]


def _binary(onnx_op):
    def convert(g, rec):
        dtype = _out_dtype(rec)
        return [g.node(onnx_op, [g.operand(rec.args[0], dtype), g.operand(rec.args[1], dtype)])]
    return convert


for _key, _onnx in _BINARY.items():
    OPS[_key] = _binary(_onnx)


def _compare(onnx_op):
    def convert(g, rec):
        a, b = rec.args
        # a Python float against an integer tensor compares as floats (PyTorch's promotion)
        dtype = np.result_type(*[np_dtype(v) if isinstance(v, Tensor) else v for v in (a, b)])
        return [g.node(onnx_op, [g.operand(a, dtype), g.operand(b, dtype)])]
    return convert


for _key, _onnx in _COMPARE.items():
    OPS[_key] = _compare(_onnx)


def _logical(onnx_op):
    def convert(g, rec):
        return [g.node(onnx_op, [g.operand(v, np.dtype(bool)) for v in rec.args[:2]])]
    return convert


for _key, _onnx in _LOGICAL.items():
    OPS[_key] = _logical(_onnx)


def _bitwise(ops):
    """Bool operands: And/Or/Xor; integers: the Bitwise* ops (opset 18)."""
    def convert(g, rec):
        dtype = _out_dtype(rec)
        if dtype != np.dtype(bool) and g.opset < 18:
            raise ExportError(f"tl.onnx.export: {rec.where()}: bitwise ops on integers need "
                              "opset_version=18 or later")
        op = ops[0] if dtype == np.dtype(bool) else ops[1]
        return [g.node(op, [g.operand(v, dtype) for v in rec.args[:2]])]
    return convert


for _key, _onnx in _BITWISE.items():
    OPS[_key] = _bitwise(_onnx)


@_op("bitwise_not")
def _bitwise_not(g, rec):
    x = rec.args[0]
    if np_dtype(x) == np.dtype(bool):
        return [g.node("Not", [g.name(x)])]
    if g.opset < 18:
        raise ExportError(f"tl.onnx.export: {rec.where()}: bitwise ops on integers need "
                          "opset_version=18 or later")
    return [g.node("BitwiseNot", [g.name(x)])]


@_op("ne")
def _ne(g, rec):
    return [g.node("Not", [_compare("Equal")(g, rec)[0]])]


@_op("PowScalar", "PowZeroGradAtZero")
def _pow_scalar(g, rec):
    x, exponent = rec.args[:2]
    return [g.node("Pow", [g.name(x), g.const(exponent, np_dtype(x))])]


@_op("Where")
def _where(g, rec):
    cond, a, b = rec.args
    dtype = _out_dtype(rec)
    return [g.node("Where", [g.name(cond), g.operand(a, dtype), g.operand(b, dtype)])]


@_op("Clamp")
def _clamp(g, rec):
    x, lo, hi = rec.args[:3]
    dtype = np_dtype(x)
    bounds = ["" if v is None else g.const(v, dtype) for v in (lo, hi)]
    return [g.node("Clip", [g.name(x)] + bounds)]


@_op("Cast")
def _cast(g, rec):
    return [g.cast(g.name(rec.args[0]), _out_dtype(rec))]


@_op("Clone", "ToDevice", "ZeroGradient")
def _identity(g, rec):
    return [g.node("Identity", [g.name(rec.args[0])])]


@_op("ZeroGradLink")
def _zero_grad_link(g, rec):
    return [g.node("Identity", [g.name(rec.args[0])])]


# -- activations that are composite Functions ----------------------------------------------------
def _scaled(g, x: str, factor, dtype) -> str:
    return x if factor == 1 else g.node("Mul", [x, g.const(factor, dtype)])


@_op("_Gelu", "Gelu", "_TanhGelu")
def _gelu(g, rec):
    """0.5 x (1 + erf(x / sqrt 2)), or the tanh form; the Gelu op from opset 20. The keys: the
    composite ``_Gelu(x, tanh)``, and the fused exact primitive ``Gelu(x)`` with the tanh form's
    ``_TanhGelu(x)`` that replace it (issue 11's fused GELU)."""
    x = rec.args[0]
    tanh = rec.args[1] if rec.op == "_Gelu" else rec.op == "_TanhGelu"
    dtype, name = np_dtype(x), g.name(x)
    if g.opset >= 20:
        return [g.node("Gelu", [name], approximate="tanh" if tanh else "none")]
    if tanh:
        cube = g.node("Mul", [g.node("Mul", [name, name]), name])
        inner = g.node("Add", [name, _scaled(g, cube, 0.044715, dtype)])
        core = g.node("Tanh", [_scaled(g, inner, math.sqrt(2 / math.pi), dtype)])
    else:
        core = g.node("Erf", [_scaled(g, name, 1 / math.sqrt(2), dtype)])
    half = _scaled(g, name, 0.5, dtype)
    return [g.node("Mul", [half, g.node("Add", [core, g.const(1, dtype)])])]


@_op("_LeakyRelu")
def _leaky_relu(g, rec):
    x, slope = rec.args[:2]
    if isinstance(slope, Tensor):  # prelu
        return [g.node("PRelu", [g.name(x), g.name(slope)])]
    return [g.node("LeakyRelu", [g.name(x)], alpha=float(slope))]


@_op("_ELU")
def _elu(g, rec):
    """x * scale if x > 0 else negative_scale * (exp(x * input_scale) - 1): elu, selu, celu."""
    x, negative, scale, input_scale = rec.args[:4]
    dtype, name = np_dtype(x), g.name(x)
    if scale == 1 and input_scale == 1:
        return [g.node("Elu", [name], alpha=float(negative))]
    expm1 = g.node("Sub", [g.node("Exp", [_scaled(g, name, input_scale, dtype)]), g.const(1, dtype)])
    below = _scaled(g, expm1, negative, dtype)
    above = _scaled(g, name, scale, dtype)
    positive = g.node("Greater", [name, g.const(0, dtype)])
    return [g.node("Where", [positive, above, below])]


@_op("_Softplus")
def _softplus(g, rec):
    """log(1 + exp(beta x)) / beta, x itself where beta x > threshold (PyTorch's)."""
    x, beta, threshold = rec.args[:3]
    dtype, name = np_dtype(x), g.name(x)
    scaled = _scaled(g, name, beta, dtype)
    soft = _scaled(g, g.node("Softplus", [scaled]), 1 / beta, dtype)
    linear = g.node("Greater", [scaled, g.const(threshold, dtype)])
    return [g.node("Where", [linear, name, soft])]


@_op("_LogSigmoid")
def _log_sigmoid(g, rec):
    return [g.node("Neg", [g.node("Softplus", [g.node("Neg", [g.name(rec.args[0])])])])]


@_op("Softmax")
def _softmax(g, rec):
    x, dim, log = rec.args[:3]
    return [g.node("LogSoftmax" if log else "Softmax", [g.name(x)], axis=int(dim))]


@_op("MaskedSoftmax")
def _masked_softmax(g, rec):
    """The fused causal-attention softmax: softmax(where(keep, x * scale, -inf), last dim)."""
    x, keep, scale = rec.args[:3]
    dtype = np_dtype(x)
    scaled = g.node("Mul", [g.name(x), g.const(scale, dtype)])
    masked = g.node("Where", [g.name(keep), scaled, g.const(-math.inf, dtype)])
    return [g.node("Softmax", [masked], axis=-1)]


@_op("_LayerNorm", "LayerNorm")
def _layer_norm(g, rec):
    """LayerNormalization over the last len(axes) dims: the composite ``_LayerNorm(x, weight,
    bias, axes, eps)`` and the fused primitive ``LayerNorm(x, weight, bias, normalized_shape,
    eps)`` that replaces it (issue 11) both name as many trailing dims in their 4th argument."""
    x, weight, bias, axes, eps = rec.args[:5]
    dtype = np_dtype(x)
    shape = tuple(x.shape)[x.ndim - len(axes):]
    scale = g.name(weight) if weight is not None else g.const(np.ones(shape), dtype)
    inputs = [g.name(x), scale] + ([g.name(bias)] if bias is not None else [])
    return [g.node("LayerNormalization", inputs, axis=-len(axes), epsilon=float(eps))]


# -- linear algebra, reductions ------------------------------------------------------------------
def _last_two_swapped(g, name: str, ndim: int) -> str:
    perm = list(range(ndim))
    perm[-2:] = perm[-1], perm[-2]
    return g.node("Transpose", [name], perm=perm)


@_op("MatMul")
def _matmul(g, rec):
    a, b, ta, tb = rec.args[:4]
    names = []
    for t, flip in ((a, ta), (b, tb)):
        name = g.name(t)
        names.append(_last_two_swapped(g, name, t.ndim) if flip and t.ndim >= 2 else name)
    return [g.node("MatMul", names)]


@_op("Linear")
def _linear(g, rec):
    """The fused ``F.linear`` with a bias (issue 11's ``ops.linalg.Linear(x, weight, bias)``):
    x @ weight^T + bias."""
    x, weight, bias = rec.args[:3]
    product = g.node("MatMul", [g.name(x), _last_two_swapped(g, g.name(weight), weight.ndim)])
    return [g.node("Add", [product, g.name(bias)])]


def _reduction(onnx_op):
    def convert(g, rec):
        x, axes, keepdim = rec.args[:3]
        if not axes:
            return [g.node("Identity", [g.name(x)])]
        return [g.reduce(onnx_op, g.name(x), axes, keepdim)]
    return convert


for _key, _onnx in {"sum": "ReduceSum", "prod": "ReduceProd", "amax": "ReduceMax",
                    "amin": "ReduceMin"}.items():
    OPS[_key] = _reduction(_onnx)


@_op("MaxMinDim")
def _max_min_dim(g, rec):
    x, op, dim, keepdim = rec.args[:4]
    name = g.name(x)
    values = g.reduce("ReduceMax" if op == "max" else "ReduceMin", name, [dim], keepdim)
    index = g.node("ArgMax" if op == "max" else "ArgMin", [name], axis=int(dim), keepdims=int(keepdim))
    return [values, index]


@_op("Var")
def _var(g, rec):
    """sum((x - mean)^2) / denominator over axes (var, std, group_norm)."""
    x, axes, keepdim, _count, denominator = rec.args[:5]
    dtype, name = np_dtype(x), g.name(x)
    centered = g.node("Sub", [name, g.reduce("ReduceMean", name, axes, True)])
    squares = g.reduce("ReduceSum", g.node("Mul", [centered, centered]), axes, keepdim)
    return [g.node("Div", [squares, g.const(denominator, dtype)])]


# -- movement, indexing --------------------------------------------------------------------------
@_op("Reshape", "View")
def _reshape(g, rec):
    """A shape entry that changed with a dynamic axis (``rec.varying``) becomes 0 (copy the
    input's size) where it equalled the input's size at that position in both traces, else -1
    (at most one)."""
    x, shape = rec.args[:2]
    target = list(shape)
    infer = [i for i in rec.varying if i not in rec.copied]
    if len(infer) > 1:
        raise ExportError(f"tl.onnx.export: {rec.where()}: reshape to {list(shape)} has several sizes "
                          "that change with the dynamic axes and are not the input's sizes at the "
                          "same positions; keep dynamic axes in place (permute instead), or export "
                          "with fewer dynamic_axes")
    for i in rec.copied:
        target[i] = 0
    for i in infer:
        target[i] = -1
    return [g.node("Reshape", [g.name(x), g.ints(target)])]


@_op("Expand")
def _expand(g, rec):
    x, shape = rec.args[:2]
    target = [1 if i in rec.varying else s for i, s in enumerate(shape)]
    if set(rec.varying) - set(rec.copied_expand):
        raise ExportError(f"tl.onnx.export: {rec.where()}: expand to {list(shape)} grows a dimension whose size "
                          "depends on a dynamic axis; export without dynamic_axes")
    return [g.node("Expand", [g.name(x), g.ints(target)])]


@_op("Permute")
def _permute(g, rec):
    x, dims = rec.args[:2]
    return [g.node("Transpose", [g.name(x)], perm=[int(d) for d in dims])]


@_op("Cat")
def _cat(g, rec):
    skip = rec.kwargs.get("skip", frozenset())
    names = [g.name(t) for i, t in enumerate(rec.args) if i not in skip]
    return [g.node("Concat", names, axis=int(rec.kwargs["axis"]))]


@_op("Stack")
def _stack(g, rec):
    axis = int(rec.kwargs["axis"])
    names = [g.node("Unsqueeze", [g.name(t), g.ints([axis])]) for t in rec.args]
    return [g.node("Concat", names, axis=axis)]


@_op("Pad")
def _pad(g, rec):
    x, widths, value = rec.args[:3]
    pads = [int(w[0]) for w in widths] + [int(w[1]) for w in widths]
    return [g.node("Pad", [g.name(x), g.ints(pads), g.const(value, np_dtype(x))], mode="constant")]


_BIG = 2 ** 63 - 1


@_op("Flip")
def _flip(g, rec):
    x, axes = rec.args[:2]
    axes = [int(a) for a in axes]
    n = len(axes)
    return [g.node("Slice", [g.name(x), g.ints([-1] * n), g.ints([-_BIG] * n), g.ints(axes), g.ints([-1] * n)])]


@_op("Slice")
def _slice(g, rec):
    return [_basic_index(g, *rec.args[:2])]


@_op("Split", "SplitWithSizes")
def _split(g, rec):
    """split/chunk: one slice per piece."""
    x, keys = rec.args[:2]
    return [_basic_index(g, x, key) for key in keys]


def _basic_index(g, x, key) -> str:
    """Basic indexing: one Slice for the slices, Squeeze for the ints, Unsqueeze for None."""
    key = key if isinstance(key, tuple) else (key,)
    if any(k is Ellipsis for k in key):
        at = key.index(Ellipsis)
        used = sum(1 for k in key if k is not None and k is not Ellipsis)
        key = key[:at] + (slice(None),) * (x.ndim - used) + key[at + 1:]
    starts, ends, axes, steps, squeeze, new = [], [], [], [], [], []
    dim = out = 0
    for k in key:
        if k is None:
            new.append(out)
            out += 1
            continue
        if isinstance(k, slice):
            if k != slice(None):
                step = 1 if k.step is None else k.step
                starts.append(k.start if k.start is not None else (0 if step > 0 else -1))
                ends.append(k.stop if k.stop is not None else (_BIG if step > 0 else -_BIG))
                axes.append(dim)
                steps.append(step)
            out += 1
        else:
            index = int(k) % x.shape[dim]
            starts.append(index), ends.append(index + 1), axes.append(dim), steps.append(1)
            squeeze.append(dim)
        dim += 1
    name = g.name(x)
    if axes:
        name = g.node("Slice", [name, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if squeeze:
        name = g.node("Squeeze", [name, g.ints(squeeze)])
    if new:
        name = g.node("Unsqueeze", [name, g.ints(new)])
    if name == g.name(x):
        name = g.node("Identity", [name])
    return name


def _dtype_of(index) -> np.dtype:
    return np_dtype(index) if isinstance(index, Tensor) else index.dtype


@_op("Index")
def _index(g, rec):
    """Advanced indexing by one integer tensor (the other entries full slices): Gather."""
    x, key = rec.args[:2]
    key = key if isinstance(key, tuple) else (key,)
    tensors = [i for i, k in enumerate(key) if isinstance(k, (Tensor, np.ndarray))]
    rest_full = all(isinstance(k, slice) and k == slice(None) for i, k in enumerate(key) if i not in tensors)
    if len(tensors) != 1 or not rest_full or _dtype_of(key[tensors[0]]).kind not in "iu":
        raise ExportError(f"tl.onnx.export: {rec.where()}: advanced indexing is exported for one integer index "
                          "tensor (other entries ':'); use index_select or gather instead")
    index = key[tensors[0]]
    index = g.operand(index, np.int64) if isinstance(index, Tensor) else g.const(index, np.int64)
    return [g.node("Gather", [g.name(x), index], axis=tensors[0])]


@_op("Gather")
def _gather(g, rec):
    x, dim, index, op = rec.args[:4]
    ignore = rec.args[4] if len(rec.args) > 4 else rec.kwargs.get("ignore")
    if ignore is not None or op == "embedding":
        raise ExportError(f"tl.onnx.export: {rec.where()}: gather with ignore_index or from a functional "
                          "embedding call has no ONNX conversion; use nn.Embedding")
    return [g.node("GatherElements", [g.name(x), g.operand(index, np.int64)], axis=int(dim))]


@_op("MaxPool2d")
def _max_pool(g, rec):
    x, kernel, stride, pads, dilation = rec.args[:5]
    top, bottom, left, right = pads
    out, index = g.node("MaxPool", [g.name(x)], outputs=2, kernel_shape=list(kernel),
                        strides=list(stride), pads=[top, left, bottom, right],
                        dilations=list(dilation))
    return [out, None]


@_op("LSTMSequence")
def _lstm_sequence(g, rec):
    """One LSTM layer from its input gate pre-activations (nn.LSTM's recurrence): ONNX LSTM with
    those as X, W the permutation from PyTorch's gate order (i, f, g, o) to ONNX's (i, o, f, c)
    and R = w_hh's rows in that order; no bias (it is inside x_gates)."""
    x_gates, h0, c0, w_hh = rec.args[:4]
    reverse = rec.args[4] if len(rec.args) > 4 else rec.kwargs.get("reverse", False)
    dtype, hidden = np_dtype(x_gates), h0.shape[-1]
    order = np.concatenate([np.arange(k * hidden, (k + 1) * hidden) for k in (0, 3, 1, 2)])
    permutation = np.eye(4 * hidden, dtype=dtype)[order][None]
    r = g.node("Unsqueeze", [g.node("Gather", [g.name(w_hh), g.ints(order)], axis=0), g.ints([0])])
    initial = [g.node("Unsqueeze", [g.name(t), g.ints([0])]) for t in (h0, c0)]
    y, y_h, y_c = g.node("LSTM", [g.name(x_gates), g.const(permutation, dtype), r, "", ""] + initial,
                         outputs=3, hidden_size=int(hidden), direction="reverse" if reverse else "forward")
    return [g.node("Squeeze", [y, g.ints([1])])] + [g.node("Squeeze", [t, g.ints([0])]) for t in (y_h, y_c)]


# -- modules converted as a whole ----------------------------------------------------------------
def _tuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _spatial(rec):
    return rec.args[0].ndim - 2


def _conv_accepts(m, rec):
    return m.padding_mode == "zeros" and rec.args[0].ndim == len(m.kernel_size) + 2 and len(rec.args) == 1


def _conv_pads(m, n):
    if m.padding == "valid":
        return [0] * 2 * n
    if m.padding == "same":  # PyTorch puts the odd one at the end
        total = [d * (k - 1) for d, k in zip(m.dilation, m.kernel_size)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    return list(m.padding) * 2


@_module("Conv1d", "Conv2d", "Conv3d", accepts=_conv_accepts)
def _conv(g, rec):
    m = rec.fn
    inputs = [g.name(rec.args[0]), g.name(m.weight)] + ([g.name(m.bias)] if m.bias is not None else [])
    n = len(m.kernel_size)
    return [g.node("Conv", inputs, kernel_shape=list(m.kernel_size), strides=list(m.stride),
                   pads=_conv_pads(m, n), dilations=list(m.dilation), group=m.groups)]


@_module("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", accepts=_conv_accepts)
def _conv_transpose(g, rec):
    m = rec.fn
    inputs = [g.name(rec.args[0]), g.name(m.weight)] + ([g.name(m.bias)] if m.bias is not None else [])
    return [g.node("ConvTranspose", inputs, kernel_shape=list(m.kernel_size), strides=list(m.stride),
                   pads=list(m.padding) * 2, dilations=list(m.dilation), group=m.groups,
                   output_padding=list(m.output_padding))]


def _avg_accepts(m, rec):
    dims = 1 if type(m).__name__ == "AvgPool1d" else 3 if type(m).__name__ == "AvgPool3d" else 2
    return (getattr(m, "divisor_override", None) is None and not m.ceil_mode
            and len(rec.args) == 1 and rec.args[0].ndim == dims + 2)


@_module("AvgPool1d", "AvgPool2d", "AvgPool3d", accepts=_avg_accepts)
def _avg_pool(g, rec):
    m, n = rec.fn, _spatial(rec)
    kernel = _tuple(m.kernel_size, n)
    stride = _tuple(m.stride if m.stride is not None else m.kernel_size, n)
    padding = list(_tuple(m.padding, n))
    return [g.node("AveragePool", [g.name(rec.args[0])], kernel_shape=list(kernel), strides=list(stride),
                   pads=padding * 2, count_include_pad=int(m.count_include_pad))]


def _adaptive_sizes(m, rec):
    x = rec.args[0]
    n = x.ndim - 2
    sizes = _tuple(m.output_size, n)
    return tuple(x.shape)[2:], tuple(s if o is None else o for s, o in zip(tuple(x.shape)[2:], sizes))


def _adaptive_accepts(m, rec):
    if len(rec.args) != 1 or rec.args[0].ndim < 3:
        return False
    spatial, out = _adaptive_sizes(m, rec)
    return len(spatial) == len(out) and all(s % o == 0 for s, o in zip(spatial, out))


@_module("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", accepts=_adaptive_accepts)
def _adaptive_avg_pool(g, rec):
    """Global pooling, or equal windows where the output size divides the input's."""
    spatial, out = _adaptive_sizes(rec.fn, rec)
    x = g.name(rec.args[0])
    if all(o == 1 for o in out):
        return [g.node("GlobalAveragePool", [x])]
    kernel = [s // o for s, o in zip(spatial, out)]
    return [g.node("AveragePool", [x], kernel_shape=kernel, strides=kernel)]


def _bn_accepts(m, rec):
    return (not m.training and m.running_mean is not None and len(rec.args) == 1
            and rec.args[0].ndim >= 2)


@_module("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", accepts=_bn_accepts)
def _batch_norm(g, rec):
    m, x = rec.fn, rec.args[0]
    dtype, c = np_dtype(x), m.running_mean.shape[0]
    scale = g.name(m.weight) if m.weight is not None else g.const(np.ones(c), dtype)
    bias = g.name(m.bias) if m.bias is not None else g.const(np.zeros(c), dtype)
    return [g.node("BatchNormalization", [g.name(x), scale, bias, g.name(m.running_mean),
                                          g.name(m.running_var)], epsilon=float(m.eps))]


@_module("Embedding", accepts=lambda m, rec: len(rec.args) == 1)
def _embedding(g, rec):
    m = rec.fn
    return [g.node("Gather", [g.name(m.weight), g.operand(rec.args[0], np.int64)], axis=0)]
