"""tensorlite.nn.modules.instancenorm: the names of PyTorch's ``torch.nn.modules.instancenorm`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..layers.lazy import LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d
from ..layers.normalization import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _InstanceNorm  # noqa: F401

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]
