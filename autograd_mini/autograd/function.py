"""`am.autograd.Function`: PyTorch's extension point for an operation with a
backward of one's own.

    class LegendrePolynomial3(am.autograd.Function):
        @staticmethod
        def forward(ctx, x):                    # x (...) -> (...)
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def backward(ctx, g):                   # g: the output's gradient, (...)
            x, = ctx.saved_tensors
            return g * 1.5 * (5 * x ** 2 - 1)   # x's gradient, x's shape

    y = LegendrePolynomial3.apply(x)

`forward(ctx, *args, **kwargs)` runs under no_grad on the arguments as given and
returns a Tensor or a tuple of them (other values pass through). `backward(ctx,
*grad_outputs)` gets one gradient per output of forward (zeros for an output that
no loss used, and for a non-differentiable one) and returns one gradient per
positional argument of forward (a single value when forward takes one): None for an
argument that is not a tensor or needs no gradient, else an array of that argument's
shape (or of a shape it broadcasts to, summed to its shape as PyTorch does). The recorded node is an ordinary graph node (`y.grad_fn` prints as
`<LegendrePolynomial3Backward>`) whose vector-Jacobian product is the user's
backward, so `.backward()`, `am.autograd.grad`, hooks and the in-place change checks
work as for the built-in operations. Under `create_graph=True` backward receives
Tensors and its gradients are recorded, so a backward written with autograd_mini
operations gives second derivatives (a backward that leaves the library, through
`.numpy()` or numpy calls, gives first derivatives only, as in PyTorch).

Differences from PyTorch: set_materialize_grads(False) is accepted but gradients
are always materialized (zeros, never None); mark_dirty (in-place forwards),
once_differentiable, setup_context, vmap and forward-mode (jvp) are not provided;
am.compile refuses to record a Function (a RuntimeError: call the function
uncompiled), because its forward is Python the tape cannot replay.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..engine import _mode, _versions, no_grad, tracers
from ..primitives import Primitive, unbroadcast
from ..tensor import Tensor


class FunctionCtx:
    """The `ctx` handed to a Function's forward and backward: save_for_backward /
    saved_tensors, needs_input_grad, mark_non_differentiable,
    set_materialize_grads; any other attribute may be set on it to pass values
    from forward to backward (`ctx.constant = c`)."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple = ()
        self._non_diff: set[int] = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (inputs, outputs of forward, or None) for backward."""
        for k, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward: argument {k} is a {type(t).__name__}; only Tensors and "
                    "None can be saved (keep other values as attributes of ctx)"
                )
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to save_for_backward, in order. An output of forward comes
        back as the recorded output (so a create_graph backward sees its graph). Once
        recorded, they are held by the graph node, not by ctx: read them in backward (a
        backward without retain_graph frees them, as PyTorch's)."""
        which = getattr(self, "_saved_as", None)
        if which is None:  # (not recorded: still in forward, or apply recorded no node)
            return self._saved
        current = self._current
        if current is None:
            raise RuntimeError(
                f"{self._fn.__name__}: ctx.saved_tensors is read in backward; outside it the "
                "saved tensors belong to the graph (freed once a backward has run through it)"
            )
        # (each as the node holds it now: the version of it when forward ran, if it was
        # changed in place since, and its graph under create_graph; an output of forward
        # as the recorded output while it lives)
        outs = self._recorded
        saved = []
        for k, j in which:
            if k is None:
                saved.append(None)
                continue
            rec = outs[j]() if j is not None else None
            if rec is not None:
                rec = _as_recorded(rec)  # (changed in place since: its value then)
            if rec is None:
                rec = current[k] if isinstance(current[k], Tensor) else Tensor._wrap(current[k])
            saved.append(rec)
        return tuple(saved)

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Outputs of forward that get no gradient (indices, masks): they are returned
        with requires_grad=False and backward gets zeros for them."""
        self._non_diff.update(id(t) for t in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch code; gradients are always materialized (zeros)."""
        self.materialize_grads = bool(value)


def _as_recorded(t: Tensor) -> Tensor | None:
    """The tensor holding the value the recorded output t had when apply made it: t
    itself, or if t was changed in place since (see engine.rebase), its first old
    version (None if that is gone)."""
    entry = _versions.get(id(t))
    if entry is None or entry[0]() is not t or not entry[1]:
        return t
    return entry[1][0][1]()


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Does an array of `shape` broadcast to `target` (PyTorch's is_expandable_to)?"""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _forward_of_ctx(*datas: Any, ctx: FunctionCtx) -> np.ndarray:
    """The node's forward: the output forward already computed (packed flat when
    forward returned several differentiable tensors)."""
    return ctx._packed.pop()


def _vjp(i: int, g: Any, ans: Any, *inputs: Any, ctx: FunctionCtx) -> Any:
    """The gradient of the node's i-th tensor input: the user's backward, called once
    per backward pass (the engine asks for each input in turn; the answers of the
    first call are kept for the others, matched by the identity of g)."""
    cached = ctx._grads
    if cached is None or cached[0] is not g:
        grads = _run_backward(g, inputs, ctx)
        cached = ctx._grads = (g, grads)
    grads = cached[1]
    out = grads[i]
    if i == ctx._positions_needed_last:
        ctx._grads = None
    return out


def _run_backward(g: Any, inputs: tuple, ctx: FunctionCtx) -> list:
    cls = ctx._fn
    name = cls.__name__
    recorded = isinstance(g, Tensor)  # (create_graph: Tensors, and the backward is recorded)
    wrap = (lambda a: a) if recorded else Tensor._wrap
    if len(ctx._diff) == 1:
        pieces = {ctx._diff[0]: g}
    else:
        pieces, start = {}, 0
        for j in ctx._diff:
            shape, dtype = ctx._outs[j]
            size = int(np.prod(shape))
            piece = g[start:start + size].reshape(shape)
            pieces[j] = piece if piece.dtype == dtype else piece.astype(dtype)
            start += size
    grad_outputs = []
    for j, so in enumerate(ctx._outs):
        if j in pieces:
            grad_outputs.append(wrap(pieces[j]))
        elif so is None:
            grad_outputs.append(None)
        else:
            # (zeros as a Tensor in both modes: a recorded backward computes with Tensors)
            grad_outputs.append(Tensor._wrap(np.zeros(so[0], dtype=so[1] if np.dtype(so[1]).kind in "fc" else g.dtype)))
    ctx._current = inputs
    try:
        result = cls.backward(ctx, *grad_outputs)
    finally:
        ctx._current = None
    if not isinstance(result, tuple):
        result = (result,)
    nargs = ctx._nargs
    if len(result) < nargs or any(r is not None for r in result[nargs:]):
        raise TypeError(
            f"{name}.backward returned {len(result)} gradient(s) but forward took {nargs} "
            f"argument(s): return one per argument (None for one without gradient)"
        )
    grads = []
    for i, k in enumerate(ctx._positions):
        r = result[k]
        x = ctx._inputs_shapes[i]
        if r is None:
            r = np.zeros(x[0], dtype=x[1])
            r = Tensor._wrap(r) if recorded else r
        elif isinstance(r, Tensor):
            r = r if recorded else r.data
        else:
            r = np.asarray(r)
            r = Tensor._wrap(r) if recorded else r
        if tuple(r.shape) != tuple(x[0]) and _broadcasts_to(tuple(x[0]), tuple(r.shape)):
            r = unbroadcast(r, tuple(x[0]))  # (PyTorch's sum_to of such a gradient)
        if tuple(r.shape) != tuple(x[0]):
            raise ValueError(
                f"{name}.backward returned a gradient of shape {tuple(r.shape)} for argument {k}, "
                f"which has shape {tuple(x[0])}"
            )
        grads.append(r)
    return grads


class _FunctionMeta(type):
    def __init__(cls, name: str, bases: tuple, ns: dict) -> None:
        super().__init__(name, bases, ns)
        # One node type per Function class, named as PyTorch names it.
        cls._prim = Primitive(f"{name}", _forward_of_ctx, _vjp, variadic=True, register=False)


class Function(metaclass=_FunctionMeta):
    """Base class of an operation with a hand-written backward (see the module
    docstring). Subclass it with @staticmethod forward(ctx, *args) and
    backward(ctx, *grad_outputs), and call `YourFunction.apply(*args)`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            f"{type(self).__name__}: a Function is not instantiated; call "
            f"{type(self).__name__}.apply(...) instead"
        )

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("autograd.Function: subclasses must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("autograd.Function: subclasses must define backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward(ctx, *args, **kwargs) and record a node whose VJP is backward."""
        name = cls.__name__
        if cls.forward is Function.forward:
            raise NotImplementedError(f"{name}: subclasses of autograd.Function must define forward")
        if tracers:
            raise RuntimeError(
                f"compile: {name}.apply (a custom autograd.Function) cannot be recorded, since a "
                "replay cannot rerun its Python forward and backward; call the function uncompiled"
            )
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        positions = [k for k, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        # Differentiable outputs: float tensors not marked non-differentiable.
        diff = [j for j, o in enumerate(outs)
                if isinstance(o, Tensor) and id(o) not in ctx._non_diff and o.data.dtype.kind in "fc"]
        if not (positions and diff and _mode.grad_enabled):
            return result
        tensors = [args[k] for k in positions]
        ctx._fn, ctx._nargs, ctx._positions = cls, len(args), positions
        ctx._outs = [(o.shape, o.data.dtype) if isinstance(o, Tensor) else None for o in outs]
        ctx._diff, ctx._grads = diff, None
        ctx._inputs_shapes = [(t.shape, t.data.dtype) for t in tensors]
        # The saved tensors go into the node, as inputs of it needing no gradient (those
        # that are not already its inputs): the engine's in-place checks cover them, and
        # a backward releasing the node frees them, as for the built-in operations.
        index = {id(t): i for i, t in enumerate(tensors)}  # (all alive now: ids are distinct)
        out_of = {id(outs[j]): n for n, j in enumerate(diff)}
        extras: list = []
        which = []
        for t in ctx._saved:
            if t is None:
                which.append((None, None))
                continue
            k = index.get(id(t))
            if k is None:
                k = index[id(t)] = len(tensors) + len(extras)
                extras.append(Tensor._wrap(t.data) if t.requires_grad else t)
            which.append((k, out_of.get(id(t))))
        ctx._saved_as, ctx._saved = which, ()
        ctx._current = None
        ctx._positions_needed_last = len(tensors) - 1
        if len(diff) == 1:
            arrays = [outs[diff[0]].data]
        else:
            kind = np.result_type(*[outs[j].data.dtype for j in diff])
            arrays = [np.concatenate([outs[j].data.astype(kind, copy=False).ravel() for j in diff])]
        ctx._packed = arrays  # (read once by the forward below, then dropped)
        node_out = cls._prim.apply(*tensors, *extras, ctx=ctx)
        new = list(outs)
        if len(diff) == 1:
            new[diff[0]] = node_out
        else:
            start = 0
            for j in diff:
                o = outs[j]
                piece = node_out[start:start + o.data.size].reshape(o.shape)
                if piece.data.dtype != o.data.dtype:
                    piece = piece.astype(o.data.dtype)
                new[j] = piece
                start += o.data.size
        ctx._recorded = [weakref.ref(new[j]) for j in diff]
        return new[0] if single else tuple(new)
