"""Binds the functional ops to Tensor as methods and operators (``x.sum()``, ``a @ b``, ``x += 1``).

The one allowed import circle: Tensor (tensor.py) sits below the ops, and this module, above
both, attaches every method that runs an op, including ``to``, ``backward``, the in-place
write machinery and printing.
"""
from __future__ import annotations

import numbers

import numpy as np  # NumPy scalars and arrays are operands the ops accept

from . import dtypes as _dt
from ._printing import tensor_repr
from .autograd.api import backward as _autograd_backward
from .device import Device, device as _parse_device
from .nn import functional as _F
from .ops import creation, elementwise as ew, indexing, inplace, linalg, movement as mv, reduce as rd, sampling, scan, sorting
from .ops import diagonal, index_ops, tiling, zero_grad
from .ops import composite as _cp
from .ops import composite2 as _cp2
from .ops import composite3 as _cp3
from . import linalg as _la
from .ops._queries import is_contiguous
from .ops._util import expect_tensor
from .tensor import Tensor


def _reflected(fn):
    def method(self, other):
        return fn(other, self)
    return method


_OPERANDS = (Tensor, int, float, np.generic, np.ndarray)


def _array_operand(self, array: np.ndarray) -> Tensor:
    """A NumPy array operand of an operator as a tensor on self's device (its memory on the CPU)."""
    if self.device.type == "cpu":
        return creation.from_numpy(array)
    return creation.tensor(array, device=self.device)


def _with_array(self, array: np.ndarray):
    """(self, array) as tensors of one dtype for ``t + ndarray`` / ``ndarray + t``: an array is a
    tensor with dimensions, never a weak scalar, even 0-d (PyTorch computes these with NumPy,
    whose 0-d arrays promote fully); the pair promotes by PyTorch's table."""
    other = _array_operand(self, array)
    dtype = _dt.promote_types(self.dtype, other.dtype)
    return tuple(t if t.dtype is dtype else t.to(dtype) for t in (self, other))


def _operand_method(fn):
    """An operator (``x == None``, ``x + "a"``): other types than tensors, numbers and arrays give
    NotImplemented as in PyTorch, so Python answers (``x == None`` is False, ``x < None`` a
    TypeError naming the operator). A NumPy array takes part as a tensor (``_with_array``)."""
    def method(self, other):
        # concrete types first: isinstance against the numbers.Number ABC is the slow check
        if isinstance(other, np.ndarray):
            return fn(*_with_array(self, other))
        if isinstance(other, _OPERANDS) or isinstance(other, numbers.Number):
            return fn(self, other)
        return NotImplemented
    method.__name__ = getattr(fn, "__name__", "operator")
    method.__doc__ = fn.__doc__
    return method


def _shape_method(fn):
    def method(self, *shape):
        return fn(self, *shape)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _dims_method(fn):
    """``x.flip(0, 1)`` as well as ``x.flip((0, 1))``: PyTorch's method takes the dims unpacked."""
    def method(self, *dims, **kwargs):
        if kwargs or not dims or (len(dims) == 1 and isinstance(dims[0], (tuple, list))):
            return fn(self, *dims, **kwargs)
        return fn(self, dims)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _max_min(fn):
    def method(self, dim=None, keepdim=False):
        return fn(self, dim, keepdim)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method



def _shape_of(op, other):
    expect_tensor(op, "other", other)
    return other._array.shape


def _clamp_min(self, min) -> Tensor:
    """``clamp(self, min=min)``: values below min raised to it. Shapes: (*) -> (*).

    Example:
    >>> tl.tensor([-2., 0.5, 3.]).clamp_min(0.)
    tensor([0.0000, 0.5000, 3.0000])
    """
    return ew.clamp(self, min=min)


def _clamp_max(self, max) -> Tensor:
    """``clamp(self, max=max)``: values above max lowered to it. Shapes: (*) -> (*).

    Example:
    >>> tl.tensor([-2., 0.5, 3.]).clamp_max(1.)
    tensor([-2.0000,  0.5000,  1.0000])
    """
    return ew.clamp(self, max=max)


def _where(self, condition, other) -> Tensor:
    """``where(condition, self, other)``: self's elements where condition is True, else other's.

    Shapes: self, condition and other (a tensor or a number) broadcast together.

    Example:
    >>> x = tl.tensor([1., -2., 3.])
    >>> x.where(x > 0, 0.)
    tensor([1., 0., 3.])
    """
    return ew.where(condition, self, other)


def _view_as(self, other) -> Tensor:
    """``self.view(other.shape)``: a view with other's shape (raises where a copy is needed).

    Shapes: self (*) -> other's shape, with the same number of elements.

    Example:
    >>> tl.arange(6).view_as(tl.zeros(2, 3))
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    return mv.view(self, _shape_of("view_as", other))


def _reshape_as(self, other) -> Tensor:
    """``self.reshape(other.shape)``: a view where the layout allows, else a copy.

    Shapes: self (*) -> other's shape, with the same number of elements.

    Example:
    >>> x = tl.arange(6).view(2, 3).t()
    >>> x.reshape_as(tl.zeros(6))
    tensor([0, 3, 1, 4, 2, 5])
    """
    return mv.reshape(self, _shape_of("reshape_as", other))


# new_*: a tensor with self's dtype and device unless given (PyTorch's Tensor.new_* methods)

def _legacy_init(self, *args, device=None):
    """PyTorch's legacy constructor: ``Tensor(data)`` copies data as float32 (an existing
    Tensor is aliased instead, keeping its dtype), ``Tensor(*sizes)`` is a zero-filled float32
    tensor of that shape, ``Tensor()`` an empty (0,) one.

    Example:
    >>> tl.Tensor([1, 2])
    tensor([1., 2.])
    >>> tl.Tensor(2, 3).shape, tl.Tensor().shape
    (tensorlite.Size([2, 3]), tensorlite.Size([0]))
    """
    self.__dict__.update(creation.legacy_new("Tensor", None, args, device).__dict__)


def _new_zeros(self, *sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros of the given size, with self's dtype and device unless given.

    Shapes: size (ints or one tuple) -> size.

    Example:
    >>> x = tl.ones(2, dtype=tl.float64)
    >>> x.new_zeros(2, 3)
    tensor([[0., 0., 0.],
            [0., 0., 0.]], dtype=tensorlite.float64)
    """
    return creation.zeros(size=creation.factory_size("new_zeros", sizes, size), dtype=dtype or self.dtype,
                          device=device or self.device, requires_grad=requires_grad)


def _new_ones(self, *sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Ones of the given size, with self's dtype and device unless given.

    Shapes: size (ints or one tuple) -> size.

    Example:
    >>> x = tl.zeros(3)
    >>> x.new_ones((2,), dtype=tl.int32)
    tensor([1, 1], dtype=tensorlite.int32)
    """
    return creation.ones(size=creation.factory_size("new_ones", sizes, size), dtype=dtype or self.dtype,
                         device=device or self.device, requires_grad=requires_grad)


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """fill_value everywhere in a tensor of the given size, with self's dtype and device unless
    given.

    Shapes: size (a tuple) -> size.

    Example:
    >>> x = tl.ones(2, dtype=tl.float64)
    >>> x.new_full((2,), 7)
    tensor([7., 7.], dtype=tensorlite.float64)
    """
    return creation.full(size, fill_value, dtype=dtype or self.dtype,
                         device=device or self.device, requires_grad=requires_grad)


def _new_empty(self, *sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """An uninitialised tensor of the given size, with self's dtype and device unless given.

    Shapes: size (ints or one tuple) -> size.

    Example:
    >>> x = tl.ones(2, dtype=tl.float64)
    >>> y = x.new_empty(2, 3)
    >>> y.shape, y.dtype
    (tensorlite.Size([2, 3]), tensorlite.float64)
    """
    return creation.empty(size=creation.factory_size("new_empty", sizes, size), dtype=dtype or self.dtype,
                          device=device or self.device, requires_grad=requires_grad)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor copied from data, with self's dtype and device unless given.

    Shapes: data's nesting -> its shape.

    Example:
    >>> x = tl.ones(2, dtype=tl.float64)
    >>> x.new_tensor([1, 2])
    tensor([1., 2.], dtype=tensorlite.float64)
    """
    return creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                           requires_grad=requires_grad)


for _method in (_clamp_min, _clamp_max, _where, _view_as, _reshape_as, _new_zeros, _new_ones,
                _new_full, _new_empty, _new_tensor):
    _method.__name__ = _method.__name__[1:]  # the method's name, for reprs and messages


# the op tables (ops/elementwise.py, ops/reduce.py): a method per row and per alias
_METHODS = {name: table.PUBLIC[row.name] for table in (ew, rd) for row in table.ROWS if row.method
            for name in (row.name,) + row.aliases}
_METHODS.update({
    # operators
    "__add__": ew.add, "__radd__": _reflected(ew.add), "__sub__": ew.sub, "__rsub__": _reflected(ew.sub),
    "__mul__": ew.mul, "__rmul__": _reflected(ew.mul), "__truediv__": ew.div,
    "__rtruediv__": ew.rtruediv, "__floordiv__": ew.floor_divide,
    "__rfloordiv__": _reflected(ew.floor_divide), "__mod__": ew.remainder,
    "__rmod__": _reflected(ew.remainder), "__pow__": ew.pow, "__rpow__": _reflected(ew.pow),
    "__matmul__": linalg.matmul, "__rmatmul__": _reflected(linalg.matmul),
    "__neg__": ew.neg, "__pos__": lambda self: self, "__abs__": ew.abs, "__invert__": ew.bitwise_not,
    "__eq__": ew.eq, "__ne__": ew.ne, "__lt__": ew.lt, "__le__": ew.le, "__gt__": ew.gt, "__ge__": ew.ge,
    "__and__": ew.bitwise_and, "__or__": ew.bitwise_or, "__xor__": ew.bitwise_xor,
    "__rand__": _reflected(ew.bitwise_and), "__ror__": _reflected(ew.bitwise_or),
    "__rxor__": _reflected(ew.bitwise_xor),
    "__lshift__": ew.bitwise_left_shift, "__rshift__": ew.bitwise_right_shift,
    "__rlshift__": _reflected(ew.bitwise_left_shift), "__rrshift__": _reflected(ew.bitwise_right_shift),
    # compositions and special primitives of ops/elementwise.py
    "equal": ew.equal, "isclose": ew.isclose, "allclose": ew.allclose, "log2": ew.log2,
    "log10": ew.log10, "rsqrt": ew.rsqrt, "reciprocal": ew.reciprocal, "square": ew.square,
    "clamp": ew.clamp, "clip": ew.clamp,
    "logaddexp": ew.logaddexp, "logaddexp2": ew.logaddexp2,
    "clamp_min": _clamp_min, "clamp_max": _clamp_max, "where": _where, "lerp": ew.lerp,
    # reductions that are not rows
    "mean": rd.mean, "var": rd.var, "std": rd.std, "max": _max_min(rd.max), "min": _max_min(rd.min),
    "argmax": rd.argmax, "argmin": rd.argmin, "cumsum": rd.cumsum, "logsumexp": rd.logsumexp,
    "norm": rd.norm, "count_nonzero": rd.count_nonzero,
    # movement
    "reshape": _shape_method(mv.reshape), "view": _shape_method(mv.view),
    "permute": _shape_method(mv.permute), "expand": _shape_method(mv.expand),
    "repeat": _shape_method(mv.repeat), "view_as": _view_as, "reshape_as": _reshape_as,
    "expand_as": mv.expand_as, "broadcast_to": mv.broadcast_to, "transpose": mv.transpose,
    "swapaxes": mv.transpose, "swapdims": mv.transpose, "t": mv.t, "squeeze": mv.squeeze,
    "unsqueeze": mv.unsqueeze, "flatten": mv.flatten, "unflatten": mv.unflatten,
    "movedim": mv.movedim, "moveaxis": mv.movedim, "contiguous": mv.contiguous, "clone": mv.clone, "flip": _dims_method(mv.flip),
    "roll": mv.roll, "split": indexing.split, "chunk": indexing.chunk, "unbind": mv.unbind, "narrow": mv.narrow,
    "tril": mv.tril, "triu": mv.triu,
    # indexing
    "__getitem__": indexing.getitem, "__setitem__": indexing.setitem, "gather": indexing.gather,
    "scatter": indexing.scatter, "scatter_add": indexing.scatter_add,
    "index_select": indexing.index_select, "masked_fill": indexing.masked_fill,
    "masked_select": indexing.masked_select, "nonzero": indexing.nonzero,
    "index_put_": indexing.index_put_, "index_put": indexing.index_put,
    "take_along_dim": indexing.take_along_dim, "scatter_reduce": indexing.scatter_reduce,
    "index_add": index_ops.index_add, "index_copy": index_ops.index_copy,
    "index_fill": index_ops.index_fill, "masked_scatter": index_ops.masked_scatter,
    "index_reduce": index_ops.index_reduce,
    "diagonal": diagonal.diagonal, "diag_embed": diagonal.diag_embed, "diag": diagonal.diag,
    "trace": diagonal.trace, "unfold": diagonal.unfold, "tile": _dims_method(tiling.tile),
    "repeat_interleave": tiling.repeat_interleave,
    # linear algebra
    "matmul": linalg.matmul, "mm": linalg.mm, "bmm": linalg.bmm, "dot": linalg.dot,
    "outer": linalg.outer,
    "det": _la.det, "inverse": _la.inv, "slogdet": _la.slogdet, "logdet": _la.logdet,
    "matrix_power": _la.matrix_power, "cholesky": _la.legacy_cholesky, "qr": _la.legacy_qr,
    "svd": _la.legacy_svd, "cross": _la.legacy_cross, "pinverse": _la.pinverse,
    # in place
    "fill_": inplace.fill_, "zero_": inplace.zero_, "copy_": inplace.copy_,
    "new_zeros": _new_zeros, "new_ones": _new_ones, "new_full": _new_full, "new_empty": _new_empty,
    "new_tensor": _new_tensor,
})

_SOFTMAX_DOCS = {
    "softmax": """``F.softmax(self, dim, dtype)``: exp(x) / sum(exp(x)) along dim, summing to 1 there.

    Shapes: (*) -> (*).

    Example:
    >>> tl.tensor([0., 1., 2.]).softmax(0)
    tensor([0.0900, 0.2447, 0.6652])
    """,
    "log_softmax": """``F.log_softmax(self, dim, dtype)``: x - logsumexp(x, dim), stable for large x.

    Shapes: (*) -> (*).

    Example:
    >>> tl.tensor([[0., 0.], [1., 0.]]).log_softmax(dim=1)
    tensor([[-0.6931, -0.6931],
            [-0.3133, -1.3133]])
    """,
}


def _softmax_method(name):
    def method(self, dim, dtype=None):
        return getattr(_F, name)(self, dim, dtype)
    method.__name__ = name
    method.__doc__ = _SOFTMAX_DOCS[name]
    return method


_METHODS.update({"softmax": _softmax_method("softmax"), "log_softmax": _softmax_method("log_softmax")})
_METHODS.update({name: getattr(sorting, name) for name in (
    "sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "unique", "unique_consecutive",
    "histc")})
_METHODS.update({name: getattr(scan, name) for name in ("cumprod", "cummax", "cummin", "logcumsumexp")})
_METHODS["argwhere"] = indexing.argwhere

_OPERATORS = {"__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
              "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__matmul__",
              "__rmatmul__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__or__",
              "__xor__", "__rand__", "__ror__", "__rxor__"}
for _name, _fn in _METHODS.items():
    _fn = getattr(_fn, "__wrapped__", _fn)  # self is a Tensor: skip the input check
    setattr(Tensor, _name, _operand_method(_fn) if _name in _OPERATORS else _fn)

Tensor.T = property(mv.T, doc="All dims reversed (the transpose of a matrix).")
Tensor.mT = property(mv.mT, doc="The last two dims swapped (a batch of transposed matrices).")
Tensor.is_contiguous = is_contiguous

for _row in ew.BINARY:
    if _row.inplace:
        setattr(Tensor, _row.name + "_", inplace.make_binary_inplace(_row.name + "_", ew.PUBLIC[_row.name]))



def _inplace_operator(inplace_method):
    """``t += other``: ``t.add_(other)``, a NumPy array taking part as a tensor (the method
    itself, like PyTorch's ``add_``, takes tensors and numbers only)."""
    def method(self, other):
        if isinstance(other, np.ndarray):
            other = _array_operand(self, other)
        return inplace_method(self, other)
    method.__name__ = inplace_method.__name__
    method.__doc__ = inplace_method.__doc__
    return method


Tensor.__iadd__ = _inplace_operator(Tensor.add_)
Tensor.__isub__ = _inplace_operator(Tensor.sub_)
Tensor.__imul__ = _inplace_operator(Tensor.mul_)
Tensor.__itruediv__ = _inplace_operator(Tensor.div_)
Tensor.__ipow__ = _inplace_operator(Tensor.pow_)
# Without these, ``v //= 2`` would rebind v to a new tensor and leave a view's base unchanged.
Tensor.__ifloordiv__ = _inplace_operator(Tensor.floor_divide_)
Tensor.__imod__ = _inplace_operator(Tensor.remainder_)
Tensor.__iand__ = _inplace_operator(Tensor.bitwise_and_)
Tensor.__ior__ = _inplace_operator(Tensor.bitwise_or_)
Tensor.__ixor__ = _inplace_operator(Tensor.bitwise_xor_)
Tensor.__ilshift__ = _inplace_operator(Tensor.bitwise_left_shift_)
Tensor.__irshift__ = _inplace_operator(Tensor.bitwise_right_shift_)
Tensor.subtract_ = Tensor.sub_
Tensor.multiply_ = Tensor.mul_


# name -> (self's values, the call's arguments, the result) of each unary in-place example
_UNARY_INPLACE_EXAMPLES = {
    "neg_": ("[1., -2.]", "", "tensor([-1.,  2.])"),
    "exp_": ("[0., 1.]", "", "tensor([1.0000, 2.7183])"),
    "log_": ("[1., 4.]", "", "tensor([0.0000, 1.3863])"),
    "sqrt_": ("[4., 9.]", "", "tensor([2., 3.])"),
    "abs_": ("[-1.5, 2.]", "", "tensor([1.5000, 2.0000])"),
    "tanh_": ("[0., 1.]", "", "tensor([0.0000, 0.7616])"),
    "asin_": ("[0., 1.]", "", "tensor([0.0000, 1.5708])"),
    "acos_": ("[1., 0.]", "", "tensor([0.0000, 1.5708])"),
    "atan_": ("[0., 1.]", "", "tensor([0.0000, 0.7854])"),
    "sinh_": ("[0., 1.]", "", "tensor([0.0000, 1.1752])"),
    "cosh_": ("[0., 1.]", "", "tensor([1.0000, 1.5431])"),
    "asinh_": ("[0., 1.]", "", "tensor([0.0000, 0.8814])"),
    "acosh_": ("[1., 2.]", "", "tensor([0.0000, 1.3170])"),
    "atanh_": ("[0., 0.5]", "", "tensor([0.0000, 0.5493])"),
    "erfc_": ("[0., 1.]", "", "tensor([1.0000, 0.1573])"),
    "erfinv_": ("[0., 0.5]", "", "tensor([0.0000, 0.4769])"),
    "sin_": ("[0., 1.5708]", "", "tensor([0., 1.])"),
    "cos_": ("[0., 3.1416]", "", "tensor([ 1., -1.])"),
    "tan_": ("[0., 0.7854]", "", "tensor([0.0000, 1.0000])"),
    "erf_": ("[0., 1.]", "", "tensor([0.0000, 0.8427])"),
    "log1p_": ("[0., 1.]", "", "tensor([0.0000, 0.6931])"),
    "expm1_": ("[0., 1.]", "", "tensor([0.0000, 1.7183])"),
    "exp2_": ("[0., 3.]", "", "tensor([1., 8.])"),
    "trunc_": ("[-1.5, 1.5]", "", "tensor([-1.,  1.])"),
    "sigmoid_": ("[0., 2.]", "", "tensor([0.5000, 0.8808])"),
    "relu_": ("[-1., 2.]", "", "tensor([0., 2.])"),
    "sign_": ("[-3., 0., 2.]", "", "tensor([-1.,  0.,  1.])"),
    "floor_": ("[-1.5, 1.5]", "", "tensor([-2.,  1.])"),
    "ceil_": ("[-1.5, 1.5]", "", "tensor([-1.,  2.])"),
    "round_": ("[0.5, 1.5, 2.7]", "", "tensor([0., 2., 3.])"),
    "square_": ("[-2., 3.]", "", "tensor([4., 9.])"),
    "reciprocal_": ("[2., 4.]", "", "tensor([0.5000, 0.2500])"),
    "clamp_": ("[-2., 0.5, 3.]", "-1., 1.", "tensor([-1.0000,  0.5000,  1.0000])"),
    "clip_": ("[-2., 3.]", "min=0.", "tensor([0., 3.])"),
    "masked_fill_": ("[1., 2., 3.]", "tl.tensor([True, False, True]), 0.", "tensor([0., 2., 0.])"),
    "scatter_": ("[1., 2., 3.]", "0, tl.tensor([2, 0]), tl.tensor([7., 8.])", "tensor([8., 2., 7.])"),
    "scatter_add_": ("[1., 2., 3.]", "0, tl.tensor([2, 2]), tl.tensor([7., 8.])", "tensor([ 1.,  2., 18.])"),
    "scatter_reduce_": ("[1., 2., 3.]", "0, tl.tensor([2, 2]), tl.tensor([7., 8.]), 'amax'",
                        "tensor([1., 2., 8.])"),
    "index_add_": ("[1., 2., 3.]", "0, tl.tensor([2, 2]), tl.tensor([7., 8.])", "tensor([ 1.,  2., 18.])"),
    "index_copy_": ("[1., 2., 3.]", "0, tl.tensor([2, 0]), tl.tensor([7., 8.])", "tensor([8., 2., 7.])"),
    "index_fill_": ("[1., 2., 3.]", "0, tl.tensor([2, 0]), -1.", "tensor([-1.,  2., -1.])"),
    "masked_scatter_": ("[1., 2., 3.]", "tl.tensor([True, False, True]), tl.tensor([7., 8.])",
                        "tensor([7., 2., 8.])"),
    "index_reduce_": ("[1., 2., 3.]", "0, tl.tensor([2, 2]), tl.tensor([7., 8.]), 'prod'",
                      "tensor([  1.,   2., 168.])"),
    # in-place forms of out-of-place methods (PyTorch's names), through the out-of-place op
    "bitwise_not_": ("[0, 5]", "", "tensor([-1, -6])"),
    "clamp_min_": ("[-1., 2.]", "0.", "tensor([0., 2.])"),
    "clamp_max_": ("[-1., 2.]", "0.", "tensor([-1.,  0.])"),
    "cumsum_": ("[1., 2., 3.]", "0", "tensor([1., 3., 6.])"),
    "cumprod_": ("[1., 2., 3.]", "0", "tensor([1., 2., 6.])"),
    "eq_": ("[1., 2.]", "2.", "tensor([0., 1.])"),
    "ne_": ("[1., 2.]", "2.", "tensor([1., 0.])"),
    "lt_": ("[1., 2.]", "2.", "tensor([1., 0.])"),
    "le_": ("[1., 2.]", "tl.tensor([0., 2.])", "tensor([0., 1.])"),
    "gt_": ("[1., 2.]", "1.", "tensor([0., 1.])"),
    "ge_": ("[1., 2.]", "2.", "tensor([0., 1.])"),
    "greater_": ("[1., 2.]", "1.", "tensor([0., 1.])"),
    "greater_equal_": ("[1., 2.]", "2.", "tensor([0., 1.])"),
    "less_": ("[1., 2.]", "2.", "tensor([1., 0.])"),
    "less_equal_": ("[1., 2.]", "1.", "tensor([1., 0.])"),
    "not_equal_": ("[1., 2.]", "2.", "tensor([1., 0.])"),
    "lerp_": ("[0., 10.]", "tl.tensor([10., 20.]), 0.5", "tensor([ 5., 15.])"),
    "log2_": ("[1., 8.]", "", "tensor([0., 3.])"),
    "log10_": ("[1., 100.]", "", "tensor([0., 2.])"),
    "rsqrt_": ("[1., 4.]", "", "tensor([1.0000, 0.5000])"),
    "logical_and_": ("[0., 2.]", "tl.tensor([1., 1.])", "tensor([0., 1.])"),
    "logical_or_": ("[0., 2.]", "tl.tensor([0., 0.])", "tensor([0., 1.])"),
    "logical_xor_": ("[0., 2.]", "tl.tensor([1., 1.])", "tensor([1., 0.])"),
    "logical_not_": ("[0., 2.]", "", "tensor([1., 0.])"),
    "tril_": ("[[1., 2.], [3., 4.]]", "", "tensor([[1., 0.], [3., 4.]])"),
    "triu_": ("[[1., 2.], [3., 4.]]", "", "tensor([[1., 2.], [0., 4.]])"),
}


def _unary_inplace(name, fn):
    def method(self, *args, **kwargs):
        return inplace.unary_inplace(self, name, lambda t: fn(t, *args, **kwargs))
    method.__name__ = name
    shapes = "self (*), mask broadcastable to (*)" if name == "masked_fill_" else "self (*)"
    method.__doc__ = inplace.inplace_doc(name, shapes, _UNARY_INPLACE_EXAMPLES.get(name))
    return method


_UNARY_INPLACE = {row.name + "_": ew.PUBLIC[row.name] for row in ew.UNARY if row.inplace}
_UNARY_INPLACE.update({"clamp_": ew.clamp, "clip_": ew.clamp, "masked_fill_": indexing.masked_fill,
                       "square_": ew.square, "reciprocal_": ew.reciprocal})
_UNARY_INPLACE.update({"scatter_": indexing.scatter, "scatter_add_": indexing.scatter_add,
                       "scatter_reduce_": indexing.scatter_reduce, "index_add_": index_ops.index_add,
                       "index_copy_": index_ops.index_copy, "index_fill_": index_ops.index_fill,
                       "masked_scatter_": index_ops.masked_scatter, "index_reduce_": index_ops.index_reduce})
for _name, _fn in _UNARY_INPLACE.items():
    setattr(Tensor, _name, _unary_inplace(_name, _fn))

# PyTorch's other in-place names: aliases of in-place methods, or the out-of-place method
# written into self (comparisons and logical ops write 0/1 in self's dtype)
_INPLACE_ALIASES = {"absolute_": "abs_", "arccos_": "acos_", "arccosh_": "acosh_", "arcsin_": "asin_",
                    "arcsinh_": "asinh_", "arctan_": "atan_", "arctanh_": "atanh_", "arctan2_": "atan2_",
                    "negative_": "neg_", "divide_": "div_", "true_divide_": "div_"}
for _name, _target in _INPLACE_ALIASES.items():
    setattr(Tensor, _name, getattr(Tensor, _target))
# (PyTorch's logical_*_ leave self's graph as it was: no node of their own, like these)
for _name in ("bitwise_not_", "clamp_min_", "clamp_max_", "lerp_", "log2_", "log10_", "rsqrt_",
              "tril_", "triu_", "logical_and_", "logical_or_", "logical_xor_", "logical_not_"):
    setattr(Tensor, _name, _unary_inplace(_name, getattr(Tensor, _name[:-1])))
# cumsum_ and cumprod_ work in self's dtype (an int8 sum wraps; bool is refused), as PyTorch
Tensor.cumsum_ = _unary_inplace("cumsum_", lambda self, dim: rd.cumsum(self, dim, dtype=self.dtype))
Tensor.cumprod_ = _unary_inplace("cumprod_", lambda self, dim: scan.cumprod(self, dim, dtype=self.dtype))
for _name in ("eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_", "less_equal_",
              "not_equal_"):
    setattr(Tensor, _name, _unary_inplace(_name, zero_grad.without_gradient(getattr(Tensor, _name[:-1]))))


_RESTRIDE_EXAMPLES = {  # name -> (the view op, the call's arguments, the resulting shape)
    "squeeze_": (mv.squeeze, "0", "[3]"), "unsqueeze_": (mv.unsqueeze, "1", "[1, 1, 3]"),
    "transpose_": (mv.transpose, "0, 1", "[3, 1]"), "t_": (mv.t, "", "[3, 1]"),
    "swapaxes_": (mv.transpose, "1, 0", "[3, 1]"), "swapdims_": (mv.transpose, "0, 1", "[3, 1]"),
}


def _restride_method(name, view_op, args, shape):
    def method(self, *call_args):
        return mv.restride_(self, name, getattr(view_op, "__wrapped__", view_op), *call_args)
    method.__name__ = name
    method.__doc__ = f"""In-place {name[:-1]}: self takes the new shape (a view of the same storage).

    Shapes: as {name[:-1]}; returns self.

    Example:
    >>> x = tl.zeros(1, 3)
    >>> x.{name}({args}) is x
    True
    >>> x.shape
    tensorlite.Size({shape})
    """
    return method


for _name, (_op, _args, _shape) in _RESTRIDE_EXAMPLES.items():
    setattr(Tensor, _name, _restride_method(_name, _op, _args, _shape))


Tensor.__init__ = _legacy_init
Tensor.uniform_ = creation.uniform_
Tensor.multinomial = sampling.multinomial.__wrapped__
Tensor.normal_ = creation.normal_
Tensor._check_inplace = inplace.check_inplace
Tensor._write_result = inplace.write_result


def _to(self, *args, **kwargs) -> Tensor:
    """Convert dtype and/or device: ``t.to(tensorlite.float64)``, ``t.to("opencl")``,
    ``t.to(other_tensor)``. Returns self when nothing changes (unless ``copy=True``).

    Shapes: unchanged.

    Example:
    >>> x = tl.tensor([1.5, 2.])
    >>> x.to(tl.float64)
    tensor([1.5000, 2.0000], dtype=tensorlite.float64)
    >>> x.to(tl.int64)
    tensor([1, 2])
    >>> x.to("cpu") is x, x.to(x) is x
    (True, True)
    """
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    copy = kwargs.pop("copy", False)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, Device)):
            device = a
        elif a is not None:
            dtype = a
    out = self
    if device is not None:
        device = _parse_device(device)
        if device != self.device:
            out = ew.ToDevice.apply(out, device)
    if dtype is not None:
        dtype = _dt.to_dtype(dtype)
        if dtype.numpy != out._array.dtype:
            out = ew.Cast.apply(out, dtype)
    if copy and out is self:
        out = self.clone()
    return out


def _backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

    gradient: the upstream gradient (needed unless self has one element);
    retain_graph: keep saved tensors for another backward (default: create_graph);
    create_graph: record the backward itself, for higher-order derivatives;
    inputs: accumulate only into these tensors.

    Shapes: gradient, self's shape; each leaf's ``.grad``, the leaf's shape.

    Example:
    >>> x = tl.tensor([1., 2.], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    >>> (x * 3).backward(tl.tensor([1., 0.5]))  # adds to x.grad
    >>> x.grad
    tensor([5.0000, 5.5000])
    """
    _autograd_backward((self,), None if gradient is None else (gradient,), retain_graph,
                       create_graph, inputs=inputs)


_to.__name__, _backward.__name__ = "to", "backward"
Tensor.to = _to
Tensor.backward = _backward
Tensor.__repr__ = Tensor.__str__ = tensor_repr


# compositions PyTorch programs call as methods (ops/composite.py)
for _name in ("addmm", "addmv", "baddbmm", "addbmm", "addr", "addcmul", "addcdiv", "nan_to_num", "nansum",
              "nanmean"):
    setattr(Tensor, _name, getattr(_cp, _name).__wrapped__)
_UNARY_INPLACE_EXAMPLES.update({
    "addcmul_": ("[1., 1.]", "tl.tensor([1., 2.]), tl.tensor([3., 4.]), value=0.5", "tensor([2.5000, 5.0000])"),
    "addcdiv_": ("[1., 1.]", "tl.tensor([1., 2.]), tl.tensor([4., 4.]), value=2", "tensor([1.5000, 2.0000])"),
    "nan_to_num_": ("[float('nan'), 2.]", "-1.", "tensor([-1.,  2.])"),
})
for _name in ("addcmul_", "addcdiv_", "nan_to_num_"):
    setattr(Tensor, _name, _unary_inplace(_name, getattr(_cp, _name[:-1]).__wrapped__))
_UNARY_INPLACE_EXAMPLES.update({
    "addmm_": ("[[1., 1.]]", "tl.tensor([[2.]]), tl.tensor([[3., 4.]]), beta=2", "tensor([[ 8., 10.]])"),
    "addmv_": ("[1., 1.]", "tl.eye(2), tl.tensor([3., 4.]), alpha=2", "tensor([7., 9.])"),
    "baddbmm_": ("[[[1.]]]", "tl.ones(1, 1, 2), tl.ones(1, 2, 1)", "tensor([[[3.]]])"),
    "addbmm_": ("[[1.]]", "tl.ones(3, 1, 2), tl.ones(3, 2, 1), beta=0", "tensor([[6.]])"),
    "addr_": ("[[1., 1.]]", "tl.tensor([2.]), tl.tensor([3., 4.])", "tensor([[7., 9.]])"),
})
for _name in ("addmm_", "addmv_", "baddbmm_", "addbmm_", "addr_"):
    setattr(Tensor, _name, _unary_inplace(_name, getattr(_cp, _name[:-1]).__wrapped__))


# more compositions (ops/composite2.py)
for _name in ("tensor_split", "diff", "rot90", "fliplr", "flipud", "logit", "sgn", "signbit"):
    setattr(Tensor, _name, getattr(_cp2, _name).__wrapped__)
_UNARY_INPLACE_EXAMPLES.update({
    "logit_": ("[0.5, 0.75]", "", "tensor([0.0000, 1.0986])"),
    "sgn_": ("[-2., 0., 3.]", "", "tensor([-1.,  0.,  1.])"),
})
for _name in ("logit_", "sgn_"):
    setattr(Tensor, _name, _unary_inplace(_name, getattr(_cp2, _name[:-1]).__wrapped__))

# in-place random fills next to uniform_/normal_ (ops/creation.py)
Tensor.bernoulli_ = creation.bernoulli_
Tensor.random_ = creation.random_
Tensor.exponential_ = creation.exponential_

# compositions of ops/composite3.py PyTorch also has as methods
Tensor.bincount = _cp3.bincount.__wrapped__
