"""Datasets: MNIST-format IDX sets (MNIST, FashionMNIST), the bundled Digits, and synthetic sets.

MNIST-style sets load their four IDX files (gzip or raw) from ``root``; ``download=True`` fetches
missing files from ``mirror`` (an http(s) base URL) into ``root`` and verifies each file's MD5
against the official checksum (for FashionMNIST those of the Zalando release; Debian's package
recompresses the archives, so installed files are not checked).
"""
from __future__ import annotations

import hashlib
import math
import os
import urllib.error
import urllib.request

import numpy as np

from ..ops.creation import from_numpy, tensor
from .dataset import Dataset, TensorDataset
from .digits import load_digits
from .idx import read_idx

__all__ = ["MNIST", "FashionMNIST", "Digits", "boolean_function", "xor", "two_spirals",
           "noisy_regression", "DatasetNotFoundError"]


class DatasetNotFoundError(FileNotFoundError):
    """The data files are not where the dataset looked for them.

    Example:
    >>> try:
    ...     tl.data.MNIST(root="/nonexistent")
    ... except tl.data.DatasetNotFoundError:
    ...     print("not found")
    not found
    """


class MNIST(Dataset):
    """28x28 grayscale digits from IDX files; samples are (image, label).

    Images are uint8 tensors (28, 28) unless ``transform`` changes them; ``as_tensors()`` gives
    the whole split as (float32 (N, 784) in [0, 1], int64 (N,)) for fast training.

    Shapes: image (28, 28) uint8 (or what transform makes of it), label an int;
    ``as_tensors()``: (N, 784) and (N,).

    Example (a two-image test set written in the IDX format):
    >>> import os, tempfile
    >>> import numpy as np
    >>> root = tempfile.mkdtemp()
    >>> images, labels = np.zeros((2, 28, 28), np.uint8), np.array([7, 2], np.uint8)
    >>> tl.data.write_idx(os.path.join(root, "t10k-images-idx3-ubyte"), images)
    >>> tl.data.write_idx(os.path.join(root, "t10k-labels-idx1-ubyte"), labels)
    >>> mnist = tl.data.MNIST(root, train=False)
    >>> image, label = mnist[1]
    >>> len(mnist), image.shape, image.dtype, label
    (2, tensorlite.Size([28, 28]), tensorlite.uint8, 2)
    >>> [t.shape for t in mnist.as_tensors()]
    [tensorlite.Size([2, 784]), tensorlite.Size([2])]
    """

    files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    checksums = {"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                 "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
                 "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
                 "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
    default_root = os.path.expanduser("~/.cache/tensorlite/mnist")
    default_mirror = "https://ossci-datasets.s3.amazonaws.com/mnist/"
    install_hint = "download=True, or point root at a folder with the IDX files"
    manual_install = ("copy the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                      "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into {root}")

    def __init__(self, root: str | None = None, train: bool = True, transform=None,
                 target_transform=None, download: bool = False, mirror: str | None = None):
        self.root = os.fspath(root) if root is not None else self.default_root
        self.train, self.transform, self.target_transform = train, transform, target_transform
        names = self.files[train]
        if download:
            self.download(mirror or self.default_mirror)
        images, labels = (read_idx(self._find(name)) for name in names)
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise ValueError(f"{self.root}: images {images.shape} and labels {labels.shape} do not match")
        self.data = from_numpy(np.ascontiguousarray(images))
        self.targets = from_numpy(labels.astype(np.int64))

    def _find(self, name):
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.root, candidate)
            if os.path.exists(path):
                return path
        raise DatasetNotFoundError(f"{type(self).__name__}: {name}(.gz) not found in {self.root} "
                                   f"({self.install_hint})")

    def download(self, mirror: str) -> None:
        """Fetch missing .gz files from ``mirror`` and check their MD5 checksums."""
        os.makedirs(self.root, exist_ok=True)
        for filename, expected in self.checksums.items():
            path = os.path.join(self.root, filename)
            if os.path.exists(path) or os.path.exists(path[:-3]):
                continue
            url = mirror.rstrip("/") + "/" + filename
            payload = self._fetch(url, filename)
            actual = hashlib.md5(payload).hexdigest()
            if actual != expected:
                raise ValueError(f"{filename} from {url}: MD5 {actual} does not match the expected "
                                 f"{expected}; the file was not saved")
            temporary = path + ".part"
            with open(temporary, "wb") as f:
                f.write(payload)
            os.replace(temporary, path)

    def _fetch(self, url: str, filename: str) -> bytes:
        """The file at url; offline (no route, no name resolution, a timeout, an HTTP error) a
        DatasetNotFoundError that says how to install the files by hand."""
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                return response.read()
        except (urllib.error.URLError, OSError) as error:  # URLError, HTTPError, socket timeouts
            reason = getattr(error, "reason", None) or error
            raise DatasetNotFoundError(
                f"{type(self).__name__}: could not download {filename} from {url} ({reason}). Without a "
                f"network, install the files by hand: {self.manual_install.format(root=self.root)}") from None

    def __len__(self) -> int:
        return self.targets.shape[0]

    def __getitem__(self, index):
        image, label = self.data[index], int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def as_tensors(self, flatten: bool = True):
        """(images float32 in [0, 1], flattened to (N, 784) unless flatten=False; labels int64)."""
        images = self.data.float() / 255.0
        return (images.reshape(len(self), -1) if flatten else images.unsqueeze(1)), self.targets

    def as_dataset(self, flatten: bool = True) -> TensorDataset:
        return TensorDataset(*self.as_tensors(flatten))


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (same format as MNIST). Default root: Debian's
    /usr/share/datasets/fashion-mnist (``apt-get install dataset-fashion-mnist``).

    Shapes: as MNIST.

    Example:
    >>> try:
    ...     tl.data.FashionMNIST(root="/nonexistent")
    ... except tl.data.DatasetNotFoundError as error:
    ...     print(str(error).split(" not found")[0])
    FashionMNIST: train-images-idx3-ubyte(.gz)
    """

    checksums = {"train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                 "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
                 "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
                 "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310"}
    default_root = "/usr/share/datasets/fashion-mnist"
    default_mirror = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"
    install_hint = "apt-get install dataset-fashion-mnist, or download=True with root= a writable folder"
    manual_install = ("apt-get install dataset-fashion-mnist (Debian's package: FashionMNIST() reads "
                      "/usr/share/datasets/fashion-mnist by default), or copy the four IDX files "
                      "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                      "t10k-labels-idx1-ubyte.gz) into {root}")
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
               "Bag", "Ankle boot"]


class Digits(TensorDataset):
    """The bundled 8x8 UCI digits: an 80/20 train/test split fixed by ``seed``.

    Samples are (float32 (64,) in [0, 1], int64 label).

    Shapes: image (64,) float32, label int64 (); 1797 samples split into train and test.

    Example:
    >>> train, test = tl.data.Digits(train=True), tl.data.Digits(train=False)
    >>> len(train) + len(test)
    1797
    >>> image, label = train[0]
    >>> image.shape, image.dtype, label.dtype
    (tensorlite.Size([64]), tensorlite.float32, tensorlite.int64)
    """

    def __init__(self, train: bool = True, seed: int = 0, test_fraction: float = 0.2):
        images, labels = load_digits()
        order = np.random.default_rng(seed).permutation(len(labels))
        cut = int(round(len(labels) * (1 - test_fraction)))
        chosen = tensor(order[:cut] if train else order[cut:])
        super().__init__(images[chosen], labels[chosen])


def boolean_function(seed: int = 0, test_fraction: float = 0.2):
    """The 14-input, four-class boolean task: every x in {-1, 1}^14 (16384 vectors), split 80/20.

    The class is 2 * [x0 * x1 * x2 > 0] + [x3 + ... + x13 > 0] (a 3-bit parity and an 11-input
    majority). The seed documents' own function is not available here; this stand-in has the
    same input space, size and class count, and is documented as such.
    Returns (train, test) TensorDatasets of float32 inputs and int64 labels.

    Shapes: two TensorDatasets (train, test) of inputs (14,) float32 and labels () int64.

    Example:
    >>> train, test = tl.data.boolean_function()
    >>> len(train), len(test)
    (13107, 3277)
    >>> [t.shape for t in train.tensors]
    [tensorlite.Size([13107, 14]), tensorlite.Size([13107])]
    """
    bits = ((np.arange(1 << 14)[:, None] >> np.arange(14)) & 1).astype(np.float32) * 2 - 1
    labels = 2 * (bits[:, :3].prod(1) > 0) + (bits[:, 3:].sum(1) > 0)
    return _split(bits, labels.astype(np.int64), seed, test_fraction)


def xor(n: int = 400, noise: float = 0.1, seed: int = 0):
    """Points around the four corners of the unit square; label = XOR of the corner's bits.

    Shapes: a TensorDataset of inputs (n, 2) float32 and labels (n,) int64.

    Example:
    >>> data = tl.data.xor(n=8)
    >>> [t.shape for t in data.tensors]
    [tensorlite.Size([8, 2]), tensorlite.Size([8])]
    """
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, (n, 2))
    points = corners + rng.normal(0, noise, (n, 2))
    return TensorDataset(tensor(points.astype(np.float32)), tensor((corners[:, 0] ^ corners[:, 1]).astype(np.int64)))


def two_spirals(n: int = 400, noise: float = 0.2, seed: int = 0):
    """Two interleaved spirals (n points each side of ~1.5 turns), labels 0 and 1.

    Shapes: a TensorDataset of inputs (2 n, 2) float32 and labels (2 n,) int64.

    Example:
    >>> x, y = tl.data.two_spirals(n=50).tensors
    >>> x.shape, y.shape, y.sum().item()
    (tensorlite.Size([100, 2]), tensorlite.Size([100]), 50)
    """
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(n)) * 3 * math.pi
    arms = []
    for label, sign in ((0, 1), (1, -1)):
        x = sign * t * np.cos(t) + rng.normal(0, noise, n)
        y = sign * t * np.sin(t) + rng.normal(0, noise, n)
        arms.append((np.stack([x, y], 1) / (3 * math.pi), np.full(n, label)))
    points = np.concatenate([a[0] for a in arms]).astype(np.float32)
    labels = np.concatenate([a[1] for a in arms]).astype(np.int64)
    return TensorDataset(tensor(points), tensor(labels))


def noisy_regression(n: int = 256, noise: float = 0.1, seed: int = 0):
    """y = sin(3x) + 0.5 x + noise for x uniform on [-1, 1]; inputs (n, 1), targets (n, 1).

    Shapes: a TensorDataset of inputs (n, 1) and targets (n, 1), float32.

    Example:
    >>> x, y = tl.data.noisy_regression(n=16).tensors
    >>> x.shape, y.shape
    (tensorlite.Size([16, 1]), tensorlite.Size([16, 1]))
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 1))
    y = np.sin(3 * x) + 0.5 * x + rng.normal(0, noise, (n, 1))
    return TensorDataset(tensor(x.astype(np.float32)), tensor(y.astype(np.float32)))


def _split(inputs, labels, seed, test_fraction):
    order = np.random.default_rng(seed).permutation(len(labels))
    cut = int(round(len(labels) * (1 - test_fraction)))
    train, test = order[:cut], order[cut:]
    return (TensorDataset(tensor(inputs[train]), tensor(labels[train])),
            TensorDataset(tensor(inputs[test]), tensor(labels[test])))


