"""TrainingOptions validation, fit (metrics, schedule, callbacks, early stopping), checkpoint
resume equality, history CSV/plot, the Network quick path and compare()."""
import csv
import math
import os
import signal
import subprocess
import sys

import pytest

import tensorlite as tl
from tensorlite import nn
from tensorlite.data import Digits, TensorDataset, noisy_regression
from tensorlite.training import History, Network, TrainingOptions, compare, evaluate, fit


def small_mlp():
    tl.manual_seed(1)
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 10))


class TestOptions:
    def test_misspelt_option_names_the_valid_ones(self):
        with pytest.raises(TypeError, match="unknown option 'mini_batchsize'. Did you mean 'mini_batch_size'"):
            TrainingOptions("adam", mini_batchsize=10)

    @pytest.mark.parametrize("kwargs, message", [
        (dict(solver="lbfgs"), "solver='lbfgs' is not one of 'sgdm', 'adam', 'rmsprop'"),
        (dict(momentum=1.0), r"momentum=1.0 must be a number in \[0, 1\)"),
        (dict(initial_learn_rate=0), r"initial_learn_rate=0 must be a number in \(0, inf\]"),
        (dict(learn_rate_schedule="step"), "learn_rate_schedule='step' is not one of"),
        (dict(learn_rate_drop_factor=1.5), "learn_rate_drop_factor=1.5"),
        (dict(learn_rate_drop_period=0), "learn_rate_drop_period=0 must be a positive integer"),
        (dict(l2_regularization=-1), "l2_regularization=-1"),
        (dict(gradient_threshold=0), "gradient_threshold=0"),
        (dict(max_epochs=2.5), "max_epochs=2.5 must be a positive integer"),
        (dict(mini_batch_size=0), "mini_batch_size=0"),
        (dict(shuffle="always"), "shuffle='always' is not one of 'once', 'every-epoch', 'never'"),
        (dict(validation_patience=0), "validation_patience=0"),
        (dict(execution_environment="tpu"), "execution_environment='tpu'"),
        (dict(output_functions=[3]), "output_functions must be callables"),
    ])
    def test_out_of_range_values(self, kwargs, message):
        solver = kwargs.pop("solver", "sgdm")
        with pytest.raises(ValueError, match=message):
            TrainingOptions(solver, **kwargs)

    def test_printable_and_defaults(self):
        text = repr(TrainingOptions("adam", max_epochs=3))
        assert text.startswith("TrainingOptions(") and "solver: 'adam'" in text and "max_epochs: 3" in text

    def test_opencl_environment_trains_on_the_opencl_device(self, opencl):
        model, history = fit(small_mlp(), Digits(), "crossentropy",
                             TrainingOptions(execution_environment="opencl", max_epochs=1, verbose=False))
        assert next(iter(model.parameters())).device == opencl
        assert history.iterations[-1]["loss"] < history.iterations[0]["loss"]


class TestFit:
    def test_classification_history_and_schedule(self):
        options = TrainingOptions("sgdm", initial_learn_rate=0.1, momentum=0.9, max_epochs=4, mini_batch_size=128,
                                  learn_rate_schedule="piecewise", learn_rate_drop_factor=0.5,
                                  learn_rate_drop_period=2, verbose=False, gradient_threshold=5.0)
        model, history = fit(small_mlp(), Digits(), "crossentropy", options)
        assert history.metric == "accuracy" and len(history.epochs) == 4
        assert [round(e["base_learn_rate"], 4) for e in history.epochs] == [0.1, 0.1, 0.05, 0.05]
        assert history.iterations[-1]["iteration"] == 4 * math.ceil(len(Digits()) / 128)
        assert history.epochs[-1]["loss"] < history.epochs[0]["loss"]
        assert evaluate(model, Digits(train=False))["accuracy"] > 0.85

    def test_regression_reports_rmse(self):
        data = noisy_regression(256)
        model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
        _, history = fit(model, data, "mse", TrainingOptions("adam", initial_learn_rate=0.01, max_epochs=30,
                                                              mini_batch_size=32, verbose=False))
        assert history.metric == "rmse" and history.final()["rmse"] < 0.3

    def test_output_functions_see_every_state_and_can_stop(self):
        seen = []

        def watch(info):
            seen.append((info.state, info.iteration, info.training_loss is not None))
            return info.state == "iteration" and info.iteration == 5
        _, history = fit(small_mlp(), Digits(), "crossentropy",
                         TrainingOptions("adam", max_epochs=3, mini_batch_size=64, verbose=False,
                                         output_functions=[watch]))
        assert seen[0] == ("start", 0, False) and seen[-1][0] == "done"
        assert [s for s in seen if s[0] == "iteration"][-1][1] == 5 and len(history) == 5

    def test_early_stopping_on_validation_patience(self):
        flat = TensorDataset(tl.zeros(64, 64), tl.zeros(64, dtype=tl.int64))
        options = TrainingOptions("sgdm", initial_learn_rate=1e-9, momentum=0.0, max_epochs=50,
                                  mini_batch_size=16, validation_data=flat, validation_frequency=1,
                                  validation_patience=3, verbose=False)
        _, history = fit(small_mlp(), flat, "crossentropy", options)
        assert len(history) == 4  # first validation sets the best, then 3 without improvement

    def test_verbose_table(self, capsys):
        fit(small_mlp(), Digits(), "crossentropy", TrainingOptions("adam", max_epochs=1, verbose_frequency=5))
        out = capsys.readouterr().out
        assert "| Epoch | Iteration |" in out and out.count("\n") > 3


def test_checkpoint_resume_reproduces_the_loss_curve(tmp_path):
    def options(epochs, path):
        return TrainingOptions("adam", max_epochs=epochs, mini_batch_size=128, shuffle="every-epoch",
                               learn_rate_schedule="piecewise", learn_rate_drop_period=1,
                               learn_rate_drop_factor=0.7, checkpoint_path=str(path), verbose=False)
    _, full = fit(small_mlp(), Digits(), "crossentropy", options(4, tmp_path / "full.tl"))
    fit(small_mlp(), Digits(), "crossentropy", options(2, tmp_path / "half.tl"))
    resumed_model = small_mlp()
    _, resumed = fit(resumed_model, Digits(), "crossentropy", options(4, tmp_path / "resumed.tl"),
                     resume_from=tmp_path / "half.tl")
    assert [r["loss"] for r in resumed.iterations] == [r["loss"] for r in full.iterations]
    state = tl.load(tmp_path / "resumed.tl")
    assert state["epoch"] == 4 and set(state) >= {"model", "optimizer", "scheduler", "rng", "loader_rng", "iteration"}


def test_history_csv_and_plot(tmp_path):
    _, history = fit(small_mlp(), Digits(), "crossentropy",
                     TrainingOptions("adam", max_epochs=2, mini_batch_size=256, verbose=False,
                                     validation_data=Digits(train=False), validation_frequency=3))
    history.to_csv(tmp_path / "h.csv")
    history.to_csv(tmp_path / "e.csv", per="epoch")
    rows = list(csv.DictReader(open(tmp_path / "h.csv")))
    assert len(rows) == len(history) and list(rows[0])[:5] == ["epoch", "iteration", "time_since_start", "loss", "accuracy"]
    assert rows[2]["validation_loss"] != "" and len(list(csv.DictReader(open(tmp_path / "e.csv")))) == 2
    history.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = History.from_state(history.state())
    assert again.epochs == history.epochs


def test_network_quick_path_and_compare(tmp_path):
    tl.manual_seed(0)
    net = Network([nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)], loss="crossentropy")
    net.train(Digits(), max_epochs=3, verbose=False, solver="adam")
    assert net.evaluate(Digits(train=False))["accuracy"] > 0.85
    assert net.predict(Digits(train=False).tensors[0][:4]).shape == (4, 10)
    net.save(tmp_path / "net.tl")
    results = compare({"small": lambda: nn.Linear(64, 10), "mlp": lambda: small_mlp()}, Digits(),
                      Digits(train=False), "crossentropy",
                      TrainingOptions("adam", max_epochs=1, verbose=False), tmp_path / "c.csv", tmp_path / "c.png")
    assert set(results) == {"small", "mlp"} and (tmp_path / "c.png").exists()
    assert open(tmp_path / "c.csv").readline().startswith("model,epoch,loss,accuracy")


def _bn_mlp():
    tl.manual_seed(1)
    return nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 10))


def _resumable_setup(checkpoint_path, max_epochs=3, model=small_mlp, **extra):
    """A run whose curve depends on every piece of state a resume must restore: a per-epoch
    shuffle, dropout, a per-epoch schedule, Adam moments and validation."""
    images, labels = tl.data.load_digits()
    data = TensorDataset(images[:600], labels[:600])
    validation = TensorDataset(images[600:700], labels[600:700])
    environment = tl.get_default_device().type
    options = TrainingOptions("adam", max_epochs=max_epochs, mini_batch_size=64, shuffle="every-epoch",
                              learn_rate_schedule="piecewise", learn_rate_drop_period=1,
                              learn_rate_drop_factor=0.5, validation_data=validation,
                              validation_frequency=4, checkpoint_path=str(checkpoint_path), verbose=False,
                              execution_environment=environment, **extra)
    return model(), data, options


def _same_run(resumed, full, resumed_model, full_model):
    """Equal histories (all but wall-clock time) and parameters: exactly on the CPU, to float
    rounding on OpenCL (a fresh process may pick other work-group splits)."""
    def strip(rows):
        return [{k: v for k, v in row.items() if k != "time_since_start"} for row in rows]
    exact = tl.get_default_device().type == "cpu"
    for got, want in ((strip(resumed.iterations), strip(full.iterations)), (strip(resumed.epochs), strip(full.epochs))):
        assert [sorted(r) for r in got] == [sorted(r) for r in want]
        for g, w in zip(got, want):
            assert g == w if exact else all(g[k] == pytest.approx(w[k], rel=1e-5, abs=1e-6) for k in w)
    for (name, p), (_, q) in zip(resumed_model.state_dict().items(), full_model.state_dict().items()):
        assert p.tolist() == q.tolist() if exact else tl.allclose(p.cpu(), q.cpu(), rtol=1e-4, atol=1e-6), name


@pytest.mark.parametrize("stop_at, model", [(3, small_mlp), (10, small_mlp), (14, small_mlp), (14, _bn_mlp)],
                         ids=["3", "10", "14", "14-batchnorm"])
def test_stopping_mid_epoch_then_resuming_gives_the_uninterrupted_run(tmp_path, stop_at, model):
    """An output function stops training inside an epoch (10 batches per epoch; 10 is an epoch's
    last batch); resume continues at the next mini-batch of the same shuffled order. BatchNorm:
    its 0-d num_batches_tracked must reload."""
    full_model, data, options = _resumable_setup(tmp_path / "full.tl", model=model)
    _, full = fit(full_model, data, "crossentropy", options)

    stopped_model, data, options = _resumable_setup(tmp_path / "stopped.tl", model=model)
    options.output_functions = [lambda info: info.state == "iteration" and info.iteration == stop_at]
    _, stopped = fit(stopped_model, data, "crossentropy", options)
    assert stopped.iterations[-1]["iteration"] == stop_at
    state = tl.load(tmp_path / "stopped.tl")
    assert (state["epoch"], state["batches_done"]) == ((stop_at - 1) // 10 + 1, (stop_at - 1) % 10 + 1) \
        if stop_at % 10 else (state["epoch"], state["batches_done"]) == (stop_at // 10, 0)

    resumed_model, data, options = _resumable_setup(tmp_path / "resumed.tl", model=model)
    _, resumed = fit(resumed_model, data, "crossentropy", options, resume_from=tmp_path / "stopped.tl")
    _same_run(resumed, full, resumed_model, full_model)


_KILLED_RUN = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from test_training import _resumable_setup
from tensorlite.training import fit
model, data, options = _resumable_setup(sys.argv[2], checkpoint_frequency=4, checkpoint_frequency_unit="iteration")
def kill(info):
    if info.state == "iteration" and info.iteration == 14:
        os.kill(os.getpid(), signal.SIGKILL)
options.output_functions = [kill]
fit(model, data, "crossentropy", options)
"""


def test_a_killed_run_resumes_from_its_last_iteration_checkpoint(tmp_path):
    """Checkpoints every 4 iterations; the process dies at iteration 14 (mid-epoch 2); a new
    fit resumes from iteration 12 and ends as the uninterrupted run."""
    tests = os.path.dirname(os.path.abspath(__file__))
    done = subprocess.run([sys.executable, "-c", _KILLED_RUN, tests, str(tmp_path / "killed.tl")],
                          cwd=os.path.dirname(tests))
    assert done.returncode == -signal.SIGKILL
    state = tl.load(tmp_path / "killed.tl")
    assert (state["epoch"], state["iteration"], state["batches_done"]) == (2, 12, 2)

    full_model, data, options = _resumable_setup(tmp_path / "full.tl")
    _, full = fit(full_model, data, "crossentropy", options)
    resumed_model, data, options = _resumable_setup(tmp_path / "resumed.tl")
    _, resumed = fit(resumed_model, data, "crossentropy", options, resume_from=tmp_path / "killed.tl")
    _same_run(resumed, full, resumed_model, full_model)


def test_checkpoint_frequency_unit_is_validated():
    with pytest.raises(ValueError, match="checkpoint_frequency_unit='step' is not one of 'epoch', 'iteration'"):
        TrainingOptions(checkpoint_frequency_unit="step")
