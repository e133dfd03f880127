"""scaled_dot_product_attention, MultiheadAttention and the Transformer modules: float64
gradients (first and second order), masks, PyTorch's parameter names and errors, and OpenCL
against NumPy. (conformance/test_attention.py compares values with PyTorch itself.)"""
import copy
import math

import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite import nn
from tensorlite.testing import check_backends_agree, check_backward, check_double_backward


def _reference_attention(q, k, v, keep=None, scale=None):
    """softmax(q k^T scale, masked) v written out with plain ops."""
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.transpose(-2, -1)) * scale
    if keep is not None:
        scores = tl.where(keep, scores, -math.inf)
    return scores.softmax(-1) @ v


@st.composite
def attention_inputs(draw):
    batch = draw(st.sampled_from([(), (2,), (2, 2)]))
    length, keys, size = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2 ** 16))
    gen = tl.Generator().manual_seed(seed)
    q = tl.randn(*batch, length, size, dtype=tl.float64, generator=gen)
    k = tl.randn(*batch, keys, size, dtype=tl.float64, generator=gen)
    v = tl.randn(*batch, keys, 2, dtype=tl.float64, generator=gen)
    return q, k, v


@given(attention_inputs(), st.sampled_from(["none", "bool", "float", "causal"]), st.booleans())
def test_sdpa_gradients_in_float64(qkv, mask_kind, second_order):
    q, k, v = qkv
    length, keys = q.shape[-2], k.shape[-2]
    kwargs = {}
    keep = tl.arange(length).unsqueeze(1) >= tl.arange(keys) - 1  # every row keeps a key
    if mask_kind == "bool":
        kwargs["attn_mask"] = keep
    elif mask_kind == "float":
        kwargs["attn_mask"] = tl.where(keep, 0.3, -math.inf).double()
    elif mask_kind == "causal":
        kwargs["is_causal"] = True
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs)  # noqa: E731
    (check_double_backward if second_order else check_backward)(fn, q, k, v)


@given(attention_inputs())
def test_sdpa_matches_the_written_out_formula(qkv):
    q, k, v = qkv
    keep = tl.arange(q.shape[-2]).unsqueeze(1) >= tl.arange(k.shape[-2])
    assert tl.allclose(F.scaled_dot_product_attention(q, k, v), _reference_attention(q, k, v))
    assert tl.allclose(F.scaled_dot_product_attention(q, k, v, is_causal=True), _reference_attention(q, k, v, keep))
    assert tl.allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=keep, scale=0.7),
                       _reference_attention(q, k, v, keep, 0.7))


def test_sdpa_fully_masked_rows_give_zeros_and_zero_gradients():
    q = tl.randn(3, 2, dtype=tl.float64, requires_grad=True)
    k, v = tl.randn(4, 2, dtype=tl.float64), tl.randn(4, 5, dtype=tl.float64)
    keep = tl.tensor([[True, False, True, True], [False] * 4, [True] * 4])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    assert (out[1] == 0).all() and not out.isnan().any()
    out.sum().backward()
    assert (q.grad[1] == 0).all() and not q.grad.isnan().any()
    float_mask = tl.where(keep, 0.0, -math.inf).double()
    assert tl.equal(F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask), out)


def test_sdpa_grouped_query_attention_repeats_each_kv_head():
    q = tl.randn(2, 6, 3, 4)
    k, v = tl.randn(2, 2, 3, 4), tl.randn(2, 2, 3, 5)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    expected = _reference_attention(q, tl.repeat(k.unsqueeze(2), (1, 1, 3, 1, 1)).reshape(2, 6, 3, 4),
                                    tl.repeat(v.unsqueeze(2), (1, 1, 3, 1, 1)).reshape(2, 6, 3, 5))
    assert tl.allclose(out, expected, atol=1e-6)
    with pytest.raises(RuntimeError, match="multiple of the key and value heads"):
        F.scaled_dot_product_attention(q, tl.randn(2, 4, 3, 4), tl.randn(2, 4, 3, 5), enable_gqa=True)
    with pytest.raises(RuntimeError, match="size of tensor"):
        F.scaled_dot_product_attention(q, k, v)


def test_sdpa_dropout():
    q, k, v = tl.randn(2, 3, 4), tl.randn(2, 5, 4), tl.randn(2, 5, 2)
    assert (F.scaled_dot_product_attention(q, k, v, dropout_p=1.0) == 0).all()
    tl.manual_seed(0)
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert not tl.allclose(dropped, F.scaled_dot_product_attention(q, k, v))


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.scaled_dot_product_attention(tl.ones(3, 4), tl.ones(3, 5), tl.ones(3, 2)), RuntimeError,
     r"query's embedding size 4 must match key's 5"),
    (lambda: F.scaled_dot_product_attention(tl.ones(3, 4), tl.ones(3, 4), tl.ones(2, 2)), RuntimeError,
     "same sequence length"),
    (lambda: F.scaled_dot_product_attention(tl.ones(4), tl.ones(4), tl.ones(4)), RuntimeError, "at least 2-D"),
    (lambda: F.scaled_dot_product_attention(tl.ones(3, 4), tl.ones(3, 4).double(), tl.ones(3, 4)),
     RuntimeError, "same dtype"),
    (lambda: F.scaled_dot_product_attention(tl.ones(3, 4), tl.ones(3, 4), tl.ones(3, 4),
                                            attn_mask=tl.ones(3, 3, dtype=tl.bool), is_causal=True),
     RuntimeError, "should not be set when is_causal=True"),
    (lambda: F.scaled_dot_product_attention(tl.ones(3, 4), tl.ones(3, 4), tl.ones(3, 4),
                                            attn_mask=tl.ones(3, 3, dtype=tl.int64)), RuntimeError,
     "attn_mask dtype to be bool"),
    (lambda: F.scaled_dot_product_attention(tl.ones(3, 4), tl.ones(3, 4), tl.ones(3, 4), dropout_p=1.5),
     RuntimeError, "between 0 and 1"),
])
def test_sdpa_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_multihead_attention_parameters_are_named_as_pytorch():
    mha = nn.MultiheadAttention(6, 3)
    assert list(mha.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert tuple(mha.in_proj_weight.shape) == (18, 6) and (mha.in_proj_bias == 0).all()
    separate = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, bias=False, add_bias_kv=True)
    assert list(separate.state_dict()) == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k",
                                           "bias_v", "out_proj.weight"]
    assert separate.in_proj_weight is None and tuple(separate.v_proj_weight.shape) == (4, 5)


def test_multihead_attention_weights_and_masks():
    tl.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    x = tl.randn(2, 3, 4)
    out, weights = mha(x, x, x, average_attn_weights=False)
    assert tuple(out.shape) == (2, 3, 4) and tuple(weights.shape) == (2, 2, 3, 3)
    assert tl.allclose(weights.sum(-1), tl.ones(2, 2, 3))
    padding = tl.tensor([[False, False, True], [False, False, False]])
    _, weights = mha(x, x, x, key_padding_mask=padding)
    assert (weights[0, :, 2] == 0).all() and (weights[1, :, 2] > 0).all()
    causal = nn.Transformer.generate_square_subsequent_mask(3)
    out_weights, weights = mha(x, x, x, attn_mask=causal)
    out_sdpa, none = mha(x, x, x, attn_mask=causal, need_weights=False, is_causal=True)
    assert none is None and tl.allclose(out_weights, out_sdpa, atol=1e-6)
    assert (weights.triu(1) == 0).all()
    unbatched, weights = mha(x[0], x[0], x[0], key_padding_mask=padding[0])
    assert tuple(unbatched.shape) == (3, 4) and tuple(weights.shape) == (3, 3)


def test_multihead_attention_gradients_in_float64():
    tl.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=2, add_bias_kv=True, add_zero_attn=True).double()
    q, k, v = tl.randn(3, 2, 4).double(), tl.randn(5, 2, 3).double(), tl.randn(5, 2, 2).double()
    check_backward(lambda q, k, v: mha(q, k, v)[0], q, k, v)


@pytest.mark.parametrize("call,error,match", [
    (lambda: nn.MultiheadAttention(5, 2), AssertionError, "embed_dim must be divisible by num_heads"),
    (lambda: nn.MultiheadAttention(4, 2)(tl.ones(3, 2, 3), tl.ones(3, 2, 4), tl.ones(3, 2, 4)),
     AssertionError, "expecting embedding dimension of 4, but got 3"),
    (lambda: nn.MultiheadAttention(4, 2)(tl.ones(3, 2, 4), tl.ones(3, 2, 4), tl.ones(3, 2, 4),
                                         attn_mask=tl.zeros(2, 3)), RuntimeError,
     r"The shape of the 2D attn_mask is \[2, 3\], but should be \(3, 3\)"),
    (lambda: nn.MultiheadAttention(4, 2)(tl.ones(3, 2, 4), tl.ones(3, 2, 4), tl.ones(3, 2, 4), is_causal=True),
     RuntimeError, "Need attn_mask if specifying the is_causal hint"),
    (lambda: nn.MultiheadAttention(4, 2)(tl.ones(3, 2, 4), tl.ones(3, 2, 4), tl.ones(3, 2, 4),
                                         key_padding_mask=tl.zeros(3, 2, dtype=tl.bool)),
     AssertionError, r"expecting key_padding_mask shape of \(2, 3\)"),
    (lambda: nn.TransformerEncoderLayer(4, 2, activation="tanh"), RuntimeError,
     "activation should be relu/gelu, not tanh"),
])
def test_multihead_attention_and_transformer_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer_is_its_formula(norm_first):
    tl.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, activation=F.gelu,
                                       norm_first=norm_first).double()
    x = tl.randn(5, 2, 4).double()
    attend = lambda y: layer.self_attn(y, y, y, need_weights=False)[0]  # noqa: E731
    feed = lambda y: layer.linear2(F.gelu(layer.linear1(y)))  # noqa: E731
    if norm_first:
        y = x + attend(layer.norm1(x))
        expected = y + feed(layer.norm2(y))
    else:
        y = layer.norm1(x + attend(x))
        expected = layer.norm2(y + feed(y))
    assert tl.allclose(layer(x), expected)


def test_transformer_stacks_copy_their_layer():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8)
    encoder = nn.TransformerEncoder(layer, num_layers=3)
    assert len(encoder.layers) == 3 and encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    assert tl.equal(encoder.layers[0].linear1.weight, encoder.layers[2].linear1.weight)
    model = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=8)
    names = [n for n, _ in model.named_parameters()]
    assert "decoder.layers.0.multihead_attn.in_proj_weight" in names and "encoder.norm.weight" in names
    clone = copy.deepcopy(model)
    clone.load_state_dict(model.state_dict())
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(tl.ones(3, 2, 4), tl.ones(3, 2, 5))


def test_transformer_trains():
    tl.manual_seed(0)
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
                           dropout=0.0, batch_first=True)
    src, tgt = tl.randn(4, 5, 8), tl.randn(4, 3, 8)
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    optimizer = tl.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(15):
        loss = F.mse_loss(model(src, tgt, tgt_mask=mask, tgt_is_causal=True), tgt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.backend_pair
@settings(max_examples=10)
@given(attention_inputs(), st.sampled_from(["none", "bool", "causal"]))
def test_sdpa_opencl_matches_numpy(opencl, qkv, mask_kind):
    q, k, v = qkv
    keep = tl.arange(q.shape[-2]).unsqueeze(1) >= tl.arange(k.shape[-2]) + 1  # row 0 fully masked

    def fn(q, k, v):
        if mask_kind == "bool":
            return F.scaled_dot_product_attention(q, k, v, attn_mask=keep.to(q.device))
        return F.scaled_dot_product_attention(q, k, v, is_causal=mask_kind == "causal")
    check_backends_agree(fn, q, k, v, device=opencl, rtol=1e-9, atol=1e-10)


@pytest.mark.backend_pair
def test_multihead_attention_opencl_matches_numpy(opencl):
    tl.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, batch_first=True).double()
    on_device = copy.deepcopy(mha).to(opencl)
    padding = tl.tensor([[False, False, True], [False, False, False]])
    check_backends_agree(lambda x: mha(x, x, x, key_padding_mask=padding)[0]
                         if x.device.type == "cpu" else
                         on_device(x, x, x, key_padding_mask=padding.to(opencl))[0],
                         tl.randn(2, 3, 4).double(), device=opencl, rtol=1e-9, atol=1e-10)


def test_multihead_attention_without_weights_takes_a_2d_mask_for_any_batch():
    tl.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2)
    mask = tl.tensor([[False, True], [False, False]])
    for x in (tl.randn(2, 4), tl.randn(2, 3, 4)):  # unbatched, and batch 3 with 2 heads
        fast, _ = mha(x, x, x, attn_mask=mask, need_weights=False)
        slow, _ = mha(x, x, x, attn_mask=mask)
        assert tl.allclose(fast, slow, atol=1e-6)
