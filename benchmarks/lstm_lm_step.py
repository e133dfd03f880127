"""One training step of examples/word_lstm_lm.py's model (embedding 128, 2-layer LSTM 128,
tied decoder over a 2,000-word vocabulary, bptt 35, batch 20): forward, NLL loss, backward,
gradient clipping and the manual ``p.data.add_(p.grad, alpha=-lr)`` update, with the hidden
state detached between steps. tensorlite on the CPU (one thread) and on OpenCL, PyTorch on the
CPU (one thread) when it is importable; process CPU time per step. Target: tensorlite CPU
within 1.5x of PyTorch.

Run: python benchmarks/lstm_lm_step.py [--small]
(PyTorch with tensorlite: PYTHONPATH=. /work/main/.venv-torch/bin/python benchmarks/lstm_lm_step.py)
"""
from __future__ import annotations

import pathlib
import sys
import time

import numpy as np

from common import load_average, report, time_per_call, torch_or_none

import tensorlite as tl

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))
from word_lstm_lm import RNNModel  # noqa: E402  (the example's model is the one measured)

VOCABULARY, EMBEDDING, HIDDEN, LAYERS, BPTT, BATCH = 2000, 128, 128, 2, 35, 20
if "--small" in sys.argv:
    VOCABULARY, EMBEDDING, HIDDEN, BPTT = 500, 32, 32, 10
LR, CLIP = 20.0, 0.25


def _words(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, VOCABULARY, (BPTT + 1, BATCH))


def _torch_model(torch):
    """The example's architecture written with torch.nn (the same layers and tying)."""
    class TorchModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = torch.nn.Dropout(0.2)
            self.encoder = torch.nn.Embedding(VOCABULARY, EMBEDDING)
            self.rnn = torch.nn.LSTM(EMBEDDING, HIDDEN, LAYERS, dropout=0.2)
            self.decoder = torch.nn.Linear(HIDDEN, VOCABULARY)
            self.decoder.weight = self.encoder.weight

        def forward(self, input, hidden):
            output, hidden = self.rnn(self.drop(self.encoder(input)), hidden)
            decoded = self.decoder(self.drop(output)).view(-1, VOCABULARY)
            return torch.nn.functional.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, batch):
            weight = next(self.parameters())
            return (weight.new_zeros(LAYERS, batch, HIDDEN), weight.new_zeros(LAYERS, batch, HIDDEN))
    return TorchModel()


def training_step(lib, model, device=None):
    """A step closure for ``lib`` (tensorlite or torch: the same API)."""
    words = lib.tensor(_words())
    if device is not None:
        words = words.to(device)
        model = model.to(device)
    inputs, targets = words[:-1], words[1:].reshape(-1)
    criterion = lib.nn.NLLLoss()
    state = {"hidden": model.init_hidden(BATCH)}
    model.train()

    def step():
        hidden = tuple(h.detach() for h in state["hidden"])
        model.zero_grad()
        output, state["hidden"] = model(inputs, hidden)
        loss = criterion(output, targets)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-LR)
        return loss
    return step


def _synchronised(step):
    def run():
        step().item()  # one host read per step: OpenCL queues are asynchronous
    return run


def _interleaved(steps: dict, number: int, repeat: int = 5) -> dict:
    """Median process CPU seconds per step of each entry (steadier than wall time on shared cores;
    with one BLAS/PoCL thread it is the work done), the repeats of all entries interleaved: on a
    shared machine a load change then hits every framework alike, not just the one running."""
    for step in steps.values():
        step()
        step()
    runs = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            runs[name].append(time_per_call(step, number=number, repeat=1, warmup=0, clock=time.process_time))
    return {name: sorted(times)[len(times) // 2] for name, times in runs.items()}


def main() -> dict:
    number = 3 if "--small" not in sys.argv else 20
    tl.manual_seed(0)
    steps = {"tensorlite cpu": _synchronised(training_step(
        tl, RNNModel(VOCABULARY, EMBEDDING, HIDDEN, LAYERS, 0.2, True), "cpu"))}
    try:
        opencl = tl.device("opencl")
    except (RuntimeError, ImportError) as error:
        print(f"(no OpenCL device: {error})")
    else:
        steps["tensorlite opencl"] = _synchronised(training_step(
            tl, RNNModel(VOCABULARY, EMBEDDING, HIDDEN, LAYERS, 0.2, True), opencl))
    torch = torch_or_none()
    if torch is not None:
        torch.manual_seed(0)
        steps[f"torch {torch.__version__} cpu"] = _synchronised(training_step(torch, _torch_model(torch)))
    timings = _interleaved(steps, number)
    baseline = list(steps)[-1] if torch is not None else "tensorlite cpu"
    report(f"word LSTM LM step: vocabulary {VOCABULARY}, embedding {EMBEDDING}, {LAYERS}x LSTM "
           f"{HIDDEN}, bptt {BPTT}, batch {BATCH}, per step ({load_average()})", list(timings.items()),
           baseline, unit="ms")
    return timings


if __name__ == "__main__":
    main()
