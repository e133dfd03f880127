"""nn.functional: activations (incl. kinks), normalisation, linear/bilinear, conv/pool,
embedding, one_hot, pad, losses; matmul/einsum and friends."""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from harness import Arr, check
from inputs import arrs, broadcast_shapes, one_dim, shapes
from test_elementwise import finite

FLOATS = st.sampled_from(["float32", "float64"])

ACTIVATIONS = {
    "relu": {}, "relu6": {}, "elu": {"alpha": 0.7}, "selu": {}, "celu": {"alpha": 1.3}, "gelu": {},
    "gelu_tanh": {"approximate": "tanh"}, "silu": {}, "mish": {}, "softplus": {"beta": 2.0, "threshold": 5.0},
    "softsign": {}, "hardsigmoid": {}, "hardswish": {}, "hardtanh": {"min_val": -0.5, "max_val": 2.0},
    "leaky_relu": {"negative_slope": 0.2}, "logsigmoid": {}, "sigmoid": {}, "tanh": {},
}
# (kinks of these are a known class fixed on another branch: hardtanh/relu6/selu at the bounds)
# gelu(inf) in float32 is nan in PyTorch (its vectorised erf), inf in float64: not followed
NO_INF = {"gelu", "gelu_tanh"}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(x=arrs(dtype=FLOATS))
def test_activation(name, x):
    kwargs = ACTIVATIONS[name]
    fname = "gelu" if name.startswith("gelu") else name
    assume(not (name in NO_INF and np.isinf(x.array).any()))
    grad2 = finite(x)
    check(lambda lib, x: getattr(lib.nn.functional, fname)(x, **kwargs), x, grad=finite(x), grad2=grad2)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "gelu", "silu", "elu", "leaky_relu", "softplus"])
@given(x=arrs(dtype="float32", requires_grad=False, specials=False))
def test_activation_opencl(name, x, device):
    check(lambda lib, x: getattr(lib.nn.functional, name)(x), x, device=device)


@pytest.mark.parametrize("module", ["ReLU", "ELU", "GELU", "SiLU", "Softplus", "LeakyReLU", "Sigmoid", "Tanh",
                                    "Hardswish", "Hardsigmoid", "Mish", "Softsign", "LogSigmoid", "CELU"])
@given(x=arrs())
def test_activation_module(module, x):
    check(lambda lib, x: getattr(lib.nn, module)()(x), x, grad=finite(x))


@given(a=arrs(min_dims=1, max_dims=3), data=st.data())
def test_matmul(a, data):
    k = a.array.shape[-1]
    b_shape = data.draw(st.sampled_from([(k,), (k, 2), (3, k, 2), (1, k, 0), (2, 1, k, 3)]))
    b = data.draw(arrs(shape=b_shape))
    check(lambda lib, a, b: (lib.matmul(a, b), a @ b), a, b, grad=finite(a, b), grad2=finite(a, b))


@given(m=st.integers(0, 3), k=st.integers(0, 3), n=st.integers(0, 3), batch=st.integers(1, 2),
       dtype=FLOATS, data=st.data())
def test_mm_bmm_dot_outer(m, k, n, batch, dtype, data):
    a = data.draw(arrs(shape=(m, k), dtype=dtype))
    b = data.draw(arrs(shape=(k, n), dtype=dtype))
    check(lambda lib, a, b: (lib.mm(a, b), a.mm(b), lib.matmul(a, b).view(-1)), a, b, grad=finite(a, b))
    c = data.draw(arrs(shape=(batch, m, k), dtype=dtype))
    d = data.draw(arrs(shape=(batch, k, n), dtype=dtype))
    check(lambda lib, c, d: lib.bmm(c, d), c, d, grad=finite(c, d))
    u = data.draw(arrs(shape=(k,), dtype=dtype))
    v = data.draw(arrs(shape=(k,), dtype=dtype))
    check(lambda lib, u, v: (lib.dot(u, v), lib.outer(u, v)), u, v, grad=finite(u, v))


@given(m=st.integers(1, 3), k=st.integers(1, 4), n=st.integers(1, 3), transpose=st.booleans(), data=st.data())
def test_matmul_opencl(m, k, n, transpose, data, device):
    a = data.draw(arrs(shape=(k, m) if transpose else (m, k), dtype="float32", requires_grad=False, specials=False))
    b = data.draw(arrs(shape=(k, n), dtype="float32", requires_grad=False, specials=False))
    check(lambda lib, a, b: (a.t() if transpose else a) @ b, a, b, device=device)


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij->ji", [(2, 3)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
           ("bij,bjk->bik", [(2, 2, 3), (2, 3, 1)]), ("i,i->", [(3,), (3,)]), ("i,j->ij", [(2,), (3,)]),
           ("...ij,...jk", [(2, 2, 3), (3, 2)]), ("ij->", [(2, 0)]), ("ijk->kj", [(1, 2, 3)]),
           ("i,i,i->i", [(3,), (3,), (3,)]), ("ab,ab->a", [(2, 3), (1, 3)])]


@pytest.mark.parametrize("equation,shape_list", EINSUMS)
@given(data=st.data())
def test_einsum(equation, shape_list, data):
    ops = [data.draw(arrs(shape=s)) for s in shape_list]
    check(lambda lib, *ops: lib.einsum(equation, *ops), *ops, grad=finite(*ops), grad2=finite(*ops))


@given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 6), w=st.integers(1, 6),
       k=st.integers(1, 3), stride=st.integers(1, 2), padding=st.integers(0, 1), dilation=st.integers(1, 2),
       groups=st.sampled_from([1, "c"]), bias=st.booleans(), data=st.data())
def test_conv2d(n, c, h, w, k, stride, padding, dilation, groups, bias, data):
    groups = c if groups == "c" else 1
    out = data.draw(st.integers(1, 2)) * groups
    x = data.draw(arrs(shape=(n, c, h, w), specials=False))
    weight = data.draw(arrs(shape=(out, c // groups, k, k), specials=False))
    b = data.draw(arrs(shape=(out,), specials=False)) if bias else None
    check(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, stride, padding, dilation, groups),
          x, weight, b, grad2=n * h * w <= 12)


@given(n=st.integers(1, 2), c=st.integers(1, 2), length=st.integers(1, 6), k=st.integers(1, 3),
       stride=st.integers(1, 2), padding=st.sampled_from([0, 1, "same", "valid"]), data=st.data())
def test_conv1d(n, c, length, k, stride, padding, data):
    if padding == "same":
        stride = 1
    x = data.draw(arrs(shape=(n, c, length), specials=False))
    weight = data.draw(arrs(shape=(2, c, k), specials=False))
    check(lambda lib, x, w: lib.nn.functional.conv1d(x, w, None, stride, padding), x, weight)


@given(n=st.integers(1, 2), c=st.integers(1, 2), h=st.integers(1, 4), k=st.integers(1, 3),
       stride=st.integers(1, 2), padding=st.integers(0, 1), data=st.data())
def test_conv_transpose2d(n, c, h, k, stride, padding, data):
    output_padding = data.draw(st.integers(0, stride - 1))
    x = data.draw(arrs(shape=(n, c, h, h), specials=False))
    weight = data.draw(arrs(shape=(c, 2, k, k), specials=False))
    check(lambda lib, x, w: lib.nn.functional.conv_transpose2d(x, w, None, stride, padding, output_padding),
          x, weight)


@given(n=st.integers(1, 2), c=st.integers(1, 2), h=st.integers(1, 6), w=st.integers(1, 6),
       k=st.integers(1, 3), stride=st.sampled_from([None, 1, 2]), padding=st.integers(0, 1),
       ceil_mode=st.booleans(), count_include_pad=st.booleans(), data=st.data())
def test_pool2d(n, c, h, w, k, stride, padding, ceil_mode, count_include_pad, data):
    assume(padding <= k // 2)
    x = data.draw(arrs(shape=(n, c, h, w), specials=False, unique=True, kinks=False))
    F = "nn.functional"
    check(lambda lib, x: lib.nn.functional.max_pool2d(x, k, stride, padding, ceil_mode=ceil_mode), x)
    check(lambda lib, x: lib.nn.functional.max_pool2d(x, k, stride, padding, ceil_mode=ceil_mode,
                                                      return_indices=True), x)
    check(lambda lib, x: lib.nn.functional.avg_pool2d(x, k, stride, padding, ceil_mode=ceil_mode,
                                                      count_include_pad=count_include_pad), x)
    out = data.draw(st.sampled_from([1, 2, (2, 3), (1, None)]))
    check(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, out), x)


@given(x=arrs(dtype=FLOATS, min_dims=1), data=st.data())
def test_layer_norm_normalize(x, data):
    shape = x.array.shape
    nd = data.draw(st.integers(1, len(shape)))
    norm_shape = shape[len(shape) - nd:]
    w = data.draw(arrs(shape=norm_shape, dtype=str(x.array.dtype), specials=False))
    b = data.draw(arrs(shape=norm_shape, dtype=str(x.array.dtype), specials=False))
    # float32 layer_norm gradients cancel to ~1e-4 of the input scale; over one element PyTorch's
    # float32 gradient is rounding noise (1e12), not compared
    check(lambda lib, x, w, b: lib.nn.functional.layer_norm(x, norm_shape, w, b), x, w, b,
          grad=finite(x) and not (np.prod(norm_shape) == 1 and x.array.dtype == np.float32),
          grad_atol=1e-3 if x.array.dtype == np.float32 else None)
    dim = data.draw(one_dim(len(shape)))
    p = data.draw(st.sampled_from([1.0, 2.0, 3.0]))
    check(lambda lib, x: lib.nn.functional.normalize(x, p=p, dim=dim), x, grad=finite(x))


@given(n=st.integers(1, 4), c=st.integers(1, 4), extra=st.sampled_from([(), (3,), (2, 2)]),
       training=st.booleans(), data=st.data())
def test_batch_norm_group_norm(n, c, extra, training, data):
    x = data.draw(arrs(shape=(n, c) + extra, specials=False))
    rm = data.draw(arrs(shape=(c,), specials=False, requires_grad=False))
    rv = Arr(np.abs(data.draw(arrs(shape=(c,), specials=False, requires_grad=False)).array) + 0.5)
    w = data.draw(arrs(shape=(c,), specials=False))
    b = data.draw(arrs(shape=(c,), specials=False))

    def fn(lib, x, rm, rv, w, b):
        out = lib.nn.functional.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3)
        return out, rm, rv
    check(fn, x, rm, rv, w, b)
    groups = data.draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0]))
    check(lambda lib, x, w, b: lib.nn.functional.group_norm(x, groups, w, b), x, w, b)


@given(n=st.integers(1, 3), fin=st.integers(1, 3), fout=st.integers(1, 3), bias=st.booleans(),
       lead=st.sampled_from([(), (2,), (0,)]), data=st.data())
def test_linear_bilinear(n, fin, fout, bias, lead, data):
    x = data.draw(arrs(shape=lead + (n, fin), specials=False))
    w = data.draw(arrs(shape=(fout, fin), specials=False))
    b = data.draw(arrs(shape=(fout,), specials=False)) if bias else None
    check(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), x, w, b, grad2=True)
    x2 = data.draw(arrs(shape=(n, 2), specials=False))
    w2 = data.draw(arrs(shape=(fout, fin, 2), specials=False))
    check(lambda lib, x, x2, w, b: lib.nn.functional.bilinear(x, x2, w, b), Arr(x.array.reshape(-1, fin)[:n]) if
          x.array.size else x, x2, w2, b)


@given(num=st.integers(1, 5), dim=st.integers(1, 3), padding_idx=st.sampled_from([None, 0, -1]),
       max_norm=st.sampled_from([None]), data=st.data())
def test_embedding_one_hot(num, dim, padding_idx, max_norm, data):
    w = data.draw(arrs(shape=(num, dim), specials=False))
    idx = Arr(np.array(data.draw(st.lists(st.integers(0, num - 1), max_size=5)), dtype=np.int64))
    check(lambda lib, i, w: lib.nn.functional.embedding(i, w, padding_idx=padding_idx), idx, w)
    classes = data.draw(st.sampled_from([-1, num, num + 1]))
    check(lambda lib, i: lib.nn.functional.one_hot(i, classes), idx)


@given(x=arrs(min_dims=1, specials=False), mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]),
       data=st.data())
def test_pad(x, mode, data):
    nd = x.array.ndim
    n_pairs = data.draw(st.integers(1, min(nd, 3)))
    pads = data.draw(st.lists(st.integers(-1, 2), min_size=2 * n_pairs, max_size=2 * n_pairs))
    # PyTorch's circular padding with negative widths can read uninitialised memory: not compared
    assume(mode != "circular" or min(pads) >= 0)
    value = 1.5 if mode == "constant" else None
    kwargs = {"value": value} if value is not None else {}
    check(lambda lib, x: lib.nn.functional.pad(x, pads, mode=mode, **kwargs), x)


@given(shapes=broadcast_shapes(2, min_dims=1, empty=False), dim=st.integers(-1, 0), data=st.data())
def test_cosine_similarity(shapes, dim, data):
    a = data.draw(arrs(shape=shapes[0], specials=False))
    b = data.draw(arrs(shape=shapes[1], specials=False))
    check(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=dim), a, b)


@given(x=arrs(min_dims=1, specials=False), p=st.sampled_from([0.0, 1.0]), training=st.booleans())
def test_dropout_deterministic(x, p, training):
    check(lambda lib, x: lib.nn.functional.dropout(x, p=p, training=training), x)


@given(x=arrs(dtype=FLOATS, min_dims=0), shared=st.booleans(), data=st.data())
def test_prelu(x, shared, data):
    channels = x.array.shape[1] if x.array.ndim >= 2 else 1
    w = data.draw(arrs(shape=(1 if shared else channels,), dtype=str(x.array.dtype), specials=False))
    # PyTorch's mixed second derivative at exactly 0 is 0 (like elu's, see test_known): not followed
    check(lambda lib, x, w: lib.nn.functional.prelu(x, w), x, w, grad=finite(x),
          grad2=finite(x) and not np.any(x.array == 0))
