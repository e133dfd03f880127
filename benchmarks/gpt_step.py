"""The character GPT's training step (examples/char_gpt.py: forward, backward, gradient clipping,
AdamW with decay groups), the same code and model sizes in tensorlite and PyTorch (when
installed), one thread. Target: tensorlite <= 1.5x PyTorch's step on the CPU.

Configurations: "small" (2 layers, 64 wide, 4 heads, context 32, batch 16: per-op overhead
dominates) and "example" (the example's defaults: 4 layers, 128 wide, context 64, batch 32).
With --opencl, tensorlite's step on the default OpenCL device too (PoCL on a CPU machine).
Times are process CPU time per step (median of 5 runs): steadier than wall time on shared cores.
Like the example, the process raises glibc's mmap/trim thresholds (tl.backends.tune_allocator(),
for both frameworks: the allocator is the process's): with glibc's defaults the heap top is
trimmed and regrown around the step's 0.1-1 MiB temporaries, ~2400 page faults a step ("small");
--glibc-defaults measures without it.

Run: python benchmarks/gpt_step.py [--opencl] [--config small|example]
     python benchmarks/gpt_step.py --profile small   (cProfile of 20 tensorlite steps)
"""
from __future__ import annotations

import argparse
import importlib.util
import pathlib
import time

import numpy as np

from common import load_average, time_per_call, torch_or_none

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "char_gpt.py"
CONFIGS = {
    "small": dict(layers=2, width=64, heads=4, context=32, batch=16),
    "example": dict(layers=4, width=128, heads=4, context=64, batch=32),
}
VOCAB = 61


def char_gpt():
    spec = importlib.util.spec_from_file_location("char_gpt", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def step_fn(lib, config, device=None):
    """One training step of the example's GPT on a fixed random batch, as a function."""
    gpt = char_gpt()
    lib.manual_seed(0)
    model = gpt.define_gpt(lib)(VOCAB, config["context"], config["layers"], config["heads"], config["width"])
    if device is not None:
        model.to(device)
    optimizer = gpt.adamw_with_groups(lib, model, lr=1e-3)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, VOCAB, (config["batch"], config["context"] + 1))
    kwargs = {} if device is None else {"device": device}
    x, y = lib.tensor(tokens[:, :-1], **kwargs), lib.tensor(tokens[:, 1:], **kwargs)
    return lambda: gpt.train_step(lib, model, optimizer, x, y, lr=1e-3)


def cpu_time_per_call(fn, number: int, repeat: int = 5, warmup: int = 2) -> float:
    """Median over ``repeat`` runs of the process CPU seconds per call: with one thread this is
    the work done, and unlike wall time it barely moves when other jobs share the cores."""
    return time_per_call(fn, number=number, repeat=repeat, warmup=warmup, clock=time.process_time)


def measure(lib, config, device=None, number=10):
    step = step_fn(lib, config, device)
    if device is not None and device != "cpu":
        def synced():
            step().item()  # wait for the queue: time the work, not its enqueueing
        return cpu_time_per_call(synced, number=number)
    return cpu_time_per_call(step, number=number)


def profile(config):
    import cProfile
    import pstats

    import tensorlite as tl
    step = step_fn(tl, CONFIGS[config])
    for _ in range(3):
        step()
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(20):
        step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


def main(configs, opencl, glibc_defaults):
    import tensorlite as tl
    tuned = not glibc_defaults and tl.backends.tune_allocator()
    torch = torch_or_none()
    print(f"GPT training step (forward + backward + clip + AdamW), one thread, CPU ms per step "
          f"({load_average()}; allocator {'tuned' if tuned else 'glibc defaults'})")
    for name in configs:
        config = CONFIGS[name]
        number = 20 if name == "small" else 3
        ours = measure(tl, config, number=number)
        line = f"  {name:<8} tensorlite {ours * 1e3:8.1f} ms"
        if torch is not None:
            theirs = measure(torch, config, number=number)
            line += f"   torch {theirs * 1e3:8.1f} ms   ratio {ours / theirs:5.2f}x (target <= 1.5x)"
        if opencl:
            on_device = measure(tl, config, device="opencl", number=max(2, number // 4))
            line += f"   tensorlite opencl {on_device * 1e3:8.1f} ms"
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), action="append")
    parser.add_argument("--opencl", action="store_true", help="also time tensorlite on OpenCL")
    parser.add_argument("--profile", choices=sorted(CONFIGS))
    parser.add_argument("--glibc-defaults", action="store_true",
                        help="leave glibc's mmap/trim thresholds as they are (no tune_allocator())")
    arguments = parser.parse_args()
    if arguments.profile:
        profile(arguments.profile)
    else:
        main(arguments.config or ["small", "example"], arguments.opencl, arguments.glibc_defaults)
