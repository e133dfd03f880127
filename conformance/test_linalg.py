"""tl.linalg against torch.linalg: values, gradients, second derivatives and errors of the norms
and decompositions, over batched well-conditioned matrices (random plus a multiple of the
identity), SPD matrices (X X^T + n I) and symmetric ones (X + X^T, distinct eigenvalues almost
surely), on both devices."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from harness import Arr, check

BATCHES = st.sampled_from([(), (2,), (1, 3), (0,)])


@st.composite
def matrices(draw, square=True, conditioned=True, dtype="float64", grad=True, batch=None):
    """An Arr of (batch..., m, n) matrices; ``conditioned`` adds n I (well away from singular)."""
    batch = draw(BATCHES) if batch is None else batch
    m = draw(st.integers(1, 4))
    n = m if square else draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    values = np.random.default_rng(seed).standard_normal(batch + (m, n))
    if conditioned and square:
        values = values + (m + 1) * np.eye(m)
    return Arr(values.astype(dtype), requires_grad=grad)


def spd(lib, x):
    n = x.shape[-1]
    return x @ x.mT + n * lib.eye(n, dtype=x.dtype, device=x.device)


def sym(lib, x):
    return x + x.mT


def column_signs(vectors):
    """+-1 per column making its first entry non-negative: eigenvectors and singular vectors are
    unique up to sign only, and two LAPACKs (PyTorch's and NumPy's) may pick different signs, so
    the tests compare the vectors in this gauge (sign() has a zero gradient: gradients compare)."""
    first = vectors[..., :1, :]
    return (first >= 0).to(vectors.dtype) * 2 - 1


def eigh_gauged(lib, a, **kwargs):
    values, vectors = lib.linalg.eigh(a, **kwargs)
    return values, vectors * column_signs(vectors)


def svd_gauged(lib, u, s, vh):
    """U, S, Vh with the first k columns of U (rows of Vh) in the column_signs gauge."""
    k = s.shape[-1]
    signs = column_signs(u[..., :, :k])
    extra_u, extra_vh = u[..., :, k:], vh[..., k:, :]  # full_matrices: each in its own gauge
    u = lib.cat([u[..., :, :k] * signs, extra_u * column_signs(extra_u)], -1)
    vh = lib.cat([vh[..., :k, :] * signs.mT, extra_vh * column_signs(extra_vh.mT).mT], -2)
    return u, s, vh


# -- decompositions: values, gradients, second derivatives ------------------------------------
SQUARE_OPS = {
    "inv": lambda lib, a: lib.linalg.inv(a),
    "det": lambda lib, a: lib.linalg.det(a),
    "slogdet": lambda lib, a: tuple(lib.linalg.slogdet(a)),
    "logdet": lambda lib, a: lib.logdet(a),
    "inverse": lambda lib, a: lib.inverse(a),
    "det_method": lambda lib, a: a.det(),
    "cholesky": lambda lib, a: lib.linalg.cholesky(spd(lib, a)),
    "cholesky_upper": lambda lib, a: lib.linalg.cholesky(spd(lib, a), upper=True),
    "cholesky_legacy": lambda lib, a: lib.cholesky(spd(lib, a), True),
    "eigh": lambda lib, a: eigh_gauged(lib, sym(lib, a)),
    "eigh_upper": lambda lib, a: eigh_gauged(lib, a, UPLO="U"),
    "eigvalsh": lambda lib, a: lib.linalg.eigvalsh(sym(lib, a)),
    "matrix_power_3": lambda lib, a: lib.linalg.matrix_power(a, 3),
    "matrix_power_-2": lambda lib, a: lib.linalg.matrix_power(a, -2),
    "matrix_power_0": lambda lib, a: lib.linalg.matrix_power(a, 0),
}


@pytest.mark.parametrize("name", sorted(SQUARE_OPS))
@given(a=matrices())
def test_square_matrix_functions(name, a):
    check(SQUARE_OPS[name], a, grad2=True)


GENERAL_OPS = {
    "qr": lambda lib, a: tuple(lib.linalg.qr(a)),
    "qr_complete": lambda lib, a: tuple(lib.linalg.qr(a, mode="complete")),
    "qr_r": lambda lib, a: tuple(lib.linalg.qr(a, mode="r")),
    "qr_legacy": lambda lib, a: tuple(lib.qr(a, some=False)),
    "svd": lambda lib, a: svd_gauged(lib, *lib.linalg.svd(a, full_matrices=False)),
    "svd_full": lambda lib, a: svd_gauged(lib, *lib.linalg.svd(a)),
    "svd_legacy": lambda lib, a: svd_legacy_gauged(lib, *lib.svd(a)),
    "svdvals": lambda lib, a: lib.linalg.svdvals(a),
}


def svd_legacy_gauged(lib, u, s, v):
    u, s, vh = svd_gauged(lib, u, s, v.mT)
    return u, s, vh.mT


@pytest.mark.parametrize("name", sorted(GENERAL_OPS))
@given(a=matrices(square=False, batch=()))
def test_rectangular_decompositions(name, a):
    # first and second derivatives; PyTorch's own errors (mode='r', complete and tall) must match
    check(GENERAL_OPS[name], a, grad2=True)


@pytest.mark.parametrize("name", ["svd", "qr", "svdvals"])
@given(a=matrices(square=False, batch=(2,)))
def test_batched_decompositions(name, a):
    check(GENERAL_OPS[name], a, grad2=True)


@given(a=matrices(batch=(2,)), b_batch=st.sampled_from([(), (2,), (1,), (3, 2), (3, 1)]),
       k=st.integers(0, 3), vector=st.booleans(), left=st.booleans())
def test_solve_broadcasting_and_the_vector_rule(a, b_batch, k, vector, left):
    n = a.array.shape[-1]
    shape = b_batch + ((n,) if vector else ((n, k) if left else (k, n)))
    b = Arr(np.random.default_rng(k).standard_normal(shape), requires_grad=True)
    check(lambda lib, a, b: lib.linalg.solve(a, b, left=left), a, b, grad2=True)


@given(a=matrices(batch=()), shape=st.sampled_from([(2,), (3, 1), (2, 3, 4), (4, 4, 1), (5,)]))
def test_solve_shape_errors(a, shape):
    b = Arr(np.ones(shape))
    check(lambda lib, a, b: lib.linalg.solve(a, b), a, b)


# -- singular, not positive-definite and other bad input: the same exception type ---------------
SINGULAR = np.array([[1., 2., 3.], [2., 4., 6.], [1., 1., 1.]])
# with a zero row every LU ends in an exact zero pivot (the rounding of SINGULAR's last pivot
# differs between PyTorch's det and its inv, so its determinant is not pinned)
ZERO_ROW = np.array([[1., 2., 3.], [0., 0., 0.], [1., 1., 2.]])


@pytest.mark.parametrize("name", ["inv", "solve", "cholesky", "det", "slogdet"])
@pytest.mark.parametrize("batched", [False, True])
def test_singular_and_indefinite_matrices(name, batched):
    singular = ZERO_ROW if name in ("det", "slogdet") else SINGULAR
    a = np.stack([np.eye(3), singular]) if batched else singular
    calls = {"inv": lambda lib, a: lib.linalg.inv(a),
             "solve": lambda lib, a: lib.linalg.solve(a, lib.ones(3, dtype=a.dtype)),
             "cholesky": lambda lib, a: lib.linalg.cholesky(a),
             "det": lambda lib, a: lib.linalg.det(a),
             "slogdet": lambda lib, a: tuple(lib.linalg.slogdet(a))}
    # gradients at a singular matrix are not compared: det's is the adjugate here, PyTorch 2.13
    # gives 0 without create_graph (and the adjugate with it); slogdet's are inf/nan either way
    check(calls[name], Arr(a, requires_grad=True), grad=False)


def test_singular_error_messages_match_pytorch():
    import torch
    import tensorlite as tl
    for a in (SINGULAR, np.stack([np.eye(3), SINGULAR]), np.zeros((2, 2))):
        for fn in (lambda lib, x: lib.linalg.inv(x), lambda lib, x: lib.linalg.cholesky(x - 5 * lib.eye(x.shape[-1], dtype=x.dtype)),
                   lambda lib, x: lib.linalg.solve(x, lib.ones(x.shape[-1], dtype=x.dtype))):
            messages = []
            for lib in (torch, tl):
                with pytest.raises(RuntimeError) as info:
                    fn(lib, lib.tensor(a))
                messages.append(str(info.value))
            assert messages[0] == messages[1]


@pytest.mark.parametrize("call", [
    lambda lib, a: lib.linalg.inv(a[..., :2]),
    lambda lib, a: lib.linalg.det(a[0, 0]),
    lambda lib, a: lib.linalg.inv(a.long()),
    lambda lib, a: lib.linalg.eigh(a, UPLO="X"),
    lambda lib, a: lib.linalg.qr(a, mode="full"),
    lambda lib, a: lib.linalg.cholesky(a[..., :2]),
    lambda lib, a: lib.linalg.svd(a[0]),
    lambda lib, a: lib.linalg.matrix_norm(a, ord=3),
    lambda lib, a: lib.linalg.matrix_norm(a, dim=(0, 0)),
    lambda lib, a: lib.linalg.matrix_norm(a[0]),
    lambda lib, a: lib.linalg.norm(a.unsqueeze(0), ord=2),
    lambda lib, a: lib.linalg.norm(a, dim=(0, 1, 1)),
    lambda lib, a: lib.linalg.vector_norm(a, ord="fro"),
    lambda lib, a: lib.linalg.matrix_power(a[..., :2], 2),
    lambda lib, a: lib.linalg.matrix_power(a, 1.5),
    lambda lib, a: lib.linalg.solve(a, a.double()),
    lambda lib, a: lib.linalg.cross(a, a),
    lambda lib, a: lib.linalg.cross(a[0], a),
    lambda lib, a: lib.linalg.cross(a, a.long()),
    lambda lib, a: lib.linalg.matrix_norm(a.long(), dtype=lib.float64),
    lambda lib, a: lib.linalg.matrix_norm(a.half(), "nuc"),
    lambda lib, a: lib.linalg.solve(a, a[0, 0]),
    lambda lib, a: lib.linalg.vector_norm(a.long()),
    lambda lib, a: lib.linalg.vector_norm(a, True),  # a bool ord is the number 1
])
def test_bad_input_raises_as_pytorch(call):
    check(call, Arr(np.eye(3, dtype=np.float32) + 1), exact_error=True)


# -- norms -----------------------------------------------------------------------------------------
MATRIX_ORDS = ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2]


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
@given(a=matrices(square=False, conditioned=False, batch=(2,)), keepdim=st.booleans(),
       dim=st.sampled_from([(-2, -1), (-1, -2), (0, 2), (2, 1)]))
def test_matrix_norm(ord, a, keepdim, dim):
    second = ord not in (math.inf, -math.inf, 1, -1)  # abs and max: kinks, first order only
    check(lambda lib, a: lib.linalg.matrix_norm(a, ord=ord, dim=dim, keepdim=keepdim), a,
          grad2=second)


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, 0, math.inf, -math.inf, -1], ids=str)
@given(a=matrices(square=False, conditioned=False, batch=(2,)), keepdim=st.booleans(),
       dim=st.sampled_from([None, 0, -1, (0, 2), (1,)]), dtype=st.sampled_from([None, "float64"]))
def test_vector_norm(ord, a, keepdim, dim, dtype):
    check(lambda lib, a: lib.linalg.vector_norm(a, ord=ord, dim=dim, keepdim=keepdim,
                                                dtype=None if dtype is None else getattr(lib, dtype)),
          a, grad2=ord == 2)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 2, 1, math.inf, -1], ids=str)
@given(a=matrices(square=False, conditioned=False, batch=()), dim=st.sampled_from([None, 0, (0, 1), (1, 0)]))
def test_norm_dispatch(ord, a, dim):
    check(lambda lib, a: lib.linalg.norm(a, ord=ord, dim=dim), a)


@given(a=matrices(square=False, conditioned=False, batch=()))
def test_norm_of_a_vector_and_of_a_3d_tensor(a):
    check(lambda lib, a: lib.linalg.norm(a[0], ord=3), a, grad2=True)
    check(lambda lib, a: lib.linalg.norm(a.unsqueeze(0)), a, grad2=True)


@given(seed=st.integers(0, 100), dim=st.sampled_from([-1, 0, 1]))
def test_cross(seed, dim):
    rng = np.random.default_rng(seed)
    a = Arr(rng.standard_normal((3, 3)), requires_grad=True)
    b = Arr(rng.standard_normal((1, 3)) if dim != 0 else rng.standard_normal((3, 3)), requires_grad=True)
    check(lambda lib, a, b: lib.linalg.cross(a, b, dim=dim), a, b, grad2=True)
    check(lambda lib, a, b: lib.cross(a, b.expand(3, 3)), a, b)


# -- OpenCL: the same calls on the device (float32) --------------------------------------------------
OPENCL_CALLS = {
    "inv": lambda lib, a: lib.linalg.inv(a),
    "det": lambda lib, a: lib.linalg.det(a),
    "solve": lambda lib, a: lib.linalg.solve(a, a[..., 0]),
    "cholesky": lambda lib, a: lib.linalg.cholesky(spd(lib, a)),
    "eigh": lambda lib, a: eigh_gauged(lib, sym(lib, a)),
    "svd": lambda lib, a: svd_gauged(lib, *lib.linalg.svd(a, full_matrices=False)),
    "qr": lambda lib, a: tuple(lib.linalg.qr(a)),
    "matrix_norm_fro": lambda lib, a: lib.linalg.matrix_norm(a),
    "matrix_norm_nuc": lambda lib, a: lib.linalg.matrix_norm(a, "nuc"),
    "vector_norm_inf": lambda lib, a: lib.linalg.vector_norm(a, math.inf, dim=-1),
}


@pytest.mark.parametrize("name", sorted(OPENCL_CALLS))
@given(a=matrices(dtype="float32", batch=(2,)))
def test_on_both_devices(name, a, device):
    check(OPENCL_CALLS[name], a, device=device, rtol=1e-3, atol=1e-4, grad_rtol=1e-2, grad_atol=1e-3)


# -- einsum's full grammar -------------------------------------------------------------------------
EINSUM_CASES = [
    ("ij->j", [(2, 3)]), ("ij", [(2, 3)]), ("ji", [(2, 3)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 4)]), ("iji->ij", [(2, 3, 2)]), ("...ii->...i", [(4, 3, 3)]),
    ("i...i->...", [(3, 4, 3)]), ("...ij,...jk", [(2, 3, 4), (4, 5)]), ("...,...", [(2, 3), (3,)]),
    ("a...b,b...->a...", [(2, 3, 4), (4, 3)]), ("ij, jk -> ik", [(2, 3), (3, 4)]),
    ("i,j", [(2,), (3,)]), ("ij,ij->ij", [(2, 1), (1, 3)]), ("ij,jk", [(2, 1), (5, 4)]),
    ("bij,bjk->bik", [(1, 2, 3), (4, 3, 5)]), ("", [()]), ("->", [()]), (",", [(), ()]),
    ("i,i->i", [(3,), (1,)]), ("ii->", [(0, 0)]), ("...i->", [(2, 0)]), ("iI->Ii", [(2, 3)]),
    ("iI", [(2, 3)]), ("...i,...i->...", [(2, 1, 3), (4, 3)]), ("jii->ij", [(2, 3, 3)]),
    ("ab...,ab...->...ab", [(2, 3, 4), (2, 3, 1)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij->ij...", [(2, 2)]), ("i...->i...", [(2, 3, 4)]),
    # errors: PyTorch's type (messages pinned in tests/test_einsum.py)
    ("i.j", [(2, 3)]), ("i1", [(2, 3)]), ("ij->k", [(2, 2)]), ("..i", [(2,)]), ("ii", [(2, 3)]),
    ("ij->j->i", [(2, 2)]), ("i.....", [(2,)]), ("...i,...i", [(2, 3), (3, 3)]), ("ab->a.", [(2, 3)]),
    ("ij,jk", [(2, 3), (4, 5)]), ("ij", [(2,)]), ("i,j", [(2,)]), ("ij", [(2, 2), (2, 2)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM_CASES, ids=[f"{e!r}-{s}" for e, s in EINSUM_CASES])
def test_einsum_grammar(equation, shapes):
    rng = np.random.default_rng(len(equation))
    arrays = [Arr(rng.standard_normal(s), requires_grad=True) for s in shapes]
    check(lambda lib, *ops: lib.einsum(equation, *ops), *arrays, grad2=True)


def test_einsum_sublist_form():
    a = Arr(np.random.default_rng(0).standard_normal((2, 3, 4)), requires_grad=True)
    b = Arr(np.random.default_rng(1).standard_normal((4, 5)), requires_grad=True)
    check(lambda lib, a, b: lib.einsum(a, [Ellipsis, 0, 1], b, [1, 2], [Ellipsis, 2]), a, b, grad2=True)
    check(lambda lib, a, b: lib.einsum(a, [0, 1, 27], b, [27, 26]), a, b, grad2=True)
    check(lambda lib, a, b: lib.einsum(a, [0, 1, 52], b, [52, 26]), a, b)


# -- empty matrices and empty batches ------------------------------------------------------------
EMPTY_CALLS = {
    "inv": lambda lib, x: lib.linalg.inv(x), "det": lambda lib, x: lib.linalg.det(x),
    "slogdet": lambda lib, x: tuple(lib.linalg.slogdet(x)), "cholesky": lambda lib, x: lib.linalg.cholesky(x),
    "qr": lambda lib, x: tuple(lib.linalg.qr(x)), "qr_complete": lambda lib, x: tuple(lib.linalg.qr(x, "complete")),
    "svd": lambda lib, x: tuple(lib.linalg.svd(x)), "svdvals": lambda lib, x: lib.linalg.svdvals(x),
    "eigh": lambda lib, x: tuple(lib.linalg.eigh(x)), "solve": lambda lib, x: lib.linalg.solve(x, x),
    "matrix_power": lambda lib, x: lib.linalg.matrix_power(x, -2),
    **{f"matrix_norm_{o}": (lambda o: lambda lib, x: lib.linalg.matrix_norm(x, o))(o) for o in MATRIX_ORDS},
    **{f"vector_norm_{o}": (lambda o: lambda lib, x: lib.linalg.vector_norm(x, o, dim=-1))(o)
       for o in [2, 0, math.inf, -math.inf, -1, 0.5]},
    "vector_norm_all_-1": lambda lib, x: lib.linalg.vector_norm(x, -1),
    "norm_-1": lambda lib, x: lib.norm(x, p=-1),
}


@pytest.mark.parametrize("name", sorted(EMPTY_CALLS), ids=str)
@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3), (3, 0), (0, 2, 2)])
def test_empty(name, shape):
    check(EMPTY_CALLS[name], Arr(np.zeros(shape), requires_grad=True))


# -- pinv, pinverse, matrix_rank -----------------------------------------------------------------------
PINV_KWARGS = [{}, {"atol": 0.5}, {"rtol": 0.3}, {"atol": 0.2, "rtol": 0.1}, {"hermitian": True}]


@pytest.mark.parametrize("kwargs", PINV_KWARGS, ids=str)
@given(a=matrices(square=False, conditioned=False), low_rank=st.booleans())
def test_pinv_and_matrix_rank(kwargs, a, low_rank):
    array = a.array
    if kwargs.get("hermitian"):
        array = array[..., :1, :1] * np.ones(array.shape[-1:] * 2) if low_rank else array[..., :, :array.shape[-2]]
    elif low_rank:  # rank one: dropped singular values (still a defined gradient, as PyTorch's)
        array = array[..., :, :1] * array[..., :1, :]
    x = Arr(array, requires_grad=True)
    check(lambda lib, x: lib.linalg.pinv(x, **kwargs), x, grad2=True)
    check(lambda lib, x: lib.linalg.matrix_rank(x, **kwargs), x)


@given(a=matrices(square=False, conditioned=False, batch=()))
def test_pinverse(a):
    check(lambda lib, x: lib.pinverse(x), a, grad2=True)
    check(lambda lib, x: x.pinverse(rcond=0.5), a)


# -- solve_triangular, vecdot, multi_dot -----------------------------------------------------------
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
@given(a=matrices(batch=(2,)), k=st.integers(0, 3), b_batch=st.sampled_from([(), (1,), (3, 2)]))
def test_solve_triangular(upper, left, unitriangular, a, k, b_batch):
    n = a.array.shape[-1]
    b = Arr(np.random.default_rng(k).standard_normal(b_batch + ((n, k) if left else (k, n))),
            requires_grad=True)
    check(lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                        unitriangular=unitriangular), a, b, grad2=True)


@pytest.mark.parametrize("call", [
    lambda lib, a: lib.linalg.solve_triangular(a, a[0], upper=True),
    lambda lib, a: lib.linalg.solve_triangular(a, a[:2], upper=True),
    lambda lib, a: lib.linalg.solve_triangular(a, a[:, :2], upper=False, left=False),
    lambda lib, a: lib.linalg.solve_triangular(a[:2], a, upper=False),
    lambda lib, a: lib.linalg.solve_triangular(a * 0, a, upper=True),  # inf/nan, no error
    lambda lib, a: lib.linalg.solve_triangular(a, a.double(), upper=True),
    lambda lib, a: lib.linalg.vecdot(a, a.double()),
    lambda lib, a: lib.linalg.vecdot(a.long(), a.long()),
    lambda lib, a: lib.linalg.multi_dot([a]),
    lambda lib, a: lib.linalg.multi_dot([a, a[:2]]),
    lambda lib, a: lib.linalg.multi_dot([a, a[0], a]),
    lambda lib, a: lib.linalg.multi_dot([a[None], a]),
    lambda lib, a: lib.linalg.multi_dot([a, a.double()]),
])
def test_triangular_and_chain_products_edge_cases(call):
    check(call, Arr(np.eye(3, dtype=np.float32) + np.triu(np.ones((3, 3), np.float32))))


@given(seed=st.integers(0, 1000), dim=st.sampled_from([-1, 0]), chain=st.integers(2, 4),
       row=st.booleans(), column=st.booleans())
def test_vecdot_and_multi_dot(seed, dim, chain, row, column):
    rng = np.random.default_rng(seed)
    x, y = Arr(rng.standard_normal((3, 3)), True), Arr(rng.standard_normal((1, 3)), True)
    check(lambda lib, x, y: lib.linalg.vecdot(x, y, dim=dim), x, y, grad2=True)
    sizes = list(rng.integers(1, 4, chain + 1))
    mats = [Arr(rng.standard_normal((sizes[i], sizes[i + 1])), True) for i in range(chain)]
    if row:
        mats[0] = Arr(rng.standard_normal(sizes[1]), True)
    if column:
        mats[-1] = Arr(rng.standard_normal(sizes[-2]), True)
    check(lambda lib, *ms: lib.linalg.multi_dot(list(ms)), *mats, grad2=True)
