"""nn names real programs use (nn.utils.rnn.pad_sequence, RMSNorm, BatchNorm3d, CosineSimilarity,
Unfold/Fold, ParameterDict): module behaviour and bad input; values, gradients and the
cross-backend checks of the functional forms are spec rows in tests/nn_specs.py."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
import tensorlite.nn as nn
from tensorlite.nn.utils.rnn import pad_sequence
from tensorlite.testing import check_backward


def test_pad_sequence_accepts_a_tensor_and_keeps_dtype():
    out = pad_sequence(tl.ones(2, 3, dtype=tl.int64), batch_first=True)
    assert out.dtype == tl.int64 and out.shape == (2, 3)


@pytest.mark.parametrize("seqs,kwargs,match", [
    ([], {}, "empty list"),
    ([tl.ones(2, 3), tl.ones(2, 4)], {}, r"same trailing dims.*\(2, 3\), \(2, 4\)"),
    ([tl.ones(2)], {"padding_side": "up"}, "left or right, but got 'up'"),
])
def test_pad_sequence_bad_input(seqs, kwargs, match):
    with pytest.raises(RuntimeError, match=match):
        pad_sequence(seqs, **kwargs)


def test_rms_norm_default_eps_is_the_dtype_epsilon():
    x = tl.tensor([[1e-4, -1e-4]], dtype=tl.float32)
    expected = 1e-4 / np.sqrt(1e-8 + np.finfo(np.float32).eps)
    assert np.allclose(nn.RMSNorm(2)(x).detach().numpy(), [[expected, -expected]], rtol=1e-5)
    with pytest.raises(RuntimeError, match=r"rms_norm.*normalized_shape=\[3\].*size\[1, 2\]"):
        nn.RMSNorm(3)(x)


def test_rms_norm_weight_gradient():
    m = nn.RMSNorm((2, 3), eps=1e-3, dtype=tl.float64)
    with tl.no_grad():
        m.weight.copy_(tl.linspace(0.5, 1.5, 6, dtype=tl.float64).reshape(2, 3))
    check_backward(lambda x: m(x), tl.randn(4, 2, 3, dtype=tl.float64))
    assert list(m.state_dict()) == ["weight"]


def test_batch_norm_3d_running_stats_and_dims():
    bn = nn.BatchNorm3d(2, momentum=0.5)
    x = tl.arange(48.).reshape(2, 2, 3, 2, 2)
    bn(x)
    per_channel = x.detach().numpy().transpose(1, 0, 2, 3, 4).reshape(2, -1)
    assert np.allclose(bn.running_mean.numpy(), 0.5 * per_channel.mean(1))
    assert np.allclose(bn.running_var.numpy(), 0.5 + 0.5 * per_channel.var(1, ddof=1))
    with pytest.raises(ValueError, match="expected 5D input"):
        bn(tl.ones(2, 2, 3))


@given(h=st.integers(3, 6), w=st.integers(3, 6), k=st.integers(1, 3), stride=st.integers(1, 2))
def test_fold_of_unfold_counts_each_pixel_once_per_block(h, w, k, stride):
    x = tl.randn(1, 2, h, w, dtype=tl.float64)
    cols = nn.Unfold(k, stride=stride)(x)
    back = nn.Fold((h, w), k, stride=stride)(cols)
    counts = nn.Fold((h, w), k, stride=stride)(nn.Unfold(k, stride=stride)(tl.ones_like(x)))
    assert np.allclose(back.numpy(), (x * counts).numpy())


def test_cosine_similarity_module_matches_functional():
    a, b = tl.randn(3, 4), tl.randn(3, 4)
    assert np.allclose(nn.CosineSimilarity(dim=0)(a, b).numpy(), nn.functional.cosine_similarity(a, b, 0).numpy())


def test_parameter_dict_registers_wraps_and_trains():
    params = nn.ParameterDict([("w", tl.ones(2)), ("b", nn.Parameter(tl.zeros(2)))])
    assert list(params) == ["w", "b"] and isinstance(params["w"], nn.Parameter)
    params["extra"] = tl.ones(1)
    assert [name for name, _ in params.named_parameters()] == ["w", "b", "extra"]
    assert params.pop("extra").shape == (1,) and "extra" not in params
    (params["w"] * 3 + params["b"]).sum().backward()
    assert params["w"].grad.tolist() == [3.0, 3.0]
    holder = nn.Module()
    holder.scales = nn.ParameterDict({"z": tl.ones(1), "a": tl.ones(1)})
    assert list(holder.state_dict()) == ["scales.a", "scales.z"]


@pytest.mark.parametrize("getter,target,message", [
    ("get_parameter", "0.nope", "Linear has no attribute `nope`"),
    ("get_parameter", "1.running_mean", "`running_mean` is not an nn.Parameter"),
    ("get_buffer", "0.weight", "`weight` is not a buffer"),
    ("get_parameter", "2.weight", "Sequential has no attribute `2`"),
    ("get_parameter", "0.training", "`training` is not an nn.Parameter"),
])
def test_get_parameter_and_get_buffer_errors_name_the_path(getter, target, message):
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert model.get_parameter("0.bias") is model[0].bias
    assert model.get_buffer("1.num_batches_tracked") is model[1].num_batches_tracked
    with pytest.raises(AttributeError, match=message):
        getattr(model, getter)(target)


@pytest.mark.parametrize("recurse", [True, False])
def test_to_empty_gives_new_storage_of_the_same_shapes(recurse):
    device = tl.ones(1).device
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    before = {name: t for name, t in model.state_dict(keep_vars=True).items()}
    model.to_empty(device=device, recurse=recurse)
    after = model.state_dict(keep_vars=True)
    assert all(after[k] is before[k] and after[k].shape == before[k].shape and after[k].dtype == before[k].dtype
               and after[k].device == device for k in before)
    with tl.no_grad():
        model[0].weight.fill_(1.0)
    assert model[0].weight.requires_grad and model[0].weight.sum().item() == 6.0


def test_embedding_bag_max_gives_the_whole_gradient_to_a_zero_row():
    # a row equal to the reduction's start value (0) must not share the gradient with it
    w = tl.tensor([[0.0, -1.0], [-2.0, -3.0]], dtype=tl.float64, requires_grad=True)
    nn.functional.embedding_bag(tl.tensor([[0, 1]]), w, mode="max").sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_embedding_bag_module_and_bad_input():
    bag = nn.EmbeddingBag(4, 2, mode="mean", padding_idx=0)
    assert bag.weight[0].tolist() == [0.0, 0.0]
    out = bag(tl.tensor([0, 0, 1, 2]), tl.tensor([0, 2]))
    assert out[0].tolist() == [0.0, 0.0] and np.allclose(out[1].detach().numpy(), bag.weight[1:3].mean(0).detach().numpy())
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max, got 'median'"):
        nn.EmbeddingBag(4, 2, mode="median")
    with pytest.raises(ValueError, match="input is 2D, then offsets has to be None"):
        bag(tl.tensor([[1, 2]]), tl.tensor([0]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor"):
        bag(tl.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match=r"per_sample_weights need mode='sum' \(got 'mean'\)"):
        bag(tl.tensor([1, 2]), tl.tensor([0]), per_sample_weights=tl.ones(2))
