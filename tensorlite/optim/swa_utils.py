"""Stochastic weight averaging and EMA of a model's weights (torch.optim.swa_utils):
AveragedModel, SWALR, update_bn and the averaging functions."""
from __future__ import annotations

import itertools
import math
from copy import deepcopy

from .. import dtypes as _dt
from ..autograd import no_grad
from ..nn.layers.normalization import _BatchNorm, _InstanceNorm
from ..nn.module import Module
from ..ops.creation import tensor
from .lr_scheduler import LRScheduler, _per_group

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """An AveragedModel ``multi_avg_fn``: every averaged tensor becomes
    ema + (1 - decay) (current - ema) in place (PyTorch's lerp), for lists of tensors.

    Shapes: each averaged tensor and its current value have the same shape.

    Example:
    >>> ema, cur = [tl.tensor([0., 10.])], [tl.tensor([1., 20.])]
    >>> tl.optim.swa_utils.get_ema_multi_avg_fn(0.9)(ema, cur, 1)
    >>> ema[0]
    tensor([ 0.1000, 11.0000])
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with no_grad():
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                if p_ema.is_floating_point():
                    p_ema.lerp_(p_model, 1 - decay)
                else:
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An AveragedModel ``multi_avg_fn``: the running mean, averaged += (current - averaged) /
    (n + 1) in place, for lists of tensors (n: how many models were averaged so far). With n
    an int64 tensor (AveragedModel's n_averaged) the weight 1 / (n + 1) has the default dtype,
    as PyTorch's.

    Shapes: each averaged tensor and its current value have the same shape; n is an int or 0-dim.

    Example:
    >>> avg, cur = [tl.tensor([1., 2.])], [tl.tensor([4., 8.])]
    >>> tl.optim.swa_utils.get_swa_multi_avg_fn()(avg, cur, 2)
    >>> avg[0]
    tensor([2., 4.])
    """
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with no_grad():
            for p_avg, p_model in zip(averaged_param_list, current_param_list):
                if p_avg.is_floating_point():
                    p_avg.lerp_(p_model, 1 / (num_averaged + 1))
                else:
                    p_avg.add_((p_model - p_avg) / (num_averaged + 1))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An AveragedModel ``avg_fn``: returns decay ema + (1 - decay) current.

    Shapes: ema and current have the same shape; so has the result.

    Example:
    >>> tl.optim.swa_utils.get_ema_avg_fn(0.5)(tl.tensor([0., 2.]), tl.tensor([2., 4.]), 1)
    tensor([1., 3.])
    """
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """An AveragedModel ``avg_fn``: returns averaged + (current - averaged) / (n + 1).

    Shapes: averaged and current have the same shape; so has the result.

    Example:
    >>> tl.optim.swa_utils.get_swa_avg_fn()(tl.tensor([1., 2.]), tl.tensor([4., 8.]), 2)
    tensor([2., 4.])
    """
    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` whose parameters (and buffers, with use_buffers=True) hold an
    average of the models passed to ``update_parameters``: the running mean by default (SWA),
    or what ``avg_fn`` (one tensor at a time) or ``multi_avg_fn`` (lists, in place; e.g.
    ``get_ema_multi_avg_fn(decay)`` for an EMA) compute. The first update copies the model.
    ``n_averaged`` is an int64 buffer; calling the AveragedModel calls the copy. Without
    use_buffers the buffers are copied from the model at each update (then run ``update_bn``).

    Shapes: the same as ``model``'s inputs and outputs.

    Example:
    >>> model = nn.Linear(2, 1)
    >>> swa = tl.optim.swa_utils.AveragedModel(model)
    >>> for value in (1.0, 2.0, 6.0):
    ...     with tl.no_grad():
    ...         _ = model.weight.fill_(value)
    ...     swa.update_parameters(model)
    >>> swa.module.weight, swa.n_averaged
    (Parameter containing:
    tensor([[3., 3.]], requires_grad=True), tensor(3))
    >>> swa(tl.ones(4, 2)).shape
    tensorlite.Size([4, 1])
    """

    def __init__(self, model: Module, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=_dt.int64, device=device))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        """The averaged copy's forward."""
        return self.module(*args, **kwargs)

    def _tensors(self, model):
        if self.use_buffers:
            return list(itertools.chain(model.parameters(), model.buffers()))
        return list(model.parameters())

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s current parameters (and buffers with use_buffers) into this copy.
        Like PyTorch's, reads n_averaged back to the host (one scalar per call)."""
        averaged = [p.detach() for p in self._tensors(self.module)]
        current = [p.detach().to(a.device) for p, a in zip(self._tensors(model), averaged)]
        n = self.n_averaged
        with no_grad():
            if n.item() == 0:
                for a, c in zip(averaged, current):
                    a.copy_(c)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn(averaged, current, n.to(averaged[0].device) if averaged else n)
            else:
                avg_fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
                for a, c in zip(averaged, current):
                    a.copy_(avg_fn(a, c, n.to(a.device)))
            if not self.use_buffers:
                # buffers are not averaged: they follow the source model
                for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                    b_swa.copy_(b_model.detach().to(b_swa.device))
            n.add_(1)


def update_bn(loader, model: Module, device=None) -> None:
    """Recompute every BatchNorm's running statistics with one pass over ``loader`` (the
    cumulative average, momentum=None, in train mode; momenta and the mode are restored).
    A batch that is a list or tuple contributes its first element.

    Shapes: each batch is what ``model`` takes, e.g. (N, C) or (N, C, H, W).

    Example:
    >>> loader = [tl.tensor([[0., 2.], [2., 6.]]), tl.tensor([[4., 4.], [6., 8.]])]
    >>> bn = nn.BatchNorm1d(2)
    >>> tl.optim.swa_utils.update_bn([(b, 0) for b in loader], bn)
    >>> bn.running_mean, bn.momentum, bn.training
    (tensor([3., 5.]), 0.1, True)
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for input in loader:
            if isinstance(input, (list, tuple)):
                input = input[0]
            if device is not None:
                input = input.to(device)
            model(input)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's lr to swa_lr over anneal_epochs ('cos' or 'linear'), then holds it.
    Each group gets a ``swa_lr`` key (one value, or one per group).

    Example:
    >>> opt = tl.optim.SGD([nn.Parameter(tl.zeros(1))], lr=1.0)
    >>> sched = tl.optim.swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=3, anneal_strategy="linear")
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 0.7, 0.4, 0.1, 0.1]
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for value, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        # the lr before annealing is recovered from the current one, as PyTorch's chainable form
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
