"""The OpenCL runtime and backend beyond the op table: devices, caches, the buffer pool, error
messages, the paths only large inputs take, random numbers and user kernels."""
import os
import pathlib
import secrets

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tensorlite as tl
from tensorlite.autograd import gradcheck

pytestmark = pytest.mark.backend_pair



class TestDevices:
    def test_device_strings_and_listing(self, opencl):
        from tensorlite.backends.opencl import describe_devices, devices
        assert len(devices()) >= 1 and len(describe_devices()) == len(devices())
        assert opencl.type == "opencl" and tl.device(f"opencl:{opencl.index}") is opencl
        assert str(tl.ones(1, device="opencl").device) == f"opencl:{opencl.index}"

    def test_index_out_of_range_lists_devices(self, opencl):
        with pytest.raises(RuntimeError, match="OpenCL device index 99 is out of range"):
            tl.device("opencl:99")

    def test_mixing_devices_names_both(self, opencl):
        with pytest.raises(RuntimeError, match=r"at least two devices, opencl:\d and cpu"):
            tl.ones(2, device=opencl) @ tl.ones(2, device="cpu").reshape(2, 1)
        with pytest.raises(RuntimeError, match="cpu and opencl"):
            tl.ones(3, device="cpu").gather(0, tl.zeros(2, dtype=tl.int64, device=opencl))

    def test_to_and_module_to_round_trip(self, opencl):
        x = tl.randn(3, 4, device="cpu")
        assert np.array_equal(x.to(opencl).to("cpu").numpy(), x.numpy())
        net = tl.nn.Linear(4, 2).to(opencl)
        assert net.weight.device == opencl and net(x.to(opencl)).device == opencl
        assert repr(tl.tensor([1.0], device=opencl)) == f"tensor([1.], device='{opencl}')"


class TestRuntime:
    def test_kernel_sources_cover_every_backend_op(self, opencl):
        from tensorlite.backends.base import BINARY_OPS, REDUCE_OPS, UNARY_OPS
        from tensorlite.backends.opencl.runtime import op_codes
        assert set(op_codes("UNARY")) == UNARY_OPS and set(op_codes("BINARY")) == BINARY_OPS
        assert set(op_codes("REDUCE")) == REDUCE_OPS

    def test_kernels_are_cached(self, opencl):
        runtime = opencl.backend.runtime
        first = runtime.kernel("unary.cl", "unary", (("T", "float"), ("U", "float"), ("T_FLOAT", None)))
        again = runtime.kernel("unary.cl", "unary", (("T", "float"), ("U", "float"), ("T_FLOAT", None)))
        assert first is again

    def test_build_failure_shows_log_and_defines(self, opencl):
        with pytest.raises(RuntimeError, match=r"(?s)kernels/unary.cl.*-DT=no_such_type.*error"):
            opencl.backend.runtime.kernel("unary.cl", "unary", (("T", "no_such_type"), ("U", "float")))

    def _spy_builds(self, monkeypatch, failures):
        """Kernel creation fails ``failures`` times with a stale cache's error; returns the list
        of (options, cache_dir) of every program build."""
        import pyopencl
        builds, created = [], []
        real_build, real_kernel = pyopencl.Program.build, pyopencl.Kernel

        def build(program, options=None, devices=None, cache_dir=None):
            if any(o.startswith("-DSTALE=") for o in options):  # not the prebuild thread's
                builds.append((list(options), cache_dir))
            return real_build(program, options, devices, cache_dir)

        def kernel(program, name):
            created.append(name)
            if len(created) <= failures:
                raise pyopencl.LogicError("clCreateKernel failed: INVALID_KERNEL_NAME")
            return real_kernel(program, name)
        monkeypatch.setattr(pyopencl.Program, "build", build)
        monkeypatch.setattr(pyopencl, "Kernel", kernel)
        return builds

    def test_stale_cache_kernel_is_rebuilt_once_without_caches(self, opencl, monkeypatch):
        builds = self._spy_builds(monkeypatch, failures=1)
        defines = (("T", "float"), ("U", "float"), ("T_FLOAT", None), ("STALE", secrets.token_hex(4)))
        kernel = opencl.backend.runtime.kernel("unary.cl", "unary", defines)
        assert kernel.function_name == "unary" and len(builds) == 2
        (first, first_cache), (again, again_cache) = builds
        assert first_cache is None and again_cache is False  # pyopencl's cache bypassed
        # a define no earlier build had: PoCL's cache key differs, so its cache is bypassed too
        assert [o for o in again if o not in first] == [o for o in again if o.startswith("-DTENSORLITE_UNCACHED_BUILD=")]
        monkeypatch.undo()
        assert opencl.backend.runtime.kernel("unary.cl", "unary", defines) is kernel  # cached

    def test_kernel_failing_after_the_rebuild_raises_a_clear_error(self, opencl, monkeypatch):
        from tensorlite.backends.opencl.runtime import KernelNotFoundError
        builds = self._spy_builds(monkeypatch, failures=2)
        defines = (("T", "float"), ("U", "float"), ("T_FLOAT", None), ("STALE", secrets.token_hex(4)))
        with pytest.raises(KernelNotFoundError, match=r"(?s)kernels/unary.cl has no kernel named 'unary'.*"
                                                      r"INVALID_KERNEL_NAME.*bypassed the compiler caches.*POCL_CACHE_DIR"):
            opencl.backend.runtime.kernel("unary.cl", "unary", defines)
        assert len(builds) == 2

    def test_suite_uses_a_private_pocl_cache(self):
        # set by conftest.py (or by the caller) before PoCL starts: never the shared ~/.cache/pocl
        cache = os.environ.get("POCL_CACHE_DIR")
        assert cache and pathlib.Path(cache).resolve() != (pathlib.Path.home() / ".cache" / "pocl").resolve()

    def test_pool_reuses_freed_buffers(self, opencl):
        runtime = opencl.backend.runtime
        x = tl.empty(1000, device=opencl)
        buffer = x._array.buffer
        del x
        assert runtime.pooled_bytes >= 4000
        assert tl.empty(1000, device=opencl)._array.buffer is buffer

    def test_checker_buffers_are_exact_whole_words(self, opencl, monkeypatch):
        """On Oclgrind (is_checker) a buffer is not rounded up to a pool bucket, so an access past
        a tensor's end is reported; it still holds whole 32-bit words, which the 8/16-bit
        atomic adds update."""
        runtime = opencl.backend.runtime
        monkeypatch.setattr(runtime, "is_checker", True)
        sizes = []
        for nbytes in (0, 1, 5, 8, 1001):
            buffer, size = runtime.allocate(nbytes)
            sizes.append(size)
            runtime.release(buffer, size)
        assert sizes == [4, 4, 8, 8, 1004]

    def test_out_of_memory_flushes_the_pool_then_explains(self, opencl, monkeypatch):
        import pyopencl
        runtime = opencl.backend.runtime
        monkeypatch.setattr(runtime, "_create", lambda size: (_ for _ in ()).throw(pyopencl.MemoryError("oom")))
        with pytest.raises(MemoryError, match="out of memory: could not allocate"):
            tl.empty(12345677, device=opencl)
        assert runtime.pooled_bytes == 0  # flushed before the retry
        monkeypatch.undo()
        assert tl.ones(3, device=opencl).sum().item() == 3.0  # the process goes on

    def test_float64_needs_fp64_and_float16_is_refused(self, opencl, monkeypatch):
        backend = opencl.backend
        monkeypatch.setattr(backend.runtime, "has_fp64", False)
        with pytest.raises(TypeError, match=r"float64 is not supported on opencl:\d.*cl_khr_fp64"):
            tl.zeros(2, dtype=tl.float64, device=opencl)
        monkeypatch.undo()
        with pytest.raises(TypeError, match="float16 tensors are not supported on OpenCL"):
            tl.zeros(2, dtype=tl.float16, device=opencl)


def _both(fn, *arrays, dtype=tl.float32):
    cpu = fn(*[tl.tensor(a, dtype=dtype, device="cpu") for a in arrays])
    dev = fn(*[tl.tensor(a, dtype=dtype, device="opencl") for a in arrays])
    return cpu.numpy(), dev.cpu().numpy()


class TestLargeInputPaths:
    """Paths the small shapes of the op table never reach."""

    @pytest.mark.parametrize("shape, dims", [((3, 1000), 1), ((1000, 3), 0), ((40, 50, 30), (0, 2)),
                                             ((70000,), 0)])
    @pytest.mark.parametrize("op", ["sum", "amax", "amin", "prod"])
    def test_group_reductions(self, opencl, shape, dims, op):
        rng = np.random.default_rng(0)
        x = rng.uniform(0.99, 1.01, shape) if op == "prod" else rng.standard_normal(shape)
        expected, actual = _both(lambda t: getattr(t, op)(dims), x, dtype=tl.float64)
        np.testing.assert_allclose(actual, expected, rtol=1e-10)

    def test_reduction_propagates_nan_and_counts_ints(self, opencl):
        x = np.arange(1000.0)
        x[777] = np.nan
        assert np.isnan(tl.tensor(x, device=opencl).max().item())
        assert tl.ones(300, 300, dtype=tl.int32, device=opencl).sum().item() == 90000

    @pytest.mark.parametrize("m, k, n", [(1, 1, 1), (50, 784, 100), (33, 17, 65), (128, 256, 64)])
    def test_matmul_sizes(self, opencl, m, k, n):
        rng = np.random.default_rng(1)
        a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
        expected, actual = _both(lambda x, y: x @ y, a, b, dtype=tl.float64)
        np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-10)

    def test_batched_broadcast_transposed_matmul(self, opencl):
        rng = np.random.default_rng(2)
        a, b = rng.standard_normal((2, 1, 5, 7)), rng.standard_normal((3, 9, 7))
        expected, actual = _both(lambda x, y: x @ y.transpose(-1, -2), a, b, dtype=tl.float64)
        np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-10)

    def test_conv_and_pool_on_an_image_batch(self, opencl):
        rng = np.random.default_rng(3)
        x, w = rng.standard_normal((4, 3, 17, 15)), rng.standard_normal((5, 3, 3, 3))
        F = tl.nn.functional
        expected, actual = _both(lambda a, b: F.max_pool2d(F.conv2d(a, b, stride=2, padding=1), 2), x, w,
                                 dtype=tl.float64)
        np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-10)

    def test_argmax_cumsum_and_advanced_indexing(self, opencl):
        rng = np.random.default_rng(4)
        x = rng.standard_normal((300, 40))
        for fn in (lambda t: t.argmax(0), lambda t: t.argmin(1), lambda t: t.cumsum(0),
                   lambda t: t[tl.tensor([5, -1, 7], device=t.device), 3:9],
                   lambda t: t[:, tl.tensor([[0, 1], [2, 39]], device=t.device)]):
            expected, actual = _both(fn, x, dtype=tl.float64)
            np.testing.assert_allclose(actual, expected)

    def test_index_errors_name_the_index(self, opencl):
        x = tl.zeros(3, 4, device=opencl)
        # checked on the device: raised at the next sync (here an explicit one)
        with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 0 with size 3"):
            x[tl.tensor([0, 7], device=opencl)]
            tl.synchronize(opencl)
        with pytest.raises((IndexError, RuntimeError), match="out of bounds"):
            x.gather(1, tl.tensor([[9]], device=opencl))
            tl.synchronize(opencl)

    def test_scatter_add_accumulates_duplicates(self, opencl):
        index = tl.tensor([[0, 0, 1, 0]], device=opencl)
        out = tl.zeros(1, 2, device=opencl).scatter_add(1, index, tl.ones(1, 4, device=opencl))
        assert out.tolist() == [[3.0, 1.0]]
        x = tl.zeros(3, device=opencl)
        x.index_put_((tl.tensor([0, 0, 2], device=opencl),), tl.tensor([1.0, 2.0, 5.0], device=opencl),
                     accumulate=True)
        assert x.tolist() == [3.0, 0.0, 5.0]


_ODD = st.integers(1, 19)  # sides off every panel width (12 rows, 8 or 4 columns)


class TestMatmulVectorWidth:
    """gemm's vector width per dtype: an 8-wide double vector (512 bits) crashed PoCL 3.0 on AMD
    EPYC, so 8-byte types use 4 and every matmul path packs with the width gemm reads."""

    def test_vectors_stay_within_256_bits_and_float_keeps_8(self):
        from tensorlite.backends.opencl.backend import gemm_width
        from tensorlite.backends.opencl.dispatch import CL_TYPES
        for dtype in CL_TYPES:
            assert gemm_width(dtype) * dtype.itemsize * 8 <= 256, dtype
        assert gemm_width(np.float32) == 8 and gemm_width(np.float64) == gemm_width(np.int64) == 4

    @pytest.mark.parametrize("dtype", [tl.float64, tl.int64, tl.float32, tl.int32])
    @given(batch=st.integers(1, 3), m=_ODD, k=_ODD, n=_ODD)
    def test_matmul_bmm_linear_einsum_equal_numpy(self, opencl, dtype, batch, m, k, n):
        # small integers: every product and sum is exact, so any summation order gives NumPy's value
        rng = np.random.default_rng([batch, m, k, n])
        a, b = rng.integers(-9, 10, (batch, m, k)), rng.integers(-9, 10, (batch, k, n))
        bias = rng.integers(-9, 10, n)
        ta, tb, tbias = (tl.tensor(v, dtype=dtype, device=opencl) for v in (a, b, bias))
        F = tl.nn.functional
        np.testing.assert_array_equal(ta[0].matmul(tb[0]).cpu().numpy(), a[0] @ b[0])
        np.testing.assert_array_equal(tl.bmm(ta, tb).cpu().numpy(), a @ b)
        np.testing.assert_array_equal((ta @ tb[0]).cpu().numpy(), a @ b[0])  # broadcast batch
        np.testing.assert_array_equal(tl.einsum("bmk,bkn->bmn", ta, tb).cpu().numpy(), a @ b)
        if dtype.is_floating_point:
            np.testing.assert_array_equal(F.linear(ta, tb[0].t(), tbias).cpu().numpy(), a @ b[0] + bias)

    @pytest.mark.parametrize("vector_bits", [256, 512])
    @pytest.mark.parametrize("dtype", [tl.float64, tl.int64, tl.float32, tl.int32])
    @given(m=_ODD, k=st.integers(1, 40), n=st.integers(1, 40), pad=st.tuples(*[st.integers(0, 9)] * 4))
    def test_operands_read_in_place_equal_numpy(self, opencl, vector_bits, dtype, m, k, n, pad):
        """The matmul paths that read an operand in place (gemm_nt: x @ W^T with both rows
        contiguous along K; gemm reading a 2-D row-major B unpacked) on views with
        offsets and row strides wider than the row: every edge of the blocks and of K % width,
        with the vectors of AVX2 and of AVX-512 CPUs (backend.vector_bits) on any device."""
        saved, opencl.backend.vector_bits = opencl.backend.vector_bits, vector_bits
        try:
            rng = np.random.default_rng([m, k, n, *pad])
            x = rng.integers(-9, 10, (m + pad[0], k + pad[1]))
            w = rng.integers(-9, 10, (n + pad[2], k + pad[3]))
            rows = rng.integers(-9, 10, (k + pad[0], n + pad[2]))
            tx, tw, trows = (tl.tensor(v, dtype=dtype, device=opencl) for v in (x, w, rows))
            x_view, w_view = tx[pad[0]:, pad[1]:], tw[pad[2]:, pad[3]:]
            x_np, b_np = x[pad[0]:, pad[1]:], rows[pad[0]:, pad[2]:]
            np.testing.assert_array_equal((x_view @ w_view.t()).cpu().numpy(), x_np @ w[pad[2]:, pad[3]:].T)
            b_view = trows[pad[0]:, pad[2]:]
            np.testing.assert_array_equal((x_view @ b_view).cpu().numpy(), x_np @ b_np)
            wide = rng.integers(-9, 10, (k, 16 * n + 16))  # offset and row stride of whole vectors
            wide_view = tl.tensor(wide, dtype=dtype, device=opencl)[:, 16:]
            np.testing.assert_array_equal((x_view @ wide_view).cpu().numpy(), x_np @ wide[:, 16:])
            batched = rng.integers(-9, 10, (2, m, k))  # the packed path: both operands in panels of the width
            np.testing.assert_array_equal((tl.tensor(batched, dtype=dtype, device=opencl) @ b_view).cpu().numpy(),
                                          batched @ b_np)
        finally:
            opencl.backend.vector_bits = saved

    @given(channels=st.integers(1, 5), out_channels=st.integers(1, 5), side=st.integers(3, 9),
           kernel=st.integers(1, 3))
    def test_float64_convolutions_equal_numpy(self, opencl, channels, out_channels, side, kernel):
        rng = np.random.default_rng([channels, out_channels, side, kernel])
        x = rng.integers(-5, 6, (2, channels, side, side + 2)).astype(np.float64)
        w = rng.integers(-5, 6, (out_channels, channels, kernel, kernel)).astype(np.float64)
        F = tl.nn.functional
        for fn, args in ((F.conv1d, (x[:, :, 0], w[:, :, 0])), (F.conv2d, (x, w)),
                         (F.conv_transpose2d, (x, w.transpose(1, 0, 2, 3)))):
            expected, actual = _both(lambda a, b: fn(a, b, padding=1), *args, dtype=tl.float64)
            np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64, tl.int64, tl.int32, tl.int16, tl.int8, tl.uint8])
@given(start=st.integers(-3, 3), index=st.lists(st.integers(0, 4), min_size=1, max_size=40))
def test_accumulating_puts_with_duplicates_match_numpy(opencl, dtype, start, index):
    """index_put_/scatter_add_ accumulate through a compare-and-swap loop (float, 8/16-bit
    types) whose current value comes only from the CAS: any start value, many duplicates."""
    if dtype is tl.uint8:
        start = abs(start)
    values = np.arange(1, len(index) + 1) % 5
    expected = np.full(5, start, dtype.numpy)
    np.add.at(expected, index, values.astype(dtype.numpy))
    x = tl.full((5,), start, dtype=dtype, device=opencl)
    x.index_put_((tl.tensor(index, device=opencl),), tl.tensor(values, dtype=dtype, device=opencl), accumulate=True)
    np.testing.assert_array_equal(x.cpu().numpy(), expected)
    y = tl.full((1, 5), start, dtype=dtype, device=opencl).scatter_add(
        1, tl.tensor([index], device=opencl), tl.tensor([values], dtype=dtype, device=opencl))
    np.testing.assert_array_equal(y.cpu().numpy()[0], expected)


@pytest.mark.parametrize("dtype", [tl.int8, tl.int16, tl.int32, tl.int64, tl.uint8])
def test_integer_abs_at_the_extremes_wraps_as_numpy(opencl, dtype):
    """Integer abs goes through OpenCL's abs() (unsigned result, cast back: the minimum stays
    negative, as in NumPy and PyTorch)."""
    info = np.iinfo(dtype.numpy)
    values = np.array([info.min, info.min + 1, 0, 1, info.max], dtype.numpy)
    np.testing.assert_array_equal(tl.tensor(values, device=opencl).abs().cpu().numpy(), np.abs(values))


class TestRandom:
    def test_generated_on_device_reproducible_and_distributed(self, opencl):
        tl.manual_seed(5)
        u = tl.rand(100000, device=opencl)
        tl.manual_seed(5)
        assert tl.rand(100000, device=opencl).tolist() == u.tolist()
        values = u.cpu().numpy()
        assert values.min() >= 0 and values.max() < 1 and abs(values.mean() - 0.5) < 0.01
        n = tl.randn(100000, dtype=tl.float64, device=opencl).cpu().numpy()
        assert abs(n.mean()) < 0.02 and abs(n.std() - 1) < 0.02
        k = tl.randint(3, 7, (10000,), device=opencl).cpu().numpy()
        assert set(np.unique(k)) == {3, 4, 5, 6}

    def test_dropout_mask_is_made_on_the_device(self, opencl):
        x = tl.ones(10000, device=opencl)
        y = tl.nn.functional.dropout(x, 0.25, training=True)
        kept = (y != 0).float().mean().item()
        assert y.device == opencl and abs(kept - 0.75) < 0.02
        np.testing.assert_allclose(np.unique(y.cpu().numpy()), [0.0, 1 / 0.75], rtol=1e-6)


class TestUserKernels:
    def test_custom_kernel_function_passes_gradcheck(self, opencl):
        import importlib.util
        import pathlib
        path = pathlib.Path(__file__).parents[1] / "examples" / "custom_opencl_kernel.py"
        spec = importlib.util.spec_from_file_location("custom_opencl_kernel", path)
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)
        x = tl.randn(3, 7, dtype=tl.float64, device=opencl, requires_grad=True)
        assert gradcheck(example.SiLU.apply, (x,))
        y = example.SiLU.apply(x.float().detach())
        assert y.dtype is tl.float32 and np.allclose(y.cpu().numpy(), tl.nn.functional.silu(x.float()).detach().cpu().numpy(),
                                                     atol=1e-6)
        assert example.main() < 1e-12

    def test_user_kernel_errors(self, opencl):
        k = tl.opencl.Kernel("__kernel void f(__global T* x) { x[get_global_id(0)] = 1; }", "f")
        with pytest.raises(RuntimeError, match="need tensors on an OpenCL device"):
            k(3, tl.zeros(3, device="cpu"))
        with pytest.raises(ValueError, match="not contiguous"):
            k(3, tl.zeros(3, 3, device=opencl).t())
        with pytest.raises(ValueError, match="no kernel named 'g'"):
            tl.opencl.Kernel("__kernel void f(__global T* x) { }", "g")(1, tl.zeros(1, device=opencl))
        with pytest.raises(RuntimeError, match="building the user kernel failed"):
            tl.opencl.Kernel("__kernel void f(__global T* x) { syntax error }", "f")(1, tl.zeros(1, device=opencl))
        x = tl.zeros(3, device=opencl)
        k(3, x)
        assert x.tolist() == [1.0, 1.0, 1.0]


def test_no_platform_says_how_to_install(monkeypatch):
    pytest.importorskip("pyopencl")
    from tensorlite.backends.opencl import runtime

    def no_platforms():
        raise runtime.cl.LogicError("clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR")
    monkeypatch.setattr(runtime.cl, "get_platforms", no_platforms)
    monkeypatch.setattr(runtime, "_device_list", None)
    with pytest.raises(runtime.NoDeviceError, match="no OpenCL device found: install PoCL"):
        runtime.devices()


class TestDefaultsAndHelpers:
    def test_set_default_device_moves_factories_and_none_restores(self, opencl):
        previous = tl.get_default_device()
        try:
            tl.set_default_device(opencl)
            assert tl.zeros(2).device == opencl and tl.get_default_device() == opencl
            tl.set_default_device(None)
            assert tl.get_default_device() == tl.device(os.environ.get("TENSORLITE_DEVICE", "cpu"))
        finally:
            tl.set_default_device(previous)

    def test_auto_environment_takes_a_gpu_only(self, opencl, monkeypatch):
        from tensorlite.device import gpu_device
        from tensorlite.training import TrainingOptions
        from tensorlite.training.fit import execution_device
        auto = TrainingOptions(execution_environment="auto")
        monkeypatch.setattr(opencl.backend, "is_gpu", False)
        assert gpu_device() is None and execution_device(auto) == tl.device("cpu")
        monkeypatch.setattr(opencl.backend, "is_gpu", True)
        assert gpu_device() == opencl and execution_device(auto) == opencl

    def test_as_non_contiguous_keeps_values_in_another_layout(self, opencl):
        from tensorlite.testing import as_non_contiguous
        x = tl.arange(6.0, device=opencl).reshape(2, 3)
        y = as_non_contiguous(x)
        assert not y.is_contiguous() and y.tolist() == x.tolist()

    def test_empty_cache_gives_pooled_buffers_back(self, opencl):
        from tensorlite.backends.opencl import empty_cache
        x = tl.empty(5000, device=opencl)
        del x
        assert opencl.backend.runtime.pooled_bytes > 0
        empty_cache()
        assert opencl.backend.runtime.pooled_bytes == 0
