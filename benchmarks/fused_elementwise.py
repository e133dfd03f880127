"""Fused elementwise kernels on OpenCL (kernels/fused.cl, tensorlite/backends/fusion.py), one
thread, PoCL's CPU device by default:

1. kernel level: relu(x + b) (bias broadcast) and relu's backward where(x > 0, g, 0), unfused
   launches vs the fused interpreter vs the fused template (the tape as -D defines), us/call;
2. W1 ((a*b+c).sum().backward(), 16 floats) and W2 (784-100-50-10 MLP, batch 50, Adam): kernel
   launches and fills per step and time per step, eager vs compiled without fusion vs compiled
   with fusion (parameters and gradients compared bit for bit).

Times are process CPU time (PoCL's worker threads included) with one finish per run.

Run: OMP_NUM_THREADS=1 POCL_MAX_PTHREAD_COUNT=1 python benchmarks/fused_elementwise.py
"""
from __future__ import annotations

import time
from unittest import mock

import numpy as np
from common import load_average

import tensorlite as tl
import tensorlite.ops.capture as capture
from tensorlite.backends.fusion import Tape

import training_steps

F32 = np.dtype(np.float32)


def _per_call(backend, fn, number):
    fn()
    backend.synchronize()
    start = time.process_time()
    for _ in range(number):
        fn()
    backend.synchronize()
    return (time.process_time() - start) / number


def kernels(backend):
    """us per call of the unfused launches and of the two fused kernels."""
    print("kernel level, us/call (process CPU time):")
    for rows, cols, number in ((50, 100, 300), (1000, 1000, 10)):
        x = backend.upload(np.random.default_rng(0).standard_normal((rows, cols)).astype(F32))
        g = backend.upload(np.random.default_rng(1).standard_normal((rows, cols)).astype(F32))
        b = backend.upload(np.random.default_rng(2).standard_normal(cols).astype(F32))
        epilogue = Tape(F32, (rows, cols), 2, [("binary", "add", 0, 1), ("unary", "relu", 2)], [3], [F32] * 4)
        relu_grad = Tape(F32, (rows, cols), 2, [("scalar", 0), ("binary", "gt", 0, 2), ("full", (), 0, tl.float32),
                                                ("where", 3, 1, 4)],
                         [5], [F32, F32, None, np.dtype(np.bool_), F32, F32])
        cases = [("relu(x + b)", lambda: backend.unary("relu", backend.binary("add", x, b)),
                  lambda: backend.fused(epilogue, [x, b])),
                 ("where(x > 0, g, 0)", lambda: backend.where(backend.binary("gt", x, 0), g,
                                                               backend.full((), 0, tl.float32)),
                  lambda: backend.fused(relu_grad, [x, g]))]
        for label, unfused, fused in cases:
            backend.fused_templates = False
            interpreted = _per_call(backend, fused, number)
            backend.fused_templates = True
            with mock.patch.object(backend.runtime, "background_builds", False):
                fused()  # the template program, built now
            templated = _per_call(backend, fused, number)
            print(f"  {rows}x{cols} {label:20s} unfused {_per_call(backend, unfused, number) * 1e6:9.1f}"
                  f"   fused interpreter {interpreted * 1e6:9.1f}   fused template {templated * 1e6:9.1f}")


def _counting(runtime):
    counts = {"launch": 0, "fill": 0}
    for kind in counts:
        real = getattr(runtime, kind)

        def counted(*args, _real=real, _kind=kind, **kwargs):
            counts[_kind] += 1
            return _real(*args, **kwargs)
        setattr(runtime, kind, counted)
    return counts


def _w1_step():
    tl.manual_seed(0)
    a, b, c = (tl.randn(16, device="opencl", requires_grad=True) for _ in range(3))

    def step():
        a.grad = b.grad = c.grad = None
        (a * b + c).sum().backward()
    step.model = tl.nn.ParameterList([a, b, c])
    return step


def _w2_step():
    step = training_steps.step_fn(tl, "W2", device="opencl")
    step.model = {n: c.cell_contents for n, c in zip(step.__code__.co_freevars, step.__closure__)}["model"]
    return step


def workload(backend, counts, title, make, number, unit, scale):
    """Launches per step and time per step: eager, compiled unfused, compiled fused."""
    print(title, "on", backend.runtime.name)
    results = {}
    for label in ("eager", "compiled, unfused", "compiled, fused"):
        fuse = capture.fuse if label.endswith(" fused") else (lambda calls, keep, meta: calls)
        with mock.patch.object(capture, "fuse", fuse):
            step = make()
            run = step if label == "eager" else tl.compile(step)
            for _ in range(3):
                run()
            time.sleep(3)  # background builds (fused templates) finish first
            run()
            backend.synchronize()
            counts.update(launch=0, fill=0)
            run()
            per_step = dict(counts)
            seconds = _per_call(backend, run, number)
        results[label] = [p.detach().numpy() for p in step.model.parameters()] + \
            [p.grad.numpy() for p in step.model.parameters() if p.grad is not None]
        print(f"  {label:18s} {per_step['launch']:3d} launches + {per_step['fill']} fills per step, "
              f"{seconds * scale:7.2f} {unit}/step")
    same = all(np.array_equal(a, b) for a, b in zip(results["compiled, unfused"], results["compiled, fused"]))
    print(f"  fused parameters and gradients equal the unfused compiled ones bit for bit: {same}")


def main():
    print(load_average())
    backend = tl.device("opencl").backend
    kernels(backend)
    counts = _counting(backend.runtime)
    workload(backend, counts, "W1 ((a*b+c).sum().backward(), 16 floats)", _w1_step, 300, "us", 1e6)
    workload(backend, counts, "W2 (784-100-50-10, batch 50, Adam)", _w2_step, 50, "ms", 1e3)


if __name__ == "__main__":
    main()
