"""The process group: one MPI job (``mpiexec -n N python train.py``), every rank a process.

mpi4py is imported on first use (``init_process_group``), never at ``import tensorlite``:
importing ``mpi4py.MPI`` initialises MPI, which a single-process user must not pay for.
"""
from __future__ import annotations

import importlib.util
import sys
import time
import traceback

INSTALL_HINT = "pip install tensorlite[distributed]"


class _State:
    """The one process group of this process (torch.distributed's default group)."""

    def __init__(self):
        self.mpi = None          # the mpi4py.MPI module once initialised
        self.comm = None         # a duplicate of COMM_WORLD: our messages never meet the user's
        self.local_rank = 0
        self.previous_excepthook = None


_state = _State()


def is_available() -> bool:
    """Whether mpi4py is installed (``tensorlite.distributed`` can be initialised).

    Example:
    >>> isinstance(tl.distributed.is_available(), bool)
    True
    """
    return importlib.util.find_spec("mpi4py") is not None


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise RuntimeError(f"tensorlite.distributed needs MPI through mpi4py, which could not be "
                           f"imported ({error}). Install it with `{INSTALL_HINT}` (the mpich wheel "
                           f"brings mpiexec and libmpi; a system MPI works too).") from None
    return MPI


def init_process_group(backend: str = "mpi") -> None:
    """Join the MPI job this process was started in (``mpiexec -n 2 python train.py``; a plain
    ``python train.py`` is a job of one rank).

    Also installs an exception hook: an uncaught exception on one rank prints its traceback and
    aborts the whole job (``MPI_Abort``), so the other ranks do not wait forever in a collective.

    Example:
    >>> tl.distributed.init_process_group()
    >>> tl.distributed.get_rank(), tl.distributed.get_world_size()
    (0, 1)
    >>> tl.distributed.destroy_process_group()
    """
    if backend != "mpi":
        raise ValueError(f"init_process_group: unknown backend {backend!r}; tensorlite.distributed "
                         f"runs on 'mpi' (mpi4py)")
    if _state.comm is not None:
        raise RuntimeError("init_process_group: the default process group is already initialized "
                           "(call destroy_process_group() first)")
    MPI = _import_mpi()
    comm = MPI.COMM_WORLD.Dup()
    shared = comm.Split_type(MPI.COMM_TYPE_SHARED, key=comm.Get_rank())
    _state.local_rank = shared.Get_rank()
    shared.Free()
    _state.mpi, _state.comm = MPI, comm
    _state.previous_excepthook = sys.excepthook
    sys.excepthook = _abort_on_exception


init = init_process_group


def _abort_on_exception(kind, value, tb):
    """Print the traceback with this rank's number, then abort every rank of the job."""
    comm, MPI = _state.comm, _state.mpi
    rank = comm.Get_rank() if comm is not None else "?"
    message = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(f"{message}tensorlite.distributed: rank {rank} raised; aborting the MPI job\n")
    sys.stderr.flush()
    if MPI is not None:
        # mpiexec forwards each rank's output through its proxy; an abort at once may tear the
        # job down before the traceback above has been forwarded (seen on a loaded CI machine)
        time.sleep(0.5)
        MPI.COMM_WORLD.Abort(1)


def is_initialized() -> bool:
    """Whether ``init_process_group`` was called (and not undone by ``destroy_process_group``).

    Example:
    >>> tl.distributed.is_initialized()
    False
    """
    return _state.comm is not None


def communicator():
    """The process group's MPI communicator (an ``mpi4py.MPI.Comm``); raises if not initialized."""
    if _state.comm is None:
        raise RuntimeError("Default process group has not been initialized, please make sure to "
                           "call tensorlite.distributed.init_process_group()")
    return _state.comm


def mpi():
    """The ``mpi4py.MPI`` module of the initialized process group."""
    communicator()
    return _state.mpi


def get_rank() -> int:
    """This process's rank in 0 .. world size - 1.

    Example:
    >>> tl.distributed.init_process_group()
    >>> tl.distributed.get_rank()
    0
    >>> tl.distributed.destroy_process_group()
    """
    return communicator().Get_rank()


def get_world_size() -> int:
    """The number of ranks in the job.

    Example:
    >>> tl.distributed.init_process_group()
    >>> tl.distributed.get_world_size()
    1
    >>> tl.distributed.destroy_process_group()
    """
    return communicator().Get_size()


def get_local_rank() -> int:
    """This process's rank among the ranks of its machine (MPI's shared-memory split): the
    index of the GPU it should use, one rank per GPU.

    Example:
    >>> tl.distributed.init_process_group()
    >>> tl.distributed.get_local_rank()
    0
    >>> tl.distributed.destroy_process_group()
    """
    communicator()
    return _state.local_rank


def barrier() -> None:
    """Wait until every rank has reached this call.

    Example:
    >>> tl.distributed.init_process_group()
    >>> tl.distributed.barrier()
    >>> tl.distributed.destroy_process_group()
    """
    communicator().Barrier()


def destroy_process_group() -> None:
    """Leave the process group (MPI itself stays initialised until the process exits, so a new
    ``init_process_group`` may follow); restores the exception hook.

    Example:
    >>> tl.distributed.init_process_group()
    >>> tl.distributed.destroy_process_group()
    >>> tl.distributed.is_initialized()
    False
    """
    comm = communicator()
    comm.Free()
    if sys.excepthook is _abort_on_exception:
        sys.excepthook = _state.previous_excepthook
    _state.comm, _state.previous_excepthook, _state.local_rank = None, None, 0
