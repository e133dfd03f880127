"""nn.utils.rnn: padding a list of variable-length sequences into one tensor."""
from __future__ import annotations

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


__all__ = ["pad_sequence"]
