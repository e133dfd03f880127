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
from .ops import creation, elementwise as ew, indexing, inplace, linalg, movement as mv, reduce as rd
from .ops._queries import is_contiguous
from .ops._util import expect_tensor
from .tensor import Tensor


def _reflected(fn):
    def method(self, other):
        return fn(other, self)
    return method


_OPERANDS = (Tensor, int, float, np.generic, np.ndarray)


def _operand_method(fn):
    """An operator (``x == None``, ``x + "a"``): other types than tensors, numbers and arrays give
    NotImplemented as in PyTorch, so Python answers (``x == None`` is False, ``x < None`` a
    TypeError naming the operator)."""
    def method(self, other):
        # concrete types first: isinstance against the numbers.Number ABC is the slow check
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
    return other.data.shape

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
    # compositions and special primitives of ops/elementwise.py
    "equal": ew.equal, "isclose": ew.isclose, "allclose": ew.allclose, "log2": ew.log2,
    "log10": ew.log10, "rsqrt": ew.rsqrt, "reciprocal": ew.reciprocal, "square": ew.square,
    "clamp": ew.clamp, "clip": ew.clamp,
    "clamp_min": lambda self, min: ew.clamp(self, min=min), "clamp_max": lambda self, max: ew.clamp(self, max=max),
    "where": lambda self, condition, other: ew.where(condition, self, other), "lerp": ew.lerp,
    # reductions that are not rows
    "mean": rd.mean, "var": rd.var, "std": rd.std, "max": _max_min(rd.max), "min": _max_min(rd.min),
    "argmax": rd.argmax, "argmin": rd.argmin, "cumsum": rd.cumsum, "logsumexp": rd.logsumexp,
    "norm": rd.norm, "count_nonzero": rd.count_nonzero,
    # movement
    "reshape": _shape_method(mv.reshape), "view": _shape_method(mv.view),
    "permute": _shape_method(mv.permute), "expand": _shape_method(mv.expand),
    "repeat": _shape_method(mv.repeat), "view_as": lambda self, other: mv.view(self, _shape_of("view_as", other)),
    "reshape_as": lambda self, other: mv.reshape(self, _shape_of("reshape_as", other)),
    "expand_as": mv.expand_as, "broadcast_to": mv.broadcast_to, "transpose": mv.transpose,
    "swapaxes": mv.transpose, "swapdims": mv.transpose, "t": mv.t, "squeeze": mv.squeeze,
    "unsqueeze": mv.unsqueeze, "flatten": mv.flatten, "unflatten": mv.unflatten,
    "movedim": mv.movedim, "contiguous": mv.contiguous, "clone": mv.clone, "flip": _dims_method(mv.flip),
    "split": mv.split, "chunk": mv.chunk, "unbind": mv.unbind, "narrow": mv.narrow,
    "tril": mv.tril, "triu": mv.triu,
    # indexing
    "__getitem__": indexing.getitem, "__setitem__": indexing.setitem, "gather": indexing.gather,
    "scatter": indexing.scatter, "scatter_add": indexing.scatter_add,
    "index_select": indexing.index_select, "masked_fill": indexing.masked_fill,
    "masked_select": indexing.masked_select, "nonzero": indexing.nonzero,
    "index_put_": indexing.index_put_, "index_put": indexing.index_put,
    "take_along_dim": indexing.take_along_dim,
    # linear algebra
    "matmul": linalg.matmul, "mm": linalg.mm, "bmm": linalg.bmm, "dot": linalg.dot,
    "outer": linalg.outer,
    # in place
    "fill_": inplace.fill_, "zero_": inplace.zero_, "copy_": inplace.copy_,
    "new_zeros": lambda self, *size, dtype=None, device=None, requires_grad=False: creation.zeros(
        *size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad),
    "new_ones": lambda self, *size, dtype=None, device=None, requires_grad=False: creation.ones(
        *size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad),
    "new_full": lambda self, size, fill_value, dtype=None, device=None, requires_grad=False: creation.full(
        size, fill_value, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad),
    "new_empty": lambda self, *size, dtype=None, device=None, requires_grad=False: creation.empty(
        *size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad),
    "new_tensor": lambda self, data, dtype=None, device=None, requires_grad=False: creation.tensor(
        data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad),
})

def _softmax_method(name):
    def method(self, dim, dtype=None):
        return getattr(_F, name)(self, dim, dtype)
    method.__name__ = name
    return method


_METHODS.update({"softmax": _softmax_method("softmax"), "log_softmax": _softmax_method("log_softmax")})

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

Tensor.__iadd__ = Tensor.add_
Tensor.__isub__ = Tensor.sub_
Tensor.__imul__ = Tensor.mul_
Tensor.__itruediv__ = Tensor.div_
Tensor.__ipow__ = Tensor.pow_
# Without these, ``v //= 2`` would rebind v to a new tensor and leave a view's base unchanged.
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__imod__ = Tensor.remainder_
Tensor.__iand__ = Tensor.bitwise_and_
Tensor.__ior__ = Tensor.bitwise_or_
Tensor.__ixor__ = Tensor.bitwise_xor_
Tensor.subtract_ = Tensor.sub_
Tensor.multiply_ = Tensor.mul_


def _unary_inplace(name, fn):
    def method(self, *args, **kwargs):
        return inplace.unary_inplace(self, name, lambda t: fn(t, *args, **kwargs))
    method.__name__ = name
    method.__doc__ = f"In-place {name[:-1]}."
    return method


_UNARY_INPLACE = {row.name + "_": ew.PUBLIC[row.name] for row in ew.UNARY if row.inplace}
_UNARY_INPLACE.update({"clamp_": ew.clamp, "clip_": ew.clamp, "masked_fill_": indexing.masked_fill,
                       "square_": ew.square, "reciprocal_": ew.reciprocal})
for _name, _fn in _UNARY_INPLACE.items():
    setattr(Tensor, _name, _unary_inplace(_name, _fn))


Tensor.uniform_ = creation.uniform_
Tensor.normal_ = creation.normal_
Tensor._check_inplace = inplace.check_inplace
Tensor._write_result = inplace.write_result


def _to(self, *args, **kwargs) -> Tensor:
    """Convert dtype and/or device: ``t.to(tensorlite.float64)``, ``t.to("opencl")``,
    ``t.to(other_tensor)``. Returns self when nothing changes."""
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
        if dtype.numpy != out.data.dtype:
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
    """
    _autograd_backward((self,), None if gradient is None else (gradient,), retain_graph,
                       create_graph, inputs=inputs)


_to.__name__, _backward.__name__ = "to", "backward"
Tensor.to = _to
Tensor.backward = _backward
Tensor.__repr__ = Tensor.__str__ = tensor_repr
