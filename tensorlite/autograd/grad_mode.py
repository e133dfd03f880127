"""Grad mode and anomaly mode: thread-local flags read by every op."""
from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


class _State(threading.local):
    enabled = True
    inference = False
    anomaly = False
    anomaly_check_nan = True
    # tensorlite.onnx's recorder while it traces a model (None otherwise): Function.apply hands
    # it every op; autograd knows nothing else of it
    tracer = None


state = _State()


class _GradModeContext:
    """Base for context managers that are also decorators."""

    mode = True

    def __enter__(self):
        self._previous = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc):
        state.enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class _BareDecorator:
    """``@no_grad`` without parentheses decorates too, as in PyTorch."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"{cls.__name__}() takes no arguments (got {orig_func!r}); use it as "
                            f"`with {cls.__name__}():` or as a decorator")
        return cls()(orig_func)


class no_grad(_BareDecorator, _GradModeContext):
    """Disable graph recording inside the block or decorated function.

    Example:
    >>> w = tl.tensor([1., 2.], requires_grad=True)
    >>> with tl.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    >>> @tl.no_grad()
    ... def double(t):
    ...     return t * 2
    >>> double(w).requires_grad
    False
    """

    mode = False


class enable_grad(_BareDecorator, _GradModeContext):
    """Enable graph recording (inside a ``no_grad`` block, say).

    Example:
    >>> w = tl.tensor([1.], requires_grad=True)
    >>> with tl.no_grad():
    ...     with tl.enable_grad():
    ...         y = w * 2
    >>> y.requires_grad
    True
    """

    mode = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches recording off now; as a context manager, for the block.

    Example:
    >>> w = tl.tensor([1.], requires_grad=True)
    >>> with tl.set_grad_enabled(False):
    ...     (w * 2).requires_grad
    False
    >>> (w * 2).requires_grad
    True
    """

    def __init__(self, mode: bool):
        self._previous = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        state.enabled = self._previous
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


class inference_mode(_GradModeContext):
    """``no_grad`` under PyTorch's name for inference: ``inference_mode(True)`` disables recording
    and ``inference_mode(False)`` enables it (as PyTorch's does, even inside ``no_grad``);
    ``tl.is_inference_mode_enabled()`` tells which is in force. A context manager and a decorator
    (with or without parentheses). tensorlite has no separate inference tensors: a tensor made
    inside is an ordinary tensor without a graph, so it may later be used in recorded ops and
    updated in place (PyTorch raises for both).

    Example:
    >>> w = tl.tensor([1.], requires_grad=True)
    >>> with tl.inference_mode():
    ...     (w * 2).requires_grad, tl.is_inference_mode_enabled()
    (False, True)
    >>> @tl.inference_mode
    ... def predict(x):
    ...     return x * 2
    >>> predict(w).requires_grad
    False
    """

    def __new__(cls, mode=True):
        if callable(mode):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        self.inference = bool(mode)

    def __enter__(self):
        self._previous = state.enabled, state.inference
        state.enabled, state.inference = not self.inference, self.inference

    def __exit__(self, *exc):
        state.enabled, state.inference = self._previous
        return False

    def __call__(self, fn):
        inference = self.inference

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(inference):
                return fn(*args, **kwargs)
        return wrapper


def is_grad_enabled() -> bool:
    """Whether ops record a graph right now.

    Example:
    >>> tl.is_grad_enabled()
    True
    >>> with tl.no_grad():
    ...     tl.is_grad_enabled()
    False
    """
    return state.enabled


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode()`` block (or decorated function) is running now.

    Example:
    >>> tl.is_inference_mode_enabled()
    False
    >>> with tl.inference_mode():
    ...     tl.is_inference_mode_enabled()
    True
    """
    return state.inference


def is_anomaly_enabled() -> bool:
    """Whether anomaly mode (creation sites and NaN/Inf checks) is on.

    Example:
    >>> tl.autograd.is_anomaly_enabled()
    False
    >>> with tl.autograd.detect_anomaly():
    ...     tl.autograd.is_anomaly_enabled()
    True
    """
    return state.anomaly


class set_detect_anomaly:
    """Switch anomaly mode on or off: now, or for a ``with`` block.

    With it on, every node records where it was created, and the first NaN or Inf produced by a
    forward or backward raises an error naming the op and that line (``check_nan=False`` keeps
    the creation sites without the value checks).

    Example:
    >>> with tl.autograd.set_detect_anomaly(True):
    ...     tl.autograd.is_anomaly_enabled()
    True
    >>> tl.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode: bool, check_nan: bool = True):
        self._previous = (state.anomaly, state.anomaly_check_nan)
        state.anomaly, state.anomaly_check_nan = bool(mode), bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        state.anomaly, state.anomaly_check_nan = self._previous
        return False


class detect_anomaly(set_detect_anomaly):
    """Context manager (and decorator) for anomaly mode: ``with detect_anomaly(): ...``.

    Example:
    >>> x = tl.tensor([-1.], requires_grad=True)
    >>> with tl.autograd.detect_anomaly():
    ...     x.sqrt().sum().backward()
    Traceback (most recent call last):
        ...
    RuntimeError: Function 'SqrtBackward0' produced nan or inf values in its forward output...
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        self._previous = None

    def __enter__(self):
        self._previous = (state.anomaly, state.anomaly_check_nan)
        state.anomaly, state.anomaly_check_nan = True, self.check_nan
        return self

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper
