"""glibc allocator tuning for large, short-lived NumPy temporaries.

glibc serves a block above its mmap threshold with mmap and unmaps it on free, so the next
allocation of that size maps fresh pages and takes a page fault per 4 KiB touched. The
threshold adapts upwards after such a free, but only to 32 MiB: beyond that every temporary
faults on every step. Measured here (benchmarks/allocator.py, 64 MiB temporaries): 577 faults
and 25.5 ms per step with glibc's defaults, 0 faults and 19.0 ms with these thresholds; below
32 MiB (the W2/W3 MLP steps) the two settings measure the same.

The allocator belongs to the whole host process, so importing tensorlite leaves it alone: a
program opts in by calling ``tensorlite.backends.tune_allocator()`` or by setting
``TENSORLITE_MALLOC_TUNING=1`` (read once, when tensorlite is imported).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
THRESHOLD_BYTES = 256 * 1024 * 1024  # above glibc's 32 MiB dynamic maximum


def tune_allocator() -> bool:
    """Raise glibc's mmap/trim thresholds to 256/512 MiB for the whole process (opt-in: import
    never does it); returns whether it was applied (False off Linux/glibc). Worth it when a
    step makes temporaries above 32 MiB: 64 MiB temporaries then cost 0 page faults per step
    instead of about a thousand (benchmarks/allocator.py). Shapes: no tensor arguments.

    Example, at the start of a training script:
    >>> applied = tl.backends.tune_allocator()
    >>> applied in (True, False)
    True
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc (musl, ...)
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, 2 * THRESHOLD_BYTES))


def tune_if_requested() -> bool:
    """``tune_allocator()`` when the environment asks for it (``TENSORLITE_MALLOC_TUNING=1``)."""
    return os.environ.get("TENSORLITE_MALLOC_TUNING", "0") == "1" and tune_allocator()
