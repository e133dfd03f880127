"""Indexing: basic (views), advanced (copies), setitem, gather/scatter, index_select, masks, split/chunk.

Repeated advanced indices accumulate in backward (``x[[0, 0]]`` sends 2x the gradient to x[0]);
setitem with repeated indices is last-write-wins, ``index_put_(..., accumulate=True)`` adds.
"""
from __future__ import annotations

import functools
import numbers
import re

from .._warn import warn_user
from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import state as _grad_state
from ..backends.numpy_backend import NumpyBackend
from ..tensor import Tensor
from ._queries import aliases
from ._util import (broadcast_shapes, checked_scalar, expect_tensor, integer_range, is_scalar, scalar_tensor,
                    tensor_op, wrap_dim, zeros_like_tensor)
from .creation import tensor
from .elementwise import where
from .gradients import filled, zeros
from .movement import Pad, _int_arg, _mark_multi_view, cat, stack


def _index_array(value, device):
    backend = device.backend
    if isinstance(value, Tensor):
        if value.dtype not in (_dt.int64, _dt.int32, _dt.uint8, _dt.bool_):  # int8, int16 too
            raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors (got "
                             f"{value.dtype.name})")
        value = _byte_as_bool(value)
        if value.device is not device:
            value = value.to(device)
        return value._array
    import numpy as np  # host-side conversion of a Python index list, before it reaches a device
    host = np.asarray(value)
    if host.dtype.kind not in "iub":
        if host.size == 0:
            host = host.astype(np.int64)
        else:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return backend.from_host(host, _dt.bool_ if host.dtype.kind == "b" else _dt.int64)


def _byte_as_bool(mask: Tensor) -> Tensor:
    """PyTorch indexes with a uint8 tensor as with the bool mask ``!= 0`` (and warns)."""
    if mask.dtype is not _dt.uint8:
        return mask
    warn_user("indexing with dtype uint8 is now deprecated, please use a dtype bool instead.")
    return mask != 0


def normalize_key(x: Tensor, key):
    """(key as a tuple the backend understands, whether it is basic indexing only)."""
    if not isinstance(key, tuple):
        key = (key,)
    out, basic = [], True
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, slice):
            if isinstance(k, slice) and any(isinstance(v, Tensor) for v in (k.start, k.stop, k.step)):
                k = slice(*(int(v) if isinstance(v, Tensor) else v for v in (k.start, k.stop, k.step)))
            if isinstance(k, slice) and k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
        elif isinstance(k, bool):
            out.append(k)
            basic = False
        elif isinstance(k, numbers.Integral):
            out.append(int(k))
        elif isinstance(k, Tensor) and k.ndim == 0 and k.dtype in (_dt.bool_, _dt.uint8):
            out.append(bool(_byte_as_bool(k).item()))  # a 0-dim mask acts as a Python bool
            basic = False
        elif isinstance(k, Tensor) and k.ndim == 0 and k.dtype in (_dt.int64, _dt.int32):
            out.append(int(k.item()))  # PyTorch treats a 0-dim integer tensor as an int (a select)
        elif isinstance(k, (Tensor, list, tuple, range)) or hasattr(k, "__array__"):
            out.append(_index_array(k, x.device))
            basic = False
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                             f"Variables are valid indices (got {type(k).__name__})")
    return (tuple(out) if basic else _expand_ellipsis(tuple(out), x.ndim)), basic


def _expand_ellipsis(key: tuple, ndim: int) -> tuple:
    """``key`` with its Ellipsis written out as the slices it stands for. PyTorch judges whether
    index tensors are adjacent over dims, NumPy over the key's items: an Ellipsis that spans no
    dim separates them for NumPy only (x of shape (2, 3, 4): ``x[:, [0], ..., [0]]`` is (2, 1)
    in PyTorch, (1, 2) in NumPy). Keys with no or several Ellipses are left to the backend."""
    at = [i for i, k in enumerate(key) if k is Ellipsis]  # `is`: index arrays have no truth value
    if len(at) != 1:
        return key
    consumed = sum(0 if k is None or k is Ellipsis or isinstance(k, bool)
                   else k.ndim if _is_advanced(k) and k.dtype.kind == "b" else 1 for k in key)
    if consumed > ndim:
        return key  # too many indices: the backend raises PyTorch's error
    at = at[0]
    return key[:at] + (slice(None),) * (ndim - consumed) + key[at + 1:]


class TwoStepKey(tuple):
    """A key that PyTorch applies in two steps: ``select`` (integers, and new axes for Python
    bools: basic indexing, a view) then ``advanced`` on that view. NumPy would count an integer
    among the advanced indices, which moves the result dims: for x of shape (2, 3, 4),
    ``x[0, :, [0, 1]]`` is (3, 2) in PyTorch but (2, 3) in NumPy."""

    @property
    def select(self):
        return self[0]

    @property
    def advanced(self):
        return self[1]


def _is_advanced(k) -> bool:
    return not (k is None or k is Ellipsis or isinstance(k, (slice, int)))


def _one_run(key: tuple) -> bool:
    """Whether the ints and index arrays of ``key`` are adjacent (no slice, None or Ellipsis
    between them): then NumPy's rule already gives PyTorch's result."""
    positions = [i for i, k in enumerate(key) if isinstance(k, int) or _is_advanced(k)]
    return positions[-1] - positions[0] + 1 == len(positions)


def pytorch_order(key: tuple, device) -> tuple:
    """``key`` unchanged when NumPy's rule gives PyTorch's result, else a TwoStepKey.

    PyTorch first applies integers as selects and turns each Python bool into a new axis of size
    1 indexed by [0] (True) or [] (False); only then does it apply the index tensors, so integers
    never join (or separate) the advanced indices. NumPy agrees when there is no bool and the
    integers and index arrays form one run: ``x[0, idx]`` stays one Index."""
    has_bool = any(isinstance(k, bool) for k in key)
    if not has_bool and (not any(isinstance(k, int) for k in key) or _one_run(key)):
        return key
    select, advanced = [], []
    for k in key:
        if isinstance(k, bool):
            select.append(None)
            advanced.append(device.backend.full((1 if k else 0,), 0, _dt.int64))
        elif isinstance(k, int):
            select.append(k)
        elif k is None:
            advanced.append(None)
        elif k is Ellipsis:
            select.append(k)
            advanced.append(k)
        else:  # a slice or an index array (a bool mask covers as many dims as it has)
            select.extend([slice(None)] * (k.ndim if _is_advanced(k) and k.dtype.kind == "b" else 1))
            advanced.append(k)
    return TwoStepKey((tuple(select), tuple(advanced)))


def _index_put_data(backend, target, key, values, accumulate) -> None:
    """backend.index_put, writing through the select view first for a TwoStepKey."""
    if isinstance(key, TwoStepKey):
        target, key = backend.getitem(target, key.select), key.advanced
    backend.index_put(target, key, values, accumulate, describe=_pytorch_index_error)


def _pytorch_index_error(error: IndexError) -> IndexError:
    message = re.sub(r"\baxis\b", "dimension", str(error))
    if "array is 0-dimensional" in message:
        message = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python to convert a 0-dim "
                   "tensor to a number")
    else:
        message = re.sub(r"too many indices for array: array is (\d+)-dimensional, but (\d+) were indexed",
                         r"too many indices for tensor of dimension \1 (got \2)", message)
    return IndexError(message)


class Slice(Function):
    """Basic indexing (ints, slices, None, Ellipsis): a view."""

    _primitive = True
    _is_view = True

    @staticmethod
    def forward(ctx, x, key):
        ctx.x_shape, ctx.key = x._array.shape, key
        try:
            return x.device.backend.getitem(x._array, key)
        except IndexError as error:
            raise _pytorch_index_error(error) from None

    @staticmethod
    def backward(ctx, grad):
        return IndexAddInto.apply(grad, ctx.x_shape, ctx.key), None


class Index(Function):
    """Advanced indexing (integer/bool tensors or lists): a copy."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, key):
        ctx.x_shape, ctx.key = x._array.shape, key
        try:
            return x.device.backend.getitem(x._array, key, describe=_pytorch_index_error)
        except IndexError as error:
            raise _pytorch_index_error(error) from None
        except ValueError as error:  # index shapes that do not broadcast (OpenCL's planner)
            raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together "
                             f"({error})") from None

    @staticmethod
    def backward(ctx, grad):
        return IndexAddInto.apply(grad, ctx.x_shape, ctx.key), None


def _select(grad, key):
    if isinstance(key, TwoStepKey):
        return Index.apply(Slice.apply(grad, key.select), key.advanced)
    basic = all(k is None or k is Ellipsis or isinstance(k, (slice, int)) for k in key)
    return (Slice if basic else Index).apply(grad, key)


class IndexAddInto(Function):
    """zeros(shape) with ``values`` added at ``key`` (repeated indices accumulate): the backward
    of indexing, and differentiable itself (its backward is indexing again)."""

    _primitive = True

    @staticmethod
    def forward(ctx, values, shape, key):
        ctx.key = key
        backend = values.device.backend
        out = backend.full(shape, 0, values.dtype)
        backend.index_put(out, key, values._array, True)
        return out

    @staticmethod
    def backward(ctx, grad):
        return _select(grad, ctx.key), None, None


class IndexPut(Function):
    """Out-of-place ``x[key] = values`` (or ``+=`` with accumulate); the value of a setitem."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, key, values, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
        backend = x.device.backend
        out = backend.copy(x._array)
        try:
            _index_put_data(backend, out, key, values._array, accumulate)
        except IndexError as error:
            raise _pytorch_index_error(error) from None
        except ValueError as error:
            raise RuntimeError(f"shape mismatch in setitem: value tensor of shape "
                               f"{list(values._array.shape)} cannot be broadcast to the indexed "
                               f"region ({error})") from None
        return out

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        grad_x = grad_values = None
        if needs[0]:
            grad_x = grad if ctx.accumulate else \
                IndexPut.apply(grad, ctx.key, scalar_tensor(0, grad.dtype, grad.device), False)
        if needs[2]:
            grad_values = _select(grad, ctx.key)
        return grad_x, None, grad_values, None


def _leading(shape, skip=None):
    """The basic-index key of the leading block of ``shape`` (every dim but ``skip``)."""
    return tuple(slice(None) if d == skip else slice(0, n) for d, n in enumerate(shape))


def _index_range_error(op: str, error: IndexError):
    """The backend's "index i is out of bounds for axis d with size n" (a gather or scatter
    index, never wrapped) as PyTorch words it: RuntimeError, IndexError for index_select and
    embedding.
    Any other IndexError is returned unchanged."""
    if not re.search(r"out of bounds for axis \d+ with size", str(error)):
        return error
    detail = re.sub(r"\baxis\b", "dimension", str(error))
    message = (f"{op}(): {detail}; {op} takes indices in [0, size) (negative indices are not "
               f"counted from the end)")
    if op in ("index_select", "embedding", "index_add_", "index_reduce_"):  # PyTorch's IndexError text first
        return IndexError(f"index out of range in self: {message}")
    return IndexError(message) if op in ("index_copy_", "index_fill_") else RuntimeError(message)


def _target_error(error: IndexError):
    """A class target out of range (nll_loss, cross_entropy), in PyTorch's words."""
    found = re.match(r"index (-?\d+) is out of bounds", str(error))
    return IndexError(f"Target {found.group(1)} is out of bounds.") if found else error


def _masked_scatter_error(error: IndexError):
    return RuntimeError("masked_scatter(): Number of elements of source < number of ones in mask; give "
                        "source at least as many elements as mask has True entries")


@functools.lru_cache(maxsize=None)
def range_error_for(op: str):
    """How ``op`` words an index out of range: a function IndexError -> exception, one per op
    for the process (a device registers each such function once, then reports it by code).

    Example: ``range_error_for("gather")(IndexError("index 5 is out of bounds for axis 0 with
    size 3"))`` is a RuntimeError starting "gather(): index 5 is out of bounds for dimension 0"."""
    if op == "nll_loss":
        return _target_error
    if op == "masked_scatter":  # its gather reads past the source: too few source elements
        return _masked_scatter_error
    return functools.partial(_index_range_error, op)


class Gather(Function):
    """out[i][j] = x[index[i][j]][j] (dim 0): reads only x's block of the index's extent in the
    dims other than ``dim`` (the index may be smaller than x there). The backend range-checks
    the index; ``op`` names the public op in that error (raised at once on the NumPy backend,
    at the next sync on OpenCL). An index equal to ``ignore`` (an int, or None) reads 0 and
    gets no gradient (nll_loss's ignore_index)."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, dim, index, op, ignore=None):
        ctx.x_shape, ctx.dim = x._array.shape, dim
        ctx.index, ctx.ignore = index, ignore
        backend = x.device.backend
        data = x._array
        if any(i < n for d, (i, n) in enumerate(zip(index._array.shape, data.shape)) if d != dim):
            data = backend.getitem(data, _leading(index._array.shape, skip=dim))
        describe = range_error_for(op)
        try:
            return backend.gather(data, dim, index._array, ignore, describe)
        except IndexError as error:
            raise describe(error) from None

    @staticmethod
    def backward(ctx, grad):
        blank = zeros(ctx.x_shape, grad.dtype, grad.device)  # private: scattered into, not copied
        return Scatter.apply(blank, ctx.dim, ctx.index, grad, True, ctx.ignore, None, True), None, None, None, None


class Scatter(Function):
    """Out-of-place scatter (accumulate=True: scatter_add) of a tensor ``src`` along dim. Only
    the index's extent is touched: src[i][j] for i, j inside index.shape goes to
    x[index[i][j]][j] (dim 0); src and x may be larger than the index in every dim. An index
    equal to ``ignore`` (an int, or None) writes nothing. ``into``: write into x's own buffer (x a
    fresh tensor no one else holds, e.g. a gather's backward's zeros) instead of a copy."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, dim, index, src, accumulate, ignore=None, op=None, into=False):
        ctx.dim, ctx.index, ctx.accumulate, ctx.ignore = dim, index, accumulate, ignore
        ctx.src_shape = src._array.shape
        backend = x.device.backend
        data = src._array
        if data.ndim and data.shape != index._array.shape:
            data = backend.getitem(data, _leading(index._array.shape))
        describe = range_error_for(op or ("scatter_add" if accumulate else "scatter"))
        try:
            return backend.scatter(x._array, dim, index._array, data, accumulate, ignore, describe, into)
        except IndexError as error:
            raise describe(error) from None

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        grad_x = grad_src = None
        if needs[0]:
            grad_x = grad if ctx.accumulate else Scatter.apply(
                grad, ctx.dim, ctx.index, scalar_tensor(0, grad.dtype, grad.device), False, ctx.ignore)
        if needs[3]:
            grad_src = Gather.apply(grad, ctx.dim, ctx.index, "gather", ctx.ignore)
            if not ctx.src_shape:  # a 0-dim src was broadcast over the index
                grad_src = grad_src.sum()
            elif grad_src._array.shape != ctx.src_shape:  # src beyond the index's extent got nothing
                widths = tuple((0, s - i) for s, i in zip(ctx.src_shape, grad_src._array.shape))
                grad_src = Pad.apply(grad_src, widths, 0.0)
        return grad_x, None, None, grad_src, None, None, None, None


def reduction_identity(reduce: str, dtype):
    """The value a reduction starts from: what scatter_reduce(include_self=False) writes first."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod" or dtype is _dt.bool_:
        return reduce != "amax"  # bool: amax is "or" (starts False), prod and amin are "and"
    if dtype.is_floating_point:
        return float("-inf") if reduce == "amax" else float("inf")
    low, high = integer_range(dtype)
    return low if reduce == "amax" else high


class ScatterReduce(Function):
    """x with each element of src (index's shape) combined into x at index along dim by
    "prod", "amax" or "amin"; with include_self False the positions index names start from
    the reduction's identity instead of x. Backward: PyTorch's formulas (prod divides by the
    factor, with exclusive products where factors are 0; amax and amin share the gradient
    evenly among the tied elements), written in Tensor ops so that they differentiate again."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self, op="scatter_reduce"):
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        ctx.save_for_backward(x, src)
        backend = x.device.backend
        describe = range_error_for(op)
        data = x._array
        try:
            if not include_self:
                data = backend.scatter(data, dim, index._array, reduction_identity(reduce, x.dtype), False,
                                       None, describe)
            return backend.scatter_reduce(data, dim, index._array, src._array, reduce, describe)
        except IndexError as error:
            raise describe(error) from None

    @staticmethod
    def backward(ctx, grad):
        x, src = ctx.saved_tensors
        args = (ctx.dim, ctx.index, ctx.reduce, ctx.include_self)
        result = ScatterReduce.apply(x, ctx.dim, ctx.index, src, ctx.reduce, ctx.include_self)
        grads = _prod_grads if ctx.reduce == "prod" else _extremum_grads
        grad_x, grad_src = grads(grad, x, src, result, *args)
        if not ctx.include_self:  # x's values at the scattered positions were not used
            grad_x = Scatter.apply(grad_x, ctx.dim, ctx.index, scalar_tensor(0, grad.dtype, grad.device), False)
        return grad_x, None, None, grad_src, None, None, None


def _prod_grads(grad, x, src, result, dim, index, reduce, include_self):
    """d prod / d factor = the product of the other factors: result / factor, computed as an
    exclusive product where the factor is 0 (PyTorch's scatter_reduce_backward)."""
    one = scalar_tensor(1, x.dtype, x.device)
    masked_x = where(x == 0, one, x)
    grad_x = grad * ScatterReduce.apply(masked_x, dim, index, src, reduce, include_self) / masked_x
    src_zero = src == 0
    zero_counts = Scatter.apply(zeros_like_tensor(x), dim, index, src_zero.to(x.dtype), True)
    single_zero = src_zero & (Gather.apply(zero_counts, dim, index, "gather") == 1)
    masked_src_result = ScatterReduce.apply(x, dim, index, where(single_zero, one, src), reduce, include_self)
    grad_src = where(single_zero, Gather.apply(grad * masked_src_result, dim, index, "gather"),
                     Gather.apply(grad * result, dim, index, "gather") / where(src_zero, one, src))
    return grad_x, grad_src


def _extremum_grads(grad, x, src, result, dim, index, reduce, include_self):
    """The gradient of each position split evenly among the elements equal to its result
    (multiplied by the 0/1 masks, as PyTorch: a NaN result, equal to nothing, gives NaN)."""
    x_is_result = (x == result).to(grad.dtype)
    src_is_result = (src == Gather.apply(result, dim, index, "gather")).to(grad.dtype)
    shared = grad / Scatter.apply(x_is_result, dim, index, src_is_result, True)
    return x_is_result * shared, src_is_result * Gather.apply(shared, dim, index, "gather")


# -- functional API ------------------------------------------------------------------------
@tensor_op
def getitem(input: Tensor, key) -> Tensor:
    """``x[key]``: ints, slices (with step), None, Ellipsis give a view; integer/bool tensors or
    lists give a copy whose backward accumulates repeated indices.

    Shapes: basic keys drop an int's dim, keep a slice's (shortened), add None's; index tensors
    of shape I replace the dims they index by I.

    Example:
    >>> x = tl.arange(12).reshape(3, 4)
    >>> x[1]
    tensor([4, 5, 6, 7])
    >>> x[:, 1:3].shape
    tensorlite.Size([3, 2])
    >>> x[tl.tensor([0, 2]), -1]
    tensor([ 3, 11])
    >>> x[x > 9]
    tensor([10, 11])
    """
    key, basic = normalize_key(input, key)
    if basic:
        return Slice.apply(input, key)
    key = pytorch_order(key, input.device)
    if isinstance(key, TwoStepKey):
        return Index.apply(Slice.apply(input, key.select), key.advanced)
    return Index.apply(input, key)


def rows_at(tensors, indices) -> tuple:
    """``tuple(t[tensor(indices)] for t in tensors)``: the rows at ``indices`` (a list of B row
    numbers, negative ones counted from the end) of tensors sharing their first dimension; what
    a DataLoader's batch of a TensorDataset is. CPU tensors that do not require grad are
    gathered by one NumPy take each, without the autograd and key-normalising path (a fit step
    costs ~10 us less); the others, and bad indices (for the error), go through indexing.

    Shapes: tensors (N, *) each, B indices -> tensors (B, *) each.

    Example:
    >>> from tensorlite.ops.indexing import rows_at
    >>> rows_at((tl.arange(6.).reshape(3, 2), tl.tensor([7, 8, 9])), [2, 0])
    (tensor([[4., 5.],
            [0., 1.]]), tensor([9, 7]))
    """
    import numpy as np  # host-side conversion of the Python index list
    host = np.asarray(indices, dtype=np.int64)
    out = []
    for t in tensors:
        if t._requires_grad or type(t.device.backend) is not NumpyBackend:
            out.append(getitem(t, tensor(host)))
            continue
        try:
            out.append(Tensor._make(t._array.take(host, axis=0), t.device, False, None, 0))
        except IndexError:  # out of range: indexing words the error as PyTorch does
            out.append(getitem(t, tensor(host)))
    return tuple(out)


@tensor_op
def setitem(input: Tensor, key, value) -> None:
    """``x[key] = value`` in place; on a tensor in the graph the write is differentiable.
    A tensor value of another dtype is converted, as ``copy_`` does, when the key is basic or a
    boolean mask with one value; other advanced keys need the same dtype (PyTorch's index_put).

    Example:
    >>> x = tl.zeros(2, 3)
    >>> x[0, 1:] = 5.
    >>> x[:, 0] = tl.tensor([1., 2.])
    >>> x
    tensor([[1., 5., 5.],
            [2., 0., 0.]])
    """
    _refuse_byte_mask_fill(key, value)
    if isinstance(value, Tensor) and value.dtype is not input.dtype:
        mask_fill = isinstance(key, Tensor) and key.dtype is _dt.bool_ and key.ndim and value.numel() == 1
        if not (mask_fill or normalize_key(input, key)[1]):
            _check_values_dtype("setitem", input, value)
        value = value.to(input.dtype)
    key, basic = normalize_key(input, key)
    _put(input, key if basic else pytorch_order(key, input.device), value, accumulate=False,
         op_name="setitem")


def _refuse_byte_mask_fill(key, value, zero_dim_masks: bool = False) -> None:
    """PyTorch writes one value through one mask index (after integer selects) with
    masked_fill_, which refuses a uint8 mask that indexing itself would accept (with a warning):
    ``x[byte_mask] = 1.`` raises, ``x[byte_mask] = values`` does not. A 0-dim mask counts only
    for index_put (``x[mask] = v`` takes it as a Python bool)."""
    items = key if isinstance(key, tuple) else (key,)
    tensors = [k for k in items if isinstance(k, Tensor) and (k.ndim or zero_dim_masks)]
    if len(tensors) != 1 or tensors[0].dtype is not _dt.uint8:
        return
    before = items[:next(i for i, k in enumerate(items) if k is tensors[0])]
    one_value = not isinstance(value, Tensor) or value.numel() == 1
    if one_value and all(isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in before):
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char "
                           "(one value written through a uint8 mask; index with mask.bool())")


def _put(input, key, value, accumulate, op_name):
    value_requires = isinstance(value, Tensor) and value._requires_grad
    record = _grad_state.enabled and (input._requires_grad or value_requires)
    input._check_inplace(op_name)
    backend = input.device.backend
    value = checked_scalar(op_name, value, input.dtype, floats=op_name == "fill_")  # x[k] = 1e5 gives inf
    if isinstance(value, Tensor):
        if value.device is not input.device:
            value = value.to(input.device)
        if not _dt.can_cast(value.dtype, input.dtype):
            raise RuntimeError(f"{op_name}: result type {value.dtype.scalar_name} can't be cast "
                               f"to the desired output type {input.dtype.scalar_name}")
    if not record:
        data = value._array if isinstance(value, Tensor) else value
        if isinstance(value, Tensor) and value._array.dtype != input._array.dtype:
            data = backend.cast(data, input.dtype)
        try:
            _index_put_data(backend, input._array, key, data, accumulate)
        except IndexError as error:
            raise _pytorch_index_error(error) from None
        except ValueError as error:
            raise RuntimeError(f"{op_name}: {error} (value shape "
                               f"{list(getattr(value, 'shape', ()))}, tensor shape {list(input.shape)})") from None
        input._bump_version()
        return
    if not isinstance(value, Tensor):
        value = scalar_tensor(value, input.dtype, input.device)
    elif value.dtype is not input.dtype:
        value = value.to(input.dtype)
    result = IndexPut.apply(input, key, value, accumulate)
    input._write_result(result, op_name)


@tensor_op
def index_put_(input: Tensor, indices, values, accumulate: bool = False):
    """``input[indices] = values`` in place; with accumulate, repeated indices add up.

    Shapes: indices, a tuple of k integer tensors of a common (broadcast) shape I, select the
    entries of the first k dims; values broadcast to I + input.shape[k:].

    Example:
    >>> x = tl.zeros(4)
    >>> x.index_put_((tl.tensor([0, 2, 2]),), tl.tensor(1.), accumulate=True)
    tensor([1., 0., 2., 0.])
    """
    _check_values_dtype("index_put_", input, values)
    key = _index_put_key(input, indices, values, accumulate)
    _put(input, key, values, accumulate, "index_put_")
    return input


@tensor_op
def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """Out-of-place index_put_.

    Shapes: as index_put_; the result has input's shape.

    Example:
    >>> x = tl.zeros(2, 2)
    >>> tl.index_put(x, (tl.tensor([0, 1]), tl.tensor([1, 0])), tl.tensor([5., 6.]))
    tensor([[0., 5.],
            [6., 0.]])
    >>> x.sum()
    tensor(0.)
    """
    _check_values_dtype("index_put", input, values)
    key = _index_put_key(input, indices, values, accumulate)
    if not isinstance(values, Tensor):
        values = scalar_tensor(checked_scalar("index_put", values, input.dtype), input.dtype, input.device)
    return IndexPut.apply(input, key, values.to(input.dtype), accumulate)


def _index_put_key(input, indices, values, accumulate):
    """index_put's key: unlike ``x[i] = v``, every index tensor takes a dim of a 0-dim input
    (a 0-dim bool or integer tensor too), so a 0-dim input refuses any index."""
    indices = tuple(indices)
    if input.ndim == 0 and indices:
        raise IndexError(f"too many indices for tensor of dimension 0 (got {len(indices)})")
    if not accumulate and len(indices) == 1:
        _refuse_byte_mask_fill(indices, values, zero_dim_masks=True)
    return normalize_key(input, indices)[0]


def _check_values_dtype(op, input, values):
    """index_put casts no tensor values (PyTorch raises; ``x[i] = values`` does cast)."""
    if isinstance(values, Tensor) and values.dtype is not input.dtype:
        raise RuntimeError(f"{op}(): Index put requires the source and destination dtypes match, got "
                           f"{input.dtype.name} for the destination and {values.dtype.name} for the "
                           f"source; cast values with .to({input.dtype.name}) or use x[indices] = values")


def _check_index(input, index, op):
    if not isinstance(index, Tensor) or index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as input tensor "
                           f"({op}: index has {index.ndim}, input has {input.ndim})")


@tensor_op
def gather(input: Tensor, dim: int, index) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for dim=0 (and likewise for other dims); every index
    must lie in [0, input.shape[dim]) (the backend checks it: RuntimeError otherwise).

    Shapes: input (d_0, ..., d_{n-1}), index (i_0, ..., i_{n-1}) with i_k <= d_k for k != dim
    -> (i_0, ..., i_{n-1}).

    Example:
    >>> x = tl.tensor([[1, 2], [3, 4]])
    >>> tl.gather(x, 1, tl.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    >>> x.gather(0, tl.tensor([[1, 1]]))
    tensor([[3, 4]])
    """
    _check_index(input, index, "gather")
    axis = wrap_dim(dim, input.ndim, op="gather")
    if input.ndim == 0 or index.ndim == 0:  # 0-dim operands gather like 1-element vectors
        return gather(input.reshape(-1), 0, index.reshape(-1)).reshape(index.shape)
    for d, (i, s) in enumerate(zip(index._array.shape, input._array.shape)):
        if d != axis and i > s:
            raise RuntimeError(f"Size does not match at dimension {d} expected index "
                               f"{list(index._array.shape)} to be no larger than self "
                               f"{list(input._array.shape)} apart from dimension {axis}")
    return Gather.apply(input, axis, index.long(), "gather")


def _scatter(input, dim, index, src, accumulate, op):
    _check_index(input, index, op)
    axis = wrap_dim(dim, input.ndim, op=op)
    if not isinstance(src, Tensor):
        src = scalar_tensor(src, input.dtype, input.device)
    elif src.dtype is not input.dtype:  # PyTorch converts a number, never a tensor
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype ({op} got self "
                           f"{input.dtype.name}, src {src.dtype.name}; convert src with .to())")
    return Scatter.apply(input, axis, index.long(), src, accumulate)


def _scatter_checked(input, dim, index, src, accumulate, op):
    """scatter / scatter_add after PyTorch's shape rules; 0-dim input and index count as
    1-element vectors (as in gather)."""
    if isinstance(input, Tensor) and isinstance(index, Tensor):
        _check_scatter_shapes(input, wrap_dim(dim, input.ndim, op=op), index, src, op)
        if (input.ndim == 0 or index.ndim == 0) and index.ndim <= 1:
            flat = _scatter(input.reshape(-1), 0, index.reshape(-1), src, accumulate, op)
            return flat.reshape(input.shape)
    return _scatter(input, dim, index, src, accumulate, op)


def _nonempty_size(t, d, op):
    """t.shape[d], a 0-dim tensor counting as shape (1,); PyTorch raises IndexError past the rank."""
    if t.ndim == 0:
        return 1
    if d >= t.ndim:
        raise IndexError(f"{op}(): Dimension out of range (expected to be in range of "
                         f"[{-t.ndim}, {t.ndim - 1}], but got {d})")
    return t._array.shape[d]


def _check_scatter_shapes(input, axis, index, src, op):
    """PyTorch's scatter shape check, in its order: index has input's rank; index.shape[d] <=
    input.shape[d] apart from dim and <= src.shape[d] everywhere; index has src's rank."""
    if not index.numel():
        return
    rank = max(index.ndim, 1)
    if max(input.ndim, 1) != rank:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as self "
                           f"tensor (index has {index.ndim}, self has {input.ndim})")
    too_big = any(d != axis and _nonempty_size(index, d, op) > _nonempty_size(input, d, op)
                  for d in range(rank))
    if not isinstance(src, Tensor):
        return
    too_big = too_big or any(_nonempty_size(index, d, op) > _nonempty_size(src, d, op)
                             for d in range(rank))
    if max(src.ndim, 1) != rank:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as src "
                           f"tensor (index has {index.ndim}, src has {src.ndim})")
    if too_big:
        raise RuntimeError(f"{op}(): Expected index {list(index._array.shape)} to be no larger than "
                           f"self {list(input._array.shape)} apart from dimension {axis} and to be no "
                           f"larger size than src {list(src._array.shape)}")


@tensor_op
def scatter(input: Tensor, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    """A copy of input with src (or value) written at index along dim.

    Shapes: input (*) -> (*); index and src have the same number of dims as input (src at least
    index's extent).

    Example:
    >>> x = tl.zeros(2, 3)
    >>> tl.scatter(x, 1, tl.tensor([[2], [0]]), tl.tensor([[1.], [2.]]))
    tensor([[0., 0., 1.],
            [2., 0., 0.]])
    >>> x.scatter(0, tl.tensor([[1, 0, 1]]), value=7.)
    tensor([[0., 7., 0.],
            [7., 0., 7.]])
    """
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply. (scatter got reduce={reduce!r}; "
                           f"scatter_reduce has more reductions)")
    source = src if src is not None else value
    if reduce is not None and isinstance(src, Tensor):
        warn_user("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed "
                  "in a future PyTorch release. Use torch.scatter_reduce instead for more reduction options.")
    if reduce != "multiply":
        return _scatter_checked(input, dim, index, source, reduce == "add", "scatter")
    _check_scatter_shapes(input, wrap_dim(dim, input.ndim, op="scatter"), index, source, "scatter")
    if not isinstance(source, Tensor):
        source = scalar_tensor(checked_scalar("scatter", source, input.dtype), input.dtype, input.device)
        source = source.expand(index.shape)
    return scatter_reduce(input, dim, index, source, "prod")


@tensor_op
def scatter_add(input: Tensor, dim: int, index, src) -> Tensor:
    """A copy of input with src added at index along dim (repeated indices accumulate).

    Shapes: input (*) -> (*); index and src as for scatter.

    Example:
    >>> tl.scatter_add(tl.zeros(3), 0, tl.tensor([0, 2, 0]), tl.tensor([1., 2., 3.]))
    tensor([4., 0., 2.])
    """
    return _scatter_checked(input, dim, index, src, True, "scatter_add")


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


@tensor_op
def scatter_reduce(input: Tensor, dim: int, index, src, reduce: str, *, include_self: bool = True) -> Tensor:
    """A copy of input where each src element is reduced into the position index names along
    dim: reduce is "sum", "prod", "mean", "amax" or "amin"; include_self False leaves input's
    value out of the reduction at the positions index names. An integer mean rounds down.
    Gradients: amax/amin share the gradient evenly among tied elements, prod handles zeros.

    Shapes: input (*), index and src with input's number of dims (src at least index's
    extent, only that extent is read) -> input's shape.

    Example:
    >>> x = tl.tensor([1., 2., 3.])
    >>> src, index = tl.tensor([4., 5., 6., 7.]), tl.tensor([0, 0, 2, 2])
    >>> x.scatter_reduce(0, index, src, "amax")
    tensor([5., 2., 7.])
    >>> tl.scatter_reduce(x, 0, index, src, "mean", include_self=False)
    tensor([4.5000, 2.0000, 6.5000])
    """
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    expect_tensor("scatter_reduce", "src", src)
    _check_index(input, index, "scatter_reduce")
    if src.dtype is not input.dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype (scatter_reduce got "
                           f"self {input.dtype.name}, src {src.dtype.name}; convert src with .to())")
    if reduce == "mean" and input.dtype is _dt.bool_:
        raise NotImplementedError("scatter_reduce(): reduce='mean' is not implemented for bool tensors")
    axis = wrap_dim(dim, input.ndim, op="scatter_reduce")
    _check_scatter_shapes(input, axis, index, src, "scatter_reduce")
    return reduce_into(input, axis, index, src, reduce, include_self, "scatter_reduce")


def reduce_into(input, axis, index, src, reduce, include_self, op):
    """scatter_reduce once its arguments are checked; ``op`` names the public op in range
    errors (index_reduce is this with an index spread over the source)."""
    if input.ndim == 0 or index.ndim == 0:  # 0-dim operands count as 1-element vectors
        flat = reduce_into(input.reshape(-1), 0, index.reshape(-1), src.reshape(-1), reduce, include_self, op)
        return flat.reshape(input.shape)
    if src._array.shape != index._array.shape:
        src = Slice.apply(src, _leading(index._array.shape))
    index = index.long().to(input.device)
    if reduce in ("sum", "mean"):
        return _scatter_mean(input, axis, index, src, include_self, reduce == "mean", op)
    return ScatterReduce.apply(input, axis, index, src, reduce, include_self, op)


def _scatter_mean(input, axis, index, src, include_self, mean, op):
    """Sum (or mean: the sum over the count of terms, at least 1) of scatter_reduce, composed
    of scatter and scatter_add."""
    zero = scalar_tensor(0, input.dtype, input.device)
    base = input if include_self else Scatter.apply(input, axis, index, zero, False, None, op)
    total = Scatter.apply(base, axis, index, src, True, None, op)
    if not mean:
        return total
    first = filled(input._array.shape, int(include_self), input.dtype, input.device)
    ones = filled(index._array.shape, 1, input.dtype, input.device)
    count = Scatter.apply(first, axis, index, ones, True)
    count = where(count == 0, scalar_tensor(1, input.dtype, input.device), count)
    return total / count if input.is_floating_point() else total.div(count, rounding_mode="floor")


@tensor_op
def index_select(input: Tensor, dim: int, index) -> Tensor:
    """The entries of ``index`` (1-D integer tensor) along dim.

    Shapes: (..., d, ...) with index (k,) -> (..., k, ...) at dim.

    Example:
    >>> x = tl.tensor([[1, 2, 3], [4, 5, 6]])
    >>> tl.index_select(x, 1, tl.tensor([2, 0]))
    tensor([[3, 1],
            [6, 4]])
    >>> x.index_select(0, tl.tensor([1, 1, 0])).shape
    tensorlite.Size([3, 3])
    """
    axis = wrap_dim(dim, input.ndim, op="index_select")
    expect_tensor("index_select", "index", index)
    if index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"index_select(): Expected dtype int32 or int64 for index, got {index.dtype.name}")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if input.ndim == 0:  # PyTorch treats a 0-dim input as one element; the result stays 0-dim
        if index.numel() != 1:
            raise IndexError(f"index_select(): Index to scalar can have only 1 value, got "
                             f"{index.numel()} value(s)")
        return index_select(input.reshape(1), 0, index).reshape(())
    return take_indices(input, axis, index.reshape(-1) if index.ndim == 0 else index, "index_select")


def take_indices(input: Tensor, axis: int, index: Tensor, op: str) -> Tensor:
    """index_select for an integer ``index`` of any shape (NumPy's ``take``; embedding's rows):
    the result has shape input.shape[:axis] + index.shape + input.shape[axis + 1:]. One gather
    over the index broadcast along the other dims, so the backend refuses an index outside
    [0, input.shape[axis]) with PyTorch's IndexError ("index out of range in self"), naming ``op``.

    Example:
    >>> from tensorlite.ops.indexing import take_indices
    >>> weight = tl.arange(6.).reshape(3, 2)
    >>> take_indices(weight, 0, tl.tensor([[2, 0]]), "embedding")
    tensor([[[4., 5.],
             [0., 1.]]])
    """
    backend, count = input.device.backend, index.numel()
    # the index needs no graph: its broadcast view is made directly
    line = backend.reshape(index.long().to(input.device)._array, _with_size((1,) * input.ndim, axis, count))
    broadcast = backend.broadcast_to(line, _with_size(input._array.shape, axis, count))
    out = Gather.apply(input, axis, Tensor._make(broadcast, input.device, False, None, 0), op)
    shape = input._array.shape[:axis] + tuple(index.shape) + input._array.shape[axis + 1:]
    return out if index.ndim == 1 else out.reshape(shape)


@tensor_op
def masked_fill(input: Tensor, mask, value) -> Tensor:
    """Elements where mask is True replaced by value (mask broadcasts).

    Shapes: input (*), mask broadcastable to (*) -> (*).

    Example:
    >>> x = tl.tensor([[1., 2.], [3., 4.]])
    >>> tl.masked_fill(x, x > 2, 0.)
    tensor([[1., 2.],
            [0., 0.]])
    >>> x.masked_fill(tl.tensor([True, False]), -1.)
    tensor([[-1.,  2.],
            [-1.,  4.]])
    """
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value.ndim} dimension(s).")
    if isinstance(mask, Tensor) and mask.dtype is not _dt.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype.name}")
    if isinstance(value, Tensor):
        value = value.to(input.dtype)
    elif not is_scalar(value):
        raise TypeError(f"masked_fill(): value must be a number or a 0-dim Tensor, got {type(value).__name__}")
    else:
        value = scalar_tensor(checked_scalar("masked_fill", value, input.dtype, floats=True), input.dtype, input.device)
    return where(mask, value, input)


@tensor_op
def masked_select(input: Tensor, mask) -> Tensor:
    """The elements where mask is True, as a 1-D tensor.

    Shapes: input (*), mask broadcastable to (*) -> (k,), k the number of True entries.

    Example:
    >>> x = tl.tensor([[1, 2], [3, 4]])
    >>> tl.masked_select(x, x % 2 == 0)
    tensor([2, 4])
    """
    expect_tensor("masked_select", "mask", mask)
    if mask.dtype is not _dt.bool_:  # indexing would take an integer mask as indices
        raise RuntimeError(f"masked_select: expected BoolTensor for mask (got {mask.dtype.name}; use mask.bool())")
    shape = broadcast_shapes(input._array.shape, mask._array.shape)
    return getitem(input.expand(shape), mask.expand(shape))


@tensor_op
def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of non-zero elements: an (n, ndim) int64 tensor, or a tuple of 1-D tensors.

    A 0-dim input counts as one element: ``tensor(5.).nonzero()`` has shape (1, 0).

    Shapes: (d_0, ..., d_{n-1}) -> (k, n), k the number of non-zero elements.

    Example:
    >>> x = tl.tensor([[0, 3], [4, 0]])
    >>> tl.nonzero(x)
    tensor([[0, 1],
            [1, 0]])
    >>> x.nonzero(as_tuple=True)
    (tensor([0, 1]), tensor([1, 0]))
    """
    if input.ndim == 0:
        (flat,) = nonzero(input.reshape(1), as_tuple=True)
        if as_tuple:
            return (flat,)
        return Tensor._make(input.device.backend.full((flat.numel(), 0), 0, _dt.int64),
                            input.device, False, None, 0)
    parts = input.device.backend.nonzero(input._array)
    tensors = tuple(Tensor._make(p, input.device, False, None, 0) for p in parts)
    if as_tuple:
        return tensors
    if not tensors:
        return Tensor._make(input.device.backend.full((1 if input.numel() else 0, 0), 0, _dt.int64),
                            input.device, False, None, 0)
    return stack(tensors, 1)


@tensor_op
def argwhere(input: Tensor) -> Tensor:
    """Indices of the non-zero elements, one row each (``nonzero(input)``); a 0-dim input gives
    shape (1, 0) when non-zero, (0, 0) when zero.

    Shapes: (d_0, ..., d_{n-1}) -> (k, n) int64.

    Example:
    >>> tl.argwhere(tl.tensor([0., 2., 3.]))
    tensor([[1],
            [2]])
    """
    return nonzero(input)


@tensor_op
def take_along_dim(input: Tensor, indices, dim=None) -> Tensor:
    """gather with broadcasting: input and indices broadcast against each other in every dim
    but ``dim``; with dim None both are flattened. Negative indices count from the end.

    Shapes: input (2, 3), indices (1, 2), dim=1 -> (2, 2).
    Example: ``take_along_dim(arange(6.).reshape(2, 3), tensor([[0, 2]]), 1)`` is
    ``[[0., 2.], [3., 5.]]``.

    Shapes: input and indices broadcast in every dim but ``dim``; the result has indices' size
    at dim.

    Example:
    >>> x = tl.tensor([[10, 30, 20], [60, 40, 50]])
    >>> tl.take_along_dim(x, x.argmax(dim=1, keepdim=True), dim=1)
    tensor([[30],
            [60]])
    >>> tl.take_along_dim(x, tl.tensor([5, 0]))
    tensor([50, 10])
    """
    expect_tensor("take_along_dim", "indices", indices)
    if dim is None:  # a flat gather, which takes int32 indices too (PyTorch's check differs by dim)
        if indices.dtype not in (_dt.int64, _dt.int32):
            raise RuntimeError("gather(): Expected dtype int32/int64 for index (take_along_dim without dim)")
        input, indices, axis = input.reshape(-1), indices.reshape(-1), 0
    else:
        if indices.dtype is not _dt.int64:
            raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                               f"{indices.dtype.scalar_name}")
        if input.ndim != indices.ndim:
            raise RuntimeError(f"take_along_dim(): input and indices should have the same number of "
                               f"dimensions, but got {input.ndim} dimensions for input, and "
                               f"{indices.ndim} dimensions for indices")
        axis = wrap_dim(dim, input.ndim, op="take_along_dim")
        outer = broadcast_shapes(_with_size(input._array.shape, axis, 1), _with_size(indices._array.shape, axis, 1))
        input = input.expand(_with_size(outer, axis, input._array.shape[axis]))
        indices = indices.expand(_with_size(outer, axis, indices._array.shape[axis]))
    size = input._array.shape[axis] if input.ndim else 1
    indices = indices.long()
    return gather(input, axis, indices + (indices < 0).long() * size)


def _with_size(shape, axis, size):
    return tuple(size if d == axis else n for d, n in enumerate(shape)) if shape else shape


@tensor_op
def split(input: Tensor, split_size_or_sections, dim: int = 0):
    """Views of consecutive pieces: of size ``split_size`` (the last may be smaller), or of the
    listed sizes. The pieces cannot be modified in place while they require grad.

    Shapes: (n, *rest) -> pieces (s_i, *rest) along dim (0 here), as a tuple.

    Example:
    >>> x = tl.arange(5)
    >>> tl.split(x, 2)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    >>> [t.shape for t in tl.zeros(2, 6).split([1, 5], dim=1)]
    [tensorlite.Size([2, 1]), tensorlite.Size([2, 5])]
    """
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor (got a 0-dim tensor)")
    axis = wrap_dim(dim, input.ndim, op="split")
    n = input._array.shape[axis]
    if isinstance(split_size_or_sections, (numbers.Integral, Tensor)):
        size = _int_arg("split", "split_size", split_size_or_sections)
        if size <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        # an empty dim still gives one (empty) piece, as in PyTorch
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size and n else [0]
        name = "SplitBackward0"
    else:
        if not isinstance(split_size_or_sections, (list, tuple)):
            raise TypeError(f"split(): split_size_or_sections must be an int or a list of ints, got "
                            f"{type(split_size_or_sections).__name__}")
        sizes = [_int_arg("split", "split_sizes", s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                               f"tensor's size at dimension {axis}), but got split_sizes={sizes}")
        name = "SplitWithSizesBackward0"
    lead = (slice(None),) * axis
    keys, start = [], 0
    for s in sizes:
        keys.append(lead + (slice(start, start + s),))
        start += s
    node_cls = SplitWithSizes if name == "SplitWithSizesBackward0" else Split
    return _mark_multi_view(_as_views(node_cls.apply(input, keys, axis), input, keys), name)


def _as_views(pieces, input: Tensor, keys) -> tuple:
    """Make split's outputs views of input, each with the slice it is as its view chain (what an
    in-place write to the base replays)."""
    for piece, key in zip(pieces, keys):
        if aliases(piece, input):
            piece._become_view_of(input, Slice, (key,), {})
    return pieces


class Split(Function):
    """split/chunk as one node with an output per piece (not one slice node per piece): backward
    is one cat of the pieces' gradients, where a slice per piece would give each a zero buffer
    of the input's size and the engine would add them all."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, keys, axis):
        ctx.axis = axis
        getitem = x.device.backend.getitem
        return tuple(getitem(x._array, key) for key in keys)

    @staticmethod
    def backward(ctx, *grads):  # missing gradients arrive as zeros (materialize_grads)
        return cat(grads, ctx.axis), None, None


class SplitWithSizes(Split):
    """split with a list of sizes: PyTorch names its node SplitWithSizesBackward0."""


@tensor_op
def chunk(input: Tensor, chunks: int, dim: int = 0):
    """Split into ``chunks`` pieces of size ceil(n / chunks) (fewer if n is small).

    Shapes: (n, *rest) -> a tuple of at most ``chunks`` pieces (ceil(n / chunks), *rest) along dim.

    Example:
    >>> tl.chunk(tl.arange(5), 3)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    >>> len(tl.zeros(4, 2).chunk(4))
    4
    """
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor (got a 0-dim tensor)")
    chunks = _int_arg("chunk", "chunks", chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._array.shape[wrap_dim(dim, input.ndim, op="chunk")]
    if n == 0:  # PyTorch: ``chunks`` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)
