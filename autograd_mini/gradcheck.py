"""Finite-difference checks of gradients, with reports that say what went wrong.

    gradcheck(f, inputs)       d<u, f(x)>/dx by autodiff against central differences
    gradgradcheck(f, inputs)   the same check of (x, u) -> d<u, f(x)>/dx (second order)
    numerical_grad(f, inputs)  the central-difference gradient alone
    check_graph(loss)          every recorded node's VJP against differences of its forward

How a gradient is checked. With a random cotangent u (not all ones, so that
errors cannot cancel across output elements; random signs and sizes in [0.5, 1.5],
so that no entry is near 0) the scalar phi(x) = <u, f(x)> has
gradient J^T u, which is what one reverse sweep returns. The numeric value of
d phi / d x_i is the central difference

    (phi(x + h e_i) - phi(x - h e_i)) / 2h,    h = eps * max(1, |x_i|),

in float64 (floating inputs are promoted; float32 and float16 inputs warn),
so the step follows the scale of each entry. An input of at most `full_limit`
elements is checked element by element; a larger one along `n_directions`
random directions d (entries N(0, 1) times max(1, |x_i|)), comparing <grad, d>
with (phi(x + eps d) - phi(x - eps d)) / 2 eps. An element passes when
|analytic - numeric| <= atol + rtol * |numeric|. Infinite entries of an input
(max-pooling's -inf border) are not moved, no finite step moving them.

Kinks. At a point where phi is not differentiable the one-sided differences
(phi(x + h) - phi(x)) / h and (phi(x) - phi(x - h)) / h disagree by an amount
that does not shrink with h (for a smooth phi the gap is h * phi'' and does).
Exactly at a kink the central difference is the mean of the two one-sided
derivatives, which is what this library's conventions give (abs'(0) = 0, ties
of max/maximum share the gradient), so those points pass; relu'(0) = 0 is a
one-sided choice and fails. Within a step of a kink the central difference
mixes both sides and the check fails (unless a smaller step, below, gets clear
of it). Such a failure still fails, but the
report says "kink" and gives both one-sided derivatives instead of blaming the
gradient; move the point away from the kink. Where phi is not even continuous
(the gradient of max at a tie, in gradgradcheck) the difference across the
point does not shrink with the step, and the report says "jump".

Small steps. A failed comparison is repeated with steps h/10 ... h/10**4
(while the rounding below stays well under the tolerance), and passes if one
agrees: a step can be too large next to where the slope changes (log x at
x = 1e-5 with h = 1e-6; a kink closer than h but not closer than h/10**4) or
leave f's domain (log x at x = 1e-7, where x - h < 0 gives NaN).

Rounding. Each value of phi is rounded, by about eps_machine * sum |u_i y_i|,
and the central difference divides that by the step: for values large next
to their changes (x**2 + 1e8) it exceeds the tolerance whatever the gradient.
A failure where it does is reported as "not necessarily a wrong gradient",
with the size of that uncertainty; subtract the constant or take a larger eps.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from . import autograd
from .creation import generator
from .engine import Node, enable_grad, topological_order
from .functions import concatenate
from .tensor import Tensor, _flag
from .viz._labels import scope_label

__all__ = [
    "GradcheckError", "GradcheckReport", "GraphReport", "NodeCheck",
    "check_graph", "gradcheck", "gradgradcheck", "numerical_grad",
]


class GradcheckError(AssertionError):
    """A gradient check failed; `.report` holds the details (`str(report)` reads well)."""

    def __init__(self, report: "GradcheckReport | GraphReport") -> None:
        super().__init__(str(report))
        self.report = report


@dataclass
class GradcheckReport:
    """Outcome of one check: where the worst failure is, and how bad the errors are.

    The location (input_index, input_name, input_shape, then element or direction)
    is that of the worst failure that is not a kink, jump or domain edge, or of the
    worst of those when all failures are; all None when the check passed, or when f's output at the
    input is not finite (then `note` says where, and nothing is compared).
    `element` is the index tuple for an element-by-element check, `direction`
    the number of the random direction for a projected one (then analytic and
    numeric are the directional derivatives). `kink` is (left, right), the
    one-sided derivatives, when the reported failure is a kink; `jump` is the
    size of the step in phi when the function is not even continuous there
    (phi(x + s) - phi(x - s) does not shrink with s: the gradient at a tie of
    max, in gradgradcheck). `edge` is True when the reported failure is at the
    edge of f's domain: a step of eps gave f a value that is not finite (sqrt
    or log of a negative number), so the differences that stay inside are
    one-sided or too short to tell. max_abs_error and max_rel_error are the worst over
    every comparison made (the relative one over values larger than atol).
    `below_atol` names the inputs (with their shapes) all of whose compared
    derivatives, analytic and numeric, are at most atol: there the check cannot
    tell a wrong gradient from a right one (gradcheck warns). `rounding` is set
    when the reported failure may be the difference's own error: the
    uncertainty that rounding f's values, eps_machine * sum |u_i y_i| / h for
    phi = sum u_i y_i, puts on the numeric derivative, when it exceeds the
    allowed error (an f whose values are large next to their changes, such as
    x**2 + 1e8).
    """

    ok: bool
    what: str
    eps: float
    atol: float
    rtol: float
    seed: int
    n_checked: int = 0
    n_failed: int = 0
    n_kinks: int = 0
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    input_index: int | None = None
    input_name: str | None = None
    input_shape: tuple | None = None
    element: tuple | None = None
    direction: int | None = None
    analytic: float | None = None
    numeric: float | None = None
    kink: tuple[float, float] | None = None
    jump: float | None = None
    edge: bool = False
    rounding: float | None = None
    note: str = ""
    below_atol: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        tail = (
            f"  worst over {self.n_checked} comparisons: abs error {self.max_abs_error:.3g}, "
            f"rel error {self.max_rel_error:.3g} ({self.n_failed} failed, {self.n_kinks} at kinks, jumps "
            f"or domain edges)\n"
            f"  eps={self.eps:g} (step eps*max(1,|x|)), atol={self.atol:g}, "
            f"rtol={self.rtol:g}, seed={self.seed}"
        )
        if self.ok:
            return f"{self.what} passed\n{tail}"
        if self.note and self.input_name is None:  # (about f, not one input)
            return f"{self.what} failed: {self.note}\n{tail}"
        where = f"{self.input_name} (shape {self.input_shape})"
        if self.note:
            return f"{self.what} failed for {where}: {self.note}\n{tail}"
        at = (f"element {self.element}" if self.element is not None
              else f"random direction {self.direction} (directional derivatives)")
        err = abs(self.analytic - self.numeric)
        values = (
            f"  analytic {self.analytic: .10g}\n  numeric  {self.numeric: .10g}\n"
            f"  |analytic - numeric| = {err:.3g}, allowed atol + rtol*|numeric| = "
            f"{self.atol + self.rtol * abs(self.numeric):.3g}\n"
        )
        if self.rounding is not None:
            return (
                f"{self.what} failed, not necessarily a wrong gradient: {where}, {at}\n"
                f"  rounding f's values alone makes the numeric derivative uncertain by about "
                f"{self.rounding:.3g}, more than the error allowed: f's values are large next to "
                f"their changes\n{values}"
                f"  subtract a constant from f's output (the gradient stays the same) or take a "
                f"larger eps\n{tail}"
            )
        if self.kink is not None:
            left, right = self.kink
            return (
                f"{self.what} failed at a kink, not necessarily a wrong gradient: {where}, {at}\n"
                f"  left derivative {left:.6g} and right derivative {right:.6g} disagree: the "
                f"function is not differentiable within a step of this point\n{values}"
                f"  move the point away from the kink (from 0 for relu/abs, from ties for max)\n{tail}"
            )
        if self.jump is not None:
            return (
                f"{self.what} failed at a jump, not necessarily a wrong gradient: {where}, {at}\n"
                f"  the function jumps by about {self.jump:.6g} within a step of this point (the "
                f"difference across the point does not shrink with the step): it is not continuous "
                f"there, so it has no derivative\n{values}"
                f"  move the point away from the jump (in gradgradcheck: from ties of max, from 0 for "
                f"relu/abs, where the first derivative jumps)\n{tail}"
            )
        if self.edge:
            return (
                f"{self.what} failed at the edge of f's domain, not necessarily a wrong gradient: "
                f"{where}, {at}\n"
                f"  a step of eps from this point gave f a value that is not finite (sqrt or log of a "
                f"negative number?), and the shorter steps that stay inside do not agree with the "
                f"analytic value\n{values}"
                f"  move the point further from the edge, or take a smaller eps\n{tail}"
            )
        return f"{self.what} failed: wrong gradient for {where}, {at}\n{values}{tail}"


# -- the comparison shared by every check ------------------------------------------


@dataclass
class _Tol:
    eps: float
    atol: float
    rtol: float
    unit: float = float(np.finfo(np.float64).eps)  # (the rounding of f's values: its output dtype's)

    def allowed(self, numeric: float) -> float:
        return self.atol + self.rtol * abs(numeric)


def _working_tol(eps: float, atol: float, rtol: float, dtype: np.dtype, who: str) -> _Tol:
    """Step and tolerances for differences of values of `dtype` (the output's precision).

    In float64 they are as given. A coarser output (the function casts down
    inside) makes float64 steps drown in rounding, so the step becomes at least
    cbrt(machine eps), the best step for central differences, and the
    tolerances at least sqrt(machine eps).
    """
    if dtype.itemsize >= 8:
        return _Tol(eps, atol, rtol)
    fine = float(np.finfo(dtype).eps)
    warnings.warn(
        f"{who}: the output is {dtype} although inputs are promoted to float64; "
        f"finite differences at that precision use eps >= {fine ** (1 / 3):.2g} and looser tolerances",
        stacklevel=3,
    )
    return _Tol(max(eps, fine ** (1 / 3)), max(atol, fine ** 0.5), max(rtol, fine ** 0.5), fine)


def _line(phi: Callable[[], float], x: np.ndarray, d: np.ndarray | tuple) -> Callable[[float], float]:
    """t -> phi with `x` moved (in place) to x0 + t d, restored afterwards.

    d is a direction array, or an index tuple standing for the unit vector
    along that element: then only the element moves, and the line holds no
    array of x's size (checking n elements one by one would otherwise build
    and sweep n arrays of n entries: 800 MB and seconds for n = 10,000).
    """
    if isinstance(d, tuple):
        def at_element(t: float) -> float:
            old = x[d]
            x[d] = old + t
            try:
                with np.errstate(all="ignore"):  # (a step out of f's domain: see below)
                    return phi()
            finally:
                x[d] = old

        return at_element
    x0 = x.copy()

    def at(t: float) -> float:
        np.add(x0, t * d, out=x)
        try:
            # A step may leave f's domain (log x at x = 1e-7 with h = 1e-6): the NaN it
            # gives is handled (a smaller step is tried), so numpy's warning about it is
            # the check's noise, not f's, and under -W error it would abort the check.
            with np.errstate(all="ignore"):
                return phi()
        finally:
            x[...] = x0

    return at


def _kink(line: Callable[[float], float], h: float, tol: _Tol) -> tuple[float, float] | None:
    """(left, right) one-sided derivatives if the line has a kink within h of 0, else None.

    For a smooth function the gap between the one-sided differences with step
    s is s * phi'' (to third order): it halves when s halves. A kink at a
    distance d < s leaves a gap of (1 - d/s) times the jump in slope, which
    does not halve (it stays, or vanishes once s < d).
    """
    f0 = line(0.0)

    def sides(s: float) -> tuple[float, float]:
        return (f0 - line(-s)) / s, (line(s) - f0) / s

    left, right = sides(h)
    gaps = [abs(right - left)]
    if not gaps[0] > 10 * tol.allowed(max(abs(left), abs(right))):
        return None
    for s in (h / 2, h / 4):
        l, r = sides(s)
        gaps.append(abs(r - l))
    halving = all(1.5 * b < a < 2.7 * b for a, b in zip(gaps, gaps[1:]))
    return None if halving else (left, right)


def _refine(line: Callable[[float], float], h: float, analytic: float, scale: float,
            tol: _Tol) -> tuple[float | None, bool]:
    """(numeric, agrees): a central difference with a smaller step (h/10 ... h/10**4),
    the first that agrees with `analytic` (agrees=True) or else the last finite one
    whose rounding is small enough (None if there is none).

    A failure with step h may be the step's own error: too large next to the
    distance over which the slope changes (log x at x = 1e-5 with h = 1e-6,
    relu at x = 1e-7: a kink within the step), or crossing the edge of f's
    domain (log x at x = 1e-7: a NaN). A smaller step removes that error but
    adds rounding, scale * unit / s (scale = sum |u_i y_i|): steps are taken only
    while that stays under a quarter of the allowed error, so that a difference
    agreeing with `analytic` is not rounding noise agreeing by chance.
    """
    last = None
    for k in range(1, 5):
        s = h / 10.0**k
        num = (line(s) - line(-s)) / (2 * s)
        if not np.isfinite(num):
            continue
        allowed = tol.allowed(num)
        if tol.unit * scale / s > allowed / 4:
            break
        if abs(analytic - num) <= allowed:
            return num, True
        last = num
    return last, False


def _jump(line: Callable[[float], float], h: float, tol: _Tol) -> float | None:
    """The size of a jump of the line within h of 0 (the change across it), else None.

    For a continuous line the change phi(s) - phi(-s) is about 2 s phi' and halves
    when s halves; across a jump J it stays J, and the central difference J / 2s,
    far beyond any tolerance, doubles. (At the jump itself phi(0) may sit half way,
    as the gradient of max does at a tie: then both one-sided differences agree
    and `_kink` sees nothing.)
    """
    d = [line(s) - line(-s) for s in (h, h / 2, h / 4)]
    if not all(np.isfinite(d)) or not abs(d[2]) / (h / 2) > 10 * tol.allowed(0.0):
        return None
    steady = all(0.8 * abs(b) < abs(a) < 1.25 * abs(b) and a * b > 0 for a, b in zip(d, d[1:]))
    return d[2] if steady else None


@dataclass
class _Miss:
    """One failed comparison."""

    position: int
    where: tuple | int
    analytic: float
    numeric: float
    excess: float  # |analytic - numeric| / allowed
    kink: tuple[float, float] | None = None
    jump: float | None = None
    edge: bool = False
    slot: int = 0  # its place in the list of comparisons


def _compare(
    phi: Callable[[], float],
    arrays: list,
    positions: Sequence[int],
    analytic: dict[int, Any],
    names: Sequence[str],
    tol: _Tol,
    rng: np.random.Generator,
    full_limit: int,
    n_directions: int,
    report: GradcheckReport,
    size: Callable[[], float],
) -> GradcheckReport:
    """Compare analytic gradients of phi with central differences; fill in `report`.

    phi() reads arrays[p] for p in positions (float64 arrays, perturbed in place).
    analytic[p] is the claimed gradient of phi with respect to arrays[p].
    size() is phi with every term's magnitude added (sum |u_i y_i| for
    phi = sum u_i y_i): the scale of the rounding in phi's values.
    """
    misses: list[_Miss] = []
    compared: list[tuple[float, float]] = []  # (analytic, numeric) of every comparison
    lines: dict[tuple, tuple[Callable[[float], float], float]] = {}
    for p in positions:
        x = arrays[p]
        a = np.asarray(analytic[p], dtype=np.float64)
        if a.shape != x.shape:
            report.ok = False
            report.input_index, report.input_name, report.input_shape = p, names[p], x.shape
            report.note = f"the analytic gradient has shape {a.shape}, the input has shape {x.shape}"
            try:
                broadcast = np.broadcast_shapes(a.shape, x.shape) == a.shape
            except ValueError:
                broadcast = False
            if broadcast:
                report.note += (" (the input was broadcast: a VJP must sum its gradient over the "
                                "broadcast axes, as unbroadcast(g, x.shape) in primitives.py does)")
            return report
        # (An infinite entry, max-pooling's -inf border, moves under no finite step: it is
        # left out, else its step would be infinite and every difference NaN.)
        fixed = ~np.isfinite(x)
        if x.size <= full_limit:
            probes = [(idx, idx, tol.eps * max(1.0, abs(float(x[idx]))), float(a[idx]))
                      for idx in np.ndindex(x.shape) if not fixed[idx]]
        else:
            probes = []
            scale = np.maximum(1.0, np.abs(x))
            for k in range(n_directions):
                d = rng.standard_normal(x.shape) * scale
                d[fixed] = 0.0
                probes.append((k, d, tol.eps, float(np.vdot(np.where(fixed, 0.0, a), d))))
        largest = 0.0
        for where, d, h, an in probes:
            line = _line(phi, x, d)
            num = (line(h) - line(-h)) / (2 * h)
            err = abs(an - num)
            report.n_checked += 1
            compared.append((an, num))
            big = max(abs(an), abs(num))
            largest = big if not big <= largest else largest  # (NaN sticks)
            if not err <= tol.allowed(num):  # NaN fails too
                allowed = tol.allowed(num)  # (0 with atol=0 at a zero derivative)
                misses.append(_Miss(p, where, an, num, err / allowed if allowed > 0 else np.inf,
                                    slot=len(compared) - 1))
                lines[(p, where)] = (line, h)
        if probes and largest <= tol.atol:
            report.below_atol.append(f"{names[p]} (shape {x.shape})")
    scale: float | None = None
    kept = []
    for m in misses:
        line, h = lines[(m.position, m.where)]
        scale = size() if scale is None else scale
        better, agrees = _refine(line, h, m.analytic, scale, tol)
        if agrees:
            compared[m.slot] = (m.analytic, better)
            continue
        # (a step that made f's value not finite, where the analytic value is finite, left
        # f's domain: sqrt x at x = 1e-10 with h = 1e-6)
        m.edge = not np.isfinite(m.numeric) and bool(np.isfinite(m.analytic))
        if better is not None and not np.isfinite(m.numeric):  # (a NaN says less than a number)
            allowed = tol.allowed(better)
            m.numeric, m.excess = better, abs(m.analytic - better) / allowed if allowed > 0 else np.inf
            compared[m.slot] = (m.analytic, better)
        m.kink = _kink(line, h, tol)
        m.jump = None if m.kink is not None else _jump(line, h, tol)
        kept.append(m)
    misses = kept
    for an, num in compared:
        err, big = abs(an - num), max(abs(an), abs(num))
        report.max_abs_error = max(report.max_abs_error, err) if err == err else np.nan
        if big > tol.atol:
            report.max_rel_error = max(report.max_rel_error, err / big)
    report.n_failed = len(misses)
    report.n_kinks = sum(m.kink is not None or m.jump is not None or m.edge for m in misses)
    report.ok = not misses
    if misses:
        wrong = [m for m in misses if m.kink is None and m.jump is None and not m.edge] or misses
        worst = max(wrong, key=lambda m: m.excess if m.excess == m.excess else np.inf)
        p = worst.position
        report.input_index, report.input_name, report.input_shape = p, names[p], arrays[p].shape
        if isinstance(worst.where, tuple):
            report.element = worst.where
        else:
            report.direction = worst.where
        report.analytic, report.numeric, report.kink = worst.analytic, worst.numeric, worst.kink
        report.jump, report.edge = worst.jump, worst.edge
        # (checked for a kink too: rounding that large also makes one-sided differences disagree)
        _, h = lines[(p, worst.where)]
        rounding = tol.unit * size() / h  # (each of the two values rounds by about unit * size)
        if rounding > tol.allowed(worst.numeric):
            report.rounding = rounding
    return report


def _warn_below_atol(report: GradcheckReport, n_inputs: int) -> None:
    """Warn when every derivative compared is within atol of 0: a check that passes
    then says nothing (an f that ignores its argument and reads a tensor it closes
    over, such as a layer's own weight; an output scaled by 1e-8). (One input of
    several with zero derivatives, as the loser of a maximum, is not warned about:
    its name is in report.below_atol.)"""
    if report.n_checked and len(report.below_atol) == n_inputs:
        warnings.warn(
            f"{report.what}: every derivative compared (analytic and numeric), with respect to "
            f"{', '.join(report.below_atol)}, is at most atol={report.atol:g} in size, so no error "
            "smaller than atol can show; if f should depend on its inputs (does f use its arguments, "
            "not tensors it closes over?), scale f's output up or lower atol",
            stacklevel=4,
        )


def _verdict(report: Any, raise_exception: bool) -> bool:
    if not report.ok and raise_exception:
        raise GradcheckError(report)
    return report.ok


# -- inputs and functions ---------------------------------------------------------------


def _prepare(inputs: Any, who: str, all_floats: bool = False) -> tuple[list[np.ndarray], list[bool], bool]:
    """float64 copies of the floating inputs, which of them to differentiate, and
    whether a single input (not a sequence) was given.

    A floating ndarray or number is differentiated; a Tensor only if it requires
    grad (or with `all_floats`, whenever it is floating). Integer and boolean
    inputs pass through unchanged.
    """
    single = not isinstance(inputs, (tuple, list))
    items = [inputs] if single else list(inputs)
    arrays, checked, coarse = [], [], []
    for i, item in enumerate(items):
        arr = item.data if isinstance(item, Tensor) else np.asarray(item)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{who}: input {i} has dtype {arr.dtype}; expected a real number type")
        floating = arr.dtype.kind == "f"
        if floating and arr.dtype.itemsize < 8:
            coarse.append(f"input {i} is {arr.dtype}")
        arrays.append(arr.astype(np.float64) if floating else arr.copy())
        wanted = item.requires_grad if isinstance(item, Tensor) and not all_floats else floating
        checked.append(bool(wanted))
    if coarse:
        warnings.warn(
            f"{who}: {', '.join(coarse)}; promoted to float64, since finite differences "
            "in lower precision are too inaccurate to check gradients. f and its VJPs then run "
            "in float64, so a VJP wrong only in lower precision passes: to check that path, "
            "pass float64 and cast inside f (lambda t: f(t.astype(np.float32)))",
            stacklevel=3,
        )
    if not any(checked):
        raise ValueError(
            f"{who}: nothing to differentiate; pass floating ndarrays or tensors with requires_grad=True"
        )
    return arrays, checked, single


def _output(f: Callable[..., Any], args: list, who: str, shape: tuple | None = None) -> Tensor:
    out = f(*args)
    if isinstance(out, (tuple, list)):
        out = _joined(out, who)
    if not isinstance(out, Tensor):
        raise TypeError(f"{who}: f must return a Tensor, got {type(out).__name__}")
    if out.dtype.kind != "f":
        raise TypeError(f"{who}: f must return a floating tensor, got dtype {out.dtype}")
    if shape is not None and out.shape != shape:
        raise ValueError(f"{who}: f returned shape {out.shape} at a perturbed point, {shape} at the input")
    return out


def _joined(outs: tuple | list, who: str) -> Tensor:
    """Several outputs of f as one: the floating tensors flattened and joined in order
    (integer and boolean ones, such as argmax indices, carry no gradient and are left out).
    A wrong gradient of any of them shows in the joined one."""
    if not all(isinstance(o, Tensor) for o in outs):
        kinds = ", ".join(type(o).__name__ for o in outs)
        raise TypeError(f"{who}: f must return a Tensor or a tuple/list of Tensors, got ({kinds})")
    floating = [o.reshape(-1) for o in outs if o.dtype.kind == "f"]
    if not floating:
        raise TypeError(f"{who}: f returned {len(outs)} outputs, none of them floating")
    return concatenate(floating) if len(floating) > 1 else floating[0]


def _output_count(f: Callable[..., Any], arrays: list) -> int:
    """How many floating outputs f returns (1 for a single Tensor)."""
    out = f(*_wrap_all(arrays))
    if not isinstance(out, (tuple, list)):
        return 1
    return sum(isinstance(o, Tensor) and o.dtype.kind == "f" for o in out)


def _which_output(f: Callable[..., Any], arrays: list, checked: list[bool], names: list[str],
                  report: GradcheckReport, eps: float, atol: float, rtol: float, full_limit: int,
                  n_directions: int) -> GradcheckReport:
    """For an f with several outputs whose joined check failed: the report of the first
    output that fails checked alone (its `what` names the output), else `report`."""
    k = _output_count(f, arrays)
    if k < 2:
        return report

    def single(j: int) -> Callable[..., Tensor]:
        def fj(*args: Tensor) -> Tensor:
            outs = [o for o in f(*args) if isinstance(o, Tensor) and o.dtype.kind == "f"]
            return outs[j]
        return fj

    for j in range(k):
        what = f"{report.what} (output {j} of f's {k} floating outputs)"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            alone = _check_function(single(j), [a.copy() for a in arrays], checked, names, what,
                                    eps, atol, rtol, report.seed, full_limit, n_directions)
        if not alone.ok:
            return alone
    return report


def _repeatable_output(f: Callable[..., Any], arrays: list, leaves: list[Tensor], who: str) -> Tensor:
    """f(*leaves) (leaves wrap `arrays`); raise ValueError if f changed its inputs,
    or gives another output at the same point.

    Finite differences compare f at nearby points, so a function that writes into
    its inputs (through .data) or draws random numbers (dropout in training mode)
    turns every difference into noise, which the check would otherwise report as
    a wrong gradient or a kink. (Differences at the level of rounding pass: they
    move a difference by far less than atol.)
    """
    before = [a.copy() for a in arrays]
    out = _output(f, leaves, who)
    for i, (now, was) in enumerate(zip(arrays, before)):
        if not np.array_equal(now, was, equal_nan=True):
            raise ValueError(
                f"{who}: f changed input {i} (shape {was.shape}) in place; finite differences "
                "need f to leave its inputs alone (compute x * 2, do not write into x.data)"
            )
    first = out.data.astype(np.float64)
    again = _output(f, _wrap_all(arrays), who, out.shape).data.astype(np.float64)
    scale = float(np.max(np.abs(first), initial=0.0, where=np.isfinite(first)))
    if not np.allclose(again, first, rtol=1e-9, atol=1e-12 * scale, equal_nan=True):
        with np.errstate(invalid="ignore"):
            gap = float(np.nanmax(np.abs(again - first)))
        raise ValueError(
            f"{who}: f gave different outputs in two calls at the same input (largest difference "
            f"{gap:.3g}), so finite differences of it mean nothing; a random op (dropout in training "
            "mode) must draw the same numbers on every call: call am.manual_seed inside f, or use eval mode"
        )
    return out


def _backward_trouble(
    arrays: list[np.ndarray], before: list[np.ndarray], analytic: dict[int, Any], positions: Sequence[int],
    f: Callable[..., Any], checked: list[bool], backward: Callable[[Tensor, list], dict[int, Any]],
    what: str,
) -> tuple[int, str] | None:
    """(input, what is wrong) when the backward pass cannot be trusted, else None.

    Two mistakes of a hand-written VJP that a comparison with differences would
    only report as a wrong gradient, at some element: a VJP that writes into a
    saved input (np.multiply(x, g, out=x)), which moves the point the
    differences are taken at, and one whose result changes from call to call
    (random numbers, state read from outside), which no tolerance makes right.
    PyTorch's gradcheck checks the second as "backward is not reentrant".
    A second backward pass at the same point must agree with the first to
    rounding (as two forward calls must).
    """
    for i, (now, was) in enumerate(zip(arrays, before)):
        if not np.array_equal(now, was, equal_nan=True):
            arrays[i][...] = was  # (the point the report speaks of)
            return i, ("the backward pass changed this input in place (a VJP wrote into a saved "
                       "array, np.multiply(x, g, out=x) or x *= g); a VJP must compute new arrays")
    xs = _wrap_all(arrays, checked)
    again = backward(_output(f, xs, what), xs)
    for p in positions:
        first = np.asarray(analytic[p], dtype=np.float64)
        second = np.asarray(again[p], dtype=np.float64)
        if first.shape != second.shape:
            continue  # (reported by the comparison)
        scale = float(np.max(np.abs(first), initial=0.0, where=np.isfinite(first)))
        if not np.allclose(second, first, rtol=1e-9, atol=1e-12 * scale, equal_nan=True):
            with np.errstate(invalid="ignore"):
                gap = float(np.nanmax(np.abs(second - first)))
            return p, (f"two backward passes at the same point gave different gradients for this input "
                       f"(largest difference {gap:.3g}): a VJP is not deterministic (random numbers, "
                       "or state it reads that changes between calls)")
    return None


def _wrap_all(arrays: list[np.ndarray], grad_flags: Sequence[bool] = ()) -> list[Tensor]:
    ts = [Tensor._wrap(a) for a in arrays]
    for t, flag in zip(ts, grad_flags):
        t.requires_grad = bool(flag)
    return ts


def _check_function(
    f: Callable[..., Tensor], arrays: list[np.ndarray], checked: list[bool], names: list[str],
    what: str, eps: float, atol: float, rtol: float, seed: int | None,
    full_limit: int, n_directions: int, rng: np.random.Generator | None = None,
    inner_dtype: np.dtype | None = None, create_graph: bool = False,
) -> GradcheckReport:
    """gradcheck on prepared float64 arrays (shared by gradcheck and gradgradcheck).

    inner_dtype: a precision f passes through inside (gradgradcheck: the dtype
    of the differentiated function's output); the coarser of it and f's output
    dtype sets the step and tolerances. create_graph: take the analytic
    gradient as a recorded one (the VJPs' Tensor path) instead of plain arrays.
    """
    _check_tolerances(what, eps, atol, rtol)
    _check_sampling(what, full_limit, n_directions)
    seed = _seed(seed)
    rng = rng or np.random.default_rng(seed)
    leaves = _wrap_all(arrays, checked)
    out = _repeatable_output(f, arrays, leaves, what)
    bad = ~np.isfinite(out.data)
    if bad.any():  # (every difference of <u, f> would be NaN, blamed on some input's element)
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        report = GradcheckReport(False, what, eps, atol, rtol, seed)
        report.note = (
            f"f's output (shape {out.shape}) has {int(bad.sum())} non-finite entries at the input, the "
            f"first at {at} ({out.data[at]}), so no difference of it is finite; check f where it is finite"
        )
        return report
    u = _cotangent(rng, out.shape)
    positions = [i for i, c in enumerate(checked) if c]

    def backward(y: Tensor, xs: list[Tensor]) -> dict[int, Any]:
        grads: dict[int, Any] = {p: np.zeros_like(arrays[p]) for p in positions}
        if y.requires_grad:
            found = autograd.grad(
                y, [xs[p] for p in positions],
                grad_outputs=Tensor._wrap(u.astype(y.dtype)), allow_unused=True, create_graph=create_graph,
            )
            for p, g in zip(positions, found):
                if g is not None:
                    grads[p] = g.data
        return grads

    before = [a.copy() for a in arrays]
    analytic = backward(out, leaves)
    trouble = _backward_trouble(arrays, before, analytic, positions, f, checked, backward, what)
    if trouble is not None:
        p, note = trouble
        report = GradcheckReport(False, what, eps, atol, rtol, seed)
        report.input_index, report.input_name, report.input_shape = p, names[p], arrays[p].shape
        report.note = note
        return report
    dtype = out.dtype if inner_dtype is None or out.dtype.itemsize <= inner_dtype.itemsize else inner_dtype
    tol = _working_tol(eps, atol, rtol, dtype, what)

    def phi() -> float:
        y = _output(f, _wrap_all(arrays), what, out.shape)
        return float(np.vdot(u, y.data.astype(np.float64)))

    def size() -> float:
        return float(np.vdot(np.abs(u), np.abs(_output(f, _wrap_all(arrays), what, out.shape).data)))

    report = GradcheckReport(True, what, tol.eps, tol.atol, tol.rtol, seed)
    report = _compare(phi, arrays, positions, analytic, names, tol, rng, full_limit, n_directions, report, size)
    if out.size == 0:
        report.below_atol.clear()  # (an empty output has no derivative that could be wrong)
    return report


def _check_tolerances(what: str, eps: Any, atol: Any = 0.0, rtol: Any = 0.0) -> None:
    """Raise ValueError unless eps > 0 and atol, rtol >= 0, all finite numbers."""
    for name, value, lowest in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        if not (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
                and np.isfinite(value) and (value > 0 if lowest == "> 0" else value >= 0)):
            raise ValueError(f"{what}: {name} must be a finite number {lowest}, got {value!r}")


def _check_sampling(what: str, full_limit: Any, n_directions: Any) -> None:
    """Raise ValueError unless full_limit >= 0 and n_directions >= 1 are ints: with no
    direction an input larger than full_limit is not compared at all, and the check
    would pass whatever its gradient."""
    for name, value, lowest in (("full_limit", full_limit, 0), ("n_directions", n_directions, 1)):
        if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= lowest):
            raise ValueError(f"{what}: {name} must be an int >= {lowest}, got {value!r}")


def _cotangent(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """A random cotangent u for <u, f>: random signs, sizes in [0.5, 1.5]. Never near 0: an
    entry of a standard normal can be (1e-4 once in 10,000 draws), and for a one-element
    output that makes every derivative compared tiny, so that the check warns it can test
    nothing (a hypothesis test of a scalar then failed at random under -W error)."""
    return np.array(rng.uniform(0.5, 1.5, shape) * rng.choice((-1.0, 1.0), shape))  # (0-d too)


def _seed(seed: int | None) -> int:
    """The seed to use: as given, or drawn from the library generator (so am.manual_seed fixes it)."""
    return int(generator().integers(2**31)) if seed is None else int(seed)


# -- public checks ----------------------------------------------------------------------


@enable_grad()  # a check inside am.no_grad() still differentiates
def gradcheck(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    *,
    seed: int | None = None,
    full_limit: int = 64,
    n_directions: int = 3,
) -> bool:
    """Check the reverse-mode gradient of `f` at `inputs` against central differences.

    f: takes one Tensor per input (positionally: bind other arguments with a
    lambda or functools.partial) and returns a floating Tensor of any shape, or
    a tuple/list of Tensors (the floating ones are checked flattened and joined,
    integer ones such as indices left out; a failure names the output).
    inputs: a Tensor, ndarray or number, or a tuple/list of them. Floating
    ndarrays and tensors with requires_grad are checked (promoted to float64,
    with a warning for float32/float16: f and its VJPs then run in float64; to
    check a float32 path, pass float64 and cast inside f, where the step and
    tolerances adapt to the float32 output); other tensors and integer arrays
    are passed through as constants.
    What is compared is d<u, f(x)>/dx for a random cotangent u drawn from
    `seed` (None: from the library generator, so am.manual_seed fixes it): every
    element of inputs with at most `full_limit` elements, `n_directions` random
    directional derivatives of larger ones (see the module docstring; ints,
    full_limit >= 0 and n_directions >= 1, else ValueError).
    eps is a relative step: element x_i moves by h = eps * max(1, |x_i|) (a
    direction d by eps, its entries scaled by max(1, |x_i|)). A comparison passes
    when |analytic - numeric| <= atol + rtol * |numeric|, as in PyTorch (whose
    defaults these are too); a failure is retried with steps down to h/10**4
    before it counts, and one at a kink (relu at 0) is reported as such.
    The backward is run twice and must give the same gradient both times and
    leave the inputs as they were (a VJP with random numbers, or one writing
    into a saved array, fails with a note saying so).
    Returns True when everything agrees. Otherwise raises GradcheckError (an
    AssertionError) whose `.report` (a GradcheckReport) names the input, the
    element, the analytic and numeric values, the worst absolute and relative
    errors, eps and seed, and says when the failure is at a kink; with
    raise_exception=False it returns False instead. f must give the same
    output on every call at the same point and leave its inputs alone (a
    random op or a write into .data raises ValueError: its differences are noise).
    When every derivative compared is at most atol in size the check can see no
    error smaller than atol, and it warns (scale f up or lower atol).
    """
    _flag(raise_exception, "raise_exception", "gradcheck")  # (before the check, not after it)
    arrays, checked, _ = _prepare(inputs, "gradcheck")
    names = [f"input {i}" for i in range(len(arrays))]
    report = _check_function(f, arrays, checked, names, "gradcheck", eps, atol, rtol, seed,
                             full_limit, n_directions)
    if not report.ok:  # (several outputs, joined: say which is wrong)
        report = _which_output(f, arrays, checked, names, report, eps, atol, rtol, full_limit, n_directions)
    _warn_below_atol(report, sum(checked))
    return _verdict(report, raise_exception)


@enable_grad()  # a check inside am.no_grad() still differentiates
def gradgradcheck(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    *,
    seed: int | None = None,
    full_limit: int = 64,
    n_directions: int = 3,
) -> bool:
    """Check second derivatives: gradcheck of g(x, u) = d<u, f(x)>/dx.

    With a random first cotangent u (the shape of f's output), g returns the
    gradients of <u, f(x)> with respect to the checked inputs, flattened and
    joined, computed with create_graph=True. Checking g with respect to x tests
    the Hessian-vector products of f; with respect to u it tests the
    Jacobian-vector products (forward mode). Arguments and report as in
    gradcheck; the report calls the extra input "cotangent u".

    First the recorded gradient itself is checked against central differences
    of f: the second-order check differentiates that gradient and compares with
    differences of it, so on its own it would pass a recorded gradient that is
    wrong but consistent with its own derivative. That first step takes the
    gradient with create_graph=True, through the VJPs' Tensor path: a VJP's
    ndarray-only branch (`type(g) is np.ndarray`), which plain backward takes,
    is checked by gradcheck, not here, so test an op with both.
    """
    _check_tolerances("gradgradcheck", eps, atol, rtol)
    _check_sampling("gradgradcheck", full_limit, n_directions)
    _flag(raise_exception, "raise_exception", "gradgradcheck")
    arrays, checked, _ = _prepare(inputs, "gradgradcheck")
    seed = _seed(seed)
    rng = np.random.default_rng(seed)
    first = _check_function(f, arrays, checked, [f"input {i}" for i in range(len(arrays))],
                            "gradgradcheck (the recorded first derivative)", eps, atol, rtol, seed,
                            full_limit, n_directions, rng, create_graph=True)
    _warn_below_atol(first, sum(checked))
    if not first.ok:
        return _verdict(first, raise_exception)
    out = _output(f, _wrap_all(arrays), "gradgradcheck")
    u = _cotangent(rng, out.shape)
    positions = [i for i, c in enumerate(checked) if c]

    def g(*args: Tensor) -> Tensor:
        xs, ut = list(args[:-1]), args[-1]
        for p in positions:  # the inner derivative needs x to require grad, also at perturbed points
            if not xs[p].requires_grad:
                xs[p] = Tensor._wrap(xs[p].data)
                xs[p].requires_grad = True
        y = _output(f, xs, "gradgradcheck", out.shape)
        flat = sum(xs[p].size for p in positions)
        if not y.requires_grad:
            return Tensor._wrap(np.zeros(flat))
        grads = autograd.grad(y, [xs[p] for p in positions], grad_outputs=ut.astype(y.dtype),
                              create_graph=True, allow_unused=True)
        parts = [gr.reshape(-1) if gr is not None else Tensor._wrap(np.zeros(xs[p].size))
                 for p, gr in zip(positions, grads)]
        return concatenate(parts)

    names = [f"input {i}" for i in range(len(arrays))] + ["cotangent u"]
    report = _check_function(g, arrays + [u], checked + [True], names, "gradgradcheck", eps, atol,
                             rtol, seed, full_limit, n_directions, rng, out.dtype)
    if report.ok:
        report = _check_mixed(f, arrays, checked, names, eps, atol, rtol, seed, n_directions, rng, report)
    return _verdict(report, raise_exception)


def _check_mixed(
    f: Callable[..., Tensor], arrays: list[np.ndarray], checked: list[bool], names: list[str],
    eps: float, atol: float, rtol: float, seed: int, n_directions: int, rng: np.random.Generator,
    report: GradcheckReport,
) -> GradcheckReport:
    """Compare <v, H w> (H the recorded Hessian of phi = <u, f>) with mixed second
    differences of f itself, for n_directions random pairs (v, w) over the checked inputs.

    The check of g = d phi/dx above differences g, the recorded gradient: a VJP
    that is right at the input but not near it (g A + A g for A @ A, right where A
    is symmetric) passes it, since the recorded second derivative is that of the
    wrong g, and so do its differences. Only differences of f see the true H:
    (phi(x+hv+hw) - phi(x+hv-hw) - phi(x-hv+hw) + phi(x-hv-hw)) / 4h^2, with steps
    h = 10 unit^(1/4), h/10, ... while the rounding unit * sum |u_i y_i| / h^2 stays
    under a quarter of the allowed error. The pair fails only when two successive
    steps agree with each other (within a tenth of the allowed error: so that this is
    the difference converging, not two rough ones near each other by chance) and
    not with <v, H w>: differences that change with
    the step (a tie of max or a kink within it, where f is not twice differentiable)
    say nothing, and neither do steps that are not finite or not that precise. For a
    float32 output the tolerances are at least 10 sqrt(unit) = 3.5e-3, since second
    differences at that precision are good to about sqrt(unit).
    """
    positions = [i for i, c in enumerate(checked) if c and arrays[i].size]
    out = _output(f, _wrap_all(arrays), "gradgradcheck")
    if not positions or not out.size:
        return report
    tol = _Tol(eps, atol, rtol)
    if out.dtype.itemsize < 8:  # (second differences are good to about sqrt(unit) at best)
        fine = float(np.finfo(out.dtype).eps)
        tol = _Tol(eps, max(atol, 10 * fine ** 0.5), max(rtol, 10 * fine ** 0.5), fine)
    u = _cotangent(rng, out.shape)
    base = {p: arrays[p].copy() for p in positions}
    size = float(np.vdot(np.abs(u), np.abs(out.data.astype(np.float64))))

    def phi() -> float:
        with np.errstate(all="ignore"):
            return float(np.vdot(u, _output(f, _wrap_all(arrays), "gradgradcheck", out.shape).data))

    # Each entry moves in proportion to max(1, |x|); an infinite entry (max-pooling's -inf
    # border) does not move at all, as in _compare (a scale of inf made every direction NaN,
    # and the check passed without comparing anything).
    scales = {p: np.where(np.isfinite(base[p]), np.maximum(1.0, np.abs(base[p])), 0.0) for p in positions}
    total = sum(float(np.vdot(m, m)) for m in scales.values())
    if not total:
        return report

    def unit_direction() -> dict[int, np.ndarray]:
        d = {p: rng.standard_normal(m.shape) * m for p, m in scales.items()}
        norm = np.sqrt(sum(float(np.vdot(z, z)) for z in d.values()) / total)
        return {p: z / norm for p, z in d.items()}

    def at(a: float, v: dict, b: float, w: dict) -> float:
        for p in positions:
            np.add(base[p], a * v[p] + b * w[p], out=arrays[p])
        try:
            return phi()
        finally:
            for p in positions:
                arrays[p][...] = base[p]

    for k in range(n_directions):
        v, w = unit_direction(), unit_direction()
        xs = _wrap_all(arrays, checked)
        y = _output(f, xs, "gradgradcheck")
        analytic = 0.0
        if y.requires_grad:
            firsts = autograd.grad(y, [xs[p] for p in positions], grad_outputs=Tensor._wrap(u.astype(y.dtype)),
                                   create_graph=True, allow_unused=True)
            s = None
            for p, gr in zip(positions, firsts):
                if gr is not None:
                    term = (gr * Tensor._wrap(w[p].astype(gr.dtype))).sum()
                    s = term if s is None else s + term
            if s is not None and s.requires_grad:
                seconds = autograd.grad(s, [xs[p] for p in positions], allow_unused=True)
                analytic = sum(float(np.vdot(sec.data.astype(np.float64), v[p]))
                               for p, sec in zip(positions, seconds) if sec is not None)
        numeric, previous = None, None
        h0 = 10 * tol.unit ** 0.25
        for j in range(10):
            h = h0 / 10.0**j
            num = (at(h, v, h, w) - at(h, v, -h, w) - at(-h, v, h, w) + at(-h, v, -h, w)) / (4 * h * h)
            if not np.isfinite(num):
                continue
            if tol.unit * size / (h * h) > tol.allowed(num) / 4:
                break
            if abs(analytic - num) <= tol.allowed(num):
                break
            if previous is not None and abs(previous - num) <= tol.allowed(num) / 10:
                numeric = num  # (two steps agree closely with each other, not with the recorded H)
                break
            previous = num
        report.n_checked += 1
        if numeric is None:
            continue
        err = abs(analytic - numeric)
        report.ok = False
        report.n_failed += 1
        report.max_abs_error = max(report.max_abs_error, err)
        report.max_rel_error = max(report.max_rel_error, err / max(abs(analytic), abs(numeric)))
        report.what = "gradgradcheck (<v, H w>, H the recorded second derivative, against mixed differences of f)"
        report.input_index = positions[0] if len(positions) == 1 else None
        report.input_name = (names[positions[0]] if len(positions) == 1
                             else "inputs " + ", ".join(str(p) for p in positions) + " jointly")
        report.input_shape = (arrays[positions[0]].shape if len(positions) == 1
                              else tuple(arrays[p].shape for p in positions))
        report.direction, report.analytic, report.numeric = k, analytic, numeric
        return report
    return report


def numerical_grad(f: Callable[..., Tensor], inputs: Any, eps: float = 1e-6) -> Any:
    """Central-difference gradient of s = sum(f(*inputs)) with respect to each floating input.

    For a single-element f that is df/dx; for a larger output it is the
    gradient of the sum of its elements (of all floating outputs, when f
    returns a tuple/list of Tensors). Computed in float64 element by
    element with step eps * max(1, |x_i|) (2 evaluations of f per element).
    Returns a float64 ndarray shaped like the input when `inputs` is a single
    Tensor/ndarray/number, else a tuple with one entry per input (None for
    integer and boolean inputs). Tensors are differentiated whether or not
    they require grad.
    """
    _check_tolerances("numerical_grad", eps)
    arrays, floating, single = _prepare(inputs, "numerical_grad", all_floats=True)
    _repeatable_output(f, arrays, _wrap_all(arrays), "numerical_grad")

    def phi() -> float:
        return float(np.sum(_output(f, _wrap_all(arrays), "numerical_grad").data, dtype=np.float64))

    grads: list[np.ndarray | None] = []
    for x, fl in zip(arrays, floating):
        if not fl:
            grads.append(None)
            continue
        gx = np.empty_like(x)
        for idx in np.ndindex(x.shape):
            h = eps * max(1.0, abs(float(x[idx])))
            line = _line(phi, x, idx)
            gx[idx] = (line(h) - line(-h)) / (2 * h)
        grads.append(gx)
    return grads[0] if single else tuple(grads)


# -- auditing a recorded graph node by node ---------------------------------------------


@dataclass
class NodeCheck:
    """The check of one node's VJPs: `error` is the worst |analytic - numeric| over its
    differentiated inputs (NaN when skipped), `report` the details (None when skipped)."""

    index: int
    node: Node
    op: str
    scope: tuple
    input_shapes: tuple
    ok: bool
    error: float
    report: GradcheckReport | None
    note: str = ""

    def describe(self) -> str:
        shapes = ", ".join(str(s) for s in self.input_shapes)
        scope = f" in {'/'.join(map(scope_label, self.scope))}" if self.scope else ""
        return f"node {self.index} '{self.op}'{scope} (inputs {shapes})"


@dataclass
class GraphReport:
    """Result of check_graph: one NodeCheck per node in forward order (inputs first).

    errors maps each Node to its worst absolute error (for colouring drawings);
    first_failure is the earliest node in forward order whose VJP disagrees with
    finite differences, None when all agree.
    """

    nodes: list[NodeCheck] = field(default_factory=list)
    errors: dict[Node, float] = field(default_factory=dict)
    first_failure: Node | None = None

    @property
    def ok(self) -> bool:
        return self.first_failure is None

    @property
    def failed(self) -> list[NodeCheck]:
        return [c for c in self.nodes if not c.ok]

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = []
        if self.ok:
            lines.append(f"check_graph: all {len(self.nodes)} nodes agree with finite differences")
        else:
            first = self.failed[0]
            lines.append(
                f"check_graph: {len(self.failed)} of {len(self.nodes)} nodes have a wrong VJP; "
                f"the first is {first.describe()}, error {first.error:.3g}"
            )
            lines.append("  " + str(first.report).replace("\n", "\n  "))
        for c in self.nodes:
            status = "ok" if c.ok else "FAILED"
            if c.report is None:
                status = f"skipped ({c.note})"
            lines.append(f"  {c.describe()}: max error {c.error:.3g} {status}")
        return "\n".join(lines)


def _node_array(x: Any) -> Any:
    """A float64 copy of a node input's value (integer and boolean values unchanged)."""
    arr = x.data if isinstance(x, Tensor) else x
    if isinstance(arr, (np.ndarray, np.generic)) and arr.dtype.kind == "f":
        return arr.astype(np.float64)
    return arr.copy() if isinstance(arr, np.ndarray) else arr


def _check_node(
    index: int, node: Node, tol: _Tol, seed: int, rng: np.random.Generator,
    full_limit: int, n_directions: int,
) -> NodeCheck:
    """Check each VJP of `node` on its saved inputs against differences of its forward."""
    prim, params, inputs = node.prim, node.params, node.inputs
    shapes = tuple(np.shape(x.data if isinstance(x, Tensor) else x) for x in inputs)
    arrays = [_node_array(x) for x in inputs]
    positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    names = [f"input {i}" for i in range(len(inputs))]
    what = f"check_graph: node {index} '{prim.name}'"

    def result(report: GradcheckReport | None, note: str = "") -> NodeCheck:
        error = np.nan if report is None else report.max_abs_error
        if report is not None and report.note:
            error = np.inf
        ok = report is None or report.ok
        return NodeCheck(index, node, prim.name, node.scope, shapes, ok, error, report, note)

    if prim.fwd is autograd.function._forward_of_ctx:
        # (its node holds the output the Python forward computed once: nothing to rerun)
        return result(None, "a custom autograd.Function, whose forward cannot be rerun here; "
                            "gradcheck it through its .apply")
    kept = [a.copy() if isinstance(a, np.ndarray) else None for a in arrays]
    ans = np.asarray(prim.fwd(*arrays, **params))
    if ans.dtype.kind != "f":
        return result(None, f"output dtype {ans.dtype} carries no gradient")
    # A forward that writes into its inputs or draws random numbers makes every
    # difference of it noise, which would be reported as a wrong VJP.
    trouble = _changed(arrays, kept, "the forward changed it in place (it must compute new arrays)")
    if trouble is None:
        again = np.asarray(prim.fwd(*arrays, **params), dtype=np.float64)
        first = ans.astype(np.float64)
        scale = float(np.max(np.abs(first), initial=0.0, where=np.isfinite(first)))
        if again.shape != first.shape or not np.allclose(again, first, rtol=1e-9, atol=1e-12 * scale,
                                                         equal_nan=True):
            trouble = (positions[0] if positions else 0,
                       "the forward gave different outputs in two calls on the same inputs (random "
                       "numbers?), so its differences mean nothing")
        trouble = trouble or _changed(arrays, kept, "the forward changed it in place (it must compute "
                                                    "new arrays)")
    if trouble is not None:
        report = GradcheckReport(False, what, tol.eps, tol.atol, tol.rtol, seed)
        report.input_index, report.input_name, report.input_shape = trouble[0], names[trouble[0]], shapes[trouble[0]]
        report.note = trouble[1]
        return result(report)
    tol = _working_tol(tol.eps, tol.atol, tol.rtol, ans.dtype, "check_graph")
    # The VJPs are checked as the backward pass runs them: on the saved values in
    # their own dtype (a float32 graph's VJPs in float32, where a VJP may go wrong that
    # float64 hides), against differences in float64, with tolerances for that
    # precision's rounding of the VJP (as for an f computing in float32 in gradcheck).
    native = [x.data if isinstance(x, Tensor) else x for x in inputs]
    coarse = [np.finfo(a.dtype).eps for a in native
              if isinstance(a, (np.ndarray, np.generic)) and a.dtype.kind == "f" and a.dtype.itemsize < 8]
    ans_native = ans
    if coarse:
        ans_native = np.asarray(prim.fwd(*native, **params))
        fine = float(max(coarse)) ** 0.5
        tol = _Tol(tol.eps, max(tol.atol, fine), max(tol.rtol, fine), tol.unit)
    g = _cotangent(rng, ans.shape).astype(ans_native.dtype)
    # Output entries that are infinite at the saved inputs (the -inf border max_pool2d
    # pads with, and the windows over it) are left out of <g, fwd>: no difference of
    # them is finite, and for the VJP they carry no cotangent.
    finite: np.ndarray | None = np.isfinite(ans) & np.isfinite(ans_native)
    if finite.all():
        finite = None
    else:
        g[~finite] = 0
    report = GradcheckReport(True, what, tol.eps, tol.atol, tol.rtol, seed)
    analytic: dict[int, Any] = {}
    given = native if coarse else arrays
    for p in positions:
        vjp = prim.vjps[p]
        # (copies: a VJP that writes into g or a saved input is named for it, and the check
        # does not go on with the values it wrote)
        g_in = g.copy()
        inputs_in = [a.copy() if isinstance(a, np.ndarray) else None for a in given]
        try:
            if vjp is None:
                raise RuntimeError("the primitive declares no VJP for this input, yet it requires grad")
            analytic[p] = np.asarray(vjp(g_in, ans_native.copy(), *given, **params))
            wrote = None if np.array_equal(g_in, g, equal_nan=True) else (
                "its cotangent g (g *= ...): the backward pass hands one g to several consumers, so "
                "that changes other gradients")
            changed = _changed(given, inputs_in, "")
            if wrote is None and changed is not None:
                wrote = f"input {changed[0]}, a value saved for the backward pass"
                for a, b in zip(given, inputs_in):
                    if b is not None:
                        a[...] = b
            if wrote is not None:
                raise _Untrusted(f"the VJP wrote into {wrote}; a VJP must compute new arrays")
            again = np.asarray(vjp(g.copy(), ans_native.copy(), *given, **params), dtype=np.float64)
            first = analytic[p].astype(np.float64)
            scale = float(np.max(np.abs(first), initial=0.0, where=np.isfinite(first)))
            if again.shape == first.shape and not np.allclose(again, first, rtol=1e-9, atol=1e-12 * scale,
                                                              equal_nan=True):
                raise _Untrusted("the VJP gave different gradients in two calls on the same values: it "
                                 "is not deterministic (random numbers, or state it reads that changes "
                                 "between calls)")
        except Exception as e:  # a VJP that crashes is a wrong VJP: report it as this node's failure
            report.ok = False
            report.input_index, report.input_name, report.input_shape = p, names[p], shapes[p]
            report.note = str(e) if isinstance(e, _Untrusted) else f"the VJP raised {type(e).__name__}: {e}"
            return result(report)

    g64 = g.astype(np.float64)

    def phi() -> float:
        y = np.asarray(prim.fwd(*arrays, **params), dtype=np.float64)
        return float(np.vdot(g64, y if finite is None else np.where(finite, y, 0.0)))

    def size() -> float:
        y = np.abs(np.asarray(prim.fwd(*arrays, **params), dtype=np.float64))
        return float(np.vdot(np.abs(g64), y if finite is None else np.where(finite, y, 0.0)))

    report = _compare(phi, arrays, positions, analytic, names, tol, rng, full_limit, n_directions, report, size)
    return result(report)


class _Untrusted(Exception):
    """A VJP that ran but cannot be trusted (it wrote into its arguments, or is not deterministic)."""


def _changed(arrays: list, kept: list, note: str) -> tuple[int, str] | None:
    """(i, note) for the first ndarray of `arrays` that differs from its copy in `kept`."""
    for i, (a, b) in enumerate(zip(arrays, kept)):
        if b is not None and not np.array_equal(a, b, equal_nan=True):
            return i, note
    return None


def check_graph(
    loss: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    *,
    seed: int | None = None,
    full_limit: int = 64,
    n_directions: int = 3,
) -> GraphReport:
    """Audit the graph recorded behind `loss`: each node's VJPs in isolation.

    For every node (an iterative walk, any depth) the forward is re-run in
    float64 on the node's saved inputs and params, and each VJP for an input
    that requires grad, vjp_i(g, ans, *inputs, **params) with a random
    cotangent g, is compared with central differences of <g, fwd(...)> as in
    gradcheck. The VJP runs on the saved inputs as they are, in their dtype (a
    float32 graph's VJPs in float32, with atol and rtol at least
    sqrt(float32 eps) = 3.5e-4 for their rounding), as the backward pass runs
    it. The graph must still hold its saved arrays: audit before backward, or
    after backward(retain_graph=True); a released graph raises RuntimeError.
    Returns a GraphReport; if a node fails, raises GradcheckError naming the
    first wrong node in forward order (op name, scope, input shapes, error), or
    with raise_exception=False returns the report (falsy).
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"check_graph: expected a Tensor, got {type(loss).__name__}")
    if loss.grad_fn is None:
        raise ValueError("check_graph: the tensor has no recorded graph (grad_fn is None); "
                         "compute it from tensors with requires_grad=True")
    try:
        order = topological_order([loss])
    except RuntimeError:
        raise RuntimeError(
            "check_graph: the graph's saved arrays were freed by backward(); audit before "
            "backward or call backward(retain_graph=True)"
        ) from None
    _check_tolerances("check_graph", eps, atol, rtol)
    _check_sampling("check_graph", full_limit, n_directions)
    _flag(raise_exception, "raise_exception", "check_graph")
    seed = _seed(seed)
    rng = np.random.default_rng(seed)
    tol = _Tol(eps, atol, rtol)
    report = GraphReport()
    for k, t in enumerate(reversed(order)):  # forward order: every node after its inputs
        check = _check_node(k, t.grad_fn, tol, seed, rng, full_limit, n_directions)
        report.nodes.append(check)
        report.errors[check.node] = check.error
        if not check.ok and report.first_failure is None:
            report.first_failure = check.node
    if not report.ok and raise_exception:
        raise GradcheckError(report)
    return report
