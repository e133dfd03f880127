"""The NumPy backend: the reference implementation of the primitive set, on the CPU."""
from __future__ import annotations

import functools

import numpy as np

from .base import Backend, broadcast_error


def _sigmoid(x):
    # exp of a non-positive argument only, so large |x| neither overflows nor warns; np.where,
    # not boolean-mask assignment (4x slower at 64 x 64), with the same values bit for bit
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _erf(x):
    """erf to float64 accuracy: NumPy has none (and SciPy is no dependency). Series for
    |x| < 2.5, the continued fraction of erfc beyond (both converge to ~1e-16)."""
    x64 = np.asarray(x, dtype=np.float64)
    a = np.abs(x64)
    out = np.empty_like(x64)
    small = a < 2.5
    xs = x64[small]
    term = xs.copy()
    total = xs.copy()
    x2 = xs * xs
    for n in range(1, 60):  # erf(x) = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1))
        term = term * -x2 / n
        total += term / (2 * n + 1)
    out[small] = total * (2.0 / np.sqrt(np.pi))
    out[~small] = np.sign(x64[~small]) * (1.0 - _erfc_tail(a[~small]))
    return out.astype(np.result_type(x.dtype, np.float32) if x.dtype.kind == "f" else np.float32)


def _erfc_tail(x):
    """erfc(x) for float64 x >= 2.5, by its continued fraction (no cancellation: relative accuracy
    ~1e-16 down to the underflow)."""
    fraction = np.zeros_like(x)
    for k in range(60, 0, -1):  # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
        fraction = (k / 2.0) / (x + fraction)
    return np.exp(-x * x) / np.sqrt(np.pi) / (x + fraction)


def _erfc(x):
    """1 - erf(x), accurate for large x too (where 1 - erf(x) would round to 0): the continued
    fraction for x >= 2.5, 1 - erf(x) below (erfc >= 4e-4 there, so the subtraction is exact
    enough)."""
    x64 = np.asarray(x, dtype=np.float64)
    tail = x64 >= 2.5
    out = np.where(tail, _erfc_tail(np.where(tail, x64, 2.5)), 1.0 - _erf(x64).astype(np.float64))
    return out.astype(np.result_type(x.dtype, np.float32) if x.dtype.kind == "f" else np.float32)


def _relu(x):
    return np.maximum(x, x.dtype.type(0))


def _round(x):
    return np.round(x) if x.dtype.kind == "f" else x.copy()


def _sign(x):
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind == "f":  # PyTorch's sign(nan) is 0
        return np.where(np.isnan(x), x.dtype.type(0), np.sign(x)).astype(x.dtype, copy=False)
    return np.sign(x)


_UNARY = {
    "neg": np.negative, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
    "sign": _sign, "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "sigmoid": _sigmoid,
    "relu": _relu, "erf": _erf, "floor": np.floor, "ceil": np.ceil, "round": _round, "trunc": np.trunc,
    "log1p": np.log1p, "expm1": np.expm1, "logical_not": np.logical_not, "isnan": np.isnan,
    "isinf": np.isinf, "isfinite": np.isfinite, "bitwise_not": np.invert, "exp2": np.exp2,
    "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh, "erfc": _erfc,
}


def _pow(a, b, **out):
    return np.power(a, b, **out)


def _floor_divide(a, b, **out):
    return np.floor_divide(a, b, **out)


def _xlogy(a, b, out=None, casting=None):
    """a * log(b), 0 where a == 0 unless b is NaN (PyTorch's)."""
    result = np.where(np.isnan(b) | (a != 0), a * np.log(b), 0).astype(np.result_type(a, b), copy=False)
    if out is None:
        return result
    np.copyto(out, result, casting="unsafe")
    return out


def _shift(shift, fill):
    """A shift with PyTorch's rule for counts outside [0, bits): ``fill(a)`` (0 for left shifts,
    the sign fill for right ones), where NumPy's would depend on the machine."""
    def shifted(a, b, out=None, casting=None):
        a, b = np.asarray(a), np.asarray(b)
        valid = (b >= 0) & (b < a.dtype.itemsize * 8)
        result = np.where(valid, shift(a, np.where(valid, b, 0).astype(a.dtype)), fill(a))
        result = result.astype(np.result_type(a, b), copy=False)
        if out is None:
            return result
        np.copyto(out, result, casting="unsafe")
        return out
    return shifted


_BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide, "pow": _pow,
    "maximum": np.maximum, "minimum": np.minimum, "floor_divide": _floor_divide,
    "remainder": np.remainder, "eq": np.equal, "ne": np.not_equal, "lt": np.less,
    "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
    "copysign": np.copysign, "atan2": np.arctan2, "hypot": np.hypot,
    "fmod": np.fmod, "xlogy": _xlogy,
    "bitwise_left_shift": _shift(np.left_shift, lambda a: np.zeros_like(a)),
    "bitwise_right_shift": _shift(np.right_shift, lambda a: np.where(a < 0, -1, 0).astype(a.dtype)),
}
# NaN/inf results are values here, never warnings: PyTorch returns them silently, for every op
# (inf - inf, 0 * inf, x / 0, log(0), sqrt(-1), float16 overflow in arithmetic, sums and
# casts). np.errstate costs 1.3 us per block and np.seterr would change the user's global state;
# NumPy 2 keeps the error state in a context variable, so setting a precomputed "ignore" state
# and resetting it costs ~0.2 us. Only the ops in _NEVER_WARN skip it.
try:
    from numpy._core._ufunc_config import _extobj_contextvar as _ERRSTATE, _make_extobj
    _IGNORE = _make_extobj(all="ignore")
except ImportError:  # NumPy 1.x: the error state is thread-local there, np.seterr sets it
    class _ERRSTATE:
        @staticmethod
        def set(state):
            return np.seterr(**state)

        @staticmethod
        def reset(token):
            np.seterr(**token)

    _IGNORE = {"all": "ignore"}


def _quietly(fn, *args, **kwargs):
    token = _ERRSTATE.set(_IGNORE)
    try:
        return fn(*args, **kwargs)
    finally:
        _ERRSTATE.reset(token)


def _silent(method):
    """A backend method that computes values: run it with NumPy's floating-point warnings off."""
    @functools.wraps(method)
    def silent_method(*args, **kwargs):
        token = _ERRSTATE.set(_IGNORE)
        try:
            return method(*args, **kwargs)
        finally:
            _ERRSTATE.reset(token)
    return silent_method


# Ops that never raise a floating-point flag (comparisons, selections, bit ops): the fast path.
# unary/binary/reduce/matmul/binary_inplace switch the state inline rather than through a helper:
# the extra call and argument packing measured 0.1-0.45 us more per backend call.
_NEVER_WARN = {"neg", "abs", "sign", "relu", "floor", "ceil", "round", "trunc", "logical_not",
               "isnan", "isinf", "isfinite", "bitwise_not", "maximum", "minimum", "eq", "ne", "lt",
               "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "bitwise_and",
               "bitwise_or", "bitwise_xor", "max", "min", "any", "all", "copysign"}

_REDUCE = {"sum": np.add.reduce, "prod": np.multiply.reduce, "max": np.maximum.reduce,
           "min": np.minimum.reduce, "any": np.logical_or.reduce, "all": np.logical_and.reduce}


def _pad_or_crop(x, pads, value):
    """Pad (N, C, H, W) by (top, bottom, left, right); negative amounts crop."""
    top, bottom, left, right = pads
    if min(pads) < 0:
        x = x[:, :, max(-top, 0):x.shape[2] - max(-bottom, 0), max(-left, 0):x.shape[3] - max(-right, 0)]
        top, bottom, left, right = (max(p, 0) for p in pads)
    if top or bottom or left or right:
        x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)
    return x


def _check_no_wrap(index: np.ndarray, size: int, axis: int, high: bool = True) -> None:
    """gather and scatter take indices in [0, size): NumPy would count a negative one from the
    end. Raises the IndexError NumPy raises for an index past the end (``high``: check that too)."""
    if not index.size:
        return
    low = index.min()
    bad = low if low < 0 else index.max() if high else None
    if bad is not None and (bad < 0 or bad >= size):
        raise IndexError(f"index {int(bad)} is out of bounds for axis {axis} with size {size}")


def _is_zero(value) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value == 0
    return isinstance(value, (int, float)) and value == 0


def _full(shape, value, dtype):
    if shape == ():
        return np.array(value, dtype=dtype.numpy)
    return np.full(shape, value, dtype=dtype.numpy)


class NumpyBackend(Backend):
    """Arrays are ``numpy.ndarray``; views alias like PyTorch's do."""

    name = "numpy"

    @_silent
    def from_host(self, host_array, dtype):
        return np.array(host_array, dtype=dtype.numpy, copy=True)

    def to_host(self, x):
        return x

    def full(self, shape, value, dtype):
        if isinstance(value, (int, float)) and -65504.0 <= value <= 65504.0:
            return _full(shape, value, dtype)  # fits float16 (and every dtype it is cast to): no warning
        return _quietly(_full, shape, value, dtype)

    def empty(self, shape, dtype):
        return np.empty(shape, dtype=dtype.numpy)

    @_silent
    def arange(self, start, end, step, dtype):
        return np.arange(start, end, step, dtype=np.float64).astype(dtype.numpy) \
            if dtype.is_floating_point else np.arange(start, end, step, dtype=dtype.numpy)

    @_silent
    def random(self, kind, shape, dtype, seed, offset, low=0.0, high=1.0):
        generator = np.random.Generator(np.random.Philox(key=seed, counter=[0, offset, 0, 0]))
        if kind == "uniform":
            values = generator.random(shape, dtype=np.float64) * (high - low) + low
        elif kind == "normal":
            values = generator.standard_normal(shape, dtype=np.float64)
        elif kind == "randint":
            values = generator.integers(low, high, size=shape, dtype=np.int64)
        else:
            raise ValueError(f"unknown random kind {kind!r}")
        return np.asarray(values, dtype=dtype.numpy)

    def unary(self, op, x):
        if op in _NEVER_WARN:
            return np.asarray(_UNARY[op](x))
        token = _ERRSTATE.set(_IGNORE)
        try:
            return np.asarray(_UNARY[op](x))
        finally:
            _ERRSTATE.reset(token)

    def binary(self, op, a, b):
        token = None if op in _NEVER_WARN else _ERRSTATE.set(_IGNORE)
        try:
            return np.asarray(_BINARY[op](a, b))
        except ValueError:
            raise broadcast_error(op, np.shape(a), np.shape(b)) from None
        finally:
            if token is not None:
                _ERRSTATE.reset(token)

    def where(self, condition, a, b):
        if _is_zero(b) and isinstance(a, np.ndarray) and a.size >= 8192 and a.dtype.kind == "f" \
                and condition.dtype == np.bool_ and bool(np.isfinite(a).all()):
            # np.where branches per element (10x slower on a random mask, e.g. relu's backward);
            # a * mask is the same for finite a, and + 0.0 turns the -0.0 of (negative * False) to 0.0
            try:
                out = np.multiply(a, condition)
            except ValueError:
                raise broadcast_error("where", np.shape(condition), a.shape, np.shape(b)) from None
            out += 0.0
            return out
        try:
            return np.where(condition, a, b)
        except ValueError:
            raise broadcast_error("where", np.shape(condition), np.shape(a), np.shape(b)) from None

    @_silent
    def cast(self, x, dtype):
        return x.astype(dtype.numpy)

    def reduce(self, op, x, axes, keepdims):
        if op == "sum" and x.dtype.kind in "biu":
            return np.asarray(np.add.reduce(x, axis=axes, keepdims=keepdims, dtype=np.int64))
        if op in ("any", "all") and x.dtype.kind != "b":
            x = x != 0
        token = None if op in _NEVER_WARN else _ERRSTATE.set(_IGNORE)
        try:
            return np.asarray(_REDUCE[op](x, axis=axes, keepdims=keepdims))
        finally:
            if token is not None:
                _ERRSTATE.reset(token)

    def arg_reduce(self, op, x, axis, keepdims):
        fn = np.argmax if op == "argmax" else np.argmin
        return np.asarray(fn(x, axis=axis, keepdims=keepdims), dtype=np.int64)

    @_silent
    def cumsum(self, x, axis):
        if x.dtype.kind in "biu":
            return np.cumsum(x, axis=axis, dtype=np.int64)
        return np.cumsum(x, axis=axis)

    def reshape(self, x, shape):
        return np.reshape(x, shape)

    def view(self, x, shape):
        out = x.view()
        try:
            out.shape = shape
        except AttributeError:
            raise ValueError("not viewable") from None
        return out

    def permute(self, x, axes):
        return np.transpose(x, axes)

    def broadcast_to(self, x, shape):
        # writable like PyTorch's expand: writes through overlapping elements are refused by
        # the in-place check (has_internal_overlap), slices without overlap may be written
        if not x.shape:  # a scalar spread over shape: the backward of a full reduction
            return np.ndarray(shape, x.dtype, x, 0, (0,) * len(shape))
        if not x.flags.c_contiguous:
            return np.broadcast_to(x, shape)
        # a direct strided view: np.broadcast_to's argument handling costs 3 us per call
        lead = len(shape) - x.ndim
        strides = [0] * lead
        for size, stride, target in zip(x.shape, x.strides, shape[lead:]):
            strides.append(stride if size == target else 0)
        return np.ndarray(shape, x.dtype, x, 0, tuple(strides))

    def getitem(self, x, key, describe=None):  # range errors raise at once (the caller words them)
        return np.asarray(x[key])

    def flip(self, x, axes):
        return np.flip(x, axes).copy()

    @_silent
    def pad(self, x, widths, value):
        return np.pad(x, widths, mode="constant", constant_values=value)

    def concatenate(self, arrays, axis):
        return np.concatenate(arrays, axis=axis)

    def copy(self, x):
        return np.array(x, copy=True, order="C")

    def aliases(self, a, b):
        base = a.base
        if base is not None and (base is b or base is b.base):
            return True  # the usual view case, without may_share_memory's 1 us
        return base is not None and np.may_share_memory(a, b)

    def has_internal_overlap(self, x):
        return any(stride == 0 and size > 1 for stride, size in zip(x.strides, x.shape))

    def gather(self, x, axis, index, ignore=None, describe=None):
        if ignore is not None:
            skipped = index == ignore
            out = self.gather(x, axis, np.where(skipped, 0, index))
            out[skipped] = 0
            return out
        if index.size and index.ndim > 1 and all(s == 0 for d, s in enumerate(index.strides) if d != axis):
            # one index broadcast along the other dims (index_select, embedding): one take
            line = index[tuple(slice(None) if d == axis else 0 for d in range(index.ndim))]
            _check_no_wrap(line, x.shape[axis], axis, high=False)  # np.take raises for >= size
            return np.take(x, line, axis=axis)
        _check_no_wrap(index, x.shape[axis], axis, high=False)  # NumPy's indexing raises for >= size
        if x.ndim == 2 and axis == 1:  # the cross-entropy case; take_along_axis costs ~10 us more
            return x[np.arange(x.shape[0])[:, None], index]
        return np.take_along_axis(x, index, axis=axis)

    @_silent
    def scatter(self, x, axis, index, src, accumulate, ignore=None, describe=None):
        kept = None if ignore is None else index != ignore
        _check_no_wrap(index if kept is None else index[kept], x.shape[axis], axis)
        out = np.array(x, copy=True)
        src = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else \
            src[tuple(slice(0, n) for n in index.shape)]
        # only the index's extent is written: position p of index/src goes to p with p[axis]
        # replaced by index[p] (put_along_axis would broadcast a smaller index over x)
        coords = list(np.indices(index.shape, sparse=True))
        coords[axis] = index
        if kept is not None:  # ignored positions write nothing
            coords = [c[kept] for c in np.broadcast_arrays(*coords)]
            src = src[kept]
        if not accumulate:
            out[tuple(coords)] = src
            return out
        if index.shape[axis] == 1:
            # one index along the axis: no two positions share a destination, so a fancy-index
            # add is exact (gather's backward in a classification loss: bincount over the whole
            # (N, classes) output cost ~2 ms a step on 700 x 2000)
            out[tuple(coords)] += src
            return out
        # flat destination of every source element, summed with bincount (np.add.at is ~20x slower)
        flat = np.ravel_multi_index(np.broadcast_arrays(*coords), x.shape).ravel()
        sums = np.bincount(flat, weights=np.asarray(src, dtype=np.float64).ravel(), minlength=out.size)
        out += sums.reshape(out.shape).astype(out.dtype)
        return out

    @_silent
    def index_put(self, x, key, values, accumulate, describe=None):
        if accumulate and any(isinstance(k, np.ndarray) for k in key):
            np.add.at(x, key, values)
        elif accumulate:
            x[key] += values
        else:
            x[key] = values

    def assert_all(self, x, message, describe=None):
        if not x.all():
            error = RuntimeError(message)
            raise describe(error) if describe is not None else error

    def assert_in_range(self, x, low, high, message, describe=None):
        outside = ~((x >= low) & (x <= high))
        if outside.any():
            error = RuntimeError(message.format(value=x[outside].flat[0].item()))
            raise describe(error) if describe is not None else error

    def nonzero(self, x):
        return tuple(np.asarray(i, dtype=np.int64) for i in np.nonzero(x))

    def is_contiguous(self, x):
        return x.flags.c_contiguous

    @_silent
    def unfold(self, x, kernel, stride, pads, dilation, pad_value=0.0, layout="batch"):
        x = _pad_or_crop(x, pads, pad_value)
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
        s0, s1, s2, s3 = x.strides
        windows = np.lib.stride_tricks.as_strided(
            x, (n, c, kh, kw, oh, ow), (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw), writeable=False)
        if layout == "columns":
            out = windows.transpose(1, 2, 3, 0, 4, 5).reshape(c * kh * kw, n * oh * ow)
        else:
            out = windows.reshape(n, c * kh * kw, oh * ow)
        # a reshape that needed no copy (1x1 windows) is still the read-only view of x: copy it
        return out if out.flags.writeable else out.copy()

    @_silent
    def max_pool2d(self, x, kernel, stride, pads, dilation):
        n, c, h, w = x.shape
        xp = _pad_or_crop(x, pads, -np.inf)
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
        ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
        # one strided view per kernel offset, no window copy: np.maximum for the values (NaN
        # propagates, as in PyTorch), then a reverse scan so the first maximum's offset wins
        # (PyTorch's tie rule)
        views = [xp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
                 for i in range(kh) for j in range(kw)]
        values = views[0].copy()
        for view in views[1:]:
            np.maximum(values, view, out=values)
        index_type = np.int8 if len(views) < 128 else np.int64
        best = np.full(values.shape, len(views) - 1, dtype=index_type)
        step = np.empty_like(best)
        for k in range(len(views) - 2, -1, -1):  # best -= (best - k) * hit: branch-free
            np.subtract(best, k, out=step)
            step *= views[k] == values
            best -= step
        if x.dtype.kind == "f" and bool(np.isnan(values).any()):
            for k, view in enumerate(views):  # PyTorch's kernel takes every NaN: the last one wins
                best = np.where(np.isnan(view), k, best).astype(index_type)
        offsets = np.array([i * dh * w + j * dw for i in range(kh) for j in range(kw)], dtype=np.int64)
        corner = (np.arange(oh)[:, None] * sh - pads[0]) * w + np.arange(ow)[None, :] * sw - pads[2]
        return values, offsets[best] + corner

    @_silent
    def fold(self, cols, output_size, kernel, stride, pads, dilation, layout="batch"):
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        top, bottom, left, right = pads
        height, width = output_size[0] + top + bottom, output_size[1] + left + right
        oh, ow = (height - dh * (kh - 1) - 1) // sh + 1, (width - dw * (kw - 1) - 1) // sw + 1
        # kernel offsets first and contiguous: each add below then reads one dense block
        if layout == "columns":
            c, n = cols.shape[0] // (kh * kw), cols.shape[1] // (oh * ow)
            blocks = np.ascontiguousarray(cols.reshape(c, kh, kw, n, oh, ow).transpose(1, 2, 3, 0, 4, 5))
        else:
            n, c = cols.shape[0], cols.shape[1] // (kh * kw)
            blocks = np.ascontiguousarray(cols.reshape(n, c, kh, kw, oh, ow).transpose(2, 3, 0, 1, 4, 5))
        canvas = np.zeros((n, c, max(height, top + output_size[0]), max(width, left + output_size[1])),
                          dtype=cols.dtype)
        for i in range(kh):  # kernel offsets only: never a loop over batch or channels
            for j in range(kw):
                canvas[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                       j * dw:j * dw + sw * (ow - 1) + 1:sw] += blocks[i, j]
        return np.ascontiguousarray(canvas[:, :, top:top + output_size[0], left:left + output_size[1]])

    @_silent
    def adam_step(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2,
                  eps, weight_decay, decoupled, amsgrad):
        step += 1
        step = float(step)  # a 0-dim host array here: reading it is no device read
        scratch = np.empty_like(param)
        if weight_decay:
            if decoupled:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        exp_avg *= beta1
        np.multiply(grad, 1 - beta1, out=scratch)
        exp_avg += scratch
        exp_avg_sq *= beta2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - beta2
        exp_avg_sq += scratch
        second = exp_avg_sq
        if amsgrad:
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            second = max_exp_avg_sq
        np.sqrt(second, out=scratch)
        scratch /= np.sqrt(1 - beta2 ** step)
        scratch += eps
        np.divide(exp_avg, scratch, out=scratch)
        scratch *= lr / (1 - beta1 ** step)
        param -= scratch

    def matmul(self, a, b, transpose_a=False, transpose_b=False):
        if transpose_a:
            a = np.swapaxes(a, -1, -2)
        if transpose_b:
            b = np.swapaxes(b, -1, -2)
        token = _ERRSTATE.set(_IGNORE)  # inline, not @_silent: 0.3 us less on the hot path
        try:
            return np.matmul(a, b)
        finally:
            _ERRSTATE.reset(token)

    @_silent
    def copy_into(self, dst, src):
        np.copyto(dst, src, casting="unsafe")

    def binary_inplace(self, op, dst, other):
        token = None if op in _NEVER_WARN else _ERRSTATE.set(_IGNORE)
        try:
            _BINARY[op](dst, other, out=dst, casting="unsafe")
        finally:
            if token is not None:
                _ERRSTATE.reset(token)

    def all_finite(self, x):
        return x.dtype.kind != "f" or bool(np.isfinite(x).all())
