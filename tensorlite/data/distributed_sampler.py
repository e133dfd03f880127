"""DistributedSampler: each rank of a data-parallel job reads its own shard of the dataset."""
from __future__ import annotations

import math

from .. import distributed
from ..random import Generator
from ..ops.creation import randperm
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[int]):
    """The indices of rank ``rank``'s shard among ``num_replicas`` ranks (PyTorch's semantics).

    Every epoch the dataset's indices (a permutation drawn from a generator seeded with
    ``seed + epoch`` when ``shuffle``, else 0..N-1; identical on every rank) are padded by
    repeating the first ones up to a multiple of ``num_replicas`` (or cut down to one with
    ``drop_last``), and rank r takes positions r, r + num_replicas, ... So the shards are
    disjoint (but for the padding), and with per-rank batch size B the ranks' k-th batches
    together hold positions k*B*num_replicas ... (k+1)*B*num_replicas - 1 of the epoch's order.
    Call ``set_epoch(epoch)`` before each epoch for a new order. num_replicas and rank default to
    the initialized ``tensorlite.distributed`` job. (The order differs from PyTorch's: the two
    generators differ; the structure is the same.)

    Shapes: a dataset of N samples -> ceil(N / num_replicas) indices (floor with drop_last).

    Example:
    >>> data = list(range(10))
    >>> [list(tl.data.DistributedSampler(data, num_replicas=3, rank=r, shuffle=False)) for r in range(3)]
    [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    >>> sampler = tl.data.DistributedSampler(data, num_replicas=2, rank=0, seed=1)
    >>> sampler.set_epoch(3)
    >>> len(sampler)
    5
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        num_replicas = _from_job("num_replicas", num_replicas, distributed.get_world_size)
        rank = _from_job("rank", rank, distributed.get_rank)
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"num_replicas should be a positive integer, got {num_replicas!r}")
        if not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            generator = Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=generator, device="cpu").tolist()  # same on every rank
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        elif indices:  # pad with the first indices, repeated as often as needed
            padding = self.total_size - len(indices)
            indices += (indices * math.ceil(padding / len(indices)))[:padding]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the order of epoch ``epoch`` (the permutation seeded with seed + epoch)."""
        self.epoch = epoch


def _from_job(name: str, value, query):
    if value is not None:
        return value
    if not distributed.is_initialized():
        raise ValueError(f"DistributedSampler: {name} was not given and the default process group "
                         f"has not been initialized; pass {name}= or call "
                         f"tensorlite.distributed.init_process_group() first")
    return query()
