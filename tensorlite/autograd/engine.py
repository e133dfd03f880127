"""The backward engine: walks the graph from the outputs in dependency order.

Iterative (no recursion limit), it reduces broadcast gradients to each input's shape in one
place, casts them to the input's dtype, runs tensor hooks, accumulates into leaves (or captures
gradients for ``autograd.grad``), and frees saved tensors unless ``retain_graph``.
"""
from __future__ import annotations

import threading

from ..ops._queries import all_finite
from ..ops._util import sum_to_shape
from ..ops.gradients import AccumulateInto, copy_grad, copy_grad_into, zeros
from ..tensor import Tensor
from .function import AccumulateGrad
from .grad_mode import state


def _sum_to_shape(grad, shape, node, index):
    """Sum a broadcast gradient down to ``shape``; raise if it is not broadcast-compatible."""
    gshape = grad._array.shape
    lead = len(gshape) - len(shape)
    ok = lead >= 0 and all(s == 1 or s == g for s, g in zip(shape, gshape[lead:]))
    if not ok:
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {index} - got "
            f"{list(gshape)} but expected shape compatible with {list(shape)}")
    return sum_to_shape(grad, shape)


def _call_hooks(hooks, grad):
    for hook in hooks:
        result = hook(grad)
        if result is not None:
            _check_hook_result(hook, grad, result)
            grad = result
    return grad


def _check_hook_result(hook, grad, result):
    """A hook may replace a gradient's values, never its shape, dtype or device (PyTorch)."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, Tensor):
        raise TypeError(f"hook '{name}' must return None or a Tensor, got {type(result).__name__}")
    if tuple(result._array.shape) != tuple(grad._array.shape):
        raise RuntimeError(f"hook '{name}' has changed the size of value: the gradient has shape "
                           f"{list(grad._array.shape)} but the hook returned {list(result._array.shape)}")
    if result.dtype is not grad.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {grad.dtype.name} "
                           f"got {result.dtype.name})")
    if result.device is not grad.device:
        raise RuntimeError(f"hook '{name}' has changed the device of value (was {grad.device} "
                           f"got {result.device})")


def _accumulate_into_leaf(variable, grad, create_graph):
    if variable._hooks:
        grad = _call_hooks(variable._hooks, grad)
    existing = variable._grad
    if existing is None:
        if create_graph:
            variable._grad = grad
        elif variable._grad_destination is not None:  # DDP's bucket view: no copy out of it later
            variable._grad = copy_grad_into(variable._grad_destination, grad)
        else:  # a private, contiguous copy: the incoming grad may be shared or a broadcast view
            variable._grad = copy_grad(grad)
    elif create_graph or existing._requires_grad:
        variable._grad = existing + grad
    else:
        AccumulateInto.apply(existing, grad)
    for hook in variable._post_accumulate_hooks or ():
        hook(variable)


def _discover(root_nodes):
    """Count, for every reachable node, the edges that point at it."""
    dependencies = {}
    seen = set(root_nodes)
    stack = list(seen)
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if edge is not None:
                child = edge[0]
                dependencies[child] = dependencies.get(child, 0) + 1
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
    return dependencies


def _needed_nodes(root_nodes, dependencies, targets):
    """Nodes from which some target node can be reached (only those need to run)."""
    order = []
    remaining = dict(dependencies)
    ready = [n for n in set(root_nodes) if remaining.get(n, 0) == 0]
    while ready:
        node = ready.pop()
        order.append(node)
        for edge in node.next_edges:
            if edge is not None:
                child = edge[0]
                remaining[child] -= 1
                if remaining[child] == 0:
                    ready.append(child)
    needed = set()
    for node in reversed(order):
        if node in targets or any(e is not None and e[0] in needed for e in node.next_edges):
            needed.add(node)
    return needed


class _RunningBackwards(threading.local):
    """Per thread, the callback lists of the backward passes running now (innermost last: a
    hook may itself call backward)."""

    def __init__(self):
        self.callbacks = []


_running = _RunningBackwards()


def queue_callback(callback) -> None:
    """Call ``callback()`` once the backward pass running now has finished (PyTorch's
    ``Variable._execution_engine.queue_callback``): e.g. from a gradient hook, to wait for
    communication started during backward. Raises outside a backward pass.

    Example:
    >>> x = tl.tensor([1., 2.], requires_grad=True)
    >>> done = []
    >>> _ = x.register_post_accumulate_grad_hook(
    ...     lambda t: tl.autograd.queue_callback(lambda: done.append(t.grad.tolist())))
    >>> (x * 3).sum().backward()
    >>> done
    [[3.0, 3.0]]
    """
    if not _running.callbacks:
        raise RuntimeError("queue_callback: no backward pass is running in this thread (call it "
                           "from a hook during backward)")
    _running.callbacks[-1].append(callback)


def execute(root_edges, root_grads, *, retain_graph, create_graph, capture=None,
            accumulate=True):
    """Run backward from ``root_edges`` ((node, output_nr) per output) seeded with ``root_grads``,
    then the callbacks queued during it (``queue_callback``), in order.

    capture: a list of (node, output_nr) whose incoming gradients are returned (autograd.grad);
    accumulate: whether AccumulateGrad nodes write into ``.grad``.
    Returns the captured gradients (None where nothing arrived).
    """
    callbacks = []
    _running.callbacks.append(callbacks)
    try:
        captured = _execute(root_edges, root_grads, retain_graph=retain_graph,
                            create_graph=create_graph, capture=capture, accumulate=accumulate)
        for callback in callbacks:  # a callback may queue another: the loop sees it
            callback()
    finally:
        _running.callbacks.pop()
    return captured


def _execute(root_edges, root_grads, *, retain_graph, create_graph, capture, accumulate):
    root_nodes = [edge[0] for edge in root_edges]
    dependencies = _discover(root_nodes)
    capture_at = {}
    needed = None
    captured = []
    if capture is not None:
        for i, edge in enumerate(capture):
            capture_at.setdefault(edge[0], []).append((edge[1], i))
        needed = _needed_nodes(root_nodes, dependencies, set(capture_at))
        captured = [None] * len(capture)

    buffers = {}
    for (node, nr), grad in zip(root_edges, root_grads):
        _add_to_buffer(buffers, node, nr, grad)

    previous_mode = state.enabled
    state.enabled = create_graph
    try:
        ready = [root_nodes[0]] if len(root_nodes) == 1 else []
        for node in root_nodes if len(root_nodes) > 1 else ():
            if dependencies.get(node, 0) == 0 and node not in ready:
                ready.append(node)
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            run = grads is not None and (needed is None or node in needed)
            if grads is not None:
                if node._tensor_hooks or node._retain_hooks:
                    grads = _pre_hooks(node, grads)
                if capture_at and node in capture_at:
                    for nr, i in capture_at[node]:
                        captured[i] = grads[nr]
                    if not accumulate:
                        run = run and any(e is not None and e[0] in needed for e in node.next_edges)
            outputs = None
            if run:
                if type(node) is AccumulateGrad:
                    variable = node._variable_ref()
                    if variable is not None and accumulate:
                        _accumulate_into_leaf(variable, grads[0], create_graph)
                else:
                    outputs = _run_node(node, grads, retain_graph)
            i = -1
            for edge in node.next_edges:
                i += 1
                if edge is None:
                    continue
                child = edge[0]
                remaining = dependencies[child] - 1
                grad = outputs[i] if outputs is not None else None
                if grad is not None:
                    if remaining == 0 and type(child) is AccumulateGrad and needed is None \
                            and child not in buffers:
                        # a leaf reached by this edge alone: accumulate now, skip the queue
                        del dependencies[child]
                        variable = child._variable_ref()
                        if variable is not None and accumulate:
                            _accumulate_into_leaf(variable, grad, create_graph)
                        continue
                    if edge[1] == 0 and child._output_meta is None and child not in buffers:
                        buffers[child] = [grad]
                    else:
                        _add_to_buffer(buffers, child, edge[1], grad)
                dependencies[child] = remaining
                if remaining == 0:
                    ready.append(child)
    finally:
        state.enabled = previous_mode
    return captured


def _add_to_buffer(buffers, node, nr, grad):
    slots = buffers.get(node)
    if slots is None:
        n = len(node._output_meta) if node._output_meta is not None else nr + 1
        slots = buffers[node] = [None] * max(n, nr + 1)
    elif nr >= len(slots):
        slots.extend([None] * (nr + 1 - len(slots)))
    existing = slots[nr]
    slots[nr] = grad if existing is None else existing + grad


def _pre_hooks(node, grads):
    if node._tensor_hooks:
        for nr, hooks in node._tensor_hooks.items():
            if nr < len(grads) and grads[nr] is not None and hooks:
                grads[nr] = _call_hooks(hooks, grads[nr])
    if node._retain_hooks:
        for nr, hook in node._retain_hooks.items():
            if nr < len(grads) and grads[nr] is not None:
                hook(grads[nr])
    return grads


def _run_node(node, grads, retain_graph):
    meta = node._output_meta
    if meta is not None:
        if len(grads) < len(meta):
            grads = grads + [None] * (len(meta) - len(grads))
        if node.materialize_grads:
            for i, g in enumerate(grads):
                if g is None and meta[i] is not None:
                    shape, dtype, device = meta[i]
                    grads[i] = zeros(shape, dtype, device)
    results = node._forward_cls.backward(node, *grads)
    if not retain_graph:
        node._release()
    if not isinstance(results, tuple):
        results = (results,)
    edges = node.next_edges
    if len(results) > len(edges) and all(r is None for r in results[len(edges):]):
        results = results[:len(edges)]  # trailing Nones for defaulted arguments, as PyTorch allows
    if len(results) != len(edges):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {len(edges)}, got {len(results)})")
    results = list(results)
    meta = node._input_meta
    check_finite = state.anomaly and state.anomaly_check_nan
    for i, grad in enumerate(results):
        if grad is None:
            continue
        if edges[i] is None:
            results[i] = None
            continue
        if not isinstance(grad, Tensor):
            raise TypeError(f"function {node.name()} returned a gradient of type "
                            f"{type(grad).__name__} at index {i}; expected a Tensor or None")
        shape, dtype = meta[i]
        data = grad._array
        if data.shape != shape:
            grad = _sum_to_shape(grad, shape, node, i)
        if data.dtype != dtype:
            grad = grad.to(Tensor._dtype_of_numpy(dtype))
        if check_finite and not all_finite(grad):
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output. "
                f"The forward op was called at:\n{node._creation_trace or '(unknown)'}")
        results[i] = grad
    return results
