"""Grids and repetition: meshgrid (views), tile and repeat_interleave, composed of movement
and indexing ops (so their gradients come from those)."""
from __future__ import annotations

import numbers
from typing import Sequence

from .. import dtypes as _dt
from .._warn import warn_user
from ..tensor import Tensor
from ._util import expect_tensor, tensor_op, wrap_dim
from .creation import arange
from .indexing import Scatter, index_select
from .reduce import cumsum


def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: output k holds tensors[k]'s values along dim k
    (indexing='ij') and is constant along the others; indexing='xy' swaps the first two dims
    (NumPy's Cartesian order). Without indexing, 'ij' with PyTorch's warning. The outputs are
    expanded views.

    Shapes: tensors of n_0, ..., n_{k-1} elements (1-D or 0-D) -> k tensors of shape
    (n_0, ..., n_{k-1}) ('ij') or (n_1, n_0, n_2, ...) ('xy').

    Example:
    >>> xs, ys = tl.meshgrid(tl.tensor([1, 2, 3]), tl.tensor([4, 5]), indexing="ij")
    >>> xs
    tensor([[1, 1],
            [2, 2],
            [3, 3]])
    >>> tl.meshgrid(tl.tensor([1, 2, 3]), tl.tensor([4, 5]), indexing="xy")[0].shape
    tensorlite.Size([2, 3])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warn_user("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.")
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        expect_tensor("meshgrid", "tensors", t)
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                               f"a {t.ndim}D tensor of shape {list(t.shape)}")
        if t.dtype is not tensors[0].dtype or t.device is not tensors[0].device:
            raise RuntimeError(f"meshgrid expects all tensors to have the same dtype and device (got "
                               f"{tensors[0].dtype.name} on {tensors[0].device} and {t.dtype.name} on {t.device})")
    swap = indexing == "xy" and len(tensors) >= 2
    order = (1, 0) + tuple(range(2, len(tensors))) if swap else tuple(range(len(tensors)))
    shape = tuple(tensors[k].numel() for k in order)
    grids = []
    for k, t in enumerate(tensors):
        at = order.index(k)
        line = t.reshape(tuple(-1 if d == at else 1 for d in range(len(shape))))
        grids.append(line.expand(shape))
    return tuple(grids)


@tensor_op
def tile(input: Tensor, dims) -> Tensor:
    """input repeated dims[k] times along dim k; a shorter dims is padded with leading 1s, a
    longer one gives input leading dims of size 1 (PyTorch's and NumPy's tile).

    Shapes: (d_0, ..., d_{n-1}) with dims of length m -> (r_0 * d'_0, ...), over the
    max(n, m) dims after padding both with leading 1s.

    Example:
    >>> tl.tile(tl.tensor([1, 2]), (2,))
    tensor([1, 2, 1, 2])
    >>> tl.tile(tl.tensor([[1, 2]]), (2, 1, 2)).shape
    tensorlite.Size([2, 1, 4])
    """
    if not isinstance(dims, (tuple, list)) or not all(isinstance(d, numbers.Integral) for d in dims):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not "
                        f"{type(dims).__name__} (the method also takes them unpacked: x.tile(2, 1))")
    dims = tuple(int(d) for d in dims)
    return input.repeat(*((1,) * (input.ndim - len(dims)) + dims))


def _repeat_counts(repeats, count: int, dim: int, device) -> Tensor:
    """repeats as an int64 vector of ``count`` entries on ``device`` (one value repeats for all)."""
    if not isinstance(repeats, Tensor):
        if isinstance(repeats, bool) or not isinstance(repeats, numbers.Integral):
            raise TypeError(f"repeat_interleave(): repeats must be an int or a Tensor, not {type(repeats).__name__}")
        if repeats < 0:
            raise RuntimeError(f"repeat_interleave(): repeats can not be negative (got {repeats})")
        repeats = Tensor._make(device.backend.full((count,), int(repeats), _dt.int64), device, False, None, 0)
    if repeats.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"repeat_interleave(): repeats has to be Long or Int tensor, got {repeats.dtype.name}")
    if repeats.ndim > 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    repeats = repeats.reshape(-1).long().to(device)
    if repeats.numel() == 1 and count != 1:
        repeats = repeats.expand(count)
    if repeats.numel() != count:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{repeats.numel()} and input.size({dim}) = {count}")
    return repeats


def _segment_ids(repeats: Tensor, total: int) -> Tensor:
    """[0]*repeats[0] + [1]*repeats[1] + ...: a 1 added at each segment's end, prefix-summed
    (segments of length 0 end where the next one does, so their marks add up)."""
    device = repeats.device
    ends = cumsum(repeats, 0)
    marks = Tensor._make(device.backend.full((total + 1,), 0, _dt.int64), device, False, None, 0)
    ones = Tensor._make(device.backend.full(ends.shape, 1, _dt.int64), device, False, None, 0)
    marks = Scatter.apply(marks, 0, ends.clamp(max=total), ones, True, None, "repeat_interleave")
    return cumsum(marks[:total], 0)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (or slice along dim) repeated repeats times (an int, or a tensor with one
    count per element) in place, unlike repeat's whole copies; dim None flattens input first.
    ``repeat_interleave(counts)`` alone repeats 0, 1, ... counts[i] times. A tensor of counts
    is read back to size the result unless ``output_size`` (their sum) is given.

    Shapes: (*, n, *) -> (*, sum(repeats), *) (n * repeats for an int).

    Example:
    >>> x = tl.tensor([[1, 2], [3, 4]])
    >>> tl.repeat_interleave(x, 2)
    tensor([1, 1, 2, 2, 3, 3, 4, 4])
    >>> x.repeat_interleave(tl.tensor([1, 2]), dim=0)
    tensor([[1, 2],
            [3, 4],
            [3, 4]])
    >>> tl.repeat_interleave(tl.tensor([2, 0, 1]))
    tensor([0, 0, 2])
    """
    expect_tensor("repeat_interleave", "input", input)
    if repeats is None:  # the counts alone: repeat their positions
        if input.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return repeat_interleave(arange(input.numel(), device=input.device), input, 0, output_size=output_size)
    if dim is None:
        input, axis = input.reshape(-1), 0
    elif input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions (repeat_interleave; "
                         f"use dim=None)")
    else:
        axis = wrap_dim(dim, input.ndim, op="repeat_interleave")
    if input.ndim == 0:
        input = input.reshape(1)
    count = input.shape[axis]
    if isinstance(repeats, numbers.Integral) and not isinstance(repeats, bool) and repeats >= 0:
        widened = input.unsqueeze(axis + 1)
        shape = widened.shape[:axis + 1] + (int(repeats),) + widened.shape[axis + 2:]
        return widened.expand(shape).flatten(axis, axis + 1)
    repeats = _repeat_counts(repeats, count, axis, input.device)
    if output_size is None:
        if repeats.numel() and int(repeats.min().item()) < 0:
            raise RuntimeError("repeat_interleave(): repeats can not be negative")
        output_size = int(repeats.sum().item())
    return index_select(input, axis, _segment_ids(repeats, int(output_size)))
