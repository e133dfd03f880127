"""OpenCL backend figures, side by side with the CPU backend and NumPy in one run.

- matmul 1024x1024x1024 float32: GFLOP/s of tensorlite on OpenCL (packing included) and of
  NumPy's BLAS (target on PoCL: >= 30 GFLOP/s; on a GPU: >= 50% of the vendor BLAS).
- W1: 1000 x (a*b+c).sum().backward() on 16 floats, per iteration (target on PoCL <= 30 us).
- W2/W3/W4 training steps (Adam; see training_steps.py) on opencl and on cpu, loss.item()
  each step (a host sync, as a training loop has).
- The first W2 step in a fresh process with an empty PoCL kernel cache (target <= 5 s).

Run: python benchmarks/opencl.py   (PoCL pinned to one thread: POCL_MAX_PTHREAD_COUNT=1)
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from common import load_average, report, time_per_call  # first: pins BLAS/PoCL threads
from training_steps import step_fn

import numpy as np


def matmul_gflops(device) -> tuple[float, float]:
    import tensorlite as tl
    n = 1024
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    a, b = tl.tensor(a_np, device=device), tl.tensor(b_np, device=device)
    sync = device.backend.synchronize
    ours = time_per_call(lambda: (a @ b, sync()), number=3, repeat=3, warmup=1)
    blas = time_per_call(lambda: a_np @ b_np, number=3, repeat=3, warmup=1)
    error = np.abs((a @ b).cpu().numpy() - a_np @ b_np).max()
    assert error < 1e-2, f"matmul differs from NumPy by {error}"
    return 2 * n ** 3 / ours / 1e9, 2 * n ** 3 / blas / 1e9


def w1_seconds(device) -> float:
    import tensorlite as tl
    a = tl.randn(16, device=device, requires_grad=True)
    b = tl.randn(16, device=device, requires_grad=True)
    c = tl.randn(16, device=device, requires_grad=True)

    def iteration():
        (a * b + c).sum().backward()
    sync = device.backend.synchronize
    return time_per_call(lambda: (iteration(), sync()), number=1000, repeat=3)


FIRST_STEP = """
import time
start = time.perf_counter()
import tensorlite as tl
from training_steps import step_fn
step_fn(tl, "W2", tl.device("opencl"))().item()
print(time.perf_counter() - start)
"""


def first_step_seconds() -> float:
    with tempfile.TemporaryDirectory() as cache:  # an empty PoCL kernel cache
        env = dict(os.environ, POCL_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", FIRST_STEP], env=env, check=True, text=True,
                             capture_output=True, cwd=os.path.dirname(os.path.abspath(__file__)))
    return float(out.stdout.strip().splitlines()[-1])


def main():
    import tensorlite as tl
    device = tl.device("opencl")
    print(f"OpenCL benchmarks on {device.backend.runtime.name} ({load_average()})")
    ours, blas = matmul_gflops(device)
    print(f"\nmatmul 1024^3 float32: tensorlite opencl {ours:.1f} GFLOP/s, NumPy BLAS {blas:.1f} GFLOP/s "
          f"({ours / blas:.2f}x)")
    report("W1 (a*b+c).sum().backward(), 16 floats", [("tensorlite cpu", w1_seconds(tl.device("cpu"))),
                                                       ("tensorlite opencl", w1_seconds(device))],
           baseline="tensorlite cpu")
    for workload in ("W2", "W3", "W4"):
        number = 5 if workload == "W3" else 30
        rows = []
        for name in ("cpu", "opencl"):
            step = step_fn(tl, workload, tl.device(name))
            rows.append((f"tensorlite {name}", time_per_call(lambda: step().item(), number=number, repeat=3)))
        report(f"{workload} training step (Adam)", rows, baseline="tensorlite cpu", unit="ms")
    print(f"\nfirst W2 step in a fresh process, empty PoCL kernel cache: {first_step_seconds():.2f} s")


if __name__ == "__main__":
    main()
