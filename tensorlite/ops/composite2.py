"""More of PyTorch's functions composed from differentiable primitives (tensor_split, diff,
rot90, logit, tensordot, ...): gradients, double gradients and OpenCL runs come from the ops
they are built of."""
from __future__ import annotations

import math
import numbers

import numpy as np  # the index pairs of tril_indices/triu_indices, computed from Python ints

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from . import elementwise as ew
from . import movement as mv
from .creation import ones_like, tensor
from .linalg import matmul
from ._util import broadcast_shapes, expect_tensor, wrap_dim, wrap_dims, tensor_op


def _split_bounds(indices_or_sections, size: int) -> list:
    """(start, end) of each piece: n near-equal sections (the first size % n one longer) or
    Python-slice bounds between the given indices (negative ones wrap, all clamp)."""
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor with "
                               f"{indices_or_sections.ndim} dims")
        if indices_or_sections.dtype != _dt.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of "
                               f"long, but got {indices_or_sections.dtype.scalar_name}")
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, numbers.Integral) and not isinstance(indices_or_sections, bool):
        n = int(indices_or_sections)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        small, extra = divmod(size, n)
        ends, end = [], 0
        for i in range(n):
            end += small + (i < extra)
            ends.append(end)
        return list(zip([0] + ends[:-1], ends))
    if not isinstance(indices_or_sections, (list, tuple)) or not all(
            isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in indices_or_sections):
        raise TypeError(f"tensor_split(): indices_or_sections must be an int or a sequence of ints, "
                        f"got {indices_or_sections!r}")
    def clamp(i):
        i = int(i) + size if i < 0 else int(i)
        return min(max(i, 0), size)
    bounds = [0] + [clamp(i) for i in indices_or_sections] + [size]
    return list(zip(bounds[:-1], bounds[1:]))


@tensor_op
def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Split input along ``dim`` into ``n`` near-equal views (the first ``size % n`` one element
    longer) or at the given indices (Python slice bounds: negative ones wrap, out-of-range clamp).

    Shapes: input (..., size, ...) -> a tuple of (..., piece, ...) views.

    Example:
    >>> tl.tensor_split(tl.arange(5), 2)
    (tensor([0, 1, 2]), tensor([3, 4]))
    >>> [p.tolist() for p in tl.tensor_split(tl.arange(5), [1, -1])]
    [[0], [1, 2, 3], [4]]
    """
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor "
                           "with 0 dims")
    dim = wrap_dim(dim, input.ndim)
    bounds = _split_bounds(indices_or_sections, input.shape[dim])
    return tuple(mv.narrow(input, dim, start, max(end - start, 0)) for start, end in bounds)


@tensor_op
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The n-th forward difference along ``dim`` (``out[i] = x[i+1] - x[i]``, applied n times)
    of input with ``prepend``/``append`` concatenated first; bool tensors use xor.

    Shapes: input (..., size, ...), prepend/append (..., p, ...) with input's other sizes ->
    (..., size + p + a - n, ...) (empty once n reaches that length; n=0 returns input as is).

    Example:
    >>> tl.diff(tl.tensor([1, 4, 9, 16]))
    tensor([3, 5, 7])
    >>> tl.diff(tl.tensor([1., 4., 9.]), n=2, prepend=tl.tensor([0.]))
    tensor([2., 2.])
    """
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, input.ndim)
    for extra in (prepend, append):
        if extra is not None and (not isinstance(extra, Tensor) or extra.ndim != input.ndim):
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for d in range(input.ndim):  # checked even when n == 0, as PyTorch
            if extra is not None and d != dim and extra.shape[d] != input.shape[d]:
                raise RuntimeError(f"diff expects the shape of tensor to prepend or append to match "
                                   f"that of input except along the differencing dimension; "
                                   f"input.size({d}) = {input.shape[d]}, but got tensor.size({d}) = "
                                   f"{extra.shape[d]}")
    if n == 0:
        return input  # PyTorch ignores prepend/append then
    parts = [t for t in (prepend, input, append) if t is not None]
    x = mv.cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        later, earlier = mv.narrow(x, dim, 1, length - 1), mv.narrow(x, dim, 0, length - 1)
        x = ew.logical_xor(later, earlier) if x.dtype is _dt.bool_ else later - earlier
    return x


@tensor_op
def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate input by 90 degrees ``k`` times in the plane of ``dims``, from the first dim's
    direction towards the second's (a flip and a transpose).

    Shapes: (..., a, ..., b, ...) -> (..., b, ..., a, ...) for odd k, input's shape for even k.

    Example:
    >>> tl.rot90(tl.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (wrap_dim(d, input.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and "
                           f"dim1 = {dims[1]}")
    k = k % 4
    if k == 1:
        return mv.transpose(mv.flip(input, [d1]), d0, d1)
    if k == 2:
        return mv.flip(input, [d0, d1])
    if k == 3:
        return mv.transpose(mv.flip(input, [d0]), d0, d1)
    return mv.clone(input)


@tensor_op
def fliplr(input: Tensor) -> Tensor:
    """input with its columns (dim 1) reversed.

    Shapes: (rows, cols, ...) -> the same; input needs at least 2 dims.

    Example:
    >>> tl.fliplr(tl.tensor([[1, 2], [3, 4]]))
    tensor([[2, 1],
            [4, 3]])
    """
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return mv.flip(input, [1])


@tensor_op
def flipud(input: Tensor) -> Tensor:
    """input with its rows (dim 0) reversed.

    Shapes: (rows, ...) -> the same; input needs at least 1 dim.

    Example:
    >>> tl.flipud(tl.tensor([[1, 2], [3, 4]]))
    tensor([[3, 4],
            [1, 2]])
    """
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return mv.flip(input, [0])


@tensor_op
def logit(input: Tensor, eps=None) -> Tensor:
    """``log(p / (1 - p))``, with p clamped to ``[eps, 1 - eps]`` when eps is given (a negative
    eps clamps nothing); integer and bool inputs give the default float dtype.

    Shapes: any -> the same.

    Example:
    >>> tl.logit(tl.tensor([0.5, 0.75, 1.0]), eps=0.25)
    tensor([0.0000, 1.0986, 1.0986])
    """
    p = input if input.dtype.is_floating_point else input.to(_dt.get_default_dtype())
    return _Logit.apply(p, None if eps is None else float(eps))


class _Logit(Function):
    """PyTorch's logit: with eps >= 0, p below eps becomes eps, else p above 1 - eps becomes
    1 - eps (in that order, so eps > 0.5 maps everything to one of the two). The gradient is
    ``grad / (p (1 - p))`` at the original p (p = 0 gives an infinite gradient, not NaN from a
    chain of divisions), and outside the range: 0 for eps >= 0, NaN outside [0, 1] without eps
    or with eps < 0. A backward that records (create_graph) is PyTorch's differentiable one:
    there NaN p is outside too, and a negative eps widens the range to [eps, 1 - eps]."""

    @staticmethod
    def forward(ctx, p, eps):
        ctx.save_for_backward(p)
        ctx.eps = eps
        if eps is not None and eps >= 0:
            p = ew.where(p < eps, eps, ew.where(p > 1 - eps, 1 - eps, p))
        return ew.log(p / (1 - p))

    @staticmethod
    def backward(ctx, grad):
        (p,) = ctx.saved_tensors
        eps = ctx.eps
        slope = grad / (p * (1 - p))
        if is_grad_enabled():
            lo, outside = (0.0, math.nan) if eps is None else (eps, 0.0)
            return ew.where((p >= lo) & (p <= 1 - lo), slope, outside), None
        lo, outside = (0.0, math.nan) if eps is None or eps < 0 else (eps, 0.0)
        # PyTorch's kernel: grad * inf at p = +-0 and 1 (so -0.0 gives +inf, not 1 / -0.0)
        slope = ew.where((p == 0) | (p == 1), grad * math.inf, slope)
        return ew.where((p < lo) | (p > 1 - lo), outside, slope), None


@tensor_op
def signbit(input: Tensor) -> Tensor:
    """Whether each element's sign bit is set: negative numbers, -0.0 and -NaN for floats; x < 0
    for integers; all False for bools.

    Shapes: any -> the same, bool.

    Example:
    >>> tl.signbit(tl.tensor([-2.0, -0.0, 0.0, 3.0]))
    tensor([ True,  True, False, False])
    """
    if input.dtype.is_floating_point:
        return ew.copysign(ones_like(input), input) < 0
    if input.dtype == _dt.bool_:
        return ew.logical_and(input, False)
    return input < 0


@tensor_op
def sgn(input: Tensor) -> Tensor:
    """The sign of each element (-1, 0 or 1; bools stay bools): ``sign`` for real tensors.

    Shapes: any -> the same.

    Example:
    >>> tl.sgn(tl.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return ew.sign(input)


def _tensordot_dims(dims, a: Tensor, b: Tensor) -> tuple:
    """(dims of a, dims of b) to contract, from an int (a's last n with b's first n) or a pair
    of int lists."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    if not isinstance(dims, (list, tuple)) or len(dims) != 2:
        raise RuntimeError(f"tensordot expects dims to be int or tuple[list[int], list[int]] or "
                           f"list[list[int]] containing two lists, but got dims={dims}")
    pair = []
    for name, side in zip(("dims_self", "dims_other"), dims):
        if isinstance(side, Tensor):
            side = side.tolist()
        if not isinstance(side, (list, tuple)):
            raise TypeError(f"tensordot(): argument '{name}' must be tuple of ints, not "
                            f"{type(side).__name__}")
        pair.append(list(side))
    if len(pair[0]) != len(pair[1]):
        raise RuntimeError(f"both dimension lists should have same length (tensordot got "
                           f"{pair[0]} and {pair[1]})")
    return pair[0], pair[1]


def _moved_dims(x: Tensor, dims, op: str) -> list:
    """dims of x wrapped, each named once (in the given order)."""
    wrapped = [wrap_dim(d, x.ndim) for d in dims]
    wrap_dims(wrapped, x.ndim, op=op)  # raises on a repeated dim
    return wrapped


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum of products over the paired dims of a and b: an int n pairs a's last n dims with
    b's first n, a pair of lists pairs ``dims[0][i]`` of a with ``dims[1][i]`` of b.

    Shapes: a (free_a..., k...), b (k..., free_b...) -> (free_a..., free_b...) (free dims in
    their original order); a and b share a dtype.

    Example:
    >>> tl.tensordot(tl.ones(2, 3, 4), tl.ones(4, 3, 5), dims=([1, 2], [1, 0])).shape
    tensorlite.Size([2, 5])
    >>> tl.tensordot(tl.tensor([1., 2.]), tl.tensor([3., 4.]), dims=1)
    tensor(11.)
    """
    expect_tensor("tensordot", "a", a)
    expect_tensor("tensordot", "b", b)
    if a.dtype is not b.dtype:
        raise RuntimeError(f"both inputs should have same dtype (tensordot got "
                           f"{a.dtype.scalar_name} and {b.dtype.scalar_name}); convert one with .to()")
    dims_a, dims_b = _tensordot_dims(dims, a, b)
    dims_a, dims_b = _moved_dims(a, dims_a, "tensordot"), _moved_dims(b, dims_b, "tensordot")
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[da]} in dim {da} and second has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    def size(x, ds):
        return math.prod(x.shape[d] for d in ds)
    left = mv.reshape(mv.permute(a, *free_a, *dims_a), size(a, free_a), size(a, dims_a))
    right = mv.reshape(mv.permute(b, *dims_b, *free_b), size(b, dims_b), size(b, free_b))
    shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    return mv.reshape(matmul(left, right), *shape)


def broadcast_tensors(*tensors: Tensor) -> tuple:
    """The tensors broadcast to their common shape (read-only views, each keeping its dtype).

    Shapes: (s1...), (s2...), ... -> each broadcast(s1, s2, ...).

    Example:
    >>> [t.shape for t in tl.broadcast_tensors(tl.ones(2, 1), tl.ones(3))]
    [tensorlite.Size([2, 3]), tensorlite.Size([2, 3])]
    """
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    shape = broadcast_shapes(*(tuple(t.shape) for t in tensors)) if tensors else ()
    return tuple(mv.broadcast_to(t, shape) for t in tensors)


def _triangle_indices(op: str, lower: bool, row, col, offset, dtype, device) -> Tensor:
    for name, value in (("row", row), ("col", col), ("offset", offset)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}")
    if row < 0 or col < 0:
        name, value = ("row", row) if row < 0 else ("col", col)
        raise RuntimeError(f"{op}: {name} must be non-negative, got {value}")
    dtype = _dt.int64 if dtype is None else dtype
    if dtype not in (_dt.int32, _dt.int64):
        raise NotImplementedError(f'"{op}" not implemented for \'{dtype.scalar_name}\' (pass dtype='
                                  f'tl.int64 or tl.int32)')
    pick = np.tril_indices if lower else np.triu_indices
    rows, cols = pick(int(row), int(offset), int(col))
    return tensor(np.stack([rows, cols]).reshape(2, -1), dtype=dtype, device=device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """The (row, col) indices of the lower triangle of a row x col matrix, row by row: element
    (i, j) is in it when ``j - i <= offset``.

    Shapes: -> (2, count); dtype int64 (default) or int32.

    Example:
    >>> tl.tril_indices(3, 3, -1)
    tensor([[1, 2, 2],
            [0, 0, 1]])
    """
    return _triangle_indices("tril_indices", True, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """The (row, col) indices of the upper triangle of a row x col matrix, row by row: element
    (i, j) is in it when ``j - i >= offset``.

    Shapes: -> (2, count); dtype int64 (default) or int32.

    Example:
    >>> tl.triu_indices(2, 3, 1)
    tensor([[0, 0, 1],
            [1, 2, 2]])
    """
    return _triangle_indices("triu_indices", False, row, col, offset, dtype, device)
