"""The OpenCL convolution kernels (kernels/conv.cl: unfold, fold, max_pool2d and its one-pass
backward) and the row-wise strided copy (kernels/convert.cl convert_rows) against the NumPy
backend, over random window geometries: stride, padding, dilation, ceil_mode, non-contiguous
inputs, windows that overlap, clip at the edges or hold padding only, ties, -inf and NaN."""
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tensorlite as tl
from tensorlite.autograd import gradgradcheck
from tensorlite.testing import check_backends_agree, tensors

F = tl.nn.functional
pytestmark = pytest.mark.backend_pair


def _out_size(size, k, s, p, d, ceil_mode=False):
    span = size + 2 * p - d * (k - 1) - 1
    if span < 0:
        return 0
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:  # PyTorch: the last window starts inside
        out -= 1
    return out


@st.composite
def geometries(draw, max_pad_half_kernel=False):
    """(x shape, kernel, stride, padding, dilation) with at least one window per axis."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, k // 2 if max_pad_half_kernel else 2)) for k in kernel)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 9)), draw(st.integers(1, 9)))
    assume(all(_out_size(n, k, s, p, d) > 0 for n, k, s, p, d in zip(shape[2:], kernel, stride, padding, dilation)))
    return shape, kernel, stride, padding, dilation


@given(geometry=geometries(), non_contiguous=st.booleans(), data=st.data())
def test_unfold_fold_and_conv2d_agree_across_backends(opencl, geometry, non_contiguous, data):
    """unfold ('batch' layout, F.unfold; its backward is fold) and conv2d ('columns' layout: its
    input gradient folds) on every geometry, values and gradients."""
    shape, kernel, stride, padding, dilation = geometry
    x = data.draw(tensors(shape=shape, dtype=tl.float64))
    check_backends_agree(lambda t: F.unfold(t, kernel, dilation, padding, stride), x, device=opencl,
                         rtol=1e-12, atol=1e-12, non_contiguous=non_contiguous)
    w = data.draw(tensors(shape=(2, shape[1]) + kernel, dtype=tl.float64))
    check_backends_agree(lambda t, u: F.conv2d(t, u, stride=stride, padding=padding, dilation=dilation), x, w,
                         device=opencl, rtol=1e-10, atol=1e-10, non_contiguous=non_contiguous)
    cols = F.unfold(x, kernel, dilation, padding, stride)
    check_backends_agree(lambda c: F.fold(c, shape[2:], kernel, dilation, padding, stride), cols,
                         device=opencl, rtol=1e-12, atol=1e-12, non_contiguous=non_contiguous)


@given(geometry=geometries(max_pad_half_kernel=True), ceil_mode=st.booleans(), non_contiguous=st.booleans(),
       data=st.data())
def test_max_pool2d_values_indices_and_gradient_agree_across_backends(opencl, geometry, ceil_mode,
                                                                      non_contiguous, data):
    """Values, argmax indices (ties: the first; NaN: the last) and the one-pass backward (windows
    that overlap add, windows of padding only send nothing) equal the NumPy backend's."""
    shape, kernel, stride, padding, dilation = geometry
    values = st.one_of(st.integers(-3, 3).map(float), st.sampled_from([-math.inf, math.nan]))
    x = data.draw(tensors(shape=shape, dtype=tl.float64, elements=values))
    check_backends_agree(lambda t: F.max_pool2d(t, kernel, stride, padding, dilation, ceil_mode, return_indices=True),
                         x, device=opencl, rtol=1e-12, atol=1e-12, non_contiguous=non_contiguous)


@pytest.mark.parametrize("kernel, stride, padding, dilation", [
    (2, 2, 0, 1),   # disjoint windows: the gradient is written
    (3, 1, 1, 1),   # overlapping windows: the gradient adds up
    (2, 1, 1, 3),   # dilation past the input: windows of padding only (index -1)
])
def test_max_pool2d_second_derivative_on_opencl(opencl, kernel, stride, padding, dilation):
    """The one-pass backward's own backward gathers at the argmax: gradgradcheck in float64."""
    rng = np.random.default_rng(kernel * 10 + dilation)
    x = tl.tensor(rng.permutation(2 * 2 * 5 * 4).reshape(2, 2, 5, 4) / 7.0, dtype=tl.float64,
                  device=opencl, requires_grad=True)
    assert gradgradcheck(lambda t: F.max_pool2d(t, kernel, stride, padding, dilation) ** 2, (x,))


def test_max_pool2d_backward_is_one_kernel_on_opencl(opencl):
    """No zeros buffer and scatter: one max_pool2d_backward launch, equal to the scatter's result
    (the NumPy backend's composition), to the bit."""
    x = tl.randn(3, 4, 9, 8)
    runtime = opencl.backend.runtime
    names = []
    launch = runtime.launch

    def counting(kernel, global_size, local_size, args):
        names.append(kernel.function_name)
        return launch(kernel, global_size, local_size, args)
    moved = x.to(opencl).requires_grad_()
    out = F.max_pool2d(moved, 2)
    g = tl.randn(*out.shape)
    runtime.launch = counting
    try:
        out.backward(g.to(opencl))
    finally:
        del runtime.launch
    assert names.count("max_pool2d_backward") == 1 and "scatter" not in names
    expected = x.requires_grad_()
    F.max_pool2d(expected, 2).backward(g)
    np.testing.assert_array_equal(moved.grad.cpu().numpy(), expected.grad.numpy())


@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=4), last=st.integers(1, 40),
       dtype=st.sampled_from([tl.float32, tl.int64, tl.bool]), data=st.data())
def test_permuted_copies_agree_across_backends(opencl, shape, last, dtype, data):
    """A copy of a permuted (and sliced) view: long contiguous inner runs take convert_rows (one
    work item per run), short ones the per-element convert."""
    shape = tuple(shape) + (last,)
    order = data.draw(st.permutations(range(len(shape) - 1))) + [len(shape) - 1]
    x = data.draw(tensors(shape=shape, dtype=dtype))
    start = data.draw(st.integers(0, shape[0] - 1))
    check_backends_agree(lambda t: t[start:].permute(*order).contiguous() + 0 if dtype != tl.bool
                         else t[start:].permute(*order).contiguous(), x, device=opencl, rtol=0, atol=0)
