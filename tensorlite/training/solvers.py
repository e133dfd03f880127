"""fit with the caller's optimizer and lr scheduler in place of TrainingOptions' solver."""
from __future__ import annotations

from ..optim.lr_scheduler import ReduceLROnPlateau
from ..optim.optimizer import Optimizer

__all__ = ["given_solver", "step_scheduler"]


def given_solver(model, optimizer, scheduler):
    """Check the optimizer and scheduler given to fit, before training changes anything:
    the optimizer holds parameters of ``model`` only, and the scheduler drives that optimizer
    (a scheduler alone brings its own optimizer). Returns (optimizer, scheduler).

    Example:
    >>> from tensorlite.training.solvers import given_solver
    >>> model = nn.Linear(2, 1)
    >>> opt = tl.optim.SGD(model.parameters(), lr=0.1)
    >>> sched = tl.optim.lr_scheduler.StepLR(opt, step_size=1)
    >>> given_solver(model, None, sched) == (opt, sched)
    True
    >>> given_solver(nn.Linear(2, 1), opt, None)
    Traceback (most recent call last):
        ...
    ValueError: fit: the optimizer holds 2 tensors that are not parameters of the model ...
    """
    if optimizer is None:
        optimizer = scheduler.optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be a tensorlite optimizer, got {type(optimizer).__name__}")
    if scheduler is not None and getattr(scheduler, "optimizer", None) is not optimizer:
        raise ValueError("fit: the scheduler drives another optimizer than the one given; build it "
                         "on that optimizer (e.g. StepLR(optimizer, ...))")
    held = [p for group in optimizer.param_groups for p in group["params"]]
    if not held:
        raise ValueError("fit: the optimizer holds no parameters; give it model.parameters()")
    own = {id(p) for p in model.parameters()}
    foreign = [p for p in held if id(p) not in own]
    if foreign:
        raise ValueError(f"fit: the optimizer holds {len(foreign)} tensors that are not parameters "
                         f"of the model (shapes {[tuple(p.shape) for p in foreign][:4]}); build it "
                         "from model.parameters()")
    return optimizer, scheduler


def step_scheduler(scheduler, history) -> None:
    """One epoch's step; ReduceLROnPlateau gets the epoch's last validation loss, or its mean
    training loss when it did not validate.

    Example:
    >>> from tensorlite.training.solvers import step_scheduler
    >>> opt = tl.optim.SGD([nn.Parameter(tl.zeros(1))], lr=1.0)
    >>> plateau = tl.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    >>> history = tl.training.History("accuracy")
    >>> for epoch in (1, 2):
    ...     history.record({"epoch": epoch, "loss": 1.0})
    ...     step_scheduler(plateau, history)
    >>> opt.param_groups[0]["lr"]
    0.5
    """
    if not isinstance(scheduler, ReduceLROnPlateau):
        scheduler.step()
        return
    epoch = history.iterations[-1]["epoch"]
    rows = [row for row in history.iterations if row["epoch"] == epoch]
    validated = [row["validation_loss"] for row in rows if "validation_loss" in row]
    scheduler.step(validated[-1] if validated else sum(row["loss"] for row in rows) / len(rows))
