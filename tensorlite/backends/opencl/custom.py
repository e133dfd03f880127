"""Launching a user's own OpenCL kernel on device arrays (the public wrapper that takes
Tensors is tensorlite.opencl.Kernel)."""
from __future__ import annotations

import numpy as np
import pyopencl as cl

from .array import CLArray
from .dispatch import cl_type

__all__ = ["launch_user_kernel"]


def launch_user_kernel(backend, source: str, name: str, defines: tuple, global_size: tuple,
                       local_size, args: list, element_dtype) -> None:
    """Enqueue kernel ``name`` of ``source``, built once per device and defines, with
    ``-D T=<OpenCL type of element_dtype>`` added. ``args`` are CLArray (passed as their
    buffer; contiguous from offset 0), Python ints (int), Python floats (T), NumPy scalars
    (their own type) or ``cl.LocalMemory``."""
    runtime = backend.runtime
    element_dtype = backend.check_dtype(element_dtype)
    defines = (("T", cl_type(element_dtype)),) + tuple(defines)
    if element_dtype == np.float64:
        source = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n" + source
    values = []
    for position, arg in enumerate(args):
        if isinstance(arg, CLArray):
            if arg.storage.runtime is not runtime:
                raise RuntimeError(f"kernel {name}: argument {position} is on {arg.storage.runtime.name}, "
                                   f"the launch on {runtime.name}")
            if not arg.is_contiguous() or arg.offset:
                raise ValueError(f"kernel {name}: argument {position} is not contiguous from its "
                                 "first element (a view); pass tensor.contiguous()")
            values.append(arg.buffer)
        elif isinstance(arg, (np.generic, cl.LocalMemory)):
            values.append(arg)
        elif isinstance(arg, bool) or not isinstance(arg, (int, float)):
            raise TypeError(f"kernel {name}: argument {position} has type {type(arg).__name__}; "
                            "pass tensors, ints, floats, NumPy scalars or cl.LocalMemory")
        elif isinstance(arg, int):
            values.append(np.int32(arg))
        elif isinstance(arg, float):
            values.append(element_dtype.type(arg))
    runtime.launch(runtime.user_kernel(source, name, defines), global_size, local_size, values)
