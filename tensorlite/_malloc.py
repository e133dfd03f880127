"""glibc allocator tuning for large, short-lived NumPy temporaries.

By default glibc serves blocks above a dynamic threshold (128 KiB at first) with mmap and
returns them to the OS on free, so every training step maps fresh pages and takes a page fault
per 4 KiB touched. Raising the mmap and trim thresholds keeps those blocks in the heap for
reuse. Set TENSORLITE_MALLOC_TUNING=0 to leave the allocator alone (benchmarks/ measures both).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
THRESHOLD_BYTES = 256 * 1024 * 1024  # above glibc's 32 MiB dynamic maximum


def tune() -> bool:
    """Raise glibc's mmap/trim thresholds; returns whether it was applied."""
    if not sys.platform.startswith("linux") or os.environ.get("TENSORLITE_MALLOC_TUNING", "1") == "0":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc (musl, ...)
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, 2 * THRESHOLD_BYTES))


APPLIED = tune()
