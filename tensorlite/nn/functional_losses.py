"""Distance and likelihood losses: pairwise_distance, triplet_margin_loss, poisson_nll_loss,
gaussian_nll_loss; compositions of differentiable ops, as PyTorch defines them."""
from __future__ import annotations

import math

from ..autograd.grad_mode import no_grad
from ..ops.checks import assert_all
from ..ops.creation import full_like
from ..ops.elementwise import where
from ..ops.reduce import norm
from ..ops._util import tensor_op
from ..tensor import Tensor

__all__ = ["pairwise_distance", "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss"]


def _reduced(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction ({op}: use 'none', 'mean' or 'sum')")


@tensor_op
def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (eps keeps the gradient finite where x1 == x2).

    Shapes: x1, x2 broadcastable (*, D) -> (*) (or (*, 1) with keepdim).

    Example:
    >>> F.pairwise_distance(tl.tensor([[0., 0.]]), tl.tensor([[3., 4.]]), eps=0.)
    tensor([5.])
    """
    dims = max(x1.ndim, x2.ndim)
    return norm(x1 - x2 + eps, p, dims - 1 if dims else None, keepdim)


@tensor_op
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with d = pairwise_distance;
    with swap, d(anchor, negative) is replaced by min(it, d(positive, negative)).

    Shapes: anchor, positive, negative (N, D) or (D,) -> () (or (N,) with reduction='none').

    Example:
    >>> a, pos, neg = tl.tensor([[0., 0.]]), tl.tensor([[0., 1.]]), tl.tensor([[3., 4.]])
    >>> F.triplet_margin_loss(a, pos, neg, margin=5., eps=0.)
    tensor(1.)
    """
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number "
                           f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
                           f"negative {negative.ndim}D inputs")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduced((margin + d_pos - d_neg).clamp(min=0.0), reduction, "triplet_margin_loss")


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated size_average / reduce flags, when either is given."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else "mean" if size_average else "sum"


@tensor_op
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of target ~ Poisson(rate): exp(input) - target * input with
    log_input (input is the log-rate), else input - target * log(input + eps). ``full`` adds
    Stirling's approximation of log(target!) where target > 1.

    Shapes: input, target broadcastable -> () (or the broadcast shape with reduction='none').

    Example:
    >>> F.poisson_nll_loss(tl.tensor([0., 1.]), tl.tensor([1., 2.]), reduction="none")
    tensor([1.0000, 0.7183])
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + where(target <= 1, 0.0, stirling)
    return _reduced(loss, reduction, "poisson_nll_loss")


def _check_var_shape(input: Tensor, var: Tensor) -> Tensor:
    """var of input's shape, or one dim short of it, or of size 1 in exactly one dim (homoscedastic)."""
    if tuple(var.shape) == tuple(input.shape):
        return var
    if tuple(input.shape[:-1]) == tuple(var.shape):
        return var.unsqueeze(-1)
    if input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
        return var
    raise ValueError(f"var is of incorrect size (gaussian_nll_loss: var {list(var.shape)} for input "
                     f"{list(input.shape)}; use input's shape, input's without the last dim, or a 1 in "
                     f"one dim)")


@tensor_op
def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of target ~ Normal(input, var):
    0.5 * (log(max(var, eps)) + (input - target)^2 / max(var, eps)) (+ 0.5 * log(2 pi) with full).

    As PyTorch, the clamp to eps is applied to the value only: var's gradient is taken as if
    it were not clamped. A negative var raises (on a device: at the next sync).

    Shapes: input, target (N, *); var the same, or one dim short, or with a 1 in one dim, or a
    float -> () (or (N, *) with reduction='none').

    Example:
    >>> F.gaussian_nll_loss(tl.tensor([0., 1.]), tl.tensor([1., 1.]), tl.tensor([1., 1.]), reduction="none")
    tensor([0.5000, 0.0000])
    """
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = full_like(input, float(var))
    else:
        assert_all((var < 0).logical_not().all(), "gaussian_nll_loss(): var has negative entry/entries")
    var = _check_var_shape(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    with no_grad():  # eps - var is exact near eps (Sterbenz) and 0 where var is large or inf
        lift = where(var < eps, eps - var, 0.0)
    var = var + lift
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduced(loss, reduction, "gaussian_nll_loss")
