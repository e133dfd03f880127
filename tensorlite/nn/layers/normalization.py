"""BatchNorm1d/2d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm, LocalResponseNorm, Dropout."""
from __future__ import annotations

from ...ops.creation import ones, tensor, zeros
from ... import dtypes
from ..._warn import warn_user
from .. import functional as F
from ..module import Module
from ..parameter import Parameter


class _BatchNorm(Module):
    _expected_dims = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(ones(num_features, device=device, dtype=dtype)) if affine else None
        self.bias = Parameter(zeros(num_features, device=device, dtype=dtype)) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=dtypes.int64, device=device))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def forward(self, input):
        if input.ndim not in self._expected_dims:
            raise ValueError(f"expected {' or '.join(f'{d}D' for d in self._expected_dims)} input "
                             f"(got {input.ndim}D input)")
        momentum = 0.0 if self.momentum is None else self.momentum
        use_batch = self.training or not self.track_running_stats
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average: 1 / count, on the device
                momentum = self.num_batches_tracked.to(self.running_mean.dtype).reciprocal()
        return F.batch_norm(input, self.running_mean if not use_batch or self.track_running_stats else None,
                            self.running_var if not use_batch or self.track_running_stats else None,
                            self.weight, self.bias, use_batch, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L).

    Shapes: input (N, C) or (N, C, L) -> input's shape; weight, bias, running_mean, running_var (C,).

    Example:
    >>> bn = nn.BatchNorm1d(2)
    >>> bn(tl.tensor([[1., 10.], [3., 30.]]))
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]], grad_fn=<...>)
    >>> bn.running_mean, bn.running_var
    (tensor([0.2000, 2.0000]), tensor([ 1.1000, 20.9000]))
    >>> _ = bn.eval()
    >>> bn(tl.tensor([[0.2, 2.]]))
    tensor([[0., 0.]], grad_fn=<...>)
    """

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W).

    Shapes: input (N, C, H, W) -> (N, C, H, W); weight, bias, running statistics (C,).

    Example:
    >>> bn = nn.BatchNorm2d(3)
    >>> y = bn(tl.arange(24.).reshape(2, 3, 2, 2))
    >>> y.shape
    tensorlite.Size([2, 3, 2, 2])
    >>> y.mean(dim=(0, 2, 3)).abs().max() < 1e-6
    tensor(True)
    """

    _expected_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W).

    Shapes: input (N, C, D, H, W) -> input's shape; weight, bias, running statistics (C,).

    Example:
    >>> bn = nn.BatchNorm3d(2)
    >>> y = bn(tl.arange(32.).reshape(2, 2, 2, 2, 2))
    >>> y.shape
    tensorlite.Size([2, 2, 2, 2, 2])
    >>> y.mean(dim=(0, 2, 3, 4)).abs().max() < 1e-6
    tensor(True)
    """

    _expected_dims = (5,)


class _InstanceNorm(_BatchNorm):
    """Per-sample, per-channel normalisation over the spatial dims; affine and running
    statistics are off by default. Unbatched inputs (one dim fewer) are accepted."""

    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None, dtype=None, *,
                 bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):
        unbatched_dims = self._spatial + 1
        if input.ndim not in (unbatched_dims, unbatched_dims + 1):
            raise ValueError(f"expected {unbatched_dims}D or {unbatched_dims + 1}D input (got {input.ndim}D input)")
        feature_dim = input.ndim - unbatched_dims
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warn_user(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                      f"warning by not passing in num_features, which is not used because affine=False")
        x = input.unsqueeze(0) if feature_dim == 0 else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if feature_dim == 0 else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation over (N, C, L) or (C, L): each sample's channel normalised over L.

    Shapes: input (N, C, L) or (C, L) -> input's shape; weight, bias, running statistics (C,).

    Example:
    >>> nn.InstanceNorm1d(2)(tl.tensor([[[1., 3.], [10., 30.]]]))
    tensor([[[-1.0000,  1.0000],
             [-1.0000,  1.0000]]])
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation over (N, C, H, W) or (C, H, W).

    Shapes: input (N, C, H, W) or (C, H, W) -> input's shape; weight, bias, running statistics (C,).

    Example:
    >>> y = nn.InstanceNorm2d(3, affine=True)(tl.arange(24.).reshape(2, 3, 2, 2))
    >>> y.shape
    tensorlite.Size([2, 3, 2, 2])
    """

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation over (N, C, D, H, W) or (C, D, H, W).

    Shapes: input (N, C, D, H, W) or (C, D, H, W) -> input's shape; weight, bias, running
    statistics (C,).

    Example:
    >>> nn.InstanceNorm3d(1)(tl.arange(8.).reshape(1, 1, 2, 2, 2)).shape
    tensorlite.Size([1, 1, 2, 2, 2])
    """

    _spatial = 3


class LayerNorm(Module):
    """Normalise over the trailing normalized_shape dims; elementwise affine by default.

    Shapes: input (*, *normalized_shape) -> input's shape; weight, bias normalized_shape.

    Example:
    >>> ln = nn.LayerNorm(3)
    >>> ln(tl.tensor([[1., 2., 3.], [0., 0., 6.]]))
    tensor([[-1.2247,  0.0000,  1.2247],
            [-0.7071, -0.7071,  1.4142]], grad_fn=<...>)
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = Parameter(ones(self.normalized_shape, device=device, dtype=dtype)) if elementwise_affine else None
        self.bias = Parameter(zeros(self.normalized_shape, device=device, dtype=dtype)) \
            if elementwise_affine and bias else None

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing normalized_shape dims (no centering,
    no bias); eps=None uses finfo(input.dtype).eps.

    Shapes: input (*, *normalized_shape) -> input's shape; weight normalized_shape.

    Example:
    >>> rms = nn.RMSNorm(2, eps=0.)
    >>> rms
    RMSNorm((2,), eps=0.0, elementwise_affine=True)
    >>> rms(tl.tensor([[3., 4.]]))
    tensor([[0.8485, 1.1314]], grad_fn=<...>)
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = Parameter(ones(self.normalized_shape, device=device, dtype=dtype)) if elementwise_affine else None

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data.fill_(1.0)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalise over groups of channels.

    Shapes: input (N, C, *) -> input's shape, C = num_channels divisible by num_groups; weight,
    bias (C,).

    Example:
    >>> gn = nn.GroupNorm(2, 4)
    >>> gn(tl.tensor([[1., 3., 10., 20.]]).reshape(1, 4, 1)).flatten()
    tensor([-1.0000,  1.0000, -1.0000,  1.0000], grad_fn=<...>)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.weight = Parameter(ones(num_channels, device=device, dtype=dtype)) if affine else None
        self.bias = Parameter(zeros(num_channels, device=device, dtype=dtype)) if affine else None

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class LocalResponseNorm(Module):
    """Local response normalisation across channels (AlexNet).

    Shapes: input (N, C, *) -> input's shape.

    Example:
    >>> lrn = nn.LocalResponseNorm(2, alpha=1.0, beta=1.0)
    >>> lrn(tl.ones(1, 3, 1, 1)).flatten()
    tensor([0.6667, 0.5000, 0.5000])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class Dropout(Module):
    """Zero elements with probability p and scale by 1/(1-p) in training; identity in eval.

    Shapes: (*) -> (*).

    Example:
    >>> _ = tl.manual_seed(0)
    >>> drop = nn.Dropout(p=0.5)
    >>> sorted(set(drop(tl.ones(100)).tolist()))
    [0.0, 2.0]
    >>> _ = drop.eval()
    >>> drop(tl.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _DropoutNd(Dropout):
    """Channel-wise dropout layers: Dropout's checks and repr, a different functional."""

    _functional = None

    def forward(self, input):
        return type(self)._functional(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels with probability p (scaling the rest by 1/(1-p)) in training;
    identity in eval. See ``F.dropout1d``.

    Shapes: (N, C, L) or (C, L) -> the same.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> y = nn.Dropout1d(p=0.5)(tl.ones(1, 6, 3))
    >>> [row[0] == row[1] == row[2] for row in y.tolist()[0]]
    [True, True, True, True, True, True]
    """

    _functional = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole (H, W) feature maps with probability p (scaling the rest by 1/(1-p)) in
    training; identity in eval. See ``F.dropout2d``.

    Shapes: (N, C, H, W) -> the same.

    Example:
    >>> _ = tl.manual_seed(0)
    >>> drop = nn.Dropout2d(p=0.25)
    >>> drop
    Dropout2d(p=0.25, inplace=False)
    >>> y = drop(tl.ones(2, 4, 3, 3))
    >>> bool((y.amax((2, 3)) == y.amin((2, 3))).all())
    True
    """

    _functional = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole (D, H, W) volumes with probability p (scaling the rest by 1/(1-p)) in
    training; identity in eval. See ``F.dropout3d``.

    Shapes: (N, C, D, H, W) or (C, D, H, W) -> the same.

    Example:
    >>> drop = nn.Dropout3d().eval()
    >>> drop(tl.ones(1, 1, 1, 2)).flatten()
    tensor([1., 1.])
    """

    _functional = staticmethod(F.dropout3d)
