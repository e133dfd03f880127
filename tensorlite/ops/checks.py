"""Checks of tensor values that do not wait for the device.

``assert_all`` refuses a false element the way the range checks of gather and indexing do: on
the NumPy backend (the values are on the host) it raises at once, as PyTorch's CPU ops do; on
OpenCL a kernel records the failure in the device's error flag and the error is raised at the
next sync (``.item()``, ``.numpy()``, printing, ``synchronize``), as CUDA's device-side asserts
surface, or at once with ``TENSORLITE_SYNC_CHECKS=1``."""
from __future__ import annotations

from .. import dtypes as _dt
from ..tensor import Tensor
from .inplace import InPlaceFunction


class AssertAll(InPlaceFunction):
    """Reads its operand, writes nothing: the backend's assert_all."""

    op_name = "assert_all"
    _writes = 0

    @staticmethod
    def forward(ctx, condition, message):
        condition.device.backend.assert_all(condition.data, message, _as_runtime_error)


def _as_runtime_error(error: Exception) -> RuntimeError:
    return RuntimeError(str(error))


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
