"""DataLoader: batches of a Dataset in the order of a sampler (optionally shuffled by a seeded generator)."""
from __future__ import annotations

import collections.abc
import copy
import functools
import itertools
import numbers

import numpy as np  # only to recognise NumPy samples (host input), never to compute

from .. import dtypes
from ..ops.creation import tensor
from ..ops.movement import stack
from ..tensor import Tensor
from .dataset import batch_fetcher
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate"]


def default_collate(batch):
    """Collate a list of samples into a batch, with PyTorch's rules, chosen by the first element:

    - tensors are stacked (shape [B, *sample_shape]); NumPy arrays too, keeping their dtype;
    - a Python float first gives a float64 tensor of shape [B];
    - a Python int or bool, or a NumPy scalar, first gives ``tensor(batch)``: the dtypes of the
      elements (int -> int64, float -> the default dtype, bool -> bool, a NumPy scalar its own
      dtype) promoted together, so ``[1, 2]`` is int64, ``[1, 2.5]`` float32 and
      ``[np.float32(1), np.float32(2)]`` float32;
    - strings stay a list; mappings are collated per key (keeping their type), sequences per
      position (as a list; namedtuples keep their type).

    Example:
    >>> batch = tl.data.default_collate([(tl.zeros(3), 0), (tl.ones(3), 1)])
    >>> batch[0].shape, batch[1]
    (tensorlite.Size([2, 3]), tensor([0, 1]))
    >>> tl.data.default_collate([{"x": 1.0}, {"x": 2.0}])
    {'x': tensor([1., 2.], dtype=tensorlite.float64)}
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch)
    if isinstance(first, (str, bytes)):  # before NumPy scalars: np.str_ is one
        return list(batch)
    if isinstance(first, np.ndarray):
        if first.dtype.kind in "SaUO":  # strings and objects have no tensor dtype
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                            f"dicts or lists; found {first.dtype}")
        return stack([tensor(sample) for sample in batch])
    if isinstance(first, (np.generic, numbers.Integral)):  # bool is an Integral too
        return tensor(batch, dtype=_promoted_dtype(batch))
    if isinstance(first, numbers.Real):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(first, collections.abc.Mapping):
        return _same_mapping_type(first, {key: default_collate([sample[key] for sample in batch])
                                          for key in first})
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


def _same_mapping_type(first, collated: dict):
    """``collated`` as the type of the samples' mapping (OrderedDict stays OrderedDict), as
    PyTorch does; a plain dict when that type cannot be built from one."""
    if isinstance(first, collections.abc.MutableMapping):
        clone = copy.copy(first)
        clone.update(collated)
        return clone
    try:
        return type(first)(collated)
    except TypeError:
        return collated


def _scalar_dtype(value):
    """The dtype ``torch.tensor`` infers for one scalar: NumPy scalars keep theirs."""
    if isinstance(value, np.generic):
        return dtypes.from_numpy_dtype(value.dtype)
    if isinstance(value, numbers.Real):
        return dtypes.scalar_dtype(value)
    raise TypeError(f"default_collate: a batch of numbers also holds a {type(value).__name__} "
                    f"({value!r}); every sample must have the same structure")


def _promoted_dtype(batch):
    return functools.reduce(dtypes.promote_types, (_scalar_dtype(value) for value in batch))


class DataLoader:
    """Iterate over ``dataset`` in mini-batches, in the order of a sampler (PyTorch's API).

    The order comes from ``sampler`` (an iterable of indices), or from a RandomSampler drawing
    from ``generator`` (or the default generator) with ``shuffle``, else a SequentialSampler;
    so ``manual_seed`` or a seeded generator makes it reproducible. A BatchSampler groups it
    into ``batch_size`` lists, unless ``batch_sampler`` gives the lists itself. With
    ``batch_size=None`` the samples come one by one, uncollated. Datasets that can gather a
    batch in one index (TensorDataset, Subsets of one: see ``batch_fetcher``) are read a batch
    at a time instead of sample by sample when ``collate_fn`` is the default.

    ``len(loader)``: ceil(N / batch_size) batches (floor with drop_last), or len(batch_sampler).
    Errors as in PyTorch: ``sampler`` with ``shuffle``, and ``batch_sampler`` with
    ``batch_size``, ``shuffle``, ``sampler`` or ``drop_last``, are mutually exclusive.

    Shapes: samples of shape (*) -> batches (batch_size, *) (the last one smaller unless drop_last).

    Example:
    >>> ds = tl.data.TensorDataset(tl.arange(10.).reshape(5, 2), tl.arange(5))
    >>> loader = tl.data.DataLoader(ds, batch_size=2)
    >>> len(loader)
    3
    >>> [(tuple(x.shape), y.tolist()) for x, y in loader]
    [((2, 2), [0, 1]), ((2, 2), [2, 3]), ((1, 2), [4])]
    >>> generator = tl.Generator().manual_seed(0)
    >>> loader = tl.data.DataLoader(ds, batch_size=2, shuffle=True, generator=generator)
    >>> sorted(i for _, y in loader for i in y.tolist())
    [0, 1, 2, 3, 4]
    >>> [y.tolist() for _, y in tl.data.DataLoader(ds, batch_sampler=[[4, 0], [2]])]
    [[4, 0], [2]]
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True,
                 **unsupported):
        if unsupported:
            raise TypeError(f"DataLoader got unsupported arguments {sorted(unsupported)}")
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers,
                              multiprocessing_context)
        _check_sampler_options(batch_size, shuffle, sampler, batch_sampler, drop_last)
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, bool(shuffle)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.drop_last, self.collate_fn, self.generator = drop_last, collate_fn, generator
        self.num_workers, self.pin_memory = num_workers, pin_memory

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        return self.batches_from(0)

    def batches_from(self, first: int):
        """The batches of one epoch from batch ``first`` on (``iter(loader)`` is
        ``batches_from(0)``). The epoch's order is drawn as for a whole epoch, so with the
        generator state the epoch started from, a resumed run continues at the next batch of the
        same order without loading the batches before it."""
        if self.batch_sampler is None:
            for index in itertools.islice(self.sampler, first, None):
                yield self.dataset[index]
            return
        fetch = batch_fetcher(self.dataset) if self.collate_fn is None else None
        collate = self.collate_fn or default_collate
        for indices in itertools.islice(self.batch_sampler, first, None):
            if fetch is not None:
                yield fetch(list(indices))
            else:
                yield collate([self.dataset[i] for i in indices])


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context):
    """PyTorch's checks of the multiprocessing options; loading runs in the main process, so
    num_workers > 0 is refused (pin_memory, pin_memory_device and in_order change nothing here)."""
    if num_workers < 0:
        raise ValueError(f"DataLoader: num_workers option should be non-negative (got {num_workers}); "
                         f"use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative (got {timeout})")
    if num_workers == 0:
        for name, value, default in (("prefetch_factor", prefetch_factor, None),
                                     ("persistent_workers", persistent_workers, False),
                                     ("multiprocessing_context", multiprocessing_context, None)):
            if value != default:
                raise ValueError(f"DataLoader: {name}={value!r} needs multi-process loading (num_workers > 0), "
                                 f"but got num_workers=0; leave {name} at {default!r}")
    if num_workers:
        raise NotImplementedError(f"DataLoader(num_workers={num_workers}): tensorlite loads in the main "
                                  f"process; use num_workers=0")


def _check_sampler_options(batch_size, shuffle, sampler, batch_sampler, drop_last):
    """PyTorch's checks of how the order and batching options combine, before any is used."""
    if sampler is not None and shuffle:
        raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle; shuffle in "
                         "the sampler (e.g. RandomSampler) and leave shuffle unset")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                             "shuffle, sampler, and drop_last; the batch sampler decides them")
        return
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                                   or batch_size <= 0):
        raise ValueError(f"DataLoader: batch_size should be a positive integer value, but got "
                         f"batch_size={batch_size!r}")
    if batch_size is None and drop_last:
        raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                         "exclusive with drop_last; pass a batch_size or drop_last=False")
