"""tensorlite.data: datasets, loaders, the IDX format, transforms, and the bundled digits."""
from . import transforms
from ._workers import WorkerInfo, get_worker_info
from .dataloader import DataLoader, default_collate, default_convert
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                      TensorDataset, batch_fetcher, random_split)
from .datasets import (DatasetNotFoundError, Digits, FashionMNIST, MNIST, boolean_function,
                       noisy_regression, two_spirals, xor)
from .digits import load_digits
from .distributed_sampler import DistributedSampler
from .idx import IDXError, read_idx, write_idx
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "batch_fetcher", "DataLoader",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "get_worker_info", "WorkerInfo",
           "default_collate", "MNIST", "FashionMNIST", "Digits", "boolean_function", "xor",
           "two_spirals", "noisy_regression", "load_digits", "read_idx", "write_idx", "IDXError",
           "DatasetNotFoundError", "transforms", "DistributedSampler", "IterableDataset", "ChainDataset",
           "StackDataset", "default_convert"]
