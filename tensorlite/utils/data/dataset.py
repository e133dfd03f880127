"""tensorlite.utils.data.dataset: PyTorch's ``torch.utils.data.dataset`` path, the names of
``tensorlite.data.dataset`` (``from torch.utils.data.dataset import ...`` runs with torch mapped to tensorlite)."""
from ...data.dataset import *  # noqa: F401,F403 (the alias re-exports every public name)
from ...data.dataset import __all__  # noqa: F401
