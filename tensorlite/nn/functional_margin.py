"""Margin losses: hinge_embedding_loss, soft_margin_loss, multi_margin_loss, multilabel_margin_loss,
triplet_margin_with_distance_loss; compositions of differentiable ops, as PyTorch defines them
(multilabel_soft_margin_loss, built on logsigmoid, lives in functional.py).

Shapes and dtypes are checked on the host from metadata; the values of class-index targets
are checked where they live (assert_in_range: at once on the NumPy backend, at the next sync on
a device), so a training step never waits for the device."""
from __future__ import annotations

from .. import dtypes as _dt
from ..ops.checks import assert_in_range
from ..ops.creation import arange
from ..ops.elementwise import where
from ..ops._util import broadcast_shapes, tensor_op
from ..tensor import Tensor
from .functional_losses import _legacy_reduction, _reduced, pairwise_distance

__all__ = ["hinge_embedding_loss", "soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
           "triplet_margin_with_distance_loss"]


def _reduction(size_average, reduce, reduction: str, op: str) -> str:
    """The reduction (PyTorch's legacy flags win when given), refused before any work."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction ({op}: use 'none', 'mean' or 'sum')")
    return reduction


@tensor_op
def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where target is 1, max(0, margin - x) where it is -1 (as PyTorch, any other target
    value gets both terms).

    Shapes: input (*), target broadcastable with it -> () (or the broadcast shape with
    reduction='none').

    Example:
    >>> F.hinge_embedding_loss(tl.tensor([0.3, 0.3, 2.0]), tl.tensor([1, -1, -1]), reduction="none")
    tensor([0.3000, 0.7000, 0.0000])
    """
    reduction = _reduction(size_average, reduce, reduction, "hinge_embedding_loss")
    broadcast_shapes(input.shape, target.shape)
    if input.dtype is _dt.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported "
                           "(hinge_embedding_loss: convert the input with .float())")
    if not input.is_floating_point():  # PyTorch's margin - input runs in the input's integer dtype
        margin = int(margin)
    loss = where(target != 1, (margin - input).clamp(min=0), 0) + where(target != -1, input, 0)
    return _reduced(loss, reduction, "hinge_embedding_loss")


@tensor_op
def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * x)), in the input's dtype. As PyTorch's, it is not rewritten as a
    softplus: it overflows to inf where -target * x exceeds the dtype's exp range.

    Shapes: input (*), target broadcastable to input's shape -> () (or (*) with
    reduction='none').

    Example:
    >>> F.soft_margin_loss(tl.tensor([2., -1.]), tl.tensor([1., 1.]), reduction="none")
    tensor([0.1269, 1.3133])
    """
    reduction = _reduction(size_average, reduce, reduction, "soft_margin_loss")
    shape = broadcast_shapes(input.shape, target.shape)
    if tuple(shape) != tuple(input.shape):  # PyTorch computes it in place in an input-shaped output
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast shape "
                           f"{list(shape)} (soft_margin_loss: target {list(target.shape)} must broadcast to "
                           f"input's shape)")
    if not input.is_floating_point():
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{input.dtype.scalar_name} (soft_margin_loss takes a floating input)")
    loss = (-input * target).to(input.dtype).exp().log1p()
    return _reduced(loss, reduction, "soft_margin_loss")


def _check_rows(op: str, input: Tensor) -> tuple[int, int]:
    """(samples, classes) of a class-score input (N, C), (C,) or ()."""
    if not (input.ndim == 0 or input.ndim in (1, 2) and input.shape[-1] != 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)} ({op}: input is (N, C), (C,) or () with C > 0)")
    if input.dtype not in (_dt.float32, _dt.float64):  # PyTorch's CPU kernels: no half types either
        raise NotImplementedError(f"\"{op}\" not implemented for '{input.dtype.scalar_name}' (it takes "
                                  f"float32 or float64 scores; convert them with .float())")
    return (input.shape[0] if input.ndim == 2 else 1), (input.shape[-1] if input.ndim else 1)


def _check_index_target(op: str, target: Tensor) -> None:
    if target.dtype is not _dt.int64:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.scalar_name} ({op} target: "
                           f"class indices; convert it with .long())")


def _mean_of_rows(loss: Tensor, reduction: str, op: str) -> Tensor:
    """As PyTorch's kernels: the mean of no samples is 0."""
    if reduction == "mean" and loss.numel() == 0:
        return loss.sum()
    return _reduced(loss, reduction, op)


@tensor_op
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: per sample with class y,
    sum over j != y of weight[y] * max(0, margin - x[y] + x[j])^p, divided by C.

    Shapes: input (N, C), (C,) or (), target (N,) / () int64 class indices, weight (C,)
    -> () (or target's shape with reduction='none').

    Example:
    >>> x = tl.tensor([[0.1, 0.2, 0.4, 0.8], [0.3, -0.2, 0.5, 1.0]])
    >>> F.multi_margin_loss(x, tl.tensor([3, 0]), reduction="none")
    tensor([0.3250, 0.8500])
    """
    if p != 1 and p != 2:
        raise ValueError(f"only p == 1 and p == 2 supported (multi_margin_loss got p={p})")
    if weight is not None and weight.ndim != 1:
        raise ValueError(f"weight must be one-dimensional (multi_margin_loss got a weight of shape "
                         f"{list(weight.shape)}; pass one weight per class)")
    reduction = _reduction(size_average, reduce, reduction, "multi_margin_loss")
    samples, classes = _check_rows("multi_margin_loss", input)
    if target.ndim > 1 or target.numel() != samples:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{samples}], but got "
                           f"{list(target.shape)}. Input has shape {list(input.shape)}.")
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got {list(weight.shape)} "
                           f"(multi_margin_loss: one weight per class)")
    _check_index_target("multi_margin_loss", target)
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found {weight.dtype.scalar_name} "
                           f"(multi_margin_loss weight); convert it with .to({input.dtype.name})")
    assert_in_range(target, 0, classes - 1, "multi_margin_loss: target out of range (got {value}; class "
                                            "indices are in [0, C))")
    x = input.reshape(samples, classes)
    y = target.reshape(samples, 1)
    z = margin - x.gather(1, y) + x
    counted = (arange(classes, device=x.device) != y) & (z > 0)  # the kernel's z > 0: no slope at 0
    loss = where(counted, z if p == 1 else z * z, 0.0)
    if weight is not None:
        loss = loss * weight[y]
    return _mean_of_rows((loss.sum(1) / classes).reshape(target.shape), reduction, "multi_margin_loss")


@tensor_op
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: per sample, the target classes are target's entries before the
    first -1; the loss is the sum over target entries y and non-target classes k of
    max(0, 1 - (x[y] - x[k])), divided by C. (A class listed twice counts twice, as PyTorch.)
    Memory is O(N C^2).

    Shapes: input (N, C), (C,) or (), target of input's shape, int64 entries in [-1, C)
    -> () (or (N,) / () with reduction='none').

    Example:
    >>> x = tl.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> F.multilabel_margin_loss(x, tl.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    reduction = _reduction(size_average, reduce, reduction, "multilabel_margin_loss")
    samples, classes = _check_rows("multilabel_margin_loss", input)
    if input.ndim == 2:
        matches = target.ndim == 2 and tuple(target.shape) == tuple(input.shape)
    else:
        matches = target.ndim <= 1 and target.numel() == classes
    if not matches:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)} (multilabel_margin_loss: target has input's shape)")
    _check_index_target("multilabel_margin_loss", target)
    assert_in_range(target, -1, classes - 1, "multilabel_margin_loss: argument #2 'target' is out of range "
                                             "(got {value}; entries are class indices in [0, C), -1 ends the list)")
    x = input.reshape(samples, classes)
    y = target.reshape(samples, classes)
    listed = (y < 0).long().cumsum(1) == 0  # the entries before the first -1
    is_target = ((y.unsqueeze(2) == arange(classes, device=x.device)) & listed.unsqueeze(2)).any(1)
    z = 1.0 - x.gather(1, where(listed, y, 0)).unsqueeze(2) + x.unsqueeze(1)  # (N, entry, class)
    counted = listed.unsqueeze(2) & is_target.logical_not().unsqueeze(1) & (z > 0)
    loss = where(counted, z, 0.0).sum((1, 2)) / classes
    return _mean_of_rows(loss.reshape((samples,) if input.ndim == 2 else ()), reduction, "multilabel_margin_loss")


@tensor_op
def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) for any distance function d
    (default pairwise_distance); with swap, d(anchor, negative) is replaced by
    min(it, d(positive, negative)).

    Shapes: anchor, positive, negative (N, D) or (D,) (or what distance_function takes)
    -> () (or distance_function's output shape, (N,), with reduction='none').

    Example:
    >>> a, pos, neg = tl.tensor([[0., 0.]]), tl.tensor([[0., 1.]]), tl.tensor([[3., 4.]])
    >>> l1 = lambda u, v: (u - v).abs().sum(-1)
    >>> F.triplet_margin_with_distance_loss(a, pos, neg, distance_function=l1, margin=7.)
    tensor(1.)
    """
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number "
                           f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
                           f"negative {negative.ndim}D inputs")
    reduction = _reduction(None, None, reduction, "triplet_margin_with_distance_loss")
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(distance(positive, negative))
    return _reduced((margin + d_pos - d_neg).clamp(min=0.0), reduction, "triplet_margin_with_distance_loss")
