"""fit's execution environments: 'gpu', 'multi-gpu' (replicas in one process), 'parallel' (MPI
ranks) and worker_load. A multi-worker step must equal one process's step on the whole
mini-batch: the tests compare loss curves, metrics and parameters with a one-device fit.
Several OpenCL devices come from PoCL with POCL_DEVICES="pthread pthread" in a subprocess (the
device list is fixed when the platform loads); ranks from ``mpiexec -n 2``."""
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, strategies as st

import tensorlite as tl
from tensorlite import nn
from tensorlite.training import TrainingOptions, environments, fit
from tensorlite.training.environments import environment_for, split_counts

ROOT = pathlib.Path(tl.__file__).resolve().parent.parent
PROGRAMS = pathlib.Path(__file__).resolve().parent / "mpi_programs"
TIMEOUT = 240


def subprocess_env(**extra):
    return dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                POCL_MAX_PTHREAD_COUNT="1", TENSORLITE_OPENCL_PREBUILD="0", **extra)


def classification(dtype=tl.float64, n=41, seed=0):
    """n samples of 5 features in 3 classes and a tanh MLP (batches of 8 leave a last one of 1)."""
    generator = tl.Generator().manual_seed(seed)
    x = tl.randn(n, 5, generator=generator).to(dtype)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    tl.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).to(dtype)
    return model, (x, y)


def train(dtype=tl.float64, loss="crossentropy", **options):
    model, data = classification(dtype)
    options = TrainingOptions("adam", initial_learn_rate=0.02, max_epochs=3, mini_batch_size=8,
                              shuffle="every-epoch", verbose=False, **options)
    return fit(model, data, loss, options)


def assert_same_run(got, want, tolerance):
    (model, history), (reference, expected) = got, want
    assert len(history.iterations) == len(expected.iterations)
    for row, expected_row in zip(history.iterations, expected.iterations):
        for key in ("loss", history.metric):
            assert row[key] == pytest.approx(expected_row[key], rel=tolerance, abs=tolerance), (key, row)
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        assert tl.allclose(p.cpu(), q.cpu(), rtol=tolerance, atol=tolerance), name


class TestOptions:
    @pytest.mark.parametrize("kwargs, message", [
        (dict(execution_environment="tpu"), "execution_environment='tpu' is not one of 'cpu', 'gpu', 'opencl'"),
        (dict(worker_load=[1, 1]), "worker_load applies to execution_environment 'multi-gpu' or 'parallel', not 'auto'"),
        (dict(execution_environment="cpu", devices=["cpu"]), "devices applies to .* not 'cpu'"),
        (dict(execution_environment="parallel", worker_load=[0.5, -0.5]), r"worker_load=\[0.5, -0.5\] must be non-negative"),
        (dict(execution_environment="parallel", worker_load=[0, 0]), "with a positive sum"),
        (dict(execution_environment="parallel", worker_load=[1, float("nan")]), "must be non-negative finite"),
        (dict(execution_environment="parallel", worker_load=[True, 1]), "must be non-negative finite"),
        (dict(execution_environment="parallel", worker_load=0.5), "worker_load=0.5 must be a non-empty list"),
        (dict(execution_environment="multi-gpu", devices=[]), r"devices=\[\] must be a non-empty list"),
        (dict(execution_environment="multi-gpu", devices=[0, 1]), "must list devices like 'opencl:0'"),
    ])
    def test_bad_options_raise_at_construction(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            TrainingOptions(**kwargs)

    def test_gpu_without_a_gpu_names_the_devices_there_are(self, monkeypatch):
        monkeypatch.setattr(environments, "gpu_device", lambda: None)
        model = nn.Linear(5, 3)
        with pytest.raises(RuntimeError, match=r"'gpu' needs an OpenCL GPU and there is none; the devices "
                                               r"here: cpu.*Use execution_environment='opencl'"):
            fit(model, classification()[1], "crossentropy", TrainingOptions(execution_environment="gpu"))

    def test_gpu_trains_on_the_gpu(self, monkeypatch):
        """With a GPU (here the CPU device posing as one), 'gpu' trains there."""
        monkeypatch.setattr(environments, "gpu_device", lambda: tl.device("cpu"))
        (model, _), expected = train(execution_environment="gpu"), train(execution_environment="cpu")
        assert_same_run((model, _), expected, 0)

    def test_multi_gpu_without_gpus_says_how_to_name_devices(self, monkeypatch):
        monkeypatch.setattr(environments, "gpu_devices", lambda: [])
        with pytest.raises(RuntimeError, match=r"'multi-gpu' needs at least one OpenCL GPU .* Pass "
                                               r"devices=\['opencl:0', 'opencl:1'\]"):
            train(execution_environment="multi-gpu")

    @pytest.mark.parametrize("kwargs, error, message", [
        (dict(worker_load=[1, 1, 1]), ValueError,
         r"worker_load=\[1, 1, 1\] has 3 entries but there are 2 workers \(devices\)"),
        (dict(devices=["cpu", "opencl:99"]), RuntimeError, "OpenCL device index 99 is out of range"),
    ])
    def test_worker_mismatch_raises_before_the_model_moves(self, kwargs, error, message):
        kwargs.setdefault("devices", ["cpu", "cpu"])
        model, data = classification()
        before = [p.clone() for p in model.parameters()]
        with pytest.raises(error, match=message):
            fit(model, data, "crossentropy", TrainingOptions(execution_environment="multi-gpu", **kwargs))
        assert all(p.device == q.device and tl.equal(p, q) for p, q in zip(model.parameters(), before))

    @pytest.mark.backend_pair
    def test_a_loss_holding_tensors_trains_on_the_models_device(self, opencl):
        """fit moves the model; a class-weighted loss follows it as a copy (the caller's stays)."""
        weight = tl.tensor([0.5, 2., 1.], dtype=tl.float64, device=opencl)
        loss = nn.CrossEntropyLoss(weight=weight)
        got = train(loss=loss, execution_environment="cpu")
        assert loss.weight is weight and weight.device == opencl
        assert_same_run(got, train(loss=nn.CrossEntropyLoss(weight=weight.cpu()), execution_environment="cpu"), 0)

    def test_an_unreduced_loss_is_refused(self):
        model, data = classification()
        with pytest.raises(ValueError, match=r"MSELoss\(reduction='none'\): the multi-worker environments need "
                                             r"a loss reduced to a scalar"):
            fit(model, data, nn.MSELoss(reduction="none"),
                TrainingOptions(execution_environment="multi-gpu", devices=["cpu", "cpu"]))


@given(st.integers(0, 300), st.lists(st.floats(0, 10), min_size=1, max_size=6).filter(lambda w: sum(w) > 0))
def test_split_counts_sum_to_the_batch_and_follow_the_load(total, load):
    counts = split_counts(total, load)
    assert sum(counts) == total and len(counts) == len(load)
    for count, share in zip(counts, load):
        exact = total * share / sum(load)
        assert exact - 1 < count < exact + 1 and (count == 0 if share == 0 else True)


def _class_targets(n, classes, ignored, generator):
    target = tl.randint(0, classes, (n,), generator=generator)
    return tl.where(tl.rand(n, generator=generator) < ignored, tl.tensor(-100), target)


LOSSES = {  # name: (loss module, target maker(output, generator))
    "mse": (lambda: nn.MSELoss(), lambda out, g: tl.randn(out.shape, generator=g, dtype=out.dtype)),
    "l1 sum": (lambda: nn.L1Loss(reduction="sum"), lambda out, g: tl.randn(out.shape, generator=g, dtype=out.dtype)),
    "huber": (lambda: nn.HuberLoss(delta=0.5), lambda out, g: tl.randn(out.shape, generator=g, dtype=out.dtype)),
    "bce logits": (lambda: nn.BCEWithLogitsLoss(), lambda out, g: tl.rand(out.shape, generator=g, dtype=out.dtype)),
    "kl batchmean": (lambda: nn.KLDivLoss(reduction="batchmean"),
                     lambda out, g: tl.rand(out.shape, generator=g, dtype=out.dtype).softmax(1)),
    "ce probabilities weighted": (lambda: nn.CrossEntropyLoss(weight=tl.tensor([1., 2., 0.5, 3.], dtype=tl.float64)),
                                  lambda out, g: tl.rand(out.shape, generator=g, dtype=out.dtype).softmax(1)),
    "ce": (lambda: nn.CrossEntropyLoss(), lambda out, g: _class_targets(len(out), 4, 0.3, g)),
    "ce weighted smoothed": (lambda: nn.CrossEntropyLoss(weight=tl.tensor([1., 2., 0.5, 3.], dtype=tl.float64),
                                                          label_smoothing=0.2),
                             lambda out, g: _class_targets(len(out), 4, 0.3, g)),
    "nll weighted ignore 2": (lambda: nn.NLLLoss(weight=tl.tensor([1., 2., 0.5, 3.], dtype=tl.float64), ignore_index=2),
                              lambda out, g: tl.randint(0, 4, (len(out),), generator=g)),
}


@pytest.mark.parametrize("name", LOSSES)
@given(n=st.integers(2, 12), load=st.lists(st.integers(0, 3), min_size=1, max_size=4).filter(any),
       seed=st.integers(0, 2 ** 16))
def test_the_workers_loss_terms_add_up_to_the_batch_loss_and_gradient(name, n, load, seed):
    """Every loss, split at any worker_load: sum of numerators / sum of masses is the whole
    batch's loss, and the same holds for the gradient (class weights and ignored targets too)."""
    make_loss, make_target = LOSSES[name]
    loss_fn, generator = make_loss(), tl.Generator().manual_seed(seed)
    output = tl.randn(n, 4, generator=generator, dtype=tl.float64, requires_grad=True)
    target = make_target(output.detach(), generator)
    if name == "nll weighted ignore 2" or name.startswith("ce") and not target.is_floating_point():
        target[0] = 1  # at least one used target: an all-ignored batch is nan in one process too
    expected = loss_fn(output.log_softmax(1) if name.startswith("nll") else output, target)
    (expected_grad,) = tl.autograd.grad(expected, output)
    numerators = masses = 0.0
    grad = tl.zeros_like(output)
    first = 0
    for count in split_counts(n, load):
        if count:
            piece = output[first:first + count].detach().requires_grad_()
            numerator, mass = environments._loss_terms(
                loss_fn, piece.log_softmax(1) if name.startswith("nll") else piece, target[first:first + count], count)
            numerator.backward()
            numerators += numerator.item()
            masses = None if mass is None else masses + float(mass)
            grad[first:first + count] = piece.grad
        first += count
    if masses is not None:
        numerators, grad = numerators / masses, grad / masses
    assert numerators == pytest.approx(expected.item(), rel=1e-12, abs=1e-12)
    assert tl.allclose(grad, expected_grad, rtol=1e-10, atol=1e-12)


class TestReplicasInOneProcess:
    """Replicas on one device repeated are the multi-gpu mechanics without several devices."""

    @pytest.mark.parametrize("devices, load", [(["cpu", "cpu"], None), (["cpu", "cpu"], [0.25, 0.75]),
                                               (["cpu"] * 3, [0, 1, 3])])
    @pytest.mark.parametrize("loss", ["crossentropy", nn.CrossEntropyLoss(reduction="sum", label_smoothing=0.1),
                                      nn.CrossEntropyLoss(weight=tl.tensor([0.5, 2., 1.], dtype=tl.float64,
                                                                                     device="cpu"), ignore_index=2)])
    def test_equals_one_device(self, devices, load, loss):
        got = train(loss=loss, execution_environment="multi-gpu", devices=devices, worker_load=load,
                    gradient_threshold=0.5)
        assert_same_run(got, train(loss=loss, execution_environment="cpu", gradient_threshold=0.5), 1e-12)

    def test_batch_norm_buffers_are_replica_0s(self):
        """Replica 0 normalises and tracks its own slice: with the whole batch (worker_load
        [1, 0]) the run, running statistics included, is one device's."""
        def bn_run(**extra):
            model, data = classification(n=40)
            model = nn.Sequential(model[0], nn.BatchNorm1d(8).double(), *model[1:])
            options = TrainingOptions("sgdm", max_epochs=2, mini_batch_size=8, verbose=False, **extra)
            return fit(model, data, "crossentropy", options)
        got = bn_run(execution_environment="multi-gpu", devices=["cpu", "cpu"], worker_load=[1, 0])
        want = bn_run(execution_environment="cpu")
        assert_same_run(got, want, 1e-12)
        for (name, b), c in zip(got[0].named_buffers(), want[0].buffers()):
            assert tl.allclose(b.double(), c.double(), rtol=1e-12, atol=1e-12), name

    def test_regression_rmse_and_replicas_follow_replica_0(self):
        environment = environment_for(TrainingOptions(execution_environment="multi-gpu", devices=["cpu", "cpu"],
                                                      worker_load=[3, 1]))
        model, (x, _) = classification()
        y = x[:, :3] * 2
        with tl.no_grad():
            expected = nn.functional.mse_loss(model(x), y).item()
        environment.prepare(model, nn.MSELoss())
        environment.start(model)
        loss, rmse = environment.forward_backward(model, x, y, nn.MSELoss(), "rmse")
        assert loss == pytest.approx(expected, rel=1e-12) and rmse == pytest.approx(expected ** 0.5, rel=1e-12)
        tl.optim.SGD(model.parameters(), lr=0.1).step()
        environment.after_step(model)
        for p, q in zip(model.parameters(), environment.replicas[1].parameters()):
            assert tl.equal(p, q) and p is not q


    def test_a_resumed_multi_device_run_equals_the_uninterrupted_one(self, tmp_path):
        """Stopped mid-epoch and resumed from the checkpoint: the replicas get replica 0's
        restored parameters before the first step, so the run continues exactly."""
        extra = dict(execution_environment="multi-gpu", devices=["cpu", "cpu"], worker_load=[1, 3],
                     checkpoint_path=str(tmp_path / "run.tl"))
        full = train(**extra)
        train(**extra, output_functions=[lambda info: info.iteration == 8])
        model, data = classification()
        with tl.no_grad():
            for p in model.parameters():
                p.zero_()  # the checkpoint, not the initial model, must count
        resumed = fit(model, data, "crossentropy",
                      TrainingOptions("adam", initial_learn_rate=0.02, max_epochs=3, mini_batch_size=8,
                                      shuffle="every-epoch", verbose=False, **extra), resume_from=str(tmp_path / "run.tl"))
        assert_same_run(resumed, full, 0)


class TestParallelInOneProcess:
    """A plain ``python train.py`` is an MPI job of one rank: 'parallel' joins it."""

    @pytest.fixture(autouse=True)
    def leave_the_group(self):
        yield
        if tl.distributed.is_initialized():
            tl.distributed.destroy_process_group()

    def test_one_rank_equals_one_device(self):
        got = train(execution_environment="parallel", devices=["cpu"], gradient_threshold=0.5)
        assert tl.distributed.is_initialized() and tl.distributed.get_world_size() == 1
        assert_same_run(got, train(execution_environment="cpu", gradient_threshold=0.5), 1e-12)

    def test_worker_load_must_name_every_rank(self):
        with pytest.raises(ValueError, match=r"worker_load=\[1, 3\] has 2 entries but there are 1 workers "
                                             r"\(MPI ranks: mpiexec -n\)"):
            train(execution_environment="parallel", worker_load=[1, 3])


MULTI_DEVICE_PROGRAM = textwrap.dedent("""
    import tensorlite as tl
    from tensorlite.training import TrainingOptions
    from tensorlite.training.environments import environment_for
    import test_training_environments as t

    assert [str(d) for d in (tl.device("opencl:0"), tl.device("opencl:1"))] == ["opencl:0", "opencl:1"]
    both = dict(execution_environment="multi-gpu", devices=["opencl:0", "opencl:1"])
    replicas = environment_for(TrainingOptions(**both))
    model = t.classification()[0]
    replicas.prepare(model, tl.nn.CrossEntropyLoss())
    assert [next(r.parameters()).device for r in replicas.replicas] == [tl.device("opencl:0"), tl.device("opencl:1")]
    try:
        environment_for(TrainingOptions(execution_environment="multi-gpu"))
        raise AssertionError("multi-gpu without a GPU must raise")
    except RuntimeError as error:
        assert "opencl:1  pthread" in str(error) and "devices=[" in str(error), error
    for dtype, tolerance in ((tl.float32, 2e-5), (tl.float64, 1e-12)):
        one = t.train(dtype, execution_environment="opencl")
        for load in (None, [0.25, 0.75]):
            t.assert_same_run(t.train(dtype, worker_load=load, **both), one, tolerance)
        t.assert_same_run(one, t.train(dtype, execution_environment="cpu"), tolerance)
    print("multi-device ok")
""")


@pytest.mark.backend_pair
def test_multi_gpu_on_two_pocl_devices_equals_one_device():
    """Replicas on opencl:0 and opencl:1 (two PoCL CPU devices): float32 within rounding,
    float64 to 1e-12, evenly and with worker_load [0.25, 0.75]."""
    result = subprocess.run([sys.executable, "-c", MULTI_DEVICE_PROGRAM], capture_output=True, text=True,
                            timeout=TIMEOUT, cwd=pathlib.Path(__file__).parent,
                            env=subprocess_env(POCL_DEVICES="pthread pthread"))
    assert result.returncode == 0 and "multi-device ok" in result.stdout, result.stdout + result.stderr


@pytest.mark.backend_pair
def test_parallel_over_two_mpi_ranks_equals_one_process(opencl):
    """tests/mpi_programs/fit_parallel.py: loss curve, metric and parameters to 1e-10 with an
    even split and with worker_load [0.25, 0.75] and [1, 3], a class-weighted loss with
    ignored targets; rank 0's duties; joint stop. Ranks on the CPU, then on OpenCL."""
    command = tl.distributed.mpiexec_command(2, [sys.executable, str(PROGRAMS / "fit_parallel.py"), "cpu",
                                                 "opencl"])
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, env=subprocess_env())
    report = f"rc={result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 0 and result.stdout.count("fit parallel ok") == 2, report
