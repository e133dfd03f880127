"""The op-spec table: one row (a tensorlite.testing.OpSpec) per differentiable op drives its
forward test (against NumPy), its gradient test and its double-gradient test
(tests/test_ops_generated.py). Kinks and ties are avoided here; PyTorch's conventions there are
pinned by deterministic tests instead. Adding an op means adding a row (an op-table row in
ops/elementwise.py may carry its spec data instead, a tensorlite.ops._table.Spec: see the end).
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

import tensorlite as tl
from tensorlite.ops import elementwise, reduce
from tensorlite.ops._table import Spec
from tensorlite.testing.opspec import OpSpec
from tensorlite.testing.strategies import broadcastable_shapes, shapes, valid_dims


def one(min_dims=0, max_dims=3, min_side=1, max_side=4):
    return st.tuples(shapes(min_dims, max_dims, min_side, max_side))


def two_broadcast(min_dims=0):
    return broadcastable_shapes(2, min_dims=min_dims)


GRID = st.integers(-300, 300).map(lambda i: i / 100.0)  # distinct values are >= 0.01 apart


def near(values, points, gap):
    """Whether any value is within ``gap`` of any of ``points``."""
    values = np.asarray(values, dtype=np.float64)
    return any(bool(np.any(np.abs(values - p) < gap)) for p in points)


def near_integer(x, gap=1e-2, offset=0.0):
    frac = np.abs(((np.asarray(x) - offset) + 0.5) % 1.0 - 0.5)
    return bool(np.any(frac < gap))


def has_ties(x, gap=1e-3):
    flat = np.sort(np.asarray(x).ravel())
    return bool(np.any(np.diff(flat) < gap))


def dims_kwargs(keepdim=True, allow_none=True, allow_tuple=True):
    def strategy(shape_tuple):
        ndim = len(shape_tuple[0])
        base = {"dim": valid_dims(ndim, allow_none=allow_none, allow_tuple=allow_tuple,
                                  allow_empty=allow_none)}
        if keepdim:
            base["keepdim"] = st.booleans()
        return st.fixed_dictionaries(base)
    return strategy


def one_dim_kwargs(keepdim=True):
    def strategy(shape_tuple):
        ndim = len(shape_tuple[0])
        base = {"dim": st.integers(-ndim, ndim - 1) if ndim else st.sampled_from([0, -1])}
        if keepdim:
            base["keepdim"] = st.booleans()
        return st.fixed_dictionaries(base)
    return strategy


def erfinv_reference(x: float) -> float:
    """erfinv in float64, independent of tensorlite's: bisection then Newton steps on math.erf
    (|x| < 0.5) or on math.erfc against 1 - |x| (exact there: no cancellation in the tails)."""
    if math.isnan(x) or abs(x) > 1:
        return math.nan
    a = abs(x)
    if a == 1:
        return math.copysign(math.inf, x)
    if a < 1e-8:  # erfinv(a) = sqrt(pi)/2 (a + pi a^3 / 12 + ...): the next term is below 1e-33 a
        return math.copysign(math.sqrt(math.pi) / 2 * a * (1 + math.pi * a * a / 12), x)
    residual = (lambda y: math.erf(y) - a) if a < 0.5 else (lambda y: (1.0 - a) - math.erfc(y))
    low, high = 0.0, 6.0  # erfinv(1 - 2**-53) = 5.86
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if residual(middle) < 0 else (low, middle)
    y = (low + high) / 2
    for _ in range(3):
        y -= residual(y) / (2 / math.sqrt(math.pi) * math.exp(-y * y))
    return math.copysign(y, x)

def np_axes(dim, ndim):
    if dim is None or (not isinstance(dim, int) and len(dim) == 0):  # PyTorch: () is every dim
        return None
    if isinstance(dim, int):
        return dim % ndim if ndim else None
    return tuple(d % ndim for d in dim) if ndim else None


def np_reduce(fn):
    def ref(x, dim=None, keepdim=False):
        return fn(x, axis=np_axes(dim, x.ndim), keepdims=keepdim)
    return ref


def np_var(x, dim=None, keepdim=False, correction=1):
    return np.var(x, axis=np_axes(dim, x.ndim), keepdims=keepdim, ddof=correction)


def reduced_count(shape, dim):
    axes = np_axes(dim, len(shape))
    if axes is None:
        return int(np.prod(shape)) if shape else 1
    axes = (axes,) if isinstance(axes, int) else axes
    return int(np.prod([shape[a] for a in axes])) if axes else 1


def np_logsumexp(x, dim=None, keepdim=False):
    axes = np_axes(dim, x.ndim)
    m = np.max(x, axis=axes, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=axes) if axes is not None or x.ndim else out.reshape(())


def np_norm(x, p=2, dim=None, keepdim=False):
    axes = np_axes(dim, x.ndim)
    a = np.abs(x)
    if p == float("inf"):
        return np.max(a, axis=axes, keepdims=keepdim)
    return np.sum(a ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)


def matmul_shapes():
    """Shape pairs valid for matmul: 1-D and 2-D cases and broadcast batches."""
    n, k, m = (st.integers(1, 4) for _ in range(3))

    @st.composite
    def pairs(draw):
        nn, kk, mm = draw(n), draw(k), draw(m)
        kind = draw(st.sampled_from(["vv", "vm", "mv", "mm", "batched"]))
        if kind == "vv":
            return (kk,), (kk,)
        if kind == "vm":
            return (kk,), (kk, mm)
        if kind == "mv":
            return (nn, kk), (kk,)
        if kind == "mm":
            return (nn, kk), (kk, mm)
        batch = draw(broadcastable_shapes(2, min_dims=1, max_dims=2, max_side=3))
        return batch[0] + (nn, kk), batch[1] + (kk, mm)
    return pairs()


def cat_shapes():
    @st.composite
    def make(draw):
        base = list(draw(shapes(1, 3)))
        dim = draw(st.integers(0, len(base) - 1))
        sizes = draw(st.lists(st.integers(0, 3), min_size=2, max_size=3).filter(lambda s: sum(s) > 0))
        return tuple(tuple(base[:dim] + [s] + base[dim + 1:]) for s in sizes)
    return make()


def cat_dim(shape_tuple):
    """The dim along which the drawn shapes differ (0 when they are all equal)."""
    first = shape_tuple[0]
    return next((d for d in range(len(first)) if any(s[d] != first[d] for s in shape_tuple)), 0)


def gather_index(shape, dim, rng_seed):
    rng = np.random.default_rng(rng_seed)
    return rng.integers(0, shape[dim], size=shape)


def np_pad(x, pad, value=0.0):
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return np.pad(x, widths, constant_values=value)


def square_matrices(rhs=False):
    """(n, n) or (2, n, n) matrices, with a (..., n, k) right-hand side when ``rhs``."""
    def shapes_for(n, batch, k):
        matrix = batch + (n, n)
        return (matrix, batch + (n, k)) if rhs else (matrix,)
    return st.builds(shapes_for, st.integers(1, 3), st.sampled_from([(), (2,)]), st.integers(1, 2))


def einsum_cases():
    cases = [("ij,jk->ik", ((2, 3), (3, 4))), ("bij,bjk->bik", ((2, 2, 3), (2, 3, 2))),
             ("i,i->", ((4,), (4,))), ("ij->ji", ((2, 3),)), ("ii->i", ((3, 3),)),
             ("ij,j->i", ((3, 4), (4,))), ("...ij,...jk->...ik", ((2, 2, 3), (3, 2))),
             ("bhqd,bhkd->bhqk", ((1, 2, 3, 4), (1, 2, 2, 4))), ("ijk->", ((2, 3, 2),))]
    return st.sampled_from(cases)


SPECS = [
    # -- unary elementwise ------------------------------------------------------------------
    OpSpec("neg", lambda x: -x, np.negative, one()),
    OpSpec("exp", tl.exp, np.exp, one()),
    OpSpec("log", tl.log, np.log, one(), low=0.1),
    OpSpec("log1p", tl.log1p, np.log1p, one(), low=-0.9),
    OpSpec("expm1", tl.expm1, np.expm1, one()),
    OpSpec("log2", tl.log2, np.log2, one(), low=0.1),
    OpSpec("log10", tl.log10, np.log10, one(), low=0.1),
    OpSpec("sqrt", tl.sqrt, np.sqrt, one(), low=0.1),
    OpSpec("rsqrt", tl.rsqrt, lambda x: 1 / np.sqrt(x), one(), low=0.1),
    OpSpec("reciprocal", tl.reciprocal, np.reciprocal, one(), avoid=lambda a, k: near(a[0], [0], 0.2)),
    OpSpec("abs", tl.abs, np.abs, one(), avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("sign", tl.sign, np.sign, one(), avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("sin", tl.sin, np.sin, one()),
    OpSpec("cos", tl.cos, np.cos, one()),
    OpSpec("tanh", tl.tanh, np.tanh, one()),
    OpSpec("erf", tl.erf, np.vectorize(math.erf, otypes=[float]), one()),
    OpSpec("erfc", tl.erfc, np.vectorize(math.erfc, otypes=[float]), one()),
    OpSpec("erfinv", tl.erfinv, np.vectorize(erfinv_reference, otypes=[float]), one(), low=-0.9, high=0.9),
    OpSpec("sigmoid", tl.sigmoid, lambda x: 1 / (1 + np.exp(-x)), one(), low=-8, high=8),
    OpSpec("relu", tl.relu, lambda x: np.maximum(x, 0), one(), avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("floor", tl.floor, np.floor, one(), avoid=lambda a, k: near_integer(a[0])),
    OpSpec("ceil", tl.ceil, np.ceil, one(), avoid=lambda a, k: near_integer(a[0])),
    OpSpec("round", tl.round, np.round, one(), avoid=lambda a, k: near_integer(a[0], offset=0.5)),
    OpSpec("trunc", tl.trunc, np.trunc, one(), avoid=lambda a, k: near_integer(a[0])),
    OpSpec("square", tl.square, np.square, one()),
    OpSpec("clamp", lambda x, lo, hi: tl.clamp(x, lo, hi), lambda x, lo, hi: np.clip(x, lo, hi),
           one(), kwargs=lambda s: st.fixed_dictionaries({"lo": st.sampled_from([-1.0, None]),
                                                           "hi": st.sampled_from([1.5, None])}).filter(
               lambda k: k["lo"] is not None or k["hi"] is not None),
           avoid=lambda a, k: near(a[0], [-1.0, 1.5], 1e-2)),
    OpSpec("pow_scalar", lambda x, e: x ** e, lambda x, e: x ** e, one(), low=0.2,
           kwargs=lambda s: st.fixed_dictionaries({"e": st.sampled_from([2, 3, 0.5, -1.0, 1.7, 0])})),
    OpSpec("rpow", lambda x: 2.0 ** x, lambda x: 2.0 ** x, one()),
    # -- binary elementwise with broadcasting ---------------------------------------------
    OpSpec("add", lambda a, b: a + b, np.add, two_broadcast()),
    OpSpec("add_alpha", lambda a, b: tl.add(a, b, alpha=-2.5), lambda a, b: a - 2.5 * b, two_broadcast()),
    OpSpec("sub", lambda a, b: a - b, np.subtract, two_broadcast()),
    OpSpec("mul", lambda a, b: a * b, np.multiply, two_broadcast()),
    OpSpec("div", lambda a, b: a / b, np.divide, two_broadcast(), avoid=lambda a, k: near(a[1], [0], 0.3)),
    OpSpec("pow", lambda a, b: a ** b, np.power, two_broadcast(), low=0.3, high=2.0),
    OpSpec("maximum", tl.maximum, np.maximum, two_broadcast(),
           avoid=lambda a, k: near(np.subtract(a[0], a[1]), [0], 1e-2)),
    OpSpec("minimum", tl.minimum, np.minimum, two_broadcast(),
           avoid=lambda a, k: near(np.subtract(a[0], a[1]), [0], 1e-2)),
    OpSpec("remainder", lambda a, b: a % b, np.mod, two_broadcast(), low=0.5, high=3.0,
           avoid=lambda a, k: near_integer(np.divide(a[0], a[1]), gap=2e-2)),
    OpSpec("xlogy", tl.xlogy, lambda a, b: a * np.log(b), two_broadcast(), low=0.1),
    OpSpec("logaddexp", tl.logaddexp, np.logaddexp, two_broadcast()),
    OpSpec("logaddexp2", tl.logaddexp2, np.logaddexp2, two_broadcast()),
    OpSpec("fmod", tl.fmod, np.fmod, two_broadcast(),
           avoid=lambda a, k: near(a[1], [0], 0.3) or near_integer(np.divide(a[0], a[1]), gap=2e-2)),
    OpSpec("floor_divide", lambda a, b: a // b, np.floor_divide, two_broadcast(), low=0.5, high=3.0,
           avoid=lambda a, k: near_integer(np.divide(a[0], a[1]), gap=2e-2)),
    OpSpec("where", lambda a, b: tl.where(a > b, a, b * 2), lambda a, b: np.where(a > b, a, b * 2),
           two_broadcast(), avoid=lambda a, k: near(np.subtract(a[0], a[1]), [0], 1e-2)),
    OpSpec("lerp", lambda a, b: tl.lerp(a, b, 0.3), lambda a, b: a + 0.3 * (b - a), two_broadcast()),
    # -- reductions ---------------------------------------------------------------------
    OpSpec("sum", lambda x, **k: x.sum(**k), np_reduce(np.sum), one(), kwargs=dims_kwargs()),
    OpSpec("mean", lambda x, **k: x.mean(**k), np_reduce(np.mean), one(), kwargs=dims_kwargs()),
    OpSpec("prod", lambda x, **k: x.prod(**k), np_reduce(np.prod), one(max_side=3), low=0.5, high=1.5,
           kwargs=one_dim_kwargs()),
    OpSpec("prod_all", lambda x: x.prod(), np.prod, one(max_side=3), low=-1.5, high=1.5,
           avoid=lambda a, k: near(a[0], [0], 0.1)),
    OpSpec("amax", lambda x, **k: x.amax(**k) if k["dim"] is not None else x.amax(keepdim=k["keepdim"]),
           np_reduce(np.max), one(), kwargs=dims_kwargs(), unique=True, avoid=lambda a, k: has_ties(a[0])),
    OpSpec("amin", lambda x, **k: x.amin(**k) if k["dim"] is not None else x.amin(keepdim=k["keepdim"]),
           np_reduce(np.min), one(), kwargs=dims_kwargs(), unique=True, avoid=lambda a, k: has_ties(a[0])),
    OpSpec("max_all", lambda x: x.max(), np.max, one(), unique=True, avoid=lambda a, k: has_ties(a[0])),
    OpSpec("max_dim", lambda x, **k: x.max(**k).values, np_reduce(np.max), one(min_dims=1),
           kwargs=one_dim_kwargs(), unique=True, avoid=lambda a, k: has_ties(a[0])),
    OpSpec("min_dim", lambda x, **k: x.min(**k).values, np_reduce(np.min), one(min_dims=1),
           kwargs=one_dim_kwargs(), unique=True, avoid=lambda a, k: has_ties(a[0])),
    OpSpec("var", lambda x, **k: x.var(**k), np_var, one(min_dims=1, min_side=2),
           kwargs=lambda s: st.fixed_dictionaries({"dim": valid_dims(len(s[0]), allow_empty=True),
                                                    "keepdim": st.booleans(),
                                                    "correction": st.sampled_from([0, 1])})),
    OpSpec("std", lambda x, **k: x.std(**k), lambda x, **k: np.sqrt(np_var(x, **k)),
           one(min_dims=1, min_side=2), kwargs=lambda s: st.fixed_dictionaries(
               {"dim": valid_dims(len(s[0]), allow_empty=True), "keepdim": st.booleans(),
                "correction": st.just(0)}),
           avoid=lambda a, k: has_ties(a[0], 1e-2)),
    OpSpec("logsumexp", lambda x, **k: x.logsumexp(**k), np_logsumexp, one(), kwargs=dims_kwargs()),
    OpSpec("norm", lambda x, **k: x.norm(**k), np_norm, one(),
           kwargs=lambda s: st.fixed_dictionaries({"p": st.sampled_from([2, 1, 3, float("inf")]),
                                                    "dim": valid_dims(len(s[0]), allow_empty=True),
                                                    "keepdim": st.booleans()}),
           avoid=lambda a, k: near(a[0], [0], 1e-2) or (k["p"] == float("inf") and has_ties(np.abs(a[0])))),
    OpSpec("cumsum", lambda x, dim: x.cumsum(dim), lambda x, dim: np.cumsum(x, axis=dim), one(min_dims=1),
           kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(-len(s[0]), len(s[0]) - 1)})),
    # -- movement -------------------------------------------------------------------------
    OpSpec("reshape_flat", lambda x: x.reshape(-1), lambda x: x.reshape(-1), one()),
    OpSpec("permute", lambda x, perm: x.permute(*perm), lambda x, perm: np.transpose(x, perm), one(),
           kwargs=lambda s: st.fixed_dictionaries({"perm": st.permutations(range(len(s[0])))})),
    OpSpec("transpose", lambda x: x.transpose(0, -1), lambda x: np.swapaxes(x, 0, -1), one(min_dims=1)),
    OpSpec("T", lambda x: x.T, lambda x: x.T, one(min_dims=2, max_dims=2)),
    OpSpec("mT", lambda x: x.mT, lambda x: np.swapaxes(x, -1, -2), one(min_dims=2)),
    OpSpec("expand", lambda x: x.unsqueeze(0).expand(3, *x.shape),
           lambda x: np.broadcast_to(x[None], (3,) + x.shape), one()),
    OpSpec("squeeze_unsqueeze", lambda x: x.unsqueeze(1 if x.ndim else 0).squeeze(),
           lambda x: np.squeeze(x), one()),
    OpSpec("flatten", lambda x: x.flatten(1) if x.ndim > 1 else x.flatten(),
           lambda x: x.reshape(x.shape[0], -1) if x.ndim > 1 else x.reshape(-1), one()),
    OpSpec("unflatten", lambda x: x.unflatten(0, (2, -1)), lambda x: x.reshape((2, -1) + x.shape[1:]),
           st.tuples(st.tuples(st.sampled_from([2, 4, 6]), st.integers(1, 3)))),
    OpSpec("repeat", lambda x: x.repeat(2, *([1] * x.ndim)) if x.ndim else x.repeat(3),
           lambda x: np.tile(x, (2,) + (1,) * x.ndim) if x.ndim else np.tile(x, 3), one()),
    OpSpec("flip", lambda x, dims: x.flip(dims), lambda x, dims: np.flip(x, dims), one(min_dims=1),
           kwargs=lambda s: st.fixed_dictionaries({"dims": st.lists(
               st.integers(0, len(s[0]) - 1), unique=True, min_size=1).map(tuple)})),
    OpSpec("roll", lambda x, shifts, dims: x.roll(shifts, dims), lambda x, shifts, dims: np.roll(x, shifts, dims),
           one(min_dims=1), kwargs=lambda s: st.integers(1, len(s[0])).flatmap(lambda k: st.fixed_dictionaries({
               "shifts": st.lists(st.integers(-5, 5), min_size=k, max_size=k).map(tuple),
               "dims": st.lists(st.integers(-len(s[0]), len(s[0]) - 1), min_size=k, max_size=k).map(tuple)}))),
    OpSpec("roll_flat", lambda x, shift: x.roll(shift), lambda x, shift: np.roll(x, shift), one(),
           kwargs=lambda s: st.fixed_dictionaries({"shift": st.integers(-7, 7)})),
    OpSpec("pad", lambda x, pad: tl.ops.movement.pad(x, pad, value=0.5), lambda x, pad: np_pad(x, pad, 0.5),
           one(min_dims=1), kwargs=lambda s: st.fixed_dictionaries({"pad": st.lists(
               st.integers(0, 2), min_size=2, max_size=2 * len(s[0])).filter(lambda p: len(p) % 2 == 0)})),
    OpSpec("tril", lambda x: x.tril(), np.tril, one(min_dims=2, max_dims=3)),
    OpSpec("triu", lambda x: x.triu(1), lambda x: np.triu(x, 1), one(min_dims=2, max_dims=3)),
    OpSpec("cat", lambda *xs, dim: tl.cat(xs, dim=dim), lambda *xs, dim: np.concatenate(xs, axis=dim),
           cat_shapes(), kwargs=lambda s: st.just({"dim": cat_dim(s)})),
    OpSpec("stack", lambda a, b: tl.stack([a, b], dim=-1), lambda a, b: np.stack([a, b], axis=-1),
           one().map(lambda s: (s[0], s[0]))),
    OpSpec("split_cat", lambda x: tl.cat([p * (i + 1) for i, p in enumerate(x.split(2))]),
           lambda x: np.concatenate([p * (i + 1) for i, p in enumerate(np.split(x, range(2, len(x), 2)))]),
           one(min_dims=1)),
    OpSpec("chunk_unbind", lambda x: tl.stack([c.sum() for c in x.chunk(2)] + [u.sum() for u in x.unbind()]),
           lambda x: np.array([c.sum() for c in np.array_split(x, min(2, len(x)))] + [u.sum() for u in x]),
           one(min_dims=1)),
    OpSpec("narrow", lambda x: x.narrow(0, 0, 1), lambda x: x[0:1], one(min_dims=1)),
    OpSpec("movedim", lambda x: x.movedim(0, -1), lambda x: np.moveaxis(x, 0, -1), one(min_dims=1)),
    OpSpec("clone_contiguous", lambda x: x.mT.contiguous().clone() * 2, lambda x: np.swapaxes(x, -1, -2) * 2,
           one(min_dims=2)),
    # -- indexing --------------------------------------------------------------------------
    OpSpec("getitem_basic", lambda x, key: x[key], lambda x, key: x[key], one(min_dims=1),
           kwargs=lambda s: _basic_key_for(s[0])),
    OpSpec("getitem_int_list", lambda x: x[[0, -1, 0]], lambda x: x[[0, -1, 0]], one(min_dims=1)),
    OpSpec("getitem_multi_axis", lambda x: x[[0, 1, 1], [2, 0, 2]], lambda x: x[[0, 1, 1], [2, 0, 2]],
           st.tuples(st.tuples(st.integers(2, 3), st.integers(3, 4)))),
    OpSpec("getitem_mask", lambda x: x[x.detach() > 0], lambda x: x[x > 0], one(min_dims=1),
           avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("getitem_mixed", lambda x: x[1:, [0, 0]], lambda x: x[1:, [0, 0]],
           st.tuples(st.tuples(st.integers(2, 3), st.integers(1, 3)))),
    OpSpec("setitem_slice", lambda x, v: _setitem(x, (slice(1, None),), v),
           lambda x, v: _np_setitem(x, (slice(1, None),), v),
           st.tuples(st.integers(2, 4), st.integers(1, 3)).map(lambda nm: ((nm[0], nm[1]), (nm[1],)))),
    OpSpec("setitem_index", lambda x, v: _setitem(x, ([0, 2],), v), lambda x, v: _np_setitem(x, ([0, 2],), v),
           st.tuples(st.integers(3, 4)).map(lambda n: ((n[0],), (2,)))),
    OpSpec("inplace_view_mul", lambda x: _view_mul(x), lambda x: _np_view_mul(x), one(min_dims=1)),
    OpSpec("gather", lambda x, dim, seed: x.gather(dim, tl.tensor(gather_index(x.shape, dim, seed), device=x.device)),
           lambda x, dim, seed: np.take_along_axis(x, gather_index(x.shape, dim, seed), dim), one(min_dims=1),
           kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(0, len(s[0]) - 1),
                                                   "seed": st.integers(0, 100)})),
    OpSpec("scatter", lambda x, s, dim, seed: x.scatter(dim, tl.tensor(_perm_index(x.shape, dim, seed), device=x.device), s),
           lambda x, s, dim, seed: _np_scatter(x, s, dim, _perm_index(x.shape, dim, seed), False),
           one(min_dims=1).map(lambda s: (s[0], s[0])),
           kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(0, len(s[0]) - 1),
                                                   "seed": st.integers(0, 100)})),
    OpSpec("scatter_add", lambda x, s, dim, seed: x.scatter_add(dim, tl.tensor(gather_index(x.shape, dim, seed), device=x.device), s),
           lambda x, s, dim, seed: _np_scatter(x, s, dim, gather_index(x.shape, dim, seed), True),
           one(min_dims=1).map(lambda s: (s[0], s[0])),
           kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(0, len(s[0]) - 1),
                                                   "seed": st.integers(0, 100)})),
    OpSpec("gather_small_index",
           lambda x, dim, seed: x.gather(dim, tl.tensor(_small_index(x.shape, dim, seed, True), device=x.device)),
           lambda x, dim, seed: _np_gather(x, dim, _small_index(x.shape, dim, seed, True)), one(min_dims=1),
           kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(0, len(s[0]) - 1),
                                                   "seed": st.integers(0, 100)})),
    OpSpec("scatter_add_small_index",
           lambda x, s, dim, seed: x.scatter_add(dim, tl.tensor(_small_index(x.shape, dim, seed), device=x.device), s),
           lambda x, s, dim, seed: _np_scatter(x, s[_leading(_small_index(x.shape, dim, seed).shape)], dim,
                                               _small_index(x.shape, dim, seed), True),
           one(min_dims=1).map(lambda s: (s[0], s[0])),
           kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(0, len(s[0]) - 1),
                                                   "seed": st.integers(0, 100)})),
    OpSpec("take_along_dim_broadcast",
           lambda x, dim, seed: tl.take_along_dim(x, tl.tensor(_broadcast_index(x.shape, dim, seed), device=x.device), dim),
           lambda x, dim, seed: np.take_along_axis(x, _broadcast_index(x.shape, dim, seed), dim), one(min_dims=1),
           kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(-len(s[0]), len(s[0]) - 1),
                                                   "seed": st.integers(0, 100)})),
    OpSpec("index_select", lambda x: x.index_select(-1, tl.tensor([0, 0], device=x.device)), lambda x: x[..., [0, 0]],
           one(min_dims=1)),
    OpSpec("masked_fill", lambda x: x.masked_fill(x.detach() > 1, 0.5), lambda x: np.where(x > 1, 0.5, x),
           one(), avoid=lambda a, k: near(a[0], [1], 1e-2)),
    # -- linear algebra -------------------------------------------------------------------
    OpSpec("matmul", lambda a, b: a @ b, np.matmul, matmul_shapes()),
    OpSpec("outer", tl.outer, np.outer, st.tuples(shapes(1, 1), shapes(1, 1))),
    OpSpec("einsum", lambda *xs, eq: tl.einsum(eq, *xs), lambda *xs, eq: np.einsum(eq, *xs),
           einsum_cases().map(lambda c: c[1]),
           kwargs=lambda s: st.just({"eq": _EINSUM_BY_SHAPES[s]})),
    # -- composites through the engine -------------------------------------------------------
    OpSpec("softmax_like", lambda x: (x - x.logsumexp(-1, keepdim=True)).exp(),
           lambda x: np.exp(x - np_logsumexp(x, -1, True)), one(min_dims=1)),
    # -- tl.linalg (entries in [-1, 1] plus 5 I: strictly diagonally dominant, so invertible) ------
    OpSpec("linalg_inv", lambda a: tl.linalg.inv(_dominant(a)), lambda a: np.linalg.inv(_np_dominant(a)),
           square_matrices(), low=-1, high=1),
    OpSpec("linalg_det", lambda a: tl.linalg.det(_dominant(a)), lambda a: np.linalg.det(_np_dominant(a)),
           square_matrices(), low=-1, high=1),
    OpSpec("linalg_solve", lambda a, b: tl.linalg.solve(_dominant(a), b),
           lambda a, b: np.linalg.solve(_np_dominant(a), b), square_matrices(rhs=True), low=-1, high=1),
    OpSpec("linalg_cholesky", lambda a: tl.linalg.cholesky(_dominant(a @ a.mT)),
           lambda a: np.linalg.cholesky(_np_dominant(a @ np.swapaxes(a, -1, -2))), square_matrices(),
           low=-1, high=1),
    OpSpec("linalg_eigvalsh", lambda a: tl.linalg.eigvalsh(a + a.mT),
           lambda a: np.linalg.eigvalsh(a + np.swapaxes(a, -1, -2)), square_matrices(),
           avoid=lambda arrays, k: _min_gap(np.linalg.eigvalsh(arrays[0] + np.swapaxes(arrays[0], -1, -2))) < 1e-2),
    OpSpec("linalg_svdvals", tl.linalg.svdvals, lambda a: np.linalg.svd(a, compute_uv=False),
           st.tuples(shapes(2, 3, max_side=3)),
           avoid=lambda arrays, k: _min_gap(np.linalg.svd(arrays[0], compute_uv=False), with_zero=True) < 1e-2),
    OpSpec("linalg_vector_norm", lambda x, **k: tl.linalg.vector_norm(x, **k),
           lambda x, ord, dim: np_norm(x, p=ord, dim=dim), one(min_dims=1),
           kwargs=lambda s: st.fixed_dictionaries({"ord": st.sampled_from([2, 1, 3, 0.5]),
                                                    "dim": valid_dims(len(s[0]), allow_empty=False)}),
           avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("linalg_matrix_norm_fro", tl.linalg.matrix_norm, lambda a: np.linalg.norm(a, "fro", axis=(-2, -1)),
           st.tuples(shapes(2, 3)), avoid=lambda a, k: near(a[0], [0], 1e-2)),
    # -- compositions (ops/composite.py) ----------------------------------------------------
    OpSpec("addmm", lambda i, a, b: tl.addmm(i, a, b, beta=0.5, alpha=-2),
           lambda i, a, b: 0.5 * i - 2 * (a @ b), st.sampled_from([((3,), (2, 4), (4, 3)), ((2, 3), (2, 1), (1, 3))])),
    OpSpec("baddbmm", lambda i, a, b: tl.baddbmm(i, a, b, alpha=0.5), lambda i, a, b: i + 0.5 * (a @ b),
           st.sampled_from([((2, 1, 3), (2, 2, 4), (2, 4, 3)), ((1,), (1, 2, 2), (1, 2, 1))])),
    OpSpec("addbmm", lambda i, a, b: tl.addbmm(i, a, b, beta=2), lambda i, a, b: 2 * i + (a @ b).sum(0),
           st.sampled_from([((2, 3), (3, 2, 4), (3, 4, 3)), ((1,), (1, 1, 2), (1, 2, 2))])),
    OpSpec("addmv", lambda i, a, b: tl.addmv(i, a, b, beta=-1, alpha=3), lambda i, a, b: -i + 3 * (a @ b),
           st.sampled_from([((3,), (3, 2), (2,)), ((), (2, 4), (4,))])),
    OpSpec("addcmul", lambda i, a, b: tl.addcmul(i, a, b, value=-0.5), lambda i, a, b: i - 0.5 * a * b,
           st.sampled_from([((2, 3), (3,), (2, 1)), ((), (2,), (2,))])),
    OpSpec("addcdiv", lambda i, a, b: tl.addcdiv(i, a, b, value=2), lambda i, a, b: i + 2 * a / b,
           st.sampled_from([((2, 3), (3,), (2, 1)), ((), (2,), (2,))]), low=0.5, high=2.0),
    OpSpec("nansum", lambda x, **k: tl.nansum(tl.where(x > 2.5, float("nan"), x), **k),
           lambda x, dim, keepdim: np.nansum(np.where(x > 2.5, np.nan, x), axis=np_axes(dim, x.ndim), keepdims=keepdim),
           one(), kwargs=dims_kwargs(), avoid=lambda a, k: near(a[0], [2.5], 1e-2)),
    OpSpec("nan_to_num", lambda x: tl.nan_to_num(tl.where(x > 2.5, float("nan"), x), nan=-1.0),
           lambda x: np.where(x > 2.5, -1.0, x), one(), avoid=lambda a, k: near(a[0], [2.5], 1e-2)),
    # -- compositions (ops/composite2.py) ---------------------------------------------------
    OpSpec("tensor_split", lambda x: tl.stack([(i + 1) * p.sum() for i, p in enumerate(tl.tensor_split(x, 3, -1))]),
           lambda x: np.stack([(i + 1) * p.sum() for i, p in enumerate(np.array_split(x, 3, -1))]), one(1, 3)),
    OpSpec("tensor_split_indices", lambda x: tl.stack([(i + 1) * p.sum() for i, p in enumerate(x.tensor_split([1, -1]))]),
           lambda x: np.stack([(i + 1) * p.sum() for i, p in enumerate(np.split(x, [1, -1]))]), one(1, 3)),
    OpSpec("diff", lambda x, p: tl.diff(x, n=2, dim=0, prepend=p), lambda x, p: np.diff(x, n=2, axis=0, prepend=p),
           st.sampled_from([((4,), (1,)), ((3, 2), (2, 2))])),
    OpSpec("rot90", lambda x: tl.rot90(x, 3, [-1, 0]), lambda x: np.rot90(x, 3, (-1, 0)), one(2, 3)),
    OpSpec("fliplr", tl.fliplr, np.fliplr, one(2, 3)),
    OpSpec("flipud", lambda x: x.flipud(), np.flipud, one(1, 3)),
    OpSpec("logit", tl.logit, lambda x: np.log(x / (1 - x)), one(), low=0.05, high=0.95),
    OpSpec("logit_eps", lambda x: x.logit(eps=0.2), lambda x: np.log(np.clip(x, 0.2, 0.8) / (1 - np.clip(x, 0.2, 0.8))),
           one(), low=0.05, high=0.95, avoid=lambda a, k: near(a[0], [0.2, 0.8], 1e-2)),
    OpSpec("sgn", tl.sgn, np.sign, one(), avoid=lambda a, k: near(a[0], [0], 1e-2)),
    OpSpec("tensordot", lambda a, b: tl.tensordot(a, b, dims=([1, 2], [1, 0])),
           lambda a, b: np.tensordot(a, b, axes=([1, 2], [1, 0])), st.sampled_from([((2, 3, 2), (2, 3, 1))])),
    OpSpec("tensordot_int", lambda a, b: tl.tensordot(a, b, dims=1), lambda a, b: np.tensordot(a, b, axes=1),
           st.sampled_from([((2, 3), (3, 2)), ((3,), (3,))])),
    OpSpec("broadcast_tensors", lambda a, b: tl.stack(tl.broadcast_tensors(a, b)) * tl.tensor([1.0, 2.0], device=a.device).reshape(2, 1, 1),
           lambda a, b: np.stack(np.broadcast_arrays(a, b)) * np.array([1.0, 2.0]).reshape(2, 1, 1),
           st.sampled_from([((2, 1), (3,)), ((1, 1), (2, 2))])),
    # -- compositions (ops/composite3.py): cdist away from zero differences and max ties ---------
    *(OpSpec(f"cdist_p{p}", lambda a, b, p=p: tl.cdist(a, b, p=p), lambda a, b, p=p: _np_cdist(a, b, p),
             st.sampled_from([((3, 2), (4, 2)), ((2, 2, 3), (2, 1, 3)), ((1, 3, 1), (2, 2, 1))]),
             avoid=lambda a, k: _cdist_kinks(*a)) for p in (2, 1, 1.5, 3, float("inf"))),
]


def _np_cdist(a, b, p):
    diff = np.abs(a[..., :, None, :] - b[..., None, :, :])
    return diff.max(-1) if p == float("inf") else (diff ** p).sum(-1) ** (1 / p)


def _cdist_kinks(a, b):
    """Coordinate differences near 0 (|.| and the root) or tied largest ones (the max)."""
    diff = np.abs(np.asarray(a)[..., :, None, :] - np.asarray(b)[..., None, :, :])
    top = np.sort(diff, -1)
    return bool(np.any(diff < 5e-2)) or (diff.shape[-1] > 1 and bool(np.any(top[..., -1] - top[..., -2] < 5e-2)))


_EINSUM_BY_SHAPES = {}


def _dominant(a):
    return a + 5 * tl.eye(a.shape[-1], dtype=a.dtype, device=a.device)


def _np_dominant(a):
    return a + 5 * np.eye(a.shape[-1])


def _min_gap(values, with_zero=False):
    """The smallest distance between sorted values (and from 0): where eigen/singular-value
    gradients of second order divide."""
    values = np.sort(values, axis=-1)
    if with_zero:
        values = np.concatenate([np.zeros(values.shape[:-1] + (1,)), values], -1)
    return np.inf if values.shape[-1] < 2 else float(np.diff(values, axis=-1).min())


for _eq, _shapes in [("ij,jk->ik", ((2, 3), (3, 4))), ("bij,bjk->bik", ((2, 2, 3), (2, 3, 2))),
                     ("i,i->", ((4,), (4,))), ("ij->ji", ((2, 3),)), ("ii->i", ((3, 3),)),
                     ("ij,j->i", ((3, 4), (4,))), ("...ij,...jk->...ik", ((2, 2, 3), (3, 2))),
                     ("bhqd,bhkd->bhqk", ((1, 2, 3, 4), (1, 2, 2, 4))), ("ijk->", ((2, 3, 2),))]:
    _EINSUM_BY_SHAPES[_shapes] = _eq


def _basic_key_for(shape):
    from hypothesis.extra import numpy as hnp
    return hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True).filter(
        _positive_steps).map(lambda key: {"key": key})


def _positive_steps(key):
    """PyTorch (like tensorlite) rejects negative slice steps."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(not isinstance(k, slice) or k.step is None or k.step > 0 for k in parts)


def _setitem(x, key, v):
    y = x * 1.0
    y[key] = v * 2.0
    return y


def _np_setitem(x, key, v):
    y = x.copy()
    y[key] = v * 2.0
    return y


def _view_mul(x):
    y = x * 1.0
    y[1:] *= 3.0
    view = y[:1]
    view.mul_(x[-1:] * 0 + 2.0)
    return y


def _np_view_mul(x):
    y = x.copy()
    y[1:] *= 3.0
    y[:1] *= 2.0
    return y


def _perm_index(shape, dim, seed):
    """Index without repeats along dim (scatter with repeats is order-dependent)."""
    rng = np.random.default_rng(seed)
    return np.argsort(rng.random(shape), axis=dim)


def _small_index(shape, dim, seed, longer_along_dim=False):
    """An index no larger than ``shape`` (smaller in some dims: only its extent counts), with
    repeats; gather's may be one longer than the input along dim."""
    rng = np.random.default_rng(seed)
    extent = tuple(int(rng.integers(1, n + 2 if d == dim and longer_along_dim else n + 1))
                   for d, n in enumerate(shape))
    return rng.integers(0, shape[dim], size=extent)


def _broadcast_index(shape, dim, seed):
    """An index of size 1 in some dims other than dim (take_along_dim broadcasts it)."""
    rng = np.random.default_rng(seed)
    dim %= len(shape)
    extent = tuple(int(rng.integers(1, 4)) if d == dim else int(rng.choice([1, n]))
                   for d, n in enumerate(shape))
    return rng.integers(0, shape[dim], size=extent)


def _leading(extent):
    return tuple(slice(0, n) for n in extent)


def _np_gather(x, dim, index):
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return x[tuple(grid)]


def _np_scatter(x, src, dim, index, accumulate):
    out = x.copy()
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    if accumulate:
        np.add.at(out, tuple(grid), src)
    else:
        out[tuple(grid)] = src
    return out


# -- ops without a gradient: forward against NumPy and across backends only -------------------
FEW = st.sampled_from([-1.5, 0.0, 0.5, 2.0])  # repeated values: equal pairs and zeros occur
SPECIAL = st.sampled_from([float("nan"), float("inf"), float("-inf"), 0.0, 1.5])
SMALL_INTS = st.integers(-8, 8).map(float)


def _as_long(fn):
    return lambda *xs: fn(*(x.long() for x in xs))


def _np_as_long(fn):
    return lambda *xs: fn(*(x.astype(np.int64) for x in xs))


FORWARD_SPECS = [
    OpSpec(name, fn, ref, two_broadcast(), elements=FEW, double=False) for name, fn, ref in (
        ("eq", lambda a, b: a == b, np.equal), ("ne", lambda a, b: a != b, np.not_equal),
        ("lt", lambda a, b: a < b, np.less), ("le", lambda a, b: a <= b, np.less_equal),
        ("gt", lambda a, b: a > b, np.greater), ("ge", lambda a, b: a >= b, np.greater_equal),
        ("logical_and", tl.logical_and, np.logical_and), ("logical_or", tl.logical_or, np.logical_or),
        ("logical_xor", tl.logical_xor, np.logical_xor))
] + [
    OpSpec(name, fn, ref, one(), elements=SPECIAL, double=False) for name, fn, ref in (
        ("isnan", tl.isnan, np.isnan), ("isinf", tl.isinf, np.isinf), ("isfinite", tl.isfinite, np.isfinite),
        ("logical_not", tl.logical_not, np.logical_not))
] + [
    OpSpec(name, _as_long(fn), _np_as_long(ref), two_broadcast(), elements=SMALL_INTS, double=False)
    for name, fn, ref in (("bitwise_and", lambda a, b: a & b, np.bitwise_and),
                          ("bitwise_or", lambda a, b: a | b, np.bitwise_or),
                          ("bitwise_xor", lambda a, b: a ^ b, np.bitwise_xor),
                          # int64 counts outside [0, 64) never occur here: TestShifts covers them
                          ("bitwise_left_shift", lambda a, b: a << b.abs(),
                           lambda a, b: np.left_shift(a, np.abs(b))),
                          ("bitwise_right_shift", lambda a, b: a >> b.abs(),
                           lambda a, b: np.right_shift(a, np.abs(b))))
] + [
    OpSpec("bitwise_not", _as_long(lambda x: ~x), _np_as_long(np.invert), one(), elements=SMALL_INTS,
           double=False),
    OpSpec("any", lambda x, **k: x.any(**k), np_reduce(np.any), one(), elements=FEW, double=False,
           kwargs=one_dim_kwargs()),
    OpSpec("all", lambda x, **k: x.all(**k), np_reduce(np.all), one(), elements=FEW, double=False,
           kwargs=one_dim_kwargs()),
]


def _away_from(kinks):
    """An OpSpec ``avoid``: rejects examples with an input within 1e-2 of one of its kinks."""
    def avoid(arrays, kwargs):
        return any(near(x, points, 1e-2) for x, points in zip(arrays, kinks))
    return avoid


def _row_spec(row):
    """The OpSpec of an op-table row that carries its spec data (ops/_table.Spec): a new
    elementwise op is tested by its row alone."""
    data = row.test
    shapes = one() if row.kind == "unary" else two_broadcast()
    return OpSpec(row.name, getattr(tl, row.name), getattr(np, data.numpy), shapes, low=data.low,
                  high=data.high, avoid=_away_from(data.kinks) if data.kinks else None,
                  double=row.differentiable)


TABLE_ROWS = elementwise.ROWS + reduce.ROWS
for _row in TABLE_ROWS:
    if isinstance(_row.test, Spec):
        (SPECS if _row.differentiable else FORWARD_SPECS).append(_row_spec(_row))

# -- scatter_reduce, index_add/copy/fill, masked_scatter, diagonals, windows, tiling ------------
_IDENTITY = {"sum": 0.0, "mean": 0.0, "prod": 1.0, "amax": -np.inf, "amin": np.inf}
_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _np_scatter_reduce(x, src, dim, index, reduce, include_self):
    out = x.copy()
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    grid = tuple(np.broadcast_arrays(*grid))
    if not include_self:
        out[grid] = _IDENTITY[reduce]
    _UFUNC[reduce].at(out, grid, src)
    if reduce == "mean":
        count = np.full(x.shape, 1.0 if include_self else 0.0)
        np.add.at(count, grid, 1.0)
        out = out / np.maximum(count, 1.0)
    return out


def _scatter_reduce_kwargs(shapes):
    return st.fixed_dictionaries({"dim": st.integers(0, len(shapes[0]) - 1), "seed": st.integers(0, 100),
                                  "include_self": st.booleans()})


def _scatter_reduce_row(reduce):
    def op(x, s, dim, seed, include_self):
        index = tl.tensor(gather_index(x.shape, dim, seed), device=x.device)
        return x.scatter_reduce(dim, index, s, reduce, include_self=include_self)

    def ref(x, s, dim, seed, include_self):
        return _np_scatter_reduce(x, s, dim, gather_index(x.shape, dim, seed), reduce, include_self)
    # amax/amin: no two values of x and src close (a tie's gradient is a convention, pinned in
    # test_indexing_ops.py; PyTorch counts x in a tie even with include_self=False)
    return OpSpec(f"scatter_reduce_{reduce}", op, ref, one(min_dims=1).map(lambda s: (s[0], s[0])),
                  low=0.5 if reduce == "prod" else -3.0, unique=reduce in ("amax", "amin"),
                  avoid=_shared_values if reduce in ("amax", "amin") else None, kwargs=_scatter_reduce_kwargs)


def _shared_values(arrays, kwargs):
    """Whether two values of x and src are within 1e-2 (a tie for central differences)."""
    values = np.sort(np.concatenate([a.ravel() for a in arrays]))
    return bool(np.any(np.diff(values) < 1e-2))


@st.composite
def _source_shapes(draw, at_most_size=False):
    """(input shape, source shape): the source has k slices along one dim (k <= the input's
    size there for index_copy, whose indices are distinct)."""
    shape = draw(shapes(1, 3, 1, 4))
    dim = draw(st.integers(0, len(shape) - 1))
    count = draw(st.integers(0, shape[dim] if at_most_size else 5))
    return shape, shape[:dim] + (count,) + shape[dim + 1:]


def _source_dim(shapes_):
    first, second = shapes_
    return next((d for d, (a, b) in enumerate(zip(first, second)) if a != b), len(first) - 1)


def _index_of(x_shape, source_shape, dim, seed, distinct):
    rng = np.random.default_rng(seed)
    count = source_shape[dim]
    return rng.permutation(x_shape[dim])[:count] if distinct else rng.integers(0, x_shape[dim], size=count)


def _np_index_add(x, s, dim, seed, alpha=1):
    out = np.moveaxis(x.copy(), dim, 0)
    np.add.at(out, _index_of(x.shape, s.shape, dim, seed, False), alpha * np.moveaxis(s, dim, 0))
    return np.moveaxis(out, 0, dim)


def _np_index_copy(x, s, dim, seed):
    out = np.moveaxis(x.copy(), dim, 0)
    out[_index_of(x.shape, s.shape, dim, seed, True)] = np.moveaxis(s, dim, 0)
    return np.moveaxis(out, 0, dim)


def _np_diag_embed(x, offset, dim1, dim2):
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n), dtype=x.dtype)
    rows = np.arange(x.shape[-1]) + max(-offset, 0)
    out[..., rows, rows + offset] = x
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


def _two_dims(ndim):
    return st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2, unique=True)


def _np_unfold(x, dim, size, step):
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=dim)
    return np.take(windows, np.arange(0, x.shape[dim] - size + 1, step), axis=dim)


@st.composite
def _unfold_kwargs(draw, shapes_):
    shape = shapes_[0]
    dim = draw(st.integers(0, len(shape) - 1))
    return {"dim": dim, "size": draw(st.integers(0, shape[dim])), "step": draw(st.integers(1, 3))}


def _np_index_fill(x, dim, index):
    out = np.moveaxis(x.copy(), dim, 0)
    out[index] = -1.5
    return np.moveaxis(out, 0, dim)


def _repeats(n, seed):
    return np.random.default_rng(seed).integers(0, 3, size=n)


def _mask_of(shape, seed):
    return np.random.default_rng(seed).random(shape) < 0.5


def _np_masked_scatter(x, s, seed):
    out, mask = x.copy(), _mask_of(x.shape, seed)
    out[mask] = s.reshape(-1)[:int(mask.sum())]
    return out


def _np_index_reduce(x, s, dim, seed, reduce, include_self):
    index = _index_of(x.shape, s.shape, dim, seed, False)
    spread = np.broadcast_to(index.reshape([-1 if d == dim else 1 for d in range(x.ndim)]), s.shape)
    return _np_scatter_reduce(x, s, dim, spread, reduce, include_self)


def _index_reduce_row(reduce):
    def op(x, s, dim, seed, include_self):
        index = tl.tensor(_index_of(x.shape, s.shape, dim, seed, False), device=x.device)
        return x.index_reduce(dim, index, s, reduce, include_self=include_self)

    def ref(x, s, dim, seed, include_self):
        return _np_index_reduce(x, s, dim, seed, reduce, include_self)
    return OpSpec(f"index_reduce_{reduce}", op, ref, _source_shapes(), low=0.5 if reduce == "prod" else -3.0,
                  unique=reduce in ("amax", "amin"), avoid=_shared_values if reduce in ("amax", "amin") else None,
                  kwargs=lambda s: st.fixed_dictionaries({"dim": st.just(_source_dim(s)), "seed": st.integers(0, 100),
                                                          "include_self": st.booleans()}))


SPECS += [_scatter_reduce_row(reduce) for reduce in ("sum", "prod", "mean", "amax", "amin")] + [
    _index_reduce_row(reduce) for reduce in ("prod", "mean", "amax", "amin")] + [
    OpSpec("index_add", lambda x, s, dim, seed, alpha: x.index_add(
        dim, tl.tensor(_index_of(x.shape, s.shape, dim, seed, False), device=x.device), s, alpha=alpha),
        _np_index_add, _source_shapes(),
        kwargs=lambda s: st.fixed_dictionaries({"dim": st.just(_source_dim(s)), "seed": st.integers(0, 100),
                                                "alpha": st.sampled_from([1, -2.5])})),
    OpSpec("index_copy", lambda x, s, dim, seed: x.index_copy(
        dim, tl.tensor(_index_of(x.shape, s.shape, dim, seed, True), device=x.device), s),
        _np_index_copy, _source_shapes(at_most_size=True),
        kwargs=lambda s: st.fixed_dictionaries({"dim": st.just(_source_dim(s)), "seed": st.integers(0, 100)})),
    OpSpec("index_fill", lambda x, dim, seed: x.index_fill(
        dim, tl.tensor(gather_index(x.shape, dim, seed).reshape(-1)[:3], device=x.device), -1.5),
        lambda x, dim, seed: _np_index_fill(x, dim, gather_index(x.shape, dim, seed).reshape(-1)[:3]),
        one(min_dims=1),
        kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(0, len(s[0]) - 1), "seed": st.integers(0, 100)})),
    OpSpec("masked_scatter", lambda x, s, seed: x.masked_scatter(tl.tensor(_mask_of(x.shape, seed), device=x.device), s),
           _np_masked_scatter, one().map(lambda s: (s[0], (int(np.prod(s[0])),))),
           kwargs=lambda s: st.fixed_dictionaries({"seed": st.integers(0, 100)})),
    OpSpec("diagonal", lambda x, offset, dims: x.diagonal(offset, *dims),
           lambda x, offset, dims: np.diagonal(x, offset, *dims).copy(), one(min_dims=2),
           kwargs=lambda s: st.fixed_dictionaries({"offset": st.integers(-3, 3), "dims": _two_dims(len(s[0]))})),
    OpSpec("diag_embed", lambda x, offset, dims: tl.diag_embed(x, offset, *dims),
           lambda x, offset, dims: _np_diag_embed(x, offset, *dims), one(min_dims=1),
           kwargs=lambda s: st.fixed_dictionaries({"offset": st.integers(-2, 2), "dims": _two_dims(len(s[0]) + 1)})),
    OpSpec("diag", lambda x, k: tl.diag(x, k), lambda x, k: np.diag(x, k), one(min_dims=1, max_dims=2),
           kwargs=lambda s: st.fixed_dictionaries({"k": st.integers(-2, 2)})),
    OpSpec("trace", tl.trace, np.trace, one(min_dims=2, max_dims=2)),
    OpSpec("unfold", lambda x, dim, size, step: x.unfold(dim, size, step), _np_unfold, one(min_dims=1),
           kwargs=_unfold_kwargs),
    OpSpec("tile", lambda x, dims: tl.tile(x, dims), lambda x, dims: np.tile(x, dims), one(),
           kwargs=lambda s: st.fixed_dictionaries({"dims": st.lists(st.integers(0, 3), max_size=4).map(tuple)})),
    OpSpec("repeat_interleave", lambda x, dim, seed: tl.repeat_interleave(
        x, tl.tensor(_repeats(x.shape[dim], seed), device=x.device), dim),
        lambda x, dim, seed: np.repeat(x, _repeats(x.shape[dim], seed), axis=dim), one(min_dims=1),
        kwargs=lambda s: st.fixed_dictionaries({"dim": st.integers(0, len(s[0]) - 1), "seed": st.integers(0, 100)})),
    OpSpec("repeat_interleave_int", lambda x, r: x.repeat_interleave(r), lambda x, r: np.repeat(x, r), one(),
           kwargs=lambda s: st.fixed_dictionaries({"r": st.integers(0, 3)})),
]


SPEC_BY_NAME = {spec.name: spec for spec in SPECS + FORWARD_SPECS}
