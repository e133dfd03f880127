"""PyTorch's conventions at ties and kinks (SEMANTICS.md 4.6-4.9) and the op error messages."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl


def grad_of(fn, values):
    x = tl.tensor(values, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.tolist()


class TestTiesAndKinks:
    def test_max_without_dim_splits_ties(self):
        assert grad_of(lambda x: x.max(), [1.0, 3.0, 3.0, 2.0]) == [0.0, 0.5, 0.5, 0.0]
        assert grad_of(lambda x: x.amax(), [1.0, 3.0, 3.0, 2.0]) == [0.0, 0.5, 0.5, 0.0]
        assert grad_of(lambda x: x.min(), [1.0, 1.0]) == [0.5, 0.5]

    def test_max_dim_picks_first_occurrence(self):
        assert grad_of(lambda x: x.max(0).values, [1.0, 3.0, 3.0, 2.0]) == [0.0, 1.0, 0.0, 0.0]
        assert tl.tensor([1.0, 3.0, 3.0]).argmax().item() == 1
        assert tl.tensor([2.0, 1.0, 1.0]).argmin().item() == 1

    def test_maximum_ties_give_half(self):
        a, b = tl.tensor([1.0, 2.0], requires_grad=True), tl.tensor([1.0, 1.0], requires_grad=True)
        tl.maximum(a, b).sum().backward()
        assert a.grad.tolist() == [0.5, 1.0] and b.grad.tolist() == [0.5, 0.0]

    @pytest.mark.parametrize("fn, values, expected", [
        (tl.relu, [0.0], [0.0]),
        (tl.abs, [0.0], [0.0]),
        (tl.sign, [0.0, 2.0], [0.0, 0.0]),
        (lambda x: x.clamp(0.0, 1.0), [0.0, 1.0, 1.5, -0.5], [1.0, 1.0, 0.0, 0.0]),
        (tl.sqrt, [0.0], [math.inf]),
        (lambda x: x ** 0.5, [0.0], [math.inf]),
        (lambda x: x ** 2, [0.0], [0.0]),
        (lambda x: x ** 0, [0.0], [0.0]),
        (lambda x: x.norm(), [0.0, 0.0], [0.0, 0.0]),
        (lambda x: x.prod(), [2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),
        (lambda x: x.prod(), [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]),
        (tl.floor, [1.5], [0.0]),
    ])
    def test_derivative_at_kinks(self, fn, values, expected):
        assert grad_of(fn, values) == expected

    def test_where_does_not_stop_nan_from_the_unused_branch(self):
        assert math.isnan(grad_of(lambda x: tl.where(x > 0, x.sqrt(), x), [-1.0])[0])
        safe = grad_of(lambda x: tl.where(x > 0, tl.where(x > 0, x, 1.0).sqrt(), x), [-1.0])
        assert safe == [1.0]


class TestSoftmaxFamily:
    def test_logsumexp_is_stable(self):
        assert tl.tensor([1000.0, 0.0, -1000.0]).logsumexp(0).item() == 1000.0
        assert abs(tl.tensor([1000.0, 1000.0]).logsumexp(0).item() - 1000.6931) < 1e-3
        assert tl.tensor([-math.inf, -math.inf]).logsumexp(0).item() == -math.inf

    def test_log_softmax_composition(self):
        x = tl.tensor([1000.0, 0.0, -1000.0])
        assert (x - x.logsumexp(0)).tolist() == [0.0, -1000.0, -2000.0]


class TestReductions:
    def test_keepdim_shapes(self):
        x = tl.zeros(2, 3, 4)
        assert x.sum(1, keepdim=True).shape == (2, 1, 4)
        assert x.sum((0, 2)).shape == (3,)
        assert x.sum(-1).shape == (2, 3)

    def test_max_dim_namedtuple(self):
        values, indices = tl.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)
        assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
        result = tl.tensor([[1.0, 5.0]]).min(dim=1, keepdim=True)
        assert result.values.shape == (1, 1) and result.indices.tolist() == [[0]]

    def test_empty_reductions(self):
        assert tl.zeros(0).sum().item() == 0.0
        assert math.isnan(tl.zeros(0).mean().item())
        with pytest.raises(RuntimeError):
            tl.zeros(0).max()

    def test_var_std_correction(self):
        x = tl.tensor([1.0, 2.0, 3.0, 4.0])
        assert abs(x.var().item() - 5 / 3) < 1e-6
        assert x.var(unbiased=False).item() == 1.25 and x.var(correction=0).item() == 1.25
        with pytest.warns(UserWarning, match="degrees of freedom"):
            assert math.isnan(tl.tensor([1.0]).var().item())

    def test_integer_reductions(self):
        assert tl.tensor([1, 2], dtype=tl.int32).sum().dtype is tl.int64
        assert tl.tensor([True, True]).sum().item() == 2
        with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
            tl.tensor([1, 2]).mean()

    def test_cumsum_any_all_norm(self):
        assert tl.tensor([1, 2, 3]).cumsum(0).tolist() == [1, 3, 6]
        assert tl.tensor([0, 1]).any().item() and not tl.tensor([0, 1]).all().item()
        assert tl.tensor([[3.0, 4.0]]).norm(dim=1).tolist() == [5.0]
        assert tl.tensor([3.0, -4.0]).norm(1).item() == 7.0


class TestMovementAndIndexing:
    def test_view_errors_on_non_contiguous(self):
        with pytest.raises(RuntimeError, match=r"Use \.reshape\(\.\.\.\) instead"):
            tl.zeros(2, 3).t().view(6)
        assert tl.zeros(2, 3).t().reshape(6).shape == (6,)

    def test_reshape_inference_errors(self):
        with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
            tl.zeros(6).reshape(-1, -1)
        with pytest.raises(RuntimeError, match=r"shape '\[5\]' is invalid for input of size 6"):
            tl.zeros(6).reshape(5)

    def test_views_alias(self):
        x = tl.zeros(2, 3)
        x.view(6)[0] = 1
        x.t()[1, 0] = 2
        x[1][2] = 3
        assert x.tolist() == [[1, 2, 0], [0, 0, 3]]
        assert x.expand(2, 2, 3)._array.strides[0] == 0

    def test_expand_error(self):
        with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the existing size \(2\) at non-singleton dimension 1.  Target sizes: \[3, 4\].  Tensor sizes: \[3, 2\]"):
            tl.zeros(3, 2).expand(3, 4)
        assert tl.zeros(3, 1).expand(-1, 4).shape == (3, 4)

    def test_T_warns_on_non_2d(self):
        with pytest.warns(UserWarning, match="deprecated"):
            assert tl.zeros(2, 3, 4).T.shape == (4, 3, 2)
        assert tl.zeros(2, 3, 4).mT.shape == (2, 4, 3)

    def test_squeeze_unsqueeze_flatten_unflatten(self):
        x = tl.zeros(1, 3, 1)
        assert x.squeeze().shape == (3,) and x.squeeze(0).shape == (3, 1) and x.squeeze((0, 2)).shape == (3,)
        assert x.unsqueeze(-1).shape == (1, 3, 1, 1)
        assert tl.zeros(2, 3, 4).flatten(1).shape == (2, 12)
        assert tl.zeros(2, 12).unflatten(1, (3, -1)).shape == (2, 3, 4)

    def test_cat_stack_split_chunk_unbind(self):
        with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the list."):
            tl.cat([tl.zeros(2, 3), tl.zeros(2, 4)])
        with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[2, 4\] at entry 1"):
            tl.stack([tl.zeros(2, 3), tl.zeros(2, 4)])
        assert [p.shape[0] for p in tl.zeros(5).split(2)] == [2, 2, 1]
        assert [p.shape[0] for p in tl.zeros(5).split([1, 4])] == [1, 4]
        assert [p.shape[0] for p in tl.zeros(5).chunk(3)] == [2, 2, 1]
        assert len(tl.zeros(3, 2).unbind(1)) == 2
        assert tl.cat([tl.tensor([1]), tl.tensor([2.5])]).dtype is tl.float32

    def test_repeat_flip_pad_tril(self):
        assert tl.tensor([1, 2]).repeat(2, 2).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
        assert tl.tensor([[1, 2], [3, 4]]).flip(0).tolist() == [[3, 4], [1, 2]]
        assert tl.ops.movement.pad(tl.ones(1, 2), (1, 0)).tolist() == [[0, 1, 1]]
        assert tl.ops.movement.pad(tl.tensor([1.0, 2.0, 3.0]), (-1, 1)).tolist() == [2.0, 3.0, 0.0]
        assert tl.ones(2, 2).tril().tolist() == [[1, 0], [1, 1]] and tl.ones(2, 2).triu(1).tolist() == [[0, 1], [0, 0]]

    def test_indexing_kinds(self):
        x = tl.arange(12).reshape(3, 4)
        assert x[1].tolist() == [4, 5, 6, 7] and x[-1, -1].item() == 11
        assert x[:, ::2].tolist() == [[0, 2], [4, 6], [8, 10]]
        assert x[None, ..., 0].shape == (1, 3)
        assert x[[0, 2], [1, 3]].tolist() == [1, 11]
        assert x[x > 9].tolist() == [10, 11]
        assert x[tl.tensor([True, False, True])].shape == (2, 4)
        with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
            x[5]
        with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
            x.sum(2)

    def test_gather_scatter_index_select_masked_fill(self):
        x = tl.tensor([[1, 2], [3, 4]])
        assert x.gather(1, tl.tensor([[0, 0], [1, 0]])).tolist() == [[1, 1], [4, 3]]
        assert tl.zeros(2, 2, dtype=tl.int64).scatter(1, tl.tensor([[1], [0]]), tl.tensor([[5], [6]])).tolist() == [[0, 5], [6, 0]]
        assert tl.zeros(3).scatter_add(0, tl.tensor([0, 0, 2]), tl.tensor([1.0, 2.0, 3.0])).tolist() == [3.0, 0.0, 3.0]
        assert x.index_select(0, tl.tensor([1, 1])).tolist() == [[3, 4], [3, 4]]
        assert x.masked_fill(x > 2, 0).tolist() == [[1, 2], [0, 0]]
        assert tl.nonzero(tl.tensor([0, 3, 0, 4])).tolist() == [[1], [3]]


class TestLinearAlgebra:
    def test_matmul_shapes(self):
        assert (tl.zeros(3) @ tl.zeros(3)).shape == ()
        assert (tl.zeros(3) @ tl.zeros(3, 4)).shape == (4,)
        assert (tl.zeros(2, 3) @ tl.zeros(3)).shape == (2,)
        assert (tl.zeros(2, 1, 2, 3) @ tl.zeros(5, 3, 4)).shape == (2, 5, 2, 4)

    def test_matmul_errors(self):
        with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
            tl.zeros(2, 3) @ tl.zeros(4, 5)
        with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[3, 3\]."):
            tl.bmm(tl.zeros(2, 2, 3), tl.zeros(3, 3, 4))

    def test_einsum_and_outer(self):
        a, b = tl.randn(2, 3), tl.randn(3, 4)
        assert tl.allclose(tl.einsum("ij,jk->ik", a, b), a @ b)
        assert tl.einsum("ii", tl.eye(3)).item() == 3.0
        assert tl.einsum("i,j->ij", tl.tensor([1.0, 2.0]), tl.tensor([3.0])).tolist() == [[3.0], [6.0]]
        assert tl.outer(tl.tensor([1.0, 2.0]), tl.tensor([3.0, 4.0])).tolist() == [[3.0, 4.0], [6.0, 8.0]]

    def test_broadcast_error_message(self):
        with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 0"):
            tl.zeros(3) + tl.zeros(4)


class TestRoll:
    """tl.roll / Tensor.roll: PyTorch's argument rules (values are covered by the roll OpSpecs)."""

    def test_values_and_forms(self):
        x = tl.arange(6).reshape(2, 3)
        assert tl.roll(x, 1).tolist() == [[5, 0, 1], [2, 3, 4]]
        assert x.roll((1, 2), (0, 1)).tolist() == [[4, 5, 3], [1, 2, 0]]
        assert x.roll(shifts=-4, dims=1).tolist() == [[1, 2, 0], [4, 5, 3]]
        assert x.roll((1, 1), (1, 1)).tolist() == x.roll(2, 1).tolist()  # a repeated dim adds up
        assert x.roll(1, ()).tolist() == tl.roll(x, 1).tolist()
        assert tl.roll(tl.tensor(5.0), 3).tolist() == 5.0 and tl.roll(tl.zeros(0, 3), 1, 0).shape == (0, 3)
        assert tl.roll(tl.zeros(0, 3), (1, 2), (5, -9)).shape == (0, 3)  # empty: dims go unchecked

    @pytest.mark.parametrize("shifts", [0, 3, 6])
    def test_a_full_turn_is_a_copy_not_a_view(self, shifts):
        x = tl.tensor([1.0, 2.0, 3.0])
        for y in (x.roll(shifts), x.roll(shifts, 0)):
            y[0] = 9.0
            assert x.tolist() == [1.0, 2.0, 3.0]

    @pytest.mark.parametrize("call, exc, words", [
        (lambda x: x.roll((1, 2)), RuntimeError, ["shifts and dimensions must align", "shifts: 2", "dims:0"]),
        (lambda x: x.roll(1, (0, 1)), RuntimeError, ["must align", "shifts: 1", "dims:2"]),
        (lambda x: x.roll((), ()), RuntimeError, ["`shifts` required"]),
        (lambda x: x.roll(1, 2), IndexError, ["Dimension out of range", "roll"]),
        (lambda x: x.roll(1.5), TypeError, ["roll", "shifts"]),
        (lambda x: x.roll(1, "a"), TypeError, ["roll", "dims"]),
        (lambda x: tl.tensor(1.0).roll(1, 0), IndexError, ["no dimensions"]),
    ])
    def test_errors(self, call, exc, words):
        with pytest.raises(exc) as info:
            call(tl.zeros(2, 3))
        for word in words:
            assert word in str(info.value)


class TestLegacyConstructors:
    """tl.Tensor(...) and tl.FloatTensor & co. as PyTorch's legacy constructors; ops still make
    plain Tensors through Tensor._make (which never calls __init__)."""

    def test_tensor_forms(self):
        x = tl.Tensor([1, 2])
        assert type(x) is tl.Tensor and x.dtype is tl.float32 and x.tolist() == [1.0, 2.0]
        assert x.is_leaf and not x.requires_grad and (x * 2).tolist() == [2.0, 4.0]
        assert tl.Tensor([[1.5, 2], [3, 4]]).shape == (2, 2)
        assert tl.Tensor((2, 3)).tolist() == [2.0, 3.0]  # a tuple is data, as in PyTorch
        for made, shape in [(tl.Tensor(2, 3), (2, 3)), (tl.Tensor(tl.Size([2, 3])), (2, 3)),
                            (tl.Tensor(3), (3,)), (tl.Tensor(0), (0,)), (tl.Tensor(), (0,)), (tl.Tensor([]), (0,))]:
            assert made.shape == shape and made.dtype is tl.float32
        assert tl.Tensor(np.array([1, 2])).dtype is tl.float32
        assert tl.Tensor([True, False]).tolist() == [1.0, 0.0]

    def test_from_a_tensor_is_an_alias_keeping_its_dtype(self):
        b = tl.tensor([1.0, 2.0])
        c = tl.Tensor(b)
        c[0] = 5.0
        assert c is not b and b.tolist() == [5.0, 2.0]
        assert tl.Tensor(tl.tensor([1, 2])).dtype is tl.int64

    def test_typed_constructors_and_isinstance(self):
        assert tl.LongTensor([1.7, -2.5]).tolist() == [1, -2] and tl.LongTensor(2, 2).dtype is tl.int64
        assert tl.DoubleTensor([1]).dtype is tl.float64 and tl.BoolTensor([1, 0]).tolist() == [True, False]
        x = tl.FloatTensor([1, 2])
        assert type(x) is tl.Tensor and isinstance(x, tl.FloatTensor) and isinstance(x, tl.Tensor)
        assert not isinstance(x, tl.LongTensor) and not isinstance([1.0], tl.FloatTensor)
        assert isinstance(tl.nn.Parameter(tl.ones(2)), tl.Tensor)

    @pytest.mark.parametrize("call, exc, words", [
        (lambda: tl.Tensor(2.5), TypeError, ["data must be a sequence", "float", "tl.tensor(2.5)"]),
        (lambda: tl.Tensor("ab"), TypeError, ["data must be a sequence", "str"]),
        (lambda: tl.Tensor(2, [3]), TypeError, ["ints", "(int, list)"]),
        (lambda: tl.Tensor(-1), RuntimeError, ["negative dimension -1"]),
        (lambda: tl.Tensor([1, 2], dtype=tl.float64), TypeError, ["dtype"]),
        (lambda: tl.FloatTensor(tl.tensor([1, 2])), TypeError, ["FloatTensor", "float32", "int64"]),
    ])
    def test_errors(self, call, exc, words):
        with pytest.raises(exc) as info:
            call()
        for word in words:
            assert word in str(info.value)


class TestModuloFamily:
    """fmod (C's: the dividend's sign, truncated quotient) next to remainder (the divisor's)."""

    @settings(deadline=None)
    @given(st.lists(st.tuples(st.integers(-1000, 1000), st.integers(-30, 30).filter(bool)),
                    min_size=1, max_size=8),
           st.sampled_from([tl.int64, tl.int32, tl.float32, tl.float64]))
    def test_fmod_has_the_dividends_sign(self, pairs, dtype):
        a, b = (tl.tensor([p[i] for p in pairs], dtype=dtype) for i in (0, 1))
        assert tl.fmod(a, b).dtype is dtype
        assert tl.fmod(a, b).tolist() == [math.fmod(x, y) for x, y in pairs]

    @pytest.mark.parametrize("dtype, low", [(tl.int64, -2 ** 63), (tl.int32, -2 ** 31)])
    def test_most_negative_integer_modulo_minus_one_is_zero(self, dtype, low):
        # C's INT_MIN % -1 overflows: the OpenCL kernels gave -1 for remainder
        a, b = tl.tensor([low, low], dtype=dtype), tl.tensor([-1, 1], dtype=dtype)
        assert tl.remainder(a, b).tolist() == [0, 0]
        assert tl.fmod(a, b).tolist() == [0, 0]

    def test_fmod_errors(self):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            tl.fmod(tl.tensor([3, 4]), tl.tensor([1, 0]))
        with pytest.raises(NotImplementedError, match="fmod"):
            tl.fmod(tl.tensor([True]), tl.tensor([True]))
        with pytest.raises(TypeError, match="fmod"):
            tl.fmod(2, tl.tensor([3]))

    def test_fmod_gradient_is_minus_the_truncated_quotient(self):
        a = tl.tensor([5., -7.], requires_grad=True)
        b = tl.tensor([2., 3.], requires_grad=True)
        tl.fmod(a, b).sum().backward()
        assert a.grad.tolist() == [1., 1.] and b.grad.tolist() == [-2., 2.]


class TestLogAddExp:
    """logaddexp/logaddexp2 at ties and infinities, where the stable form needs care (PyTorch's
    values: the same infinity twice is that infinity, -inf never wins, ties split 1/2)."""

    @pytest.mark.parametrize("op", [tl.logaddexp, tl.logaddexp2])
    def test_infinities_and_ties(self, op):
        inf = math.inf
        a = tl.tensor([inf, -inf, inf, -inf, 0., 1000.], requires_grad=True)
        b = tl.tensor([inf, -inf, -inf, 0., 0., -1000.], requires_grad=True)
        out = op(a, b)
        assert out.tolist()[:3] == [inf, -inf, inf] and out.tolist()[3] == 0. and out.tolist()[5] == 1000.
        ga, gb = tl.autograd.grad(out.sum(), (a, b))
        assert ga.tolist()[2:] == [1., 0., 0.5, 1.] and gb.tolist()[2:] == [0., 1., 0.5, 0.]

    def test_floating_tensors_only(self):
        with pytest.raises(NotImplementedError, match="logaddexp.*Long"):
            tl.logaddexp(tl.tensor([1, 2]), tl.tensor([1, 2]))
        with pytest.raises(TypeError, match="logaddexp"):
            tl.logaddexp(tl.tensor([1.]), 1.)


def _wrap(value, bits, signed):
    value &= (1 << bits) - 1
    return value - (1 << bits) if signed and value >> (bits - 1) else value


class TestShifts:
    """<< and >> as PyTorch: counts outside [0, bits) give 0 (left) or the sign fill (right),
    left shifts wrap into the dtype."""

    @settings(deadline=None)
    @given(st.sampled_from([(tl.int8, 8, True), (tl.int16, 16, True), (tl.int32, 32, True),
                            (tl.int64, 64, True), (tl.uint8, 8, False)]), st.data())
    def test_against_pythons_shifts(self, dtype_bits, data):
        dtype, bits, signed = dtype_bits
        low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        values = data.draw(st.lists(st.integers(low, high), min_size=1, max_size=6))
        counts = data.draw(st.lists(st.integers(max(low, -3), min(high, bits + 3)),
                                    min_size=len(values), max_size=len(values)))
        a, b = tl.tensor(values, dtype=dtype), tl.tensor(counts, dtype=dtype)
        inside = [0 <= c < bits for c in counts]
        assert (a << b).tolist() == [_wrap(v << c, bits, signed) if ok else 0
                                     for v, c, ok in zip(values, counts, inside)]
        assert (a >> b).tolist() == [v >> c if ok else (-1 if v < 0 else 0)
                                     for v, c, ok in zip(values, counts, inside)]

    def test_floats_and_bools_are_refused(self):
        with pytest.raises(NotImplementedError, match="bitwise_left_shift.*Float"):
            tl.tensor([1., 2.]) << 1
        with pytest.raises(NotImplementedError, match="bitwise_right_shift.*Bool"):
            tl.tensor([True]) >> tl.tensor([True])


class TestXlogy:
    def test_zero_input_and_its_gradient(self):
        # PyTorch: 0 at x == 0 unless y is NaN; d/dx = xlogy(grad, y), 0 where x == 0 and y <= 0
        inf, nan = math.inf, math.nan
        x = tl.tensor([0., 0., 0., 0., 1., 2.], dtype=tl.float64, requires_grad=True)
        y = tl.tensor([0., -1., nan, inf, 0., 3.], dtype=tl.float64, requires_grad=True)
        out = tl.xlogy(x, y)
        assert [v if v == v else "nan" for v in out.tolist()] == [0., 0., "nan", 0., -inf, 2 * math.log(3.)]
        gx, gy = tl.autograd.grad(out.sum(), (x, y))
        assert [v if v == v else "nan" for v in gx.tolist()] == [0., 0., "nan", inf, -inf, math.log(3.)]
        assert gy.tolist()[4:] == [inf, 2 / 3.]

    def test_dtypes_and_numbers(self):
        assert tl.xlogy(2, tl.tensor([1, 3])).dtype is tl.float32
        assert tl.xlogy(tl.tensor([1.], dtype=tl.float64), 2).dtype is tl.float64


class TestIntegerOperandsOfFloatingBinaryOps:
    """copysign, atan2, xlogy convert integer operands to float directly (PyTorch): a 0-d int64
    or a Python int against a uint8 tensor must not wrap through uint8 first (-1 became 255)."""

    @settings(deadline=None)
    @given(st.sampled_from(["copysign", "atan2", "xlogy"]), st.integers(0, 255), st.integers(-300, 300),
           st.booleans())
    def test_values_are_not_wrapped_into_the_integer_result_dtype(self, name, value, other, zero_dim):
        a = tl.tensor([value], dtype=tl.uint8)
        b = tl.tensor(other) if zero_dim or name == "atan2" else other
        got = getattr(tl, name)(a, b)
        want = getattr(tl, name)(a.float(), tl.tensor(float(other)))
        assert got.dtype is tl.float32
        assert got.tolist() == want.tolist() or (math.isnan(got.item()) and math.isnan(want.item()))
