"""scatter_reduce, scatter(reduce=), index_add/index_copy/index_fill, masked_scatter, diagonal,
diag_embed, Tensor.unfold, meshgrid, tile, repeat_interleave and PyTorch's in-place method names:
the conventions the op specs (tests/op_specs.py) avoid (ties, zeros, views, errors). Tensors are
made on the default device, so the suite's two passes run every test on both backends."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite.autograd import gradcheck, gradgradcheck
from tensorlite.testing import tensors
from tensorlite.testing.strategies import shapes


def t(values, **kwargs):
    return tl.tensor(values, **kwargs)


def f64(values, requires_grad=True):
    return tl.tensor(values, dtype=tl.float64, requires_grad=requires_grad)


# -- scatter_reduce ---------------------------------------------------------------------------
class TestScatterReduce:
    def test_amax_shares_the_gradient_evenly_among_ties(self):
        x, src = f64([1., 5., 3.]), f64([5., 5., 2.])
        out = x.scatter_reduce(0, t([1, 1, 0]), src, "amax")
        out.backward(f64([1., 1., 1.], False))
        assert out.tolist() == [2., 5., 3.]
        np.testing.assert_allclose(x.grad.numpy(), [0., 1 / 3, 1.])
        np.testing.assert_allclose(src.grad.numpy(), [1 / 3, 1 / 3, 1.])

    def test_amin_tie_counts_self_even_when_excluded_as_pytorch(self):
        x, src = f64([1., 5., 3.]), f64([5., 5., 2.])
        x.scatter_reduce(0, t([1, 1, 0]), src, "amin", include_self=False).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [0., 0., 1.])
        np.testing.assert_allclose(src.grad.numpy(), [1 / 3, 1 / 3, 1.])

    def test_prod_gradient_with_zero_factors(self):
        x, src = f64([2., 3.]), f64([0., 4., 0., 0.])
        out = x.scatter_reduce(0, t([0, 0, 1, 1]), src, "prod")
        out.sum().backward()
        assert out.tolist() == [0., 0.]
        np.testing.assert_allclose(x.grad.numpy(), [0., 0.])      # a zero among its co-factors
        np.testing.assert_allclose(src.grad.numpy(), [8., 0., 0., 0.])  # the single zero gets 2 * 4

    def test_prod_gradcheck_through_zeros(self):
        index = t([0, 0, 1, 2, 2])
        for x_values, src_values in (([2., 0., 1.5], [0., 4., -1., 0.5, 3.]), ([0., 1., 2.], [1., 2., 0., 0., 3.])):
            for include_self in (True, False):
                fn = lambda x, s: x.scatter_reduce(0, index, s, "prod", include_self=include_self)  # noqa: E731
                assert gradcheck(fn, (f64(x_values), f64(src_values)))
                # the second derivative through a single zero factor is not zero (SEMANTICS.md 4)
                assert gradgradcheck(fn, (f64(x_values), f64(src_values)))

    @pytest.mark.parametrize("reduce", ["amax", "amin", "mean", "prod", "sum"])
    @pytest.mark.parametrize("include_self", [True, False])
    def test_double_backward(self, reduce, include_self):
        x, src = f64([0.3, -1.2, 2.5, 0.7]), f64([1.1, -0.4, 0.9, 1.3, -0.8])
        index = t([3, 0, 3, 1, 0])
        fn = lambda x, s: x.scatter_reduce(0, index, s, reduce, include_self=include_self) ** 2  # noqa: E731
        assert gradcheck(fn, (x, src))
        assert gradgradcheck(fn, (x, src))

    def test_matches_numpy_with_repeated_indices_in_2d(self):
        x = tl.arange(12.).reshape(3, 4)
        index = t([[0, 0, 2, 1], [2, 2, 2, 2]])
        src = tl.arange(8.).reshape(2, 4) - 3
        expected = x.numpy().copy()
        np.maximum.at(expected, (index.numpy(), np.arange(4)[None, :].repeat(2, 0)), src.numpy())
        np.testing.assert_array_equal(x.scatter_reduce(0, index, src, "amax").numpy(), expected)

    def test_nan_wins_in_amax_and_amin(self):
        x = t([1., 2.])
        src = t([float("nan"), 5., -5.])
        for reduce in ("amax", "amin"):
            out = x.scatter_reduce(0, t([0, 1, 1]), src, reduce)
            assert np.isnan(out[0].item()) and out[1].item() == (5. if reduce == "amax" else -5.)

    def test_integer_mean_rounds_down_and_bool_reduces_logically(self):
        out = t([1, 2, 3]).scatter_reduce(0, t([0, 0, 1, 2]), t([2, 5, -3, 4]), "mean")
        assert out.tolist() == [2, -1, 3]
        flags = t([True, False])
        assert flags.scatter_reduce(0, t([0, 1]), t([True, True]), "prod").tolist() == [True, False]
        assert flags.scatter_reduce(0, t([0, 1]), t([False, True]), "amax").tolist() == [True, True]

    @pytest.mark.parametrize("dtype", [tl.int8, tl.uint8, tl.int32, tl.int64, tl.float32])
    def test_atomic_reductions_in_every_dtype(self, dtype):
        x = t([3, 1, 2], dtype=dtype)
        index = t([0, 2, 2, 0, 2])
        src = t([2, 5, 1, 4, 3], dtype=dtype)
        assert x.scatter_reduce(0, index, src, "prod").tolist() == [24, 1, 30]
        assert x.scatter_reduce(0, index, src, "amax", include_self=False).tolist() == [4, 1, 5]
        assert x.scatter_reduce(0, index, src, "amin").tolist() == [2, 1, 1]

    def test_errors(self):
        x = tl.zeros(3)
        with pytest.raises(RuntimeError, match="reduce argument must be either sum, prod, mean, amax or amin"):
            x.scatter_reduce(0, t([0]), t([1.]), "max")
        with pytest.raises(RuntimeError, match=r"scatter\(\): Expected self.dtype to be equal to src.dtype"):
            x.scatter_reduce(0, t([0]), t([1.], dtype=tl.float64), "sum")
        with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
            x.scatter_reduce(0, t([0.]), t([1.]), "sum")
        with pytest.raises(RuntimeError, match="index 5 is out of bounds"):
            x.scatter_reduce(0, t([5]), t([1.]), "amax").tolist()


class TestScatterWithReduce:
    def test_multiply_and_add(self):
        x = tl.ones(3)
        with pytest.warns(UserWarning, match="scatter_reduce"):
            assert x.scatter(0, t([1, 1, 0]), t([5., 5., 2.]), reduce="multiply").tolist() == [2., 25., 1.]
        assert x.scatter(0, t([1, 1]), 2., reduce="add").tolist() == [1., 5., 1.]
        assert x.scatter(0, t([2, 2]), 3., reduce="multiply").tolist() == [1., 1., 9.]

    def test_other_reductions_refused(self):
        with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
            tl.ones(3).scatter(0, t([0]), 2., reduce="mean")

    def test_in_place_forms(self):
        x = tl.zeros(3)
        assert x.scatter_(0, t([2]), 4.) is x and x.tolist() == [0., 0., 4.]
        x.scatter_add_(0, t([2, 0]), t([1., 1.]))
        x.scatter_reduce_(0, t([2]), t([10.]), "amax")
        assert x.tolist() == [1., 0., 10.]


# -- index_add / index_copy / index_fill / masked_scatter -----------------------------------
class TestIndexOps:
    def test_index_add_accumulates_repeats_with_alpha(self):
        x = tl.zeros(3, 2)
        out = x.index_add(0, t([0, 2, 0]), tl.ones(3, 2), alpha=2)
        assert out.tolist() == [[4., 4.], [0., 0.], [2., 2.]]
        assert x.tolist() == [[0., 0.]] * 3

    def test_index_add_gradients(self):
        index = t([1, 1, 0])
        fn = lambda x, s: x.index_add(1, index, s, alpha=-1.5) ** 2  # noqa: E731
        x, s = f64(np.random.default_rng(0).normal(size=(2, 3))), f64(np.random.default_rng(1).normal(size=(2, 3)))
        assert gradcheck(fn, (x, s)) and gradgradcheck(fn, (x, s))

    def test_index_fill_counts_negative_indices_from_the_end_and_takes_a_tensor_value(self):
        value = tl.tensor(2., requires_grad=True)
        out = tl.ones(2, 3).index_fill(1, t([-1, 0]), value)
        assert out.tolist() == [[2., 1., 2.], [2., 1., 2.]]
        out.sum().backward()
        assert value.grad.item() == 4.

    def test_index_copy_in_place_returns_self(self):
        x = tl.zeros(2, 3)
        assert x.index_copy_(1, t([2, 0]), t([[1., 2.], [3., 4.]])) is x
        assert x.tolist() == [[2., 0., 1.], [4., 0., 3.]]

    def test_errors_name_the_op_and_change_nothing(self):
        x = tl.zeros(3)
        with pytest.raises(RuntimeError, match="index_add_.*int32/int64"):
            x.index_add_(0, t([0.]), tl.ones(1))
        with pytest.raises(IndexError, match="Index is supposed to be a vector"):
            x.index_add_(0, t([[0]]), tl.ones(1))
        with pytest.raises(RuntimeError, match=r"Number of indices \(2\) should be equal to source.size\(dim\)"):
            x.index_add_(0, t([0, 1]), tl.ones(1))
        with pytest.raises(RuntimeError, match="must have the same scalar type"):
            x.index_add_(0, t([0]), tl.ones(1, dtype=tl.float64))
        with pytest.raises(RuntimeError, match="Expected a long tensor for index"):
            x.index_copy_(0, t([0], dtype=tl.int32), tl.ones(1))
        with pytest.raises(IndexError, match="Expected dtype int64 for index"):
            x.index_fill_(0, t([0], dtype=tl.int32), 1.)
        with pytest.raises(RuntimeError, match="source tensor shape must match self tensor shape"):
            tl.zeros(3, 2).index_add(0, t([0]), tl.ones(1, 3))
        with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
            x.index_fill_(0, t([0]), t([1.]))
        assert x.tolist() == [0., 0., 0.]

    def test_out_of_range_index(self):
        with pytest.raises(IndexError, match="index out of range in self"):
            tl.zeros(3).index_add(0, t([3]), tl.ones(1)).tolist()
        with pytest.raises(IndexError, match="index_copy_.*index 5 is out of bounds"):
            tl.zeros(3).index_copy(0, t([5]), tl.ones(1)).tolist()

    def test_masked_scatter_takes_source_in_order(self):
        x = tl.zeros(2, 2)
        mask = t([True, False])  # broadcast over the rows
        source = f64([1., 2., 3.])
        out = x.double().masked_scatter(mask, source)
        assert out.tolist() == [[1., 0.], [2., 0.]]
        out.sum().backward()
        assert source.grad.tolist() == [1., 1., 0.]

    def test_masked_scatter_errors(self):
        with pytest.raises(RuntimeError, match="only supports boolean masks"):
            tl.zeros(2).masked_scatter(t([1, 0]), tl.ones(2))
        with pytest.raises(RuntimeError, match="Number of elements of source < number of ones in mask"):
            tl.zeros(3).masked_scatter(t([True, True, False]), tl.ones(1)).tolist()
        with pytest.warns(UserWarning, match="uint8"), pytest.raises(RuntimeError, match="only supports boolean"):
            tl.zeros(2).masked_scatter(t([1, 0], dtype=tl.uint8), tl.ones(2))


# -- diagonals and windows --------------------------------------------------------------------
class TestViews:
    def test_diagonal_is_a_view(self):
        x = tl.arange(12.).reshape(3, 4)
        diagonal = x.diagonal(1)
        diagonal.mul_(10)
        assert x.tolist() == [[0., 10., 2., 3.], [4., 5., 60., 7.], [8., 9., 10., 110.]]
        assert diagonal._version == x._version > 0

    def test_diagonal_of_a_transposed_tensor(self):
        x = tl.arange(24.).reshape(2, 3, 4)
        assert x.transpose(0, 2).diagonal(0, 0, 2).tolist() == np.diagonal(
            x.numpy().transpose(2, 1, 0), 0, 0, 2).tolist()

    def test_unfold_is_a_view_with_overlapping_windows(self):
        x = tl.arange(5.)
        windows = x.unfold(0, 3, 1)
        assert windows.tolist() == [[0., 1., 2.], [1., 2., 3.], [2., 3., 4.]]
        windows[1, 0].fill_(-1)
        assert x.tolist() == [0., -1., 2., 3., 4.]

    def test_an_element_taken_by_integers_is_a_view(self):
        x = tl.arange(6.).reshape(2, 3)
        x[1, 0].fill_(5)
        x[0][2].add_(1)
        assert x.tolist() == [[0., 1., 3.], [5., 4., 5.]]

    def test_unfold_gradient_adds_overlaps(self):
        x = f64([1., 2., 3., 4.])
        x.unfold(0, 2, 1).sum().backward()
        assert x.grad.tolist() == [1., 2., 2., 1.]
        assert gradgradcheck(lambda x: x.unfold(0, 3, 1) ** 2, (f64([[0.5, -1., 2., 0.3]]).reshape(4),))

    def test_diagonal_inplace_write_is_differentiable(self):
        x = f64([[1., 2.], [3., 4.]])
        y = x * 1
        y.diagonal().mul_(3)
        y.sum().backward()
        assert x.grad.tolist() == [[3., 1.], [1., 3.]]

    def test_errors(self):
        with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
            tl.zeros(2, 2).diagonal(0, 1, -1)
        with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 0 is 3 but size is 4"):
            tl.zeros(3).unfold(0, 4, 1)
        with pytest.raises(RuntimeError, match="step is 0 but must be > 0"):
            tl.zeros(3).unfold(0, 1, 0)
        with pytest.raises(RuntimeError, match="trace: expected a matrix"):
            tl.trace(tl.zeros(3))
        with pytest.raises(RuntimeError, match="Supports 1D or 2D tensors"):
            tl.diag(tl.zeros(1, 1, 1))

    def test_trace_of_integers_is_int64(self):
        assert tl.trace(tl.arange(6, dtype=tl.int8).reshape(2, 3)).dtype is tl.int64


# -- meshgrid, tile, repeat_interleave ----------------------------------------------------------
class TestTiling:
    def test_meshgrid_warns_without_indexing(self):
        with pytest.warns(UserWarning, match="pass the indexing argument"):
            tl.meshgrid(tl.arange(2), tl.arange(3))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            grids = tl.meshgrid([tl.arange(2), tl.arange(3), t(7)], indexing="xy")
        assert [g.shape for g in grids] == [(3, 2, 1)] * 3
        assert grids[0][:, :, 0].tolist() == [[0, 1]] * 3

    @given(data=st.data())
    def test_meshgrid_matches_numpy(self, data):
        count = data.draw(st.integers(1, 3))
        inputs = [data.draw(tensors(shape=(data.draw(st.integers(0, 3)),))) for _ in range(count)]
        indexing = data.draw(st.sampled_from(["ij", "xy"]))
        expected = np.meshgrid(*[x.numpy() for x in inputs], indexing=indexing)
        for grid, reference in zip(tl.meshgrid(*inputs, indexing=indexing), expected):
            np.testing.assert_array_equal(grid.numpy(), reference)

    def test_meshgrid_gradient_and_errors(self):
        a, b = f64([1., 2.]), f64([3., 4., 5.])
        assert gradcheck(lambda a, b: tl.meshgrid(a, b, indexing="xy")[0] * tl.meshgrid(a, b, indexing="xy")[1],
                         (a, b))
        with pytest.raises(RuntimeError, match='indexing must be one of "xy" or "ij"'):
            tl.meshgrid(a, indexing="yx")
        with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
            tl.meshgrid(tl.zeros(2, 2), indexing="ij")

    def test_repeat_interleave_forms(self):
        x = t([[1, 2], [3, 4]])
        assert x.repeat_interleave(t([1, 2]), dim=0, output_size=3).tolist() == [[1, 2], [3, 4], [3, 4]]
        assert tl.repeat_interleave(t([2, 0, 1])).tolist() == [0, 0, 2]
        assert tl.repeat_interleave(x, t([2])).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
        assert tl.repeat_interleave(x, 0, dim=1).shape == (2, 0)

    def test_repeat_interleave_errors(self):
        with pytest.raises(RuntimeError, match="repeats must have the same size as input along dim"):
            tl.repeat_interleave(tl.zeros(3), t([1, 2]))
        with pytest.raises(RuntimeError, match="repeats can not be negative"):
            tl.repeat_interleave(tl.zeros(2), t([1, -1]))
        with pytest.raises(RuntimeError, match="Long or Int"):
            tl.repeat_interleave(tl.zeros(2), t([1., 1.]))

    @given(x=tensors(shape=shapes(0, 3, 0, 3)), dims=st.lists(st.integers(0, 3), max_size=4))
    def test_tile_matches_numpy(self, x, dims):
        np.testing.assert_array_equal(tl.tile(x, tuple(dims)).numpy(), np.tile(x.numpy(), tuple(dims)))


# -- PyTorch's in-place method names ------------------------------------------------------------
# Every name in dir(torch.Tensor) (PyTorch 2.13) ending in "_" whose out-of-place form tensorlite
# has, with the operands of a call: the method must exist and write its out-of-place result.
INPLACE_NAMES = {
    "absolute_": (), "arccos_": (), "arccosh_": (), "arcsin_": (), "arcsinh_": (), "arctan_": (),
    "arctanh_": (), "negative_": (), "log2_": (), "log10_": (), "rsqrt_": (), "logical_not_": (),
    "arctan2_": ("other",), "divide_": ("other",), "true_divide_": ("other",), "eq_": ("other",),
    "ne_": ("other",), "lt_": ("other",), "le_": ("other",), "gt_": ("other",), "ge_": ("other",),
    "greater_": ("other",), "greater_equal_": ("other",), "less_": ("other",), "less_equal_": ("other",),
    "not_equal_": ("other",), "logical_and_": ("other",), "logical_or_": ("other",),
    "logical_xor_": ("other",), "lerp_": ("other", 0.25), "clamp_min_": (0.5,), "clamp_max_": (0.5,),
    "cumsum_": (0,), "tril_": (), "triu_": (1,), "scatter_": (0, "index", "other"),
    "scatter_add_": (0, "index", "other"), "scatter_reduce_": (0, "index", "other", "amin"),
    "index_add_": (0, "row", "other1"), "index_copy_": (0, "row", "other1"), "index_fill_": (0, "row", 2.),
    "masked_scatter_": ("mask", "other"),
}
_CANONICAL = {"arctan2": "atan2", "divide": "div", "true_divide": "div", "absolute": "abs", "negative": "neg"}


class TestInplaceNames:
    @pytest.mark.parametrize("name", sorted(INPLACE_NAMES))
    def test_writes_the_out_of_place_result(self, name):
        rng = np.random.default_rng(0)
        x = tl.tensor(rng.uniform(0.1, 0.9, size=(2, 3)))
        operands = {"other": tl.tensor(rng.uniform(0.1, 0.9, size=(2, 3))), "index": t([[1, 0, 1], [0, 0, 1]]),
                    "row": t([1]), "other1": tl.tensor(rng.uniform(size=(1, 3))), "mask": x > 0.5}
        args = [operands.get(a, a) if isinstance(a, str) and a != "amin" else a for a in INPLACE_NAMES[name]]
        base = name[:-1]
        expected = getattr(x, _CANONICAL.get(base, base))(*args).to(x.dtype)
        y = x.clone()
        assert getattr(y, name)(*args) is y
        np.testing.assert_allclose(y.numpy(), expected.numpy())

    @pytest.mark.parametrize("name, args, shape", [("squeeze_", (0,), (3,)), ("unsqueeze_", (-1,), (1, 3, 1)),
                                                   ("transpose_", (0, 1), (3, 1)), ("t_", (), (3, 1)),
                                                   ("swapaxes_", (1, 0), (3, 1)), ("swapdims_", (0, 1), (3, 1))])
    def test_shape_changing_in_place_methods(self, name, args, shape):
        base = f64([[1., 2., 3.]])
        y = base * 1
        assert getattr(y, name)(*args) is y and y.shape == shape
        (y * f64(np.arange(3.).reshape(shape), False)).sum().backward()
        assert base.grad.tolist() == [[0., 1., 2.]]

    def test_shape_change_of_a_view_keeps_writing_into_its_base(self):
        base = tl.zeros(2, 3)
        row = base[1]
        row.unsqueeze_(0)
        row.add_(tl.tensor([[1., 2., 3.]]))
        assert row.shape == (1, 3) and base.tolist() == [[0., 0., 0.], [1., 2., 3.]]
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            tl.zeros(2, requires_grad=True).unsqueeze_(0)

    def test_comparison_in_place_has_a_zero_gradient(self):
        x = f64([1., 2.])
        y = x * 3
        y.eq_(6.)
        assert y.tolist() == [0., 1.] and y.requires_grad
        y.sum().backward()
        assert x.grad is None or x.grad.tolist() == [0., 0.]


def test_extremum_gradient_of_a_nan_result_is_nan_as_pytorch():
    """A NaN result equals no element: PyTorch's 0/1 masks times grad / 0 give NaN, not 0."""
    x, src = f64([0.]), f64([float("nan")])
    x.scatter_reduce(0, t([0]), src, "amax", include_self=False).sum().backward()
    assert np.isnan(src.grad.item()) and x.grad.item() == 0.  # x was left out: include_self=False


def test_index_add_alpha_in_the_input_dtype():
    """An integer input truncates a float alpha and wraps a negative one (PyTorch converts alpha
    to self's dtype, refusing only overflow); an empty index returns before converting it."""
    x = t([1, 2], dtype=tl.uint8)
    assert x.index_add(0, t([0]), t([1], dtype=tl.uint8), alpha=-1).tolist() == [0, 2]
    assert t([1, 2]).index_add(0, t([0]), t([1]), alpha=-1.5).tolist() == [0, 2]
    with pytest.raises(RuntimeError, match="cannot be converted to type uint8 without overflow"):
        x.index_add(0, t([0]), t([1], dtype=tl.uint8), alpha=300)
    assert x.index_add(0, t([], dtype=tl.int64), t([], dtype=tl.uint8), alpha=300).tolist() == [1, 2]
    assert tl.tile(x, [2]).tolist() == x.tile(2).tolist() == [1, 2, 1, 2]
    with pytest.raises(TypeError, match="must be tuple of ints, not int"):
        tl.tile(x, 2)


@pytest.mark.parametrize("name, int8_result", [("cumsum_", [100, -56, -53]), ("cumprod_", [100, -56, 88])])
def test_cumsum_and_cumprod_in_place_work_in_self_dtype(name, int8_result):
    assert getattr(t([100, 100, 3] if name == "cumsum_" else [100, 2, 3], dtype=tl.int8), name)(0).tolist() \
        == int8_result  # pinned from PyTorch 2.13: the int8 result wraps
    assert getattr(t(True), name)(0).item() is True  # 0-dim: a copy, bool allowed
    with pytest.raises(NotImplementedError, match="bool"):
        getattr(t([True, False]), name)(0)


def test_scatter_refuses_a_src_of_another_dtype_but_converts_a_number():
    index = t([0, 1])
    for op in ("scatter", "scatter_add"):
        with pytest.raises(RuntimeError, match=r"scatter\(\): Expected self.dtype to be equal to src.dtype"):
            getattr(tl.zeros(3), op)(0, index, tl.ones(2, dtype=tl.float64))
    assert tl.zeros(3, dtype=tl.int64).scatter(0, index, 1.5).tolist() == [1, 1, 0]


class TestIndexDtypes:
    def test_int8_and_int16_tensors_are_no_indices(self):
        for dtype in (tl.int8, tl.int16):
            for key in (t([0], dtype=dtype), t(0, dtype=dtype)):
                with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
                    tl.zeros(2)[key]

    def test_one_value_through_a_lone_byte_mask_is_refused(self):
        mask = t([1, 0], dtype=tl.uint8)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            for write in (lambda x: x.__setitem__(mask, 1.), lambda x: x.__setitem__((mask, 0), 1.),
                          lambda x: x.index_put_((mask,), t(1.))):
                x = tl.zeros(2, 2)
                with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
                    write(x)
                assert x.tolist() == [[0., 0.], [0., 0.]]
            x = tl.zeros(2, 2)
            x[:, mask] = 1.  # a slice before the mask: the indexing path, which takes bytes
            x.index_put_((mask,), t([5., 6.]))  # several values: the indexing path too
            assert x.tolist() == [[5., 6.], [1., 0.]]

    def test_index_put_on_a_0_dim_tensor_refuses_any_index(self):
        with pytest.raises(IndexError, match="too many indices for tensor of dimension 0"):
            tl.zeros(()).index_put((t(True),), t(1.))

    def test_take_along_dim_wants_int64_with_a_dim_but_not_without(self):
        index = t([1], dtype=tl.int32)
        assert tl.take_along_dim(t([3., 4.]), index).tolist() == [4.]
        with pytest.raises(RuntimeError, match="dtype of indices should be Long but got Int"):
            tl.take_along_dim(t([3., 4.]), index, 0)


def test_index_reduce_errors_and_ties():
    x = f64([[1., 5.], [3., 4.]])
    source = f64([[1., 7.], [0., 5.]])
    out = x.index_reduce(0, t([0, 0]), source, "amax")
    out.sum().backward()
    assert out.tolist() == [[1., 7.], [3., 4.]]
    assert x.grad.tolist() == [[0.5, 0.], [1., 1.]] and source.grad.tolist() == [[0.5, 1.], [0., 0.]]
    with pytest.raises(RuntimeError, match="Expected reduce to be one of prod, mean, amax or amin but got sum"):
        x.index_reduce(0, t([0]), source[:1], "sum")
    with pytest.raises(IndexError, match="index out of range in self"):
        x.index_reduce(0, t([2]), source[:1], "prod").tolist()
    with pytest.raises(RuntimeError, match="must have the same scalar type"):
        x.index_reduce(0, t([0]), tl.ones(1, 2), "prod")


def test_masked_select_wants_a_bool_mask():
    for mask in (t([1, 0]), t([1, 0], dtype=tl.uint8)):
        with pytest.raises(RuntimeError, match="masked_select: expected BoolTensor for mask"):
            tl.zeros(2).masked_select(mask)
    assert tl.tensor([1., 2.]).masked_select(t([True, False])).tolist() == [1.]


def test_cat_keeps_an_empty_input_that_requires_grad_in_the_graph():
    """PyTorch's legacy rule skips 1-D empty tensors in cat's shape checks, not in autograd."""
    empty = tl.zeros(0, requires_grad=True)
    out = tl.cat([empty, t([[1, 2]])])
    assert out.requires_grad and out.tolist() == [[1., 2.]]
    out.sum().backward()
    assert empty.grad.shape == (0,)


# an empty index (or an all-False mask with an empty source) adds nothing, but the result is still
# connected to source's graph, as PyTorch's (index_add returned input.clone() before)
@pytest.mark.parametrize("call", [
    lambda src: tl.zeros(2, 3).index_add(0, tl.tensor([], dtype=tl.int64), src, alpha=2),
    lambda src: tl.zeros(2, 3).index_copy(0, tl.tensor([], dtype=tl.int64), src),
    lambda src: tl.zeros(2, 3).scatter_add(0, tl.zeros(0, 3, dtype=tl.int64), src),
    lambda src: tl.zeros(2, 3).masked_scatter(tl.zeros(2, 3, dtype=tl.bool), src.reshape(-1)),
], ids=["index_add", "index_copy", "scatter_add", "masked_scatter"])
def test_nothing_to_write_keeps_the_result_in_sources_graph(call):
    source = tl.ones(0, 3, requires_grad=True)
    out = call(source)
    assert out.requires_grad and out.grad_fn is not None
    out.sum().backward()
    assert source.grad.shape == (0, 3)
    assert out.detach().numpy().tolist() == [[0.0] * 3] * 2
