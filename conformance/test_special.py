"""tensorlite.special against torch.special: values and gradients."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from harness import Arr, check
from inputs import arrs

UNARY = ["erf", "erfc", "exp2", "expit", "expm1", "log1p", "ndtr", "logit", "erfinv"]


@pytest.mark.parametrize("name", UNARY)
@given(x=arrs(max_dims=2, dtype=st.sampled_from(["float32", "float64"]), specials=True))
def test_special_unary(name, x):
    if name == "logit":  # PyTorch's logit gradient at -0.0 is +inf in float32 but -inf in float64
        x.array[(x.array == 0) & np.signbit(x.array)] = 0.0
    check(lambda lib, x: getattr(lib.special, name)(x), x, grad2=x.array.dtype == np.float64)


# no nan: PyTorch's logit(eps) gradient at nan is nan for a 0-d tensor but 0 in a vectorised one
@given(x=arrs(max_dims=2, low=-0.5, high=1.5, specials=False), eps=st.sampled_from([None, 1e-3, 0.2]))
def test_special_logit_eps(x, eps):
    check(lambda lib, x: lib.special.logit(x, eps), x)


@given(x=arrs(min_dims=1, max_dims=2, empty=False, specials=False), dim=st.sampled_from([0, -1]))
def test_special_softmaxes_and_logsumexp(x, dim):
    check(lambda lib, x: (lib.special.softmax(x, dim), lib.special.log_softmax(x, dim),
                          lib.special.logsumexp(x, dim)), x)


@given(x=arrs(shape=(3,), specials=False), y=arrs(shape=(3,), low=0, high=3, specials=False))
def test_special_xlogy_and_round(x, y):
    check(lambda lib, x, y: (lib.special.xlogy(x, y), lib.special.round(x, decimals=1)), x, y)


# erfinv over (-1, 1) with its tails (1 - 10^-k) and tiny values, to PyTorch's accuracy rather
# than the default float64 tolerance: both are within a few ulp of the exact value there
_ERFINV_VALUES = st.one_of(st.floats(-1, 1), st.floats(0, 16).map(lambda k: 1 - 10.0 ** -k),
                           st.floats(-300, -1).map(lambda k: 10.0 ** k)).flatmap(
    lambda v: st.sampled_from([v, -v]))


@given(values=st.lists(_ERFINV_VALUES, min_size=1, max_size=12), dtype=st.sampled_from(["float32", "float64"]))
def test_special_erfinv_tails_and_gradients(values, dtype):
    x = Arr(np.array(values, dtype=dtype), requires_grad=True)
    tight = (4e-15, 0) if dtype == "float64" else (3e-7, 0)
    check(lambda lib, x: lib.special.erfinv(x), x, rtol=tight[0], atol=tight[1], grad2=dtype == "float64")


@given(x=arrs(max_dims=2, dtype="float32", low=-1, high=1, specials=True, requires_grad=False))
def test_erfinv_opencl_tails(x, device):
    x.array.reshape(-1)[::2] = 1 - np.float32(2.0 ** -20)  # tail values on the device too (a view)
    check(lambda lib, x: x.erfinv(), x, device=device, rtol=3e-7, atol=0)
