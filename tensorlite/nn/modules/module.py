"""tensorlite.nn.modules.module: the names of PyTorch's ``torch.nn.modules.module`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..module import (Module, register_module_forward_hook, register_module_forward_pre_hook,
                      register_module_full_backward_hook, register_module_full_backward_pre_hook)

__all__ = ["Module", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_hook", "register_module_full_backward_pre_hook"]
