"""``tl.linalg``: PyTorch's ``torch.linalg`` names and semantics.

Norms (vector_norm, matrix_norm 'fro', the 1/inf norms) are compositions of tensor ops and run
on the tensor's device. The decompositions (inv, det, slogdet, solve, cholesky, qr, svd, eigh and
what is built on them: matrix_norm 'nuc'/2/-2, svdvals, eigvalsh, negative matrix_power) run
NumPy/LAPACK on the host: on OpenCL they read the matrices back and write the results to the
device (a host sync per call). Their gradients are tensor ops on the device, except that each
backward solve or inverse is again a host LAPACK call.
"""
from __future__ import annotations

import collections
import math
import numbers

from . import dtypes as _dt
from ._warn import warn_user
from .ops._util import broadcast_shapes, expect_tensor, tensor_op, wrap_dim
from .ops.creation import eye
from .ops.elementwise import where
from .ops.linalg import matmul as _matmul
from .ops.linalg_decomp import (QR, SVD, Cholesky, Det, Eigh, Inv, LinAlgError, Pinv, Slogdet,
                                Solve, SolveTriangular)
from .ops.reduce import amax, amin
from .ops.reduce import norm as _norm
from .ops.movement import cat
from .autograd.grad_mode import no_grad
from .tensor import Tensor

__all__ = ["LinAlgError", "vector_norm", "matrix_norm", "norm", "inv", "det", "slogdet", "solve",
           "cholesky", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_rank",
           "matrix_power", "cross", "matmul", "solve_triangular", "vecdot", "multi_dot"]

slogdet_result = collections.namedtuple("slogdet", ["sign", "logabsdet"])
qr_result = collections.namedtuple("qr", ["Q", "R"])
svd_result = collections.namedtuple("svd", ["U", "S", "Vh"])
eigh_result = collections.namedtuple("eigh", ["eigenvalues", "eigenvectors"])


# -- argument checks (PyTorch's messages) ----------------------------------------------------
def _check_matrices(op: str, a: Tensor, square: bool = True) -> None:
    """A is (..., m, n), floating (float32/float64), and square when ``square``."""
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if not a.is_floating_point():
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{a.dtype.scalar_name}")
    if a.dtype is _dt.float16:
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got Half (convert with "
                           f".float() first)")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")


# -- norms -------------------------------------------------------------------------------------
@tensor_op
def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector ``ord``-norm of x over ``dim`` (all elements when None): any real ord,
    including inf (max |x|), -inf (min |x|) and 0 (the count of non-zeros). Runs on x's device.

    Shapes: x's without the reduced dims (kept as size 1 with keepdim).

    Example:
    >>> tl.linalg.vector_norm(tl.tensor([3., -4.]))
    tensor(5.)
    >>> tl.linalg.vector_norm(tl.tensor([[1., -2.], [3., 0.]]), ord=float('inf'), dim=1)
    tensor([2., 3.])
    """
    if isinstance(ord, str) or not isinstance(ord, numbers.Real):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    if dtype is not None:
        _check_norm_dtype("linalg.vector_norm", x, dtype)
    if ord < 0 or ord == math.inf:  # min, max and negative powers have no identity
        _check_nonempty_norm(x, ord, dim)
    return _norm(x, p=float(ord), dim=dim, keepdim=keepdim, dtype=dtype)


def _check_nonempty_norm(x: Tensor, ord, dim) -> None:
    name = {math.inf: "inf", -math.inf: "-inf"}.get(ord, f"{ord:g}")
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        if x.numel() == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on an empty tensor "
                               f"because the operation does not have an identity")
        return
    for d in ((dim,) if isinstance(dim, numbers.Integral) else dim):
        if x.ndim and x.shape[wrap_dim(d, x.ndim, op="linalg.vector_norm")] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on the dimension "
                               f"{d} because this dimension is empty and the operation does not have "
                               f"an identity")


def _check_norm_dtype(op, x, dtype):
    dtype = _dt.to_dtype(dtype)
    if x.is_floating_point() and dtype.is_floating_point and dtype.itemsize < x.dtype.itemsize:
        raise RuntimeError(f"{op}: the dtype of the input ({x.dtype.scalar_name}) should be "
                           f"convertible without narrowing to the specified dtype "
                           f"({dtype.scalar_name})")


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def _matrix_dims(op: str, a: Tensor, dim) -> tuple:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        shown = " ".join(map(str, dim)) if isinstance(dim, (tuple, list)) else dim
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {shown}")
    d0, d1 = (wrap_dim(d, a.ndim, op=op) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


@tensor_op
def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """The matrix ``ord``-norm of A over the two dims ``dim``: 'fro' (Frobenius), 'nuc' (sum of
    singular values), 2 / -2 (largest / smallest singular value), 1 / -1 (max / min column
    abs-sum), inf / -inf (max / min row abs-sum). 'fro' and the abs-sum norms run on A's device;
    'nuc' and +-2 use the SVD (on the host on OpenCL).

    Shapes: (..., m, n) -> (...) (the two dims kept as size 1 with keepdim).

    Example:
    >>> A = tl.tensor([[1., -2.], [3., 4.]])
    >>> tl.linalg.matrix_norm(A, ord=1)
    tensor(6.)
    >>> tl.linalg.matrix_norm(A, ord=float('inf'))
    tensor(7.)
    """
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if ord not in _MATRIX_ORDS or isinstance(ord, bool):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    d0, d1 = _matrix_dims("linalg.matrix_norm", A, dim)
    if not A.is_floating_point():
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {A.dtype.scalar_name}")
    if dtype is not None:
        _check_norm_dtype("linalg.matrix_norm", A, dtype)
        A = A.to(_dt.to_dtype(dtype))
    if ord in ("nuc", 2, -2) and A.dtype is _dt.float16:
        raise RuntimeError("linalg.matrix_norm: Low precision dtypes not supported. Got Half "
                           "(convert with .float() first)")
    if ord == "fro":
        return _norm(A, p=2.0, dim=(d0, d1), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        values = svdvals(A.movedim((d0, d1), (-2, -1)))
        out = values.sum(-1) if ord == "nuc" else _extreme(values, -1, ord > 0, keepdim=False)
        return out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1)) if keepdim else out
    summed, kept = (d0, d1) if ord in (1, -1) else (d1, d0)  # column sums for 1, row sums for inf
    out = _extreme(A.abs().sum(summed, keepdim=True), kept, ord > 0, keepdim=True)
    return out if keepdim else out.squeeze((d0, d1))


def _extreme(x: Tensor, dim: int, largest: bool, keepdim: bool) -> Tensor:
    """amax or amin of non-negative values over dim; the largest of none is 0 (as PyTorch's
    matrix norms on empty matrices: a constant, outside the graph), the smallest of none raises
    amin's error."""
    if largest and x.shape[dim] == 0:
        return x.detach().sum(dim, keepdim=keepdim)
    return (amax if largest else amin)(x, dim, keepdim)


@tensor_op
def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector or matrix norm, PyTorch's rule: a 2-tuple ``dim`` or a string ``ord`` means
    matrix_norm; an int/1-tuple ``dim`` means vector_norm; with neither, ord=None is the 2-norm
    of the flattened tensor and a given ord needs a 1-D (vector) or 2-D (matrix) input.

    Shapes: A's without the reduced dims.

    Example:
    >>> tl.linalg.norm(tl.tensor([[3., 0.], [0., 4.]]))
    tensor(5.)
    >>> tl.linalg.norm(tl.tensor([[3., 0.], [0., 4.]]), ord=2)
    tensor(4.)
    """
    if dim is not None:
        dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dims)}")
        if len(dims) == 2 or isinstance(ord, str):
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D "
                           f"or 2D. Got {A.ndim}D.")
    if A.ndim == 2 or isinstance(ord, str):
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, None, keepdim, dtype=dtype)


# -- inverse, determinant, solve -----------------------------------------------------------------
@tensor_op
def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix of A; a singular matrix raises LinAlgError (PyTorch's
    message, naming the batch element and the zero pivot). Computed on the host (LAPACK).

    Shapes: (..., n, n) -> (..., n, n). Also ``tl.inverse`` and ``Tensor.inverse``.

    Example:
    >>> tl.linalg.inv(tl.tensor([[2., 0.], [0., 4.]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check_matrices("linalg.inv", A)
    return Inv.apply(A)


@tensor_op
def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix (LU on the host). Its gradient is adj(A)^T, also at
    singular matrices (from the SVD there).

    Shapes: (..., n, n) -> (...). Also ``tl.det`` and ``Tensor.det``.

    Example:
    >>> tl.linalg.det(tl.tensor([[2., 0.], [1., 3.]]))
    tensor(6.)
    """
    _check_matrices("linalg.det", A)
    return Det.apply(A)


@tensor_op
def slogdet(A: Tensor):
    """(sign, log|det A|) of each square matrix, a namedtuple (the sign's gradient is zero).
    A singular matrix gives sign 0 and logabsdet -inf.

    Shapes: (..., n, n) -> ((...), (...)). Also ``tl.slogdet`` and ``Tensor.slogdet``.

    Example:
    >>> tl.linalg.slogdet(tl.tensor([[0., 2.], [3., 0.]]))
    slogdet(sign=tensor(-1.), logabsdet=tensor(1.7918))
    """
    _check_matrices("linalg.slogdet", A)
    return slogdet_result(*Slogdet.apply(A))


@tensor_op
def logdet(A: Tensor) -> Tensor:
    """log(det A): NaN where the determinant is negative, -inf where it is zero (torch.logdet).

    Shapes: (..., n, n) -> (...).

    Example:
    >>> tl.logdet(tl.tensor([[2., 0.], [0., 3.]]))
    tensor(1.7918)
    """
    _check_matrices("logdet", A)
    sign, logabsdet = Slogdet.apply(A)
    return where(sign < 0, math.nan, logabsdet)  # no gradient where the result is NaN (PyTorch)


@tensor_op
def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (left=True) or X A = B (left=False), A square. Batch dims broadcast; B is
    a vector (or a batch of vectors) when B is 1-D or B.shape == A.shape[:-1]. A singular
    matrix raises LinAlgError. Computed on the host (LAPACK).

    Shapes: (..., n, n), (..., n, k) -> (..., n, k); (..., n, n), (..., n) -> (..., n).

    Example:
    >>> A = tl.tensor([[2., 0.], [0., 4.]])
    >>> tl.linalg.solve(A, tl.tensor([2., 2.]))
    tensor([1.0000, 0.5000])
    >>> tl.linalg.solve(A, tl.ones(3, 2), left=False).shape
    tensorlite.Size([3, 2])
    """
    expect_tensor("linalg.solve", "B", B)
    _check_matrices("linalg.solve", A)
    if B.ndim == 0:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    if B.dtype is not A.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of "
                           f"type {A.dtype.scalar_name} and B of type {B.dtype.scalar_name} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    matrix_b = B.unsqueeze(-1) if vector else B
    n = A.shape[-1]
    if left and matrix_b.shape[-2] != n or not left and matrix_b.shape[-1] != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{equation} ({n}x{n} and {matrix_b.shape[-2]}x{matrix_b.shape[-1]})")
    if vector and not left:
        raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                           "supported for left=False. In this case linalg.solve is equivalent to "
                           "B / A.squeeze(-1)")
    broadcast_shapes(tuple(A.shape[:-2]), tuple(matrix_b.shape[:-2]))
    if left:
        x = Solve.apply(A, matrix_b)
    else:
        x = Solve.apply(A.mT, matrix_b.mT).mT
    return x.squeeze(-1) if vector else x


@tensor_op
def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with A X = B (left) or X A = B for a triangular A: only its upper (``upper=True``) or
    lower triangle is read, its diagonal taken as ones when unitriangular. No singularity
    check: a zero on the diagonal gives inf/NaN (as PyTorch). Batch dims broadcast; B is
    always a matrix. Computed on the host (substitution).

    Shapes: (..., n, n), (..., n, k) -> (..., n, k) (left=False: (..., k, n) -> (..., k, n)).

    Example:
    >>> tl.linalg.solve_triangular(tl.tensor([[2., 1.], [0., 4.]]), tl.tensor([[4.], [8.]]), upper=True)
    tensor([[1.],
            [2.]])
    """
    expect_tensor("linalg.solve_triangular", "B", B)
    _check_matrices("linalg.solve_triangular", A)
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    B = B.to(A.dtype)  # PyTorch computes in A's dtype, whichever is wider
    if left:
        return SolveTriangular.apply(A, B, bool(upper), bool(unitriangular))
    return SolveTriangular.apply(A.mT, B.mT, not upper, bool(unitriangular)).mT


# -- decompositions ------------------------------------------------------------------------------
@tensor_op
def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L with A = L L^T (lower triangular; upper=True gives U = L^T with A = U^T U), reading
    A's lower triangle. A matrix that is not positive-definite raises LinAlgError. Computed on
    the host (LAPACK).

    Shapes: (..., n, n) -> (..., n, n).

    Example:
    >>> tl.linalg.cholesky(tl.tensor([[4., 2.], [2., 2.]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    _check_matrices("linalg.cholesky", A)
    return Cholesky.apply(A, bool(upper))


@tensor_op
def qr(A: Tensor, mode: str = "reduced"):
    """A = QR with Q orthonormal columns and R upper triangular, a namedtuple (Q, R). mode:
    'reduced' (Q (m, k), R (k, n), k = min(m, n)), 'complete' (Q (m, m), R (m, n)) or 'r'
    (Q empty, R only; not differentiable). Computed on the host (LAPACK, PyTorch's signs).

    Shapes: (..., m, n) -> (..., m, k), (..., k, n).

    Example:
    >>> Q, R = tl.linalg.qr(tl.tensor([[3., 1.], [4., 2.]]))
    >>> (Q @ R).allclose(tl.tensor([[3., 1.], [4., 2.]]))
    True
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           f"(default), 'r', or 'complete'")
    _check_matrices("linalg.qr", A, square=False)
    return qr_result(*QR.apply(A, mode))


@tensor_op
def svd(A: Tensor, full_matrices: bool = True):
    """A = U diag(S) Vh, a namedtuple (U, S, Vh), S descending. With full_matrices U is (m, m)
    and Vh (n, n), otherwise (m, k) and (k, n), k = min(m, n). Gradients through U or Vh are
    inf/NaN when singular values repeat (as PyTorch documents); through S they are always
    defined. Computed on the host (LAPACK gesdd).

    Shapes: (..., m, n) -> (..., m, m|k), (..., k), (..., k|n, n).

    Example:
    >>> U, S, Vh = tl.linalg.svd(tl.tensor([[3., 0.], [0., -2.]]))
    >>> S
    tensor([3., 2.])
    """
    _check_matrices("linalg.svd", A, square=False)
    return svd_result(*SVD.apply(A, bool(full_matrices)))


@tensor_op
def svdvals(A: Tensor) -> Tensor:
    """The singular values of A, descending (differentiable, also when they repeat).

    Shapes: (..., m, n) -> (..., min(m, n)).

    Example:
    >>> tl.linalg.svdvals(tl.tensor([[0., 2.], [1., 0.]]))
    tensor([2., 1.])
    """
    _check_matrices("linalg.svdvals", A, square=False)
    return SVD.apply(A, False)[1]


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


@tensor_op
def eigh(A: Tensor, UPLO: str = "L"):
    """Eigenvalues (ascending) and orthonormal eigenvectors (the columns) of a symmetric matrix,
    a namedtuple (eigenvalues, eigenvectors), reading the lower (UPLO='L') or upper triangle.
    Gradients through the eigenvectors are inf/NaN for repeated eigenvalues (as PyTorch).
    Computed on the host (LAPACK).

    Shapes: (..., n, n) -> (..., n), (..., n, n).

    Example:
    >>> L, V = tl.linalg.eigh(tl.tensor([[2., 1.], [1., 2.]]))
    >>> L
    tensor([1., 3.])
    """
    _check_uplo(UPLO)
    _check_matrices("linalg.eigh", A)
    return eigh_result(*Eigh.apply(A, UPLO))


@tensor_op
def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues (ascending) of a symmetric matrix; see eigh.

    Shapes: (..., n, n) -> (..., n).

    Example:
    >>> tl.linalg.eigvalsh(tl.tensor([[2., 0.], [0., -1.]]))
    tensor([-1.,  2.])
    """
    _check_uplo(UPLO)
    _check_matrices("linalg.eigvalsh", A)
    return Eigh.apply(A, UPLO)[0]


def _tolerances(A: Tensor, atol, rtol) -> tuple:
    """PyTorch's rule: rtol defaults to eps * max(m, n), or to 0 when only atol > 0 is given."""
    if rtol is None:
        eps = 2.0 ** -52 if A.dtype is _dt.float64 else 2.0 ** -23  # machine epsilon
        rtol = 0.0 if atol is not None and atol > 0 else eps * max(A.shape[-2:])
    return float(0.0 if atol is None else atol), float(rtol)


def _check_pinv_input(op: str, A: Tensor) -> None:
    if A.ndim < 2 or not A.is_floating_point() or A.dtype is _dt.float16:
        raise RuntimeError(f"{op}({A.dtype.scalar_name}{{{list(A.shape)}}}): expected a tensor with 2 "
                           f"or more dimensions of float, double, cfloat or cdouble types")


@tensor_op
def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse, from the SVD (or, with hermitian=True, from the
    eigendecomposition of the symmetric A, reading its lower triangle); singular values at or
    below max(atol, rtol * largest) count as zero (rtol defaults to eps * max(m, n), or to 0
    when only atol > 0 is given). Its gradient (PyTorch's) is defined also where singular
    values repeat or are dropped. Computed on the host (LAPACK).

    Shapes: (..., m, n) -> (..., n, m). Also ``tl.pinverse(A, rcond)``.

    Example:
    >>> tl.linalg.pinv(tl.tensor([[2., 0.], [0., 0.]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    _check_pinv_input("linalg.pinv", A)
    hermitian = bool(hermitian) and A.numel() > 0  # PyTorch checks nothing on an empty batch
    if hermitian:
        _check_matrices("linalg.eigh", A)
    atol, rtol = _tolerances(A, atol, rtol)
    return Pinv.apply(A, atol, rtol, hermitian)


@tensor_op
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: ``tl.linalg.pinv(input, rtol=rcond)``.

    Shapes: (..., m, n) -> (..., n, m).

    Example:
    >>> tl.pinverse(tl.tensor([[1., 1.], [1., 1.]]))
    tensor([[0.2500, 0.2500],
            [0.2500, 0.2500]])
    """
    return pinv(input, rtol=rcond)


@tensor_op
def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The number of singular values (|eigenvalues| when hermitian) above
    max(atol, rtol * largest), with pinv's defaults; an int64 tensor, not differentiable.

    Shapes: (..., m, n) -> (...).

    Example:
    >>> tl.linalg.matrix_rank(tl.tensor([[1., 2.], [2., 4.]]))
    tensor(1)
    """
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 "
                           "dimensions.")
    hermitian = bool(hermitian) and A.numel() > 0  # PyTorch checks nothing on an empty batch
    _check_matrices("linalg.eigh" if hermitian else "linalg.svd", A, square=hermitian)
    atol, rtol = _tolerances(A, atol, rtol)
    with no_grad():
        values = Eigh.apply(A, "L")[0].abs() if hermitian else SVD.apply(A, False)[1]
        largest = values.amax(-1, keepdim=True) if values.shape[-1] else values.sum(-1, keepdim=True)
        cutoff = (largest * rtol).clamp(min=atol)
        return (values > cutoff).sum(-1)


# -- compositions ----------------------------------------------------------------------------------
@tensor_op
def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n for an integer n by repeated squaring (matmuls on A's device); n = 0 gives the
    identity, n < 0 the power of the inverse.

    Shapes: (..., m, m) -> (..., m, m).

    Example:
    >>> tl.linalg.matrix_power(tl.tensor([[1., 1.], [0., 1.]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they "
                           f"are {A.shape[-2]} by {A.shape[-1]} matrices")
    if n == 0:  # the identity, in the graph with a zero gradient (as PyTorch's)
        zeros = A.masked_fill(eye(1, dtype=_dt.bool_, device=A.device), 0.0)
        return zeros + eye(A.shape[-1], dtype=A.dtype, device=A.device)
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


@tensor_op
def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (size 3 in both), batch dims broadcast.

    Shapes: (..., 3, ...), (..., 3, ...) -> the broadcast shape.

    Example:
    >>> tl.linalg.cross(tl.tensor([1., 0., 0.]), tl.tensor([0., 1., 0.]))
    tensor([0., 0., 1.])
    """
    expect_tensor("linalg.cross", "other", other)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"linalg.cross: expected both inputs to have the same dtype, but got "
                           f"{input.dtype.scalar_name} and {other.dtype.scalar_name}")
    d = wrap_dim(dim, input.ndim, op="linalg.cross") if input.ndim else dim
    if input.ndim == 0 or input.shape[d] != 3 or other.shape[d] != 3:
        sizes = (input.shape[d] if input.ndim else 0, other.shape[d] if other.ndim else 0)
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{sizes[0]} and {sizes[1]}")
    a = [input.narrow(d, i, 1) for i in range(3)]
    b = [other.narrow(d, i, 1) for i in range(3)]
    parts = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    return cat(parts, d)


@tensor_op
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along ``dim`` (batch dims broadcast), on the tensors' device.

    Shapes: (..., n, ...), (..., n, ...) -> the broadcast shape without ``dim``.

    Example:
    >>> tl.linalg.vecdot(tl.tensor([[1., 2.], [3., 4.]]), tl.tensor([1., 1.]))
    tensor([3., 7.])
    """
    expect_tensor("linalg.vecdot", "y", y)
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of "
                           f"type {x.dtype.scalar_name} and y of type {y.dtype.scalar_name} instead")
    if not x.is_floating_point():
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. "
                           f"Got {x.dtype.scalar_name}")
    return (x * y).sum(dim)


def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices; the first may be a 1-D row vector and the last a 1-D
    column vector (their dims are dropped from the result). Matmuls on the tensors' device.

    Shapes: (k0,) or (n, k0), (k0, k1), ..., (k_{m-1},) or (k_{m-1}, p) -> (n, p) minus 1-D ends.

    Example:
    >>> tl.linalg.multi_dot([tl.ones(3), tl.ones(3, 2), tl.ones(2)])
    tensor(6.)
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        expect_tensor("multi_dot", f"tensors[{i}]", t)
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in allowed:
            which = "first" if i == 0 else "last" if i == len(tensors) - 1 else None
            raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {t.ndim}D"
                               if which else f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{tensors[0].dtype.scalar_name} and tensor {i} {t.dtype.scalar_name}")
    first = tensors[0].unsqueeze(0) if tensors[0].ndim == 1 else tensors[0]
    last = tensors[-1].unsqueeze(-1) if tensors[-1].ndim == 1 else tensors[-1]
    chain = [first] + tensors[1:-1] + [last]
    for i in range(1, len(chain)):
        if chain[i - 1].shape[-1] != chain[i].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{list(tensors[i - 1].shape)} and {list(tensors[i].shape)} cannot be "
                               f"multiplied")
    out = chain[0]
    for t in chain[1:]:
        out = _matmul(out, t)
    if tensors[0].ndim == 1:
        out = out.squeeze(0)
    return out.squeeze(-1) if tensors[-1].ndim == 1 else out


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """``tl.matmul`` (torch.linalg.matmul is an alias).

    Example:
    >>> tl.linalg.matmul(tl.eye(2), tl.ones(2))
    tensor([1., 1.])
    """
    return _matmul(input, other)


# -- the legacy torch.* forms (tl.svd, tl.qr, tl.cholesky, tl.cross, Tensor methods) --------------
svd_legacy_result = collections.namedtuple("svd", ["U", "S", "V"])


@tensor_op
def legacy_svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """torch.svd: (U, S, V) with V = Vh^T (not Vh), reduced when ``some``; with
    compute_uv=False U and V are zero-filled. Prefer ``tl.linalg.svd``.

    Shapes: (..., m, n) -> (..., m, k|m), (..., k), (..., n, k|n).

    Example:
    >>> U, S, V = tl.svd(tl.tensor([[2., 0.], [0., 1.], [0., 0.]]))
    >>> S, V.shape
    (tensor([2., 1.]), tensorlite.Size([2, 2]))
    """
    _check_matrices("linalg.svd", input, square=False)
    U, S, Vh = SVD.apply(input, not some)
    if not compute_uv:
        return svd_legacy_result(U.detach() * 0, S, Vh.detach().mT * 0)
    return svd_legacy_result(U, S, Vh.mT)


@tensor_op
def legacy_qr(input: Tensor, some: bool = True):
    """torch.qr: ``tl.linalg.qr`` with mode 'reduced' when ``some`` else 'complete'.

    Shapes: (..., m, n) -> (..., m, k|m), (..., k|m, n).

    Example:
    >>> Q, R = tl.qr(tl.tensor([[3., 1.], [4., 2.], [0., 1.]]))
    >>> Q.shape, R.shape
    (tensorlite.Size([3, 2]), tensorlite.Size([2, 2]))
    """
    return qr(input, "reduced" if some else "complete")


@tensor_op
def legacy_cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky: ``tl.linalg.cholesky`` with ``upper`` positional.

    Shapes: (..., n, n) -> (..., n, n).

    Example:
    >>> tl.cholesky(tl.tensor([[4., 2.], [2., 2.]]), True)
    tensor([[2., 1.],
            [0., 1.]])
    """
    return cholesky(input, upper=upper)


@tensor_op
def legacy_cross(input: Tensor, other: Tensor, dim=None) -> Tensor:
    """torch.cross: ``tl.linalg.cross`` whose default dim is the first dim of size 3.

    Shapes: as linalg.cross.

    Example:
    >>> tl.cross(tl.eye(3), tl.ones(3, 3), dim=1).shape
    tensorlite.Size([3, 3])
    """
    if dim is None:
        warn_user("Using torch.cross without specifying the dim arg is deprecated. Please either pass "
                  "the dim explicitly or simply use torch.linalg.cross. The default value of dim will "
                  "change to agree with that of linalg.cross in a future release.")
        expect_tensor("cross", "other", other)
        shape = broadcast_shapes(tuple(input.shape), tuple(other.shape)) if input.ndim == other.ndim else ()
        dim = next((i for i, n in enumerate(shape) if n == 3), -1)
    return cross(input, other, dim=dim)
