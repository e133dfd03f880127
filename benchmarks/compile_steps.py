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
"""
from __future__ import annotations

import subprocess
import sys
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


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        print(peak_rss(sys.argv[2] == "compiled"))
    else:
        main()
