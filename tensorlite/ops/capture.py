"""The tensor-level door to the backend capture hook (``tensorlite/backends/capture.py``), used
by ``tensorlite.compile``: record a step on a device, then replay it on new input tensors.

``Recording`` swaps the device's backend for a ``Recorder`` while the step runs (the one hook:
every op reaches the backend through ``device.backend``), so ops, autograd and Tensor need not
know that they are recorded. ``Recording.build`` turns the recorded calls into a ``Replay``.
"""
from __future__ import annotations

import numpy as np  # the NumPy backend's array types: which call arguments are buffers

from ..backends.capture import Late, Program, Recorder, group_adam_steps
from ..backends.fusion import fuse
from ..tensor import Tensor

__all__ = ["Late", "Recording", "Replay", "CaptureError", "recording"]

_ARRAY_TYPES = (np.ndarray, np.generic)


class CaptureError(RuntimeError):
    """A step that cannot be captured (the message says why and what to do instead)."""


def recording(device) -> bool:
    """Whether a step is being recorded on ``device``: a check that reads values then sees only
    the recorded batch, so an op whose recorded calls would depend on them takes the path that
    holds for every value.

    Example:
    >>> x = tl.ones(2)
    >>> with Recording(x.device, [x], lambda *a: None, lambda name: None):
    ...     inside = recording(x.device)
    >>> inside, recording(x.device)
    (True, False)
    """
    return isinstance(device.backend, Recorder)


def _is_array(value) -> bool:
    return isinstance(value, _ARRAY_TYPES)


def _array_test(backend):
    """The test telling ``backend``'s arrays among call arguments (``array_types``: a device
    backend's, e.g. CLArray; NumPy's by default)."""
    types = getattr(backend, "array_types", None)
    return _is_array if types is None else (lambda value: isinstance(value, types))


class Recording:
    """Context manager: while open, every primitive run on ``device`` is recorded.

    ``loaded``: the tensors whose buffers each replay passes again (inputs, then state such as
    parameters and optimizer state), in that order; ``prepare`` and ``host_read``: see
    ``Recorder``. The NumPy and OpenCL backends are captured.

    Example:
    >>> x = tl.ones(3)
    >>> with Recording(x.device, [x], lambda *a: None, lambda name: None) as rec:
    ...     y = x * 2
    >>> rec.calls
    1
    """

    def __init__(self, device, loaded, prepare, host_read):
        if device.type not in ("cpu", "opencl"):
            raise CaptureError(f"tensorlite.compile captures steps on the CPU (NumPy) and OpenCL "
                               f"backends only; the step runs on {device}")
        self.device = device
        self._loads = {}
        for n, t in enumerate(loaded):
            self._loads.setdefault(id(t._array), n)
        self._n_loads = len(loaded)
        self._recorder = None
        self._prepare = prepare
        self._host_read = host_read

    def __enter__(self):
        self._real = self.device.backend
        self._recorder = Recorder(self._real, self._prepare, self._host_read, _array_test(self._real),
                                  self._loads)
        self.device.backend = self._recorder
        return self

    def __exit__(self, *exc):
        self.device.backend = self._real
        return False

    @property
    def calls(self) -> int:
        """The number of primitive calls recorded so far."""
        return len(self._recorder.calls)

    def written(self) -> set:
        """Indices (into ``loaded``) of the tensors an in-place primitive of the step wrote into."""
        return set(self._recorder.written)

    def produced(self, tensor) -> bool:
        """Whether tensor's buffer came out of a recorded call."""
        name = self._recorder.name_of(tensor._array)
        return name is not None and name.startswith("s")

    def build(self, rebound, outputs) -> "Replay":
        """The replay of what was recorded: ``rebound``, tensors whose buffer the step replaced
        (given their new buffer after each replay); ``outputs``, the tensors the step returned
        (new tensors on each replay). Their buffers must be recorded results or loads."""
        keep = []
        for t in list(rebound) + list(outputs):
            name = self._recorder.name_of(t._array)
            if name is None:
                raise CaptureError("tensorlite.compile: the step returns a tensor it neither "
                                   "computed nor received; return computed tensors only")
            keep.append(name)
        calls, metas = self._recorder.calls, self._recorder.metas
        if getattr(self._real, "fuses_elementwise", False):  # elementwise groups: one launch each
            meta_of = {id(call): meta for call, meta in zip(calls, metas)}
            calls = fuse(calls, keep, self._recorder.meta)
            metas = [meta_of.get(id(call)) for call in calls]  # a fused call's: None
        if hasattr(self._real, "adam_steps"):  # per-parameter Adam updates: one call per group
            calls, metas = group_adam_steps(calls, metas)
        program = Program(self._real, calls, self._n_loads, keep, metas)
        launches = getattr(self._real, "launch_replay", None)  # a backend's replay of its commands
        if launches is not None:  # traced from the calls the program replays (fused ones too)
            launches = launches(calls, self._n_loads, keep)
        return Replay(program, self.device, len(rebound), launches)


class Replay:
    """A recorded step run again: ``run(inputs, state, rebound, late)`` -> output tensors."""

    def __init__(self, program, device, n_rebound, launches=None):
        self.program = program
        self.launches = launches  # None, or run(loaded, late) -> arrays or None (then the calls run)
        self.reads = program.loads_read  # indices into inputs + state that the calls read
        self._device = device
        self._n_rebound = n_rebound

    def run(self, inputs, state, rebound, late) -> list:
        """Replays the calls on the buffers of ``inputs`` and ``state`` (same order as at build),
        gives each place of ``rebound`` (objects with ``get()`` and ``set(tensor)``, e.g. a
        parameter's grad) its new buffer and returns the outputs as new tensors (detached: the
        replay builds no graph)."""
        loaded = [t._array for t in inputs]
        loaded += [None if t is None else t._array for t in state]
        results = None if self.launches is None else self.launches.run(loaded, late)
        if results is None:
            results = self.program.run(loaded, late)
        n = self._n_rebound
        device = self._device
        for place, array in zip(rebound, results[:n]):
            t = place.get()
            if t is None:  # emptied before the replay, as the step itself does (zero_grad)
                place.set(Tensor._make(array, device, False, None, 0))
            else:
                t._array = array
        return [Tensor._make(a, device, False, None, 0) for a in results[n:]]
