"""Sorting and selection (sort, argsort, msort, topk, kthvalue, median, mode), the scans beside
cumsum (cumprod, cummax, cummin, logcumsumexp), unique / unique_consecutive, searchsorted /
bucketize, histc, and nonzero / argwhere of 0-dim tensors, against PyTorch: values, indices,
errors, first and second derivatives. Inputs are tie-heavy (the KINKS values, NaN, -0.0)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from harness import Arr, check
from inputs import ALL_DTYPES, FLOATS, arrs, one_dim
from test_elementwise import finite

DTYPES = st.sampled_from(ALL_DTYPES)


def _second_order_ok(x):
    return finite(x) and x.array.dtype.kind == "f"


@given(x=arrs(dtype=DTYPES), descending=st.booleans(), use_method=st.booleans(), data=st.data())
def test_sort_stable(x, descending, use_method, data):
    dim = data.draw(one_dim(x.array.ndim))

    def fn(lib, x):
        out = x.sort(dim=dim, descending=descending, stable=True) if use_method else \
            lib.sort(x, dim=dim, descending=descending, stable=True)
        return tuple(out)
    check(fn, x, grad=finite(x), grad2=_second_order_ok(x))
    check(lambda lib, x: lib.argsort(x, dim=dim, descending=descending, stable=True), x, grad=False)


@given(x=arrs(dtype=DTYPES, min_dims=1))
def test_msort(x):
    check(lambda lib, x: lib.msort(x), x, grad=finite(x))


def _selection_call(name, dim, k, flag, keepdim):
    def fn(lib, x):
        if name == "topk":
            return tuple(lib.topk(x, k, dim, largest=flag))
        if name == "kthvalue":
            return tuple(lib.kthvalue(x, k, dim, keepdim))
        if name == "median":
            return tuple(x.median(dim, keepdim))
        return tuple(lib.mode(x, dim, keepdim))
    return fn


@pytest.mark.parametrize("name", ["topk", "kthvalue", "median", "mode"])
@given(x=arrs(dtype=st.sampled_from(FLOATS + ("int64", "int32")), unique=True, max_dims=2, max_side=3), flag=st.booleans(),
       keepdim=st.booleans(), data=st.data())
def test_selection_distinct_values(name, x, flag, keepdim, data):
    """Distinct values: the indices are determined, so they and the gradients are compared."""
    dim = data.draw(one_dim(x.array.ndim))
    size = x.array.shape[dim] if x.array.ndim else 1
    k = data.draw(st.integers(0 if name == "topk" else 1, max(size, 1)))
    check(_selection_call(name, dim, k, flag, keepdim), x, grad=finite(x), grad2=_second_order_ok(x))


@given(x=arrs(dtype=DTYPES), keepdim=st.booleans(), data=st.data())
def test_kthvalue_with_ties(x, keepdim, data):
    """kthvalue's index among equal values is PyTorch's quickselect's (NaN included)."""
    dim = data.draw(one_dim(x.array.ndim))
    size = x.array.shape[dim] if x.array.ndim else 1
    k = data.draw(st.integers(1, max(size, 1)))
    check(lambda lib, x: tuple(lib.kthvalue(x, k, dim, keepdim)), x, grad=finite(x))


@given(x=arrs(dtype=st.sampled_from(FLOATS + ("int64", "uint8", "int32"))), largest=st.booleans(),
       is_sorted=st.booleans(), data=st.data())
def test_topk_with_ties(x, largest, is_sorted, data):
    """topk's indices among equal values, and its order with sorted=False, are PyTorch's."""
    dim = data.draw(one_dim(x.array.ndim))
    size = x.array.shape[dim] if x.array.ndim else 1
    k = data.draw(st.integers(0, size))
    check(lambda lib, x: tuple(lib.topk(x, k, dim, largest, is_sorted)), x, grad=finite(x))


@given(n=st.integers(17, 200), seed=st.integers(0, 10 ** 6), largest=st.booleans(),
       is_sorted=st.booleans(), data=st.data())
def test_long_tied_lines(n, seed, largest, is_sorted, data):
    """Lines long enough for introsort's partitions and heaps, for partial_sort (k*64 <= n), and
    for the OpenCL merge sort."""
    values = np.random.default_rng(seed).choice([0.0, 1.0, 2.0, np.nan, -1.0], n).astype(np.float32)
    k = data.draw(st.one_of(st.integers(0, n), st.integers(0, max(1, n // 64))))
    check(lambda lib, x: tuple(lib.topk(x, k, 0, largest, is_sorted)), Arr(values), grad=False)
    check(lambda lib, x: tuple(lib.kthvalue(x, max(k, 1), 0)), Arr(values), grad=False)
    check(lambda lib, x: tuple(lib.mode(x, 0)), Arr(values), grad=False)
    check(lambda lib, x: tuple(lib.sort(x, descending=largest, stable=True)), Arr(values), grad=False)
    check(lambda lib, x: tuple(lib.sort(x, 0, largest)), Arr(values), grad=False)
    check(lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True), Arr(values), grad=False)
    check(lambda lib, x: lib.argsort(x, 0, largest), Arr(values), grad=False)


@pytest.mark.parametrize("name", ["median", "mode"])
@given(x=arrs(dtype=DTYPES), keepdim=st.booleans(), data=st.data())
def test_median_mode_with_ties(name, x, keepdim, data):
    """The lower median (NaN first) and the smallest most frequent value with its last index."""
    dim = data.draw(one_dim(x.array.ndim))
    check(_selection_call(name, dim, 1, True, keepdim), x, grad=finite(x))


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@given(x=arrs(dtype=DTYPES), keepdim=st.booleans(), use_dim=st.booleans(), data=st.data())
def test_median_nanmedian(name, x, keepdim, use_dim, data):
    """Over everything (NaN propagates, or is ignored; the gradient is split among ties) or along
    a dim (the lower middle of the stable order; its gradient goes to that index)."""
    if use_dim:
        dim = data.draw(one_dim(x.array.ndim))
        check(lambda lib, x: tuple(getattr(lib, name)(x, dim, keepdim)), x, grad=finite(x))
    else:
        check(lambda lib, x: getattr(lib, name)(x), x, grad=True, grad2=_second_order_ok(x))


@pytest.mark.parametrize("name", ["cumprod", "cummax", "cummin", "logcumsumexp"])
@given(x=arrs(dtype=DTYPES), data=st.data())
def test_scans(name, x, data):
    dim = data.draw(one_dim(x.array.ndim))

    def fn(lib, x):
        out = getattr(lib, name)(x, dim)
        return tuple(out) if name in ("cummax", "cummin") else out
    # second derivatives: cumprod's at zeros too; cummax/min and logcumsumexp with finite inputs
    check(fn, x, grad=finite(x), grad2=_second_order_ok(x))


@given(x=arrs(dtype=st.sampled_from(FLOATS), low=-2, high=2, specials=False), data=st.data())
def test_cumprod_with_zeros_second_order(x, data):
    x = Arr(np.where(np.abs(x.array) < 0.6, 0.0, x.array).astype(x.array.dtype), requires_grad=True)
    dim = data.draw(one_dim(x.array.ndim))
    check(lambda lib, x: lib.cumprod(x, dim), x, grad=True, grad2=True)


@given(x=arrs(dtype=DTYPES, max_dims=2), inverse=st.booleans(), counts=st.booleans(),
       consecutive=st.booleans(), use_dim=st.booleans(), data=st.data())
def test_unique(x, inverse, counts, consecutive, use_dim, data):
    dim = data.draw(one_dim(x.array.ndim)) if use_dim else None

    def fn(lib, x):
        if consecutive:
            out = lib.unique_consecutive(x, return_inverse=inverse, return_counts=counts, dim=dim)
        else:
            out = lib.unique(x, sorted=True, return_inverse=inverse, return_counts=counts, dim=dim)
        return tuple(out) if isinstance(out, tuple) else out
    check(fn, x, grad=False)


@given(seq=arrs(dtype=DTYPES, max_dims=2, min_dims=1), values=arrs(dtype=DTYPES, max_dims=2),
       right=st.booleans(), out_int32=st.booleans(), row_wise=st.booleans())
def test_searchsorted_bucketize(seq, values, right, out_int32, row_wise):
    boundaries = Arr(np.sort(seq.array.reshape(-1)))  # NaN sorts last, as PyTorch's sort
    if row_wise and seq.array.ndim == 2 and values.array.ndim == 2:
        boundaries = Arr(np.sort(seq.array, axis=-1))
        values = Arr(values.array[:1].repeat(seq.array.shape[0], 0) if values.array.shape[0] else
                     np.zeros((seq.array.shape[0], 0), values.array.dtype))
    check(lambda lib, s, v: lib.searchsorted(s, v, right=right, out_int32=out_int32), boundaries, values,
          grad=False)
    if boundaries.array.ndim == 1:
        check(lambda lib, s, v: lib.bucketize(v, s, right=right, out_int32=out_int32), boundaries, values,
              grad=False)


@given(x=arrs(dtype=st.sampled_from(FLOATS + ("int64",)), requires_grad=False),
       bins=st.integers(1, 6), bounds=st.sampled_from([(0, 0), (-2, 3), (1.5, 1.5), (-4, 4), (3, 1)]))
def test_histc(x, bins, bounds):
    check(lambda lib, x: lib.histc(x, bins, *bounds), x, grad=False)


@given(x=arrs(dtype=DTYPES, shape=()))
def test_nonzero_argwhere_0_dim(x):
    check(lambda lib, x: (lib.nonzero(x), lib.argwhere(x), x.argwhere()), x, grad=False)


@pytest.mark.parametrize("name", ["sort", "median", "mode", "kthvalue", "topk", "cumprod", "cummax", "logcumsumexp",
                                  "unique", "searchsorted", "histc"])
@given(x=arrs(dtype="float32", requires_grad=False, min_dims=1), data=st.data())
def test_opencl_mirror(name, x, data, device):
    dim = data.draw(one_dim(x.array.ndim))
    calls = {
        "sort": lambda lib, x: tuple(lib.sort(x, dim=dim, descending=True, stable=True)),
        "median": lambda lib, x: (lib.median(x), *lib.median(x, dim)),
        "mode": lambda lib, x: tuple(lib.mode(x, dim)),
        "kthvalue": lambda lib, x: tuple(lib.kthvalue(x, max(1, x.shape[dim] // 2), dim)),
        "topk": lambda lib, x: tuple(lib.topk(x, x.shape[dim] // 2, dim)),
        "cumprod": lambda lib, x: lib.cumprod(x, dim),
        "cummax": lambda lib, x: tuple(lib.cummax(x, dim)),
        "logcumsumexp": lambda lib, x: lib.logcumsumexp(x, dim),
        "unique": lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True),
        "searchsorted": lambda lib, x: lib.searchsorted(x.reshape(-1).sort().values, x),
        "histc": lambda lib, x: lib.histc(x, 4, -2, 2),
    }
    if name in ("median", "kthvalue") and x.array.size == 0:
        return
    check(calls[name], x, device=device, grad=False)
