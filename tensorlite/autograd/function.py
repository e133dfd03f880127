"""``Function`` (forward + backward) and the backward nodes the graph is made of.

A call ``Fn.apply(*args)`` runs ``Fn.forward(ctx, *args)``; when grad mode is on and an input
requires grad, the ``ctx`` object becomes the output's ``grad_fn``: a node holding the edges to
the inputs' nodes, the saved tensors and whatever the forward stored on it. Built-in primitives
(``ops/``) return backend arrays from ``forward``; user Functions return Tensors, computed with
grad mode off, exactly as in PyTorch.
"""
from __future__ import annotations

import sys
import traceback
import weakref

from .grad_mode import state

__all__ = ["Function", "BackwardNode", "AccumulateGrad", "once_differentiable", "OUTPUT"]

Tensor = None  # set by tensorlite.tensor (avoids an import cycle)


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


def user_call_site() -> str:
    """'file:line in function' of the innermost frame outside tensorlite (where user code ran)."""
    frame = sys._getframe(1)
    package_dir = __file__[: __file__.rindex("tensorlite") + len("tensorlite")]
    while frame is not None and frame.f_code.co_filename.startswith(package_dir):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


class SavedTensor:
    """A tensor saved for backward, with the version it had when saved."""

    __slots__ = ("tensor", "data", "device", "counter", "version", "output_nr")

    def __init__(self, tensor, output_nr=None):
        counter = tensor._version_counter()
        self.counter = counter
        self.version = counter.value
        self.output_nr = output_nr
        if output_nr is None:
            self.tensor = tensor
        else:  # own output: keep only its data, so node -> tensor -> node is no cycle
            self.tensor = None
            self.data = tensor.data
            self.device = tensor.device

    def unpack(self, node):
        if self.counter.value != self.version:
            raise RuntimeError(self._modified_message(node))
        if self.output_nr is None:
            return self.tensor
        out = Tensor._make(self.data, self.device, True, node, self.output_nr)
        out._counter = self.counter
        return out

    def _modified_message(self, node) -> str:
        if self.output_nr is None:
            t = self.tensor
            owner = t.grad_fn.name() if t.grad_fn is not None else None
            shape, dtype = list(t.data.shape), t.dtype.name
            which = f"output {t._output_nr} of {owner}" if owner else "a leaf or detached tensor"
        else:
            shape, dtype = list(self.data.shape), str(self.data.dtype)
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
        """Accepted for PyTorch compatibility; tensorlite Functions do not modify inputs in place."""
        self._dirty = tensors

    # -- node API --------------------------------------------------------------------------
    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @property
    def next_functions(self) -> tuple:
        """((node, output_nr), ...) for each input, (None, 0) where no gradient flows."""
        return tuple(e if e is not None else (None, 0) for e in self.next_edges)

    def register_hook(self, fn):
        raise NotImplementedError("node hooks are not supported; use Tensor.register_hook")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def _release(self):
        self._saved = None
        self._to_save = ()
        self._freed = True

    def _apply_backward(self, grads):
        """Run the Function's backward on ``grads`` (one per output)."""
        if self._freed and self._saved is not None:
            raise RuntimeError(FREED_MESSAGE)
        return self._forward_cls.backward(self, *grads)


class AccumulateGrad(BackwardNode):
    """The node behind a leaf tensor: adds the incoming gradient into ``leaf.grad``."""

    __slots__ = ()

    def __init__(self, variable):
        self._variable_ref = weakref.ref(variable)

    @property
    def variable(self):
        return self._variable_ref()

    @classmethod
    def name(cls) -> str:
        return "AccumulateGrad"


def _node_class_name(cls) -> str:
    builtin = cls.__module__.startswith("tensorlite.")
    return cls.__name__ + ("Backward0" if builtin else "Backward")


class Function:
    """Base class of differentiable operations, PyTorch's ``torch.autograd.Function``.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static
    methods; ``backward`` returns one gradient per forward argument (None for non-tensors).
    Write backward with Tensor ops to get higher-order derivatives for free.

    Example::

        class Cube(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x * x
            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x * x

        y = Cube.apply(tensorlite.tensor([2.0], requires_grad=True))   # tensor([8.], ...)
    """

    _primitive = False      # True for built-in ops whose forward returns backend arrays
    _is_view = False        # True for built-in ops whose output may alias the first input
    _non_diff_outputs = ()  # indices of outputs that never get a gradient (e.g. argmax indices)

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
        recording = False
        if state.enabled:
            for a in args:
                if isinstance(a, Tensor) and a._requires_grad:
                    recording = True
                    break
        node = cls._node_cls()
        if recording:
            node.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        else:
            node.needs_input_grad = (False,) * len(args)
        if state.anomaly:
            node._creation_trace = "".join(traceback.format_stack()[:-1])
        if cls._primitive:
            raw = cls.forward(node, *args, **kwargs)
        else:
            previous = state.enabled
            state.enabled = False
            try:
                raw = cls.forward(node, *args, **kwargs)
            finally:
                state.enabled = previous
        return _wrap_outputs(cls, node, args, kwargs, raw, recording)


def _device_of(args):
    for a in args:
        if isinstance(a, Tensor):
            return a.device
        if isinstance(a, (list, tuple)):
            for b in a:
                if isinstance(b, Tensor):
                    return b.device
    from ..device import default_device
    return default_device()


def _wrap_outputs(cls, node, args, kwargs, raw, recording):
    multiple = isinstance(raw, tuple)
    raws = raw if multiple else (raw,)
    outputs = []
    if cls._primitive:
        device = _device_of(args)
        for i, array in enumerate(raws):
            differentiable = recording and array.dtype.kind == "f" and i not in cls._non_diff_outputs
            outputs.append(Tensor._make(array, device, differentiable, node if differentiable else None, i))
    else:
        non_diff = node._non_differentiable
        for i, t in enumerate(raws):
            if not isinstance(t, Tensor):
                if t is None:
                    outputs.append(None)
                    continue
                raise TypeError(f"{cls.__name__}.forward must return Tensors (or a tuple of them), "
                                f"got {type(t).__name__} for output {i}")
            if any(t is a for a in args):  # an input returned as is: give the output its own identity
                t = t._alias()
            differentiable = recording and t.dtype.is_floating_point and id(t) not in non_diff
            if differentiable:
                t._requires_grad = True
                t.grad_fn = node
                t._output_nr = i
            outputs.append(t)
    if recording:
        _record(cls, node, args, outputs)
    else:
        if not state.enabled:  # remembered so a later backward can say why there is no graph
            for a in args:
                if isinstance(a, Tensor) and (a._requires_grad or a._made_without_grad):
                    for out in outputs:
                        if out is not None:
                            out._made_without_grad = True
                    break
        node._to_save = ()
    if cls._is_view:
        source = args[0]
        out = outputs[0]
        if out.device.backend.aliases(out.data, source.data):
            out._become_view_of(source, cls, args[1:], kwargs)
    if state.anomaly and state.anomaly_check_nan:
        for out in outputs:
            if out is not None and not out.device.backend.all_finite(out.data):
                raise RuntimeError(
                    f"Function '{node.name()}' produced nan or inf values in its forward output. "
                    f"The op was called at:\n{node._creation_trace}")
    return tuple(outputs) if multiple else outputs[0]


def _record(cls, node, args, outputs):
    edges = []
    meta = []
    for a in args:
        if isinstance(a, Tensor):
            meta.append((a.data.shape, a.data.dtype))
            edges.append(a._edge() if a._requires_grad else None)
        elif isinstance(a, (list, tuple)) and a and isinstance(a[0], Tensor):
            raise TypeError(f"{cls.__name__}: pass tensors as separate arguments, not in a list")
        else:
            meta.append(None)
            edges.append(None)
    node.next_edges = tuple(edges)
    node._input_meta = tuple(meta)
    if len(outputs) > 1:
        node._output_meta = tuple(None if o is None else (o.data.shape, o.dtype, o.device)
                                  for o in outputs)
    if node._to_save:
        saved = []
        for t in node._to_save:
            if t is None:
                saved.append(None)
            elif t is OUTPUT:
                saved.append(SavedTensor(outputs[0], 0))
            else:
                nr = next((i for i, o in enumerate(outputs) if o is t), None)
                saved.append(SavedTensor(t, nr))
        node._saved = saved
        node._to_save = ()


def once_differentiable(backward):
    """Decorator for a backward that is not itself differentiable: it runs under no_grad, and a
    second derivative through it raises instead of being silently wrong."""
    import functools

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        from .grad_mode import no_grad
        needs_graph = state.enabled and any(g is not None and g.requires_grad for g in grads)
        with no_grad():
            results = backward(ctx, *grads)
        if not needs_graph:
            return results
        return _poison(results, ctx)
    return wrapper


def _poison(results, ctx):
    single = not isinstance(results, tuple)
    results = (results,) if single else results
    poisoned = tuple(r if r is None else _OnceDifferentiableError.apply(r, ctx.name())
                     for r in results)
    return poisoned[0] if single else poisoned


class _OnceDifferentiableError(Function):
    @staticmethod
    def forward(ctx, grad, name):
        ctx.op_name = name
        return grad.clone()

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(f"trying to differentiate twice a function that was marked with "
                           f"@once_differentiable ({ctx.op_name})")
