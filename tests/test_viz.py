"""tensorlite.viz: the backward graph as DOT text, rendered by Graphviz's dot when installed."""
import re
import os
import shutil
import subprocess

import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite import nn
from tensorlite.testing import tensors

NODE = re.compile(r'^  (n\d+) \[label="((?:[^"\\]|\\.)*)", (.*)\];$')
EDGE = re.compile(r'^  (n\d+) -> (n\d+)(?: \[(.*)\])?;$')


def parse(text):
    """({id: (label, attributes)}, [(source, target, attributes)]) of to_dot's output; every
    line between the header and the closing brace must be a node or an edge."""
    lines = text.splitlines()
    assert lines[0] == "digraph backward {" and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[3:-1]:
        node, edge = NODE.match(line), EDGE.match(line)
        assert node or edge, f"not a node or an edge: {line!r}"
        if node:
            assert node.group(1) not in nodes, f"node {node.group(1)} declared twice"
            nodes[node.group(1)] = (node.group(2).replace("\\n", "\n"), node.group(3))
        else:
            edges.append(edge.groups())
    for source, target, _ in edges:
        assert source in nodes and target in nodes, f"edge {source} -> {target} to an undeclared node"
    return nodes, edges


def labels(nodes):
    return sorted(label.split("\n")[0] for label, _ in nodes.values())


def two_layer_graph():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    loss = (model(tl.randn(5, 3)) * 2.0).sum()
    return model, loss


class TestToDot:
    def test_known_graph_structure(self):
        w = tl.ones(2, 3, requires_grad=True)
        b = tl.ones(3, dtype=tl.float64, requires_grad=True)
        y = (w * b).sum()  # Mul(Cast(w) to float64, b) -> Sum -> y
        nodes, edges = parse(tl.viz.to_dot(y, params={"w": w, "b": b}))
        assert labels(nodes) == ["AccumulateGrad", "AccumulateGrad", "CastBackward0", "MulBackward0",
                                 "SumBackward0", "b", "output", "w"]
        by_label = {label.split("\n")[0]: node_id for node_id, (label, _) in nodes.items()}
        assert nodes[by_label["w"]][0] == "w\n(2, 3) float32" and "lightblue" in nodes[by_label["w"]][1]
        assert nodes[by_label["b"]][0] == "b\n(3,) float64"
        assert nodes[by_label["output"]][0] == "output\n() float64"
        assert len(edges) == 7  # w, b -> their AccumulateGrads -> (Cast) -> Mul -> Sum -> output
        into_mul = sorted((nodes[source][0], attrs) for source, target, attrs in edges
                          if target == by_label["MulBackward0"])
        assert into_mul == [("AccumulateGrad", 'label="(3,) float64"'),
                            ("CastBackward0", 'label="(2, 3) float64"')]
        into_cast = [(nodes[source][0], attrs) for source, target, attrs in edges
                     if target == by_label["CastBackward0"]]
        assert into_cast == [("AccumulateGrad", 'label="(2, 3) float32"')]
        assert (by_label["SumBackward0"], by_label["output"], 'label="() float64"') in edges

    def test_shared_subgraph_drawn_once(self):
        x = tl.ones(3, requires_grad=True)
        h = x.exp()
        y = (h * h + h).sum()
        nodes, edges = parse(tl.viz.to_dot(y))
        assert labels(nodes).count("ExpBackward0") == 1 and labels(nodes).count("AccumulateGrad") == 1
        exp_id = next(i for i, (label, _) in nodes.items() if label == "ExpBackward0")
        assert sum(source == exp_id for source, _, _ in edges) == 3  # into Mul twice, into Add once

    def test_model_parameters_are_named(self):
        model, loss = two_layer_graph()
        nodes, edges = parse(tl.viz.to_dot(loss, params=dict(model.named_parameters())))
        names = set(labels(nodes))
        assert {"0.weight", "0.bias", "2.weight", "2.bias", "TanhBackward0", "LinearBackward0"} <= names
        assert len(nodes) == len(edges) + 1  # a tree here: no tensor is used twice

    def test_saved_tensors_optional_and_freed_by_backward(self):
        x = tl.ones(2, 2, requires_grad=True)
        y = (x * x).tanh().sum()
        plain, _ = parse(tl.viz.to_dot(y))
        saved, saved_edges = parse(tl.viz.to_dot(y, show_saved=True))
        extra = [label for label, attrs in saved.values() if "orange" in attrs]
        assert not any("orange" in attrs for _, attrs in plain.values())
        assert sorted(extra) == ["saved\n(2, 2) float32", "saved (own output)\n(2, 2) float32"]  # x, tanh(x * x)
        assert sum("dashed" in (attrs or "") for *_, attrs in saved_edges) == 2
        y.backward()
        after, _ = parse(tl.viz.to_dot(y, show_saved=True))
        assert len(after) == len(plain)

    def test_several_outputs_and_a_lone_leaf(self):
        x = tl.ones(2, requires_grad=True)
        nodes, _ = parse(tl.viz.to_dot([x.sin(), x.cos()]))
        assert {"output 0", "output 1", "SinBackward0", "CosBackward0"} <= set(labels(nodes))
        assert labels(nodes).count("AccumulateGrad") == 1
        nodes, edges = parse(tl.viz.to_dot(x))
        assert labels(nodes) == ["output"] and edges == []

    def test_deep_graph_does_not_recurse(self):
        x = tl.ones(1, requires_grad=True)
        y = x
        for _ in range(3000):
            y = y + 1.0
        nodes, _ = parse(tl.viz.to_dot(y))
        assert len(nodes) == 3003

    def test_errors_name_the_fix(self):
        with pytest.raises(ValueError, match="requires_grad=True"):
            tl.viz.to_dot(tl.ones(2) * 2)
        with pytest.raises(TypeError, match="expected a Tensor"):
            tl.viz.to_dot([1.0])

    def test_quotes_in_names_are_escaped(self):
        w = tl.ones(1, requires_grad=True)
        nodes, _ = parse(tl.viz.to_dot(w * 2, params={'a "quoted" \\ name': w}))
        assert 'a \\"quoted\\" \\\\ name' in {label.split("\n")[0] for label, _ in nodes.values()}


def reachable(root):
    """(backward nodes, leaves, edges) reachable from root.grad_fn, counted by walking
    next_functions directly."""
    nodes, leaves, edges, stack = {}, {}, 0, [root.grad_fn]
    while stack:
        node = stack.pop()
        if id(node) in nodes:
            continue
        nodes[id(node)] = node
        if node.name() == "AccumulateGrad":
            leaves[id(node.variable)] = node.variable
        for source, _ in node.next_functions:
            if source is not None:
                edges += 1
                stack.append(source)
    return nodes, leaves, edges


UNARY = [lambda t: t.exp(), lambda t: t.tanh(), lambda t: t * 2.0, lambda t: t.sum(0, keepdim=True)]
BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b]


@given(leaves=st.lists(tensors(shape=(2, 3), dtype=tl.float32, requires_grad=True), min_size=1, max_size=3),
       steps=st.lists(st.tuples(st.booleans(), st.integers(0, 10), st.integers(0, 10), st.integers(0, 10)),
                      min_size=1, max_size=8))
def test_every_node_and_edge_drawn_once(leaves, steps):
    """Random graphs that reuse intermediate results: the DOT text has one box per backward node,
    per leaf and for the output, and one arrow per graph edge (plus leaf -> AccumulateGrad and
    the output's own)."""
    values = list(leaves)
    for binary, op, i, j in steps:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append(BINARY[op % len(BINARY)](a, b) if binary else UNARY[op % len(UNARY)](a))
    root = values[-1].sum()
    graph_nodes, graph_leaves, graph_edges = reachable(root)
    nodes, edges = parse(tl.viz.to_dot(root, params={f"leaf{k}": t for k, t in enumerate(leaves)}))
    assert len(nodes) == len(graph_nodes) + len(graph_leaves) + 1
    assert len(edges) == graph_edges + len(graph_leaves) + 1
    drawn = {label.split("\n")[0] for label, attrs in nodes.values() if "lightblue" in attrs}
    assert drawn == {f"leaf{k}" for k, t in enumerate(leaves) if id(t) in graph_leaves}


class TestDraw:
    @pytest.fixture
    def graph(self):
        w = tl.ones(2, requires_grad=True)
        return (w * w).sum()

    def test_without_dot_writes_dot_text_and_warns(self, graph, tmp_path, monkeypatch):
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        with pytest.warns(UserWarning, match="Graphviz's `dot` is not installed.*graph.dot"):
            written = tl.viz.draw(graph, tmp_path / "graph.svg")
        assert written == str(tmp_path / "graph.dot") and not (tmp_path / "graph.svg").exists()
        assert (tmp_path / "graph.dot").read_text() == tl.viz.to_dot(graph)

    def test_dot_suffix_never_calls_dot(self, graph, tmp_path, monkeypatch):
        monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("dot was called"))
        assert tl.viz.draw(graph, tmp_path / "g.gv") == str(tmp_path / "g.gv")
        assert (tmp_path / "g.gv").read_text().startswith("digraph backward {")

    def test_with_dot_runs_it_in_the_suffix_format(self, graph, tmp_path, monkeypatch):
        calls = []

        def fake_run(args, input, text, capture_output, timeout):
            calls.append((args, input, timeout))
            open(args[-1], "w").write("<svg/>")
            return subprocess.CompletedProcess(args, 0, "", "")
        monkeypatch.setattr(shutil, "which", lambda name: "/opt/graphviz/bin/dot" if name == "dot" else None)
        monkeypatch.setattr(subprocess, "run", fake_run)
        target = tmp_path / "graph.PNG"
        assert tl.viz.draw(graph, target) == str(target)
        (args, text, timeout), = calls
        assert args == ["/opt/graphviz/bin/dot", "-Tpng", "-o", str(target)] and timeout > 0
        assert text == tl.viz.to_dot(graph)

    def test_dot_failure_raises_with_its_message(self, graph, tmp_path, monkeypatch):
        monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")
        monkeypatch.setattr(subprocess, "run", lambda args, **k: subprocess.CompletedProcess(
            args, 1, "", 'Format: "xyz" not recognized'))
        with pytest.raises(RuntimeError, match=r'dot -Txyz.*"xyz" not recognized'):
            tl.viz.draw(graph, tmp_path / "graph.xyz")

    @pytest.mark.backend_pair
    def test_real_dot_renders_svg_when_installed(self, graph, tmp_path):
        """A real Graphviz run (.ci/run installs Graphviz and sets TENSORLITE_REQUIRE_GRAPHVIZ, so
        CI never skips it; the monkeypatched tests above cover machines without it)."""
        if shutil.which("dot") is None:
            if os.environ.get("TENSORLITE_REQUIRE_GRAPHVIZ", "") not in ("", "0"):
                pytest.fail("TENSORLITE_REQUIRE_GRAPHVIZ is set but Graphviz's dot is not on PATH")
            pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
        written = tl.viz.draw(graph, tmp_path / "graph.svg")
        svg = (tmp_path / "graph.svg").read_text()
        assert written == str(tmp_path / "graph.svg") and "<svg" in svg and "SumBackward0" in svg
