"""tensorlite.compile on the CPU: eager vs compiled (captured and replayed) vs PyTorch vs NumPy by
hand, one thread, side by side in one run (workloads of w1_elementwise.py, w2_mlp_step.py and
training_steps.py).

W1: (a*b+c).sum().backward(), 16 floats, us/iteration.
W2: 784-100-50-10 MLP, batch 50, Adam (nn modules), ms/step; and w2_mlp_step.py's raw-op SGD step.
W4: small CNN, batch 32, Adam, ms/step.
Peak RSS of 50 W3 steps (784-1024-1024-10, batch 256, Adam), eager vs compiled, fresh processes.
Targets (issue 12): compiled W1 <= 0.3x torch, W2 <= 0.6x torch, W4 <= 0.9x torch, W3 no slower.

Times are process CPU time per call (median of runs): on a shared machine wall time varies 2x
with the other processes' load, CPU time much less.

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/compile_steps.py
"""
from __future__ import annotations

import subprocess
import sys
import time

from common import load_average, report, torch_or_none
from common import time_per_call as common_time_per_call

import tensorlite as tl

import training_steps
import w1_elementwise
import w2_mlp_step


def time_per_call(fn, *, number: int, repeat: int = 5, warmup: int = 3) -> float:
    """Median process CPU seconds per call (common.time_per_call on time.process_time)."""
    return common_time_per_call(fn, number=number, repeat=repeat, warmup=warmup, clock=time.process_time)


def _compiled(step):
    return tl.compile(step)


def w1(torch):
    rows = [("tensorlite eager", time_per_call(w1_elementwise.tensorlite_iteration(), number=1000)),
            ("tensorlite compiled", time_per_call(_compiled(w1_elementwise.tensorlite_iteration()), number=1000)),
            ("numpy (hand-written)", time_per_call(w1_elementwise.numpy_iteration(), number=1000))]
    if torch is not None:
        rows.append((f"torch {torch.__version__}", time_per_call(w1_elementwise.torch_iteration(torch), number=1000)))
    return rows


def w2_raw(torch):
    rows = [("tensorlite eager", time_per_call(w2_mlp_step.framework_step(tl), number=200)),
            ("tensorlite compiled", time_per_call(_compiled(w2_mlp_step.framework_step(tl)), number=200)),
            ("numpy (hand-written)", time_per_call(w2_mlp_step.numpy_step(), number=200))]
    if torch is not None:
        rows.append((f"torch {torch.__version__}", time_per_call(w2_mlp_step.framework_step(torch), number=200)))
    return rows


def training(workload, torch):
    number = 100 if workload == "W2" else 50
    rows = [("tensorlite eager", time_per_call(training_steps.step_fn(tl, workload), number=number, repeat=3)),
            ("tensorlite compiled", time_per_call(_compiled(training_steps.step_fn(tl, workload)),
                                                  number=number, repeat=3))]
    if torch is not None:
        rows.append((f"torch {torch.__version__}", time_per_call(training_steps.step_fn(torch, workload),
                                                                 number=number, repeat=3)))
    return rows


def peak_rss(compiled: bool, steps: int = 50) -> float:
    """VmHWM (MB) after ``steps`` W3 steps, eager or compiled."""
    step = training_steps.step_fn(tl, "W3")
    if compiled:
        step = tl.compile(step)
    for _ in range(steps):
        step()
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _ratios(rows, baseline):
    reference = dict(rows).get(baseline)
    if reference is None:
        return ""
    ours = dict(rows)["tensorlite compiled"]
    return f"compiled {ours * 1e3:.3f} ms = {ours / reference:.2f}x torch"


def main():
    torch = torch_or_none()
    torch_name = None if torch is None else f"torch {torch.__version__}"
    print(f"tensorlite.compile, one thread ({load_average()})")
    for title, rows, unit in (
            ("W1: (a*b+c).sum().backward(), 16 floats, per iteration (target <= 0.3x torch)", w1(torch), "us"),
            ("W2: 784-100-50-10 MLP, batch 50, Adam, per step (target <= 0.6x torch)",
             training("W2", torch), "ms"),
            ("W2 raw ops + SGD (w2_mlp_step.py), per step", w2_raw(torch), "ms"),
            ("W4: small CNN, batch 32, Adam, per step (target <= 0.9x torch)", training("W4", torch), "ms")):
        report(title, rows, "tensorlite eager", unit=unit)
        if torch_name:
            print("  " + _ratios(rows, torch_name))
    rss = {mode: float(subprocess.run([sys.executable, __file__, "--rss", mode], capture_output=True,
                                      text=True, check=True, timeout=600).stdout)
           for mode in ("eager", "compiled")}
    print(f"\nPeak RSS of 50 W3 steps (fresh processes): eager {rss['eager']:.0f} MB, "
          f"compiled {rss['compiled']:.0f} MB")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        print(peak_rss(sys.argv[2] == "compiled"))
    else:
        main()
