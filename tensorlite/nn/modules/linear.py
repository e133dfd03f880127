"""tensorlite.nn.modules.linear: the names of PyTorch's ``torch.nn.modules.linear`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..layers.linear import Bilinear, Identity, Linear
from ..layers.lazy import LazyLinear

__all__ = ["Bilinear", "Identity", "Linear", "LazyLinear"]
