"""tensorlite.nn.parallel: data parallelism across MPI ranks (DistributedDataParallel)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
