"""scaled_dot_product_attention, MultiheadAttention and the Transformer modules against PyTorch
(same weights through state_dict; outputs, input gradients and parameter gradients)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from harness import Arr, check
from inputs import arrs


def _float(draw, shape, dtype="float64", grad=True):
    return draw(arrs(shape=shape, dtype=dtype, requires_grad=grad, specials=False, kinks=False))


@st.composite
def sdpa_cases(draw):
    batch = draw(st.sampled_from([(), (2,), (2, 3)]))
    length, keys, size, vsize = (draw(st.integers(1, 4)) for _ in range(4))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    q = _float(draw, batch + (length, size), dtype)
    k = _float(draw, batch + (keys, size), dtype)
    v = _float(draw, batch + (keys, vsize), dtype)
    kind = draw(st.sampled_from(["none", "bool", "float", "causal"]))
    kwargs = {"scale": draw(st.sampled_from([None, 0.3]))}
    mask = None
    if kind == "bool":
        mask = Arr(draw(arrs(shape=(length, keys), dtype="bool")).array)
    elif kind == "float":
        mask = Arr(np.where(draw(arrs(shape=(length, keys), dtype="bool")).array, -np.inf, 0.5).astype(dtype))
    elif kind == "causal":
        kwargs["is_causal"] = True
    return q, k, v, mask, kwargs


@given(sdpa_cases())
def test_scaled_dot_product_attention(case):
    q, k, v, mask, kwargs = case
    check(lambda lib, q, k, v, m: lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m, **kwargs),
          q, k, v, mask, grad2=q.array.dtype == np.float64)


@given(st.data())
def test_scaled_dot_product_attention_gqa(data):
    q = _float(data.draw, (2, 4, 3, 5))
    kv_heads = data.draw(st.sampled_from([1, 2, 3, 4]))
    k, v = _float(data.draw, (2, kv_heads, 3, 5)), _float(data.draw, (2, kv_heads, 3, 2))
    gqa = data.draw(st.booleans())
    check(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=gqa), q, k, v)


@pytest.mark.parametrize("shapes,kwargs", [
    (((3, 4), (3, 5), (3, 2)), {}),  # embedding sizes differ
    (((3, 4), (2, 4), (3, 2)), {}),  # key and value lengths differ
    (((4,), (4,), (4,)), {}),
    (((3, 4), (3, 4), (3, 4)), {"is_causal": True, "attn_mask": "bool"}),
    (((3, 4), (3, 4), (3, 4)), {"dropout_p": 1.5}),
    (((3, 4), (3, 4), (3, 4)), {"attn_mask": "int"}),
])
def test_scaled_dot_product_attention_errors(shapes, kwargs):
    args = [Arr(np.ones(s, dtype=np.float32)) for s in shapes]
    masks = {"bool": Arr(np.ones((3, 3), dtype=bool)), "int": Arr(np.ones((3, 3), dtype=np.int64))}
    kwargs = {k: masks.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}

    def fn(lib, q, k, v, mask=None):
        extra = dict(kwargs, attn_mask=mask) if "attn_mask" in kwargs else kwargs
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, **extra)
    check(fn, *args, kwargs.get("attn_mask"))


def _state_of(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def _module_fn(name, args, kwargs, state, train, call_kwargs):
    """fn(lib, *inputs): build lib.nn.<name> with the given state, run it, backward a fixed
    upstream through every float output; return (outputs, parameter grads)."""
    def fn(lib, *inputs):
        module = getattr(lib.nn, name)(*args, **kwargs)
        module.load_state_dict({k: lib.tensor(np.array(v)) for k, v in state.items()})
        module.train(train)
        out = module(*inputs, **call_kwargs)
        flat = [o for o in (out if isinstance(out, tuple) else (out,)) if o is not None]
        total = sum((o * (1.0 + lib.arange(o.numel(), dtype=o.dtype).reshape(o.shape) / 7)).sum() for o in flat)
        total.backward()
        return tuple(o.detach() for o in flat), {k: p.grad for k, p in module.named_parameters()}
    return fn


@settings(max_examples=30)
@given(st.data())
def test_multihead_attention(data):
    embed, heads = data.draw(st.sampled_from([(4, 1), (4, 2), (6, 3)]))
    kdim, vdim = data.draw(st.sampled_from([(None, None), (3, 5)]))
    kwargs = dict(bias=data.draw(st.booleans()), batch_first=data.draw(st.booleans()), kdim=kdim, vdim=vdim,
                  add_bias_kv=data.draw(st.booleans()), add_zero_attn=data.draw(st.booleans()))
    torch.manual_seed(data.draw(st.integers(0, 100)))
    state = _state_of(torch.nn.MultiheadAttention(embed, heads, **kwargs))
    batch, length, keys = 2, data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    batched = data.draw(st.booleans())
    layout = (lambda s: (batch, s)) if kwargs["batch_first"] else (lambda s: (s, batch))
    shape = (lambda s, e: layout(s) + (e,)) if batched else (lambda s, e: (s, e))
    q = _float(data.draw, shape(length, embed), "float32")
    self_attention = kdim is None and data.draw(st.booleans())
    k = q if self_attention else _float(data.draw, shape(keys, kdim or embed), "float32")
    v = q if self_attention else _float(data.draw, shape(keys, vdim or embed), "float32")
    keys = length if self_attention else keys
    call = dict(need_weights=data.draw(st.booleans()), average_attn_weights=data.draw(st.booleans()))
    padding = data.draw(st.sampled_from([None, "bool", "float"]))
    inputs = [q, k, v]
    if padding:  # never a fully padded row: PyTorch's result there depends on its code path
        pad = np.zeros((batch, keys) if batched else (keys,), dtype=bool)
        pad[..., 1:] = data.draw(arrs(shape=pad[..., 1:].shape, dtype="bool")).array
        call["key_padding_mask"] = pad if padding == "bool" else np.where(pad, -np.inf, 0.0).astype(np.float32)
    mask = data.draw(st.sampled_from([None, "bool", "float"]))
    if mask:
        m = np.zeros((length, keys), dtype=bool)
        m[:, 1:] = data.draw(arrs(shape=(length, keys - 1), dtype="bool")).array
        call["attn_mask"] = m if mask == "bool" else np.where(m, -np.inf, 0.25).astype(np.float32)
    names = [n for n in ("key_padding_mask", "attn_mask") if n in call]
    arrays = [Arr(call.pop(n)) for n in names]

    def fn(lib, q, k, v, *masks):
        inner = _module_fn("MultiheadAttention", (embed, heads), kwargs, state, True,
                           dict(call, **dict(zip(names, masks))))
        return inner(lib, q, q if self_attention else k, q if self_attention else v)
    check(fn, q, k, v, *arrays, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_layers(norm_first, activation, batch_first):
    torch.manual_seed(0)
    kwargs = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
                  dropout=0.0, activation=activation, batch_first=batch_first, norm_first=norm_first,
                  layer_norm_eps=1e-4)
    state = _state_of(torch.nn.Transformer(**kwargs))
    rng = np.random.default_rng(1)
    src = Arr(rng.standard_normal((2, 5, 8) if batch_first else (5, 2, 8)).astype(np.float32), True)
    tgt = Arr(rng.standard_normal((2, 4, 8) if batch_first else (4, 2, 8)).astype(np.float32), True)
    mask = Arr(np.triu(np.full((4, 4), -np.inf, dtype=np.float32), 1))
    padding = Arr(np.array([[False] * 5, [False, False, False, True, True]]))

    def fn(lib, src, tgt, mask, padding):
        inner = _module_fn("Transformer", (), kwargs, state, True,
                           dict(tgt_mask=mask, src_key_padding_mask=padding, memory_key_padding_mask=padding,
                                tgt_is_causal=True))
        return inner(lib, src, tgt)
    check(fn, src, tgt, mask, padding, rtol=1e-4, atol=1e-5)


def test_generate_square_subsequent_mask():
    check(lambda lib: lib.nn.Transformer.generate_square_subsequent_mask(4), grad=False)
