"""scatter_reduce, scatter(reduce=), index_add/index_copy/index_fill (and their in-place forms),
masked_scatter, diagonal/diag_embed/diag/trace, Tensor.unfold, meshgrid, tile,
repeat_interleave and PyTorch's in-place method names, against PyTorch (values, errors,
gradients)."""
import numpy as np
from hypothesis import assume, given, strategies as st

from harness import Arr, check
from inputs import ALL_DTYPES, arrs, one_dim, shapes

REDUCTIONS = st.sampled_from(["sum", "prod", "mean", "amax", "amin"])


def _index(data, shape, size, low=0):
    count = int(np.prod(shape))
    values = data.draw(st.lists(st.integers(low, size - 1), min_size=count, max_size=count))
    return Arr(np.array(values, dtype=np.int64).reshape(shape))


@given(x=arrs(min_dims=1, dtype=st.sampled_from(["float64", "int64"]), specials=False), reduce=REDUCTIONS,
       include_self=st.booleans(), data=st.data())
def test_scatter_reduce(x, reduce, include_self, data):
    shape = x.array.shape
    dim = data.draw(one_dim(len(shape)))
    assume(shape[dim] > 0)
    idx_shape = tuple(data.draw(st.integers(0, s)) if d != dim % len(shape) else data.draw(st.integers(0, 5))
                      for d, s in enumerate(shape))
    idx = _index(data, idx_shape, shape[dim])
    # small integers make ties (amax/amin gradients are shared among them) and zeros (prod)
    src = data.draw(arrs(shape=idx_shape, dtype=str(x.array.dtype), low=-2, high=2, specials=False))
    check(lambda lib, x, i, s: x.scatter_reduce(dim, i, s, reduce, include_self=include_self), x, idx, src,
          grad2=reduce != "prod")


@given(x=arrs(min_dims=1, max_dims=2, low=-2, high=2, specials=False), reduce=st.sampled_from(["add", "multiply"]),
       data=st.data())
def test_scatter_with_reduce(x, reduce, data):
    shape = x.array.shape
    assume(shape[0] > 0)
    idx = _index(data, shape, shape[0])
    src = data.draw(arrs(shape=shape, requires_grad=False, low=-2, high=2, specials=False))
    x = Arr(x.array)  # PyTorch has no gradient for scatter with reduce
    check(lambda lib, x, i, s: (lib.scatter(x, 0, i, s, reduce=reduce), x.scatter(0, i, 1.5, reduce=reduce)),
          x, idx, src)


@given(x=arrs(min_dims=1, dtype=st.sampled_from(["float64", "int64"])), op=st.sampled_from(["add", "copy", "fill"]),
       inplace=st.booleans(), data=st.data())
def test_index_add_copy_fill(x, op, inplace, data):
    shape = x.array.shape
    dim = data.draw(one_dim(len(shape)))
    size = shape[dim]
    assume(size > 0)
    count = data.draw(st.integers(0, 4))
    values = data.draw(st.lists(st.integers(-size if op == "fill" else 0, size - 1), min_size=count, max_size=count))
    if op == "copy":  # repeated indices: PyTorch leaves which value wins unspecified
        values = sorted(set(values))
    idx = Arr(np.array(values, dtype=np.int64))
    source_shape = tuple(len(values) if d == dim % len(shape) else s for d, s in enumerate(shape))
    source = data.draw(arrs(shape=source_shape, dtype=str(x.array.dtype)))
    alpha = data.draw(st.sampled_from([1, 2, -3]))

    def fn(lib, x, i, s):
        y = x.clone() if inplace else x
        if op == "add":
            return getattr(y, "index_add_" if inplace else "index_add")(dim, i, s, alpha=alpha)
        if op == "copy":
            return getattr(y, "index_copy_" if inplace else "index_copy")(dim, i, s)
        return getattr(y, "index_fill_" if inplace else "index_fill")(dim, i, -1.5 if y.is_floating_point() else 7)
    check(fn, x, idx, source, grad2=True)


@given(x=arrs(max_dims=3), data=st.data())
def test_masked_scatter(x, data):
    shape = x.array.shape
    mask = data.draw(arrs(shape=shape[data.draw(st.integers(0, len(shape))):], dtype="bool"))
    extra = data.draw(st.integers(-1, 2))
    source = data.draw(arrs(shape=(max(0, int(np.broadcast_to(mask.array, shape).sum()) + extra),)))
    check(lambda lib, x, m, s: (x.masked_scatter(m, s), x.clone().masked_scatter_(m, s)), x, mask, source,
          grad2=True)


@given(x=arrs(min_dims=2, max_dims=4), offset=st.integers(-4, 4), data=st.data())
def test_diagonal_diag_embed(x, offset, data):
    ndim = len(x.array.shape)
    dim1, dim2 = data.draw(one_dim(ndim)), data.draw(one_dim(ndim))
    check(lambda lib, x: x.diagonal(offset, dim1, dim2), x, grad2=True)
    check(lambda lib, x: lib.diagonal(x, offset, dim1, dim2) * 2, x)
    e1, e2 = data.draw(one_dim(ndim + 1)), data.draw(one_dim(ndim + 1))
    check(lambda lib, x: lib.diag_embed(x, offset, e1, e2), x, grad2=True)


@given(x=arrs(min_dims=1, max_dims=3, dtype=st.sampled_from(["float64", "int64", "bool"])), offset=st.integers(-3, 3))
def test_diag_trace(x, offset):
    check(lambda lib, x: lib.diag(x, offset), x, grad2=True)
    check(lambda lib, x: lib.trace(x), x)


def test_diagonal_is_a_view():
    def fn(lib, x):
        y = x.clone()
        y.diagonal(1).mul_(10)
        window = y.unfold(1, 2, 1)
        window[0, 0].fill_(-1)
        return y
    check(fn, Arr(np.arange(12.0).reshape(3, 4), requires_grad=True), grad2=True)


@given(x=arrs(max_dims=3), size=st.integers(-1, 4), step=st.integers(-1, 3), data=st.data())
def test_unfold(x, size, step, data):
    dim = data.draw(one_dim(len(x.array.shape)))
    check(lambda lib, x: x.unfold(dim, size, step), x, grad2=True)


@given(xs=st.lists(arrs(max_dims=1, max_side=3), min_size=1, max_size=3), indexing=st.sampled_from(["ij", "xy"]))
def test_meshgrid(xs, indexing):
    check(lambda lib, *xs: lib.meshgrid(*xs, indexing=indexing), *xs, grad2=True)


@given(x=arrs(max_dims=3, max_side=3), dims=st.lists(st.integers(0, 3), max_size=4))
def test_tile(x, dims):
    check(lambda lib, x: (lib.tile(x, tuple(dims)), x.tile(tuple(dims))), x, grad2=True)


@given(x=arrs(max_dims=3, max_side=3), data=st.data())
def test_repeat_interleave(x, data):
    shape = x.array.shape
    dim = data.draw(st.one_of(st.none(), one_dim(len(shape))))
    count = int(np.prod(shape)) if dim is None else (shape[dim] if shape else 1)
    kind = data.draw(st.sampled_from(["int", "tensor", "one"]))
    if kind == "int":
        repeats = data.draw(st.integers(0, 3))
        check(lambda lib, x: lib.repeat_interleave(x, repeats, dim), x, grad2=True)
        return
    values = data.draw(st.lists(st.integers(0, 3), min_size=1 if kind == "one" else count,
                                max_size=1 if kind == "one" else count))
    repeats = Arr(np.array(values, dtype=np.int64))
    check(lambda lib, x, r: (lib.repeat_interleave(x, r, dim), x.repeat_interleave(r, dim=dim)), x, repeats,
          grad2=True)
    total = int(np.sum(values)) * (count if kind == "one" else 1)
    check(lambda lib, x, r: lib.repeat_interleave(x, r, dim, output_size=total), x, repeats)
    check(lambda lib, r: lib.repeat_interleave(r), repeats)


# in-place names PyTorch has (checked against dir(torch.Tensor)) with their operands
_INPLACE = {"absolute_": (), "arccos_": (), "arccosh_": (), "arcsin_": (), "arcsinh_": (), "arctan_": (),
            "arctanh_": (), "negative_": (), "log2_": (), "log10_": (), "rsqrt_": (), "logical_not_": (),
            "arctan2_": ("other",), "divide_": ("other",), "true_divide_": ("other",), "eq_": ("other",),
            "ne_": ("other",), "lt_": ("other",), "le_": ("other",), "gt_": ("other",), "ge_": ("other",),
            "greater_": ("other",), "greater_equal_": ("other",), "less_": ("other",),
            "less_equal_": ("other",), "not_equal_": ("other",), "logical_and_": ("other",),
            "logical_or_": ("other",), "logical_xor_": ("other",), "lerp_": ("other", 0.25),
            "clamp_min_": (0.5,), "clamp_max_": (0.5,), "cumsum_": (0,), "tril_": (), "triu_": (1,),
            "squeeze_": (0,), "unsqueeze_": (1,), "transpose_": (0, 1), "t_": (), "swapaxes_": (1, 0),
            "swapdims_": (0, -1)}


@given(name=st.sampled_from(sorted(_INPLACE)), x=arrs(min_dims=2, max_dims=2, max_side=3, specials=False),
       data=st.data())
def test_inplace_method_names(name, x, data):
    other = data.draw(arrs(shape=x.array.shape, specials=False))
    args = _INPLACE[name]

    def fn(lib, x, other):
        y = x.clone()
        return getattr(y, name)(*(other if a == "other" else a for a in args)), y
    check(fn, x, other)


def test_meshgrid_without_indexing_warns():
    import warnings

    import tensorlite as tl
    import torch
    for lib in (torch, tl):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.meshgrid(lib.arange(2), lib.arange(3))
        assert any("indexing argument" in str(w.message) for w in caught), lib.__name__


@given(x=arrs(min_dims=1, max_dims=3, dtype=st.sampled_from(["float32", "int32", "int64", "bool"])),
       reduce=st.sampled_from(["sum", "prod", "amax", "amin"]), include_self=st.booleans(), data=st.data())
def test_scatter_reduce_on_device(x, reduce, include_self, data, device):
    """The device's atomic reductions (a compare-and-swap loop per element type), repeated indices
    included, against PyTorch's CPU results."""
    shape = x.array.shape
    assume(shape[0] > 0)
    idx = _index(data, (data.draw(st.integers(0, 6)),) + shape[1:], shape[0])
    src = data.draw(arrs(shape=idx.array.shape, dtype=str(x.array.dtype), low=-3, high=3, specials=False))
    check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self), x, idx, src,
          device=device, grad=False)


@given(x=arrs(min_dims=2, max_dims=3, dtype="float32"), offset=st.integers(-2, 2), data=st.data())
def test_views_and_index_ops_on_device(x, offset, data, device):
    shape = x.array.shape
    idx = Arr(np.array(data.draw(st.lists(st.integers(0, shape[0] - 1), max_size=3)) if shape[0] else [],
                       dtype=np.int64))
    source = data.draw(arrs(shape=(len(idx.array),) + shape[1:], dtype="float32"))
    check(lambda lib, x: (x.diagonal(offset, 0, -1), lib.diag_embed(x, offset), x.unfold(-1, 1, 2)), x,
          device=device)
    check(lambda lib, x, i, s: (x.index_add(0, i, s, alpha=2), x.index_fill(0, i, 3.)), x, idx, source,
          device=device)
    check(lambda lib, x: lib.repeat_interleave(x, lib.tensor([0, 2, 1] * 4)[:shape[-1]].to(x.device), -1), x,
          device=device)


@given(shapes3=st.lists(st.sampled_from([(), (1,), (3,), (2, 1), (2, 3)]), min_size=3, max_size=3),
       scalar_weight=st.booleans(), data=st.data())
def test_lerp(shapes3, scalar_weight, data):
    start, end, weight = (data.draw(arrs(shape=s, specials=False)) for s in shapes3)

    def fn(lib, start, end, weight):
        w = 0.3 if scalar_weight else weight
        out = (lib.lerp(start, end, w), start.lerp(end, w))
        y = start.clone()
        try:
            y.lerp_(end, w)
        except RuntimeError:  # the broadcast shape is not start's: lerp_ refuses
            return out
        return out + (y,)
    check(fn, start, end, weight, grad2=True)


# -- every dtype, 0-dim tensors, out-of-range dims and sizes (errors must match too) ---------------
D = st.sampled_from(ALL_DTYPES)


@given(x=arrs(min_dims=0, dtype=D), op=st.sampled_from(["add", "copy", "fill"]), data=st.data())
def test_index_ops_every_dtype_and_rank(x, op, data):
    shape = x.array.shape
    dim = data.draw(one_dim(len(shape)))
    size = shape[dim] if shape else 1
    assume(size > 0)
    count = data.draw(st.integers(0, 3))
    values = data.draw(st.lists(st.integers(-size - 1, size), min_size=count, max_size=count))
    if op == "copy":
        values = sorted(set(v % size for v in values))
    idx = Arr(np.array(values, dtype=np.int64))
    if shape:
        source_shape = tuple(len(values) if d == dim % len(shape) else s for d, s in enumerate(shape))
    else:  # a 0-dim input takes a 0-dim or a 1-D source
        source_shape = (len(values),) if data.draw(st.booleans()) else ()
    source_dtype = data.draw(st.sampled_from([str(x.array.dtype), "float32"]))  # a mismatch raises
    source = data.draw(arrs(shape=source_shape, dtype=source_dtype))
    alpha = data.draw(st.sampled_from([1, 2, -1.5, True]))
    value = data.draw(st.sampled_from([2, -1.5, True, float("inf")]))

    def fn(lib, x, i, s):
        if op == "add":
            return x.index_add(dim, i, s, alpha=alpha)
        if op == "copy":
            return x.index_copy(dim, i, s)
        return x.index_fill(dim, i, value)
    check(fn, x, idx, source)


@given(xs=st.tuples(shapes(max_dims=3), shapes(max_dims=3)), dtype=D, data=st.data())
def test_masked_scatter_broadcast(xs, dtype, data):
    x = data.draw(arrs(shape=xs[0], dtype=dtype))
    mask = data.draw(arrs(shape=xs[1], dtype="bool"))
    n = data.draw(st.integers(0, 30))
    source = data.draw(arrs(shape=(n,), dtype=dtype))
    check(lambda lib, x, m, s: x.masked_scatter(m, s), x, mask, source)


@given(x=arrs(dtype=D, max_dims=4), offset=st.integers(-5, 5), d1=st.integers(-5, 5), d2=st.integers(-5, 5))
def test_diag_family_any_dims(x, offset, d1, d2):
    check(lambda lib, x: lib.diagonal(x, offset, d1, d2), x)
    check(lambda lib, x: lib.diag_embed(x, offset, d1, d2), x)
    check(lambda lib, x: lib.diag(x, offset), x)
    check(lambda lib, x: lib.trace(x), x)


@given(x=arrs(dtype=D, max_dims=3), data=st.data())
def test_repeat_interleave_any(x, data):
    dim = data.draw(st.one_of(st.none(), st.integers(-4, 4)))
    kind = data.draw(st.sampled_from(["int", "list", "tensor0"]))
    if kind == "int":
        r = data.draw(st.integers(-1, 3))
        check(lambda lib, x: lib.repeat_interleave(x, r, dim), x)
    elif kind == "tensor0":
        r = Arr(np.array(data.draw(st.integers(0, 3)), dtype=np.int64))
        check(lambda lib, x, r: lib.repeat_interleave(x, r, dim), x, r)
    else:
        n = data.draw(st.integers(0, 4))
        counts = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
        r = Arr(np.array(counts, dtype=data.draw(st.sampled_from([np.int64, np.int32]))))
        check(lambda lib, x, r: lib.repeat_interleave(x, r, dim), x, r)


@given(x=arrs(dtype=D, max_dims=3),
       dims=st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=4).map(tuple)))
def test_tile_any(x, dims):
    check(lambda lib, x: lib.tile(x, dims), x)


@given(x=arrs(dtype=D, max_dims=3), dim=st.integers(-4, 4), size=st.integers(-1, 5), step=st.integers(-1, 4))
def test_unfold_any(x, dim, size, step):
    check(lambda lib, x: x.unfold(dim, size, step), x)


@given(x=arrs(min_dims=0, dtype=D), reduce=st.sampled_from(["sum", "prod", "mean", "amax", "amin"]),
       include_self=st.booleans(), data=st.data())
def test_scatter_reduce_every_dtype_and_rank(x, reduce, include_self, data):
    shape = x.array.shape
    nd = max(len(shape), 1)
    dim = data.draw(one_dim(len(shape)))
    size = shape[dim] if shape else 1
    assume(size > 0)
    full = shape if shape else (1,)
    idx_shape = tuple(data.draw(st.integers(0, s)) if d != dim % nd else data.draw(st.integers(0, 5))
                      for d, s in enumerate(full))
    if not shape and data.draw(st.booleans()):
        idx_shape = ()
    count = int(np.prod(idx_shape))
    values = data.draw(st.lists(st.integers(0, size - 1), min_size=count, max_size=count))
    idx = Arr(np.array(values, dtype=np.int64).reshape(idx_shape))
    src_shape = tuple(s + data.draw(st.integers(0, 1)) for s in idx_shape)  # src may be larger than index
    src_dtype = data.draw(st.sampled_from([str(x.array.dtype), str(x.array.dtype), "float64"]))  # or mismatch
    src = data.draw(arrs(shape=src_shape, dtype=src_dtype))
    # forward only: PyTorch's backward breaks for a src larger than the index (sum and mean raise,
    # prod and amax broadcast)
    check(lambda lib, x, i, s: x.scatter_reduce(dim, i, s, reduce, include_self=include_self), x, idx, src, grad=False)


# in-place names on every dtype pair: dtype errors and conversions must match too
_NAMES_ANY_DTYPE = {
    "eq_": ("o",), "lt_": ("o",), "ge_": ("o",), "not_equal_": ("o",), "logical_and_": ("o",), "logical_not_": (),
    "clamp_min_": (1,), "clamp_max_": (0.5,), "cumsum_": (0,), "tril_": (), "triu_": (-1,), "divide_": ("o",),
    "true_divide_": ("o",), "negative_": (), "absolute_": (), "arcsin_": (), "log2_": (), "rsqrt_": (),
    "bitwise_not_": (), "lerp_": ("o", 0.5), "arctan2_": ("o",), "squeeze_": (), "unsqueeze_": (0,), "t_": (),
    "transpose_": (0, -1)}


@given(name=st.sampled_from(sorted(_NAMES_ANY_DTYPE)), x=arrs(min_dims=0, max_dims=2, dtype=D), odt=D, data=st.data())
def test_inplace_names_every_dtype(name, x, odt, data):
    other = data.draw(arrs(shape=x.array.shape, dtype=odt))
    args = _NAMES_ANY_DTYPE[name]

    def fn(lib, x, o):
        y = x.clone()
        return getattr(y, name)(*(o if a == "o" else a for a in args)), y
    check(fn, x, other, grad=False)


# index dtypes across the index-taking ops (int16/int8 indices, uint8 masks, int32 where accepted)
_INDEX_OPS = {
    "gather": lambda x, i, s: x.gather(0, i), "scatter": lambda x, i, s: x.scatter(0, i, s),
    "scatter_add": lambda x, i, s: x.scatter_add(0, i, s),
    "scatter_reduce": lambda x, i, s: x.scatter_reduce(0, i, s, "amax"),
    "index_select": lambda x, i, s: x.index_select(0, i), "index_add": lambda x, i, s: x.index_add(0, i, s),
    "index_copy": lambda x, i, s: x.index_copy(0, i, s), "index_fill": lambda x, i, s: x.index_fill(0, i, 2),
    "take_along_dim": lambda x, i, s: x.take_along_dim(i, 0 if x.ndim else None),
    "index_put": lambda x, i, s: x.index_put((i,), s), "masked_fill": lambda x, i, s: x.masked_fill(i, 2),
    "masked_scatter": lambda x, i, s: x.masked_scatter(i, s),
}


@given(op=st.sampled_from(sorted(_INDEX_OPS)),
       x=arrs(min_dims=0, max_dims=2, dtype=st.sampled_from(["float32", "int64"])),
       index_dtype=st.sampled_from(["int64", "int32", "int16", "uint8", "bool", "float32"]), data=st.data())
def test_index_dtypes(op, x, index_dtype, data):
    shape = x.array.shape
    index_shape = data.draw(st.sampled_from([shape, shape[:1], (), (1,) * len(shape), (2,) + shape]))
    assume(int(np.prod(index_shape)) > 0 and x.array.size > 0)  # PyTorch skips some checks when empty
    high = max(1, min(shape) if shape else 1)
    count = int(np.prod(index_shape))
    values = data.draw(st.lists(st.integers(0, high - 1), min_size=count, max_size=count))
    index = Arr(np.array(values).astype(index_dtype).reshape(index_shape))
    src = data.draw(arrs(shape=index_shape, dtype=str(x.array.dtype)))
    check(lambda lib, x, i, s: _INDEX_OPS[op](x, i, s), x, index, src, grad=False)


@given(x=arrs(min_dims=0, max_dims=3, dtype=st.sampled_from(["float64", "int64"]), specials=False),
       reduce=st.sampled_from(["prod", "mean", "amax", "amin", "sum"]), include_self=st.booleans(),
       inplace=st.booleans(), data=st.data())
def test_index_reduce(x, reduce, include_self, inplace, data):
    shape = x.array.shape
    dim = data.draw(one_dim(len(shape)))
    size = shape[dim] if shape else 1
    assume(size > 0)
    count = data.draw(st.integers(0, 4))
    index = Arr(np.array(data.draw(st.lists(st.integers(0, size - 1), min_size=count, max_size=count)),
                         dtype=np.int64))
    if shape:
        source_shape = tuple(count if d == dim % len(shape) else s for d, s in enumerate(shape))
    else:
        source_shape = (count,)
    source = data.draw(arrs(shape=source_shape, dtype=str(x.array.dtype), low=-2, high=2, specials=False))

    def fn(lib, x, i, s):
        y = x.clone() if inplace else x
        name = "index_reduce_" if inplace else "index_reduce"
        return getattr(y, name)(dim, i, s, reduce, include_self=include_self)
    check(fn, x, index, source, grad2=reduce != "prod")
