"""Bug classes found by the second differential fuzzing round against PyTorch 2.13 (methods,
operators, dtype inference, creation ops), pinned without torch: expected values are PyTorch's,
written out."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tensorlite as tl

# operator, in-place method, out-of-place op, operand dtype
_INPLACE_OPERATORS = [
    (lambda v, o: v.__ifloordiv__(o), "floor_divide_", tl.floor_divide, tl.int64),
    (lambda v, o: v.__imod__(o), "remainder_", tl.remainder, tl.int64),
    (lambda v, o: v.__iand__(o), "bitwise_and_", tl.bitwise_and, tl.int64),
    (lambda v, o: v.__ior__(o), "bitwise_or_", tl.bitwise_or, tl.int64),
    (lambda v, o: v.__ixor__(o), "bitwise_xor_", tl.bitwise_xor, tl.int64),
    (lambda v, o: v.__ifloordiv__(o), "floor_divide_", tl.floor_divide, tl.float32),
    (lambda v, o: v.__imod__(o), "remainder_", tl.remainder, tl.float32),
]


class TestInplaceOperatorsWriteIntoSelf:
    """``v //= 2`` (and %=, &=, |=, ^=) must write into v, so a view's base changes too; without
    ``__ifloordiv__`` Python rebinds v to a new tensor and the base keeps its old values."""

    @pytest.mark.parametrize("operator, method, op, dtype", _INPLACE_OPERATORS)
    @given(values=st.lists(st.integers(-20, 20), min_size=6, max_size=6),
           other=st.integers(1, 7), column=st.integers(0, 2))
    def test_operator_on_a_view_updates_the_base(self, operator, method, op, dtype, values, other, column):
        base = tl.tensor(values, dtype=dtype).reshape(2, 3)
        expected = base.clone()
        expected[:, column] = op(base[:, column], other)
        view = base[:, column]
        result = operator(view, other)
        assert result is view
        assert base.tolist() == expected.tolist()
        same = tl.tensor(values, dtype=dtype)
        assert getattr(same, method)(other) is same and same.tolist() == op(tl.tensor(values, dtype=dtype), other).tolist()

    def test_operator_keeps_the_object(self):
        x = tl.arange(6)
        alias = x
        x //= 4
        assert x is alias and alias.tolist() == [0, 0, 0, 0, 1, 1]

    @pytest.mark.parametrize("method", ["floor_divide_", "remainder_"])
    def test_integer_division_by_zero_raises_and_leaves_self(self, method):
        x = tl.arange(3)
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            getattr(x, method)(0)
        assert x.tolist() == [0, 1, 2]

    def test_float_result_cannot_be_written_into_an_integer_tensor(self):
        x = tl.arange(3)
        with pytest.raises(RuntimeError, match="can't be cast"):
            x //= 2.5
        with pytest.raises(RuntimeError):
            x &= 1.5  # bitwise ops refuse float operands

    def test_bool_bitwise_inplace(self):
        x = tl.tensor([True, False, True])
        x &= tl.tensor([True, True, False])
        x |= tl.tensor([False, True, False])
        assert x.tolist() == [True, True, False]

    def test_remainder_inplace_gradient_through_a_view(self):
        x = tl.arange(6.0, requires_grad=True)
        c = x * 1
        c[1:] %= 4
        (c * c).sum().backward()
        assert x.grad.tolist() == [0.0, 2.0, 4.0, 6.0, 0.0, 2.0]  # PyTorch: d(x % 4)/dx = 1

    def test_div_inplace_takes_rounding_mode(self):
        x = tl.tensor([-7, 7])
        x.div_(2, rounding_mode="floor")
        assert x.tolist() == [-4, 3]
        y = tl.tensor([-7.0, 7.0])
        y.div_(2, rounding_mode="trunc")
        assert y.tolist() == [-3.0, 3.0]
        with pytest.raises(RuntimeError, match="rounding_mode"):
            y.div_(2, rounding_mode="bad")
        with pytest.raises(RuntimeError, match="can't be cast"):
            tl.tensor([1]).div_(2, rounding_mode=None)


_NUMPY_SCALAR_TYPES = [np.int8, np.uint8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64]


class TestNumpyScalarsAndTensorsInData:
    """PyTorch infers a tensor()'s dtype from NumPy scalars and from tensors inside a list (their
    own dtype, promoted across the items); in arithmetic a NumPy scalar counts as a Python number."""

    @pytest.mark.parametrize("kind", _NUMPY_SCALAR_TYPES)
    def test_numpy_scalar_keeps_its_dtype(self, kind):
        expected = tl.dtypes.from_numpy_dtype(np.dtype(kind))
        device = "cpu" if kind is np.float16 else None  # no fp16 on PoCL
        assert tl.tensor(kind(1), device=device).dtype is expected
        assert tl.tensor([kind(1), kind(0)], device=device).dtype is expected
        assert tl.tensor([[kind(1)], [kind(2)]], device=device).tolist() == [[1], [2]]

    @pytest.mark.parametrize("kind", _NUMPY_SCALAR_TYPES)
    @pytest.mark.parametrize("dtype", [tl.uint8, tl.int32, tl.float16, tl.float32])
    def test_numpy_scalar_operand_is_weak(self, kind, dtype):
        device = "cpu" if dtype is tl.float16 else None  # no fp16 on PoCL
        x = tl.ones(3, dtype=dtype, device=device)
        python = 2 if np.dtype(kind).kind in "iu" else 2.0
        for result, reference in [(x * kind(2), x * python), (kind(2) - x, python - x),
                                  (x == kind(1), x == (python / 2)), (x.add(kind(2)), x.add(python))]:
            assert result.dtype is reference.dtype and result.tolist() == reference.tolist()
        y = tl.ones(3, dtype=dtype, device=device)
        if dtype.is_floating_point or np.dtype(kind).kind in "iu":
            y += kind(2)
            assert y.dtype is dtype and y.tolist() == [3, 3, 3]

    @pytest.mark.parametrize("dtype, expected", [(tl.int32, tl.float32), (tl.uint8, tl.float32),
                                                 (tl.bool, tl.float32), (tl.float16, tl.float16)])
    def test_numpy_bool_counts_as_a_float(self, dtype, expected):
        device = "cpu" if dtype is tl.float16 else None  # no fp16 on PoCL
        assert (tl.ones(2, dtype=dtype, device=device) * np.True_).dtype is expected

    @given(items=st.lists(st.sampled_from([tl.bool, tl.uint8, tl.int8, tl.int16, tl.int32, tl.int64,
                                           tl.float16, tl.float32, tl.float64, "int", "float", "bool"]),
                          min_size=1, max_size=4))
    def test_list_of_zero_dim_tensors_and_numbers_promotes(self, items):
        python = {"int": (2, tl.int64), "float": (2.0, tl.float32), "bool": (True, tl.bool)}
        data, expected = [], None
        for item in items:
            value, dtype = python[item] if isinstance(item, str) else (tl.tensor(1, dtype=item, device="cpu"), item)
            data.append(value)
            expected = dtype if expected is None else tl.promote_types(expected, dtype)
        out = tl.tensor(data, device="cpu" if expected is tl.float16 else None)
        assert out.dtype is expected and out.shape == (len(items),)

    def test_one_element_tensors_in_a_list_are_elements(self):
        out = tl.tensor([tl.tensor([1.5]), tl.tensor([[2.0]])])
        assert out.shape == (2,) and out.tolist() == [1.5, 2.0]
        assert tl.tensor([tl.tensor(1.0, dtype=tl.float64)]).dtype is tl.float64
        assert tl.tensor([np.array([1.5]), np.array([2])]).dtype is tl.float64
        with pytest.raises(ValueError, match="one element"):
            tl.tensor([tl.tensor([1, 2]), tl.tensor([3, 4])])

    @pytest.mark.parametrize("data", [None, [None], {1: 2}, "a"])
    def test_uninferable_data_raises_runtime_error(self, data):
        with pytest.raises(RuntimeError, match="Could not infer dtype"):
            tl.tensor(data)


class TestReductionDtypeArgument:
    """``sum/prod/cumsum(dtype=d)`` return d (computing in d: narrow integers wrap), not int64."""

    @pytest.mark.parametrize("dtype", [tl.uint8, tl.int8, tl.int16, tl.int32, tl.int64, tl.bool])
    @given(values=st.lists(st.integers(0, 255), min_size=1, max_size=6), keep=st.booleans())
    def test_sum_and_prod_return_the_requested_dtype(self, dtype, values, keep):
        x = tl.tensor(values, dtype=tl.uint8).reshape(1, -1)
        bits = {tl.uint8: 8, tl.int8: 8, tl.int16: 16, tl.int32: 32, tl.int64: 64}

        def wrapped(v):
            if dtype is tl.bool:
                return bool(v)
            low = -(1 << (bits[dtype] - 1)) if dtype is not tl.uint8 else 0
            return (v - low) % (1 << bits[dtype]) + low

        cast = [wrapped(v) for v in values]
        for op, reference in [(tl.sum, sum(cast)), (tl.prod, int(np.prod(cast, dtype=object)))]:
            out = op(x, 1, keep, dtype=dtype)
            assert out.dtype is dtype
            assert out.reshape(-1).tolist() == [wrapped(reference)]
            assert op(x, dtype=dtype).dtype is dtype
        if dtype is not tl.bool:
            out = tl.cumsum(x, 1, dtype=dtype)
            assert out.dtype is dtype
            assert out.reshape(-1).tolist() == [wrapped(sum(cast[:i + 1])) for i in range(len(cast))]

    def test_float_input_is_converted_first(self):
        assert tl.tensor([[1.5, 2.0], [3.0, 4.9]]).sum(dtype=tl.int32).item() == 10
        assert tl.tensor([[1.5, 2.0], [3.0, 4.9]]).sum(0, dtype=tl.int32).dtype is tl.int32

    def test_cumsum_refuses_bool_dtype(self):
        with pytest.raises(NotImplementedError):
            tl.cumsum(tl.tensor([1, 2]), 0, dtype=tl.bool)
        assert tl.cumsum(tl.zeros(0, dtype=tl.int64), 0, dtype=tl.bool).dtype is tl.bool  # no kernel runs

    def test_norm_dtype(self):
        x = tl.tensor([3.0, 4.0], requires_grad=True)
        out = tl.norm(x, dtype=tl.float64)
        assert out.dtype is tl.float64 and out.item() == 5.0
        out.backward()
        assert x.grad.dtype is tl.float32 and x.grad.tolist() == pytest.approx([0.6, 0.8])
        assert x.norm(1, 0, dtype=tl.float64).dtype is tl.float64
        with pytest.raises(RuntimeError, match="floating point"):
            tl.norm(x, dtype=tl.int64)
        with pytest.raises(RuntimeError, match="narrowing"):
            tl.norm(x.double(), dtype=tl.float32)


class TestSetitemConvertsLikeCopy:
    """``x[basic key] = t`` converts t to x's dtype as ``copy_`` does (float into int truncates,
    ints wrap into uint8); advanced keys need t's dtype to match, except a one-value mask fill."""

    @pytest.mark.parametrize("dtype", [tl.uint8, tl.int32, tl.int64, tl.bool, tl.float32, tl.float64])
    @given(values=st.lists(st.floats(-300, 300, width=32), min_size=3, max_size=3),
           source=st.sampled_from([tl.float32, tl.float64, tl.int64, tl.int32]))
    def test_basic_key_converts(self, dtype, values, source):
        x = tl.zeros(2, 3, dtype=dtype)
        value = tl.tensor(values, dtype=source)
        x[1] = value
        assert x.dtype is dtype
        assert x[1].tolist() == value.to(dtype).tolist() and x[0].tolist() == tl.zeros(3, dtype=dtype).tolist()
        x[...] = tl.tensor(values[0], dtype=source)
        assert x.tolist() == tl.full((2, 3), values[0], dtype=source).to(dtype).tolist()

    def test_float_into_integer_rows(self):
        x = tl.arange(6).reshape(2, 3)
        x[0] = tl.tensor([1.5, 2.5, -3.5])
        x[x > 3] = tl.tensor(9.7)
        assert x.tolist() == [[1, 2, -3], [3, 9, 9]]

    def test_gradient_through_a_converted_value(self):
        x = tl.zeros(3, requires_grad=True)
        w = tl.tensor([2.0, 3.0], dtype=tl.float64, requires_grad=True)
        y = x * 1
        y[0:2] = w
        (y * y).sum().backward()
        assert y.dtype is tl.float32 and x.grad.tolist() == [0.0, 0.0, 0.0]
        assert w.grad.dtype is tl.float64 and w.grad.tolist() == [4.0, 6.0]

    @pytest.mark.parametrize("key", [[0, 1], (0, [1, 2]), tl.tensor(True)])
    def test_advanced_key_needs_matching_dtype(self, key):
        x = tl.arange(6.0).reshape(2, 3)
        with pytest.raises(RuntimeError, match="dtypes match"):
            x[key] = tl.ones(3, dtype=tl.float64)
        assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


class TestLossDtypesAndWeights:
    """Losses take their operands' dtypes as PyTorch does instead of promoting: class targets are
    int64 or uint8, class weights have C entries and the input's dtype, BCE's target has the
    input's dtype, and BCE-with-logits' loss has the target's dtype."""

    def setup_method(self):
        self.x = tl.tensor([[1.0, 2.0, 3.0], [0.0, 1.0, 2.0]], requires_grad=True)

    @pytest.mark.parametrize("loss", [tl.nn.functional.cross_entropy,
                                      lambda x, t, **kw: tl.nn.functional.nll_loss(x.log_softmax(1), t, **kw)])
    def test_uint8_targets_equal_int64_targets(self, loss):
        for kwargs in [{}, {"ignore_index": 2}, {"weight": tl.tensor([1.0, 2.0, 3.0])}, {"reduction": "none"}]:
            expected = loss(self.x, tl.tensor([0, 2]), **kwargs)
            assert loss(self.x, tl.tensor([0, 2], dtype=tl.uint8), **kwargs).tolist() == expected.tolist()

    @pytest.mark.parametrize("dtype", [tl.int32, tl.int16, tl.int8, tl.bool])
    def test_other_integer_targets_raise(self, dtype):
        for loss in [tl.nn.functional.cross_entropy, tl.nn.functional.nll_loss]:
            with pytest.raises(RuntimeError, match="Long or Byte"):
                loss(self.x, tl.tensor([0, 1], dtype=dtype))

    @pytest.mark.parametrize("weight", [tl.tensor([1.0, 2.0]), tl.tensor([[1.0, 2.0, 3.0]]),
                                        tl.tensor([1.0, 2.0, 3.0, 4.0])])
    def test_class_weight_needs_one_entry_per_class(self, weight):
        for target in [tl.tensor([0, 1]), tl.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])]:
            with pytest.raises(RuntimeError, match="for all 3 classes"):
                tl.nn.functional.cross_entropy(self.x, target, weight=weight)
        with pytest.raises(RuntimeError, match="for all 3 classes"):
            tl.nn.functional.nll_loss(self.x, tl.tensor([0, 1]), weight=weight)

    @pytest.mark.parametrize("dtype", [tl.float64, tl.int64])
    def test_class_weight_needs_the_input_dtype(self, dtype):
        with pytest.raises(RuntimeError, match="expected scalar type Float"):
            tl.nn.functional.cross_entropy(self.x, tl.tensor([0, 1]), weight=tl.tensor([1, 2, 3], dtype=dtype))

    def test_bce_target_dtype_and_weight(self):
        p = tl.tensor([[0.2, 0.5], [0.1, 0.9]], requires_grad=True)
        t = tl.tensor([[0.0, 1.0], [1.0, 0.0]])
        for target in [t.double(), t.long()]:
            with pytest.raises(RuntimeError, match="Found dtype"):
                tl.nn.functional.binary_cross_entropy(p, target)
        weighted = tl.nn.functional.binary_cross_entropy(p, t, weight=tl.tensor([1.0, 2.0], dtype=tl.float64))
        assert weighted.dtype is tl.float32

    def test_bce_with_logits_has_the_target_dtype(self):
        F = tl.nn.functional
        x = tl.tensor([[0.2, 0.5], [0.1, 0.9]], requires_grad=True)
        t = tl.tensor([[0.0, 1.0], [1.0, 0.0]])
        assert F.binary_cross_entropy_with_logits(x, t.double()).dtype is tl.float64
        assert F.binary_cross_entropy_with_logits(x, t, pos_weight=tl.tensor([1.0, 2.0]).double()).dtype is tl.float32
        loss = F.binary_cross_entropy_with_logits(x.double(), t, weight=tl.tensor([1.0, 2.0]), reduction="none")
        assert loss.dtype is tl.float32
        loss.sum().backward()
        assert x.grad.dtype is tl.float32
        with pytest.raises(RuntimeError, match="can't be cast"):
            F.binary_cross_entropy_with_logits(x, t.long())


class TestClipGradNormNonFinite:
    """clip_grad_norm_ scales by clamp(max_norm / (total + 1e-6), max=1) like PyTorch, so a NaN
    total norm spreads NaN to every gradient and an infinite one zeroes the finite entries."""

    def _params(self, first):
        a, b = tl.zeros(2, 2, requires_grad=True), tl.zeros(2, requires_grad=True)
        a.grad, b.grad = tl.tensor(first), tl.tensor([-5.0, 1.0])
        return [a, b]

    @pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
    def test_nan_gradient_makes_every_gradient_nan(self, norm_type):
        params = self._params([[1.0, -2.0], [3.0, float("nan")]])
        total = tl.nn.utils.clip_grad_norm_(params, 1.0, norm_type=norm_type)
        assert np.isnan(total.item())
        assert all(np.isnan(p.grad.numpy()).all() for p in params)

    def test_infinite_gradient_zeroes_the_finite_entries(self):
        params = self._params([[1.0, -2.0], [3.0, float("inf")]])
        total = tl.nn.utils.clip_grad_norm_(params, 1.0)
        assert total.item() == float("inf")
        assert params[1].grad.tolist() == [0.0, 0.0]
        assert params[0].grad.numpy().ravel()[:3].tolist() == [0.0, 0.0, 0.0]
        assert np.isnan(params[0].grad.numpy()[1, 1])  # inf * 0
        with pytest.raises(RuntimeError, match="non-finite"):
            tl.nn.utils.clip_grad_norm_(self._params([[1.0, 0.0], [0.0, float("inf")]]), 1.0,
                                        error_if_nonfinite=True)
            tl.synchronize()  # OpenCL: the device's error flag is read at the next sync

    @given(max_norm=st.floats(0.0, 20.0), values=st.lists(st.floats(-10, 10), min_size=4, max_size=4))
    def test_finite_gradients_are_scaled_by_the_clamped_coefficient(self, max_norm, values):
        params = self._params([values[:2], values[2:]])
        expected = [np.array(p.grad.tolist()) for p in params]
        total = tl.nn.utils.clip_grad_norm_(params, max_norm)
        norm = np.sqrt(sum((e.astype(np.float64) ** 2).sum() for e in expected))
        assert total.item() == pytest.approx(norm, rel=1e-5)
        coef = min(max_norm / (np.float32(total.item()) + 1e-6), 1.0)
        for p, e in zip(params, expected):
            assert np.allclose(p.grad.numpy(), e * coef, rtol=1e-5, atol=1e-6)


class TestCatSkipsLegacyEmpty:
    """PyTorch's cat ignores 1-D empty tensors (shape [0]) except for dtype promotion."""

    @given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3), position=st.integers(0, 2),
           empty_dtype=st.sampled_from([tl.int32, tl.float32, tl.float64]))
    def test_empty_1d_is_skipped(self, shape, position, empty_dtype):
        x = tl.ones(shape, dtype=tl.int64)
        parts = [x, x]
        parts.insert(position, tl.zeros(0, dtype=empty_dtype))
        out = tl.cat(parts, dim=len(shape) - 1)
        assert out.dtype is tl.promote_types(tl.int64, empty_dtype)
        assert out.shape == tuple(shape[:-1]) + (2 * shape[-1],)

    def test_all_empty_gives_empty(self):
        out = tl.cat([tl.zeros(0, dtype=tl.int32), tl.zeros(0)], 1)
        assert out.shape == (0,) and out.dtype is tl.float32

    def test_gradient_flows_to_the_kept_tensors(self):
        x = tl.ones(2, 3, requires_grad=True)
        tl.cat([x, tl.zeros(0, requires_grad=True), x * 2], 1).sum().backward()
        assert x.grad.tolist() == [[3.0] * 3] * 2

    def test_other_empty_shapes_still_checked(self):
        with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
            tl.cat([tl.ones(2, 3), tl.zeros(0, 2)])


def test_size_slices_and_sums_are_sizes():
    s = tl.Size([2, 3])
    for value, expected in [(s[1:], (3,)), (s + (4,), (2, 3, 4)), ((1,) + s, (1, 2, 3)), (s * 2, (2, 3, 2, 3)),
                            (2 * s, (2, 3, 2, 3)), (s[::-1], (3, 2))]:
        assert isinstance(value, tl.Size) and value == expected
    assert s[0] == 2 and type(s[0]) is int
    assert tl.ones(2, 3, 4).shape[1:] == tl.Size([3, 4])


class TestGradModeDecoratorsAndAliases:
    """``@no_grad`` / ``@enable_grad`` without parentheses, ``inference_mode`` and the small
    Tensor aliases PyTorch code uses (short/char/byte, type_as, ndimension, clamp_min/max)."""

    def test_bare_decorators(self):
        x = tl.ones(2, requires_grad=True)

        @tl.no_grad
        def off(a):
            return a * 2

        @tl.enable_grad
        def on(a):
            return a * 2

        assert not off(x).requires_grad and off.__name__ == "off"
        with tl.no_grad():
            assert on(x).requires_grad
        assert tl.is_grad_enabled()
        with pytest.raises(TypeError, match="takes no arguments"):
            tl.no_grad(3)

    @pytest.mark.parametrize("outer", [True, False])
    def test_inference_mode(self, outer):
        x = tl.ones(2, requires_grad=True)
        with tl.set_grad_enabled(outer):
            with tl.inference_mode():
                assert not (x * 2).requires_grad
            with tl.inference_mode(False):
                assert (x * 2).requires_grad  # PyTorch re-enables recording, even inside no_grad
            assert tl.is_grad_enabled() is outer

        @tl.inference_mode
        def f(a):
            assert tl.is_inference_mode_enabled()
            return a * 2
        assert not f(x).requires_grad and tl.is_grad_enabled()

        @tl.inference_mode(False)
        def g(a):
            assert not tl.is_inference_mode_enabled()
            return a * 2
        with tl.inference_mode():
            assert g(x).requires_grad and tl.is_inference_mode_enabled()
        assert not tl.is_inference_mode_enabled()

    def test_inference_mode_flag_nests_and_restores_on_error(self):
        assert not tl.is_inference_mode_enabled()
        with tl.inference_mode():
            with tl.inference_mode(False):
                assert not tl.is_inference_mode_enabled() and tl.is_grad_enabled()
            assert tl.is_inference_mode_enabled() and not tl.is_grad_enabled()
        with pytest.raises(ZeroDivisionError):
            with tl.inference_mode():
                1 / 0
        assert not tl.is_inference_mode_enabled() and tl.is_grad_enabled()
        assert not tl.autograd.is_inference_mode_enabled()

    def test_dtype_aliases(self):
        x = tl.tensor([1.7, -2.2], requires_grad=True)
        assert x.short().dtype is tl.int16 and x.char().tolist() == [1, -2]
        assert x.byte().tolist() == [1, 254]  # -2.2 -> -2 -> wraps like a C cast
        y = x.type_as(tl.zeros(1, dtype=tl.float64))
        y.sum().backward()
        assert y.dtype is tl.float64 and x.grad.tolist() == [1.0, 1.0]
        assert x.ndimension() == 1 and x.is_cuda is False
        with pytest.raises(TypeError):
            x.type_as(3)

    def test_clamp_min_max_methods(self):
        x = tl.tensor([1.7, -2.2])
        assert x.clamp_min(0).tolist() == pytest.approx([1.7, 0.0])
        assert x.clamp_max(tl.tensor(0.5)).tolist() == pytest.approx([0.5, -2.2])
        assert tl.tensor([1, -2]).clamp_min(0.5).dtype is tl.float32


class TestLerpDtypes:
    """PyTorch's lerp has one floating dtype: end (and a weight tensor that is not 0-d) must
    match the input's dtype, and integer inputs have no kernel."""

    @pytest.mark.parametrize("dtype", [tl.float64, tl.int64, tl.int32])
    def test_end_of_another_dtype_raises(self, dtype):
        with pytest.raises(RuntimeError, match="for `end`"):
            tl.lerp(tl.tensor([1.0, 2.0]), tl.tensor([2.0, 3.0]).to(dtype), 0.5)

    def test_weight_tensor_dtype(self):
        x = tl.tensor([1.0, 2.0])
        assert tl.lerp(x, x * 3, tl.tensor(0.5, dtype=tl.float64)).tolist() == [2.0, 4.0]  # 0-d: fine
        with pytest.raises(RuntimeError, match="for `weight`"):
            tl.lerp(x, x * 3, tl.tensor([0.5, 0.5], dtype=tl.float64))

    def test_zero_dim_weight_promotes(self):
        x = tl.tensor([0, 1, 2])
        out = tl.lerp(x, x * 2, tl.tensor(0.75, dtype=tl.float64))
        assert out.dtype is tl.float64 and out.tolist() == [0.0, 1.75, 3.5]
        y = tl.tensor([0.0, 1.0])
        assert tl.lerp(y, y * 2, tl.tensor(True)).tolist() == [0.0, 2.0]
        assert tl.lerp(y, y * 2, tl.tensor(0.5, dtype=tl.float64)).dtype is tl.float32

    @pytest.mark.parametrize("dtype", [tl.int64, tl.uint8, tl.bool])
    def test_integer_input_raises(self, dtype):
        x = tl.tensor([1, 0], dtype=dtype)
        with pytest.raises(NotImplementedError):
            tl.lerp(x, x, 0.5)
        with pytest.raises(TypeError):
            tl.lerp(tl.tensor([1.0]), 2.0, 0.5)


class TestResultsDoNotAliasTheInput:
    """Ops that PyTorch documents as copies must not hand back the input's memory: repeat with
    every repeat 1 returned a view of x, and F.unfold with 1x1 windows a read-only view."""

    @given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3), transpose=st.booleans())
    def test_repeat_of_ones_is_a_copy(self, shape, transpose):
        x = tl.arange(float(np.prod(shape))).reshape(*shape)
        x = x.mT if transpose and x.ndim > 1 else x
        before = x.tolist()
        y = x.repeat(*([1] * x.ndim))
        y.fill_(-7.0)
        assert x.tolist() == before
        assert y.is_contiguous()

    def test_repeat_gradient_after_writing_the_copy(self):
        x = tl.arange(3.0, requires_grad=True)
        y = x.repeat(1)
        y.mul_(2)
        y.sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]

    def test_unfold_with_unit_windows_is_writable(self):
        x = tl.arange(6.0).reshape(1, 1, 2, 3)
        y = tl.nn.functional.unfold(x, 1)
        y.mul_(2)
        assert y.tolist() == [[[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]]]
        assert x.reshape(-1).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


class TestBoolMatrixProducts:
    """PyTorch has no bool matrix product (matmul, mm, bmm, dot, linear, a contracting einsum
    raise) but einsum without a summed subscript is a plain product and takes bool."""

    @pytest.mark.parametrize("call", [lambda b, B: b @ b, lambda b, B: B @ B, lambda b, B: B @ b,
                                      lambda b, B: tl.bmm(B[None], B[None]), lambda b, B: tl.dot(b, b),
                                      lambda b, B: tl.nn.functional.linear(B, B),
                                      lambda b, B: tl.einsum("ij,jk->ik", B, B)])
    def test_contractions_raise(self, call):
        with pytest.raises(NotImplementedError, match="Bool"):
            call(tl.tensor([True, False]), tl.ones(2, 2, dtype=tl.bool))

    def test_einsum_without_summation_is_a_product(self):
        B = tl.tensor([[True, False], [True, True]])
        assert tl.einsum("ij,ij->ij", B, B).tolist() == B.tolist()
        assert tl.einsum("i,j->ij", B[0], B[1]).tolist() == [[True, True], [False, False]]
        assert tl.outer(B[0], B[1]).dtype is tl.bool

    @given(n=st.integers(1, 3), m=st.integers(1, 3), b=st.integers(1, 2))
    def test_einsum_broadcast_products_match_multiplication(self, n, m, b):
        x = tl.arange(float(b * n)).reshape(b, n)
        y = tl.arange(float(b * m)).reshape(b, m) + 1
        out = tl.einsum("bi,bj->bij", x, y)
        assert out.tolist() == (x[:, :, None] * y[:, None, :]).tolist()
        assert np.allclose(tl.einsum("bi,bj->ij", x, y).numpy(), (x.T @ y).numpy())


class TestOperatorsWithForeignOperands:
    """Operators give NotImplemented for operands that are not tensors, numbers or arrays, as in
    PyTorch: ``x == None`` is False (membership tests in lists work), ``x < None`` a Python
    TypeError; a 0-d tensor formats like its number."""

    def test_equality_with_other_objects(self):
        x = tl.tensor([1.0, 2.0])
        for other in [None, "a", [1.0, 2.0], (1, 2), object()]:
            assert (x == other) is False and (x != other) is True
        assert x in [None, x] and x not in [None, "a"]

    @pytest.mark.parametrize("op", [lambda x: x < None, lambda x: x + None, lambda x: None * x,
                                    lambda x: x @ "a", lambda x: x & None])
    def test_other_operators_raise_type_error(self, op):
        with pytest.raises(TypeError):
            op(tl.tensor([1.0, 2.0]))

    def test_format(self):
        assert f"{tl.tensor(2.5):.3f}" == "2.500" and format(tl.tensor(3), "d") == "3"
        assert "{:>6}".format(tl.tensor(1.5)) == "   1.5"
        assert format(tl.tensor(True)) == "True" and format(tl.tensor(True), ">3") == "  1"
        assert format(tl.tensor([[2.5]])) == str(tl.tensor([[2.5]]))
        with pytest.raises(TypeError):
            f"{tl.tensor([2.5]):.3f}"
        with pytest.raises(ValueError):
            format(tl.tensor(2.5), "d")


def test_where_with_the_condition_alone_is_nonzero():
    x = tl.tensor([[1.0, 0.0], [3.0, 4.0]])
    rows, cols = tl.where(x > 1)
    assert rows.tolist() == [1, 1] and cols.tolist() == [0, 1]
    assert [t.tolist() for t in tl.where(x)] == [[0, 1, 1], [0, 0, 1]]
    with pytest.raises(TypeError):
        tl.where(x > 1, x)


def test_zero_dim_integer_tensors_are_sizes():
    n = tl.tensor(2)
    assert tl.ones(n).shape == (2,) and tl.zeros(2, tl.tensor(3)).shape == (2, 3)
    assert tl.zeros((tl.tensor(1, dtype=tl.uint8), 2)).shape == (1, 2) and tl.randn(n).shape == (2,)
    for bad in [tl.tensor(2.0), tl.tensor([2]), tl.tensor(True)]:
        with pytest.raises(TypeError, match="tuple of ints"):
            tl.ones(bad)
