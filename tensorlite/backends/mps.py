"""PyTorch's ``torch.backends.mps`` queries: there is no Metal device (use OpenCL for a GPU).

Example:
>>> tl.backends.mps.is_available(), tl.backends.mps.is_built()
(False, False)
"""


def is_available() -> bool:
    """Always False.

    Example:
    >>> tl.backends.mps.is_available()
    False
    """
    return False


def is_built() -> bool:
    """Always False.

    Example:
    >>> tl.backends.mps.is_built()
    False
    """
    return False
