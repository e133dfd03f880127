"""Convolution and pooling: ``Unfold`` (im2col) and ``Fold`` (col2im) are the primitives, each
the other's backward; conv, transposed conv and pooling are compositions of them with matmul
and reductions, so every derivative order comes from the parts.

Shapes: input (N, C, H, W); weight (O, C / groups, kh, kw); output (N, O, OH, OW) with
OH = floor((H + 2p - d(kh - 1) - 1) / s) + 1.
"""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..autograd.grad_mode import state
from ..tensor import Tensor
from ._util import check_same_dtype, half_in_float32, tensor_op
from .creation import ones
from .elementwise import ZeroGradLink, where
from .gradients import zeros
from .indexing import Gather, Scatter
from .movement import pad, stack


def _pair(value, name="argument"):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return tuple(int(v) for v in value)
    return (int(value), int(value))


def _check_window_args(op: str, stride, dilation, padding=(0, 0), groups: int = 1) -> None:
    """PyTorch's errors for window arguments: positive stride, dilation and groups, no negative padding."""
    if min(stride) <= 0:
        raise RuntimeError(f"{op}(): non-positive stride is not supported (stride={stride})")
    if min(dilation) <= 0:
        raise RuntimeError(f"{op}(): dilation should be greater than zero, but got dilation={dilation}")
    if min(padding) < 0:
        raise RuntimeError(f"{op}(): negative padding is not supported (padding={padding})")
    if groups <= 0:
        raise RuntimeError(f"{op}(): non-positive groups is not supported (groups={groups})")


def _check_batched(op: str, input, weight=None) -> None:
    """A 3-D (unbatched) or 4-D (batched) input, and a 4-D weight when there is one."""
    if input.ndim not in (3, 4) or (weight is not None and weight.ndim != 4):
        got = f"input of size {list(input.shape)}"
        if weight is not None:
            got += f" and weight of size {list(weight.shape)}"
        raise RuntimeError(f"{op}(): Expected 3D (unbatched) or 4D (batched) input"
                           f"{'' if weight is None else ' and a 4D weight'}, but got {got}")


class Unfold(Function):
    """(N, C, H, W) -> (N, C*kh*kw, L): every window as a column (pads = top, bottom, left, right)."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, kernel, stride, pads, dilation, pad_value=0.0, layout="batch"):
        ctx.geometry = (x._array.shape[2:], kernel, stride, pads, dilation, layout)
        return x.device.backend.unfold(x._array, kernel, stride, pads, dilation, pad_value, layout)

    @staticmethod
    def backward(ctx, grad):
        size, kernel, stride, pads, dilation, layout = ctx.geometry
        return Fold.apply(grad, size, kernel, stride, pads, dilation, layout), None, None, None, None, None, None


class Fold(Function):
    """(N, C*kh*kw, L) -> (N, C, H, W): columns added back into their windows."""

    _primitive = True

    @staticmethod
    def forward(ctx, cols, output_size, kernel, stride, pads, dilation, layout="batch"):
        ctx.geometry = (kernel, stride, pads, dilation, layout)
        return cols.device.backend.fold(cols._array, output_size, kernel, stride, pads, dilation, layout)

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, pads, dilation, layout = ctx.geometry
        return Unfold.apply(grad, kernel, stride, pads, dilation, 0.0, layout), None, None, None, None, None, None


class MaxPool2d(Function):
    """Max over windows with the argmax of each (flat in its input plane); the gradient goes to
    that element (the first maximum on ties). Backward scatters by index, which is
    differentiable again (its backward gathers)."""

    _primitive = True
    _non_diff_outputs = (1,)

    @staticmethod
    def forward(ctx, x, kernel, stride, pads, dilation):
        values, indices = x.device.backend.max_pool2d(x._array, kernel, stride, pads, dilation)
        ctx.x_shape = x._array.shape
        ctx.x = x if ctx.needs_input_grad[0] else None
        ctx.indices = Tensor._make(indices, x.device, False, None, 0)
        # windows that cannot share an element send each gradient to a distinct place: a plain
        # scatter is exact there, and much cheaper than an accumulating one
        ctx.overlapping = any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
        # a window of padding only (possible with dilation) has index -1: its gradient goes nowhere
        ctx.padding_only = any(_padding_only_window(size, k, s, before, d, out)
                               for size, k, s, before, d, out in zip(x._array.shape[2:], kernel, stride, pads[::2],
                                                                     dilation, values.shape[2:]))
        return values, indices

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        n, c, h, w = ctx.x_shape
        if getattr(grad.device.backend, "max_pool2d_backward", None) is not None:  # one kernel
            grad_x = MaxPoolScatter.apply(grad, ctx.indices, (h, w), ctx.overlapping)
        else:
            blank = zeros((n, c, h * w), grad.dtype, grad.device)  # private: scattered into, not copied
            indices, grad = ctx.indices.reshape(n, c, -1), grad.reshape(n, c, -1)
            if ctx.padding_only:
                missing = indices < 0
                indices, grad = where(missing, 0, indices), where(missing, 0, grad)
            flat = Scatter.apply(blank, 2, indices, grad, ctx.overlapping or ctx.padding_only, None, None, True)
            grad_x = flat.reshape(n, c, h, w)
        if state.enabled and ctx.x is not None:  # create_graph: connected to x, as in PyTorch
            grad_x = ZeroGradLink.apply(grad_x, ctx.x)
        return grad_x, None, None, None, None


class MaxPoolScatter(Function):
    """Max pooling's gradient where the backend runs it as one primitive
    (``backend.max_pool2d_backward``, optional: OpenCL has it): grad (N, C, OH, OW) put at each
    window's argmax ``indices`` (-1: nowhere) in zeros (N, C, *size), added where windows
    overlap. Its backward gathers at the same indices, so every derivative order follows."""

    _primitive = True

    @staticmethod
    def forward(ctx, grad, indices, size, overlapping):
        ctx.indices = indices
        return grad.device.backend.max_pool2d_backward(grad._array, indices._array, size, overlapping)

    @staticmethod
    def backward(ctx, grad):
        n, c, oh, ow = ctx.indices.shape
        flat = Gather.apply(grad.reshape(n, c, -1), 2, ctx.indices.reshape(n, c, -1), "max_pool2d", -1)
        return flat.reshape(n, c, oh, ow), None, None, None


def _padding_only_window(size, kernel, stride, pad_before, dilation, out) -> bool:
    """Whether some window along this dim holds no input element (all its taps in the padding)."""
    return any(all(not 0 <= i * stride - pad_before + t * dilation < size for t in range(kernel))
               for i in range(out))


def _out_size(size, kernel, stride, pad_total, dilation):
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def _sliding_geometry(op, kernel_size, dilation, padding, stride):
    """The four pairs of unfold/fold, checked: kernel, dilation and stride positive, padding >= 0."""
    geometry = {"kernel_size": _pair(kernel_size, "kernel_size"), "dilation": _pair(dilation, "dilation"),
                "padding": _pair(padding, "padding"), "stride": _pair(stride, "stride")}
    for name, pair in geometry.items():
        if min(pair) < (0 if name == "padding" else 1):
            bound = "non-negative" if name == "padding" else "greater than zero"
            raise RuntimeError(f"{op}(): {name} should be {bound}, "
                               f"but got {name}={pair}")
    return geometry


def _blocks(op, spatial, geometry):
    """The number of sliding blocks per spatial dim; each must be at least one."""
    kernel, dilation, padding, stride = geometry.values()
    blocks = tuple(_out_size(s, k, st, 2 * p, d)
                   for s, k, st, p, d in zip(spatial, kernel, stride, padding, dilation))
    if min(blocks) < 1:
        raise RuntimeError(f"{op}(): Given input with spatial size {tuple(spatial)}, kernel_size={kernel}, "
                           f"dilation={dilation}, padding={padding}, calculated shape of the array of "
                           f"sliding blocks as {blocks}, but its components must be at least one.")
    return blocks


def _check_floating(kernel: str, input: Tensor) -> None:
    """PyTorch's im2col/col2im kernels exist for floating dtypes only."""
    if not input.is_floating_point():
        raise NotImplementedError(f'"{kernel}" not implemented for \'{input.dtype.scalar_name}\': '
                                  f"convert the input with .float() first")


@tensor_op
def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """F.unfold: (N, C, H, W) -> (N, C*kh*kw, L), or (C, H, W) -> (C*kh*kw, L).

    With L = prod over H, W of (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1.

    Example:
    >>> x = tl.arange(16.).reshape(1, 1, 4, 4)
    >>> cols = F.unfold(x, kernel_size=2, stride=2)
    >>> cols.shape
    tensorlite.Size([1, 4, 4])
    >>> cols[0, :, 0]
    tensor([0., 1., 4., 5.])
    >>> F.unfold(tl.zeros(2, 3, 5, 5), kernel_size=3, padding=1).shape
    tensorlite.Size([2, 27, 25])
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"unfold(): Expected 3D (unbatched) or 4D (batched) input, but got input of "
                           f"shape {list(input.shape)}")
    _check_floating("im2col_out_cpu", input)
    geometry = _sliding_geometry("unfold", kernel_size, dilation, padding, stride)
    _blocks("unfold", input.shape[-2:], geometry)
    x = input.unsqueeze(0) if input.ndim == 3 else input
    (ph, pw) = geometry["padding"]
    out = Unfold.apply(x, geometry["kernel_size"], geometry["stride"], (ph, ph, pw, pw), geometry["dilation"])
    return out.squeeze(0) if input.ndim == 3 else out


@tensor_op
def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """F.fold: (N, C*kh*kw, L) -> (N, C, H, W) summing overlaps, or (C*kh*kw, L) -> (C, H, W).

    Example:
    >>> cols = tl.ones(1, 4, 9)
    >>> F.fold(cols, output_size=(4, 4), kernel_size=2, stride=1)
    tensor([[[[1., 2., 2., 1.],
              [2., 4., 4., 2.],
              [2., 4., 4., 2.],
              [1., 2., 2., 1.]]]])
    >>> x = tl.arange(16.).reshape(1, 1, 4, 4)
    >>> bool((F.fold(F.unfold(x, 2, stride=2), (4, 4), 2, stride=2) == x).all())
    True
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold(): Expected 2D (unbatched) or 3D (batched) input, but got input of "
                           f"shape {list(input.shape)}")
    _check_floating("col2im_out_cpu", input)
    output_size = _pair(output_size, "output_size")
    geometry = _sliding_geometry("fold", kernel_size, dilation, padding, stride)
    kh, kw = geometry["kernel_size"]
    columns, length = input.shape[-2:]
    if columns % (kh * kw):
        raise RuntimeError(f"fold(): Expected size of input's dimension {input.ndim - 2} to be divisible by "
                           f"the product of kernel_size, but got input.size({input.ndim - 2})={columns} "
                           f"and kernel_size={(kh, kw)}")
    blocks = _blocks("fold", output_size, geometry)
    if length != blocks[0] * blocks[1]:
        raise RuntimeError(f"fold(): Given output_size={output_size}, kernel_size={(kh, kw)}, dilation="
                           f"{geometry['dilation']}, padding={geometry['padding']}, stride={geometry['stride']}, "
                           f"expected size of input's dimension {input.ndim - 1} to match the calculated "
                           f"number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size({input.ndim - 1})={length}.")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    (ph, pw) = geometry["padding"]
    out = Fold.apply(x, output_size, (kh, kw), geometry["stride"], (ph, ph, pw, pw), geometry["dilation"])
    return out.squeeze(0) if input.ndim == 2 else out


def _same_pads(kernel, dilation):
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads += [total // 2, total - total // 2]
    return tuple(pads)


def _check_conv_operands(op: str, input: Tensor, weight, bias) -> None:
    """PyTorch convolves floating tensors of one dtype only (no promotion, no integer kernels)."""
    check_same_dtype(op, input, weight, bias)
    if not input.is_floating_point():
        raise NotImplementedError(f'"{op}" not implemented for \'{input.dtype.scalar_name}\'; '
                                  f"convert the input and weight with .float() first")


@tensor_op
@half_in_float32
def conv2d(input: Tensor, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation. padding: int, pair, 'same' or 'valid'.

    Shapes: input (N, C, H, W) or (C, H, W); weight (O, C/groups, kh, kw); bias (O,).

    Output: (N, O, H_out, W_out) with
    H_out = (H + 2 * padding - dilation * (kh - 1) - 1) // stride + 1 (W_out likewise).

    Example:
    >>> x = tl.arange(9.).reshape(1, 1, 3, 3)
    >>> w = tl.ones(1, 1, 2, 2)
    >>> F.conv2d(x, w)
    tensor([[[[ 8., 12.],
              [20., 24.]]]])
    >>> F.conv2d(tl.zeros(2, 3, 8, 8), tl.zeros(4, 3, 3, 3), stride=2, padding=1).shape
    tensorlite.Size([2, 4, 4, 4])
    >>> F.conv2d(tl.zeros(3, 5, 5), tl.zeros(6, 1, 3, 3), padding="same", groups=3).shape
    tensorlite.Size([6, 5, 5])
    """
    _check_conv_operands("conv2d", input, weight, bias)
    _check_batched("conv2d", input, weight)
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    n, c, h, w = input.shape
    out_channels, per_group, kh, kw = weight.shape
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise RuntimeError(f"conv2d(): Invalid padding string: {padding!r} (use 'same', 'valid' or ints)")
    _check_window_args("conv2d", _pair(stride, "stride"), _pair(dilation, "dilation"),
                       (0, 0) if isinstance(padding, str) else _pair(padding, "padding"), groups)
    if c != per_group * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {per_group * groups} channels, but got "
                           f"{c} channels instead")
    if out_channels % groups:
        raise RuntimeError(f"conv2d: out_channels ({out_channels}) must be divisible by groups ({groups})")
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    if padding == "same":
        if stride != (1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pads = _same_pads((kh, kw), dilation)
    elif padding == "valid":
        pads = (0, 0, 0, 0)
    else:
        ph, pw = _pair(padding, "padding")
        pads = (ph, ph, pw, pw)
    oh = _out_size(h, kh, stride[0], pads[0] + pads[1], dilation[0])
    ow = _out_size(w, kw, stride[1], pads[2] + pads[3], dilation[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"conv2d: the kernel ({kh}x{kw}, dilation {dilation}) is larger than the "
                           f"padded input ({h + pads[0] + pads[1]}x{w + pads[2] + pads[3]})")
    if groups == 1:  # one GEMM for the whole batch: (O, C*kh*kw) @ (C*kh*kw, N*L)
        cols = Unfold.apply(input, (kh, kw), stride, pads, dilation, 0.0, "columns")
        out = (weight.reshape(out_channels, -1) @ cols).reshape(out_channels, n, oh, ow).permute(1, 0, 2, 3)
    else:
        cols = Unfold.apply(input, (kh, kw), stride, pads, dilation, 0.0)   # (N, C*kh*kw, L)
        cols = cols.reshape(n, groups, per_group * kh * kw, oh * ow)
        out = weight.reshape(groups, out_channels // groups, -1) @ cols       # (N, G, O/G, L)
        out = out.reshape(n, out_channels, oh, ow)
    if bias is not None:
        out = out + bias.reshape(1, out_channels, 1, 1)
    return out.squeeze(0) if unbatched else out


@tensor_op
@half_in_float32
def conv1d(input: Tensor, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """1-D cross-correlation: input (N, C, L), weight (O, C/groups, k).

    Shapes: (N, C, L) or (C, L); bias (O,) -> (N, O, L_out) with
    L_out = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1.

    Example:
    >>> x = tl.tensor([[[1., 2., 3., 4.]]])
    >>> F.conv1d(x, tl.tensor([[[1., -1.]]]))
    tensor([[[-1., -1., -1.]]])
    >>> F.conv1d(tl.zeros(2, 3, 10), tl.zeros(5, 3, 3), padding=1).shape
    tensorlite.Size([2, 5, 10])
    """
    _check_conv_operands("conv1d", input, weight, bias)
    unbatched = input.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
    pad = padding if isinstance(padding, str) else (0, _single(padding))
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, _single(stride)), pad,
                 (1, _single(dilation)), groups).squeeze(2)
    return out.squeeze(0) if unbatched else out


def _single(value):
    return int(value[0]) if isinstance(value, (tuple, list)) else int(value)


def _triple(value, name="argument"):
    if isinstance(value, (tuple, list)):
        if len(value) != 3:
            raise ValueError(f"{name} must be an int or a triple of ints, got {value!r}")
        return tuple(int(v) for v in value)
    return (int(value),) * 3


def _check_dims(op: str, input, weight, spatial: int) -> None:
    """An unbatched (C, *spatial) or batched (N, C, *spatial) input and a (O, C/groups, *k) weight."""
    if input.ndim not in (spatial + 1, spatial + 2) or weight.ndim != spatial + 2:
        raise RuntimeError(f"{op}(): Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input "
                           f"and a {spatial + 2}D weight, but got input of size {list(input.shape)} and "
                           f"weight of size {list(weight.shape)}")


def _depth_pads(padding, kernel, dilation):
    """(front, back) padding of the depth dim and the padding conv2d gets for (H, W)."""
    if padding == "same":
        total = dilation * (kernel - 1)
        return (total // 2, total - total // 2), "same"
    if padding == "valid":
        return (0, 0), "valid"
    pd, ph, pw = _triple(padding, "padding")
    return (pd, pd), (ph, pw)


@tensor_op
@half_in_float32
def conv3d(input: Tensor, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """3-D cross-correlation over (N, C, D, H, W); padding: int, triple, 'same' or 'valid'.

    Shapes: input (N, C, D, H, W) or (C, D, H, W); weight (O, C/groups, kd, kh, kw); bias (O,)
    -> (N, O, D_out, H_out, W_out) with
    D_out = (D + 2 * padding - dilation * (kd - 1) - 1) // stride + 1 (H_out, W_out likewise).

    The kd depth taps become channels of one conv2d over (N * D_out, C * kd, H, W), so the
    gradients of every order are conv2d's.

    Example:
    >>> x = tl.arange(8.).reshape(1, 1, 2, 2, 2)
    >>> F.conv3d(x, tl.ones(1, 1, 2, 2, 2))
    tensor([[[[[28.]]]]])
    >>> F.conv3d(tl.zeros(2, 3, 5, 6, 7), tl.zeros(4, 3, 3, 3, 3), padding=1, stride=(1, 2, 2)).shape
    tensorlite.Size([2, 4, 5, 3, 4])
    """
    _check_conv_operands("conv3d", input, weight, bias)
    _check_dims("conv3d", input, weight, 3)
    unbatched = input.ndim == 4
    if unbatched:
        input = input.unsqueeze(0)
    n, c, d, h, w = input.shape
    out_channels, per_group, kd, kh, kw = weight.shape
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise RuntimeError(f"conv3d(): Invalid padding string: {padding!r} (use 'same', 'valid' or ints)")
    stride, dilation = _triple(stride, "stride"), _triple(dilation, "dilation")
    _check_window_args("conv3d", stride, dilation,
                       (0, 0, 0) if isinstance(padding, str) else _triple(padding, "padding"), groups)
    if c != per_group * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {per_group * groups} channels, but got "
                           f"{c} channels instead")
    if out_channels % groups:
        raise RuntimeError(f"conv3d: out_channels ({out_channels}) must be divisible by groups ({groups})")
    if padding == "same" and stride != (1, 1, 1):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    depth_pads, plane_padding = _depth_pads(padding, kd, dilation[0])
    od = _out_size(d, kd, stride[0], sum(depth_pads), dilation[0])
    if od <= 0:
        raise RuntimeError(f"conv3d: the kernel depth ({kd}, dilation {dilation[0]}) is larger than the "
                           f"padded input depth ({d + sum(depth_pads)})")
    x = pad(input, (0, 0, 0, 0) + depth_pads) if any(depth_pads) else input
    span = stride[0] * (od - 1) + 1
    taps = [x[:, :, t * dilation[0]:t * dilation[0] + span:stride[0]] for t in range(kd)]  # (N, C, OD, H, W)
    planes = stack(taps, 2).permute(0, 3, 1, 2, 4, 5).reshape(n * od, c * kd, h, w)
    out = conv2d(planes, weight.reshape(out_channels, per_group * kd, kh, kw), None, stride[1:],
                 plane_padding, dilation[1:], groups)
    out = out.reshape(n, od, out_channels, *out.shape[-2:]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, out_channels, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


@tensor_op
@half_in_float32
def conv_transpose2d(input: Tensor, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1):
    """The adjoint of conv2d (a "deconvolution"): input (N, C, H, W), weight (C, O/groups, kh, kw).

    Output size: (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1.

    Example:
    >>> x = tl.ones(1, 1, 2, 2)
    >>> F.conv_transpose2d(x, tl.ones(1, 1, 2, 2))
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    >>> F.conv_transpose2d(tl.zeros(2, 4, 5, 5), tl.zeros(4, 3, 3, 3), stride=2, padding=1).shape
    tensorlite.Size([2, 3, 9, 9])
    """
    _check_conv_operands("conv_transpose2d", input, weight, bias)
    _check_batched("conv_transpose2d", input, weight)
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    n, c, h, w = input.shape
    in_channels, per_group_out, kh, kw = weight.shape
    _check_window_args("conv_transpose2d", _pair(stride, "stride"), _pair(dilation, "dilation"),
                       _pair(padding, "padding"), groups)
    if c % groups:
        raise RuntimeError(f"conv_transpose2d(): input channels ({c}) must be divisible by groups ({groups})")
    if c != in_channels:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {in_channels} channels, but got {c} "
                           f"channels instead")
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    output_padding = _pair(output_padding)
    if any(p >= s and p >= d for p, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"conv_transpose2d(): output padding must be smaller than either stride or "
                           f"dilation, but got output_padding={output_padding}, stride={stride}, "
                           f"dilation={dilation}")
    out_channels = per_group_out * groups
    oh = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + output_padding[0] + 1
    ow = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + output_padding[1] + 1
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"Given input size per channel: ({h} x {w}). Calculated output size per channel: "
                           f"({oh} x {ow}). Output size is too small (conv_transpose2d: lower the padding)")
    x = input.reshape(n, groups, c // groups, h * w)
    wt = weight.reshape(groups, c // groups, per_group_out * kh * kw)
    cols = (wt.mT @ x).reshape(n, out_channels * kh * kw, h * w)              # (N, O*kh*kw, H*W)
    pads = (padding[0], padding[0] - output_padding[0], padding[1], padding[1] - output_padding[1])
    out = Fold.apply(cols, (oh, ow), (kh, kw), stride, pads, dilation)
    if bias is not None:
        out = out + bias.reshape(1, out_channels, 1, 1)
    return out.squeeze(0) if unbatched else out


@tensor_op
@half_in_float32
def conv_transpose1d(input: Tensor, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Tensor:
    """The adjoint of conv1d: input (N, C, L) or (C, L), weight (C, O/groups, k).

    Output length: (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    Example:
    >>> F.conv_transpose1d(tl.ones(1, 1, 3), tl.tensor([[[1., 2.]]]))
    tensor([[[1., 3., 3., 2.]]])
    >>> F.conv_transpose1d(tl.zeros(2, 4, 5), tl.zeros(4, 3, 3), stride=2, padding=1).shape
    tensorlite.Size([2, 3, 9])
    """
    _check_conv_operands("conv_transpose1d", input, weight, bias)
    _check_dims("conv_transpose1d", input, weight, 1)
    unbatched = input.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
    out = conv_transpose2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, _single(stride)),
                           (0, _single(padding)), (0, _single(output_padding)), groups,
                           (1, _single(dilation))).squeeze(2)
    return out.squeeze(0) if unbatched else out


@tensor_op
@half_in_float32
def conv_transpose3d(input: Tensor, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Tensor:
    """The adjoint of conv3d: input (N, C, D, H, W) or (C, D, H, W), weight (C, O/groups, kd, kh, kw).

    Output size: (D - 1) * stride - 2 * padding + dilation * (kd - 1) + output_padding + 1
    (H, W likewise). The columns W^T x are folded back over (H, W), then over D: two Folds.

    Example:
    >>> F.conv_transpose3d(tl.ones(1, 1, 1, 1, 2), tl.ones(1, 1, 1, 1, 2))
    tensor([[[[[1., 2., 1.]]]]])
    >>> F.conv_transpose3d(tl.zeros(2, 4, 3, 3, 3), tl.zeros(4, 2, 3, 3, 3), stride=2, padding=1).shape
    tensorlite.Size([2, 2, 5, 5, 5])
    """
    _check_conv_operands("conv_transpose3d", input, weight, bias)
    _check_dims("conv_transpose3d", input, weight, 3)
    unbatched = input.ndim == 4
    if unbatched:
        input = input.unsqueeze(0)
    n, c, d, h, w = input.shape
    in_channels, per_group_out, kd, kh, kw = weight.shape
    stride, padding = _triple(stride, "stride"), _triple(padding, "padding")
    dilation, output_padding = _triple(dilation, "dilation"), _triple(output_padding, "output_padding")
    _check_window_args("conv_transpose3d", stride, dilation, padding, groups)
    if c % groups:
        raise RuntimeError(f"conv_transpose3d(): input channels ({c}) must be divisible by groups ({groups})")
    if c != in_channels:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {in_channels} channels, but got {c} "
                           f"channels instead")
    if any(p >= s and p >= dl for p, s, dl in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"conv_transpose3d(): output padding must be smaller than either stride or "
                           f"dilation, but got output_padding={output_padding}, stride={stride}, "
                           f"dilation={dilation}")
    out_channels = per_group_out * groups
    od, oh, ow = ((size - 1) * s - 2 * p + dl * (k - 1) + op + 1 for size, s, p, dl, k, op in
                  zip((d, h, w), stride, padding, dilation, (kd, kh, kw), output_padding))
    if min(od, oh, ow) <= 0:
        raise RuntimeError(f"Given input size per channel: ({d} x {h} x {w}). Calculated output size per channel: "
                           f"({od} x {oh} x {ow}). Output size is too small (conv_transpose3d: lower the padding)")
    x = input.reshape(n, groups, c // groups, d * h * w)
    wt = weight.reshape(groups, c // groups, per_group_out * kd * kh * kw)
    cols = (wt.mT @ x).reshape(n, out_channels, kd, kh * kw, d, h * w)
    cols = cols.permute(0, 4, 1, 2, 3, 5).reshape(n * d, out_channels * kd * kh * kw, h * w)
    plane_pads = (padding[1], padding[1] - output_padding[1], padding[2], padding[2] - output_padding[2])
    planes = Fold.apply(cols, (oh, ow), (kh, kw), stride[1:], plane_pads, dilation[1:])  # (N*D, O*kd, OH, OW)
    depth_cols = planes.reshape(n, d, out_channels * kd, oh * ow).permute(0, 2, 1, 3)
    depth_cols = depth_cols.reshape(n, out_channels * kd, d * oh * ow)
    out = Fold.apply(depth_cols, (od, oh * ow), (kd, 1), (stride[0], 1),
                     (padding[0], padding[0] - output_padding[0], 0, 0), (dilation[0], 1))
    out = out.reshape(n, out_channels, od, oh, ow)
    if bias is not None:
        out = out + bias.reshape(1, out_channels, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, op="pool2d"):
    kernel = _pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == [] else _pair(stride, "stride")
    padding, dilation = _pair(padding, "padding"), _pair(dilation, "dilation")
    if min(kernel) <= 0:
        raise RuntimeError(f"{op}(): kernel_size must be greater than zero, but got kernel_size={kernel}")
    if min(stride) <= 0:
        raise RuntimeError(f"{op}(): stride should not be zero (stride={stride})")
    _check_window_args(op, stride, dilation, padding)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={padding}, kernel_size={kernel}")
    sizes, extra = [], []
    for size, k, s, p, d in zip(input.shape[-2:], kernel, stride, padding, dilation):
        span = size + 2 * p - d * (k - 1) - 1
        out = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (out - 1) * s >= size + p:  # the last window must start inside the input
            out -= 1
        if out <= 0:
            raise RuntimeError(f"Given input size {tuple(input.shape[-2:])}, the pooling output size "
                               f"would be {out}: the kernel is too large")
        sizes.append(out)
        extra.append(max(0, (out - 1) * s + d * (k - 1) + 1 - (size + 2 * p)))
    pads = (padding[0], padding[0] + extra[0], padding[1], padding[1] + extra[1])
    return kernel, stride, padding, dilation, pads, sizes


def _windows(input, kernel, stride, pads, dilation, pad_value):
    """(N, C, H, W) -> (N, C, kh*kw, L)."""
    n, c = input.shape[:2]
    cols = Unfold.apply(input, kernel, stride, pads, dilation, pad_value)
    return cols.reshape(n, c, kernel[0] * kernel[1], cols.shape[-1])


@tensor_op
def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over windows; at ties all of the gradient goes to the first element of the window.

    With return_indices, also the flat index (row * W + col) of each max in its input plane.

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out) with
    H_out = (H + 2 * padding - dilation * (kh - 1) - 1) // stride + 1 (rounded up with ceil_mode);
    stride defaults to kernel_size.

    Example:
    >>> x = tl.arange(16.).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> out, indices = F.max_pool2d(x, 2, return_indices=True)
    >>> indices
    tensor([[[[ 5,  7],
              [13, 15]]]])
    >>> F.max_pool2d(tl.zeros(2, 3, 7, 7), 3, stride=2, ceil_mode=True).shape
    tensorlite.Size([2, 3, 3, 3])
    """
    _check_batched("max_pool2d", input)
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    n, c, h, w = input.shape
    kernel, stride, padding, dilation, pads, (oh, ow) = _pool_geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    values, indices = MaxPool2d.apply(input, kernel, stride, pads, dilation)
    if return_indices:
        return (values.squeeze(0), indices.squeeze(0)) if unbatched else (values, indices)
    return values.squeeze(0) if unbatched else values


@tensor_op
def max_pool2d_reference(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False) -> Tensor:
    """max_pool2d composed from Unfold and max(dim): the reference the primitive is tested against.

    Shapes: as max_pool2d.

    Example:
    >>> x = tl.arange(16.).reshape(1, 1, 4, 4)
    >>> bool((tl.ops.conv.max_pool2d_reference(x, 2) == F.max_pool2d(x, 2)).all())
    True
    """
    n, c = input.shape[:2]
    kernel, stride, padding, dilation, pads, (oh, ow) = _pool_geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode)
    values, _ = _windows(input, kernel, stride, pads, dilation, -math.inf).max(2)
    return values.reshape(n, c, oh, ow)


@tensor_op
def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None):
    """Mean over windows; zero padding counts in the divisor unless count_include_pad=False.

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out), H_out as for max_pool2d
    (dilation 1); stride defaults to kernel_size.

    Example:
    >>> x = tl.arange(16.).reshape(1, 1, 4, 4)
    >>> F.avg_pool2d(x, 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    >>> F.avg_pool2d(tl.ones(1, 1, 2, 2), 2, padding=1, count_include_pad=False)
    tensor([[[[1., 1.],
              [1., 1.]]]])
    """
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d(): divisor must be not zero (divisor_override=0); pass None to "
                           "divide by the window size")
    _check_batched("avg_pool2d", input)
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    n, c, h, w = input.shape
    kernel, stride, padding, dilation, pads, (oh, ow) = _pool_geometry(
        input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    total = _windows(input, kernel, stride, pads, dilation, 0.0).sum(2)      # (N, C, L)
    if divisor_override is not None:
        divisor = float(divisor_override)
    else:
        # PyTorch counts the explicit padding (if asked) but never the ceil_mode overhang
        ones_map = ones(1, 1, h, w, dtype=input.dtype, device=input.device)
        if count_include_pad:
            ones_map = _pad_tensor(ones_map, padding)
            counted = (0, pads[1] - padding[0], 0, pads[3] - padding[1])  # overhang only
            divisor = _windows(ones_map, kernel, stride, counted, dilation, 0.0).sum(2)
        else:
            divisor = _windows(ones_map, kernel, stride, pads, dilation, 0.0).sum(2)
    out = (total / divisor).reshape(n, c, oh, ow)
    return out.squeeze(0) if unbatched else out


def _pad_tensor(t, padding):
    return pad(t, (padding[1], padding[1], padding[0], padding[0]), value=1.0)


@tensor_op
def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average over PyTorch's adaptive windows: cell i spans [floor(i*H/oh), ceil((i+1)*H/oh)).

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, oh, ow) (an int output_size means square; None
    keeps that dim).

    Example:
    >>> x = tl.arange(16.).reshape(1, 1, 4, 4)
    >>> F.adaptive_avg_pool2d(x, 1)
    tensor([[[[7.5000]]]])
    >>> F.adaptive_avg_pool2d(x, (2, 1))
    tensor([[[[ 3.5000],
              [11.5000]]]])
    >>> F.adaptive_avg_pool2d(tl.zeros(2, 3, 7, 5), (3, None)).shape
    tensorlite.Size([2, 3, 3, 5])
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got input of shape "
                           f"{list(input.shape)}")
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    h, w = input.shape[-2:]
    if h == 0 or w == 0:
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
                           f"dimensions, but input has sizes {list(input.shape)}")
    oh, ow = (o if o is not None else s for o, s in zip(_pair_or_none(output_size), (h, w)))
    if oh < 0 or ow < 0:
        raise RuntimeError(f"adaptive_avg_pool2d(): elements of output_size must be greater than or "
                           f"equal to 0 but received {(oh, ow)}")
    if oh == 0 or ow == 0:  # an empty output: PyTorch returns it (no window to average)
        out = input.mean((2, 3), keepdim=True).expand(input.shape[0], input.shape[1], oh, ow).contiguous()
    elif h % oh == 0 and w % ow == 0:
        out = avg_pool2d(input, (h // oh, w // ow))
    else:
        rows = []
        for i in range(oh):
            r0, r1 = (i * h) // oh, -(-(i + 1) * h // oh)
            cells = []
            for j in range(ow):
                c0, c1 = (j * w) // ow, -(-(j + 1) * w // ow)
                cells.append(input[:, :, r0:r1, c0:c1].mean((2, 3)))
            rows.append(stack(cells, -1))
        out = stack(rows, -2)
    return out.squeeze(0) if unbatched else out


def _pair_or_none(value):
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value, value)


