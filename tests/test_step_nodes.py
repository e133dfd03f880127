"""Fast paths of issue 11's training steps (benchmarks/gpt_step.py, lstm_lm_step.py), each against
its reference. split/chunk as one node (the GPT's q, k, v from one projection): the pieces share a
SplitBackward0 node whose backward is one cat, and everything a slice per piece gave is kept:
gradients (also with unused pieces), second derivatives, view semantics (in-place writes to the
base, the multi-view error), shared storage on save. (log_)softmax's first-order backward in
place equals the recorded one. Runs on the default device of the pass."""
import io

import numpy as np
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite.testing import check_backward, check_double_backward
from tensorlite.testing.strategies import shapes


@st.composite
def split_cases(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    if draw(st.booleans()) or n == 0:
        how = ("chunk", draw(st.integers(1, 4)))
    elif draw(st.booleans()):
        how = ("split", draw(st.integers(1, n + 1)))
    else:
        cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
        how = ("split", [b - a for a, b in zip([0] + cuts, cuts + [n])])
    used = draw(st.lists(st.booleans(), min_size=6, max_size=6))
    seed = draw(st.integers(0, 2 ** 16))
    return shape, dim, how, used, seed


def _pieces(x, dim, how):
    kind, arg = how
    return x.chunk(arg, dim) if kind == "chunk" else x.split(arg, dim)


def _composed(x, dim, how):
    """The reference: each piece as its own narrow (a slice node per piece)."""
    axis = dim % x.ndim
    out, start = [], 0
    for p in _pieces(x.detach(), dim, how):
        length = p.shape[axis]
        out.append(x.narrow(axis, start, length))
        start += length
    return out


def _loss(pieces, used):
    # a weight per piece so a swapped or misplaced gradient changes the result
    terms = [(p * (i + 1)).sin().sum() for i, p in enumerate(pieces) if used[i % len(used)]]
    return sum(terms) if terms else None


@given(split_cases())
def test_split_pieces_share_one_node_and_match_the_slices(case):
    shape, dim, how, used, seed = case
    x = tl.randn(*shape, dtype=tl.float64, generator=tl.Generator().manual_seed(seed), requires_grad=True)
    pieces = _pieces(x, dim, how)
    reference = _composed(x, dim, how)
    assert len(pieces) == len(reference)
    for p, r in zip(pieces, reference):
        np.testing.assert_array_equal(p.detach().numpy(), r.detach().numpy())
        assert (p._base is x) == (r._base is x)  # a view exactly where the slice is one
    assert len({id(p.grad_fn) for p in pieces}) == 1
    sizes_listed = isinstance(how[1], list) or (how[0] == "chunk" and x.shape[dim] == 0)  # as PyTorch
    expected = "SplitWithSizesBackward0" if sizes_listed else "SplitBackward0"
    assert type(pieces[0].grad_fn).__name__ == expected
    loss, ref_loss = _loss(pieces, used), _loss(reference, used)
    if loss is None:
        return
    (got,) = tl.autograd.grad(loss, x)
    (want,) = tl.autograd.grad(ref_loss, x)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


@given(split_cases())
def test_split_gradients_in_float64(case):
    shape, dim, how, used, seed = case
    x = tl.randn(*shape, dtype=tl.float64, generator=tl.Generator().manual_seed(seed))

    def fn(x):
        pieces = _pieces(x, dim, how)
        kept = tuple(p * (i + 1) for i, p in enumerate(pieces) if used[i % len(used)])
        return kept or pieces[-1] * 2  # the unused pieces get materialized zero gradients

    check_backward(fn, x)
    check_double_backward(fn, x)


def test_split_of_a_base_written_in_place_replays_the_slice():
    x = tl.randn(2, 6, dtype=tl.float64, requires_grad=True)
    base = x * 1
    q, k, v = base.split(2, dim=1)
    base.mul_(3)  # the pieces see the write and their gradient goes through it
    np.testing.assert_allclose(k.detach().numpy(), 3 * x.detach().numpy()[:, 2:4])
    (k * tl.arange(4, dtype=tl.float64).reshape(2, 2)).sum().backward()
    expected = np.zeros((2, 6))
    expected[:, 2:4] = 3 * np.arange(4).reshape(2, 2)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_split_pieces_refuse_in_place_writes_while_they_require_grad():
    x = tl.randn(2, 6, requires_grad=True) * 1
    q, _, _ = x.chunk(3, dim=1)
    try:
        q.add_(1)
    except RuntimeError as error:
        assert "Output 0 of SplitBackward0 is a view" in str(error)
    else:
        raise AssertionError("an in-place write to a split piece that requires grad must raise")
    with tl.no_grad():
        a, b = tl.zeros(4).split(2)
    b.add_(1)  # no graph: a plain view write
    assert a._base is b._base


def test_saved_split_pieces_still_share_storage(cpu_default_device):
    x = tl.arange(6.0)
    buffer = io.BytesIO()
    tl.save({"pieces": x.split([2, 4]), "x": x}, buffer)
    buffer.seek(0)
    loaded = tl.load(buffer)
    loaded["x"].mul_(2)
    np.testing.assert_array_equal(loaded["pieces"][1].numpy(), [4.0, 6.0, 8.0, 10.0])


@given(shapes(min_dims=1, max_dims=3, min_side=1, max_side=5), st.booleans(), st.booleans(),
       st.integers(0, 2 ** 16), st.data())
def test_softmax_first_order_backward_equals_the_recorded_one(shape, log, broadcast_grad, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    gen = tl.Generator().manual_seed(seed)
    x = (tl.randn(*shape, dtype=tl.float64, generator=gen) * 3).requires_grad_()
    upstream = tl.randn(*shape, dtype=tl.float64, generator=gen)
    if broadcast_grad:  # a stride-0 gradient (as from sum's backward): read, never written
        upstream = upstream[(slice(0, 1),) * len(shape)].expand(*shape)
    fn = tl.nn.functional.log_softmax if log else tl.nn.functional.softmax
    (first,) = tl.autograd.grad(fn(x, dim), x, upstream)
    (recorded,) = tl.autograd.grad(fn(x, dim), x, upstream, create_graph=True)
    assert recorded.requires_grad and not first.requires_grad
    np.testing.assert_allclose(first.numpy(), recorded.detach().numpy(), rtol=1e-12, atol=1e-12)
    check_backward(lambda t: fn(t, dim), x.detach())
    check_double_backward(lambda t: fn(t, dim), x.detach())


@st.composite
def sparse_scatter_cases(draw):
    """scatter_add of few sources into a large tensor (a gather's backward): the sparse path
    (at most 1/8 of the destination written) and the dense one, repeated destinations, a
    transposed (F-ordered) destination."""
    rows, cols = draw(st.integers(1, 12)), draw(st.integers(1, 40))
    dim = draw(st.integers(0, 1))
    k = draw(st.integers(1, 3))  # index extent along dim
    other = draw(st.integers(1, (rows, cols)[1 - dim]))
    index_shape = (k, other) if dim == 0 else (other, k)
    seed = draw(st.integers(0, 2 ** 16))
    return rows, cols, dim, index_shape, draw(st.booleans()), draw(st.sampled_from(["float32", "float64"])), seed


@given(sparse_scatter_cases())
def test_scatter_add_of_few_sources_equals_the_dense_sum(case):
    rows, cols, dim, index_shape, transposed, dtype, seed = case
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((cols, rows) if transposed else (rows, cols)).astype(dtype)
    base[0, 0] = np.nan  # untouched positions keep their values, nan included
    index = rng.integers(0, (rows, cols)[dim], index_shape)
    src = rng.standard_normal(index_shape).astype(dtype)
    x = tl.tensor(base)
    x = x.t() if transposed else x
    out = tl.scatter_add(x, dim, tl.tensor(index), tl.tensor(src))
    expected = (base.T if transposed else base).astype(np.float64)
    coords = list(np.indices(index_shape))
    coords[dim] = index
    np.add.at(expected, tuple(coords), src.astype(np.float64))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-6)


def test_nll_loss_gradient_with_ignored_targets_on_a_large_vocabulary():
    logp = tl.randn(6, 50, dtype=tl.float64).log_softmax(1).requires_grad_()
    target = tl.tensor([3, -100, 3, 49, 0, -100])
    tl.nn.functional.nll_loss(logp, target, reduction="sum").backward()
    expected = np.zeros((6, 50))
    for row, t in enumerate(target.tolist()):
        if t != -100:
            expected[row, t] = -1.0
    np.testing.assert_array_equal(logp.grad.numpy(), expected)
