"""Tensor.data (alias, version counters, setter, manual SGD), factories without a size, tensor()
type inference from plain numbers, and cat with an empty tensor that requires grad."""
import pytest
from hypothesis import given, strategies as st

from harness import check
from inputs import arrs

FLOAT = st.sampled_from(["float32", "float64"])


@given(x=arrs(dtype=FLOAT, specials=False, empty=False), op=st.sampled_from(["mul_", "add_", "zero_", "clamp_"]))
def test_in_place_through_data_keeps_the_graph_and_versions(x, op):
    """p.data.op_() writes p's storage with a counter of its own: p's version is unchanged and
    a graph that saved p (p * p) backpropagates with the new values, without an error."""
    def fn(lib, p):
        y = p * p
        args = {"mul_": (2.0,), "add_": (1.5,), "clamp_": (-1.0, 1.0)}.get(op, ())
        getattr(p.data, op)(*args)
        versions = lib.tensor([p._version, p.data._version])
        (grad,) = lib.autograd.grad(y.sum(), [p])
        return p.detach().clone(), grad, versions, lib.tensor(p.data.requires_grad)
    check(fn, x, grad=False)


@given(w=arrs(dtype="float64", shape=(3, 2), specials=False), x=arrs(dtype="float64", shape=(4, 3), specials=False,
                                                                     requires_grad=False))
def test_manual_sgd_through_data(w, x):
    """PyTorch's word_language_model update, three steps: p.data.add_(p.grad, alpha=-lr)."""
    def fn(lib, w, x):
        for _ in range(3):
            w.grad = None
            (x @ w).tanh().pow(2).sum().backward()
            w.data.add_(w.grad, alpha=-0.1)
        return w.detach().clone(), w.grad
    check(fn, w, x, grad=False)


@given(p=arrs(dtype="float32", specials=False), t=arrs(dtype=st.sampled_from(["float32", "float64", "int64"]),
                                                          requires_grad=False, specials=False))
def test_data_setter(p, t):
    """p.data = t: p takes t's storage (any shape; a tensor that requires grad refuses an
    integer dtype with a RuntimeError, as PyTorch)."""
    def fn(lib, p, t):
        p.data = t
        return p.detach().clone(), lib.tensor(p.requires_grad), lib.tensor(p.is_leaf)
    check(fn, p, t, grad=False, exact_error=True)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_factories_without_a_size(name):
    check(lambda lib: getattr(lib, name)(), grad=False, exact_error=True)
    check(lambda lib: getattr(lib, name)(()).shape, grad=False)


@given(values=st.lists(st.one_of(st.booleans(), st.integers(-2 ** 40, 2 ** 40),
                                 st.floats(-1e6, 1e6, allow_nan=False)), min_size=0, max_size=70),
       nested=st.booleans())
def test_tensor_from_plain_numbers(values, nested):
    check(lambda lib: lib.tensor([values, values] if nested else values), grad=False)


@given(x=arrs(dtype="float64", min_dims=1, empty=False, specials=False), position=st.integers(0, 2))
def test_cat_with_an_empty_tensor_that_requires_grad(x, position):
    def fn(lib, x):
        e = lib.zeros(0, dtype=lib.float64, requires_grad=True)
        parts = [x.detach(), x.detach()]
        parts.insert(position, e)
        out = lib.cat(parts)
        (grad,) = lib.autograd.grad(out.sum(), [e])
        return out.detach(), lib.tensor(out.requires_grad), grad
    check(fn, x, grad=False)
