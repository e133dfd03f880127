"""tensorlite: a small, readable automatic-differentiation tensor framework with PyTorch's API.

Example::

    import tensorlite as tl
    x = tl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x ** 2).sum()
    loss.backward()
    x.grad          # tensor([2., 4., 6.])
"""
from ._malloc import tune_if_requested as _tune_if_requested
from .dtypes import (bool_ as bool, dtype, float16, float32, float64, get_default_dtype, int8,
                     int16, int32, int64, promote_types, set_default_dtype, uint8)
from .dtypes import bfloat16, finfo, iinfo
from .device import Device, device
from .device import default_device as get_default_device, set_default_device
from .tensor import Size, Tensor
from . import autograd
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                       set_grad_enabled)
from .ops.creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full,
                           full_like, linspace, normal, ones, ones_like, rand, rand_like, randint,
                           randint_like, randn, randn_like, randperm, scalar_tensor, tensor, zeros,
                           zeros_like)
from .ops import elementwise as _elementwise, reduce as _reduce
from .ops.elementwise import (allclose, clamp, clip, equal, isclose, lerp, log2, log10, logaddexp,
                              logaddexp2, reciprocal, rsqrt, square, where)
from .ops.reduce import (argmax, argmin, count_nonzero, cumsum, logsumexp, max, mean, min, norm, std,
                         std_mean, var, var_mean)
globals().update(_elementwise.PUBLIC)  # the op tables' public functions: one per row and alias
globals().update(_reduce.PUBLIC)
from .ops.movement import (broadcast_to, cat, clone, concat, concatenate, contiguous,
                           expand, flatten, flip, hstack, movedim, narrow, permute, repeat, reshape, roll,
                           squeeze, stack, swapaxes, swapdims, t, transpose, tril, triu,
                           unbind, unflatten, unsqueeze, view, vstack)
from .ops.movement import atleast_1d, atleast_2d, atleast_3d, column_stack, dstack, row_stack
from .ops.indexing import chunk, split
from .ops.indexing import (argwhere, gather, index_put, index_select, masked_fill, masked_select, nonzero,
                           scatter, scatter_add, scatter_reduce, take_along_dim)
from .ops.diagonal import diag, diag_embed, diagonal, trace
from .ops.tiling import meshgrid, repeat_interleave, tile
from .ops.index_ops import index_add, index_copy, index_fill, index_reduce, masked_scatter
from .ops.linalg import bmm, dot, einsum, ger, matmul, mm, outer
from . import linalg
from .linalg import det, logdet, matrix_power, pinverse, slogdet
from .linalg import inv as inverse, legacy_cholesky as cholesky, legacy_cross as cross
from .linalg import legacy_qr as qr, legacy_svd as svd
from .ops.checks import synchronize
from .ops.sampling import multinomial
from .ops.sorting import (argsort, bucketize, histc, kthvalue, median, mode, msort, nanmedian, searchsorted,
                          sort, topk, unique, unique_consecutive)
from .ops.scan import cummax, cummin, cumprod, logcumsumexp
from .ops.creation import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,
                           IntTensor, LongTensor, ShortTensor)
from .ops._util import tensor_op as _tensor_op
from . import _methods  # noqa: F401  (binds ops to Tensor)
from . import data, nn, opencl, optim, safetensors, special, training, utils
from ._compile import compile
from ._settings import (are_deterministic_algorithms_enabled, get_float32_matmul_precision,
                        is_deterministic_algorithms_warn_only_enabled, set_float32_matmul_precision,
                        use_deterministic_algorithms)
from . import distributions
from . import accelerator, amp, cuda  # torch.accelerator / torch.amp / torch.cuda (torch.backends: backends/)
from .nn.functional import log_softmax, softmax  # torch.softmax / torch.log_softmax
from .serialization import load, save
from ._printing import set_printoptions
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state)

float = float32
double = float64
half = float16
short = int16
long = int64
int = int32
bool_ = bool


def is_tensor(obj) -> "builtins.bool":
    """Whether obj is a tensorlite Tensor.

    Example:
    >>> tl.is_tensor(tl.zeros(1)), tl.is_tensor([0.])
    (True, False)
    """
    return isinstance(obj, Tensor)


@_tensor_op
def numel(input: Tensor) -> "builtins.int":
    """Number of elements of input.

    Shapes: (d_0, ..., d_{n-1}) -> d_0 * ... * d_{n-1} (a Python int; 1 for a 0-dim tensor).

    Example:
    >>> tl.numel(tl.zeros(2, 3)), tl.numel(tl.tensor(5.))
    (6, 1)
    """
    return input.numel()


@_tensor_op
def is_floating_point(input: Tensor) -> "builtins.bool":
    """Whether input has a floating dtype.

    Example:
    >>> tl.is_floating_point(tl.zeros(2)), tl.is_floating_point(tl.arange(2))
    (True, False)
    """
    return input.is_floating_point()


__version__ = "0.1.0"
_tune_if_requested()  # opt-in only (TENSORLITE_MALLOC_TUNING=1): the allocator is the process's
