"""Conv1d/2d/3d, ConvTranspose1d/2d/3d: weight and bias U(+-1/sqrt(fan_in)) as PyTorch; padding_mode
'zeros' pads inside the convolution, 'reflect' / 'replicate' / 'circular' pad with F.pad first."""
from __future__ import annotations

import math

from ...ops.creation import empty
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


def _tuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class _ConvNd(Module):
    _dims = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", output_padding=0, device=None, dtype=None):
        super().__init__()
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        modes = ("zeros", "reflect", "replicate", "circular")
        if padding_mode not in modes:
            raise ValueError(f"padding_mode must be one of {set(modes)}, but got padding_mode='{padding_mode}'")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of ('valid', 'same')")
            if padding == "same" and any(s != 1 for s in _tuple(stride, self._dims)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        n = self._dims
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _tuple(kernel_size, n), _tuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n)
        self.dilation, self.output_padding = _tuple(dilation, n), _tuple(output_padding, n)
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(empty(*shape, device=device, dtype=dtype))
        self.bias = Parameter(empty(out_channels, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _padded(self, input):
        """(input, padding for the convolution): other modes than 'zeros' pad here, with F.pad."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "valid":
            return input, 0
        widths = []
        for k, d, p in zip(self.kernel_size, self.dilation, (None,) * self._dims if self.padding == "same"
                           else self.padding):
            total = d * (k - 1) if p is None else 2 * p
            widths.append((total // 2, total - total // 2))
        flat = [w for pair in reversed(widths) for w in pair]  # F.pad: last dim first
        return F.pad(input, flat, mode=self.padding_mode), 0

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L).

    Shapes: input (N, C_in, L) or (C_in, L) -> (N, C_out, L_out),
    L_out = (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1.

    Example:
    >>> conv = nn.Conv1d(3, 8, kernel_size=3, padding=1)
    >>> conv.weight.shape, conv.bias.shape
    (tensorlite.Size([8, 3, 3]), tensorlite.Size([8]))
    >>> conv(tl.zeros(4, 3, 10)).shape
    tensorlite.Size([4, 8, 10])
    """

    _dims = 1

    def forward(self, input):
        input, padding = self._padded(input)
        return F.conv1d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-D cross-correlation over (N, C, H, W); padding may be 'same' or 'valid'.

    Shapes: input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = (H + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1 (W_out likewise).

    Example:
    >>> conv = nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)
    >>> conv.weight.shape
    tensorlite.Size([16, 3, 3, 3])
    >>> conv(tl.zeros(8, 3, 32, 32)).shape
    tensorlite.Size([8, 16, 16, 16])
    >>> nn.Conv2d(4, 4, 3, padding="same", groups=2)(tl.zeros(1, 4, 5, 5)).shape
    tensorlite.Size([1, 4, 5, 5])
    """

    def forward(self, input):
        input, padding = self._padded(input)
        return F.conv2d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d/2d/3d share: PyTorch's argument order (output_padding after padding)
    and the call of their functional form."""
    _transposed = True
    _function = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, output_padding, device, dtype)

    def forward(self, input):
        return type(self)._function(input, self.weight, self.bias, self.stride, self.padding,
                                    self.output_padding, self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """The adjoint of Conv2d; weight (in_channels, out_channels / groups, kh, kw).

    Shapes: input (N, C_in, H, W) -> (N, C_out, H_out, W_out), H_out = (H - 1) * stride
    - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1 (W_out likewise).

    Example:
    >>> up = nn.ConvTranspose2d(16, 3, kernel_size=2, stride=2)
    >>> up.weight.shape
    tensorlite.Size([16, 3, 2, 2])
    >>> up(tl.zeros(8, 16, 16, 16)).shape
    tensorlite.Size([8, 3, 32, 32])
    """

    _function = F.conv_transpose2d


class Conv3d(_ConvNd):
    """3-D cross-correlation over (N, C, D, H, W); padding may be 'same' or 'valid'.

    Shapes: input (N, C_in, D, H, W) or (C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out),
    D_out = (D + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1 (H_out, W_out
    likewise).

    Example:
    >>> conv = nn.Conv3d(2, 4, kernel_size=3, padding=1)
    >>> conv.weight.shape
    tensorlite.Size([4, 2, 3, 3, 3])
    >>> conv(tl.zeros(1, 2, 4, 5, 6)).shape
    tensorlite.Size([1, 4, 4, 5, 6])
    """

    _dims = 3

    def forward(self, input):
        input, padding = self._padded(input)
        return F.conv3d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class ConvTranspose1d(_ConvTransposeNd):
    """The adjoint of Conv1d; weight (in_channels, out_channels / groups, k).

    Shapes: input (N, C_in, L) or (C_in, L) -> (N, C_out, L_out), L_out = (L - 1) * stride
    - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1.

    Example:
    >>> up = nn.ConvTranspose1d(4, 2, kernel_size=2, stride=2)
    >>> up.weight.shape
    tensorlite.Size([4, 2, 2])
    >>> up(tl.zeros(3, 4, 5)).shape
    tensorlite.Size([3, 2, 10])
    """

    _dims = 1
    _function = F.conv_transpose1d


class ConvTranspose3d(_ConvTransposeNd):
    """The adjoint of Conv3d; weight (in_channels, out_channels / groups, kd, kh, kw).

    Shapes: input (N, C_in, D, H, W) or (C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out),
    D_out = (D - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
    (H_out, W_out likewise).

    Example:
    >>> up = nn.ConvTranspose3d(4, 2, kernel_size=2, stride=2)
    >>> up.weight.shape
    tensorlite.Size([4, 2, 2, 2, 2])
    >>> up(tl.zeros(1, 4, 2, 3, 4)).shape
    tensorlite.Size([1, 2, 4, 6, 8])
    """

    _dims = 3
    _function = F.conv_transpose3d


class Unfold(Module):
    """Extract sliding kernel_size blocks as columns (im2col; see F.unfold).

    Shapes: input (N, C, H, W) -> (N, C * prod(kernel_size), L), L = number of blocks.

    Example:
    >>> nn.Unfold(kernel_size=2)(tl.arange(9.).reshape(1, 1, 3, 3)).shape
    tensorlite.Size([1, 4, 4])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Sum columns of sliding blocks back into an image (col2im; inverse layout of Unfold).

    Shapes: input (N, C * prod(kernel_size), L) -> (N, C, *output_size).

    Example:
    >>> nn.Fold(output_size=(3, 3), kernel_size=2)(tl.ones(1, 4, 4))
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
