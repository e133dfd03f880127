"""Properties for the classes of silent wrong results found by differential fuzzing against
PyTorch 2.13 (SEMANTICS.md section 4): each test states the PyTorch rule and checks it on drawn
inputs, on the default device (the suite runs once on the CPU, once with TENSORLITE_DEVICE=opencl).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tensorlite as tl
from tensorlite.testing import shapes, tensors


def assert_same(actual, expected, rtol=1e-6, atol=1e-9):
    expected = np.asarray(expected)
    got = actual.numpy() if isinstance(actual, tl.Tensor) else np.asarray(actual)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


# -- reductions: an empty dim list reduces every dim ------------------------------------------
EMPTY_DIM_REDUCTIONS = {
    "sum": lambda x, d, k: tl.sum(x, d, keepdim=k),
    "sum_method": lambda x, d, k: x.sum(d, keepdim=k),
    "mean": lambda x, d, k: tl.mean(x, d, keepdim=k),
    "amax": lambda x, d, k: tl.amax(x, d, keepdim=k),
    "amin": lambda x, d, k: tl.amin(x, d, keepdim=k),
    "var": lambda x, d, k: tl.var(x, d, keepdim=k),
    "std": lambda x, d, k: tl.std(x, d, keepdim=k),
    "norm": lambda x, d, k: tl.norm(x, dim=d, keepdim=k),
    "norm1": lambda x, d, k: tl.norm(x, 1, dim=d, keepdim=k),
    "logsumexp": lambda x, d, k: tl.logsumexp(x, d, keepdim=k),
    "count_nonzero": lambda x, d, k: tl.count_nonzero(x, d),
    "var_mean": lambda x, d, k: tl.var_mean(x, d, keepdim=k)[0],
    "std_mean": lambda x, d, k: tl.std_mean(x, d, keepdim=k)[0],
    "mean_of_var_mean": lambda x, d, k: tl.var_mean(x, d, keepdim=k)[1],
}


@pytest.mark.parametrize("name", sorted(EMPTY_DIM_REDUCTIONS))
@given(x=tensors(min_dims=1, unique=True), empty=st.sampled_from([(), []]), keepdim=st.booleans())
def test_empty_dim_list_reduces_every_dim(name, x, empty, keepdim):
    fn = EMPTY_DIM_REDUCTIONS[name]
    assert_same(fn(x, empty, keepdim), fn(x, None, keepdim).numpy()
                if not keepdim or name == "count_nonzero" else fn(x, tuple(range(x.ndim)), True).numpy())


def test_empty_dim_list_examples():
    assert tl.sum(tl.ones(2, 3), dim=()).tolist() == 6.0
    assert tl.ones(2, 3).sum((), keepdim=True).shape == (1, 1)
    # any/all are the exception in PyTorch: an empty dim list tests elementwise
    assert tl.ones(2, 3).any(dim=()).shape == (2, 3)


# -- integer and bool reductions promote to int64 before accumulating --------------------------
@pytest.mark.parametrize("dtype", [tl.uint8, tl.int8, tl.int32, tl.int64, tl.bool_])
@given(data=st.data())
def test_integer_reductions_accumulate_in_int64(dtype, data):
    high = 1 if dtype is tl.bool_ else 120
    x = data.draw(tensors(dtype=dtype, low=0, high=high, min_dims=1, max_side=5))
    wide = x.numpy().astype(np.int64)
    for out, expected in [(x.sum(), wide.sum()), (x.prod(), wide.prod()),
                          (x.cumsum(0), np.cumsum(wide, 0)), (x.sum(0), wide.sum(0)),
                          (x.prod(0), wide.prod(0))]:
        assert out.dtype is tl.int64
        assert_same(out, expected)


def test_uint8_prod_does_not_wrap():
    assert tl.tensor([3, 4, 5, 6]).to(tl.uint8).prod().item() == 360


def test_any_all_of_uint8_return_uint8_like_pytorch():
    x = tl.tensor([[0, 3], [1, 2]]).to(tl.uint8)
    assert x.any().dtype is tl.uint8 and x.any().item() == 1
    assert x.all(1).dtype is tl.uint8 and x.all(1).tolist() == [0, 1]
    assert x.to(tl.int32).any().dtype is tl.bool_
