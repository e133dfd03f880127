"""Linear algebra: batched matmul (the primitive) and mm, bmm, dot, outer, einsum on top of it."""
from __future__ import annotations

import math

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import broadcast_shapes, check_same_dtype, expect_tensor, promote_pair, tensor_op
from .creation import arange


class MatMul(Function):
    """Batched product op(a) @ op(b), op = transpose of the last two dims when flagged (as BLAS
    gemm), both ndim >= 2 with broadcast batch dims; the engine sums the gradient back over
    broadcast batch dims. The flags keep backward free of transpose nodes, and backward is
    itself made of MatMul calls, so it is differentiable."""

    _primitive = True

    @staticmethod
    def forward(ctx, a, b, transpose_a=False, transpose_b=False):
        needs = ctx.needs_input_grad
        ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        ctx.flags = (transpose_a, transpose_b)
        ctx.shared_b = b.ndim == 2 and a.ndim > 2 and not transpose_a  # one b for every batch of a
        return a.device.backend.matmul(a._array, b._array, transpose_a, transpose_b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ta, tb = ctx.flags
        needs = ctx.needs_input_grad
        grad_a = grad_b = None
        if needs[0]:
            grad_a = MatMul.apply(b, grad, tb, True) if ta else MatMul.apply(grad, b, False, not tb)
        if needs[1]:
            if ctx.shared_b:
                grad_b = _shared_matrix_grad(a, grad, tb)
            else:
                grad_b = MatMul.apply(grad, a, True, ta) if tb else MatMul.apply(a, grad, not ta, False)
        return grad_a, grad_b, None, None



class Linear(Function):
    """x @ weight^T + bias as one node (F.linear with a bias, x of ndim >= 2): the bias is added
    in place into the product's fresh buffer, not into a second full-size array (the GPT's
    (2048, 512) activations, the LSTM LM's (700, 2000) logits). Backward: MatMul's for x and
    weight, grad itself for the bias (the engine sums it over the broadcast dims)."""

    _primitive = True

    @staticmethod
    def forward(ctx, x, weight, bias):
        out = MatMul.forward(ctx, x, weight, False, True)
        x.device.backend.binary_inplace("add", out, bias._array)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x, grad_weight, _, _ = MatMul.backward(ctx, grad)
        return grad_x, grad_weight, grad if ctx.needs_input_grad[2] else None

def _shared_matrix_grad(a, grad, transpose_b):
    """The gradient of a matrix b used by every batch of a (a linear layer on (N, T, C) input):
    one product over the folded rows, as PyTorch, instead of a batched product and a sum over the
    batch. a (..., n, k), grad (..., n, m) -> (m, k) if transpose_b else (k, m)."""
    count = math.prod(a.shape[:-1])  # not -1: a dim may be 0
    rows = a.reshape(count, a.shape[-1])
    grad_rows = grad.reshape(count, grad.shape[-1])
    return MatMul.apply(grad_rows, rows, True, False) if transpose_b else MatMul.apply(rows, grad_rows, True, False)


@tensor_op
def matmul(input: Tensor, other) -> Tensor:
    """PyTorch's matmul: 1-D@1-D -> 0-dim, 1-D@2-D, 2-D@1-D, and batched with broadcast batch dims.

    Shapes: (..., n, k) @ (..., k, m) -> (..., n, m); (2,1,2,3) @ (5,3,4) -> (2,5,2,4).

    Example:
    >>> a = tl.arange(6.).reshape(2, 3)
    >>> b = tl.ones(3, 2)
    >>> tl.matmul(a, b)
    tensor([[ 3.,  3.],
            [12., 12.]])
    >>> (a @ tl.ones(3)).shape
    tensorlite.Size([2])
    >>> tl.matmul(tl.ones(4, 1, 2, 3), tl.ones(5, 3, 2)).shape
    tensorlite.Size([4, 5, 2, 2])
    """
    check_same_dtype("matmul", input, other)
    if isinstance(input, Tensor) and input.dtype is _dt.bool_:
        raise NotImplementedError("matmul(): not implemented for 'Bool' (PyTorch has no bool matrix "
                                  "product); convert with .int() or .float() first")
    a, b = promote_pair("matmul", input, other)
    if a.ndim == 2 and b.ndim == 2 and a._array.shape[1] == b._array.shape[0]:
        return MatMul.apply(a, b, False, False)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    squeeze_front = a.ndim == 1
    squeeze_back = b.ndim == 1
    if squeeze_front:
        a = a.unsqueeze(0)
    if squeeze_back:
        b = b.unsqueeze(1)
    if a._array.shape[-1] != b._array.shape[-2]:
        if a.ndim == 2 and b.ndim == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a._array.shape[0]}x"
                               f"{a._array.shape[1]} and {b._array.shape[0]}x{b._array.shape[1]})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b._array.shape[0] if b.ndim > 2 else 1}, {a._array.shape[-1]}] but got: "
                           f"[{b._array.shape[0] if b.ndim > 2 else 1}, {b._array.shape[-2]}]."
                           if a.ndim == 3 and b.ndim == 3 else
                           f"matmul: inner dimensions do not match: {list(input.shape)} @ "
                           f"{list(other.shape)} ({a._array.shape[-1]} != {b._array.shape[-2]})")
    broadcast_shapes(a._array.shape[:-2], b._array.shape[:-2])
    out = MatMul.apply(a, b, False, False)
    if squeeze_front and squeeze_back:
        return out.reshape(out._array.shape[:-2])
    if squeeze_front:
        return out.squeeze(-2)
    if squeeze_back:
        return out.squeeze(-1)
    return out


@tensor_op
def mm(input: Tensor, mat2) -> Tensor:
    """(n, k) @ (k, m) -> (n, m); both must be 2-D.

    Example:
    >>> tl.mm(tl.tensor([[1., 2.], [3., 4.]]), tl.eye(2))
    tensor([[1., 2.],
            [3., 4.]])
    """
    expect_tensor("mm", "mat2", mat2)
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2D tensors, got {input.ndim}D and {mat2.ndim}D")
    return matmul(input, mat2)


@tensor_op
def bmm(input: Tensor, mat2) -> Tensor:
    """(b, n, k) @ (b, k, m) -> (b, n, m); no broadcasting.

    Example:
    >>> tl.bmm(tl.ones(4, 2, 3), tl.ones(4, 3, 5)).shape
    tensorlite.Size([4, 2, 5])
    """
    expect_tensor("bmm", "mat2", mat2)
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (bmm got {input.ndim}D and {mat2.ndim}D)")
    if mat2._array.shape[:2] != (input._array.shape[0], input._array.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input._array.shape[0]}, {input._array.shape[2]}] but got: "
                           f"[{mat2._array.shape[0]}, {mat2._array.shape[1]}].")
    return matmul(input, mat2)


@tensor_op
def dot(input: Tensor, other) -> Tensor:
    """Inner product of two 1-D tensors.

    Shapes: (n,) . (n,) -> () (a 0-dim tensor).

    Example:
    >>> tl.dot(tl.tensor([1., 2., 3.]), tl.tensor([4., 5., 6.]))
    tensor(32.)
    """
    expect_tensor("dot", "other", other)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input._array.shape != other._array.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._array.shape[0]}] and "
                           f"src [{other._array.shape[0]}] to have the same number of elements, but got "
                           f"{input._array.shape[0]} and {other._array.shape[0]} elements respectively")
    return matmul(input, other)


@tensor_op
def outer(input: Tensor, vec2) -> Tensor:
    """Outer product of two 1-D tensors: (n,) x (m,) -> (n, m).

    Also ``tl.ger``.

    Example:
    >>> tl.outer(tl.tensor([1., 2.]), tl.tensor([1., 10., 100.]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    """
    expect_tensor("outer", "vec2", vec2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D (shape {list(t.shape)})")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


ger = outer


_ELLIPSIS = "..."  # a token of the scanned equation, next to the one-letter labels


def _scan_einsum_term(text, offset, where, labels):
    """Append the labels of one term (letters, and "..." at most once) to ``labels``, with
    PyTorch's errors; ``offset`` is text's position in the equation (for the messages)."""
    i = 0
    while i < len(text):
        c = text[i]
        if c == " ":
            pass
        elif c == ".":
            if _ELLIPSIS in labels:
                raise RuntimeError(f"einsum(): found '.' for {where} "
                                   + ("for which an ellipsis was already found" if where != "output"
                                      else "but an ellipsis (...) was already found"))
            if text[i:i + 3] != "...":
                raise RuntimeError(f"einsum(): found '.' for {where} that is not part of any ellipsis"
                                   + (" (...)" if where == "output" else ""))
            labels.append(_ELLIPSIS)
            i += 2
        elif c.isascii() and c.isalpha():
            labels.append(c)
        else:
            raise RuntimeError(f"einsum(): invalid subscript {c!r} given at index {offset + i} in the "
                               f"equation string, subscripts must be in [a-zA-Z]")
        i += 1


def _scan_einsum(equation, count):
    """The labels of each operand and of the output (None: implicit), PyTorch's grammar: terms
    split by ',', an optional '->' output, spaces anywhere, one '...' per term."""
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    terms = [[]]
    start = 0
    for i, c in enumerate(lhs + ","):
        if c != ",":
            continue
        _scan_einsum_term(lhs[start:i], start, f"operand {len(terms) - 1}", terms[-1])
        start = i + 1
        if i < len(lhs):
            if len(terms) == count:
                raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                                   "equation")
            terms.append([])
    if len(terms) < count:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    if arrow < 0:
        return terms, None
    output = []
    _scan_einsum_term(equation[arrow + 2:], arrow + 2, "output", output)
    return terms, output


def _parse_einsum(equation, operands):
    """Each operand's term and the output as strings with one character per dim: the dims under
    "..." become Greek letters (never user labels), right-aligned across operands as in
    broadcasting. Returns (terms, output, size of each label)."""
    scanned, output = _scan_einsum(equation, len(operands))
    widths = []
    for k, (labels, op) in enumerate(zip(scanned, operands)):
        named = len(labels) - (_ELLIPSIS in labels)
        if (named > op.ndim) if _ELLIPSIS in labels else (named != op.ndim):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) "
                               + ("is more than" if _ELLIPSIS in labels else "does not match")
                               + f" the number of dimensions ({op.ndim}) for operand {k}"
                               + ("" if _ELLIPSIS in labels else " and no ellipsis was given"))
        widths.append(op.ndim - named if _ELLIPSIS in labels else 0)
    ellipsis_letters = "".join(chr(0x3B1 + i) for i in range(max(widths, default=0)))
    terms = ["".join(ellipsis_letters[len(ellipsis_letters) - w:] if c is _ELLIPSIS else c
                     for c in labels) for labels, w in zip(scanned, widths)]
    if output is None:
        counts = {}
        for term in terms:
            for c in term:
                counts[c] = counts.get(c, 0) + 1
        output = ellipsis_letters + "".join(sorted(c for c, n in counts.items()
                                                   if n == 1 and c.isascii()))
    else:
        output = "".join(ellipsis_letters if c is _ELLIPSIS else c for c in output)
    sizes = _check_einsum_labels(terms, output, operands)
    return terms, output, sizes


def _check_einsum_labels(terms, output, operands):
    """PyTorch's einsum errors: every output subscript appears once and in some input, and a subscript has one size (or 1, which broadcasts) wherever it appears.
    Returns each subscript's broadcast size."""
    for c in output:
        if output.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
        if not any(c in term for term in terms):
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for "
                               f"any input operand")
    sizes = {}
    for k, (term, op) in enumerate(zip(terms, operands)):
        seen = {}
        for c, n in zip(term, op._array.shape):
            if c in seen and seen[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the sizes "
                                   f"don't match, {n} != {seen[c]} (operand shape {list(op.shape)})")
            seen[c] = n
            previous = sizes.get(c, 1)
            if n != 1 and previous != 1 and n != previous:
                label = f"subscript {c}" if c.isascii() else "a dim under '...'"
                raise RuntimeError(f"einsum(): {label} has size {n} for operand {k} which does "
                                   f"not broadcast with previously seen size {previous}")
            sizes[c] = n if n != 1 else previous
    return sizes


def _broadcast_labels(term, operand, sizes):
    """Expand the size-1 dims of ``operand`` whose subscript has size n > 1 elsewhere."""
    target = tuple(sizes.get(c, n) if n == 1 else n for c, n in zip(term, operand._array.shape))
    return operand if target == operand._array.shape else operand.expand(target)


def _diagonal_labels(term, operand):
    """Take diagonals for labels repeated within one operand ('ii->i')."""
    while len(set(term)) != len(term):
        label = next(c for c in term if term.count(c) > 1)
        i = term.index(label)
        j = term.index(label, i + 1)
        n = operand._array.shape[i]
        idx = arange(n, device=operand.device)
        moved = operand.movedim(i, 0).movedim(j, 1)
        operand = moved[idx, idx]  # the diagonal, now dim 0
        rest = [c for k, c in enumerate(term) if k not in (i, j)]
        term = label + "".join(rest)
    return term, operand


def _contract(term_a, a, term_b, b, keep):
    """Contract two operands over their shared labels not in ``keep``; returns (term, tensor)."""
    batch = [c for c in term_a if c in term_b and c in keep]
    summed = [c for c in term_a if c in term_b and c not in keep]
    left = [c for c in term_a if c not in term_b]
    right = [c for c in term_b if c not in term_a]
    a = a.permute([term_a.index(c) for c in batch + left + summed])
    b = b.permute([term_b.index(c) for c in batch + summed + right])
    sa, sb = a._array.shape, b._array.shape
    nb, nl, ns = len(batch), len(left), len(summed)
    if not summed:  # nothing to sum: a broadcast product (as PyTorch, so bool operands work too)
        out = a.reshape(sa + (1,) * len(right)) * b.reshape(sb[:nb] + (1,) * nl + sb[nb:])
        return "".join(batch + left + right), out
    batch_shape = tuple(max(x, y) for x, y in zip(sa[:nb], sb[:nb]))

    def prod(shape):
        n = 1
        for s in shape:
            n *= s
        return n
    a2 = a.reshape(sa[:nb] + (prod(sa[nb:nb + nl]), prod(sa[nb + nl:])))
    b2 = b.reshape(sb[:nb] + (prod(sb[nb:nb + ns]), prod(sb[nb + ns:])))
    out = matmul(a2, b2).reshape(batch_shape + sa[nb:nb + nl] + sb[nb + ns:])
    return "".join(batch + left + right), out


def _subscript_letter(n) -> str:
    """A subscript of the sublist form: 0-25 are 'A'-'Z', 26-51 'a'-'z', Ellipsis '...'."""
    if n is Ellipsis:
        return "..."
    if isinstance(n, int) and 0 <= n < 26:
        return chr(ord("A") + n)
    if isinstance(n, int) and 26 <= n < 52:
        return chr(ord("a") + n - 26)
    raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")


def _einsum_arguments(args):
    """(equation, operands) from either call form: einsum(equation, *operands) (or a list of
    operands), or the sublist form einsum(op1, [0, 1], op2, [1, 2], [0, 2])."""
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or "
                         "at least one operand and its subscripts list")
    if isinstance(args[0], Tensor):
        sublists = args[1::2]
        operands = args[:-1:2] if len(args) % 2 else args[::2]
        equation = ",".join("".join(map(_subscript_letter, s)) for s in (sublists[:len(operands)]))
        if len(args) % 2:
            equation += "->" + "".join(map(_subscript_letter, args[-1]))
    else:
        equation, operands = args[0], args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(equation).__name__}")
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): expected Tensor as element {i} in argument 1 (operands), "
                            f"but got {type(op).__name__}")
    return equation, tuple(operands)


def einsum(*args):
    """Einstein summation, composed from permute, reshape, matmul and sum: PyTorch's grammar
    (terms split by ',', an optional '->' output, spaces anywhere, one '...' per term standing
    for broadcast dims, a label repeated within a term takes the diagonal, size-1 dims
    broadcast) and its sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

    Example: ``einsum('bij,bjk->bik', a, b)`` is a batched matmul; ``einsum('ii', m)`` the trace.

    Shapes: one labelled term per operand; the output has the labels after ``->`` (without
    ``->``: the '...' dims, then the labels that appear once, sorted, uppercase first).

    Example:
    >>> a = tl.arange(6.).reshape(2, 3)
    >>> tl.einsum('ij->ji', a).shape
    tensorlite.Size([3, 2])
    >>> tl.einsum('ij,j->i', a, tl.ones(3))
    tensor([ 3., 12.])
    >>> tl.einsum('ii', tl.eye(3))
    tensor(3.)
    >>> tl.einsum(a, [0, 1], [1])
    tensor([3., 5., 7.])
    """
    equation, operands = _einsum_arguments(args)
    terms, output, sizes = _parse_einsum(equation, operands)
    operands = [_broadcast_labels(t, o, sizes) for t, o in zip(terms, operands)]
    pairs = [_diagonal_labels(t, o) for t, o in zip(terms, operands)]
    for i, (term, op) in enumerate(pairs):  # sum labels that appear in this operand alone
        others = "".join(t for j, (t, _) in enumerate(pairs) if j != i) + output
        lonely = [k for k, c in enumerate(term) if c not in others]
        if lonely:
            op = op.sum(tuple(lonely))
            term = "".join(c for c in term if c in others)
        pairs[i] = (term, op)
    term, result = pairs[0]
    for k in range(1, len(pairs)):
        later = "".join(t for t, _ in pairs[k + 1:]) + output
        term_b, b = pairs[k]
        term, result = _contract(term, result, term_b, b, set(later))
    missing = [k for k, c in enumerate(term) if c not in output]
    if missing:
        result = result.sum(tuple(missing))
        term = "".join(c for c in term if c in output)
    if term != output:
        result = result.permute([term.index(c) for c in output])
    return result
