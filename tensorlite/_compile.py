"""``tl.compile``: PyTorch's ``torch.compile`` entry point for a framework that runs eagerly."""
from __future__ import annotations

__all__ = ["compile"]

_BACKENDS = ("inductor", "eager", "aot_eager", "cudagraphs")
_MODES = (None, "default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None,
            options=None, disable: bool = False):
    """Return ``model`` (a Module or a function) itself: tensorlite has no graph compiler, it
    runs every op eagerly, so the "compiled" model computes what PyTorch's compiled one does,
    at eager speed. Without ``model`` it returns a decorator (``@tl.compile(mode=...)``).
    PyTorch's arguments are checked as PyTorch checks them and otherwise have no effect.

    Example:
    >>> model = tl.nn.Linear(2, 1)
    >>> tl.compile(model) is model
    True
    >>> @tl.compile(mode="max-autotune")
    ... def double(x):
    ...     return 2 * x
    >>> double(tl.ones(2)).tolist()
    [2.0, 2.0]
    """
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified "
                           "at the same time.")
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           f"{', '.join(m for m in _MODES if m)}")
    if isinstance(backend, str) and backend not in _BACKENDS:
        raise RuntimeError(f"Invalid backend: {backend!r} (known: {', '.join(_BACKENDS)}; "
                           "tensorlite runs eagerly whichever is chosen)")
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                  mode=mode, options=options, disable=disable)
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    return model
