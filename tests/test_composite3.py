"""cdist's edge cases (p=0, zero distances, errors), isin, logspace, bincount and the thread-count
settings (ops/composite3.py), on the suite's device; the op specs cover cdist's gradients."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl


def test_cdist_p0_counts_differing_coordinates():
    a = tl.tensor([[0., 1., 2.], [0., 0., 0.]])
    b = tl.tensor([[0., 1., 5.]])
    assert tl.cdist(a, b, p=0).tolist() == [[1.0], [2.0]]


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, math.inf, 0.0])
def test_cdist_gradient_at_zero_distance_is_zero(p):
    """x1 and x2 share a row: PyTorch's gradient there is 0 (not nan from the root's slope)."""
    x = tl.tensor([[0.5, -1.0], [0.5, -1.0]], dtype=tl.float64, requires_grad=True)
    y = tl.tensor([[0.5, -1.0]], dtype=tl.float64, requires_grad=True)
    tl.cdist(x, y, p=p).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert y.grad.tolist() == [[0.0, 0.0]]


def test_cdist_zero_distance_row_keeps_other_gradients():
    x = tl.tensor([[0., 0.], [1., 1.]], dtype=tl.float64, requires_grad=True)
    tl.cdist(x, x).sum().backward()
    s = 2 / math.sqrt(2)
    assert np.allclose(x.grad.numpy(), [[-s, -s], [s, s]])


def test_cdist_second_derivative_with_a_zero_distance_is_finite():
    x = tl.tensor([[0.5, -1.0], [0.2, 0.3]], dtype=tl.float64, requires_grad=True)
    g, = tl.autograd.grad(tl.cdist(x, x.detach()).sum(), x, create_graph=True)
    g2, = tl.autograd.grad((g * g).sum(), x)
    assert bool(tl.isfinite(g2).all())


@pytest.mark.parametrize("call, match", [
    (lambda: tl.cdist(tl.ones(3), tl.ones(2, 3)), "at least 2D tensors, X1 got: 1D"),
    (lambda: tl.cdist(tl.ones(2, 3), tl.ones(2, 4)), "same number of columns. X1: 3 X2: 4"),
    (lambda: tl.cdist(tl.ones(2, 3), tl.ones(2, 3), p=-1), "non-negative p"),
    (lambda: tl.cdist(tl.ones(2, 3, dtype=tl.int64), tl.ones(2, 3, dtype=tl.int64)), "floating-point"),
    (lambda: tl.cdist(tl.ones(2, 3), tl.ones(2, 3, dtype=tl.float64)), "same dtype"),
])
def test_cdist_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


@given(st.lists(st.integers(-3, 3), max_size=6), st.lists(st.integers(-3, 3), max_size=4),
       st.booleans())
def test_isin_matches_numpy(elements, tests, invert):
    got = tl.isin(tl.tensor(elements, dtype=tl.int64), tl.tensor(tests, dtype=tl.int64), invert=invert)
    assert got.dtype == tl.bool and got.tolist() == np.isin(elements, tests, invert=invert).tolist()


def test_isin_numbers_either_side_and_promotion():
    assert tl.isin(tl.tensor([1, 2, 3]), 2).tolist() == [False, True, False]
    scalar = tl.isin(2, tl.tensor([1, 2]))
    assert scalar.shape == () and bool(scalar)
    assert tl.isin(tl.tensor([1, 2]), tl.tensor([1.5, 2.0])).tolist() == [False, True]
    assert tl.isin(tl.ones(2, 3), tl.tensor([1.0]), assume_unique=True).shape == (2, 3)
    with pytest.raises(TypeError, match="isin"):
        tl.isin(1, 2)


def test_logspace_values_dtype_and_errors():
    assert np.allclose(tl.logspace(0, 2, 3).numpy(), [1, 10, 100])
    ints = tl.logspace(0, 3, 4, base=2, dtype=tl.int64)
    assert ints.dtype == tl.int64 and ints.tolist() == [1, 2, 4, 8]
    assert tl.logspace(0, 2, 3, dtype=tl.int64).tolist() == [1, 10, 100]
    assert tl.logspace(1, 2, 1).tolist() == [10.0] and tl.logspace(0, 1, 0).shape == (0,)
    assert tl.logspace(0, 1, 2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="non-negative"):
        tl.logspace(0, 1, -1)


def test_bincount_counts_weights_and_minlength():
    x = tl.tensor([1, 1, 3])
    counts = tl.bincount(x)
    assert counts.dtype == tl.int64 and counts.tolist() == [0, 2, 0, 1]
    assert x.bincount(minlength=6).tolist() == [0, 2, 0, 1, 0, 0]
    w = tl.bincount(x, weights=tl.tensor([0.5, 1.0, 2.0]))
    assert w.dtype == tl.float32 and w.tolist() == [0.0, 1.5, 0.0, 2.0]
    assert tl.bincount(x, weights=tl.tensor([1, 2, 3])).dtype == tl.float64
    assert tl.bincount(tl.tensor([], dtype=tl.int64), minlength=2).tolist() == [0, 0]
    empty = tl.bincount(tl.tensor([], dtype=tl.int64), weights=tl.tensor([]), minlength=2)
    assert empty.dtype == tl.int64 and empty.tolist() == [0, 0]  # as PyTorch
    assert tl.bincount(tl.tensor([2], dtype=tl.uint8)).tolist() == [0, 0, 1]


@pytest.mark.parametrize("call, error, match", [
    (lambda: tl.bincount(tl.tensor([-1])), RuntimeError, "non-negative"),
    (lambda: tl.bincount(tl.tensor([[1]])), RuntimeError, "1-d"),
    (lambda: tl.bincount(tl.tensor([1.0])), NotImplementedError, "bincount"),
    (lambda: tl.bincount(tl.tensor([1]), minlength=-1), RuntimeError, "minlength should be >= 0"),
    (lambda: tl.bincount(tl.tensor([1, 2]), weights=tl.tensor([1.0])), RuntimeError, "same length"),
])
def test_bincount_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_num_threads_recorded_and_validated():
    old = tl.get_num_threads()
    try:
        tl.set_num_threads(3)
        assert tl.get_num_threads() == 3
        for bad in (0, -2):
            with pytest.raises(RuntimeError, match="positive integer"):
                tl.set_num_threads(bad)
        with pytest.raises(RuntimeError, match="expects an int"):
            tl.set_num_threads(1.5)
        assert tl.get_num_threads() == 3
    finally:
        tl.set_num_threads(old)
