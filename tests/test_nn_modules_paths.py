"""tensorlite.nn.modules mirrors torch.nn.modules: programs import layers, bases and helpers from
its submodules and test isinstance against its private bases."""
import importlib

import pytest

import tensorlite as tl
from tensorlite import nn


@pytest.mark.parametrize("path, name, same_as", [
    ("module", "Module", nn.Module), ("linear", "Linear", nn.Linear), ("linear", "LazyLinear", nn.LazyLinear),
    ("conv", "Conv2d", nn.Conv2d), ("conv", "LazyConv1d", nn.LazyConv1d), ("batchnorm", "BatchNorm1d", nn.BatchNorm1d),
    ("rnn", "LSTM", nn.LSTM), ("rnn", "RNNBase", None), ("loss", "CrossEntropyLoss", nn.CrossEntropyLoss),
    ("loss", "_Loss", None), ("loss", "_WeightedLoss", None), ("activation", "ReLU", nn.ReLU),
    ("container", "Sequential", nn.Sequential), ("sparse", "Embedding", nn.Embedding),
    ("dropout", "Dropout", nn.Dropout), ("pooling", "MaxPool2d", nn.MaxPool2d), ("lazy", "LazyModuleMixin", None),
    ("normalization", "LayerNorm", nn.LayerNorm), ("transformer", "TransformerEncoderLayer", nn.TransformerEncoderLayer),
])
def test_submodule_paths_hold_the_same_classes(path, name, same_as):
    module = importlib.import_module(f"tensorlite.nn.modules.{path}")
    assert getattr(module, name) is (same_as or getattr(module, name))
    assert getattr(nn.modules, name, getattr(module, name)) is getattr(module, name)


def test_private_bases_answer_isinstance_as_in_pytorch_init_code():
    assert isinstance(nn.BatchNorm2d(3), nn.modules.batchnorm._BatchNorm)
    assert isinstance(nn.ConvTranspose2d(2, 2, 1), nn.modules.conv._ConvNd)
    assert isinstance(nn.CrossEntropyLoss(), nn.modules.loss._WeightedLoss)
    assert isinstance(nn.GRU(2, 2), nn.modules.rnn.RNNBase)


def test_tuple_helpers_repeat_ints_and_keep_sequences():
    from tensorlite.nn.modules.utils import _pair, _quadruple, _single, _triple
    assert _single(2) == (2,) and _pair(3) == (3, 3) and _triple((1, 2, 3)) == (1, 2, 3)
    assert _quadruple(0) == (0, 0, 0, 0) and _pair([4, 5]) == (4, 5)
    assert "Module" not in nn.modules.loss.__all__ and "MSELoss" in nn.modules.loss.__all__
    assert tl.nn.modules.Linear is nn.Linear
