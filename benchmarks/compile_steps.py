"""tensorlite.compile on the CPU: eager vs compiled (captured and replayed) vs PyTorch vs NumPy by
hand, one thread, side by side in one run (workloads of w1_elementwise.py, w2_mlp_step.py and
training_steps.py).

W1: (a*b+c).sum().backward(), 16 floats, us/iteration.
W2: 784-100-50-10 MLP, batch 50, Adam (nn modules), ms/step; and w2_mlp_step.py's raw-op SGD step.
W4: small CNN, batch 32, Adam, ms/step.
W3: 784-1024-1024-10 MLP, batch 256, Adam, ms/step.
fit: the 14-100-40-4 MLP on the 14-input boolean task (13107 rows), batch 32, Adam, 10 epochs,
shuffled every epoch, through fit(TrainingOptions(compile=False/True)); PyTorch and NumPy as
hand-written loops doing the same (including the loss and accuracy read back each step); s/run.
Peak RSS of 50 W3 steps (784-1024-1024-10, batch 256, Adam), eager vs compiled, fresh processes.
Targets (issue 12): compiled W1 <= 0.3x torch, W2 <= 0.6x torch, W4 <= 0.9x torch, the fit run
<= 0.4x torch, W3 no slower.

Times are process CPU time per call (median of runs): on a shared machine wall time varies 2x
with the other processes' load, CPU time much less.

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/compile_steps.py

--opencl: the same workloads on the OpenCL device (PoCL: POCL_MAX_PTHREAD_COUNT=1), eager vs
compiled (the recorded backend calls replayed) vs compiled as launches (the runtime's enqueues
replayed with arguments set once) vs fused (with the fusion pass, where merged), W1 us/it, W2 and W4 ms/step, kernel launches per W2 step,
and the first compiled W2 steps in a fresh process with empty kernel caches. Targets (issue 12):
W1 <= 30 us, W2 <= 1 ms, W4 <= 10 ms, cold first compiled W2 step <= 5 s. Times are process
CPU time (PoCL's worker thread included) with one finish per timed run, never inside a step.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np
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
    number = {"W2": 100, "W3": 10}.get(workload, 50)
    rows = [("tensorlite eager", time_per_call(training_steps.step_fn(tl, workload), number=number, repeat=3)),
            ("tensorlite compiled", time_per_call(_compiled(training_steps.step_fn(tl, workload)),
                                                  number=number, repeat=3))]
    if torch is not None:
        rows.append((f"torch {torch.__version__}", time_per_call(training_steps.step_fn(torch, workload),
                                                                 number=number, repeat=3)))
    return rows


FIT_WIDTHS = (14, 100, 40, 4)
FIT_EPOCHS = 10
FIT_BATCH = 32
FIT_LR = 0.002


def _fit_data():
    """The 14-input boolean task's training split (13107 rows) as NumPy arrays."""
    train, _ = tl.data.boolean_function()
    x, y = train.tensors
    return x.numpy(), y.numpy()


def fit_tensorlite(compiled: bool) -> float:
    """Process CPU seconds of fit() on the 14-100-40-4 MLP: batch 32, Adam, 10 epochs, shuffled
    every epoch; TrainingOptions(compile=compiled)."""
    tl.manual_seed(0)
    train, _ = tl.data.boolean_function()
    layers = []
    for fan_in, fan_out in zip(FIT_WIDTHS[:-1], FIT_WIDTHS[1:]):
        layers += [tl.nn.Linear(fan_in, fan_out), tl.nn.ReLU()]
    model = tl.nn.Sequential(*layers[:-1])
    options = tl.training.TrainingOptions("adam", initial_learn_rate=FIT_LR, betas=(0.9, 0.999),
                                          l2_regularization=0.0, max_epochs=FIT_EPOCHS,
                                          mini_batch_size=FIT_BATCH, shuffle="every-epoch",
                                          verbose=False, compile=compiled, execution_environment="cpu")
    start = time.process_time()
    tl.training.fit(model, train, "crossentropy", options)
    return time.process_time() - start


def fit_torch(torch) -> float:
    """The same run as a PyTorch loop (shuffle, forward, loss, backward, Adam, and the loss and
    accuracy read back each step as fit reads them)."""
    torch.manual_seed(0)
    x_np, y_np = _fit_data()
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    layers = []
    for fan_in, fan_out in zip(FIT_WIDTHS[:-1], FIT_WIDTHS[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.Adam(model.parameters(), lr=FIT_LR, betas=(0.9, 0.999))
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.process_time()
    for _ in range(FIT_EPOCHS):
        order = torch.randperm(len(y))
        for i in range(0, len(y), FIT_BATCH):
            index = order[i:i + FIT_BATCH]
            xb, yb = x[index], y[index]
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            loss.item(), (out.argmax(1) == yb).sum().item()
    return time.process_time() - start


def fit_numpy() -> float:
    """The same run written by hand in NumPy (float32, Adam as PyTorch's formula)."""
    rng = np.random.default_rng(0)
    x, y = _fit_data()
    weights = [rng.uniform(-1, 1, (o, i)).astype(np.float32) / np.sqrt(i)
               for i, o in zip(FIT_WIDTHS[:-1], FIT_WIDTHS[1:])]
    biases = [np.zeros(o, np.float32) for o in FIT_WIDTHS[1:]]
    params = weights + biases
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    start = time.process_time()
    for _ in range(FIT_EPOCHS):
        order = rng.permutation(len(y))
        for i in range(0, len(y), FIT_BATCH):
            index = order[i:i + FIT_BATCH]
            xb, yb = x[index], y[index]
            acts = [xb]
            for k, (w, b) in enumerate(zip(weights, biases)):
                h = acts[-1] @ w.T + b
                acts.append(np.maximum(h, 0) if k < len(weights) - 1 else h)
            logits = acts[-1]
            shifted = logits - logits.max(1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
            rows = np.arange(len(yb))
            loss = -log_p[rows, yb].mean()
            grad = np.exp(log_p)
            grad[rows, yb] -= 1
            grad /= len(yb)
            grads_w, grads_b = [None] * len(weights), [None] * len(weights)
            for k in reversed(range(len(weights))):
                grads_w[k] = grad.T @ acts[k]
                grads_b[k] = grad.sum(0)
                if k:
                    grad = (grad @ weights[k]) * (acts[k] > 0)
            step += 1
            for p, g, m_, v_ in zip(params, grads_w + grads_b, m, v):
                m_ *= 0.9
                m_ += 0.1 * g
                v_ *= 0.999
                v_ += 0.001 * g * g
                p -= FIT_LR / (1 - 0.9 ** step) * m_ / (np.sqrt(v_ / (1 - 0.999 ** step)) + 1e-8)
            float(loss), int((logits.argmax(1) == yb).sum())
    return time.process_time() - start


def fit_rows(torch):
    rows = [("tensorlite eager", fit_tensorlite(False)), ("tensorlite compiled", fit_tensorlite(True)),
            ("numpy (hand-written)", fit_numpy())]
    if torch is not None:
        rows.append((f"torch {torch.__version__}", fit_torch(torch)))
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


def _ratios(rows, baseline, target, unit):
    reference = dict(rows).get(baseline)
    if reference is None:
        return ""
    rows = dict(rows)
    ours = rows["tensorlite compiled"]
    scale = {"us": 1e6, "ms": 1e3, "s": 1.0}[unit]
    verdict = "" if target is None else \
        f" (target <= {target}x: {'met' if ours / reference <= target else 'NOT met'})"
    return (f"compiled {ours * scale:.3f} {unit} = {ours / reference:.2f}x torch{verdict}; "
            f"{rows['tensorlite eager'] / ours:.2f}x faster than eager")


def main():
    torch = torch_or_none()
    torch_name = None if torch is None else f"torch {torch.__version__}"
    print(f"tensorlite.compile, one thread ({load_average()})")
    for title, run, unit, target in (
            ("W1: (a*b+c).sum().backward(), 16 floats, per iteration", lambda: w1(torch), "us", 0.3),
            ("W2: 784-100-50-10 MLP, batch 50, Adam, per step", lambda: training("W2", torch), "ms", 0.6),
            ("W2 raw ops + SGD (w2_mlp_step.py), per step", lambda: w2_raw(torch), "ms", None),
            ("W4: small CNN, batch 32, Adam, per step", lambda: training("W4", torch), "ms", 0.9),
            ("W3: 784-1024-1024-10 MLP, batch 256, Adam, per step (target: compiled no slower than eager)",
             lambda: training("W3", torch), "ms", None),
            ("fit: 14-100-40-4 MLP, batch 32, Adam, 10 epochs (TrainingOptions(compile=...)), whole run",
             lambda: fit_rows(torch), "s", 0.4)):
        rows = run()
        if unit == "s":  # one run each: report()'s per-call units do not apply
            print(f"\n{title}")
            for name, seconds in rows:
                print(f"  {name:<24} {seconds:8.3f} s")
        else:
            report(title + ("" if target is None else f" (target <= {target}x torch)"), rows,
                   "tensorlite eager", unit=unit)
        if torch_name:
            print("  " + _ratios(rows, torch_name, target, unit))
    rss = {mode: float(subprocess.run([sys.executable, __file__, "--rss", mode], capture_output=True,
                                      text=True, check=True, timeout=600).stdout)
           for mode in ("eager", "compiled")}
    print(f"\nPeak RSS of 50 W3 steps (fresh processes): eager {rss['eager']:.0f} MB, "
          f"compiled {rss['compiled']:.0f} MB")


# -- OpenCL ---------------------------------------------------------------------------------------
def _opencl_time(fn, *, number: int, repeat: int = 3, warmup: int = 3) -> float:
    """Median process CPU seconds per call; the queue is drained at the end of each timed run
    (a finish per step would cost PoCL ~220 us), so the kernels' time is counted too. The
    steady state: the background builds the warm-up started (fused templates) finish first,
    and two more calls let a replay trace again with them (process time counts every thread)."""
    for _ in range(warmup):
        fn()
    tl.synchronize("opencl")
    tl.device("opencl").backend.runtime.wait_for_builds()
    for _ in range(2):
        fn()
    tl.synchronize("opencl")
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            fn()
        tl.synchronize("opencl")
        runs.append((time.process_time() - start) / number)
    return sorted(runs)[len(runs) // 2]


def _w1_opencl(device):
    a, b, c = (tl.randn(16, requires_grad=True, device=device) for _ in range(3))

    def step():
        (a * b + c).sum().backward()
    return step


def _opencl_modes(make_step, device):
    """(name, step) per way to run: eager, compiled replaying calls, compiled replaying launches,
    and, where the backend fuses elementwise groups of a captured step (the fusion pass,
    tensorlite/backends/fusion.py: ``fuses_elementwise``), the launches of the fused step; the
    other compiled rows then run with fusion off."""
    from tensorlite.backends.opencl import replay
    backend = device.backend
    fusion = getattr(backend, "fuses_elementwise", None) is not None

    def compiled(launches, fused=False):
        step = tl.compile(make_step())

        def run():
            replay.ENABLED = launches  # both read when a recording is built (the second call)
            if fusion:
                backend.fuses_elementwise = fused
            try:
                return step()
            finally:
                replay.ENABLED = True
                if fusion:
                    del backend.fuses_elementwise  # the class's own setting again
        return run
    modes = [("tensorlite eager", make_step()), ("compiled (calls)", compiled(False)),
             ("compiled (launches)", compiled(True))]
    return modes + ([("compiled (launches), fused", compiled(True, True))] if fusion else [])


def _launches_per_step(step, device, calls: int = 4) -> int:
    """Kernels enqueued by the last of ``calls`` calls: through Runtime.launch, plus the
    prepared launches of a launch replay (counted by the replay itself)."""
    from tensorlite.backends.opencl import replay
    runtime = device.backend.runtime
    for _ in range(calls - 1):
        step()
    count = [0]
    launch, run = runtime.launch, replay.LaunchReplay.run

    def counting_launch(kernel, global_size, local_size, args):
        count[0] += 0 not in global_size
        return launch(kernel, global_size, local_size, args)

    def counting_run(self, loaded, late):
        result = run(self, loaded, late)
        count[0] += self.launches if result is not None and self._commands is not None else 0
        return result
    runtime.launch, replay.LaunchReplay.run = counting_launch, counting_run
    try:
        step()
    finally:
        del runtime.launch
        replay.LaunchReplay.run = run
    tl.synchronize("opencl")
    return count[0]


def cold_first_steps() -> str:
    """Wall seconds of the first compiled W2 calls (eager, recording, first replay) in this
    fresh process, synchronised after each."""
    device = tl.device("opencl")
    start, cpu = time.perf_counter(), time.process_time()
    step = tl.compile(training_steps.step_fn(tl, "W2", device))
    times = []
    for _ in range(4):
        t = time.perf_counter()
        step()
        tl.synchronize("opencl")
        times.append(time.perf_counter() - t)
    return (f"{times[0]:.2f} s eager first call, {times[1]:.2f} s recording, {times[2]:.3f} s first replay "
            f"(trace), {times[3] * 1e3:.2f} ms next; {time.perf_counter() - start:.2f} s in all "
            f"({time.process_time() - cpu:.2f} s of process CPU time)")


def main_opencl():
    device = tl.device("opencl")
    print(f"tensorlite.compile on {device.backend.runtime.name}, one thread ({load_average()})")
    workloads = (("W1: (a*b+c).sum().backward(), 16 floats, per iteration (target <= 30 us)",
                  lambda: _w1_opencl(device), "us", 1000),
                 ("W2: 784-100-50-10 MLP, batch 50, Adam, per step (target <= 1 ms)",
                  lambda: training_steps.step_fn(tl, "W2", device), "ms", 200),
                 ("W4: small CNN, batch 32, Adam, per step (target <= 10 ms)",
                  lambda: training_steps.step_fn(tl, "W4", device), "ms", 50))
    for title, make_step, unit, number in workloads:
        rows = [(name, _opencl_time(step, number=number)) for name, step in _opencl_modes(make_step, device)]
        report(title, rows, "tensorlite eager", unit=unit)
    print("\nKernel launches per W2 step:")
    for name, step in _opencl_modes(lambda: training_steps.step_fn(tl, "W2", device), device):
        print(f"  {name:<28} {_launches_per_step(step, device):6d}")
    with tempfile.TemporaryDirectory() as pocl, tempfile.TemporaryDirectory() as xdg:
        env = dict(os.environ, POCL_CACHE_DIR=pocl, XDG_CACHE_HOME=xdg)  # PoCL's and pyopencl's caches
        cold = subprocess.run([sys.executable, __file__, "--cold"], capture_output=True, text=True,
                              check=True, timeout=600, env=env).stdout.strip()
    print(f"\nFirst compiled W2 steps, fresh process, empty kernel caches (target <= 5 s): {cold}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        print(peak_rss(sys.argv[2] == "compiled"))
    elif sys.argv[1:] == ["--opencl"]:
        main_opencl()
    elif sys.argv[1:] == ["--cold"]:
        print(cold_first_steps())
    else:
        main()
