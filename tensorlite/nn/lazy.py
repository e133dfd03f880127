"""LazyModuleMixin: modules whose parameter shapes are inferred from their first input."""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from .parameter import is_lazy


class LazyModuleMixin:
    """Mixed in before a layer class: its parameters start as UninitializedParameter (and its
    buffers as UninitializedBuffer); the first call runs ``initialize_parameters(*args)`` (a
    forward pre-hook) which materializes them from the input's shape, then the module turns
    into ``cls_to_become`` (LazyLinear into Linear) and the hook is removed. Parameters are
    materialized in place, so an optimizer built before the first call trains them.

    Example:
    >>> fc = nn.LazyLinear(2)
    >>> fc.has_uninitialized_params()
    True
    >>> fc(tl.zeros(5, 3)).shape, fc
    (tensorlite.Size([5, 2]), Linear(in_features=3, out_features=2, bias=True))
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "_initialize_hook", self.register_forward_pre_hook(_infer_parameters))

    def has_uninitialized_params(self) -> bool:
        """Whether any own parameter or buffer is still uninitialized."""
        stores = (self._parameters.values(), self._buffers.values())
        return any(is_lazy(t) for store in stores for t in store)

    def initialize_parameters(self, *args, **kwargs) -> None:
        """Materialize the parameters from the first call's arguments (each lazy layer's own)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")


def _infer_parameters(module, args):
    with no_grad():
        module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become
