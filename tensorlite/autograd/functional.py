"""Higher-level derivatives built on ``grad``: jacobian, hessian, vjp, jvp, hvp, vhp.

All are thin compositions over reverse mode with ``create_graph`` (jvp uses the double-vjp
trick), so they work for every op whose backward is differentiable, i.e. every built-in op.
"""
from __future__ import annotations

from ..ops.creation import ones_like, zeros, zeros_like
from ..ops.movement import stack
from .api import grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x):
    return (tuple(x), True) if isinstance(x, (list, tuple)) else ((x,), False)


def _prepare(inputs, create_graph):
    # fresh leaves (or graph-keeping aliases with create_graph) that require grad
    return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_()
                 for t in inputs)


def _zeros_for_none(grads, like):
    return tuple(zeros_like(t) if g is None else g for g, t in zip(grads, like))


def _finish(values, was_tuple, create_graph):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if was_tuple else values[0]


def _check_strict(grads, strict, what):
    if strict and any(g is None for g in grads):
        raise RuntimeError(f"The output of the user-provided function is independent of an input. "
                           f"This is not allowed in strict mode ({what}).")


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J). ``v`` has the output's shape (may be omitted for a scalar output).

    Example:
    >>> f = lambda x: x ** 2
    >>> tl.autograd.functional.vjp(f, tl.tensor([1., 2.]), tl.tensor([1., 1.]))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    inputs, inputs_tuple = _as_tuple(inputs)
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs, outputs_tuple = _as_tuple(func(*inputs))
        vs = _as_tuple(v)[0] if v is not None else None
        grads = grad(outputs, inputs, vs, create_graph=create_graph, allow_unused=True)
    _check_strict(grads, strict, "vjp")
    return (_finish(outputs, outputs_tuple, create_graph),
            _finish(_zeros_for_none(grads, inputs), inputs_tuple, create_graph))


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v), by differentiating a vjp with respect to its cotangent.

    Example:
    >>> f = lambda x: x ** 2
    >>> tl.autograd.functional.jvp(f, tl.tensor([1., 2.]), tl.tensor([1., 0.]))
    (tensor([1., 4.]), tensor([2., 0.]))
    """
    inputs, inputs_tuple = _as_tuple(inputs)
    if v is None:
        if any(t.numel() != 1 for t in inputs):
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        v = tuple(ones_like(t) for t in inputs)
    vs = _as_tuple(v)[0]
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs, outputs_tuple = _as_tuple(func(*inputs))
        cotangents = tuple(zeros_like(o).requires_grad_() for o in outputs)
        grads = grad(outputs, inputs, cotangents, create_graph=True, allow_unused=True)
        used = [(g, vv) for g, vv in zip(grads, vs) if g is not None]
        _check_strict(grads, strict, "jvp")
        if used:
            tangents = grad([g for g, _ in used], cotangents, [vv for _, vv in used],
                            create_graph=create_graph, allow_unused=True)
        else:
            tangents = (None,) * len(outputs)
    return (_finish(outputs, outputs_tuple, create_graph),
            _finish(_zeros_for_none(tangents, outputs), outputs_tuple, create_graph))


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """d outputs / d inputs. For one input and one output, a tensor of shape
    ``output.shape + input.shape``; otherwise nested tuples ``[output][input]``.

    Shapes: one input (n,) and one output (m,) -> (m, n).

    Example:
    >>> f = lambda x: x ** 2
    >>> tl.autograd.functional.jacobian(f, tl.tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
    >>> tl.autograd.functional.jacobian(f, tl.zeros(2, 3)).shape
    tensorlite.Size([2, 3, 2, 3])
    """
    inputs, inputs_tuple = _as_tuple(inputs)
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        outputs, outputs_tuple = _as_tuple(func(*inputs))
        result = []
        for out in outputs:
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for m in range(flat.numel()):
                if out.requires_grad:
                    grads = grad(flat[m], inputs, retain_graph=True, create_graph=create_graph,
                                 allow_unused=True)
                else:
                    grads = (None,) * len(inputs)
                _check_strict(grads, strict, "jacobian")
                for i, (g, t) in enumerate(zip(grads, inputs)):
                    rows[i].append(zeros_like(t) if g is None else g)
            per_input = []
            for i, t in enumerate(inputs):
                if rows[i]:
                    block = stack(rows[i]).reshape(out._array.shape + t._array.shape)
                else:
                    block = zeros(out._array.shape + t._array.shape, dtype=t.dtype)
                per_input.append(block if create_graph else block.detach())
            result.append(tuple(per_input) if inputs_tuple else per_input[0])
    return tuple(result) if outputs_tuple else result[0]


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """Second derivatives of a scalar function: shape ``input.shape + input.shape`` for one input.

    Example:
    >>> f = lambda x: (x ** 3).sum()
    >>> tl.autograd.functional.hessian(f, tl.tensor([1., 2.]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    inputs_t, inputs_tuple = _as_tuple(inputs)

    def gradient(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain "
                               "a single element")
        grads = grad(out.reshape(()), xs, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else x * 0 for g, x in zip(grads, xs))
    jac = jacobian(gradient, inputs_t, create_graph=create_graph, strict=strict)
    return jac if inputs_tuple else jac[0][0]


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H) for a scalar function.

    Shapes: v has the input's shape; v^T H too.

    Example:
    >>> f = lambda x: (x ** 3).sum()
    >>> tl.autograd.functional.vhp(f, tl.tensor([1., 2.]), tl.tensor([1., 1.]))
    (tensor(9.), tensor([ 6., 12.]))
    """
    inputs, inputs_tuple = _as_tuple(inputs)
    vs = _as_tuple(v)[0]
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        out = func(*inputs)
        grads = grad(out, inputs, create_graph=True, allow_unused=True)
        _check_strict(grads, strict, "vhp")
        used = [(g, vv) for g, vv in zip(grads, vs) if g is not None]
        second = grad([g for g, _ in used], inputs, [vv for _, vv in used],
                      create_graph=create_graph, allow_unused=True) if used else (None,) * len(inputs)
    return (_finish((out,), False, create_graph),
            _finish(_zeros_for_none(second, inputs), inputs_tuple, create_graph))


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) for a scalar function (equal to v^T H: the Hessian is symmetric).

    Shapes: v has the input's shape; H v too.

    Example:
    >>> f = lambda x: (x ** 3).sum()
    >>> tl.autograd.functional.hvp(f, tl.tensor([1., 2.]), tl.tensor([1., 0.]))
    (tensor(9.), tensor([6., 0.]))
    """
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)
