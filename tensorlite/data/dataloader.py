"""DataLoader: batches of a Dataset in the order of a sampler (optionally shuffled by a seeded generator)."""
from __future__ import annotations

import collections.abc
import copy
import functools
import itertools
import numbers
import weakref

import numpy as np  # only to recognise NumPy samples (host input), never to compute

from .. import dtypes
from ..ops.creation import tensor
from ..ops.movement import stack
from ..tensor import Tensor
from . import _workers
from .dataset import IterableDataset, Subset, batch_fetcher
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert"]


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


def default_convert(data):
    """Convert NumPy arrays and scalars to tensors, inside mappings, namedtuples and sequences
    too (tuples become lists, as PyTorch's); tensors, numbers and strings pass unchanged. What a
    DataLoader applies to each sample when batch_size=None and no collate_fn is given.

    Shapes: an array of shape (*) becomes a tensor of shape (*).

    Example:
    >>> import numpy as np
    >>> tl.data.default_convert({"x": np.array([1.5, 2.0]), "y": (np.int64(3), "a", 4)})
    {'x': tensor([1.5000, 2.0000], dtype=tensorlite.float64), 'y': [tensor(3), 'a', 4]}
    """
    if isinstance(data, Tensor) or isinstance(data, (str, bytes)):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "SaUO" else tensor(data)
    if isinstance(data, np.generic):
        return data if data.dtype.kind in "SaUO" else tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping_type(data, {key: default_convert(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:  # a sequence type that cannot be built from a list
            return [default_convert(d) for d in data]
    return data


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

    ``num_workers > 0`` loads in that many worker processes (the sampler stays in the main
    process, so the order, the batches and the generator states equal num_workers=0's; batches
    come back in order). Worker i seeds tensorlite's and Python's generators with
    ``base_seed + i`` (base_seed derived from the generator's state and the epoch, without
    drawing), then calls ``worker_init_fn(i)``; ``get_worker_info()`` tells a dataset which
    worker it runs in. An IterableDataset is iterated by every worker on its own copy (shard it
    with ``get_worker_info()``, as in PyTorch); their batches interleave round-robin over the
    workers not yet exhausted. ``persistent_workers`` keeps the processes across epochs. Workers load on
    the CPU and send host arrays; ``pin_memory`` is accepted and does nothing.

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
    >>> [y.tolist() for _, y in tl.data.DataLoader(ds, batch_size=2, num_workers=2)]
    [[0, 1], [2, 3], [4]]
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
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
            sampler = ()  # the dataset gives the order; never iterated
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, bool(shuffle)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.drop_last, self.collate_fn, self.generator = drop_last, collate_fn, generator
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers else prefetch_factor
        self.persistent_workers, self._pool, self._epochs = persistent_workers, None, 0

    def __len__(self) -> int:
        if self._iterable:  # len(dataset) samples (TypeError without __len__), in batches
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        return self.batches_from(0)

    def batches_from(self, first: int):
        """The batches of one epoch from batch ``first`` on (``iter(loader)`` is
        ``batches_from(0)``). The epoch's order is drawn as for a whole epoch, so with the
        generator state the epoch started from, a resumed run continues at the next batch of the
        same order without loading the batches before it."""
        if self._iterable:
            yield from itertools.islice(self._iterable_batches(), first, None)
            return
        fetch = _Fetcher(self.dataset, self.collate_fn, batched=self.batch_sampler is not None)
        tasks = itertools.islice(self.sampler if self.batch_sampler is None else self.batch_sampler,
                                 first, None)
        if not self.num_workers:
            yield from map(fetch, tasks)
            return
        pool = self._pool or self._start_workers(fetch)
        try:
            yield from pool.run(tasks)
        finally:
            if not self.persistent_workers:
                pool.shutdown()

    def _iterable_batches(self):
        """An IterableDataset's batches: from the dataset itself, or with num_workers from each
        worker's copy (sharded by the dataset through get_worker_info), interleaved."""
        batches = _StreamBatches(self.batch_size, self.drop_last, self.collate_fn)
        if not self.num_workers:
            yield from batches(self.dataset)
            return
        pool = self._pool or self._start_workers(batches, stream=True)
        try:
            yield from pool.run_stream()
        finally:
            if not self.persistent_workers:
                pool.shutdown()

    def _start_workers(self, fetch, stream: bool = False):
        _check_host_dataset(self.dataset)
        seed = _workers.base_seed(self.generator, self._epochs)
        self._epochs += 1
        pool = _workers.WorkerPool(fetch, self.dataset, self.num_workers, seed, self.worker_init_fn,
                                   self.multiprocessing_context, self.timeout, self.prefetch_factor,
                                   stream)
        if self.persistent_workers:
            self._pool = pool
            weakref.finalize(self, pool.shutdown)
        return pool


class _StreamBatches:
    """An IterableDataset's samples in order, batch_size at a time (the last batch smaller
    unless drop_last), collated; one by one through default_convert with batch_size=None. A
    class, not a closure, so that a spawned worker can unpickle it."""

    def __init__(self, batch_size, drop_last, collate_fn):
        self.batch_size, self.drop_last, self.collate_fn = batch_size, drop_last, collate_fn

    def __call__(self, dataset):
        samples = iter(dataset)
        if self.batch_size is None:
            yield from map(self.collate_fn or default_convert, samples)
            return
        while batch := list(itertools.islice(samples, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield (self.collate_fn or default_collate)(batch)


class _Fetcher:
    """Loads what one sampler item names: a sample (batch_size=None) or a collated batch, with
    one gather per batch where the dataset allows it. A class, not a closure, so that a spawned
    worker can unpickle it."""

    def __init__(self, dataset, collate_fn, batched: bool):
        self.dataset, self.collate_fn, self.batched = dataset, collate_fn, batched
        self.gather = batch_fetcher(dataset) if batched and collate_fn is None else None

    def __getstate__(self):
        return {"dataset": self.dataset, "collate_fn": self.collate_fn, "batched": self.batched}

    def __setstate__(self, state):
        self.__init__(**state)

    def __call__(self, item):
        if not self.batched:
            return (self.collate_fn or default_convert)(self.dataset[item])
        if self.gather is not None:
            return self.gather(list(item))
        return (self.collate_fn or default_collate)([self.dataset[i] for i in item])


def _check_host_dataset(dataset):
    """Worker processes load on the CPU: refuse device tensors in a TensorDataset (or Subsets of
    one) before any process starts, rather than fail inside a worker."""
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    for t in getattr(dataset, "tensors", ()):
        if isinstance(t, Tensor) and t.device.type != "cpu":
            raise ValueError(f"DataLoader(num_workers>0): worker processes load on the CPU, but the "
                             f"dataset holds a tensor on {t.device}; keep the dataset on the CPU and "
                             f"move each batch with .to(device), or use num_workers=0")


def _check_iterable_options(shuffle, sampler, batch_sampler):
    """An IterableDataset gives its own order: PyTorch's errors for sampling options."""
    for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
        if value not in (None, False):
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                             f"but got {name}={value!r}")


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context):
    """PyTorch's checks of the multiprocessing options (pin_memory and pin_memory_device change
    nothing: there is no pinned memory; batches always come back in order)."""
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
    elif prefetch_factor is not None and (isinstance(prefetch_factor, bool) or not isinstance(
            prefetch_factor, numbers.Integral) or prefetch_factor <= 0):
        raise ValueError(f"DataLoader: prefetch_factor option should be a positive integer, but got "
                         f"prefetch_factor={prefetch_factor!r}")


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
