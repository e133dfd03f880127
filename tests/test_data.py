"""IDX files, MNIST-format datasets (with download from a local HTTP server), DataLoader,
random_split, collate and transforms."""
import collections
import functools
import gzip
import hashlib
import http.server
import os
import socket
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensorlite as tl
from tensorlite.data import (MNIST, DataLoader, Dataset, DatasetNotFoundError, Digits, FashionMNIST, IDXError,
                             Subset, TensorDataset,
                             boolean_function, default_collate, random_split, read_idx, transforms,
                             two_spirals, write_idx, xor)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, array)
    assert (gzip.open(path).read(2) if suffix else path.read_bytes()[:2]) == b"\0\0"
    back = read_idx(path)
    assert back.dtype == array.dtype and back.shape == (2, 3, 4) and (back == array).all()


def _idx_bytes(array):
    path_bytes = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    return path_bytes + array.astype(np.uint8).tobytes()


@pytest.mark.parametrize("mutate, message", [
    (lambda raw: raw[:-5], "truncated"),
    (lambda raw: raw + b"xx", "trailing bytes"),
    (lambda raw: b"\x01" + raw[1:], "not an IDX file"),
    (lambda raw: raw[:2] + b"\x07" + raw[3:], "unknown IDX element type"),
    (lambda raw: raw[:6], "truncated IDX header"),
])
def test_idx_errors(tmp_path, mutate, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(mutate(_idx_bytes(np.zeros((3, 4), np.uint8))))
    with pytest.raises(IDXError, match=message):
        read_idx(path)
    (tmp_path / "bad.gz").write_bytes(gzip.compress(_idx_bytes(np.zeros(4, np.uint8)))[:-8])
    with pytest.raises(IDXError, match="gzip"):
        read_idx(tmp_path / "bad.gz")


def _fake_mnist(folder, n=20, seed=0):
    rng = np.random.default_rng(seed)
    files = {}
    for prefix, count in (("train", n), ("t10k", n // 2)):
        images = rng.integers(0, 256, (count, 28, 28)).astype(np.uint8)
        labels = rng.integers(0, 10, count).astype(np.uint8)
        for name, array in ((f"{prefix}-images-idx3-ubyte.gz", images), (f"{prefix}-labels-idx1-ubyte.gz", labels)):
            write_idx(os.path.join(folder, name), array)
            files[name] = array
    return files


def test_mnist_from_idx_files(tmp_path):
    files = _fake_mnist(tmp_path)
    train = MNIST(tmp_path)
    image, label = train[3]
    assert len(train) == 20 and image.shape == (28, 28) and image.dtype is tl.uint8
    assert label == int(files["train-labels-idx1-ubyte.gz"][3])
    x, y = train.as_tensors()
    assert x.shape == (20, 784) and 0 <= x.min().item() and x.max().item() <= 1 and y.dtype is tl.int64
    test = MNIST(tmp_path, train=False, transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize(0.5, 0.5)]))
    assert test[0][0].shape == (1, 28, 28) and test[0][0].min().item() >= -1
    with pytest.raises(FileNotFoundError, match="not found"):
        MNIST(tmp_path / "missing")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_folder(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_download_verifies_checksums(tmp_path, http_folder, monkeypatch):
    served, url = http_folder
    _fake_mnist(served)
    checksums = {name: hashlib.md5((served / name).read_bytes()).hexdigest() for name in MNIST.checksums}
    monkeypatch.setattr(MNIST, "checksums", checksums)
    dataset = MNIST(tmp_path / "cache", download=True, mirror=url)
    assert len(dataset) == 20 and sorted(os.listdir(tmp_path / "cache")) == sorted(checksums)
    checksums["t10k-labels-idx1-ubyte.gz"] = "0" * 32
    with pytest.raises(ValueError, match="does not match the expected"):
        MNIST(tmp_path / "other", download=True, mirror=url)
    assert "t10k-labels-idx1-ubyte.gz" not in os.listdir(tmp_path / "other")


@pytest.mark.parametrize("failure", [urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution")),
                                     TimeoutError("timed out"), ConnectionRefusedError(111, "Connection refused")])
@pytest.mark.parametrize("dataset, hint", [(FashionMNIST, "apt-get install dataset-fashion-mnist"),
                                           (MNIST, "copy the four IDX files")])
def test_offline_download_says_how_to_install_by_hand(tmp_path, monkeypatch, failure, dataset, hint):
    def offline(url, timeout=None):
        raise failure
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DatasetNotFoundError) as caught:
        dataset(tmp_path / "cache", download=True)
    message = str(caught.value)
    assert message.startswith(f"{dataset.__name__}: could not download train-images-idx3-ubyte.gz from http")
    assert hint in message and str(tmp_path / "cache") in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no URLError traceback
    assert os.listdir(tmp_path / "cache") == []


def test_download_http_error_is_a_clear_error(tmp_path, http_folder):
    _, url = http_folder  # serves an empty folder: every file is a 404
    with pytest.raises(DatasetNotFoundError, match="could not download .*File not found.*copy the four IDX"):
        MNIST(tmp_path / "cache", download=True, mirror=url)


class TestDataLoader:
    def test_batch_counts(self):
        ds = TensorDataset(tl.arange(10.0), tl.arange(10))
        assert len(DataLoader(ds, batch_size=3)) == 4 and len(DataLoader(ds, batch_size=3, drop_last=True)) == 3
        sizes = [len(b[0]) for b in DataLoader(ds, batch_size=3)]
        assert sizes == [3, 3, 3, 1]
        assert [b[1].tolist() for b in DataLoader(ds, batch_size=4)][0] == [0, 1, 2, 3]

    def test_shuffle_is_a_seeded_permutation(self):
        ds = TensorDataset(tl.arange(20))
        first = [x.item() for (batch,) in DataLoader(ds, batch_size=5, shuffle=True,
                                                      generator=tl.Generator().manual_seed(3)) for x in batch]
        again = [x.item() for (batch,) in DataLoader(ds, batch_size=5, shuffle=True,
                                                      generator=tl.Generator().manual_seed(3)) for x in batch]
        assert sorted(first) == list(range(20)) and first == again and first != list(range(20))

    def test_default_collate(self):
        batch = [{"x": tl.ones(2), "n": 1, "f": 0.5, "s": "a", "pair": (1, True)},
                 {"x": tl.zeros(2), "n": 2, "f": 1.5, "s": "b", "pair": (3, False)}]
        out = default_collate(batch)
        assert out["x"].shape == (2, 2) and out["n"].dtype is tl.int64 and out["f"].dtype is tl.float64
        assert out["s"] == ["a", "b"] and isinstance(out["pair"], list) and out["pair"][1].dtype is tl.bool

    def test_generic_dataset_and_collate_fn(self):
        class Squares(Dataset):
            def __len__(self):
                return 5

            def __getitem__(self, i):
                return tl.tensor([float(i)]), i * i
        xs, ys = next(iter(DataLoader(Squares(), batch_size=5)))
        assert xs.shape == (5, 1) and ys.tolist() == [0, 1, 4, 9, 16]
        assert next(iter(DataLoader(Squares(), batch_size=2, collate_fn=len))) == 2

    def test_errors(self):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            DataLoader([1], batch_size=0)
        with pytest.raises(ValueError, match="Size mismatch"):
            TensorDataset(tl.zeros(3), tl.zeros(4))


def test_random_split_and_subset():
    ds = TensorDataset(tl.arange(10))
    a, b = random_split(ds, [7, 3], generator=tl.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    assert sorted([int(a[i][0]) for i in range(7)] + [int(b[i][0]) for i in range(3)]) == list(range(10))
    c, d, e = random_split(ds, [0.5, 0.3, 0.2])
    assert (len(c), len(d), len(e)) == (5, 3, 2)
    assert [len(s) for s in random_split(TensorDataset(tl.arange(11)), [0.5, 0.5])] == [6, 5]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        random_split(ds, [5, 6])
    assert Subset(ds, [9, 0])[0][0].item() == 9


def test_bundled_and_synthetic_sets():
    assert len(Digits(train=True)) + len(Digits(train=False)) == 1797
    train, test = boolean_function()
    assert len(train) == 13107 and len(test) == 3277
    x, y = train.tensors
    assert set(x.flatten().tolist()) == {-1.0, 1.0}
    assert sorted(set(y.tolist())) == [0, 1, 2, 3]
    assert len(xor()) == 400 and len(two_spirals(50)) == 100


def test_transforms():
    image = tl.tensor(np.full((2, 2), 255, np.uint8))
    assert transforms.ToTensor()(image).tolist() == [[[1.0, 1.0], [1.0, 1.0]]]
    assert transforms.Flatten()(tl.ones(2, 3)).shape == (6,)
    assert transforms.OneHot(3)(1).tolist() == [0.0, 1.0, 0.0]
    normalized = transforms.Normalize([0.5, 0.0], [0.5, 2.0])(tl.ones(2, 1, 1))
    assert normalized.flatten().tolist() == [1.0, 0.5]
    assert transforms.Lambda(lambda t: t * 2)(tl.ones(1)).item() == 2.0


def test_random_split_rejects_negative_lengths():
    with pytest.raises(ValueError, match="non-negative"):
        random_split(TensorDataset(tl.arange(4)), [5, -1])


# (batch, dtype name, values) as torch.utils.data.default_collate gives them (checked with PyTorch 2.13)
TORCH_COLLATE = [
    ([1, 2.5], "float32", [1.0, 2.5]), ([2.5, 1], "float64", [2.5, 1.0]), ([1, 2], "int64", [1, 2]),
    ([1.0, 2.0], "float64", [1.0, 2.0]), ([True, False], "bool", [True, False]), ([True, 1], "int64", [1, 1]),
    ([True, 2.5], "float32", [1.0, 2.5]), ([2.5, True], "float64", [2.5, 1.0]),
    ([np.float32(1), np.float32(2)], "float32", [1.0, 2.0]), ([np.float64(1)], "float64", [1.0]),
    ([np.int32(1), np.int32(2)], "int32", [1, 2]), ([np.bool_(True)], "bool", [True]),
    ([np.float32(1), 2.5], "float32", [1.0, 2.5]), ([np.int32(1), 2.5], "float32", [1.0, 2.5]),
    ([1, np.float64(2.5)], "float64", [1.0, 2.5]), ([np.float16(1), 2.5], "float32", [1.0, 2.5]),
    ([np.int32(1), 2], "int64", [1, 2]), ([np.int8(1), np.int32(2)], "int32", [1, 2]),
    ([np.int64(1), np.float16(2)], "float16", [1.0, 2.0]), ([np.int32(1), True], "int32", [1, 1]),
    ([np.uint8(1), np.int8(2)], "int16", [1, 2]), ([2.5, np.float32(1)], "float64", [2.5, 1.0]),
    ([np.array(1.5, np.float32)] * 2, "float32", [1.5, 1.5]),
    ([np.array([1, 2], np.int32), np.array([1.5, 2], np.float32)], "float32", [[1.0, 2.0], [1.5, 2.0]]),
]


@pytest.mark.parametrize("batch, dtype, values", TORCH_COLLATE, ids=repr)
def test_default_collate_matches_torch(cpu_default_device, batch, dtype, values):
    out = default_collate(batch)
    assert out.dtype.name == dtype and out.tolist() == values


_NUMPY_SCALARS = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64]


def _collate_rule(batch):
    """torch's rule, written from its source: a Python float first gives float64; otherwise
    torch.tensor(batch) promotes the element dtypes (bool, int -> int64, float -> the default
    dtype, NumPy scalars their own dtype)."""
    first = batch[0]
    if isinstance(first, float) and not isinstance(first, np.generic):
        return tl.float64
    kinds = [tl.dtypes.from_numpy_dtype(np.dtype(type(v))) if isinstance(v, np.generic)
             else tl.bool if isinstance(v, bool) else tl.int64 if isinstance(v, int) else tl.float32
             for v in batch]
    return functools.reduce(tl.promote_types, kinds)


_scalars = st.one_of(st.booleans(), st.integers(-100, 100), st.floats(-100, 100, width=16),
                     st.tuples(st.sampled_from(_NUMPY_SCALARS), st.integers(0, 100)).map(lambda p: p[0](p[1])))


@given(st.lists(_scalars, min_size=1, max_size=6))
def test_default_collate_follows_torch_rules(batch):
    """Any mix of Python and NumPy scalars: the dtype of torch's rules, the values converted."""
    previous = tl.get_default_device()
    tl.set_default_device("cpu")
    try:
        out = default_collate(batch)
    finally:
        tl.set_default_device(previous)
    expected = _collate_rule(batch)
    assert out.dtype is expected and out.shape == (len(batch),)
    assert out.tolist() == np.array([v.item() if isinstance(v, np.generic) else v for v in batch],
                                    dtype=expected.numpy).tolist()


def test_default_collate_keeps_the_mapping_type_and_refuses_string_arrays(cpu_default_device):
    """torch: an OrderedDict (or defaultdict) batch stays one; NumPy string arrays are refused."""
    ordered = default_collate([collections.OrderedDict(b=1, a=2.5)] * 2)
    assert type(ordered) is collections.OrderedDict and list(ordered) == ["b", "a"]
    assert ordered["a"].dtype is tl.float64
    counts = collections.defaultdict(list, n=np.int32(3))
    assert type(default_collate([counts, counts])) is collections.defaultdict
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers, dicts or lists; found <U1"):
        default_collate([np.array(["a", "b"])] * 2)


# ---- samplers (PyTorch's torch.utils.data samplers) and the loader's batched indexing ----

from tensorlite.data import (BatchSampler, RandomSampler, Sampler, SequentialSampler,  # noqa: E402
                             SubsetRandomSampler, WeightedRandomSampler, batch_fetcher)


def test_random_sampler_on_an_empty_dataset():
    with pytest.raises(ValueError, match="num_samples=0"):  # PyTorch: at construction
        RandomSampler([])
    with pytest.raises(ValueError, match="num_samples=0"):
        DataLoader([], shuffle=True)
    with pytest.raises(RuntimeError, match="empty data_source"):
        list(RandomSampler([], num_samples=3))


@given(n=st.integers(1, 40), seed=st.integers(0, 2**31))
def test_random_sampler_is_a_seeded_permutation(n, seed):
    order = list(RandomSampler(range(n), generator=tl.Generator().manual_seed(seed)))
    assert sorted(order) == list(range(n))
    assert order == list(RandomSampler(range(n), generator=tl.Generator().manual_seed(seed)))
    assert list(SequentialSampler(range(n))) == list(range(n)) and len(SequentialSampler(range(n))) == n


@given(n=st.integers(1, 12), num_samples=st.integers(1, 40), replacement=st.booleans(),
       seed=st.integers(0, 2**31))
def test_random_sampler_num_samples_and_replacement(n, num_samples, replacement, seed):
    sampler = RandomSampler(range(n), replacement=replacement, num_samples=num_samples,
                            generator=tl.Generator().manual_seed(seed))
    order = list(sampler)
    assert len(order) == len(sampler) == num_samples and all(0 <= i < n for i in order)
    if not replacement:  # whole permutations one after the other, the last one cut short
        for start in range(0, num_samples, n):
            chunk = order[start:start + n]
            assert len(set(chunk)) == len(chunk) and (len(chunk) < n or sorted(chunk) == list(range(n)))


def test_replacement_draws_repeat_and_cover():
    order = list(RandomSampler(range(3), replacement=True, num_samples=300,
                               generator=tl.Generator().manual_seed(0)))
    assert set(order) == {0, 1, 2} and all(order.count(i) > 60 for i in range(3))


@given(indices=st.lists(st.integers(-5, 100), max_size=20, unique=True), seed=st.integers(0, 2**31))
def test_subset_random_sampler_permutes_the_indices(indices, seed):
    sampler = SubsetRandomSampler(indices, generator=tl.Generator().manual_seed(seed))
    order = list(sampler)
    assert sorted(order) == sorted(indices) and len(sampler) == len(indices)
    assert order == list(SubsetRandomSampler(indices, generator=tl.Generator().manual_seed(seed)))


@given(weights=st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=1, max_size=10),
       num_samples=st.integers(1, 12), replacement=st.booleans(), seed=st.integers(0, 2**31))
def test_weighted_sampler_draws_only_positive_weights(weights, num_samples, replacement, seed):
    positive = sum(w > 0 for w in weights)
    sampler = WeightedRandomSampler(weights, num_samples, replacement=replacement,
                                    generator=tl.Generator().manual_seed(seed))
    if positive == 0 or (not replacement and num_samples > len(weights)):
        with pytest.raises(RuntimeError, match="WeightedRandomSampler"):
            list(sampler)
        return
    order = list(sampler)
    assert len(order) == len(sampler) == num_samples
    if replacement:
        assert all(weights[i] > 0 for i in order)
    else:  # the positive weights first; zero weights only once those are used up (PyTorch)
        assert len(set(order)) == num_samples
        assert [weights[i] > 0 for i in order] == [True] * min(positive, num_samples) + \
            [False] * max(0, num_samples - positive)


def test_weighted_sampler_follows_the_weights():
    order = list(WeightedRandomSampler(tl.tensor([1.0, 3.0, 0.0]), 4000,
                                       generator=tl.Generator().manual_seed(1)))
    assert 2700 < order.count(1) < 3300 and order.count(2) == 0
    # without replacement the heavy index is first most of the time
    firsts = [list(WeightedRandomSampler([1.0, 9.0], 2, replacement=False,
                                         generator=tl.Generator().manual_seed(s)))[0] for s in range(200)]
    assert firsts.count(1) > 150


@given(n=st.integers(0, 30), batch_size=st.integers(1, 8), drop_last=st.booleans())
def test_batch_sampler_covers_everything_in_order(n, batch_size, drop_last):
    batches = list(BatchSampler(SequentialSampler(range(n)), batch_size, drop_last))
    assert len(batches) == len(BatchSampler(range(n), batch_size, drop_last))
    flat = [i for batch in batches for i in batch]
    kept = n - n % batch_size if drop_last else n
    assert flat == list(range(kept)) and all(len(b) == batch_size for b in batches[:-1] or [])
    if drop_last:
        assert all(len(b) == batch_size for b in batches)


@pytest.mark.parametrize("make, error, message", [
    (lambda: RandomSampler(range(3), replacement=1), TypeError, "replacement should be a boolean"),
    (lambda: RandomSampler(range(3), num_samples=0), ValueError, "num_samples=0"),
    (lambda: RandomSampler(range(3), num_samples=2.0), ValueError, "num_samples=2.0"),
    (lambda: WeightedRandomSampler([1.0], 0), ValueError, "num_samples=0"),
    (lambda: WeightedRandomSampler([[1.0, 2.0]], 3), ValueError, r"1d sequence .*\(1, 2\)"),
    (lambda: WeightedRandomSampler([1.0], 2, replacement=1), ValueError, "replacement=1"),
    (lambda: list(WeightedRandomSampler([-1.0, 2.0], 2)), RuntimeError, "< 0"),
    (lambda: list(WeightedRandomSampler([1.0, 2.0], 3, replacement=False)), RuntimeError, "3 > 2"),
    (lambda: BatchSampler(range(3), 0, False), ValueError, "batch_size=0"),
    (lambda: BatchSampler(range(3), 2, 1), ValueError, "drop_last=1"),
    (lambda: DataLoader(range(3), sampler=[0], shuffle=True), ValueError, "mutually exclusive with shuffle"),
    (lambda: DataLoader(range(3), batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option"),
    (lambda: DataLoader(range(3), batch_sampler=[[0]], shuffle=True), ValueError, "batch_sampler option"),
    (lambda: DataLoader(range(3), batch_sampler=[[0]], sampler=[0]), ValueError, "batch_sampler option"),
    (lambda: DataLoader(range(3), batch_sampler=[[0]], drop_last=True), ValueError, "batch_sampler option"),
    (lambda: DataLoader(range(3), persistent_workers=True), ValueError, "persistent_workers=True needs"),
    (lambda: DataLoader(range(3), prefetch_factor=2), ValueError, "prefetch_factor=2 needs"),
    (lambda: DataLoader(range(3), multiprocessing_context="fork"), ValueError, "multiprocessing_context"),
    (lambda: DataLoader(range(3), timeout=-1), ValueError, "timeout option should be non-negative"),
    (lambda: DataLoader(range(3), num_workers=2, prefetch_factor=0), ValueError, "prefetch_factor=0"),
])
def test_sampler_errors_match_torch(make, error, message):
    with pytest.raises(error, match=message):
        make()


class TestLoaderSamplers:
    def test_sampler_and_batch_sampler_orders(self):
        ds = TensorDataset(tl.arange(10) * 10)
        assert [b.tolist() for (b,) in DataLoader(ds, sampler=[3, 1, 4], batch_size=2)] == [[30, 10], [40]]
        loader = DataLoader(ds, batch_sampler=BatchSampler([9, 8, 7], 2, drop_last=False))
        assert len(loader) == 2 and [b.tolist() for (b,) in loader] == [[90, 80], [70]]
        unbatched = DataLoader(ds, batch_size=None, sampler=SequentialSampler(range(3)))
        assert len(unbatched) == 3 and [x.item() for (x,) in unbatched] == [0, 10, 20]
        assert DataLoader(ds, batch_size=None, shuffle=True).shuffle  # PyTorch allows it
        # PyTorch's positional order: multiprocessing_context comes before generator
        loader = DataLoader(ds, 4, True, None, None, 0, None, True, False, 0, None, None,
                            tl.Generator().manual_seed(0), persistent_workers=False, in_order=True,
                            pin_memory_device="")
        assert loader.generator is not None and sorted(i for (b,) in loader for i in b.tolist())[:3] == [0, 10, 20]

    def test_custom_sampler_subclass(self):
        class Reverse(Sampler):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return iter(range(self.n - 1, -1, -1))

            def __len__(self):
                return self.n
        ds = TensorDataset(tl.arange(5))
        assert [b.tolist() for (b,) in DataLoader(ds, sampler=Reverse(5), batch_size=2)] == [[4, 3], [2, 1], [0]]

    def test_seeded_order_and_the_global_generator(self):
        ds = TensorDataset(tl.arange(30))

        def order(**kwargs):
            return [i for (b,) in DataLoader(ds, batch_size=4, shuffle=True, **kwargs) for i in b.tolist()]
        tl.manual_seed(5)
        first = order()
        tl.manual_seed(5)
        assert order() == first and sorted(first) == list(range(30))
        tl.manual_seed(7)
        expected = tl.rand(3).tolist()
        tl.manual_seed(7)
        with_own = order(generator=tl.Generator().manual_seed(1))
        assert tl.rand(3).tolist() == expected  # its own generator leaves the global one alone
        assert with_own == order(generator=tl.Generator().manual_seed(1))

    @pytest.mark.parametrize("shuffle", [False, True])
    def test_subsets_are_gathered_in_batches_with_the_same_result(self, shuffle):
        x, y = tl.arange(40.0).reshape(20, 2), tl.arange(20)
        inner = Subset(TensorDataset(x, y), list(range(19, -1, -1)))
        nested = Subset(inner, [1, 3, 5, 7, 9, 11, 0])
        assert batch_fetcher(nested) is not None and batch_fetcher(Subset(list(range(5)), [0])) is None

        def batches(collate_fn=None):
            loader = DataLoader(nested, batch_size=3, shuffle=shuffle, collate_fn=collate_fn,
                                generator=tl.Generator().manual_seed(2))
            return [(xb.tolist(), yb.tolist()) for xb, yb in loader]
        by_sample = batches(collate_fn=default_collate)  # reads sample by sample
        assert batches() == by_sample
        assert sorted(i for _, ys in by_sample for i in ys) == sorted(19 - i for i in [1, 3, 5, 7, 9, 11, 0])

    def test_batches_do_not_read_samples_one_by_one(self):
        ds = TensorDataset(tl.arange(12))
        train, _ = random_split(ds, [8, 4], generator=tl.Generator().manual_seed(0))

        class Counting(TensorDataset):  # one get_batch per batch, through two Subsets
            reads = 0

            def get_batch(self, indices):
                Counting.reads += 1
                return super().get_batch(indices)
        counted = Counting(tl.arange(12))
        sub = Subset(Subset(counted, list(range(10))), [0, 2, 4, 6, 8])
        assert [b.tolist() for (b,) in DataLoader(sub, batch_size=2)] == [[0, 2], [4, 6], [8]]
        assert Counting.reads == 3
        assert sorted(i for (b,) in DataLoader(train, batch_size=3) for i in b.tolist()) == sorted(train.indices)

    def test_override_of_getitem_is_respected(self):
        class Doubled(TensorDataset):
            def __getitem__(self, index):
                return tuple(t[index] * 2 for t in self.tensors)
        ds = Subset(Doubled(tl.arange(4)), [3, 2])
        assert batch_fetcher(ds) is None
        assert [b.tolist() for (b,) in DataLoader(ds, batch_size=2)] == [[6, 4]]


def test_torch_utils_data_alias():
    import tensorlite.utils.data as alias
    from tensorlite.utils.data import DataLoader as AliasLoader, RandomSampler as AliasSampler
    assert AliasLoader is DataLoader and AliasSampler is RandomSampler and tl.utils.data is alias
    assert set(tl.data.__all__) <= set(dir(alias))


# ---- DataLoader(num_workers > 0): worker processes ----

class _Noisy(Dataset):
    """Samples that draw from the generator of the process that loads them."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        info = tl.data.get_worker_info()
        return tl.rand(2), index, -1 if info is None else info.id, os.getpid()


def _values(loader):
    return [[t.tolist() for t in batch] if isinstance(batch, (list, tuple)) else batch.tolist()
            for batch in loader]


@pytest.mark.usefixtures("cpu_default_device")
class TestWorkers:
    @pytest.mark.parametrize("num_workers", [1, 3])
    @pytest.mark.parametrize("case", ["tensor-shuffle", "nested-subset", "collate_fn", "unbatched", "sampler"])
    def test_results_and_order_equal_single_process(self, num_workers, case):
        x, y = tl.arange(40.0).reshape(20, 2), tl.arange(20)
        ds = TensorDataset(x, y)
        kwargs = {"tensor-shuffle": dict(dataset=ds, batch_size=3, shuffle=True),
                  "nested-subset": dict(dataset=Subset(Subset(ds, list(range(19, 2, -1))), [0, 5, 2, 9, 4]),
                                        batch_size=2, drop_last=True),
                  "collate_fn": dict(dataset=ds, batch_size=4, collate_fn=lambda b: [s[1] * 2 for s in b]),
                  "unbatched": dict(dataset=ds, batch_size=None, shuffle=True),
                  "sampler": dict(dataset=ds, sampler=WeightedRandomSampler([1.0] * 20, 9), batch_size=4),
                  }[case]

        def epochs(workers):
            tl.manual_seed(4)
            generator = tl.Generator().manual_seed(9)
            loader = DataLoader(generator=generator, num_workers=workers, **kwargs)
            out = [_values(loader), _values(loader)]
            return out, generator.get_state(), tl.rand(2).tolist()
        # the same batches, the same orders and the same generator states after two epochs
        assert epochs(num_workers) == epochs(0)

    def test_worker_seeds_are_reproducible_and_distinct(self):
        def run(seed, persistent=False):
            tl.manual_seed(seed)
            loader = DataLoader(_Noisy(), batch_size=2, num_workers=2, persistent_workers=persistent)
            return [[batch[:3] for batch in _values(loader)] for _ in range(2)]  # without the pids
        first = run(0)
        assert first == run(0) and first != run(1)
        draws = [tuple(v) for epoch in first for batch in epoch for v in batch[0]]
        assert len(set(draws)) == len(draws)  # no two workers, epochs or samples repeat a draw
        assert sorted({w for epoch in first for batch in epoch for w in batch[2]}) == [0, 1]
        assert run(3, persistent=True) == run(3, persistent=True)
        assert tl.data.get_worker_info() is None

    def test_persistent_workers_survive_epochs_and_an_abandoned_one(self):
        loader = DataLoader(_Noisy(), batch_size=2, num_workers=2, persistent_workers=True)
        pids = {p for batch in _values(loader) for p in batch[3]}
        for batch in loader:  # abandon the epoch after one batch: its other results are dropped
            break
        again = _values(loader)
        assert [b[1] for b in again] == [[0, 1], [2, 3], [4, 5], [6, 7]]
        assert {p for batch in again for p in batch[3]} == pids and os.getpid() not in pids
        fresh = DataLoader(_Noisy(), batch_size=2, num_workers=2)
        assert {p for batch in _values(fresh) for p in batch[3]}.isdisjoint({p for batch in _values(fresh)
                                                                             for p in batch[3]})

    def test_worker_init_fn_and_errors(self, tmp_path):
        def init(worker_id):
            (tmp_path / f"worker{worker_id}").write_text(str(tl.data.get_worker_info().num_workers))
        assert len(_values(DataLoader(_Noisy(), batch_size=4, num_workers=2, worker_init_fn=init))) == 2
        assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["2", "2"]

        class Broken(_Noisy):
            def __getitem__(self, index):
                if index == 5:
                    raise KeyError("sample 5 is missing")
                return index
        with pytest.raises(KeyError, match="worker process .*sample 5 is missing"):
            list(DataLoader(Broken(), batch_size=2, num_workers=2))

        class Dies(_Noisy):
            def __getitem__(self, index):
                os._exit(3)
        with pytest.raises(RuntimeError, match=r"exited unexpectedly \(exit codes \[3"):
            list(DataLoader(Dies(), batch_size=2, num_workers=1))

    def test_device_tensors_are_refused_before_any_worker_starts(self, opencl):
        ds = Subset(TensorDataset(tl.arange(4.0, device=opencl)), [0, 1])
        with pytest.raises(ValueError, match="worker processes load on the CPU.*opencl"):
            next(iter(DataLoader(ds, num_workers=2)))


class _Stream(tl.data.IterableDataset):
    """range(n) as an IterableDataset (with __len__ when sized)."""

    def __init__(self, n, sized=True):
        self.n, self.sized = n, sized

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.sized:
            return super().__len__()
        return self.n


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 20), batch_size=st.integers(1, 6), drop_last=st.booleans(), first=st.integers(0, 3))
def test_iterable_dataset_batches_consecutive_samples(n, batch_size, drop_last, first):
    loader = tl.data.DataLoader(_Stream(n), batch_size=batch_size, drop_last=drop_last)
    chunks = [list(range(i, min(i + batch_size, n))) for i in range(0, n, batch_size)]
    if drop_last and chunks and len(chunks[-1]) < batch_size:
        chunks.pop()
    assert [b.tolist() for b in loader] == chunks and len(loader) == len(chunks)
    assert [b.tolist() for b in loader.batches_from(first)] == chunks[first:]
    assert all(b.dtype == tl.int64 for b in loader)


def test_iterable_dataset_unbatched_converts_and_errors():
    class Arrays(tl.data.IterableDataset):
        def __iter__(self):
            return iter([np.arange(3.0), {"a": np.int32(2), "b": "s"}])

    x, d = list(tl.data.DataLoader(Arrays(), batch_size=None))
    assert isinstance(x, tl.Tensor) and x.dtype == tl.float64 and x.tolist() == [0.0, 1.0, 2.0]
    assert d["a"].dtype == tl.int32 and d["b"] == "s"
    assert [b for b in tl.data.DataLoader(_Stream(5), batch_size=2, collate_fn=sum)] == [1, 5, 4]
    with pytest.raises(TypeError, match="has no len"):
        len(tl.data.DataLoader(_Stream(3, sized=False)))
    for kwargs, name in [(dict(shuffle=True), "shuffle"), (dict(sampler=[0, 1]), "sampler"),
                         (dict(batch_sampler=[[0]], batch_size=1), "batch_sampler")]:
        with pytest.raises(ValueError, match=f"IterableDataset: expected unspecified {name} option"):
            tl.data.DataLoader(_Stream(3), **kwargs)
    with pytest.raises(TypeError, match="has no __getitem__"):
        _Stream(3)[0]


def test_chain_concat_stack_datasets():
    chain = _Stream(2) + tl.data.ChainDataset([_Stream(3)])
    assert isinstance(chain, tl.data.ChainDataset) and list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    with pytest.raises(TypeError, match="ChainDataset only supports IterableDataset"):
        list(tl.data.ChainDataset([_Stream(1), tl.data.TensorDataset(tl.zeros(2))]))
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        tl.data.ConcatDataset([_Stream(2)])
    xs = tl.data.TensorDataset(tl.arange(6.0).reshape(3, 2))
    stacked = tl.data.StackDataset(xs, [7, 8, 9])
    assert len(stacked) == 3 and stacked[2][1] == 9 and stacked[2][0][0].tolist() == [4.0, 5.0]
    (x,), y = next(iter(tl.data.DataLoader(stacked, batch_size=2)))
    assert x.shape == (2, 2) and y.tolist() == [7, 8]
    batch = next(iter(tl.data.DataLoader(tl.data.StackDataset(x=xs, y=[7, 8, 9]), batch_size=3)))
    assert batch["y"].tolist() == [7, 8, 9] and batch["x"][0].shape == (3, 2)
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        tl.data.StackDataset(xs, [1])
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        tl.data.StackDataset()
    with pytest.raises(ValueError, match="both types are given"):
        tl.data.StackDataset(xs, y=[1, 2, 3])


def test_default_convert_and_torch_paths():
    from collections import namedtuple
    from tensorlite.utils.data import ChainDataset, IterableDataset, StackDataset, default_convert
    from tensorlite.utils.data.dataloader import default_convert as convert_path
    assert convert_path is default_convert and IterableDataset is tl.data.IterableDataset
    assert ChainDataset is tl.data.ChainDataset and StackDataset is tl.data.StackDataset
    Pair = namedtuple("Pair", "a b")
    out = default_convert([Pair(np.float32(1.5), (np.arange(2), "t")), np.array(["x"])])
    assert isinstance(out, list) and isinstance(out[0], Pair) and out[0].a.dtype == tl.float32
    assert out[0].b[0].tolist() == [0, 1] and out[0].b[1] == "t" and out[1].dtype.kind == "U"
    t = tl.ones(2)
    assert default_convert(t) is t and default_convert(3) == 3
    # map-style datasets without batching get the same conversion (PyTorch's default collate_fn)
    assert list(tl.data.DataLoader([np.zeros(2)], batch_size=None))[0].dtype == tl.float64


class _Sharded(tl.data.IterableDataset):
    """range(start, end), split into contiguous shards by get_worker_info() (PyTorch's docs
    example)."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = tl.data.get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per = -(-(self.end - self.start) // info.num_workers)
        first = self.start + info.id * per
        return iter(range(first, min(first + per, self.end)))


def _shard_init(worker_id):
    dataset = tl.data.get_worker_info().dataset  # the worker's own copy
    dataset.start, dataset.end = 10 * worker_id, 10 * worker_id + 2


class TestIterableDatasetWorkers:
    """IterableDataset with num_workers > 0: every worker iterates its own copy; batches
    interleave round-robin over the workers still running (PyTorch's order)."""

    def test_workers_shard_and_interleave_as_pytorch(self):
        assert [b.tolist() for b in DataLoader(_Sharded(3, 10), num_workers=2)] == \
            [[3], [7], [4], [8], [5], [9], [6]]
        assert [b.tolist() for b in DataLoader(_Sharded(3, 10), batch_size=2, num_workers=2)] == \
            [[3, 4], [7, 8], [5, 6], [9]]
        assert [int(b) for b in DataLoader(_Sharded(3, 8), batch_size=None, num_workers=3)] == [3, 5, 7, 4, 6]

    def test_an_unsharded_stream_is_repeated_by_every_worker(self):
        assert sorted(b.item() for b in DataLoader(_Stream(3), num_workers=2)) == [0, 0, 1, 1, 2, 2]

    def test_persistent_workers_restart_the_stream_each_epoch_and_init_fn_sees_the_copy(self):
        loader = DataLoader(_Sharded(0, 100), batch_size=2, num_workers=2, persistent_workers=True,
                            worker_init_fn=_shard_init)
        assert [b.tolist() for b in loader] == [[0], [11]]  # each copy re-sharded after init
        assert [b.tolist() for b in loader] == [[0], [11]]

    def test_an_error_in_a_worker_is_raised_in_the_main_process(self):
        class Broken(tl.data.IterableDataset):
            def __iter__(self):
                yield 1
                raise KeyError("boom")

        with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process"):
            list(DataLoader(Broken(), num_workers=1))



class _Fresh(tl.data.Dataset):
    """Makes its samples with a factory (no device given) inside the worker."""

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return tl.full((2,), float(index))


@pytest.mark.backend_pair
@pytest.mark.parametrize("dataset", [_Fresh(), _Sharded(0, 4)])
def test_workers_load_on_the_cpu_under_an_opencl_default_device(opencl, dataset):
    """The parent's live OpenCL runtime is not usable in a forked worker: the workers' factories
    must not default to it (they used to hang there)."""
    assert (tl.ones(2, device=opencl) * 2).sum().item() == 4.0
    tl.set_default_device(opencl)
    try:
        batches = list(DataLoader(dataset, batch_size=2, num_workers=1, timeout=60))
    finally:
        tl.set_default_device(None)
    assert len(batches) == 2 and all(b.device.type == "cpu" for b in batches)
# -- TensorDataset batches gathered straight from the arrays (rows_at) --------------------------
@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 30), batch_size=st.integers(1, 8), seed=st.integers(0, 2**31),
       columns=st.integers(1, 3), dtype=st.sampled_from([tl.float32, tl.float64, tl.int64, tl.bool]))
def test_tensor_dataset_batches_equal_indexing_batches(n, batch_size, seed, columns, dtype):
    """The fast gather gives the batches (values, dtypes, shapes, order) that indexing each tensor
    with the batch's index tensor gives, and draws the same shuffle from the generator."""
    x = (tl.arange(n * columns).reshape(n, columns) % 3).to(dtype)
    y = tl.arange(n) * 10
    ds = TensorDataset(x, y)

    def loader():
        return DataLoader(ds, batch_size=batch_size, shuffle=True, generator=tl.Generator().manual_seed(seed))
    fast = [(xb, yb) for xb, yb in loader()]
    by_index = [tuple(t[tl.tensor(b)] for t in (x, y)) for b in loader().batch_sampler]
    assert len(fast) == len(by_index)
    for (xb, yb), (xi, yi) in zip(fast, by_index):
        assert (xb.dtype, yb.dtype, xb.shape, yb.shape) == (xi.dtype, yi.dtype, xi.shape, yi.shape)
        assert xb.tolist() == xi.tolist() and yb.tolist() == yi.tolist()
        assert not xb.requires_grad and xb.is_contiguous()


def test_rows_at_keeps_autograd_and_indexing_errors():
    from tensorlite.ops.indexing import rows_at
    w = tl.arange(6.0).reshape(3, 2).requires_grad_()
    (rows,) = rows_at((w,), [2, 2, -3])
    assert rows.requires_grad  # through indexing: repeated rows accumulate their gradient
    rows.sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]
    x = tl.arange(3, device="cpu")  # on the CPU: an OpenCL range error is reported at a sync
    with pytest.raises(IndexError, match="out of bounds") as fast:
        rows_at((x,), [0, 3])
    with pytest.raises(IndexError) as indexed:
        x[tl.tensor([0, 3], device="cpu")]
    assert str(fast.value) == str(indexed.value)


def test_cpu_tensor_dataset_batches_skip_indexing(monkeypatch, cpu_default_device):
    import tensorlite.ops.indexing as indexing

    def refuse(*args):
        raise AssertionError("a CPU batch went through per-op indexing")
    monkeypatch.setattr(indexing, "getitem", refuse)
    ds = TensorDataset(tl.arange(10.0).reshape(5, 2), tl.arange(5))
    assert [y.tolist() for _, y in DataLoader(ds, batch_size=2)] == [[0, 1], [2, 3], [4]]
