"""erfinv: accuracy against an independent float64 reference (tests/op_specs.py's bisection and
Newton on math.erf / math.erfc), PyTorch's special values and dtypes, and its gradient at the
poles. Its forward, float64 gradient, double-gradient and cross-backend tests come from its
OpSpec row."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from op_specs import erfinv_reference

# values in (-1, 1), with the tails (1 - 10^-k, down to 1 - 2^-53) and tiny values as likely as
# the middle: the tails are where computing from 1 + x (or Newton steps on erf) loses digits
_MIDDLE = st.floats(-1.0, 1.0, exclude_min=True, exclude_max=True)
_TAILS = st.floats(0.0, 16.0).map(lambda k: 1.0 - 10.0 ** -k).filter(lambda v: v < 1.0)
_TINY = st.floats(-300.0, -1.0).map(lambda k: 10.0 ** k)
_SIGNED = st.tuples(st.one_of(_MIDDLE, _TAILS, _TINY), st.booleans()).map(lambda p: -p[0] if p[1] else p[0])


def _ulps(actual, expected):
    """|actual - expected| in units in the last place of expected (same float dtype)."""
    return np.abs(actual.astype(np.float64) - expected.astype(np.float64)) / np.spacing(np.abs(expected))


@given(st.lists(_SIGNED, min_size=1, max_size=16))
def test_float64_within_1e15_relative_of_the_reference(values):
    # measured: at most 9e-16 (6 ulp) over 200k values on either backend, 1 ulp on average
    out = tl.erfinv(tl.tensor(values, dtype=tl.float64)).numpy()
    expected = np.array([erfinv_reference(v) for v in values])
    np.testing.assert_allclose(out, expected, rtol=1.5e-15, atol=0)


@given(st.lists(_SIGNED, min_size=1, max_size=16))
def test_erf_of_erfinv_gives_the_input_back(values):
    """math.erf(erfinv(x)) == x near 0, and math.erfc(|erfinv(x)|) == 1 - |x| in the tails (where
    the value lives in 1 - |x|), to the conditioning of erf at the result."""
    x = np.array(values)
    y = tl.erfinv(tl.tensor(x, dtype=tl.float64)).numpy()
    for xi, yi in zip(x, y):
        slope = 2 / math.sqrt(math.pi) * math.exp(-yi * yi)  # d erf / dy: an ulp of y moves erf this much
        if abs(xi) < 0.5:
            assert abs(math.erf(yi) - xi) <= 4 * slope * math.ulp(yi) + math.ulp(xi), (xi, yi)
        else:
            assert abs(math.erfc(abs(yi)) - (1 - abs(xi))) <= 8 * slope * math.ulp(yi) + 2 * math.ulp(1 - abs(xi)), \
                (xi, yi)


def test_known_values():
    # erfinv(1/2) = 0.476936276204469873381418...; erfinv(erf(v)) = v for exact v, to the rounding of erf(v)
    cases = [(0.5, 0.47693627620446987338), (math.erf(0.25), 0.25), (math.erf(1.0), 1.0),
             (-math.erf(2.0), -2.0)]
    out = tl.erfinv(tl.tensor([x for x, _ in cases], dtype=tl.float64)).numpy()
    np.testing.assert_allclose(out, [v for _, v in cases], rtol=4e-15)


@given(st.lists(_SIGNED, min_size=1, max_size=16))
def test_float32_within_two_ulp(values):
    x = np.array(values, dtype=np.float32)
    x = x[np.abs(x) < 1]  # 1 - 10^-k rounds to 1 in float32 for k > 7
    out = tl.erfinv(tl.tensor(x)).numpy()
    assert out.dtype == np.float32
    expected = np.array([erfinv_reference(float(v)) for v in x], dtype=np.float64).astype(np.float32)
    assert np.all(_ulps(out, expected) <= 2), (x, out, expected)


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64], ids=str)
def test_special_values_as_pytorch(dtype):
    x = tl.tensor([1.0, -1.0, 1.5, -2.0, math.inf, -math.inf, math.nan, 0.0, -0.0], dtype=dtype)
    out = tl.erfinv(x).numpy()
    assert out.dtype == dtype.numpy
    assert out[0] == math.inf and out[1] == -math.inf
    assert np.isnan(out[2:7]).all()
    assert out[7] == 0 and not np.signbit(out[7]) and out[8] == 0 and np.signbit(out[8])


def test_integers_and_bool_give_the_default_float_dtype():
    assert tl.erfinv(tl.tensor([0, 1, -1, 2])).tolist()[:3] == [0.0, math.inf, -math.inf]
    assert tl.erfinv(tl.tensor([0, 1, -1, 2])).dtype is tl.float32
    assert tl.erfinv(tl.tensor([True, False])).tolist() == [math.inf, 0.0]
    saved = tl.get_default_dtype()
    tl.set_default_dtype(tl.float64)
    try:
        assert tl.erfinv(tl.tensor([0, 1])).dtype is tl.float64
    finally:
        tl.set_default_dtype(saved)


@pytest.mark.parametrize("dtype", [tl.float16, tl.bfloat16], ids=str)
@given(data=st.data())
def test_half_types_compute_in_float32_and_round_once(dtype, data):
    values = data.draw(st.lists(st.floats(-1.0, 1.0, width=32), min_size=1, max_size=12))
    x = tl.tensor(values, dtype=dtype, device="cpu")
    out = tl.erfinv(x)
    assert out.dtype is dtype
    expected = tl.erfinv(x.float()).to(dtype)
    np.testing.assert_array_equal(out.float().numpy(), expected.float().numpy())


def test_in_place_and_the_special_and_method_names():
    x = tl.tensor([-0.7, 0.0, 0.3, 0.99])
    expected = tl.erfinv(x)
    assert tl.equal(tl.special.erfinv(x), expected) and tl.equal(x.erfinv(), expected)
    y = x.clone()
    assert y.erfinv_() is y and tl.equal(y, expected)
    with pytest.raises(RuntimeError, match="erfinv_"):
        tl.tensor([0, 1]).erfinv_()  # the float result cannot go into int64, as PyTorch


def test_gradient_is_infinite_at_the_poles_and_sqrt_pi_over_2_at_0():
    x = tl.tensor([-1.0, 0.0, 1.0], dtype=tl.float64, requires_grad=True)
    (grad,) = tl.autograd.grad(tl.erfinv(x).sum(), x, create_graph=True)
    assert grad.tolist() == [math.inf, pytest.approx(math.sqrt(math.pi) / 2, rel=1e-15), math.inf]
    (second,) = tl.autograd.grad(grad.sum(), x)
    assert second.tolist() == [-math.inf, 0.0, math.inf]  # d/dx sqrt(pi)/2 exp(y^2) = pi/2 * 2y exp(2y^2)
