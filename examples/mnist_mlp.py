"""Seed 001's classifier: 784-100-50-10, ReLU, softmax cross-entropy, Adam, batch 50, 10 epochs,
on Fashion-MNIST (``apt-get install dataset-fashion-mnist``), or on MNIST with ``--mnist DIR``
(a folder with the four IDX files). Target: test accuracy >= 0.87 on Fashion-MNIST.

Run: python examples/mnist_mlp.py [--epochs 10] [--mnist DIR]
"""
import argparse
import time

from tensorlite import nn
from tensorlite.data import FashionMNIST, MNIST
from tensorlite.training import TrainingOptions, evaluate, fit


def main(epochs: int = 10, mnist_root: str | None = None, limit: int | None = None) -> float:
    source = (lambda train: MNIST(mnist_root, train=train)) if mnist_root else \
        (lambda train: FashionMNIST(train=train))
    train_x, train_y = source(True).as_tensors()
    test = source(False).as_dataset()
    if limit:
        train_x, train_y = train_x[:limit], train_y[:limit]
    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 50), nn.ReLU(), nn.Linear(50, 10))
    options = TrainingOptions("adam", initial_learn_rate=1e-3, l2_regularization=0.0, max_epochs=epochs,
                              mini_batch_size=50, shuffle="every-epoch", verbose_frequency=600)
    start = time.perf_counter()
    fit(model, (train_x, train_y), "crossentropy", options)
    seconds = time.perf_counter() - start
    accuracy = evaluate(model, test)["accuracy"]
    print(f"{'MNIST' if mnist_root else 'Fashion-MNIST'}: test accuracy {accuracy:.4f} after {epochs} "
          f"epochs ({seconds / epochs:.1f} s per epoch)")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--mnist", default=None, help="folder with MNIST IDX files (default: Fashion-MNIST)")
    arguments = parser.parse_args()
    main(arguments.epochs, arguments.mnist)
