"""am.linalg: linear algebra with gradients, under torch.linalg's names.

Matrices are (..., n, n) stacks whose leading (batch) axes broadcast as numpy.linalg's
do; float32 and float64 only (an integer or float16 matrix is a TypeError, a shape that
is not (..., n, n) a ValueError, both raised before anything is recorded). A singular
matrix raises numpy's np.linalg.LinAlgError (a ValueError), as numpy does.

Primitives (autograd_mini/primitives.py): solve, logabsdet and det_sign (slogdet's two
parts), cholesky, eigh (both of its outputs in one array). Composites: slogdet, det, inv,
eigh and eigvalsh (which split the eigh primitive's output). norm is am.norm (torch.linalg.norm's
vector norms and the Frobenius norm, under numpy's keywords axis= and keepdims=).

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
from .tensor import Tensor

__all__ = ["solve", "slogdet", "det", "inv", "cholesky", "eigh", "eigvalsh", "norm"]


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
