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

import math
import re
import threading
import weakref

import numpy as np  # the flat buffers of a grouped optimizer update

# Questions whose answer depends on layout or identity only (reproduced by the replay): they run
# during recording and are not replayed. Host reads go to ``host_read``: their values steer Python.
QUERIES = frozenset({"aliases", "has_internal_overlap", "is_contiguous", "synchronize"})
# nonzero reads too: the size of its result is the count of non-zero values (a replay would keep
# the recorded size: boolean-mask indexing, masked_select, unique).
HOST_READS = frozenset({"to_host", "all_finite", "nonzero"})
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
        self.metas = []  # per call: (shape, dtype) of each positional argument and result (None: no array)

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr) or name in QUERIES or \
                threading.get_ident() != self._thread:
            return attr
        if name in HOST_READS:
            self._host_read(name)
            return attr
        if name == "getitem":
            return lambda *args, **kwargs: self._getitem(attr, args, kwargs)
        return lambda *args, **kwargs: self._call(name, attr, args, kwargs)

    def _getitem(self, method, args, kwargs):
        key = args[1] if isinstance(args[1], tuple) else (args[1],)
        if any(self._is_array(k) and k.dtype == np.bool_ for k in key):
            self._host_read("nonzero")  # a boolean mask: the result's size is its count
        return self._call("getitem", method, args, kwargs)

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
        self.metas.append((tuple(self._meta(a) for a in args),
                           tuple(map(self._meta, result)) if isinstance(result, (tuple, list))
                           else self._meta(result)))
        return result

    def _meta(self, value):
        return (value.shape, value.dtype) if self._is_array(value) else None

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
    the indices of the loads the calls read.

    With the recorder's ``metas`` (each call's argument and result shapes and dtypes), pure
    calls computed from constants only (a backward's ones seed, a zeros buffer) run once here,
    and calls the backend can ``lower(name, args, kwargs, meta)`` to a direct call (NumPy's
    ufuncs instead of the method and its checks) are replayed that way, under the backend's
    ``replay_state()`` (e.g. NumPy's error state set once for the whole replay)."""

    def __init__(self, backend, calls, n_loads, keep, metas=None):
        self.calls = 0
        self._constants = {}
        live = _live(calls, keep)
        self._hoisted = {}
        if metas is not None:
            meta_of = {id(c): m for c, m in zip(calls, metas)}
            self._hoisted = _hoist(backend, live, keep)
            live = [(c, meta_of[id(c)]) for c in live if not _defines(c, self._hoisted)]
        else:
            live = [(c, None) for c in live]
        lines = [f"    l{i} = loaded[{i}]" for i in range(n_loads)]
        self._groups = []
        self._rests = []  # (constant, flat buffer's constant): the step counts after the first
        # which results are fresh arrays is known of NumPy's (the backend that lowers calls)
        self._owned = _owned_copies(live, keep) if hasattr(backend, "lower") else set()
        body = self._body(backend, live)
        lines += _with_deletes(body, set(keep))
        lines = "\n".join(lines).split("\n")  # a flat update's body is several lines
        result = f"({''.join(k + ', ' for k in keep)})"
        if self.lowered and hasattr(backend, "replay_state"):
            self._constants["q_enter"], self._constants["q_exit"] = backend.replay_state()
            lines = (["    q_token = q_enter()", "    try:"] + ["    " + line for line in lines]
                     + [f"        return {result}", "    finally:", "        q_exit(q_token)"])
        else:
            lines.append(f"    return {result}")
        self.source = "def replay(loaded, late):\n" + "\n".join(lines) + "\n"
        namespace = dict(self._constants)
        exec(compile(self.source, "<tensorlite.compile replay>", "exec"), namespace)
        self.run = namespace["replay"]

    def _body(self, backend, calls):
        """One ``(text, names read, names defined)`` per call."""
        body = []
        lower = getattr(backend, "lower", None)
        self.lowered = 0
        groups = _adam_groups(calls) if lower is not None else []  # NumPy buffers
        first = {members[0]: members for members in groups}
        grouped = {index for members in groups for index in members}
        for index, ((name, args, kwargs, results), meta) in enumerate(calls):
            if index in first:
                body.append(self._flat_adam(backend, [calls[i] for i in first[index]]))
            if index in grouped:
                continue
            if index in self._owned:  # the copy of a fresh result nothing else reads: that result
                body.append((f"{results} = {args[0].name}", {args[0].name}, [results]))
                continue
            if self._hoisted:  # values computed at build are constants to the lowering too
                args = tuple(self._hoisted[a.name] if isinstance(a, _Var) and a.name in self._hoisted else a
                             for a in args)
            direct = None if meta is None or lower is None else lower(name, args, kwargs, meta)
            if direct is None:
                method = f"m_{name}"
                self._constants[method] = getattr(backend, name)
            else:
                function, args, kwargs = direct
                method = self._render_constant(function)
                self.lowered += 1
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

    def _flat_adam(self, backend, calls):
        """One ``adam_step`` over flat buffers for a run of per-parameter calls with the same
        hyperparameters, taken while the loaded parameters and state are the views of those
        buffers that ``rehome`` made (else the per-parameter calls run): the same elementwise
        operations on the same values, so the same bits, in a dozen NumPy calls instead of a
        dozen per parameter. The gradients are copied into a scratch buffer (the ones handed
        out stay the caller's)."""
        (_, first, _, _), meta = calls[0]
        dtype = meta[0][0][1]
        shapes = [m[0][0][0] for _, m in calls]
        sizes = [math.prod(shape) for shape in shapes]
        total = sum(sizes)
        roles = [0, 2, 3] + ([4] if first[4] is not None else [])  # param, exp_avg, exp_avg_sq, max
        # the step counts too, where each is a 0-dim float32 array (as Adam makes them): after
        # the first one's update, one add advances the others
        step_meta = {m[0][5] for _, m in calls}
        flat_steps = step_meta == {((), np.dtype(np.float32))}
        group = []  # per role: (flat buffer's constant, [(load, view's constant)])
        checks, flat = [], {}
        for role in roles + ([5] if flat_steps else []):
            role_shapes, role_sizes = ([()] * len(calls), [1] * len(calls)) if role == 5 else (shapes, sizes)
            flat[role] = self._render_constant(np.empty(sum(role_sizes), np.float32 if role == 5 else dtype))
            views, offset = [], 0
            for ((_, args, _, _), _), shape, size in zip(calls, role_shapes, role_sizes):
                view = self._constants[flat[role]][offset:offset + size].reshape(shape)
                offset += size
                views.append((int(args[role].name[1:]), self._render_constant(view)))
                checks.append(f"{args[role].name} is {views[-1][1]}")
            group.append((flat[role], views))
        scratch = np.empty(total, dtype)
        steps = [args[5].name for (_, args, _, _), _ in calls]
        checks.append(" == ".join(steps))  # one step count for all (they advance together)
        self._constants["m_adam_step"] = backend.adam_step
        copies, offset = [], 0
        for ((_, args, _, _), meta), shape, size in zip(calls, shapes, sizes):
            view = scratch[offset:offset + size].reshape(shape)
            offset += size
            copy = backend.lower("copy_into", (view, args[1]), {}, (((shape, dtype), meta[0][1]), None))
            function, c_args, c_kwargs = copy or (backend.copy_into, (view, args[1]), {})
            rendered = [self._render(a) for a in c_args] + [f"{k}={self._render(v)}" for k, v in c_kwargs.items()]
            copies.append(f"{self._render_constant(function)}({', '.join(rendered)})")
        hyper = ", ".join(self._render(a) for a in first[6:])
        max_flat = flat.get(4, "None")
        fast = copies + [f"m_adam_step({flat[0]}, {self._render_constant(scratch)}, {flat[2]}, {flat[3]}, "
                         f"{max_flat}, {steps[0]}, {hyper})"]
        if flat_steps:  # the other step counts advance as adam_step's, by one add
            rest = self._render_constant(self._constants[flat[5]][1:])
            self._rests.append((rest, flat[5]))
            fast.append(f"{self._render_constant(np.add)}({rest}, 1, out={rest})")
        for ((_, args, _, _), meta) in calls[1:] if not flat_steps else ():  # each step count by its add
            increment = backend.lower("binary_inplace", ("add", args[5], 1), {},
                                      ((None, meta[0][5], None), None))
            if increment is None:
                self._constants["m_binary_inplace"] = backend.binary_inplace
                fast.append(f"m_binary_inplace('add', {args[5].name}, 1)")
            else:
                function, i_args, i_kwargs = increment
                rendered = [self._render(a) for a in i_args] + [f"{k}={self._render(v)}" for k, v in i_kwargs.items()]
                fast.append(f"{self._render_constant(function)}({', '.join(rendered)})")
        slow = []
        for (_, args, kwargs, _), _ in calls:
            rendered = [self._render(a) for a in args]
            slow.append(f"m_adam_step({', '.join(rendered)})")
        text = (f"if {' and '.join(checks)}:\n" + "".join(f"        {line}\n" for line in fast)
                + "    else:\n" + "\n".join(f"        {line}" for line in slow))
        reads = set(re.findall(r"\b([sl]\d+(?:_\d+)?)\b", text))
        self._groups.extend(group)
        return text, reads, []

    def rehome(self, loaded) -> dict:
        """{load index: view} for the flat updates: the parameters' and optimizer state's
        values (``loaded``: the arrays of a replay's loads) copied into views of one buffer
        per role; the caller puts each view in its tensor, after which replays take the flat
        path. Arrays that already are such views (another recording's, e.g. of the smaller
        last batch) are adopted as they are. A role whose arrays overlap one another or another
        load is left out."""
        homes = {}
        constants = self.run.__globals__
        for flat, views in self._groups:
            mine = [loaded[n] for n, _ in views]
            if any(a is None or a.shape != constants[v].shape or a.dtype != constants[v].dtype
                   for a, (_, v) in zip(mine, views)):
                continue
            if _consecutive(mine, constants[flat].size):
                constants[flat] = mine[0].base
                constants.update((v, a) for a, (_, v) in zip(mine, views))
                constants.update((rest, constants[flat][1:]) for rest, of in self._rests if of == flat)
                continue
            loads = {n for n, _ in views}
            others = [a for n, a in enumerate(loaded) if a is not None and n not in loads]
            if any(np.may_share_memory(a, b) for i, a in enumerate(mine) for b in mine[i + 1:] + others):
                continue
            for (n, v), array in zip(views, mine):
                constants[v][...] = array
                homes[n] = constants[v]
        return homes

    def _render(self, value) -> str:
        if isinstance(value, _Var):
            if value.name in self._hoisted:
                return self._render_constant(self._hoisted[value.name])
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
        return self._render_constant(value)

    def _render_constant(self, value) -> str:
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


# Where a value computed once at build may be passed: argument positions that are only read,
# of calls whose results never alias them (never a position written, nor a view handed on).
_READ_ONLY = {"unary": (1,), "binary": (1, 2), "binary_inplace": (2,), "where": (0, 1, 2),
              "matmul": (0, 1), "scatter": (3,), "copy_into": (1,), "copy": (0,),
              "softmax_cross_entropy_backward": (0, 1, 2, 3)}
_DRAWN = frozenset({"random", "empty"})  # new values (or memory) on every call


def _fixed(value, hoisted) -> bool:
    """Whether an argument is known at build: a value computed there, or a number, string,
    dtype or tuple of them (never an array: the caller may write into it between replays)."""
    if isinstance(value, _Var):
        return value.name in hoisted
    if isinstance(value, Late):
        return False
    if isinstance(value, (tuple, list)):
        return all(_fixed(v, hoisted) for v in value)
    return not (hasattr(value, "shape") or hasattr(value, "__array_interface__"))


def _hoist(backend, calls, keep) -> dict:
    """{slot: array} for the pure calls whose arguments are all known at build (e.g. the ones
    seed of a backward, a zeros buffer), computed once here, where every later use only reads
    them: the slot is neither returned, nor written, nor passed on where a result may alias it."""
    recipes = {}
    for name, args, kwargs, results in calls:
        if name in PURE and name not in _DRAWN and isinstance(results, str) and \
                _fixed(list(args) + list(kwargs.values()), recipes):
            recipes[results] = (name, args, kwargs)
    while True:
        bad = {k for k in keep if k in recipes}
        for name, args, kwargs, results in calls:
            if isinstance(results, str) and results in recipes:
                continue
            for position, arg in enumerate(args):
                if position not in _READ_ONLY.get(name, ()):
                    bad.update(v for v in _vars_in(arg) if v in recipes)
            bad.update(v for v in _vars_in(list(kwargs.values())) if v in recipes)
        # a recipe reading a slot that runs in the replay now is not known at build either
        bad.update(slot for slot, (_, args, kwargs) in recipes.items()
                   if not _fixed(list(args) + list(kwargs.values()), recipes))
        if not bad:
            break
        for name in bad:  # its call runs in the replay now: the checks above see its arguments
            del recipes[name]
    values = {}

    def value(v):
        if isinstance(v, _Var):
            return values[v.name]
        if isinstance(v, (tuple, list)):
            return type(v)(value(x) for x in v)
        return v
    for slot, (name, args, kwargs) in recipes.items():
        values[slot] = getattr(backend, name)(*value(tuple(args)), **{k: value(v) for k, v in kwargs.items()})
    return values


def _defines(call, hoisted) -> bool:
    results = call[3]
    return isinstance(results, str) and results in hoisted


def _owned_copies(calls, keep) -> set:
    """Indices of the ``copy`` calls whose argument is a new C-contiguous array that only this
    copy reads (a matrix product, a reduction to one dim: e.g. a gradient autograd copies to
    own it): the replay hands that array on instead of copying it."""
    readers = {}
    for (_, args, kwargs, _), _ in calls:
        for v in _vars_in(list(args) + list(kwargs.values())):
            readers[v] = readers.get(v, 0) + 1
    fresh, owned = set(), set()
    for index, ((name, args, kwargs, results), meta) in enumerate(calls):
        if name == "copy" and len(args) == 1 and not kwargs and isinstance(args[0], _Var) and \
                args[0].name in fresh and readers[args[0].name] == 1 and args[0].name not in keep:
            owned.add(index)
        elif isinstance(results, str) and meta is not None and (
                name == "matmul" or name == "reduce" and len(meta[1][0]) <= 1 < len(meta[0][1][0])):
            fresh.add(results)
    return owned


def _consecutive(arrays, total) -> bool:
    """Whether ``arrays`` are C-contiguous views, in order and back to back, of one flat
    buffer of ``total`` elements."""
    base = arrays[0].base
    if base is None or base.ndim != 1 or base.size != total or not base.flags.c_contiguous:
        return False
    address = base.__array_interface__["data"][0]
    for a in arrays:
        if a.base is not base or not a.flags.c_contiguous or a.__array_interface__["data"][0] != address:
            return False
        address += a.nbytes
    return True


# Parameters up to this many elements join a flat update: there the dozen NumPy calls per
# parameter cost more than the values; a larger one keeps its own update (the flat one would
# add a copy of its gradient for nothing).
FLAT_LIMIT = 65536


def _adam_groups(calls, any_size=False):
    """The indices of each set of two or more ``adam_step`` calls (in one run of them) that one
    flat update can replace: float32/float64 parameters of at most ``FLAT_LIMIT`` elements (``any_size``: any),
    parameter, state and step loaded (not computed in the step), each parameter, state and step
    its own, the same hyperparameters."""
    def key(call):
        (name, args, kwargs, _), meta = call
        if name != "adam_step" or kwargs or len(args) != 13 or meta is None:
            return None
        if not all(isinstance(args[i], _Var) and args[i].name.startswith("l") for i in (0, 2, 3, 5)) or \
                not (args[4] is None or isinstance(args[4], _Var) and args[4].name.startswith("l")):
            return None
        shapes = meta[0]
        dtype = shapes[0][1]
        if dtype.kind != "f" or dtype.itemsize < 4 or (not any_size and math.prod(shapes[0][0]) > FLAT_LIMIT) or any(
                shapes[i] is None or shapes[i] != shapes[0] for i in (1, 2, 3)):
            return None
        hyper = tuple((type(a).__name__, a.index, a.add) if isinstance(a, Late) else
                      (type(a).__name__, repr(a)) for a in args[6:])
        return dtype, args[4] is None, hyper

    def names(call):
        args = call[0][1]
        return {args[i].name for i in range(6) if isinstance(args[i], _Var)}

    groups, taken = [], set()
    for index, call in enumerate(calls):
        k = key(call) if index not in taken else None
        if k is None:
            continue
        members, seen = [index], names(call)
        # the other adam_step calls of the run update other parameters: they commute with these
        for later in range(index + 1, len(calls)):
            if calls[later][0][0] != "adam_step":
                break
            mine = names(calls[later])
            if seen.intersection(mine):
                break
            seen.update(mine)
            if later not in taken and key(calls[later]) == k:
                members.append(later)
        if len(members) >= 2:
            groups.append(members)
            taken.update(members)
    return groups


def group_adam_steps(calls, metas):
    """(calls, metas) with each run of ``adam_step`` calls that ``_adam_groups`` finds replaced
    by one ``adam_steps`` call over the lists of their arguments (a backend with that method:
    OpenCL's one launch per 8 parameters instead of two per parameter; the same bits)."""
    groups = _adam_groups(list(zip(calls, metas)), any_size=True)
    if not groups:
        return calls, metas
    first = {members[0]: members for members in groups}
    grouped = {index for members in groups for index in members}
    new_calls, new_metas = [], []
    for index, (call, meta) in enumerate(zip(calls, metas)):
        if index in first:
            args = [calls[i][1] for i in first[index]]
            lists = [[a[role] for a in args] for role in range(6)]
            if args[0][4] is None:
                lists[4] = None
            new_calls.append(("adam_steps", tuple(lists) + tuple(args[0][6:]), {}, None))
            new_metas.append(None)
        elif index not in grouped:
            new_calls.append(call)
            new_metas.append(meta)
    return new_calls, new_metas


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
