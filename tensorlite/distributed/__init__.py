"""tensorlite.distributed: data-parallel training over MPI (mpi4py), torch.distributed's API.

Launch with ``mpiexec -n 2 python train.py`` (``pip install tensorlite[distributed]`` brings
mpi4py and the mpich wheel, whose mpiexec lands next to the venv's python). Collectives work
in place on CPU and OpenCL tensors; OpenCL tensors are staged through host memory.
DistributedDataParallel lives in ``tensorlite.nn.parallel``.
"""
from .collectives import ReduceOp, all_gather, all_reduce, broadcast, reduce
from .launch import find_mpiexec, mpiexec_command
from .process_group import (barrier, destroy_process_group, get_local_rank, get_rank, get_world_size,
                            init, init_process_group, is_available, is_initialized)

__all__ = ["ReduceOp", "all_gather", "all_reduce", "broadcast", "reduce", "barrier",
           "destroy_process_group", "get_local_rank", "get_rank", "get_world_size", "init",
           "init_process_group", "is_available", "is_initialized", "find_mpiexec", "mpiexec_command"]
