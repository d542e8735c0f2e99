"""am.linalg: linear algebra with gradients, under torch.linalg's names.

Matrices are (..., n, n) stacks whose leading (batch) axes broadcast as numpy.linalg's
do; float32 and float64 only (an integer or float16 matrix is a TypeError, a shape that
is not (..., n, n) a ValueError, both raised before anything is recorded). A singular
matrix raises numpy's np.linalg.LinAlgError (a ValueError), as numpy does.

Primitives (autograd_mini/primitives.py): solve, logabsdet and det_sign (slogdet's two
parts), cholesky, eigh (both of its outputs in one array), svd (its three outputs in one
array) and qr (its two). Composites: slogdet, det, inv, eigh and eigvalsh (which split the
eigh primitive's output), cholesky_ex (torch's: (L, info)), svd, svdvals and qr (which split theirs), pinv, lstsq and
matrix_rank (on svd). svd, svdvals, qr, pinv, lstsq and matrix_rank also take non-square
(..., m, n) matrices. norm is am.norm (torch.linalg.norm's vector norms and numpy's matrix
norms, under numpy's keywords axis= and keepdims=). Also composites: numpy.linalg's
matrix_power, multi_dot, vector_norm, matrix_norm, cond, tensorsolve, tensorinv;
torch.linalg's solve_triangular and matrix_exp (numpy has neither); numpy 2's array-API
aliases outer, cross, vecdot, matrix_transpose, diagonal, trace, matmul, tensordot.

    A = am.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    x = am.linalg.solve(A, am.tensor([1.0, 2.0]))   # A x = b
    am.linalg.det(A).backward()                     # A.grad == det(A) A^-T
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import primitives as P
from .engine import composite, no_grad, shape_constant
from .functions import as_tensor, exp
from .functions import norm as norm
from .tensor import Tensor, _int_arg, get_default_dtype

__all__ = ["solve", "slogdet", "det", "inv", "cholesky", "cholesky_ex", "eigh", "eigvalsh", "svd", "svdvals", "qr",
           "pinv", "lstsq", "matrix_rank", "norm", "matrix_power", "multi_dot", "vector_norm", "matrix_norm",
           "cond", "solve_triangular", "matrix_exp", "tensorsolve", "tensorinv", "outer", "cross", "vecdot",
           "matrix_transpose", "diagonal", "trace", "matmul", "tensordot"]


def solve(A: Any, B: Any) -> Tensor:
    """X with A X = B: A (..., n, n), B (..., n, k) -> X (..., n, k); B (n,) -> X (..., n).

    The right-hand side follows numpy 2's np.linalg.solve: B is one vector only when it
    is exactly 1-D (n,), and then it is solved against every matrix of A (torch.linalg.solve
    does the same). B with two or more axes is always a stack of (n, k) matrices, its
    batch axes broadcasting with A's. (PyTorch also reads B of shape A.shape[:-1] as a
    batch of vectors; here pass B[..., None] and take X[..., 0].)

    Gradients: B_bar = solve(A^T, G), A_bar = -B_bar X^T (summed over broadcast axes),
    written with solve itself, so second derivatives work. A singular A raises
    np.linalg.LinAlgError (forward, or backward where A^T is solved).
    """
    return P.solve.apply(as_tensor(A), as_tensor(B))


class SlogdetResult(NamedTuple):
    """slogdet's result, under numpy's and torch's field names."""

    sign: Tensor
    logabsdet: Tensor


def slogdet(A: Any) -> SlogdetResult:
    """(sign, logabsdet) of det A for A (..., n, n), each of shape (...), as
    np.linalg.slogdet and torch.linalg.slogdet: det A = sign * exp(logabsdet). A named
    tuple, as theirs: `.sign` and `.logabsdet`, or unpack `sign, logabsdet = ...`.

    sign is 1, -1, or 0 for a singular A (then logabsdet = -inf); it carries no
    gradient. logabsdet does: d log|det A| = tr(A^-1 dA), so A_bar = g A^-T (from solve:
    second derivatives work). Its backward at a singular A raises np.linalg.LinAlgError.
    Two primitives, each factorising A once.
    """
    return SlogdetResult(*_slogdet(A, "slogdet"))


def _slogdet(A: Any, op: str) -> tuple[Tensor, Tensor]:
    A = as_tensor(A)
    P._check_square(op, A.data)  # (before either primitive runs)
    return P.det_sign.apply(A), P.logabsdet.apply(A)


@composite
def det(A: Any) -> Tensor:
    """det A for A (..., n, n), shape (...): sign * exp(logabsdet) of slogdet.

    Gradient g det(A) A^-T (Jacobi's formula). At a singular A the value is 0 (exactly,
    where numpy's LU finds a zero pivot), but the gradient there, the adjugate of A,
    is not what this composite can give (it would be 0 * (A^-T = inf)): backward raises
    np.linalg.LinAlgError saying so, rather than a wrong finite number or NaN. Nearly
    singular matrices get the finite A^-T numpy's LU gives.
    """
    sign, logabs = _slogdet(A, "det")
    return sign * exp(logabs)


@composite
def inv(A: Any) -> Tensor:
    """A^-1 for A (..., n, n), same shape: solve(A, I). A singular A raises
    np.linalg.LinAlgError. To apply A^-1 to B, solve(A, B) is cheaper and more accurate."""
    A = as_tensor(A)
    P._check_square("inv", A.data)
    n = A.shape[-1]
    return P.solve.apply(A, shape_constant(np.eye(n, dtype=A.dtype)))


def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """L (..., n, n), lower triangular with positive diagonal, with L L^T = A for a
    symmetric positive definite A (..., n, n), as np.linalg.cholesky and
    torch.linalg.cholesky. Only A's lower triangle is read (as both do). With
    upper=True (torch's keyword) U = L^T, upper triangular with U^T U = A, read from A's
    upper triangle instead (as torch's), and zero gradient below the diagonal.

    Gradient: the exact gradient of that reading, zero above the diagonal; PyTorch
    returns its symmetric version instead (the entry below the diagonal split between
    (i, j) and (j, i)). Both give the same gradient for any A computed symmetrically
    (A = M M^T + c I, a kernel matrix). Second derivatives work. A that is not positive
    definite raises np.linalg.LinAlgError.
    """
    A = as_tensor(A)
    if not isinstance(upper, (bool, np.bool_)):
        raise TypeError(f"cholesky: upper must be True or False, got {upper!r} (A of shape {A.shape})")
    if upper:
        P._check_square("cholesky", A.data)  # (A's shape in the message, not its transpose's)
        return _swap(P.cholesky.apply(_swap(A)))
    return P.cholesky.apply(A)


class CholeskyExResult(NamedTuple):
    """cholesky_ex's result, under torch's field names."""

    L: Tensor
    info: Tensor


def _cholesky_order(m: np.ndarray) -> int:
    """LAPACK potrf's info for one (n, n) matrix m (its lower triangle read): 0 if it
    factors with a finite-or-inf diagonal, else the order k of the first leading minor
    that does not (a non-positive or NaN pivot), found by bisection on leading blocks."""
    def fails(k: int) -> bool:
        try:
            return bool(np.isnan(np.diagonal(np.linalg.cholesky(m[:k, :k]))).any())
        except np.linalg.LinAlgError:
            return True

    n = m.shape[-1]
    if n == 0 or not fails(n):
        return 0
    lo, hi = 1, n  # (the smallest failing order lies in [lo, hi])
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if fails(mid) else (mid + 1, hi)
    return lo


def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:
    """torch.linalg.cholesky_ex: (L, info) for A (..., n, n). L (..., n, n) is cholesky(A,
    upper=upper) where A is positive definite; info (...,), int32, is 0 there and else the
    order k (1-based) of the first leading minor that is not positive definite (LAPACK's
    info, as torch's; a NaN pivot counts as a failure, as LAPACK's does).

    Where info > 0 this L is all NaN (torch leaves LAPACK's partial work there, entries
    of A mixed with half a factor; no part of it is a factor of A, so none is returned),
    and A's gradient there is 0; elsewhere L and its gradients (any order) are
    am.linalg.cholesky's, bit for bit. check_errors=True raises np.linalg.LinAlgError
    naming the first failing batch element (flat index) and order, as torch raises its
    LinAlgError. info carries no gradient. Under am.compile, L of positive definite A
    replays; a failing matrix (the NaN mask comes from A's values) and info itself (made
    from them) are refused with an error, as values read into Python are.
    """
    A = as_tensor(A)
    for name, v in (("upper", upper), ("check_errors", check_errors)):
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"cholesky_ex: {name} must be True or False, got {v!r} (A of shape {A.shape})")
    P._check_square("cholesky_ex", A.data)
    a = A.data
    read = np.swapaxes(a, -1, -2) if upper else a  # (the triangle cholesky reads, as lower)
    batch = a.shape[:-2]
    info = np.zeros(batch, dtype=np.int32)
    try:
        with np.errstate(invalid="ignore"):
            bad = np.isnan(np.diagonal(np.linalg.cholesky(read), 0, -2, -1)).any(-1)
    except np.linalg.LinAlgError:
        bad = np.ones(batch, dtype=bool)
    for idx in zip(*np.nonzero(bad)) if batch else ([()] if bad else []):
        info[idx] = _cholesky_order(read[idx])
    failed = info > 0
    if check_errors and failed.any():
        k = int(np.flatnonzero(failed)[0])
        where = f"(batch element {k}): " if batch else ""
        raise np.linalg.LinAlgError(
            f"cholesky_ex: {where}A of shape {A.shape} is not positive definite (the leading minor of "
            f"order {int(info.reshape(-1)[k])} is not positive definite)")
    info_t = Tensor._of(info)
    if not failed.any():
        return CholeskyExResult(cholesky(A, upper=upper), info_t)
    from .functions import where as _where

    mask = failed[..., None, None]
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    L = cholesky(_where(mask, eye, A), upper=upper)  # (identity where A fails: no error, zero gradient)
    return CholeskyExResult(_where(mask, np.nan, L), info_t)


class EighResult(NamedTuple):
    """eigh's result, under numpy's and torch's field names."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def _eigh(A: Any, UPLO: Any, op: str) -> Tensor:
    A = as_tensor(A)
    P._check_square(op, A.data)  # (before anything is recorded)
    return P.eigh.apply(A, UPLO=P._check_uplo(op, UPLO))


def eigh(A: Any, UPLO: str = "L") -> EighResult:
    """(w, V): the eigenvalues w (..., n), ascending, and the eigenvectors V (..., n, n),
    as columns (A V = V diag(w), V^T V = I), of a symmetric A (..., n, n), as
    np.linalg.eigh and torch.linalg.eigh. Only the UPLO triangle of A is read ('L', the
    default, or 'U'; numpy's lower-case forms too), as both do; an eigenvector's sign
    is whatever numpy's LAPACK gives. A named tuple (eigenvalues, eigenvectors).

    Gradients, with X = V^T V_bar and F_ij = 1/(w_j - w_i) off the diagonal (0 on it):
    S = V (diag(w_bar) + F o (X - X^T)/2) V^T, the gradient over symmetric perturbations
    of A, mapped onto the triangle read: A_bar = S + S^T below (or above, for 'U') the
    diagonal, S_ii on it, 0 on the triangle not read (as cholesky; PyTorch returns S).
    Second derivatives work. The eigenvectors' gradient exists only for distinct
    eigenvalues: an eigenvector is defined up to sign (so use a loss that does not
    depend on the sign: v_i^T B v_i, V**2) and, for a repeated eigenvalue, up to a
    rotation within its eigenspace. Where two eigenvalues coincide (to rounding,
    16 n eps max|w|) and the loss reads their eigenvectors, backward raises
    np.linalg.LinAlgError; a loss of the eigenvalues alone has the gradient
    V diag(w_bar) V^T there (see eigvalsh).
    """
    out = _eigh(A, UPLO, "eigh")
    return EighResult(out[..., 0, :], out[..., 1:, :])


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues w (..., n), ascending, of a symmetric A (..., n, n), as
    np.linalg.eigvalsh and torch.linalg.eigvalsh, reading only the UPLO triangle ('L' or
    'U'). eigh's eigenvalues (LAPACK's with eigenvectors, which may differ from numpy's
    eigvalsh in the last bits).

    Gradient V diag(w_bar) V^T mapped onto the triangle read (as eigh's), also where
    eigenvalues repeat: for any w_bar equal on each group of equal eigenvalues (a
    function of the spectrum such as sum(w) = tr A or sum(w**2) = ||A||_F^2) that is the
    gradient; for other w_bar the eigenvalues are not differentiable there and this is
    the one-sided gradient along numpy's eigenvectors. Second derivatives need distinct
    eigenvalues (they go through the eigenvectors).
    """
    return _eigh(A, UPLO, "eigvalsh")[..., 0, :]


class SVDResult(NamedTuple):
    """svd's result, under numpy's and torch's field names."""

    U: Tensor
    S: Tensor
    Vh: Tensor


def _svd(A: Any, full_matrices: Any, op: str) -> tuple[Tensor, int, int]:
    A = as_tensor(A)
    P._check_matrix(op, A.data)  # (before anything is recorded)
    if not isinstance(full_matrices, (bool, np.bool_)):
        raise TypeError(f"{op}: full_matrices must be True or False, got {full_matrices!r}")
    m, n = A.shape[-2:]
    return P.svd.apply(A, full_matrices=bool(full_matrices)), m, n


def svd(A: Any, full_matrices: bool = False) -> SVDResult:
    """(U, S, Vh) with A = U diag(S) Vh for A (..., m, n), k = min(m, n): U (..., m, k) with
    orthonormal columns, S (..., k) the singular values, descending and >= 0, Vh (..., k, n)
    with orthonormal rows; a named tuple (U, S, Vh), as np.linalg.svd and torch.linalg.svd
    give. full_matrices=True gives numpy's U (..., m, m) and Vh (..., n, n) instead (note the
    default is False here, torch.linalg.svd's True and numpy's True: the reduced SVD is the
    one with a gradient). Signs as numpy's LAPACK gives them.

    Gradients (reduced), with X = U^T U_bar, Y = V^T V_bar, Dx = X - X^T, Dy = Y - Y^T and
    F_ij = 1/(s_j^2 - s_i^2) off the diagonal:
    A_bar = U (diag(S_bar) + F o (Dx S + S Dy)) Vh + (I - U U^T) U_bar S^-1 Vh
            + U S^-1 V_bar^T (I - V V^T),
    the last two terms for tall (m > n) and wide (m < n) A. Second derivatives work. A
    singular vector is defined up to sign (a sign shared by U's column and Vh's row, so
    use a loss that does not depend on it: U diag(S) Vh, U**2); where singular values
    coincide (to rounding, 16 max(m, n) eps max S), the vectors are defined up to a
    rotation, and where a singular value is 0 in a non-square A, its column of U (tall) or
    row of Vh (wide) is any unit vector of a larger space. Where the loss reads such
    vectors, backward raises np.linalg.LinAlgError; a loss of the singular values alone
    has the gradient U diag(S_bar) Vh everywhere (see svdvals). With full_matrices=True,
    the gradient is that of the first k columns; a loss that reads the columns of U or
    rows of Vh past k (a basis of a complement: not unique) makes backward raise
    np.linalg.LinAlgError. One case backward cannot see: vectors read only through a
    product with their singular value when that value is exactly 0 (U diag(S) Vh at A = 0)
    send it a zero gradient, as a loss of S alone would, so the result is svdvals'
    one-sided gradient there, not the product's (which is A's: use A itself).
    """
    out, m, n = _svd(A, full_matrices, "svd")
    cu = m if full_matrices else min(m, n)
    cv = n if full_matrices else min(m, n)
    k = min(m, n)
    V = out[..., m + 1:, :cv]
    return SVDResult(out[..., :m, :cu], out[..., m, :k], V.swapaxes(-1, -2))


def svdvals(A: Any) -> Tensor:
    """The singular values S (..., k), k = min(m, n), descending, of A (..., m, n), as
    torch.linalg.svdvals (np.linalg.svd(A, compute_uv=False)). svd's S (LAPACK's with the
    vectors, which may differ from numpy's values-only call in the last bits).

    Gradient U diag(S_bar) Vh, also where singular values coincide or are 0: for S_bar
    equal on each group of equal singular values (sum(S) for the nuclear norm, sum(S**2) =
    ||A||_F^2) that is the gradient; elsewhere S is not differentiable there and this is
    the one-sided gradient along numpy's singular vectors (at S_i = 0, a subgradient).
    Second derivatives need distinct, nonzero (for non-square A) singular values: they go
    through the singular vectors.
    """
    out, m, n = _svd(A, False, "svdvals")
    return out[..., m, :min(m, n)]


class QRResult(NamedTuple):
    """qr's result, under numpy's and torch's field names."""

    Q: Tensor
    R: Tensor


def qr(A: Any, mode: str = "reduced") -> QRResult:
    """(Q, R) with A = Q R for A (..., m, n), k = min(m, n): Q (..., m, k) with orthonormal
    columns, R (..., k, n) upper triangular, as np.linalg.qr(A, mode='reduced') and
    torch.linalg.qr; a named tuple (Q, R). Only mode='reduced' (numpy's default) is
    implemented. Signs (of R's diagonal) as numpy's LAPACK gives them.

    Gradients for any shape, with M = Q^T Q_bar, N = R R_bar^T (m >= n):
    A_bar = Q R_bar + (Q tril(M - M^T + N - N^T) + Q_bar - Q M) R^-T; for m < n, A = [X | Y]
    with X (m, m): Y_bar = Q R_bar[:, m:], X_bar the former with Q_bar + Y R_bar[:, m:]^T.
    Written with solve, so second derivatives work. They need a nonzero diagonal of R (A
    of full column rank; for m < n, its first m columns independent): otherwise Q is not
    unique and backward raises np.linalg.LinAlgError.
    """
    A = as_tensor(A)
    P._check_matrix("qr", A.data)
    if mode != "reduced":
        raise ValueError(f"qr: mode must be 'reduced' (the only one implemented), got {mode!r} for "
                         f"A of shape {A.shape}")
    m, n = A.shape[-2:]
    k = min(m, n)
    out = P.qr.apply(A)
    return QRResult(out[..., :m, :k], out[..., m:, :])


_NOVALUE: Any = object()


def _rcond(op: str, A: Tensor, rcond: Any, rtol: Any) -> Any:
    """numpy's cutoff rule: rcond (default 1e-15, pinv's) or rtol (None: max(m, n) eps)."""
    if rcond is not None and rtol is not _NOVALUE:
        raise ValueError(f"{op}: rcond and rtol cannot both be set (A of shape {A.shape})")
    if rcond is None:
        if rtol is _NOVALUE:
            return 1e-15
        if rtol is None:
            return max(A.shape[-2:]) * np.finfo(A.dtype).eps
        return rtol
    return rcond


def _cutoff_values(v: Any) -> Any:
    """A cutoff's values (rcond, rtol, tol): a Tensor read as np.asarray reads it, also one
    that requires grad (as torch's matrix_rank takes it): nothing is differentiated in it
    (the rank, and which singular values are kept, are piecewise constant in it). Read under
    no_grad, so that the refusal of a conversion that drops a graph does not apply, while
    am.compile still refuses reading an argument's values."""
    if isinstance(v, Tensor):
        with no_grad():
            return np.asarray(v)
    return v


def _fits(shape: tuple, batch: tuple) -> bool:
    """Whether an array of shape broadcasts to batch (without growing it)."""
    try:
        return np.broadcast_shapes(shape, batch) == batch
    except ValueError:
        return False


@composite
def pinv(A: Any, rcond: Any = None, *, rtol: Any = _NOVALUE) -> Tensor:
    """The Moore-Penrose pseudo-inverse A^+ (..., n, m) of A (..., m, n), as np.linalg.pinv:
    V diag(1/S) U^T from the reduced svd, singular values S <= cutoff = rcond * max(S) taken
    as 0 (and so their 1/S). rcond (default 1e-15) or rtol (None: max(m, n) eps), as
    numpy; either may be an array broadcasting with the batch axes.

    Gradient through svd: defined where no singular value sits at the cutoff, and backward
    raises np.linalg.LinAlgError where the kept singular values coincide (to rounding)
    — pinv does not depend on the vectors' rotation there, but the rounding of U_bar, V_bar
    keeps that from being seen exactly — or where a kept vector is undetermined (see svd).
    For full column rank A, solve(A^T A, A^T) has a gradient everywhere (and squares
    the condition number).
    """
    A = as_tensor(A)
    P._check_matrix("pinv", A.data)
    cut = _cutoff_values(_rcond("pinv", A, rcond, rtol))
    if np.ndim(cut) and not _fits(np.shape(cut), A.shape[:-2]):
        raise ValueError(f"pinv: {'rcond' if rcond is not None else 'rtol'} of shape {np.shape(cut)} does "
                         f"not broadcast to the batch shape {A.shape[:-2]} of A of shape {A.shape}")
    cut = float(cut) if np.ndim(cut) == 0 else np.asarray(cut, dtype=A.dtype)[..., None]
    U, S, Vh = svd(A)
    if S.shape[-1] == 0:  # (an empty A: no singular values to cut, A^+ is the empty (..., n, m))
        return Vh.swapaxes(-1, -2) @ U.swapaxes(-1, -2)
    # (the mask by comparison primitives, so that am.compile's replay recomputes it)
    keep = (S > S.max(-1, keepdims=True) * cut).astype(A.dtype)
    s_inv = keep / (S * keep + (1 - keep))
    return Vh.swapaxes(-1, -2) @ (s_inv[..., :, None] * U.swapaxes(-1, -2))


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Tensor:
    """The rank of A (..., m, n) as np.linalg.matrix_rank: the number of singular values
    > tol, tol (default max(S) * rtol, rtol default max(m, n) eps); an int64 tensor of
    shape (...) without gradient. A 1-D A has rank 1 unless all its entries are 0.
    tol and rtol may be arrays broadcasting with the batch axes. hermitian is accepted
    for numpy's signature and does not change the result (the singular values are
    computed either way). Integer and bool matrices count as numpy's do (in the default
    float dtype).
    """
    A = as_tensor(A)
    if A.ndim < 2:
        if A.data.dtype.kind not in "biuf":
            raise TypeError(f"matrix_rank: A of shape {A.shape} has dtype {A.dtype}")
        return (A != 0).any().astype(np.int64) if A.ndim else (A != 0).astype(np.int64)
    if tol is not None and rtol is not None:
        raise ValueError(f"matrix_rank: tol and rtol cannot both be set (A of shape {A.shape})")
    if A.data.dtype.kind in "biu":  # (numpy counts the rank of integer matrices too)
        A = A.astype(get_default_dtype())
    P._check_matrix("matrix_rank", A.data)
    S = svdvals(A).detach()
    tol, rtol = _cutoff_values(tol), _cutoff_values(rtol)
    if tol is None:
        r = max(A.shape[-2:]) * np.finfo(A.dtype).eps if rtol is None else rtol
        tol = S.max(-1, keepdims=True) * np.asarray(r, dtype=A.dtype)[..., None] if S.shape[-1] else 0.0
    else:
        tol = np.asarray(tol, dtype=A.dtype)[..., None]
    return (S > tol).astype(np.int64).sum(-1)


def lstsq(A: Any, b: Any, rcond: Any = None) -> tuple[Tensor, Tensor, int, Tensor]:
    """(x, residuals, rank, s) as np.linalg.lstsq: x minimises ||b - A x||_2 (the least-norm
    one where A has not full column rank), for A (m, n) and b (m,) or (m, k): x (n,) or
    (n, k); x = pinv(A, rcond) @ b, singular values <= rcond * max(s) taken as 0 (rcond
    default max(m, n) eps, numpy's). residuals: the squared 2-norm of each column of
    b - A x, shape (k,) or (1,) for a 1-D b, and empty (0,) when rank < n or m <= n (as
    numpy); rank an int; s the singular values of A (svdvals). x, residuals and s carry
    gradients (x's through pinv: see its limits); numpy's lstsq is 2-D only, and so is this.
    """
    A, b = as_tensor(A), as_tensor(b)
    P._check_matrix("lstsq", A.data)
    if A.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != A.shape[0]:
        raise ValueError(f"lstsq: A (m, n) needs b of shape (m,) or (m, k), got A {A.shape} and b {b.shape}")
    if b.data.dtype.kind != "f":
        raise TypeError(f"lstsq: b of shape {b.shape} has dtype {b.dtype}; linalg takes float32 or float64")
    m, n = A.shape
    r = max(m, n) * np.finfo(A.dtype).eps if rcond is None else _cutoff_values(rcond)
    x = pinv(A, rtol=r) @ b
    s = svdvals(A)
    # (read through item(), so that am.compile refuses to freeze the rank and the residuals' shape)
    try:
        rank = (s > s.max() * np.asarray(r, dtype=s.dtype)).astype(np.int64).sum().item() if s.shape[0] else 0
    except RuntimeError as e:
        raise RuntimeError(f"lstsq (A {A.shape}, b {b.shape}): its rank, a Python int as numpy's, and the "
                           f"residuals' shape depend on A's values; {e}") from None
    if rank < n or m <= n:
        res = as_tensor(np.zeros((0,), dtype=x.dtype))
    else:
        res = ((A @ x - b) ** 2).sum(0)
        if b.ndim == 1:
            res = res.reshape(1)
    return x, res, rank, s


# -- numpy.linalg's other functions (and torch.linalg's where numpy has none) ------------------


def _is_axis(axis: Any, ndim: int) -> bool:
    return isinstance(axis, (int, np.integer)) and not isinstance(axis, bool) and -ndim <= axis < ndim


def _swap(x: Tensor) -> Tensor:
    return x.swapaxes(-1, -2)


@composite
def matrix_power(A: Any, n: int) -> Tensor:
    """A**n, the n-th matrix power of A (..., m, m), same shape, as np.linalg.matrix_power
    (and torch.linalg.matrix_power): numpy's binary decomposition of n (A^2, A^4, ... and the
    product of those n's bits select, in numpy's order, so the values are numpy's). A
    negative n takes inv(A) to the power -n (a singular A raises np.linalg.LinAlgError);
    n = 0 gives the identity (broadcast to A's shape), with a zero gradient for A.
    Gradients through matmul (and solve for n < 0): any order.
    """
    A = as_tensor(A)
    n = _int_arg("matrix_power", "n", n, A.shape)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"matrix_power: A must be a square matrix or a stack of them, (..., m, m), "
                         f"got shape {A.shape}")
    if n < 0:
        A = inv(A)  # (checks the dtype: float32 or float64)
        n = -n
    if n == 0:
        # (a where on a constant True: the identity's gradient to A is 0, also where A is inf)
        eye = shape_constant(np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape))
        return P.where.apply(shape_constant(np.ones(A.shape, dtype=bool)), eye, A)
    if n == 1:
        return A * 1  # (a copy, as numpy's)
    if n == 2:
        return A @ A
    if n == 3:
        return (A @ A) @ A
    z = result = None
    while n > 0:
        z = A if z is None else z @ z
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else result @ z
    return result


def _chain_order(dims: list) -> list:
    """numpy's _multi_dot_matrix_chain_order: s[i][j], where the cheapest product of
    matrices i..j splits (dims: p0, p1, ..., pn for matrices (p_i, p_{i+1}))."""
    n = len(dims) - 1
    m = [[0] * n for _ in range(n)]
    s = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            m[i][j] = np.inf
            for k in range(i, j):
                q = m[i][k] + m[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if q < m[i][j]:
                    m[i][j] = q
                    s[i][j] = k
    return s


def _chain(arrays: list, s: list, i: int, j: int) -> Tensor:
    if i == j:
        return arrays[i]
    return _chain(arrays, s, i, s[i][j]) @ _chain(arrays, s, s[i][j] + 1, j)


@composite
def multi_dot(arrays: Any) -> Tensor:
    """The product of two or more matrices in the order of least multiplications, as
    np.linalg.multi_dot: arrays[0] may be 1-D (k,) (a row vector) and arrays[-1] 1-D (a
    column vector), the others 2-D, consecutive sizes matching; the result is 2-D, or 1-D
    or 0-d where those ends were 1-D. Three matrices use numpy's direct cost comparison,
    more numpy's dynamic programme (the parenthesisation, so the values, are numpy's).
    No batch axes (numpy's multi_dot has none). Gradients through matmul: any order.
    """
    try:
        arrays = [as_tensor(a) for a in arrays]
    except TypeError:
        raise TypeError(f"multi_dot: arrays must be a sequence of tensors, got {type(arrays).__name__}") from None
    shapes = [a.shape for a in arrays]
    if len(arrays) < 2:
        raise ValueError(f"multi_dot: needs at least two arrays, got {len(arrays)} (shapes {shapes})")
    first_vec, last_vec = arrays[0].ndim == 1, arrays[-1].ndim == 1
    mats = [(1,) + shapes[0] if first_vec else shapes[0]] + shapes[1:-1] + \
        [shapes[-1] + (1,) if last_vec else shapes[-1]]
    if any(len(m) != 2 for m in mats):
        raise ValueError(f"multi_dot: the arrays must be 2-D (the first and last may be 1-D), got shapes {shapes}")
    for k in range(len(mats) - 1):
        if mats[k][1] != mats[k + 1][0]:
            raise ValueError(f"multi_dot: array {k} of shape {shapes[k]} and array {k + 1} of shape "
                             f"{shapes[k + 1]} do not chain (shapes {shapes})")
    if first_vec:
        arrays[0] = arrays[0].reshape(1, -1)
    if last_vec:
        arrays[-1] = arrays[-1].reshape(-1, 1)
    if len(arrays) == 2:
        out = arrays[0] @ arrays[1]
    elif len(arrays) == 3:
        (a0, a1), (_, b1), (_, c1) = (a.shape for a in arrays)
        A, B, C = arrays
        # (numpy's _multi_dot_three: the cost of (AB)C against A(BC))
        out = (A @ B) @ C if a0 * a1 * b1 + a0 * b1 * c1 < a1 * b1 * c1 + a0 * a1 * c1 else A @ (B @ C)
    else:
        dims = [a.shape[0] for a in arrays] + [arrays[-1].shape[1]]
        out = _chain(arrays, _chain_order(dims), 0, len(arrays) - 1)
    if first_vec and last_vec:
        return out.reshape(())
    if first_vec:
        return out.reshape(-1)
    if last_vec:
        return out.reshape(-1)
    return out


def _float_like(x: Tensor) -> Tensor:
    if x.dtype.kind in "biu":
        return x.astype(get_default_dtype())
    return x


@composite
def vector_norm(x: Any, ord: Any = 2, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The vector ord-norm of x over `axis`, as np.linalg.vector_norm (numpy 2) and
    torch.linalg.vector_norm: axis None takes all of x's entries as one vector (whatever
    x.ndim); an int or a tuple of any number of axes takes those entries as one vector per
    position of the other axes. The result has x's shape without those axes (kept with
    length 1 if keepdims). ord: 2 (the default), 1, inf, -inf, 0 (the number of nonzero
    entries, gradient 0) or a number p > 0: sum(|x|**p)**(1/p). Negative finite ord
    (numpy's and torch's harmonic-like norms) is not implemented: ValueError.

    am.norm's vector code: at x = 0 the gradient of the 2- and p-norms is 0 (not NaN),
    first and second order.
    """
    x = as_tensor(x)
    if isinstance(ord, bool) or not isinstance(ord, (int, float, np.integer, np.floating)) or ord != ord \
            or (ord < 0 and ord != -np.inf):
        raise ValueError(f"vector_norm: ord must be 2, 1, inf, -inf, 0 or a number p > 0, got {ord!r} for "
                         f"shape {x.shape} (negative finite ord is not implemented)")
    if axis is None:
        axes = tuple(range(x.ndim))
    else:
        items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
        if not items or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in items):
            raise TypeError(f"vector_norm: axis must be None, an int or a non-empty tuple of ints, got {axis!r} "
                            f"for shape {x.shape}")
        axes = tuple(int(a) + x.ndim if a < 0 else int(a) for a in items)
        if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(f"vector_norm: axis {axis!r} is out of range or repeated for shape {x.shape}")
    x = _float_like(x)
    rest = tuple(a for a in range(x.ndim) if a not in axes)
    if len(axes) == 1:
        return norm(x, ord, axes[0], keepdims)
    # (the axes moved last and merged: one vector per position of the others)
    y = x.transpose(rest + axes) if x.ndim else x
    # (the merged length spelt out, not -1, which numpy cannot infer for an empty batch)
    merged = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    out = norm(y.reshape(tuple(x.shape[a] for a in rest) + (merged,)), ord, -1, False)
    if keepdims:
        out = out.reshape(tuple(1 if a in axes else x.shape[a] for a in range(x.ndim)))
    return out


_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf)


@composite
def matrix_norm(A: Any, ord: Any = "fro", keepdims: bool = False, *, axis: Any = (-2, -1)) -> Tensor:
    """The matrix ord-norm of A (..., m, n), shape (...) (with the two axes kept as length 1
    if keepdims), as np.linalg.matrix_norm (numpy 2) and torch.linalg.matrix_norm (axis is
    torch's dim=, a pair, default the last two axes; numpy has no such argument). ord:
    'fro' (default; the 2-norm of the entries), 'nuc' (sum of the singular values), 2 / -2
    (largest / smallest singular value), 1 / -1 (largest / smallest column sum of |A|),
    inf / -inf (largest / smallest row sum). am.norm's matrix code, gradients of any order
    (the singular-value norms: see svdvals); the Frobenius gradient at A = 0 is 0, not NaN.
    """
    A = as_tensor(A)
    if A.ndim < 2:
        raise ValueError(f"matrix_norm: A must be a matrix or a stack of them, (..., m, n), got shape {A.shape}")
    if isinstance(ord, bool) or not any(ord == o and type(ord) is not bool for o in _MATRIX_ORDS
                                        if isinstance(o, str) == isinstance(ord, str)):
        raise ValueError(f"matrix_norm: ord must be one of 'fro', 'nuc', 2, -2, 1, -1, inf, -inf, got {ord!r} "
                         f"(A of shape {A.shape})")
    if not isinstance(axis, (tuple, list)) or len(axis) != 2:
        raise TypeError(f"matrix_norm: axis must be a pair of ints, got {axis!r} (A of shape {A.shape})")
    return norm(A, ord, tuple(axis), keepdims)


@composite
def cond(A: Any, p: Any = None) -> Tensor:
    """The condition number of A (..., m, n), shape (...), as np.linalg.cond: p None or 2,
    max(S) / min(S) of the singular values (svdvals; any m, n); -2, min(S) / max(S); other
    p ('fro', 'nuc', 1, -1, inf, -inf; square A only) matrix_norm(A, p) *
    matrix_norm(inv(A), p). A singular A: p None/2 gives inf, as numpy's (also A = 0, and
    p=-2 at A = 0, where numpy turns 0 / 0 into inf), with gradient 0 there (cond has no
    finite derivative at inf); the other p raise np.linalg.LinAlgError from inv where
    numpy returns inf. Gradients through svdvals or inv and the norms, any order
    where the singular values are distinct.
    """
    A = as_tensor(A)
    P._check_matrix("cond", A.data)
    if p is None or (not isinstance(p, (str, bool)) and p in (2, -2)):
        s = svdvals(A)
        if s.shape[-1] == 0:
            raise ValueError(f"cond: A of shape {A.shape} has no singular values")
        num, den = (s.min(-1), s.max(-1)) if p is not None and p == -2 else (s.max(-1), s.min(-1))
        # (a singular A: numpy's inf, also for 0 / 0 at A = 0; a divisor of 1 there keeps the
        # division's gradient, which the where sends 0, from being inf * 0)
        zero = den == 0
        return P.where.apply(zero, np.inf, num / P.where.apply(zero, 1.0, den))
    if isinstance(p, bool) or not any(p == o for o in _MATRIX_ORDS if isinstance(o, str) == isinstance(p, str)):
        raise ValueError(f"cond: p must be None, 'fro', 'nuc', 2, -2, 1, -1, inf or -inf, got {p!r} "
                         f"(A of shape {A.shape})")
    P._check_square("cond", A.data)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


@composite
def solve_triangular(A: Any, B: Any, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """X with A X = B (left=True) or X A = B (left=False) for a triangular A (..., n, n) and
    B (..., n, k) (left) or (..., k, n) (right), batch axes broadcasting: X has B's shape
    (with the broadcast batch axes), as torch.linalg.solve_triangular (numpy has none; scipy's
    solve_triangular is the left form). Only A's upper (upper=True) or lower triangle is
    read, and with unitriangular=True not its diagonal either (taken as 1s); A's gradient is
    0 on what is not read, as torch's.

    A composite, exact for triangular input: the triangle read, flipped into an upper
    triangular U where A is lower (J A J with J the reversal, an exact permutation), goes to
    solve, whose LU with partial pivoting of an upper triangular matrix picks the diagonal
    as every pivot and subtracts only exact zeros: the values are back substitution's. A zero
    on the diagonal raises np.linalg.LinAlgError (torch returns inf/NaN). Gradients through
    solve and triu/tril, any order.
    """
    A, B = as_tensor(A), as_tensor(B)
    for name, v in (("upper", upper), ("left", left), ("unitriangular", unitriangular)):
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"solve_triangular: {name} must be True or False, got {v!r} "
                            f"(A of shape {A.shape}, B of shape {B.shape})")
    P._check_square("solve_triangular", A.data)
    n = A.shape[-1]
    if B.ndim < 2 or B.shape[-2 if left else -1] != n:
        want = "(..., n, k)" if left else "(..., k, n)"
        raise ValueError(f"solve_triangular: A of shape {A.shape} needs B of shape {want} with n = {n} "
                         f"(left={left}), got B of shape {B.shape}")
    try:
        np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    except ValueError:
        raise ValueError(f"solve_triangular: the batch axes of A {A.shape} and B {B.shape} do not broadcast") from None
    if B.data.dtype.kind != "f" or B.data.dtype.itemsize < 4:
        raise TypeError(f"solve_triangular: B of shape {B.shape} has dtype {B.dtype}; linalg takes float32 "
                        "or float64")
    from .functions import tril, triu

    if unitriangular:
        T = (triu(A, 1) if upper else tril(A, -1)) + shape_constant(np.eye(n, dtype=A.dtype))
    else:
        T = triu(A) if upper else tril(A)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        T, B, upper = _swap(T), _swap(B), not upper
    if upper:
        X = P.solve.apply(T, B)
    else:  # (J T J is upper triangular: (J T J)(J X) = J B)
        X = P.solve.apply(T[..., ::-1, ::-1], B[..., ::-1, :])[..., ::-1, :]
    return _swap(X) if not left else X


# Padé [13/13] of exp, Higham (2005), and its 1-norm bound for double precision
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
# (divided by the first: V's identity term is then 1, and exp(0) is exactly I, not LAPACK's
# b0 * (1 / b0) = 1 - eps / 2)
_PADE13 = tuple(c / _PADE13[0] for c in _PADE13)
_THETA13 = 5.371920351148152


@composite
def matrix_exp(A: Any) -> Tensor:
    """exp(A) = sum_k A^k / k! for A (..., n, n), same shape, as torch.linalg.matrix_exp
    (scipy.linalg.expm; numpy has none). Scaling and squaring with the Padé [13/13]
    approximant (Higham 2005): for each matrix of the stack s = max(0, ceil(log2(||A||_1 /
    5.37))), R = solve(V - U, V + U) for the approximant's odd part U and even part V of
    A / 2^s, then R squared s times (a smaller matrix of a stack is not squared more).
    Built of matmul, solve and sums, so gradients of any order are those primitives' (the
    approximant's derivative, accurate as its value). s is read from A's values: am.compile
    refuses to record it (RuntimeError). An inf or NaN entry is a ValueError. Relative
    error against a Taylor-series oracle about 1e-16 for ||A|| <= 1 and growing with the
    norm (the squarings; ~1e-13 at ||A||_1 = 100).
    """
    A = as_tensor(A)
    P._check_square("matrix_exp", A.data)
    n = A.shape[-1]
    if A.size == 0:
        return A * 1
    try:
        norm1 = np.asarray(abs(A.detach()).sum(-2).max(-1).numpy(), dtype=np.float64)  # (each ||A||_1)
    except RuntimeError as e:
        raise RuntimeError(f"matrix_exp (A {A.shape}): its number of squarings depends on A's values; {e}") from None
    if not np.isfinite(norm1).all():
        raise ValueError(f"matrix_exp: A of shape {A.shape} has an entry that is inf or NaN")
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(norm1 / _THETA13))).astype(int)  # (per matrix)
    top = int(s.max())
    X = A * shape_constant((0.5 ** s).astype(A.dtype)[..., None, None]) if top else A
    b = _PADE13
    eye = shape_constant(np.eye(n, dtype=A.dtype))
    X2 = X @ X
    X4 = X2 @ X2
    X6 = X4 @ X2
    U = X @ (X6 @ (b[13] * X6 + b[11] * X4 + b[9] * X2) + b[7] * X6 + b[5] * X4 + b[3] * X2 + b[1] * eye)
    V = X6 @ (b[12] * X6 + b[10] * X4 + b[8] * X2) + b[6] * X6 + b[4] * X4 + b[2] * X2 + b[0] * eye
    R = P.solve.apply(V - U, V + U)
    for k in range(top):  # (a matrix of the stack is squared its own s times)
        R = R @ R if (s > k).all() else P.where.apply(shape_constant((s > k)[..., None, None]), R @ R, R)
    return R


@composite
def tensorsolve(a: Any, b: Any, axes: Any = None) -> Tensor:
    """x with tensordot(a, x, axes=x.ndim) = b, as np.linalg.tensorsolve: a's axes listed in
    `axes` are first moved last; then a of shape b.shape + Q with prod(Q) = prod(b.shape) is
    read as a (prod, prod) matrix, and x, of shape Q, is solve's on the flattened b.
    Gradients through solve, any order."""
    a, b = as_tensor(a), as_tensor(b)
    order = list(range(a.ndim))
    if axes is not None:
        for k in (axes if isinstance(axes, (tuple, list)) else (axes,)):
            try:
                if not _is_axis(k, a.ndim):  # (k % ndim would take axis 5 of a 4-D a for axis 1)
                    raise ValueError
                order.remove(int(k) % a.ndim)
            except (ValueError, TypeError, ZeroDivisionError):
                raise ValueError(f"tensorsolve: axes {axes!r} do not name distinct axes of a of shape "
                                 f"{a.shape}") from None
            order.append(int(k) % a.ndim)
    moved = tuple(a.shape[k] for k in order)
    if b.ndim > a.ndim or moved[:b.ndim] != b.shape:
        raise ValueError(f"tensorsolve: a of shape {a.shape} (axes {axes!r} moved last: {moved}) must start "
                         f"with b's shape {b.shape}")
    q = moved[b.ndim:]
    size = int(np.prod(q))
    if size * size != a.size:
        raise np.linalg.LinAlgError(f"tensorsolve: prod(a.shape[b.ndim:]) = {size} must equal prod(b.shape) = "
                                    f"{b.size} (a of shape {a.shape}, b of shape {b.shape})")
    if order != sorted(order):
        a = a.transpose(tuple(order))
    return solve(a.reshape(size, size), b.reshape(-1)).reshape(q)


@composite
def tensorinv(a: Any, ind: int = 2) -> Tensor:
    """The inverse of a under tensordot(., ., ind), as np.linalg.tensorinv: a of shape
    I + J (I its first `ind` axes) with prod(I) = prod(J) read as a (prod(I), prod(J))
    matrix and inverted; the result has shape J + I. Gradients through inv, any order."""
    a = as_tensor(a)
    ind = _int_arg("tensorinv", "ind", ind, a.shape)
    if ind <= 0 or ind > a.ndim:
        raise ValueError(f"tensorinv: ind must be in 1..a.ndim, got {ind} for a of shape {a.shape}")
    size = int(np.prod(a.shape[:ind]))
    if size * size != a.size:
        raise np.linalg.LinAlgError(f"tensorinv: prod(a.shape[:ind]) = {size} must equal prod(a.shape[ind:]) "
                                    f"(a of shape {a.shape}, ind={ind})")
    return inv(a.reshape(size, size)).reshape(a.shape[ind:] + a.shape[:ind])


# numpy 2's array-API aliases, with numpy.linalg's axis conventions


def outer(x1: Any, x2: Any) -> Tensor:
    """np.linalg.outer: the outer product of 1-D x1 (m,) and x2 (n,), shape (m, n)
    (am.outer, which flattens, where numpy.linalg's refuses other shapes)."""
    from .functions import outer as _outer

    x1, x2 = as_tensor(x1), as_tensor(x2)
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(f"outer: x1 and x2 must be 1-D, got shapes {x1.shape} and {x2.shape}")
    return _outer(x1, x2)


def cross(x1: Any, x2: Any, *, axis: int = -1) -> Tensor:
    """np.linalg.cross: the cross product of 3-vectors along `axis` of x1 and x2 (length 3
    there), the other axes broadcasting; am.cross(x1, x2, axis=axis)."""
    from .functions import cross as _cross

    x1, x2 = as_tensor(x1), as_tensor(x2)
    if not (_is_axis(axis, x1.ndim) and _is_axis(axis, x2.ndim)) or x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError(f"cross: x1 and x2 need length 3 along axis {axis}, got shapes {x1.shape} and {x2.shape}")
    return _cross(x1, x2, axis=axis)


@composite
def vecdot(x1: Any, x2: Any, *, axis: int = -1) -> Tensor:
    """np.linalg.vecdot: sum(x1 * x2) along `axis` (equal lengths there), the other axes
    broadcasting; shape the broadcast shape without that axis (real tensors; bool ones give
    a bool, as numpy's and matmul's)."""
    from .functions import moveaxis

    x1, x2 = as_tensor(x1), as_tensor(x2)
    if x1.ndim == 0 or x2.ndim == 0 or not (-x1.ndim <= axis < x1.ndim and -x2.ndim <= axis < x2.ndim) \
            or x1.shape[axis] != x2.shape[axis]:
        raise ValueError(f"vecdot: x1 and x2 need equal lengths along axis {axis}, got shapes {x1.shape} "
                         f"and {x2.shape}")
    if x1.dtype.kind == "c" or x2.dtype.kind == "c":  # (numpy's conjugates x1, which am has no op for)
        raise TypeError(f"vecdot: complex tensors are not supported (numpy conjugates x1), got dtypes "
                        f"{x1.dtype} and {x2.dtype}, shapes {x1.shape} and {x2.shape}")
    x1, x2 = moveaxis(x1, axis, -1), moveaxis(x2, axis, -1)
    try:
        np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"vecdot: shapes {x1.shape} and {x2.shape} (axis {axis} moved last) do not "
                         "broadcast") from None
    prod = x1 * x2
    if prod.dtype == np.bool_:  # (numpy's boolean dot product, as matmul's: any of the ands,
        return prod.any(-1)  # a bool; a sum would count them in int64)
    return prod.sum(-1)


def matrix_transpose(x: Any) -> Tensor:
    """np.linalg.matrix_transpose: x (..., m, n) -> (..., n, m), the last two axes swapped."""
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: x must have at least 2 axes, got shape {x.shape}")
    return _swap(x)


def diagonal(x: Any, *, offset: int = 0) -> Tensor:
    """np.linalg.diagonal: the offset-th diagonal of the last two axes of x (..., m, n),
    shape (..., length) (am.diagonal with axis1=-2, axis2=-1)."""
    from .functions import diagonal as _diagonal

    return _diagonal(x, offset, -2, -1)


def trace(x: Any, *, offset: int = 0) -> Tensor:
    """np.linalg.trace: the sum of the offset-th diagonal of the last two axes of x
    (..., m, n), shape (...) (am.trace with axis1=-2, axis2=-1)."""
    from .functions import trace as _trace

    return _trace(x, offset, -2, -1)


def matmul(x1: Any, x2: Any) -> Tensor:
    """np.linalg.matmul: x1 @ x2 (am.matmul)."""
    from .functions import matmul as _matmul

    return _matmul(x1, x2)


def tensordot(x1: Any, x2: Any, *, axes: Any = 2) -> Tensor:
    """np.linalg.tensordot: am.tensordot(x1, x2, axes)."""
    from .functions import tensordot as _tensordot

    return _tensordot(x1, x2, axes)
