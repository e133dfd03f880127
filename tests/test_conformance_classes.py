"""Bug classes found by the differential suite against PyTorch 2.13 (conformance/), pinned here
without torch: the expected values are PyTorch's, written out."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite.testing import check_backward, tensors
from tensorlite.testing.strategies import shapes

INT_DTYPES = [tl.bool, tl.uint8, tl.int32, tl.int64]


class TestBoolAndIntegerInputsRefused:
    """PyTorch has no bool (or no integer) kernel for these: refuse instead of computing."""

    @pytest.mark.parametrize("op", [tl.abs, tl.relu, tl.floor, tl.ceil, tl.round, tl.trunc,
                                    lambda x: x.abs_(), lambda x: x.floor_(),
                                    lambda x: tl.remainder(x, True), lambda x: tl.floor_divide(x, True),
                                    tl.argmax, tl.argmin, tl.norm])
    @given(shape=shapes())
    def test_bool_input_raises(self, op, shape):
        with pytest.raises(RuntimeError):  # NotImplementedError is a RuntimeError, as in PyTorch
            op(tl.ones(shape, dtype=tl.bool))

    @given(shapes=st.tuples(shapes(), shapes()), bool_side=st.sampled_from(["left", "right", "scalar", "rsub"]))
    def test_subtraction_with_any_bool_operand_raises(self, shapes, bool_side):
        flag, other = tl.zeros(shapes[0], dtype=tl.bool), tl.ones(shapes[1])
        calls = {"left": lambda: flag - other, "right": lambda: other - flag,
                 "scalar": lambda: other - True, "rsub": lambda: 1 - flag}
        with pytest.raises(RuntimeError, match="Subtraction.*bool"):
            calls[bool_side]()

    @pytest.mark.parametrize("fn", [F.leaky_relu, F.elu, F.celu, F.gelu, F.silu, F.softplus, F.mish,
                                    F.hardsigmoid, F.hardswish, F.logsigmoid, lambda x: F.softmin(x, 0),
                                    lambda x: F.normalize(x, dim=0), tl.norm])
    @pytest.mark.parametrize("dtype", INT_DTYPES)
    def test_float_only_activations_refuse_integers(self, fn, dtype):
        x = tl.tensor([1, 0, 1], dtype=dtype)
        with pytest.raises(RuntimeError, match="not implemented|floating point"):
            fn(x)
        assert fn(x.float()).dtype is tl.float32

    def test_softsign_refuses_bool_only(self):
        with pytest.raises(NotImplementedError):
            F.softsign(tl.tensor([True]))
        assert F.softsign(tl.tensor([1, -3])).tolist() == [0.5, -0.75]


class TestElementwiseEdgeValues:
    @given(x=hnp.arrays(np.float64, shapes(), elements=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, math.nan]))))
    def test_sign_of_nan_is_zero(self, x):
        expected = np.where(np.isnan(x), 0.0, np.sign(x))
        assert np.array_equal(tl.sign(tl.tensor(x)).numpy(), expected)

    @given(x=tensors(low=-4, high=4, elements=st.one_of(st.floats(-4, 4), st.sampled_from([0.0, -0.0]))))
    def test_rsqrt_is_one_over_sqrt_with_signed_zero(self, x):
        with np.errstate(all="ignore"):
            expected = 1.0 / np.sqrt(x.numpy())
        np.testing.assert_allclose(tl.rsqrt(x).numpy(), expected, rtol=1e-12)
        assert tl.rsqrt(tl.tensor(-0.0)).item() == -math.inf

    @given(x=st.sampled_from([tl.float64, tl.int64]).flatmap(lambda d: tensors(dtype=d)), exponent=st.booleans())
    def test_bool_exponent_is_one_or_zero(self, x, exponent):
        result = x ** exponent
        assert result.dtype is x.dtype
        assert result.tolist() == (x ** int(exponent)).tolist()

    def test_bool_powers(self):
        """bool ** Python bool keeps bool; a bool result type of two tensors has no kernel."""
        flags = tl.tensor([True, False])
        assert (flags ** False).tolist() == [True, True] and (flags ** False).dtype is tl.bool
        assert (flags ** True).tolist() == [True, False]
        with pytest.raises(NotImplementedError):
            flags ** tl.tensor(False)
        with pytest.raises(NotImplementedError):
            False ** flags
        assert (2 ** flags).tolist() == [2, 1]

    @pytest.mark.parametrize("op", [tl.floor_divide, tl.remainder])
    @given(shape=shapes(min_dims=1).map(lambda s: s[:-1] + (0,)))
    def test_integer_division_of_empty_by_zero_is_empty(self, op, shape):
        out = op(tl.zeros(shape, dtype=tl.int64), 0)
        assert tuple(out.shape) == shape and out.dtype is tl.int64
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(tl.ones(2, dtype=tl.int64), 0)


class TestHardsigmoidKinks:
    """PyTorch: hardsigmoid'(x) = 1/6 on the open interval (-3, 3), 0 elsewhere (so at +-3);
    hardswish'(-3) = 0 and hardswish'(3) = 1."""

    def test_gradients_at_the_bounds(self):
        for fn, expected in ((F.hardsigmoid, [0.0, 0.0, 1 / 6]), (F.hardswish, [0.0, 1.0, 0.5])):
            x = tl.tensor([-3.0, 3.0, 0.0], dtype=tl.float64, requires_grad=True)
            fn(x).sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), expected)

    @given(x=tensors(low=-5, high=5))
    def test_gradients_away_from_the_bounds(self, x):
        check_backward(F.hardsigmoid, x.requires_grad_())
        check_backward(F.hardswish, x)


class TestReductionSignatures:
    @given(x=st.sampled_from(INT_DTYPES).flatmap(lambda d: tensors(dtype=d, shape=(), low=0, high=5)))
    def test_cumsum_of_0d_integer_promotes_to_int64(self, x):
        out = tl.cumsum(x, 0)
        assert out.dtype is tl.int64 and out.shape == () and out.item() == int(x.item())

    @given(x=tensors(min_dims=1), unbiased=st.booleans(), keepdim=st.booleans())
    def test_var_std_take_unbiased_positionally(self, x, unbiased, keepdim):
        for name in ("var", "std"):
            positional = getattr(x, name)(0, unbiased, keepdim)
            keyword = getattr(x, name)(dim=0, correction=int(unbiased), keepdim=keepdim)
            np.testing.assert_allclose(positional.numpy(), keyword.numpy(), equal_nan=True)
        np.testing.assert_allclose(x.var(unbiased).numpy(), x.var(correction=int(unbiased)).numpy(),
                                   equal_nan=True)


class TestEinsumSummedLabels:
    """A label that appears in one operand only and not in the output is summed away first."""

    @given(data=st.data(), n_ops=st.integers(1, 2))
    def test_against_numpy(self, data, n_ops):
        letters = "ijk"
        terms = [data.draw(st.permutations(letters).map(lambda p: "".join(p[:2]))) for _ in range(n_ops)]
        used = sorted(set("".join(terms)))
        output = "".join(data.draw(st.lists(st.sampled_from(used), unique=True, max_size=len(used))))
        sizes = {c: data.draw(st.integers(1, 3)) for c in letters}
        arrays = [np.random.default_rng(i).standard_normal([sizes[c] for c in t]) for i, t in enumerate(terms)]
        equation = ",".join(terms) + "->" + output
        result = tl.einsum(equation, *[tl.tensor(a) for a in arrays])
        np.testing.assert_allclose(result.numpy(), np.einsum(equation, *arrays), rtol=1e-10, atol=1e-12)


class TestNormalisationChecks:
    def test_group_norm_with_one_value_per_group_raises(self):
        with pytest.raises(ValueError, match="more than 1 value"):
            F.group_norm(tl.ones(1, 2), 2)
        assert F.group_norm(tl.ones(1, 2), 1).tolist() == [[0.0, 0.0]]

    def test_one_hot_of_empty_needs_num_classes(self):
        with pytest.raises(RuntimeError, match="empty tensor"):
            F.one_hot(tl.zeros(0, dtype=tl.int64))
        assert F.one_hot(tl.zeros(0, dtype=tl.int64), 3).shape == (0, 3)


class TestPromotionEdges:
    @given(a=st.integers(-5, 5), b=hnp.arrays(np.uint8, st.integers(1, 3), elements=st.integers(0, 3)))
    def test_true_division_converts_each_integer_operand_to_float(self, a, b):
        """A 0-d int64 with a uint8 tensor has the common type uint8, but true division converts
        each operand to float itself: -1 / 0 is -inf, not 255 / 0."""
        with np.errstate(all="ignore"):
            expected = np.float32(a) / b.astype(np.float32)
        result = tl.tensor(a) / tl.tensor(b)
        assert result.dtype is tl.float32
        np.testing.assert_array_equal(result.numpy(), expected)

    def test_in_place_subtraction_refuses_bool(self):
        x = tl.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match="Subtraction.*bool"):
            x.sub_(tl.tensor([True, False]))
        assert x.tolist() == [1.0, 2.0] and x._version == 0

    def test_float_remainder_by_bool_is_allowed(self):
        assert tl.remainder(tl.tensor([1.5]), tl.tensor([True])).tolist() == [0.5]
        assert tl.floor_divide(tl.tensor([3.0]), True).tolist() == [3.0]


class TestNanBoundsAndDegreesOfFreedom:
    @given(x=tensors(shape=(4,)), lo=hnp.arrays(np.float64, 4, elements=st.sampled_from([math.nan, -1.0, 0.5])),
           hi=hnp.arrays(np.float64, 4, elements=st.sampled_from([math.nan, 1.0, 2.0])))
    def test_clamp_with_nan_tensor_bounds_gives_nan(self, x, lo, hi):
        expected = np.minimum(np.maximum(x.numpy(), lo), hi)  # NumPy propagates NaN like PyTorch
        np.testing.assert_array_equal(tl.clamp(x, tl.tensor(lo), tl.tensor(hi)).numpy(), expected)

    @given(x=tensors(shape=st.sampled_from([(1,), (2,), (2, 2)])), extra=st.integers(0, 2))
    def test_var_without_degrees_of_freedom_divides_by_zero(self, x, extra):
        n = x.numel()
        correction = n + extra
        with np.errstate(all="ignore"):
            squares = ((x.numpy() - x.numpy().mean()) ** 2).sum()
            expected = squares / 0.0
        out = tl.var(x, correction=correction)
        np.testing.assert_array_equal(out.numpy(), expected)
        np.testing.assert_array_equal(tl.std(x, correction=correction).numpy(), np.sqrt(expected))


class TestAllTargetsIgnored:
    @pytest.mark.parametrize("smoothing", [0.0, 0.2])
    @pytest.mark.parametrize("weighted", [False, True])
    def test_loss_is_nan_and_gradient_zero(self, smoothing, weighted):
        x = tl.randn(3, 4, dtype=tl.float64, requires_grad=True)
        weight = tl.rand(4, dtype=tl.float64) if weighted else None
        loss = F.cross_entropy(x, tl.tensor([-100, -100, -100]), weight=weight, label_smoothing=smoothing)
        assert math.isnan(loss.item())
        loss.backward()
        assert x.grad.tolist() == [[0.0] * 4] * 3

    @given(x=tensors(shape=(3, 4)), ignored=st.lists(st.booleans(), min_size=3, max_size=3))
    def test_gradient_with_some_targets_ignored(self, x, ignored):
        target = tl.tensor([-100 if i else c for c, i in enumerate(ignored)])
        if all(ignored):
            return
        check_backward(lambda v: F.cross_entropy(v, target, label_smoothing=0.1), x.requires_grad_())


class TestArgReduceWithAnEmptyOtherDim:
    """An empty dim other than the reduced one gives an empty result (the OpenCL backend raised
    an internal ValueError)."""

    @pytest.mark.parametrize("op", ["argmax", "argmin", "max", "min"])
    @given(shape=shapes(min_dims=2, min_side=0, max_side=3), keepdim=st.booleans(), data=st.data())
    def test_empty_result(self, op, shape, keepdim, data):
        dim = data.draw(st.sampled_from([d for d, s in enumerate(shape) if s] or [None]))
        if dim is None or all(shape):
            return
        out = getattr(tl.zeros(shape), op)(dim, keepdim=keepdim)
        indices = out if op.startswith("arg") else out.indices
        expected = np.argmax(np.zeros(shape), axis=dim, keepdims=keepdim).shape
        assert tuple(indices.shape) == expected and indices.dtype is tl.int64


class TestLossInputDomains:
    @given(x=tensors(shape=(3,)), t=hnp.arrays(np.float64, 3, elements=st.sampled_from([-1.0, 0.0, 0.5, 2.0])))
    def test_kl_div_is_xlogy_minus_target_times_input(self, x, t):
        """0 where the target is 0, nan where it is negative (log of a negative), as PyTorch."""
        with np.errstate(all="ignore"):
            expected = np.where(t == 0, 0.0, t * np.log(np.where(t == 0, 1.0, t))) - t * x.numpy()
        np.testing.assert_allclose(F.kl_div(x, tl.tensor(t), reduction="none").numpy(), expected, equal_nan=True)

    def test_binary_cross_entropy_target_outside_0_1_raises(self):
        with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
            F.binary_cross_entropy(tl.tensor([0.5]), tl.tensor([1.5]))
            tl.synchronize()  # OpenCL: value ranges are checked on the device, read at the next sync

    def test_zero_norm_stays_in_the_graph_with_zero_gradient(self):
        x = tl.tensor([0.0, 2.0, -1.0], requires_grad=True)
        count = tl.norm(x, p=0)
        assert count.item() == 2.0 and count.requires_grad
        count.backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


class TestMixedDtypeProductsRefused:
    """Matrix products, convolutions and normalisations do not promote in PyTorch."""

    @pytest.mark.parametrize("call", [
        lambda a, b: tl.matmul(a, b), lambda a, b: a @ b, lambda a, b: tl.mm(a, b),
        lambda a, b: F.linear(a, b), lambda a, b: tl.einsum("ij,jk->ik", a, b),
        lambda a, b: F.conv2d(a.reshape(1, 1, 2, 2), b.reshape(1, 1, 2, 2)),
        lambda a, b: F.layer_norm(a, (2,), b[0]), lambda a, b: F.batch_norm(a, b[0], b[1].abs() + 1),
        lambda a, b: F.group_norm(a, 1, b[0])])
    @pytest.mark.parametrize("dtypes", [(tl.float64, tl.float32), (tl.float32, tl.float64), (tl.int64, tl.float32)])
    def test_raises(self, call, dtypes):
        a, b = tl.ones(2, 2, dtype=dtypes[0]), tl.ones(2, 2, dtype=dtypes[1])
        with pytest.raises(RuntimeError, match="same dtype"):
            call(a, b)
        assert call(a.to(dtypes[1]), b) is not None

    @pytest.mark.parametrize("conv", [lambda x, w: F.conv2d(x, w), lambda x, w: F.conv_transpose2d(x, w),
                                      lambda x, w: F.conv1d(x[0], w[0])])
    def test_integer_convolution_raises(self, conv):
        x, w = tl.ones(1, 1, 3, 3, dtype=tl.int64), tl.ones(1, 1, 2, 2, dtype=tl.int64)
        with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
            conv(x, w)


class TestPReLU:
    @given(x=tensors(min_dims=2, low=-3, high=3).filter(lambda t: bool((t.abs() > 1e-3).all())),
           shared=st.booleans())
    def test_values_and_gradients(self, x, shared):
        channels = x.shape[1]
        weight = tl.linspace(0.1, 0.5, 1 if shared else channels, dtype=tl.float64)
        slope = weight.numpy().reshape((1, -1) + (1,) * (x.ndim - 2)) if not shared else weight.numpy()
        expected = np.where(x.numpy() > 0, x.numpy(), slope * x.numpy())
        np.testing.assert_allclose(F.prelu(x, weight).numpy(), expected)
        check_backward(F.prelu, x.requires_grad_(), weight.requires_grad_())

    def test_module_and_slope_at_zero(self):
        layer = tl.nn.PReLU(2, init=0.1)
        assert repr(layer) == "PReLU(num_parameters=2)" and list(layer.state_dict()) == ["weight"]
        x = tl.zeros(1, 2, requires_grad=True)
        layer(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [[0.1, 0.1]], rtol=1e-6)
        with pytest.raises(RuntimeError, match="parameter numbers"):
            layer(tl.ones(2, 3))


class TestUnfoldNeedsOneBlock:
    @given(h=st.integers(1, 4), w=st.integers(1, 4), k=st.integers(1, 4), padding=st.integers(0, 1))
    def test_too_small_input_raises(self, h, w, k, padding):
        x = tl.zeros(1, 1, h, w)
        if min(h, w) + 2 * padding >= k:
            assert F.unfold(x, k, padding=padding).shape[-1] == (h + 2 * padding - k + 1) * (w + 2 * padding - k + 1)
        else:
            with pytest.raises(RuntimeError, match="sliding blocks"):
                F.unfold(x, k, padding=padding)


class TestBinaryCrossEntropyGradient:
    """PyTorch's gradient (x - t) / max(x (1 - x), 1e-12) stays finite at x = 0 and 1."""

    def test_at_the_ends(self):
        x = tl.tensor([0.0, 1.0, 0.0, 1.0], dtype=tl.float64, requires_grad=True)
        t = tl.tensor([0.0, 1.0, 1.0, 0.0], dtype=tl.float64)
        loss = F.binary_cross_entropy(x, t, reduction="none")
        assert loss.tolist() == [0.0, 0.0, 100.0, 100.0]
        loss.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, -1e12, 1e12])

    @given(x=tensors(shape=(4,), low=0.05, high=0.95), t=tensors(shape=(4,), low=0.1, high=0.9))
    def test_inside(self, x, t):
        check_backward(lambda p, q: F.binary_cross_entropy(p, q, reduction="sum"), x.requires_grad_(),
                       t.requires_grad_())


class TestSoftmaxWithPositiveInfinity:
    """A row holding +inf is nan throughout (PyTorch's x - max is inf - inf); logsumexp is +inf."""

    @given(x=hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 4)),
                        elements=st.one_of(st.floats(-5, 5), st.sampled_from([math.inf, -math.inf]))))
    def test_rows(self, x):
        t = tl.tensor(x)
        has_inf = np.isposinf(x).any(axis=1, keepdims=True)
        with np.errstate(all="ignore"):
            shifted = x - x.max(axis=1, keepdims=True)
            expected = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        expected = np.where(has_inf, np.nan, expected)
        np.testing.assert_allclose(F.softmax(t, 1).numpy(), expected, rtol=1e-12, atol=1e-300)
        assert np.array_equal(np.isnan(F.log_softmax(t, 1).numpy()), np.isnan(expected))
        assert (tl.logsumexp(t, 1).numpy()[has_inf[:, 0]] == math.inf).all()


class TestDivisionSecondDerivativeAtZero:
    def test_reciprocal_at_signed_zero(self):
        x = tl.tensor([0.0, -0.0, 2.0], dtype=tl.float64, requires_grad=True)
        (g,) = tl.autograd.grad(tl.reciprocal(x).sum(), x, create_graph=True)
        (h,) = tl.autograd.grad(g.sum(), x)
        assert g.tolist() == [-math.inf, -math.inf, -0.25]
        assert h.tolist() == [math.inf, -math.inf, 0.25]

    @given(a=tensors(shape=(3,)), b=tensors(shape=(3,), low=0.5, high=3))
    def test_double_backward_away_from_zero(self, a, b):
        from tensorlite.testing import check_double_backward
        check_double_backward(lambda u, v: u / v, a.requires_grad_(), b.requires_grad_())


class TestLerpFromTheNearerEnd:
    @given(a=hnp.arrays(np.float64, 3, elements=st.one_of(st.floats(-3, 3), st.sampled_from([math.inf, -math.inf]))),
           b=hnp.arrays(np.float64, 3, elements=st.one_of(st.floats(-3, 3), st.sampled_from([math.inf, -math.inf]))),
           w=hnp.arrays(np.float64, 3, elements=st.floats(-2, 2)), scalar=st.booleans())
    def test_matches_pytorchs_formula(self, a, b, w, scalar):
        weight = float(w[0]) if scalar else w
        with np.errstate(all="ignore"):
            expected = np.where(np.abs(weight) < 0.5, a + weight * (b - a), b - (b - a) * (1 - weight))
        result = tl.lerp(tl.tensor(a), tl.tensor(b), weight if scalar else tl.tensor(w))
        np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12, equal_nan=True)

    @given(a=tensors(shape=(3,)), b=tensors(shape=(3,)), w=tensors(shape=(3,), low=-1, high=1))
    def test_gradients(self, a, b, w):
        check_backward(tl.lerp, a.requires_grad_(), b.requires_grad_(), w.requires_grad_())


class TestLossArguments:
    def test_non_positive_huber_delta_and_negative_smooth_l1_beta_raise(self):
        x, t = tl.tensor([1.0, 2.0]), tl.tensor([1.0, 3.0])
        with pytest.raises(RuntimeError, match="delta"):
            F.huber_loss(x, t, delta=0.0)
        with pytest.raises(RuntimeError, match="beta"):
            F.smooth_l1_loss(x, t, beta=-1.0)
        assert F.smooth_l1_loss(x, t, beta=0.0).item() == 0.5

    @given(target=hnp.arrays(np.float64, 4, elements=st.sampled_from([-1.0, 1.0, 0.0, 2.0])),
           margin=st.sampled_from([-0.5, 0.0, 0.3]))
    def test_cosine_embedding_loss_is_zero_for_other_targets(self, target, margin):
        a = np.array([[1.0, 0.0], [1.0, 1.0], [0.5, -2.0], [3.0, 1.0]])
        b = np.array([[0.5, 0.5], [1.0, -2.0], [1.0, 1.0], [-1.0, 0.2]])
        cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
        expected = np.where(target == 1, 1 - cos, np.where(target == -1, np.maximum(cos - margin, 0), 0.0))
        result = F.cosine_embedding_loss(tl.tensor(a), tl.tensor(b), tl.tensor(target), margin=margin, reduction="none")
        np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12)

    @pytest.mark.parametrize("fn", [lambda x: F.softmax(x, 0), lambda x: F.log_softmax(x, 0), lambda x: x.softmax(0)])
    def test_softmax_of_integers_needs_a_dtype(self, fn):
        with pytest.raises(NotImplementedError):
            fn(tl.tensor([1, 2]))
        np.testing.assert_allclose(F.softmax(tl.tensor([1, 2]), 0, dtype=tl.float64).numpy(),
                                   np.exp([1, 2]) / np.exp([1, 2]).sum())


@pytest.mark.parametrize("kwargs", [{"eps": -1.0}, {"weight_decay": -0.1}])
def test_adagrad_validates_eps_and_weight_decay(kwargs):
    with pytest.raises(ValueError, match="Invalid"):
        tl.optim.Adagrad([tl.zeros(2, requires_grad=True)], **kwargs)


def test_zero_class_weights_give_nan_gradients_for_used_targets_only():
    """PyTorch: the mean over zero total weight is nan; used targets get w / 0 = nan gradients,
    ignored ones keep 0."""
    x = tl.tensor([[0.1, -0.3, 0.5], [1.0, 0.2, -0.7]], dtype=tl.float64, requires_grad=True)
    loss = F.cross_entropy(x, tl.tensor([0, -100]), weight=tl.zeros(3, dtype=tl.float64))
    loss.backward()
    assert math.isnan(loss.item())
    assert np.isnan(x.grad.numpy()[0]).all() and x.grad.tolist()[1] == [0.0, 0.0, 0.0]


@given(x=tensors(shape=(3,)), lo=tensors(shape=(3,)), hi=tensors(shape=(3,)))
def test_clamp_tensor_bounds_gradients_follow_pytorch(x, lo, hi):
    """x gets the gradient on [lo, hi], lo where x < lo < hi, hi where x > hi or lo > hi (so
    nobody when x < lo == hi), as PyTorch's clamp backward."""
    x, lo, hi = x.requires_grad_(), lo.requires_grad_(), hi.requires_grad_()
    tl.clamp(x, lo, hi).sum().backward()
    xv, lv, hv = x.detach().numpy(), lo.detach().numpy(), hi.detach().numpy()
    np.testing.assert_array_equal(x.grad.numpy(), ((xv >= lv) & (xv <= hv)).astype(float))
    np.testing.assert_array_equal(lo.grad.numpy(), ((xv < lv) & (lv < hv)).astype(float))
    np.testing.assert_array_equal(hi.grad.numpy(), ((xv > hv) | (lv > hv)).astype(float))


def test_frobenius_norm_takes_at_most_two_dims():
    x = tl.ones(2, 2, 2)
    with pytest.raises(RuntimeError, match="2-tuple"):
        tl.norm(x, dim=(0, 1, 2))
    assert tl.norm(x, p=2, dim=(0, 1, 2)).item() == pytest.approx(8 ** 0.5)
    assert tl.norm(x, dim=(0, 1)).shape == (2,)


@given(h=st.integers(1, 3), k=st.integers(1, 3), stride=st.integers(1, 2), padding=st.integers(0, 3))
def test_conv_transpose2d_output_must_be_positive(h, k, stride, padding):
    out = (h - 1) * stride - 2 * padding + k
    x, w = tl.ones(1, 1, h, h), tl.ones(1, 2, k, k)
    if out > 0:
        assert F.conv_transpose2d(x, w, stride=stride, padding=padding).shape == (1, 2, out, out)
    else:
        with pytest.raises(RuntimeError, match="Output size is too small"):
            F.conv_transpose2d(x, w, stride=stride, padding=padding)


class TestPadModes:
    """reflect / replicate / circular padding as NumPy's reflect / edge / wrap modes."""

    @pytest.mark.parametrize("mode,numpy_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")])
    @given(shape=st.sampled_from([(1, 4), (2, 3, 4), (1, 2, 3, 4), (3, 5)]), data=st.data())
    def test_against_numpy(self, mode, numpy_mode, shape, data):
        dims = data.draw(st.sampled_from([d for d in (len(shape) - 2, len(shape) - 1) if 1 <= d <= 3]))
        limit = [s - 1 if mode == "reflect" else s for s in shape]
        pads = []
        for i in range(dims):
            size = limit[len(shape) - 1 - i]
            pads += [data.draw(st.integers(0, size)), data.draw(st.integers(0, size))]
        x = np.arange(float(np.prod(shape))).reshape(shape)
        widths = [(0, 0)] * (len(shape) - dims) + [(pads[2 * i], pads[2 * i + 1]) for i in reversed(range(dims))]
        np.testing.assert_array_equal(F.pad(tl.tensor(x), pads, mode=mode).numpy(), np.pad(x, widths, mode=numpy_mode))

    def test_limits_and_gradient(self):
        with pytest.raises(RuntimeError, match="less than"):
            F.pad(tl.ones(1, 3), [3, 0], mode="reflect")
        with pytest.raises(RuntimeError, match="wrapping"):
            F.pad(tl.ones(1, 3), [4, 0], mode="circular")
        with pytest.raises(NotImplementedError):
            F.pad(tl.ones(3), [1, 1], mode="replicate")
        x = tl.tensor([[1.0, 2.0, 3.0]], dtype=tl.float64, requires_grad=True)
        F.pad(x, [2, 1], mode="reflect").sum().backward()
        assert x.grad.tolist() == [[1.0, 3.0, 2.0]]  # [3, 2, 1, 2, 3, 2] uses 1 once, 2 thrice, 3 twice
        check_backward(lambda v: F.pad(v, [1, 2], mode="circular"), tl.randn(2, 3, dtype=tl.float64, requires_grad=True))


@pytest.mark.parametrize("size,pads", [(0, (1, -1)), (2, (-3, 5)), (2, (-2, -1))])
def test_constant_pad_crops_before_padding(size, pads):
    """PyTorch crops the negative widths first, so the crop alone must fit in the dim."""
    with pytest.raises(RuntimeError, match="negative size"):
        F.pad(tl.zeros(size), pads)


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
def test_reflect_and_replicate_pads_need_non_empty_dims(mode):
    """Only the batch dim may be empty (PyTorch); circular padding has no such rule."""
    assert F.pad(tl.ones(0, 2, 3), [1, 1], mode=mode).shape == (0, 2, 5)
    for shape in [(2, 0, 3), (0, 3), (1, 0)]:
        with pytest.raises(RuntimeError, match="non-zero dimensions"):
            F.pad(tl.ones(shape), [1, 1] if shape[-1] else [0, 0], mode=mode)
    assert F.pad(tl.ones(2, 0, 3), [1, 1], mode="circular").shape == (2, 0, 5)


def test_reflect_and_replicate_pad_then_crop_negative_widths():
    """PyTorch pads reflect/replicate first and crops the negative side after (circular crops
    first); at least one element must remain."""
    x = tl.tensor([[1.0, 2.0, 3.0]])
    assert F.pad(x, [-1, 2], mode="reflect").tolist() == [[2.0, 3.0, 2.0, 1.0]]
    assert F.pad(x, [-2, 1], mode="replicate").tolist() == [[3.0, 3.0]]
    assert F.pad(tl.tensor([[5.0]]), [1, -1], mode="replicate").tolist() == [[5.0]]
    assert F.pad(x, [-1, 1], mode="circular").tolist() == [[2.0, 3.0, 2.0]]
    with pytest.raises(RuntimeError, match="too small"):
        F.pad(x, [-2, -1], mode="reflect")


# -- tl.load restores the device each tensor was saved from, as torch.load does ------------------
def _rewrite_header(raw: bytes, edit) -> bytes:
    """The checkpoint ``raw`` with ``edit(header_dict)`` applied to its JSON header."""
    import json
    import struct
    (length,) = struct.unpack("<Q", raw[8:16])
    header = json.loads(raw[16:16 + length])
    edit(header)
    encoded = json.dumps(header).encode("utf-8")
    return raw[:8] + struct.pack("<Q", len(encoded)) + encoded + raw[16 + length:]


def _saved(obj) -> bytes:
    import io
    buffer = io.BytesIO()
    tl.save(obj, buffer)
    return buffer.getvalue()


def _loaded(raw: bytes, **kwargs):
    import io
    return tl.load(io.BytesIO(raw), **kwargs)


@given(x=tensors(dtype=tl.float32, min_dims=0), as_view=st.booleans())
def test_load_puts_tensors_back_on_their_saving_device(x, as_view):
    state = {"x": x, "view": x.reshape(-1)[:1] if as_view and x.numel() else x}
    loaded = _loaded(_saved(state))
    for key in state:
        assert loaded[key].device == x.device
        assert loaded[key].tolist() == state[key].tolist()
    on_cpu = _loaded(_saved(state), map_location="cpu")
    assert all(t.device == tl.device("cpu") for t in on_cpu.values())


def test_load_of_a_file_without_devices_is_on_the_cpu():
    def drop_devices(header):
        for meta in header["tensors"]:
            meta.pop("device", None)
    raw = _rewrite_header(_saved({"w": tl.ones(2, 3)}), drop_devices)
    assert _loaded(raw)["w"].device == tl.device("cpu")


@pytest.mark.parametrize("spec, error, message", [
    ("opencl:999", RuntimeError, "map_location='cpu'"),
    ("tpu", RuntimeError, "map_location='cpu'"),
    ("cpu; rm -rf", tl.serialization.SerializationError, "invalid tensor device"),
    (3, tl.serialization.SerializationError, "invalid tensor device"),
])
def test_load_from_a_missing_device_raises_before_creating_tensors(spec, error, message):
    def move(header):
        header["tensors"][0]["device"] = spec
    raw = _rewrite_header(_saved({"w": tl.ones(2)}), move)
    with pytest.raises(error, match=message):
        _loaded(raw)
    assert _loaded(raw, map_location="cpu")["w"].tolist() == [1.0, 1.0]
