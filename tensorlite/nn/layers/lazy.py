"""Lazy layers: LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d,
LazyInstanceNorm1d/2d/3d.
Their input size (in_features, in_channels, num_features) comes from the first input; then they
become the plain layer (see nn.lazy.LazyModuleMixin)."""
from __future__ import annotations

from ... import dtypes
from ...ops.creation import zeros
from .. import init
from ..lazy import LazyModuleMixin
from ..parameter import UninitializedBuffer, UninitializedParameter
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d


class LazyLinear(LazyModuleMixin, Linear):
    """Linear whose in_features is the last dim of its first input.

    Shapes: input (*, H_in) -> (*, out_features); weight (out_features, H_in) after the first call.

    Example:
    >>> fc = nn.LazyLinear(4)
    >>> fc
    LazyLinear(in_features=0, out_features=4, bias=True)
    >>> fc(tl.zeros(2, 3)).shape, fc.weight.shape
    (tensorlite.Size([2, 4]), tensorlite.Size([4, 3]))
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__(0, 0, False, device, dtype)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args) -> None:
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    """in_channels from the first input's channel dim (dim 1, or 0 for an unbatched input)."""

    def _lazy_init(self, out_channels, bias, device, dtype):
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _in_channels(self, input) -> int:
        unbatched = self._dims + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) input "
                               f"to {type(self).__name__}, but got input of size: {input.shape}")
        return input.shape[1] if input.ndim == unbatched + 1 else input.shape[0]

    def initialize_parameters(self, input, *args) -> None:
        if self.has_uninitialized_params():
            self.in_channels = self._in_channels(input)
            if self.in_channels % self.groups:
                raise ValueError("in_channels must be divisible by groups")
            if self._transposed:
                shape = (self.in_channels, self.out_channels // self.groups)
            else:
                shape = (self.out_channels, self.in_channels // self.groups)
            self.weight.materialize(shape + self.kernel_size)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class _LazyConvNdMixin(_LazyConvMixin):
    """LazyConv1d/2d/3d's constructor: Conv*d's arguments less in_channels."""

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode,
                         device=device, dtype=dtype)
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConvNdMixin, Conv1d):
    """Conv1d whose in_channels comes from the first input.

    Shapes: input (N, C_in, L) or (C_in, L) -> (N, out_channels, L_out).

    Example:
    >>> conv = nn.LazyConv1d(8, kernel_size=3)
    >>> conv(tl.zeros(2, 5, 10)).shape, conv.weight.shape
    (tensorlite.Size([2, 8, 8]), tensorlite.Size([8, 5, 3]))
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNdMixin, Conv2d):
    """Conv2d whose in_channels comes from the first input.

    Shapes: input (N, C_in, H, W) or (C_in, H, W) -> (N, out_channels, H_out, W_out).

    Example:
    >>> conv = nn.LazyConv2d(4, 3, padding=1)
    >>> conv(tl.zeros(1, 3, 5, 5)).shape, conv
    (tensorlite.Size([1, 4, 5, 5]), Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)))
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvNdMixin, Conv3d):
    """Conv3d whose in_channels comes from the first input.

    Shapes: input (N, C_in, D, H, W) or (C_in, D, H, W) -> (N, out_channels, D_out, H_out, W_out).

    Example:
    >>> nn.LazyConv3d(2, 1)(tl.zeros(1, 3, 2, 2, 2)).shape
    tensorlite.Size([1, 2, 2, 2, 2])
    """

    cls_to_become = Conv3d


class _LazyConvTransposeMixin(_LazyConvMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                         padding_mode, device, dtype)
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConvTranspose1d(_LazyConvTransposeMixin, ConvTranspose1d):
    """ConvTranspose1d whose in_channels comes from the first input.

    Shapes: input (N, C_in, L) -> (N, out_channels, L_out); weight (C_in, out_channels / groups, k).

    Example:
    >>> up = nn.LazyConvTranspose1d(2, 2, stride=2)
    >>> up(tl.zeros(1, 3, 4)).shape, up.weight.shape
    (tensorlite.Size([1, 2, 8]), tensorlite.Size([3, 2, 2]))
    """

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeMixin, ConvTranspose2d):
    """ConvTranspose2d whose in_channels comes from the first input.

    Shapes: input (N, C_in, H, W) -> (N, out_channels, H_out, W_out).

    Example:
    >>> nn.LazyConvTranspose2d(2, 2, stride=2)(tl.zeros(1, 3, 4, 4)).shape
    tensorlite.Size([1, 2, 8, 8])
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeMixin, ConvTranspose3d):
    """ConvTranspose3d whose in_channels comes from the first input.

    Shapes: input (N, C_in, D, H, W) -> (N, out_channels, D_out, H_out, W_out).

    Example:
    >>> nn.LazyConvTranspose3d(2, 1)(tl.zeros(1, 3, 2, 2, 2)).shape
    tensorlite.Size([1, 2, 2, 2, 2])
    """

    cls_to_become = ConvTranspose3d


class _LazyNormMixin(LazyModuleMixin):
    """num_features from the first input's dim 1; weight/bias and running statistics
    materialized then (weight 1, bias 0, running mean 0 and variance 1)."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                object.__delattr__(self, name)  # set to None (a plain attribute) by the base
            self.register_buffer("running_mean", UninitializedBuffer(device=device, dtype=dtype))
            self.register_buffer("running_var", UninitializedBuffer(device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", zeros((), dtype=dtypes.int64, device=device))

    def initialize_parameters(self, input, *args) -> None:
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            for name in ("weight", "bias", "running_mean", "running_var"):
                value = getattr(self, name)
                if value is not None:
                    value.materialize((self.num_features,))
            if self.affine:
                init.ones_(self.weight)
                init.zeros_(self.bias)
            if self.track_running_stats:
                self.running_mean.zero_()
                self.running_var.fill_(1)


class LazyBatchNorm1d(_LazyNormMixin, BatchNorm1d):
    """BatchNorm1d whose num_features is the first input's dim 1.

    Shapes: input (N, C) or (N, C, L) -> the same.

    Example:
    >>> bn = nn.LazyBatchNorm1d()
    >>> bn(tl.randn(4, 3)).shape, bn.running_mean.shape
    (tensorlite.Size([4, 3]), tensorlite.Size([3]))
    """

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormMixin, BatchNorm2d):
    """BatchNorm2d whose num_features is the first input's dim 1.

    Shapes: input (N, C, H, W) -> the same.

    Example:
    >>> bn = nn.LazyBatchNorm2d()
    >>> bn(tl.randn(2, 3, 4, 4)).shape, bn
    (tensorlite.Size([2, 3, 4, 4]), BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True))
    """

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormMixin, BatchNorm3d):
    """BatchNorm3d whose num_features is the first input's dim 1.

    Shapes: input (N, C, D, H, W) -> the same.

    Example:
    >>> nn.LazyBatchNorm3d()(tl.randn(2, 3, 1, 2, 2)).shape
    tensorlite.Size([2, 3, 1, 2, 2])
    """

    cls_to_become = BatchNorm3d


class _LazyInstanceNormMixin(_LazyNormMixin):
    """Instance norm's defaults: no affine parameters and no running statistics (then nothing
    is lazy, num_features stays 0 and the instance norm warns about it, as in PyTorch)."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None, dtype=None):
        super().__init__(eps, momentum, affine, track_running_stats, device, dtype)


class LazyInstanceNorm1d(_LazyInstanceNormMixin, InstanceNorm1d):
    """InstanceNorm1d whose num_features is the first input's dim 1 (when affine or tracking).

    Shapes: input (N, C, L) -> the same.

    Example:
    >>> norm = nn.LazyInstanceNorm1d(affine=True)
    >>> norm(tl.randn(2, 3, 4)).shape, norm.weight.shape
    (tensorlite.Size([2, 3, 4]), tensorlite.Size([3]))
    """

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNormMixin, InstanceNorm2d):
    """InstanceNorm2d whose num_features is the first input's dim 1 (when affine or tracking).

    Shapes: input (N, C, H, W) -> the same.

    Example:
    >>> nn.LazyInstanceNorm2d(track_running_stats=True)(tl.randn(2, 3, 4, 4)).shape
    tensorlite.Size([2, 3, 4, 4])
    """

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNormMixin, InstanceNorm3d):
    """InstanceNorm3d whose num_features is the first input's dim 1 (when affine or tracking).

    Shapes: input (N, C, D, H, W) -> the same.

    Example:
    >>> nn.LazyInstanceNorm3d(affine=True)(tl.randn(2, 3, 1, 2, 2)).shape
    tensorlite.Size([2, 3, 1, 2, 2])
    """

    cls_to_become = InstanceNorm3d
