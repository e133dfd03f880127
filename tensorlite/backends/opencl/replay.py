"""Launch-level replay of a captured step on OpenCL: the runtime's commands of one run of the
recorded backend calls, replayed as prepared kernels (arguments set once) on planned buffers.

``LaunchReplay(backend, calls, n_loads, keep)`` takes the Recorder's calls (the format of
backends/capture.py: ``(name, args, kwargs, results)`` with ``_Var``/``Late`` markers). Its first
``run`` interprets the calls on the real backend while the Runtime's commands are traced
(``launch``, ``fill``, ``write``; a ``read`` gives up: a value would steer Python), every buffer
named by what it holds at that moment:

- a *load* (``loaded[i]``: inputs, parameters, optimizer state): a replay rebinds the kernel
  arguments that name it when the caller passes another buffer (a new batch is swapped by slot,
  not copied); its layout must stay the recorded one, else the caller replays the calls instead;
- an *intermediate* (a buffer the traced run allocated): one private buffer per buffer the pool
  handed out (the pool already reused them within the step), held by the replay;
- an *output* (what ``keep`` names): a fresh buffer from the pool on every replay, so a later
  replay never overwrites what the caller holds;
- a *constant*: anything else (parameter buffers, the error flag), kept alive by the replay.

Two rewrites of the traced calls save commands: pure calls whose arguments are all known at build
(the ones seed of a backward: a fill per step) run once, before the trace, and their arrays are
constants (``capture._hoist``'s rule: every use only reads them); and a ``copy`` of a new
contiguous matrix product or reduction that nothing else reads (autograd owning a gradient) is
that array itself, when the trace shows it was allocated by its producing call.

Values read at replay time (``Late``: a scheduler's lr, the random generator's counter) reach the
kernels through parameter buffers: the few calls that take them run again on a dry runtime (no
buffer, no enqueue) when their values changed, and the new parameter bytes are written into the
replay's own parameter buffers (non-blocking writes of a few bytes). A replay never waits.

A fused call whose template program was still building when the trace ran (backends/opencl/
fused.py: it ran as its unfused launches) is remembered; the first run after all such templates
are built traces again, once, so the replay switches to the fused launches.
"""
from __future__ import annotations

import copy
import threading

import numpy as np
import pyopencl as cl

from ..capture import Late, _hoist, _live, _Var, _vars_in
from .array import CLArray, Storage

__all__ = ["LaunchReplay", "ENABLED"]

ENABLED = True  # False: captured steps replay their backend calls (benchmarks compare both)


class NotReplayable(Exception):
    """The traced run cannot become a launch replay (the calls replay instead)."""


class LaunchReplay:
    """``run(loaded, late)`` -> the arrays of ``keep``, or None when this call must replay the
    backend calls instead (a load's layout changed, or the step cannot be replayed by launches).

    Example (what ``tensorlite.compile`` does on OpenCL; ``launches``: kernels per replay):
    >>> from tensorlite.ops.capture import Recording
    >>> x = tl.ones(4, device="opencl")
    >>> with Recording(x.device, [x], lambda *a: None, None) as rec:
    ...     y = x * 2 + 1
    >>> replay = LaunchReplay(x.device.backend, rec._recorder.calls, 1, ["s1_0"])
    >>> traced = replay.run([x._array], [])  # the first run traces the launches
    >>> out = replay.run([tl.full((4,), 3.0, device="opencl")._array], [])[0]
    >>> tl.Tensor._make(out, x.device, False, None, 0).tolist(), replay.launches
    ([7.0, 7.0, 7.0, 7.0], 2)
    """

    def __init__(self, backend, calls, n_loads, keep):
        self._backend = backend
        self._runtime = backend.runtime
        self._calls = _live(calls, keep)
        self._n_loads = n_loads
        self._keep = list(keep)
        self._late = {n for n, call in enumerate(self._calls) if any(_lates(list(call[1]) + list(call[2].values())))}
        self.failed = None if ENABLED else "disabled"
        self._owned = _owned_copies(self._calls, self._keep)  # copy index -> its producer's index
        self._hoisted = None  # name -> array, computed at the first trace
        self._commands = None
        self._provisional = []  # fused tapes the trace ran unfused while their template built
        self.launches = 0
        self.traces = 0

    def run(self, loaded, late):
        """The arrays of ``keep`` after one replay on ``loaded`` (arrays, None where unread) and
        the ``late`` values; None: replay the calls instead (``failed`` says why, if for good)."""
        if self.failed is not None:
            return None
        if self._provisional and self._backend.templates_ready(self._provisional):
            self._commands = None  # once: the templates the trace did not have are built now
        if self._commands is None:
            return self._trace(loaded, late)
        for i, strides, offset, slot in self._loads:
            array = loaded[i]
            if array.strides != strides or array.offset != offset:
                return None
            if array.storage.buffer is not slot.buffer:
                slot.bind(array.storage.buffer)
        for call in self._late_calls:
            problem = call.update(late)
            if problem is not None:
                self.failed = f"{call.name} with new late values: {problem}"
                return None
        storages = []
        for slot in self._outputs:
            storage = Storage(self._runtime, slot.size)
            if storage.buffer is not slot.buffer:
                slot.bind(storage.buffer)
            storages.append(storage)
        for command in self._commands:
            command()
        if self._checks:
            self._backend.errors.launched()
        return [make(loaded, storages) for make in self._results]

    # -- the traced run ------------------------------------------------------------------------
    def _trace(self, loaded, late):
        self._backend.errors.buffer  # made now, not inside the trace: it outlives the step
        if self._hoisted is None:
            self._hoisted = _hoist(self._backend, self._calls, self._keep)
        try:
            trace = _Trace(self._runtime, loaded)
        except NotReplayable as error:
            self.failed = str(error)
            return None
        self.traces += 1
        provisional = self._provisional = []
        watch = hasattr(self._backend, "provisional")
        if watch:  # set before the copy below, which shares the list
            self._backend.provisional = provisional
        nocache = copy.copy(self._backend)
        nocache._consts_cache = _NoCache()  # every parameter of a late call goes through params()
        late_args = {}

        def backend_for(n, args, kwargs):
            trace.begin(n, n in self._late)
            if trace.late:
                late_args[n] = _ghosts((args, kwargs), {})
                return nocache
            return self._backend
        def owns(n, array):  # the producer's own new buffer, laid out as the copy's result
            ref = trace.where.get(id(array.storage.buffer))
            return isinstance(ref, _Version) and ref.call == self._owned[n] and array.offset == 0 \
                and array.is_contiguous()
        trace.install()
        try:
            env = _interpret(self._calls, loaded, late, self._keep, backend_for, self._hoisted,
                             {n: owns for n in self._owned})
        finally:
            trace.remove()
            if watch:
                del self._backend.provisional  # the class's None again
        results = [env[name] for name in self._keep]
        try:
            self._build(trace, loaded, results, late_args)
        except NotReplayable as error:
            self.failed = str(error)
        return results

    def _build(self, trace, loaded, results, late_args):
        if trace.failed:
            raise NotReplayable(trace.failed)
        outputs = {}
        self._results = [_maker(name, array, trace, outputs) for name, array in zip(self._keep, results)]
        self._outputs = [slot for slot, _ in outputs.values()]
        plan = _Plan(self._runtime, outputs)
        # private buffers of the same pool buffer are one: resolve the largest first
        for ref in sorted(trace.versions, key=lambda v: -v.size):
            if id(ref) not in outputs:
                plan.slot(ref)
        commands, events = self._prepare(trace, plan)
        self._loads = [(ref.index, loaded[ref.index].strides, loaded[ref.index].offset, plan.slots[id(ref)])
                       for ref in trace.loads.values() if id(ref) in plan.slots]
        params = {}
        for ref in trace.params:
            params.setdefault(ref.call, {})[ref.ordinal] = plan.slot(ref)
        self._late_calls = [_LateCall(self._backend, self._calls[n], late_args[n], trace.param_log.get(n, []),
                                      params.get(n, {}), events.get(n, []))
                            for n in sorted(late_args)]
        self._keep_alive = (trace.constants, plan, self._hoisted)  # a hoisted array's buffer: not the pool's
        self._commands = commands

    def _prepare(self, trace, plan):
        """(the replay's commands, each call's events: what a dry run must reproduce)."""
        runtime = self._runtime
        commands, events = [], {}
        self._checks = False
        self.launches = 0
        errors = self._backend.errors.buffer
        for command in trace.commands:
            kind, call = command[0], command[1]
            if kind == "launch":
                _, _, kernel, global_size, local_size, refs = command
                args = [plan.slot(r).buffer if isinstance(r, _Ref) else r for r in refs]
                self._checks = self._checks or any(a is errors for a in args)
                prepared = runtime.prepare(kernel, args)
                for index, ref in enumerate(refs):
                    if isinstance(ref, _Ref):
                        plan.slot(ref).users.append((prepared, index))
                commands.append(runtime.prepared_launch(prepared, global_size, local_size))
                self.launches += 1
                events.setdefault(call, []).append(("launch", global_size, local_size, _scalars(refs)))
            else:
                cls = _Fill if kind == "fill" else _Write
                made = cls(runtime, plan.slot(command[2]), *command[3:])
                commands.append(made)
                events.setdefault(call, []).append((kind, made))
        return commands, events


class _Plan:
    """The replay's buffer for each ``_Ref`` of the trace: a ``_Slot`` (private intermediates,
    private parameter buffers, load and output slots rebound per replay, constants)."""

    def __init__(self, runtime, outputs):
        self.runtime, self.outputs = runtime, outputs
        self.slots, self.private, self.storages = {}, {}, []  # storages: the replay's own buffers

    def slot(self, ref) -> "_Slot":
        found = self.slots.get(id(ref))
        if found is None:
            found = self.slots[id(ref)] = self._make(ref)
        return found

    def _make(self, ref) -> "_Slot":
        runtime = self.runtime
        if isinstance(ref, _Version) and id(ref) in self.outputs:
            return self.outputs[id(ref)][0]
        if isinstance(ref, _Version):
            storage = self.private.get(id(ref.buffer))
            if storage is None or storage.size < ref.size:
                storage = self.private[id(ref.buffer)] = self._own(ref.size)
            return _Slot(runtime, storage.buffer, ref.size)
        if isinstance(ref, _Param):
            slot = _Slot(runtime, self._own(len(ref.data)).buffer, 0)
            slot.data, slot.host = ref.data, np.frombuffer(ref.data, np.uint8)
            runtime.write(slot.buffer, slot.host, blocking=False)
            return slot
        return _Slot(runtime, ref.buffer, 0)  # a load (rebound per replay) or a constant

    def _own(self, nbytes) -> Storage:
        storage = Storage(self.runtime, nbytes)
        self.storages.append(storage)
        return storage


class _Ref:
    """What a buffer held when the traced run used it."""

    __slots__ = ("buffer",)


class _Load(_Ref):
    __slots__ = ("index",)

    def __init__(self, index, buffer):
        self.index, self.buffer = index, buffer


class _Version(_Ref):
    """One allocation of the traced run (a pool buffer handed out again is a new version),
    made by call number ``call``."""

    __slots__ = ("size", "call")

    def __init__(self, buffer, size, call=-1):
        self.buffer, self.size, self.call = buffer, size, call


class _Const(_Ref):
    __slots__ = ()

    def __init__(self, buffer):
        self.buffer = buffer


class _Param(_Ref):
    """The ``ordinal``-th parameter buffer that late call ``call`` made."""

    __slots__ = ("call", "ordinal", "data")

    def __init__(self, call, ordinal, data, buffer):
        self.call, self.ordinal, self.data, self.buffer = call, ordinal, data, buffer


class _Trace:
    """Wraps a Runtime's command methods while the calls run once: ``commands`` in order, each
    buffer argument named by a ``_Ref``."""

    def __init__(self, runtime, loaded):
        self.runtime = runtime
        self.where = {}        # id(buffer) -> its _Ref now
        self.constants = {}    # id -> buffer: alive as long as the replay
        self.loads = {}
        for i, array in enumerate(loaded):
            if array is None:
                continue
            key = id(array.storage.buffer)
            if key in self.where:
                raise NotReplayable("two loaded tensors share a buffer")  # raised before tracing
            self.where[key] = self.loads[i] = _Load(i, array.storage.buffer)
        self.versions, self.commands, self.params = [], [], []
        self.param_log = {}    # late call -> the bytes of each parameter buffer it made
        self.pending = []      # (ordinal, buffer): parameter buffers of this call not yet launched
        self.matched = {}      # id(buffer) -> _Param: parameter buffers of this call launched
        self.call, self.late, self.allocating, self.failed = -1, False, 0, None

    def begin(self, call, late):
        """Call number ``call`` (one that takes late values: ``late``) starts."""
        self.call, self.late, self.pending, self.matched = call, late, [], {}

    def install(self):
        rt = self.runtime
        self.saved = {name: rt.__dict__.get(name) for name in ("allocate", "launch", "fill", "write", "read", "params")}
        real = {name: getattr(rt, name) for name in self.saved}
        step = threading.get_ident()

        def traced(name, fn):  # another thread's commands (a loader's upload) are not the step's
            return lambda *args, **kwargs: (fn if threading.get_ident() == step else real[name])(*args, **kwargs)

        def allocate(nbytes):
            self.allocating += 1
            try:
                buffer, size = real["allocate"](nbytes)
            finally:
                self.allocating -= 1
            version = _Version(buffer, size, self.call)
            self.where[id(buffer)] = version
            self.versions.append(version)
            return buffer, size

        def params(data):
            buffer = real["params"](data)
            if self.late:
                log = self.param_log.setdefault(self.call, [])
                self.pending.append((len(log), buffer))
                log.append(bytes(data))
            return buffer

        def launch(kernel, global_size, local_size, args):
            real["launch"](kernel, global_size, local_size, args)
            refs = [self.ref(a, True) for a in args]
            if 0 not in global_size:  # an empty grid sets arguments only
                self.commands.append(("launch", self.call, kernel, tuple(global_size),
                                      None if local_size is None else tuple(local_size), refs))

        def fill(buffer, pattern, offset, nbytes):
            real["fill"](buffer, pattern, offset, nbytes)
            if not self.allocating:  # the touch of a new buffer is not part of the step
                self.commands.append(("fill", self.call, self.ref(buffer), pattern, offset, nbytes))

        def write(buffer, host, blocking=True):
            real["write"](buffer, host)
            self.commands.append(("write", self.call, self.ref(buffer), np.array(host, copy=True)))

        def read(*args, **kwargs):
            self.failed = "a backend call reads the device (a value steers Python)"
            return real["read"](*args, **kwargs)
        for name, fn in (("allocate", allocate), ("launch", launch), ("fill", fill), ("write", write),
                         ("read", read), ("params", params)):
            setattr(rt, name, traced(name, fn))

    def remove(self):
        for name, previous in self.saved.items():
            if previous is None:
                delattr(self.runtime, name)
            else:
                setattr(self.runtime, name, previous)

    def ref(self, value, launch=False):
        if not isinstance(value, cl.MemoryObjectHolder):
            return value  # a scalar or local memory: set once
        if launch and self.late:
            for k, (ordinal, buffer) in enumerate(self.pending):
                if buffer is value:
                    del self.pending[k]
                    param = self.matched[id(value)] = _Param(self.call, ordinal,
                                                             self.param_log[self.call][ordinal], buffer)
                    self.params.append(param)
                    return param
            if id(value) in self.matched:  # a parameter buffer two launches of the call share
                return self.matched[id(value)]
        found = self.where.get(id(value))
        if found is None:
            found = self.where[id(value)] = _Const(value)
            self.constants[id(value)] = value
        return found


class _Slot:
    """A buffer kernels of the replay name, and where (to rebind it: loads and outputs)."""

    __slots__ = ("runtime", "buffer", "size", "users", "data", "host")

    def __init__(self, runtime, buffer, size):
        self.runtime, self.buffer, self.size, self.users = runtime, buffer, size, []

    def bind(self, buffer):
        for kernel, index in self.users:
            self.runtime.set_argument(kernel, index, buffer)
        self.buffer = buffer


class _Fill:
    __slots__ = ("runtime", "slot", "pattern", "offset", "nbytes")

    def __init__(self, runtime, slot, pattern, offset, nbytes):
        self.runtime, self.slot, self.pattern, self.offset, self.nbytes = runtime, slot, pattern, offset, nbytes

    def __call__(self):
        self.runtime.fill(self.slot.buffer, self.pattern, self.offset, self.nbytes)


class _Write:
    __slots__ = ("runtime", "slot", "host")

    def __init__(self, runtime, slot, host):
        self.runtime, self.slot, self.host = runtime, slot, host

    def __call__(self):
        self.runtime.write(self.slot.buffer, self.host, blocking=False)  # the replay keeps host


class _LateCall:
    """A call that takes values read at replay time: run again on a dry runtime when they
    change, its new parameter bytes written into the replay's parameter buffers."""

    def __init__(self, backend, call, ghosts, recorded, params, events):
        self.name, self._template, self._kwargs = call[0], call[1], call[2]
        self._indices = sorted({m.index for m in _lates(list(call[1]) + list(call[2].values()))})
        self._ghosts = ghosts  # the arrays of the traced run, without their buffers
        self._backend = backend
        self._recorded = recorded
        self._params = params
        self._events = events
        self._last = None

    def update(self, late):
        """Bring the parameter buffers up to the ``late`` values; a problem (a string) when the
        call would now enqueue other commands than the traced ones (the calls replay then)."""
        values = [late[i] for i in self._indices]
        if values == self._last:
            return None
        try:
            dry = self._dry_run(late)
        except Exception as error:  # noqa: BLE001  (the dry run is an optimisation: the calls replay)
            return f"the dry run failed: {type(error).__name__}: {error}"
        if len(dry.logged) != len(self._recorded) or len(dry.events) != len(self._events):
            return "other parameter buffers or commands than the traced ones"
        for (kind, *new), (old_kind, *old) in zip(dry.events, self._events):
            if kind != old_kind or (kind == "launch" and new != old):
                return "another launch than the traced one"
            if kind == "fill":
                old[0].pattern = new[0]
            elif kind == "write":
                old[0].host = np.array(new[0], copy=True)
        for ordinal, slot in self._params.items():
            data = dry.logged[ordinal]
            if data != slot.data:
                slot.data, slot.host = data, np.frombuffer(data, np.uint8)
                self._backend.runtime.write(slot.buffer, slot.host, blocking=False)
        self._last = values
        return None

    def _dry_run(self, late) -> "_DryRuntime":
        dry = _DryRuntime(self._backend.runtime)
        backend = copy.copy(self._backend)
        backend.runtime, backend._consts_cache, backend._prebuild = dry, _NoCache(), False
        (args, kwargs) = self._ghosts
        args = _resolve(self._template, args, late)
        kwargs = {k: _resolve(v, kwargs[k], late) for k, v in self._kwargs.items()}
        getattr(backend, self.name)(*args, **kwargs)
        return dry


class _DryRuntime:
    """A Runtime that enqueues nothing and allocates nothing: ``params`` logs the bytes."""

    def __init__(self, real):
        self._real = real
        self.logged, self.events = [], []

    def __getattr__(self, name):
        return getattr(self._real, name)

    def allocate(self, nbytes):
        return None, nbytes

    def release(self, buffer, size):
        pass

    def params(self, data):
        self.logged.append(bytes(data))
        return None

    def launch(self, kernel, global_size, local_size, args):
        if 0 not in global_size:
            self.events.append(("launch", tuple(global_size), None if local_size is None else tuple(local_size),
                                _scalars(args)))

    def fill(self, buffer, pattern, offset, nbytes):
        self.events.append(("fill", pattern))

    def write(self, buffer, host, blocking=True):
        self.events.append(("write", host))

    def read(self, *args, **kwargs):
        raise NotReplayable("a late call reads the device")


class _NoCache(dict):
    """A constants cache that keeps nothing."""

    def get(self, key, default=None):
        return default

    def __setitem__(self, key, value):
        pass


class _GhostStorage:
    """A traced array's storage without its buffer (the dry runtime never touches one)."""

    __slots__ = ("buffer", "size", "runtime")

    def __init__(self, size):
        self.buffer, self.size, self.runtime = None, size, None


def _ghosts(value, storages):
    """``value`` with each CLArray replaced by one of the same layout on a ghost storage (one
    per storage: the backend compares storages to find aliases)."""
    if isinstance(value, CLArray):
        storage = storages.setdefault(id(value.storage), _GhostStorage(value.storage.size))
        return CLArray(storage, value.shape, value.dtype, value.strides, value.offset)
    if isinstance(value, dict):
        return {k: _ghosts(v, storages) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_ghosts(v, storages) for v in value)
    return value


def _resolve(template, value, late):
    """The template's argument for a replay: ``Late`` markers read from ``late``, everything
    else from ``value`` (the traced run's argument, ghosted)."""
    if isinstance(template, Late):
        return late[template.index] + template.add if template.add else late[template.index]
    if isinstance(template, (tuple, list)):
        return type(template)(_resolve(t, v, late) for t, v in zip(template, value))
    return value


def _lates(value):
    if isinstance(value, Late):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _lates(v)


def _scalars(args):
    """The non-buffer kernel arguments, comparable between runs."""
    return tuple(None if isinstance(a, (_Ref, cl.MemoryObjectHolder)) or a is None
                 else ("local", a.size) if isinstance(a, cl.LocalMemory)
                 else (type(a).__name__, a.tobytes() if hasattr(a, "tobytes") else repr(a)) for a in args)


def _maker(name, array, trace, outputs):
    """A function (loaded, output storages) -> the replay's array for ``keep`` entry ``name``."""
    if name.startswith("l"):
        index = int(name[1:])
        return lambda loaded, storages: loaded[index]
    layout = (array.shape, array.dtype, array.strides, array.offset)
    ref = trace.where.get(id(array.storage.buffer))
    if isinstance(ref, _Version):
        if id(ref) not in outputs:
            outputs[id(ref)] = (_Slot(trace.runtime, array.storage.buffer, ref.size), len(outputs))
        k = outputs[id(ref)][1]
        return lambda loaded, storages: CLArray(storages[k], *layout)
    if isinstance(ref, _Load):
        return lambda loaded, storages: CLArray(loaded[ref.index].storage, *layout)
    return lambda loaded, storages: array  # a constant: the same array every time


def _owned_copies(calls, keep) -> dict:
    """{index of a ``copy`` call: index of the call that made its argument} for each copy of a
    matrix product's or reduction's result that nothing else reads (nor returns)."""
    producer, readers = {}, {}
    for n, (name, args, kwargs, results) in enumerate(calls):
        for var in _vars_in(list(args) + list(kwargs.values())):
            readers[var] = readers.get(var, 0) + 1
        if isinstance(results, str) and name in ("matmul", "reduce"):
            producer[results] = n
    owned = {}
    for n, (name, args, kwargs, results) in enumerate(calls):
        if name == "copy" and len(args) == 1 and not kwargs and isinstance(args[0], _Var) and \
                args[0].name in producer and readers[args[0].name] == 1 and args[0].name not in keep:
            owned[n] = producer[args[0].name]
    return owned


def _interpret(calls, loaded, late, keep, backend_for, hoisted=None, owned=None):
    """Run ``calls`` on the backend ``backend_for(n, args, kwargs)`` gives: the names -> arrays
    at the end (each intermediate dropped after its last use, as the generated program does).
    ``hoisted``: name -> array of calls not run (computed before); ``owned``: copy call index
    -> ``check(n, array)``, whether the copy may hand on its argument instead."""
    hoisted, owned = hoisted or {}, owned or {}
    last = {}
    for n, (_, args, kwargs, results) in enumerate(calls):
        for name in _vars_in(list(args) + list(kwargs.values())):
            last[name] = n
        for name in ([results] if isinstance(results, str) else results or ()):
            if name:
                last.setdefault(name, n)
    dying = {}
    for name, n in last.items():
        if name.startswith("s") and name not in keep:
            dying.setdefault(n, []).append(name)
    env = {f"l{i}": a for i, a in enumerate(loaded)}
    env.update(hoisted)
    for n, (name, args, kwargs, results) in enumerate(calls):
        if isinstance(results, str) and results in hoisted:
            continue
        args = tuple(_value(a, env, late) for a in args)
        kwargs = {k: _value(v, env, late) for k, v in kwargs.items()}
        if n in owned and owned[n](n, args[0]):
            out = args[0]
        else:
            out = getattr(backend_for(n, args, kwargs), name)(*args, **kwargs)
        if isinstance(results, str):
            env[results] = out
        elif results:
            for result, value in zip(results, out):
                if result:
                    env[result] = value
        for dead in dying.get(n, ()):
            env.pop(dead, None)
    return env


def _value(template, env, late):
    if isinstance(template, _Var):
        return env[template.name]
    if isinstance(template, Late):
        return late[template.index] + template.add if template.add else late[template.index]
    if isinstance(template, (tuple, list)):
        return type(template)(_value(v, env, late) for v in template)
    return template
