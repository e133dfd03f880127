"""Padding modules: Zero/Constant/Reflection/Replication/CircularPad1d/2d/3d, F.pad as layers."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


def _widths(padding, dims: int) -> tuple:
    """An int pads every side; a sequence is (left, right, top, bottom, front, back), as F.pad."""
    return tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * (2 * dims)


class _PadNd(Module):
    _dims = 1
    _mode = "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _widths(padding, self._dims)

    def forward(self, input):
        if self._mode == "circular" and input.ndim not in (self._dims + 1, self._dims + 2):
            raise ValueError(f"expected {self._dims + 1}D or {self._dims + 2}D input (got {input.ndim}D input)")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    _mode = "constant"

    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


def _pad_class(name: str, base, dims: int, mode: str, summary: str, example: str, output: str):
    doc = f"""{summary}

    Shapes: (*, {', '.join('DHW'[3 - dims:])}) -> each padded dim grows by its two widths; padding is
    an int (every side) or a {2 * dims}-tuple ordered last dim first, as F.pad.

    Example:
    >>> nn.{example}
    {output}
    """
    return type(name, (base,), {"_dims": dims, "_mode": mode, "__doc__": doc, "__module__": __name__})


ReflectionPad1d = _pad_class("ReflectionPad1d", _PadNd, 1, "reflect", "Pad the last dim by reflection.",
                             "ReflectionPad1d(2)(tl.tensor([[0., 1., 2.]]))", "tensor([[2., 1., 0., 1., 2., 1., 0.]])")
ReflectionPad2d = _pad_class("ReflectionPad2d", _PadNd, 2, "reflect", "Pad the last 2 dims by reflection.",
                             "ReflectionPad2d((1, 0, 0, 0))(tl.tensor([[[0., 1.]]]))", "tensor([[[1., 0., 1.]]])")
ReflectionPad3d = _pad_class("ReflectionPad3d", _PadNd, 3, "reflect", "Pad the last 3 dims by reflection.",
                             "ReflectionPad3d(1)(tl.zeros(1, 2, 2, 2)).shape", "tensorlite.Size([1, 4, 4, 4])")
ReplicationPad1d = _pad_class("ReplicationPad1d", _PadNd, 1, "replicate", "Pad the last dim with its edge values.",
                              "ReplicationPad1d((1, 2))(tl.tensor([[0., 1.]]))", "tensor([[0., 0., 1., 1., 1.]])")
ReplicationPad2d = _pad_class("ReplicationPad2d", _PadNd, 2, "replicate",
                              "Pad the last 2 dims with their edge values.",
                              "ReplicationPad2d(1)(tl.zeros(1, 2, 3)).shape", "tensorlite.Size([1, 4, 5])")
ReplicationPad3d = _pad_class("ReplicationPad3d", _PadNd, 3, "replicate",
                              "Pad the last 3 dims with their edge values.",
                              "ReplicationPad3d(1)(tl.zeros(1, 1, 2, 3)).shape", "tensorlite.Size([1, 3, 4, 5])")
CircularPad1d = _pad_class("CircularPad1d", _PadNd, 1, "circular", "Pad the last dim by wrapping around.",
                           "CircularPad1d(1)(tl.tensor([[0., 1., 2.]]))", "tensor([[2., 0., 1., 2., 0.]])")
CircularPad2d = _pad_class("CircularPad2d", _PadNd, 2, "circular", "Pad the last 2 dims by wrapping around.",
                           "CircularPad2d(1)(tl.zeros(1, 2, 3)).shape", "tensorlite.Size([1, 4, 5])")
CircularPad3d = _pad_class("CircularPad3d", _PadNd, 3, "circular", "Pad the last 3 dims by wrapping around.",
                           "CircularPad3d(1)(tl.zeros(1, 1, 2, 3)).shape", "tensorlite.Size([1, 3, 4, 5])")
ConstantPad1d = _pad_class("ConstantPad1d", _ConstantPadNd, 1, "constant", "Pad the last dim with ``value``.",
                           "ConstantPad1d(1, 3.5)(tl.tensor([[0.]]))", "tensor([[3.5000, 0.0000, 3.5000]])")
ConstantPad2d = _pad_class("ConstantPad2d", _ConstantPadNd, 2, "constant", "Pad the last 2 dims with ``value``.",
                           "ConstantPad2d((1, 0, 0, 1), 1.)(tl.zeros(1, 1, 1))",
                           "tensor([[[1., 0.],\n              [1., 1.]]])")
ConstantPad3d = _pad_class("ConstantPad3d", _ConstantPadNd, 3, "constant", "Pad the last 3 dims with ``value``.",
                           "ConstantPad3d(1, 0.)(tl.zeros(1, 1, 1, 1)).shape", "tensorlite.Size([1, 3, 3, 3])")


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


ZeroPad1d = _pad_class("ZeroPad1d", _ZeroPadNd, 1, "constant", "Pad the last dim with zeros.",
                       "ZeroPad1d((0, 2))(tl.tensor([[1.]]))", "tensor([[1., 0., 0.]])")
ZeroPad2d = _pad_class("ZeroPad2d", _ZeroPadNd, 2, "constant", "Pad the last 2 dims with zeros.",
                       "ZeroPad2d(1)(tl.zeros(3, 8, 8)).shape", "tensorlite.Size([3, 10, 10])")
ZeroPad3d = _pad_class("ZeroPad3d", _ZeroPadNd, 3, "constant", "Pad the last 3 dims with zeros.",
                       "ZeroPad3d(1)(tl.zeros(1, 1, 1, 1)).shape", "tensorlite.Size([1, 3, 3, 3])")
