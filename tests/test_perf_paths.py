"""Fast paths added for the GPT training step (benchmarks/gpt_step.py) keep the reference
results: a matrix shared by every batch of a matmul (a linear layer on (N, T, C) input) is one
product over folded rows, forward and backward."""
import numpy as np
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite.ops.linalg import MatMul
from tensorlite.testing import check_backward, check_double_backward
from tensorlite.testing.strategies import tensors


@st.composite
def shared_matrix_cases(draw):
    batch = draw(st.sampled_from([(3,), (2, 3), (2, 0), (1, 2, 2)]))
    n, k, m = (draw(st.integers(0, 4)) for _ in range(3))
    transpose_b = draw(st.booleans())
    seed = draw(st.integers(0, 2 ** 16))
    gen = tl.Generator().manual_seed(seed)
    a = tl.randn(*batch, n, k, dtype=tl.float64, generator=gen)
    b = tl.randn(*((m, k) if transpose_b else (k, m)), dtype=tl.float64, generator=gen)
    return a, b, transpose_b


@given(shared_matrix_cases())
def test_shared_matrix_matmul_matches_numpy_and_its_gradients(case):
    a, b, transpose_b = case
    b_np = b.numpy().T if transpose_b else b.numpy()
    out = MatMul.apply(a, b, False, transpose_b)
    np.testing.assert_allclose(out.numpy(), np.matmul(a.numpy(), b_np), rtol=1e-12, atol=1e-12)
    a.requires_grad_(), b.requires_grad_()
    upstream = tl.randn(out.shape, dtype=tl.float64)
    (out := MatMul.apply(a, b, False, transpose_b)).backward(upstream)
    g = upstream.numpy()
    a_np = a.detach().numpy()
    batches = int(np.prod(a_np.shape[:-2]))
    expected_b = np.einsum("bnk,bnm->km", a_np.reshape(batches, *a_np.shape[-2:]),
                           g.reshape(batches, *g.shape[-2:]))
    np.testing.assert_allclose(b.grad.numpy(), expected_b.T if transpose_b else expected_b, rtol=1e-12,
                               atol=1e-12)
    assert tuple(a.grad.shape) == tuple(a.shape)


@given(shared_matrix_cases())
def test_shared_matrix_matmul_gradients_in_float64(case):
    a, b, transpose_b = case
    check_backward(lambda a, b: MatMul.apply(a, b, False, transpose_b), a, b)
    check_double_backward(lambda a, b: MatMul.apply(a, b, False, transpose_b), a, b)


def test_linear_weight_gradient_on_transposed_input():
    x = tl.randn(4, 3, 5, dtype=tl.float64).transpose(0, 1)  # non-contiguous (3, 4, 5)
    w = tl.randn(2, 5, dtype=tl.float64, requires_grad=True)
    tl.nn.functional.linear(x, w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.broadcast_to(x.numpy().sum((0, 1)), (2, 5)), rtol=1e-12)


def test_gelu_reuses_its_forward_cdf_and_keeps_second_derivatives():
    import math
    x = tl.randn(50, dtype=tl.float64, requires_grad=True)
    (grad,) = tl.autograd.grad(tl.nn.functional.gelu(x).sum(), x)
    exact = [0.5 * (1 + math.erf(v / math.sqrt(2))) + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi)
             for v in x.tolist()]
    np.testing.assert_allclose(grad.numpy(), exact, rtol=1e-13, atol=1e-15)
    # the second derivative is d/dx (Phi + x phi) = 2 phi - x^2 phi: Phi must not be a constant there
    (grad,) = tl.autograd.grad(tl.nn.functional.gelu(x).sum(), x, create_graph=True)
    (second,) = tl.autograd.grad(grad.sum(), x)
    phi = [math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in x.tolist()]
    np.testing.assert_allclose(second.numpy(), [(2 - v * v) * p for v, p in zip(x.tolist(), phi)], rtol=1e-12,
                               atol=1e-15)
    check_double_backward(tl.nn.functional.gelu, x.detach())


def test_gelu_input_modified_in_place_before_backward_raises():
    import pytest
    x = tl.randn(4, requires_grad=True)
    y = x * 1.0
    out = tl.nn.functional.gelu(y)
    with tl.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def _composed_gelu(x):
    return 0.5 * x * (1.0 + tl.erf(x * (1.0 / np.sqrt(2.0))))


@given(tensors(dtype=tl.float32, low=-6.0, high=6.0), st.sampled_from([tl.float32, tl.float64]))
def test_gelu_lean_forward_and_first_order_backward_equal_the_composition(x, dtype):
    x = x.to(dtype)
    upstream = tl.randn(x.shape, dtype=dtype, generator=tl.Generator().manual_seed(1))
    leaf, ref_leaf = x.clone().requires_grad_(), x.clone().requires_grad_()
    out, ref = tl.nn.functional.gelu(leaf), _composed_gelu(ref_leaf)
    (grad,), (ref_grad,) = tl.autograd.grad(out, leaf, upstream), tl.autograd.grad(ref, ref_leaf, upstream)
    rtol, atol = (2e-6, 1e-6) if dtype is tl.float32 else (1e-13, 1e-15)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(grad.numpy(), ref_grad.numpy(), rtol=rtol, atol=atol)


@st.composite
def softmax_cases(draw):
    dtype = draw(st.sampled_from([tl.float16, tl.float32, tl.float64]))
    x = draw(tensors(dtype=dtype, min_dims=1, max_dims=3, max_side=5, low=-50.0, high=50.0, device="cpu")).numpy().copy()
    if draw(st.booleans()):  # rows with nan, +-inf, or all -inf
        special = draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf]), min_size=1, max_size=x.size))
        x.flat[:len(special)] = special
    if draw(st.booleans()):  # a long last axis takes NumPy's reduction instead of the tree
        x = np.concatenate([x] * 30, axis=-1)
    return x, draw(st.integers(0, x.ndim - 1))


@given(softmax_cases(), st.booleans(), st.booleans())
def test_numpy_softmax_and_logsumexp_equal_the_compositions(case, log, keepdim):
    # the NumPy backend's one-temporary softmax and logsumexp (tree max along a short last axis)
    from tensorlite.backends.numpy_backend import NumpyBackend
    from tensorlite.ops.reduce import _composed_logsumexp, _composed_softmax
    x, axis = case
    backend = NumpyBackend()
    wide = x.astype(np.float32) if x.dtype == np.float16 else x  # half: float32, rounded once
    # the last-axis path sums each row as a GEMV, the composition pairwise: the order of the
    # additions differs, so a few ulps (of the value, or of log(sum) for log_softmax) apart
    tolerance = 8 * np.finfo(x.dtype).eps
    expected = _composed_softmax(backend, wide, axis, log).astype(x.dtype)
    got = backend.softmax(x, axis, log)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=8 * tolerance)
    got = backend.logsumexp(x, axis, keepdim)
    expected = _composed_logsumexp(backend, wide, (axis,), keepdim).astype(x.dtype)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=8 * tolerance)


def test_half_softmax_is_the_float32_result_rounded_once():
    # x.exp() etc. in float16 gave 0.10645 (1 ulp low) for the second row; float32 rounded once
    # is the correctly rounded 0.10651 (PyTorch 2.13's CPU kernel gives 0.10657, 1 ulp high)
    x = tl.tensor([[3., 1.], [1., 1.], [1., 1.]], dtype=tl.float16, device="cpu")  # OpenCL: no half
    exact = np.exp(np.array([2., 0., 0.])) / np.exp(np.array([2., 0., 0.])).sum()
    assert tl.softmax(x, 0)[:, 0].tolist() == exact.astype(np.float16).tolist()
    from tensorlite.backends.numpy_backend import NumpyBackend
    assert NumpyBackend().softmax(x.numpy(), 0, False)[:, 0].tolist() == exact.astype(np.float16).tolist()


def test_in_place_writes_walk_the_stack_only_when_they_invalidate_a_saved_tensor(monkeypatch):
    import sys
    import pytest
    tensor_module = sys.modules["tensorlite.tensor"]  # tl.tensor is the function
    walks = []
    real = tensor_module.user_call_site
    monkeypatch.setattr(tensor_module, "user_call_site", lambda: walks.append(1) or real())
    x = tl.ones(3, requires_grad=True)
    y = x * 1.0
    with tl.no_grad():
        y.add_(1.0)  # nothing saved y yet: no site needed
    assert walks == []
    out = y.exp()  # saves its output, not y
    z = y.sin()  # saves y
    with tl.no_grad():
        y.mul_(2.0)  # invalidates sin's saved input: its line is the one to report
        y.mul_(1.0)
    assert len(walks) == 1
    out.sum().backward()  # exp's saved output was not written
    with pytest.raises(RuntimeError, match=r"modification happened at: .*test_perf_paths.py:\d+"):
        z.sum().backward()


def _composed_layer_norm(x, weight, bias, dims, eps):
    mean = x.mean(dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dims, keepdim=True)
    out = (x - mean) / (var + eps).sqrt()
    out = out * weight if weight is not None else out
    return out + bias if bias is not None else out


@given(tensors(dtype=tl.float64, min_dims=1, max_dims=3, low=-4.0, high=4.0), st.integers(1, 2),
       st.booleans(), st.booleans(), st.sampled_from([tl.float32, tl.float64]))
def test_layer_norm_lean_forward_and_first_order_backward_equal_the_composition(x, dims, affine, with_bias, dtype):
    x = x.to(dtype)
    dims = min(dims, x.ndim)
    shape = tuple(x.shape[x.ndim - dims:])
    gen = tl.Generator().manual_seed(2)
    weight = tl.randn(shape, dtype=dtype, generator=gen) if affine else None
    bias = tl.randn(shape, dtype=dtype, generator=gen) if with_bias else None
    upstream = tl.randn(x.shape, dtype=dtype, generator=gen)
    results = []
    for fn in (lambda *a: tl.nn.functional.layer_norm(a[0], shape, *a[1:], eps=1e-5),
               lambda *a: _composed_layer_norm(*a, tuple(range(x.ndim - dims, x.ndim)), 1e-5)):
        leaves = [t.clone().requires_grad_() if t is not None else None for t in (x, weight, bias)]
        out = fn(*leaves)
        grads = tl.autograd.grad(out, [t for t in leaves if t is not None], upstream)
        results.append([out.detach()] + list(grads))
    rtol, atol = (1e-4, 1e-5) if dtype is tl.float32 else (1e-9, 1e-10)
    for got, expected in zip(*results):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=rtol, atol=atol)


@given(st.integers(1, 4), st.integers(0, 2), st.integers(0, 3),
       st.sampled_from([tl.float32, tl.float64, tl.int64]))
def test_stack_is_one_node_equal_to_cat_of_unsqueezes(count, ndim, dim_seed, other_dtype):
    gen = tl.Generator().manual_seed(count * 7 + ndim)
    shape = (2, 3)[:ndim]
    dim = dim_seed % (ndim + 1)
    parts = [tl.randn(shape, dtype=tl.float64, generator=gen).requires_grad_() for _ in range(count)]
    mixed = parts[:-1] + [parts[-1].detach().to(other_dtype)]  # dtypes promote as cat's
    expected = tl.cat([p.unsqueeze(dim) for p in mixed], dim)
    got = tl.stack(mixed, dim)
    assert got.dtype is expected.dtype and tl.equal(got, expected)
    out = tl.stack(parts, dim)
    assert out.grad_fn.name() == "StackBackward0"  # PyTorch's node, one for all inputs
    check_backward(lambda *xs: tl.stack(xs, dim), *[p.detach() for p in parts])
    check_double_backward(lambda *xs: tl.stack(xs, dim), *[p.detach() for p in parts])


@st.composite
def line_scatter_cases(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    axis = draw(st.integers(0, ndim - 1))
    rows = draw(st.integers(1, 6))
    extent = tuple(rows if d == axis else draw(st.integers(1, shape[d])) for d in range(ndim))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    line = rng.integers(0, shape[axis], rows)
    index = np.broadcast_to(line.reshape([rows if d == axis else 1 for d in range(ndim)]), extent)
    src = rng.standard_normal(extent).astype(dtype)
    src.flat[: draw(st.integers(0, 2))] = draw(st.sampled_from([-0.0, np.inf, np.nan]))
    return rng.standard_normal(shape).astype(dtype), axis, index, src


@given(line_scatter_cases())
def test_numpy_scatter_add_of_a_broadcast_line_equals_the_elementwise_sum(case):
    # embedding's / index_select's backward: one destination row per source row
    from tensorlite.backends.numpy_backend import NumpyBackend
    x, axis, index, src = case
    backend = NumpyBackend()
    fast = backend.scatter(x, axis, index, src, True)
    reference = backend.scatter(x, axis, np.ascontiguousarray(index), src, True)  # per element
    # both sum in float64; the order of the additions may differ (a last-place difference)
    np.testing.assert_allclose(fast, reference, rtol=1e-12, atol=1e-12)


def test_embedding_gradient_sums_repeated_rows():
    weight = tl.randn(5, 3, dtype=tl.float64, requires_grad=True)
    index = tl.tensor([[4, 0, 4], [1, 4, 0]])
    positions = tl.arange(6., dtype=tl.float64).reshape(2, 3, 1)
    (tl.nn.functional.embedding(index, weight) * positions).sum().backward()
    expected = np.zeros((5, 3))
    for position, row in enumerate(index.reshape(-1).tolist()):
        expected[row] += position
    np.testing.assert_array_equal(weight.grad.numpy(), expected)
    check_backward(lambda w: tl.nn.functional.embedding(index, w), weight.detach())
