"""The OpenCL backend's fused elementwise primitive: one launch of kernels/fused.cl runs a
``Tape`` (tensorlite/backends/fusion.py) over its iteration shape.

Which kernel: a tape's unrolled template program (the tape as -D defines) once it is built; its
build starts in the background at the tape's first call, and until it is done the tape runs as
its unfused launches (the same values; the interpreter's own first launch would compile its
kernel on the step's path, ~2 s on PoCL). Tapes too long for the template (over 16 steps), and
``fused_templates = False``, run on the interpreter (the tape read from the parameter buffer).

The tape's steps become (kind << 8 | op code, a, b, c) words with the op codes of kernels/ops.h;
its numbers and fills become constants of the compute type; everything (walk layout, tape, bool
masks) is one parameter buffer, cached by content like every kernel parameter.
"""
from __future__ import annotations

import math

import numpy as np

from ..fusion import MAX_CONSTANTS, MAX_INPUTS, MAX_OUTPUTS, MAX_STEPS, Tape, run_reference
from .array import MAXD, broadcast_strides
from .dispatch import params, scalar, type_defines
from .runtime import op_codes

_UNARY = op_codes("UNARY")
_BINARY = op_codes("BINARY")
_KINDS = {"unary": 0, "binary": 1, "where": 2, "to_bool": 3, "copy": 4}  # kernels/fused.cl
_OPERANDS = MAX_OUTPUTS + MAX_INPUTS
_INT32_MAX = 2 ** 31 - 1
_BOOL = np.dtype(np.bool_)
_TEMPLATE_STEPS = 16  # kernels/fused.cl's fused_template unrolls at most 16 steps
_CPU_CHUNK = 64  # elements per work item of fused_template on CPU devices (index arithmetic per chunk)


class FusedMixin:
    """Mixed into OpenCLBackend: ``fused(tape, inputs)`` and the flag the capture reads."""

    fuses_elementwise = True  # tensorlite.compile rewrites elementwise groups into fused calls
    fused_templates = True  # unrolled template programs once built (False: the interpreter only)
    provisional = None  # a list while a launch replay traces: the tapes it ran unfused (template building)

    def fused(self, tape: Tape, inputs) -> tuple:
        """The outputs of ``tape`` (new contiguous arrays of ``tape.shape``) from ``inputs``
        (CLArrays broadcastable to it), in one launch.

        Example: relu(x + b), x (50, 100), b (100,) float32:
        >>> import numpy as np, tensorlite as tl
        >>> from tensorlite.backends.fusion import Tape
        >>> f32 = np.dtype(np.float32)
        >>> backend = tl.device("opencl").backend
        >>> x = backend.upload(np.linspace(-1, 1, 5000, dtype=f32).reshape(50, 100))
        >>> b = backend.upload(np.full(100, 0.5, f32))
        >>> tape = Tape(f32, (50, 100), 2, [("binary", "add", 0, 1), ("unary", "relu", 2)], [3], [f32] * 4)
        >>> (out,) = backend.fused(tape, [x, b])
        >>> float(backend.to_host(out).min())
        0.0
        """
        if len(inputs) != tape.n_inputs:
            raise ValueError(f"fused: the tape takes {tape.n_inputs} inputs, got {len(inputs)}")
        encoded = self._fused_program(tape)
        ready = self._template_ready(encoded)
        if not _writes_elementwise(tape, inputs):
            return run_reference(self, tape, inputs)  # a written input overlaps another operand
        if not ready and encoded.template is not None and self.fused_templates:
            # while the template builds: the unfused launches (the interpreter's first launch
            # would compile its kernel, ~2 s on PoCL, on a step's critical path)
            if self.provisional is not None:
                self.provisional.append(encoded)
            return run_reference(self, tape, inputs)
        outputs = [self.new(tape.shape, tape.dtypes[r]) if target is None else inputs[target]
                   for r, target in zip(tape.outputs, tape.writes)]
        chunk = _CPU_CHUNK if self.runtime.is_cpu or self.runtime.is_checker else 1  # Oclgrind checks both
        walk, schedule, work = _walk(tape.shape, outputs, inputs, chunk)
        p = self.runtime.params(walk + encoded.words + schedule)
        unused = encoded.consts  # any valid buffer: the kernel never touches it
        buffers = [o.buffer for o in outputs] + [unused] * (MAX_OUTPUTS - len(outputs)) \
            + [x.buffer for x in inputs] + [unused] * (MAX_INPUTS - len(inputs))
        if ready and work:
            file, name, defines, size = "fused.cl", "fused_template_rows", encoded.template, work
        elif ready:
            file, name, defines, size = "fused.cl", "fused_template", encoded.template, math.prod(tape.shape)
        else:
            file, name, defines, size = "elementwise.cl", "fused", encoded.defines, math.prod(tape.shape)
        self._launch(file, name, defines, size, (p, encoded.consts, *buffers))
        return tuple(outputs)

    def templates_ready(self, encoded) -> bool:
        """Whether every tape of ``encoded`` (what ``provisional`` collected) now has its
        template built: a launch replay traced while they ran unfused traces again then."""
        return all(self._template_ready(e) for e in encoded)

    def _fused_program(self, tape: Tape) -> "_Encoded":
        """The tape's kernel words, constants and template defines, encoded once per tape."""
        found = tape.cache.get(self.runtime)
        if found is None:
            found = tape.cache[self.runtime] = _encode(self, tape)
        return found

    def _template_ready(self, encoded) -> bool:
        """Whether the tape's unrolled template program is built; the first ask starts its
        build in the background (the unfused launches run the tape meanwhile: the same values,
        nothing to wait for). On Oclgrind (no background builds) it is built at once."""
        if encoded.template is None or not self.fused_templates:
            return False
        if encoded.ready:
            return True
        if self.runtime.is_built("fused.cl", encoded.template):
            encoded.ready = True
        elif not encoded.requested:
            encoded.requested = True
            if self.runtime.background_builds:
                self.runtime.prebuild([("fused.cl", encoded.template)])
            else:
                self.runtime.kernel("fused.cl", "fused_template", encoded.template)
                encoded.ready = True
        return encoded.ready


def _writes_elementwise(tape: Tape, inputs) -> bool:
    """Whether every input the tape writes into (``Tape.writes``) can be written element by
    element in one launch: its elements distinct (no zero stride) and its buffer shared with no
    other operand (not even one of the same layout: a step after the write may read it, and
    must see the written value, which the kernel stores only at the element's end)."""
    targets = [inputs[t] for t in tape.writes if t is not None]
    for target in targets:
        if any(stride == 0 and size > 1 for stride, size in zip(target.strides, target.shape)):
            return False
        if any(other is not target and other.storage is target.storage for other in inputs):
            return False
    return len({id(t.storage) for t in targets}) == len(targets)


class _Encoded:
    __slots__ = ("words", "consts", "defines", "template", "requested", "ready")

    def __init__(self, words, consts, defines, template):
        self.words, self.consts, self.defines, self.template = words, consts, defines, template
        self.requested = self.ready = False


def _encode(backend, tape: Tape):
    dtype = backend.check_dtype(tape.dtype)
    constants, register = [], {k: k for k in range(tape.n_inputs)}  # tape -> kernel register
    for j, step in enumerate(tape.steps):
        if step[0] in ("scalar", "full"):
            register[tape.n_inputs + j] = tape.n_inputs + len(constants)
            constants.append(step[1] if step[0] == "scalar" else step[2])
    base, words = tape.n_inputs + len(constants), []
    for j, step in enumerate(tape.steps):
        kind = step[0]
        if kind in ("scalar", "full"):
            continue
        if kind == "unary":
            code, operands = (_KINDS["unary"] << 8) | _UNARY[step[1]], step[2:]
        elif kind == "binary":
            code, operands = (_KINDS["binary"] << 8) | _BINARY[step[1]], step[2:]
        elif kind == "where":
            code, operands = _KINDS["where"] << 8, step[1:]
        elif kind == "cast":
            code, operands = _KINDS["to_bool" if step[1].numpy == _BOOL else "copy"] << 8, step[2:]
        elif kind == "copy":
            code, operands = _KINDS["copy"] << 8, step[1:]
        elif kind == "broadcast":
            code, operands = _KINDS["copy"] << 8, step[2:]
        else:
            raise ValueError(f"fused tape: unknown step {step!r}")
        register[tape.n_inputs + j] = base + len(words)
        words.append([code] + [register[r] for r in operands] + [0] * (3 - len(operands)))
    if tape.n_inputs > MAX_INPUTS or len(tape.outputs) > MAX_OUTPUTS or len(constants) > MAX_CONSTANTS \
            or len(words) > MAX_STEPS:
        raise ValueError(f"fused tape too large for kernels/fused.cl: {tape}")
    bools = sum(1 << (MAX_OUTPUTS + k) for k in range(tape.n_inputs) if tape.dtypes[k] == _BOOL)
    bools |= sum(1 << k for k, r in enumerate(tape.outputs) if tape.dtypes[r] == _BOOL)
    header = [tape.n_inputs, len(tape.outputs), len(constants), len(words), bools]
    header += [register[r] for r in tape.outputs] + [0] * (MAX_OUTPUTS - len(tape.outputs))
    steps = [w for word in words for w in word] + [0] * (4 * (MAX_STEPS - len(words)))
    program = np.array(header + steps, dtype=np.int32).tobytes()
    stored = [scalar(v, dtype) for v in constants] or [scalar(0, dtype)]
    defines = type_defines(dtype)
    template = None
    if len(words) <= _TEMPLATE_STEPS:
        template = defines + (("FUSED_TEMPLATE", None), ("FUSED_INPUTS_N", tape.n_inputs),
                              ("FUSED_OUTPUTS_N", len(tape.outputs)), ("FUSED_CONSTANTS_N", len(constants)),
                              ("FUSED_BOOLS", bools))
        template += tuple((f"FUSED_OUT{k}", register[r]) for k, r in enumerate(tape.outputs))
        template += tuple((f"FUSED_S{j}", ",".join(map(str, word))) for j, word in enumerate(words))
    return _Encoded(program, params(backend.runtime, *stored, dtype=dtype), defines, template)


def _walk(shape, outputs, inputs, chunk: int):
    """(walk fields of FusedTape: ndim, n, shape, strides, offsets; its schedule fields: work,
    chunk, chunks_per_row; fused_template_rows' work item count, 0 where it does not apply):
    size-1 dims dropped, neighbours every operand walks contiguously merged (as array.Layout);
    fused_template_rows' work items run up to ``chunk`` elements of a row of the innermost
    merged dim each."""
    key = (shape, tuple((o.strides, o.offset) for o in outputs), tuple((x.shape, x.strides, x.offset) for x in inputs),
           chunk)
    found = _WALKS.get(key)
    if found is not None:
        return found
    operands = [(o.strides, o.offset) for o in outputs] + [(broadcast_strides(x, shape), x.offset) for x in inputs]
    dims = [(size, [s[d] for s, _ in operands]) for d, size in enumerate(shape) if size != 1]
    merged = []
    for size, strides in dims:
        if merged and all(p == s * size for p, s in zip(merged[-1][1], strides)):
            merged[-1] = (merged[-1][0] * size, strides)
        else:
            merged.append((size, strides))
    n = math.prod(shape)
    if len(merged) > MAXD or n > _INT32_MAX:
        raise RuntimeError(f"OpenCL backend: a fused elementwise group over shape {tuple(shape)} needs "
                           f"{len(merged)} strided dimensions and {n} elements; kernels walk at most "
                           f"{MAXD} and 2**31-1")
    values = np.zeros(2 + MAXD + _OPERANDS * MAXD + _OPERANDS, np.int32)
    values[0], values[1] = len(merged), n
    for d, (size, strides) in enumerate(merged):
        values[2 + d] = size
        for k, stride in enumerate(strides):
            slot = k if k < len(outputs) else MAX_OUTPUTS + k - len(outputs)
            values[2 + MAXD + slot * MAXD + d] = stride
    for k, (_, offset) in enumerate(operands):
        slot = k if k < len(outputs) else MAX_OUTPUTS + k - len(outputs)
        values[2 + MAXD + _OPERANDS * MAXD + slot] = offset
    # several walked dims on a CPU: fused_template_rows (one walk per chunk); else one element
    # per work item (PoCL vectorises that across work items; GPUs want it)
    inner = merged[-1][0] if merged else 1
    chunk = min(chunk, inner)
    chunks_per_row = -(-inner // chunk)
    work = (n // inner) * chunks_per_row if len(merged) > 1 and chunk > 1 else 0
    found = values.tobytes(), np.array([work, chunk, chunks_per_row], np.int32).tobytes(), work
    if len(_WALKS) >= 8192:
        _WALKS.clear()
    _WALKS[key] = found
    return found


_WALKS = {}
