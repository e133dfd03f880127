"""Recording a model's forward as a list of ops, for the ONNX exporter.

While a ``Tracer`` is installed (``autograd.grad_mode.state.tracer``), ``Function.apply`` hands
it every op; it runs the op and appends a ``Record`` (which op, its arguments, its outputs, the
module it ran in). Forward hooks on every submodule make each module call a record too, holding
the records of its body: the exporter converts some modules as a whole (a convolution, whose
primitives are an im2col and a matmul that ONNX has no op for) and the others through their
body. Tensors that no recorded op produced (parameters, buffers, tensors made by creation
functions) are the graph's initializers and constants.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..autograd.function import InplaceFunction
from ..autograd.grad_mode import state
from ..tensor import Tensor
from ._graph import ExportError

__all__ = ["Record", "Tracer", "trace"]


@dataclass
class Record:
    """One traced op or module call. ``op``: the converter key (a table row's name such as
    'add', a Function class name such as 'MatMul', or a module class name such as 'Conv2d');
    ``fn``: the Function class or the module; ``args``/``kwargs``: as called (Tensors and Python
    values); ``outputs``: the output Tensors; ``path``: the module path it ran in ('' for the
    model itself); ``inner``: the records of its body (a module's, a composite Function's), used
    where the exporter has no converter for the whole."""

    op: str
    fn: object
    args: tuple
    kwargs: dict
    outputs: tuple
    path: str
    is_module: bool = False
    inner: list = field(default_factory=list)
    site: str = ""
    versions: tuple = ()

    def check_not_written(self):
        """In-place ops under no_grad write through the backend without an op (add_, x[i] = v):
        an output whose version moved after this record made it would be exported with its old
        values. Raises ExportError naming the record (checked for the records exported, not
        for the bodies of those converted as a whole, which may write their temporaries)."""
        for t, version in zip(self.outputs, self.versions):
            if t._version != version:
                raise ExportError(f"tl.onnx.export: the output of {self.where()} was modified in place "
                                  "afterwards (add_, mul_, x[i] = v, ...); in-place ops are not "
                                  "exported: use their out-of-place forms")

    def where(self) -> str:
        """'op 'X' in module 'path' (Type)', for error messages."""
        return self.site or f"op '{self.op}'"


def op_key(cls) -> str:
    """A Function class's converter key: the table row's name, else the class name."""
    row = getattr(cls, "row", None)
    return row.name if row is not None else cls.__name__


def _tensors(value) -> tuple:
    """The Tensors in a module's output (a Tensor, or nested tuples/lists with None)."""
    if isinstance(value, Tensor):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(t for v in value for t in _tensors(v))
    return ()


class Tracer:
    """Records the ops of one forward as a tree of ``Record`` (``records``: the top level)."""

    def __init__(self):
        self.records = []
        self.keep = []          # every argument and output seen, so no tensor id is reused
        self._paths = [""]
        self._marks = []

    def __call__(self, cls, args, kwargs):
        """Function.apply's hook: run the op and record it. A composite Function's body is traced
        too (its records become ``inner``): the exporter falls back to them when it has no
        converter for the composite."""
        start = len(self.records)
        if cls._primitive or issubclass(cls, InplaceFunction):
            state.tracer = None
            try:
                out = cls.apply(*args, **kwargs)
            finally:
                state.tracer = self
        else:
            out = self._own_identities(cls.forward(cls._node_cls(), *args, **kwargs), args)
        outputs = out if isinstance(out, tuple) else (out,) if out is not None else ()
        self._add(Record(op_key(cls), cls, args, kwargs, outputs, self._paths[-1]), start)
        return out

    def _add(self, record, start):
        record.inner = self.records[start:]
        del self.records[start:]
        self.records.append(record)
        self.keep.append((record.args, record.kwargs, record.outputs))
        record.versions = tuple(t._version for t in record.outputs)

    @staticmethod
    def check_no_inplace_writes(inputs):
        for i, (t, version) in enumerate(inputs):
            if t._version != version:
                raise ExportError(f"tl.onnx.export: the model modified its input {i} in place; in-place "
                                  "ops are not exported: use their out-of-place forms")

    def enter(self, path):
        self._paths.append(path)
        self._marks.append(len(self.records))

    def leave(self, module, args, output):
        path = self._paths.pop()
        record = Record(type(module).__name__, module, tuple(args), {}, _tensors(output), path,
                        is_module=True)
        self._add(record, self._marks.pop())


    def _own_identities(self, out, args):
        """A composite Function returning an input as is: the output gets its own identity (as
        Function.apply's wrapping does), recorded as a copy of the input."""
        outs = out if isinstance(out, tuple) else (out,)
        fixed = []
        for o in outs:
            if isinstance(o, Tensor) and any(o is a for a in args):
                alias = o._alias()
                self.records.append(Record("Clone", None, (o,), {}, (alias,), self._paths[-1]))
                self.keep.append(alias)
                o = alias
            fixed.append(o)
        return tuple(fixed) if isinstance(out, tuple) else fixed[0]


def trace(model, inputs) -> Tracer:
    """Run ``model(*inputs)`` with grad mode and anomaly mode off, recording its ops.
    Returns the Tracer (``records``: one module record for the model, ``output``)."""
    tracer = Tracer()
    handles = []
    for name, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(
            lambda m, a, _n=name: tracer.enter(_n)))
        handles.append(module.register_forward_hook(
            lambda m, a, o: tracer.leave(m, a, o)))
    versions = [(t, t._version) for t in inputs]
    saved = state.enabled, state.anomaly, state.tracer
    state.enabled, state.anomaly, state.tracer = False, False, tracer
    try:
        tracer.output = model(*inputs)
    finally:
        state.enabled, state.anomaly, state.tracer = saved
        for h in handles:
            h.remove()
    tracer.check_no_inplace_writes(versions)
    return tracer
