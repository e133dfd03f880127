"""DataLoader epoch time over a TensorDataset, a random_split Subset, nested Subsets and fit's
shuffle="once" (a Subset in a fixed random order), against a hand-written NumPy loop that gathers
each batch with one fancy index. One thread; 20000 samples of 784 float32 + an int64 label,
batch 64.

Run: OMP_NUM_THREADS=1 python benchmarks/dataloader.py
"""
import time

import numpy as np
from common import load_average

import tensorlite as tl
from tensorlite.data import DataLoader, Subset, TensorDataset, random_split

N, FEATURES, BATCH = 20000, 784, 64


def epoch_seconds(iterable_factory, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _batch in iterable_factory():
            pass
        best = min(best, time.perf_counter() - start)
    return best


def numpy_epoch(x, y, order):
    for start in range(0, len(order), BATCH):
        index = order[start:start + BATCH]
        yield x[index], y[index]


def main():
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((N, FEATURES)).astype(np.float32)
    y_np = rng.integers(0, 10, N)
    full = TensorDataset(tl.tensor(x_np), tl.tensor(y_np))
    train, _ = random_split(full, [0.8, 0.2], generator=tl.Generator().manual_seed(0))
    nested = Subset(train, list(range(len(train) // 2, len(train))))
    once = Subset(full, tl.randperm(N).tolist())
    numpy_order = rng.permutation(N)
    cases = [
        ("TensorDataset, shuffle", lambda: DataLoader(full, BATCH, shuffle=True), N),
        ("random_split Subset, shuffle", lambda: DataLoader(train, BATCH, shuffle=True), len(train)),
        ("nested Subset, in order", lambda: DataLoader(nested, BATCH), len(nested)),
        ('fit shuffle="once" Subset', lambda: DataLoader(once, BATCH), N),
    ]
    print(f"DataLoader epochs, {N} x {FEATURES} float32, batch {BATCH} ({load_average()})")
    for name, loader, n in cases:
        ours = epoch_seconds(loader)
        baseline = epoch_seconds(lambda: numpy_epoch(x_np, y_np, rng.permutation(numpy_order)[:n]))
        print(f"  {name:32s} tensorlite {ours * 1e3:8.1f} ms   NumPy {baseline * 1e3:6.1f} ms   "
              f"ratio {ours / baseline:6.1f}x")


if __name__ == "__main__":
    main()
