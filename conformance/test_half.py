"""float16 and bfloat16 against PyTorch 2.13's CPU kernels, which compute both in float32 and round
once: reductions (sum, mean, var, softmax, layer_norm, ...), matrix products, convolutions,
composite functions (sigmoid, erf, gelu, lerp, logaddexp), arithmetic with a Python number, and
the conversion of Python floats (through float32). Values are compared in units of the last
place (ulps) of the half dtype: elementwise results exactly (PyTorch's are the float32 result
rounded once); within one ulp of max(|value|, 1) where float32 accumulates in another order
(sums, products of matrices: cancellation leaves 1e-8 instead of 0), where PyTorch's kernel rounds
at other steps than tensorlite's composition, or uses float32 library functions (erff, logf) less
accurate than tensorlite's; gradients within a few ulps (the backward formulas round at
different steps). tests/test_bfloat16.py checks the rounding rule itself exactly."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tensorlite as tl
import tensorlite.nn.functional as TLF
import torch.nn.functional as TF

HALF = ["float16", "bfloat16"]
MANTISSA = {"float16": 10, "bfloat16": 7}
SMALLEST_NORMAL = {"float16": 2.0 ** -14, "bfloat16": 2.0 ** -126}


def matrices(rows=(1, 6), cols=(2, 8)):
    shape = st.tuples(st.integers(*rows), st.integers(*cols))
    values = st.floats(-6.0, 6.0, width=32, allow_subnormal=False)
    return shape.flatmap(lambda s: hnp.arrays(np.float32, s, elements=values))


def assert_within_ulps(expected: torch.Tensor, actual: tl.Tensor, dtype: str, ulps: float, what: str):
    """Equal, or within ``ulps`` units in the last place of max(|value|, 1) (exact: ulps=0)."""
    assert str(expected.dtype).split(".")[-1] == actual.dtype.name == dtype, (what, expected.dtype, actual.dtype)
    e = expected.detach().double().numpy()
    a = actual.detach().to(tl.float64).numpy()
    assert e.shape == a.shape, (what, e.shape, a.shape)
    same = (e == a) | (np.isnan(e) & np.isnan(a))
    magnitude = np.maximum(np.maximum(np.abs(e), np.abs(a)), 1.0)
    ulp = 2.0 ** (np.floor(np.log2(np.where(np.isfinite(magnitude), magnitude, 1.0))) - MANTISSA[dtype])
    close = np.isfinite(e) & np.isfinite(a) & (np.abs(e - a) <= ulps * ulp)
    bad = ~(same | close)
    assert not bad.any(), (f"{what} ({dtype}): {int(bad.sum())} of {bad.size} elements beyond {ulps} ulps, "
                           f"first: PyTorch {e[bad][0]!r}, tensorlite {a[bad][0]!r}")


def _pair(array, dtype):
    return torch.tensor(array).to(getattr(torch, dtype)), tl.tensor(array).to(getattr(tl, dtype))


# (name, fn(lib, F, x), ulps): fn gets a half tensor of shape (rows, cols); ulps 0: exact
OPS = [
    ("sum", lambda m, F, x: x.sum(1), 1), ("sum_all", lambda m, F, x: x.sum(), 1),
    ("mean", lambda m, F, x: x.mean(1), 1), ("mean_all", lambda m, F, x: x.mean(), 1),
    ("var", lambda m, F, x: x.var(1), 1), ("std", lambda m, F, x: x.std(0), 1),
    ("norm", lambda m, F, x: x.norm(dim=1), 1), ("cumsum", lambda m, F, x: x.cumsum(1), 1),
    ("softmax", lambda m, F, x: F.softmax(x, 1), 1), ("log_softmax", lambda m, F, x: F.log_softmax(x, 1), 1),
    ("logsumexp", lambda m, F, x: x.logsumexp(1), 1),
    ("layer_norm", lambda m, F, x: F.layer_norm(x, (x.shape[1],)), 1),
    ("matmul", lambda m, F, x: x @ x.T, 1), ("mm_t", lambda m, F, x: m.mm(x.T, x), 1),
    ("linear", lambda m, F, x: F.linear(x, x[:3], x[:3, 0]) if x.shape[0] >= 3 else F.linear(x, x), 1),
    ("conv2d", lambda m, F, x: F.conv2d(x[None, None], x[None, None, :1, :2], x[0, :1]), 1),
    ("sigmoid", lambda m, F, x: x.sigmoid(), 0), ("erf", lambda m, F, x: x.erf(), 1),
    ("silu", lambda m, F, x: F.silu(x), 1), ("softplus", lambda m, F, x: F.softplus(x), 1),
    ("lerp", lambda m, F, x: x.lerp(x.flip(1), 0.3), 1), ("rsqrt", lambda m, F, x: x.abs().rsqrt(), 1),
    ("logaddexp", lambda m, F, x: m.logaddexp(x, x.flip(1)), 1), ("log2", lambda m, F, x: x.abs().log2(), 1),
    ("mul_number", lambda m, F, x: x * 0.1, 0), ("add_number", lambda m, F, x: x + 0.1, 0),
    ("div_number", lambda m, F, x: x / 0.3, 0), ("floor_divide_number", lambda m, F, x: x // 0.3, 0), ("rsub_number", lambda m, F, x: 1 - x, 0),
    ("add_alpha", lambda m, F, x: x.add(x.flip(1), alpha=0.3), 1),
    ("mse_loss", lambda m, F, x: F.mse_loss(x, x.flip(1)), 1),
    ("lerp_tensor", lambda m, F, x: x.lerp(x.flip(1), x.sigmoid()), 0),
    ("bce_none", lambda m, F, x: F.binary_cross_entropy(x.sigmoid(), (x > 0).to(x.dtype), reduction="none"), 0),
    # PyTorch's nll_loss accumulates its mean in the half type: 2 ulps from the float32 mean
    ("cross_entropy", lambda m, F, x: F.cross_entropy(x, m.arange(x.shape[0]) % x.shape[1]), 2),
]


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("name,fn,ulps", OPS, ids=[op[0] for op in OPS])
@given(x=matrices())
def test_values_match_pytorch(name, fn, ulps, dtype, x):
    tx, lx = _pair(x, dtype)
    assert_within_ulps(fn(torch, TF, tx), fn(tl, TLF, lx), dtype, ulps, name)


GRAD_OPS = ["sum", "mean", "var", "softmax", "matmul", "linear", "sigmoid", "mul_number", "mse_loss"]


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("name", GRAD_OPS)
@given(x=matrices(rows=(2, 5), cols=(2, 6)), data=st.data())
def test_gradients_match_pytorch(name, dtype, x, data):
    """Gradients keep the half dtype and agree within a few ulps of max(largest gradient, 1)."""
    fn = dict((op[0], op[1]) for op in OPS)[name]
    tx, lx = _pair(x, dtype)
    tx.requires_grad_(True)
    lx.requires_grad_(True)
    t_out, l_out = fn(torch, TF, tx), fn(tl, TLF, lx)
    upstream = data.draw(hnp.arrays(np.float32, tuple(t_out.shape),
                                    elements=st.sampled_from([0.5, 1.0, -1.0, 2.0])))
    (t_out * torch.tensor(upstream).to(t_out.dtype)).sum().backward()
    (l_out * tl.tensor(upstream).to(l_out.dtype)).sum().backward()
    assert lx.grad.dtype.name == dtype
    e, a = tx.grad.double().numpy(), lx.grad.to(tl.float64).numpy()
    scale = max(float(np.abs(e).max()), 1.0)
    assert np.allclose(a, e, rtol=0, atol=8 * scale * 2.0 ** -MANTISSA[dtype]), (name, dtype, e, a)


@pytest.mark.parametrize("dtype", HALF)
@given(values=st.lists(st.floats(-1e4, 1e4, allow_subnormal=False), min_size=1, max_size=8))
def test_python_floats_convert_through_float32(dtype, values):
    """tensor(), full(), fill_, setitem and .to() from float64 round as PyTorch: to float32 first."""
    expected = torch.tensor(values, dtype=getattr(torch, dtype))
    half = getattr(tl, dtype)
    for actual in (tl.tensor(values, dtype=half), tl.tensor(values, dtype=tl.float64).to(half)):
        assert_within_ulps(expected, actual, dtype, 0, "tensor")
    filled = tl.zeros(1, dtype=half).fill_(values[0])
    assert_within_ulps(torch.full((1,), values[0], dtype=getattr(torch, dtype)), filled, dtype, 0, "fill_")


def test_promotion_table_matches_pytorch():
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
    for a in names:
        for b in names:
            expected = str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[-1]
            assert tl.promote_types(a, b).name == expected, (a, b)


@pytest.mark.parametrize("dtype", HALF + ["float32", "float64"])
def test_finfo_matches_pytorch(dtype):
    expected, actual = torch.finfo(getattr(torch, dtype)), tl.finfo(getattr(tl, dtype))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(actual, field) == getattr(expected, field), field
