"""tensorlite.nn.modules.lazy: the names of PyTorch's ``torch.nn.modules.lazy`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..lazy import LazyModuleMixin

__all__ = ["LazyModuleMixin"]
