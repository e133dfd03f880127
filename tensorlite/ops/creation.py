"""Factories: tensor, zeros, ones, full, empty, arange, linspace, eye, rand*, *_like, from_numpy,
from_dlpack."""
from __future__ import annotations

import fractions
import math
import numbers

import numpy as np  # converting user input (NumPy scalars and arrays)

from .._warn import warn_user
from .. import dtypes as _dt
from ..autograd.function import InplaceFunction
from ..device import default_device, device as _parse_device
from ..random import default_generator
from ..tensor import Size, Tensor
from . import _dlpack as dlpack
from ._util import broadcast_shapes, checked_scalar, tensor_op
from .checks import assert_in_range


def _device(device):
    return default_device() if device is None else _parse_device(device)


def _finish(data, device, requires_grad) -> Tensor:
    t = Tensor._make(data, device, False, None, 0)
    if requires_grad:
        t.requires_grad = True  # validates the dtype
    return t


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    # a 0-d integer tensor is an int, as in PyTorch: zeros(n.sum()), ones((x.size(0), k))
    size = tuple(int(s) if isinstance(s, Tensor) and s.ndim == 0 and not s.is_floating_point()
                 and s.dtype is not _dt.bool_ else s for s in size)
    for s in size:
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"size must be a tuple of ints, but got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def factory_size(op: str, positional: tuple, keyword=None) -> tuple:
    """The shape a factory was given as ``op(2, 3)``, ``op((2, 3))`` or ``op(size=(2, 3))``;
    none at all is a TypeError as in PyTorch (``op(())`` is the 0-d shape)."""
    if keyword is not None:
        if positional:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        positional = (keyword,)
    if not positional:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size" (give a shape: '
                        f'{op}(2, 3), {op}((2, 3)), or {op}(()) for a 0-d tensor)')
    return _size(positional)


_PLAIN_NUMBERS = frozenset((bool, int, float))


def _python_data_dtype(data):
    """dtype PyTorch infers for nested data: Python bools give bool, ints int64, floats the default
    dtype; tensors, NumPy scalars and arrays their own dtype; a sequence promotes its items
    (``[tensor(1, dtype=float16), 2]`` is float16, ``[np.float64(1), 2]`` float64)."""
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, (list, tuple)):
        kinds = set(map(type, data))  # one C-level pass: no per-element Python for plain numbers
        if kinds and kinds <= _PLAIN_NUMBERS:
            return _dt.get_default_dtype() if float in kinds else _dt.int64 if int in kinds else _dt.bool_
        inferred = None
        for item in data:
            d = _python_data_dtype(item)
            inferred = d if inferred is None else _dt.promote_types(inferred, d)
        return inferred or _dt.get_default_dtype()
    if hasattr(data, "dtype") and hasattr(data, "shape"):  # a NumPy scalar or array
        return _dt.from_numpy_dtype(data.dtype)
    if isinstance(data, bool):
        return _dt.bool_
    if isinstance(data, numbers.Integral):
        return _dt.int64
    if isinstance(data, numbers.Real):
        return _dt.get_default_dtype()
    raise RuntimeError(f"tensor(): Could not infer dtype of {type(data).__name__}")


def _element(value):
    """A tensor inside a list stands for its one element, as in PyTorch."""
    if value.numel() != 1:
        raise ValueError(f"only one element tensors can be converted to Python scalars "
                         f"(a tensor of shape {list(value.shape)} inside the data of tensor())")
    return value.item()


def _to_host(data, dtype):
    if isinstance(data, (list, tuple)):
        if not set(map(type, data)) <= _PLAIN_NUMBERS:  # rows, tensors or NumPy scalars inside
            data = [_element(v) if isinstance(v, Tensor) else (_to_host(v, None) if isinstance(v, (list, tuple)) else v)
                    for v in data]
        try:
            host = np.array(data)
            if (dtype is not None and dtype.is_integer and host.size and host.dtype.kind in "iuf"
                    and host.dtype != dtype.numpy):  # same dtype: every value already fits
                for bound in (host.min().item(), host.max().item()):
                    checked_scalar("tensor", bound, dtype)  # in range: astype wraps as C does
            if dtype is not None and not dtype.is_floating_point:  # floats: from_host casts, quietly
                host = host.astype(dtype.numpy)
        except OverflowError:
            raise RuntimeError(f"tensor(): a value of {data!r:.80} cannot be converted to type "
                               f"{dtype.name if dtype else 'int64'} without overflow") from None
        except ValueError as error:
            raise ValueError(f"expected sequence of equal-length lists to build a tensor ({error})") from None
        if host.dtype == object:
            raise ValueError("expected sequence of equal-length lists to build a tensor")
        return host
    if isinstance(data, Tensor):
        return data.device.backend.to_host(data._array)
    return np.asarray(data)


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor (a copy) from Python data or a NumPy array.

    Python floats give float32 (the default dtype), ints int64, bools bool; NumPy arrays keep
    their dtype. Example: ``tensor([[1., 2.], [3., 4.]])`` has shape (2, 2).

    Shapes: nested lists of depth d give a d-dim tensor; a Python number gives a 0-dim tensor.

    Example:
    >>> tl.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> tl.tensor([0.5, 1.5], requires_grad=True)
    tensor([0.5000, 1.5000], requires_grad=True)
    >>> tl.tensor(3.0).shape
    tensorlite.Size([])
    """
    device = _device(device)
    if isinstance(data, Tensor):
        warn_user("To copy construct from a tensor, it is recommended to use "
                  "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                  "requires_grad_(True), rather than tensor(sourceTensor).")
        inferred = data.dtype
    elif isinstance(data, (list, tuple, numbers.Number, np.generic)):
        inferred = _python_data_dtype(data)
    elif data is None or isinstance(data, (str, dict, set)):
        raise RuntimeError(f"tensor(): Could not infer dtype of {type(data).__name__}")
    else:
        inferred = None
    dtype = _dt.to_dtype(dtype) if dtype is not None else inferred
    if isinstance(data, numbers.Number) and dtype is not None:
        data = checked_scalar("tensor", data, dtype)
    host = _to_host(data, dtype)
    if dtype is None:
        dtype = _dt.from_numpy_dtype(host.dtype)
    return _finish(device.backend.from_host(host, dtype), device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` itself if it is already a matching tensor, else a new tensor.

    Example:
    >>> x = tl.tensor([1., 2.])
    >>> tl.as_tensor(x) is x
    True
    >>> tl.as_tensor([1, 2], dtype=tl.float32)
    tensor([1., 2.])
    """
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device or dtype) else data
    if hasattr(data, "__array__") and not isinstance(data, (list, tuple)) and device is None and dtype is None:
        return from_numpy(data) if getattr(data, "flags", None) is not None else tensor(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array) -> Tensor:
    """A CPU tensor sharing memory with ``array`` (its dtype is kept: float64 stays float64).

    Example:
    >>> import numpy as np
    >>> a = np.array([1.0, 2.0])
    >>> x = tl.from_numpy(a)
    >>> x
    tensor([1., 2.], dtype=tensorlite.float64)
    >>> a[0] = 5.0
    >>> x
    tensor([5., 2.], dtype=tensorlite.float64)
    """
    if not isinstance(array, np.ndarray):
        hint = " (it is already a tensor)" if isinstance(array, Tensor) else \
            " (tl.tensor copies Python data)"
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__}){hint}")
    _dt.from_numpy_dtype(array.dtype)
    return Tensor._make(array, _parse_device("cpu"), False, None, 0)


def from_dlpack(ext_tensor, *, device=None, copy=None) -> Tensor:
    """A tensor sharing memory with a DLPack producer (a NumPy array, a PyTorch tensor, any
    array-API array on the CPU) or with a DLPack capsule, as ``torch.from_dlpack``.

    ``copy``: True copies the values, False never copies (raises where it must: another
    device), None copies only where it must. ``device``: where the result lives (the producer's
    CPU memory when None). bfloat16 is imported through DLPack's bfloat16 code.

    Shapes and strides: the producer's (a strided view stays a view).

    Example:
    >>> import numpy as np
    >>> a = np.zeros(3, dtype=np.float32)
    >>> x = tl.from_dlpack(a)
    >>> a[0] = 2.
    >>> x
    tensor([2., 0., 0.])
    """
    if isinstance(ext_tensor, Tensor):
        if ext_tensor.requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        out = ext_tensor.data  # PyTorch's import of its own tensor: shared memory, own version counter
    else:
        out = from_numpy(dlpack.host_array(ext_tensor))
    target = out.device if device is None else _parse_device(device)
    if copy is False and target != out.device:
        raise BufferError(f"from_dlpack: copy=False, but moving the {out.device} data to {target} "
                          f"needs a copy")
    if target != out.device:
        return out.to(target)
    return out.clone() if copy else out


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value's type.

    Shapes: size (a tuple) -> a tensor of that shape.

    Example:
    >>> tl.full((2, 3), 7)
    tensor([[7, 7, 7],
            [7, 7, 7]])
    >>> tl.full((2,), 0.5)
    tensor([0.5000, 0.5000])
    """
    fill_value = _fill_value("full", fill_value)
    dtype = _dt.scalar_dtype(fill_value) if dtype is None else _dt.to_dtype(dtype)
    fill_value = checked_scalar("full", fill_value, dtype, floats=True)
    device = _device(device)
    return _finish(device.backend.full(_size((size,) if isinstance(size, int) else size), fill_value,
                                       dtype), device, requires_grad)


def _filled(value, size, dtype, device, requires_grad):
    device = _device(device)
    dtype = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish(device.backend.full(size, value, dtype), device, requires_grad)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``.

    Example:
    >>> tl.zeros(2, 3)
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    >>> tl.zeros((2,), dtype=tl.int64)
    tensor([0, 0])
    """
    return _filled(0, factory_size("zeros", sizes, size), dtype, device, requires_grad)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    Shapes: ``ones(2, 3)`` or ``ones((2, 3))`` -> (2, 3).

    Example:
    >>> tl.ones(2, 2)
    tensor([[1., 1.],
            [1., 1.]])
    """
    return _filled(1, factory_size("ones", sizes, size), dtype, device, requires_grad)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (its values are arbitrary).

    Shapes: ``empty(2, 3)`` or ``empty((2, 3))`` -> (2, 3).

    Example:
    >>> tl.empty(2, 3).shape
    tensorlite.Size([2, 3])
    """
    device = _device(device)
    dtype = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish(device.backend.empty(factory_size("empty", sizes, size), dtype), device,
                   requires_grad)


def _like(input, dtype, device):
    return (_dt.to_dtype(dtype) if dtype is not None else input.dtype,
            _parse_device(device) if device is not None else input.device)


@tensor_op
def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """zeros with input's shape (and dtype/device unless given).

    Example:
    >>> tl.zeros_like(tl.tensor([[1, 2, 3]]))
    tensor([[0, 0, 0]])
    """
    dtype, device = _like(input, dtype, device)
    return _finish(device.backend.full(input._array.shape, 0, dtype), device, requires_grad)


@tensor_op
def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """ones with input's shape (and dtype/device unless given).

    Example:
    >>> tl.ones_like(tl.zeros(2, 2))
    tensor([[1., 1.],
            [1., 1.]])
    """
    dtype, device = _like(input, dtype, device)
    return _finish(device.backend.full(input._array.shape, 1, dtype), device, requires_grad)


def _fill_value(op: str, value):
    """full's fill_value as a Python number: a 0-dim tensor gives its item; anything else raises."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return value.item()
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{op}(): argument 'fill_value' must be a number or a 0-dim Tensor, not "
                        f"{type(value).__name__}" + (f" of shape {list(value.shape)}"
                                                     if isinstance(value, Tensor) else ""))
    return value


@tensor_op
def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """fill_value with input's shape (and dtype/device unless given).

    Example:
    >>> tl.full_like(tl.zeros(3), 2.5)
    tensor([2.5000, 2.5000, 2.5000])
    """
    dtype, device = _like(input, dtype, device)
    fill_value = _fill_value("full_like", fill_value)
    fill_value = checked_scalar("full_like", fill_value, dtype, floats=True)
    return _finish(device.backend.full(input._array.shape, fill_value, dtype), device, requires_grad)


@tensor_op
def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor with input's shape.

    Example:
    >>> tl.empty_like(tl.zeros(2, 4)).shape
    tensorlite.Size([2, 4])
    """
    dtype, device = _like(input, dtype, device)
    return _finish(device.backend.empty(input._array.shape, dtype), device, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values from start (default 0) to end, exclusive: ``arange(5)`` is int64, ``arange(0., 5)`` float32.

    Shapes: -> (ceil((end - start) / step),).

    Example:
    >>> tl.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> tl.arange(1, 2, 0.25)
    tensor([1.0000, 1.2500, 1.5000, 1.7500])
    """
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = values
    if step == 0 or step != step:
        raise RuntimeError(f"arange(): step must be nonzero (got step={step})")
    if not all(math.isfinite(v) for v in (start, end)):
        raise RuntimeError(f"arange(): unsupported range: {start} -> {end}")
    if (end - start) * step < 0:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign "
                           f"(arange({start}, {end}, {step}))")
    if dtype is None:
        dtype = _dt.get_default_dtype() if any(isinstance(v, float) for v in values) else _dt.int64
    device = _device(device)
    return _finish(device.backend.arange(start, end, step, _dt.to_dtype(dtype)), device, requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end, inclusive.

    Shapes: -> (steps,).

    Example:
    >>> tl.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    steps = check_space_args("linspace", start, end, steps, dtype)
    device = _device(device)
    dtype = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if not dtype.is_floating_point and steps > 1:
        return tensor(_integer_linspace(start, end, steps, dtype), dtype=dtype, device=device,
                      requires_grad=requires_grad)
    backend = device.backend
    if steps == 1:
        return _finish(backend.full((1,), start, dtype), device, requires_grad)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    index = backend.arange(0, steps, 1, _dt.float64)
    values = backend.binary("add", backend.binary("mul", index, step), float(start))
    # the second half counts back from the end, so both endpoints are exact (as in PyTorch)
    from_end = backend.binary("sub", float(end), backend.binary("mul", backend.binary(
        "sub", float(steps - 1), index), step))
    half = backend.binary("lt", index, steps // 2)
    return _finish(backend.cast(backend.where(half, values, from_end), dtype), device, requires_grad)


def check_space_args(op: str, start, end, steps, dtype) -> int:
    """linspace/logspace argument checks (PyTorch's): steps an int (or a 0-d integer tensor),
    start/end numbers or 0-d tensors, no bool dtype. Returns steps as an int."""
    if isinstance(steps, Tensor) and steps.ndim == 0 and not steps.dtype.is_floating_point \
            and steps.dtype != _dt.bool_:
        steps = int(steps.item())
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"{op}() received an invalid combination of arguments - got steps of type "
                        f"{type(steps).__name__}; steps must be an int")
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError(f"{op} only supports 0-dimensional start and end tensors, but got "
                               f"{name} with {value.ndim} dimension(s).")
    if dtype is not None and _dt.to_dtype(dtype) == _dt.bool_:
        raise NotImplementedError(f'"{op}_cpu" not implemented for \'Bool\'')
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _integer_linspace(start, end, steps: int, dtype) -> list:
    """PyTorch's integer linspace kernel: start and end converted to the dtype first (truncated,
    wrapping like a C cast), the step in double, the first half counted from start and the rest
    back from end, each value truncated toward zero."""
    first, last = (int(np.array(math.trunc(float(v))).astype(np.int64).astype(dtype.numpy))
                   for v in (start, end))
    step = (last - first) / (steps - 1)
    return [math.trunc(fused_multiply_add(step, i, first) if i < steps // 2
                       else fused_multiply_add(-step, steps - i - 1, last)) for i in range(steps)]


def fused_multiply_add(a: float, b: float, c: float) -> float:
    """a * b + c rounded once, as the fused multiply-add PyTorch's compiled range kernels use
    (linspace(3, -1, 7, dtype=int64)[3] is trunc(0.9999999999999999) = 0, not 1)."""
    return float(fractions.Fraction(a) * fractions.Fraction(b) + fractions.Fraction(c))


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix.

    Shapes: -> (n, m), m defaults to n.

    Example:
    >>> tl.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    >>> tl.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    m = n if m is None else m
    for name, size in (("n", n), ("m", m)):
        if size < 0:
            raise RuntimeError(f"eye(): {name} must be greater or equal to 0, got {size}")
    device = _device(device)
    backend = device.backend
    rows = backend.reshape(backend.arange(0, n, 1, _dt.int64), (n, 1))
    cols = backend.reshape(backend.arange(0, m, 1, _dt.int64), (1, m))
    dtype = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish(backend.cast(backend.binary("eq", rows, cols), dtype), device, requires_grad)


def _random(kind, size, dtype, device, requires_grad, generator, low=0.0, high=1.0):
    device = _device(device)
    generator = generator or default_generator
    seed, offset = generator.next_key()
    data = device.backend.random(kind, _size(size), dtype, seed, offset, low, high)
    return _finish(data, device, requires_grad)


class RandomFill(InplaceFunction):
    """Overwrite ``t`` with samples of the draw (seed, offset): 'uniform' on [a, b), 'normal'
    with mean a and standard deviation b; the others as in ``_other_fill``. Shapes: t (*),
    written in place."""

    @staticmethod
    def forward(ctx, t, kind, seed, offset, a, b):
        backend = t.device.backend
        if kind == "uniform":
            data = backend.random("uniform", t._array.shape, t.dtype, seed, offset, a, b)
        elif kind == "normal":
            data = backend.random("normal", t._array.shape, t.dtype, seed, offset, 0.0, 1.0)
            if (a, b) != (0.0, 1.0):
                data = backend.binary("add", backend.binary("mul", data, b), a)
        else:
            data = _other_fill(backend, kind, t, seed, offset, a, b)
        backend.copy_into(t._array, data)


def _other_fill(backend, kind, t, seed, offset, a, b):
    """'randint' integers on [a, b), 'exponential' of rate a, 'bernoulli' of probability a (a
    number or a Tensor broadcasting to t), all cast to t's dtype on its device."""
    shape = t._array.shape
    if kind == "randint":
        return backend.cast(backend.random("randint", shape, _dt.int64, seed, offset, a, b), t.dtype)
    u = backend.random("uniform", shape, _dt.float64, seed, offset, 0.0, 1.0)
    if kind == "exponential":  # inverse CDF; 1 - u lies in (0, 1], so the log is finite
        data = backend.binary("div", backend.unary("log1p", backend.unary("neg", u)), -float(a))
    else:
        p = backend.cast(a._array, _dt.float64) if isinstance(a, Tensor) else float(a)
        data = backend.binary("lt", u, p)
    return backend.cast(data, t.dtype)


def uniform_(self: Tensor, low: float = 0.0, high: float = 1.0, *, generator=None) -> Tensor:
    """Fill self in place with samples uniform on [low, high) (``Tensor.uniform_``).
    Shapes: self (*), unchanged.

    Example:

    >>> import tensorlite as tl
    >>> x = tl.empty(3).uniform_(-1, 1)
    >>> bool(((x >= -1) & (x < 1)).all())
    True
    """
    self._check_inplace("uniform_")
    seed, offset = (generator or default_generator).next_key()
    RandomFill.apply(self, "uniform", seed, offset, low, high)
    return self


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill self in place with normal samples of mean and std (``Tensor.normal_``).
    Shapes: self (*), unchanged.

    Example (a typical weight initialisation):

    >>> import tensorlite as tl
    >>> tl.empty(2, 3).normal_(0.0, 0.02).shape
    tensorlite.Size([2, 3])
    """
    self._check_inplace("normal_")
    seed, offset = (generator or default_generator).next_key()
    RandomFill.apply(self, "normal", seed, offset, mean, std)
    return self


def _fill_key(self: Tensor, name: str, generator):
    self._check_inplace(name)
    return (generator or default_generator).next_key()


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill self in place with 1 where a uniform draw is below ``p`` and 0 elsewhere
    (``Tensor.bernoulli_``). ``p``: a probability in [0, 1] or a Tensor of them that broadcasts to
    self. Shapes: self (*), unchanged; p () or broadcastable to (*).

    Example:

    >>> import tensorlite as tl
    >>> tl.empty(4).bernoulli_(1.0)
    tensor([1., 1., 1., 1.])
    """
    if isinstance(p, Tensor):
        _check_probabilities_tensor(self, p)
    elif not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    seed, offset = _fill_key(self, "bernoulli_", generator)
    RandomFill.apply(self, "bernoulli", seed, offset, p, None)
    return self


def _check_probabilities_tensor(self: Tensor, p: Tensor) -> None:
    if not p.dtype.is_floating_point:
        raise NotImplementedError(f"bernoulli_: p must be a floating point Tensor, got {p.dtype}")
    try:
        fits = broadcast_shapes(tuple(p.shape), tuple(self.shape)) == tuple(self.shape)
    except (RuntimeError, ValueError):
        fits = False
    if not fits:
        raise RuntimeError(f"bernoulli_: p of shape {list(p.shape)} cannot be broadcast to self's "
                           f"shape {list(self.shape)}")
    # PyTorch reads p to check it; on a device this reports at the next sync instead
    assert_in_range(p, 0, 1, _BERNOULLI_P_RANGE)


_BERNOULLI_P_RANGE = "bernoulli_ expects p to be in [0, 1], but got p={value}"


def random_(self: Tensor, from_=None, to=None, *, generator=None) -> Tensor:
    """Fill self in place with integers uniform on [from, to) (``Tensor.random_``):
    ``random_(to)`` draws from [0, to), ``random_(from, to)`` from [from, to), and ``random_()``
    from [0, 2**mantissa] for floating dtypes or [0, max] for integer ones.
    Shapes: self (*), unchanged.

    Example:

    >>> import tensorlite as tl
    >>> x = tl.empty(5, dtype=tl.int64).random_(3, 5)
    >>> bool(((x >= 3) & (x < 5)).all())
    True
    """
    low, high = _random_range(self, from_, to)
    seed, offset = _fill_key(self, "random_", generator)
    RandomFill.apply(self, "randint", seed, offset, low, high)
    return self


_MANTISSA_BITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _random_range(self: Tensor, from_, to):
    if from_ is not None and to is None:
        from_, to = 0, from_
    low = 0 if from_ is None else int(from_)
    if to is None:
        if self.dtype == _dt.bool_:
            high = 2
        elif self.dtype.is_floating_point:
            high = 2 ** _MANTISSA_BITS[self.dtype.name] + 1
        else:
            high = int(np.iinfo(self.dtype.numpy).max) + (1 if self.dtype != _dt.int64 else 0)
    else:
        high = int(to)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return low, high


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill self in place with samples of the exponential distribution of rate ``lambd`` (mean
    1/lambd) (``Tensor.exponential_``). Shapes: self (*), unchanged.

    Example:

    >>> import tensorlite as tl
    >>> x = tl.empty(4).exponential_(2.0)
    >>> bool((x >= 0).all())
    True
    """
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"exponential_ not implemented for '{self.dtype}': use a floating point "
                           f"tensor")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    seed, offset = _fill_key(self, "exponential_", generator)
    RandomFill.apply(self, "exponential", seed, offset, lambd, None)
    return self


def rand(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False,
         generator=None) -> Tensor:
    """Uniform samples on [0, 1).

    Shapes: ``rand(2, 3)`` or ``rand((2, 3))`` -> (2, 3).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> x = tl.rand(2, 3)
    >>> x.shape
    tensorlite.Size([2, 3])
    >>> bool(((x >= 0) & (x < 1)).all())
    True
    """
    dtype = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _random("uniform", factory_size("rand", sizes, size), dtype, device, requires_grad,
                   generator)


def randn(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False,
          generator=None) -> Tensor:
    """Standard normal samples.

    Shapes: ``randn(2, 3)`` or ``randn((2, 3))`` -> (2, 3).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> tl.randn(2, 3).shape
    tensorlite.Size([2, 3])
    >>> tl.randn(1000, dtype=tl.float64).std().item() > 0.9
    True
    """
    dtype = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _random("normal", factory_size("randn", sizes, size), dtype, device, requires_grad,
                   generator)


def randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad: bool = False,
            generator=None) -> Tensor:
    """Integers uniform on [low, high): ``randint(10, (3,))`` or ``randint(2, 10, (3,))``.

    Shapes: size (a tuple) -> that shape; int64 unless dtype is given.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> x = tl.randint(2, 10, (3,))
    >>> x.shape, x.dtype
    (tensorlite.Size([3]), tensorlite.int64)
    >>> bool(((x >= 2) & (x < 10)).all())
    True
    """
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be a tuple of ints, not "
                        f"{type(size).__name__} (randint(high, size) or randint(low, high, size), "
                        f"e.g. randint(10, (3,)))")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dtype = _dt.to_dtype(dtype) if dtype is not None else _dt.int64
    return _random("randint", tuple(size), dtype, device, requires_grad, generator, low, high)


@tensor_op
def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """U[0, 1) samples with input's shape.

    Example:
    >>> tl.rand_like(tl.zeros(2, 3)).shape
    tensorlite.Size([2, 3])
    """
    dtype, device = _like(input, dtype, device)
    return rand(input._array.shape, dtype=dtype, device=device, requires_grad=requires_grad)


@tensor_op
def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """N(0, 1) samples with input's shape.

    Example:
    >>> tl.randn_like(tl.zeros(2, 3, dtype=tl.float64)).dtype
    tensorlite.float64
    """
    dtype, device = _like(input, dtype, device)
    return randn(input._array.shape, dtype=dtype, device=device, requires_grad=requires_grad)


@tensor_op
def randint_like(input: Tensor, low, high=None, *, dtype=None, device=None) -> Tensor:
    """Integers in [low, high) with input's shape.

    Example:
    >>> x = tl.randint_like(tl.zeros(4), 0, 3)
    >>> x.shape, x.dtype
    (tensorlite.Size([4]), tensorlite.float32)
    """
    dtype, device = _like(input, dtype, device)
    return randint(low, high, input._array.shape, dtype=dtype, device=device)


def randperm(n: int, *, dtype=None, device=None, generator=None) -> Tensor:
    """A random permutation of 0..n-1 (argsort of uniform keys).

    Shapes: -> (n,), int64 unless dtype is given.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> p = tl.randperm(5)
    >>> p.dtype, sorted(p.tolist())
    (tensorlite.int64, [0, 1, 2, 3, 4])
    """
    keys = rand(n, dtype=_dt.float64, device=device, generator=generator)
    backend = keys.device.backend
    order = np.argsort(backend.to_host(keys._array), kind="stable")
    return tensor(order, dtype=dtype or _dt.int64, device=keys.device)


def normal(mean: float, std: float, size, *, generator=None, dtype=None, device=None) -> Tensor:
    """N(mean, std^2) samples of the given size.

    Shapes: size (a tuple) -> that shape.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> tl.normal(2.0, 0.5, (3, 2)).shape
    tensorlite.Size([3, 2])
    """
    return randn(size, dtype=dtype, device=device, generator=generator) * std + mean


def bernoulli(probabilities: Tensor, *, generator=None) -> Tensor:
    """0/1 samples with the given probabilities (same dtype).

    Shapes: probabilities (*) -> (*).

    Example:
    >>> tl.bernoulli(tl.tensor([0., 1., 1.]))
    tensor([0., 1., 1.])
    """
    u = rand(probabilities._array.shape, dtype=probabilities.dtype, device=probabilities.device,
             generator=generator)
    return (u < probabilities).to(probabilities.dtype)


def scalar_tensor(value, *, dtype=None, device=None) -> Tensor:
    """A 0-dim tensor holding value.

    Shapes: -> ().

    Example:
    >>> tl.scalar_tensor(2)
    tensor(2.)
    """
    return tensor(value, dtype=dtype or _dt.get_default_dtype(), device=device)


def legacy_new(name: str, dtype, args: tuple, device=None) -> Tensor:
    """PyTorch's legacy constructors (``tl.Tensor(...)``, ``tl.FloatTensor(...)``): no argument
    gives an empty (0,) tensor; ints (or one Size) a zero-filled tensor of that shape (PyTorch's
    is uninitialised); one sequence or NumPy array a copy converted to ``dtype`` (float32 for
    ``Tensor``); one Tensor the same data (an alias), which must already have ``dtype``
    unless the constructor is the generic ``Tensor``."""
    target = dtype or _dt.float32
    if not args:
        return empty(0, dtype=target, device=device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        source = args[0]
        if dtype is not None and source.dtype is not dtype:
            raise TypeError(f"{name}(): expected a {dtype.name} tensor, got {source.dtype.name} "
                            f"(convert it with .to(tl.{dtype.name}))")
        return source.detach()
    if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args) or (
            len(args) == 1 and isinstance(args[0], Size)):
        size = tuple(args[0]) if isinstance(args[0], Size) else args
        if any(d < 0 for d in size):
            raise RuntimeError(f"{name}(): Trying to create tensor with negative dimension "
                               f"{min(size)}: {list(size)}")
        return zeros(size, dtype=target, device=device)
    if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
        return tensor(args[0], dtype=target, device=device)
    if len(args) == 1:
        hint = f"; for a 0-d tensor use tl.tensor({args[0]!r})" if isinstance(args[0], numbers.Number) else ""
        raise TypeError(f"{name}(): data must be a sequence (got {type(args[0]).__name__}){hint}")
    raise TypeError(f"{name}(): expected ints (a shape) or one sequence of data, got "
                    f"({', '.join(type(a).__name__ for a in args)})")


class _LegacyTensorType(type):
    """The type of ``tl.FloatTensor`` and its siblings: calling one builds a plain Tensor of its
    dtype (``legacy_new``); ``isinstance(x, tl.FloatTensor)`` asks whether x is a float32
    Tensor, as in PyTorch."""

    def __call__(cls, *args, device=None):
        return legacy_new(cls.__name__, cls.dtype, args, device)

    def __instancecheck__(cls, instance):
        return isinstance(instance, Tensor) and instance.dtype is cls.dtype


def _legacy_type(name, dtype, doc):
    return _LegacyTensorType(name, (), {"dtype": dtype, "__doc__": doc, "__module__": "tensorlite"})


FloatTensor = _legacy_type("FloatTensor", _dt.float32, """Legacy float32 constructor, as in PyTorch.

    Shapes: ``FloatTensor(2, 3)`` -> (2, 3) zeros; ``FloatTensor(data)`` -> data's shape.

    Example:
    >>> tl.FloatTensor([1, 2])
    tensor([1., 2.])
    >>> isinstance(tl.ones(2), tl.FloatTensor), tl.FloatTensor(2, 3).shape
    (True, tensorlite.Size([2, 3]))
    """)
DoubleTensor = _legacy_type("DoubleTensor", _dt.float64, """Legacy float64 constructor (see FloatTensor).

    Example:
    >>> tl.DoubleTensor([1.5]).dtype
    tensorlite.float64
    """)
HalfTensor = _legacy_type("HalfTensor", _dt.float16, """Legacy float16 constructor (see FloatTensor).

    Example:
    >>> tl.HalfTensor(2).dtype
    tensorlite.float16
    """)
LongTensor = _legacy_type("LongTensor", _dt.int64, """Legacy int64 constructor (see FloatTensor);
    float data is truncated toward zero.

    Example:
    >>> tl.LongTensor([1.7, -2.5])
    tensor([ 1, -2])
    """)
IntTensor = _legacy_type("IntTensor", _dt.int32, """Legacy int32 constructor (see FloatTensor).

    Example:
    >>> tl.IntTensor([3]).dtype
    tensorlite.int32
    """)
ShortTensor = _legacy_type("ShortTensor", _dt.int16, """Legacy int16 constructor (see FloatTensor).

    Example:
    >>> tl.ShortTensor([3]).dtype
    tensorlite.int16
    """)
CharTensor = _legacy_type("CharTensor", _dt.int8, """Legacy int8 constructor (see FloatTensor).

    Example:
    >>> tl.CharTensor([3]).dtype
    tensorlite.int8
    """)
ByteTensor = _legacy_type("ByteTensor", _dt.uint8, """Legacy uint8 constructor (see FloatTensor).

    Example:
    >>> tl.ByteTensor([3]).dtype
    tensorlite.uint8
    """)
BoolTensor = _legacy_type("BoolTensor", _dt.bool_, """Legacy bool constructor (see FloatTensor).

    Example:
    >>> tl.BoolTensor([1, 0])
    tensor([ True, False])
    """)


__all__ = ["tensor", "as_tensor", "from_numpy", "full", "zeros", "ones", "empty", "zeros_like",
           "ones_like", "full_like", "empty_like", "arange", "linspace", "eye", "rand", "randn",
           "randint", "rand_like", "randn_like", "randint_like", "randperm", "normal", "bernoulli",
           "scalar_tensor", "legacy_new", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor",
           "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]
