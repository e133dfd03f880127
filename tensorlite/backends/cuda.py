"""PyTorch's ``torch.backends.cuda`` flags, as a PyTorch without CUDA has them.

``torch.backends.cuda.matmul.allow_tf32 = True`` (nanoGPT) is kept and changes nothing: there
is no CUDA matmul to run in TF32.

Example:
>>> tl.backends.cuda.matmul.allow_tf32 = True
>>> tl.backends.cuda.is_built()
False
"""


class _MatmulFlags:
    """The ``torch.backends.cuda.matmul`` settings (kept; no CUDA matmul reads them)."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    """Always False: tensorlite has no CUDA.

    Example:
    >>> tl.backends.cuda.is_built()
    False
    """
    return False
