"""Run under ``mpiexec -n 2``: fit(execution_environment='parallel') on a float64 MLP equals a
one-process fit on the global mini-batch (loss curve, metric and final parameters to 1e-10),
evenly split and with worker_load [0.25, 0.75] (whose last batch of one sample leaves rank 0
nothing), also for a class-weighted cross-entropy with ignored targets, on the devices named on the command line; rank 0 alone validates, calls the output
functions and writes checkpoints, and every rank stops when rank 0 stops. Any failed check
raises, and the exception hook of init_process_group aborts the job."""
import math
import sys
import tempfile

import tensorlite as tl
import tensorlite.training.fit as fit_module
from tensorlite import nn
from tensorlite.training import TrainingOptions, fit

dist = tl.distributed


def problem(regression: bool):
    """41 samples (batches of 8, the last of one), a 5-8-3 tanh MLP; every rank builds its
    model from another seed, so only fit's broadcast from rank 0 makes them agree."""
    generator = tl.Generator().manual_seed(1)
    x = tl.randn(41, 5, dtype=tl.float64, generator=generator)
    y = tl.randn(41, 3, dtype=tl.float64, generator=generator) if regression else (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    tl.manual_seed(10 + (dist.get_rank() if dist.is_initialized() else 0))
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    return model, (x, y)


def train(environment, regression, where, loss=None, **extra):
    model, data = problem(regression)
    if environment == "single":
        tl.manual_seed(10)  # rank 0's initial model
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()
        extra.pop("worker_load", None)
        options = dict(execution_environment=where)
    else:
        options = dict(execution_environment="parallel", devices=[where])
    solver = dict(solver="adam", initial_learn_rate=0.02) if regression else \
        dict(solver="sgdm", initial_learn_rate=0.1, momentum=0.9, gradient_threshold=0.5)
    model, history = fit(model, data, loss or ("mse" if regression else "crossentropy"),
                         TrainingOptions(max_epochs=3, mini_batch_size=8, shuffle="every-epoch",
                                         verbose=False, l2_regularization=1e-3, **solver, **options, **extra))
    return model, history


def check_equal(where, regression, loss=None, **extra):
    model, history = train("parallel", regression, where, loss, **extra)
    reference, expected = train("single", regression, where, loss, **extra)
    what = f"rank {dist.get_rank()} {where} {loss or ('mse' if regression else 'crossentropy')} {extra}"
    metric = history.metric
    assert len(history.iterations) == len(expected.iterations) == 18, what
    for got, want in zip(history.iterations, expected.iterations):
        for key in ("loss", metric):
            assert math.isclose(got[key], want[key], rel_tol=1e-10, abs_tol=1e-12), (what, key, got, want)
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        error = (p.cpu() - q.cpu()).abs().max().item()
        assert error < 1e-10, f"{what}: parameter {name} differs by {error}"
    assert all(p.device == tl.device(where) for p in model.parameters()), what


def check_rank0_duties(where):
    """An output function stopping at iteration 3, validation every iteration and checkpoints:
    rank 0 runs them all; rank 1 stops with it and never writes."""
    rank = dist.get_rank()
    if rank:
        def refuse(*args, **kwargs):
            raise AssertionError("rank 1 wrote a checkpoint")
        fit_module.save = refuse
    calls = []

    def stop_at_three(info):
        calls.append(info.state)
        return info.iteration == 3

    model, data = problem(False)
    with tempfile.TemporaryDirectory() as folder:
        options = TrainingOptions(max_epochs=3, mini_batch_size=8, verbose=False, execution_environment="parallel",
                                  devices=[where], validation_data=data, validation_frequency=1,
                                  checkpoint_path=f"{folder}/rank{rank}.tl", checkpoint_frequency_unit="iteration",
                                  output_functions=[stop_at_three])
        _, history = fit(model, data, "crossentropy", options)
    assert len(history.iterations) == 3, (rank, len(history.iterations))
    validated = ["validation_loss" in row for row in history.iterations]
    assert validated == ([True] * 3 if rank == 0 else [False] * 3), (rank, validated)
    assert calls == (["start", "iteration", "iteration", "iteration", "done"] if rank == 0 else []), (rank, calls)


def main():
    """Every check on the first device named, the uneven splits on the others."""
    for i, where in enumerate(sys.argv[1:]):
        if i == 0:
            check_equal(where, regression=False)
            check_equal(where, regression=False, worker_load=[1, 3])
            check_rank0_duties(where)
        check_equal(where, regression=True, worker_load=[0.25, 0.75])
        # the mean divides by the used targets' class weights, not by the sample count (class 0 is
        # ignored; no last batch of one sample is all ignored, which would make both runs nan)
        weighted = nn.CrossEntropyLoss(weight=tl.tensor([0.5, 2., 1.], dtype=tl.float64), ignore_index=0)
        check_equal(where, regression=False, loss=weighted, worker_load=[1, 3])
    print(f"rank {dist.get_rank()}: fit parallel ok", flush=True)


if __name__ == "__main__":
    dist.init_process_group("mpi")
    main()
