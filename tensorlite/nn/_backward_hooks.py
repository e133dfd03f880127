"""Module.register_full_backward_hook / register_full_backward_pre_hook, PyTorch's way: the
module's positional tensor inputs and its outputs pass through an identity Function each, so the
backward of the outputs' identity sees grad_output (pre-hooks may replace it) and the backward
of the inputs' identity sees grad_input (full hooks may replace it)."""
from __future__ import annotations

from .._warn import warn_user
from ..autograd.engine import _check_hook_result
from ..autograd.function import Function
from ..autograd.grad_mode import state
from ..ops.creation import zeros_like
from ..tensor import Tensor


class BackwardHookFunction(Function):
    """Identity on ``tensors``; its backward hands the incoming gradients to ``callback`` and
    returns what the callback returns."""

    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.set_materialize_grads(False)
        ctx.callback = callback
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.callback(grads))


def _checked_replacement(hook, kind: str, grads: tuple, result) -> tuple:
    """A hook's replacement for ``grads``: as many entries, each None or shaped as the gradient."""
    if result is None:
        return grads
    if not isinstance(result, (tuple, list)):
        raise TypeError(f"backward {kind} hook must return None or a tuple of gradients, got "
                        f"{type(result).__name__}")
    if len(result) != len(grads):
        noun = "grad_output" if kind == "pre" else "grad_input"
        which = "Backward pre hook" if kind == "pre" else "Backward hook"
        raise RuntimeError(f"{which} returned an invalid number of {noun}, got {len(result)}, but "
                           f"expected {len(grads)}")
    for grad, new in zip(grads, result):
        if new is not None and grad is not None:
            _check_hook_result(hook, grad, new)
    return tuple(result)


class BackwardHookCall:
    """The state of one forward call of a module with full backward hooks: wraps its inputs and
    its outputs and runs the hooks when their gradients arrive."""

    def __init__(self, module, hooks: dict, pre_hooks: dict):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_output = None
        self.inputs = ()
        self.input_requires_grad = False
        self.outputs_wrapped = False

    def wrap_inputs(self, args: tuple) -> tuple:
        """args with each tensor replaced by its identity through the input hook."""
        self.inputs = args
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.input_requires_grad = any(args[i].requires_grad for i in positions)
        if not (self.hooks and self.input_requires_grad):
            return args
        wrapped = BackwardHookFunction.apply(self._on_grad_input, *(args[i] for i in positions))
        args = list(args)
        for i, t in zip(positions, wrapped):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, output):
        """output (a Tensor or a tuple) with its tensors passed through the output hook."""
        single = isinstance(output, Tensor)
        if not single and not isinstance(output, tuple):
            warn_user(f"For backward hooks to be called, module output should be a Tensor or a "
                      f"tuple of Tensors but received {type(output)}")
            return output  # then the hooks never fire, as in PyTorch
        items = (output,) if single else output
        positions = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o.requires_grad]
        if not positions:
            return output
        wrapped = BackwardHookFunction.apply(self._on_grad_output, *(items[i] for i in positions))
        self.outputs_wrapped = True
        self.output_positions, self.output_count = positions, len(items)
        items = list(items)
        for i, t in zip(positions, wrapped):
            items[i] = t
        return items[0] if single else tuple(items)

    def _on_grad_output(self, grads: tuple) -> tuple:
        """grad_output has one entry per top-level output (None where it is no tensor needing
        grad, e.g. the PackedSequence an RNN returns)."""
        packed = [None] * self.output_count
        for i, grad in zip(self.output_positions, grads):
            packed[i] = grad
        grads = tuple(packed)
        for hook in list(self.pre_hooks.values()):
            grads = _checked_replacement(hook, "pre", grads, hook(self.module, grads))
        self.grad_output = grads
        if self.hooks and not self.input_requires_grad:
            self._run_hooks_without_inputs()
        return tuple(grads[i] for i in self.output_positions)

    def _run_hooks_without_inputs(self):
        warn_user("Full backward hook is firing when gradients are computed with respect to module "
                  "outputs since no inputs require gradients. See "
                  "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                  "#torch.nn.Module.register_full_backward_hook for more details.")
        grad_input = (None,) * len(self.inputs)
        for hook in list(self.hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None and any(r is not None for r in _as_tuple(result)):
                raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                   "should always return None or None for all gradients.")

    def _on_grad_input(self, grads: tuple) -> tuple:
        if not self.outputs_wrapped:
            return grads
        positions = [i for i, a in enumerate(self.inputs) if isinstance(a, Tensor)]
        grad_input = [None] * len(self.inputs)
        for i, grad in zip(positions, grads):
            argument = self.inputs[i]
            if not argument.requires_grad and argument.is_floating_point():
                grad = zeros_like(argument)  # what PyTorch's engine hands over for such an input
            grad_input[i] = grad
        grad_input = tuple(grad_input)
        for hook in list(self.hooks.values()):
            grad_input = _checked_replacement(hook, "full", grad_input,
                                              hook(self.module, grad_input, self.grad_output))
        return tuple(grad_input[i] for i in positions)


def _as_tuple(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def needs_backward_hooks(module) -> bool:
    """Whether this call must set up full backward hooks (some registered, grad mode on)."""
    return bool(module._backward_hooks or module._backward_pre_hooks) and state.enabled
