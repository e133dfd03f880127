"""Drawing the backward graph: ``to_dot(tensor)`` gives Graphviz DOT text, ``draw(tensor, path)``
renders it with Graphviz's ``dot`` program when it is installed (plain DOT text otherwise).

The picture is torchviz's: one box per backward node, named as PyTorch names them
(``MulBackward0``, ``AccumulateGrad``); light blue boxes for the leaves (named from ``params``),
a green box for the tensor drawn; edges run forward, from the node that made a tensor to the
node that used it, labelled with that tensor's shape and dtype. ``show_saved`` adds the tensors
each node saved for backward (orange, dashed; a graph freed by ``backward()`` has none left).
"""
from __future__ import annotations

import os
import shutil
import subprocess

from ._warn import warn_user
from .tensor import Tensor

__all__ = ["to_dot", "draw"]

_LEAF_STYLE = 'shape=box, style=filled, fillcolor=lightblue'
_ROOT_STYLE = 'shape=box, style=filled, fillcolor=darkolivegreen1'
_SAVED_STYLE = 'shape=box, style="filled,dashed", fillcolor=orange'
_NODE_STYLE = 'shape=box, style=filled, fillcolor=lightgrey'
_DOT_TIMEOUT_S = 120


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _describe(shape, dtype_name: str) -> str:
    return f"({', '.join(str(s) for s in shape)}{',' if len(shape) == 1 else ''}) {dtype_name}"


def _tensor_text(t: Tensor) -> str:
    return _describe(tuple(t.shape), t.dtype.name)


class _Dot:
    """DOT statements of one graph, with ids n0, n1, ... handed out in order of first sight."""

    def __init__(self, params):
        self.names = {id(p): name for name, p in (params or {}).items()}
        self.ids = {}
        self.lines = []

    def node(self, key, label: str, style: str) -> str:
        if key not in self.ids:
            self.ids[key] = f"n{len(self.ids)}"
            self.lines.append(f"  {self.ids[key]} [label={_quote(label)}, {style}];")
        return self.ids[key]

    def edge(self, source: str, target: str, label: str = "", style: str = "") -> None:
        attrs = ", ".join(a for a in (f"label={_quote(label)}" if label else "", style) if a)
        self.lines.append(f"  {source} -> {target}" + (f" [{attrs}];" if attrs else ";"))

    def tensor_label(self, t: Tensor, fallback: str) -> str:
        return f"{self.names.get(id(t), fallback)}\n{_tensor_text(t)}"


def _saved_entries(node):
    """(key, shape, dtype name, tensor or None) of each tensor ``node`` still holds for backward."""
    for i, saved in enumerate(node._saved or ()):
        if saved is None:
            continue
        if saved.tensor is not None:
            t = saved.tensor
            yield (id(t), tuple(t.shape), t.dtype.name, t)
        else:  # an output of the node itself, kept as data only
            yield ((id(node), "saved", i), tuple(saved._array.shape), str(saved._array.dtype), None)


def _add_saved(dot: _Dot, node, node_id: str) -> None:
    drawn = set()
    for key, shape, dtype_name, t in _saved_entries(node):
        if key in drawn:  # x * x saves x twice: one box, one edge
            continue
        drawn.add(key)
        name = (f"{dot.names[id(t)]} (saved)" if t is not None and id(t) in dot.names
                else "saved" if t is not None else "saved (own output)")
        saved_id = dot.node(("saved", key), f"{name}\n{_describe(shape, dtype_name)}", _SAVED_STYLE)
        dot.edge(saved_id, node_id, style="style=dashed")


def _walk(dot: _Dot, roots, show_saved: bool) -> None:
    """Every node reachable from the roots' grad_fns, each once, iteratively (deep graphs)."""
    stack = [fn for fn in roots]
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        node_id = dot.node(id(node), node.name(), _NODE_STYLE)
        if node.name() == "AccumulateGrad" and node.variable is not None:
            leaf = node.variable
            leaf_id = dot.node(id(leaf), dot.tensor_label(leaf, "leaf"), _LEAF_STYLE)
            dot.edge(leaf_id, node_id)
        if show_saved:
            _add_saved(dot, node, node_id)
        meta = getattr(node, "_input_meta", ()) or ()
        for i, edge in enumerate(node.next_edges):
            if edge is None:
                continue
            source = edge[0]
            source_id = dot.node(id(source), source.name(), _NODE_STYLE)
            info = meta[i] if i < len(meta) else None
            dot.edge(source_id, node_id, _describe(info[0], str(info[1])) if info else "")
            stack.append(source)


def to_dot(tensor, show_saved: bool = False, params: dict | None = None) -> str:
    """The backward graph that produced ``tensor`` (or a list of tensors) as Graphviz DOT text.

    Nodes are the backward functions (PyTorch's names: ``MulBackward0``, ``AccumulateGrad``),
    the leaves (named from ``params``, e.g. ``dict(model.named_parameters())``) and the tensor
    itself; each edge carries the shape and dtype of the tensor flowing along it.
    ``show_saved``: also the tensors each node saved for backward (until ``backward()`` frees them).

    Shapes: any tensor that requires grad.

    Example:
    >>> w = tl.ones(2, 3, requires_grad=True)
    >>> y = (w * 2).sum()
    >>> text = tl.viz.to_dot(y, params={"w": w})
    >>> "MulBackward0" in text and "SumBackward0" in text and "(2, 3) float32" in text
    True
    >>> text.count("->")
    4
    """
    roots = list(tensor) if isinstance(tensor, (list, tuple)) else [tensor]
    for t in roots:
        if not isinstance(t, Tensor):
            raise TypeError(f"to_dot: expected a Tensor (or a list of them), got {type(t).__name__}")
        if not t.requires_grad:
            raise ValueError("to_dot: this tensor has no backward graph (it does not require grad); "
                             "draw a result computed from tensors with requires_grad=True, outside no_grad()")
    dot = _Dot(params)
    for i, t in enumerate(roots):
        name = "output" if len(roots) == 1 else f"output {i}"
        root_id = dot.node(("root", id(t)), dot.tensor_label(t, name), _ROOT_STYLE)
        if t.grad_fn is None:  # a leaf drawn on its own
            continue
        fn_id = dot.node(id(t.grad_fn), t.grad_fn.name(), _NODE_STYLE)
        dot.edge(fn_id, root_id, _tensor_text(t))
    _walk(dot, [t.grad_fn for t in roots if t.grad_fn is not None], show_saved)
    header = ["digraph backward {", '  node [fontname="monospace", fontsize=10];',
              '  edge [fontname="monospace", fontsize=9];']
    return "\n".join(header + dot.lines + ["}"]) + "\n"


def draw(tensor, path: str | os.PathLike = "graph.svg", show_saved: bool = False,
         params: dict | None = None) -> str:
    """Render ``to_dot(tensor, show_saved, params)`` to ``path``; returns the path written.

    With Graphviz's ``dot`` program installed, the format is the path's suffix (``.svg``,
    ``.png``, ``.pdf``, ...: any ``dot -T`` format). Without it, the DOT text is written next to
    it with the suffix ``.dot`` instead, a warning says so, and that path is returned (render it
    later with ``dot -Tsvg graph.dot -o graph.svg``). A ``.dot`` or ``.gv`` path is always
    plain DOT text.

    Shapes: as to_dot.

    Example:
    >>> import os, tempfile
    >>> w = tl.ones(3, requires_grad=True)
    >>> out = tl.viz.draw((w * w).sum(), os.path.join(tempfile.mkdtemp(), "graph.dot"))
    >>> out.endswith("graph.dot") and open(out).read().startswith("digraph")
    True
    """
    text = to_dot(tensor, show_saved=show_saved, params=params)
    path = os.fspath(path)
    root, suffix = os.path.splitext(path)
    fmt = suffix.lstrip(".").lower()
    if fmt in ("dot", "gv", ""):
        return _write(path if fmt else path + ".dot", text)
    program = shutil.which("dot")
    if program is None:
        written = _write(root + ".dot", text)
        warn_user(f"draw: Graphviz's `dot` is not installed, so {path} was not rendered; wrote the "
                  f"DOT text to {written} instead (install Graphviz, e.g. `apt install graphviz`, "
                  f"then run `dot -T{fmt} {written} -o {path}`)")
        return written
    result = subprocess.run([program, f"-T{fmt}", "-o", path], input=text, text=True,
                            capture_output=True, timeout=_DOT_TIMEOUT_S)
    if result.returncode != 0:
        raise RuntimeError(f"draw: `dot -T{fmt}` failed for {path} (exit status {result.returncode}): "
                           f"{result.stderr.strip()}; use a suffix dot knows (svg, png, pdf) or .dot")
    return path


def _write(path: str, text: str) -> str:
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    return path
