"""More of PyTorch's functions composed from differentiable primitives (tensor_split, diff,
rot90, logit, tensordot, ...): gradients, double gradients and OpenCL runs come from the ops
they are built of."""
from __future__ import annotations

import numbers

from .. import dtypes as _dt
from ..tensor import Tensor
from . import elementwise as ew
from . import movement as mv
from .linalg import matmul
from ._util import wrap_dim, tensor_op


def _split_bounds(indices_or_sections, size: int) -> list:
    """(start, end) of each piece: n near-equal sections (the first size % n one longer) or
    Python-slice bounds between the given indices (negative ones wrap, all clamp)."""
    if isinstance(indices_or_sections, Tensor):
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
    if eps is not None and eps >= 0:
        p = ew.clamp(p, eps, 1 - eps)
    return ew.log(p / (1 - p))


@tensor_op
def sgn(input: Tensor) -> Tensor:
    """The sign of each element (-1, 0 or 1; bools stay bools): ``sign`` for real tensors.

    Shapes: any -> the same.

    Example:
    >>> tl.sgn(tl.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return ew.sign(input)
