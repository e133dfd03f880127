"""Weight initialisation, in place and without recording a graph (PyTorch's nn.init)."""
from __future__ import annotations

import math

from ..autograd.grad_mode import no_grad
from ..linalg import qr
from ..ops.creation import eye, randperm
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


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain``: the Q of the QR decomposition of a normal
    matrix, with signs fixed by R's diagonal (Saxe et al. 2013). Dims after the first are
    flattened, so a conv weight (out, in, kh, kw) gets orthonormal rows of in*kh*kw values.

    Shapes: at least 2 dims, unchanged (rows = size(0), cols = numel // rows).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> w = nn.init.orthogonal_(tl.empty(3, 5))
    >>> bool(((w @ w.T) - tl.eye(3)).abs().max() < 1e-5)
    True
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: Only tensors with 2 or more dimensions are supported "
                         f"(got shape {tuple(tensor.shape)})")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        flattened = tensor.new_empty((rows, cols)).normal_(0.0, 1.0, generator=generator)
        if rows < cols:
            flattened = flattened.T
        q, r = qr(flattened)
        q = q * r.diagonal().sign()  # makes the decomposition unique (uniform over orthogonal matrices)
        if rows < cols:
            q = q.T
        return tensor.copy_(q.reshape(tensor.shape)).mul_(gain)


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The identity convolution: 1 at the centre tap of kernel (g * out_per_group + i, i) for
    each group g and i < min(out_per_group, in_channels), 0 elsewhere; a conv with this weight
    passes its first input channels through.

    Shapes: a 3-, 4- or 5-D conv weight (out, in, *kernel), unchanged; out divisible by groups.

    Example:
    >>> w = nn.init.dirac_(tl.empty(2, 2, 3))
    >>> w[:, :, 1].tolist(), float(w.sum())
    ([[1.0, 0.0], [0.0, 1.0]], 2.0)
    """
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: Only tensors with 3, 4, or 5 dimensions are supported (got shape "
                         f"{tuple(tensor.shape)})")
    if groups < 1 or tensor.shape[0] % groups != 0:
        raise ValueError(f"dirac_: dim 0 ({tensor.shape[0]}) must be divisible by groups ({groups})")
    out_per_group = tensor.shape[0] // groups
    centre = tuple(size // 2 for size in tensor.shape[2:])
    with no_grad():
        tensor.zero_()
        for g in range(groups):
            for i in range(min(out_per_group, tensor.shape[1])):
                tensor[(g * out_per_group + i, i) + centre] = 1
    return tensor


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """N(0, std^2) with a fraction ``sparsity`` of each column set to zero (Martens 2010): in
    every column ceil(sparsity * rows) randomly chosen rows are zero.

    Shapes: (rows, cols), unchanged.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> w = nn.init.sparse_(tl.empty(4, 3), sparsity=0.5)
    >>> (w == 0).sum(0).tolist()
    [2, 2, 2]
    """
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: Only tensors with 2 dimensions are supported (got shape "
                         f"{tuple(tensor.shape)})")
    rows, cols = tensor.shape
    zeros = int(math.ceil(sparsity * rows))
    with no_grad():
        tensor.normal_(0.0, std, generator=generator)
        for col in range(cols):
            picked = randperm(rows, generator=generator, device=tensor.device)[:zeros]
            tensor[picked, col] = 0
    return tensor
