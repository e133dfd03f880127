"""The NumPy backend: the reference implementation of the primitive set, on the CPU."""
from __future__ import annotations

import functools
import math

import numpy as np

from . import _stl
from ._recycle import Recycler
from ..dtypes import FLOAT_KINDS, HALF_DTYPES
from .base import UNSTABLE_EXACT_UP_TO, Backend, broadcast_error
from .fusion import run_reference

# float16 and bfloat16 (ml_dtypes) compute in float32 and round once, as PyTorch's CPU kernels
# do: sums and matrix products accumulate in float32 (NumPy would accumulate float16 in
# float16, and has no BLAS for either: a float16 matmul ran ~120x slower than float32), functions
# made of several NumPy calls (sigmoid, erf, xlogy) round only their result, and a Python number
# factor or divisor stays a float32 (x * 0.1 multiplies by float32(0.1), not by bfloat16(0.1) =
# 0.1000977: PyTorch's mul/div keep the scalar in float32; every other op, add and sub included,
# rounds it to the half type first)
_HALF = frozenset(d.numpy for d in HALF_DTYPES)
_HALF_DTYPES = frozenset(HALF_DTYPES)


def _as_dtype(values, dtype):
    """values (an array, a Python number or nested lists) as an array of NumPy ``dtype``; into a
    half type through float32, as PyTorch converts (1 + 2**-8 + 1e-9 is bfloat16 1.0: float32
    rounds it to the tie 1 + 2**-8 first, which goes to even; directly it would be 1 + 2**-7)."""
    if dtype in _HALF and getattr(values, "dtype", None) not in _HALF:
        values = np.asarray(values, dtype=np.float32)
    return np.array(values, dtype=dtype, copy=True)


_FLOAT32_NUMBERS = frozenset({"mul", "div"})


def _in_float32(fn, *operands, out=None, float32_numbers=False):
    """fn over float16/bfloat16 arrays (and Python numbers) computed in float32; a floating result
    is rounded once to the operands' half dtype (into ``out`` when given). Python numbers are
    rounded to the half dtype first unless ``float32_numbers``."""
    half = next(x.dtype for x in operands if getattr(x, "dtype", None) in _HALF)
    number_type = np.float32 if float32_numbers else lambda v: np.float32(half.type(v))
    result = np.asarray(fn(*(x.astype(np.float32) if hasattr(x, "dtype") else
                             number_type(x) if type(x) is float else x for x in operands)))
    if result.dtype == np.float32:
        result = result.astype(half)
    if out is None:
        return result
    np.copyto(out, result, casting="unsafe")
    return out


def _half_sum(x, axes, keepdims):
    return np.asarray(np.add.reduce(x, axis=axes, keepdims=keepdims, dtype=np.float32), dtype=x.dtype)


def _sigmoid(x):
    # exp(min(x, 0)) / (1 + exp(-|x|)): exp of non-positive arguments only, so large |x| neither
    # overflows nor warns; the values of the two branches 1 / (1 + e) and e / (1 + e), e =
    # exp(-|x|), bit for bit (x < 0: -|x| is x exactly) without a select (np.where branched per
    # element: 3x slower at (20, 512), the LSTM's gates)
    denominator = np.exp(-np.abs(x))
    denominator += 1.0
    out = np.exp(np.minimum(x, 0.0))
    out /= denominator
    return out


# erf(x) = x + x P(x^2) on |x| < 1 and erfc(x) = Q(1/x - 0.625) / exp(x^2) on 1 <= x <= 4:
# least-squares fits on Chebyshev nodes against float64 references, written so that float32
# rounding stays small (P is erf(x)/x - 1, and Q's variable is centred: no cancellation). In
# float32 they are within 1.35 ulp of the exact erf (tests/test_erf_fast_path.py measures it)
# and ~10x faster than the float64 series.
_ERF_SMALL = (7.933493811851257e-05, -0.0008034846624250108, 0.005191218373950388, -0.02685539944984745,
              0.1128362572501448, -0.37612629877665993, 0.12837916659314955)
_ERFC_TAIL = (-0.008870569842804349, -0.018690079765279116, 0.0451610707906076, -0.04781106186535666,
              0.02321441577713521, 0.04380084593583791, -0.1723922663220816, 0.382283414092825,
              0.30595298335209575)
# Past a few cache-sized blocks the ~40 passes of the float32 erf are bound by memory traffic:
# large arrays go through in blocks of this many elements (1.5x faster at 1M elements).
_ERF_BLOCK = 65536


def _horner(coefficients, t, acc):
    """The polynomial at t written into acc (same shape and dtype as t), highest degree first."""
    np.multiply(t, t.dtype.type(coefficients[0]), out=acc)
    acc += t.dtype.type(coefficients[1])
    for c in coefficients[2:]:
        acc *= t
        acc += t.dtype.type(c)
    return acc


def _erf_float32(x):
    """erf in float32 arithmetic (for float32/float16/integer inputs, the GELU hot path): two
    short polynomials instead of the float64 series."""
    x32 = np.asarray(x, dtype=np.float32)
    flat = np.ascontiguousarray(x32).reshape(-1)  # 1-D: a ufunc on a 0-d array returns a scalar
    if flat.size <= _ERF_BLOCK:
        out = _erf_float32_block(flat)
    else:
        out = np.empty(flat.shape, dtype=np.float32)
        for start in range(0, flat.size, _ERF_BLOCK):
            out[start:start + _ERF_BLOCK] = _erf_float32_block(flat[start:start + _ERF_BLOCK])
    return out.reshape(x32.shape).astype(_floating_result(x.dtype), copy=False)


def _erf_float32_block(x):
    """One branch on every element, the other on the elements that need it only (gathered and
    scattered back): the passes go where the values are (GELU's inputs are mostly |x| < 1 early
    in training). No np.where select: it branches per element, 6x slower on a random mask."""
    outside = np.abs(x) >= np.float32(1.0)  # nan is not: the small branch passes it through
    count = int(np.count_nonzero(outside))
    if 2 * count <= x.size:
        out = _erf_small(np.clip(x, np.float32(-1.0), np.float32(1.0)))
        if count:
            positions = np.flatnonzero(outside)
            out[positions] = _erf_tail(x[positions])
        return out
    out = _erf_tail(x)
    if count < x.size:
        positions = np.flatnonzero(~outside)
        out[positions] = _erf_small(x[positions])
    return out


def _erf_small(x):
    """erf on |x| <= 1 (float32): x + x P(x^2)."""
    out = _horner(_ERF_SMALL, np.multiply(x, x), np.empty_like(x))
    out *= x
    out += x
    return out


def _erf_tail(x):
    """erf on |x| >= 1 (float32; smaller |x| is clamped to 1, larger to 4 where erf is 1):
    1 - Q(1/|x| - 0.625) / exp(x^2) with x's sign."""
    one = np.float32(1.0)
    b = np.clip(np.abs(x), one, np.float32(4.0))
    t = np.divide(one, b)
    t -= np.float32(0.625)
    out = _horner(_ERFC_TAIL, t, np.empty_like(t))
    np.multiply(b, b, out=b)
    out /= np.exp(b, out=b)
    np.subtract(one, out, out=out)
    return np.copysign(out, x, out=out)


# -- fused GELU and layer_norm (the transformer MLP's and blocks' hot paths) --------------------
# NumPy runs one pass over memory per call, where PyTorch runs one fused loop: these go through
# blocks small enough to stay in the L2 cache, in place on per-block scratch, in the input's
# float type (float32 throughout for float32). Measured on the GPT example's shapes: GELU
# forward+backward on (32, 64, 512) 5.6 -> 1.9 ms, layer_norm on (32, 64, 128) 1.9 -> 0.6 ms.
_FUSED_BLOCK = 65536

# Phi(x) = 0.5 + x R(x^2) on |x| < sqrt(2): erf's small-branch polynomial (erf(z) = z + z P(z^2),
# z = x / sqrt(2)) with the 1/sqrt(2) and the halving folded into its coefficients, so GELU's
# cdf costs one polynomial and no division: R(u) = (1 + P(u / 2)) / (2 sqrt(2)).
_PHI_SMALL = tuple(c * 0.5 ** (len(_ERF_SMALL) - 1 - i) / (2 * math.sqrt(2.0))
                   for i, c in enumerate(_ERF_SMALL[:-1])) + ((1.0 + _ERF_SMALL[-1]) / (2 * math.sqrt(2.0)),)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _blocks(size: int, block: int):
    """(start, stop) pairs covering range(size) in steps of block."""
    return ((start, min(start + block, size)) for start in range(0, size, block))


def _flat_float(x, dtype):
    """x as a contiguous 1-D array of dtype (a view when it already is one)."""
    return np.ascontiguousarray(x, dtype=dtype).reshape(-1)


def _gelu_float32_block(x, out, cdf, scratch, tail):
    """out = x Phi(x) and cdf = Phi(x) on one float32 block by the folded polynomial, and tail
    marks where |x| >= sqrt(2), outside its range (nan is not: the polynomial passes it on)."""
    np.multiply(x, x, out=scratch)
    np.greater_equal(scratch, np.float32(2.0), out=tail)
    _horner(_PHI_SMALL, scratch, cdf)
    cdf *= x
    cdf += np.float32(0.5)
    np.multiply(x, cdf, out=out)


def _gelu_float32_tail(x, out, cdf, tail):
    """Redo the |x| >= sqrt(2) elements (few, in a network's pre-activations) with erf's tail
    branch, gathered from the whole array at once: per block it would cost ~25 NumPy calls."""
    positions = np.flatnonzero(tail)
    if positions.size:
        x_tail = x[positions]
        erf = _erf_tail(x_tail * np.float32(_INV_SQRT2))
        erf += np.float32(1.0)
        erf *= np.float32(0.5)
        cdf[positions] = erf
        out[positions] = erf * x_tail


def _gelu_backward_block(grad, x, cdf, out, scratch):
    """out = grad (Phi(x) + x phi(x)) on one block (phi the normal density)."""
    np.multiply(x, x, out=scratch)
    scratch *= x.dtype.type(-0.5)
    np.exp(scratch, out=scratch)
    scratch *= x
    scratch *= x.dtype.type(_INV_SQRT_2PI)
    scratch += cdf
    np.multiply(scratch, grad, out=out)


def _gelu(x):
    """(x Phi(x), Phi(x)), exact GELU: float32 (and half types, in float32, rounded once) by
    blocks through the folded polynomial, float64 through the float64 erf."""
    if x.dtype == np.float64:
        cdf = _erf(x * _INV_SQRT2)
        cdf += 1.0
        cdf *= 0.5
        return x * cdf, cdf
    flat = _flat_float(x, np.float32)
    out, cdf = np.empty_like(flat), np.empty_like(flat)
    tail = np.empty(flat.shape, np.bool_)
    scratch = np.empty(min(flat.size, _FUSED_BLOCK), np.float32)
    for start, stop in _blocks(flat.size, _FUSED_BLOCK):
        _gelu_float32_block(flat[start:stop], out[start:stop], cdf[start:stop], scratch[:stop - start],
                            tail[start:stop])
    _gelu_float32_tail(flat, out, cdf, tail)
    return (out.reshape(x.shape).astype(x.dtype, copy=False),
            cdf.reshape(x.shape).astype(x.dtype, copy=False))


def _gelu_backward(grad, x, cdf):
    """grad (Phi(x) + x phi(x)) in x's dtype (half types in float32, rounded once)."""
    work = np.float64 if x.dtype == np.float64 else np.float32
    flat_x, flat_cdf = _flat_float(x, work), _flat_float(cdf, work)
    flat_grad = _flat_float(np.broadcast_to(grad, x.shape), work)
    out = np.empty_like(flat_x)
    scratch = np.empty(min(flat_x.size, _FUSED_BLOCK), work)
    for start, stop in _blocks(flat_x.size, _FUSED_BLOCK):
        _gelu_backward_block(flat_grad[start:stop], flat_x[start:stop], flat_cdf[start:stop],
                             out[start:stop], scratch[:stop - start])
    return out.reshape(x.shape).astype(x.dtype, copy=False)


_ONES = {}


def _ones(size: int, dtype):
    """A read-only vector of ``size`` ones of ``dtype`` (the GEMV operand of ``_row_sums``),
    made once per size and dtype."""
    key = (size, dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) >= 64:
            _ONES.clear()
        ones = _ONES[key] = np.ones(size, dtype)
        ones.flags.writeable = False
    return ones


def _row_sums(rows, ones):
    """The sums of a (r, n) block's rows, as (r, 1): a GEMV against ones (NumPy's reduction
    along a short last axis loops per row, ~3x slower at n = 128)."""
    return np.matmul(rows, ones[:rows.shape[1]]).reshape(-1, 1)


def _layer_norm(x, weight, bias, size: int, eps: float):
    """(out, xhat, rstd) of layer_norm over the last ``size`` elements of each row: xhat =
    (x - mean) rstd, rstd = 1 / sqrt(biased var + eps), out = xhat weight + bias (each
    optional); xhat and out have x's shape, rstd is (rows, 1). Two-pass mean and variance."""
    work = np.float64 if x.dtype == np.float64 else np.float32
    rows = _flat_float(x, work).reshape(-1, size)
    xhat = np.empty_like(rows)
    rstd = np.empty((rows.shape[0], 1), work)
    w = None if weight is None else _flat_float(weight, work)
    b = None if bias is None else _flat_float(bias, work)
    out = xhat if w is None and b is None else np.empty_like(rows)
    ones = np.ones(size, work)
    step = max(1, _FUSED_BLOCK // size)
    scratch = np.empty((min(step, rows.shape[0]), size), work)
    for start, stop in _blocks(rows.shape[0], step):
        block, xh, sq = rows[start:stop], xhat[start:stop], scratch[:stop - start]
        np.subtract(block, _row_sums(block, ones) / work(size), out=xh)
        np.multiply(xh, xh, out=sq)
        r = rstd[start:stop]
        np.divide(_row_sums(sq, ones), work(size), out=r)
        r += work(eps)
        np.sqrt(r, out=r)
        np.divide(work(1.0), r, out=r)
        xh *= r
        if w is not None:
            np.multiply(xh, w, out=out[start:stop])
        if b is not None:
            np.add(xh if w is None else out[start:stop], b, out=out[start:stop])
    dtype = x.dtype
    result = out.reshape(x.shape).astype(dtype, copy=False)
    return result, (result if out is xhat else xhat.reshape(x.shape).astype(dtype, copy=False)), \
        rstd.astype(dtype, copy=False)


def _layer_norm_backward(grad, xhat, rstd, weight, shape: tuple, needs):
    """(grad_x, grad_weight, grad_bias) of layer_norm (None where needs is False): grad_x =
    rstd (g - mean(g) - xhat mean(g xhat)) with g = grad weight, per row of ``size``;
    grad_weight = sum over rows of grad xhat, grad_bias of grad (both of ``shape``,
    the normalized shape)."""
    work = np.float64 if xhat.dtype == np.float64 else np.float32
    size = math.prod(shape)
    g_rows = _flat_float(np.broadcast_to(grad, xhat.shape), work).reshape(-1, size)
    xh_rows = _flat_float(xhat, work).reshape(-1, size)
    r_rows = _flat_float(rstd, work).reshape(-1, 1)
    w = None if weight is None else _flat_float(weight, work)
    n_rows = g_rows.shape[0]
    grad_x = np.empty_like(g_rows) if needs[0] else None
    grad_w = np.zeros(size, work) if needs[1] else None
    grad_b = np.zeros(size, work) if needs[2] else None
    ones = np.ones(max(size, min(n_rows, _FUSED_BLOCK)), work)
    step = max(1, _FUSED_BLOCK // size)
    scratch = np.empty((min(step, n_rows), size), work)
    for start, stop in _blocks(n_rows, step):
        g, xh, tmp = g_rows[start:stop], xh_rows[start:stop], scratch[:stop - start]
        ones_rows = ones[:stop - start]
        if grad_w is not None:
            np.multiply(g, xh, out=tmp)
            grad_w += np.matmul(ones_rows, tmp)
        if grad_b is not None:
            grad_b += np.matmul(ones_rows, g)
        if grad_x is None:
            continue
        gx = grad_x[start:stop]
        if w is not None:
            np.multiply(g, w, out=gx)
            g = gx
        np.multiply(g, xh, out=tmp)
        projection = _row_sums(tmp, ones) / work(size)
        mean = _row_sums(g, ones) / work(size)
        np.subtract(g, mean, out=gx)
        np.multiply(xh, projection, out=tmp)
        gx -= tmp
        gx *= r_rows[start:stop]
    dtype = xhat.dtype
    return (None if grad_x is None else grad_x.reshape(xhat.shape).astype(dtype, copy=False),
            None if grad_w is None else grad_w.reshape(shape).astype(dtype, copy=False),
            None if grad_b is None else grad_b.reshape(shape).astype(dtype, copy=False))



def _softmax_last(x, log: bool):
    """softmax (log_softmax) along the last axis of a contiguous x by blocks of rows that stay in
    the cache, the row sums of exp as a GEMV (the values of the composition: shift by the row
    max, exp, sum)."""
    size = x.shape[-1]
    rows = x.reshape(-1, size)
    ones = _ones(size, x.dtype)
    if rows.size <= _FUSED_BLOCK:  # one block (a classifier's logits): the same calls, unrolled
        out = np.subtract(rows, _row_max(rows, 1))
        exps = np.exp(out)
        if not log:
            exps /= _row_sums(exps, ones)
            return exps.reshape(x.shape)
        out -= np.log(_row_sums(exps, ones))
        return out.reshape(x.shape)
    out = np.empty_like(rows)
    step = max(1, _FUSED_BLOCK // size)
    scratch = np.empty((min(step, rows.shape[0]), size), x.dtype)
    for start, stop in _blocks(rows.shape[0], step):
        block, result, exps = rows[start:stop], out[start:stop], scratch[:stop - start]
        np.subtract(block, _row_max(block, 1), out=result)
        np.exp(result, out=exps)
        if log:
            result -= np.log(_row_sums(exps, ones))
        else:
            np.divide(exps, _row_sums(exps, ones), out=result)
    return out.reshape(x.shape)


def _masked_softmax_last(x, keep, scale: float):
    """softmax(where(keep, x * scale, -inf)) over the last axis of a contiguous x (..., L, S), keep
    (L, S): blocks of whole score matrices, so one tile of the mask serves every block."""
    length, size = keep.shape
    rows = x.reshape(-1, size)
    out = np.empty_like(rows)
    matrices = max(1, min(_FUSED_BLOCK // (length * size), rows.shape[0] // length))
    hidden = np.tile(~keep, (matrices, 1))
    ones = np.ones(size, x.dtype)
    for start, stop in _blocks(rows.shape[0], matrices * length):
        result = out[start:stop]
        np.multiply(rows[start:stop], x.dtype.type(scale), out=result)
        np.copyto(result, x.dtype.type(-np.inf), where=hidden[:stop - start])
        result -= _row_max(result, 1)
        np.exp(result, out=result)
        result /= _row_sums(result, ones)
    return out.reshape(x.shape)


def _softmax_backward_last(grad, out, log: bool):
    """softmax_backward along the last axis of contiguous operands, by blocks of rows."""
    size = out.shape[-1]
    g_rows, out_rows = grad.reshape(-1, size), out.reshape(-1, size)
    ones = _ones(size, out.dtype)
    if out_rows.size <= _FUSED_BLOCK:  # one block: the same calls, unrolled
        if log:
            tmp = np.exp(out_rows)
            tmp *= _row_sums(g_rows, ones)
            np.subtract(g_rows, tmp, out=tmp)
        else:
            tmp = np.multiply(g_rows, out_rows)
            np.subtract(g_rows, _row_sums(tmp, ones), out=tmp)
            tmp *= out_rows
        return tmp.reshape(out.shape)
    result = np.empty_like(out_rows)
    step = max(1, _FUSED_BLOCK // size)
    scratch = np.empty((min(step, out_rows.shape[0]), size), out.dtype)
    for start, stop in _blocks(out_rows.shape[0], step):
        g, y, res, tmp = g_rows[start:stop], out_rows[start:stop], result[start:stop], scratch[:stop - start]
        if log:  # grad - exp(out) sum(grad)
            np.exp(y, out=tmp)
            tmp *= _row_sums(g, ones)
            np.subtract(g, tmp, out=res)
        else:  # out (grad - sum(grad out))
            np.multiply(g, y, out=tmp)
            np.subtract(g, _row_sums(tmp, ones), out=res)
            res *= y
    return result.reshape(out.shape)

def _row_max(x, axis: int):
    """max along one axis, kept as a dim of 1. Along a short last axis (attention scores, a
    vocabulary of characters) as a tree of elementwise maxima over halves: NumPy's reduction
    there loops per row (2-2.5x slower at 32-61 elements a row). Both propagate nan."""
    length = x.shape[axis] if x.ndim else 0
    if axis != x.ndim - 1 or not 1 < length <= 96:
        return np.maximum.reduce(x, axis=axis, keepdims=True)
    m = x
    while length > 1:
        half = length // 2
        head = np.maximum(m[..., :half], m[..., half:2 * half])
        if length % 2:  # the odd element out joins the first column
            np.maximum(head[..., :1], m[..., 2 * half:], out=head[..., :1])
        m, length = head, half
    return m


def _is_line_broadcast(index, axis: int) -> bool:
    """Whether index is one line along axis broadcast over the other dims (embedding's and
    index_select's gather): every row of the scatter goes to one destination row."""
    return all(stride == 0 for d, stride in enumerate(index.strides) if d != axis and index.shape[d] > 1)


def _scatter_add_rows(out, axis: int, index, src):
    """out += the rows of src (along axis) summed by their destination index[row]: the rows
    sorted stably by destination and summed per destination with reduceat in float64, as the
    bincount over every element sums them (2.6x faster at (2048, 128) into (61, 128)). Only
    index's extent of the other dims is written."""
    line = index[tuple(slice(None) if d == axis else 0 for d in range(index.ndim))]
    order = np.argsort(line, kind="stable")
    destinations = line[order]
    starts = np.flatnonzero(np.r_[True, destinations[1:] != destinations[:-1]])
    rows = np.moveaxis(np.asarray(src), axis, 0)[order]
    sums = np.add.reduceat(rows, starts, axis=0, dtype=np.float64)
    sums += 0.0  # as bincount's sums, which start at +0.0: a lone -0.0 row gives +0.0
    region = np.moveaxis(out, axis, 0)[(slice(None),) + tuple(slice(0, n) for n in sums.shape[1:])]
    region[destinations[starts]] += sums.astype(out.dtype)  # destinations unique: no lost adds
    return out


def _floating_result(dtype):
    """The result dtype of a floating function: the input's when floating (float16 stays
    float16, as PyTorch), float32 for integers and bool."""
    return dtype if dtype.kind in FLOAT_KINDS else np.dtype(np.float32)


def _erf(x):
    """erf to float64 accuracy: NumPy has none (and SciPy is no dependency). Series for
    |x| < 2.5, the continued fraction of erfc beyond (both converge to ~1e-16); inputs that give
    a float32 (or float16) result take the short float32 path."""
    if x.dtype != np.float64:
        return _erf_float32(x)
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
    return out.astype(_floating_result(x.dtype))


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
    return out.astype(_floating_result(x.dtype))


# erfinv by Wichura's AS241 (the normal quantile to ~1e-16 relative), in erf's variable: the
# quantile of p = (1 + x) / 2 is sqrt(2) erfinv(x), and the algorithm only ever needs p - 1/2 =
# x / 2 (central part) or min(p, 1 - p) = (1 - |x|) / 2 (tails), both exact in floating point,
# so no accuracy is lost near 0 (small x) or near +-1 (where 1 + x would round).
# Highest degree first; the central numerator omits its factor q.
_ERFINV_CENTRAL = ((2509.0809287301226727, 33430.575583588128105, 67265.770927008700853,
                    45921.953931549871457, 13731.693765509461125, 1971.5909503065514427,
                    133.14166789178437745, 3.387132872796366608),
                   (5226.495278852854561, 28729.085735721942674, 39307.89580009271061,
                    21213.794301586595867, 5394.1960214247511077, 687.1870074920579083,
                    42.313330701600911252, 1.0))
_ERFINV_NEAR = ((7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177,
                 1.27045825245236838258, 3.64784832476320460504, 5.7694972214606914055,
                 4.6303378461565452959, 1.42343711074968357734),
                (1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966,
                 0.14810397642748007459, 0.68976733498510000455, 1.6763848301838038494,
                 2.05319162663775882187, 1.0))
_ERFINV_FAR = ((2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386,
                0.026532189526576123093, 0.29656057182850489123, 1.7848265399172913358,
                5.4637849111641143699, 6.6579046435011037772),
               (2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5,
                7.868691311456132591e-4, 0.0148753612908506148525, 0.13692988092273580531,
                0.59983220655588793769, 1.0))
_SQRT2 = math.sqrt(2.0)


def _rational(coefficients, t):
    """numerator(t) / denominator(t), each given highest degree first."""
    numerator, denominator = (functools.reduce(lambda acc, c: acc * t + c, cs[1:], np.full_like(t, cs[0]))
                              for cs in coefficients)
    return numerator / denominator


def _erfinv(x):
    """The inverse error function, computed in float64 (float32 inputs are rounded once):
    +-inf at +-1, nan beyond and at nan; -0.0 stays -0.0."""
    x64 = np.asarray(x, dtype=np.float64)
    a = np.abs(x64)
    out = np.empty_like(x64)
    central = a <= 0.85  # |p - 1/2| <= 0.425, AS241's central range; nan goes to the tails
    xc = x64[central]
    out[central] = xc * (_rational(_ERFINV_CENTRAL, 0.180625 - 0.25 * xc * xc) * (0.5 / _SQRT2))
    tail = ~central
    r = np.sqrt(-np.log((1.0 - a[tail]) * 0.5))  # nan for |x| > 1 (log of a negative number)
    near = r <= 5.0
    values = np.empty_like(r)
    values[near] = _rational(_ERFINV_NEAR, r[near] - 1.6)
    values[~near] = _rational(_ERFINV_FAR, r[~near] - 5.0)  # r = inf at |x| = 1 gives inf / inf
    values[r == np.inf] = np.inf
    out[tail] = np.copysign(values / _SQRT2, x64[tail])
    return out.astype(_floating_result(x.dtype), copy=False)


def _relu(x):
    return np.maximum(x, x.dtype.type(0))


def _round(x):
    return np.round(x) if x.dtype.kind in FLOAT_KINDS else x.copy()


def _sign(x):
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind in FLOAT_KINDS:  # PyTorch's sign(nan) is 0
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
    "erfinv": _erfinv,
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


def _quickselect(values, k):
    """The original index that PyTorch's CPU quick_select_template leaves at position k of a
    line (median-of-three pivot, Hoare partition; NaN above every number)."""
    def gt(a, b):
        return (a != a and b == b) or a > b
    index = list(range(len(values)))

    def swap(i, j):
        values[i], values[j] = values[j], values[i]
        index[i], index[j] = index[j], index[i]
    low, high = 0, len(values) - 1
    while high > low:
        if high == low + 1:
            if gt(values[low], values[high]):
                swap(low, high)
            break
        swap(low + (high - low) // 2, low + 1)
        if gt(values[low + 1], values[high]):
            swap(low + 1, high)
        if gt(values[low], values[high]):
            swap(low, high)
        if gt(values[low + 1], values[low]):
            swap(low + 1, low)
        i, j, pivot = low + 1, high, values[low]
        while True:
            i += 1
            while gt(pivot, values[i]):
                i += 1
            j -= 1
            while gt(values[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(low, j)
        if j <= k:
            low = i
        if j >= k:
            high = j - 1
    return index[k]


def _log_add_exp(a, b):
    """PyTorch's _log_add_exp_helper elementwise: log(exp(a) + exp(b)) shifted by the larger;
    NaN propagates, and equal infinities stay themselves (-inf + -inf = -inf, not NaN)."""
    low = np.where(np.isnan(b), b, np.fmin(a, b))
    high = np.where(np.isnan(b), b, np.fmax(a, b))
    low, high = np.where(np.isnan(a), a, low), np.where(np.isnan(a), a, high)
    special = (low == high) & ~np.isfinite(low)
    return np.where(special, a, np.log1p(np.exp(low - high)) + high).astype(a.dtype)


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


_SAME_SIZE_INTS = {2: np.int16, 4: np.int32, 8: np.int64}


def _selects_or_zero(condition_dtype, a_dtype, b) -> bool:
    """Whether where(condition, a, b) is ``_select_or_zero``'s case: a bool condition, a
    float16/32/64 a, and b a +0.0 (a Python number or a 0-dim array of a's dtype) that leaves
    the result a's dtype."""
    if condition_dtype != np.bool_ or a_dtype.kind != "f":
        return False
    if isinstance(b, np.ndarray):
        return b.ndim == 0 and b.dtype == a_dtype and b == 0 and not np.signbit(b)
    return type(b) in (int, float) and b == 0 and math.copysign(1.0, b) > 0


def _select_or_zero(condition, a):
    """where(condition, a, +0.0) branch-free: a's bits and-ed with all ones or all zeros
    (np.where branches per element: 3-6x slower on a random mask such as relu's backward's).
    The bits of np.where's result, nan, inf and -0.0 included."""
    ints = _SAME_SIZE_INTS[a.dtype.itemsize]
    return np.bitwise_and(a.view(ints), np.negative(condition, dtype=ints)).view(a.dtype)


def _full(shape, value, dtype):
    if dtype in _HALF_DTYPES:
        value = np.float32(value)  # PyTorch's conversion: through float32
    if shape == ():
        return np.array(value, dtype=dtype.numpy)
    if type(value) in (int, float) and value == 0 and math.copysign(1.0, value) > 0:
        return np.zeros(shape, dtype=dtype.numpy)  # calloc: fresh pages come zeroed, no write pass
    return np.full(shape, value, dtype=dtype.numpy)


def _first_tap_index(top, left, dh, dw, h, w):
    """PyTorch's max-pool index of a window whose in-range taps never matched (it holds only
    padding): its first position past the padding, -1 where that lies outside the input."""
    rows = np.where(top < 0, top + (-top + dh - 1) // dh * dh, top)
    cols = np.where(left < 0, left + (-left + dw - 1) // dw * dw, left)
    index = rows[:, None] * w + cols[None, :]
    return np.where((rows[:, None] < h) & (cols[None, :] < w), index, -1)


_RECYCLED = Recycler()  # the conv and pool methods' large outputs and scratch arrays, step after step


def _is_row_scatter(out, axis, index, src) -> bool:
    """A scatter along the last axis of a C-contiguous ``out`` with one index row per row of
    ``out`` (max-pool's backward: (N, C, H*W) from (N, C, OH*OW))."""
    return out.ndim >= 1 and axis in (-1, out.ndim - 1) and out.flags.c_contiguous and \
        index.shape[:-1] == out.shape[:-1] and src.shape == index.shape and out.size > 0


def _scatter_rows(out, index, src):
    """out[..., index] = src row by row, through one flat index: what the general scatter's
    broadcast coordinates write (the same positions, in the same order), at half its cost."""
    width = out.shape[-1]
    rows = np.arange(0, out.size, width).reshape(index.shape[:-1] + (1,))
    flat = np.add(index, rows, out=_RECYCLED.take("scatter", index.shape, np.intp), casting="unsafe")
    out.reshape(-1)[flat.reshape(-1)] = src.reshape(-1)
    _RECYCLED.give("scatter", flat)


def _first_max_taps(views, values, inside):
    """``(best, found)``: per window, the first tap k whose ``views[k]`` equals ``values`` (its
    maximum) and, with ``inside`` (per tap, whether it lies in the input), only among in-range
    taps, then whether any matched; ``found`` is None without ``inside`` (every window matches).
    A reverse scan with branch-free int8 updates (best -= (best - k) * hit): np.copyto(where=)
    and np.where are several times slower per element."""
    index_type = np.int8 if len(views) < 128 else np.int64
    best = np.full(values.shape, len(views) - 1, dtype=index_type)
    found = None if inside is None else (views[-1] == values) & inside[-1]
    hit, step = np.empty(values.shape, dtype=bool), np.empty_like(best)
    for k in range(len(views) - 2, -1, -1):
        np.equal(views[k], values, out=hit)
        if inside is not None:
            hit &= inside[k]
            found |= hit
        np.subtract(best, k, out=step)
        step *= hit
        best -= step
    return best, found


def _add_windows(canvas, blocks, swapped, sh, dh, sw, dw):
    """canvas (N, C, H, W) += each window blocks[i, j] ((N, C, OH, OW), or (C, N, OH, OW) when
    ``swapped``) at rows i*dh::sh and columns j*dw::sw, in row-major tap order."""
    kh, kw = blocks.shape[:2]
    oh, ow = blocks.shape[-2:]
    # kernel offsets first and contiguous: each add below then reads one dense block
    dense = _RECYCLED.take("fold", blocks.shape[:2] + canvas.shape[:2] + (oh, ow), blocks.dtype)
    np.copyto(dense, blocks.transpose(0, 1, 3, 2, 4, 5) if swapped else blocks)
    for i in range(kh):  # kernel offsets only: never a loop over batch or channels
        for j in range(kw):
            canvas[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                   j * dw:j * dw + sw * (ow - 1) + 1:sw] += dense[i, j]
    _RECYCLED.give("fold", dense)


def _add_windows_by_rows(canvas, blocks, swapped, dh, sw, dw):
    """``_add_windows`` for stride 1 down the rows: per column offset j, the row offsets' blocks
    are summed first in one (A, B, H*OW) buffer, each add a shift by whole rows over dense
    OH*OW planes read in place, then that buffer goes to its columns: kw adds by rows of OW
    elements instead of kh*kw (NumPy's adds cost per row: 1.4-2x faster at OW ~ 10-30)."""
    kh, kw, a, b, oh, ow = blocks.shape
    span = oh * ow
    planes = blocks.reshape(kh, kw, a, b, span)  # a view: each window's OH x OW block is dense
    rows = _RECYCLED.take("fold", (a, b, canvas.shape[2] * ow), canvas.dtype)
    target = rows.reshape(a, b, canvas.shape[2], ow)
    if swapped:
        target = target.transpose(1, 0, 2, 3)
    for j in range(kw):
        rows[:, :, :span] = planes[0, j]
        rows[:, :, span:] = 0
        for i in range(1, kh):
            rows[:, :, i * dh * ow:i * dh * ow + span] += planes[i, j]
        canvas[:, :, :, j * dw:j * dw + sw * (ow - 1) + 1:sw] += target
    _RECYCLED.give("fold", rows)


class NumpyBackend(Backend):
    """Arrays are ``numpy.ndarray``; views alias like PyTorch's do."""

    name = "numpy"

    @_silent
    def from_host(self, host_array, dtype):
        return _as_dtype(host_array, dtype.numpy)

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
        return _as_dtype(np.arange(start, end, step, dtype=np.float64), dtype.numpy) \
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
        if x.dtype in _HALF:
            return _quietly(_in_float32, _UNARY[op], x)
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
            if getattr(a, "dtype", None) in _HALF or getattr(b, "dtype", None) in _HALF:
                return _in_float32(_BINARY[op], a, b, float32_numbers=op in _FLOAT32_NUMBERS)
            return np.asarray(_BINARY[op](a, b))
        except ValueError:
            raise broadcast_error(op, np.shape(a), np.shape(b)) from None
        finally:
            if token is not None:
                _ERRSTATE.reset(token)

    def where(self, condition, a, b):
        if isinstance(condition, np.ndarray) and isinstance(a, np.ndarray) and \
                _selects_or_zero(condition.dtype, a.dtype, b):
            try:
                return np.asarray(_select_or_zero(condition, a))  # (0-dim operands: a NumPy scalar)
            except ValueError:
                raise broadcast_error("where", np.shape(condition), a.shape, np.shape(b)) from None
        if _is_zero(b) and isinstance(a, np.ndarray) and a.size >= 8192 and a.dtype.kind in FLOAT_KINDS \
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
        return _as_dtype(x, dtype.numpy)

    def reduce(self, op, x, axes, keepdims):
        if op == "sum" and x.dtype.kind in "biu":
            return np.asarray(np.add.reduce(x, axis=axes, keepdims=keepdims, dtype=np.int64))
        if op == "sum" and x.dtype in _HALF:  # (prod multiplies in the half type, as PyTorch's)
            return _quietly(_half_sum, x, axes, keepdims)
        if op in ("any", "all") and x.dtype.kind != "b":
            x = x != 0
        token = None if op in _NEVER_WARN else _ERRSTATE.set(_IGNORE)
        try:
            return np.asarray(_REDUCE[op](x, axis=axes, keepdims=keepdims))
        finally:
            if token is not None:
                _ERRSTATE.reset(token)

    @_silent
    def softmax(self, x, axis, log):
        """softmax (log_softmax when log) along one axis: the values of the composition in
        ops/reduce.py (shift by the row max, exp, sum), in place on one temporary; half types
        in float32, rounded once (as PyTorch's CPU kernel)."""
        if x.dtype in _HALF:
            return np.asarray(self.softmax(x.astype(np.float32), axis, log), dtype=x.dtype)
        if axis == x.ndim - 1 and x.size and x.flags.c_contiguous:
            return _softmax_last(x, log)
        shifted = np.subtract(x, _row_max(x, axis))
        if log:
            shifted -= np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))
            return shifted
        np.exp(shifted, out=shifted)
        shifted /= np.add.reduce(shifted, axis=axis, keepdims=True)
        return shifted

    @_silent
    def gelu(self, x):
        """(x Phi(x), Phi(x)): exact GELU and the normal cdf it used, in x's dtype."""
        return _gelu(x)

    @_silent
    def gelu_backward(self, grad, x, cdf):
        """grad (Phi(x) + x phi(x)), with cdf = Phi(x) from gelu."""
        return _gelu_backward(grad, x, cdf)

    @_silent
    def layer_norm(self, x, weight, bias, normalized_shape, eps):
        """(out, xhat, rstd) over the trailing normalized_shape; see base.Backend.layer_norm."""
        return _layer_norm(x, weight, bias, math.prod(normalized_shape), eps)

    @_silent
    def layer_norm_backward(self, grad, xhat, rstd, weight, normalized_shape, needs):
        """(grad_x, grad_weight, grad_bias); see base.Backend.layer_norm_backward."""
        return _layer_norm_backward(grad, xhat, rstd, weight, tuple(normalized_shape), needs)

    @_silent
    def masked_softmax(self, x, keep, scale):
        """softmax(where(keep, x * scale, -inf)) over the last axis: by blocks of whole (L, S)
        score matrices when keep is one (L, S) mask (a causal mask), else the composition."""
        if x.dtype in _HALF or x.ndim < 2 or keep.shape != x.shape[-2:] or not x.size or not x.flags.c_contiguous:
            masked = self.where(keep, self.binary("mul", x, scale), -math.inf)
            return self.softmax(masked, x.ndim - 1, False)
        return _masked_softmax_last(x, keep, scale)

    @_silent
    def softmax_backward(self, grad, out, axis, log):
        """The gradient of softmax (log_softmax when log) at its output ``out``: grad - exp(out)
        sum(grad), or out (grad - sum(grad out)), sums along axis; half types in float32."""
        if out.dtype in _HALF:
            return np.asarray(self.softmax_backward(np.asarray(grad, np.float32), out.astype(np.float32),
                                                    axis, log), dtype=out.dtype)
        if not isinstance(grad, np.ndarray) or grad.shape != out.shape:  # (np.broadcast_to: ~2.5 us)
            grad = np.broadcast_to(grad, out.shape)
        if axis == out.ndim - 1 and out.size and out.flags.c_contiguous and grad.dtype == out.dtype:
            return _softmax_backward_last(np.ascontiguousarray(grad), out, log)
        if log:
            return grad - np.exp(out) * np.add.reduce(grad, axis=axis, keepdims=True)
        return (grad - np.add.reduce(grad * out, axis=axis, keepdims=True)) * out

    @_silent
    def logsumexp(self, x, axis, keepdims):
        """log(sum(exp(x))) along one axis, shifted by the row max (0 where it is infinite, so
        all -inf rows give -inf): the values of the composition in ops/reduce.py; half types in
        float32, rounded once."""
        if x.dtype in _HALF:
            return np.asarray(self.logsumexp(x.astype(np.float32), axis, keepdims), dtype=x.dtype)
        shift = _row_max(x, axis)
        shift = np.where(np.isinf(shift), x.dtype.type(0), shift)
        out = np.log(np.add.reduce(np.exp(np.subtract(x, shift)), axis=axis, keepdims=True))
        out += shift
        return out if keepdims else out.reshape(out.shape[:axis] + out.shape[axis + 1:])

    def arg_reduce(self, op, x, axis, keepdims):
        fn = np.argmax if op == "argmax" else np.argmin
        return np.asarray(fn(x, axis=axis, keepdims=keepdims), dtype=np.int64)

    @_silent
    def cumsum(self, x, axis):
        if x.dtype.kind in "biu":
            return np.cumsum(x, axis=axis, dtype=np.int64)
        if x.dtype in _HALF:
            return np.asarray(np.cumsum(x, axis=axis, dtype=np.float32), dtype=x.dtype)
        return np.cumsum(x, axis=axis)

    def sort(self, x, axis, descending, stable=True):
        if not descending:
            index = np.argsort(x, axis=axis, kind="stable")
        else:  # ascending on the reversed line, reversed back: ties keep their order, NaN first
            n = x.shape[axis]
            index = n - 1 - np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
        index = index.astype(np.int64)
        values = np.take_along_axis(x, index, axis)
        if not stable and 16 < x.shape[axis] <= UNSTABLE_EXACT_UP_TO:
            index = self._std_sort_ties(x, values, index, axis, descending)
            values = np.take_along_axis(x, index, axis)
        return values, index

    @staticmethod
    def _std_sort_ties(x, values, index, axis, descending):
        """index with the lines that hold equal keys (NaNs included) redone by libstdc++'s
        std::sort (_stl.py): without ties every sort gives the same order."""
        lines = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
        ordered = np.moveaxis(values, axis, -1).reshape(lines.shape)
        same = ordered[:, 1:] == ordered[:, :-1]
        if x.dtype.kind in FLOAT_KINDS:
            same |= np.isnan(ordered[:, 1:]) & np.isnan(ordered[:, :-1])
        moved = np.moveaxis(index, axis, -1).copy()
        flat = moved.reshape(lines.shape)
        for row in np.flatnonzero(same.any(axis=1)):
            flat[row] = _stl.sort_indices(lines[row].tolist(), descending)
        return np.moveaxis(flat.reshape(moved.shape), -1, axis)

    def sort_rows(self, x):
        return np.array(_stl.unique_dim_order(x.tolist()), dtype=np.int64)

    @_silent
    def topk(self, x, k, axis, largest, sorted_):
        if not x.size or not k:
            shape = tuple(k if d == axis else s for d, s in enumerate(x.shape))
            return np.empty(shape, x.dtype), np.empty(shape, np.int64)
        lines = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
        values, order = self.sort(lines, 1, largest)
        picked = order[:, :k].copy()
        tied = ((values[:, 1:] == values[:, :-1]) | (np.isnan(values[:, 1:]) & np.isnan(values[:, :-1]))
                if x.dtype.kind in FLOAT_KINDS else values[:, 1:] == values[:, :-1]).any(axis=1)
        # without ties every algorithm gives the sorted order; with ties (or unsorted output) the
        # order libstdc++'s algorithms leave is PyTorch's
        for row in np.flatnonzero(tied | (not sorted_)) if k else ():
            picked[row] = _stl.topk_indices(lines[row].tolist(), k, largest, sorted_)
        moved = tuple(s for d, s in enumerate(x.shape) if d != axis) + (k,)
        index = np.moveaxis(picked.reshape(moved), -1, axis)
        return np.take_along_axis(x, index, axis), index.astype(np.int64)

    @_silent
    def kthvalue(self, x, k, axis):
        lines = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
        order = np.argsort(lines, axis=1, kind="stable")
        picked = order[:, k - 1].copy()
        ordered = np.take_along_axis(lines, order, 1)
        value = ordered[:, k - 1]
        equal = (ordered == value[:, None]) | (np.isnan(ordered) & np.isnan(value)[:, None])
        for row in np.flatnonzero(equal.sum(axis=1) > 1):  # ties: the index quickselect lands on
            picked[row] = _quickselect(lines[row].tolist(), k - 1)
        moved = tuple(s for d, s in enumerate(x.shape) if d != axis) + (1,)
        index = np.moveaxis(picked.reshape(moved), -1, axis)
        return np.take_along_axis(x, index, axis), index.astype(np.int64)

    @_silent
    def mode(self, x, axis):
        lines = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
        kept = tuple(1 if d == axis else s for d, s in enumerate(x.shape))
        if lines.shape[1] > 16:  # libstdc++'s introsort: line by line
            picks = [_stl.mode_pick(line.tolist()) for line in lines]
            values = np.array([v for v, _ in picks], dtype=x.dtype).reshape(-1)
            index = np.array([i for _, i in picks], dtype=np.int64).reshape(-1)
            moved = tuple(s for d, s in enumerate(x.shape) if d != axis) + (1,)
            return (np.moveaxis(values.reshape(moved), -1, axis).reshape(kept),
                    np.moveaxis(index.reshape(moved), -1, axis).reshape(kept))
        count, n = lines.shape
        a, ai = lines.copy(), np.tile(np.arange(n, dtype=np.int64), (count, 1))
        rows = np.arange(count)[:, None]
        for i in range(1, n):  # std::sort below 17 elements: insertion with `<`, every line at once
            v, vi = a[:, i].copy(), ai[:, i].copy()
            greater = v[:, None] < a[:, :i]
            passed = np.cumprod(greater[:, ::-1], axis=1).sum(axis=1)  # the run of larger ones just left of i
            to = np.where(v < a[:, 0], 0, i - passed)
            k = np.arange(i + 1)[None, :]
            source = np.where(k > to[:, None], k - 1, k)  # shift [to, i) one to the right
            a[:, :i + 1], ai[:, :i + 1] = a[rows, source], ai[rows, source]
            a[np.arange(count), to], ai[np.arange(count), to] = v, vi
        ends = np.ones((count, n), dtype=bool)
        ends[:, :-1] = a[:, :-1] != a[:, 1:]
        positions = np.arange(n)[None, :]
        starts = np.maximum.accumulate(np.where(np.concatenate(
            [np.ones((count, 1), bool), ends[:, :-1]], axis=1), positions, 0), axis=1)
        runs = np.where(ends, positions - starts + 1, 0)
        pick = np.argmax(runs, axis=1)  # the first longest run
        kept = tuple(1 if d == axis else s for d, s in enumerate(x.shape))
        moved = tuple(s for d, s in enumerate(x.shape) if d != axis) + (1,)
        values = np.moveaxis(a[np.arange(count), pick].reshape(moved), -1, axis).reshape(kept)
        index = np.moveaxis(ai[np.arange(count), pick].reshape(moved), -1, axis).reshape(kept)
        return values, index

    @_silent
    def scan(self, op, x, axis):
        if x.dtype in _HALF and op in ("cumprod", "logcumsumexp"):  # accumulate in float32, as cumsum
            return np.asarray(self.scan(op, x.astype(np.float32), axis), dtype=x.dtype)
        if op == "cumprod":
            return np.cumprod(x, axis=axis, dtype=np.int64 if x.dtype.kind in "biu" else x.dtype)
        lines = np.moveaxis(x, axis, 0)
        if op == "logcumsumexp":
            out = np.empty_like(lines)
            acc = np.full(lines.shape[1:], -np.inf, dtype=x.dtype)
            for r, v in enumerate(lines):
                acc = out[r] = _log_add_exp(acc, v)
            return np.moveaxis(out, 0, axis)
        values, index = np.empty_like(lines), np.empty(lines.shape, dtype=np.int64)
        if not x.size:
            return np.moveaxis(values, 0, axis), np.moveaxis(index, 0, axis)
        is_max = op == "cummax"
        best, best_index = lines[:1][0].copy(), np.zeros(lines.shape[1:], dtype=np.int64)
        for r, v in enumerate(lines):
            take = (v >= best) if is_max else (v <= best)
            if x.dtype.kind in FLOAT_KINDS:
                take = np.isnan(v) | (~np.isnan(best) & take)
            best, best_index = np.where(take, v, best), np.where(take, r, best_index)
            values[r], index[r] = best, best_index
        return np.moveaxis(values, 0, axis), np.moveaxis(index, 0, axis)

    @_silent
    def searchsorted(self, sorted_sequence, values, right):
        n = sorted_sequence.shape[-1]
        if not values.size or not n:  # nothing to search, or every value goes at 0
            return np.zeros(values.shape, dtype=np.int64)
        rows = sorted_sequence.reshape(-1, n) if sorted_sequence.ndim > 1 else sorted_sequence[None]
        flat = values.reshape(len(rows), -1) if sorted_sequence.ndim > 1 else values.reshape(1, -1)
        start = np.zeros(flat.shape, dtype=np.int64)
        end = np.full(flat.shape, n, dtype=np.int64)
        line = np.arange(len(rows))[:, None] if sorted_sequence.ndim > 1 else np.zeros((1, 1), np.int64)
        while (start < end).any():  # PyTorch's binary search, every value at once
            active = start < end
            mid = start + ((end - start) >> 1)
            found = rows[line, np.minimum(mid, n - 1)]
            go_right = ~(found > flat) if right else ~(found >= flat)
            start = np.where(active & go_right, mid + 1, start)
            end = np.where(active & ~go_right, mid, end)
        return start.reshape(values.shape)

    @_silent
    def histc(self, x, bins, range_):
        low, high = range_[0], range_[1]
        v = x.reshape(-1)
        v = v[(v >= low) & (v <= high)]
        index = ((v - low) * x.dtype.type(bins) / (high - low)).astype(np.int64)
        return np.bincount(np.minimum(index, bins - 1), minlength=bins).astype(x.dtype)

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
        out = x[key]
        if not isinstance(out, np.ndarray):  # every dim taken by an int: NumPy gives a scalar copy,
            out = x[(*key, Ellipsis) if isinstance(key, tuple) else (key, Ellipsis)]  # PyTorch a 0-dim view
        return out

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
    def scatter(self, x, axis, index, src, accumulate, ignore=None, describe=None, into=False):
        kept = None if ignore is None else index != ignore
        _check_no_wrap(index if kept is None else index[kept], x.shape[axis], axis)
        out = x if into else np.array(x, copy=True)
        src = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else \
            src[tuple(slice(0, n) for n in index.shape)]
        # only the index's extent is written: position p of index/src goes to p with p[axis]
        # replaced by index[p] (put_along_axis would broadcast a smaller index over x)
        if not accumulate and kept is None and _is_row_scatter(out, axis, index, src):
            _scatter_rows(out, index, src)
            return out
        coords = list(np.indices(index.shape, sparse=True))
        coords[axis] = index
        if kept is not None:  # ignored positions write nothing
            coords = [c[kept] for c in np.broadcast_arrays(*coords)]
            src = src[kept]
        if not accumulate:
            out[tuple(coords)] = src
            return out
        if kept is None and out.dtype.kind == "f" and index.size and _is_line_broadcast(index, axis):
            return _scatter_add_rows(out, axis, index, src)
        # flat destination of every source element, summed with bincount (np.add.at is ~20x slower)
        flat = np.ravel_multi_index(np.broadcast_arrays(*coords), x.shape).ravel()
        weights = np.asarray(src, dtype=np.float64).ravel()
        if 8 * flat.size <= out.size:
            # few sources (a gather's backward, e.g. NLL's (N, C) log-probabilities): bins for the
            # written positions only, not float64 passes over all of out; the same sums
            written, bins = np.unique(flat, return_inverse=True)
            sums = np.bincount(bins.ravel(), weights=weights).astype(out.dtype)
            out.flat[written] = out.flat[written] + sums  # C-order positions, whatever out's layout
            return out
        sums = np.bincount(flat, weights=weights, minlength=out.size)
        out += sums.reshape(out.shape).astype(out.dtype)
        return out

    @_silent
    def scatter_reduce(self, x, axis, index, src, reduce, describe=None):
        _check_no_wrap(index, x.shape[axis], axis)
        out = np.array(x, copy=True)
        coords = list(np.indices(index.shape, sparse=True))
        coords[axis] = index
        combine = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
        if out.dtype == np.bool_:  # bool products and extrema are logical: and / or / and
            combine = np.logical_or if reduce == "amax" else np.logical_and
        combine.at(out, tuple(coords), src)
        return out

    def diagonal(self, x, axis1, axis2):
        kept = [d for d in range(x.ndim) if d not in (axis1, axis2)]
        shape = [x.shape[d] for d in kept] + [min(x.shape[axis1], x.shape[axis2])]
        strides = [x.strides[d] for d in kept] + [x.strides[axis1] + x.strides[axis2]]
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)

    def windows(self, x, axis, size, step):
        shape, strides = list(x.shape), list(x.strides)
        shape[axis] = (x.shape[axis] - size) // step + 1
        strides[axis] = x.strides[axis] * step
        return np.lib.stride_tricks.as_strided(x, shape + [size], strides + [x.strides[axis]],
                                               writeable=x.flags.writeable)

    @_silent
    def index_put(self, x, key, values, accumulate, describe=None):
        if x.dtype in _HALF and getattr(values, "dtype", None) not in _HALF:
            values = np.asarray(values, dtype=np.float32)  # PyTorch's conversion, see _as_dtype
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
            out = _RECYCLED.take("unfold", (c, kh, kw, n, oh, ow), x.dtype)
            np.copyto(out, windows.transpose(1, 2, 3, 0, 4, 5))
            return _RECYCLED.give("unfold", out).reshape(c * kh * kw, n * oh * ow)
        out = _RECYCLED.take("unfold", (n, c, kh, kw, oh, ow), x.dtype)
        np.copyto(out, windows)
        return _RECYCLED.give("unfold", out).reshape(n, c * kh * kw, oh * ow)

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
        values = _RECYCLED.take("max_pool2d", views[0].shape, x.dtype)
        np.copyto(values, views[0])
        for view in views[1:]:
            np.maximum(values, view, out=values)
        top, left = np.arange(oh) * sh - pads[0], np.arange(ow) * sw - pads[2]
        # padding never wins a tie (PyTorch's kernel does not visit it): only in-range taps match;
        # without padding every tap is in range and every window has a match (or a NaN)
        inside = [((top + i * dh >= 0) & (top + i * dh < h))[:, None] & ((left + j * dw >= 0) & (left + j * dw < w))
                  for i in range(kh) for j in range(kw)] if any(pads) else None
        best, found = _first_max_taps(views, values, inside)
        if x.dtype.kind in FLOAT_KINDS and bool(np.isnan(values).any()):
            for k, view in enumerate(views):  # PyTorch's kernel takes every NaN: the last one wins
                best = np.where(np.isnan(view), k, best).astype(best.dtype)
                if found is not None:
                    found |= np.isnan(view)
        offsets = np.array([i * dh * w + j * dw for i in range(kh) for j in range(kw)], dtype=np.int64)
        # np.take, not offsets[best]: 2.5x faster on int8 taps
        index = np.take(offsets, best, out=_RECYCLED.take("max_pool2d", values.shape, np.int64))
        index += top[:, None] * w + left[None, :]
        _RECYCLED.give("max_pool2d", values)
        if found is not None:
            return values, np.where(found, index, _first_tap_index(top, left, dh, dw, h, w))
        return values, _RECYCLED.give("max_pool2d", index)

    @_silent
    def fold(self, cols, output_size, kernel, stride, pads, dilation, layout="batch"):
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        top, bottom, left, right = pads
        height, width = output_size[0] + top + bottom, output_size[1] + left + right
        oh, ow = (height - dh * (kh - 1) - 1) // sh + 1, (width - dw * (kw - 1) - 1) // sw + 1
        # the windows as (kh, kw, A, B, OH, OW) with (A, B) the columns' memory order of (N, C)
        if layout == "columns":
            c, n = cols.shape[0] // (kh * kw), cols.shape[1] // (oh * ow)
            blocks = cols.reshape(c, kh, kw, n, oh, ow).transpose(1, 2, 0, 3, 4, 5)
        else:
            n, c = cols.shape[0], cols.shape[1] // (kh * kw)
            blocks = cols.reshape(n, c, kh, kw, oh, ow).transpose(2, 3, 0, 1, 4, 5)
        canvas = _RECYCLED.take("fold", (n, c, max(height, top + output_size[0]), max(width, left + output_size[1])),
                                cols.dtype)
        canvas.fill(0)
        if sh == 1 and kh > 1:
            _add_windows_by_rows(canvas, blocks, layout == "columns", dh, sw, dw)
        else:
            _add_windows(canvas, blocks, layout == "columns", sh, dh, sw, dw)
        return np.ascontiguousarray(_RECYCLED.give("fold", canvas)[:, :, top:top + output_size[0],
                                                                   left:left + output_size[1]])

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
        # m / (sqrt(v) / c + eps) * lr / (1 - b1^t) with c = sqrt(1 - b2^t), as
        # m / (sqrt(v) + c eps) * (c lr / (1 - b1^t)): one pass fewer. The factors are Python
        # floats, so the passes run in the parameter's dtype (a NumPy float64 scalar would make
        # a float32 pass compute in float64 and cast back: 5x slower)
        bias2_sqrt = math.sqrt(1 - beta2 ** step)
        np.sqrt(second, out=scratch)
        scratch += eps * bias2_sqrt
        np.divide(exp_avg, scratch, out=scratch)
        scratch *= lr * bias2_sqrt / (1 - beta1 ** step)
        param -= scratch

    def matmul(self, a, b, transpose_a=False, transpose_b=False):
        if transpose_a:
            a = np.swapaxes(a, -1, -2)
        if transpose_b:
            b = np.swapaxes(b, -1, -2)
        token = _ERRSTATE.set(_IGNORE)  # inline, not @_silent: 0.3 us less on the hot path
        try:
            if a.dtype in _HALF:
                return np.asarray(self.matmul(a.astype(np.float32), b.astype(np.float32)), dtype=a.dtype)
            if b.ndim == 2 and a.ndim > 2:  # one gemm over the folded rows, not one per batch
                rows = a.reshape(math.prod(a.shape[:-1]), a.shape[-1])  # not -1: k may be 0
                return np.matmul(rows, b).reshape(a.shape[:-1] + b.shape[-1:])
            return np.matmul(a, b)
        finally:
            _ERRSTATE.reset(token)

    @_silent
    def copy_into(self, dst, src):
        if dst.dtype in _HALF and getattr(src, "dtype", None) not in _HALF:
            src = np.asarray(src, dtype=np.float32)
        np.copyto(dst, src, casting="unsafe")

    def fused(self, tape, inputs):
        """The reference of a fused elementwise group (backends/fusion.py): the unfused calls
        of ``tape``, so the values are bit-identical to them."""
        return run_reference(self, tape, inputs)

    def binary_inplace(self, op, dst, other):
        token = None if op in _NEVER_WARN else _ERRSTATE.set(_IGNORE)
        try:
            if dst.dtype in _HALF:
                _in_float32(_BINARY[op], dst, other, out=dst, float32_numbers=op in _FLOAT32_NUMBERS)
                return
            _BINARY[op](dst, other, out=dst, casting="unsafe")
        finally:
            if token is not None:
                _ERRSTATE.reset(token)

    def all_finite(self, x):
        return x.dtype.kind not in FLOAT_KINDS or bool(np.isfinite(x).all())

    # -- the replay of a captured step (backends/capture.py) --------------------------------
    def replay_state(self):
        """``(enter, exit)``: ``exit(enter())`` brackets a whole replay with NumPy's error state
        'ignore' (what every value-computing method sets for itself)."""
        return functools.partial(_ERRSTATE.set, _IGNORE), _ERRSTATE.reset

    def lower(self, name, args, kwargs, meta):
        """``(function, args, kwargs)``: a direct NumPy call computing what ``name(*args,
        **kwargs)`` computes for the shapes and dtypes of ``meta`` = (each positional
        argument's (shape, dtype) or None, the result's), run inside ``replay_state``; None
        where the method itself must run (half types, 0-dim results that NumPy would give as
        scalars, ops with more than one NumPy call). ``args`` are passed through as they are.

        Example: ``lower("binary", ("mul", a, b), {}, (...))`` -> ``(np.multiply, (a, b), {})``."""
        arg_metas, result = meta
        if kwargs or any(m is not None and m[1] in _HALF for m in arg_metas):
            return None
        lowering = _LOWERINGS.get(name)
        return None if lowering is None else lowering(args, arg_metas, result)


def _array_result(result) -> bool:
    """A recorded result that is an array with at least one dim (ufuncs give 0-dim results as
    NumPy scalars, which the methods turn back into arrays)."""
    return result is not None and len(result[0]) > 0


def _array_arg(metas) -> bool:
    """Whether the first argument was an array with at least one dim (a NumPy scalar has none)."""
    return metas[0] is not None and len(metas[0][0]) > 0


def _lower_unary(args, metas, result):
    op, x = args
    return (_UNARY[op], (x,), {}) if _array_result(result) else None


def _lower_binary(args, metas, result):
    op, a, b = args
    if result is not None and not _array_result(result):
        return _scalar_binary, (_BINARY[op], a, b), {}
    return (_BINARY[op], (a, b), {}) if _array_result(result) else None


def _lower_binary_inplace(args, metas, result):
    op, dst, other = args
    return _BINARY[op], (dst, other), {"out": dst, "casting": "unsafe"}


def _matmul_tn(a, b):
    return np.matmul(a.T, b)


def _matmul_nt(a, b):
    return np.matmul(a, b.T)


def _matmul_tt(a, b):
    return np.matmul(a.T, b.T)


_MATMULS = {(False, False): np.matmul, (True, False): _matmul_tn, (False, True): _matmul_nt,
            (True, True): _matmul_tt}


def _lower_matmul(args, metas, result):
    a, b, transpose_a, transpose_b = (tuple(args) + (False, False))[:4]
    if len(metas[0][0]) != 2 or len(metas[1][0]) != 2:  # batched: the method folds rows
        return None
    return _MATMULS[bool(transpose_a), bool(transpose_b)], (a, b), {}


def _lower_reduce(args, metas, result):
    op, x, axes, keepdims = args
    kind = metas[1][1].kind
    if not (op in ("sum", "prod", "max", "min") and kind == "f" or op in ("any", "all") and kind == "b"):
        return None
    if not _array_result(result):  # a 0-dim result: the ufunc gives a NumPy scalar
        return _scalar_reduced, (_REDUCE[op], x, axes, keepdims), {}
    return _REDUCE[op], (x,), {"axis": axes, "keepdims": keepdims}


def _scalar_reduced(reduce, x, axes, keepdims):
    """reduce(x) over axes as a 0-dim array (what the method returns)."""
    return np.asarray(reduce(x, axis=axes, keepdims=keepdims))


def _scalar_binary(ufunc, a, b):
    """ufunc(a, b) as a 0-dim array (what the method returns)."""
    return np.asarray(ufunc(a, b))


def _lower_arg_reduce(args, metas, result):
    op, x, axis, keepdims = args
    if not _array_result(result) or np.dtype(np.intp) != np.int64:
        return None
    return (np.argmax if op == "argmax" else np.argmin), (x,), {"axis": axis, "keepdims": keepdims}


def _lower_cast(args, metas, result):
    x, dtype = args
    if result is None or result[1] in _HALF:
        return None
    return np.array, (x,), {"dtype": dtype.numpy, "copy": True}


def _gather_columns(x, index, rows):
    """gather(x, 1, index) of a 2-D x with an (N, 1) index (cross-entropy's), ``rows`` the
    constant (N, 1) row numbers: the method's check and indexing."""
    _check_no_wrap(index, x.shape[1], 1, high=False)  # NumPy's indexing raises for >= size
    return x[rows, index]


def _lower_gather(args, metas, result):
    if len(args) != 5 or args[3] is not None or args[1] not in (1, -1) or metas[0] is None or metas[2] is None:
        return None
    x, _, index, _, _ = args
    (x_shape, _), (index_shape, index_dtype) = metas[0], metas[2]
    if len(x_shape) != 2 or len(index_shape) != 2 or index_shape[1] != 1 or \
            not 0 < index_shape[0] == x_shape[0] or index_dtype.kind not in "iu":
        return None
    return _gather_columns, (x, index, np.arange(index_shape[0])[:, None]), {}


def _softmax_lowered(x, axis, log):
    """The method's float32/float64 body, under the replay's error state."""
    if axis == x.ndim - 1 and x.size and x.flags.c_contiguous:
        return _softmax_last(x, log)
    return NumpyBackend.softmax.__wrapped__(None, x, axis, log)


def _softmax_backward_lowered(grad, out, axis, log):
    """The method's float32/float64 body, under the replay's error state."""
    return NumpyBackend.softmax_backward.__wrapped__(None, grad, out, axis, log)


def _scatter_add_targets(x, index, src):
    """scatter(x, 1, index, src, accumulate=True, into=True) for a 2-D float x with an (N, 1)
    index and src (one destination per row, e.g. NLL's backward): the method's sums (bincount's,
    which start at +0.0; a dense add of them where the method adds densely) without its general
    machinery."""
    _check_no_wrap(index, x.shape[1], 1)
    rows = np.arange(index.shape[0])
    values = src[:, 0] + 0.0
    if 8 * index.size <= x.size or index.shape[0] == 1:
        x[rows, index[:, 0]] += values
    else:
        dense = np.zeros_like(x)
        dense[rows, index[:, 0]] = values
        x += dense
    return x


def _lower_scatter(args, metas, result):
    if len(args) != 8:
        return None
    x, axis, index, src, accumulate, ignore, _, into = args
    if not (accumulate is True and ignore is None and into is True and axis in (1, -1)) or \
            metas[0] is None or metas[2] is None or metas[3] is None:
        return None
    (x_shape, x_dtype), (index_shape, index_dtype), (src_shape, src_dtype) = metas[0], metas[2], metas[3]
    if len(x_shape) != 2 or x_dtype.kind != "f" or index_dtype.kind not in "iu" or \
            len(index_shape) != 2 or index_shape[1] != 1 or index_shape[0] < 1 or \
            index_shape[0] > x_shape[0] or src_shape != index_shape or src_dtype != x_dtype:
        return None
    return _scatter_add_targets, (x, index, src), {}


def _lower_where(args, metas, result):
    if len(args) == 3 and metas[0] is not None and metas[1] is not None and _array_result(result) and \
            _selects_or_zero(metas[0][1], metas[1][1], args[2]) and result[1] == metas[1][1]:
        return _select_or_zero, tuple(args[:2]), {}
    # the method's other path (a product with the mask) starts at 8192 elements of a
    small = metas[1] is None or math.prod(metas[1][0]) < 8192
    return (np.where, tuple(args), {}) if small and len(args) == 3 and _array_result(result) else None


def _lower_copy_into(args, metas, result):
    dst, src = args
    return np.copyto, (dst, src), {"casting": "unsafe"}  # half types: refused by lower() already


_LOWERINGS = {
    "copy_into": _lower_copy_into,
    "where": _lower_where,
    "scatter": _lower_scatter,
    "unary": _lower_unary, "binary": _lower_binary, "binary_inplace": _lower_binary_inplace,
    "matmul": _lower_matmul, "reduce": _lower_reduce,
    "arg_reduce": _lower_arg_reduce, "cast": _lower_cast, "gather": _lower_gather,
    "softmax": lambda args, metas, result: (_softmax_lowered, tuple(args), {}) if len(args) == 3 else None,
    "softmax_backward": lambda args, metas, result: (_softmax_backward_lowered, tuple(args), {})
    if len(args) == 4 else None,
    "copy": lambda args, metas, result: (np.array, tuple(args), {"copy": True, "order": "C"}),
    # an array of at least one dim (never a NumPy scalar): its own methods, without the
    # np.reshape / np.transpose wrappers' Python (~1 us each)
    "reshape": lambda args, metas, result: ((np.ndarray.reshape if _array_arg(metas) else np.reshape),
                                            tuple(args), {}),
    "permute": lambda args, metas, result: ((np.ndarray.transpose if _array_arg(metas) else np.transpose),
                                            tuple(args), {}),
}
