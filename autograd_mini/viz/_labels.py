"""Short human-readable labels: modules, shapes, numbers, op calls.

Shared by the DOT drawings and the text tree so both say the same thing.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np


def fmt_num(x: float) -> str:
    """A number in 3 significant digits; scientific outside [1e-3, 1e4)."""
    if not np.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:  # (not .3g, which goes scientific from 1000 on: 1.23e+03)
        return np.format_float_positional(x, precision=3, unique=False, fractional=False, trim="-")
    return f"{x:.2e}"


def dot_text(text: str) -> str:
    """User text (a name, a module's label) for a graphviz label: its backslashes are
    text, not DOT escapes (\\N, \\G, \\l); our own line breaks are added after."""
    return text.replace("\\", "\\\\")


def fmt_shape(shape: tuple) -> str:
    """(4, 3), (3,), ()."""
    return str(tuple(int(d) for d in shape))


def _pair(k: Any) -> str:
    """A kernel size as '3×3' (an int k means k×k)."""
    if isinstance(k, (tuple, list)):
        return "×".join(str(int(v)) for v in k)
    return f"{int(k)}×{int(k)}"


def module_label(m: Any) -> str:
    """`Linear(2→3)`, `Conv2d(1→8, 3×3)`, `MaxPool2d(2×2)`: the module's own
    `label()` when it has one, else built from its usual attributes."""
    label = getattr(m, "label", None)
    if callable(label):
        return str(label())
    name = type(m).__name__
    if hasattr(m, "in_features") and hasattr(m, "out_features"):
        return f"{name}({m.in_features}→{m.out_features})"
    if hasattr(m, "in_channels") and hasattr(m, "out_channels"):
        extra = f", {_pair(m.kernel_size)}" if hasattr(m, "kernel_size") else ""
        return f"{name}({m.in_channels}→{m.out_channels}{extra})"
    if hasattr(m, "kernel_size"):
        return f"{name}({_pair(m.kernel_size)})"
    if hasattr(m, "num_features"):
        return f"{name}({m.num_features})"
    return name


def scope_label(entry: Any) -> str:
    """A scope entry is a composite op's name (a str) or a Module."""
    return entry if isinstance(entry, str) else module_label(entry)


def _fmt_value(v: Any) -> str:
    """One line: numbers shortened, small arrays as lists, larger ones by their shape."""
    if isinstance(v, (float, np.floating)):
        return fmt_num(float(v))
    if isinstance(v, np.ndarray):
        if v.ndim == 0 and v.dtype.kind == "f":
            return fmt_num(float(v))
        return str(v.tolist()) if v.size <= 6 else f"<array {v.shape}>"
    if isinstance(v, tuple):
        return "(" + ", ".join(map(_fmt_value, v)) + ("," if len(v) == 1 else "") + ")"
    return " ".join(str(v).split())


def _fmt_index_item(v: Any) -> str:
    """One entry of an index as Python writes it: `8:12`, `::-1`, `...`, `None`, `3`."""
    if v is Ellipsis:
        return "..."
    if isinstance(v, slice):
        parts = ["" if x is None else _fmt_value(x) for x in (v.start, v.stop)]
        text = ":".join(parts)
        return text + (f":{_fmt_value(v.step)}" if v.step is not None else "")
    return _fmt_value(v)


def fmt_index(index: Any) -> str:
    """An index as written between brackets: `[..., 8:12]`, `[:, 0]`, `[<array (3,)>]`."""
    if isinstance(index, tuple) and not index:
        return "[()]"  # (x[()], as Python writes it: x[] is no index)
    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(map(_fmt_index_item, items)) + "]"


def op_label(name: str, inputs: tuple, params: dict, max_len: int = 40) -> str:
    """`sum(axis=1)`, `mul(·, 2)`, `getitem[:, 0]`: the op, scalar constants and
    non-default params (an index as Python writes it).

    Tensor and array inputs are drawn as edges, so they appear as `·` and only
    when a scalar constant also needs its place shown.
    """
    from ..tensor import Tensor

    if name == "compiled" and inputs:  # am.compile's replayed tape: one op for the whole function
        m = re.match(r"# tape of (.*?): (\d+) ops", getattr(getattr(inputs[0], "tape", None), "source", ""))
        if m:
            text = f"compiled {m.group(1)} ({m.group(2)} ops)"
            return text if len(text) <= max_len else text[: max_len - 1] + "…"
    args: list[str] = []
    has_scalar = False
    for a in inputs:
        if isinstance(a, Tensor) or (isinstance(a, np.ndarray) and a.ndim > 0):
            args.append("·")
        else:
            has_scalar = True
            args.append(_fmt_value(a))
    if not has_scalar:
        args = []
    index = None
    for k, v in params.items():
        if v is None or v is False:
            continue
        if k == "index":
            index = fmt_index(v)
            if name == "getitem":  # (x[..., 8:12] is drawn as getitem[..., 8:12])
                continue
            args.append(f"{k}={index}")
            continue
        args.append(f"{k}={_fmt_value(v)}")
    text = f"{name}({', '.join(args)})" if args else name
    if name == "getitem" and index is not None:
        text = name + index + (f"({', '.join(args)})" if args else "")
    return text if len(text) <= max_len else text[: max_len - 1] + "…"
