"""W1: 1000 x (a*b+c).sum().backward() on 16-element float32 tensors: per-op dispatch overhead.

Target: tensorlite under 35 us per iteration. Run: python benchmarks/w1_elementwise.py
"""
from __future__ import annotations

import numpy as np

from common import load_average, report, time_per_call, torch_or_none

import tensorlite as tl


def tensorlite_iteration():
    a = tl.randn(16, requires_grad=True)
    b = tl.randn(16, requires_grad=True)
    c = tl.randn(16, requires_grad=True)

    def step():
        (a * b + c).sum().backward()
    return step


def numpy_iteration():
    """The same forward and backward written by hand, accumulating into grad buffers."""
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(16).astype(np.float32) for _ in range(3))
    ga, gb, gc = (np.zeros(16, np.float32) for _ in range(3))

    def step():
        out = (a * b + c).sum()
        upstream = np.ones_like(a)  # d out / d (a*b+c)
        ga.__iadd__(upstream * b)
        gb.__iadd__(upstream * a)
        gc.__iadd__(upstream)
        return out
    return step


def torch_iteration(torch):
    a, b, c = (torch.randn(16, requires_grad=True) for _ in range(3))

    def step():
        (a * b + c).sum().backward()
    return step


def main() -> dict:
    rows = [("tensorlite", time_per_call(tensorlite_iteration(), number=1000)),
            ("numpy (hand-written)", time_per_call(numpy_iteration(), number=1000))]
    torch = torch_or_none()
    if torch is not None:
        rows.append((f"torch {torch.__version__}", time_per_call(torch_iteration(torch), number=1000)))
    report(f"W1: (a*b+c).sum().backward(), 16 floats, per iteration ({load_average()})", rows, "tensorlite")
    return dict(rows)


if __name__ == "__main__":
    main()
