"""Generated from the op-spec table (tests/op_specs.py, tests/nn_specs.py) with the public
tensorlite.testing helpers: for every differentiable op, a forward test against NumPy, a gradient
test and a double-gradient test; for every op without a gradient, the forward test."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tensorlite.testing import check_op_double_gradient, check_op_forward, check_op_gradient, op_example

from nn_specs import NN_SPECS
from op_specs import FORWARD_SPECS
from op_specs import SPECS as OP_SPECS

SPECS = OP_SPECS + NN_SPECS
DOUBLE = [s for s in SPECS if s.double]
FORWARD = SPECS + FORWARD_SPECS  # FORWARD_SPECS: ops without a gradient (comparisons, isnan, any)


@pytest.mark.parametrize("spec", FORWARD, ids=[s.name for s in FORWARD])
@given(data=st.data())
def test_forward_matches_numpy(spec, data):
    check_op_forward(spec, *data.draw(op_example(spec)))


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@given(data=st.data())
def test_gradient(spec, data):
    check_op_gradient(spec, *data.draw(op_example(spec)))


@pytest.mark.parametrize("spec", DOUBLE, ids=[s.name for s in DOUBLE])
@given(data=st.data())
def test_double_gradient(spec, data):
    check_op_double_gradient(spec, *data.draw(op_example(spec)))
