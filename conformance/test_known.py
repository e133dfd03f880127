"""Strict-xfail reproducers of the bug classes that the property tests step around (with
``assume``): the classes other branches are fixing (the lead's list) and the new ones found here
but not fixed. After a fix is merged its test here XPASSes (strict: reported as a failure):
delete the test and its ``assume`` in the property test named in the reason."""
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
    # the lead's list (fixed on other branches)
    ("empty dim=() reduction", lambda: check(lambda lib, x: (x.sum(dim=()), x.mean(dim=())), f64(np.zeros((0,))))),
    ("amax over an empty dim", lambda: check(lambda lib, x: lib.amax(x, 0), Arr(np.zeros((1, 0), np.float32)))),
    ("argmax over an empty dim must raise IndexError",
     lambda: check(lambda lib, x: lib.argmax(x, 1), Arr(np.zeros((2, 0), np.float32)), exact_error=True)),
    ("scatter/gather index extent", lambda: check(lambda lib, x, i, s: lib.scatter(x, 1, i, s), f64(np.zeros((2, 2))),
                                                 Arr(np.array([[0]], np.int64)), f64([[1., 2.], [3., 4.]]))),
    ("take_along_dim broadcasting", lambda: check(lambda lib, x, i: lib.take_along_dim(x, i, 1),
                                                 f64([[1., 2.], [3., 4.]]), Arr(np.array([[1]], np.int64)))),
    ("isclose with inf", lambda: check(lambda lib, a, b: lib.isclose(a, b), f64([0.], False), f64([inf], False))),
    ("cosine_similarity broadcast", lambda: check(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=0),
                                                 f64([[1., 2.]]), f64([[1., 0.], [3., 4.]]))),
    ("prod double backward with zeros", lambda: check(lambda lib, x: x.prod(), f64([0., 0., 2.]), grad2=True)),
    ("std grad at zero variance", lambda: check(lambda lib, x: x.std(correction=0), f64([1., 1.]))),
    ("hardtanh/relu6 kinks", lambda: check(lambda lib, x: lib.nn.functional.relu6(x), f64([0., 6.]))),
    ("selu kink", lambda: check(lambda lib, x: lib.nn.functional.selu(x), f64([0.]), grad2=True)),
    ("advanced indices split by a slice", lambda: check(lambda lib, x: x[0, :, [0, 1]], f64(np.ones((2, 3, 4))))),
    ("tril/triu of bool keep bool", lambda: check(lambda lib, x: lib.triu(x), Arr(np.ones((2, 2), bool)))),
    ("relu6/hardtanh keep integer dtypes", lambda: check(lambda lib, x: lib.nn.functional.relu6(x),
                                                         Arr(np.array([1, 7], np.int64)))),
    ("any/all of uint8 give uint8", lambda: check(lambda lib, x: x.any(), Arr(np.array([0, 2], np.uint8)))),
    ("vstack of 0-d", lambda: check(lambda lib, a: lib.vstack([a, a]), f64(1.0))),
    ("split of an empty dim", lambda: check(lambda lib, x: lib.split(x, 2, 0), f64(np.zeros((0, 2))))),
    ("narrow past the end", lambda: check(lambda lib, x: lib.narrow(x, 0, 1, 2), f64([1., 2.]))),
    ("movedim of 0-d", lambda: check(lambda lib, x: lib.movedim(x, 0, 0), f64(1.0))),
    ("pow_ on the CPU", lambda: check(lambda lib, x: x.pow_(2.0), f64([2.], False))),
    ("uint8 with a negative Python int", lambda: check(lambda lib, x: x * -1, Arr(np.array([1], np.uint8)))),
    ("in-place on an empty tensor", lambda: check(lambda lib, x: x.add_(1.0), f64(np.zeros((0, 2)), False))),
    ("gather with negative indices must raise", lambda: check(lambda lib, x, i: lib.gather(x, 0, i), f64([1., 2.]),
                                                             Arr(np.array([-1], np.int64)))),
    ("conv_transpose2d output_padding >= stride must raise", lambda: check(
        lambda lib, x, w: lib.nn.functional.conv_transpose2d(x, w, stride=1, output_padding=1),
        f64(np.ones((1, 1, 2, 2))), f64(np.ones((1, 1, 2, 2))))),
    ("hardtanh with min_val > max_val must raise", lambda: check(
        lambda lib, x: lib.nn.functional.hardtanh(x, 1.0, -1.0), f64([0.5]))),
    ("label_smoothing > 1 must raise", lambda: check(
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, label_smoothing=1.5), f64(np.ones((2, 3))),
        Arr(np.array([0, 1], np.int64)))),
    ("avg_pool2d divisor_override=0 must raise", lambda: check(
        lambda lib, x: lib.nn.functional.avg_pool2d(x, 2, divisor_override=0), f64(np.ones((1, 1, 2, 2))))),
    ("nonzero(as_tuple=True) of 0-d", lambda: check(lambda lib, x: lib.nonzero(x, as_tuple=True), f64(1.0, False))),
    ("adaptive_avg_pool2d to size 0", lambda: check(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 0),
                                                   f64(np.ones((1, 1, 2, 2))))),
    ("argmax of an empty tensor must raise", lambda: check(lambda lib, x: lib.argmax(x), f64(np.zeros(0)),
                                                          exact_error=True)),
    # new classes found by this suite and not fixed here
    ("NEW: cosine_similarity eps: each norm is clamped, not their product",
     lambda: check(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=0), f64([0.]), f64([2.]))),
    ("NEW: conv_transpose2d with a non-positive output size must raise",
     lambda: check(lambda lib, x, w: lib.nn.functional.conv_transpose2d(x, w, padding=1),
                   f64(np.ones((1, 1, 1, 1))), f64(np.ones((1, 2, 1, 1))))),
    ("NEW: elu/celu second derivative at exactly 0 is 0",
     lambda: check(lambda lib, x: lib.nn.functional.elu(x), f64([0.]), grad2=True)),
    ("NEW: pow double backward with an integer tensor exponent at 0",
     lambda: check(lambda lib, x, e: x ** e, f64([0., 1.]), Arr(np.array(0, np.uint8)), grad2=True)),
    ("NEW: F.pad modes reflect/replicate/circular",
     lambda: check(lambda lib, x: lib.nn.functional.pad(x, [1, 1], mode="reflect"), f64([[1., 2., 3.]]))),
    ("NEW: F.pad with a negative pad longer than the dim must raise",
     lambda: check(lambda lib, x: lib.nn.functional.pad(x, [0, -1]), f64(np.zeros((0,))))),
]


@pytest.mark.parametrize("reproducer", [pytest.param(fn, id=name, marks=xfail(name)) for name, fn in KNOWN])
def test_known_class(reproducer):
    reproducer()
