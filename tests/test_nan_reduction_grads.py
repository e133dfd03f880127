"""Gradients of the NaN-ignoring reductions and nan_to_num, PyTorch's rule: the incoming
gradient times the mask of kept elements (not a selection), so an all-NaN slice of nanmean
(divided by a zero count) gives NaN to every element of that slice, and a non-finite incoming
gradient gives NaN to replaced elements."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
from tensorlite.testing import check_backward, check_double_backward

NAN = float("nan")


def _expected_nanmean_grad(x, axis, upstream):
    """NumPy: g / count for kept elements, 0 for NaN ones, NaN for every element of a slice
    that is all NaN."""
    nan = np.isnan(x)
    count = (~nan).sum(axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.broadcast_to(upstream / count, x.shape)
        return np.where(np.broadcast_to(count == 0, x.shape), np.nan, np.where(nan, 0.0, share))


@settings(max_examples=30, deadline=None)
@given(shape=st.sampled_from([(3,), (2, 3), (3, 1, 2), (2, 2, 2)]), data=st.data(), keepdim=st.booleans())
def test_nanmean_gradient_is_nan_on_all_nan_slices_and_zero_on_other_nans(shape, data, keepdim):
    values = np.array(data.draw(st.lists(st.sampled_from([NAN, -1.5, 0.5, 2.0]),
                                         min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))).reshape(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    x = tl.tensor(values, dtype=tl.float64, requires_grad=True)
    y = x.nanmean(axis, keepdim=keepdim) if axis is not None else x.nanmean()
    upstream = np.arange(1., 1. + y.numel()).reshape(tuple(y.shape))
    y.backward(tl.tensor(upstream, dtype=tl.float64))
    axes = tuple(range(len(shape))) if axis is None else axis
    kept_upstream = np.expand_dims(upstream, axes) if (axis is None or not keepdim) and y.ndim < len(shape) else upstream
    expected = _expected_nanmean_grad(values, axes, kept_upstream)
    np.testing.assert_allclose(x.grad.numpy(), expected, equal_nan=True)


@pytest.mark.parametrize("op", [lambda x: tl.nansum(x), lambda x: tl.nan_to_num(x).sum()])
def test_replaced_elements_get_nan_from_a_non_finite_incoming_gradient(op):
    x = tl.tensor([NAN, 2., 1.], dtype=tl.float64, requires_grad=True)
    op(x).backward(tl.tensor(math.inf, dtype=tl.float64))
    assert np.isnan(x.grad[0].item()) and x.grad[1:].tolist() == [math.inf, math.inf]


def test_nan_to_num_masks_infinities_too():
    x = tl.tensor([NAN, math.inf, -math.inf, 1.], dtype=tl.float64, requires_grad=True)
    tl.nan_to_num(x).backward(tl.tensor([1., 1., 1., 1.], dtype=tl.float64))
    assert x.grad.tolist() == [0., 0., 0., 1.]


@pytest.mark.parametrize("op", [lambda x: tl.nanmean(x, 1), lambda x: tl.nansum(x, 0),
                                lambda x: tl.nan_to_num(x, nan=-1.0)])
def test_gradients_and_double_backward_with_nans_present(op):
    tl.manual_seed(0)
    mask = tl.tensor([[True, False, False], [False, False, True]])
    fn = lambda t: op(tl.where(mask, NAN, t)) ** 2  # noqa: E731
    check_backward(fn, tl.randn(2, 3, dtype=tl.float64))
    check_double_backward(fn, tl.randn(2, 3, dtype=tl.float64))
