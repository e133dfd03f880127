"""bfloat16 (ml_dtypes on the NumPy side) and the float16/bfloat16 computation rule: as PyTorch's
CPU kernels, half types compute in float32 and round once (reductions, matrix products,
composite functions, arithmetic with a Python number) and Python floats convert through float32.
Values pinned here were checked with PyTorch 2.13 (conformance/test_half.py compares with it
directly)."""
import json
import struct

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite.testing import tensors

HALF = [tl.float16, tl.bfloat16]


@pytest.fixture(autouse=True)
def half_types_live_on_the_cpu(cpu_default_device):
    """Also in the OpenCL pass: OpenCL refuses half types (test_opencl_refuses_half_types...)."""


def _bits(t: tl.Tensor) -> list:
    """The exact values (NaN-safe bit comparison through float64)."""
    return t.detach().to(tl.float64).numpy().tolist()


def assert_rounds_once(fn, x: tl.Tensor, *others):
    """fn on half tensors equals fn on their float32 copies, rounded once to the half dtype."""
    expected = fn(x.float(), *(o.float() for o in others))
    actual = fn(x, *others)
    assert actual.dtype is x.dtype
    np.testing.assert_array_equal(np.asarray(_bits(actual)), np.asarray(_bits(expected.to(x.dtype))))


def half_matrices(dtype, rows=(1, 5), cols=(1, 6), low=-4.0, high=4.0):
    return st.tuples(st.integers(*rows), st.integers(*cols)).flatmap(
        lambda shape: tensors(shape=shape, dtype=dtype, low=low, high=high, device="cpu"))


# -- the dtype ------------------------------------------------------------------------------
def test_bfloat16_is_a_floating_dtype_with_pytorch_names():
    x = tl.tensor([0.5, 3.14159]).bfloat16()
    assert x.dtype is tl.bfloat16 is tl.dtypes.to_dtype("bfloat16")
    assert x.is_floating_point() and x.element_size() == 2
    assert tl.bfloat16.scalar_name == "BFloat16" and tl.bfloat16.is_signed
    assert repr(x) == "tensor([0.5000, 3.1406], dtype=tensorlite.bfloat16)"
    assert x.tolist() == [0.5, 3.140625] and x[1].item() == 3.140625
    assert tl.nn.Linear(3, 2).bfloat16().weight.dtype is tl.bfloat16


def test_bfloat16_has_float32_range():
    x = tl.tensor([3e38, 1e-38, 65504.0 * 4], dtype=tl.bfloat16)
    assert x.tolist() == [3.00405527047391e+38, 1.0010069081221042e-38, 262144.0]


@pytest.mark.parametrize("dtype,fields", [
    (tl.bfloat16, dict(bits=16, eps=0.0078125, max=3.3895313892515355e38, tiny=1.1754943508222875e-38,
                       resolution=0.01)),
    (tl.float16, dict(bits=16, eps=0.0009765625, max=65504.0, tiny=6.103515625e-05, resolution=0.001)),
    (tl.float32, dict(bits=32, eps=1.1920928955078125e-07, max=3.4028234663852886e38,
                      tiny=1.1754943508222875e-38, resolution=1e-06)),
])
def test_finfo_pinned_from_pytorch(dtype, fields):
    info = tl.finfo(dtype)
    for name, value in fields.items():
        assert getattr(info, name) == value, name
    assert info.min == -info.max and info.smallest_normal == info.tiny and info.dtype == dtype.name


def test_finfo_and_iinfo_refuse_the_other_kind():
    assert tl.finfo().dtype == "float32" and tl.iinfo(tl.uint8).max == 255 and tl.iinfo(tl.int64).min == -2 ** 63
    with pytest.raises(TypeError, match="iinfo"):
        tl.finfo(tl.int32)
    with pytest.raises(TypeError, match="finfo"):
        tl.iinfo(tl.bfloat16)
    with pytest.raises(TypeError, match="not an integer"):
        tl.iinfo(tl.bool)  # PyTorch refuses bool too


def test_save_load_and_safetensors_keep_bfloat16(tmp_path):
    x = tl.tensor([1.5, -2.25, 3e30], dtype=tl.bfloat16)
    tl.save({"x": x}, tmp_path / "a.tl")
    loaded = tl.load(tmp_path / "a.tl")["x"]
    assert loaded.dtype is tl.bfloat16 and loaded.tolist() == x.tolist()
    tl.safetensors.save_file({"x": x}, tmp_path / "a.safetensors")
    raw = (tmp_path / "a.safetensors").read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    assert json.loads(raw[8:8 + size])["x"]["dtype"] == "BF16"  # the code PyTorch's reader expects
    # BF16 is the upper half of the float32 bit pattern, little-endian
    expected = np.array(x.tolist(), dtype=np.float32).view(np.uint32) >> 16
    assert np.frombuffer(raw[8 + size:], dtype="<u2").tolist() == expected.tolist()
    assert tl.safetensors.load_file(tmp_path / "a.safetensors")["x"].tolist() == x.tolist()


def test_opencl_refuses_half_types_naming_the_fix(opencl):
    for dtype in HALF:
        with pytest.raises(TypeError, match=r"not supported on OpenCL.*\.to\(tl\.float32\)"):
            tl.ones(2, dtype=dtype).to(opencl)


# -- computed in float32, rounded once --------------------------------------------------------
REDUCTIONS = {
    "sum": lambda t: t.sum(-1), "sum_all": lambda t: t.sum(), "mean": lambda t: t.mean(-1),
    "mean_all": lambda t: t.mean(), "var": lambda t: t.var(-1), "std": lambda t: t.std(), "norm": lambda t: t.norm(dim=-1),
    "cumsum": lambda t: t.cumsum(-1), "logsumexp": lambda t: t.logsumexp(-1), "softmax": lambda t: t.softmax(-1),
    "log_softmax": lambda t: t.log_softmax(-1), "var_mean": lambda t: tl.var_mean(t, -1)[0],
    "layer_norm": lambda t: F.layer_norm(t, t.shape[-1:]), "group_norm": lambda t: F.group_norm(t[None], 1),
}


@pytest.mark.parametrize("dtype", HALF, ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=st.data())
def test_reductions_accumulate_in_float32_and_round_once(name, dtype, data):
    """NumPy accumulated float16 in float16, and mean/var/softmax rounded every partial result."""
    x = data.draw(half_matrices(dtype, rows=(2, 5), cols=(2, 40)))
    assert_rounds_once(REDUCTIONS[name], x)


PRODUCTS = {
    "matmul": lambda a, b: a @ b.T, "mm": lambda a, b: tl.mm(a, b.T),
    "bmm": lambda a, b: tl.bmm(a[None], b.T[None]), "linear": lambda a, b: F.linear(a, b, b[:, 0]),
    "conv2d": lambda a, b: F.conv2d(a[None, None], b[None, None, :1, :2], b[:1, 0]),
}


@pytest.mark.parametrize("dtype", HALF, ids=str)
@pytest.mark.parametrize("name", PRODUCTS)
@given(data=st.data())
def test_matrix_products_compute_in_float32(name, dtype, data):
    """Half matmuls ran on NumPy's half loops (no BLAS: ~120x slower than float32); PyTorch's CPU
    float16 matmul is the float32 product rounded once."""
    a = data.draw(half_matrices(dtype, rows=(2, 5), cols=(2, 30)))
    b = data.draw(tensors(shape=(3, a.shape[1]), dtype=dtype, low=-4.0, high=4.0, device="cpu"))
    assert_rounds_once(PRODUCTS[name], a, b)


@pytest.mark.parametrize("dtype", HALF, ids=str)
@given(data=st.data())
def test_matmul_is_numpys_float32_product_rounded(dtype, data):
    a = data.draw(half_matrices(dtype, rows=(1, 5), cols=(1, 30)))
    b = data.draw(tensors(shape=(a.shape[1], 4), dtype=dtype, device="cpu"))
    expected = (a.numpy().astype(np.float32) @ b.numpy().astype(np.float32)).astype(dtype.numpy)
    assert (a @ b).numpy().tobytes() == expected.tobytes()


FUNCTIONS = {
    "sigmoid": lambda t: t.sigmoid(), "erf": lambda t: t.erf(), "erfc": lambda t: t.erfc(),
    "rsqrt": lambda t: t.abs().rsqrt(), "log2": lambda t: t.abs().log2(), "log10": lambda t: t.abs().log10(),
    "gelu": lambda t: F.gelu(t), "silu": lambda t: F.silu(t), "softplus": lambda t: F.softplus(t),
    "elu": lambda t: F.elu(t), "mish": lambda t: F.mish(t), "logaddexp": lambda t: tl.logaddexp(t, t.flip(-1)),
    "xlogy": lambda t: tl.xlogy(t, t.abs()), "lerp": lambda t: t.lerp(t.flip(-1), 0.3),
    "mul_number": lambda t: t * 0.1, "div_number": lambda t: t / 0.3, "mul_number_inplace": lambda t: t.clone().mul_(0.1),
}


@pytest.mark.parametrize("dtype", HALF, ids=str)
@pytest.mark.parametrize("name", FUNCTIONS)
@given(data=st.data())
def test_composite_functions_round_once(name, dtype, data):
    """sigmoid/erf/xlogy are several NumPy calls, gelu/silu/lerp several ops: each step rounded
    to the half type before; erf of float16 even returned float32."""
    assert_rounds_once(FUNCTIONS[name], data.draw(half_matrices(dtype)))


@pytest.mark.parametrize("dtype", HALF, ids=str)
@given(data=st.data(), number=st.floats(-100, 100, width=32))
def test_python_number_operands_as_pytorch(dtype, data, number):
    """mul/div/floor_divide keep the number in float32, add/sub/comparisons round it to the half
    type first (PyTorch's kernels; NumPy rounded it to the half type for every op)."""
    x = data.draw(half_matrices(dtype))
    as_half = float(dtype.numpy.type(number))
    cases = [(x * number, x.float() * number), (x / (number or 1.0), x.float() / (number or 1.0)),
             (x + number, x.float() + as_half), (x - number, x.float() - as_half),
             (number - x, as_half - x.float()), (x // (number or 1.0), x.float() // (number or 1.0))]
    for actual, expected in cases:
        assert _bits(actual) == _bits(expected.to(dtype))
    assert (x == number).tolist() == (x.float() == as_half).tolist()


@pytest.mark.parametrize("dtype", HALF, ids=str)
@given(data=st.data(), alpha=st.sampled_from([0.3, -0.7, 2.5, 1e-3]))
def test_add_with_alpha_rounds_alpha_then_the_sum(dtype, data, alpha):
    x = data.draw(half_matrices(dtype))
    y = x.flip(-1)
    scale = float(dtype.numpy.type(alpha))
    assert _bits(x.add(y, alpha=alpha)) == _bits((x.float() + y.float() * scale).to(dtype))
    assert _bits(x.sub(y, alpha=alpha)) == _bits((x.float() - y.float() * scale).to(dtype))
    # in place too (optimizers' p.add_(d, alpha=-lr)): the product is exact in float32
    assert _bits(x.clone().add_(y, alpha=alpha)) == _bits((x.float() + y.float() * scale).to(dtype))
    assert _bits(x.clone().sub_(y, alpha=alpha)) == _bits((x.float() - y.float() * scale).to(dtype))


@pytest.mark.parametrize("dtype", HALF, ids=str)
@given(values=st.lists(st.floats(-6e4, 6e4), min_size=1, max_size=6))
def test_python_floats_convert_through_float32(dtype, values):
    """PyTorch converts a double to float16/bfloat16 through float32: 1 + 2**-8 + 1e-9 is
    bfloat16 1.0 (float32 makes it the tie 1 + 2**-8, which goes to even), not 1 + 2**-7."""
    expected = np.asarray(values, dtype=np.float32).astype(dtype.numpy).astype(np.float64).tolist()
    assert tl.tensor(values, dtype=dtype).to(tl.float64).tolist() == expected
    assert tl.tensor(values, dtype=tl.float64).to(dtype).to(tl.float64).tolist() == expected
    filled = tl.zeros(len(values), dtype=dtype)
    filled[0] = values[0]
    assert filled.to(tl.float64).tolist()[0] == expected[0]
    assert tl.full((1,), values[0], dtype=dtype).to(tl.float64).tolist() == expected[:1]


def test_double_rounding_example_pinned_from_pytorch():
    value = 1 + 2 ** -8 + 1e-9
    assert tl.tensor([value], dtype=tl.bfloat16).item() == 1.0
    assert tl.zeros(1, dtype=tl.bfloat16).fill_(value).item() == 1.0
    assert tl.tensor([2049.0000001], dtype=tl.float64).half().item() == 2048.0


# -- autograd and optimizers -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", HALF, ids=str)
def test_gradients_keep_the_half_dtype(dtype):
    x = tl.tensor([[0.5, -1.25, 2.0], [3.0, 0.125, -0.75]], dtype=dtype, requires_grad=True)
    w = tl.tensor([[1.0, 2.0, -1.0]], dtype=dtype, requires_grad=True)
    loss = (F.linear(x, w).tanh().mean() + x.softmax(-1).var() + (x * x).sum())
    loss.backward()
    assert x.grad.dtype is dtype and w.grad.dtype is dtype
    reference_x = x.detach().float().requires_grad_()
    reference_w = w.detach().float().requires_grad_()
    (F.linear(reference_x, reference_w).tanh().mean() + reference_x.softmax(-1).var()
     + (reference_x * reference_x).sum()).backward()
    tolerance = 4 * tl.finfo(dtype).eps
    np.testing.assert_allclose(x.grad.float().numpy(), reference_x.grad.numpy(), rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(w.grad.float().numpy(), reference_w.grad.numpy(), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype", HALF, ids=str)
@pytest.mark.parametrize("make", [lambda p: tl.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
                                  lambda p: tl.optim.Adam(p, lr=0.01), lambda p: tl.optim.AdamW(p, lr=0.01)],
                         ids=["sgd", "adam", "adamw"])
def test_optimizers_step_half_parameters(dtype, make):
    start = [[0.5, -1.5, 2.0], [0.25, 1.0, -3.0]]
    half, full = tl.tensor(start, dtype=dtype, requires_grad=True), tl.tensor(start, requires_grad=True)
    optimizers = make([half]), make([full])
    for _ in range(3):
        for p, optimizer in zip((half, full), optimizers):
            optimizer.zero_grad()
            (p * p).sum().backward()
            optimizer.step()
    assert half.dtype is dtype and all(v.dtype is dtype for v in optimizers[0].state[half].values()
                                       if isinstance(v, tl.Tensor) and v.is_floating_point() and v.ndim)
    np.testing.assert_allclose(half.detach().float().numpy(), full.detach().numpy(),
                               atol=8 * tl.finfo(dtype).eps, rtol=8 * tl.finfo(dtype).eps)


def test_ml_dtypes_is_the_numpy_type():
    assert tl.bfloat16.numpy == np.dtype(ml_dtypes.bfloat16)
    assert tl.tensor(np.array([1.5], dtype=ml_dtypes.bfloat16)).dtype is tl.bfloat16


def test_out_of_range_numbers_raise_for_bfloat16_as_pytorch():
    x = tl.ones(2, dtype=tl.bfloat16)
    with pytest.raises(RuntimeError, match="add.*bfloat16 without overflow"):
        x.add(x, alpha=1e39)
    with pytest.raises(RuntimeError, match="fill_.*bfloat16 without overflow"):
        x.fill_(1e39)
    assert x.add(x, alpha=1e38).tolist() == [9.969209968386869e+37] * 2  # float32's range holds


def test_bfloat16_as_the_default_dtype():
    previous = tl.get_default_dtype()
    tl.set_default_dtype(tl.bfloat16)
    try:
        assert tl.tensor([1.5]).dtype is tl.bfloat16 and tl.arange(3.0).dtype is tl.bfloat16
        assert (tl.arange(3) * 0.5).dtype is tl.bfloat16 and tl.finfo().dtype == "bfloat16"
    finally:
        tl.set_default_dtype(previous)


@pytest.mark.parametrize("dtype", HALF, ids=str)
def test_a_requested_or_mixed_dtype_is_not_rounded_back(dtype):
    x = tl.tensor([0.1, 0.2, 0.3], dtype=dtype)
    assert x.mean(dtype=tl.float32).dtype is tl.float32 and x.mean(dtype=float).dtype is tl.float32
    assert x.softmax(0, tl.float64).dtype is tl.float64
    with pytest.raises(RuntimeError, match="same dtype"):  # the op's own check, not hidden by a cast
        F.layer_norm(x, (3,), tl.ones(3))
    assert tl.var_mean(x)[1].dtype is dtype and tl.max(x, 0).indices.dtype is tl.int64


@pytest.mark.parametrize("dtype", HALF, ids=str)
@given(data=st.data())
def test_lerp_with_a_weight_tensor_and_binary_cross_entropy_round_once(dtype, data):
    """PyTorch computes both per element in float32 (the composition rounded every step)."""
    x = data.draw(half_matrices(dtype))
    weight = data.draw(tensors(shape=tuple(x.shape), dtype=dtype, low=0.0, high=1.0, device="cpu"))
    assert_rounds_once(lambda a, w: a.lerp(a.flip(-1), w), x, weight)
    assert_rounds_once(lambda p, t: F.binary_cross_entropy(p, t, reduction="none"), weight, weight.round())


def test_float16_times_a_number_beyond_its_range_multiplies_in_float32():
    """PyTorch: float16 1e-3 * 1e5 is 100.06 (the number is a float32 factor), not 1e-3 * inf."""
    x = tl.tensor([1e-3, 2.0], dtype=tl.float16)
    for result in (x * 1e5, 1e5 * x, x.clone().mul_(1e5), x / 1e-5):
        assert result.tolist() == [100.0625, float("inf")]
    assert (x + 1e5).tolist() == [float("inf")] * 2  # add rounds the number to float16 first
