"""Checks of tensor values that do not wait for the device.

``assert_all`` (a false element) and ``assert_in_range`` (a value outside [low, high]) refuse
their input the way the range checks of gather and indexing do: on
the NumPy backend (the values are on the host) it raises at once, as PyTorch's CPU ops do; on
OpenCL a kernel records the failure in the device's error flag and the error is raised at the
next sync (``.item()``, ``.numpy()``, printing, ``synchronize``), as CUDA's device-side asserts
surface, or at once with ``TENSORLITE_SYNC_CHECKS=1``."""
from __future__ import annotations

from .. import dtypes as _dt
from ..device import Device, default_device, device as _device
from ..autograd.function import InplaceFunction
from ..tensor import Tensor

__all__ = ["assert_all", "assert_in_range", "synchronize"]


class AssertAll(InplaceFunction):
    """Reads its operand, writes nothing: the backend's assert_all."""

    written = staticmethod(lambda args, kwargs: ())

    @staticmethod
    def forward(ctx, condition, message):
        condition.device.backend.assert_all(condition._array, message)


class AssertInRange(InplaceFunction):
    """Reads its operand, writes nothing: the backend's assert_in_range."""

    written = staticmethod(lambda args, kwargs: ())

    @staticmethod
    def forward(ctx, x, low, high, message):
        x.device.backend.assert_in_range(x._array, low, high, message)


def assert_all(condition: Tensor, message: str) -> None:
    """Raise RuntimeError(message) unless every element of the bool tensor ``condition`` is
    true: at once where the values are on the host, at the next sync on a device.

    Shapes: any. ``message`` names the op and what was wrong; keep it to a few long-lived
    strings (a device registers each distinct message once).

    Example:
        >>> import tensorlite as tl
        >>> from tensorlite.ops.checks import assert_all
        >>> assert_all(tl.tensor([1.0, 2.0]).isfinite(), "values must be finite")
        >>> assert_all(tl.tensor([1.0, float("inf")]).isfinite(), "f(): values must be finite")
        Traceback (most recent call last):
        ...
        RuntimeError: f(): values must be finite
    """
    if condition.dtype is not _dt.bool_:
        raise TypeError(f"assert_all(): expected a bool tensor, got {condition.dtype.name}")
    AssertAll.apply(condition, message)


def assert_in_range(input: Tensor, low, high, message: str) -> None:
    """Raise RuntimeError(message.format(value=v)) for an element v of ``input`` outside
    [low, high] (NaN is outside): at once where the values are on the host, at the next sync
    on a device (then ``v`` is one of the offending elements, not necessarily the first).

    Shapes: any. ``message`` may hold ``{value}``; keep it to a few long-lived strings.

    Example:
        >>> import tensorlite as tl
        >>> from tensorlite.ops.checks import assert_in_range
        >>> assert_in_range(tl.tensor([0.5, 2.0]), 0, 1, "f(): {value} is not a probability")
        Traceback (most recent call last):
        ...
        RuntimeError: f(): 2.0 is not a probability
    """
    if input.numel():
        AssertInRange.apply(input, low, high, message)


def synchronize(device=None) -> None:
    """Wait until ``device`` (default: the default device) has run all queued work, then raise
    any error its kernels recorded meanwhile (an index out of range, a failed assert_all): the
    explicit form of the sync that ``.item()``, ``.numpy()`` and printing do. A no-op on the CPU,
    where such errors are raised at the op (like torch.cuda.synchronize). Shapes: no tensor
    arguments; ``device`` is a Device or a string such as "opencl:0".

    Example:
        >>> import tensorlite as tl
        >>> x = tl.arange(4.0)
        >>> y = x.gather(0, tl.tensor([3, 1]))  # on a device, queued: nothing waits yet
        >>> tl.synchronize(x.device)  # waits, raises what the kernels recorded (nothing here)
        >>> y
        tensor([3., 1.])
    """
    dev = default_device() if device is None else device if isinstance(device, Device) else _device(device)
    dev.backend.synchronize()
