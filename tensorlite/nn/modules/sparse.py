"""tensorlite.nn.modules.sparse: the names of PyTorch's ``torch.nn.modules.sparse`` (for programs
that import from it with torch mapped to tensorlite)."""
from ..layers.embedding import Embedding, EmbeddingBag

__all__ = ["Embedding", "EmbeddingBag"]
