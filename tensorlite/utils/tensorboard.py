"""``torch.utils.tensorboard``'s path: ``SummaryWriter`` is tensorboardX's (the standard writer
for frameworks other than PyTorch), taking tensorlite tensors wherever it takes arrays.

Example:
>>> import tempfile
>>> from tensorlite.utils.tensorboard import SummaryWriter
>>> writer = SummaryWriter(tempfile.mkdtemp())
>>> writer.add_scalar("loss/train", tl.tensor(0.5), 1)
>>> writer.add_histogram("weights", tl.randn(100), 1)
>>> writer.close()
"""
from __future__ import annotations

import functools

from ..tensor import Tensor

try:
    from tensorboardX import SummaryWriter as _Writer
except ImportError as error:  # the optional extra is missing
    raise ImportError("tensorlite.utils.tensorboard needs tensorboardX: pip install "
                      "'tensorlite[tensorboard]'") from error

__all__ = ["SummaryWriter"]


def _plain(value):
    """A tensorlite tensor as what tensorboardX accepts: a Python number (0-d) or an ndarray;
    containers (add_scalars' dict) converted item by item."""
    if isinstance(value, Tensor):
        value = value.detach().cpu()
        return value.item() if value.dim() == 0 else value.numpy()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _accepting_tensors(method):
    @functools.wraps(method)
    def convert(self, *args, **kwargs):
        return method(self, *map(_plain, args), **{k: _plain(v) for k, v in kwargs.items()})
    return convert


class SummaryWriter(_Writer):
    """tensorboardX's SummaryWriter (``torch.utils.tensorboard.SummaryWriter``'s arguments: log_dir,
    comment, purge_step, max_queue, flush_secs, filename_suffix); every ``add_*`` method also
    takes tensorlite tensors (values are read back to the host).

    Shapes: as tensorboardX's (add_scalar: a number or 0-d tensor; add_histogram: any shape;
    add_image: (C, H, W) by default).

    Example:
    >>> import tempfile
    >>> from tensorlite.utils.tensorboard import SummaryWriter
    >>> writer = SummaryWriter(tempfile.mkdtemp())
    >>> writer.add_scalars("loss", {"train": tl.tensor(0.3), "val": 0.4}, 2)
    >>> writer.close()
    """


for _name in dir(_Writer):
    if _name.startswith("add_") and callable(getattr(_Writer, _name)):
        setattr(SummaryWriter, _name, _accepting_tensors(getattr(_Writer, _name)))
