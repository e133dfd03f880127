"""fit()'s tqdm bar has the exact total: it ends full, never past, whatever the run does."""
import contextlib
import io
import sys
import types

import pytest

import tensorlite as tl
from tensorlite import nn
from tensorlite.training import TrainingOptions, fit


class FakeBar:
    """Records what fit() tells tqdm."""
    made = []

    def __init__(self, total, initial=0, **_):
        self.total, self.initial, self.n, self.updates, self.most = total, initial, initial, 0, initial
        self.closed_at = None
        FakeBar.made.append(self)

    def update(self, k=1):
        self.n += k
        self.updates += k
        self.most = max(self.most, self.n)

    def set_postfix(self, **_):
        pass

    def refresh(self):
        pass

    def close(self):
        self.closed_at = (self.n, self.total)


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def bars(monkeypatch):
    FakeBar.made = []
    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    return FakeBar.made


def run(*args, **kwargs):
    """fit() printing to a terminal (the bar's condition), as pytest's capture is not one."""
    with contextlib.redirect_stdout(Terminal()):
        return fit(*args, **kwargs)


def data(n=10):
    """10 samples at batch 4: three mini-batches, the last one partial."""
    tl.manual_seed(0)
    return tl.randn(n, 3), tl.randint(0, 2, (n,))


def options(**extra):
    return TrainingOptions("adam", **{"mini_batch_size": 4, "max_epochs": 3, "execution_environment": "cpu",
                                      **extra})


def check(bar, expected_total, initial=0):
    assert bar.initial == initial
    assert bar.closed_at == (expected_total, expected_total)  # ends full
    assert bar.most <= bar.total and bar.initial + bar.updates == bar.total


@pytest.mark.parametrize("extra", [{}, {"max_epochs": 1}, {"shuffle": "every-epoch"}])
def test_total_is_the_iterations_run(bars, extra):
    run(nn.Linear(3, 2), data(), "crossentropy", options(**extra))
    check(bars[0], 3 * extra.get("max_epochs", 3))


def test_final_validation_does_not_count_an_iteration(bars):
    x, y = data()
    # validation every 2 iterations: 9 is not a multiple, so fit validates once more at the end
    run(nn.Linear(3, 2), (x, y), "crossentropy", options(validation_data=(x, y), validation_frequency=2))
    check(bars[0], 9)


def test_early_stop_ends_the_bar_at_what_ran(bars):
    stop_at_5 = lambda info: info.iteration == 5  # noqa: E731
    run(nn.Linear(3, 2), data(), "crossentropy", options(output_functions=[stop_at_5]))
    check(bars[0], 5)
    x, y = data()
    # a validation loss that never improves after the first: patience 1 stops at the second
    _, history = run(nn.Linear(3, 2), (x, y), "crossentropy",
                     options(validation_data=(x, y * 0 + 1), validation_frequency=1, validation_patience=1,
                             initial_learn_rate=0.5))
    assert len(history.iterations) < 9
    check(bars[1], len(history.iterations))


@pytest.mark.parametrize("stop_at", [3, 4])  # at an epoch's end, in the middle of the next
def test_resumed_bar_starts_at_the_checkpoint(bars, tmp_path, stop_at):
    path = str(tmp_path / "run.tl")
    stop = lambda info: info.iteration == stop_at  # noqa: E731
    model = nn.Linear(3, 2)
    run(model, data(), "crossentropy", options(checkpoint_path=path, output_functions=[stop]))
    run(model, data(), "crossentropy", options(checkpoint_path=path), resume_from=path)
    check(bars[1], 9, initial=stop_at)
