"""The package's structure (DESIGN.md, "The layers and the one rule between them"): imports
point downward and say the truth, importing tensorlite changes nothing in the host process,
and only tensorlite/ops/ and tensorlite/backends/ reach a backend: every computation goes
through Function.apply (or InplaceFunction.apply for writes), where devices are checked."""
import ast
import concurrent.futures
import importlib.util
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensorlite as tl

PACKAGE = pathlib.Path(tl.__file__).resolve().parent
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _relative(path: pathlib.Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: pathlib.Path) -> bool:
    return path.name == "__init__.py"


TREES = {_relative(p): ast.parse(p.read_text(), filename=str(p)) for p in SOURCES}
NAMES = {_relative(p): _module_name(p) for p in SOURCES}
MODULES = set(NAMES.values())


def _module_level(body):
    """The statements that run at import: the module body and the blocks of its if/for/with/try
    statements, not the bodies of functions and classes."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            yield from _module_level(getattr(node, field, ()) or ())


def _function_level(tree):
    """The statements inside functions (and methods)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if inner is not node:
                    yield inner


def _imported_modules(node, file: str):
    """The tensorlite modules an import statement loads (absolute names)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "tensorlite"]
    if node.level:
        package = NAMES[file] if file.endswith("__init__.py") else NAMES[file].rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    elif node.module and node.module.split(".")[0] == "tensorlite":
        base = node.module
    else:
        return []
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


# -- honest imports ------------------------------------------------------------------------------

def _import_alone(module: str):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, PYTHONPATH=str(PACKAGE.parent)))
    return module, result.returncode, result.stderr[-2000:]


def test_every_module_imports_alone_in_a_fresh_interpreter():
    skipped = {"tensorlite.__main__"}  # runs the command line when imported
    if importlib.util.find_spec("pyopencl") is None:
        skipped |= {m for m in MODULES if m.startswith("tensorlite.backends.opencl")}
    modules = sorted(MODULES - skipped)
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        failures = [(m, err) for m, rc, err in pool.map(_import_alone, modules) if rc]
    assert not failures, "\n\n".join(f"python -c 'import {m}' failed:\n{err}" for m, err in failures)


def test_no_module_assigns_into_another_module_at_import():
    """No `othermodule.X = ...` or `setattr(imported, ...)` at import time: a global filled in
    later by another module lies about what the module needs. tensorlite/_methods.py, which
    attaches the op methods to Tensor, is the one allowed circle."""
    allowed = {"tensorlite/_methods.py"}
    found = []
    for file, tree in TREES.items():
        if file in allowed:
            continue
        imported = set()
        for node in _module_level(tree.body):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
        for node in _module_level(tree.body):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                    getattr(node.value.func, "id", None) == "setattr" and node.value.args:
                targets = [ast.Attribute(value=node.value.args[0], attr="?")]
            for target in targets:
                root = target
                while isinstance(root, (ast.Attribute, ast.Subscript)):
                    root = root.value
                if root is not target and isinstance(root, ast.Name) and root.id in imported:
                    found.append(f"{file}:{node.lineno}: assigns into imported {root.id!r}")
    assert not found, "\n".join(found)


def _probes_a_version(node, file) -> bool:
    """``try: from numpy._core... import ... except ImportError:``: a third-party feature probe,
    not a tensorlite import placed late to dodge a cycle."""
    catches = any(isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                  for h in getattr(node, "handlers", ()))
    imports = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return isinstance(node, ast.Try) and catches and not any(_imported_modules(n, file) for n in imports)


def test_no_import_after_the_first_definition():
    """Imports at the top say what a module needs; one at the bottom hides a cycle."""
    found = []
    for file, tree in TREES.items():
        first_definition = None
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first_definition = first_definition or node.lineno
            elif first_definition is not None and not _probes_a_version(node, file):
                for inner in _module_level([node]):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        found.append(f"{file}:{inner.lineno}: import after the first definition "
                                     f"(line {first_definition})")
    assert not found, "\n".join(found)


def test_module_imports_point_downward():
    """The graph of module-level imports between tensorlite modules has no cycle. A package's
    __init__ only re-exports its modules, so its own imports are not edges; the circle
    Tensor <-> its op methods is closed at run time by tensorlite/_methods.py, not by imports."""
    edges = {}
    for file, tree in TREES.items():
        if file.endswith("__init__.py"):
            continue
        targets = set()
        for node in _module_level(tree.body):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets |= set(_imported_modules(node, file))
        edges[NAMES[file]] = targets & MODULES
    state, stack, cycles = {}, [], []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


# Function-level imports of tensorlite modules that load an optional dependency on first use.
LAZY_IMPORTS_ALLOWED = {
    "tensorlite/device.py": "the OpenCL backend: pyopencl is optional, loading it lists platforms",
    "tensorlite/cli.py": "`tensorlite devices` lists OpenCL devices only when pyopencl is installed",
}


def _lazy_imports(file):
    return [node for node in _function_level(TREES[file])
            if isinstance(node, (ast.Import, ast.ImportFrom)) and _imported_modules(node, file)]


def test_no_function_level_imports_of_tensorlite_modules():
    """An import inside a function that only dodges an import cycle is a hidden cycle."""
    found = [f"{file}:{node.lineno}: imports {', '.join(_imported_modules(node, file))} inside a function"
             for file in TREES if file not in LAZY_IMPORTS_ALLOWED
             for node in _lazy_imports(file)]
    assert not found, "\n".join(found)


# -- one way into the backend ----------------------------------------------------------------------

# Files that may name a backend besides tensorlite/ops/ and tensorlite/backends/, and why.
BACKEND_ALLOWED = {
    "tensorlite/device.py": "defines Device, which binds a device name to its backend instance",
    "tensorlite/cli.py": "`tensorlite devices` lists the OpenCL devices (a query, no tensor)",
}


def _backend_references(file: str) -> list:
    found = []
    for node in ast.walk(TREES[file]):
        if isinstance(node, ast.Attribute) and node.attr == "backend":
            found.append(f"{file}:{node.lineno}: .backend")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for module in _imported_modules(node, file):
                if module == "tensorlite.backends" or module.startswith("tensorlite.backends."):
                    found.append(f"{file}:{node.lineno}: imports {module}")
    return found


def test_only_ops_and_backends_reach_a_backend():
    outside = [f for f in TREES if not f.startswith(("tensorlite/ops/", "tensorlite/backends/"))]
    found = [ref for f in outside if f not in BACKEND_ALLOWED
             for ref in _backend_references(f)]
    assert not found, ("only tensorlite/ops/ and tensorlite/backends/ may call a backend (go through "
                       "an op, or tensorlite/ops/_queries.py for a question or a host copy):\n"
                       + "\n".join(found))


# The layers above the ops compute through ops only: NumPy there would be a computation on a
# backend array (``t.data``) that only the CPU backend can run and no device check sees.
ABOVE_THE_OPS = ("tensorlite/nn/", "tensorlite/optim/", "tensorlite/training/", "tensorlite/autograd/",
                 "tensorlite/tensor.py")


def _array_library_imports(file: str) -> list:
    found = []
    for node in ast.walk(TREES[file]):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        found += [f"{file}:{node.lineno}: imports {n}" for n in names if n.split(".")[0] in ("numpy", "pyopencl")]
    return found


def test_layers_above_the_ops_import_no_array_library():
    found = [ref for f in TREES if f.startswith(ABOVE_THE_OPS) for ref in _array_library_imports(f)]
    assert not found, ("nn, optim, training, autograd and Tensor compute with ops, not on backend "
                       "arrays (add an op in tensorlite/ops/):\n" + "\n".join(found))


def test_the_array_library_guard_sees_an_import():
    TREES["tensorlite/nn/_probe.py"] = ast.parse("def f(t):\n    import numpy as np\n    return np.sum(t.data)\n")
    try:
        assert _array_library_imports("tensorlite/nn/_probe.py") == ["tensorlite/nn/_probe.py:2: imports numpy"]
    finally:
        del TREES["tensorlite/nn/_probe.py"]


def test_the_guard_names_file_and_line():
    tree = ast.parse("def f(t):\n    return t.device.backend.copy(t.data)\n")
    TREES["tensorlite/_probe.py"] = tree
    try:
        assert _backend_references("tensorlite/_probe.py") == ["tensorlite/_probe.py:2: .backend"]
    finally:
        del TREES["tensorlite/_probe.py"]


# -- no import side effects ------------------------------------------------------------------------

_SIDE_EFFECTS_PROBE = textwrap.dedent("""
    import ctypes, json, sys, warnings
    import numpy  # noqa: F401  (dependencies install their own filters when imported)
    try:
        import pyopencl  # noqa: F401
    except ImportError:
        pass
    calls = []
    real_cdll = ctypes.CDLL
    class Recording:
        def __init__(self, *args, **kwargs):
            self._lib = real_cdll(*args, **kwargs)
        def __getattr__(self, name):
            if name == "mallopt":
                calls.append(name)
            return getattr(self._lib, name)
    ctypes.CDLL = Recording
    filters = list(warnings.filters)
    import tensorlite as tl
    try:
        device = tl.device("opencl")
        (tl.ones(3, device=device) * 2).sum().item()  # loads the runtime, builds kernels
    except RuntimeError:
        pass
    print(json.dumps({"mallopt": calls, "filters_unchanged": list(warnings.filters) == filters}))
""")


def _probe(**env):
    environment = {k: v for k, v in os.environ.items() if k != "TENSORLITE_MALLOC_TUNING"}
    result = subprocess.run([sys.executable, "-c", _SIDE_EFFECTS_PROBE], capture_output=True, text=True,
                            timeout=300, env=dict(environment, PYTHONPATH=str(PACKAGE.parent), **env))
    assert result.returncode == 0, result.stderr[-3000:]
    import json
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_import_leaves_the_allocator_and_the_warning_filters_alone():
    report = _probe()
    assert report == {"mallopt": [], "filters_unchanged": True}
    # the opt-in works (so the probe can see a call)
    assert _probe(TENSORLITE_MALLOC_TUNING="1")["mallopt"] == ["mallopt"]


# -- the door: devices, versions -------------------------------------------------------------------

@pytest.mark.backend_pair
class TestMixedDevices:
    """Operands on two devices are refused by every entry, before anything is written."""

    @pytest.mark.parametrize("method", ["add_", "sub_", "mul_", "div_", "maximum_", "minimum_", "pow_"])
    @pytest.mark.parametrize("grad_mode", [True, False])
    def test_in_place_arithmetic_refuses(self, opencl, method, grad_mode):
        a, b = tl.ones(3, device="cpu"), tl.full((3,), 2.0, device=opencl)
        with tl.set_grad_enabled(grad_mode):
            for x, y in ((a, b), (b, a)):
                before = x._version
                with pytest.raises(RuntimeError, match="at least two devices"):
                    getattr(x, method)(y)
                assert x._version == before
        assert a.tolist() == [1.0] * 3 and b.tolist() == [2.0] * 3

    def test_out_of_place_refuses(self, opencl):
        with pytest.raises(RuntimeError, match="at least two devices"):
            tl.ones(3, device="cpu") + tl.ones(3, device=opencl)

    def test_zero_dim_cpu_operand_joins_the_device(self, opencl):
        x = tl.ones(3, device=opencl)
        x.add_(tl.tensor(2.0))
        assert x.device == opencl and x.tolist() == [3.0] * 3

    def test_copy_converts_the_device_as_pytorch(self, opencl):
        x = tl.zeros(3, device=opencl)
        x.copy_(tl.tensor([1.0, 2.0, 3.0]))
        assert x.device == opencl and x.tolist() == [1.0, 2.0, 3.0]

    def test_accumulation_and_user_kernels_check_devices(self, opencl):
        from tensorlite.ops.gradients import AccumulateInto
        from tensorlite.ops.user_kernel import RunKernel
        cpu, other = tl.zeros(2), tl.ones(2, device=opencl)
        with pytest.raises(RuntimeError, match="at least two devices.*AccumulateInto"):
            AccumulateInto.apply(cpu, other)
        kernel = tl.opencl.Kernel("__kernel void k(__global T* a, __global const T* b) {}", "k")
        with pytest.raises(RuntimeError, match="at least two devices.*RunKernel"):
            RunKernel.apply(other, cpu, kernel=kernel, global_size=(2,), local_size=None,
                            element=np.float32, writes=kernel.writes)
        assert cpu.tolist() == [0.0, 0.0] and cpu._version == 0


class TestWritesMoveVersions:
    def test_gradient_accumulation_is_an_in_place_write(self):
        x = tl.ones(3, requires_grad=True)
        (x * 2).sum().backward()
        grad = x.grad
        before = grad._version
        (x * 3).sum().backward()
        assert x.grad is grad and grad.tolist() == [5.0] * 3 and grad._version == before + 1

    @pytest.mark.parametrize("fill", [lambda t: t.uniform_(-1, 1), lambda t: t.normal_(0.0, 2.0)])
    def test_random_fill_of_a_saved_tensor_fails_backward(self, fill):
        w = tl.ones(3, requires_grad=True)
        x = tl.ones(3)
        y = (w * x).sum()  # saves x
        fill(x)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()

    def test_random_fill_refuses_a_leaf_that_requires_grad(self):
        w = tl.ones(3, requires_grad=True)
        state = tl.get_rng_state()
        with pytest.raises(RuntimeError, match=r"leaf Variable.*normal_"):
            w.normal_()
        assert tl.get_rng_state() == state  # refused before the draw

    def test_anomaly_mode_checks_what_a_write_produced(self):
        x = tl.zeros(3)
        with tl.autograd.detect_anomaly():
            x.normal_(0.0, 1.0)  # finite: fine
            with pytest.raises(RuntimeError, match="RandomFill' wrote nan or inf"):
                x.normal_(float("nan"), 1.0)

    def test_kernel_writes_are_read_from_the_signature(self):
        from tensorlite.ops.user_kernel import written_parameters
        source = """
            __kernel void other(__global T* a) {}
            __kernel void scale(__global T* out, __global const T* x, T factor, int n,
                                global float *restrict tmp, __global const float* const y,
                                __constant T* table) {}"""
        assert written_parameters(source, "scale") == (0, 4)
        assert written_parameters(source, "missing") is None

    @pytest.mark.backend_pair
    def test_kernel_bumps_the_versions_of_what_it_writes(self, opencl):
        kernel = tl.opencl.Kernel("""
            __kernel void twice(__global T* out, __global const T* x, int n) {
                int i = get_global_id(0);
                if (i < n) out[i] = 2 * x[i];
            }""", "twice")
        x = tl.arange(3.0, device=opencl)
        out = tl.empty_like(x)
        kernel(3, out, x, 3)
        assert out.tolist() == [0.0, 2.0, 4.0] and out._version == 1 and x._version == 0
