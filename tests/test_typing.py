"""Type hints: tensor.py declares exactly the methods _methods.py attaches (so mypy sees
``x.sum().relu()`` as a Tensor and flags ``x.unknown()``), _table_functions.pyi the functions
__init__.py binds at run time (``tl.exp``); the typed usage file runs.

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


def test_module_functions_bound_at_run_time_are_declared(monkeypatch):
    """tl.exp, tl.sum, ...: bound by globals().update of the op tables, declared in a stub."""
    tool = _tool()
    init = (ROOT / "tensorlite" / "__init__.py").read_text()
    stub = (ROOT / "tensorlite" / "_table_functions.pyi").read_text()
    assert stub == tool.render_functions(tl, init), "run python tools/tensor_methods.py --write"
    assert {"exp", "sum", "relu", "add", "sigmoid"} <= set(tool.dynamic_functions(tl, init))
    assert "def sum(input: Tensor, dim: Any = ..., keepdim: builtins.bool = ..., *, dtype: Any = ...) -> Tensor" in stub
    monkeypatch.setattr(tl, "brand_new_op", lambda input: input, raising=False)
    assert "def brand_new_op(input: Any) -> Tensor: ..." in tool.render_functions(tl, init)


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
