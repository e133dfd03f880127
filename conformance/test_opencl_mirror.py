"""A float32 subset run on both tensorlite devices (cpu, opencl through PoCL) against PyTorch:
forward values and gradients, so a kernel that differs from the NumPy reference shows up."""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from harness import Arr, check
from inputs import arrs, broadcast_shapes, one_dim, shapes


def f32(shape=None, **kwargs):
    kwargs.setdefault("specials", False)
    return arrs(shape=shape, dtype="float32", **kwargs)


UNARY = {
    "exp": lambda lib, x: x.exp(), "log_abs": lambda lib, x: (x.abs() + 0.5).log(), "tanh": lambda lib, x: x.tanh(),
    "sigmoid": lambda lib, x: x.sigmoid(), "relu": lambda lib, x: x.relu(), "sin": lambda lib, x: x.sin(),
    "sqrt_abs": lambda lib, x: (x.abs() + 0.1).sqrt(), "gelu": lambda lib, x: lib.nn.functional.gelu(x),
    "softplus": lambda lib, x: lib.nn.functional.softplus(x), "silu": lambda lib, x: lib.nn.functional.silu(x),
    "elu": lambda lib, x: lib.nn.functional.elu(x), "leaky": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1),
    "clamp": lambda lib, x: x.clamp(-1.0, 1.5), "pow3": lambda lib, x: x ** 3, "abs": lambda lib, x: x.abs(),
    "floor": lambda lib, x: x.floor(), "sign": lambda lib, x: x.sign(), "square": lambda lib, x: x.square(),
    "tan": lambda lib, x: (x * 0.4).tan(), "asin": lambda lib, x: (x * 0.2).asin(),
    "acos": lambda lib, x: (x * 0.2).acos(), "atan": lambda lib, x: x.atan(), "sinh": lambda lib, x: x.sinh(),
    "cosh": lambda lib, x: x.cosh(), "asinh": lambda lib, x: x.asinh(),
    "acosh": lambda lib, x: (x.abs() + 1.1).acosh(), "atanh": lambda lib, x: (x * 0.2).atanh(),
    "erfc": lambda lib, x: x.erfc(), "exp2": lambda lib, x: x.exp2(),
    "erfinv": lambda lib, x: (x * 0.2).erfinv(),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(x=f32(kinks=False))
def test_unary(name, x, device):
    check(UNARY[name], x, device=device)


BINARY = {
    "add": lambda lib, a, b: a + b, "sub": lambda lib, a, b: a - b, "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / (b.abs() + 0.5), "maximum": lambda lib, a, b: lib.maximum(a, b),
    "where": lambda lib, a, b: lib.where(a > b, a, b * 2), "pow": lambda lib, a, b: (a.abs() + 0.5) ** b,
    "lt": lambda lib, a, b: a < b, "remainder": lambda lib, a, b: a % (b.abs() + 0.5),
    "fmod": lambda lib, a, b: lib.fmod(a, b.abs() + 0.5), "atan2": lambda lib, a, b: lib.atan2(a, b),
    "hypot": lambda lib, a, b: lib.hypot(a, b), "logaddexp": lambda lib, a, b: lib.logaddexp(a, b),
    "logaddexp2": lambda lib, a, b: lib.logaddexp2(a, b),
    "xlogy": lambda lib, a, b: lib.xlogy(a, b.abs() + 0.5),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=broadcast_shapes(), data=st.data())
def test_binary(name, shapes, data, device):
    a = data.draw(f32(shapes[0], kinks=False, unique=True))
    b = data.draw(f32(shapes[1], kinks=False))
    check(BINARY[name], a, b, device=device, grad=name not in ("remainder", "lt", "fmod"))


REDUCTIONS = ["sum", "mean", "amax", "amin", "prod", "var", "std", "logsumexp", "norm", "argmax", "argmin",
              "cumsum", "softmax", "log_softmax", "max_dim", "min_dim", "any", "all"]


@pytest.mark.parametrize("name", REDUCTIONS)
@given(x=f32(shapes(min_dims=1, empty=False), unique=True, low=-3, high=3), keepdim=st.booleans(), data=st.data())
def test_reduction(name, x, keepdim, data, device):
    dim = data.draw(one_dim(x.array.ndim))
    assume(name not in ("std", "var") or x.array.shape[dim] > 1)

    def fn(lib, x):
        if name in ("softmax", "log_softmax"):
            return getattr(lib.nn.functional, name)(x, dim)
        if name == "cumsum":
            return x.cumsum(dim)
        if name in ("max_dim", "min_dim"):
            return tuple(getattr(x, name[:3])(dim, keepdim))
        if name in ("any", "all"):
            return getattr(x > 0, name)(dim, keepdim)
        return getattr(x, name)(dim=dim, keepdim=keepdim)
    check(fn, x, device=device, grad=name != "prod")


@given(a=f32(shapes(min_dims=1, max_dims=3, empty=False)), n=st.integers(1, 3), transpose=st.booleans(), data=st.data())
def test_matmul(a, n, transpose, data, device):
    k = a.array.shape[-1]
    b = data.draw(f32((n, k) if transpose else (k, n)))
    check(lambda lib, a, b: a @ (b.t() if transpose else b), a, b, device=device)


@given(n=st.integers(1, 2), c=st.integers(1, 2), h=st.integers(2, 5), k=st.integers(1, 3), stride=st.integers(1, 2),
       padding=st.integers(0, 1), data=st.data())
def test_conv_pool(n, c, h, k, stride, padding, data, device):
    assume(k <= h + 2 * padding)
    x = data.draw(f32((n, c, h, h), unique=True, kinks=False))
    w = data.draw(f32((2, c, k, k)))
    b = data.draw(f32((2,)))
    check(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, stride, padding), x, w, b, device=device)
    assume(padding <= k // 2)
    check(lambda lib, x: (lib.nn.functional.max_pool2d(x, k, stride, padding),
                          lib.nn.functional.avg_pool2d(x, k, stride, padding)), x, device=device)


@given(n=st.integers(1, 4), c=st.integers(2, 4), smoothing=st.sampled_from([0.0, 0.1]), data=st.data())
def test_losses(n, c, smoothing, data, device):
    x = data.draw(f32((n, c)))
    t = Arr(np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.int64))
    y = data.draw(f32((n, c), low=0, high=1, requires_grad=False))
    check(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, label_smoothing=smoothing), x, t, device=device)
    check(lambda lib, x, y: (lib.nn.functional.mse_loss(x, y), lib.nn.functional.binary_cross_entropy_with_logits(x, y),
                             lib.nn.functional.smooth_l1_loss(x, y)), x, y, device=device)


@given(n=st.integers(1, 3), c=st.integers(1, 4), p=st.sampled_from([1, 2]), data=st.data())
def test_margin_losses(n, c, p, data, device):
    x = data.draw(f32((n, c)))
    t = Arr(np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.int64))
    rows = Arr(np.array(data.draw(st.lists(st.lists(st.integers(-1, c - 1), min_size=c, max_size=c), min_size=n,
                                           max_size=n)), dtype=np.int64))
    signs = Arr(np.where(data.draw(f32((n, c), requires_grad=False)).array > 0, 1.0, -1.0).astype(np.float32))
    w = data.draw(f32((c,), low=0.125, high=2, requires_grad=False))
    check(lambda lib, x, t, w: lib.nn.functional.multi_margin_loss(x, t, p, 0.7, w, reduction="none"), x, t, w,
          device=device)
    check(lambda lib, x, y: lib.nn.functional.multilabel_margin_loss(x, y, reduction="none"), x, rows, device=device)
    check(lambda lib, x, y: (lib.nn.functional.hinge_embedding_loss(x, y), lib.nn.functional.soft_margin_loss(x, y),
                             lib.nn.functional.multilabel_soft_margin_loss(x, (y + 1) / 2),
                             lib.nn.functional.triplet_margin_with_distance_loss(x, y, x.flip(0), swap=True)),
          x, signs, device=device)


@given(x=f32(shapes(min_dims=2, empty=False)), data=st.data())
def test_normalisation(x, data, device):
    c = x.array.shape[1]
    w, b = data.draw(f32((c,))), data.draw(f32((c,)))
    assume(x.array.size // c > 1)
    # a constant channel normalises rounding noise by 1/sqrt(eps) in float32: not compared
    assume(all(np.ptp(np.moveaxis(x.array, 1, 0).reshape(c, -1), axis=1) > 1e-3))
    assume(np.ptp(x.array, axis=-1).min() > 1e-3)
    check(lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, training=True), x, w, b,
          device=device, grad_atol=1e-3)
    last = x.array.shape[-1:]
    check(lambda lib, x: lib.nn.functional.layer_norm(x, last), x, device=device, grad_atol=1e-3)


@given(x=f32(shapes(min_dims=1, empty=False)), data=st.data())
def test_indexing_and_setitem(x, data, device):
    size = x.array.shape[0]
    idx = Arr(np.array(data.draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=4)), dtype=np.int64))
    mask = data.draw(arrs(shape=x.array.shape, dtype="bool"))

    def fn(lib, x, i, m):
        y = x * 1
        y[i] = 0.5
        y[m] = -1.0
        return x[i], x[m], y, x.gather(0, i.remainder(size).reshape((-1,) + (1,) * (x.dim() - 1))
                                          .expand((len(i),) + tuple(x.shape[1:])))
    assume(len(set(np.asarray(idx.array) % size)) == len(idx.array))  # duplicate setitem is nondeterministic
    check(fn, x, idx, mask, device=device)


@given(x=f32(shapes(min_dims=1, max_dims=3, empty=False)), data=st.data())
def test_movement(x, data, device):
    ndim = x.array.ndim
    perm = data.draw(st.permutations(range(ndim)))
    dim = data.draw(one_dim(ndim))
    check(lambda lib, x: (x.permute(*perm).contiguous(), lib.cat([x, x * 2], dim), lib.stack([x, x], dim),
                          x.flip(dim), x.transpose(0, -1).reshape(-1), x.unsqueeze(0).expand(2, *x.shape) * 1,
                          lib.nn.functional.pad(x, [1, 0], value=0.5)), x, device=device)
