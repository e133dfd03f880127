"""Embedding: a lookup table of vectors."""
from __future__ import annotations

from ...autograd.grad_mode import no_grad
from ...ops.creation import empty
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


class Embedding(Module):
    """weight (num_embeddings, embedding_dim) ~ N(0, 1); the padding_idx row is zero and gets
    no gradient.

    Shapes: input (*) integer indices -> (*, embedding_dim).

    Example:
    >>> emb = nn.Embedding(10, 3, padding_idx=0)
    >>> emb.weight.shape
    tensorlite.Size([10, 3])
    >>> emb(tl.tensor([[0, 2], [4, 9]])).shape
    tensorlite.Size([2, 2, 3])
    >>> emb(tl.tensor([0]))
    tensor([[0., 0., 0.]], grad_fn=<...>)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm=None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight=None, device=None, dtype=None):
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are not "
                                      "supported; renormalise the weight explicitly instead")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.weight = Parameter(empty(num_embeddings, embedding_dim, device=device, dtype=dtype)) \
            if _weight is None else Parameter(_weight)
        if _weight is None:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None):
        rows, dim = embeddings.shape
        module = cls(rows, dim, padding_idx=padding_idx, _weight=embeddings.detach().clone())
        module.weight.requires_grad = not freeze
        return module


class EmbeddingBag(Embedding):
    """Embedding followed by a per-bag sum, mean or max (see F.embedding_bag); weight
    (num_embeddings, embedding_dim) ~ N(0, 1), the padding_idx row zero and left out of bags.

    Shapes: input (B, N), or (n,) with offsets (B,) -> (B, embedding_dim).

    Example:
    >>> bag = nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(tl.tensor([1, 2, 4, 5, 4]), tl.tensor([0, 2])).shape
    tensorlite.Size([2, 3])
    >>> bag
    EmbeddingBag(10, 3, mode='sum')
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm=None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False, _weight=None,
                 include_last_offset: bool = False, padding_idx: int | None = None, device=None, dtype=None):
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq,
                         sparse, _weight, device, dtype)
        self.mode, self.include_last_offset = mode, include_last_offset

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, mode=self.mode, per_sample_weights=per_sample_weights,
                               include_last_offset=self.include_last_offset, padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, mode: str = "mean", include_last_offset: bool = False,
                        padding_idx: int | None = None):
        rows, dim = embeddings.shape
        module = cls(rows, dim, mode=mode, _weight=embeddings.detach().clone(),
                     include_last_offset=include_last_offset, padding_idx=padding_idx)
        module.weight.requires_grad = not freeze
        return module
