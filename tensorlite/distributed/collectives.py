"""Collectives on tensors, in place as torch.distributed: broadcast, all_reduce, all_gather, reduce.

Every call moves the values through host memory: a tensor on an OpenCL device is copied to the
host, exchanged with MPI's buffer-based (upper-case) calls, and written back with ``copy_``, an
in-place op (so its version counter moves and a leaf that requires grad is refused, as with any
in-place op). Nothing is pickled. Before each collective the ranks exchange what they are about
to send (shape, dtype, whether the call is valid here) in one small allgather, so a mismatch
raises the same clear error on every rank instead of hanging or corrupting memory.
"""
from __future__ import annotations

import enum

import numpy as np

from .. import dtypes as _dt
from ..ops.creation import from_numpy
from ..tensor import Tensor
from .process_group import communicator, mpi

# MPI has no reductions on half types: they travel (exactly) as float32 and are rounded back.
_WIDENED = {_dt.float16.name: np.float32, _dt.bfloat16.name: np.float32}


class ReduceOp(enum.Enum):
    """How ``all_reduce`` and ``reduce`` combine the ranks' tensors (strings work too).

    Example:
    >>> tl.distributed.ReduceOp("avg")
    <ReduceOp.AVG: 'avg'>
    """

    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"


def _reduce_op(op, name: str) -> ReduceOp:
    if isinstance(op, ReduceOp):
        return op
    try:
        return ReduceOp(str(op).lower())
    except ValueError:
        raise ValueError(f"{name}: unknown reduce op {op!r}; use ReduceOp.SUM, AVG, MAX or MIN "
                         f"(or 'sum', 'avg', 'max', 'min')") from None


def _mpi_op(op: ReduceOp, dtype):
    MPI = mpi()
    if dtype is _dt.bool_:  # as NCCL: a sum of booleans is their logical or
        return MPI.MIN if op is ReduceOp.MIN else MPI.MAX
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX,
            ReduceOp.MIN: MPI.MIN}[op]


# -- host staging --------------------------------------------------------------------------------

def host_copy(tensor: Tensor) -> np.ndarray:
    """A private, contiguous host copy of ``tensor``'s values in the type MPI sends (half types
    as float32, bool as uint8). Device tensors are read back here."""
    host = tensor.detach().numpy()
    wire = _WIDENED.get(tensor.dtype.name, np.uint8 if tensor.dtype is _dt.bool_ else host.dtype)
    return np.array(host, dtype=wire, order="C", copy=True)


def write_back(tensor: Tensor, host: np.ndarray) -> None:
    """Write host values into ``tensor`` with ``copy_`` (an in-place op: bumps the version,
    converts dtype and device)."""
    tensor.copy_(from_numpy(host.reshape(tuple(tensor.shape))))


# -- agreement between ranks ------------------------------------------------------------------------

def _local_problem(name: str, tensor, outputs=()) -> str | None:
    """Why this call cannot run on this rank (None if it can), decided before any exchange."""
    if not isinstance(tensor, Tensor):
        return f"{name}: expected a tensorlite.Tensor, got {type(tensor).__name__}"
    for out in outputs:
        if not isinstance(out, Tensor):
            return f"{name}: every output must be a tensorlite.Tensor, got {type(out).__name__}"
        if tuple(out.shape) != tuple(tensor.shape) or out.dtype is not tensor.dtype:
            return (f"{name}: output tensors must match the input: got shape {list(out.shape)} "
                    f"{out.dtype.name}, input {list(tensor.shape)} {tensor.dtype.name}")
    for out in outputs or (tensor,):
        try:
            out._check_inplace(name)
        except RuntimeError as error:
            return str(error)
    return None


def _agree(name: str, tensor, problem: str | None = None) -> None:
    """Exchange (valid here?, dtype, shape) between all ranks; raise the same error on each
    rank if any rank refused the call or the ranks disagree on shape or dtype."""
    comm = communicator()
    valid = problem is None
    shape = tuple(tensor.shape) if valid else ()
    header = np.array([int(valid), tensor.dtype.rank if valid else -1, len(shape)], dtype=np.int64)
    headers = np.empty((comm.Get_size(), 3), dtype=np.int64)
    comm.Allgather(header, headers)
    counts = [int(n) for n in headers[:, 2]]
    shapes = np.empty(sum(counts), dtype=np.int64)
    comm.Allgatherv(np.array(shape, dtype=np.int64), [shapes, counts])
    refused = [r for r in range(comm.Get_size()) if not headers[r, 0]]
    if refused:
        raise RuntimeError(problem or f"{name}: rank(s) {refused} refused the call (see their "
                                      f"error); no rank took part in the collective")
    offsets = np.cumsum([0] + counts)
    described = [(tuple(int(s) for s in shapes[offsets[r]:offsets[r + 1]]),
                  _dt.ALL_DTYPES[int(headers[r, 1])].name) for r in range(comm.Get_size())]
    if len(set(described)) > 1:
        listing = ", ".join(f"rank {r}: {list(s)} {d}" for r, (s, d) in enumerate(described))
        raise RuntimeError(f"{name}: the ranks disagree on the tensor's shape or dtype ({listing}); "
                           f"every rank must pass a tensor of the same shape and dtype")


# -- the collectives ----------------------------------------------------------------------------

def broadcast(tensor: Tensor, src: int = 0) -> None:
    """Copy rank ``src``'s tensor into every other rank's tensor, in place.

    Shapes: tensor (*), the same shape and dtype on every rank. OpenCL tensors are staged
    through host memory.

    Example:
    >>> tl.distributed.init_process_group()
    >>> x = tl.tensor([1., 2.])
    >>> tl.distributed.broadcast(x, src=0)
    >>> x
    tensor([1., 2.])
    >>> tl.distributed.destroy_process_group()
    """
    _check_rank("broadcast", "src", src)
    _agree("broadcast", tensor, _local_problem("broadcast", tensor))
    comm = communicator()
    host = host_copy(tensor)
    comm.Bcast(host, root=src)
    if comm.Get_rank() != src:
        write_back(tensor, host)


def all_reduce(tensor: Tensor, op=ReduceOp.SUM) -> None:
    """Combine the tensors of all ranks with ``op`` (sum, avg, max, min); every rank gets the
    result in place.

    Shapes: tensor (*), the same shape and dtype on every rank. OpenCL tensors are staged
    through host memory; float16/bfloat16 are reduced in float32; on bool, sum is logical or.

    Example:
    >>> tl.distributed.init_process_group()
    >>> x = tl.tensor([1., 2.])
    >>> tl.distributed.all_reduce(x, op=tl.distributed.ReduceOp.SUM)
    >>> x
    tensor([1., 2.])
    >>> tl.distributed.destroy_process_group()
    """
    op = _reduce_op(op, "all_reduce")
    _agree("all_reduce", tensor, _local_problem("all_reduce", tensor) or _op_problem("all_reduce", op, tensor))
    comm = communicator()
    host = host_copy(tensor)
    comm.Allreduce(mpi().IN_PLACE, host, op=_mpi_op(op, tensor.dtype))
    if op is ReduceOp.AVG:
        host /= comm.Get_size()
    write_back(tensor, host)


def reduce(tensor: Tensor, dst: int = 0, op=ReduceOp.SUM) -> None:
    """Combine the tensors of all ranks with ``op`` into rank ``dst``'s tensor (in place);
    the other ranks' tensors are left unchanged.

    Shapes: tensor (*), the same shape and dtype on every rank.

    Example:
    >>> tl.distributed.init_process_group()
    >>> x = tl.tensor([3, 4])
    >>> tl.distributed.reduce(x, dst=0, op="max")
    >>> x
    tensor([3, 4])
    >>> tl.distributed.destroy_process_group()
    """
    op = _reduce_op(op, "reduce")
    _check_rank("reduce", "dst", dst)
    _agree("reduce", tensor, _local_problem("reduce", tensor) or _op_problem("reduce", op, tensor))
    comm = communicator()
    host = host_copy(tensor)
    if comm.Get_rank() == dst:
        comm.Reduce(mpi().IN_PLACE, host, op=_mpi_op(op, tensor.dtype), root=dst)
        if op is ReduceOp.AVG:
            host /= comm.Get_size()
        write_back(tensor, host)
    else:
        comm.Reduce(host, None, op=_mpi_op(op, tensor.dtype), root=dst)


def all_gather(tensor_list: list, tensor: Tensor) -> None:
    """Fill ``tensor_list[r]`` with rank r's ``tensor``, on every rank (in place).

    Shapes: tensor (*), the same on every rank; tensor_list: world size tensors of shape (*).

    Example:
    >>> tl.distributed.init_process_group()
    >>> outputs = [tl.zeros(2)]
    >>> tl.distributed.all_gather(outputs, tl.tensor([5., 6.]))
    >>> outputs
    [tensor([5., 6.])]
    >>> tl.distributed.destroy_process_group()
    """
    comm = communicator()
    problem = None
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != comm.Get_size():
        count = len(tensor_list) if isinstance(tensor_list, (list, tuple)) else type(tensor_list).__name__
        problem = (f"all_gather: tensor_list must be a list of world size ({comm.Get_size()}) "
                   f"tensors, got {count}")
    problem = problem or _local_problem("all_gather", tensor, tensor_list)
    _agree("all_gather", tensor, problem)
    host = host_copy(tensor)
    gathered = np.empty((comm.Get_size(),) + host.shape, dtype=host.dtype)
    comm.Allgather(host, gathered)
    for out, values in zip(tensor_list, gathered):
        write_back(out, values)


def _op_problem(name: str, op: ReduceOp, tensor) -> str | None:
    if op is ReduceOp.AVG and isinstance(tensor, Tensor) and not tensor.dtype.is_floating_point:
        return (f"{name}: ReduceOp.AVG needs a floating-point tensor, got {tensor.dtype.name} "
                f"(use SUM and divide, or convert with .to(tl.float32))")
    return None


def _check_rank(name: str, argument: str, rank) -> None:
    """Same value on every rank (an argument of the program), so raising here is collective."""
    size = communicator().Get_size()
    if not isinstance(rank, int) or not 0 <= rank < size:
        raise ValueError(f"{name}: {argument}={rank!r} is not a rank of this job (0 .. {size - 1})")
