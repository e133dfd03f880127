"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle, PixelUnshuffle."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class Upsample(Module):
    """F.interpolate as a layer: resize (N, C, *spatial) to ``size`` or by ``scale_factor``.

    Shapes: (N, C, L), (N, C, H, W) or (N, C, D, H, W) -> (N, C, *size) (or floor(size * scale_factor)).

    Example:
    >>> nn.Upsample(scale_factor=2)(tl.tensor([[[1., 2.]]]))
    tensor([[[1., 1., 2., 2.]]])
    >>> nn.Upsample(size=(4, 6), mode="bilinear")(tl.zeros(1, 3, 2, 3)).shape
    tensorlite.Size([1, 3, 4, 6])
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W).

    Shapes: (N, C, H, W) -> (N, C, *size) (or floor(H * scale_factor), floor(W * scale_factor)).

    Example:
    >>> nn.UpsamplingNearest2d(scale_factor=2)(tl.tensor([[[[1., 2.]]]]))
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.]]]])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) with align_corners=True.

    Shapes: (N, C, H, W) -> (N, C, *size) (or floor(H * scale_factor), floor(W * scale_factor)).

    Example:
    >>> nn.UpsamplingBilinear2d(size=(1, 3))(tl.tensor([[[[0., 2.]]]]))
    tensor([[[[0., 1., 2.]]]])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r), r = upscale_factor.

    Shapes: (*, C * r^2, H, W) -> (*, C, H * r, W * r).

    Example:
    >>> nn.PixelShuffle(3)(tl.zeros(1, 9, 4, 4)).shape
    tensorlite.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W), r = downscale_factor (PixelShuffle's inverse).

    Shapes: (*, C, H, W) -> (*, C * r^2, H / r, W / r).

    Example:
    >>> nn.PixelUnshuffle(3)(tl.zeros(1, 1, 12, 12)).shape
    tensorlite.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
