"""PyTorch-style code that mypy must accept with tensorlite's hints (.ci/typecheck runs it).

Not a pytest module (no test_ prefix): it is type-checked, and run once by tests/test_typing.py
to show the code it checks is real.
"""
from __future__ import annotations

import tensorlite as tl
from tensorlite import nn, optim
from tensorlite.nn import functional as F
from tensorlite.training import TrainingOptions, evaluate, fit


class MLP(nn.Module):
    """A small classifier: Linear -> ReLU -> Linear."""

    def __init__(self, inputs: int, hidden: int, classes: int) -> None:
        super().__init__()
        self.hidden = nn.Linear(inputs, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: tl.Tensor) -> tl.Tensor:
        return self.out(F.relu(self.hidden(x)))


def normalised(x: tl.Tensor) -> tl.Tensor:
    """Tensor methods and operators chain to Tensors."""
    centred = x - tl.sum(x, dim=0, keepdim=True) / x.shape[0]
    scale = centred.std(dim=0, keepdim=True).clamp_min(1e-6)
    return (centred / scale).reshape(x.shape[0], -1).contiguous()


def train_steps(steps: int = 3) -> float:
    tl.manual_seed(0)
    x, y = tl.randn(32, 4), tl.randint(0, 3, (32,))
    model = MLP(4, 8, 3)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    loss = tl.tensor(0.0)
    for _ in range(steps):
        optimizer.zero_grad()
        logits: tl.Tensor = model(normalised(x))
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
    with tl.no_grad():
        accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
    chained: tl.Tensor = tl.exp(tl.randn(2, 3).sum(dim=0).relu()).unsqueeze(0) @ tl.ones(3, 1)
    assert chained.shape == (1, 1)
    values, indices = tl.randn(5).sort()
    parts: tuple[tl.Tensor, ...] = tl.arange(6).split(2)
    assert len(parts) == 3 and values.shape == indices.shape
    return float(loss.item()) + 0 * accuracy


def train_with_fit() -> dict:
    data = tl.data.xor(n=32)
    options = TrainingOptions("adam", max_epochs=1, mini_batch_size=16, verbose=False,
                              execution_environment="cpu")
    model, history = fit(nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2)), data, "crossentropy", options)
    return evaluate(model, data)


if __name__ == "__main__":
    print(train_steps(), train_with_fit())
