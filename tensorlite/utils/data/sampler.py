"""tensorlite.utils.data.sampler: PyTorch's ``torch.utils.data.sampler`` path, the names of
``tensorlite.data.sampler`` (``from torch.utils.data.sampler import ...`` runs with torch mapped to tensorlite)."""
from ...data.sampler import *  # noqa: F401,F403 (the alias re-exports every public name)
from ...data.sampler import __all__  # noqa: F401
