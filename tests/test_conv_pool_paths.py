"""The NumPy backend's fast paths of pooling (max-pool without padding, the row scatter of
max-pool's backward) against element-by-element references, over random geometries with ties,
infinities and NaN. Runs on both backends (the references are NumPy)."""
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite.testing import tensors


def _windows_first_max(x, k, s, p, d):
    """PyTorch's max-pool values and flat indices, window by window: over the in-range taps in
    row-major order, the last NaN if there is one, else the first maximum. A window of padding
    only gives (-inf, None)."""
    n, c, h, w = x.shape
    oh, ow = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1, (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    values = np.full((n, c, oh, ow), -np.inf)
    indices = np.full((n, c, oh, ow), None, dtype=object)
    for b, ch, y, z in np.ndindex(n, c, oh, ow):
        taps = [(r, q) for i in range(k[0]) for j in range(k[1])
                for r, q in [(y * s[0] - p[0] + i * d[0], z * s[1] - p[1] + j * d[1])] if 0 <= r < h and 0 <= q < w]
        if not taps:
            continue
        plane = x[b, ch]
        nans = [t for t in taps if math.isnan(plane[t])]
        best = nans[-1] if nans else max(taps, key=lambda t: (plane[t], -taps.index(t)))
        values[b, ch, y, z], indices[b, ch, y, z] = plane[best], best[0] * w + best[1]
    return values, indices


@given(k=st.tuples(st.integers(1, 3), st.integers(1, 3)), s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       d=st.tuples(st.integers(1, 2), st.integers(1, 2)), padded=st.booleans(),
       dtype=st.sampled_from([tl.float32, tl.float64]), data=st.data())
def test_max_pool_takes_the_first_maximum_or_the_last_nan(k, s, d, padded, dtype, data):
    p = (data.draw(st.integers(0, k[0] // 2)), data.draw(st.integers(0, k[1] // 2))) if padded else (0, 0)
    shape = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 7)),
             data.draw(st.integers(1, 7)))
    assume(all(n + 2 * q - e * (m - 1) - 1 >= 0 for n, q, e, m in zip(shape[2:], p, d, k)))
    x = data.draw(tensors(shape=shape, dtype=dtype,
                          elements=st.sampled_from([-math.inf, 0.0, 1.0, 1.0, 2.0, math.inf, math.nan])))
    values, indices = F.max_pool2d(x, k, s, p, d, return_indices=True)
    expected_values, expected_indices = _windows_first_max(x.numpy().astype(np.float64), k, s, p, d)
    got_values, got_indices = values.numpy(), indices.numpy()
    for at in np.ndindex(*expected_values.shape):
        if expected_indices[at] is None:  # padding only: covered by test_nn_layers_issue11
            continue
        assert got_indices[at] == expected_indices[at], at
        assert got_values[at] == expected_values[at] or (math.isnan(got_values[at]) and math.isnan(expected_values[at]))


@given(rows=st.tuples(st.integers(1, 3), st.integers(1, 3)), width=st.integers(1, 6), count=st.integers(0, 6),
       transposed=st.booleans(), scalar=st.booleans(), data=st.data())
def test_scatter_along_the_last_dim_writes_in_order(rows, width, count, transposed, scalar, data):
    """Each src element lands at its index; of duplicates, the last in row-major order wins."""
    x = data.draw(tensors(shape=rows[::-1] + (width,) if transposed else rows + (width,)))
    if transposed:  # a non-contiguous input: the scatter writes into a copy of it
        x = x.transpose(0, 1)
    index_np = np.asarray(data.draw(st.lists(st.integers(0, width - 1), min_size=rows[0] * rows[1] * count,
                                             max_size=rows[0] * rows[1] * count)), dtype=np.int64)
    index = tl.tensor(index_np.reshape(rows + (count,)))
    src = 7.5 if scalar else data.draw(tensors(shape=rows + (count,)))
    dim = data.draw(st.sampled_from([2, -1]))
    out = x.scatter(dim, index, value=src) if scalar else x.scatter(dim, index, src)
    expected = x.numpy().copy()
    values = np.full(rows + (count,), src) if scalar else src.numpy()
    for a, b, m in np.ndindex(*rows, count):
        expected[a, b, index_np.reshape(rows + (count,))[a, b, m]] = values[a, b, m]
    np.testing.assert_array_equal(out.numpy(), expected)


# -- recycled outputs and scratch arrays (tensorlite/backends/_recycle.py) ----------------------
def test_recycler_hands_an_array_back_only_when_no_one_holds_it():
    from tensorlite.backends._recycle import Recycler
    pool = Recycler()
    a = pool.give("cols", pool.take("cols", (128, 256), np.float32))
    view = a[1:].reshape(-1)
    del a
    b = pool.take("cols", (128, 256), np.float32)  # a is still held through its view
    assert not np.shares_memory(b, view)
    pool.give("cols", b)
    del view
    c = pool.take("cols", (128, 256), np.float32)
    d = pool.take("cols", (128, 256), np.float32)
    assert not np.shares_memory(c, d) and c.shape == d.shape == (128, 256) and c.dtype == np.float32
    assert pool.take("cols", (128, 256), np.float64).dtype == np.float64  # another key: a new array


def test_recycler_takes_and_gives_from_several_threads():
    """give's eviction walks every kept key: another thread's take or give resized the dict
    under it ('dictionary changed size during iteration') before the pool had a lock."""
    import sys
    import threading
    from tensorlite.backends._recycle import Recycler
    pool, errors = Recycler(limit_bytes=8 * 1024 * 1024), []

    def work(seed):
        rng = np.random.default_rng(seed)
        try:
            for i in range(3000):
                tag = f"t{i % 7}"
                array = pool.give(tag, pool.take(tag, (int(rng.integers(64, 80)), 256), np.float32))
                array.fill(seed)
                assert (array == seed).all()  # no other thread was handed the same array
                del array
        except Exception as error:  # noqa: BLE001 (reported by the main thread)
            errors.append(error)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


@given(data=st.data())
def test_outputs_held_across_calls_keep_their_values(data):
    """An unfold, fold or max-pool result (or a view of it) the caller still holds is never
    written by a later call of the same shape, eager or compiled; dropped ones may be reused."""
    shape = (data.draw(st.integers(1, 40)), 8, 12, 12)  # >= 64 KiB of columns: the pooled sizes
    first, second = tl.randn(*shape), tl.randn(*shape)
    cols = F.unfold(first, 3)
    row = F.unfold(first, 3)[0, 1]
    pooled, indices = F.max_pool2d(first, 2, return_indices=True)
    folded = F.fold(cols, (12, 12), 3)
    expected = [t.numpy().copy() for t in (cols, row, pooled, indices, folded)]
    for _ in range(2):
        F.fold(F.unfold(second, 3), (12, 12), 3)
        F.max_pool2d(second, 2, return_indices=True)
    for held, values in zip((cols, row, pooled, indices, folded), expected):
        np.testing.assert_array_equal(held.numpy(), values)


def test_compiled_steps_returning_pooled_outputs_keep_each_result():
    step = tl.compile(lambda x: (F.unfold(x, 3), F.max_pool2d(x, 2)))
    inputs = [tl.randn(16, 8, 12, 12) for _ in range(5)]
    results = [step(x) for x in inputs]
    for x, (cols, pooled) in zip(inputs, results):
        np.testing.assert_array_equal(cols.numpy(), F.unfold(x, 3).numpy())
        np.testing.assert_array_equal(pooled.numpy(), F.max_pool2d(x, 2).numpy())


def _fold_reference(cols, output_size, k, s, p, d):
    """col2im window by window: cols (N, C*kh*kw, L) added at each window's in-range taps."""
    n, rows, _ = cols.shape
    c = rows // (k[0] * k[1])
    oh = (output_size[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (output_size[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c) + tuple(output_size))
    blocks = cols.reshape(n, c, k[0], k[1], oh, ow)
    for i, j, y, x in np.ndindex(k[0], k[1], oh, ow):
        r, q = y * s[0] - p[0] + i * d[0], x * s[1] - p[1] + j * d[1]
        if 0 <= r < output_size[0] and 0 <= q < output_size[1]:
            out[:, :, r, q] += blocks[:, :, i, j, y, x]
    return out


@pytest.mark.parametrize("k, s, p, d", [((3, 3), (1, 1), (0, 0), (1, 1)), ((3, 2), (1, 2), (1, 0), (2, 1)),
                                        ((2, 3), (2, 1), (0, 1), (1, 2)), ((1, 3), (1, 1), (0, 1), (1, 1)),
                                        ((3, 3), (2, 2), (1, 1), (1, 1))])
@given(size=st.tuples(st.integers(1, 7), st.integers(1, 7)), n=st.integers(1, 3), c=st.integers(1, 3),
       data=st.data())
def test_fold_adds_every_window_at_its_taps(k, s, p, d, size, n, c, data):
    """F.fold (layout 'batch') and conv2d's input gradient (fold of layout 'columns') against a
    window-by-window col2im, stride 1 down the rows (the row-sum path, with dilation) and strided."""
    size = (size[0] + d[0] * (k[0] - 1), size[1] + d[1] * (k[1] - 1))  # at least one window
    oh = (size[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (size[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    assume(oh >= 1 and ow >= 1)
    cols = data.draw(tensors(shape=(n, c * k[0] * k[1], oh * ow)))
    folded = F.fold(cols, size, k, dilation=d, padding=p, stride=s)
    expected = _fold_reference(cols.numpy(), size, k, s, p, d)
    np.testing.assert_allclose(folded.numpy(), expected, rtol=1e-12, atol=1e-12)
    x = tl.zeros(n, c, *size, dtype=tl.float64, requires_grad=True)
    weight = data.draw(tensors(shape=(2, c) + k))
    upstream = data.draw(tensors(shape=(n, 2, oh, ow)))
    (F.conv2d(x, weight, stride=s, padding=p, dilation=d) * upstream).sum().backward()
    cols_grad = np.einsum("ocij,noyx->ncijyx", weight.numpy(), upstream.numpy()).reshape(n, -1, oh * ow)
    np.testing.assert_allclose(x.grad.numpy(), _fold_reference(cols_grad, size, k, s, p, d), rtol=1e-12, atol=1e-12)
