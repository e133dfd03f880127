"""Declared op tests: an ``OpSpec`` names an op, a NumPy reference, input shapes and domain; the
checks below turn one spec into a forward test, a gradient test and a double-gradient test.

Example (a user's custom op, tested like tensorlite's own ops)::

    from hypothesis import given, strategies as st
    from tensorlite.testing import OpSpec, op_example, check_op_forward, check_op_gradient

    spec = OpSpec("squareplus", my_squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2,
                  shapes=st.tuples(shapes()))

    @given(st.data())
    def test_squareplus(data):
        inputs, kwargs = data.draw(op_example(spec))
        check_op_forward(spec, inputs, kwargs)
        check_op_gradient(spec, inputs, kwargs)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from .gradients import KinkError, check_backward, check_double_backward
from .strategies import tensors

__all__ = ["OpSpec", "op_example", "check_op_forward", "check_op_gradient", "check_op_double_gradient"]


@dataclass
class OpSpec:
    """One op under test.

    name: for test ids; op: the tensorlite callable ``op(*tensors, **kwargs)``; ref: a NumPy
    reference with the same signature; shapes: a strategy of tuples of input shapes; low/high:
    the input domain (or ``elements``, a strategy of values); kwargs: shapes -> strategy of
    keyword arguments; avoid: (arrays, kwargs) -> True rejects an example (kinks and ties, whose
    conventions are pinned by deterministic tests); unique: distinct input values; double: also
    check second derivatives; rtol/atol: gradient tolerances.
    """

    name: str
    op: Callable
    ref: Callable
    shapes: st.SearchStrategy
    low: float = -3.0
    high: float = 3.0
    kwargs: Callable = field(default=lambda shapes: st.just({}))
    avoid: Callable | None = None
    double: bool = True
    unique: bool = False
    elements: st.SearchStrategy | None = None
    rtol: float = 1e-3
    atol: float = 1e-5


@st.composite
def op_example(draw, spec: OpSpec):
    """(inputs, kwargs) for ``spec``: float64 tensors of drawn shapes, away from its kinks."""
    shape_tuple = draw(spec.shapes)
    inputs = [draw(tensors(shape=tuple(shape), low=spec.low, high=spec.high, unique=spec.unique,
                           elements=spec.elements)) for shape in shape_tuple]
    kwargs = draw(spec.kwargs(shape_tuple))
    if spec.avoid is not None:
        assume(not spec.avoid([x.numpy() for x in inputs], kwargs))
    return inputs, kwargs


def check_op_forward(spec: OpSpec, inputs, kwargs, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """The op's values and shape equal the NumPy reference's."""
    expected = spec.ref(*[x.numpy().copy() for x in inputs], **kwargs)
    result = spec.op(*inputs, **kwargs)
    assert tuple(result.shape) == np.shape(expected), f"{spec.name}: shape {tuple(result.shape)} " \
                                                      f"!= reference {np.shape(expected)}"
    np.testing.assert_allclose(result.numpy(), expected, rtol=rtol, atol=atol, err_msg=spec.name)


def check_op_gradient(spec: OpSpec, inputs, kwargs) -> None:
    """check_backward on the op; an example stuck on a kink is rejected, not failed."""
    try:
        check_backward(lambda *xs: spec.op(*xs, **kwargs), *inputs, rtol=spec.rtol, atol=spec.atol, seed=0)
    except KinkError:
        assume(False)


def check_op_double_gradient(spec: OpSpec, inputs, kwargs) -> None:
    """check_double_backward on the op (second derivatives)."""
    try:
        check_double_backward(lambda *xs: spec.op(*xs, **kwargs), *inputs, rtol=spec.rtol,
                              atol=spec.atol, seed=0)
    except KinkError:
        assume(False)
