"""In-place ops. Each computes its value out of place (so the graph is right) and writes it
into the tensor's memory; a write into a view of a non-leaf rewrites the base's grad_fn
(``CopySlices``), so gradients through the base stay correct."""
from __future__ import annotations

from .. import dtypes as _dt
from ..autograd.function import Function, _check_one_device, user_call_site
from ..autograd.grad_mode import state as _grad_state
from ..tensor import Tensor, replay_view_chain
from ._util import broadcast_shapes, expect_tensor, is_scalar, python_scalar, wrap_integer
from .indexing import _put
from .elementwise import check_sub_operands


class CopySlices(Function):
    """The base after an in-place write into one of its views: the view's region now holds
    ``result``. The gradient of the old base is zero in that region; ``result`` gets the
    region of the incoming gradient."""

    _primitive = True

    @staticmethod
    def forward(ctx, base, result, view_chain):
        ctx.view_chain = view_chain  # the ops, not the view: no base -> node -> view -> base cycle
        ctx.base_shape = base.data.shape
        return base.data

    @staticmethod
    def backward(ctx, grad):
        from .creation import arange
        numel = grad.numel()
        positions = replay_view_chain(ctx.view_chain, arange(numel, device=grad.device).reshape(ctx.base_shape))
        mask = Tensor._make(grad.device.backend.full((numel,), False, _dt.bool_), grad.device, False, None, 0)
        mask.device.backend.index_put(mask.data, (positions.reshape(-1).data,), True, False)
        from .elementwise import where
        grad_base = where(mask.reshape(ctx.base_shape), 0.0, grad)
        grad_result = replay_view_chain(ctx.view_chain, grad)
        return grad_base, grad_result, None


class InPlaceFunction(Function):
    """A primitive that records no graph and writes into its first ``_writes`` tensor arguments
    (fused optimizer steps; ``_writes = 0``: a check that only reads, such as assert_all).

    ``apply`` checks, before any work, that every tensor operand lives on one device and that
    each written tensor may be written in place; it then runs ``forward`` (which mutates the
    backend arrays and returns nothing) and bumps the version counter of every written tensor,
    so a later backward that saved one of them refuses the stale value. Returns the first
    argument."""

    _primitive = True
    _writes = 1

    @classmethod
    def apply(cls, *args, **kwargs):
        _check_one_device(cls, args)
        written = [a for a in args[:cls._writes] if a is not None]
        for t in written:
            t._check_inplace(cls.op_name)
        cls.forward(None, *args, **kwargs)
        if written:
            site = user_call_site()  # Tensor._bump_version's bookkeeping, the stack walked once
            for t in written:
                counter = t._version_counter()
                counter.value += 1
                counter.site = site
        return args[0]


def binary_inplace(self: Tensor, other, op_name: str, out_of_place, checked: bool = False):
    """``self = out_of_place(self, other)`` written into self's memory (add_, mul_, ...);
    ``checked``: always through out_of_place, which validates the operands."""
    record = _grad_state.enabled and (self._requires_grad or (isinstance(other, Tensor) and other._requires_grad))
    self._check_inplace(op_name)
    if record or checked or op_name not in _BACKEND_OP:
        return self._write_result(out_of_place(_original(self) if record else self, other), op_name)
    other_data = _inplace_operand(self, other, op_name)
    self.device.backend.binary_inplace(_BACKEND_OP[op_name], self.data, other_data)
    self._bump_version()
    return self


def _inplace_operand(self: Tensor, other, op_name: str):
    """other's data, once writing op(self, other) into self is known to keep self's shape and
    not up-cast self's dtype."""
    if op_name == "sub_":
        check_sub_operands(self, other)
    if isinstance(other, Tensor):
        if other.device is not self.device:
            other = other.to(self.device)
        if other.data.dtype == self.data.dtype and other.data.shape == self.data.shape:
            result_dtype, shape = self.dtype, self.data.shape  # the optimizer-update case
        else:
            result_dtype = _dt.result_type_of((self, other))
            shape = broadcast_shapes(self.data.shape, other.data.shape)
    elif is_scalar(other):
        result_dtype, shape = _dt.result_type_of((self, other)), self.data.shape
    else:
        raise TypeError(f"{op_name}(): unsupported operand type {type(other).__name__}")
    if op_name == "div_" and not result_dtype.is_floating_point:
        result_dtype = _dt.get_default_dtype()  # true division of integers gives a float
    if shape != self.data.shape:
        raise RuntimeError(f"output with shape {list(self.data.shape)} doesn't match the broadcast "
                           f"shape {list(shape)} ({op_name})")
    if not _dt.can_cast(result_dtype, self.dtype):
        raise RuntimeError(f"result type {result_dtype.scalar_name} can't be cast to the "
                           f"desired output type {self.dtype.scalar_name} ({op_name})")
    return other.data if isinstance(other, Tensor) else wrap_integer(other, result_dtype)


def _original(self: Tensor) -> Tensor:
    """self's current value as a separate tensor in the graph: the out-of-place op may save it
    for backward, and self's memory is about to be overwritten."""
    from .movement import Clone
    return Clone.apply(self)


# The ops written straight into self's memory when nothing records a graph; the others (pow_,
# floor_divide_, remainder_, bitwise_*_) go through their out-of-place op, which refuses
# integer ** negative, integer division by zero and bool/float operands of bitwise ops.
_BACKEND_OP = {"add_": "add", "sub_": "sub", "mul_": "mul", "div_": "div",
               "maximum_": "maximum", "minimum_": "minimum"}


def unary_inplace(self: Tensor, op_name: str, out_of_place, *args):
    """``self = out_of_place(self, *args)`` written into self's memory (clamp_, exp_, ...)."""
    self._check_inplace(op_name)
    record = _grad_state.enabled and self._requires_grad
    return self._write_result(out_of_place(_original(self) if record else self, *args), op_name)


def fill_(self: Tensor, value) -> Tensor:
    """Set every element to value (a number or 0-dim tensor)."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.ndim} dimensions.")
    _put(self, (Ellipsis,), value, False, "fill_")
    return self


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0."""
    return fill_(self, 0)


def copy_(self: Tensor, src: Tensor) -> Tensor:
    """Copy src's values into self (src broadcasts; dtype and device are converted)."""
    expect_tensor("copy_", "src", src)
    shape = broadcast_shapes(self.data.shape, src.data.shape)
    if shape != self.data.shape:
        raise RuntimeError(f"output with shape {list(self.data.shape)} doesn't match the broadcast "
                           f"shape {list(shape)} (copy_)")
    if not _dt.can_cast(src.dtype, self.dtype):
        src = src.to(self.dtype)  # copy_ converts explicitly, unlike arithmetic in-place ops
    _put(self, (Ellipsis,), src, False, "copy_")
    return self


def make_binary_inplace(op_name: str, out_of_place):
    def method(self, other, **kwargs):
        other = python_scalar(other)
        if "alpha" in kwargs:
            from .elementwise import scale_by_alpha
            other = scale_by_alpha(op_name, self, other, kwargs.pop("alpha"))
        if kwargs:  # e.g. div_(other, rounding_mode='floor'): out_of_place checks the names
            return binary_inplace(self, other, op_name, lambda a, b: out_of_place(a, b, **kwargs), True)
        return binary_inplace(self, other, op_name, out_of_place)
    method.__name__ = op_name
    method.__doc__ = f"In-place {op_name[:-1]}: writes into self and returns it."
    return method

