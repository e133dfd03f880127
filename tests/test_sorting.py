"""Sorting, selection, unique, binary search, histograms (ops/sorting.py) and the scans beside
cumsum (ops/scan.py): values against NumPy references (property-based), PyTorch's tie and NaN
conventions, float64 gradients of first and second order, and OpenCL against NumPy."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tensorlite as tl
from tensorlite.autograd import gradcheck, gradgradcheck
from tensorlite.testing import check_backends_agree, check_backward, check_double_backward, tensors

NAN = float("nan")
# few distinct values: ties are common, so the tie conventions are exercised
TIED = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, NAN])


def arrays(elements=TIED, dtype=np.float64, min_dims=1, max_dims=3, max_side=5):
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1,
                                              max_side=max_side), elements=elements)


def _dim(draw_data, ndim):
    return draw_data.draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))


def stable_order(a, axis, descending):
    """Reference: a stable sort with NaN last (first when descending), ties in order."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    return n - 1 - np.flip(np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)


def same(actual, expected):
    np.testing.assert_array_equal(actual.cpu().numpy(), np.asarray(expected))


# -- sort family ------------------------------------------------------------------------------
@given(a=arrays(), descending=st.booleans(), data=st.data())
def test_sort_is_stable_with_nan_last(a, descending, data):
    dim = _dim(data, a.ndim)
    values, indices = tl.sort(tl.tensor(a), dim, descending)
    axis = dim % a.ndim
    order = stable_order(a, axis, descending)
    same(indices, order)
    same(values, np.take_along_axis(a, order, axis))
    same(tl.tensor(a).argsort(dim, descending=descending), order)


@given(a=arrays(elements=st.integers(-3, 3), dtype=np.int64), descending=st.booleans())
def test_sort_integers_and_msort(a, descending):
    values, indices = tl.tensor(a).sort(0, descending=descending, stable=True)
    same(indices, stable_order(a, 0, descending))
    same(tl.msort(tl.tensor(a)), np.sort(a, axis=0, kind="stable"))


def test_sort_conventions():
    x = tl.tensor([1., NAN, 0., NAN, -0., 1.])
    same(tl.sort(x).indices, [2, 4, 0, 5, 1, 3])
    same(tl.sort(x, descending=True).indices, [1, 3, 0, 5, 2, 4])
    assert type(tl.sort(x)).__name__ == "sort" and tl.sort(x)._fields == ("values", "indices")
    scalar = tl.sort(tl.tensor(5.))
    assert scalar.values.shape == () and scalar.indices.item() == 0
    same(tl.sort(tl.tensor([True, False, True])).indices, [1, 0, 2])


@given(a=arrays(), largest=st.booleans(), data=st.data())
def test_topk_and_kthvalue_select_from_the_sorted_order(a, largest, data):
    dim = _dim(data, a.ndim)
    axis = dim % a.ndim
    n = a.shape[axis]
    k = data.draw(st.integers(0, n))
    expected = np.take_along_axis(a, stable_order(a, axis, largest), axis)
    values, indices = tl.topk(tl.tensor(a), k, dim, largest)
    same(values, np.take(expected, range(k), axis))
    same(tl.tensor(a).gather(axis, indices), values.numpy())
    if k:
        keepdim = data.draw(st.booleans())
        values, indices = tl.tensor(a).kthvalue(k, dim, keepdim)
        want = np.take(np.take_along_axis(a, stable_order(a, axis, False), axis), [k - 1], axis)
        same(values, want if keepdim else np.squeeze(want, axis))


def _median_reference(a, axis):
    s = np.sort(a, axis=axis)
    lower = np.take(s, (a.shape[axis] - 1) // 2, axis)
    return np.where(np.isnan(a).any(axis), NAN, lower)


@given(a=arrays(), data=st.data())
def test_median_is_the_lower_middle_and_propagates_nan(a, data):
    dim = _dim(data, a.ndim)
    axis = dim % a.ndim
    values, indices = tl.tensor(a).median(dim)
    same(values, _median_reference(a, axis))
    picked = tl.tensor(a).gather(axis, indices.unsqueeze(axis)).squeeze(axis).numpy()
    np.testing.assert_array_equal(picked, values.numpy())  # NaN at NaN: array_equal's rule
    same(tl.median(tl.tensor(a)), _median_reference(a.reshape(-1), 0))


def _nanmedian_reference(a, axis):
    with np.errstate(all="ignore"):
        s = np.sort(a, axis=axis)  # NaN last
    count = (~np.isnan(a)).sum(axis, keepdims=True)
    return np.take_along_axis(s, np.maximum(count - 1, 0) // 2, axis).squeeze(axis)


@given(a=arrays(), data=st.data())
def test_nanmedian_ignores_nan(a, data):
    dim = _dim(data, a.ndim)
    axis = dim % a.ndim
    values, indices = tl.tensor(a).nanmedian(dim)
    same(values, _nanmedian_reference(a, axis))
    picked = tl.tensor(a).gather(axis, indices.unsqueeze(axis)).squeeze(axis).numpy()
    np.testing.assert_array_equal(picked, values.numpy())
    same(tl.nanmedian(tl.tensor(a)), _nanmedian_reference(a.reshape(-1), 0))
    x = tl.tensor([1., NAN, 2., 2.], requires_grad=True)
    tl.nanmedian(x).backward()
    same(x.grad, [0., 0., .5, .5])


def _mode_reference(line):
    """PyTorch's CPU mode written out: (value, index) pairs insertion-sorted with `<` (as
    libstdc++'s std::sort of up to 16 elements), then the first longest run of `==` values."""
    pairs = []
    for i, v in enumerate(line):
        at = 0 if pairs and v < pairs[0][0] else len(pairs)
        while at > 1 and v < pairs[at - 1][0]:
            at -= 1
        pairs.insert(at, (v, i))
    best, longest, run = None, 0, 0
    for k, (v, i) in enumerate(pairs):
        run += 1
        if k == len(pairs) - 1 or v != pairs[k + 1][0]:
            if run > longest:
                best, longest = (v, i), run
            run = 0
    return best


def test_mode_without_nan_is_the_smallest_most_frequent_with_its_last_index():
    x = tl.tensor([[3., 1., 1., 3., 2.], [5., 5., 4., 4., 0.]])
    assert tl.mode(x, 1).values.tolist() == [1., 4.] and tl.mode(x, 1).indices.tolist() == [2, 3]
    assert math.isnan(tl.mode(tl.tensor([NAN, 0.])).values.item())  # PyTorch's CPU result
    assert tl.mode(tl.tensor([0., NAN])).values.item() == 0.


@given(a=arrays(elements=TIED, max_dims=2, max_side=16))
def test_mode(a):
    lines = a.reshape(-1, a.shape[-1]) if a.ndim else a.reshape(1, 1)
    values, indices = tl.tensor(a).mode()
    expected = [_mode_reference(line) for line in lines]
    same(values.reshape(-1), [v for v, _ in expected])
    same(indices.reshape(-1), [i for _, i in expected])


# (line, k, PyTorch 2.13's kthvalue index): among equal values its quickselect's choice
KTH_FROM_PYTORCH = [
    ([NAN, 0., NAN, 1., 2., 2., 1., NAN, 0., 1., 1.], 7, 5),
    ([0., 0., 0., 0., 0., NAN, 0., 2.], 7, 7),
    ([1., 1., 1., NAN, 0., NAN, NAN], 6, 5),
    ([1., 2., 1., 2., 2., 2.], 1, 2),
    ([2., NAN, 1., 1., NAN, 0., 0., 1., 2., 0., NAN, 1., 0.], 8, 3),
    ([NAN, NAN, 1., 0., NAN, 2., NAN, 0., 0., 2., 1., 1., NAN], 3, 7),
    ([3., 1., 1., 3., NAN], 2, 2),
]


@pytest.mark.parametrize("line, k, index", KTH_FROM_PYTORCH)
def test_kthvalue_index_among_ties_is_pytorchs(line, k, index):
    x = tl.tensor([line, line[::-1]])
    result = tl.kthvalue(x, k, 1)
    assert result.indices[0].item() == index
    assert tl.kthvalue(x.t(), k, 0, keepdim=True).indices[0, 0].item() == index
    np.testing.assert_array_equal(x.gather(1, result.indices[:, None])[:, 0].numpy(), result.values.numpy())


def _tied_line(n, seed):
    return [NAN if (i * seed) % 11 == 3 else float((i * seed) % 5) for i in range(n)]


# (n, seed, k, largest, sorted, PyTorch 2.13's topk indices): the order libstdc++'s nth_element
# and sort leave ties in (k - 1 > 16: introsort; k * 64 <= n: partial_sort)
TOPK_FROM_PYTORCH = [
    (9, 3, 4, True, True, [1, 8, 3, 6]),
    (9, 7, 5, False, False, [0, 5, 3, 8, 1]),
    (40, 3, 30, True, True, [1, 23, 34, 12, 28, 18, 13, 8, 33, 38, 3, 31, 21, 16, 26, 36, 6, 11, 39,
                             24, 29, 19, 9, 4, 14, 22, 7, 32, 37, 2]),
    (40, 7, 20, False, True, [0, 20, 15, 25, 10, 30, 5, 33, 8, 28, 3, 23, 38, 18, 31, 36, 26, 21, 1, 11]),
    (130, 3, 2, True, True, [12, 1]),
    (130, 7, 2, False, True, [5, 0]),
]


# PyTorch 2.13's sort(stable=False) of 40-element tied lines: libstdc++'s std::sort order
SORT_FROM_PYTORCH = [
    (40, 3, False, [30, 20, 15, 25, 10, 5, 35, 0, 32, 7, 27, 37, 17, 22, 2, 19, 39, 24, 29, 4, 14, 9,
                    16, 36, 6, 31, 11, 26, 21, 28, 8, 13, 33, 18, 3, 38, 12, 23, 34, 1]),
    (40, 7, True, [2, 24, 35, 13, 22, 37, 7, 17, 27, 32, 12, 39, 19, 29, 14, 9, 34, 4, 31, 26, 36, 1, 21,
                   6, 16, 11, 23, 38, 3, 8, 33, 28, 18, 30, 10, 15, 5, 25, 20, 0]),
]


@pytest.mark.parametrize("n, seed, descending, indices", SORT_FROM_PYTORCH)
def test_unstable_sort_orders_ties_as_pytorch(n, seed, descending, indices):
    x = tl.tensor([_tied_line(n, seed)] * 2)
    assert tl.sort(x, 1, descending).indices[1].tolist() == indices
    assert tl.argsort(x.t(), 0, descending).t()[0].tolist() == indices
    stable = tl.sort(x, 1, descending, stable=True).indices[0].numpy()
    np.testing.assert_array_equal(stable, stable_order(np.array(_tied_line(n, seed)), 0, descending))


def test_unique_inverse_of_nans_is_pytorchs():
    """PyTorch's unique sorts unstably: its std::sort decides which NaN gets which place."""
    got = tl.unique(tl.tensor(_tied_line(40, 3)), return_inverse=True, return_counts=True)
    assert got[1].tolist() == [0, 8, 1, 4, 2, 0, 3, 1, 4, 2, 0, 3, 5, 4, 2, 0, 3, 1, 4, 2, 0, 3, 1, 6,
                               2, 0, 3, 1, 4, 2, 0, 3, 1, 4, 7, 0, 3, 1, 4, 2]
    assert got[2].tolist() == [8, 7, 7, 7, 7, 1, 1, 1, 1]


@pytest.mark.parametrize("n, seed, k, largest, is_sorted, indices", TOPK_FROM_PYTORCH)
def test_topk_indices_among_ties_are_pytorchs(n, seed, k, largest, is_sorted, indices):
    x = tl.tensor([_tied_line(n, seed)] * 2)
    result = tl.topk(x, k, 1, largest, is_sorted)
    assert result.indices[0].tolist() == indices
    assert tl.topk(x.t(), k, 0, largest, is_sorted).indices[:, 1].tolist() == indices


@pytest.mark.parametrize("call, message", [
    (lambda x: tl.topk(x, 4), "selected index k out of range"),
    (lambda x: tl.kthvalue(x, 0), "kthvalue\\(\\): selected number k out of range for dimension 0"),
    (lambda x: tl.median(x[:0], 0), "Expected reduction dim 0 to have non-zero size"),
    (lambda x: tl.sort(x, 1), "Dimension out of range"),
])
def test_bad_arguments_name_the_op(call, message):
    with pytest.raises((RuntimeError, IndexError), match=message):
        call(tl.tensor([1., 2., 3.]))


# -- gradients --------------------------------------------------------------------------------
SELECTIONS = {
    "sort": lambda x: tl.sort(x, 0, descending=True).values,
    "topk": lambda x: tl.topk(x, 2, -1).values,
    "kthvalue": lambda x: tl.kthvalue(x, 2, 0).values,
    "median_dim": lambda x: tl.median(x, -1).values,
    "median": lambda x: tl.median(x),
    "nanmedian_dim": lambda x: tl.nanmedian(x, 0).values,
    "mode": lambda x: tl.mode(x, 0).values,
    "cummax": lambda x: tl.cummax(x, 0).values,
    "cummin": lambda x: tl.cummin(x, -1).values,
    "cumprod": lambda x: tl.cumprod(x, -1),
    "logcumsumexp": lambda x: tl.logcumsumexp(x, 0),
}


# distinct values at least 0.25 apart: central differences never cross a tie (a kink)
GRID = st.sampled_from([k * 0.25 - 2.0 for k in range(17)])


@pytest.mark.parametrize("name", sorted(SELECTIONS))
@given(x=tensors(shape=(3, 4), elements=GRID, unique=True))
def test_gradients_of_first_and_second_order(name, x):
    check_backward(SELECTIONS[name], x)
    check_double_backward(SELECTIONS[name], x)


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_gradcheck_and_gradgradcheck(name):
    x = tl.tensor(np.random.default_rng(0).permutation(12).reshape(3, 4) * 0.3 - 1.0,
                  dtype=tl.float64, requires_grad=True)
    assert gradcheck(SELECTIONS[name], (x,))
    assert gradgradcheck(SELECTIONS[name], (x,))


def test_median_splits_the_gradient_among_ties():
    x = tl.tensor([1., 2., 2., 3.], requires_grad=True)
    tl.median(x).backward()
    same(x.grad, [0., .5, .5, 0.])
    x = tl.tensor([2., 2., 2., 3.], requires_grad=True)
    tl.mode(x).values.backward()
    same(x.grad, [0., 0., 1., 0.])  # mode's index: the last occurrence


@given(a=arrays(elements=st.sampled_from([0.0, 0.5, -2.0, 3.0]), dtype=np.float64, max_dims=2),
       data=st.data())
def test_cumprod_gradient_is_right_with_zeros(a, data):
    """One zero, several zeros, a zero first or last: the exact gradient of every order."""
    dim = _dim(data, a.ndim)
    x = tl.tensor(a, requires_grad=True)
    upstream = np.random.default_rng(1).normal(size=a.shape)
    (grad,) = tl.autograd.grad((tl.cumprod(x, dim) * tl.tensor(upstream)).sum(), x)
    axis = dim % max(a.ndim, 1)
    lines = np.moveaxis(a.reshape(a.shape or (1,)), axis, -1)
    ups = np.moveaxis(upstream.reshape(a.shape or (1,)), axis, -1)
    expected = np.zeros_like(lines)
    n = lines.shape[-1]
    for k in range(n):  # d out_j / d x_k = prod_{i <= j, i != k} x_i for j >= k
        for j in range(k, n):
            others = np.delete(lines[..., :j + 1], k, axis=-1)
            expected[..., k] += ups[..., j] * np.prod(others, axis=-1)
    got = np.moveaxis(grad.numpy().reshape(a.shape or (1,)), axis, -1)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_cumprod_double_backward_at_zeros():
    x = tl.tensor([[2., 0., 3., 0.5], [0., 1.5, 0., 2.]], dtype=tl.float64, requires_grad=True)
    assert gradcheck(lambda t: tl.cumprod(t, 1), (x,))
    assert gradgradcheck(lambda t: tl.cumprod(t, 1), (x,))


# -- scans ------------------------------------------------------------------------------------
def _cum_extreme_reference(line, is_max):
    values, indices, best, at = [], [], line[0], 0
    for r, v in enumerate(line):
        better = v >= best if is_max else v <= best
        if math.isnan(v) or (not math.isnan(best) and better):
            best, at = v, r
        values.append(best)
        indices.append(at)
    return values, indices


@given(a=arrays(max_dims=2), is_max=st.booleans(), data=st.data())
def test_cummax_cummin_latest_index_and_sticky_nan(a, is_max, data):
    dim = _dim(data, a.ndim)
    values, indices = (tl.cummax if is_max else tl.cummin)(tl.tensor(a), dim)
    lines = np.moveaxis(a.reshape(a.shape or (1,)), dim % max(a.ndim, 1), -1).reshape(-1, a.shape[dim] if a.ndim else 1)
    expected = [_cum_extreme_reference(list(line), is_max) for line in lines]
    got_v = np.moveaxis(values.numpy().reshape(a.shape or (1,)), dim % max(a.ndim, 1), -1).reshape(lines.shape)
    got_i = np.moveaxis(indices.numpy().reshape(a.shape or (1,)), dim % max(a.ndim, 1), -1).reshape(lines.shape)
    np.testing.assert_array_equal(got_v, [v for v, _ in expected])
    np.testing.assert_array_equal(got_i, [i for _, i in expected])


@given(a=arrays(elements=st.floats(-30, 30) | st.sampled_from([-math.inf, math.inf]), max_dims=2),
       data=st.data())
def test_logcumsumexp_and_cumprod_match_numpy(a, data):
    dim = _dim(data, a.ndim)
    axis = dim % max(a.ndim, 1)
    with np.errstate(all="ignore"):
        expected = np.logaddexp.accumulate(a.reshape(a.shape or (1,)), axis=axis).reshape(a.shape)
    np.testing.assert_allclose(tl.logcumsumexp(tl.tensor(a), dim).numpy(), expected, rtol=1e-12)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(tl.tensor(a).cumprod(dim).numpy(),
                                   np.cumprod(a.reshape(a.shape or (1,)), axis=axis).reshape(a.shape))


def test_scan_dtypes_and_errors():
    assert tl.cumprod(tl.tensor([1, 2, 3], dtype=tl.uint8), 0).dtype == tl.int64
    assert tl.cummax(tl.tensor([True, False, True]), 0).indices.tolist() == [0, 0, 2]
    # a NaN sticks, and each later NaN takes over the index (PyTorch's rule)
    assert tl.cummax(tl.tensor([1., 1., NAN, 2., NAN]), 0).indices.tolist() == [0, 1, 2, 2, 4]
    assert tl.cummin(tl.tensor([0., 0., NAN, NAN]), 0).indices.tolist() == [0, 1, 2, 3]
    same(tl.logcumsumexp(tl.tensor([-math.inf, -math.inf, math.inf, 1.]), 0), [-math.inf, -math.inf, math.inf, math.inf])
    with pytest.raises(NotImplementedError, match="logcumsumexp"):
        tl.logcumsumexp(tl.tensor([1, 2]), 0)


# -- unique -----------------------------------------------------------------------------------
@given(a=arrays(elements=st.integers(-2, 2), dtype=np.int64))
def test_unique_matches_numpy(a):
    values, inverse, counts = tl.unique(tl.tensor(a), return_inverse=True, return_counts=True)
    want_values, want_inverse, want_counts = np.unique(a, return_inverse=True, return_counts=True)
    same(values, want_values)
    same(inverse, want_inverse.reshape(a.shape))
    same(counts, want_counts)


@given(a=arrays(elements=st.integers(0, 1), dtype=np.int64, min_dims=2, max_dims=3, max_side=4), data=st.data())
def test_unique_dim_matches_numpy(a, data):
    dim = _dim(data, a.ndim)
    values, inverse, counts = tl.tensor(a).unique(dim=dim, return_inverse=True, return_counts=True)
    want_values, want_inverse, want_counts = np.unique(a, axis=dim, return_inverse=True, return_counts=True)
    same(values, want_values)
    same(inverse, want_inverse.reshape(-1))
    same(counts, want_counts)


# PyTorch 2.13's unique(dim=0): its comparator lets a NaN column decide nothing, so a row with
# NaN keeps its place among rows it does not differ from elsewhere (and may split them)
UNIQUE_DIM_FROM_PYTORCH = [
    ([[0, 0, 0, NAN], [0, 0, 0, 0], [0, 0, 0, 0]],
     [[0, 0, 0, NAN], [0, 0, 0, 0]], [0, 1, 1], [1, 2]),
    ([[0, 0, 0, 0], [0, 0, 0, NAN], [0, 0, 0, 0]],
     [[0, 0, 0, 0], [0, 0, 0, NAN], [0, 0, 0, 0]], [0, 1, 2], [1, 1, 1]),
    ([[1, NAN], [0, 2], [1, NAN], [0, 1]],
     [[0, 1], [0, 2], [1, NAN], [1, NAN]], [2, 1, 3, 0], [1, 1, 1, 1]),
]


@pytest.mark.parametrize("rows, values, inverse, counts", UNIQUE_DIM_FROM_PYTORCH)
def test_unique_dim_with_nan_is_pytorchs(rows, values, inverse, counts):
    got = tl.unique(tl.tensor(rows), dim=0, return_inverse=True, return_counts=True)
    same(got[0], values)
    same(got[1], inverse)
    same(got[2], counts)
    got_t = tl.unique(tl.tensor(rows).t(), dim=1, return_inverse=True)
    same(got_t[0], np.array(values).T)


@given(a=arrays(elements=TIED, max_dims=1))
def test_unique_consecutive_and_nan(a):
    values, inverse, counts = tl.unique_consecutive(tl.tensor(a), return_inverse=True, return_counts=True)
    starts = [0] + [i for i in range(1, a.size) if not a.reshape(-1)[i] == a.reshape(-1)[i - 1]]
    same(values, a.reshape(-1)[starts])
    same(counts, np.diff(starts + [a.size]))
    same(inverse, (np.searchsorted(starts, np.arange(a.size), side="right") - 1).reshape(a.shape))
    x = tl.tensor([NAN, 1., NAN, 1.])
    got = tl.unique(x, return_inverse=True, return_counts=True)
    assert [t.tolist() for t in got[1:]] == [[1, 0, 2, 0], [2, 1, 1]]  # NaNs are all distinct


# -- searchsorted, bucketize, histc -----------------------------------------------------------
@given(seq=hnp.arrays(np.float64, st.integers(0, 6), elements=st.integers(-3, 3).map(float)),
       values=arrays(elements=st.integers(-4, 4).map(float), max_dims=2), right=st.booleans())
def test_searchsorted_and_bucketize_match_numpy(seq, values, right):
    seq = np.sort(seq)
    side = "right" if right else "left"
    expected = np.searchsorted(seq, values, side=side)
    same(tl.searchsorted(tl.tensor(seq), tl.tensor(values), right=right), expected)
    same(tl.searchsorted(tl.tensor(seq), tl.tensor(values), side=side, out_int32=True), expected)
    same(tl.bucketize(tl.tensor(values), tl.tensor(seq), right=right), expected)


def test_searchsorted_rows_sorter_and_nan():
    seq = tl.tensor([[1., 2., 3.], [0., 0., 1.]])
    same(tl.searchsorted(seq, tl.tensor([[2., 3.], [0., 9.]]), right=True), [[2, 3], [2, 3]])
    same(tl.searchsorted(tl.tensor([3., 1., 2.]), tl.tensor([2.5]), sorter=tl.tensor([1, 2, 0])), [2])
    same(tl.searchsorted(tl.tensor([1., 2., NAN]), tl.tensor([NAN, 2., 0.5, 5.])), [3, 1, 0, 3])
    assert tl.searchsorted(tl.tensor([1, 2, 3]), 2).dtype == tl.int64
    assert tl.bucketize(1.5, tl.tensor([1, 2, 3])).item() == 1  # a number is compared as it is
    with pytest.raises(RuntimeError, match="sorter must be a tensor of long dtype"):
        tl.searchsorted(tl.tensor([1., 2.]), tl.tensor([1.]), sorter=tl.tensor([0, 1], dtype=tl.int32))
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        tl.searchsorted(tl.tensor([1., 2.]), tl.tensor([1.]), sorter=tl.tensor([0, 2])).tolist()
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        tl.searchsorted(seq, tl.tensor([[1.], [2.]]), right=True, side="left")
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        tl.searchsorted(seq, tl.tensor([1.]))
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension"):
        tl.bucketize(tl.tensor([1.]), seq)


def _histc_reference(a, bins, low, high):
    a = a.reshape(-1).astype(np.float32)
    low, high = np.float32(low), np.float32(high)
    a = a[(a >= low) & (a <= high)]
    index = np.minimum(((a - low) * np.float32(bins) / (high - low)).astype(np.int64), bins - 1)
    return np.bincount(index, minlength=bins).astype(np.float32)


@given(a=arrays(elements=st.floats(-5, 5, width=32), dtype=np.float32), bins=st.integers(1, 7),
       bounds=st.sampled_from([(0, 0), (-2.0, 3.0), (0.5, 0.5), (-5, 5)]))
def test_histc(a, bins, bounds):
    low, high = bounds
    if low == high:
        low, high = (a.min(), a.max()) if a.size else (low, high)
        if low == high:
            low, high = low - 1, high + 1
    same(tl.histc(tl.tensor(a), bins, *bounds), _histc_reference(a, bins, low, high))


def test_histc_errors():
    with pytest.raises(NotImplementedError, match="histc"):
        tl.histc(tl.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        tl.histc(tl.tensor([1.]), 4, 3, 1)
    with pytest.raises(RuntimeError, match="not finite"):
        tl.histc(tl.tensor([1., NAN]), 4).tolist()


def test_nonzero_and_argwhere_of_a_0_dim_tensor():
    assert tl.nonzero(tl.tensor(0.)).shape == (0, 0)
    assert tl.tensor(3.).argwhere().shape == (1, 0)
    same(tl.argwhere(tl.tensor([[0, 1], [2, 0]])), [[0, 1], [1, 0]])


# -- OpenCL against NumPy ---------------------------------------------------------------------
CROSS = {
    "sort": lambda x: tuple(tl.sort(x, 0)),
    "sort_descending": lambda x: tuple(tl.sort(x, -1, descending=True)),
    "topk": lambda x: tuple(tl.topk(x, 2, -1, largest=False)),
    "kthvalue": lambda x: tuple(tl.kthvalue(x, 2, 0, keepdim=True)),
    "median": lambda x: (tl.median(x), *tl.median(x, -1)),
    "mode": lambda x: tuple(tl.mode(x, 0)),
    "cumprod": lambda x: tl.cumprod(x, -1),
    "cummax": lambda x: tuple(tl.cummax(x, 0)),
    "cummin": lambda x: tuple(tl.cummin(x, -1)),
    "logcumsumexp": lambda x: tl.logcumsumexp(x, -1),
    "unique": lambda x: tl.unique(x, return_inverse=True, return_counts=True),
    "unique_dim": lambda x: tl.unique(x > 0, dim=1, return_inverse=True, return_counts=True),
    "unique_consecutive": lambda x: tl.unique_consecutive(x.floor(), return_counts=True),
    "searchsorted": lambda x: tl.searchsorted(x.sort(-1).values, x * 0.5, right=True),
    "bucketize": lambda x: tl.bucketize(x, tl.tensor([-1., 0., 1.], dtype=x.dtype, device=x.device)),
    "histc": lambda x: tl.histc(x, 5),
}


@pytest.mark.backend_pair
@pytest.mark.parametrize("name", sorted(CROSS))
@given(x=tensors(shape=st.tuples(st.integers(2, 4), st.integers(2, 5)),
                 elements=st.sampled_from([0.0, 1.0, -1.0, 2.5, -0.5]), dtype=tl.float32),
       non_contiguous=st.booleans())
def test_opencl_matches_numpy(opencl, name, x, non_contiguous):
    check_backends_agree(CROSS[name], x, device=opencl, rtol=1e-5, atol=1e-6, non_contiguous=non_contiguous)


@pytest.mark.backend_pair
@given(n=st.integers(1, 150), seed=st.integers(1, 13), largest=st.booleans(), is_sorted=st.booleans(),
       data=st.data())
def test_opencl_topk_kthvalue_on_long_tied_lines(opencl, n, seed, largest, is_sorted, data):
    """The kernels' libstdc++ and quickselect code (heaps, introsort) and the merge sort of long
    lines against the NumPy backend's."""
    k = data.draw(st.integers(0, n))
    x = tl.tensor([_tied_line(n, seed), _tied_line(n, seed + 1)])
    check_backends_agree(lambda t: tuple(tl.sort(t, 1, largest)), x, device=opencl)
    check_backends_agree(lambda t: tuple(tl.sort(t.t(), 0, is_sorted, stable=True)), x, device=opencl)
    check_backends_agree(lambda t: tuple(tl.topk(t, k, 1, largest, is_sorted)), x, device=opencl)
    check_backends_agree(lambda t: tuple(tl.kthvalue(t, max(k, 1), 1)), x, device=opencl)
    check_backends_agree(lambda t: tuple(tl.mode(t, 1)), x, device=opencl)


@pytest.mark.backend_pair
def test_opencl_nan_and_integer_lines(opencl):
    x = tl.tensor([[3., NAN, 1., 1., 0., -0.], [2., 2., 1., NAN, NAN, 5.]])
    for fn in (lambda t: tuple(tl.sort(t, 1, True)), lambda t: tuple(tl.cummax(t, 1)),
               lambda t: tl.median(t, 1).values, lambda t: tl.logcumsumexp(t, 1),
               lambda t: tl.searchsorted(tl.tensor([1., 2., NAN], device=t.device), t)):
        check_backends_agree(fn, x, device=opencl)
    ints = tl.tensor([[3, 1, 2, 1], [0, 0, 5, 5]], dtype=tl.uint8)
    for fn in (lambda t: tuple(tl.sort(t, 1)), lambda t: tl.cumprod(t, 1), lambda t: tuple(tl.cummin(t, 1)),
               lambda t: tuple(tl.mode(t, 1))):
        check_backends_agree(fn, ints, device=opencl)


def test_in_place_scans_keep_the_dtype_and_the_gradient():
    x = tl.tensor([1, 2, 3], dtype=tl.int32)
    assert x.cumsum_(0) is x and x.tolist() == [1, 3, 6] and x.dtype == tl.int32
    leaf = tl.tensor([1., 2., 3.], requires_grad=True)
    y = leaf * 1
    y.cumprod_(0)
    y.sum().backward()
    same(y.detach(), [1., 2., 6.])
    same(leaf.grad, [9., 4., 2.])  # d(x0 + x0 x1 + x0 x1 x2)


@pytest.mark.parametrize("dtype", [tl.float16, tl.bfloat16])
def test_half_types_follow_float32(dtype, cpu_default_device):  # OpenCL refuses half types
    """NaN handling of bfloat16 (NumPy kind 'V') and float16 as float32's; scans in float32."""
    a = [3., 1., 2., NAN, 1., 0.5]
    x, ref = tl.tensor(a, dtype=dtype), tl.tensor(a)
    for fn in (lambda t: tl.cummax(t, 0), lambda t: tl.sort(t, descending=True), lambda t: tl.mode(t),
               lambda t: tl.topk(t, 3), lambda t: tl.kthvalue(t, 2)):
        got, want = fn(x), fn(ref)
        np.testing.assert_array_equal(got.values.float().numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    np.testing.assert_allclose(tl.cumprod(x, 0).float().numpy(), tl.cumprod(ref, 0).numpy(), rtol=1e-2)
