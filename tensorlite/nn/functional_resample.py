"""Resampling: interpolate (nearest, nearest-exact, linear, bilinear, trilinear, bicubic, area)
and pixel_shuffle / pixel_unshuffle.

interpolate is separable: each spatial dim is resampled in turn as a weighted sum of one to
four gathered slices (``index_select``), with indices and weights computed from the sizes alone
exactly as PyTorch's CPU kernels do (in float32 arithmetic for float32/float16 inputs, float64
for float64), so the gradients of every order are those of index_select, mul and add.
"""
from __future__ import annotations

import math
import struct

from .. import dtypes as _dt
from ..ops.conv import adaptive_avg_pool2d
from ..ops.creation import tensor
from ..ops._util import half_in_float32, tensor_op
from ..ops.indexing import index_select
from ..tensor import Tensor
from .functional_pooling import adaptive_avg_pool1d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle"]

_MODES = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3), "linear": (1,),
          "bilinear": (2,), "trilinear": (3,), "bicubic": (2,)}
_NEEDS = {"linear": "3D", "bilinear": "4D", "trilinear": "5D", "bicubic": "4D"}
_CUBIC_A = -0.75


def _float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def _identity(value: float) -> float:
    return value


def _spatial_list(name, value, dims, input):
    if isinstance(value, (tuple, list)):
        if len(value) != dims:
            raise ValueError(f"Input and {name} must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {list(input.shape[2:])} and {name} of "
                             f"{'shape ' if name == 'scale_factor' else ''}{list(value)}. Please provide "
                             f"input tensor in (N, C, d1, d2, ...,dK) format and {name} in (o1, o2, ...,oK) "
                             f"format.")
        return list(value)
    return [value] * dims


def _check_mode(input, mode, align_corners, antialias):
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate(): mode {mode!r} is not available; use one of "
                                  f"{', '.join(_MODES)}")
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | "
                                  f"trilinear | area | nearest-exact (got {mode})")
    if input.ndim - 2 not in _MODES[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_NEEDS[mode]} input")
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not available in tensorlite")
    if mode not in ("nearest", "nearest-exact") and not input.is_floating_point():
        raise RuntimeError(f'interpolate(): mode {mode!r} is not implemented for '
                           f'\'{input.dtype.scalar_name}\'; convert the input with .float() first')


def _sizes_and_scales(input, size, scale_factor, recompute_scale_factor):
    """(output sizes, scale factors passed on to the kernels or None), as F.interpolate."""
    dims = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if size is not None:
        sizes, scales = [int(s) for s in _spatial_list("output size", size, dims, input)], None
    else:
        scales = [float(s) for s in _spatial_list("scale_factor", scale_factor, dims, input)]
        sizes = [int(math.floor(n * s)) for n, s in zip(input.shape[2:], scales)]
        if recompute_scale_factor:
            scales = None
    return sizes, scales


def _scale(in_size, out_size, scale, align_corners, rnd):
    """PyTorch's area_pixel_compute_scale: input steps per output step."""
    if align_corners:
        return rnd((in_size - 1) / (out_size - 1)) if out_size > 1 else 0.0
    if scale is not None and scale > 0:
        return rnd(1.0 / scale)
    return rnd(rnd(float(in_size)) / out_size)


def _nearest_taps(in_size, out_size, scale, exact, shortcuts):
    # PyTorch's 2-d nearest kernel (only it) special-cases equal and doubled sizes, whatever the scale
    if shortcuts and out_size == in_size:
        return [(list(range(out_size)), None)]
    if shortcuts and out_size == 2 * in_size:
        return [([i // 2 for i in range(out_size)], None)]
    ratio = _float32(1.0 / scale) if scale is not None and scale > 0 else _float32(_float32(in_size) / out_size)
    offset = 0.5 if exact else 0.0
    index = [min(int(math.floor(_float32((i + offset) * ratio))), in_size - 1) for i in range(out_size)]
    return [(index, None)]


def _source(ratio, i, align_corners, cubic, rnd):
    if align_corners:
        return rnd(ratio * i)
    src = rnd(rnd(ratio * rnd(i + 0.5)) - 0.5)
    return 0.0 if (not cubic and src < 0) else src


def _guard(src, in_size, rnd):
    index = min(int(math.floor(src)), in_size - 1)
    return index, min(max(rnd(src - index), 0.0), 1.0)


def _linear_taps(in_size, out_size, scale, align_corners, rnd):
    if out_size == in_size:
        return [(list(range(out_size)), None)]
    ratio = _scale(in_size, out_size, scale, align_corners, rnd)
    first, second, w_first, w_second = [], [], [], []
    for i in range(out_size):
        index, lam = _guard(_source(ratio, i, align_corners, False, rnd), in_size, rnd)
        first.append(index)
        second.append(index + (1 if index < in_size - 1 else 0))
        w_first.append(rnd(1.0 - lam))
        w_second.append(lam)
    return [(first, w_first), (second, w_second)]


def _cubic_weights(t, rnd):
    def near(x):  # |x| <= 1
        return rnd(rnd(rnd(rnd(_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x) * x + 1)

    def far(x):  # 1 < |x| < 2
        return rnd(rnd(rnd(rnd(_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x) - 4 * _CUBIC_A)

    return [far(rnd(t + 1.0)), near(t), near(rnd(1.0 - t)), far(rnd(rnd(1.0 - t) + 1.0))]


def _cubic_taps(in_size, out_size, scale, align_corners, rnd):
    ratio = _scale(in_size, out_size, scale, align_corners, rnd)
    taps = [([], []) for _ in range(4)]
    for i in range(out_size):
        index, t = _guard(_source(ratio, i, align_corners, True, rnd), in_size, rnd)
        for j, weight in enumerate(_cubic_weights(t, rnd)):
            taps[j][0].append(max(min(index - 1 + j, in_size - 1), 0))
            taps[j][1].append(weight)
    return taps


def _resample_along(x: Tensor, axis: int, taps) -> Tensor:
    """sum over taps of x gathered along ``axis`` at the tap's indices times its weights."""
    out = None
    trailing = (1,) * (x.ndim - axis - 1)
    for index, weights in taps:
        picked = index_select(x, axis, tensor(index, dtype=_dt.int64, device=x.device))
        if weights is not None:
            picked = picked * tensor(weights, dtype=x.dtype, device=x.device).reshape((len(weights),) + trailing)
        out = picked if out is None else out + picked
    return out


@tensor_op
@half_in_float32
def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, *spatial) to ``size`` or by ``scale_factor``.

    mode: 'nearest' (1-3 spatial dims), 'nearest-exact', 'area' (adaptive average pooling),
    'linear' (3-D input), 'bilinear' (4-D), 'trilinear' (5-D), 'bicubic' (4-D). align_corners
    (linear modes only) maps the corner pixels' centres onto each other. With scale_factor the
    output size is floor(size * scale_factor) and the kernels use 1 / scale_factor as the step
    unless recompute_scale_factor=True.

    Shapes: (N, C, L), (N, C, H, W) or (N, C, D, H, W) -> (N, C, *size).

    Example:
    >>> x = tl.tensor([[[1., 2., 4.]]])
    >>> F.interpolate(x, scale_factor=2)
    tensor([[[1., 1., 2., 2., 4., 4.]]])
    >>> F.interpolate(x, size=5, mode="linear", align_corners=True)
    tensor([[[1.0000, 1.5000, 2.0000, 3.0000, 4.0000]]])
    >>> F.interpolate(tl.zeros(2, 3, 4, 5), size=(8, 10), mode="bilinear").shape
    tensorlite.Size([2, 3, 8, 10])
    """
    _check_mode(input, mode, align_corners, antialias)
    if mode == "area" and size is None:
        recompute_scale_factor = True
    sizes, scales = _sizes_and_scales(input, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        pool = {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}[input.ndim - 2]
        return pool(input, sizes if len(sizes) > 1 else sizes[0])
    if min(sizes) <= 0 or min(input.shape[2:]) <= 0:
        raise RuntimeError("Input and output sizes should be greater than 0, but got input (" +
                           ", ".join(f"D: {s}" for s in input.shape[2:]) + ") output (" +
                           ", ".join(f"D: {s}" for s in sizes) + ")")
    rnd = _identity if input.dtype is _dt.float64 else _float32
    out = input
    for axis in range(input.ndim - 1, 1, -1):
        scale = None if scales is None else scales[axis - 2]
        taps = _taps(mode, input.shape[axis], sizes[axis - 2], scale, bool(align_corners), rnd, input.ndim)
        out = _resample_along(out, axis, taps)
    return out


def _taps(mode, in_size, out_size, scale, align_corners, rnd, ndim):
    """[(indices, weights or None)] of one spatial dim for ``mode``."""
    if mode in ("nearest", "nearest-exact"):
        return _nearest_taps(in_size, out_size, scale, mode == "nearest-exact", mode == "nearest" and ndim == 4)
    if mode == "bicubic":
        return _cubic_taps(in_size, out_size, scale, align_corners, rnd)
    return _linear_taps(in_size, out_size, scale, align_corners, rnd)


@tensor_op
def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """The deprecated name of interpolate (same arguments).

    Shapes: as interpolate.

    Example:
    >>> F.upsample(tl.tensor([[[1., 2.]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


@tensor_op
def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """interpolate(input, size, scale_factor, mode='nearest') (deprecated name).

    Shapes: as interpolate.

    Example:
    >>> F.upsample_nearest(tl.tensor([[[1., 2.]]]), size=3)
    tensor([[[1., 1., 2.]]])
    """
    return interpolate(input, size, scale_factor, mode="nearest")


@tensor_op
def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """interpolate(input, size, scale_factor, mode='bilinear', align_corners=True) (deprecated name).

    Shapes: (N, C, H, W) -> (N, C, *size).

    Example:
    >>> F.upsample_bilinear(tl.tensor([[[[0., 2.]]]]), size=(1, 3))
    tensor([[[[0., 1., 2.]]]])
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _check_factor(op: str, name: str, factor) -> int:
    if int(factor) != factor or factor <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor}")
    return int(factor)


@tensor_op
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C * r^2, H, W) into (*, C, H * r, W * r): channel c * r^2 + i * r + j goes to
    pixel (h * r + i, w * r + j) of channel c.

    Shapes: (*, C * r^2, H, W) -> (*, C, H * r, W * r).

    Example:
    >>> F.pixel_shuffle(tl.arange(4.).reshape(1, 4, 1, 1), 2)
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """
    r = _check_factor("pixel_shuffle", "upscale_factor", upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *batch, channels, h, w = input.shape
    if channels % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                           f"square of upscale_factor, but input.size(-3)={channels} is not divisible by {r * r}")
    lead = len(batch)
    x = input.reshape(*batch, channels // (r * r), r, r, h, w)
    x = x.permute(*range(lead), lead, lead + 3, lead + 1, lead + 4, lead + 2)
    return x.reshape(*batch, channels // (r * r), h * r, w * r)


@tensor_op
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of pixel_shuffle: (*, C, H * r, W * r) -> (*, C * r^2, H, W).

    Shapes: (*, C, H, W) with H, W divisible by r -> (*, C * r^2, H / r, W / r).

    Example:
    >>> F.pixel_unshuffle(tl.arange(4.).reshape(1, 1, 2, 2), 2).flatten()
    tensor([0., 1., 2., 3.])
    """
    r = _check_factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *batch, channels, h, w = input.shape
    for name, size in (("height", h), ("width", w)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({-2 if name == 'height' else -1})={size} is not divisible by {r}")
    lead = len(batch)
    x = input.reshape(*batch, channels, h // r, r, w // r, r)
    x = x.permute(*range(lead), lead, lead + 2, lead + 4, lead + 1, lead + 3)
    return x.reshape(*batch, channels * r * r, h // r, w // r)
