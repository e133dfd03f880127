"""Tensor: a backend array plus the autograd fields that record the dynamic graph.

The bottom of the core: Function, the engine and the ops import this module, never the other
way round. Everything that runs an op (arithmetic, reductions, movement, indexing, ``to``,
in-place writes, ``backward``) is attached as a method by ``tensorlite._methods``, the one
allowed circle (Tensor <-> its op methods); this file holds storage, the autograd fields
(leaves, hooks, views, version counters) and the host conversions.
"""
from __future__ import annotations

import weakref
from typing import Callable

from ._dims import wrap_dim
from ._warn import user_call_site, warn_user
from . import dtypes as _dt
from .ops._queries import to_host

__all__ = ["Tensor", "Size"]


class Size(tuple):
    """A tensor's shape: a tuple of ints printed as ``tensorlite.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"tensorlite.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    # slices, concatenations and repeats of a shape are shapes too, as torch.Size's
    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple(self) + tuple(other)) if isinstance(other, tuple) else NotImplemented

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self)) if isinstance(other, tuple) else NotImplemented

    def __mul__(self, times):
        return Size(tuple(self) * times)

    __rmul__ = __mul__


class _VersionCounter:
    """Shared by a tensor, its views and its detached aliases; bumped by every in-place write.
    ``site`` is the user's line of the first write after the latest save for backward
    (``saved_at``: the version then): the write a backward's error names. Writes nothing saved
    can see (optimizer state, gradients) skip the stack walk that finds it."""

    __slots__ = ("value", "site", "saved_at")

    def __init__(self):
        self.value = 0
        self.site = "(never modified)"
        self.saved_at = -1


class _RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    Create tensors with the factories (``tensorlite.tensor``, ``zeros``, ``randn``, ...); the
    legacy constructor works too: ``tl.Tensor([1., 2.])`` (a float32 copy), ``tl.Tensor(2, 3)``
    (a (2, 3) tensor, zero-filled), ``tl.Tensor()`` (shape (0,)).
    ``data`` is, as in PyTorch, a detached Tensor sharing this one's storage (the backend
    array lives in ``_array``, which only ops/ and backends/ touch).

    Example:
    >>> x = tl.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4.])
    >>> y.item(), x.tolist(), x.detach().numpy()
    (5.0, [1.0, 2.0], array([1., 2.], dtype=float32))
    >>> x.to(tl.float64).dtype, x.shape, x.device
    (tensorlite.float64, tensorlite.Size([2]), device(type='cpu'))
    """

    __array_priority__ = 1000  # numpy scalars/arrays defer to Tensor's reflected operators

    # Defaults live on the class so creating a tensor sets only what differs.
    grad_fn = None
    _requires_grad = False
    _output_nr = 0
    _grad = None
    _counter = None
    _base = None
    _view_chain = None
    _view_version = 0
    _grad_accumulator = None
    _hooks = None
    _post_accumulate_hooks = None
    _retains_grad = False
    _is_multi_view = False
    _made_without_grad = False

    # __init__ (PyTorch's legacy constructor, ``tl.Tensor([1., 2.])``) is bound by _methods:
    # it needs the factories of ops/. Ops make tensors through _make, which skips it.

    @staticmethod
    def _make(data, device, requires_grad, grad_fn, output_nr):
        t = Tensor.__new__(Tensor)
        t._array = data
        t.device = device
        if requires_grad:
            t._requires_grad = True
            t.grad_fn = grad_fn
            t._output_nr = output_nr
        return t

    # -- data: PyTorch's unchecked alias ---------------------------------------------------
    @property
    def data(self) -> "Tensor":
        """A tensor sharing storage with self, cut from the graph, with its OWN version counter.

        Unlike ``detach()`` (which shares the version counter, so autograd notices in-place
        writes through it), writes through ``data`` are invisible to autograd, exactly as in
        PyTorch: the classic manual update ``p.data.add_(p.grad, alpha=-lr)`` never trips the
        "modified by an inplace operation" check. Assigning ``t.data = other`` makes ``t`` use
        ``other``'s storage (any shape, dtype or device; ``t`` keeps its graph fields).

        Shapes: unchanged.

        Example:
        >>> p = tl.ones(2, requires_grad=True)
        >>> (p * 3).sum().backward()
        >>> p.data.sub_(0.1 * p.grad.data)
        tensor([0.7000, 0.7000])
        >>> p
        tensor([0.7000, 0.7000], requires_grad=True)
        >>> p.data = tl.zeros(3)
        >>> p
        tensor([0., 0., 0.], requires_grad=True)
        """
        return Tensor._make(self._array, self.device, False, None, 0)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self._requires_grad and not value.is_floating_point():
            raise RuntimeError(f"data set to a tensor that requires gradients must be floating "
                               f"point or complex dtype (got {value.dtype.name}; convert it with "
                               f".float() first, or set requires_grad=False)")
        self._array = value._array
        self.device = value.device

    # -- basic properties ------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The size of each dimension, a ``Size`` (a tuple).

        Example:
        >>> tl.zeros(2, 3).shape
        tensorlite.Size([2, 3])
        >>> tl.tensor(1.).shape
        tensorlite.Size([])
        """
        return Size(self._array.shape)

    def size(self, dim: int | None = None):
        """The shape (a ``Size``), or the size of one dimension.

        Example:
        >>> x = tl.zeros(2, 3)
        >>> x.size(), x.size(-1)
        (tensorlite.Size([2, 3]), 3)
        """
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[wrap_dim(dim, len(self._array.shape), scalar_ok=False, op="size")]

    @property
    def ndim(self) -> int:
        """The number of dimensions (0 for a scalar tensor).

        Example:
        >>> tl.zeros(2, 3).ndim, tl.tensor(1.).ndim
        (2, 0)
        """
        return len(self._array.shape)

    def dim(self) -> int:
        """The number of dimensions (also ``ndim`` and ``ndimension()``).

        Example:
        >>> tl.zeros(2, 3, 4).dim()
        3
        """
        return len(self._array.shape)

    ndimension = dim

    @property
    def is_cuda(self) -> bool:
        """Always False: tensorlite's devices are the CPU and OpenCL (PyTorch code that asks
        ``x.is_cuda`` runs unchanged; ``x.device.type`` tells which)."""
        return False

    # Other PyTorch device types and layouts that tensorlite has none of: the questions programs
    # ask (dcgan's ``input.is_cuda or input.is_xpu``) get PyTorch's answer for a CPU tensor.
    is_xpu = is_mps = is_meta = is_ipu = is_xla = is_mtia = is_vulkan = is_mkldnn = is_cuda
    is_sparse = is_sparse_csr = is_quantized = is_nested = is_cuda

    @property
    def is_cpu(self) -> bool:
        """Whether the tensor lives on the CPU (``device.type == 'cpu'``).

        Example:
        >>> tl.zeros(2, device="cpu").is_cpu
        True
        """
        return self.device.type == "cpu"

    def get_device(self) -> int:
        """-1 for a CPU tensor, else the index of its device (PyTorch's convention).

        Example:
        >>> tl.zeros(2, device="cpu").get_device()
        -1
        """
        return -1 if self.device.type == "cpu" else self.device.index

    def is_complex(self) -> bool:
        """Always False: tensorlite has no complex dtypes.

        Example:
        >>> tl.zeros(2).is_complex()
        False
        """
        return False

    def is_signed(self) -> bool:
        """Whether the dtype holds negative values (the floating and signed integer dtypes).

        Example:
        >>> tl.zeros(2).is_signed(), tl.zeros(2, dtype=tl.uint8).is_signed(), tl.tensor([True]).is_signed()
        (True, False, False)
        """
        return self.dtype.is_signed

    @property
    def itemsize(self) -> int:
        """The size of one element in bytes (``element_size()``).

        Example:
        >>> tl.zeros(2, dtype=tl.float64).itemsize
        8
        """
        return self._array.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """The bytes the elements take: ``numel() * itemsize`` (a view counts its own elements).

        Example:
        >>> tl.zeros(2, 3).nbytes
        24
        """
        return self.numel() * self._array.dtype.itemsize

    def numel(self) -> int:
        """The number of elements: the product of the shape (also ``nelement()``).

        Example:
        >>> tl.zeros(2, 3).numel(), tl.tensor(5.).numel()
        (6, 1)
        """
        n = 1
        for s in self._array.shape:
            n *= s
        return n

    nelement = numel

    @property
    def dtype(self) -> _dt.dtype:
        """The element type (``tensorlite.float32``, ``tensorlite.int64``, ...).

        Example:
        >>> tl.tensor([1.]).dtype, tl.tensor([1]).dtype, tl.tensor([True]).dtype
        (tensorlite.float32, tensorlite.int64, tensorlite.bool)
        """
        return _dt._FROM_NUMPY[self._array.dtype]

    def _data_dtype(self) -> _dt.dtype:
        return _dt._FROM_NUMPY[self._array.dtype]

    @staticmethod
    def _dtype_of_numpy(np_dtype) -> _dt.dtype:
        return _dt._FROM_NUMPY[np_dtype]

    def element_size(self) -> int:
        """The size of one element in bytes.

        Example:
        >>> tl.zeros(2).element_size(), tl.zeros(2, dtype=tl.float64).element_size()
        (4, 8)
        """
        return self._array.dtype.itemsize

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating type (float16, bfloat16, float32, float64).

        Example:
        >>> tl.zeros(2).is_floating_point(), tl.arange(2).is_floating_point()
        (True, False)
        """
        return self._array.dtype.kind in _dt.FLOAT_KINDS

    @property
    def is_leaf(self) -> bool:
        """Whether the tensor was made by the user, not by a recorded op (``grad_fn`` is None).

        Example:
        >>> x = tl.tensor([1.], requires_grad=True)
        >>> x.is_leaf, (x * 2).is_leaf
        (True, False)
        """
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for backward (settable on leaves).

        Example:
        >>> x = tl.tensor([1.])
        >>> x.requires_grad
        False
        >>> x.requires_grad = True
        >>> (x * 2).requires_grad
        True
        """
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if value and self._array.dtype.kind not in _dt.FLOAT_KINDS:
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients "
                               f"(this tensor is {self.dtype.name}; convert it with .float() first)")
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place on a leaf and return self.

        Example:
        >>> w = tl.zeros(2).requires_grad_()
        >>> w.requires_grad
        True
        """
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        if self._grad is None and self.grad_fn is not None and not self._retains_grad:
            warn_user(
            "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
            ".grad attribute won't be populated during autograd.backward(). If you indeed want "
            "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
            "non-leaf Tensor.")
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._array.shape != self._array.shape:
                raise RuntimeError(f"assigned grad has data of a different size: grad has shape "
                                   f"{list(value._array.shape)}, tensor has {list(self._array.shape)}")
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: {value.dtype.name} "
                                   f"vs {self.dtype.name}")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def _version(self) -> int:
        return 0 if self._counter is None else self._counter.value

    def _version_counter(self) -> _VersionCounter:
        counter = self._counter
        if counter is None:
            counter = self._counter = _VersionCounter()
        return counter

    def _bump_version(self) -> None:
        counter = self._version_counter()
        if counter.saved_at == counter.value:  # this write invalidates a saved tensor
            counter.site = user_call_site()
        counter.value += 1

    # -- views ----------------------------------------------------------------------------
    def _become_view_of(self, source: "Tensor", op_cls, args: tuple, kwargs: dict) -> None:
        self._base = source._base if source._base is not None else source
        self._view_chain = (source._view_chain or ()) + ((op_cls, args, kwargs),)
        self._counter = source._version_counter()
        self._view_version = self._counter.value
        self._is_multi_view = source._is_multi_view

    def _replay_view(self, root: "Tensor") -> "Tensor":
        """Apply this view's chain of view ops to ``root`` (its base, or a gradient shaped like it)."""
        return replay_view_chain(self._view_chain, root)

    def _alias(self) -> "Tensor":
        t = Tensor._make(self._array, self.device, False, None, 0)
        t._counter = self._version_counter()
        return t

    # -- hooks (``backward`` is attached by tensorlite._methods: the engine is above Tensor) --
    def register_hook(self, hook: Callable) -> _RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return replaces it.

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._tensor_hooks is None:
                node._tensor_hooks = {}
            hooks = node._tensor_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable) -> _RemovableHandle:
        """On a leaf: call ``hook(tensor)`` after its ``.grad`` was accumulated."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return _RemovableHandle(self._post_accumulate_hooks, hook)

    def retain_grad(self) -> None:
        """Populate ``.grad`` for this non-leaf tensor during backward (a no-op on leaves)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        ref = weakref.ref(self)

        def store(grad):
            t = ref()
            if t is None:
                return
            if t._grad is None:
                t._grad = grad if grad._requires_grad else grad.detach().clone()
            else:
                t._grad = t._grad + grad
        node = self.grad_fn
        if node._retain_hooks is None:
            node._retain_hooks = {}
        node._retain_hooks[self._output_nr] = store
        self._retains_grad = True

    def detach(self) -> "Tensor":
        """A tensor sharing storage and version counter with self, cut from the graph.

        Shapes: unchanged.

        Example:
        >>> x = tl.tensor([1., 2.], requires_grad=True)
        >>> y = (x * 2).detach()
        >>> y, y.requires_grad
        (tensor([2., 4.]), False)
        """
        return self._alias()

    def detach_(self) -> "Tensor":
        """Cut self from the graph in place (self becomes a leaf that does not require grad).

        Example:
        >>> y = tl.tensor([1.], requires_grad=True) * 2
        >>> y.detach_().requires_grad, y.is_leaf
        (False, True)
        """
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn, self._requires_grad, self._output_nr = None, False, 0
        return self

    # -- conversions -----------------------------------------------------------------------
    def numpy(self, *, force: bool = False):
        """The values as a ``numpy.ndarray`` (sharing memory on the CPU)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return to_host(self)

    def __array__(self, dtype=None, copy=None):
        host = to_host(self)
        return host if dtype is None else host.astype(dtype, copy=False)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return to_host(self).reshape(()).item()

    def tolist(self):
        """The values as (nested) Python lists of numbers."""
        return to_host(self).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._array.dtype.kind not in "iub" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no' if n == 0 else 'more than one'} "
                               f"value{'s' if n else ''} is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if not self._array.shape:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self):
        if not self._array.shape:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.3f}"``), as in PyTorch; a tensor with
        dimensions takes only the empty spec (its ``str``), any other raises TypeError.

        Example:
        >>> f"{tl.tensor(0.12345):.3f}"
        '0.123'
        >>> f"{tl.tensor([1.5, 2.0])}"
        'tensor([1.5000, 2.0000])'
        """
        if not self._array.shape:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        raise TypeError("tensorlite tensors are not pickled; use tensorlite.save / tensorlite.load")

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.")
        out = self.detach().clone()
        out.__class__ = self.__class__
        if self._requires_grad:
            out._requires_grad = True
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out

    def type(self, dtype=None):
        """The dtype's name (``type()``), or self converted to ``dtype``.

        Example:
        >>> x = tl.tensor([1.5])
        >>> x.type()
        'tensorlite.float32'
        >>> x.type(tl.int64)
        tensor([1])
        """
        if dtype is None:
            return f"tensorlite.{self.dtype.name}"
        return self.to(dtype)

    def float(self) -> "Tensor":
        """self as float32 (``self.to(float32)``).

        Example:
        >>> tl.tensor([1, 2]).float()
        tensor([1., 2.])
        """
        return self.to(_dt.float32)

    def double(self) -> "Tensor":
        """self as float64 (``self.to(float64)``).

        Example:
        >>> tl.tensor([1, 2]).double()
        tensor([1., 2.], dtype=tensorlite.float64)
        """
        return self.to(_dt.float64)

    def half(self) -> "Tensor":
        """self as float16 (``self.to(float16)``).

        Example:
        >>> tl.tensor([0.5]).half()
        tensor([0.5000], dtype=tensorlite.float16)
        """
        return self.to(_dt.float16)

    def bfloat16(self) -> "Tensor":
        """self as bfloat16 (``self.to(bfloat16)``): float32's range, 8 bits of precision.

        Example:
        >>> tl.tensor([0.5, 3.14159]).bfloat16()
        tensor([0.5000, 3.1406], dtype=tensorlite.bfloat16)
        """
        return self.to(_dt.bfloat16)

    def long(self) -> "Tensor":
        """self as int64 (``self.to(int64)``; floats truncate toward zero).

        Example:
        >>> tl.tensor([1.7, -1.7]).long()
        tensor([ 1, -1])
        """
        return self.to(_dt.int64)

    def int(self) -> "Tensor":
        """self as int32 (``self.to(int32)``; floats truncate toward zero).

        Example:
        >>> tl.tensor([1.7, -1.7]).int()
        tensor([ 1, -1], dtype=tensorlite.int32)
        """
        return self.to(_dt.int32)

    def bool(self) -> "Tensor":
        """self as bool (``self.to(bool)``: non-zero is True).

        Example:
        >>> tl.tensor([0., 0.5]).bool()
        tensor([False,  True])
        """
        return self.to(_dt.bool_)

    def short(self) -> "Tensor":
        """self as int16 (``self.to(int16)``; floats truncate toward zero).

        Example:
        >>> tl.tensor([1.7]).short()
        tensor([1], dtype=tensorlite.int16)
        """
        return self.to(_dt.int16)

    def char(self) -> "Tensor":
        """self as int8 (``self.to(int8)``; floats truncate toward zero).

        Example:
        >>> tl.tensor([-1.5]).char()
        tensor([-1], dtype=tensorlite.int8)
        """
        return self.to(_dt.int8)

    def byte(self) -> "Tensor":
        """self as uint8 (``self.to(uint8)``; floats truncate toward zero).

        Example:
        >>> tl.tensor([3.9]).byte()
        tensor([3], dtype=tensorlite.uint8)
        """
        return self.to(_dt.uint8)

    def type_as(self, other: "Tensor") -> "Tensor":
        """self converted to other's dtype (``x.type_as(y)`` is ``x.to(y.dtype)``).

        Example:
        >>> tl.tensor([1, 2]).type_as(tl.zeros(1, dtype=tl.float64))
        tensor([1., 2.], dtype=tensorlite.float64)
        """
        if not isinstance(other, Tensor):
            raise TypeError(f"type_as(): argument 'other' must be Tensor, not {type(other).__name__}")
        return self.to(other.dtype)

    def cpu(self) -> "Tensor":
        return self.to("cpu")


def replay_view_chain(chain, root: Tensor) -> Tensor:
    """Apply a chain of (view op, args, kwargs) to ``root``."""
    out = root
    for op_cls, args, kwargs in chain:
        out = op_cls.apply(out, *args, **kwargs)
    return out

