"""Your own OpenCL kernels on tensorlite tensors, e.g. inside a custom autograd.Function.

The source is OpenCL C; it is compiled once per device and element type with ``-D T=<type>``
(float, double, int, ...: the dtype of the first tensor argument, or ``dtype=``), so one
source serves float32 and float64. Tensors are passed as ``__global T*`` pointers (they must
be contiguous: pass ``t.contiguous()`` for views), Python ints as ``int``, Python floats as
``T``; NumPy scalars keep their own type.

Example (examples/custom_opencl_kernel.py builds a differentiable op this way)::

    >>> import tensorlite as tl
    >>> scale = tl.opencl.Kernel('''
    ... __kernel void scale(__global T* out, __global const T* x, T factor, int n) {
    ...     int i = get_global_id(0);
    ...     if (i < n) out[i] = factor * x[i];
    ... }''', "scale")
    >>> x = tl.arange(4.0, device="opencl")
    >>> out = tl.empty_like(x)
    >>> scale(x.numel(), out, x, 2.0, x.numel())
    >>> out.tolist()
    [0.0, 2.0, 4.0, 6.0]
"""
from __future__ import annotations

from .ops.user_kernel import RunKernel, written_parameters
from .tensor import Tensor

__all__ = ["Kernel"]


class Kernel:
    """A named kernel of an OpenCL source, launched with ``kernel(global_size, *args)``.

    ``defines`` adds ``-D name=value`` build options (value None for a bare flag). The tensors
    passed for ``__global T*`` parameters without ``const`` count as written: their version
    counters move at each launch, as for any in-place op.
    """

    def __init__(self, source: str, name: str, defines: dict | None = None):
        self.source = source
        self.name = name
        self.defines = tuple(sorted((defines or {}).items()))
        self.writes = written_parameters(source, name)

    def __call__(self, global_size, *args, local_size=None, dtype=None) -> None:
        """Enqueue one launch over ``global_size`` work items (an int or a tuple of up to 3).

        Runs asynchronously on the tensors' device queue, in order with tensorlite's own work.
        """
        tensors = [a for a in args if isinstance(a, Tensor)]
        if not tensors:
            raise ValueError(f"kernel {self.name}: pass at least one tensor (the device is taken from it)")
        device = tensors[0].device
        for t in tensors:
            if t.device != device:
                raise RuntimeError(f"kernel {self.name}: tensors on {device} and {t.device}; "
                                   "move them to one OpenCL device")
        if device.type != "opencl":
            raise RuntimeError(f"kernel {self.name}: tensors are on {device}; OpenCL kernels need "
                               "tensors on an OpenCL device (tensor.to('opencl'))")
        global_size = (global_size,) if isinstance(global_size, int) else tuple(global_size)
        local_size = (local_size,) if isinstance(local_size, int) else local_size
        element = (dtype or tensors[0].dtype).numpy
        RunKernel.apply(*args, kernel=self, global_size=global_size, local_size=local_size,
                        element=element, writes=self.writes)
