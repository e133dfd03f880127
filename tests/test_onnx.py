"""tl.onnx.export: every covered layer kind and some composed models are exported, checked with
onnx.checker (full check: shape inference included) and run with onnxruntime, whose outputs must
equal tensorlite's within 1e-5 (float32); dynamic axes, initializer names, training modes, the
errors (unsupported op, input-dependent constant) and an OpenCL model's export.

Run once (CPU pass): exporting is host work; the OpenCL model has its own test."""
import io
import os

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.nn as nn
import tensorlite.nn.functional as F

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

pytestmark = pytest.mark.backend_pair


def _export(model, inputs, tmp_path, **kwargs):
    path = tmp_path / "model.onnx"
    tl.onnx.export(model, inputs, path, **kwargs)
    onnx.checker.check_model(str(path), full_check=True)
    return path


def _run(path, inputs):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {i.name: t.numpy() for i, t in zip(session.get_inputs(), inputs)}
    return session.run(None, feeds)


def _expected(model, inputs):
    model.eval()
    with tl.no_grad():
        out = model(*inputs)
    return [t.numpy() for t in (out if isinstance(out, tuple) else (out,)) if t is not None]


def _check(model, inputs, tmp_path, **kwargs):
    """Export, check, run: onnxruntime's outputs equal tensorlite's (float32, within 1e-5)."""
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    path = _export(model, inputs, tmp_path, **kwargs)
    got, want = _run(path, inputs), _expected(model, inputs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    return path


def _with_running_stats(bn):
    """A BatchNorm whose running statistics and affine parameters are not the defaults."""
    with tl.no_grad():
        bn.running_mean.copy_(tl.randn(bn.num_features) * 0.5)
        bn.running_var.copy_(tl.rand(bn.num_features) + 0.5)
        bn.weight.copy_(tl.randn(bn.num_features))
        bn.bias.copy_(tl.randn(bn.num_features))
    return bn


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x):
        out, weights = self.attn(x, x, x)
        return out, weights


class _CausalAttention(nn.Module):
    """scaled_dot_product_attention with is_causal: the fused masked softmax (ops MaskedSoftmax)."""

    def forward(self, x):
        q, k, v = x.chunk(3, dim=-1)
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


LAYERS = {
    "linear": (lambda: nn.Linear(5, 3), (4, 5)),
    "linear_3d_no_bias": (lambda: nn.Linear(5, 3, bias=False), (2, 4, 5)),
    "conv1d": (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), (2, 4, 11)),
    "conv2d": (lambda: nn.Conv2d(4, 6, 3, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2), (2, 4, 9, 8)),
    "conv2d_same": (lambda: nn.Conv2d(3, 4, (4, 3), padding="same", bias=False), (1, 3, 7, 6)),
    "conv3d": (lambda: nn.Conv3d(2, 3, (2, 3, 2), stride=(1, 2, 1), padding=1), (1, 2, 4, 5, 4)),
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(4, 4, 3, stride=3, groups=2, dilation=2), (2, 4, 5)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), (2, 4, 5, 5)),
    "max_pool2d": (lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 8, 8)),
    "max_pool2d_ceil_dilation": (lambda: nn.MaxPool2d(2, stride=2, dilation=2, ceil_mode=True), (1, 2, 9, 9)),
    "max_pool1d": (lambda: nn.MaxPool1d(2), (2, 3, 9)),
    "avg_pool2d": (lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 8, 8)),
    "avg_pool2d_no_pad_count": (lambda: nn.AvgPool2d(2, padding=1, count_include_pad=False), (1, 2, 5, 5)),
    "avg_pool1d": (lambda: nn.AvgPool1d(3, stride=2), (2, 3, 9)),
    "adaptive_avg_pool2d_global": (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 5, 7)),
    "adaptive_avg_pool2d_windows": (lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 4, 6)),
    "batch_norm1d": (lambda: _with_running_stats(nn.BatchNorm1d(5)), (4, 5)),
    "batch_norm2d": (lambda: _with_running_stats(nn.BatchNorm2d(3)), (2, 3, 4, 4)),
    "layer_norm": (lambda: nn.LayerNorm((4, 6)), (2, 3, 4, 6)),
    "layer_norm_no_affine": (lambda: nn.LayerNorm(6, elementwise_affine=False), (2, 6)),
    "group_norm": (lambda: nn.GroupNorm(2, 4), (2, 4, 3, 3)),
    "relu": (nn.ReLU, (3, 7)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.2), (3, 7)),
    "prelu": (lambda: nn.PReLU(3), (2, 3, 4)),
    "sigmoid": (nn.Sigmoid, (3, 7)),
    "tanh": (nn.Tanh, (3, 7)),
    "gelu": (nn.GELU, (3, 7)),
    "gelu_tanh": (lambda: nn.GELU(approximate="tanh"), (3, 7)),
    "silu": (nn.SiLU, (3, 7)),
    "softmax": (lambda: nn.Softmax(dim=1), (2, 5, 3)),
    "log_softmax": (lambda: nn.LogSoftmax(dim=-1), (2, 5, 3)),
    "elu": (lambda: nn.ELU(0.7), (3, 7)),
    "selu": (nn.SELU, (3, 7)),
    "celu": (lambda: nn.CELU(1.5), (3, 7)),
    "softplus": (lambda: nn.Softplus(beta=2.0, threshold=3.0), (3, 7)),
    "log_sigmoid": (nn.LogSigmoid, (3, 7)),
    "hardswish": (nn.Hardswish, (3, 7)),
    "hardsigmoid": (nn.Hardsigmoid, (3, 7)),
    "hardtanh": (lambda: nn.Hardtanh(-0.5, 0.5), (3, 7)),
    "relu6": (nn.ReLU6, (3, 7)),
    "mish": (nn.Mish, (3, 7)),
    "dropout": (lambda: nn.Dropout(0.5), (3, 7)),
    "flatten": (nn.Flatten, (2, 3, 2, 2)),
    "identity": (nn.Identity, (2, 3)),
    "multihead_attention": (_Attention, (2, 5, 8)),
    "causal_attention": (_CausalAttention, (2, 5, 12)),
    "transformer_encoder_layer": (lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True),
                                  (2, 5, 8)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_onnxruntime(name, tmp_path):
    tl.manual_seed(0)
    factory, shape = LAYERS[name]
    _check(factory(), tl.randn(*shape) * 2, tmp_path)


def test_embedding_gathers_rows(tmp_path):
    tl.manual_seed(0)
    model = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.Flatten())
    path = _check(model, tl.tensor([[1, 0, 9], [3, 3, 2]]), tmp_path)
    assert "Gather" in [n.op_type for n in onnx.load(str(path)).graph.node]


class _TensorOps(nn.Module):
    """Movement, indexing, broadcasting arithmetic with Python numbers, matmul, reductions."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(tl.randn(4))

    def forward(self, x, y):
        a = (2 - x) * self.scale / 3 + 1.5 ** 2 - x ** 2 + 1 / (x.abs() + 1)
        b = a.reshape(3, 2, 2).permute(1, 0, 2).transpose(-1, -2).flatten(1)
        c = tl.cat([b, b * 0.5], dim=1).unsqueeze(1).squeeze(1)
        d = tl.stack([x[:, 1:3], x[:, ::2], x[..., None, -2:].squeeze(-2)], dim=0)
        e = x[0] + x[:, 2:3] + x[1, None] + x[tl.tensor([2, 0])].sum(0) + tl.cat(x.chunk(2, dim=1)[::-1], 1)
        m = tl.matmul(x.view(3, 4), y) @ y.t() + x[:, None, :].expand(3, 2, 4).sum(1) + x.flip(0, 1)
        m = m + F.pad(x, (1, 2), value=0.5)[:, 2:-1] + F.pad(x, (0, 0, 1, -1))
        r = (x.sum(dim=1, keepdim=True) + x.mean(dim=0) + x.max(dim=1).values.unsqueeze(1)
             + x.amin(dim=(0, 1)) + x.var(dim=1, keepdim=True) + x.std())
        cond = tl.where(x > 0, x, x.exp() - 1) + (x <= 0.5).float() + x.clamp(min=-0.3, max=0.4)
        return c, d, e, m, r, cond, (x * x + 1).sqrt().log()


def test_tensor_ops_match_onnxruntime(tmp_path):
    tl.manual_seed(0)
    _check(_TensorOps(), (tl.randn(3, 4), tl.randn(4, 4)), tmp_path)


def test_max_with_dim_exports_values_and_indices(tmp_path):
    class MaxDim(nn.Module):
        def forward(self, x):
            values, indices = x.max(dim=-1, keepdim=True)
            return values, indices

    tl.manual_seed(0)
    _check(MaxDim(), tl.randn(3, 5), tmp_path)


class _Recurrent(nn.Module):
    """A recurrent layer's output and final state(s) as a flat tuple."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, *state):
        out, h = self.rnn(x, *state)
        return (out,) + (h if isinstance(h, tuple) else (h,))


RECURRENT = {
    "lstm_bidirectional_2_layers": (lambda: nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True),
                                    (2, 4, 3)),
    "lstm_no_bias": (lambda: nn.LSTM(3, 4, bias=False), (4, 2, 3)),
    "gru_2_layers": (lambda: nn.GRU(3, 5, num_layers=2), (4, 2, 3)),
    "rnn_relu_bidirectional": (lambda: nn.RNN(3, 5, nonlinearity="relu", bidirectional=True), (4, 2, 3)),
}


@pytest.mark.parametrize("name", sorted(RECURRENT))
def test_recurrent_layer_matches_onnxruntime(name, tmp_path):
    """LSTM becomes ONNX LSTM ops; GRU and RNN are unrolled into their step's ops."""
    tl.manual_seed(0)
    factory, shape = RECURRENT[name]
    path = _check(_Recurrent(factory()), tl.randn(*shape), tmp_path)
    assert ("LSTM" in {n.op_type for n in onnx.load(str(path)).graph.node}) == name.startswith("lstm")


def test_lstm_with_state_inputs_and_dynamic_batch_and_length(tmp_path):
    tl.manual_seed(0)
    model = _Recurrent(nn.LSTM(3, 5, num_layers=2, batch_first=True))
    inputs = (tl.randn(2, 4, 3), (tl.randn(2, 2, 5), tl.randn(2, 2, 5)))
    flat = (inputs[0],) + inputs[1]

    class Flat(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = model

        def forward(self, x, h, c):
            return self.inner(x, (h, c))

    path = _check(Flat(), flat, tmp_path, input_names=["x", "h", "c"],
                  dynamic_axes={"x": {0: "batch", 1: "time"}, "h": {1: "batch"}, "c": {1: "batch"}})
    other = (tl.randn(3, 6, 3), tl.randn(2, 3, 5), tl.randn(2, 3, 5))
    for got, want in zip(_run(path, other), _expected(Flat(), other)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    with pytest.raises(tl.onnx.ExportError, match="pass it as an input"):  # zero state sized from the batch
        tl.onnx.export(model, tl.randn(2, 4, 3), tmp_path / "z.onnx", dynamic_axes={"input": [0]})


def _mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Dropout(0.2), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3), nn.Softmax(dim=-1))


def _cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), _with_running_stats(nn.BatchNorm2d(8)), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.3), nn.Conv2d(8, 8, 3, padding=1, groups=2), nn.BatchNorm2d(8), nn.SiLU(),
        nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4), nn.LogSoftmax(dim=1))


def _transformer():
    return nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 32, activation="gelu", batch_first=True,
                                                            norm_first=True), num_layers=2)


COMPOSED = {"mlp": (_mlp, (5, 6)), "cnn": (_cnn, (2, 3, 8, 8)), "transformer": (_transformer, (3, 6, 8))}


@pytest.mark.parametrize("name", sorted(COMPOSED))
def test_composed_model_with_a_dynamic_batch(name, tmp_path):
    """Exported with a dynamic batch axis, the graph runs on another batch size."""
    tl.manual_seed(0)
    factory, shape = COMPOSED[name]
    model = factory()
    path = _check(model, tl.randn(*shape), tmp_path, input_names=["x"], output_names=["y"],
                  dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    graph = onnx.load(str(path)).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    other = tl.randn(shape[0] + 3, *shape[1:])
    np.testing.assert_allclose(_run(path, (other,))[0], _expected(model, (other,))[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [18, 20])
def test_later_opsets(opset, tmp_path):
    """Opset 18 takes reduction axes as inputs; opset 20 has a Gelu op."""
    tl.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.GELU(), nn.LayerNorm(6), nn.GroupNorm(2, 6))
    path = _check(model, tl.randn(3, 4), tmp_path, opset_version=opset)
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert ("Gelu" in ops) == (opset >= 20)


def test_parameters_are_initializers_named_as_in_named_parameters(tmp_path):
    model = _cnn()
    path = _export(model, tl.randn(1, 3, 8, 8), tmp_path)
    initializers = {i.name: i for i in onnx.load(str(path)).graph.initializer}
    for name, value in list(model.named_parameters()) + list(model.named_buffers()):
        if "num_batches_tracked" in name:
            continue
        assert name in initializers, name
        np.testing.assert_array_equal(onnx.numpy_helper.to_array(initializers[name]), value.detach().numpy())


def test_export_into_a_file_object(tmp_path):
    model = nn.Linear(3, 2)
    buffer = io.BytesIO()
    tl.onnx.export(model, tl.randn(4, 3), buffer)
    path = tmp_path / "m.onnx"
    tl.onnx.export(model, tl.randn(4, 3), path)
    assert buffer.getvalue() == path.read_bytes()


def test_exports_in_eval_mode_and_restores_the_modes(tmp_path):
    tl.manual_seed(0)
    model = _cnn()
    model.train()
    model[1].eval()
    x = tl.randn(2, 3, 8, 8)
    path = _export(model, x, tmp_path)
    assert model.training and model[4].training and not model[1].training
    np.testing.assert_allclose(_run(path, (x,))[0], _expected(model, (x,))[0], rtol=1e-5, atol=1e-5)


class _Cumulative(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(3, 3), _CumsumLayer())

    def forward(self, x):
        return self.inner(x)


class _CumsumLayer(nn.Module):
    def forward(self, x):
        return x.cumsum(dim=1)


def test_unsupported_op_names_op_and_module_and_writes_nothing(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"previous")
    with pytest.raises(tl.onnx.ExportError, match=r"'Cumsum' in module 'inner\.1' \(_CumsumLayer\)"):
        tl.onnx.export(_Cumulative(), tl.randn(2, 3), path)
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["model.onnx"]


def test_unsupported_layer_configuration_names_the_module(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.Unflatten(1, (1, 2, 2)), nn.Conv2d(1, 2, 2, padding_mode="circular",
                                                                                 padding=1))
    with pytest.raises(tl.onnx.ExportError, match=r"in module '2' \(Conv2d\)"):
        tl.onnx.export(model, tl.randn(2, 4), tmp_path / "m.onnx")
    assert not os.listdir(tmp_path)


class _InPlace(nn.Module):
    def __init__(self, write):
        super().__init__()
        self.write = write

    def forward(self, x):
        y = x * 2
        self.write(y)
        return y + 1


@pytest.mark.parametrize("write", [lambda y: y.add_(1), lambda y: y.__setitem__(0, 5.0),
                                   lambda y: y[:, 1].mul_(2), lambda y: y.clamp_(0, 1)],
                         ids=["add_", "setitem", "view_mul_", "clamp_"])
def test_in_place_writes_are_an_error(write, tmp_path):
    with pytest.raises(tl.onnx.ExportError, match=r"output of op 'mul' in module '<model>' \(_InPlace\) was modified "
                                                  r"in place"):
        tl.onnx.export(_InPlace(write), tl.randn(2, 3), tmp_path / "i.onnx")
    with pytest.raises(tl.onnx.ExportError, match="modified its input 0 in place"):
        tl.onnx.export(_Writes(), tl.randn(2, 3), tmp_path / "j.onnx")
    assert not os.listdir(tmp_path)


class _Writes(nn.Module):
    def forward(self, x):
        x.sub_(1)
        return x * 2


class _ShapeConstant(nn.Module):
    def forward(self, x):
        return x + tl.ones(x.shape[0], 1)


def test_constant_depending_on_a_dynamic_axis_is_an_error(tmp_path):
    _check(_ShapeConstant(), tl.randn(3, 2), tmp_path)  # a fixed batch: a fine constant
    with pytest.raises(tl.onnx.ExportError, match="changes with the input"):
        tl.onnx.export(_ShapeConstant(), tl.randn(3, 2), tmp_path / "d.onnx", dynamic_axes={"input": [0]})


class _MixingReshape(nn.Module):
    def forward(self, x):
        batch, time, _ = x.shape
        return x.reshape(time, batch * 4) * 2


def test_reshape_mixing_two_dynamic_axes_is_an_error(tmp_path):
    _check(_MixingReshape(), tl.randn(2, 3, 4), tmp_path, dynamic_axes={"input": {0: "batch"}})
    with pytest.raises(tl.onnx.ExportError, match=r"op 'Reshape' in module '<model>' \(_MixingReshape\): "
                                                  r"reshape to \[3, 8\] has several sizes"):
        tl.onnx.export(_MixingReshape(), tl.randn(2, 3, 4), tmp_path / "r.onnx", dynamic_axes={"input": [0, 1]})


class _HostRead(nn.Module):
    def forward(self, x):
        return x * tl.tensor(float(x.max()))


def test_constant_made_from_the_input_values_is_an_error(tmp_path):
    with pytest.raises(tl.onnx.ExportError, match=r"used by op 'mul' in module '<model>' \(_HostRead\)"):
        tl.onnx.export(_HostRead(), tl.randn(3, 2), tmp_path / "h.onnx")


class _Cube(tl.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        raise AssertionError("not called")


class _Same(tl.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad


class _UserFunctions(nn.Module):
    def forward(self, x):
        return _Same.apply(_Cube.apply(x) + 1), _Same.apply(x)


def test_user_functions_export_through_their_forward_ops(tmp_path):
    _check(_UserFunctions(), tl.randn(2, 3), tmp_path)


class _IntegerInput(nn.Module):
    def forward(self, i):
        logical = tl.logical_xor(i, ~(i > 2)) | tl.logical_and(i, i < 4.5)
        return (i > 1.5) & (i != 3), logical, i * 2 + 1, i / 2, (i ^ 6) & ~i


def test_integer_input_against_python_floats_promotes_as_pytorch(tmp_path):
    _check(_IntegerInput(), tl.tensor([[0, 1, 2], [3, 4, 5]]), tmp_path, opset_version=18)
    with pytest.raises(tl.onnx.ExportError, match="opset_version=18"):
        tl.onnx.export(_IntegerInput(), tl.tensor([1]), tmp_path / "17.onnx")


class _FunctionalConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(tl.randn(2, 1, 2, 2))

    def forward(self, x):
        return F.conv2d(x, self.weight)


def test_functional_convolution_error_points_to_the_modules(tmp_path):
    with pytest.raises(tl.onnx.ExportError, match=r"'Unfold' in module '<model>'.*as the nn modules"):
        tl.onnx.export(_FunctionalConv(), tl.randn(1, 1, 3, 3), tmp_path / "c.onnx")


class _DictOutput(nn.Module):
    def forward(self, x):
        return {"y": x * 2}


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="must return a Tensor or a tuple of Tensors, got dict"):
        tl.onnx.export(_DictOutput(), tl.randn(1, 2), tmp_path / "a.onnx")
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="example_input must be a Tensor"):
        tl.onnx.export(model, np.zeros((1, 2), np.float32), tmp_path / "a.onnx")
    with pytest.raises(ValueError, match=r"\['weight'\] clash"):
        tl.onnx.export(model, tl.randn(1, 2), tmp_path / "a.onnx", input_names=["weight"])
    with pytest.raises(ValueError, match="opset_version=13"):
        tl.onnx.export(model, tl.randn(1, 2), tmp_path / "a.onnx", opset_version=13)
    with pytest.raises(ValueError, match=r"dynamic_axes names \['x'\]"):
        tl.onnx.export(model, tl.randn(1, 2), tmp_path / "a.onnx", dynamic_axes={"x": [0]})
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("factory, shapes", [(_cnn, [(2, 3, 8, 8)]), (_TensorOps, [(3, 4), (4, 4)])])
def test_opencl_model_exports_its_parameters_from_the_device(factory, shapes, opencl, tmp_path):
    """Parameters and the index arrays of advanced indexing are read back from the device."""
    tl.manual_seed(0)
    model = factory()
    inputs = tuple(tl.randn(*s) for s in shapes)
    expected = _expected(model, inputs)
    model.to(opencl)
    path = _export(model, tuple(x.to(opencl) for x in inputs), tmp_path)
    for got, want in zip(_run(path, inputs), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
