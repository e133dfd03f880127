"""tensorlite.special: the functions of ``torch.special`` that tensorlite has. Most are the
package's own ops under their torch.special names; ndtr is a composition and logit a small
Function whose backward is Tensor ops (gradients of every order come with both)."""
from __future__ import annotations

import math

from .autograd.function import Function
from .nn.functional import log_softmax as _log_softmax, softmax as _softmax
from .ops import elementwise as _ew
from .ops._util import tensor_op as _tensor_op
from .ops.composite2 import logit as _logit
from .ops.reduce import logsumexp
from .tensor import Tensor

erf = _ew.PUBLIC["erf"]
erfc = _ew.PUBLIC["erfc"]
erfinv = _ew.PUBLIC["erfinv"]
exp2 = _ew.PUBLIC["exp2"]
expm1 = _ew.PUBLIC["expm1"]
expit = _ew.PUBLIC["sigmoid"]
log1p = _ew.PUBLIC["log1p"]
round = _ew.PUBLIC["round"]  # noqa: A001 (torch.special.round)
xlogy = _ew.PUBLIC["xlogy"]

__all__ = ["erf", "erfc", "erfinv", "exp2", "expit", "expm1", "log1p", "log_softmax", "logit", "logsumexp",
           "ndtr", "round", "softmax", "xlogy"]


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """softmax along ``dim`` (required here, as in torch.special). Shapes: (*) -> (*).

    Example:
    >>> tl.special.softmax(tl.tensor([0., 0.]), 0)
    tensor([0.5000, 0.5000])
    """
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """log_softmax along ``dim`` (required here, as in torch.special). Shapes: (*) -> (*).

    Example:
    >>> tl.special.log_softmax(tl.tensor([0., 0.]), 0)
    tensor([-0.6931, -0.6931])
    """
    return _log_softmax(input, dim, dtype)


@_tensor_op
def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, erfc(-x / sqrt(2)) / 2 (accurate in the lower tail, where
    (1 + erf) / 2 cancels); integers give float32. Shapes: (*) -> (*).

    Example:
    >>> tl.special.ndtr(tl.tensor([0., 1.]))
    tensor([0.5000, 0.8413])
    """
    return 0.5 * erfc(input * (-1.0 / math.sqrt(2.0)))


@_tensor_op
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given (the gradient is
    then 0 outside); integers give float32. The gradient is grad / (p (1 - p)) as in PyTorch
    (+-inf, not nan, at p = 0 or 1; nan outside [0, 1] without eps). Shapes: (*) -> (*).

    Example:
    >>> tl.special.logit(tl.tensor([0.5, 0.75]))
    tensor([0.0000, 1.0986])
    >>> tl.special.logit(tl.tensor([0., 1.]), eps=1e-6)
    tensor([-13.8155,  13.8023])
    """
    return _logit(input, eps)
