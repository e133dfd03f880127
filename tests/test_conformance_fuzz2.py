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
