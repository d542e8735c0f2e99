"""`am.func`: torch.func's API.

    functional_call(module, params, args)     the module run with other parameters
    grad(f, argnums, has_aux)                 gradient function of a scalar f
    grad_and_value(f, argnums, has_aux)       (gradient, value), torch's order
    vjp(f, *primals, has_aux)                 (f(*primals), vjp_fn)
    jvp(f, primals, tangents, has_aux)        (f(*primals), J tangents)
    jacrev(f, argnums, has_aux), jacfwd(...)  Jacobians, shape out.shape + in.shape
    hessian(f, argnums)                       jacfwd(jacrev(f))
    vmap(f, in_dims, out_dims, randomness, chunk_size)
                                              f mapped over an axis: a loop over
                                              slices, stacked (not a batching transform)

Arguments differentiated (argnums, primals) may be Tensors (or ndarrays) or pytrees
of them: dicts, tuples and lists nested (a list is a pytree here, as in torch.func,
not array data as for am.grad). Results follow those structures as torch.func's do.
They are built on the reverse-mode engine as am's JAX-style transforms are (see
transforms.py): they nest (`jacrev(jacrev(f))`, `vmap(grad(f))`), forward mode is
computed as the VJP of a VJP, and results carry no graph unless an outer transform
differentiates through them.

`functional_call`: call a module with other tensors in
place of its parameters and buffers, so that a loss is a function of a parameter
vector (for am.hvp, am.hessian, am.jacobian, ...).

    theta = am.cat([p.detach().reshape(-1) for p in model.parameters()])
    def loss_of(theta):
        pieces = am.split(theta, offsets)            # numpy's split: offsets, not sizes
        params = {n: t.reshape(p.shape) for (n, p), t in zip(model.named_parameters(), pieces)}
        return loss_fn(am.func.functional_call(model, params, (x,)), y)
    loss, Hv = am.hvp(loss_of, theta, v)
"""

from __future__ import annotations

import contextlib
import functools
import operator
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import autograd
from .creation import get_rng_state, set_rng_state
from .engine import enable_grad, is_grad_enabled, modules_changed
from .functions import stack
from .nn.module import Module
from .tensor import Tensor, _flag, _is_index, check_seed_dtype
from .transforms import _argnums, _done, _leaf, _nested, _scalar_output

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap"]


def _slots(module: Module) -> dict[str, tuple[Module, str, str]]:
    """Every parameter and buffer slot by dotted name, tied ones under each of their
    names: name -> (owning module, registry name, attribute name)."""
    slots = {}
    for prefix, m in module.named_modules(remove_duplicate=False):
        for registry in ("_parameters", "_buffers"):
            for n, t in getattr(m, registry).items():
                if t is not None:
                    slots[f"{prefix}.{n}" if prefix else n] = (m, registry, n)
    return slots


def functional_call(module: Module, parameters_and_buffers: Mapping[str, Any] | tuple | list,
                    args: Any = None, kwargs: Mapping[str, Any] | None = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """module(*args, **kwargs) computed with the tensors of `parameters_and_buffers`
    (dotted state_dict names -> Tensors of the same shapes; a tuple/list of such dicts
    is merged) in place of the module's own parameters and buffers, which are put
    back afterwards (also on an error). The given tensors may carry a graph, so the
    output is differentiable with respect to them.

    args: a tuple of positional arguments (a single non-tuple value is one argument).
    Names not given keep the module's own tensors, unless strict=True (then every
    parameter and buffer must be given). tie_weights=True: a tensor held under
    several names (a tied weight) takes the value given for any of them.
    Unlike PyTorch, a name that is no parameter or buffer of the module is an error
    (a misspelling would otherwise be ignored silently).
    """
    if not isinstance(module, Module):
        raise TypeError(f"functional_call: module must be an nn.Module, got {type(module).__name__}")
    _flag(tie_weights, "tie_weights", "functional_call")
    _flag(strict, "strict", "functional_call")
    if isinstance(parameters_and_buffers, (tuple, list)):
        given: dict[str, Any] = {}
        for d in parameters_and_buffers:
            if not isinstance(d, Mapping):
                raise TypeError(f"functional_call: expected dicts of names to tensors, got {type(d).__name__}")
            twice = set(given) & set(d)
            if twice:
                raise ValueError(f"functional_call: {sorted(twice)} given in more than one dict")
            given.update(d)
    elif isinstance(parameters_and_buffers, Mapping):
        given = dict(parameters_and_buffers)
    else:
        raise TypeError("functional_call: parameters_and_buffers must be a dict of names to tensors, "
                        f"got {type(parameters_and_buffers).__name__}")
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = {} if kwargs is None else dict(kwargs)

    slots = _slots(module)
    unknown = [k for k in given if k not in slots]
    if unknown:
        raise ValueError(f"functional_call: {unknown} name no parameter or buffer of "
                         f"{type(module).__name__} (it has {list(slots)})")
    for k, v in given.items():
        m, registry, n = slots[k]
        own = getattr(m, registry)[n]
        if not isinstance(v, Tensor):
            raise TypeError(f"functional_call: {k!r} must be a Tensor, got {type(v).__name__}")
        if v.shape != own.shape:
            raise ValueError(f"functional_call: {k!r} has shape {v.shape}, the module's has shape {own.shape}")
    # (what each original tensor is replaced by: a tied tensor follows any of its names)
    by_tensor: dict[int, Any] = {}
    if tie_weights:
        for k, v in given.items():
            m, registry, n = slots[k]
            own = getattr(m, registry)[n]
            other = by_tensor.setdefault(id(own), v)
            if other is not v:
                raise ValueError(f"functional_call: tied tensor {k!r} given two different values")
    plan = []
    for k, (m, registry, n) in slots.items():
        own = getattr(m, registry)[n]
        if k in given:
            plan.append((m, registry, n, given[k]))
        elif id(own) in by_tensor:
            plan.append((m, registry, n, by_tensor[id(own)]))
    if strict:
        covered = {k for k, (m, registry, n) in slots.items()
                   if k in given or id(getattr(m, registry)[n]) in by_tensor}
        missing = [k for k in slots if k not in covered]
        if missing:
            raise ValueError(f"functional_call: strict=True and {missing} not given")

    saved = []
    try:
        for m, registry, n, v in plan:
            saved.append((m, registry, n, getattr(m, registry)[n]))
            getattr(m, registry)[n] = v
            object.__setattr__(m, n, v)
        modules_changed()
        return module(*args, **kwargs)
    finally:
        for m, registry, n, own in reversed(saved):
            getattr(m, registry)[n] = own
            object.__setattr__(m, n, own)
        modules_changed()


# ---------------------------------------------------------------- pytrees

def _is_node(x: Any) -> bool:
    return isinstance(x, (tuple, list, Mapping))


def _leaves(tree: Any) -> list:
    """The leaves of a pytree (dicts, tuples and lists nested), depth first."""
    if isinstance(tree, Mapping):
        return [leaf for v in tree.values() for leaf in _leaves(v)]
    if isinstance(tree, (tuple, list)):
        return [leaf for v in tree for leaf in _leaves(v)]
    return [tree]


def _rebuild(template: Any, items: Any) -> Any:
    """`template`'s structure with its leaves taken in order from the iterator `items`."""
    if isinstance(template, Mapping):
        return {k: _rebuild(v, items) for k, v in template.items()}
    if isinstance(template, (tuple, list)):
        children = [_rebuild(v, items) for v in template]
        if isinstance(template, list):
            return children
        return type(template)(*children) if hasattr(template, "_fields") else tuple(children)
    return next(items)


def _map(fn: Callable[[Any], Any], tree: Any) -> Any:
    return _rebuild(tree, iter([fn(leaf) for leaf in _leaves(tree)]))


def _structure(tree: Any) -> Any:
    """A comparable description of the structure (leaves become '*')."""
    if isinstance(tree, Mapping):
        return ("dict", tuple((k, _structure(v)) for k, v in tree.items()))
    if isinstance(tree, (tuple, list)):
        return (type(tree).__name__, tuple(_structure(v) for v in tree))
    return "*"


def _detached(tree: Any) -> Any:
    return _map(lambda t: t.detach() if isinstance(t, Tensor) else t, tree)


# ---------------------------------------------------------------- differentiation

def _fresh_args(args: Sequence[Any], nums: Sequence[int], outer: bool, who: str) -> tuple[list, list[list[Tensor]]]:
    """args with each leaf of args[n] (n in nums) replaced by a fresh tensor to
    differentiate with respect to; and those fresh tensors, per n."""
    args = list(args)
    per = []
    for n in nums:
        leaves = _leaves(args[n])
        for leaf in leaves:
            if not isinstance(leaf, (Tensor, np.ndarray)):
                raise TypeError(f"{who}: argument {n} must be a Tensor or a pytree (dicts, tuples, lists) of "
                                f"Tensors, found a {type(leaf).__name__}")
        fresh = [_leaf(leaf, outer, who) for leaf in leaves]
        args[n] = _rebuild(args[n], iter(fresh))
        per.append(fresh)
    return args, per


@contextlib.contextmanager
def _called(func: Callable, args: Sequence[Any], kwargs: Mapping[str, Any], argnums: Any,
            has_aux: bool, who: str) -> Any:
    """func called under enable_grad on args with each leaf of the arguments argnums
    names made fresh: yields (args, nums, xs, outer, out, aux, us) -- the new args, the
    argument indices, their fresh leaves, whether grad was on outside, func's output,
    its aux as returned to the caller (None without has_aux), and a list for further
    tensors to free. The block runs under enable_grad; xs and us are freed when it
    ends, however it ends."""
    nums = _argnums(argnums, len(args), who)
    outer = is_grad_enabled()
    with enable_grad():
        args, per = _fresh_args(args, nums, outer, who)
        xs = [x for fresh in per for x in fresh]
        us: list[Tensor] = []
        try:
            out, aux = _split_aux(func(*args, **kwargs), has_aux, who)
            aux = _aux_out(aux, xs, outer) if has_aux else None
            yield args, nums, xs, outer, out, aux, us
        finally:
            _done(*xs, *us)


def _split_aux(res: Any, has_aux: bool, who: str) -> tuple[Any, Any]:
    if not has_aux:
        return res, None
    if not (isinstance(res, tuple) and len(res) == 2):
        raise TypeError(f"{who}: with has_aux=True the function must return a tuple (output, aux), "
                        f"got {type(res).__name__}" + (f" of length {len(res)}" if isinstance(res, tuple) else ""))
    return res


def _tensor_leaves(out: Any, who: str) -> list[Tensor]:
    leaves = _leaves(out)
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise TypeError(f"{who}: the function must return a Tensor or a pytree of Tensors, "
                            f"found a {type(leaf).__name__}")
    return leaves


def _aux_out(aux: Any, xs: list[Tensor], outer: bool) -> Any:
    """aux as returned: tensors an outer transform differentiates through keep their graph."""
    return _map(lambda t: t if not isinstance(t, Tensor) or _nested(t, xs, outer) else t.detach(), aux)


def _zeros(shape: tuple, dtype: Any) -> Tensor:
    return Tensor._wrap(np.zeros(shape, dtype=dtype))


def _per_arg(args: Sequence[Any], nums: Sequence[int], flat: list, argnums: Any) -> Any:
    """`flat` (one entry per fresh leaf) regrouped in the structure of each args[n];
    a tuple over nums for a tuple argnums."""
    items = iter(flat)
    grouped = tuple(_rebuild(args[n], items) for n in nums)
    return grouped[0] if _is_index(argnums) else grouped


def _check_flags(who: str, **flags: Any) -> None:
    for name, value in flags.items():
        _flag(value, name, who)


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """torch.func.grad_and_value: a function returning (gradient, value) -- torch's
    order, the other way round from am.value_and_grad.

    func must return a single-element tensor (with has_aux=True: a tuple
    (that tensor, aux), and the result is (gradient, (value, aux))). The gradient has
    the structure and shapes of args[argnums]: a Tensor of the argument's shape, or a
    pytree (dicts, tuples, lists) of gradients for a pytree argument; a tuple of those
    for a tuple argnums.
    """
    return _grad_and_value(func, argnums, has_aux, "grad_and_value")


def _grad_and_value(func: Callable, argnums: Any, has_aux: bool, who: str) -> Callable:
    _check_flags(who, has_aux=has_aux)

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with _called(func, args, kwargs, argnums, has_aux, who) as (args, nums, xs, outer, out, aux, _):
            out = _scalar_output(out, who)
            nested = _nested(out, xs, outer)
            if out.requires_grad and xs:
                gs = autograd.grad(out, xs, create_graph=nested, allow_unused=True)
            else:
                gs = [None] * len(xs)
            gs = [_zeros(x.shape, x.dtype) if g is None else g for g, x in zip(gs, xs)]
        value = out if nested else out.detach()
        grads = _per_arg(args, nums, gs, argnums)
        return (grads, (value, aux)) if has_aux else (grads, value)

    return wrapped


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """torch.func.grad: the gradient function of a scalar-valued func.

    grad(func)(*args) has the structure and shapes of args[argnums] (a tuple of those
    for a tuple argnums; pytrees of dicts/tuples/lists of Tensors give the same
    pytrees of gradients). With has_aux=True func returns (output, aux) and the result
    is (gradient, aux). func must return a single-element tensor.
    """
    vg = _grad_and_value(func, argnums, has_aux, "grad")

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g, value = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def _as_vectors(given: Any, like: Any, what: str, against: str, who: str) -> list[Tensor]:
    """`given` checked to have the pytree structure of `like` and each leaf its
    shape; leaves as Tensors of the like leaf's dtype."""
    if _structure(given) != _structure(like):
        raise ValueError(f"{who}: {what} must have the structure of the {against}; got "
                         f"{_structure(given)}, expected {_structure(like)}")
    out = []
    for k, (a, t) in enumerate(zip(_leaves(given), _leaves(like))):
        if not isinstance(a, (Tensor, np.ndarray)):
            raise TypeError(f"{who}: {what} must be Tensors, found a {type(a).__name__}")
        raw = a.data if isinstance(a, Tensor) else a
        check_seed_dtype(raw.dtype, t.dtype, who, what)
        if raw.shape != t.shape:
            raise ValueError(f"{who}: {what} leaf {k} has shape {raw.shape}, the {against} has shape {t.shape}")
        out.append(a if isinstance(a, Tensor) and a.dtype == t.dtype else Tensor._wrap(raw.astype(t.dtype)))
    return out


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """torch.func.vjp: (func(*primals), vjp_fn), or (output, vjp_fn, aux) with has_aux.

    primals: Tensors or pytrees of Tensors. func returns a Tensor or a pytree of
    Tensors. vjp_fn(cotangents) -- cotangents with the output's structure and shapes --
    returns a tuple with one entry per primal, each with that primal's structure and
    shapes: sum over outputs of cotangent^T d output / d primal. vjp_fn may be called
    several times.
    """
    who = "vjp"
    _check_flags(who, has_aux=has_aux)
    outer = is_grad_enabled()
    with enable_grad():
        args, per = _fresh_args(primals, range(len(primals)), outer, who)
        xs = [x for fresh in per for x in fresh]
        try:
            out, aux = _split_aux(func(*args), has_aux, who)
            outs = _tensor_leaves(out, who)
            nested = any(_nested(o, xs, outer) for o in outs)
            aux = _aux_out(aux, xs, outer) if has_aux else None
        finally:
            _done(*xs)

    def vjp_fn(cotangents: Any) -> tuple:
        """One entry per primal, each shaped (and structured) like that primal."""
        cts = _as_vectors(cotangents, out, "cotangents", "output", "vjp_fn")
        create = nested or (is_grad_enabled() and any(c.requires_grad for c in cts))
        pairs = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
        with enable_grad():
            found = (autograd.grad([o for o, _ in pairs], xs, grad_outputs=[c for _, c in pairs],
                                   retain_graph=True, create_graph=create, allow_unused=True)
                     if pairs and xs else [None] * len(xs))
        gs = [_zeros(x.shape, x.dtype) if g is None else (g if create else g.detach()) for g, x in zip(found, xs)]
        return _per_arg(args, range(len(primals)), gs, tuple(range(len(primals))))

    value = out if nested else _detached(out)
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def jvp(func: Callable, primals: tuple, tangents: tuple, has_aux: bool = False) -> tuple:
    """torch.func.jvp: (func(*primals), J tangents), or (output, jvp_out, aux) with has_aux.

    primals and tangents: tuples (one entry per argument of func) of Tensors or pytrees
    of Tensors, the tangents with the primals' structure and shapes. jvp_out has the
    output's structure and shapes: sum over primals of d output / d primal . tangent.
    Forward mode computed as the VJP of a VJP: with dummy cotangents u, J^T u is
    linear in u, and its VJP along the tangents is J tangents.
    """
    who = "jvp"
    _check_flags(who, has_aux=has_aux)
    if not isinstance(primals, tuple):
        raise TypeError(f"{who}: primals must be a tuple (func(*primals) is called), got {type(primals).__name__}")
    if not isinstance(tangents, tuple):
        raise TypeError(f"{who}: tangents must be a tuple like primals, got {type(tangents).__name__}")
    outer = is_grad_enabled()
    with enable_grad():
        args, per = _fresh_args(primals, range(len(primals)), outer, who)
        xs = [x for fresh in per for x in fresh]
        us: list[Tensor] = []
        try:
            vs = _as_vectors(tangents, tuple(args), "tangents", "primals", who)
            out, aux = _split_aux(func(*args), has_aux, who)
            outs = _tensor_leaves(out, who)
            nested = any(_nested(o, xs, outer) for o in outs) or (outer and any(v.requires_grad for v in vs))
            aux = _aux_out(aux, xs, outer) if has_aux else None
            live = [o for o in outs if o.requires_grad]
            for o in live:
                u = _zeros(o.shape, o.dtype)
                u.requires_grad = True
                us.append(u)
            jt_u = (autograd.grad(live, xs, grad_outputs=us, create_graph=True, allow_unused=True)
                    if live and xs else [])
            pairs = [(g, v) for g, v in zip(jt_u, vs) if g is not None and g.requires_grad]
            found = (autograd.grad([g for g, _ in pairs], us, grad_outputs=[v for _, v in pairs],
                                   create_graph=nested, allow_unused=True) if pairs else [None] * len(us))
        finally:
            _done(*xs, *us)
    by_out = {id(o): g for o, g in zip(live, found)}
    jv = [by_out.get(id(o)) for o in outs]
    jv = [_zeros(o.shape, o.dtype) if g is None else (g if nested else g.detach()) for g, o in zip(jv, outs)]
    value = out if nested else _detached(out)
    jv = _rebuild(out, iter(jv))
    return (value, jv, aux) if has_aux else (value, jv)


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """torch.func.jacrev: the Jacobian function, by reverse mode (one sweep per output
    element).

    For an output Tensor o and an argument Tensor x the Jacobian has shape
    o.shape + x.shape: J[i..., j...] = d o[i...] / d x[j...]. With a pytree argument
    the Jacobians take its structure; with a tuple argnums, a tuple over argnums;
    with a pytree output, the output's structure holds those (outputs outermost, as
    torch). has_aux=True: func returns (output, aux), the result is (jacobian, aux).
    """
    return _jacobian_fn(func, argnums, has_aux, "jacrev", forward=False)


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """torch.func.jacfwd: the Jacobian function by forward mode (one J v per input
    element, each computed as the VJP of a VJP). Same shapes and structures as jacrev:
    o.shape + x.shape for each output o and argument x."""
    return _jacobian_fn(func, argnums, has_aux, "jacfwd", forward=True)


def _jacobian_fn(func: Callable, argnums: Any, has_aux: bool, who: str, forward: bool) -> Callable:
    _check_flags(who, has_aux=has_aux)

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with _called(func, args, kwargs, argnums, has_aux, who) as (args, nums, xs, outer, out, aux, us):
            outs = _tensor_leaves(out, who)
            nested = any(_nested(o, xs, outer) for o in outs)
            blocks = (_forward_blocks(outs, xs, us, nested) if forward
                      else [_reverse_block(o, xs, nested) for o in outs])
        if not nested:
            blocks = [[b.detach() for b in row] for row in blocks]
        jac = _rebuild(out, iter([_per_arg(args, nums, row, argnums) for row in blocks]))
        return (jac, aux) if has_aux else jac

    return wrapped


def _reverse_block(o: Tensor, xs: list[Tensor], nested: bool) -> list[Tensor]:
    """d o / d x for each x, shape o.shape + x.shape: one reverse sweep per element of o."""
    if not o.requires_grad or o.size == 0 or not xs:
        return [_zeros(o.shape + x.shape, x.dtype) for x in xs]
    flat = o.reshape(-1)
    rows: list[list[Tensor]] = [[] for _ in xs]
    for k in range(o.size):
        gs = autograd.grad(flat[k], xs, retain_graph=True, create_graph=nested, allow_unused=True)
        for r, g, x in zip(rows, gs, xs):
            r.append(_zeros(x.shape, x.dtype) if g is None else g)
    if nested:
        return [stack(r).reshape(o.shape + x.shape) for r, x in zip(rows, xs)]
    return [Tensor._wrap(np.stack([g.data for g in r]).reshape(o.shape + x.shape)) for r, x in zip(rows, xs)]


def _forward_blocks(outs: list[Tensor], xs: list[Tensor], us: list[Tensor], nested: bool) -> list[list[Tensor]]:
    """d o / d x for each output o (rows) and x: column by column, J e_j as the VJP
    (along e_j) of u -> J^T u. `us` receives the dummy cotangents (to be marked done)."""
    live = [o for o in outs if o.requires_grad and o.size > 0]
    for o in live:
        u = _zeros(o.shape, o.dtype)
        u.requires_grad = True
        us.append(u)
    jt_u = (autograd.grad(live, xs, grad_outputs=us, create_graph=True, allow_unused=True)
            if live and xs else [None] * len(xs))
    index = {id(o): k for k, o in enumerate(live)}
    blocks: list[list[Tensor]] = [[] for _ in outs]
    for x, g in zip(xs, jt_u):
        cols: list[list[Any]] = [[] for _ in live]
        if g is not None and g.requires_grad:
            for j in range(x.size):
                e = np.zeros(x.size, dtype=x.dtype)
                e[j] = 1
                found = autograd.grad([g], us, grad_outputs=[Tensor._wrap(e.reshape(x.shape))],
                                      retain_graph=True, create_graph=nested, allow_unused=True)
                for c, f, o in zip(cols, found, live):
                    c.append(_zeros(o.shape, o.dtype) if f is None else f)
        for row, o in zip(blocks, outs):
            k = index.get(id(o))
            if k is None or not cols[k]:
                row.append(_zeros(o.shape + x.shape, x.dtype))
            elif nested:
                row.append(stack(cols[k], axis=-1).reshape(o.shape + x.shape))
            else:
                row.append(Tensor._wrap(np.stack([c.data for c in cols[k]], axis=-1).reshape(o.shape + x.shape)))
    return blocks


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """torch.func.hessian: jacfwd(jacrev(func, argnums), argnums).

    For a single-element output and argument x: shape x.shape + x.shape (generally
    out.shape + x.shape + x.shape). With a tuple argnums, H[i][j] = d^2 f / d x_i d x_j
    of shape x_i.shape + x_j.shape (a tuple of tuples).
    """
    return _jacobian_fn(_jacobian_fn(func, argnums, False, "hessian", forward=False),
                        argnums, False, "hessian", forward=True)


# ---------------------------------------------------------------- vmap

_RANDOMNESS = ("error", "different", "same")


def _dims_like(dims: Any, tree: Any, what: str, who: str) -> list:
    """One dim (int or None) per leaf of `tree`, `dims` being an int/None broadcast
    over a subtree or a (nested) prefix of tree's structure."""
    if dims is None or _is_index(dims):
        return [dims] * len(_leaves(tree))
    if isinstance(dims, Mapping) and isinstance(tree, Mapping) and set(dims) == set(tree):
        return [d for k in tree for d in _dims_like(dims[k], tree[k], what, who)]
    if (isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list))
            and len(dims) == len(tree) and not isinstance(dims, Mapping)):
        return [d for dd, t in zip(dims, tree) for d in _dims_like(dd, t, what, who)]
    if isinstance(dims, (tuple, list, Mapping)):
        raise ValueError(f"{who}: {what} {dims!r} does not match the structure {_structure(tree)}")
    raise TypeError(f"{who}: {what} must be ints, None, or (nested) tuples of them, got {type(dims).__name__}")


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error",
         chunk_size: int | None = None) -> Callable:
    """torch.func.vmap's interface, implemented as a LOOP: vmap(func)(*args) calls func
    once per slice along the mapped axes and stacks the results. It gives torch's
    values and shapes (for correctness and convenience: per-sample gradients as
    vmap(grad(f), in_dims=(None, 0, 0))(params, x, y), ...) but is not a batching
    transform and no faster than the loop written out.

    in_dims: an int (every argument mapped along that axis), or a tuple with one
    entry per positional argument: an int, None (not mapped: passed whole to every
    call), or a (nested) tuple/dict matching that argument's pytree. Keyword
    arguments are not mapped. Every mapped axis must have the same size B (> 0); a
    mapped leaf x gives func x with that axis removed. out_dims: an int or a
    structure matching the output's: each output Tensor o of a call becomes a Tensor
    with a new axis of length B at out_dims (shape o.shape with B inserted); None for
    an output that is the same in every call (returned once). func must return
    Tensors (or pytrees of them). The slicing and the stack are recorded, so the
    result is differentiable.

    randomness (about the global generator am.manual_seed sets; an explicit
    am.Generator is not watched): 'error' refuses a func that draws from it,
    'different' lets each slice draw its own numbers, 'same' gives every slice the
    same draws. chunk_size (None or a positive int) is accepted for torch's
    signature; the numbers do not depend on it.
    """
    who = "vmap"
    if randomness not in _RANDOMNESS:
        raise ValueError(f"{who}: randomness must be one of {_RANDOMNESS}, got {randomness!r}")
    if chunk_size is not None and (not _is_index(chunk_size) or operator.index(chunk_size) < 1):
        raise ValueError(f"{who}: chunk_size must be None or a positive int, got {chunk_size!r}")
    if not (in_dims is None or _is_index(in_dims) or isinstance(in_dims, (tuple, list))):
        raise TypeError(f"{who}: in_dims must be an int or a tuple (one entry per argument), "
                        f"got {type(in_dims).__name__}")
    if in_dims is None:
        raise ValueError(f"{who}: in_dims=None maps no argument; give an int or a tuple")

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if isinstance(in_dims, (tuple, list)) and len(in_dims) != len(args):
            raise ValueError(f"{who}: in_dims has {len(in_dims)} entries for {len(args)} positional arguments")
        dims = _dims_like(tuple(in_dims) if isinstance(in_dims, (tuple, list)) else in_dims,
                          tuple(args), "in_dims", who)
        leaves = _leaves(tuple(args))
        sizes = []
        axes = []
        for k, (leaf, d) in enumerate(zip(leaves, dims)):
            if d is None:
                axes.append(None)
                continue
            if isinstance(leaf, np.ndarray):
                leaf = leaves[k] = Tensor(leaf)
            if not isinstance(leaf, Tensor):
                raise TypeError(f"{who}: in_dims maps input leaf {k} along axis {d}, but it is a "
                                f"{type(leaf).__name__}, not a Tensor; give it in_dim None")
            d = operator.index(d)
            if not -leaf.ndim <= d < leaf.ndim:
                raise ValueError(f"{who}: in_dim {d} is out of range for an input of shape {leaf.shape}")
            axes.append(d % leaf.ndim)
            sizes.append(leaf.shape[d])
        if not sizes:
            raise ValueError(f"{who}: no input is mapped (every in_dim is None or no argument is a Tensor)")
        if len(set(sizes)) > 1:
            raise ValueError(f"{who}: the mapped axes have different sizes {sizes} "
                             f"(in the order of the inputs' leaves); they must all be equal")
        batch = sizes[0]
        if batch == 0:
            raise ValueError(f"{who}: the mapped axes have size 0; this vmap loops over slices and "
                             f"cannot infer func's output from none")
        state = get_rng_state()
        results = []
        for i in range(batch):
            if randomness == "same":
                set_rng_state(state)
            sliced = [leaf if a is None else leaf[(slice(None),) * a + (i,)] for leaf, a in zip(leaves, axes)]
            results.append(func(*_rebuild(tuple(args), iter(sliced)), **kwargs))
            if randomness == "error" and get_rng_state() != state:
                raise RuntimeError(f"{who}: func drew random numbers while randomness='error'; "
                                   f"use randomness='different' or 'same'")
        first = results[0]
        odims = _dims_like(out_dims, first, "out_dims", who)
        columns = list(zip(*[_leaves(r) for r in results]))
        if _structure(first) != "*" and any(_structure(r) != _structure(first) for r in results):
            raise ValueError(f"{who}: func returned different structures for different slices")
        stacked = []
        for k, (col, d) in enumerate(zip(columns, odims)):
            if d is None:
                if not all(isinstance(c, Tensor) and np.array_equal(c.data, col[0].data) for c in col) \
                        and not all(c is col[0] for c in col):
                    raise ValueError(f"{who}: out_dims is None for output leaf {k}, but it differs between slices")
                stacked.append(col[0])
                continue
            for c in col:
                if not isinstance(c, Tensor):
                    raise TypeError(f"{who}: func must return Tensors (or pytrees of them), found a "
                                    f"{type(c).__name__} at output leaf {k}; give it out_dims None")
            shapes = {c.shape for c in col}
            if len(shapes) > 1:
                raise ValueError(f"{who}: func returned shapes {sorted(shapes)} for output leaf {k} in "
                                 f"different slices; they must agree to be stacked")
            nd = col[0].ndim + 1
            d = operator.index(d)
            if not -nd <= d < nd:
                raise ValueError(f"{who}: out_dim {d} is out of range for an output of shape "
                                 f"{col[0].shape} (stacked: {nd} axes)")
            stacked.append(stack(list(col), axis=d))
        return _rebuild(first, iter(stacked))

    return wrapped
