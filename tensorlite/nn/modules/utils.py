"""tensorlite.nn.modules.utils: PyTorch's ``torch.nn.modules.utils`` helpers that custom layers
import: _single, _pair, _triple, _quadruple, _ntuple (an int repeated n times, a sequence kept)."""
import collections.abc
import itertools


def _ntuple(n: int, name: str = "parse"):
    """A function making n-tuples: an iterable is returned as a tuple, anything else repeated.

    Example:
    >>> from tensorlite.nn.modules.utils import _ntuple
    >>> _ntuple(2)(3), _ntuple(2)((1, 4))
    ((3, 3), (1, 4))
    """
    def parse(x):
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(itertools.repeat(x, n))

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")
