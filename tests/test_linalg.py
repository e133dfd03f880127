"""tl.linalg: the defining identities of each decomposition over hypothesis-drawn matrices
(well-conditioned: random + (n+1) I; SPD: X X^T + n I; symmetric: X + X^T, distinct eigenvalues
almost surely), float64 gradients and second derivatives (gradcheck / gradgradcheck), PyTorch's
errors, the norms against NumPy, and the two backends. Runs in both passes of the suite (the
tensors live on the default device)."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import tensorlite as tl
from tensorlite.autograd import gradcheck, gradgradcheck
from tensorlite.testing import check_backends_agree

BATCHES = st.sampled_from([(), (2,), (2, 1)])


@st.composite
def matrix_arrays(draw, square=True, conditioned=True, batch=None, max_side=4):
    batch = draw(BATCHES) if batch is None else batch
    m = draw(st.integers(1, max_side))
    n = m if square else draw(st.integers(1, max_side))
    values = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1))).standard_normal(batch + (m, n))
    return values + (m + 1) * np.eye(m) if conditioned and square else values


def t64(array, grad=False):
    return tl.tensor(array, dtype=tl.float64, requires_grad=grad)


def close(a, b, tol=1e-8):
    a = a.detach().cpu().numpy() if isinstance(a, tl.Tensor) else np.asarray(a)
    b = b.detach().cpu().numpy() if isinstance(b, tl.Tensor) else np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def spd(x):
    n = x.shape[-1]
    return x @ x.mT + n * tl.eye(n, dtype=x.dtype, device=x.device)


def identity_like(a):
    return np.broadcast_to(np.eye(a.shape[-1]), a.shape)


# -- the defining identities -----------------------------------------------------------------------
class TestIdentities:
    @given(a=matrix_arrays())
    def test_inverse(self, a):
        A = t64(a)
        close(A @ tl.linalg.inv(A), identity_like(a))
        close(tl.inverse(A), A.inverse())

    @given(a=matrix_arrays(), b=matrix_arrays(batch=()))
    def test_det_is_multiplicative_and_slogdet_agrees(self, a, b):
        A, B = t64(a), t64(b[..., :1, :1] + np.eye(a.shape[-1]))
        close(tl.linalg.det(A @ B), tl.linalg.det(A) * tl.linalg.det(B), 1e-7)
        sign, logabsdet = tl.linalg.slogdet(A)
        close(sign * logabsdet.exp(), np.linalg.det(a), 1e-7)
        close(A.det(), np.linalg.det(a), 1e-7)

    @given(a=matrix_arrays(batch=(2,)), k=st.integers(1, 3),
           b_batch=st.sampled_from([(), (1,), (2,), (3, 2)]))
    def test_solve_broadcasts_its_batch_dims(self, a, k, b_batch):
        n = a.shape[-1]
        b = np.random.default_rng(k).standard_normal(b_batch + (n, k))
        # B of shape A.shape[:-1] is a batch of vectors (PyTorch's rule, tested below)
        assume(b.shape != a.shape[:-1] and b.shape[:-2] + (k, n) != a.shape[:-1])
        X = tl.linalg.solve(t64(a), t64(b))
        assert X.shape == np.broadcast_shapes(a.shape[:-2], b_batch) + (n, k)
        close(t64(a) @ X, np.broadcast_to(b, X.shape))
        Y = tl.linalg.solve(t64(a), t64(b.swapaxes(-1, -2)), left=False)
        close(Y @ t64(a), np.broadcast_to(b.swapaxes(-1, -2), Y.shape))

    @given(a=matrix_arrays(batch=(3,)))
    def test_solve_vector_rule(self, a):
        n = a.shape[-1]
        A = t64(a)
        assert tl.linalg.solve(A, t64(np.ones(n))).shape == (3, n)         # 1-D: a vector
        assert tl.linalg.solve(A, t64(np.ones((3, n)))).shape == (3, n)    # B.shape == A.shape[:-1]
        assert tl.linalg.solve(A, t64(np.ones((3, n, 1)))).shape == (3, n, 1)

    @given(x=matrix_arrays(conditioned=False))
    def test_cholesky(self, x):
        A = spd(t64(x))
        L = tl.linalg.cholesky(A)
        close(L, L.tril())
        assert (np.diagonal(L.cpu().numpy(), axis1=-2, axis2=-1) > 0).all()
        close(L @ L.mT, A)
        U = tl.linalg.cholesky(A, upper=True)
        close(U, L.mT)
        close(tl.cholesky(A, True), U)
        upper_ignored = A.tril() + 100 * (A.triu(1))  # only the lower triangle is read
        close(tl.linalg.cholesky(upper_ignored), L)

    @given(a=matrix_arrays(square=False, conditioned=False), mode=st.sampled_from(["reduced", "complete"]))
    def test_qr(self, a, mode):
        m, n = a.shape[-2:]
        k = min(m, n) if mode == "reduced" else m
        Q, R = tl.linalg.qr(t64(a), mode=mode)
        assert Q.shape == a.shape[:-2] + (m, k) and R.shape == a.shape[:-2] + (k, n)
        close(Q.mT @ Q, identity_like(np.zeros(a.shape[:-2] + (k, k))))
        close(R, R.triu())
        close(Q @ R, a)
        close(tl.linalg.qr(t64(a), mode="r").R, R[..., :min(m, n), :] if mode == "reduced" else
              tl.linalg.qr(t64(a)).R)
        assert tl.linalg.qr(t64(a), mode="r").Q.shape == (0,)

    @given(a=matrix_arrays(square=False, conditioned=False), full=st.booleans())
    def test_svd(self, a, full):
        m, n = a.shape[-2:]
        k = min(m, n)
        U, S, Vh = tl.linalg.svd(t64(a), full_matrices=full)
        assert U.shape[-1] == (m if full else k) and Vh.shape[-2] == (n if full else k)
        s = S.cpu().numpy()
        assert (np.diff(s, axis=-1) <= 0).all() and (s >= 0).all()
        close(U[..., :, :k] * S.unsqueeze(-2) @ Vh[..., :k, :], a)
        close(U.mT @ U, identity_like(np.zeros(a.shape[:-2] + (U.shape[-1],) * 2)))
        close(tl.linalg.svdvals(t64(a)), S)
        U2, S2, V2 = tl.svd(t64(a))  # the legacy form returns V, reduced by default
        close(U2 * S2.unsqueeze(-2) @ V2.mT, a)

    @given(x=matrix_arrays(conditioned=False), uplo=st.sampled_from(["L", "U"]))
    def test_eigh(self, x, uplo):
        A = t64(x + np.swapaxes(x, -1, -2))
        L, V = tl.linalg.eigh(A, UPLO=uplo)
        assert (np.diff(L.cpu().numpy(), axis=-1) >= 0).all()
        close(V * L.unsqueeze(-2) @ V.mT, A)
        close(tl.linalg.eigvalsh(A), L)
        one_triangle = A.tril() if uplo == "L" else A.triu()  # the other triangle is not read
        close(tl.linalg.eigvalsh(one_triangle, UPLO=uplo), L)

    @given(a=matrix_arrays(batch=()), n=st.integers(-3, 4))
    def test_matrix_power(self, a, n):
        expected = np.linalg.matrix_power(a, n)
        close(tl.linalg.matrix_power(t64(a), n), expected, 1e-7)
        close(t64(a).matrix_power(n), expected, 1e-7)

    @given(seed=st.integers(0, 100))
    def test_cross(self, seed):
        a, b = np.random.default_rng(seed).standard_normal((2, 4, 3))
        close(tl.linalg.cross(t64(a), t64(b)), np.cross(a, b))
        with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
            close(tl.cross(t64(a.T), t64(b.T)), np.cross(a, b).T)  # legacy: the first dim of size 3


# -- gradients: float64 gradcheck and gradgradcheck ---------------------------------------------------
def sym(x):
    return x + x.mT


def _svd_first_k(u, s, vh):
    k = s.shape[-1]
    return u[..., :, :k], s, vh[..., :k, :]


GRADIENT_CASES = {
    "inv": (lambda a: tl.linalg.inv(a), True),
    "det": (lambda a: tl.linalg.det(a), True),
    "slogdet": (lambda a: tl.linalg.slogdet(a).logabsdet, True),
    "logdet": (lambda a: tl.logdet(spd(a)), True),
    "solve": (lambda a: tl.linalg.solve(a, a.sum(-1)), True),
    "solve_right": (lambda a: tl.linalg.solve(a, a[..., :1, :], left=False), True),
    "cholesky": (lambda a: tl.linalg.cholesky(spd(a)), True),
    "cholesky_upper": (lambda a: tl.linalg.cholesky(spd(a), upper=True), True),
    "eigh": (lambda a: tuple(tl.linalg.eigh(sym(a))), True),
    "eigvalsh": (lambda a: tl.linalg.eigvalsh(sym(a)), True),
    "matrix_power": (lambda a: tl.linalg.matrix_power(a, -2), True),
    "qr": (lambda a: tuple(tl.linalg.qr(a)), False),
    "svd": (lambda a: tuple(tl.linalg.svd(a, full_matrices=False)), False),
    # full_matrices: the vectors beyond min(m, n) are not unique and get no gradient (PyTorch)
    "svd_full": (lambda a: _svd_first_k(*tl.linalg.svd(a)), False),
    "svdvals": (lambda a: tl.linalg.svdvals(a), False),
    "matrix_norm_nuc": (lambda a: tl.linalg.matrix_norm(a, "nuc"), False),
    "matrix_norm_2": (lambda a: tl.linalg.matrix_norm(a, 2), False),
    "matrix_norm_fro": (lambda a: tl.linalg.matrix_norm(a), False),
    "vector_norm_3": (lambda a: tl.linalg.vector_norm(a, 3, dim=-1), False),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
@given(data=st.data())
def test_gradients_and_second_derivatives(name, data):
    fn, square = GRADIENT_CASES[name]
    a = data.draw(matrix_arrays(square=square, conditioned=square, max_side=3))
    A = t64(a, grad=True)
    assert gradcheck(fn, (A,))
    assert gradgradcheck(fn, (A,))


@given(a=matrix_arrays(batch=(2,)), b_batch=st.sampled_from([(), (1,), (3, 2)]))
def test_solve_gradients_sum_over_broadcast_dims(a, b_batch):
    b = np.random.default_rng(0).standard_normal(b_batch + (a.shape[-1], 2))
    A, B = t64(a, grad=True), t64(b, grad=True)
    assert gradcheck(tl.linalg.solve, (A, B))
    assert gradgradcheck(tl.linalg.solve, (A, B))


@given(a=matrix_arrays(square=False, conditioned=False, batch=()))
def test_qr_and_svd_gradients_of_each_factor(a):
    A = t64(a, grad=True)
    for pick in range(2):
        assert gradcheck(lambda x: tl.linalg.qr(x)[pick], (A,))
    for pick in range(3):
        assert gradcheck(lambda x: tl.linalg.svd(x, full_matrices=False)[pick], (A,))


@pytest.mark.parametrize("a", [[[1., 2.], [2., 4.]], [[1., 2., 3.], [0., 0., 0.], [1., 1., 2.]],
                               [[0., 0.], [0., 0.]]])
def test_det_gradient_at_singular_matrices_is_the_adjugate(a):
    A = t64(np.array(a), grad=True)
    assert gradcheck(tl.linalg.det, (A,))
    (grad,) = tl.autograd.grad(tl.linalg.det(A), A)
    n = len(a)
    cofactors = [[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(np.array(a), i, 0), j, 1))
                  if n > 1 else 1.0 for j in range(n)] for i in range(n)]
    close(grad, cofactors)


def test_repeated_singular_values_and_eigenvalues():
    """As PyTorch: through S (and the eigenvalues) the gradient is defined, through U, Vh (and
    the eigenvectors) it divides by s_j^2 - s_i^2 = 0 and is not finite."""
    A = tl.eye(3, dtype=tl.float64, requires_grad=True)
    (grad,) = tl.autograd.grad(tl.linalg.svdvals(A).sum(), A)
    close(grad, np.eye(3))
    (grad,) = tl.autograd.grad(tl.linalg.eigvalsh(A).sum(), A)
    close(grad, np.eye(3))
    U, S, Vh = tl.linalg.svd(A)
    (grad,) = tl.autograd.grad((U + Vh).sum(), A)
    assert not np.isfinite(grad.cpu().numpy()).all()
    L, V = tl.linalg.eigh(A)
    (grad,) = tl.autograd.grad(V.sum(), A)
    assert not np.isfinite(grad.cpu().numpy()).all()


def test_qr_gradient_errors_are_pytorchs():
    A = tl.randn(4, 3, dtype=tl.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="not computed when mode='r'"):
        tl.linalg.qr(A, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        tl.linalg.qr(A, mode="complete").Q.sum().backward()


# -- norms against NumPy -----------------------------------------------------------------------------
@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, 0, math.inf, -math.inf, -1, -2.5], ids=str)
@given(a=matrix_arrays(square=False, conditioned=False, batch=(2,)), keepdim=st.booleans(),
       dim=st.sampled_from([None, 0, -1, (0, 2), (1,)]))
def test_vector_norm(ord, a, keepdim, dim):
    got = tl.linalg.vector_norm(t64(a), ord, dim, keepdim)
    flat = a.reshape(-1) if dim is None else a
    axes = None if dim is None else (dim if isinstance(dim, tuple) else (dim,))
    abs_a = np.abs(flat)
    if ord == math.inf:
        expected = abs_a.max(axis=axes, keepdims=keepdim)
    elif ord == -math.inf:
        expected = abs_a.min(axis=axes, keepdims=keepdim)
    elif ord == 0:
        expected = (abs_a != 0).sum(axis=axes, keepdims=keepdim).astype(float)
    else:
        with np.errstate(divide="ignore"):
            expected = (abs_a ** ord).sum(axis=axes, keepdims=keepdim) ** (1 / ord)
    if dim is None and keepdim:
        expected = expected.reshape((1,) * a.ndim)
    close(got, expected)


@pytest.mark.parametrize("ord", ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2], ids=str)
@given(a=matrix_arrays(square=False, conditioned=False, batch=(2,)), keepdim=st.booleans(),
       dim=st.sampled_from([(-2, -1), (-1, -2), (0, 2), (2, 0)]))
def test_matrix_norm(ord, a, keepdim, dim):
    got = tl.linalg.matrix_norm(t64(a), ord, dim, keepdim)
    close(got, np.linalg.norm(a, ord, axis=dim, keepdims=keepdim))
    if dim == (-2, -1) and not keepdim:
        close(tl.linalg.norm(t64(a), ord, dim), got)


def test_norm_dispatch():
    v, m = t64(np.array([3., -4.])), t64(np.array([[3., 0.], [0., -4.]]))
    close(tl.linalg.norm(v), 5.0)
    close(tl.linalg.norm(v, 1), 7.0)
    close(tl.linalg.norm(m), 5.0)                      # flattened 2-norm
    close(tl.linalg.norm(m, 2), 4.0)                   # 2-D with ord: the matrix (spectral) norm
    close(tl.linalg.norm(m, 1, dim=1), [3.0, 4.0])     # an int dim: vector norms
    close(tl.linalg.norm(m, "nuc", dim=(0, 1)), 7.0)


# -- errors (PyTorch's types and messages) -------------------------------------------------------------
SINGULAR = [[1., 2., 3.], [2., 4., 6.], [1., 1., 1.]]


@pytest.mark.parametrize("call,error,message", [
    (lambda: tl.linalg.inv(tl.tensor(SINGULAR)), tl.linalg.LinAlgError,
     "linalg.inv: The diagonal element 3 is zero, the inversion could not be completed because the input "
     "matrix is singular."),
    (lambda: tl.linalg.inv(tl.stack([tl.eye(3), tl.tensor(SINGULAR)])), tl.linalg.LinAlgError,
     "linalg.inv: (Batch element 1): The diagonal element 3 is zero"),
    (lambda: tl.linalg.inv(tl.tensor([[1., 2.], [2., 4.]])), tl.linalg.LinAlgError,
     "linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input "
     "matrix is singular."),
    (lambda: tl.linalg.solve(tl.tensor(SINGULAR), tl.ones(3)), tl.linalg.LinAlgError,
     "torch.linalg.solve: The solver failed because the input matrix is singular."),
    (lambda: tl.linalg.cholesky(tl.tensor([[1., 2.], [2., 1.]])), tl.linalg.LinAlgError,
     "linalg.cholesky: The factorization could not be completed because the input is not positive-definite "
     "(the leading minor of order 2 is not positive-definite)."),
    (lambda: tl.linalg.cholesky(tl.stack([tl.eye(2), -tl.eye(2)])), tl.linalg.LinAlgError,
     "linalg.cholesky: (Batch element 1): The factorization could not be completed because the input is not "
     "positive-definite (the leading minor of order 1 is not positive-definite)."),
    (lambda: tl.linalg.cholesky(tl.tensor([[math.nan, 0.], [0., 1.]])), tl.linalg.LinAlgError,
     "linalg.cholesky: The factorization could not be completed"),
    (lambda: tl.linalg.inv(tl.ones(3, 2)), RuntimeError,
     "linalg.inv: A must be batches of square matrices, but they are 3 by 2 matrices"),
    (lambda: tl.linalg.det(tl.ones(3)), RuntimeError,
     "linalg.det: The input tensor A must have at least 2 dimensions."),
    (lambda: tl.linalg.inv(tl.ones(2, 2, dtype=tl.int64)), RuntimeError,
     "linalg.inv: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: tl.linalg.inv(tl.ones(2, 2, dtype=tl.float16, device="cpu")), RuntimeError,
     "linalg.inv: Low precision dtypes not supported. Got Half"),
    (lambda: tl.linalg.solve(tl.eye(2), tl.ones(3)), RuntimeError,
     "linalg.solve: Incompatible shapes of A and B for the equation AX = B (2x2 and 3x1)"),
    (lambda: tl.linalg.solve(tl.eye(2), tl.ones(2), left=False), RuntimeError,
     "linalg.solve: Incompatible shapes of A and B for the equation XA = B (2x2 and 2x1)"),
    (lambda: tl.linalg.solve(tl.eye(2), tl.eye(2, dtype=tl.float64)), RuntimeError,
     "linalg.solve: Expected A and B to have the same dtype, but found A of type Float and B of type Double"),
    (lambda: tl.linalg.qr(tl.eye(2), mode="full"), RuntimeError,
     "qr received unrecognized mode 'full' but expected one of 'reduced' (default), 'r', or 'complete'"),
    (lambda: tl.linalg.eigh(tl.eye(2), UPLO="X"), RuntimeError,
     "Expected UPLO argument to be 'L' or 'U', but got X"),
    (lambda: tl.linalg.matrix_norm(tl.eye(2), ord=3), RuntimeError, "linalg.matrix_norm: Order 3 not supported."),
    (lambda: tl.linalg.matrix_norm(tl.eye(2), dim=(0, 0)), RuntimeError,
     "linalg.matrix_norm: dims must be different. Got (0, 0)"),
    (lambda: tl.linalg.matrix_norm(tl.ones(2, 2, 2), dim=(0, 1, 2)), RuntimeError,
     "linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 2"),
    (lambda: tl.linalg.norm(tl.ones(2, 2, 2), ord=2), RuntimeError,
     "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."),
    (lambda: tl.linalg.norm(tl.ones(2, 2, 2), dim=(0, 1, 2)), RuntimeError,
     "linalg.norm: If dim is specified, it must be of length 1 or 2. Got [0, 1, 2]"),
    (lambda: tl.linalg.vector_norm(tl.ones(2), ord="fro"), TypeError,
     "linalg_vector_norm(): argument 'ord' must be Number, not str"),
    (lambda: tl.linalg.vector_norm(tl.ones(2, dtype=tl.float64), dtype=tl.float32), RuntimeError,
     "linalg.vector_norm: the dtype of the input (Double) should be convertible without narrowing"),
    (lambda: tl.linalg.matrix_power(tl.eye(2), 1.5), TypeError,
     "linalg_matrix_power(): argument 'n' (position 2) must be int, not float"),
    (lambda: tl.linalg.cross(tl.ones(2, 2), tl.ones(2, 2)), RuntimeError,
     "linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2"),
    (lambda: tl.linalg.cross(tl.ones(3), tl.ones(3, dtype=tl.int64)), RuntimeError,
     "linalg.cross: expected both inputs to have the same dtype, but got Float and Long"),
    (lambda: tl.linalg.matrix_norm(tl.ones(2, 2, dtype=tl.int64), dtype=tl.float64), RuntimeError,
     "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: tl.linalg.solve(tl.eye(2), tl.tensor(1.)), RuntimeError,
     "linalg.solve: The input tensor B must have at least 2 dimensions."),
])
def test_errors(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message)
    assert isinstance(info.value, RuntimeError) or error is TypeError


def test_linalg_error_is_a_runtime_error():
    assert issubclass(tl.linalg.LinAlgError, RuntimeError)


# -- devices -----------------------------------------------------------------------------------------
BACKEND_CASES = {
    "inv": (lambda a: tl.linalg.inv(a), True),
    "det": (lambda a: tl.linalg.det(a), True),
    "slogdet": (lambda a: tl.linalg.slogdet(a).logabsdet, True),
    "solve": (lambda a: tl.linalg.solve(a, a[..., 0]), True),
    "cholesky": (lambda a: tl.linalg.cholesky(spd(a)), True),
    "eigvalsh": (lambda a: tl.linalg.eigvalsh(sym(a)), True),
    "qr_r": (lambda a: tl.linalg.qr(a).R.abs(), False),
    "svdvals": (lambda a: tl.linalg.svdvals(a), False),
    "matrix_norm_fro": (lambda a: tl.linalg.matrix_norm(a), False),
    "matrix_norm_inf": (lambda a: tl.linalg.matrix_norm(a, math.inf), False),
    "vector_norm": (lambda a: tl.linalg.vector_norm(a, 3, dim=-1), False),
    "matrix_power": (lambda a: tl.linalg.matrix_power(a, 3), True),
}


@pytest.mark.backend_pair
@pytest.mark.parametrize("name", sorted(BACKEND_CASES))
@given(data=st.data())
def test_backends_agree(name, data, opencl):
    fn, square = BACKEND_CASES[name]
    a = data.draw(matrix_arrays(square=square, conditioned=square, batch=(2,)))
    check_backends_agree(fn, tl.tensor(a, dtype=tl.float32), device=opencl, rtol=1e-4, atol=1e-4)


@pytest.mark.backend_pair
@pytest.mark.parametrize("ord", ["fro", 1, math.inf])
def test_norms_run_on_the_device(opencl, monkeypatch, ord):
    """vector_norm and the 'fro'/abs-sum matrix norms are device ops: no host read."""
    from tensorlite.backends.opencl.backend import OpenCLBackend
    A = tl.randn(3, 4, device=opencl, requires_grad=True)
    reads = []
    to_host = OpenCLBackend.to_host
    monkeypatch.setattr(OpenCLBackend, "to_host", lambda self, x: reads.append(x.shape) or to_host(self, x))
    out = tl.linalg.matrix_norm(A, ord) + tl.linalg.vector_norm(A, 2) + tl.linalg.norm(A, dim=1).sum()
    out.backward()
    assert reads == []
    monkeypatch.undo()
    assert out.device == A.device and A.grad.device == A.device


@pytest.mark.backend_pair
def test_decompositions_leave_results_on_the_device(opencl):
    A = tl.eye(3, device=opencl) * 2
    for out in (tl.linalg.inv(A), tl.linalg.det(A), *tl.linalg.svd(A), *tl.linalg.qr(A), *tl.linalg.eigh(A)):
        assert out.device == A.device


# -- empty input ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3), (3, 0)])
def test_max_type_matrix_norms_of_empty_matrices_are_zero(shape):
    A = tl.zeros(shape)
    for ord in (2, 1, math.inf, "fro", "nuc"):
        out = tl.linalg.matrix_norm(A, ord)
        assert out.shape == shape[:-2] and (out == 0).all()
    with pytest.raises(IndexError):  # the smallest singular value of none (amin's error)
        tl.linalg.matrix_norm(A, -2)


@pytest.mark.parametrize("ord", [math.inf, -math.inf, -1, -0.5])
def test_norms_without_identity_refuse_empty_dims(ord):
    """max, min and negative powers have no value over no elements (PyTorch raises; a sum of
    negative powers used to give inf)."""
    with pytest.raises(RuntimeError, match="cannot compute the .* norm on the dimension -1"):
        tl.linalg.vector_norm(tl.ones(2, 0), ord, dim=-1)
    with pytest.raises(RuntimeError, match="cannot compute the .* norm on an empty tensor"):
        tl.linalg.vector_norm(tl.ones(0), ord)
    with pytest.raises(RuntimeError, match="norm over the empty dim"):
        tl.norm(tl.ones(0), p=ord)
    assert tl.linalg.vector_norm(tl.ones(2, 0), 2, dim=-1).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name", ["inv", "det", "cholesky", "eigvalsh", "svdvals"])
def test_empty_batches_and_matrices(name):
    fn = getattr(tl.linalg, name)
    assert fn(tl.zeros(0, 2, 2)).shape[0] == 0
    out = fn(tl.zeros(0, 0))
    assert out.numel() == (1 if name == "det" else 0)


# -- non-finite input ------------------------------------------------------------------------------------
def test_non_finite_input_raises_pytorchs_errors_or_gives_nan_silently(recwarn):
    nan_matrix = tl.tensor([[math.nan, 1.], [1., 2.]])
    with pytest.raises(tl.linalg.LinAlgError, match="linalg.svd: The algorithm failed to converge"):
        tl.linalg.svd(nan_matrix)
    with pytest.raises(tl.linalg.LinAlgError, match="leading minor of order 1 is not positive-definite"):
        tl.linalg.cholesky(nan_matrix)
    sign, logabsdet = tl.linalg.slogdet(nan_matrix)
    assert sign.item() == 0 and math.isnan(logabsdet.item())  # sign(NaN) = 0, as PyTorch
    assert math.isnan(tl.linalg.det(nan_matrix).item())
    # an infinite diagonal entry factors (LAPACK's potrf does not fail on it)
    L = tl.linalg.cholesky(tl.tensor([[math.inf, 1.], [1., 2.]]))
    assert L[1, 1].item() == pytest.approx(math.sqrt(2))
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]  # NumPy's stay quiet


def test_logdet_of_a_negative_determinant_is_nan_with_zero_gradient():
    A = t64(np.array([[-2.0]]), grad=True)
    out = tl.logdet(A)
    out.backward()
    assert math.isnan(out.item()) and A.grad.item() == 0  # PyTorch: where(sign < 0, nan, ...)
    assert tl.logdet(tl.zeros(2, 2)).item() == -math.inf


# -- pinv, matrix_rank ---------------------------------------------------------------------------------
@given(a=matrix_arrays(square=False, conditioned=False), rank_one=st.booleans())
def test_pinv_satisfies_the_penrose_conditions(a, rank_one):
    if rank_one:
        a = a[..., :, :1] * a[..., :1, :]
    A = t64(a)
    P = tl.linalg.pinv(A)
    close(A @ P @ A, a, 1e-7)
    close(P @ A @ P, P, 1e-7)
    close((A @ P).mT, A @ P, 1e-7)
    close((P @ A).mT, P @ A, 1e-7)
    close(tl.pinverse(A), P, 1e-7)
    expected_rank = np.linalg.matrix_rank(a) if a.ndim == 2 else [np.linalg.matrix_rank(m) for m in a.reshape((-1,) + a.shape[-2:])]
    assert tl.linalg.matrix_rank(A).reshape(-1).tolist() == list(np.ravel(expected_rank))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_pinv_gradients(shape):
    A = tl.randn(shape, dtype=tl.float64, requires_grad=True)
    assert gradcheck(tl.linalg.pinv, (A,)) and gradgradcheck(tl.linalg.pinv, (A,))
    S = t64(np.array([[2., 1.], [1., 3.]]), grad=True)
    assert gradcheck(lambda s: tl.linalg.pinv(s + s.mT, hermitian=True), (S,))  # symmetric input, as PyTorch tests it


def test_pinv_gradient_is_finite_where_singular_values_repeat():
    A = tl.eye(3, dtype=tl.float64, requires_grad=True)
    (grad,) = tl.autograd.grad(tl.linalg.pinv(A).sum(), A)
    close(grad, -np.ones((3, 3)))  # d(A^-1) at I: -1 everywhere for the all-ones upstream


def test_tolerances_drop_small_singular_values():
    A = t64(np.diag([4.0, 1.0, 1e-3]))
    assert tl.linalg.matrix_rank(A).item() == 3
    assert tl.linalg.matrix_rank(A, atol=0.01).item() == 2
    assert tl.linalg.matrix_rank(A, rtol=0.5).item() == 1
    close(tl.linalg.pinv(A, atol=0.01), np.diag([0.25, 1.0, 0.0]))


# -- solve_triangular, vecdot, multi_dot ---------------------------------------------------------------
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
@given(a=matrix_arrays(batch=(2,)), k=st.integers(1, 3))
def test_solve_triangular(upper, left, unitriangular, a, k):
    n = a.shape[-1]
    b = np.random.default_rng(k).standard_normal((n, k) if left else (k, n))
    triangle = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        triangle = triangle - np.diagonal(triangle, axis1=-2, axis2=-1)[..., None] * np.eye(n) + np.eye(n)
    X = tl.linalg.solve_triangular(t64(a), t64(b), upper=upper, left=left, unitriangular=unitriangular)
    close(t64(triangle) @ X if left else X @ t64(triangle), np.broadcast_to(b, X.shape))
    fn = lambda a, b: tl.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unitriangular)
    inputs = (t64(a, grad=True), t64(b, grad=True))
    assert gradcheck(fn, inputs) and gradgradcheck(fn, inputs)


def test_solve_triangular_with_a_zero_diagonal_gives_inf_and_nan_not_an_error():
    X = tl.linalg.solve_triangular(tl.zeros(2, 2), tl.ones(2, 1), upper=True)
    assert math.isnan(X[0, 0].item()) and X[1, 0].item() == math.inf


@given(seed=st.integers(0, 100))
def test_vecdot_and_multi_dot(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal(3)
    close(tl.linalg.vecdot(t64(x), t64(y)), x @ y)
    mats = [rng.standard_normal(3), rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)]
    close(tl.linalg.multi_dot([t64(m) for m in mats]), np.linalg.multi_dot(mats))
    leaves = [t64(m, grad=True) for m in mats]
    assert gradcheck(lambda *ms: tl.linalg.multi_dot(list(ms)), leaves)
    assert gradgradcheck(lambda a, b: tl.linalg.vecdot(a, b), (t64(x, grad=True), t64(y, grad=True)))


@pytest.mark.parametrize("call,message", [
    (lambda: tl.linalg.solve_triangular(tl.eye(2), tl.ones(2), upper=True),
     "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."),
    (lambda: tl.linalg.solve_triangular(tl.eye(2), tl.ones(3, 1), upper=True),
     "linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B (2x2 and 3x1)"),
    (lambda: tl.linalg.vecdot(tl.ones(3), tl.ones(3, dtype=tl.float64)),
     "linalg.vecdot: Expected x and y to have the same dtype, but found x of type Float and y of type Double"),
    (lambda: tl.linalg.multi_dot([tl.ones(2, 3)]), "multi_dot(): expected at least 2 tensors but got 1"),
    (lambda: tl.linalg.multi_dot([tl.ones(2, 3), tl.ones(4, 5)]),
     "multi_dot(): tensors 0 and 1 with shapes [2, 3] and [4, 5] cannot be multiplied"),
    (lambda: tl.linalg.multi_dot([tl.ones(2, 3), tl.ones(3), tl.ones(3, 2)]),
     "multi_dot(): tensor 1 must be 2D but got 1D"),
])
def test_triangular_and_chain_errors(call, message):
    with pytest.raises(RuntimeError) as info:
        call()
    assert str(info.value).startswith(message)


_INF_MATRIX_SCRIPT = """
import tensorlite as tl
inf = float("inf")
a = tl.tensor([[[1., 1, 0], [-inf, 2, 0], [1, -inf, 0]], [[1., 1, 0], [1, 2, 0], [1, 3, 0]]],
              dtype=tl.float64, requires_grad=True)
print(tl.linalg.svdvals(a)[0].isnan().all().item(), tl.linalg.eigvalsh(a)[0].isnan().all().item(),
      tl.linalg.pinv(a)[0].eq(0).all().item(), tl.linalg.svdvals(a)[1].isnan().any().item())
tl.linalg.det(a).sum().backward()  # one singular matrix: the adjugate from the SVD of the batch
print(a.grad[0].isnan().all().item(), a.grad[1].isfinite().all().item())
"""


def test_matrices_with_inf_give_nan_without_calling_lapack():
    """OpenBLAS's gesdd never returns on this inf matrix (a hang, found through det's gradient at
    a singular batch): matrices holding inf/NaN get NaN results (pinv: zeros), as PyTorch's."""
    import subprocess
    import sys
    run = subprocess.run([sys.executable, "-c", _INF_MATRIX_SCRIPT], capture_output=True, text=True,
                         timeout=120, env={**__import__("os").environ, "TENSORLITE_DEVICE": "cpu"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True", "True", "False", "True", "True"]


def test_solve_backward_never_raises_where_the_forward_solved():
    """[[0, 0], [1, inf]] solves (LAPACK finds no zero pivot) but its transpose has one: the
    backward's adjoint solve gives NaN instead of raising, as PyTorch's (which reuses the LU)."""
    a = tl.tensor([[0., 0.], [1., math.inf]], dtype=tl.float64, requires_grad=True)
    b = tl.ones(2, 1, dtype=tl.float64, requires_grad=True)
    tl.linalg.solve(a, b).sum().backward()
    assert a.grad.shape == (2, 2) and b.grad.isnan().any().item()
    with pytest.raises(tl.linalg.LinAlgError, match="singular"):  # the forward still checks
        tl.linalg.solve(a.detach().mT, b.detach())


# det [[nan, 0], [0, 0]]: PyTorch multiplies the LU diagonal (NaN); NumPy's det stops at the zero
# pivot and says 0. Expected values are PyTorch 2.13's.
@pytest.mark.parametrize("matrix, det", [
    ([[math.nan, 0.0], [0.0, 0.0]], math.nan),
    ([[0.0, 0.0], [math.inf, 0.0]], math.nan),
    ([[math.inf, 0.0], [0.0, 2.0]], math.inf),
    ([[0.0, 1.0], [math.inf, 0.0]], -math.inf),
    ([[1.0, 2.0], [3.0, 4.0]], -2.0),
])
def test_det_of_non_finite_matrices_is_the_lu_product(matrix, det):
    a = tl.tensor(matrix, dtype=tl.float64)
    got = tl.linalg.det(a).item()
    assert got == pytest.approx(det, nan_ok=True)
    sign, logabsdet = tl.linalg.slogdet(a)
    expected_sign = 0.0 if math.isnan(det) else math.copysign(1.0, det)
    assert sign.item() == expected_sign
    assert logabsdet.item() == pytest.approx(math.log(abs(det)), nan_ok=True)


def test_det_backward_through_non_finite_matrices_is_nan_not_an_error():
    a = tl.tensor([[[math.nan, 0.0], [0.0, 0.0]], [[0.0, 0.0], [math.inf, 0.0]], [[1.0, 2.0], [3.0, 4.0]]],
                  dtype=tl.float64, requires_grad=True)
    tl.linalg.det(a).sum().backward()
    assert np.isnan(a.grad[:2].numpy()).all()
    np.testing.assert_allclose(a.grad[2].numpy(), [[4.0, -3.0], [-2.0, 1.0]])
