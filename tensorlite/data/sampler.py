"""Samplers: the order in which a DataLoader visits a dataset (PyTorch's API and semantics).

A sampler is an iterable of dataset indices (a BatchSampler: of lists of indices). The random
ones draw from ``generator`` (or the default generator), so ``tl.manual_seed`` or a seeded
``tl.Generator`` makes the order reproducible, and a passed generator leaves the default one alone.
"""
from __future__ import annotations

import bisect
import itertools
import math
import numbers
from typing import Generic, TypeVar

from .. import dtypes
from ..ops.creation import rand, randint, randperm, tensor
from ..tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]

T_co = TypeVar("T_co", covariant=True)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_num_samples(num_samples):
    if not _is_int(num_samples) or num_samples <= 0:
        raise ValueError(f"num_samples should be a positive integer value, but got "
                         f"num_samples={num_samples!r}")


class Sampler(Generic[T_co]):
    """Base class of samplers: implement ``__iter__`` (the indices) and, where it is known,
    ``__len__``. ``Sampler[int]`` works as a type annotation, as in PyTorch.

    Example:
    >>> class Evens(tl.data.Sampler):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(0, self.n, 2))
    ...     def __len__(self):
    ...         return (self.n + 1) // 2
    >>> list(Evens(5))
    [0, 2, 4]
    """

    def __init__(self, data_source=None):  # data_source: accepted for PyTorch compatibility
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler[int]):
    """Indices 0, 1, ..., len(data_source) - 1 in order.

    Shapes: a dataset of N samples -> N indices.

    Example:
    >>> list(tl.data.SequentialSampler(range(4)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices into ``data_source``: a new permutation each iteration, or with
    ``replacement`` ``num_samples`` independent uniform draws. Without replacement,
    ``num_samples`` (default len(data_source)) may exceed the dataset size: whole permutations
    follow each other, the last one cut short.

    Shapes: a dataset of N samples -> num_samples indices in [0, N).

    Example:
    >>> generator = tl.Generator().manual_seed(0)
    >>> sorted(tl.data.RandomSampler(range(5), generator=generator))
    [0, 1, 2, 3, 4]
    >>> len(tl.data.RandomSampler(range(5), replacement=True, num_samples=8))
    8
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement!r}")
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        _check_num_samples(self.num_samples)  # an empty data_source fails here too, as in PyTorch

    @property
    def num_samples(self) -> int:
        # the dataset size may change after construction (PyTorch reads it lazily too)
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, count = len(self.data_source), self.num_samples
        if n == 0:
            raise RuntimeError(f"RandomSampler: cannot draw {count} samples from an empty data_source")
        return self._with_replacement(n, count) if self.replacement else self._permutations(n, count)

    # Both draw lazily, as PyTorch does: num_samples may be huge (an "infinite" loader uses 1e10).
    def _with_replacement(self, n: int, count: int):
        """``count`` uniform draws in [0, n), 32 at a time (PyTorch's chunk)."""
        for start in range(0, count, 32):
            yield from randint(0, n, (min(32, count - start),), generator=self.generator).tolist()

    def _permutations(self, n: int, count: int):
        """Whole permutations of range(n), the last one cut short after ``count`` indices."""
        full, rest = divmod(count, n)
        for _ in range(full):
            yield from randperm(n, generator=self.generator).tolist()
        if rest:
            yield from randperm(n, generator=self.generator).tolist()[:rest]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices`` in a new random order each iteration (without replacement).

    Shapes: K indices -> the same K indices, permuted.

    Example:
    >>> generator = tl.Generator().manual_seed(0)
    >>> sorted(tl.data.SubsetRandomSampler([7, 3, 9], generator=generator))
    [3, 7, 9]
    """

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        for position in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[position]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices in [0, len(weights)), index i drawn with probability proportional
    to ``weights[i]`` (weights need not sum to 1). Without ``replacement`` an index appears at
    most once (successive draws from the remaining weights; once the positive weights are used
    up, zero-weight indices follow in random order, as in PyTorch).

    Shapes: weights (K,) -> num_samples indices in [0, K).

    Example:
    >>> generator = tl.Generator().manual_seed(0)
    >>> sampler = tl.data.WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=generator)
    >>> list(sampler)
    [1, 1, 1, 1]
    >>> sorted(tl.data.WeightedRandomSampler([1., 2., 3.], 3, replacement=False))
    [0, 1, 2]
    """

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None):
        _check_num_samples(num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement!r}")
        weights = weights.to(dtypes.float64) if isinstance(weights, Tensor) else tensor(weights, dtype=dtypes.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights.shape)}")
        self.weights, self.num_samples = weights, num_samples
        self.replacement, self.generator = replacement, generator

    def __iter__(self):
        weights = self._checked_weights()
        if self.replacement:
            return iter(self._with_replacement(weights))
        return iter(self._without_replacement(weights))

    def _checked_weights(self) -> list:
        """The weights as floats, after the checks ``torch.multinomial`` makes when drawing."""
        weights = self.weights.tolist()
        if any(not math.isfinite(w) or w < 0 for w in weights):
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (encountering "
                               "probability entry < 0, inf or nan); weights must be finite and >= 0")
        if sum(weights) <= 0:
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (sum of "
                               "probabilities <= 0); give at least one positive weight")
        if not self.replacement:
            if self.num_samples > len(weights):
                raise RuntimeError(f"WeightedRandomSampler: cannot sample n_sample > prob_dist.size(-1) "
                                   f"samples without replacement ({self.num_samples} > {len(weights)}); "
                                   f"use replacement=True or fewer samples")
        return weights

    def _with_replacement(self, weights: list) -> list:
        cumulative = list(itertools.accumulate(weights))
        total = cumulative[-1]
        last = max(i for i, w in enumerate(weights) if w > 0)  # rounding must not pick a zero weight
        draws = rand(self.num_samples, dtype=dtypes.float64, generator=self.generator).tolist()
        # bisect_right skips zero-weight indices: their cumulative sum equals the one before
        return [min(bisect.bisect_right(cumulative, u * total), last) for u in draws]

    def _without_replacement(self, weights: list) -> list:
        # Efraimidis-Spirakis: the num_samples largest keys u ** (1 / w) are a weighted draw
        # without replacement; log(u) / w orders the same way without underflow. Zero weights
        # come last, in random order, once the positive ones run out (as torch.multinomial does)
        draws = rand(len(weights), dtype=dtypes.float64, generator=self.generator).tolist()
        keys = [(1, math.log(u) / w if u > 0 else -math.inf) if w > 0 else (0, u)
                for u, w in zip(draws, weights)]
        return sorted(range(len(weights)), key=lambda i: keys[i], reverse=True)[:self.num_samples]

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Group the indices of ``sampler`` into lists of ``batch_size``; the last list is shorter
    unless ``drop_last`` drops it.

    Shapes: a sampler of N indices -> ceil(N / batch_size) lists (floor with drop_last).

    Example:
    >>> list(tl.data.BatchSampler(tl.data.SequentialSampler(range(5)), 2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    >>> list(tl.data.BatchSampler(range(5), 2, drop_last=True))
    [[0, 1], [2, 3]]
    """

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
