"""The OpenCL backend's fused softmax cross-entropy (kernels/fused_nn.cl): forward in one launch
(one work group: log-probabilities, per-row losses and their reduction), backward in one."""
from __future__ import annotations

import numpy as np
import pyopencl as cl

from .dispatch import launch, params, type_defines

_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}  # kernels/fused_nn.cl
_GROUP = 64  # the forward's work group (at most the device's): rows are spread over its items
_RANGE_MESSAGE = "index {value} is out of bounds for axis 1 with size {size}"


class FusedNNMixin:
    """Mixed into OpenCLBackend: ``softmax_cross_entropy`` and its backward (base.Backend
    documents both)."""

    def softmax_cross_entropy(self, x, target, ignore_index, reduction, describe=None):
        """(loss, logp, count) of (N, C) logits and (N,) int64 targets; see base.Backend.

        Example:
        >>> import numpy as np, tensorlite as tl
        >>> backend = tl.device("opencl").backend
        >>> x = backend.upload(np.array([[2., 0.], [0., 0.]], np.float32))
        >>> loss, logp, count = backend.softmax_cross_entropy(x, backend.upload(np.array([0, 1])), -100, "mean")
        >>> round(float(backend.to_host(loss)), 4), float(backend.to_host(count))
        (0.41, 2.0)
        """
        x, target = self._dense(x), self._dense(target)
        rows, classes = x.shape
        loss = self.new((rows,) if reduction == "none" else (), x.dtype)
        logp, count = self.new(x.shape, x.dtype), self.new((), x.dtype)
        code = self.errors.code(_RANGE_MESSAGE, describe)
        p = params(self.runtime, rows, classes, _REDUCTIONS[reduction], ignore_index, code, dtype=np.int64)
        group = 1 << (min(_GROUP, self.runtime.max_work_group).bit_length() - 1)  # a power of two
        scratch = group * x.dtype.itemsize
        launch(self.runtime, "fused_nn.cl", "softmax_cross_entropy", type_defines(x.dtype), group,
               (loss.buffer, logp.buffer, count.buffer, x.buffer, target.buffer, p, self.errors.buffer,
                cl.LocalMemory(scratch), cl.LocalMemory(scratch)), group)
        self.errors.launched()
        return loss, logp, count

    def softmax_cross_entropy_backward(self, grad, logp, target, count, ignore_index, reduction):
        """grad_x (N, C) from the forward's logp and count; see base.Backend."""
        logp, target, count = self._dense(logp), self._dense(target), self._dense(count)
        rows, classes = logp.shape
        grad = self._dense(grad, (rows,) if reduction == "none" else ())
        out = self.new(logp.shape, logp.dtype)
        p = params(self.runtime, rows, classes, _REDUCTIONS[reduction], ignore_index, 0, dtype=np.int64)
        self._launch("fused_nn.cl", "softmax_cross_entropy_backward", type_defines(logp.dtype), logp.size,
                     (out.buffer, grad.buffer, logp.buffer, target.buffer, count.buffer, p))
        return out
