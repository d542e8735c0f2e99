"""Walk a recorded computation graph into a drawable view (shared by DOT and text).

The view is a list of vertices in forward topological order (inputs before the
ops that consume them) and the edges between them, following the data flow:

    leaf / const  ->  op  ->  tensor  ->  op  -> ... -> root tensor

Each vertex carries the scope it is drawn in (a tuple of Modules and composite
op names, from `Node.scope`) and which call of each of those scopes it belongs
to (see `calls`): separate calls of the same scope (two softmax calls, a layer
applied twice) are separate clusters, and with `depth=k` every vertex whose
scope is deeper than k is merged into one "group" vertex per call of its scope
entry at level k.

All walks are loops over explicit stacks: a graph of any depth is fine.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Iterable, Mapping

import numpy as np

from ..engine import follow_changes
from ..tensor import Tensor
from ._labels import module_label, scope_label


@dataclass(eq=False, slots=True)
class Vertex:
    """One drawn node.

    kind:   "op", "tensor" (an op's output), "leaf" (a tensor that requires grad
            and has no grad_fn, e.g. a parameter), "const" (a tensor or array
            that needs no grad, e.g. the input data) or "group" (a collapsed scope).
    scope:  the scope path it is drawn inside (clusters), already cut to `depth`.
    call:   one int per scope entry naming the call of that scope it is drawn
            inside (equal ints: the same call; see `calls`).
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
    call: tuple = ()
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
    roots = list(roots)
    follow_changes(roots)  # (nodes recorded before an in-place change drawn with the old value)
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


def calls(nodes: Iterable[Any], levels: int | None = None) -> dict[int, tuple]:
    """id(node) -> one int per entry of node.scope naming the call of that scope the
    node was made in (equal ints at one level: the same call; unique across levels);
    only the outermost `levels` entries when given (a drawing collapsed below them).

    A scope entry names a scope (a Module, a composite's name), not a call of it, so
    calls are told apart from what a recording keeps:
    - a call is a stretch of time (`seq` orders nodes in time): a node made outside
      a scope between two of its nodes parts them into two calls;
    - a call makes its scope tuple afresh and each node keeps the tuple in force
      (`node.scope`): nodes holding one tuple are of one call, and nodes made in
      the call itself (not inside an inner scope; the ops of a Linear) holding
      different tuples are of different calls;
    - otherwise nodes of one scope made one after the other are of one call while
      the later ones use what the earlier ones computed (a module applied to two
      inputs side by side is two calls). Where two calls meet, the later one is
      taken to begin right after the last node the earlier one made itself.
    Two calls in a row that make nodes only inside inner scopes, the second fed by
    the first (a Conv2d applied to its own output), look like one call and are
    drawn as one.
    """
    order = sorted(nodes, key=attrgetter("seq"))
    where = {id(n): i for i, n in enumerate(order)}
    edges = [(where[id(g)], i) for i, n in enumerate(order) for p in n.inputs
             if (g := getattr(p, "grad_fn", None)) is not None]
    paths: list[tuple] = [()] * len(order)
    numbers = itertools.count()
    deepest = max((len(n.scope) for n in order), default=0)
    for level in range(deepest if levels is None else min(levels, deepest)):
        _number_calls(order, edges, paths, level, numbers)
    return {id(n): paths[i] for i, n in enumerate(order)}


def _number_calls(order: list, edges: list, paths: list, level: int, numbers: Any) -> None:
    """Add to each path the number of its node's call at `level` (if its scope is that deep)."""
    n = len(order)
    # runs: nodes made one after the other in one call above `level` and one scope at it
    run: list[int | None] = [None] * n  # (a run is named by its first node)
    key = start = None
    for i, node in enumerate(order):
        if len(node.scope) > level:
            k = (paths[i], _key(node.scope[level]))
            if k != key:
                key, start = k, i
            run[i] = start
        else:
            key = None
    # gap i (between nodes i and i + 1) is held when one scope tuple is on both sides,
    # crossed when an edge goes from one side to the other (+1 -1 marks, summed below)
    held, crossed = [0] * n, [0] * n
    span: dict[tuple, list[int]] = {}
    for i, node in enumerate(order):
        if run[i] is not None:
            span.setdefault((run[i], id(node.scope)), [i, i])[1] = i
    for first, last in span.values():
        held[first] += 1
        held[last] -= 1
    for a, b in edges:
        if run[b] is not None and run[a] == run[b]:
            crossed[a] += 1
            crossed[b] -= 1
    # the scope tuple of the next node of the run made in the call itself
    own_after: list[int | None] = [None] * n
    for i in range(n - 2, -1, -1):
        if run[i] is not None and run[i + 1] == run[i]:
            later = order[i + 1].scope
            own_after[i] = id(later) if len(later) == level + 1 else own_after[i + 1]
    # a call ends after node i with its run, or where no scope tuple holds the gap and
    # either no edge crosses it or the next node made in a call itself is another call's
    number = own = None
    h = c = 0
    for i, node in enumerate(order):
        if run[i] is None:
            continue
        if number is None:
            number, own = next(numbers), None
        paths[i] = paths[i] + (number,)
        if len(node.scope) == level + 1:
            own = id(node.scope)
        h, c = h + held[i], c + crossed[i]
        if i + 1 == n or run[i + 1] != run[i] or (
            not h and (not c or own is not None and own_after[i] not in (None, own))
        ):
            number = None


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

    nodes = [t.grad_fn for t in items if getattr(t, "grad_fn", None) is not None]
    call_of = calls(nodes, None if depth is None else depth + 1)
    # consumers' scopes and calls decide where leaves and constants are drawn
    consumers: dict[int, list[tuple[tuple, tuple]]] = {}
    for node in nodes:
        for p in node.inputs:
            if _is_edge_input(p):
                consumers.setdefault(id(p), []).append((node.scope, call_of[id(node)]))

    owner_cache: dict = {}
    vertices: list[Vertex] = []
    edges: list[tuple[Vertex, Vertex]] = []
    out_vertex: dict[int, Vertex] = {}
    for t in items:
        node = getattr(t, "grad_fn", None)
        if node is not None:
            call = call_of[id(node)]
            op = new("op", node.scope, call=call, node=node, value=t)
            vertices.append(op)
            for p in node.inputs:
                if _is_edge_input(p):
                    edges.append((out_vertex[id(p)], op))
            if tensor_nodes:
                tv = new("tensor", node.scope, call=call, value=t)
                vertices.append(tv)
                edges.append((op, tv))
                out_vertex[id(t)] = tv
            else:
                out_vertex[id(t)] = op
            continue
        scope, call, owner_name = _place_input(t, consumers.get(id(t), [((), ())]), owner_cache)
        # an explicit name (params=, then Tensor.name) beats the automatic one
        own = t.name if isinstance(t, Tensor) else None
        name = names.get(id(t)) or own or owner_name
        if isinstance(t, Tensor) and t.requires_grad:
            v = new("leaf", scope, call=call, value=t, name=name)
        else:
            v = new("const", scope, call=call, value=t, name=name)
        vertices.append(v)
        out_vertex[id(t)] = v

    _drop_wrappers(vertices)
    root_vertices = []
    for r in roots:
        v = out_vertex[id(r)]
        if v not in root_vertices:
            root_vertices.append(v)
    view = GraphView(vertices, edges, root_vertices)
    return view if depth is None else _collapse(view, depth, new)


def _drop_wrappers(vertices: list[Vertex]) -> None:
    """Draw a call of a composite op that recorded one primitive of its own name (x - y
    is the composite `sub` calling the primitive `sub`) as that primitive alone, in the
    scope around the call: a cluster `sub` around the op `sub` says nothing more, and a
    constant it uses (the target y of `out - y`) was drawn inside it as if made there.
    (Calls numbered at that level only: below a drawing's depth they are collapsed.)"""
    ops: dict[Any, list[Vertex]] = {}
    for v in vertices:
        if v.kind == "op":
            for i in range(min(len(v.scope), len(v.call))):
                if isinstance(v.scope[i], str):
                    ops.setdefault(v.call[: i + 1], []).append(v)
    wrappers = {key for key, found in ops.items()
                if len(found) == 1 and str(found[0].scope[len(key) - 1]) == found[0].node.name}
    if not wrappers:
        return
    for v in vertices:
        for i in range(1, len(v.call) + 1):
            if v.call[:i] in wrappers:
                v.scope, v.call = v.scope[: i - 1], v.call[: i - 1]
                break


def _place_input(
    t: Any, uses: list[tuple[tuple, tuple]], owner_cache: dict
) -> tuple[tuple, tuple, str | None]:
    """Scope, call path and automatic name of a leaf or constant, from the
    (scope, call path) of the ops that use it.

    A tensor a module holds (a parameter, a buffer) is drawn inside that module
    and named `Linear(2→3).weight`. A constant used only inside one composite
    op (a mask, an unfolded input) is drawn inside the innermost such op, since
    it is usually made there. Everything else (leaves that require grad, other
    constants) is drawn at the top level: it comes from outside. A tensor that
    several calls of that scope use (the weight of a layer called twice) is
    drawn in the innermost call they share, named as before.
    """
    prefix = _common_prefix([scope for scope, _ in uses])
    first = uses[0][1]
    # (call numbers are unique: equal at a level means equal above it; a drawing
    # collapsed at depth k numbers only k + 1 levels, all a placement needs there)
    shared = min(len(prefix), *(len(call) for _, call in uses))
    while shared and any(call[shared - 1] != first[shared - 1] for _, call in uses):
        shared -= 1
    place, name = 0, None
    for i in range(len(prefix) - 1, -1, -1):
        entry = prefix[i]
        if not isinstance(entry, str):
            attr = _direct_tensors(entry, owner_cache).get(id(t))
            if attr is not None:
                place, name = i + 1, f"{module_label(entry)}.{attr}"
                break
    else:
        if not (isinstance(t, Tensor) and t.requires_grad):
            place = 1 + max((i for i, e in enumerate(prefix) if isinstance(e, str)), default=-1)
    place = min(place, shared)
    return prefix[:place], first[:place], name


def _collapse(view: GraphView, depth: int, new: Any) -> GraphView:
    """Merge every vertex deeper than `depth` into one group per call of its scope at that depth."""
    groups: dict[tuple, Vertex] = {}
    rep: dict[Vertex, Vertex] = {}
    # a group takes the place of its first op, so groups keep the forward order
    # even when a constant made inside (a mask) was reached before that op
    position: dict[Vertex, int] = {}
    for i, v in enumerate(view.vertices):
        if len(v.scope) <= depth:
            rep[v] = v
            position[v] = i
            continue
        g = groups.get(v.call[: depth + 1])
        if g is None:
            g = new("group", v.scope[:depth], call=v.call[:depth], name=scope_label(v.scope[depth]))
            groups[v.call[: depth + 1]] = g
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
