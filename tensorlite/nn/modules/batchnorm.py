"""tensorlite.nn.modules.batchnorm: the names of PyTorch's ``torch.nn.modules.batchnorm`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..layers.lazy import LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d
from ..layers.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm  # noqa: F401

_NormBase = _BatchNorm  # PyTorch's common base of batch and instance norm

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
           "LazyBatchNorm3d"]
