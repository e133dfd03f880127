"""nn.utils.rnn packed sequences (PackedSequence, pack_padded_sequence, pad_packed_sequence,
pack_sequence, unpack_sequence, unpad_sequence) and nn.RNN / nn.LSTM / nn.GRU on packed input:
a packed batch runs as if each sequence ran alone, in the caller's order, with gradients."""
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
from tensorlite import nn
from tensorlite.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence,
                                     pad_packed_sequence, pad_sequence, unpack_sequence,
                                     unpad_sequence)
from tensorlite.testing import check_backward, check_double_backward


def _padded(lengths, features=2, batch_first=False, seed=0):
    tl.manual_seed(seed)
    steps = max(lengths)
    shape = (len(lengths), steps, features) if batch_first else (steps, len(lengths), features)
    return tl.randn(*shape, dtype=tl.float64, requires_grad=True)


def test_pack_keeps_the_valid_steps_time_major_as_pytorch():
    x = tl.arange(12.).reshape(3, 4)
    packed = pack_padded_sequence(x, [3, 2, 2, 1])
    assert packed.data.tolist() == [0., 1., 2., 3., 4., 5., 6., 8.]
    assert packed.batch_sizes.tolist() == [4, 3, 1] and packed.batch_sizes.device.type == "cpu"
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    unsorted = pack_padded_sequence(x, tl.tensor([1, 3, 2, 2]), enforce_sorted=False)
    assert unsorted.data.tolist() == [1., 2., 3., 0., 5., 6., 7., 9.]
    assert unsorted.sorted_indices.tolist() == [1, 2, 3, 0]
    assert unsorted.unsorted_indices.tolist() == [3, 0, 1, 2]
    padded, lengths = pad_packed_sequence(unsorted, batch_first=True, padding_value=-1, total_length=5)
    assert lengths.tolist() == [1, 3, 2, 2]
    assert padded.tolist() == [[0., -1, -1, -1, -1], [1., 5, 9, -1, -1], [2., 6, -1, -1, -1],
                               [3., 7, -1, -1, -1]]


@settings(max_examples=25, deadline=None)
@given(lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4), batch_first=st.booleans(),
       as_tensor=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_pad_of_pack_is_the_input_with_its_padding_replaced(lengths, batch_first, as_tensor, seed):
    x = _padded(lengths, batch_first=batch_first, seed=seed)
    packed = pack_padded_sequence(x, tl.tensor(lengths) if as_tensor else lengths,
                                  batch_first=batch_first, enforce_sorted=False)
    assert packed.data.shape == (sum(lengths), 2)
    padded, back = pad_packed_sequence(packed, batch_first=batch_first, padding_value=7.)
    assert back.tolist() == lengths
    sequences = unpad_sequence(x, lengths, batch_first=batch_first)
    expected = pad_sequence(sequences, batch_first=batch_first, padding_value=7.)
    assert padded.tolist() == expected.tolist()
    assert [s.tolist() for s in unpack_sequence(packed)] == [s.tolist() for s in sequences]
    if sorted(lengths, reverse=True) == lengths:
        assert pack_padded_sequence(x, lengths, batch_first=batch_first).data.tolist() == packed.data.tolist()


def test_pack_and_pad_gradients_and_double_backward():
    x = _padded([1, 3, 2])
    roundtrip = lambda t: pad_packed_sequence(  # noqa: E731
        pack_padded_sequence(t, [1, 3, 2], enforce_sorted=False), total_length=4)[0]
    check_backward(roundtrip, x)
    check_double_backward(lambda t: roundtrip(t) ** 2, x)


def test_pack_sequence_sorts_or_refuses_as_pytorch():
    seqs = [tl.ones(2), tl.ones(3)]
    packed = pack_sequence(seqs, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [2, 2, 1] and packed.sorted_indices.tolist() == [1, 0]
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
        pack_sequence(seqs)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: pack_padded_sequence(x, [3, 2, 3, 1]), RuntimeError, "sorted in decreasing order"),
    (lambda x: pack_padded_sequence(x, [3, 2, 0, 0]), RuntimeError, "greater than 0"),
    (lambda x: pack_padded_sequence(x, [3, 0, 2, 1], enforce_sorted=False), RuntimeError, "greater than 0"),
    (lambda x: pack_padded_sequence(x, [3, 2, 1]), RuntimeError, r"len\(lengths\)` to be equal to batch_size, but got 3 \(batch_size=4\)"),
    (lambda x: pack_padded_sequence(x, [4, 2, 1, 1]), RuntimeError, "a length of 4 exceeds the 3 steps"),
    (lambda x: pack_padded_sequence(x, tl.tensor([[3, 2], [1, 1]])), RuntimeError, "should be a 1D"),
    (lambda x: pack_padded_sequence(x[:0], [3, 2, 1, 1]), RuntimeError, "Cannot pack empty tensors"),
    (lambda x: pad_packed_sequence(pack_padded_sequence(x, [3, 2, 1, 1]), total_length=2), ValueError,
     "at least the length of the longest sequence in input, but got total_length=2 and max sequence length being 3"),
    (lambda x: PackedSequence(x, [3, 1]), TypeError, "batch_sizes should be a 1-D int64 CPU tensor"),
])
def test_bad_lengths_raise_pytorchs_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(tl.arange(12.).reshape(3, 4))


def _module(mode, bidirectional, layers, batch_first, seed=0):
    tl.manual_seed(seed)
    return getattr(nn, mode)(2, 3, num_layers=layers, bidirectional=bidirectional,
                             batch_first=batch_first).double()


def _alone(module, x, lengths, hx, batch_first, lstm):
    """Each sequence through the module on its own (batch of one): what packing must equal."""
    outputs, finals = [], []
    for b, n in enumerate(lengths):
        sequence = (x[b:b + 1, :n] if batch_first else x[:n, b:b + 1])
        state = (hx[0][:, b:b + 1], hx[1][:, b:b + 1]) if lstm else hx[:, b:b + 1]
        output, final = module(sequence, state)
        outputs.append(output[0] if batch_first else output[:, 0])
        finals.append(final)
    if lstm:
        return outputs, tl.cat([f[0] for f in finals], 1), tl.cat([f[1] for f in finals], 1)
    return outputs, tl.cat(finals, 1)


@settings(max_examples=12, deadline=None)
@given(mode=st.sampled_from(["RNN", "LSTM", "GRU"]), bidirectional=st.booleans(),
       layers=st.integers(1, 2), batch_first=st.booleans(),
       lengths=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 2 ** 16))
def test_a_packed_batch_runs_as_each_sequence_alone_in_the_callers_order(
        mode, bidirectional, layers, batch_first, lengths, seed):
    module = _module(mode, bidirectional, layers, batch_first, seed)
    x = _padded(lengths, batch_first=batch_first, seed=seed)
    lstm = mode == "LSTM"
    directions = 2 if bidirectional else 1
    h0 = tl.randn(layers * directions, len(lengths), 3, dtype=tl.float64)
    hx = (h0, tl.randn(*h0.shape, dtype=tl.float64)) if lstm else h0
    output, final = module(pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False), hx)
    assert isinstance(output, PackedSequence)
    padded, _ = pad_packed_sequence(output, batch_first=batch_first)
    expected = _alone(module, x, lengths, hx, batch_first, lstm)
    for got, want in zip(unpad_sequence(padded, lengths, batch_first), expected[0]):
        assert tl.allclose(got, want, atol=1e-12)
    for got, want in zip(final if lstm else (final,), expected[1:]):
        assert tl.allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_packed_rnn_gradients(mode):
    module = _module(mode, True, 2, False)
    lstm = mode == "LSTM"
    h0 = tl.randn(4, 3, 3, dtype=tl.float64, requires_grad=True)

    def run(x, h0, weight):
        module._parameters["weight_hh_l1_reverse"] = weight  # the leaf check_backward varies
        hx = (h0, h0 * 0.5) if lstm else h0
        output, final = module(pack_padded_sequence(x, [1, 3, 2], enforce_sorted=False), hx)
        return (pad_packed_sequence(output)[0],) + (final if lstm else (final,))

    weight = module.weight_hh_l1_reverse.detach().clone().requires_grad_()
    check_backward(run, _padded([1, 3, 2]), h0, weight)


def test_packed_rnn_double_backward():
    module = _module("RNN", True, 1, False)
    run = lambda x: module(pack_padded_sequence(x, [1, 3, 2], enforce_sorted=False))[1]  # noqa: E731
    check_double_backward(run, _padded([1, 3, 2]))


def test_packed_sequence_to_converts_data_and_keeps_batch_sizes_on_the_cpu():
    packed = pack_sequence([tl.ones(2), tl.ones(3)], enforce_sorted=False)
    double = packed.double()
    assert double.data.dtype == tl.float64 and double.batch_sizes is packed.batch_sizes
    assert double.unsorted_indices.tolist() == [1, 0] and packed.to(tl.float32) is packed
    assert packed.is_cuda is False


def test_packed_input_of_the_wrong_width_names_input_size():
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 2"):
        nn.LSTM(3, 4)(pack_sequence([tl.ones(2, 2)]))


def test_invert_permutation_and_the_cudnn_only_rnn_helpers():
    from tensorlite.nn.utils.rnn import invert_permutation
    assert invert_permutation(tl.tensor([2, 0, 1])).tolist() == [1, 2, 0] and invert_permutation(None) is None
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True)
    lstm.flatten_parameters()
    weights = lstm.all_weights
    assert len(weights) == 4 and weights[3][1] is lstm.weight_hh_l1_reverse and len(weights[0]) == 4


def _projected(bidirectional, layers, seed=0):
    tl.manual_seed(seed)
    return nn.LSTM(2, 4, num_layers=layers, bidirectional=bidirectional, proj_size=3).double()


def _projected_by_hand(module, x, h0, c0):
    """One direction, one layer, step by step: h = W_hr (o * tanh(c)), the gates fed with h."""
    h, c, outputs = h0[0], c0[0], []
    for t in range(x.shape[0]):
        gates = x[t] @ module.weight_ih_l0.T + module.bias_ih_l0 + h @ module.weight_hh_l0.T + module.bias_hh_l0
        i, f, g, o = gates.chunk(4, -1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = (o.sigmoid() * c.tanh()) @ module.weight_hr_l0.T
        outputs.append(h)
    return tl.stack(outputs), h, c


def test_lstm_with_projection_shapes_parameters_and_values():
    module = _projected(False, 1)
    assert [n for n, _ in module.named_parameters()] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                                          "bias_hh_l0", "weight_hr_l0"]
    assert module.weight_hh_l0.shape == (16, 3) and module.weight_hr_l0.shape == (3, 4)
    assert repr(module) == "LSTM(2, 4, proj_size=3)"
    x = tl.randn(3, 2, 2, dtype=tl.float64)
    h0, c0 = tl.randn(1, 2, 3, dtype=tl.float64), tl.randn(1, 2, 4, dtype=tl.float64)
    output, (h_n, c_n) = module(x, (h0, c0))
    want_output, want_h, want_c = _projected_by_hand(module, x, h0, c0)
    assert tl.allclose(output, want_output) and tl.allclose(h_n[0], want_h) and tl.allclose(c_n[0], want_c)
    assert module(x)[1][1].shape == (1, 2, 4)  # default c_0 has hidden_size


@settings(max_examples=6, deadline=None)
@given(bidirectional=st.booleans(), layers=st.integers(1, 2), seed=st.integers(0, 2 ** 16))
def test_lstm_with_projection_packed_runs_as_each_sequence_alone(bidirectional, layers, seed):
    module = _projected(bidirectional, layers, seed)
    lengths = [2, 3, 1]
    x = _padded(lengths, seed=seed)
    directions = 2 if bidirectional else 1
    hx = (tl.randn(layers * directions, 3, 3, dtype=tl.float64), tl.randn(layers * directions, 3, 4, dtype=tl.float64))
    output, final = module(pack_padded_sequence(x, lengths, enforce_sorted=False), hx)
    expected = _alone(module, x, lengths, hx, False, True)
    padded, _ = pad_packed_sequence(output)
    for got, want in zip(unpad_sequence(padded, lengths), expected[0]):
        assert tl.allclose(got, want, atol=1e-12)
    assert tl.allclose(final[0], expected[1], atol=1e-12) and tl.allclose(final[1], expected[2], atol=1e-12)


def test_lstm_with_projection_gradients():
    module = _projected(True, 2)
    check_backward(lambda x: module(x)[0], tl.randn(3, 2, 2, dtype=tl.float64))


@pytest.mark.parametrize("make, message", [
    (lambda: nn.GRU(2, 4, proj_size=1), "only supported for LSTM"),
    (lambda: nn.LSTM(2, 4, proj_size=4), "proj_size has to be smaller than hidden_size"),
    (lambda: nn.LSTM(2, 4, proj_size=-1), "positive integer or zero"),
])
def test_bad_proj_size_raises_as_pytorch(make, message):
    with pytest.raises(ValueError, match=message):
        make()
