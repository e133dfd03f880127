"""The margin losses (hinge embedding, soft margin, multi-label soft margin, multi-class and
multi-label margin, triplet with a distance function): random targets against naive NumPy loops,
PyTorch's errors, the modules' options, and training steps that never read the device.
Runs on both backends (the spec rows in tests/nn_specs.py give gradients and cross-backend)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite import nn
from tensorlite.testing import check_backward, tensors

REDUCE = {"none": lambda v: v, "mean": np.mean, "sum": np.sum}


def np_multi_margin(x, target, p, margin, weight):
    """PyTorch's kernel, loop by loop: (N, C) scores, (N,) classes."""
    out = np.zeros(len(x))
    for i, (row, y) in enumerate(zip(x, target)):
        for j in range(len(row)):
            z = margin - row[y] + row[j]
            if j != y and z > 0:
                out[i] += z ** p * (1.0 if weight is None else weight[y])
    return out / x.shape[1]


def np_multilabel_margin(x, target):
    """PyTorch's kernel, loop by loop: entries up to the first negative one are the targets."""
    out = np.zeros(len(x))
    for i, (row, ys) in enumerate(zip(x, target)):
        listed = []
        for y in ys:
            if y < 0:
                break
            listed.append(y)
        for y in listed:
            for k in range(len(row)):
                if k not in listed:
                    out[i] += max(0.0, 1 - row[y] + row[k])
    return out / x.shape[1]


@given(n=st.integers(1, 4), c=st.integers(1, 5), p=st.sampled_from([1, 2]), margin=st.sampled_from([1.0, 0.3, -0.2]),
       weighted=st.booleans(), reduction=st.sampled_from(["none", "mean", "sum"]), data=st.data())
def test_multi_margin_loss_equals_the_loops(n, c, p, margin, weighted, reduction, data):
    x = data.draw(tensors(shape=(n, c)))
    target = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    weight = data.draw(tensors(shape=(c,), low=0.1, high=2.0)) if weighted else None
    loss = F.multi_margin_loss(x, tl.tensor(target, device=x.device), p, margin, weight, reduction=reduction)
    expected = np_multi_margin(x.numpy(), target, p, margin, None if weight is None else weight.numpy())
    np.testing.assert_allclose(loss.numpy(), REDUCE[reduction](expected), rtol=1e-12, atol=1e-12)


@given(n=st.integers(1, 4), c=st.integers(1, 5), reduction=st.sampled_from(["none", "mean", "sum"]), data=st.data())
def test_multilabel_margin_loss_equals_the_loops(n, c, reduction, data):
    """Random rows of targets: -1 anywhere (entries after it are ignored), duplicates (counted
    twice, as PyTorch), none at all."""
    x = data.draw(tensors(shape=(n, c)))
    target = np.array(data.draw(st.lists(st.lists(st.integers(-1, c - 1), min_size=c, max_size=c),
                                         min_size=n, max_size=n)))
    loss = F.multilabel_margin_loss(x, tl.tensor(target, device=x.device), reduction=reduction)
    np.testing.assert_allclose(loss.numpy(), REDUCE[reduction](np_multilabel_margin(x.numpy(), target)),
                               rtol=1e-12, atol=1e-12)
    one = F.multilabel_margin_loss(x[0], tl.tensor(target[0], device=x.device), reduction=reduction)
    assert one.shape == () and one.item() == pytest.approx(np_multilabel_margin(x.numpy()[:1], target[:1])[0])


@given(data=st.data())
def test_multilabel_margin_loss_gradient_with_random_targets(data):
    x = data.draw(tensors(shape=(2, 4), unique=True))
    target = np.array(data.draw(st.lists(st.lists(st.integers(-1, 3), min_size=4, max_size=4), min_size=2,
                                         max_size=2)))
    terms = [1 - r[y] + r[k] for r, ys in zip(x.numpy(), target) for y in ys[:list(ys).index(-1) if -1 in ys else 4]
             for k in range(4)]
    if any(abs(z) < 1e-2 for z in terms):  # the kink (no slope at 0, as PyTorch's kernel)
        return
    check_backward(lambda x: F.multilabel_margin_loss(x, tl.tensor(target, device=x.device), reduction="sum"), x)


def test_kinks_have_no_slope_as_pytorch():
    """multi_margin and multilabel_margin count a term only where it is > 0 (the kernel's test);
    hinge_embedding_loss clamps, so max(0, margin - x) at x == margin passes the slope -1."""
    x = tl.tensor([[0.0, 1.0]], dtype=tl.float64, requires_grad=True)
    F.multi_margin_loss(x, tl.tensor([1], device=x.device), reduction="sum").backward()
    assert x.grad.tolist() == [[0.0, 0.0]]
    x.grad = None
    F.multilabel_margin_loss(x, tl.tensor([[1, -1]], device=x.device), reduction="sum").backward()
    assert x.grad.tolist() == [[0.0, 0.0]]
    h = tl.tensor([1.0], dtype=tl.float64, requires_grad=True)
    F.hinge_embedding_loss(h, tl.tensor([-1], device=h.device), margin=1.0).backward()
    assert h.grad.tolist() == [-1.0]


def test_hinge_and_soft_margin_values():
    x = tl.tensor([[0.1, 0.2, 0.4, 0.8], [0.3, -0.2, 0.5, 1.0]])
    y = tl.tensor([[1, -1, 0, 2], [1, 1, -1, -1]])
    hinge = F.hinge_embedding_loss(x, y, reduction="none")  # other targets get both terms
    np.testing.assert_allclose(hinge.numpy(), [[0.1, 0.8, 1.0, 1.0], [0.3, -0.2, 0.5, 0.0]], rtol=1e-6)
    assert F.hinge_embedding_loss(tl.tensor([0, 1, 3]), tl.tensor([-1, -1, 1]), 1.5, reduction="none").tolist() \
        == [1, 0, 3]  # integer input: PyTorch's margin - x runs in the integer dtype
    soft = F.soft_margin_loss(tl.tensor([-100.0, 2.0]), tl.tensor([1.0, 1.0]), reduction="none")
    assert soft.tolist()[0] == float("inf") and soft.tolist()[1] == pytest.approx(np.log1p(np.exp(-2.0)))
    assert F.soft_margin_loss(tl.ones(2, dtype=tl.float32), tl.ones(2, dtype=tl.float64)).dtype is tl.float32


def test_multilabel_soft_margin_loss_averages_the_last_dim():
    x = tl.tensor([[[2.0, -1.0], [0.0, 0.0]]])
    t = tl.tensor([[[1.0, 0.0], [1.0, 1.0]]])
    loss = F.multilabel_soft_margin_loss(x, t, weight=tl.tensor([1.0, 3.0]), reduction="none")
    bce = -(t.numpy() * np.log(1 / (1 + np.exp(-x.numpy()))) + (1 - t.numpy()) * np.log(1 / (1 + np.exp(x.numpy()))))
    np.testing.assert_allclose(loss.numpy(), (bce * [1.0, 3.0]).mean(-1), rtol=1e-6)
    assert loss.shape == (1, 2)


def test_triplet_margin_with_distance_loss_calls_the_distance():
    calls = []

    def l1(u, v):
        calls.append((u.shape, v.shape))
        return (u - v).abs().sum(-1)
    a, p, n = tl.tensor([[0.0, 0.0]]), tl.tensor([[0.0, 1.0]]), tl.tensor([[0.0, 2.0]])
    assert F.triplet_margin_with_distance_loss(a, p, n, distance_function=l1, margin=2.0).item() == pytest.approx(1.0)
    swapped = nn.TripletMarginWithDistanceLoss(distance_function=l1, margin=2.0, swap=True)(a, p, n)
    assert swapped.item() == pytest.approx(2.0) and len(calls) == 5  # min(d(a, n), d(p, n)) = 1
    default = F.triplet_margin_with_distance_loss(a, p, n, reduction="none")
    np.testing.assert_allclose(default.numpy(), [max(0.0, 1.0 + 1.0 - 2.0)], atol=1e-5)


BAD_INPUT = [  # (call, error type, message part)
    (lambda x, y: F.multi_margin_loss(x, y, p=3), ValueError, "only p == 1 and p == 2 supported"),
    (lambda x, y: F.multi_margin_loss(x, y, weight=tl.ones(2, 2)), ValueError, "weight must be one-dimensional"),
    (lambda x, y: F.multi_margin_loss(x, y, weight=tl.ones(3)), RuntimeError, "inconsistent weight size, expected 4"),
    (lambda x, y: F.multi_margin_loss(x, y, weight=tl.ones(4, dtype=tl.float64)), RuntimeError,
     "expected scalar type Float but found Double"),
    (lambda x, y: F.multi_margin_loss(x, y.int()), RuntimeError, "expected scalar type Long but found Int"),
    (lambda x, y: F.multi_margin_loss(x, y[None]), RuntimeError, "Expected target size [2], but got [1, 2]"),
    (lambda x, y: F.multi_margin_loss(x[:, :0], y), RuntimeError, "Expected non-empty vector or matrix"),
    (lambda x, y: F.multi_margin_loss(x.long(), y), NotImplementedError, "not implemented for 'Long'"),
    (lambda x, y: F.multi_margin_loss(tl.zeros(2, 4, dtype=tl.float16, device="cpu"), y.cpu()), NotImplementedError,
     "not implemented for 'Half'"),  # PyTorch's CPU kernels take float32 and float64 only
    (lambda x, y: F.multilabel_margin_loss(tl.zeros(4, dtype=tl.bfloat16, device="cpu"), tl.zeros(4, dtype=tl.int64)),
     NotImplementedError, "not implemented for 'BFloat16'"),
    (lambda x, y: F.multi_margin_loss(x, y, reduction="avg"), ValueError, "avg is not a valid value for reduction"),
    (lambda x, y: F.multilabel_margin_loss(x, y), RuntimeError,
     "inconsistent target size: [2] for input of size: [2, 4]"),
    (lambda x, y: F.multilabel_margin_loss(x, tl.zeros(2, 4, dtype=tl.int32)), RuntimeError,
     "expected scalar type Long but found Int"),
    (lambda x, y: F.multilabel_soft_margin_loss(x[0, 0], x[0, 0]), IndexError, "Dimension specified as -1"),
    (lambda x, y: F.soft_margin_loss(x[0], x), RuntimeError, "output with shape [4] doesn't match the broadcast shape"),
    (lambda x, y: F.soft_margin_loss(x.long(), x), RuntimeError, "can't be cast to the desired output type Long"),
    (lambda x, y: F.hinge_embedding_loss(x, x[:, :3]), RuntimeError, "must match"),
    (lambda x, y: F.hinge_embedding_loss(x, y, reduction="batchmean"), ValueError, "not a valid value for reduction"),
    (lambda x, y: F.triplet_margin_with_distance_loss(x, x, x, margin=0.0), ValueError,
     "margin must be greater than 0"),
    (lambda x, y: F.triplet_margin_with_distance_loss(x, x, x[0]), RuntimeError, "same number of dimensions"),
    (lambda x, y: nn.MultiMarginLoss(p=0), ValueError, "only p == 1 and p == 2 supported"),
    (lambda x, y: nn.MultiMarginLoss(weight=tl.ones(2, 2)), ValueError, "expected weight to be None or 1D tensor"),
    (lambda x, y: nn.TripletMarginWithDistanceLoss(margin=-1.0), ValueError, "expected margin to be greater than 0"),
    (lambda x, y: nn.SoftMarginLoss(reduction="avg"), ValueError, "not a valid value for reduction"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUT)
def test_bad_input_raises_as_pytorch(call, error, message):
    x = tl.arange(8.0).reshape(2, 4) / 8
    with pytest.raises(error) as info:
        call(x, tl.tensor([3, 0]))
    assert message in str(info.value)


def test_target_values_are_checked_at_once_on_the_cpu():
    x = tl.zeros(2, 4, device="cpu")
    with pytest.raises(RuntimeError, match=r"multi_margin_loss: target out of range \(got 4"):
        F.multi_margin_loss(x, tl.tensor([3, 4], device="cpu"))
    with pytest.raises(RuntimeError, match="multilabel_margin_loss: argument #2 'target' is out of range"):
        F.multilabel_margin_loss(x, tl.tensor([[3, 0, -1, 7], [1, 1, -1, 2]], device="cpu"))  # after the -1 too
    with pytest.raises(RuntimeError, match="is out of range"):
        F.multilabel_margin_loss(x, tl.tensor([[3, 0, -2, 1], [1, 1, -1, 2]], device="cpu"))


def test_modules_take_pytorchs_options():
    x = tl.tensor([[0.1, 0.2, 0.4, 0.8], [0.3, -0.2, 0.5, 1.0]])
    y = tl.tensor([3, 0])
    assert nn.MultiMarginLoss(size_average=False).reduction == "sum"
    assert nn.HingeEmbeddingLoss(reduce=False).reduction == "none"
    assert nn.MultiLabelMarginLoss(size_average=True, reduce=True).reduction == "mean"
    weighted = nn.MultiMarginLoss(p=2, margin=0.5, weight=tl.tensor([1.0, 2.0, 3.0, 4.0]), reduction="none")
    assert "weight" in weighted.state_dict()
    np.testing.assert_allclose(weighted(x, y).numpy(), [0.01, 0.4825], rtol=1e-5)
    soft = nn.MultiLabelSoftMarginLoss(weight=tl.tensor([1.0, 0.0, 0.0, 0.0]), reduction="sum")
    assert "weight" in soft.state_dict() and soft(x, tl.ones(2, 4)).item() > 0


@pytest.mark.backend_pair
@pytest.mark.parametrize("name", ["multi_margin", "multilabel_margin", "hinge_soft", "triplet_distance"])
def test_a_training_step_reads_nothing_back(opencl, monkeypatch, name):
    from test_host_reads import HostReads
    tl.manual_seed(0)
    model = nn.Linear(6, 4).to(opencl)
    opt = tl.optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    x = tl.tensor(rng.standard_normal((5, 6)).astype(np.float32), device=opencl)
    losses = {
        "multi_margin": lambda out: nn.MultiMarginLoss(p=2, weight=tl.ones(4, device=opencl))(
            out, tl.tensor([0, 1, 2, 3, 0], device=opencl)),
        "multilabel_margin": lambda out: F.multilabel_margin_loss(
            out, tl.tensor([[0, 1, -1, 2]] * 5, device=opencl)),
        "hinge_soft": lambda out: F.hinge_embedding_loss(out, tl.tensor([1, -1, 1, -1], device=opencl))
        + F.soft_margin_loss(out, tl.tensor([1.0, -1.0, 1.0, -1.0], device=opencl))
        + F.multilabel_soft_margin_loss(out, tl.tensor([1.0, 0.0, 1.0, 0.0], device=opencl)),
        "triplet_distance": lambda out: F.triplet_margin_with_distance_loss(out[:, :2], out[:, 2:], out[:, :2].flip(0),
                                                                           swap=True),
    }

    def step():
        opt.zero_grad()
        loss = losses[name](model(x))
        loss.backward()
        opt.step()
        return loss

    first = step().item()
    reads = HostReads(monkeypatch)
    loss = step()
    assert reads.seen == [], f"{name}: the step read the device: {reads.seen}"
    assert np.isfinite([first, loss.item()]).all()
