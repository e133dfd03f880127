"""The seeds' quick path: stack layers, pick a loss and options, train, evaluate (a thin layer
over nn.Sequential and fit, not a second framework)."""
from __future__ import annotations

import csv

from .. import nn
from ..autograd.grad_mode import no_grad
from ..serialization import load, save
from . import _plotting
from .fit import evaluate, fit
from .options import TrainingOptions

__all__ = ["Network", "compare"]


class Network:
    """``Network([nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)], loss="crossentropy")``.

    ``train(data, options)`` returns the history; ``evaluate(data)`` a dict with loss and metric;
    ``predict(x)`` the outputs without a graph.

    Shapes: what the layers take and give: here inputs (N, 2) -> logits (N, 2).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> net = tl.training.Network([nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2)])
    >>> history = net.train(tl.data.xor(n=16), max_epochs=2, mini_batch_size=8, verbose=False,
    ...                     execution_environment="cpu")
    >>> len(history.epochs), net.predict(tl.zeros(3, 2)).shape
    (2, tensorlite.Size([3, 2]))
    >>> sorted(net.evaluate(tl.data.xor(n=8)))
    ['accuracy', 'loss']
    """

    def __init__(self, layers, loss="crossentropy"):
        self.model = layers if isinstance(layers, nn.Module) else nn.Sequential(*layers)
        self.loss = loss
        self.history = None

    def train(self, data, options: TrainingOptions | None = None, **option_overrides):
        if options is None:
            options = TrainingOptions(**option_overrides)
        _, self.history = fit(self.model, data, self.loss, options)
        return self.history

    def evaluate(self, data, batch_size: int = 256) -> dict:
        return evaluate(self.model, data, self.loss, batch_size)

    def predict(self, inputs):
        self.model.eval()
        with no_grad():
            return self.model(inputs)

    def save(self, path) -> None:
        save(self.model.state_dict(), path)

    def load(self, path) -> "Network":
        self.model.load_state_dict(load(path))
        return self

    def __repr__(self) -> str:
        return f"Network(loss={self.loss!r},\n  model={self.model!r})"


def compare(factories: dict, train_data, test_data, loss="crossentropy",
            options: TrainingOptions | None = None, csv_path=None, plot_path=None) -> dict:
    """Train each model of ``factories`` (name -> callable returning a Module) with the same
    data and options; return {name: test scores}, write one CSV of every model's epochs and one
    comparison plot (test metric per model, training loss curves).

    Example:
    >>> options = tl.training.TrainingOptions(max_epochs=1, verbose=False, execution_environment="cpu")
    >>> data = tl.data.xor(n=16)
    >>> scores = tl.training.compare({"linear": lambda: nn.Linear(2, 2),
    ...                               "mlp": lambda: nn.Sequential(nn.Linear(2, 4), nn.ReLU(),
    ...                                                            nn.Linear(4, 2))},
    ...                              data, data, options=options)
    >>> {name: sorted(score) for name, score in scores.items()}
    {'linear': ['accuracy', 'loss'], 'mlp': ['accuracy', 'loss']}
    """
    results, histories = {}, {}
    for name, factory in factories.items():
        model = factory()
        _, history = fit(model, train_data, loss, options)
        results[name] = evaluate(model, test_data, loss)
        histories[name] = history
    metric = next(iter(histories.values())).metric
    if csv_path is not None:
        with open(csv_path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["model", "epoch", "loss", metric, "test_loss", "test_" + metric])
            for name, history in histories.items():
                for row in history.epochs:
                    writer.writerow([name, row["epoch"], row["loss"], row[metric],
                                     results[name]["loss"], results[name][metric]])
    if plot_path is not None:
        figure, (left, right) = _plotting.figure(1, 2, (11, 4))
        for name, history in histories.items():
            left.plot([r["epoch"] for r in history.epochs], [r["loss"] for r in history.epochs], label=name)
        left.set_xlabel("epoch")
        left.set_ylabel("training loss")
        left.legend()
        right.bar(list(results), [r[metric] for r in results.values()])
        right.set_ylabel("test " + metric)
        _plotting.save(figure, plot_path)
    return results
