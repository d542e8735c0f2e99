"""Walk a recorded computation graph into a drawable view (shared by DOT and text).

The view is a list of vertices in forward topological order (inputs before the
ops that consume them) and the edges between them, following the data flow:

    leaf / const  ->  op  ->  tensor  ->  op  -> ... -> root tensor

Each vertex carries the scope it is drawn in (a tuple of Modules and composite
op names, from `Node.scope`). With `depth=k` every vertex whose scope is deeper
than k is merged into one "group" vertex per scope entry at level k; separate
invocations of the same scope (two softmax calls, say) stay separate because
the merge only joins vertices connected inside the group.

All walks are loops over explicit stacks: a graph of any depth is fine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np

from ..tensor import Tensor
from ._labels import module_label, scope_label


@dataclass(eq=False, slots=True)
class Vertex:
    """One drawn node.

    kind:   "op", "tensor" (an op's output), "leaf" (a tensor that requires grad
            and has no grad_fn, e.g. a parameter), "const" (a tensor or array
            that needs no grad, e.g. the input data) or "group" (a collapsed scope).
    scope:  the scope path it is drawn inside (clusters), already cut to `depth`.
    node:   the recorded Node of an op.
    value:  the Tensor of a tensor/leaf, the Tensor or ndarray of a const, the
            output Tensor of an op.
    name:   a leaf's or const's display name, or a group's scope label.
    members, outputs: for a group, the vertices merged into it and the tensors
            whose values leave it (what the group's shape and gradient describe).
    """

    vid: str
    kind: str
    scope: tuple
    node: Any = None
    value: Any = None
    name: str | None = None
    members: list["Vertex"] = field(default_factory=list)
    outputs: list[Any] = field(default_factory=list)


@dataclass
class GraphView:
    vertices: list[Vertex]
    edges: list[tuple[Vertex, Vertex]]
    roots: list[Vertex]

    def shown_tensors(self) -> list[Tensor]:
        """The tensors whose gradient a drawing shows: tensors, leaves, ops'
        outputs and the outputs of collapsed groups (each once)."""
        found: dict[int, Tensor] = {}
        for v in self.vertices:
            values = v.outputs if v.kind == "group" else [v.value]
            for t in values:
                if isinstance(t, Tensor) and t.requires_grad:
                    found.setdefault(id(t), t)
        return list(found.values())


def _key(entry: Any) -> Any:
    """Hashable identity of a scope entry: names by value, modules by identity."""
    return entry if isinstance(entry, str) else ("module", id(entry))


def scope_key(scope: tuple) -> tuple:
    return tuple(_key(e) for e in scope)


def _released(where: str) -> RuntimeError:
    return RuntimeError(
        f"{where}: part of this graph was freed by backward(); call "
        "backward(retain_graph=True) (or draw the graph before backward) to keep it"
    )


def _is_edge_input(p: Any) -> bool:
    """Tensors and non-scalar arrays are drawn as vertices; scalars go into op labels."""
    return isinstance(p, Tensor) or (isinstance(p, np.ndarray) and p.ndim > 0)


def collect(roots: Iterable[Tensor], where: str) -> list[Any]:
    """Tensors and constant arrays reachable from `roots`, inputs before consumers."""
    order: list[Any] = []
    seen: set[int] = set()  # expanded (a vertex may be pushed twice, expanded once)
    for root in roots:
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            t, expanded = stack.pop()
            if expanded:
                order.append(t)
                continue
            if id(t) in seen:
                continue
            seen.add(id(t))
            stack.append((t, True))
            node = getattr(t, "grad_fn", None)
            if node is None:
                continue
            if node.inputs is None:
                raise _released(where)
            # reversed so that the first input is finished (and numbered) first
            for p in reversed(node.inputs):
                if _is_edge_input(p) and id(p) not in seen:
                    stack.append((p, False))
    return order


def _direct_tensors(module: Any, cache: dict) -> dict[int, str]:
    """id -> attribute name of the tensors a module holds itself (not its children's)."""
    found = cache.get(id(module))
    if found is None:
        found = {}
        named = getattr(module, "named_parameters", None)
        if callable(named):
            for n, p in named():
                if "." not in n:
                    found[id(p)] = n
        for n, v in vars(module).items():
            if isinstance(v, Tensor) and not n.startswith("_"):
                found.setdefault(id(v), n)
        cache[id(module)] = found
    return found


def _common_prefix(scopes: list[tuple]) -> tuple:
    first = scopes[0]
    n = len(first)
    for s in scopes[1:]:
        n = min(n, len(s))
        for i in range(n):
            if _key(s[i]) != _key(first[i]):
                n = i
                break
    return first[:n]


def param_names(params: Any, where: str) -> dict[int, str]:
    """id(tensor) -> name, from a Module's named_parameters() or a {name: tensor} mapping."""
    if params is None:
        return {}
    if isinstance(params, Mapping):
        items = params.items()
    elif callable(getattr(params, "named_parameters", None)):
        items = params.named_parameters()
    else:
        raise TypeError(
            f"{where}: params must be a Module or a {{name: Tensor}} mapping, "
            f"got {type(params).__name__}"
        )
    names = {}
    for n, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: params[{n!r}] is a {type(t).__name__}, not a Tensor")
        names[id(t)] = str(n)
    return names


def check_roots(tensors: tuple, where: str) -> list[Tensor]:
    if not tensors:
        raise ValueError(f"{where}: give at least one Tensor to draw")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            hint = ""
            if callable(getattr(t, "named_parameters", None)):
                hint = (
                    "; to draw a model, call it and draw its output "
                    "(draw_graph(model(x))) or use am.viz.draw_network(model)"
                )
            raise TypeError(f"{where}: argument {i} is a {type(t).__name__}, not a Tensor{hint}")
    return list(tensors)


def trace(
    roots: list[Tensor],
    *,
    depth: int | None = None,
    params: Any = None,
    tensor_nodes: bool = True,
    where: str = "draw_graph",
) -> GraphView:
    """Build the drawable view of the graph behind `roots`.

    tensor_nodes=False folds each op's output tensor into the op vertex (the
    text tree does that: one line per op).
    """
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 0):
        raise ValueError(f"{where}: depth must be None or an int >= 0, got {depth!r}")
    names = param_names(params, where)
    items = collect(roots, where)

    counters = {"op": 0, "tensor": 0, "leaf": 0, "const": 0, "group": 0}

    def new(kind: str, scope: tuple, **kw: Any) -> Vertex:
        counters[kind] += 1
        return Vertex(f"{kind}{counters[kind]}", kind, scope, **kw)

    # consumers' scopes decide where leaves and constants are drawn
    consumer_scopes: dict[int, list[tuple]] = {}
    for t in items:
        node = getattr(t, "grad_fn", None)
        if node is not None:
            for p in node.inputs:
                if _is_edge_input(p):
                    consumer_scopes.setdefault(id(p), []).append(node.scope)

    owner_cache: dict = {}
    vertices: list[Vertex] = []
    edges: list[tuple[Vertex, Vertex]] = []
    out_vertex: dict[int, Vertex] = {}
    for t in items:
        node = getattr(t, "grad_fn", None)
        if node is not None:
            op = new("op", node.scope, node=node, value=t)
            vertices.append(op)
            for p in node.inputs:
                if _is_edge_input(p):
                    edges.append((out_vertex[id(p)], op))
            if tensor_nodes:
                tv = new("tensor", node.scope, value=t)
                vertices.append(tv)
                edges.append((op, tv))
                out_vertex[id(t)] = tv
            else:
                out_vertex[id(t)] = op
            continue
        scope, owner_name = _place_input(t, consumer_scopes.get(id(t), [()]), owner_cache)
        # an explicit name (params=, then Tensor.name) beats the automatic one
        own = t.name if isinstance(t, Tensor) else None
        name = names.get(id(t)) or own or owner_name
        if isinstance(t, Tensor) and t.requires_grad:
            v = new("leaf", scope, value=t, name=name)
        else:
            v = new("const", scope, value=t, name=name)
        vertices.append(v)
        out_vertex[id(t)] = v

    root_vertices = []
    for r in roots:
        v = out_vertex[id(r)]
        if v not in root_vertices:
            root_vertices.append(v)
    view = GraphView(vertices, edges, root_vertices)
    return view if depth is None else _collapse(view, depth, new)


def _place_input(t: Any, scopes: list[tuple], owner_cache: dict) -> tuple[tuple, str | None]:
    """Scope and automatic name of a leaf or constant.

    A tensor a module holds (a parameter, a buffer) is drawn inside that module
    and named `Linear(2→3).weight`. A constant used only inside one composite
    op (a mask, an unfolded input) is drawn inside the innermost such op, since
    it is usually made there. Everything else (leaves that require grad, other
    constants) is drawn at the top level: it comes from outside.
    """
    prefix = _common_prefix(scopes)
    for i in range(len(prefix) - 1, -1, -1):
        entry = prefix[i]
        if not isinstance(entry, str):
            attr = _direct_tensors(entry, owner_cache).get(id(t))
            if attr is not None:
                return prefix[: i + 1], f"{module_label(entry)}.{attr}"
    if not (isinstance(t, Tensor) and t.requires_grad):
        inner = max((i for i, e in enumerate(prefix) if isinstance(e, str)), default=-1)
        return prefix[: inner + 1], None
    return (), None


def _collapse(view: GraphView, depth: int, new: Any) -> GraphView:
    """Merge every vertex deeper than `depth` into one group per connected invocation."""
    group_key: dict[Vertex, tuple] = {}
    for v in view.vertices:
        if len(v.scope) > depth:
            group_key[v] = scope_key(v.scope[: depth + 1])

    # union-find over edges inside one group key
    parent: dict[Vertex, Vertex] = {v: v for v in group_key}

    def find(v: Vertex) -> Vertex:
        while parent[v] is not v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in view.edges:
        ka, kb = group_key.get(a), group_key.get(b)
        if ka is not None and ka == kb:
            ra, rb = find(a), find(b)
            if ra is not rb:
                parent[ra] = rb

    groups: dict[Vertex, Vertex] = {}
    rep: dict[Vertex, Vertex] = {}
    # a group takes the place of its first op, so groups keep the forward order
    # even when a constant made inside (a mask) was reached before that op
    position: dict[Vertex, int] = {}
    for i, v in enumerate(view.vertices):
        if v not in group_key:
            rep[v] = v
            position[v] = i
            continue
        r = find(v)
        g = groups.get(r)
        if g is None:
            entry = v.scope[depth]
            g = new("group", v.scope[:depth], name=scope_label(entry))
            groups[r] = g
            position[g] = i
        if v.kind == "op" and not any(m.kind == "op" for m in g.members):
            position[g] = i
        g.members.append(v)
        rep[v] = g
    vertices = sorted(position, key=position.__getitem__)

    edges: list[tuple[Vertex, Vertex]] = []
    seen: set[tuple[str, str]] = set()
    leaving: dict[Vertex, dict[int, Any]] = {g: {} for g in groups.values()}
    for a, b in view.edges:
        ra, rb = rep[a], rep[b]
        if ra is rb:
            continue
        if ra.kind == "group":  # a's value (an op's value is its output) leaves the group
            leaving[ra].setdefault(id(a.value), a.value)
        if (ra.vid, rb.vid) not in seen:
            seen.add((ra.vid, rb.vid))
            edges.append((ra, rb))
    roots = []
    for r in view.roots:
        g = rep[r]
        if g.kind == "group":
            leaving[g].setdefault(id(r.value), r.value)
        if g not in roots:
            roots.append(g)
    for g, outs in leaving.items():
        g.outputs = list(outs.values())
    return GraphView(vertices, edges, roots)
