"""Issue 11 layers: the conventions the spec rows (tests/nn_specs.py) avoid, properties over
random geometries, PyTorch's errors, and the modules' state. Runs on both backends."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite import nn
from tensorlite.testing import check_backward, check_double_backward, tensors

from nn_specs import np_adaptive, np_linear_weights, np_resample, np_windows_nd


def _ceil_free(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1 >= 1


# -- pooling: properties over geometries ---------------------------------------------------------
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5)), k=st.integers(1, 3),
       s=st.integers(1, 2), p=st.integers(0, 1), d=st.integers(1, 2), data=st.data())
def test_pool3d_equals_naive_windows_and_has_gradients(shape, k, s, p, d, data):
    """max_pool3d / avg_pool3d (separable compositions of the 2-d primitives) equal the box
    max / mean of every window, and their gradients are the central differences'."""
    assume(p <= k // 2 and all(_ceil_free(n, k, s, p, d) for n in shape))
    x = data.draw(tensors(shape=(1, 2) + shape, unique=True))
    windows = np_windows_nd(x.numpy(), (k,) * 3, (s,) * 3, (p,) * 3, (d,) * 3, -np.inf)
    expected = windows.max(-1)
    out = F.max_pool3d(x, k, s, p, d)
    np.testing.assert_allclose(out.numpy(), expected)
    if np.isfinite(expected).all():
        check_backward(lambda t: F.max_pool3d(t, k, s, p, d), x)
    mean = np_windows_nd(x.numpy(), (k,) * 3, (s,) * 3, (p,) * 3, (1,) * 3, 0.0).mean(-1)
    if all(n >= k for n in shape):
        np.testing.assert_allclose(F.avg_pool3d(x, k, s, p).numpy(), mean, rtol=1e-12, atol=1e-12)
        check_double_backward(lambda t: F.avg_pool3d(t, k, s, p), x)


@given(spatial=st.integers(1, 3), data=st.data())
def test_adaptive_pools_equal_naive_windows(spatial, data):
    sizes = tuple(data.draw(st.integers(1, 5)) for _ in range(spatial))
    out = tuple(data.draw(st.integers(1, 4)) for _ in range(spatial))
    x = data.draw(tensors(shape=(2, 1) + sizes, unique=True))
    max_fn = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}[spatial]
    avg_fn = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}[spatial]
    arg = out if spatial > 1 else out[0]
    values, indices = max_fn(x, arg, return_indices=True)
    np.testing.assert_allclose(values.numpy(), np_adaptive(x.numpy(), out, np.max))
    flat = x.numpy().reshape(2, 1, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, indices.numpy().reshape(2, 1, -1), 2),
                                  values.numpy().reshape(2, 1, -1))
    np.testing.assert_allclose(avg_fn(x, arg).numpy(), np_adaptive(x.numpy(), out, np.mean), rtol=1e-12)
    check_backward(lambda t: max_fn(t, arg), x)


def test_max_pool3d_ties_send_the_gradient_to_the_first_max_in_dhw_order():
    """PyTorch scans a window depth, then row, then column and keeps the first maximum."""
    x = tl.zeros(1, 1, 2, 2, 2, requires_grad=True)
    values, indices = F.max_pool3d(x, 2, return_indices=True)
    values.sum().backward()
    assert indices.item() == 0
    assert x.grad.flatten().tolist() == [1.0, 0, 0, 0, 0, 0, 0, 0]
    y = tl.tensor([[[[[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]]]], requires_grad=True)
    _, idx = F.max_pool3d(y, 2, return_indices=True)
    assert idx.item() == 1
    _, idx = F.adaptive_max_pool3d(y, 1, return_indices=True)
    assert idx.item() == 1


def test_window_of_padding_only_sends_no_gradient():
    """With dilation a window can hold only padding: its max is -inf and, as in PyTorch, no
    input element receives its gradient (its index is negative: there was none to scatter to)."""
    x = tl.tensor([[[[2.0]]]], requires_grad=True)
    out = F.max_pool2d(x, 2, padding=1, dilation=2)
    assert out.item() == -math.inf
    out.sum().backward()
    assert x.grad.item() == 0.0
    z = tl.arange(1.0, 4.0).reshape(1, 1, 3).requires_grad_()
    F.max_pool1d(z, 2, padding=1, dilation=3).sum().backward()
    assert z.grad.flatten().tolist() == [0.0, 0.0, 1.0]
    v = tl.zeros(1, 1, 1, 1, 1, requires_grad=True)
    values, indices = F.max_pool3d(v, 2, padding=1, dilation=2, return_indices=True)
    assert values.item() == -math.inf and indices.item() < 0


@given(k=st.integers(1, 3), s=st.integers(1, 2), d=st.integers(1, 2), ceil_mode=st.booleans(), data=st.data())
def test_max_pool_index_is_pytorchs_with_infinities_and_padding(k, s, d, ceil_mode, data):
    """The padding never wins a tie: a window of -inf values points at its first element past
    the padding (PyTorch's kernel starts there), on both backends; NaN wins, the last one."""
    p = data.draw(st.integers(0, k // 2))
    shape = (1, 2, data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    assume(all((n + 2 * p - d * (k - 1) - 1) >= 0 for n in shape[2:]))
    x = data.draw(tensors(shape=shape, elements=st.sampled_from([-math.inf, -math.inf, 1.0, float("nan")])))
    values, indices = F.max_pool2d(x, k, s, p, d, ceil_mode, return_indices=True)
    flat = x.numpy().reshape(1, 2, -1)
    idx = indices.numpy().reshape(1, 2, -1)
    got = values.numpy().reshape(1, 2, -1)
    for c in range(2):
        for o in range(idx.shape[2]):
            if idx[0, c, o] < 0:  # a window of padding only
                assert got[0, c, o] == -math.inf
                continue
            chosen = flat[0, c, idx[0, c, o]]
            assert chosen == got[0, c, o] or (np.isnan(chosen) and np.isnan(got[0, c, o]))
    # a window of -inf values: the first in-range element, here the top-left one after the padding
    row = tl.tensor([[[[-math.inf, -math.inf, 2.0]]]], requires_grad=True)
    out, where_ = F.max_pool2d(row, (1, 2), 1, (0, 1), return_indices=True)
    assert where_.flatten().tolist() == [0, 0, 2, 2]
    out[..., :2].sum().backward()
    assert row.grad.flatten().tolist() == [2.0, 0.0, 0.0]


def test_max_unpool_inverts_max_pool_on_the_maxima():
    x = tl.tensor(np.random.default_rng(0).permutation(32).reshape(1, 2, 4, 4).astype(float), requires_grad=True)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    back = F.max_unpool2d(out, idx, 2).detach()
    kept = back.numpy() != 0
    assert kept.sum() == 8 and (back.numpy()[kept] == x.detach().numpy()[kept]).all()
    check_double_backward(lambda t: F.max_unpool2d(t, idx, 2), out.detach())
    assert F.max_unpool2d(out, idx, 2, output_size=(5, 5)).shape == (1, 2, 5, 5)
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool2d(out, idx, 2, output_size=(7, 7))
    with pytest.raises(RuntimeError, match="Expected shape of indices"):
        F.max_unpool2d(out, idx[:, :1], 2)


# -- convolution ------------------------------------------------------------------------------
def test_conv3d_errors_name_the_op_and_shapes():
    x = tl.zeros(1, 3, 4, 4, 4)
    with pytest.raises(RuntimeError, match=r"expected input\[1, 3, 4, 4, 4\] to have 2 channels"):
        F.conv3d(x, tl.zeros(4, 2, 2, 2, 2))
    with pytest.raises(RuntimeError, match="conv3d.*5D weight"):
        F.conv3d(x, tl.zeros(4, 3, 2, 2))
    with pytest.raises(RuntimeError, match="strided"):
        F.conv3d(x, tl.zeros(4, 3, 2, 2, 2), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="kernel depth"):
        F.conv3d(tl.zeros(1, 3, 1, 4, 4), tl.zeros(4, 3, 2, 1, 1))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_mode_pads_with_that_mode_first(mode):
    tl.manual_seed(0)
    conv = nn.Conv2d(2, 3, (3, 2), padding="same", padding_mode=mode, dilation=(1, 2)).double()
    x = tl.randn(1, 2, 5, 6, dtype=tl.float64)
    expected = F.conv2d(F.pad(x, (1, 1, 1, 1), mode=mode), conv.weight, conv.bias, dilation=(1, 2))
    np.testing.assert_allclose(conv(x).detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose1d(1, 1, 3, padding_mode=mode)


# -- interpolate ------------------------------------------------------------------------------
@given(spatial=st.integers(1, 3), align_corners=st.booleans(), data=st.data())
def test_linear_interpolation_matches_the_interpolation_matrices(spatial, align_corners, data):
    sizes = tuple(data.draw(st.integers(1, 4)) for _ in range(spatial))
    out = tuple(data.draw(st.integers(1, 6)) for _ in range(spatial))
    x = data.draw(tensors(shape=(1, 2) + sizes))
    mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[spatial]
    y = F.interpolate(x, size=out, mode=mode, align_corners=align_corners)
    expected = np_resample(x.numpy(), [np_linear_weights(n, o, align_corners) for n, o in zip(sizes, out)])
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-12)
    check_backward(lambda t: F.interpolate(t, size=out, mode=mode, align_corners=align_corners), x)


def test_nearest_gradient_is_the_adjoint_of_the_forward():
    """PyTorch's 1-d and 3-d nearest backward uses the doubling shortcut that its forward does
    not (scale_factor=2.2 on 4 elements); tensorlite's gradient is the forward's adjoint."""
    x = tl.arange(4.0, dtype=tl.float64).reshape(1, 1, 4).requires_grad_()
    y = F.interpolate(x, scale_factor=2.2)
    assert y.flatten().tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0]
    y.backward(tl.arange(8.0, dtype=tl.float64).reshape(1, 1, 8))
    assert x.grad.flatten().tolist() == [3.0, 7.0, 11.0, 7.0]
    check_backward(lambda t: F.interpolate(t, scale_factor=2.2), x.detach())
    # the 2-d kernel does take the shortcuts, forward and backward
    doubled = F.interpolate(x.detach().reshape(1, 1, 4, 1), scale_factor=2.2)
    assert doubled[0, 0, :, 0].tolist() == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize("kwargs,error,match", [
    ({}, ValueError, "either size or scale_factor"),
    ({"size": 2, "scale_factor": 2.0}, ValueError, "only one of size or scale_factor"),
    ({"size": 2, "align_corners": True}, ValueError, "align_corners option can only be set"),
    ({"size": 2, "mode": "bilinear"}, NotImplementedError, "Got 3D input, but bilinear mode needs 4D input"),
    ({"size": (2, 2)}, ValueError, "same number of spatial dimensions"),
    ({"scale_factor": 0.1}, RuntimeError, "Input and output sizes should be greater than 0"),
    ({"size": 2, "mode": "cubic"}, NotImplementedError, "mode 'cubic'"),
    ({"size": 2, "mode": "linear", "antialias": True}, NotImplementedError, "antialias"),
])
def test_interpolate_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        F.interpolate(tl.zeros(1, 2, 3), **kwargs)


def test_interpolate_linear_refuses_integers_nearest_keeps_them():
    x = tl.tensor([[[1, 2]]])
    assert F.interpolate(x, scale_factor=2).tolist() == [[[1, 1, 2, 2]]]
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        F.interpolate(x, size=3, mode="linear")


def test_upsample_modules():
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    x = tl.tensor([[[[0.0, 2.0]]]])
    assert nn.UpsamplingBilinear2d(size=(1, 3))(x).tolist() == [[[[0.0, 1.0, 2.0]]]]
    assert nn.UpsamplingNearest2d(scale_factor=2)(x).shape == (1, 1, 2, 4)


# -- pixel shuffle, glu, instance norm --------------------------------------------------------
def test_pixel_shuffle_round_trip_and_errors():
    x = tl.arange(72.0).reshape(2, 4, 3, 3)
    assert (F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2) == x).all().item()
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(tl.zeros(1, 3, 2, 2), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        F.pixel_shuffle(tl.zeros(4, 2), 2)
    with pytest.raises(RuntimeError, match="width to be divisible"):
        F.pixel_unshuffle(tl.zeros(1, 1, 4, 3), 2)


def test_glu_halves_and_errors():
    assert nn.GLU(0)(tl.tensor([3.0, 0.0])).item() == 1.5
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        F.glu(tl.zeros(2, 3))
    with pytest.raises(RuntimeError, match="scalars"):
        F.glu(tl.tensor(1.0))


def test_instance_norm_running_stats_are_the_batch_mean_of_unbiased_stats():
    norm = nn.InstanceNorm1d(2, track_running_stats=True, momentum=0.5)
    x = tl.tensor([[[1.0, 3.0], [0.0, 4.0]], [[3.0, 5.0], [2.0, 2.0]]])
    y = norm(x)
    assert y[0, 0].tolist() == pytest.approx([-1.0, 1.0], abs=1e-4)
    assert norm.running_mean.tolist() == pytest.approx([0.5 * 3.0, 0.5 * 2.0])
    assert norm.running_var.tolist() == pytest.approx([0.5 + 0.5 * 2.0, 0.5 + 0.5 * 4.0])
    norm.eval()
    assert norm(x[0]).shape == (2, 2)  # unbatched
    assert "affine=False, bias=False" in repr(norm)  # PyTorch's: no bias parameter without affine


def test_instance_norm_errors():
    with pytest.raises(ValueError, match="Expected more than 1 spatial element"):
        F.instance_norm(tl.zeros(2, 3, 1))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.InstanceNorm2d(3)(tl.zeros(2, 3))
    with pytest.raises(ValueError, match="match num_features"):
        nn.InstanceNorm1d(3, affine=True)(tl.zeros(2, 4, 5))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.InstanceNorm1d(3)(tl.zeros(2, 4, 5))
    assert any("does not match num_features" in str(w.message) for w in caught)


# -- losses ----------------------------------------------------------------------------------
def test_gaussian_nll_clamps_the_value_only():
    """PyTorch clamps var to eps under no_grad: var's gradient is taken as if unclamped."""
    var = tl.tensor([1e-9, 2.0], dtype=tl.float64, requires_grad=True)
    loss = F.gaussian_nll_loss(tl.tensor([1.0, 1.0], dtype=tl.float64), tl.tensor([0.0, 0.0], dtype=tl.float64),
                               var, eps=1e-3, reduction="sum")
    loss.backward()
    clamped = np.array([1e-3, 2.0])
    expected = 0.5 * (1 / clamped - 1 / clamped ** 2)
    np.testing.assert_allclose(var.grad.numpy(), expected, rtol=1e-9)
    assert loss.item() == pytest.approx(float((0.5 * (np.log(clamped) + 1 / clamped)).sum()))


def test_loss_errors():
    x = tl.zeros(3, 2)
    with pytest.raises(RuntimeError, match="var has negative entry"):
        F.gaussian_nll_loss(x, x, tl.tensor([-1.0, 1.0, 1.0])).item()
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(x, x, tl.ones(2, 2))
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_loss(x, x, x, margin=0.0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_loss(x, x[0], x)
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.poisson_nll_loss(x, x, reduction="avg")


def test_ranking_and_embedding_losses_check_dims_as_pytorch():
    a = tl.zeros(3)
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        F.margin_ranking_loss(a.reshape(3, 1), a, a)
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        F.cosine_embedding_loss(tl.ones(3, 4), tl.ones(3, 4), tl.ones(1, 3))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors"):
        F.cosine_embedding_loss(tl.ones(3, 4, 2), tl.ones(3, 4, 2), tl.ones(3))
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D input tensors"):
        F.cosine_embedding_loss(tl.ones(1, 4), tl.ones(1, 4), tl.tensor(1))


def test_loss_modules():
    a, p, n = tl.tensor([[0.0, 0.0]]), tl.tensor([[0.0, 1.0]]), tl.tensor([[3.0, 4.0]])
    assert nn.TripletMarginLoss(margin=5.0, eps=0.0)(a, p, n).item() == pytest.approx(1.0)
    assert nn.TripletMarginLoss(margin=5.0, eps=0.0, swap=True)(a, p, n).item() == pytest.approx(1.0 + 5 - 18 ** 0.5)
    assert nn.PoissonNLLLoss(reduction="sum")(tl.tensor([0.0]), tl.tensor([1.0])).item() == pytest.approx(1.0)
    assert nn.GaussianNLLLoss(full=True)(tl.tensor([0.0]), tl.tensor([0.0]), tl.tensor([1.0])).item() == \
        pytest.approx(0.5 * math.log(2 * math.pi))
    assert nn.PairwiseDistance(p=1.0, eps=0.0)(a, n).item() == 7.0


# -- F.pad: PyTorch's length and empty-dim rules ------------------------------------------------
def test_pad_modes_length_and_empty_rules():
    x = tl.arange(4.0).reshape(1, 4)
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times"):
        F.pad(x, (1, 1, 1, 1, 1, 1), mode="reflect")
    # one padded dim may end empty while another does not (PyTorch refuses only all-empty)
    y = F.pad(tl.arange(8.0).reshape(2, 1, 4), (1, -2, 0, -1), mode="reflect")
    assert y.shape == (2, 0, 3)
    with pytest.raises(RuntimeError, match="too small"):
        F.pad(tl.zeros(3, 3), (-2, -1), mode="reflect")


@pytest.mark.parametrize("name,mode", [(f"{kind}Pad{d}d", mode) for d in (1, 2, 3) for kind, mode in
                                       [("Reflection", "reflect"), ("Replication", "replicate"),
                                        ("Circular", "circular"), ("Zero", "constant")]])
def test_padding_modules_are_f_pad(name, mode):
    dims = int(name[-2])
    x = tl.arange(float(2 * 3 ** dims)).reshape((2,) + (3,) * dims)
    widths = tuple(range(2 * dims))[::-1] if mode != "reflect" else (1, 2) * dims
    widths = tuple(min(w, 2) for w in widths)
    module = getattr(nn, name)(widths)
    assert (module(x) == F.pad(x, widths, mode=mode)).all().item()
    assert repr(module) == f"{name}({widths})"
    assert getattr(nn, name)(1).padding == (1,) * (2 * dims)
    constant = getattr(nn, f"ConstantPad{dims}d")(1, -2.0)
    assert constant(x).min().item() == -2.0
    assert repr(constant) == f"ConstantPad{dims}d(padding={(1,) * 2 * dims}, value=-2.0)"
