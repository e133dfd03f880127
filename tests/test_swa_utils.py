"""optim.swa_utils: AveragedModel (SWA mean, EMA), SWALR, update_bn, against the documented
recurrences and PyTorch 2.13's sequences."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
from tensorlite import nn, optim
from tensorlite.optim import swa_utils as SU


def snapshots_into(averaged, values, model):
    """Set model's weight (and bias) to each value in turn and average it in."""
    for v in values:
        with tl.no_grad():
            model.weight.copy_(tl.tensor(v, dtype=model.weight.dtype))
            model.bias.fill_(float(np.sum(v)))
        averaged.update_parameters(model)


weights = st.lists(st.lists(st.floats(-10, 10), min_size=3, max_size=3), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None)
@given(values=weights, mode=st.sampled_from(["swa", "swa_multi", "ema_multi", "ema_avg"]),
       decay=st.floats(0.0, 1.0))
def test_averaged_model_follows_the_documented_recurrence(values, mode, decay):
    model = nn.Linear(3, 1).double()
    kwargs = {"swa_multi": dict(multi_avg_fn=SU.get_swa_multi_avg_fn()),
              "ema_multi": dict(multi_avg_fn=SU.get_ema_multi_avg_fn(decay)),
              "ema_avg": dict(avg_fn=SU.get_ema_avg_fn(decay))}.get(mode, {})
    averaged = SU.AveragedModel(model, **kwargs)
    snapshots_into(averaged, values, model)
    expected = np.array(values[0])
    for n, v in enumerate(values[1:], start=1):
        # get_swa_multi_avg_fn's lerp weight 1 / (n + 1) is a default-dtype (float32) tensor
        # in PyTorch (n_averaged is an int64 tensor): float64 weights see it rounded
        weight = np.float32(1 / (n + 1)) if mode == "swa_multi" else 1 / (n + 1)
        expected = (expected + (np.array(v) - expected) * float(weight) if mode.startswith("swa")
                    else decay * expected + (1 - decay) * np.array(v))
    np.testing.assert_allclose(averaged.module.weight.detach().numpy()[0], expected, rtol=1e-9, atol=1e-9)
    assert averaged.n_averaged.item() == len(values) and averaged.n_averaged.dtype == tl.int64
    assert not np.allclose(model.weight.detach().numpy(), 1234.5)  # the model itself is untouched
    assert averaged.module is not model


def test_buffers_follow_the_model_unless_averaged():
    """use_buffers=False copies BatchNorm's buffers from the model; True averages them too."""
    for use_buffers, expected in [(False, [6.0, 6.0]), (True, [3.0, 3.0])]:
        model = nn.BatchNorm1d(2)
        averaged = SU.AveragedModel(model, use_buffers=use_buffers)
        for value in (1.0, 2.0, 6.0):
            with tl.no_grad():
                model.running_mean.fill_(value)
            averaged.update_parameters(model)
        assert averaged.module.running_mean.tolist() == expected
        assert list(averaged.state_dict()) == ["n_averaged", "module.weight", "module.bias",
                                               "module.running_mean", "module.running_var",
                                               "module.num_batches_tracked"]


def test_averaged_model_errors_and_forward():
    model = nn.Linear(2, 3)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        SU.AveragedModel(model, avg_fn=SU.get_swa_avg_fn(), multi_avg_fn=SU.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\]"):
        SU.get_ema_multi_avg_fn(1.5)
    with pytest.raises(ValueError, match="Invalid decay value -0.1"):
        SU.get_ema_avg_fn(-0.1)
    averaged = SU.AveragedModel(model)
    averaged.update_parameters(model)
    x = tl.randn(4, 2)
    np.testing.assert_allclose(averaged(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)


def test_update_bn_is_the_cumulative_average_of_the_batch_statistics():
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((6, 3)) * (i + 1) + i for i in range(3)]
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3, momentum=0.3), nn.InstanceNorm1d(6))
    with tl.no_grad():
        model[0].weight.copy_(tl.eye(3))
        model[0].bias.zero_()
        model[1].running_mean.fill_(100.0)  # stale statistics: reset first
    model.eval()
    SU.update_bn([(tl.tensor(b, dtype=tl.float32), "label") for b in batches], model)
    np.testing.assert_allclose(model[1].running_mean.numpy(), np.mean([b.mean(0) for b in batches], 0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model[1].running_var.numpy(),
                               np.mean([b.var(0, ddof=1) for b in batches], 0), rtol=1e-5, atol=1e-6)
    assert model[1].momentum == 0.3 and not model.training and not model[1].training
    SU.update_bn([tl.ones(2, 3)], nn.Linear(3, 3))  # no BatchNorm: nothing runs


# PyTorch 2.13: SGD groups lr=1.0 and 0.2, SWALR(opt, swa_lr=[0.1, 0.3], ...), get_last_lr()
# after each of six optimizer + scheduler steps.
PINNED_SWALR = [
    ("cos", 3, [[0.775, 0.225], [0.325, 0.275], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3]]),
    ("linear", 4, [[0.775, 0.225], [0.55, 0.25], [0.325, 0.275], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3]]),
    ("cos", 0, [[0.1, 0.3]] * 6),
]


@pytest.mark.parametrize("strategy, epochs, expected", PINNED_SWALR)
def test_swalr_follows_pytorch(strategy, epochs, expected):
    p, q = nn.Parameter(tl.zeros(1)), nn.Parameter(tl.zeros(1))
    opt = optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.2}], lr=1.0)
    sched = SU.SWALR(opt, swa_lr=[0.1, 0.3], anneal_epochs=epochs, anneal_strategy=strategy)
    out = []
    for _ in range(6):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr())
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert [g["swa_lr"] for g in opt.param_groups] == [0.1, 0.3]
    saved = sched.state_dict()
    assert "anneal_func" not in saved and saved["_anneal_strategy"] == strategy


def test_swalr_errors():
    opt = optim.SGD([nn.Parameter(tl.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got exp"):
        SU.SWALR(opt, 0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
        SU.SWALR(opt, 0.1, anneal_epochs=-1)
    with pytest.raises(ValueError, match="swa_lr must have the same length as optimizer.param_groups"):
        SU.SWALR(opt, [0.1, 0.2])
