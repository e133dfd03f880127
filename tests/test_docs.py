"""Every ```python block of the documentation runs, and every API page names a real module.

The conventions (docs/contributing.md states them for authors):
- the ```python blocks of one page run in order, in one namespace per page, in a temporary
  working directory, with 'cpu' as the default device (the random state, default dtype and
  device are restored afterwards);
- a ```python block followed by a ```text block (only blank lines between) must print exactly
  that text (trailing whitespace ignored);
- ``<!-- docs-test: skip -->`` on the line just before a ```python fence leaves that block out;
- a page with the line ``<!-- docs-test: needs opencl -->`` needs an OpenCL device (skipped without
  one, except under TENSORLITE_REQUIRE_OPENCL=1, as the OpenCL tests are).
A failing block is reported with its page and line; tracebacks carry the page's line numbers.
The docs run on the CPU whichever pass of the suite this is, so they run once (backend_pair).
"""
from __future__ import annotations

import contextlib
import importlib
import io
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

import tensorlite as tl

pytestmark = pytest.mark.backend_pair

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))
FENCE = re.compile(r"^(`{3,})\s*([\w-]*)")
SKIP_MARK = "<!-- docs-test: skip -->"
OPENCL_MARK = "<!-- docs-test: needs opencl -->"
# the modules the API reference must cover (a page lost in an edit fails the test)
REFERENCE = {"tensorlite", "tensorlite.autograd", "tensorlite.nn", "tensorlite.nn.functional",
             "tensorlite.optim", "tensorlite.optim.lr_scheduler", "tensorlite.data",
             "tensorlite.training", "tensorlite.testing", "tensorlite.linalg", "tensorlite.special",
             "tensorlite.serialization", "tensorlite.onnx", "tensorlite.utils.dlpack", "tensorlite.viz",
             "tensorlite.distributed", "tensorlite.nn.parallel", "tensorlite.compile"}


@dataclass
class Block:
    line: int                # the page's line of the first line of code (1-based)
    code: str
    expected: str | None     # the following ```text block, if any
    skip: bool


def fenced_blocks(text: str) -> list[tuple[str, int, str, str]]:
    """(language, first code line, code, line before the fence) for each fenced block."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, language, start = opening.group(1), opening.group(2), i + 1
        end = start
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        if end == len(lines):
            raise ValueError(f"line {i + 1}: the ``` fence is never closed")
        blocks.append((language, start + 1, "\n".join(lines[start:end]), lines[i - 1] if i else ""))
        i = end + 1
    return blocks


def python_blocks(text: str) -> list[Block]:
    """The page's ```python blocks, each with the ```text block that follows it."""
    lines = text.splitlines()
    fenced = fenced_blocks(text)
    blocks = []
    for index, (language, line, code, before) in enumerate(fenced):
        if language != "python":
            continue
        expected = None
        if index + 1 < len(fenced) and fenced[index + 1][0] == "text":
            code_end = line + code.count("\n") + 1          # the closing fence's line
            between = lines[code_end:fenced[index + 1][1] - 2]
            if not any(part.strip() for part in between):
                expected = fenced[index + 1][2]
        blocks.append(Block(line, code, expected, before.strip() == SKIP_MARK))
    return blocks


def run_page(name: str, text: str) -> int:
    """Run the page's blocks in one namespace; raise AssertionError naming the page and the line
    of the first block that fails or prints something else than its ```text block. Returns the
    number of blocks run."""
    namespace = {"__name__": "__main__"}
    ran = 0
    for block in python_blocks(text):
        if block.skip:
            continue
        # blank lines in front: the code's line numbers are the page's, in tracebacks too
        code = compile("\n" * (block.line - 1) + block.code, f"docs/{name}", "exec")
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(code, namespace)
        except Exception:
            raise AssertionError(f"docs/{name}, block at line {block.line} raised:\n"
                                 f"{traceback.format_exc()}") from None
        ran += 1
        if block.expected is not None:
            got = "\n".join(line.rstrip() for line in printed.getvalue().rstrip().splitlines())
            want = "\n".join(line.rstrip() for line in block.expected.rstrip().splitlines())
            if got != want:
                raise AssertionError(f"docs/{name}, block at line {block.line} printed\n{got}\n"
                                     f"but its ```text block says\n{want}")
    return ran


@pytest.fixture
def docs_state(tmp_path, monkeypatch, cpu_and_restored_state):
    """A scratch working directory, the CPU as default device, state restored afterwards."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", PAGES)
def test_page_code_blocks_run(name, docs_state, request):
    text = (DOCS / name).read_text()
    if any(line.strip() == OPENCL_MARK for line in text.splitlines()):
        request.getfixturevalue("opencl")  # skips (or fails under TENSORLITE_REQUIRE_OPENCL)
    run_page(name, text)


def test_the_docs_have_pages_with_code():
    counts = {name: len(python_blocks((DOCS / name).read_text())) for name in PAGES}
    assert sum(counts.values()) >= 20, counts
    assert all(counts[name] for name in PAGES if name.startswith("tutorials/")), counts


def test_a_wrong_expected_output_names_the_page_and_line(docs_state):
    page = "# t\n\n```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n"
    with pytest.raises(AssertionError, match=r"docs/t\.md, block at line 4 printed\n2\n"):
        run_page("t.md", page)
    assert run_page("t.md", page.replace("3\n```", "2\n```")) == 1


def test_a_failing_block_names_the_page_and_its_line(docs_state):
    page = "# t\n\n```python\nx = 1\n```\n\ntext\n\n```python\ny = x\nz = y / 0\n```\n"
    with pytest.raises(AssertionError, match=r"(?s)docs/t\.md, block at line 10 raised.*"
                                             r"File \"docs/t\.md\", line 11"):
        run_page("t.md", page)


def test_only_marked_blocks_are_skipped_and_other_languages_do_not_run(docs_state):
    page = ("```sh\nexit 1\n```\n\n" + SKIP_MARK + "\n```python\nraise SystemExit\n```\n\n"
            "```python\nprint('ran')\n```\n```text\nran\n```\n")
    blocks = python_blocks(page)
    assert [(block.line, block.skip, block.expected) for block in blocks] == [
        (7, True, None), (11, False, "ran")]
    assert run_page("t.md", page) == 1


def _api_targets():
    targets = []
    for name in PAGES:
        for number, line in enumerate((DOCS / name).read_text().splitlines(), 1):
            if line.startswith(":::"):
                targets.append((name, number, line[3:].strip()))
    return targets


def _resolve(dotted: str):
    """Import the longest module prefix of ``dotted`` and walk the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("page,line,target", _api_targets(),
                         ids=[f"{page}:{line}" for page, line, _ in _api_targets()])
def test_api_reference_targets_exist(page, line, target):
    try:
        _resolve(target)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"docs/{page}, line {line}: ::: {target} names nothing: {error}")


def test_api_reference_covers_the_public_modules():
    documented = {target for _, _, target in _api_targets()}
    assert REFERENCE <= documented, f"API pages missing: {sorted(REFERENCE - documented)}"


def test_resolving_a_misspelt_target_fails():
    with pytest.raises((ImportError, AttributeError)):
        _resolve("tensorlite.nn.functionall")
    assert _resolve("tensorlite.nn.functional.relu") is tl.nn.functional.relu


def test_importing_the_main_module_does_not_run_the_command_line(monkeypatch):
    """The API reference imports every module of the package (mkdocstrings' inspection):
    tensorlite.__main__ must run the CLI only under ``python -m tensorlite``."""
    import sys
    monkeypatch.setattr(sys, "argv", ["mkdocs", "build"])
    monkeypatch.delitem(sys.modules, "tensorlite.__main__", raising=False)
    module = importlib.import_module("tensorlite.__main__")    # SystemExit(2) before the fix
    assert callable(module.main)
