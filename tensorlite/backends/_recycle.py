"""Output and scratch arrays of the NumPy conv and pool methods, handed back to the next call of
the same shape once nothing else refers to them.

A training step makes the same large temporaries every step (im2col columns, col2im blocks,
max-pool values and indices: ~0.2-1 MB each in a small CNN). glibc gives each one fresh pages
whenever it has trimmed its heap after the previous step, and a page fault per 4 KiB touched
cost a compiled W4 step ~500 faults, ~20% of its time. Reusing an array is invisible to the
program: it is only taken again when its reference count shows that no tensor, view (a view
holds its base), saved context or caller still holds it, exactly when ``free`` would have
released its memory for the next ``malloc``.
"""
from __future__ import annotations

import sys
import threading

import numpy as np

LIMIT_BYTES = 64 * 1024 * 1024  # what the arrays held between calls may add up to
MIN_BYTES = 64 * 1024  # smaller ones come from malloc's bins without faults: not worth a lookup
PER_KEY = 4  # arrays kept per (tag, shape, dtype): e.g. two conv layers of one shape


def _count(arrays, index) -> int:
    return sys.getrefcount(arrays[index])


_SOLE = _count([np.empty(1)], 0)  # the count of an array only a list holds (interpreter-dependent)


class Recycler:
    """``take(tag, shape, dtype)``: an uninitialised C-contiguous array, one that ``give`` kept
    under that key if no one else holds it any more, else a new one. Thread-safe: one lock
    (``give``'s eviction walks the whole dict, which another thread's take or give resizes).

    Example:
    >>> pool = Recycler()
    >>> a = pool.give("cols", pool.take("cols", (256, 256), np.float32))
    >>> address = a.ctypes.data
    >>> del a  # no one holds it any more: the next take of its key gets it back
    >>> pool.take("cols", (256, 256), np.float32).ctypes.data == address
    True
    """

    def __init__(self, limit_bytes: int = LIMIT_BYTES):
        self._arrays = {}  # (tag, shape, dtype) -> [array], oldest key first
        self._limit = limit_bytes
        self._lock = threading.Lock()

    def take(self, tag, shape, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        with self._lock:
            array = self._take_kept((tag, shape, dtype))
        return np.empty(shape, dtype) if array is None else array

    def _take_kept(self, key):
        """A kept array of ``key`` that only the pool holds, or None (under the lock)."""
        arrays = self._arrays.pop(key, None)
        if arrays:
            for index in range(len(arrays)):
                if _count(arrays, index) == _SOLE:
                    array = arrays.pop(index)
                    if arrays:
                        self._arrays[key] = arrays
                    return array
            self._arrays[key] = arrays
        return None

    def give(self, tag, array: np.ndarray) -> np.ndarray:
        """Keep ``array`` (one ``take`` made) for a later ``take`` of its key; returns it."""
        if not MIN_BYTES <= array.nbytes <= self._limit // 8:
            return array
        key = (tag, array.shape, array.dtype)
        with self._lock:
            arrays = self._arrays.pop(key, [])
            arrays.append(array)
            self._arrays[key] = arrays[-PER_KEY:]
            while sum(a.nbytes for kept in self._arrays.values() for a in kept) > self._limit:
                del self._arrays[next(iter(self._arrays))]  # the least recently given key first
        return array
