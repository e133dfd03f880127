"""In-place forms of ops without a gradient (x.eq_(y), x.logical_and_(y), ...): PyTorch keeps
x in the graph with a zero gradient, instead of dropping the write from it."""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor


class ZeroGradient(Function):
    """``value`` as the output of an op of ``inputs`` whose gradient is zero.
    Shapes: value (*), inputs any -> (*)."""

    _primitive = True

    @staticmethod
    def forward(ctx, value, *inputs):
        ctx.count = len(inputs)
        return value._array

    @staticmethod
    def backward(ctx, grad):
        return (None,) * (ctx.count + 1)


def without_gradient(op):
    """op(self, *args) wrapped so that its (non-differentiable) result, in self's dtype, stays
    connected to the tensors among self and args with a zero gradient: the out-of-place op
    behind an in-place comparison or logical method.

    Example:
    >>> from tensorlite.ops.zero_grad import without_gradient
    >>> x = tl.tensor([1., 2.], requires_grad=True)
    >>> without_gradient(tl.eq)(x * 1, 2.)
    tensor([0., 1.], grad_fn=<ZeroGradientBackward0>)
    """
    def compute(self: Tensor, *args):
        value = op(self, *args)
        sources = [t for t in (self, *args) if isinstance(t, Tensor) and t.requires_grad]
        return ZeroGradient.apply(value.to(self.dtype), *sources) if sources else value
    return compute
