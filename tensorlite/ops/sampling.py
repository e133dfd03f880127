"""Sampling from categorical distributions (multinomial), with tensor ops on the input's device:
no host read, so a generation loop that samples each step does not wait for the device."""
from __future__ import annotations

import numbers

from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ._util import tensor_op
from .checks import assert_all
from .creation import arange, rand, zeros
from .movement import cat
from .reduce import cumsum

__all__ = ["multinomial"]

# Bound on the (rows, samples, categories) comparison block of sampling with replacement.
_BLOCK_ELEMENTS = 1 << 24

_BAD_VALUES = "multinomial(): probability tensor contains either `inf`, `nan` or element < 0"
_ZERO_SUM = "multinomial(): invalid multinomial distribution (sum of probabilities <= 0)"


@tensor_op
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Draw ``num_samples`` category indices from each row of non-negative weights ``input``
    (they need not sum to 1). Without replacement each index appears at most once per row and
    zero-weight categories come only after every positive one.

    Shapes: (k,) -> (num_samples,); (n, k) -> (n, num_samples); int64.

    Negative, infinite or NaN weights and all-zero rows raise RuntimeError: at once on the NumPy
    backend, at the next sync on a device (as a device-side assert). Seeded by ``tl.manual_seed``
    or ``generator``.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> tl.multinomial(tl.tensor([0., 1., 0.]), 4, replacement=True)
    tensor([1, 1, 1, 1])
    >>> sorted(tl.tensor([0.2, 0.5, 0.3]).multinomial(3).tolist())
    [0, 1, 2]
    >>> tl.multinomial(tl.ones(2, 5), 2).shape
    tensorlite.Size([2, 2])
    """
    _check_arguments(input, num_samples, replacement)
    rows = input.detach() if input.ndim == 2 else input.detach()[None]
    with no_grad():
        assert_all((rows >= 0).logical_and(rows.isfinite()).all(), _BAD_VALUES)
        assert_all((rows.sum(-1) > 0).all(), _ZERO_SUM)
        if replacement:
            out = _with_replacement(rows, num_samples, generator)
        else:
            out = _without_replacement(rows, num_samples, generator)
    return out if input.ndim == 2 else out[0]


def _check_arguments(input, num_samples, replacement):
    """The shape and argument errors (PyTorch's), raised before any random number is drawn."""
    if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial(): prob_dist must be 1 or 2 dim, got shape {list(input.shape)} "
                           f"(one row of weights, or a batch of rows)")
    if not input.is_floating_point():
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype.name} (convert with .float())")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial(): cannot sample n_sample <= 0 samples (got {num_samples})")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(f"multinomial(): cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement ({num_samples} > {categories}); pass replacement=True")
    if categories == 0 and input.numel() == 0 and (input.ndim == 1 or input.shape[0] > 0):
        raise RuntimeError(_ZERO_SUM + " (there are no categories)")


def _with_replacement(rows, num_samples, generator):
    """Inverse-CDF sampling: each draw's index is how many cumulative sums lie at or below
    u * total (u uniform in [0, 1)), a comparison and a sum instead of a search, done in blocks
    of samples so the (rows, samples, categories) comparison stays bounded."""
    n, k = rows.shape
    if n == 0:
        return zeros(0, num_samples, dtype=_dt.int64, device=rows.device)
    cdf = cumsum(rows, -1)
    total = cdf[:, -1:]
    block = max(1, _BLOCK_ELEMENTS // max(1, n * k))
    parts = []
    for start in range(0, num_samples, block):
        count = min(block, num_samples - start)
        u = rand(n, count, dtype=rows.dtype, device=rows.device, generator=generator) * total
        index = (cdf[:, None, :] <= u[:, :, None]).sum(-1)
        parts.append(index.clamp(max=k - 1))  # u * total may round up to total itself
    return parts[0] if len(parts) == 1 else cat(parts, -1)


def _without_replacement(rows, num_samples, generator):
    """The exponential-race (Gumbel top-k) trick: the categories in decreasing order of
    weight / Exp(1) are a sample without replacement; the top ``num_samples`` are taken one
    argmax at a time, each taken category then masked out."""
    n, k = rows.shape
    if n == 0:
        return zeros(0, num_samples, dtype=_dt.int64, device=rows.device)
    u = rand(n, k, dtype=rows.dtype, device=rows.device, generator=generator)
    keys = rows / (-(-u).log1p())  # Exp(1) noise; a zero draw gives inf: taken first, rightly
    keys = keys.where(rows > 0, -1.0)  # zero weights last (0 / 0 would be NaN)
    columns = arange(k, device=rows.device)
    taken = []
    for _ in range(num_samples):
        index = keys.argmax(-1, keepdim=True)
        taken.append(index)
        if len(taken) < num_samples:
            keys = keys.masked_fill(columns == index, float("-inf"))
    return cat(taken, -1) if len(taken) > 1 else taken[0]
