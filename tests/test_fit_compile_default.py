"""fit's default captured training step (TrainingOptions(compile=None)) against eager fit
(compile=False): the same history and parameters, bit for bit on the CPU backend and within
float32 tolerance on OpenCL, over fit's features; and steps whose recorded calls must not
depend on the recorded batch's values (class targets with ignore_index)."""
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorlite as tl
import tensorlite.nn.functional as F


def _on_cpu() -> bool:
    return tl.get_default_device().type == "cpu"


def _assert_same(a, b):
    """Equal bits on the CPU backend, float32 tolerance on OpenCL."""
    a, b = np.asarray(a), np.asarray(b)
    if _on_cpu():
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def _class_step(loss_name, weighted):
    """(model, compiled-or-eager step factory) for a class-index loss with ignore_index=-100."""
    tl.manual_seed(0)
    model = tl.nn.Linear(4, 3)
    opt = tl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    weight = tl.tensor([1.0, 2.0, 0.5]) if weighted else None

    def step(x, y):
        opt.zero_grad()
        out = model(x)
        loss = (F.cross_entropy(out, y, weight=weight) if loss_name == "cross_entropy"
                else F.nll_loss(out.log_softmax(1), y, weight=weight))
        loss.backward()
        opt.step()
        return loss
    return model, step


@settings(max_examples=8, deadline=None)
@given(ignored=st.lists(st.lists(st.booleans(), min_size=6, max_size=6), min_size=4, max_size=4),
       loss_name=st.sampled_from(["cross_entropy", "nll_loss"]), weighted=st.booleans())
def test_a_step_recorded_on_one_batch_replays_on_targets_with_other_ignored_entries(ignored, loss_name, weighted):
    # the step is recorded on the second batch: its targets' values (none ignored, say) must not
    # choose the recorded calls, or a later batch with ignored targets fails or trains wrongly
    rng = np.random.default_rng(0)
    x = [tl.tensor(rng.standard_normal((6, 4)).astype(np.float32)) for _ in ignored]
    y = [tl.tensor(np.where(mask, -100, rng.integers(0, 3, 6))) for mask in ignored]
    results = []
    for compiled in (False, True):
        model, step = _class_step(loss_name, weighted)
        run = tl.compile(step) if compiled else step
        losses = [run(xb, yb).item() for xb, yb in zip(x, y)]
        results.append((losses, [p.detach().numpy() for p in model.parameters()]))
    (eager_losses, eager_params), (losses, params) = results
    _assert_same(np.array(losses), np.array(eager_losses))  # nan (all ignored) equals nan
    for a, b in zip(params, eager_params, strict=True):
        _assert_same(a, b)


# -- fit(compile=None) against fit(compile=False) over fit's features ---------------------------
def _environment() -> str:
    return "cpu" if _on_cpu() else "opencl"


def _data(n=37, kind="class", dtype=tl.float32):
    """(inputs (n, 5), targets): class indices (n,) (some -100 for "ignore") or (n, 3) values."""
    rng = np.random.default_rng(1)
    x = tl.tensor(rng.standard_normal((n, 5))).to(dtype)
    if kind == "regression":
        return x, tl.tensor(rng.standard_normal((n, 3))).to(dtype)
    y = rng.integers(0, 3, n)
    if kind == "ignore":
        y[n - 6:] = -100  # only in the last batches: the step is recorded on targets without any
    return x, tl.tensor(y)


def _model(kind="mlp", dtype=tl.float32):
    tl.manual_seed(3)
    if kind == "bn":
        return tl.nn.Sequential(tl.nn.Linear(5, 8), tl.nn.BatchNorm1d(8), tl.nn.ReLU(), tl.nn.Dropout(0.3),
                                tl.nn.Linear(8, 3)).to(dtype)
    return tl.nn.Sequential(tl.nn.Linear(5, 8), tl.nn.Tanh(), tl.nn.Linear(8, 3)).to(dtype)


def _steering(optimizer, model, stop_at=None):
    """An output function that changes lr (iteration 3) and the weights (iteration 5), and
    stops at ``stop_at``."""
    def steer(info):
        if info.state == "iteration" and info.iteration == 3:
            optimizer.param_groups[0]["lr"] *= 2
        if info.state == "iteration" and info.iteration == 5:
            with tl.no_grad():
                model[0].weight.mul_(0.5)
        return info.state == "iteration" and info.iteration == stop_at
    return steer


FIT_CASES = {  # name: (fit keyword options, data, model, loss)
    "sgdm l2": (dict(), "class", "mlp", "crossentropy"),
    "adam no l2 cosine": (dict(solver="adam", l2_regularization=0.0, learn_rate_schedule="cosine"), "class", "mlp",
                          "crossentropy"),
    "rmsprop piecewise": (dict(solver="rmsprop", learn_rate_schedule="piecewise", learn_rate_drop_period=1),
                          "class", "mlp", "crossentropy"),
    "clipping, shuffle every epoch": (dict(gradient_threshold=0.05, shuffle="every-epoch"), "class", "mlp",
                                      "crossentropy"),
    "no shuffle, batch norm, dropout": (dict(shuffle="never", solver="adam"), "class", "bn", "crossentropy"),
    "validation, early stop": (dict(validation_frequency=2, validation_patience=2, initial_learn_rate=1.0),
                               "class", "bn", "crossentropy"),
    "mse regression float64": (dict(solver="adam"), "regression", "float64", "mse"),
    "ignored targets, last batch of 1": (dict(n=33), "ignore", "mlp", "crossentropy"),
    "steering output function": (dict(steer=True), "class", "mlp", "crossentropy"),
    "checkpoint, resume mid-epoch": (dict(resume=True, steer=True, shuffle="every-epoch"), "class", "bn",
                                     "crossentropy"),
    "verbose": (dict(verbose=True, verbose_frequency=1), "class", "mlp", "nll"),
}


def _fit(compile, case, tmp_path, capsys, interrupted=True):
    """(parameters, history rows without times, printed progress without times, warnings)."""
    overrides, data_kind, model_kind, loss = FIT_CASES[case]
    overrides = dict(overrides)
    n, steer = overrides.pop("n", 37), overrides.pop("steer", False)
    resume = overrides.pop("resume", False) and interrupted
    dtype = tl.float64 if model_kind == "float64" else tl.float32
    x, y = _data(n, data_kind, dtype)
    model = _model("bn" if model_kind == "bn" else "mlp", dtype)
    if loss == "nll":
        model.append(tl.nn.LogSoftmax(1))
    validation = _data(11) if "validation_frequency" in overrides else None
    optimizer = tl.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True) if steer or resume else None
    options = dict(dict(max_epochs=3, mini_batch_size=8, verbose=False, execution_environment=_environment(),
                        compile=compile, validation_data=validation), **overrides)
    if steer:
        options["output_functions"] = [_steering(optimizer, model)]
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if resume:  # stopped at iteration 7 (mid-epoch 2 of 5 batches), then resumed
            path = str(tmp_path / f"{compile}.tl")
            first = dict(options, checkpoint_path=path, output_functions=[_steering(optimizer, model, stop_at=7)])
            tl.training.fit(model, (x, y), loss, tl.training.TrainingOptions(**first), optimizer=optimizer)
        _, history = tl.training.fit(model, (x, y), loss, tl.training.TrainingOptions(**options),
                                     optimizer=optimizer, resume_from=path if resume else None)
    printed = ["|".join(line.split("|")[:3] + line.split("|")[4:])  # without the Time (s) column
               for line in capsys.readouterr().out.splitlines()]
    rows = [{k: v for k, v in row.items() if k != "time_since_start"} for row in history.iterations]
    return ([t.detach().cpu().numpy() for t in model.state_dict().values()], rows, printed,
            [str(w.message) for w in caught])


@pytest.mark.parametrize("case", FIT_CASES)
def test_fit_compiled_by_default_trains_as_eager_fit(case, tmp_path, capsys, monkeypatch):
    made = []
    init = sys.modules["tensorlite.compile"].CompiledFunction.__init__
    monkeypatch.setattr(sys.modules["tensorlite.compile"].CompiledFunction, "__init__",
                        lambda self, *a, **k: (init(self, *a, **k), made.append(self))[0])
    params, rows, printed, said = _fit(None, case, tmp_path, capsys)
    assert made and sum(c.stats["replays"] for c in made) > 0  # the default did capture the step
    eager_params, eager_rows, eager_printed, eager_said = _fit(False, case, tmp_path, capsys)
    assert said == eager_said == []
    assert len(made) == (2 if "resume" in case else 1)  # compile=False made none
    for a, b in zip(params, eager_params, strict=True):
        _assert_same(a, b)
    assert [sorted(r) for r in rows] == [sorted(r) for r in eager_rows]
    for key in rows[0]:
        _assert_same(np.array([r.get(key, np.nan) for r in rows], dtype=float),
                     np.array([r.get(key, np.nan) for r in eager_rows], dtype=float))
    if _on_cpu():
        assert printed == eager_printed


def test_a_compiled_resume_mid_epoch_equals_the_uninterrupted_eager_run(tmp_path, capsys):
    case = "checkpoint, resume mid-epoch"
    params, rows, _, _ = _fit(None, case, tmp_path, capsys)
    whole_params, whole_rows, _, _ = _fit(False, case, tmp_path, capsys, interrupted=False)
    for a, b in zip(params, whole_params, strict=True):
        _assert_same(a, b)
    _assert_same(np.array([r["loss"] for r in rows]), np.array([r["loss"] for r in whole_rows]))


class _ReadsTheLoss(tl.nn.CrossEntropyLoss):
    """A loss whose forward reads a value (Python control flow on it): not capturable."""

    def forward(self, output, target):
        loss = super().forward(output, target)
        return loss * 0.5 if loss.item() > 1e9 else loss


def test_fit_warns_once_naming_the_option_when_its_step_cannot_be_captured(tmp_path, capsys):
    def train(compile):
        tl.manual_seed(0)
        model = tl.nn.Linear(2, 2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tl.training.fit(model, tl.data.xor(n=40), _ReadsTheLoss(), tl.training.TrainingOptions(
                max_epochs=3, mini_batch_size=16, verbose=False, execution_environment=_environment(),
                compile=compile))
        return [p.detach().cpu().numpy() for p in model.parameters()], [str(w.message) for w in caught]
    (params, said), (eager_params, eager_said) = train(None), train(False)
    assert eager_said == []
    assert len(said) == 1, said  # one warning for 9 steps
    assert "fit's training step (TrainingOptions(compile=False) trains eagerly without this warning)" in said[0]
    assert said[0].count("tensorlite.compile:") == 1 and "loss.item() > 1e9" in said[0]
    for a, b in zip(params, eager_params, strict=True):
        _assert_same(a, b)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_an_ignored_target_loses_plus_zero_as_in_pytorch(weighted, reduction):
    log_probs = tl.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    weight = tl.tensor([1.0, 2.0]) if weighted else None
    loss = F.nll_loss(log_probs, tl.tensor([-100, -100]) if reduction == "sum" else tl.tensor([1, -100]),
                      weight=weight, reduction=reduction)
    values = loss.detach().cpu().numpy().reshape(-1)
    np.testing.assert_array_equal(values, [0.0] if reduction == "sum" else [2.0 if weighted else 1.0, 0.0])
    assert not np.signbit(values).any()  # PyTorch prints tensor([1., 0.]), not -0.


# -- argument checks that read values: a replay runs on other values ----------------------------
def _compiled_on(loss_of, batches, compiled=True):
    """Run an SGD step on ``loss_of(w, batch)`` over ``batches``, through ``tl.compile`` (or
    eagerly with compiled=False); return each call's result or the exception it raised."""
    w = tl.zeros(4, requires_grad=True)
    opt = tl.optim.SGD([w], lr=0.1)

    def step(batch):
        opt.zero_grad()
        loss = loss_of(w, batch)
        loss.backward()
        opt.step()
        return loss
    step = tl.compile(step) if compiled else step
    results = []
    for batch in batches:
        try:
            results.append(step(batch).item())
        except (RuntimeError, IndexError) as error:
            results.append(error)
    return results


def test_a_replayed_one_hot_checks_its_classes_and_an_inferred_count_is_not_captured():
    def encoded(w, y, classes=4):
        return (F.one_hot(y, classes).float().sum(0) * w).sum()
    ok, bad = tl.tensor([0, 1]), tl.tensor([0, 5])
    batches = [ok, ok, ok, tl.tensor([0, 3]), bad]
    results, eager = _compiled_on(encoded, batches), _compiled_on(encoded, batches, compiled=False)
    assert results[:4] == eager[:4]
    for error in (results[4], eager[4]):
        assert "Class values must be" in str(error) and "smaller than num_classes" in str(error)
    inferred = _compiled_on(lambda w, y: encoded(w, y, -1), [ok, ok])  # its shape comes from the values
    assert isinstance(inferred[1], sys.modules["tensorlite.compile"].CaptureError)
    assert "one_hot" in str(inferred[1])


def test_a_replayed_binary_cross_entropy_checks_its_targets():
    def bce(w, t):
        return F.binary_cross_entropy(w[:2].sigmoid(), t)
    results = _compiled_on(bce, [tl.tensor([0.0, 1.0])] * 3 + [tl.tensor([0.0, 2.0])])
    assert "binary_cross_entropy got a target of 2.0" in str(results[3])
