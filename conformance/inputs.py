"""Hypothesis strategies for PyTorch-like edge cases: 0-d tensors, empty dims, size-1
broadcasting, infinities and NaN, ties (values on a coarse grid) and kinks (exact 0, +-1, +-6)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from harness import Arr

FLOATS = ("float32", "float64")
INTS = ("int64", "uint8", "bool")
ALL_DTYPES = FLOATS + INTS + ("int32",)

KINKS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, -3.0, 6.0, -6.0]
SPECIALS = [float("inf"), float("-inf"), float("nan")]


def shapes(min_dims=0, max_dims=3, max_side=4, empty=True):
    """Shapes with 0-d and (sometimes) empty dims."""
    plain = hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)
    if not empty:
        return plain
    with_empty = hnp.array_shapes(min_dims=max(min_dims, 1), max_dims=max(max_dims, 1),
                                  min_side=0, max_side=max_side)
    return st.one_of(plain, plain, plain, with_empty)


def broadcast_shapes(n=2, min_dims=0, max_dims=3, empty=True):
    """``n`` shapes that broadcast together (size-1 and missing dims, sometimes a 0 dim)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=min_dims, max_dims=max_dims,
                                             min_side=0 if empty else 1, max_side=4).map(
        lambda r: r.input_shapes)


def float_elements(dtype="float64", low=-4.0, high=4.0, specials=True, kinks=True):
    width = 32 if dtype == "float32" else 64
    # no values near underflow: PyTorch's kernels may flush them to zero, and special-case
    # single elements (norm over a size-1 dim is |x|, while sqrt(x * x) underflows)
    parts = [st.floats(low, high, width=width, allow_nan=False, allow_infinity=False, allow_subnormal=False)
             .filter(lambda v: v == 0 or abs(v) > 1e-15)]
    tie_low, tie_high = int(np.ceil(max(low, -3))), int(np.floor(min(high, 3)))
    if tie_low <= tie_high:
        parts.append(st.integers(tie_low, tie_high).map(float))  # ties
    if kinks:
        parts.append(st.sampled_from([k for k in KINKS if low <= k <= high]))
    if specials:
        parts.append(st.sampled_from(SPECIALS))
    return st.one_of(*parts)


def elements(dtype, low=-4, high=4, specials=True, kinks=True):
    if dtype in FLOATS:
        return float_elements(dtype, low, high, specials, kinks)
    if dtype == "bool":
        return st.booleans()
    if dtype == "uint8":
        return st.integers(max(0, int(low)), 255 if high > 200 else max(1, int(high)))
    return st.integers(int(low), int(high))


@st.composite
def arrs(draw, shape=None, dtype="float64", requires_grad=None, low=-4, high=4, specials=True,
         kinks=True, empty=True, min_dims=0, max_dims=3, max_side=4, unique=False):
    """An ``Arr`` of ``dtype`` (a name or a strategy of names) and ``shape`` (drawn when None);
    float arrays require grad unless ``requires_grad`` is False."""
    if not isinstance(dtype, str):
        dtype = draw(dtype)
    if shape is None:
        shape = draw(shapes(min_dims, max_dims, max_side, empty))
    values = draw(hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, low, high, specials, kinks),
                             unique=unique))
    grad = dtype in FLOATS if requires_grad is None else requires_grad
    return Arr(values, requires_grad=grad)


def dims_arg(ndim, allow_none=True, allow_empty=True):
    """A ``dim`` argument: None, an int (maybe negative), a tuple (maybe empty or negative)."""
    options = [st.none()] if allow_none else []
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        options.append(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim)
                       .flatmap(lambda ds: st.tuples(*[st.sampled_from((d, d - ndim)) for d in ds])))
    else:
        options.append(st.sampled_from([0, -1]))
    if allow_empty:
        options.append(st.just(()))
    return st.one_of(options)


def one_dim(ndim):
    """A single int dim for a tensor of ``ndim`` dims (0-d tensors take 0 and -1)."""
    return st.integers(-ndim, ndim - 1) if ndim else st.sampled_from([0, -1])


def scalars(kind=None):
    """Python scalars of every kind (bool, int, float incl. inf/nan)."""
    options = {"bool": st.booleans(), "int": st.integers(-3, 3),
               "float": st.one_of(st.sampled_from([0.0, 0.5, -1.5, 2.0, float("inf"), float("nan")]),
                                  # tiny floats round to 0 in float32 (x ** 1e-308 at 0): not compared
                                  st.floats(-3, 3, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-6))}
    if kind:
        return options[kind]
    return st.one_of(*options.values())
