"""The `>>>` examples in the docstrings run as doctests, and every public op has one.

Each docstring's examples are one test (its id names the object), run with
NORMALIZE_WHITESPACE | ELLIPSIS. The examples assume ``import tensorlite as tl``,
``from tensorlite import nn`` and ``import tensorlite.nn.functional as F``.

The examples document the API, so they run with the default device forced to 'cpu' in both
passes of the suite (under TENSORLITE_DEVICE=opencl a tensor's repr would gain a device suffix);
whether the backends agree is tested elsewhere (test_cross_backend.py, the op specs). The random
state, default dtype and default device are restored after each docstring.
"""
from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite import nn

OPTIONFLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
# the examples run as user code: classes they define live in __main__, not in a tensorlite module
# (a user's Function subclass has a grad_fn named CubeBackward, a built-in op's MulBackward0)
EXAMPLE_GLOBALS = {"tl": tl, "nn": nn, "F": F, "__name__": "__main__"}


def _public_modules():
    """Every module of the package whose dotted name has no component starting with '_'
    (tensorlite.__main__ runs the command line, private modules document nothing public)."""
    names = ["tensorlite"]
    for info in pkgutil.walk_packages(tl.__path__, "tensorlite."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return [importlib.import_module(name) for name in sorted(names)]


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = {}
    for module in _public_modules():
        for test in finder.find(module, extraglobs=EXAMPLE_GLOBALS):
            if test.examples:  # a docstring without `>>>` is no test
                found.setdefault(test.name, test)
    # Tensor methods made by a function (x.add_, ...) belong to no module's namespace; a method
    # bound to a documented op (x.reshape) or an alias (__iadd__ is add_) is run once
    seen = {test.docstring for test in found.values()}
    for name, method in sorted(vars(tl.Tensor).items(), key=lambda item: item[0].startswith("_")):
        method = method.fget if isinstance(method, property) else method
        if callable(method) and method.__doc__ and method.__doc__ not in seen:
            for test in finder.find(method, f"tensorlite.Tensor.{name}", module=False,
                                    globs=dict(EXAMPLE_GLOBALS)):
                if test.examples:
                    found.setdefault(test.name, test)
                    seen.add(test.docstring)
    return [found[name] for name in sorted(found)]


DOCTESTS = _doctests()




@pytest.mark.parametrize("test", DOCTESTS, ids=[test.name for test in DOCTESTS])
def test_docstring_example(test, cpu_and_restored_state):
    report = []
    runner = doctest.DocTestRunner(verbose=False, optionflags=OPTIONFLAGS)
    result = runner.run(test, out=report.append, clear_globs=True)
    if result.failed:
        pytest.fail(f"{result.failed} of {result.attempted} examples of {test.name} "
                    f"({test.filename}:{test.lineno}) failed:\n" + "".join(report), pytrace=False)


def test_the_runner_finds_examples_in_every_layer():
    """Guards the discovery itself: a finder that silently finds nothing would pass everything."""
    modules = {test.name.rsplit(".", 1)[0] for test in DOCTESTS}
    for expected in ("tensorlite.ops.creation", "tensorlite.ops.movement",
                     "tensorlite.nn.functional"):
        assert any(name.startswith(expected) for name in modules), expected
    assert len(DOCTESTS) > 250


def test_a_wrong_example_fails():
    parser = doctest.DocTestParser()
    wrong = parser.get_doctest(">>> tl.ones(2)\ntensor([2., 2.])\n", dict(EXAMPLE_GLOBALS),
                               "wrong", "wrong.py", 0)
    runner = doctest.DocTestRunner(verbose=False, optionflags=OPTIONFLAGS)
    assert runner.run(wrong, out=lambda text: None).failed == 1


# ------------------------------------------------------------------------------------ coverage

def _has_example(obj) -> bool:
    return ">>>" in (inspect.getdoc(obj) or "")


def _defining_module(obj) -> str:
    obj = inspect.unwrap(obj.fget if isinstance(obj, property) else obj)
    return getattr(obj, "__module__", None) or ""


def _is_op_module(module: str) -> bool:
    return module.startswith("tensorlite.ops.") or module == "tensorlite.nn.functional"


def _public_op_names():
    """name -> object: the callables of ``tl.*`` defined in ops/ (or in the package itself, or F),
    ``F.__all__``, and the public Tensor methods and properties that are ops (bound from ops/ or
    by tensorlite/_methods.py)."""
    names = {}
    for name in dir(tl):
        obj = getattr(tl, name)
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        module = _defining_module(obj)
        if _is_op_module(module) or module == "tensorlite":
            names[f"tl.{name}"] = obj
    for name in F.__all__:
        names[f"F.{name}"] = getattr(F, name)
    for name, obj in vars(tl.Tensor).items():
        module = _defining_module(obj)
        if not name.startswith("_") and (_is_op_module(module) or module == "tensorlite._methods"):
            names[f"Tensor.{name}"] = obj.fget if isinstance(obj, property) else obj
    return names


def test_every_public_op_has_an_example():
    names = _public_op_names()
    missing = sorted(name for name, obj in names.items() if not _has_example(obj))
    assert not missing, (f"{len(missing)} public ops have no `>>>` example in their docstring: "
                         f"{', '.join(missing)}")


def test_the_coverage_check_sees_the_op_families():
    names = _public_op_names()
    for expected in ("tl.reshape", "tl.gather", "tl.matmul", "tl.zeros", "tl.sum", "tl.add",
                     "F.conv2d", "F.cross_entropy", "Tensor.view", "Tensor.sum", "Tensor.mT",
                     "Tensor.add_", "Tensor.new_zeros"):
        assert expected in names, expected
