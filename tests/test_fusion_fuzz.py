"""Fuzzer of the fusion pass (tensorlite/backends/fusion.py, kernels/fused.cl): random DAGs of
elementwise ops over inputs of mixed dtypes and broadcast shapes, some non-contiguous (unary
and binary ops of every family, comparisons, logical ops, where, casts, Python-number operands,
several outputs) are
recorded, fused and replayed: the fused replay equals the unfused calls bit for bit (on OpenCL:
the interpreter and the unrolled templates), and on OpenCL the values equal NumPy's within
float32 tolerance wherever no float was turned into a bool or an integer on the way."""
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
from test_fusion import _fused_vs_unfused

FLOAT_UNARY = ["abs", "neg", "exp", "tanh", "sigmoid", "relu", "sin", "cos", "floor", "ceil",
               "round", "trunc", "sign", "atan", "erf", "expm1", "log1p", "sqrt", "log", "asinh"]
POSITIVE_ONLY = {"log1p": 1.0, "sqrt": 0.0, "log": 0.0}  # taken of abs(x) + shift
FLOAT_BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "atan2", "hypot", "copysign",
                "fmod", "remainder", "xlogy"]
INT_BINARY = ["add", "sub", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"]
COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"]
LOGICAL = ["logical_and", "logical_or", "logical_xor"]
FLOATS, INTS = (tl.float32, tl.float64), (tl.int32, tl.int64)


class _Value:
    """A tensor of the DAG and whether a float was rounded into a bool or integer on its way
    (then NumPy and OpenCL may differ by one ulp at a threshold: compared to NumPy only when not)."""

    def __init__(self, tensor, discrete):
        self.tensor, self.discrete = tensor, discrete


def _kind(t) -> str:
    return "bool" if t.dtype is tl.bool else "float" if t.dtype.is_floating_point else "int"


def _step(r: random.Random, values: list) -> _Value:
    a = r.choice(values)
    b = r.choice(values)
    x, y, kind = a.tensor, b.tensor, _kind(a.tensor)
    tainted = a.discrete or b.discrete
    choice = r.random()
    if kind == "bool":
        if choice < 0.4 and _kind(y) == "bool":
            return _Value(getattr(tl, r.choice(LOGICAL))(x, y), tainted)
        if choice < 0.5:
            return _Value(tl.logical_not(x), a.discrete)
        other = r.choice([v for v in values if _kind(v.tensor) != "bool"] or [b])
        return _Value(tl.where(x, other.tensor, r.choice([0.5, -1, 2])), tainted or other.discrete)
    if choice < 0.1:
        to = r.choice([tl.float32, tl.float64, tl.int32, tl.int64, tl.bool])
        return _Value(x.to(to), a.discrete or (kind == "float" and not to.is_floating_point))
    if choice < 0.25:
        return _Value(getattr(tl, r.choice(COMPARISONS))(x, y if r.random() < 0.7 else 0.25),
                      tainted or "float" in (kind, _kind(y)))
    if choice < 0.35:
        number = r.choice([2, -3, 0.5, 1.5]) if kind == "float" else r.choice([2, -3, 1])
        return _Value(getattr(tl, r.choice(["add", "mul", "sub", "maximum"]))(x, number)
                      if r.random() < 0.5 else x * number, a.discrete)
    if choice < 0.45:
        condition = getattr(tl, r.choice(COMPARISONS))(x, 0)
        return _Value(tl.where(condition, x, y), True if kind == "float" else tainted)
    if kind == "int":
        if _kind(y) == "int" and choice < 0.8:
            return _Value(getattr(tl, r.choice(INT_BINARY))(x, y), tainted)
        return _Value(tl.neg(x) if choice < 0.9 else tl.abs(x), a.discrete)
    if choice < 0.7:
        op = r.choice(FLOAT_UNARY)
        if op in POSITIVE_ONLY:
            x = tl.abs(x) + (POSITIVE_ONLY[op] + 0.5)
        discrete = a.discrete or op in ("floor", "ceil", "round", "trunc", "sign")
        return _Value(getattr(tl, op)(x), discrete)
    op = r.choice(FLOAT_BINARY)
    if _kind(y) == "bool":
        y = y.to(x.dtype)
    if op in ("div", "fmod", "remainder"):
        y = tl.abs(y) + 0.5  # no division by zero (integers would raise or differ)
    if op == "xlogy":
        y = tl.abs(y) + 0.5
    # fmod/remainder are discontinuous in x / y: one ulp apart NumPy and OpenCL may differ by y
    return _Value(getattr(tl, op)(x, y), tainted or op in ("fmod", "remainder"))


def _inputs(r: random.Random, device):
    rows, cols = r.choice([(r.randint(1, 4), r.randint(1, 5)), (r.randint(5, 40), r.randint(30, 70))])
    shapes = [(rows, cols)] + [r.choice([(rows, cols), (cols,), (rows, 1), (), (1, cols)])
                               for _ in range(r.randint(1, 3))]
    rng = np.random.default_rng(r.randrange(2 ** 32))
    tensors = []
    for shape in shapes:
        dtype = r.choice(["float32", "float32", "float32", "float64", "int32", "int64", "bool"])
        if dtype == "bool":
            host = rng.random(shape) < 0.5
        elif dtype.startswith("int"):
            host = rng.integers(-5, 6, shape).astype(dtype)
        else:
            host = (rng.standard_normal(shape) * 2).astype(dtype)
        t = tl.tensor(host, device=device)
        if len(shape) == 2 and r.random() < 0.3:  # a non-contiguous view of the same values
            t = tl.tensor(np.ascontiguousarray(host.T), device=device).t() if r.random() < 0.5 else \
                tl.tensor(np.repeat(host, 2, axis=1), device=device)[:, ::2]
        tensors.append(t)
    return tensors


def _dag(seed: int):
    """(the input tensors' hosts, a function of the inputs giving the outputs, their discreteness)."""
    r = random.Random(seed)
    n_steps, n_kept = r.randint(2, 10), r.randint(0, 2)

    def fn(*inputs):
        steps, picks = random.Random(seed + 2), random.Random(seed + 1)
        values = [_Value(t, False) for t in inputs]
        for _ in range(n_steps):
            values.append(_step(steps, values))
        made = values[len(inputs):]
        kept = [made[-1]] + [picks.choice(made) for _ in range(n_kept)]
        fn.discrete = [v.discrete for v in kept]
        return tuple(v.tensor for v in kept)
    return fn, r


def _check(seed, device, templates):
    fn, r = _dag(seed)
    inputs = _inputs(r, device)
    backend = inputs[0].device.backend
    previous = getattr(backend, "fused_templates", None)
    if previous is not None:
        backend.fused_templates = templates
    try:
        with tl.no_grad():
            _fused_vs_unfused(fn, *inputs)
            got = fn(*inputs)
    finally:
        if previous is not None:
            backend.fused_templates = previous
    if inputs[0].device.type == "cpu":
        return
    with tl.no_grad():
        want = fn(*[t.cpu() for t in inputs])
    for g, w, discrete in zip(got, want, fn.discrete):
        g, w = g.cpu().numpy(), w.numpy()
        assert g.dtype == w.dtype and g.shape == w.shape
        if not discrete:
            scale = max(1.0, float(np.nanmax(np.abs(np.where(np.isinf(w), 0, w)), initial=0)))
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6 * scale, equal_nan=True,
                                       err_msg=f"seed {seed}")


_DEVICE = tl.get_default_device()
# OpenCL: each example builds its template kernel (a compiler run)
_EXAMPLES = settings.default.max_examples * 3 if _DEVICE.type == "cpu" else \
    max(3, settings.default.max_examples // 3)


@settings(max_examples=_EXAMPLES)
@given(st.integers(0, 2 ** 31 - 1), st.booleans())
def test_random_elementwise_dags_fuse_exactly(seed, templates):
    _check(seed, _DEVICE, templates)


if __name__ == "__main__":  # python tests/test_fusion_fuzz.py FIRST LAST [DEVICE]
    import sys
    for s in range(int(sys.argv[1]), int(sys.argv[2])):
        for t in (False, True):
            try:
                _check(s, tl.device(sys.argv[3] if len(sys.argv) > 3 else "cpu"), t)
            except Exception as error:  # noqa: BLE001  (a fuzzing loop reports every seed)
                print("SEED", s, t, type(error).__name__, str(error)[:300])
