"""tensorlite.special: torch.special's names for what tensorlite has; ndtr and logit are
compositions checked here (values, float64 gradients of first and second order)."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite.testing import check_backward, check_double_backward


def test_aliases_are_the_package_ops():
    x = tl.tensor([-0.5, 0.25, 2.0])
    for name, op in [("erf", tl.erf), ("erfc", tl.erfc), ("exp2", tl.exp2), ("expm1", tl.expm1),
                     ("expit", tl.sigmoid), ("log1p", tl.log1p)]:
        assert tl.equal(getattr(tl.special, name)(x), op(x)), name
    assert tl.equal(tl.special.xlogy(x, x.abs()), tl.xlogy(x, x.abs()))
    assert tl.equal(tl.special.logsumexp(x, 0), tl.logsumexp(x, 0))
    assert tl.equal(tl.special.softmax(x, 0), tl.softmax(x, 0))
    assert tl.equal(tl.special.log_softmax(x, 0), tl.log_softmax(x, 0))
    assert tl.equal(tl.special.round(x, decimals=1), tl.round(x, decimals=1))
    with pytest.raises(TypeError):
        tl.special.softmax(x)  # dim is required, as in torch.special


@given(st.lists(st.floats(-6, 6), min_size=1, max_size=8))
def test_ndtr_values_and_gradients(values):
    x = tl.tensor(values, dtype=tl.float64)
    expected = [0.5 * math.erfc(-v / math.sqrt(2)) for v in values]
    np.testing.assert_allclose(tl.special.ndtr(x).numpy(), expected, rtol=1e-10, atol=1e-300)
    check_backward(tl.special.ndtr, x)
    check_double_backward(tl.special.ndtr, x)


@given(st.lists(st.floats(0.02, 0.98), min_size=1, max_size=8), st.sampled_from([None, 0.1]))
def test_logit_values_and_gradients(values, eps):
    x = tl.tensor(values, dtype=tl.float64)
    clamped = [min(max(v, eps), 1 - eps) if eps else v for v in values]
    np.testing.assert_allclose(tl.special.logit(x, eps).numpy(), [math.log(p / (1 - p)) for p in clamped],
                               rtol=1e-12, atol=1e-12)
    check_backward(lambda t: tl.special.logit(t, eps), x)
    check_double_backward(lambda t: tl.special.logit(t, eps), x)


def test_logit_and_ndtr_of_integers_are_float32_and_edges():
    assert tl.special.ndtr(tl.tensor([0, 1])).dtype is tl.float32
    out = tl.special.logit(tl.tensor([0, 1]))
    assert out.dtype is tl.float32 and out.tolist() == [-math.inf, math.inf]
    assert tl.special.logit(tl.tensor([0.0, 1.0]), eps=1e-6).isfinite().all()
    x = tl.tensor([0.0, 1.0, 2.0], requires_grad=True)
    tl.special.logit(x).sum().backward()
    assert x.grad[:2].tolist() == [math.inf] * 2 and x.grad[2].isnan()  # PyTorch's values
