"""PyTorch-style tensor repr: ``tensor([1., 2.], requires_grad=True)``."""
from __future__ import annotations

import math

import numpy as np  # formats the host copy of a tensor

from . import dtypes as _dt
from .ops._queries import to_host

PRECISION = 4
THRESHOLD = 1000
EDGE_ITEMS = 3
LINE_WIDTH = 80


def set_printoptions(precision: int | None = None, threshold: int | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None) -> None:
    """Change how tensors print (as ``torch.set_printoptions``)."""
    global PRECISION, THRESHOLD, EDGE_ITEMS, LINE_WIDTH
    if precision is not None:
        PRECISION = precision
    if threshold is not None:
        THRESHOLD = threshold
    if edgeitems is not None:
        EDGE_ITEMS = edgeitems
    if linewidth is not None:
        LINE_WIDTH = linewidth


class _Formatter:
    def __init__(self, values, kind):
        self.kind = kind
        self.sci = False
        self.int_mode = False
        if kind == "f":
            finite = [abs(v) for v in values if math.isfinite(v) and v != 0]
            self.int_mode = all(float(v).is_integer() for v in values if math.isfinite(v))
            if finite:
                big, small = max(finite), min(finite)
                if self.int_mode:
                    self.sci = big / small > 1000 or big > 1e8
                else:
                    self.sci = big / small > 1000 or big > 1e8 or small < 1e-4
        self.width = max((len(self._format(v)) for v in values), default=1)

    def _format(self, v) -> str:
        if self.kind == "b":
            return str(bool(v))
        if self.kind != "f":
            return str(int(v))
        if not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        if self.sci:
            return f"{v:.{PRECISION}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{PRECISION}f}"

    def __call__(self, v) -> str:
        return self._format(v).rjust(self.width)


def _flat_values(host, summarize):
    if summarize and host.ndim:
        parts = []
        for axis in range(host.ndim):
            if host.shape[axis] > 2 * EDGE_ITEMS:
                head = np.take(host, range(EDGE_ITEMS), axis=axis)
                tail = np.take(host, range(host.shape[axis] - EDGE_ITEMS, host.shape[axis]), axis=axis)
                host = np.concatenate([head, tail], axis=axis)
        parts.append(host.ravel())
        return parts[0].tolist()
    return host.ravel().tolist()


def _render(host, fmt, indent, summarize):
    if host.ndim == 0:
        return fmt(host.item())
    n = host.shape[0]
    if summarize and n > 2 * EDGE_ITEMS:
        rows = list(range(EDGE_ITEMS)) + [None] + list(range(n - EDGE_ITEMS, n))
    else:
        rows = list(range(n))
    if host.ndim == 1:
        items = [" ..." if i is None else fmt(host[i].item()) for i in rows]
        per_line = max(1, (LINE_WIDTH - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    separator = "," + "\n" * (host.ndim - 1) + " " * (indent + 1)
    inner = ["..." if i is None else _render(host[i], fmt, indent + 1, summarize) for i in rows]
    return "[" + separator.join(inner) + "]"


def tensor_repr(t, prefix: str = "tensor(") -> str:
    host = to_host(t)
    suffixes = []
    numel = host.size
    if numel == 0:
        body = "[]"
        if host.ndim != 1:
            suffixes.append(f"size={tuple(host.shape)}")
    else:
        summarize = numel > THRESHOLD
        if host.dtype.kind in _dt.FLOAT_KINDS:  # bfloat16 (kind 'V') prints as the floats it holds
            host = host.astype(np.float32 if host.itemsize < 4 else host.dtype, copy=False)
        fmt = _Formatter(_flat_values(host, summarize), host.dtype.kind)
        body = _render(host, fmt, len(prefix), summarize)
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dtype = t.dtype
    if dtype not in (_dt.get_default_dtype(), _dt.int64, _dt.bool_) or (numel == 0 and dtype is not _dt.get_default_dtype()):
        suffixes.append(f"dtype={dtype!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    text = prefix + body
    if suffixes:
        text += ", " + ", ".join(suffixes)
    return text + ")"
