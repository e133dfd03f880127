"""PyTorch's deprecated ``torch.cuda.amp`` path: ``torch.cuda.amp.GradScaler(...)`` is
``torch.amp.GradScaler("cuda", ...)`` (disabled here: there is no CUDA device).

Example:
>>> scaler = tl.cuda.amp.GradScaler(enabled=False)
>>> scaler.is_enabled(), scaler.get_scale()
(False, 1.0)
"""
from __future__ import annotations

import functools

from .. import amp as _amp

__all__ = ["GradScaler"]


@functools.wraps(_amp.GradScaler, updated=())
def GradScaler(init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
               growth_interval: int = 2000, enabled: bool = True) -> _amp.GradScaler:
    """``tl.amp.GradScaler("cuda", ...)``: PyTorch's deprecated spelling (FutureWarning)."""
    _amp.warn_user("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                   "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning)
    return _amp.GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
