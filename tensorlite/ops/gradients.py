"""The ops the backward engine and ``autograd.grad``/``backward`` run on gradients: seeds and
zeros, a leaf's first ``.grad`` (a private copy) and accumulation into an existing ``.grad``
(a no-grad in-place op: its version counter moves, as for any in-place write)."""
from __future__ import annotations

from ..autograd.function import InplaceFunction
from ..autograd.grad_mode import state
from ..tensor import Tensor

__all__ = ["AccumulateInto", "copy_grad", "copy_grad_into", "filled", "zeros"]


def filled(shape: tuple, value, dtype, device) -> Tensor:
    """A tensor of ``shape`` holding ``value`` (a gradient seed, a materialized zero gradient).

    >>> import tensorlite as tl
    >>> filled((2,), 1, tl.float32, tl.device("cpu"))
    tensor([1., 1.])
    """
    return Tensor._make(device.backend.full(shape, value, dtype), device, False, None, 0)


def zeros(shape: tuple, dtype, device) -> Tensor:
    """Zeros of ``shape``: the gradient of an output that got none.

    >>> import tensorlite as tl
    >>> zeros((2,), tl.float32, tl.device("cpu"))
    tensor([0., 0.])
    """
    return Tensor._make(device.backend.full(shape, 0, dtype), device, False, None, 0)


def copy_grad(grad: Tensor) -> Tensor:
    """A leaf's first ``.grad``: a private, contiguous copy of the incoming gradient (which may
    be shared with another leaf or be a broadcast view), outside any graph. One operand, so no
    device to check: a plain call, not Function.apply (it runs once per leaf per backward).

    >>> import tensorlite as tl
    >>> copy_grad(tl.ones(3).expand(2, 3)).is_contiguous()
    True
    """
    return Tensor._make(grad.device.backend.copy(grad._array), grad.device, False, None, 0)


def copy_grad_into(destination: Tensor, grad: Tensor) -> Tensor:
    """A leaf's first ``.grad`` written into ``destination`` (a tensor of the gradient's shape,
    dtype and device that the leaf names as ``_grad_destination``: DistributedDataParallel's
    bucket view) instead of a new array; returns ``destination``, whose version moves. A
    destination that no longer matches (the module was moved or cast after it was named)
    is passed over: the gradient gets its private copy.

    >>> import tensorlite as tl
    >>> buffer = tl.zeros(2, 3)
    >>> copy_grad_into(buffer, tl.ones(3).expand(2, 3)) is buffer, buffer.sum().item(), buffer._version
    (True, 6.0, 1)
    """
    if destination.device is not grad.device or destination._array.dtype != grad._array.dtype \
            or destination._array.shape != grad._array.shape:
        return copy_grad(grad)
    destination.device.backend.copy_into(destination._array, grad._array)
    counter = destination._counter
    if counter is None:
        counter = destination._version_counter()
    counter.value += 1
    return destination


class AccumulateInto(InplaceFunction):
    """``grad_buffer += grad`` in the buffer's memory (same shape and dtype: the engine has
    reduced and cast the gradient); the buffer's version moves. Shapes: grad_buffer (*), grad (*).

    >>> import tensorlite as tl
    >>> buffer = tl.ones(2)
    >>> AccumulateInto.apply(buffer, tl.tensor([1.0, 2.0]))
    >>> buffer, buffer._version
    (tensor([2., 3.]), 1)
    """

    _record_site = False  # the engine writes: there is no user line to point at

    @staticmethod
    def forward(ctx, grad_buffer, grad):
        grad_buffer.device.backend.binary_inplace("add", grad_buffer._array, grad._array)

    @classmethod
    def apply(cls, grad_buffer, grad):
        """The door for two operands on one device outside anomaly mode, in one call (it runs
        once per leaf per backward: W1 measured 2 us more through the generic path); anything
        else takes InplaceFunction.apply, which refuses mixed devices and checks for nan."""
        if grad.device is not grad_buffer.device or state.anomaly:
            return super().apply(grad_buffer, grad)
        grad_buffer.device.backend.binary_inplace("add", grad_buffer._array, grad._array)
        counter = grad_buffer._counter
        if counter is None:
            counter = grad_buffer._version_counter()
        counter.value += 1
