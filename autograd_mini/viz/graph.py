"""draw_graph: the recorded computation graph as a graphviz Digraph.

Ops are ellipses, tensors boxes (parameters filled blue, constants dashed, the
drawn outputs double-bordered); edges follow the data flow, inputs first.
Each call of a scope (a module, a composite op) is a cluster; `depth` collapses
deep ones.
`show` adds shapes, dtypes, values and gradient statistics; with "grad" the
tensors are coloured by gradient norm on a log scale (blue small, red large).
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import graphviz
import numpy as np

from ..tensor import Tensor
from ._grads import GradStats, check_errors, color_of, gradient_stats, legend_html, log_range
from ._labels import dot_text, fmt_num, fmt_shape, op_label, scope_label
from ._trace import GraphView, Vertex, check_roots, trace

SHOW_KEYS = ("op", "shape", "dtype", "value", "grad")

_LEAF_FILL = "#cfe2ff"
_GROUP_FILL = "#fff1c1"
_OP_FILL = "#f0f0f0"


def parse_show(show: Any, where: str) -> frozenset[str]:
    """Validate `show`: one key or an iterable of keys from SHOW_KEYS."""
    keys = (show,) if isinstance(show, str) else show
    try:
        keys = tuple(keys)
    except TypeError:
        raise TypeError(f"{where}: show must be a str or a tuple of str, got {type(show).__name__}") from None
    for k in keys:
        if k not in SHOW_KEYS:
            raise ValueError(f"{where}: unknown show key {k!r}; choose from {', '.join(SHOW_KEYS)}")
    return frozenset(keys)


def _value_text(v: Any) -> str | None:
    arr = np.asarray(v.data if isinstance(v, Tensor) else v)
    if arr.size > 6:
        return None
    return np.array2string(arr, precision=3, separator=", ", threshold=6).replace("\n", "")


def tensor_lines(v: Vertex, show: frozenset, stats: dict[int, GradStats]) -> list[str]:
    """The detail lines of a tensor-like vertex: shape, dtype, value, gradient."""
    lines = []
    values = v.outputs if v.kind == "group" else [v.value]
    if "shape" in show:
        shapes = " ".join(fmt_shape(np.shape(getattr(x, "data", x))) for x in values)
        lines.append("→ " + shapes if v.kind == "group" else shapes)
    if "dtype" in show:
        lines.append(" ".join(sorted({str(np.asarray(getattr(x, "data", x)).dtype) for x in values})))
    if "value" in show and v.kind != "group":
        text = _value_text(v.value)
        if text is not None:
            lines.append(text)
    if "grad" in show:
        s = vertex_stats(v, stats)
        if s is not None:
            lines.append(s.label())
        elif v.kind != "const":
            lines.append("no gradient")
    return lines


def vertex_stats(v: Vertex, stats: dict[int, GradStats]) -> GradStats | None:
    """Gradient stats of a tensor/leaf, or of a collapsed group's outgoing tensors."""
    if v.kind in ("tensor", "leaf", "op"):  # an op stands for its output in the text tree
        return stats.get(id(v.value))
    if v.kind == "group":
        parts = [stats[id(t)] for t in v.outputs if id(t) in stats]
        return GradStats.combine(parts) if parts else None
    return None


def _node_line(vid: str, attrs: dict[str, str]) -> str:
    """A DOT node statement. Written directly (vertex ids are plain identifiers,
    values always quoted) because graphviz's generic quoting dominates the time
    of drawing a graph with 10^5 nodes."""
    body = " ".join(f"{k}={_quote(v)}" for k, v in attrs.items())
    return f"\t{vid} [{body}]\n"


def _quote(value: str) -> str:
    return '"' + str(value).replace('"', '\\"') + '"'



def draw_graph(
    *tensors: Tensor,
    show: Iterable[str] | str = ("op", "shape"),
    depth: int | None = None,
    rankdir: str = "TB",
    params: Any = None,
    check: Any = None,
    color_range: tuple[float, float] | None = None,
) -> graphviz.Digraph:
    """The computation graph recorded behind `tensors`, as a graphviz.Digraph.

    tensors: one or more outputs (Tensors); everything they were computed from
        is drawn, inputs at the top (rankdir="TB") or left ("LR").
    show: any of "op" (op names and parameters), "shape", "dtype", "value"
        (tensors of at most 6 elements), "grad": gradient statistics of every
        tensor (‖g‖₂, min, max, NaN/Inf flags), computed afresh with
        am.autograd.grad, and the tensors coloured by ‖g‖ on a log scale. "grad"
        needs single-element outputs.
    Every drawing needs the graph that backward() frees (whatever `show`): draw
    before backward(), or after backward(retain_graph=True). The output of a
    function compiled with am.compile is one op, `compiled f (N ops)`, fed by
    the leaves it differentiates: its first call (which runs f eagerly), or f
    itself, is drawn op by op.
    depth: None draws every call of a scope (Module or composite op) as a
        cluster; an int k keeps k levels of clusters and collapses each call of
        a deeper scope into one node labelled after it, e.g. `Conv2d(1→8, 3×3)`.
    params: a Module (names from named_parameters(), e.g. `0.weight`) or a
        {name: Tensor} mapping, to label leaves; otherwise a parameter held by
        a module in the scope is named like `Linear(2→3).weight`.
    check: the report of am.check_graph(loss, raise_exception=False): ops are
        coloured by their VJP's finite-difference error, failing ones outlined
        red and the first failure marked.
    color_range: (lo, hi) magnitudes for the colour scale, to compare drawings
        on one scale; default the range found in this graph.

    Render with `.render()`, `.pipe()` or am.viz.render (needs the `dot`
    program); `.source` is the DOT text, always available. A graph of more
    than 150 vertices caps dot's placement iterations (nslimit=2), which keeps
    its layout to seconds where it could take minutes, and draws a leaf or
    constant used by more than 3 ops again (dashed) beside each further use, so
    that a weight shared by every step of an unrolled loop does not send an edge
    across the whole drawing to each step.
    """
    where = "draw_graph"
    roots = check_roots(tensors, where)
    keys = parse_show(show, where)
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"{where}: rankdir must be one of TB, LR, BT, RL, got {rankdir!r}")
    view = trace(roots, depth=depth, params=params, where=where)
    stats = gradient_stats(roots, view.shown_tensors(), where) if "grad" in keys else {}
    checks = check_errors(check, where) if check is not None else None
    return _to_dot(view, keys, stats, checks, rankdir, color_range, where)


def _op_attrs(v: Vertex, show: frozenset, checks: Any, err_range: tuple[float, float]) -> dict[str, str]:
    """An op: an ellipse named by op_label, or a dot without "op"; coloured by check error."""
    node = v.node
    name = dot_text(op_label(node.name, node.inputs, node.params))
    if "op" in show:
        attrs = {"shape": "ellipse", "style": "filled", "fillcolor": _OP_FILL, "label": name}
    else:
        attrs = {"shape": "point", "width": "0.08", "label": "", "tooltip": name}
    if checks is None:
        return attrs
    errors, failed, first = checks
    err = errors.get(id(node))
    if err is None:
        return attrs
    attrs["style"] = "filled"
    attrs["fillcolor"] = _OP_FILL if math.isnan(err) else color_of(err, *err_range)
    if "op" in show:
        attrs["label"] += "\\nerr " + fmt_num(err)
        if node is first:
            attrs["label"] += "\\n✗ first failure"
    if id(node) in failed:
        attrs.update(color="#d00000", penwidth="3")
    return attrs


def _tensor_attrs(
    v: Vertex, show: frozenset, stats: dict[int, GradStats], grad_range: tuple[float, float]
) -> dict[str, str]:
    """A tensor, leaf, constant or collapsed group: a box with its details, coloured by ‖∇‖."""
    lines = tensor_lines(v, show, stats)
    if v.kind == "group":
        lines.insert(0, dot_text(v.name))
        attrs = {"shape": "box3d", "style": "filled", "fillcolor": _GROUP_FILL,
                 "tooltip": f"{len(v.members)} nodes collapsed"}
    elif v.kind == "leaf":
        lines.insert(0, dot_text(v.name or "leaf"))
        attrs = {"shape": "box", "style": "filled", "fillcolor": _LEAF_FILL}
    elif v.kind == "const":
        lines.insert(0, dot_text(v.name or "const"))
        attrs = {"shape": "box", "style": "dashed", "fontcolor": "#555555"}
    else:  # an op's output tensor
        if getattr(v.value, "name", None):
            lines.insert(0, dot_text(v.value.name))
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": "white"}
        if not lines:
            attrs.update(shape="point", width="0.06")
    attrs["label"] = "\\n".join(lines)
    s = vertex_stats(v, stats) if "grad" in show else None
    if s is not None:
        if "filled" not in attrs["style"]:
            attrs["style"] += ",filled"
        attrs["fillcolor"] = color_of(s.norm, *grad_range)
        if not s.finite:
            attrs.update(color="#d00000", penwidth="3")
    return attrs


_LARGE = 150
"""Graphs with more vertices than this are laid out with dot's placement iterations capped,
and a leaf or constant used by more than _FANOUT ops is drawn again beside each further use."""
_FANOUT = 3


def _split_fanout(
    edges: list, drawn: dict[str, dict[str, str]], cluster_of: Any, dot: graphviz.Digraph
) -> list[tuple[str, str]]:
    """Edges as vid pairs, a leaf or constant used by more than _FANOUT ops drawn again
    beside each further use (a copy: the same label and colour, a dashed border). (An
    op's output keeps all its edges: a copy of an unnamed `(3,)` would not say which.)

    One edge from a weight to each of the T steps of an unrolled RNN crosses the
    whole drawing: dot routes it through one virtual node per rank it spans, O(T²)
    in all, and took 108 s on 100 steps, then failed ("trouble in init_rank");
    with the copies it takes 0.2 s.
    """
    uses: dict[str, int] = {}
    for a, _ in edges:
        uses[a.vid] = uses.get(a.vid, 0) + 1
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    copied = False
    for a, b in edges:
        n = seen[a.vid] = seen.get(a.vid, 0) + 1
        if n == 1 or uses[a.vid] <= _FANOUT or a.kind not in ("leaf", "const"):
            out.append((a.vid, b.vid))
            continue
        attrs = dict(drawn[a.vid])
        attrs.pop("peripheries", None)
        attrs["style"] = attrs.get("style", "") + ",dashed"
        attrs["tooltip"] = f"the tensor of {a.vid}, drawn again beside this use"
        vid = f"{a.vid}_use{n}"
        cluster_of(a).body.append(_node_line(vid, attrs))
        out.append((vid, b.vid))
        copied = True
    if copied:
        dot.attr(label=f"dashed: an input used by more than {_FANOUT} ops, drawn again beside each use",
                 labelloc="b")
    return out


def _to_dot(
    view: GraphView, show: frozenset, stats: dict[int, GradStats], checks: Any,
    rankdir: str, color_range: Any, where: str,
) -> graphviz.Digraph:
    dot = graphviz.Digraph("computation_graph")
    dot.attr(rankdir=rankdir, fontname="Helvetica", fontsize="11", newrank="true")
    if len(view.vertices) > _LARGE:
        # dot's placement of nodes within their ranks (network simplex) grows
        # steeply with the graph: one leaf feeding 80 products, summed in a chain
        # (~250 nodes), took 34 s to lay out, 0.2 s with its iterations capped
        dot.attr(nslimit="2")
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", arrowsize="0.6", color="#555555")

    grad_range = err_range = (0.0, 0.0)
    if "grad" in show:
        norms = [s.norm for v in view.vertices if v.kind != "op" and (s := vertex_stats(v, stats))]
        grad_range = log_range(norms, color_range, where)
    if checks is not None:
        err_range = log_range(checks[0].values(), None, where)

    roots = set(view.roots)
    clusters: dict[tuple, graphviz.Digraph] = {(): dot}

    def cluster_of(v: Vertex) -> graphviz.Digraph:
        """The cluster of v's call of its scope (made with those of the calls around it)."""
        for i in range(1, len(v.scope) + 1):
            if v.call[:i] not in clusters:
                entry = v.scope[i - 1]
                is_op = isinstance(entry, str)
                sub = graphviz.Digraph(f"cluster_{len(clusters)}")
                sub.attr(
                    # (nohtml: a scope or label() such as "<net>" is text, not an HTML label)
                    label=graphviz.nohtml(dot_text(scope_label(entry))),
                    style="rounded,dashed" if is_op else "rounded",
                    color="#9a9a9a" if is_op else "#4a6fa5", fontcolor="#333333", fontsize="10",
                )
                clusters[v.call[:i]] = sub
        return clusters[v.call]

    drawn: dict[str, dict[str, str]] = {}
    for v in view.vertices:
        if v.kind == "op":
            attrs = _op_attrs(v, show, checks, err_range)
        else:
            attrs = _tensor_attrs(v, show, stats, grad_range)
            if v in roots:
                attrs["peripheries"] = "2"
        cluster_of(v).body.append(_node_line(v.vid, attrs))
        drawn[v.vid] = attrs

    if len(view.vertices) > _LARGE:
        edges = _split_fanout(view.edges, drawn, cluster_of, dot)
    else:
        edges = [(a.vid, b.vid) for a, b in view.edges]

    # nest the clusters, deepest first, so each parent copies a finished child
    for key in sorted(clusters, key=len, reverse=True):
        if key:
            clusters[key[:-1]].subgraph(clusters[key])

    # An op's output pulls its consumer into line below it (weight 10, dot's default 1):
    # else dot lets a long chain (an unrolled RNN, 150 steps: 149 inches wide, now 6)
    # drift one step sideways per step, and the PNG grows to tens of thousands of pixels.
    outputs = {v.vid for v in view.vertices if v.kind == "tensor"}
    dot.body.extend(f"\t{a} -> {b} [weight=10]\n" if a in outputs else f"\t{a} -> {b}\n"
                    for a, b in edges)

    if stats:
        dot.node("legend_grad", label=legend_html("gradient norm ‖∇‖", *grad_range), shape="plaintext")
    if checks is not None and checks[0]:
        dot.node("legend_check", label=legend_html("VJP error", *err_range), shape="plaintext")
    return dot
