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


# -- issue 11: pooling and convolution in 1 and 3 dims, resampling, instance norm, GLU, losses -------
def np_windows_nd(x, kernel, stride, padding, dilation, pad_value):
    """(N, C, *spatial) -> (N, C, *out, prod(kernel)): every window, naive loops (no ceil_mode)."""
    import itertools
    nd = len(kernel)
    x = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding), constant_values=pad_value)
    out = [(x.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(nd)]
    windows = np.zeros(x.shape[:2] + tuple(out) + (int(np.prod(kernel)),))
    for pos in itertools.product(*[range(o) for o in out]):
        for t, offset in enumerate(itertools.product(*[range(k) for k in kernel])):
            src = tuple(p * s + o * d for p, s, o, d in zip(pos, stride, offset, dilation))
            windows[(slice(None), slice(None)) + pos + (t,)] = x[(slice(None), slice(None)) + src]
    return windows


def np_max_pool(x, k, s, p=0, d=1):
    nd = x.ndim - 2
    return np_windows_nd(x, (k,) * nd, (s,) * nd, (p,) * nd, (d,) * nd, -np.inf).max(-1)


def np_avg_pool(x, k, s, p=0):
    nd = x.ndim - 2
    return np_windows_nd(x, (k,) * nd, (s,) * nd, (p,) * nd, (1,) * nd, 0.0).mean(-1)


def np_conv3d(x, w, stride=1, padding=0, dilation=1, groups=1):
    n, c = x.shape[:2]
    o, cg, *kernel = w.shape
    cols = [np_windows_nd(x[:, g * cg:(g + 1) * cg], kernel, (stride,) * 3, (padding,) * 3, (dilation,) * 3, 0.0)
            for g in range(groups)]      # each (N, cg, OD, OH, OW, K)
    per = o // groups
    return np.concatenate([np.einsum("ncdhwk,ock->nodhw", cols[g], w[g * per:(g + 1) * per].reshape(per, cg, -1))
                           for g in range(groups)], axis=1)


def np_conv_transpose1d(x, w, stride=1, padding=0):
    n, c, length = x.shape
    _, o, k = w.shape
    full = np.zeros((n, o, (length - 1) * stride + k))
    for i in range(length):
        full[:, :, i * stride:i * stride + k] += np.einsum("nc,cok->nok", x[:, :, i], w)
    return full[:, :, padding:full.shape[2] - padding]


def np_conv_transpose3d(x, w, stride=1, padding=0):
    import itertools
    n, c, *spatial = x.shape
    _, o, *kernel = w.shape
    full = np.zeros((n, o) + tuple((s - 1) * stride + k for s, k in zip(spatial, kernel)))
    for pos in itertools.product(*[range(s) for s in spatial]):
        box = tuple(slice(p * stride, p * stride + k) for p, k in zip(pos, kernel))
        full[(slice(None), slice(None)) + box] += np.einsum("nc,cokhw->nokhw", x[(slice(None), slice(None)) + pos], w)
    return full[(slice(None), slice(None)) + tuple(slice(padding, e - padding) for e in full.shape[2:])]


def np_adaptive(x, sizes, reduce):
    """PyTorch's adaptive windows [floor(i*L/o), ceil((i+1)*L/o)) per spatial dim, naive."""
    import itertools
    spatial = x.shape[2:]
    bounds = [[((i * n) // o, -(-((i + 1) * n) // o)) for i in range(o)] for n, o in zip(spatial, sizes)]
    out = np.zeros(x.shape[:2] + tuple(sizes))
    for pos in itertools.product(*[range(o) for o in sizes]):
        box = tuple(slice(*bounds[d][i]) for d, i in enumerate(pos))
        cell = x[(slice(None), slice(None)) + box]
        out[(slice(None), slice(None)) + pos] = reduce(cell.reshape(cell.shape[:2] + (-1,)), axis=-1)
    return out


UNPOOL_INDEX = np.array([[[[0, 3], [9, 14]], [[5, 2], [13, 11]]]])   # (1, 2, 2, 2) into 4x4 planes


def np_max_unpool2d(x):
    out = np.zeros((1, 2, 16))
    for c in range(2):
        out[0, c, UNPOOL_INDEX[0, c].ravel()] = x[0, c].ravel()
    return out.reshape(1, 2, 4, 4)


def np_linear_weights(n_in, n_out, align_corners):
    """(n_out, n_in) interpolation matrix of 'linear' (PyTorch's source-index rule)."""
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        if align_corners:
            src = i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            src = max((i + 0.5) * n_in / n_out - 0.5, 0.0)
        lo = min(int(np.floor(src)), n_in - 1)
        hi = min(lo + 1, n_in - 1)
        lam = src - lo
        m[i, lo] += 1 - lam
        m[i, hi] += lam
    return m


def np_cubic_weights(n_in, n_out, align_corners, a=-0.75):
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        src = (i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0) if align_corners \
            else (i + 0.5) * n_in / n_out - 0.5
        base = int(np.floor(src))
        t = src - base
        for j, dist in enumerate((t + 1, t, 1 - t, 2 - t)):
            w = ((a + 2) * dist - (a + 3)) * dist * dist + 1 if dist <= 1 else \
                ((a * dist - 5 * a) * dist + 8 * a) * dist - 4 * a
            m[i, min(max(base - 1 + j, 0), n_in - 1)] += w
    return m


def np_resample(x, matrices):
    """Apply one (out, in) matrix per spatial dim (the last dims of x)."""
    for axis, m in zip(range(2, x.ndim), matrices):
        x = np.moveaxis(np.tensordot(m, np.moveaxis(x, axis, 0), axes=(1, 0)), 0, axis)
    return x


def np_nearest_matrix(n_in, n_out):
    m = np.zeros((n_out, n_in))
    ratio = np.float32(np.float32(n_in) / np.float32(n_out))
    for i in range(n_out):
        m[i, min(int(np.floor(np.float32(i) * ratio)), n_in - 1)] = 1.0
    return m


def np_pixel_shuffle(x, r):
    n, c, h, w = x.shape
    return x.reshape(n, c // (r * r), r, r, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(n, c // (r * r), h * r, w * r)


def np_instance_norm(x, w, b, eps=1e-5):
    axes = tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w.reshape(shape) + b.reshape(shape)


def np_distance(a, b, p=2.0, eps=1e-6):
    return (np.abs(a - b + eps) ** p).sum(-1) ** (1 / p)


def _triplet_margin(a, pos, neg, margin=1.0, p=2.0):
    return margin + np_distance(a, pos, p) - np_distance(a, neg, p)


NN_SPECS += [
    OpSpec("conv3d", lambda x, w, **k: F.conv3d(x, w, **k), np_conv3d, shapes_of((1, 2, 4, 3, 4), (2, 2, 2, 2, 2)),
           kwargs=lambda s: st.fixed_dictionaries({"stride": st.sampled_from([1, 2]),
                                                   "padding": st.sampled_from([0, 1]),
                                                   "dilation": st.sampled_from([1, 2])})),
    OpSpec("conv3d_groups", lambda x, w: F.conv3d(x, w, groups=2), lambda x, w: np_conv3d(x, w, groups=2),
           shapes_of((2, 4, 3, 3, 2), (4, 2, 2, 2, 1))),
    OpSpec("conv_transpose1d", lambda x, w, **k: F.conv_transpose1d(x, w, **k), np_conv_transpose1d,
           shapes_of((2, 2, 4), (2, 3, 3)),
           kwargs=lambda s: st.fixed_dictionaries({"stride": st.sampled_from([1, 2]),
                                                   "padding": st.sampled_from([0, 1])})),
    OpSpec("conv_transpose3d", lambda x, w, **k: F.conv_transpose3d(x, w, **k), np_conv_transpose3d,
           shapes_of((1, 2, 2, 3, 2), (2, 2, 2, 2, 3)),
           kwargs=lambda s: st.fixed_dictionaries({"stride": st.sampled_from([1, 2]),
                                                   "padding": st.sampled_from([0, 1])})),
    OpSpec("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1), lambda x: np_max_pool(x, 3, 2, 1),
           shapes_of((2, 3, 7)), unique=True, elements=GRID),
    OpSpec("avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1), lambda x: np_avg_pool(x, 3, 2, 1), shapes_of((2, 2, 6))),
    OpSpec("max_pool3d", lambda x: F.max_pool3d(x, 2, 1, dilation=(1, 2, 1)),
           lambda x: np_windows_nd(x, (2, 2, 2), (1, 1, 1), (0, 0, 0), (1, 2, 1), -np.inf).max(-1),
           shapes_of((1, 2, 3, 4, 3)), unique=True, elements=GRID),
    OpSpec("avg_pool3d", lambda x: F.avg_pool3d(x, 2, 2, 1), lambda x: np_avg_pool(x, 2, 2, 1),
           shapes_of((1, 2, 3, 4, 3))),
    OpSpec("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3),
           lambda x: np_adaptive(x, (3,), np.mean), shapes_of((2, 2, 7))),
    OpSpec("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (2, 3)),
           lambda x: np_adaptive(x, (2, 3), np.max), shapes_of((1, 2, 5, 4)), unique=True, elements=GRID),
    OpSpec("adaptive_max_pool1d", lambda x: F.adaptive_max_pool1d(x, 3),
           lambda x: np_adaptive(x, (3,), np.max), shapes_of((2, 2, 5)), unique=True, elements=GRID),
    OpSpec("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 1, 3)),
           lambda x: np_adaptive(x, (2, 1, 3), np.mean), shapes_of((1, 2, 3, 2, 4))),
    OpSpec("adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, (2, 1, 2)),
           lambda x: np_adaptive(x, (2, 1, 2), np.max), shapes_of((1, 2, 3, 2, 3)), unique=True, elements=GRID),
    OpSpec("max_unpool2d", lambda x: F.max_unpool2d(x, tl.tensor(UNPOOL_INDEX, device=x.device), 2),
           np_max_unpool2d, shapes_of((1, 2, 2, 2))),
    OpSpec("interpolate_nearest", lambda x: F.interpolate(x, size=(5, 2)),
           lambda x: np_resample(x, [np_nearest_matrix(3, 5), np_nearest_matrix(4, 2)]), shapes_of((1, 2, 3, 4))),
    OpSpec("interpolate_linear", lambda x, **k: F.interpolate(x, size=5, mode="linear", **k),
           lambda x, **k: np_resample(x, [np_linear_weights(3, 5, k["align_corners"])]), shapes_of((2, 2, 3)),
           kwargs=lambda s: st.fixed_dictionaries({"align_corners": st.booleans()})),
    OpSpec("interpolate_bilinear", lambda x, **k: F.interpolate(x, size=(4, 2), mode="bilinear", **k),
           lambda x, **k: np_resample(x, [np_linear_weights(3, 4, k["align_corners"]),
                                          np_linear_weights(5, 2, k["align_corners"])]), shapes_of((1, 2, 3, 5)),
           kwargs=lambda s: st.fixed_dictionaries({"align_corners": st.booleans()})),
    OpSpec("interpolate_trilinear", lambda x: F.interpolate(x, size=(3, 2, 3), mode="trilinear"),
           lambda x: np_resample(x, [np_linear_weights(2, 3, False), np_linear_weights(3, 2, False),
                                     np_linear_weights(2, 3, False)]), shapes_of((1, 1, 2, 3, 2))),
    OpSpec("interpolate_bicubic", lambda x, **k: F.interpolate(x, size=(5, 3), mode="bicubic", **k),
           lambda x, **k: np_resample(x, [np_cubic_weights(3, 5, k["align_corners"]),
                                          np_cubic_weights(4, 3, k["align_corners"])]), shapes_of((1, 2, 3, 4)),
           kwargs=lambda s: st.fixed_dictionaries({"align_corners": st.booleans()})),
    OpSpec("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), lambda x: np_pixel_shuffle(x, 2), shapes_of((2, 8, 2, 3))),
    OpSpec("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2),
           lambda x: _np_pixel_unshuffle(x, 2), shapes_of((1, 2, 4, 2))),
    OpSpec("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b), np_instance_norm,
           st.sampled_from([((2, 3, 4), (3,), (3,)), ((2, 2, 3, 2), (2,), (2,))])),
    OpSpec("glu", lambda x: F.glu(x, 1), lambda x: x[:, :2] / (1 + np.exp(-x[:, 2:])), shapes_of((3, 4, 2))),
    OpSpec("pairwise_distance", lambda a, b: F.pairwise_distance(a, b, 3.0), lambda a, b: np_distance(a, b, 3.0),
           shapes_of((3, 4), (3, 4)), avoid=lambda a, k: np.abs(a[0] - a[1]).min() < 0.05),
    OpSpec("triplet_margin_loss", lambda a, p, n: F.triplet_margin_loss(a, p, n, reduction="none"),
           lambda a, p, n: np.maximum(_triplet_margin(a, p, n), 0), shapes_of((3, 4), (3, 4), (3, 4)),
           avoid=lambda a, k: near(_triplet_margin(*a), [0], 1e-2) or min(np.abs(a[0] - a[1]).min(),
                                                                          np.abs(a[0] - a[2]).min()) < 0.05),
    OpSpec("poisson_nll_loss", lambda x, t: F.poisson_nll_loss(x, t, log_input=False, full=True),
           lambda x, t: (x - t * np.log(x + 1e-8) + np.where(t > 1, t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t),
                                                              0)).mean(),
           shapes_of((5,), (5,)), low=0.2, high=3.0, avoid=lambda a, k: near(a[1], [1.0], 1e-2)),
    OpSpec("poisson_nll_loss_log_input", lambda x, t: F.poisson_nll_loss(x, t, reduction="sum"),
           lambda x, t: (np.exp(x) - t * x).sum(), shapes_of((2, 3), (2, 3))),
    OpSpec("gaussian_nll_loss", lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True, reduction="none"),
           lambda x, t, v: 0.5 * (np.log(v[..., None]) + (x - t) ** 2 / v[..., None]) + 0.5 * np.log(2 * np.pi),
           shapes_of((3, 2), (3, 2), (3,)), low=0.2, high=3.0),
]


def _np_pixel_unshuffle(x, r):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // r, r, w // r, r).transpose(0, 1, 3, 5, 2, 4).reshape(n, c * r * r, h // r, w // r)


# -- margin losses: hinge embedding, soft margin, multi-label / multi-class margins, triplet with distance --
HINGE_TARGET = np.array([1, -1, 1, -1, 0])
MULTI_TARGET = np.array([2, 0, 3])
MULTI_WEIGHT = np.array([0.5, 1.0, 2.0, 1.5])
MULTILABEL_TARGET = np.array([[3, 0, -1, 1], [1, 1, 2, -1], [-1, 2, 0, 0]])


def _np_hinge(x, margin=0.5):
    return np.where(HINGE_TARGET != 1, np.maximum(margin - x, 0), 0) + np.where(HINGE_TARGET != -1, x, 0)


def _np_multi_margin_terms(x, margin=0.7):
    """margin - x[y] + x[j] for every sample and class j (nan at j == y)."""
    z = margin - x[np.arange(len(MULTI_TARGET)), MULTI_TARGET][:, None] + x
    z[np.arange(len(MULTI_TARGET)), MULTI_TARGET] = np.nan
    return z


def _np_multi_margin(x, margin=0.7):
    z = _np_multi_margin_terms(x, margin)
    h = np.where(z > 0, z * z, 0.0) * MULTI_WEIGHT[MULTI_TARGET][:, None]
    return h.sum(1) / x.shape[1]


def _np_multilabel_terms(x):
    """[(1 - x[y] + x[k]) for each listed target y and non-target k] per sample."""
    out = []
    for row, target in zip(x, MULTILABEL_TARGET):
        listed = list(target[:list(target).index(-1)] if -1 in target else target)
        out.append([1 - row[y] + row[k] for y in listed for k in range(len(row)) if k not in listed])
    return out


def _np_multilabel_margin(x):
    return np.array([sum(max(z, 0.0) for z in terms) for terms in _np_multilabel_terms(x)]) / x.shape[1]


def _np_triplet_swap(a, pos, neg, margin=1.5):
    return margin + np_distance(a, pos) - np.minimum(np_distance(a, neg), np_distance(pos, neg))


def _t(values, like, dtype=None):
    return tl.tensor(values, dtype=dtype if dtype is not None else like.dtype, device=like.device)


NN_SPECS += [
    OpSpec("hinge_embedding_loss", lambda x: F.hinge_embedding_loss(x, _t(HINGE_TARGET, x, tl.int64), 0.5,
                                                                     reduction="none"),
           _np_hinge, shapes_of((5,)), avoid=lambda a, k: near(0.5 - a[0], [0], 1e-2)),
    OpSpec("soft_margin_loss", lambda x: F.soft_margin_loss(x, _t([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]], x)),
           lambda x: np.log1p(np.exp(-np.array([[1, -1, 1], [-1, -1, 1]]) * x)).mean(), shapes_of((2, 3))),
    OpSpec("multilabel_soft_margin_loss",
           lambda x, t: F.multilabel_soft_margin_loss(x, t, weight=_t(MULTI_WEIGHT, x), reduction="none"),
           lambda x, t: (-(t * -np.log1p(np.exp(-x)) + (1 - t) * -np.log1p(np.exp(x))) * MULTI_WEIGHT).mean(1),
           shapes_of((3, 4), (3, 4))),
    OpSpec("multi_margin_loss", lambda x: F.multi_margin_loss(x, _t(MULTI_TARGET, x, tl.int64), p=2, margin=0.7,
                                                              weight=_t(MULTI_WEIGHT, x), reduction="none"),
           _np_multi_margin, shapes_of((3, 4)), avoid=lambda a, k: near(_np_multi_margin_terms(a[0]), [0], 1e-2)),
    OpSpec("multi_margin_loss_p1", lambda x: F.multi_margin_loss(x, _t(MULTI_TARGET, x, tl.int64)),
           lambda x: np.nansum(np.maximum(_np_multi_margin_terms(x, 1.0), 0), 1).mean() / 4, shapes_of((3, 4)),
           avoid=lambda a, k: near(_np_multi_margin_terms(a[0], 1.0), [0], 1e-2)),
    OpSpec("multilabel_margin_loss",
           lambda x: F.multilabel_margin_loss(x, _t(MULTILABEL_TARGET, x, tl.int64), reduction="none"),
           _np_multilabel_margin, shapes_of((3, 4)),
           avoid=lambda a, k: any(near(terms, [0], 1e-2) for terms in _np_multilabel_terms(a[0]) if terms)),
    OpSpec("triplet_margin_with_distance_loss",
           lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, margin=1.5, swap=True, reduction="none"),
           lambda a, p, n: np.maximum(_np_triplet_swap(a, p, n), 0), shapes_of((3, 4), (3, 4), (3, 4)),
           avoid=lambda a, k: near(_np_triplet_swap(*a), [0], 1e-2)
           or near(np_distance(a[0], a[2]) - np_distance(a[1], a[2]), [0], 1e-2)
           or min(np.abs(a[0] - a[1]).min(), np.abs(a[0] - a[2]).min(), np.abs(a[1] - a[2]).min()) < 0.05),
]


def np_rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def np_pad_sequence(seqs, batch_first, value, left):
    length = max(len(s) for s in seqs)
    rows = [np.concatenate([np.full((length - len(s),) + s.shape[1:], value), s] if left
                           else [s, np.full((length - len(s),) + s.shape[1:], value)]) for s in seqs]
    return np.stack(rows, 0 if batch_first else 1)


def _pad_sequence(*seqs, **k):
    from tensorlite.nn.utils.rnn import pad_sequence
    return pad_sequence(list(seqs), **k)


NN_SPECS += [
    OpSpec("rms_norm", lambda x, w: F.rms_norm(x, (x.shape[-1],), w, eps=1e-3),
           lambda x, w: np_rms_norm(x, w, 1e-3), shapes_of((3, 4), (4,))),
    OpSpec("rms_norm_2d_no_weight", lambda x: F.rms_norm(x, x.shape[-2:], eps=1e-3),
           lambda x: np_rms_norm(x.reshape(2, -1), 1.0, 1e-3).reshape(x.shape), shapes_of((2, 3, 2))),
    OpSpec("batch_norm_train_3d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
           np_batch_norm, shapes_of((2, 3, 2, 2, 2), (3,), (3,))),
    OpSpec("pad_sequence", lambda a, b, c, **k: _pad_sequence(a, b, c, **k),
           lambda a, b, c, batch_first, padding_value, padding_side:
           np_pad_sequence([a, b, c], batch_first, padding_value, padding_side == "left"),
           shapes_of((3, 2), (1, 2), (4, 2)),
           kwargs=lambda s: st.fixed_dictionaries({"batch_first": st.booleans(),
                                                   "padding_value": st.sampled_from([0.0, -1.5]),
                                                   "padding_side": st.sampled_from(["left", "right"])})),
]

BAG_INDICES, BAG_OFFSETS = np.array([0, 2, 1, 1, 4, 3]), np.array([0, 2, 2, 5])


def np_embedding_bag(w, reduce, padding_idx=None, psw=None):
    rows = w[BAG_INDICES] * (1.0 if psw is None else psw[:, None])
    bounds = list(BAG_OFFSETS) + [len(BAG_INDICES)]
    out = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        picked = [rows[i] for i in range(start, stop) if BAG_INDICES[i] != padding_idx]
        out.append(reduce(np.stack(picked), 0) if picked else np.zeros(w.shape[1]))
    return np.stack(out)


def _bag(w, mode, **k):
    return F.embedding_bag(_t(BAG_INDICES, w, tl.int64), w, _t(BAG_OFFSETS, w, tl.int64), mode=mode, **k)


NN_SPECS += [
    OpSpec("embedding_bag_mean_padding", lambda w: _bag(w, "mean", padding_idx=1),
           lambda w: np_embedding_bag(w, np.mean, padding_idx=1), shapes_of((5, 3))),
    OpSpec("embedding_bag_max", lambda w: _bag(w, "max"), lambda w: np_embedding_bag(w, np.max),
           shapes_of((5, 3)), unique=True, elements=GRID),
    OpSpec("embedding_bag_sum_weighted", lambda w, p: _bag(w, "sum", per_sample_weights=p),
           lambda w, p: np_embedding_bag(w, np.sum, psw=p), shapes_of((5, 3), (6,))),
]
