"""Optimizer base: parameter groups, per-parameter state, zero_grad, state_dict."""
from __future__ import annotations

import copy
from collections import defaultdict

from .._warn import warn_user
from ..autograd.grad_mode import enable_grad, no_grad
from ..nn.utils import reset_grads
from ..tensor import Tensor


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: ``params`` is an iterable of tensors or of dicts (parameter groups) whose
    hyperparameters override ``defaults``. Subclasses implement ``_update(group, param, grad, state)``.
    Updates run in place under no_grad; parameters whose grad is None are skipped.

    ``params=None`` (``tl.optim.SGD(lr=0.01)``) makes an unbound optimizer: no groups yet, its
    hyperparameters kept as defaults until ``add_param_group`` binds parameters to it (what
    ``tl.training.Network.add(layer, optimizer=...)`` does); stepping it before that does nothing.
    An explicit empty list still raises, as in PyTorch.

    Example:
    >>> fc = nn.Linear(2, 1)
    >>> opt = tl.optim.SGD([{"params": [fc.weight]}, {"params": [fc.bias], "lr": 0.5}], lr=0.1)
    >>> [group["lr"] for group in opt.param_groups]
    [0.1, 0.5]
    >>> len(opt.state_dict()["param_groups"])
    2
    >>> unbound = tl.optim.SGD(lr=0.01)
    >>> len(unbound.param_groups)
    0
    >>> unbound.add_param_group({"params": fc.parameters()})
    >>> unbound.param_groups[0]["lr"], len(unbound.param_groups[0]["params"])
    (0.01, 2)
    """

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._opt_called = False
        if params is None:  # unbound: add_param_group binds parameters later
            return
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            f"or dicts, but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (defaults fill the rest)."""
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            warn_user("optimizer contains a parameter group with duplicate parameters; in future, "
                      "this will cause an error")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            group.setdefault(name, default)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if existing & {id(p) for p in group["params"]}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None by default)."""
        reset_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; ``closure`` re-evaluates the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p._grad is None:
                        continue
                    grad = p._grad
                    if grad.is_floating_point() is False:
                        raise RuntimeError("gradients must be floating point")
                    self._update(group, p, -grad if group.get("maximize") else grad, self.state[p])
        self._opt_called = True
        return loss

    def _update(self, group, param, grad, state):
        raise NotImplementedError

    # -- state_dict --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, indices
        numbered consecutively across groups in parameter order."""
        index_of, groups, next_index = {}, [], 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            indices = []
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = next_index
                    next_index += 1
                indices.append(index_of[id(p)])
            packed["params"] = indices
            groups.append(packed)
        state = {index_of[id(p)]: value for p, value in self.state.items() if id(p) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore state and hyperparameters saved by state_dict (tensors are copied)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for saved, own in zip(groups, self.param_groups):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match "
                                 "the size of optimizer's group")
        by_index = {}
        for saved, own in zip(groups, self.param_groups):
            for index, p in zip(saved["params"], own["params"]):
                by_index[index] = p
        self.state = defaultdict(dict)
        for index, value in state_dict["state"].items():
            p = by_index[int(index)]
            self.state[p] = {k: _state_to(v, p, k) for k, v in value.items()}
        for saved, own in zip(groups, self.param_groups):
            for key, v in saved.items():
                if key != "params":
                    own[key] = copy.deepcopy(v)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


def _state_to(value, param, key):
    if isinstance(value, Tensor):
        if key == "step" or not value.is_floating_point():
            return value.detach().clone()
        return value.detach().to(param.device).to(param.dtype).clone()
    return copy.deepcopy(value)
