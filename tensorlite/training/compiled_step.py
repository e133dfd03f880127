"""fit's training step captured and replayed by ``tensorlite.compile`` (TrainingOptions(
compile=None or True)): zero_grad, forward, loss, backward, metric, clipping and the optimizer's update
run as one step; the loss and metric are read back after it."""
from __future__ import annotations

from .. import nn
from .._warn import warn_user
from ..compile import compile as _compile
from .environments import SingleDevice, _finish_metric, _metric_part

__all__ = ["compiled_train_step"]


def compiled_train_step(environment, model, optimizer, loss_fn, metric: str, gradient_threshold, warn: bool = True):
    """A function ``(inputs, targets) -> (loss, metric)`` (Python floats) doing what fit's eager
    loop does for one mini-batch, captured on its second call and replayed after that; None
    (with a warning if ``warn``) where the environment is not one device (CPU or OpenCL). A step
    that cannot be captured warns once and runs eagerly.

    Shapes: inputs (N, *), targets (N,) class indices or (N, *) regression targets.

    Example:
    >>> from tensorlite.training.environments import SingleDevice
    >>> model = nn.Linear(2, 2)
    >>> opt = tl.optim.SGD(model.parameters(), lr=0.1)
    >>> step = compiled_train_step(SingleDevice(tl.device("cpu")), model, opt,
    ...                            nn.CrossEntropyLoss(), "accuracy", None)
    >>> x, y = tl.tensor([[1.0, 0.0], [0.0, 1.0]]), tl.tensor([0, 1])
    >>> losses = [step(x, y)[0] for _ in range(3)]
    >>> losses[2] < losses[0]
    True
    """
    if type(environment) is not SingleDevice or environment.device.type not in ("cpu", "opencl"):
        if warn:
            warn_user(f"TrainingOptions(compile=True) captures steps on one device (CPU or OpenCL) only; "
                      f"training on {environment.devices} eagerly")
        return None

    device = environment.device

    def step(inputs, targets):
        optimizer.zero_grad()
        output = model(inputs)
        batch_loss = loss_fn(output, targets)
        batch_loss.backward()
        total = len(targets)
        part = _metric_part(metric, output, targets, total, total)
        if gradient_threshold is not None:
            nn.utils.clip_grad_norm_(model.parameters(), gradient_threshold)
        optimizer.step()
        return batch_loss, part
    # what tensorlite.compile's warnings call it (it cannot capture it, it recorded it too often)
    step.__qualname__ = "fit's training step (TrainingOptions(compile=False) trains eagerly without this warning)"
    compiled = _compile(step, host_reads="eager")

    def train_step(inputs, targets):
        batch_loss, part = compiled(inputs.to(device), targets.to(device))
        return batch_loss.item(), _finish_metric(metric, part.item(), len(targets))
    return train_step
