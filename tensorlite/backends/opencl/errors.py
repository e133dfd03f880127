"""The device-side error flag: range checks inside kernels report here instead of being read back.

A kernel that finds a bad value (an index out of range) records the first error it sees in a
small int buffer of the queue: (code, value low word, value high word, size). Nothing waits for it:
the flag is read at the next natural sync (``to_host``: ``.item()``, ``.numpy()``, printing;
``synchronize``), where the error is raised, as CUDA's device-side asserts surface. Each code
stands for one message (an exception built from the offending value), registered by the
launch that may report it. With ``TENSORLITE_SYNC_CHECKS=1`` (like CUDA_LAUNCH_BLOCKING) every
checking launch is followed by a read of the flag, so the error is raised at the op itself."""
from __future__ import annotations

import functools
import os

import numpy as np

_MAX_CODES = 1 << 20  # codes are registered per distinct message; a training loop reuses a few


def sync_checks() -> bool:
    """Whether range checks are read back at each op (TENSORLITE_SYNC_CHECKS=1), read per
    checking launch so a test or a debugging session can switch it on at any time."""
    return os.environ.get("TENSORLITE_SYNC_CHECKS", "") not in ("", "0")


class ErrorFlag:
    """The flag buffer of one queue, the messages its codes stand for, and whether a checking
    kernel ran since the last read (``pending``: a sync reads the flag only then)."""

    def __init__(self, runtime):
        self.runtime = runtime
        self._buffer = None
        self.pending = False
        self._codes = {}  # (describe, template, kind, decode) -> code
        self._messages = [None]  # code -> (describe, template, kind, decode); 0 means no error

    @property
    def buffer(self):
        """The flag (4 int32), made at the first checking launch."""
        if self._buffer is None:
            self._buffer, _ = self.runtime.allocate(4 * 4)
            self._clear()
        return self._buffer

    def _read(self) -> np.ndarray:
        host = np.empty(4, np.int32)
        self.runtime.read(host, self._buffer)
        return host

    def _clear(self) -> None:
        self.runtime.fill(self._buffer, np.int32(0), 0, 4 * 4)

    def code(self, template: str, describe=None, kind=IndexError, decode=None) -> int:
        """The code a kernel reports for ``kind(template)`` (``{value}`` in the template: the
        offending value, the reported 64-bit word turned into a number by ``decode`` when
        given; ``{size}``: the size an index was checked against), worded by ``describe``
        (that exception -> the one raised) when given."""
        key = (describe, template, kind, decode)
        found = self._codes.get(key)
        if found is None:
            if len(self._messages) >= _MAX_CODES:
                raise RuntimeError("too many distinct device error messages registered")
            found = self._codes[key] = len(self._messages)
            self._messages.append(key)
        return found

    def launched(self) -> None:
        """Called after enqueuing a kernel that may report: checked now in sync-checks mode."""
        self.pending = True
        if sync_checks():
            self.check()

    def check(self) -> None:
        """Raise the recorded error, if any, when a checking kernel ran since the last read
        (the flag is cleared first, so it raises once). Waits for the queue: call it at a sync."""
        if not self.pending:
            return
        self.pending = False
        host = self._read()
        code = int(host[0])
        if not code:
            return
        self._clear()
        value = int(host[1].astype(np.uint32)) | (int(host[2]) << 32)
        describe, template, kind, decode = self._messages[code]
        error = kind(template.format(value=value if decode is None else decode(value), size=int(host[3])))
        raise describe(error) if describe is not None else error


@functools.lru_cache(maxsize=None)
def value_decoder(dtype):
    """The reported word -> the value of ``dtype`` (a float's bits as the kernels' VALUE_BITS
    store them), as a Python number."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        return None
    bits = np.int64 if dtype.itemsize == 8 else np.int32
    return lambda word: np.array(word, np.int64).astype(bits).view(dtype).item()
