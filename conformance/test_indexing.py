"""getitem/setitem with mixed int/slice/None/Ellipsis/bool/list/tensor indices; gather,
scatter, take_along_dim, index_select, masked_select, index_put, nonzero."""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from harness import Arr, check
from inputs import ALL_DTYPES, arrs, one_dim, shapes

DTYPES = st.sampled_from(ALL_DTYPES)


@st.composite
def index_parts(draw, shape):
    """A mixed index for ``shape``: ints, slices (positive steps), None, Ellipsis, bool, int lists,
    int/bool tensors (as Arr)."""
    parts, dim = [], 0
    used_ellipsis = False
    while dim < len(shape) and draw(st.booleans()):
        size = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis", "list", "tensor", "mask"]))
        if kind == "int" and size:
            parts.append(draw(st.integers(-size, size - 1)))
        elif kind == "none":
            parts.append(None)
            continue
        elif kind == "ellipsis" and not used_ellipsis:
            parts.append(Ellipsis)
            used_ellipsis = True
            dim = len(shape) - draw(st.integers(0, len(shape) - dim))
            continue
        elif kind == "list" and size:
            parts.append(draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=3)))
        elif kind == "tensor" and size:
            idx = draw(st.lists(st.integers(-size, size - 1), min_size=0, max_size=3))
            parts.append(Arr(np.array(idx, dtype=np.int64)))
        elif kind == "mask":
            parts.append(Arr(draw(st.lists(st.booleans(), min_size=size, max_size=size)).__class__(
                draw(st.lists(st.booleans(), min_size=size, max_size=size))) and
                np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype=bool)
                if size else np.zeros(0, dtype=bool)))
        else:
            start = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
            stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
            step = draw(st.one_of(st.none(), st.integers(1, 3)))
            parts.append(slice(start, stop, step))
        dim += 1
    if draw(st.booleans()) and len(parts) == 1:
        return parts[0]
    return tuple(parts)


def _materialize_index(lib, key, tensors):
    """Put the built index tensors (passed separately through the harness) back in the key."""
    it = iter(tensors)
    if isinstance(key, tuple):
        return tuple(next(it) if isinstance(k, Arr) else k for k in key)
    return next(it) if isinstance(key, Arr) else key


def _split_key(key):
    parts = key if isinstance(key, tuple) else (key,)
    return [k for k in parts if isinstance(k, Arr)]


@given(x=arrs(dtype=DTYPES, max_side=4), data=st.data())
def test_getitem(x, data):
    key = data.draw(index_parts(x.array.shape))
    arr_parts = _split_key(key)
    check(lambda lib, x, *idx: x[_materialize_index(lib, key, idx)], x, *arr_parts)


@given(x=arrs(dtype=st.sampled_from(["float64", "float32", "int64"]), max_side=4),
       value_kind=st.sampled_from(["scalar", "tensor"]), data=st.data())
def test_setitem(x, value_kind, data):
    key = data.draw(index_parts(x.array.shape))
    arr_parts = _split_key(key)
    dtype = str(x.array.dtype)

    def shape_of_result():
        import torch
        t = torch.from_numpy(x.array.copy())
        try:
            return tuple(t[_materialize_index(torch, key, [torch.from_numpy(a.array) for a in arr_parts])].shape)
        except Exception:  # noqa: BLE001
            return None
    target = shape_of_result()
    if value_kind == "scalar" or target is None:
        value = data.draw(st.sampled_from([0, 1.5, -2]))
    else:
        trailing = target[data.draw(st.integers(0, len(target))):] if target else ()
        value = data.draw(arrs(shape=tuple(1 if data.draw(st.booleans()) else s for s in trailing), dtype=dtype))

    def fn(lib, x, value, *idx):
        y = x.clone() if x.requires_grad else x
        y[_materialize_index(lib, key, idx)] = value
        return y
    check(fn, x, value, *arr_parts)


def _drawn_index(data, shape, size):
    """An int64 index array of ``shape`` with values in [0, size)."""
    count = int(np.prod(shape))
    values = data.draw(st.lists(st.integers(0, size - 1), min_size=count, max_size=count))
    return Arr(np.array(values, dtype=np.int64).reshape(shape))


@given(x=arrs(min_dims=1, dtype=st.sampled_from(["float64", "int64", "bool"])), data=st.data())
def test_gather_take_along_dim(x, data):
    shape = x.array.shape
    ndim = len(shape)
    dim = data.draw(one_dim(ndim))
    size = shape[dim]
    assume(size > 0)
    idx_shape = tuple(data.draw(st.integers(0, s)) if i != dim % ndim else data.draw(st.integers(0, 4))
                      for i, s in enumerate(shape))
    idx = _drawn_index(data, idx_shape, size)
    check(lambda lib, x, i: lib.gather(x, dim, i), x, idx, grad2=True)
    check(lambda lib, x, i: lib.take_along_dim(x, i, dim), x, idx)


@given(x=arrs(min_dims=1), data=st.data())
def test_scatter_scatter_add(x, data):
    shape = x.array.shape
    ndim = len(shape)
    dim = data.draw(one_dim(ndim))
    size = shape[dim]
    assume(size > 0)
    idx = _drawn_index(data, shape, size)
    src = data.draw(arrs(shape=shape))
    check(lambda lib, x, i, s: lib.scatter_add(x, dim, i, s), x, idx, src)
    # scatter with duplicate indices is nondeterministic; make the index a permutation along dim
    perm = Arr(np.argsort(np.random.default_rng(0).random(shape), axis=dim % ndim).astype(np.int64))
    check(lambda lib, x, i, s: (lib.scatter(x, dim, i, s), x.scatter(dim, i, 2.5)), x, perm, src)


@given(x=arrs(min_dims=1, dtype=DTYPES), data=st.data())
def test_index_select_masked_select_nonzero(x, data):
    shape = x.array.shape
    dim = data.draw(one_dim(len(shape)))
    size = shape[dim]
    idx = Arr(np.array(data.draw(st.lists(st.integers(0, max(size - 1, 0)), max_size=4 if size else 0)),
                       dtype=np.int64))
    check(lambda lib, x, i: lib.index_select(x, dim, i), x, idx)
    mask = data.draw(arrs(shape=shape[data.draw(st.integers(0, len(shape))):], dtype="bool"))
    check(lambda lib, x, m: lib.masked_select(x, m), x, mask)
    check(lambda lib, x: (lib.nonzero(x), lib.nonzero(x, as_tuple=True)), x)


@given(x=arrs(min_dims=1, dtype=st.sampled_from(["float64", "int64"])), accumulate=st.booleans(), data=st.data())
def test_index_put(x, accumulate, data):
    size = x.array.shape[0]
    assume(size > 0)
    n = data.draw(st.integers(0, 4))
    idx = Arr(np.array(data.draw(st.lists(st.integers(-size, size - 1), min_size=n, max_size=n)), dtype=np.int64))
    if not accumulate:  # duplicate indices without accumulate are nondeterministic
        idx = Arr(np.unique(idx.array % size))
    values = data.draw(arrs(shape=(len(idx.array),) + x.array.shape[1:], dtype=str(x.array.dtype)))
    check(lambda lib, x, i, v: x.index_put((i,), v, accumulate=accumulate), x, idx, values)


@given(x=arrs(dtype="float32", requires_grad=False, min_dims=1, max_side=4), data=st.data())
def test_indexing_opencl(x, data, device):
    key = data.draw(index_parts(x.array.shape))
    arr_parts = _split_key(key)
    check(lambda lib, x, *idx: x[_materialize_index(lib, key, idx)], x, *arr_parts, device=device)
