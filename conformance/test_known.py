"""Strict-xfail reproducers of the bug classes that the property tests step around (with
``assume``): new ones found by this suite and not fixed yet. After a fix is merged its test here
XPASSes (strict: reported as a failure): delete the entry and its ``assume`` in the property test
(search for the class name)."""
import math

import numpy as np
import pytest

from harness import Arr, check

inf, nan = math.inf, math.nan


def xfail(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


def f64(values, grad=True):
    return Arr(np.array(values, dtype=np.float64), requires_grad=grad)


KNOWN = [
    # (name, reproducer) of classes found and not fixed yet; empty now: the lead's list and every
    # new class found so far are fixed on this branch (merged with main)
]


@pytest.mark.parametrize("reproducer", [pytest.param(fn, id=name, marks=xfail(name)) for name, fn in KNOWN])
def test_known_class(reproducer):
    reproducer()
