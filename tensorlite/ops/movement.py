"""Movement ops: reshape/view, permute, expand, flip, pad, cat, and the compositions built on
them (transpose, squeeze, unsqueeze, flatten, repeat, stack, unbind, tril, triu; split and chunk are in
indexing.py: their pieces are slices).

Reshape, permute and expand (and basic indexing, in ``indexing.py``) return views that share
storage and the version counter with their input, as in PyTorch.
"""
from __future__ import annotations

import math
import numbers
from typing import Sequence

from .._warn import warn_user
from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import expect_tensor, promote, scalar_tensor, sum_to_shape, tensor_op, wrap_dim, wrap_dims
from .creation import arange, tensor as _tensor
from .elementwise import where


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if len(shape) == 1 and hasattr(shape[0], "__len__") and not isinstance(shape[0], Tensor):
        shape = tuple(shape[0])
    if all(type(s) is int for s in shape):  # the common case
        return tuple(shape)
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (numbers.Integral, Tensor)):
            raise TypeError(f"a shape must be a sequence of ints, but {s!r} ({type(s).__name__}) is in "
                            f"{tuple(shape)!r}")
    return tuple(int(s) for s in shape)


def infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one -1 in a reshape target; PyTorch's errors for a bad target.

    Example:
    >>> from tensorlite.ops.movement import infer_shape
    >>> infer_shape((2, -1), 6)
    (2, 3)
    """
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"invalid shape dimension {min(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:unknown[0]] + (numel // known,) + shape[unknown[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Function):
    _primitive = True
    _is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.x_shape = x._array.shape
        return x.device.backend.reshape(x._array, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.x_shape), None


class View(Reshape):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.x_shape = x._array.shape
        try:
            return x.device.backend.view(x._array, shape)
        except ValueError:
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride (at least one "
                f"dimension spans across two contiguous subspaces): cannot view shape "
                f"{list(x._array.shape)} as {list(shape)}. Use .reshape(...) instead.") from None


class Permute(Function):
    _primitive = True
    _is_view = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.device.backend.permute(x._array, axes)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.axes)
        for i, a in enumerate(ctx.axes):
            inverse[a] = i
        return grad.permute(tuple(inverse)), None


class Expand(Function):
    _primitive = True
    _is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.x_shape = x._array.shape
        return x.device.backend.broadcast_to(x._array, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to_shape(grad, ctx.x_shape), None


class Clone(Function):
    _primitive = True

    @staticmethod
    def forward(ctx, x):
        return x.device.backend.copy(x._array)

    @staticmethod
    def backward(ctx, grad):
        return grad


class Flip(Function):
    _primitive = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.device.backend.flip(x._array, axes)

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.axes), None


class Pad(Function):
    """Constant padding with non-negative widths ((before, after) per axis)."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        return x.device.backend.pad(x._array, widths, value)

    @staticmethod
    def backward(ctx, grad):
        key = tuple(slice(before, grad._array.shape[i] - after) for i, (before, after) in enumerate(ctx.widths))
        return grad[key], None, None


class Cat(Function):
    _primitive = True

    @staticmethod
    def forward(ctx, *tensors, axis, skip=frozenset()):
        # ``skip``: positions of 1-D empty tensors that join the graph (so the result requires
        # grad when they do, as in PyTorch) but not the concatenation (they may not match in rank)
        ctx.axis, ctx.skip = axis, skip
        ctx.sizes = [0 if i in skip else t._array.shape[axis] for i, t in enumerate(tensors)]
        return tensors[0].device.backend.concatenate(
            [t._array for i, t in enumerate(tensors) if i not in skip], axis)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        lead = (slice(None),) * ctx.axis
        for i, size in enumerate(ctx.sizes):
            if i in ctx.skip:
                grads.append(grad.new_zeros((0,)))
                continue
            grads.append(grad[lead + (slice(start, start + size),)])
            start += size
        return tuple(grads)


class Stack(Function):
    """stack as one node (not an unsqueeze per tensor and a cat: clip_grad_norm_ stacks one
    norm per parameter); its backward hands each input its slice of the gradient."""

    _primitive = True

    @staticmethod
    def forward(ctx, *tensors, axis):
        ctx.axis = axis
        backend = tensors[0].device.backend
        shape = tensors[0]._array.shape
        with_axis = shape[:axis] + (1,) + shape[axis:]
        return backend.concatenate([backend.reshape(t._array, with_axis) for t in tensors], axis)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.axis
        return tuple(grad[lead + (i,)] for i in range(grad.shape[ctx.axis]))


# -- functional API ------------------------------------------------------------------------
@tensor_op
def reshape(input: Tensor, *shape) -> Tensor:
    """A tensor with the same data and a new shape (a view when possible); one -1 is inferred.

    Shapes: input (*) -> shape, with the same number of elements.

    Example:
    >>> x = tl.arange(6)
    >>> tl.reshape(x, (2, 3))
    tensor([[0, 1, 2],
            [3, 4, 5]])
    >>> x.reshape(3, -1).shape
    tensorlite.Size([3, 2])
    """
    return Reshape.apply(input, infer_shape(_shape_arg(shape), input.numel()))


@tensor_op
def view(input: Tensor, *shape) -> Tensor:
    """Like reshape, but always a view; raises on a layout that needs a copy.

    Shapes: input (*) -> shape, with the same number of elements.

    Example:
    >>> x = tl.arange(6)
    >>> x.view(2, 3)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    >>> x.view(2, 3).t().view(6)
    Traceback (most recent call last):
        ...
    RuntimeError: view size is not compatible with input tensor's size and stride ...
    """
    if len(shape) == 1 and (isinstance(shape[0], _dt.dtype) or shape[0] in (float, int, bool)):
        raise NotImplementedError("view(dtype) reinterpretation is not supported; use .to(dtype)")
    return View.apply(input, infer_shape(_shape_arg(shape), input.numel()))


@tensor_op
def permute(input: Tensor, *dims) -> Tensor:
    """Reorder dims: ``x.permute(2, 0, 1)``.

    Shapes: input (d_0, ..., d_{n-1}) -> (d_dims[0], ..., d_dims[n-1]).

    Example:
    >>> x = tl.zeros(2, 3, 4)
    >>> tl.permute(x, (2, 0, 1)).shape
    tensorlite.Size([4, 2, 3])
    >>> x.permute(1, 2, 0).shape
    tensorlite.Size([3, 4, 2])
    """
    dims = _shape_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(): number of dims don't match in permute: the tensor has "
                           f"{input.ndim} dims (shape {list(input.shape)}) but {len(dims)} were given")
    axes = tuple(wrap_dim(d, input.ndim, op="permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, axes)


@tensor_op
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view).

    Shapes: (..., a, ..., b, ...) -> (..., b, ..., a, ...). Also ``tl.swapaxes`` / ``tl.swapdims``.

    Example:
    >>> x = tl.arange(6).reshape(2, 3)
    >>> tl.transpose(x, 0, 1)
    tensor([[0, 3],
            [1, 4],
            [2, 5]])
    >>> tl.zeros(2, 3, 4).transpose(-1, 0).shape
    tensorlite.Size([4, 3, 2])
    """
    n = input.ndim
    if n == 0:
        wrap_dim(dim0, 0, op="transpose"), wrap_dim(dim1, 0, op="transpose")
        return reshape(input, ())
    a, b = wrap_dim(dim0, n, op="transpose"), wrap_dim(dim1, n, op="transpose")
    axes = list(range(n))
    axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(input, tuple(axes))


swapaxes = swapdims = transpose


@tensor_op
def t(input: Tensor) -> Tensor:
    """Transpose of a tensor with at most 2 dims.

    Shapes: (n, m) -> (m, n); (n,) and () unchanged.

    Example:
    >>> tl.t(tl.tensor([[1, 2, 3]]))
    tensor([[1],
            [2],
            [3]])
    """
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else reshape(input, input._array.shape)


def T(input: Tensor) -> Tensor:
    """All dims reversed (the transpose of a matrix).

    Shapes: (d_0, ..., d_{n-1}) -> (d_{n-1}, ..., d_0) (``x.T``; PyTorch warns for ndim != 2).

    Example:
    >>> tl.tensor([[1, 2], [3, 4]]).T
    tensor([[1, 3],
            [2, 4]])
    """
    if input.ndim != 2:
        warn_user("The use of `x.T` on tensors of dimension other than 2 to reverse their shape "
                  "is deprecated and it will throw an error in a future release. Consider "
                  "`x.mT` to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - "
                  "1, -1, -1))` to reverse the dimensions of a tensor.")
    return Permute.apply(input, tuple(reversed(range(input.ndim))))


def mT(input: Tensor) -> Tensor:
    """The last two dims swapped (a batch of transposed matrices).

    Shapes: (*, n, m) -> (*, m, n) (``x.mT``).

    Example:
    >>> tl.zeros(5, 2, 3).mT.shape
    tensorlite.Size([5, 3, 2])
    """
    if input.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{input.ndim}-D tensor.")
    return transpose(input, -2, -1)


@tensor_op
def expand(input: Tensor, *sizes) -> Tensor:
    """Broadcast to ``sizes`` without copying (size -1 keeps a dim); the result has stride 0.

    Shapes: input (*) -> sizes (new leading dims allowed; only size-1 dims grow).

    Example:
    >>> x = tl.tensor([[1], [2]])
    >>> x.expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    >>> x.expand(4, -1, 2).shape
    tensorlite.Size([4, 2, 2])
    """
    sizes = _shape_arg(sizes)
    shape = input._array.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(tensorlite.{input.dtype.name}{{{list(shape)}}}, size={list(sizes)}): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, size in enumerate(sizes):
        if i < lead:
            if size < 0:
                raise RuntimeError(f"The expanded size of the tensor ({size}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target.append(size)
            continue
        existing = shape[i - lead]
        if size == -1:
            size = existing
        elif existing != 1 and existing != size:
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size "
                f"({existing}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}")
        target.append(size)
    target = tuple(target)
    if target == shape:
        return Reshape.apply(input, shape)
    return Expand.apply(input, target)


@tensor_op
def expand_as(input: Tensor, other) -> Tensor:
    """expand(input, other.shape).

    Shapes: input -> other.shape (broadcastable).

    Example:
    >>> tl.tensor([1, 2]).expand_as(tl.zeros(2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    expect_tensor("expand_as", "other", other)
    return expand(input, other._array.shape)


@tensor_op
def broadcast_to(input: Tensor, shape) -> Tensor:
    """expand(input, shape): a stride-0 view broadcast to shape.

    Example:
    >>> tl.broadcast_to(tl.tensor([1, 2, 3]), (2, 3))
    tensor([[1, 2, 3],
            [1, 2, 3]])
    """
    return expand(input, tuple(shape))


@tensor_op
def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims (all, one, or a tuple of them).

    Shapes: (2, 1, 3, 1) -> (2, 3) (all), -> (2, 3, 1) with dim=1; a dim of size > 1 is kept.

    Example:
    >>> x = tl.zeros(2, 1, 3, 1)
    >>> tl.squeeze(x).shape
    tensorlite.Size([2, 3])
    >>> x.squeeze(1).shape
    tensorlite.Size([2, 3, 1])
    >>> x.squeeze((1, 3)).shape
    tensorlite.Size([2, 3])
    """
    shape = input._array.shape
    if dim is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        axes = wrap_dims(dim, input.ndim, op="squeeze")
    target = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return Reshape.apply(input, target)


@tensor_op
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim`` (negative counts from the end of the result).

    Shapes: (2, 3) -> (1, 2, 3) with dim=0, -> (2, 3, 1) with dim=-1.

    Example:
    >>> x = tl.tensor([1, 2, 3])
    >>> tl.unsqueeze(x, 0)
    tensor([[1, 2, 3]])
    >>> x.unsqueeze(-1).shape
    tensorlite.Size([3, 1])
    """
    axis = wrap_dim(dim, input.ndim + 1, op="unsqueeze")
    shape = input._array.shape
    return Reshape.apply(input, shape[:axis] + (1,) + shape[axis:])


@tensor_op
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one.

    Shapes: (d_0, ..., d_s, ..., d_e, ...) -> (d_0, ..., d_s * ... * d_e, ...); a 0-dim tensor
    gives (1,).

    Example:
    >>> x = tl.zeros(2, 3, 4, 5)
    >>> tl.flatten(x).shape
    tensorlite.Size([120])
    >>> x.flatten(1).shape
    tensorlite.Size([2, 60])
    >>> x.flatten(1, 2).shape
    tensorlite.Size([2, 12, 5])
    """
    if input.ndim == 0:
        return reshape(input, (1,))
    start, end = wrap_dim(start_dim, input.ndim, op="flatten"), wrap_dim(end_dim, input.ndim, op="flatten")
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input._array.shape
    merged = 1
    for s in shape[start:end + 1]:
        merged *= s
    return Reshape.apply(input, shape[:start] + (merged,) + shape[end + 1:])


@tensor_op
def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split one dim into ``sizes`` (one -1 allowed).

    Shapes: (..., d, ...) -> (..., *sizes, ...) with prod(sizes) == d.

    Example:
    >>> x = tl.arange(6)
    >>> tl.unflatten(x, 0, (2, 3))
    tensor([[0, 1, 2],
            [3, 4, 5]])
    >>> tl.zeros(4, 6).unflatten(1, (3, -1)).shape
    tensorlite.Size([4, 3, 2])
    """
    if input.ndim == 0:
        raise RuntimeError(f"unflatten(): Dimension specified as {dim} but tensor has no dimensions; "
                           f"reshape a 0-dim tensor instead")
    axis = wrap_dim(dim, input.ndim, op="unflatten")
    shape = input._array.shape
    sizes = tuple(sizes)
    if -1 not in sizes and math.prod(sizes) != shape[axis]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of "
                           f"dim {axis} ({shape[axis]}) in the input tensor of shape {list(shape)}")
    sizes = infer_shape(sizes, shape[axis])
    return Reshape.apply(input, shape[:axis] + sizes + shape[axis + 1:])


@tensor_op
def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dim(s) ``source`` to position(s) ``destination`` (a view); the other dims keep their
    order. ``x.movedim(0, -1)`` on shape (2, 3, 4) gives shape (3, 4, 2).

    Example:
    >>> x = tl.zeros(2, 3, 4)
    >>> tl.movedim(x, 0, -1).shape
    tensorlite.Size([3, 4, 2])
    >>> x.movedim((0, 1), (2, 0)).shape
    tensorlite.Size([3, 4, 2])
    """
    if isinstance(source, int) != isinstance(destination, int):
        kinds = tuple(type(v).__name__ for v in (source, destination))
        raise TypeError(f"movedim() received an invalid combination of arguments - got (Tensor, "
                        f"{kinds[0]}, {kinds[1]}): source and destination must both be ints or both "
                        f"be tuples of ints")
    sources, destinations = _dims_arg("movedim", source), _dims_arg("movedim", destination)
    if len(sources) != len(destinations):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(sources)} dims) "
                           f"should contain the same number of dims as destination "
                           f"({list(destinations)} dims)")
    n = input.ndim
    src = [wrap_dim(d, n, op="movedim") for d in sources]
    dst = [wrap_dim(d, n, op="movedim") for d in destinations]
    for name, given, dims in (("source", sources, src), ("destination", destinations, dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    if n == 0:
        return reshape(input, ())
    rest = iter(a for a in range(n) if a not in src)
    placed = dict(zip(dst, src))
    return Permute.apply(input, tuple(placed[i] if i in placed else next(rest) for i in range(n)))


@tensor_op
def repeat(input: Tensor, *sizes) -> Tensor:
    """Tile the tensor: ``x.repeat(2, 3)`` (a copy).

    Shapes: (d_0, ..., d_{n-1}) -> (r_0 * d_0, ..., r_{n-1} * d_{n-1}); extra leading repeats
    add dims.

    Example:
    >>> x = tl.tensor([1, 2])
    >>> x.repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    >>> x.repeat(3).shape
    tensorlite.Size([6])
    """
    sizes = _shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"repeat(): Trying to create tensor with negative dimension: repeats "
                           f"{list(sizes)} must be non-negative")
    shape = (1,) * (len(sizes) - input.ndim) + input._array.shape
    interleaved, expanded, final = [], [], []
    for r, s in zip(sizes, shape):
        interleaved += [1, s]
        expanded += [r, s]
        final.append(r * s)
    # Clone, not contiguous(): with every repeat 1 the expanded view is contiguous already and
    # the result would alias the input
    return reshape(Clone.apply(expand(reshape(input, tuple(interleaved)), tuple(expanded))), tuple(final))


@tensor_op
def contiguous(input: Tensor) -> Tensor:
    """self if already contiguous, else a contiguous copy.

    Shapes: unchanged.

    Example:
    >>> x = tl.arange(6).reshape(2, 3).t()
    >>> x.is_contiguous(), x.contiguous().is_contiguous()
    (False, True)
    >>> x.contiguous()
    tensor([[0, 3],
            [1, 4],
            [2, 5]])
    """
    if input.device.backend.is_contiguous(input._array):
        return input
    return Clone.apply(input)


@tensor_op
def clone(input: Tensor) -> Tensor:
    """A copy that is part of the graph (the gradient flows through unchanged).

    Shapes: unchanged.

    Example:
    >>> x = tl.tensor([1., 2.], requires_grad=True)
    >>> y = tl.clone(x)
    >>> y
    tensor([1., 2.], grad_fn=<CloneBackward0>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([1., 1.])
    """
    return Clone.apply(input)


@tensor_op
def flip(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Reverse the order of elements along ``dims`` (a tuple or list; the method form
    ``x.flip(0, 1)`` also takes them unpacked). Shape unchanged.

    Example:
    >>> x = tl.arange(6).reshape(2, 3)
    >>> tl.flip(x, (1,))
    tensor([[2, 1, 0],
            [5, 4, 3]])
    >>> x.flip(0, 1)
    tensor([[5, 4, 3],
            [2, 1, 0]])
    """
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' must be tuple of ints, not {type(dims).__name__} "
                        f"(write flip(x, ({dims!r},)) or x.flip({dims!r}))")
    return Flip.apply(input, wrap_dims(dims, input.ndim, op="flip"))


@tensor_op
def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements circularly: along each of ``dims`` by the matching entry of ``shifts``
    (ints or tuples of equal length); with ``dims=None`` the flattened tensor is rolled and the
    shape restored. Elements pushed past the end come back at the start. Differentiable (the
    gradient is rolled back).

    Shapes: unchanged.

    Example:
    >>> x = tl.arange(6).reshape(2, 3)
    >>> tl.roll(x, 1)
    tensor([[5, 0, 1],
            [2, 3, 4]])
    >>> x.roll(-1, 1)
    tensor([[1, 2, 0],
            [4, 5, 3]])
    >>> x.roll((1, 1), (0, 1))
    tensor([[5, 3, 4],
            [2, 0, 1]])
    """
    shifts = _roll_ints("shifts", shifts)
    dims = _roll_ints("dims", () if dims is None else dims)
    if not shifts:
        raise RuntimeError("roll(): `shifts` required (an int or a non-empty tuple of ints)")
    if not dims and len(shifts) == 1:
        return _roll_dim(input.reshape(-1), shifts[0], 0).reshape(input.shape)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)} (give one shift per dim)")
    if input.numel() == 0:
        return clone(input)  # as PyTorch: an empty tensor returns before any dim is checked
    if input.ndim == 0:
        raise IndexError(f"roll(): dimension specified as {dims[0]} but tensor has no dimensions")
    axes = [wrap_dim(d, input.ndim, op="roll") for d in dims]
    out = input
    for shift, axis in zip(shifts, axes):
        out = _roll_dim(out, shift, axis)
    return out


def _roll_ints(name, value):
    values = (value,) if isinstance(value, numbers.Integral) else value
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"roll(): argument '{name}' must be int or tuple of ints, not "
                        f"{type(value).__name__}")
    return tuple(_int_arg("roll", name, v) for v in values)


def _roll_dim(x, shift, axis):
    """x rolled by shift along axis: its last ``shift`` entries moved to the front (cat of two
    narrows, so autograd rolls the gradient back). Always a new tensor, never a view of x."""
    size = x._array.shape[axis]
    if size == 0 or shift % size == 0:
        return clone(x)
    shift %= size
    return cat([narrow(x, axis, size - shift, shift), narrow(x, axis, 0, size - shift)], axis)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along an existing dim; sizes must match elsewhere. Dtypes are promoted.

    Shapes: (n_1, *rest), (n_2, *rest), ... -> (n_1 + n_2 + ..., *rest) for dim=0 (likewise for any
    dim). Also ``tl.concat`` / ``tl.concatenate``.

    Example:
    >>> a = tl.tensor([[1, 2]])
    >>> b = tl.tensor([[3, 4], [5, 6]])
    >>> tl.cat([a, b])
    tensor([[1, 2],
            [3, 4],
            [5, 6]])
    >>> tl.cat([a, a], dim=1)
    tensor([[1, 2, 1, 2]])
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if isinstance(t, Tensor) and t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated; "
                               f"use stack, or unsqueeze it to shape [1]")
    tensors = promote("cat", *tensors) if len(tensors) > 1 else tensors
    # PyTorch's legacy rule: a 1-D empty tensor takes part in dtype promotion only, so
    # cat([x, zeros(0)]) is x whatever x's shape
    skip = frozenset(i for i, t in enumerate(tensors) if t._array.shape == (0,))
    kept = [t for i, t in enumerate(tensors) if i not in skip]
    if not kept:
        return Cat.apply(*tensors, axis=0)
    ref = kept[0]
    axis = wrap_dim(dim, ref.ndim, op="cat")
    for i, t in enumerate(kept[1:], start=1):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for d in range(ref.ndim):
            if d != axis and t._array.shape[d] != ref._array.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{ref._array.shape[d]} but got size {t._array.shape[d]} for tensor number {i} in the list.")
    # the empty ones still join the graph (an empty input that requires grad makes the result
    # require grad), reshaped to contribute nothing along axis
    empty = ref._array.shape[:axis] + (0,) + ref._array.shape[axis + 1:]
    return Cat.apply(*(t if t._array.shape != (0,) else t.reshape(empty) for t in tensors), axis=axis)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equally-shaped tensors along a new dim.

    Shapes: k tensors of shape S -> S with a new dim of size k at ``dim``.

    Example:
    >>> a, b = tl.tensor([1, 2]), tl.tensor([3, 4])
    >>> tl.stack([a, b])
    tensor([[1, 2],
            [3, 4]])
    >>> tl.stack([a, b], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors[1:], start=1):
        if t._array.shape != tensors[0]._array.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0]._array.shape)} at entry 0 and {list(t._array.shape)} at entry {i}")
    axis = wrap_dim(dim, tensors[0].ndim + 1, op="stack")
    tensors = promote("stack", *tensors) if len(tensors) > 1 else tensors
    return Stack.apply(*tensors, axis=axis)


def _at_least(tensor: Tensor, ndim: int) -> Tensor:
    """PyTorch's atleast_nd view: 0-d -> (1,)*n; 1-d (n) -> (1, n) -> (1, n, 1); 2-d (m, n) -> (m, n, 1)."""
    if tensor.ndim >= ndim:
        return tensor
    shape = tuple(tensor._array.shape)
    if ndim == 3 and len(shape) == 2:
        return reshape(tensor, shape + (1,))
    if ndim == 3:
        return reshape(tensor, (1,) + (shape or (1,)) + (1,))
    return reshape(tensor, (1,) * (ndim - len(shape)) + shape)


def _at_least_all(ndim, tensors):
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        return tuple(_at_least(t, ndim) for t in tensors[0])
    out = tuple(_at_least(t, ndim) for t in tensors)
    return out[0] if len(out) == 1 else out


def atleast_1d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """Each tensor viewed with at least 1 dim: () -> (1,). One tensor in, one out; several
    (or a sequence) in, a tuple out.

    Example:
    >>> tl.atleast_1d(tl.tensor(1.))
    tensor([1.])
    >>> [t.shape for t in tl.atleast_1d(tl.tensor(1.), tl.zeros(2, 3))]
    [tensorlite.Size([1]), tensorlite.Size([2, 3])]
    """
    return _at_least_all(1, tensors)


def atleast_2d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """Each tensor viewed with at least 2 dims: () -> (1, 1), (n,) -> (1, n); as atleast_1d,
    several tensors (or a sequence) give a tuple.

    Example:
    >>> tl.atleast_2d(tl.tensor([1, 2]))
    tensor([[1, 2]])
    """
    return _at_least_all(2, tensors)


def atleast_3d(*tensors: Tensor | Sequence[Tensor]) -> Tensor | tuple[Tensor, ...]:
    """Each tensor viewed with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1); as atleast_1d, several tensors (or a sequence) give a tuple.

    Example:
    >>> tl.atleast_3d(tl.zeros(2, 3)).shape
    tensorlite.Size([2, 3, 1])
    >>> tl.atleast_3d(tl.zeros(4)).shape
    tensorlite.Size([1, 4, 1])
    """
    return _at_least_all(3, tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 0-d and 1-D tensors, which become 1-D first).

    Shapes: (n, a), (n, b) -> (n, a + b); (a,), (b,) -> (a + b,).

    Example:
    >>> tl.hstack([tl.tensor([1, 2]), tl.tensor([3])])
    tensor([1, 2, 3])
    >>> tl.hstack([tl.zeros(2, 1), tl.ones(2, 2)])
    tensor([[0., 1., 1.],
            [0., 1., 1.]])
    """
    tensors = [_at_least(t, 1) for t in tensors]
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 0 after atleast_2d: 1-D (n,) tensors are rows (1, n), 0-d ones (1, 1).

    Shapes: (n,), (n,) -> (2, n); (a, n), (b, n) -> (a + b, n). Also ``tl.row_stack``.

    Example:
    >>> tl.vstack([tl.tensor([1, 2]), tl.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    tensors = [_at_least(t, 2) for t in tensors]
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat(tensors, 0)


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 2 after atleast_3d. Shapes: two (n,) tensors -> (1, n, 2);
    (m, n) tensors -> (m, n, k) for k of them.

    Example:
    >>> tl.dstack([tl.tensor([1, 2]), tl.tensor([3, 4])])
    tensor([[[1, 3],
             [2, 4]]])
    """
    tensors = [_at_least(t, 3) for t in tensors]
    if not tensors:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(tensors, 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """hstack of columns: 0-d and (n,) tensors become (1, 1) / (n, 1). Shapes: two (n,) -> (n, 2);
    (n, k) and (n,) -> (n, k + 1).

    Example:
    >>> tl.column_stack([tl.tensor([1, 2]), tl.tensor([3, 4])])
    tensor([[1, 3],
            [2, 4]])
    """
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    return hstack([reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in tensors])


def _dims_arg(op: str, value) -> tuple:
    """An int or a sequence of ints as a tuple."""
    if isinstance(value, numbers.Integral):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(value)
    raise TypeError(f"{op}(): dims must be an int or a tuple of ints, got {type(value).__name__}")


def _int_arg(op: str, name: str, value) -> int:
    """An int argument (a Python int or a 1-element integer tensor)."""
    if isinstance(value, Tensor) and not value.is_floating_point() and value.numel() == 1:
        return int(value.item())
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' must be an int, not {type(value).__name__}")
    return int(value)


def _mark_multi_view(views, op_name):
    for i, v in enumerate(views):
        if v._base is not None:
            v._is_multi_view = (op_name, i)
    return tuple(views)


@tensor_op
def unbind(input: Tensor, dim: int = 0):
    """The slices along dim, as views without that dim.

    Shapes: (d_0, ..., d_dim, ...) -> a tuple of d_dim tensors without that dim.

    Example:
    >>> tl.unbind(tl.tensor([[1, 2], [3, 4]]))
    (tensor([1, 2]), tensor([3, 4]))
    >>> tl.tensor([[1, 2], [3, 4]]).unbind(1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    axis = wrap_dim(dim, input.ndim, scalar_ok=False, op="unbind")
    lead = (slice(None),) * axis
    return _mark_multi_view([input[lead + (i,)] for i in range(input._array.shape[axis])], "UnbindBackward0")


@tensor_op
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice [start, start + length) along dim (a view); ``start`` may be negative.

    ``x.narrow(0, 1, 2)`` on shape (5,) gives x[1:3].

    Shapes: (..., d, ...) -> (..., length, ...) at dim.

    Example:
    >>> x = tl.arange(5)
    >>> tl.narrow(x, 0, 1, 2)
    tensor([1, 2])
    >>> tl.zeros(3, 6).narrow(1, -2, 2).shape
    tensorlite.Size([3, 2])
    """
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    axis = wrap_dim(dim, input.ndim, op="narrow")
    start, length = _int_arg("narrow", "start", start), _int_arg("narrow", "length", length)
    size = input._array.shape[axis]
    if not -size <= start <= size:
        raise IndexError(f"narrow(): start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start}) for dim {axis} of shape {list(input.shape)}")
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}.")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}) of dim {axis}; shape is {list(input.shape)}")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


@tensor_op
def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last dims: ``pad=(left, right, top, bottom, ...)`` (last dim first, as PyTorch).

    Negative widths crop. mode: 'constant' (``value``), or 'reflect' / 'replicate' / 'circular'
    over the last 1-3 dims of a batched or unbatched input, as PyTorch.

    Shapes: (*, H, W) with pad=(left, right, top, bottom)
    -> (*, H + top + bottom, W + left + right). Also ``F.pad``.

    Example:
    >>> x = tl.tensor([[1., 2.], [3., 4.]])
    >>> tl.nn.functional.pad(x, (1, 0))
    tensor([[0., 1., 2.],
            [0., 3., 4.]])
    >>> F.pad(x, (1, 1, 0, 1), value=9.).shape
    tensorlite.Size([3, 4])
    >>> F.pad(tl.arange(4.).reshape(1, 4), (2, 2), mode="reflect")
    tensor([[2., 1., 0., 1., 2., 3., 2., 1.]])
    """
    if mode in _INDEX_PADS:
        return _index_pad(input, pad, mode)
    if mode != "constant":
        raise NotImplementedError(f"pad mode {mode!r}: use 'constant', 'reflect', 'replicate' or 'circular'")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length must be divisible by 2 and at most twice the number of "
                           f"dimensions of the input ({input.ndim}), got {len(pad)}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    for axis, ((before, after), size) in enumerate(zip(widths, input._array.shape)):
        if size + min(before, 0) + min(after, 0) < 0:  # PyTorch crops first: the crop must fit
            raise RuntimeError(f"pad(): padding ({before}, {after}) of dim {axis} (size {size}) crops more "
                               f"than the dim holds: a negative size {size + min(before, 0) + min(after, 0)} "
                               f"(narrow(): length must be non-negative)")
    if any(b < 0 or a < 0 for b, a in widths):
        key = tuple(slice(max(-b, 0), s - max(-a, 0)) for (b, a), s in zip(widths, input._array.shape))
        input = input[key]
        widths = [(max(b, 0), max(a, 0)) for b, a in widths]
    return Pad.apply(input, tuple(widths), 0 if value is None else value)


def _reflect_indices(size, before, after):
    if before >= size or after >= size:
        raise RuntimeError(f"Padding size should be less than the corresponding input dimension, but got: "
                           f"padding ({before}, {after}) at a dimension of size {size} (mode 'reflect')")
    return list(range(before, 0, -1)) + list(range(size)) + list(range(size - 2, size - 2 - after, -1))


def _replicate_indices(size, before, after):
    if size == 0:
        raise RuntimeError("pad(): 'replicate' needs a non-empty dimension to copy from")
    return [0] * before + list(range(size)) + [size - 1] * after


def _circular_indices(size, before, after):
    if before > size or after > size:
        raise RuntimeError(f"Padding value causes wrapping around more than once (padding ({before}, "
                           f"{after}) at a dimension of size {size}, mode 'circular').")
    return [i % size for i in range(-before, size + after)]


_INDEX_PADS = {"reflect": _reflect_indices, "replicate": _replicate_indices, "circular": _circular_indices}


def _index_pad(input, pad, mode):
    """Non-constant padding as one index_select per padded dim (so gradients of every order come
    from index_select's): negative widths crop first, then the indices reflect, repeat or wrap."""
    dims = len(pad) // 2
    if len(pad) > 2 * input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but "
                           f"got padding length {len(pad)} and input of dimension {input.ndim} (mode {mode!r})")
    if len(pad) % 2 or not 1 <= dims <= 3 or input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor "
                                  f"(mode {mode!r} pads the last 1-3 dims of a (N, C, ...) or (C, ...) input)")
    first = 1 if input.ndim == dims + 2 else 0  # the batch dim may be empty, the others not
    if mode != "circular" and 0 in input._array.shape[first:]:
        raise RuntimeError(f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: {list(input.shape)} (mode {mode!r})")
    sizes = [input._array.shape[input.ndim - 1 - i] + int(pad[2 * i]) + int(pad[2 * i + 1]) for i in range(dims)]
    if mode != "circular" and max(sizes) < 1:  # PyTorch refuses only when every padded dim ends empty
        raise RuntimeError(f"input {list(input.shape)} is too small for padding {tuple(pad)} (mode {mode!r}): "
                           f"calculated output sizes {sizes[::-1]} of the padded dims")
    out = input
    for i in range(dims):
        axis = input.ndim - 1 - i
        before, after = int(pad[2 * i]), int(pad[2 * i + 1])
        size = out._array.shape[axis]
        if mode == "circular" and (before < 0 or after < 0):  # circular crops, then wraps
            out = out.narrow(axis, max(-before, 0), size - max(-before, 0) - max(-after, 0))
            before, after, size = max(before, 0), max(after, 0), out._array.shape[axis]
        elif mode != "circular" and size + before + after < 0:  # reflect/replicate pad, then crop
            raise RuntimeError(f"input (size {size} along dim {axis}) is too small. Calculated output size: "
                               f"{size + before + after} (padding ({before}, {after}), mode {mode!r})")
        if before > 0 or after > 0:
            indices = _INDEX_PADS[mode](size, max(before, 0), max(after, 0))
            out = out.index_select(axis, _tensor(indices, device=out.device))
        if before < 0 or after < 0:
            kept = out._array.shape[axis] - max(-before, 0) - max(-after, 0)
            out = out.narrow(axis, max(-before, 0), kept)
    return out


def _triangle_mask(input, diagonal, lower):
    if input.ndim < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 "
                           f"dimensions (got shape {list(input.shape)})")
    rows, cols = input._array.shape[-2:]
    r = arange(rows, device=input.device).unsqueeze(1)
    c = arange(cols, device=input.device).unsqueeze(0)
    return (c - r <= diagonal) if lower else (c - r >= diagonal)


@tensor_op
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle of the last two dims (others zeroed); the dtype is kept (bool stays bool).

    Shapes: (*, n, m) -> (*, n, m).

    Example:
    >>> x = tl.ones(3, 3, dtype=tl.int64)
    >>> tl.tril(x)
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]])
    >>> x.tril(-1)
    tensor([[0, 0, 0],
            [1, 0, 0],
            [1, 1, 0]])
    """
    return where(_triangle_mask(input, diagonal, True), input, scalar_tensor(0, input.dtype, input.device))


@tensor_op
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle of the last two dims (others zeroed); the dtype is kept (bool stays bool).

    Shapes: (*, n, m) -> (*, n, m).

    Example:
    >>> x = tl.ones(2, 3, dtype=tl.int64)
    >>> tl.triu(x)
    tensor([[1, 1, 1],
            [0, 1, 1]])
    >>> x.triu(1)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return where(_triangle_mask(input, diagonal, False), input, scalar_tensor(0, input.dtype, input.device))


def restride_(self: Tensor, op_name: str, view_op, *args) -> Tensor:
    """``self`` becomes ``view_op(self, *args)`` (a view op: unsqueeze, transpose, ...) in place:
    PyTorch's squeeze_, unsqueeze_, t_, transpose_, swapaxes_, swapdims_ change only the shape
    and strides of self, which keeps its storage and takes the view op's place in the graph.

    Shapes: those of view_op; returns self.

    Example:
    >>> from tensorlite.ops.movement import restride_, unsqueeze
    >>> x = tl.tensor([1., 2.])
    >>> restride_(x, "unsqueeze_", unsqueeze, 0) is x, x.shape
    (True, tensorlite.Size([1, 2]))
    """
    self._check_inplace(op_name)
    viewed = view_op(self, *args)
    self._array = viewed._array
    if viewed._requires_grad:
        self.grad_fn, self._output_nr, self._requires_grad = viewed.grad_fn, viewed._output_nr, True
    if self._base is not None:  # a view stays a view of its base, one view op further
        self._view_chain = viewed._view_chain
    return self
