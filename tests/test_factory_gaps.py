"""Factories without a size, tensor() type inference from plain Python numbers, and cat with an
empty tensor that requires grad (each checked against PyTorch 2.13)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite.testing import shapes

SIZED = {
    "zeros": tl.zeros, "ones": tl.ones, "empty": tl.empty, "rand": tl.rand, "randn": tl.randn,
    "new_zeros": lambda *a, **k: tl.ones(1).new_zeros(*a, **k),
    "new_ones": lambda *a, **k: tl.ones(1).new_ones(*a, **k),
    "new_empty": lambda *a, **k: tl.ones(1).new_empty(*a, **k),
}


class TestNoSize:
    @pytest.mark.parametrize("name", sorted(SIZED))
    def test_no_size_is_a_type_error(self, name):
        # torch: TypeError zeros() missing 1 required positional arguments: "size"
        with pytest.raises(TypeError, match=rf'{name}\(\) missing 1 required positional arguments: "size"'):
            SIZED[name]()

    @pytest.mark.parametrize("name", sorted(SIZED))
    def test_empty_tuple_is_the_0d_shape(self, name):
        assert SIZED[name](()).shape == () and SIZED[name]([]).shape == ()

    def test_size_given_twice(self):
        with pytest.raises(TypeError, match="multiple values for argument 'size'"):
            tl.zeros(2, size=(2,))

    def test_full_without_size(self):
        with pytest.raises(TypeError):
            tl.full()
        assert tl.full((), 1.0).shape == ()

    @pytest.mark.parametrize("args", [(5,), (2, 5), (0, 5, 3)])
    def test_randint_without_a_size_tuple(self, args):
        # torch: randint(5) and randint(2, 5) are TypeErrors (size must be a tuple of ints)
        with pytest.raises(TypeError, match="randint\\(\\): argument 'size' must be a tuple of ints"):
            tl.randint(*args)
        assert tl.randint(5, (2,)).shape == (2,)


@given(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), name=st.sampled_from(sorted(SIZED)))
def test_every_way_of_giving_a_size_agrees(shape, name):
    """Property: ``f(*ints)`` (when there are ints), ``f(tuple)``, ``f(list)`` and ``f(size=tuple)``
    all give ``shape``; in particular ``f(())`` is 0-d."""
    make = SIZED[name]
    forms = [make(shape), make(list(shape)), make(size=shape)]
    if shape:
        forms.append(make(*shape))
    assert all(t.shape == shape for t in forms)


class TestTensorInference:
    def test_dtypes_of_plain_lists(self):
        assert tl.tensor(list(range(64))).dtype is tl.int64
        assert tl.tensor([1, 2.5]).dtype is tl.float32
        assert tl.tensor([True, 1]).dtype is tl.int64
        assert tl.tensor([True, False]).dtype is tl.bool
        assert tl.tensor([True, 1.0]).dtype is tl.float32
        assert tl.tensor([]).dtype is tl.float32

    def test_default_dtype_is_followed(self):
        previous = tl.get_default_dtype()
        tl.set_default_dtype(tl.float64)
        try:
            assert tl.tensor([1, 2.0]).dtype is tl.float64
        finally:
            tl.set_default_dtype(previous)

    def test_items_that_are_not_plain_numbers_still_promote(self):
        assert tl.tensor([np.float64(1), 2]).dtype is tl.float64
        assert tl.tensor([tl.tensor(1.0, dtype=tl.float64), 2]).dtype is tl.float64
        assert tl.tensor([[1, 2], [3, 4.5]]).dtype is tl.float32

    def test_overflow_is_still_caught(self):
        with pytest.raises(RuntimeError, match="without overflow"):
            tl.tensor([1, 2 ** 63])
        with pytest.raises(RuntimeError, match="uint8"):
            tl.tensor([1, 300], dtype=tl.uint8)


_PLAIN = st.one_of(st.booleans(), st.integers(-2 ** 40, 2 ** 40),
                   st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))


@given(values=st.lists(_PLAIN, min_size=1, max_size=80), nested=st.booleans())
def test_inferred_dtype_follows_promotion_and_values_survive(values, nested):
    """Property: a list of plain Python numbers gets PyTorch's dtype (any float: the default
    float dtype; else any int: int64; else bool) and its values (as that dtype)."""
    kinds = {type(v) for v in values}
    expected = tl.float32 if float in kinds else tl.int64 if int in kinds else tl.bool
    data = [values, values] if nested else values
    t = tl.tensor(data)
    assert t.dtype is expected
    reference = np.array(data, dtype=expected.numpy)
    assert np.array_equal(t.numpy(), reference)


class TestCatWithEmpty:
    @given(position=st.integers(0, 2), rank=st.integers(1, 3), dim=st.integers(0, 2))
    def test_empty_that_requires_grad_joins_the_graph(self, position, rank, dim):
        """Property (torch: cat([e, x]) and cat([x, e]) require grad when e does): the result
        requires grad, the empty input gets an empty gradient and the others theirs."""
        dim = dim % rank
        e = tl.zeros(0, dtype=tl.float64, requires_grad=True)
        x = tl.ones(*(2,) * rank, dtype=tl.float64)
        tensors = [x, x]
        tensors.insert(position, e)
        out = tl.cat(tensors, dim=dim)
        assert out.requires_grad and out.shape == tl.cat([x, x], dim=dim).shape
        (out * 3).sum().backward()
        assert e.grad.shape == (0,)

    def test_gradients_through_the_kept_inputs(self):
        e = tl.zeros(0, dtype=tl.float64, requires_grad=True)
        x = tl.randn(2, 3, dtype=tl.float64, requires_grad=True)
        assert tl.autograd.gradcheck(lambda a, b: tl.cat([a, b, a], 1), (e, x))
        assert tl.autograd.gradgradcheck(lambda a, b: tl.cat([a, b, a], 1), (e, x))

    def test_without_grad_nothing_changes(self):
        assert not tl.cat([tl.zeros(0), tl.ones(2)]).requires_grad
        assert tl.cat([tl.zeros(0), tl.ones(2, 2)]).shape == (2, 2)
