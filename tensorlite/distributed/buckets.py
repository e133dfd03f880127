"""Gradient buckets for DistributedDataParallel: the gradients of a run of parameters averaged
across ranks together, either in an MPI-3 shared-memory window (shared_memory.SharedBucket:
float32/float64 parameters, the same number of ranks on every machine) or packed into one
host buffer and summed with one nonblocking MPI Iallreduce (GradientBucket: any device, any
dtype; OpenCL gradients are staged through host memory).

DistributedDataParallel (tensorlite.nn.parallel) decides when a bucket starts; this module owns
the host buffers and the MPI requests (nn stays free of array libraries)."""
from __future__ import annotations

import os

import numpy as np

from .. import dtypes as _dt
from ..ops.creation import from_numpy
from .collectives import write_back
from .process_group import communicator, mpi
from .shared_memory import NodeGroups, SharedWindow, shareable

ALLREDUCE_CHOICES = ("auto", "shared_memory", "mpi")


FIRST_BUCKET_BYTES = 2 ** 20


def plan_buckets(params: list, cap_bytes: int) -> list:
    """Split ``params`` (in the order given: DDP passes them reversed) into runs of at most
    ``cap_bytes`` of gradient (a larger parameter gets a bucket of its own), one dtype per run.
    As PyTorch's, the first bucket holds at most 1 MiB: it is ready early in backward, so its
    allreduce starts while the rest of backward runs. Returns lists of parameters."""
    buckets, current, size = [], [], 0
    for p in params:
        nbytes = p.numel() * _wire_itemsize(p.dtype)
        cap = min(cap_bytes, FIRST_BUCKET_BYTES) if not buckets else cap_bytes
        if current and (size + nbytes > cap or p.dtype is not current[0].dtype):
            buckets.append(current)
            current, size = [], 0
        current.append(p)
        size += nbytes
    if current:
        buckets.append(current)
    return buckets


def make_buckets(params: list, cap_bytes: int, allreduce: str = "mpi") -> tuple:
    """The buckets of ``params`` (see plan_buckets) and the shared window (None without one).

    ``allreduce``: 'mpi' (every bucket an Iallreduce), 'shared_memory' (every bucket in the
    shared window: raises if one cannot be), 'auto' (the window where it can be, else MPI).
    One rank alone communicates nothing: its buckets are never started. Collective: every
    rank must call it, and all get the same kinds of buckets."""
    plan = plan_buckets(params, cap_bytes)
    world = communicator().Get_size()
    if allreduce == "mpi" or world == 1:
        return [GradientBucket(group) for group in plan], None
    groups = NodeGroups()
    reasons = [shareable(group) for group in plan]
    if not groups.uniform:
        reasons = ["the machines run different numbers of ranks"] * len(plan)
    agreed = np.array([reason is None for reason in reasons], dtype=np.int64)
    communicator().Allreduce(mpi().IN_PLACE, agreed, op=mpi().MIN)  # e.g. cpu here, opencl there
    if allreduce == "shared_memory" and not agreed.all():
        reason = next((r for r in reasons if r is not None), "another rank's parameters cannot be")
        raise RuntimeError(f"DistributedDataParallel(allreduce='shared_memory'): {reason}; use "
                           f"allreduce='auto' (MPI for such buckets) or 'mpi'")
    shared = [group for group, ok in zip(plan, agreed) if ok]
    window = SharedWindow(groups, shared) if shared else None
    windowed = iter(window.buckets if window else ())
    return [next(windowed) if ok else GradientBucket(group) for group, ok in zip(plan, agreed)], window


def zero_missing_gradients(params: list) -> None:
    """Give each parameter without a gradient a zero one (unused in this rank's forward: with
    more ranks, its gradient is the average of the others', zeros for this rank's share)."""
    for p in params:
        if p.grad is None:
            p.grad = from_numpy(np.zeros(tuple(p.shape), dtype=_wire_dtype(p.dtype))).to(device=p.device, dtype=p.dtype)


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

