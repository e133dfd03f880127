"""Gradient checking as a tool: gradcheck's report on a broken backward, gradgradcheck, and the
random-direction check_backward that tensorlite's own tests use.

Run: python examples/gradient_checking.py
"""
import tensorlite as tl
from tensorlite.autograd import Function, GradcheckError, gradcheck, gradgradcheck
from tensorlite.testing import check_backward


class BrokenSoftsign(Function):
    """softsign(x) = x / (1 + |x|) with a deliberately wrong derivative (missing a square)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + x.abs())

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x.abs())  # should be / (1 + |x|) ** 2


def main() -> bool:
    tl.manual_seed(0)
    x = tl.randn(4, dtype=tl.float64, requires_grad=True)
    try:
        gradcheck(BrokenSoftsign.apply, (x,))
        caught = False
    except GradcheckError as error:
        caught = True
        print("gradcheck caught the broken backward:\n" + str(error).split("\n\n")[0] + "\n")
    print("gradgradcheck of tanh(x) * x:", gradgradcheck(lambda t: t.tanh() * t, (x,)))
    print("fast_mode gradcheck of logsumexp:", gradcheck(lambda t: t.logsumexp(0), (x,), fast_mode=True))
    print("check_backward of a composed function:",
          check_backward(lambda a, b: (a * b).sin().sum() + a.norm(), tl.randn(3), tl.randn(3), seed=0))
    return caught


if __name__ == "__main__":
    main()
