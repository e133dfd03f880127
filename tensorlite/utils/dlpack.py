"""``torch.utils.dlpack``'s two functions: capsules in and out.

``tensorlite.from_dlpack`` (a producer or a capsule) and ``Tensor.__dlpack__`` are the array
API's protocol; these are the older capsule-passing spelling.
"""
from __future__ import annotations

from ..ops.creation import from_dlpack
from ..tensor import Tensor

__all__ = ["from_dlpack", "to_dlpack"]


def to_dlpack(tensor: Tensor):
    """A DLPack capsule sharing ``tensor``'s memory (``tensor.__dlpack__()``), to be consumed
    once by ``from_dlpack`` of any DLPack library.

    Shapes: unchanged.

    Example:
    >>> from tensorlite.utils.dlpack import from_dlpack, to_dlpack
    >>> x = tl.tensor([1, 2, 3])
    >>> y = from_dlpack(to_dlpack(x))
    >>> y[0] = 9
    >>> x
    tensor([9, 2, 3])
    """
    return tensor.__dlpack__()
