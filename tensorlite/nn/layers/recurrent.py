"""RNN, LSTM, GRU and their cells, with PyTorch's parameter names, gate order and shapes.

Input (L, N, H_in), or (N, L, H_in) with batch_first, or unbatched (L, H_in). Gates: LSTM
(i, f, g, o), GRU (r, z, n). All weights U(+-1/sqrt(hidden_size)).
"""
from __future__ import annotations

import math

from ...ops.creation import empty, zeros
from ...ops.movement import cat, stack
from ...ops.recurrent import lstm_sequence
from .. import functional as F, init
from ..module import Module
from ..utils.rnn import PackedSequence
from ..parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(mode, x, h, w_ih, w_hh, b_ih, b_hh):
    activation = F.relu if mode == "RNN_RELU" else F.tanh
    return activation(F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh))


def _lstm_step(x, state, w_ih, w_hh, b_ih, b_hh):
    h, c = state
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def _lstm_layer(input, state, weights, reverse):
    """A whole LSTM layer: the input projection of every step in one matmul, then the
    recurrence as one op (ops/recurrent.py)."""
    w_ih, w_hh, b_ih, b_hh = weights
    bias = b_ih + b_hh if b_ih is not None else None
    return lstm_sequence(F.linear(input, w_ih, bias), state[0], state[1], w_hh, reverse)


def _gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    gi = F.linear(x, w_ih, b_ih)
    gh = F.linear(h, w_hh, b_hh)
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (1.0 - z) * n + z * h


def _permute_batch(hidden, permutation):
    """hidden (layers * D, N, H) with its batch dim reordered by ``permutation``."""
    return hidden.index_select(1, permutation.to(hidden.device))


def _rows(state, start, stop, lstm):
    """Rows [start, stop) of a hidden state (a pair of them for the LSTM)."""
    return (state[0][start:stop], state[1][start:stop]) if lstm else state[start:stop]


def _join_rows(first, rest, lstm):
    if lstm:
        return cat([first[0], rest[0]]), cat([first[1], rest[1]])
    return cat([first, rest])


def _packed_forward(step, data, batch_sizes, state, weights, lstm):
    """One direction of one layer over packed ``data``, first step to last: the sequences that
    ended keep their last state in the rows after the running ones."""
    outputs, offset = [], 0
    for size in batch_sizes:
        new = step(data[offset:offset + size], _rows(state, 0, size, lstm), weights)
        running = (state[0] if lstm else state).shape[0]
        state = new if size == running else _join_rows(new, _rows(state, size, running, lstm), lstm)
        outputs.append(new[0] if lstm else new)
        offset += size
    return cat(outputs), state


def _packed_reverse(step, data, batch_sizes, initial, weights, lstm):
    """One direction of one layer over packed ``data``, last step to first: a sequence joins
    (with its initial state) at its own last step."""
    offsets = [0]
    for size in batch_sizes:
        offsets.append(offsets[-1] + size)
    outputs, state = [], _rows(initial, 0, batch_sizes[-1], lstm)
    for t in reversed(range(len(batch_sizes))):
        size = batch_sizes[t]
        running = (state[0] if lstm else state).shape[0]
        if size > running:
            state = _join_rows(state, _rows(initial, running, size, lstm), lstm)
        state = step(data[offsets[t]:offsets[t + 1]], state, weights)
        outputs.append(state[0] if lstm else state)
    outputs.reverse()
    return cat(outputs), state


def _checked_proj_size(mode, proj_size, hidden_size) -> int:
    """proj_size as PyTorch checks it: LSTM only, 0 <= proj_size < hidden_size."""
    if proj_size is None:
        return 0
    if mode != "LSTM":
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    return proj_size


class _RNNBase(Module):
    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int | None = None, device=None, dtype=None):
        super().__init__()
        proj_size = _checked_proj_size(self.mode, proj_size, hidden_size)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate = _GATES[self.mode] * hidden_size
        directions = 2 if bidirectional else 1
        output_size = proj_size or hidden_size  # the size of h (and of each direction's output)
        for layer in range(num_layers):
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                layer_input = input_size if layer == 0 else output_size * directions
                setattr(self, "weight_ih" + suffix, Parameter(empty(gate, layer_input, device=device, dtype=dtype)))
                setattr(self, "weight_hh" + suffix, Parameter(empty(gate, output_size, device=device, dtype=dtype)))
                if bias:
                    setattr(self, "bias_ih" + suffix, Parameter(empty(gate, device=device, dtype=dtype)))
                    setattr(self, "bias_hh" + suffix, Parameter(empty(gate, device=device, dtype=dtype)))
                if proj_size:
                    setattr(self, "weight_hr" + suffix,
                            Parameter(empty(proj_size, hidden_size, device=device, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self) -> None:
        """PyTorch compacts the weights into one cuDNN buffer here; there is no such buffer, so
        this does nothing (seq2seq code calls it before every forward).

        Example:
        >>> nn.LSTM(2, 3).flatten_parameters()
        """

    @property
    def all_weights(self) -> list:
        """The parameters of each layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...].

        Example:
        >>> [len(w) for w in nn.GRU(2, 3, num_layers=2, bias=False).all_weights]
        [2, 2]
        """
        directions = 2 if self.bidirectional else 1
        return [[w for w in self._weights(layer, direction) if w is not None]
                for layer in range(self.num_layers) for direction in range(directions)]

    def _weights(self, layer, direction):
        """(w_ih, w_hh, b_ih, b_hh), and w_hr after them with proj_size."""
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        weights = (getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix),
                   getattr(self, "bias_ih" + suffix) if self.bias else None,
                   getattr(self, "bias_hh" + suffix) if self.bias else None)
        return weights + (getattr(self, "weight_hr" + suffix),) if self.proj_size else weights

    def _initial_state(self, batch, like):
        """Zero h_0 (and c_0): (num_layers * D, batch, proj_size or hidden_size) ((.., hidden_size) for c)."""
        directions = 2 if self.bidirectional else 1
        h0 = zeros(self.num_layers * directions, batch, self.proj_size or self.hidden_size,
                   dtype=like.dtype, device=like.device)
        if self.mode != "LSTM":
            return h0
        if not self.proj_size:
            return h0, h0
        return h0, zeros(self.num_layers * directions, batch, self.hidden_size, dtype=like.dtype, device=like.device)

    def _step(self, x, state, weights):
        if self.mode == "LSTM":
            h, c = _lstm_step(x, state, *weights[:4])
            return (F.linear(h, weights[4]), c) if self.proj_size else (h, c)
        if self.mode == "GRU":
            return _gru_step(x, state, *weights)
        return _rnn_step(self.mode, x, state, *weights)

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        unbatched = input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        if input.ndim != 3 or input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")
        directions = 2 if self.bidirectional else 1
        batch = input.shape[1]
        lstm = self.mode == "LSTM"
        if hx is None:
            hx = self._initial_state(batch, input)
        elif unbatched:
            hx = tuple(h.unsqueeze(1) for h in hx) if lstm else hx.unsqueeze(1)
        finals_h, finals_c = [], []
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state = (hx[0][index], hx[1][index]) if lstm else hx[index]
                weights = self._weights(layer, direction)
                if lstm and layer_input.shape[0] and not self.proj_size:
                    output, h_n, c_n = _lstm_layer(layer_input, state, weights, bool(direction))
                    outputs.append(output)
                    finals_h.append(h_n)
                    finals_c.append(c_n)
                    continue
                steps = range(layer_input.shape[0])
                sequence = []
                for t in (reversed(steps) if direction else steps):
                    state = self._step(layer_input[t], state, weights)
                    sequence.append(state[0] if lstm else state)
                if direction:
                    sequence.reverse()
                outputs.append(stack(sequence))
                finals_h.append(state[0] if lstm else state)
                if lstm:
                    finals_c.append(state[1])
            layer_input = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        h_n = stack(finals_h)
        if unbatched:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        if lstm:
            c_n = stack(finals_c)
            return output, (h_n, c_n.squeeze(1) if unbatched else c_n)
        return output, h_n

    def _forward_packed(self, input, hx):
        """forward on a PackedSequence: step t updates only the batch_sizes[t] sequences still
        running (they come first), so each sequence's h_n is the state after its last valid
        step; outputs and h_n follow the packing's permutation back to the original order."""
        data, batch_sizes = input.data, [int(n) for n in input.batch_sizes.tolist()]
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {data.shape[-1]}")
        directions = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        if hx is None:
            hx = self._initial_state(batch_sizes[0], data)
        elif input.sorted_indices is not None:
            hx = tuple(_permute_batch(h, input.sorted_indices) for h in hx) if lstm \
                else _permute_batch(hx, input.sorted_indices)
        finals_h, finals_c = [], []
        layer_input = data
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state = (hx[0][index], hx[1][index]) if lstm else hx[index]
                run = _packed_reverse if direction else _packed_forward
                output, state = run(self._step, layer_input, batch_sizes, state,
                                    self._weights(layer, direction), lstm)
                outputs.append(output)
                finals_h.append(state[0] if lstm else state)
                if lstm:
                    finals_c.append(state[1])
            layer_input = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = PackedSequence(layer_input, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
        h_n = stack(finals_h)
        if input.unsorted_indices is not None:
            h_n = _permute_batch(h_n, input.unsorted_indices)
        if not lstm:
            return output, h_n
        c_n = stack(finals_c)
        if input.unsorted_indices is not None:
            c_n = _permute_batch(c_n, input.unsorted_indices)
        return output, (h_n, c_n)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(_RNNBase):
    """Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu with nonlinearity='relu').

    Shapes: input (L, N, H_in) ((N, L, H_in) with batch_first, (L, H_in) unbatched), h_0
    (num_layers * D, N, H_out) -> output (L, N, D * H_out), h_n (num_layers * D, N, H_out);
    D = 2 when bidirectional.

    Example:
    >>> rnn = nn.RNN(4, 8, num_layers=2)
    >>> output, h_n = rnn(tl.zeros(5, 3, 4))
    >>> output.shape, h_n.shape
    (tensorlite.Size([5, 3, 8]), tensorlite.Size([2, 3, 8]))
    """

    def __init__(self, *args, nonlinearity: str = "tanh", **kwargs):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        self.nonlinearity = nonlinearity
        super().__init__(*args, **kwargs)


class LSTM(_RNNBase):
    """Long short-term memory; forward returns (output, (h_n, c_n)).

    Shapes: input (L, N, H_in) ((N, L, H_in) with batch_first) -> output (L, N, D * H_out),
    h_n and c_n (num_layers * D, N, H_out); D = 2 when bidirectional.

    Example:
    >>> lstm = nn.LSTM(4, 8, batch_first=True)
    >>> output, (h_n, c_n) = lstm(tl.zeros(3, 5, 4))
    >>> output.shape, h_n.shape, c_n.shape
    (tensorlite.Size([3, 5, 8]), tensorlite.Size([1, 3, 8]), tensorlite.Size([1, 3, 8]))
    """

    mode = "LSTM"


class GRU(_RNNBase):
    """Gated recurrent unit.

    Shapes: input (L, N, H_in) ((N, L, H_in) with batch_first) -> output (L, N, D * H_out),
    h_n (num_layers * D, N, H_out); D = 2 when bidirectional.

    Example:
    >>> gru = nn.GRU(4, 8, bidirectional=True)
    >>> output, h_n = gru(tl.zeros(5, 3, 4))
    >>> output.shape, h_n.shape
    (tensorlite.Size([5, 3, 16]), tensorlite.Size([2, 3, 8]))
    """

    mode = "GRU"


class _CellBase(Module):
    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate = _GATES[self.mode] * hidden_size
        self.weight_ih = Parameter(empty(gate, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(empty(gate, hidden_size, device=device, dtype=dtype))
        self.bias_ih = Parameter(empty(gate, device=device, dtype=dtype)) if bias else None
        self.bias_hh = Parameter(empty(gate, device=device, dtype=dtype)) if bias else None
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _zeros(self, input):
        return zeros(*input.shape[:-1], self.hidden_size, dtype=input.dtype, device=input.device)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One Elman RNN step.

    Shapes: input (N, input_size) or (input_size,), hidden (N, hidden_size) -> (N, hidden_size).

    Example:
    >>> cell = nn.RNNCell(4, 8)
    >>> cell(tl.zeros(3, 4)).shape
    tensorlite.Size([3, 8])
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        return _rnn_step(self.mode, input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class LSTMCell(_CellBase):
    """One LSTM step: returns (h', c').

    Shapes: input (N, input_size), (h, c) each (N, hidden_size) -> (h', c'), each (N, hidden_size).

    Example:
    >>> cell = nn.LSTMCell(4, 8)
    >>> h, c = cell(tl.zeros(3, 4))
    >>> h.shape, c.shape
    (tensorlite.Size([3, 8]), tensorlite.Size([3, 8]))
    """

    mode = "LSTM"

    def forward(self, input, hx=None):
        hx = (self._zeros(input), self._zeros(input)) if hx is None else hx
        return _lstm_step(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class GRUCell(_CellBase):
    """One GRU step.

    Shapes: input (N, input_size), hidden (N, hidden_size) -> (N, hidden_size).

    Example:
    >>> cell = nn.GRUCell(4, 8)
    >>> cell(tl.zeros(3, 4), tl.zeros(3, 8)).shape
    tensorlite.Size([3, 8])
    """

    mode = "GRU"

    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        return _gru_step(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
