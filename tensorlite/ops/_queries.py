"""What the layers above the ops may ask of a tensor's backend: questions that compute nothing
(aliasing, layout, finiteness) and the copy of its values to the host.

Tensor, the autograd core and printing sit below the op modules, so this module imports
nothing: it is the leaf through which they reach a backend without computing a tensor (every
computation goes through ``Function.apply``). ``to_host`` is the one host transfer of
``.numpy()``, ``.item()``, ``.tolist()``, printing and saving.
"""
from __future__ import annotations

__all__ = ["aliases", "all_finite", "has_internal_overlap", "is_contiguous", "to_host"]


def to_host(t):
    """t's values as a NumPy array (sharing memory on the CPU). Shapes: t's."""
    return t.device.backend.to_host(t._array)


def aliases(a, b) -> bool:
    """Whether tensors a and b may share memory (a view op returned a view)."""
    return a.device.backend.aliases(a._array, b._array)


def all_finite(t) -> bool:
    """Whether every element of t is finite (anomaly mode's check; reads one flag back)."""
    return t.device.backend.all_finite(t._array)


def has_internal_overlap(t) -> bool:
    """Whether two elements of t share memory (an expanded tensor): not writable in place."""
    return t.device.backend.has_internal_overlap(t._array)


def is_contiguous(t) -> bool:
    """Whether t is laid out row-major without gaps (``Tensor.is_contiguous``).

    Shapes: any t.

    Example:
    >>> x = tl.zeros(2, 3)
    >>> x.is_contiguous(), x.t().is_contiguous()
    (True, False)
    """
    return t.device.backend.is_contiguous(t._array)
