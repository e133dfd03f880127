"""Bug classes found by the third differential fuzzing round against PyTorch 2.13 (the ops added
last: logit, logspace, the addmm family, addr, ...), pinned without torch: expected values are
PyTorch's rules, written out as NumPy references or tables."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tensorlite as tl

_P_VALUES = st.sampled_from([-0.5, 0.0, -0.0, 1e-8, 0.15, 0.3, 0.5, 0.7, 1.0, 1.5, math.nan])
_EPS = st.sampled_from([None, 0.0, 1e-6, 0.2, 0.6, -0.1])


def _logit_reference(p, eps):
    """PyTorch's logit forward and its two backward formulas (kernel; create_graph)."""
    p = np.asarray(p, dtype=np.float64)
    z = p
    if eps is not None and eps >= 0:
        z = np.where(p < eps, eps, np.where(p > 1 - eps, 1 - eps, p))
    with np.errstate(all="ignore"):
        value = np.log(z / (1 - z))
        slope = 1.0 / (p * (1 - p))
    kernel = np.where((p == 0) | (p == 1), np.inf, slope)  # PyTorch's kernel: grad * inf there
    if eps is None or eps < 0:
        kernel = np.where((p < 0) | (p > 1), np.nan, kernel)
    else:
        kernel = np.where((p < eps) | (p > 1 - eps), 0.0, kernel)
    lo, outside = (0.0, np.nan) if eps is None else (eps, 0.0)
    graph = np.where((p >= lo) & (p <= 1 - lo), slope, outside)
    return value, kernel, graph


class TestLogitFollowsPyTorch:
    """logit clamps below eps first, then above 1 - eps (eps > 0.5 sent 0.44 to logit(0.4)
    instead of logit(0.6)); its gradient is grad / (p (1 - p)) at the original p, so p = 0 gives
    inf (not NaN), 0 outside [eps, 1 - eps], NaN outside [0, 1] without eps; with create_graph,
    NaN p and a negative eps follow PyTorch's differentiable formula."""

    @given(values=st.lists(_P_VALUES, min_size=1, max_size=6), eps=_EPS, method=st.booleans())
    def test_values_and_gradients(self, values, eps, method):
        expected, kernel, graph = _logit_reference(values, eps)
        for create_graph, want in ((False, kernel), (True, graph)):
            x = tl.tensor(values, dtype=tl.float64, requires_grad=True)
            y = x.logit(eps) if method else tl.logit(x, eps=eps)
            (grad,) = tl.autograd.grad(y.sum(), x, create_graph=create_graph)
            np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-12)
            np.testing.assert_allclose(grad.detach().numpy(), want, rtol=1e-12)

    def test_special_logit_is_the_same_function(self):
        x = tl.tensor([0.3, 0.7])
        assert tl.special.logit(x, eps=0.6).tolist() == tl.logit(x, eps=0.6).tolist()
        assert tl.logit(x, eps=0.6).tolist() == pytest.approx([0.405465, -0.405465], rel=1e-5)


_LOGSPACE_TABLE = [  # (start, end, steps, base, dtype) -> torch.logspace(...).tolist()
    ((0, 2, 5, 10.0, tl.int64), [1, 3, 10, 31, 100]),
    ((2, 0, 4, 2.0, tl.int32), [4, 2, 1, 1]),
    ((-1.5, 3.5, 6, 3.0, tl.int64), [0, 0, 1, 4, 11, 27]),
    ((0.5, 2, 1, 10.0, tl.int64), [3]),
    ((0, 3, 4, 1.7, tl.int16), [1, 1, 2, 4]),
    ((1, 1, 3, math.e, tl.int64), [2, 2, 2]),
    ((0, -3, 4, 0.5, tl.int64), [1, 2, 4, 8]),
]


class TestIntegerLogspace:
    """An integer logspace is PyTorch's integer kernel: start and end truncated, exponents
    stepped from both ends, each power truncated toward zero (rounding gave [1, 3, 10, 32, 100]
    for logspace(0, 2, 5, dtype=int64) and [2, 2, 2, ...] for base 2 from 2 to 0)."""

    @pytest.mark.parametrize("args, expected", _LOGSPACE_TABLE)
    def test_torch_values(self, args, expected):
        start, end, steps, base, dtype = args
        out = tl.logspace(start, end, steps, base=base, dtype=dtype)
        assert out.dtype == dtype and out.tolist() == expected

    @given(start=st.integers(-3, 3), end=st.integers(-3, 3), steps=st.integers(2, 7),
           base=st.sampled_from([2, 3, 10]))
    def test_integer_exponents_give_truncated_powers(self, start, end, steps, base):
        out = tl.logspace(start, end, steps, base=base, dtype=tl.int64).tolist()
        assert out[0] == math.trunc(float(base) ** start) and out[-1] == math.trunc(float(base) ** end)
        assert all(v >= 0 for v in out) and (out == sorted(out) or out == sorted(out, reverse=True))


_LINSPACE_TABLE = [  # (start, end, steps, dtype) -> torch.linspace(...).tolist()
    ((0, 2.7, 7, tl.int64), [0, 0, 0, 1, 1, 1, 2]),
    ((3, -1, 7, tl.int64), [3, 2, 1, 0, 0, 0, -1]),  # 0.9999999999999999 from the fused multiply-add
    ((0.5, 2.7, 4, tl.int32), [0, 0, 1, 2]),
    ((0, -1, 4, tl.uint8), [0, 85, 170, 255]),  # end converted to uint8 first
    ((-5, 5, 4, tl.int64), [-5, -1, 1, 5]),
    ((0, 10, 4, tl.int16), [0, 3, 6, 10]),
]


class TestIntegerLinspaceAndSpaceArguments:
    """Integer linspace is PyTorch's kernel (start/end converted to the dtype first, steps from
    both ends with a fused multiply-add, values truncated): computing in float64 and casting gave
    [0, 0, 0, 1, 1, 2, 2] for linspace(0, 2.7, 7). linspace/logspace refuse a float or bool
    steps (TypeError), a bool dtype (NotImplementedError) and 1-D start/end (RuntimeError)."""

    @pytest.mark.parametrize("args, expected", _LINSPACE_TABLE)
    def test_torch_values(self, args, expected):
        start, end, steps, dtype = args
        out = tl.linspace(start, end, steps, dtype=dtype)
        assert out.dtype == dtype and out.tolist() == expected

    @given(start=st.integers(-20, 20), end=st.integers(-20, 20), steps=st.integers(2, 12))
    def test_integer_endpoints_and_order(self, start, end, steps):
        out = tl.linspace(start, end, steps, dtype=tl.int64).tolist()
        assert out[0] == start and out[-1] == end and len(out) == steps
        assert out == sorted(out) or out == sorted(out, reverse=True)

    @pytest.mark.parametrize("op", [tl.linspace, tl.logspace])
    def test_argument_errors(self, op):
        with pytest.raises(TypeError):
            op(0, 1, 3.0)
        with pytest.raises(TypeError):
            op(0, 1, True)
        with pytest.raises(NotImplementedError, match="Bool"):
            op(0, 1, 3, dtype=tl.bool)
        with pytest.raises(RuntimeError, match="0-dimensional"):
            op(tl.tensor([0.0]), 1, 3)
        assert op(tl.tensor(0.0), tl.tensor(1.0), tl.tensor(3)).shape == (3,)


_PRODUCTS = {  # name -> (shapes of input, first factor, second factor)
    "addmm": ((2, 3), (2, 4), (4, 3)), "addmv": ((2,), (2, 4), (4,)),
    "baddbmm": ((2, 2, 3), (2, 2, 4), (2, 4, 3)), "addbmm": ((2, 3), (2, 2, 4), (2, 4, 3)),
}


def _np_product(name, a, b):
    return {"addmm": a @ b, "addmv": a @ b, "baddbmm": a @ b, "addbmm": (a @ b).sum(0)}[name]


class TestBlasProductRules:
    """addmm, addmv, baddbmm, addbmm: one dtype for all three tensors (f64 input + f32 mats was
    promoted; PyTorch raises), no bools, and for integer tensors beta/alpha are truncated to
    integers (int64 input with beta=0.5 gave a float32 result). Their in-place forms exist."""

    @pytest.mark.parametrize("name", sorted(_PRODUCTS))
    @given(values=st.lists(st.integers(-3, 3), min_size=24, max_size=24),
           beta=st.sampled_from([0, 1, 0.5, -2, 2.5, True]), alpha=st.sampled_from([1, 0.5, -2, 1.5]),
           dtype=st.sampled_from([tl.int64, tl.int32, tl.float64]), inplace=st.booleans())
    def test_values_and_dtype(self, name, values, beta, alpha, dtype, inplace):
        arrays = [np.resize(np.array(values, dtype=dtype.numpy), s) for s in _PRODUCTS[name]]
        i, a, b = (tl.tensor(x) for x in arrays)
        if inplace:
            out = getattr(i, name + "_")(a, b, beta=beta, alpha=alpha)
            assert out is i
        else:
            out = getattr(tl, name)(i, a, b, beta=beta, alpha=alpha)
        if dtype.is_floating_point:
            expected = beta * arrays[0] + alpha * _np_product(name, arrays[1], arrays[2])
        else:
            expected = int(beta) * arrays[0] + int(alpha) * _np_product(name, arrays[1], arrays[2])
        assert out.dtype == dtype
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)

    @pytest.mark.parametrize("name", sorted(_PRODUCTS))
    @pytest.mark.parametrize("which", [0, 1, 2])
    def test_mixed_dtypes_raise(self, name, which):
        tensors = [tl.ones(s) for s in _PRODUCTS[name]]
        tensors[which] = tensors[which].to(tl.float64)
        with pytest.raises(RuntimeError, match="same dtype"):
            getattr(tl, name)(*tensors)

    @pytest.mark.parametrize("name", sorted(_PRODUCTS))
    def test_bool_tensors_raise(self, name):
        with pytest.raises(NotImplementedError, match="Bool"):
            getattr(tl, name)(*(tl.ones(s, dtype=tl.bool) for s in _PRODUCTS[name]))

    def test_inplace_checks_the_shape(self):
        with pytest.raises(RuntimeError):
            tl.ones(1, 3).addmm_(tl.ones(2, 2), tl.ones(2, 3))


class TestAddr:
    """addr (new): beta * input + alpha * outer(vec1, vec2) with promotion; PyTorch's scalar
    rules (float beta/alpha refused for integer results, bool ones for non-bool results)."""

    @given(n=st.integers(0, 3), m=st.integers(0, 3), beta=st.sampled_from([0, 1, -2, 0.5]),
           alpha=st.sampled_from([1, 3, 0.25]), input_dtype=st.sampled_from([tl.int64, tl.float32, tl.float64]),
           vec_dtype=st.sampled_from([tl.int64, tl.float32]), row=st.booleans())
    def test_values(self, n, m, beta, alpha, input_dtype, vec_dtype, row):
        rng = np.random.default_rng(n * 7 + m)
        inp = rng.integers(-3, 4, size=(m,) if row else (n, m))
        v1, v2 = rng.integers(-3, 4, size=n), rng.integers(-3, 4, size=m)
        result = tl.promote_types(input_dtype, vec_dtype)
        args = (tl.tensor(inp, dtype=input_dtype), tl.tensor(v1, dtype=vec_dtype), tl.tensor(v2, dtype=vec_dtype))
        if not result.is_floating_point and (isinstance(beta, float) or isinstance(alpha, float)):
            with pytest.raises(RuntimeError, match="floating point"):
                tl.addr(*args, beta=beta, alpha=alpha)
            return
        out = tl.addr(*args, beta=beta, alpha=alpha)
        assert out.dtype == result and tuple(out.shape) == (n, m)
        np.testing.assert_allclose(out.numpy(), beta * inp + alpha * np.outer(v1, v2), rtol=1e-6)

    def test_bools_and_errors(self):
        b = tl.tensor([[True, False], [False, False]])
        v, w = tl.tensor([True, False]), tl.tensor([True, True])
        assert tl.addr(b, v, w, beta=0).tolist() == [[True, True], [False, False]]
        assert tl.addr(b, v, w, alpha=False).tolist() == b.tolist()
        with pytest.raises(RuntimeError, match="Boolean beta"):
            tl.addr(tl.ones(2, 2, dtype=tl.int64), tl.ones(2, dtype=tl.int64), tl.ones(2, dtype=tl.int64), beta=True)
        with pytest.raises(RuntimeError, match="1-D"):
            tl.addr(tl.ones(2, 3), tl.ones(2, 1), tl.ones(3))
        with pytest.raises(RuntimeError, match="broadcast"):
            tl.addr(tl.ones(3, 2), tl.ones(2), tl.ones(3))
        assert tl.addr(tl.tensor([[math.nan]]), tl.ones(1), tl.ones(1), beta=0).tolist() == [[1.0]]

    def test_gradients(self):
        from tensorlite.testing import check_backward, check_double_backward
        rng = np.random.default_rng(0)
        args = [tl.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 3), (2,), (3,))]
        check_backward(lambda i, a, b: tl.addr(i, a, b, beta=0.5, alpha=-2), *args)
        check_double_backward(lambda i, a, b: tl.addr(i, a, b, beta=0.5, alpha=-2), *args)


class TestCompositionEdges:
    """isin refuses bools (PyTorch: Unsupported input type); diff checks prepend/append shapes
    even for n=0; cdist of an empty result mixes float dtypes (x1's dtype) and refuses
    float16/bfloat16; signbit (new) reads the sign bit."""

    @pytest.mark.parametrize("elements, tests", [
        (lambda: tl.tensor([True]), lambda: tl.tensor([1, 2])), (lambda: tl.tensor([1, 2]), lambda: tl.tensor(True)),
        (lambda: True, lambda: tl.tensor([1, 2])), (lambda: tl.tensor([1.5]), lambda: True),
        (lambda: tl.tensor([], dtype=tl.bool), lambda: tl.tensor([1]))])
    def test_isin_refuses_bools(self, elements, tests):
        with pytest.raises(RuntimeError, match="Bool"):
            tl.isin(elements(), tests())

    @given(n=st.integers(0, 3), dim=st.sampled_from([0, 1, -1]), other=st.integers(1, 4), extra=st.sampled_from(["prepend", "append"]))
    def test_diff_checks_the_other_sizes(self, n, dim, other, extra):
        x = tl.ones(3, 4)
        shape = [3, 4]
        shape[(dim + 1) % 2] = other
        shape[dim % 2] = 2
        if shape[(dim + 1) % 2] == x.shape[(dim + 1) % 2]:
            size = x.shape[dim]
            assert tl.diff(x, n=n, dim=dim, **{extra: tl.ones(*shape)}).shape[dim] == (size + 2 - n if n else size)
        else:
            with pytest.raises(RuntimeError, match="match that of input except along the differencing dimension"):
                tl.diff(x, n=n, dim=dim, **{extra: tl.ones(*shape)})

    @pytest.mark.parametrize("a, b", [((0, 3), (2, 3)), ((2, 3), (0, 3)), ((2, 0), (3, 0)), ((0, 2, 3), (0, 1, 3))])
    def test_cdist_trivial_results_take_x1_dtype(self, a, b):
        out = tl.cdist(tl.ones(*a), tl.ones(*b, dtype=tl.float64))
        assert out.dtype == tl.float32 and out.shape == a[:-1] + b[-2:-1] and not out.numpy().any()
        with pytest.raises(RuntimeError, match="same dtype"):
            tl.cdist(tl.ones(2, 3), tl.ones(2, 3, dtype=tl.float64))
        with pytest.raises(NotImplementedError, match="Half"):
            tl.cdist(tl.ones(2, 3, dtype=tl.float16, device="cpu"), tl.ones(2, 3, dtype=tl.float16, device="cpu"))

    @given(values=st.lists(st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0]), min_size=6, max_size=6))
    def test_cdist_inf_gives_each_tied_coordinate_the_full_gradient(self, values):
        a = tl.tensor(values[:3], dtype=tl.float64).reshape(1, 3).requires_grad_()
        b = tl.tensor(values[3:], dtype=tl.float64).reshape(1, 3).requires_grad_()
        out = tl.cdist(a, b, p=math.inf)
        ga, gb = tl.autograd.grad(out.sum(), [a, b])
        diff = np.array(values[:3]) - np.array(values[3:])
        expected = np.sign(diff) * (np.abs(diff) == np.abs(diff).max())
        assert out.item() == np.abs(diff).max()
        np.testing.assert_array_equal(ga.numpy()[0], expected)
        np.testing.assert_array_equal(gb.numpy()[0], -expected)

    @given(values=st.lists(st.sampled_from([-2.5, -0.0, 0.0, 1.0, math.inf, -math.inf, math.nan, -math.nan]), max_size=6),
           dtype=st.sampled_from([tl.float32, tl.float64, tl.int64, tl.int8, tl.uint8, tl.bool]))
    def test_signbit(self, values, dtype):
        array = np.array(values, dtype=np.float64)
        if not dtype.is_floating_point:
            array = np.nan_to_num(array, nan=0.0, posinf=5, neginf=-5)
            array = array.astype(dtype.numpy) if dtype != tl.uint8 else np.abs(array).astype(np.uint8)
        x = tl.tensor(array, dtype=dtype)
        assert tl.signbit(x).dtype == tl.bool and x.signbit().tolist() == np.signbit(array).tolist()


class TestNormSecondDerivativeAtZero:
    """The 2-norm's recording backward is PyTorch's grad * (x / norm).masked_fill(norm == 0, 0):
    at a zero vector the first derivative stays 0, the second is NaN for x (PyTorch's 0 * inf)
    and finite for what the upstream gradient depends on (cosine_similarity's other input got
    NaN, and norm/normalize gave 0 where PyTorch gives NaN)."""

    @given(scale=st.floats(0.5, 3.0), keepdim=st.booleans())
    def test_norm(self, scale, keepdim):
        x = tl.tensor([[0.0, 0.0], [scale, 2.0]], dtype=tl.float64, requires_grad=True)
        (g,) = tl.autograd.grad(x.norm(dim=1, keepdim=keepdim).sum(), x, create_graph=True)
        (g2,) = tl.autograd.grad((g * tl.tensor([[0.5, 1.5], [1.0, 1.0]], dtype=tl.float64)).sum(), x)
        row = np.array([scale, 2.0])
        norm = np.linalg.norm(row)
        hessian = (np.eye(2) - np.outer(row, row) / norm ** 2) / norm
        assert g.detach().numpy()[0].tolist() == [0.0, 0.0]
        assert np.isnan(g2.numpy()[0]).all()
        np.testing.assert_allclose(g2.numpy()[1], hessian @ np.ones(2), rtol=1e-9, atol=1e-12)
        (plain,) = tl.autograd.grad(x.norm(dim=1).sum(), x)
        assert plain.numpy()[0].tolist() == [0.0, 0.0]

    def test_cosine_similarity_other_input_stays_finite(self):
        x1 = tl.tensor([0.0], dtype=tl.float64, requires_grad=True)
        x2 = tl.tensor([1.5], dtype=tl.float64, requires_grad=True)
        g1, g2 = tl.autograd.grad(tl.nn.functional.cosine_similarity(x1, x2, 0), [x1, x2], create_graph=True)
        h1, h2 = tl.autograd.grad(g1.sum() + 2 * g2.sum(), [x1, x2])
        assert np.isnan(h1.item()) and abs(h2.item()) < 1e-6


class TestAddcmulIntegerValueAndTensorSplitTensors:
    """addcmul of integer tensors truncates value (value=0.5 gave a float32 result; PyTorch
    keeps int64 and scales by 0), all-bool tensors are refused; tensor_split's tensor argument
    must be a 0-d or 1-D int64 tensor (RuntimeError, not TypeError)."""

    @given(values=st.lists(st.integers(-5, 5), min_size=3, max_size=3), value=st.sampled_from([0.5, 1.7, -1.5, 2, True]),
           dtype=st.sampled_from([tl.int64, tl.int32, tl.uint8]), inplace=st.booleans())
    def test_integer_value(self, values, value, dtype, inplace):
        a = np.abs(np.array(values)) if dtype == tl.uint8 else np.array(values)
        x = tl.tensor(a, dtype=dtype)
        out = x.clone().addcmul_(x, x, value=value) if inplace else tl.addcmul(x, x, x, value=value)
        assert out.dtype == dtype
        assert out.tolist() == (a + int(value) * a * a).astype(dtype.numpy).tolist()

    def test_bools_and_tensor_split_errors(self):
        t = tl.tensor([True])
        with pytest.raises(NotImplementedError, match="Bool"):
            tl.addcmul(t, t, t)
        assert tl.addcmul(t, tl.tensor([2]), tl.tensor([3])).tolist() == [7]
        x = tl.arange(4)
        with pytest.raises(RuntimeError, match="zero-dimensional or one-dimensional"):
            tl.tensor_split(x, tl.tensor([[1]]))
        with pytest.raises(RuntimeError, match="dtype of long"):
            tl.tensor_split(x, tl.tensor([1], dtype=tl.int32))
        assert [p.tolist() for p in tl.tensor_split(x, tl.tensor([1, 3]))] == [[0], [1, 2], [3]]


class TestReductionDtypeOfAGraph:
    """sum/nansum/prod/cumsum/cumprod with an integer or bool dtype of an input that requires
    grad raise PyTorch's "Autograd not support dtype" (tl returned a detached int tensor);
    under no_grad or detached they compute. nanmean refuses a non-floating dtype."""

    @pytest.mark.parametrize("op", [
        lambda x, d: tl.sum(x, dtype=d), lambda x, d: tl.nansum(x, dtype=d), lambda x, d: tl.prod(x, dtype=d),
        lambda x, d: tl.cumsum(x, 0, dtype=d), lambda x, d: tl.cumprod(x, 0, dtype=d), lambda x, d: x.sum(0, dtype=d)])
    @pytest.mark.parametrize("dtype", [tl.int64, tl.int32, tl.uint8])
    def test_integer_dtype_of_a_graph(self, op, dtype):
        x = tl.tensor([1.5, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="Autograd not support dtype"):
            op(x, dtype)
        with tl.no_grad():
            assert op(x, dtype).dtype == dtype
        assert op(x.detach(), dtype).dtype == dtype
        assert op(x, tl.float64).requires_grad

    def test_nanmean_dtype(self):
        with pytest.raises(RuntimeError, match="Optional dtype must be either a floating point"):
            tl.nanmean(tl.tensor([1.0, float("nan")]), dtype=tl.int64)
        assert tl.nanmean(tl.tensor([1.0, float("nan")]), dtype=tl.float64).dtype == tl.float64


def test_embedding_bag_of_zero_length_bags_raises():
    """PyTorch refuses a 2D input of shape (B, 0) ("step must be nonzero"); tl returned zeros.
    (0, N) stays an empty result; empty bags go through a 1D input with offsets."""
    weight = tl.ones(3, 2)
    for shape in [(2, 0), (0, 0)]:
        with pytest.raises(RuntimeError, match="step must be nonzero"):
            tl.nn.functional.embedding_bag(tl.zeros(shape, dtype=tl.int64), weight)
    assert tl.nn.functional.embedding_bag(tl.zeros((0, 3), dtype=tl.int64), weight).shape == (0, 2)
    out = tl.nn.functional.embedding_bag(tl.tensor([1]), weight, tl.tensor([0, 0]), mode="sum")
    assert out.tolist() == [[0.0, 0.0], [1.0, 1.0]]


class TestNnArgumentRules:
    """F.layer_norm/F.rms_norm: integer inputs are NotImplementedError, a bare int
    normalized_shape is TypeError (the modules still take one), rms_norm multiplies a weight of
    another dtype in the promoted dtype and returns input's dtype (it raised); cosine_similarity
    converts integer inputs to the common float dtype (it raised) and refuses eps < 0;
    unfold/fold refuse integer inputs; cdist validates compute_mode (ValueError)."""

    def test_norms(self):
        F = tl.nn.functional
        for fn in (lambda x: F.layer_norm(x, (2,)), lambda x: F.rms_norm(x, (2,))):
            with pytest.raises(NotImplementedError, match="Long"):
                fn(tl.tensor([[1, 2]]))
        for fn in (F.layer_norm, F.rms_norm):
            with pytest.raises(TypeError, match="tuple of ints"):
                fn(tl.ones(1, 2), 2)
        assert tl.nn.LayerNorm(2)(tl.ones(1, 2)).shape == (1, 2) and tl.nn.RMSNorm(2)(tl.ones(1, 2)).shape == (1, 2)
        x = tl.tensor([[1.0, 2.0]])
        for x_dtype, w_dtype in ((tl.float32, tl.float64), (tl.float64, tl.float32), (tl.float32, tl.int64)):
            out = F.rms_norm(x.to(x_dtype), (2,), tl.tensor([1, 2]).to(w_dtype))
            assert out.dtype == x_dtype
            np.testing.assert_allclose(out.numpy(), [[0.632456, 2.529822]], rtol=1e-5)

    @given(ints=st.lists(st.integers(-3, 3), min_size=4, max_size=4), floats=st.lists(st.floats(-2, 2), min_size=4, max_size=4),
           int_dtype=st.sampled_from([tl.int64, tl.uint8, tl.bool]), float_dtype=st.sampled_from([tl.float32, tl.float64]))
    def test_cosine_similarity_of_integers(self, ints, floats, int_dtype, float_dtype):
        a = np.abs(ints) if int_dtype != tl.int64 else np.array(ints)
        x1 = tl.tensor(a.reshape(2, 2)).to(int_dtype)
        x2 = tl.tensor(np.array(floats).reshape(2, 2), dtype=float_dtype)
        out = tl.nn.functional.cosine_similarity(x1, x2)
        expected = tl.nn.functional.cosine_similarity(x1.to(float_dtype), x2)
        assert out.dtype == float_dtype and out.tolist() == expected.tolist()

    def test_errors(self):
        F = tl.nn.functional
        with pytest.raises(RuntimeError, match="common dtype is Long"):
            F.cosine_similarity(tl.tensor([[1, 2]]), tl.tensor([[1, 0]]))
        with pytest.raises(RuntimeError, match="eps must be non-negative"):
            F.cosine_similarity(tl.ones(1, 2), tl.ones(1, 2), eps=-1.0)
        with pytest.raises(NotImplementedError, match="im2col"):
            F.unfold(tl.ones(1, 1, 3, 3, dtype=tl.int64), 2)
        with pytest.raises(NotImplementedError, match="col2im"):
            F.fold(tl.ones(1, 4, 4, dtype=tl.int64), (3, 3), 2)
        for mode in (None, "fast"):
            with pytest.raises(ValueError, match="compute_mode"):
                tl.cdist(tl.ones(1, 2), tl.ones(1, 2), compute_mode=mode)
        assert tl.cdist(tl.ones(1, 2), tl.zeros(1, 2), compute_mode="donot_use_mm_for_euclid_dist").item() == pytest.approx(2 ** 0.5)


@given(indices=st.lists(st.integers(0, 3), min_size=1, max_size=6), cut=st.integers(0, 6),
       padding=st.sampled_from([None, 0, 2]))
def test_embedding_bag_max_gives_ties_to_the_first_row(indices, cut, padding):
    """mode='max': among rows of a bag tied at a column's maximum, the first in bag order gets
    the whole gradient (PyTorch's max_indices); scatter_reduce's amax split it between them."""
    weight_values = np.array([[1.0, 2.0], [1.0, -1.0], [0.5, 2.0], [1.0, 2.0]])  # ties in both columns
    weight = tl.tensor(weight_values, dtype=tl.float64, requires_grad=True)
    cut = min(cut, len(indices))
    out = tl.nn.functional.embedding_bag(tl.tensor(indices), weight, tl.tensor([0, cut]), mode="max", padding_idx=padding)
    (grad,) = tl.autograd.grad(out.sum(), weight)
    expected = np.zeros_like(weight_values)
    for bag in (indices[:cut], indices[cut:]):
        kept = [i for i in bag if i != padding]
        for col in range(2):
            if kept:
                first = max(kept, key=lambda i: (weight_values[i, col], -kept.index(i)))
                expected[first, col] += 1.0
    np.testing.assert_array_equal(grad.numpy(), expected)


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64])
def test_tanh_reaches_one(dtype):
    """OpenCL's builtin tanh stopped at +-0.99999994 in float32, so 1 + tanh(-30) was 6e-8 and
    gelu(-inf, approximate='tanh') was -inf instead of PyTorch's NaN; every |x| beyond the
    rounding point now gives exactly +-1 (NumPy's values) on both backends."""
    x = tl.tensor([0.5, 8.9, 9.1, 10.0, 19.5, 30.0, -30.0, math.inf, -math.inf, math.nan], dtype=dtype)
    expected = np.tanh(x.cpu().numpy())
    np.testing.assert_allclose(x.tanh().cpu().numpy(), expected, rtol=1e-6)
    assert x[4:9].tanh().abs().cpu().numpy().tolist() == [1.0] * 5  # exactly
    out = tl.nn.functional.gelu(tl.tensor([-math.inf, -30.0], dtype=dtype), approximate="tanh").cpu().numpy()
    assert np.isnan(out[0]) and out[1] == 0.0


def test_softmax_of_empty_integer_tensors_and_logspace_overflow():
    """PyTorch's softmax/log_softmax/softmin run no kernel on an empty tensor, so an empty
    integer tensor comes back in its dtype (tl raised NotImplementedError); a non-empty one is
    still refused. An integer logspace of one infinite value raises RuntimeError (it leaked
    Python's ZeroDivisionError)."""
    F = tl.nn.functional
    empty = tl.zeros(0, 2, dtype=tl.int64)
    for fn in (F.softmax, F.log_softmax, F.softmin):
        out = fn(empty, 1)
        assert out.dtype == tl.int64 and out.shape == (0, 2)
        with pytest.raises(NotImplementedError, match="Long"):
            fn(tl.ones(2, dtype=tl.int64), 0)
    with pytest.raises(RuntimeError, match="overflow"):
        tl.logspace(-1, 2, 1, base=0.0, dtype=tl.int64)


@given(values=st.lists(st.sampled_from([0.0, -0.5, 1.0, 2.0, -3.0]), min_size=2, max_size=2),
       ord=st.sampled_from([-1.0, -2.5]), keepdim=st.booleans())
def test_negative_order_norm_gradient(values, ord, keepdim):
    """vector_norm with ord < 0: a slice holding a zero has norm 0 and gradient 0 (PyTorch's
    norm_backward: sgn(x) |x|^(p-1), 0 at x == 0, times norm^(1-p)); the chain rule through
    inf ** (1/p) gave NaN. Elsewhere: d/dx_i = sgn(x_i) |x_i|^(p-1) norm^(1-p)."""
    x = tl.tensor([values, [1.0, 2.0]], dtype=tl.float64, requires_grad=True)
    out = tl.linalg.vector_norm(x, ord, dim=1, keepdim=keepdim)
    (grad,) = tl.autograd.grad(out.sum(), x)
    a = np.array([values, [1.0, 2.0]])
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = (np.abs(a) ** ord).sum(1, keepdims=True) ** (1 / ord)
        expected = np.where(a == 0, 0.0, np.sign(a) * np.abs(a) ** (ord - 1)) * norm ** (1 - ord)
    np.testing.assert_allclose(out.detach().numpy().reshape(-1), norm.reshape(-1), rtol=1e-12)
    np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-12)


class TestAddcmulAddcdivFollowPyTorch:
    """addcmul/addcdiv compute in the result dtype of all three tensors (a 0-d int64 times a
    uint8 tensor wrapped in uint8 before meeting the float input) and use PyTorch's derivative
    formulas on the full broadcast gradient: an operand broadcast into an empty result gets 0
    (the composition gave 0 * inf = NaN), and addcdiv's second derivative in t2 at t2 = 0 is NaN
    through t2 * t2 (the composition gave +-inf)."""

    def test_common_dtype(self):
        out = tl.addcmul(tl.tensor([0.5]), tl.tensor(-4), tl.tensor([4], dtype=tl.uint8))
        assert out.dtype == tl.float32 and out.tolist() == [-15.5]
        out = tl.addcdiv(tl.tensor([1]), tl.tensor(3.0, dtype=tl.float64), tl.tensor([2.0]))
        assert out.dtype == tl.float32 and out.tolist() == [2.5]

    @pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
    def test_empty_result_gradient(self, name):
        t1 = tl.tensor(-math.inf, requires_grad=True)
        t2 = tl.tensor(0.5, requires_grad=True)
        out = getattr(tl, name)(tl.zeros(0, 2, requires_grad=True), t1, t2)
        g1, g2 = tl.autograd.grad(out.sum(), [t1, t2])
        assert g1.item() == 0.0 and g2.item() == 0.0

    @given(t1=st.sampled_from([-1.5, 0.5, 2.0]), value=st.sampled_from([1, -2, 0.5]))
    def test_addcdiv_second_derivative_at_zero_divisor(self, t1, value):
        a = tl.tensor([t1], dtype=tl.float64, requires_grad=True)
        b = tl.tensor([0.0, 2.0], dtype=tl.float64, requires_grad=True)
        out = tl.addcdiv(tl.zeros(2, dtype=tl.float64), a, b, value=value)
        (gb,) = tl.autograd.grad(out.sum(), b, create_graph=True)
        (hb,) = tl.autograd.grad(gb.sum(), b)
        assert np.isnan(hb[0].item())
        assert hb[1].item() == pytest.approx(2 * value * t1 / 8.0)
