"""PyTorch's ``torch.amp``: GradScaler, loss scaling for low-precision training.

``GradScaler`` multiplies the loss by a scale factor before ``backward()`` (so small float16
gradients do not flush to zero), divides the gradients by it before the optimizer step, skips
the step when a gradient is inf or nan, and adapts the scale: ``backoff_factor`` after such a
step, ``growth_factor`` after ``growth_interval`` clean ones. As in a PyTorch without CUDA, a
scaler for device "cuda" disables itself (with a warning when asked to be enabled) and then passes
everything through: ``scale(loss)`` is ``loss`` and ``step(opt)`` is ``opt.step()``.

Example:
>>> w = tl.ones(2, requires_grad=True)
>>> opt = tl.optim.SGD([w], lr=0.1)
>>> scaler = tl.amp.GradScaler("cpu", init_scale=4.0)
>>> scaler.scale((2 * w).sum()).backward()
>>> scaler.step(opt)
>>> scaler.update()
>>> w.tolist(), scaler.get_scale()
([0.800000011920929, 0.800000011920929], 4.0)
"""
from __future__ import annotations

from ._warn import warn_user
from .autograd.grad_mode import no_grad
from .tensor import Tensor

__all__ = ["GradScaler"]

_UNSCALED, _STEPPED = "unscaled", "stepped"


class GradScaler:
    """Dynamic loss scaling (``torch.amp.GradScaler``); see the module docstring.

    Example:
    >>> tl.amp.GradScaler("cpu").state_dict()["scale"]
    65536.0
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        if enabled and device == "cuda":
            warn_user("torch.cuda.amp.GradScaler is enabled, but CUDA is not available (tensorlite has "
                      "no CUDA device).  Disabling. Use GradScaler('cpu') or GradScaler('opencl').")
            enabled = False
        if not growth_factor > 1.0:
            raise ValueError(f"GradScaler: growth_factor should be > 1, got {growth_factor}")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler: backoff_factor should be in (0, 1), got {backoff_factor}")
        if not (isinstance(growth_interval, int) and growth_interval > 0):
            raise ValueError(f"GradScaler: growth_interval should be a positive int, got {growth_interval!r}")
        self._device, self._enabled = device, enabled
        self._scale = float(init_scale) if enabled else 1.0
        self._growth_factor, self._backoff_factor = float(growth_factor), float(backoff_factor)
        self._growth_interval, self._growth_tracker = growth_interval, 0
        self._per_optimizer = {}  # id(optimizer) -> [stage, found_inf]

    def is_enabled(self) -> bool:
        """Whether scaling is on."""
        return self._enabled

    def get_scale(self) -> float:
        """The current scale factor (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """``outputs`` (a tensor, or nested lists/tuples of tensors) times the scale factor."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError(f"GradScaler.scale: outputs must be a Tensor or an iterable of Tensors, "
                         f"got {type(outputs).__name__}")

    def unscale_(self, optimizer) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place (once per
        step: call it before clipping gradients), and note whether any is inf or nan."""
        if not self._enabled:
            return
        state = self._per_optimizer.setdefault(id(optimizer), [None, False])
        if state[0] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state[0] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inverse, found_inf = 1.0 / self._scale, False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.grad.mul_(inverse)
                        found_inf = found_inf or not bool(p.grad.isfinite().all())
        state[:] = [_UNSCALED, found_inf]

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step(*args, **kwargs)`` on unscaled gradients, skipped (None returned) when
        one of them is inf or nan."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._per_optimizer.get(id(optimizer))
        if state is not None and state[0] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state is None or state[0] is None:
            self.unscale_(optimizer)
            state = self._per_optimizer[id(optimizer)]
        result = None if state[1] else optimizer.step(*args, **kwargs)
        state[0] = _STEPPED
        return result

    def update(self, new_scale=None) -> None:
        """Adapt the scale after the step(s) (or set it to ``new_scale``) and start a new step."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if isinstance(new_scale, Tensor) else new_scale)
        elif not self._per_optimizer:
            raise AssertionError("No inf checks were recorded prior to update().")
        elif any(found for _, found in self._per_optimizer.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._per_optimizer = {}

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict:
        """The scale and its schedule ({} when disabled), as PyTorch's keys."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict`` returned."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a "
                               "disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
