"""Convolution primitives of the OpenCL backend: unfold (im2col), fold (col2im), max pooling
and its gradient."""
from __future__ import annotations

import numpy as np

from .dispatch import params, type_defines



def _grid(h, w, kernel, stride, pads, dilation):
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    top, bottom, left, right = pads
    oh = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (w + left + right - dw * (kw - 1) - 1) // sw + 1
    return max(oh, 0), max(ow, 0)


def _geometry(n, c, h, w, kernel, stride, pads, dilation, oh, ow, x=None, columns=False) -> bytes:
    """kernels/conv.cl's struct Geometry (all ints, in its field order) for a parameter buffer."""
    strides = x.strides if x is not None else (0, 0, 0, 0)
    values = [n, c, h, w, *kernel, *stride, pads[0], pads[2], *dilation, oh, ow, *strides,
              x.offset if x is not None else 0, int(columns)]
    return np.array(values, dtype=np.int32).tobytes()


class ConvolutionMixin:
    """Mixed into OpenCLBackend."""

    def unfold(self, x, kernel, stride, pads, dilation, pad_value=0.0, layout="batch"):
        n, c, h, w = x.shape
        oh, ow = _grid(h, w, kernel, stride, pads, dilation)
        rows = c * kernel[0] * kernel[1]
        shape = (rows, n * oh * ow) if layout == "columns" else (n, rows, oh * ow)
        out = self.new(shape, x.dtype)
        geometry = _geometry(n, c, h, w, kernel, stride, pads, dilation, oh, ow, x, layout == "columns")
        # one work item per window tap: its (OH, OW) block of columns
        self._launch("conv.cl", "unfold", type_defines(x.dtype), rows * n,
                     (self.runtime.params(geometry), out.buffer, x.buffer, self._consts(x.dtype, pad_value)))
        return out

    def fold(self, cols, output_size, kernel, stride, pads, dilation, layout="batch"):
        if not cols.is_contiguous() or cols.offset:
            cols = self.copy(cols)
        h, w = output_size
        oh, ow = _grid(h, w, kernel, stride, pads, dilation)
        windows = kernel[0] * kernel[1]
        if layout == "columns":
            c, n = cols.shape[0] // windows, cols.shape[1] // max(oh * ow, 1)
        else:
            n, c = cols.shape[0], cols.shape[1] // windows
        out = self.new((n, c, h, w), cols.dtype)
        geometry = _geometry(n, c, h, w, kernel, stride, pads, dilation, oh, ow, None, layout == "columns")
        self._launch("conv.cl", "fold", type_defines(cols.dtype), n * c,  # a work item per plane
                     (self.runtime.params(geometry), out.buffer, cols.buffer))
        return out

    def max_pool2d(self, x, kernel, stride, pads, dilation):
        if x.dtype.kind != "f":
            raise TypeError(f"max_pool2d on OpenCL needs a floating-point input, got {x.dtype}")
        n, c, h, w = x.shape
        oh, ow = _grid(h, w, kernel, stride, pads, dilation)
        values = self.new((n, c, oh, ow), x.dtype)
        indices = self.new((n, c, oh, ow), np.int64)
        geometry = _geometry(n, c, h, w, kernel, stride, pads, dilation, oh, ow, x)
        self._launch("conv.cl", "max_pool2d", type_defines(x.dtype), n * c * oh,  # a work item per row
                     (self.runtime.params(geometry), values.buffer, indices.buffer, x.buffer))
        return values, indices

    def max_pool2d_backward(self, grad, indices, size, accumulate):
        """Max pooling's gradient in one pass: zeros (N, C, H, W) (``size`` = (H, W)) with each
        window's gradient (grad (N, C, OH, OW)) put at its argmax ``indices`` (max_pool2d's,
        flat in each plane; -1 puts nothing), added where windows overlap (``accumulate``)."""
        grad, indices = (x if x.is_contiguous() and not x.offset else self.copy(x) for x in (grad, indices))
        n, c, oh, ow = grad.shape
        h, w = size
        out = self.new((n, c, h, w), grad.dtype)
        self._launch("conv.cl", "max_pool2d_backward", type_defines(grad.dtype), n * c,  # a work item per plane
                     (params(self.runtime, n * c, h * w, oh * ow, int(accumulate), dtype=np.int32),
                      out.buffer, grad.buffer, indices.buffer))
        return out
