"""F.embedding_bag: sums, means or maxima of embedding rows over bags of indices."""
from __future__ import annotations

from ..ops._util import tensor_op
from ..autograd.grad_mode import no_grad
from ..ops.creation import arange, zeros, zeros_like
from ..tensor import Tensor

_MODES = ("sum", "mean", "max")


def _check_bag_args(input, offsets, mode, per_sample_weights):
    if mode not in _MODES:
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if input.ndim == 2 and offsets is not None:
        raise ValueError("embedding_bag: if input is 2D, then offsets has to be None, as input is treated "
                         f"as a mini-batch of fixed length sequences; got offsets of shape {list(offsets.shape)}")
    if input.ndim == 1 and (offsets is None or offsets.ndim != 1):
        raise ValueError("embedding_bag: offsets has to be a 1D Tensor when input is 1D, got "
                         f"{None if offsets is None else list(offsets.shape)}")
    if input.ndim not in (1, 2):
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if input.ndim == 2 and input.shape[1] == 0:  # PyTorch's bags of length 0: "step must be nonzero"
        raise RuntimeError(f"embedding_bag: a 2D input needs bags of at least one index, got shape "
                           f"{list(input.shape)} (step must be nonzero); pass a 1D input with offsets "
                           f"for empty bags")
    if per_sample_weights is not None and (mode != "sum" or per_sample_weights.shape != input.shape):
        raise NotImplementedError(
            f"embedding_bag: per_sample_weights need mode='sum' (got {mode!r}) and input's shape "
            f"{list(input.shape)} (got {list(per_sample_weights.shape)})")


def _bag_of_each_index(input, offsets, include_last_offset):
    """(flat indices (n,), bag number of each (n,), number of bags), without reading the device."""
    if input.ndim == 2:
        bags, length = input.shape
        return input.reshape(-1), arange(bags, device=input.device).repeat_interleave(length), bags
    starts = offsets[:-1] if include_last_offset else offsets
    positions = arange(input.shape[0], device=input.device)
    bag = (starts.reshape(1, -1) <= positions.reshape(-1, 1)).sum(1) - 1
    return input, bag, starts.shape[0]


def _first_maximum(out: Tensor, index: Tensor, rows: Tensor) -> Tensor:
    """Each bag's column maxima (out: (bags + 1, D) zeros; index: (n, D) bag of each row) with
    the gradient going to the first row of the bag that holds the maximum, as PyTorch's
    max_indices (scatter_reduce's amax would split it between tied rows)."""
    with no_grad():
        # start from -inf, not 0: a row equal to the start value would count as a tie
        largest = out.fill_(float("-inf")).scatter_reduce(0, index, rows, "amax", include_self=False)
        at_max = rows == largest.gather(0, index)
        n = rows.shape[0]
        position = arange(n, device=rows.device).reshape(-1, 1).expand(rows.shape)
        first = zeros_like(largest, dtype=position.dtype).fill_(n).scatter_reduce(
            0, index, position.masked_fill(~at_max, n), "amin", include_self=True)
        chosen = at_max & (position == first.gather(0, index))
    return zeros_like(largest).scatter_add(0, index, rows.masked_fill(~chosen, 0.0))


@tensor_op
def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm=None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """Reduce the embedding rows of each bag of indices (mode 'sum', 'mean' or 'max') without
    building the (bags, length, D) tensor; padding_idx entries are left out of their bag and an
    empty bag gives zeros. Bags are the rows of a 2D input, or the slices of a 1D input that
    start at each offset.

    Shapes: input (B, N) or (n,) with offsets (B,) (B + 1 with include_last_offset); weight
    (num_embeddings, D); per_sample_weights input's shape (mode='sum') -> (B, D).

    Example:
    >>> weight = tl.tensor([[1., 0.], [0., 2.], [3., 3.]])
    >>> F.embedding_bag(tl.tensor([0, 1, 2, 2]), weight, tl.tensor([0, 3]), mode="sum")
    tensor([[4., 5.],
            [3., 3.]])
    >>> F.embedding_bag(tl.tensor([[0, 2], [1, 1]]), weight, mode="max")
    tensor([[3., 3.],
            [0., 2.]])
    """
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported; renormalise the weight explicitly instead")
    _check_bag_args(input, offsets, mode, per_sample_weights)
    flat, bag, bags = _bag_of_each_index(input, offsets, include_last_offset)
    if include_last_offset and input.ndim == 1:
        inside = arange(flat.shape[0], device=flat.device) < offsets[-1]
        bag = bag.masked_fill(~inside, bags)  # past the last offset: a scratch bag dropped below
    rows = weight.index_select(0, flat)  # padding_idx rows are masked out below, so get no gradient
    kept = flat != (padding_idx % weight.shape[0]) if padding_idx is not None else None
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    members = kept.to(weight.dtype) if kept is not None else zeros(flat.shape[0], dtype=weight.dtype,
                                                                   device=weight.device) + 1
    counts = zeros(bags + 1, dtype=weight.dtype, device=weight.device).scatter_add(0, bag, members)
    out = zeros(bags + 1, weight.shape[1], dtype=weight.dtype, device=weight.device)
    # scatter (not index_add) keeps the graph to weight when there are no indices at all
    index = bag.reshape(-1, 1).expand(flat.shape[0], weight.shape[1])
    if mode == "max":
        if kept is not None:
            rows = rows.masked_fill(~kept.reshape(-1, 1), float("-inf"))
        out = _first_maximum(out, index, rows).masked_fill((counts == 0).reshape(-1, 1), 0.0)
    else:
        if kept is not None:
            rows = rows * kept.reshape(-1, 1).to(rows.dtype)
        out = out.scatter_add(0, index, rows)
        if mode == "mean":
            out = out / counts.clamp(min=1).reshape(-1, 1)
    return out[:bags]
