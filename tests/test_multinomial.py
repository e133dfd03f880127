"""tl.multinomial / Tensor.multinomial: shapes, PyTorch's errors, seeding and the sampled
distributions (fixed seeds, many draws, bounds many standard deviations wide)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl

P = np.array([0.1, 0.2, 0.3, 0.4, 0.0])


def _frequencies(samples, k):
    return np.bincount(samples.reshape(-1), minlength=k) / samples.size


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64])
def test_with_replacement_matches_the_weights(dtype):
    tl.manual_seed(0)
    weights = tl.tensor(P * 3.0, dtype=dtype)  # unnormalised weights are fine
    samples = tl.multinomial(weights, 100_000, replacement=True).numpy()
    # a frequency's standard deviation is at most 0.0016 here: 0.01 is over 6 of them
    np.testing.assert_allclose(_frequencies(samples, 5), P, atol=0.01)
    batch = tl.multinomial(tl.tensor(np.tile(P, (20_000, 1)), dtype=dtype), 3, True).numpy()
    np.testing.assert_allclose(_frequencies(batch, 5), P, atol=0.01)


def test_without_replacement_draw_order_distribution():
    """First draw ~ P; second draw j: sum over i of P_i * P_j / (1 - P_i); zero weights never."""
    tl.manual_seed(1)
    rows = 40_000
    samples = tl.multinomial(tl.tensor(np.tile(P, (rows, 1))), 2).numpy()
    second = np.array([sum(P[i] * P[j] / (1 - P[i]) for i in range(5) if i != j) for j in range(5)])
    np.testing.assert_allclose(_frequencies(samples[:, 0], 5), P, atol=0.012)
    np.testing.assert_allclose(_frequencies(samples[:, 1], 5), second, atol=0.012)
    assert (samples[:, 0] != samples[:, 1]).all()


@given(weights=st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=1, max_size=8)
       .filter(lambda w: sum(w) > 0), rows=st.integers(1, 3), data=st.data())
def test_without_replacement_is_a_permutation_prefix(weights, rows, data):
    k = len(weights)
    num = data.draw(st.integers(1, k))
    out = tl.multinomial(tl.tensor([weights] * rows), num)
    assert out.dtype is tl.int64 and out.shape == (rows, num)
    positive = sum(w > 0 for w in weights)
    for row in out.tolist():
        assert len(set(row)) == num and all(0 <= i < k for i in row)
        # every positive-weight category comes before any zero-weight one
        assert all(weights[i] > 0 for i in row[:positive])


@given(weights=st.lists(st.sampled_from([0.0, 0.25, 2.0]), min_size=1, max_size=6)
       .filter(lambda w: sum(w) > 0), num=st.integers(1, 9))
def test_with_replacement_never_draws_a_zero_weight(weights, num):
    out = tl.tensor(weights).multinomial(num, replacement=True)
    assert out.dtype is tl.int64 and out.shape == (num,)
    assert all(weights[i] > 0 for i in out.tolist())


def test_seeding_and_generator():
    w = tl.ones(3, 10)
    tl.manual_seed(5)
    a = tl.multinomial(w, 4).tolist(), tl.multinomial(w, 6, True).tolist()
    tl.manual_seed(5)
    assert (tl.multinomial(w, 4).tolist(), tl.multinomial(w, 6, True).tolist()) == a
    g1, g2 = tl.Generator().manual_seed(3), tl.Generator().manual_seed(3)
    tl.manual_seed(5)
    assert w.multinomial(4, generator=g1).tolist() == w.multinomial(4, generator=g2).tolist()
    assert tl.multinomial(w, 4).tolist() == a[0]  # the default generator was not advanced


def test_many_samples_with_replacement_in_blocks():
    """More samples than one comparison block holds: the blocks are joined in order."""
    tl.manual_seed(2)
    out = tl.multinomial(tl.tensor([0.0, 1.0, 1.0, 0.0] * 64), 70_000, replacement=True)
    assert out.shape == (70_000,)
    values = out.numpy()
    assert set(np.unique(values) % 4) <= {1, 2}


def test_empty_batch_and_gradient_free_output():
    assert tl.multinomial(tl.zeros(0, 3), 2).shape == (0, 2)
    assert tl.multinomial(tl.zeros(0, 3), 5, True).shape == (0, 5)
    out = tl.multinomial(tl.ones(3, requires_grad=True), 2)
    assert not out.requires_grad and out.dtype is tl.int64


@pytest.mark.parametrize("call, exc, words", [
    (lambda: tl.multinomial(tl.tensor([0.2, 0.8]), 3), RuntimeError, ["without replacement", "3 > 2"]),
    (lambda: tl.multinomial(tl.tensor([0.2, 0.8]), 0), RuntimeError, ["n_sample <= 0"]),
    (lambda: tl.multinomial(tl.tensor([0.2, 0.8]), 1.5), TypeError, ["num_samples", "float"]),
    (lambda: tl.multinomial(tl.tensor(0.5), 1), RuntimeError, ["1 or 2 dim"]),
    (lambda: tl.multinomial(tl.ones(2, 2, 2), 1), RuntimeError, ["1 or 2 dim", "[2, 2, 2]"]),
    (lambda: tl.multinomial(tl.tensor([1, 2]), 1), RuntimeError, ["floating-point", "int64"]),
    (lambda: tl.multinomial(tl.zeros(2, 0), 1, True), RuntimeError, ["sum of probabilities <= 0"]),
    (lambda: tl.multinomial([0.5, 0.5], 1), TypeError, ["multinomial", "Tensor"]),
])
def test_argument_errors(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("replacement", [False, True])
@pytest.mark.parametrize("weights, words", [
    ([-0.1, 0.8], "`inf`, `nan` or element < 0"), ([float("inf"), 0.8], "`inf`, `nan` or element < 0"),
    ([float("nan"), 0.8], "`inf`, `nan` or element < 0"), ([[0.0, 0.0], [1.0, 1.0]], "sum of probabilities <= 0"),
])
def test_value_errors(weights, words, replacement):
    """Raised at once on the host; on a device at the next read of the result (device-side assert)."""
    with pytest.raises(RuntimeError, match="multinomial.*" + words.replace("`", ".").replace("(", "\\(")):
        tl.multinomial(tl.tensor(weights), 1, replacement).tolist()
