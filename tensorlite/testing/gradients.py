"""``check_backward``: the analytical gradient against float64 central differences along random
directions, with kink detection (a point where the one-sided slopes differ is moved away from).
"""
from __future__ import annotations

import math
import random as _random

from ..autograd.api import grad as autograd_grad
from ..autograd.grad_mode import enable_grad, no_grad
from ..ops.creation import tensor
from ..tensor import Tensor

__all__ = ["check_backward", "check_double_backward", "KinkError"]


class KinkError(AssertionError):
    """The function is not differentiable near the sampled point, even after resampling."""


def _float64_leaves(inputs):
    leaves = []
    for x in inputs:
        if isinstance(x, Tensor) and x.is_floating_point():
            leaves.append(x.detach().double().clone().requires_grad_())
        else:
            leaves.append(x)
    return leaves


def _scalarize(outputs, upstream):
    """sum_j <upstream_j, output_j> as a Python float (outputs is a tuple of tensors)."""
    total = 0.0
    for out, g in zip(outputs, upstream):
        total += float((out.detach().double() * g).sum())
    return total


def _as_outputs(result):
    results = result if isinstance(result, (tuple, list)) else (result,)
    return tuple(r for r in results if isinstance(r, Tensor) and r.is_floating_point())


def _unique_values(shape, rng, like):
    """Upstream gradients with distinct values, so a gradient routed to the wrong element cannot
    be cancelled by a symmetric one."""
    n = 1
    for s in shape:
        n *= s
    values = [0.5 + i / max(n, 1) for i in range(n)]
    rng.shuffle(values)
    values = [v * rng.choice((-1.0, 1.0)) for v in values]
    return tensor(values, dtype=like.dtype, device=like.device).reshape(shape)


def _direction(x, rng):
    values = [rng.uniform(-1.0, 1.0) for _ in range(x.numel())]
    return tensor(values, dtype=x.dtype, device=x.device).reshape(x._array.shape)


def _evaluate(fn, leaves, upstream):
    with no_grad():
        return _scalarize(_as_outputs(fn(*leaves)), upstream)


def _shifted(leaves, directions, step):
    out = []
    for x, u in zip(leaves, directions):
        if u is None:
            out.append(x)
        else:
            out.append((x.detach() + step * u).requires_grad_())
    return out


def check_backward(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                   directions: int = 2, seed: int | None = None, resample: int = 5,
                   kink_tolerance: float = 1e-3, upstream=None) -> bool:
    """Check ``fn``'s backward at ``inputs`` against central differences in float64.

    For random directions u (one per floating input) and unique upstream gradients g, compares
    ``sum_i <dL/dx_i, u_i>`` (L = <g, fn(x)>) with ``(L(x + eps u) - L(x - eps u)) / (2 eps)``.
    If the one-sided slopes disagree (a kink, e.g. relu at 0), the inputs are moved by a small
    random amount and the check is retried up to ``resample`` times, then KinkError is raised.
    Returns True or raises AssertionError naming the direction and both values.

    Example: ``check_backward(lambda a, b: a * b, tensorlite.randn(3), tensorlite.randn(3))``.
    """
    rng = _random.Random(seed)
    leaves = _float64_leaves(inputs)
    for attempt in range(resample + 1):
        kinked = False
        outputs = _as_outputs(fn(*leaves))
        if not outputs:
            raise ValueError("check_backward: fn returned no floating-point tensor")
        gs = upstream if upstream is not None else tuple(_unique_values(o._array.shape, rng, o.detach().double())
                                                         for o in outputs)
        differentiable = [i for i, x in enumerate(leaves) if isinstance(x, Tensor) and x.requires_grad]
        wanted = [o for o in outputs if o.requires_grad]
        if wanted:
            grads = autograd_grad(wanted, [leaves[i] for i in differentiable],
                                  [g.to(o.dtype) for o, g in zip(outputs, gs) if o.requires_grad],
                                  allow_unused=True)
        else:  # outputs independent of the inputs (e.g. the derivative of a linear op): zero
            grads = [None] * len(differentiable)
        grad_of = dict(zip(differentiable, grads))
        for _ in range(directions):
            dirs = [_direction(x, rng) if i in grad_of else None for i, x in enumerate(leaves)]
            analytical = sum(float((grad_of[i].double() * dirs[i]).sum())
                             for i in grad_of if grad_of[i] is not None)
            center = _evaluate(fn, leaves, gs)
            plus = _evaluate(fn, _shifted(leaves, dirs, eps), gs)
            minus = _evaluate(fn, _shifted(leaves, dirs, -eps), gs)
            numerical = (plus - minus) / (2 * eps)
            right, left = (plus - center) / eps, (center - minus) / eps
            scale = max(1.0, abs(right), abs(left))
            if abs(right - left) > kink_tolerance * scale:
                kinked = True
                break
            if not (abs(analytical - numerical) <= atol + rtol * abs(numerical)) or \
                    math.isnan(analytical) != math.isnan(numerical):
                raise AssertionError(
                    f"gradient mismatch: along a random direction the analytical derivative is "
                    f"{analytical!r} and the central difference {numerical!r} (eps={eps}, "
                    f"atol={atol}, rtol={rtol}); input shapes "
                    f"{[list(x.shape) if isinstance(x, Tensor) else x for x in leaves]}")
        if not kinked:
            return True
        leaves = [(x.detach() + 1e-2 * _direction(x, rng)).requires_grad_()
                  if isinstance(x, Tensor) and x.requires_grad else x for x in leaves]
    raise KinkError(f"check_backward: the function has a kink near the sampled point and "
                    f"{resample} resamples did not move away from it")


def check_double_backward(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                          seed: int | None = None, **kwargs) -> bool:
    """check_backward applied to x -> (the vector-Jacobian product of fn at x with fixed unique v):
    verifies second derivatives (backward of backward), as gradgradcheck does."""
    rng = _random.Random(seed)
    leaves = _float64_leaves(inputs)
    outputs = _as_outputs(fn(*leaves))
    vs = [_unique_values(o._array.shape, rng, o.detach().double()) for o in outputs]
    differentiable = [i for i, x in enumerate(leaves) if isinstance(x, Tensor)]

    def first_derivative(*xs):
        with enable_grad():  # check_backward evaluates under no_grad; this needs a graph
            outs = _as_outputs(fn(*xs))
            pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
            grads = autograd_grad([o for o, _ in pairs], [xs[i] for i in differentiable],
                                  [v for _, v in pairs], create_graph=True, allow_unused=True,
                                  materialize_grads=True)
        return tuple(grads)
    return check_backward(first_derivative, *leaves, eps=eps, atol=atol, rtol=rtol, seed=seed, **kwargs)
