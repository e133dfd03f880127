"""The OpenCL backend: backends/base.py's primitive set on one OpenCL device.

Every primitive enqueues kernels from kernels/*.cl on the device's in-order queue and returns
without waiting; data reaches the host only in to_host (and in the few primitives whose result
shape depends on values: nonzero; and all_finite, for anomaly mode). Value checks (index
ranges, assert_all, assert_in_range) write the queue's error flag (errors.py), read at the
next sync (to_host, synchronize).
"""
from __future__ import annotations

import math

import numpy as np
import pyopencl as cl

from ...dtypes import FLOAT_KINDS
from .. import _stl
from ..base import UNSTABLE_EXACT_UP_TO, Backend, broadcast_error
from ..numpy_backend import _quietly
from .array import CLArray, Layout, Storage, broadcast_strides, contiguous_rows, contiguous_strides
from .dispatch import CL_TYPES, WORK_GROUP, launch, params, result_dtype, same_dtype, scalar, type_defines
from .conv import ConvolutionMixin
from .custom import launch_user_kernel
from .fused import FusedMixin
from .fused_nn import FusedNNMixin
from .errors import ErrorFlag
from .indexing import IndexingMixin
from .replay import LaunchReplay
from .runtime import op_codes

_UNARY = op_codes("UNARY")
_BINARY = op_codes("BINARY")
_REDUCE = op_codes("REDUCE")
_RANDOM = op_codes("RANDOM")
_GEMM_ROWS = 12  # kernels/matmul.cl: each work item computes a 12 x gemm_width(dtype) block of C
_GEMM_NT_BLOCK = (4, 3)  # kernels/matmul.cl gemm_nt: a 4 x 3 block of C per work item, 12 vector sums
# gemm_nt (no packing, less reuse per load) up to this many multiply-adds: on PoCL it took half
# the time of packing + gemm at 50x784x100 and 256x784x1024, as long at 256x1024x1024, 1.25x at 1024^3
_GEMM_NT_MAX = 1 << 28
_GEMM_VECTOR_BITS = 256  # widest vector gemm uses: what every x86-64 with AVX2 holds in one register
_ADAM_GROUP = 8  # parameters per launch of kernels/optim.cl's adam_group
_ADAM_CHUNK_CPU = 1024  # elements per adam_group work item on a CPU device (one per group there)
_INT32_MAX = 2 ** 31 - 1
_GEMM_LOCAL = 8  # work items per dimension of a matmul work group (4 was 2x slower on PoCL)
_RANK_SORT_UP_TO = 32  # longer lines sort by merge passes (O(n log^2 n) work, not O(n^2))
_SERIAL_REDUCE_BELOW = 128  # reduced extent under which one work item per output is faster


def gemm_width(dtype, vector_bits: int = _GEMM_VECTOR_BITS) -> int:
    """The vector width VW of kernels/matmul.cl for ``dtype``: 8, capped so that one vector
    is at most 256 bits (4 for double and long). An 8-wide double vector (512 bits) crashed
    PoCL 3.0 on AMD EPYC (no AVX-512) the first time gemm ran; 12 x 8 stays float's
    measured-best block there. ``vector_bits`` 512 (CPU devices with 16-float native vectors:
    ``_vector_bits_of``): 16 floats, 8 doubles.

    >>> gemm_width(np.float32), gemm_width(np.float64), gemm_width(np.float32, 512)
    (8, 4, 16)
    """
    return min(vector_bits // 32, vector_bits // (8 * np.dtype(dtype).itemsize))


def _vector_bits_of(runtime) -> int:
    """The vector size kernels/matmul.cl and optim.cl use on ``runtime``'s device: 512 bits on
    a CPU whose native float vectors are 16 wide (AVX-512: PoCL's W2 matmuls took 0.8x the
    time of 256-bit ones), else 256 (GPUs read vectors per work item; AVX2 CPUs)."""
    wide = runtime.is_cpu and runtime.device.native_vector_width_float >= 16
    return 512 if wide else _GEMM_VECTOR_BITS


def _adam_defines(dtype, is_cpu: bool, vector_bits: int = _GEMM_VECTOR_BITS) -> tuple:
    """The -D defines of optim.cl's program for ``dtype``: adam_group's vector width VW and
    CHUNK, the elements of one work item (CPU devices: a long run of vectors per work item
    and group, few groups; GPUs: one vector per work item)."""
    width = gemm_width(dtype, vector_bits)
    return type_defines(dtype) + (("VW", width), ("CHUNK", _ADAM_CHUNK_CPU if is_cpu else width))


def _gemm_defines(dtype, guard: bool = False, vector_bits: int = _GEMM_VECTOR_BITS) -> tuple:
    """The -D defines of matmul.cl's program for ``dtype`` (gemm and pack_panels share it);
    ``guard``: gemm stores into an exact (M, N) output with bounds checks on the edge."""
    defines = type_defines(dtype) + (("TM", _GEMM_ROWS), ("VW", gemm_width(dtype, vector_bits)),
                                     ("NR", _GEMM_NT_BLOCK[0]), ("NS", _GEMM_NT_BLOCK[1]))
    return defines + (("GUARD", None),) if guard else defines


def view_strides(old_shape, old_strides, new_shape):
    """Strides that show the same elements with ``new_shape``, or None when only a copy can
    (PyTorch's computeStride)."""
    if math.prod(old_shape) == 0 or not old_shape:
        return list(contiguous_strides(new_shape))
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1
                             and old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel = view_numel = 1
    return new_strides if view_d == -1 else None


def _resolve_shape(shape, numel) -> tuple:
    shape = tuple(int(s) for s in shape)
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        shape = tuple(numel // known if s == -1 and known else (0 if s == -1 else s) for s in shape)
    return shape


def _extent(x: CLArray):
    lo = hi = x.offset
    for size, stride in zip(x.shape, x.strides):
        if size == 0:
            return None
        lo += min(0, (size - 1) * stride)
        hi += max(0, (size - 1) * stride)
    return lo, hi


class OpenCLBackend(IndexingMixin, ConvolutionMixin, FusedMixin, FusedNNMixin, Backend):
    """Arrays are CLArray (buffer + shape + element strides + offset); views share buffers."""

    name = "opencl"
    array_types = (CLArray,)  # what a capture of a step names as buffers (ops/capture.py)

    def __init__(self, runtime, prebuild: bool = False):
        self.runtime = runtime
        self._prebuild = prebuild  # started by the first allocation, not by merely asking for the device
        self.is_gpu = not runtime.is_cpu
        self.vector_bits = _vector_bits_of(runtime)  # of the matmul and Adam kernels
        self._consts_cache = {}
        self._acc = np.float64 if runtime.has_fp64 else np.float32
        self.errors = ErrorFlag(runtime)  # range checks report here; read at the next sync

    def common_programs(self) -> list:
        """(file, defines) of the programs nearly every float32 training step uses, roughly in
        the order a step meets them (fused_nn: cross_entropy; int64 ones: class-target checks; the
        guarded gemm: an output layer whose width is not a multiple of the vector width):
        the device's background prebuild list."""
        f32, u8, i64 = np.dtype(np.float32), np.dtype(np.bool_), np.dtype(np.int64)
        bits = self.vector_bits
        return [("elementwise.cl", type_defines(f32)), ("matmul.cl", _gemm_defines(f32, False, bits)),
                ("matmul.cl", _gemm_defines(f32, True, bits)),
                ("reduce.cl", type_defines(f32)), ("fused_nn.cl", type_defines(f32)), ("index.cl", type_defines(f32)),
                ("elementwise.cl", type_defines(f32, u8)), ("elementwise.cl", type_defines(u8, f32)),
                ("optim.cl", _adam_defines(f32, self.runtime.is_cpu, bits)), ("reduce.cl", type_defines(i64)),
                ("elementwise.cl", type_defines(i64))]

    # -- helpers ---------------------------------------------------------------------------
    def check_dtype(self, dtype) -> np.dtype:
        """``dtype`` as a NumPy dtype, or a TypeError naming the device when it cannot hold it."""
        dtype = np.dtype(dtype)
        if dtype == np.float64 and not self.runtime.has_fp64:
            raise TypeError(f"float64 is not supported on {self.runtime.name}: the device does not "
                            "report cl_khr_fp64; use float32 (tensor.float())")
        if dtype not in CL_TYPES:
            # OpenCL C has no bfloat16 type and PoCL no cl_khr_fp16: half tensors stay on the CPU
            fix = "; convert with .to(tl.float32) (or .float())" if dtype.kind in FLOAT_KINDS else ""
            raise TypeError(f"{dtype} tensors are not supported on OpenCL ({self.runtime.name}); "
                            "supported: bool, uint8, int8, int16, int32, int64, float32"
                            + (", float64" if self.runtime.has_fp64 else "") + fix)
        return dtype

    def new(self, shape, dtype) -> CLArray:
        """An uninitialised contiguous array (NumPy ``dtype``) from the pool."""
        if self._prebuild:
            self._prebuild = False
            self.runtime.prebuild(self.common_programs())
        dtype = self.check_dtype(dtype)
        shape = tuple(shape)
        return CLArray(Storage(self.runtime, math.prod(shape) * dtype.itemsize), shape, dtype)

    def _consts(self, dtype, *values):
        """A parameter buffer with ``values`` as ``dtype`` (bool as uchar)."""
        # -0.0 == 0.0 (and False == 0) as keys, but their buffers differ: zeros keyed by repr
        key = (dtype,) + tuple(v if v != 0 else repr(v) for v in values)
        try:
            found = self._consts_cache.get(key)
        except TypeError:  # an unhashable value (a 0-d array): no caching
            found, key = None, None
        if found is None:
            stored = np.dtype(np.uint8) if dtype == np.bool_ else dtype
            found = params(self.runtime, *[scalar(v, stored) for v in values], dtype=stored)
            if key is not None:
                if len(self._consts_cache) >= 4096:
                    self._consts_cache.clear()
                self._consts_cache[key] = found
        return found

    def _launch(self, file, name, defines, n, args):
        launch(self.runtime, file, name, defines, n, args)

    def _flat(self, out: CLArray, *operands, zero_d: bool = False) -> bool:
        """Whether every array operand is laid out like ``out`` (contiguous, same shape), or
        is 0-d where the kernel reads those (``zero_d``: binary_flat, where_flat): then the
        *_flat kernels skip all index arithmetic."""
        if not out.is_contiguous():
            return False
        return all(not isinstance(x, CLArray) or (zero_d and not x.shape)
                   or (x.shape == out.shape and x.is_contiguous()) for x in operands)

    def _flat_operands(self, out, a, b, dtype):
        """(scalars bits, [a buffer, b buffer], [a offset, b offset], consts buffer) for the
        *_flat kernels: bit 0/1 a/b is a value in consts, bit 2/3 a/b is a 0-d array."""
        scalars, buffers, offsets, values = 0, [], [], []
        for bit, x in ((1, a), (2, b)):
            if isinstance(x, CLArray):
                scalars |= 0 if x.shape or not out.shape else bit << 2
                buffers.append(x.buffer)
                offsets.append(x.offset)
                values.append(0)
            else:
                scalars |= bit
                buffers.append(out.buffer)
                offsets.append(0)
                values.append(x)
        return scalars, buffers, offsets, self._consts(dtype, *values)

    def _convert_into(self, dst: CLArray, src: CLArray) -> None:
        if self._flat(dst, src):
            self._launch("elementwise.cl", "convert_flat", type_defines(src.dtype, dst.dtype), dst.size,
                         (dst.buffer, src.buffer, params(self.runtime, dst.size, dst.offset, src.offset,
                                                         dtype=np.int32)))
            return
        src_strides = broadcast_strides(src, dst.shape)
        inner = contiguous_rows(dst.shape, (dst.strides, src_strides))
        row = math.prod(dst.shape[len(dst.shape) - inner:])
        if 0 < inner < len(dst.shape) and row >= 16 and (self.runtime.is_cpu or self.runtime.is_checker):
            outer = len(dst.shape) - inner  # a work item per contiguous row (Oclgrind checks it too)
            layout = Layout(dst.shape[:outer], [(dst.strides[:outer], dst.offset),
                                                (src_strides[:outer], src.offset)], extra=(row,))
            self._launch("elementwise.cl", "convert_rows", type_defines(src.dtype, dst.dtype), layout.n,
                         (layout, dst.buffer, src.buffer))
            return
        layout = Layout(dst.shape, [(dst.strides, dst.offset), (src_strides, src.offset)])
        self._launch("elementwise.cl", "convert", type_defines(src.dtype, dst.dtype), layout.n,
                     (layout, dst.buffer, src.buffer))

    def _fill(self, dst: CLArray, value) -> None:
        if dst.is_contiguous() and dst.size:  # the driver's fill: no kernel to build per dtype
            stored = np.uint8 if dst.dtype == np.bool_ else dst.dtype
            self.runtime.fill(dst.buffer, np.asarray(scalar(value, dst.dtype), stored),
                              dst.offset * dst.dtype.itemsize, dst.size * dst.dtype.itemsize)
            return
        layout = Layout(dst.shape, [(dst.strides, dst.offset)])
        self._launch("elementwise.cl", "fill", type_defines(dst.dtype), layout.n,
                     (layout, dst.buffer, self._consts(dst.dtype, value)))

    # -- creation and transfer -------------------------------------------------------------
    def from_host(self, host_array, dtype):
        return self.upload(_quietly(np.asarray, host_array, dtype=dtype.numpy))  # overflow is inf, silently

    def upload(self, host: np.ndarray) -> CLArray:
        """A device copy of a NumPy array (blocking: the host array may be freed after)."""
        host = np.asarray(host, order="C")  # ascontiguousarray would make 0-d arrays 1-d
        out = self.new(host.shape, host.dtype)
        if host.size:
            self.runtime.write(out.buffer, host.view(np.uint8) if host.dtype == np.bool_ else host)
        return out

    def to_host(self, x):
        if not x.is_contiguous():
            x = self.copy(x)
        host = np.empty(x.shape, np.uint8 if x.dtype == np.bool_ else x.dtype)
        if host.size:
            self.runtime.read(host, x.buffer, x.offset * x.dtype.itemsize)
        self.errors.check()  # a sync: raise what a check kernel recorded (a read only if one ran)
        return host.view(np.bool_) if x.dtype == np.bool_ else host

    def full(self, shape, value, dtype):
        return self.filled(shape, value, dtype.numpy)

    def filled(self, shape, value, dtype) -> CLArray:
        """full() with a NumPy dtype."""
        out = self.new(shape, dtype)
        self._fill(out, value)
        return out

    def empty(self, shape, dtype):
        return self.new(shape, dtype.numpy)

    def arange(self, start, end, step, dtype):
        n = max(0, math.ceil((end - start) / step))
        out = self.new((n,), dtype.numpy)
        self._launch("elementwise.cl", "arange", type_defines(out.dtype), n,
                     (out.buffer, params(self.runtime, start, step, n, dtype=self._acc)))
        return out

    def random(self, kind, shape, dtype, seed, offset, low=0.0, high=1.0):
        if kind not in _RANDOM:
            raise ValueError(f"unknown random kind {kind!r}")
        out = self.new(shape, dtype.numpy)
        n = out.size
        seed, offset = int(seed) & (2 ** 64 - 1), int(offset) & (2 ** 64 - 1)
        int_low, int_high = (int(low), int(high)) if kind == "randint" else (0, 1)
        key = params(self.runtime, n, _RANDOM[kind], seed & 0xFFFFFFFF, seed >> 32,
                     offset & 0xFFFFFFFF, offset >> 32, dtype=np.uint32)
        self._launch("random.cl", "random", type_defines(out.dtype), n,
                     (out.buffer, key, params(self.runtime, low, high, dtype=self._acc),
                      params(self.runtime, int_low, int_high, dtype=np.int64)))
        return out

    # -- elementwise -----------------------------------------------------------------------
    def unary(self, op, x):
        result = result_dtype(op, x.dtype)
        out = self.new(x.shape, result)
        if self._flat(out, x):
            self._launch("elementwise.cl", "unary_flat", type_defines(x.dtype, result), out.size,
                         (out.buffer, x.buffer, params(self.runtime, out.size, _UNARY[op], 0, x.offset,
                                                       dtype=np.int32)))
            return out
        layout = Layout(x.shape, [(out.strides, 0), (x.strides, x.offset)], (_UNARY[op],))
        self._launch("elementwise.cl", "unary", type_defines(x.dtype, result), layout.n,
                     (layout, out.buffer, x.buffer))
        return out

    def _operands(self, op, arrays):
        """The dtype and broadcast shape of arrays (of one dtype) and scalars (which take it)."""
        dtype = same_dtype(op, [a for a in arrays if isinstance(a, CLArray)])
        shapes = [a.shape for a in arrays if isinstance(a, CLArray)]
        try:
            shape = shapes[0] if len(set(shapes)) == 1 else tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            raise broadcast_error(op, *shapes) from None
        return dtype, shape, arrays

    def cast_to(self, x: CLArray, dtype) -> CLArray:
        """x itself when it has ``dtype`` (NumPy), else a converted copy."""
        dtype = np.dtype(dtype)
        if x.dtype == dtype:
            return x
        out = self.new(x.shape, dtype)
        self._convert_into(out, x)
        return out

    def _binary_into(self, op, out, a, b, dtype):
        if self._flat(out, a, b, zero_d=True):
            scalars, buffers, offsets, consts = self._flat_operands(out, a, b, dtype)
            p = params(self.runtime, out.size, scalars, _BINARY[op], out.offset, *offsets, dtype=np.int32)
            self._launch("elementwise.cl", "binary_flat", type_defines(dtype, out.dtype), out.size,
                         (out.buffer, *buffers, consts, p))
            return
        operands, values, scalars = [(out.strides, out.offset)], [], 0
        for bit, x in ((1, a), (2, b)):
            if isinstance(x, CLArray):
                operands.append((broadcast_strides(x, out.shape), x.offset))
                values.append((x.buffer, scalar(0, dtype)))
            else:
                operands.append(((0,) * len(out.shape), 0))
                values.append((out.buffer, scalar(x, dtype)))
                scalars |= bit
        layout = Layout(out.shape, operands, (scalars, _BINARY[op]))
        self._launch("elementwise.cl", "binary", type_defines(dtype, out.dtype), layout.n,
                     (layout, out.buffer, values[0][0], values[1][0],
                      self._consts(dtype, values[0][1], values[1][1])))

    def binary(self, op, a, b):
        dtype, shape, (a, b) = self._operands(op, [a, b])
        out = self.new(shape, result_dtype(op, dtype))
        self._binary_into(op, out, a, b, dtype)
        return out

    def where(self, condition, a, b):
        dtype = same_dtype("where", [x for x in (a, b) if isinstance(x, CLArray)])
        condition = self.cast_to(condition, np.bool_)
        shapes = [x.shape for x in (condition, a, b) if isinstance(x, CLArray)]
        try:
            shape = tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            raise broadcast_error("where", *shapes) from None
        out = self.new(shape, dtype)
        if self._flat(out, a, b, zero_d=True) and condition.shape == out.shape and condition.is_contiguous():
            scalars, buffers, offsets, consts = self._flat_operands(out, a, b, dtype)
            p = params(self.runtime, out.size, scalars, out.offset, condition.offset, *offsets, dtype=np.int32)
            self._launch("elementwise.cl", "where_flat", type_defines(dtype), out.size,
                         (out.buffer, condition.buffer, *buffers, consts, p))
            return out
        operands, buffers, values, scalars = [(out.strides, 0), (broadcast_strides(condition, shape),
                                                                 condition.offset)], [], [], 0
        for bit, x in ((1, a), (2, b)):
            if isinstance(x, CLArray):
                operands.append((broadcast_strides(x, shape), x.offset))
                buffers.append(x.buffer)
                values.append(scalar(0, dtype))
            else:
                operands.append(((0,) * len(shape), 0))
                buffers.append(out.buffer)
                values.append(scalar(x, dtype))
                scalars |= bit
        layout = Layout(shape, operands, (scalars,))
        self._launch("elementwise.cl", "where_", type_defines(dtype), layout.n,
                     (layout, out.buffer, condition.buffer, *buffers, self._consts(dtype, *values)))
        return out

    def cast(self, x, dtype):
        out = self.new(x.shape, dtype.numpy)
        self._convert_into(out, x)
        return out

    # -- reductions ------------------------------------------------------------------------
    def _split(self, x, axes, code):
        """Layouts over the kept dims (outer, with the kernel's int parameter) and the reduced
        dims (inner) of x."""
        kept = [d for d in range(x.ndim) if d not in axes]
        outer = Layout([x.shape[d] for d in kept], [([x.strides[d] for d in kept], x.offset)], (code,))
        inner = Layout([x.shape[d] for d in axes], [([x.strides[d] for d in axes], 0)])
        return outer, inner

    def reduce(self, op, x, axes, keepdims):
        axes = tuple(range(x.ndim)) if axes is None else tuple(sorted(axes))
        if op == "sum" and x.dtype.kind in "biu":
            result = np.dtype(np.int64)
        elif op in ("any", "all"):
            result = np.dtype(np.bool_)
        else:
            result = x.dtype
        kept_shape = tuple(s for d, s in enumerate(x.shape) if d not in axes)
        shape = tuple(1 if d in axes else s for d, s in enumerate(x.shape)) if keepdims else kept_shape
        reduced = math.prod(x.shape[d] for d in axes)
        if reduced == 0:
            if op in ("max", "min"):
                raise ValueError(f"zero-size array to reduction operation {op}imum which has no identity")
            return self.filled(shape, 1 if op in ("prod", "all") else 0, result)
        out = self.new(shape, result)
        outer, inner = self._split(x, axes, _REDUCE[op])
        defines = type_defines(x.dtype, result)
        groups = outer.n
        if reduced < _SERIAL_REDUCE_BELOW or groups >= 4096:
            self._launch("reduce.cl", "reduce_serial", defines, groups, (outer, inner, out.buffer, x.buffer))
            return out
        size = min(WORK_GROUP, self.runtime.max_work_group, 1 << (reduced.bit_length() - 1))
        launch(self.runtime, "reduce.cl", "reduce_group", defines, groups * size,
               (outer, inner, out.buffer, x.buffer, cl.LocalMemory(size * result.itemsize)), size)
        return out

    def arg_reduce(self, op, x, axis, keepdims):
        if x.size == 0 and (axis is None or x.shape[axis] == 0):
            raise ValueError(f"attempt to get {op} of an empty sequence")
        if axis is None:
            flat = self.reshape(x, (x.size,)) if x.ndim != 1 else x
            out = self.arg_reduce(op, flat, 0, False)
            return self.reshape(out, (1,) * x.ndim) if keepdims else out
        shape = tuple(1 if d == axis else s for d, s in enumerate(x.shape)) if keepdims else \
            tuple(s for d, s in enumerate(x.shape) if d != axis)
        out = self.new(shape, np.int64)
        if out.size == 0:  # an empty dim besides the reduced one: nothing to compute (as NumPy)
            return out
        outer, inner = self._split(x, (axis,), int(op == "argmax"))
        self._launch("reduce.cl", "arg_reduce", type_defines(x.dtype), outer.n,
                     (outer, inner, out.buffer, x.buffer))
        return out

    def cumsum(self, x, axis):
        result = np.dtype(np.int64) if x.dtype.kind in "biu" else x.dtype
        out = self.new(x.shape, result)
        lines_shape = tuple(1 if d == axis else s for d, s in enumerate(x.shape))
        lines = Layout(lines_shape, [(out.strides, 0), (x.strides, x.offset)],
                       (x.shape[axis], out.strides[axis], x.strides[axis]))
        if x.shape[axis]:
            self._launch("reduce.cl", "cumsum", type_defines(x.dtype, result), lines.n,
                         (lines, out.buffer, x.buffer))
        return out

    def _lines(self, x, axis, out, extra=()):
        """The Layout of kernels/sorting.cl walking x's lines along ``axis`` (operand 0: out,
        a new contiguous array of x's shape; operand 1: x)."""
        lines_shape = tuple(1 if d == axis else s for d, s in enumerate(x.shape))
        return Layout(lines_shape, [(out.strides, 0), (x.strides, x.offset)],
                      (x.shape[axis], out.strides[axis], x.strides[axis]) + tuple(extra))

    def sort(self, x, axis, descending, stable=True):
        values, index = self.new(x.shape, x.dtype), self.new(x.shape, np.int64)
        length = x.shape[axis] if x.ndim else 1
        if not x.size:
            return values, index
        if not stable and 16 < length <= UNSTABLE_EXACT_UP_TO:  # PyTorch's std::sort order of ties
            scratch, scratch_index = self.new(x.shape, x.dtype), self.new(x.shape, np.int64)
            lines = self._lines(x, axis, values, (int(descending),))
            self._launch("sorting.cl", "sort_lines_stl", type_defines(x.dtype), lines.n,
                         (lines, values.buffer, index.buffer, x.buffer, scratch.buffer, scratch_index.buffer))
            return values, index
        if length <= _RANK_SORT_UP_TO:
            lines = self._lines(x, axis, values, (int(descending),))
            self._launch("sorting.cl", "sort_rank", type_defines(x.dtype), lines.n * length,
                         (lines, values.buffer, index.buffer, x.buffer))
            return values, index
        return self._merge_sort(x, axis, descending)

    def _merge_sort(self, x, axis, descending):
        """Long lines: stable merge sort on contiguous copies with the axis last (log2(n)
        merge passes), moved back to x's layout."""
        order = [d for d in range(x.ndim) if d != axis] + [axis]
        moved = self.copy(self.permute(x, order))
        length, count = x.shape[axis], x.size // x.shape[axis]
        dst = (self.new(moved.shape, x.dtype), self.new(moved.shape, np.int64))
        src = (moved, self.new(moved.shape, np.int64))  # the first pass writes the indices, reads none
        width = 1
        while width < length:
            lines = Layout((count,), [((length,), 0)], (length, width, 0, int(descending)))
            self._launch("sorting.cl", "merge_pass", type_defines(x.dtype), count * length,
                         (lines, dst[0].buffer, dst[1].buffer, src[0].buffer, src[1].buffer))
            src, dst = dst, src
            width *= 2
        back = [order.index(d) for d in range(x.ndim)]
        return self.copy(self.permute(src[0], back)), self.copy(self.permute(src[1], back))

    def _line_kernel(self, name, x, axis, extra=()):
        """(values, indices) with ``axis`` kept as size 1 from a kernels/sorting.cl kernel that
        runs one work item per line on scratch copies of the lines (mode_lines, kth_lines)."""
        kept = tuple(1 if d == axis else s for d, s in enumerate(x.shape))
        values, index = self.new(kept, x.dtype), self.new(kept, np.int64)
        if values.size:
            scratch, scratch_index = self.new(x.shape, x.dtype), self.new(x.shape, np.int64)
            lines = Layout(kept, [(values.strides, 0), (x.strides, x.offset)],
                           (x.shape[axis], 0, x.strides[axis]) + tuple(extra))
            self._launch("sorting.cl", name, type_defines(x.dtype), lines.n,
                         (lines, values.buffer, index.buffer, x.buffer, scratch.buffer, scratch_index.buffer))
        return values, index

    def sort_rows(self, x):
        # on the host: libstdc++'s introsort is sequential, and unique(dim), its one caller,
        # reads its result count back anyway
        return self.upload(np.array(_stl.unique_dim_order(self.to_host(x).tolist()), dtype=np.int64))

    def topk(self, x, k, axis, largest, sorted_):
        shape = tuple(k if d == axis else s for d, s in enumerate(x.shape))
        values, index = self.new(shape, x.dtype), self.new(shape, np.int64)
        if values.size:
            kept = tuple(1 if d == axis else s for d, s in enumerate(x.shape))
            scratch, scratch_index = self.new(x.shape, x.dtype), self.new(x.shape, np.int64)
            lines = Layout(kept, [(values.strides, 0), (x.strides, x.offset)],
                           (x.shape[axis], values.strides[axis], x.strides[axis], k, int(bool(largest)),
                            int(bool(sorted_))))
            self._launch("sorting.cl", "topk_lines", type_defines(x.dtype), lines.n,
                         (lines, values.buffer, index.buffer, x.buffer, scratch.buffer, scratch_index.buffer))
        return values, index

    def kthvalue(self, x, k, axis):
        return self._line_kernel("kth_lines", x, axis, (k - 1,))

    def mode(self, x, axis):
        return self._line_kernel("mode_lines", x, axis)

    def scan(self, op, x, axis):
        if op in ("cummax", "cummin"):
            values, index = self.new(x.shape, x.dtype), self.new(x.shape, np.int64)
            if x.size:
                lines = self._lines(x, axis, values, (int(op == "cummax"),))
                self._launch("sorting.cl", "scan_extreme", type_defines(x.dtype), lines.n,
                             (lines, values.buffer, index.buffer, x.buffer))
            return values, index
        result = np.dtype(np.int64) if x.dtype.kind in "biu" else x.dtype
        out = self.new(x.shape, result)
        if x.size:
            flag = ("SCAN_PROD", None) if op == "cumprod" else ("SCAN_LOGSUMEXP", None)
            lines = self._lines(x, axis, out)
            self._launch("sorting.cl", "scan", type_defines(x.dtype, result) + (flag,), lines.n,
                         (lines, out.buffer, x.buffer))
        return out

    def searchsorted(self, sorted_sequence, values, right):
        out = self.new(values.shape, np.int64)
        if not values.size:
            return out
        seq = sorted_sequence
        row_strides = list(seq.strides[:-1]) if seq.ndim > 1 else [0] * (values.ndim - 1)
        shape = values.shape if values.ndim else (1,)
        operands = [(out.strides or (1,), 0), (values.strides or (1,), values.offset),
                    (row_strides + [0] if values.ndim else [0], seq.offset)]
        layout = Layout(shape, operands, (seq.shape[-1], seq.strides[-1], int(bool(right))))
        self._launch("sorting.cl", "search_sorted", type_defines(values.dtype), layout.n,
                     (layout, out.buffer, values.buffer, seq.buffer))
        return out

    def histc(self, x, bins, range_):
        counts = self.filled((bins,), 0, np.int32)
        if x.size:
            layout = Layout(x.shape, [(x.strides, x.offset)], (bins,))
            self._launch("sorting.cl", "histc", type_defines(x.dtype), layout.n,
                         (layout, counts.buffer, x.buffer, range_.buffer))
        out = self.new((bins,), x.dtype)
        self._convert_into(out, counts)
        return out

    # -- movement --------------------------------------------------------------------------
    def reshape(self, x, shape):
        shape = _resolve_shape(shape, x.size)
        strides = view_strides(x.shape, x.strides, shape)
        if strides is None:
            x = self.copy(x)
            strides = contiguous_strides(shape)
        return x.with_layout(shape, strides, x.offset)

    def view(self, x, shape):
        shape = _resolve_shape(shape, x.size)
        strides = view_strides(x.shape, x.strides, shape)
        if strides is None or math.prod(shape) != x.size:
            raise ValueError("not viewable")
        return x.with_layout(shape, strides, x.offset)

    def permute(self, x, axes):
        return x.with_layout([x.shape[a] for a in axes], [x.strides[a] for a in axes], x.offset)

    def broadcast_to(self, x, shape):
        return x.with_layout(shape, broadcast_strides(x, shape), x.offset)

    def flip(self, x, axes):
        strides, offset = list(x.strides), x.offset
        for axis in axes:
            if x.shape[axis]:
                offset += (x.shape[axis] - 1) * strides[axis]
            strides[axis] = -strides[axis]
        return self.copy(x.with_layout(x.shape, strides, offset))

    def pad(self, x, widths, value):
        shape = tuple(s + before + after for s, (before, after) in zip(x.shape, widths))
        out = self.new(shape, x.dtype)
        self._fill(out, value)
        inner = self.basic_view(out, tuple(slice(before, before + s) for s, (before, _) in zip(x.shape, widths)))
        self._convert_into(inner, x)
        return out

    def concatenate(self, arrays, axis):
        dtype = same_dtype("concatenate", arrays)
        shape = list(arrays[0].shape)
        shape[axis] = sum(a.shape[axis] for a in arrays)
        out = self.new(shape, dtype)
        start = 0
        for a in arrays:
            key = (slice(None),) * axis + (slice(start, start + a.shape[axis]),)
            self._convert_into(self.basic_view(out, key), a)
            start += a.shape[axis]
        return out

    def copy(self, x):
        out = self.new(x.shape, x.dtype)
        self._convert_into(out, x)
        return out

    def aliases(self, a, b):
        if a.storage is not b.storage:
            return False
        ea, eb = _extent(a), _extent(b)
        return ea is not None and eb is not None and ea[0] <= eb[1] and eb[0] <= ea[1]

    def has_internal_overlap(self, x):
        return any(stride == 0 and size > 1 for stride, size in zip(x.strides, x.shape))

    def is_contiguous(self, x):
        return x.is_contiguous()

    # -- linear algebra --------------------------------------------------------------------
    def _pack_panels(self, x, batch, depth, cols, width):
        """x (batch..., depth, cols), broadcast over batch, copied into zero-padded panels
        (batch..., ceil(cols/width), depth, width): panel q holds columns q*width.. row by row,
        so the matmul kernel streams through contiguous memory."""
        panels = -(-cols // width)
        packed = self.new(batch + (panels, depth, width), x.dtype)
        nb = len(batch)
        layout = Layout(batch, [(x.strides[:nb], x.offset), (packed.strides[:nb], 0)],
                        (depth, cols, x.strides[nb], x.strides[nb + 1], width))
        local = min(64, self.runtime.max_work_group)
        kernel = self.runtime.kernel("matmul.cl", "pack_panels", _gemm_defines(x.dtype, False, self.vector_bits))
        self.runtime.launch(kernel,
                            (-(-depth // local) * local, panels, layout.n), (local, 1, 1),
                            (self.runtime.params(layout.data), packed.buffer, x.buffer))
        return packed

    def _gemm_nt(self, a, b):
        """a (M, K) @ b (K, N), both contiguous along K (a linear layer's x @ W^T), read in place
        by matmul.cl's gemm_nt into an exact (M, N) result: no packing launches."""
        (m, k), n = a.shape, b.shape[1]
        rows, cols = _GEMM_NT_BLOCK
        out = self.new((m, n), a.dtype)
        grid = (-(-n // cols), -(-m // rows), 1)
        local = (1, 1, 1) if self.runtime.is_cpu else (min(_GEMM_LOCAL, grid[0]), min(_GEMM_LOCAL, grid[1]), 1)
        grid = tuple(-(-g // l) * l for g, l in zip(grid, local))
        kernel = self.runtime.kernel("matmul.cl", "gemm_nt", _gemm_defines(a.dtype, False, self.vector_bits))
        self.runtime.launch(kernel, grid, local,
                            (a.buffer, b.buffer, out.buffer,
                             params(self.runtime, k, m, n, a.strides[0], b.strides[1], a.offset, b.offset,
                                    dtype=np.int32)))
        return out

    def matmul(self, a, b, transpose_a=False, transpose_b=False):
        if a.dtype == np.bool_ or b.dtype == np.bool_:
            raise TypeError("matmul on OpenCL does not support bool tensors; cast to int or float first")
        if transpose_a:
            a = self.permute(a, tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2))
        if transpose_b:
            b = self.permute(b, tuple(range(b.ndim - 2)) + (b.ndim - 1, b.ndim - 2))
        (m, k), (k2, n) = a.shape[-2:], b.shape[-2:]
        if k != k2:
            raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0 "
                             f"(size {k2} is different from {k})")
        dtype = same_dtype("matmul", (a, b))
        try:
            batch = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        except ValueError:
            raise broadcast_error("matmul", a.shape, b.shape) from None
        if m == 0 or n == 0 or k == 0 or 0 in batch:
            return self.filled(batch + (m, n), 0, dtype)
        if not batch and a.strides[1] == 1 and b.strides[0] == 1 and m * n * k <= _GEMM_NT_MAX:
            return self._gemm_nt(a, b)
        cols = gemm_width(dtype, self.vector_bits)
        mp = -(-m // _GEMM_ROWS) * _GEMM_ROWS
        np_ = -(-n // cols) * cols
        # A is packed from its transpose (K rows of M), so both operands are panels of columns
        a_t = self.permute(a, tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2))
        packed_a = self._pack_panels(self.broadcast_to(a_t, batch + (k, m)), batch, k, m, _GEMM_ROWS)
        count = math.prod(batch)
        if not batch and b.strides[1] == 1:  # row-major rows: gemm reads B in place, no packing
            packed_b, b_strides = b, (0, 0, 0, 0, 1, b.offset, b.strides[0])
        else:
            packed_b = self._pack_panels(self.broadcast_to(b, batch + (k, n)), batch, k, n, cols)
            b_strides = (k * np_ // cols, k, 1, 0, 0, 0, 0)
        # PyTorch's matmul result is contiguous ((x @ w).view(-1, n) works): when the (M, N)
        # corner of the padded result would not be, gemm stores straight into an exact output
        exact = np_ != n or (mp != m and count > 1)
        out = self.new(batch + ((m, n) if exact else (mp, np_)), dtype)
        kernel = self.runtime.kernel("matmul.cl", "gemm", _gemm_defines(dtype, exact, self.vector_bits))
        # CPU devices (PoCL): one work item per group keeps the 12 x VW block in registers (groups
        # of 8 x 8 were vectorised across work items and ran slower); GPUs need real groups
        local = (1, 1, 1) if self.runtime.is_cpu else \
            (min(_GEMM_LOCAL, np_ // cols), min(_GEMM_LOCAL, mp // _GEMM_ROWS), 1)
        grid = tuple(-(-g // l) * l for g, l in zip((np_ // cols, mp // _GEMM_ROWS, count), local))
        self.runtime.launch(kernel, grid, local, (packed_a.buffer, packed_b.buffer, out.buffer,
                                                  params(self.runtime, k, mp, np_, m, n, *b_strides, dtype=np.int32)))
        if exact or (mp, np_) == (m, n):
            return out
        return self.basic_view(out, (Ellipsis, slice(0, m), slice(0, n)))  # the first m rows

    # -- in place --------------------------------------------------------------------------
    def copy_into(self, dst, src):
        if not isinstance(src, CLArray):
            self._fill(dst, src)
            return
        self._convert_into(dst, self._unaliased(dst, src))

    def binary_inplace(self, op, dst, other):
        if isinstance(other, CLArray):
            same_dtype(op, (dst, other))
        if result_dtype(op, dst.dtype) != dst.dtype:  # a comparison written into dst
            self.copy_into(dst, self.binary(op, dst, other))
            return
        if isinstance(other, CLArray):
            other = self._unaliased(dst, other)
        self._binary_into(op, dst, dst, other, dst.dtype)

    def _unaliased(self, dst, src):
        """src, or a copy of it when it overlaps dst in another layout (each work item reads
        its own element before writing it, so only the same layout is safe in place)."""
        same = (dst.shape, dst.strides, dst.offset) == (src.shape, src.strides, src.offset)
        return self.copy(src) if not same and self.aliases(dst, src) else src

    # -- queries ---------------------------------------------------------------------------
    def all_finite(self, x):
        if x.dtype.kind != "f" or x.size == 0:
            return True
        flag = self.new((1,), np.int32)
        self._fill(flag, 0)
        layout = Layout(x.shape, [(x.strides, x.offset)])
        self._launch("elementwise.cl", "any_nonfinite", type_defines(x.dtype), layout.n,
                     (layout, x.buffer, flag.buffer))
        return int(self.to_host(flag)[0]) == 0

    def _softmax_rows(self, x, axis, mode, out):
        """kernels/softmax.cl over every row along ``axis``: mode 0 logsumexp, 1 log_softmax, 2 softmax."""
        kept = [d for d in range(x.ndim) if d != axis]
        outer = Layout([x.shape[d] for d in kept], [([x.strides[d] for d in kept], x.offset),
                                                    ([out.strides[d] for d in kept], 0)],
                       (x.shape[axis], x.strides[axis], out.strides[axis] if mode else 0, mode))
        self._launch("reduce.cl", "softmax_rows", type_defines(x.dtype), outer.n, (outer, out.buffer, x.buffer))
        return out

    def logsumexp(self, x, axis, keepdims):
        out = self._softmax_rows(x, axis, 0, self.new(tuple(1 if d == axis else s for d, s in enumerate(x.shape)),
                                                      x.dtype))
        return out if keepdims else self.reshape(out, tuple(s for d, s in enumerate(x.shape) if d != axis))

    def softmax(self, x, axis, log):
        return self._softmax_rows(x, axis, 1 if log else 2, self.new(x.shape, x.dtype))

    def _dense(self, x, shape=None):
        """x (broadcast to shape) as a contiguous array from its first element: itself or a copy."""
        if shape is not None and tuple(x.shape) != tuple(shape):
            x = self.broadcast_to(x, tuple(shape))
        return x if x.is_contiguous() and not x.offset else self.copy(x)

    def gelu(self, x):
        x = self._dense(x)
        out, cdf = self.new(x.shape, x.dtype), self.new(x.shape, x.dtype)
        self._launch("fused_nn.cl", "gelu", type_defines(x.dtype), x.size,
                     (out.buffer, cdf.buffer, x.buffer, params(self.runtime, x.size, dtype=np.int32)))
        return out, cdf

    def gelu_backward(self, grad, x, cdf):
        x, cdf = self._dense(x), self._dense(cdf)
        grad = self._dense(grad, x.shape)
        out = self.new(x.shape, x.dtype)
        self._launch("fused_nn.cl", "gelu_backward", type_defines(x.dtype), x.size,
                     (out.buffer, grad.buffer, x.buffer, cdf.buffer, params(self.runtime, x.size, dtype=np.int32)))
        return out

    def layer_norm(self, x, weight, bias, normalized_shape, eps):
        x = self._dense(x)
        size = math.prod(normalized_shape)
        rows = x.size // size
        xhat = self.new(x.shape, x.dtype)
        out = xhat if weight is None and bias is None else self.new(x.shape, x.dtype)
        rstd = self.new((rows, 1), x.dtype)
        w = x if weight is None else self._dense(weight)
        b = x if bias is None else self._dense(bias)
        p = params(self.runtime, rows, size, weight is not None, bias is not None, dtype=np.int32)
        self._launch("fused_nn.cl", "layer_norm", type_defines(x.dtype), rows,
                     (out.buffer, xhat.buffer, rstd.buffer, x.buffer, w.buffer, b.buffer, p,
                      params(self.runtime, eps, dtype=x.dtype)))
        return out, xhat, rstd

    def layer_norm_backward(self, grad, xhat, rstd, weight, normalized_shape, needs):
        xhat, rstd = self._dense(xhat), self._dense(rstd)
        grad = self._dense(grad, xhat.shape)
        size = math.prod(normalized_shape)
        rows = xhat.size // size
        defines = type_defines(xhat.dtype)
        grad_x = grad_w = grad_b = None
        if needs[0]:
            grad_x = self.new(xhat.shape, xhat.dtype)
            w = xhat if weight is None else self._dense(weight)
            p = params(self.runtime, rows, size, weight is not None, dtype=np.int32)
            self._launch("fused_nn.cl", "layer_norm_backward", defines, rows,
                         (grad_x.buffer, grad.buffer, xhat.buffer, rstd.buffer, w.buffer, p))
        if needs[1] or needs[2]:
            grad_w = self.new(tuple(normalized_shape), xhat.dtype) if needs[1] else None
            grad_b = self.new(tuple(normalized_shape), xhat.dtype) if needs[2] else None
            first = grad_w if grad_w is not None else grad_b  # an unwanted one is not written
            second = grad_b if grad_b is not None else grad_w
            p = params(self.runtime, rows, size, bool(needs[1]), bool(needs[2]), dtype=np.int32)
            self._launch("fused_nn.cl", "layer_norm_param_grads", defines, size,
                         (first.buffer, second.buffer, grad.buffer, xhat.buffer, p))
        return grad_x, grad_w, grad_b

    def adam_step(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2,
                  eps, weight_decay, decoupled, amsgrad):
        arrays = [param, exp_avg, exp_avg_sq] + ([max_exp_avg_sq] if amsgrad else [])
        if not all(a.is_contiguous() and a.offset == 0 for a in arrays):
            raise RuntimeError("adam_step on OpenCL needs contiguous parameters and state")
        if not grad.is_contiguous() or grad.offset:
            grad = self.copy(grad)
        if step.offset or step.dtype != np.float32 or step.size != 1:
            raise RuntimeError("adam_step on OpenCL needs a float32 step count of its own buffer")
        # a group of one: the kernels a compiled step's adam_steps launches are then compiled
        # (PoCL: at their first launch, ~1 s) by the first eager step, not on the first replay
        self._adam_group([param], [grad], [exp_avg], [exp_avg_sq], [max_exp_avg_sq if amsgrad else param], [step],
                         lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad)

    def adam_steps(self, params_, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr, beta1, beta2,
                   eps, weight_decay, decoupled, amsgrad):
        """``adam_step`` on each parameter of the lists (one hyperparameter set; each its own
        step count), as one adam_prepare_group and one adam_group launch per 8 parameters: the
        same bits as the per-parameter calls. ``max_exp_avg_sqs``: a list, or None without
        amsgrad. A compiled step's run of adam_step calls becomes one such call
        (tensorlite.backends.capture.group_adam_steps).

        Example: two parameters of (2, 3) and (4,) elements, float32:
        >>> import numpy as np, tensorlite as tl
        >>> backend = tl.device("opencl").backend
        >>> make = lambda n, v: backend.upload(np.full(n, v, np.float32))
        >>> ps, gs = [make(6, 1.0), make(4, 2.0)], [make(6, 0.5), make(4, 0.5)]
        >>> ms, vs, ts = [make(6, 0.0), make(4, 0.0)], [make(6, 0.0), make(4, 0.0)], [make((), 0.0), make((), 0.0)]
        >>> backend.adam_steps(ps, gs, ms, vs, None, ts, 0.1, 0.9, 0.999, 1e-8, 0.0, False, False)
        >>> [round(float(backend.to_host(p)[0]), 4) for p in ps]
        [0.9, 1.9]
        """
        n = len(params_)
        maxes = max_exp_avg_sqs if amsgrad else params_
        lists = [params_, grads, exp_avgs, exp_avg_sqs, maxes, steps]
        if any(len(items) != n for items in lists):
            raise ValueError(f"adam_steps: lists of {[len(items) for items in lists]} arrays; one per parameter")
        if sum(p.size for p in params_) > _INT32_MAX:  # adam_group indexes with int
            for args in zip(*lists):
                self.adam_step(*args, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad)
            return
        for k in range(0, n, _ADAM_GROUP):
            self._adam_group(*(items[k:k + _ADAM_GROUP] for items in lists), lr, beta1, beta2, eps,
                             weight_decay, decoupled, amsgrad)

    def _adam_group(self, params_, grads, exp_avgs, exp_avg_sqs, maxes, steps, lr, beta1, beta2, eps,
                    weight_decay, decoupled, amsgrad):
        state = list(params_) + list(exp_avgs) + list(exp_avg_sqs) + (list(maxes) if amsgrad else [])
        if not all(a.is_contiguous() and a.offset == 0 and a.dtype == params_[0].dtype for a in state):
            raise RuntimeError("adam_steps on OpenCL needs contiguous parameters and state of one dtype")
        if any(s.offset or s.dtype != np.float32 or s.size != 1 for s in steps):
            raise RuntimeError("adam_steps on OpenCL needs float32 step counts of their own buffers")
        grads = [g if g.is_contiguous() and not g.offset else self.copy(g) for g in grads]
        # the hyperparameters are constants (parameter buffers cached by content: no upload
        # while they stay the same); the step counts and bias corrections stay on the device
        dtype, count = params_[0].dtype, len(params_)
        defines = _adam_defines(dtype, self.runtime.is_cpu, self.vector_bits)
        chunk = dict(defines)["CHUNK"]

        def slots(arrays):
            return [a.buffer for a in arrays] + [arrays[0].buffer] * (_ADAM_GROUP - count)
        ends = np.cumsum([p.size for p in params_]).tolist()
        flags = params(self.runtime, count, bool(decoupled), bool(amsgrad), *ends,
                       *[ends[-1]] * (_ADAM_GROUP - count), dtype=np.int32)
        bias = self.new((2 * count,), dtype)
        log_betas = params(self.runtime, _log(beta1), _log(beta2), dtype=dtype)
        self._launch("optim.cl", "adam_prepare_group", defines, 1, (*slots(steps), log_betas, bias.buffer, flags))
        hyper = params(self.runtime, lr, beta1, beta2, eps, weight_decay, dtype=dtype)
        chunks = sum(-(-p.size // chunk) for p in params_)  # each parameter starts a chunk
        launch(self.runtime, "optim.cl", "adam_group", defines, chunks,
               (*slots(params_), *slots(grads), *slots(exp_avgs), *slots(exp_avg_sqs), *slots(maxes),
                hyper, flags, bias.buffer), local_size=1 if self.runtime.is_cpu else WORK_GROUP)

    def launch_replay(self, calls, n_loads, keep):
        """The replay of a captured step's kernel launches (replay.py; ``tensorlite.compile``)."""
        return LaunchReplay(self, calls, n_loads, keep)

    def run_user_kernel(self, source, name, defines, global_size, local_size, args, element_dtype):
        """A user's kernel (tensorlite.opencl.Kernel); see custom.launch_user_kernel."""
        launch_user_kernel(self, source, name, defines, global_size, local_size, args, element_dtype)

    def synchronize(self):
        self.runtime.synchronize()
        self.errors.check()


def _log(beta: float) -> float:
    """log(beta), -inf for 0 (then 1 - beta^t = 1)."""
    return math.log(beta) if beta > 0 else -math.inf
