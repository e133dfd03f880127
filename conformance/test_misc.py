"""In-place methods, *_as/new_* helpers, fold/unfold, casts and conversions, serialization."""
import io

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from harness import Arr, check
from inputs import ALL_DTYPES, arrs, broadcast_shapes, one_dim, scalars, shapes
from test_elementwise import finite

DTYPES = st.sampled_from(ALL_DTYPES)
UNARY_INPLACE = ["exp_", "log_", "sqrt_", "abs_", "neg_", "relu_", "sigmoid_", "tanh_", "floor_", "ceil_",
                 "round_", "sign_", "reciprocal_", "square_", "clamp_", "zero_"]


@pytest.mark.parametrize("name", UNARY_INPLACE)
@given(x=arrs(dtype=DTYPES, requires_grad=False))
def test_unary_inplace_without_grad(name, x):
    """In-place on a plain tensor: the same value and dtype as PyTorch, or the same refusal
    (an integer tensor cannot hold exp's float result)."""
    args = (-1.0, 1.0) if name == "clamp_" else ()

    def fn(lib, x):
        out = getattr(x, name)(*args)
        return out, x
    check(fn, x, grad=False)


@pytest.mark.parametrize("name", ["exp_", "mul_", "clamp_", "sigmoid_", "add_", "pow_"])
@given(x=arrs(specials=False, min_dims=1, empty=False))
def test_inplace_on_non_leaf_views_is_differentiable(name, x):
    """y = x * 2; y[..., :1].op_(); the gradient reaches x through the view."""

    def fn(lib, x):
        y = x * 2
        view = y[..., :1]
        args = {"mul_": (3.0,), "add_": (1.5,), "clamp_": (-1.0, 1.0), "pow_": (2.0,)}.get(name, ())
        getattr(view, name)(*args)
        return y
    check(fn, x, grad2=name in ("exp_", "mul_"))


@given(shapes=broadcast_shapes(), dtypes=st.tuples(DTYPES, DTYPES), data=st.data())
def test_copy_fill_masked_fill_inplace(shapes, dtypes, data):
    target = data.draw(arrs(shape=shapes[0], dtype=dtypes[0], requires_grad=False))
    source = data.draw(arrs(shape=shapes[1], dtype=dtypes[1], requires_grad=False))
    # float -> integer casts of non-finite or out-of-range values are undefined in PyTorch
    assume(not (target.array.dtype.kind in "iub" and source.array.dtype.kind == "f"
                and not (np.isfinite(source.array).all() and (np.abs(source.array) < 100).all())))
    assume(not (target.array.dtype == np.uint8 and (source.array.astype(np.float64) < 0).any()))
    check(lambda lib, t, s: t.copy_(s), target, source, grad=False)
    mask = data.draw(arrs(shape=shapes[1], dtype="bool"))
    value = data.draw(scalars("int"))
    assume(not (target.array.dtype == np.uint8 and value < 0))
    check(lambda lib, t, m: (t.clone().masked_fill_(m, value), t.clone().fill_(value)), target, mask, grad=False)


@given(x=arrs(dtype=DTYPES), data=st.data())
def test_shape_helpers(x, data):
    shape = x.array.shape
    other = data.draw(arrs(shape=shape, dtype="float64"))
    check(lambda lib, x, o: (x.expand_as(o), x.reshape_as(o), x.view_as(o), x.new_zeros(2), x.new_ones((1, 2)),
                             x.new_full((2,), 3), x.new_empty((0,)).shape, x.type_as(o) if hasattr(x, "type_as") else
                             x.to(o.dtype)), x, other, grad=False)
    if x.array.ndim:
        dim = data.draw(one_dim(x.array.ndim))
        size = shape[dim]
        sizes = (size,) if size < 2 else data.draw(st.sampled_from([(1, size), (size, 1), (-1, 1), (size,)]))
        check(lambda lib, x: x.unflatten(dim, sizes), x)
        a, b = data.draw(one_dim(x.array.ndim)), data.draw(one_dim(x.array.ndim))
        check(lambda lib, x: (x.swapdims(a, b), lib.swapaxes(x, a, b)), x)
    check(lambda lib, x: (lib.count_nonzero(x), x.tolist(), x.numel(), x.dim(), x.is_floating_point()), x, grad=False)


@given(x=arrs(dtype=DTYPES), y=arrs(dtype=DTYPES))
def test_equal(x, y):
    check(lambda lib, x, y: (lib.equal(x, x), lib.equal(x, y)), x, y, grad=False)


@given(n=st.integers(1, 2), c=st.integers(1, 2), h=st.integers(1, 5), w=st.integers(1, 5), k=st.integers(1, 3),
       stride=st.integers(1, 2), padding=st.integers(0, 1), dilation=st.integers(1, 2), data=st.data())
def test_unfold_fold(n, c, h, w, k, stride, padding, dilation, data):
    x = data.draw(arrs(shape=(n, c, h, w), specials=False))
    check(lambda lib, x: lib.nn.functional.unfold(x, k, dilation=dilation, padding=padding, stride=stride), x,
          grad2=True)
    blocks_h = (h + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    blocks_w = (w + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    assume(blocks_h > 0 and blocks_w > 0)
    cols = data.draw(arrs(shape=(n, c * k * k, blocks_h * blocks_w), specials=False))
    check(lambda lib, cols: lib.nn.functional.fold(cols, (h, w), k, dilation=dilation, padding=padding,
                                                   stride=stride), cols)


@given(x=arrs(dtype=DTYPES, specials=False, low=-100, high=100),
       target=st.sampled_from(["float32", "float64", "int64", "int32", "bool", "float16"]))
def test_casts_and_conversions(x, target):
    """Casting rounds toward zero for integers, bool is != 0; item/tolist give Python numbers."""
    assume(not (target == "uint8" and (x.array < 0).any()))

    def fn(lib, x):
        y = x.to(getattr(lib, target))
        return y, y.tolist(), (y.item() if y.numel() == 1 else None)
    check(fn, x)


@given(x=arrs(specials=False, min_dims=1, empty=False))
def test_save_load_round_trip(x, tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "t.bin"

    def fn(lib, x):
        lib.save({"x": x.detach(), "n": 3, "nested": [x.detach() * 2]}, str(path))
        loaded = lib.load(str(path))
        return loaded["x"], loaded["n"], loaded["nested"][0]
    check(fn, x, grad=False)


LEGACY_DATA = st.one_of(st.lists(st.integers(-5, 5), max_size=4), st.lists(st.floats(-5, 5), max_size=4),
                        st.lists(st.lists(st.booleans(), min_size=2, max_size=2), max_size=3))
LEGACY_BAD = st.sampled_from([2.5, True, "ab", None, (2, [3]), (2, 3.0), (-1,), (2, -1)])


@given(data=LEGACY_DATA, sizes=st.lists(st.integers(0, 3), max_size=3), bad=LEGACY_BAD,
       typed=st.sampled_from(["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor"]))
def test_legacy_constructors(data, sizes, bad, typed):
    check(lambda lib: (lib.Tensor(data), getattr(lib, typed)(data)), grad=False)
    check(lambda lib: [tuple(t.shape) + (t.dtype == lib.float32,)
                       for t in (lib.Tensor(*sizes), lib.Tensor(), lib.Tensor(lib.Size(sizes)))], grad=False)
    check(lambda lib: lib.Tensor(*bad) if isinstance(bad, tuple) else lib.Tensor(bad), grad=False, exact_error=True)
    check(lambda lib: (isinstance(lib.ones(2), getattr(lib, typed)),
                       isinstance(lib.ones(2, dtype=lib.int64), getattr(lib, typed))), grad=False)


@given(value=st.one_of(st.floats(-1e6, 1e6), st.integers(-1000, 1000), st.booleans()),
       spec=st.sampled_from(["", ".3f", ">8", "d", "e", "+.1%", "x"]), ndim=st.integers(0, 2))
def test_format(value, spec, ndim):
    check(lambda lib: format(lib.tensor(value).reshape((1,) * ndim), spec), grad=False, exact_error=True)


@given(rows=st.lists(st.lists(st.sampled_from([0.0, 0.5, 2.0, -1.0, float("inf"), float("nan")]),
                              min_size=0, max_size=4), min_size=1, max_size=3).filter(
           lambda r: len({len(x) for x in r}) == 1),
       one_dim_=st.booleans(), num=st.integers(-1, 5), replacement=st.booleans(),
       dtype=st.sampled_from(["float32", "float64", "int64"]))
def test_multinomial_shapes_and_errors(rows, one_dim_, num, replacement, dtype):
    """Random draws differ between the libraries: the shapes, dtypes and errors must agree."""
    def draw(lib):
        p = lib.tensor(rows[0] if one_dim_ else rows, dtype=getattr(lib, dtype))
        out = lib.multinomial(p, num, replacement)
        return tuple(out.shape), out.dtype == lib.int64
    check(draw, grad=False, exact_error=True)


@given(shape=st.lists(st.integers(1, 3), max_size=6), which=st.sampled_from(["dropout1d", "dropout2d", "dropout3d"]),
       p=st.sampled_from([0.0, 0.5, 1.0, 1.5]), training=st.booleans())
def test_channel_dropout_shapes_warnings_errors(shape, which, p, training):
    import warnings

    def run(lib):
        fn = getattr(lib.nn.functional, which)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = fn(lib.ones(tuple(shape)), p, training)
        zeroed = (out == 0).all().item() if p == 1.0 and training else None
        return tuple(out.shape), len(caught), zeroed
    check(run, grad=False, exact_error=True)
