"""cdist, isin, logspace and bincount (tensorlite/ops/composite3.py) against PyTorch: values,
dtypes, gradients (cdist, also at zero distances) and errors."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from harness import Arr, check

P_VALUES = st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0, math.inf])
CDIST_SHAPES = st.sampled_from([((3, 2), (4, 2)), ((2, 2, 3), (2, 1, 3)), ((1, 3, 2), (2, 2, 2)),
                                ((2, 0, 3), (2, 2, 3)), ((2, 3), (2, 3)), ((2, 0), (3, 0))])


@given(seed=st.integers(0, 2 ** 32 - 1), shapes=CDIST_SHAPES, p=P_VALUES)
def test_cdist_random(seed, shapes, p):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s) for s in shapes)
    check(lambda lib, a, b: lib.cdist(a, b, p=p), Arr(a, True), Arr(b, True), grad2=p == 2.0)


@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, math.inf])
def test_cdist_zero_distance_gradient(p):
    rows = np.array([[0.5, -1.0], [0.2, 0.3]])
    check(lambda lib, a, b: lib.cdist(a, b, p=p), Arr(rows, True), Arr(rows[:1].copy(), True))


@pytest.mark.parametrize("a, b, p", [((3,), (2, 3), 2.0), ((2, 3), (2, 4), 2.0), ((2, 3), (2, 3), -1.0)])
def test_cdist_errors(a, b, p):
    check(lambda lib, a, b: lib.cdist(a, b, p=p), Arr(np.ones(a)), Arr(np.ones(b)))


@given(elements=st.lists(st.integers(-3, 3), max_size=6), tests=st.lists(st.integers(-3, 3), max_size=4),
       invert=st.booleans(), floats=st.booleans())
def test_isin(elements, tests, invert, floats):
    dtype = "float64" if floats else "int64"
    check(lambda lib, e, t: lib.isin(e, t, invert=invert), Arr(np.array(elements, dtype="int64")),
          Arr(np.array(tests, dtype=dtype)))


def test_isin_numbers():
    check(lambda lib, t: lib.isin(2, t), Arr(np.array([1, 2])))
    check(lambda lib, t: lib.isin(t, 2.0, invert=True), Arr(np.array([[1, 2], [2, 3]])))


@pytest.mark.parametrize("start, end, steps, base, dtype", [
    (0, 2, 3, 10.0, None), (-1.5, 2.5, 7, 10.0, "float64"), (0, 10, 11, 2.0, "int64"),
    (2, 0, 5, 3.0, "float32"), (1, 1, 1, 10.0, None), (0, 1, 0, 10.0, None), (0, 1, -1, 10.0, None)])
def test_logspace(start, end, steps, base, dtype):
    check(lambda lib: lib.logspace(start, end, steps, base=base,
                                   dtype=None if dtype is None else getattr(lib, dtype)))


@given(values=st.lists(st.integers(0, 6), max_size=8), minlength=st.integers(0, 9),
       weighted=st.sampled_from([None, "float32", "float64", "int64"]))
def test_bincount(values, minlength, weighted):
    x = Arr(np.array(values, dtype="int64"))
    if weighted is None:
        check(lambda lib, x: lib.bincount(x, minlength=minlength), x)
    else:
        w = Arr(np.arange(len(values)).astype(weighted) + 0.5 * (weighted != "int64"))
        check(lambda lib, x, w: lib.bincount(x, weights=w, minlength=minlength), x, w)


@pytest.mark.parametrize("x", [np.array([-1, 2]), np.array([[1, 2]]), np.array([1.0])])
def test_bincount_errors(x):
    check(lambda lib, x: x.bincount(), Arr(x))
