"""Lazy modules (LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*): parameters are
UninitializedParameter until the first call, then materialized in place from the input's shape
(so optimizers built before keep working) and the module becomes the plain layer, as PyTorch."""
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
from tensorlite import nn
from tensorlite.nn.parameter import UninitializedBuffer, UninitializedParameter
from tensorlite.testing import check_backward


@settings(max_examples=15, deadline=None)
@given(in_features=st.integers(1, 5), out_features=st.integers(1, 4), batch=st.integers(1, 3),
       bias=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_lazy_linear_becomes_the_linear_the_same_seed_builds(in_features, out_features, batch, bias, seed):
    tl.manual_seed(seed)
    lazy = nn.LazyLinear(out_features, bias=bias)
    x = tl.randn(batch, in_features)
    y = lazy(x)
    tl.manual_seed(seed)
    _ = tl.randn(batch, in_features)  # the same draws as above, then Linear's own
    plain = nn.Linear(in_features, out_features, bias=bias)
    assert type(lazy) is nn.Linear and lazy.in_features == in_features
    assert tl.equal(lazy.weight, plain.weight) and tl.allclose(y, plain(x))
    assert (lazy.bias is None) == (not bias) and lazy._forward_pre_hooks == {}


def test_an_optimizer_built_before_the_first_call_trains_the_materialized_parameters():
    tl.manual_seed(0)
    lazy = nn.LazyLinear(2)
    optimizer = tl.optim.Adam(lazy.parameters(), lr=0.1)
    x = tl.randn(4, 3)
    loss = lazy(x).pow(2).sum()
    before = lazy.weight.detach().clone()
    loss.backward()
    optimizer.step()
    assert type(lazy.weight) is nn.Parameter and lazy.weight.shape == (2, 3)
    assert not tl.equal(lazy.weight, before)
    assert optimizer.param_groups[0]["params"][0] is lazy.weight


def test_uninitialized_parameters_refuse_shape_questions_as_pytorch():
    lazy = nn.LazyLinear(3)
    assert repr(lazy) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert isinstance(lazy.weight, UninitializedParameter) and repr(lazy.weight) == "<UninitializedParameter>"
    assert lazy.has_uninitialized_params()
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        lazy.weight.shape
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter in numel"):
        sum(p.numel() for p in lazy.parameters())
    assert list(lazy.state_dict()) == ["weight", "bias"]


def test_dtype_chosen_before_the_first_call_is_kept():
    lazy = nn.LazyLinear(3).double()
    assert lazy(tl.ones(2, 4, dtype=tl.float64)).dtype == tl.float64 and lazy.weight.dtype == tl.float64


def test_load_state_dict_materializes_from_the_checkpoint():
    source = nn.Linear(4, 3)
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(source.state_dict())
    assert lazy.weight.shape == (3, 4) and tl.equal(lazy.weight, source.weight)
    assert tl.allclose(lazy(tl.ones(2, 4)), source(tl.ones(2, 4)))


@pytest.mark.parametrize("lazy, plain, x", [
    (lambda: nn.LazyConv1d(4, 3, padding=1), lambda c: nn.Conv1d(c, 4, 3, padding=1), (2, 3, 6)),
    (lambda: nn.LazyConv2d(4, 3, groups=2), lambda c: nn.Conv2d(c, 4, 3, groups=2), (1, 2, 5, 5)),
    (lambda: nn.LazyConv2d(4, 3), lambda c: nn.Conv2d(c, 4, 3), (3, 5, 5)),  # unbatched
    (lambda: nn.LazyConv3d(2, 1), lambda c: nn.Conv3d(c, 2, 1), (1, 3, 2, 2, 2)),
    (lambda: nn.LazyConvTranspose1d(2, 2, stride=2), lambda c: nn.ConvTranspose1d(c, 2, 2, stride=2), (1, 3, 4)),
    (lambda: nn.LazyConvTranspose2d(4, 2, groups=2), lambda c: nn.ConvTranspose2d(c, 4, 2, groups=2), (1, 2, 3, 3)),
])
def test_lazy_convolutions_take_in_channels_from_the_input(lazy, plain, x):
    tl.manual_seed(0)
    module = lazy()
    inputs = tl.randn(*x)
    y = module(inputs)
    channels = x[1] if len(x) == module._dims + 2 else x[0]
    tl.manual_seed(0)
    _ = tl.randn(*x)
    reference = plain(channels)
    assert type(module) is type(reference) and repr(module) == repr(reference)
    assert tl.equal(module.weight, reference.weight) and tl.allclose(y, reference(inputs))


def test_lazy_conv_bad_inputs_raise_pytorchs_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(tl.ones(1, 3, 5, 5))
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        nn.LazyConv2d(4, 3)(tl.ones(3, 5))


def test_lazy_conv_gradients():
    tl.manual_seed(0)
    conv = nn.LazyConv1d(2, 2).double()
    check_backward(lambda x: conv(x), tl.randn(2, 3, 4, dtype=tl.float64))


@pytest.mark.parametrize("lazy, plain, shape", [
    (nn.LazyBatchNorm1d, nn.BatchNorm1d, (4, 3)),
    (nn.LazyBatchNorm2d, nn.BatchNorm2d, (2, 3, 2, 2)),
    (nn.LazyBatchNorm3d, nn.BatchNorm3d, (2, 3, 1, 2, 2)),
])
def test_lazy_batch_norm_equals_batch_norm_and_tracks_statistics(lazy, plain, shape):
    module = lazy(momentum=0.3)
    assert isinstance(module.running_mean, UninitializedBuffer)
    x = tl.randn(*shape)
    reference = plain(3, momentum=0.3)
    assert tl.allclose(module(x), reference(x))
    assert type(module) is plain and repr(module) == repr(reference)
    for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
        assert tl.allclose(getattr(module, name), getattr(reference, name)), name
    assert list(module.state_dict()) == list(reference.state_dict())


def test_lazy_batch_norm_without_affine_or_statistics_has_nothing_to_materialize():
    module = nn.LazyBatchNorm2d(affine=False, track_running_stats=False)
    x = tl.randn(2, 3, 2, 2)
    assert tl.allclose(module(x), nn.BatchNorm2d(3, affine=False, track_running_stats=False)(x))
    assert type(module) is nn.BatchNorm2d and module.weight is None and module.running_mean is None


def test_materialize_turns_the_placeholder_into_its_class():
    p = UninitializedParameter()
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.requires_grad and p.is_leaf
    b = UninitializedBuffer()
    b.materialize((4,), dtype=tl.float64)
    assert type(b) is tl.Tensor and b.dtype == tl.float64 and not b.requires_grad


@pytest.mark.parametrize("lazy, plain, shape", [
    (nn.LazyInstanceNorm1d, nn.InstanceNorm1d, (2, 3, 4)),
    (nn.LazyInstanceNorm2d, nn.InstanceNorm2d, (2, 3, 2, 2)),
    (nn.LazyInstanceNorm3d, nn.InstanceNorm3d, (2, 3, 1, 2, 2)),
])
def test_lazy_instance_norm_with_affine_and_statistics_equals_instance_norm(lazy, plain, shape):
    module = lazy(affine=True, track_running_stats=True)
    x = tl.randn(*shape)
    reference = plain(3, affine=True, track_running_stats=True)
    assert tl.allclose(module(x), reference(x)) and type(module) is plain
    assert tl.allclose(module.running_var, reference.running_var) and repr(module) == repr(reference)
