"""erf's float32 path (two short polynomials, the GELU hot path) against math.erf in float64."""
import math

import numpy as np
from hypothesis import given, strategies as st

import tensorlite as tl


def _ulp_errors(x32: np.ndarray) -> np.ndarray:
    got = tl.erf(tl.from_numpy(x32)).numpy().astype(np.float64)
    exact = np.array([math.erf(v) for v in x32.astype(np.float64)])
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return np.abs(got - exact) / ulp


def test_float32_erf_is_within_1_35_ulp_on_a_dense_grid():
    dense = np.linspace(-5.0, 5.0, 200_001, dtype=np.float32)
    tiny = np.float32(10.0) ** np.linspace(-38, 0.7, 20_001).astype(np.float32)
    x = np.concatenate([dense, tiny, -tiny])
    assert tl.erf(tl.from_numpy(x)).dtype is tl.float32
    assert _ulp_errors(x).max() <= 1.35


@given(st.floats(-10.0, 10.0, width=32))
def test_float32_erf_is_within_1_35_ulp(value):
    assert _ulp_errors(np.array([value], dtype=np.float32)).max() <= 1.35


def test_float32_erf_special_values():
    x = tl.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 3.92, 100.0])
    out = tl.erf(x).numpy()
    assert out[0] == 0.0 and not np.signbit(out[0]) and np.signbit(out[1])
    assert out[2] == 1.0 and out[3] == -1.0 and np.isnan(out[4])
    assert out[5] == np.float32(math.erf(3.92)) and out[6] == 1.0


def test_float64_erf_keeps_full_accuracy():
    x = np.linspace(-6.0, 6.0, 20_001)
    got = tl.erf(tl.from_numpy(x)).numpy()
    exact = np.array([math.erf(v) for v in x])
    assert np.abs(got - exact).max() <= 1e-14


def test_integer_and_half_inputs_use_the_float32_path_and_half_stays_half():
    assert tl.erf(tl.tensor([1, 2])).dtype is tl.float32
    assert tl.equal(tl.erf(tl.tensor([1, 2])), tl.erf(tl.tensor([1.0, 2.0])))
    half = tl.erf(tl.tensor([0.5], dtype=tl.float16, device="cpu"))
    assert half.dtype is tl.float16 and abs(float(half.numpy()[0]) - math.erf(0.5)) < 1e-3


def test_erfc_of_half_stays_half():
    out = tl.erfc(tl.tensor([0.5, 3.0], dtype=tl.float16, device="cpu"))
    assert out.dtype is tl.float16
    assert np.allclose(out.numpy().astype(np.float64), [math.erfc(0.5), math.erfc(3.0)], rtol=1e-3)


def test_float32_erf_of_a_large_array_goes_through_in_blocks_with_the_same_values():
    from tensorlite.backends import numpy_backend
    x = np.random.default_rng(0).standard_normal((3, numpy_backend._ERF_BLOCK + 5)).astype(np.float32) * 2
    whole = tl.erf(tl.from_numpy(x)).numpy()
    assert whole.shape == x.shape
    pieces = np.stack([tl.erf(tl.from_numpy(row.copy())).numpy() for row in x[:, ::-1]])[:, ::-1]
    assert np.array_equal(whole, pieces)
    transposed = tl.erf(tl.from_numpy(x).t()).numpy()  # non-contiguous input
    assert np.array_equal(transposed, whole.T)
    assert _ulp_errors(x[0, :5000]).max() <= 1.35


def test_float32_erf_of_0_dim_and_empty_tensors():
    assert tl.erf(tl.tensor(0.5)).shape == () and abs(tl.erf(tl.tensor(0.5)).item() - math.erf(0.5)) < 1e-7
    assert tuple(tl.erf(tl.zeros(0, 3)).shape) == (0, 3)


@given(st.lists(st.one_of(st.floats(-1.0, 1.0, width=32), st.floats(-6.0, 6.0, width=32),
                          st.sampled_from([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan])),
                min_size=1, max_size=40))
def test_float32_erf_of_an_array_equals_erf_of_each_element_alone(values):
    # the block computes one branch on every element and the other on the minority gathered:
    # an element's value may not depend on which branch its neighbours need
    x = np.array(values, dtype=np.float32)
    whole = tl.erf(tl.from_numpy(x)).numpy()
    alone = np.array([tl.erf(tl.from_numpy(x[i:i + 1])).numpy()[0] for i in range(x.size)], dtype=np.float32)
    assert np.array_equal(whole, alone, equal_nan=True)
    assert np.array_equal(np.signbit(whole), np.signbit(alone))


def test_float32_erf_is_within_1_35_ulp_with_either_branch_in_the_majority():
    rng = np.random.default_rng(1)
    for scale in (0.3, 1.0, 3.0):  # mostly |x| < 1, mixed, mostly |x| >= 1
        assert _ulp_errors((rng.standard_normal(20_000) * scale).astype(np.float32)).max() <= 1.35
