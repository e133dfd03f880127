"""A small CNN trained for regression: predict the rotation angle (degrees, in [-45, 45]) of
rotated 8x8 digits (seed 000's companion workflow), reporting RMSE.

Run: python examples/cnn_regression.py [--epochs 15]
"""
import argparse

import numpy as np

import tensorlite as tl
from tensorlite import nn
from tensorlite.data import TensorDataset, load_digits
from tensorlite.training import TrainingOptions, evaluate, fit


def rotate(images: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    """Bilinear rotation of (N, 8, 8) images about their centre (data preparation on the host)."""
    n, h, w = images.shape
    ys, xs = np.meshgrid(np.arange(h) - (h - 1) / 2, np.arange(w) - (w - 1) / 2, indexing="ij")
    theta = np.deg2rad(degrees)[:, None, None]
    src_x = np.cos(theta) * xs + np.sin(theta) * ys + (w - 1) / 2
    src_y = -np.sin(theta) * xs + np.cos(theta) * ys + (h - 1) / 2
    x0, y0 = np.floor(src_x).astype(int), np.floor(src_y).astype(int)
    fx, fy = src_x - x0, src_y - y0
    padded = np.pad(images, ((0, 0), (1, 2), (1, 2)))
    batch = np.arange(n)[:, None, None]

    def at(yy, xx):
        return padded[batch, np.clip(yy + 1, 0, h + 2), np.clip(xx + 1, 0, w + 2)]
    return ((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
            fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1))).astype(np.float32)


def main(epochs: int = 15, seed: int = 0) -> float:
    images, _ = load_digits()
    rng = np.random.default_rng(seed)
    angles = rng.uniform(-45, 45, len(images))
    rotated = rotate(images.numpy().reshape(-1, 8, 8), angles)[:, None]
    x, y = tl.tensor(rotated), tl.tensor((angles / 45.0).astype(np.float32)).unsqueeze(1)
    train, test = TensorDataset(x[:1400], y[:1400]), TensorDataset(x[1400:], y[1400:])
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 16, 64), nn.ReLU(), nn.Linear(64, 1))
    options = TrainingOptions("adam", initial_learn_rate=2e-3, max_epochs=epochs, mini_batch_size=32,
                              shuffle="every-epoch", learn_rate_schedule="cosine", verbose=False, seed=seed)
    fit(model, train, "mse", options)
    rmse_degrees = evaluate(model, test, "mse")["rmse"] * 45.0
    baseline = float(np.sqrt(np.mean((angles[1400:] - angles[:1400].mean()) ** 2)))
    print(f"rotation-angle regression: test RMSE {rmse_degrees:.2f} degrees "
          f"(predicting the mean angle gives {baseline:.2f})")
    return rmse_degrees


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="CNN regression of digit rotation angles")
    parser.add_argument("--epochs", type=int, default=15)
    main(parser.parse_args().epochs)
