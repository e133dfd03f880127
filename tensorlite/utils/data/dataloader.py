"""tensorlite.utils.data.dataloader: PyTorch's ``torch.utils.data.dataloader`` path, the names of
``tensorlite.data.dataloader`` (``from torch.utils.data.dataloader import ...`` runs with torch mapped to tensorlite)."""
from ...data.dataloader import *  # noqa: F401,F403 (the alias re-exports every public name)
from ...data.dataloader import __all__  # noqa: F401
