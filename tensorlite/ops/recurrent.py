"""One LSTM layer over a whole sequence as a single op (what nn.LSTM runs).

Composed from Tensor ops, a step of an LSTM records about a dozen graph nodes, and its backward
a few dozen more: for a 35-step, 2-layer model that is thousands of Python-level op calls per
training step. ``LSTMSequence`` runs the recurrence on backend arrays (no graph nodes) and its
backward is backpropagation through time written with Tensor ops over whole-sequence factors:
six ops a step. Under ``create_graph`` the backward recomputes the activations as Tensor ops of
the inputs, so double backward is exact.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.grad_mode import state as _grad_state
from ..tensor import Tensor
from .linalg import MatMul
from .movement import cat, stack

_ACTIVATIONS = ("i", "f", "g", "o", "c_prev", "tanh_c", "h_prev", "h")


def _order(length: int, reverse: bool):
    return range(length - 1, -1, -1) if reverse else range(length)


def _run_arrays(backend, x_gates, h, c, w_hh, reverse):
    """The forward recurrence on backend arrays; returns the eight activations stacked over time
    (time order, whatever the direction) and the final (h, c)."""
    length, hidden = x_gates.shape[0], h.shape[-1]
    column = [(slice(None), slice(k * hidden, (k + 1) * hidden)) for k in range(4)]
    steps = [None] * length
    w_t = backend.copy(backend.permute(w_hh, (1, 0)))  # (H, 4H) contiguous: no per-step re-layout
    for t in _order(length, reverse):
        gates = backend.binary("add", backend.getitem(x_gates, (t,)), backend.matmul(h, w_t))
        squashed = backend.unary("sigmoid", gates)  # i, f, o read from it; g's block is unused
        i, f, o = (backend.getitem(squashed, column[k]) for k in (0, 1, 3))
        g = backend.unary("tanh", backend.getitem(gates, column[2]))
        c_prev, h_prev = c, h
        c = backend.binary("add", backend.binary("mul", f, c), backend.binary("mul", i, g))
        tanh_c = backend.unary("tanh", c)
        h = backend.binary("mul", o, tanh_c)
        steps[t] = (i, f, g, o, c_prev, tanh_c, h_prev, h)
    stacked = [backend.concatenate([backend.reshape(step[k], (1,) + tuple(step[k].shape)) for step in steps], 0)
               for k in range(len(_ACTIVATIONS))]
    return stacked, h, c


def lstm_activations(x_gates: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, reverse: bool = False) -> list:
    """The same recurrence composed from Tensor ops (differentiable, the reference): the eight
    activations (i, f, g, o, c_prev, tanh(c), h_prev, h), each (L, N, H) in time order."""
    length, hidden = x_gates.shape[0], h0.shape[-1]
    steps = [None] * length
    h, c = h0, c0
    for t in _order(length, reverse):
        gates = x_gates[t] + MatMul.apply(h, w_hh, False, True)
        i, f = gates[:, :hidden].sigmoid(), gates[:, hidden:2 * hidden].sigmoid()
        g, o = gates[:, 2 * hidden:3 * hidden].tanh(), gates[:, 3 * hidden:].sigmoid()
        c_prev, h_prev = c, h
        c = f * c + i * g
        tanh_c = c.tanh()
        h = o * tanh_c
        steps[t] = (i, f, g, o, c_prev, tanh_c, h_prev, h)
    return [stack([step[k] for step in steps]) for k in range(len(_ACTIVATIONS))]


def _backprop_through_time(acts, w_hh, grad_out, grad_h, grad_c, reverse):
    """Gradients of the gate pre-activations (L, N, 4H), of h0 and of c0, from the activations."""
    i, f, g, o, c_prev, tanh_c, _, _ = acts
    through_h = o * (1 - tanh_c * tanh_c)  # d c / d h's contribution, per element
    local = cat([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g), tanh_c * o * (1 - o)], -1)
    d_gates = [None] * i.shape[0]
    dh, dc = grad_h, grad_c
    for t in reversed(_order(i.shape[0], reverse)):
        dh_t = dh + grad_out[t]
        dc_t = dc + dh_t * through_h[t]
        d_gates[t] = cat([dc_t, dc_t, dc_t, dh_t], -1) * local[t]
        dc = dc_t * f[t]
        dh = MatMul.apply(d_gates[t], w_hh, False, False)
    return stack(d_gates), dh, dc


def _backprop_arrays(backend, acts, w_hh, grad_out, grad_h, grad_c, reverse):
    """``_backprop_through_time``'s formulas on backend arrays (a first-order backward: no graph
    to record), a few backend calls a step instead of a dozen Tensor ops: returns the gate
    pre-activations' gradient (L, N, 4H) and those of h0 and c0."""
    i, f, g, o, c_prev, tanh_c = acts[:6]
    mul, add = (lambda a, b: backend.binary("mul", a, b)), (lambda a, b: backend.binary("add", a, b))

    def one_minus(a):
        return backend.binary("sub", 1.0, a)

    through_h = mul(o, one_minus(mul(tanh_c, tanh_c)))
    local = backend.concatenate([mul(mul(g, i), one_minus(i)), mul(mul(c_prev, f), one_minus(f)),
                                 mul(i, one_minus(mul(g, g))), mul(mul(tanh_c, o), one_minus(o))], 2)
    d_gates = [None] * i.shape[0]
    dh, dc = grad_h, grad_c
    for t in reversed(_order(i.shape[0], reverse)):
        dh_t = add(dh, backend.getitem(grad_out, (t,)))
        dc_t = add(dc, mul(dh_t, backend.getitem(through_h, (t,))))
        step = mul(backend.concatenate([dc_t, dc_t, dc_t, dh_t], 1), backend.getitem(local, (t,)))
        d_gates[t] = backend.reshape(step, (1,) + tuple(step.shape))
        dc = mul(dc_t, backend.getitem(f, (t,)))
        dh = backend.matmul(step, w_hh)
    return backend.concatenate(d_gates, 0), dh, dc


class LSTMSequenceBackward(Function):
    """LSTMSequence's first-order backward through time on backend arrays (run without a graph
    only: a backward that records uses ``_backprop_through_time``'s Tensor ops): (d_gates, dh0,
    dc0) from the forward's activations (arrays) and the three output gradients."""

    _primitive = True
    _differentiable = False

    @staticmethod
    def forward(ctx, grad_out, grad_h, grad_c, w_hh, activations, reverse):
        return _backprop_arrays(grad_out.device.backend, activations, w_hh._array, grad_out._array,
                                grad_h._array, grad_c._array, reverse)


class LSTMSequence(Function):
    """One LSTM layer over a sequence, from its input gate pre-activations.

    Shapes: x_gates (L, N, 4H) (``x @ w_ih.T + b_ih + b_hh`` for every step, gate order i, f, g,
    o), h0 and c0 (N, H), w_hh (4H, H) -> output (L, N, H), h_n (N, H), c_n (N, H).
    """

    _primitive = True

    @staticmethod
    def forward(ctx, x_gates, h0, c0, w_hh, reverse=False):
        stacked, h, c = _run_arrays(x_gates.device.backend, x_gates._array, h0._array, c0._array,
                                    w_hh._array, reverse)
        ctx.reverse = reverse
        ctx.save_for_backward(x_gates, h0, c0, w_hh)
        ctx.activations = stacked
        return stacked[-1], h, c

    @staticmethod
    def backward(ctx, grad_out, grad_h, grad_c):
        x_gates, h0, c0, w_hh = ctx.saved_tensors
        if _grad_state.enabled:  # create_graph: activations as differentiable functions of the inputs
            acts = lstm_activations(x_gates, h0, c0, w_hh, ctx.reverse)
            d_gates, dh0, dc0 = _backprop_through_time(acts, w_hh, grad_out, grad_h, grad_c, ctx.reverse)
            h_prev = acts[6]
        else:
            d_gates, dh0, dc0 = LSTMSequenceBackward.apply(grad_out, grad_h, grad_c, w_hh, ctx.activations,
                                                           ctx.reverse)
            h_prev = Tensor._make(ctx.activations[6], x_gates.device, False, None, 0)
        needs = ctx.needs_input_grad
        d_w = None
        if needs[3]:
            d_w = MatMul.apply(d_gates.reshape(-1, d_gates.shape[-1]), h_prev.reshape(-1, h_prev.shape[-1]),
                               True, False)
        return (d_gates if needs[0] else None, dh0 if needs[1] else None, dc0 if needs[2] else None,
                d_w, None)


def lstm_sequence(x_gates: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, reverse: bool = False):
    """Run one LSTM layer over a whole sequence (the recurrence of ``nn.LSTM``) as one op.

    ``x_gates`` holds the input part of the gate pre-activations for every step (``x @ w_ih.T +
    b_ih + b_hh``, gate order i, f, g, o); ``reverse`` runs from the last step to the first.

    Shapes: x_gates (L, N, 4H), h0 (N, H), c0 (N, H), w_hh (4H, H) -> (output (L, N, H),
    h_n (N, H), c_n (N, H)), with L >= 1.

    Example:
    >>> out, h, c = tl.ops.recurrent.lstm_sequence(tl.zeros(5, 2, 12), tl.zeros(2, 3), tl.zeros(2, 3),
    ...                                           tl.zeros(12, 3))
    >>> out.shape, h.shape, c.shape
    (tensorlite.Size([5, 2, 3]), tensorlite.Size([2, 3]), tensorlite.Size([2, 3]))
    """
    if x_gates.ndim != 3 or x_gates.shape[0] < 1 or h0.ndim != 2 or c0.shape != h0.shape \
            or w_hh.shape != (4 * h0.shape[-1], h0.shape[-1]) or x_gates.shape[1:] != (h0.shape[0], w_hh.shape[0]):
        raise RuntimeError(f"lstm_sequence(): expected x_gates (L >= 1, N, 4H), h0 and c0 (N, H), "
                           f"w_hh (4H, H); got x_gates {list(x_gates.shape)}, h0 {list(h0.shape)}, "
                           f"c0 {list(c0.shape)}, w_hh {list(w_hh.shape)}")
    if not x_gates.dtype is h0.dtype is c0.dtype is w_hh.dtype:
        raise RuntimeError(f"lstm_sequence(): expected one dtype, got x_gates {x_gates.dtype.name}, "
                           f"h0 {h0.dtype.name}, c0 {c0.dtype.name}, w_hh {w_hh.dtype.name}")
    return LSTMSequence.apply(x_gates, h0, c0, w_hh, reverse)
