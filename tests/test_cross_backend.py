"""Every op of the op-spec table on OpenCL against the NumPy backend (hypothesis): values and
gradients, for random shapes (0-d, size-1 and empty included by the table's shape strategies)
and contiguous or transposed (non-contiguous) inputs, with the public check_backends_agree."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tensorlite.testing import check_backends_agree, op_example

from nn_specs import NN_SPECS
from op_specs import SPECS as OP_SPECS

SPECS = OP_SPECS + NN_SPECS
pytestmark = pytest.mark.backend_pair


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@given(data=st.data(), non_contiguous=st.booleans())
def test_opencl_matches_numpy(opencl, spec, data, non_contiguous):
    inputs, kwargs = data.draw(op_example(spec))
    check_backends_agree(lambda *xs: spec.op(*xs, **kwargs), *inputs, device=opencl,
                         rtol=1e-9, atol=1e-10, non_contiguous=non_contiguous)
