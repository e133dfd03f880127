"""Matrix functions and decompositions (``tl.linalg``): inv, det, slogdet, solve, cholesky, qr,
svd, eigh, pinv, with PyTorch's semantics and gradients.

Each decomposition is one non-differentiable host primitive (``_Lapack``: read the matrices,
run NumPy/LAPACK, write the factors back, so on OpenCL it computes on the host) wrapped in a
differentiable Function whose backward is written in tensorlite ops (matmul, solve, inv, ...):
second derivatives come for free. Matrix decompositions are small and sequential, the one kind
of work DESIGN.md allows on the host.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ._util import broadcast_shapes
from .creation import eye
from .movement import cat


class LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError``: the input is singular or not positive-definite."""


# -- the host primitive ----------------------------------------------------------------------
def _first_zero_pivot(matrix: np.ndarray) -> int:
    """1-based index of the first zero pivot of an LU factorisation with partial pivoting (what
    LAPACK's getrf reports as ``info``), 0 when there is none."""
    lu = np.array(matrix, dtype=np.float64)
    n = lu.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(lu[k:, k])))
        if lu[p, k] == 0:
            return k + 1
        lu[[k, p]] = lu[[p, k]]
        lu[k + 1:, k] /= lu[k, k]
        lu[k + 1:, k + 1:] -= np.outer(lu[k + 1:, k], lu[k, k + 1:])
    return 0


def _first_bad_minor(matrix: np.ndarray) -> int:
    """1-based order of the first leading minor that is not positive-definite (potrf's info)."""
    a = np.array(matrix, dtype=np.float64)
    n = a.shape[0]
    lower = np.zeros_like(a)
    for j in range(n):
        pivot = a[j, j] - lower[j, :j] @ lower[j, :j]
        if not pivot > 0:  # also catches NaN
            return j + 1
        lower[j, j] = np.sqrt(pivot)
        lower[j + 1:, j] = (a[j + 1:, j] - lower[j + 1:, :j] @ lower[j, :j]) / lower[j, j]
    return 0


def _raise_per_batch(op, stack, find, message):
    """Raise LinAlgError for the first matrix of ``stack`` that ``find`` flags (find returns a
    non-zero LAPACK info), prefixed with PyTorch's "(Batch element i): " for batched input."""
    matrices = stack.reshape((-1,) + stack.shape[-2:])
    for i, matrix in enumerate(matrices):
        info = find(matrix)
        if info:
            prefix = f"(Batch element {i}): " if stack.ndim > 2 else ""
            raise LinAlgError(f"{op}: {prefix}{message(info)}")
    # LAPACK failed where our check did not (non-finite values): the message without the index
    raise LinAlgError(f"{op}: {message(None)}")


def _inv(a):
    try:
        return (np.linalg.inv(a),)
    except np.linalg.LinAlgError:
        _raise_per_batch("linalg.inv", a, _first_zero_pivot, lambda k: (
            f"The diagonal element {k} is zero, the inversion could not be completed because the "
            f"input matrix is singular." if k else "The input matrix is singular."))


def _solve(a, b):
    try:
        return (np.linalg.solve(a, b),)
    except np.linalg.LinAlgError:
        stack = np.broadcast_to(a, broadcast_shapes(a.shape[:-2], b.shape[:-2]) + a.shape[-2:])
        _raise_per_batch("torch.linalg.solve", stack, _first_zero_pivot,
                         lambda k: "The solver failed because the input matrix is singular.")


def _solve_in_backward(a, b):
    """solve inside a backward formula: where A (or the adjoint system a forward accepted) has a
    zero pivot the result is inf/NaN instead of an error, as PyTorch's backward, which reuses
    the forward's LU factors, never raises."""
    try:
        return (np.linalg.solve(a, b),)
    except np.linalg.LinAlgError:
        batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = np.broadcast_to(a, batch + a.shape[-2:]).reshape((-1,) + a.shape[-2:])
        b = np.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
        out = np.full(b.shape, np.nan, np.result_type(a, b))
        for i in range(len(a)):
            try:
                out[i] = np.linalg.solve(a[i], b[i])
            except np.linalg.LinAlgError:
                pass
        return (out.reshape(batch + b.shape[-2:]),)


def _not_positive_definite(k):
    detail = "" if k is None else f" (the leading minor of order {k} is not positive-definite)"
    return (f"The factorization could not be completed because the input is not "
            f"positive-definite{detail}.")


def _cholesky(a):
    try:
        lower = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        _raise_per_batch("linalg.cholesky", a, _first_bad_minor, _not_positive_definite)
    if not np.isfinite(lower).all():  # NumPy lets a NaN pivot through; LAPACK's potrf reports it
        stack = a.reshape((-1,) + a.shape[-2:])
        if any(_first_bad_minor(m) for m in stack):
            _raise_per_batch("linalg.cholesky", a, _first_bad_minor, _not_positive_definite)
    return (lower,)


def _qr(a, mode):
    if mode == "r":
        return (np.zeros((0,), a.dtype), np.linalg.qr(a, mode="r"))
    return tuple(np.linalg.qr(a, mode=mode))


_SVD_NOT_FINITE = ("linalg.svd: The algorithm failed to converge because the input matrix contained "
                   "non-finite values.")
_EIGH_FAILED = ("linalg.eigh: The algorithm failed to converge because the input matrix is "
                "ill-conditioned or has too many repeated eigenvalues (or contains non-finite values).")


def _finite_matrices_only(routine, a):
    """routine(a)'s results, where each matrix of a holding inf/NaN gets all-NaN results instead of
    a LAPACK call: OpenBLAS's iterative routines (gesdd, syevd) may never return on such input,
    e.g. svd of [[1, 1, 0], [-inf, 2, 0], [1, -inf, 0]]; PyTorch gives NaN values there too."""
    stack = a.reshape((math.prod(a.shape[:-2]),) + a.shape[-2:])  # not -1: a may be empty
    finite = np.isfinite(stack).all(axis=(-2, -1))
    if finite.all():
        return tuple(routine(a))
    probe = routine(np.zeros((1,) + a.shape[-2:], a.dtype))  # the results' shapes and dtypes
    outs = [np.full((len(stack),) + p.shape[1:], np.nan, p.dtype) for p in probe]
    if finite.any():
        for out, result in zip(outs, routine(stack[finite])):
            out[finite] = result
    return tuple(out.reshape(a.shape[:-2] + out.shape[1:]) for out in outs)


def _svd(a, full_matrices):
    if np.isnan(a).any():  # what PyTorch's gesdd reports for NaN input
        raise LinAlgError(_SVD_NOT_FINITE)
    try:
        return _finite_matrices_only(lambda m: np.linalg.svd(m, full_matrices=full_matrices), a)
    except np.linalg.LinAlgError:
        raise LinAlgError(_SVD_NOT_FINITE) from None


def _eigh(a, uplo):
    try:
        return _finite_matrices_only(lambda m: np.linalg.eigh(m, UPLO=uplo), a)
    except np.linalg.LinAlgError:
        raise LinAlgError(_EIGH_FAILED) from None


def _pinv(a, atol, rtol, hermitian):
    """Moore-Penrose pseudo-inverse from the SVD (the eigendecomposition when hermitian),
    dropping the singular values at or below max(atol, rtol * largest)."""
    if hermitian:
        values, q = _finite_matrices_only(np.linalg.eigh, a)
        s, u, vh = np.abs(values), q, np.swapaxes(q, -1, -2) * np.sign(values)[..., :, None]
    else:
        u, s, vh = _finite_matrices_only(lambda m: np.linalg.svd(m, full_matrices=False), a)
    largest = s.max(-1, keepdims=True, initial=0.0)
    cutoff = np.maximum(atol, rtol * largest)
    kept = s > cutoff
    inverse_s = np.where(kept, 1.0 / np.where(kept, s, 1.0), 0.0)
    result = np.swapaxes(vh, -1, -2) * inverse_s[..., None, :] @ np.swapaxes(u, -1, -2)
    # a matrix with inf/NaN has NaN singular values, none kept: the zero matrix, as PyTorch's
    return (np.where(np.isnan(s).all(-1)[..., None, None], 0.0, result),)


def _solve_triangular(a, b, upper, unitriangular):
    """X with A X = B by substitution, reading only A's upper or lower triangle (and taking
    its diagonal as ones when unitriangular); a zero diagonal gives inf/NaN, as LAPACK's trsm."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    n = a.shape[-1]
    x = np.zeros(b.shape, dtype=np.result_type(a, b))
    for i in (range(n - 1, -1, -1) if upper else range(n)):
        known = slice(i + 1, n) if upper else slice(0, i)
        row = b[..., i, :] - np.einsum("...j,...jk->...k", a[..., i, known], x[..., known, :])
        x[..., i, :] = row if unitriangular else row / a[..., i, i][..., None]
    return (x,)


def _lu_determinant(matrix: np.ndarray) -> float:
    """det of one matrix as getrf's LU gives it: the product of U's diagonal, going on past a
    zero pivot. NumPy's det returns 0 as soon as getrf reports a zero pivot, which differs from
    PyTorch's (and LAPACK's) product when the matrix holds inf/NaN (det [[nan, 0], [0, 0]] is
    NaN in PyTorch)."""
    lu = np.array(matrix, dtype=np.float64)
    n, sign = lu.shape[0], 1.0
    with np.errstate(all="ignore"):
        for k in range(n):
            column = np.abs(lu[k:, k])
            p = k
            for i in range(1, len(column)):  # idamax: the first largest; NaN never wins
                if column[i] > column[p - k]:
                    p = k + i
            if lu[p, k] != 0:
                if p != k:
                    lu[[k, p]] = lu[[p, k]]
                    sign = -sign
                lu[k + 1:, k] /= lu[k, k]
            lu[k + 1:, k + 1:] -= np.outer(lu[k + 1:, k], lu[k, k + 1:])
        return sign * np.prod(np.diag(lu))


def _det(a):
    """det of each matrix: LAPACK through NumPy, but matrices holding inf/NaN by the LU product."""
    with np.errstate(all="ignore"):
        det = np.linalg.det(a)
    finite = np.isfinite(a).all(axis=(-2, -1))
    if not finite.all():
        det = np.array(det, copy=True)
        for index in np.ndindex(finite.shape):
            if not finite[index]:
                det[index] = _lu_determinant(a[index])
    return (np.asarray(det, dtype=a.dtype),)


def _slogdet(a):
    sign, logabsdet = np.linalg.slogdet(a)
    finite = np.isfinite(a).all(axis=(-2, -1))
    if not finite.all():  # from the LU product, as det
        (det,) = _det(a)
        with np.errstate(all="ignore"):
            sign = np.where(finite, sign, np.sign(det))
            logabsdet = np.where(finite, logabsdet, np.log(np.abs(det)))
    return np.where(np.isnan(logabsdet), 0.0, sign), logabsdet  # sign(NaN) = 0, as PyTorch


_ROUTINES = {
    "inv": _inv,
    "det": _det,
    "slogdet": _slogdet,
    "pinv": _pinv,
    "solve": _solve,
    "solve_in_backward": _solve_in_backward,
    "solve_triangular": _solve_triangular,
    "cholesky": _cholesky,
    "qr": _qr,
    "svd": _svd,
    "eigh": _eigh,
}


class _Lapack(Function):
    """A LAPACK routine run on the host: reads the tensor operands, returns the results written
    back to the first operand's device in its dtype. Not differentiable itself: the Functions
    below define the gradients. Called as ``_Lapack.apply(a, routine, *more)``."""

    _primitive = True
    _differentiable = False

    @staticmethod
    def forward(ctx, a, routine, *more):
        backend = a.device.backend
        host = [backend.to_host(x._array) if isinstance(x, Tensor) else x for x in (a,) + more]
        with np.errstate(all="ignore"):  # NaN/inf input gives NaN/inf results, silently as PyTorch
            results = _ROUTINES[routine](*host)
        return tuple(backend.from_host(np.asarray(r), a.dtype) for r in results)


def lapack(routine: str, a: Tensor, *more) -> tuple:
    """The routine's results, a tuple of Tensors on a's device."""
    return _Lapack.apply(a, routine, *more)


# -- small differentiable helpers ------------------------------------------------------------
def diag_embed(v: Tensor) -> Tensor:
    """Vectors to diagonal matrices: (..., n) -> (..., n, n)."""
    n = v.shape[-1]
    return v.unsqueeze(-1) * eye(n, dtype=v.dtype, device=v.device)


def _solve_right(a: Tensor, b: Tensor) -> Tensor:
    """X with X a = b (a square), as solve(a^T, b^T)^T."""
    return Solve.apply(a.mT, b.mT, False).mT


# -- the differentiable Functions ------------------------------------------------------------
class Inv(Function):
    """A^{-1}; d(A^{-1}) = -A^{-1} dA A^{-1}, so grad_A = -A^{-T} grad A^{-T}."""

    @staticmethod
    def forward(ctx, a):
        (out,) = lapack("inv", a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (inverse,) = ctx.saved_tensors
        inverse_t = inverse.mT
        return -(inverse_t @ grad @ inverse_t)


class Solve(Function):
    """X = A^{-1} B for (..., n, n) and (..., n, k) with broadcast batch dims; grad_B =
    A^{-T} grad, grad_A = -grad_B X^T (the engine sums both back over broadcast dims)."""

    @staticmethod
    def forward(ctx, a, b, checked=True):
        """checked=False inside backward formulas: a singular system gives inf/NaN, no error."""
        (x,) = lapack("solve" if checked else "solve_in_backward", a, b)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        grad_b = Solve.apply(a.mT, grad, False)
        needs_a = ctx.needs_input_grad[0]
        return (-(grad_b @ x.mT) if needs_a else None), grad_b, None


class SolveTriangular(Function):
    """X with A X = B for triangular A (upper or lower; unit diagonal when unitriangular) and
    batch dims that broadcast. Backward (PyTorch's): grad_B solves A^T grad_B = grad (the other
    triangle), grad_A = -grad_B X^T restricted to A's triangle (strictly when unitriangular)."""

    @staticmethod
    def forward(ctx, a, b, upper, unitriangular):
        (x,) = lapack("solve_triangular", a, b, upper, unitriangular)
        ctx.flags = (upper, unitriangular)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        upper, unitriangular = ctx.flags
        grad_b = SolveTriangular.apply(a.mT, grad, not upper, unitriangular)
        grad_a = None
        if ctx.needs_input_grad[0]:
            grad_a = -(grad_b @ x.mT)
            grad_a = grad_a.triu(int(unitriangular)) if upper else grad_a.tril(-int(unitriangular))
        return grad_a, grad_b, None, None


def _adjugate_t(a: Tensor, det: Tensor) -> Tensor:
    """adj(A)^T, the gradient of det(A): det * A^{-T} for invertible matrices; where some
    matrix is singular, from the SVD, d det / d s_i = det(U) det(V^T) prod_{j != i} s_j (only
    the singular values get a gradient, so repeated zeros are no problem to first order).
    A matrix holding inf/NaN gets an all-NaN result, as PyTorch's (the SVD refuses NaN)."""
    with no_grad():
        finite = a.isfinite().all(-1).all(-1)
        all_finite = bool(finite.all().item())
    if not all_finite:
        bad = (~finite).unsqueeze(-1).unsqueeze(-1)
        clean = a.masked_fill(bad, 0.0)
        with no_grad():
            (clean_det,) = lapack("det", clean)
        return _adjugate_t(clean, clean_det).masked_fill(bad, math.nan)
    with no_grad():
        singular = bool((det == 0).any().item())
    if not singular:
        return det.unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mT
    u, s, vh = SVD.apply(a, False)
    with no_grad():
        sign = lapack("det", u)[0] * lapack("det", vh)[0]
    n = s.shape[-1]
    others = s.unsqueeze(-2).expand(s.shape[:-1] + (n, n))
    others = others.masked_fill(eye(n, dtype=_dt.bool_, device=s.device), 1.0)
    cofactors = others.prod(-1) * sign.unsqueeze(-1)
    return (u * cofactors.unsqueeze(-2)) @ vh


class Det(Function):
    """det(A) by LU; grad_A = grad * adj(A)^T (also at singular A, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        (out,) = lapack("det", a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, det = ctx.saved_tensors
        return grad.unsqueeze(-1).unsqueeze(-1) * _adjugate_t(a, det)


class Slogdet(Function):
    """(sign, log|det A|); grad_A = grad_logabsdet * A^{-T} (inf/nan at singular A, as PyTorch);
    the sign is an output with a zero gradient (PyTorch's requires grad too)."""

    @staticmethod
    def forward(ctx, a):
        sign, logabsdet = lapack("slogdet", a)
        ctx.save_for_backward(a)
        return sign, logabsdet

    @staticmethod
    def backward(ctx, grad_sign, grad_logabsdet):
        (a,) = ctx.saved_tensors
        with no_grad():
            (det,) = lapack("det", a)
        if bool((det == 0).any().item()):
            inverse_t = _adjugate_t(a, det) / det.unsqueeze(-1).unsqueeze(-1)
        else:
            inverse_t = Inv.apply(a).mT
        return grad_logabsdet.unsqueeze(-1).unsqueeze(-1) * inverse_t


class Pinv(Function):
    """The pseudo-inverse A^+; backward is PyTorch's pinv_backward (Golub and Pereyra), defined
    also for repeated and dropped singular values, written in matmuls (so differentiable again)."""

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        (out,) = lapack("pinv", a, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, pinv = ctx.saved_tensors
        m, n = a.shape[-2], a.shape[-1]
        pinv_t, grad_t = pinv.mT, grad.mT
        if m <= n:
            k = grad_t @ pinv
            k_pinv_t = k @ pinv_t
            grad_a = (-(pinv @ k).mT + k_pinv_t - (a @ pinv) @ k_pinv_t
                      + (pinv_t @ pinv) @ (grad_t - k @ a))
        else:
            k = pinv @ grad_t
            pinv_t_k = pinv_t @ k
            grad_a = (-(k @ pinv).mT + (grad_t - a @ k) @ pinv @ pinv_t + pinv_t_k
                      - pinv_t_k @ pinv @ a)
        return grad_a, None, None, None


class Cholesky(Function):
    """Lower L with A = L L^T (upper: U = L^T). Backward (Murray 2016, PyTorch's form):
    grad_A = L^{-T} Phi(L^T grad_L) L^{-1}, Phi = symmetric part with the diagonal halved."""

    @staticmethod
    def forward(ctx, a, upper):
        (lower,) = lapack("cholesky", a)
        ctx.upper = upper
        out = lower.mT if upper else lower
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        lower, grad_lower = (out.mT, grad.mT) if ctx.upper else (out, grad)
        phi = (lower.mT @ grad_lower).tril()
        phi = 0.5 * (phi + phi.tril(-1).mT)
        grad_a = Solve.apply(lower.mT, phi, False)
        return _solve_right(lower, grad_a), None


def _copyltu(m: Tensor) -> Tensor:
    """The symmetric matrix with m's lower triangle."""
    return m.tril() + m.tril(-1).mT


def _qr_backward_tall(grad_q, grad_r, q, r):
    """Gradient of A = QR for m >= n (reduced): M = R grad_R^T - grad_Q^T Q,
    grad_A = (grad_Q + Q copyltu(M)) R^{-T}."""
    m = r @ grad_r.mT - grad_q.mT @ q
    return _solve_right(r.mT, grad_q + q @ _copyltu(m))


class QR(Function):
    """A = QR by Householder reflections (LAPACK, as PyTorch: the same signs)."""

    @staticmethod
    def forward(ctx, a, mode):
        q, r = lapack("qr", a, mode)
        ctx.mode = mode
        ctx.save_for_backward(q, r)
        ctx.set_materialize_grads(False)
        return q, r

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        q, r = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                               "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                               "differentiate through linalg.qr.")
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        if grad_q is None:
            grad_q = q * 0
        if grad_r is None:
            grad_r = r * 0
        if m >= n:
            return _qr_backward_tall(grad_q, grad_r, q, r), None
        # wide: A = [X | Y], R = [U | V] with U square: X = QU is the tall case with grad_Q
        # gathering Y's dependence on Q, and grad_Y = Q grad_V
        u, v = r[..., :, :m], r[..., :, m:]
        y = q @ v
        grad_u, grad_v = grad_r[..., :, :m], grad_r[..., :, m:]
        grad_x = _qr_backward_tall(grad_q + y @ grad_v.mT, grad_u, q, u)
        return cat([grad_x, q @ grad_v], -1), None


class SVD(Function):
    """A = U diag(S) V^H (LAPACK gesdd). Backward: PyTorch's svd_backward; with repeated
    singular values the gradient through U or V^H divides by zero (inf/NaN), as PyTorch
    documents; a gradient through S alone is always finite."""

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = lapack("svd", a, full_matrices)
        ctx.save_for_backward(u, s, vh)
        ctx.set_materialize_grads(False)
        return u, s, vh

    @staticmethod
    def backward(ctx, grad_u, grad_s, grad_vh):
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        m, n = u.shape[-2], vh.shape[-1]
        u, vh = u[..., :, :k], vh[..., :k, :]  # full_matrices: the extra vectors get no gradient
        grad_u = None if grad_u is None else grad_u[..., :, :k]
        grad_vh = None if grad_vh is None else grad_vh[..., :k, :]
        if grad_u is None and grad_vh is None:
            inner = diag_embed(grad_s if grad_s is not None else s * 0)
            return u @ inner @ vh, None
        return _svd_backward(grad_u, grad_s, grad_vh, u, s, vh, m, n, k), None


def _svd_backward(grad_u, grad_s, grad_vh, u, s, vh, m, n, k):
    squares = s * s
    gaps = squares.unsqueeze(-2) - squares.unsqueeze(-1)  # [i, j] = s_j^2 - s_i^2
    gaps = gaps + eye(k, dtype=s.dtype, device=s.device)
    s_row, s_col = s.unsqueeze(-2), s.unsqueeze(-1)
    inner = 0
    if grad_u is not None:
        uhgu = u.mT @ grad_u
        inner = (uhgu - uhgu.mT) * s_row
    if grad_vh is not None:
        vhgv = vh @ grad_vh.mT
        inner = inner + s_col * (vhgv - vhgv.mT)
    inner = inner / gaps
    if grad_s is not None:
        inner = inner + diag_embed(grad_s)
    if m > k and grad_u is not None:  # tall: the part of grad_U outside span(U)
        grad_us = grad_u / s_row
        return (u @ inner + grad_us - u @ (u.mT @ grad_us)) @ vh
    if n > k and grad_vh is not None:  # wide: the part of grad_V outside span(V)
        grad_vs = grad_vh.mT / s_row
        return u @ (inner @ vh + grad_vs.mT - (grad_vs.mT @ vh.mT) @ vh)
    return u @ inner @ vh


class Eigh(Function):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix, reading the
    lower (UPLO='L') or upper triangle. Backward (PyTorch's): grad_A = V (diag(grad_L) +
    skew(V^T grad_V) / 2 / (L_j - L_i)) V^T; repeated eigenvalues give inf/NaN through V."""

    @staticmethod
    def forward(ctx, a, uplo):
        values, vectors = lapack("eigh", a, uplo)
        ctx.save_for_backward(values, vectors)
        ctx.set_materialize_grads(False)
        return values, vectors

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):
        values, vectors = ctx.saved_tensors
        n = values.shape[-1]
        if grad_vectors is None:
            inner = diag_embed(grad_values if grad_values is not None else values * 0)
        else:
            gaps = values.unsqueeze(-2) - values.unsqueeze(-1)
            gaps = gaps + eye(n, dtype=values.dtype, device=values.device)
            vhgv = vectors.mT @ grad_vectors
            inner = 0.5 * (vhgv - vhgv.mT) / gaps
            if grad_values is not None:
                inner = inner + diag_embed(grad_values)
        return vectors @ inner @ vectors.mT, None
