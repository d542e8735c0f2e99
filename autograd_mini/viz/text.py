"""to_text: the computation graph as an indented tree, for terminals and logs.

The output is at the top; each line's children are the inputs it was computed
from. One line per op (its output's shape, dtype, gradient on the same line),
leaves and constants as the tree's tips. A vertex used by several ops is
written out once, numbered `[#k]`, and referred to as `↑ #k` afterwards, so
the text grows with the graph, not with the number of paths through it
(lines more than MAX_INDENT levels down are indented no further).
"""

from __future__ import annotations

from typing import Any, Iterable

from ..tensor import Tensor
from ._grads import check_errors, gradient_stats
from ._labels import fmt_num, op_label, scope_label
from ._trace import Vertex, check_roots, trace
from .graph import parse_show, tensor_lines


MAX_INDENT = 32
"""Levels of indentation after which deeper lines are not indented further."""


class TextTree(str):
    """The text of a graph; its repr is the text itself, so a REPL or notebook
    shows the tree as printed rather than as one escaped line."""

    def __repr__(self) -> str:
        return str(self)


def to_text(
    *tensors: Tensor,
    show: Iterable[str] | str = ("op", "shape"),
    depth: int | None = None,
    params: Any = None,
    check: Any = None,
) -> TextTree:
    """An indented text tree of the graph behind `tensors` (no graphviz needed).

    Same arguments as draw_graph: `show` picks the details ("op", "shape",
    "dtype", "value", "grad"), `depth` collapses each call of a deeper scope
    into one line, `params` names the leaves, `check` adds each op's
    finite-difference error. A line notes `in <scope>` where the scope, or the
    call of it, changes, and `at top level` where it leaves every scope (an op
    written outside any module or composite, below one written inside). As draw_graph, it needs the graph that backward() frees:
    call it before backward(), or after backward(retain_graph=True). Returns the text (a str that displays as the tree at a
    prompt); print() it in scripts.
    """
    where = "to_text"
    roots = check_roots(tensors, where)
    keys = parse_show(show, where)
    view = trace(roots, depth=depth, params=params, tensor_nodes=False, where=where)
    stats = gradient_stats(roots, view.shown_tensors(), where) if "grad" in keys else {}
    errors, failed, first = check_errors(check, where) if check is not None else ({}, set(), None)

    inputs: dict[Vertex, list[Vertex]] = {v: [] for v in view.vertices}
    uses: dict[Vertex, int] = {v: 0 for v in view.vertices}
    for a, b in view.edges:
        inputs[b].append(a)
        uses[a] += 1
    for root in view.roots:  # (a root another root uses is written once too)
        uses[root] += 1

    def describe(v: Vertex) -> str:
        checked: list[str] = []
        if v.kind == "op":
            head = op_label(v.node.name, v.node.inputs, v.node.params) if "op" in keys else "op"
            err = errors.get(id(v.node))
            if err is not None:
                checked.append(f"err {fmt_num(err)}")
                if id(v.node) in failed:
                    checked.append("✗ FIRST FAILURE" if v.node is first else "✗ FAILED")
        elif v.kind == "group":
            head = f"[{v.name}]"
        else:
            head = f"{v.kind} {v.name}" if v.name else v.kind
        details = tensor_lines(v, keys, stats)
        # an op's output named by the user (z.name = "z") is named, as draw_graph names it
        named = getattr(v.value, "name", None) if v.kind == "op" else None
        if details and "shape" in keys:  # the shape reads as part of the head
            head += (f" → {named} " if named else " → " if v.kind == "op" else " ") + details.pop(0)
        elif named:
            head += f" → {named}"
        return "  ".join([head] + details + checked)

    lines: list[str] = []
    numbers: dict[Vertex, int] = {}
    for root in view.roots:
        # (vertex, prefix for its children, connector, call path of the parent line)
        stack: list[tuple[Vertex, str, str, Any]] = [(root, "", "", None)]
        while stack:
            v, prefix, connector, parent_call = stack.pop()
            if v in numbers:
                lines.append(f"{prefix}{connector}↑ #{numbers[v]}")
                continue
            text = describe(v)
            if uses[v] > 1:
                numbers[v] = len(numbers) + 1
                text = f"[#{numbers[v]}] {text}"
            if v.kind in ("op", "group") and v.call != parent_call:
                if v.scope:
                    text += "  in " + "/".join(scope_label(e) for e in v.scope)
                elif parent_call:  # (back out of every scope: the user's own code again)
                    text += "  at top level"
            lines.append(f"{prefix}{connector}{text}")
            child_prefix = prefix + ("" if not connector else ("│   " if connector == "├── " else "    "))
            if len(child_prefix) > 4 * MAX_INDENT:  # (a deep chain: the text stays linear in its length)
                child_prefix = prefix
            children = inputs[v]
            call_here = v.call if v.kind in ("op", "group") else parent_call
            for i in range(len(children) - 1, -1, -1):
                last = i == len(children) - 1
                stack.append((children[i], child_prefix, "└── " if last else "├── ", call_here))
    return TextTree("\n".join(lines) + "\n")
