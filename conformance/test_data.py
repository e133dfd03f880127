"""torch.utils.data against tensorlite.utils.data: the deterministic orders, batch contents and
lengths of the samplers and DataLoader, the sizes of the random ones, and the same exception
type for the same bad configuration (random orders differ by design: different generators)."""
import pytest
import torch
import torch.utils.data as tdata
from hypothesis import assume, given, strategies as st

import tensorlite as tl
import tensorlite.utils.data as ldata


def _outcome(make):
    """What ``make`` gives, or the exception type it raises (iterated, as errors can be lazy)."""
    try:
        return ("ok", make())
    except Exception as error:  # noqa: BLE001 (the type is what is compared)
        return ("raises", type(error))


def _batches(lib, loader):
    return [[t.tolist() for t in batch] if isinstance(batch, (list, tuple)) else batch.tolist()
            for batch in loader]


@given(n=st.integers(0, 20), batch_size=st.one_of(st.none(), st.integers(-1, 7)), drop_last=st.booleans(),
       shuffle=st.booleans(), use_sampler=st.booleans(), use_batch_sampler=st.booleans())
def test_loader_options_agree(n, batch_size, drop_last, shuffle, use_sampler, use_batch_sampler):
    def run(lib, data):
        ds = data.TensorDataset(lib.arange(n) * 10)
        kwargs = dict(batch_size=batch_size, drop_last=drop_last)
        if shuffle:
            kwargs["shuffle"] = True
        if use_sampler:
            kwargs["sampler"] = list(range(n - 1, -1, -1))
        if use_batch_sampler:
            kwargs["batch_sampler"] = data.BatchSampler(data.SequentialSampler(ds), 3, drop_last=False)
        loader = data.DataLoader(ds, **kwargs)
        batches = _batches(lib, loader)
        return len(loader), batches if not shuffle else sorted(str(b) for b in batches)
    ours, theirs = _outcome(lambda: run(tl, ldata)), _outcome(lambda: run(torch, tdata))
    if ours[0] == "ok" and shuffle and not (use_sampler or use_batch_sampler):
        assert ours[1][0] == theirs[1][0]  # a different random order: compare the length only
    else:
        assert ours == theirs


@given(n=st.integers(0, 12), replacement=st.booleans(), num_samples=st.one_of(st.none(), st.integers(-1, 30)),
       batch_size=st.integers(0, 5), drop_last=st.booleans())
def test_sampler_sizes_and_errors_agree(n, replacement, num_samples, batch_size, drop_last):
    assume(n or num_samples is None)  # drawing from nothing: PyTorch fails by accident (ZeroDivisionError)

    def run(data):
        sampler = data.RandomSampler(range(n), replacement=replacement, num_samples=num_samples)
        order = list(sampler)
        batches = data.BatchSampler(sampler, batch_size, drop_last)
        sizes = [len(b) for b in batches]
        return len(sampler), len(order), len(batches), sizes, replacement or sorted(order)[:n] == sorted(
            order)[:n] and len(set(order)) == min(len(order), n)
    assert _outcome(lambda: run(ldata)) == _outcome(lambda: run(tdata))


@given(weights=st.lists(st.sampled_from([-1.0, 0.0, 0.5, 2.0]), min_size=1, max_size=6),
       num_samples=st.integers(-1, 8), replacement=st.booleans())
def test_weighted_sampler_agrees(weights, num_samples, replacement):
    def run(data):
        order = list(data.WeightedRandomSampler(weights, num_samples, replacement=replacement))
        positive = sum(w > 0 for w in weights)
        return len(order), sum(weights[i] > 0 for i in order[:positive]) == min(positive, len(order)), \
            replacement or len(set(order)) == len(order)
    assert _outcome(lambda: run(ldata)) == _outcome(lambda: run(tdata))


@pytest.mark.parametrize("indices", [[], [4], [5, 1, 3]])
def test_subset_random_sampler_agrees(indices):
    def run(data):
        sampler = data.SubsetRandomSampler(indices)
        return len(sampler), sorted(sampler)
    assert run(ldata) == run(tdata)


@pytest.mark.parametrize("kwargs", [dict(persistent_workers=True), dict(persistent_workers=False),
                                    dict(prefetch_factor=2), dict(multiprocessing_context="fork"),
                                    dict(timeout=-1), dict(num_workers=-1), dict(pin_memory=True),
                                    dict(in_order=False), dict(pin_memory_device="")])
def test_single_process_options_agree(kwargs):
    """Options of multi-process loading with num_workers=0: accepted or refused alike."""
    def run(lib, data):
        return _batches(lib, data.DataLoader(data.TensorDataset(lib.arange(3)), batch_size=2, **kwargs))
    assert _outcome(lambda: run(tl, ldata)) == _outcome(lambda: run(torch, tdata))


@pytest.mark.parametrize("kwargs", [dict(num_workers=2), dict(num_workers=2, persistent_workers=True),
                                    dict(num_workers=1, prefetch_factor=1), dict(num_workers=2, batch_size=None)])
def test_worker_loading_agrees(kwargs):
    """Worker processes: the same batches in the same order. (prefetch_factor=0: PyTorch fails
    an assert; tensorlite raises ValueError, tested in tests/test_data.py.)"""
    def run(lib, data):
        kwargs.setdefault("batch_size", 3)
        loader = data.DataLoader(data.TensorDataset(lib.arange(8), lib.arange(8.0) * 2), **kwargs)
        return _batches(lib, loader), _batches(lib, loader)
    assert _outcome(lambda: run(tl, ldata)) == _outcome(lambda: run(torch, tdata))
