"""Interop with NumPy: DLPack both ways (zero-copy on the CPU), ``__array__`` and NumPy arrays as
operator operands. PyTorch round trips are in conformance/test_dlpack.py (torch is never a
dependency of these tests)."""
import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite.testing import tensors
from tensorlite.utils.dlpack import from_dlpack as utils_from_dlpack, to_dlpack

# every dtype tensorlite has that NumPy's DLPack handles (bfloat16 has its own tests below)
NUMPY_DLPACK_DTYPES = [tl.bool, tl.uint8, tl.int8, tl.int16, tl.int32, tl.int64, tl.float16,
                       tl.float32, tl.float64]


def cpu_tensor(values, dtype=None):
    return tl.tensor(values, dtype=dtype, device="cpu")


class TestExportToNumpy:
    @pytest.mark.parametrize("dtype", NUMPY_DLPACK_DTYPES, ids=lambda d: d.name)
    def test_shares_memory_both_directions(self, dtype):
        t = cpu_tensor([[0, 1, 0], [1, 0, 1]], dtype)
        a = np.from_dlpack(t)
        assert a.dtype == dtype.numpy and a.shape == (2, 3)
        a[0, 0] = 1
        assert t[0, 0].item() == 1
        t[1, 1] = 1
        assert a[1, 1] == 1

    @pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2)])
    def test_zero_dim_and_empty(self, shape):
        t = tl.ones(shape, device="cpu")
        a = np.from_dlpack(t)
        assert a.shape == shape
        if not shape:
            a[()] = 4.0
            assert t.item() == 4.0

    def test_strided_views_export_their_strides(self):
        t = tl.arange(12.0, device="cpu").reshape(3, 4)
        for view in (t.t(), t[:, ::2], t[1:, 1:3], t.flip(0)):
            a = np.from_dlpack(view)
            np.testing.assert_array_equal(a, view.numpy())
        view = t[:, ::2]
        np.from_dlpack(view)[2, 1] = -1.0
        assert t[2, 2].item() == -1.0

    def test_expanded_tensor_exports_stride_zero(self):
        t = cpu_tensor([1.0, 2.0]).expand(3, 2)
        a = np.from_dlpack(t)
        assert a.strides[0] == 0
        np.testing.assert_array_equal(a, [[1.0, 2.0]] * 3)

    def test_copy_true_copies_and_copy_false_shares(self):
        t = cpu_tensor([1.0, 2.0])
        np.from_dlpack(t, copy=True)[0] = 9.0
        assert t.tolist() == [1.0, 2.0]
        np.from_dlpack(t, copy=False)[0] = 9.0
        assert t.tolist() == [9.0, 2.0]

    def test_dlpack_device(self):
        assert cpu_tensor([1.0]).__dlpack_device__() == (1, 0)

    def test_requires_grad_refuses_as_pytorch(self):
        t = cpu_tensor([1.0, 2.0]).requires_grad_()
        with pytest.raises(BufferError, match=r"Can't export tensors that require gradient, use tensor.detach\(\)"):
            np.from_dlpack(t)
        np.from_dlpack(t.detach())[0] = 5.0
        assert t.tolist() == [5.0, 2.0]

    def test_unsupported_device_request_raises(self):
        with pytest.raises(BufferError, match="only the CPU"):
            cpu_tensor([1.0]).__dlpack__(dl_device=(2, 0))

    @given(tensors(dtype=tl.float32, device="cpu", max_dims=4))
    def test_round_trip_is_the_same_memory(self, t):
        a = np.from_dlpack(t)
        back = tl.from_dlpack(a)
        np.testing.assert_array_equal(back.numpy(), t.numpy())
        if t.numel():
            back.view(-1)[0] = 123.0
            assert t.reshape(-1)[0].item() == 123.0


class TestImportFromNumpy:
    @pytest.mark.parametrize("dtype", NUMPY_DLPACK_DTYPES, ids=lambda d: d.name)
    def test_shares_memory_and_keeps_the_dtype(self, dtype):
        a = np.zeros((2, 2), dtype=dtype.numpy)
        t = tl.from_dlpack(a)
        assert t.dtype is dtype and t.device == tl.device("cpu") and not t.requires_grad
        a[1, 0] = 1
        assert t[1, 0].item() == 1
        t[0, 1] = 1
        assert a[0, 1] == 1

    def test_strided_array_stays_a_view(self):
        a = np.arange(12.0).reshape(3, 4)
        t = tl.from_dlpack(a[::2, 1::2])
        assert t.tolist() == [[1.0, 3.0], [9.0, 11.0]]
        a[2, 3] = -1.0
        assert t[1, 1].item() == -1.0

    def test_in_place_write_bumps_the_version_counter(self):
        a = np.ones(3, dtype=np.float32)
        t = tl.from_dlpack(a)
        assert t._version == 0
        t.mul_(2)
        t += 1
        assert t._version == 2 and a.tolist() == [3.0, 3.0, 3.0]

    def test_saved_tensor_modified_through_the_import_fails_backward(self):
        w = tl.from_dlpack(np.ones(2, dtype=np.float32))
        x = tl.ones(2, device="cpu", requires_grad=True)
        y = (x * w).sum()
        w.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()

    def test_copy_and_device(self):
        a = np.ones(2)
        t = tl.from_dlpack(a, copy=True)
        t.add_(1)
        assert a.tolist() == [1.0, 1.0]
        shared = tl.from_dlpack(a, copy=False)
        shared.add_(1)
        assert a.tolist() == [2.0, 2.0]

    def test_capsule_of_torch_utils_spelling(self):
        t = cpu_tensor([1, 2, 3])
        back = utils_from_dlpack(to_dlpack(t))
        back[2] = 7
        assert t.tolist() == [1, 2, 7]

    def test_capsule_is_consumed_once(self):
        capsule = to_dlpack(cpu_tensor([1.0]))
        tl.from_dlpack(capsule)
        with pytest.raises(BufferError, match="imported only once"):
            tl.from_dlpack(capsule)

    def test_tensor_input_is_an_alias_with_its_own_version_counter(self):
        t = cpu_tensor([1.0, 2.0])
        u = tl.from_dlpack(t)
        u.add_(1)
        assert t.tolist() == [2.0, 3.0] and (t._version, u._version) == (0, 1)  # torch: 0 1

    def test_errors(self):
        with pytest.raises(TypeError, match="expected an object with __dlpack__"):
            tl.from_dlpack([1.0, 2.0])
        with pytest.raises(TypeError, match="can't convert np.ndarray of type complex128"):
            tl.from_dlpack(np.zeros(2, dtype=np.complex128))
        with pytest.raises(BufferError, match="require gradient"):
            tl.from_dlpack(cpu_tensor([1.0]).requires_grad_())


class TestBfloat16:
    """NumPy's DLPack has no bfloat16; tensorlite's capsules carry DLPack's bfloat16 code."""

    def test_capsule_round_trip_shares_memory(self):
        t = cpu_tensor([1.5, -2.0]).bfloat16()
        back = tl.from_dlpack(t.__dlpack__())
        assert back.dtype is tl.bfloat16 and back.tolist() == [1.5, -2.0]
        back[0] = 3.0
        assert t[0].item() == 3.0

    @pytest.mark.parametrize("max_version", [None, (1, 0)])
    def test_capsule_carries_the_bfloat16_type_code(self, max_version):
        from tensorlite.ops._dlpack import _dtype_field  # the ABI field a consumer reads

        code, bits = _dtype_field(cpu_tensor([1.0]).bfloat16().__dlpack__(max_version=max_version))
        assert (code.value, bits.value) == (4, 16)  # kDLBfloat, 16 bits

    def test_numpy_refuses_as_it_does_for_any_bfloat16_producer(self):
        with pytest.raises((BufferError, RuntimeError)):
            np.from_dlpack(cpu_tensor([1.0]).bfloat16())

    def test_array_protocol_gives_ml_dtypes_bfloat16(self):
        a = np.asarray(cpu_tensor([0.5]).bfloat16())
        assert a.dtype == ml_dtypes.bfloat16 and a.tolist() == [0.5]


class TestArrayProtocol:
    def test_asarray_shares_memory(self):
        t = cpu_tensor([1.0, 2.0])
        np.asarray(t)[1] = 5.0
        assert t.tolist() == [1.0, 5.0]

    def test_dtype_and_copy_keywords(self):
        t = cpu_tensor([1.0, 2.0])
        assert np.asarray(t, dtype=np.float64).dtype == np.float64
        np.array(t, copy=True)[0] = 7.0
        assert t.tolist() == [1.0, 2.0]
        np.asarray(t, copy=False)[0] = 7.0
        assert t.tolist() == [7.0, 2.0]
        with pytest.raises(ValueError, match="copy=False"):
            np.asarray(t, dtype=np.float64, copy=False)

    def test_requires_grad_refuses_as_pytorch(self):
        t = cpu_tensor([1.0]).requires_grad_()
        with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
            np.asarray(t)
        assert np.asarray(t.detach()).tolist() == [1.0]


class TestNumpyOperands:
    """``t + ndarray`` and ``ndarray + t`` give tensors: the array is a tensor with dimensions
    (never a weak scalar, even 0-d), promoted by PyTorch's table, on t's device."""

    @pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow", "floordiv", "mod", "eq",
                                    "ne", "lt", "le", "gt", "ge"])
    def test_both_orders_give_tensors(self, op):
        import operator

        fn = getattr(operator, op)
        t = tl.tensor([1.0, 2.0, 4.0])
        a = np.array([2.0, 2.0, 3.0])
        for result, expected in ((fn(t, a), fn(t.numpy(), a)), (fn(a, t), fn(a, t.numpy()))):
            assert isinstance(result, tl.Tensor) and result.device == t.device
            np.testing.assert_allclose(result.cpu().numpy(), expected)

    def test_bitwise_and_matmul(self):
        t = tl.tensor([1, 2, 3])
        a = np.array([3, 3, 1])
        assert (t & a).tolist() == [1, 2, 1] and (a | t).tolist() == [3, 3, 3]
        assert (t ^ a).tolist() == [2, 1, 2]
        m = np.array([[1.0], [2.0], [3.0]])
        assert (t.float() @ m).tolist() == [14.0] and (np.ones((1, 3)) @ t.double()).tolist() == [6.0]

    @pytest.mark.parametrize("tensor_dtype,array_dtype,expected", [
        (tl.float32, np.float64, tl.float64), (tl.float32, np.int64, tl.float32),
        (tl.int32, np.int64, tl.int64), (tl.int8, np.bool_, tl.int8), (tl.float16, np.float32, tl.float32),
        (tl.uint8, np.int8, tl.int16)])
    @pytest.mark.parametrize("array_shape", [(2,), ()])
    def test_an_array_promotes_as_a_tensor_even_zero_dim(self, tensor_dtype, array_dtype, expected, array_shape):
        t = tl.ones(2, dtype=tensor_dtype, device="cpu")  # float16: CPU only
        a = np.ones(array_shape, dtype=array_dtype)
        assert (t + a).dtype is expected and (a + t).dtype is expected

    def test_gradient_flows_to_the_tensor(self):
        x = tl.tensor([1.0, 2.0], dtype=tl.float64, requires_grad=True)
        (x * np.array([3.0, 4.0])).sum().backward()
        assert x.grad.tolist() == [3.0, 4.0]

    def test_in_place_operator_writes_into_the_tensor(self):
        t = tl.tensor([1.0, 2.0])
        same = t
        t += np.array([1.0, 1.0])
        t *= np.array([2.0, 3.0])
        assert same is t and t.tolist() == [4.0, 9.0] and t.dtype is tl.float32 and t._version == 2
        i = tl.tensor([1, 2])
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
            i += np.array([0.5, 0.5])
        assert i.tolist() == [1, 2]

    def test_unsupported_array_dtype_names_it(self):
        with pytest.raises(TypeError, match="complex128"):
            tl.tensor([1.0]) + np.array([1j])

    @given(tensors(dtype=tl.float32), st.sampled_from([np.float32, np.float64, np.int32]))
    def test_matches_the_operation_on_tensors(self, t, array_dtype):
        a = np.arange(1, t.numel() + 1, dtype=array_dtype).reshape(tuple(t.shape))
        as_tensor = tl.tensor(a, device=t.device)
        if a.ndim == 0:  # a 0-d tensor would be weak; the array is not
            as_tensor = as_tensor.to(tl.promote_types(t.dtype, as_tensor.dtype))
        for result, expected in ((t * a, t * as_tensor), (a - t, as_tensor - t)):
            assert result.dtype is expected.dtype
            np.testing.assert_array_equal(result.cpu().numpy(), expected.cpu().numpy())


class TestOpenCL:
    def test_dlpack_device_is_kdl_opencl(self, opencl):
        assert tl.zeros(1, device=opencl).__dlpack_device__() == (4, opencl.index or 0)

    def test_export_refuses_without_a_copy(self, opencl):
        t = tl.tensor([1.0, 2.0], device=opencl)
        with pytest.raises(BufferError, match=r"call \.cpu\(\) first"):
            np.from_dlpack(t)
        with pytest.raises(BufferError, match="copy=False"):
            t.__dlpack__(dl_device=(1, 0), copy=False)

    def test_copy_or_cpu_device_exports_a_host_copy(self, opencl):
        t = tl.tensor([1.0, 2.0], device=opencl)
        a = np.from_dlpack(t, copy=True)
        b = np.from_dlpack(t, device="cpu")
        a[0] = b[0] = 9.0
        assert a.tolist() == [9.0, 2.0] and t.cpu().tolist() == [1.0, 2.0]

    def test_array_protocol_copies_and_copy_false_refuses(self, opencl):
        t = tl.tensor([1.0, 2.0], device=opencl)
        assert np.asarray(t).tolist() == [1.0, 2.0]
        with pytest.raises(ValueError, match="opencl"):
            np.asarray(t, copy=False)

    def test_import_to_opencl(self, opencl):
        t = tl.from_dlpack(np.array([1.0, 2.0]), device=opencl)
        assert t.device == opencl and t.tolist() == [1.0, 2.0]
        with pytest.raises(BufferError, match="copy=False"):
            tl.from_dlpack(np.array([1.0]), device=opencl, copy=False)

    def test_array_operand_joins_the_device(self, opencl):
        t = tl.tensor([1.0, 2.0], device=opencl)
        for result in (t + np.array([1.0, 1.0]), np.array([1.0, 1.0]) + t):
            assert result.device == opencl and result.tolist() == [2.0, 3.0]

    def test_from_dlpack_of_an_opencl_tensor_is_an_alias_there(self, opencl):
        t = tl.tensor([1.0, 2.0], device=opencl)
        u = tl.from_dlpack(t)
        u.add_(1)
        assert u.device == opencl and t.tolist() == [2.0, 3.0] and (t._version, u._version) == (0, 1)
        moved = tl.from_dlpack(t, device="cpu")
        assert moved.device == tl.device("cpu") and moved.tolist() == [2.0, 3.0]
