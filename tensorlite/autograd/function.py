"""``Function`` (forward + backward) and the backward nodes the graph is made of.

A call ``Fn.apply(*args)`` runs ``Fn.forward(ctx, *args)``; when grad mode is on and an input
requires grad, the ``ctx`` object becomes the output's ``grad_fn``: a node holding the edges to
the inputs' nodes, the saved tensors and whatever the forward stored on it. Built-in primitives
(``ops/``) return backend arrays from ``forward``; user Functions return Tensors, computed with
grad mode off, exactly as in PyTorch.

``InplaceFunction`` is the same door for the no-grad primitives that write into their
arguments (gradient accumulation, random fills, user kernels): device check, the version
counters of what they write, anomaly mode.
"""
from __future__ import annotations

import functools
import traceback
import weakref

from .grad_mode import no_grad, state
from .. import dtypes as _dt
from ..ops._queries import aliases, all_finite
from ..tensor import Tensor

__all__ = ["Function", "InplaceFunction", "BackwardNode", "AccumulateGrad", "once_differentiable",
           "OUTPUT", "edge"]


class _OutputMarker:
    """Passed to ``ctx.save_for_backward`` by primitives to save their own output."""

    def __repr__(self):
        return "OUTPUT"


OUTPUT = _OutputMarker()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")


class SavedTensor:
    """A tensor saved for backward, with the version it had when saved."""

    __slots__ = ("tensor", "_array", "device", "counter", "version", "output_nr")

    def __init__(self, tensor, output_nr=None):
        counter = tensor._counter
        if counter is None:
            counter = tensor._version_counter()
        self.counter = counter
        self.version = counter.saved_at = counter.value
        self.output_nr = output_nr
        if output_nr is None:
            self.tensor = tensor
        else:  # own output: keep only its data, so node -> tensor -> node is no cycle
            self.tensor = None
            self._array = tensor._array
            self.device = tensor.device

    def unpack(self, node):
        if self.counter.value != self.version:
            raise RuntimeError(self._modified_message(node))
        if self.output_nr is None:
            return self.tensor
        out = Tensor._make(self._array, self.device, True, node, self.output_nr)
        out._counter = self.counter
        return out

    def _modified_message(self, node) -> str:
        if self.output_nr is None:
            t = self.tensor
            owner = t.grad_fn.name() if t.grad_fn is not None else None
            shape, dtype = list(t._array.shape), t.dtype.name
            which = f"output {t._output_nr} of {owner}" if owner else "a leaf or detached tensor"
        else:
            shape, dtype = list(self._array.shape), str(self._array.dtype)
            which = f"output {self.output_nr} of {node.name()}"
        return (
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [tensorlite.{dtype} {shape}], which is {which} and was saved "
            f"by {node.name()}, is at version {self.counter.value}; expected version "
            f"{self.version} instead. The in-place modification happened at: {self.counter.site}. "
            "Fix: use an out-of-place op there (e.g. x = x * 2 instead of x *= 2) or clone() "
            "the tensor before modifying it. Hint: enable anomaly detection "
            "(tensorlite.autograd.set_detect_anomaly(True)) to see where the op that saved it "
            "was created.")


class BackwardNode:
    """A node of the backward graph; for a Function call it is also that call's ``ctx``."""

    _forward_cls = None
    next_edges = ()
    needs_input_grad = ()
    _saved = None
    _to_save = ()
    _freed = False
    _tensor_hooks = None
    _retain_hooks = None
    _output_meta = None
    _non_differentiable = ()
    materialize_grads = True
    _creation_trace = None
    _output_device = None

    # -- the ctx API ------------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        """Save tensors (inputs or outputs of forward) for backward; read them as ``saved_tensors``."""
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The saved tensors; raises if the graph was freed or a saved tensor modified in place."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        saved = self._saved
        if saved is None:
            return tuple(self._to_save)
        return tuple(None if s is None else s.unpack(self) for s in saved)

    def mark_non_differentiable(self, *outputs):
        """Declare outputs of forward that get no gradient (such as indices)."""
        self._non_differentiable = tuple(id(o) for o in outputs)

    def set_materialize_grads(self, value: bool):
        """If False, backward may receive None for outputs that got no gradient."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """Not supported: an in-place custom Function would need its inputs' graph rewritten.
        Raises instead of silently giving wrong gradients; return a new tensor from forward."""
        raise NotImplementedError("ctx.mark_dirty: custom Functions that modify their inputs in "
                                  "place are not supported; return a new tensor from forward instead")

    # -- node API --------------------------------------------------------------------------
    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @property
    def next_functions(self) -> tuple:
        """((node, output_nr), ...) for each input, (None, 0) where no gradient flows."""
        return tuple(e if e is not None else (None, 0) for e in self.next_edges)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def _release(self):
        self._saved = None
        self._to_save = ()
        self._freed = True


class AccumulateGrad(BackwardNode):
    """The node behind a leaf tensor: adds the incoming gradient into ``leaf.grad``."""

    def __init__(self, variable):
        self._variable_ref = weakref.ref(variable)

    @property
    def variable(self):
        return self._variable_ref()

    @classmethod
    def name(cls) -> str:
        return "AccumulateGrad"


def edge(t: Tensor) -> tuple:
    """The (node, output_nr) a gradient for ``t`` flows into: its grad_fn, or for a leaf its
    AccumulateGrad node (made once). A view whose base was written in place since it was made
    first re-derives its grad_fn from the base."""
    if t._base is not None and t._view_version != t._counter.value:
        _refresh_view(t)
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    acc = t._grad_accumulator
    if acc is None:
        acc = t._grad_accumulator = AccumulateGrad(t)
    return (acc, 0)


def _refresh_view(view: Tensor) -> None:
    """The base was written in place since ``view`` was made: re-derive the view's grad_fn."""
    view._view_version = view._counter.value
    base = view._base
    if base._requires_grad:
        previous = state.enabled
        state.enabled = True
        try:
            replayed = view._replay_view(base)
        finally:
            state.enabled = previous
        view.grad_fn, view._output_nr, view._requires_grad = replayed.grad_fn, replayed._output_nr, True


def _node_class_name(cls) -> str:
    builtin = cls.__module__.startswith("tensorlite.")
    return cls.__name__ + ("Backward0" if builtin else "Backward")


class Function:
    """Base class of differentiable operations, PyTorch's ``torch.autograd.Function``.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static
    methods; ``backward`` returns one gradient per forward argument (None for non-tensors).
    Write backward with Tensor ops to get higher-order derivatives for free.

    Example:
    >>> class Cube(tl.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 3 * x * x
    >>> x = tl.tensor([1., 2.], requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y
    tensor([1., 8.], grad_fn=<CubeBackward>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([ 3., 12.])
    """

    _primitive = False      # True for built-in ops whose forward returns backend arrays
    _is_view = False        # True for built-in ops whose output may alias the first input
    _non_diff_outputs = ()  # indices of outputs that never get a gradient (e.g. argmax indices)
    _differentiable = True  # False: a built-in op with no gradient (comparisons, argmax): no node

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._node_cls = type(_node_class_name(cls), (BackwardNode,), {"_forward_cls": cls})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def apply(cls, *args, **kwargs):
        if cls._primitive:
            _check_one_device(cls, args)
            if not (state.enabled and cls._differentiable) and not state.anomaly:
                return _apply_without_graph(cls, args, kwargs)
        node = cls._node_cls()
        recording = False
        if state.enabled:
            needs = []
            for a in args:  # a plain loop: 3.11 gives a comprehension its own frame
                flag = isinstance(a, Tensor) and a._requires_grad
                recording = recording or flag
                needs.append(flag)
            node.needs_input_grad = tuple(needs)
        else:
            node.needs_input_grad = _all_false(len(args))
        if state.anomaly:
            node._creation_trace = "".join(traceback.format_stack()[:-1])
        if not cls._primitive:
            if state.tracer is not None:
                return state.tracer(cls, args, kwargs)
            previous = state.enabled
            state.enabled = False
            try:
                raw = cls.forward(node, *args, **kwargs)
            finally:
                state.enabled = previous
            return _wrap_function_outputs(cls, node, args, raw, recording)
        raw = cls.forward(node, *args, **kwargs)
        if type(raw) is tuple:
            outputs = _wrap_primitive_outputs(cls, node, args, raw, recording)
            out = outputs[0]
        else:  # the common case, kept short: one output
            device = node._output_device or args[0].device
            if recording and raw.dtype.kind in _dt.FLOAT_KINDS:
                out = Tensor._make(raw, device, True, node, 0)
                _record(cls, node, args, (out,))
            else:
                out = Tensor._make(raw, device, False, None, 0)
                if not state.enabled:
                    _remember_no_grad(args, (out,))
            outputs = None
        if cls._is_view and aliases(out, args[0]):
            out._become_view_of(args[0], cls, args[1:], kwargs)
        if state.anomaly and state.anomaly_check_nan:
            _check_forward_finite(node, outputs or (out,))
        return outputs if outputs is not None else out


class InplaceFunction(Function):
    """A no-grad primitive that writes into some of its tensor arguments (gradient
    accumulation, ``x.normal_()``, a user kernel's outputs) and returns None.

    ``apply`` is the door for such writes: it refuses operands on different devices, runs
    ``forward(ctx, *args)`` (which writes through the backend), bumps the version counters of
    what it wrote (the first argument, or the tensors ``written(args, kwargs)`` names where a
    subclass defines it), so a tensor saved for backward and overwritten afterwards raises at
    backward, and in anomaly mode checks them for nan/inf. Nothing is recorded: the public op
    refuses a write that would need a graph (a leaf that requires grad, under grad mode)
    before calling it.

    Example: ``AccumulateInto.apply(leaf.grad, grad)`` adds grad into leaf.grad's memory.
    """

    _primitive = True
    _record_site = True  # False where the engine writes: no user line to point at
    written = None       # (args, kwargs) -> the tensors written, where not only args[0]

    @classmethod
    def apply(cls, *args, **kwargs):
        if state.tracer is not None:
            return state.tracer(cls, args, kwargs)
        _check_one_device(cls, args)
        cls.forward(_NO_GRAD_CTX, *args, **kwargs)
        if _NO_GRAD_CTX.__dict__:
            _NO_GRAD_CTX.__dict__.clear()
        targets = (args[0],) if cls.written is None else cls.written(args, kwargs)
        for t in targets:  # no helper call per write: gradient accumulation runs per leaf
            if cls._record_site:
                t._bump_version()
            else:
                counter = t._counter
                if counter is None:
                    counter = t._version_counter()
                counter.value += 1
        if state.anomaly and state.anomaly_check_nan:
            for t in targets:
                if t._array.dtype.kind in _dt.FLOAT_KINDS and not all_finite(t):
                    raise RuntimeError(f"Function '{cls.__name__}' wrote nan or inf values into its "
                                       f"output in place. The op was called at:\n"
                                       + "".join(traceback.format_stack()[:-1]))


_ALL_FALSE = [(False,) * n for n in range(8)]


class _NoGradContext:
    """The ctx primitives get when nothing is recorded, shared by all of them: what a forward
    stores on it is dropped after the call (``_apply_without_graph`` reads ``_output_device``
    first), so it neither pins a tensor nor reaches the next op."""

    needs_input_grad = (False,) * 32
    _output_device = None

    def save_for_backward(self, *tensors):
        pass


_NO_GRAD_CTX = _NoGradContext()


def _check_one_device(cls, args) -> None:
    """Refuse, before any work, a primitive whose tensor operands live on different devices."""
    first = None
    for a in args:
        if isinstance(a, Tensor):
            if first is None:
                first = a.device
            elif a.device is not first:
                raise device_mismatch(first, a.device, cls.__name__)


def device_mismatch(first, second, op_name: str) -> RuntimeError:
    """The error for operands on two devices (PyTorch's wording), raised by apply's check and
    by the in-place fast path of ops/inplace.py."""
    return RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                        f"devices, {first} and {second}! (in {op_name}; move them with .to(device))")


def _apply_without_graph(cls, args, kwargs):
    """apply's fast path under no_grad (optimizer updates, inference, backward formulas)."""
    if state.tracer is not None:
        return state.tracer(cls, args, kwargs)
    ctx = _NO_GRAD_CTX
    raw = cls.forward(ctx, *args, **kwargs)
    stored = ctx.__dict__
    if stored:  # what forward kept for a backward that will not run: it must not pin buffers
        device = stored.get("_output_device") or args[0].device
        stored.clear()
    else:
        device = args[0].device
    if type(raw) is tuple:
        outputs = tuple(Tensor._make(r, device, False, None, 0) for r in raw)
        _remember_no_grad(args, outputs)
        return outputs
    out = Tensor._make(raw, device, False, None, 0)
    first = args[0]
    if first._requires_grad or first._made_without_grad:
        out._made_without_grad = True
    if cls._is_view and aliases(out, first):
        out._become_view_of(first, cls, args[1:], kwargs)
    return out


def _all_false(n):
    return _ALL_FALSE[n] if n < 8 else (False,) * n


def _remember_no_grad(args, outputs):
    """Mark outputs computed under no_grad from tensors in a graph: backward can then say why."""
    for a in args:
        if isinstance(a, Tensor) and (a._requires_grad or a._made_without_grad):
            for out in outputs:
                if out is not None:
                    out._made_without_grad = True
            return


def _check_forward_finite(node, outputs):
    for out in outputs:
        if out is not None and out._array.dtype.kind in _dt.FLOAT_KINDS and not all_finite(out):
            raise RuntimeError(
                f"Function '{node.name()}' produced nan or inf values in its forward output. "
                f"The op was called at:\n{node._creation_trace}")


def _wrap_primitive_outputs(cls, node, args, raws, recording):
    device = node._output_device or args[0].device
    outputs = []
    for i, array in enumerate(raws):
        differentiable = recording and array.dtype.kind in _dt.FLOAT_KINDS and i not in cls._non_diff_outputs
        outputs.append(Tensor._make(array, device, differentiable, node if differentiable else None, i))
    outputs = tuple(outputs)
    if recording:
        _record(cls, node, args, outputs)
    elif not state.enabled:
        _remember_no_grad(args, outputs)
    return outputs


def _wrap_function_outputs(cls, node, args, raw, recording):
    """Outputs of a user Function: the Tensors its forward returned get this node as grad_fn."""
    multiple = isinstance(raw, tuple)
    raws = raw if multiple else (raw,)
    non_diff = node._non_differentiable
    outputs = []
    for i, t in enumerate(raws):
        if t is None:
            outputs.append(None)
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return Tensors (or a tuple of them), "
                            f"got {type(t).__name__} for output {i}")
        if any(t is a for a in args):  # an input returned as is: give the output its own identity
            t = t._alias()
        differentiable = recording and t.is_floating_point() and id(t) not in non_diff
        if differentiable:
            t._requires_grad = True
            t.grad_fn = node
            t._output_nr = i
        outputs.append(t)
    outputs = tuple(outputs)
    if recording:
        _record(cls, node, args, outputs)
    elif not state.enabled:
        _remember_no_grad(args, outputs)
    if state.anomaly and state.anomaly_check_nan:
        _check_forward_finite(node, outputs)
    return outputs if multiple else outputs[0]


def _record(cls, node, args, outputs):
    """Attach the graph: an edge and (shape, dtype) per input, the saved tensors."""
    edges = []
    meta = []
    for a in args:
        if isinstance(a, Tensor):
            data = a._array
            meta.append((data.shape, data.dtype))
            if not a._requires_grad:
                edges.append(None)
            elif a.grad_fn is not None and a._base is None:
                edges.append((a.grad_fn, a._output_nr))
            else:
                edges.append(edge(a))
        else:
            meta.append(None)
            edges.append(None)
    node.next_edges = tuple(edges)
    node._input_meta = tuple(meta)
    if len(outputs) > 1:
        node._output_meta = tuple(None if o is None else (o._array.shape, o.dtype, o.device)
                                  for o in outputs)
    to_save = node._to_save
    if to_save:
        saved = []
        for t in to_save:
            if t is None:
                saved.append(None)
            elif t is OUTPUT:
                saved.append(SavedTensor(outputs[0], 0))
            elif len(outputs) == 1:
                saved.append(SavedTensor(t, 0 if t is outputs[0] else None))
            else:
                saved.append(SavedTensor(t, next((i for i, o in enumerate(outputs) if o is t), None)))
        node._saved = saved
        node._to_save = ()


def once_differentiable(backward):
    """Decorator for a backward that is not itself differentiable: it runs under no_grad, and a
    second derivative through it raises instead of being silently wrong.

    Example:
    >>> class Square(tl.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     @tl.autograd.once_differentiable
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 2 * x
    >>> x = tl.tensor([3.], requires_grad=True)
    >>> (g,) = tl.autograd.grad(Square.apply(x), x, create_graph=True)
    >>> g
    tensor([6.], grad_fn=<...>)
    """
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        # create_graph is on and the inputs are differentiable: a second derivative would be
        # silently missing, so the results carry a node that raises if differentiated
        needs_graph = state.enabled and (any(ctx.needs_input_grad) or
                                         any(g is not None and g.requires_grad for g in grads))
        with no_grad():
            results = backward(ctx, *grads)
        if not needs_graph:
            return results
        return _poison(results, ctx)
    return wrapper


def _poison(results, ctx):
    """Give each result a node on the original op's edges whose backward raises, so a second
    derivative fails loudly instead of silently missing (PyTorch's DelayedError)."""
    single = not isinstance(results, tuple)
    results = (results,) if single else results
    poisoned = []
    for r in results:
        if r is None:
            poisoned.append(None)
            continue
        node = _OnceDifferentiableError._node_cls()
        node.op_name = ctx.name()
        node.next_edges = ctx.next_edges
        node._input_meta = ctx._input_meta
        poisoned.append(Tensor._make(r._array, r.device, True, node, 0))
    return poisoned[0] if single else tuple(poisoned)


class _OnceDifferentiableError(Function):
    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(f"trying to differentiate twice a function that was marked with "
                           f"@once_differentiable ({ctx.op_name})")
