"""The fast paths the word LSTM LM step takes (benchmarks/lstm_lm_step.py) agree with the general
ones: a batched input times a shared 2-D weight as one flattened GEMM (values and the weight's
gradient), scatter-add with one index along the axis (gather's backward) as a direct add, into
the backward's own zeros, and the select-free sigmoid of the gates."""
import math

import numpy as np
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite.testing import tensors


@given(batch=st.lists(st.integers(1, 3), min_size=1, max_size=2), n=st.integers(1, 3), k=st.integers(1, 4),
       m=st.integers(1, 4), transpose_b=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_batched_times_shared_weight(batch, n, k, m, transpose_b, seed):
    """Property: (..., n, k) @ (k, m) (or @ w.T) and its gradients equal the per-item products
    summed, computed in float64 on the host."""
    rng = np.random.default_rng(seed)
    a_np = rng.standard_normal((*batch, n, k))
    w_np = rng.standard_normal((m, k) if transpose_b else (k, m))
    a = tl.tensor(a_np, requires_grad=True)
    w = tl.tensor(w_np, requires_grad=True)
    out = a @ (w.t() if transpose_b else w)
    weight = w_np.T if transpose_b else w_np
    np.testing.assert_allclose(out.detach().numpy(), a_np @ weight, rtol=1e-12, atol=1e-12)
    upstream = rng.standard_normal(out.shape)
    out.backward(tl.tensor(upstream))
    grad_weight = sum(a_np.reshape(-1, n, k)[i].T @ upstream.reshape(-1, n, m)[i]
                      for i in range(int(np.prod(batch))))
    np.testing.assert_allclose(w.grad.numpy(), grad_weight.T if transpose_b else grad_weight, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), upstream @ weight.T, rtol=1e-10, atol=1e-12)


@given(x=tensors(dtype=tl.float64, min_dims=1, max_dims=3), data=st.data())
def test_scatter_add_with_one_index_along_the_axis(x, data):
    """Property: scatter_add with index.shape[dim] == 1 equals np.add.at on the same positions."""
    dim = data.draw(st.integers(0, x.ndim - 1))
    shape = tuple(1 if d == dim else data.draw(st.integers(1, x.shape[d])) for d in range(x.ndim))
    index = np.array(data.draw(st.lists(st.integers(0, x.shape[dim] - 1), min_size=int(np.prod(shape)),
                                        max_size=int(np.prod(shape))))).reshape(shape)
    src = np.arange(1.0, 1.0 + index.size).reshape(shape)
    got = x.scatter_add(dim, tl.tensor(index, device=x.device), tl.tensor(src, device=x.device))
    expected = x.numpy().copy()
    coords = list(np.indices(shape, sparse=True))
    coords[dim] = index
    np.add.at(expected, tuple(coords), src)
    np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=0)


@given(st.lists(st.one_of(st.floats(-120.0, 120.0), st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan])),
                min_size=1, max_size=30),
       st.sampled_from([np.float32, np.float64]))
def test_sigmoid_equals_its_two_branch_formula_bit_for_bit(values, dtype):
    # the select-free form exp(min(x, 0)) / (1 + exp(-|x|)) must keep the values of
    # 1 / (1 + e) (x >= 0) and e / (1 + e) (x < 0), e = exp(-|x|)
    x = np.array(values, dtype=dtype)
    e = np.exp(-np.abs(x))
    with np.errstate(all="ignore"):
        expected = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(dtype)
    got = tl.from_numpy(x).sigmoid().numpy()
    np.testing.assert_array_equal(got, expected)


def test_gather_backwards_scatter_into_their_own_zeros():
    # each gather's backward writes into a fresh zeros buffer of its own: two gathers of one
    # input, and a second backward through the same graph, accumulate without sharing it
    x = tl.randn(4, 5, requires_grad=True)
    first, second = tl.tensor([[0], [2], [2], [4]]), tl.tensor([[1, 1], [2, 0], [3, 3], [4, 0]])
    loss = x.gather(1, first).sum() + 2 * x.gather(1, second).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    expected = np.zeros((4, 5))
    np.add.at(expected, (np.arange(4)[:, None], first.numpy()), 2.0)
    np.add.at(expected, (np.arange(4)[:, None], second.numpy()), 4.0)
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert not tl.zeros(4, 5).any()
