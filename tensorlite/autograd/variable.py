"""``Variable``: the pre-0.4 PyTorch wrapper that older programs still import
(``from torch.autograd import Variable``). Tensors and Variables are one thing since then:
``Variable(t, requires_grad=...)`` returns a leaf tensor sharing ``t``'s memory, and every
tensor is an instance of Variable."""
from __future__ import annotations

from .._warn import warn_user
from ..tensor import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: ``data.detach()`` with ``requires_grad`` set (a
    leaf sharing data's memory); ``volatile`` is accepted and ignored with PyTorch's warning.

    Example:
    >>> from tensorlite.autograd import Variable
    >>> x = tl.ones(2)
    >>> v = Variable(x, requires_grad=True)
    >>> v.requires_grad, v.is_leaf, isinstance(x, Variable)
    (True, True, True)
    """

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warn_user("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.")
        return data.detach().requires_grad_(requires_grad)
