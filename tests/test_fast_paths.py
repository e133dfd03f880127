"""Primitives and fused paths against the compositions they replace (DESIGN: the generic
composition stays the reference)."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite import nn, optim
from tensorlite.backends.numpy_backend import NumpyBackend
from tensorlite.ops.conv import max_pool2d_reference
from tensorlite.testing.strategies import tensors


@given(tensors(shape=(2, 3, 6, 5)), st.sampled_from([dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                                      dict(kernel_size=2, stride=1, dilation=2),
                                                      dict(kernel_size=3, stride=2, ceil_mode=True)]))
def test_max_pool_primitive_matches_the_composition(x, kwargs):
    a = x.clone().requires_grad_()
    b = x.clone().requires_grad_()
    upstream = tl.randn(F.max_pool2d(x, **kwargs).shape, dtype=tl.float64)
    out_a, out_b = F.max_pool2d(a, **kwargs), max_pool2d_reference(b, **kwargs)
    assert out_a.tolist() == out_b.tolist()
    (out_a * upstream).sum().backward()
    (out_b * upstream).sum().backward()
    # the same element of each window gets the gradient (overlapping windows sum in another order)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=0, atol=1e-12)


def test_max_pool_indices_follow_pytorch_on_ties_and_nan():
    x = tl.tensor([[[[1.0, 5.0, math.nan, 0.0], [5.0, 2.0, 3.0, math.nan]]]])
    values, indices = F.max_pool2d(x, 2, return_indices=True)
    assert values[0, 0, 0, 0].item() == 5.0 and math.isnan(values[0, 0, 0, 1].item())
    assert indices.flatten().tolist() == [1, 7]  # first of tied maxima; the last NaN


def test_fused_adam_matches_the_composed_update(monkeypatch):
    def run():
        tl.manual_seed(0)
        model = nn.Linear(4, 3).double()
        opt = optim.AdamW(model.parameters(), lr=0.05, amsgrad=True)
        x = tl.randn(8, 4, dtype=tl.float64)
        for _ in range(4):
            opt.zero_grad()
            (model(x) ** 2).mean().backward()
            opt.step()
        return [p.tolist() for p in model.parameters()]
    fused = run()
    monkeypatch.setattr(NumpyBackend, "adam_step", None)
    composed = run()
    for f, c in zip(fused, composed):
        np.testing.assert_allclose(f, c, rtol=1e-12, atol=1e-15)


def test_bincount_scatter_add_matches_repeated_adds():
    index = tl.tensor([[0, 0, 2], [1, 1, 1]])
    src = tl.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert tl.zeros(2, 3).scatter_add(1, index, src).tolist() == [[3.0, 0.0, 3.0], [0.0, 15.0, 0.0]]
    assert tl.zeros(3, 3).scatter_add(0, tl.tensor([[2, 2, 0]]), tl.tensor([[1.0, 1.0, 1.0]])).tolist() == \
        [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 1.0, 0.0]]
    with pytest.raises(RuntimeError):
        tl.zeros(2).scatter_add(0, tl.tensor([0.5]), tl.ones(1))


@given(st.sampled_from([np.float16, np.float32, np.float64]),
       st.sampled_from([((5, 7), (5, 7)), ((5, 1), (5, 7)), ((5, 7), (7,)), ((), ()), ((3,), ())]),
       st.sampled_from([0, 0.0, -0.0, "array"]), st.integers(0, 2 ** 32 - 1))
def test_where_with_a_zero_matches_numpy_bit_for_bit(dtype, shapes, zero, seed):
    """where(mask, a, +0.0) (relu's backward) takes the branch-free path: np.where's bits,
    nan, inf and -0.0 in a included, for any mask, broadcast shapes and 0-dim operands."""
    rng = np.random.default_rng(seed)
    condition = rng.random(shapes[0]) > 0.5
    a = np.asarray(rng.choice(np.array([1.5, -2.0, 0.0, -0.0, np.nan, np.inf, -np.inf, 3e-8], dtype),
                              shapes[1]))
    b = np.zeros((), dtype) if zero == "array" else zero
    got = NumpyBackend().where(condition, a, b)
    want = np.where(condition, a, b)
    assert type(got) is np.ndarray and got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()
