"""tensorlite.utils: PyTorch's ``torch.utils`` path for the names tensorlite has, so that
``from torch.utils.data import DataLoader`` runs with ``torch`` mapped to tensorlite."""
from . import data, dlpack

__all__ = ["data", "dlpack"]
