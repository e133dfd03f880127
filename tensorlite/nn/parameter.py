"""Parameter: a leaf tensor that a Module registers as a trainable weight."""
from __future__ import annotations

from ..ops.creation import empty
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that Modules register automatically; a leaf that requires grad by default.

    Shares storage (and version counter) with the tensor it wraps.

    Shapes: the wrapped tensor's.

    Example:
    >>> w = nn.Parameter(tl.ones(2))
    >>> w
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    >>> w.is_leaf, w.requires_grad
    (True, True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a Tensor, got {type(data).__name__}")
        p = Tensor.__new__(cls)
        p._array = data._array
        p.device = data.device
        p._counter = data._version_counter()
        if requires_grad:
            p.requires_grad = True
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
