"""Weight initialisation, in place and without recording a graph (PyTorch's nn.init)."""
from __future__ import annotations

import math

from ..autograd.grad_mode import no_grad
from ..ops.creation import eye
from ..tensor import Tensor


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (e.g. 'relu' -> sqrt(2), 'tanh' -> 5/3).

    Example:
    >>> nn.init.calculate_gain("relu"), nn.init.calculate_gain("tanh")
    (1.4142135623730951, 1.6666666666666667)
    >>> round(nn.init.calculate_gain("leaky_relu", 0.2), 4)
    1.3868
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor):
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with U(a, b).

    Shapes: unchanged; fills in place and returns the tensor (no gradient is recorded).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> w = nn.init.uniform_(tl.empty(3, 4), -0.5, 0.5)
    >>> w.shape, bool((w.abs() <= 0.5).all())
    (tensorlite.Size([3, 4]), True)
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std^2).

    Shapes: unchanged; fills in place and returns the tensor.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> nn.init.normal_(tl.empty(2, 3), std=0.01).shape
    tensorlite.Size([2, 3])
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with val (in place, no gradient).

    Shapes: unchanged; returns the tensor.

    Example:
    >>> nn.init.constant_(tl.empty(2), 0.3)
    tensor([0.3000, 0.3000])
    """
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros (in place, no gradient).

    Shapes: unchanged; returns the tensor.

    Example:
    >>> nn.init.zeros_(tl.ones(2))
    tensor([0., 0.])
    """
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones (in place, no gradient).

    Shapes: unchanged; returns the tensor.

    Example:
    >>> nn.init.ones_(tl.zeros(2))
    tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (2-D tensors only).

    Shapes: (n, m) unchanged; returns the tensor.

    Example:
    >>> nn.init.eye_(tl.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        return tensor.copy_(eye(*tensor.shape, dtype=tensor.dtype, device=tensor.device))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).

    Shapes: a tensor with at least 2 dims, (fan_out, fan_in, *receptive field); unchanged.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> w = nn.init.xavier_uniform_(tl.empty(4, 2))
    >>> bool((w.abs() <= 1.0).all())
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).

    Shapes: a tensor with at least 2 dims; unchanged.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> nn.init.xavier_normal_(tl.empty(16, 8, 3, 3)).shape
    tensorlite.Size([16, 8, 3, 3])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """U(-b, b), b = gain * sqrt(3 / fan); Linear's default is a = sqrt(5): b = 1 / sqrt(fan_in).

    Shapes: a tensor with at least 2 dims, fan_in = size(1) * receptive field; unchanged.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> w = nn.init.kaiming_uniform_(tl.empty(8, 6), nonlinearity="relu")
    >>> bool((w.abs() <= 1.0).all())
    True
    """
    if 0 in tensor.shape:
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """N(0, std^2), std = gain / sqrt(fan).

    Shapes: a tensor with at least 2 dims; unchanged.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> nn.init.kaiming_normal_(tl.empty(8, 6), mode="fan_out").shape
    tensorlite.Size([8, 6])
    """
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """N(mean, std^2) redrawn outside [a, b] (rejection; fine for the usual +-2 std bounds).

    Shapes: unchanged.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> w = nn.init.trunc_normal_(tl.empty(1000), std=1.0, a=-2.0, b=2.0)
    >>> bool((w.abs() <= 2.0).all())
    True
    """
    with no_grad():
        tensor.normal_(mean, std, generator=generator)
        for _ in range(100):
            outside = (tensor < a) | (tensor > b)
            if not bool(outside.any()):
                break
            fresh = tensor.detach().clone().normal_(mean, std, generator=generator)
            tensor.copy_(tensor.where(~outside, fresh))
        return tensor.clamp_(a, b)
