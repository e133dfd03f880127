"""Seed 003's bonus: with identity activations a deep network is one affine map. Compose the
layers' weights into a single Linear and check that it gives the same outputs.

Run: python examples/linear_equivalence.py
"""
import tensorlite as tl
from tensorlite import nn


def collapse(model: nn.Sequential) -> nn.Linear:
    """W = W_k ... W_1, b = W_k(...(W_2 b_1 + b_2)...) + b_k, as one Linear layer."""
    layers = [m for m in model if isinstance(m, nn.Linear)]
    weight, bias = layers[0].weight.detach(), layers[0].bias.detach()
    for layer in layers[1:]:
        weight = layer.weight.detach() @ weight
        bias = layer.weight.detach() @ bias + layer.bias.detach()
    single = nn.Linear(weight.shape[1], weight.shape[0], dtype=weight.dtype)
    single.load_state_dict({"weight": weight, "bias": bias})
    return single


def main() -> float:
    tl.manual_seed(0)
    model = nn.Sequential(nn.Linear(14, 100), nn.Identity(), nn.Linear(100, 40), nn.Identity(),
                          nn.Linear(40, 4)).double()
    single = collapse(model)
    x = tl.randn(256, 14, dtype=tl.float64)
    difference = (model(x) - single(x)).abs().max().item()
    print(f"14-100-40-4 with identity activations == one Linear(14, 4): max |difference| {difference:.2e}")
    return difference


if __name__ == "__main__":
    main()
