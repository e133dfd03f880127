"""gradcheck / gradgradcheck: analytical Jacobians (autograd) against central differences.

Same names, options and defaults as PyTorch. A failure names the output and input, the worst
element and both Jacobian entries; float32 inputs warn because eps=1e-6 is below their precision.
"""
from __future__ import annotations

from .._warn import warn_user
from ..ops.creation import randn, zeros, zeros_like
from ..ops.movement import stack
from ..tensor import Tensor
from .api import grad as autograd_grad
from .grad_mode import enable_grad, no_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when the analytical and numerical gradients disagree.

    Example:
    >>> class Wrong(tl.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         return grad * 3
    >>> x = tl.tensor([1.], dtype=tl.float64, requires_grad=True)
    >>> try:
    ...     tl.autograd.gradcheck(Wrong.apply, (x,))
    ... except tl.autograd.GradcheckError:
    ...     print("caught")
    caught
    """


def _as_tuple(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def _unravel(flat_index, shape):
    index = []
    for size in reversed(shape):
        index.append(flat_index % size)
        flat_index //= size
    return tuple(reversed(index))


def _differentiable_outputs(func, inputs):
    outputs = _as_tuple(func(*inputs))
    return tuple(o for o in outputs if isinstance(o, Tensor) and o.is_floating_point())


def _numerical_jacobians(func, inputs, wrt, eps):
    """J[i][j]: list (over input i's elements) of flattened d(output j)/d(element), as floats."""
    with no_grad():
        base = _differentiable_outputs(func, inputs)
    columns = {i: [] for i in wrt}
    for i in wrt:
        x = inputs[i]
        alias = x.detach()
        for k in range(x.numel()):
            idx = _unravel(k, x._array.shape)
            original = alias[idx].item()
            with no_grad():
                alias[idx] = original + eps
                plus = [o.detach().clone() for o in _differentiable_outputs(func, inputs)]
                alias[idx] = original - eps
                minus = [o.detach().clone() for o in _differentiable_outputs(func, inputs)]
                alias[idx] = original
            columns[i].append([((p.double() - m.double()) / (2 * eps)).reshape(-1).tolist()
                               for p, m in zip(plus, minus)])
    return base, columns


def _analytical_jacobians(func, inputs, wrt, nondet_tol):
    """Same layout as the numerical one, by one backward per output element (twice, to check
    that backward is reentrant)."""
    outputs = _differentiable_outputs(func, inputs)
    diff_inputs = [inputs[i] for i in wrt]
    jac = {i: [[[0.0] * o.numel() for o in outputs] for _ in range(inputs[i].numel())] for i in wrt}
    for j, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        for m in range(out.numel()):
            one_hot = zeros_like(out, requires_grad=False)
            one_hot[_unravel(m, out._array.shape)] = 1.0
            first = autograd_grad(out, diff_inputs, one_hot, retain_graph=True, allow_unused=True)
            second = autograd_grad(out, diff_inputs, one_hot, retain_graph=True, allow_unused=True)
            for slot, i in enumerate(wrt):
                g1, g2 = first[slot], second[slot]
                if g1 is None:
                    continue
                v1 = g1.detach().double().reshape(-1).tolist()
                v2 = g2.detach().double().reshape(-1).tolist()
                worst = max((abs(a - b) for a, b in zip(v1, v2)), default=0.0)
                if worst > nondet_tol:
                    raise GradcheckError(
                        f"Backward is not reentrant, i.e., running backward with same input and "
                        f"grad_output multiple times gives different values, although analytical "
                        f"gradient matches numerical gradient. The tolerance for nondeterminism was "
                        f"{nondet_tol} (output {j}, input {i}, largest difference {worst:.3g}).")
                for k, value in enumerate(v1):
                    jac[i][k][j][m] = value
    return jac


def _compare(numerical, analytical, wrt, n_outputs, atol, rtol):
    """The first (output, input) pair that fails, with its worst element; None if all pass."""
    for j in range(n_outputs):
        for i in wrt:
            worst = None
            for k, (num_row, ana_row) in enumerate(zip(numerical[i], analytical[i])):
                for m, (n, a) in enumerate(zip(num_row[j], ana_row[j])):
                    excess = abs(a - n) - (atol + rtol * abs(n))
                    if excess > 0 and (worst is None or excess > worst[0]) or (a != a) != (n != n):
                        worst = (excess if excess == excess else float("inf"), k, m, n, a)
            if worst is not None:
                return j, i, worst
    return None


def _format_matrix(rows, j):
    return "\n".join("[" + ", ".join(f"{v:.6g}" for v in row[j]) + "]" for row in rows)


def _fail(message, raise_exception):
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central finite differences.

    Passes when ``|analytical - numerical| <= atol + rtol * |numerical|`` for every entry of every
    Jacobian. Use float64 inputs. Returns True, or raises GradcheckError (returns False with
    ``raise_exception=False``).

    Example:
    >>> x = tl.tensor([1., 2., 3.], dtype=tl.float64, requires_grad=True)
    >>> tl.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
    True
    """
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("tensorlite has reverse-mode autograd only: check_forward_ad and "
                                  "check_batched_forward_grad are not available")
    inputs = _as_tuple(inputs)
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none "
                         "of the them have requires_grad=True.")
    for i in wrt:
        if inputs[i].dtype.name != "float64":
            warn_user(f"Input #{i} requires gradient and is not a double precision floating point "
                      f"or complex. This check will likely fail if all the inputs are not of "
                      f"double precision floating point or complex.")
    if not check_backward_ad:
        return True
    if fast_mode:
        ok = _fast_check(func, inputs, wrt, eps, atol, rtol)
        if ok:
            return _extra_checks(func, inputs, wrt, check_undefined_grad, check_grad_dtypes,
                                 check_batched_grad, raise_exception)
        # fall through to the slow check for an informative report
    outputs, numerical = _numerical_jacobians(func, inputs, wrt, eps)
    analytical = _analytical_jacobians(func, inputs, wrt, nondet_tol)
    failure = _compare(numerical, analytical, wrt, len(outputs), atol, rtol)
    if failure is not None:
        j, i, (excess, k, m, n, a) = failure
        return _fail(
            f"Jacobian mismatch for output {j} with respect to input {i},\n"
            f"numerical:{_format_matrix(numerical[i], j)}\n"
            f"analytical:{_format_matrix(analytical[i], j)}\n\n"
            f"The worst element is input {i} element {k} (index "
            f"{_unravel(k, inputs[i]._array.shape)}) -> output {j} element {m}: numerical {n:.10g}, "
            f"analytical {a:.10g} (tolerance atol={atol} + rtol={rtol} * |numerical|)."
            + ("\nfast_mode found the mismatch; the slow check above reports it." if fast_mode else ""),
            raise_exception)
    if fast_mode:
        return _fail("gradcheck fast_mode found a mismatch in v^T J u that the slow per-element "
                     "check does not reproduce: the gradient is likely inaccurate near the tolerance.",
                     raise_exception)
    return _extra_checks(func, inputs, wrt, check_undefined_grad, check_grad_dtypes,
                         check_batched_grad, raise_exception)


def _fast_check(func, inputs, wrt, eps, atol, rtol):
    """Compare the scalar v^T J u for random u (inputs) and v (outputs)."""
    outputs = _differentiable_outputs(func, inputs)
    vs = [randn(o._array.shape, dtype=o.dtype, device=o.device) for o in outputs]
    us = {i: randn(inputs[i]._array.shape, dtype=inputs[i].dtype, device=inputs[i].device) for i in wrt}
    grads = autograd_grad([o for o in outputs if o.requires_grad],
                          [inputs[i] for i in wrt],
                          [v for o, v in zip(outputs, vs) if o.requires_grad],
                          allow_unused=True)
    analytical = sum(float((g.double() * us[i].double()).sum()) for g, i in zip(grads, wrt) if g is not None)
    with no_grad():
        aliases = {i: inputs[i].detach() for i in wrt}
        originals = {i: aliases[i].clone() for i in wrt}
        for i in wrt:
            aliases[i].copy_(originals[i] + eps * us[i])
        plus = [o.detach().clone() for o in _differentiable_outputs(func, inputs)]
        for i in wrt:
            aliases[i].copy_(originals[i] - eps * us[i])
        minus = [o.detach().clone() for o in _differentiable_outputs(func, inputs)]
        for i in wrt:
            aliases[i].copy_(originals[i])
    numerical = sum(float((((p.double() - m.double()) / (2 * eps)) * v.double()).sum())
                    for p, m, v in zip(plus, minus, vs))
    return abs(analytical - numerical) <= atol + rtol * abs(numerical)


def _extra_checks(func, inputs, wrt, check_undefined_grad, check_grad_dtypes, check_batched_grad,
                  raise_exception):
    outputs = [o for o in _differentiable_outputs(func, inputs) if o.requires_grad]
    if not outputs:
        return True
    diff_inputs = [inputs[i] for i in wrt]
    if check_grad_dtypes:
        grads = autograd_grad(outputs, diff_inputs, [o.detach() * 0 + 1 for o in outputs],
                              retain_graph=True, allow_unused=True)
        for g, i in zip(grads, wrt):
            if g is not None and (g.dtype is not inputs[i].dtype or g._array.shape != inputs[i]._array.shape):
                return _fail(f"Gradient has dtype mismatch or shape mismatch for input {i}: got "
                             f"{g.dtype.name}{list(g._array.shape)}, expected "
                             f"{inputs[i].dtype.name}{list(inputs[i]._array.shape)}", raise_exception)
    if check_undefined_grad:
        zero_grads = [o.detach() * 0 for o in outputs]
        grads = autograd_grad(outputs, diff_inputs, zero_grads, retain_graph=True, allow_unused=True)
        for g, i in zip(grads, wrt):
            if g is not None and bool((g != 0).any()):
                return _fail(f"Backward with zero (undefined) output gradients gave a non-zero "
                             f"gradient for input {i}", raise_exception)
    if check_batched_grad:
        batch = [[randn(o._array.shape, dtype=o.dtype) for o in outputs] for _ in range(2)]
        batched = autograd_grad(outputs, diff_inputs, [stack([b[j] for b in batch]) for j in range(len(outputs))],
                                retain_graph=True, allow_unused=True, is_grads_batched=True)
        for b, row in enumerate(batch):
            single = autograd_grad(outputs, diff_inputs, row, retain_graph=True, allow_unused=True)
            for g_batched, g_single, i in zip(batched, single, wrt):
                if (g_batched is None) != (g_single is None) or (
                        g_single is not None and bool(((g_batched[b] - g_single).abs() > 1e-10).any())):
                    return _fail(f"check_batched_grad: batched gradient for input {i} differs from "
                                 f"the per-sample gradient", raise_exception)
    return True


def _non_contiguous(g):
    """A copy of g laid out with gaps (every other element of a wider buffer)."""
    if g.ndim == 0:
        return g
    wide = zeros(*g.shape, 2, dtype=g.dtype, device=g.device)
    wide[..., 0] = g.detach()
    return wide[..., 0].requires_grad_()


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Check second derivatives: gradcheck of the function (inputs, v) -> vJP(func at inputs, v).

    grad_outputs (v) are random float64 tensors when not given.

    Example:
    >>> x = tl.tensor([0.5, 2.], dtype=tl.float64, requires_grad=True)
    >>> tl.autograd.gradgradcheck(lambda t: t.sin() * t, (x,))
    True
    """
    if check_fwd_over_rev:
        raise NotImplementedError("tensorlite has reverse-mode autograd only: check_fwd_over_rev "
                                  "is not available")
    if not check_rev_over_rev:
        return True
    inputs = _as_tuple(inputs)
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    with no_grad():
        outputs = _differentiable_outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn(o._array.shape, dtype=o.dtype, device=o.device).requires_grad_()
                             for o in outputs)
        if gen_non_contig_grad_outputs:
            grad_outputs = tuple(_non_contiguous(g) for g in grad_outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n_inputs = len(inputs)

    def first_derivative(*args):
        real_inputs, vs = args[:n_inputs], args[n_inputs:]
        with enable_grad():  # the numerical Jacobian evaluates this under no_grad
            all_outs = _differentiable_outputs(func, real_inputs)
            pairs = [(o, v) for o, v in zip(all_outs, vs) if o.requires_grad]
            return autograd_grad([o for o, _ in pairs], [real_inputs[i] for i in wrt],
                                 [v for _, v in pairs], create_graph=True, materialize_grads=True)

    return gradcheck(first_derivative, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode)
