"""nn.utils: gradient clipping, parameter/vector conversion; nn.utils.rnn: sequence padding."""
from __future__ import annotations

import math

from ...autograd.grad_mode import no_grad
from ...ops.checks import assert_all
from ...ops.creation import tensor
from ...ops.movement import cat, stack
from ...tensor import Tensor
from . import rnn


def reset_grads(parameters, set_to_none: bool = True) -> None:
    """Set each parameter's .grad to None, or zero it in place (Module/Optimizer.zero_grad).

    Example:
    >>> w = nn.Parameter(tl.ones(2))
    >>> (w * 3).sum().backward()
    >>> nn.utils.reset_grads([w], set_to_none=False)
    >>> w.grad
    tensor([0., 0.])
    >>> nn.utils.reset_grads([w])
    >>> w.grad is None
    True
    """
    for p in parameters:
        if p._grad is not None:
            if set_to_none:
                p._grad = None
            else:
                with no_grad():
                    p._grad.zero_()


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None):
    """Scale all gradients together so their total norm is at most max_norm; returns the total
    norm before clipping (as if all gradients were concatenated). Reads nothing back from the
    device: the scale is clamped to 1 and always multiplied in, as PyTorch does; with
    ``error_if_nonfinite`` a non-finite norm raises at once on the CPU, at the next sync on a
    device.

    Shapes: any number of gradients of any shapes -> a 0-dim total norm.

    Example:
    >>> w = nn.Parameter(tl.tensor([3., 4.]))
    >>> w.grad = tl.tensor([3., 4.])
    >>> nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    norm_type = float(norm_type)
    with no_grad():
        if norm_type == math.inf:
            total = stack([g.abs().max().to(grads[0].dtype) for g in grads]).max()
        else:
            total = stack([g.norm(norm_type).to(grads[0].dtype) for g in grads]).norm(norm_type)
        if error_if_nonfinite:
            _check_finite_norm(total, norm_type)
        # a tensor, clamped as PyTorch does: a NaN total norm makes every gradient NaN and an
        # infinite one scales them by 0, rather than leaving them unclipped
        scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(scale.to(g.dtype))
    return total


def _check_finite_norm(total, norm_type) -> None:
    """error_if_nonfinite: through the device's error flag, so clipping never waits for the
    device (raised at once on the CPU, at the next sync on OpenCL)."""
    assert_all(total.isfinite(), f"The total norm of order {norm_type} for gradients from `parameters` "
                                 f"is non-finite, so it cannot be clipped. To disable this error and "
                                 f"scale the gradients by the non-finite norm anyway, set "
                                 f"`error_if_nonfinite=False`")


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place.

    Example:
    >>> w = nn.Parameter(tl.ones(3))
    >>> (w * tl.tensor([-5., 0.5, 5.])).sum().backward()
    >>> nn.utils.clip_grad_value_([w], 1.0)
    >>> w.grad
    tensor([-1.0000,  0.5000,  1.0000])
    """
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor.

    Shapes: parameters of n_1, n_2, ... elements -> (n_1 + n_2 + ...,).

    Example:
    >>> fc = nn.Linear(2, 3)
    >>> nn.utils.parameters_to_vector(fc.parameters()).shape
    tensorlite.Size([9])
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (in place, no graph).

    Shapes: vec (n_1 + n_2 + ...,) -> the parameters, in order.

    Example:
    >>> fc = nn.Linear(2, 1)
    >>> nn.utils.vector_to_parameters(tl.tensor([1., 2., 3.]), fc.parameters())
    >>> fc.weight, fc.bias
    (Parameter containing:
    tensor([[1., 2.]], requires_grad=True), Parameter containing:
    tensor([3.], requires_grad=True))
    """
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[offset:offset + n].reshape(p.shape))
            offset += n

