"""Linear, Bilinear, Identity, Flatten, Unflatten."""
from __future__ import annotations

import math

from ...ops.creation import empty
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


class Identity(Module):
    """Returns its input (accepts and ignores any constructor arguments).

    Shapes: (*) -> (*).

    Example:
    >>> x = tl.ones(2)
    >>> nn.Identity(54, unused="argument")(x) is x
    True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b. weight (out_features, in_features), initialised U(+-1/sqrt(in_features))
    (kaiming_uniform_ with a = sqrt(5)); the bias likewise.

    Shapes: input (*, in_features) -> (*, out_features).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> fc = nn.Linear(3, 2)
    >>> fc
    Linear(in_features=3, out_features=2, bias=True)
    >>> fc.weight.shape, fc.bias.shape
    (tensorlite.Size([2, 3]), tensorlite.Size([2]))
    >>> fc(tl.zeros(5, 3)).shape
    tensorlite.Size([5, 2])
    >>> with tl.no_grad():
    ...     _ = fc.weight.fill_(1.), fc.bias.zero_()
    >>> fc(tl.tensor([[1., 2., 3.]]))
    tensor([[6., 6.]], grad_fn=<...>)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty(out_features, in_features, device=device, dtype=dtype))
        self.bias = Parameter(empty(out_features, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y_k = x1^T W_k x2 + b_k; weight (out, in1, in2), U(+-1/sqrt(in1)).

    Shapes: input1 (*, in1_features), input2 (*, in2_features) -> (*, out_features).

    Example:
    >>> bl = nn.Bilinear(3, 4, 5)
    >>> bl.weight.shape
    tensorlite.Size([5, 3, 4])
    >>> bl(tl.zeros(2, 3), tl.zeros(2, 4)).shape
    tensorlite.Size([2, 5])
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = Parameter(empty(out_features, in1_features, in2_features, device=device, dtype=dtype))
        self.bias = Parameter(empty(out_features, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Flatten(Module):
    """Flatten dims start_dim..end_dim (default: all but the batch dim).

    Shapes: (N, d_1, ..., d_k) -> (N, d_1 * ... * d_k) with the defaults.

    Example:
    >>> nn.Flatten()(tl.zeros(8, 3, 4, 4)).shape
    tensorlite.Size([8, 48])
    >>> nn.Flatten(0, 1)(tl.zeros(8, 3, 4)).shape
    tensorlite.Size([24, 4])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim into unflattened_size.

    Shapes: (..., d, ...) -> (..., *unflattened_size, ...) at dim.

    Example:
    >>> nn.Unflatten(1, (3, 4))(tl.zeros(8, 12)).shape
    tensorlite.Size([8, 3, 4])
    """

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
