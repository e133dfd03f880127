"""Seed 003's experiment: three architectures on the 14-input four-class boolean function
(all 16384 vectors of {-1,1}^14, 80/20 split), Adam lr 0.002, betas (0.9, 0.999), batch 32,
10 epochs; one CSV, one comparison plot and a results table. The seed reports 0.9774 test
accuracy for 14-100-40-4.

The class function is tensorlite.data.boolean_function's documented stand-in (the seed's own
function is not available here). Run: python examples/joml_boolean_function.py [--epochs 10]
"""
import argparse

from tensorlite import nn
from tensorlite.data import boolean_function
from tensorlite.training import TrainingOptions, compare


def mlp(widths):
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


ARCHITECTURES = {
    "14-100-40-4": [14, 100, 40, 4],
    "14-28x6-4": [14] + [28] * 6 + [4],
    "14-14x28-4": [14] + [14] * 28 + [4],
}


def main(epochs: int = 10, csv_path: str = "joml_results.csv", plot_path: str | None = "joml_results.png"):
    train, test = boolean_function()
    options = TrainingOptions("adam", initial_learn_rate=0.002, betas=(0.9, 0.999), l2_regularization=0.0,
                              max_epochs=epochs, mini_batch_size=32, shuffle="every-epoch", verbose=False)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        plot_path = None
    results = compare({name: (lambda w=widths: mlp(w)) for name, widths in ARCHITECTURES.items()},
                      train, test, "crossentropy", options, csv_path, plot_path)
    print(f"{'architecture':<14} {'test accuracy':>13} {'test loss':>10}")
    for name, scores in results.items():
        print(f"{name:<14} {scores['accuracy']:>13.4f} {scores['loss']:>10.4f}")
    print(f"wrote {csv_path}" + (f" and {plot_path}" if plot_path else ""))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="seed 003: three MLPs on a 14-bit boolean function")
    parser.add_argument("--epochs", type=int, default=10)
    main(parser.parse_args().epochs)
