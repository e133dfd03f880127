"""tensorlite.nn.modules.normalization: the names of PyTorch's ``torch.nn.modules.normalization`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..layers.normalization import GroupNorm, LayerNorm, LocalResponseNorm, RMSNorm

__all__ = ["GroupNorm", "LayerNorm", "LocalResponseNorm", "RMSNorm"]
