"""am.linalg: linear algebra with gradients, under torch.linalg's names.

Matrices are (..., n, n) stacks whose leading (batch) axes broadcast as numpy.linalg's
do; float32 and float64 only (an integer or float16 matrix is a TypeError, a shape that
is not (..., n, n) a ValueError, both raised before anything is recorded). A singular
matrix raises numpy's np.linalg.LinAlgError (a ValueError), as numpy does.

Primitives (autograd_mini/primitives.py): solve, logabsdet and det_sign (slogdet's two
parts), cholesky. Composites: slogdet, det, inv. norm is am.norm (torch.linalg.norm's
vector norms and the Frobenius norm, under numpy's keywords axis= and keepdims=).

    A = am.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    x = am.linalg.solve(A, am.tensor([1.0, 2.0]))   # A x = b
    am.linalg.det(A).backward()                     # A.grad == det(A) A^-T
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import primitives as P
from .engine import composite, shape_constant
from .functions import as_tensor, exp
from .functions import norm as norm
from .tensor import Tensor

__all__ = ["solve", "slogdet", "det", "inv", "cholesky", "norm"]


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
