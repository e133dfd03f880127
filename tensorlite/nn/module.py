"""Module: the base class of layers, with PyTorch's registration, traversal, state_dict and repr."""
from __future__ import annotations

import collections
import itertools
from typing import Callable, Iterator

from .. import dtypes
from .._warn import warn_user
from ..autograd.grad_mode import no_grad, state
from ..ops.creation import empty_like
from ..tensor import Tensor, _RemovableHandle
from ._backward_hooks import BackwardHookCall, needs_backward_hooks
from .parameter import Parameter, is_lazy
from .utils import reset_grads

__all__ = ["Module", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_hook", "register_module_full_backward_pre_hook"]

_IncompatibleKeys = collections.namedtuple("_IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class for layers: assign Parameters, sub-Modules and buffers as attributes and they
    are registered; implement ``forward``.

    Example:
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = nn.Linear(3, 4)
    ...     def forward(self, x):
    ...         return self.fc(x).relu()
    >>> net = Net()
    >>> net
    Net(
      (fc): Linear(in_features=3, out_features=4, bias=True)
    )
    >>> [name for name, _ in net.named_parameters()]
    ['fc.weight', 'fc.bias']
    >>> net(tl.zeros(2, 3)).shape
    tensorlite.Size([2, 4])
    """

    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments")
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", {})
        set_(self, "_buffers", {})
        set_(self, "_non_persistent_buffers", set())
        set_(self, "_modules", {})
        set_(self, "_forward_pre_hooks", {})
        set_(self, "_forward_hooks", {})
        set_(self, "_backward_hooks", {})
        set_(self, "_hooks_with_kwargs", set())   # keys of forward (pre-)hooks given kwargs too
        set_(self, "_hooks_always_called", set())  # keys of forward hooks run when forward raises
        set_(self, "_backward_pre_hooks", {})

    # -- registration ------------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' object to parameter "
                                f"'{name}' (tensorlite.nn.Parameter or None required)")
            params[name] = None
        elif isinstance(value, Module):
            if self.__dict__.get("_modules") is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            self._modules[name] = value
        elif self.__dict__.get("_modules") is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                f"(tensorlite.nn.Module or None expected)")
            self._modules[name] = None
        elif self.__dict__.get("_buffers") is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(tensorlite.Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            self.__dict__[store].pop(name, None)
        self.__dict__.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, {}):
                del self.__dict__[store][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            f"(tensorlite.nn.Parameter or None required)")
        self._check_new_name(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a non-trainable tensor (e.g. running statistics); non-persistent buffers are left
        out of state_dict."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            f"(tensorlite.Tensor or None required)")
        self._check_new_name(name)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "." in name or name == "":
            raise KeyError(f"module name can't contain \".\" or be empty, got: {name!r}")
        self._modules[name] = module

    register_module = add_module

    def _check_new_name(self, name):
        if "." in name or name == "":
            raise KeyError(f"attribute name can't contain \".\" or be empty, got: {name!r}")
        if name in self.__dict__ and name not in self._parameters and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")

    # -- calling ---------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks or _global_forward_pre_hooks or _global_forward_hooks
                or _global_backward_hooks or _global_backward_pre_hooks):
            return self.forward(*args, **kwargs)  # no hook anywhere: every module call takes this
        args, kwargs = self._run_forward_pre_hooks(args, kwargs)
        backward_hooks = None
        if needs_backward_hooks(self) or (state.enabled and (_global_backward_hooks or _global_backward_pre_hooks)):
            backward_hooks = BackwardHookCall(self, {**_global_backward_hooks, **self._backward_hooks},
                                              {**_global_backward_pre_hooks, **self._backward_pre_hooks})
            args = backward_hooks.wrap_inputs(args)
        try:
            output = self.forward(*args, **kwargs)
        except Exception:
            self._run_always_called_hooks(args, kwargs)
            raise
        for key, hook in [*_global_forward_hooks.items(), *self._forward_hooks.items()]:
            if key in self._hooks_with_kwargs or key in _global_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_hooks is not None:
            output = backward_hooks.wrap_outputs(output)
        return output

    def _run_forward_pre_hooks(self, args, kwargs):
        for key, hook in [*_global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()]:
            if key in self._hooks_with_kwargs or key in _global_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
                continue
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        return args, kwargs

    def _run_always_called_hooks(self, args, kwargs):
        """forward raised: the hooks registered with always_call still run (output None); an
        error of theirs is only a warning, as the forward's error is the one raised."""
        for key, hook in [*_global_forward_hooks.items(), *self._forward_hooks.items()]:
            if key not in self._hooks_always_called and key not in _global_always_called:
                continue
            with_kwargs = key in self._hooks_with_kwargs or key in _global_with_kwargs
            try:
                hook(self, args, kwargs, None) if with_kwargs else hook(self, args, None)
            except Exception as error:  # noqa: BLE001
                warn_user(f"forward hook with ``always_call=True`` raised an exception that was "
                          f"silenced as another error was raised in forward: {error}")

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> _RemovableHandle:
        """``hook(module, args)`` before forward; a non-None return replaces the args. With
        ``with_kwargs``: ``hook(module, args, kwargs)``, returning None or (args, kwargs).
        ``prepend`` runs it before the hooks already registered.

        Example:
        >>> fc = nn.Linear(2, 1)
        >>> _ = fc.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
        >>> fc(tl.ones(1, 2)).tolist() == [[fc.bias.item()]]
        True
        """
        handle = self._add_hook(self._forward_pre_hooks, hook, prepend)
        if with_kwargs:
            self._hooks_with_kwargs.add(handle._key)
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> _RemovableHandle:
        """``hook(module, args, output)`` after forward; a non-None return replaces the output.
        With ``with_kwargs``: ``hook(module, args, kwargs, output)``. ``always_call`` runs it
        (with output None) even when forward raises; ``prepend`` runs it before the others.

        Example:
        >>> fc = nn.Linear(2, 1)
        >>> shapes = []
        >>> _ = fc.register_forward_hook(lambda m, args, out: shapes.append(out.shape))
        >>> _ = fc(tl.ones(3, 2))
        >>> shapes
        [tensorlite.Size([3, 1])]
        """
        handle = self._add_hook(self._forward_hooks, hook, prepend)
        if with_kwargs:
            self._hooks_with_kwargs.add(handle._key)
        if always_call:
            self._hooks_always_called.add(handle._key)
        return handle

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> "_DictHandle":
        """``hook(module, grad_input, grad_output)`` once the gradients of the module's positional
        inputs are computed: grad_input has one entry per positional argument (None for
        non-tensors), grad_output one per output tensor (None where none flowed); a non-None
        return (a tuple as long as grad_input) replaces grad_input. With no input requiring grad
        it fires with grad_input all None, when grad_output is known (and warns, as PyTorch).

        Example:
        >>> fc = nn.Linear(2, 1)
        >>> seen = []
        >>> handle = fc.register_full_backward_hook(lambda m, gi, go: seen.append(go[0].shape))
        >>> fc(tl.ones(3, 2, requires_grad=True)).sum().backward()
        >>> seen
        [tensorlite.Size([3, 1])]
        >>> handle.remove()
        """
        self._set_backward_hook_kind(True)
        return self._add_hook(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable) -> "_DictHandle":
        """The deprecated form of register_full_backward_hook, run the same way here: grad_input
        holds the gradients of the module's inputs (PyTorch's legacy hook gives those of the
        inputs of the module's last autograd node instead, which differ for multi-node modules).
        A module takes either kind, not both.

        Example:
        >>> fc = nn.Linear(2, 1)
        >>> _ = fc.register_backward_hook(lambda m, gi, go: print(go[0].shape))
        >>> fc(tl.ones(3, 2, requires_grad=True)).sum().backward()
        tensorlite.Size([3, 1])
        """
        self._set_backward_hook_kind(False)
        return self._add_hook(self._backward_hooks, hook)

    def _set_backward_hook_kind(self, full: bool) -> None:
        kind = self.__dict__.get("_is_full_backward_hook")
        if kind is not None and kind != full and self._backward_hooks:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a "
                               "single Module. Please use only one of them.")
        object.__setattr__(self, "_is_full_backward_hook", full)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False) -> "_DictHandle":
        """``hook(module, grad_output)`` when the gradients of the module's outputs arrive, before
        the module's own backward; a non-None return (a tuple as long as grad_output) replaces
        grad_output.

        Example:
        >>> fc = nn.Linear(2, 1)
        >>> _ = fc.register_full_backward_pre_hook(lambda m, go: (go[0] * 0,))
        >>> fc(tl.ones(3, 2)).sum().backward()
        >>> fc.weight.grad
        tensor([[0., 0.]])
        """
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    @staticmethod
    def _add_hook(store, hook, prepend: bool = False):
        key = next(_hook_ids)
        store[key] = hook
        if prepend:
            for other in [k for k in store if k != key]:
                store[other] = store.pop(other)
        return _DictHandle(store, key)

    # -- traversal -------------------------------------------------------------------------
    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs: a module's own parameters first, then its children's."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def _named_members(self, store, prefix, recurse, remove_duplicate):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in module.__dict__[store].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (module_prefix + "." if module_prefix else "") + name, value

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator["Module"]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """(name, module) for self (named '') and every descendant, depth first."""
        memo = set() if memo is None else memo
        if remove_duplicate and id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, (prefix + "." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def get_submodule(self, target: str) -> "Module":
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
            module = module._modules[part]
        return module

    def _owner_and_name(self, target: str):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        return module, name

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path ('0.weight'), as in named_parameters.

        Example:
        >>> nn.Sequential(nn.Linear(2, 3)).get_parameter("0.weight").shape
        tensorlite.Size([3, 2])
        """
        module, name = self._owner_and_name(target)
        if name not in module._parameters:
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return module._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path ('1.running_mean'), as in named_buffers.

        Example:
        >>> nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).get_buffer("1.running_var")
        tensor([1., 1., 1.])
        """
        module, name = self._owner_and_name(target)
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return module._buffers[name]

    # -- state -----------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """Own parameters, own persistent buffers, then children's, as an ordered dict of
        tensors that share storage with the module (detached unless keep_vars)."""
        destination = collections.OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = b if keep_vars else b.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy tensors from ``state_dict`` into the module's parameters and buffers.

        Missing or unexpected keys raise with strict=True (and are returned otherwise); a shape
        mismatch always raises. Nothing is copied when any error is raised.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for key, target in own.items():
            if key in state_dict:
                value = state_dict[key]
                if not isinstance(value, Tensor):
                    errors.append(f'While copying the parameter named "{key}", expected a Tensor '
                                  f'in the state_dict, got {type(value).__name__}.')
                elif is_lazy(target):  # a lazy module takes the checkpoint's shapes (PyTorch)
                    continue
                elif tuple(value.shape) != tuple(target.shape):
                    errors.append(f"size mismatch for {key}: copying a param with shape "
                                  f"{value.shape} from checkpoint, the shape in current model is "
                                  f"{target.shape}.")
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(e.rstrip() for e in errors))
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    value = state_dict[key]
                    if is_lazy(value):
                        continue
                    if is_lazy(target):
                        target.materialize(value.shape)
                    target.copy_(value)
        return _IncompatibleKeys(missing, unexpected)

    # -- modes and conversion --------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Set training mode here and in every descendant; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        """train(False)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's .grad (to None by default, as PyTorch >= 2.0)."""
        reset_grads(self.parameters(), set_to_none)

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call fn on every descendant (children first), then on self; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs) -> "Module":
        """Move/convert parameters and buffers in place (floating tensors only change dtype)."""
        def convert(t):
            if t.is_floating_point():
                return t.to(*args, **kwargs)
            return t.to(*[a for a in args if not _is_dtype(a)], **{k: v for k, v in kwargs.items() if k != "dtype"})
        return self._apply_to_tensors(convert)

    def to_empty(self, *, device, recurse: bool = True) -> "Module":
        """Give every parameter and buffer new uninitialised storage of its shape and dtype on
        device (the step after building a module on the 'meta' device); values are garbage
        until initialised.

        Example:
        >>> lin = nn.Linear(2, 3).to_empty(device="cpu")
        >>> lin.weight.shape, lin.weight.requires_grad
        (tensorlite.Size([3, 2]), True)
        """
        return self._apply_to_tensors(lambda t: empty_like(t, device=device), recurse)

    def _apply_to_tensors(self, fn, recurse: bool = True) -> "Module":
        with no_grad():
            for module in self.modules() if recurse else [self]:
                for store in (module._parameters, module._buffers):
                    for name, t in store.items():
                        if t is None:
                            continue
                        converted = fn(t)
                        if converted is not t:
                            t._array, t.device = converted._array, converted.device
                            if t._grad is not None:
                                g = fn(t._grad)
                                t._grad._array, t._grad.device = g._array, g.device
        return self

    def float(self) -> "Module":
        return self.to(dtypes.float32)

    def double(self) -> "Module":
        return self.to(dtypes.float64)

    def half(self) -> "Module":
        return self.to(dtypes.float16)

    def bfloat16(self) -> "Module":
        return self.to(dtypes.bfloat16)

    def cpu(self) -> "Module":
        return self.to("cpu")

    # -- printing --------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in repr (layers override it)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        children = []
        for name, module in self._modules.items():
            text = _indent(repr(module), 2)
            children.append(f"({name}): {text}")
        lines += children
        body = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not children:
                body += lines[0]
            else:
                body += "\n  " + "\n  ".join(lines) + "\n"
        return body + ")"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))


def _is_dtype(value):
    return isinstance(value, dtypes.dtype)


def _indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    return lines[0] + "".join("\n" + " " * spaces + line for line in lines[1:])


class _DictHandle:
    def __init__(self, store, key):
        self._store, self._key = store, key

    def remove(self) -> None:
        self._store.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_hook_ids = itertools.count()

# hooks of every module (torch.nn.modules.module.register_module_*), run before each module's own
_global_forward_pre_hooks: dict = {}
_global_forward_hooks: dict = {}
_global_backward_hooks: dict = {}
_global_backward_pre_hooks: dict = {}
_global_with_kwargs: set = set()
_global_always_called: set = set()


def register_module_forward_pre_hook(hook: Callable, *, with_kwargs: bool = False) -> _DictHandle:
    """A forward pre-hook of every module, run before the module's own (Module.register_forward_pre_hook).

    Example:
    >>> from tensorlite.nn.modules.module import register_module_forward_pre_hook
    >>> called = []
    >>> handle = register_module_forward_pre_hook(lambda m, args: called.append(type(m).__name__))
    >>> _ = nn.Sequential(nn.Linear(2, 2))(tl.ones(1, 2))
    >>> handle.remove()
    >>> called
    ['Sequential', 'Linear']
    """
    handle = Module._add_hook(_global_forward_pre_hooks, hook)
    if with_kwargs:
        _global_with_kwargs.add(handle._key)
    return handle


def register_module_forward_hook(hook: Callable, *, with_kwargs: bool = False,
                                 always_call: bool = False) -> _DictHandle:
    """A forward hook of every module, run before the module's own (Module.register_forward_hook).

    Example:
    >>> from tensorlite.nn.modules.module import register_module_forward_hook
    >>> shapes = []
    >>> handle = register_module_forward_hook(lambda m, args, out: shapes.append(tuple(out.shape)))
    >>> _ = nn.Linear(2, 3)(tl.ones(1, 2))
    >>> handle.remove()
    >>> shapes
    [(1, 3)]
    """
    handle = Module._add_hook(_global_forward_hooks, hook)
    if with_kwargs:
        _global_with_kwargs.add(handle._key)
    if always_call:
        _global_always_called.add(handle._key)
    return handle


def register_module_full_backward_hook(hook: Callable) -> _DictHandle:
    """A full backward hook of every module, run before the module's own
    (Module.register_full_backward_hook).

    Example:
    >>> from tensorlite.nn.modules.module import register_module_full_backward_hook
    >>> seen = []
    >>> handle = register_module_full_backward_hook(lambda m, gi, go: seen.append(type(m).__name__))
    >>> nn.Linear(2, 1)(tl.ones(1, 2, requires_grad=True)).sum().backward()
    >>> handle.remove()
    >>> seen
    ['Linear']
    """
    return Module._add_hook(_global_backward_hooks, hook)


def register_module_full_backward_pre_hook(hook: Callable) -> _DictHandle:
    """A full backward pre-hook of every module, run before the module's own
    (Module.register_full_backward_pre_hook).

    Example:
    >>> from tensorlite.nn.modules.module import register_module_full_backward_pre_hook
    >>> handle = register_module_full_backward_pre_hook(lambda m, go: (go[0] * 0,))
    >>> fc = nn.Linear(2, 1)
    >>> fc(tl.ones(1, 2)).sum().backward()
    >>> handle.remove()
    >>> fc.weight.grad
    tensor([[0., 0.]])
    """
    return Module._add_hook(_global_backward_pre_hooks, hook)
