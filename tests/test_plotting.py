"""Plotting leaves the caller's matplotlib alone: its backend and pyplot's open figures."""
import matplotlib
import matplotlib.pyplot as plt
import pytest

import tensorlite as tl
from tensorlite import nn
from tensorlite.training import History, TrainingOptions, compare

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def caller_state():
    """The caller works with the SVG backend (not Agg) and has a figure of its own open."""
    before = matplotlib.get_backend()
    plt.switch_backend("svg")
    own = plt.figure()
    yield plt.get_fignums()
    plt.close(own)
    plt.switch_backend(before)


def _history():
    history = History("accuracy")
    for step in range(1, 5):
        history.record({"epoch": 1 + step // 3, "iteration": step, "time_since_start": 0.1 * step,
                        "loss": 1.0 / step, "accuracy": 0.2 * step, "base_learn_rate": 0.01,
                        **({"validation_loss": 0.9 / step, "validation_accuracy": 0.2 * step}
                           if step % 2 == 0 else {})})
    return history


def test_history_plot_keeps_backend_and_figures(caller_state, tmp_path):
    _history().plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == PNG
    assert matplotlib.get_backend() == "svg"
    assert plt.get_fignums() == caller_state


def test_compare_plot_keeps_backend_and_figures(caller_state, tmp_path):
    options = TrainingOptions(max_epochs=1, mini_batch_size=8, verbose=False, execution_environment="cpu")
    data = tl.data.xor(n=16)
    compare({"linear": lambda: nn.Linear(2, 2)}, data, data, options=options,
            plot_path=tmp_path / "compare.png")
    assert (tmp_path / "compare.png").read_bytes()[:8] == PNG
    assert matplotlib.get_backend() == "svg"
    assert plt.get_fignums() == caller_state
