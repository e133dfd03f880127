"""DataLoader: batches of a Dataset, optionally shuffled by a seeded generator."""
from __future__ import annotations

import math
import numbers

from .. import dtypes
from ..ops.creation import randperm, tensor
from ..ops.movement import stack
from ..tensor import Tensor

__all__ = ["DataLoader", "default_collate"]


def default_collate(batch):
    """Stack tensors; Python ints become an int64 tensor, floats a float64 tensor, bools a bool
    tensor; strings stay a list; dicts are collated per key, sequences per position (as a list;
    namedtuples keep their type), as PyTorch does."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch)
    if isinstance(first, bool):
        return tensor(batch, dtype=dtypes.bool_)
    if isinstance(first, numbers.Integral):
        return tensor(batch, dtype=dtypes.int64)
    if isinstance(first, numbers.Real):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(first, str):
        return list(batch)
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(column)) for column in zip(*batch)]
        if hasattr(first, "_fields"):  # namedtuples keep their type; tuples become lists (PyTorch)
            return type(first)(*columns)
        return columns
    if hasattr(first, "__array__"):
        return stack([tensor(sample) for sample in batch])
    raise TypeError(f"default_collate: batch must contain tensors, numbers, dicts or lists; found "
                    f"{type(first).__name__}")


class DataLoader:
    """Iterate over ``dataset`` in mini-batches.

    ceil(N / batch_size) batches (floor with drop_last). With ``shuffle`` the order is a new
    permutation each epoch drawn from ``generator`` (or the default generator), so
    ``manual_seed`` makes it reproducible. Datasets with ``get_batch`` (TensorDataset) are
    indexed a batch at a time instead of sample by sample.

    Example::

        loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
        for xb, yb in loader: ...
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool = False, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None, generator=None,
                 **unsupported):
        if unsupported:
            raise TypeError(f"DataLoader got unsupported arguments {sorted(unsupported)}")
        if num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative (got {num_workers}); "
                             f"use num_workers=0 to disable multiprocessing.")
        if num_workers:
            raise NotImplementedError("DataLoader(num_workers>0): tensorlite loads in the main process")
        if sampler is not None or batch_sampler is not None:
            raise NotImplementedError("custom samplers are not supported; use shuffle/generator")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                                       or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last; pass a batch_size or drop_last=False")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.collate_fn, self.generator = drop_last, collate_fn, generator

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        return randperm(n, generator=self.generator) if self.shuffle else None

    def __iter__(self):
        n = len(self.dataset)
        order = self._order()
        if self.batch_size is None:
            for i in range(n):
                yield self.dataset[int(order[i]) if order is not None else i]
            return
        fast = self.collate_fn is None and hasattr(self.dataset, "get_batch")
        for batch in range(len(self)):
            start = batch * self.batch_size
            stop = min(start + self.batch_size, n)
            if fast:
                from ..ops.creation import arange
                indices = order[start:stop] if order is not None else arange(start, stop)
                try:
                    yield self.dataset.get_batch(indices)
                    continue
                except AttributeError:
                    fast = False
            samples = [self.dataset[int(order[i]) if order is not None else i] for i in range(start, stop)]
            yield (self.collate_fn or default_collate)(samples)
