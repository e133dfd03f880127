"""einsum: PyTorch's full grammar (implicit output, '...' anywhere in any operand, a label
repeated within an operand = its diagonal, size-1 dims that broadcast, spaces, the sublist form)
against NumPy's einsum on explicitly broadcast operands, float64 gradients and second
derivatives, PyTorch's error messages, and the two backends."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite.testing import check_backends_agree, check_backward, check_double_backward

LABELS = "abcAB"


@st.composite
def einsum_problems(draw):
    """(equation, operand arrays, explicit equation and broadcast operands for NumPy)."""
    sizes = {c: draw(st.integers(1, 3)) for c in LABELS}
    ellipsis_shape = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    operands = []  # (labels, position of '...' or None, the '...' dims, array)
    for _ in range(draw(st.integers(1, 3))):
        labels = draw(st.lists(st.sampled_from(LABELS), max_size=3))
        at = draw(st.one_of(st.none(), st.integers(0, len(labels))))
        # size-1 dims broadcast: a label used once in this operand may have size 1 here
        shape = [1 if labels.count(c) == 1 and draw(st.booleans()) else sizes[c] for c in labels]
        dims = []
        if at is not None:
            width = draw(st.integers(0, len(ellipsis_shape)))
            dims = [1 if draw(st.booleans()) else d for d in ellipsis_shape[len(ellipsis_shape) - width:]]
            shape[at:at] = dims
        array = np.random.default_rng(draw(st.integers(0, 2 ** 16))).standard_normal(shape)
        operands.append((labels, at, dims, array))
    terms = ["".join(l) if at is None else "".join(l[:at]) + "..." + "".join(l[at:])
             for l, at, _, _ in operands]
    counts = {}
    for labels, _, _, _ in operands:
        for c in labels:
            counts[c] = counts.get(c, 0) + 1
    any_ellipsis = any(at is not None for _, at, _, _ in operands)
    implicit = ("..." if any_ellipsis else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    if draw(st.booleans()):
        output = None
    else:
        chosen = draw(st.permutations(sorted(counts)))
        chosen = chosen[:draw(st.integers(0, len(chosen)))]
        cut = draw(st.integers(0, len(chosen)))
        output = "".join(chosen[:cut]) + ("..." if any_ellipsis else "") + "".join(chosen[cut:])
    equation = ",".join(terms) + ("" if output is None else "->" + output)
    if draw(st.booleans()):  # spaces anywhere (but not inside '...' or '->')
        equation = " ".join(equation.replace("...", "\0").replace("->", "\1")).replace(
            "\0", "...").replace("\1", "->")
    reference = ",".join(terms) + "->" + (implicit if output is None else output)
    return equation, [a for *_, a in operands], reference, _broadcast_operands(operands)


def _broadcast_operands(operands):
    """The operands with their size-1 dims expanded (NumPy's einsum does not broadcast them)."""
    label_size, ellipsis = {}, ()
    for labels, at, dims, array in operands:
        named = list(array.shape) if at is None else list(array.shape[:at]) + list(array.shape[at + len(dims):])
        for c, n in zip(labels, named):
            label_size[c] = max(label_size.get(c, 1), n)
        ellipsis = np.broadcast_shapes(ellipsis, tuple(dims))
    expanded = []
    for labels, at, dims, array in operands:
        full = [label_size[c] for c in labels]
        if at is not None:
            full[at:at] = ellipsis[len(ellipsis) - len(dims):] if dims else []
        expanded.append(np.broadcast_to(array, tuple(full)))
    return expanded


@given(problem=einsum_problems())
def test_matches_numpy_on_the_full_grammar(problem):
    equation, arrays, reference, expanded = problem
    expected = np.einsum(reference, *expanded)
    got = tl.einsum(equation, *[tl.tensor(a) for a in arrays])
    assert tuple(got.shape) == expected.shape, (equation, reference)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10, atol=1e-10)


@given(problem=einsum_problems())
def test_gradients_on_the_full_grammar(problem):
    equation, arrays, _, _ = problem
    inputs = [tl.tensor(a, dtype=tl.float64) for a in arrays]
    check_backward(lambda *xs: tl.einsum(equation, *xs), *inputs)
    check_double_backward(lambda *xs: tl.einsum(equation, *xs), *inputs)


@pytest.mark.parametrize("equation,shapes,expected_shape", [
    ("ij->j", [(2, 3)], (3,)),
    ("ij", [(2, 3)], (2, 3)),
    ("ji", [(2, 3)], (3, 2)),            # implicit output: sorted labels, so a transpose
    ("ii->i", [(3, 3)], (3,)),
    ("ii", [(3, 3)], ()),
    ("iji->j", [(2, 3, 2)], (3,)),
    ("i...i->...", [(3, 4, 5, 3)], (4, 5)),
    ("...ii->...i", [(4, 3, 3)], (4, 3)),
    ("a...b,b...->a...", [(2, 3, 4), (4, 3)], (2, 3)),
    ("ij, jk -> ik", [(2, 3), (3, 4)], (2, 4)),
    ("ij,ij->ij", [(2, 1), (1, 3)], (2, 3)),
    ("iI", [(2, 3)], (3, 2)),            # uppercase sorts first, as in PyTorch
    ("", [()], ()),
    (",", [(), ()], ()),
    ("...", [(2, 3)], (2, 3)),
    ("ij->", [(0, 3)], ()),
])
def test_grammar_examples(equation, shapes, expected_shape):
    arrays = [np.arange(1.0, 1.0 + np.prod(s)).reshape(s) for s in shapes]
    out = tl.einsum(equation, *[tl.tensor(a) for a in arrays])
    assert tuple(out.shape) == expected_shape


def test_sublist_form():
    a, b = tl.randn(2, 3), tl.randn(3, 4)
    np.testing.assert_allclose(tl.einsum(a, [0, 1], b, [1, 2], [0, 2]).numpy(), (a @ b).numpy(), rtol=1e-6)
    assert tl.einsum(tl.ones(5, 2, 3), [Ellipsis, 0, 1], [Ellipsis, 1]).shape == (5, 3)
    assert tl.einsum(a, [27, 26]).shape == (3, 2)  # 26 is 'a', 27 'b': implicit output 'ab'
    with pytest.raises(ValueError, match=r"not within the valid range \[0, 52\)"):
        tl.einsum(a, [0, 52])


@pytest.mark.parametrize("call,error,message", [
    (lambda: tl.einsum("i.j", tl.ones(2, 3)), RuntimeError,
     "einsum(): found '.' for operand 0 that is not part of any ellipsis"),
    (lambda: tl.einsum("i.....", tl.ones(2)), RuntimeError,
     "einsum(): found '.' for operand 0 for which an ellipsis was already found"),
    (lambda: tl.einsum("ab->a.", tl.ones(2, 3)), RuntimeError,
     "einsum(): found '.' for output that is not part of any ellipsis (...)"),
    (lambda: tl.einsum("ab->a......", tl.ones(2, 3)), RuntimeError,
     "einsum(): found '.' for output but an ellipsis (...) was already found"),
    (lambda: tl.einsum("ij->j->i", tl.ones(2, 2)), RuntimeError,
     "einsum(): invalid subscript '-' given at index 5 in the equation string, subscripts must be in [a-zA-Z]"),
    (lambda: tl.einsum("ij->k", tl.ones(2, 2)), RuntimeError,
     "einsum(): output subscript k does not appear in the equation for any input operand"),
    (lambda: tl.einsum("ij->ii", tl.ones(2, 2)), RuntimeError,
     "einsum(): output subscript i appears more than once in the output"),
    (lambda: tl.einsum("ij,jk", tl.ones(2, 2)), RuntimeError,
     "einsum(): fewer operands were provided than specified in the equation"),
    (lambda: tl.einsum("ij", tl.ones(2, 2), tl.ones(2, 2)), RuntimeError,
     "einsum(): more operands were provided than specified in the equation"),
    (lambda: tl.einsum("ijk", tl.ones(2, 2)), RuntimeError,
     "einsum(): the number of subscripts in the equation (3) does not match the number of dimensions (2) "
     "for operand 0 and no ellipsis was given"),
    (lambda: tl.einsum("ijk...", tl.ones(2, 2)), RuntimeError,
     "einsum(): the number of subscripts in the equation (3) is more than the number of dimensions (2) "
     "for operand 0"),
    (lambda: tl.einsum("ij"), ValueError, "einsum(): must specify the equation string"),
    (lambda: tl.einsum("ij,jk", tl.ones(2, 2), [[1.0]]), TypeError,
     "einsum(): expected Tensor as element 1 in argument 1 (operands), but got list"),
])
def test_errors_are_pytorchs(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message)


@pytest.mark.backend_pair
@pytest.mark.parametrize("equation,shapes", [
    ("ii->i", [(3, 3)]), ("i...i->...", [(3, 2, 3)]), ("ij,ij->ij", [(2, 1), (1, 3)]),
    ("...ij,...jk", [(2, 3, 4), (4, 5)]), ("bij,bjk->bik", [(1, 2, 3), (4, 3, 2)]),
])
def test_backends_agree(equation, shapes, opencl):
    inputs = [tl.randn(s) for s in shapes]
    check_backends_agree(lambda *xs: tl.einsum(equation, *xs), *inputs, device=opencl,
                         rtol=1e-5, atol=1e-6)
