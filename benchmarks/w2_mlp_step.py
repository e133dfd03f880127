"""W2: one training step of a 784-100-50-10 ReLU MLP, softmax cross-entropy, batch 50, built from
raw tensor ops, plain SGD under no_grad. Target: within 1.2x of the hand-written NumPy step.

Run: python benchmarks/w2_mlp_step.py
"""
from __future__ import annotations

import numpy as np

from common import load_average, report, time_per_call, torch_or_none

import tensorlite as tl

import sys

SIZES = (784, 100, 50, 10)
BATCH = 50
LR = 0.01
if "--large" in sys.argv:  # W3's shapes, to see the allocator effect on MB-sized temporaries
    SIZES, BATCH = (784, 1024, 1024, 10), 256


def initial_weights(seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    return params, x, y


def framework_step(lib):
    """The step from raw tensor ops; ``lib`` is tensorlite or torch (the same API)."""
    arrays, x_np, y_np = initial_weights()
    params = [lib.tensor(p, requires_grad=True) for p in arrays]
    x, y = lib.tensor(x_np), lib.tensor(y_np)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h = (x @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        logits = h @ w3 + b3
        log_probs = logits - logits.logsumexp(1, keepdim=True)
        loss = -log_probs.gather(1, y.unsqueeze(1)).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad
        return loss
    return step


def numpy_step():
    """Forward and backward of the same network by hand (the baseline)."""
    params, x, y = initial_weights()
    rows = np.arange(BATCH)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        z1 = x @ w1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w2 + b2
        h2 = np.maximum(z2, 0)
        logits = h2 @ w3 + b3
        shifted = logits - logits.max(1, keepdims=True)
        exp = np.exp(shifted)
        probs = exp / exp.sum(1, keepdims=True)
        loss = -np.log(probs[rows, y]).mean()
        d_logits = probs
        d_logits[rows, y] -= 1
        d_logits /= BATCH
        grads = [None] * 6
        grads[4] = h2.T @ d_logits
        grads[5] = d_logits.sum(0)
        d_h2 = (d_logits @ w3.T) * (z2 > 0)
        grads[2] = h1.T @ d_h2
        grads[3] = d_h2.sum(0)
        d_h1 = (d_h2 @ w2.T) * (z1 > 0)
        grads[0] = x.T @ d_h1
        grads[1] = d_h1.sum(0)
        for p, g in zip(params, grads):
            p -= LR * g
        return loss
    return step


def main() -> dict:
    number = 20 if BATCH > 50 else 200
    rows = [("tensorlite", time_per_call(framework_step(tl), number=number)),
            ("numpy (hand-written)", time_per_call(numpy_step(), number=number))]
    torch = torch_or_none()
    if torch is not None:
        rows.append((f"torch {torch.__version__}", time_per_call(framework_step(torch), number=number)))
    report(f"W2: {'-'.join(map(str, SIZES))} MLP step, batch {BATCH}, raw ops + SGD, per step "
           f"({load_average()})", rows, "numpy (hand-written)", unit="ms" if BATCH > 50 else "us")
    return dict(rows)


if __name__ == "__main__":
    main()
