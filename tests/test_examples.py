"""The README's main job: the digits MLP example trains to a stated accuracy."""
import importlib.util
import pathlib

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_mlp_reaches_90_percent(capsys):
    accuracy = load("digits_mlp").main(epochs=10)
    assert accuracy > 0.9
    assert "test accuracy" in capsys.readouterr().out


def test_digits_data_is_bundled():
    from tensorlite.data import load_digits
    images, labels = load_digits()
    assert images.shape == (1797, 64) and labels.shape == (1797,)
    assert 0.0 <= images.min().item() and images.max().item() == 1.0
    assert sorted(set(labels.tolist())) == list(range(10))
