"""The fused GELU and layer_norm primitives (ops/fused_nn.py): the float32 GELU fast path against
a float64 reference, blocked results equal to unblocked ones, layer_norm's fused forward and
backward against the composition, gradients and second derivatives, both backends."""
import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite.backends import numpy_backend
from tensorlite.ops.reduce import MaskedSoftmax
from tensorlite.testing import check_backends_agree, check_backward, check_double_backward
from tensorlite.testing.strategies import tensors


def _exact_gelu(x64):
    return np.array([v * 0.5 * math.erfc(-v / math.sqrt(2.0)) for v in x64])


def _exact_gelu_slope(x64):
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in x64])
    return cdf + x64 * np.exp(-x64 * x64 / 2) / math.sqrt(2 * math.pi)


def _gelu_errors(x32):
    """|error| of F.gelu and of its gradient in float32, in units of ulp(exact) + |x| 2^-24 (for
    the slope (1 + |x|) 2^-24): one ulp of the result plus the half ulp of 1 that rounding
    Phi(x) = (1 + erf) / 2 costs x Phi(x) where Phi is small. PyTorch 2.13's CPU gelu measures
    5.0 and 2.6 on the dense grid below; the fast path 0.8 and 0.7."""
    leaf = tl.tensor(x32, requires_grad=True)  # the default device: both backends' paths
    out = F.gelu(leaf)
    out.sum().backward()
    x64 = x32.astype(np.float64)
    exact, slope = _exact_gelu(x64), _exact_gelu_slope(x64)
    ulp = lambda v: np.spacing(np.abs(v).astype(np.float32)).astype(np.float64)  # noqa: E731
    value_error = np.abs(out.detach().numpy().astype(np.float64) - exact) / (ulp(exact) + np.abs(x64) * 2.0 ** -24)
    slope_error = np.abs(leaf.grad.numpy().astype(np.float64) - slope) / (ulp(slope) + (1 + np.abs(x64)) * 2.0 ** -24)
    return value_error, slope_error


@pytest.mark.backend_pair
def test_float32_gelu_and_its_gradient_are_accurate_on_a_dense_grid():
    dense = np.linspace(-10.0, 10.0, 100_001, dtype=np.float32)
    tiny = np.float32(10.0) ** np.linspace(-30, 0.5, 5_001).astype(np.float32)
    value_error, slope_error = _gelu_errors(np.concatenate([dense, tiny, -tiny]))
    assert value_error.max() <= 1.0 and slope_error.max() <= 1.0


@given(st.floats(-12.0, 12.0, width=32))
def test_float32_gelu_is_accurate(value):
    value_error, slope_error = _gelu_errors(np.array([value], dtype=np.float32))
    assert value_error.max() <= 1.0 and slope_error.max() <= 1.0


def test_gelu_special_values_follow_the_formula():
    x = tl.tensor([0.0, -0.0, math.inf, -math.inf, math.nan, 40.0, -40.0])
    out = F.gelu(x).numpy()
    assert out[0] == 0.0 and out[1] == 0.0 and out[2] == math.inf
    assert np.isnan(out[3]) and np.isnan(out[4])  # -inf * Phi(-inf) = -inf * 0, as PyTorch
    assert out[5] == 40.0 and out[6] == 0.0


@given(st.lists(st.one_of(st.floats(-1.5, 1.5, width=32), st.floats(-8.0, 8.0, width=32),
                          st.sampled_from([0.0, -0.0, 1.4142135, -1.4142135, math.inf, math.nan])),
                min_size=1, max_size=40))
def test_gelu_of_an_array_equals_gelu_of_each_element_alone(values):
    # the polynomial runs on every element and erf's tail on the gathered |x| >= sqrt(2): an
    # element's value and gradient may not depend on its neighbours
    x = tl.tensor(values, dtype=tl.float32)
    whole = F.gelu(x).numpy()
    alone = np.array([F.gelu(x[i:i + 1]).numpy()[0] for i in range(len(values))])
    np.testing.assert_array_equal(whole, alone)


def test_gelu_and_layer_norm_across_several_blocks_equal_the_one_block_results(monkeypatch):
    x = tl.randn(5, 7, 64, generator=tl.Generator().manual_seed(3)) * 2
    w, b = tl.randn(64), tl.randn(64)
    grad = tl.randn(5, 7, 64)

    def run():
        leaves = [t.clone().requires_grad_() for t in (x, w, b)]
        outs = (F.gelu(leaves[0]), F.layer_norm(leaves[0], (64,), leaves[1], leaves[2]))
        tl.autograd.backward(outs, (grad, grad))
        return [o.detach().numpy() for o in outs] + [t.grad.numpy() for t in leaves]

    whole = run()
    monkeypatch.setattr(numpy_backend, "_FUSED_BLOCK", 100)  # 23 blocks of GELU, 35 of layer_norm
    for got, expected in zip(run(), whole):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def _composed_layer_norm(x, normalized_shape, weight, bias, eps):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    centered = x - x.mean(axes, keepdim=True)
    out = centered / ((centered * centered).mean(axes, keepdim=True) + eps).sqrt()
    out = out * weight if weight is not None else out
    return out + bias if bias is not None else out


@st.composite
def layer_norm_cases(draw):
    normalized_shape = draw(st.sampled_from([(1,), (4,), (3, 2), (130,)]))
    batch = draw(st.sampled_from([(), (3,), (2, 3)]))
    dtype = draw(st.sampled_from([tl.float32, tl.float64]))
    x = draw(tensors(shape=batch + normalized_shape, dtype=dtype, elements=st.floats(-10, 10)))
    affine = draw(st.sampled_from(["both", "weight", "bias", "none"]))
    weight = tl.randn(*normalized_shape, dtype=dtype) if affine in ("both", "weight") else None
    bias = tl.randn(*normalized_shape, dtype=dtype) if affine in ("both", "bias") else None
    return x, normalized_shape, weight, bias, draw(st.sampled_from([1e-5, 0.5]))


@given(layer_norm_cases())
def test_fused_layer_norm_and_its_gradients_equal_the_composition(case):
    x, normalized_shape, weight, bias, eps = case
    upstream = tl.randn(*x.shape, dtype=x.dtype)
    results = []
    for fn in (lambda *a: F.layer_norm(*a, eps=eps), lambda *a: _composed_layer_norm(*a, eps)):
        leaves = [t.clone().requires_grad_() if t is not None else None for t in (x, weight, bias)]
        out = fn(leaves[0], normalized_shape, leaves[1], leaves[2])
        out.backward(upstream)
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in leaves if t is not None])
    tolerance = 1e-4 if x.dtype is tl.float32 else 1e-10
    # a near-constant row (e.g. 130 x 1.7848 in float32) amplifies the rounding of its mean by
    # |x| / sqrt(var + eps): both summation orders are right to that precision
    rows = x.detach().cpu().numpy().astype(np.float64).reshape(-1, int(np.prod(normalized_shape)))
    condition = np.abs(rows).max() / np.sqrt(rows.var(axis=1).min() + eps)
    tolerance *= max(1.0, condition)
    for got, expected in zip(*results):
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_gradients_and_second_derivatives(affine):
    gen = tl.Generator().manual_seed(1)
    x = tl.randn(2, 3, 4, dtype=tl.float64, generator=gen)
    params = [tl.randn(3, 4, dtype=tl.float64, generator=gen) for _ in range(2)] if affine else []
    fn = lambda x, *p: F.layer_norm(x, (3, 4), *p)  # noqa: E731
    assert check_backward(fn, x, *params)
    assert check_double_backward(fn, x, *params)


def test_gelu_gradients_and_second_derivatives():
    x = tl.randn(3, 5, dtype=tl.float64, generator=tl.Generator().manual_seed(2)) * 3
    assert check_backward(F.gelu, x)
    assert check_double_backward(F.gelu, x)


def test_layer_norm_output_without_affine_may_change_in_place_before_backward():
    x = tl.randn(3, 4, requires_grad=True)
    out = F.layer_norm(x, (4,))
    expected = tl.autograd.grad(F.layer_norm(x, (4,)), x, tl.ones(3, 4) * tl.arange(4.0))[0]
    out.mul_(1.0)  # PyTorch's layer_norm saves mean and rstd, not its output
    (grad,) = tl.autograd.grad(out, x, tl.ones(3, 4) * tl.arange(4.0))
    np.testing.assert_allclose(grad.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)


def test_layer_norm_input_modified_in_place_before_backward_raises():
    x = tl.randn(3, 4, requires_grad=True)
    y = x * 1.0
    out = F.layer_norm(y, (4,), tl.ones(4))
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


@pytest.mark.backend_pair
@pytest.mark.parametrize("affine", [True, False])
def test_gelu_and_layer_norm_agree_across_backends(affine):
    gen = tl.Generator().manual_seed(4)
    x = tl.randn(4, 6, 8, generator=gen) * 2
    params = [tl.randn(6, 8, generator=gen), tl.randn(6, 8, generator=gen)] if affine else []
    check_backends_agree(F.gelu, x, rtol=1e-5, atol=1e-6, non_contiguous=True)
    check_backends_agree(lambda x, *p: F.layer_norm(x, (6, 8), *p), x, *params, rtol=1e-4, atol=1e-5,
                         non_contiguous=True)


def _composed_softmax(x, dim, log):
    shifted = x - x.amax(dim, keepdim=True)
    exps = shifted.exp()
    return shifted - exps.sum(dim, keepdim=True).log() if log else exps / exps.sum(dim, keepdim=True)


@given(st.sampled_from([(3, 5), (2, 3, 70), (4, 130), (1, 1)]), st.booleans(), st.booleans(),
       st.sampled_from([tl.float32, tl.float64]), st.integers(0, 2 ** 16))
def test_blocked_softmax_and_its_fused_backward_equal_the_composition(shape, log, last, dtype, seed):
    gen = tl.Generator().manual_seed(seed)
    x = tl.randn(*shape, dtype=dtype, generator=gen) * 4
    upstream = tl.randn(*shape, dtype=dtype, generator=gen)
    dim = -1 if last else 0
    results = []
    for fn in ((lambda t: F.log_softmax(t, dim)) if log else (lambda t: F.softmax(t, dim)),
               lambda t: _composed_softmax(t, dim, log)):
        leaf = x.clone().requires_grad_()
        out = fn(leaf)
        out.backward(upstream)
        results.append((out.detach().numpy(), leaf.grad.numpy()))
    tolerance = 1e-5 if dtype is tl.float32 else 1e-12
    for got, expected in zip(*results):
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


def test_blocked_softmax_keeps_pytorchs_special_rows():
    # a row holding +inf is all nan (inf - inf), an all -inf row is nan, -inf entries give 0
    x = tl.tensor([[0.0, math.inf, 1.0], [-math.inf, -math.inf, -math.inf], [0.0, -math.inf, 0.0]])
    probs, logs = F.softmax(x, -1).numpy(), F.log_softmax(x, -1).numpy()
    assert np.isnan(probs[:2]).all() and np.isnan(logs[:2]).all()
    np.testing.assert_allclose(probs[2], [0.5, 0.0, 0.5])
    assert logs[2, 1] == -math.inf


def test_softmax_first_and_second_derivatives_through_the_fused_backward():
    x = tl.randn(3, 6, dtype=tl.float64, generator=tl.Generator().manual_seed(5))
    for fn in (lambda t: F.softmax(t, -1), lambda t: F.log_softmax(t, -1)):
        assert check_backward(fn, x)
        assert check_double_backward(fn, x)


def _reference_causal_attention_weights(scores, scale):
    keep = tl.arange(scores.shape[-2]).unsqueeze(1) >= tl.arange(scores.shape[-1])
    return _composed_softmax(tl.where(keep, scores * scale, -math.inf), -1, False)


@given(st.sampled_from([(1, 1, 1), (2, 3, 5), (2, 5, 3), (3, 4, 4), (1, 7, 100)]),
       st.sampled_from([tl.float32, tl.float64]), st.sampled_from([1, 100, 1 << 16]), st.integers(0, 2 ** 16))
def test_causal_masked_softmax_and_its_backward_equal_the_composition(shape, dtype, block, seed):
    # block: numpy_backend._FUSED_BLOCK, so that blocks hold one or several whole score matrices
    gen = tl.Generator().manual_seed(seed)
    scores = tl.randn(*shape, dtype=dtype, generator=gen) * 3
    upstream = tl.randn(*shape, dtype=dtype, generator=gen)
    results = []
    with mock.patch.object(numpy_backend, "_FUSED_BLOCK", block):
        for fn in (lambda s: MaskedSoftmax.apply(s, tl.arange(shape[-2]).unsqueeze(1) >= tl.arange(shape[-1]), 0.7),
                   lambda s: _reference_causal_attention_weights(s, 0.7)):
            leaf = scores.clone().requires_grad_()
            out = fn(leaf)
            out.backward(upstream)
            results.append((out.detach().numpy(), leaf.grad.numpy()))
    tolerance = 1e-5 if dtype is tl.float32 else 1e-12
    for got, expected in zip(*results):
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


def test_causal_attention_gradients_second_derivatives_and_special_scores():
    gen = tl.Generator().manual_seed(6)
    q, k, v = (tl.randn(2, 3, 4, dtype=tl.float64, generator=gen) for _ in range(3))
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)  # noqa: E731
    assert check_backward(fn, q, k, v)
    assert check_double_backward(fn, q, k, v)
    # a masked nan or inf score is dropped, a visible +inf makes its row nan (as PyTorch)
    scores = tl.tensor([[1.0, math.nan], [math.inf, 0.0]])
    out = MaskedSoftmax.apply(scores, tl.tensor([[True, False], [True, True]]), 1.0).numpy()
    np.testing.assert_array_equal(out[0], [1.0, 0.0])
    assert np.isnan(out[1]).all()


@pytest.mark.backend_pair
def test_causal_attention_agrees_across_backends():
    gen = tl.Generator().manual_seed(7)
    q, k, v = (tl.randn(2, 2, 5, 4, generator=gen) for _ in range(3))
    check_backends_agree(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), q, k, v,
                         rtol=1e-5, atol=1e-6, non_contiguous=True)


# -- softmax cross-entropy (one kernel forward, one backward where the backend has them) ---------

def _cross_entropy_on(device, x, target, **kwargs):
    """(loss, grad of x under an upstream of ones) of F.cross_entropy on ``device``, float64 out."""
    leaf = x.detach().to(device).requires_grad_()
    loss = F.cross_entropy(leaf, target.to(device), **kwargs)
    loss.backward(tl.ones(tuple(loss.shape), dtype=loss.dtype, device=device))
    return loss, loss.detach().cpu().double().numpy(), leaf.grad.cpu().double().numpy()


@st.composite
def cross_entropy_cases(draw):
    """(logits (N, C), targets (N,), ignore_index, reduction): N over the kernel's 64-item group,
    logits with large, infinite and equal values, targets with ignored ones (all of them too)."""
    rows, classes = draw(st.integers(1, 140)), draw(st.integers(1, 9))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    values = st.one_of(st.floats(-30, 30, width=32), st.sampled_from([0.0, 80.0, -80.0, -np.inf]))
    x = np.array(draw(st.lists(values, min_size=rows * classes, max_size=rows * classes)), dtype).reshape(rows, classes)
    ignore_index = draw(st.sampled_from([-100, 0, classes - 1]))
    targets = draw(st.lists(st.one_of(st.integers(0, classes - 1), st.just(ignore_index)), min_size=rows,
                            max_size=rows))
    return x, np.array(targets, np.int64), ignore_index, draw(st.sampled_from(["mean", "sum", "none"]))


@pytest.mark.backend_pair
@given(cross_entropy_cases())
def test_fused_cross_entropy_and_its_gradient_equal_the_composition(opencl, case):
    """OpenCL's fused kernels against the NumPy backend's log_softmax + nll_loss composition:
    losses and gradients (nan where PyTorch's are: rows of -inf only, all targets ignored)."""
    x, targets, ignore_index, reduction = case
    kwargs = dict(ignore_index=ignore_index, reduction=reduction)
    fused, loss, grad = _cross_entropy_on(opencl, tl.tensor(x), tl.tensor(targets), **kwargs)
    assert fused.grad_fn.name() == "SoftmaxCrossEntropyBackward0"  # the fused path ran
    _, want_loss, want_grad = _cross_entropy_on("cpu", tl.tensor(x), tl.tensor(targets), **kwargs)
    tolerance = 2e-5 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loss, want_loss, rtol=tolerance, atol=tolerance * 10)
    np.testing.assert_allclose(grad, want_grad, rtol=tolerance, atol=tolerance)
    zeros = (loss == 0) & (want_loss == 0)  # -logp[t] is -0.0 where logp[t] is 0 (PyTorch's too)
    np.testing.assert_array_equal(np.signbit(loss[zeros]), np.signbit(want_loss[zeros]))


@pytest.mark.backend_pair
def test_fused_cross_entropy_of_a_sure_row_is_minus_zero(opencl):
    """logits (-inf, 0), target 1: logp[1] = 0, and the loss -logp[1] is -0.0, as PyTorch's and
    the composition's (the kernel computed lse - x[t]: +0.0)."""
    x = tl.tensor([[-np.inf, 0.0]], device=opencl)
    loss = F.cross_entropy(x, tl.tensor([1], device=opencl), reduction="none")
    assert np.signbit(loss.cpu().numpy()).all()


@pytest.mark.backend_pair
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_cross_entropy_agrees_across_backends(reduction):
    """Also the kernels' run under Oclgrind (.ci/oclgrind): 70 rows (more than the forward's
    work group), an ignored target."""
    gen = tl.Generator().manual_seed(5)
    x = tl.randn(70, 6, generator=gen) * 3
    target = tl.randint(0, 6, (70,), generator=gen)
    target[3] = -100
    check_backends_agree(lambda x, t: F.cross_entropy(x, t, reduction=reduction), x, target, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradients_and_second_derivatives(reduction):
    gen = tl.Generator().manual_seed(6)
    x = tl.randn(5, 4, dtype=tl.float64, generator=gen)
    target = tl.tensor([0, 3, 1, 1, 2])
    fn = lambda x: F.cross_entropy(x, target, ignore_index=1, reduction=reduction)  # noqa: E731
    assert check_backward(fn, x)
    assert check_double_backward(fn, x)


def test_cross_entropy_logits_may_change_in_place_before_backward():
    """As PyTorch's log_softmax + nll_loss, the loss keeps its log-probabilities, not the logits."""
    x = tl.randn(4, 3, requires_grad=True)
    target = tl.tensor([0, 2, 1, 1])
    (expected,) = tl.autograd.grad(F.cross_entropy(x * 1.0, target), x)
    logits = x * 1.0
    loss = F.cross_entropy(logits, target)
    logits.add_(5.0)
    (grad,) = tl.autograd.grad(loss, x)
    np.testing.assert_allclose(grad.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)


def test_cross_entropy_out_of_range_targets_and_all_ignored_rows():
    x = tl.zeros(3, 4, requires_grad=True)
    for bad in (4, -2):
        with pytest.raises(IndexError, match=f"Target {bad} is out of bounds"):
            F.cross_entropy(x, tl.tensor([0, bad, 1])).item()
    loss = F.cross_entropy(x, tl.tensor([-100, -100, -100]))
    loss.backward()
    assert math.isnan(loss.item()) and not x.grad.numpy().any()  # PyTorch: nan, zero gradients
    assert F.cross_entropy(x, tl.tensor([5, 5, 5]), ignore_index=5, reduction="sum").item() == 0.0


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy", "weighted", "label_smoothing", "spatial"])
def test_an_ignored_row_of_minus_infinity_log_probabilities_costs_nothing(loss):
    """PyTorch skips an ignored target: its row adds 0 and gets 0 gradient even where a log-
    probability is -inf (a masked logit), never -inf * 0 = nan."""
    x = tl.tensor([[-math.inf, 0.0, 1.0], [0.5, 0.0, -1.0]], requires_grad=True)
    target = tl.tensor([-100, 2])
    if loss == "nll_loss":
        out = F.nll_loss(x.log_softmax(1), target, reduction="none")
    elif loss == "spatial":
        out = F.cross_entropy(x.t().unsqueeze(0), target.unsqueeze(0), reduction="none")[0]
    else:
        kwargs = {"weighted": dict(weight=tl.tensor([1.0, 2.0, 0.5])),
                  "label_smoothing": dict(label_smoothing=0.2)}.get(loss, {})
        out = F.cross_entropy(x, target, reduction="none", **kwargs)
    out.sum().backward()
    assert out.detach().numpy()[0] == 0.0 and np.isfinite(out.detach().numpy()).all()
    assert np.isfinite(x.grad.numpy()).all() and not x.grad.numpy()[0].any()
