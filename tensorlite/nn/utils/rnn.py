"""nn.utils.rnn: padding variable-length sequences into one tensor, and packing them for RNNs."""
from __future__ import annotations

import collections

from ... import dtypes as _dt
from ...ops.creation import tensor
from ...ops.indexing import take_indices
from ...ops.movement import cat, stack
from ...tensor import Tensor


def _pad_one(seq: Tensor, length: int, padding_value: float, left: bool) -> Tensor:
    missing = length - seq.shape[0]
    if missing == 0:
        return seq
    fill = seq.new_full((missing,) + tuple(seq.shape[1:]), padding_value)
    return cat([fill, seq] if left else [seq, fill])


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of lengths L_i (dim 0) into one tensor, filling the missing steps with
    ``padding_value`` after each sequence (``padding_side='right'``) or before it ('left').
    Differentiable in every sequence.

    Shapes: sequences (L_i, *) each -> (T, B, *), or (B, T, *) with batch_first; T = max L_i.

    Example:
    >>> from tensorlite.nn.utils.rnn import pad_sequence
    >>> pad_sequence([tl.tensor([1., 2., 3.]), tl.tensor([4.])], batch_first=True)
    tensor([[1., 2., 3.],
            [4., 0., 0.]])
    >>> pad_sequence([tl.tensor([1., 2.]), tl.tensor([4.])], padding_value=-1., padding_side="left")
    tensor([[ 1., -1.],
            [ 2.,  4.]])
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"pad_sequence: expected padding_side to be one of left or right, "
                           f"but got {padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trailing = {tuple(s.shape[1:]) for s in sequences}
    if any(s.ndim == 0 for s in sequences) or len(trailing) != 1:
        raise RuntimeError("pad_sequence: every sequence needs at least 1 dim and the same trailing "
                           f"dims after dim 0; got shapes {[tuple(s.shape) for s in sequences]}")
    length = max(s.shape[0] for s in sequences)
    padded = [_pad_one(s, length, padding_value, padding_side == "left") for s in sequences]
    return stack(padded, dim=0 if batch_first else 1)



# -- packed sequences ----------------------------------------------------------------------------
# A PackedSequence stores a batch of sequences sorted by decreasing length, time-major: step t's
# rows (the batch_sizes[t] sequences still running) follow step t-1's. Packing and padding are each
# one gather with an index computed on the host from the lengths (which PyTorch keeps on the
# CPU too), so both are differentiable and cost one op whatever the number of steps.

_PackedSequenceBase = collections.namedtuple(
    "PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """A batch of variable-length sequences packed for nn.RNN / nn.LSTM / nn.GRU (build it with
    pack_padded_sequence or pack_sequence, never by hand): ``data`` holds the valid steps only,
    step t's ``batch_sizes[t]`` rows after step t-1's, the sequences ordered by decreasing
    length; ``sorted_indices`` maps that order to the original batch (None when the input was
    already sorted) and ``unsorted_indices`` is its inverse.

    Shapes: data (sum of lengths, *), batch_sizes (T,) int64 on the CPU, sorted_indices and
    unsorted_indices (B,) int64 or None.

    Example:
    >>> from tensorlite.nn.utils.rnn import pack_sequence
    >>> packed = pack_sequence([tl.tensor([1., 2., 3.]), tl.tensor([4., 5.])])
    >>> packed.data, packed.batch_sizes
    (tensor([1., 4., 2., 5., 3.]), tensor([2, 2, 1]))
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if not isinstance(batch_sizes, Tensor):
            raise TypeError(f"PackedSequence: batch_sizes should be a 1-D int64 CPU tensor, got "
                            f"{type(batch_sizes).__name__} (build packed sequences with "
                            f"pack_padded_sequence or pack_sequence)")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """The same packing with ``data`` converted as Tensor.to does; the indices follow data's
        device, batch_sizes stays on the CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        indices = [None if i is None else i.to(data.device) for i in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *indices)

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def double(self) -> "PackedSequence":
        return self.to(dtype=_dt.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=_dt.float32)

    def half(self) -> "PackedSequence":
        return self.to(dtype=_dt.float16)

    def long(self) -> "PackedSequence":
        return self.to(dtype=_dt.int64)

    def int(self) -> "PackedSequence":
        return self.to(dtype=_dt.int32)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of range(n) (None stays None): how PackedSequence maps its
    sorted_indices back to unsorted_indices.

    Shapes: (n,) int64 -> (n,) int64.

    Example:
    >>> from tensorlite.nn.utils.rnn import invert_permutation
    >>> invert_permutation(tl.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    order = permutation.tolist()
    inverse = [0] * len(order)
    for position, index in enumerate(order):
        inverse[index] = position
    return tensor(inverse, dtype=_dt.int64, device=permutation.device)


def _lengths_list(lengths) -> list:
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"{lengths.ndim}D {lengths.device.type} {lengths.dtype.name} tensor")
        return [int(n) for n in lengths.tolist()]
    return [int(n) for n in lengths]


def _check_lengths(lengths: list, batch: int, steps: int, enforce_sorted: bool) -> None:
    if len(lengths) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch})")
    if steps == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if enforce_sorted and any(a < b for a, b in zip(lengths, lengths[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` "
                           "is True. You can pass `enforce_sorted=False` to pack_padded_sequence "
                           "and/or pack_sequence to sidestep this requirement if you do not need "
                           "ONNX exportability.")
    if min(lengths) <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in "
                           "'lengths' that is <= 0")
    if max(lengths) > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {max(lengths)} exceeds the "
                           f"{steps} steps of the padded input (lengths={lengths}); pass the "
                           f"lengths of the sequences as padded")


def _batch_sizes(sorted_lengths: list) -> list:
    return [sum(1 for n in sorted_lengths if n > t) for t in range(sorted_lengths[0])]


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch of sequences for an RNN: only each sequence's first ``lengths[b]``
    steps are kept. With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch
    is sorted here and the permutation kept so that the RNN's outputs come back in the original
    order. Differentiable in ``input``.

    Shapes: input (T, B, *), or (B, T, *) with batch_first; lengths B ints (a list or a 1-D
    tensor) -> PackedSequence with data (sum(lengths), *).

    Example:
    >>> from tensorlite.nn.utils.rnn import pack_padded_sequence
    >>> padded = tl.tensor([[1., 2., 3.], [4., 5., 0.]])
    >>> packed = pack_padded_sequence(padded, [3, 2], batch_first=True)
    >>> packed.data, packed.batch_sizes
    (tensor([1., 4., 2., 5., 3.]), tensor([2, 2, 1]))
    >>> pack_padded_sequence(padded, [2, 3], batch_first=True, enforce_sorted=False).sorted_indices
    tensor([1, 0])
    """
    lengths = _lengths_list(lengths)
    if input.ndim < 2:
        raise IndexError(f"pack_padded_sequence: the input needs a time and a batch dim, got "
                         f"shape {tuple(input.shape)}")
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    _check_lengths(lengths, batch, steps, enforce_sorted)
    if enforce_sorted:
        order, sorted_indices = list(range(batch)), None
    else:
        order = sorted(range(batch), key=lambda b: -lengths[b])  # stable, as PyTorch's sort
        sorted_indices = tensor(order, dtype=_dt.int64, device=input.device)
    sorted_lengths = [lengths[b] for b in order]
    batch_sizes = _batch_sizes(sorted_lengths)
    rows = [t * batch + order[i] for t, size in enumerate(batch_sizes) for i in range(size)]
    flat = input.reshape(steps * batch, *input.shape[2:])
    data = flat.index_select(0, tensor(rows, dtype=_dt.int64, device=input.device))
    return PackedSequence(data, tensor(batch_sizes, dtype=_dt.int64, device="cpu"), sorted_indices)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """Undo pack_padded_sequence: the padded batch, in the original order, and the lengths.
    Differentiable in ``sequence.data``.

    Shapes: data (sum(lengths), *) -> padded (T, B, *) ((B, T, *) with batch_first; T = the
    longest length or total_length) and lengths (B,) int64.

    Example:
    >>> from tensorlite.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> packed = pack_sequence([tl.tensor([1., 2.]), tl.tensor([3., 4., 5.])], enforce_sorted=False)
    >>> pad_packed_sequence(packed, batch_first=True, padding_value=-1.)
    (tensor([[ 1.,  2., -1.],
            [ 3.,  4.,  5.]]), tensor([2, 3]))
    """
    batch_sizes = [int(n) for n in sequence.batch_sizes.tolist()]
    steps, batch = len(batch_sizes), batch_sizes[0]
    if total_length is not None:
        if not isinstance(total_length, int) or isinstance(total_length, bool):
            raise TypeError(f"pad_packed_sequence(): argument 'total_length' must be int, not "
                            f"{type(total_length).__name__}")
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    order = list(range(batch)) if sequence.sorted_indices is None else sequence.sorted_indices.tolist()
    data = sequence.data
    padding_row = len(data)  # the index of the one padding row appended below
    position = [[padding_row] * batch for _ in range(steps)]
    offset = 0
    for t, size in enumerate(batch_sizes):
        for i in range(size):
            position[t][order[i]] = offset + i
        offset += size
    sorted_lengths = [sum(1 for size in batch_sizes if size > i) for i in range(batch)]
    lengths = [0] * batch
    for i, b in enumerate(order):
        lengths[b] = sorted_lengths[i]
    if batch_first:
        position = [list(row) for row in zip(*position)]
    rows = cat([data, data.new_full((1,) + tuple(data.shape[1:]), padding_value)])
    padded = take_indices(rows, 0, tensor(position, dtype=_dt.int64, device=data.device), "pad_packed_sequence")
    return padded, tensor(lengths, dtype=_dt.int64, device="cpu")


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences of lengths L_i (dim 0); with ``enforce_sorted`` the lengths must
    be decreasing.

    Shapes: sequences (L_i, *) each -> PackedSequence with data (sum L_i, *).

    Example:
    >>> from tensorlite.nn.utils.rnn import pack_sequence
    >>> pack_sequence([tl.tensor([1., 2., 3.]), tl.tensor([4.])]).data
    tensor([1., 4., 2., 3.])
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a PackedSequence holds, in the original order.

    Shapes: PackedSequence of B sequences -> B tensors (L_i, *).

    Example:
    >>> from tensorlite.nn.utils.rnn import pack_sequence, unpack_sequence
    >>> unpack_sequence(pack_sequence([tl.tensor([1.]), tl.tensor([2., 3.])], enforce_sorted=False))
    [tensor([1.]), tensor([2., 3.])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The list of sequences in a padded batch: sequence b is its first ``lengths[b]`` steps.

    Shapes: (T, B, *) ((B, T, *) with batch_first), lengths (B,) -> B tensors (lengths[b], *).

    Example:
    >>> from tensorlite.nn.utils.rnn import unpad_sequence
    >>> unpad_sequence(tl.tensor([[1., 2.], [3., 0.]]), tl.tensor([1, 2]), batch_first=False)
    [tensor([1.]), tensor([2., 0.])]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [sequence[:length] for sequence, length in zip(padded_sequences, _lengths_list(lengths))]


__all__ = ["pad_sequence", "PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpack_sequence", "unpad_sequence"]
