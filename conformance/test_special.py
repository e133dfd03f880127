"""tensorlite.special against torch.special: values and gradients."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from harness import Arr, check
from inputs import arrs

UNARY = ["erf", "erfc", "exp2", "expit", "expm1", "log1p", "ndtr", "logit"]


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
