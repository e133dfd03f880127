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
from .gradients import KinkError, check_backward, check_double_backward

__all__ = ["check_backward", "check_double_backward", "KinkError", "tensors", "shapes",
           "broadcastable_shapes", "valid_dims", "index_expressions", "unique_upstream"]


def __getattr__(name):
    if name in ("tensors", "shapes", "broadcastable_shapes", "valid_dims", "index_expressions",
                "unique_upstream"):
        from . import strategies
        return getattr(strategies, name)
    raise AttributeError(f"module 'tensorlite.testing' has no attribute {name!r}")
