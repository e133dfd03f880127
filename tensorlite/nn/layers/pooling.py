"""Max, average and adaptive pooling over 1, 2 and 3 spatial dims; max unpooling."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class _MaxPoolNd(Module):
    """What MaxPool1d/2d/3d share: the arguments, the call of their functional form, the repr."""
    _function = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return type(self)._function(input, self.kernel_size, self.stride, self.padding, self.dilation,
                                    self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
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

    _function = F.max_pool2d


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


def _ntuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class MaxPool1d(_MaxPoolNd):
    """Max over windows of the last dim; stride defaults to kernel_size.

    Shapes: input (N, C, L) or (C, L) -> (N, C, L_out),
    L_out = (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1.

    Example:
    >>> nn.MaxPool1d(2)(tl.tensor([[[1., 3., 2., 5.]]]))
    tensor([[[3., 5.]]])
    """

    _function = F.max_pool1d


class MaxPool3d(_MaxPoolNd):
    """Max over (kd, kh, kw) windows; stride defaults to kernel_size.

    Shapes: input (N, C, D, H, W) or (C, D, H, W) -> (N, C, D_out, H_out, W_out),
    D_out = (D + 2 * padding - dilation * (kd - 1) - 1) // stride + 1 (H_out, W_out likewise).

    Example:
    >>> nn.MaxPool3d(2)(tl.arange(16.).reshape(1, 1, 2, 2, 4))
    tensor([[[[[13., 15.]]]]])
    """

    _function = F.max_pool3d


class AvgPool1d(Module):
    """Mean over windows of the last dim (padding counts unless count_include_pad=False).

    Shapes: input (N, C, L) or (C, L) -> (N, C, L_out), L_out as MaxPool1d with dilation 1.

    Example:
    >>> nn.AvgPool1d(2)(tl.tensor([[[1., 3., 2., 5.]]]))
    tensor([[[2.0000, 3.5000]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, 1)
        self.stride = _ntuple(stride if stride is not None else kernel_size, 1)
        self.padding, self.ceil_mode = _ntuple(padding, 1), ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool2d):
    """Mean over (kd, kh, kw) windows (padding counts unless count_include_pad=False).

    Shapes: input (N, C, D, H, W) or (C, D, H, W) -> (N, C, D_out, H_out, W_out), as MaxPool3d
    with dilation 1.

    Example:
    >>> nn.AvgPool3d(2)(tl.arange(8.).reshape(1, 1, 2, 2, 2))
    tensor([[[[[3.5000]]]]])
    """

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Average into a fixed output length.

    Shapes: input (N, C, L) or (C, L) -> (N, C, output_size).

    Example:
    >>> nn.AdaptiveAvgPool1d(2)(tl.tensor([[[1., 2., 3., 4., 5.]]]))
    tensor([[[2., 4.]]])
    """

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Average into a fixed output volume (None keeps a dim).

    Shapes: input (N, C, D, H, W) or (C, D, H, W) -> (N, C, *output_size).

    Example:
    >>> nn.AdaptiveAvgPool3d(1)(tl.arange(8.).reshape(1, 1, 2, 2, 2))
    tensor([[[[[3.5000]]]]])
    """

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    _function = None

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        return type(self)._function(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max into a fixed output length; return_indices also gives each max's position.

    Shapes: input (N, C, L) or (C, L) -> (N, C, output_size).

    Example:
    >>> nn.AdaptiveMaxPool1d(2)(tl.tensor([[[1., 5., 3., 4., 2.]]]))
    tensor([[[5., 4.]]])
    """

    _function = F.adaptive_max_pool1d


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max into a fixed output size (an int means square; None keeps a dim).

    Shapes: input (N, C, H, W) or (C, H, W) -> (N, C, *output_size).

    Example:
    >>> nn.AdaptiveMaxPool2d(1)(tl.arange(16.).reshape(1, 1, 4, 4))
    tensor([[[[15.]]]])
    """

    _function = F.adaptive_max_pool2d


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max into a fixed output volume (None keeps a dim).

    Shapes: input (N, C, D, H, W) or (C, D, H, W) -> (N, C, *output_size).

    Example:
    >>> nn.AdaptiveMaxPool3d(1)(tl.arange(8.).reshape(1, 1, 2, 2, 2))
    tensor([[[[[7.]]]]])
    """

    _function = F.adaptive_max_pool3d


class _MaxUnpoolNd(Module):
    _dims = 2
    _function = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self._dims)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self._dims)
        self.padding = _ntuple(padding, self._dims)

    def forward(self, input, indices, output_size=None):
        return type(self)._function(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: values to their indices, zeros elsewhere.

    Shapes: input, indices (N, C, L) or (C, L) -> (N, C, (L - 1) * stride - 2 * padding + kernel_size).

    Example:
    >>> out, idx = nn.MaxPool1d(2, return_indices=True)(tl.tensor([[[1., 3., 2., 5.]]]))
    >>> nn.MaxUnpool1d(2)(out, idx)
    tensor([[[0., 3., 0., 5.]]])
    """

    _dims = 1
    _function = F.max_unpool1d


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d: values to their flat indices, zeros elsewhere.

    Shapes: input, indices (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out),
    H_out = (H - 1) * stride - 2 * padding + kernel_size (or output_size; W_out likewise).

    Example:
    >>> out, idx = nn.MaxPool2d(2, return_indices=True)(tl.arange(16.).reshape(1, 1, 4, 4))
    >>> nn.MaxUnpool2d(2)(out, idx).shape
    tensorlite.Size([1, 1, 4, 4])
    """

    _function = F.max_unpool2d


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d: values to their flat indices, zeros elsewhere.

    Shapes: input, indices (N, C, D, H, W) or (C, D, H, W) -> (N, C, D_out, H_out, W_out),
    D_out = (D - 1) * stride - 2 * padding + kernel_size (or output_size; H_out, W_out likewise).

    Example:
    >>> out, idx = nn.MaxPool3d(2, return_indices=True)(tl.arange(8.).reshape(1, 1, 2, 2, 2))
    >>> nn.MaxUnpool3d(2)(out, idx).flatten()
    tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """

    _dims = 3
    _function = F.max_unpool3d
