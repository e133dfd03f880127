"""compare(): several models trained alike, one CSV, one plot (the Network quick path is in
network.py)."""
from __future__ import annotations

import csv

from . import _plotting
from .fit import evaluate, fit
from .options import TrainingOptions

__all__ = ["compare"]


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
