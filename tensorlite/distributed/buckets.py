"""Gradient buckets for DistributedDataParallel: the gradients of a run of parameters, packed
into one host buffer and averaged across ranks with one nonblocking MPI Iallreduce.

DistributedDataParallel (tensorlite.nn.parallel) decides when a bucket starts; this module owns
the host buffers and the MPI requests (nn stays free of array libraries)."""
from __future__ import annotations

import os

import numpy as np

from .. import dtypes as _dt
from ..ops.creation import from_numpy
from .collectives import write_back
from .process_group import communicator, mpi


FIRST_BUCKET_BYTES = 2 ** 20


def make_buckets(params: list, cap_bytes: int) -> list:
    """Split ``params`` (in the order given: DDP passes them reversed) into runs of at most
    ``cap_bytes`` of gradient (a larger parameter gets a bucket of its own), one dtype per run.
    As PyTorch's, the first bucket holds at most 1 MiB: it is ready early in backward, so its
    allreduce starts while the rest of backward runs."""
    buckets, current, size = [], [], 0
    for p in params:
        nbytes = p.numel() * _wire_itemsize(p.dtype)
        cap = min(cap_bytes, FIRST_BUCKET_BYTES) if not buckets else cap_bytes
        if current and (size + nbytes > cap or p.dtype is not current[0].dtype):
            buckets.append(GradientBucket(current))
            current, size = [], 0
        current.append(p)
        size += nbytes
    if current:
        buckets.append(GradientBucket(current))
    return buckets


def _wire_dtype(dtype):
    """MPI has no half types: their gradients travel (exactly) as float32."""
    return np.dtype(np.float32) if dtype in (_dt.float16, _dt.bfloat16) else dtype.numpy


def _wire_itemsize(dtype) -> int:
    return _wire_dtype(dtype).itemsize


class GradientBucket:
    """The gradients of ``params`` in one contiguous host buffer; ``start`` launches the
    Iallreduce (sum), ``finish`` waits and writes the average back into each ``.grad``."""

    def __init__(self, params: list):
        self.params = params
        self.sizes = [p.numel() for p in params]
        self.offsets = np.cumsum([0] + self.sizes)
        self.buffer = np.empty(int(self.offsets[-1]), dtype=_wire_dtype(params[0].dtype))
        self.request = None

    def start(self, world_size: int) -> None:
        """Copy the gradients divided by ``world_size`` into the host buffer (zeros for a
        parameter without one: unused in this rank's forward) and start the nonblocking sum
        across ranks: the sum of the shares is the average."""
        for p, start, size in zip(self.params, self.offsets, self.sizes):
            region = self.buffer[start:start + size]
            if p.grad is None:
                region[...] = 0
            else:  # on the CPU a view of the gradient: one pass, straight into the buffer
                np.divide(p.grad.detach().numpy().reshape(-1), world_size, out=region, casting="unsafe")
        self.request = communicator().Iallreduce(mpi().IN_PLACE, self.buffer, op=mpi().SUM)

    def started(self) -> bool:
        return self.request is not None

    def progress(self) -> None:
        """Let MPI move this bucket's messages on (MPICH progresses only inside MPI calls)."""
        if self.request is not None:
            self.request.Test()

    def finish(self) -> None:
        """Wait for the sum; write it into each parameter's ``.grad`` (in place when it has
        one, else a new gradient tensor on the parameter's device)."""
        while not self.request.Test():  # not Wait(): MPICH's Wait spins on a core the slower
            os.sched_yield()              # rank may need (ranks often outnumber free cores)
        for p, start, size in zip(self.params, self.offsets, self.sizes):
            values = self.buffer[start:start + size].reshape(tuple(p.shape))
            if p.grad is None:
                p.grad = from_numpy(values.copy()).to(device=p.device, dtype=p.dtype)
            else:
                write_back(p.grad, values)
        self.request = None


def check_same_parameters(named: list) -> None:
    """Raise the same error on every rank unless all ranks hold the same number of tensors
    with the same shapes and dtypes, in the same order (``named``: (name, tensor) pairs)."""
    comm = communicator()
    mine = np.array([v for _, t in named for v in (t.dtype.rank, t.dim(), *t.shape)], dtype=np.int64)
    counts = np.empty(comm.Get_size(), dtype=np.int64)
    comm.Allgather(np.array([mine.size], dtype=np.int64), counts)
    everyone = np.empty(int(counts.sum()), dtype=np.int64)
    comm.Allgatherv(mine, [everyone, [int(c) for c in counts]])
    starts = np.cumsum([0] + [int(c) for c in counts])
    described = [_decode(everyone[starts[r]:starts[r + 1]]) for r in range(comm.Get_size())]
    for r, theirs in enumerate(described):
        if theirs != described[0]:
            raise RuntimeError("DistributedDataParallel: " + _first_difference(named, described[0], theirs, r))


def _decode(values) -> list:
    out, i = [], 0
    while i < len(values):
        dtype, ndim = int(values[i]), int(values[i + 1])
        out.append((_dt.ALL_DTYPES[dtype].name, tuple(int(s) for s in values[i + 2:i + 2 + ndim])))
        i += 2 + ndim
    return out


def _first_difference(named, first, theirs, rank) -> str:
    if len(first) != len(theirs):
        return (f"rank 0 has {len(first)} parameters/buffers but rank {rank} has {len(theirs)}; every "
                f"rank must build the same model")
    for (name, _), a, b in zip(named, first, theirs):
        if a != b:
            return (f"parameter '{name}' has shape {list(a[1])} {a[0]} on rank 0 but {list(b[1])} "
                    f"{b[0]} on rank {rank}; every rank must build the same model")
    return "the ranks' models differ"

