"""Every example runs and reaches its stated result (with fewer epochs where it is slow)."""
import importlib.util
import os
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_raw_ops_mlp_reaches_90_percent(capsys):
    assert load("raw_ops_mlp").main(epochs=10) > 0.9
    assert "test accuracy" in capsys.readouterr().out


def test_digits_data_is_bundled():
    from tensorlite.data import load_digits
    images, labels = load_digits()
    assert images.shape == (1797, 64) and labels.shape == (1797,)
    assert 0.0 <= images.min().item() and images.max().item() == 1.0
    assert sorted(set(labels.tolist())) == list(range(10))


def test_linear_equivalence():
    assert load("linear_equivalence").main() < 1e-12


def test_custom_layer_and_gradient_checking():
    assert load("custom_layer").main()
    assert load("gradient_checking").main()


def test_cnn_regression_beats_the_mean():
    assert load("cnn_regression").main(epochs=4) < 15.0


def test_trainnetwork_style():
    assert load("trainnetwork_style").main(max_epochs=3) > 0.9


def test_joml_architectures(tmp_path, capsys):
    joml = load("joml_boolean_function")
    results = joml.main(epochs=2, csv_path=str(tmp_path / "r.csv"), plot_path=str(tmp_path / "r.png"))
    assert results["14-100-40-4"]["accuracy"] > 0.97 and (tmp_path / "r.csv").exists()
    # the 29-layer plain ReLU stack stays at chance, and the example says so and why
    out = capsys.readouterr().out
    assert results["14-14x28-4"]["accuracy"] < 0.3 and "14-14x28-4 stays at chance" in out
    assert "plain stack of 28 ReLU layers" in out and "He initialisation" in out
    assert "14-100-40-4 stays at chance" not in out


def test_joml_chance_detection():
    import tensorlite as tl
    from tensorlite.data import TensorDataset
    joml = load("joml_boolean_function")
    test = TensorDataset(tl.zeros(10, 2), tl.tensor([0, 0, 0, 0, 1, 1, 1, 2, 2, 3]))
    assert joml.chance_level(test) == pytest.approx(0.4)
    assert joml.at_chance(0.42, 0.4) and not joml.at_chance(0.6, 0.4)
    tl.manual_seed(0)
    inputs = tl.randn(256, 14)
    deep, shallow = joml.spread(joml.mlp([14] * 29 + [4]), inputs), joml.spread(joml.mlp([14, 100, 40, 4]), inputs)
    assert len(deep) == 28 and len(shallow) == 2
    assert deep[-1] < 1e-3 * deep[0]  # the default initialisation loses the signal with depth
    assert joml.spread(joml.he_initialised(joml.mlp([14] * 29 + [4])), inputs)[-1] > 100 * deep[-1]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(FASHION), reason="apt-get install dataset-fashion-mnist (.ci/run does)")
def test_seed_mlp_one_epoch_on_fashion_mnist():
    assert load("mnist_mlp").main(epochs=1) > 0.8


def test_char_gpt_loss_falls_and_it_samples(capsys):
    gpt = load("char_gpt")
    result = gpt.main(steps=120, batch_size=16, context=16, layers=1, heads=2, width=32, lr=1e-2, warmup=5,
                      eval_every=30, sample_chars=40)
    losses = result["losses"]
    assert abs(losses[0] - 4.11) < 0.1  # ln(61): the untrained model is uniform
    assert sum(losses[-10:]) / 10 < losses[0] - 1.0 and result["val_loss"] < 3.3
    assert len(result["sample"]) == 40 and "validation loss" in capsys.readouterr().out


def test_char_gpt_top_k_filter_and_schedule():
    import tensorlite as tl
    gpt = load("char_gpt")
    logits = tl.tensor([[0.5, 3.0, -1.0, 2.0, 1.0], [4.0, 4.0, 1.0, 0.0, 2.0]])
    kept = gpt.top_k_filter(logits, 2) > -float("inf")
    assert kept.tolist() == [[False, True, False, True, False], [True, True, False, False, False]]
    ties = gpt.top_k_filter(tl.tensor([[1.0, 3.0, 3.0, 3.0, 2.0]]), 2) > -float("inf")
    assert ties.tolist() == [[False, True, True, True, False]]  # the 2nd largest is 3: its ties stay
    lrs = [gpt.learning_rate(step, 1.0, warmup=10, total=110) for step in range(110)]
    assert lrs[0] == 0.1 and lrs[9] == 1.0 and abs(lrs[60] - 0.55) < 1e-12 and lrs[-1] > 0.1
def test_word_lstm_language_model_learns():
    """Tiny settings: the training loss falls (last chunks vs first) and the validation loss ends
    below uniform guessing over the vocabulary."""
    import math
    history = load("word_lstm_lm").main(epochs=2, max_words=3000, embedding=32, hidden=32, layers=2,
                                         bptt=10, batch_size=10)
    first, last = history["train"][0][:5], history["train"][-1][-5:]
    assert sum(last) / len(last) < sum(first) / len(first) - 0.5
    vocabulary = len(load("word_lstm_lm").Corpus(max_words=3000))
    assert history["valid"][-1] < math.log(vocabulary)
