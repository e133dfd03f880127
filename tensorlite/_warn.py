"""Warnings (and call sites) that point at the user's line, not at tensorlite's internals."""
from __future__ import annotations

import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def first_user_frame(depth: int = 1):
    """``(frame, level)``: the first frame outside the tensorlite package, starting ``depth``
    frames above the caller, and how many frames above that start it is (1 = the start).
    ``frame`` is None when every frame is inside the package."""
    frame = sys._getframe(depth + 1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return frame, level


def user_call_site() -> str:
    """'file:line in function' of the innermost frame outside tensorlite (where user code ran)."""
    frame, _ = first_user_frame()
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the first frame outside tensorlite (the user's line).

    Wrappers such as ``tensor_op`` and method forms add frames, so a fixed ``stacklevel`` at
    each warn site would point inside the package on some paths.

    Example::

        >>> import warnings, tensorlite as tl
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = tl.ones(1).var()
        >>> caught[0].filename.endswith(("reduce.py", "_util.py", "_warn.py"))  # not inside var()
        False
    """
    _, level = first_user_frame()
    warnings.warn(message, category, stacklevel=level + 1)
