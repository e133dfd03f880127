"""Generated from the op-spec table (tests/op_specs.py): for every differentiable op, a forward
test against NumPy, a gradient test and a double-gradient test, via tensorlite.testing."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st


from tensorlite.testing import KinkError, check_backward, check_double_backward
from tensorlite.testing.strategies import tensors

from nn_specs import NN_SPECS
from op_specs import SPECS as OP_SPECS

SPECS = OP_SPECS + NN_SPECS


@st.composite
def example(draw, spec):
    shape_tuple = draw(spec.shapes)
    inputs = [draw(tensors(shape=tuple(shape), low=spec.low, high=spec.high, unique=spec.unique,
                           elements=spec.elements))
              for shape in shape_tuple]
    kwargs = draw(spec.kwargs(shape_tuple))
    arrays = [x.numpy() for x in inputs]
    if spec.avoid is not None:
        assume(not spec.avoid(arrays, kwargs))
    return inputs, kwargs


def _ids(specs):
    return [s.name for s in specs]


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
def test_forward_matches_numpy(spec, data):
    inputs, kwargs = data.draw(example(spec))
    expected = spec.ref(*[x.numpy().copy() for x in inputs], **kwargs)
    result = spec.op(*inputs, **kwargs)
    assert tuple(result.shape) == np.shape(expected)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
def test_gradient(spec, data):
    inputs, kwargs = data.draw(example(spec))
    try:
        check_backward(lambda *xs: spec.op(*xs, **kwargs), *inputs, rtol=spec.rtol, atol=spec.atol, seed=0)
    except KinkError:
        assume(False)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.double], ids=_ids([s for s in SPECS if s.double]))
def test_double_gradient(spec, data):
    inputs, kwargs = data.draw(example(spec))
    try:
        check_double_backward(lambda *xs: spec.op(*xs, **kwargs), *inputs, rtol=spec.rtol,
                              atol=spec.atol, seed=0)
    except KinkError:
        assume(False)




def _with_data(test):
    return given(data=st.data())(test)


test_forward_matches_numpy = _with_data(test_forward_matches_numpy)
test_gradient = _with_data(test_gradient)
test_double_gradient = _with_data(test_double_gradient)
