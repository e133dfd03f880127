"""Device arrays: a buffer shared by views, plus shape, element strides and offset."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["Storage", "CLArray", "contiguous_strides", "broadcast_strides", "Layout", "MAXD"]

MAXD = 8  # kernels/common.h: the most dimensions a kernel walks after coalescing
_INT32_MAX = 2 ** 31 - 1


class Storage:
    """A device buffer; returned to the runtime's pool when the last array using it is freed."""

    __slots__ = ("buffer", "size", "runtime")

    def __init__(self, runtime, nbytes: int):
        self.runtime = runtime
        self.buffer, self.size = runtime.allocate(nbytes)

    def __del__(self):
        try:
            self.runtime.release(self.buffer, self.size)
        except Exception:  # interpreter shutdown: the driver frees everything anyway
            pass


def contiguous_strides(shape) -> tuple:
    """Row-major element strides of ``shape``."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def broadcast_strides(x: "CLArray", shape) -> list:
    """x's strides when broadcast to ``shape`` (0 along broadcast dims)."""
    lead = len(shape) - len(x.shape)
    strides = [0] * lead
    for size, stride, target in zip(x.shape, x.strides, shape[lead:]):
        strides.append(stride if size == target else 0)
    return strides


class CLArray:
    """An array on an OpenCL device. ``shape`` and ``dtype`` (a NumPy dtype) are what the
    layers above read; ``strides`` and ``offset`` count elements, like PyTorch's."""

    __slots__ = ("storage", "shape", "dtype", "strides", "offset", "__weakref__")

    def __init__(self, storage: Storage, shape, dtype, strides=None, offset: int = 0):
        self.storage = storage
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.strides = contiguous_strides(self.shape) if strides is None else tuple(strides)
        self.offset = offset

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def buffer(self):
        return self.storage.buffer

    @property
    def runtime(self):
        return self.storage.runtime

    def is_contiguous(self) -> bool:
        """Row-major without gaps (size-1 dims may have any stride), as PyTorch counts it."""
        step = 1
        for size, stride in zip(reversed(self.shape), reversed(self.strides)):
            if size != 1 and stride != step:
                return False
            step *= size
        return True

    def with_layout(self, shape, strides, offset) -> "CLArray":
        """A view of the same storage."""
        return CLArray(self.storage, shape, self.dtype, strides, offset)

    def __repr__(self) -> str:
        return f"CLArray(shape={self.shape}, dtype={self.dtype}, strides={self.strides}, offset={self.offset})"


# kernels/common.h: struct Layout, all ints: ndim, n, shape[MAXD], stride[4][MAXD], offset[4], extra[8]
_LAYOUT_INTS = 2 + MAXD + 4 * MAXD + 4 + 8


class Layout:
    """The kernels' ``Layout`` parameter (passed in a small buffer) for walking ``shape`` over
    operands given as (strides, offset) pairs (at most 4), plus up to 8 ``extra`` int
    parameters. Dimensions of size 1 are dropped and neighbours that every operand walks
    contiguously are merged, so most launches walk one dimension. ``n`` is the element count."""

    __slots__ = ("data", "n")

    def __init__(self, shape, operands, extra=()):
        key = (tuple(shape), tuple((tuple(s), o) for s, o in operands), tuple(extra))
        found = _LAYOUT_CACHE.get(key)
        if found is None:
            if len(_LAYOUT_CACHE) >= 8192:
                _LAYOUT_CACHE.clear()
            found = _LAYOUT_CACHE[key] = _layout_bytes(shape, operands, extra)
        self.data, self.n = found


_LAYOUT_CACHE = {}  # the same shapes come back every training step: ~1 us instead of ~10


def contiguous_rows(shape, strides_list) -> int:
    """How many trailing dims of ``shape`` every operand (its strides in ``strides_list``)
    walks as one contiguous run: 0 when some innermost stride is not 1.

    Example: ``contiguous_rows((4, 3, 5), [(15, 5, 1), (5, 20, 1)])`` is 1 (only the last dim)."""
    k = 0
    run = 1
    for d in range(len(shape) - 1, -1, -1):
        if any(strides[d] != run for strides in strides_list) and shape[d] != 1:
            break
        run *= shape[d]
        k += 1
    return k


def _layout_bytes(shape, operands, extra):
    dims = [(size, [s[d] for s, _ in operands]) for d, size in enumerate(shape) if size != 1]
    merged = []
    for size, strides in dims:
        if merged:
            prev_size, prev_strides = merged[-1]
            if all(p == s * size for p, s in zip(prev_strides, strides)):
                merged[-1] = (prev_size * size, strides)
                continue
        merged.append((size, strides))
    if len(merged) > MAXD:
        raise RuntimeError(f"OpenCL backend: an operand with shape {tuple(shape)} needs "
                           f"{len(merged)} strided dimensions; kernels walk at most {MAXD}. "
                           "Make it contiguous first (.contiguous()) or reshape it.")
    n = math.prod(shape)
    if n > _INT32_MAX:
        raise RuntimeError(f"OpenCL backend: {n} elements exceed the 2**31-1 a kernel indexes")
    values = [0] * _LAYOUT_INTS
    values[0], values[1] = len(merged), n
    for d, (size, strides) in enumerate(merged):
        values[2 + d] = size
        for k, stride in enumerate(strides):
            values[2 + MAXD + k * MAXD + d] = stride
    for k, (_, offset) in enumerate(operands):
        values[2 + 5 * MAXD + k] = offset
    for k, value in enumerate(extra):
        values[2 + 5 * MAXD + 4 + k] = value
    return np.array(values, dtype=np.int32).tobytes(), n
