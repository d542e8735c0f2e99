"""`am.autograd.functional`: PyTorch's torch.autograd.functional, evaluated at given inputs.

    jacobian(func, inputs)       d out / d in, shape out.shape + in.shape
    hessian(func, inputs)        d^2 out / d in d in, for a single-element out
    vjp(func, inputs, v)         (func(inputs), v^T J)   shaped like inputs
    jvp(func, inputs, v)         (func(inputs), J v)     shaped like the outputs
    vhp(func, inputs, v)         (func(inputs), v^T H)   shaped like inputs
    hvp(func, inputs, v)         (func(inputs), H v)     shaped like inputs

`inputs` is a Tensor or a tuple of Tensors, passed to func as its positional
arguments; func returns a Tensor or a tuple of Tensors. Results follow those
structures as PyTorch's do: with tuples of inputs and outputs, jacobian(...)[i][j]
is d out_i / d in_j and hessian(...)[i][j] is d^2 out / d in_i d in_j. An output
that does not depend on an input gets zeros there (strict=True raises instead).

With create_graph=False (the default) every result carries no graph. With
create_graph=True they are recorded, so they can be differentiated again, also
through inputs that require grad (a derivative of a derivative). am's own
transforms (`am.jacobian(f)(x)`, `am.hessian`, `am.hvp`, `am.jvp`) take the
JAX-style route instead: they return functions, and nest without create_graph.

Every result is built from reverse sweeps (`am.autograd.grad`): a Jacobian takes
one per output element; J v is the VJP of a VJP (with a dummy cotangent u,
J^T u is linear in u, and its VJP along v is J v); H v = d/dx <grad f, v>.
`vectorize` and the strategies are PyTorch's speed options: accepted, and the
numbers are the same.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import primitives as P
from ..engine import enable_grad
from ..functions import stack
from ..tensor import Tensor, _flag, _to_array, check_seed_dtype
from ..transforms import _scalar_output
from . import grad as _grad

__all__ = ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"]

_STRATEGIES = ("reverse-mode", "forward-mode")


def _inputs(inputs: Any, create_graph: bool, who: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(was it a tuple, fresh tensors to differentiate with respect to).

    Each is a new leaf holding the input's values; with create_graph, an input
    that requires grad gets a recorded alias instead, so that an outer derivative
    sees through this one (PyTorch's rule).
    """
    is_tuple = isinstance(inputs, (tuple, list))
    items = tuple(inputs) if is_tuple else (inputs,)
    if not items:
        raise ValueError(f"{who}: inputs is empty; give a Tensor or a tuple of Tensors")
    fresh = []
    for k, x in enumerate(items):
        if not isinstance(x, Tensor):
            raise TypeError(f"{who}: inputs must be a Tensor or a tuple of Tensors, got "
                            f"{type(x).__name__}" + (f" at position {k}" if is_tuple else ""))
        if x.dtype.kind not in "fc":
            raise TypeError(f"{who}: input {k} has dtype {x.dtype}; only floating-point or complex "
                            f"inputs can be differentiated")
        if create_graph and x.requires_grad:
            fresh.append(P.reshape.apply(x, shape=x.shape))
        else:
            t = Tensor._wrap(x.data)
            t.requires_grad = True
            fresh.append(t)
    return is_tuple, tuple(fresh)


def _outputs(out: Any, who: str) -> tuple[bool, tuple[Tensor, ...]]:
    is_tuple = isinstance(out, (tuple, list))
    items = tuple(out) if is_tuple else (out,)
    for k, o in enumerate(items):
        if not isinstance(o, Tensor):
            raise TypeError(f"{who}: the function must return a Tensor or a tuple of Tensors, got "
                            f"{type(o).__name__}" + (f" at position {k}" if is_tuple else ""))
    return is_tuple, items


def _vectors(v: Any, like: tuple[Tensor, ...], is_tuple: bool, what: str, who: str) -> tuple[Tensor, ...]:
    """v checked against `like` (the outputs or the inputs): one tensor of each one's shape.
    None stands for 1 where `like` is a single one-element tensor."""
    if v is None:
        if is_tuple or like[0].size != 1:
            raise ValueError(f"{who}: v may be None only when the {what} is a single one-element "
                             f"tensor; got shape(s) {[t.shape for t in like]}")
        return (Tensor._wrap(np.ones(like[0].shape, dtype=like[0].dtype)),)
    items = tuple(v) if isinstance(v, (tuple, list)) and is_tuple else (v,)
    if len(items) != len(like):
        raise ValueError(f"{who}: v has {len(items)} entries for {len(like)} {what}s")
    out = []
    for k, (a, t) in enumerate(zip(items, like)):
        raw = a.data if isinstance(a, Tensor) else _to_array(a, None, who)
        check_seed_dtype(raw.dtype, t.dtype, who, f"v[{k}]" if is_tuple else "v")
        if raw.shape != t.shape:
            raise ValueError(f"{who}: v{f'[{k}]' if is_tuple else ''} has shape {raw.shape}, the {what} "
                             f"{f'{k} ' if is_tuple else ''}has shape {t.shape}")
        out.append(a if isinstance(a, Tensor) and a.dtype == t.dtype else Tensor._wrap(raw.astype(t.dtype)))
    return tuple(out)


def _vjp(outs: Sequence[Tensor], ins: Sequence[Tensor], vs: Sequence[Tensor], create_graph: bool,
         strict: bool, who: str) -> list[Tensor]:
    """sum_k v_k^T d out_k / d in, for each input; zeros for an input nothing depends on."""
    pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    found = (_grad([o for o, _ in pairs], list(ins), [v for _, v in pairs], retain_graph=True,
                   create_graph=create_graph, allow_unused=True) if pairs else (None,) * len(ins))
    grads = []
    for i, (g, x) in enumerate(zip(found, ins)):
        if g is None:
            if strict:
                raise RuntimeError(f"{who}: the output is independent of input {i} (shape {x.shape}); "
                                   f"strict=True refuses that")
            g = Tensor._wrap(np.zeros_like(x.data))
        grads.append(g if create_graph else g.detach())
    return grads


def _finish(items: Sequence[Tensor], is_tuple: bool, create_graph: bool) -> Any:
    items = tuple(t if create_graph else t.detach() for t in items)
    return items if is_tuple else items[0]


def _options(create_graph: Any, strict: Any, who: str) -> None:
    _flag(create_graph, "create_graph", who)
    _flag(strict, "strict", who)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(*inputs), v^T J): the vector-Jacobian product, shaped like inputs.

    v: shaped like func's output(s); None for a single one-element output (taken as 1).
    """
    who = "autograd.functional.vjp"
    _options(create_graph, strict, who)
    with enable_grad():
        is_in, ins = _inputs(inputs, create_graph, who)
        is_out, outs = _outputs(func(*ins), who)
        vs = _vectors(v, outs, is_out, "output", who)
        grads = _vjp(outs, ins, vs, create_graph, strict, who)
    return _finish(outs, is_out, create_graph), _finish(grads, is_in, create_graph)


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(*inputs), J v): the Jacobian-vector product, shaped like func's output(s).

    v: shaped like inputs; None for a single one-element input. J v is the VJP of
    the VJP u -> J^T u (linear in the dummy cotangent u) along v.
    """
    who = "autograd.functional.jvp"
    _options(create_graph, strict, who)
    with enable_grad():
        is_in, ins = _inputs(inputs, create_graph, who)
        vs = _vectors(v, ins, is_in, "input", who)
        is_out, outs = _outputs(func(*ins), who)
        us = []
        for o in outs:
            u = Tensor._wrap(np.zeros(o.shape, dtype=o.dtype))
            u.requires_grad = True
            us.append(u)
        jt_u = _vjp(outs, ins, us, True, strict, who)
        pairs = [(g, w) for g, w in zip(jt_u, vs) if g.requires_grad]
        found = (_grad([g for g, _ in pairs], us, [w for _, w in pairs], retain_graph=True,
                       create_graph=create_graph, allow_unused=True) if pairs else (None,) * len(us))
        jv = [Tensor._wrap(np.zeros(o.shape, dtype=o.dtype)) if g is None else g for g, o in zip(found, outs)]
    return _finish(outs, is_out, create_graph), _finish(jv, is_out, create_graph)


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """d out / d in: shape out.shape + in.shape for each output and input (see the
    module doc for tuples); one reverse sweep per output element."""
    who = "autograd.functional.jacobian"
    _options(create_graph, strict, who)
    _flag(vectorize, "vectorize", who)
    if strategy not in _STRATEGIES:
        raise ValueError(f"{who}: strategy must be one of {_STRATEGIES}, got {strategy!r}")
    with enable_grad():
        is_in, ins = _inputs(inputs, create_graph, who)
        is_out, outs = _outputs(func(*ins), who)
        blocks = [_jacobian_rows(o, ins, create_graph, strict, who) for o in outs]
    if is_out and is_in:
        return tuple(tuple(row) for row in blocks)
    if is_out:
        return tuple(row[0] for row in blocks)
    return tuple(blocks[0]) if is_in else blocks[0][0]


def _jacobian_rows(out: Tensor, ins: tuple[Tensor, ...], create_graph: bool, strict: bool,
                   who: str) -> list[Tensor]:
    """d out / d in for each input: one reverse sweep per element of out."""
    if out.size == 0 or (not out.requires_grad and not strict):
        return [Tensor._wrap(np.zeros(out.shape + x.shape, dtype=x.dtype)) for x in ins]
    flat = out.reshape(-1)
    rows: list[list[Tensor]] = [[] for _ in ins]
    for k in range(out.size):
        element = flat[k]
        one = Tensor._wrap(np.ones((), dtype=out.dtype))
        for i, g in enumerate(_vjp([element], ins, [one], create_graph, strict, who)):
            rows[i].append(g)
    if create_graph:
        return [stack(r).reshape(out.shape + x.shape) for r, x in zip(rows, ins)]
    return [Tensor._wrap(np.stack([g.data for g in r]).reshape(out.shape + x.shape)) for r, x in zip(rows, ins)]


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """d^2 f / d in_i d in_j of a single-element func: shape in_i.shape + in_j.shape; a
    Tensor for a single input, else a tuple of tuples. The Jacobian of the gradient."""
    who = "autograd.functional.hessian"
    _options(create_graph, strict, who)
    is_in, _ = _inputs(inputs, False, who)  # (checked here, so a refusal names hessian, not its jacobian)

    def gradient(*xs: Tensor) -> tuple[Tensor, ...]:
        out = _scalar_output(func(*xs), who)
        one = Tensor._wrap(np.ones(out.shape, dtype=out.dtype))
        return tuple(_vjp([out], xs, [one], True, strict, who))

    blocks = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    return blocks if is_in else blocks[0]


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensor, Any]:
    """(func(*inputs), v^T H) for a single-element func; v and the result shaped like inputs.

    v^T H = d/d in <grad f, v>: two reverse sweeps, never forming H.
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "autograd.functional.vhp")


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensor, Any]:
    """(func(*inputs), H v) for a single-element func; v and the result shaped like inputs.

    H is symmetric (for a twice continuously differentiable f), so H v = (v^T H)^T is
    computed as vhp's d/d in <grad f, v>.
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "autograd.functional.hvp")


def _hessian_product(func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool,
                     who: str) -> tuple[Tensor, Any]:
    _options(create_graph, strict, who)
    with enable_grad():
        is_in, ins = _inputs(inputs, create_graph, who)
        vs = _vectors(v, ins, is_in, "input", who)
        out = _scalar_output(func(*ins), who)
        one = Tensor._wrap(np.ones(out.shape, dtype=out.dtype))
        g = _vjp([out], ins, [one], True, strict, who)
        hv = _vjp(g, ins, vs, create_graph, strict, who)
    return _finish([out], False, create_graph), _finish(hv, is_in, create_graph)
