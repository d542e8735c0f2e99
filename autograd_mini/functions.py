"""Array functions of the public API: primitives for tensors, and composites.

Composites are plain compositions of primitives and carry no backward code;
their gradients (of any order) follow from the primitives' VJPs. Numerically
delicate ones (logsumexp, log_softmax, softmax) shift by the maximum first so
that nothing overflows. Masks and shifts are computed with tensor ops (x > 0,
not x.data > 0): am.compile replays ops, and would freeze a value read from
.data.
"""

from __future__ import annotations

import builtins as _builtins
import math
import numbers
import operator
from collections.abc import Iterable
from typing import Any, Sequence

import numpy as np

from . import engine
from . import primitives as P
from .engine import composite, is_grad_enabled, no_grad, shape_constant, tracers
from .tensor import (
    FLOAT16, Tensor, _axis, _extremum_axis, _flag, _is_index, _shape_arg, _varargs, get_default_dtype, kept_operand,
)


def as_tensor(x: Any) -> Tensor:
    """`x` itself if it is a Tensor, else a constant tensor of a copy of it (so a graph
    keeps the values it was computed from when the caller refills its array).

    While am.compile records, a numeric ndarray is wrapped instead, so that the
    tape sees a function's ndarray argument as that argument.
    """
    if isinstance(x, Tensor):
        return x
    if tracers and isinstance(x, np.ndarray) and x.dtype.kind in "biufc":
        t = Tensor._wrap(x)
        tracers[-1].tensor_made(t)
        return t
    return Tensor._of(x)


_INT_ONLY = frozenset({int})


def _axes(op: str, axis: Any, shape: tuple) -> tuple:
    """`axis` (None, int or tuple) as a tuple of non-negative axes of `shape`."""
    if axis is None:
        return tuple(range(len(shape)))
    if not shape and type(axis) is int and axis in (0, -1):  # (numpy reduces a 0-d array over these)
        return ()
    # (numpy's normaliser takes True as axis 1 and iterates anything iterable: an empty
    # tensor or array became "no axes", and the reduction silently did nothing. An int
    # or a tuple of ints, the usual axis, passes the first test: the full one cost mean
    # and var 0.3-0.6 us a call.)
    if type(axis) is not int and not (type(axis) is tuple and {*map(type, axis)} <= _INT_ONLY):
        items = axis if isinstance(axis, (tuple, list)) else (axis,)
        if not all(_is_index(a) for a in items):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r} for shape {shape}")
    try:
        return np.lib.array_utils.normalize_axis_tuple(_axis(axis), len(shape))
    except (ValueError, TypeError) as e:
        raise ValueError(f"{op}: bad axis {axis!r} for shape {shape}: {e}") from e


def _reduced_count(op: str, shape: tuple, axis: Any) -> int:
    return math.prod(shape[a] for a in _axes(op, axis, shape))


def _negated(y: Any) -> Any:
    """-y: a tensor for a tensor or an array (recorded if it requires grad), a Python
    number for a Python number (so float32 is not upcast). An array's negation is an
    op, not a plain ndarray: am.compile then records it from the caller's array (an
    argument), where an array negated outside the tape would be a frozen constant."""
    if isinstance(y, (Tensor, int, float)):
        return -y
    return P.neg.apply(np.asarray(y))


# -- thin wrappers of primitives -------------------------------------------------


def exp(x: Any) -> Tensor:
    """e ** x, elementwise."""
    return P.exp.apply(as_tensor(x))


def log(x: Any) -> Tensor:
    """Natural logarithm, elementwise."""
    return P.log.apply(as_tensor(x))


def log1p(x: Any) -> Tensor:
    """log(1 + x), elementwise (same shape as x), exact for tiny x where 1 + x rounds."""
    return P.log1p.apply(as_tensor(x))


def sign(x: Any) -> Tensor:
    """-1, 0 or 1 by the sign of x, elementwise, as np.sign.

    Same shape and dtype as x; NaN stays NaN. No gradient: the result never
    requires grad."""
    return P.sign.apply(as_tensor(x))


def sin(x: Any) -> Tensor:
    """Sine, elementwise (same shape as x)."""
    return P.sin.apply(as_tensor(x))


def cos(x: Any) -> Tensor:
    """Cosine, elementwise (same shape as x)."""
    return P.cos.apply(as_tensor(x))


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent, elementwise (same shape as x)."""
    return P.tanh.apply(as_tensor(x))


def erf(x: Any) -> Tensor:
    """Error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt, elementwise.

    Same shape as x; float32 stays float32, integers give floats as exp does. numpy has
    none; the name is scipy.special's and torch's. Within 3 ulps of math.erf in float64;
    erf(+-inf) = +-1."""
    return P.erf.apply(as_tensor(x))


def erfinv(x: Any) -> Tensor:
    """Inverse error function, elementwise: the y with erf(y) = x, for x in (-1, 1).

    Same shape as x; float32 stays float32, integers give floats as exp does. numpy has
    none; the name is scipy.special's and torch's, and so are the ends: erfinv(+-1) =
    +-inf, NaN outside [-1, 1]. Within 4 ulps in float64. Gradient sqrt(pi)/2 *
    exp(erfinv(x)**2) (inf at +-1); second derivatives through create_graph."""
    return P.erfinv.apply(as_tensor(x))


def lgamma(x: Any) -> Tensor:
    """log|Gamma(x)|, elementwise (same shape as x; float32 stays float32, integers give
    float64 as erf's). torch's name (scipy.special's gammaln); numpy has none. inf at 0, at
    the negative integers and at +-inf, as torch's. Within 3 ulps of the exact value in
    float64 for x > 0 (also next to the zeros at 1 and 2); for x < 0, where the reflection
    log(pi / |sin(pi x)|) - lgamma(1 - x) is used, relative away from lgamma's zeros and
    absolute (~1e-15) near them. Gradient digamma(x); second derivatives through create_graph."""
    return P.lgamma.apply(as_tensor(x))


def digamma(x: Any) -> Tensor:
    """psi(x) = d/dx lgamma(x), elementwise (same shape as x; float32 stays float32).
    torch's name and values at the poles: -inf at +0, +inf at -0, NaN at the negative
    integers and at -inf; inf at +inf. Within 2e-14 relative in float64 away from its
    zeros (1.4616..., and one between each pair of negative integers). Gradient
    polygamma(1, x) (trigamma); second derivatives through create_graph."""
    return P.polygamma.apply(as_tensor(x), n=0)


def polygamma(n: int, x: Any) -> Tensor:
    """psi^(n)(x), the n-th derivative of digamma, elementwise (same shape as x; float32
    stays float32), for an int n >= 0 (polygamma(0, x) is digamma(x)); torch's name and
    argument order. At 0 and the negative integers (-1)**(n+1) inf for n >= 1, as torch's;
    0 at +inf (the limit; torch's float64 gives NaN for n >= 2) and NaN at -inf. For x > 0
    a recurrence up then the Hurwitz zeta's Euler-Maclaurin series ((-1)**(n+1) n!
    zeta(n + 1, x)); for x < 0 the reflection (the n-th derivative of psi(1 - x) - psi(x) =
    pi cot(pi x)). Within about 1e-13 relative in float64 (2e-14 for n <= 1). Gradient
    polygamma(n + 1, x); second derivatives through create_graph. ValueError for an n that
    is not an int >= 0."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"polygamma: n must be an int >= 0 (0 is digamma), got {n!r}")
    return P.polygamma.apply(as_tensor(x), n=int(n))


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e**-x), stable for any x."""
    return P.sigmoid.apply(as_tensor(x))


def abs(x: Any) -> Tensor:
    """|x|, elementwise; the gradient at 0 is 0."""
    return P.abs.apply(as_tensor(x))


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over `axis` (int, tuple, None = all); the reduced axes are dropped unless keepdims."""
    return as_tensor(x).sum(axis, keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over `axis` (reduced axes dropped unless keepdims); tied maxima share
    the gradient equally. Values only, as numpy: unlike torch.max(x, dim), no
    (values, indices) pair (`_, pred = am.max(out, 1)` unpacks the values, silently
    for a batch of two); the indices are np.argmax(x.data, axis). A Tensor axis is
    refused: torch.max(a, b) of two tensors is am.maximum(a, b)."""
    return as_tensor(x).max(axis, keepdims)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b as numpy.matmul: (..., n, k) @ (..., k, m) -> (..., n, m), the leading
    axes broadcast; a 1-D operand is a vector (its axis dropped)."""
    a = as_tensor(a)
    return P.matmul.apply(a, b if type(b) is not np.ndarray else kept_operand(a, b))


def reshape(x: Any, shape: int | Sequence[int]) -> Tensor:
    """The same elements in `shape` (one entry may be -1), C order."""
    return as_tensor(x).reshape(_shape_arg(shape))


def permute(x: Any, axes: Sequence[int]) -> Tensor:
    """Reorder axes: output axis i is input axis axes[i]."""
    return as_tensor(x).permute(tuple(axes))


def broadcast_to(x: Any, shape: int | Sequence[int]) -> Tensor:
    """x broadcast to `shape` by numpy's rules; the gradient sums back."""
    return as_tensor(x).broadcast_to(shape)


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise maximum, x and y broadcast together; ties split the gradient in half."""
    if _python_number(x) and not _python_number(y):
        x, y = y, x  # (symmetric, ties too; a Python number second keeps y's dtype, as numpy)
    x = as_tensor(x)
    return P.maximum.apply(x, y if type(y) is not np.ndarray else kept_operand(x, y))


def floor_divide(x: Any, y: Any) -> Tensor:
    """x // y elementwise, as np.floor_divide.

    x and y broadcast together to the output's shape; integers give integers, floats
    floor(x / y) as floats. y == 0 gives numpy's answer and RuntimeWarning (0 for
    integers; inf, -inf or nan for floats).

    No gradient: the output never requires grad (piecewise constant, its derivative is
    0 wherever it exists; PyTorch 2.x records a node whose backward raises instead)."""
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = as_tensor(x)
    return P.floor_divide.apply(x, y)


def remainder(x: Any, y: Any) -> Tensor:
    """x % y elementwise, as np.remainder: x - floor(x / y) * y, with the sign of y.

    x and y broadcast together to the output's shape. Integers give integers; y == 0
    gives numpy's answer and RuntimeWarning (0 for integers, nan for floats).

    Gradients: 1 for x, -floor(x / y) for y (summed over broadcast axes), taking
    floor_divide's value where x / y is an integer and the remainder jumps (as
    PyTorch does)."""
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = as_tensor(x)
    if type(y) is np.ndarray:
        y = kept_operand(x, y)
    elif type(x) is np.ndarray:
        x = kept_operand(y, x)
    return P.remainder.apply(x, y)


def _python_number(v: Any) -> bool:
    """A Python int or float, which numpy casts to the other operand's dtype (a weak scalar)."""
    return type(v) is int or type(v) is float


_NOT_GIVEN = object()


def where(condition: Any, x: Any = _NOT_GIVEN, y: Any = _NOT_GIVEN) -> Any:
    """x where condition, else y; the three broadcast together to the output shape.

    No gradient flows to the (boolean) condition. With the condition alone, numpy's
    (and torch's) where(condition): nonzero(condition), a tuple of index tensors."""
    if x is _NOT_GIVEN or y is _NOT_GIVEN:
        if x is not _NOT_GIVEN or y is not _NOT_GIVEN:
            raise TypeError("where: give both x and y, or neither (then it is nonzero(condition))")
        from .selection import nonzero
        return nonzero(condition)
    cond = condition if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    if _python_number(x) and _python_number(y):
        out = P.where.apply(cond, x, y)
        # (two Python numbers, a float among them: the default float dtype, as am.tensor
        # gives Python floats, where np.where gives float64. A cast of the result, not
        # a tensor made of x, which am.compile would refuse to see created as it records.)
        dtype = get_default_dtype()
        return out.astype(dtype) if out.dtype.kind == "f" and out.dtype != dtype else out
    x = x if _python_number(x) else as_tensor(x)  # (a Python number stays weak, as in numpy)
    y = y if _python_number(y) else as_tensor(y)
    if type(cond) is np.ndarray and cond is condition:  # (the caller's array: see kept_operand)
        for t in (x, y):
            if isinstance(t, Tensor) and t.requires_grad:
                cond = kept_operand(t, cond)
                break
    return P.where.apply(cond, x, y)


@composite
def masked_fill(x: Any, mask: Any, value: Any) -> Tensor:
    """PyTorch's masked_fill: x (shape S) with `value` where `mask` is True; shape S.

    mask is boolean (a tensor or an array) and broadcasts to S (a (T, T) mask over
    (B, H, T, T) attention scores); value is a number or a 0-d tensor. This is
    where(mask, value, x) with value cast to x's dtype first, as PyTorch: the result
    has x's dtype (an int x stays int, value truncated; a float64 value on a float32
    x is rounded, not an upcast; a value the dtype cannot hold raises a ValueError).
    The gradient to x is 0 where filled; a value tensor gets the sum of the gradient
    over the filled positions. A non-boolean mask raises a
    TypeError, one that does not broadcast to S (or would enlarge x) a ValueError."""
    x = as_tensor(x)
    cond = mask if isinstance(mask, Tensor) else np.asarray(mask)
    if cond.dtype != bool:
        raise TypeError(f"masked_fill: mask must be boolean, got dtype {cond.dtype} (mask of shape "
                        f"{cond.shape}, tensor of shape {x.shape}); make one with a comparison, "
                        "e.g. mask != 0")
    if not _broadcasts_to(cond.shape, x.shape):
        raise ValueError(f"masked_fill: a mask of shape {cond.shape} does not broadcast to the "
                         f"tensor's shape {x.shape}")
    if np.ndim(value.data if isinstance(value, Tensor) else value) != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape "
                         f"{np.shape(value.data if isinstance(value, Tensor) else value)} "
                         f"(tensor of shape {x.shape}); for an array of values use am.where")
    return where(cond, _fill_value(value, x, "masked_fill"), x)


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Whether an array of `shape` broadcasts to `target` without enlarging it (a mask
    or a weight that must fit a tensor, as numpy's broadcast_to would take it)."""
    try:
        return np.broadcast_shapes(tuple(shape), tuple(target)) == tuple(target)
    except ValueError:
        return False


def _fill_value(value: Any, x: Tensor, where: str) -> Any:
    """`value` (a number or a 0-d tensor) in x's dtype, as PyTorch casts it: the result
    keeps x's dtype (an int x stays int, a float32 x float32), which where's promotion
    would change. A number that the dtype cannot hold is refused."""
    dt = x.dtype
    if isinstance(value, Tensor):
        return value if value.dtype == dt else value.astype(dt)
    v = np.asarray(value)
    if v.dtype.kind not in "biufc" or (v.dtype.kind == "c" and dt.kind != "c"):
        raise TypeError(f"{where}: value {value!r} of dtype {v.dtype} does not fit a tensor of dtype {dt} "
                        f"(shape {x.shape})")
    with np.errstate(all="ignore"):
        cast = v.astype(dt)
    if dt.kind in "iu":
        ok = v.dtype.kind in "biu" and np.iinfo(dt).min <= v <= np.iinfo(dt).max or (
            v.dtype.kind in "fc" and np.isfinite(v) and np.iinfo(dt).min <= v.real <= np.iinfo(dt).max)
    else:  # (a float: inf and nan are values of every float dtype, but 1e300 overflows float32)
        ok = dt.kind == "b" or np.isfinite(cast) or not np.isfinite(v)
    if not ok:
        raise ValueError(f"{where}: value {value!r} cannot be converted to dtype {dt} without overflow "
                         f"(tensor of shape {x.shape})")
    return cast.item()


def _tensor_list(tensors: Any, where: str) -> list[Tensor]:
    """The tensors of a sequence (or of any iterable: a tensor's rows, as numpy)."""
    if not isinstance(tensors, Iterable):
        raise TypeError(f"{where}: expected a sequence of tensors, got {type(tensors).__name__}")
    return [as_tensor(t) for t in tensors]


def concatenate(tensors: Sequence[Any], axis: int | None = 0) -> Tensor:
    """Join tensors along an existing axis (their other axes equal; the result's
    axis is the sum of theirs); axis=None joins them flattened, as numpy."""
    tensors = _tensor_list(tensors, "concatenate")
    if not tensors:
        raise ValueError("concatenate: need at least one tensor")
    if axis is None:
        tensors, axis = [t.reshape(-1) for t in tensors], 0
    return P.concatenate.apply(*tensors, axis=axis)


_PAD_MODES = ("constant", "reflect", "symmetric", "edge", "wrap")


def pad(x: Any, pad_width: Any, value: float = 0.0, *, mode: str = "constant",
        constant_values: Any = None) -> Tensor:
    """Padding with numpy's `pad_width` (int, (before, after), or one pair per axis).

    mode is numpy's: 'constant' (filled with `value`), 'reflect' (mirrored
    without the edge: [1, 2, 3] -> [3, 2, 1, 2, 3, 2, 1]), 'symmetric' (with
    the edge), 'edge' (the edge repeated) or 'wrap' (periodic); widths larger
    than the axis repeat the pattern, as np.pad does; they take no value (one
    other than 0 is refused, as PyTorch's). Same ndim as x; each
    axis grows by before + after. The non-constant modes are composites of
    slices of x (basic getitem, negative steps for the mirrored runs),
    broadcast_to (an edge repeated) and one concatenate per padded axis.

    constant_values is numpy's keyword for the value in constant mode: a number, or
    numpy's (before, after) pair or one pair per axis (cast to x's dtype; where
    padded runs cross, the later axis's value, as np.pad): then one constant pad
    per padded side.
    """
    x = as_tensor(x)
    if not isinstance(mode, str) or mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    pairs = None
    if constant_values is not None:
        pairs = _pad_constant_values(x, value, mode, constant_values)
        if pairs is None:
            value = constant_values if isinstance(constant_values, Tensor) else np.asarray(constant_values).item()
    if isinstance(value, str):  # (numpy's third argument is the mode; here it is the value)
        raise TypeError(f"pad: value must be a number, got {value!r}; pass the mode by keyword: mode={value!r}")
    if mode != "constant" and (isinstance(value, Tensor) or value != 0):  # (as PyTorch; numpy refuses any)
        raise ValueError(f"pad: mode={mode!r} takes its padding from x, not a value; got value={value!r}")
    raw = np.asarray(pad_width)
    if raw.dtype.kind not in "iu":  # (dtype=int below would truncate 1.5 to 1)
        raise TypeError(f"pad: pad_width must hold integers, got {pad_width!r}")
    try:
        widths = np.broadcast_to(raw.astype(int), (x.ndim, 2))
    except ValueError as e:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit shape {x.shape}") from e
    if (raw < 0).any():  # (raw, not widths: a 0-d x broadcasts them to none, numpy refuses still)
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    with_axes = [(axis, lo, hi) for axis, (lo, hi) in enumerate(widths.tolist()) if lo or hi]
    if pairs is not None:  # (axis by axis, a side at a time, as np.pad fills them: corners take the later axis's)
        for axis, lo, hi in with_axes:
            for side, v in (((lo, 0), pairs[axis, 0]), ((0, hi), pairs[axis, 1])):
                if side != (0, 0):
                    width = [(0, 0)] * x.ndim
                    width[axis] = side
                    x = P.pad.apply(x, pad_width=tuple(width), value=v.item())
        return x if with_axes else P.pad.apply(x, pad_width=((0, 0),) * x.ndim, value=0)
    if mode == "constant" or not with_axes:  # (no widths: a new tensor still, as in constant mode)
        return P.pad.apply(x, pad_width=tuple(map(tuple, widths.tolist())), value=value)
    for axis, lo, hi in with_axes:
        if x.shape[axis] == 0:
            raise ValueError(f"pad: mode={mode!r} cannot pad the empty axis {axis} of shape {x.shape}")
    for axis, lo, hi in with_axes:
        x = _pad_axis(x, axis, lo, hi, mode)
    return x


def _pad_constant_values(x: Tensor, value: Any, mode: str, constant_values: Any) -> Any:
    """None where np.pad's constant_values is one number or 0-d tensor (pad takes it as
    its value), else the values as an (x.ndim, 2) array: (before, after) per axis."""
    if mode != "constant":
        raise ValueError(f"pad: constant_values is for mode='constant', not mode={mode!r} "
                         f"(shape {x.shape})")
    if isinstance(value, Tensor) or value != 0:
        raise TypeError(f"pad: the value is given twice, as value={value!r} and as constant_values; pass one")
    if isinstance(constant_values, Tensor):
        if constant_values.ndim:
            raise TypeError(f"pad: constant_values as a tensor must be 0-d, got shape {constant_values.shape}")
        return None
    cv = np.asarray(constant_values)
    if cv.ndim == 0:
        return None
    try:
        return np.broadcast_to(cv.astype(x.dtype), (x.ndim, 2))  # (cast first, as np.pad casts them)
    except ValueError:
        raise ValueError(f"pad: constant_values of shape {cv.shape} do not fit shape {x.shape} (a number, "
                         "a (before, after) pair or one pair per axis)") from None


def _pad_axis(x: Tensor, axis: int, lo: int, hi: int, mode: str) -> Tensor:
    """x padded along one axis, as the runs of np.pad's index map: slices and repeated edges."""
    n = x.shape[axis]
    source = np.pad(np.arange(n), (lo, hi), mode=mode)  # which element of x lands where
    steps = np.diff(source)
    pieces, start, before = [], 0, (slice(None),) * axis
    while start < len(source):
        end = start + 1  # the run source[start:end] moves by one step (+1, -1 or 0) each time
        if end < len(source) and steps[start] in (-1, 0, 1):
            step = steps[start]
            while end < len(source) and steps[end - 1] == step:
                end += 1
        else:
            step = 1
        a, b = int(source[start]), int(source[end - 1])
        if step == 0:
            piece = x[before + (slice(a, a + 1),)]
            piece = broadcast_to(piece, piece.shape[:axis] + (end - start,) + piece.shape[axis + 1:])
        elif step == 1:
            piece = x if (a, b) == (0, n - 1) else x[before + (slice(a, b + 1),)]
        else:
            piece = x[before + (slice(a, b - 1 if b > 0 else None, -1),)]
        pieces.append(piece)
        start = end
    return pieces[0] if len(pieces) == 1 else concatenate(pieces, axis=axis)


# -- composites ----------------------------------------------------------------------


@composite
def sub(x: Any, y: Any) -> Tensor:
    """x - y, with numpy broadcasting."""
    return P.sub.apply(x, y)


@composite
def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise minimum: -maximum(-x, -y); ties split the gradient in half.

    Integer and bool operands are first converted to the floating result dtype
    (negating them could wrap); when the result is not floating there is no
    gradient, and it is where(x <= y, x, y).
    """
    if _python_number(x) and not _python_number(y):
        x, y = y, x  # (as in maximum)
    x = as_tensor(x)
    if not isinstance(y, (Tensor, int, float)):
        y = np.asarray(y)
    dtype = np.result_type(x.data, y.data if isinstance(y, Tensor) else y)
    if dtype.kind not in "fc":
        if _python_number(y):  # (an OverflowError, as numpy's, if y does not fit: where would wrap it)
            try:
                np.asarray(y, dtype=dtype)
            except OverflowError as e:
                raise OverflowError(f"minimum: invalid input for shapes {x.shape} and (): {e}") from e
        return P.where.apply(x <= y, x, y)
    if x.dtype.kind not in "fc":
        x = x.astype(dtype)
    if isinstance(y, (Tensor, np.ndarray)) and y.dtype.kind not in "fc":
        y = y.astype(dtype)
    return -P.maximum.apply(-x, _negated(y))


def _divided(total: Tensor, n: Any) -> Tensor:
    """total / n, rounded as numpy's mean and var divide (a product with 1/n, rounded
    twice, differed from np.mean in the last bit for a quarter of the arrays); for a
    power of two n (2x2 pooling) the product, which is the same number and cheaper."""
    if type(n) is int and n & (n - 1) == 0:
        return total * (1.0 / n)
    return total / n


@composite
def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis`: sum / count (reduced axes dropped unless keepdims; float16
    summed in float32, as numpy does)."""
    x = as_tensor(x)
    n = _reduced_count("mean", x.shape, axis)
    if n == 0:
        raise ValueError(f"mean: no elements to average for shape {x.shape}, axis {axis}")
    if x.dtype == FLOAT16:  # (a float16 sum overflows at 65504)
        return _divided(x.astype(np.float32).sum(axis, keepdims), n).astype(np.float16)
    return _divided(x.sum(axis, keepdims), n)


@composite
def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance sum(|x - mean|**2) / (N - ddof) over `axis` (reduced axes dropped
    unless keepdims); population variance by default.
    Real for complex x, as numpy's; computed in float32 for float16 x, whose sums
    overflow at 65504 (numpy's float16 var does)."""
    return _variance("var", as_tensor(x), axis, keepdims, ddof)


def _variance(op: str, x: Tensor, axis: Any, keepdims: bool, ddof: Any) -> Tensor:
    """var's computation, its errors naming `op` (var or std)."""
    if isinstance(ddof, bool) or not isinstance(ddof, numbers.Real):  # (numpy takes a float ddof too)
        raise TypeError(f"{op}: ddof must be a number, got {ddof!r}")
    n = _reduced_count(op, x.shape, axis) - ddof
    # (a Python number: a numpy scalar ddof, np.int64 say, would make float32 x's var float64)
    n = int(n) if isinstance(n, numbers.Integral) else float(n)
    if n <= 0:
        raise ValueError(f"{op}: ddof={ddof} leaves no degrees of freedom for shape {x.shape}, axis {axis}")
    if x.dtype == FLOAT16:
        return _variance(op, x.astype(np.float32), axis, keepdims, ddof).astype(np.float16)
    d = x - x.mean(axis, keepdims=True)
    squares = abs(d) ** 2 if d.dtype.kind == "c" else d * d
    return _divided(squares.sum(axis, keepdims), n)


@composite
def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over `axis` (reduced axes dropped unless keepdims); tied minima share
    the gradient equally. Values only, as numpy (not torch.min's (values, indices));
    the indices are np.argmin(x.data, axis). A Tensor axis is refused: torch.min(a, b)
    of two tensors is am.minimum(a, b)."""
    x = as_tensor(x)
    return P.min.apply(x, axis=_extremum_axis("min", x, axis), keepdims=keepdims)


@composite
def sqrt(x: Any) -> Tensor:
    """x ** 0.5; integers and bools first become numpy's float for them (np.sqrt's
    float16 for int8 and bool, float32 for int16: int ** 0.5 would give float64)."""
    x = as_tensor(x)
    if x.dtype.kind in "biu":
        x = x.astype(np.result_type(x.dtype, np.float16))
    if x.dtype == FLOAT16:  # (float16 ** 0.5 is C's pow, +inf at -inf: float32's is np.sqrt's, rounded)
        return (x.astype(np.float32) ** 0.5).astype(FLOAT16)
    return x ** 0.5


@composite
def relu(x: Any) -> Tensor:
    """max(x, 0), with gradient 0 at 0 (as PyTorch); NaN stays NaN."""
    x = as_tensor(x)
    # The mask is a comparison of tensors (an op, not a reading of x.data), so
    # am.compile replays it for new inputs. (x <= 0, not x > 0: NaN fails both.)
    return P.where.apply(x <= 0, 0, x)  # (an int 0 keeps integer images integer, as np.maximum)


@composite
def clip(x: Any, min: Any = None, max: Any = None, *, a_min: Any = None, a_max: Any = None) -> Tensor:
    """Limit values to [min, max] (same shape as x); gradient 1 inside, 0 where clipped.
    NaN stays NaN, as in numpy. a_min / a_max are numpy's older names for the bounds
    (np.clip(a, a_min=0, a_max=None)); one name per bound."""
    if a_min is not None or a_max is not None:
        for new, old, v in (("min", "a_min", a_min), ("max", "a_max", a_max)):
            if v is not None and (min if new == "min" else max) is not None:
                raise TypeError(f"clip: the {new} bound is given twice, as {new} and as {old}; pass one")
        min = a_min if a_min is not None else min
        max = a_max if a_max is not None else max
    x = as_tensor(x)
    if min is not None:
        x = P.where.apply(x < min, min, _or_nan_bound(x, min))
    if max is not None:
        x = P.where.apply(x > max, max, _or_nan_bound(x, max))
    return x


def _or_nan_bound(x: Tensor, bound: Any) -> Tensor:
    """x, but the bound where the bound is NaN: np.clip gives a NaN bound, where x < NaN
    and x > NaN, both false, would keep x. (A Python number bound that is not NaN, the
    common one, costs nothing.)"""
    if _python_number(bound):
        if bound == bound:
            return x
        nan = True
    elif isinstance(bound, np.ndarray):
        b = as_tensor(bound)  # (a comparison of tensors: am.compile replays it on the next call's array)
        nan = b != b
    else:
        b = bound if isinstance(bound, Tensor) else np.asarray(bound)  # (a list: its elements compared)
        nan = b != b
    return P.where.apply(nan, bound, x)


def transpose(x: Any, *axes: Any) -> Tensor:
    """numpy's transpose: reverse the axes, or permute them as given (output axis i
    is input axis axes[i]). Not torch.transpose(x, a, b), which swaps two axes;
    swap axes with x.swapaxes(a, b).

    The one spelling the two read differently, x.transpose(0, 1) of a 2-D x (or
    (-2, -1)), is refused: numpy's identity permutation, PyTorch's swap. The tuple
    form x.transpose((0, 1)) is numpy's, x unchanged.
    """
    x = as_tensor(x)
    if len(axes) == 1 and axes[0] is None:  # (numpy's transpose(x, None): reversed)
        axes = ()
    elif len(axes) == 2 and x.ndim == 2 and all(_is_index(a) for a in axes) \
            and all(-2 <= int(a) < 2 for a in axes) and tuple(int(a) % 2 for a in axes) == (0, 1):
        raise ValueError(
            f"transpose: x.transpose({axes[0]}, {axes[1]}) of a 2-D tensor (shape {x.shape}) is numpy's "
            f"identity permutation, which leaves x unchanged, but PyTorch's swap of the two axes; "
            f"write x.T or x.swapaxes(0, 1) to swap them, x.transpose((0, 1)) for the identity"
        )
    else:
        axes = _varargs(axes)
    if not axes:
        axes = tuple(range(x.ndim - 1, -1, -1))
    elif len(axes) != x.ndim:
        swap = (f"; to swap two axes as torch's x.transpose({axes[0]}, {axes[1]}) does, use "
                f"x.swapaxes({axes[0]}, {axes[1]})") if len(axes) == 2 and x.ndim > 2 else ""
        raise ValueError(f"transpose: axes {tuple(axes)} must permute all {x.ndim} axes of shape "
                         f"{x.shape} (numpy's transpose){swap}")
    return x.permute(axes)


def _triangle(x: Any, k: Any, where: str, lower: bool) -> Tensor:
    x = as_tensor(x)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{where}: k must be an int, got {k!r}")
    if x.ndim < 2:
        raise ValueError(f"{where}: x must have at least 2 axes (..., M, N), got shape {x.shape}")
    m, n = x.shape[-2:]
    # (a mask of shapes alone, which am.compile keeps in its tape: a causal mask compiles)
    keep = shape_constant(np.tri(m, n, int(k), dtype=bool) if lower else ~np.tri(m, n, int(k) - 1, dtype=bool))
    return P.where.apply(keep, x, False)  # (False: x keeps its dtype, bool too, as numpy's)


@composite
def tril(x: Any, k: int = 0) -> Tensor:
    """Lower triangle, as np.tril: x (..., M, N) -> (..., M, N), zero above diagonal k.

    k = 0 is the main diagonal, k > 0 above it, k < 0 below; the gradient passes
    where x is kept.
    A causal attention mask: am.where(am.tril(am.ones((T, T))) > 0, scores, -1e9)."""
    return _triangle(x, k, "tril", lower=True)


@composite
def triu(x: Any, k: int = 0) -> Tensor:
    """Upper triangle, as np.triu: x (..., M, N) -> (..., M, N), zero below diagonal k.

    The gradient passes where x is kept."""
    return _triangle(x, k, "triu", lower=False)


@composite
def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes start_dim..end_dim into one (all of them by default)."""
    x = as_tensor(x)
    ndim = x.ndim or 1  # (a number's dims are checked as one axis's, as PyTorch's)
    for d in (start_dim, end_dim):
        if not _is_index(d):
            raise TypeError(f"flatten: start_dim and end_dim must be ints, got {d!r} for shape {x.shape}")
        if not -ndim <= d < ndim:
            raise ValueError(f"flatten: dimension {d} is out of range for shape {x.shape}")
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} is after end_dim {end_dim} for shape {x.shape}")
    # The merged size itself, not -1: numpy cannot infer a -1 when another axis is 0
    # (an empty batch (0, C, H, W) from axis 1).
    merged = math.prod(x.shape[s : e + 1])
    return x.reshape(x.shape[:s] + (merged,) + x.shape[e + 1 :])


@composite
def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Remove axes of length 1 (all of them, or those in `axis`)."""
    x = as_tensor(x)
    try:
        shape = np.squeeze(np.empty(x.shape, dtype=bool), axis=_axis(axis)).shape
    except (ValueError, TypeError) as e:  # (a float axis is numpy's TypeError)
        error = TypeError if isinstance(e, TypeError) else ValueError
        raise error(f"squeeze: cannot squeeze axis {axis!r} of shape {x.shape}: {e}") from e
    return x.reshape(shape)


@composite
def unsqueeze(x: Any, axis: int) -> Tensor:
    """Insert an axis of length 1 at position `axis`."""
    x = as_tensor(x)
    try:
        shape = np.expand_dims(np.empty(x.shape, dtype=bool), axis).shape
    except (ValueError, TypeError) as e:  # (a float axis is numpy's TypeError)
        error = TypeError if isinstance(e, TypeError) else ValueError
        raise error(f"unsqueeze: bad axis {axis!r} for shape {x.shape}: {e}") from e
    return x.reshape(shape)


@composite
def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join n tensors of equal shape along a new axis of length n at `axis`."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise ValueError("stack: need at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    ndim = tensors[0].ndim + 1
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"stack: axis {axis!r} is out of range for stacking tensors of shape {tensors[0].shape}")
    return concatenate([unsqueeze(t, axis) for t in tensors], axis=axis)


# -- numpy's stacking helpers and broadcasting (built of reshape, concatenate, broadcast_to) --


def _at_least(op: str, arys: tuple, ndim: int) -> Any:
    """Each input with at least ndim axes (numpy's atleast_{1,2,3}d: one tensor for one
    input, else a tuple). New axes of length 1: 0-d -> (1,)*ndim; for 2: (N,) -> (1, N);
    for 3: (N,) -> (1, N, 1), (M, N) -> (M, N, 1)."""
    if not arys:
        raise TypeError(f"{op}: expected at least one tensor")
    out = []
    for t in map(as_tensor, arys):
        if t.ndim < ndim:
            s = t.shape
            shape = {0: (1,) * ndim, 1: (1,) * (ndim - 1) + s if ndim < 3 else (1,) + s + (1,),
                     2: s + (1,)}[t.ndim]
            t = P.reshape.apply(t, shape=shape)
        out.append(t)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys: Any) -> Any:
    """np.atleast_1d: each input with at least 1 axis (a 0-d one as shape (1,)); one
    tensor for one input, else a tuple. A recorded reshape: the gradient flows back."""
    return _at_least("atleast_1d", arys, 1)


def atleast_2d(*arys: Any) -> Any:
    """np.atleast_2d: each input with at least 2 axes: () -> (1, 1), (N,) -> (1, N); one
    tensor for one input, else a tuple."""
    return _at_least("atleast_2d", arys, 2)


def atleast_3d(*arys: Any) -> Any:
    """np.atleast_3d: each input with at least 3 axes: () -> (1, 1, 1), (N,) -> (1, N, 1),
    (M, N) -> (M, N, 1); one tensor for one input, else a tuple."""
    return _at_least("atleast_3d", arys, 3)


def _joined(op: str, tensors: list, axis: int) -> Tensor:
    """concatenate(tensors, axis), its shapes checked first so that a refusal names op."""
    if not tensors:
        raise ValueError(f"{op}: need at least one tensor")
    shapes = [t.shape for t in tensors]
    ndim = len(shapes[0])
    if any(len(s) != ndim for s in shapes) or any(
            s[:axis] + s[axis + 1:] != shapes[0][:axis] + shapes[0][axis + 1:] for s in shapes):
        raise ValueError(f"{op}: shapes {', '.join(map(str, shapes))} (as {ndim}-D) must agree on every "
                         f"axis but axis {axis}, along which they are joined")
    return concatenate(tensors, axis=axis)


@composite
def vstack(tensors: Sequence[Any]) -> Tensor:
    """np.vstack: the tensors joined along axis 0 after atleast_2d ((N,) is a row (1, N));
    n rows of shape (N,) give (n, N). Their other axes must agree."""
    ts = [atleast_2d(t) for t in _tensor_list(tensors, "vstack")]
    return _joined("vstack", ts, 0)


@composite
def hstack(tensors: Sequence[Any]) -> Tensor:
    """np.hstack: the tensors joined along axis 1, or along axis 0 when they are 1-D (0-d
    ones count as shape (1,)); their other axes must agree."""
    ts = [atleast_1d(t) for t in _tensor_list(tensors, "hstack")]
    return _joined("hstack", ts, 0 if ts and ts[0].ndim == 1 else 1)


@composite
def dstack(tensors: Sequence[Any]) -> Tensor:
    """np.dstack: the tensors joined along axis 2 after atleast_3d ((N,) -> (1, N, 1),
    (M, N) -> (M, N, 1)); n matrices (M, N) give (M, N, n)."""
    ts = [atleast_3d(t) for t in _tensor_list(tensors, "dstack")]
    return _joined("dstack", ts, 2)


@composite
def column_stack(tensors: Sequence[Any]) -> Tensor:
    """np.column_stack: the tensors joined along axis 1, a 0-d or 1-D one (N,) taken as a
    column (N, 1) (0-d: (1, 1)); n vectors (N,) give (N, n). Others as they are (2-D and up)."""
    ts = [P.reshape.apply(t, shape=(t.size, 1)) if t.ndim < 2 else t
          for t in _tensor_list(tensors, "column_stack")]
    return _joined("column_stack", ts, 1)


def broadcast_shapes(*shapes: Any) -> tuple:
    """np.broadcast_shapes (torch.broadcast_shapes): the shape that shapes (tuples of ints,
    or ints for 1-D) broadcast to, a tuple; a ValueError naming them if they do not."""
    for s in shapes:
        if not (_is_index(s) or (isinstance(s, (tuple, list)) and all(_is_index(k) for k in s))):
            raise TypeError(f"broadcast_shapes: expected shapes (tuples of ints, or ints), got {s!r}")
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"broadcast_shapes: shapes {', '.join(map(str, shapes))} do not broadcast "
                         "together") from None


def _broadcast_all(op: str, args: tuple) -> tuple:
    ts = [as_tensor(a) for a in args]
    try:
        shape = tuple(np.broadcast_shapes(*(t.shape for t in ts)))
    except ValueError:
        raise ValueError(f"{op}: shapes {', '.join(str(t.shape) for t in ts)} do not broadcast "
                         "together") from None
    return tuple(t if t.shape == shape else P.broadcast_to.apply(t, shape=shape) for t in ts)


def broadcast_arrays(*args: Any) -> tuple:
    """np.broadcast_arrays: the tensors broadcast to their common shape (read-only views,
    recorded: each gradient sums over the broadcast axes), as a tuple."""
    return _broadcast_all("broadcast_arrays", args)


def broadcast_tensors(*tensors: Any) -> tuple:
    """torch.broadcast_tensors: the tensors broadcast to their common shape, a tuple (as
    broadcast_arrays)."""
    return _broadcast_all("broadcast_tensors", tensors)


def _floating(x: Tensor) -> Tensor:
    """x, or an integer x converted to the default float dtype: exp and log give floats,
    and x - max(x) in the integers would wrap (uint8 [0, 200] gave NaN)."""
    return x.astype(get_default_dtype()) if x.dtype.kind in "iu" else x


def _shift(op: str, x: Tensor, axis: Any) -> np.ndarray | Tensor:
    """The maximum along `axis` (keepdims), never differentiated; 0 where it is not finite.

    An array, or while am.compile records, a tensor from ops that are not recorded
    for backward (so the replay recomputes it).
    """
    # An int axis in range goes to numpy as it is (normalising would add 3 us
    # to the 10 us this takes for cross_entropy's (128, 10) logits).
    if x.dtype == np.bool_:  # (else numpy's "boolean subtract" error, from inside the op)
        raise TypeError(f"{op}: expected numbers, got a bool tensor of shape {x.shape}; "
                        "convert it with .astype(float)")
    in_range = type(axis) is int and -x.ndim <= axis < x.ndim
    axes = axis if in_range else _axes(op, axis, x.shape)
    if x.data.size == 0 and 0 in [x.shape[a] for a in ((axes,) if type(axes) is int else axes)]:
        raise ValueError(f"{op}: nothing to reduce along axis {axis} of input of shape {x.shape}")
    if tracers:
        # am.compile is recording: the same values from unrecorded ops, so a
        # replay recomputes them (|m| < inf exactly where m is finite).
        with no_grad():
            m = P.max.apply(x, axis=axes, keepdims=True)
            return P.where.apply(abs(m) < np.inf, m, 0.0)
    m = np.maximum.reduce(x.data, axis=axes, keepdims=True)
    if not np.isfinite(m).all():  # rare (a row of infs or NaNs): only then a select
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
    return m


@composite
def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over `axis`, shifted by the maximum so it never overflows.

    The shift m is a constant: the result does not depend on it, so neither
    does the gradient (which is softmax(x)). Where every entry is -inf the result
    is -inf and the gradient 0 (not 0 / 0): a finite loss cannot depend on such
    a row but through exp of it, whose gradient there is 0 anyway.
    """
    x = _floating(as_tensor(x))
    keepdims = _flag(keepdims, "keepdims", "logsumexp")
    if x.dtype == FLOAT16:  # (the sum of exponentials overflows float16 at 65504)
        return logsumexp(x.astype(np.float32), axis, keepdims).astype(np.float16)
    axis = _axes("logsumexp", axis, x.shape)
    m = _shift("logsumexp", x, axis)
    total = (x - m).exp().sum(axis, keepdims=True)
    # Only where every entry is -inf is the total 0 (elsewhere the maximum adds exp(0) = 1,
    # or an inf or NaN): there the result is -inf, taken without log(0), whose VJP would
    # give the row 0 / 0 = NaN also when the loss leaves it out (a fully masked row).
    empty = total == 0
    out = P.where.apply(empty, -np.inf, P.where.apply(empty, 1.0, total).log()) + m
    if keepdims:
        return out
    return out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axis))


def _dim_for_axis(where: str, axis: Any, dim: Any) -> Any:
    """torch's dim= for a torch-only name whose axis defaults to -1: refuse both, unless equal
    (an axis=-1 the caller passed cannot be told from the default, so dim=-1 is its only partner)."""
    if axis != -1 and axis != dim:
        raise TypeError(f"{where}: got axis={axis!r} and dim={dim!r}; pass one")
    return dim


@composite
def log_softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """z - log(sum(exp(z))) along `axis`, with z = x - max(x) (a constant shift that
    cancels): exact for logits of any size, where x - logsumexp(x) would subtract two
    large numbers (float32 logits of 1e5 lose the third digit). Same shape as x.
    A torch-only name: torch's dim= keyword is accepted for axis (not both, unless equal)."""
    if dim is not None:
        axis = _dim_for_axis("log_softmax", axis, dim)
    x = _floating(as_tensor(x))
    if x.dtype == FLOAT16:  # (the sum of exponentials overflows float16 at 65504)
        return log_softmax(x.astype(np.float32), axis).astype(np.float16)
    z = x - _shift("log_softmax", x, axis)
    return z - z.exp().sum(axis, keepdims=True).log()


@composite
def softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """exp(x - max) / sum(exp(x - max)) along `axis`; same shape as x.
    A torch-only name: torch's dim= keyword is accepted for axis (not both, unless equal)."""
    if dim is not None:
        axis = _dim_for_axis("softmax", axis, dim)
    x = _floating(as_tensor(x))
    if x.dtype == FLOAT16:  # (the sum of exponentials overflows float16 at 65504)
        return softmax(x.astype(np.float32), axis).astype(np.float16)
    e = (x - _shift("softmax", x, axis)).exp()
    return e / e.sum(axis, keepdims=True)


# -- index reductions ------------------------------------------------------------


def _arg_extreme(prim: P.Primitive, x: Any, axis: Any, keepdims: Any) -> Tensor:
    x = as_tensor(x)
    if axis is not None and not _is_index(axis):  # (numpy's argmax takes no tuple of axes)
        raise TypeError(f"{prim.name}: axis must be an int or None, got {axis!r} for shape {x.shape}")
    axis = axis if axis is None else operator.index(axis)
    return prim.apply(x, axis=axis, keepdims=_flag(keepdims, "keepdims", prim.name))


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the (first) maximum along `axis`, as np.argmax.

    An integer tensor of x's shape without that axis (kept with length 1 if keepdims);
    axis=None gives the index into the flattened x, a 0-d tensor. NaN counts as the
    maximum. Never requires grad. Accuracy: `(model(x).argmax(axis=1) == y).mean()`."""
    return _arg_extreme(P.argmax, x, axis, keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the (first) minimum along `axis`, as np.argmin.

    See argmax: same shapes, NaN counts as the minimum, never requires grad."""
    return _arg_extreme(P.argmin, x, axis, keepdims)


# -- more elementwise math (numpy's names; composites unless noted) -----------------


def _ufunc_float(x: Tensor) -> Tensor:
    """x, or an integer or bool x converted to the float numpy's ufuncs give it (np.sin's:
    float16 for int8, uint8 and bool, float32 for int16, float64 for int32 and int64)."""
    return x.astype(np.result_type(x.dtype, np.float16)) if x.dtype.kind in "biu" else x


@composite
def tan(x: Any) -> Tensor:
    """Tangent sin(x) / cos(x), elementwise (same shape as x)."""
    x = as_tensor(x)
    return P.sin.apply(x) / P.cos.apply(x)


def arctan2(y: Any, x: Any) -> Tensor:
    """The angle of the point (x, y) in [-pi, pi], as np.arctan2: y and x broadcast together.

    Gradients y: x / (x**2 + y**2), x: -y / (x**2 + y**2) (summed over broadcast axes);
    both 0 at the origin, where the angle has no derivative."""
    if not isinstance(y, Tensor) and not isinstance(x, Tensor):
        y = as_tensor(y)
    if type(x) is np.ndarray:
        x = kept_operand(y, x)
    elif type(y) is np.ndarray:
        y = kept_operand(x, y)
    return P.arctan2.apply(y, x)


@composite
def arctan(x: Any) -> Tensor:
    """Inverse tangent in (-pi/2, pi/2), elementwise: arctan2(x, 1); gradient 1 / (1 + x**2)."""
    return P.arctan2.apply(_real_ufunc_float("arctan", x), 1.0)


def _real_ufunc_float(op: str, x: Any) -> Tensor:
    """x as a float tensor for an inverse trigonometric function built on arctan2, which
    has no complex form (numpy's complex arctan, arcsin, arccos are not these formulas)."""
    x = as_tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"{op}: complex input (shape {x.shape}) is not supported")
    return _ufunc_float(x)


def _cosine_of_arcsine(x: Tensor) -> Tensor:
    """sqrt(1 - x**2) as sqrt(1 - x) sqrt(1 + x): accurate near |x| = 1, where 1 - x*x
    cancels, and with the gradient inf there (sqrt((1 - x)(1 + x)) gave inf * 0 = NaN)."""
    return sqrt(1.0 - x) * sqrt(1.0 + x)


@composite
def arcsin(x: Any) -> Tensor:
    """Inverse sine in [-pi/2, pi/2] for x in [-1, 1] (NaN outside, as numpy), elementwise:
    arctan2(x, sqrt((1 - x)(1 + x))). Gradient 1 / sqrt(1 - x**2) (inf at +-1)."""
    x = _real_ufunc_float("arcsin", x)
    return P.arctan2.apply(x, _cosine_of_arcsine(x))


@composite
def arccos(x: Any) -> Tensor:
    """Inverse cosine in [0, pi] for x in [-1, 1] (NaN outside, as numpy), elementwise:
    arctan2(sqrt((1 - x)(1 + x)), x), accurate near +-1 where pi/2 - arcsin(x) is not.
    Gradient -1 / sqrt(1 - x**2)."""
    x = _real_ufunc_float("arccos", x)
    return P.arctan2.apply(_cosine_of_arcsine(x), x)


def expm1(x: Any) -> Tensor:
    """e**x - 1, elementwise (same shape as x), exact for tiny x where exp(x) - 1 cancels."""
    return P.expm1.apply(as_tensor(x))


def log2(x: Any) -> Tensor:
    """Base-2 logarithm, elementwise (same shape as x), as np.log2 (exact at powers of 2)."""
    return P.log2.apply(as_tensor(x))


def log10(x: Any) -> Tensor:
    """Base-10 logarithm, elementwise (same shape as x), as np.log10 (log10(1000) is 3)."""
    return P.log10.apply(as_tensor(x))


def _half_exp_squares(x: Tensor, sign: float) -> Tensor:
    """e**x / 2 + sign * e**-x / 2, as (h/2) h with h = e**(x/2): no overflow of e**x
    below x = 1420 where cosh(x) and sinh(x) are finite (up to 710.47)."""
    h, k = P.exp.apply(x * 0.5), P.exp.apply(x * -0.5)
    return (h * 0.5) * h + (k * (0.5 * sign)) * k


@composite
def cosh(x: Any) -> Tensor:
    """Hyperbolic cosine (e**x + e**-x) / 2, elementwise; finite wherever np.cosh is. For
    |x| < 22 it is 1 + 2 sinh(x/2)**2, whose gradient sinh(x) keeps its digits near 0
    (the e**x / 2 - e**-x / 2 of the squares lost them: 0 at x = 1e-300)."""
    x = _ufunc_float(as_tensor(x))
    if x.dtype == FLOAT16:
        return cosh(x.astype(np.float32)).astype(FLOAT16)
    small = abs(x) < 22.0
    s = sinh(P.where.apply(small, x, 0.0) * 0.5)  # (each branch sees its own x: no inf * 0)
    return P.where.apply(small, 1.0 + (s * s) * 2.0, _half_exp_squares(P.where.apply(small, 22.0, x), 1.0))


@composite
def sinh(x: Any) -> Tensor:
    """Hyperbolic sine (e**x - e**-x) / 2, elementwise, odd: for a = |x| < 22 it is
    (e + e / (e + 1)) / 2 with e = expm1(a) (exact near 0, where the difference
    cancels), above that as cosh; finite wherever np.sinh is."""
    x = _ufunc_float(as_tensor(x))
    if x.dtype == FLOAT16:  # (in float16 expm1 overflows at 11.1, below the switch at 22)
        return sinh(x.astype(np.float32)).astype(FLOAT16)
    negative = x < 0
    a = P.where.apply(negative, -x, x)  # (|x| with slope 1 at 0)
    small = a < 22.0
    e = P.expm1.apply(P.where.apply(small, a, 0.0))  # (each branch sees its own a: no inf * 0)
    near = (e + e / (e + 1.0)) * 0.5
    far = _half_exp_squares(P.where.apply(small, 22.0, a), -1.0)
    r = P.where.apply(small, near, far)
    return P.where.apply(negative, -r, r)


@composite
def arcsinh(x: Any) -> Tensor:
    """Inverse hyperbolic sine log(x + sqrt(x**2 + 1)), elementwise, odd and accurate: for
    a = |x| it is log1p(a + a**2 / (1 + sqrt(1 + a**2))), and log(2a) above a = 2**28.
    Gradient 1 / sqrt(1 + x**2)."""
    x = _ufunc_float(as_tensor(x))
    if x.dtype == FLOAT16:  # (in float16 a**2 overflows at 256, below the switch at 2**28)
        return arcsinh(x.astype(np.float32)).astype(FLOAT16)
    negative = x < 0
    a = P.where.apply(negative, -x, x)  # (|x| with slope 1 at 0, where abs has slope 0)
    big = a > 2.0 ** 28
    s = P.where.apply(big, 1.0, a)
    near = P.log1p.apply(s + s * s / (1.0 + sqrt(1.0 + s * s)))
    far = P.log.apply(P.where.apply(big, a, 1.0)) + math.log(2.0)
    r = P.where.apply(big, far, near)
    return P.where.apply(x == 0, x, P.where.apply(negative, -r, r))  # (-0.0 stays -0.0)


@composite
def square(x: Any) -> Tensor:
    """x * x, elementwise (same shape and dtype as x)."""
    x = as_tensor(x)
    return x * x


@composite
def reciprocal(x: Any) -> Tensor:
    """1 / x, elementwise; integers give floats, as torch.reciprocal (np.reciprocal would
    divide in the integers)."""
    return 1.0 / as_tensor(x)


@composite
def rsqrt(x: Any) -> Tensor:
    """1 / sqrt(x), elementwise (PyTorch's rsqrt); inf at 0, NaN below."""
    return 1.0 / sqrt(x)


_TRUE = np.array(True)
_TRUE.flags.writeable = False


def _zero_gradient(out: Tensor, x: Tensor) -> Tensor:
    """out, recorded as depending on x with gradient 0 (PyTorch's floor, round, ...): a
    where that always takes out. Without a graph, out itself."""
    if x.requires_grad and is_grad_enabled():
        return P.where.apply(shape_constant(_TRUE), out, x)
    return out


def _integer_valued(op: str, x: Any, fn: Any) -> Tensor:
    x = as_tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"{op}: complex input (shape {x.shape}) is not supported, as numpy's")
    with no_grad():
        if x.dtype.kind in "biu":  # (already integers: a copy, numpy's dtype)
            out = x.astype(x.dtype)
        else:
            finite = abs(x) < np.inf
            out = P.where.apply(finite, fn(P.where.apply(finite, x, 0.0)), x)  # (inf and NaN stay)
    return _zero_gradient(out, x)


def _floor_finite(x: Tensor) -> Tensor:
    return P.floor_divide.apply(x, 1.0)


def _round_finite(x: Tensor) -> Tensor:
    f = _floor_finite(x)
    d = x - f  # (exact: the fraction of a float is a float)
    up = P.where.apply(d == 0.5, P.remainder.apply(f, 2.0) == 1.0, d > 0.5)  # (halves to even)
    r = P.where.apply(up, f + 1.0, f)
    return P.where.apply(r == 0, x * 0.0, r)  # (a zero keeps x's sign, -0.4 -> -0.0)


def _scaled_round(v: Tensor, scale: float) -> Tensor:
    """v rounded to multiples of 1 / scale; v itself where v * scale overflows (there v's
    spacing is above 1 / scale: v is such a multiple, to the last bit it has)."""
    with np.errstate(over="ignore"):  # (an overflow is no error here: v itself is the answer)
        s = v * scale
    fits = abs(s) < np.inf
    return P.where.apply(fits, _round_finite(P.where.apply(fits, s, 0.0)) / scale, v)


def floor(x: Any) -> Tensor:
    """The largest integer <= x, elementwise, as np.floor (same shape and dtype; inf and
    NaN stay). Gradient 0 (as PyTorch: the result requires grad when x does)."""
    return _integer_valued("floor", x, _floor_finite)


def ceil(x: Any) -> Tensor:
    """The smallest integer >= x, elementwise, as np.ceil (-floor(-x)); gradient 0."""
    return _integer_valued("ceil", x, lambda v: -_floor_finite(-v))


def trunc(x: Any) -> Tensor:
    """x rounded towards 0, elementwise, as np.trunc; gradient 0."""
    return _integer_valued("trunc", x, lambda v: P.where.apply(v < 0, -_floor_finite(-v), _floor_finite(v)))


def round(x: Any, decimals: int = 0) -> Tensor:
    """x rounded to `decimals` decimals, halves to even, as np.round (x * 10**decimals
    rounded to an integer, divided back; negative decimals round to tens, hundreds);
    same shape and dtype as x; gradient 0."""
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an int, got {decimals!r}")
    decimals = int(decimals)
    if decimals == 0:
        return _integer_valued("round", x, _round_finite)
    if decimals > 0:
        scale = 10.0 ** decimals
        return _integer_valued("round", x, lambda v: _scaled_round(v, scale))
    scale = 10.0 ** -decimals
    x = as_tensor(x)
    if x.dtype.kind in "iu":  # (to tens, hundreds: numpy's way, through float64, halves to even)
        with no_grad():
            return round(x.astype(np.float64), decimals).astype(x.dtype)
    return _integer_valued("round", x, lambda v: _round_finite(v / scale) * scale)


def clamp(x: Any, min: Any = None, max: Any = None) -> Tensor:
    """PyTorch's name for clip: x limited to [min, max] (either may be None); same shape
    as x; gradient 1 inside, 0 where clamped."""
    return clip(x, min, max)


# -- shape and order -------------------------------------------------------------------


@composite
def flip(x: Any, axis: Any = None) -> Tensor:
    """x reversed along `axis` (an int, a tuple, or None for every axis), as np.flip; same
    shape. A slice with step -1: the gradient is flipped back."""
    x = as_tensor(x)
    axes = _axes("flip", axis, x.shape)
    index = [slice(None)] * x.ndim
    for a in axes:
        index[a] = slice(None, None, -1)
    return x[tuple(index)]


@composite
def roll(x: Any, shift: Any, axis: Any = None) -> Tensor:
    """x shifted cyclically by `shift` along `axis`, as np.roll: entry i moves to
    (i + shift) mod n. shift and axis are ints or tuples (broadcast together; an axis
    given twice adds its shifts); axis=None rolls the flattened x and restores the
    shape. Same shape as x; two slices joined per axis."""
    x = as_tensor(x)
    if axis is None:
        return roll(x.reshape(-1), shift, 0).reshape(x.shape)
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    if not _all_ints(shifts) or not _all_ints(items):
        raise TypeError(f"roll: shift and axis must be ints or tuples of ints, got {shift!r} and {axis!r} "
                        f"for shape {x.shape}")
    try:
        pairs = np.broadcast_arrays(np.array(shifts, dtype=np.int64), np.array(items, dtype=np.int64))
    except ValueError:
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} do not broadcast together "
                         f"(shape {x.shape})") from None
    total: dict[int, int] = {}
    for s, a in zip(*(p.tolist() for p in pairs)):
        a = _axis_of("roll", int(a), x)  # (_axes gives a 0-d tensor no axes for 0 and -1)
        total[a] = total.get(a, 0) + s
    for a, s in total.items():
        n = x.shape[a]
        if n == 0 or s % n == 0:
            continue
        s %= n
        lead = (slice(None),) * a
        x = concatenate([x[lead + (slice(n - s, None),)], x[lead + (slice(0, n - s),)]], axis=a)
    return x


def _all_ints(items: Any) -> bool:
    return _builtins.all(_is_index(i) for i in items)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """x with axes axis1 and axis2 exchanged, as np.swapaxes (a permute)."""
    x = as_tensor(x)
    if not _is_index(axis1) or not _is_index(axis2):
        raise TypeError(f"swapaxes: axes must be ints, got {axis1!r} and {axis2!r} for shape {x.shape}")
    return P.swapaxes(x, operator.index(axis1), operator.index(axis2))


def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """x with axes `source` (int or sequence) moved to positions `destination`, the
    others kept in order, as np.moveaxis (a permute)."""
    x = as_tensor(x)
    src = source if isinstance(source, (tuple, list)) else (source,)
    dst = destination if isinstance(destination, (tuple, list)) else (destination,)
    if not _all_ints(src) or not _all_ints(dst):
        raise TypeError(f"moveaxis: source and destination must be ints or sequences of ints, got "
                        f"{source!r} and {destination!r} for shape {x.shape}")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} must have "
                         f"the same number of axes (shape {x.shape})")
    src, dst = _axes("moveaxis", tuple(src), x.shape), _axes("moveaxis", tuple(dst), x.shape)
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return x.permute(tuple(order))


def _index_array(op: str, index: Any, x: Tensor) -> np.ndarray:
    """The integer array of an index argument (a tensor's array, an ndarray as it is)."""
    arr = index.data if isinstance(index, Tensor) else index if isinstance(index, np.ndarray) \
        else np.asarray(index)
    if arr.size == 0 and not isinstance(index, (Tensor, np.ndarray)):  # ([] is float64 to numpy,
        arr = arr.astype(np.intp)  # but an empty list of indices, as x[[]] takes it and torch's)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: the index must hold integers, got dtype {arr.dtype} (index of shape "
                        f"{arr.shape}, x of shape {x.shape})")
    return arr


def _axis_of(op: str, axis: Any, x: Tensor) -> int:
    if not _is_index(axis):
        raise TypeError(f"{op}: axis must be an int, got {axis!r} for shape {x.shape}")
    (a,) = _axes(op, operator.index(axis), x.shape) if x.ndim else (None,)
    if a is None:
        raise ValueError(f"{op}: a 0-d tensor has no axis {axis} (shape {x.shape})")
    return a


def _along(x: Tensor, index: Any, axis: int, wrap: bool = True) -> Tensor:
    """x[i, index[i, j, k], k] for axis 1: the take_along_axis primitive, which takes the
    index as an input (so am.compile replays each call's, sort's order too), checks its
    values and adds the gradients of repeats."""
    return P.take_along_axis.apply(x, index, axis=axis, wrap=wrap)


@composite
def take_along_axis(x: Any, indices: Any, axis: int | None = -1) -> Tensor:
    """np.take_along_axis: out[i, j, k] = x[i, indices[i, j, k], k] for axis 1.

    indices has x's ndim (integers, negative ones counted from the end, as numpy) and
    broadcasts against x on the other axes; the output has the broadcast shape with
    indices' length along `axis`. axis=None takes from the flattened x (1-D indices).
    The gradient adds up at repeated indices."""
    x = as_tensor(x)
    idx = _index_array("take_along_axis", indices, x)
    if axis is None:
        if idx.ndim != 1:
            raise ValueError(f"take_along_axis: with axis=None the indices must be 1-D, got shape "
                             f"{idx.shape} (x of shape {x.shape})")
        return _along(x.reshape(-1), indices if isinstance(indices, Tensor) else idx, 0)
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices of shape {idx.shape} must have as many axes as x "
                         f"of shape {x.shape}")
    a = _axis_of("take_along_axis", axis, x)
    try:
        np.broadcast_shapes(x.shape[:a] + x.shape[a + 1:], idx.shape[:a] + idx.shape[a + 1:])
    except ValueError:
        raise ValueError(f"take_along_axis: indices of shape {idx.shape} do not broadcast against x of "
                         f"shape {x.shape} outside axis {a}") from None
    return _along(x, indices if isinstance(indices, Tensor) else idx, a)


@composite
def gather(x: Any, dim: int, index: Any) -> Tensor:
    """PyTorch's gather (torch semantics, not numpy's): out[i][j][k] = x[i][index[i][j][k]][k]
    for dim 1.

    index has x's ndim and integers in [0, x.shape[dim]) (negative ones are refused, as
    torch refuses them); on the other axes its lengths are at most x's (no broadcasting).
    The output has index's shape. The gradient adds up at repeated indices (a compiled
    replay takes, and checks, each call's index)."""
    x = as_tensor(x)
    idx = _index_array("gather", index, x)
    if idx.ndim != x.ndim:
        raise ValueError(f"gather: index of shape {idx.shape} must have as many axes as x of shape {x.shape}")
    if x.ndim == 0:  # (as torch: one entry along dim 0 or -1, the index 0)
        if not _is_index(dim) or operator.index(dim) not in (0, -1):
            raise ValueError(f"gather: dim must be 0 or -1 for a 0-d x, got {dim!r}")
        if idx.view(np.ndarray) != 0:  # (a check, not data: see below)
            raise IndexError(f"gather: index {int(idx)} is out of range [0, 0] for a 0-d x (index of shape ())")
        return x[()]
    d = _axis_of("gather", dim, x)
    if _builtins.any(m > n for i, (m, n) in enumerate(zip(idx.shape, x.shape)) if i != d):
        raise ValueError(f"gather: index of shape {idx.shape} is larger than x of shape {x.shape} on an "
                         f"axis other than dim {d}")
    plain = idx.view(np.ndarray)  # (read while am.compile records: a check, not data; the primitive
    if plain.size:                # checks each replay's index again)
        lo, hi = plain.min(), plain.max()
        if lo < 0 or hi >= x.shape[d]:
            raise IndexError(f"gather: index {lo if lo < 0 else hi} is out of range [0, {x.shape[d] - 1}] "
                             f"for dim {d} (index of shape {idx.shape}, x of shape {x.shape})")
    if _builtins.any(m < n for i, (m, n) in enumerate(zip(idx.shape, x.shape)) if i != d):
        x = x[tuple(slice(None) if i == d else slice(0, m) for i, m in enumerate(idx.shape))]
    return _along(x, index if isinstance(index, Tensor) else idx, d, wrap=False)


def argsort(x: Any, axis: int | None = -1) -> Tensor:
    """The indices that sort x along `axis` (None: the flattened x), as np.argsort with
    kind='stable' (ties keep their order; NaN last). An integer tensor of x's shape (1-D
    for None); never requires grad."""
    x = as_tensor(x)
    if axis is None:
        return P.argsort.apply(x.reshape(-1), axis=0)
    return P.argsort.apply(x, axis=_axis_of("argsort", axis, x))


@composite
def sort(x: Any, axis: int | None = -1) -> Tensor:
    """x sorted along `axis` (None: flattened), stable, NaN last, as np.sort: values only
    (torch.sort's (values, indices) is (sort(x), argsort(x))). Same shape as x (1-D for
    None); the gradient goes back to where each value came from. Under am.compile each
    replay sorts its own data."""
    x = as_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    a = _axis_of("sort", axis, x)
    return _along(x, P.argsort.apply(x, axis=a), a)


class TopK(tuple):
    """topk's (values, indices), also as .values and .indices, as torch's."""

    __slots__ = ()

    def __new__(cls, values: Tensor, indices: Tensor) -> "TopK":
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


@composite
def topk(x: Any, k: int, axis: int = -1, largest: bool = True, *, dim: int | None = None) -> TopK:
    """The k largest (or smallest) entries along `axis` and their indices, as torch.topk:
    (values, indices), each of x's shape with length k along `axis`, sorted (largest
    first; NaN counts as the largest). `dim=` is accepted for axis. values is
    differentiable (the gradient goes to the chosen entries), indices is not. Under
    am.compile each replay chooses from its own data. A 0-d x is taken as torch takes it:
    axis 0 or -1, k 0 or 1, and (x, 0) comes back, both 0-d (for k=0 too)."""
    x = as_tensor(x)
    if dim is not None:
        axis = dim
    if x.ndim == 0:
        if not _is_index(axis) or operator.index(axis) not in (0, -1):
            raise ValueError(f"topk: axis must be 0 or -1 for a 0-d x, got {axis!r}")
        if isinstance(k, bool) or not _is_index(k) or operator.index(k) not in (0, 1):
            raise ValueError(f"topk: k must be 0 or 1 for a 0-d x (shape ()), got {k!r}")
        values, indices = topk(x.reshape(1), 1, 0, largest)
        return TopK(values.reshape(()), indices.reshape(()))
    a = _axis_of("topk", axis, x)
    n = x.shape[a]
    if isinstance(k, bool) or not _is_index(k) or not 0 <= operator.index(k) <= n:
        raise ValueError(f"topk: k must be an int in [0, {n}], got {k!r} for shape {x.shape}, axis {a}")
    order = P.argsort.apply(x, axis=a)
    lead = (slice(None),) * a
    chosen = order[lead + (slice(None, -operator.index(k) - 1 if k < n else None, -1) if largest
                           else slice(0, operator.index(k)),)]
    return TopK(_along(x, chosen, a), chosen)


def cumsum(x: Any, axis: int | None = None) -> Tensor:
    """Running sums along `axis`, as np.cumsum: out[..., j, ...] = sum of x[..., :j+1, ...];
    axis=None (numpy's default) sums the flattened x (1-D result). Same shape as x
    otherwise; integers and bools sum in numpy's integer. Gradient: the running sums of
    the output's gradient taken from the end."""
    x = as_tensor(x)
    if axis is None:
        return P.cumsum.apply(x.reshape(-1), axis=0)
    return P.cumsum.apply(x, axis=_axis_of("cumsum", axis, x))


@composite
def diff(x: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """n-th differences along `axis`, as np.diff: x[1:] - x[:-1], n times; the axis
    shrinks by n (n=0 gives x).

    prepend / append (numpy's): values joined to x along `axis` before differencing
    (the axis grows by their length first). A number stands for one slice of x's
    shape (a Python number takes x's float dtype, where numpy's int 0 would make a
    float32 x float64); otherwise they are x's shape but along `axis`. Tensors
    there get gradients: diff(t, prepend=0, append=0) is t_i - t_{i-1} with zeros
    at both ends, a spring chain's forces from its tensions."""
    x = as_tensor(x)
    if isinstance(n, bool) or not _is_index(n) or operator.index(n) < 0:
        raise ValueError(f"diff: order n must be an int >= 0, got {n!r} (shape {x.shape})")
    a = _axis_of("diff", axis, x)
    if operator.index(n) and (prepend is not None or append is not None):
        parts = []
        for name, v in (("prepend", prepend), ("append", append)):
            if v is None:
                parts.append(None)
                continue
            if _python_number(v) and x.dtype.kind == "f":  # (a pad node: no array made, am.compile replays it)
                width = [(0, 0)] * x.ndim
                width[a] = (1, 0) if name == "prepend" else (0, 1)
                x = pad(x, width, v)
                parts.append(None)
                continue
            if not isinstance(v, Tensor):
                v = np.asarray(v)
            if v.ndim == 0:
                side = x.shape[:a] + (1,) + x.shape[a + 1:]
                v = v.reshape((1,) * x.ndim).broadcast_to(side) if isinstance(v, Tensor) \
                    else np.broadcast_to(v, side)
            elif v.ndim != x.ndim or v.shape[:a] + v.shape[a + 1:] != x.shape[:a] + x.shape[a + 1:]:
                raise ValueError(f"diff: {name} of shape {v.shape} does not fit x of shape {x.shape} "
                                 f"along axis {a} (a number, or x's shape but along the axis)")
            parts.append(v)
        if parts[0] is not None or parts[1] is not None:
            x = concatenate([t for t in (parts[0], x, parts[1]) if t is not None], axis=a)
    lead = (slice(None),) * a
    for _ in range(operator.index(n)):
        x = x[lead + (slice(1, None),)] - x[lead + (slice(None, -1),)]
    return x


# -- products ----------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """np.tensordot: sum of products over a's axes axes[0] and b's axes axes[1] (pairwise
    equal lengths); an int N pairs a's last N axes with b's first N. The result has a's
    other axes, then b's. One einsum."""
    a, b = as_tensor(a), as_tensor(b)
    if _is_index(axes):
        n = operator.index(axes)
        if not 0 <= n <= _builtins.min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={n} is more than the axes of shapes {a.shape} and {b.shape}")
        pa, pb = tuple(range(a.ndim - n, a.ndim)), tuple(range(n))
    else:
        try:
            pa, pb = axes
        except (TypeError, ValueError):
            raise TypeError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r} "
                            f"for shapes {a.shape} and {b.shape}") from None
        pa = pa if isinstance(pa, (tuple, list)) else (pa,)
        pb = pb if isinstance(pb, (tuple, list)) else (pb,)
        if len(pa) != len(pb):
            raise ValueError(f"tensordot: axes {axes!r} pair {len(pa)} axes with {len(pb)} "
                             f"(shapes {a.shape} and {b.shape})")
        pa, pb = _axes("tensordot", tuple(pa), a.shape), _axes("tensordot", tuple(pb), b.shape)
    if _builtins.any(a.shape[i] != b.shape[j] for i, j in zip(pa, pb)):
        raise ValueError(f"tensordot: shapes {a.shape} and {b.shape} differ on the summed axes "
                         f"{pa} and {pb}")
    if a.ndim + b.ndim - len(pa) > len(_LETTERS):
        raise ValueError(f"tensordot: too many axes (shapes {a.shape} and {b.shape})")
    sa = list(_LETTERS[:a.ndim])
    sb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(pa, pb):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in pa] + [c for j, c in enumerate(sb) if j not in pb]
    return P.einsum.apply(a, b, subscripts=f"{''.join(sa)},{''.join(sb)}->{''.join(out)}")


@composite
def outer(a: Any, b: Any) -> Tensor:
    """Outer product, as np.outer: a and b flattened, out[i, j] = a[i] * b[j], shape (a.size, b.size)."""
    a, b = as_tensor(a), as_tensor(b)
    return a.reshape(-1, 1) * b.reshape(1, -1)


def inner(a: Any, b: Any) -> Tensor:
    """Inner product over the last axes, as np.inner: for 1-D a and b the sum of a * b;
    in general shape a.shape[:-1] + b.shape[:-1]; a 0-d operand multiplies."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"inner: the last axes of shapes {a.shape} and {b.shape} differ")
    return tensordot(a, b, ((a.ndim - 1,), (b.ndim - 1,)))


def dot(a: Any, b: Any) -> Tensor:
    """Product of 1-D or 2-D operands as np.dot (matmul for them): (k,)·(k,) -> () the
    inner product, (n, k)·(k, m) -> (n, m), (n, k)·(k,) -> (n,), (k,)·(k, m) -> (m,)."""
    return as_tensor(a).dot(b)


@composite
def diag(x: Any, k: int = 0) -> Tensor:
    """np.diag: a 1-D x of length n gives the (n + |k|, n + |k|) matrix with x on the k-th
    diagonal (k > 0 above the main one) and zeros elsewhere; a 2-D x gives its k-th
    diagonal, 1-D."""
    x = as_tensor(x)
    if isinstance(k, bool) or not _is_index(k):
        raise TypeError(f"diag: k must be an int, got {k!r} (shape {x.shape})")
    k = operator.index(k)
    if x.ndim == 1:
        n = x.shape[0]
        mask = shape_constant(np.eye(n, dtype=bool))
        zero = False if x.dtype.kind == "b" else 0  # (an int 0 made a bool x int64)
        square = P.where.apply(mask, x.reshape(n, 1), zero)  # (a where: inf on the diagonal, not inf * 0)
        lo, hi = (0, k) if k >= 0 else (-k, 0)
        return P.pad.apply(square, pad_width=((lo, hi), (hi, lo)), value=0)
    if x.ndim == 2:
        return _diagonal(x, k)
    raise ValueError(f"diag: x must be 1-D or 2-D, got shape {x.shape}")


def _diagonal(x: Tensor, offset: int) -> Tensor:
    """The offset-th diagonal of the last two axes: shape x.shape[:-2] + (length,)."""
    n, m = x.shape[-2:]
    r0, c0 = _builtins.max(-offset, 0), _builtins.max(offset, 0)
    length = _builtins.max(0, _builtins.min(n - r0, m - c0))
    i = np.arange(length)
    return x[..., shape_constant(i + r0), shape_constant(i + c0)]


@composite
def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Sum of the offset-th diagonal of axes axis1 and axis2, as np.trace: a 0-d tensor
    for 2-D x, else x's other axes."""
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"trace: x must have at least 2 axes, got shape {x.shape}")
    if isinstance(offset, bool) or not _is_index(offset):
        raise TypeError(f"trace: offset must be an int, got {offset!r} (shape {x.shape})")
    a1, a2 = _axes("trace", (axis1, axis2), x.shape)
    if a1 == a2:
        raise ValueError(f"trace: axis1 and axis2 are the same axis {a1} (shape {x.shape})")
    return _diagonal(moveaxis(x, (a1, a2), (-2, -1)), operator.index(offset)).sum(-1)


class _Zero(int):
    """cat's default axis: 0, told apart from an axis=0 the caller passed."""

    def __repr__(self) -> str:
        return "0"


_DEFAULT_AXIS = _Zero(0)


def cat(tensors: Sequence[Any], axis: int | None = _DEFAULT_AXIS, *, dim: int | None = None) -> Tensor:
    """PyTorch's name for concatenate (joined along an existing axis; the others equal);
    torch's dim= keyword is accepted for axis (not both, unless equal)."""
    if dim is not None:
        if axis is not _DEFAULT_AXIS and axis != dim:
            raise TypeError(f"cat: got both axis={axis!r} and dim={dim!r}; pass one")
        axis = dim
    return concatenate(tensors, int(axis) if axis is _DEFAULT_AXIS else axis)


# -- products, order statistics, NaN-aware reductions ----------------------------------------


def _product_dtype(x: Tensor) -> Tensor:
    """x in the dtype numpy multiplies it in: bools and small integers as numpy's int
    (uint64 for unsigned), as np.prod and np.cumprod do."""
    dt = np.multiply.reduce(np.ones(1, x.dtype)).dtype
    return x if dt == x.dtype else x.astype(dt)


def _merged(op: str, x: Tensor, axis: Any) -> tuple:
    """x with the axes of `axis` moved to the end and merged into one: (y, kept shape)
    where y has shape rest + (n,) and the kept shape is x's with 1 on the reduced axes."""
    axes = _axes(op, axis, x.shape)
    rest = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    kept = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    y = moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim))) if axes else x
    return y.reshape(rest + (math.prod(x.shape[i] for i in axes),)), rest, kept


@composite
def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Product over `axis` (int, tuple, None = all), as np.prod: x's shape without the
    reduced axes (kept with length 1 if keepdims); 1 for no entries; bools and small
    integers multiply in numpy's int.

    The prod primitive: numpy's values bit for bit (so a product overflows or underflows
    exactly where np.prod's does), and a gradient d prod / d x_i = prod_{k != i} x_k made
    of the products before and after x_i, never a division by x: exact where x has one
    zero or several (second order too). The gradient's partial products (of the entries
    before, and after, x_i) can overflow or underflow where prod_{k != i} x_k does not
    (entries beyond about 1e+-150)."""
    x = _product_dtype(as_tensor(x))
    keepdims = _flag(keepdims, "keepdims", "prod")
    y, rest, kept = _merged("prod", x, axis)
    return P.prod.apply(y).reshape(kept if keepdims else rest)


@composite
def cumprod(x: Any, axis: int | None = None) -> Tensor:
    """Running products along `axis`, as np.cumprod: out[..., j, ...] = prod of
    x[..., :j+1, ...]; axis=None (numpy's default) takes the flattened x (1-D result).
    Same shape as x otherwise; bools and small integers multiply in numpy's int.

    The cumprod primitive: numpy's values bit for bit (left to right, so partial products
    overflow or underflow exactly where np.cumprod's do), and a gradient dL/dx_i =
    sum_{j >= i} g_j prod_{k <= j, k != i} x_k made of multiplies only, never a division
    by x: exact where x has zeros (second order too). The gradient's partial products can
    overflow or underflow where the derivative itself does not (entries beyond about
    1e+-150)."""
    x = _product_dtype(as_tensor(x))
    if axis is None:
        x, a = x.reshape(-1), 0
    else:
        a = _axis_of("cumprod", axis, x)
    return P.cumprod.apply(x, axis=a)


def _q_array(op: str, q: Any, x: Tensor, scale: float = 1.0) -> np.ndarray:
    """q as a float64 array checked to lie in [0, 1] (after dividing by `scale`)."""
    if tracers and isinstance(q, np.ndarray) and not tracers[-1].is_argument(q):
        tracers[-1].freeze(q)  # (read-only from now on, if the tape keeps it)
    elif isinstance(q, Tensor) or (tracers and isinstance(q, np.ndarray)):
        # (while am.compile records, an ndarray q closed over or made in fn is a constant of
        # the tape, as a list is; one of fn's arguments would change between replays)
        raise TypeError(f"{op}: q must be a number, a list or an ndarray of numbers, not "
                        f"{'a Tensor' if isinstance(q, Tensor) else 'an ndarray argument of the compiled function'} "
                        f"(x of shape {x.shape}): the positions it picks are constants of the computation; "
                        "under am.compile close over q (or make it in the function) instead")
    try:
        qa = np.asarray(q)
    except (TypeError, ValueError):
        qa = np.asarray(None)
    if qa.dtype.kind not in "iuf" or isinstance(q, bool):
        raise TypeError(f"{op}: q must be numbers, got {q!r} (x of shape {x.shape})")
    if qa.dtype.kind == "f":
        qa = qa.astype(np.float64)
    if scale != 1.0:
        qa = np.true_divide(qa, scale)
    if not np.all((qa >= 0) & (qa <= 1)):
        bound = "[0, 100]" if scale != 1.0 else "[0, 1]"
        raise ValueError(f"{op}: q must lie in {bound}, got {q!r} (x of shape {x.shape})")
    return qa


def _float_input(x: Any) -> Tensor:
    x = as_tensor(x)
    return x if x.dtype.kind in "fc" else x.astype(get_default_dtype())


def _sorted_along_end(op: str, x: Tensor, axis: Any) -> tuple:
    y, rest, kept = _merged(op, x, axis)
    if y.shape[-1] == 0:
        raise ValueError(f"{op}: no entries to take from for shape {x.shape}, axis {axis}")
    return sort(y, -1), rest, kept


def _nan_wins(s: Tensor, r: Tensor, extra: int = 0) -> Tensor:
    """r, but NaN where the sorted slice s holds a NaN (sorted last), as numpy's
    median and quantile give; the gradient then goes to that NaN entry, as max's does."""
    last = s[..., -1]
    if extra:
        last = last.reshape(last.shape + (1,) * extra)
    return P.where.apply(last != last, last, r)


@composite
def quantile(x: Any, q: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The q-th quantile of x over `axis` (int, tuple, None = all), as np.quantile's
    default method 'linear': with n entries sorted as s, the position h = (n - 1) q,
    i = floor(h), t = h - i, the value s[i] + t (s[i+1] - s[i]) (numpy's lerp, rounded
    as numpy rounds it). q is a number or an array of numbers in [0, 1]; the result
    has shape q.shape + x's shape without the reduced axes (kept with length 1 if
    keepdims). Integers give floats (for an integer q, 0 or 1, the entry itself, as
    numpy). NaN in a slice gives NaN, as numpy.

    Gradient: 1 - t to the entry at s[i] and t to the one at s[i+1] (the interpolation
    weights); ties share nothing but go to the entries the stable sort put there.

    Under am.compile q is a constant of the tape (the positions it picks are frozen): a
    number, a list, or an ndarray the function closes over or makes from constants, which
    the recording makes read-only (so that changing it in place raises instead of replaying
    the old q; rebind the name to a new array, which records again), with the array it
    views, if any. An ndarray argument of the compiled function (whose values may change
    between calls) and a Tensor q are refused."""
    x = as_tensor(x)
    qa = _q_array("quantile", q, x)
    return _quantile("quantile", x if qa.dtype.kind in "iu" else _float_input(x), qa, axis, keepdims)


@composite
def percentile(x: Any, q: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The q-th percentile, q in [0, 100]: quantile(x, q / 100, ...), as np.percentile
    (shapes, method and gradient as quantile's)."""
    x = _float_input(x)
    return _quantile("percentile", x, _q_array("percentile", q, x, 100.0), axis, keepdims)


def _quantile(op: str, x: Tensor, q: np.ndarray, axis: Any, keepdims: Any) -> Tensor:
    keepdims = _flag(keepdims, "keepdims", op)
    s, rest, kept = _sorted_along_end(op, x, axis)
    n = s.shape[-1]
    h = (n - 1) * q  # (numpy's virtual index for the linear method)
    if h.dtype.kind in "iu":  # (an integer q, 0 or 1: numpy takes the entry, no interpolation)
        r = moveaxis(s[..., shape_constant(np.where(h == n - 1, -1, h).astype(np.intp))],
                     tuple(range(len(rest), len(rest) + q.ndim)), tuple(range(q.ndim)))
        last = s[..., -1]
        r = P.where.apply(last != last, last, r)
        return r.reshape(q.shape + (kept if keepdims else rest))
    lo = np.atleast_1d(np.floor(h))
    hi = lo + 1
    h = np.atleast_1d(h)
    lo[h >= n - 1], hi[h >= n - 1] = -1, -1
    lo[h < 0], hi[h < 0] = 0, 0
    t = (h - lo).reshape(q.shape)
    lo, hi = lo.reshape(q.shape).astype(np.intp), hi.reshape(q.shape).astype(np.intp)
    if q.ndim == 0:  # (a Python t: float32 x stays float32, as numpy's for a Python q)
        a, b, t = s[..., int(lo)], s[..., int(hi)], float(t)
        d = b - a
        r = b - d * (1 - t) if t >= 0.5 else a + d * t
        r = _nan_wins(s, r)
    else:
        a = moveaxis(s[..., shape_constant(lo)], tuple(range(len(rest), len(rest) + q.ndim)),
                     tuple(range(q.ndim)))
        b = moveaxis(s[..., shape_constant(hi)], tuple(range(len(rest), len(rest) + q.ndim)),
                     tuple(range(q.ndim)))
        tt = t.reshape(q.shape + (1,) * len(rest))
        d = b - a
        with np.errstate(all="ignore"):
            r = P.where.apply(shape_constant(np.broadcast_to(tt >= 0.5, d.shape).copy()),
                              b - d * shape_constant((1 - tt).astype(d.dtype)),
                              a + d * shape_constant(tt.astype(d.dtype)))
        last = s[..., -1]
        r = P.where.apply(last != last, last, r)
    return r.reshape(q.shape + (kept if keepdims else rest))


@composite
def median(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Median over `axis` (int, tuple, None = all), as np.median: the middle of the
    sorted entries, the mean of the two middle ones for an even count. Shape: x's
    without the reduced axes (length 1 if keepdims); integers give floats; NaN in a
    slice gives NaN. Gradient: 1 to the middle entry, 1/2 to each of the two."""
    x = _float_input(x)
    keepdims = _flag(keepdims, "keepdims", "median")
    s, rest, kept = _sorted_along_end("median", x, axis)
    n = s.shape[-1]
    m = n // 2
    r = s[..., m] if n % 2 else (s[..., m - 1] + s[..., m]) * 0.5
    return _nan_wins(s, r).reshape(kept if keepdims else rest)


def _nan_filled(op: str, x: Any, fill: float) -> tuple:
    """(x with NaN replaced by fill, the NaN mask or None for integers)."""
    x = as_tensor(x)
    if x.dtype.kind not in "fc":
        return x, None
    nan = x != x
    return P.where.apply(nan, fill, x), nan


@composite
def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over `axis` treating NaN as 0, as np.nansum (shapes as sum); NaN entries get
    gradient 0."""
    y, _ = _nan_filled("nansum", x, 0.0)
    return y.sum(axis, _flag(keepdims, "keepdims", "nansum"))


@composite
def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean of the entries that are not NaN over `axis`, as np.nanmean: nansum / count
    (shapes as mean); NaN for a slice of NaNs only (numpy warns). NaN entries get
    gradient 0."""
    x = as_tensor(x)
    keepdims = _flag(keepdims, "keepdims", "nanmean")
    y, nan = _nan_filled("nanmean", x, 0.0)
    if nan is None:
        return mean(x, axis, keepdims)
    count = (nan == False).astype(x.dtype).sum(axis, keepdims)  # noqa: E712  (a recorded op)
    none = count == 0  # (divided by 1 there, then NaN: no 0 / 0, nor a g / 0 in the backward)
    return P.where.apply(none, np.nan, y.sum(axis, keepdims) / P.where.apply(none, 1, count))


def _nan_extreme(op: str, x: Any, axis: Any, keepdims: Any, largest: bool) -> Tensor:
    keepdims = _flag(keepdims, "keepdims", op)
    y, nan = _nan_filled(op, x, -np.inf if largest else np.inf)
    if _reduced_count(op, y.shape, axis) == 0:  # (an empty result over entries is fine, as max's)
        raise ValueError(f"{op}: no entries to reduce for shape {y.shape}, axis {axis}")
    r = y.max(axis, keepdims) if largest else y.min(axis, keepdims)
    if nan is None:
        return r
    every = nan.astype(np.int64).sum(_axes(op, axis, y.shape), keepdims) == _reduced_count(op, y.shape, axis)
    return P.where.apply(every, np.nan, r)


@composite
def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over `axis` ignoring NaN, as np.nanmax (shapes as max): NaN only for a
    slice of NaNs. Ties share the gradient as max's; NaN entries get gradient 0."""
    return _nan_extreme("nanmax", x, axis, keepdims, True)


@composite
def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over `axis` ignoring NaN, as np.nanmin (shapes as min); NaN entries get
    gradient 0."""
    return _nan_extreme("nanmin", x, axis, keepdims, False)


@composite
def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """x with NaN, +inf and -inf replaced, as np.nan_to_num: by `nan`, `posinf` and
    `neginf` (by default 0, the largest and the most negative finite number of x's
    dtype). Same shape and dtype; integers and bools unchanged. Gradient 1 where an
    entry is kept, 0 where it is replaced. Complex x is refused."""
    x = as_tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"nan_to_num: complex x is not supported (shape {x.shape}, dtype {x.dtype})")
    if x.dtype.kind not in "f":
        return x.copy()
    big = np.finfo(x.dtype).max
    fn, fp, fm = (_fill_value(v, x, "nan_to_num")
                  for v in (nan, big if posinf is None else posinf, -big if neginf is None else neginf))
    out = P.where.apply(x != x, fn, x)
    out = P.where.apply(x == np.inf, fp, out)
    return P.where.apply(x == -np.inf, fm, out)


@composite
def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The offset-th diagonal of axes axis1 and axis2, as np.diagonal: x (..., n, ..., m, ...)
    -> those two axes removed and the diagonal appended as the last axis (length
    max(0, min(n - r0, m - c0)) with r0 = max(-offset, 0), c0 = max(offset, 0)); the
    gradient goes back to the diagonal entries.

    A view of x, as PyTorch's torch.diagonal/x.diagonal (numpy's is a read-only view): a
    change of it in place (d.add_(1e-3) under am.no_grad(), or recorded on a tensor with a
    graph) changes x's diagonal. It is a permute, a reshape merging the two axes and a
    strided slice, so it is a view whenever numpy can merge the two axes (in either order)
    without a copy: always for two adjacent axes of a contiguous x (the last two of a batch
    of matrices) or of a transpose of one. Otherwise (axes with others between them in
    memory, a flipped or step-sliced x) it is a read-only copy, whose in-place change
    raises instead of missing x."""
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"diagonal: x must have at least 2 axes, got shape {x.shape}")
    if isinstance(offset, bool) or not _is_index(offset):
        raise TypeError(f"diagonal: offset must be an int, got {offset!r} (shape {x.shape})")
    a1, a2 = _axis_of("diagonal", axis1, x), _axis_of("diagonal", axis2, x)
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 are the same axis {a1} (shape {x.shape})")
    return _diagonal_view(x, operator.index(offset), a1, a2)


def _diagonal_view(x: Tensor, offset: int, a1: int, a2: int) -> Tensor:
    """diagonal's value as a view of x when numpy can merge axes a1, a2 (in that order, or
    the other with -offset: the same entries): x with a1, a2 moved last (a permute), those
    two merged (a reshape, n * m), then every (m + 1)-th entry from r0 * m + c0 (a basic
    slice). Else _diagonal's copy, read-only and marked (engine.mark_copy_of_view)."""
    shape, strides = x.shape, x.data.strides
    for p, q, k in ((a1, a2, offset), (a2, a1, -offset)):
        n, m = shape[p], shape[q]
        if n == 1 or m == 1 or strides[p] == m * strides[q]:
            r0, c0 = _builtins.max(-k, 0), _builtins.max(k, 0)
            length = _builtins.max(0, _builtins.min(n - r0, m - c0))
            y = moveaxis(x, (p, q), (-2, -1))
            flat = y.reshape(y.shape[:-2] + (n * m,))
            if engine._root(flat.data) is not engine._root(x.data):  # (numpy copied after all)
                break
            start = r0 * m + c0
            stop = start + (length - 1) * (m + 1) + 1 if length else start
            return flat[..., start:stop:m + 1]
    d = _diagonal(moveaxis(x, (a1, a2), (-2, -1)), offset)
    return engine.mark_copy_of_view(d) if d.size else d  # (an empty one has nothing to miss)


@composite
def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Tensor:
    """Cross product of 3-vectors, as np.cross: the vectors lie along a's axis `axisa` and
    b's `axisb` (both length 3), the other axes broadcast, and the result's vectors along
    `axisc`; `axis` sets all three. c = (a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0).
    numpy 2's deprecated 2-vectors are refused."""
    a, b = as_tensor(a), as_tensor(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"cross: operands must have at least 1 axis, got shapes {a.shape} and {b.shape}")
    a = moveaxis(a, _axis_of("cross", axisa, a), -1)
    b = moveaxis(b, _axis_of("cross", axisb, b), -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ValueError(f"cross: the vector axes must have length 3, got {a.shape[-1]} and {b.shape[-1]} "
                         f"(shapes {a.shape} and {b.shape} with the vector axis last)")
    try:
        lead = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    except ValueError:
        raise ValueError(f"cross: shapes {a.shape} and {b.shape} (vector axis last) do not broadcast") from None
    if not _is_index(axisc):
        raise TypeError(f"cross: axisc must be an int, got {axisc!r} (shapes {a.shape} and {b.shape} "
                        "with the vector axis last)")
    if not -len(lead) - 1 <= axisc <= len(lead):
        raise ValueError(f"cross: axisc {axisc} is out of range for a result with {len(lead) + 1} axes "
                         f"(shapes {a.shape} and {b.shape})")
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(c, -1, axisc)


@composite
def kron(a: Any, b: Any) -> Tensor:
    """Kronecker product, as np.kron: the operand with fewer axes gets leading 1s; out has
    shape a.shape[i] * b.shape[i] per axis and out[i * nb + k, ...] = a[i, ...] b[k, ...]."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    nd = _builtins.max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    ea = a.reshape(tuple(v for s in sa for v in (s, 1)))
    eb = b.reshape(tuple(v for s in sb for v in (1, s)))
    return (ea * eb).reshape(tuple(p * q for p, q in zip(sa, sb)))


amax = max
amin = min


# -- std and norm ------------------------------------------------------------------


def _pth_root(s: Tensor, p: float = 2, zero: Tensor | None = None) -> Tensor:
    """s ** (1/p) for s >= 0, with the gradient 0 (not inf * 0 = NaN) where s == 0
    (or where `zero`, a mask of s's shape, says s is 0 but for rounding):
    the inner where keeps the power away from 0, in first and second derivatives,
    and the outer one gives 0 there. NaN and inf stay NaN and inf."""
    zero = s == 0 if zero is None else zero
    safe = P.where.apply(zero, 1, s)
    return P.where.apply(zero, 0, safe ** 0.5 if p == 2 else safe ** (1.0 / p))


@composite
def std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Standard deviation sqrt(var(x, axis, keepdims, ddof)), as np.std.

    Population (ddof=0) by default; reduced axes dropped unless keepdims; real for
    complex x.

    Where the standard deviation is 0 (every entry along the axis equal) it has no
    derivative (a kink, as |t| at 0); the gradient there is taken as 0, a
    subgradient, in first and second order (PyTorch gives NaN). Elsewhere it is
    (x - mean) / ((N - ddof) std)."""
    x = as_tensor(x)
    v = _variance("std", x, axis, keepdims, ddof)
    # A slice of equal entries can have a variance of rounding (the mean of three
    # float32 -0.98074734 is not -0.98074734: std 7e-8, where the second derivative,
    # ~1/std, was 1e6; 1e16 in float64): it is the kink, so test equality, not v == 0.
    # (infinite equal entries are not: inf - inf leaves var NaN, as np.std)
    with no_grad():
        if x.size:
            top = x.max(axis, keepdims)
            same = P.where.apply(top == x.min(axis, keepdims), abs(top) < np.inf, False)
        else:
            same = v == 0
        zero = P.where.apply(same, True, v == 0)
    return _pth_root(v, 2, zero)


_ORDS = "None, 2, 1, inf, -inf, 0, a number p > 0, or (two axes) 'fro', 'nuc', 2, -2, 1, -1, inf, -inf"


def _matrix_norm(x: Tensor, ord: Any, axes: tuple, keepdims: bool) -> Tensor:
    """numpy's matrix norms other than Frobenius, over axes (row, col)."""
    row, col = axes
    if 0 in (x.shape[row], x.shape[col]):
        raise ValueError(f"norm: ord={ord!r} of shape {x.shape} over axes {axes}: no entries")
    if ord in (1, -1, np.inf, -np.inf):
        sums, over = (abs(x).sum(row, keepdims=True), col) if ord in (1, -1) else \
            (abs(x).sum(col, keepdims=True), row)
        out = sums.max(over, keepdims=True) if ord > 0 else sums.min(over, keepdims=True)
        return out if keepdims else out.squeeze(axes)
    from .linalg import svdvals  # (linalg imports this module)

    if x.dtype.kind == "c":
        raise TypeError(f"norm: ord={ord!r} of a complex x (shape {x.shape}) is not supported")
    s = svdvals(moveaxis(x, axes, (-2, -1)))
    out = s.sum(-1) if ord == "nuc" else s.max(-1) if ord == 2 else s.min(-1)  # (ties share)
    if keepdims:
        for a in sorted(axes):
            out = out.unsqueeze(a)
    return out


@composite
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Vector norm, or matrix norm over two axes, of x, as np.linalg.norm.

    Over `axis` (an int), or over all entries (axis=None, flattened, for ord=None,
    or any ord when x is 1-D):
        ord=None or 2: sqrt(sum |x|**2); 1: sum |x|; inf: max |x|; -inf: min |x|;
        0: the number of nonzero entries (gradient 0); p > 0: sum(|x|**p)**(1/p).
    The result has x's shape without the reduced axes (kept with length 1 if keepdims).

    Matrix norms (ord not None with axis None on 2-D x, or a pair of axes (row, col)), as
    np.linalg.norm: None or 'fro': the 2-norm of the entries; 'nuc': the sum of the
    singular values; 2 / -2: the largest / smallest singular value (am.linalg.svdvals:
    the gradient u_1 v_1^T, shared at ties); 1 / -1: the largest / smallest column sum of
    |x|; inf / -inf: the largest / smallest row sum of |x|. For the vector norm of all
    entries use norm(x.reshape(-1), ord).

    At x = 0 the gradient of the 2-norm and the p-norms is taken as 0 (a subgradient,
    PyTorch's choice) in first and second order; 1 and inf norms take |x|'s and
    max's (0 at 0, ties shared). For 0 < p < 1 an entry 0 of a nonzero x, where |x_i|**p
    has a cusp of infinite slope, gets the gradient 0 too (PyTorch's). Second derivatives
    for 1 < p < 2 at an entry 0, where the math has +inf, are NaN."""
    x = as_tensor(x)
    keepdims = _flag(keepdims, "keepdims", "norm")
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise ValueError(f"norm: unknown ord {ord!r}; ord is {_ORDS}")
    elif ord is not None and (isinstance(ord, bool) or not isinstance(ord, numbers.Real)
                              or ord != ord or (ord < 0 and ord not in (-np.inf, -1, -2))):
        raise ValueError(f"norm: ord must be {_ORDS}, got {ord!r} for shape {x.shape}")
    if axis is None:
        axes = tuple(range(x.ndim))
        matrix = x.ndim == 2 and ord is not None
        if ord is not None and x.ndim not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} needs a 1-D or 2-D x or an axis, got shape {x.shape} "
                             "(ord=None is the 2-norm of all entries)")
    else:
        items = axis if isinstance(axis, (tuple, list)) else (axis,)
        if len(items) not in (1, 2) or not all(_is_index(a) for a in items):
            raise TypeError(f"norm: axis must be None, an int or a pair of ints, got {axis!r} for shape {x.shape}")
        axes = _axes("norm", tuple(items), x.shape)
        matrix = len(axes) == 2
    if matrix and ord not in (None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf):
        raise ValueError(f"norm: the matrix norm ord={ord!r} (of shape {x.shape}, axes {axes}) is not "
                         "one of numpy's ('fro', 'nuc', 2, -2, 1, -1, inf, -inf); for the vector norm "
                         "of all entries use norm(x.reshape(-1), ord)")
    if not matrix and ord in (-1, -2):
        raise ValueError(f"norm: ord must be {_ORDS}, got {ord!r} for shape {x.shape}")
    if not matrix and isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm, but the norm of shape {x.shape} over "
                         f"axis {axis!r} is a vector norm; ord is {_ORDS}")
    if x.dtype.kind in "biu":
        x = x.astype(get_default_dtype())  # (np.linalg.norm of integers is a float)
    if matrix and ord not in (None, "fro"):
        return _matrix_norm(x, ord, axes, keepdims)
    if ord == 0:  # (recorded with gradient 0, as PyTorch's, for a real x)
        count = (x != 0).astype(x.data.real.dtype).sum(axes, keepdims)
        return count if x.dtype.kind == "c" else _zero_gradient(count, x.sum(axes, keepdims))
    if ord in (np.inf, -np.inf):
        a = abs(x)
        if 0 in [x.shape[i] for i in axes]:
            raise ValueError(f"norm: ord={ord} of shape {x.shape} over axis {axis!r}: no entries")
        return a.max(axes, keepdims) if ord > 0 else a.min(axes, keepdims)
    if ord == 1:
        return abs(x).sum(axes, keepdims)
    if ord is None or ord == 2 or ord == "fro":
        squares = abs(x) ** 2 if x.dtype.kind == "c" else x * x
        return _pth_root(squares.sum(axes, keepdims))
    # |x_i|**p at an entry 0 has the slope p|x_i|**(p-1), infinite for p < 1 (times abs's
    # slope 0 there: NaN), and its derivative infinite for p < 2. So for p < 1 each entry
    # 0, and otherwise a slice of zeros (whose root _pth_root differentiates as 0), takes
    # |x_i| = 1 and the term 0 by a where: the gradient 0 there, PyTorch's subgradient.
    zero = x == 0 if ord < 1 else (x != 0).sum(axes, True) == 0  # (axes kept: it broadcasts)
    terms = P.where.apply(zero, 0, P.where.apply(zero, 1, abs(x)) ** float(ord))
    return _pth_root(terms.sum(axes, keepdims), float(ord))


def einsum(subscripts: str, *operands: Any, optimize: Any = True) -> Tensor:
    """np.einsum(subscripts, *operands) for tensors.

    Products of the operands, summed over the labels the output leaves out.

    Explicit ('ij,jk->ik') or implicit ('ij,jk': the labels that appear once, in
    alphabetical order) output; any number of operands; '...' broadcasts the
    axes it stands for ('...ij,...jk->...ik' is a batched matmul); a size-1 axis
    broadcasts against its label's size; a label repeated within one operand
    takes its diagonal ('ii->i', trace 'ii->'). Operand i has one axis per label
    of its term (plus the ellipsis's); the result has one per output label, of
    that label's size. Examples: attention scores 'bhqd,bhkd->bhqk' of (B, H, Q, D)
    and (B, H, K, D) give (B, H, Q, K); a bilinear form 'bi,ij,bj->b' of (B, I),
    (I, J), (B, J) gives (B,).

    Contracted as np.einsum(..., optimize=True) (numpy's greedy path, BLAS for
    the matrix products): numpy's default, optimize=False, loops in C without
    BLAS (9x slower for a (8, 4, 64, 32) attention product, 400x for a chain of
    three 50-80 matrices) and its results differ from this only by rounding.
    Subscripts are parsed once per string and contraction paths once per shapes.
    numpy's keyword optimize= (False, True, 'greedy', 'optimal' or an einsum_path)
    is taken and has no effect: the contraction is always the above.
    One primitive: operand k's gradient is an einsum of the output's gradient with
    the other operands, so gradients of any order work.
    """
    if optimize is not True:
        _einsum_optimize(optimize)
    if not isinstance(subscripts, str):
        raise TypeError(
            f"einsum: subscripts must be a string such as 'ij,jk->ik', got {type(subscripts).__name__} "
            "(numpy's interleaved form einsum(x, [0, 1], y, [1, 2]) is not supported)")
    if not operands:
        raise ValueError(f"einsum: subscripts {subscripts!r} need at least one operand")
    weak = [isinstance(x, (int, float, complex)) and not isinstance(x, bool) for x in operands]
    tensors = [None if w else as_tensor(x) for x, w in zip(operands, weak)]
    if any(weak):  # (a Python number does not upcast float32 tensors, as in numpy's arithmetic)
        dtype = np.result_type(*(t.dtype for t in tensors if t is not None), *(x for x, w in zip(operands, weak) if w))
        tensors = [Tensor(np.asarray(x, dtype=dtype)) if w else t for x, w, t in zip(operands, weak, tensors)]
    return P.einsum.apply(*tensors, subscripts=subscripts)


def _einsum_optimize(opt: Any) -> None:
    """Check numpy's einsum keyword optimize= (its value is not needed)."""
    if not (isinstance(opt, bool) or (isinstance(opt, str) and opt in ("greedy", "optimal"))
            or (isinstance(opt, (list, tuple)) and opt and opt[0] == "einsum_path")):
        raise ValueError(f"einsum: optimize must be False, True, 'greedy', 'optimal' or a path from "
                         f"np.einsum_path, got {opt!r}")


def _split_points(x: Tensor, indices_or_sections: Any, axis: Any, op: str, equal: bool) -> tuple:
    """(axis made non-negative, [0, cut_1, ..., n]): piece k is [points[k], points[k+1])."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int, got {axis!r} for shape {x.shape}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for shape {x.shape}")
    axis = int(axis) % x.ndim
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)) and not isinstance(indices_or_sections, bool):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"{op}: the number of sections must be larger than 0, got {sections} "
                             f"for shape {x.shape}")
        if equal and n % sections:
            raise ValueError(f"{op}: array split does not result in an equal division: axis {axis} "
                             f"of shape {x.shape} has {n} entries, not a multiple of {sections} sections")
        size, extra = divmod(n, sections)
        points = [0]
        for i in range(sections):
            points.append(points[-1] + size + (i < extra))
        return axis, points
    try:
        indices = [operator.index(i) for i in indices_or_sections]
    except TypeError:
        raise TypeError(f"{op}: indices_or_sections must be an int or a sequence of ints, "
                        f"got {indices_or_sections!r} for shape {x.shape}") from None
    return axis, [0] + indices + [n]


def _pieces(x: Tensor, indices_or_sections: Any, axis: Any, op: str, equal: bool) -> list[Tensor]:
    """x cut along `axis` at _split_points's positions, each piece a recorded basic slice."""
    axis, points = _split_points(x, indices_or_sections, axis, op, equal)
    lead = (slice(None),) * axis
    return [x[lead + (slice(a, b),)] for a, b in zip(points[:-1], points[1:])]


@composite
def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """np.array_split: a list of views of x along `axis`, each a recorded slice.

    An int N gives N pieces, the first (n % N) one entry longer (n = x.shape[axis]);
    a sequence of indices cuts at those positions (as slices: x[:i0], x[i0:i1], ...,
    x[ik:], out-of-range ones clipped, so pieces may be empty)."""
    return _pieces(as_tensor(x), indices_or_sections, axis, "array_split", equal=False)


@composite
def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """np.split: a list of views of x along `axis`, each a recorded slice.

    As array_split, but an int N must divide x.shape[axis] (N pieces of equal
    length), else a ValueError, as numpy's."""
    return _pieces(as_tensor(x), indices_or_sections, axis, "split", equal=True)
