"""Hypothesis strategies for tensors, shapes, dims and index expressions."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import dtypes as _dt
from ..ops.creation import tensor as _tensor

__all__ = ["tensors", "shapes", "broadcastable_shapes", "valid_dims", "index_expressions",
           "unique_upstream"]


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Tensor shapes (tuples of ints)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def _elements(dtype, low, high):
    if dtype.is_floating_point:
        return st.floats(low, high, allow_nan=False, allow_infinity=False, width=8 * dtype.itemsize)
    if dtype is _dt.bool_:
        return st.booleans()
    return st.integers(int(low) if dtype.is_signed else max(int(low), 0), int(high))  # uint8: [0, high]


@st.composite
def tensors(draw, shape=None, dtype=_dt.float64, elements=None, low: float = -3.0,
            high: float = 3.0, requires_grad: bool = False, device=None,
            min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4,
            unique: bool = False):
    """Tensors of ``shape`` (drawn when None) with values in [low, high] or from ``elements``;
    ``unique`` draws pairwise distinct values (for ops with tie conventions); ``device`` None is
    the default device (``TENSORLITE_DEVICE``).

    Example: ``tensors(shape=(2, 3), dtype=tensorlite.float32)``.
    """
    dtype = _dt.to_dtype(dtype)
    if shape is None:
        shape = draw(shapes(min_dims, max_dims, min_side, max_side))
    elif not isinstance(shape, tuple):
        shape = draw(shape)
    if elements is None:
        elements = _elements(dtype, low, high)
    values = draw(hnp.arrays(dtype.numpy, shape, elements=elements,
                             unique=unique))
    t = _tensor(values, dtype=dtype, device=device)
    return t.requires_grad_() if requires_grad else t


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3,
                         min_side: int = 1, max_side: int = 4):
    """Tuples of ``num_shapes`` shapes that broadcast together (dims equal, 1, or missing)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims,
                                             max_dims=max_dims, min_side=min_side,
                                             max_side=max_side).map(lambda r: r.input_shapes)


@st.composite
def valid_dims(draw, ndim: int, allow_none: bool = True, allow_tuple: bool = True,
               allow_empty: bool = False):
    """A dim argument for a tensor of ``ndim`` dims: None, an int (possibly negative) or a tuple;
    with ``allow_empty`` also ``()``, which a PyTorch reduction treats like None (all dims)."""
    options = []
    if allow_none:
        options.append(st.none())
    if allow_empty:
        options.append(st.just(()))
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim)
                           .flatmap(lambda dims: st.tuples(*[st.sampled_from((d, d - ndim)) for d in dims])))
    else:
        options.append(st.sampled_from([0, -1]))
    return draw(st.one_of(options))


@st.composite
def index_expressions(draw, shape, allow_advanced: bool = True):
    """An index for a tensor of ``shape``: basic (ints, slices with steps, None, Ellipsis) or
    advanced (integer lists with repeats, boolean masks)."""
    kinds = ["basic"] + (["integer", "mask"] if allow_advanced and shape else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "basic":
        key = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
        parts = key if isinstance(key, tuple) else (key,)
        # PyTorch has no negative slice steps: turn them into the positive equivalent
        return tuple(slice(k.start, k.stop, -k.step) if isinstance(k, slice) and k.step is not None
                     and k.step < 0 else k for k in parts)
    if kind == "integer":
        size = shape[0]
        return draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=5))
    mask = draw(hnp.arrays(np.bool_, shape[:1]))
    return _tensor(mask)


def unique_upstream(shape, dtype=_dt.float64):
    """A strategy for upstream gradients with pairwise distinct values."""
    n = int(np.prod(shape)) if shape else 1
    return st.permutations([0.5 + i / max(n, 1) for i in range(n)]).map(
        lambda v: _tensor(np.array(v).reshape(shape), dtype=dtype))
