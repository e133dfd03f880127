"""tensorlite.nn.modules.container: the names of PyTorch's ``torch.nn.modules.container`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]
