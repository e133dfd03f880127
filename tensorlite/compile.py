"""``tensorlite.compile``: capture a whole training step once, then replay its backend calls.

The first call with a new signature runs eagerly; the second records every backend call of the
step (forward, backward, optimizer update) through the capture hook of ``ops/capture.py``; later
calls check the guards and replay the recorded calls as one generated function: no autograd
bookkeeping, no op dispatch. What the step reads and writes is found from the function's
closure, the globals it names and its arguments: modules (their parameters, buffers and
train/eval mode), optimizers (parameters, state, hyperparameters) and tensors that require grad.
"""
from __future__ import annotations

import functools
import itertools
import linecache
import numbers
import operator
import os
import sys
import traceback

from . import random as _random
from ._warn import warn_user
from .autograd.grad_mode import state as _grad_state
from .nn.module import Module
from .ops._util import value_bounds
from .ops.capture import CaptureError, Late, Recording
from .optim.optimizer import Optimizer
from .tensor import Tensor

__all__ = ["compile", "CompiledFunction", "CaptureError"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
MAX_RECORDINGS = 8
VARIANTS = 4  # recordings kept per input signature (e.g. with and without existing gradients)


# -- hyperparameters read at replay time ----------------------------------------------------------
class _Hyper(float):
    """A Python-number hyperparameter (or a value computed from one) while a step is recorded:
    a float that remembers how to recompute itself, so the replay reads the current value (an lr
    set by a scheduler takes effect). A use that turns it into Python control flow (``bool``,
    ``float``, ``int``) marks its source as read on the host: that one is guarded by value."""

    def __new__(cls, value, fn, source):
        self = float.__new__(cls, value)
        self._fn = fn
        self._source = source
        return self

    def _lost(self, *args):
        self._source["lost"] = True

    def __bool__(self):
        self._lost()
        return float.__bool__(self)

    def __float__(self):
        self._lost()
        return float.__float__(self)

    def __int__(self):
        self._lost()
        return float.__int__(self)

    __hash__ = float.__hash__


_CHECKS = tuple(os.path.join(_PACKAGE, d) + os.sep for d in ("ops", "backends"))


def _comparison(op):
    # the ops' argument checks (a scalar in a dtype's range) compare hyperparameters without
    # steering the step; any other comparison is control flow (`if group["momentum"] > 0:`,
    # `if lr < 1e-3:` in the step): guarded by its outcome (a scheduler may still move the value)
    def compare(self, other):
        result = op(float.__float__(self), other)
        if not sys._getframe(1).f_code.co_filename.startswith(_CHECKS):
            if isinstance(other, numbers.Real) and not isinstance(other, _Hyper):
                self._source.setdefault("checks", []).append((self._fn, op, other, result))
            else:
                self._lost()
        return result
    return compare


def _arithmetic(op, reflected):
    def apply(self, other):
        if isinstance(other, _Hyper):
            fa, fb = self._fn, other._fn
            a, b = (fb, fa) if reflected else (fa, fb)
            value = op(float.__float__(other), float.__float__(self)) if reflected else \
                op(float.__float__(self), float.__float__(other))
            return _Hyper(value, lambda: op(a(), b()), self._source)
        if isinstance(other, numbers.Real) and not isinstance(other, bool) and \
                type(other) in (int, float):
            fn = self._fn
            mine = float.__float__(self)
            if reflected:
                return _Hyper(op(other, mine), lambda: op(other, fn()), self._source)
            return _Hyper(op(mine, other), lambda: op(fn(), other), self._source)
        return NotImplemented
    return apply


for _name, _op in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                   ("truediv", operator.truediv), ("pow", operator.pow)):
    setattr(_Hyper, f"__{_name}__", _arithmetic(_op, False))
    setattr(_Hyper, f"__r{_name}__", _arithmetic(_op, True))
for _name, _op in (("lt", operator.lt), ("le", operator.le), ("gt", operator.gt),
                   ("ge", operator.ge), ("eq", operator.eq), ("ne", operator.ne)):
    setattr(_Hyper, f"__{_name}__", _comparison(_op))
_Hyper.__neg__ = lambda self: _Hyper(-float.__float__(self), (lambda fn: lambda: -fn())(self._fn),
                                     self._source)
_Hyper.__pos__ = lambda self: self
_Hyper.__abs__ = lambda self: _Hyper(abs(float.__float__(self)), (lambda fn: lambda: abs(fn()))(self._fn),
                                     self._source)


# -- what the step touches ------------------------------------------------------------------------
def _code_names(code) -> set:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _code_names(const)
    return names


def _roots(fn, args, kwargs, bindings=None, depth=0) -> list:
    """The objects the step can reach: closure cells, the globals its code names, arguments,
    ``self`` of a bound method, and the same for the Python functions among them (two levels
    deep); lists, tuples and dicts among them are opened one level. ``bindings`` collects
    ``(getter, object)`` for each tensor, module or optimizer bound to a closure cell or global
    name: rebinding one misses the guard."""
    found = list(args) + list(kwargs.values())
    func = getattr(fn, "__func__", fn)
    if hasattr(fn, "__self__"):
        found.append(fn.__self__)
    code = getattr(func, "__code__", None)
    if code is not None:
        glb = func.__globals__
        named = [(functools.partial(glb.get, n), glb[n]) for n in sorted(_code_names(code)) if n in glb]
        named += [(functools.partial(getattr, c, "cell_contents"), c.cell_contents)
                  for c in (func.__closure__ or ()) if _cell_full(c)]
        for get, obj in named:
            found.append(obj)
            if bindings is not None and (isinstance(obj, (Tensor, Module, Optimizer)) or
                                         obj is None or _plain(obj)):
                bindings.append((get, obj))
            if depth < 2 and obj is not fn and type(obj).__name__ == "function" and \
                    getattr(obj, "__module__", "") and not obj.__module__.startswith("tensorlite"):
                found += _roots(obj, (), {}, bindings, depth + 1)
    opened = []
    for obj in found:
        opened.append(obj)
        if isinstance(obj, (list, tuple)):
            opened += list(obj)
        elif isinstance(obj, dict):
            opened += list(obj.values())
    return opened


def _cell_full(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


class _Ref:
    """Where a persistent tensor lives: ``container[key]`` (a dict), ``tensor.grad`` or a leaf
    tensor the function reaches directly (``itself``)."""

    __slots__ = ("container", "key", "grad_of")

    def __init__(self, container=None, key=None, grad_of=None, itself=None):
        if itself is not None:
            container, key = {"tensor": itself}, "tensor"
        self.container, self.key, self.grad_of = container, key, grad_of

    def set(self, tensor):
        if self.grad_of is not None:
            self.grad_of.grad = tensor
        else:
            self.container[self.key] = tensor

    def getter(self):
        """``get`` as a C-level callable (the guards call it on every replay)."""
        if self.grad_of is not None:
            return functools.partial(getattr, self.grad_of, "_grad")
        return functools.partial(self.container.get, self.key)

    def get(self):
        if self.grad_of is not None:
            return self.grad_of._grad
        value = self.container.get(self.key)
        return value if isinstance(value, Tensor) else None

    def __repr__(self):
        return f"grad of a parameter {tuple(self.grad_of.shape)}" if self.grad_of is not None \
            else f"state entry {self.key!r}"


class _World:
    """The modules, optimizers and leaf tensors a step reaches, and the references to every
    tensor that persists across steps."""

    def __init__(self, fn, args, kwargs):
        self.bindings = []
        roots = _roots(fn, args, kwargs, self.bindings)
        # a Python number or string bound to a name the step reads is baked into the recording:
        # guarded by value (`scale = 5.0` between calls records again)
        self.plain = [get for get, obj in self.bindings if _plain(obj)]
        self.bindings = [b for b in self.bindings if not _plain(b[1])]  # by identity (None too)
        self.plain += [functools.partial(d.get, k) for d in roots if type(d) is dict
                       for k, v in d.items() if _plain(v)]  # a config dict's numbers
        inputs = {id(a) for a in list(args) + list(kwargs.values()) if isinstance(a, Tensor)}
        self.modules, self.optimizers, params, leaves = [], [], {}, {}
        for obj in roots:
            if isinstance(obj, Module):
                for m in obj.modules():
                    if all(m is not k for k in self.modules):
                        self.modules.append(m)
            elif isinstance(obj, Optimizer) and all(obj is not o for o in self.optimizers):
                self.optimizers.append(obj)
            elif isinstance(obj, Tensor) and id(obj) not in inputs and obj._requires_grad:
                params[id(obj)] = leaves[id(obj)] = obj
        # plain attributes of the modules (Dropout's p, BatchNorm's momentum and eps) and of the
        # object of a method step (bound, or `self` of a decorated one) are Python numbers in
        # the recording: guarded by value
        owners = self.modules + [o for o in [getattr(fn, "__self__", None), *args]
                                 if hasattr(o, "__dict__") and not isinstance(o, (Module, Tensor, Optimizer))]
        self.plain += [functools.partial(operator.itemgetter(*keys), vars(o)) for o in owners
                       for keys in [[k for k, v in vars(o).items() if type(v) in _PLAIN]] if keys]
        refs = []
        for m in self.modules:
            for store in (m._parameters, m._buffers):
                refs += [_Ref(store, k) for k in store]
                params.update((id(p), p) for p in m._parameters.values() if p is not None)
        for opt in self.optimizers:
            for group in opt.param_groups:
                params.update((id(p), p) for p in group["params"])
            for per_param in opt.state.values():
                refs += [_Ref(per_param, k) for k in per_param]
        refs += [_Ref(itself=p) for p in leaves.values()]
        refs += [_Ref(grad_of=p) for p in params.values()]
        self.params = list(params.values())
        self.refs = refs

    def python_state(self) -> list:
        """The optimizers' non-tensor state values (a Python step counter would be frozen)."""
        return [(id(s), k, v) for opt in self.optimizers for s in opt.state.values()
                for k, v in s.items() if not isinstance(v, Tensor)]

    def structure(self) -> tuple:
        """Each module's mode, the identity of every parameter, which optimizer state exists:
        the guard (the state tensors a replay reads are checked by ``_guard_miss``)."""
        modules, optimizers = self.modules, self.optimizers  # at C speed: it runs on every call
        return (tuple(map(_TRAINING, modules)),
                tuple(map(id, _chain(map(_VALUES, map(_PARAMETERS, modules))))),
                tuple(map(id, _chain(map(_PARAMS, _chain(map(_GROUPS, optimizers)))))),
                tuple(map(len, _chain(map(_VALUES, map(_STATE, optimizers))))),
                # the per-parameter state dicts themselves: load_state_dict replaces them (the
                # recorded references to the old ones keep them alive: ids are not reused)
                tuple(map(id, _chain(map(_VALUES, map(_STATE, optimizers))))),
                tuple(map(id, _chain(map(_GROUPS, optimizers)))),  # hyperparameters are read there
                tuple(map(_REQUIRES_GRAD, self.params)),  # a frozen parameter gets no gradient
                tuple(map(id, map(_CALL, map(_FIRST, self.bindings)))),
                tuple(map(_CALL, self.plain)))


# -- the compiled function ------------------------------------------------------------------------
class _Entry:
    """One recording of a signature: its replay and its guards."""

    def __init__(self):
        self.replay = None
        self.world = None


class CompiledFunction:
    """The step returned by ``tensorlite.compile(fn)``; call it as ``fn``.

    Example:
    >>> w = tl.ones(3, requires_grad=True)
    >>> opt = tl.optim.SGD([w], lr=0.1)
    >>> @tl.compile
    ... def step(x):
    ...     opt.zero_grad()
    ...     loss = (w * x).sum()
    ...     loss.backward()
    ...     opt.step()
    ...     return loss
    >>> [round(step(tl.ones(3)).item(), 4) for _ in range(3)]
    [3.0, 2.7, 2.4]
    >>> step.stats["replays"]
    1
    """

    def __init__(self, fn, max_recordings: int = MAX_RECORDINGS, host_reads: str = "raise"):
        if host_reads not in ("raise", "eager"):
            raise ValueError(f"tensorlite.compile: host_reads must be 'raise' or 'eager', got {host_reads!r}")
        self._host_reads = host_reads
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._cache = {}
        self._max = max_recordings
        self._gave_up = None
        self._unsettled = 0  # recordings in a row dropped because the step changed a Python value
        self.stats = {"eager": 0, "recordings": 0, "replays": 0}

    def __get__(self, obj, owner=None):
        return self if obj is None else functools.partial(self.__call__, obj)

    def __call__(self, *args, **kwargs):
        key = self._signature(args, kwargs)
        variants = self._cache.get(key)
        if _grad_state.anomaly:  # its checks read every result back: nothing to capture
            return self._eager(args, kwargs)
        if variants is None or self._gave_up is not None:
            if variants is None and self._gave_up is None:
                self._cache[key] = []  # seen once: the next call records
            return self._eager(args, kwargs)
        reason = "a new input signature"
        for entry in variants:
            reason = self._guard_miss(entry)
            if reason is None:
                return self._replay(entry, args, kwargs)
        if self.stats["recordings"] >= self._max:
            self._gave_up = reason
            warn_user(f"tensorlite.compile: {self._fn.__qualname__} was recorded "
                      f"{self._max} times (last reason: {reason}); it runs eagerly from now on. "
                      f"Keep shapes, modes and parameters stable between calls.")
            return self._eager(args, kwargs)
        entry = _Entry()
        result = self._record(entry, args, kwargs)
        if entry.replay is not None:
            variants.append(entry)
            del variants[:-VARIANTS]  # the most recent recordings of this signature
        return result

    # signature and guards -------------------------------------------------------------------
    @staticmethod
    def _signature(args, kwargs) -> tuple:
        parts = [_grad_state.enabled, tuple(kwargs)]
        for value in list(args) + list(kwargs.values()):
            if isinstance(value, Tensor):
                parts.append((value._array.shape, value.dtype, value.device, value._requires_grad))
            elif isinstance(value, (int, float, str, bool, type(None))):
                parts.append(value)
            else:
                parts.append(id(value))
        arrays = [id(v._array) for v in list(args) + list(kwargs.values()) if isinstance(v, Tensor)]
        if len(set(arrays)) < len(arrays):  # one buffer passed twice: the recording reads it once
            parts.append(tuple(map(arrays.index, arrays)))
        return tuple(parts)

    def _guard_miss(self, entry):
        world = entry.world
        if world.structure() != entry.structure:
            return ("a module's train/eval mode, a parameter, an optimizer's state or a tensor, "
                    "module or optimizer bound to a name the step uses changed (pass tensors that "
                    "change every call as arguments)")
        for group, get, values in entry.fixed:
            if get(group) != values:
                return f"a hyperparameter changed: {_changed(group, values)}"
        if entry.absent and any(get() is not None for get in entry.absent):
            return "a gradient the recorded step created exists now (it would accumulate)"
        try:  # the common case, at C speed: the same buffers as at the last call
            tensors = list(map(_CALL, entry.getters))
            if all(map(operator.is_, map(_ARRAY, tensors), entry.seen)):
                if entry.reads_first:  # the state read is the first n (e.g. not the gradients)
                    entry.state = tensors + entry.unread_tail
                    return None
                state = entry.state = list(entry.unread)
                for n, t in zip(entry.read_index, tensors):
                    state[n] = t
                return None
        except AttributeError:  # a None among them: the full check names it
            pass
        state = entry.state = list(entry.unread)
        for n, get, shape, dtype in entry.read:
            t = get()
            if not isinstance(t, Tensor) or t._array.shape != shape or t.dtype is not dtype:
                return f"the {entry.load_refs[n]} the step reads is now {_describe(t)}, was {shape} {dtype}"
            state[n] = t
        entry.seen = [state[n]._array for n in entry.read_index]
        return None

    # the three ways to run ------------------------------------------------------------------
    def _eager(self, args, kwargs):
        self.stats["eager"] += 1
        return self._fn(*args, **kwargs)

    def _replay(self, entry, args, kwargs):
        self.stats["replays"] += 1
        inputs = [a for a in list(args) + list(kwargs.values()) if isinstance(a, Tensor)]
        for ref in entry.empty_first:  # the step sets it to None first (zero_grad): free it now
            ref.set(None)
        state, entry.state = entry.state, None
        late = [fn() for fn in entry.late]
        if not entry.draws:
            return entry.rebuild(entry.replay.run(inputs, state, entry.rebound_refs, late))
        generator = _random.default_generator
        seed, offset = generator.get_state()
        late.append(seed)
        late.append(offset)
        outputs = entry.replay.run(inputs, state, entry.rebound_refs, late)
        generator.set_state((seed, offset + entry.draws))
        return entry.rebuild(outputs)

    def _record(self, entry, args, kwargs):
        self.stats["recordings"] += 1
        world = _World(self._fn, args, kwargs)
        inputs = [a for a in list(args) + list(kwargs.values()) if isinstance(a, Tensor)]
        if any(t._requires_grad for t in inputs):
            return self._refuse(entry, "a tensor argument requires grad (gradients of the step's "
                                "inputs are not captured); pass inputs that do not require grad",
                                args, kwargs)
        device = _device_of(inputs, world.params)
        start = [r.get() for r in world.refs]
        if {id(t._array) for t in inputs} & {id(t._array) for t in start if t is not None}:
            # an argument sharing the buffer of a parameter or state (w.detach()): the recording
            # would read that buffer for it on every replay; this call runs eagerly instead
            return self._retry_later(entry, self._fn(*args, **kwargs))
        python_before = world.python_state()
        plain_before = list(map(_CALL, world.plain))
        hypers = _Hypers(world.optimizers)
        randomness = _Randomness()

        def prepare(name, call_args, call_kwargs):
            template = hypers.substitute(call_args, call_kwargs)
            if name == "random":
                template = randomness.substitute(call_args, call_kwargs, template)
            return template

        loaded = [i for i, t in enumerate(start) if t is not None]
        absent = [world.refs[i].getter() for i, t in enumerate(start) if t is None]
        try:
            reads = [] if self._host_reads == "eager" else None
            recording = Recording(device, inputs + [start[i] for i in loaded], prepare,
                                  functools.partial(_host_read, reads))
            del start  # the old gradients die when the step sets them to None, as in eager mode
        except CaptureError as error:
            return self._refuse(entry, str(error), args, kwargs)
        hypers.install()
        try:
            with recording:
                result = self._fn(*args, **kwargs)
        finally:
            hypers.restore()
        reason = (reads[0] if reads else None) or randomness.problem or \
            _python_state_problem(python_before, world.python_state())
        end_world = _World(self._fn, args, kwargs)
        if len(end_world.refs) != len(world.refs):
            return self._retry_later(entry, result)  # state created in this step: a first step
        if list(map(_CALL, world.plain)) != plain_before:
            # the step changed a Python value it reads (a counter, net.train() after eval): a
            # replay would not; the next call records again (an idempotent change is then kept)
            self._unsettled += 1
            if self._unsettled >= self._max:  # it changes one on every call: recording is waste
                return self._refuse(entry, f"it changed a Python value it reads (a number, string or "
                                           f"tuple bound to a name, a dict's value or a module's "
                                           f"attribute) in each of {self._unsettled} recordings, and a "
                                           f"replay would not run that Python; pass it as an argument "
                                           f"or change it outside the step", result=result)
            return self._retry_later(entry, result)
        self._unsettled = 0
        if reason is not None:
            return self._refuse(entry, reason, result=result)
        rebound = [i for i, r in enumerate(world.refs)
                   if r.get() is not None and recording.produced(r.get())]
        flat, rebuild = _flatten(result)
        if _holds_hyper(result):  # the same tensors; a returned hyperparameter as a plain float
            result = rebuild(flat)
        if any(t._requires_grad for t in flat) and not _trains(world, loaded, rebound, inputs,
                                                              recording.written()):
            # a forward whose backward runs outside: the graph must exist, so eager it stays
            return self._refuse(entry, "it returns tensors that require grad", result=result, quiet=True)
        try:
            replay = recording.build([world.refs[i].get() for i in rebound], flat)
        except CaptureError as error:
            return self._refuse(entry, str(error), result=result)
        entry.replay, entry.world, entry.rebuild = replay, world, rebuild
        entry.load_refs = [world.refs[i] for i in loaded]
        entry.rebound_refs = [world.refs[i] for i in rebound]
        reads = {n - len(inputs) for n in replay.reads}
        entry.read = [(n, r.getter(), r.get()._array.shape, r.get().dtype)
                      for n, r in enumerate(entry.load_refs) if n in reads]
        entry.unread = [None] * len(entry.load_refs)
        read_refs = {id(entry.load_refs[n]) for n, _, _, _ in entry.read}
        entry.empty_first = [r for r in entry.rebound_refs if r.grad_of is not None and id(r) not in read_refs]
        # what the step set to None and left so (the gradient of a frozen parameter): None too
        entry.empty_first += [r for r in entry.load_refs if r.get() is None]
        entry.late, fixed = hypers.finish()
        entry.fixed = _fixed_guards(fixed) + hypers.checks()
        entry.absent = absent  # the step created these (a first gradient): they must be None
        entry.getters = [get for _, get, _, _ in entry.read]
        entry.read_index = [n for n, _, _, _ in entry.read]
        entry.reads_first = entry.read_index == list(range(len(entry.read_index)))
        entry.unread_tail = entry.unread[len(entry.read_index):]
        _rehome(replay, inputs, entry.load_refs)
        entry.seen = [t._array for t in map(_CALL, entry.getters)]
        entry.draws = randomness.draws
        entry.structure = world.structure()
        entry.alive = list(world.params)  # their ids stay theirs while guarded
        return result

    def _retry_later(self, entry, result):
        """``result`` of a call that ran eagerly (its recording, if any, not kept): counted as
        eager, not against ``max_recordings``; the next call records again."""
        self.stats["recordings"] -= 1
        self.stats["eager"] += 1
        return result

    def _refuse(self, entry, reason, args=None, kwargs=None, result=None, quiet=False):
        self._gave_up = reason
        if not quiet:
            warn_user(f"tensorlite.compile: cannot capture {self._fn.__qualname__}: "
                      f"{reason.removeprefix('tensorlite.compile: ')}; it runs eagerly")
        return self._eager(args, kwargs) if args is not None else result


def _rehome(replay, inputs, load_refs):
    """Moves the parameters and optimizer state of the replay's flat updates (see
    ``Program.rehome``) into their views of its flat buffers, values unchanged: from the next
    call on, one update runs over all of them (the step's inputs never move)."""
    rehome = getattr(replay.program, "rehome", None)
    if rehome is None:
        return
    tensors = list(inputs) + [r.get() for r in load_refs]
    for n, view in rehome([None if t is None else t._array for t in tensors]).items():
        if n >= len(inputs):
            tensors[n]._array = view


def _device_of(inputs, params):
    for t in list(inputs) + list(params):
        return t.device
    raise CaptureError("tensorlite.compile: the step takes no tensor and reaches no parameter")


_PLAIN = (int, float, bool, str)


def _plain(value) -> bool:
    """A Python number or string, or a tuple of them: compared by value in the guard."""
    return type(value) in _PLAIN or (type(value) is tuple and all(type(v) in _PLAIN for v in value))


_ARRAY = operator.attrgetter("_array")
_TRAINING = operator.attrgetter("training")
_REQUIRES_GRAD = operator.attrgetter("_requires_grad")
_PARAMETERS = operator.attrgetter("_parameters")
_GROUPS = operator.attrgetter("param_groups")
_STATE = operator.attrgetter("state")
_PARAMS = operator.itemgetter("params")
_FIRST = operator.itemgetter(0)
_VALUES = operator.methodcaller("values")
_chain = itertools.chain.from_iterable
_CALL = operator.methodcaller("__call__")  # operator.call is Python 3.11+


def _fixed_guards(fixed) -> list:
    """[(group, itemgetter of its guarded keys, their values as it returns them)]."""
    keys = {}
    for group, key, value in fixed:
        keys.setdefault(id(group), (group, []))[1].append((key, value))
    guards = []
    for group, items in keys.values():
        get = operator.itemgetter(*[k for k, _ in items], "params")  # >= 2 keys: always a tuple
        guards.append((group, lambda g, get=get: get(g)[:-1], tuple(v for _, v in items)))
    return guards


def _changed(group, values) -> str:
    return ", ".join(f"{k!r} is {v!r}" for k, v in group.items() if k != "params")


def _trains(world, loaded, rebound, inputs, written) -> bool:
    """Whether the recorded step wrote gradients or parameters (a whole training step), not
    only buffers such as batch norm's statistics."""
    if any(world.refs[i].grad_of is not None for i in rebound):
        return True
    trained = {id(p) for p in world.params}
    for n in written:
        if n >= len(inputs):
            ref = world.refs[loaded[n - len(inputs)]]
            if ref.grad_of is not None or id(ref.get()) in trained:
                return True
    return False


def _describe(t) -> str:
    return f"{tuple(t._array.shape)} {t.dtype}" if isinstance(t, Tensor) else repr(t)


def _python_state_problem(before, after):
    if before != after:
        changed = sorted({k for (_, k, v) in after} - {k for (_, k, v) in before} |
                         {k for (a, k, v) in before if (a, k, v) not in after})
        return (f"an optimizer keeps Python numbers in its state that the step changes "
                f"({', '.join(map(str, changed))}); a replay would freeze them")
    return None


class _Hypers:
    """The Python-number hyperparameters of the optimizers' param groups during a recording."""

    def __init__(self, optimizers):
        self.groups = [g for opt in optimizers for g in opt.param_groups]
        self.saved = []
        self.late = {}

    def install(self):
        for group in self.groups:
            for key, value in list(group.items()):
                if type(value) in (int, float):
                    source = {"lost": False, "key": key, "group": group}
                    self.saved.append((group, key, value, source))
                    group[key] = _Hyper(value, (lambda g, k: lambda: g[k])(group, key), source)

    def restore(self):
        for group, key, value, _ in self.saved:
            group[key] = value

    def substitute(self, args, kwargs):
        if not any(isinstance(a, _Hyper) for a in args) and \
                not any(isinstance(v, _Hyper) for v in kwargs.values()):
            return None
        plain = tuple(float.__float__(a) if isinstance(a, _Hyper) else a for a in args)
        plain_kw = {k: float.__float__(v) if isinstance(v, _Hyper) else v for k, v in kwargs.items()}
        return (tuple(self._late(a) for a in args),
                {k: self._late(v) for k, v in kwargs.items()}, plain, plain_kw)

    def _late(self, value):
        if not isinstance(value, _Hyper):
            return value
        if id(value) not in self.late:
            self.late[id(value)] = (len(self.late), value)
        return Late(self.late[id(value)][0])

    def checks(self) -> list:
        """Guards of the comparisons that steered the step: [(group, its outcomes now, the
        recorded outcomes)] (see ``_fixed_guards``)."""
        guards = []
        for _, _, _, source in self.saved:
            checks = source.get("checks")
            if checks and not source["lost"]:
                guards.append((source["group"],
                               lambda g, checks=tuple(checks): tuple(op(fn(), v) for fn, op, v, _ in checks),
                               tuple(result for _, _, _, result in checks)))
        return guards

    def finish(self):
        """(functions giving the late values in order, (group, key, value) guarded by value)."""
        lost = {id(s) for _, _, _, s in self.saved if s["lost"]}
        late = [None] * len(self.late)
        for index, value in self.late.values():
            late[index] = value._fn
        fixed = [(g, k, v) for g, k, v, s in self.saved if id(s) in lost]
        types = (int, float)
        fixed += [(g, k, v) for g in self.groups for k, v in g.items()
                  if k != "params" and type(v) not in types]
        return late, fixed


class _Randomness:
    """Draws from the default generator during a recording: replayed with the generator's
    counter at replay time (a fresh mask each step), as the eager step would draw."""

    def __init__(self):
        self.seed, self.offset = _random.default_generator.get_state()
        self.problem = None

    @property
    def draws(self) -> int:
        seed, offset = _random.default_generator.get_state()
        return offset - self.offset

    def substitute(self, args, kwargs, template):
        seed, offset = args[3], args[4]
        if seed != self.seed or not self.offset <= offset < _random.default_generator.get_state()[1]:
            self.problem = ("a random draw from a generator other than the default one (or after "
                            "manual_seed inside the step)")
            return template
        base = template or (args, kwargs, args, kwargs)
        late = list(base[0])
        late[3], late[4] = Late(-2), Late(-1, offset - self.offset)
        return (tuple(late), base[1], base[2], base[3])


def _host_read(sink, name):
    """Raised when the step reads device values during recording (appended to ``sink`` instead
    where it is a list: the step finishes, then runs eagerly), except for the argument checks
    of ``value_bounds`` (class targets, one_hot classes, probabilities): they run on the
    recorded batch; a replay keeps the backend's own index range checks."""
    frame = sys._getframe(1)
    for _ in range(3):
        frame = frame.f_back
        if frame is not None and frame.f_code is value_bounds.__code__:
            return
    stack = traceback.extract_stack()[:-3]  # without this function and the recorder
    frame = next((f for f in reversed(stack) if not os.path.abspath(f.filename).startswith(_PACKAGE)), None)
    where = (f"{frame.filename}:{frame.lineno}: {(frame.line or linecache.getline(frame.filename, frame.lineno)).strip()}"
             if frame else "unknown line")
    inner = next((f for f in reversed(stack)  # the op that read, not Tensor.item's plumbing
                  if not f.filename.endswith(("tensor.py", "_queries.py", "_methods.py"))), None)
    if inner is not None and inner is not frame and os.path.abspath(inner.filename).startswith(_PACKAGE):
        where += f" (inside tensorlite: {os.path.relpath(inner.filename, os.path.dirname(_PACKAGE[:-1]))}:" \
                 f"{inner.lineno}, {inner.name})"
    if name == "nonzero":
        message = (
            f"tensorlite.compile: the step makes a tensor whose shape depends on tensor values "
            f"(nonzero: boolean-mask indexing, masked_select, nonzero, unique) at {where}. A "
            f"captured step replays with the recorded shapes; compute with the mask instead "
            f"(e.g. `(x * mask).sum()` or `tl.where(mask, x, 0)`), or compile with "
            f"host_reads='eager' to run such a step eagerly")
    else:
        message = (
            f"tensorlite.compile: the step reads tensor values to the host ({name}: .item(), "
            f".numpy(), .tolist(), bool(t) or Python control flow on a tensor) at {where}. A "
            f"captured step replays without running Python, so the value would be frozen; return "
            f"the tensor from the step and read it outside (e.g. `return loss`, then `loss.item()`)")
    if sink is None:
        raise CaptureError(message)
    sink.append(message)


def _holds_hyper(result) -> bool:
    if isinstance(result, (tuple, list)):
        return any(map(_holds_hyper, result))
    if isinstance(result, dict):
        return any(map(_holds_hyper, result.values()))
    return isinstance(result, _Hyper)


def _flatten(result):
    """(the tensors in ``result``, a function rebuilding its structure from new tensors)."""
    if isinstance(result, Tensor):
        return [result], lambda ts: ts[0]
    if isinstance(result, (tuple, list)):
        parts = [_flatten(r) for r in result]
        sizes = [len(p[0]) for p in parts]

        def rebuild(ts):
            out, i = [], 0
            for (_, fn), n in zip(parts, sizes):
                out.append(fn(ts[i:i + n]))
                i += n
            return type(result)(out) if isinstance(result, list) else tuple(out)
        return [t for p in parts for t in p[0]], rebuild
    if isinstance(result, dict):
        keys = list(result)
        flat, rebuild_values = _flatten([result[k] for k in keys])
        return flat, lambda ts: dict(zip(keys, rebuild_values(ts)))
    if isinstance(result, _Hyper):  # a hyperparameter returned: its value at each call
        fn = result._fn
        return [], lambda ts: fn()
    if result is None or isinstance(result, (int, float, str, bool)):
        return [], lambda ts: result
    raise CaptureError(f"tensorlite.compile: the step returns a {type(result).__name__}; return "
                       f"tensors, numbers or tuples, lists and dicts of them")


_BACKENDS = ("inductor", "eager", "aot_eager", "cudagraphs")
_MODES = (None, "default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None,
            options=None, disable: bool = False, max_recordings: int = MAX_RECORDINGS,
            host_reads: str = "raise"):
    """Capture a training step and replay it: ``step = tl.compile(fn)`` or ``@tl.compile``.

    The first call with a new signature runs ``fn`` eagerly; the second records every backend
    call (forward, backward, optimizer update); later calls replay those calls directly on the
    new inputs. Outputs are new, detached tensors. Guards checked on each call: input shapes,
    dtypes, devices and requires_grad, non-tensor arguments, grad mode, train/eval mode of the
    modules reachable from ``fn`` (closure, named globals, arguments), identity of their
    parameters and of the optimizers' parameters and state; the optimizers' Python-number
    hyperparameters are read at replay time (a scheduler's lr takes effect). A miss re-records;
    after ``max_recordings`` recordings the function warns once and runs eagerly. A read of
    tensor values to the host while recording (``.item()``, ``bool(t)``) raises, naming the
    line; with ``host_reads="eager"`` the step finishes instead, warns once and runs eagerly.
    A function that returns tensors requiring grad (a forward whose backward runs outside) runs
    eagerly, and a Module (or ``disable=True``) is returned as it is: only a whole step is
    captured. PyTorch's ``fullgraph``, ``dynamic``, ``backend``, ``mode`` and ``options`` are
    checked as ``torch.compile`` checks them and otherwise have no effect.

    Shapes: any; the step may take tensors, numbers and strings.

    Example:
    >>> net = tl.nn.Linear(3, 1)
    >>> opt = tl.optim.SGD(net.parameters(), lr=0.1)
    >>> @tl.compile
    ... def step(x, y):
    ...     opt.zero_grad()
    ...     loss = ((net(x) - y) ** 2).mean()
    ...     loss.backward()
    ...     opt.step()
    ...     return loss
    >>> x, y = tl.ones(4, 3), tl.zeros(4, 1)
    >>> losses = [step(x, y) for _ in range(4)]
    >>> bool(losses[3] < losses[0])
    True
    >>> tl.compile(net) is net
    True
    """
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified "
                           "at the same time.")
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           f"{', '.join(m for m in _MODES if m)}")
    if isinstance(backend, str) and backend not in _BACKENDS:
        raise RuntimeError(f"Invalid backend: {backend!r} (known: {', '.join(_BACKENDS)}; "
                           "tensorlite captures steps the same way whichever is chosen)")
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                  mode=mode, options=options, disable=disable,
                                  max_recordings=max_recordings, host_reads=host_reads)
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if disable or isinstance(model, Module):
        return model
    return CompiledFunction(model, max_recordings, host_reads)
