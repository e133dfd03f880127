"""MaxPool2d, AvgPool2d, AdaptiveAvgPool2d."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class MaxPool2d(Module):
    """Max over windows; stride defaults to kernel_size.

    Shapes: input (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out),
    H_out = (H + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1 (W_out likewise).

    Example:
    >>> pool = nn.MaxPool2d(2)
    >>> pool(tl.arange(16.).reshape(1, 1, 4, 4))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> nn.MaxPool2d(3, stride=2, padding=1)(tl.zeros(8, 3, 32, 32)).shape
    tensorlite.Size([8, 3, 16, 16])
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over windows (padding counts unless count_include_pad=False).

    Shapes: input (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out), as MaxPool2d.

    Example:
    >>> nn.AvgPool2d(2)(tl.arange(16.).reshape(1, 1, 4, 4))
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average into a fixed output size.

    Shapes: input (N, C, H, W) or (C, H, W) -> (N, C, *output_size).

    Example:
    >>> nn.AdaptiveAvgPool2d((1, 1))(tl.zeros(8, 64, 7, 7)).shape
    tensorlite.Size([8, 64, 1, 1])
    >>> nn.AdaptiveAvgPool2d(1)(tl.arange(16.).reshape(1, 1, 4, 4))
    tensor([[[[7.5000]]]])
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
