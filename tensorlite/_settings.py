"""PyTorch's process-wide numeric settings that training scripts set up front.

``set_float32_matmul_precision("high")`` *allows* faster, less precise float32 matmuls (TF32,
bfloat16 passes); tensorlite always computes float32 matmuls in full float32, which every
setting permits, and reports back the setting made. ``use_deterministic_algorithms(True)``
asks for deterministic ops: tensorlite's ops are deterministic on both backends already.
"""
from __future__ import annotations

from ._warn import warn_user

__all__ = ["set_float32_matmul_precision", "get_float32_matmul_precision",
           "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled"]

_PRECISIONS = ("highest", "high", "medium")
_state = {"precision": "highest", "deterministic": False, "warn_only": False}


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision PyTorch programs ask for ('highest', 'high' or
    'medium'; another value warns and changes nothing, as in PyTorch).

    Example:
    >>> tl.set_float32_matmul_precision("high")
    >>> tl.get_float32_matmul_precision()
    'high'
    >>> tl.set_float32_matmul_precision("highest")
    """
    if precision not in _PRECISIONS:
        warn_user(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                  f"set_float32_matmul_precision call has no effect.")
        return
    _state["precision"] = precision


def get_float32_matmul_precision() -> str:
    """The setting made by set_float32_matmul_precision ('highest' by default).

    Example:
    >>> tl.get_float32_matmul_precision() in ("highest", "high", "medium")
    True
    """
    return _state["precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record PyTorch's deterministic-algorithms switch (tensorlite's ops are deterministic).

    Example:
    >>> tl.use_deterministic_algorithms(True)
    >>> tl.are_deterministic_algorithms_enabled()
    True
    >>> tl.use_deterministic_algorithms(False)
    """
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' (position 1) must be bool, "
                        f"not {type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {type(warn_only).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """Whether use_deterministic_algorithms(True) is in effect.

    Example:
    >>> tl.are_deterministic_algorithms_enabled() in (True, False)
    True
    """
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether use_deterministic_algorithms was called with warn_only=True.

    Example:
    >>> tl.is_deterministic_algorithms_warn_only_enabled() in (True, False)
    True
    """
    return _state["warn_only"]
