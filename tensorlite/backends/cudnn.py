"""PyTorch's ``torch.backends.cudnn`` flags, as a PyTorch without CUDA has them.

Programs set ``cudnn.benchmark = True`` or ``cudnn.deterministic = True``; the flags are kept
and change nothing (tensorlite has no cuDNN: its convolutions are deterministic).

Example:
>>> import tensorlite.backends.cudnn as cudnn
>>> cudnn.benchmark = True
>>> cudnn.is_available(), cudnn.version()
(False, None)
"""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Always False: there is no cuDNN.

    Example:
    >>> tl.backends.cudnn.is_available()
    False
    """
    return False


def version():
    """None: there is no cuDNN.

    Example:
    >>> tl.backends.cudnn.version() is None
    True
    """
    return None
