"""The reverse-mode engine: graph recording, grad mode and the backward sweep.

A primitive applied to tensors that require grad records a `Node` holding the
primitive, its inputs (tensors or constants), its keyword parameters and its
output array. Back propagation walks the nodes in reverse topological order
and asks each primitive's VJPs for the gradient of every input that needs one:

    x_bar_i = vjp_i(y_bar, y, x_1, ..., x_n)

The VJPs are written with operators and primitives that work on both ndarrays
and Tensors. Without `create_graph` the sweep hands them raw ndarrays, so they
run at numpy speed and record nothing; with `create_graph` it hands them
Tensors, so the backward pass is itself recorded and can be differentiated.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np

if TYPE_CHECKING:
    from .primitives import Primitive
    from .tensor import Tensor

# -- grad mode ---------------------------------------------------------------

_state = {"grad_enabled": True, "scope": ()}


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded."""
    return _state["grad_enabled"]


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring it on exit."""

    enabled: bool

    def __enter__(self) -> None:
        self._prev = _state["grad_enabled"]
        _state["grad_enabled"] = self.enabled

    def __exit__(self, *exc: object) -> None:
        _state["grad_enabled"] = self._prev

    def __call__(self, fn: Callable) -> Callable:
        mode = type(self)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Do not record operations: `with am.no_grad(): ...` or `@am.no_grad()`."""

    enabled = False


class enable_grad(_GradMode):
    """Record operations again, e.g. inside a `no_grad` block."""

    enabled = True


class scope:
    """Label the nodes created inside with a scope: a Module or a composite op's name.

    Scopes nest; each node keeps the tuple of enclosing scopes at the time it
    was created (one tuple read, so it is cheap), which graph drawings group by.
    """

    def __init__(self, name: object) -> None:
        self.name = name

    def __enter__(self) -> None:
        self._prev = _state["scope"]
        _state["scope"] = self._prev + (self.name,)

    def __exit__(self, *exc: object) -> None:
        _state["scope"] = self._prev


# -- the graph ----------------------------------------------------------------


class Node:
    """One recorded primitive application (what a tensor's `grad_fn` is).

    inputs: the positional arguments, Tensors or constants; None once released.
    params: keyword parameters of the primitive (axis, shape, ...).
    out:    the output ndarray (what VJPs call `ans`).
    scope:  names of the enclosing modules / composite ops at creation time.
    """

    __slots__ = ("prim", "inputs", "params", "out", "scope")

    def __init__(self, prim: Primitive, inputs: tuple, params: dict, out: np.ndarray) -> None:
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.out = out
        self.scope = _state["scope"]

    @property
    def name(self) -> str:
        return self.prim.name

    def parents(self) -> list[Tensor]:
        """The input tensors that require grad (the edges of the graph)."""
        from .tensor import Tensor

        if self.inputs is None:
            return []
        return [t for t in self.inputs if isinstance(t, Tensor) and t.requires_grad]

    def __repr__(self) -> str:
        return f"<{self.prim.name}Backward>"


def _released_error() -> RuntimeError:
    return RuntimeError(
        "backward: trying to backward through the graph a second time, but its "
        "saved arrays were already freed. Pass retain_graph=True to the first "
        "backward() (or autograd.grad) if you need to backward twice."
    )


def topological_order(roots: Iterable[Tensor]) -> list[Tensor]:
    """Non-leaf tensors reachable from `roots`, each after all its consumers.

    Iterative depth-first search (no recursion, so a graph of any depth works).
    Raises RuntimeError if a node on the way was released by a backward.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    for root in roots:
        if root.grad_fn is None or id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, False)]
        while stack:
            t, expanded = stack.pop()
            if expanded:
                order.append(t)
                continue
            stack.append((t, True))
            inputs = t.grad_fn.inputs
            if inputs is None:
                raise _released_error()
            for p in inputs:
                if getattr(p, "grad_fn", None) is not None and id(p) not in seen:
                    seen.add(id(p))
                    stack.append((p, False))
    order.reverse()
    return order


def backward_sweep(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    targets: Sequence[Tensor] | None = None,
) -> list[Any] | None:
    """Propagate `root_grads` from `roots` to every tensor that requires grad.

    With `targets=None` gradients accumulate into leaves' `.grad`; otherwise the
    gradients of `targets` (leaves or not) are returned and no `.grad` changes.
    Gradients are ndarrays inside the sweep, or Tensors when `create_graph`.
    """
    from .tensor import Tensor

    order = topological_order(roots)
    wrap = (lambda a: a if isinstance(a, Tensor) else Tensor(a)) if create_graph else (
        lambda a: a.data if isinstance(a, Tensor) else a
    )
    grads: dict[Tensor, Any] = {}
    for r, g in zip(roots, root_grads):
        g = wrap(g)
        grads[r] = grads[r] + g if r in grads else g

    wanted = {t: None for t in targets} if targets is not None else None
    prev_mode = _state["grad_enabled"]
    _state["grad_enabled"] = create_graph
    try:
        for t in order:
            g = grads.pop(t, None)
            node = t.grad_fn
            if wanted is not None and t in wanted:
                wanted[t] = g
            if g is None:
                continue
            prim, params = node.prim, node.params
            if create_graph:
                inputs = node.inputs
                # The VJP may use the output; recompute it as a recorded Tensor
                # so that second derivatives see its dependence on the inputs.
                ans = prim.apply(*inputs, **params) if prim.uses_ans else None
            else:
                inputs = tuple(p.data if isinstance(p, Tensor) else p for p in node.inputs)
                ans = node.out
            for i, p in enumerate(node.inputs):
                if isinstance(p, Tensor) and p.requires_grad:
                    vjp = prim.vjps[i]
                    if vjp is None:
                        raise RuntimeError(f"{prim.name}: input {i} is not differentiable")
                    gi = vjp(g, ans, *inputs, **params)
                    grads[p] = grads[p] + gi if p in grads else gi
            if not retain_graph:
                node.inputs = None
                node.out = None
        # What is left in `grads` belongs to leaves.
        if wanted is not None:
            for t in wanted:
                if t.grad_fn is None:
                    wanted[t] = grads.get(t)
            return [wanted[t] for t in targets]
        for leaf, g in grads.items():
            if leaf.grad_fn is None and leaf.requires_grad:
                g = g if isinstance(g, Tensor) else Tensor._wrap(g)
                if g.dtype != leaf.dtype:
                    g = g.astype(leaf.dtype)
                leaf.grad = g if leaf.grad is None else leaf.grad + g
        return None
    finally:
        _state["grad_enabled"] = prev_mode
