"""tensorlite.nn.modules.flatten: the names of PyTorch's ``torch.nn.modules.flatten`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..layers.linear import Flatten, Unflatten

__all__ = ["Flatten", "Unflatten"]
