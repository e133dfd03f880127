"""PyTorch functions composed from existing differentiable ops (cdist, isin, logspace, bincount)
and the thread-count settings: their gradients and OpenCL runs come from the ops they are built
of."""
from __future__ import annotations

import math
import os
import struct

from .. import dtypes as _dt
from ..tensor import Tensor
from . import elementwise as ew
from . import reduce as rd
from .creation import check_space_args, linspace, ones_like, tensor as _tensor, zeros, zeros_like
from .index_ops import index_add
from ._util import broadcast_shapes, tensor_op


def _check_cdist(x1: Tensor, x2, p) -> None:
    if not isinstance(x2, Tensor):
        raise TypeError(f"cdist(): argument 'x2' (position 2) must be Tensor, not {type(x2).__name__}")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.dim() < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.dim()}D")
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {x.dtype}; "
                               f"convert it with .float() or .double()")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not p >= 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got p={p}")
    if _cdist_is_trivial(x1, x2):  # PyTorch returns zeros/empty in x1's dtype before these checks
        return
    if x1.dtype != x2.dtype:
        raise RuntimeError(f"cdist: X1 and X2 must have the same dtype, got {x1.dtype} and "
                           f"{x2.dtype}; convert one with .to(other.dtype)")
    if x1.dtype in (_dt.float16, _dt.bfloat16):
        raise NotImplementedError(f'"cdist" not implemented for \'{x1.dtype.scalar_name}\': '
                                  f"compute it in float32 (x1.float(), x2.float())")


def _cdist_is_trivial(x1: Tensor, x2: Tensor) -> bool:
    """An empty result or no columns: no distance is computed (any float dtypes mix)."""
    return 0 in (x1.shape[-2], x2.shape[-2], x1.shape[-1]) or 0 in broadcast_shapes(
        tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))


def _safe_root(total: Tensor, p: float) -> Tensor:
    """``total ** (1/p)`` with a zero gradient where total is 0 (the "double where": the root's
    infinite slope at 0 never meets the chain rule, as in PyTorch's cdist backward)."""
    zero = total == 0
    safe = ew.where(zero, ones_like(total), total)
    root = safe.sqrt() if p == 2 else ew.pow(safe, 1.0 / p)
    return ew.where(zero, zeros_like(total), root)


def _safe_abs_pow(diff: Tensor, p: float) -> Tensor:
    """``|diff| ** p`` with a zero gradient where diff is 0 (p < 1 has an infinite slope there)."""
    magnitude = diff.abs()
    nonzero = magnitude != 0
    safe = ew.where(nonzero, magnitude, ones_like(magnitude))
    return ew.where(nonzero, ew.pow(safe, p), zeros_like(magnitude))


_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                  "donot_use_mm_for_euclid_dist")


@tensor_op
def cdist(x1: Tensor, x2, p: float = 2.0, compute_mode="use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of x1 and each row of x2.

    Shapes: x1 (*B, P, M), x2 (*B, R, M) -> (*B, P, R); the batch dims broadcast. ``p >= 0``:
    p=0 counts the differing coordinates, p=inf takes the largest difference. ``compute_mode`` is
    accepted for PyTorch compatibility (the difference is always formed directly, which is exact).
    The gradient at a zero distance is 0, as in PyTorch.

    Example:
    >>> a = tl.tensor([[0., 0.], [1., 1.]])
    >>> b = tl.tensor([[3., 4.]])
    >>> tl.cdist(a, b)
    tensor([[5.0000],
            [3.6056]])
    >>> tl.cdist(a, b, p=1)
    tensor([[7.],
            [5.]])
    """
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode; use one of {_COMPUTE_MODES}")
    _check_cdist(x1, x2, p)
    if x2.dtype != x1.dtype:  # only when trivial (checked): the result has x1's dtype
        x2 = x2.to(x1.dtype)
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)  # (*B, P, R, M)
    if p == 0:  # a count: part of the graph (as PyTorch's) with a zero gradient
        count = rd.sum(diff != 0, -1).to(x1.dtype)
        return ew.where(ones_like(count, dtype=_dt.bool_), count, rd.sum(diff, -1))
    if p == math.inf:
        if diff.shape[-1] == 0:
            return rd.sum(diff, -1)
        # PyTorch's gradient: every coordinate at the maximum gets the full gradient (amax
        # would split it between ties); the forward value stays the exact maximum
        magnitude = diff.abs()
        largest = rd.amax(magnitude, -1).detach()
        at_max = magnitude.detach() == largest.unsqueeze(-1)
        return largest + rd.sum(ew.where(at_max, magnitude - magnitude.detach(), 0.0), -1)
    if p == 1:
        return rd.sum(diff.abs(), -1)
    if p == 2:
        return _safe_root(rd.sum(diff * diff, -1), 2)
    return _safe_root(rd.sum(_safe_abs_pow(diff, float(p)), -1), float(p))


def _as_tensor_pair(op: str, elements, test_elements):
    """isin's two arguments as tensors on one device; a number takes the other's device."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"{op}() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__}): at least "
                        f"one of elements and test_elements must be a Tensor")
    device = elements.device if isinstance(elements, Tensor) else test_elements.device
    pair = []
    for value in (elements, test_elements):
        if not isinstance(value, Tensor):
            if not isinstance(value, (int, float)):
                raise TypeError(f"{op}(): elements and test_elements must be Tensors or numbers, "
                                f"got {type(value).__name__}")
            value = _tensor(value, device=device)
        if value.dtype == _dt.bool_:
            raise RuntimeError(f"Unsupported input type encountered for {op}(): Bool; compare "
                               f"integers instead (e.g. .to(tl.uint8))")
        pair.append(value)
    return pair


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (``~`` that with
    ``invert``). Either argument may be a number. ``assume_unique`` is accepted for PyTorch
    compatibility (it only speeds PyTorch up; the result is the same).

    Shapes: elements (*), test_elements (any) -> (*) bool.

    Example:
    >>> tl.isin(tl.tensor([1, 2, 3, 4]), tl.tensor([2, 4]))
    tensor([False,  True, False,  True])
    >>> tl.isin(tl.tensor([1, 2]), 2, invert=True)
    tensor([ True, False])
    """
    elements, test_elements = _as_tensor_pair("isin", elements, test_elements)
    # (N, 1) == (1, K): compared in the promoted dtype, as PyTorch does
    hits = rd.any(elements.reshape(-1, 1) == test_elements.reshape(1, -1), -1)
    found = hits.reshape(tuple(elements.shape))
    return found.logical_not() if invert else found


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values ``base ** e`` for exponents evenly spaced from start to end, inclusive.
    Computed in float64, then cast to ``dtype`` (the default float dtype unless given).

    Shapes: -> (steps,).

    Example:
    >>> tl.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    >>> tl.logspace(0, 3, 4, base=2, dtype=tl.int64)
    tensor([1, 2, 4, 8])
    """
    steps = check_space_args("logspace", start, end, steps, dtype)
    dtype = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if dtype.is_floating_point:
        result = (float(base) ** linspace(start, end, steps, dtype=_dt.float64, device=device)).to(dtype)
    else:
        result = _tensor(_integer_powers(start, end, steps, base), dtype=_dt.float64, device=device).to(dtype)
    return result.requires_grad_() if requires_grad else result


def _integer_powers(start, end, steps: int, base) -> list:
    """PyTorch's integer logspace kernel, as float64 values to truncate: one step gives
    ``base ** start``; else start and end are truncated to integers first, the exponents step
    (in double) from start for the first half and back from end for the rest, the base is
    rounded to float32, and each power is later truncated toward zero (not rounded)."""
    start, end = (float(v.item() if isinstance(v, Tensor) else v) for v in (start, end))
    if steps == 1:
        value = _trunc_power(float(base), start)
        if not math.isfinite(value):  # PyTorch fills the one element and checks the conversion
            raise RuntimeError(f"logspace: value cannot be converted to an integer dtype without "
                               f"overflow ({base} ** {start} is {value}); use a floating dtype")
        return [value]
    first, last = math.trunc(start), math.trunc(end)
    base = _float32(base)
    step = (last - first) / max(steps - 1, 1)
    exponents = [first + step * i if i < steps // 2 else last - step * (steps - i - 1) for i in range(steps)]
    return [_trunc_power(base, e) for e in exponents]


def _float32(value) -> float:
    return struct.unpack("f", struct.pack("f", float(value)))[0]


def _trunc_power(base: float, exponent: float) -> float:
    try:
        value = base ** exponent
    except ZeroDivisionError:  # 0 ** negative: C's pow gives inf
        return math.inf
    if isinstance(value, complex):  # negative base, fractional exponent: C's pow gives NaN
        return math.nan
    return math.trunc(value) if math.isfinite(value) else value


def _check_bincount(input: Tensor, weights, minlength) -> None:
    if input.dtype.is_floating_point or input.dtype == _dt.bool_:
        raise NotImplementedError(f'"bincount" not implemented for \'{input.dtype}\': input must '
                                  f"hold non-negative integers")
    if input.dim() != 1:
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got a "
                           f"{input.dim()}-d input of shape {list(input.shape)}")
    if isinstance(minlength, bool) or not isinstance(minlength, int):
        raise TypeError(f"bincount(): argument 'minlength' must be int, not "
                        f"{type(minlength).__name__}")
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0, got {minlength}")
    if weights is not None:
        if not isinstance(weights, Tensor):
            raise TypeError(f"bincount(): argument 'weights' must be Tensor, not "
                            f"{type(weights).__name__}")
        if weights.dim() != 1 or weights.shape[0] != input.shape[0]:
            raise RuntimeError(f"weights should be 1-d and have the same length as input: input "
                               f"has shape {list(input.shape)}, weights {list(weights.shape)}")


@tensor_op
def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ..., max(input) occurs in input (the sum of the matching
    ``weights`` where given). The length depends on input's values, so it reads input's largest
    value from the device.

    Shapes: input (N,) non-negative integers, weights (N,) -> (max(max(input) + 1, minlength),);
    int64 counts (also for an empty input), float32 sums for float32 weights, else float64.

    Example:
    >>> tl.bincount(tl.tensor([1, 1, 3]))
    tensor([0, 2, 0, 1])
    >>> tl.bincount(tl.tensor([1, 1, 3]), weights=tl.tensor([0.5, 1., 2.]), minlength=5)
    tensor([0.0000, 1.5000, 0.0000, 2.0000, 0.0000])
    """
    _check_bincount(input, weights, minlength)
    if input.numel() == 0:  # PyTorch counts (int64) even when weights are given
        return zeros(minlength, dtype=_dt.int64, device=input.device)
    if int(rd.min(input)) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs, got a "
                           "negative value")
    length = max(minlength, int(rd.max(input)) + 1)
    if weights is None:
        source = ones_like(input, dtype=_dt.int64)
    else:  # PyTorch sums float32 weights in float32 and every other dtype in float64
        source = weights.to(_dt.float32 if weights.dtype == _dt.float32 else _dt.float64)
    counts = zeros(length, dtype=source.dtype, device=input.device)
    return index_add(counts, 0, input.to(_dt.int64), source)


_num_threads = [int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or (os.cpu_count() or 1)]


def set_num_threads(n: int) -> None:
    """Record the number of threads for intra-op parallelism (``get_num_threads`` returns it).

    Unlike PyTorch, this changes no running thread pool: NumPy's BLAS (OpenBLAS/MKL) fixes its
    threads when the process starts, so set ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` before
    starting Python to change them. Shapes: none.

    Example:
    >>> old = tl.get_num_threads()
    >>> tl.set_num_threads(2)
    >>> tl.get_num_threads()
    2
    >>> tl.set_num_threads(old)
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n}")
    _num_threads[0] = n


def get_num_threads() -> int:
    """The number of threads recorded by ``set_num_threads`` (at start: ``OMP_NUM_THREADS`` when
    set, else the CPU count). Shapes: none.

    Example:
    >>> tl.get_num_threads() >= 1
    True
    """
    return _num_threads[0]
