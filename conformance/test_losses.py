"""Losses: every reduction, class-index and probability targets, weights, ignore_index,
label smoothing, broadcasting targets."""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from harness import Arr, check
from inputs import arrs, shapes

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])
PAIR_LOSSES = {"mse_loss": {}, "l1_loss": {}, "smooth_l1_loss": {"beta": 0.5}, "huber_loss": {"delta": 0.7},
               "binary_cross_entropy_with_logits": {}, "kl_div": {}, "kl_div_log": {"log_target": True}}


@pytest.mark.parametrize("name", sorted(PAIR_LOSSES))
@given(shape=shapes(max_dims=3), reduction=REDUCTIONS, data=st.data())
def test_pairwise_loss(name, shape, reduction, data):
    x = data.draw(arrs(shape=shape, specials=False))
    t = data.draw(arrs(shape=shape, specials=False, low=0 if "binary" in name else -4, high=1 if "binary" in name else 4))
    fname = "kl_div" if name.startswith("kl_div") else name
    if fname == "kl_div":  # PyTorch's gradient for a target of exactly 0 is nan: not followed
        t = Arr(t.array, requires_grad=False)
    check(lambda lib, x, t: getattr(lib.nn.functional, fname)(x, t, reduction=reduction, **PAIR_LOSSES[name]),
          x, t, grad2=True)


@given(shape=shapes(max_dims=3), reduction=REDUCTIONS, weighted=st.booleans(), data=st.data())
def test_binary_cross_entropy(shape, reduction, weighted, data):
    p = data.draw(arrs(shape=shape, specials=False, low=0, high=1))
    t = data.draw(arrs(shape=shape, specials=False, low=0, high=1, requires_grad=False))
    w = data.draw(arrs(shape=shape, specials=False, requires_grad=False)) if weighted else None
    check(lambda lib, p, t, w: lib.nn.functional.binary_cross_entropy(p, t, weight=w, reduction=reduction), p, t, w)
    pw = data.draw(arrs(shape=shape[-1:], specials=False, low=0, high=3, requires_grad=False)) if shape else None
    check(lambda lib, p, t, w, pw: lib.nn.functional.binary_cross_entropy_with_logits(
        p, t, weight=w, pos_weight=pw, reduction=reduction), p, t, w, pw)


@given(n=st.integers(0, 4), c=st.integers(1, 4), extra=st.sampled_from([(), (2,), (1, 2)]), reduction=REDUCTIONS,
       weighted=st.booleans(), ignore=st.sampled_from([-100, 0, 1]),
       smoothing=st.sampled_from([0.0, 0.1, 0.5, 1.0]), unbatched=st.booleans(), data=st.data())
def test_cross_entropy_nll_indices(n, c, extra, reduction, weighted, ignore, smoothing, unbatched, data):
    shape = (n, c) + extra
    target_shape = (n,) + extra
    if unbatched:
        shape, target_shape = (c,), ()
    x = data.draw(arrs(shape=shape, specials=False))
    t = Arr(np.array(data.draw(st.lists(st.sampled_from(list(range(c)) + [ignore]), min_size=int(np.prod(target_shape)),
                                        max_size=int(np.prod(target_shape))))).reshape(target_shape).astype(np.int64))
    assume(((t.array >= 0) & (t.array < c) | (t.array == ignore)).all())
    w = data.draw(arrs(shape=(c,), specials=False, low=0.1, high=2, requires_grad=False)) if weighted else None
    check(lambda lib, x, t, w: lib.nn.functional.cross_entropy(x, t, weight=w, ignore_index=ignore,
                                                               reduction=reduction, label_smoothing=smoothing),
          x, t, w, grad2=True)
    check(lambda lib, x, t, w: lib.nn.functional.nll_loss(lib.log_softmax(x, dim=0 if unbatched else 1), t, weight=w,
                                                          ignore_index=ignore, reduction=reduction), x, t, w)


@given(n=st.integers(1, 4), c=st.integers(1, 4), reduction=REDUCTIONS, smoothing=st.sampled_from([0.0, 0.2]),
       data=st.data())
def test_cross_entropy_probabilities(n, c, reduction, smoothing, data):
    x = data.draw(arrs(shape=(n, c), specials=False))
    p = data.draw(arrs(shape=(n, c), specials=False, low=0, high=1))
    check(lambda lib, x, p: lib.nn.functional.cross_entropy(x, p, reduction=reduction, label_smoothing=smoothing),
          x, p)


@given(n=st.integers(1, 4), d=st.integers(1, 3), reduction=REDUCTIONS, margin=st.sampled_from([0.0, 0.5]), data=st.data())
def test_margin_cosine_embedding(n, d, reduction, margin, data):
    a = data.draw(arrs(shape=(n,), specials=False))
    b = data.draw(arrs(shape=(n,), specials=False))
    y = Arr(np.array(data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n))))
    check(lambda lib, a, b, y: lib.nn.functional.margin_ranking_loss(a, b, y, margin=margin, reduction=reduction),
          a, b, y)
    u = data.draw(arrs(shape=(n, d), specials=False))
    v = data.draw(arrs(shape=(n, d), specials=False))
    check(lambda lib, u, v, y: lib.nn.functional.cosine_embedding_loss(u, v, y, margin=margin, reduction=reduction),
          u, v, y)


LOSS_MODULES = ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCEWithLogitsLoss", "KLDivLoss"]


@pytest.mark.parametrize("module", LOSS_MODULES)
@given(shape=shapes(max_dims=2), reduction=REDUCTIONS, data=st.data())
def test_loss_module(module, shape, reduction, data):
    x = data.draw(arrs(shape=shape, specials=False))
    t = data.draw(arrs(shape=shape, specials=False, low=0, high=1))
    if module == "KLDivLoss":  # PyTorch's gradient for a target of exactly 0 is nan: not followed
        t = Arr(t.array, requires_grad=False)
    check(lambda lib, x, t: getattr(lib.nn, module)(reduction=reduction)(x, t), x, t)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@given(shapes=st.sampled_from([((3,), (3, 1)), ((2, 3), (3,)), ((1,), (4,)), ((2, 1), (1, 2))]),
       reduction=REDUCTIONS, data=st.data())
def test_loss_broadcasting_target(name, shapes, reduction, data):
    """A target of another (broadcastable) shape is broadcast with a warning, as PyTorch."""
    x = data.draw(arrs(shape=shapes[0], specials=False))
    t = data.draw(arrs(shape=shapes[1], specials=False))
    check(lambda lib, x, t: getattr(lib.nn.functional, name)(x, t, reduction=reduction), x, t)


@given(n=st.integers(1, 4), c=st.integers(2, 4), reduction=REDUCTIONS, data=st.data())
def test_loss_modules_with_weights(n, c, reduction, data):
    x = data.draw(arrs(shape=(n, c), specials=False))
    t = Arr(np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.int64))
    w = data.draw(arrs(shape=(c,), specials=False, low=0.1, high=2, requires_grad=False))
    check(lambda lib, x, t, w: (lib.nn.CrossEntropyLoss(weight=w, reduction=reduction, label_smoothing=0.1)(x, t),
                                lib.nn.NLLLoss(weight=w, reduction=reduction)(lib.log_softmax(x, 1), t)), x, t, w)
    p = data.draw(arrs(shape=(n, c), specials=False, low=0.01, high=0.99))
    y = data.draw(arrs(shape=(n, c), specials=False, low=0, high=1, requires_grad=False))
    check(lambda lib, p, y, w: (lib.nn.BCELoss(weight=w, reduction=reduction)(p, y),
                                lib.nn.BCEWithLogitsLoss(pos_weight=w, reduction=reduction)(p, y)), p, y, w)
