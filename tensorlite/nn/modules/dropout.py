"""tensorlite.nn.modules.dropout: the names of PyTorch's ``torch.nn.modules.dropout`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..layers.normalization import Dropout, Dropout1d, Dropout2d, Dropout3d, _DropoutNd  # noqa: F401

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]
