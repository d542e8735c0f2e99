"""The primitive table: every differentiable operation, declared once.

Each entry is a numpy forward and one vector-Jacobian product per input,

    vjp_i(g, ans, *inputs, **params) -> gradient of the i-th input,

where `g` is the gradient of the output (same shape as `ans`). For y = f(x)
with Jacobian J = dy/dx that is J^T g, written without forming J: for an
elementwise f, g * f'(x); for y = a @ b, g @ b^T and a^T @ g. The VJPs use
only operators, array methods (`.sum`, `.reshape`, `.astype`) and the
primitives of this table, all of which accept ndarrays and Tensors alike: the
backward sweep passes ndarrays when no graph is wanted (numpy speed, nothing
recorded) and Tensors under `create_graph=True` (the backward is recorded, so
gradients of gradients come for free). A few VJPs also have a numpy-only route
taken only when they are handed ndarrays (a `type(...) is np.ndarray` test: pow's, pick's,
the window routes of sum's and max's, matmul's layout choice, unbroadcast's BLAS
sums), which computes the same numbers: to learn the idea, read the plain branch
(the one that also serves Tensors) and skip those.

Everything else in the library is composed from these.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import cmath
import math
from typing import Any, Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .engine import Node, _mode, node_counter, note_plain_view, tracers
from .tensor import Tensor

PRIMITIVES: dict[str, "Primitive"] = {}


class Primitive:
    """A numpy function with one VJP per positional input.

    Calling a primitive on Tensors applies it (recording a `Node` when grad is
    enabled and an input requires grad); calling it on plain arrays or numbers
    just runs the numpy forward. `vjps[i] is None` marks input i as
    non-differentiable (a condition, an index). `differentiable=False` marks an
    operation whose output never carries gradient (comparisons, sign).
    `variadic=True` lets one VJP serve any number of inputs; it then receives
    the input's position as its first argument. `vjp_all(g, ans, *inputs)`,
    if given, returns the gradients of all inputs that require grad at once
    (in order of position), and the backward sweep calls it instead of the
    per-input VJPs when no graph is recorded (a compiled tape's reverse sweep).
    `shape_only` lists the inputs whose values no VJP reads (their shapes and dtypes
    only: add's, a reshape's, an indexed tensor's), True for all of them: such an
    input may be changed in place between the forward and the backward, as in
    PyTorch, whose add saves nothing (tests/test_primitives.py checks each claim by
    filling the input with NaN before the backward).
    `specialize(which, out, *inputs, **params)`, if given, returns the forward
    (which = "fwd") or input `which`'s VJP for arrays of these shapes and dtypes
    only, with the branches that depend on them taken once (or None: the
    general one). am.compile's tape calls these: its guard keeps shapes and
    dtypes fixed, and they compute the same numbers.
    """

    __slots__ = ("name", "fwd", "vjps", "vjp_all", "uses_ans", "differentiable", "doc", "specialize",
                 "shape_only", "is_view")

    def __init__(
        self,
        name: str,
        fwd: Callable[..., Any],
        vjps: Sequence[Callable | None] | Callable = (),
        *,
        uses_ans: bool = False,
        differentiable: bool = True,
        variadic: bool = False,
        vjp_all: Callable | None = None,
        specialize: Callable | None = None,
        shape_only: Sequence[int] | bool = (),
        doc: str = "",
        register: bool = True,
    ) -> None:
        if shape_only is not True and uses_ans and shape_only:
            # (a recorded backward recomputes the output from the inputs' values)
            raise ValueError(f"primitive {name!r}: an input of a primitive that uses its output is read")
        self.shape_only = shape_only if shape_only is True else frozenset(shape_only)
        self.name = name
        self.fwd = fwd
        self.specialize = specialize
        self.vjps = _ByPosition(vjps) if variadic else tuple(vjps)
        self.vjp_all = vjp_all
        self.uses_ans = uses_ans
        self.differentiable = differentiable
        self.doc = doc
        self.is_view = False  # (set for engine.view_puts' primitives: see note_plain_view)
        if register:
            if name in PRIMITIVES:
                raise ValueError(f"primitive {name!r} is already registered")
            PRIMITIVES[name] = self

    def kept(self, inputs: tuple, out: Any) -> tuple:
        """What a node of this primitive keeps for its gradient: the inputs whose values a
        VJP reads (not the shape_only ones), and its output if a VJP uses it. An in-place
        change of one of these before the backward is refused (engine, am.compile)."""
        free = self.shape_only
        kept = tuple(inputs) if not free else () if free is True else tuple(
            a for i, a in enumerate(inputs) if i not in free)
        return kept + (out,) if self.uses_ans else kept

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args: Any, **params: Any) -> Any:
        for a in args:
            if isinstance(a, Tensor):
                return self.apply(*args, **params)
        return self.fwd(*args, **params)

    def apply(self, *args: Any, **params: Any) -> Tensor:
        """Run the forward on tensors' data; record a node if grad is needed."""
        # This runs once per operation, so the common one- and two-input
        # cases (and three tensors) are unrolled; the loop handles the rest.
        n = len(args)
        if n == 2:
            x, y = args
            if isinstance(x, Tensor):
                dx, rx = x.data, x.requires_grad
            else:
                if type(x) in _SEQUENCES:  # (VJPs read .shape: a list is an array here)
                    x = np.asarray(x)
                    args = (x, y)
                dx, rx = x, False
            if isinstance(y, Tensor):
                dy, ry = y.data, y.requires_grad
            else:
                if type(y) in _SEQUENCES:
                    y = np.asarray(y)
                    args = (x, y)
                dy, ry = y, False
            datas = (dx, dy)
            needs = (0, 1) if rx and ry else (0,) if rx else (1,) if ry else ()
        elif n == 1 and isinstance(args[0], Tensor):
            datas = (args[0].data,)
            needs = (0,) if args[0].requires_grad else ()
        elif (n == 3 and isinstance(args[0], Tensor) and isinstance(args[1], Tensor)
              and isinstance(args[2], Tensor)):  # (matmul_add's x, W, b: every Linear, every step)
            x, y, z = args
            datas = (x.data, y.data, z.data)
            needs = (0,) if x.requires_grad else ()
            if y.requires_grad:
                needs += (1,)
            if z.requires_grad:
                needs += (2,)
        else:
            data_list = []  # (a loop: cheaper here than a generator into tuple())
            listed = False
            for a in args:
                if isinstance(a, Tensor):
                    data_list.append(a.data)
                elif type(a) in _SEQUENCES:  # (as in the unrolled cases: a list is an array)
                    data_list.append(np.asarray(a))
                    listed = True
                else:
                    data_list.append(a)
            datas = tuple(data_list)
            if listed:
                args = tuple(d if type(a) in _SEQUENCES else a for a, d in zip(args, datas))
            needs = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad)
        if tracers:  # (am.compile recording: a function's ndarray arguments as plain arrays)
            args, datas, params = tracers[-1].plain(args, datas, params)
        try:
            out = self.fwd(*datas, **params)
        except Exception as e:
            if tracers:  # (a function that catches this would be taped on its except branch)
                tracers[-1].raised = f"{type(e).__name__} in {self.name}"
            if isinstance(e, (ValueError, IndexError, TypeError, OverflowError)):
                raise _explain(self.name, e, [np.shape(d) for d in datas], params, _mode.scope,
                               datas) from e
            raise
        if type(out) is not np.ndarray:  # numpy returns scalars from 0-d results
            out = np.asarray(out)
        t = _new(Tensor)
        t.data = out
        t._grad = t.name = None
        if needs and _mode.grad_enabled and self.differentiable:
            t.requires_grad = True
            node = t.grad_fn = _new(Node)
            node.prim, node.inputs, node.datas, node.needs = self, args, datas, needs
            node.params, node.out, node.scope = params, out, _mode.scope
            node.seq = _next_seq()
        else:
            t.requires_grad = False
            t.grad_fn = None
            if self.is_view and out.base is not None:  # (a view made without a node: kept
                note_plain_view(self, args[0], params, t)  # for a recorded change of it)
        if tracers:
            tracers[-1].record(self, args, params, t)
        return t


_new = object.__new__  # skips __init__: apply sets every slot itself
_SEQUENCES = (list, tuple)
_next_seq = node_counter.__next__


class _ByPosition:
    """VJP table of a variadic primitive: entry i is the VJP bound to position i."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable) -> None:
        self.fn = fn

    def __getitem__(self, i: int) -> Callable:
        return lambda g, ans, *xs, **p: self.fn(i, g, ans, *xs, **p)


def _explain(name: str, err: Exception, shapes: list, params: dict, scope: tuple,
             datas: tuple = ()) -> Exception:
    """A numpy error restated with the operation's name and the input shapes.

    Inside a composite (a named scope such as "softmax" or "mean") the error
    names the composite the user called, and the primitive in brackets. An input
    whose .data is a Tensor (PyTorch's `p.data = p.data - lr * p.grad` here, where
    .data is the ndarray) is named as the cause.
    """
    names = [s for s in scope if isinstance(s, str)]
    op = f"{names[-1]} ({name})" if names else name
    for i, d in enumerate(datas):
        if isinstance(d, Tensor):
            return TypeError(
                f"{op}: input {i} (shape {d.shape}) has a Tensor as its .data, which must be an ndarray "
                "(was it given one by `x.data = y` with a Tensor y, as PyTorch allows?); write "
                "`x.data = y.data`, or change x in place under am.no_grad()")
    extra = "".join(f", {k}={v!r}" for k, v in params.items() if k != "index")
    msg = f"{op}: invalid input for shapes {' and '.join(map(str, shapes))}{extra}: {err}"
    if isinstance(err, np.linalg.LinAlgError):  # (kept: callers catch a singular matrix by its type)
        return np.linalg.LinAlgError(msg)
    if isinstance(err, ValueError):  # AxisError is a ValueError too
        return ValueError(msg)
    if isinstance(err, (IndexError, OverflowError)):
        return type(err)(msg)
    return TypeError(msg)


# -- helpers used by VJPs (work on ndarrays and Tensors) -----------------------


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum `g` over the axes that broadcasting added or stretched to reach `shape`.

    Broadcasting uses one entry of an input at many places of the output (a bias
    b added to every row of x W^T); by the chain rule its gradient is the sum of
    the gradients at those places. The plain version is the last line,
    g.sum(axis=axes).reshape(shape); the branches before it are ndarray-only
    routes to the same sums (faster, or for float16 accumulated in float32, as
    the sum primitive does).
    """
    if g.shape == shape:
        return g
    if (type(g) is np.ndarray and g.ndim == 2 and shape == g.shape[1:]
            and g.dtype.char in "fd" and g.flags.forc and g.shape[0] <= 1024):
        # A batch of rows summed over the batch (a bias gradient), as a
        # matrix-vector product: numpy reduces a (128, 256) float32 array that
        # is column-major (what linear's (W x^T)^T gives) in 14 us, one short
        # contiguous sum per column; BLAS in 3 us. (Row-major: 6 us and 2 us.)
        # Up to 1024 rows: there BLAS rounds no worse than numpy (measured),
        # while on long contiguous columns numpy's pairwise summation wins
        # (100,000 float32 rows: error 9e-5 against BLAS's 3e-4).
        return np.ones(g.shape[0], dtype=g.dtype).dot(g)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    first = axes[0] if axes else 0
    if (first and axes == tuple(range(first, g.ndim)) and type(g) is np.ndarray and g.size
            and g.dtype.char in "fd" and g.dtype.isnative and g.flags.c_contiguous):
        # Long rows summed (a conv bias gradient, (O, OH*OW*N) summed over its rows).
        # (Native byte order only: the ones are native, and numpy keeps g's order.)
        length = math.prod(g.shape[first:])
        if g.size >= _ROW_LEAST and length % _ROW_BLOCK == 0:
            return _row_sums(g.reshape(-1, length)).reshape(shape)
    if type(g) is np.ndarray and g.dtype == _HALF:
        return _half_sum(g, axes).reshape(shape)
    return g.sum(axis=axes).reshape(shape)


_ROW_BLOCK = 128
_ROW_LEAST = 1 << 16  # (below it the route's extra calls cost more than its faster sum saves)


def _read_only_ones(dtype: str) -> np.ndarray:
    ones = np.ones(_ROW_BLOCK, dtype=dtype)
    ones.flags.writeable = False
    return ones


_ROW_ONES = {np.dtype(c): _read_only_ones(c) for c in "fd"}


def _row_sums(m: np.ndarray) -> np.ndarray:
    """The sums of the rows of a C-contiguous native float32/float64 m (R, L), L a multiple of 128.

    Each run of 128 is summed by a matrix-vector product with ones, then the
    L/128 partial sums by numpy's pairwise sum: as accurate as numpy's own
    row sum (which sums blocks of 128 and adds those pairwise too), and 2.4x
    faster for a conv bias gradient ((8, 50176) float32: 22 us, not 53),
    where numpy's reduction along long rows does not vectorise. (Every entry
    is multiplied by 1.0, which changes none; -0.0 sums to +0.0 as in numpy.)
    """
    partial = m.reshape(-1, _ROW_BLOCK) @ _ROW_ONES[m.dtype]
    return np.add.reduce(partial.reshape(m.shape[0], -1), axis=1)


# -- elementwise ------------------------------------------------------------------

add = Primitive(
    "add", np.add,
    (lambda g, ans, x, y: unbroadcast(g, x.shape),
     lambda g, ans, x, y: unbroadcast(g, y.shape)), shape_only=True,
    doc="x + y with numpy broadcasting (the broadcast shape). VJPs: x_bar = g, y_bar = g, each\n    summed over the axes broadcasting stretched (unbroadcast).",
)
mul = Primitive(
    "mul", np.multiply,
    (lambda g, ans, x, y: unbroadcast(g * y, x.shape),
     lambda g, ans, x, y: unbroadcast(g * x, y.shape)),
    doc="x * y with numpy broadcasting. VJPs: x_bar = g * y, y_bar = g * x (each unbroadcast).",
)
sub = Primitive(
    "sub", np.subtract,
    (lambda g, ans, x, y: unbroadcast(g, x.shape),
     lambda g, ans, x, y: unbroadcast(-g, y.shape)), shape_only=True,
    doc="x - y with numpy broadcasting (one node, where x + (-y) would take two).\n    VJPs: x_bar = g, y_bar = -g (each unbroadcast).",
)
div = Primitive(
    "div", np.true_divide,
    (lambda g, ans, x, y: unbroadcast(g / y, x.shape),
     # -g x / y**2 as -g (x/y) / y: y * y would underflow or overflow first
     lambda g, ans, x, y: unbroadcast(-(g * ans) / y, y.shape)),
    uses_ans=True,
    doc="x / y with numpy broadcasting. VJPs: x_bar = g / y, y_bar = -g x / y**2 (as\n    -(g ans) / y; each unbroadcast).",
)
neg = Primitive("neg", np.negative, (lambda g, ans, x: -g,), shape_only=True, doc="-x (same shape). VJP: -g.")
floor_divide = Primitive(
    "floor_divide", np.floor_divide, differentiable=False,
    doc="""x // y with numpy broadcasting: numpy's floor_divide, floor(x / y) as numpy
    rounds it (consistent with remainder: x == (x // y) * y + x % y up to rounding).
    Integer inputs give integers (y == 0 gives 0 with numpy's RuntimeWarning), floats
    give floats (y == 0 gives inf, -inf or nan, warned).

    No gradient: the output never requires grad. It is piecewise constant, so its
    derivative is 0 wherever it exists. PyTorch 2.x records a node whose backward
    raises ("the derivative for floor_divide is not implemented"); a graph that can
    only fail or carry zeros is not worth recording, so it is a constant here, as
    sign and the comparisons are.""",
)
remainder = Primitive(
    "remainder", np.remainder,
    (lambda g, ans, x, y: unbroadcast(g, x.shape),
     lambda g, ans, x, y: unbroadcast(-(g * floor_divide(x, y)), y.shape)),
    doc="""x % y with numpy broadcasting: numpy's remainder, x - floor(x / y) * y, which
    has the sign of the divisor y (np.fmod's has x's). Integers give integers (y == 0
    gives 0 with numpy's RuntimeWarning), floats give floats (y == 0 gives nan, warned).

    d/dx = 1 and d/dy = -floor(x / y), piecewise: where x / y is an integer the
    remainder jumps, and the VJP takes floor_divide's value there (as PyTorch does:
    at x = 4, y = 2 d/dy is -2), with d/dx = 1 on both sides.""",
)


def _safe_log(x: Any) -> Any:
    """log(x) where x > 0 and 0 elsewhere: d(x**y)/dy there is 0 or undefined. A complex
    x has the principal log, which numpy's power takes, wherever x != 0 (x > 0 would
    compare real parts first, and take log z as 0 for every z with Re z < 0)."""
    if isinstance(x, (int, float)):  # a Python base stays a weak scalar (keeps float32)
        return math.log(x) if x > 0 else 0.0
    if isinstance(x, complex):
        return cmath.log(x) if x != 0 else 0j
    defined = x != 0 if x.dtype.kind == "c" else x > 0
    return where(defined, log(where(defined, x, 1.0)), 0.0)


def _pow_vjp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """g y x**(y-1), which is 0 where y == 0 (x**0 is constant), also where x**-1
    overflows (x = 0, or a tiny x: 1e-5 in float16): there 0 * inf would be NaN.
    So where y == 0 it is taken as g y / x, which is 0 and whose d/dy is 1/x (the
    mixed second derivative; x = 0 is replaced by 1), and the power's base is 1
    there (a NaN in the branch where does not pick would still reach second
    derivatives through its VJP, as 0 * inf)."""
    if type(y) in (int, float):
        return unbroadcast(g * 0.0, x.shape) if y == 0 else unbroadcast(g * y * x ** (y - 1), x.shape)
    zero = y == 0
    if type(zero) is np.ndarray and type(x) is np.ndarray and not zero.any():
        # (a plain backward, which records nothing: without a zero exponent every
        # where below picks x, and the four passes they cost are skipped)
        return unbroadcast(g * y * x ** (y - 1), x.shape)
    at_zero = g * y / where(x == 0, 1.0, x)
    return unbroadcast(where(zero, at_zero, g * y * where(zero, 1.0, x) ** (y - 1)), x.shape)


pow = Primitive(
    "pow", np.power,
    (_pow_vjp_x,
     lambda g, ans, x, y: unbroadcast(g * ans * _safe_log(x), y.shape)),
    uses_ans=True,
    doc="x ** y; the exponent may be a tensor (d/dy = x**y log x, taken as 0 where x <= 0, or x == 0 if complex).",
)
exp = Primitive("exp", np.exp, (lambda g, ans, x: g * ans,), uses_ans=True, doc="e ** x (same shape). VJP: g * ans.")
log = Primitive("log", np.log, (lambda g, ans, x: g / x,), doc="natural logarithm (same shape). VJP: g / x.")
log1p = Primitive(
    "log1p", np.log1p, (lambda g, ans, x: g / (1.0 + x),),
    doc="log(1 + x), exact for tiny x (where log(1 + x) rounds 1 + x): softplus and BCE need it.\n    Same shape. VJP: g / (1 + x).",
)
expm1 = Primitive(
    "expm1", np.expm1, (lambda g, ans, x: g * exp(x),),
    doc="""e ** x - 1, exact for tiny x (where exp(x) - 1 cancels). A primitive, as log1p is: the
    composite 2 tanh(x/2) / (1 - tanh(x/2)) is accurate near 0 but costs nine ops, a few ulps,
    and a where to switch to exp(x) - 1 away from 0. Same shape. VJP: g e**x.""",
)
_LN2, _LN10 = math.log(2.0), math.log(10.0)
log2 = Primitive(
    "log2", np.log2, (lambda g, ans, x: g / (x * _LN2),),
    doc="""Base-2 logarithm. A primitive: log(x) / log(2) is off by an ulp for 30% of
    inputs (log10's composite gives log10(1000) = 2.9999999999999996). Same shape.
    VJP: g / (x ln 2).""",
)
log10 = Primitive("log10", np.log10, (lambda g, ans, x: g / (x * _LN10),),
                  doc="Base-10 logarithm, exact at powers of 10 (a primitive: see log2). VJP: g / (x ln 10).")
sin = Primitive("sin", np.sin, (lambda g, ans, x: g * cos(x),), doc="sine (same shape). VJP: g cos x.")
cos = Primitive("cos", np.cos, (lambda g, ans, x: -(g * sin(x)),), doc="cosine (same shape). VJP: -g sin x.")
tanh = Primitive(
    "tanh", np.tanh, (lambda g, ans, x: g * (1.0 - ans * ans),), uses_ans=True,
    doc="hyperbolic tangent (same shape). VJP: g (1 - ans**2), as d tanh = 1 - tanh**2.",
)


# -- erf: numpy has none, so the forward is written here --------------------------
#
# W. J. Cody, "Rational Chebyshev approximations for the error function",
# Math. Comp. 23 (1969) 631-637: the published coefficients of three near-minimax
# rational functions, evaluated below on |x| < 0.5, 0.5 <= |x| < 4 and |x| >= 4.
# Each pair lists the numerator's coefficients, then the (monic) denominator's, in
# the order his tables give them (see _cody_ratio).
_ERF_SMALL = (
    (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
     3.20937758913846947e03, 1.85777706184603153e-1),
    (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
     2.84423683343917062e03),
)
_ERFC_MIDDLE = (
    (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
     2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
     2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8),
    (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
     1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
     3.43936767414372164e03, 1.23033935480374942e03),
)
_ERFC_LARGE = (
    (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
     1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2),
    (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
     6.05183413124413191e-2, 2.33520497626869185e-3),
)
_RSQRT_PI = 0.56418958354775628695  # 1 / sqrt(pi)
_TWO_OVER_SQRT_PI = 1.1283791670955125739  # 2 / sqrt(pi), erf'(0)


def _cody_ratio(t: np.ndarray, coefficients: tuple) -> np.ndarray:
    """num(t) / den(t) by Horner's rule, with num = c t**k + n_0 t**(k-1) + ... + n_(k-1)
    (c the last entry of the numerator tuple, as Cody lists it) and den = t**k + d_0
    t**(k-1) + ... + d_(k-1), k = len(den)."""
    num, den = coefficients
    k = len(den)
    n = num[-1] * t
    d = t.copy()
    for a, b in zip(num[: k - 1], den[: k - 1]):
        n += a
        n *= t
        d += b
        d *= t
    n += num[k - 1]
    d += den[k - 1]
    n /= d
    return n


def _exp_minus_square(y: np.ndarray) -> np.ndarray:
    """exp(-y**2) for y >= 0, without the rounding error of y*y (which exp would
    multiply by y**2, up to 36 here): y = h + l with h = y rounded down to a multiple
    of 1/16, so h*h is exact, and y**2 = h*h + (y - h)(y + h). (In place on two new
    arrays: at a million elements each temporary costs as much as an arithmetic op.)"""
    h = np.multiply(y, 16.0)
    np.floor(h, out=h)
    h /= 16.0
    lo = np.subtract(y, h)
    lo *= np.add(y, h)
    np.negative(lo, out=lo)
    np.exp(lo, out=lo)
    h *= h
    np.negative(h, out=h)
    np.exp(h, out=h)
    h *= lo
    return h


def _erfc_middle(y: np.ndarray) -> np.ndarray:
    """erfc(y) for float64 y in [0.5, 4): exp(-y**2) R2(y) (Cody's)."""
    e = _exp_minus_square(y)
    e *= _cody_ratio(y, _ERFC_MIDDLE)
    return e


def _erfc_large(y: np.ndarray) -> np.ndarray:
    """erfc(y) for float64 y >= 4 (finite): exp(-y**2)/y (1/sqrt(pi) - R3(1/y**2) / y**2) (Cody's)."""
    t = 1.0 / (y * y)
    return _exp_minus_square(y) * (_RSQRT_PI - t * _cody_ratio(t, _ERFC_LARGE)) / y


def _real_input(where: str, x: Any) -> tuple:
    """A special function's input: (x as an array of real numbers, the result's dtype:
    numpy's for x with float16, so a float keeps its own and an integer or bool gets the
    smallest float that holds it)."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{where}: expected real numbers, got dtype {x.dtype} of shape {x.shape}")
    return x, np.result_type(x.dtype, np.float16)


def _real_as_float64(where: str, x: Any) -> tuple:
    """_real_input, with x's entries flattened in float64 and their absolute values:
    (x, v, |v|, the result's dtype)."""
    x, out_dtype = _real_input(where, x)
    v = x.astype(np.float64).reshape(-1)
    return x, v, np.abs(v), out_dtype


def _erf(x: Any) -> np.ndarray:
    """erf(x) = 2/sqrt(pi) * integral from 0 to x of exp(-t**2) dt, elementwise.

    Computed in float64 whatever the input's dtype, then given the float dtype numpy's
    exp would (float32 stays float32). With a = |x| and erf odd (sign by copysign, so
    erf(-0.0) = -0.0):
      a < 0.5:       erf = x R1(x**2)                       (Cody's erf approximation)
      0.5 <= a < 4:  erf = 1 - exp(-a**2) R2(a)             (his erfc approximation)
      a >= 4:        erf = 1 - exp(-a**2)/a (1/sqrt(pi) - R3(1/a**2) / a**2)
    a is capped at 6 in the last range: erfc(6) = 2.2e-17 is below half an ulp of 1, so
    erf is 1.0 exactly there, also for inf (and the cap keeps inf - inf out); NaN
    stays NaN. Measured against math.erf (tests/test_erf_gelu.py: 224,039 points, a
    grid of [-30, 30] with step 6e-4, 40,000 log-spaced in +-[1e-300, 30], subnormals,
    the range boundaries and their neighbours, +-0; and a grid of 1.2 million points of
    [0, 6.5]): at most 3 ulps for |x| < 0.5, 2 ulps for 0.5 <= |x| < 4, 1 ulp beyond
    (mean 0.13). float32 results are the float64 ones rounded (correctly rounded at all
    1.1 million points of tests/test_erf_fast.py's sweep). Speed, one thread, 1e6 values:
    about 11 ms in float64 or float32 (torch.erf: 2.3 and 0.9 ms), worked through in
    blocks (see _erf_block); it was 80-90 ms with boolean masks over the whole array.
    The VJP sees x clipped to [-28, 28], where exp(-x**2) has underflowed to 0.
    """
    x, out_dtype = _real_input("erf", x)
    flat = x.reshape(-1)
    out = np.empty(flat.shape, out_dtype)
    for start in range(0, flat.size, _ERF_BLOCK):
        _erf_block(flat[start:start + _ERF_BLOCK], out[start:start + _ERF_BLOCK])
    return out.reshape(x.shape)


# erf works through its input in blocks of this many entries: each block's temporaries
# (a quarter of a megabyte each) stay in the cache and are reused by the allocator, where a
# million-entry temporary is fresh memory, paged in again each time (1-2 ms apiece).
_ERF_BLOCK = 1 << 15


def _erf_block(x: np.ndarray, out: np.ndarray) -> None:
    """_erf of the 1-d array x into out (a float array of x's length): the ranges are
    picked by index arrays (np.flatnonzero, then take and put), not boolean masks, which
    cost ten times as much on mixed entries; results are rounded to out's dtype once."""
    v = x.astype(np.float64)
    a = np.abs(v)
    small = a < 0.5
    if small.all():  # (the common case of activations near 0: no index at all)
        np.multiply(v, v, out=a)
        r = _cody_ratio(a, _ERF_SMALL)
        r *= v
        out[...] = r
        return
    i = np.flatnonzero(small)
    if i.size:
        xs = v[i]
        rs = _cody_ratio(xs * xs, _ERF_SMALL)
        rs *= xs
        out[i] = rs
    j = np.flatnonzero(np.logical_not(small, out=small))
    aj = a[j]
    inner = aj < 4.0  # (NaN fails it: the last range keeps NaN)
    if inner.all():
        e = _erfc_middle(aj)
    else:
        e = np.empty_like(aj)
        m = np.flatnonzero(inner)
        if m.size:
            e[m] = _erfc_middle(aj[m])
        k = np.flatnonzero(np.logical_not(inner, out=inner))
        e[k] = _erfc_large(np.minimum(aj[k], 6.0))  # (np.minimum keeps NaN)
    # erf = 1 - erfc, as (0.5 - erfc) + 0.5: exact for erfc in [1/4, 1]
    np.subtract(0.5, e, out=e)
    e += 0.5
    np.copysign(e, v[j], out=e)
    out[j] = e


def _erf_vjp(g: Any, ans: Any, x: Any) -> Any:
    # x clipped to [-28, 28] (with a where, so its derivative is 0 outside): exp(-x**2)
    # is 0 there anyway (below 5e-324 from |x| = 27.3), but x = +-inf left in would make
    # the second derivative -2x exp(-x**2) inf * 0 = NaN, and x*x would overflow from 1.3e154.
    x = where(x > 28.0, 28.0, where(x < -28.0, -28.0, x))  # (NaN stays NaN)
    return g * (_TWO_OVER_SQRT_PI * exp(-(x * x)))


erf = Primitive(
    "erf", _erf, (_erf_vjp,),
    doc="""error function 2/sqrt(pi) int_0^x exp(-t**2) dt (same shape as x; numpy has none,
    scipy.special and torch name it erf); VJP: g 2/sqrt(pi) exp(-x**2). Forward: W. J.
    Cody's rational approximations, within 3 ulps of math.erf in float64 (see _erf).""",
)


# -- erfinv: numpy has none either ---------------------------------------------------
#
# M. Giles, "Approximating the erfinv function", GPU Computing Gems Jade (2010): his
# single-precision polynomials in w = -log((1 - y)(1 + y)), one for w < 5 and one in
# sqrt(w) for the tails, give a start within about 1e-7 (relative) for float32's range of
# y (but 0.7 off at the float64 extreme, w = 37: see _erfinv); Halley steps refine it.
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_SQRT_PI_OVER_2 = 0.88622692545275801365  # sqrt(pi) / 2, erfinv'(0)


def _horner(coefficients: tuple, t: np.ndarray) -> np.ndarray:
    p = np.full_like(t, coefficients[0])
    for c in coefficients[1:]:
        p *= t
        p += c
    return p


def _erfc_nonnegative(a: np.ndarray) -> np.ndarray:
    """erfc(a) for float64 a in [0, 6], to a few ulps relative (Cody's, as _erf's)."""
    r = np.empty_like(a)
    small = a < 0.5
    middle = (a < 4.0) & ~small
    large = ~(small | middle)
    if small.any():
        s = a[small]
        r[small] = 0.5 - s * _cody_ratio(s * s, _ERF_SMALL) + 0.5
    if middle.any():
        r[middle] = _erfc_middle(a[middle])
    if large.any():
        r[large] = _erfc_large(a[large])
    return r


def _erfinv(y: Any) -> np.ndarray:
    """erfinv(y), the x with erf(x) = y, elementwise: odd, finite on (-1, 1),
    erfinv(+-1) = +-inf and NaN outside [-1, 1] (and for NaN), as torch's.

    Computed in float64 whatever the input's dtype, then given the float dtype numpy's exp
    would (float32 stays float32). With a = |y| (sign by copysign: erfinv(-0.0) = -0.0):
    Giles' polynomial start x0, then Halley steps x -= r / (1 + x r), r = f(x) / erf'(x)
    (erf'' = -2x erf'), on f(x) = erf(x) - a for a <= 1/2 and on f(x) = (1 - a) - erfc(x)
    beyond, where 1 - a is exact and erfc keeps its relative accuracy: so the tails are
    as accurate as the middle (erf(x) - a near a = 1 would cancel to nothing). Measured
    against mpmath at 50 digits on 6,000 points of (-1, 1) (uniform, and log-spaced towards
    0 and towards 1): within 4 ulps in float64 (mean 0.35; the erf and erfc it inverts
    are within 3), float32 the float64 result rounded (0 ulps there). torch's float64
    erfinv is within 1 ulp. Speed: about 3 erf's time.
    """
    y, v, a, out_dtype = _real_as_float64("erfinv", y)
    x = np.where(a == 1.0, np.inf, np.nan)  # (|y| > 1 and NaN: NaN)
    inner = a < 1.0
    if inner.any():
        ai = a[inner]
        q = 1.0 - ai  # (exact for ai >= 1/2)
        w = -np.log(q * (1.0 + ai))
        central = w < 5.0
        t = np.where(central, w - 2.5, np.sqrt(np.maximum(w, 5.0)) - 3.0)
        xi = np.where(central, _horner(_GILES_CENTRAL, t), _horner(_GILES_TAIL, t)) * ai
        middle = ai <= 0.5
        tail = ~middle
        if tail.any():  # (a Newton step on log erfc(x) = log(1 - a), nearly linear in x there:
            xt, log_q = xi[tail], np.log(q[tail])  # Giles' start is 0.7 off at w = 37, beyond
            for _ in range(2):  # float32's range; two steps leave 1e-7 for Halley's)
                e = _erfc_nonnegative(xt)
                xt += (np.log(e) - log_q) * e / (_TWO_OVER_SQRT_PI * np.exp(-(xt * xt)))
            xi[tail] = xt
        for _ in range(2):
            f = np.empty_like(xi)
            f[middle] = _erf(xi[middle]) - ai[middle]
            f[tail] = q[tail] - _erfc_nonnegative(xi[tail])
            r = f / (_TWO_OVER_SQRT_PI * np.exp(-(xi * xi)))
            xi -= r / (1.0 + xi * r)
        x[inner] = xi
    return np.copysign(x, v).reshape(y.shape).astype(out_dtype, copy=False)


def _erfinv_vjp(g: Any, ans: Any, x: Any) -> Any:
    # d erfinv(y) = 1 / erf'(erfinv(y)) = sqrt(pi)/2 exp(erfinv(y)**2): inf at y = +-1
    return g * (_SQRT_PI_OVER_2 * exp(ans * ans))


erfinv = Primitive(
    "erfinv", _erfinv, (_erfinv_vjp,), uses_ans=True,
    doc="""inverse error function: erf(erfinv(y)) = y on (-1, 1), +-inf at +-1, NaN outside
    (same shape as y; numpy has none, scipy.special and torch name it erfinv);
    VJP: g sqrt(pi)/2 exp(ans**2), as d erfinv = 1 / erf'(erfinv(y)). Forward: Giles' start, Halley steps (see _erfinv).""",
)


# -- lgamma, digamma, polygamma: numpy has none ------------------------------------------
#
# Coefficients (mpmath at 40 digits, rounded to float64): lgamma(2 + z) = (1 - gamma) z +
# sum_{k>=2} (-1)**k (zeta(k) - 1) / k z**k and lgamma(1 + z) = -gamma z + sum_{k>=2}
# (-1)**k zeta(k) / k z**k (|z| <= 1/2 here; listed from the z term up), and the even
# Bernoulli numbers B_2, B_4, ... of Stirling's and Euler-Maclaurin's series.
_LGAMMA_AT_2 = (
    0.42278433509846713, 0.3224670334241132, -0.0673523010531981, 0.020580808427784546,
    -0.007385551028673986, 0.0028905103307415234, -0.001192753911703261, 0.0005096695247430425,
    -0.00022315475845357939, 9.945751278180853e-05, -4.492623673813314e-05,
    2.050721277567069e-05, -9.439488275268397e-06, 4.374866789907488e-06,
    -2.039215753801366e-06, 9.55141213040742e-07, -4.492469198764566e-07,
    2.1207184805554665e-07, -1.0043224823968099e-07, 4.7698101693639804e-08,
    -2.2711094608943164e-08, 1.0838659214896955e-08, -5.183475041970047e-09,
    2.4836745438024785e-09, -1.1921401405860912e-09, 5.731367241678862e-10,
    -2.7595228851242334e-10, 1.330476437424449e-10, -6.4229645638381e-11,
)
_LGAMMA_AT_1 = (
    -0.5772156649015329, 0.8224670334241132, -0.40068563438653143, 0.27058080842778454,
    -0.20738555102867398, 0.1695571769974082, -0.1440498967688461, 0.12550966952474304,
    -0.11133426586956469, 0.1000994575127818, -0.09095401714582904, 0.083353840546109,
    -0.0769325164113522, 0.07143294629536133, -0.06666870588242046, 0.06250095514121304,
    -0.058823978658684585, 0.055555767627403614, -0.05263167937961666, 0.05000004769810169,
    -0.047619070330142226, 0.04545455629320467, -0.04347826605304026, 0.04166666915034121,
    -0.04000000119214014, 0.03846153903467518, -0.037037037312989324, 0.035714285847333355,
    -0.034482758684919304, 0.03333333336437758, -0.03225806453115042, 0.03125000000727597,
    -0.030303030306558044, 0.029411764707594344, -0.02857142857226011, 0.027777777778181998,
    -0.027027027027223673, 0.02631578947377995, -0.025641025641072283, 0.025000000000022737,
    -0.024390243902450117, 0.023809523809529224, -0.023255813953491015, 0.02272727272727402,
    -0.022222222222222855, 0.021739130434782917, -0.021276595744681003, 0.02083333333333341,
    -0.02040816326530616, 0.020000000000000018, -0.019607843137254912, 0.019230769230769235,
    -0.01886792452830189, 0.01851851851851852, -0.01818181818181818, 0.017857142857142856,
    -0.017543859649122806,
)
_BERNOULLI_EVEN = (
    0.16666666666666666, -0.03333333333333333, 0.023809523809523808, -0.03333333333333333,
    0.07575757575757576, -0.2531135531135531, 1.1666666666666667, -7.092156862745098,
    54.971177944862156, -529.1242424242424, 6192.123188405797, -86580.25311355312,
    1425517.1666666667, -27298231.067816094, 601580873.9006424,
)
# Stirling's lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2) = sum_k B_2k / (2k (2k - 1)) x**(1 - 2k)
_STIRLING = tuple(b / (2 * k * (2 * k - 1)) for k, b in enumerate(_BERNOULLI_EVEN[:9], 1))
_HALF_LOG_2PI = 0.91893853320467274178  # log(2 pi) / 2
# digamma(y) - (log y - 1/(2y)) = -sum_k B_2k / (2k y**2k)
_DIGAMMA_TAIL = tuple(b / (2 * k) for k, b in enumerate(_BERNOULLI_EVEN[:12], 1))


def _series(coefficients: tuple, z: np.ndarray) -> np.ndarray:
    """sum_k coefficients[k] z**(k + 1), by Horner's rule."""
    p = np.full_like(z, coefficients[-1])
    for c in coefficients[-2::-1]:
        p *= z
        p += c
    return p * z


def _pi_x_reduced(v: np.ndarray) -> np.ndarray:
    """r = v - round(v) in [-1/2, 1/2] (exact), so sin(pi v) = +-sin(pi r) and cot(pi v) =
    cot(pi r) without the rounding of pi v for large v; r = 0 at the integers."""
    return v - np.round(v)


def _lgamma(x: Any) -> np.ndarray:
    """log|Gamma(x)|, elementwise, computed in float64 (float32 input rounded at the end,
    integers give float64, as erf). Regions, a = x:
      |a| < 1/2, a != 0:  lgamma(1 + a) - log|a|, lgamma(1 + z) by its Taylor series at 0
      1/2 <= a < 3/2:     lgamma(1 + z), z = a - 1 (the same series: accurate near the zero at 1)
      3/2 <= a < 10:      lgamma(2 + z) + log((a - 1)(a - 2)...), z = a - 2 - k in [-1/2, 1/2)
                          (the series at 2: accurate near the zero at 2)
      a >= 10:            Stirling's series, 9 terms (error below 2e-18 relative)
      a <= -1/2:          the reflection log(pi / |sin(pi a)|) - lgamma(1 - a), sin(pi a) from
                          a - round(a), exact
    inf at 0, at the negative integers (every float64 below -2**52 is one) and at +-inf;
    NaN stays NaN (torch's values). Measured against math.lgamma (tests/test_special_gamma.py):
    a few ulps relative for a > 0 away from the zeros at 1 and 2 (absolute 1e-16 near them);
    for a < 0 relative away from lgamma's zeros (between -2 and -3, ...), absolute near them,
    as any reflection (math.lgamma's too) loses there."""
    x, v, a, out_dtype = _real_as_float64("lgamma", x)
    with np.errstate(all="ignore"):  # (overflow to inf near the poles and beyond 2.5e305 is the value)
        out = _lgamma_float64(v, a)
    return out.reshape(x.shape).astype(out_dtype, copy=False)


def _lgamma_float64(v: np.ndarray, a: np.ndarray) -> np.ndarray:
    out = np.full_like(v, np.inf)  # (the poles, +-inf)
    out[np.isnan(v)] = np.nan
    near = (a < 0.5) & (v != 0)
    if near.any():
        z = v[near]
        out[near] = _series(_LGAMMA_AT_1, z) - np.log(np.abs(z))
    one = (v >= 0.5) & (v < 1.5)
    if one.any():
        out[one] = _series(_LGAMMA_AT_1, v[one] - 1.0)
    two = (v >= 1.5) & (v < 10.0)
    if two.any():
        y = v[two]
        p = np.ones_like(y)
        for _ in range(8):  # (down to [3/2, 5/2): Gamma(y) = (y - 1) Gamma(y - 1))
            down = y >= 2.5
            if not down.any():
                break
            y = np.where(down, y - 1.0, y)  # (exact)
            p = np.where(down, p * y, p)
        out[two] = _series(_LGAMMA_AT_2, y - 2.0) + np.log(p)
    big = (v >= 10.0) & (v < np.inf)
    if big.any():
        out[big] = _stirling(v[big])
    reflect = (v <= -0.5) & (v > -np.inf)
    if reflect.any():
        w = v[reflect]
        s = np.abs(np.sin(np.pi * _pi_x_reduced(w)))
        with np.errstate(divide="ignore"):
            lg = np.log(np.pi / s)  # (inf at the integers, where s = 0)
        rest = s > 0
        w = 1.0 - w[rest]
        lg[rest] -= _lgamma_float64(w, w)
        out[reflect] = lg
    return out


def _stirling(y: np.ndarray) -> np.ndarray:
    """lgamma(y) for float64 y >= 10 (finite): Stirling's series."""
    t = 1.0 / y
    return (y - 0.5) * np.log(y) - y + _HALF_LOG_2PI + _series(_STIRLING, t * t) * y


def _cot_derivative(n: int) -> np.ndarray:
    """The coefficients (constant term first) of P_n with d^n/dx^n cot(pi x) = pi**n P_n(cot(pi x)):
    P_0(c) = c, P_(k+1)(c) = -(1 + c**2) P_k'(c)."""
    p = np.array([0.0, 1.0])
    for _ in range(n):
        d = p[1:] * np.arange(1, p.size)  # P'
        q = np.zeros(d.size + 2)
        q[:d.size] -= d
        q[2:] -= d
        p = q
    return p


def _polygamma(x: Any, n: int = 0) -> np.ndarray:
    """psi^(n)(x) = d^(n+1)/dx^(n+1) lgamma(x), elementwise, for an integer n >= 0 (n = 0:
    digamma), computed in float64 (float32 input rounded at the end, as erf). For y > 0
    (y = x, or 1 - x by the reflection):
      shifted up to y >= T (T = 10, and 2n + 10 for n >= 1) by psi^(n)(y) = psi^(n)(y + 1) -
      (-1)**n n! / y**(n+1) (at most T steps, each on the whole array), then
      n = 0:  log y - 1/(2y) - sum_k B_2k / (2k y**2k), 12 terms;
      n >= 1: (-1)**(n+1) n! zeta(n + 1, y) by Euler-Maclaurin's y**-n / n + y**-(n+1) / 2 +
              sum_j B_2j / (2j)! (n+1)(n+2)...(n+2j-1) y**-(n+2j), 15 terms.
    x < 0: psi^(n)(x) = (-1)**n psi^(n)(1 - x) - pi**(n+1) P_n(cot(pi x)) (the n-th derivative of
    psi(1 - x) - psi(x) = pi cot(pi x); cot from x - round(x), exact).
    Poles and ends as torch's: at 0 and the negative integers digamma is -inf at +0, +inf
    at -0 and NaN at the negative integers; polygamma n >= 1 is (-1)**(n+1) inf there.
    digamma(+inf) = inf, polygamma(n >= 1, +inf) = 0 (the limit; torch's float64 gives NaN
    for n >= 2), NaN at -inf (the poles crowd there: torch gives NaN for digamma and
    trigamma, +-inf for n >= 2) and for NaN. float64 accuracy against mpmath: digamma and
    trigamma within 2e-14 relative away from digamma's zeros (absolute 1e-15 near them)."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"polygamma: n must be an int >= 0 (0 is digamma), got {n!r}")
    n = int(n)
    x, v, a, out_dtype = _real_as_float64("polygamma" if n else "digamma", x)
    with np.errstate(all="ignore"):  # (overflow to inf near the poles is the value)
        out = _polygamma_float64(v, n)
    return out.reshape(x.shape).astype(out_dtype, copy=False)


def _polygamma_float64(v: np.ndarray, n: int) -> np.ndarray:
    out = np.full_like(v, np.nan)  # (-inf, NaN, and digamma's negative integers)
    pole = (v <= 0) & (v == np.round(v)) & (v > -np.inf)
    if n == 0:
        out[v == 0] = np.where(np.signbit(v[v == 0]), np.inf, -np.inf)
    else:
        out[pole] = np.inf if n % 2 else -np.inf
    out[v == np.inf] = np.inf if n == 0 else 0.0
    pos = (v > 0) & (v < np.inf)
    if pos.any():
        out[pos] = _polygamma_positive(v[pos], n)
    neg = (v < 0) & ~pole & (v > -np.inf)
    if neg.any():
        w = v[neg]
        c = 1.0 / np.tan(np.pi * _pi_x_reduced(w))
        p = _cot_derivative(n)
        poly = np.full_like(c, p[-1])
        for coefficient in p[-2::-1]:
            poly *= c
            poly += coefficient
        sign = -1.0 if n % 2 else 1.0
        out[neg] = sign * _polygamma_positive(1.0 - w, n) - np.pi ** (n + 1) * poly
    return out


def _polygamma_positive(y: np.ndarray, n: int) -> np.ndarray:
    """psi^(n)(y) for float64 y > 0, finite (see _polygamma)."""
    threshold = 10.0 if n == 0 else 2.0 * n + 10.0
    y = y.copy()
    shift = np.zeros_like(y)  # sum of 1 / y**(n+1) over the steps
    for _ in range(int(threshold)):
        low = y < threshold
        if not low.any():
            break
        shift[low] += 1.0 / y[low] ** (n + 1)
        y[low] += 1.0
    t = 1.0 / (y * y)
    if n == 0:
        return np.log(y) - 0.5 / y - _series(_DIGAMMA_TAIL, t) - shift
    # zeta(n + 1, y) by Euler-Maclaurin, then (-1)**(n+1) n! zeta
    s = n + 1
    term_coefficients = []
    rising = float(s)  # s (s+1) ... (s + 2j - 2)
    factorial = 2.0  # (2j)!
    for j, b in enumerate(_BERNOULLI_EVEN, 1):
        term_coefficients.append(b / factorial * rising)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        factorial *= (2 * j + 1) * (2 * j + 2)
    power = y ** -n  # y**(1 - s)
    zeta = power * (1.0 / n + 0.5 / y + _series(tuple(term_coefficients), t)) + shift
    return (1.0 if n % 2 else -1.0) * math.factorial(n) * zeta


def _lgamma_vjp(g: Any, ans: Any, x: Any) -> Any:
    return g * polygamma(x, n=0)


def _polygamma_vjp(g: Any, ans: Any, x: Any, n: int = 0) -> Any:
    return g * polygamma(x, n=n + 1)


lgamma = Primitive(
    "lgamma", _lgamma, (_lgamma_vjp,),
    doc="""log|Gamma(x)| (same shape as x; numpy has none, torch and scipy.special name it
    lgamma / gammaln): inf at 0, the negative integers and +-inf. VJP: g digamma(x)
    (the polygamma primitive with n = 0). Forward: Taylor series at 1 and 2, Stirling, the
    reflection (see _lgamma).""",
)
polygamma = Primitive(
    "polygamma", _polygamma, (_polygamma_vjp,),
    doc="""psi^(n)(x), the (n+1)-th derivative of lgamma, n an int >= 0 given as a keyword
    (n = 0: digamma; same shape as x); VJP: g polygamma(x, n=n+1). Forward: recurrence up,
    asymptotic series, the reflection for x < 0 (see _polygamma).""",
)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # Both forms are exact to a few ulps for any x and never overflow.
    # exp(-logaddexp(0, -x)) takes 4 ufunc calls, the fastest for the small
    # arrays of the paper's network; on large arrays its two transcendental
    # functions per element lose to the 8-call form with one exp (the two
    # break even near 256 elements, float32 and float64; at 2047 the small
    # form takes 2.6x as long).
    x = np.asarray(x)
    if _small_float(x):
        return _sigmoid_small(x)
    if x.dtype.kind in "biu":
        # The float dtype numpy's exp gives (float16 for 8-bit integers), taken
        # first: -|x| wraps unsigned integers (sigmoid of uint8 3 was exp(-253)
        # overflowing, so 0) and numpy has no negative of a bool.
        return _sigmoid(x.astype(np.result_type(x.dtype, np.float16)))
    if x.dtype.kind == "c":  # (the branches by the real part: exp never overflows)
        right = x.real >= 0
        e = np.exp(np.where(right, -x, x))
        r = 1.0 / (1.0 + e)
        return np.where(right, r, e * r)
    # sigma(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) below, with e = exp(-|x|) <= 1.
    if x.ndim == 0:
        # (ufuncs give 0-d input back as a scalar, which out= below cannot take;
        # on one element the select costs 9 us, the in-place form 16)
        e = np.exp(-np.abs(x))
        r = 1.0 / (1.0 + e)
        return np.where(x >= 0, r, e * r)
    # The numerator max(e, x >= 0) is 1 or e without a branch per element (a
    # select, np.where, took 2.3 ms of 5 for 512k float32). Computed in place:
    # two large arrays, not six.
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    r = np.add(e, 1.0)
    np.divide(1.0, r, out=r)
    r *= np.maximum(e, x >= 0, out=e)
    return r


def _small_float(x: np.ndarray) -> bool:
    return 0 < x.size < 256 and x.ndim > 0 and x.dtype.kind == "f"


def _sigmoid_small(x: np.ndarray) -> np.ndarray:
    t = np.negative(x)
    np.logaddexp(0.0, t, out=t)
    np.negative(t, out=t)
    return np.exp(t, out=t)


sigmoid = Primitive(
    "sigmoid", _sigmoid, (lambda g, ans, x: g * (ans * (1.0 - ans)),), uses_ans=True,
    specialize=lambda which, out, x: _sigmoid_small if which == "fwd" and _small_float(x) else None,
    doc="""Logistic function 1 / (1 + e**-x), stable for any x; sigma' = sigma (1 - sigma).

    Its VJP is the paper's delta = sigma'(z) * (W^T delta_next): for a = sigma(z)
    in a network, g arrives as W^T delta_next from the next layer's matmul_add
    (from the loss, for the last layer), and g * ans (1 - ans) is delta (ans is
    a: sigma'(z) needs no z).

    A primitive rather than a composite because it is the paper's activation
    and sits on its training hot path. Measured here (forward + backward of
    sigmoid(x).sum() on a (3,) float64 vector, medians): this primitive 20 us,
    the composite 1 / (1 + exp(-x)) 29 us (and it overflows exp for x < -709),
    the stable composite 0.5 * tanh(x / 2) + 0.5 30 us (and it loses all
    relative precision below x = -37, where tanh rounds to -1).""",
)
sign = Primitive("sign", np.sign, differentiable=False, doc="sign of x (no gradient)")
# (no composite sees the sign bit of a NaN: comparisons, abs and sign all lose it)
signbit = Primitive("signbit", np.signbit, differentiable=False,
                    doc="True where x's sign bit is set: x < 0, -0.0, -inf, -NaN (no gradient)")


def _abs_vjp(g: Any, ans: Any, x: Any) -> Any:
    if not np.iscomplexobj(x.data if isinstance(x, Tensor) else x):
        return g * sign(x)  # (piecewise constant: no second-order term)
    if isinstance(x, Tensor):
        # (conj(z)/|z| is not holomorphic: its derivative needs both Wirtinger
        # derivatives, which one unconjugated cotangent cannot carry)
        raise NotImplementedError(
            f"abs: second derivatives through the modulus of complex numbers (shape {x.shape}) "
            "are not supported; first derivatives are (but not am.jvp and am.hvp, which take a "
            "VJP of a VJP)"
        )
    # conj(z)/|z|, as the other VJPs take products unconjugated (the VJP of y * z
    # for y is g * z)
    return g * np.conj(sign(x))


abs = Primitive(
    "abs", np.abs, (_abs_vjp,),
    doc="|x|; the gradient at 0 is taken as 0 (a kink).",
)


def _winner_share(g: Any, x: Any, y: Any) -> Any:
    """g where x wins, g/2 on a tie, 0 where y wins (in g's dtype). A NaN wins against a
    number (np.maximum's NaN result came from it: max sends a NaN maximum's gradient to
    the NaN too), and two NaNs tie."""
    return where(x > y, g, where(x == y, 0.5 * g, where(x != x, where(y != y, 0.5 * g, g), 0.0)))


maximum = Primitive(
    "maximum", np.maximum,
    (lambda g, ans, x, y: unbroadcast(_winner_share(g, x, y), x.shape),
     lambda g, ans, x, y: unbroadcast(_winner_share(g, y, x), y.shape)),
    doc="Elementwise max; on ties each input receives half of the gradient.",
)
_BITS = {2: np.int16, 4: np.int32, 8: np.int64}
_BIG = 1 << 14
"""Elements from which a large-array fast path (bitwise select, in-place bias add) pays."""


def _is_plain_zero(v: Any) -> bool:
    """True for a Python 0 or 0.0 (not -0.0, not bool): all-zero bits in any float dtype."""
    return type(v) in (int, float) and v == 0 and math.copysign(1.0, v) > 0


def _where(c: Any, x: Any, y: Any) -> Any:
    """np.where, branch-free for large float arrays (ReLU, leaky ReLU, their VJPs).

    np.where picks with a data-dependent branch per element; on a random
    mask that costs 1.7 ms for 400k float32 (ReLU of a small CNN's first
    layer). Selecting x or +0.0 is multiplying x's bits, as integers, by the
    mask's 1 or 0 bytes: one pass, 0.12 ms, and exact for every value (inf,
    nan, -0.0). (A bitwise AND with a mask widened to all-ones words first
    takes two passes, 0.15 ms.) Two arrays (or numbers) of one float dtype are
    selected on their bits too (_select_bits): 0.5 ms where np.where takes
    2.3 ms for 512k float32 on a random mask. (On a mask that is mostly one
    value np.where's branches are predicted and cheap, and its float64 is up
    to 2x faster than the select there.)
    """
    if type(c) is np.ndarray and c.dtype == np.bool_ and c.size >= _BIG:
        if _is_plain_zero(y):
            keep, arr = c, x
        elif _is_plain_zero(x):
            keep, arr = ~c, y
        else:
            return _select_bits(c, x, y)
        if (type(arr) is np.ndarray and arr.dtype.kind == "f" and arr.dtype.itemsize in _BITS
                and arr.dtype.isnative):
            # (broadcasting as np.where does: a shape that does not fit raises alike)
            bits = _BITS[arr.dtype.itemsize]
            return np.multiply(arr.view(bits), keep.view(np.int8), dtype=bits).view(arr.dtype)
    return np.where(c, x, y)


_EXACT = 1 << 53
"""Python ints up to this size are float64s exactly."""


def _select_bits(c: np.ndarray, x: Any, y: Any) -> Any:
    """np.where(c, x, y) for x and y of one native float dtype (either may be a
    Python number, taken in the other's dtype as numpy takes it); else np.where itself."""
    dtype = x.dtype if type(x) is np.ndarray else y.dtype if type(y) is np.ndarray else None
    if dtype is None or dtype.kind != "f" or dtype.itemsize not in _BITS or not dtype.isnative:
        return np.where(c, x, y)
    # (np.asarray(int, dtype) rounds through float64, which is exact only up to
    # 2**53; np.where rounds a larger int once, to dtype)
    xs, ys = (v if type(v) is np.ndarray and v.dtype == dtype
              else np.asarray(v, dtype) if type(v) is float or type(v) is int and -_EXACT <= v <= _EXACT
              else None for v in (x, y))
    if xs is None or ys is None:
        return np.where(c, x, y)
    # y + (x - y) * c on the bits as integers, which wrap: x's bits where c holds,
    # y's elsewhere, in three passes (a product of each by its mask and their sum
    # took four, 1.3-2.5x as long).
    bits = _BITS[dtype.itemsize]
    xb, yb = xs.view(bits), ys.view(bits)
    out = np.subtract(xb, yb)  # (in the inputs' memory order)
    if out.shape == np.broadcast_shapes(out.shape, c.shape):
        out *= c.view(np.int8)
    else:  # (a c wider than x and y)
        out = np.multiply(out, c.view(np.int8), dtype=bits)
    out += yb
    return out.view(dtype)


where = Primitive(
    "where", _where,
    (None,
     lambda g, ans, c, x, y: unbroadcast(where(c, g, 0.0), x.shape),
     lambda g, ans, c, x, y: unbroadcast(where(c, 0.0, g), y.shape)), shape_only=(1, 2),
    doc="where(condition, x, y): x where condition holds, else y (no gradient to condition).",
)


def _arctan2_vjp(which: int, g: Any, ans: Any, y: Any, x: Any) -> Any:
    r = y * y + x * x
    # (at y = x = 0 the angle has no derivative; the gradient is taken as 0 there, not 0/0)
    safe = where(r == 0, 1.0, r)
    if which == 0:
        return unbroadcast(where(r == 0, 0.0, g * x / safe), y.shape)
    return unbroadcast(where(r == 0, 0.0, -(g * y) / safe), x.shape)


arctan2 = Primitive(
    "arctan2", np.arctan2,
    (lambda g, ans, y, x: _arctan2_vjp(0, g, ans, y, x), lambda g, ans, y, x: _arctan2_vjp(1, g, ans, y, x)),
    doc="""The angle of the point (x, y), in [-pi, pi], y and x broadcast together (np.arctan2).
    d/dy = x / (x**2 + y**2), d/dx = -y / (x**2 + y**2); 0 at the origin. A primitive: the
    inverse trigonometric functions are no composites of the others; arctan, arcsin and
    arccos are composites of this one.""",
)


# Comparisons: boolean results, no gradient.
eq = Primitive("eq", np.equal, differentiable=False, doc="x == y")
ne = Primitive("ne", np.not_equal, differentiable=False, doc="x != y")
lt = Primitive("lt", np.less, differentiable=False, doc="x < y")
le = Primitive("le", np.less_equal, differentiable=False, doc="x <= y")
gt = Primitive("gt", np.greater, differentiable=False, doc="x > y")
ge = Primitive("ge", np.greater_equal, differentiable=False, doc="x >= y")

# -- reductions -----------------------------------------------------------------


def _keepdims_shape(shape: tuple, axis: Any) -> tuple:
    if axis is None or not shape:  # (numpy takes axis 0 or -1 of a 0-d array, as a no-op)
        return (1,) * len(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    axes = {a % len(shape) for a in axes}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))




# Window reductions (pooling) reduce an array over a few short axes. numpy
# runs such a reduction, and every broadcast against its result, with inner
# loops as short as the window (2 for 2x2 pooling), at 0.05-0.2 us per
# result: on (64, 8, 28, 28) float32 maximum.reduce over the 2x2 tiles takes
# 17 ms, four slices and three np.maximum calls 0.7 ms. The slices cost a
# numpy call or two per window entry whatever the size (2-3 us each), so a
# reduction over at most _WINDOW entries takes them from _REDUCE_LEAST
# results per window entry (measured break-even points: windows of 2, 4
# and 10 entries at about 100, 250 and 700 results), and max's VJP, whose
# slice route makes more calls, from _VJP_LEAST. sum's VJP writes g slice by
# slice from _SPREAD_LEAST: below that broadcast_to's one copy costs less,
# though its inner loops are as short as the window.
_WINDOW = 16
_REDUCE_LEAST = 64
_VJP_LEAST = 256
_SPREAD_LEAST = 1024


def _window_axes(shape: tuple, axis: Any, least: int) -> tuple | None:
    """The reduced axes, sorted, when they form a small window and the array
    has at least `least` results per window entry; else None. (Every sum and max
    asks, so the common refusals come first and cost little.)"""
    if axis is None:
        return None
    size = math.prod(shape)
    if size < 4 * least:  # (the smallest window, 2 entries, needs 4 * least)
        return None
    ndim = len(shape)
    unique: list = []
    entries = 1
    for a in axis if isinstance(axis, tuple) else (axis,):
        # (numpy raises its own error for a bad axis: not an integer (axis=True is
        # none to numpy), out of range, repeated)
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool) or not -ndim <= a < ndim:
            return None
        a = int(a) % ndim
        if a in unique:
            return None
        unique.append(a)
        entries *= shape[a]
    if len(unique) == ndim or not 2 <= entries <= _WINDOW or size < least * entries * entries:
        return None
    return tuple(sorted(unique))


def _window_route(x: Any, axis: Any, least: int) -> tuple | None:
    """The window axes (as _window_axes) of an ndarray x whose reduction over them
    goes faster slice by slice: not when they are x's outermost axes in memory
    (a batch axis reduced in a (8, 512) array), which numpy reduces with long
    inner loops (3.6 us for (4, 1024), against 12.6 us in slices)."""
    if type(x) is not np.ndarray:
        return None
    axes = _window_axes(x.shape, axis, least)
    if axes is None:
        return None
    # (_window_axes leaves at least one axis outside the window with more than one
    # entry: an array of one window has fewer results than any `least` asks)
    shape, strides = x.shape, x.strides
    inner = builtins.min([abs(strides[a]) for a in axes if shape[a] > 1])
    for i, n in enumerate(shape):
        if n > 1 and i not in axes and abs(strides[i]) >= inner:
            return axes
    return None


def _window_parts(x: np.ndarray, axes: tuple) -> Any:
    """The slices x[..., i, ..., j, ...] for every entry (i, j, ...) of the window axes."""
    for offset in itertools.product(*(range(x.shape[a]) for a in axes)):
        index = [slice(None)] * x.ndim
        for a, i in zip(axes, offset):
            index[a] = i
        yield x[tuple(index)]


def _window_reduce(ufunc: np.ufunc, x: np.ndarray, axes: tuple, keepdims: bool) -> np.ndarray:
    """ufunc.reduce over the window axes, as one ufunc call per window entry."""
    parts = _window_parts(x, axes)
    out = ufunc(next(parts), next(parts))
    for part in parts:
        ufunc(out, part, out=out)
    return out.reshape(_keepdims_shape(x.shape, axes)) if keepdims else out


def _window_innermost(x: np.ndarray, axes: tuple) -> bool:
    """True when a window axis is (one of) x's fastest-varying in memory: a
    broadcast against the reduced array would then run inner loops as short
    as the window, so the window is walked slice by slice. (In an unfolded
    view with stride 1 a window axis and an output axis tie.)"""
    strides = [abs(s) if n > 1 else math.inf for n, s in zip(x.shape, x.strides)]
    fastest = builtins.min(strides)
    return any(strides[a] == fastest for a in axes)


# (float16 sums are taken in float32: see _half_sum.)
_WINDOW_SUM_KINDS = frozenset(np.dtype(c) for c in "fdFD")
_HALF = np.dtype(np.float16)


def _half_sum(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    """A float16 sum accumulated in float32, then rounded to float16 (inf only where the
    sum itself overflows). numpy accumulates in float32 only along a contiguous axis;
    along any other (a batch axis: a bias gradient) it adds row by row in float16,
    where 2048 + 1 rounds to 2048, so 8192 rows of ones summed to 2048."""
    return np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=np.float32).astype(_HALF)


def _sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    axes = None
    if type(x) is np.ndarray:
        if x.dtype in _WINDOW_SUM_KINDS:
            axes = _window_route(x, axis, _REDUCE_LEAST)
        elif x.dtype == _HALF:
            return _half_sum(x, axis, keepdims)
    if axes is None:
        return np.add.reduce(x, axis=axis, keepdims=keepdims)
    # (the same sums up to rounding: the window's entries are added in its order)
    out = _window_reduce(np.add, x, axes, keepdims)
    # numpy's reduction starts from +0.0, so a window of -0.0 entries sums to +0.0;
    # adding +0.0 makes the slices' -0.0 agree and changes no other value.
    return np.add(out, 0.0, out=out)


def _sum_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Every entry adds into its sum with weight 1, so each receives its sum's g:
    g broadcast back to x's shape, the reduced axes first put back as length 1
    (the last lines; the window route is a faster copy)."""
    shape = x.shape
    axes = _window_route(x, axis, _SPREAD_LEAST) if type(g) is np.ndarray else None
    if axes is not None:
        return _window_spread(g, x, axes)
    if not keepdims and axis is not None:  # a full reduction's 0-d g broadcasts as is
        g = g.reshape(_keepdims_shape(shape, axis))
    return broadcast_to(g, shape=shape)


def _window_spread(g: np.ndarray, x: np.ndarray, axes: tuple) -> np.ndarray:
    """g (the reduced shape) copied to every entry of each window: a new array in
    x's memory layout, written as _window_max_vjp writes its result. (broadcast_to
    copies into C order, which is not x's when x is channels-last, with inner
    loops as short as the window: 2.4 ms against 0.3 ms for avg-pooling
    (64, 8, 28, 28) float32.)"""
    out = _window_like(x, axes, g.dtype)
    if not _dense(x) or _window_innermost(x, axes):
        rest = g.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))
        for part in _window_parts(out, axes):
            part[...] = rest
    else:
        out[...] = g.reshape(_keepdims_shape(x.shape, axes))
    return out


def _dense(x: np.ndarray) -> bool:
    """True when x's elements fill its memory with no gaps and no overlaps (x is
    a contiguous array with its axes in some order: a tiled view of an image,
    not an unfolded one, whose windows overlap)."""
    step = x.itemsize
    for s, n in sorted((abs(s), n) for n, s in zip(x.shape, x.strides) if n > 1):
        if s != step:
            return False
        step *= n
    return True


def _window_like(x: np.ndarray, axes: tuple, dtype: Any) -> np.ndarray:
    """An uninitialised array of x's shape for a window VJP to write.

    In x's memory layout when x is dense (pooling tiles: the caller's reshape
    back to the image is then free); otherwise (an unfolded view) with the
    window axes outermost, so that each window entry's slice, which the VJP
    writes and fold (unfold's VJP) reads, is one contiguous block: for a 2x2
    window with stride 1 over channels-last (64, 8, 28, 28) float32 the
    max-pool backward takes 1.6 ms so, 21 ms in the view's own order.
    """
    if _dense(x):
        return np.empty_like(x, dtype=dtype)
    return _empty_in_layout(x.shape, list(axes) + [a for a in _layout(x.strides) if a not in axes], dtype)


def _max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    axes = _window_route(x, axis, _REDUCE_LEAST)
    if axes is None:
        return np.maximum.reduce(x, axis=axis, keepdims=keepdims)
    return _window_reduce(np.maximum, x, axes, keepdims)


def _max_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    shape = x.shape
    axes = _window_route(x, axis, _VJP_LEAST)
    if axes is not None and type(g) is np.ndarray and type(ans) is np.ndarray:
        return _window_max_vjp(g, ans, x, axes)
    if not keepdims:
        kshape = _keepdims_shape(shape, axis)
        g, ans = g.reshape(kshape), ans.reshape(kshape)
    winners = x == ans
    count = winners.sum(axis=axis, keepdims=True)
    if not (count.data if isinstance(count, Tensor) else count).all():
        # No entry equals a NaN maximum (NaN != NaN): the NaNs it came from win.
        winners = where(x != x, True, winners)
        count = winners.sum(axis=axis, keepdims=True)
    # Divide on the reduced array, in g's dtype (an int count would upcast float32),
    # and only where there are ties: a complex g / (1+0j) is not g when g holds an inf.
    # Select, not multiply: an entry that lost gets 0, also where g is inf or NaN.
    share = g if ((count.data if isinstance(count, Tensor) else count) == 1).all() else g / count.astype(g.dtype)
    return where(winners, share, 0.0)


def _window_max_vjp(g: np.ndarray, ans: np.ndarray, x: np.ndarray, axes: tuple) -> np.ndarray:
    """_max_vjp over a small window of axes (ndarrays: a plain backward).

    The same numbers as the general g / count * winners, computed so that
    numpy's inner loops run along memory. When an axis outside the window is
    x's fastest in memory (the batch, in the CHWN memory conv2d produces) the
    comparison with the maximum and the product with g broadcast over the
    window in one call each. Otherwise (NCHW, whose fastest axis is the
    window's last, or an unfolded view with stride 1, where a window axis ties
    for it) broadcasting would run the inner loops over the window
    axes, of length 2 for 2x2 pooling, so x's window slices, the tie counts
    and the result's slices are compared, added and multiplied one window
    entry at a time. The result is allocated in x's memory layout, so a
    caller's reshape back (pooling over a tiled view) is free. g is first
    copied into ans's layout if it differs (a gradient arriving through a
    reshape), so every operation walks its operands in the same memory order.
    For a 2x2 max-pool of (64, 8, 28, 28) float32 in CHWN memory this takes
    0.32 ms broadcast, 0.41 ms slice by slice.
    """
    rest = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    ans, g = ans.reshape(rest), g.reshape(rest)
    if g.strides != ans.strides and _layout(g.strides) != _layout(ans.strides):
        g = _copy_into_layout_of(ans, g)
    kshape = _keepdims_shape(x.shape, axes)
    whole = None if not _dense(x) or _window_innermost(x, axes) else np.equal(x, ans.reshape(kshape))
    if whole is None:
        winners = [np.equal(part, ans) for part in _window_parts(x, axes)]
        total = builtins.sum(np.count_nonzero(w) for w in winners)
    else:
        total = np.count_nonzero(whole)
    # Without a NaN maximum every window has a winner (its maximum is one of its
    # entries), so as many winners as windows means one each: then the gradient
    # goes as it is, found with a count of the winners and a maximum of ans
    # rather than a per-window count (ties and NaNs take that way).
    if total == ans.size and not (ans.dtype.kind in "fc" and np.isnan(np.maximum.reduce(ans, axis=None))):
        share = g
    else:
        if whole is not None:
            winners = list(_window_parts(whole, axes))  # views, so that the NaN update reaches whole
        count = _window_count(winners)
        if not count.all():  # (a NaN maximum: its NaNs win, as in _max_vjp)
            for part, w in zip(_window_parts(x, axes), winners):
                w |= np.isnan(part)
            count = _window_count(winners)
        share = g if np.all(count == 1) else g / count.astype(g.dtype)  # g / 1 is g
    out = _window_like(x, axes, g.dtype)
    if whole is None:
        pieces = zip(_window_parts(out, axes), winners, itertools.repeat(share))
    else:
        pieces = [(out, whole, share.reshape(kshape))]
    bits = _BITS.get(out.dtype.itemsize) if out.dtype.kind == "f" else None
    for part, w, s in pieces:
        if bits is None:
            np.copyto(part, np.where(w, s, 0))
        else:  # (a select as _where makes it: bits times 0 or 1, so a loser gets +0.0 even if g is inf)
            np.multiply(s.view(bits), w.view(np.int8), out=part.view(bits))
    return out


def _window_count(winners: list) -> np.ndarray:
    """How many entries of each window won (int8: a window has at most _WINDOW entries)."""
    count = np.add(winners[0].view(np.int8), winners[1].view(np.int8))
    for w in winners[2:]:
        count += w.view(np.int8)
    return count


def _layout(strides: tuple) -> list:
    """The axes of an array with these strides, from the slowest-varying in memory to the fastest."""
    # (a stable sort, in Python: np.argsort costs 5 us on a tuple this short, this 1 us)
    return sorted(range(len(strides)), key=lambda i: -builtins.abs(strides[i]))


def _copy_into_layout_of(like: np.ndarray, a: np.ndarray) -> np.ndarray:
    """A copy of a laid out in memory as `like` (same shape)."""
    out = np.empty_like(like, dtype=a.dtype)
    out[...] = a
    return out


def _empty_in_layout(shape: tuple, order: list, dtype: Any) -> np.ndarray:
    """An uninitialised array of `shape` whose axes lie in memory in `order` (slowest first)."""
    return np.empty(tuple(shape[i] for i in order), dtype=dtype).transpose(np.argsort(order))


sum = Primitive(
    "sum", _sum,
    (_sum_vjp,), shape_only=True, doc="Sum over `axis` (int, tuple or None for all); `keepdims` as numpy. VJP: g broadcast\n    back to x's shape (each entry adds into its sum with weight 1).",
)
max = Primitive(
    "max", _max, (_max_vjp,), uses_ans=True,
    doc="""Maximum over `axis`. When several entries tie for the maximum the
    gradient is shared equally among them (each gets g / number of ties); a NaN
    maximum's gradient goes to the NaN entries it came from. The others get 0,
    also when g is inf or NaN.""",
)
# (Its own primitive, not -max(-x): negation wraps unsigned and int minima. The
# VJP, g shared among the entries equal to the result, is max's.)
min = Primitive(
    "min", lambda x, axis=None, keepdims=False: np.minimum.reduce(x, axis=axis, keepdims=keepdims),
    (_max_vjp,), uses_ans=True,
    doc="Minimum over `axis`; tied minima share the gradient equally, as max's maxima do.",
)
argmax = Primitive(
    "argmax", lambda x, axis=None, keepdims=False: np.argmax(x, axis=axis, keepdims=keepdims),
    differentiable=False,
    doc="""Index of the first maximum along `axis` (flat for None), as np.argmax; no gradient.
    A primitive, not a composite of max, == and where: that needs a constant index ramp,
    which am.compile cannot replay, and seven ops where numpy takes one.""",
)
argmin = Primitive(
    "argmin", lambda x, axis=None, keepdims=False: np.argmin(x, axis=axis, keepdims=keepdims),
    differentiable=False, doc="Index of the first minimum along `axis`, as np.argmin (see argmax); no gradient.",
)


argsort = Primitive(
    "argsort", lambda x, axis=-1: np.argsort(x, axis=axis, kind="stable"),
    differentiable=False,
    doc="""The indices that sort x along `axis` (None: flattened), as np.argsort(kind="stable"):
    ties keep their order, NaN last; no gradient. A primitive for argmax's reason: a
    composite (comparisons and sums) would take O(n**2) ops.""",
)


def _reversed_along(g: Any, axis: int) -> Any:
    return getitem(g, index=(slice(None),) * axis + (slice(None, None, -1),))


cumsum = Primitive(
    "cumsum", lambda x, axis: np.cumsum(x, axis=axis),
    (lambda g, ans, x, axis: _reversed_along(cumsum(_reversed_along(g, axis % len(g.shape)), axis=axis),
                                             axis % len(g.shape)),), shape_only=True,
    doc="""Running sums along `axis` (an int; am.cumsum flattens for None), as np.cumsum.
    The VJP is the running sum of g taken from the end: out[j] = sum_{i <= j} x[i], so
    dL/dx[i] = sum_{j >= i} g[j]. A primitive: a composite is a triangular matmul
    (O(n**2)) or log2(n) shifted adds, each rounding otherwise than numpy.""",
)


def _along_axis(axis: int, start: int, stop: int) -> tuple:
    return (slice(None),) * axis + (slice(start, stop),)


def _widths(ndim: int, axis: int, before: int, after: int) -> tuple:
    return tuple((before, after) if i == axis else (0, 0) for i in range(ndim))


def _cumprod_vjp(g: Any, ans: Any, x: Any, axis: int) -> Any:
    """dL/dx[i] = sum_{j >= i} g[j] prod_{k <= j, k != i} x[k] = P[i] S[i], without dividing
    by x (exact where x has zeros): P[i] = prod_{k < i} x[k] = ans[i - 1] (1 for i = 0), and
    S[i] = sum_{j >= i} g[j] prod_{i < k <= j} x[k], the suffix scan S[i] = g[i] + x[i+1]
    S[i+1] taken in log2(n) doubling steps (B[i] += A[i] B[i+s], A[i] = prod_{i < k <= i+s}
    x[k] kept only where it spans entries of x, so no inf * 0 of a padding)."""
    ndim = len(g.shape)
    ax, n = axis % ndim, x.shape[axis % ndim]
    if n <= 1:
        return g
    before = pad(getitem(ans, index=_along_axis(ax, 0, n - 1)), pad_width=_widths(ndim, ax, 1, 0), value=1)
    a, b, s = getitem(x, index=_along_axis(ax, 1, n)), g, 1
    while s < n:
        b = b + pad(a * getitem(b, index=_along_axis(ax, s, n)), pad_width=_widths(ndim, ax, 0, s), value=0)
        if 2 * s < n:
            a = getitem(a, index=_along_axis(ax, 0, n - 2 * s)) * getitem(a, index=_along_axis(ax, s, n - s))
        s *= 2
    return before * b


cumprod = Primitive(
    "cumprod", lambda x, axis: np.cumprod(x, axis=axis), (_cumprod_vjp,), uses_ans=True,
    doc="""Running products along `axis` (an int; am.cumprod flattens for None), as np.cumprod:
    its values bit for bit (left to right, so partial products overflow or underflow where
    numpy's do). The VJP multiplies only (see _cumprod_vjp): exact at zeros, second order
    too (it is made of primitives, cumprod's ans among them).""",
)


def _prod_vjp(g: Any, ans: Any, x: Any) -> Any:
    """d prod(x) / dx[i] = prod_{k != i} x[k] along the last axis: the products before i
    times those after i (cumprod of x and of x reversed, shifted by one), no division."""
    ndim, n = len(x.shape), x.shape[-1]
    if n == 0:
        return x * 0
    ax = ndim - 1
    flip = (slice(None),) * ax + (slice(None, None, -1),)
    before = pad(cumprod(getitem(x, index=_along_axis(ax, 0, n - 1)), axis=ax), pad_width=_widths(ndim, ax, 1, 0),
                 value=1)
    after = getitem(pad(cumprod(getitem(getitem(x, index=_along_axis(ax, 1, n)), index=flip), axis=ax),
                        pad_width=_widths(ndim, ax, 1, 0), value=1), index=flip)
    return g.reshape(tuple(g.shape) + (1,)) * (before * after)


prod = Primitive(
    "prod", lambda x: np.prod(x, axis=-1), (_prod_vjp,),
    doc="""Product over the last axis, as np.prod (its values bit for bit; am.prod moves and
    merges the reduced axes there). The VJP multiplies the products before and after each
    entry (cumprod's), never dividing: exact at zeros, second order too.""",
)


# -- linear algebra ----------------------------------------------------------------


def _matmul_vjp_a(g: Any, ans: Any, a: Any, b: Any, c: Any = None) -> Any:
    """For C = A B (2-D), A_bar = C_bar B^T (and _matmul_vjp_b: B_bar = A^T C_bar).
    The branches are that rule for 1-D operands (a vector's axis dropped) and
    batches (swapaxes is a batched transpose), routed for speed; unbroadcast
    sums over batch axes that broadcasting added."""
    # (c is matmul_add's addend, which the products' VJPs do not use)
    sa, sb = a.shape, b.shape
    if len(sb) == 1 and len(sa) == 1:  # (k,) @ (k,) -> ()
        ga = g * b
    elif len(sb) == 1 and len(sa) == 2:  # (n, k) @ (k,) -> (n,): the outer product g b^T
        # as a (n, 1) by (1, k) dot: 1.2 us on the paper's (3,) and (2,), a broadcast multiply 1.8 us
        ga = g.reshape((sa[0], 1)).dot(b.reshape((1, sb[0])))
    elif len(sb) == 1:  # (..., n, k) @ (k,) -> (..., n)
        ga = g.reshape(g.shape + (1,)) * b
    elif len(sa) == 1:  # (k,) @ (..., k, m) -> (..., m): ga = b g
        ga = matmul(b, g) if len(sb) == 2 else (
            matmul(b, g.reshape(g.shape + (1,))).reshape(g.shape[:-1] + (sa[0],)))
    elif len(sb) == 2:  # .T of a 2-D array is a plain view; swapaxes costs 2.5 us more per call
        ga = _grad_of_left(g, b) if len(sa) == 2 else matmul(g, b.T)  # (a batch's g is not 2-D)
    else:
        ga = matmul(g, swapaxes(b))
    return unbroadcast(ga, sa)


def _matmul_vjp_b(g: Any, ans: Any, a: Any, b: Any, c: Any = None) -> Any:
    sa, sb = a.shape, b.shape
    if len(sa) == 1 and len(sb) == 1:
        gb = g * a
    elif len(sa) == 1:  # outer product of a with each row of g
        gb = a.reshape((sa[0], 1)) * g.reshape(g.shape[:-1] + (1, sb[-1]))
    elif len(sb) == 1:  # (..., n, k) @ (k,) -> (..., n): gb = g a
        gb = g.dot(a) if len(sa) == 2 else (  # (dot, not matmul: no dispatch for two arrays)
            matmul(g.reshape(g.shape[:-1] + (1, sa[-2])), a).reshape(g.shape[:-1] + (sb[0],)))
    elif len(sa) == 2:
        # A column-major b (the W.T of x @ W.T) gets its gradient column-major
        # too, (g^T a)^T: the transpose's VJP then hands W a row-major
        # gradient, which becomes W's .grad without a copy.
        gb = matmul(g.T, a).T if _column_major(b) else matmul(a.T, g)
    else:
        gb = matmul(swapaxes(a), g)
    return unbroadcast(gb, sb)


def _grad_of_left(g: Any, b: Any) -> Any:
    """A_bar = C_bar B^T for 2-D C = A B (g 2-D: g.T of a batch would reverse all its axes).

    A float32 product over a long axis with a small result (a convolution's
    kernel gradient: g (O, N*OH*OW) by b (C*kh*kw, N*OH*OW)) is computed as
    (B C_bar^T)^T, the same sum with the operands' roles swapped, which
    OpenBLAS's sgemm runs 10-20% faster here: (8, 50176) by (9, 50176) 176 us
    against 217 us, (16, 12544) by (72, 12544) 297 against 329. (float64's
    dgemm shows no such gain; 1.03x slower to 1.13x faster.)
    """
    if (type(g) is np.ndarray and type(b) is np.ndarray and g.dtype == _F32 == b.dtype
            and g.shape[1] >= 64 * (g.shape[0] + b.shape[0])):
        return np.matmul(b, g.T).T
    return matmul(g, b.T)


_F32 = np.dtype(np.float32)


def _column_major(x: Any) -> bool:
    """True for a 2-D ndarray laid out column by column (and not also row by row)."""
    return type(x) is np.ndarray and x.ndim == 2 and x.flags.f_contiguous and not x.flags.c_contiguous


def _matmul(a: Any, b: Any) -> Any:
    # For small 1-D and 2-D operands np.dot, which equals np.matmul there,
    # skips the gufunc machinery: the paper's W x with W (3, 2) takes 0.5 us
    # against 1.25 us. But dot zero-fills its output before BLAS writes it,
    # which on W2's MLP step added 2-3% of memset; large products go to
    # matmul. (0-d operands go to matmul too, which rejects them as @ does.)
    if (type(a) is np.ndarray and type(b) is np.ndarray and 0 < a.ndim <= 2 and 0 < b.ndim <= 2
            and a.size + b.size <= 4096):
        return a.dot(b)
    if (type(a) is np.ndarray and type(b) is np.ndarray and a.ndim >= 2 and b.ndim >= 2
            and a.shape[-1] == 1 == b.shape[-2] and a.dtype.kind == "f" == b.dtype.kind
            and a.dtype.itemsize + b.dtype.itemsize > 4):
        # A product over an axis of length 1 (a Linear with one input; a depthwise
        # conv's input gradient, whose groups have one output channel each) is an
        # outer product, which BLAS takes 3-10x as long for as a broadcast multiply:
        # (9, 1) @ (1, 25088) float32 345 us, against 35 us. Adding +0.0 gives the
        # +0.0 that matmul's sum, started at 0, gives for a product of -0.0. (Not
        # for complex, whose BLAS products round otherwise than multiply's, nor
        # float16 @ float16, which matmul sums in float32: a product that
        # underflows to -0.0 in float16 keeps its sign there.)
        out = np.multiply(a, b)
        out += 0.0
        return out
    return np.matmul(a, b)


def _dot(a: np.ndarray, b: np.ndarray) -> Any:
    return a.dot(b)


def _dot_add(a: np.ndarray, b: np.ndarray, c: Any) -> Any:
    return a.dot(b) + c


def _specialize_matmul(which: Any, out: np.ndarray, a: Any, b: Any, c: Any = None) -> Callable | None:
    """matmul's (and matmul_add's) forward and VJPs for these 1-D and 2-D shapes.

    The same branches as _matmul, _matmul_add, _matmul_vjp_a and _matmul_vjp_b
    take for them, chosen once; unbroadcast is dropped where the gradient
    already has its input's shape.
    """
    if not (type(a) is np.ndarray and type(b) is np.ndarray and 0 < a.ndim <= 2 and 0 < b.ndim <= 2):
        return None
    dot = a.size + b.size <= 4096  # (as _matmul decides)
    sa, sb = a.shape, b.shape
    if which == "fwd":
        if c is None:
            return _dot if dot else None
        return _dot_add if dot and out.size < _BIG else None
    if which == 2:  # matmul_add's addend: unbroadcast(g, c.shape), a no-op at the product's shape
        return (lambda g, ans, a, b, c: g) if np.shape(c) == out.shape else None
    if which == 0:
        if len(sa) == 1 and len(sb) == 1:
            return lambda g, ans, a, b, c=None: g * b
        if len(sa) == 2 and len(sb) == 1:
            n, k = sa[0], sb[0]
            return lambda g, ans, a, b, c=None: g.reshape((n, 1)).dot(b.reshape((1, k)))
        if len(sa) == 2 and len(sb) == 2:
            return lambda g, ans, a, b, c=None: _grad_of_left(g, b)
        return None
    if len(sa) == 1 and len(sb) == 1:
        return lambda g, ans, a, b, c=None: g * a
    if len(sa) == 2 and len(sb) == 1:
        return lambda g, ans, a, b, c=None: g.dot(a)
    if len(sa) == 2 and len(sb) == 2:  # (b's layout read on each call, as _matmul_vjp_b does)
        return lambda g, ans, a, b, c=None: _matmul(g.T, a).T if _column_major(b) else _matmul(a.T, g)
    return None


matmul = Primitive(
    "matmul", _matmul, (_matmul_vjp_a, _matmul_vjp_b), specialize=_specialize_matmul,
    doc="a @ b: 1-D, 2-D and batched (broadcast leading axes), as numpy.matmul: (n, k) @ (k, m)\n    -> (n, m). VJPs: a_bar = g b^T, b_bar = a^T g (a vector's axis dropped, batch axes\n    that broadcasting added summed).",
)


def _matmul_add(a: Any, b: Any, c: Any) -> Any:
    # The product is a fresh array, so a large one takes c in place when c
    # does not promote its dtype: a layer's bias then costs no array of its
    # own (1.5 MiB less at the first conv of W3's CNN). Small ones skip the
    # check, which costs more than the new array.
    out = _matmul(a, b)
    if out.size >= _BIG and type(c) is np.ndarray and np.result_type(out, c) == out.dtype:
        out += c  # (a c that does not broadcast to out raises here)
        return out
    total = out + c
    if total.shape != out.shape:
        raise ValueError(f"c of shape {np.shape(c)} must broadcast to the product's shape {out.shape}")
    return total


matmul_add = Primitive(
    "matmul_add", _matmul_add,
    (_matmul_vjp_a, _matmul_vjp_b, lambda g, ans, a, b, c: unbroadcast(g, c.shape)),
    specialize=_specialize_matmul, shape_only=(2,),
    doc="""a @ b + c (a and b as in matmul; c broadcasts to the product's shape,
    which it may not widen): an affine map with its bias, one product and one
    add into it.

    The paper's z = W a + b for one sample (F.linear's W x + b). With g = delta,
    the gradient of z, the three VJPs give W_bar = delta a^T, a_bar = W^T delta
    (which the previous layer's sigmoid turns into its delta) and b_bar = delta.""",
)

_LABELS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@functools.lru_cache(maxsize=512)
def _einsum_terms(subscripts: str) -> tuple[tuple[str, ...], str]:
    """The operands' terms and the output's of einsum subscripts ('...' kept as one
    '.'), the output made explicit as numpy's implicit mode does: every label
    that appears once, in alphabetical (code point) order, after the ellipsis."""
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        raise ValueError("'->' may appear once")
    explicit = "->" in s
    lhs, out = s.split("->") if explicit else (s, None)
    terms = []
    for part in lhs.split(","):
        if part.count(".") != 3 * part.count("...") or part.count("...") > 1:
            raise ValueError(f"a '.' outside one '...' in operand {len(terms)}")
        terms.append(part.replace("...", "."))
    for term in terms + ([out.replace("...", ".")] if explicit else []):
        bad = [c for c in term if c not in _LABELS and c != "."]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a label (labels are ASCII letters)")
    if explicit:
        if out.count(".") != 3 * out.count("...") or out.count("...") > 1:
            raise ValueError("a '.' outside one '...' in the output")
        out = out.replace("...", ".")
        seen = "".join(terms)
        for c in out:
            if out.count(c) > 1:
                raise ValueError(f"output label {c!r} appears more than once")
            if c != "." and c not in seen:
                raise ValueError(f"output label {c!r} is in no operand")
    else:
        seen = "".join(terms).replace(".", "")
        out = ("." if any("." in t for t in terms) else "") + "".join(
            sorted(c for c in set(seen) if seen.count(c) == 1))
    return tuple(terms), out


class _EinsumSpec:
    """einsum subscripts resolved for operands of given shapes: the ellipsis spelt
    out in unused labels, each label's size, and numpy's contraction path."""

    __slots__ = ("terms", "out", "sizes", "path")


@functools.lru_cache(maxsize=1024)
def _einsum_spec(subscripts: str, shapes: tuple) -> _EinsumSpec:
    terms, out = _einsum_terms(subscripts)
    if len(terms) != len(shapes):
        raise ValueError(f"the subscripts name {len(terms)} operand(s), got {len(shapes)}")
    dots = [len(shape) - (len(t) - 1) if "." in t else 0 for t, shape in zip(terms, shapes)]
    for i, (t, shape, e) in enumerate(zip(terms, shapes, dots)):
        if ("." in t and e < 0) or ("." not in t and len(t) != len(shape)):
            raise ValueError(f"operand {i} has {len(shape)} dimension(s), subscripts {t.replace('.', '...')!r} "
                             f"name {len(t) - ('.' in t)}")
    if builtins.max(dots, default=0) and "." not in out:
        raise ValueError(f"the operands' ellipsis covers {builtins.max(dots)} dimension(s), "
                         "which an explicit output without '...' cannot hold")
    used = set("".join(terms) + out)
    free = [c for c in _LABELS if c not in used]
    if builtins.max(dots) > len(free):
        raise ValueError(f"an ellipsis of {builtins.max(dots)} dimensions needs more "
                         f"labels than the {len(free)} left unused")
    fill = "".join(free[:builtins.max(dots)])
    spec = _EinsumSpec()
    spec.terms = tuple(t.replace(".", fill[len(fill) - e:]) for t, e in zip(terms, dots))
    spec.out = out.replace(".", fill)
    sizes: dict = {}
    for i, (t, shape) in enumerate(zip(spec.terms, shapes)):
        for j, (c, n) in enumerate(zip(t, shape)):
            if c in t[:j] and sizes[c][i] != n:  # (a repeated label within one operand: its diagonal)
                raise ValueError(f"label {c!r} repeated in operand {i} needs equal sizes, got "
                                 f"{sizes[c][i]} and {n}")
            sizes.setdefault(c, {})[i] = n
    spec.sizes = {}
    for c, per in sizes.items():
        big = {n for n in per.values() if n != 1}
        if len(big) > 1:  # (size 1 broadcasts, as numpy's einsum lets it)
            ops = " and ".join(f"{n} in operand {i}" for i, n in per.items())
            where = "the ellipsis" if c in fill else f"label {c!r}"
            raise ValueError(f"{where} has sizes that do not broadcast: {ops}")
        spec.sizes[c] = big.pop() if big else 1
    spec.path = (np.einsum_path(subscripts, *(np.broadcast_to(_ZERO, s) for s in shapes), optimize="greedy")[0]
                 if len(shapes) > 1 else False)
    return spec


_ZERO = np.zeros(())


def _einsum(*xs: Any, subscripts: str) -> np.ndarray:
    spec = _einsum_spec(subscripts, tuple(np.shape(x) for x in xs))
    return np.einsum(subscripts, *xs, optimize=spec.path)


@functools.lru_cache(maxsize=1024)
def _einsum_vjp_spec(subscripts: str, k: int, shapes: tuple) -> tuple:
    """(subscripts, constants, reshape) of operand k's VJP: einsum(g, other operands,
    constants) with the output's and operand k's terms swapped. Constants are
    ("eye", n), tying a repeated label of operand k to a fresh one (its gradient
    lives on the diagonal), and ("ones", n), for a label that only operand k has
    at full size (summed, or broadcast from size 1 in the others, so its gradient
    is g copied along it). A label of size 1 in operand k that others broadcast is
    summed out, and `reshape` puts it back as size 1."""
    spec = _einsum_spec(subscripts, shapes)
    term = spec.terms[k]
    stretched = {c for c, n in zip(term, shapes[k]) if n == 1 and spec.sizes[c] != 1}
    target = "".join(c for c in term if c not in stretched)
    inputs = [spec.out] + [t for i, t in enumerate(spec.terms) if i != k]
    constants = []
    reach = set(spec.out)  # (the labels some input of the VJP has at full size)
    for i, t in enumerate(spec.terms):
        if i != k:
            reach.update(c for c, n in zip(t, shapes[i]) if n == spec.sizes[c])
    for c in dict.fromkeys(target):
        if c not in reach and target.count(c) == 1:
            inputs.append(c)
            constants.append(("ones", spec.sizes[c]))
    free = iter(c for c in _LABELS if c not in set("".join(spec.terms) + spec.out))
    deduped = ""
    for c in target:
        if c in deduped:  # (a repeat: the eye also carries the label at full size)
            fresh = next(free, None)
            if fresh is None:
                raise ValueError(f"too many labels for the gradient of operand {k}")
            inputs.append(c + fresh)
            constants.append(("eye", spec.sizes[c]))
            c = fresh
        deduped += c
    return ",".join(inputs) + "->" + deduped, tuple(constants), bool(stretched)


def _einsum_vjp(k: int, g: Any, ans: Any, *xs: Any, subscripts: str) -> Any:
    vjp, constants, reshape = _einsum_vjp_spec(subscripts, k, tuple(np.shape(x) for x in xs))
    dtype = g.dtype
    made = [np.eye(n, dtype=dtype) if kind == "eye" else np.ones(n, dtype=dtype) for kind, n in constants]
    others = [x for i, x in enumerate(xs) if i != k]
    gk = einsum(g, *others, *made, subscripts=vjp)
    return gk.reshape(np.shape(xs[k])) if reshape else gk


einsum = Primitive(
    "einsum", _einsum, _einsum_vjp, variadic=True,
    doc="""np.einsum(subscripts, *xs): a sum of products over the labels that the
    output (explicit after '->', else numpy's implicit one) leaves out. An
    ellipsis broadcasts, a size-1 axis broadcasts against its label's size, and a
    label repeated within one operand takes its diagonal ('ii->i', 'ii->').
    Contracted along numpy's greedy path (optimize): BLAS for the products that
    are matrix products, the same numbers as np.einsum(..., optimize=True).

    The VJP of operand k is an einsum too: g with the other operands, the output's
    term and operand k's swapped (for C = einsum('ij,jk->ik', A, B),
    A_bar = einsum('ik,jk->ij', C_bar, B) = C_bar B^T). A label only operand k
    has is summed in the forward, so its gradient is g copied along it (a ones
    vector with that label); a repeated label puts g on a diagonal (an identity
    matrix ties the copy to a fresh label).""",
)

# -- shape and indexing -------------------------------------------------------------

reshape = Primitive(
    "reshape", lambda x, shape: np.reshape(x, shape),
    (lambda g, ans, x, shape: g.reshape(x.shape),), shape_only=True, doc="Reshape to `shape` (one -1 allowed). VJP: g reshaped to x's shape.",
)


def _inverse_permutation(axes: tuple) -> tuple:
    """The axes that undo `axes` (np.argsort of a short tuple costs 4 us, this 0.3 us)."""
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a] = i
    return tuple(inverse)


permute = Primitive(
    "permute", lambda x, axes: np.transpose(x, axes),
    (lambda g, ans, x, axes: permute(g, axes=_inverse_permutation(axes)),), shape_only=True,
    doc="Reorder axes: output axis i is input axis axes[i]. VJP: g permuted by the inverse\n    permutation.",
)


def swapaxes(x: Any, a: int = -1, b: int = -2) -> Any:
    """Swap two axes (a permute); works on arrays and tensors."""
    n = len(x.shape)
    axes = list(range(n))
    try:
        if not (-n <= a < n and -n <= b < n):
            raise ValueError(f"swapaxes: axes {a} and {b} must be in [-{n}, {n - 1}] for shape {tuple(x.shape)}")
        axes[a], axes[b] = axes[b], axes[a]
    except TypeError:  # (None or "1" fail the comparison, 1.5 the indexing; the batched matmul VJPs call this)
        raise TypeError(f"swapaxes: axes must be ints, got {a!r} and {b!r} for shape {tuple(x.shape)}") from None
    return permute(x, axes=tuple(axes))


def _broadcast_to(x: Any, shape: tuple) -> np.ndarray:
    # A writable copy rather than numpy's read-only view: the result is mostly
    # a gradient, which ends up in .grad, and this is several times faster.
    x = np.asarray(x)
    if x.ndim > len(shape):
        raise ValueError(f"cannot broadcast an array of shape {x.shape} to {shape}")
    out = np.empty(shape, dtype=x.dtype)
    out[...] = x
    return out


broadcast_to = Primitive(
    "broadcast_to", _broadcast_to,
    (lambda g, ans, x, shape: unbroadcast(g, x.shape),), shape_only=True,
    doc="Broadcast to `shape` by numpy's rules (returns a new array). VJP: unbroadcast(g, x.shape),\n    g summed over the copies.",
)


def _add_at(out: np.ndarray, index: Any, g: Any) -> None:
    """np.add.at(out, index, g) for a fresh C-ordered `out`. An integer array picking whole
    rows (an embedding's gradient) is added on the flattened array instead, one index per
    element: the same additions in the same order, 3-10x faster than numpy's add.at over
    rows (4.6 ms -> 0.9 ms for 5120 rows of 64 float32). Anything else, and an index out of
    range (numpy's error then), goes to numpy's add.at as it is."""
    if (type(index) is np.ndarray and index.dtype.kind in "iu" and out.ndim >= 2 and index.size
            and type(g) is np.ndarray and g.shape == index.shape + out.shape[1:]):
        n = out.shape[0]
        rows = index.reshape(-1)
        if rows.min() >= -n and rows.max() < n:
            if rows.dtype.kind == "i":
                rows = np.where(rows < 0, rows + n, rows)
            width = out.size // n
            flat = (rows.astype(np.intp).reshape(-1, 1) * width + np.arange(width)).reshape(-1)
            np.add.at(out.reshape(-1), flat, g.reshape(-1))
            return
    np.add.at(out, index, g)


def _scatter_add(g: np.ndarray, index: Any, shape: tuple) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    if _has_int_array(index):
        if out.dtype == _HALF:  # (accumulated in float32: in float16, 2048 + 1 rounds to 2048)
            wide = np.zeros(shape, dtype=np.float32)
            _add_at(wide, index, g)
            return wide.astype(_HALF)
        _add_at(out, index, g)  # repeated indices accumulate
    else:
        out[index] = g  # basic slicing and masks: each element at most once
    return out


def _has_int_array(index: Any) -> bool:
    """Could the index repeat an element? (Integer arrays, and sequences numpy reads as them.)"""
    parts = index if isinstance(index, tuple) else (index,)
    return any((isinstance(p, np.ndarray) and p.dtype.kind in "iu") or isinstance(p, (list, tuple, range))
               for p in parts)


def _getitem(x: np.ndarray, index: Any) -> np.ndarray:
    out = x[index]
    if type(out) is np.ndarray:
        return out
    # An element: as a 0-d view, not numpy's scalar copy, so `t[i] += 1` changes t.
    return x[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]


getitem = Primitive(
    "getitem", _getitem,
    (lambda g, ans, x, index: scatter_add(g, index=index, shape=x.shape),), shape_only=True,
    doc="""x[index] with numpy's indexing: ints, slices (negative steps too), None,
    Ellipsis, integer arrays and boolean masks. Where an integer array repeats
    an index, the gradients of the repeats add up.""",
)


def _scatter_add_vjp(g: Any, ans: Any, u: Any, index: Any, shape: tuple) -> Any:
    picked = getitem(g, index=index)
    if picked.shape == u.shape:  # (always, when scatter_add is getitem's VJP)
        return picked
    # u broadcast to the selection: its gradient is summed back to u's shape
    # (a u with more axes than the selection has leading 1s, which numpy drops)
    extra = len(u.shape) - len(picked.shape)
    if extra > 0:
        picked = picked.reshape((1,) * extra + tuple(picked.shape))
    return unbroadcast(picked, u.shape)


scatter_add = Primitive(
    "scatter_add", _scatter_add,
    (_scatter_add_vjp,), shape_only=True,
    doc="zeros(shape) with u added at `index` (repeats accumulate): the adjoint of getitem.\n    u has the shape of zeros(shape)[index] (or broadcasts to it). VJP: g[index].",
)


_SCATTER_UFUNCS = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _scatter_identity(reduce: str, dtype: np.dtype) -> Any:
    """The value a reduction starts from where include_self=False drops x's entry."""
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if reduce == "amax" else info.max
    return -np.inf if reduce == "amax" else np.inf


def _scatter_reduce(x: np.ndarray, u: np.ndarray, index: Any, reduce: str, include_self: bool = True) -> np.ndarray:
    out = np.array(x, copy=True)
    if not include_self:  # (the entries index hits start from the identity, not from x)
        out[index] = _scatter_identity(reduce, out.dtype)
    with np.errstate(invalid="ignore"):  # (np.maximum.at warns where a NaN propagates, np.maximum does not)
        _SCATTER_UFUNCS[reduce].at(out, index, u)  # in index's order (C order), repeats combining
    return out


def _scatter_reduce_grads(g: Any, ans: Any, x: Any, u: Any, index: Any, reduce: str,
                          include_self: bool) -> tuple:
    """(x's gradient, u's gradient), made of primitives (second order: their VJPs)."""
    shape = x.shape
    ans_at = getitem(ans, index=index)
    hit = scatter_add(np.ones(ans_at.shape, dtype=g.dtype), index=index, shape=shape) > 0
    if reduce != "prod":
        # ties share g equally (torch's rule); a NaN result's g goes to the NaNs it came from
        tie_x = where(x != x, True, x == ans)
        if not include_self:
            tie_x = where(hit, False, tie_x)
        tie_u = where(u != u, True, u == ans_at)
        count = astype(tie_x, dtype=g.dtype) + scatter_add(astype(tie_u, dtype=g.dtype), index=index, shape=shape)
        share = g / count  # (count >= 1 everywhere: every result is one of its entries)
        return where(tie_x, share, 0.0), where(tie_u, getitem(share, index=index), 0.0)
    # prod: d/dv = the product of the others. Where v != 0 that is ans / v; where v is a
    # group's only zero it is the product of the nonzero entries (mr); where v is one of
    # two zeros it is 0 with derivative mr along the other zero, written (zs - v) * mr,
    # zs the sum of the group's zeros (0 in value); with three or more zeros, 0.
    xz, uz = x == 0, u == 0
    mx, mu = where(xz, 1, x), where(uz, 1, u)
    mr = scatter_reduce(mx, mu, index=index, reduce="prod", include_self=include_self)
    zc = scatter_add(astype(uz, dtype=g.dtype), index=index, shape=shape)
    zs = scatter_add(where(uz, u, 0), index=index, shape=shape)
    if include_self:
        zc = zc + astype(xz, dtype=g.dtype)
        zs = zs + where(xz, x, 0)
    zc_at, zs_at, mr_at, g_at = (getitem(a, index=index) for a in (zc, zs, mr, g))
    one, two = zc_at == 1, zc_at == 2
    gu = where(uz, g_at * mr_at * where(one, 1, where(two, zs_at - u, 0)), g_at * (ans_at / mu))
    if not include_self:
        return where(hit, 0, g), gu
    gx = where(xz, g * mr * where(zc == 1, 1, where(zc == 2, zs - x, 0)), g * (ans / mx))
    return where(hit, gx, g), gu


scatter_reduce = Primitive(
    "scatter_reduce", _scatter_reduce,
    (lambda g, ans, x, u, index, reduce, include_self=True:
        _scatter_reduce_grads(g, ans, x, u, index, reduce, include_self)[0],
     lambda g, ans, x, u, index, reduce, include_self=True:
        _scatter_reduce_grads(g, ans, x, u, index, reduce, include_self)[1]),
    uses_ans=True,
    doc="""x with u combined into it at `index` (a getitem index of x; u has x[index]'s
    shape) by reduce = "prod", "amax" or "amin", in index's order, repeats combining;
    include_self=False leaves x's entries that index hits out (its other entries are
    kept). Gradients: for amax/amin, g shared equally among the entries equal to the
    result (torch's rule; a NaN result's among the NaNs); for prod, the product of the
    others, exact where there are zeros (no division there, second order too); at a
    nonzero entry it is result / entry, as torch's, so an inf entry gives NaN.""",
)


def _pick_index(index: Any, axis: int) -> tuple:
    """The getitem index that picks x[i0, .., index[i0, ..], .., ik] at every position of index."""
    index = np.asarray(index.data if isinstance(index, Tensor) else index)
    k = index.ndim  # open grids broadcasting to index.shape (as np.ix_, in a third of its time)
    grids = tuple(np.arange(n).reshape((n,) + (1,) * (k - 1 - i)) for i, n in enumerate(index.shape))
    return grids[:axis] + (index,) + grids[axis:]


def _pick(x: np.ndarray, index: np.ndarray, axis: int) -> np.ndarray:
    # The index is an input (not a parameter, as getitem's is) and is checked
    # here, so a compiled tape replays the check on every call's new labels.
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of range for {x.ndim} dimensions")
    axis %= x.ndim
    index = np.asarray(index)
    if index.dtype.kind not in "iu":
        raise ValueError(f"index must hold integers, got dtype {index.dtype}")
    if index.shape != x.shape[:axis] + x.shape[axis + 1:]:
        raise ValueError(f"index must have x's shape without axis {axis}, "
                         f"{x.shape[:axis] + x.shape[axis + 1:]}")
    n = x.shape[axis]
    if index.size:
        lo, hi = index.min(), index.max()
        if lo < 0 or hi >= n:
            raise ValueError(f"index {lo if lo < 0 else hi} is out of range [0, {n - 1}] for axis {axis} of size {n}")
    return x[_pick_index(index, axis)]


def _pick_vjp(g: Any, ans: Any, x: Any, index: Any, axis: int) -> Any:
    where = _pick_index(index, axis % x.ndim)
    if type(g) is np.ndarray:
        # Every position picks its own entry of x, so assigning is adding, without
        # np.add.at (as fast for 128 labels, 2.5x slower for (8, 21, 64, 64) scores).
        out = np.zeros(x.shape, dtype=g.dtype)
        out[where] = g + 0.0  # (+ 0.0: a -0.0 lands as +0.0, as np.add.at onto zeros gives)
        return out
    return scatter_add(g, index=where, shape=x.shape)


pick = Primitive(
    "pick", _pick, (_pick_vjp, None), shape_only=(0,),
    doc="""x[i0, .., index[i0, .., ik], .., ik]: one entry along `axis` for every
    position of the other axes (the labelled class's score in a loss). index
    has x's shape without `axis`, integers in [0, x.shape[axis]) (negative ones
    are refused, not wrapped); the result has index's shape. VJP: zeros of x's shape
    with g at the picked entries; none for index.""",
)


def _along_index(shape: tuple, index: Any, axis: int) -> tuple:
    """The getitem index that takes x[i0, .., index[i0, .., ik], .., ik] for x of `shape`:
    open grids over x's other axes (broadcasting against index) and index at `axis`."""
    before, after = _along_grids(shape, axis)
    return before + (index.data if isinstance(index, Tensor) else index,) + after


@functools.lru_cache(maxsize=64)
def _along_grids(shape: tuple, axis: int) -> tuple:
    # (cached: the forward and the VJP of every call need them; read-only, as they are shared)
    k = len(shape)
    grids = []
    for i, n in enumerate(shape):
        g = np.arange(n).reshape((1,) * i + (n,) + (1,) * (k - 1 - i))
        g.flags.writeable = False
        grids.append(g)
    return tuple(grids[:axis]), tuple(grids[axis + 1:])


def _take_along_axis(x: np.ndarray, index: np.ndarray, axis: int, wrap: bool = True) -> np.ndarray:
    # The index is an input (as pick's), not a parameter (as getitem's): am.compile
    # traces it, so a replay takes each call's index (sort's order, computed from
    # the data) and checks its values here.
    x, index = np.asarray(x), np.asarray(index)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of range for x of shape {x.shape}")
    axis %= x.ndim
    if index.dtype.kind not in "iu":
        raise TypeError(f"index must hold integers, got dtype {index.dtype} (index of shape "
                        f"{index.shape}, x of shape {x.shape})")
    if index.ndim != x.ndim:
        raise ValueError(f"index of shape {index.shape} must have as many axes as x of shape {x.shape}")
    for i, (m, n) in enumerate(zip(x.shape, index.shape)):
        if m != n and m != 1 and n != 1 and i != axis:
            raise ValueError(f"index of shape {index.shape} does not broadcast against x of shape "
                             f"{x.shape} outside axis {axis}")
    if not wrap and index.size:
        lo = index.min()
        if lo < 0:
            raise IndexError(f"index {lo} is out of range [0, {x.shape[axis] - 1}] for axis {axis} "
                             f"(index of shape {index.shape}, x of shape {x.shape})")
    # (numpy refuses an index past either end: "index 3 is out of bounds for axis 1 with size 3")
    return x[_along_index(x.shape, index, axis)]


take_along_axis = Primitive(
    "take_along_axis", _take_along_axis,
    (lambda g, ans, x, index, axis, wrap=True:
        scatter_add(g, index=_along_index(x.shape, index, axis % len(x.shape)), shape=x.shape), None),
    shape_only=(0,),
    doc="""np.take_along_axis: out[i, j, k] = x[i, index[i, j, k], k] for axis 1. index has
    x's ndim and integers (wrap=True: in [-n, n), negative ones counted from the end, as
    numpy; wrap=False: in [0, n), as torch's gather), n = x.shape[axis]; on the other axes
    index and x broadcast. The result has the broadcast shape with index's length along
    axis. Where index repeats an entry, its gradients add up. (pick is the case of one
    entry per position, with `axis` dropped.)""",
)


def _pad(x: np.ndarray, pad_width: tuple, value: float = 0.0) -> np.ndarray:
    # Filling and copying in is what np.pad does for a constant, without its
    # per-call argument handling (half the time for a CNN layer's input).
    x = np.asarray(x)
    out = np.full(tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pad_width)), value, dtype=x.dtype)
    out[_unpad_index(x.shape, pad_width)] = x
    return out


def _unpad_index(shape: tuple, pad_width: tuple) -> tuple:
    return tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape, pad_width))


pad = Primitive(
    "pad", _pad,
    (lambda g, ans, x, pad_width, value=0.0:
        getitem(g, index=_unpad_index(x.shape, pad_width)),), shape_only=True,
    doc="Constant padding; pad_width is ((before, after),) per axis (normalised by am.pad): each\n    axis n grows to before + n + after. VJP: g with the padding sliced off.",
)


def _concat_vjp(i: int, g: Any, ans: Any, *xs: Any, axis: int = 0) -> Any:
    ax = axis % len(g.shape)
    start = int(np.sum([x.shape[ax] for x in xs[:i]], dtype=int))
    index = (slice(None),) * ax + (slice(start, start + xs[i].shape[ax]),)
    return getitem(g, index=index)


concatenate = Primitive(
    "concatenate", lambda *xs, axis=0: np.concatenate(xs, axis=axis), _concat_vjp, shape_only=True,
    variadic=True,
    doc="Join tensors along an existing axis (the others' sizes must agree). VJP of input i: the\n    slice of g along `axis` where input i landed.",
)
def _astype(x: np.ndarray, dtype: Any) -> np.ndarray:
    # (complex to real keeps the real part, as numpy's cast does, without its ComplexWarning:
    # the gradient of a real input is the real part of a complex one)
    if x.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        x = x.real
    return x.astype(dtype)


astype = Primitive(
    "astype", _astype,
    (lambda g, ans, x, dtype: g.astype(x.dtype) if isinstance(g, Tensor) else _astype(g, x.dtype),),
    shape_only=True,
    doc="Convert the dtype (complex to real keeps the real part); the gradient is converted back.",
)

# -- sliding windows (convolution and pooling are built on these) -------------------


def _unfold(x: np.ndarray, kernel_size: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    # One as_strided view with the windows' shape and strides written out:
    # sliding_window_view then a strided slice takes 20 us on conv2d's
    # permuted input, this 11 us.
    x = np.asarray(x)
    k = len(kernel_size)
    if not (len(stride) == len(dilation) == k and all(m >= 0 for m in kernel_size)
            and all(s >= 1 for s in stride) and all(d >= 1 for d in dilation)):
        raise ValueError(
            f"unfold: kernel_size {kernel_size}, stride {stride} and dilation {dilation} must have "
            "one entry per window axis, stride and dilation at least 1"
        )
    sizes, steps = x.shape[x.ndim - k:], x.strides[x.ndim - k:]
    out_sizes = tuple((n - (m - 1) * d - 1) // s + 1
                      for n, m, s, d in zip(sizes, kernel_size, stride, dilation))
    if k > x.ndim or not all(n >= 1 for n in out_sizes):
        raise ValueError(
            f"unfold: a window of {kernel_size} with dilation {dilation} does not fit the "
            f"last {k} axes of shape {x.shape}"
        )
    return as_strided(
        x, x.shape[: x.ndim - k] + out_sizes + tuple(kernel_size),
        x.strides[: x.ndim - k] + tuple(t * s for t, s in zip(steps, stride))
        + tuple(t * d for t, d in zip(steps, dilation)),
        writeable=False,
    )


def _fold(
    u: np.ndarray, size: tuple, kernel_size: tuple, stride: tuple, dilation: tuple
) -> np.ndarray:
    k = len(kernel_size)
    lead = u.shape[: u.ndim - 2 * k]
    out_sizes = u.shape[u.ndim - 2 * k : u.ndim - k]
    # The windows must be the ones unfold takes from `size`: others (too few,
    # too many) would fold into an array whose unfold, the VJP, has another shape.
    if not (u.ndim >= 2 * k and len(size) == len(stride) == len(dilation) == k
            and u.shape[u.ndim - k:] == tuple(kernel_size)
            and out_sizes == tuple((n - (m - 1) * d - 1) // s + 1
                                   for n, m, s, d in zip(size, kernel_size, stride, dilation))):
        raise ValueError(
            f"fold: windows of shape {u.shape} are not those that unfold takes from size {tuple(size)} "
            f"with kernel_size {tuple(kernel_size)}, stride {tuple(stride)} and dilation {tuple(dilation)}"
        )
    spans = [(n - 1) * d + 1 for n, d in zip(kernel_size, dilation)]
    # Windows that do not overlap (pooling tiles) put at most one entry on each
    # position: assigning instead of adding skips a read of the output (3x
    # faster), and when they tile the input from its start only the uncovered
    # remainder needs zeros.
    disjoint = all(span <= s for span, s in zip(spans, stride))
    # The output takes the memory order of u's outer axes, so each strided
    # add below walks source and destination alike: for conv2d's CHWN
    # layout that is runs of OW*N contiguous elements (a 3x3 fold of
    # (64, 8, 16, 16) float32: 0.47 ms, against 1.8 ms for NCHW's runs of OW).
    out = _empty_in_layout(lead + tuple(size), _layout(u.strides[: u.ndim - k]), u.dtype)
    # Where the windows tile the input from its start (pooling), or slide with
    # stride 1 (convolution), the first offset's entries cover a block at the
    # start of every axis: they are assigned, and only the rest is zeroed
    # first (a 3x3 conv's fold: 10 passes over the output instead of 11).
    tiled = disjoint and all(n == s for n, s in zip(kernel_size, stride)) and all(d == 1 for d in dilation)
    first_assigned = tiled or (all(s == 1 for s in stride) and all(n >= 1 for n in kernel_size))
    if first_assigned:
        for axis, (m, s) in enumerate(zip(out_sizes, stride)):
            out[(Ellipsis, slice(m * s, None)) + (slice(None),) * (k - 1 - axis)] = 0  # (s is 1 if not tiled)
    else:
        out[...] = 0
    # One strided write per kernel offset: kh*kw numpy calls, no loop over pixels.
    for offset in itertools.product(*(range(n) for n in kernel_size)):
        dst = (Ellipsis,) + tuple(
            slice(o * d, o * d + s * (m - 1) + 1, s)
            for o, d, s, m in zip(offset, dilation, stride, out_sizes)
        )
        if disjoint or (first_assigned and not any(offset)):
            out[dst] = u[(Ellipsis,) + offset]
        else:
            out[dst] += u[(Ellipsis,) + offset]
    return out


unfold = Primitive(
    "unfold", _unfold,
    (lambda g, ans, x, kernel_size, stride, dilation: fold(
        g, size=x.shape[-len(kernel_size):], kernel_size=kernel_size,
        stride=stride, dilation=dilation),), shape_only=True,
    doc="""Sliding windows over the last k axes (k = len(kernel_size)).

    x of shape lead + (H, W, ...) gives lead + (OH, OW, ...) + kernel_size, with
    OH = (H - dilation*(kh-1) - 1) // stride + 1, and
    out[..., i, j, a, b] = x[..., i*stride + a*dilation, j*stride + b*dilation].
    A strided view: no copy. Convolution is a contraction of this with the
    weights; pooling is a reduction over its last k axes. VJP: fold(g), which adds
    each window's gradient back to the entries it was taken from.""",
)
fold = Primitive(
    "fold", _fold,
    (lambda g, ans, u, size, kernel_size, stride, dilation: unfold(
        g, kernel_size=kernel_size, stride=stride, dilation=dilation),), shape_only=True,
    doc="""The adjoint of unfold: add every window back to where it came from.

    It is unfold's VJP because windows overlap: one input entry appears in
    several windows, so its gradient is the sum of theirs (as unbroadcast sums
    a broadcast input's copies). Its own VJP is unfold.

    u of shape lead + (OH, OW, ...) + kernel_size gives lead + size.""",
)

# -- linear algebra (am.linalg) -------------------------------------------------------
#
# Batched as numpy.linalg: a matrix argument is (..., n, n), its leading axes broadcast.
# Real floating dtypes only (float32, float64): numpy's LAPACK has no float16, and an
# integer matrix would be taken as float64 silently.


def _check_square(op: str | None, a: Any) -> None:
    """Refuse (TypeError, ValueError) what is not a real float (..., n, n) stack of matrices.
    (op None: a primitive's forward, whose errors Primitive.apply restates with its name.)"""
    _check_matrix(op, a, square=True)


def _solve(a: Any, b: Any) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    _check_square(None, a)
    if b.dtype.kind != "f" or b.dtype.itemsize < 4:
        raise TypeError(f"B of shape {b.shape} has dtype {b.dtype}; linalg takes float32 or "
                        "float64 (cast with .astype(np.float64))")
    n = a.shape[-1]
    vector = b.ndim == 1
    if b.ndim == 0 or b.shape[-1 if vector else -2] != n:
        hint = ("; B with two or more axes is a stack of (n, k) matrices (numpy 2's rule; PyTorch "
                "would read B of shape A.shape[:-1] as a batch of vectors): pass B[..., None] and take "
                "X[..., 0]") if b.ndim >= 2 and b.shape[-1] == n else ""
        want = "(n,)" if vector else "(..., n, k)"
        raise ValueError(f"A of shape {a.shape} (n = {n}) needs B of shape (n,) or (..., n, k), "
                         f"got {b.shape} (read as {want}){hint}")
    if not vector:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"the batch axes of A {a.shape} and B {b.shape} do not broadcast "
                             f"({a.shape[:-2]} and {b.shape[:-2]})") from None
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError as e:
        raise np.linalg.LinAlgError(f"A of shape {a.shape} is singular (numpy: {e})") from None


def _column(g: Any) -> Any:
    return g.reshape(g.shape + (1,))


def _solve_vjp_a(g: Any, ans: Any, a: Any, b: Any) -> Any:
    # X = A^-1 B: dX = -A^-1 dA X, so A_bar = -A^-T G X^T = -B_bar X^T
    if len(b.shape) == 1:  # (X, G of shape (..., n): an outer product per matrix)
        gb = solve(swapaxes(a), _column(g))
        return unbroadcast(-(gb @ ans.reshape(ans.shape[:-1] + (1, ans.shape[-1]))), a.shape)
    return unbroadcast(-(solve(swapaxes(a), g) @ swapaxes(ans)), a.shape)


def _solve_vjp_b(g: Any, ans: Any, a: Any, b: Any) -> Any:
    if len(b.shape) == 1:
        gb = solve(swapaxes(a), _column(g))
        return unbroadcast(gb.reshape(gb.shape[:-1]), b.shape)
    return unbroadcast(solve(swapaxes(a), g), b.shape)


solve = Primitive(
    "solve", _solve, (_solve_vjp_a, _solve_vjp_b), uses_ans=True,
    doc="""X = A^-1 B, the solution of A X = B, as numpy 2's np.linalg.solve: A (..., n, n)
    and B (..., n, k) give X (..., n, k), the batch axes broadcast; B of shape (n,) (exactly
    1-D) is one vector, solved against every matrix of A: X (..., n).
    B_bar = A^-T G = solve(A^T, G); A_bar = -B_bar X^T (both summed over broadcast axes).
    Written with solve itself, so second derivatives work. A singular A raises
    np.linalg.LinAlgError.""",
)


def _logabsdet(a: Any) -> np.ndarray:
    _check_square(None, a)
    return np.asarray(np.linalg.slogdet(a)[1])


def _logabsdet_vjp(g: Any, ans: Any, a: Any) -> Any:
    # d log|det A| = tr(A^-1 dA), so A_bar = g A^-T.
    n = a.shape[-1]
    try:
        inv_t = solve(swapaxes(a), np.eye(n, dtype=a.dtype))
    except np.linalg.LinAlgError as e:
        raise np.linalg.LinAlgError(
            f"slogdet backward: A of shape {tuple(a.shape)} is singular: log|det A| = -inf has no "
            "gradient there (and det's, the adjugate, is not computed by am.linalg.det)") from e
    return g.reshape(g.shape + (1, 1)) * inv_t


logabsdet = Primitive(
    "logabsdet", _logabsdet, (_logabsdet_vjp,),
    doc="""log|det A| for A (..., n, n), shape (...): np.linalg.slogdet's second part
    (-inf for a singular A). A_bar = g A^-T (d log|det A| = tr(A^-1 dA)), from solve, so
    second derivatives work; at a singular A the backward raises np.linalg.LinAlgError.""",
)


def _det_sign(a: Any) -> np.ndarray:
    _check_square(None, a)
    return np.asarray(np.linalg.slogdet(a)[0])


det_sign = Primitive(
    "det_sign", _det_sign, differentiable=False,
    doc="The sign of det A (1, -1, or 0 when singular) for A (..., n, n), shape (...), "
        "as np.linalg.slogdet's first part; no gradient (piecewise constant).",
)


def _cholesky(a: Any) -> np.ndarray:
    _check_square(None, a)
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError as e:
        raise np.linalg.LinAlgError(f"A of shape {np.shape(a)} is not positive definite "
                                    f"(numpy: {e})") from None


def _cholesky_vjp(g: Any, ans: Any, a: Any) -> Any:
    # S = L^-T Phi(L^T L_bar) L^-1 (Phi: the lower triangle, diagonal halved) is the
    # gradient over symmetric dA (its symmetric part, PyTorch's). The forward reads A's
    # lower triangle only, so an entry below the diagonal stands for two of a symmetric
    # A: it gets S_ij + S_ji, the diagonal S_ii, the upper triangle 0 -- (S + S^T) * Phi.
    n = a.shape[-1]
    half = np.tri(n, dtype=a.dtype) - 0.5 * np.eye(n, dtype=a.dtype)  # (Phi as a mask)
    lt = swapaxes(ans)
    x = solve(lt, (lt @ g) * half)  # L^-T Phi(L^T G)
    s = swapaxes(solve(lt, swapaxes(x)))  # (L^-T x^T)^T = x L^-1
    return (s + swapaxes(s)) * half


cholesky = Primitive(
    "cholesky", _cholesky, (_cholesky_vjp,), uses_ans=True,
    doc="""L, lower triangular with a positive diagonal, with L L^T = A, for a symmetric
    positive definite A (..., n, n), as np.linalg.cholesky: only A's lower triangle is
    read. A_bar = (S + S^T) * Phi, S = L^-T Phi(L^T L_bar) L^-1, Phi the lower triangle
    with its diagonal halved: the exact gradient of the lower-triangle reading (zero
    above the diagonal). A not positive definite raises np.linalg.LinAlgError.""",
)


def _check_uplo(op: str | None, uplo: Any) -> str:
    """'L' or 'U' (numpy also takes 'l' and 'u'), upper-cased."""
    head = f"{op}: " if op else ""
    if not isinstance(uplo, str):
        raise TypeError(f"{head}UPLO must be 'L' or 'U', got {uplo!r}")
    if uplo.upper() not in ("L", "U"):
        raise ValueError(f"{head}UPLO must be 'L' or 'U', got {uplo!r}")
    return uplo.upper()


def _eigh(a: Any, UPLO: str = "L") -> np.ndarray:
    _check_square(None, a)
    w, v = np.linalg.eigh(a, UPLO=_check_uplo(None, UPLO))
    return np.concatenate([w[..., None, :], v], axis=-2)


def _data(x: Any) -> np.ndarray:
    """The ndarray of a Tensor (a VJP's operand when create_graph is on) or of an array."""
    return np.asarray(getattr(x, "data", x))


def _reciprocal_where(keep: np.ndarray, d: Any) -> Any:
    """1/d where keep is 1, 0 where it is 0 (keep a 0/1 array of d's dtype), recorded
    (d may be a Tensor: the VJP of a VJP): d is replaced by 1 where not kept, so no
    division by a zero gap ever runs (no inf, no 0 * inf = NaN in a second derivative)."""
    return keep / (d * keep + (1 - keep))


def _tie_error(op: str, a: Any, what: str, symbol: str, values: np.ndarray, bad: np.ndarray, vectors: str,
               alone: str) -> np.linalg.LinAlgError:
    """eigh's and svd's refusal at the first pair (i, j) where `bad` (..., k, k) holds: the
    values there are equal, and the loss reads the vectors, which have no gradient there."""
    at = tuple(int(i) for i in np.argwhere(bad)[0])
    return np.linalg.LinAlgError(
        f"{op} backward: A of shape {tuple(a.shape)} has equal {what} ({symbol}[{at[-2]}] = "
        f"{values[at[:-1]]!r} and {symbol}[{at[-1]}] = {values[at[:-2] + (at[-1],)]!r}, at batch index "
        f"{at[:-2]}), where the {vectors} are not unique and have no gradient; the loss depends on "
        f"them there ({what} alone, {alone}, have one)")


def _eigh_vjp(g: Any, ans: Any, a: Any, UPLO: str = "L") -> Any:
    # A = V diag(w) V^T, symmetric dA, M = V^T dA V: dw = diag(M), dV = V (F o M) with
    # F_ij = 1/(w_j - w_i) off the diagonal, 0 on it. So dL = <diag(w_bar) + F o X, M>,
    # X = V^T V_bar, and the gradient over symmetric dA is the symmetric part of
    # V (diag(w_bar) + F o X) V^T: S = V (diag(w_bar) + F o (X - X^T)/2) V^T (F^T = -F).
    # The forward reads one triangle only, so (as cholesky's VJP) an entry off the
    # diagonal stands for two of the symmetric A: A_bar = (S + S^T) * Phi, Phi that
    # triangle with its diagonal halved.
    n = a.shape[-1]
    w, v = ans[..., 0, :], ans[..., 1:, :]
    gw, gv = g[..., 0, :], g[..., 1:, :]
    x = swapaxes(v) @ gv
    k = (x - swapaxes(x)) * 0.5  # (skew: the part of V_bar the eigenvectors can follow)
    wd = _data(w)
    # Eigenvalues closer than the decomposition's rounding error count as equal: there
    # the eigenvectors are not unique and have no gradient, which only a loss that
    # ignores them (k_ij = 0 exactly: eigvalsh, eigh's values alone) may ask for. That
    # error is a few n * eps * max|w| (forming Q diag(1, 1) Q^T in float64 splits its
    # eigenvalues by up to 4.5 eps): 16 n eps max|w| leaves a margin.
    tol = 16 * n * np.finfo(wd.dtype).eps * np.abs(wd).max(axis=-1, initial=0.0)[..., None, None]
    gap = wd[..., None, :] - wd[..., :, None]
    off = ~np.eye(n, dtype=bool)
    tied = (np.abs(gap) <= tol) & off
    if tied.any():
        kd = _data(k)
        bad = tied & (kd != 0)
        if bad.any():
            raise _tie_error("eigh", a, "eigenvalues", "w", wd, bad, "eigenvectors", "eigvalsh")
    keep = (off & ~tied).astype(wd.dtype)  # (where F is 1/gap; 0 elsewhere)
    wr = w.reshape(tuple(w.shape[:-1]) + (1, n))
    gap_t = wr - swapaxes(wr)  # (w_j - w_i, recorded: F depends on A too)
    f = _reciprocal_where(keep, gap_t)
    eye = np.eye(n, dtype=wd.dtype)
    inner = gw.reshape(tuple(gw.shape) + (1,)) * eye + f * k
    s = v @ inner @ swapaxes(v)
    tri = np.tri(n, dtype=wd.dtype) if UPLO.upper() == "L" else np.tri(n, dtype=wd.dtype).T
    half = tri - 0.5 * eye
    return (s + swapaxes(s)) * half


eigh = Primitive(
    "eigh", _eigh, (_eigh_vjp,), uses_ans=True,
    doc="""The eigendecomposition of a symmetric A (..., n, n), as np.linalg.eigh(A, UPLO):
    only the UPLO triangle ('L' or 'U') is read. One output of shape (..., n + 1, n) that
    holds both of numpy's: row 0 the eigenvalues w, ascending; rows 1..n the matrix V of
    eigenvectors (as columns, signs as numpy's LAPACK gives them). am.linalg.eigh splits it.
    A_bar = (S + S^T) * Phi with S = V (diag(w_bar) + F o (X - X^T)/2) V^T, X = V^T V_bar,
    F_ij = 1/(w_j - w_i) off the diagonal, Phi the UPLO triangle with its diagonal halved:
    the exact gradient of the triangle reading, written with operators (second derivatives
    work). Where eigenvalues coincide (to rounding) and the loss reads the eigenvectors
    there, the backward raises np.linalg.LinAlgError: they have no gradient.""",
)


def _check_matrix(op: str | None, a: Any, square: bool = False) -> None:
    """Refuse (TypeError, ValueError) what is not a real float (..., m, n) stack of matrices
    (with square, (..., n, n); see _check_square)."""
    dtype = np.asarray(a).dtype if not hasattr(a, "dtype") else a.dtype
    shape = np.shape(a)
    head = f"{op}: " if op else ""
    if dtype.kind != "f" or dtype.itemsize < 4:
        raise TypeError(f"{head}A of shape {shape} has dtype {dtype}; linalg takes float32 or "
                        "float64 matrices (cast with .astype(np.float64))")
    if len(shape) < 2 or (square and shape[-1] != shape[-2]):
        kind = "a square matrix or a stack of them, (..., n, n)" if square else \
            "a matrix or a stack of them, (..., m, n)"
        raise ValueError(f"{head}A must be {kind}, got shape {shape}")


def _svd(a: Any, full_matrices: bool = False) -> np.ndarray:
    _check_matrix(None, a)
    a = np.asarray(a)
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    m, n = a.shape[-2:]
    k = s.shape[-1]
    width = builtins.max(u.shape[-1], vh.shape[-2], k)
    out = np.zeros(a.shape[:-2] + (m + 1 + n, width), dtype=s.dtype)
    out[..., :m, :u.shape[-1]] = u
    out[..., m, :k] = s
    out[..., m + 1:, :vh.shape[-2]] = np.swapaxes(vh, -1, -2)
    return out


def _svd_vjp(g: Any, ans: Any, a: Any, full_matrices: bool = False) -> Any:
    # A = U diag(s) V^T (reduced: U (m, k), V (n, k), k = min(m, n)). With dP = U^T dA V,
    # ds = diag(dP) and, off the diagonal, U^T dU and V^T dV are skew with entries
    # F_ij (dP_ij s_j + s_i dP_ji) and F_ij (s_i dP_ij + dP_ji s_j), F_ij = 1/(s_j^2 - s_i^2);
    # the parts of dU, dV outside span U, span V are (I - U U^T) dA V S^-1 and
    # (I - V V^T) dA^T U S^-1. Transposed, with Dx = X - X^T, X = U^T U_bar, and
    # Dy = Y - Y^T, Y = V^T V_bar:
    #   A_bar = U (diag(s_bar) + F o (Dx S + S Dy)) V^T
    #           + (I - U U^T) U_bar S^-1 V^T + U S^-1 V_bar^T (I - V V^T).
    # F o (Dx S + S Dy) is split as (Dx + Dy)/2 / (s_j - s_i) + (Dx - Dy)/2 / (s_j + s_i):
    # only the first part is singular at s_i = s_j > 0, where it is the rotation (of
    # U's and V's columns together) that the singular vectors are defined up to; a loss
    # that does not depend on that rotation has Dx + Dy = 0 there.
    m, n = a.shape[-2:]
    k = builtins.min(m, n)
    u, s, v = ans[..., :m, :k], ans[..., m, :k], ans[..., m + 1:, :k]
    gu, gs, gv = g[..., :m, :], g[..., m, :k], g[..., m + 1:, :]
    if full_matrices:  # (the columns past k span the complements: not unique, no gradient)
        extra = _data(gu)[..., k:], _data(gv)[..., k:]
        if any(e.any() for e in extra):
            raise np.linalg.LinAlgError(
                f"svd backward: A of shape {tuple(a.shape)} with full_matrices=True: the loss reads the "
                f"singular vectors past the first min(m, n) = {k}, which span the complement of A's "
                "range (or row space), are not unique and have no gradient; use full_matrices=False")
    gu, gv = gu[..., :k], gv[..., :k]
    sd = _data(s)
    dtype = sd.dtype
    tol = 16 * builtins.max(m, n) * np.finfo(dtype).eps * np.abs(sd).max(axis=-1, initial=0.0)[..., None]
    zero = sd <= tol  # (..., k): singular values that count as 0
    x = swapaxes(u) @ gu
    y = swapaxes(v) @ gv
    dx, dy = x - swapaxes(x), y - swapaxes(y)
    plus, minus = (dx + dy) * 0.5, (dx - dy) * 0.5
    eye = np.eye(k, dtype=dtype)
    off = ~np.eye(k, dtype=bool)
    tied = (np.abs(sd[..., None, :] - sd[..., :, None]) <= tol[..., None]) & off
    zeros2 = zero[..., None, :] & zero[..., :, None] & off
    gud, gvd = _data(gu), _data(gv)
    bad = (tied & (_data(plus) != 0)) | (zeros2 & (_data(minus) != 0))
    # At a tie the vectors' cotangents see only the skew part of the block; a loss that
    # reads the vectors there with S_bar differing within the tie (U diag(S) Vh at A = I,
    # where U = V = I make that skew part exactly 0) needs the symmetric part too, which
    # the cotangents do not carry: refuse rather than drop it.
    gsd = _data(gs)
    gtol = 16 * builtins.max(m, n) * np.finfo(dtype).eps * np.abs(gsd).max(axis=-1, initial=0.0)
    split = np.abs(gsd[..., :, None] - gsd[..., None, :]) > gtol[..., None, None]
    reads = (_data(x) != 0) | (_data(y) != 0)
    bad |= tied & split & (reads | np.swapaxes(reads, -1, -2))
    if bad.any():
        raise _tie_error("svd", a, "singular values", "s", sd, bad, "singular vectors", "svdvals")
    for side, big, gd in (("column of U", m, gud), ("row of Vh", n, gvd)):
        if big > k:
            lost = zero[..., None, :] & (gd != 0)
            if lost.any():
                at = tuple(int(i) for i in np.argwhere(lost)[0])
                raise np.linalg.LinAlgError(
                    f"svd backward: A of shape {tuple(a.shape)} has a zero singular value (s[{at[-1]}] = "
                    f"{sd[at[:-2] + (at[-1],)]!r}, at batch index {at[:-2]}), whose {side} "
                    f"is any unit vector of a space of dimension {big - k + 1} and has no gradient; "
                    "the loss depends on it (singular values alone, svdvals, have one)")
    sr = s.reshape(tuple(s.shape[:-1]) + (1, k))
    keep_m = (off & ~tied).astype(dtype)
    keep_p = (off & ~zeros2).astype(dtype)
    f_minus = _reciprocal_where(keep_m, sr - swapaxes(sr))  # 1/(s_j - s_i)
    f_plus = _reciprocal_where(keep_p, sr + swapaxes(sr))  # 1/(s_j + s_i)
    inner = gs.reshape(tuple(gs.shape) + (1,)) * eye + f_minus * plus + f_plus * minus
    out = u @ inner @ swapaxes(v)
    if m > k or n > k:
        keep_s = (~zero).astype(dtype)[..., None, :]
        s_inv = _reciprocal_where(keep_s, sr)  # (1/s as a row; 0 where s counts as 0)
        if m > k:
            out = out + ((gu - u @ x) * s_inv) @ swapaxes(v)
        if n > k:
            out = out + (u * s_inv) @ swapaxes(gv - v @ y)
    return out


svd = Primitive(
    "svd", _svd, (_svd_vjp,), uses_ans=True,
    doc="""The singular value decomposition A = U diag(s) V^T of A (..., m, n), as
    np.linalg.svd(A, full_matrices): one output of shape (..., m + 1 + n, w) that holds
    numpy's three: rows :m the matrix U (its columns, m x k, or m x m if full_matrices),
    row m the singular values s (k = min(m, n), descending), rows m + 1: the matrix
    V = Vh^T (n x k, or n x n); w the widest of them, zeros pad the rest. am.linalg.svd
    splits it. With X = U^T U_bar, Y = V^T V_bar, Dx = X - X^T, Dy = Y - Y^T:
    A_bar = U (diag(s_bar) + (Dx + Dy)/2 o 1/(s_j - s_i) + (Dx - Dy)/2 o 1/(s_j + s_i)) V^T
    + (I - U U^T) U_bar S^-1 V^T + U S^-1 V_bar^T (I - V V^T) (the last two for m > k,
    n > k), written with operators (second derivatives work). Where singular values
    coincide (to rounding) or are 0 in a non-square A and the loss reads the singular
    vectors they leave undetermined, or reads the columns past k of a full_matrices
    result, the backward raises np.linalg.LinAlgError.""",
)


def _qr(a: Any) -> np.ndarray:
    _check_matrix(None, a)
    a = np.asarray(a)
    q, r = np.linalg.qr(a, mode="reduced")
    m, n = a.shape[-2:]
    k = builtins.min(m, n)
    out = np.zeros(a.shape[:-2] + (m + k, n), dtype=r.dtype)
    out[..., :m, :k] = q
    out[..., m:, :] = r
    return out


def _qr_tall_vjp(q: Any, r: Any, gq: Any, gr: Any, shape: tuple) -> Any:
    # A = Q R, Q (m, n) with Q^T Q = I, R (n, n) upper triangular with a nonzero diagonal.
    # dR R^-1 is upper triangular and Q^T dQ skew, so C = Q^T dA R^-1 = Q^T dQ + dR R^-1
    # fixes both: Q^T dQ = tril(C, -1) - tril(C, -1)^T, and dQ's part outside span Q is
    # (I - Q Q^T) dA R^-1. Transposed:
    #   A_bar = (Q (R_bar + tril(M - M^T) R^-T) + (Q_bar - Q Q^T Q_bar) R^-T,
    #   M = Q^T Q_bar + R R_bar^T... in the form (M = Q^T Q_bar, N = R R_bar^T)
    #   A_bar = Q R_bar + (Q tril((M - M^T) + (N - N^T)) + Q_bar - Q M) R^-T.
    k = q.shape[-1]
    mq = swapaxes(q) @ gq
    nr = r @ swapaxes(gr)
    low = np.tri(k, dtype=_data(r).dtype)
    t = ((mq - swapaxes(mq)) + (nr - swapaxes(nr))) * low
    b = q @ t + gq - q @ mq
    # (a zero on R's diagonal is computed as rounding: count |R_ii| <= 16 max(m, n) eps max|R|)
    rd = _data(r)
    diag = np.abs(np.diagonal(rd, axis1=-2, axis2=-1))
    tol = 16 * builtins.max(shape[-2:]) * np.finfo(rd.dtype).eps * np.abs(rd).max(axis=(-2, -1), initial=0.0)
    if (diag <= tol[..., None]).any():
        raise np.linalg.LinAlgError(
            f"qr backward: A of shape {tuple(shape)} is rank deficient (R has a zero on its "
            f"diagonal: |diag R| = {diag.min()!r}): Q is not unique there and has no gradient")
    return q @ gr + swapaxes(solve(r, swapaxes(b)))  # (b R^-T = (R^-1 b^T)^T)


def _qr_vjp(g: Any, ans: Any, a: Any) -> Any:
    m, n = a.shape[-2:]
    k = builtins.min(m, n)
    q, r = ans[..., :m, :k], ans[..., m:, :]
    gq, gr = g[..., :m, :k], g[..., m:, :]
    if m >= n:
        return _qr_tall_vjp(q, r, gq, gr, tuple(a.shape))
    # A = [X | Y], X (m, m): Q, R_x = qr(X), R_y = Q^T Y. So Y_bar = Q R_y_bar, and X
    # gets the square case's gradient with Q_bar + Y R_y_bar^T for Q_bar.
    gry = gr[..., :, m:]
    y = a[..., :, m:]
    gx = _qr_tall_vjp(q, r[..., :, :m], gq + y @ swapaxes(gry), gr[..., :, :m], tuple(a.shape))
    return concatenate(gx, q @ gry, axis=-1)


qr = Primitive(
    "qr", _qr, (_qr_vjp,), uses_ans=True,
    doc="""The reduced QR decomposition A = Q R of A (..., m, n), as np.linalg.qr(A):
    one output of shape (..., m + k, n), k = min(m, n), that holds numpy's two: rows :m,
    columns :k the matrix Q (orthonormal columns; zeros pad it to n columns); rows m:
    the upper triangular R (k, n), signs as numpy's LAPACK gives them. am.linalg.qr
    splits it. For m >= n, with M = Q^T Q_bar and N = R R_bar^T:
    A_bar = Q R_bar + (Q tril(M - M^T + N - N^T) + Q_bar - Q M) R^-T; for m < n,
    A = [X | Y] gives Y_bar = Q R_bar[:, m:] and X_bar the former with Q_bar + Y
    R_bar[:, m:]^T. Written with solve (second derivatives work). Where R (or its first
    m columns, for m < n) has a zero diagonal entry the backward raises
    np.linalg.LinAlgError.""",
)
