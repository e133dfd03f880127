"""A user's OpenCL kernel launch (``tensorlite.opencl.Kernel``) as an op: it goes through the
in-place door like any write, so its operands are device-checked and the tensors it writes get
their version counters bumped (a tensor saved for backward, then overwritten by a kernel,
raises at backward instead of giving a wrong gradient)."""
from __future__ import annotations

import re

from ..autograd.function import InplaceFunction
from ..tensor import Tensor

__all__ = ["RunKernel", "written_parameters"]


def written_parameters(source: str, name: str):
    """Indices of the parameters of kernel ``name`` that point at writable global memory (a
    ``__global T*`` without ``const`` before the ``*``), or None when the signature is not found
    (then every tensor argument counts as written).

    >>> written_parameters("__kernel void f(__global T* out, __global const T* x, int n) {}", "f")
    (0,)
    """
    match = re.search(r"\b(?:__)?kernel\s+void\s+" + re.escape(name) + r"\s*\(([^)]*)\)", source)
    if match is None:
        return None
    written = []
    for i, param in enumerate(match.group(1).split(",")):
        if "*" not in param:
            continue
        pointee = param[:param.rindex("*")]
        if re.search(r"\b(?:__)?global\b", pointee) and not re.search(r"\b(?:__)?(?:const|constant)\b", pointee):
            written.append(i)
    return tuple(written)


class RunKernel(InplaceFunction):
    """Enqueue one launch of a user kernel over ``global_size`` work items. args: the kernel's
    arguments in order (tensors pass their buffers); ``writes``: the indices of the arguments
    the kernel writes (None: every tensor)."""

    @staticmethod
    def written(args, kwargs) -> tuple:
        writes = kwargs["writes"]
        return tuple(a for i, a in enumerate(args)
                     if isinstance(a, Tensor) and (writes is None or i in writes))

    @staticmethod
    def forward(ctx, *args, kernel, global_size, local_size, element, writes):
        device = next(a for a in args if isinstance(a, Tensor)).device
        device.backend.run_user_kernel(kernel.source, kernel.name, kernel.defines, global_size,
                                       local_size, [a._array if isinstance(a, Tensor) else a
                                                    for a in args], element)
