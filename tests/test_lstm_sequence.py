"""The fused LSTM layer op (ops/recurrent.py) that nn.LSTM runs: values and gradients equal to
the step-by-step composition, exact double backward, both directions, both backends."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite import nn
from tensorlite.ops.recurrent import lstm_activations, lstm_sequence
from tensorlite.testing import check_backends_agree


def _inputs(length, batch, hidden, dtype=tl.float64, seed=0):
    tl.manual_seed(seed)
    return (tl.randn(length, batch, 4 * hidden, dtype=dtype, requires_grad=True),
            tl.randn(batch, hidden, dtype=dtype, requires_grad=True),
            tl.randn(batch, hidden, dtype=dtype, requires_grad=True),
            (tl.randn(4 * hidden, hidden, dtype=dtype) * 0.5).requires_grad_())


@pytest.mark.parametrize("reverse", [False, True])
def test_gradients_and_double_backward(reverse):
    inputs = _inputs(3, 2, 2)
    fn = lambda *a: lstm_sequence(*a, reverse=reverse)  # noqa: E731
    assert tl.autograd.gradcheck(fn, inputs)
    assert tl.autograd.gradgradcheck(fn, inputs)


@given(length=st.integers(1, 5), batch=st.integers(1, 3), hidden=st.integers(1, 4),
       reverse=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_equals_the_composed_recurrence(length, batch, hidden, reverse, seed):
    """Property: outputs, final states and every input gradient (under a random upstream
    gradient on all three outputs) equal those of the same recurrence composed from Tensor ops."""
    inputs = _inputs(length, batch, hidden, seed=seed)
    out, h, c = lstm_sequence(*inputs, reverse=reverse)
    acts = lstm_activations(*inputs, reverse=reverse)
    last = 0 if reverse else length - 1
    ref_out, ref_h = acts[7], acts[7][last]
    ref_c = acts[1][last] * acts[4][last] + acts[0][last] * acts[2][last]
    for got, want in ((out, ref_out), (h, ref_h), (c, ref_c)):
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)
    ups = [tl.randn(t.shape, dtype=tl.float64) for t in (out, h, c)]
    fused = tl.autograd.grad([(o * u).sum() for o, u in zip((out, h, c), ups)], inputs)
    composed = tl.autograd.grad([(o * u).sum() for o, u in zip((ref_out, ref_h, ref_c), ups)], inputs)
    for a, b in zip(fused, composed):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.backend_pair
@pytest.mark.parametrize("reverse", [False, True])
def test_backends_agree(opencl, reverse):
    x, h0, c0, w = _inputs(4, 3, 5, dtype=tl.float32)
    check_backends_agree(lambda *a: lstm_sequence(*a, reverse=reverse), x, h0, c0, w,
                         device=opencl, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("layers,bidirectional,batch_first", [(1, False, False), (2, True, False),
                                                              (2, False, True)])
def test_lstm_layer_equals_its_cells(layers, bidirectional, batch_first):
    """nn.LSTM (the fused path) against LSTMCell steps with the same weights."""
    tl.manual_seed(1)
    lstm = nn.LSTM(3, 4, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first).double()
    x = tl.randn(5, 2, 3, dtype=tl.float64)
    out, (h_n, c_n) = lstm(x.transpose(0, 1) if batch_first else x)
    if batch_first:
        out = out.transpose(0, 1)
    directions = 2 if bidirectional else 1
    layer_input, finals = x, []
    for layer in range(layers):
        outs = []
        for d in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if d else "")
            cell = nn.LSTMCell(layer_input.shape[-1], 4).double()
            with tl.no_grad():
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(cell, name).copy_(getattr(lstm, name + suffix))
            state, seq = None, [None] * 5
            for t in (range(4, -1, -1) if d else range(5)):
                state = cell(layer_input[t], state)
                seq[t] = state[0]
            outs.append(tl.stack(seq))
            finals.append(state)
        layer_input = tl.cat(outs, -1)
    np.testing.assert_allclose(out.detach().numpy(), layer_input.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), tl.stack([s[0] for s in finals]).detach().numpy(),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c_n.detach().numpy(), tl.stack([s[1] for s in finals]).detach().numpy(),
                               rtol=1e-12, atol=1e-12)


def test_bad_shapes_and_dtypes_are_refused():
    x, h0, c0, w = _inputs(2, 2, 3)
    with pytest.raises(RuntimeError, match=r"lstm_sequence\(\): expected x_gates"):
        lstm_sequence(x[:, :, :-1], h0, c0, w)
    with pytest.raises(RuntimeError, match=r"L >= 1"):
        lstm_sequence(x[:0], h0, c0, w)
    with pytest.raises(RuntimeError, match="expected one dtype"):
        lstm_sequence(x.detach().float(), h0, c0, w)
