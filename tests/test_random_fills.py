"""Tensor.bernoulli_, random_ and exponential_: statistics under fixed seeds, ranges, dtypes,
reproducibility under manual_seed, and PyTorch's errors (on the suite's device)."""
import pytest

import tensorlite as tl

N = 20000


def _seeded(fill):
    tl.manual_seed(1234)
    first = fill()
    tl.manual_seed(1234)
    return first, fill()


def test_exponential_mean_range_and_reproducible():
    a, b = _seeded(lambda: tl.empty(N, dtype=tl.float64).exponential_(2.0))
    assert bool((a == b).all())
    assert a.dtype == tl.float64
    assert bool((a >= 0).all())
    assert abs(float(a.mean()) - 0.5) < 0.02  # std of the mean is 0.5 / sqrt(N) = 0.0035


@pytest.mark.parametrize("lambd", [0.0, -1.0])
def test_exponential_rejects_non_positive_rate(lambd):
    with pytest.raises(RuntimeError, match="lambda > 0"):
        tl.empty(3).exponential_(lambd)


def test_exponential_rejects_integer_tensor():
    with pytest.raises(RuntimeError, match="exponential_"):
        tl.empty(3, dtype=tl.int64).exponential_()


def test_bernoulli_scalar_and_tensor_probabilities():
    a, b = _seeded(lambda: tl.empty(N).bernoulli_(0.3))
    assert bool((a == b).all()) and a.dtype == tl.float32
    assert bool(((a == 0) | (a == 1)).all())
    assert abs(float(a.mean()) - 0.3) < 0.02
    p = tl.cat([tl.zeros(N // 2), tl.ones(N // 2)])
    c = tl.empty(N, dtype=tl.int64).bernoulli_(p)
    assert c.dtype == tl.int64
    assert int(c[: N // 2].sum()) == 0 and int(c[N // 2:].sum()) == N // 2


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_bernoulli_rejects_probability_outside_unit_interval(p):
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        tl.empty(3).bernoulli_(p)


def test_random_range_dtype_and_reproducible():
    a, b = _seeded(lambda: tl.empty(N, dtype=tl.int32).random_(3, 7))
    assert bool((a == b).all()) and a.dtype == tl.int32
    assert int(a.min()) == 3 and int(a.max()) == 6
    assert abs(float(a.double().mean()) - 4.5) < 0.05
    c = tl.empty(N).random_(5)
    assert c.dtype == tl.float32 and int(c.min()) == 0 and int(c.max()) == 4
    assert bool((c == c.floor()).all())
    d = tl.empty(N).random_()
    assert float(d.min()) >= 0 and float(d.max()) <= 2 ** 24


def test_random_rejects_empty_range():
    x = tl.zeros(3)
    with pytest.raises(RuntimeError, match="'from' to be less than 'to'"):
        x.random_(5, 5)
    assert bool((x == 0).all())


@pytest.mark.parametrize("fill", [lambda t: t.bernoulli_(), lambda t: t.random_(2),
                                  lambda t: t.exponential_()])
def test_fills_refuse_leaf_requiring_grad(fill):
    with pytest.raises(RuntimeError):
        fill(tl.zeros(3, requires_grad=True))


@pytest.mark.backend_pair
def test_fills_read_nothing_back_from_the_device(opencl, monkeypatch):
    from test_host_reads import HostReads
    x = tl.empty(64, device=opencl)
    p = tl.full((64,), 0.25, device=opencl)
    for warm_up in (True, False):  # the first round compiles the kernels
        reads = None if warm_up else HostReads(monkeypatch)
        x.bernoulli_(0.5), x.bernoulli_(p), x.random_(2, 9), x.exponential_(3.0)
    assert reads.seen == [], f"a random fill read the device: {reads.seen}"
    assert float(x.min()) >= 0 and reads.seen  # the natural sync: the counter sees it


@pytest.mark.parametrize("bad", [-0.5, 1.5, float("nan")])
def test_bernoulli_rejects_probability_tensor_outside_unit_interval(bad):
    x = tl.zeros(3)
    with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\]"):
        x.bernoulli_(tl.tensor([0.5, bad, 0.1]))
        tl.synchronize(x.device)  # a device reports at its next sync
