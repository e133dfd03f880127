"""A 64-64-10 MLP built from raw tensor ops (no nn, no optim), trained with plain SGD on
the bundled digits data (80/20 split). Prints the loss per epoch and the test accuracy.

Run: ``python examples/raw_ops_mlp.py`` (the README's demo is ``tensorlite demo``, built on nn and fit).
"""
import time

import tensorlite as tl
from tensorlite.data import load_digits


def cross_entropy(logits, target):
    """Mean negative log-likelihood of the target classes under softmax(logits)."""
    log_probs = logits - logits.logsumexp(1, keepdim=True)
    return -log_probs.gather(1, target.unsqueeze(1)).mean()


def main(epochs: int = 30, batch_size: int = 32, lr: float = 0.1, seed: int = 0) -> float:
    tl.manual_seed(seed)
    images, labels = load_digits()
    device = tl.get_default_device()  # TENSORLITE_DEVICE=opencl runs it on OpenCL
    images, labels = images.to(device), labels.to(device)
    order = tl.randperm(len(labels))
    split = int(0.8 * len(labels))
    train_x, train_y = images[order[:split]], labels[order[:split]]
    test_x, test_y = images[order[split:]], labels[order[split:]]

    def layer(fan_in, fan_out):
        bound = 1.0 / fan_in ** 0.5
        weight = (tl.rand(fan_in, fan_out) * 2 - 1) * bound
        bias = (tl.rand(fan_out) * 2 - 1) * bound
        return weight.requires_grad_(), bias.requires_grad_()

    w1, b1 = layer(64, 64)
    w2, b2 = layer(64, 10)
    params = [w1, b1, w2, b2]

    def model(x):
        return (x @ w1 + b1).relu() @ w2 + b2

    start = time.perf_counter()
    for epoch in range(epochs):
        permutation = tl.randperm(split)
        total = 0.0
        for i in range(0, split, batch_size):
            idx = permutation[i:i + batch_size]
            loss = cross_entropy(model(train_x[idx]), train_y[idx])
            for p in params:
                p.grad = None
            loss.backward()
            with tl.no_grad():
                for p in params:
                    p -= lr * p.grad
            total += loss.item() * len(idx)
        if epoch % 5 == 4 or epoch == epochs - 1:
            print(f"epoch {epoch + 1:3d}  train loss {total / split:.4f}")
    with tl.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print(f"test accuracy {accuracy:.4f} on {len(test_y)} held-out digits "
          f"({time.perf_counter() - start:.1f} s of training)")
    return accuracy


if __name__ == "__main__":
    main()
