"""A Griffe extension for the API reference (mkdocs.yml loads it): examples become code blocks.

tensorlite's docstrings give their examples as bare doctest lines (``>>> code`` then the output,
up to a blank line), which tests/test_docstring_examples.py runs. Markdown would read those lines
as prose (``y[0][1]`` as a link reference, ``*`` as emphasis), so each run of them is fenced as a
``pycon`` block before the docstring is rendered.
"""
from __future__ import annotations

from typing import Any

import griffe

FENCE = "```"


def fence_doctests(text: str) -> str:
    """Wrap each run of doctest lines (a ``>>>`` line up to the next blank line) in a fence."""
    out: list[str] = []
    in_fence = in_example = False
    indent = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if in_example and not stripped:
            out += [indent + FENCE, ""]
            in_example = False
        if stripped.startswith(FENCE) and not in_example:
            in_fence = not in_fence
        elif stripped.startswith(">>>") and not in_fence and not in_example:
            indent = line[: len(line) - len(stripped)]
            out += ["", indent + FENCE + "pycon"]
            in_example = True
        out.append(line)
    if in_example:
        out.append(indent + FENCE)
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fences the doctest examples of every docstring Griffe loads, and keeps the special
    attributes that inspection finds on every module and class (``__doc__``, ``__module__``,
    ...) out of the reference."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        _drop_special_attributes(cls)

    def on_module_members(self, *, mod: griffe.Module, **kwargs: Any) -> None:
        _drop_special_attributes(mod)


def _drop_special_attributes(obj: griffe.Object) -> None:
    for name, member in list(obj.members.items()):
        if not member.is_alias and member.is_attribute and name.startswith("__") and name.endswith("__"):
            del obj.members[name]
