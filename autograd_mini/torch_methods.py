"""PyTorch's names that ported code calls: matrix products (mm, bmm, mv, addmm,
baddbmm), lerp, fmod, arithmetic with torch's keywords (add and sub with alpha=, rsub,
div with rounding_mode=, addcmul, addcdiv), and the in-place methods (zero_, fill_,
add_, ..., copy_).

The products and lerp are composites of the primitive table (no backward code);
the shape rules are torch's, stricter than numpy's matmul: mm takes two matrices,
bmm two stacks of them with the same batch size, mv a matrix and a vector.

The in-place methods change a tensor's array and stamp the change (as `x += y` and
`x[i] = v` do, engine.changed_in_place), so a backward through a graph that kept the
old values raises instead of using the new ones. As in PyTorch a leaf that requires
grad is refused while grad is recorded (under am.no_grad() it is allowed: that is
how initialisation code uses them). Unlike PyTorch a tensor with a graph (a non-leaf)
(or a change by an operand that requires grad) is recorded instead, as PyTorch's
rebase of its graph: its out-of-place form is computed, and the tensor takes the
result's value and node (engine.rebase). Its old array is not written, so what was
recorded with it before keeps the old value. A change of a view (a basic index, a
reshape or a permute of a tensor b, sharing its memory) reaches b as PyTorch's does:
b takes "b with the view's entries replaced" (_put_getitem and the others below).
"""

from __future__ import annotations

import builtins
import numbers
import operator
from typing import Any

import numpy as np

from . import engine
from . import primitives as P
from .engine import composite, shape_constant, tracers
from .engine import no_grad
from .functions import _broadcasts_to, _fill_value, _zero_gradient, abs as _abs, as_tensor, broadcast_to, clamp, remainder, where
from .functions import floor_divide as _floor_divide, trunc as _trunc
from .tensor import Tensor

def numel(input: Any) -> int:
    """torch.numel: the number of elements of a Tensor (or ndarray), an int: the product
    of its shape, as x.numel(). Anything else is a TypeError, as torch's."""
    if isinstance(input, (Tensor, np.ndarray)):
        return int(input.size)
    raise TypeError(f"numel: expected a Tensor, got {type(input).__name__}")


# -- matrix products ------------------------------------------------------------------


def _operands(op: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    return as_tensor(a), as_tensor(b)


def _check_mm(op: str, a: Tensor, b: Tensor) -> None:
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"{op}: expected two 2-D matrices, got shapes {a.shape} and {b.shape} "
                         "(am.matmul, @, broadcasts batches and vectors)")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be multiplied "
                         f"({a.shape[1]} != {b.shape[0]})")


def _check_bmm(op: str, a: Tensor, b: Tensor) -> None:
    if a.ndim != 3 or b.ndim != 3:
        raise ValueError(f"{op}: expected two 3-D batches of matrices, got shapes {a.shape} and "
                         f"{b.shape} (am.matmul, @, broadcasts batches)")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{op}: batch sizes differ, shapes {a.shape} and {b.shape} "
                         f"({a.shape[0]} != {b.shape[0]}); bmm does not broadcast")
    if a.shape[2] != b.shape[1]:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be multiplied "
                         f"({a.shape[2]} != {b.shape[1]})")


@composite
def mm(input: Any, mat2: Any) -> Tensor:
    """torch.mm: the matrix product of input (n, k) and mat2 (k, m), shape (n, m).

    Both must be 2-D (no broadcasting, no vectors: am.matmul for those); numpy's dtype
    promotion. Differentiable in both."""
    a, b = _operands("mm", input, mat2)
    _check_mm("mm", a, b)
    return P.matmul.apply(a, b)


@composite
def bmm(input: Any, mat2: Any) -> Tensor:
    """torch.bmm: batched matrix product of input (B, n, k) and mat2 (B, k, m), shape
    (B, n, m): out[i] = input[i] @ mat2[i].

    Both must be 3-D with the same batch size B (no broadcasting: am.matmul does that).
    Differentiable in both."""
    a, b = _operands("bmm", input, mat2)
    _check_bmm("bmm", a, b)
    return P.matmul.apply(a, b)


@composite
def mv(input: Any, vec: Any) -> Tensor:
    """torch.mv: the product of the matrix input (n, m) and the vector vec (m,), shape (n,).
    Differentiable in both."""
    a, v = _operands("mv", input, vec)
    if a.ndim != 2 or v.ndim != 1:
        raise ValueError(f"mv: expected a 2-D matrix and a 1-D vector, got shapes {a.shape} and {v.shape}")
    if a.shape[1] != v.shape[0]:
        raise ValueError(f"mv: shapes {a.shape} and {v.shape} cannot be multiplied "
                         f"({a.shape[1]} != {v.shape[0]})")
    return P.matmul.apply(a, v)


def _scalar(value: Any, name: str, op: str) -> Any:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Number):
        raise TypeError(f"{op}: {name} must be a number, got {value!r}")
    return value


def _scaled_sum(op: str, input: Any, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """beta * input + alpha * product, input broadcast to product's shape (torch's rule:
    beta == 0 ignores input, its NaN and inf too; 1 multiplies by nothing)."""
    beta, alpha = _scalar(beta, "beta", op), _scalar(alpha, "alpha", op)
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return out
    c = input if beta == 1 else input * beta
    return c + out


@composite
def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """torch.addmm: beta * input + alpha * (mat1 @ mat2), shape (n, m).

    mat1 (n, k) and mat2 (k, m) are matrices (as mm); input broadcasts to (n, m) (a bias
    (m,), a column (n, 1), a number). beta and alpha are numbers; with beta == 0 input
    is ignored (NaN or inf in it do not spread, and it gets no gradient), as torch."""
    c, a, b = as_tensor(input), as_tensor(mat1), as_tensor(mat2)
    _check_mm("addmm", a, b)
    out_shape = (a.shape[0], b.shape[1])
    if not _broadcasts_to(c.shape, out_shape):
        raise ValueError(f"addmm: input of shape {c.shape} does not broadcast to the product's "
                         f"shape {out_shape} (mat1 {a.shape}, mat2 {b.shape})")
    return _scaled_sum("addmm", c, P.matmul.apply(a, b), beta, alpha)


@composite
def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """torch.baddbmm: beta * input + alpha * bmm(batch1, batch2), shape (B, n, m).

    batch1 (B, n, k) and batch2 (B, k, m) as bmm; input broadcasts to (B, n, m). beta
    and alpha are numbers; beta == 0 ignores input (see addmm)."""
    c, a, b = as_tensor(input), as_tensor(batch1), as_tensor(batch2)
    _check_bmm("baddbmm", a, b)
    out_shape = (a.shape[0], a.shape[1], b.shape[2])
    if not _broadcasts_to(c.shape, out_shape):
        raise ValueError(f"baddbmm: input of shape {c.shape} does not broadcast to the product's "
                         f"shape {out_shape} (batch1 {a.shape}, batch2 {b.shape})")
    return _scaled_sum("baddbmm", c, P.matmul.apply(a, b), beta, alpha)


# -- lerp and fmod ----------------------------------------------------------------------


@composite
def logdet(input: Any) -> Tensor:
    """torch.logdet: log det A for A (..., n, n), shape (...). It is slogdet's logabsdet
    where det A > 0, -inf where A is singular and NaN where det A < 0 (the real log of a
    negative number), as torch's. Gradient A^-T where det A > 0 (slogdet's, so second
    derivatives work), 0 where det A < 0 (torch's too); backward at a singular A raises
    np.linalg.LinAlgError (slogdet's)."""
    from .linalg import _slogdet

    sign, logabs = _slogdet(input, "logdet")
    return where(sign < 0, np.nan, logabs)


@composite
def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.diag_embed: input (..., n) -> output with one more axis, whose axes dim1 and
    dim2 (of the output, torch's names: numpy has no such function) are an (m, m) matrix,
    m = n + |offset|, with input's last axis on its offset-th diagonal (offset > 0 above
    the main one, counted from dim1 as rows) and zeros elsewhere; the other axes of the
    output are input's leading ones, in order. With the defaults each (..., n) vector
    becomes the (..., n, n) matrix diag(v): out[..., i, i + offset] = input[..., i].

    A composite (where on an identity mask, pad, moveaxis): the gradient is the offset-th
    diagonal of the incoming gradient, any order. Any dtype; input of at least 1 axis.
    """
    from .functions import _is_index, moveaxis

    x = as_tensor(input)
    for name, v in (("offset", offset), ("dim1", dim1), ("dim2", dim2)):
        if isinstance(v, bool) or not _is_index(v):
            raise TypeError(f"diag_embed: {name} must be an int, got {v!r} (input of shape {x.shape})")
    if x.ndim < 1:
        raise ValueError(f"diag_embed: input must have at least 1 axis, got shape {x.shape}")
    offset, nd = operator.index(offset), x.ndim + 1
    dims = []
    for name, d in (("dim1", dim1), ("dim2", dim2)):
        d = operator.index(d)
        if not -nd <= d < nd:
            raise ValueError(f"diag_embed: {name}={d} is out of range for the output's {nd} axes "
                             f"(input of shape {x.shape})")
        dims.append(d % nd)
    if dims[0] == dims[1]:
        raise ValueError(f"diag_embed: dim1={dim1} and dim2={dim2} are the same axis of the output "
                         f"(input of shape {x.shape})")
    n = x.shape[-1]
    mask = shape_constant(np.eye(n, dtype=bool))
    zero = False if x.dtype.kind == "b" else 0
    square = P.where.apply(mask, x[..., None, :], zero)  # (a where: inf on the diagonal, not inf * 0)
    lo, hi = (0, offset) if offset >= 0 else (-offset, 0)
    if lo or hi:
        square = P.pad.apply(square, pad_width=((0, 0),) * (x.ndim - 1) + ((lo, hi), (hi, lo)), value=0)
    return moveaxis(square, (-2, -1), tuple(dims))


@composite
def cholesky_solve(input: Any, input2: Any, upper: bool = False) -> Tensor:
    """torch.cholesky_solve: X with A X = B, given B = input (..., n, k) and a Cholesky
    factor of A, input2 (..., n, n): lower L with A = L L^T (upper=False) or upper U with
    A = U^T U. X has B's shape, with the batch axes of the two broadcast (numpy's rule).

    Two triangular solves, L Y = B then L^T X = Y (am.linalg.solve_triangular), so a
    composite with gradients of any order. Only the factor's triangle is read, and its
    gradient is 0 on the other one (torch's is not: it differentiates (L L^T)^-1 B for a
    full L; through am.linalg.cholesky, as a Gaussian process uses it, the two agree).
    """
    from .linalg import solve_triangular

    B, F = as_tensor(input), as_tensor(input2)
    if not isinstance(upper, (bool, np.bool_)):
        raise TypeError(f"cholesky_solve: upper must be True or False, got {upper!r} "
                        f"(input of shape {B.shape}, input2 of shape {F.shape})")
    if F.ndim < 2 or F.shape[-1] != F.shape[-2]:
        raise ValueError(f"cholesky_solve: input2 (the Cholesky factor) must be (..., n, n), "
                         f"got shape {F.shape}")
    n = F.shape[-1]
    if B.ndim < 2 or B.shape[-2] != n:
        raise ValueError(f"cholesky_solve: input of shape {B.shape} must be (..., n, k) with n = {n}, "
                         f"the size of input2 of shape {F.shape}")
    try:
        np.broadcast_shapes(B.shape[:-2], F.shape[:-2])
    except ValueError:
        raise ValueError(f"cholesky_solve: the batch axes of input {B.shape} and input2 {F.shape} "
                         "do not broadcast") from None
    for name, t in (("input", B), ("input2", F)):
        if t.dtype.kind != "f" or t.dtype.itemsize < 4:
            raise TypeError(f"cholesky_solve: {name} of shape {t.shape} has dtype {t.dtype}; "
                            "it takes float32 or float64")
    Ft = F.swapaxes(-1, -2)
    if upper:  # A = U^T U: U^T Y = B, then U X = Y
        return solve_triangular(F, solve_triangular(Ft, B, upper=False), upper=True)
    return solve_triangular(Ft, solve_triangular(F, B, upper=False), upper=True)


@composite
def cholesky_inverse(input: Any, upper: bool = False) -> Tensor:
    """torch.cholesky_inverse: A^-1 (..., n, n) for A = L L^T, given its Cholesky factor
    input = L (..., n, n), lower (upper=False) or upper U with A = U^T U (upper=True).

    Computed as L^-T L^-1 (U^-1 U^-T) with L^-1 = am.linalg.solve_triangular(L, I): a
    composite, gradients of any order; the result is symmetric. Only the factor's triangle
    is read (as torch's LAPACK potri), and its gradient is 0 on the other triangle (torch's
    is not: it differentiates (L L^T)^-1 for a full L; through am.linalg.cholesky the two
    agree). A zero on the diagonal raises np.linalg.LinAlgError (torch returns inf/NaN).
    """
    from .linalg import solve_triangular

    F = as_tensor(input)
    if not isinstance(upper, (bool, np.bool_)):
        raise TypeError(f"cholesky_inverse: upper must be True or False, got {upper!r} (input of shape {F.shape})")
    P._check_square("cholesky_inverse", F.data)
    inv = solve_triangular(F, shape_constant(np.eye(F.shape[-1], dtype=F.dtype)), upper=upper)
    if upper:  # A^-1 = U^-1 U^-T
        return inv @ inv.swapaxes(-1, -2)
    return inv.swapaxes(-1, -2) @ inv


@composite
def lerp(input: Any, end: Any, weight: Any) -> Tensor:
    """torch.lerp: input + weight * (end - input), the three broadcast together.

    As torch, computed as end - (end - input) * (1 - weight) where |weight| >= 0.5, so
    that weight 1 gives end exactly (and weight 0 input). weight is a number or a tensor.
    Gradients: 1 - weight to input, weight to end, end - input to weight."""
    start, stop = as_tensor(input), as_tensor(end)
    w = weight if type(weight) in (int, float) else as_tensor(weight)
    shapes = [start.shape, stop.shape] + ([w.shape] if isinstance(w, Tensor) else [])
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"lerp: shapes {', '.join(map(str, shapes))} (input, end, weight) do not "
                         "broadcast together") from None
    d = stop - start
    if not isinstance(w, Tensor):
        return start + w * d if abs(w) < 0.5 else stop - d * (1 - w)
    return where(w.abs() < 0.5, start + w * d, stop - d * (1 - w))


@composite
def fmod(input: Any, other: Any) -> Tensor:
    """torch.fmod (np.fmod): input - trunc(input / other) * other, with the sign of input
    (remainder's has other's), the two broadcast together.

    Gradients: 1 to input, -trunc(input / other) to other (piecewise, as remainder's).
    Exact: for floats it is sign(x) * remainder(|x|, |y|), the two agreeing on
    non-negative operands; for integers remainder(x, y) moved by y where the signs differ."""
    x = as_tensor(input)
    y = other if type(other) in (int, float) else as_tensor(other)
    dtype = np.result_type(x.data, y.data if isinstance(y, Tensor) else y)
    if dtype.kind == "c":
        raise TypeError(f"fmod: complex operands have no fmod (shapes {x.shape} and {np.shape(y)}, dtype {dtype})")
    if dtype.kind != "f":
        r = remainder(x, y)  # (r - y cannot overflow: r has y's sign and |r| < |y|)
        return where(r == 0, r, where((r < 0) != (x < 0), r - y, r))
    if x.dtype != dtype:
        x = x.astype(dtype)
    # The sign bit of x, -0.0's too (x < 0 misses it): arctan2(+-0, -1) is +-pi.
    negative = P.arctan2.apply(x, -1.0) < 0
    r = remainder(where(negative, -x, x), _abs(y) if isinstance(y, Tensor) else builtins.abs(y))
    return where(negative, -r, r)


# -- arithmetic with torch's keywords ------------------------------------------------------


def _pair(input: Any, other: Any) -> tuple[Any, Any]:
    """The operands as the operators take them: tensors, or Python numbers left as they are
    (so that they stay weak in numpy's promotion: float32 + 2.0 is float32); not both numbers."""
    def one(v: Any) -> Any:
        return v if isinstance(v, Tensor) or type(v) in (int, float, bool) else as_tensor(v)
    a, b = one(input), one(other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = as_tensor(a)
    return a, b


def _check_broadcast(op: str, names: str, *operands: Any) -> None:
    shapes = [np.shape(v.data if isinstance(v, Tensor) else v) for v in operands]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{op}: shapes {', '.join(map(str, shapes))} ({names}) do not broadcast "
                         "together") from None


def _times(value: Any, op: str, name: str, t: Any) -> Any:
    """value * t, skipped for value == 1 (torch's alpha and value keywords)."""
    return t if _scalar(value, name, op) == 1 else t * value


@composite
def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """torch.add: input + alpha * other, broadcast together (numpy's rule; the shape is the
    broadcast shape). alpha is a number (alpha == 1 multiplies by nothing). Gradients: 1 to
    input, alpha to other."""
    a, b = _pair(input, other)
    _check_broadcast("add", "input, other", a, b)
    return a + _times(alpha, "add", "alpha", b)


@composite
def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """torch.sub: input - alpha * other, broadcast together. Gradients 1 and -alpha."""
    a, b = _pair(input, other)
    _check_broadcast("sub", "input, other", a, b)
    return a - _times(alpha, "sub", "alpha", b)


@composite
def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """torch.rsub: other - alpha * input (sub with the operands exchanged), broadcast
    together. Gradients -alpha to input, 1 to other."""
    a, b = _pair(input, other)
    _check_broadcast("rsub", "input, other", a, b)
    return b - _times(alpha, "rsub", "alpha", a)


_ROUNDING_MODES = (None, "trunc", "floor")


@composite
def div(input: Any, other: Any, *, rounding_mode: Any = None) -> Tensor:
    """torch.div: input / other, broadcast together, rounded as rounding_mode says:
    None, true division (integers give floats, as numpy's /); 'trunc', the quotient
    rounded toward 0 (trunc(x / y) for floats, as torch; exact for integers, which stay
    integers); 'floor', rounded down (np.floor_divide, Python's //: 1.0 // 0.1 is 9.0).

    Gradients: 1/y and -x/y**2 without rounding; with a rounding mode 0 to both (as
    torch: the result requires grad when an operand does), never NaN (also where y is 0)."""
    if rounding_mode not in _ROUNDING_MODES:
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    a, b = _pair(input, other)
    _check_broadcast("div", "input, other", a, b)
    if rounding_mode is None:
        return a / b
    dtype = np.result_type(*(v.data if isinstance(v, Tensor) else v for v in (a, b)))
    if dtype.kind == "c":
        raise TypeError(f"div: rounding_mode={rounding_mode!r} needs real operands, got dtype {dtype} "
                        f"(shapes {np.shape(a.data if isinstance(a, Tensor) else a)} and "
                        f"{np.shape(b.data if isinstance(b, Tensor) else b)})")
    with no_grad():
        if rounding_mode == "floor":
            out = _floor_divide(a, b)
        elif dtype.kind in "fc":
            out = _trunc(a / b)
        else:  # (integers: the floor moved up by one where the signs differ and a remainder is left)
            q = _floor_divide(a, b)
            a_t = a if isinstance(a, Tensor) else as_tensor(a)
            r = remainder(a_t, b)
            out = where(r != 0, where((a_t < 0) != (b < 0), q + 1, q), q)
    for v in (a, b):
        if isinstance(v, Tensor) and dtype.kind == "f":
            out = _zero_gradient(out, v)
    return out


def _check_addc(op: str, input: Any, tensor1: Any, tensor2: Any, value: Any) -> tuple[Tensor, Tensor, Tensor]:
    c, t1, t2 = as_tensor(input), as_tensor(tensor1), as_tensor(tensor2)
    _scalar(value, "value", op)
    _check_broadcast(op, "input, tensor1, tensor2", c, t1, t2)
    return c, t1, t2


@composite
def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """torch.addcmul: input + value * tensor1 * tensor2, the three broadcast together
    (computed as torch: (value * tensor1) * tensor2, added to input). value is a number.
    Gradients: 1 to input, value * tensor2 to tensor1, value * tensor1 to tensor2."""
    c, t1, t2 = _check_addc("addcmul", input, tensor1, tensor2, value)
    return c + _times(value, "addcmul", "value", t1) * t2


@composite
def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """torch.addcdiv: input + value * tensor1 / tensor2, the three broadcast together
    (computed as torch: (value * tensor1) / tensor2, added to input; true division, so
    integers give floats). value is a number. Gradients: 1 to input, value / tensor2 to
    tensor1, -value * tensor1 / tensor2**2 to tensor2 (Adam's update is addcdiv)."""
    c, t1, t2 = _check_addc("addcdiv", input, tensor1, tensor2, value)
    return c + _times(value, "addcdiv", "value", t1) / t2


# -- in-place methods ---------------------------------------------------------------------


def in_place_array(t: Tensor, op: str, *operands: Any) -> np.ndarray | None:
    """t's array, once an in-place change of t by `op` is allowed (see the module's
    docstring); None when the change must be recorded instead (t has a graph, or an
    operand requires grad, while grad is recorded: engine.rebase); raises before
    anything changes otherwise."""
    if tracers:
        raise RuntimeError(f"{op}: cannot change a tensor in place inside a function being compiled "
                           "(a replay would skip the change); use the out-of-place form there "
                           "(x = x + y for add_, x.clamp(...) for clamp_, ...)")
    if engine._mode.grad_enabled:
        if t.requires_grad and t.grad_fn is None:
            raise RuntimeError(f"{op}: this leaf tensor of shape {t.shape} requires grad, so changing it "
                               "in place while operations are recorded would corrupt their gradients "
                               "(PyTorch refuses it too); do it under am.no_grad(), as nn.init and the "
                               "optimizers do")
        if t.grad_fn is not None or any(isinstance(o, Tensor) and o.requires_grad for o in operands):
            if t.dtype.kind not in "fc":
                raise RuntimeError(f"{op}: an operand of this {t.dtype} tensor of shape {t.shape} requires "
                                   "grad, which an integer tensor cannot carry; pass y.detach()")
            return None
    if not t.data.flags.writeable:
        raise engine.copy_of_view_error(t, op) or RuntimeError(
            f"{op}: this tensor's array (shape {t.shape}) is read-only; change a copy")
    err = engine.stale_view_error(t, op)
    if err is not None:
        raise err
    return t.data


def _operand(value: Any, t: Tensor, op: str) -> Any:
    """The operand's values: a Python number as it is (numpy casts it to t's dtype),
    else an array of numbers, complex only for a complex t."""
    if isinstance(value, Tensor):
        value = value.data
    elif type(value) in (int, float, bool):
        return value
    value = np.asarray(value)
    if value.dtype.kind not in "biufc":
        raise TypeError(f"{op}: expected numbers, got dtype {value.dtype} (tensor of shape {t.shape})")
    if value.dtype.kind == "c" and t.dtype.kind != "c":
        raise TypeError(f"{op}: cannot store complex values (dtype {value.dtype}) in a real tensor "
                        f"of shape {t.shape} and dtype {t.dtype}")
    return value


def _fits(t: Tensor, shape: tuple, op: str) -> None:
    if not _broadcasts_to(shape, t.shape):
        raise ValueError(f"{op}: a result of shape {shape} does not fit the tensor's shape {t.shape} "
                         "(the operand must broadcast to it)")


def store(t: Tensor, arr: np.ndarray, result: Any, op: str, casting: str = "same_kind") -> Tensor:
    """Write `result` (of t's shape or broadcasting to it) into arr, t's array, and stamp it."""
    shape = np.shape(result)
    _fits(t, shape, op)
    try:
        np.copyto(arr, result, casting=casting)
    except (ValueError, TypeError, OverflowError) as e:
        raise (ValueError if isinstance(e, OverflowError) else type(e))(
            f"{op}: cannot store a result of shape {shape} in a tensor of shape {t.shape} and "
            f"dtype {t.dtype}: {e}") from None
    engine.changed_in_place(arr, f"{op}()")
    return t


def record_change(t: Tensor, op: str, compute: Any) -> Tensor:
    """t = compute(t), recorded, in place: t takes the result's value and node, and what
    was recorded with t before keeps its old value (engine.rebase, PyTorch's rebase of a
    tensor's graph). The result is cast to t's dtype; the callers check its shape first."""
    def changed(old: Tensor) -> Tensor:
        new = compute(old)
        new = new if isinstance(new, Tensor) else as_tensor(new)
        return new if new.dtype == t.dtype else new.astype(t.dtype)
    return engine.rebase(t, changed, op)


@composite
def overwrite(old: Tensor, value: Any) -> Tensor:
    """value broadcast to old's shape, recorded as replacing every entry of old (whose
    gradient is then 0: a selection, never a product with 0)."""
    # (the mask in old's memory layout, so the result has it too, as a write into old's
    # array would: the ops after it then sum in the same order; made of the shape and
    # layout alone, am.compile keeps it, for a layer's inplace=True)
    mask = np.ones_like(old.data, dtype=bool) if isinstance(old, Tensor) else np.ones(np.shape(old), dtype=bool)
    return where(engine.shape_constant(mask), value, old)


_RECORDED = {"add_": lambda x, y, alpha, mode: add(x, y, alpha=alpha),
             "sub_": lambda x, y, alpha, mode: sub(x, y, alpha=alpha),
             "mul_": lambda x, y, alpha, mode: x * y,
             "div_": lambda x, y, alpha, mode: div(x, y, rounding_mode=mode)}


def binary_(t: Tensor, op: str, other: Any, alpha: Any = 1, rounding_mode: Any = None) -> Tensor:
    """t (op)= alpha * other, in place (add_, sub_, mul_, div_ with rounding_mode)."""
    ufunc = divide_ufunc(rounding_mode, t) if op == "div_" else _UFUNCS[op]
    arr = in_place_array(t, op, other)
    value = _operand(other, t, op)
    if alpha != 1:
        _scalar(alpha, "alpha", op)
    if arr is None:
        _fits(t, np.shape(value), op)
        return record_change(t, op, lambda old: _RECORDED[op](old, other, alpha, rounding_mode))
    if alpha != 1:
        value = value * alpha
    try:
        result = ufunc(arr, value)
    except (ValueError, TypeError) as e:
        raise type(e)(f"{op}: cannot combine a tensor of shape {t.shape} and dtype {t.dtype} with "
                      f"an operand of shape {np.shape(value)}: {e}") from None
    return store(t, arr, result, op)


def _put_getitem(old: Tensor, params: dict, value: Tensor) -> Tensor:
    index = params["index"]
    if not _is_basic_index(index):
        return setitem(old, index, value)
    return _put_basic(old, index, value)


def _is_basic_index(index: Any) -> bool:
    """Whether index is numpy's basic indexing alone (ints, slices, None, Ellipsis): each
    entry selected at most once, its selection a view."""
    for p in (index if type(index) is tuple else (index,)):
        if not (p is None or p is Ellipsis or type(p) is slice
                or (isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)))):
            return False
    return True


@composite
def setitem_basic(old: Tensor, index: Any, value: Tensor) -> Tensor:
    """old with old[index] = value for a basic index and a value of old[index]'s shape (the
    write-through of a change of a view, engine._write_through): setitem's values and
    gradients, from two recorded operations (value scattered into zeros, then a where
    with the selection's mask) rather than setitem's gather of the broadcast value."""
    hit = np.zeros(old.shape, dtype=bool)
    hit[index] = True  # (a fresh array no caller holds: no kept_operand copy needed)
    return P.where.apply(hit, P.scatter_add.apply(value, index=index, shape=old.shape), old)


def _put_basic(old: Tensor, index: Any, value: Tensor) -> Tensor:
    return setitem_basic(old, index, value)


def _put_reshape(old: Tensor, params: dict, value: Tensor) -> Tensor:
    return P.reshape.apply(value, shape=old.shape)


def _put_permute(old: Tensor, params: dict, value: Tensor) -> Tensor:
    return P.permute.apply(value, axes=P._inverse_permutation(params["axes"]))


def _trunc_divide(a: np.ndarray, b: Any) -> np.ndarray:
    """a / b rounded toward 0 (torch's rounding_mode='trunc'), exact for integers."""
    if np.result_type(a, b).kind in "biu":
        q = np.floor_divide(a, b)
        return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))
    return np.trunc(np.true_divide(a, b))


_DIVIDE = {None: np.true_divide, "floor": np.floor_divide, "trunc": _trunc_divide}
_UFUNCS = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply}


def divide_ufunc(rounding_mode: Any, t: Tensor) -> Any:
    if rounding_mode not in _DIVIDE:
        raise ValueError(f"div_: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r} "
                         f"(tensor of shape {t.shape})")
    return _DIVIDE[rounding_mode]


def clamp_(t: Tensor, min: Any, max: Any) -> Tensor:
    if min is None and max is None:
        raise ValueError(f"clamp_: at least one of min and max must be given (tensor of shape {t.shape})")
    arr = in_place_array(t, "clamp_", min, max)
    lo = None if min is None else _operand(min, t, "clamp_")
    hi = None if max is None else _operand(max, t, "clamp_")
    if arr is None:
        for bound in (lo, hi):
            _fits(t, np.shape(bound), "clamp_")
        return record_change(t, "clamp_", lambda old: clamp(old, min, max))
    result = arr
    if lo is not None:
        result = np.maximum(result, lo)
    if hi is not None:
        result = np.minimum(result, hi)
    return store(t, arr, result, "clamp_")


def fill_(t: Tensor, value: Any) -> Tensor:
    arr = in_place_array(t, "fill_", value)
    shape = value.shape if isinstance(value, Tensor) else np.shape(value)
    if shape != ():  # (an array too: its truth value would fail inside _fill_value, unnamed)
        raise ValueError(f"fill_: value must be a number or a 0-d tensor, got shape {shape} "
                         f"(tensor of shape {t.shape}); copy_ writes a tensor of values")
    v = _fill_value(value.data if isinstance(value, Tensor) else value, t, "fill_")
    if arr is None:
        return record_change(t, "fill_", lambda old: overwrite(old, value if isinstance(value, Tensor) else v))
    return store(t, arr, v, "fill_", casting="unsafe")


def fill_diagonal_(t: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """torch's fill_diagonal_: the main diagonal, entries (i, i, ..., i), set to fill_value.
    t has 2 or more axes, all of one length when more than 2; a tall matrix (rows > cols)
    restarts its diagonal every cols + 1 rows when wrap=True, as np.fill_diagonal. Its
    gradient (on a tensor with a graph, recorded) is 0 on the diagonal, passed elsewhere."""
    op = "fill_diagonal_"
    if t.ndim < 2 or (t.ndim > 2 and len(set(t.shape)) != 1):
        raise ValueError(f"{op}: expected a matrix, or more axes all of one length, got shape {t.shape}")
    if not isinstance(wrap, (bool, np.bool_)):
        raise TypeError(f"{op}: wrap must be a bool, got {wrap!r} (tensor of shape {t.shape})")
    shape = fill_value.shape if isinstance(fill_value, Tensor) else np.shape(fill_value)
    if shape != ():
        raise ValueError(f"{op}: fill_value must be a number, got shape {shape} (tensor of shape {t.shape})")
    if isinstance(fill_value, Tensor):
        if fill_value.requires_grad:
            raise TypeError(f"{op}: fill_value must be a number, as torch's; got a tensor that requires "
                            f"grad (tensor of shape {t.shape}); use am.where(mask, value, x) for a gradient")
        fill_value = fill_value.data
    v = _fill_value(fill_value, t, op)
    arr = in_place_array(t, op)
    mask = np.zeros(t.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=bool(wrap))
    if arr is None:
        return record_change(t, op, lambda old: where(mask, v, old))
    return store(t, arr, np.where(mask, v, arr), op)


def zero_(t: Tensor) -> Tensor:
    arr = in_place_array(t, "zero_")
    if arr is None:
        return record_change(t, "zero_", lambda old: overwrite(old, 0))
    return store(t, arr, 0, "zero_")


def copy_(t: Tensor, src: Any) -> Tensor:
    arr = in_place_array(t, "copy_", src)
    value = _operand(src, t, "copy_")
    if arr is None:
        _fits(t, np.shape(value), "copy_")
        return record_change(t, "copy_", lambda old: overwrite(old, src if isinstance(src, Tensor) else value))
    # (any real dtype converts, as torch's copy_: float to int truncates)
    return store(t, arr, value, "copy_", casting="unsafe")


def changed_by(t: Tensor, op: str, operand: Any, compute: Any) -> Tensor:
    """t = compute(t) in place for an op whose out-of-place form checks its arguments
    (index_add_, scatter_add_): recorded where in_place_array says so, else computed
    without a graph (raising before anything changes) and stored."""
    arr = in_place_array(t, op, operand)
    if arr is None:
        return record_change(t, op, compute)
    with engine.no_grad():
        result = compute(t)
    return store(t, arr, result.data, op)


def lerp_(t: Tensor, end: Any, weight: Any) -> Tensor:
    """t = lerp(t, end, weight) in place (torch's lerp_: an EMA or soft target update)."""
    arr = in_place_array(t, "lerp_", end, weight)
    shapes = [o.shape if isinstance(o, Tensor) else np.shape(o) for o in (end, weight)]
    try:
        shape = np.broadcast_shapes(t.shape, *shapes)
    except ValueError:
        shape = None
    if shape != t.shape:
        raise ValueError(f"lerp_: end (shape {shapes[0]}) and weight (shape {shapes[1]}) must broadcast "
                         f"to the tensor's shape {t.shape}")
    if arr is None:
        return record_change(t, "lerp_", lambda old: lerp(old, end, weight))
    with no_grad():
        result = lerp(t, end, weight)
    return store(t, arr, result.data, "lerp_")


def random_(t: Tensor, op: str, draw: Any, *args: Any) -> Tensor:
    if in_place_array(t, op) is None:
        drawn = Tensor._wrap(np.empty_like(t.data))
        draw(drawn, *args)  # (nn.init checks the dtype and the numbers, and draws)
        return record_change(t, op, lambda old: overwrite(old, drawn.data))
    draw(t, *args)  # (nn.init checks the dtype and the numbers, draws and stamps)
    return t


@composite
def setitem(old: Tensor, index: Any, value: Any) -> Tensor:
    """old with old[index] = value, recorded (Tensor.__setitem__ on a tensor with a graph):
    value's gradient from the entries it wrote (summed where it was broadcast), old's
    from the others. index is an ndarray index (tensor._index's); an entry indexed twice
    takes the value numpy's assignment leaves there."""
    which = np.full(old.shape, -1, dtype=np.intp)
    place = which[index]  # (raises IndexError for a bad index, before anything is recorded)
    vshape = value.shape if isinstance(value, Tensor) else np.shape(value)
    extra = len(vshape) - place.ndim
    if extra > 0 and all(n == 1 for n in vshape[:extra]):
        try:  # (numpy's assignment drops a value's leading length-1 axes, a[:] = b[None],
            which[index] = np.zeros(vshape, dtype=np.intp)  # where its index takes them)
        except (ValueError, TypeError):
            pass
        else:
            value = value.reshape(vshape[extra:]) if isinstance(value, Tensor) else np.reshape(value, vshape[extra:])
            vshape = vshape[extra:]
    if not _broadcasts_to(vshape, place.shape):
        raise ValueError(f"item assignment: cannot set {place.shape} entries of a tensor of shape "
                         f"{old.shape} to a value of shape {vshape}")
    # Which entry of the broadcast value lands where: numpy's own assignment decides.
    which[index] = np.arange(place.size).reshape(place.shape)
    hit = which >= 0
    if place.size == 0:  # (value selected nowhere: its gradient 0, but it is recorded, as PyTorch's)
        return where(hit, value.sum() if isinstance(value, Tensor) else 0, old)
    flat = broadcast_to(value, place.shape).reshape(-1)
    return where(hit, flat[np.where(hit, which, 0)], old)


# (engine.rebase writes a change of a view through to its base with these)
engine.view_puts.update({P.getitem: _put_getitem, P.reshape: _put_reshape, P.permute: _put_permute})
for _p in engine.view_puts:
    _p.is_view = True
