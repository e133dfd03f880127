"""Loss modules: each stores its options and calls the functional form with (input, target)."""
from __future__ import annotations

from .. import functional as F
from ..functional_losses import _legacy_reduction
from ..module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"{reduction} is not a valid value for reduction")
        self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error.

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> loss = nn.MSELoss()
    >>> loss(tl.tensor([1., 2.]), tl.tensor([1., 4.]))
    tensor(2.)
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error.

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> nn.L1Loss(reduction="sum")(tl.tensor([1., 2.]), tl.tensor([1., 4.]))
    tensor(2.)
    """

    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta below beta, |d| - beta / 2 above.

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> nn.SmoothL1Loss(reduction="none")(tl.tensor([0.5, 3.]), tl.zeros(2))
    tensor([0.1250, 2.5000])
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """0.5 d^2 up to delta, delta (|d| - delta / 2) above.

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> nn.HuberLoss(delta=2.0, reduction="none")(tl.tensor([0.5, 3.]), tl.zeros(2))
    tensor([0.1250, 4.0000])
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """log_softmax + NLL; class-index or class-probability targets, label smoothing.

    Shapes: input (N, C) or (N, C, d1, ...) logits, target (N) / (N, d1, ...) int64 class indices
    or probabilities of input's shape -> () (or (N, d1, ...) with reduction='none').

    Example:
    >>> loss = nn.CrossEntropyLoss()
    >>> logits = tl.tensor([[2., 0.], [0., 0.]], requires_grad=True)
    >>> out = loss(logits, tl.tensor([0, 1]))
    >>> out
    tensor(0.4100, grad_fn=<...>)
    >>> out.backward()
    >>> logits.grad
    tensor([[-0.0596,  0.0596],
            [ 0.2500, -0.2500]])
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities.

    Shapes: input (N, C) or (N, C, d1, ...) log-probabilities, target (N) / (N, d1, ...) int64
    -> () (or target's shape with reduction='none').

    Example:
    >>> logp = tl.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    >>> nn.NLLLoss()(logp, tl.tensor([0, 1]))
    tensor(0.3000)
    >>> nn.NLLLoss(weight=tl.tensor([1., 3.]))(logp, tl.tensor([0, 1]))
    tensor(0.2000)
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (logs clamped at -100).

    Shapes: input (*) probabilities, target (*) -> () (or (*) with reduction='none').

    Example:
    >>> nn.BCELoss()(tl.tensor([0.8, 0.5]), tl.tensor([1., 0.]))
    tensor(0.4581)
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy of logits, stable for any magnitude.

    Shapes: input (*) logits, target (*) -> () (or (*) with reduction='none'); pos_weight
    broadcasts over the last dim (C,).

    Example:
    >>> loss = nn.BCEWithLogitsLoss(pos_weight=tl.tensor([2.]))
    >>> loss(tl.tensor([0., 2.]), tl.tensor([1., 0.]))
    tensor(1.7566)
    """

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class KLDivLoss(_Loss):
    """KL(target || input) with input as log-probabilities ('batchmean' is the true KL).

    Shapes: input (*) log-probabilities, target (*) -> () (or (*) with reduction='none').

    Example:
    >>> q = tl.tensor([[0.5, 0.5]])
    >>> nn.KLDivLoss(reduction="batchmean")(q.log(), tl.tensor([[0.75, 0.25]]))
    tensor(0.1308)
    """

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, self.reduction, self.log_target)


class CosineEmbeddingLoss(_Loss):
    """1 - cos for target 1, max(0, cos - margin) for -1.

    Shapes: input1, input2 (N, D) or (D,), target (N) or () of 1 / -1 -> () (or (N) with
    reduction='none').

    Example:
    >>> a = tl.tensor([[1., 0.], [1., 0.]])
    >>> b = tl.tensor([[0., 1.], [1., 1.]])
    >>> nn.CosineEmbeddingLoss()(a, b, tl.tensor([1, -1]))
    tensor(0.8536)
    """

    def __init__(self, margin: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class MarginRankingLoss(_Loss):
    """max(0, -target (x1 - x2) + margin).

    Shapes: input1, input2, target (N) or () -> () (or (N) with reduction='none').

    Example:
    >>> loss = nn.MarginRankingLoss(margin=0.5)
    >>> loss(tl.tensor([1., 2.]), tl.tensor([2., 1.]), tl.tensor([1., 1.]))
    tensor(0.7500)
    """

    def __init__(self, margin: float = 0.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_Loss):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the p-norm distance.

    Shapes: anchor, positive, negative (N, D) or (D,) -> () (or (N,) with reduction='none').

    Example:
    >>> loss = nn.TripletMarginLoss(margin=5., eps=0.)
    >>> loss(tl.tensor([[0., 0.]]), tl.tensor([[0., 1.]]), tl.tensor([[3., 4.]]))
    tensor(1.)
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(_legacy_reduction(size_average, reduce, reduction))
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood (see F.poisson_nll_loss).

    Shapes: input, target (*) -> () (or (*) with reduction='none').

    Example:
    >>> nn.PoissonNLLLoss(reduction="sum")(tl.tensor([0., 1.]), tl.tensor([1., 2.]))
    tensor(1.7183)
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                 reduce=None, reduction: str = "mean"):
        super().__init__(_legacy_reduction(size_average, reduce, reduction))
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with predicted variance (see F.gaussian_nll_loss).

    Shapes: input, target (N, *), var (N, *) or one dim short or with a 1 in one dim -> ()
    (or (N, *) with reduction='none').

    Example:
    >>> nn.GaussianNLLLoss()(tl.tensor([0., 1.]), tl.tensor([1., 1.]), tl.tensor([1., 1.]))
    tensor(0.2500)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p over the last dim.

    Shapes: x1, x2 (N, D) or (D,) -> (N,) or () (a trailing 1 with keepdim).

    Example:
    >>> nn.PairwiseDistance(eps=0.)(tl.tensor([[0., 0.]]), tl.tensor([[3., 4.]]))
    tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine of the angle between x1 and x2 along dim (see F.cosine_similarity).

    Shapes: x1, x2 broadcastable (*) -> the broadcast shape without dim.

    Example:
    >>> nn.CosineSimilarity(dim=1)(tl.tensor([[1., 0.]]), tl.tensor([[1., 1.]]))
    tensor([0.7071])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class HingeEmbeddingLoss(_Loss):
    """x for target 1, max(0, margin - x) for target -1 (see F.hinge_embedding_loss).

    Shapes: input (*), target (*) of 1 / -1 -> () (or (*) with reduction='none').

    Example:
    >>> nn.HingeEmbeddingLoss(margin=1.0)(tl.tensor([0.3, 0.3, 2.0]), tl.tensor([1, -1, -1]))
    tensor(0.3333)
    """

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(_legacy_reduction(size_average, reduce, reduction))
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + exp(-target * x)), a two-class logistic loss for targets 1 / -1.

    Shapes: input (*), target (*) -> () (or (*) with reduction='none').

    Example:
    >>> nn.SoftMarginLoss(reduction="sum")(tl.tensor([2., -1.]), tl.tensor([1., 1.]))
    tensor(1.4402)
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(_legacy_reduction(size_average, reduce, reduction))

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per sample, the class-mean of the binary cross-entropy of sigmoid(x) against 0 / 1 targets.

    Shapes: input (N, C) or (C,), target of input's shape, weight (C,) -> () (or (N,) with
    reduction='none').

    Example:
    >>> x = tl.tensor([[2., -1.], [0., 0.]])
    >>> nn.MultiLabelSoftMarginLoss()(x, tl.tensor([[1., 0.], [1., 1.]]))
    tensor(0.4566)
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(weight, _legacy_reduction(size_average, reduce, reduction))

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (see F.multi_margin_loss); p is 1 or 2.

    Shapes: input (N, C) or (C,), target (N,) / () int64 class indices, weight (C,) -> ()
    (or target's shape with reduction='none').

    Example:
    >>> x = tl.tensor([[0.1, 0.2, 0.4, 0.8], [0.3, -0.2, 0.5, 1.0]])
    >>> nn.MultiMarginLoss()(x, tl.tensor([3, 0]))
    tensor(0.5875)
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean"):
        if p != 1 and p != 2:
            raise ValueError(f"only p == 1 and p == 2 supported (MultiMarginLoss got p={p})")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.ndim}D "
                             f"instead")
        super().__init__(weight, _legacy_reduction(size_average, reduce, reduction))
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss; each target row lists class indices, ended by the first -1.

    Shapes: input (N, C) or (C,), target of input's shape (int64) -> () (or (N,) with
    reduction='none').

    Example:
    >>> x = tl.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> nn.MultiLabelMarginLoss()(x, tl.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(_legacy_reduction(size_average, reduce, reduction))

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) for any distance function d
    (default F.pairwise_distance).

    Shapes: anchor, positive, negative (N, D) or (D,) -> () (or (N,) with reduction='none').

    Example:
    >>> l1 = lambda u, v: (u - v).abs().sum(-1)
    >>> loss = nn.TripletMarginWithDistanceLoss(distance_function=l1, margin=7.)
    >>> loss(tl.tensor([[0., 0.]]), tl.tensor([[0., 1.]]), tl.tensor([[3., 4.]]))
    tensor(1.)
    """

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean"):
        super().__init__(reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             f"instead")
        self.distance_function, self.margin, self.swap = distance_function, margin, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function, margin=self.margin,
                                                   swap=self.swap, reduction=self.reduction)
