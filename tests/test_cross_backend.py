"""Every op of the op-spec table on OpenCL against the NumPy backend (hypothesis): values and
gradients, for random shapes (0-d, size-1 and empty included by the table's shape strategies)
and contiguous or transposed (non-contiguous) inputs, with the public check_backends_agree."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tensorlite as tl
from tensorlite.testing import check_backends_agree, op_example, shapes, tensors

from nn_specs import NN_SPECS
from op_specs import FORWARD_SPECS
from op_specs import SPECS as OP_SPECS

SPECS = OP_SPECS + NN_SPECS + FORWARD_SPECS
pytestmark = pytest.mark.backend_pair


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@given(data=st.data(), non_contiguous=st.booleans())
def test_opencl_matches_numpy(opencl, spec, data, non_contiguous):
    inputs, kwargs = data.draw(op_example(spec))
    check_backends_agree(lambda *xs: spec.op(*xs, **kwargs), *inputs, device=opencl,
                         rtol=1e-9, atol=1e-10, non_contiguous=non_contiguous)


ELEMENTWISE_AND_REDUCTIONS = {
    "add_broadcast": lambda x: x + x.sum(0, keepdim=True) if x.ndim else x + 1.5,
    "mul_exp_where": lambda x: tl.where(x > 0, x.exp(), x * 2.0),
    "sum_axes": lambda x: x.sum(tuple(range(x.ndim))[::2]) if x.ndim else x.sum(),
    "mean_last": lambda x: x.mean(-1) if x.ndim else x.mean(),
    "transpose_copy": lambda x: x.transpose(0, -1).contiguous() if x.ndim > 1 else x.clone(),
    "cat_self": lambda x: tl.cat([x, x * 3], 0) if x.ndim else tl.stack([x, x]),
    "cumsum_first": lambda x: x.cumsum(0) if x.ndim else x.cumsum(0),
    "logsumexp_last": lambda x: x.logsumexp(-1) if x.ndim and x.shape[-1] else x.exp(),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE_AND_REDUCTIONS))
@given(x=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)), non_contiguous=st.booleans())
def test_empty_and_zero_dim_shapes_agree(opencl, name, x, non_contiguous):
    """Shapes with zero-size sides and 0-d tensors, where the op table draws sizes >= 1."""
    check_backends_agree(ELEMENTWISE_AND_REDUCTIONS[name], x, device=opencl, rtol=1e-9, atol=1e-10,
                         non_contiguous=non_contiguous)
