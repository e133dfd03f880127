"""Seeded, counter-based random streams (Philox), reproducible per ``manual_seed``.

A draw is a pure function of (seed, offset), so every backend can generate the same kind of
stream on its own device. tensorlite's streams differ from PyTorch's: the same seed gives
different numbers than ``torch.manual_seed`` would.
"""
from __future__ import annotations

import time

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator"]


class Generator:
    """A random stream: ``Generator().manual_seed(0)``; pass as ``generator=`` to random factories.

    Example:
    >>> g = tl.Generator().manual_seed(0)
    >>> a = tl.rand(3, generator=g)
    >>> b = tl.rand(3, generator=tl.Generator().manual_seed(0))
    >>> bool((a == b).all()), g.initial_seed()
    (True, 0)
    """

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721
        self._offset = 0

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        self._seed = seed
        self._offset = 0
        return self

    def seed(self) -> int:
        """Re-seed from the clock and return the new seed."""
        self.manual_seed(time.time_ns() & ((1 << 63) - 1))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> tuple:
        """(seed, offset): enough to resume the stream exactly."""
        return (self._seed, self._offset)

    def set_state(self, state) -> "Generator":
        self._seed, self._offset = int(state[0]), int(state[1])
        return self

    def next_key(self) -> tuple:
        """(seed, offset) for one draw; each draw gets its own, non-overlapping Philox counter."""
        key = (self._seed, self._offset)
        self._offset += 1
        return key


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: makes rand/randn/randint/dropout/shuffling reproducible.

    Example:
    >>> _ = tl.manual_seed(42)
    >>> a = tl.randn(3)
    >>> _ = tl.manual_seed(42)
    >>> bool((tl.randn(3) == a).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Re-seed the default generator from the clock; returns the seed.

    Example:
    >>> s = tl.seed()
    >>> s == tl.initial_seed()
    True
    """
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed.

    Example:
    >>> _ = tl.manual_seed(7)
    >>> tl.initial_seed()
    7
    """
    return default_generator.initial_seed()


def get_rng_state() -> tuple:
    """The default generator's (seed, offset).

    Example:
    >>> _ = tl.manual_seed(3)
    >>> state = tl.get_rng_state()
    >>> a = tl.rand(2)
    >>> tl.set_rng_state(state)
    >>> bool((tl.rand(2) == a).all())
    True
    """
    return default_generator.get_state()


def set_rng_state(state) -> None:
    """Restore the default generator from get_rng_state().

    Example:
    >>> state = tl.get_rng_state()
    >>> a = tl.randn(2)
    >>> tl.set_rng_state(state)
    >>> bool((tl.randn(2) == a).all())
    True
    """
    default_generator.set_state(state)
