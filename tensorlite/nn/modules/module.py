"""tensorlite.nn.modules.module: the names of PyTorch's ``torch.nn.modules.module`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..module import Module

__all__ = ["Module"]
