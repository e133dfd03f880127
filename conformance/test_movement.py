"""Movement ops: reshape/view/permute/transpose/expand/squeeze/unsqueeze/flatten/cat/stack/
split/chunk/unbind/narrow/flip/repeat/movedim/tril/triu, and their gradients."""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from harness import check
from inputs import ALL_DTYPES, arrs, one_dim, shapes

DTYPES = st.sampled_from(ALL_DTYPES)


@given(x=arrs(dtype=DTYPES), data=st.data())
def test_reshape_view_flatten(x, data):
    shape = x.array.shape
    n = x.array.size
    target = data.draw(st.sampled_from([(n,), (-1,), (1, -1), (n, 1), shape[::-1], (2, -1), (-1, 2), ()]))
    check(lambda lib, x: x.reshape(target), x)
    check(lambda lib, x: x.view(*target) if target else x.view(()), x)
    start = data.draw(one_dim(x.array.ndim))
    end = data.draw(one_dim(x.array.ndim))
    check(lambda lib, x: lib.flatten(x, start, end), x)


@given(x=arrs(dtype=DTYPES), data=st.data())
def test_permute_transpose_movedim(x, data):
    ndim = x.array.ndim
    perm = data.draw(st.permutations(range(ndim)))
    check(lambda lib, x: x.permute(*perm) if perm else x.permute(()), x)
    a, b = data.draw(one_dim(ndim)), data.draw(one_dim(ndim))
    check(lambda lib, x: (lib.transpose(x, a, b), x.swapaxes(a, b)), x)
    check(lambda lib, x: lib.movedim(x, a, b), x)
    check(lambda lib, x: x.mT if ndim >= 2 else x.t(), x)


@given(x=arrs(dtype=DTYPES, max_dims=2), data=st.data())
def test_expand_broadcast_to(x, data):
    shape = x.array.shape
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    target = tuple(lead) + tuple(data.draw(st.sampled_from([s, -1, 3])) if s == 1 else
                                 data.draw(st.sampled_from([s, -1])) for s in shape)
    check(lambda lib, x: x.expand(*target) if target else x.expand(()), x)
    check(lambda lib, x: lib.broadcast_to(x, tuple(abs(t) if t != -1 else s for t, s in
                                                   zip(target[len(lead):], shape))), x)


@given(x=arrs(dtype=DTYPES), data=st.data())
def test_squeeze_unsqueeze(x, data):
    ndim = x.array.ndim
    dim = data.draw(one_dim(ndim))
    check(lambda lib, x: (x.squeeze(), x.squeeze(dim)), x)
    if ndim:
        dims = tuple(data.draw(st.lists(st.integers(-ndim, ndim - 1), unique_by=lambda d: d % ndim, max_size=ndim)))
        check(lambda lib, x: x.squeeze(dims), x)
    udim = data.draw(st.integers(-ndim - 1, ndim))
    check(lambda lib, x: (x.unsqueeze(udim), lib.unsqueeze(x, udim)), x)


@given(base=shapes(min_dims=1), n=st.integers(1, 3), dtypes=st.lists(DTYPES, min_size=3, max_size=3),
       data=st.data())
def test_cat_stack(base, n, dtypes, data):
    ndim = len(base)
    dim = data.draw(one_dim(ndim))
    parts = []
    for i in range(n):
        shape = list(base)
        shape[dim] = data.draw(st.integers(0, 3))
        parts.append(data.draw(arrs(shape=tuple(shape), dtype=dtypes[i])))
    check(lambda lib, *ts: (lib.cat(list(ts), dim), lib.cat(ts, dim=dim)), *parts)
    same = [data.draw(arrs(shape=base, dtype=dtypes[i])) for i in range(n)]
    sdim = data.draw(st.integers(-ndim - 1, ndim))
    check(lambda lib, *ts: lib.stack(ts, sdim), *same)
    if ndim <= 2:
        check(lambda lib, *ts: (lib.vstack(ts), lib.hstack(ts)), *same)


@given(x=arrs(dtype=DTYPES, min_dims=1, empty=False), data=st.data())
def test_split_chunk_unbind(x, data):
    ndim = x.array.ndim
    dim = data.draw(one_dim(ndim))
    size = x.array.shape[dim]
    split_size = data.draw(st.integers(1, 4))
    check(lambda lib, x: lib.split(x, split_size, dim), x)
    sizes = data.draw(st.lists(st.integers(0, size), min_size=1, max_size=3).filter(lambda s: sum(s) == size)
                      | st.just([size]))
    check(lambda lib, x: x.split(sizes, dim), x)
    chunks = data.draw(st.integers(1, 5))
    check(lambda lib, x: lib.chunk(x, chunks, dim), x)
    check(lambda lib, x: lib.unbind(x, dim), x)


@given(x=arrs(dtype=DTYPES, min_dims=1), data=st.data())
def test_narrow_flip_repeat(x, data):
    ndim = x.array.ndim
    dim = data.draw(one_dim(ndim))
    size = x.array.shape[dim]
    start = data.draw(st.integers(-size, size) if size else st.just(0))
    length = data.draw(st.integers(0, size))
    check(lambda lib, x: lib.narrow(x, dim, start, length), x)
    dims = data.draw(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim))
    check(lambda lib, x: lib.flip(x, dims), x)
    reps = data.draw(st.lists(st.integers(0, 3), min_size=ndim, max_size=ndim + 1))
    check(lambda lib, x: x.repeat(*reps), x)


@given(x=arrs(dtype=st.sampled_from(["float32", "float64", "int64", "uint8"]), min_dims=2),
       diagonal=st.integers(-3, 3))
def test_tril_triu(x, diagonal):
    check(lambda lib, x: (lib.tril(x, diagonal), lib.triu(x, diagonal), x.tril(diagonal)), x)


@given(x=arrs(dtype=DTYPES), data=st.data())
def test_contiguous_clone_detach(x, data):
    check(lambda lib, x: (x.contiguous(), x.clone(), x.detach(), x.t() if x.dim() <= 2 else x), x)


@given(x=arrs(dtype="float32", requires_grad=False, min_dims=2), data=st.data())
def test_movement_opencl(x, data, device):
    ndim = x.array.ndim
    perm = data.draw(st.permutations(range(ndim)))
    dim = data.draw(one_dim(ndim))
    check(lambda lib, x: (x.permute(*perm).contiguous(), lib.cat([x, x], dim),
                          lib.flip(x, [dim]), x.transpose(0, 1).reshape(-1)), x, device=device)


@given(x=arrs(dtype=DTYPES), data=st.data())
def test_roll(x, data):
    ndim = x.array.ndim
    shift = st.integers(-7, 7)
    a, b = data.draw(shift), data.draw(shift)
    check(lambda lib, x: (lib.roll(x, a), x.roll((b,))), x)
    k = data.draw(st.integers(0, 3))
    shifts = tuple(data.draw(st.lists(shift, min_size=k, max_size=k)))
    dims = tuple(data.draw(st.lists(st.integers(-ndim - 1, ndim) if ndim else st.integers(-1, 0),
                                    min_size=data.draw(st.sampled_from([k, k, 1])), max_size=3)))
    check(lambda lib, x: lib.roll(x, shifts, dims), x, grad2=True)
    if ndim:
        dim = data.draw(one_dim(ndim))
        check(lambda lib, x: x.roll(shifts=a, dims=dim), x, grad2=True)
