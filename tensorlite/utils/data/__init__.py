"""tensorlite.utils.data: the same names as tensorlite.data (PyTorch's ``torch.utils.data``).

Example:
>>> from tensorlite.utils.data import DataLoader, TensorDataset
>>> DataLoader is tl.data.DataLoader
True
"""
from ...data import *  # noqa: F401,F403 (the alias re-exports every public name)
from ...data import __all__  # noqa: F401
from . import dataloader, dataset, sampler  # torch.utils.data.dataloader etc. (module paths)
