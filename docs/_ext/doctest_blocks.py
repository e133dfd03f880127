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
    """Wrap each run of doctest lines (a ``>>>`` line up to the next blank line) in a fence.

    Runs indented by 4 or more (``Example:`` then an indented block) only get a blank line in
    front, which makes them an indented code block (a fence there would show as text). Doctest
    lines inside an RST literal block (after a line ending in ``::``) are left alone: that block
    already renders as code, and its ``::`` is shortened to ``:``.
    """
    out: list[str] = []
    in_fence = in_example = fenced = False
    indent = ""
    literal_indent: int | None = None   # indentation of the line that opened a literal block
    for line in text.splitlines():
        stripped = line.lstrip()
        width = len(line) - len(stripped)
        if literal_indent is not None and stripped and width <= literal_indent:
            literal_indent = None
        if in_example and not stripped:
            out += [indent + FENCE, ""] if fenced else [""]
            in_example = False
        if stripped.startswith(FENCE) and not in_example:
            in_fence = not in_fence
        elif stripped.startswith(">>>") and not (in_fence or in_example or literal_indent is not None):
            indent, fenced = line[:width], width < 4
            out += ["", indent + FENCE + "pycon"] if fenced else [""]
            in_example = True
        elif line.rstrip().endswith("::") and not (in_fence or in_example or literal_indent is not None):
            literal_indent = width
            line = line.rstrip()[:-1]
        out.append(line)
    if in_example and fenced:
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
