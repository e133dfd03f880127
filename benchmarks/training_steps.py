"""W2-W4 with nn modules and optimizers, side by side with PyTorch (when installed), one thread.

W2: 784-100-50-10 ReLU MLP, cross-entropy, Adam, batch 50.
W3: 784-1024-1024-10 ReLU MLP, cross-entropy, Adam, batch 256.
W4: conv 1->8 3x3, relu, maxpool 2, conv 8->16 3x3, relu, maxpool 2, linear 400->10, batch 32, Adam
    (28x28 inputs: 28 -> 26 -> 13 -> 11 -> 5, 16*5*5 = 400).
Targets against PyTorch in the same run: W2 <= 0.6x, W3 <= 1.0x, W4 <= 1.2x its step time.
Peak RSS of 50 W3 steps (in a fresh process): target <= 120 MB.

Run: python benchmarks/training_steps.py   (or --rss W3 to print only a peak RSS)
"""
from __future__ import annotations

import resource
import subprocess
import sys

import numpy as np

from common import load_average, time_per_call, torch_or_none


def make_model(lib, workload):
    nn = lib.nn
    if workload == "W4":
        return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 10))
    sizes = (784, 100, 50, 10) if workload == "W2" else (784, 1024, 1024, 10)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


BATCH = {"W2": 50, "W3": 256, "W4": 32}


def data(workload):
    rng = np.random.default_rng(0)
    shape = (BATCH[workload], 1, 28, 28) if workload == "W4" else (BATCH[workload], 784)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, 10, BATCH[workload])


def step_fn(lib, workload, device=None):
    """One Adam training step of ``workload`` as a function returning the loss tensor; with
    ``device``, the model and data live there (tensorlite's "cpu" or "opencl")."""
    lib.manual_seed(0)
    model = make_model(lib, workload)
    if device is not None:
        model.to(device)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x_np, y_np = data(workload)
    x, y = (lib.tensor(x_np), lib.tensor(y_np)) if device is None else \
        (lib.tensor(x_np, device=device), lib.tensor(y_np, device=device))
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def peak_rss(workload, steps=50):
    step = step_fn(__import__("tensorlite"), workload)
    for _ in range(steps):
        step()
    # VmHWM, not ru_maxrss: Linux carries the parent's high-water mark across exec into ru_maxrss
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # MB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    import tensorlite as tl
    torch = torch_or_none()
    targets = {"W2": 0.6, "W3": 1.0, "W4": 1.2}
    print(f"Training steps, Adam, one thread ({load_average()})")
    for workload in ("W2", "W3", "W4"):
        number = 20 if workload == "W3" else 100
        ours = time_per_call(step_fn(tl, workload), number=number, repeat=3)
        line = f"  {workload}: tensorlite {ours * 1e3:8.2f} ms"
        if torch is not None:
            theirs = time_per_call(step_fn(torch, workload), number=number, repeat=3)
            line += (f"   torch {theirs * 1e3:8.2f} ms   ratio {ours / theirs:5.2f}x "
                     f"(target <= {targets[workload]}x)")
        print(line)
    rss = subprocess.run([sys.executable, __file__, "--rss", "W3"], capture_output=True, text=True, check=True)
    print(f"  peak RSS of 50 W3 steps (fresh process): {float(rss.stdout):.0f} MB (target <= 120 MB)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        print(peak_rss(sys.argv[2]))
    else:
        main()
