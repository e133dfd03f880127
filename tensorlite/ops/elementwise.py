"""Elementwise ops: the op table (one ``Op`` row per unary or binary primitive, see ops/_table.py)
and the few primitives that do not fit a row (Where, PowScalar, Reciprocal, Clamp, KinkGrad,
ZeroGradLink, Cast, ToDevice), then the compositions built on them.

Kink conventions follow PyTorch and are written in each row: relu'(0) = 0, abs'(0) = 0, sign' = 0,
clamp' = 1 on the closed interval, maximum/minimum split ties 0.5/0.5, sqrt'(0) = inf,
(x**0)' = 0. Ops with no gradient at all (comparisons, logical, bitwise, isnan) are rows without
formulas; ``NON_DIFFERENTIABLE`` lists them (with reduce.py's).
"""
from __future__ import annotations

import builtins
import math
import numbers

from .. import dtypes as _dt
from ..autograd.function import OUTPUT
from ..tensor import Tensor
from ._table import Op, Spec, _Primitive, build_function, build_public, this_op, unchanged
from ._util import (checked_scalar, expect_tensor, half_in_float32, is_scalar, number_operand, promote,
                    promote_pair, scalar_tensor, tensor_op, zeros_like_tensor)


# -- the primitives that are not rows ------------------------------------------------------
class PowScalar(_Primitive):
    """Tensor ** Python number."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        return x.device.backend.binary("pow", x._array, exponent)

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


class Where(_Primitive):
    """where(condition, a, b): the upstream grad is routed, not multiplied (0*inf still gives nan
    inside a and b's own backward: the "double where" workaround applies, see the README)."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        return a.device.backend.where(condition._array, a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        needs = ctx.needs_input_grad
        zero = scalar_tensor(0, grad.dtype, grad.device)
        return (None,
                Where.apply(condition, grad, zero) if needs[1] else None,
                Where.apply(condition, zero, grad) if needs[2] else None)


class Reciprocal(_Primitive):
    """1 / x; d/dx = -out^2. Not div(1, x), which would save x: PyTorch saves only the output
    (x may be modified in place before backward)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(OUTPUT)
        backend = x.device.backend
        return backend.binary("div", backend.full((), 1, x.dtype), x._array)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * (out * out)


class Clamp(_Primitive):
    """clamp(x, lo, hi) with Python-number bounds; the gradient is 1 on lo <= x <= hi, or only on
    lo < x < hi with ``open_interval`` (hardtanh, relu6, hardsigmoid: 0 at the bounds, PyTorch).
    Kept primitive (clamp with tensor bounds is a composition): where(x < lo, lo, where(x > hi,
    hi, x)) takes 16.6 us per call on 16 floats, this 6.3 us (clip_grad_norm_, hardtanh)."""

    @staticmethod
    def forward(ctx, x, lo, hi, open_interval=False):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi, open_interval)
        backend, data = x.device.backend, x._array
        if lo is not None:
            data = backend.binary("maximum", data, lo)
        if hi is not None:
            data = backend.binary("minimum", data, hi)
        return backend.copy(data) if data is x._array else data

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
    backward records no graph, so the extra operand costs nothing there. ``mask`` None is
    ``x > 0``, computed in this op's forward (relu's threshold_backward: one dispatch less).

    Example: for relu, ``KinkGrad.apply(grad, out, None, 0.0)``.
    """

    @staticmethod
    def forward(ctx, grad, x, mask, slope):
        backend = grad.device.backend
        slope_tensor = isinstance(slope, Tensor)
        if slope_tensor and ctx.needs_input_grad[3]:
            ctx.save_for_backward(grad)
        if mask is None:
            mask = Tensor._make(backend.binary("gt", x._array, 0), x.device, False, None, 0)
        ctx.x, ctx.mask, ctx.slope = x, mask, slope
        if slope_tensor:
            other = backend.binary("mul", grad._array, slope._array)
        elif slope == 0:
            other = backend.full((), 0, grad.dtype)
        else:
            other = backend.binary("mul", grad._array, slope)
        return backend.where(mask._array, grad._array, other)

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
        return value.device.backend.copy(value._array)

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        return grad, zeros_like_tensor(ctx.x) if needs[1] else None


class Cast(_Primitive):
    """dtype conversion; the gradient comes back in the source dtype (the engine casts it)."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.device.backend.cast(x._array, dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class ToDevice(_Primitive):
    """Copy to another device; the gradient is copied back."""

    @staticmethod
    def forward(ctx, x, device):
        host = x.device.backend.to_host(x._array)  # a sync: may raise an error a kernel recorded
        out = device.backend.from_host(host, x.dtype)
        # set last: under no_grad ctx is shared, and a transfer that raised must not leave its
        # device to label the next op's result
        ctx._output_device = device
        ctx.source_device = x.device
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.source_device), None


# -- dtype policies: (name, *operands) -> the operands a row's Function gets -----------------
def _reject_bool(name: str, *operands) -> None:
    """PyTorch has no bool kernel for ``name``: refuse bool tensors instead of computing on them."""
    if builtins.any(isinstance(t, Tensor) and t.dtype is _dt.bool_ for t in operands):
        raise NotImplementedError(f'"{name}" not implemented for \'Bool\'')


def _float(name, x):
    """Floating inputs as they are; integer and bool ones in the default float dtype (exp, sin)."""
    return x if x.is_floating_point() else x.to(_dt.get_default_dtype())


def _same(name, x):
    """The input's own dtype; bool refused (abs, floor)."""
    _reject_bool(name, x)
    return x


def _negatable(name, x):
    if x.dtype is _dt.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return x


def _relu_input(name, x):
    if x.dtype is _dt.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return x


def _integral(name, x):
    if x.is_floating_point():
        raise RuntimeError(f'"{name}" not implemented for floating point tensors ({x.dtype.name})')
    return x


# promote_pair, promote and number_operand (ops/_util.py) are policies too: both operands in their
# PyTorch result dtype on one device (promote_pair: the fast path for two tensors of one dtype or a
# float tensor and a number; promote: the general path, for the logical ops and maximum/minimum;
# number_operand: a Python number second operand stays a number, a kernel constant: rows with
# ``number_operand=True``)


def _commuting(name, input, other):
    """number_operand, with a number first moved second (2.0 * x: the op commutes)."""
    if not isinstance(input, Tensor):
        input, other = other, input
    return number_operand(name, input, other)


def _promoted_float(name, input, other):
    """The result dtype, integers and bools then in the default float dtype (copysign). An
    integer result converts each operand to float directly, as PyTorch: through the integer
    result dtype a 0-d int64 -1 would wrap to 255 against a uint8 tensor."""
    if _dt.result_type_of((input, other)).is_floating_point:
        return promote_pair(name, input, other)
    default = _dt.get_default_dtype()
    return promote_pair(name, *(v.to(default) if isinstance(v, Tensor) else v for v in (input, other)))


def _shift_operands(name, input, other):
    """The result dtype of two integer operands; floats and bools are refused as in PyTorch
    (NotImplementedError, its kernels have no such dtype)."""
    a, b = promote(name, input, other)
    if a.is_floating_point() or a.dtype is _dt.bool_:
        raise NotImplementedError(f'"{name}" not implemented for \'{a.dtype.scalar_name}\' '
                                  f'(shifts take integer tensors)')
    return a, b


def _tensors_promoted_float(name, input, other):
    """_promoted_float for two tensors: a Python number operand is a TypeError, as PyTorch's
    atan2 (its ``other`` is a Tensor argument)."""
    expect_tensor(name, "other", other)
    return _promoted_float(name, input, other)


def _tensors_floating(name, input, other):
    """Two tensors promoted to their result dtype, which must be floating (PyTorch's hypot has
    no integer or bool kernel)."""
    expect_tensor(name, "other", other)
    a, b = promote_pair(name, input, other)
    if not a.is_floating_point():
        raise NotImplementedError(f'"{name}" not implemented for \'{a.dtype.scalar_name}\' '
                                  f'(it takes floating point tensors; convert with .float())')
    return a, b


def _promoted_integral(name, input, other):
    """The result dtype of two integer or bool operands (floats are refused: bitwise ops)."""
    a, b = promote(name, input, other)
    _integral(name, a)
    return a, b


# -- backward helpers ------------------------------------------------------------------------
def _zero(grad):
    """The gradient of a piecewise-constant op (floor, sign, ...): zero, as in PyTorch."""
    return zeros_like_tensor(grad)


def _tie_weight(wins, tie, grad):
    """1 where this operand wins, 0.5 at a tie, else 0 (maximum/minimum split ties evenly)."""
    return where(wins, 1.0, where(tie, 0.5, 0.0)).to(grad.dtype)


def _atan2_weight(a, b, grad):
    """1 / (a^2 + b^2), 0 where that is 0 (PyTorch's atan2 gradient at the origin is 0, not nan)."""
    squares = a * a + b * b
    return where(squares == 0, 0.0, 1.0 / squares).to(grad.dtype)


# -- public functions richer than their row's operands -------------------------------------
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
        if isinstance(other, Tensor):
            return Mul.apply(*number_operand("mul", other, alpha))
        return other * alpha
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
    scale = scalar_tensor(checked_scalar(op, alpha, dtype, floats=True), dtype, device)
    return other * scale if isinstance(other, Tensor) else scale * other


def add(input: Tensor, other, *, alpha=1) -> Tensor:
    """input + alpha * other, with broadcasting and type promotion. Shapes: input and other
    broadcast together; the result has the broadcast shape.

    >>> tl.add(tl.tensor([1., 2.]), 1.0, alpha=2)
    tensor([3., 4.])
    """
    if type(alpha) in (int, float) and alpha != 1 and _both_half(input, other):
        return _scaled_in_float32(input, other, _in_dtype_of("add", input, alpha), add)
    other = scale_by_alpha("add", input, other, alpha)
    if not isinstance(input, Tensor):  # 2.0 + x: addition commutes, the number goes second
        input, other = other, input
    a, b = number_operand("add", input, other)
    return Add.apply(a, b)


def _both_half(input, other) -> bool:
    return isinstance(input, Tensor) and isinstance(other, Tensor) \
        and input.dtype in _dt.HALF_DTYPES and other.dtype is input.dtype


def scale_by_alpha_inplace(op: str, input: Tensor, other, alpha):
    """scale_by_alpha for add_/sub_: with two float16/bfloat16 tensors, alpha (rounded to their
    dtype) times other as a float32 product, which is exact (11 + 11 significant bits fit in 24),
    so the in-place sum rounds once, as PyTorch's kernel (optimizers' ``p.add_(d, alpha=-lr)``)."""
    if type(alpha) in (int, float) and alpha != 1 and _both_half(input, other):
        return other.float() * _in_dtype_of(op, input, alpha)
    return scale_by_alpha(op, input, other, alpha)


def _in_dtype_of(op: str, t: Tensor, number):
    """A Python number rounded to t's dtype (a float again); out of its range raises."""
    return float(t.dtype.numpy.type(checked_scalar(op, number, t.dtype, floats=True)))


@half_in_float32
def _scaled_in_float32(input, other, alpha, op):
    """add/sub with alpha of two float16/bfloat16 tensors: input +- alpha * other computed in
    float32 and rounded once, with alpha rounded to their dtype first, as PyTorch's kernel (not
    alpha * other rounded before the sum)."""
    return op(input, other, alpha=alpha)


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
    """input - alpha * other (broadcast shape); a bool operand (tensor or Python bool) is
    refused, as in PyTorch.

    >>> tl.sub(tl.tensor([5., 7.]), tl.tensor([1., 2.]), alpha=2)
    tensor([3., 3.])
    """
    check_sub_operands(input, other)
    if type(alpha) in (int, float) and alpha != 1 and _both_half(input, other):
        return _scaled_in_float32(input, other, _in_dtype_of("sub", input, alpha), sub)
    other = scale_by_alpha("sub", input, other, alpha)
    a, b = number_operand("sub", input, other)
    return Sub.apply(a, b)


def div(input: Tensor, other, *, rounding_mode=None) -> Tensor:
    """True division (integers give the default float dtype), or rounding_mode 'floor' / 'trunc'.
    Shapes: input and other broadcast together.

    >>> tl.div(tl.tensor([7., -7.]), 2.0)
    tensor([ 3.5000, -3.5000])
    >>> tl.div(tl.tensor([7, -7]), 2, rounding_mode="trunc")
    tensor([ 3, -3])
    """
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
        out = out.trunc()
        if not (input.is_floating_point() if isinstance(input, Tensor) else False):
            out = out.to(promote("div", input, other)[0].dtype)
    elif rounding_mode is not None:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{rounding_mode}'")
    return out


def _integer_division_by_zero(a: Tensor, b: Tensor) -> bool:
    """Whether an integer division would divide a non-empty result by zero."""
    if a.is_floating_point() or a.numel() == 0 or b.numel() == 0:
        return False
    return any_zero(b)


def any_zero(t: Tensor) -> bool:
    """Whether any element of ``t`` is zero (read back to the host)."""
    return bool((t == 0).any())


@half_in_float32
def _floor_divide_in_float32(input: Tensor, other: float) -> Tensor:
    return floor_divide(input, other)


def floor_divide(input: Tensor, other) -> Tensor:
    """Floor division, rounding toward -inf (-7 // 2 == -4); zero gradient. Shapes: input and
    other broadcast together.

    >>> tl.floor_divide(tl.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    if type(other) is float and isinstance(input, Tensor) and input.dtype in _dt.HALF_DTYPES:
        return _floor_divide_in_float32(input, other)  # PyTorch divides by float32(other)
    a, b = promote_pair("floor_divide", input, other)
    _reject_bool("floor_divide", a)
    if _integer_division_by_zero(a, b):
        raise RuntimeError("ZeroDivisionError: integer floor division by zero (floor_divide)")
    return FloorDivide.apply(a, b)


def remainder(input: Tensor, other) -> Tensor:
    """Python-style modulus: the result has the sign of the divisor. Shapes: input and other
    broadcast together.

    >>> tl.remainder(tl.tensor([-3., 5.]), 2.0)
    tensor([1., 1.])
    """
    a, b = promote_pair("remainder", input, other)
    _reject_bool("remainder", a)
    if _integer_division_by_zero(a, b):
        raise RuntimeError("ZeroDivisionError: integer modulo by zero (remainder)")
    return Remainder.apply(a, b)


@tensor_op
def fmod(input: Tensor, other) -> Tensor:
    """C's fmod: the remainder of the division truncated toward 0, so the result has the sign of
    the dividend (remainder's has the divisor's); integer dtypes are kept, an integer division by
    zero raises. Gradients: grad and -grad * trunc(input / other). Shapes: input and other
    broadcast together.

    >>> tl.fmod(tl.tensor([-3., 5.]), 2.0)
    tensor([-1.,  1.])
    >>> tl.fmod(tl.tensor([-7, 7]), 3)
    tensor([-1,  1])
    """
    a, b = promote_pair("fmod", input, other)
    _reject_bool("fmod", a)
    if _integer_division_by_zero(a, b):
        raise RuntimeError("ZeroDivisionError: integer modulo by zero (fmod)")
    return FUNCTIONS["fmod"].apply(a, b)


def pow(input: Tensor, exponent) -> Tensor:
    """input ** exponent, a tensor or a Python number on either side (broadcast shape).

    >>> tl.pow(tl.tensor([1., 2., 3.]), 2)
    tensor([1., 4., 9.])
    >>> tl.pow(2.0, tl.tensor([0., 1., 3.]))
    tensor([1., 2., 8.])
    """
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
        if bool((b < 0).any()):
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


@tensor_op
def round(input: Tensor, decimals: int = 0) -> Tensor:
    """Round half to even (to ``decimals`` places); zero gradient. Shape: as input.

    >>> tl.round(tl.tensor([0.5, 1.5, 2.567]))
    tensor([0., 2., 3.])
    >>> tl.round(tl.tensor([2.567]), decimals=2)
    tensor([2.5700])
    """
    _reject_bool("round", input)
    if decimals:
        scale = 10.0 ** decimals
        return Round.apply(input * scale) / scale
    return Round.apply(input)


LN2 = math.log(2.0)

# -- the table -------------------------------------------------------------------------------
UNARY = (
    Op("neg", "unary", (lambda grad: -grad,), "neg", dtypes=_negatable, aliases=("negative",),
       inplace=True, primitive_because="one kernel and no scalar operand: 1.4 vs 3.1 us/call as "
       "mul(x, -1) (16 floats, NumPy)",
       doc="""-input (integers wrap, bool is refused). Shape: as input.

    >>> tl.neg(tl.tensor([1., -2.]))
    tensor([-1.,  2.])
    """),
    Op("exp", "unary", (lambda grad, out: grad * out,), "exp", dtypes=_float, inplace=True,
       doc="""e ** input (integers give the default float dtype). Shape: as input.

    >>> tl.exp(tl.tensor([0., 1.]))
    tensor([1.0000, 2.7183])
    """),
    Op("exp2", "unary", (lambda grad, out: grad * out * LN2,), Spec("exp2"), dtypes=_float, inplace=True,
       primitive_because="exact at integers: exp(x * ln 2) is 7.999999999999998 at x = 3 (float64)",
       doc="""2 ** input (integers give the default float dtype). Shape: as input.

    >>> tl.exp2(tl.tensor([0., 1., 3.]))
    tensor([1., 2., 8.])
    """),
    Op("log", "unary", (lambda grad, x: grad / x,), "log", dtypes=_float, inplace=True,
       doc="""Natural logarithm (log(0) = -inf, log(-1) = nan). Shape: as input.

    >>> tl.log(tl.tensor([1., 4.]))
    tensor([0.0000, 1.3863])
    """),
    Op("log1p", "unary", (lambda grad, x: grad / (x + 1.0),), "log1p", dtypes=_float, inplace=True,
       primitive_because="accurate near 0: log(1 + 1e-10) is 1.00000008e-10 (float64)",
       doc="""log(1 + input), accurate for small inputs. Shape: as input.

    >>> tl.log1p(tl.tensor([0., 1.]))
    tensor([0.0000, 0.6931])
    """),
    Op("expm1", "unary", (lambda grad, out: grad * (out + 1.0),), "expm1", dtypes=_float, inplace=True,
       primitive_because="accurate near 0 (exp(x) - 1 cancels)",
       doc="""exp(input) - 1, accurate for small inputs. Shape: as input.

    >>> tl.expm1(tl.tensor([0., 1.]))
    tensor([0.0000, 1.7183])
    """),
    Op("sqrt", "unary", (lambda grad, out: grad / (out * 2.0),), "sqrt", dtypes=_float,
       inplace=True, kink="sqrt'(0) = inf",
       doc="""Square root (sqrt(-1) = nan). Shape: as input.

    >>> tl.sqrt(tl.tensor([4., 2.]))
    tensor([2.0000, 1.4142])
    """),
    Op("abs", "unary", (lambda grad, x: grad * x.sign(),), "abs", dtypes=_same, inplace=True,
       aliases=("absolute",), kink="abs'(0) = 0",
       primitive_because="one kernel instead of two (x * sign(x))",
       doc="""|input| (bool is refused). Shape: as input.

    >>> tl.abs(tl.tensor([-1.5, 2.]))
    tensor([1.5000, 2.0000])
    """),
    Op("sin", "unary", (lambda grad, x: grad * x.cos(),), "sin", dtypes=_float, inplace=True,
       doc="""Sine (radians). Shape: as input.

    >>> tl.sin(tl.tensor([0., 1.5708]))
    tensor([0., 1.])
    """),
    Op("cos", "unary", (lambda grad, x: -grad * x.sin(),), "cos", dtypes=_float, inplace=True,
       doc="""Cosine (radians). Shape: as input.

    >>> tl.cos(tl.tensor([0., 3.1416]))
    tensor([ 1., -1.])
    """),
    Op("tan", "unary", (lambda grad, out: grad * (1.0 + out * out),), Spec("tan", low=-1.2, high=1.2),
       dtypes=_float, inplace=True,
       primitive_because="one kernel and one rounding; sin(x) / cos(x) takes three",
       doc="""Tangent (radians; integers give the default float dtype). Shape: as input.

    >>> tl.tan(tl.tensor([0., 0.7854]))
    tensor([0.0000, 1.0000])
    """),
    Op("asin", "unary", (lambda grad, x: grad * (1.0 - x * x).rsqrt(),),
       Spec("arcsin", low=-0.9, high=0.9), dtypes=_float, inplace=True, aliases=("arcsin",),
       doc="""Inverse sine (radians; nan outside [-1, 1]; integers give the default float dtype).
    Shape: as input.

    >>> tl.asin(tl.tensor([0., 1.]))
    tensor([0.0000, 1.5708])
    """),
    Op("acos", "unary", (lambda grad, x: -grad * (1.0 - x * x).rsqrt(),),
       Spec("arccos", low=-0.9, high=0.9), dtypes=_float, inplace=True, aliases=("arccos",),
       doc="""Inverse cosine (radians; nan outside [-1, 1]; integers give the default float dtype).
    Shape: as input.

    >>> tl.acos(tl.tensor([1., 0.]))
    tensor([0.0000, 1.5708])
    """),
    Op("atan", "unary", (lambda grad, x: grad / (x * x + 1.0),), Spec("arctan"), dtypes=_float,
       inplace=True, aliases=("arctan",),
       doc="""Inverse tangent (radians; integers give the default float dtype). Shape: as input.

    >>> tl.atan(tl.tensor([0., 1.]))
    tensor([0.0000, 0.7854])
    """),
    Op("sinh", "unary", (lambda grad, x: grad * x.cosh(),), Spec("sinh"), dtypes=_float, inplace=True,
       primitive_because="one kernel, and accurate near 0 where (e^x - e^-x) / 2 cancels",
       doc="""Hyperbolic sine (integers give the default float dtype). Shape: as input.

    >>> tl.sinh(tl.tensor([0., 1.]))
    tensor([0.0000, 1.1752])
    """),
    Op("cosh", "unary", (lambda grad, x: grad * x.sinh(),), Spec("cosh"), dtypes=_float, inplace=True,
       primitive_because="one kernel instead of four ((e^x + e^-x) / 2)",
       doc="""Hyperbolic cosine (integers give the default float dtype). Shape: as input.

    >>> tl.cosh(tl.tensor([0., 1.]))
    tensor([1.0000, 1.5431])
    """),
    Op("asinh", "unary", (lambda grad, x: grad * (x * x + 1.0).rsqrt(),), Spec("arcsinh"),
       dtypes=_float, inplace=True, aliases=("arcsinh",),
       primitive_because="accurate near 0 and for large |x|, where log(x + sqrt(x^2 + 1)) "
       "cancels or overflows",
       doc="""Inverse hyperbolic sine (integers give the default float dtype). Shape: as input.

    >>> tl.asinh(tl.tensor([0., 1.]))
    tensor([0.0000, 0.8814])
    """),
    Op("acosh", "unary", (lambda grad, x: grad * (x * x - 1.0).rsqrt(),), Spec("arccosh", low=1.1, high=4.0),
       dtypes=_float, inplace=True, aliases=("arccosh",),
       primitive_because="one kernel; log(x + sqrt(x^2 - 1)) overflows for large x",
       doc="""Inverse hyperbolic cosine (nan below 1; integers give the default float dtype).
    Shape: as input.

    >>> tl.acosh(tl.tensor([1., 2.]))
    tensor([0.0000, 1.3170])
    """),
    Op("atanh", "unary", (lambda grad, x: grad / (1.0 - x * x),), Spec("arctanh", low=-0.9, high=0.9),
       dtypes=_float, inplace=True, aliases=("arctanh",),
       primitive_because="accurate near 0, where log((1 + x) / (1 - x)) / 2 cancels",
       doc="""Inverse hyperbolic tangent (+-inf at +-1, nan beyond; integers give the default
    float dtype). Shape: as input.

    >>> tl.atanh(tl.tensor([0., 0.5]))
    tensor([0.0000, 0.5493])
    """),
    Op("tanh", "unary", (lambda grad, out: grad * (1.0 - out * out),), "tanh", dtypes=_float,
       inplace=True,
       primitive_because="one kernel; (e^2x - 1) / (e^2x + 1) overflows to nan for x > 44 (float32)",
       doc="""Hyperbolic tangent. Shape: as input.

    >>> tl.tanh(tl.tensor([0., 1.]))
    tensor([0.0000, 0.7616])
    """),
    Op("sigmoid", "unary", (lambda grad, out: grad * out * (1.0 - out),), "sigmoid", dtypes=_float,
       inplace=True, primitive_because="one kernel instead of four (1 / (1 + exp(-x))), no overflow "
       "warning for large -x",
       doc="""1 / (1 + exp(-input)), computed without overflow. Shape: as input.

    >>> tl.sigmoid(tl.tensor([0., 2.]))
    tensor([0.5000, 0.8808])
    """),
    Op("relu", "unary", (lambda grad, out: KinkGrad.apply(grad, out, None, 0.0),), "relu",
       dtypes=_relu_input, inplace=True, kink="relu'(0) = 0",
       primitive_because="one kernel; maximum(x, 0) would split the gradient at 0",
       doc="""max(input, 0) (bool is refused). Shape: as input.

    >>> tl.relu(tl.tensor([-1., 0., 2.]))
    tensor([0., 0., 2.])
    """),
    Op("erf", "unary", (lambda grad, x: grad * (x * x * -1.0).exp() * 1.1283791670955126,),  # 2/sqrt(pi)
       "erf", dtypes=_float, inplace=True,
       doc="""The Gauss error function. Shape: as input.

    >>> tl.erf(tl.tensor([0., 1.]))
    tensor([0.0000, 0.8427])
    """),
    Op("erfc", "unary", (lambda grad, x: grad * (x * x * -1.0).exp() * -1.1283791670955126,),  # -2/sqrt(pi)
       "erfc", dtypes=_float, inplace=True,
       primitive_because="accurate for large x: 1 - erf(x) is 0 from x = 6 (float32 erfc(6) = 2.2e-17)",
       doc="""The complementary error function 1 - erf(input), accurate where it is small
    (integers give the default float dtype). Shape: as input.

    >>> tl.erfc(tl.tensor([0., 1.]))
    tensor([1.0000, 0.1573])
    """),
    Op("erfinv", "unary", (lambda grad, out: grad * (out * out).exp() * 0.886226925452758,),  # sqrt(pi)/2
       "erfinv", dtypes=_float, inplace=True,
       primitive_because="no composition of the other ops inverts erf; Newton steps on erf lose the "
       "tails, where 1 - |x| carries the value",
       doc="""The inverse error function: y with erf(y) = input, for input in [-1, 1] (+-inf at
    +-1, nan beyond; integers give the default float dtype; float16/bfloat16 computed in float32).
    Accurate to ~1e-15 relative in float64, correctly rounded in float32 practically always.
    Gradient sqrt(pi)/2 * exp(erfinv(x)^2). Shape: as input.

    >>> tl.erfinv(tl.tensor([0., 0.5, -0.9]))
    tensor([ 0.0000,  0.4769, -1.1631])
    """),
    Op("sign", "unary", (_zero,), "sign", inplace=True, kink="zero gradient",
       doc="""-1, 0 or 1 by the sign of input (sign(nan) = 0, bool kept); zero gradient. Shape: as input.

    >>> tl.sign(tl.tensor([-2., 0., 3.]))
    tensor([-1.,  0.,  1.])
    """),
    Op("floor", "unary", (_zero,), "floor", dtypes=_same, inplace=True, kink="zero gradient",
       doc="""Round toward -inf; zero gradient. Shape: as input.

    >>> tl.floor(tl.tensor([-1.5, 1.5]))
    tensor([-2.,  1.])
    """),
    Op("ceil", "unary", (_zero,), "ceil", dtypes=_same, inplace=True, kink="zero gradient",
       doc="""Round toward +inf; zero gradient. Shape: as input.

    >>> tl.ceil(tl.tensor([-1.5, 1.5]))
    tensor([-1.,  2.])
    """),
    Op("round", "unary", (_zero,), "round", public=round, inplace=True, kink="zero gradient"),
    Op("trunc", "unary", (_zero,), "trunc", dtypes=_same, kink="zero gradient", inplace=True,
       doc="""Round toward 0; zero gradient. Shape: as input.

    >>> tl.trunc(tl.tensor([-1.5, 1.5]))
    tensor([-1.,  1.])
    """),
    Op("logical_not", "unary", None, "logical_not",
       doc="""input == 0, as bool; not differentiable. Shape: as input.

    >>> tl.logical_not(tl.tensor([0., 2.]))
    tensor([ True, False])
    """),
    Op("isnan", "unary", None, "isnan",
       doc="""Whether each element is NaN (bool); not differentiable. Shape: as input.

    >>> tl.isnan(tl.tensor([1., float("nan")]))
    tensor([False,  True])
    """),
    Op("isinf", "unary", None, "isinf",
       doc="""Whether each element is +-inf (bool); not differentiable. Shape: as input.

    >>> tl.isinf(tl.tensor([1., float("-inf")]))
    tensor([False,  True])
    """),
    Op("isfinite", "unary", None, "isfinite",
       primitive_because="one kernel instead of three (~(isnan | isinf))",
       doc="""Whether each element is finite (bool); not differentiable. Shape: as input.

    >>> tl.isfinite(tl.tensor([1., float("inf"), float("nan")]))
    tensor([ True, False, False])
    """),
    Op("bitwise_not", "unary", None, "bitwise_not", dtypes=_integral,
       doc="""~input: logical not for bool tensors, bitwise not for integers (floats are refused).
    Shape: as input.

    >>> tl.bitwise_not(tl.tensor([0, 5]))
    tensor([-1, -6])
    >>> tl.bitwise_not(tl.tensor([True, False]))
    tensor([False,  True])
    """),
)

_TIES = "ties split the gradient 0.5 / 0.5"

BINARY = (
    Op("add", "binary", (unchanged, unchanged), "add", inplace=True, public=add, number_operand=True),
    Op("sub", "binary", (unchanged, lambda grad: -grad), "sub", inplace=True, public=sub, number_operand=True,
       aliases=("subtract",), primitive_because="one kernel instead of two (add(a, neg(b))): "
       "2.4 vs 3.7 us/call, 3.7 vs 5.6 us with grad (16 floats, NumPy)"),
    Op("mul", "binary", (this_op("b"), this_op("a")),  # grad * b, grad * a
       "mul", inplace=True, dtypes=_commuting, aliases=("multiply",), number_first=True, number_operand=True,
       doc="""input * other, with broadcasting and type promotion (broadcast shape).

    >>> tl.mul(tl.tensor([1., 2.]), tl.tensor([3., 4.]))
    tensor([3., 8.])
    """),
    # -(grad * a / b) / b, not / (b * b): keeps d2/db2 at 0 inf, not nan
    Op("div", "binary", (lambda grad, b: grad / b, lambda grad, a, b: -(grad * a / b) / b), "div",
       inplace=True, public=div, aliases=("divide", "true_divide"), number_operand=True),
    Op("pow", "binary", (lambda grad, a, b: where(b == 0, 0.0, grad * b * a ** (b - 1)),
                         lambda grad, a, b, out: grad * where((a == 0) & (b >= 0), 0.0, out * a.log())),
       "pow", inplace=True, public=pow, kink="d/da = 0 where b == 0; d/db = 0 where a == 0 and b >= 0"),
    Op("maximum", "binary", (lambda grad, a, b: grad * _tie_weight(a > b, a == b, grad),
                             lambda grad, a, b: grad * _tie_weight(b > a, a == b, grad)),
       "maximum", inplace=True, dtypes=promote, kink=_TIES, number_first=True,
       primitive_because="one kernel (where(a > b, a, b) is two, and NaN must win)",
       doc="""Elementwise max of input and other (NaN wins); at ties each side gets half the
    gradient. Shapes: broadcast.

    >>> tl.maximum(tl.tensor([1., 5.]), tl.tensor([3., 2.]))
    tensor([3., 5.])
    """),
    Op("minimum", "binary", (lambda grad, a, b: grad * _tie_weight(a < b, a == b, grad),
                             lambda grad, a, b: grad * _tie_weight(b < a, a == b, grad)),
       "minimum", inplace=True, dtypes=promote, kink=_TIES, number_first=True,
       primitive_because="one kernel (where(a < b, a, b) is two, and NaN must win)",
       doc="""Elementwise min of input and other (NaN wins); at ties each side gets half the
    gradient. Shapes: broadcast.

    >>> tl.minimum(tl.tensor([1., 5.]), tl.tensor([3., 2.]))
    tensor([1., 2.])
    """),
    Op("remainder", "binary", (unchanged, lambda grad, a, b: -grad * floor_divide(a, b)),
       "remainder", inplace=True, public=remainder,
       primitive_because="exact, fmod-based as PyTorch's kernel: a - floor(a / b) * b gives "
       "0.4230000079 for 123456789.123 % 0.7 (exact: 0.4230000038)"),
    Op("fmod", "binary", (unchanged, lambda grad, a, b: -grad * div(a, b, rounding_mode="trunc")),
       "fmod", inplace=True, public=fmod,
       primitive_because="exact (one fmod): a - trunc(a / b) * b rounds twice"),
    Op("floor_divide", "binary", (_zero, None), "floor_divide", inplace=True, public=floor_divide,
       kink="zero gradient"),
    Op("atan2", "binary", (lambda grad, a, b: grad * b * _atan2_weight(a, b, grad),
                           lambda grad, a, b: grad * -a * _atan2_weight(a, b, grad)),
       Spec("arctan2", kinks=((0.0,), ())), dtypes=_tensors_promoted_float, inplace=True,
       aliases=("arctan2",), kink="the gradient is 0 at a = b = 0 (PyTorch's)",
       primitive_because="one kernel with the quadrant and signed-zero rules (atan(a / b) loses both)",
       doc="""The angle of the point (other, input): atan(input / other) in the right quadrant,
    in [-pi, pi] (integers give the default float dtype). Shapes: broadcast.

    >>> tl.atan2(tl.tensor([1., 1., -1.]), tl.tensor([1., -1., 0.]))
    tensor([ 0.7854,  2.3562, -1.5708])
    """),
    Op("hypot", "binary", (lambda grad, a, out: grad * a / out, lambda grad, b, out: grad * b / out),
       Spec("hypot", kinks=((0.0,), (0.0,))), dtypes=_tensors_floating, inplace=True,
       kink="nan at a = b = 0 (0 / 0, as PyTorch)",
       primitive_because="no overflow: sqrt(a^2 + b^2) is inf for a = 1e20 (float32)",
       doc="""sqrt(input^2 + other^2) without overflow; floating tensors only. Shapes: broadcast.

    >>> tl.hypot(tl.tensor([3., 5.]), tl.tensor([4., 12.]))
    tensor([ 5., 13.])
    """),
    Op("xlogy", "binary", (lambda grad, a, b: where((a == 0) & (b <= 0), 0.0, xlogy(grad, b)),
                           lambda grad, a, b: grad * a / b),
       "xlogy", dtypes=_promoted_float, inplace=True, number_first=True,
       kink="d/da = xlogy(grad, b), 0 where a == 0 and b <= 0 (PyTorch's)",
       primitive_because="one kernel; where(a == 0, 0, a * log(b)) is four and its gradient "
       "differs at a == 0 (PyTorch's is log(b) there, not 0)",
       doc="""input * log(other), 0 where input == 0 (NaN where other is NaN), as PyTorch;
    either operand may be a Python number, integers give the default float dtype.
    Shapes: broadcast.

    >>> tl.xlogy(tl.tensor([0., 2.]), tl.tensor([0., 1.]))
    tensor([0., 0.])
    """),
    Op("copysign", "binary", (lambda grad, a, out: grad * where(a == 0, 0.0, out / a), _zero),
       Spec("copysign", kinks=((0.0,), (0.0,))), dtypes=_promoted_float, inplace=True,
       kink="d/da = sign(a) sign(b), 0 at a = 0; d/db = 0 (PyTorch's)",
       doc="""|input| with the sign of other (of -0.0 too); integers give the default float dtype.
    Shapes: broadcast.

    >>> tl.copysign(tl.tensor([1., -2., 3.]), tl.tensor([-1., 1., -0.]))
    tensor([-1.,  2., -3.])
    """),
) + tuple(
    Op(name, "binary", None, name, dtypes=number_operand, aliases=aliases, number_first=True,
       number_operand=True,
       doc=f"""input {symbol} other, elementwise (bool result, broadcast shape); not differentiable.

    >>> tl.{name}(tl.tensor([1., 2., 3.]), 2.0)
    {result}
    """) for name, symbol, aliases, result in (
        ("eq", "==", (), "tensor([False,  True, False])"),
        ("ne", "!=", ("not_equal",), "tensor([ True, False,  True])"),
        ("lt", "<", ("less",), "tensor([ True, False, False])"),
        ("le", "<=", ("less_equal",), "tensor([ True,  True, False])"),
        ("gt", ">", ("greater",), "tensor([False, False,  True])"),
        ("ge", ">=", ("greater_equal",), "tensor([False,  True,  True])"))
) + tuple(
    Op(name, "binary", None, name, dtypes=promote, number_first=True,
       doc=f"""{name.replace("_", " ")} of the elements' truth values (non-zero is True); bool
    result, broadcast shape; not differentiable.

    >>> tl.{name}(tl.tensor([True, True, False]), tl.tensor([True, False, False]))
    {result}
    """) for name, result in (("logical_and", "tensor([ True, False, False])"),
                              ("logical_or", "tensor([ True,  True, False])"),
                              ("logical_xor", "tensor([False,  True, False])"))
) + tuple(
    Op(name, "binary", None, name, dtypes=_shift_operands, inplace=True, number_first=True,
       doc=f"""input {symbol} other for integer tensors (floats and bools are refused); a count
    outside [0, bits of the dtype) gives {outside}, as in PyTorch. Broadcast shape; not
    differentiable.

    >>> tl.{name}(tl.tensor([-16, 5]), tl.tensor([2, 64]))
    {result}
    """) for name, symbol, outside, result in (
        ("bitwise_left_shift", "<<", "0", "tensor([-64,   0])"),
        ("bitwise_right_shift", ">>", "the sign fill (0 or -1)", "tensor([-4,  0])"))
) + tuple(
    Op(name, "binary", None, name, dtypes=_promoted_integral, inplace=True, number_first=True,
       doc=f"""input {symbol} other for integer or bool tensors (floats are refused); broadcast
    shape; not differentiable.

    >>> tl.{name}(tl.tensor([12, 10]), tl.tensor([10, 3]))
    {result}
    """) for name, symbol, result in (("bitwise_and", "&", "tensor([8, 2])"),
                                      ("bitwise_or", "|", "tensor([14, 11])"),
                                      ("bitwise_xor", "^", "tensor([6, 9])"))
)

ROWS = UNARY + BINARY
FUNCTIONS = {row.name: build_function(row, __name__) for row in ROWS}
PUBLIC = {row.name: build_public(row, FUNCTIONS[row.name], __name__) for row in ROWS}
for _row in ROWS:
    PUBLIC.update(dict.fromkeys(_row.aliases, PUBLIC[_row.name]))
del _row
NON_DIFFERENTIABLE = tuple(row.name for row in ROWS if not row.differentiable)

# the row Functions other code calls directly (backward formulas, compositions, other modules)
Add, Sub, Mul, Div, Pow = (FUNCTIONS[n] for n in ("add", "sub", "mul", "div", "pow"))
Remainder, FloorDivide, Round = FUNCTIONS["remainder"], FUNCTIONS["floor_divide"], FUNCTIONS["round"]
# the public functions, as module attributes (``from tensorlite.ops.elementwise import exp``)
globals().update({name: fn for name, fn in PUBLIC.items() if name not in globals()})
# doctest finds functions by their module globals; the generated ones are listed for it here
__test__ = {row.name: PUBLIC[row.name] for row in ROWS if row.public is None}


# -- compositions --------------------------------------------------------------------------
_NO_VALUE = object()


def where(condition: Tensor, input=_NO_VALUE, other=_NO_VALUE) -> Tensor:
    """Elements of input where condition is True, else of other (scalars allowed).
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``, as in PyTorch.
    Shapes: condition, input and other broadcast together.

    >>> tl.where(tl.tensor([True, False]), tl.tensor([1., 2.]), 0.)
    tensor([1., 0.])
    """
    if input is _NO_VALUE and other is _NO_VALUE:
        return condition.nonzero(as_tuple=True)
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
    """Limit values to [min, max] (numbers or tensors); gradient 1 inside, inclusive at both ends.
    Shape: as input (broadcast with tensor bounds).

    >>> tl.clamp(tl.tensor([-2., 0.5, 3.]), -1., 1.)
    tensor([-1.0000,  0.5000,  1.0000])
    >>> tl.clip(tl.tensor([-2., 3.]), min=0.)
    tensor([0., 3.])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not isinstance(bound, Tensor) and not is_scalar(bound):
            raise TypeError(f"clamp(): argument '{name}' must be a number or a Tensor, not "
                            f"{type(bound).__name__}")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        for bound, outside in ((min, Tensor.lt), (max, Tensor.gt)):
            if bound is not None:
                value = bound
                if bound is min and isinstance(min, Tensor) and max is not None and min.requires_grad:
                    value = where(min < max, min, min.detach())  # PyTorch: min's gradient needs min < max
                out = where(outside(out, bound), value, out)
                if isinstance(bound, Tensor) and bound.is_floating_point():
                    out = where(bound.isnan(), bound, out)  # a NaN bound gives NaN, as in PyTorch
        return out
    dtype = _dt.result_type_of([input] + [v for v in (min, max) if v is not None])
    x = input if input.dtype is dtype else input.to(dtype)
    return Clamp.apply(x, checked_scalar("clamp", min, dtype, floats=True),
                       checked_scalar("clamp", max, dtype, floats=True))


clip = clamp


@tensor_op
@half_in_float32
def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(input) (so rsqrt(-0.) is -inf, as in PyTorch). Shape: as input.

    >>> tl.rsqrt(tl.tensor([4., 0.25]))
    tensor([0.5000, 2.0000])
    """
    return reciprocal(input.sqrt())


@tensor_op
def reciprocal(input: Tensor) -> Tensor:
    """1 / input (integers give the default float dtype). As in PyTorch, the backward reads only
    the result: the input may be modified in place before backward, the result may not.
    Shape: as input.

    >>> tl.reciprocal(tl.tensor([2., -4.]))
    tensor([ 0.5000, -0.2500])
    """
    return Reciprocal.apply(input if input.is_floating_point() else input.float())


def rtruediv(input: Tensor, other) -> Tensor:
    """``other / input`` (the reflected operator). A number over a tensor is
    ``reciprocal(input) * other``, as PyTorch computes it, so the same saved tensors (and
    in-place checks) apply. Shape: as input (broadcast with other).

    >>> 2.0 / tl.tensor([4., 1.])
    tensor([0.5000, 2.0000])
    """
    if isinstance(other, numbers.Number):
        return reciprocal(input) * other
    return div(other, input)


@tensor_op
def square(input: Tensor) -> Tensor:
    """input * input. Shape: as input.

    >>> tl.square(tl.tensor([-2., 3.]))
    tensor([4., 9.])
    """
    return pow(input, 2)


@tensor_op
@half_in_float32
def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm. Shape: as input.

    >>> tl.log2(tl.tensor([1., 8.]))
    tensor([0., 3.])
    """
    return input.log() / 0.6931471805599453


@tensor_op
@half_in_float32
def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm. Shape: as input.

    >>> tl.log10(tl.tensor([1., 100.]))
    tensor([0., 2.])
    """
    return input.log() / 2.302585092994046


def _log_add(a: Tensor, b: Tensor, exp, scale: float) -> Tensor:
    """max + log1p(exp(-|a - b|)) * scale, PyTorch's stable form (no overflow for large
    operands), and a itself where a and b are the same infinity (inf - inf would give nan).
    The gradients come out as PyTorch's 1 / (1 + exp(b - a)): 1/2 each at a == b (maximum splits
    ties, abs'(0) = 0), 1 and 0 against -inf."""
    spread = exp(-(a - b).abs()).log1p()
    out = maximum(a, b) + (spread if scale == 1.0 else spread * scale)
    return where(a.isinf() & (a == b), a, out)


@tensor_op
@half_in_float32
def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)), without overflow; floating tensors only (bool promotes
    with a float tensor). Shapes: broadcast.

    >>> tl.logaddexp(tl.tensor([1., 100.]), tl.tensor([1., 100.]))
    tensor([  1.6931, 100.6931])
    """
    return _log_add(*_tensors_floating("logaddexp", input, other), Tensor.exp, 1.0)


@tensor_op
@half_in_float32
def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2 ** input + 2 ** other), without overflow; floating tensors only. Shapes: broadcast.

    >>> tl.logaddexp2(tl.tensor([1., 3.]), tl.tensor([1., 3.]))
    tensor([2., 4.])
    """
    return _log_add(*_tensors_floating("logaddexp2", input, other), Tensor.exp2, 1.0 / LN2)


@tensor_op
def equal(input: Tensor, other) -> bool:
    """True if both tensors have the same shape and values. Shapes: any; returns a Python bool.

    >>> tl.equal(tl.tensor([1., 2.]), tl.tensor([1., 2.]))
    True
    """
    expect_tensor("equal", "other", other)
    return input.shape == other.shape and bool((input == other).all())


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


@half_in_float32
def _lerp_in_float32(input: Tensor, end: Tensor, weight) -> Tensor:
    """lerp of float16/bfloat16 operands computed in float32 and rounded once (PyTorch's)."""
    return lerp(input, end, weight)


@tensor_op
def lerp(input: Tensor, end, weight) -> Tensor:
    """input + weight * (end - input), computed from the nearer end as PyTorch does
    (end - (end - input) * (1 - weight) when |weight| >= 0.5), which fixes the inf/nan cases.
    PyTorch's kernel takes one floating dtype: ``end`` (and a weight tensor that is not 0-d)
    must have input's dtype; only a 0-d weight tensor promotes (int64 tensors and a 0-d float64
    weight give float64). Shapes: input, end and weight broadcast together.

    >>> tl.lerp(tl.tensor([0., 10.]), tl.tensor([10., 20.]), 0.5)
    tensor([ 5., 15.])
    """
    input, end, weight = _lerp_operands(input, end, weight)
    if input.dtype in _dt.HALF_DTYPES:
        return _lerp_in_float32(input, end, weight)
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
    Shapes: broadcast (bool result).

    >>> tl.isclose(tl.tensor([1., 1.1]), tl.tensor([1., 1.]))
    tensor([ True, False])
    """
    a, b = promote("isclose", input, other)
    if not a.is_floating_point():
        a, b = a.double(), b.double()
    equal = a == b
    # equal pairs are close anyway: subtracting 0 there keeps inf - inf (a warning) out, and an
    # infinite error is never within tolerance, even an infinite one (1e30 vs inf)
    error = (a - Where.apply(equal, scalar_tensor(0, b.dtype, b.device), b)).abs()
    close = equal.logical_or(error.isfinite().logical_and(error <= atol + rtol * b.abs()))
    if equal_nan:
        close = close.logical_or(a.isnan().logical_and(b.isnan()))
    return close


@tensor_op
def allclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element is close (see isclose).
    Shapes: input and other broadcast together; returns a Python bool.

    >>> tl.allclose(tl.tensor([1., 2.]), tl.tensor([1., 2.000001]))
    True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


