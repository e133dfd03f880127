"""The tensor-level door to the backend capture hook (``tensorlite/backends/capture.py``), used
by ``tensorlite.compile``: record a step on a device, then replay it on new input tensors.

``Recording`` swaps the device's backend for a ``Recorder`` while the step runs (the one hook:
every op reaches the backend through ``device.backend``), so ops, autograd and Tensor need not
know that they are recorded. ``Recording.build`` turns the recorded calls into a ``Replay``.
"""
from __future__ import annotations

import numpy as np  # the NumPy backend's array types: which call arguments are buffers

from ..backends.capture import Late, Program, Recorder
from ..tensor import Tensor

__all__ = ["Late", "Recording", "Replay", "CaptureError"]

_ARRAY_TYPES = (np.ndarray, np.generic)


class CaptureError(RuntimeError):
    """A step that cannot be captured (the message says why and what to do instead)."""


def _is_array(value) -> bool:
    return isinstance(value, _ARRAY_TYPES)


class Recording:
    """Context manager: while open, every primitive run on ``device`` is recorded.

    ``prepare`` and ``host_read``: see ``Recorder``. Only the NumPy backend is captured so far.

    Example:
    >>> x = tl.ones(3)
    >>> with Recording(x.device, lambda *a: None, lambda name: None) as rec:
    ...     y = x * 2
    >>> rec.calls
    1
    """

    def __init__(self, device, prepare, host_read):
        if device.type != "cpu":
            raise CaptureError(f"tensorlite.compile captures steps on the CPU (NumPy) backend only "
                               f"so far; the step runs on {device}")
        self.device = device
        self._recorder = None
        self._prepare = prepare
        self._host_read = host_read

    def __enter__(self):
        self._real = self.device.backend
        self._recorder = Recorder(self._real, self._prepare, self._host_read)
        self.device.backend = self._recorder
        return self

    def __exit__(self, *exc):
        self.device.backend = self._real
        return False

    @property
    def calls(self) -> int:
        """The number of primitive calls recorded so far."""
        return len(self._recorder.calls)

    def produced(self, tensor) -> bool:
        """Whether tensor's buffer came out of a recorded call."""
        target = tensor._array
        return any(r is target or (isinstance(r, (tuple, list)) and any(x is target for x in r))
                   for _, _, _, r in self._recorder.calls)

    def build(self, inputs, state, rebound, outputs) -> "Replay":
        """The replay of what was recorded.

        inputs: the step's tensor arguments; state: the tensors found before the step whose
        buffers it may read (parameters, gradients, optimizer state), loaded again on every
        replay; rebound: tensors whose buffer the step replaced, given their new buffer after
        each replay; outputs: the tensors the step returned (fresh tensors on each replay)."""
        loads, seen = [], set()
        for t in list(inputs) + list(state):
            loads.append(id(t._array) if id(t._array) not in seen else None)
            seen.add(id(t._array))
        loads = [i if i is not None else -1 - n for n, i in enumerate(loads)]
        keep = [t._array for t in rebound] + [t._array for t in outputs]
        program = Program(self._real, self._recorder.calls, loads, keep, _is_array)
        return Replay(program, self.device, len(rebound))


class Replay:
    """A recorded step run again: ``run(inputs, state, rebound, late)`` -> output tensors."""

    def __init__(self, program, device, n_rebound):
        self.program = program
        self._device = device
        self._n_rebound = n_rebound

    def run(self, inputs, state, rebound, late) -> list:
        """Replays the calls on the buffers of ``inputs`` and ``state`` (same order as at build),
        gives each place of ``rebound`` (objects with ``get()`` and ``set(tensor)``, e.g. a
        parameter's grad) its new buffer and returns the outputs as new tensors (detached: the
        replay builds no graph)."""
        loaded = [t._array for t in inputs]
        loaded += [t._array for t in state]
        results = self.program.run(loaded, late)
        n = self._n_rebound
        device = self._device
        for place, array in zip(rebound, results[:n]):
            t = place.get()
            if t is None:
                place.set(Tensor._make(array, device, False, None, 0))
            else:
                t._array = array
        return [Tensor._make(a, device, False, None, 0) for a in results[n:]]
