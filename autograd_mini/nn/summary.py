"""A model summary: every submodule's output shape and parameter count for one input size.

`summary(model, input_size=(1, 1, 28, 28))` runs the model once on zeros, in
eval mode and under `no_grad` (so batch-norm statistics and the graph are left
alone), and records each submodule call on the way. The result prints as a
table and keeps its rows for programs (graph drawings use the same shapes).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from ..engine import modules_changed, no_grad
from ..tensor import Tensor, get_default_dtype
from .containers import ModuleDict, ModuleList
from .module import Module


class SummaryRow(NamedTuple):
    """One submodule call: dotted name, depth (0 = direct child), type label,
    output shape (a tuple, a list of tuples for several outputs, "-" for an output
    that is not a tensor and for a ModuleList or ModuleDict, which is never called
    itself but whose items were, or None if the module was never called) and
    parameter count (including its children's)."""

    name: str
    depth: int
    label: str
    output_shape: Any
    num_params: int


class ModelSummary:
    """The rows of a summary plus totals; `str()` gives the table.

    `total_params` counts a parameter once however many rows hold it (as
    `model.parameters()` does); `shared` has a note for each row whose parameters
    an earlier row, not its parent, already counted (a layer called again, or
    registered under two names, or a tied weight), printed below the totals.
    """

    def __init__(
        self, model: Module, rows: list[SummaryRow], input_size: Any, output_shape: Any
    ) -> None:
        self.model_name = type(model).__name__
        self.rows = rows
        self.input_size = input_size
        self.output_shape = output_shape
        params = list(model.parameters())
        self.total_params = sum(p.size for p in params)
        self.trainable_params = sum(p.size for p in params if p.requires_grad)
        self.shared = _shared_notes(model, rows)

    def __str__(self) -> str:
        header = ("Layer", "Type", "Output shape", "Params")
        body = [
            ("  " * r.depth + r.name, r.label, _fmt_shape(r.output_shape), f"{r.num_params:,}")
            for r in self.rows
        ]
        widths = [max(len(row[i]) for row in [header] + body) for i in range(4)]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(
                c.rjust(w) if i == 3 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
            ).rstrip()

        rule = "=" * len(line(["x" * w for w in widths]))
        return "\n".join(
            [f"{self.model_name} summary", rule, line(header), rule]
            + [line(r) for r in body]
            + [
                rule,
                f"Input size: {_fmt_shape(self.input_size)}   Output shape: {_fmt_shape(self.output_shape)}",
                f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.total_params - self.trainable_params:,}",
            ]
            + [f"Shared: {note}" for note in self.shared]
        )

    __repr__ = __str__


def _shared_notes(model: Module, rows: list[SummaryRow]) -> list[str]:
    """A note for each row whose parameters an earlier row other than its parent
    already counted, e.g. "0 is called 2 times (also registered as 2); its 6 params
    are counted once in the total" or "decoder shares 12 params with encoder,
    counted once in the total"."""
    named = dict(model.named_modules())
    aliases: dict[int, list[str]] = {}
    for name, m in model.named_modules(remove_duplicate=False):
        aliases.setdefault(id(m), []).append(name)
    first: dict[int, str] = {}  # id(parameter) -> the name of the first row that holds it
    calls: dict[str, int] = {}
    others: dict[tuple[str, str], int] = {}  # (row, earlier row) -> shared parameter count
    for r in rows:
        m = named.get(r.name, model if len(named) == 1 else None)
        if m is None:
            continue
        for p in m.parameters():
            owner = first.setdefault(id(p), r.name)
            if owner == r.name or r.name.startswith(owner + ".") or owner.startswith(r.name + "."):
                continue  # (its own, or its parent's or child's)
            others[(r.name, owner)] = others.get((r.name, owner), 0) + p.size
        calls[r.name] = calls.get(r.name, 0) + (r.output_shape is not None)
    notes = []
    for name, n in calls.items():
        m = named.get(name, model)
        params = sum(p.size for p in m.parameters())
        # (a shared block's layers are counted inside its own rows: the block is noted)
        inside = any(name.startswith(o + ".") and calls[o] > 1 for o in calls)
        if n > 1 and params and not inside:
            also = [a for a in aliases.get(id(m), []) if a != name]
            notes.append(f"{name} is called {n} times"
                         + (f" (also registered as {', '.join(also)})" if also else "")
                         + f"; its {params:,} params are counted once in the total")
    for (name, owner), n in others.items():
        if not any(name.startswith(o + ".") and calls.get(o, 0) > 1 for o in calls):
            notes.append(f"{name} shares {n:,} params with {owner}, counted once in the total")
    return notes


def _fmt_shape(shape: Any) -> str:
    if shape is None:
        return "(not called)"
    if isinstance(shape, list):
        return ", ".join(_fmt_shape(s) for s in shape)
    if isinstance(shape, str):  # what _shape_of says of an output that is not a tensor
        return shape
    return str(tuple(shape))


def _shape_of(out: Any) -> Any:
    if isinstance(out, (Tensor, np.ndarray)):
        return tuple(out.shape)
    if isinstance(out, (tuple, list)):
        return [_shape_of(o) for o in out]
    return "-"


def summary(model: Module, input_size: Sequence[int] | Sequence[Sequence[int]], dtype: Any = None) -> ModelSummary:
    """Run `model` on zeros of `input_size` (batch axis included) and tabulate its layers.

    input_size: one shape, e.g. (1, 1, 28, 28), or a list of shapes for a
    forward that takes several inputs. Rows list every submodule call in call
    order (a module called twice gets two rows), nested modules indented under
    their parent; modules that were never called come last. The totals count
    a parameter once however many rows hold it (a layer called twice, a tied
    weight), and a "Shared:" line below them names each such row. The model's
    training flags, parameters and buffers are unchanged afterwards.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected a Module, got {type(model).__name__}")
    if isinstance(input_size, np.ndarray):
        input_size = input_size.tolist()
    if not isinstance(input_size, (tuple, list)):  # (an int is not a shape: (3,) or (1, 3)?)
        raise ValueError(
            f"summary: input_size must be a shape like (1, 1, 28, 28) or a list of shapes, got "
            f"{type(input_size).__name__} {input_size!r}"
        )
    sizes = [input_size] if input_size and isinstance(input_size[0], (int, np.integer)) else list(input_size)
    if not sizes or not all(
        isinstance(s, (tuple, list))
        and all(isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) and n >= 0 for n in s)
        for s in sizes
    ):
        raise ValueError(f"summary: input_size must be a shape like (1, 1, 28, 28) or a list of shapes, got {input_size!r}")
    inputs = [Tensor(np.zeros(tuple(s), dtype=np.dtype(dtype) if dtype else get_default_dtype())) for s in sizes]

    named = list(model.named_modules())
    # Leaf-only models are their own single row; otherwise the root is the table.
    targets = named if len(named) == 1 else named[1:]
    rows: list[SummaryRow | None] = []
    called: set[int] = set()

    def recording(name: str, m: Module, forward: Any) -> Any:
        depth = name.count(".") if name else 0
        count = sum(p.size for p in m.parameters())

        def recorded(*args: Any, **kwargs: Any) -> Any:
            i = len(rows)
            rows.append(None)  # reserve the slot: parents come before their children
            out = forward(*args, **kwargs)
            rows[i] = SummaryRow(name or type(m).__name__, depth, m.label(), _shape_of(out), count)
            called.add(id(m))
            return out

        return recorded

    # Shadow each module's `forward` with an instance attribute for the length
    # of one call, so that Module.__call__ needs no hook machinery of its own.
    patched = [(m, m.__dict__.get("forward")) for _, m in targets]
    modes = [(m, m.training) for _, m in named]
    try:
        for name, m in targets:
            m.__dict__["forward"] = recording(name, m, m.forward)
        model.eval()
        with no_grad():
            try:
                out = model(*inputs)
            except Exception as e:
                raise ValueError(
                    f"summary: the forward of {type(model).__name__} failed for input_size {input_size!r}: {e}"
                ) from e
    finally:
        for m, old in patched:
            if old is None:
                m.__dict__.pop("forward", None)
            else:
                m.__dict__["forward"] = old
        for m, mode in modes:
            m.__dict__["training"] = mode
        modules_changed()

    done = [r for r in rows if r is not None]
    # A ModuleList or ModuleDict is never called itself (the forward holding it calls its
    # items): its row goes above the first of its items' rows, output shape "-".
    for name, m in targets:
        if id(m) not in called and isinstance(m, (ModuleList, ModuleDict)):
            first = next((i for i, r in enumerate(done) if r.name.startswith(name + ".")), None)
            if first is not None:
                called.add(id(m))
                done.insert(first, SummaryRow(name, name.count("."), m.label(), "-",
                                              sum(p.size for p in m.parameters())))
    for name, m in targets:
        if id(m) not in called:
            done.append(SummaryRow(name, name.count("."), m.label(), None, sum(p.size for p in m.parameters())))
    shapes = [tuple(int(n) for n in s) for s in sizes]  # (a list is several shapes to _fmt_shape)
    return ModelSummary(model, done, shapes[0] if len(shapes) == 1 else shapes, _shape_of(out))
