"""Writing a custom layer: a Function with its own forward and backward (written in tensor ops
so its second derivative works too), wrapped in a Module, checked with gradcheck/gradgradcheck.

Run: python examples/custom_layer.py
"""
import tensorlite as tl
from tensorlite import nn
from tensorlite.autograd import Function, gradcheck, gradgradcheck


class SquarePlus(Function):
    """squareplus(x, b) = (x + sqrt(x^2 + b)) / 2: a smooth ReLU (So, 2021).

    Save inputs (or outputs), not intermediates: forward runs without a graph, so a saved
    intermediate such as sqrt(x^2 + b) would be a constant to the second derivative, which
    would then be silently wrong (pytorch#58509). Recompute it in backward with tensor ops.
    """

    @staticmethod
    def forward(ctx, x, b):
        ctx.save_for_backward(x)
        ctx.b = b
        return (x + (x * x + b).sqrt()) / 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        root = (x * x + ctx.b).sqrt()  # recomputed in the graph: differentiable again
        return grad * (1 + x / root) / 2, None


class SquarePlusLayer(nn.Module):
    def __init__(self, b: float = 4.0):
        super().__init__()
        self.b = b

    def forward(self, x):
        return SquarePlus.apply(x, self.b)

    def extra_repr(self) -> str:
        return f"b={self.b}"


def main() -> bool:
    tl.manual_seed(0)
    x = tl.randn(5, 3, dtype=tl.float64, requires_grad=True)
    layer = SquarePlusLayer()
    first = gradcheck(layer, (x,))
    second = gradgradcheck(layer, (x,))
    model = nn.Sequential(nn.Linear(3, 8), SquarePlusLayer(), nn.Linear(8, 1))
    print(model)
    print(f"gradcheck: {first}, gradgradcheck: {second}, output shape {tuple(model(x.float()).shape)}")
    return first and second


if __name__ == "__main__":
    main()
