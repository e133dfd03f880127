"""Reductions with dim=int/tuple/()/None/negative and keepdim, over every dtype, plus the
scan and norm family."""
import pytest
from hypothesis import assume, given, strategies as st
import numpy as np

from harness import check
from inputs import ALL_DTYPES, arrs, dims_arg, one_dim
from test_elementwise import finite


MULTI_DIM = ["sum", "mean", "amax", "amin", "logsumexp", "var", "std", "count_nonzero", "norm",
             "prod", "any", "all", "max", "min", "argmax", "argmin"]
ONE_DIM_ONLY = {"max", "min", "prod", "any", "all", "argmax", "argmin"}
DIM_REQUIRED = {"logsumexp"}
FLOAT_ONLY = {"norm", "logsumexp", "mean", "var", "std"}
DTYPES = st.sampled_from(ALL_DTYPES)
SECOND_ORDER = {"sum", "mean", "logsumexp", "var", "std", "prod", "norm"}


def reduce_call(name, dim, keepdim, use_method):
    def fn(lib, x):
        target = x if use_method else lib
        op = getattr(target, name)
        args = () if use_method else (x,)
        kwargs = {}
        if dim != "absent":
            kwargs["dim"] = dim
        if keepdim is not None:
            kwargs["keepdim"] = keepdim
        return op(*args, **kwargs)
    return fn


@pytest.mark.parametrize("name", MULTI_DIM)
@given(x=arrs(dtype=DTYPES), keepdim=st.sampled_from([None, False, True]),
       use_method=st.booleans(), data=st.data())
def test_reduction(name, x, keepdim, use_method, data):
    ndim = x.array.ndim
    if name in ONE_DIM_ONLY:
        dims = one_dim(ndim)
    else:
        dims = dims_arg(ndim, allow_none=name not in ("count_nonzero", "logsumexp"), allow_empty=False)
    dim = data.draw(dims if name in DIM_REQUIRED else st.one_of(st.just("absent"), dims))
    if name == "count_nonzero" or dim == "absent":
        keepdim = None
    if name in FLOAT_ONLY and x.array.dtype.kind != "f":
        return  # the dtype checks of these are pinned in test_known.py
    # PyTorch's second derivative of the norm at 0 is nan (its first is the 0 subgradient): not followed
    check(reduce_call(name, dim, keepdim, use_method), x, grad=finite(x),
          grad2=name in SECOND_ORDER and finite(x) and not (name == "norm" and (x.array == 0).any()))


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "max", "argmax", "prod", "var"])
@given(x=arrs(dtype="float32", requires_grad=False, specials=False), keepdim=st.booleans(), data=st.data())
def test_reduction_opencl(name, x, keepdim, data, device):
    dim = data.draw(one_dim(x.array.ndim))
    check(reduce_call(name, dim, keepdim, False), x, device=device)


@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
@given(x=arrs(), correction=st.sampled_from([0, 1, 2]), keepdim=st.booleans(), data=st.data())
def test_variance_correction(name, x, correction, keepdim, data):
    dim = data.draw(dims_arg(x.array.ndim, allow_empty=False))
    shape = x.array.shape or (1,)
    reduced = x.array.size if dim is None else int(np.prod([shape[d] for d in np.atleast_1d(dim)]))
    # no gradient check without degrees of freedom (PyTorch's is inf/nan by a formula not followed)
    grad = finite(x) and reduced > correction
    # PyTorch's var_mean/std_mean compute the mean by Welford's update: with an infinity the
    # mean depends on the order (inf then 0 gives nan), so non-finite inputs are not compared
    assume(finite(x) or not name.endswith("_mean"))
    check(lambda lib, x: getattr(lib, name)(x, dim=dim, correction=correction, keepdim=keepdim), x, grad=grad)


@given(x=arrs(), unbiased=st.booleans(), data=st.data())
def test_var_unbiased(x, unbiased, data):
    dim = data.draw(one_dim(x.array.ndim))
    enough = x.array.ndim and x.array.shape[dim] > 1  # one element: no degrees of freedom
    check(lambda lib, x: (x.var(dim, unbiased), x.std(dim, unbiased)), x, grad=finite(x) and bool(enough))


@pytest.mark.parametrize("name", ["max", "min"])
@given(x=arrs(dtype=DTYPES), keepdim=st.booleans(), data=st.data())
def test_max_min_with_dim(name, x, keepdim, data):
    """(values, indices) with the first index on ties; the gradient goes to that index only."""
    dim = data.draw(one_dim(x.array.ndim))
    check(lambda lib, x: tuple(getattr(x, name)(dim, keepdim)), x, grad=finite(x))


@pytest.mark.parametrize("name", ["cumsum"])
@given(x=arrs(dtype=DTYPES), data=st.data())
def test_scan(name, x, data):
    dim = data.draw(one_dim(x.array.ndim))
    check(lambda lib, x: getattr(lib, name)(x, dim), x, grad=finite(x), grad2=True)


@given(x=arrs(), p=st.sampled_from([1, 2, 3, 0.5, float("inf"), float("-inf"), 0, "fro"]),
       keepdim=st.booleans(), data=st.data())
def test_norm(x, p, keepdim, data):
    dim = data.draw(st.one_of(st.none(), one_dim(x.array.ndim)))
    if p == "fro" and dim is not None:
        dim = None
    check(lambda lib, x: lib.norm(x, p=p, dim=dim, keepdim=keepdim), x, grad=finite(x))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(x=arrs(dtype=st.sampled_from(["float32", "float64"])), data=st.data())
def test_softmax_family(name, x, data):
    dim = data.draw(one_dim(x.array.ndim))
    check(lambda lib, x: getattr(x, name)(dim), x, grad=finite(x), grad2=finite(x))
    check(lambda lib, x: getattr(lib.nn.functional, name)(x, dim=dim), x, grad=finite(x))


@given(x=arrs(), dtype=st.sampled_from([None, "float32", "float64"]), data=st.data())
def test_sum_with_dtype(x, dtype, data):
    dim = data.draw(dims_arg(x.array.ndim, allow_empty=False))
    check(lambda lib, x: lib.sum(x, dim=dim, dtype=None if dtype is None else getattr(lib, dtype)), x,
          grad=finite(x))
