"""Factories, dtypes and promotion, properties, conversions and repr (SEMANTICS.md 1a, 1h)."""
import numpy as np
import pytest

import tensorlite as tl


class TestFactories:
    def test_python_data_dtypes(self):
        assert tl.tensor([1.0, 2]).dtype is tl.float32
        assert tl.tensor([1, 2]).dtype is tl.int64
        assert tl.tensor([True, False]).dtype is tl.bool
        assert tl.tensor(3.5).shape == ()

    def test_numpy_input_keeps_dtype_and_copies(self):
        a = np.array([1.0, 2.0])
        t = tl.tensor(a)
        assert t.dtype is tl.float64
        a[0] = 9
        assert t[0].item() == 1.0

    def test_from_numpy_shares_memory(self):
        a = np.array([1.0, 2.0])
        t = tl.from_numpy(a)
        a[0] = 9
        assert t.dtype is tl.float64 and t[0].item() == 9

    def test_tensor_from_tensor_warns(self):
        with pytest.warns(UserWarning, match="detach\\(\\).clone\\(\\)"):
            tl.tensor(tl.ones(2))

    def test_full_infers_dtype_from_value(self):
        assert tl.full((2,), 7).dtype is tl.int64
        assert tl.full((2,), 7.0).dtype is tl.float32
        assert tl.full((2,), True).dtype is tl.bool

    def test_arange_dtype_and_exclusive_end(self):
        assert tl.arange(5).dtype is tl.int64 and tl.arange(5).tolist() == [0, 1, 2, 3, 4]
        assert tl.arange(0.0, 5).dtype is tl.float32
        assert tl.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]

    def test_linspace_eye_zeros_ones(self):
        assert tl.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
        assert tl.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
        assert tl.zeros(2, 3).shape == (2, 3) and tl.ones((2,)).tolist() == [1.0, 1.0]
        assert tl.empty(0, 3).shape == (0, 3)

    def test_like_factories_keep_dtype(self):
        x = tl.tensor([1, 2])
        assert tl.zeros_like(x).dtype is tl.int64
        assert tl.ones_like(x, dtype=tl.float64).dtype is tl.float64
        assert tl.full_like(x, 3).tolist() == [3, 3]
        assert tl.randn_like(tl.zeros(2, dtype=tl.float64)).dtype is tl.float64

    def test_random_is_reproducible_with_manual_seed(self):
        tl.manual_seed(7)
        a = (tl.rand(5), tl.randn(5), tl.randint(0, 10, (5,)))
        tl.manual_seed(7)
        b = (tl.rand(5), tl.randn(5), tl.randint(0, 10, (5,)))
        for x, y in zip(a, b):
            assert x.tolist() == y.tolist()
        assert 0 <= tl.rand(1000).min().item() and tl.rand(1000).max().item() < 1
        assert tl.randint(3, 5, (100,)).min().item() >= 3

    def test_generator_object_is_independent(self):
        g = tl.Generator().manual_seed(1)
        first = tl.rand(3, generator=g).tolist()
        tl.rand(3)
        assert tl.rand(3, generator=tl.Generator().manual_seed(1)).tolist() == first

    def test_randperm(self):
        tl.manual_seed(0)
        assert sorted(tl.randperm(10).tolist()) == list(range(10))

    def test_negative_dimension_is_an_error(self):
        with pytest.raises(RuntimeError, match="negative dimension"):
            tl.zeros(2, -1)

    def test_requires_grad_on_integer_factory(self):
        with pytest.raises(RuntimeError, match="floating point"):
            tl.tensor([1, 2], requires_grad=True)
        with pytest.raises(RuntimeError, match="floating point"):
            tl.tensor([1, 2]).requires_grad_()


class TestPromotion:
    @pytest.mark.parametrize("a, b, expected", [
        (tl.tensor([1, 2]), 1.5, tl.float32),
        (tl.tensor([1, 2]), 2, tl.int64),
        (tl.tensor([1.0], dtype=tl.float16, device="cpu"), 2.0, tl.float16),  # no fp16 on PoCL
        (tl.tensor([1.0]), tl.tensor(1.0, dtype=tl.float64), tl.float32),
        (tl.tensor([1.0]), tl.tensor([1.0], dtype=tl.float64), tl.float64),
        (tl.tensor([1], dtype=tl.int32), tl.tensor(1), tl.int32),
        (tl.tensor([True]), 5, tl.int64),
        (tl.tensor([True]), 1.5, tl.float32),
        (tl.tensor([1], dtype=tl.int32, device="cpu"), tl.tensor([1.0], dtype=tl.float16, device="cpu"), tl.float16),
    ])
    def test_result_dtype(self, a, b, expected):
        assert (a + b).dtype is expected
        assert (b + a).dtype is expected

    def test_int_division(self):
        assert (tl.tensor([1, 2]) / tl.tensor([2, 2])).dtype is tl.float32
        assert (tl.tensor([-7]) // 2).tolist() == [-4]
        assert (tl.tensor([-7]) % 2).tolist() == [1]
        assert (tl.tensor([7]) % -2).tolist() == [-1]
        assert tl.div(tl.tensor([-7.0]), 2, rounding_mode="trunc").tolist() == [-3.0]

    def test_inplace_cannot_upcast(self):
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
            tl.tensor([1, 2]).add_(1.5)

    def test_bool_subtraction_and_negative_int_power(self):
        with pytest.raises(RuntimeError, match="logical_xor"):
            tl.tensor([True]) - tl.tensor([False])
        with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
            tl.tensor([2]) ** -1

    def test_comparisons_return_bool_without_grad(self):
        x = tl.tensor([1.0, 2.0], requires_grad=True)
        out = x > 1
        assert out.dtype is tl.bool and not out.requires_grad
        assert (tl.tensor([1, 2]) == tl.tensor([1.0, 3.0])).tolist() == [True, False]


class TestConversion:
    def test_item_and_tolist(self):
        assert tl.tensor([[1, 2]]).tolist() == [[1, 2]]
        assert tl.tensor([2.5]).item() == 2.5
        with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
            tl.tensor([1, 2]).item()

    def test_numpy_refuses_requires_grad(self):
        x = tl.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
            x.numpy()
        assert x.detach().numpy().tolist() == [1.0, 1.0]
        assert np.asarray(tl.tensor([1, 2])).tolist() == [1, 2]

    def test_to_returns_self_when_nothing_changes(self):
        x = tl.ones(2)
        assert x.to(tl.float32) is x and x.to(x.device) is x
        assert x.to(tl.float64).dtype is tl.float64
        assert x.double().dtype is tl.float64 and x.long().dtype is tl.int64
        assert x.int().dtype is tl.int32 and x.bool().dtype is tl.bool and x.cpu().half().dtype is tl.float16

    def test_cast_gradient_comes_back_in_source_dtype(self):
        x = tl.ones(2, requires_grad=True)
        (x.double() * 3).sum().backward()
        assert x.grad.dtype is tl.float32 and x.grad.tolist() == [3.0, 3.0]

    def test_properties(self):
        x = tl.zeros(2, 3, 4)
        assert x.shape == (2, 3, 4) and x.size() == tl.Size([2, 3, 4]) and x.size(-1) == 4
        assert x.ndim == 3 and x.dim() == 3 and x.numel() == 24 and len(x) == 2
        assert repr(x.shape) == "tensorlite.Size([2, 3, 4])"
        assert x.device == tl.get_default_device() and str(x.device) == str(tl.get_default_device())

    @pytest.mark.parametrize("dim", [np.int64(1), np.int32(-2), tl.tensor(1), 1])
    def test_size_and_dim_args_take_any_integral(self, dim):
        """size(dim) and the ops' dim share one rule: anything with __index__, as PyTorch."""
        x = tl.zeros(2, 3)
        assert x.size(dim) == (2, 3)[int(dim)]
        if not isinstance(dim, tl.Tensor):
            assert x.sum(dim).shape == x.sum(int(dim)).shape
        assert x.unsqueeze(dim).ndim == 3 and x.softmax(dim).shape == (2, 3)

    @pytest.mark.parametrize("dim", [True, 1.0, "1", None])
    def test_size_refuses_bool_float_and_other_dims(self, dim):
        if dim is None:
            assert tl.zeros(2, 3).size(dim) == (2, 3)
            return
        with pytest.raises(TypeError, match="size"):
            tl.zeros(2, 3).size(dim)
        with pytest.raises(TypeError, match="dim must be an int"):
            tl.zeros(2, 3).unsqueeze(dim)

    def test_size_of_0dim_and_out_of_range(self):
        with pytest.raises(IndexError, match="no dimensions"):
            tl.tensor(1.0).size(0)
        with pytest.raises(IndexError, match=r"\[-2, 1\], but got 2"):
            tl.zeros(2, 3).size(2)

    def test_bool_of_multi_element_is_ambiguous(self):
        with pytest.raises(RuntimeError, match="ambiguous"):
            bool(tl.ones(2))


@pytest.mark.usefixtures("cpu_default_device")  # the format of CPU tensors; see test_opencl_repr
class TestRepr:
    @pytest.mark.parametrize("make, text", [
        (lambda: tl.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
        (lambda: tl.tensor([1.0, 2.0], requires_grad=True) * 2, "tensor([2., 4.], grad_fn=<MulBackward0>)"),
        (lambda: tl.tensor([1, 2]), "tensor([1, 2])"),
        (lambda: tl.tensor([1.0, 2.0], dtype=tl.float64), "tensor([1., 2.], dtype=tensorlite.float64)"),
        (lambda: tl.tensor(3.0), "tensor(3.)"),
        (lambda: tl.zeros(2, 0), "tensor([], size=(2, 0))"),
        (lambda: tl.tensor([1.5, 2.25]), "tensor([1.5000, 2.2500])"),
        (lambda: tl.tensor([1e-5, 1e5]), "tensor([1.0000e-05, 1.0000e+05])"),
        (lambda: tl.tensor([True, False]), "tensor([ True, False])"),
        (lambda: tl.tensor([[1.0, 2.0], [3.0, 4.0]]), "tensor([[1., 2.],\n        [3., 4.]])"),
        (lambda: tl.tensor([1, 2], dtype=tl.int32), "tensor([1, 2], dtype=tensorlite.int32)"),
    ])
    def test_pytorch_style(self, make, text):
        assert repr(make()) == text

    def test_summarised_beyond_threshold(self):
        text = repr(tl.arange(2000))
        assert "..." in text and text.startswith("tensor([   0,    1,    2,  ...")
