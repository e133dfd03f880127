"""Elementwise primitives: forward (backend call) and backward (Tensor ops) side by side.

Kink conventions follow PyTorch: relu'(0) = 0, abs'(0) = 0, sign' = 0, clamp' = 1 on the closed
interval, maximum/minimum split ties 0.5/0.5, sqrt'(0) = inf, (x**0)' = 0.
Ops with no gradient at all (comparisons, logical ops) are listed in ``NON_DIFFERENTIABLE``.
"""
from __future__ import annotations

import builtins
import numbers

from .. import dtypes as _dt
from ..autograd.function import OUTPUT, Function
from ..tensor import Tensor
from ._util import (checked_scalar, expect_tensor, is_scalar, number_operand, promote, promote_pair,
                    scalar_tensor, tensor_op, zeros_like_tensor)

NON_DIFFERENTIABLE = ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
                      "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "bitwise_and",
                      "bitwise_or", "bitwise_xor", "bitwise_not", "argmax", "argmin", "any", "all")


class _Primitive(Function):
    _primitive = True


def _data(operand):
    """A tensor operand's backend array; a Python number operand (number_operand) as it is."""
    return operand.data if isinstance(operand, Tensor) else operand


# -- binary arithmetic ---------------------------------------------------------------------
class Add(_Primitive):
    @staticmethod
    def forward(ctx, a, b):
        return a.device.backend.binary("add", a.data, _data(b))

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(_Primitive):
    @staticmethod
    def forward(ctx, a, b):
        return a.device.backend.binary("sub", a.data, _data(b))

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.needs_input_grad[1] else None


class Mul(_Primitive):
    @staticmethod
    def forward(ctx, a, b):
        needs = ctx.needs_input_grad  # save only what the needed formulas read (as PyTorch does)
        if isinstance(b, Tensor):
            ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
            return a.device.backend.binary("mul", a.data, b.data)
        ctx.save_for_backward(None, None)
        ctx.number = b  # a Python number operand is kept as it is
        return a.device.backend.binary("mul", a.data, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs = ctx.needs_input_grad
        # operands already share the result dtype and device: call the primitive directly
        return (Mul.apply(grad, ctx.number if b is None else b) if needs[0] else None,
                Mul.apply(grad, a) if needs[1] else None)


class Div(_Primitive):
    @staticmethod
    def forward(ctx, a, b):
        if isinstance(b, Tensor):
            ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
            return a.device.backend.binary("div", a.data, b.data)
        ctx.save_for_backward(None, None)
        ctx.number = b  # a Python number operand is kept as it is
        return a.device.backend.binary("div", a.data, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        b = ctx.number if b is None else b
        needs = ctx.needs_input_grad
        return (grad / b if needs[0] else None,
                -(grad * a / b) / b if needs[1] else None)  # not / (b * b): keeps d2/db2 at 0 inf, not nan


class Pow(_Primitive):
    """Tensor ** tensor. d/da = b a^(b-1) (0 where b == 0); d/db = a^b log a (0 where a == 0, b >= 0)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b, OUTPUT)
        return a.device.backend.binary("pow", a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = where(b == 0, 0.0, grad * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            grad_b = grad * where((a == 0) & (b >= 0), 0.0, out * log(a))
        return grad_a, grad_b


class PowScalar(_Primitive):
    """Tensor ** Python number."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        return x.device.backend.binary("pow", x.data, exponent)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return zeros_like_tensor(grad), None
        if e == 1:
            return grad, None
        if e == 2:
            return grad * 2.0 * x, None
        return grad * e * x ** (e - 1), None


class Maximum(_Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.device.backend.binary("maximum", a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_tie_grads(grad, a > b, a == b)


class Minimum(_Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.device.backend.binary("minimum", a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split_tie_grads(grad, a < b, a == b)


def _split_tie_grads(grad, a_wins, tie):
    weight_a = where(a_wins, 1.0, where(tie, 0.5, 0.0)).to(grad.dtype)
    return grad * weight_a, grad * (1.0 - weight_a)


class Remainder(_Primitive):
    """a % b (sign of the divisor). d/da = 1, d/db = -floor(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.device.backend.binary("remainder", a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad, (-grad * floor_divide(a, b)) if ctx.needs_input_grad[1] else None


class Where(_Primitive):
    """where(condition, a, b): the upstream grad is routed, not multiplied (0*inf still gives nan
    inside a and b's own backward: the "double where" workaround applies, see the README)."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        return a.device.backend.where(condition.data, a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        needs = ctx.needs_input_grad
        zero = scalar_tensor(0, grad.dtype, grad.device)
        return (None,
                Where.apply(condition, grad, zero) if needs[1] else None,
                Where.apply(condition, zero, grad) if needs[2] else None)


# -- unary ---------------------------------------------------------------------------------
class Neg(_Primitive):
    @staticmethod
    def forward(ctx, x):
        return x.device.backend.unary("neg", x.data)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(OUTPUT)
        return x.device.backend.unary("exp", x.data)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Reciprocal(_Primitive):
    """1 / x; d/dx = -out^2 (saves only the output, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(OUTPUT)
        backend = x.device.backend
        return backend.binary("div", backend.full((), 1, x.dtype), x.data)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * (out * out)


class Log(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.backend.unary("log", x.data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log1p(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.backend.unary("log1p", x.data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1.0)


class Expm1(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(OUTPUT)
        return x.device.backend.unary("expm1", x.data)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1.0)


class Sqrt(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(OUTPUT)
        return x.device.backend.unary("sqrt", x.data)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (out * 2.0)


class Abs(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.backend.unary("abs", x.data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sign(x)


class Sin(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.backend.unary("sin", x.data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cos(x)


class Cos(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.backend.unary("cos", x.data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * sin(x)


class Tanh(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(OUTPUT)
        return x.device.backend.unary("tanh", x.data)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1.0 - out * out)


class Sigmoid(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(OUTPUT)
        return x.device.backend.unary("sigmoid", x.data)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1.0 - out)


class Relu(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(OUTPUT)
        return x.device.backend.unary("relu", x.data)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return KinkGrad.apply(grad, out, out > 0, 0.0)


class Clamp(_Primitive):
    """clamp(x, lo, hi) with Python-number bounds; the gradient is 1 on lo <= x <= hi, or only on
    lo < x < hi with ``open_interval`` (hardtanh, relu6, hardsigmoid: 0 at the bounds, PyTorch)."""

    @staticmethod
    def forward(ctx, x, lo, hi, open_interval=False):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi, open_interval)
        backend, data = x.device.backend, x.data
        if lo is not None:
            data = backend.binary("maximum", data, lo)
        if hi is not None:
            data = backend.binary("minimum", data, hi)
        return backend.copy(data) if data is x.data else data

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi, open_interval = ctx.bounds
        inside = None
        if lo is not None:
            inside = x > lo if open_interval else x >= lo
        if hi is not None:
            below = x < hi if open_interval else x <= hi
            inside = below if inside is None else inside & below
        if open_interval:  # hardtanh_backward: PyTorch connects it to x (clamp's is not)
            return KinkGrad.apply(grad, x, inside, 0.0), None, None, None
        return Where.apply(inside, grad, scalar_tensor(0, grad.dtype, grad.device)), None, None, None


class KinkGrad(_Primitive):
    """where(mask, grad, grad * slope): the backward of a piecewise-linear op (relu, hardtanh,
    leaky_relu, prelu, max_pool2d) at its input or output ``x``. As PyTorch's threshold_backward
    and hardtanh_backward, the result depends on ``x`` with a zero derivative, so a gradient
    taken with create_graph=True stays connected to x and its own gradient is 0 rather than an
    error. ``slope`` is a number or a tensor broadcastable to grad (prelu's weight). A plain
    backward records no graph, so the extra operand costs nothing there.

    Example: for relu, ``KinkGrad.apply(grad, out, out > 0, 0.0)``.
    """

    @staticmethod
    def forward(ctx, grad, x, mask, slope):
        backend = grad.device.backend
        slope_tensor = isinstance(slope, Tensor)
        if slope_tensor and ctx.needs_input_grad[3]:
            ctx.save_for_backward(grad)
        ctx.x, ctx.mask, ctx.slope = x, mask, slope
        if slope_tensor:
            other = backend.binary("mul", grad.data, slope.data)
        elif slope == 0:
            other = backend.full((), 0, grad.dtype)
        else:
            other = backend.binary("mul", grad.data, slope)
        return backend.where(mask.data, grad.data, other)

    @staticmethod
    def backward(ctx, gg):
        mask, slope = ctx.mask, ctx.slope
        needs = ctx.needs_input_grad
        grad_grad = KinkGrad.apply(gg, ctx.x, mask, slope) if needs[0] else None
        grad_x = zeros_like_tensor(ctx.x) if needs[1] else None
        grad_slope = None
        if needs[3]:
            (grad,) = ctx.saved_tensors
            grad_slope = Where.apply(mask, scalar_tensor(0, gg.dtype, gg.device), gg * grad)
        return grad_grad, grad_x, None, grad_slope


class ZeroGradLink(_Primitive):
    """``value`` unchanged, also depending on ``x`` with a zero derivative: for backward formulas
    that PyTorch differentiates w.r.t. the forward input (max_pool2d's), so a gradient taken with
    create_graph=True stays connected to x. Call it only when recording (see max_pool2d)."""

    @staticmethod
    def forward(ctx, value, x):
        ctx.x = x
        return value.device.backend.copy(value.data)

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        return grad, zeros_like_tensor(ctx.x) if needs[1] else None


class _ZeroGrad(_Primitive):
    """Piecewise-constant functions: their output requires grad, the gradient is zero."""

    op = None

    @classmethod
    def forward(cls, ctx, x):
        return x.device.backend.unary(cls.op, x.data)

    @staticmethod
    def backward(ctx, grad):
        return zeros_like_tensor(grad)


class Sign(_ZeroGrad):
    op = "sign"


class Floor(_ZeroGrad):
    op = "floor"


class Ceil(_ZeroGrad):
    op = "ceil"


class Round(_ZeroGrad):
    op = "round"


class Trunc(_ZeroGrad):
    op = "trunc"


class FloorDivide(_Primitive):
    @staticmethod
    def forward(ctx, a, b):
        return a.device.backend.binary("floor_divide", a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        return zeros_like_tensor(grad), None


class Cast(_Primitive):
    """dtype conversion; the gradient comes back in the source dtype (the engine casts it)."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.device.backend.cast(x.data, dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class ToDevice(_Primitive):
    """Copy to another device; the gradient is copied back."""

    @staticmethod
    def forward(ctx, x, device):
        ctx._output_device = device
        ctx.source_device = x.device
        host = x.device.backend.to_host(x.data)
        return device.backend.from_host(host, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.source_device), None


# -- the functional API --------------------------------------------------------------------
def scale_by_alpha(op: str, input, other, alpha):
    """``alpha * other`` for add/sub, with PyTorch's rules: alpha is converted to the result
    dtype of (input, other) and never changes it; a float alpha needs a floating result, a bool
    alpha a bool result, and an integer alpha must fit the integer result dtype.

    Example: ``add(ones(2), 1.0, alpha=2)`` is ``[3., 3.]``; ``add(int_tensor, 1, alpha=0.5)``
    raises."""
    if type(alpha) is int and alpha == 1:  # a float 1.0 is refused for integer results
        return other
    if type(alpha) in (int, float) and isinstance(input, Tensor) and input.is_floating_point() \
            and -65504.0 <= alpha <= 65504.0:  # optimizers' add_(g, alpha=-lr); fits every float dtype
        if alpha == 1:
            return other
        return mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    if isinstance(alpha, complex):
        raise RuntimeError(f"{op}(): For non-complex input tensors, argument alpha must not be a "
                           f"complex number (got alpha={alpha}).")
    if not is_scalar(alpha):
        raise TypeError(f"{op}(): alpha must be a Python number, got {type(alpha).__name__}")
    dtype = _dt.result_type_of((input, other))
    if isinstance(alpha, bool) and dtype is not _dt.bool_:
        raise RuntimeError(f"{op}(): Boolean alpha only supported for Boolean results (the result "
                           f"dtype is {dtype.name}); pass alpha as a number.")
    if not dtype.is_floating_point and not isinstance(alpha, (bool, numbers.Integral)):
        raise RuntimeError(f"{op}(): For integral input tensors, argument alpha must not be a "
                           f"floating point number (got alpha={alpha}, result dtype {dtype.name}).")
    device = (input if isinstance(input, Tensor) else other).device
    return mul(other, scalar_tensor(checked_scalar(op, alpha, dtype, floats=True), dtype, device))


def add(input: Tensor, other, *, alpha=1) -> Tensor:
    """input + alpha * other, with broadcasting and type promotion.

    ``add(tensor([1., 2.]), 1.0, alpha=2)`` is ``tensor([3., 4.])``."""
    other = scale_by_alpha("add", input, other, alpha)
    if not isinstance(input, Tensor):  # 2.0 + x: addition commutes, the number goes second
        input, other = other, input
    a, b = number_operand("add", input, other)
    return Add.apply(a, b)


def _is_bool_operand(x) -> bool:
    return isinstance(x, bool) or (isinstance(x, Tensor) and x.dtype is _dt.bool_)


def check_sub_operands(input, other) -> None:
    """PyTorch refuses subtraction with a bool operand (tensor or Python bool), in place too."""
    input_is_bool, other_is_bool = _is_bool_operand(input), _is_bool_operand(other)
    if input_is_bool and other_is_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if input_is_bool or other_is_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input: Tensor, other, *, alpha=1) -> Tensor:
    """input - alpha * other; a bool operand (tensor or Python bool) is refused, as in PyTorch."""
    check_sub_operands(input, other)
    other = scale_by_alpha("sub", input, other, alpha)
    a, b = number_operand("sub", input, other)
    return Sub.apply(a, b)


def mul(input: Tensor, other) -> Tensor:
    """input * other."""
    if not isinstance(input, Tensor):  # 2.0 * x: multiplication commutes, the number goes second
        input, other = other, input
    a, b = number_operand("mul", input, other)
    return Mul.apply(a, b)


def div(input: Tensor, other, *, rounding_mode=None) -> Tensor:
    """True division (ints give float), or rounding_mode 'floor' / 'trunc'."""
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if not _dt.result_type_of((input, other)).is_floating_point:
        # true division of integers is float division: convert before a Python int operand could
        # be wrapped into the integer dtype (300 / int8 is 300.0, not 44.0)
        default = _dt.get_default_dtype()
        a, b = (v.to(default) if isinstance(v, Tensor) else v for v in (input, other))
        a, b = number_operand("div", a, b)
    else:
        a, b = number_operand("div", input, other)
    out = Div.apply(a, b)
    if rounding_mode == "trunc":
        out = trunc(out)
        if not (input.is_floating_point() if isinstance(input, Tensor) else False):
            out = out.to(promote("div", input, other)[0].dtype)
    elif rounding_mode is not None:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{rounding_mode}'")
    return out


true_divide = divide = div
multiply = mul
subtract = sub


def _reject_bool(name: str, *operands) -> None:
    """PyTorch has no bool kernel for ``name``: refuse bool tensors instead of computing on them."""
    if any(isinstance(t, Tensor) and t.dtype is _dt.bool_ for t in operands):
        raise NotImplementedError(f'"{name}" not implemented for \'Bool\'')


def _integer_division_by_zero(a: Tensor, b: Tensor) -> bool:
    """Whether an integer division would divide a non-empty result by zero."""
    if a.is_floating_point() or a.numel() == 0 or b.numel() == 0:
        return False
    return bool(any_zero(b))


def floor_divide(input: Tensor, other) -> Tensor:
    """Floor division (-7 // 2 == -4); zero gradient."""
    a, b = promote_pair("floor_divide", input, other)
    _reject_bool("floor_divide", a)
    if _integer_division_by_zero(a, b):
        raise RuntimeError("ZeroDivisionError: integer floor division by zero (floor_divide)")
    return FloorDivide.apply(a, b)


def remainder(input: Tensor, other) -> Tensor:
    """Python-style modulus: the result has the sign of the divisor."""
    a, b = promote_pair("remainder", input, other)
    _reject_bool("remainder", a)
    if _integer_division_by_zero(a, b):
        raise RuntimeError("ZeroDivisionError: integer modulo by zero (remainder)")
    return Remainder.apply(a, b)


def any_zero(t: Tensor) -> bool:
    backend = t.device.backend
    return bool(backend.to_host(backend.reduce("any", backend.binary("eq", t.data, 0), None, False)))


def pow(input: Tensor, exponent) -> Tensor:
    """input ** exponent (tensor or Python number on either side)."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if isinstance(exponent, bool):  # PyTorch takes True/False as the exponents 1/0
            if input.dtype is _dt.bool_:  # and a bool base keeps its dtype
                return pow(input, int(exponent)).to(_dt.bool_)
            exponent = int(exponent)
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"pow(): unsupported exponent type {type(exponent).__name__}")
        dtype = _dt.result_type_of((input, exponent))
        if dtype.is_integer and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError(f"pow(): Integers to negative integer powers are not allowed "
                               f"({input.dtype.name} ** {exponent}); use a float base.")
        # PyTorch converts the exponent to the base dtype for float16 only (float32 keeps a double)
        exponent = checked_scalar("pow", exponent, dtype, floats=dtype is _dt.float16)
        x = input if input.dtype is dtype else input.to(dtype)
        return PowScalar.apply(x, exponent)
    a, b = promote("pow", input, exponent)
    _reject_bool("pow", a)
    if a.dtype.is_integer:
        backend = b.device.backend
        if bool(backend.to_host(backend.reduce("any", backend.binary("lt", b.data, 0), None, False))):
            return _integer_pow_with_negative_exponents(a, b)
    return Pow.apply(a, b)


def _integer_pow_with_negative_exponents(a: Tensor, b: Tensor) -> Tensor:
    """PyTorch's integer a ** b for tensor exponents b < 0: 1 ** b = 1, (-1) ** b = +-1, every
    other base (0 included) gives 0 (only a negative Python-number exponent raises)."""
    negative = b < 0
    powered = Pow.apply(a, where(negative, 0, b))
    minus_one = where(remainder(b, 2) == 0, 1, -1).to(a.dtype)
    small = where(a == 1, 1, where(a == -1, minus_one, 0)).to(a.dtype)
    return where(negative, small, powered)


def maximum(input: Tensor, other) -> Tensor:
    """Elementwise max; at ties each side gets half the gradient."""
    a, b = promote("maximum", input, other)
    return Maximum.apply(a, b)


def minimum(input: Tensor, other) -> Tensor:
    """Elementwise min; at ties each side gets half the gradient."""
    a, b = promote("minimum", input, other)
    return Minimum.apply(a, b)


_NO_VALUE = object()


def where(condition: Tensor, input=_NO_VALUE, other=_NO_VALUE) -> Tensor:
    """Elements of input where condition is True, else of other (scalars allowed).
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``, as in PyTorch."""
    if input is _NO_VALUE and other is _NO_VALUE:
        from .indexing import nonzero  # indexing imports this module
        return nonzero(condition, as_tuple=True)
    if input is _NO_VALUE or other is _NO_VALUE:
        raise TypeError("where() takes a condition and both input and other, or the condition alone")
    if not isinstance(condition, Tensor):
        raise TypeError("where(): condition must be a bool Tensor")
    if condition.dtype is _dt.uint8:  # accepted (deprecated) by PyTorch
        condition = condition.to(_dt.bool_)
    elif condition.dtype is not _dt.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with "
                           f"dtype {condition.dtype.name}; compare it (e.g. condition != 0) first")
    dtype = _dt.result_type_of((input, other))
    input, other = (checked_scalar("where", v, dtype) for v in (input, other))
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = scalar_tensor(input, dtype, condition.device)
    a, b = promote("where", input, other)
    return Where.apply(condition, a, b)


@tensor_op
def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Limit values to [min, max] (numbers or tensors); gradient 1 inside, inclusive at both ends."""
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not isinstance(bound, Tensor) and not is_scalar(bound):
            raise TypeError(f"clamp(): argument '{name}' must be a number or a Tensor, not "
                            f"{type(bound).__name__}")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        for bound, outside in ((min, lt), (max, gt)):
            if bound is not None:
                value = bound
                if bound is min and isinstance(min, Tensor) and max is not None and min.requires_grad:
                    value = where(lt(min, max), min, min.detach())  # PyTorch: min's gradient needs min < max
                out = where(outside(out, bound), value, out)
                if isinstance(bound, Tensor) and bound.is_floating_point():
                    out = where(isnan(bound), bound, out)  # a NaN bound gives NaN, as in PyTorch
        return out
    dtype = _dt.result_type_of([input] + [v for v in (min, max) if v is not None])
    x = input if input.dtype is dtype else input.to(dtype)
    return Clamp.apply(x, checked_scalar("clamp", min, dtype, floats=True),
                       checked_scalar("clamp", max, dtype, floats=True))


clip = clamp


def _unary_float(fn_cls):
    def op(input: Tensor) -> Tensor:
        if not input.is_floating_point():
            input = input.to(_dt.get_default_dtype())
        return fn_cls.apply(input)
    op.__name__ = fn_cls.__name__.lower()
    op.__doc__ = f"Elementwise {op.__name__} (integer inputs are promoted to the default float dtype)."
    return tensor_op(op)


exp = _unary_float(Exp)
log = _unary_float(Log)
log1p = _unary_float(Log1p)
expm1 = _unary_float(Expm1)
sqrt = _unary_float(Sqrt)
sin = _unary_float(Sin)
cos = _unary_float(Cos)
tanh = _unary_float(Tanh)
sigmoid = _unary_float(Sigmoid)


@tensor_op
def neg(input: Tensor) -> Tensor:
    """-input."""
    if input.dtype is _dt.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(input)


negative = neg


@tensor_op
def abs(input: Tensor) -> Tensor:
    """|input|; abs'(0) = 0."""
    _reject_bool("abs", input)
    return Abs.apply(input)


@tensor_op
def relu(input: Tensor) -> Tensor:
    """max(input, 0); relu'(0) = 0."""
    if input.dtype is _dt.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return Relu.apply(input)


def _same_dtype_unary(fn_cls):
    def op(input: Tensor) -> Tensor:
        if fn_cls is not Sign:
            _reject_bool(fn_cls.__name__.lower(), input)
        return fn_cls.apply(input)
    op.__name__ = fn_cls.__name__.lower()
    op.__doc__ = f"Elementwise {op.__name__}; differentiable with a zero gradient."
    return tensor_op(op)


sign = _same_dtype_unary(Sign)
floor = _same_dtype_unary(Floor)
ceil = _same_dtype_unary(Ceil)
trunc = _same_dtype_unary(Trunc)


@tensor_op
def round(input: Tensor, decimals: int = 0) -> Tensor:
    """Round half to even; zero gradient."""
    _reject_bool("round", input)
    if decimals:
        scale = 10.0 ** decimals
        return Round.apply(input * scale) / scale
    return Round.apply(input)


@tensor_op
def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(input) (so rsqrt(-0.) is -inf, as in PyTorch)."""
    return reciprocal(sqrt(input))


@tensor_op
def reciprocal(input: Tensor) -> Tensor:
    """1 / input (integers give the default float dtype). As in PyTorch, the backward reads only
    the result: the input may be modified in place before backward, the result may not."""
    return Reciprocal.apply(input if input.is_floating_point() else input.float())


def rtruediv(input: Tensor, other) -> Tensor:
    """``other / input`` (the reflected operator). A number over a tensor is
    ``reciprocal(input) * other``, as PyTorch computes it, so the same saved tensors (and
    in-place checks) apply. Example: ``2.0 / tensor([4.])`` is ``tensor([0.5])``."""
    if isinstance(other, numbers.Number):
        return mul(reciprocal(input), other)
    return div(other, input)


@tensor_op
def square(input: Tensor) -> Tensor:
    """input * input."""
    return pow(input, 2)


@tensor_op
def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm."""
    return log(input) / 0.6931471805599453


@tensor_op
def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm."""
    return log(input) / 2.302585092994046


def _nondiff_binary(op):
    def fn(input: Tensor, other) -> Tensor:
        a, b = number_operand(op, input, other) if op not in ("logical_and", "logical_or", "logical_xor") \
            else promote(op, input, other)
        return Tensor._make(a.device.backend.binary(op, a.data, _data(b)), a.device, False, None, 0)
    fn.__name__ = op
    fn.__doc__ = f"Elementwise {op} (bool result for comparisons); not differentiable."
    return fn


eq = _nondiff_binary("eq")
ne = _nondiff_binary("ne")
lt = _nondiff_binary("lt")
le = _nondiff_binary("le")
gt = _nondiff_binary("gt")
ge = _nondiff_binary("ge")
logical_and = _nondiff_binary("logical_and")
logical_or = _nondiff_binary("logical_or")
logical_xor = _nondiff_binary("logical_xor")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _bitwise(op):
    def fn(input: Tensor, other) -> Tensor:
        a, b = promote(op, input, other)
        if a.is_floating_point():
            raise RuntimeError(f'"{op}" not implemented for floating point tensors ({a.dtype.name})')
        return Tensor._make(a.device.backend.binary(op, a.data, b.data), a.device, False, None, 0)
    fn.__name__ = op
    fn.__doc__ = f"Elementwise {op} of integer or bool tensors."
    return fn


bitwise_and = _bitwise("bitwise_and")
bitwise_or = _bitwise("bitwise_or")
bitwise_xor = _bitwise("bitwise_xor")


def _nondiff_unary(op):
    def fn(input: Tensor) -> Tensor:
        return Tensor._make(input.device.backend.unary(op, input.data), input.device, False, None, 0)
    fn.__name__ = op
    fn.__doc__ = f"Elementwise {op} (bool result); not differentiable."
    return tensor_op(fn)


logical_not = _nondiff_unary("logical_not")
isnan = _nondiff_unary("isnan")
isinf = _nondiff_unary("isinf")
isfinite = _nondiff_unary("isfinite")


@tensor_op
def bitwise_not(input: Tensor) -> Tensor:
    """~input: logical not for bool tensors, bitwise not for integers."""
    if input.is_floating_point():
        raise RuntimeError(f'"bitwise_not" not implemented for floating point tensors ({input.dtype.name})')
    return _nondiff_unary("bitwise_not")(input)


@tensor_op
def equal(input: Tensor, other) -> bool:
    """True if both tensors have the same shape and values."""
    expect_tensor("equal", "other", other)
    return input.shape == other.shape and bool(eq(input, other).all())


def _lerp_operands(input, end, weight):
    """(input, end, weight) in the dtype lerp computes in, after PyTorch's checks."""
    expect_tensor("lerp", "end", end)
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and (name == "end" or other.ndim) and other.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {input.dtype.scalar_name} for `{name}` but got dtype "
                               f"{other.dtype.scalar_name} (lerp); convert it with .to({input.dtype.name})")
    dtype = _dt.result_type_of((input, weight)) if isinstance(weight, Tensor) else input.dtype
    if not dtype.is_floating_point:
        raise NotImplementedError(f"\"lerp_kernel\" not implemented for '{dtype.scalar_name}' "
                                  f"(lerp takes floating point tensors)")
    if isinstance(weight, Tensor) and not weight.is_floating_point():
        weight = weight.to(dtype)  # a 0-d integer or bool weight
    return (input, end, weight) if dtype is input.dtype else (input.to(dtype), end.to(dtype), weight)


@tensor_op
def lerp(input: Tensor, end, weight) -> Tensor:
    """input + weight * (end - input), computed from the nearer end as PyTorch does
    (end - (end - input) * (1 - weight) when |weight| >= 0.5), which fixes the inf/nan cases.
    PyTorch's kernel takes one floating dtype: ``end`` (and a weight tensor that is not 0-d)
    must have input's dtype; only a 0-d weight tensor promotes (int64 tensors and a 0-d float64
    weight give float64)."""
    input, end, weight = _lerp_operands(input, end, weight)
    diff = end - input
    if not isinstance(weight, Tensor):
        return input + weight * diff if builtins.abs(weight) < 0.5 else end - diff * (1 - weight)
    return where(abs(weight) < 0.5, input + weight * diff, end - diff * (1 - weight))


@tensor_op
def isclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise ``input == other`` or a finite |input - other| <= atol + rtol * |other|
    (bool), as torch.isclose: an infinity is close only to an equal infinity (1e30 vs inf has
    an infinite error, inf <= inf must not count), NaN only to NaN and only with equal_nan.

    Example: ``isclose(tensor([1e30, inf]), tensor([inf, inf]))`` is ``[False, True]``.
    """
    a, b = promote("isclose", input, other)
    if not a.is_floating_point():
        a, b = a.double(), b.double()
    equal = eq(a, b)
    # equal pairs are close anyway: subtracting 0 there keeps inf - inf (a warning) out, and an
    # infinite error is never within tolerance, even an infinite one (1e30 vs inf)
    error = (a - Where.apply(equal, scalar_tensor(0, b.dtype, b.device), b)).abs()
    close = logical_or(equal, logical_and(isfinite(error), error <= atol + rtol * b.abs()))
    if equal_nan:
        close = logical_or(close, logical_and(isnan(a), isnan(b)))
    return close


@tensor_op
def allclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element is close (see isclose)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


class Erf(_Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.device.backend.unary("erf", x.data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x * -1.0).exp() * 1.1283791670955126  # 2 / sqrt(pi)


erf = _unary_float(Erf)
