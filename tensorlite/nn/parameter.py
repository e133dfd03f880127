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


_SHAPE_MESSAGE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                  "happens in `load_state_dict` when trying to load an uninitialized parameter into "
                  "an initialized one. Call `forward` to initialize the parameters before accessing "
                  "their attributes.")


def _uninitialized_use(what: str) -> ValueError:
    return ValueError(f"Attempted to use an uninitialized parameter in {what}. This error happens "
                      f"when you are using a `LazyModule` or explicitly manipulating "
                      f"`tensorlite.nn.parameter.UninitializedParameter` objects. When using "
                      f"LazyModules Call `forward` with a dummy batch to initialize the parameters "
                      f"before calling tensorlite functions")


class _UninitializedMixin:
    """A tensor whose shape is not known yet (a lazy module's, until its first forward): it
    holds an empty array only for its dtype and device (so ``module.to(...)`` before the first
    call still decides them); ``materialize`` gives it storage and turns it into
    ``cls_to_become`` in place, so an optimizer built before the first call keeps working."""

    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor uninitialised storage of ``shape`` and become ``cls_to_become``."""
        real = empty(*tuple(shape), device=device or self.device, dtype=dtype or self.dtype)
        self._array, self.device = real._array, real.device
        self._counter = None
        self._version_counter()
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_SHAPE_MESSAGE)

    def size(self, dim=None):
        raise RuntimeError(_SHAPE_MESSAGE)

    @property
    def ndim(self):
        raise RuntimeError(_SHAPE_MESSAGE)

    def dim(self):
        raise _uninitialized_use("dim")

    def numel(self):
        raise _uninitialized_use("numel")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A Parameter of a lazy module before its first forward: no shape yet; becomes a
    Parameter in place on ``materialize``.

    Example:
    >>> p = nn.parameter.UninitializedParameter()
    >>> p
    <UninitializedParameter>
    >>> p.materialize((2, 3))
    >>> type(p).__name__, p.shape, p.requires_grad
    ('Parameter', tensorlite.Size([2, 3]), True)
    """

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return super().__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        pass


class UninitializedBuffer(_UninitializedMixin, Tensor):
    """A buffer of a lazy module before its first forward (running statistics): becomes a plain
    Tensor in place on ``materialize``.

    Example:
    >>> b = nn.parameter.UninitializedBuffer()
    >>> b.materialize((4,))
    >>> type(b).__name__, b.shape
    ('Tensor', tensorlite.Size([4]))
    """

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        data = empty(0, device=device, dtype=dtype)
        buffer = Tensor.__new__(cls)
        buffer._array, buffer.device = data._array, data.device
        buffer._counter = data._version_counter()
        if requires_grad:
            buffer.requires_grad = True
        return buffer

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        pass


def is_lazy(tensor) -> bool:
    """Whether ``tensor`` is an UninitializedParameter or UninitializedBuffer.

    Example:
    >>> nn.parameter.is_lazy(nn.parameter.UninitializedParameter()), nn.parameter.is_lazy(tl.ones(1))
    (True, False)
    """
    return isinstance(tensor, _UninitializedMixin)
