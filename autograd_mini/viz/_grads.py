"""Gradient statistics of every tensor in a graph, and a log-scale colour map.

backward() keeps gradients only for leaves, so the gradient of every
intermediate tensor is computed here with one extra sweep,
`am.autograd.grad(roots, tensors, retain_graph=True)`, which leaves `.grad`
untouched and works before or after a backward(retain_graph=True).

Colours map log10 of a magnitude (a gradient norm, a finite-difference error)
linearly onto a hue ramp from blue (small) to red (large), so a gradient that
vanishes or explodes through the layers shows as a colour drift along the graph.
"""

from __future__ import annotations

import colorsys
import math
import numbers
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from ..tensor import Tensor
from ._labels import fmt_num

ZERO_COLOR = "#e0e0e0"      # an exactly zero gradient: no information flows
NONFINITE_COLOR = "#ff3df5"  # NaN or Inf: impossible to miss


@dataclass(frozen=True)
class GradStats:
    """Summary of one gradient array g: ||g||_2, min g, max g, and NaN/Inf flags.

    For a complex g (a complex tensor's gradient) min and max are those of |g|.
    """

    norm: float
    min: float
    max: float
    nan: bool
    inf: bool
    complex: bool = False

    @classmethod
    def of(cls, g: np.ndarray) -> "GradStats":
        g = np.asarray(g)
        is_complex = g.dtype.kind == "c"
        nan, inf = bool(np.isnan(g).any()), bool(np.isinf(g).any())
        finite = np.abs(g[np.isfinite(g)]) if is_complex else g[np.isfinite(g)]
        finite = finite.astype(np.float64)
        lo = float(finite.min()) if finite.size else math.nan
        hi = float(finite.max()) if finite.size else math.nan
        # (scaled by the largest magnitude: the squares of a finite 1e200 would overflow)
        scale = float(np.max(np.abs(finite))) if finite.size else 0.0
        norm = scale * float(np.sqrt(np.sum((finite / scale) ** 2))) if scale > 0 else 0.0
        if nan or inf:
            norm = math.nan
        return cls(norm, lo, hi, nan, inf, is_complex)

    @classmethod
    def combine(cls, parts: Sequence["GradStats"]) -> "GradStats":
        """Stats of the concatenation of several gradients (a collapsed group's outputs)."""
        bad = any(p.nan or p.inf for p in parts)
        norm = math.nan if bad else math.hypot(*(p.norm for p in parts))
        los = [p.min for p in parts if not math.isnan(p.min)]
        his = [p.max for p in parts if not math.isnan(p.max)]
        return cls(
            norm, min(los, default=math.nan), max(his, default=math.nan),
            any(p.nan for p in parts), any(p.inf for p in parts), any(p.complex for p in parts),
        )

    @property
    def finite(self) -> bool:
        return not (self.nan or self.inf)

    def label(self) -> str:
        """e.g. `‖∇‖ 3.2e-05 [-1e-05, 2.1e-05]`, `‖∇‖ 7.75 |∇| [4.47, 6.32]` (complex)
        or `‖∇‖ NaN! Inf!`."""
        if not self.finite:
            flags = " ".join(f for f, on in (("NaN!", self.nan), ("Inf!", self.inf)) if on)
            return f"‖∇‖ {flags}"
        if math.isnan(self.min):  # (no element: an empty tensor's gradient)
            return f"‖∇‖ {fmt_num(self.norm)} (empty)"
        spread = f"[{fmt_num(self.min)}, {fmt_num(self.max)}]"
        return f"‖∇‖ {fmt_num(self.norm)} {'|∇| ' if self.complex else ''}{spread}"


def gradient_stats(roots: Sequence[Tensor], tensors: Sequence[Tensor], where: str) -> dict[int, GradStats]:
    """id(tensor) -> GradStats of d(sum of roots)/d(tensor), for every tensor given.

    Each root must hold a single element (a loss); the graph must still hold
    its saved arrays (draw before backward, or after backward(retain_graph=True)).
    """
    from .. import autograd

    for r in roots:
        if r.size != 1:
            raise ValueError(
                f"{where}: show='grad' needs single-element outputs (a loss), got shape {r.shape}"
            )
    live = [r for r in roots if r.requires_grad]
    if not live:
        raise ValueError(f"{where}: show='grad' needs an output that requires grad")
    targets = [t for t in tensors if t.requires_grad]
    grads = autograd.grad(live, targets, retain_graph=True, allow_unused=True)
    return {id(t): GradStats.of(g.data) for t, g in zip(targets, grads) if g is not None}


def log_range(values: Iterable[float], given: tuple[float, float] | None, where: str) -> tuple[float, float]:
    """(lo, hi) in log10 units: the given range, or that of the finite positive values."""
    if given is not None:
        # (the pair and its types first: 'ab' would unpack, then fail to compare)
        if (not isinstance(given, (tuple, list)) or len(given) != 2
                or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in given)):
            raise TypeError(f"{where}: color_range must be a pair of numbers (lo, hi), got {given!r}")
        lo, hi = given
        if not (0 < lo < hi and math.isfinite(hi)):
            raise ValueError(f"{where}: color_range must be (lo, hi) with 0 < lo < hi, got {given!r}")
        return math.log10(lo), math.log10(hi)
    logs = [math.log10(v) for v in values if math.isfinite(v) and v > 0]
    if not logs:
        return 0.0, 0.0
    return min(logs), max(logs)


def color_of(value: float, lo: float, hi: float) -> str:
    """Hex fill colour of a magnitude on the log scale [lo, hi] (log10 units).

    Blue at lo through green and yellow to red at hi; outside the range it is
    clipped; zero is light grey, NaN/Inf magenta.
    """
    if not math.isfinite(value):
        return NONFINITE_COLOR
    if value <= 0:
        return ZERO_COLOR
    t = 0.5 if hi <= lo else (math.log10(value) - lo) / (hi - lo)
    t = min(1.0, max(0.0, t))
    r, g, b = colorsys.hsv_to_rgb((1.0 - t) * 2 / 3, 0.55, 1.0)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def hue_of(color: str) -> float:
    """Position of a colour on the ramp: 0 at the blue end, 1 at the red end."""
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, _, _ = colorsys.rgb_to_hsv(r, g, b)
    return 1.0 - h * 3 / 2


def legend_html(title: str, lo: float, hi: float, steps: int = 5) -> str:
    """An HTML-like graphviz label: the colour ramp with its end values."""
    cells = []
    for k in range(steps):
        e = lo + (hi - lo) * k / (steps - 1) if hi > lo else lo
        cells.append(f'<td bgcolor="{color_of(10.0 ** e, lo, hi)}">{fmt_num(10.0 ** e)}</td>')
    return (
        '<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">'
        f'<tr><td colspan="{steps}"><b>{title}</b> (log scale)</td></tr>'
        f"<tr>{''.join(cells)}</tr></table>>"
    )


def check_errors(report: Any, where: str) -> tuple[dict[int, float], set[int], Any]:
    """From an am.check_graph report: id(node) -> error, ids of failed nodes, the first failure."""
    errors = getattr(report, "errors", None)
    if not hasattr(errors, "items"):
        raise TypeError(
            f"{where}: check must be the report of am.check_graph(loss, raise_exception=False), "
            f"got {type(report).__name__}"
        )
    failed = {id(c.node) for c in getattr(report, "failed", [])}
    first = getattr(report, "first_failure", None)
    if first is not None:
        failed.add(id(first))
    return {id(n): float(e) for n, e in errors.items()}, failed, first
