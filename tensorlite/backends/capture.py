"""The capture hook at the backend boundary: record every primitive call of a step, then replay
the calls as one generated Python function.

``Recorder`` wraps a backend (a device's ``backend`` is swapped for it while a step is recorded,
see ``tensorlite/ops/capture.py``): each primitive runs on the real backend and is appended to a
list with its arguments and result. ``Program`` turns that list into straight-line code: every
array a recorded call produced becomes a local variable (its *slot*), the arrays the step found
already there (inputs, parameters, optimizer state) are loaded at the start by position, values
that must be read at replay time (a learning rate, the random generator's counter) are ``Late``
markers read from a list, and a slot is deleted after its last use, so intermediates die as
early as in eager mode. A replay runs no autograd and no op dispatch: only the primitives.

The hook is per backend: the OpenCL runtime can record its enqueues the same way and replay
them with the kernel arguments set once.
"""
from __future__ import annotations

import re

# Questions whose answer depends on layout or identity only (reproduced by the replay): they run
# during recording and are not replayed. Host reads are refused: their values steer Python.
QUERIES = frozenset({"aliases", "has_internal_overlap", "is_contiguous", "synchronize"})
HOST_READS = frozenset({"to_host", "all_finite"})
# Primitives that only compute their result: dropped from the replay when nothing uses it.
PURE = frozenset({"unary", "binary", "where", "cast", "reduce", "arg_reduce", "reshape", "view",
                  "permute", "broadcast_to", "concatenate", "copy", "full", "empty", "arange",
                  "random", "matmul", "softmax", "logsumexp", "cumsum", "flip", "pad"})


class Late:
    """A call argument read at replay time: ``values[index] + add``.

    Example: ``Late(0)`` renders as ``late[0]``; the replay passes the current learning rate."""

    __slots__ = ("index", "add")

    def __init__(self, index: int, add=0):
        self.index = index
        self.add = add


class Recorder:
    """A backend's stand-in while a step is recorded: runs each primitive on ``inner`` and keeps
    ``(name, template_args, template_kwargs, result)`` in ``calls``.

    ``prepare(name, args, kwargs)`` may return ``(template_args, template_kwargs, args, kwargs)``
    to record markers (``Late``) in place of values while the real call gets plain values;
    ``host_read(name)`` is called (and should raise) on a read of device values to the host."""

    def __init__(self, inner, prepare, host_read):
        self._inner = inner
        self._prepare = prepare
        self._host_read = host_read
        self.calls = []

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr) or name in QUERIES:
            return attr
        if name in HOST_READS:
            self._host_read(name)  # raises unless the read only checks arguments
            return attr
        calls, prepare = self.calls, self._prepare

        def recorded(*args, **kwargs):
            template = prepare(name, args, kwargs)
            if template is None:
                result = attr(*args, **kwargs)
                calls.append((name, args, kwargs, result))
            else:
                result = attr(*template[2], **template[3])
                calls.append((name, template[0], template[1], result))
            return result
        return recorded


def _walk_arrays(value, is_array):
    """The arrays inside a call argument (tuples and lists searched)."""
    if is_array(value):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _walk_arrays(v, is_array)


class Program:
    """Straight-line replay of recorded calls on ``backend``.

    ``loads``: ids of the arrays the step read without producing them, in the order ``run``
    receives them (inputs, then state); every other such array is a constant. ``keep``: the
    arrays whose replayed counterparts ``run`` returns (outputs, state rebound by the step), in
    order; each must be a load, a constant or a recorded result. ``run(loaded, late)`` returns
    that tuple."""

    def __init__(self, backend, calls, loads, keep, is_array):
        self.calls = len(calls)
        self._is_array = is_array
        self._names = {}                    # id(array) -> variable name
        self._constants = {"_backend": backend}
        self._kept_alive = []               # recorded arrays: their ids stay unique until built
        for i, array_id in enumerate(loads):
            self._names[array_id] = f"l{i}"
        lines = [f"    l{i} = loaded[{i}]" for i in range(len(loads))]
        body, produced = self._body(_live(calls, keep, is_array))
        lines += self._with_deletes(body, produced, [self._render(a) for a in keep])
        self.source = ("def replay(loaded, late):\n" + "\n".join(lines)
                       + f"\n    return ({''.join(self._render(a) + ', ' for a in keep)})\n")
        namespace = dict(self._constants)
        exec(compile(self.source, "<tensorlite.compile replay>", "exec"), namespace)
        self.run = namespace["replay"]
        self._kept_alive = None

    def _body(self, calls):
        """One line per call: ``(text, names it reads, names it defines)``."""
        body, produced, methods = [], set(), {}
        for n, (name, args, kwargs, result) in enumerate(calls):
            if name not in methods:
                methods[name] = f"m_{name}"
                self._constants[f"m_{name}"] = getattr(self._constants["_backend"], name)
            rendered = [self._render(a) for a in args]
            rendered += [f"{k}={self._render(v)}" for k, v in kwargs.items()]
            call = f"{methods[name]}({', '.join(rendered)})"
            reads = {t for t in _names_in(rendered)}
            defined = []
            if self._is_array(result):
                defined.append(self._define(result, n, 0))
                text = f"{defined[0]} = {call}"
            elif isinstance(result, (tuple, list)) and any(self._is_array(r) for r in result):
                targets = [self._define(r, n, i) if self._is_array(r) else "_" for i, r in enumerate(result)]
                defined = [t for t in targets if t != "_"]
                text = f"{', '.join(targets)}, = {call}"
            else:
                text = call
            produced.update(defined)
            body.append((text, reads, defined))
        return body, produced

    def _define(self, array, n, i):
        name = f"s{n}_{i}"
        self._names[id(array)] = name
        self._kept_alive.append(array)
        return name

    def _with_deletes(self, body, produced, kept):
        """The body with ``del`` after each produced slot's last read (kept slots stay)."""
        last = {}
        for index, (_, reads, defined) in enumerate(body):
            for name in list(reads) + defined:
                last[name] = index
        keep = set(kept)
        lines = []
        for index, (text, _, _) in enumerate(body):
            lines.append("    " + text)
            dead = [v for v, i in last.items() if i == index and v in produced and v not in keep]
            if dead:
                lines.append(f"    del {', '.join(sorted(dead))}")
        return lines

    def _render(self, value) -> str:
        if self._is_array(value):
            name = self._names.get(id(value))
            return name if name is not None else self._constant(value)
        if isinstance(value, Late):
            return f"(late[{value.index}] + {value.add!r})" if value.add else f"late[{value.index}]"
        if isinstance(value, (tuple, list)) and any(self._dynamic(v) for v in value):
            parts = [self._render(v) for v in value]
            if isinstance(value, list):
                return f"[{', '.join(parts)}]"
            return f"({''.join(p + ', ' for p in parts)})"
        if value is None or isinstance(value, (bool, str)) or (
                type(value) in (int, float) and value == value and abs(value) != float("inf")):
            return repr(value)
        return self._constant(value)

    def _dynamic(self, value) -> bool:
        if isinstance(value, Late):
            return True
        if self._is_array(value):
            return id(value) in self._names
        return isinstance(value, (tuple, list)) and any(self._dynamic(v) for v in value)

    def _constant(self, value) -> str:
        name = f"c{len(self._constants)}"
        self._constants[name] = value
        return name


def _names_in(rendered):
    """Variable names (slots and loads) in rendered argument texts."""
    found = set()
    for text in rendered:
        found.update(re.findall(r"\b([sl]\d+(?:_\d+)?)\b", text))
    return found



def _live(calls, keep, is_array):
    """The calls without the pure ones whose results nothing reads (e.g. the values an
    argument check read to the host at recording)."""
    used = {id(a) for a in keep if is_array(a)}
    live = []
    for call in reversed(calls):
        name, args, kwargs, result = call
        results = result if isinstance(result, (tuple, list)) else (result,)
        if name in PURE and not any(is_array(r) and id(r) in used for r in results):
            continue
        live.append(call)
        used.update(id(a) for a in _walk_arrays(list(args) + list(kwargs.values()), is_array))
    return live[::-1]
