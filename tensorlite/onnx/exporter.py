"""tl.onnx.export: trace a model, convert its records, check and write the ONNX file."""
from __future__ import annotations

import os

import numpy as np

from ..ops.creation import tensor as _make_tensor
from ..tensor import Tensor
from ._convert import MODULES, OPS, ExportError
from ._graph import Graph, host
from ._trace import Record, _tensors, trace

__all__ = ["export"]

_RESHAPES = ("Reshape", "View")
_HINTS = {
    "Unfold": " Convolutions and average pooling export as the nn modules (Conv2d, AvgPool2d, "
              "AdaptiveAvgPool2d, ...) with zero padding, not as F.conv2d/F.unfold calls.",
    "Fold": " Transposed convolutions export as the nn modules (ConvTranspose2d, ...) with zero "
            "padding, not as F.conv_transpose2d/F.fold calls.",
}


def export(model, example_input, path, *, input_names=None, output_names=None, dynamic_axes=None,
           opset_version: int = 17) -> None:
    """Export ``model`` to an ONNX file at ``path`` by tracing ``model(*example_input)``.

    As ``torch.onnx.export``: the model runs in eval mode (its modes are restored afterwards),
    parameters and buffers become initializers named as in ``named_parameters()`` and
    ``named_buffers()``, ``input_names``/``output_names`` name the graph's inputs and outputs
    (default ``input``/``output``, numbered when there are several), ``dynamic_axes`` maps an
    input or output name to the axes whose size may change (``{"input": {0: "batch"}}`` or
    ``{"input": [0]}``). The graph is traced: Python control flow is frozen at the example's.
    Unsupported ops raise ``tl.onnx.ExportError`` naming the op and the module it ran in, before
    anything is written; the file is written atomically (``path`` may also be a binary file
    object).

    Shapes: example_input a Tensor or a tuple of Tensors, as ``model`` takes them.

    Example:
    >>> import tempfile, os, onnx
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> path = os.path.join(tempfile.mkdtemp(), "mlp.onnx")
    >>> tl.onnx.export(model, tl.randn(5, 3), path, dynamic_axes={"input": {0: "batch"}})
    >>> [n.op_type for n in onnx.load(path).graph.node][:3]
    ['Transpose', 'MatMul', 'Add']
    """
    import onnx

    inputs = _example_inputs(example_input, opset_version)
    input_names = _names(input_names, len(inputs), "input")
    axes = _dynamic_axes(dynamic_axes)
    runs = _trace_twice(model, inputs, input_names, axes)
    (leaves, outs), (leaves_b, outs_b) = [(_flatten(model, t), _tensors(t.output)) for t, _ in runs]
    if not outs:
        raise TypeError(f"tl.onnx.export: the model must return a Tensor or a tuple of Tensors, got "
                        f"{type(runs[0][0].output).__name__}")
    output_names = _names(output_names, len(outs), "output")
    params = _check_names(model, input_names, output_names, axes)
    _compare(leaves, leaves_b)
    g, other = [_build(found, ins, input_names, params, opset_version)
                for found, (_, ins) in zip((leaves, leaves_b), runs)]
    _check_constants(g, other)
    proto = _model(g, (inputs, runs[1][1], input_names), (outs, outs_b, output_names), axes, opset_version)
    onnx.checker.check_model(proto)
    if hasattr(path, "write"):  # a binary file object, as torch.onnx.export's f
        path.write(proto.SerializeToString())
    else:
        _write(proto, os.fspath(path))


def _example_inputs(example_input, opset_version) -> tuple:
    if opset_version < 17:
        raise ValueError(f"tl.onnx.export: opset_version={opset_version} is not supported; use 17 or "
                         "later (LayerNormalization is opset 17)")
    inputs = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"tl.onnx.export: example_input must be a Tensor or a tuple of Tensors; "
                            f"item {i} is a {type(t).__name__}")
    return inputs


def _check_names(model, input_names, output_names, axes) -> dict:
    """Check the graph's value names; returns id(tensor) -> name for parameters and buffers."""
    unknown = set(axes) - set(input_names) - set(output_names)
    if unknown:
        raise ValueError(f"tl.onnx.export: dynamic_axes names {sorted(unknown)} that are neither input "
                         f"names {input_names} nor output names {output_names}")
    params = {id(t): name for name, t in list(model.named_parameters()) + list(model.named_buffers())}
    names = input_names + output_names
    taken = set(params.values()) & set(names)
    if taken or len(set(names)) != len(names):
        raise ValueError(f"tl.onnx.export: input and output names must be distinct and differ from the "
                         f"parameter and buffer names; {sorted(taken) or names} clash")
    return params


def _model(g, inputs, outputs, axes, opset):
    """The ModelProto: g's nodes, an Identity per named output, the value infos (a dimension is
    symbolic where dynamic_axes names it or where it changed between the traces)."""
    from onnx import helper

    outs, _, output_names = outputs
    for t, name in zip(outs, output_names):
        g.nodes.append(helper.make_node("Identity", [g.name(t)], [name], name=g.fresh("output")))
    graph = helper.make_graph(g.nodes, "tensorlite", _value_infos(g, *inputs, axes),
                              _value_infos(g, *outputs, axes), list(g.initializers.values()))
    opsets = [helper.make_opsetid("", opset)]
    return helper.make_model(graph, opset_imports=opsets, producer_name="tensorlite",
                             ir_version=helper.find_min_ir_version_for(opsets))


def _names(names, n, stem):
    if names is None:
        return [stem] if n == 1 else [f"{stem}_{i}" for i in range(n)]
    names = list(names)
    if len(names) != n:
        raise ValueError(f"tl.onnx.export: {len(names)} {stem}_names given for {n} {stem}s")
    return names


def _dynamic_axes(spec) -> dict:
    """{name: {axis: dim_name}} from torch's forms ({name: {0: "batch"}} or {name: [0]})."""
    out = {}
    for name, axes in (spec or {}).items():
        out[name] = dict(axes) if isinstance(axes, dict) else {int(a): f"{name}_dim{a}" for a in axes}
    return out


def _trace_twice(model, inputs, names, axes):
    """Trace the example, then other inputs: the dynamic axes one larger and other values. What
    changes between the two traces tells which reshape sizes follow a dynamic axis, and which
    constants (tensors no traced op made) depend on the input, which is an error."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        first = trace(model, inputs)
        others = tuple(_other(t, axes.get(n, {})) for t, n in zip(inputs, names))
        second = trace(model, others)
    finally:
        for m, mode in modes:
            m.training = mode
    return (first, inputs), (second, others)


def _other(t: Tensor, axes: dict) -> Tensor:
    values = host(t)
    shape = tuple(s + 1 if i in axes else s for i, s in enumerate(values.shape))
    for axis in axes:
        if not 0 <= axis < values.ndim:
            raise ValueError(f"tl.onnx.export: dynamic axis {axis} out of range for an input of shape "
                             f"{list(values.shape)}")
    other = np.resize(values, shape)
    if other.dtype.kind == "f":
        other = other * 0.75 + 0.125
    return _make_tensor(other.astype(values.dtype), dtype=t.dtype, device=t.device)


def _flatten(model, tracer) -> list:
    """The records to convert, in order: a module converted as a whole, an op with a converter,
    else the records of its body; an op with neither is an ExportError."""
    types = {name: type(m).__name__ for name, m in model.named_modules()}
    leaves = []

    def walk(rec: Record):
        rec.site = (f"op '{rec.op}' in module '{rec.path or '<model>'}' "
                    f"({types.get(rec.path, type(model).__name__)})")
        if rec.is_module:
            entry = MODULES.get(rec.op)
            if entry is not None and entry[0](rec.fn, rec):
                rec.convert = entry[1]
                rec.check_not_written()
                leaves.append(rec)
                return
        elif rec.op in OPS:
            if rec.op == "Index":
                rec.args = (rec.args[0], _host_key(rec.args[1], rec.args[0].device)) + rec.args[2:]
            rec.convert = OPS[rec.op]
            rec.check_not_written()
            leaves.append(rec)
            return
        if not rec.inner and not rec.is_module:
            raise ExportError(f"tl.onnx.export: {rec.site} has no ONNX conversion (nothing was "
                              f"written).{_HINTS.get(rec.op, '')} Supported: tl.onnx.supported_ops()")
        for r in rec.inner:
            walk(r)

    for rec in tracer.records:
        walk(rec)
    return leaves


def _host_key(key, device):
    """An advanced-indexing key with its backend index arrays (the op made them from index
    tensors) copied to the host, so the two traces compare and the converter reads them."""
    def entry(k):
        if isinstance(k, (Tensor, np.ndarray)) or not (hasattr(k, "shape") and hasattr(k, "dtype")):
            return k
        return Tensor._make(k, device, False, None, 0).numpy()
    return tuple(entry(k) for k in key) if isinstance(key, tuple) else entry(key)


def _static(value):
    """A record's arguments with tensors replaced by their rank, for comparing two traces."""
    if isinstance(value, Tensor):
        return ("tensor", value.ndim)
    if isinstance(value, (tuple, list)):
        return tuple(_static(v) for v in value)
    if isinstance(value, np.ndarray):  # an index the op read to the host
        return ("array", value.shape, value.tobytes())
    if isinstance(value, dict):
        return tuple(sorted((k, _static(v)) for k, v in value.items()))
    return value


def _compare(leaves, others):
    """Check the two traces ran the same ops; mark the reshape/expand sizes that changed."""
    if [r.op for r in leaves] != [r.op for r in others]:
        raise ExportError("tl.onnx.export: the model ran different ops for inputs of other sizes or "
                          "values (data-dependent control flow); it cannot be exported as one graph")
    for a, b in zip(leaves, others):
        for rec in (a, b):
            rec.varying, rec.copied, rec.copied_expand = (), (), ()
        if a.is_module or (_static(a.args) == _static(b.args) and _static(a.kwargs) == _static(b.kwargs)):
            continue
        if a.op in _RESHAPES + ("Expand",) and _static(a.args[0]) == _static(b.args[0]) \
                and len(a.args[1]) == len(b.args[1]):
            _mark_varying(a, b)
            continue
        raise ExportError(f"tl.onnx.export: the arguments of {a.site} change with the input's sizes "
                          "or values (a size read from a dynamic axis, or an index read from a "
                          "tensor); export without dynamic_axes, or compute them with tensor ops")


def _mark_varying(a, b):
    (xa, sa), (xb, sb) = a.args[:2], b.args[:2]
    varying = tuple(i for i, (u, v) in enumerate(zip(sa, sb)) if u != v)
    copied = tuple(i for i in varying if i < xa.ndim and sa[i] == xa.shape[i] and sb[i] == xb.shape[i])
    lead = len(sa) - xa.ndim
    grown = tuple(i for i in varying if i >= lead and sa[i] == xa.shape[i - lead] and sb[i] == xb.shape[i - lead])
    for rec in (a, b):
        rec.varying, rec.copied, rec.copied_expand = varying, copied, grown


def _build(leaves, inputs, names, params, opset) -> Graph:
    g = Graph(params, opset)
    for t, name in zip(inputs, names):
        g.bind(t, name)
    for rec in leaves:
        g.site = rec.site
        outputs = rec.convert(g, rec)
        for t, name in zip(rec.outputs, outputs):
            if name is not None:
                g.bind(t, name)
            else:
                g.unavailable[id(t)] = rec.site
    return g


def _check_constants(g, other):
    for (name, t), (_, u) in zip(g.constants, other.constants):
        a, b = host(t), host(u)
        if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
            raise ExportError(f"tl.onnx.export: a tensor used by {g.constant_sites[name]} was not made by "
                              "a traced op and changes with the input (made by a function outside the "
                              "recorded ops, or from the input's shape or values); it would be frozen "
                              "as a constant. A tensor sized from a dynamic axis (a zero initial "
                              "state): pass it as an input")


def _value_infos(g, tensors, others, names, axes):
    infos = []
    for t, u, name in zip(tensors, others, names):
        dims = list(t.shape)
        for i, (s, v) in enumerate(zip(t.shape, u.shape)):
            if i in axes.get(name, {}) or s != v:
                dims[i] = axes.get(name, {}).get(i, f"{name}_dim{i}")
        infos.append(g.value_info(name, t, dims))
    return infos


def _write(proto, path: str):
    import onnx

    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        onnx.save_model(proto, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
