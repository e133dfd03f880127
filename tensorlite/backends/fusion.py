"""Elementwise fusion of a captured step: each maximal group of elementwise backend calls
(unary, binary, where, cast, copy, broadcast_to and constant fills feeding them, an in-place
bias add on a fresh result, an in-place accumulation into a tensor the step received, e.g. a
gradient) becomes one ``fused(tape, inputs)`` call that computes the group's values in one pass
over its iteration shape (one kernel launch on OpenCL, kernels/fused.cl).

``fuse(calls, keep, meta)`` rewrites the Recorder's calls (``tensorlite/backends/capture.py``):
a group's *outputs* are the values read outside it (or kept: returned by the step); every other
value lives only in the kernel's registers. A ``Tape`` describes a group; it means exactly the
unfused calls it replaces: ``run_reference(backend, tape, inputs)`` runs those calls on any
backend (the NumPy backend's ``fused`` is that: bit-identical to the unfused calls).

Rules that keep a rewrite exact (anything else stays unfused):
- values of one compute dtype T (float32, float64, int32, int64) or bool (0/1 in a register);
  ops on bool values only where the result does not depend on that: logical ops, eq, ne, where's
  condition, casts between T and bool;
- every output has the group's iteration shape (smaller values broadcast into it are recomputed
  per element, never written);
- an in-place write into a load (``binary_inplace`` on an array the step received) is an output
  written into that load (``Tape.writes``); the load is read by nothing that may alias it (a
  view), so every later reader names it and the ordering rule below covers it;
- the fused call takes the place of the group's last call: nothing outside the group reads a
  group value before that, and no in-place primitive runs between the group's first and last call;
- at most 8 inputs, 4 outputs, 8 constants and 32 steps (kernels/fused.cl's registers).
"""
from __future__ import annotations

import numpy as np

from .base import COMPARISON_OPS, FLOATING_OPS
from .capture import PURE, _live, _vars_in

__all__ = ["Tape", "fuse", "run_reference", "MAX_INPUTS", "MAX_OUTPUTS", "MAX_CONSTANTS", "MAX_STEPS"]

MAX_INPUTS, MAX_OUTPUTS, MAX_CONSTANTS, MAX_STEPS = 8, 4, 8, 32  # kernels/fused.cl
COMPUTE_DTYPES = frozenset(np.dtype(d) for d in (np.float32, np.float64, np.int32, np.int64))
_BOOL = np.dtype(np.bool_)
_BOOL_SAFE_BINARY = frozenset({"logical_and", "logical_or", "logical_xor", "eq", "ne"})
_BOOL_SAFE_UNARY = frozenset({"logical_not"})
_INTEGER_ONLY = frozenset({"bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor",
                           "bitwise_left_shift", "bitwise_right_shift"})
# Calls whose result is a new array nobody else holds: an in-place add into it may be fused away.
_FRESH = frozenset({"matmul", "unary", "binary", "where", "cast", "copy", "reduce", "softmax",
                    "full", "concatenate", "fused"})
_WRITES = {"binary_inplace": (1,), "copy_into": (0,), "index_put": (0,), "adam_step": (0, 2, 3, 4, 5)}
_LAUNCHING = frozenset({"unary", "binary", "where", "cast", "copy", "full", "binary_inplace"})


class Tape:
    """One fused group: ``steps`` over registers (the inputs 0..n_inputs-1, then one per step),
    the registers of the ``outputs``, the iteration ``shape`` and the compute ``dtype``.
    ``writes``: per output, None (a new array) or the input whose array it is written into
    (element by element, after that element's inputs are read: an in-place accumulation).

    Steps (operands are register numbers): ``("unary", op, a)``, ``("binary", op, a, b)``,
    ``("where", condition, a, b)``, ``("cast", dtype, a)`` (a tensorlite dtype), ``("copy", a)``,
    ``("broadcast", shape, a)``, ``("scalar", value)`` (a Python number operand) and
    ``("full", shape, value, dtype)``. ``dtypes``: the NumPy dtype of every register (None for
    a scalar). Hashable by identity: backends cache what they derive from a tape on it.

    Example: relu(x + b) for x (50, 100) and b (100,) float32:
    >>> import numpy as np
    >>> f32 = np.dtype(np.float32)
    >>> tape = Tape(f32, (50, 100), 2, [("binary", "add", 0, 1), ("unary", "relu", 2)], [3],
    ...             [f32, f32, f32, f32])
    >>> tape.outputs, tape.launches, tape.writes
    ((3,), 2, (None,))
    """

    __slots__ = ("dtype", "shape", "n_inputs", "steps", "outputs", "dtypes", "writes", "cache")

    def __init__(self, dtype, shape, n_inputs, steps, outputs, dtypes, writes=None):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(shape)
        self.n_inputs = n_inputs
        self.steps = tuple(tuple(s) for s in steps)
        self.outputs = tuple(outputs)
        self.dtypes = tuple(dtypes)
        self.writes = (None,) * len(self.outputs) if writes is None else tuple(writes)
        if len(self.writes) != len(self.outputs):
            raise ValueError(f"Tape: {len(self.writes)} writes for {len(self.outputs)} outputs")
        self.cache = {}  # per backend: its encoding of the tape

    @property
    def launches(self) -> int:
        """The unfused calls that launch a kernel or fill (what one fused launch replaces)."""
        return sum(1 for s in self.steps if s[0] in ("unary", "binary", "where", "cast", "copy", "full"))

    def __repr__(self) -> str:
        writes = "" if not any(w is not None for w in self.writes) else f", writes={list(self.writes)}"
        return f"Tape(dtype={self.dtype}, shape={self.shape}, inputs={self.n_inputs}, " \
               f"steps={list(self.steps)}, outputs={list(self.outputs)}{writes})"


def run_reference(backend, tape: Tape, inputs) -> tuple:
    """The outputs of ``tape`` computed by ``backend``'s unfused primitives, one call per step:
    what a fused call means on every backend (and the NumPy backend's ``fused``). An output
    with a ``writes`` entry is copied into that input as soon as its step computed it (the same
    bits as the in-place call it replaces) and returned as that input's array."""
    registers = list(inputs)
    written = {r: t for r, t in zip(tape.outputs, tape.writes) if t is not None}
    for step in tape.steps:
        kind = step[0]
        if kind == "unary":
            value = backend.unary(step[1], registers[step[2]])
        elif kind == "binary":
            value = backend.binary(step[1], registers[step[2]], registers[step[3]])
        elif kind == "where":
            value = backend.where(registers[step[1]], registers[step[2]], registers[step[3]])
        elif kind == "cast":
            value = backend.cast(registers[step[2]], step[1])
        elif kind == "copy":
            value = backend.copy(registers[step[1]])
        elif kind == "broadcast":
            value = backend.broadcast_to(registers[step[2]], step[1])
        elif kind == "scalar":
            value = step[1]
        elif kind == "full":
            value = backend.full(step[1], step[2], step[3])
        else:
            raise ValueError(f"fused tape: unknown step {step!r}")
        registers.append(value)
        if len(registers) - 1 in written:  # now, as the in-place call did: a later step may read
            backend.copy_into(inputs[written[len(registers) - 1]], value)  # another view of it
    return tuple(registers[r] if t is None else inputs[t] for r, t in zip(tape.outputs, tape.writes))


class _Member:
    """One fusable call: its step with operand *names or values* in place of registers."""

    __slots__ = ("index", "step", "operands", "result", "shape", "dtype", "compute", "inplace")

    def __init__(self, index, step, operands, result, shape, dtype, compute, inplace=False):
        self.index = index
        self.step = step          # the Tape step with None where operands go
        self.operands = operands  # [(position in step, _Var or value)] of array / scalar operands
        self.result = result
        self.shape = shape
        self.dtype = dtype
        self.compute = compute    # the compute dtype it needs (None: any, a bool-only op)
        self.inplace = inplace


class _Group:
    __slots__ = ("members", "shape", "compute", "open")

    def __init__(self, member):
        self.members = [member]
        self.shape = member.shape
        self.compute = member.compute
        self.open = True


def fuse(calls, keep, meta) -> list:
    """``calls`` (a Recorder's, see the module docstring) with every fusable group of two or more
    launching calls replaced by one ``fused`` call. ``keep``: the names the step returns; ``meta``:
    name -> (shape, NumPy dtype) of every recorded result and load.

    Example: relu(x @ w.T + b) recorded as matmul, binary_inplace add, unary relu:
    >>> from tensorlite.backends.capture import _Var
    >>> f32 = np.dtype(np.float32)
    >>> calls = [("matmul", (_Var("l0"), _Var("l1"), False, True), {}, "s0_0"),
    ...          ("binary_inplace", ("add", _Var("s0_0"), _Var("l2")), {}, None),
    ...          ("unary", ("relu", _Var("s0_0")), {}, "s2_0")]
    >>> meta = {"l0": ((2, 3), f32), "l1": ((4, 3), f32), "l2": ((4,), f32),
    ...         "s0_0": ((2, 4), f32), "s2_0": ((2, 4), f32)}
    >>> [(name, results) for name, _, _, results in fuse(calls, ["s2_0"], meta)]
    [('matmul', 's0_0'), ('fused', ('s2_0',))]
    """
    calls = _live(calls, keep)
    readers, producer = {}, {}
    for index, (_, args, kwargs, results) in enumerate(calls):
        for name in _vars_in(list(args) + list(kwargs.values())):
            readers.setdefault(name, set()).add(index)
        for name in (results,) if isinstance(results, str) else (results or ()):
            if name:
                producer[name] = calls[index][0]
    groups, owner = [], {}
    for index, call in enumerate(calls):
        member = _member(index, call, meta, readers, producer, calls)
        reads = set(_vars_in(list(call[1]) + list(call[2].values())))
        if member is None:
            if call[0] in _WRITES or call[0] not in PURE:  # may write what an open group reads
                for group in groups:
                    group.open = False
            for name in reads:
                if name in owner:
                    owner[name].open = False
            continue
        joined = []
        for _, operand in member.operands:
            group = owner.get(getattr(operand, "name", None))
            if group is not None and group.open and group not in joined:
                joined.append(group)
        group = _merge(joined, member)
        if group is None:  # cannot join: it reads their values from outside
            for other in joined:
                other.open = False
            group = _Group(member)
        else:
            groups[:] = [g for g in groups if g not in joined]
        groups.append(group)
        owner[member.result] = group
        if member.inplace:  # a group that read dst's old value must run before this write
            for other in groups:
                if other is not group and _may_read(other, member.result, producer):
                    other.open = False
        for other in joined:
            for m in other.members:
                if owner.get(m.result) is other:
                    owner[m.result] = group
    replaced, placed = set(), {}
    for group in groups:
        fused = _fused_call(group, keep, readers, meta)
        if fused is not None:
            replaced.update(m.index for m in group.members)
            placed[group.members[-1].index] = fused
    return [placed[i] if i in placed else call for i, call in enumerate(calls)
            if i in placed or i not in replaced]


def _may_read(group, name, producer) -> bool:
    """Whether a member of ``group`` reads the array ``name`` or one that may share its memory:
    a load (the step's arguments may be views of one another) or a view (not a fresh result)."""
    for member in group.members:
        for _, operand in member.operands:
            read = getattr(operand, "name", None)
            if isinstance(read, str) and (read == name or read.startswith("l") or producer.get(read) not in _FRESH):
                return True
    return False


def _merge(joined, member):
    """One open group of ``joined`` plus ``member`` (None when their dtypes or shapes differ)."""
    compute, shape = member.compute, member.shape
    for group in joined:
        if group.compute is not None:
            if compute is not None and compute != group.compute:
                return None
            compute = group.compute
        try:
            wider = tuple(np.broadcast_shapes(shape, group.shape))
        except ValueError:
            return None
        if wider not in (shape, group.shape):
            return None
        shape = wider
    if not joined:
        return None
    merged = joined[0]
    merged.members = sorted([m for g in joined for m in g.members] + [member], key=lambda m: m.index)
    merged.shape, merged.compute = shape, compute
    return merged


def _is_number(value) -> bool:
    return type(value) in (bool, int, float)


def _operand_info(value, meta):
    """(shape, dtype) of an array operand (a _Var or a constant array), None for a number,
    False for anything else (a Late marker: read at replay, not fusable)."""
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return meta.get(name, False)
    if _is_number(value):
        return None
    if hasattr(value, "shape") and hasattr(value, "dtype") and not np.isscalar(value):
        return tuple(value.shape), np.dtype(value.dtype)
    return False


def _compute_of(dtypes, numbers, bool_safe) -> object:
    """The compute dtype that array operand ``dtypes`` need: their one non-bool dtype; None
    when all are bool and ``bool_safe``; False when they cannot be fused."""
    found = {d for d in dtypes}
    if len(found) != 1:
        return False
    (dtype,) = found
    if dtype == _BOOL:
        return None if bool_safe and all(type(v) is bool for v in numbers) else False
    if dtype not in COMPUTE_DTYPES:
        return False
    if dtype.kind != "f" and any(type(v) is float for v in numbers):
        return False  # an integer array with a float number: NumPy would widen the result
    return dtype


def _member(index, call, meta, readers, producer, calls):
    """The call as a ``_Member`` when it can be part of a fused group, else None."""
    name, args, kwargs, results = call
    if kwargs:
        return None
    result = results if isinstance(results, str) else None
    if name == "binary_inplace":
        return _inplace_member(index, args, meta, readers, producer, calls)
    if result is None or result not in meta:
        return None
    shape, dtype = meta[result]
    if name == "unary":
        op, x = args
        info = _operand_info(x, meta)
        if not info or (op in _INTEGER_ONLY and info[1].kind == "f"):
            return None
        compute = _compute_of([info[1]], [], op in _BOOL_SAFE_UNARY)
        step, operands = ("unary", op, None), [(2, x)]
    elif name == "binary":
        op, a, b = args
        infos = [_operand_info(v, meta) for v in (a, b)]
        if False in infos or infos == [None, None] or (op in _INTEGER_ONLY and dtype.kind == "f"):
            return None
        compute = _compute_of([i[1] for i in infos if i], [v for v, i in zip((a, b), infos) if i is None],
                              op in _BOOL_SAFE_BINARY)
        step, operands = ("binary", op, None, None), [(2, a), (3, b)]
    elif name == "where":
        condition, a, b = args
        infos = [_operand_info(v, meta) for v in (condition, a, b)]
        if not infos[0] or infos[0][1] != _BOOL or False in infos[1:] or infos[1:] == [None, None]:
            return None
        compute = _compute_of([i[1] for i in infos[1:] if i], [v for v, i in zip((a, b), infos[1:]) if i is None],
                              False)
        step, operands = ("where", None, None, None), [(1, condition), (2, a), (3, b)]
    elif name == "cast":
        x, target = args
        info = _operand_info(x, meta)
        if not info:
            return None
        compute = _compute_of([d for d in (info[1], dtype) if d != _BOOL] or [_BOOL], [], False)
        step, operands = ("cast", target, None), [(2, x)]
    elif name == "copy":
        (x,) = args
        info = _operand_info(x, meta)
        if not info:
            return None
        compute = _compute_of([info[1]], [], True)
        step, operands = ("copy", None), [(1, x)]
    elif name == "broadcast_to":
        x, target = args
        info = _operand_info(x, meta)
        if not info or not _only_elementwise_readers(result, readers, calls):
            return None
        compute = _compute_of([info[1]], [], True)
        step, operands = ("broadcast", tuple(target), None), [(2, x)]
    elif name == "full":
        target, value, dtype_object = args
        if not _is_number(value) or not _only_elementwise_readers(result, readers, calls):
            return None
        compute = _compute_of([dtype], [], True)
        step, operands = ("full", tuple(target), value, dtype_object), []
    else:
        return None
    if compute is False or (dtype != _BOOL and dtype != compute and compute is not None):
        return None
    return _Member(index, step, operands, result, tuple(shape), dtype, compute)


def _inplace_member(index, args, meta, readers, producer, calls):
    """``binary_inplace(op, dst, other)`` into a fresh result of the step that nothing else
    reads before it: fusable as ``dst = op(dst, other)`` (the group keeps the value in a
    register; the final check makes sure only group members read dst afterwards). Into a load
    (``inplace == "load"``): an output written into it, when no call of the step may hand on
    a view of it (a reader of the view would not see the write move to the group's end)."""
    op, dst, other = args
    name = getattr(dst, "name", None)
    if not isinstance(name, str) or name not in meta:
        return None
    into_load = name.startswith("l")
    if into_load:
        if not all(calls[i][0] in _FRESH or calls[i][0] == "binary_inplace" or calls[i][3] is None
                   for i in readers.get(name, ())):
            return None
    elif not name.startswith("s") or producer.get(name) not in _FRESH:
        return None
    shape, dtype = meta[name]
    info = _operand_info(other, meta)
    if info is False or op in _INTEGER_ONLY or (info is not None and info[1] != dtype):
        return None
    compute = _compute_of([dtype], [] if info else [other], False)
    if compute is False or compute is None:
        return None
    if op in COMPARISON_OPS or (op in FLOATING_OPS and dtype.kind != "f"):
        return None  # a bool result written into dst, or a floating op on integers
    return _Member(index, ("binary", op, None, None), [(2, dst), (3, other)], name, tuple(shape), dtype,
                   compute, inplace="load" if into_load else True)


def _only_elementwise_readers(name, readers, calls) -> bool:
    return all(calls[i][0] in _LAUNCHING or calls[i][0] == "broadcast_to" for i in readers.get(name, ()))


def _fused_call(group, keep, readers, meta):
    """The ``fused`` call replacing ``group`` (at its last member), or None when it does not pay
    (under two launching calls) or breaks a rule of the module docstring."""
    members = group.members
    if sum(1 for m in members if m.step[0] != "broadcast") < 2 or group.compute is None:
        return None
    indices = {m.index for m in members}
    inputs, input_dtypes, registers, steps, dtypes = [], [], {}, [], []
    external = {}  # input key -> register

    def register_of(value):
        name = getattr(value, "name", None)
        if isinstance(name, str) and name in registers:
            return registers[name]
        if _is_number(value):
            steps.append(("scalar", value))
            dtypes.append(None)
            return None  # placed after the inputs: see below
        key = name if isinstance(name, str) else id(value)
        if key not in external:
            external[key] = len(inputs)
            inputs.append(value)
            input_dtypes.append(meta[name][1] if isinstance(name, str) else np.dtype(value.dtype))
        return ("input", external[key])

    # operands as ("input", k) or ("step", j) first: the inputs' count is known at the end
    for member in members:
        step = list(member.step)
        for position, value in member.operands:
            found = register_of(value)
            step[position] = ("step", len(steps) - 1) if found is None else found
        steps.append(tuple(step))
        dtypes.append(member.dtype)
        registers[member.result] = ("step", len(steps) - 1)
    outputs = []  # registers now hold each name's last value (an in-place member redefines dst)
    for member in members:
        if member.inplace == "load":
            continue
        outside = member.result in keep or bool(readers.get(member.result, set()) - indices)
        if not outside:
            continue
        if member.inplace or member.step[0] == "broadcast" or member.shape != group.shape \
                or member.result in (n for n, _ in outputs):
            return None
        outputs.append((member.result, registers[member.result]))
    writes = [None] * len(outputs)
    for name in dict.fromkeys(m.result for m in members if m.inplace == "load"):
        if meta[name][0] != group.shape:
            return None  # the load would be written where the group broadcasts it
        outputs.append((None, registers[name]))
        writes.append(external[name])
    if not outputs or len(inputs) > MAX_INPUTS or len(outputs) > MAX_OUTPUTS:
        return None
    n_inputs = len(inputs)
    number = {("input", k): k for k in range(n_inputs)}
    number.update({("step", j): n_inputs + j for j in range(len(steps))})
    resolved = [tuple(number.get(x, x) if isinstance(x, tuple) else x for x in step) for step in steps]
    constants = sum(1 for s in resolved if s[0] in ("scalar", "full"))
    if constants > MAX_CONSTANTS or len(resolved) - constants > MAX_STEPS:
        return None
    tape = Tape(group.compute, group.shape, n_inputs, resolved, [number[r] for _, r in outputs],
                input_dtypes + dtypes, writes)
    return ("fused", (tape, inputs), {}, tuple(n for n, _ in outputs))
