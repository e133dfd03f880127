"""TrainingOptions: every hyperparameter of fit() in one validated, printable object."""
from __future__ import annotations

import difflib
import math
import os
from dataclasses import MISSING, dataclass, field, fields

from .tensorboard import TensorBoardLogger

SOLVERS = ("sgdm", "adam", "rmsprop")
SCHEDULES = ("none", "piecewise", "cosine")
SHUFFLES = ("once", "every-epoch", "never")
ENVIRONMENTS = ("cpu", "gpu", "opencl", "auto", "multi-gpu", "parallel")
MULTI_WORKER = ("multi-gpu", "parallel")
CHECKPOINT_UNITS = ("epoch", "iteration")


@dataclass
class TrainingOptions:
    """Options for ``fit``; a misspelt name or out-of-range value fails at construction.

    Example:
    >>> options = tl.training.TrainingOptions(
    ...     solver="sgdm", momentum=0.9, initial_learn_rate=0.01,
    ...     learn_rate_schedule="piecewise", learn_rate_drop_factor=0.2,
    ...     learn_rate_drop_period=5, l2_regularization=1e-4, max_epochs=20,
    ...     mini_batch_size=64, shuffle="every-epoch", checkpoint_path="ckpt.tl")
    >>> options.solver, options.max_epochs, options.mini_batch_size
    ('sgdm', 20, 64)
    >>> tl.training.TrainingOptions(max_epoch=5)
    Traceback (most recent call last):
        ...
    TypeError: TrainingOptions: unknown option 'max_epoch'. Did you mean 'max_epochs'? ...

    ``seed`` seeds the shuffling and, at the start of fit, the default generator (dropout and
    other random ops), so a run is reproducible; seed=None leaves the default generator alone.
    ``validation_frequency`` and ``verbose_frequency`` count iterations, ``checkpoint_frequency``
    epochs, or iterations with ``checkpoint_frequency_unit="iteration"`` (so a killed run loses
    at most that many iterations); ``validation_patience`` is a number of validations without
    improvement. ``tensorboard`` (True: ./runs/<date>_<host>, a log directory, or a
    tl.training.TensorBoardLogger) writes the run for TensorBoard (``pip install
    tensorlite[tensorboard]``).

    ``execution_environment``: 'cpu', 'gpu' (an OpenCL GPU), 'opencl' (the best OpenCL device),
    'auto' (a GPU when there is one, else the CPU), 'multi-gpu' (a model replica on each of
    ``devices``, default every OpenCL GPU, in this process) or 'parallel' (MPI ranks, each on
    its own device). ``worker_load`` (multi-gpu and parallel): each worker's share of every
    mini-batch, as fractions or counts (relative, like [0.25, 0.75] or [1, 3]); default even.
    ``compile``: capture the training step with ``tensorlite.compile`` and replay it. None (the
    default): on one device (CPU or OpenCL), and eagerly without a word in the data-parallel
    environments; True: the same, but a data-parallel environment warns that it trains
    eagerly; False: eager steps. A step that cannot be captured warns once and trains eagerly.
    """

    solver: str = "sgdm"
    momentum: float = 0.9
    initial_learn_rate: float = 0.01
    learn_rate_schedule: str = "none"
    learn_rate_drop_factor: float = 0.1
    learn_rate_drop_period: int = 10
    l2_regularization: float = 1e-4
    gradient_threshold: float | None = None
    max_epochs: int = 30
    mini_batch_size: int = 128
    shuffle: str = "once"
    validation_data: object = None
    validation_frequency: int = 50
    validation_patience: float = math.inf
    verbose: bool = True
    verbose_frequency: int = 50
    checkpoint_path: str | None = None
    checkpoint_frequency: int = 1
    checkpoint_frequency_unit: str = "epoch"
    execution_environment: str = "auto"
    devices: list | None = None
    worker_load: list | None = None
    output_functions: list = field(default_factory=list)
    tensorboard: object = None
    seed: int | None = 0
    betas: tuple = (0.9, 0.999)
    epsilon: float = 1e-8
    squared_gradient_decay_factor: float = 0.9
    compile: bool | None = None

    def __init__(self, solver: str = "sgdm", **options):
        names = [f.name for f in fields(self)]
        for name in options:
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise TypeError(f"TrainingOptions: unknown option '{name}'.{hint} Valid options: "
                                f"{', '.join(names)}")
        for f in fields(self):
            default = f.default if f.default is not MISSING else f.default_factory()
            setattr(self, f.name, options.get(f.name, default))
        self.solver = solver
        if callable(self.output_functions):
            self.output_functions = [self.output_functions]
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the option, the value and the valid range."""
        _choice("solver", self.solver, SOLVERS)
        _choice("learn_rate_schedule", self.learn_rate_schedule, SCHEDULES)
        _choice("shuffle", self.shuffle, SHUFFLES)
        _choice("execution_environment", self.execution_environment, ENVIRONMENTS)
        _workers(self.execution_environment, self.devices, self.worker_load)
        _choice("checkpoint_frequency_unit", self.checkpoint_frequency_unit, CHECKPOINT_UNITS)
        _range("momentum", self.momentum, 0, 1, high_open=True)
        _range("initial_learn_rate", self.initial_learn_rate, 0, math.inf, low_open=True)
        _range("learn_rate_drop_factor", self.learn_rate_drop_factor, 0, 1)
        _integer("learn_rate_drop_period", self.learn_rate_drop_period)
        _range("l2_regularization", self.l2_regularization, 0, math.inf)
        if self.gradient_threshold is not None:
            _range("gradient_threshold", self.gradient_threshold, 0, math.inf, low_open=True)
        for name in ("max_epochs", "mini_batch_size", "validation_frequency", "verbose_frequency",
                     "checkpoint_frequency"):
            _integer(name, getattr(self, name))
        if self.validation_patience != math.inf:
            _integer("validation_patience", self.validation_patience)
        _range("epsilon", self.epsilon, 0, math.inf, low_open=True)
        _range("squared_gradient_decay_factor", self.squared_gradient_decay_factor, 0, 1, high_open=True)
        if self.compile is not None and not isinstance(self.compile, bool):
            raise ValueError(f"compile must be None, True or False, got {self.compile!r}")
        if not all(callable(f) for f in self.output_functions):
            raise ValueError("output_functions must be callables taking one info argument")
        if not (self.tensorboard is None or isinstance(self.tensorboard, (bool, str, os.PathLike))
                or isinstance(self.tensorboard, TensorBoardLogger)):
            raise ValueError(f"TrainingOptions: tensorboard={self.tensorboard!r} must be True, a log "
                             "directory or a tl.training.TensorBoardLogger")
        if self.tensorboard not in (None, False):
            TensorBoardLogger.check_installed()

    def __repr__(self) -> str:
        lines = [f"  {f.name}: {getattr(self, f.name)!r}" for f in fields(self)
                 if f.name != "validation_data"]
        lines.append(f"  validation_data: {'set' if self.validation_data is not None else None}")
        return "TrainingOptions(\n" + "\n".join(lines) + "\n)"


def _choice(name, value, valid):
    if value not in valid:
        raise ValueError(f"TrainingOptions: {name}={value!r} is not one of {', '.join(map(repr, valid))}")


def _range(name, value, low, high, low_open=False, high_open=False):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or \
            (value <= low if low_open else value < low) or (value >= high if high_open else value > high):
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"TrainingOptions: {name}={value!r} must be a number in {interval}")


def _workers(environment, devices, worker_load):
    """devices and worker_load: sequences, for the multi-worker environments only (their lengths
    are checked against the workers at fit, where the devices and ranks are known)."""
    for name, value in (("devices", devices), ("worker_load", worker_load)):
        if value is not None and environment not in MULTI_WORKER:
            raise ValueError(f"TrainingOptions: {name} applies to execution_environment 'multi-gpu' or "
                             f"'parallel', not {environment!r}")
        if value is not None and (not isinstance(value, (list, tuple)) or not value):
            raise ValueError(f"TrainingOptions: {name}={value!r} must be a non-empty list")
    if devices is not None and not all(isinstance(d, str) or hasattr(d, "type") for d in devices):
        raise ValueError(f"TrainingOptions: devices={devices!r} must list devices like 'opencl:0' or 'cpu'")
    if worker_load is not None:
        if not all(isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w) and w >= 0
                   for w in worker_load) or sum(worker_load) <= 0:
            raise ValueError(f"TrainingOptions: worker_load={worker_load!r} must be non-negative finite "
                             "numbers (fractions or counts, one per worker) with a positive sum")


def _integer(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"TrainingOptions: {name}={value!r} must be a positive integer")


__all__ = ["TrainingOptions", "SOLVERS", "SCHEDULES", "SHUFFLES", "ENVIRONMENTS"]
