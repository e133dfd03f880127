"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, mode, unique,
unique_consecutive, searchsorted, bucketize, histc.

Everything runs on the input's device. ``sort`` is one sort primitive (stable; on OpenCL rank
counting for short lines, parallel merge passes for long ones; with stable=False, lines of 17
to 256 elements as PyTorch's std::sort orders their ties); topk, kthvalue and mode are
backend primitives that run PyTorch's CPU algorithms (libstdc++'s nth_element / sort /
partial_sort, its quickselect, its std::sort then the first longest run), so the indices they
return among equal values are PyTorch's. Only unique and unique_consecutive read the device
(their output shape depends on the values; PyTorch syncs too).

Conventions (PyTorch's): NaN sorts as the largest value (last, first when descending); ties keep
their order of appearance in a stable sort; median takes the lower of the two middles (from the stable
order) and gives NaN when a NaN is present; mode gives the smallest of the most frequent values.
Gradients go back to the returned indices (a scatter, differentiable again); median() over the
whole tensor splits its gradient evenly among the elements equal to the median.
"""
from __future__ import annotations

import collections
import math
import numbers

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ._table import NoGradient
from ._util import is_scalar, tensor_op, wrap_dim, zeros_like_tensor
from .checks import assert_all, assert_in_range
from .creation import arange, tensor as _tensor, zeros
from .indexing import nonzero
from .movement import cat, stack
from .reduce import cumsum

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "unique",
           "unique_consecutive", "searchsorted", "bucketize", "histc"]


def _values_indices(name):
    return collections.namedtuple(name, ["values", "indices"])


sort_result = _values_indices("sort")
topk_result = _values_indices("topk")
kthvalue_result = _values_indices("kthvalue")
median_result = _values_indices("median")
mode_result = _values_indices("mode")


class Sort(Function):
    """Sort along one dim -> (values, int64 indices) (the backend's ``sort``); the gradient of
    the values goes back to the positions they came from (a scatter into zeros)."""

    _primitive = True
    _non_diff_outputs = (1,)

    @staticmethod
    def forward(ctx, x, dim, descending, stable):
        values, index = x.device.backend.sort(x._array, dim, descending, stable)
        ctx.dim, ctx.x_shape = dim, x._array.shape
        ctx.index = Tensor._make(index, x.device, False, None, 0)
        return values, index

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        return _scatter_back(ctx, grad), None, None, None


def _scatter_back(ctx, grad):
    """The gradient of selected values (ctx.index along ctx.dim of an input of ctx.x_shape) at
    the positions they came from: a scatter-add into zeros, whose own gradient is a gather."""
    zeros_ = Tensor._make(grad.device.backend.full(ctx.x_shape, 0, grad.dtype), grad.device,
                          False, None, 0)
    return zeros_.scatter_add(ctx.dim, ctx.index, grad)


def _sorted(input, dim, descending, op, stable=True):
    """(values, indices) of the sort of input along dim (a 0-dim input as one element)."""
    axis = wrap_dim(dim, input.ndim, op=op)
    if input.ndim == 0:
        values, index = Sort.apply(input.reshape(1), 0, descending, True)
        return values.reshape(()), index.reshape(())
    return Sort.apply(input, axis, descending, bool(stable))


@tensor_op
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """Sort along dim -> (values, indices); NaN sorts last (first when descending). Equal values
    keep their order with ``stable=True``, and also with ``stable=False`` except on lines of 17
    to 256 elements, where they come in the order PyTorch's CPU sort (libstdc++'s std::sort)
    leaves them.

    Shapes: (*) -> values (*) and int64 indices (*).

    Example:
    >>> tl.sort(tl.tensor([3., float('nan'), 1.]))
    sort(values=tensor([ 1.,  3., nan]), indices=tensor([2, 0, 1]))
    >>> tl.tensor([[1, 3], [2, 0]]).sort(dim=0, descending=True).indices
    tensor([[1, 0],
            [0, 1]])
    """
    return sort_result(*_sorted(input, dim, bool(descending), "sort", stable))


@tensor_op
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort input along dim (``sort(...).indices``, ties as sort orders them).

    Shapes: (*) -> (*) int64.

    Example:
    >>> tl.argsort(tl.tensor([2, 1, 2, 0]))
    tensor([3, 1, 0, 2])
    """
    return _sorted(input, dim, bool(descending), "argsort", stable)[1]


@tensor_op
def msort(input: Tensor) -> Tensor:
    """input sorted along dim 0 (``sort(input, 0).values``).

    Shapes: (*) -> (*).

    Example:
    >>> tl.msort(tl.tensor([[2., 0.], [1., 3.]]))
    tensor([[1., 0.],
            [2., 3.]])
    """
    return _sorted(input, 0, False, "msort", False)[0]


def _refuse_bool(op, input):
    if input.dtype is _dt.bool_:
        raise NotImplementedError(f"{op}(): not implemented for dtype bool; convert the input with "
                                  ".long() first")


def _dim_size(input, axis):
    return input.shape[axis] if input.ndim else 1


@tensor_op
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The k largest (``largest=False``: smallest) elements along dim -> (values, indices), in
    sorted order unless ``sorted=False``. NaN counts as the largest value. The order among equal
    values (and with ``sorted=False``) is PyTorch's CPU one (libstdc++'s nth_element and sort).

    Shapes: (..., n, ...) -> (..., k, ...) values and int64 indices.

    Example:
    >>> tl.topk(tl.tensor([1., 5., 3., 4.]), 2)
    topk(values=tensor([5., 4.]), indices=tensor([1, 3]))
    """
    if input.dtype is _dt.bool_:
        raise RuntimeError("topk does not support bool dtypes; convert the input with .long() first")
    axis = wrap_dim(dim, input.ndim, op="topk")
    n = _dim_size(input, axis)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"topk(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range: topk(k={k}) along dim {dim} of size "
                           f"{n} (input shape {list(input.shape)}); k must lie in [0, {n}]")
    if input.ndim == 0:
        # PyTorch returns the element itself for k = 0 too
        values, index = LineSelect.apply(input.reshape(1), 0, "topk", 1, bool(largest), bool(sorted))
        return topk_result(values.reshape(()), index.reshape(()))
    return topk_result(*LineSelect.apply(input, axis, "topk", k, bool(largest), bool(sorted)))


def _select(values, index, axis, position, keepdim):
    """values and indices at ``position`` (an int64 tensor with a size-1 axis) along axis."""
    picked = values.gather(axis, position), index.gather(axis, position)
    return picked if keepdim else (picked[0].squeeze(axis), picked[1].squeeze(axis))


def _selected(cls, op, input, dim, keepdim, position_of):
    """Sort along dim and select the position ``position_of(sorted values, n)`` per line."""
    axis = wrap_dim(dim, input.ndim, op=op)
    if input.ndim == 0:
        values, index = _sorted(input, axis, False, op)
        return cls(values, index)
    n = input.shape[axis]
    if n == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size (input shape "
                         f"{list(input.shape)})")
    values, index = _sorted(input, axis, False, op)
    return cls(*_select(values, index, axis, position_of(values, n, axis), keepdim))


@tensor_op
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest element (k from 1) along dim -> (values, indices); NaN is the largest.
    Among equal values the index is the one PyTorch's CPU quickselect returns.

    Shapes: (..., n, ...) -> input's shape without dim (with a size-1 dim if keepdim).

    Example:
    >>> tl.kthvalue(tl.tensor([4., 1., 3.]), 2)
    kthvalue(values=tensor(3.), indices=tensor(2))
    """
    if input.ndim:  # PyTorch returns a 0-dim bool input itself
        _refuse_bool("kthvalue", input)
    axis = wrap_dim(dim, input.ndim, op="kthvalue")
    n = _dim_size(input, axis)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"kthvalue(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}: "
                           f"k={k} but the dim has size {n} (input shape {list(input.shape)}); "
                           f"k must lie in [1, {n}]")
    return _line_select(kthvalue_result, "kthvalue", input, axis, keepdim, int(k))


# median() of an empty integer tensor: NaN converted to the dtype (x86's INT_MIN through int32
# or int64; 0 for the narrower types, truncated from int32's)
_EMPTY_MEDIAN = {_dt.int64: -(1 << 63), _dt.int32: -(1 << 31), _dt.int16: 0, _dt.int8: 0, _dt.uint8: 0,
                 _dt.bool_: True}


def _median_position(values, n, axis):
    """The lower middle, or the first NaN (NaNs sort last) when the line has one."""
    with no_grad():
        nans = values.detach().isnan().sum(axis, keepdim=True)
        return ((n - 1) // 2 + zeros_like_tensor(nans)).where(nans == 0, n - nans)


class _EvenShare(Function):
    """value (computed from x) with PyTorch's evenly_distribute_backward: the gradient is split
    evenly among the elements of x equal to value (NaN counting as equal to a NaN value)."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, value):
        ctx.save_for_backward(x, value)
        return x.device.backend.copy(value._array)

    @staticmethod
    def backward(ctx, grad):
        x, value = ctx.saved_tensors
        mask = (x == value).logical_or(x.isnan().logical_and(value.isnan()))
        return mask.to(grad.dtype) * (grad / mask.sum().to(grad.dtype)), None


def _nanmedian_position(values, n, axis):
    """The lower middle of the non-NaN values (NaNs sort last), or 0 when all are NaN."""
    with no_grad():
        count = n - values.detach().isnan().sum(axis, keepdim=True)
        return ((count - 1) // 2).where(count > 0, 0)


median_result_nan = _values_indices("nanmedian")


def _median(op, result, position, input, dim, keepdim):
    """median / nanmedian: along dim -> result(values, indices) at ``position`` of the stable
    order; over all elements -> a 0-dim tensor whose gradient is split among equal elements."""
    if dim is not None or input.numel():
        _refuse_bool(op, input)
    if dim is not None:
        return _selected(result, op, input, dim, keepdim, position)
    flat = input.reshape(-1)
    if flat.numel() == 0:  # PyTorch's NaN, as C converts it for an integer or bool dtype
        value = _tensor(_EMPTY_MEDIAN.get(input.dtype, float("nan")), dtype=input.dtype, device=input.device)
    else:
        with no_grad():
            value = _selected(result, op, flat.detach(), 0, False, position).values
    return _EvenShare.apply(flat, value) if input.requires_grad else value


@tensor_op
def median(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median: over all elements (a 0-dim tensor; NaN when input has one; the gradient
    is split among the elements equal to it), or along dim -> (values, indices).

    Shapes: (*) -> (); with dim: input's shape without dim (kept as size 1 if keepdim).

    Example:
    >>> tl.median(tl.tensor([1., 4., 2., 3.]))
    tensor(2.)
    >>> tl.tensor([[1., 5., 2.], [0., 0., 7.]]).median(dim=1)
    median(values=tensor([2., 0.]), indices=tensor([2, 1]))
    """
    return _median("median", median_result, _median_position, input, dim, keepdim)


@tensor_op
def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    """median ignoring NaN: the lower median of the non-NaN values (NaN only when every value is
    NaN, with index 0), over all elements or along dim -> (values, indices).

    Shapes: (*) -> (); with dim: input's shape without dim (kept as size 1 if keepdim).

    Example:
    >>> tl.nanmedian(tl.tensor([1., float('nan'), 3., 2.]))
    tensor(2.)
    >>> tl.tensor([[float('nan'), 5.], [float('nan'), float('nan')]]).nanmedian(dim=1)
    nanmedian(values=tensor([ 5., nan]), indices=tensor([1, 0]))
    """
    return _median("nanmedian", median_result_nan, _nanmedian_position, input, dim, keepdim)


_LINE_OPS = {
    "topk": lambda backend, x, dim, k, largest, sorted_: backend.topk(x, k, dim, largest, sorted_),
    "kthvalue": lambda backend, x, dim, k: backend.kthvalue(x, k, dim),
    "mode": lambda backend, x, dim: backend.mode(x, dim),
}


class LineSelect(Function):
    """topk / kthvalue / mode along one dim (kthvalue and mode keep it as size 1, topk has k
    there) -> (values, indices), chosen by the backend as PyTorch's CPU kernels do; the gradient
    goes to the returned indices."""

    _primitive = True
    _non_diff_outputs = (1,)

    @staticmethod
    def forward(ctx, x, dim, op, *args):
        values, index = _LINE_OPS[op](x.device.backend, x._array, dim, *args)
        ctx.dim, ctx.x_shape, ctx.extra = dim, x._array.shape, len(args)
        ctx.index = Tensor._make(index, x.device, False, None, 0)
        return values, index

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        return (_scatter_back(ctx, grad),) + (None,) * (ctx.extra + 2)


def _line_select(result, op, input, axis, keepdim, *args):
    """``result(values, indices)`` of LineSelect along axis (a 0-dim input as one element)."""
    if input.ndim == 0:
        values, index = LineSelect.apply(input.reshape(1), 0, op, *args)
        return result(values.reshape(()), index.reshape(()))
    if input.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size (input shape "
                         f"{list(input.shape)})")
    values, index = LineSelect.apply(input, axis, op, *args)
    return result(values, index) if keepdim else result(values.squeeze(axis), index.squeeze(axis))


@tensor_op
def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """The most frequent value along dim (the smallest of them on ties) and the index of its
    last occurrence (on lines of up to 16 elements; beyond, the one PyTorch's CPU kernel
    returns) -> (values, indices). With NaN in a line, PyTorch's CPU result too: NaNs equal
    nothing and stay where its std::sort by ``<`` leaves them (``mode([nan, 0.])`` is nan,
    ``mode([0., nan])`` is 0.).

    Shapes: (..., n, ...) -> input's shape without dim (kept as size 1 if keepdim).

    Example:
    >>> tl.mode(tl.tensor([[1, 2, 2], [3, 3, 4]]))
    mode(values=tensor([2, 3]), indices=tensor([2, 1]))
    """
    return _line_select(mode_result, "mode", input, wrap_dim(dim, input.ndim, op="mode"), keepdim)


# -- unique ----------------------------------------------------------------------------------
def _run_starts(rows):
    """bool (n,): row i differs from row i-1 (row 0 always starts a run); rows (n, m)."""
    n = rows.shape[0]
    if n == 0:
        return zeros(0, dtype=_dt.bool_, device=rows.device)
    differs = (rows[1:] != rows[:-1]).any(1) if rows.shape[1] else zeros(n - 1, dtype=_dt.bool_, device=rows.device)
    return cat([differs.new_ones(1).bool(), differs])


class SortRows(NoGradient):
    @staticmethod
    def forward(ctx, rows):
        return rows.device.backend.sort_rows(rows._array)


def _lexsort_rows(rows):
    """The permutation that sorts rows (n, m) lexicographically. Without NaN on the device: one
    stable sort per column from the last to the first (a radix sort over columns). With NaN,
    PyTorch's order (its comparator lets a NaN column decide nothing, so a row with NaN can sit
    between equal rows and split them): the backend's sort_rows (on the host for OpenCL)."""
    if rows.is_floating_point() and rows.numel() and rows.isnan().any().item():
        return SortRows.apply(rows)
    order = arange(rows.shape[0], device=rows.device)
    for c in reversed(range(rows.shape[1])):
        order = order[argsort(rows[order, c], stable=True)]
    return order


def _runs(rows, order, return_inverse, return_counts):
    """(unique rows, inverse (n,) or None, counts or None) of rows (n, m) taken in ``order``."""
    ordered = rows[order] if order is not None else rows
    starts = _run_starts(ordered)
    (first,) = nonzero(starts, as_tuple=True)  # reads the count: the output size depends on it
    inverse = counts = None
    if return_inverse:
        run = cumsum(starts, 0) - 1
        inverse = run if order is None else zeros_like_tensor(run).scatter(0, order, run)
    if return_counts:
        counts = cat([first, first.new_full((1,), rows.shape[0])])
        counts = counts[1:] - counts[:-1]
    return ordered[first], inverse, counts


def _unique(op, input, return_inverse, return_counts, dim, sort_first):
    with no_grad():
        x = input.detach()
        if dim is None:
            rows = x.reshape(-1, 1)
            # PyTorch sorts unstably: which NaN gets which place shows in the inverse
            values, inverse, counts = _runs(rows, argsort(rows[:, 0]) if sort_first else None,
                                            return_inverse, return_counts)
            values = values.reshape(-1)
            inverse = inverse.reshape(input.shape) if inverse is not None else None
        else:
            axis = wrap_dim(dim, x.ndim, op=op)
            if any(size == 0 for d, size in enumerate(x.shape) if d != axis):
                raise RuntimeError(f"{op}(): There are 0 sized dimensions, and they aren't selected, so "
                                   f"unique cannot be applied (input shape {list(x.shape)}, dim={dim})")
            moved = x.movedim(axis, 0)
            rows = moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))
            values, inverse, counts = _runs(rows, _lexsort_rows(rows) if sort_first else None,
                                            return_inverse, return_counts)
            values = values.reshape((-1,) + tuple(moved.shape[1:])).movedim(0, axis)
    extras = tuple(t for t, wanted in ((inverse, return_inverse), (counts, return_counts)) if wanted)
    return (values,) + extras if extras else values


@tensor_op
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    """The distinct elements (dim=None) or distinct slices along dim, sorted ascending (also
    when ``sorted=False``); NaNs are all distinct. Optionally the inverse (input's position ->
    index into the result) and the counts. Reads the number of distinct values back to the host:
    the output's shape depends on the data (PyTorch synchronises too). Slices holding NaN are
    ordered as PyTorch's comparator leaves them (a NaN decides nothing), computed on the host.

    Shapes: dim None: (*) -> (k,), inverse (*), counts (k,); dim d: (..., n, ...) ->
    (..., k, ...), inverse (n,), counts (k,).

    Example:
    >>> tl.unique(tl.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    (tensor([1, 2, 3]), tensor([2, 0, 2, 1]), tensor([1, 1, 2]))
    >>> tl.tensor([[1, 2], [0, 5], [1, 2]]).unique(dim=0)
    tensor([[0, 5],
            [1, 2]])
    """
    return _unique("unique", input, return_inverse, return_counts, dim, True)


@tensor_op
def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Collapse runs of equal consecutive elements (dim=None: of the flattened input) or slices
    along dim; optionally the inverse and the run lengths. Reads the number of runs back to the
    host (the output's shape depends on the data, as in PyTorch).

    Shapes: as unique.

    Example:
    >>> tl.unique_consecutive(tl.tensor([1, 1, 2, 2, 1]), return_counts=True)
    (tensor([1, 2, 1]), tensor([2, 2, 1]))
    """
    return _unique("unique_consecutive", input, return_inverse, return_counts, dim, False)


# -- binary search and histograms -------------------------------------------------------------
class SearchSorted(NoGradient):
    @staticmethod
    def forward(ctx, sorted_sequence, values, right):
        return values.device.backend.searchsorted(sorted_sequence._array, values._array, right)


def _search_side(right, side):
    if side is None:
        return bool(right)
    if side not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side!r}")
    if right and side == "left":
        raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side "
                           "of left while right was True")
    return side == "right"


def _check_search_shapes(sorted_sequence, values):
    seq, val = tuple(sorted_sequence.shape), tuple(values.shape)
    if sorted_sequence.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, "
                           "but got 0 dimension")
    if len(seq) > 1 and (len(val) != len(seq) or seq[:-1] != val[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
            f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
            f"{list(seq)} and input value tensor {list(val)}")


_SORTER_RANGE = "torch.searchsorted(): sorter index out of range (got {value})"


def _checked_sorter(sorter, seq):
    if not isinstance(sorter, Tensor) or sorter.dtype is not _dt.int64:
        got = sorter.dtype.name if isinstance(sorter, Tensor) else type(sorter).__name__
        raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got {got}")
    if tuple(sorter.shape) != tuple(seq.shape):
        raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got "
                           f"boundary tensor {list(seq.shape)} and got sorter tensor {list(sorter.shape)}")
    assert_in_range(sorter, 0, seq.shape[-1] - 1, _SORTER_RANGE)
    return sorter


@tensor_op
def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side=None, sorter=None) -> Tensor:
    """Insertion points of input's values in the innermost dim of sorted_sequence: the first
    position whose element is >= the value (``right`` / ``side='right'``: > the value). A NaN
    value goes after every element. ``sorter``: indices that sort sorted_sequence.

    Shapes: sorted_sequence (n,) or (..., n), input (...) or (..., m) with the same leading
    dims (or a number) -> input's shape, int64 (int32 if out_int32).

    Example:
    >>> tl.searchsorted(tl.tensor([1., 3., 5.]), tl.tensor([3., 6.]))
    tensor([1, 3])
    >>> tl.searchsorted(tl.tensor([1., 3., 5.]), 3., right=True)
    tensor(2)
    """
    right = _search_side(right, side)
    values = input if isinstance(input, Tensor) else _tensor(input, device=sorted_sequence.device)
    _check_search_shapes(sorted_sequence, values)
    seq = sorted_sequence
    if sorter is not None:
        seq = seq.gather(-1, _checked_sorter(sorter, seq))
    common = _dt.promote_types(seq.dtype, values.dtype)
    if common is _dt.bool_ and values.numel():
        raise NotImplementedError("searchsorted(): not implemented for bool boundaries and values; "
                                  "convert them with .long() first")
    out = SearchSorted.apply(seq.to(common), values.to(common), right)
    return out.int() if out_int32 else out


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each element given 1-D sorted ``boundaries``: i such that
    boundaries[i-1] < x <= boundaries[i] (``right``: boundaries[i-1] <= x < boundaries[i]).

    Shapes: input (*) or a number, boundaries (n,) -> (*) int64 (int32 if out_int32).

    Example:
    >>> tl.bucketize(tl.tensor([0.5, 1., 4.]), tl.tensor([1., 2., 3.]))
    tensor([0, 0, 3])
    >>> tl.bucketize(1.5, tl.tensor([1, 2, 3]))
    tensor(1)
    """
    if not isinstance(boundaries, Tensor):
        raise TypeError(f"bucketize(): argument 'boundaries' (position 2) must be Tensor, not "
                        f"{type(boundaries).__name__}")
    if not isinstance(input, Tensor) and not is_scalar(input):
        raise TypeError(f"bucketize(): argument 'input' (position 1) must be Tensor or Number, not "
                        f"{type(input).__name__}")
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.ndim}) (shape {list(boundaries.shape)})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


class Histc(NoGradient):
    @staticmethod
    def forward(ctx, x, range_, bins):
        return x.device.backend.histc(x._array, bins, range_._array)


def _histc_range(x, low, high):
    """[low, high] as a 2-element tensor of x's dtype on x's device: the data's min and max when
    low == high (both widened by 1 when those are equal too), checked finite on the device."""
    if low != high:
        return _tensor([low, high], dtype=x.dtype, device=x.device)
    with no_grad():
        if x.numel():
            low_t, high_t = x.detach().min(), x.detach().max()
        else:
            low_t = high_t = _tensor(float(low), dtype=x.dtype, device=x.device)
        same = low_t == high_t
        bounds = stack([low_t.where(~same, low_t - 1), high_t.where(~same, high_t + 1)])
        assert_all(bounds.isfinite().all(), "torch.histc: range of the data [min, max] is not finite "
                                            "(the input holds inf or nan); pass finite min and max")
    return bounds


@tensor_op
def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:
    """Histogram of input's elements in ``bins`` equal bins over [min, max] (both 0, or equal:
    the data's min and max); elements outside, and NaN, are not counted; max belongs to the
    last bin. Not differentiable.

    Shapes: (*) -> (bins,), input's floating dtype.

    Example:
    >>> tl.histc(tl.tensor([1., 2., 1.]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    if not input.is_floating_point():
        raise NotImplementedError(f"histc(): not implemented for dtype {input.dtype.name}; convert the "
                                  "input with .float() first")
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins}")
    low, high = float(min), float(max)
    if low != high and not (abs(low) < float("inf") and abs(high) < float("inf")):
        raise RuntimeError(f"torch.histc(): range of [{low}, {high}] is not finite")
    if low > high:
        raise RuntimeError(f"torch.histc(): max must be larger than min, got min={low} > max={high}")
    return Histc.apply(input.detach(), _histc_range(input, low, high), int(bins))
