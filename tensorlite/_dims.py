"""Dimension arguments, shared by Tensor (size) and the ops; imports nothing from tensorlite."""
from __future__ import annotations

import operator


def wrap_dim(dim: int, ndim: int, *, scalar_ok: bool = True, op: str | None = None) -> int:
    """``dim`` as an axis in [0, ndim); negative counts from the end. Any integral value is
    accepted (a NumPy integer, a 0-dim integer tensor: ``operator.index``); bool and float are
    refused, as in PyTorch. A 0-dim tensor accepts dim 0 and -1 (PyTorch's rule for most ops)
    unless ``scalar_ok`` is False (unbind, size). ``op`` names the op in the error messages.

    Example::

        >>> wrap_dim(-1, 3)
        2
        >>> wrap_dim(0, 0)
        0
    """
    if type(dim) is int and -ndim <= dim < ndim:  # the common case, checked first
        return dim % ndim
    if isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got bool{in_op(op)}")
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(f"dim must be an int, got {type(dim).__name__}{in_op(op)}") from None
    if ndim == 0 and not scalar_ok:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions{in_op(op)}")
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], "
                         f"but got {dim}){in_op(op)}")
    return dim % ndim if ndim else 0


def in_op(op: str | None) -> str:
    """" in op()" for an error message, or nothing when ``op`` is None."""
    return f" in {op}()" if op else ""
