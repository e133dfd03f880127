"""Gradient buckets averaged through an MPI-3 shared-memory window: the ranks of one machine
reduce each other's gradients in place, with one pass over the data per phase and no MPI
message; across machines the node leaders of each slice add an MPI Allreduce (hierarchical).

Every rank of a node owns one segment of the window (``MPI.Win.Allocate_shared``) and sees the
others' (``Shared_query``). A bucket is one region of each segment, and its CPU parameters' ``.grad``
are views into this rank's region (PyTorch's ``gradient_as_bucket_view``): backward writes the
gradients there (``Tensor._grad_destination``), so nothing is copied into or out of the bucket.
The gradients of parameters on an OpenCL device are read into the region and written back
(staged through host memory, as by the collectives).
A bucket of n elements on k local ranks is cut into k slices; the averaging runs in phases that
the ranks announce to each other through counters in their segments:

1. publish: this rank's gradients are in its region (``ready[b] = step``);
2. reduce: once every local rank is ready, rank r adds the others' slice r into its own slice r
   (then the Allreduce of slice r across machines, then the division by the world size), and
   announces it (``reduced[b] = step``);
3. gather: once rank q has reduced, every rank copies slice q from rank q's segment.

At the end of the step each rank announces ``done = step`` and waits for everyone's: after that
no rank reads another's segment until the next step's ``ready``, so the user may change ``.grad``
in place (clipping, zero_grad) and backward may write into it. Memory ordering between writing
data and a counter goes through ``MPI.Win.Sync`` (a memory barrier on the window).
"""
from __future__ import annotations

import os

import numpy as np

from .. import dtypes as _dt
from ..ops.creation import from_numpy
from .collectives import write_back
from .process_group import communicator, mpi

ALIGN = 64  # bytes: a cache line, so no two regions share one
DTYPES = (_dt.float32, _dt.float64)

# Tests on one machine set this to cut it into simulated machines of this many ranks each
# (every path of the hierarchical allreduce then runs without a cluster).
SIMULATED_RANKS_PER_NODE = None


def _aligned(nbytes: int) -> int:
    return -(-nbytes // ALIGN) * ALIGN


class NodeGroups:
    """The communicators of a hierarchical allreduce: ``node`` (the ranks sharing this machine's
    memory) and ``across`` (the ranks with this local rank on every machine). ``uniform`` is
    whether every machine runs the same number of ranks (the slices must line up across
    machines); the same on every rank."""

    def __init__(self):
        MPI, comm = mpi(), communicator()
        node = comm.Split_type(MPI.COMM_TYPE_SHARED, key=comm.Get_rank())
        if SIMULATED_RANKS_PER_NODE:
            simulated = node.Split(node.Get_rank() // SIMULATED_RANKS_PER_NODE, key=node.Get_rank())
            node.Free()
            node = simulated
        self.node = node
        self.across = comm.Split(node.Get_rank(), key=comm.Get_rank())
        sizes = np.array([node.Get_size(), -node.Get_size()], dtype=np.int64)
        comm.Allreduce(MPI.IN_PLACE, sizes, op=MPI.MAX)
        self.uniform = bool(sizes[0] == -sizes[1])
        self.world_size = comm.Get_size()


def shareable(params: list) -> str | None:
    """Why these parameters' gradients cannot be averaged in shared memory (None if they can):
    they must be float32/float64 tensors (on any device)."""
    for p in params:
        if p.dtype not in DTYPES:
            return f"a parameter is {p.dtype.name} (shared memory reduces float32 and float64)"
    return None


class SharedWindow:
    """One shared-memory window holding every shared bucket of a DistributedDataParallel, and
    the step counters of its protocol. ``buckets``: lists of parameters (one dtype each)."""

    def __init__(self, groups: NodeGroups, buckets: list):
        MPI = mpi()
        self.groups = groups
        node = groups.node
        self.rank, self.size = node.Get_rank(), node.Get_size()
        count = len(buckets)
        header = _aligned(8 * (2 * count + 1))
        offsets, end = [], header
        for params in buckets:
            offsets.append(end)
            end += _aligned(sum(p.numel() for p in params) * params[0].dtype.numpy.itemsize)
        info = MPI.Info.Create()
        info.Set("alloc_shared_noncontig", "true")  # each segment in its owner's local memory
        self.win = MPI.Win.Allocate_shared(end, 1, info, comm=node)
        info.Free()
        self.segments = [np.frombuffer(self.win.Shared_query(k)[0], dtype=np.uint8)[:end]
                         for k in range(self.size)]
        self.win.Lock_all(MPI.MODE_NOCHECK)  # a passive epoch, so that Sync may order memory
        counters = [segment[:8 * (2 * count + 1)].view(np.int64) for segment in self.segments]
        self.ready = [c[:count] for c in counters]
        self.reduced = [c[count:2 * count] for c in counters]
        self.done = [c[2 * count:] for c in counters]
        counters[self.rank][:] = 0
        self.step = 0
        self.buckets = [SharedBucket(self, i, params, offset) for i, (params, offset) in
                        enumerate(zip(buckets, offsets))]
        node.Barrier()  # every counter is zero before anyone reads one

    def sync(self) -> None:
        """A memory barrier on the window: writes before it are seen before writes after it."""
        self.win.Sync()

    def begin_step(self) -> None:
        """A synchronized backward starts (the same count on every rank)."""
        self.step += 1

    def end_step(self) -> None:
        """Announce that this rank no longer reads other segments, and wait until no rank reads
        this one: then ``.grad`` may change in place."""
        self.sync()
        self.done[self.rank][0] = self.step
        wait_until(lambda: all(d[0] >= self.step for d in self.done))
        self.sync()


def wait_until(condition) -> None:
    """Poll ``condition`` until it holds, yielding the core between polls: ranks often outnumber
    free cores, and the rank being waited for may need this one."""
    while not condition():
        os.sched_yield()


class SharedBucket:
    """One bucket in the shared window; same interface as buckets.GradientBucket (start,
    started, progress, finish). ``start`` publishes, ``progress`` runs the phases whose
    inputs are ready without waiting, ``finish`` waits for them."""

    PUBLISHED, REDUCED, GATHERED = 1, 2, 3

    def __init__(self, window: SharedWindow, index: int, params: list, offset: int):
        self.window, self.index, self.params = window, index, params
        dtype = params[0].dtype.numpy
        numel = sum(p.numel() for p in params)
        self.regions = [segment[offset:offset + numel * dtype.itemsize].view(dtype)
                        for segment in window.segments]
        self.bounds = [numel * k // window.size for k in range(window.size + 1)]
        mine = self.regions[window.rank]
        first = 0
        self.host, self.views = [], []  # views: the .grad tensors of CPU parameters, else None
        for p in params:
            host = mine[first:first + p.numel()].reshape(tuple(p.shape))
            view = from_numpy(host) if p.device.type == "cpu" else None
            if view is not None:
                if p.grad is not None:  # a gradient from before the wrapping lives on in the view
                    view.copy_(p.grad)
                    p.grad = view
                p._grad_destination = view  # backward writes the first gradient straight here
            self.host.append(host)
            self.views.append(view)
            first += p.numel()
        self.state = 0

    def start(self, world_size: int) -> None:
        """This rank's gradients are final: make sure each lies in its view (a parameter unused
        in this forward gets zeros, one replaced by the user is copied in; a device gradient
        is read into the region), then announce."""
        for p, host, view in zip(self.params, self.host, self.views):
            if p._grad is None:
                host[...] = 0
            elif p._grad is not view:
                host[...] = p._grad.detach().numpy()
            if view is not None:
                p.grad = view
        window = self.window
        window.sync()
        window.ready[window.rank][self.index] = window.step
        self.state = self.PUBLISHED

    def started(self) -> bool:
        return self.state != 0

    def progress(self) -> None:
        """Run the next phases whose inputs every local rank has announced; never waits."""
        window, step = self.window, self.window.step
        if self.state == self.PUBLISHED and all(r[self.index] >= step for r in window.ready):
            window.sync()
            self._reduce()
            window.sync()
            window.reduced[window.rank][self.index] = step
            self.state = self.REDUCED
        if self.state == self.REDUCED and all(r[self.index] >= step for r in window.reduced):
            window.sync()
            self._gather()
            self.state = self.GATHERED

    def finish(self) -> None:
        """Wait until this bucket is averaged on this rank (the step's end_step follows); write
        the averages of device parameters back (in place when they have a gradient)."""
        wait_until(lambda: self.progress() or self.state == self.GATHERED)
        for p, host, view in zip(self.params, self.host, self.views):
            if view is None:
                if p._grad is None:
                    p.grad = from_numpy(host.copy()).to(device=p.device)
                else:
                    write_back(p._grad, host)
        self.state = 0

    def _reduce(self) -> None:
        """Sum slice ``rank`` over the local ranks into this rank's segment, then across machines,
        then divide by the world size: that slice of the average, for everyone to copy."""
        window = self.window
        low, high = self.bounds[window.rank], self.bounds[window.rank + 1]
        mine = self.regions[window.rank][low:high]
        for k, region in enumerate(self.regions):
            if k != window.rank:
                np.add(mine, region[low:high], out=mine)
        across = window.groups.across
        if across.Get_size() > 1:
            across.Allreduce(mpi().IN_PLACE, mine, op=mpi().SUM)
        np.true_divide(mine, window.groups.world_size, out=mine)

    def _gather(self) -> None:
        window = self.window
        mine = self.regions[window.rank]
        for k, region in enumerate(self.regions):
            if k != window.rank:
                low, high = self.bounds[k], self.bounds[k + 1]
                mine[low:high] = region[low:high]
