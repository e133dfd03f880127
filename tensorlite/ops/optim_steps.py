"""Fused optimizer steps: no-grad in-place primitives that write parameters and optimizer state.

They go through the door of in-place primitives (``InplaceFunction.apply``: one device for all
operands, version counters bumped for every tensor written, anomaly mode's check) and read
nothing back to the host: the step count is a device tensor and the bias corrections are
computed from it on the device, so a training step keeps the device queue full (and can later
be captured and replayed)."""
from __future__ import annotations

from ..autograd.function import InplaceFunction
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


class AdamStep(InplaceFunction):
    """One Adam/AdamW update of param, exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad)
    and step (0-dim, incremented first) by the backend's fused kernel."""

    @staticmethod
    def written(args, kwargs) -> tuple:
        return tuple(t for t in args[:5] if t is not None)

    @staticmethod
    def forward(ctx, param, exp_avg, exp_avg_sq, max_exp_avg_sq, step, grad, hyper):
        lr, beta1, beta2, eps, weight_decay, decoupled = hyper
        param.device.backend.adam_step(
            param._array, grad._array, exp_avg._array, exp_avg_sq._array,
            None if max_exp_avg_sq is None else max_exp_avg_sq._array, step._array,
            lr, beta1, beta2, eps, weight_decay, decoupled, max_exp_avg_sq is not None)


def adam_step_(param: Tensor, grad: Tensor, exp_avg: Tensor, exp_avg_sq: Tensor,
               max_exp_avg_sq: Tensor | None, step: Tensor, *, lr: float, beta1: float,
               beta2: float, eps: float, weight_decay: float = 0.0,
               decoupled_weight_decay: bool = False) -> Tensor:
    """One Adam (AdamW with ``decoupled_weight_decay``) update in place, PyTorch's formulation:

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2`` (``v_max = max(v_max, v)`` with
    amsgrad, i.e. when ``max_exp_avg_sq`` is given), then
    ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`` where ``t = step``.
    Weight decay adds ``wd p`` to the gradient, or (decoupled) scales ``p`` by ``1 - lr wd``.

    Shapes: param, grad and the state tensors share one shape; ``step`` is a 0-dim float32
    tensor, the count of steps taken: incremented first (t is the new count). Nothing is read
    back to the host: the hyperparameters are Python numbers (kernel constants) and ``step`` and
    the bias corrections stay on the device.
    Uses the backend's fused kernel when it has one, else the same formula from tensor ops.

    Example:
        >>> import tensorlite as tl
        >>> p, g = tl.tensor([1.0, -2.0]), tl.tensor([0.5, -1.0])
        >>> m, v, t = tl.zeros(2), tl.zeros(2), tl.tensor(0.0)
        >>> tl.ops.optim_steps.adam_step_(p, g, m, v, None, t, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
        tensor([ 0.9000, -1.9000])
    """
    for t in (param, exp_avg, exp_avg_sq, max_exp_avg_sq, step):
        if t is not None:
            t._check_inplace("adam_step_")  # before anything is written
    with no_grad():
        if param.device.backend.adam_step is None:
            _adam_composed(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2,
                           eps, weight_decay, decoupled_weight_decay)
            return param
        AdamStep.apply(param, exp_avg, exp_avg_sq, max_exp_avg_sq, step, grad,
                       (lr, beta1, beta2, eps, weight_decay, bool(decoupled_weight_decay)))
        return param


def _adam_composed(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
                   weight_decay, decoupled):
    """The generic update from tensor ops: the fallback, and the reference for fused kernels.
    The bias corrections are 0-dim tensors computed from ``step`` on its device."""
    step.add_(1)
    if weight_decay:
        if decoupled:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = grad + weight_decay * param
    exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    exp_avg_sq.mul_(beta2).add_(grad * grad, alpha=1 - beta2)
    second = exp_avg_sq
    if max_exp_avg_sq is not None:
        max_exp_avg_sq.copy_(max_exp_avg_sq.maximum(exp_avg_sq))
        second = max_exp_avg_sq
    t = step.to(param.dtype)
    bias1 = 1 - beta1 ** t
    bias2_sqrt = (1 - beta2 ** t).sqrt()
    denom = second.sqrt() / bias2_sqrt + eps
    param.sub_(exp_avg / denom * (lr / bias1))

