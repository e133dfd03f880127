"""Activation modules."""
from __future__ import annotations

from ...ops.creation import full
from .. import functional as F
from ..module import Module
from ..parameter import Parameter


def _activation_doc(summary, example):
    """The class docstring: ``example`` is (the constructor call, the printed output on
    ``tensor([-1., 0., 2.])``)."""
    constructor, output = example
    return f"""{summary}

    Shapes: input (*) -> (*).

    Example:
    >>> m = nn.{constructor}
    >>> m(tl.tensor([-1., 0., 2.]))
    {output}
    """


def _activation(name, fn, doc, arguments=(), repr_format="", validate=None, example=None):
    """A Module class calling ``fn(input, *arguments)``; arguments are (name, default) pairs.
    ``validate(values)`` checks the arguments at construction, before any attribute is set;
    ``example`` goes into the docstring (see _activation_doc)."""

    def __init__(self, *args, **kwargs):
        Module.__init__(self)
        names = [a for a, _ in arguments]
        values = dict(arguments)
        for a, v in zip(names, args):
            values[a] = v
        for a, v in kwargs.items():
            if a not in values:
                raise TypeError(f"{name}.__init__() got an unexpected keyword argument '{a}'")
            values[a] = v
        if validate is not None:
            validate(values)
        for a, v in values.items():
            setattr(self, a, v)

    def forward(self, input):
        return fn(input, *[getattr(self, a) for a, _ in arguments if a != "inplace"])

    def extra_repr(self):
        return repr_format.format(**{a: getattr(self, a) for a, _ in arguments}) if repr_format else ""

    return type(name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr,
                                  "__doc__": _activation_doc(doc, example),
                                  "__module__": __name__})


def _check_hardtanh_bounds(values):
    if not values["max_val"] > values["min_val"]:  # PyTorch's module asserts this (strictly)
        raise AssertionError(f"Hardtanh: max_val ({values['max_val']}) must be greater than "
                             f"min_val ({values['min_val']})")


ReLU = _activation("ReLU", lambda x: F.relu(x), "max(x, 0).", (("inplace", False),),
                   example=("ReLU()", "tensor([0., 0., 2.])"))
ReLU6 = _activation("ReLU6", F.relu6, "min(max(x, 0), 6).", (("inplace", False),),
                    example=("ReLU6()", "tensor([0., 0., 2.])"))
LeakyReLU = _activation("LeakyReLU", F.leaky_relu, "x if x > 0 else negative_slope * x.",
                        (("negative_slope", 0.01), ("inplace", False)), "negative_slope={negative_slope}",
                        example=("LeakyReLU(0.1)", "tensor([-0.1000,  0.0000,  2.0000])"))
ELU = _activation("ELU", F.elu, "x if x > 0 else alpha * (exp(x) - 1).",
                  (("alpha", 1.0), ("inplace", False)), "alpha={alpha}",
                  example=("ELU()", "tensor([-0.6321,  0.0000,  2.0000])"))
CELU = _activation("CELU", F.celu, "Continuously differentiable ELU.", (("alpha", 1.0),), "alpha={alpha}",
                   example=("CELU(alpha=2.0)", "tensor([-0.7869,  0.0000,  2.0000])"))
SELU = _activation("SELU", lambda x: F.selu(x), "Scaled ELU (self-normalising).", (("inplace", False),),
                   example=("SELU()", "tensor([-1.1113,  0.0000,  2.1014])"))
GELU = _activation("GELU", F.gelu, "x * Phi(x), exact ('none') or 'tanh' approximation.",
                   (("approximate", "none"),), "approximate='{approximate}'",
                   example=("GELU()", "tensor([-0.1587,  0.0000,  1.9545])"))
SiLU = _activation("SiLU", lambda x: F.silu(x), "x * sigmoid(x).", (("inplace", False),),
                   example=("SiLU()", "tensor([-0.2689,  0.0000,  1.7616])"))
Mish = _activation("Mish", lambda x: F.mish(x), "x * tanh(softplus(x)).", (("inplace", False),),
                   example=("Mish()", "tensor([-0.3034,  0.0000,  1.9440])"))
Softplus = _activation("Softplus", F.softplus, "log(1 + exp(beta x)) / beta.",
                       (("beta", 1.0), ("threshold", 20.0)), "beta={beta}, threshold={threshold}",
                       example=("Softplus(beta=2.0)", "tensor([0.0635, 0.3466, 2.0091])"))
Sigmoid = _activation("Sigmoid", F.sigmoid, "1 / (1 + exp(-x)).",
                      example=("Sigmoid()", "tensor([0.2689, 0.5000, 0.8808])"))
Tanh = _activation("Tanh", F.tanh, "tanh(x).",
                   example=("Tanh()", "tensor([-0.7616,  0.0000,  0.9640])"))
Hardtanh = _activation("Hardtanh", F.hardtanh, "clamp(x, min_val, max_val).",
                       (("min_val", -1.0), ("max_val", 1.0), ("inplace", False)),
                       "min_val={min_val}, max_val={max_val}", validate=_check_hardtanh_bounds,
                       example=("Hardtanh(-0.5, 0.5)", "tensor([-0.5000,  0.0000,  0.5000])"))
Hardsigmoid = _activation("Hardsigmoid", lambda x: F.hardsigmoid(x), "clamp(x / 6 + 1/2, 0, 1).",
                          (("inplace", False),),
                          example=("Hardsigmoid()", "tensor([0.3333, 0.5000, 0.8333])"))
Hardswish = _activation("Hardswish", lambda x: F.hardswish(x), "x * hardsigmoid(x).", (("inplace", False),),
                        example=("Hardswish()", "tensor([-0.3333,  0.0000,  1.6667])"))
Softsign = _activation("Softsign", F.softsign, "x / (1 + |x|).",
                       example=("Softsign()", "tensor([-0.5000,  0.0000,  0.6667])"))
LogSigmoid = _activation("LogSigmoid", F.logsigmoid, "log(sigmoid(x)).",
                         example=("LogSigmoid()", "tensor([-1.3133, -0.6931, -0.1269])"))
Softmax = _activation("Softmax", F.softmax, "softmax along dim.", (("dim", None),), "dim={dim}",
                      example=("Softmax(dim=0)", "tensor([0.0420, 0.1142, 0.8438])"))
LogSoftmax = _activation("LogSoftmax", F.log_softmax, "log_softmax along dim.", (("dim", None),), "dim={dim}",
                         example=("LogSoftmax(dim=0)", "tensor([-3.1698, -2.1698, -0.1698])"))
Softmin = _activation("Softmin", F.softmin, "softmax(-x) along dim.", (("dim", None),), "dim={dim}",
                      example=("Softmin(dim=0)", "tensor([0.7054, 0.2595, 0.0351])"))


class PReLU(Module):
    """x if x > 0 else weight * x with a learned slope: one shared (``num_parameters=1``) or one
    per channel (dim 1), initialised to ``init``. Shapes: input (N, C, *) -> same.

    Example:
    >>> m = nn.PReLU(2, init=0.5)
    >>> m.weight.shape
    tensorlite.Size([2])
    >>> m(tl.tensor([[-2., -2.], [1., 3.]]))
    tensor([[-1., -1.],
            [ 1.,  3.]], grad_fn=<...>)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(full((num_parameters,), float(init), device=device, dtype=dtype))

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    """Gated linear unit: a * sigmoid(b), a and b the two halves of the input along dim.

    Shapes: input (*, 2n, *) -> (*, n, *) at dim.

    Example:
    >>> nn.GLU()(tl.tensor([[1., 2., 0., 100.]]))
    tensor([[0.5000, 2.0000]])
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
