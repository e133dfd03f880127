"""The op table's machinery: an ``Op`` row describes one elementwise or reduction primitive, and
plain loops over the rows build what used to be written out per op: its Function class, its
public function, and (in ``tensorlite/_methods.py`` and ``tensorlite/__init__.py``) its Tensor
method and export. The rows themselves live next to their family (ops/elementwise.py,
ops/reduce.py).

A row's backward is one formula per tensor input, a plain function of Tensors written with
Tensor ops (so it is differentiable again, to any order). Its parameters say what it reads:
``grad`` (the upstream gradient), then any of the forward's inputs (``x`` for unary ops, ``a`` and
``b`` for binary ops) and ``out`` (the forward's result), and ``r`` for a reduction (its geometry:
``r.x_shape``, ``r.axes``, ``r.keepdim``). The Function saves the inputs that the formulas of
the inputs needing a gradient read, and the output if any formula reads it, as PyTorch's
generated code does.

Adding an elementwise op that is an OpenCL builtin of floating operands (tan, atan2, ...): a row,
its X line in kernels/ops.h's UNARY_/BINARY_FLOATING_FUNCTIONS (which gives its op code and its
kernel cases) and the NumPy function (backends/numpy_backend.py). Any other elementwise op: a
row, its op code (kernels/ops.h), its case in kernels/unary.cl or binary.cl and the NumPy
function. Nothing here changes.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

from ..autograd.function import OUTPUT, Function
from ..tensor import Tensor
from ._util import tensor_op

__all__ = ["Op", "Spec", "NoGradient", "build_function", "build_public", "class_name", "this_op",
           "unchanged"]

_SLOTS = {"unary": ("x", "out"), "binary": ("a", "b", "out"), "reduce": ("x", "out")}


@dataclass(frozen=True)
class Spec:
    """A test spec carried by the row itself (tests/op_specs.py turns it into an OpSpec that
    drives the forward, gradient, double-gradient and cross-backend tests): the NumPy reference
    by name, the input domain, and the points near which an input makes the gradient test
    resample (the op's kinks), one tuple per input."""

    numpy: str
    low: float = -3.0
    high: float = 3.0
    kinks: tuple = ()


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive.

    name: the public name (``tl.exp``, ``Tensor.exp``); code: the backend op code (kernels/ops.h
    ``UNARY_<code>``, ``BINARY_<code>``, ``REDUCE_<code>``; the name by default); kind: 'unary',
    'binary' or 'reduce'; grads: one backward formula per tensor input (None for an input that
    gets no gradient), or None when the op is not differentiable at all (bool, integer results);
    dtypes: the input policy, ``(name, *operands) -> operands`` for the Function (promotion,
    refused dtypes), used by the generated public function (None: a unary op takes every dtype as
    it is, its result's dtype follows the op: sign keeps it, isnan gives bool); public: a hand-written public
    function where the signature is richer than the operands (alpha, rounding_mode, dims);
    doc: the public docstring with shapes and a ``>>>`` example; kink: the convention at the
    points where the op is not differentiable (PyTorch's); test: the name of its spec in
    tests/op_specs.py, or a ``Spec``; primitive_because: why a composition does not replace it
    (measured); method: bound as a Tensor method; aliases: other public names; inplace: also a
    ``name_`` Tensor method; number_first: the generated binary function also takes a Python
    number as its first operand (``tl.mul(2, x)``; otherwise a TypeError, as PyTorch's copysign);
    number_operand: the Function takes a Python number second operand as it is (the backend's
    kernel constant; the dtype policy decides when: ops/_util.number_operand).
    """

    name: str
    kind: str
    grads: tuple | None
    test: str | Spec
    doc: str | None = None
    dtypes: Callable | None = None
    public: Callable | None = None
    code: str | None = None
    kink: str = ""
    primitive_because: str = ""
    method: bool = True
    aliases: tuple = ()
    inplace: bool = False
    number_first: bool = False
    number_operand: bool = False
    reads: tuple = field(init=False, default=())

    def __post_init__(self):
        if self.code is None:
            object.__setattr__(self, "code", self.name)
        if self.grads is not None:
            allowed = ("grad",) + _SLOTS[self.kind] + (("r",) if self.kind == "reduce" else ())
            reads = []
            for formula in self.grads:
                names = () if formula is None else ("grad", formula.reads) if isinstance(formula, this_op) \
                    else tuple(inspect.signature(formula).parameters)
                unknown = [n for n in names if n not in allowed]
                if unknown or (names and names[0] != "grad") or ("r" in names and names[-1] != "r"):
                    raise TypeError(f"op table row {self.name!r}: a backward formula takes grad, then "
                                    f"any of {allowed[1:]} (r last); got {names}")
                reads.append(names[1:])
            object.__setattr__(self, "reads", tuple(reads))

    @property
    def differentiable(self) -> bool:
        return self.grads is not None

    @property
    def saves(self) -> tuple:
        """What the Function may save for backward (inputs by slot name, ``out``)."""
        return tuple(s for s in _SLOTS[self.kind] if any(s in r for r in self.reads))


def class_name(name: str) -> str:
    """'floor_divide' -> 'FloorDivide', 'log1p' -> 'Log1p' (the node is 'Log1pBackward0')."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


class _Primitive(Function):
    _primitive = True


class NoGradient(_Primitive):
    """An op without a gradient (comparisons, logical and bitwise ops, isnan, argmax, any):
    Function.apply checks its devices and records no node."""

    _differentiable = False

    @staticmethod
    def backward(ctx, *grads):  # never recorded: its outputs are bool or integer
        raise RuntimeError(f"{ctx.name()} has no gradient")


# -- forward: one closure per kind, chosen once per row ---------------------------------------
def _save_plan(row):
    """For each input-needs pattern (bit i: input i needs a gradient), which of the row's saved
    slots to save. As PyTorch's generated code: an input when a needed formula reads it, the
    output whenever a node is recorded (so modifying it in place raises, as there)."""
    plans = []
    for pattern in range(1 << len(row.grads)):
        needed = [r for i, r in enumerate(row.reads) if pattern >> i & 1]
        plans.append(tuple(bool(pattern) if s == "out" else any(s in r for r in needed)
                           for s in row.saves))
    return tuple(plans)


def _unary_forward(row):
    code, saves = row.code, row.saves
    # a unary node exists only when x needs a gradient: what the formula reads is always saved
    if not saves:
        def forward(ctx, x):
            return x.device.backend.unary(code, x._array)
    elif saves == ("out",):
        def forward(ctx, x):
            ctx.save_for_backward(OUTPUT)
            return x.device.backend.unary(code, x._array)
    elif saves == ("x",):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.device.backend.unary(code, x._array)
    else:
        def forward(ctx, x):
            ctx.save_for_backward(x, OUTPUT)
            return x.device.backend.unary(code, x._array)
    return forward


def _binary_forward(row):
    """A ``number_operand`` row's second operand may be a Python number: passed to the backend as
    it is (a kernel constant) and kept as ``ctx.number`` for the formulas that read ``b``."""
    code, saves, numbers = row.code, row.saves, row.number_operand
    plans = _save_plan(row) if saves else ()
    if not saves and not numbers:
        def forward(ctx, a, b):
            return a.device.backend.binary(code, a._array, b._array)
    elif not saves:
        def forward(ctx, a, b):
            return a.device.backend.binary(code, a._array, b._array if isinstance(b, Tensor) else b)
    elif saves == ("a", "b") and plans == ((False, False), (False, True), (True, False), (True, True)):
        def forward(ctx, a, b):  # mul's plan written out (the hot path): a for b's formula, b for a's
            needs = ctx.needs_input_grad
            if isinstance(b, Tensor):
                ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
                return a.device.backend.binary(code, a._array, b._array)
            ctx.save_for_backward(None, None)
            ctx.number = b
            return a.device.backend.binary(code, a._array, b)
    else:
        def forward(ctx, a, b):
            needs = ctx.needs_input_grad
            keep = plans[needs[0] + 2 * needs[1]]
            number = not isinstance(b, Tensor)
            if number:
                ctx.number = b
            if True in keep:
                values = {"a": a, "b": None if number else b, "out": OUTPUT}
                ctx.save_for_backward(*[values[s] if k else None for s, k in zip(saves, keep)])
            return a.device.backend.binary(code, a._array, b if number else b._array)
    return forward


def _reduce_forward(row):
    code, saves = row.code, row.saves
    to_save = tuple(OUTPUT if s == "out" else None for s in saves)  # None: the input x

    def forward(ctx, x, axes, keepdim):
        ctx.x_shape, ctx.axes, ctx.keepdim = x._array.shape, axes, keepdim
        if saves:
            ctx.save_for_backward(*[x if s is None else s for s in to_save])
        return x.device.backend.reduce(code, x._array, axes, keepdim)
    return forward


# -- backward: each formula called with the saved tensors it reads ------------------------------
def _pick(reads, saves):
    """Where a formula's arguments are in ``ctx.saved_tensors``: None (it reads only grad), an
    index (one tensor) or a tuple of indices. Kept inline in the closures below: a call layer
    per formula measured ~0.15 us per gradient."""
    positions = tuple(saves.index(n) for n in reads if n != "r")
    return None if not positions else positions[0] if len(positions) == 1 else positions


def _unary_backward(formula, pick):
    if pick is None:
        def backward(ctx, grad):
            return formula(grad)
    elif type(pick) is int:
        def backward(ctx, grad):
            return formula(grad, ctx.saved_tensors[pick])
    else:
        def backward(ctx, grad):
            saved = ctx.saved_tensors
            return formula(grad, *[saved[i] for i in pick])
    return backward


class this_op:
    """The formula ``grad <this row's op> <saved>``: the gradient of a bilinear op is the op itself
    (mul: d(a * b)/da = grad * b is ``this_op("b")``). The Function is then called directly, one
    call less per gradient than a lambda around it (mul's backward is on every training step)."""

    def __init__(self, reads: str):
        self.reads = reads


def unchanged(grad):
    """The formula of an input whose gradient is the upstream one (add, sub's first operand)."""
    return grad


def _binary_backward(fa, pa, fb, pb, saves):
    """A saved slot that is None where a needed formula reads it held a Python number operand
    (``ctx.number``, see _binary_forward)."""
    if fa is unchanged and fb is unchanged:
        def backward(ctx, grad):  # add: the hot path, no call at all
            return grad, grad
    elif type(pa) is int and type(pb) is int:
        def backward(ctx, grad):  # one saved tensor per formula (mul)
            needs = ctx.needs_input_grad
            saved = ctx.saved_tensors
            ga = gb = None
            if needs[0]:
                x = saved[pa]
                ga = fa(grad, ctx.number if x is None else x)
            if needs[1]:
                x = saved[pb]
                gb = fb(grad, ctx.number if x is None else x)
            return ga, gb
    elif fa is unchanged and not saves:
        def backward(ctx, grad):  # sub
            return grad, fb(grad) if ctx.needs_input_grad[1] else None
    else:
        ib = saves.index("b") if "b" in saves else None

        def backward(ctx, grad):
            needs = ctx.needs_input_grad
            saved = ctx.saved_tensors if saves else ()
            if ib is not None and saved and saved[ib] is None and "number" in ctx.__dict__:
                saved = saved[:ib] + (ctx.number,) + saved[ib + 1:]
            return (_call(fa, pa, grad, saved) if needs[0] and fa is not None else None,
                    _call(fb, pb, grad, saved) if needs[1] and fb is not None else None)
    return backward


def _call(formula, pick, grad, saved):
    if formula is unchanged:
        return grad
    if pick is None:
        return formula(grad)
    if type(pick) is int:
        return formula(grad, saved[pick])
    return formula(grad, *[saved[i] for i in pick])


def _reduce_backward(formula, pick):
    """A reduction's formula also takes ``r``, the ctx with x_shape, axes and keepdim."""
    if pick is None:
        def backward(ctx, grad):
            return formula(grad, ctx), None, None
    else:
        pick = (pick,) if type(pick) is int else pick

        def backward(ctx, grad):
            saved = ctx.saved_tensors
            return formula(grad, *[saved[i] for i in pick], ctx), None, None
    return backward


def _backward(row, cls):
    picks = [_pick(r, row.saves) for r in row.reads]
    grads = [cls.apply if isinstance(f, this_op) else f for f in row.grads]
    if row.kind == "unary":
        return _unary_backward(grads[0], picks[0])
    if row.kind == "reduce":
        return _reduce_backward(grads[0], picks[0])
    return _binary_backward(grads[0], picks[0], grads[1], picks[1], row.saves)


_FORWARDS = {"unary": _unary_forward, "binary": _binary_forward, "reduce": _reduce_forward}


def build_function(row: Op, module: str) -> type:
    """The row's Function class, named after the op ('Exp': nodes print as 'ExpBackward0')."""
    namespace = {"forward": staticmethod(_FORWARDS[row.kind](row)), "__module__": module,
                 "__doc__": f"The {row.name} primitive (op table row; backend op {row.code!r}).",
                 "row": row}
    if not row.differentiable:
        return type(class_name(row.name), (NoGradient,), namespace)
    cls = type(class_name(row.name), (_Primitive,), namespace)
    cls.backward = staticmethod(_backward(row, cls))  # a this_op formula calls cls itself
    return cls


def build_public(row: Op, fn: type, module: str):
    """The row's public function: its hand-written one (``row.public``), or one that passes the
    operands through the row's dtype policy into the Function. Generated functions check that
    the input is a Tensor, binary ones unless the row says ``number_first``."""
    if row.public is not None:
        for fn_ in (row.public, getattr(row.public, "__wrapped__", None)):
            if row.doc is not None and fn_ is not None:
                fn_.__doc__ = row.doc
        return row.public
    apply, prepare, name = fn.apply, row.dtypes, row.name
    if row.kind == "unary" and prepare is None:  # every dtype as it is (isnan, sign)
        def public(input):
            return apply(input)
    elif row.kind == "unary":
        def public(input):
            return apply(prepare(name, input))
    else:
        def public(input, other):
            return apply(*prepare(name, input, other))
    public.__name__ = public.__qualname__ = name
    public.__module__ = module
    public.__doc__ = row.doc
    return public if row.number_first else tensor_op(public)
