"""Training history: one record per iteration and one per epoch; CSV and PNG output."""
from __future__ import annotations

import csv

from . import _plotting

__all__ = ["History"]


class History:
    """``iterations``: dicts of epoch, iteration, time_since_start, loss, base_learn_rate, the
    metric (accuracy or rmse) and, where validated, validation_loss / validation_<metric>.
    ``epochs``: the same per epoch (means over its iterations).

    Example:
    >>> options = tl.training.TrainingOptions(max_epochs=2, mini_batch_size=4, verbose=False,
    ...                                       execution_environment="cpu")
    >>> _, history = tl.training.fit(nn.Linear(2, 2), tl.data.xor(n=8), "crossentropy", options)
    >>> history.metric, len(history.iterations), len(history.epochs)
    ('accuracy', 4, 2)
    >>> sorted(history.epochs[0])
    ['accuracy', 'base_learn_rate', 'epoch', 'iteration', 'loss', 'time_since_start']
    """

    def __init__(self, metric: str):
        self.metric = metric
        self.iterations: list[dict] = []
        self.epochs: list[dict] = []

    def record(self, row: dict) -> None:
        self.iterations.append(dict(row))

    def close_epoch(self, epoch: int) -> dict:
        rows = [r for r in self.iterations if r["epoch"] == epoch]
        summary = {"epoch": epoch, "iteration": rows[-1]["iteration"],
                   "time_since_start": rows[-1]["time_since_start"],
                   "loss": sum(r["loss"] for r in rows) / len(rows),
                   self.metric: sum(r[self.metric] for r in rows) / len(rows),
                   "base_learn_rate": rows[-1]["base_learn_rate"]}
        validated = [r for r in rows if "validation_loss" in r]
        if validated:
            summary["validation_loss"] = validated[-1]["validation_loss"]
            summary["validation_" + self.metric] = validated[-1]["validation_" + self.metric]
        self.epochs.append(summary)
        return summary

    @property
    def columns(self) -> list[str]:
        base = ["epoch", "iteration", "time_since_start", "loss", self.metric, "base_learn_rate",
                "validation_loss", "validation_" + self.metric]
        return base

    def to_csv(self, path, per: str = "iteration") -> None:
        """Write the per-iteration (or per="epoch") records as CSV with a header row."""
        rows = self.iterations if per == "iteration" else self.epochs
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.columns, restval="")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: row.get(k, "") for k in self.columns})

    def plot(self, path) -> None:
        """PNG curves: loss (training and validation) and the metric, against iteration.

        Needs matplotlib (``pip install tensorlite[plot]``)."""
        try:
            figure, axes = _plotting.figure(2, 1, (8, 7), sharex=True)
        except ImportError:
            raise ImportError("History.plot needs matplotlib: pip install 'tensorlite[plot]'") from None
        steps = [r["iteration"] for r in self.iterations]
        for axis, key, label in ((axes[0], "loss", "loss"), (axes[1], self.metric, self.metric)):
            axis.plot(steps, [r[key] for r in self.iterations], label="training", linewidth=0.8)
            validated = [r for r in self.iterations if "validation_" + key in r]
            if validated:
                axis.plot([r["iteration"] for r in validated], [r["validation_" + key] for r in validated],
                          "o-", label="validation")
            axis.set_ylabel(label)
            axis.grid(alpha=0.3)
            axis.legend()
        axes[1].set_xlabel("iteration")
        _plotting.save(figure, path)

    def final(self) -> dict:
        return self.epochs[-1] if self.epochs else {}

    def __len__(self) -> int:
        return len(self.iterations)

    def state(self) -> dict:
        return {"metric": self.metric, "iterations": self.iterations, "epochs": self.epochs}

    @classmethod
    def from_state(cls, state: dict) -> "History":
        history = cls(state["metric"])
        history.iterations = [dict(r) for r in state["iterations"]]
        history.epochs = [dict(r) for r in state["epochs"]]
        return history

    def keys(self) -> list[str]:
        """The per-epoch metric names this history holds, as seed 001 names them: train_loss,
        train_<metric> and, when validated, test_loss, test_<metric>.

        Example:
        >>> options = tl.training.TrainingOptions(max_epochs=2, mini_batch_size=4, verbose=False,
        ...                                       execution_environment="cpu")
        >>> _, history = tl.training.fit(nn.Linear(2, 2), tl.data.xor(n=8), "crossentropy", options)
        >>> history.keys(), len(history["train_loss"])
        (['train_loss', 'train_accuracy'], 2)
        >>> history["train_loss"] == history["training_loss"] == [e["loss"] for e in history.epochs]
        True
        """
        names = ["train_loss", "train_" + self.metric]
        if any("validation_loss" in row for row in self.epochs):
            names += ["test_loss", "test_" + self.metric]
        return names

    def __getitem__(self, name: str) -> list:
        """One value per epoch (None for an epoch without validation) of a metric named as
        seed 001 does (train_loss, test_accuracy, ...) or as seed 000's training info does
        (training_loss, validation_accuracy, ...)."""
        for train_name, test_name in (("train_", "test_"), ("training_", "validation_")):
            if name.startswith(train_name) and name[len(train_name):] in ("loss", self.metric):
                return [row[name[len(train_name):]] for row in self.epochs]
            if name.startswith(test_name) and name[len(test_name):] in ("loss", self.metric):
                return [row.get("validation_" + name[len(test_name):]) for row in self.epochs]
        raise KeyError(f"History has no metric {name!r}; it has {', '.join(self.keys())} "
                       f"(or training_*/validation_* for train_*/test_*)")


