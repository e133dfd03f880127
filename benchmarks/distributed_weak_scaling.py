"""Weak scaling of DistributedDataParallel: 2 ranks x 1 thread against 1 process, the W3-sized
MLP (784-1024-1024-10 ReLU, float32, cross-entropy), batch 256 per rank, plain SGD.

Reports the time per step of one process (no DDP) and of 2 ranks (DDP, overlap on and off), for
DDP's shared-memory allreduce (the default on one machine) and for MPI's Iallreduce
(allreduce='mpi'): the efficiency t1 / t2 (target >= 90%), the share of the step spent in
allreduce (the wait after backward with overlap off, where nothing hides it), how much of it the
overlap hides (1 - the wait left with overlap on / the wait with overlap off), and the allreduce
bandwidth on a gradient-sized buffer (bytes reduced per second: DDP's shared-memory bucket, and
MPI's blocking Allreduce). It also times two
independent processes without DDP at once (t1 / that is what the machine gives two processes:
cores, memory bandwidth, other load) and two ranks without DDP that wait for each other after
each backward (the wait after backward with DDP includes this wait for the slower rank).

Run: python benchmarks/distributed_weak_scaling.py [--bucket-cap-mb 25]
     (it starts itself under mpiexec -n 1 and -n 2)
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from common import load_average

import tensorlite as tl
from tensorlite import nn

SIZES = (784, 1024, 1024, 10)
BATCH = 256
ROUNDS, STEPS_PER_TURN, WARMUP = 8, 5, 3
BUCKET_CAP_MB = float(sys.argv[sys.argv.index("--bucket-cap-mb") + 1]) if "--bucket-cap-mb" in sys.argv else 25


def model():
    tl.manual_seed(0)
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class Trainer:
    """One configuration's SGD steps on a fixed batch; records each step's seconds and the
    seconds it waited for allreduces after backward."""

    def __init__(self, net, sync_seconds=None):
        rank = tl.distributed.get_rank()
        generator = tl.Generator().manual_seed(rank)
        self.x = tl.randn(BATCH, SIZES[0], generator=generator)
        self.y = tl.randint(0, SIZES[-1], (BATCH,), generator=generator)
        self.net, self.sync_seconds = net, sync_seconds
        self.optimizer = tl.optim.SGD(net.parameters(), lr=0.01)
        self.steps, self.waits = [], []

    def run(self, count):
        for _ in range(count):
            start = time.perf_counter()
            self.optimizer.zero_grad()
            nn.functional.cross_entropy(self.net(self.x), self.y).backward()
            self.optimizer.step()
            tl.synchronize()
            self.steps.append(time.perf_counter() - start)
            self.waits.append(self.sync_seconds() if self.sync_seconds else 0.0)

    def medians(self):
        """Medians over the timed steps: a loaded machine deschedules a rank now and then."""
        return statistics.median(self.steps), statistics.median(self.waits)


def barrier_seconds():
    """Wait (politely, as DDP does) until every rank has finished its backward: the part of a
    DDP wait that is a slower rank, not communication."""
    from mpi4py import MPI  # here, not at the top: importing it initialises MPI
    start = time.perf_counter()
    request = MPI.COMM_WORLD.Ibarrier()
    while not request.Test():
        os.sched_yield()
    return time.perf_counter() - start


class LockstepTrainer(Trainer):
    """No DDP, but a barrier after each backward: the ranks step together as with DDP."""

    def __init__(self, net):
        super().__init__(net, self._last_barrier)
        self._barrier = 0.0
        next(iter(net.parameters())).register_hook(self._queue_barrier)  # any hook runs in backward

    def _queue_barrier(self, grad):
        tl.autograd.queue_callback(self._wait)

    def _wait(self):
        self._barrier = barrier_seconds()

    def _last_barrier(self):
        return self._barrier


def shared_memory_bandwidth(numel):
    """Bytes per second of DDP's shared-memory average of one bucket of ``numel`` float32 (its
    three phases and the end-of-step handshake), best of 10."""
    from mpi4py import MPI  # here, not at the top: importing it initialises MPI
    holder = nn.Module()
    holder.weight = nn.Parameter(tl.ones(numel))
    ddp = nn.parallel.DistributedDataParallel(holder, bucket_cap_mb=numel * 4 / 2 ** 20 + 1,
                                              allreduce="shared_memory")
    (bucket,), window = ddp._buckets, ddp._window
    holder.weight.grad = tl.ones(numel)
    best = float("inf")
    for _ in range(10):
        MPI.COMM_WORLD.Barrier()
        start = time.perf_counter()
        window.begin_step()
        bucket.start(2)
        bucket.finish()
        window.end_step()
        best = min(best, time.perf_counter() - start)
    return numel * 4 / best


def allreduce_bandwidth(numel):
    """Bytes per second of a blocking Allreduce (sum) of ``numel`` float32, best of 10."""
    from mpi4py import MPI  # here, not at the top: importing it initialises MPI
    buffer = np.ones(numel, dtype=np.float32)
    comm = MPI.COMM_WORLD
    best = float("inf")
    for _ in range(10):
        comm.Barrier()
        start = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
        best = min(best, time.perf_counter() - start)
    return buffer.nbytes / best


def worker():
    """Under mpiexec: one line of figures from rank 0 (the slowest rank's medians). The three
    configurations take turns, a few steps each, so a change in the machine's load hits all."""
    tl.distributed.init_process_group()
    trainers = {"local": Trainer(model()),  # no DDP: at 2 ranks, two independent processes
                "lockstep": LockstepTrainer(model())}
    for allreduce in ("shared_memory", "mpi"):
        for overlap in (True, False):
            ddp = nn.parallel.DistributedDataParallel(model(), overlap=overlap, bucket_cap_mb=BUCKET_CAP_MB,
                                                      allreduce=allreduce if tl.distributed.get_world_size() > 1 else "auto")
            trainers[f"{allreduce}_{overlap}"] = Trainer(ddp, lambda ddp=ddp: ddp.last_sync_seconds)
    for trainer in trainers.values():
        trainer.run(WARMUP)
        trainer.steps, trainer.waits = [], []
    for _ in range(ROUNDS):
        for trainer in trainers.values():
            tl.distributed.barrier()
            trainer.run(STEPS_PER_TURN)
    figures = {}
    for name, trainer in trainers.items():
        figures[f"step_{name}"], figures[f"wait_{name}"] = trainer.medians()
    numel = sum(p.numel() for p in model().parameters())
    figures["bandwidth"] = allreduce_bandwidth(numel)
    figures["shared_bandwidth"] = shared_memory_bandwidth(numel) if tl.distributed.get_world_size() > 1 else 0.0
    figures["numel"] = numel
    worst = tl.tensor([figures[k] for k in sorted(figures)], dtype=tl.float64)
    tl.distributed.all_reduce(worst, "max")
    if tl.distributed.get_rank() == 0:
        print(json.dumps(dict(zip(sorted(figures), worst.tolist()))), flush=True)


def run(ranks):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    command = tl.distributed.mpiexec_command(ranks, [sys.executable, __file__, "--worker",
                                                     "--bucket-cap-mb", str(BUCKET_CAP_MB)])
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True, timeout=900).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    one, two = run(1), run(2)
    t1 = one["step_local"]
    megabytes = one["numel"] * 4 / 2 ** 20
    print(f"784-1024-1024-10 MLP, float32, batch {BATCH} per rank, SGD, 1 thread per rank, "
          f"buckets of {BUCKET_CAP_MB:g} MB ({load_average()})")
    print(f"  1 process, no DDP:           {t1 * 1e3:7.1f} ms/step")
    print(f"  1 rank, DDP:                 {one['step_shared_memory_True'] * 1e3:7.1f} ms/step   "
          f"t1/that = {t1 / one['step_shared_memory_True']:.1%} (one rank communicates nothing)")
    print(f"  2 processes, no DDP:         {two['step_local'] * 1e3:7.1f} ms/step   t1/that = "
          f"{t1 / two['step_local']:.1%} (what running 2 processes at once costs, no communication)")
    print(f"  2 ranks in lockstep, no DDP: {two['step_lockstep'] * 1e3:7.1f} ms/step   t1/that = "
          f"{t1 / two['step_lockstep']:.1%} (a barrier after backward: waits {two['wait_lockstep'] * 1e3:.1f} "
          f"ms for the slower rank)")
    for allreduce, label in (("shared_memory", "shared memory (default)"), ("mpi", "MPI Iallreduce")):
        on, off = two[f"step_{allreduce}_True"], two[f"step_{allreduce}_False"]
        blocking_wait, overlapped_wait = two[f"wait_{allreduce}_False"], two[f"wait_{allreduce}_True"]
        print(f"  2 ranks, DDP, {label}:")
        print(f"    overlap on:   {on * 1e3:7.1f} ms/step   efficiency t1/t2 = {t1 / on:.1%}")
        print(f"    overlap off:  {off * 1e3:7.1f} ms/step   efficiency t1/t2 = {t1 / off:.1%}")
        print(f"    allreduce of {megabytes:.1f} MB of gradients after backward (overlap off): "
              f"{blocking_wait * 1e3:.2f} ms = {blocking_wait / off:.1%} of the step (includes waiting "
              f"for the slower rank)")
        print(f"    left waiting after backward with overlap on: {overlapped_wait * 1e3:.2f} ms "
              f"(overlap hides {1 - overlapped_wait / blocking_wait:.0%} of the allreduce)")
        own = max(blocking_wait - two["wait_lockstep"], 0.0)
        print(f"    without the wait for the slower rank (the lockstep wait): {own * 1e3:.2f} ms = "
              f"{own / off:.1%} of the step; lockstep / t2 = {two['step_lockstep'] / on:.1%} (what "
              f"DDP costs over ranks that only wait for each other)")
    print(f"  allreduce bandwidth, 2 ranks, {megabytes:.1f} MB float32: shared memory (DDP's bucket) "
          f"{two['shared_bandwidth'] / 1e9:.2f} GB/s, MPI Allreduce {two['bandwidth'] / 1e9:.2f} GB/s")


if __name__ == "__main__":
    worker() if "--worker" in sys.argv else main()
