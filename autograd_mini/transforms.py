"""Function transforms: grad, value_and_grad, jacobian, hessian, hvp, jvp.

Each takes a function `f` of Tensors returning Tensors and gives back a
function (or a value) built from reverse-mode sweeps. Inputs may be Tensors,
ndarrays or numbers. Transforms nest: when an argument already requires grad
(an outer transform is differentiating), the inner one records its own
backward pass (`create_graph`), so `grad(grad(grad(f)))` is a third derivative.
They record `f` even inside `am.no_grad()` (a gradient is what they are asked
for), and then return results with no graph.
"""

from __future__ import annotations

import functools
import operator
import weakref
from collections.abc import Mapping
from typing import Any, Callable, Sequence

import numpy as np

from . import autograd
from . import primitives as P
from .engine import enable_grad, is_grad_enabled, topological_order
from .functions import stack
from .tensor import Tensor, _is_index, _to_array, check_seed_dtype, get_default_dtype


_finished: "weakref.WeakValueDictionary[int, Tensor]" = weakref.WeakValueDictionary()
"""id -> the fresh variables of transforms that have returned. A gradient a nested
transform returns may still be recorded with respect to them, but nobody can
differentiate with respect to them any more: to `_nested` they are constants.
(By id: a WeakSet would compare tensors with ==, which is elementwise.)"""


def _done(*leaves: Tensor) -> None:
    """Note that a transform has returned: its fresh variables among `leaves`
    (not aliases of an outer variable) are no outer computation's variables."""
    for t in leaves:
        if t.grad_fn is None:
            _finished[id(t)] = t


def _leaf(x: Any, outer: bool, who: str) -> Tensor:
    """A fresh tensor to differentiate with respect to.

    If `x` already requires grad and grad mode was on outside (`outer`: an
    outer transform differentiates through it), the fresh tensor is a recorded
    alias of x: gradients taken with respect to the alias see only this call's
    use of it, not other uses of x closed over by `f`, while the outer
    transform still sees through it.
    """
    if outer and isinstance(x, Tensor) and x.requires_grad:
        return P.reshape.apply(x, shape=x.shape)
    if isinstance(x, Mapping):
        raise TypeError(f"{who}: cannot differentiate with respect to a dict (of {len(x)} entries); "
                        "grad and value_and_grad take a dict of tensors (as torch.func.grad does), "
                        f"{who} takes one tensor: flatten the parameters into one (see am.func)")
    arr = _to_array(x, None, who)
    if arr.dtype.kind not in "fc":  # (integers and booleans; complex numbers keep their imaginary part)
        arr = arr.astype(get_default_dtype())
    t = Tensor._wrap(arr)
    t.requires_grad = True
    return t


def _nested(out: Tensor, own: list[Tensor], outer: bool) -> bool:
    """Does `out` depend on a tensor requiring grad other than our own leaves,
    with grad mode on outside (`outer`)?

    Then an outer computation differentiates through this one, and the
    backward pass must be recorded (create_graph). (The variables of an inner
    transform that has returned do not count: see `_finished`.)
    """
    if not outer or not out.requires_grad:
        return False
    own_set = set(own)
    if out.grad_fn is None:  # (a leaf returned as it is: topological_order lists no leaves)
        return out not in own_set and _finished.get(id(out)) is not out
    for t in topological_order([out]):
        if t in own_set and t.grad_fn.prim is P.reshape:
            return True  # an alias of an outer variable
        node = t.grad_fn
        for i in node.needs:
            p = node.inputs[i]
            if p.grad_fn is None and p not in own_set and _finished.get(id(p)) is not p:
                return True
    return False


def _argnums(argnums: int | Sequence[int], nargs: int, who: str) -> tuple[int, ...]:
    nums = (argnums,) if _is_index(argnums) else argnums
    if not isinstance(nums, (tuple, list, range)) or not all(_is_index(n) for n in nums):  # (not a bool either)
        raise TypeError(f"{who}: argnums must be an int or a tuple of ints, got {argnums!r}")
    nums = tuple(operator.index(n) for n in nums)
    if not nums:  # (f then ran on the caller's raw arrays and failed somewhere inside)
        raise ValueError(f"{who}: argnums is empty; name at least one argument to differentiate")
    for n in nums:
        if not -nargs <= n < nargs:
            raise ValueError(
                f"{who}: argnums {n} is out of range for a function called with {nargs} arguments"
            )
    positions = [n % nargs for n in nums]
    if len(set(positions)) < len(positions):
        # (as PyTorch: a second leaf for one argument would be an alias of the first,
        # and the gradients of plain inputs would come back carrying a graph)
        raise ValueError(f"{who}: argnums {tuple(nums)} names argument "
                         f"{next(p for p in positions if positions.count(p) > 1)} twice")
    return nums


def _scalar_output(out: Any, who: str) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{who}: the function must return a Tensor, got {type(out).__name__}")
    if out.size != 1:
        raise ValueError(f"{who}: the function must return a single-element tensor, got shape {out.shape}")
    return out


def _grad_of(out: Tensor, xs: list[Tensor], nested: bool) -> list[Tensor]:
    """d out / d x for each x, zeros where out does not depend on x."""
    if not out.requires_grad:
        return [Tensor._wrap(np.zeros_like(x.data)) for x in xs]
    gs = autograd.grad(out, xs, create_graph=nested, allow_unused=True)
    return [g if g is not None else Tensor._wrap(np.zeros_like(x.data)) for x, g in zip(xs, gs)]


def value_and_grad(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning (f(*args), gradient of f with respect to args[argnums]).

    f must return a single-element tensor. The gradient has the shape of its
    argument; with a tuple `argnums` it is a tuple of gradients. An argument that
    is a dict of tensors (torch.func's parameter dict, e.g. for
    am.func.functional_call) gets a dict of gradients with the same keys. (A list
    is numpy's array data, one tensor, not a list of arguments.)
    """
    return _value_and_grad(f, argnums, "value_and_grad")


def _value_and_grad(f: Callable[..., Tensor], argnums: int | Sequence[int], who: str) -> Callable:
    """value_and_grad, with `who` naming the transform in error messages."""

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Tensor, Any]:
        nums = _argnums(argnums, len(args), who)
        outer = is_grad_enabled()
        with enable_grad():
            args = list(args)
            xs = []
            keys = []  # per argument: its dict's keys, or None for a single tensor
            for n in nums:
                if isinstance(args[n], Mapping):  # (torch.func's parameter dicts)
                    keys.append(list(args[n]))
                    args[n] = {k: _leaf(v, outer, f"{who} (argument {n}[{k!r}])")
                               for k, v in args[n].items()}
                    xs.extend(args[n].values())
                else:
                    keys.append(None)
                    args[n] = _leaf(args[n], outer, who)
                    xs.append(args[n])
            try:
                out = _scalar_output(f(*args, **kwargs), who)
                nested = _nested(out, xs, outer)
                gs = _grad_of(out, xs, nested)
            finally:
                _done(*xs)
        value = out if nested else out.detach()
        grads, i = [], 0
        for ks in keys:
            if ks is None:
                grads.append(gs[i])
                i += 1
            else:
                grads.append(dict(zip(ks, gs[i:i + len(ks)])))
                i += len(ks)
        return value, (grads[0] if _is_index(argnums) else tuple(grads))

    return wrapped


def grad(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable:
    """The gradient function of a scalar-valued `f`: grad(f)(*args) has the shape of
    args[argnums] (a tuple of gradients for a tuple argnums; see `value_and_grad`)."""
    return _grad(f, argnums, "grad")


def _grad(f: Callable[..., Tensor], argnums: int | Sequence[int], who: str) -> Callable:
    """grad, with `who` naming the transform in error messages."""
    vg = _value_and_grad(f, argnums, who)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    return wrapped


def jacobian(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian function: J[i..., j...] = d out[i...] / d x[j...].

    Shape out.shape + x.shape; one reverse sweep per output element. With a tuple
    argnums, a tuple of Jacobians, one per argument (torch.func.jacrev's structure).
    """
    if not _is_index(argnums):
        return _tuple_argnums(f, argnums, "jacobian", hessian=False)
    return _jacobian(f, argnums, "jacobian")


def _tuple_argnums(f: Callable[..., Tensor], argnums: Any, who: str, hessian: bool) -> Callable:
    """jacobian/hessian with a tuple argnums, by am.func's jacrev (am's conventions for
    the arguments: a list or a number is array data, one tensor)."""
    from . import func  # (func imports this module)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), who)
        args = list(args)
        for n in nums:
            if not isinstance(args[n], (Tensor, np.ndarray)):
                if isinstance(args[n], Mapping):
                    raise TypeError(f"{who}: cannot differentiate with respect to a dict (argument {n}); "
                                    f"am.func.{'hessian' if hessian else 'jacrev'} takes pytrees")
                arr = _to_array(args[n], None, who)
                args[n] = Tensor._wrap(arr if arr.dtype.kind in "fc" else arr.astype(get_default_dtype()))
        inner = func._grad_and_value(f, argnums, False, who) if hessian else f
        g = (lambda *a, **k: inner(*a, **k)[0]) if hessian else inner
        return func._jacobian_fn(g, argnums, False, who, forward=False)(*args, **kwargs)

    return wrapped


def _jacobian(f: Callable[..., Tensor], argnums: int, who: str) -> Callable:
    """jacobian, with `who` naming the transform in error messages."""

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Tensor:
        if not _is_index(argnums):
            raise TypeError(f"{who}: argnums must be one int, got {argnums!r}")
        (n,) = _argnums(argnums, len(args), who)
        outer = is_grad_enabled()
        with enable_grad():
            args = list(args)
            x = args[n] = _leaf(args[n], outer, who)
            try:
                return _rows(f(*args, **kwargs), x, outer, who)
            finally:
                _done(x)

    return wrapped


def _rows(out: Any, x: Tensor, outer: bool, who: str) -> Tensor:
    """The Jacobian of `out` with respect to `x`, one reverse sweep per element of out."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{who}: the function must return a Tensor, got {type(out).__name__}")
    nested = _nested(out, [x], outer)
    if not out.requires_grad or out.size == 0:
        return Tensor._wrap(np.zeros(out.shape + x.shape, dtype=x.dtype))
    flat = out.reshape(-1)
    rows = []
    for i in range(flat.shape[0]):
        (g,) = autograd.grad(flat[i], [x], retain_graph=True, create_graph=nested, allow_unused=True)
        rows.append(g if g is not None else Tensor._wrap(np.zeros_like(x.data)))
    if nested:
        return stack(rows).reshape(out.shape + x.shape)
    return Tensor._wrap(np.stack([r.data for r in rows]).reshape(out.shape + x.shape))


def hessian(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable:
    """The Hessian function of a scalar-valued `f`: shape x.shape + x.shape. With a
    tuple argnums, a tuple of tuples: H[i][j] = d^2 f / d x_i d x_j, shape
    x_i.shape + x_j.shape (torch.func.hessian's structure)."""
    if not _is_index(argnums):
        return _tuple_argnums(f, argnums, "hessian", hessian=True)
    return _jacobian(_grad(f, argnums, "hessian"), argnums, "hessian")


def hvp(f: Callable[..., Tensor], x: Any, v: Any) -> tuple[Tensor, Tensor]:
    """(f(x), H v): the Hessian of a scalar-valued f at x applied to v (v and H v
    have x's shape).

    Two reverse sweeps, never forming H: H v = d/dx <grad f(x), v>.
    """
    outer = is_grad_enabled()
    with enable_grad():
        x = _leaf(x, outer, "hvp")
        try:
            v = _as_like(v, x, "hvp")
            out = _scalar_output(f(x), "hvp")
            # (An outer derivative may also be taken with respect to v.)
            nested = _nested(out, [x], outer) or (outer and v.requires_grad)
            (g,) = _grad_of(out, [x], True)
            (hv,) = _grad_of((g * v).sum(), [x], nested)
        finally:
            _done(x)
    return (out if nested else out.detach()), hv


def jvp(f: Callable[..., Tensor], x: Any, v: Any) -> tuple[Tensor, Tensor]:
    """(f(x), J v): the directional derivative of f at x along v (forward mode); v
    has x's shape, J v has f(x)'s.

    Built as the VJP of a VJP: with a dummy cotangent u, g(u) = J^T u is linear
    in u, and the VJP of g with cotangent v is J v.
    """
    outer = is_grad_enabled()
    with enable_grad():
        x = _leaf(x, outer, "jvp")
        u = None
        try:
            v = _as_like(v, x, "jvp")
            out = f(x)
            if not isinstance(out, Tensor):
                raise TypeError(f"jvp: the function must return a Tensor, got {type(out).__name__}")
            # (An outer derivative may also be taken with respect to v.)
            nested = _nested(out, [x], outer) or (outer and v.requires_grad)
            value = out if nested else out.detach()
            if not out.requires_grad:
                return value, Tensor._wrap(np.zeros(out.shape, dtype=out.dtype))
            u = Tensor._wrap(np.zeros(out.shape, dtype=out.dtype))
            u.requires_grad = True
            (jt_u,) = autograd.grad(out, [x], grad_outputs=u, create_graph=True, allow_unused=True)
            if jt_u is None or not jt_u.requires_grad:
                return value, Tensor._wrap(np.zeros(out.shape, dtype=out.dtype))
            (jv,) = autograd.grad(jt_u, [u], grad_outputs=v, create_graph=nested, allow_unused=True)
        finally:
            _done(x, *([] if u is None else [u]))
    if jv is None:
        jv = Tensor._wrap(np.zeros(out.shape, dtype=out.dtype))
    return value, jv


def _as_like(v: Any, x: Tensor, who: str) -> Tensor:
    try:
        raw = v.data if isinstance(v, Tensor) else np.asarray(v)
    except (ValueError, TypeError) as e:  # (a ragged list)
        raise TypeError(f"{who}: cannot make a numeric tensor from v ({type(v).__name__}): {e}") from e
    check_seed_dtype(raw.dtype, x.dtype, who, "v")
    v = v if isinstance(v, Tensor) else Tensor(raw, dtype=x.dtype)
    if v.shape != x.shape:
        raise ValueError(f"{who}: v has shape {v.shape}, x has shape {x.shape}")
    return v
