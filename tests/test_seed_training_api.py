"""The seeds' training API: per-layer optimizers (seed 001's Network.add(layer, optimizer=...)),
train(metrics, test_data, callbacks, tensorboard), classify (seed 000), fit with optimizer and
scheduler objects, and TensorBoard event files read back with tensorboard's own reader."""
import copy
import sys

import numpy as np
import pytest

import tensorlite as tl
from tensorlite import nn, optim
from tensorlite.training import (History, Network, SteppedTogether, TensorBoardLogger, TrainingOptions,
                                 classify, fit, predict)


def environment():
    return tl.get_default_device().type


def blobs(n=48, seed=0):
    """Three separable clusters in 4-D: (inputs (n, 4) float32, labels (n,) int64)."""
    g = np.random.default_rng(seed)
    labels = g.integers(0, 3, n)
    inputs = g.normal(size=(n, 4)) * 0.5 + np.eye(4)[labels] * 3
    return tl.tensor(inputs, dtype=tl.float32), tl.tensor(labels)


def quiet(**extra):
    return dict(verbose=False, execution_environment=environment(), **extra)


class TestUnboundOptimizer:
    def test_built_without_params_it_binds_later(self):
        sgd = optim.SGD(lr=0.25, momentum=0.5)
        assert sgd.param_groups == [] and sgd.state_dict()["param_groups"] == []
        sgd.step()  # nothing bound: nothing to do
        w = nn.Parameter(tl.tensor([1.0, -2.0]))
        sgd.add_param_group({"params": [w]})
        assert sgd.param_groups[0]["lr"] == 0.25 and sgd.param_groups[0]["momentum"] == 0.5
        (w * w).sum().backward()
        sgd.step()
        assert w.tolist() == [0.5, -1.0]

    def test_an_empty_list_and_bad_hyperparameters_still_raise(self):
        with pytest.raises(ValueError, match="empty parameter list"):
            optim.SGD([], lr=0.1)
        with pytest.raises(ValueError, match="Invalid learning rate"):
            optim.Adam(lr=-1.0)


def three_optimizer_net():
    """Linear(4, 6) and Linear(6, 5) share one SGD(lr=0.1) (two groups), Linear(5, 4) has
    SGD(lr=0.5), Linear(4, 3) gets the default Adam."""
    tl.manual_seed(3)
    shared = optim.SGD(lr=0.1)
    net = Network()
    net.add(nn.Linear(4, 6), optimizer=shared)
    net.add(nn.Tanh())
    net.add(nn.Linear(6, 5), optimizer=shared)
    net.add(nn.ReLU())
    net.add(nn.Linear(5, 4), optimizer=optim.SGD(lr=0.5))
    net.add(nn.Tanh())
    net.add(nn.Linear(4, 3))
    return net


def test_each_layer_is_updated_by_its_own_optimizer_with_its_own_lr():
    """One full-batch step against the hand computation: w - lr g for the SGD layers (the
    options' l2_regularization does not reach them), w - lr g / (|g| + eps) for Adam's first
    step; the layers' gradients from autograd on an untouched copy."""
    net = three_optimizer_net()
    x, y = blobs(24)
    before = copy.deepcopy(net)
    nn.functional.cross_entropy(before(x), y).backward()
    history = net.train((x, y), "crossentropy", 1, batch_size=24, shuffle="never", l2_regularization=0.1,
                        **quiet())
    assert len(history) == 1 and len(net.optimizers) == 2 and len(net.optimizers[0].param_groups) == 2
    assert isinstance(net.default_optimizer, optim.Adam)
    for index, lr in ((0, 0.1), (2, 0.1), (4, 0.5), (6, None)):
        for name in ("weight", "bias"):
            old = getattr(before[index], name)
            w, g = old.detach().cpu().numpy().astype(np.float64), old.grad.cpu().numpy().astype(np.float64)
            want = w - lr * g if lr is not None else w - 1e-3 * g / (np.abs(g) + 1e-8)
            got = getattr(net[index], name).detach().cpu().numpy()
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"layer {index} {name}")


def test_network_is_an_nn_sequential():
    net = three_optimizer_net()
    assert isinstance(net, nn.Sequential) and len(net) == 7 and isinstance(net[-1], nn.Linear)
    assert list(net.state_dict())[:2] == ["0.weight", "0.bias"] and len(list(net.parameters())) == 8
    assert net.train(False) is net and not net[0].training
    net.train()
    assert net[0].training and repr(net).startswith("Network(")
    assert not net.train(mode=False)[0].training and net.eval() is net
    assert net(tl.zeros(2, 4)).shape == (2, 3)


def test_add_and_train_reject_bad_arguments_before_anything_changes():
    net = Network()
    with pytest.raises(ValueError, match="ReLU has no parameters for SGD"):
        net.add(nn.ReLU(), optimizer=optim.SGD(lr=0.1))
    with pytest.raises(TypeError, match="tensorlite optimizer"):
        net.add(nn.Linear(2, 2), optimizer="sgd")
    with pytest.raises(TypeError, match="must be an nn.Module"):
        net.add(lambda x: x)
    assert len(net) == 0
    net.add(nn.Linear(4, 3))
    x, y = blobs(8)
    with pytest.raises(ValueError, match="'test_accuracy' needs test_data"):
        net.train((x, y), "crossentropy", 1, metrics=["train_loss", "test_accuracy"], **quiet())
    with pytest.raises(ValueError, match="unknown metric 'train_rmse'.*train_accuracy"):
        net.train((x, y), "crossentropy", 1, metrics=["train_rmse"], **quiet())
    assert net.default_optimizer is None


def test_train_returns_the_seed_metrics_per_epoch_and_calls_the_callbacks():
    tl.manual_seed(0)
    net = Network([nn.Linear(4, 16), nn.ReLU()])
    net.add(nn.Linear(16, 3), optimizer=optim.Adam(lr=0.05))
    x, y = blobs(48)
    test = blobs(30, seed=1)
    seen = []
    history = net.train((x, y), "crossentropy", 4, batch_size=16, test_data=test,
                        metrics=["train_loss", "test_loss", "train_accuracy", "test_accuracy"],
                        callbacks=[lambda info: seen.append((info.state, info.epoch)) and False], **quiet())
    assert history.keys() == ["train_loss", "train_accuracy", "test_loss", "test_accuracy"]
    assert all(len(history[name]) == 4 for name in history.keys())
    assert history["train_loss"] == [row["loss"] for row in history.epochs]
    final = net.evaluate(test)
    assert history["test_loss"][-1] == pytest.approx(final["loss"], rel=1e-5)
    assert history["test_accuracy"] == history["validation_accuracy"] and history["test_accuracy"][-1] > 0.9
    assert seen[0] == ("start", 0) and seen[-1] == ("done", 4) and len(seen) == 2 + 4 * 3
    with pytest.raises(KeyError, match="no metric 'test_rmse'"):
        history["test_rmse"]


def test_train_with_training_options_follows_their_solver_for_layers_without_one():
    """Seed 000's Network(layers).train(data, options): the options' sgdm and piecewise schedule,
    exactly as fit of the same layers."""
    x, y = blobs(32)
    options = TrainingOptions("sgdm", momentum=0.9, initial_learn_rate=0.05, learn_rate_schedule="piecewise",
                              learn_rate_drop_period=1, learn_rate_drop_factor=0.5, max_epochs=2,
                              mini_batch_size=8, **quiet())
    tl.manual_seed(5)
    net = Network([nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)])
    reference = copy.deepcopy(net)
    history = net.train((x, y), options)
    _, want = fit(nn.Sequential(*reference), (x, y), "crossentropy", options)
    assert [r["loss"] for r in history.iterations] == pytest.approx([r["loss"] for r in want.iterations], rel=1e-6)
    assert history.epochs[-1]["base_learn_rate"] == 0.025 and net.default_optimizer is None
    for p, q in zip(net.parameters(), reference.parameters()):
        np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().cpu().numpy(), rtol=1e-5, atol=1e-7)


class TestClassify:
    def test_labels_are_the_argmax_and_scores_the_softmax(self):
        tl.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 5), nn.Dropout(0.5), nn.Linear(5, 3))
        x, _ = blobs(10)
        labels, scores = classify(model, x)
        logits = predict(model, x)
        assert model.training and not scores.requires_grad
        assert labels.dtype == tl.int64 and labels.tolist() == logits.argmax(1).tolist()
        np.testing.assert_allclose(scores.cpu().numpy(), logits.softmax(1).cpu().numpy(), rtol=1e-6)
        np.testing.assert_allclose(scores.sum(1).cpu().numpy(), np.ones(10), rtol=1e-6)
        in_slices, sliced_scores = classify(model, x, batch_size=3)
        assert in_slices.tolist() == labels.tolist()
        np.testing.assert_allclose(sliced_scores.cpu().numpy(), scores.cpu().numpy(), rtol=1e-6)

    @pytest.mark.parametrize("head", [nn.Softmax(dim=1), nn.LogSoftmax(dim=1)])
    def test_a_probability_head_is_not_softmaxed_again(self, head):
        tl.manual_seed(0)
        body = nn.Linear(4, 3)
        x, _ = blobs(6)
        _, want = classify(body, x)
        net = Network([body, head], loss="nll" if isinstance(head, nn.LogSoftmax) else "crossentropy")
        labels, scores = net.classify(x)
        np.testing.assert_allclose(scores.cpu().numpy(), want.cpu().numpy(), rtol=1e-5)


def _options(**extra):
    settings = dict(momentum=0.9, initial_learn_rate=0.05, l2_regularization=1e-3, learn_rate_schedule="piecewise",
                    learn_rate_drop_period=1, learn_rate_drop_factor=0.5, max_epochs=3, mini_batch_size=8,
                    shuffle="every-epoch")
    return TrainingOptions("sgdm", **quiet(**{**settings, **extra}))


def _mlp():
    tl.manual_seed(2)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def _same(got_history, want_history, got_model, want_model):
    assert [(r["loss"], r["base_learn_rate"]) for r in got_history.iterations] == \
        [(r["loss"], r["base_learn_rate"]) for r in want_history.iterations]
    for p, q in zip(got_model.parameters(), want_model.parameters()):
        assert p.tolist() == q.tolist()


def test_fit_with_optimizer_and_scheduler_objects_equals_the_options_run():
    data = blobs(40)
    want_model, want = fit(_mlp(), data, "crossentropy", _options())
    model = _mlp()
    sgd = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
    # the options' solver and schedule are ignored: adam, lr 1 and no schedule would differ
    ignored = _options(betas=(0.5, 0.5))
    ignored.solver, ignored.initial_learn_rate, ignored.learn_rate_schedule = "adam", 1.0, "none"
    _, got = fit(model, data, "crossentropy", ignored, optimizer=sgd,
                 scheduler=optim.lr_scheduler.StepLR(sgd, step_size=1, gamma=0.5))
    _same(got, want, model, want_model)


def test_fit_with_objects_checkpoints_and_resumes_exactly(tmp_path):
    """Several optimizers stepped together under one scheduler: stopped after 2 epochs and
    resumed with fresh objects, the run equals the uninterrupted one."""
    def run(max_epochs, path, resume_from=None):
        model = _mlp()
        both = SteppedTogether([optim.SGD(model[0].parameters(), lr=0.05, momentum=0.9),
                                optim.Adam(model[2].parameters(), lr=0.01)])
        sched = optim.lr_scheduler.StepLR(both, step_size=1, gamma=0.5)
        return fit(model, blobs(40), "crossentropy", _options(max_epochs=max_epochs, checkpoint_path=str(path)),
                   optimizer=both, scheduler=sched, resume_from=resume_from)
    full_model, full = run(3, tmp_path / "full.tl")
    run(2, tmp_path / "part.tl")
    resumed_model, resumed = run(3, tmp_path / "resumed.tl", resume_from=tmp_path / "part.tl")
    _same(resumed, full, resumed_model, full_model)
    assert full.epochs[-1]["base_learn_rate"] == 0.0125


def test_fit_checks_the_given_optimizer_and_scheduler():
    model, data = _mlp(), blobs(16)
    stranger = optim.SGD(nn.Linear(4, 8).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="holds 2 tensors that are not parameters of the model"):
        fit(model, data, "crossentropy", _options(), optimizer=stranger)
    own = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="scheduler drives another optimizer"):
        fit(model, data, "crossentropy", _options(), optimizer=own,
            scheduler=optim.lr_scheduler.StepLR(stranger, step_size=1))
    plateau = optim.lr_scheduler.ReduceLROnPlateau(own, factor=0.5, patience=0, threshold=10.0)
    _, history = fit(model, data, "crossentropy", _options(), scheduler=plateau)  # its own optimizer
    assert [row["base_learn_rate"] for row in history.epochs] == [0.1, 0.05, 0.025]


def _events(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    return EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0}).Reload()


def test_tensorboard_events_read_back_equal_the_history(tmp_path):
    x, y = blobs(40)
    model = _mlp()
    options = _options(validation_data=blobs(12, seed=1), validation_frequency=3, tensorboard=tmp_path / "tb")
    _, history = fit(model, (x, y), "crossentropy", options)
    events = _events(tmp_path / "tb")
    rows = history.iterations
    assert sorted(events.Tags()["scalars"]) == ["accuracy/train", "accuracy/validation", "learn_rate",
                                                "loss/train", "loss/validation"]
    for tag, key in (("loss/train", "loss"), ("accuracy/train", "accuracy"), ("learn_rate", "base_learn_rate"),
                     ("loss/validation", "validation_loss"), ("accuracy/validation", "validation_accuracy")):
        want = [(r["iteration"], r[key]) for r in rows if key in r]
        got = [(e.step, e.value) for e in events.Scalars(tag)]
        assert [s for s, _ in got] == [s for s, _ in want], tag
        np.testing.assert_allclose([v for _, v in got], [v for _, v in want], rtol=1e-6, err_msg=tag)
    assert [e.step for e in events.Scalars("loss/validation")] == [3, 6, 9, 12, 15]  # the last: fit's final
    names = [name for name, _ in model.named_parameters()]
    assert sorted(events.Tags()["histograms"]) == sorted(f"{kind}/{name}" for kind in ("weights", "gradients")
                                                          for name in names)
    graph = {node.name: node for node in events.Graph().node}
    assert {"input", "0/weight", "0/bias", "2/weight", "2/bias"} <= set(graph)
    (relu,) = [node for name, node in graph.items() if name.startswith("1/")]
    assert relu.op == "ReluBackward0" and [d.size for d in relu.attr["_output_shapes"].list.shape[0].dim] == [1, 8]
    weights = events.Histograms("weights/2.bias")
    assert [e.step for e in weights] == [1, 2, 3] and weights[-1].histogram_value.num == 3
    np.testing.assert_allclose(weights[-1].histogram_value.sum, model[2].bias.sum().item(), rtol=1e-5)


def test_tensorboard_from_network_train_and_the_default_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    net = three_optimizer_net()
    net.train(blobs(16), "crossentropy", 2, batch_size=8, tensorboard=True, **quiet())
    (run,) = (tmp_path / "runs").iterdir()  # tensorboardX's default: runs/<date>_<host>
    events = _events(run)
    assert len(events.Scalars("loss/train")) == 4 and len(events.Histograms("gradients/6.weight")) == 2
    quiet_logger = TensorBoardLogger(tmp_path / "scalars-only", histograms=False)
    net.train(blobs(16), "crossentropy", 1, batch_size=8, tensorboard=quiet_logger, **quiet())
    assert _events(tmp_path / "scalars-only").Tags()["histograms"] == [] and quiet_logger.writer is None
    with pytest.raises(ValueError, match="tensorboard=5 must be True, a log directory"):
        TrainingOptions(tensorboard=5)
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # as if not installed: fails at once
    with pytest.raises(ImportError, match=r"needs tensorboardX: pip install 'tensorlite\[tensorboard\]'"):
        TrainingOptions(tensorboard=True)
    TrainingOptions(tensorboard=False)


def test_history_names_come_from_the_loss():
    history = History("rmse")
    history.record({"epoch": 1, "iteration": 1, "time_since_start": 0.0, "loss": 2.0, "rmse": 1.5,
                    "base_learn_rate": 0.1})
    history.close_epoch(1)
    assert history.keys() == ["train_loss", "train_rmse"] and history["train_rmse"] == [1.5]
    assert history["test_rmse"] == [None]


@pytest.mark.parametrize("head", [None, nn.Sigmoid()], ids=["logit", "sigmoid"])
def test_a_single_output_column_classifies_two_classes(head):
    tl.manual_seed(0)
    body = nn.Linear(4, 1)
    x, _ = blobs(8)
    logit = predict(body, x)[:, 0].cpu().numpy().astype(np.float64)
    labels, scores = classify(nn.Sequential(body, head) if head is not None else body, x)
    p = 1 / (1 + np.exp(-logit))
    np.testing.assert_allclose(scores.cpu().numpy(), np.stack([1 - p, p], 1), rtol=1e-5, atol=1e-6)
    assert labels.tolist() == (p > 0.5).astype(int).tolist()


def test_the_model_graph_groups_each_op_under_the_innermost_module():
    from tensorlite.training.tensorboard import model_graph

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
            self.head = nn.Linear(3, 1)

        def forward(self, x):
            return self.head(self.block(x) + x)

    model = Residual()
    graph = model_graph(model, tl.zeros(3))
    inputs = {node.name: list(node.input) for node in graph.node}
    (tanh,) = [name for name in inputs if name.startswith("block/1/")]
    (residual,) = [name for name, sources in inputs.items() if "/" not in name and sources]
    assert residual.startswith("AddBackward0") and inputs[residual] == [tanh, "input"]
    assert {"block/0/weight", "head/bias"} <= set(inputs) and model.training
    assert all(p.grad is None for p in model.parameters())
