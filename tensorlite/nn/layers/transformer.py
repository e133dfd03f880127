"""Attention and transformer modules, PyTorch's names, parameters and state_dict keys:
MultiheadAttention, TransformerEncoderLayer / DecoderLayer, TransformerEncoder / Decoder and
Transformer. All are compositions of F.linear, F.scaled_dot_product_attention, softmax,
dropout and layer_norm."""
from __future__ import annotations

import copy
import math
from typing import Callable

from ... import dtypes as _dt
from ...ops.creation import empty, full, zeros
from ...ops.elementwise import where
from ...ops.movement import cat, pad, triu
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..containers import ModuleList
from ..module import Module
from ..parameter import Parameter
from .linear import Linear
from .normalization import Dropout, LayerNorm


class MultiheadAttention(Module):
    """Multi-head attention: softmax(Q K^T / sqrt(head_dim) + mask) V per head, projected in and
    out. Parameters as PyTorch (so its state_dicts load): ``in_proj_weight`` (3E, E) and
    ``in_proj_bias`` (3E) when kdim == vdim == embed_dim, else ``q_proj_weight`` (E, E),
    ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim); ``out_proj`` (a Linear E -> E);
    ``bias_k`` / ``bias_v`` (1, 1, E) with add_bias_kv.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) returns (output, weights or None). Bool masks
    mark what may NOT be attended (True: ignore), float masks are added to the scores;
    ``is_causal`` is a hint that attn_mask is causal (it still needs attn_mask). Dropout applies
    to the attention weights in training mode.

    Shapes: query (L, N, E) (or (N, L, E) with batch_first, or (L, E) unbatched), key (S, N, kdim),
    value (S, N, vdim), key_padding_mask (N, S), attn_mask (L, S) or (N * num_heads, L, S)
    -> output like query, weights (N, L, S) (averaged over heads) or (N, num_heads, L, S).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = tl.randn(3, 5, 8)
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    (tensorlite.Size([3, 5, 8]), tensorlite.Size([3, 5, 5]))
    >>> [name for name, _ in mha.named_parameters()]
    ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                             f"and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise AssertionError(f"embed_dim must be divisible by num_heads (embed_dim={embed_dim}, "
                                 f"num_heads={num_heads})")
        super().__init__()
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        factory = dict(device=device, dtype=dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **factory))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **factory))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **factory))
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, **factory))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None,
                average_attn_weights: bool = True, is_causal: bool = False):
        batched = _check_attention_inputs(self, query, key, value)
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                               "module method `generate_square_subsequent_mask` to create this mask.")
        if not batched:  # (L, E) -> (L, 1, E)
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:  # (N, L, E) -> (L, N, E)
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        out, weights = self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                                    average_attn_weights, is_causal)
        if not batched:
            return out.squeeze(1), (weights.squeeze(0) if weights is not None else None)
        return (out.transpose(0, 1) if self.batch_first else out), weights

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask, average, is_causal):
        """Sequence-first (L, N, E) attention: PyTorch's multi_head_attention_forward."""
        length, batch, _ = query.shape
        heads, head_dim = self.num_heads, self.head_dim
        q, k, v = self._in_projection(query, key, value)
        attn_mask = _float_mask(attn_mask, "attn_mask", q.dtype)
        key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", q.dtype)
        attn_mask = _check_attn_mask_shape(attn_mask, length, key.shape[0], batch * heads)
        if self.bias_k is not None:
            k = cat([k, self.bias_k.expand(1, batch, self.embed_dim)])
            v = cat([v, self.bias_v.expand(1, batch, self.embed_dim)])
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
        q, k, v = (t.reshape(t.shape[0], batch * heads, head_dim).transpose(0, 1) for t in (q, k, v))
        if self.add_zero_attn:
            k = cat([k, zeros(batch * heads, 1, head_dim, dtype=k.dtype, device=k.device)], dim=1)
            v = cat([v, zeros(batch * heads, 1, head_dim, dtype=v.dtype, device=v.device)], dim=1)
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
        keys = k.shape[1]
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (batch, keys):
                raise AssertionError(f"expecting key_padding_mask shape of {(batch, keys)}, but got "
                                     f"{tuple(key_padding_mask.shape)}")
            padding = key_padding_mask.reshape(batch, 1, 1, keys).expand(batch, heads, 1, keys)
            padding = padding.reshape(batch * heads, 1, keys)
            attn_mask = padding if attn_mask is None else attn_mask + padding
        dropout_p = self.dropout if self.training else 0.0
        if need_weights:
            scores = (q * (1.0 / math.sqrt(head_dim))) @ k.transpose(1, 2)
            if attn_mask is not None:
                scores = scores + attn_mask
            weights = F.softmax(scores, dim=-1)
            out = F.dropout(weights, dropout_p) @ v
        else:
            causal = is_causal and key_padding_mask is None  # PyTorch then drops the mask for is_causal
            if attn_mask is not None and not causal:  # (1 or N * heads, L or 1, S) -> 4-D, broadcastable
                attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1
                             else attn_mask.reshape(batch, heads, -1, keys))
            q, k, v = (t.reshape(batch, heads, t.shape[1], head_dim) for t in (q, k, v))
            out = F.scaled_dot_product_attention(q, k, v, None if causal else attn_mask, dropout_p, causal)
            out = out.reshape(batch * heads, length, head_dim)
            weights = None
        out = out.transpose(0, 1).reshape(length * batch, self.embed_dim)
        out = F.linear(out, self.out_proj.weight, self.out_proj.bias).reshape(length, batch, self.embed_dim)
        if weights is not None:
            weights = weights.reshape(batch, heads, length, keys)
            if average:
                weights = weights.mean(dim=1)
        return out, weights

    def _in_projection(self, query, key, value):
        e = self.embed_dim
        bias = self.in_proj_bias
        b_q, b_k, b_v = (None, None, None) if bias is None else (bias[:e], bias[e:2 * e], bias[2 * e:])
        if not self._qkv_same_embed_dim:
            return (F.linear(query, self.q_proj_weight, b_q), F.linear(key, self.k_proj_weight, b_k),
                    F.linear(value, self.v_proj_weight, b_v))
        weight = self.in_proj_weight
        if query is key and key is value:  # self-attention: one matmul
            return F.linear(query, weight, bias).chunk(3, dim=-1)
        return (F.linear(query, weight[:e], b_q), F.linear(key, weight[e:2 * e], b_k),
                F.linear(value, weight[2 * e:], b_v))

    def extra_repr(self) -> str:
        return ""


def _check_attention_inputs(mha, query, key, value) -> bool:
    """PyTorch's checks (AssertionError, its messages); True when the inputs are batched."""
    if query.ndim not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.ndim}-D query tensor")
    if key.ndim != query.ndim or value.ndim != query.ndim:
        kind = "batched (3-D)" if query.ndim == 3 else "unbatched (2-D)"
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {query.ndim}-D but "
                             f"found {key.ndim}-D and {value.ndim}-D tensors respectively")
    if query.shape[-1] != mha.embed_dim:
        raise AssertionError(f"was expecting embedding dimension of {mha.embed_dim}, but got "
                             f"{query.shape[-1]}")
    if key.shape[-1] != mha.kdim or value.shape[-1] != mha.vdim:
        raise AssertionError(f"key and value must have kdim={mha.kdim} and vdim={mha.vdim} features, got "
                             f"key {list(key.shape)} and value {list(value.shape)}")
    if tuple(key.shape[:-1]) != tuple(value.shape[:-1]):
        raise AssertionError(f"key shape {list(key.shape)} does not match value shape {list(value.shape)}")
    seq_dim = 1 if query.ndim == 3 and mha.batch_first else 0
    batch_dim = 1 - seq_dim
    if query.ndim == 3 and query.shape[batch_dim] != key.shape[batch_dim]:
        raise AssertionError(f"query, key and value must have the same batch size, got query "
                             f"{list(query.shape)} and key {list(key.shape)}")
    return query.ndim == 3


def _float_mask(mask, name, dtype):
    """A bool mask (True: masked) becomes 0 / -inf in dtype; a float mask is kept."""
    if mask is None:
        return None
    if mask.dtype is _dt.bool_:
        return where(mask, -math.inf, 0.0).to(dtype)
    if not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported, got {mask.dtype}")
    return mask


def _check_attn_mask_shape(attn_mask, length, keys, batch_heads):
    if attn_mask is None:
        return None
    if attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (length, keys):
            raise RuntimeError(f"The shape of the 2D attn_mask is {list(attn_mask.shape)}, but should be "
                               f"{(length, keys)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.ndim == 3:
        if tuple(attn_mask.shape) != (batch_heads, length, keys):
            raise RuntimeError(f"The shape of the 3D attn_mask is {list(attn_mask.shape)}, but should be "
                               f"{(batch_heads, length, keys)}.")
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported (2-D (L, S) or 3-D "
                       f"(N * num_heads, L, S))")


def _pad_last(mask):
    return None if mask is None else pad(mask, (0, 1))


def _activation_fn(activation) -> Callable[[Tensor], Tensor]:
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block (linear1 -> activation -> dropout -> linear2), each
    with a residual connection and LayerNorm: after it (post-norm, the default) or before it
    (``norm_first=True``). ``activation`` is "relu", "gelu" or a callable.

    Shapes: src (S, N, d_model) (or (N, S, d_model) with batch_first, or (S, d_model)) -> the same.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    >>> layer(tl.randn(3, 5, 8)).shape
    tensorlite.Size([3, 5, 8])
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None):
        act = _activation_fn(activation)
        super().__init__()
        factory = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = act

    def forward(self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention over tgt, cross-attention to memory (the encoder's output), then the
    feed-forward block; residuals and LayerNorm as TransformerEncoderLayer (norm1..norm3).

    Shapes: tgt (T, N, d_model), memory (S, N, d_model) (batch first with batch_first) -> like tgt.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True, norm_first=True)
    >>> layer(tl.randn(3, 4, 8), tl.randn(3, 6, 8)).shape
    tensorlite.Size([3, 4, 8])
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None):
        act = _activation_fn(activation)
        super().__init__()
        factory = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **factory)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = act

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoder(Module):
    """num_layers deep copies of encoder_layer applied in turn, then ``norm`` if given.
    ``enable_nested_tensor`` and ``mask_check`` are accepted for PyTorch's signature; they only
    select PyTorch's inference fast paths, which compute the same values.

    Shapes: src (S, N, d_model) (batch first if the layer is) -> the same.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    >>> encoder = nn.TransformerEncoder(layer, num_layers=2)
    >>> mask = nn.Transformer.generate_square_subsequent_mask(5)
    >>> encoder(tl.randn(5, 3, 8), mask=mask, is_causal=True).shape
    tensorlite.Size([5, 3, 8])
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return self.norm(out) if self.norm is not None else out


class TransformerDecoder(Module):
    """num_layers deep copies of decoder_layer applied in turn, then ``norm`` if given.

    Shapes: tgt (T, N, d_model), memory (S, N, d_model) -> like tgt.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), num_layers=2)
    >>> decoder(tl.randn(4, 3, 8), tl.randn(6, 3, 8)).shape
    tensorlite.Size([4, 3, 8])
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask,
                        memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return self.norm(out) if self.norm is not None else out


class Transformer(Module):
    """The encoder-decoder transformer of "Attention Is All You Need": an encoder stack and a
    decoder stack (each followed by a LayerNorm), parameters of dim > 1 initialised
    xavier_uniform_ as PyTorch.

    Shapes: src (S, N, d_model), tgt (T, N, d_model) (batch first with batch_first) -> like tgt.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
    ...                        dim_feedforward=16, batch_first=True)
    >>> tgt_mask = nn.Transformer.generate_square_subsequent_mask(4)
    >>> model(tl.randn(2, 6, 8), tl.randn(2, 4, 8), tgt_mask=tgt_mask).shape
    tensorlite.Size([2, 4, 8])
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", custom_encoder: Module | None = None,
                 custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        layer_args = dict(d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward, dropout=dropout,
                          activation=activation, layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                          norm_first=norm_first, bias=bias, device=device, dtype=dtype)
        norm_args = dict(eps=layer_norm_eps, bias=bias, device=device, dtype=dtype)
        self.encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            TransformerEncoderLayer(**layer_args), num_encoder_layers, LayerNorm(d_model, **norm_args))
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            TransformerDecoderLayer(**layer_args), num_decoder_layers, LayerNorm(d_model, **norm_args))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """(sz, sz) float mask: 0 on and below the diagonal, -inf above (position i may attend
        to positions <= i).

        Example:
        >>> nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[  0., -inf, -inf],
                [  0.,   0., -inf],
                [  0.,   0.,   0.]])
        """
        return triu(full((sz, sz), -math.inf, dtype=dtype or _dt.float32, device=device), diagonal=1)
