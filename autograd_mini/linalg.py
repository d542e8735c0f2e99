"""am.linalg: linear algebra with gradients, under torch.linalg's names.

Matrices are (..., n, n) stacks whose leading (batch) axes broadcast as numpy.linalg's
do; float32 and float64 only (an integer or float16 matrix is a TypeError, a shape that
is not (..., n, n) a ValueError, both raised before anything is recorded). A singular
matrix raises numpy's np.linalg.LinAlgError (a ValueError), as numpy does.

Primitives (autograd_mini/primitives.py): solve, logabsdet and det_sign (slogdet's two
parts), cholesky, eigh (both of its outputs in one array), svd (its three outputs in one
array) and qr (its two). Composites: slogdet, det, inv, eigh and eigvalsh (which split the
eigh primitive's output), svd, svdvals and qr (which split theirs), pinv, lstsq and
matrix_rank (on svd). svd, svdvals, qr, pinv, lstsq and matrix_rank also take non-square
(..., m, n) matrices. norm is am.norm (torch.linalg.norm's vector norms and numpy's matrix
norms, under numpy's keywords axis= and keepdims=).

    A = am.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    x = am.linalg.solve(A, am.tensor([1.0, 2.0]))   # A x = b
    am.linalg.det(A).backward()                     # A.grad == det(A) A^-T
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import primitives as P
from .engine import composite, shape_constant
from .functions import as_tensor, exp
from .functions import norm as norm
from .tensor import Tensor, get_default_dtype

__all__ = ["solve", "slogdet", "det", "inv", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr",
           "pinv", "lstsq", "matrix_rank", "norm"]


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


def slogdet(A: Any) -> tuple[Tensor, Tensor]:
    """(sign, logabsdet) of det A for A (..., n, n), each of shape (...), as
    np.linalg.slogdet and torch.linalg.slogdet: det A = sign * exp(logabsdet).

    sign is 1, -1, or 0 for a singular A (then logabsdet = -inf); it carries no
    gradient. logabsdet does: d log|det A| = tr(A^-1 dA), so A_bar = g A^-T (from solve:
    second derivatives work). Its backward at a singular A raises np.linalg.LinAlgError.
    Two primitives, each factorising A once.
    """
    return _slogdet(A, "slogdet")


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


def cholesky(A: Any) -> Tensor:
    """L (..., n, n), lower triangular with positive diagonal, with L L^T = A for a
    symmetric positive definite A (..., n, n), as np.linalg.cholesky and
    torch.linalg.cholesky. Only A's lower triangle is read (as both do).

    Gradient: the exact gradient of that reading, zero above the diagonal; PyTorch
    returns its symmetric version instead (the entry below the diagonal split between
    (i, j) and (j, i)). Both give the same gradient for any A computed symmetrically
    (A = M M^T + c I, a kernel matrix). Second derivatives work. A that is not positive
    definite raises np.linalg.LinAlgError.
    """
    return P.cholesky.apply(as_tensor(A))


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
    cut = _rcond("pinv", A, rcond, rtol)
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
    r = max(m, n) * np.finfo(A.dtype).eps if rcond is None else rcond
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
