"""Scaled dot-product attention as a composition of differentiable primitives (matmul, the
Softmax primitive, where), re-exported as ``F.scaled_dot_product_attention``.

It depends on ops/ only (functional.py imports it), so its dropout draws its own mask the way
``F.dropout`` does.
"""
from __future__ import annotations

import math

from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..ops import elementwise as _ew
from ..ops.creation import arange, bernoulli, full_like
from ..ops.reduce import MaskedSoftmax as _MaskedSoftmax, Softmax as _Softmax
from ..tensor import Tensor

__all__ = ["scaled_dot_product_attention"]


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, PyTorch's reference ("math") semantics.

    ``attn_mask`` is a bool mask (True: the query may attend to that key) or a float mask added
    to the scores; it broadcasts to (..., L, S). ``is_causal`` masks key j > query i (top-left
    aligned) and excludes ``attn_mask``. ``scale`` defaults to 1/sqrt(E). Dropout with
    probability ``dropout_p`` is applied to the attention weights whenever dropout_p > 0 (there
    is no training flag: pass 0.0 in eval). A query row whose keys are all masked gives zeros
    (and zero gradients), not nan. ``enable_gqa`` lets key/value have fewer heads (dim -3) than
    query, each shared by Hq/Hkv consecutive query heads.

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); the leading
    dims broadcast.

    Example:
    >>> q = k = tl.zeros(2, 2)
    >>> v = tl.tensor([[1., 2.], [3., 4.]])
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)
    tensor([[1., 2.],
            [2., 3.]])
    >>> F.scaled_dot_product_attention(tl.zeros(2, 4, 5, 8), tl.zeros(2, 4, 6, 8), tl.zeros(2, 4, 6, 3)).shape
    tensorlite.Size([2, 4, 5, 3])
    """
    _check_qkv(query, key, value, enable_gqa)
    _check_mask(attn_mask, query, is_causal)
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"scaled_dot_product_attention(): dropout probability has to be between 0 "
                           f"and 1, but got {dropout_p}")
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        key, value = _repeat_heads(key, query.shape[-3]), _repeat_heads(value, query.shape[-3])
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else 1.0
    scores = query @ key.transpose(-2, -1)
    if is_causal and scores.numel():  # scaled, masked and normalised in one op
        weights = _MaskedSoftmax.apply(scores, _causal_keep(scores), scale)
        return _attention_dropout(weights, dropout_p) @ value
    scores = scores * scale
    if is_causal:
        weights = _softmax_last(_ew.where(_causal_keep(scores), scores, -math.inf))
    elif attn_mask is not None:
        scores = _ew.where(attn_mask, scores, -math.inf) if attn_mask.dtype is _dt.bool_ else scores + attn_mask
        weights = _safe_softmax_last(scores)
    else:
        weights = _softmax_last(scores)
    return _attention_dropout(weights, dropout_p) @ value


def _check_qkv(query, key, value, enable_gqa):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"scaled_dot_product_attention(): expected query, key and value to be at least "
                           f"2-D, but got query.dim: {query.ndim}, key.dim: {key.ndim}, value.dim: "
                           f"{value.ndim}")
    if not query.dtype is key.dtype is value.dtype:
        raise RuntimeError(f"scaled_dot_product_attention(): expected query, key and value to have the "
                           f"same dtype, but got query.dtype: {query.dtype}, key.dtype: {key.dtype}, "
                           f"value.dtype: {value.dtype}")
    if not query.is_floating_point():
        raise RuntimeError(f"scaled_dot_product_attention(): expected floating query, key and value, "
                           f"got {query.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"scaled_dot_product_attention(): query's embedding size {query.shape[-1]} "
                           f"must match key's {key.shape[-1]} (query {list(query.shape)}, key "
                           f"{list(key.shape)})")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention(): key and value must have the same sequence "
                           f"length (dim -2), got key {list(key.shape)} and value {list(value.shape)}")
    if enable_gqa:
        _check_gqa(query, key, value)


def _check_gqa(query, key, value):
    if min(query.ndim, key.ndim, value.ndim) < 3:
        raise RuntimeError("scaled_dot_product_attention(): enable_gqa=True needs a heads dim (-3) in "
                           f"query, key and value; got {query.ndim}-D, {key.ndim}-D and {value.ndim}-D")
    heads, kv_heads = query.shape[-3], key.shape[-3]
    if value.shape[-3] != kv_heads or kv_heads == 0 or heads % kv_heads:
        raise RuntimeError(f"scaled_dot_product_attention(): with enable_gqa=True the number of query heads "
                           f"({heads}) must be a multiple of the key and value heads (key {kv_heads}, "
                           f"value {value.shape[-3]}), and key and value must have the same number")


def _check_mask(attn_mask, query, is_causal):
    if attn_mask is None:
        return
    if is_causal:
        raise RuntimeError("scaled_dot_product_attention(): explicit attn_mask should not be set when "
                           "is_causal=True (the causal mask is built from is_causal alone)")
    if not isinstance(attn_mask, Tensor):
        raise TypeError(f"scaled_dot_product_attention(): attn_mask must be a Tensor, not "
                        f"{type(attn_mask).__name__}")
    if attn_mask.dtype is not _dt.bool_ and attn_mask.dtype is not query.dtype:
        raise RuntimeError(f"scaled_dot_product_attention(): expected attn_mask dtype to be bool or to "
                           f"match query dtype, but got attn_mask.dtype: {attn_mask.dtype} and "
                           f"query.dtype: {query.dtype}")


def _repeat_heads(t: Tensor, heads: int) -> Tensor:
    """(..., Hkv, S, E) -> (..., heads, S, E), each kv head repeated heads/Hkv times in a row
    (PyTorch's repeat_interleave on dim -3)."""
    *lead, kv_heads, length, size = t.shape
    group = heads // kv_heads
    expanded = t.unsqueeze(-3).expand(*lead, kv_heads, group, length, size)
    return expanded.reshape(*lead, heads, length, size)


def _causal_keep(scores: Tensor) -> Tensor:
    """(L, S) bool: key j is visible to query i when j <= i."""
    rows, cols = scores.shape[-2], scores.shape[-1]
    return arange(rows, device=scores.device).unsqueeze(1) >= arange(cols, device=scores.device)


def _softmax_last(scores: Tensor) -> Tensor:
    if scores.numel() == 0:
        return scores.exp()
    return _Softmax.apply(scores, scores.ndim - 1, False)


def _safe_softmax_last(scores: Tensor) -> Tensor:
    """softmax over the keys, zero (not nan) in rows where every key is masked (-inf), with zero
    gradient there: the scores of such rows are replaced before the softmax ("double where")."""
    dead = (scores == -math.inf).all(-1, keepdim=True)
    return _ew.where(dead, 0.0, _softmax_last(_ew.where(dead, 0.0, scores)))


def _attention_dropout(weights: Tensor, p: float) -> Tensor:
    if p == 0.0:
        return weights
    if p == 1.0:
        return weights * 0.0
    with no_grad():
        keep = bernoulli(full_like(weights, 1.0 - p)) * (1.0 / (1.0 - p))
    return weights * keep
