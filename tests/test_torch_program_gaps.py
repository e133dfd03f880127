"""A PyTorch program using packed sequences, lazy modules, full backward hooks, forward hooks
with kwargs and an IterableDataset loaded by workers runs unmodified with torch mapped to
tensorlite (the acceptance style of issue 11)."""
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import tensorlite as tl
from test_torch_programs import TORCH_IS_TENSORLITE

PROGRAM = TORCH_IS_TENSORLITE + textwrap.dedent("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    from torch.utils.data import DataLoader, IterableDataset, get_worker_info

    class Sequences(IterableDataset):
        def __init__(self, n):
            self.n = n
        def __iter__(self):
            info = get_worker_info()
            worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
            g = torch.Generator().manual_seed(worker)
            for i in range(worker, self.n, workers):
                length = 2 + i % 5
                x = torch.zeros(6, 3)
                x[:length] = torch.randn(length, 3, generator=g)
                yield x, length, int(x[:length, 0].sum() > 0)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(3, 8, batch_first=True, bidirectional=True)
            self.head = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2))
        def forward(self, x, lengths, temperature=1.0):
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, h = self.rnn(packed)
            padded, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
            return self.head(torch.cat([h[0], h[1], padded.mean(1)], 1)) / temperature

    if __name__ == "__main__":
        torch.manual_seed(0)
        model = Model()
        opt = torch.optim.Adam(model.parameters(), lr=0.02)
        norms = []
        model.rnn.register_full_backward_hook(lambda m, gi, go: norms.append(float(go[1].norm())))
        model.register_forward_pre_hook(lambda m, a, kw: (a, {"temperature": 2.0}), with_kwargs=True)
        losses = []
        for epoch in range(3):
            for x, lengths, y in DataLoader(Sequences(64), batch_size=16, num_workers=2):
                loss = F.cross_entropy(model(x, lengths), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
        assert type(model.head[0]) is nn.Linear and model.head[0].in_features == 32
        assert len(norms) == len(losses) == 12 and losses[-1] < losses[0], (losses, norms)
        print("ok", len(losses))
""")


@pytest.mark.backend_pair
def test_a_program_with_packed_sequences_lazy_layers_hooks_and_stream_workers(tmp_path):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    root = pathlib.Path(tl.__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180,
                          env=dict(os.environ, PYTHONPATH=str(root)))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["ok", "12"]
