"""The capture hook at the backend boundary: record every primitive call of a step, then replay
the calls as one generated Python function.

``Recorder`` wraps a backend (a device's ``backend`` is swapped for it while a step is recorded,
see ``tensorlite/ops/capture.py``): each primitive runs on the real backend and is appended to a
list with its arguments, in which every array is named by where it comes from: a *load* (an
array the step found already there: inputs, parameters, optimizer state, loaded again on every
replay), a *slot* (the result of an earlier recorded call) or a constant. The recorder holds no
slot array (a weak reference forgets a slot's name when its array dies), so recording peaks at
the memory of an eager step. ``Program`` turns the list into straight-line code: a slot is a
local variable deleted after its last use (intermediates die as early as in eager mode), values
that must be read at replay time (a learning rate, the random generator's counter) are ``Late``
markers read from a list. A replay runs no autograd and no op dispatch: only the primitives.

The hook is per backend: the OpenCL runtime can record its enqueues the same way and replay
them with the kernel arguments set once.
"""
from __future__ import annotations

import re
import threading
import weakref

# Questions whose answer depends on layout or identity only (reproduced by the replay): they run
# during recording and are not replayed. Host reads go to ``host_read``: their values steer Python.
QUERIES = frozenset({"aliases", "has_internal_overlap", "is_contiguous", "synchronize"})
HOST_READS = frozenset({"to_host", "all_finite"})
# Primitives that write into array arguments (the step's state: parameters, gradients, buffers),
# with the positions of the arguments they write.
WRITES = {"binary_inplace": (1,), "copy_into": (0,), "index_put": (0,), "adam_step": (0, 2, 3, 4, 5)}
# Primitives that only compute their result: dropped from the replay when nothing uses it.
PURE = frozenset({"unary", "binary", "where", "cast", "reduce", "arg_reduce", "reshape", "view",
                  "permute", "broadcast_to", "concatenate", "copy", "full", "empty", "arange",
                  "random", "matmul", "softmax", "logsumexp", "cumsum", "flip", "pad"})


class Late:
    """A call argument read at replay time: ``late[index] + add``.

    Example: ``Late(0)`` renders as ``late[0]``; the replay passes the current learning rate."""

    __slots__ = ("index", "add")

    def __init__(self, index: int, add=0):
        self.index = index
        self.add = add


class _Var:
    """A load or a slot in a recorded argument list."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class Recorder:
    """A backend's stand-in while a step is recorded: runs each primitive on ``inner`` and keeps
    ``(name, template_args, template_kwargs, result_names)`` in ``calls``.

    ``loads``: id -> index of the arrays that exist before the step and are passed to each
    replay. ``prepare(name, args, kwargs)`` may return ``(template_args, template_kwargs, args,
    kwargs)`` to record markers (``Late``) in place of values while the real call gets plain
    values; ``host_read(name)`` is called (and raises, unless the read is allowed) on a read of
    device values to the host. ``is_array`` tells the backend's arrays."""

    def __init__(self, inner, prepare, host_read, is_array, loads):
        self._inner = inner
        self._prepare = prepare
        self._host_read = host_read
        self._is_array = is_array
        self.names = {i: f"l{n}" for i, n in loads.items()}  # id(array) -> its variable
        self._held = []  # results that cannot be weakly referenced (NumPy scalars): kept
        self._thread = threading.get_ident()  # a loader thread's work is not the step's
        self.written = set()  # indices of the loads an in-place primitive wrote into
        self.meta = {}  # variable -> (shape, dtype) of its array (the fusion pass reads it)
        self.calls = []

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr) or name in QUERIES or \
                threading.get_ident() != self._thread:
            return attr
        if name in HOST_READS:
            self._host_read(name)
            return attr
        return lambda *args, **kwargs: self._call(name, attr, args, kwargs)

    def _call(self, name, method, args, kwargs):
        prepared = self._prepare(name, args, kwargs)
        if prepared is None:
            t_args, t_kwargs = args, kwargs
        else:
            t_args, t_kwargs, args, kwargs = prepared
        t_args = tuple(self._template(a) for a in t_args)
        t_kwargs = {k: self._template(v) for k, v in t_kwargs.items()}
        if name in WRITES:
            written = [t_args[i] for i in WRITES[name] if i < len(t_args)]
            self.written.update(int(v[1:]) for v in _vars_in(written) if v.startswith("l"))
        result = method(*args, **kwargs)
        n = len(self.calls)
        if self._is_array(result):
            names = self._name(result, n, 0)
        elif isinstance(result, (tuple, list)):
            names = tuple(self._name(r, n, i) if self._is_array(r) else None for i, r in enumerate(result))
        else:
            names = None
        self.calls.append((name, t_args, t_kwargs, names))
        return result

    def _template(self, value):
        if self._is_array(value):
            name = self.names.get(id(value))
            if name is None:
                return value  # not a load, not a slot: a constant
            self.meta.setdefault(name, (value.shape, value.dtype))
            return _Var(name)
        if isinstance(value, (tuple, list)):
            return type(value)(self._template(v) for v in value)
        return value

    def _name(self, array, n, i) -> str:
        name = f"s{n}_{i}"
        key = id(array)
        self.meta[name] = (array.shape, array.dtype)
        self.names[key] = name
        try:
            weakref.finalize(array, _forget, self.names, key, name)
        except TypeError:
            self._held.append(array)
        return name

    def name_of(self, array):
        """The variable of an array recorded or loaded (None: neither)."""
        return self.names.get(id(array))


def _forget(names, key, name):
    if names.get(key) == name:
        del names[key]


class Program:
    """Straight-line replay of a ``Recorder``'s calls on ``backend``: ``run(loaded, late)``
    returns the arrays of ``keep`` (variable names: slots or loads) in order. ``loads_read``:
    the indices of the loads the calls read."""

    def __init__(self, backend, calls, n_loads, keep):
        self.calls = 0
        self._constants = {}
        lines = [f"    l{i} = loaded[{i}]" for i in range(n_loads)]
        body = self._body(backend, _live(calls, keep))
        lines += _with_deletes(body, set(keep))
        self.source = ("def replay(loaded, late):\n" + "\n".join(lines)
                       + f"\n    return ({''.join(k + ', ' for k in keep)})\n")
        namespace = dict(self._constants)
        exec(compile(self.source, "<tensorlite.compile replay>", "exec"), namespace)
        self.run = namespace["replay"]

    def _body(self, backend, calls):
        """One ``(text, names read, names defined)`` per call."""
        body = []
        for name, args, kwargs, results in calls:
            method = f"m_{name}"
            self._constants[method] = getattr(backend, name)
            rendered = [self._render(a) for a in args] + [f"{k}={self._render(v)}" for k, v in kwargs.items()]
            call = f"{method}({', '.join(rendered)})"
            reads = set(re.findall(r"\b([sl]\d+(?:_\d+)?)\b", " ".join(rendered)))
            if isinstance(results, str):
                body.append((f"{results} = {call}", reads, [results]))
            elif results is not None and any(results):
                targets = [r or "_" for r in results]
                body.append((f"{', '.join(targets)}, = {call}", reads, [r for r in results if r]))
            else:
                body.append((call, reads, []))
        self.calls = len(body)
        self.loads_read = {int(n[1:]) for _, reads, _ in body for n in reads if n.startswith("l")}
        return body

    def _render(self, value) -> str:
        if isinstance(value, _Var):
            return value.name
        if isinstance(value, Late):
            return f"(late[{value.index}] + {value.add!r})" if value.add else f"late[{value.index}]"
        if isinstance(value, (tuple, list)) and any(_dynamic(v) for v in value):
            parts = [self._render(v) for v in value]
            if isinstance(value, list):
                return f"[{', '.join(parts)}]"
            return f"({''.join(p + ', ' for p in parts)})"
        if value is None or isinstance(value, (bool, str)) or (
                type(value) in (int, float) and value == value and abs(value) != float("inf")):
            return repr(value)
        name = f"c{len(self._constants)}"
        self._constants[name] = value
        return name


def _dynamic(value) -> bool:
    if isinstance(value, (_Var, Late)):
        return True
    return isinstance(value, (tuple, list)) and any(_dynamic(v) for v in value)


def _vars_in(value):
    if isinstance(value, _Var):
        yield value.name
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _vars_in(v)


def _live(calls, keep):
    """The calls without the pure ones whose results nothing reads (e.g. the values an
    argument check read to the host at recording)."""
    used = set(keep)
    live = []
    for call in reversed(calls):
        name, args, kwargs, results = call
        names = (results,) if isinstance(results, str) else (results or ())
        if name in PURE and not any(r in used for r in names if r):
            continue
        live.append(call)
        used.update(_vars_in(list(args) + list(kwargs.values())))
    return live[::-1]


def _with_deletes(body, keep):
    """The body's lines with ``del`` after each slot's last read (kept slots stay)."""
    last = {}
    for index, (_, reads, defined) in enumerate(body):
        for name in list(reads) + defined:
            if name.startswith("s"):
                last[name] = index
    dying = {}
    for name, index in last.items():
        if name not in keep:
            dying.setdefault(index, []).append(name)
    lines = []
    for index, (text, _, _) in enumerate(body):
        lines.append("    " + text)
        if index in dying:
            lines.append(f"    del {', '.join(sorted(dying[index]))}")
    return lines
