"""Seed 000's workflow: a list of layers plus TrainingOptions (sgdm, piecewise learning-rate
schedule, L2 regularisation, checkpoints, an output function), trained on the bundled digits,
then ``labels, scores = classify(net, X)`` on the test set.

Run: python examples/trainnetwork_style.py
"""
import os
import tempfile

from tensorlite import nn
from tensorlite.data import Digits
from tensorlite.training import Network, TrainingOptions

LAYERS = [
    nn.Unflatten(1, (1, 8, 8)),
    nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
    nn.Flatten(), nn.Linear(16 * 4 * 4, 10),
]


def main(max_epochs: int = 12, out_dir: str | None = None) -> float:
    out_dir = out_dir or tempfile.mkdtemp(prefix="tensorlite-")
    seen = []

    def stop_when_accurate(info):
        """An output function: log every epoch end, stop once validation accuracy passes 0.99."""
        if info.state == "iteration" and info.validation_accuracy is not None:
            seen.append((info.epoch, info.validation_accuracy))
            return info.validation_accuracy > 0.99
        return False

    options = TrainingOptions("sgdm", momentum=0.9, initial_learn_rate=0.05,
                              learn_rate_schedule="piecewise", learn_rate_drop_factor=0.2,
                              learn_rate_drop_period=5, l2_regularization=1e-4, max_epochs=max_epochs,
                              mini_batch_size=64, shuffle="every-epoch", validation_data=Digits(train=False),
                              validation_frequency=23, verbose_frequency=46,
                              checkpoint_path=os.path.join(out_dir, "checkpoint.tl"),
                              output_functions=[stop_when_accurate])
    network = Network(LAYERS, loss="crossentropy")
    print(options)
    history = network.train(Digits(train=True), options)
    images, targets = Digits(train=False).tensors
    labels, scores = network.classify(images)
    accuracy = (labels == targets).float().mean().item()
    print(f"test accuracy {accuracy:.4f} after {history.final()['epoch']} epochs (mean score of the "
          f"predicted class {scores.max(dim=1).values.mean().item():.3f}); checkpoint in "
          f"{options.checkpoint_path}")
    return accuracy


if __name__ == "__main__":
    main()
