"""Pooling beyond 2-d: 1-d and 3-d max/avg pooling, adaptive pooling, max unpooling.

Every function here reuses an exact 2-d primitive or a gather, so gradients of every order
come from the parts:
- 1-d pooling is 2-d pooling of a (N, C, 1, L) view with a (1, k) window;
- 3-d pooling is separable: pool each depth slice over (H, W), then pool along D with a
  (kd, 1) window. Max of maxes is the max of the box, and the first maximum in (d, h, w) order
  wins as in PyTorch (first per plane, then the first plane). Averages multiply per-dim divisors,
  which is PyTorch's divisor (a product of per-dim window extents) in every mode;
- adaptive windows are gathered along one dim at a time (padded to the widest window by
  repeating its first element, which never wins a tie since it comes first).
"""
from __future__ import annotations

import math

from ..ops.conv import avg_pool2d, max_pool2d
from ..ops.creation import tensor, zeros
from ..ops.elementwise import where
from ..ops.indexing import gather, index_select
from ..ops._util import half_in_float32, tensor_op
from .. import dtypes as _dt
from ..tensor import Tensor

__all__ = ["max_pool1d", "avg_pool1d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
           "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _ntuple(value, n: int, name: str) -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = tuple(value) * n
        if len(value) != n:
            raise RuntimeError(f"{name} must either be a single int, or a tuple of {n} ints, got {value!r}")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _check_input(op: str, input: Tensor, spatial: int) -> bool:
    """(C, *spatial) or (N, C, *spatial) with non-empty spatial dims; True when unbatched."""
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}(): Expected {spatial + 1}D or {spatial + 2}D input tensor, but got input "
                           f"of shape {list(input.shape)}")
    if any(s == 0 for s in input.shape[1:]):
        raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                           f"input has sizes {list(input.shape)}")
    return input.ndim == spatial + 1


def _window_args(op, spatial, kernel_size, stride, padding, dilation):
    """kernel, stride (default: kernel), padding, dilation as n-tuples, checked as PyTorch does."""
    kernel = _ntuple(kernel_size, spatial, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _ntuple(stride, spatial, "stride")
    padding, dilation = _ntuple(padding, spatial, "padding"), _ntuple(dilation, spatial, "dilation")
    if min(kernel) <= 0:
        raise RuntimeError(f"{op}(): kernel_size must be greater than zero, but got kernel_size={kernel}")
    if min(stride) <= 0:
        raise RuntimeError(f"{op}(): stride must be greater than zero, but got stride={stride}")
    if min(dilation) <= 0:
        raise RuntimeError(f"{op}(): dilation must be greater than zero, but got dilation={dilation}")
    if min(padding) < 0 or any(p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(f"{op}(): pad should be at most half of effective kernel size, but got "
                           f"pad={padding}, kernel_size={kernel}")
    return kernel, stride, padding, dilation


# -- 1-d pooling over a (N, C, 1, L) view ---------------------------------------------------
@tensor_op
def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over windows of the last dim; stride defaults to kernel_size. With return_indices,
    also the position of each max along L. At ties the gradient goes to the first maximum.

    Shapes: (N, C, L) or (C, L) -> (N, C, L_out) with
    L_out = (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1 (rounded up with
    ceil_mode).

    Example:
    >>> F.max_pool1d(tl.tensor([[[1., 3., 2., 5., 4.]]]), 2)
    tensor([[[3., 5.]]])
    >>> F.max_pool1d(tl.tensor([[1., 3., 2., 5., 4.]]), 3, stride=1, return_indices=True)
    (tensor([[3., 5., 5.]]), tensor([[1, 3, 3]]))
    """
    _check_input("max_pool1d", input, 1)  # (C, L) and (N, C, L) both pool over the last dim
    (k,), (s,), (p,), (d,) = _window_args("max_pool1d", 1, kernel_size, stride, padding, dilation)
    x = input.unsqueeze(-2)
    out = max_pool2d(x, (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


@tensor_op
@half_in_float32
def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over windows of the last dim (zero padding counts unless count_include_pad=False).

    Shapes: (N, C, L) or (C, L) -> (N, C, L_out), L_out as for max_pool1d with dilation 1.

    Example:
    >>> F.avg_pool1d(tl.tensor([[[1., 3., 2., 5., 4.]]]), 2)
    tensor([[[2.0000, 3.5000]]])
    >>> F.avg_pool1d(tl.tensor([[1., 3.]]), 2, padding=1, count_include_pad=False)
    tensor([[1., 3.]])
    """
    _check_input("avg_pool1d", input, 1)
    (k,), (s,), (p,), _ = _window_args("avg_pool1d", 1, kernel_size, stride, padding, 1)
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode, count_include_pad).squeeze(-2)


# -- 3-d pooling: the (H, W) planes first, then along D ------------------------------------
def _batched(input: Tensor, unbatched: bool) -> Tensor:
    return input.unsqueeze(0) if unbatched else input


@tensor_op
def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over (kd, kh, kw) windows; stride defaults to kernel_size. With return_indices, also
    the flat index (d * H * W + h * W + w) of each max in its input volume.

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> (N, C, D_out, H_out, W_out) with
    D_out = (D + 2 * padding - dilation * (kd - 1) - 1) // stride + 1 (rounded up with
    ceil_mode; H_out, W_out likewise).

    Example:
    >>> x = tl.arange(16.).reshape(1, 1, 2, 2, 4)
    >>> F.max_pool3d(x, 2)
    tensor([[[[[13., 15.]]]]])
    >>> F.max_pool3d(x, 2, return_indices=True)[1]
    tensor([[[[[13, 15]]]]])
    """
    unbatched = _check_input("max_pool3d", input, 3)
    kernel, stride, padding, dilation = _window_args("max_pool3d", 3, kernel_size, stride, padding, dilation)
    x = _batched(input, unbatched)
    n, c, d, h, w = x.shape
    planes, plane_index = max_pool2d(x.reshape(n, c * d, h, w), kernel[1:], stride[1:], padding[1:],
                                     dilation[1:], ceil_mode, True)
    oh, ow = planes.shape[-2:]
    values, depth_index = max_pool2d(planes.reshape(n, c, d, oh * ow), (kernel[0], 1), (stride[0], 1),
                                     (padding[0], 0), (dilation[0], 1), ceil_mode, True)
    od = values.shape[2]
    values = values.reshape(n, c, od, oh, ow)
    if not return_indices:
        return values.squeeze(0) if unbatched else values
    depth = depth_index // (oh * ow)                                     # (N, C, OD, OH*OW)
    in_plane = gather(plane_index.reshape(n, c, d, oh * ow), 2, depth.clamp(min=0))
    # a window that holds only padding has index -1, as in max_pool2d
    padding_only = (depth_index < 0).logical_or(in_plane < 0)
    indices = where(padding_only, -1, depth * (h * w) + in_plane).reshape(n, c, od, oh, ow)
    return (values.squeeze(0), indices.squeeze(0)) if unbatched else (values, indices)


@tensor_op
@half_in_float32
def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """Mean over (kd, kh, kw) windows (zero padding counts unless count_include_pad=False;
    divisor_override replaces the window size).

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> (N, C, D_out, H_out, W_out), as max_pool3d with
    dilation 1.

    Example:
    >>> F.avg_pool3d(tl.arange(8.).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[3.5000]]]]])
    >>> F.avg_pool3d(tl.ones(1, 2, 2, 2), 2, divisor_override=2)
    tensor([[[[4.]]]])
    """
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool3d(): divisor must be not zero (divisor_override=0); pass None to "
                           "divide by the window size")
    unbatched = _check_input("avg_pool3d", input, 3)
    kernel, stride, padding, _ = _window_args("avg_pool3d", 3, kernel_size, stride, padding, 1)
    x = _batched(input, unbatched)
    n, c, d, h, w = x.shape
    if d < kernel[0] or h < kernel[1] or w < kernel[2]:  # PyTorch's 3-d check ignores the padding
        raise RuntimeError(f"input image (T: {d} H: {h} W: {w}) smaller than kernel size (kT: {kernel[0]} "
                           f"kH: {kernel[1]} kW: {kernel[2]}) (avg_pool3d)")
    divisor = None if divisor_override is None else 1  # 1: window sums, divided at the end
    planes = avg_pool2d(x.reshape(n, c * d, h, w), kernel[1:], stride[1:], padding[1:], ceil_mode,
                        count_include_pad, divisor)
    oh, ow = planes.shape[-2:]
    out = avg_pool2d(planes.reshape(n, c, d, oh * ow), (kernel[0], 1), (stride[0], 1), (padding[0], 0),
                     ceil_mode, count_include_pad, divisor)
    out = out.reshape(n, c, out.shape[2], oh, ow)
    if divisor_override is not None:
        out = out / float(divisor_override)
    return out.squeeze(0) if unbatched else out


# -- adaptive pooling ----------------------------------------------------------------------
def _adaptive_sizes(op, input, output_size, spatial):
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * spatial
    if len(sizes) != spatial:
        raise RuntimeError(f"{op}(): output_size must be {spatial} ints (None keeps a dim), got {output_size!r}")
    sizes = tuple(s if o is None else int(o) for o, s in zip(sizes, input.shape[-spatial:]))
    if min(sizes) < 0:
        raise RuntimeError(f"{op}(): elements of output_size must be greater than or equal to 0 but "
                           f"received {sizes}")
    return sizes


def _windows_along(x: Tensor, axis: int, out: int):
    """x with dim ``axis`` (size L) replaced by (out, width): PyTorch's adaptive windows
    [floor(i * L / out), ceil((i + 1) * L / out)), padded to the widest by repeating each
    window's first element; also each window's start and the (out, width) validity mask."""
    size = x.shape[axis]
    starts = [(i * size) // out for i in range(out)]
    ends = [-(-((i + 1) * size) // out) for i in range(out)]
    width = max([e - s for s, e in zip(starts, ends)], default=1)
    index = [s + j if s + j < e else s for s, e in zip(starts, ends) for j in range(width)]
    valid = [s + j < e for s, e in zip(starts, ends) for j in range(width)]
    taken = index_select(x, axis, tensor(index, dtype=_dt.int64, device=x.device))
    shape = list(x.shape)
    shape[axis:axis + 1] = [out, width]
    return taken.reshape(shape), starts, valid, width


def _along(values: list, ndim_after: int, dtype, device) -> Tensor:
    """One value per output cell, shaped to broadcast against (..., out, *trailing dims)."""
    return tensor(values, dtype=dtype, device=device).reshape((len(values),) + (1,) * ndim_after)


def _adaptive_avg_along(x: Tensor, axis: int, out: int) -> Tensor:
    windows, starts, valid, width = _windows_along(x, axis, out)
    after = x.ndim - axis - 1
    mask = tensor(valid, dtype=_dt.bool_, device=x.device).reshape((out, width) + (1,) * after)
    counts = [sum(valid[i * width:(i + 1) * width]) for i in range(out)]
    total = where(mask, windows, 0.0).sum(axis + 1)
    return total / _along([float(c) for c in counts], after, x.dtype, x.device)


def _adaptive_max_along(x: Tensor, axis: int, out: int):
    """(values, position of each max along ``axis`` of x)."""
    windows, starts, _valid, width = _windows_along(x, axis, out)
    values, local = windows.max(axis + 1)
    after = x.ndim - axis - 1
    return values, local + _along(starts, after, _dt.int64, x.device)


def _adaptive_avg(op, input, output_size, spatial):
    unbatched = _check_input(op, input, spatial)
    sizes = _adaptive_sizes(op, input, output_size, spatial)
    out = _batched(input, unbatched)
    for axis, size in zip(range(2, 2 + spatial), sizes):
        out = _adaptive_avg_along(out, axis, size)
    return out.squeeze(0) if unbatched else out


def _adaptive_max(op, input, output_size, spatial, return_indices):
    """Max along the last spatial dim first, then each earlier one; the flat index in the input
    volume is rebuilt at each step: position * (size of the later dims) + index within them."""
    unbatched = _check_input(op, input, spatial)
    sizes = _adaptive_sizes(op, input, output_size, spatial)
    values = _batched(input, unbatched)
    flat, later = None, 1
    for axis in reversed(range(2, 2 + spatial)):
        length = values.shape[axis]
        before = values
        values, position = _adaptive_max_along(before, axis, sizes[axis - 2])
        flat = position if flat is None else position * later + gather(flat, axis, position)
        later *= length
    if not return_indices:
        return values.squeeze(0) if unbatched else values
    return (values.squeeze(0), flat.squeeze(0)) if unbatched else (values, flat)


@tensor_op
@half_in_float32
def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average over PyTorch's adaptive windows: cell i spans [floor(i*L/o), ceil((i+1)*L/o)).

    Shapes: (N, C, L) or (C, L) -> (N, C, output_size).

    Example:
    >>> F.adaptive_avg_pool1d(tl.tensor([[[1., 2., 3., 4., 5.]]]), 2)
    tensor([[[2., 4.]]])
    """
    return _adaptive_avg("adaptive_avg_pool1d", input, output_size, 1)


@tensor_op
def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max over PyTorch's adaptive windows (as adaptive_avg_pool1d); with return_indices, also
    the position of each max along L.

    Shapes: (N, C, L) or (C, L) -> (N, C, output_size).

    Example:
    >>> F.adaptive_max_pool1d(tl.tensor([[[1., 5., 3., 4., 2.]]]), 2, return_indices=True)
    (tensor([[[5., 4.]]]), tensor([[[1, 3]]]))
    """
    return _adaptive_max("adaptive_max_pool1d", input, output_size, 1, return_indices)


@tensor_op
def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over PyTorch's adaptive windows in H and W; with return_indices, also the flat index
    (h * W + w) of each max in its input plane. An int output_size means square; None keeps a dim.

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, oh, ow).

    Example:
    >>> x = tl.arange(16.).reshape(1, 1, 4, 4)
    >>> F.adaptive_max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> F.adaptive_max_pool2d(x, (1, None), return_indices=True)[1]
    tensor([[[[12, 13, 14, 15]]]])
    """
    return _adaptive_max("adaptive_max_pool2d", input, output_size, 2, return_indices)


@tensor_op
@half_in_float32
def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average over PyTorch's adaptive windows in D, H and W (None keeps a dim).

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> (N, C, od, oh, ow).

    Example:
    >>> F.adaptive_avg_pool3d(tl.arange(8.).reshape(1, 1, 2, 2, 2), 1)
    tensor([[[[[3.5000]]]]])
    """
    return _adaptive_avg("adaptive_avg_pool3d", input, output_size, 3)


@tensor_op
def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max over PyTorch's adaptive windows in D, H and W; with return_indices, also the flat
    index (d * H * W + h * W + w) of each max in its input volume.

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> (N, C, od, oh, ow).

    Example:
    >>> F.adaptive_max_pool3d(tl.arange(8.).reshape(1, 1, 2, 2, 2), 1, return_indices=True)
    (tensor([[[[[7.]]]]]), tensor([[[[[7]]]]]))
    """
    return _adaptive_max("adaptive_max_pool3d", input, output_size, 3, return_indices)


# -- max unpooling -------------------------------------------------------------------------
def _unpool_size(op, input, kernel, stride, padding, output_size):
    """PyTorch's _unpool_output_size: the default size, or output_size checked against it."""
    spatial = len(kernel)
    default = [(input.shape[-spatial + i] - 1) * stride[i] + kernel[i] - 2 * padding[i] for i in range(spatial)]
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == spatial + 2:
        output_size = output_size[2:]
    if len(output_size) != spatial:
        raise ValueError(f"output_size should be a sequence containing {spatial} or {spatial + 2} elements, "
                         f"but it has a length of '{len(output_size)}'")
    for i, size in enumerate(output_size):
        low, high = default[i] - stride[i], default[i] + stride[i]
        if not low < size < high:
            raise ValueError(f'invalid output_size "{output_size}" (dim {i} must be between {low} and {high})')
    return [int(s) for s in output_size]


def _max_unpool(op, input, indices, kernel_size, stride, padding, output_size, spatial):
    if not isinstance(indices, Tensor) or indices.dtype.name != "int64":
        raise RuntimeError(f"{op}(): Expected indices to be an int64 tensor (the indices a max_pool "
                           f"with return_indices=True returned)")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}(): Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}(): Expected {spatial + 1}D or {spatial + 2}D input, but got input of "
                           f"shape {list(input.shape)}")
    kernel = _ntuple(kernel_size, spatial, "kernel_size")
    stride = kernel if stride is None else _ntuple(stride, spatial, "stride")
    size = _unpool_size(op, input, kernel, stride, _ntuple(padding, spatial, "padding"), output_size)
    unbatched = input.ndim == spatial + 1
    x, idx = _batched(input, unbatched), _batched(indices, unbatched)
    n, c = x.shape[:2]
    volume = math.prod(size)
    if volume == 0:  # nothing to write to: PyTorch returns the empty output, whatever the indices
        out = zeros(n, c, *size, dtype=x.dtype, device=x.device) + x.sum() * 0
        return out.squeeze(0) if unbatched else out
    target = zeros(n, c, volume, dtype=x.dtype, device=x.device)
    out = target.scatter(2, idx.reshape(n, c, -1), x.reshape(n, c, -1)).reshape(n, c, *size)
    return out.squeeze(0) if unbatched else out


@tensor_op
def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool1d: each value goes to its index, zeros elsewhere.

    Shapes: input, indices (N, C, L) or (C, L) -> (N, C, L_out) with
    L_out = (L - 1) * stride - 2 * padding + kernel_size (or output_size).

    Example:
    >>> out, idx = F.max_pool1d(tl.tensor([[[1., 3., 2., 5.]]]), 2, return_indices=True)
    >>> F.max_unpool1d(out, idx, 2)
    tensor([[[0., 3., 0., 5.]]])
    """
    return _max_unpool("max_unpool1d", input, indices, kernel_size, stride, padding, output_size, 1)


@tensor_op
def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool2d: each value goes to its flat index in the output
    plane, zeros elsewhere.

    Shapes: input, indices (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out) with
    H_out = (H - 1) * stride - 2 * padding + kernel_size (or output_size; W_out likewise).

    Example:
    >>> out, idx = F.max_pool2d(tl.arange(16.).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> F.max_unpool2d(out, idx, 2)[0, 0, :2]
    tensor([[0., 0., 0., 0.],
            [0., 5., 0., 7.]])
    """
    return _max_unpool("max_unpool2d", input, indices, kernel_size, stride, padding, output_size, 2)


@tensor_op
def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of max_pool3d: each value goes to its flat index in the output
    volume, zeros elsewhere.

    Shapes: input, indices (N, C, D, H, W) or (C, D, H, W) -> (N, C, D_out, H_out, W_out) with
    D_out = (D - 1) * stride - 2 * padding + kernel_size (or output_size; H_out, W_out likewise).

    Example:
    >>> out, idx = F.max_pool3d(tl.arange(8.).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
    >>> F.max_unpool3d(out, idx, 2).flatten()
    tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """
    return _max_unpool("max_unpool3d", input, indices, kernel_size, stride, padding, output_size, 3)
