"""Timing helpers shared by the benchmarks: pinned threads, best-of-repeats, a results table."""
from __future__ import annotations

import os
import statistics
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "POCL_MAX_PTHREAD_COUNT"):
    os.environ.setdefault(_var, "1")


def time_per_call(fn, *, number: int, repeat: int = 5, warmup: int = 3, clock=time.perf_counter) -> float:
    """Median over ``repeat`` runs of the mean seconds per call of ``fn`` (``number`` calls a run),
    by ``clock`` (wall time; time.process_time for the process's CPU time)."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            fn()
        runs.append((clock() - start) / number)
    return statistics.median(runs)


def torch_or_none():
    """PyTorch when installed (pinned to one thread), else None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def load_average() -> str:
    try:
        return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def report(title: str, rows: list[tuple[str, float]], baseline: str, unit: str = "us") -> None:
    """Print rows (name, seconds) with each one's ratio to the ``baseline`` row."""
    scale = {"us": 1e6, "ms": 1e3}[unit]
    reference = dict(rows)[baseline]
    print(f"\n{title}")
    for name, seconds in rows:
        print(f"  {name:<28} {seconds * scale:10.1f} {unit}   {seconds / reference:6.2f}x {baseline}")
