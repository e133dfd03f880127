"""PyTorch's ``torch.distributions`` for the two families programs use most: ``Categorical``
(policy gradients: ``m = Categorical(probs); a = m.sample(); m.log_prob(a)``) and ``Normal``.

Semantics follow PyTorch: ``batch_shape`` / ``event_shape``, ``sample(sample_shape)`` without
gradient, ``rsample`` (Normal) with it, ``log_prob`` / ``entropy`` differentiable in the
parameters, and argument validation on by default (``validate_args=False`` turns it off): a
parameter or a value outside the support raises ValueError, as in PyTorch. Samples come from
tensorlite's generator, so they differ from PyTorch's for the same seed.

Example:
>>> _ = tl.manual_seed(0)
>>> m = tl.distributions.Categorical(probs=tl.tensor([0.25, 0.75]))
>>> action = m.sample()
>>> action.shape, round(m.log_prob(tl.tensor(1)).item(), 4), round(m.entropy().item(), 4)
(tensorlite.Size([]), -0.2877, 0.5623)
"""
from __future__ import annotations

import math
import numbers

from . import dtypes as _dt
from .autograd.grad_mode import no_grad
from .nn.functional import softmax
from .ops.creation import randn, tensor
from .ops.sampling import multinomial
from .tensor import Size, Tensor

__all__ = ["Distribution", "Categorical", "Normal"]


class Distribution:
    """Base class: ``batch_shape``, ``event_shape``, ``sample``, ``log_prob``, ``entropy``.

    Example:
    >>> tl.distributions.Normal(tl.zeros(3), 1.0).batch_shape
    tensorlite.Size([3])
    """

    _validate_default = True

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape, self._event_shape = Size(batch_shape), Size(event_shape)
        self._validate_args = self._validate_default if validate_args is None else bool(validate_args)

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions made afterwards."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        Distribution._validate_default = value

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape=Size()) -> Size:
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample_n(self, n: int) -> Tensor:
        return self.sample(Size((n,)))

    def _invalid(self, what: str, value, constraint: str) -> ValueError:
        shape = tuple(value.shape) if isinstance(value, Tensor) else ()
        return ValueError(f"Expected {what} (Tensor of shape {shape}) of distribution {self!r} to "
                          f"satisfy the constraint {constraint}, but found invalid values:\n{value}")

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}: {_shape_or_value(getattr(self, name))}" for name in self._shown)
        return f"{type(self).__name__}({parts})"


def _shape_or_value(value):
    return value.item() if value.numel() == 1 and value.ndim == 0 else value.shape


def _as_tensor(value, like=None) -> Tensor:
    if isinstance(value, Tensor):
        return value
    dtype = like.dtype if isinstance(like, Tensor) and like.is_floating_point() else _dt.get_default_dtype()
    return tensor(float(value), dtype=dtype, device=like.device if isinstance(like, Tensor) else None)


class Categorical(Distribution):
    """A distribution over the classes 0 .. K-1 given by ``probs`` (non-negative, normalised
    along the last dim) or by unnormalised ``logits`` (exactly one of them).

    Shapes: probs / logits (*batch, K) -> batch_shape (*batch), samples (*sample_shape, *batch)
    of int64; ``log_prob(value)`` broadcasts value against batch_shape.

    Example:
    >>> m = tl.distributions.Categorical(logits=tl.zeros(2, 4))
    >>> m.batch_shape, m.sample((3,)).shape, m.probs[0].tolist()
    (tensorlite.Size([2]), tensorlite.Size([3, 2]), [0.25, 0.25, 0.25, 0.25])
    """

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        source = probs if probs is not None else logits
        if not isinstance(source, Tensor) or source.ndim < 1:
            raise ValueError(f"`{'probs' if probs is not None else 'logits'}` parameter must be at least "
                             f"one-dimensional (a Tensor of shape (*batch, K)).")
        self._given = "probs" if probs is not None else "logits"
        if probs is not None:
            self._probs, self._logits = probs / probs.sum(-1, keepdim=True), None
        else:
            self._logits, self._probs = logits - logits.logsumexp(-1, keepdim=True), None
        self._num_events = source.shape[-1]
        super().__init__(source.shape[:-1], Size(), validate_args)
        if self._validate_args:
            self._check_parameter(source)

    _shown = ()

    def __repr__(self) -> str:
        return f"Categorical({self._given}: {getattr(self, self._given).shape})"

    def _check_parameter(self, source: Tensor) -> None:
        if self._given == "probs":
            normalised = self._probs
            ok = bool(((source >= 0).all() & ((normalised.sum(-1) - 1).abs() < 1e-6).all()).item())
            if not ok:
                raise self._invalid("parameter probs", source, "Simplex()")
        elif bool(source.isnan().any().item()):
            raise self._invalid("parameter logits", source, "IndependentConstraint(Real(), 1)")

    @property
    def probs(self) -> Tensor:
        if self._probs is None:
            self._probs = softmax(self._logits, -1)
        return self._probs

    @property
    def logits(self) -> Tensor:
        if self._logits is None:
            eps = _dt.finfo(self._probs.dtype).eps
            self._logits = self._probs.clamp(min=eps, max=1 - eps).log()
        return self._logits

    @property
    def param_shape(self) -> Size:
        return Size(tuple(self._batch_shape) + (self._num_events,))

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    def sample(self, sample_shape=Size()) -> Tensor:
        """Class indices of shape (*sample_shape, *batch_shape), drawn without gradient."""
        sample_shape = Size(sample_shape)
        count = math.prod(sample_shape)
        with no_grad():
            flat = self.probs.reshape(-1, self._num_events)
            draws = multinomial(flat, count, True).T if count else flat.new_zeros(0, flat.shape[0]).long()
        return draws.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value) -> Tensor:
        """log P(value): value (any shape broadcasting with batch_shape) holds class indices."""
        value = _as_tensor(value)
        if self._validate_args:
            self._check_value(value)
        index = value.long().unsqueeze(-1)
        shape = _broadcast(index.shape, self.logits.shape)
        log_pmf = self.logits.expand(shape)
        return log_pmf.gather(-1, index.expand(shape)[..., :1]).squeeze(-1)

    def _check_value(self, value: Tensor) -> None:
        support = f"IntegerInterval(lower_bound=0, upper_bound={self._num_events - 1})"
        try:
            _broadcast(value.shape, self._batch_shape)
        except ValueError:
            raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                             f"{tuple(value.shape)} vs {tuple(self._batch_shape)}.") from None
        ok = ((value % 1 == 0) & (value >= 0) & (value <= self._num_events - 1)).all()
        if not bool(ok.item()):
            raise ValueError(f"Expected value argument (Tensor of shape {tuple(value.shape)}) to be within "
                             f"the support ({support}) of the distribution {self!r}, but found invalid "
                             f"values:\n{value}")

    def entropy(self) -> Tensor:
        """-sum p log p over the classes (0 log 0 counts as 0), shape batch_shape."""
        logits = self.logits.clamp(min=_dt.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0 .. K-1 along dim 0, shape (K, *batch_shape) (or (K, 1, ..., 1) without expand)."""
        values = tensor(list(range(self._num_events)), device=self.probs.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class Normal(Distribution):
    """The normal distribution N(loc, scale**2); loc and scale are tensors or numbers that
    broadcast to batch_shape (scale > 0).

    Shapes: loc, scale broadcast to (*batch) -> samples (*sample_shape, *batch).

    Example:
    >>> m = tl.distributions.Normal(tl.tensor([0.0, 1.0]), 2.0)
    >>> [round(v, 4) for v in m.log_prob(tl.tensor(0.5)).tolist()], m.variance.tolist()
    ([-1.6433, -1.6433], [4.0, 4.0])
    """

    _shown = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        like = loc if isinstance(loc, Tensor) else scale
        loc, scale = _as_tensor(loc, like), _as_tensor(scale, like)
        shape = _broadcast(loc.shape, scale.shape)
        self.loc, self.scale = loc.expand(shape), scale.expand(shape)
        super().__init__(shape, Size(), validate_args)
        if self._validate_args:
            if not bool((self.scale > 0).all().item()):
                raise self._invalid("parameter scale", scale, "GreaterThan(lower_bound=0.0)")
            if bool(self.loc.isnan().any().item()):
                raise self._invalid("parameter loc", loc, "Real()")

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2)

    def rsample(self, sample_shape=Size()) -> Tensor:
        """loc + scale * eps with eps ~ N(0, 1): differentiable in loc and scale."""
        shape = self._extended_shape(sample_shape)
        eps = randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def sample(self, sample_shape=Size()) -> Tensor:
        """A draw of shape (*sample_shape, *batch_shape), without gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value) -> Tensor:
        """-(value - loc)**2 / (2 scale**2) - log(scale) - log(sqrt(2 pi))."""
        value = _as_tensor(value, self.loc)
        if self._validate_args and bool(value.isnan().any().item()):
            raise ValueError(f"Expected value argument (Tensor of shape {tuple(value.shape)}) to be within "
                             f"the support (Real()) of the distribution {self!r}, but found invalid "
                             f"values:\n{value}")
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value) -> Tensor:
        """P(X <= value) = (1 + erf((value - loc) / (scale sqrt 2))) / 2."""
        value = _as_tensor(value, self.loc)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def entropy(self) -> Tensor:
        """0.5 + 0.5 log(2 pi) + log(scale), shape batch_shape."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


def _broadcast(a, b) -> tuple:
    """The broadcast of two shapes (ValueError when they do not broadcast)."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise ValueError(f"shapes {a} and {b} do not broadcast")
        out.append(max(x, y) if 0 not in (x, y) else 0)
    return tuple(out)
