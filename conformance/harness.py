"""The differential harness: run one call in PyTorch and in tensorlite from the same NumPy
inputs and compare what came out.

A test describes its inputs as a structure (lists, tuples, dicts, Python scalars) holding
``Arr`` leaves (a NumPy array, optionally requiring grad) and a function ``fn(lib, *args)``
where ``lib`` is the ``torch`` or the ``tensorlite`` module. ``check(fn, *args)`` then asserts:
- both raise, or both succeed (tensorlite's error must not be an internal one, e.g. an
  AttributeError from its own code, unless PyTorch raised that type too);
- every output has the same shape, dtype and values (floats within a dtype tolerance, NaN
  where PyTorch has NaN), non-tensor outputs are equal;
- with ``grad=True``: the gradients of ``sum(out * upstream)`` with respect to every ``Arr``
  that requires grad agree (None counts as zeros), and with ``grad2=True`` the gradients of
  ``sum(grad * v)`` (second derivatives) agree too.
"""
from __future__ import annotations

import numpy as np
import torch

import tensorlite as tl

# Errors that only ever come from a bug in tensorlite's own code when PyTorch raised another type.
INTERNAL_ERRORS = (AttributeError, KeyError, NameError, UnboundLocalError, AssertionError,
                   ZeroDivisionError, RecursionError, np.exceptions.AxisError if hasattr(np, "exceptions")
                   else IndexError, FloatingPointError)

TOLERANCE = {"float16": (1e-2, 1e-3), "float32": (2e-4, 2e-5), "float64": (1e-6, 1e-9)}
GRAD_TOLERANCE = {"float64": (1e-5, 1e-8), "float32": (1e-3, 1e-4), "float16": (1e-2, 1e-2)}


class Arr:
    """One input tensor: ``array`` (copied for each library) and whether it requires grad."""

    def __init__(self, array, requires_grad: bool = False):
        self.array = np.asarray(array)
        self.requires_grad = requires_grad and self.array.dtype.kind == "f"

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({self.array.tolist()!r}, dtype={self.array.dtype}{grad})"


def _build(obj, lib, device, leaves):
    if isinstance(obj, Arr):
        array = np.array(obj.array, copy=True)
        if lib is torch:
            t = torch.from_numpy(array) if array.ndim else torch.tensor(array)
            t = t.clone()
        else:
            t = tl.tensor(array, device=device)
        if obj.requires_grad:
            t.requires_grad_(True)
            leaves.append(t)
        return t
    if isinstance(obj, list):
        return [_build(o, lib, device, leaves) for o in obj]
    if isinstance(obj, tuple):
        return tuple(_build(o, lib, device, leaves) for o in obj)
    if isinstance(obj, dict):
        return {k: _build(v, lib, device, leaves) for k, v in obj.items()}
    return obj


def _is_tensor(x):
    return isinstance(x, (torch.Tensor, tl.Tensor))


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


def _host(t):
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy(force=True)  # force: PyTorch's ZeroTensor grads of empty inputs
    return t.detach().cpu().numpy() if t.device.type != "cpu" else t.detach().numpy()


def _flatten(out, path="out"):
    """(path, value) pairs of an output structure (tensors, tuples, lists, scalars)."""
    if isinstance(out, (torch.Size, tl.Size)):
        return [(path, tuple(out))]
    if isinstance(out, (torch.dtype, tl.dtype)):
        return [(path, str(out).split(".")[-1])]
    if isinstance(out, (tuple, list)):
        pairs = [(f"{path}.len", len(out))]
        for i, o in enumerate(out):
            pairs += _flatten(o, f"{path}[{i}]")
        return pairs
    if isinstance(out, dict):
        pairs = [(f"{path}.keys", sorted(out))]
        for k in sorted(out):
            pairs += _flatten(out[k], f"{path}[{k!r}]")
        return pairs
    return [(path, out)]


def assert_values_close(expected, actual, what, rtol=None, atol=None):
    """Exact for integers and bools; within the dtype tolerance for floats (NaN matches NaN,
    infinities must be equal)."""
    expected, actual = np.asarray(expected), np.asarray(actual)
    assert expected.shape == actual.shape, f"{what}: shape {actual.shape}, torch {expected.shape}"
    if expected.dtype.kind in "biu" and actual.dtype.kind in "biu":
        assert np.array_equal(expected, actual), f"{what}: tensorlite {actual!r}\n torch {expected!r}"
        return
    default_rtol, default_atol = TOLERANCE.get(str(expected.dtype), TOLERANCE["float32"])
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    e, a = expected.astype(np.float64), actual.astype(np.float64)
    ok = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True) | (np.isinf(e) & (a == e))
    assert ok.all(), (f"{what}: values differ at {np.argwhere(~ok)[:5].tolist()}\n tensorlite {a!r}\n"
                      f" torch      {e!r}")


def compare_outputs(expected, actual, rtol=None, atol=None, check_dtype=True):
    """Compare two output structures (torch's, tensorlite's) leaf by leaf."""
    exp_pairs, act_pairs = _flatten(expected), _flatten(actual)
    assert [p for p, _ in exp_pairs] == [p for p, _ in act_pairs], (
        f"output structure: tensorlite {actual!r}, torch {expected!r}")
    for (path, e), (_, a) in zip(exp_pairs, act_pairs):
        if _is_tensor(e):
            assert _is_tensor(a), f"{path}: tensorlite gave {type(a).__name__} {a!r}, torch a tensor"
            assert tuple(a.shape) == tuple(e.shape), f"{path}: shape {tuple(a.shape)}, torch {tuple(e.shape)}"
            if check_dtype:
                assert _dtype_name(a) == _dtype_name(e), f"{path}: dtype {_dtype_name(a)}, torch {_dtype_name(e)}"
            assert_values_close(_host(e), _host(a), path, rtol, atol)
        elif isinstance(e, float) and not isinstance(a, (tuple, list)):
            assert_values_close(np.float64(e), np.float64(a), path, rtol, atol)
        else:
            if _is_tensor(a):
                raise AssertionError(f"{path}: tensorlite gave a tensor {a!r}, torch {e!r}")
            assert e == a or (e != e and a != a), f"{path}: tensorlite {a!r}, torch {e!r}"


def _run(fn, lib, args, kwargs, device):
    leaves = []
    built = _build(args, lib, device, leaves)
    built_kwargs = _build(kwargs, lib, device, leaves)
    try:
        out = fn(lib, *built, **built_kwargs)
        if lib is tl:  # a device reports value checks (index ranges...) at its next sync
            tl.synchronize(device)
        return out, None, leaves
    except Exception as error:  # noqa: BLE001 - the comparison is the point
        return None, error, leaves


def assert_same_failure(torch_error, tl_error, tl_out, context, exact_error=False):
    """PyTorch raised: tensorlite must raise too, and not with an internal error (``exact_error``:
    an instance of PyTorch's exception type)."""
    if exact_error and not isinstance(tl_error, type(torch_error)):
        raise AssertionError(f"{context}: torch raised {type(torch_error).__name__}: {torch_error}\n"
                             f" tensorlite {type(tl_error).__name__}: {tl_error}")
    if tl_error is None:
        raise AssertionError(f"{context}: torch raised {type(torch_error).__name__}: {torch_error}\n"
                             f" but tensorlite returned {tl_out!r}")
    if isinstance(tl_error, INTERNAL_ERRORS) and not isinstance(torch_error, type(tl_error)):
        raise AssertionError(f"{context}: internal error in tensorlite "
                             f"({type(tl_error).__name__}: {tl_error}); torch raised "
                             f"{type(torch_error).__name__}: {torch_error}") from tl_error


def _float_outputs(out):
    return [v for _, v in _flatten(out) if _is_tensor(v) and v.dtype.is_floating_point and v.requires_grad]


def _upstream(shape, seed, lib, like):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.5, 1.5, size=tuple(shape))
    if lib is torch:
        return torch.tensor(values, dtype=like.dtype)
    return tl.tensor(values, dtype=like.dtype, device=like.device)


def _grads(lib, outs, leaves, create_graph, seed=0):
    if not outs or not leaves:
        return None, None
    total = None
    for i, o in enumerate(outs):
        term = (o * _upstream(o.shape, seed + i, lib, o)).sum()
        total = term if total is None else total + term
    try:
        grads = lib.autograd.grad(total, leaves, allow_unused=True, create_graph=create_graph)
        return list(grads), None
    except Exception as error:  # noqa: BLE001
        return None, error


def _zeros_for_none(grads, leaves, lib):
    return [g if g is not None else lib.zeros_like(leaf.detach()) for g, leaf in zip(grads, leaves)]


def _second(lib, grads, leaves, differentiable, seed=7):
    """Gradients of sum(grad_i * v_i) over the first-order grads that PyTorch could differentiate
    (``differentiable``: their indices), so both libraries sum the same terms."""
    pairs = [(i, g) for i, g in enumerate(grads) if i in differentiable and g is not None and g.requires_grad]
    if not pairs:
        return [None] * len(leaves), None
    total = None
    for i, g in pairs:
        term = (g * _upstream(g.shape, seed + i, lib, g)).sum()
        total = term if total is None else total + term
    try:
        return list(lib.autograd.grad(total, leaves, allow_unused=True)), None
    except Exception as error:  # noqa: BLE001
        return None, error


def check(fn, *args, kwargs=None, device="cpu", grad=True, grad2=False, rtol=None, atol=None,
          check_dtype=True, grad_rtol=None, grad_atol=None, exact_error=False):
    """Run ``fn(torch, *args)`` and ``fn(tensorlite, *args)`` and assert they agree (see the module
    docstring). Returns PyTorch's output (None when it raised)."""
    kwargs = kwargs or {}
    context = f"args={args!r} kwargs={kwargs!r}"
    t_out, t_err, t_leaves = _run(fn, torch, args, kwargs, device)
    l_out, l_err, l_leaves = _run(fn, tl, args, kwargs, device)
    if t_err is not None:
        assert_same_failure(t_err, l_err, l_out, context, exact_error)
        return None
    if l_err is not None:
        raise AssertionError(f"{context}: torch returned {t_out!r}\n but tensorlite raised "
                             f"{type(l_err).__name__}: {l_err}") from l_err
    compare_outputs(t_out, l_out, rtol, atol, check_dtype)
    if grad:
        _check_grads(t_out, l_out, t_leaves, l_leaves, grad2, context, grad_rtol, grad_atol)
    return t_out


def _scale(array):
    finite = np.abs(array[np.isfinite(array)]) if array.size else array
    return max(1.0, float(finite.max())) if finite.size else 1.0


def _check_grads(t_out, l_out, t_leaves, l_leaves, grad2, context, rtol, atol):
    t_outs, l_outs = _float_outputs(t_out), _float_outputs(l_out)
    assert len(t_outs) == len(l_outs), (f"{context}: {len(l_outs)} outputs require grad in tensorlite, "
                                       f"{len(t_outs)} in torch")
    t_grads, t_err = _grads(torch, t_outs, t_leaves, grad2)
    l_grads, l_err = _grads(tl, l_outs, l_leaves, grad2)
    if t_err is not None:  # PyTorch's own backward failed (e.g. broadcast to an empty shape)
        return
    if l_err is not None:
        raise AssertionError(f"backward of {context}: tensorlite raised {type(l_err).__name__}: "
                             f"{l_err}") from l_err
    if t_grads is None:
        return
    for i, (e, a) in enumerate(zip(_zeros_for_none(t_grads, t_leaves, torch),
                                   _zeros_for_none(l_grads, l_leaves, tl))):
        default = GRAD_TOLERANCE.get(_dtype_name(e), GRAD_TOLERANCE["float32"])
        rtol, atol = (default[0] if rtol is None else rtol), (default[1] if atol is None else atol)
        atol = atol * _scale(_host(e))  # sums of rounded terms cancel to within atol of the largest
        assert tuple(a.shape) == tuple(e.shape), f"grad {i}: shape {tuple(a.shape)}, torch {tuple(e.shape)}"
        assert_values_close(_host(e), _host(a), f"grad {i} of {context}", rtol, atol)
    if grad2:
        differentiable = {i for i, g in enumerate(t_grads) if g is not None and g.requires_grad}
        t2, t2_err = _second(torch, t_grads, t_leaves, differentiable)
        l2, l2_err = _second(tl, l_grads, l_leaves, differentiable)
        if t2_err is not None:  # e.g. "derivative for aten::hardsigmoid_backward is not implemented"
            return
        if l2_err is not None:
            raise AssertionError(f"double backward of {context}: tensorlite raised "
                                 f"{type(l2_err).__name__}: {l2_err}") from l2_err
        for i, (e, a) in enumerate(zip(_zeros_for_none(t2, t_leaves, torch),
                                       _zeros_for_none(l2, l_leaves, tl))):
            assert_values_close(_host(e), _host(a), f"second derivative {i} of {context}", rtol, atol)
