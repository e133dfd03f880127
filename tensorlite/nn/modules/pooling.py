"""tensorlite.nn.modules.pooling: the names of PyTorch's ``torch.nn.modules.pooling`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..layers import pooling as _source
from ..module import Module as _Module

__all__ = [name for name, value in vars(_source).items()
           if isinstance(value, type) and issubclass(value, _Module) and not name.startswith("_")
           and name != "Module"]
globals().update({name: getattr(_source, name) for name in __all__})
