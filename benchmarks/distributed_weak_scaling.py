"""Weak scaling of DistributedDataParallel: 2 ranks x 1 thread against 1 process, the W3-sized
MLP (784-1024-1024-10 ReLU, float32, cross-entropy), batch 256 per rank, plain SGD.

Reports the time per step of one process (no DDP) and of 2 ranks (DDP, overlap on and off),
the efficiency t1 / t2 (target >= 90%), the share of the step spent in allreduce (the wait after
backward with overlap off, where nothing hides it), how much of it the overlap hides (1 - the
wait left with overlap on / the wait with overlap off), and the allreduce bandwidth on a
gradient-sized buffer (bytes reduced per second of a blocking Allreduce). It also times two
independent processes without DDP at once: t1 / that is what the machine gives two processes
(cores, memory bandwidth, other load), apart from any communication. The wait after backward
includes the time a rank waits for a slower one.

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
STEPS, WARMUP = 30, 3
BUCKET_CAP_MB = float(sys.argv[sys.argv.index("--bucket-cap-mb") + 1]) if "--bucket-cap-mb" in sys.argv else 25


def model():
    tl.manual_seed(0)
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def time_steps(net, parameters, sync_seconds=None):
    """Median seconds of an SGD step, and median seconds a step waited for allreduces after
    backward (medians: a loaded machine deschedules a rank now and then)."""
    rank = tl.distributed.get_rank() if tl.distributed.is_initialized() else 0
    generator = tl.Generator().manual_seed(rank)
    x = tl.randn(BATCH, SIZES[0], generator=generator)
    y = tl.randint(0, SIZES[-1], (BATCH,), generator=generator)
    optimizer = tl.optim.SGD(parameters, lr=0.01)
    steps, waits = [], []
    for i in range(WARMUP + STEPS):
        if i == WARMUP and tl.distributed.is_initialized():
            tl.distributed.barrier()
        start = time.perf_counter()
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
        tl.synchronize()
        steps.append(time.perf_counter() - start)
        waits.append(sync_seconds() if sync_seconds else 0.0)
    return statistics.median(steps[WARMUP:]), statistics.median(waits[WARMUP:])


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
    """Under mpiexec: one line of figures from rank 0 (the slowest rank's times)."""
    tl.distributed.init_process_group()
    size = tl.distributed.get_world_size()
    figures = {}
    net = model()  # no DDP: at 2 ranks, two independent processes (what the CPUs give, no communication)
    figures["local"], _ = time_steps(net, net.parameters())
    for overlap in (True, False):
        ddp = nn.parallel.DistributedDataParallel(model(), overlap=overlap, bucket_cap_mb=BUCKET_CAP_MB)
        step, wait = time_steps(ddp, ddp.parameters(), lambda: ddp.last_sync_seconds)
        figures[f"step_overlap_{overlap}"], figures[f"wait_overlap_{overlap}"] = step, wait
    numel = sum(p.numel() for p in model().parameters())
    figures["bandwidth"] = allreduce_bandwidth(numel)
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
    t1, t2 = one["local"], two["step_overlap_True"]
    blocking_wait, overlapped_wait = two["wait_overlap_False"], two["wait_overlap_True"]
    megabytes = one["numel"] * 4 / 2 ** 20
    print(f"784-1024-1024-10 MLP, float32, batch {BATCH} per rank, SGD, 1 thread per rank, "
          f"buckets of {BUCKET_CAP_MB:g} MB ({load_average()})")
    print(f"  1 process, no DDP:          {t1 * 1e3:7.1f} ms/step")
    print(f"  1 rank, DDP:                {one['step_overlap_True'] * 1e3:7.1f} ms/step")
    print(f"  2 ranks, DDP, overlap on:   {t2 * 1e3:7.1f} ms/step   efficiency t1/t2 = {t1 / t2:.1%}")
    print(f"  2 ranks, DDP, overlap off:  {two['step_overlap_False'] * 1e3:7.1f} ms/step   "
          f"efficiency {t1 / two['step_overlap_False']:.1%}")
    print(f"  2 processes, no DDP:        {two['local'] * 1e3:7.1f} ms/step   t1/that = "
          f"{t1 / two['local']:.1%} (what running 2 processes at once costs, no communication)")
    print(f"  allreduce of {megabytes:.1f} MB of gradients after backward (overlap off): "
          f"{blocking_wait * 1e3:.1f} ms = {blocking_wait / two['step_overlap_False']:.1%} of the step")
    print(f"  left waiting after backward with overlap on: {overlapped_wait * 1e3:.1f} ms "
          f"(overlap hides {1 - overlapped_wait / blocking_wait:.0%} of the allreduce)")
    print(f"  Allreduce bandwidth, 2 ranks, {megabytes:.1f} MB float32: "
          f"{two['bandwidth'] / 1e9:.2f} GB/s")


if __name__ == "__main__":
    worker() if "--worker" in sys.argv else main()
