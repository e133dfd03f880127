"""Type hints: tensor.py declares exactly the methods _methods.py attaches (so mypy sees
``x.sum().relu()`` as a Tensor and flags ``x.unknown()``); the typed usage file runs.

mypy itself runs in .ci/typecheck (tests/typing/check.py), not here.
"""
import importlib.util
import runpy
from pathlib import Path

import pytest

import tensorlite as tl
from tensorlite.tensor import Tensor

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("tensor_methods", ROOT / "tools" / "tensor_methods.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_declarations_match_the_runtime_attachment():
    tool = _tool()
    source = (ROOT / "tensorlite" / "tensor.py").read_text()
    assert tool.current_block(source) == tool.render(Tensor, source), \
        "tensor.py's method declarations are stale: run python tools/tensor_methods.py --write"


def test_a_newly_attached_method_makes_them_stale(monkeypatch):
    tool = _tool()
    source = (ROOT / "tensorlite" / "tensor.py").read_text()

    def brand_new(self, dim: int = 0, *, keepdim: bool = False) -> Tensor:
        return self
    monkeypatch.setattr(Tensor, "brand_new", brand_new, raising=False)
    block = tool.render(Tensor, source)
    assert block != tool.current_block(source)
    assert "def brand_new(self, dim: builtins.int = ..., *, keepdim: builtins.bool = ...) -> Tensor: ..." in block


def test_every_attached_method_is_declared_once():
    tool = _tool()
    source = (ROOT / "tensorlite" / "tensor.py").read_text()
    attached = tool.attached(Tensor, source)
    assert {"sum", "relu", "__add__", "__matmul__", "reshape", "backward", "to", "T", "softmax"} <= set(attached)
    assert not set(attached) & tool.class_body_names(source)
    block = tool.current_block(source)
    for name in attached:
        assert block.count(f" def {name}(") == 1, name


@pytest.mark.backend_pair  # plain code: once is enough
def test_typed_usage_file_runs():
    usage = runpy.run_path(str(ROOT / "tests" / "typing" / "usage.py"))
    loss = usage["train_steps"](steps=2)
    assert loss > 0 and set(usage["train_with_fit"]()) == {"loss", "accuracy"}
    assert isinstance(usage["normalised"](tl.randn(4, 3)), Tensor)
