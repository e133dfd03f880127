"""``Tensor.data`` as in PyTorch: a detached alias of the storage with its own version counter,
and the ``t.data = other`` setter (checked against PyTorch 2.13)."""
# rename_data: public .data  (this file tests the public attribute: rename_data.py leaves it)
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite import nn
from tensorlite.testing import tensors


class TestAlias:
    def test_shares_storage_and_is_cut_from_the_graph(self):
        p = tl.ones(3, requires_grad=True)
        d = p.data
        assert type(d) is tl.Tensor and not d.requires_grad and d.is_leaf and d.grad_fn is None
        d.add_(1)
        assert p.tolist() == [2.0, 2.0, 2.0] and p.requires_grad

    def test_own_version_counter_unlike_detach(self):
        p = tl.ones(3, requires_grad=True)
        d = p.data
        d.mul_(2)
        assert d._version == 1 and p._version == 0  # torch: 1 0
        p.detach().mul_(2)
        assert p._version == 1

    def test_writes_through_data_are_invisible_to_autograd(self):
        # torch: y.data.mul_(2) passes backward (x.grad [4, 4, 4]), y.detach().mul_(2) raises
        x = tl.ones(3, requires_grad=True)
        y = x * 1
        z = y * y
        y.data.mul_(2)
        z.sum().backward()
        assert x.grad.tolist() == [4.0, 4.0, 4.0]
        x = tl.ones(3, requires_grad=True)
        y = x * 1
        z = y * y
        y.detach().mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()

    def test_saved_tensor_changed_through_data_is_used_as_is(self):
        w = tl.ones(3, requires_grad=True)
        out = (w * w).sum()
        w.data.mul_(2)
        out.backward()
        assert w.grad.tolist() == [4.0, 4.0, 4.0]  # torch: tensor([4., 4., 4.])

    def test_data_of_a_view_aliases_the_base(self):
        base = tl.zeros(4)
        base[1:3].data.fill_(5.0)
        assert base.tolist() == [0.0, 5.0, 5.0, 0.0]

    def test_numpy_clone_zero_copy(self):
        p = tl.tensor([1.0, 2.0], requires_grad=True)
        assert np.array_equal(p.data.numpy(), [1.0, 2.0])
        c = p.data.clone()
        c.add_(1)
        assert p.tolist() == [1.0, 2.0]
        p.data.copy_(tl.tensor([3.0, 4.0]))
        assert p.tolist() == [3.0, 4.0]
        p.data.zero_()
        assert p.tolist() == [0.0, 0.0] and p.requires_grad

    def test_parameter_data_is_a_plain_tensor(self):
        w = nn.Parameter(tl.ones(2))
        assert type(w.data) is tl.Tensor
        w.data.mul_(3)
        assert w.tolist() == [3.0, 3.0] and isinstance(w, nn.Parameter)


class TestManualSGD:
    """PyTorch's word_language_model update: ``p.data.add_(p.grad, alpha=-lr)``."""

    @pytest.mark.parametrize("update", ["add_alpha", "sub_scaled", "grad_data_zero"])
    def test_manual_update_trains_and_grads_reset(self, update):
        tl.manual_seed(0)
        model = nn.Linear(3, 1)
        x, y = tl.randn(16, 3), tl.randn(16, 1)
        losses, versions = [], [p._version for p in model.parameters()]
        for _ in range(20):
            loss = ((model(x) - y) ** 2).mean()
            losses.append(loss.item())
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                if update == "add_alpha":
                    p.data.add_(p.grad, alpha=-0.1)
                elif update == "sub_scaled":
                    p.data.sub_(0.1 * p.grad.data)
                else:
                    p.data.add_(-0.1 * p.grad.data)
                    p.grad.data.zero_()
                    assert p.grad.abs().sum().item() == 0.0
        assert losses[-1] < losses[0]
        assert [p._version for p in model.parameters()] == versions
        assert all(p.is_leaf and p.requires_grad for p in model.parameters())


class TestSetter:
    def test_other_shape_and_dtype(self):
        p = tl.ones(3, requires_grad=True)
        p.data = tl.zeros(2, 2)
        assert p.shape == (2, 2) and p.requires_grad and p.is_leaf  # torch: [2, 2] True True
        p.data = tl.zeros(2, dtype=tl.float64)
        assert p.dtype is tl.float64

    def test_shares_storage_with_the_assigned_tensor(self):
        t, p = tl.zeros(2), tl.ones(2)
        p.data = t
        t.add_(1)
        assert p.tolist() == [1.0, 1.0]

    def test_non_leaf_keeps_its_graph(self):
        x = tl.ones(3, requires_grad=True)
        y = x * 2
        node = y.grad_fn
        y.data = tl.zeros(3)
        assert y.grad_fn is node and y.tolist() == [0.0, 0.0, 0.0]

    def test_grad_is_kept(self):
        p = tl.ones(2, requires_grad=True)
        p.grad = tl.ones(2)
        p.data = tl.zeros(3)
        assert p.grad.tolist() == [1.0, 1.0]  # torch keeps it too

    def test_parameter_stays_a_parameter(self):
        w = nn.Parameter(tl.ones(2))
        w.data = tl.zeros(3)
        assert isinstance(w, nn.Parameter) and w.shape == (3,) and w.requires_grad

    def test_not_a_tensor_is_refused(self):
        p = tl.ones(2)
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            p.data = [1.0, 2.0]
        assert p.tolist() == [1.0, 1.0]

    def test_integer_data_for_a_tensor_that_requires_grad_is_refused(self):
        p = tl.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="must be floating point"):
            p.data = tl.zeros(2, dtype=tl.int64)
        assert p.dtype is tl.float32 and p.tolist() == [1.0, 1.0]
        q = tl.ones(2)
        q.data = tl.zeros(2, dtype=tl.int64)  # no grad: any dtype, as in torch
        assert q.dtype is tl.int64

    def test_other_device(self, opencl):
        p = tl.ones(2, device="cpu", requires_grad=True)
        p.data = tl.zeros(2, device=opencl)
        assert p.device == opencl and p.tolist() == [0.0, 0.0]
        (p * 2).sum().backward()
        assert p.grad.device == opencl and p.grad.tolist() == [2.0, 2.0]


_IN_PLACE = {
    "add_": lambda t, v: t.add_(v),
    "mul_": lambda t, v: t.mul_(v),
    "sub_alpha": lambda t, v: t.sub_(v, alpha=0.5),
    "copy_": lambda t, v: t.copy_(v),
    "clamp_": lambda t, v: t.clamp_(-1.0, 1.0),
    "fill_": lambda t, v: t.fill_(2.5),
}


@given(x=tensors(dtype=tl.float32), op=st.sampled_from(sorted(_IN_PLACE)), through_view=st.booleans())
def test_in_place_through_data_equals_the_op_and_leaves_versions(x, op, through_view):
    """Property: any in-place op through ``.data`` writes exactly what it writes on a plain copy,
    into the original's storage, without touching the original's version or graph fields."""
    p = x.clone().requires_grad_()
    other = x * 0.5 + 1.0
    expected = _IN_PLACE[op](x.clone(), other)
    target = p.data
    if through_view and x.ndim:
        target = p.data[:]  # a view of the alias still aliases p
    _IN_PLACE[op](target, other)
    assert np.array_equal(p.detach().numpy(), expected.numpy())
    assert p._version == 0 and p.requires_grad and p.is_leaf
