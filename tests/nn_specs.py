"""Op-spec rows for nn.functional: layers, activations and losses, each with an independent
NumPy reference (naive loops for convolution and pooling)."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F

from op_specs import GRID, OpSpec, near, one, two_broadcast

_ERF = np.vectorize(math.erf)


def np_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, oh, ow))
    per = o // groups
    for oc in range(o):
        g = oc // per
        for i in range(oh):
            for j in range(ow):
                patch = x[:, g * cg:(g + 1) * cg, i * stride:i * stride + dilation * (kh - 1) + 1:dilation,
                          j * stride:j * stride + dilation * (kw - 1) + 1:dilation]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def np_conv_transpose2d(x, w, stride=1, padding=0):
    n, c, h, wd = x.shape
    _, o, kh, kw = w.shape
    full = np.zeros((n, o, (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(h):
        for j in range(wd):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum("nc,cokl->nokl", x[:, :, i, j], w)
    return full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]


def np_pool(x, k, s, reduce):
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


def np_log_softmax(x, axis):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def np_batch_norm(x, w, b, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w.reshape(shape) + b.reshape(shape)


def np_layer_norm(x, w, b, eps=1e-5):
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def np_softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(np.minimum(x * beta, threshold))) / beta)


def _np_cosine_similarity(a, b, dim):
    """PyTorch's formula: broadcast first, then each norm clamped to eps separately."""
    a, b = np.broadcast_arrays(a, b)
    norms = np.maximum(np.linalg.norm(a, axis=dim), 1e-8) * np.maximum(np.linalg.norm(b, axis=dim), 1e-8)
    return (a * b).sum(axis=dim) / norms


def shapes_of(*shapes):
    return st.just(tuple(shapes))


TARGET = np.array([2, 0, 1, 2])
TARGET_IGNORE = np.array([2, -100, 1, 0])
CLASS_WEIGHT = np.array([0.5, 1.0, 2.0])


def np_cross_entropy(x, target, weight=None, ignore=-100, smoothing=0.0):
    logp = np_log_softmax(x, 1)
    valid = target != ignore
    safe = np.where(valid, target, 0)
    w = np.ones(x.shape[1]) if weight is None else weight
    picked = -logp[np.arange(len(target)), safe] * w[safe] * valid
    nll = picked.sum() / (w[safe] * valid).sum()
    smooth = (-(logp * w).sum(1) * valid).sum() / (w[safe] * valid).sum()
    return (1 - smoothing) * nll + smoothing / x.shape[1] * smooth


NN_SPECS = [
    # -- layers -----------------------------------------------------------------------------
    OpSpec("linear", lambda x, w, b: F.linear(x, w, b), lambda x, w, b: x @ w.T + b,
           st.sampled_from([((4, 3), (2, 3), (2,)), ((2, 5, 3), (4, 3), (4,)), ((3,), (2, 3), (2,))])),
    OpSpec("bilinear", lambda a, b, w: F.bilinear(a, b, w), lambda a, b, w: np.einsum("ni,kij,nj->nk", a, w, b),
           shapes_of((2, 3), (2, 4), (5, 3, 4))),
    OpSpec("conv2d", lambda x, w, b, **k: F.conv2d(x, w, b, **k), np_conv2d,
           shapes_of((2, 2, 5, 5), (3, 2, 3, 3), (3,)),
           kwargs=lambda s: st.fixed_dictionaries({"stride": st.sampled_from([1, 2]),
                                                   "padding": st.sampled_from([0, 1]),
                                                   "dilation": st.sampled_from([1, 2])})),
    OpSpec("conv2d_groups", lambda x, w: F.conv2d(x, w, None, groups=2), lambda x, w: np_conv2d(x, w, groups=2),
           shapes_of((1, 4, 4, 4), (4, 2, 2, 2))),
    OpSpec("conv1d", lambda x, w: F.conv1d(x, w, padding=1),
           lambda x, w: np_conv2d(x[:, :, None], w[:, :, None], padding=1)[:, :, 1],
           shapes_of((2, 3, 6), (2, 3, 3))),
    OpSpec("conv_transpose2d", lambda x, w, **k: F.conv_transpose2d(x, w, **k), np_conv_transpose2d,
           shapes_of((1, 2, 3, 3), (2, 3, 3, 3)),
           kwargs=lambda s: st.fixed_dictionaries({"stride": st.sampled_from([1, 2]),
                                                   "padding": st.sampled_from([0, 1])})),
    OpSpec("max_pool2d", lambda x: F.max_pool2d(x, 2), lambda x: np_pool(x, 2, 2, np.max),
           shapes_of((2, 2, 4, 5)), unique=True, elements=GRID),
    OpSpec("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 1), lambda x: np_pool(x, 3, 1, np.mean), shapes_of((1, 2, 5, 4))),
    OpSpec("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 1)),
           lambda x: np.stack([x[:, :, :3].mean((2, 3)), x[:, :, 2:].mean((2, 3))], -1)[..., None],
           shapes_of((1, 2, 5, 3))),
    OpSpec("batch_norm_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
           np_batch_norm, st.sampled_from([((4, 3), (3,), (3,)), ((2, 3, 2, 2), (3,), (3,))])),
    OpSpec("layer_norm", lambda x, w, b: F.layer_norm(x, (x.shape[-1],), w, b), np_layer_norm,
           shapes_of((3, 4), (4,), (4,))),
    OpSpec("group_norm", lambda x: F.group_norm(x, 2),
           lambda x: np_layer_norm(x.reshape(2, 2, -1), 1.0, 0.0).reshape(x.shape), shapes_of((2, 4, 3))),
    OpSpec("local_response_norm", lambda x: F.local_response_norm(x, 3, alpha=0.5),
           lambda x: x / (1 + 0.5 / 3 * sum(np.pad(x * x, ((0, 0), (1, 1), (0, 0)))[:, i:i + x.shape[1]]
                                             for i in range(3))) ** 0.75, shapes_of((2, 4, 3))),
    OpSpec("embedding", lambda w: F.embedding(tl.tensor([[0, 2], [2, 1]], device=w.device), w),
           lambda w: w[np.array([[0, 2], [2, 1]])], shapes_of((3, 4))),
    # -- activations -------------------------------------------------------------------------
    OpSpec("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x), one(),
           avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("elu", lambda x: F.elu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x)), one(),
           avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("selu", F.selu, lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
           one(), avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("gelu", F.gelu, lambda x: 0.5 * x * (1 + _ERF(x / math.sqrt(2))), one()),
    OpSpec("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
           lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))), one()),
    OpSpec("silu", F.silu, lambda x: x / (1 + np.exp(-x)), one()),
    OpSpec("mish", F.mish, lambda x: x * np.tanh(np_softplus(x)), one()),
    OpSpec("softplus", lambda x: F.softplus(x, beta=2.0, threshold=4.0), lambda x: np_softplus(x, 2.0, 4.0),
           one(), avoid=lambda a, k: near(a[0], [2.0], 1e-2)),
    OpSpec("hardtanh", F.hardtanh, lambda x: np.clip(x, -1, 1), one(), avoid=lambda a, k: near(a[0], [-1, 1], 1e-2)),
    OpSpec("relu6", F.relu6, lambda x: np.clip(x, 0, 6), one(), low=-2, high=8,
           avoid=lambda a, k: near(a[0], [0, 6], 1e-2)),
    OpSpec("hardsigmoid", F.hardsigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1), one(), low=-5, high=5,
           avoid=lambda a, k: near(a[0], [-3, 3], 1e-2)),
    OpSpec("hardswish", F.hardswish, lambda x: x * np.clip(x / 6 + 0.5, 0, 1), one(), low=-5, high=5,
           avoid=lambda a, k: near(a[0], [-3, 3], 1e-2)),
    OpSpec("celu", lambda x: F.celu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x / 0.5)), one(),
           avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("cosine_similarity_broadcast", lambda a, b, dim: F.cosine_similarity(a, b, dim=dim),
           lambda a, b, dim: _np_cosine_similarity(a, b, dim), two_broadcast(min_dims=1), low=0.5, high=2.0,
           kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(-max(map(len, s)), max(map(len, s)) - 1)})),
    OpSpec("logsigmoid", F.logsigmoid, lambda x: -np_softplus(-x), one()),
    OpSpec("softsign", F.softsign, lambda x: x / (1 + np.abs(x)), one(), avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("softmax", lambda x: F.softmax(x, -1), lambda x: np.exp(np_log_softmax(x, -1)), one(min_dims=1)),
    OpSpec("log_softmax", lambda x: F.log_softmax(x, 0), lambda x: np_log_softmax(x, 0), one(min_dims=1)),
    OpSpec("softmin", lambda x: F.softmin(x, -1), lambda x: np.exp(np_log_softmax(-x, -1)), one(min_dims=1)),
    # -- losses -----------------------------------------------------------------------------
    OpSpec("mse_loss", F.mse_loss, lambda a, b: ((a - b) ** 2).mean(), one().map(lambda s: (s[0], s[0]))),
    OpSpec("l1_loss_sum", lambda a, b: F.l1_loss(a, b, reduction="sum"), lambda a, b: np.abs(a - b).sum(),
           one().map(lambda s: (s[0], s[0])), avoid=lambda a, k: near(np.subtract(a[0], a[1]), [0], 1e-2)),
    OpSpec("smooth_l1_loss", lambda a, b: F.smooth_l1_loss(a, b, beta=0.5),
           lambda a, b: np.where(np.abs(a - b) < 0.5, (a - b) ** 2, np.abs(a - b) - 0.25).mean(),
           one().map(lambda s: (s[0], s[0])), avoid=lambda a, k: near(np.abs(np.subtract(a[0], a[1])), [0.5], 1e-2)),
    OpSpec("huber_loss", lambda a, b: F.huber_loss(a, b, reduction="none", delta=0.7),
           lambda a, b: np.where(np.abs(a - b) <= 0.7, 0.5 * (a - b) ** 2, 0.7 * (np.abs(a - b) - 0.35)),
           one().map(lambda s: (s[0], s[0])), avoid=lambda a, k: near(np.abs(np.subtract(a[0], a[1])), [0.7], 1e-2)),
    OpSpec("cross_entropy", lambda x, **k: F.cross_entropy(
        x, tl.tensor(k["target"], device=x.device),
        **{o: v.to(x.device) if isinstance(v, tl.Tensor) else v for o, v in k["options"].items() if o != "weight_np"}),
           lambda x, **k: np_cross_entropy(x, k["target"], k["options"].get("weight_np"),
                                           k["options"].get("ignore_index", -100),
                                           k["options"].get("label_smoothing", 0.0)),
           shapes_of((4, 3)),
           kwargs=lambda s: st.sampled_from([
               {"target": TARGET, "options": {}},
               {"target": TARGET_IGNORE, "options": {"ignore_index": -100, "label_smoothing": 0.2}},
               {"target": TARGET, "options": {"weight": "w", "weight_np": CLASS_WEIGHT, "label_smoothing": 0.1}},
           ]).map(_with_weight)),
    OpSpec("cross_entropy_probabilities", lambda x, p: F.cross_entropy(x, p.softmax(1), label_smoothing=0.1),
           lambda x, p: -((np.exp(np_log_softmax(p, 1)) * 0.9 + 0.1 / 3) * np_log_softmax(x, 1)).sum(1).mean(),
           shapes_of((4, 3), (4, 3))),
    OpSpec("cross_entropy_spatial", lambda x: F.cross_entropy(x, tl.tensor([[0, 2], [1, 1]], device=x.device), reduction="sum"),
           lambda x: -np.take_along_axis(np_log_softmax(x, 1), np.array([[0, 2], [1, 1]])[:, None], 1).sum(),
           shapes_of((2, 3, 2))),
    OpSpec("nll_loss", lambda x: F.nll_loss(x, tl.tensor(TARGET, device=x.device), reduction="none"),
           lambda x: -x[np.arange(4), TARGET], shapes_of((4, 3))),
    OpSpec("binary_cross_entropy", lambda x, t: F.binary_cross_entropy(x, t),
           lambda x, t: -(t * np.log(x) + (1 - t) * np.log(1 - x)).mean(), shapes_of((5,), (5,)), low=0.05, high=0.95),
    OpSpec("bce_with_logits", lambda x, t: F.binary_cross_entropy_with_logits(
        x, t.sigmoid(), pos_weight=tl.tensor([2.0], dtype=tl.float64, device=x.device)),
           lambda x, t: ((1 - 1 / (1 + np.exp(-t))) * x + (1 + 1 / (1 + np.exp(-t))) * np.log1p(np.exp(-x))).mean(),
           shapes_of((5,), (5,))),
    OpSpec("kl_div", lambda x, t: F.kl_div(x.log_softmax(-1), t.softmax(-1), reduction="batchmean"),
           lambda x, t: (np.exp(np_log_softmax(t, -1)) * (np_log_softmax(t, -1) - np_log_softmax(x, -1))).sum() / 2,
           shapes_of((2, 3), (2, 3))),
    OpSpec("cosine_embedding_loss", lambda a, b: F.cosine_embedding_loss(a, b, tl.tensor([1, -1, 1], device=a.device), margin=-0.5),
           lambda a, b: _np_cosine_embedding(a, b), shapes_of((3, 4), (3, 4)),
           avoid=lambda a, k: min(np.linalg.norm(a[0], axis=1).min(), np.linalg.norm(a[1], axis=1).min()) < 0.5),
    OpSpec("margin_ranking_loss", lambda a, b: F.margin_ranking_loss(a, b, tl.tensor([1.0, -1.0, 1.0], dtype=tl.float64, device=a.device), 0.3),
           lambda a, b: np.maximum(0, -np.array([1, -1, 1]) * (a - b) + 0.3).mean(), shapes_of((3,), (3,)),
           avoid=lambda a, k: near(-np.array([1, -1, 1]) * (a[0] - a[1]) + 0.3, [0], 1e-2)),
]


def _with_weight(kwargs):
    options = dict(kwargs["options"])
    if options.get("weight") == "w":
        options["weight"] = tl.tensor(CLASS_WEIGHT)
    return {"target": kwargs["target"], "options": options}


def _np_cosine_embedding(a, b):
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    y = np.array([1, -1, 1])
    return np.where(y == 1, 1 - cos, np.maximum(cos + 0.5, 0)).mean()
