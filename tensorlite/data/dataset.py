"""Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, ChainDataset, StackDataset and
random_split (PyTorch's semantics)."""
from __future__ import annotations

import math

import numpy as np  # only to hand a batch's host indices to tensor(), never to compute

from ..ops.creation import randperm, tensor
from ..ops.indexing import rows_at
from ..tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
           "StackDataset", "random_split", "batch_fetcher"]


class Dataset:
    """A map-style dataset: implement ``__getitem__(index)`` and ``__len__``.

    Example:
    >>> class Squares(tl.data.Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, index):
    ...         return tl.tensor(float(index)), tl.tensor(float(index * index))
    >>> len(Squares()), Squares()[3]
    (4, (tensor(3.), tensor(9.)))
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the i-th rows of tensors that share their first dimension.

    Shapes: tensors (N, *) each -> samples, tuples of (*)-shaped rows.

    Example:
    >>> ds = tl.data.TensorDataset(tl.arange(6.).reshape(3, 2), tl.tensor([0, 1, 0]))
    >>> len(ds), ds[1]
    (3, (tensor([2., 3.]), tensor(1)))
    """

    def __init__(self, *tensors: Tensor):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        size = tensors[0].shape[0] if tensors[0].ndim else None
        if any(t.ndim == 0 or t.shape[0] != size for t in tensors):
            raise ValueError("Size mismatch between tensors: every tensor needs the same first dimension "
                             f"(got {[list(t.shape) for t in tensors]})")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def get_batch(self, indices: Tensor):
        """All samples at ``indices`` at once (the DataLoader's fast path)."""
        return tuple(t[indices] for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``.

    Example:
    >>> ds = tl.data.TensorDataset(tl.arange(5))
    >>> sub = tl.data.Subset(ds, [4, 0])
    >>> len(sub), sub[0]
    (2, (tensor(4),))
    """

    def __init__(self, dataset: Dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)



class ConcatDataset(Dataset):
    """Datasets one after the other.

    Example:
    >>> a = tl.data.TensorDataset(tl.arange(2))
    >>> b = tl.data.TensorDataset(tl.arange(10, 13))
    >>> both = tl.data.ConcatDataset([a, b])
    >>> len(both), both[2]
    (5, (tensor(10),))
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; chain iterable "
                                "datasets with ChainDataset")
        self.cumulative = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative.append(total)

    def __len__(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for a dataset of {len(self)}")
        for i, end in enumerate(self.cumulative):
            if index < end:
                return self.datasets[i][index - (self.cumulative[i - 1] if i else 0)]


class IterableDataset(Dataset):
    """A stream of samples: implement ``__iter__`` (``__len__`` is optional). A DataLoader
    iterates it in order (no sampler, no shuffle) and groups batch_size consecutive samples.
    ``a + b`` chains two of them (ChainDataset).

    Example:
    >>> class Count(tl.data.IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n))
    >>> [b.tolist() for b in tl.data.DataLoader(Count(5), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> list(Count(2) + Count(3))
    [0, 1, 0, 1, 2]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate it, it has no __getitem__")

    def __len__(self) -> int:
        # as for a class without __len__ (PyTorch's IterableDataset has none): list() and
        # length hints treat the TypeError as "unknown length"
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other (lazily); ``len`` sums their lengths.

    Example:
    >>> class Letters(tl.data.IterableDataset):
    ...     def __init__(self, text):
    ...         self.text = text
    ...     def __iter__(self):
    ...         return iter(self.text)
    ...     def __len__(self):
    ...         return len(self.text)
    >>> chain = tl.data.ChainDataset([Letters("ab"), Letters("c")])
    >>> list(chain), len(chain)
    (['a', 'b', 'c'], 3)
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")
            total += len(d)
        return total


class StackDataset(Dataset):
    """Datasets of equal length side by side: sample i is a tuple of their samples i (positional
    datasets) or a dict of them (keyword datasets).

    Example:
    >>> images = tl.data.TensorDataset(tl.arange(6.).reshape(3, 2))
    >>> labels = [10, 11, 12]
    >>> tl.data.StackDataset(images, labels)[1]
    ((tensor([2., 3.]),), 11)
    >>> tl.data.StackDataset(x=images, y=labels)[2]["y"], len(tl.data.StackDataset(labels))
    (12, 3)
    """

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        datasets = args or kwargs
        lengths = [len(d) for d in (args or kwargs.values())]
        if any(length != lengths[0] for length in lengths):
            raise ValueError(f"Size mismatch between datasets: lengths {lengths}")
        self._length, self.datasets = lengths[0], datasets

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


def random_split(dataset: Dataset, lengths, generator=None):
    """Split into non-overlapping Subsets of the given lengths, or fractions summing to 1
    (remainders go round-robin to the first subsets, as in PyTorch).

    Example:
    >>> ds = tl.data.TensorDataset(tl.arange(10))
    >>> generator = tl.Generator().manual_seed(0)
    >>> train, test = tl.data.random_split(ds, [0.8, 0.2], generator=generator)
    >>> len(train), len(test)
    (8, 2)
    >>> sorted(list(train.indices) + list(test.indices)) == list(range(10))
    True
    """
    n = len(dataset)
    lengths = list(lengths)
    if any(length < 0 for length in lengths):
        raise ValueError(f"random_split: lengths and fractions must be non-negative, got {lengths}")
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = randperm(n, generator=generator).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets


def batch_fetcher(dataset):
    """A function from a list of indices to the collated batch of ``dataset`` at those indices,
    gathered with one index per tensor, or None when the dataset must be read sample by sample.

    It exists for datasets with a ``get_batch(indices)`` method (TensorDataset, or a user's)
    and for Subsets, nested or not, of one: their indices are mapped through in Python (a list
    of batch size), never by reading the samples one by one. A subclass that overrides
    ``__getitem__`` but inherits ``get_batch`` is read sample by sample, as its items may differ.

    Shapes: a list of B indices -> what default_collate makes of those B samples.

    Example:
    >>> ds = tl.data.Subset(tl.data.TensorDataset(tl.arange(10) * 10), [9, 8, 7, 6])
    >>> tl.data.batch_fetcher(ds)([0, 2])
    (tensor([90, 70]),)
    """
    if type(dataset).__getitem__ is Subset.__getitem__:
        inner = batch_fetcher(dataset.dataset)
        if inner is None:
            return None
        indices = dataset.indices
        return lambda batch: inner([indices[i] for i in batch])
    get_batch = getattr(dataset, "get_batch", None)
    if get_batch is None or (getattr(type(dataset), "get_batch", None) is TensorDataset.get_batch
                             and type(dataset).__getitem__ is not TensorDataset.__getitem__):
        return None
    if type(dataset).get_batch is TensorDataset.get_batch:  # the same rows, without a per-op dispatch
        tensors = dataset.tensors
        return lambda batch: rows_at(tensors, batch)
    # through NumPy: tensor() of a Python list checks every element (~15x slower for 64 ints)
    return lambda batch: get_batch(tensor(np.asarray(batch, dtype=np.int64)))
