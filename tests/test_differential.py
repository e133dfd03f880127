"""Properties for the classes of silent wrong results found by differential fuzzing against
PyTorch 2.13 (SEMANTICS.md section 4): each test states the PyTorch rule and checks it on drawn
inputs, on the default device (the suite runs once on the CPU, once with TENSORLITE_DEVICE=opencl).
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tensorlite as tl
from tensorlite.testing import broadcastable_shapes, check_backward, check_double_backward, shapes, tensors

from op_specs import matmul_shapes


def assert_same(actual, expected, rtol=1e-6, atol=1e-9):
    expected = np.asarray(expected)
    got = actual.numpy() if isinstance(actual, tl.Tensor) else np.asarray(actual)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


# -- reductions: an empty dim list reduces every dim ------------------------------------------
EMPTY_DIM_REDUCTIONS = {
    "sum": lambda x, d, k: tl.sum(x, d, keepdim=k),
    "sum_method": lambda x, d, k: x.sum(d, keepdim=k),
    "mean": lambda x, d, k: tl.mean(x, d, keepdim=k),
    "amax": lambda x, d, k: tl.amax(x, d, keepdim=k),
    "amin": lambda x, d, k: tl.amin(x, d, keepdim=k),
    "var": lambda x, d, k: tl.var(x, d, keepdim=k),
    "std": lambda x, d, k: tl.std(x, d, keepdim=k),
    # the reference over every dim uses p=2: PyTorch's default 'fro' refuses 3+ explicit dims
    # (a matrix norm), while dim=() is the same vector 2-norm
    "norm": lambda x, d, k: tl.norm(x, dim=d, keepdim=k) if len(d) <= 2 else tl.norm(x, 2, dim=d, keepdim=k),
    "norm1": lambda x, d, k: tl.norm(x, 1, dim=d, keepdim=k),
    "logsumexp": lambda x, d, k: tl.logsumexp(x, d, keepdim=k),
    "count_nonzero": lambda x, d, k: tl.count_nonzero(x, d),
    "var_mean": lambda x, d, k: tl.var_mean(x, d, keepdim=k)[0],
    "std_mean": lambda x, d, k: tl.std_mean(x, d, keepdim=k)[0],
    "mean_of_var_mean": lambda x, d, k: tl.var_mean(x, d, keepdim=k)[1],
}


@pytest.mark.parametrize("name", sorted(EMPTY_DIM_REDUCTIONS))
@given(x=tensors(min_dims=1, unique=True), empty=st.sampled_from([(), []]), keepdim=st.booleans())
def test_empty_dim_list_reduces_every_dim(name, x, empty, keepdim):
    fn = EMPTY_DIM_REDUCTIONS[name]
    every_dim = tuple(range(x.ndim))  # not None: keepdim must keep every dim as size 1
    assert_same(fn(x, empty, keepdim), fn(x, every_dim, keepdim).numpy())


def test_empty_dim_list_examples():
    assert tl.sum(tl.ones(2, 3), dim=()).tolist() == 6.0
    assert tl.ones(2, 3).sum((), keepdim=True).shape == (1, 1)
    # any/all are the exception in PyTorch: an empty dim list tests elementwise
    assert tl.ones(2, 3).any(dim=()).shape == (2, 3)


# -- integer and bool reductions promote to int64 before accumulating --------------------------
@pytest.mark.parametrize("dtype", [tl.uint8, tl.int8, tl.int32, tl.int64, tl.bool_])
@given(data=st.data())
def test_integer_reductions_accumulate_in_int64(dtype, data):
    high = 1 if dtype is tl.bool_ else 120
    x = data.draw(tensors(dtype=dtype, low=0, high=high, min_dims=1, max_side=5))
    wide = x.numpy().astype(np.int64)
    for out, expected in [(x.sum(), wide.sum()), (x.prod(), wide.prod()),
                          (x.cumsum(0), np.cumsum(wide, 0)), (x.sum(0), wide.sum(0)),
                          (x.prod(0), wide.prod(0))]:
        assert out.dtype is tl.int64
        assert_same(out, expected)


def test_uint8_prod_does_not_wrap():
    assert tl.tensor([3, 4, 5, 6]).to(tl.uint8).prod().item() == 360


def test_any_all_of_uint8_return_uint8_like_pytorch():
    x = tl.tensor([[0, 3], [1, 2]]).to(tl.uint8)
    assert x.any().dtype is tl.uint8 and x.any().item() == 1
    assert x.all(1).dtype is tl.uint8 and x.all(1).tolist() == [0, 1]
    assert x.to(tl.int32).any().dtype is tl.bool_


# -- gather / scatter / scatter_add touch only the index's extent ------------------------------
@st.composite
def extent_cases(draw, unique_per_line=False):
    """(self shape, dim, index array, src shape): index no larger than src in any dim and no
    larger than self outside dim; with unique_per_line, no index repeats along dim."""
    shape = draw(shapes(1, 3, 1, 4))
    dim = draw(st.integers(0, len(shape) - 1))
    index_shape = tuple(draw(st.integers(1, n)) if d != dim else draw(st.integers(1, 4))
                        for d, n in enumerate(shape))
    if unique_per_line:
        index_shape = tuple(min(n, shape[dim]) if d == dim else n for d, n in enumerate(index_shape))
    src_shape = tuple(n + draw(st.integers(0, 2)) for n in index_shape)
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    if unique_per_line:
        lines = np.moveaxis(np.zeros(index_shape, dtype=np.int64), dim, -1)
        flat = lines.reshape(-1, lines.shape[-1])
        for row in flat:
            row[:] = rng.permutation(shape[dim])[:len(row)]
        index = np.moveaxis(flat.reshape(lines.shape), -1, dim)
    else:
        index = rng.integers(0, shape[dim], size=index_shape)
    return shape, dim, index, src_shape


def np_scatter(x, dim, index, src, accumulate):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        target = pos[:dim] + (index[pos],) + pos[dim + 1:]
        out[target] = out[target] + src[pos] if accumulate else src[pos]
    return out


def np_gather(x, dim, index):
    out = np.empty(index.shape, dtype=x.dtype)
    for pos in np.ndindex(*index.shape):
        out[pos] = x[pos[:dim] + (index[pos],) + pos[dim + 1:]]
    return out


@given(case=extent_cases(unique_per_line=True), data=st.data())
def test_scatter_writes_only_the_index_extent(case, data):
    shape, dim, index, src_shape = case
    x = data.draw(tensors(shape=shape))
    src = data.draw(tensors(shape=src_shape))
    expected = np_scatter(x.numpy(), dim, index, src.numpy(), False)
    assert_same(tl.scatter(x, dim, tl.tensor(index), src), expected)
    assert_same(tl.scatter(x, dim, tl.tensor(index), 2.5),
                np_scatter(x.numpy(), dim, index, np.full(index.shape, 2.5), False))
    check_backward(lambda a, b: tl.scatter(a, dim, tl.tensor(index), b), x.requires_grad_(), src.requires_grad_())


@given(case=extent_cases(), data=st.data())
def test_scatter_add_and_gather_use_only_the_index_extent(case, data):
    shape, dim, index, src_shape = case
    x = data.draw(tensors(shape=shape))
    src = data.draw(tensors(shape=src_shape))
    assert_same(tl.scatter_add(x, dim, tl.tensor(index), src),
                np_scatter(x.numpy(), dim, index, src.numpy(), True))
    gather_index = np.minimum(index, shape[dim] - 1)
    assert_same(tl.gather(src, dim, tl.tensor(gather_index % src_shape[dim])),
                np_gather(src.numpy(), dim, gather_index % src_shape[dim]))
    check_backward(lambda a, b: tl.scatter_add(a, dim, tl.tensor(index), b),
                   x.requires_grad_(), src.requires_grad_())
    check_backward(lambda b: tl.gather(b, dim, tl.tensor(gather_index % src_shape[dim])), src)


def test_scatter_extent_examples():
    out = tl.scatter(tl.zeros(2, 3), 1, tl.tensor([[0, 1, 2]]), 2.5)
    assert out.tolist() == [[2.5, 2.5, 2.5], [0.0, 0.0, 0.0]]
    src = tl.ones(1, 3, requires_grad=True)
    out = tl.scatter_add(tl.zeros(2, 3), 1, tl.tensor([[0, 1, 2]]), src)
    (out * tl.tensor([[3.0, 2.0, 1.0], [9.0, 7.0, 5.0]])).sum().backward()
    assert src.grad.tolist() == [[3.0, 2.0, 1.0]]


@given(case=extent_cases(), extra=st.integers(-3, 2), data=st.data())
def test_scatter_src_of_another_rank_is_refused_like_pytorch(case, extra, data):
    """PyTorch checks the extents dim by dim (IndexError past src's rank) and then the ranks."""
    shape, dim, index, src_shape = case
    src_rank = max(0, len(src_shape) + extra)
    if max(src_rank, 1) == len(src_shape):  # a 0-dim src counts as rank 1
        src_rank = len(src_shape) + 1
    src = tl.ones((src_shape + (2,) * src_rank)[:src_rank])
    error = IndexError if 0 < src_rank < len(src_shape) else RuntimeError
    for op in (tl.scatter, tl.scatter_add):
        with pytest.raises(error) as info:
            op(tl.zeros(shape), dim, tl.tensor(index), src)
        assert op.__name__ in str(info.value)
        assert error is IndexError or "same number of dimensions as src" in str(info.value)


def test_scatter_of_0dim_operands_like_1_element_vectors():
    src = tl.tensor(3.0, dtype=tl.float64, requires_grad=True)
    x = tl.tensor(1.0, dtype=tl.float64, requires_grad=True)
    out = tl.scatter_add(x, 0, tl.tensor([0]), src.reshape(1))
    assert out.shape == () and out.item() == 4.0
    assert tl.scatter(tl.zeros(3), 0, tl.tensor(1), tl.ones(2)).tolist() == [0.0, 1.0, 0.0]
    check_backward(lambda a: tl.scatter_add(tl.zeros(3, dtype=tl.float64), 0, tl.tensor([1]), a), src)
    check_backward(lambda a, b: tl.scatter(a, 0, tl.tensor(0), b), x, src.reshape(1).detach().requires_grad_())


# -- take_along_dim broadcasts the index against the input outside dim -------------------------
@given(data=st.data())
def test_take_along_dim_broadcasts(data):
    shape = data.draw(shapes(1, 3, 1, 4))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    axis = dim % len(shape)
    index_shape = tuple(data.draw(st.integers(1, 3)) if d == axis else data.draw(st.sampled_from([1, n]))
                        for d, n in enumerate(shape))
    input_shape = tuple(data.draw(st.sampled_from([1, n])) if d != axis else n for d, n in enumerate(shape))
    x = data.draw(tensors(shape=input_shape))
    index = data.draw(tensors(shape=index_shape, dtype=tl.int64, low=-shape[axis], high=shape[axis] - 1))
    expected = np.take_along_axis(x.numpy(), index.numpy() % shape[axis], axis)
    assert_same(tl.take_along_dim(x, index, dim), expected)
    flat_index = data.draw(tensors(shape=(3,), dtype=tl.int64, low=0, high=x.numel() - 1))
    assert_same(tl.take_along_dim(x, flat_index), x.numpy().reshape(-1)[flat_index.numpy()])
    check_backward(lambda a: tl.take_along_dim(a, index, dim), x.requires_grad_())


# -- isclose / allclose: infinities only close to an equal infinity, NaN only with equal_nan ---
SPECIAL = st.sampled_from([np.inf, -np.inf, np.nan, 0.0, 1.0, -1.0, 1e30, -1e30, 1e-9, 1e38])


def np_isclose_like_torch(a, b, rtol, atol, equal_nan):
    """PyTorch's rule: a == b, or a finite |a - b| <= atol + rtol * |b| (NaN with equal_nan)."""
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(a - b)
        close = (a == b) | (np.isfinite(error) & (error <= atol + rtol * np.abs(b)))
    return close | (equal_nan & np.isnan(a) & np.isnan(b))


@given(a=st.lists(SPECIAL, min_size=1, max_size=6), data=st.data(), equal_nan=st.booleans(),
       rtol=st.sampled_from([1e-5, 0.5, 1e30]), atol=st.sampled_from([1e-8, 1.0, 1e30]))
def test_isclose_with_infinities_and_nan(a, data, equal_nan, rtol, atol):
    b = data.draw(st.lists(SPECIAL, min_size=len(a), max_size=len(a)))
    a, b = np.array(a), np.array(b)
    expected = np_isclose_like_torch(a, b, rtol, atol, equal_nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # PyTorch is silent; so must inf - inf be
        got = tl.isclose(tl.tensor(a), tl.tensor(b), rtol=rtol, atol=atol, equal_nan=equal_nan)
        every = tl.allclose(tl.tensor(a), tl.tensor(b), rtol=rtol, atol=atol, equal_nan=equal_nan)
    assert got.tolist() == expected.tolist()
    assert every == bool(expected.all())


def test_isclose_examples():
    inf = float("inf")
    assert tl.isclose(tl.tensor([1e30, -inf, inf]), tl.tensor([inf, inf, inf])).tolist() == [False, False, True]
    assert not tl.allclose(tl.tensor([1e30]), tl.tensor([inf]), rtol=1.0, atol=1.0)


# -- cosine_similarity broadcasts before reducing ----------------------------------------------
@given(data=st.data())
def test_cosine_similarity_broadcasts_before_reducing(data):
    s1, s2 = data.draw(broadcastable_shapes(2, min_dims=1))
    x1, x2 = data.draw(tensors(shape=s1)), data.draw(tensors(shape=s2))
    ndim = max(len(s1), len(s2))
    dim = data.draw(st.integers(-ndim, ndim - 1))
    a, b = np.broadcast_arrays(x1.numpy(), x2.numpy())
    norms = np.maximum(np.linalg.norm(a, axis=dim), 1e-8) * np.maximum(np.linalg.norm(b, axis=dim), 1e-8)
    expected = (a * b).sum(axis=dim) / norms
    assert_same(tl.nn.functional.cosine_similarity(x1, x2, dim=dim), expected, rtol=1e-9, atol=1e-12)
    if np.all(np.linalg.norm(a, axis=dim) > 0.1) and np.all(np.linalg.norm(b, axis=dim) > 0.1):
        check_backward(lambda p, q: tl.nn.functional.cosine_similarity(p, q, dim=dim),
                       x1.requires_grad_(), x2.requires_grad_())


def test_cosine_similarity_broadcast_example():
    out = tl.nn.functional.cosine_similarity(tl.tensor([[1.0], [2.0], [3.0]]), tl.tensor([[1.0]]), dim=0)
    assert abs(out.item() - 0.9258201) < 1e-6


# -- a tensor hook may replace a gradient's values, never its shape or dtype -------------------
@given(shape=shapes(0, 3, 1, 3), other=shapes(0, 3, 1, 3), leaf=st.booleans())
def test_hook_changing_the_gradient_shape_raises(shape, other, leaf):
    x = tl.ones(shape, requires_grad=True)
    y = x if leaf else x * 2.0
    y.register_hook(lambda g: tl.full(other, 3.0))
    if tuple(other) == tuple(shape):
        (y * 1.0).sum().backward()
        assert x.grad.tolist() == tl.full(shape, 3.0 if leaf else 6.0).tolist()
    else:
        with pytest.raises(RuntimeError, match="changed the size"):
            (y * 1.0).sum().backward()


def test_hook_changing_the_gradient_dtype_raises():
    x = tl.ones(3, requires_grad=True)
    x.register_hook(lambda g: g.double())
    with pytest.raises(RuntimeError, match="changed the type"):
        (x * 2.0).sum().backward()


# -- prod with zeros: the gradient of the gradient keeps the zero factors ----------------------
@given(data=st.data(), zeros=st.integers(0, 3))
def test_prod_double_gradient_with_zero_elements(data, zeros):
    shape = data.draw(shapes(1, 2, 1, 4))
    values = data.draw(tensors(shape=shape, low=0.5, high=2.0)).numpy().copy()
    flat = values.reshape(-1)
    flat[data.draw(st.permutations(range(flat.size)))[:zeros]] = 0.0  # exact zeros: prod is smooth
    dim = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))))
    fn = (lambda t: t.prod()) if dim is None else (lambda t: t.prod(dim))
    check_double_backward(fn, tl.tensor(values).requires_grad_())


def test_negative_p_norm_with_a_zero_element_is_zero():
    assert tl.tensor([0.0, 1.0]).norm(-1).item() == 0.0
    assert abs(tl.tensor([2.0, 1.0]).norm(-2.5).item() - 0.9370) < 1e-4


def test_prod_second_derivative_example():
    x = tl.tensor([0.5, 0.0], dtype=tl.float64, requires_grad=True)
    (g,) = tl.autograd.grad(x.prod(), x, create_graph=True)
    assert tl.autograd.grad(g[0], x)[0].tolist() == [0.0, 1.0]


# -- std and p-norms at their non-differentiable point have gradient 0, never NaN ---------------
AT_ZERO = {
    "std": lambda x, d: x.std(d),
    "std_correction0": lambda x, d: x.std(d, correction=0),
    "std_mean": lambda x, d: tl.std_mean(x, d)[0],
    "norm2": lambda x, d: x.norm(dim=d),
    "norm3": lambda x, d: x.norm(3, dim=d),
    "norm0.5": lambda x, d: x.norm(0.5, dim=d),
    "norm1": lambda x, d: x.norm(1, dim=d),
    "norm_inf": lambda x, d: x.norm(float("inf"), dim=d),
}


@pytest.mark.parametrize("name", sorted(AT_ZERO))
@given(shape=shapes(1, 3, 2, 4), value=st.sampled_from([0.0, 1.5, -2.0]), data=st.data())
def test_gradient_at_zero_spread_or_zero_norm_is_zero(name, shape, value, data):
    dim = data.draw(st.sampled_from([None] + list(range(len(shape)))))
    constant = 0.0 if name.startswith("norm") else value
    x = tl.full(shape, constant, dtype=tl.float64, requires_grad=True)
    (g,) = tl.autograd.grad(AT_ZERO[name](x, dim).sum(), x, create_graph=True)
    assert g.tolist() == tl.zeros(shape, dtype=tl.float64).tolist()
    (gg,) = tl.autograd.grad(g.sum(), x, allow_unused=True) if g.requires_grad else (None,)
    if name == "norm2":  # PyTorch 2.13: grad * (x / norm).masked_fill(norm == 0, 0) gives NaN here
        assert gg is not None and np.isnan(gg.numpy()).all()
        return
    assert gg is None or np.isfinite(gg.numpy()).all()


# -- kink conventions: PyTorch's first and second derivatives at every clamp-like kink ----------
F = tl.nn.functional
SELU_SLOPE = 1.0507009873554805 * 1.6732632423543772
# (name, fn, kink, first derivative, second derivative); values read off PyTorch 2.13 (float64)
KINKS = [
    ("relu", tl.relu, 0.0, 0.0, 0.0),
    ("relu6_low", F.relu6, 0.0, 0.0, 0.0),
    ("relu6_high", F.relu6, 6.0, 0.0, 0.0),
    ("hardtanh_low", F.hardtanh, -1.0, 0.0, 0.0),
    ("hardtanh_high", F.hardtanh, 1.0, 0.0, 0.0),
    ("hardtanh_custom", lambda x: F.hardtanh(x, -2.0, 0.5), 0.5, 0.0, 0.0),
    ("clamp_low", lambda x: tl.clamp(x, -1.0, 1.0), -1.0, 1.0, 0.0),
    ("clamp_high", lambda x: tl.clamp(x, -1.0, 1.0), 1.0, 1.0, 0.0),
    ("clamp_min_only", lambda x: tl.clamp(x, min=-1.0), -1.0, 1.0, 0.0),
    ("hardsigmoid_low", F.hardsigmoid, -3.0, 0.0, 0.0),
    ("hardsigmoid_high", F.hardsigmoid, 3.0, 0.0, 0.0),
    ("hardswish_low", F.hardswish, -3.0, 0.0, 0.0),
    ("hardswish_mid", F.hardswish, 0.0, 0.5, 1.0 / 3.0),
    ("hardswish_high", F.hardswish, 3.0, 1.0, 0.0),
    ("elu", F.elu, 0.0, 1.0, 0.0),
    ("elu_alpha2", lambda x: F.elu(x, 2.0), 0.0, 2.0, 0.0),
    ("celu_alpha_half", lambda x: F.celu(x, 0.5), 0.0, 1.0, 0.0),
    ("selu", F.selu, 0.0, SELU_SLOPE, 0.0),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), 0.0, 0.2, 0.0),
    ("softplus_threshold", lambda x: F.softplus(x, 2.0, 1.0), 0.5, 0.7310585786300049, 0.0),
    ("softplus_beta0", lambda x: F.softplus(x, 0.0), 1.0, 0.5, 0.0),  # inf forward, finite slope
    ("abs", tl.abs, 0.0, 0.0, 0.0),
    ("maximum_tie", lambda x: tl.maximum(x, tl.zeros_like(x)), 0.0, 0.5, 0.0),
    ("minimum_tie", lambda x: tl.minimum(x, tl.zeros_like(x)), 0.0, 0.5, 0.0),
]


def first_and_second_derivative(fn, point):
    x = tl.tensor([point], dtype=tl.float64, requires_grad=True)
    (g,) = tl.autograd.grad(fn(x).sum(), x, create_graph=True)
    if not g.requires_grad:  # the first derivative is piecewise constant here
        return g.item(), 0.0
    (gg,) = tl.autograd.grad(g.sum(), x, allow_unused=True)
    return g.item(), 0.0 if gg is None else gg.item()


@pytest.mark.parametrize("name, fn, point, first, second", KINKS, ids=[k[0] for k in KINKS])
def test_kink_conventions_match_pytorch(name, fn, point, first, second):
    got_first, got_second = first_and_second_derivative(fn, point)
    assert got_first == pytest.approx(first, rel=1e-12, abs=1e-15)
    assert got_second == pytest.approx(second, rel=1e-12, abs=1e-15)


# Whether the first gradient (create_graph=True, ones upstream) stays connected to x, read off
# PyTorch 2.13: threshold_backward, hardtanh_backward, leaky_relu_backward, prelu's and
# max_pool2d's backward are differentiable w.r.t. x (with a zero derivative); clamp's, where's
# and maximum's mask multiply is not, so there grad of grad raises "does not require grad".
CONNECTED_FIRST_GRADIENT = [
    ("relu", tl.relu, True),
    ("relu_inplace", lambda x: F.relu(x * 1, inplace=True), True),
    ("relu_of_intermediate", lambda x: tl.relu(x * 3.0), True),
    ("relu6", F.relu6, True),
    ("hardtanh", F.hardtanh, True),
    ("hardsigmoid", F.hardsigmoid, True),
    ("leaky_relu", F.leaky_relu, True),
    ("prelu", lambda x: F.prelu(x, tl.tensor([0.25], dtype=x.dtype)), True),
    ("max_pool2d", lambda x: F.max_pool2d(x.reshape(1, 1, 2, -1), 2), True),
    ("abs", tl.abs, True),
    ("elu", F.elu, True),
    ("clamp", lambda x: tl.clamp(x, -0.5, 0.5), False),
    ("clamp_min", lambda x: tl.clamp(x, min=0.0), False),
    ("maximum", lambda x: tl.maximum(x, tl.zeros_like(x)), False),
    ("where", lambda x: tl.where(x > 0, x, x * 0), False),
    ("amax", lambda x: x.amax(), False),
]


@pytest.mark.parametrize("name, fn, connected", CONNECTED_FIRST_GRADIENT,
                         ids=[c[0] for c in CONNECTED_FIRST_GRADIENT])
@given(values=st.lists(st.sampled_from([-1.0, -0.2, 0.0, 0.3, 2.0, 7.0]) | st.floats(-8, 8),
                       min_size=2, max_size=2).map(lambda v: v * 2))
def test_second_derivative_of_piecewise_linear_ops_like_pytorch(name, fn, connected, values):
    x = tl.tensor(values, dtype=tl.float64, requires_grad=True)
    (g,) = tl.autograd.grad(fn(x).sum(), x, create_graph=True)
    assert g.requires_grad is connected
    if not connected:
        with pytest.raises(RuntimeError, match="does not require grad"):
            tl.autograd.grad(g.sum(), x)
    elif name != "elu":
        (gg,) = tl.autograd.grad(g.sum(), x)
        assert gg.tolist() == [0.0] * len(values)


def test_kink_second_derivative_reaches_prelu_weight():
    x = tl.tensor([[-1.0, 2.0], [0.5, -3.0]], dtype=tl.float64, requires_grad=True)
    w = tl.tensor([0.25, 0.5], dtype=tl.float64, requires_grad=True)
    (g,) = tl.autograd.grad(F.prelu(x, w).sum(), x, create_graph=True)
    gx, gw = tl.autograd.grad(g.sum(), [x, w])
    assert gx.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert gw.tolist() == [1.0, 1.0]  # PyTorch: d/dw of sum(where(x > 0, 1, w))
    assert tl.autograd.gradgradcheck(F.prelu, (x, w))
    assert tl.autograd.gradgradcheck(lambda t: F.leaky_relu(t, 0.1), (x,))


# open-interval ops (PyTorch masks low < x < high) against clamp (closed interval)
OPEN_CLAMPS = [(F.hardtanh, -1.0, 1.0, 1.0), (F.relu6, 0.0, 6.0, 1.0),
               (lambda x: F.hardtanh(x, -2.0, 0.5), -2.0, 0.5, 1.0),
               (F.hardsigmoid, -3.0, 3.0, 1.0 / 6.0)]


@pytest.mark.parametrize("case", range(len(OPEN_CLAMPS)))
@given(data=st.data())
def test_clamp_like_gradients_on_a_grid_with_bounds(case, data):
    fn, low, high, slope = OPEN_CLAMPS[case]
    points = data.draw(st.lists(st.sampled_from([low, high, (low + high) / 2, low - 1, high + 1])
                                | st.floats(low - 2, high + 2), min_size=1, max_size=8))
    x = tl.tensor(points, dtype=tl.float64, requires_grad=True)
    fn(x).sum().backward()
    values = np.array(points)
    assert_same(x.grad, np.where((values > low) & (values < high), slope, 0.0))
    y = tl.tensor(points, dtype=tl.float64, requires_grad=True)
    tl.clamp(y, low, high).sum().backward()
    assert_same(y.grad, np.where((values >= low) & (values <= high), 1.0, 0.0))


# -- mixed indexing follows PyTorch: integers select first, Python bools add an indexed axis ---
def np_index_like_torch(x, key):
    """PyTorch's rule in NumPy: apply the integers (selects) and a new axis per Python bool,
    then the index arrays on that view, where a bool adds [0] (True) or [] (False)."""
    if not any(isinstance(k, (list, np.ndarray)) and np.ndim(k) or isinstance(k, bool) for k in key):
        return x, tuple(int(k) if isinstance(k, np.ndarray) else k for k in key)
    select, advanced = [], []
    for k in key:
        if isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
            k = int(k)  # a 0-dim integer tensor is an int
        if isinstance(k, bool):
            select.append(None)
            advanced.append(np.zeros(1 if k else 0, np.int64))
        elif isinstance(k, int):
            select.append(k)
        elif k is None:
            advanced.append(None)
        elif k is Ellipsis or isinstance(k, slice):
            select.append(slice(None) if isinstance(k, slice) else k)
            advanced.append(k)
        else:
            array = np.asarray(k)
            select.extend([slice(None)] * (array.ndim if array.dtype == np.bool_ else 1))
            advanced.append(array)
    view = x[tuple(select)]
    return view, spell_out_ellipsis(tuple(advanced), view.ndim)


def spell_out_ellipsis(key, ndim):
    """An Ellipsis as the slices it stands for: PyTorch judges index arrays adjacent over dims,
    so one spanning no dim does not separate them (NumPy's rule counts the key's items)."""
    at = next((i for i, k in enumerate(key) if k is Ellipsis), None)
    if at is None:
        return key
    consumed = sum(0 if k is None or k is Ellipsis else np.ndim(k) if np.asarray(k).dtype == np.bool_ else 1
                   for k in key)
    return key[:at] + (slice(None),) * max(ndim - consumed, 0) + key[at + 1:]


@st.composite
def mixed_keys(draw):
    shape = draw(shapes(1, 4, 1, 4))
    n = draw(st.integers(1, 3))
    key, dim, ellipsis = [], 0, False
    kinds = ["int", "int_tensor", "slice", "none", "bool", "list", "tensor", "mask"]
    while dim < len(shape) and len(key) < 8:
        # after an Ellipsis every remaining dim is indexed, so it stands for exactly the skipped dims
        kind = draw(st.sampled_from(kinds if ellipsis else kinds + ["ellipsis", "stop"]))
        if kind == "stop":
            break
        size = shape[dim]
        if kind == "int":
            key.append(draw(st.integers(-size, size - 1)))
        elif kind == "int_tensor":
            key.append(np.array(draw(st.integers(-size, size - 1))))
        elif kind == "slice":
            key.append(slice(draw(st.integers(0, size)), draw(st.sampled_from([None, size, -1])),
                             draw(st.sampled_from([None, 1, 2]))))
        elif kind == "none":
            key.append(None)
            continue
        elif kind == "bool":
            key.append(draw(st.booleans()))
            continue
        elif kind in ("list", "tensor"):
            values = draw(st.lists(st.integers(-size, size - 1), min_size=min(n, size), max_size=min(n, size),
                                   unique_by=lambda v: v % size))
            values = values if len(values) == n else values[:1]
            key.append(values if kind == "list" else np.array(values, dtype=np.int64))
        elif kind == "mask":
            key.append(np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size))))
        elif kind == "ellipsis":
            if ellipsis:
                continue
            ellipsis = True
            key.append(Ellipsis)
            dim += draw(st.integers(0, len(shape) - dim))
            continue
        dim += 1
    return shape, tuple(key)


def to_tensorlite_key(key):
    return tuple(tl.tensor(k) if isinstance(k, np.ndarray) else k for k in key)


@given(case=mixed_keys())
def test_mixed_indexing_follows_pytorch(case):
    shape, key = case
    base = np.arange(float(np.prod(shape))).reshape(shape)
    try:
        view, rest = np_index_like_torch(base, key)
        expected = view[rest]
    except IndexError:
        with pytest.raises((IndexError, RuntimeError)):
            tl.tensor(base)[to_tensorlite_key(key)]
        return
    x = tl.tensor(base, requires_grad=True)
    got = x[to_tensorlite_key(key)]
    assert_same(got.detach(), expected)
    got.sum().backward()  # every selected element once (indices are unique): the gradient counts them
    counts = np.zeros(shape)
    counted, counted_rest = np_index_like_torch(counts, key)
    counted[counted_rest] += 1.0  # counted is a view of counts
    if np.all(counts <= 1):
        assert_same(x.grad, counts)
    values = np.arange(1.0, 1.0 + expected.size).reshape(expected.shape)
    target = np.zeros(shape)
    written, written_rest = np_index_like_torch(target, key)
    written[written_rest] = values
    y = tl.zeros(shape, dtype=tl.float64)
    y[to_tensorlite_key(key)] = tl.tensor(values)
    if np.all(counts <= 1):
        assert_same(y, target)


def test_mixed_indexing_examples():
    assert tl.zeros(2, 3, 4)[0, :, [0, 1]].shape == (3, 2)
    assert tl.zeros(3, 5, 2)[1:-1, True, 0:1].shape == (1, 1, 1, 2)
    y = tl.zeros(2, 3, 4)
    y[0, :, [0, 1]] = tl.ones(3, 2)
    assert y.sum().item() == 6.0 and y[1].sum().item() == 0.0
    assert tl.zeros(2, 3, 4)[tl.tensor(0), :, [0, 1]].shape == (3, 2)  # a 0-dim tensor is an int
    # an Ellipsis spanning no dim leaves index tensors adjacent (PyTorch), NumPy would split them
    assert tl.zeros(2, 3, 4)[:, [0], ..., [0]].shape == (2, 1)
    assert tl.arange(2.0).reshape(1, 1, 1, 2)[None, 0, 0, True, ..., 0, [0, 1]].shape == (1, 2)
    z = tl.zeros(2, 3, 4)
    z[:, [0], ..., [1]] = tl.ones(2, 1)
    assert z[:, 0, 1].tolist() == [1.0, 1.0] and z.sum().item() == 2.0
    x = tl.arange(6.0).reshape(2, 3)
    with pytest.warns(UserWarning, match="uint8 is now deprecated"):
        assert x[tl.tensor(1, dtype=tl.uint8)].shape == (1, 2, 3)  # a 0-dim byte tensor is a mask
    with pytest.warns(UserWarning):
        assert x[tl.tensor(0, dtype=tl.uint8)].shape == (0, 2, 3)
    with pytest.warns(UserWarning):
        assert x[0, tl.tensor(2, dtype=tl.uint8)].tolist() == [[0.0, 1.0, 2.0]]
    assert x[tl.tensor(True)].shape == (1, 2, 3) and x[tl.tensor(False)].shape == (0, 2, 3)  # OpenCL too
    y = x.clone()
    y[tl.tensor(True)] = 7.0
    assert y.tolist() == [[7.0] * 3] * 2


@given(data=st.data())
def test_uint8_index_is_a_mask_like_bool(data):
    """PyTorch indexes with a uint8 tensor of any rank (0-dim too) as with the bool mask != 0."""
    shape = data.draw(shapes(1, 3, 1, 3))
    x = data.draw(tensors(shape=shape))
    start = data.draw(st.integers(0, 1)) if len(shape) > 1 else 0  # x[mask] or x[:, mask]
    mask_dims = data.draw(st.integers(0, len(shape) - start))
    mask = data.draw(tensors(shape=shape[start:start + mask_dims], dtype=tl.uint8))
    key = (slice(None),) * start + (mask,)
    bool_key = (slice(None),) * start + (mask != 0,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert_same(x[key], x[bool_key].numpy())
        y, z = x.clone(), x.clone()
        if start == 0 and mask.ndim:  # one value through a lone byte mask: PyTorch's masked_fill_ refuses it
            with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
                y[key] = -1.0
            return
        y[key] = -1.0
    z[bool_key] = -1.0
    assert_same(y, z.numpy())


@pytest.mark.parametrize("key, nodes", [
    ((0, [1, 2]), 1), (([1, 0], 2), 1), ((0, [1], 3), 1), ((Ellipsis, 0, [1]), 1), ((slice(None), 0, [1]), 1),
    ((0, slice(None), [1]), 2), (([1], slice(None), 0), 2), ((0, None, [1]), 2), ((True, 0, [1]), 2)])
def test_ints_next_to_index_tensors_index_in_one_step(key, nodes):
    """NumPy's rule gives PyTorch's result when the ints and index tensors form one run and no
    Python bool is present: one Index node; otherwise a select first, then the Index."""
    x = tl.zeros(2, 3, 4, requires_grad=True)
    fn, depth = x[tuple(tl.tensor(k) if isinstance(k, list) else k for k in key)].grad_fn, 0
    while fn is not None and type(fn).__name__ != "AccumulateGrad":
        fn, depth = fn.next_functions[0][0], depth + 1
    assert depth == nodes


# -- stacking 0-d/1-d tensors, splitting empty dims (shape rules of PyTorch, NumPy agrees) ------
STACKS = {"vstack": np.vstack, "row_stack": np.vstack, "hstack": np.hstack, "dstack": np.dstack,
          "column_stack": np.column_stack}


@pytest.mark.parametrize("name", sorted(STACKS))
@given(data=st.data())
def test_stacking_low_rank_tensors_matches_numpy(name, data):
    ndim = data.draw(st.integers(0, 3))
    shape = data.draw(shapes(ndim, ndim, 1, 3))
    parts = data.draw(st.lists(tensors(shape=shape), min_size=1, max_size=3))
    try:
        expected = STACKS[name]([p.numpy() for p in parts])
    except ValueError:
        return
    assert_same(getattr(tl, name)(parts), expected)


@pytest.mark.parametrize("n", [1, 2, 3])
@given(shape=shapes(0, 3, 1, 3))
def test_atleast_nd_matches_numpy(n, shape):
    x = tl.zeros(shape)
    reference = {1: np.atleast_1d, 2: np.atleast_2d, 3: np.atleast_3d}[n](np.zeros(shape))
    assert getattr(tl, f"atleast_{n}d")(x).shape == reference.shape


@given(shape=shapes(1, 3, 0, 3), data=st.data())
def test_split_and_chunk_of_an_empty_dim(shape, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    shape = tuple(0 if d == dim else n for d, n in enumerate(shape))
    x = tl.zeros(shape)
    size = data.draw(st.integers(0, 3))
    chunks = data.draw(st.integers(1, 4))
    assert [p.shape for p in tl.split(x, size, dim)] == [shape]  # one empty piece
    assert [p.shape for p in tl.chunk(x, chunks, dim)] == [shape] * chunks  # `chunks` empty pieces


# -- dtypes: tril/triu and hardtanh/relu6 keep the input dtype --------------------------------
@pytest.mark.parametrize("dtype", [tl.bool_, tl.uint8, tl.int32, tl.int64, tl.float32, tl.float64])
@given(data=st.data())
def test_tril_triu_keep_the_dtype(dtype, data):
    x = data.draw(tensors(dtype=dtype, min_dims=2, max_dims=3, low=0, high=5))
    k = data.draw(st.integers(-2, 2))
    for fn, ref in ((tl.tril, np.tril), (tl.triu, np.triu)):
        out = fn(x, k)
        assert out.dtype is dtype
        assert_same(out, ref(x.numpy(), k))


@pytest.mark.parametrize("dtype", [tl.uint8, tl.int32, tl.int64])
@given(data=st.data())
def test_hardtanh_relu6_keep_integer_dtypes(dtype, data):
    x = data.draw(tensors(dtype=dtype, min_dims=1, low=0 if dtype is tl.uint8 else -9, high=9))
    assert F.relu6(x).dtype is dtype
    assert_same(F.relu6(x), np.clip(x.numpy(), 0, 6))
    if dtype is not tl.uint8:
        assert F.hardtanh(x, -1.5, 2.5).dtype is dtype
        assert_same(F.hardtanh(x, -1.5, 2.5), np.clip(x.numpy(), -1, 2))  # bounds truncated


# -- matmul results are contiguous (the OpenCL gemm pads its output) ---------------------------
@given(data=st.data())
def test_matmul_result_is_contiguous(data):
    sa, sb = data.draw(matmul_shapes())
    a, b = data.draw(tensors(shape=sa)), data.draw(tensors(shape=sb))
    out = a @ b
    assert out.is_contiguous()
    assert_same(out.view(-1), np.matmul(a.numpy(), b.numpy()).reshape(-1), rtol=1e-9)


def test_gpt_style_view_after_matmul():
    x, w = tl.randn(2, 5, 3), tl.randn(3, 7)
    assert (x @ w).view(-1, 7).shape == (10, 7)


# -- NaN, inf and overflow are values, never NumPy RuntimeWarnings (PyTorch is silent) ----------
from nn_specs import NN_SPECS  # noqa: E402
from op_specs import SPECS  # noqa: E402

SPECIAL_VALUES = st.sampled_from([float("inf"), -float("inf"), float("nan"), 0.0, -0.0, -1.0,
                                  1e5, -1e5, 1e30, 1e-30, 2.0])


def with_floats_as(value, dtype):
    """``value`` with every floating Tensor inside (dicts, lists, tuples) cast to ``dtype`` on
    the CPU, where the special-value inputs live (OpenCL has no float16)."""
    if isinstance(value, tl.Tensor):
        return value.to("cpu", dtype) if value.is_floating_point() else value
    if isinstance(value, dict):
        return {k: with_floats_as(v, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(with_floats_as(v, dtype) for v in value)
    return value


@pytest.mark.parametrize("spec", SPECS + NN_SPECS, ids=[s.name for s in SPECS + NN_SPECS])
@given(data=st.data(), dtype=st.sampled_from([tl.float64, tl.float32, tl.float16]))
def test_special_values_raise_no_numpy_warnings(spec, data, dtype):
    shape_tuple = data.draw(spec.shapes)
    kwargs = with_floats_as(data.draw(spec.kwargs(shape_tuple)), dtype)  # a class weight: the input's dtype
    # the NumPy backend's floating-point state (OpenCL has no float16 and no NumPy warnings)
    values = [data.draw(tensors(shape=tuple(s), elements=SPECIAL_VALUES, device="cpu")) for s in shape_tuple]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inputs = [v.to(dtype).requires_grad_() for v in values]  # the cast overflows to inf too
        try:
            out = spec.op(*inputs, **kwargs)
        except RuntimeError as error:  # input checks (binary_cross_entropy's range, gaussian_nll_loss's
            # negative var, linalg's and the multi-class margin losses' refusal of half types and
            # linalg's of matrices that inf/nan make singular or indefinite), as PyTorch's
            expected = ("should be between", "negative entry", "Low precision dtypes not supported",
                        "not implemented for 'Half'")
            assert isinstance(error, tl.linalg.LinAlgError) or any(text in str(error) for text in expected), error
            return
        (out * out).sum().backward()  # the backward formulas meet the same values


@given(data=st.data())
def test_half_overflow_and_invalid_arithmetic_are_silent(data):
    previous = tl.get_default_device()
    tl.set_default_device("cpu")  # NumPy's floating-point state (OpenCL has no float16)
    try:
        check_half_overflow_and_invalid_arithmetic_are_silent(data)
    finally:
        tl.set_default_device(previous)


def check_half_overflow_and_invalid_arithmetic_are_silent(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        half = tl.tensor([1e5, 2.0, -7e4], dtype=tl.float16)
        assert half.tolist()[0] == float("inf")
        x = tl.ones(3, dtype=tl.float16)
        x[0] = 1e5
        x *= 1e5
        assert (x * 1e5).isinf().all().item()
        assert math.isnan((tl.tensor([float("inf")]) - tl.tensor([float("inf")])).item())
        assert math.isnan((tl.tensor([0.0]) * float("inf")).item())
        assert (tl.tensor([0.0, -1.0]).log().tolist()[0]) == -float("inf")
        assert math.isnan(tl.tensor([-1.0]).sqrt().item())
        assert (tl.tensor([1.0]) / 0).item() == float("inf")
        assert tl.tensor([6e4, 6e4], dtype=tl.float16).sum().item() == float("inf")
        big = data.draw(tensors(dtype=tl.float32, elements=st.sampled_from([3e38, -3e38, 1e-45])))
        (big * big + big.exp() - big.log()).mean()
    with pytest.warns(RuntimeWarning):  # the user's own NumPy state is left as it was
        np.float32(3e38) * np.float32(10)


# -- saved tensors: an in-place change before backward raises exactly when PyTorch's does ----------
# (op, torch raises when the input is modified, when the output is modified); read off PyTorch
# 2.13: softmax, log_softmax, exp, sigmoid, tanh, relu, sqrt, reciprocal and rsqrt save only their
# output; var/std save their input (std its output too); a number over a tensor is
# reciprocal(x) * number there.
SAVED_TENSOR_CHECKS = [
    ("softmax", lambda z: F.softmax(z, 0), False, True),
    ("log_softmax", lambda z: F.log_softmax(z, 0), False, True),
    ("softmin", lambda z: F.softmin(z, 0), False, True),
    ("exp", tl.exp, False, True),
    ("sigmoid", tl.sigmoid, False, True),
    ("tanh", tl.tanh, False, True),
    ("relu", tl.relu, False, True),
    ("sqrt", tl.sqrt, False, True),
    ("reciprocal", tl.reciprocal, False, True),
    ("rsqrt", tl.rsqrt, False, True),
    ("number_over_tensor", lambda z: 2.0 / z, False, False),
    ("div_by_constant", lambda z: z / tl.tensor([2.0, 3.0, 1.5], dtype=z.dtype), False, False),
    ("pow_scalar", lambda z: z ** 2, True, False),
    ("pow_tensor", lambda z: z ** tl.tensor([2.0, 3.0, 1.5], dtype=z.dtype), True, True),
    ("var", lambda z: z.var(), True, False),
    ("std", lambda z: z.std(), True, True),
    ("var_mean", lambda z: tl.var_mean(z)[0], True, False),
    ("layer_norm", lambda z: F.layer_norm(z, (3,)), True, False),
    ("mean", lambda z: z.mean(), False, False),
    ("sum", lambda z: z.sum(), False, False),
    ("matmul", lambda z: z @ tl.ones(3, dtype=z.dtype), False, False),
    ("mul_constant", lambda z: z * tl.tensor([2.0, 3.0, 1.5], dtype=z.dtype), False, False),
    ("mul_number", lambda z: z * 2.0, False, False),
    ("log", tl.log, True, False),
    ("hardtanh", F.hardtanh, True, False),
    ("leaky_relu", F.leaky_relu, True, False),
    ("logsumexp", lambda z: z.logsumexp(0), True, True),
    ("gelu", F.gelu, True, False),
    ("gelu_tanh", lambda z: F.gelu(z, approximate="tanh"), True, False),
    ("logsigmoid", F.logsigmoid, True, False),
    ("silu", F.silu, True, False),
    ("softplus", F.softplus, True, False),
    ("mish", F.mish, True, False),
]


@pytest.mark.parametrize("name, fn, input_raises, output_raises", SAVED_TENSOR_CHECKS,
                         ids=[c[0] for c in SAVED_TENSOR_CHECKS])
@pytest.mark.parametrize("modify", ["input", "output"])
@given(values=st.lists(st.floats(0.25, 3.0), min_size=3, max_size=3))
def test_in_place_change_of_a_saved_tensor_raises_like_pytorch(name, fn, input_raises, output_raises,
                                                               modify, values):
    x = tl.tensor(values, dtype=tl.float64, requires_grad=True)
    z = x * 1
    y = fn(z)
    (z if modify == "input" else y).add_(1)
    loss = (y * tl.arange(1, y.numel() + 1, dtype=tl.float64).reshape(y.shape)).sum()
    if (input_raises if modify == "input" else output_raises):
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()
    else:
        loss.backward()
        assert np.isfinite(x.grad.numpy()).all()


def test_softmax_gradient_after_changing_its_input_uses_the_saved_output():
    x = tl.tensor([0.5, 1.0, 2.0], dtype=tl.float64, requires_grad=True)
    z = x * 1
    y = F.softmax(z, 0)
    expected = y.detach().numpy().copy()
    z.add_(1)
    (y * tl.tensor([1.0, 2.0, 3.0], dtype=tl.float64)).sum().backward()
    g = np.array([1.0, 2.0, 3.0])
    assert_same(x.grad, expected * (g - (g * expected).sum()), rtol=1e-12)
