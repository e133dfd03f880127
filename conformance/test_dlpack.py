"""DLPack and the array protocol between tensorlite and PyTorch 2.13: zero-copy both ways on the
CPU (every shared dtype, bfloat16 included), strided views, the errors PyTorch raises, and NumPy
arrays as operator operands compared with PyTorch's results."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tensorlite as tl
from harness import Arr, check

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _pair(name):
    return getattr(tl, name if name != "bool" else "bool_"), getattr(torch, name)


@pytest.mark.parametrize("name", DTYPES)
def test_torch_from_dlpack_shares_tensorlite_memory(name):
    tl_dtype, torch_dtype = _pair(name)
    t = tl.zeros(2, 3, dtype=tl_dtype, device="cpu")
    x = torch.from_dlpack(t)
    assert x.dtype == torch_dtype and x.shape == (2, 3) and x.device.type == "cpu"
    x[1, 2] = 1
    assert t[1, 2].item() == 1
    t[0, 0] = 1
    assert x[0, 0].item() == 1


@pytest.mark.parametrize("name", DTYPES)
def test_tensorlite_from_dlpack_shares_torch_memory(name):
    tl_dtype, torch_dtype = _pair(name)
    x = torch.zeros(2, 3, dtype=torch_dtype)
    t = tl.from_dlpack(x)
    assert t.dtype is tl_dtype and tuple(t.shape) == (2, 3)
    t[1, 2] = 1
    assert x[1, 2].item() == 1
    x[0, 0] = 1
    assert t[0, 0].item() == 1


@given(array=hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
                        elements=st.floats(-3, 3, width=32)),
       view=st.sampled_from(["same", "transpose", "step", "flip"]))
def test_views_round_trip_with_their_values(array, view):
    def make(lib_tensor):
        if view == "transpose":
            return lib_tensor.permute(*reversed(range(lib_tensor.ndim)))
        if view == "step" and lib_tensor.ndim:
            return lib_tensor[::2]
        if view == "flip" and lib_tensor.ndim:
            return lib_tensor.flip(0)
        return lib_tensor
    t = make(tl.tensor(array, device="cpu"))
    x = torch.from_dlpack(t)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    back = tl.from_dlpack(make(torch.from_numpy(array.copy())))
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_legacy_capsules_both_ways_share_memory():
    t = tl.tensor([1.0, 2.0], device="cpu")
    x = torch.utils.dlpack.from_dlpack(tl.utils.dlpack.to_dlpack(t))
    x[0] = 5.0
    y = torch.tensor([1.0, 2.0])
    u = tl.utils.dlpack.from_dlpack(torch.utils.dlpack.to_dlpack(y))
    u[1] = 7.0
    assert t.tolist() == [5.0, 2.0] and y.tolist() == [1.0, 7.0]


def test_version_counter_of_an_imported_tensor_counts_in_place_writes():
    x = torch.zeros(3)
    t = tl.from_dlpack(x)
    t.add_(1)
    t[0] = 4.0
    assert t._version == 2 and x.tolist() == [4.0, 1.0, 1.0]
    y = torch.from_dlpack(tl.zeros(3, device="cpu"))
    y.add_(1)
    assert y._version == 1


def test_requires_grad_errors_match_pytorch():
    for lib in (torch, tl):
        leaf = lib.ones(2, requires_grad=True)
        with pytest.raises(BufferError, match=r"Can't export tensors that require gradient, use tensor.detach\(\)"):
            leaf.__dlpack__()
        with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
            np.asarray(leaf)
    with pytest.raises(BufferError, match="require gradient"):
        torch.from_dlpack(tl.ones(2, device="cpu", requires_grad=True))
    with pytest.raises(BufferError, match="require gradient"):
        tl.from_dlpack(torch.ones(2, requires_grad=True))


def test_as_tensor_and_asarray_share_memory():
    t = tl.tensor([1.0, 2.0], device="cpu")
    torch.as_tensor(t)[0] = 3.0
    np.asarray(t)[1] = 4.0
    assert t.tolist() == [3.0, 4.0]
    assert torch.as_tensor(tl.tensor([1, 2], device="cpu")).dtype == torch.int64


def test_dlpack_device_matches_pytorch_on_the_cpu():
    assert tuple(tl.zeros(1, device="cpu").__dlpack_device__()) == tuple(torch.zeros(1).__dlpack_device__())


SAME_CATEGORY = [("float32", "float64"), ("float64", "float32"), ("int32", "int64"), ("int64", "int8"),
                 ("float16", "float32"), ("float32", "float32")]


OPERAND_CASES = [(t, a, op) for t, a in SAME_CATEGORY for op in ("add", "sub", "mul", "truediv", "eq")
                 if not (op == "truediv" and t.startswith("int"))]


@pytest.mark.parametrize("tensor_dtype,array_dtype,op", OPERAND_CASES)
@pytest.mark.parametrize("array_shape", [(3,), (), (2, 1)])
def test_tensor_with_an_ndarray_operand_as_pytorch(tensor_dtype, array_dtype, op, array_shape):
    """PyTorch computes ``t op ndarray`` through NumPy and wraps the result: NumPy's promotion,
    which for operands of one category is PyTorch's table with the array as a dimensioned
    tensor (a 0-d array too). Across categories NumPy widens further (int32 tensor + float32
    array is float64 there, as is int / int); tensorlite keeps PyTorch's tensor rules (float32).
    ``ndarray + t`` raises a TypeError in PyTorch 2.13 with NumPy 2.4 (tensorlite returns the
    tensor: not compared)."""
    import operator

    fn = getattr(operator, op)
    array = np.full(array_shape, 2, dtype=array_dtype)

    def left(lib, x):
        return fn(x, array)
    check(left, Arr(np.array([1.5, 2.0, 4.0]).astype(tensor_dtype)), grad=False)


def test_opencl_tensor_refuses_pytorch_with_the_fix():
    from conftest import _opencl_device

    t = tl.ones(2, device=_opencl_device())
    with pytest.raises(BufferError, match=r"call \.cpu\(\) first"):
        torch.from_dlpack(t)
    assert torch.from_dlpack(t.__dlpack__(copy=True)).tolist() == [1.0, 1.0]
    assert torch.from_dlpack(t.cpu()).tolist() == [1.0, 1.0]
