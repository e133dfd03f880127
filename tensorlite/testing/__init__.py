"""Public gradient-testing helpers: hypothesis strategies for tensors and ``check_backward``.

Example::

    from hypothesis import given
    from tensorlite.testing import tensors, check_backward

    @given(tensors(shape=(3, 4)))
    def test_tanh_gradient(x):
        check_backward(lambda t: t.tanh(), x)

Requires the ``hypothesis`` package (``pip install tensorlite[test]``) for the strategies;
``check_backward`` itself needs only tensorlite.
"""
import importlib

from .backends import as_non_contiguous, check_backends_agree
from .gradients import KinkError, check_backward, check_double_backward

__all__ = ["check_backward", "check_double_backward", "KinkError", "tensors", "shapes",
           "broadcastable_shapes", "valid_dims", "index_expressions", "unique_upstream", "OpSpec",
           "op_example", "check_op_forward", "check_op_gradient", "check_op_double_gradient",
           "check_backends_agree", "as_non_contiguous"]

_HYPOTHESIS_NAMES = {
    "strategies": ("tensors", "shapes", "broadcastable_shapes", "valid_dims", "index_expressions",
                   "unique_upstream"),
    "opspec": ("OpSpec", "op_example", "check_op_forward", "check_op_gradient", "check_op_double_gradient"),
}


def __getattr__(name):
    # these need hypothesis: imported on first use so check_backward works without it
    for module, names in _HYPOTHESIS_NAMES.items():
        if name in names:
            return getattr(importlib.import_module(f"{__name__}.{module}"), name)
    raise AttributeError(f"module 'tensorlite.testing' has no attribute {name!r}")
