"""In-place methods, and the backend contract (every abstract primitive implemented)."""
import inspect

import numpy as np

import pytest

import tensorlite as tl
from tensorlite.backends import Backend, NumpyBackend


class TestInPlaceMethods:
    def test_fill_zero_copy_clamp(self):
        x = tl.zeros(3)
        assert x.fill_(2.5).tolist() == [2.5] * 3 and x._version == 1
        assert x.zero_().tolist() == [0.0] * 3
        x.copy_(tl.tensor([1, 2, 3]))
        assert x.tolist() == [1.0, 2.0, 3.0] and x.dtype is tl.float32
        x.copy_(tl.tensor(7.0))
        assert x.tolist() == [7.0] * 3
        assert tl.tensor([-2.0, 0.5, 3.0]).clamp_(-1, 1).tolist() == [-1.0, 0.5, 1.0]

    def test_arithmetic_inplace_and_alpha(self):
        x = tl.ones(2)
        x.add_(tl.tensor([1.0, 2.0]), alpha=2).sub_(1).mul_(3).div_(2)
        assert x.tolist() == [3.0, 6.0]
        with pytest.raises(RuntimeError, match="can't be cast"):
            tl.tensor([1, 2]).div_(2)

    def test_inplace_differentiable_on_non_leaf(self):
        x = tl.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        y.exp_()
        y.sum().backward()
        assert x.grad.tolist() == pytest.approx([2.718281828, 7.389056099], rel=1e-6)

    def test_fill_with_grad_requiring_value(self):
        v = tl.tensor(3.0, requires_grad=True)
        y = tl.zeros(4)
        y.fill_(v)
        y.sum().backward()
        assert v.grad.item() == 4.0

    def test_copy_into_non_leaf_cuts_old_graph(self):
        x = tl.tensor([1.0, 2.0], requires_grad=True)
        src = tl.tensor([5.0, 6.0], requires_grad=True)
        y = x * 2
        y.copy_(src)
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0] and src.grad.tolist() == [1.0, 1.0]


class TestBackendContract:
    def test_numpy_backend_implements_every_primitive(self):
        abstract = {name for name, member in inspect.getmembers(Backend)
                    if getattr(member, "__isabstractmethod__", False)}
        assert abstract, "the contract lists its primitives as abstract methods"
        assert not abstract - set(vars(NumpyBackend)), abstract - set(vars(NumpyBackend))
        NumpyBackend()  # instantiable: nothing left abstract

    def test_random_stream_is_a_function_of_seed_and_offset(self):
        backend = NumpyBackend()
        a = backend.random("normal", (5,), tl.float32, seed=3, offset=7)
        b = backend.random("normal", (5,), tl.float32, seed=3, offset=7)
        c = backend.random("normal", (5,), tl.float32, seed=3, offset=8)
        assert a.tolist() == b.tolist() and a.tolist() != c.tolist()

    def test_unknown_device(self):
        with pytest.raises(RuntimeError, match="Expected one of cpu, opencl"):
            tl.device("tpu")


def test_where_fast_path_keeps_where_semantics():
    backend = NumpyBackend()
    a = np.tile(np.array([-2.0, 3.0, -0.0, 1.5], dtype=np.float32), 4096)  # large: the fast path
    mask = np.tile(np.array([False, True, True, False]), 4096)
    out = backend.where(mask, a, np.array(0, np.float32))
    assert out[:4].tolist() == [0.0, 3.0, 0.0, 0.0] and not np.signbit(out[0])
    assert (out == np.where(mask, a, np.float32(0))).all()
    with_inf = backend.where(mask, np.tile(np.array([np.inf, 1.0, np.nan, 2.0]), 4096), 0.0)
    assert with_inf[0] == 0.0 and np.isnan(with_inf[2])  # unselected inf gives 0, not nan
