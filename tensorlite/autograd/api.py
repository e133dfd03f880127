"""``backward`` and ``grad``: the entry points into the engine."""
from __future__ import annotations

from .._warn import warn_user
from ..ops.gradients import filled
from ..ops.movement import stack
from ..tensor import Tensor
from . import engine
from .function import edge
from .grad_mode import no_grad


def _as_tuple(x):
    if x is None or type(x) is tuple:
        return x
    return tuple(x) if isinstance(x, list) else (x,)


def _no_grad_reason(t) -> str:
    if not t.is_floating_point():
        return (f"It has dtype {t.dtype.name}: integer and bool results (argmax, comparisons, "
                f".long(), ...) are not differentiable; differentiate a floating-point result.")
    if t._made_without_grad:
        return ("It was computed while grad mode was disabled (inside `no_grad()` or "
                "`set_grad_enabled(False)`): compute it outside that block.")
    return ("None of the tensors it was computed from requires grad: call requires_grad_() on the "
            "leaves (parameters) you want gradients for. Setting requires_grad on the loss itself "
            "would train nothing.")


def _root_edge(t, index):
    if not isinstance(t, Tensor):
        raise TypeError(f"backward/grad: element {index} of outputs is a {type(t).__name__}, not a Tensor")
    if not t._requires_grad:
        raise RuntimeError(f"element {index} of tensors does not require grad and does not have a "
                           f"grad_fn. {_no_grad_reason(t)}")
    return edge(t)


def _make_grads(outputs, grad_outputs):
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {i} has shape "
                    f"{list(out._array.shape)}; pass gradient= of that shape, or reduce it with "
                    f".sum() or .mean() first)")
            g = filled(out._array.shape, 1, out.dtype, out.device)
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradient for output {i} must be a Tensor or None, got {type(g).__name__}")
        elif g._array.shape != out._array.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{list(g._array.shape)} and output[{i}] has a shape of {list(out._array.shape)}.")
        elif g._array.dtype != out._array.dtype:
            g = g.to(out.dtype)
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves (or only ``inputs``).

    Example: ``tensorlite.autograd.backward([loss])`` is ``loss.backward()``.

    Shapes: grad_tensors, one per tensor, of that tensor's shape (may be omitted for scalars).

    Example:
    >>> x = tl.tensor([1., 2.], requires_grad=True)
    >>> y = x * x
    >>> tl.autograd.backward([y], [tl.tensor([1., 10.])])
    >>> x.grad
    tensor([ 2., 40.])
    """
    outputs = _as_tuple(tensors)
    grad_outputs = _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        warn_user("Using backward() with create_graph=True will create a reference cycle between "
                  "the parameter and its gradient which can cause a memory leak. We recommend "
                  "using autograd.grad when creating the graph to avoid this.")
    if grad_outputs is None and len(outputs) == 1 and inputs is None:  # loss.backward()
        root = outputs[0]
        root_edge = _root_edge(root, 0)
        if root._array.shape != () and root.numel() != 1:
            _make_grads(outputs, None)  # raises the message for a non-scalar output
        seed = filled(root._array.shape, 1, root.dtype, root.device)
        engine.execute((root_edge,), (seed,), retain_graph=retain_graph, create_graph=create_graph)
        return
    roots = [_root_edge(t, i) for i, t in enumerate(outputs)]
    grads = _make_grads(outputs, grad_outputs)
    if inputs is None:
        engine.execute(roots, grads, retain_graph=retain_graph, create_graph=create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    captured = engine.execute(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                              capture=[edge(t) for t in inputs], accumulate=True)
    for t, g in zip(inputs, captured):
        if t.grad_fn is not None and g is not None:
            t._grad = g if t._grad is None else t._grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused=None, is_grads_batched: bool = False, materialize_grads: bool = False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` is untouched).

    Shapes: one gradient per input, of that input's shape.

    Example:
    >>> x = tl.tensor(3.0, requires_grad=True)
    >>> (dx,) = tl.autograd.grad(x ** 3, x, create_graph=True)
    >>> dx
    tensor(27., grad_fn=<...>)
    >>> tl.autograd.grad(dx, x)
    (tensor(18.),)
    >>> x.grad is None
    True
    """
    outputs = _as_tuple(outputs)
    inputs_tuple = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    for t in inputs_tuple:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if is_grads_batched:
        return _batched_grad(outputs, inputs_tuple, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    if retain_graph is None:
        retain_graph = create_graph
    roots = [_root_edge(t, i) for i, t in enumerate(outputs)]
    grads = _make_grads(outputs, grad_outputs)
    captured = engine.execute(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                              capture=[edge(t) for t in inputs_tuple], accumulate=False)
    result = []
    for i, (t, g) in enumerate(zip(inputs_tuple, captured)):
        if g is None:
            if materialize_grads:
                g = filled(t._array.shape, 0, t.dtype, t.device)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been "
                                   f"used in the graph. Set allow_unused=True if this is the desired "
                                   f"behavior.")
        elif t._hooks and t.grad_fn is None:
            g = engine._call_hooks(t._hooks, g)
        result.append(g)
    return tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize):
    """grad for each slice along dim 0 of every grad_output, stacked (a loop, not vmap)."""
    if grad_outputs is None:
        raise RuntimeError("is_grads_batched=True requires grad_outputs")
    batch = grad_outputs[0]._array.shape[0]
    per_sample = []
    for b in range(batch):
        per_sample.append(grad(outputs, inputs, [g[b] for g in grad_outputs], retain_graph=True,
                               create_graph=create_graph, allow_unused=allow_unused,
                               materialize_grads=materialize))
    stacked = []
    for i in range(len(inputs)):
        column = [sample[i] for sample in per_sample]
        stacked.append(None if any(c is None for c in column) else stack(column))
    if not retain_graph and not create_graph:
        with no_grad():
            for out in outputs:
                if out.grad_fn is not None:
                    out.grad_fn._release()
    return tuple(stacked)
