"""In-place ops. Each computes its value out of place (so the graph is right) and writes it
into the tensor's memory; a write into a view of a non-leaf rewrites the base's grad_fn
(``CopySlices``), so gradients through the base stay correct."""
from __future__ import annotations

from .. import dtypes as _dt
from ..autograd.function import Function, InplaceFunction, device_mismatch
from ..autograd.grad_mode import state as _grad_state
from ..tensor import Tensor, replay_view_chain
from ._util import broadcast_shapes, expect_tensor, is_scalar, python_scalar, wrap_integer
from .creation import arange
from .elementwise import check_sub_operands, scale_by_alpha_inplace
from .indexing import _put
from .movement import Clone


class CopySlices(Function):
    """The base after an in-place write into one of its views: the view's region now holds
    ``result``. The gradient of the old base is zero in that region; ``result`` gets the
    region of the incoming gradient."""

    _primitive = True

    @staticmethod
    def forward(ctx, base, result, view_chain):
        ctx.view_chain = view_chain  # the ops, not the view: no base -> node -> view -> base cycle
        ctx.base_shape = base._array.shape
        return base._array

    @staticmethod
    def backward(ctx, grad):
        numel = grad.numel()
        positions = replay_view_chain(ctx.view_chain, arange(numel, device=grad.device).reshape(ctx.base_shape))
        mask = Tensor._make(grad.device.backend.full((numel,), False, _dt.bool_), grad.device, False, None, 0)
        mask.device.backend.index_put(mask._array, (positions.reshape(-1)._array,), True, False)
        grad_base = grad.masked_fill(mask.reshape(ctx.base_shape), 0.0)
        grad_result = replay_view_chain(ctx.view_chain, grad)
        return grad_base, grad_result, None


def binary_inplace(self: Tensor, other, op_name: str, out_of_place, checked: bool = False):
    """``self = out_of_place(self, other)`` written into self's memory (add_, mul_, ...);
    ``checked``: always through out_of_place, which validates the operands."""
    record = _grad_state.enabled and (self._requires_grad or (isinstance(other, Tensor) and other._requires_grad))
    self._check_inplace(op_name)
    if record or checked or op_name not in _BACKEND_OP:
        return self._write_result(out_of_place(_original(self) if record else self, other), op_name)
    other_data = _inplace_operand(self, other, op_name)
    if other_data is _WIDER:  # computed in the wider dtype, then converted into self
        return self._write_result(out_of_place(self, other), op_name)
    self.device.backend.binary_inplace(_BACKEND_OP[op_name], self._array, other_data)
    self._bump_version()
    return self


_WIDER = object()


def _inplace_operand(self: Tensor, other, op_name: str):
    """other's data in self's dtype (the backend's operands arrive promoted), once writing
    op(self, other) into self is known to keep self's shape and not up-cast self's dtype;
    ``_WIDER`` when the op computes in a wider dtype of self's category (int32 += int64)."""
    if op_name == "sub_":
        check_sub_operands(self, other)
    if isinstance(other, Tensor):
        if other.device is not self.device:
            other = _operand_on_device(self, other, op_name)
        if other._array.dtype == self._array.dtype and other._array.shape == self._array.shape:
            result_dtype, shape = self.dtype, self._array.shape  # the optimizer-update case
        else:
            result_dtype = _dt.result_type_of((self, other))
            shape = broadcast_shapes(self._array.shape, other._array.shape)
    elif is_scalar(other):
        result_dtype, shape = _dt.result_type_of((self, other)), self._array.shape
    else:
        raise TypeError(f"{op_name}(): unsupported operand type {type(other).__name__}")
    if op_name == "div_" and not result_dtype.is_floating_point:
        result_dtype = _dt.get_default_dtype()  # true division of integers gives a float
    if shape != self._array.shape:
        raise RuntimeError(f"output with shape {list(self._array.shape)} doesn't match the broadcast "
                           f"shape {list(shape)} ({op_name})")
    if not _dt.can_cast(result_dtype, self.dtype):
        raise RuntimeError(f"result type {result_dtype.scalar_name} can't be cast to the "
                           f"desired output type {self.dtype.scalar_name} ({op_name})")
    if not isinstance(other, Tensor):
        return wrap_integer(other, result_dtype)
    if result_dtype is not self.dtype:
        return _WIDER
    return other._array if other.dtype is self.dtype else other.to(self.dtype)._array


def _operand_on_device(self: Tensor, other: Tensor, op_name: str) -> Tensor:
    """other on self's device: only a 0-dim CPU tensor moves (a scalar, as in PyTorch); any
    other device mismatch raises, as Function.apply does for out-of-place ops."""
    if other.ndim == 0 and other.device.type == "cpu":
        return other.to(self.device)
    raise device_mismatch(self.device, other.device, op_name)


def _original(self: Tensor) -> Tensor:
    """self's current value as a separate tensor in the graph: the out-of-place op may save it
    for backward, and self's memory is about to be overwritten."""
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
    """Set every element to value (a number or 0-dim tensor).

    Shapes: unchanged; returns self.

    Example:
    >>> x = tl.zeros(2, 2)
    >>> x.fill_(3.)
    tensor([[3., 3.],
            [3., 3.]])
    >>> x.fill_(tl.tensor(1.5))[0]
    tensor([1.5000, 1.5000])
    """
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.ndim} dimensions.")
    _put(self, (Ellipsis,), value, False, "fill_")
    return self


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0.

    Shapes: unchanged; returns self.

    Example:
    >>> x = tl.ones(3)
    >>> x.zero_()
    tensor([0., 0., 0.])
    >>> x
    tensor([0., 0., 0.])
    """
    return fill_(self, 0)


def copy_(self: Tensor, src: Tensor) -> Tensor:
    """Copy src's values into self (src broadcasts; dtype and device are converted).

    Shapes: self (*) <- src broadcastable to (*); returns self.

    Example:
    >>> x = tl.zeros(2, 3)
    >>> x.copy_(tl.tensor([1, 2, 3]))
    tensor([[1., 2., 3.],
            [1., 2., 3.]])
    >>> x[0].copy_(tl.tensor(9.))
    tensor([9., 9., 9.])
    """
    expect_tensor("copy_", "src", src)
    shape = broadcast_shapes(self._array.shape, src._array.shape)
    if shape != self._array.shape:
        raise RuntimeError(f"output with shape {list(self._array.shape)} doesn't match the broadcast "
                           f"shape {list(shape)} (copy_)")
    if not _dt.can_cast(src.dtype, self.dtype):
        src = src.to(self.dtype)  # copy_ converts explicitly, unlike arithmetic in-place ops
    _put(self, (Ellipsis,), src, False, "copy_")
    return self


# The docstring example of each generated in-place method: (self, other, the result).
_BINARY_INPLACE_EXAMPLES = {
    "add_": ("[1., 2.]", "3", "tensor([4., 5.])"),
    "sub_": ("[1., 2.]", "tl.tensor([0.5, 0.5])", "tensor([0.5000, 1.5000])"),
    "mul_": ("[1., 2.]", "2", "tensor([2., 4.])"),
    "div_": ("[1., 2.]", "4", "tensor([0.2500, 0.5000])"),
    "pow_": ("[1., 2.]", "2", "tensor([1., 4.])"),
    "maximum_": ("[1., 5.]", "tl.tensor([3., 3.])", "tensor([3., 5.])"),
    "minimum_": ("[1., 5.]", "tl.tensor([3., 3.])", "tensor([1., 3.])"),
    "floor_divide_": ("[7, -7]", "2", "tensor([ 3, -4])"),
    "remainder_": ("[7, -7]", "3", "tensor([1, 2])"),
    "fmod_": ("[7, -7]", "3", "tensor([ 1, -1])"),
    "atan2_": ("[1., -1.]", "tl.tensor([1., 0.])", "tensor([ 0.7854, -1.5708])"),
    "copysign_": ("[1., -2.]", "tl.tensor([-1., 1.])", "tensor([-1.,  2.])"),
    "xlogy_": ("[0., 2.]", "tl.tensor([0., 1.])", "tensor([0., 0.])"),
    "hypot_": ("[3., 5.]", "tl.tensor([4., 12.])", "tensor([ 5., 13.])"),
    "bitwise_and_": ("[12, 10]", "6", "tensor([4, 2])"),
    "bitwise_or_": ("[12, 10]", "6", "tensor([14, 14])"),
    "bitwise_xor_": ("[12, 10]", "6", "tensor([10, 12])"),
    "bitwise_left_shift_": ("[3, -3]", "2", "tensor([ 12, -12])"),
    "bitwise_right_shift_": ("[12, -12]", "2", "tensor([ 3, -3])"),
}


def inplace_doc(name: str, shapes: str, example) -> str:
    """The docstring of the in-place method ``name`` (``add_``): what it does, its shapes and,
    given ``example = (data, args, printed result)``, a runnable example."""
    doc = f"""In-place {name[:-1]}: writes into self and returns it.

    Shapes: {shapes} -> self (*)."""
    if example is None:  # the coverage test asks for one
        return doc
    data, args, result = example
    return doc + f"""

    Example:
    >>> x = tl.tensor({data})
    >>> x.{name}({args})
    {result}
    >>> x
    {result}
    """


def make_binary_inplace(op_name: str, out_of_place):
    def method(self, other, **kwargs):
        other = python_scalar(other)
        if "alpha" in kwargs:
            other = scale_by_alpha_inplace(op_name, self, other, kwargs.pop("alpha"))
        if kwargs:  # e.g. div_(other, rounding_mode='floor'): out_of_place checks the names
            return binary_inplace(self, other, op_name, lambda a, b: out_of_place(a, b, **kwargs), True)
        return binary_inplace(self, other, op_name, out_of_place)
    method.__name__ = op_name
    method.__doc__ = inplace_doc(op_name, "self (*), other broadcastable to (*)",
                                 _BINARY_INPLACE_EXAMPLES.get(op_name))
    return method



def check_inplace(self: Tensor, op_name: str) -> None:
    """Raise, before anything changes, if writing into self in place is not allowed
    (``Tensor._check_inplace``): a leaf that requires grad (or a view of one) under grad mode,
    one view of an op returning several, or an expanded tensor whose elements share memory."""
    if _grad_state.enabled:
        if self._requires_grad and self.grad_fn is None and self._base is None:
            raise RuntimeError(
                f"a leaf Variable that requires grad is being used in an in-place operation "
                f"({op_name}). Wrap it in `with tensorlite.no_grad():` if this is a parameter "
                f"update, or use an out-of-place op.")
        base = self._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError(
                f"a view of a leaf Variable that requires grad is being used in an in-place "
                f"operation ({op_name}). Wrap it in `with tensorlite.no_grad():` or clone() first.")
        if self._is_multi_view and (self._requires_grad or (base is not None and base._requires_grad)):
            op_name_of_view, index = self._is_multi_view
            raise RuntimeError(
                f"Output {index} of {op_name_of_view} is a view and is being "
                f"modified inplace ({op_name}). This view is the output of a function that "
                f"returns multiple views. Such functions do not allow the output views to be "
                f"modified inplace. You should replace the inplace operation by an out-of-place one.")
    if self._array.size and self.device.backend.has_internal_overlap(self._array):
        raise RuntimeError(
            f"unsupported operation: more than one element of the written-to tensor refers to "
            f"a single memory location ({op_name} on an expanded tensor of shape "
            f"{list(self._array.shape)}). Please clone() the tensor before performing the "
            f"operation.")


class CopyInto(InplaceFunction):
    """``dst[...] = src`` in dst's memory (src broadcast to dst's shape, same dtype and device).
    Shapes: dst (*), src broadcastable to (*)."""

    @staticmethod
    def forward(ctx, dst, src):
        dst.device.backend.copy_into(dst._array, src._array)


def write_result(self: Tensor, result: Tensor, op_name: str) -> Tensor:
    """Finish an in-place op (``Tensor._write_result``): ``result`` (same shape, computed out
    of place) becomes self's value, and self takes result's place in the graph."""
    if result._array.shape != self._array.shape:
        raise RuntimeError(f"output with shape {list(self._array.shape)} doesn't match the "
                           f"broadcast shape {list(result._array.shape)} ({op_name})")
    if result._array.dtype != self._array.dtype:
        if not _dt.can_cast(result.dtype, self.dtype):
            raise RuntimeError(f"result type {result.dtype.scalar_name} can't be cast to "
                               f"the desired output type {self.dtype.scalar_name} ({op_name})")
        result = result.to(self.dtype)
    record = result._requires_grad
    CopyInto.apply(self, result)
    if record:
        _take_graph_of(self, result)
    return self


def _take_graph_of(self: Tensor, result: Tensor) -> None:
    base = self._base
    if base is None:
        self.grad_fn, self._output_nr, self._requires_grad = result.grad_fn, result._output_nr, True
        return
    rewritten = CopySlices.apply(base, result, self._view_chain)
    base.grad_fn, base._output_nr, base._requires_grad = rewritten.grad_fn, 0, True
    replayed = self._replay_view(base)
    self.grad_fn, self._output_nr, self._requires_grad = replayed.grad_fn, replayed._output_nr, True
    self._view_version = self._counter.value
