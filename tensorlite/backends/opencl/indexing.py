"""Indexing primitives of the OpenCL backend: basic views, advanced indexing (getitem and
index_put through per-element offsets), gather, scatter and nonzero."""
from __future__ import annotations

import numpy as np

from .array import CLArray, Layout, broadcast_strides
from .dispatch import params, type_defines
from .errors import value_decoder


_REDUCE_MODES = {"prod": 2, "amax": 3, "amin": 4}  # the scatter kernel's modes (0 write, 1 add)
_RANGE_MESSAGE = "index {{value}} is out of bounds for axis {axis} with size {{size}}"  # one per axis


def _ignore_extra(ignore) -> tuple:
    """Layout extra words for an ignored index value: (has ignore, low word, high word)."""
    if ignore is None:
        return (0, 0, 0)
    low = ignore & 0xFFFFFFFF
    return (1, low - (1 << 32) if low >= 1 << 31 else low, ignore >> 32)


class IndexingMixin:
    """Mixed into OpenCLBackend; uses its allocation, fill and convert helpers."""

    # -- basic indexing ---------------------------------------------------------------------
    def basic_view(self, x: CLArray, key: tuple) -> CLArray:
        """x[key] for ints, slices, None and Ellipsis: a view."""
        consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
        if consumed > x.ndim:
            raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional, "
                             f"but {consumed} were indexed")
        if Ellipsis in key:
            at = key.index(Ellipsis)
            key = key[:at] + (slice(None),) * (x.ndim - consumed) + key[at + 1:]
        shape, strides, offset, d = [], [], x.offset, 0
        for k in key:
            if k is None:
                shape.append(1)
                strides.append(0)
                continue
            size, stride = x.shape[d], x.strides[d]
            if isinstance(k, slice):
                start, stop, step = k.indices(size)
                count = len(range(start, stop, step))
                if count:
                    offset += start * stride
                shape.append(count)
                strides.append(stride * step)
            else:
                index = int(k)
                if not -size <= index < size:
                    raise IndexError(f"index {index} is out of bounds for axis {d} with size {size}")
                offset += (index + size if index < 0 else index) * stride
            d += 1
        shape.extend(x.shape[d:])
        strides.extend(x.strides[d:])
        return x.with_layout(shape, strides, offset)

    # -- advanced indexing ------------------------------------------------------------------
    def _expand_key(self, x: CLArray, key: tuple) -> tuple:
        """Ellipsis expanded, bool arrays turned into int arrays (nonzero), Python bools into a
        new axis indexed by [0] or []."""
        consumed = sum(k.ndim if isinstance(k, CLArray) and k.dtype == np.bool_ else 1
                       for k in key if k is not None and k is not Ellipsis and not isinstance(k, bool))
        out = []
        for k in key:
            if k is Ellipsis:
                out.extend([slice(None)] * (x.ndim - consumed))
            elif isinstance(k, bool):
                out.append(None)
                out.append(self.upload(np.zeros(1 if k else 0, np.int64)))
            elif isinstance(k, CLArray) and k.dtype == np.bool_:
                out.extend(self.nonzero(k))
            else:
                out.append(k)
        return tuple(out)

    def _plan(self, x: CLArray, key: tuple, describe=None):
        """Split advanced indexing into: a view v of x (slices and new axes applied), the index
        shape, the result shape, the v dims that are indexed, and a contiguous int32 array of
        element offsets (one per index position) plus its constant part."""
        key = self._expand_key(x, key)
        consumed = sum(1 for k in key if k is not None)
        if consumed > x.ndim:
            raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional, "
                             f"but {consumed} were indexed")
        view_key, indexed = [], []  # indexed: (dim of v, index array or int, dim of x)
        v_dim = x_dim = 0
        for k in key:
            if k is None:
                view_key.append(None)
                v_dim += 1
            elif isinstance(k, slice):
                view_key.append(k)
                v_dim += 1
                x_dim += 1
            else:
                view_key.append(slice(None))
                indexed.append((v_dim, k, x_dim))
                v_dim += 1
                x_dim += 1
        v = self.basic_view(x, tuple(view_key))
        index_shape = tuple(np.broadcast_shapes(*[k.shape if isinstance(k, CLArray) else ()
                                                  for _, k, _ in indexed]))
        dims = [d for d, _, _ in indexed]
        rest = [d for d in range(v.ndim) if d not in dims]
        positions = [i for i, k in enumerate(key) if k is not None and not isinstance(k, slice)]
        adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
        lead = [d for d in rest if d < dims[0]] if adjacent else []
        trail = [d for d in rest if d not in lead]
        result_shape = tuple(v.shape[d] for d in lead) + index_shape + tuple(v.shape[d] for d in trail)
        offsets = self.filled(index_shape, 0, np.int32)
        base = 0
        for dim, k, x_dim in indexed:
            size, stride = v.shape[dim], v.strides[dim]
            if not isinstance(k, CLArray):
                index = int(k)
                if not -size <= index < size:
                    raise IndexError(f"index {index} is out of bounds for axis {x_dim} with size {size}")
                base += (index + size if index < 0 else index) * stride
                continue
            if k.dtype.kind not in "iu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            k = self.cast_to(k, np.int64)
            code = self.errors.code(_RANGE_MESSAGE.format(axis=x_dim), describe)
            layout = Layout(index_shape, [(offsets.strides, 0),
                                          (broadcast_strides(k, index_shape), k.offset)], (size, stride, code))
            self._launch("index.cl", "add_index_offset", type_defines(np.int32), layout.n,
                         (layout, offsets.buffer, k.buffer, self.errors.buffer))
            self.errors.launched()
        return v, lead, trail, index_shape, result_shape, offsets, base

    def _walk(self, v, lead, trail, index_shape, offsets, base, result_strides, result_offset=0, extra=()):
        """The Layout over the result: operand 0 the result (given strides), 1 the
        non-indexed dims of v, 2 the offsets array."""
        n_lead = len(lead)
        shape = tuple(v.shape[d] for d in lead) + index_shape + tuple(v.shape[d] for d in trail)
        v_strides = [v.strides[d] for d in lead] + [0] * len(index_shape) + [v.strides[d] for d in trail]
        off_strides = [0] * n_lead + list(offsets.strides) + [0] * len(trail)
        return Layout(shape, [(result_strides, result_offset), (v_strides, v.offset + base), (off_strides, 0)],
                      extra)

    def getitem(self, x, key, describe=None):
        if not any(isinstance(k, (CLArray, bool)) for k in key):
            return self.basic_view(x, key)
        v, lead, trail, index_shape, result_shape, offsets, base = self._plan(x, key, describe)
        out = self.new(result_shape, x.dtype)
        layout = self._walk(v, lead, trail, index_shape, offsets, base, out.strides)
        self._launch("index.cl", "take", type_defines(x.dtype), layout.n,
                     (layout, out.buffer, x.buffer, offsets.buffer))
        return out

    def index_put(self, x, key, values, accumulate, describe=None):
        if not any(isinstance(k, (CLArray, bool)) for k in key):
            target = self.basic_view(x, key)
            if accumulate:
                self.binary_inplace("add", target, values)
            else:
                self.copy_into(target, values)
            return
        v, lead, trail, index_shape, result_shape, offsets, base = self._plan(x, key, describe)
        if not isinstance(values, CLArray):
            values = self.filled((), values, x.dtype)
        values = self.cast_to(values, x.dtype)
        try:
            np.broadcast_shapes(values.shape, result_shape)
        except ValueError:
            raise ValueError(f"shape mismatch: value array of shape {values.shape} could not be "
                             f"broadcast to indexing result of shape {result_shape}") from None
        layout = self._walk(v, lead, trail, index_shape, offsets, base,
                            broadcast_strides(values, result_shape), values.offset, (int(bool(accumulate)),))
        self._check_atomics(x.dtype, accumulate)
        self._launch("index.cl", "put", type_defines(x.dtype), layout.n,
                     (layout, values.buffer, x.buffer, offsets.buffer))

    def _check_atomics(self, dtype, accumulate):
        if accumulate and dtype.itemsize == 8 and not self.runtime.has_int64_atomics:
            raise RuntimeError(f"accumulating {dtype} values needs 64-bit atomics "
                               f"(cl_khr_int64_base_atomics), which {self.runtime.name} lacks; "
                               "use float32")

    # -- gather and scatter ----------------------------------------------------------------
    def gather(self, x, axis, index, ignore=None, describe=None):
        index = self.cast_to(index, np.int64)
        out = self.new(index.shape, x.dtype)
        x_strides = list(x.strides)
        x_strides[axis] = 0
        code = self.errors.code(_RANGE_MESSAGE.format(axis=axis), describe)
        layout = Layout(index.shape, [(out.strides, 0), (index.strides, index.offset), (x_strides, x.offset)],
                        (x.strides[axis], x.shape[axis], code) + _ignore_extra(ignore))
        self._launch("index.cl", "gather", type_defines(x.dtype), layout.n,
                     (layout, out.buffer, index.buffer, x.buffer, self.errors.buffer))
        self.errors.launched()
        return out

    def scatter(self, x, axis, index, src, accumulate, ignore=None, describe=None, into=False):
        return self._scatter(x, axis, index, src, int(bool(accumulate)), ignore, describe, into)

    def scatter_reduce(self, x, axis, index, src, reduce, describe=None):
        return self._scatter(x, axis, index, src, _REDUCE_MODES[reduce], None, describe)

    def _scatter(self, x, axis, index, src, mode, ignore, describe, into=False):
        """scatter with kernel mode 0 (write), 1 (add), 2 (prod), 3 (amax) or 4 (amin), into a
        copy of x (into x itself when ``into``: see Backend.scatter)."""
        index = self.cast_to(index, np.int64)
        out = x if into and x.is_contiguous() and not x.offset else self.copy(x)
        out_strides = list(out.strides)
        out_strides[axis] = 0
        is_scalar = not isinstance(src, CLArray)
        if is_scalar:
            src_operand, src_buffer, src_value = ((0,) * index.ndim, 0), out.buffer, src
        else:
            src = self.cast_to(src, x.dtype)
            strides = (0,) * index.ndim if src.ndim == 0 else src.strides
            src_operand, src_buffer, src_value = (strides, src.offset), src.buffer, 0
        self._check_atomics(x.dtype, mode)
        code = self.errors.code(_RANGE_MESSAGE.format(axis=axis), describe)
        layout = Layout(index.shape, [(out_strides, 0), (index.strides, index.offset), src_operand],
                        (out.strides[axis], out.shape[axis], mode, int(is_scalar), code)
                        + _ignore_extra(ignore))
        self._launch("index.cl", "scatter", type_defines(x.dtype), layout.n,
                     (layout, out.buffer, index.buffer, src_buffer, self._consts(x.dtype, src_value),
                      self.errors.buffer))
        self.errors.launched()
        return out

    # -- strided views -----------------------------------------------------------------------
    def diagonal(self, x, axis1, axis2):
        kept = [d for d in range(x.ndim) if d not in (axis1, axis2)]
        shape = [x.shape[d] for d in kept] + [min(x.shape[axis1], x.shape[axis2])]
        strides = [x.strides[d] for d in kept] + [x.strides[axis1] + x.strides[axis2]]
        return x.with_layout(shape, strides, x.offset)

    def windows(self, x, axis, size, step):
        shape, strides = list(x.shape), list(x.strides)
        shape[axis] = (x.shape[axis] - size) // step + 1
        strides[axis] = x.strides[axis] * step
        return x.with_layout(shape + [size], strides + [x.strides[axis]], x.offset)

    def assert_all(self, x, message, describe=None):
        code = self.errors.code(message.replace("{", "{{").replace("}", "}}"), describe, RuntimeError)
        layout = Layout(x.shape, [(x.strides, x.offset)], (code,))
        self._launch("index.cl", "assert_all", type_defines(x.dtype), layout.n,
                     (layout, x.buffer, self.errors.buffer))
        self.errors.launched()

    def assert_in_range(self, x, low, high, message, describe=None):
        code = self.errors.code(message, describe, RuntimeError, value_decoder(x.dtype))
        layout = Layout(x.shape, [(x.strides, x.offset)], (code,))
        self._launch("index.cl", "assert_in_range", type_defines(x.dtype), layout.n,
                     (layout, x.buffer, params(self.runtime, low, high, dtype=x.dtype), self.errors.buffer))
        self.errors.launched()

    def nonzero(self, x):
        # the result's length depends on the values: a host round trip, as in every framework
        return tuple(self.upload(np.asarray(i, dtype=np.int64)) for i in np.nonzero(self.to_host(x)))

