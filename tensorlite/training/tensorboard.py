"""TensorBoard output of fit, written with tensorboardX (``pip install tensorlite[tensorboard]``)."""
from __future__ import annotations

import os

__all__ = ["TensorBoardLogger"]


class TensorBoardLogger:
    """Writes a ``fit`` run as TensorBoard event files in ``logdir`` (None: tensorboardX's
    default ``runs/<date>_<host>``), through a tensorboardX SummaryWriter:

    - per iteration: the scalars ``loss/train``, ``<metric>/train`` (accuracy or rmse) and
      ``learn_rate`` (the first parameter group's), and ``loss/validation``,
      ``<metric>/validation`` at the iterations that validate; the step is the iteration;
    - per epoch: the histograms ``weights/<name>`` and ``gradients/<name>`` (the epoch's last
      gradient) of every named parameter (``histograms=False`` leaves them out), step the epoch.

    The model graph is not written: tensorboardX draws graphs by tracing a PyTorch module.
    Give it to fit as ``TrainingOptions(tensorboard=TensorBoardLogger("runs/a"))``, or just
    ``tensorboard="runs/a"`` / ``tensorboard=True``; ``Network.train(tensorboard=...)`` too.
    Reading the events back: tensorboard's EventAccumulator, or ``tensorboard --logdir runs``.

    Shapes: a histogram per parameter of any shape, flattened.

    Example:
    >>> import tempfile
    >>> logdir = tempfile.mkdtemp()
    >>> options = tl.training.TrainingOptions(max_epochs=2, mini_batch_size=4, verbose=False,
    ...                                       execution_environment="cpu",
    ...                                       tensorboard=tl.training.TensorBoardLogger(logdir))
    >>> _ = tl.training.fit(nn.Linear(2, 2), tl.data.xor(n=8), "crossentropy", options)
    >>> from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    >>> events = EventAccumulator(logdir).Reload()
    >>> sorted(events.Tags()["scalars"]), len(events.Scalars("loss/train"))
    (['accuracy/train', 'learn_rate', 'loss/train'], 4)
    >>> sorted(events.Tags()["histograms"])
    ['gradients/bias', 'gradients/weight', 'weights/bias', 'weights/weight']
    """

    def __init__(self, logdir=None, *, histograms: bool = True):
        self.logdir = None if logdir is None else os.fspath(logdir)
        self.histograms = histograms
        self.writer = None
        self._validated_step = None
        self._histogram_epoch = None

    @classmethod
    def from_option(cls, value) -> "TensorBoardLogger | None":
        """The logger of ``TrainingOptions.tensorboard``: None/False -> none, True -> the
        default directory, a path -> that directory, a TensorBoardLogger -> itself."""
        if value is None or value is False:
            return None
        if isinstance(value, cls):
            return value
        return cls(None if value is True else value)

    def open(self) -> "TensorBoardLogger":
        """Start an event file (fit calls it; each fit, a resumed one too, writes its own)."""
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise ImportError("TensorBoard output needs tensorboardX: pip install "
                              "'tensorlite[tensorboard]'") from None
        self.writer = SummaryWriter(self.logdir)
        self.logdir = self.writer.logdir
        self._validated_step = self._histogram_epoch = None
        return self

    def log_iteration(self, row: dict, metric: str) -> None:
        """The scalars of one history row (see History)."""
        step = row["iteration"]
        self.writer.add_scalar("loss/train", row["loss"], step)
        self.writer.add_scalar(f"{metric}/train", row[metric], step)
        self.writer.add_scalar("learn_rate", row["base_learn_rate"], step)
        if "validation_loss" in row:
            self.writer.add_scalar("loss/validation", row["validation_loss"], step)
            self.writer.add_scalar(f"{metric}/validation", row["validation_" + metric], step)
            self._validated_step = step

    def log_epoch(self, epoch: int, model) -> None:
        """Histograms of the weights and of their current gradients."""
        self._histogram_epoch = epoch
        if not self.histograms:
            return
        for name, param in model.named_parameters():
            self.writer.add_histogram(f"weights/{name}", param.detach().numpy(), epoch)
            if param.grad is not None:
                self.writer.add_histogram(f"gradients/{name}", param.grad.numpy(), epoch)

    def close(self, history, model) -> None:
        """Write what the end of fit added (the final validation, a stopped epoch's
        histograms) and close the event file."""
        if history.iterations:
            last = history.iterations[-1]
            if "validation_loss" in last and self._validated_step != last["iteration"]:
                self.writer.add_scalar("loss/validation", last["validation_loss"], last["iteration"])
                self.writer.add_scalar(f"{history.metric}/validation",
                                       last["validation_" + history.metric], last["iteration"])
            if self._histogram_epoch != last["epoch"]:
                self.log_epoch(last["epoch"], model)
        self.writer.close()
        self.writer = None

    def __repr__(self) -> str:
        return f"TensorBoardLogger(logdir={self.logdir!r}, histograms={self.histograms})"
