"""Gradient utilities for training loops, as torch.nn.utils: clipping and flat vectors;
`parametrize` and `parametrizations` (weight_norm, spectral_norm) as torch's.

    loss.backward()
    am.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()

`clip_grad_norm_` and `clip_grad_value_` change the gradients in place, as PyTorch's
`mul_` and `clamp_` do: `p.grad` stays the same Tensor holding the same array. Such
a change is stamped (engine.changed_in_place), so a graph that kept a gradient's
array (`pen = (p.grad ** 2).sum()` after a create_graph backward) refuses to
backpropagate after the clip instead of computing with the new values. A gradient
that has a graph of its own (create_graph) is the exception: it becomes a new,
recorded `p.grad * coef` (coef a constant), the rule of `x *= c` for a tensor with
a graph, so that its graph and its values agree; PyTorch would scale it in place and
leave its graph describing the unscaled values.

Everything is checked before anything changes. Nothing here runs inside am.compile
(a replay would skip the change).
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from ...engine import _root, changed_in_place, enable_grad, tracers
from ...functions import clip as _clip, concatenate as _concatenate
from ...tensor import Tensor, _flag, get_default_dtype
from ..functional import _number
from . import rnn  # (torch.nn.utils.rnn: pad_sequence)
from . import parametrize  # (register_parametrization, remove_parametrizations, is_parametrized)
from . import parametrizations  # (weight_norm, spectral_norm)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _listed(parameters: Any, where: str) -> list[Tensor]:
    """The tensors of `parameters` (one Tensor, or an iterable of them), in order."""
    if isinstance(parameters, Tensor):
        return [parameters]
    if hasattr(parameters, "parameters") and callable(parameters.parameters):
        raise TypeError(f"{where}: got a {type(parameters).__name__}; pass its .parameters()")
    try:
        items = list(parameters)
    except TypeError:
        raise TypeError(
            f"{where}: parameters must be a Tensor or an iterable of Tensors, got "
            f"{type(parameters).__name__}"
        ) from None
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise TypeError(f"{where}: parameter {i} is a {type(p).__name__}, expected a Tensor")
    return items


def _tensors(parameters: Any, where: str) -> list[Tensor]:
    """The tensors of `parameters`, each once (a parameter listed twice is one parameter)."""
    return list({id(p): p for p in _listed(parameters, where)}.values())


def _grads(params: list[Tensor], where: str, kinds: str) -> list[tuple[Tensor, Tensor]]:
    """(parameter, .grad) for each parameter with a gradient, the gradient checked: a
    Tensor of the parameter's shape, of a dtype kind in `kinds`, writable unless it has
    a graph (then it is replaced, not changed)."""
    if tracers:
        raise RuntimeError(f"{where}: cannot run inside a function being compiled (a replay would "
                           "skip the change); call it outside, after backward()")
    pairs = []
    for i, p in enumerate(params):
        g = p._grad
        if g is None:
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"{where}: the .grad of parameter {i} (shape {p.shape}) is a "
                            f"{type(g).__name__}, expected a Tensor or None")
        if g.shape != p.shape:
            raise ValueError(f"{where}: parameter {i} has shape {p.shape} but its .grad has shape {g.shape}")
        if g.dtype.kind not in kinds:
            raise TypeError(f"{where}: the .grad of parameter {i} (shape {g.shape}) has dtype {g.dtype}; "
                            f"expected {'a floating or complex' if 'c' in kinds else 'a real floating'} dtype")
        if g.grad_fn is None and not g.data.flags.writeable:
            raise RuntimeError(f"{where}: the .grad of parameter {i} (shape {g.shape}) has a read-only "
                               "array, which cannot be changed in place; give it one of its own: "
                               "p.grad = am.tensor(p.grad.data)")
        pairs.append((p, g))
    _check_overlap([g.data for _, g in pairs if g.grad_fn is None], where)
    return pairs


def _check_overlap(arrays: list[np.ndarray], where: str) -> None:
    """Refuse two distinct gradient arrays that share part of their memory: changing each
    in place would change the shared part twice. (One array shared by two parameters, or
    disjoint views of one buffer, are fine: each array is changed once.)"""
    by_root: dict[int, list[np.ndarray]] = {}
    for a in arrays:
        by_root.setdefault(id(_root(a)), []).append(a)
    for group in by_root.values():
        distinct = list({id(a): a for a in group}.values())
        for j in range(len(distinct)):
            for k in range(j):
                a, b = distinct[j], distinct[k]
                same = (a.shape == b.shape and a.strides == b.strides
                        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])
                if not same and np.may_share_memory(a, b) and np.shares_memory(a, b):
                    raise ValueError(f"{where}: two gradients (shapes {b.shape} and {a.shape}) are "
                                     "different views of overlapping memory; changing each in place "
                                     "would change the overlap twice")


def _distinct(pairs: list[tuple[Tensor, Tensor]]) -> list[tuple[Tensor, Tensor]]:
    """Each gradient array once (two parameters may hold one .grad)."""
    seen: set = set()
    out = []
    for p, g in pairs:
        a = g.data
        key = (id(_root(a)), a.__array_interface__["data"][0], a.shape, a.strides)
        if key not in seen:
            seen.add(key)
            out.append((p, g))
    return out


def _norm_type(norm_type: Any, where: str) -> float:
    # (PyTorch documents the string 'inf' for the infinity norm)
    if isinstance(norm_type, str) and norm_type.lower() == "inf":
        return math.inf
    p = _number(norm_type, "norm_type", where)
    if not (p > 0):  # (also NaN)
        raise ValueError(f"{where}: norm_type must be > 0 (or float('inf')), got {norm_type!r}")
    return p


def _total_norm(grads: list[np.ndarray], p: float) -> np.floating:
    """The p-norm of all of `grads` as one vector, in their common (real) dtype.

    Computed on the arrays scaled by a power of two that brings the largest |entry|
    into [0.5, 1) (exact: no rounding), so that |g| ** p neither overflows nor
    underflows: PyTorch sums the powers unscaled and gets inf for float32
    gradients of 1e20 (and then zeros them) or 0 for ones of 1e-25."""
    dtype = np.result_type(*[np.empty(0, g.dtype).real.dtype for g in grads])
    # (|z| for complex entries; float16 summed in float32, whose range holds the sum)
    mags = [np.abs(g) if g.dtype.kind == "c" else g.astype(np.float32) if g.dtype == np.float16 else g
            for g in grads]
    biggest = max((float(np.max(np.abs(m))) if m.size else 0.0) for m in mags) if mags else 0.0
    if p == math.inf or biggest == 0.0 or not math.isfinite(biggest):
        # (inf or NaN entries make the norm inf or NaN, as in PyTorch: a NaN anywhere wins)
        if any(m.size and np.isnan(m).any() for m in mags):
            return dtype.type(np.nan)
        return dtype.type(biggest)
    exp = math.frexp(biggest)[1]
    total = 0.0
    for m in mags:
        if not m.size:
            continue
        s = np.ldexp(m, -exp) if exp else m  # (exact, in m's dtype)
        if p == 2.0:
            flat = s.ravel()
            total += float(np.dot(flat, flat))
        elif p == 1.0:
            total += float(np.sum(np.abs(s)))
        else:
            total += float(np.sum(np.abs(s) ** p))
    return dtype.type(math.ldexp(total ** (1.0 / p), exp))


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients of `parameters` so that their total norm is at most `max_norm`.

    parameters: a Tensor or an iterable of them (model.parameters()); those whose
        .grad is None are skipped, one listed twice counts once.
    max_norm: finite, >= 0. norm_type: p > 0, or float('inf') (or 'inf') for the
        largest |entry|.
    The total norm is that of every gradient flattened and concatenated,
    (sum_i sum |g_i| ** p) ** (1/p). When clip_coef = max_norm / (total + 1e-6) is
    below 1 every gradient is multiplied by it in place (PyTorch's rule: the
    result has a norm just under max_norm); otherwise nothing changes.

    Returns the total norm before clipping, a 0-d Tensor (no graph) of the
    gradients' dtype (float32 gradients give float32; mixed dtypes the promoted
    one); 0 when no parameter has a gradient.

    A NaN or inf total norm raises RuntimeError with error_if_nonfinite=True.
    Otherwise, as PyTorch, the gradients are scaled anyway: by NaN for a NaN norm
    (every gradient becomes NaN), by 0 for an inf one (finite entries become 0,
    infinite ones NaN). Unlike PyTorch the norm of large or tiny finite gradients
    is computed without overflow or underflow, so it is never inf for finite
    gradients. Gradients of a graph (create_graph) are replaced by a recorded
    `g * coef` instead of changed (see the module docstring).
    """
    where = "clip_grad_norm_"
    params = _tensors(parameters, where)
    max_norm = _number(max_norm, "max_norm", where)
    if not (math.isfinite(max_norm) and max_norm >= 0):
        raise ValueError(f"{where}: max_norm must be finite and >= 0, got {max_norm!r}")
    p = _norm_type(norm_type, where)
    error_if_nonfinite = _flag(error_if_nonfinite, "error_if_nonfinite", where)
    pairs = _grads(params, where, "fc")
    if not pairs:
        return Tensor._wrap(np.array(0.0, dtype=get_default_dtype()))
    total = _total_norm([g.data for _, g in pairs], p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"{where}: the total norm of order {p} of the gradients is {float(total)}, so they "
            "cannot be clipped; pass error_if_nonfinite=False to scale them by it anyway"
        )
    coef = total.dtype.type(max_norm) / (total + total.dtype.type(1e-6))
    if coef >= 1:  # (a NaN coef scales, as PyTorch's clamp(max=1.0) keeps NaN)
        return Tensor._wrap(np.asarray(total))
    for param, g in _distinct(pairs):
        if g.grad_fn is not None:
            with enable_grad():
                param._grad = g * Tensor._wrap(np.asarray(coef, dtype=g.data.real.dtype))
            continue
        a = g.data
        with np.errstate(invalid="ignore"):  # (inf * 0 for an inf norm: NaN, documented)
            np.multiply(a, coef.astype(a.real.dtype), out=a)
        changed_in_place(a, where)
    return Tensor._wrap(np.asarray(total))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient of `parameters` in place to [-clip_value, clip_value].

    parameters: a Tensor or an iterable of them; those whose .grad is None are
    skipped. clip_value: a real number >= 0 (PyTorch takes a negative one and sets
    every entry to it; here that is an error); inf clamps nothing. NaN entries stay
    NaN. Shapes and dtypes are kept. Real gradients only. A gradient of a graph
    (create_graph) is replaced by a recorded clip of it (see the module docstring).
    """
    where = "clip_grad_value_"
    params = _tensors(parameters, where)
    c = _number(clip_value, "clip_value", where)
    if not (c >= 0):
        raise ValueError(f"{where}: clip_value must be >= 0, got {clip_value!r}")
    pairs = _grads(params, where, "f")
    for param, g in _distinct(pairs):
        if g.grad_fn is not None:
            with enable_grad():
                param._grad = _clip(g, -c, c)
            continue
        a = g.data
        np.clip(a, -c, c, out=a)
        changed_in_place(a, where)


def parameters_to_vector(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """All of `parameters` flattened (C order) and concatenated: shape (sum of sizes,).

    Differentiable (a reshape and a concatenate, recorded when a parameter requires
    grad). Dtypes are promoted as numpy's concatenate does. A parameter listed twice
    appears twice, as in PyTorch.
    """
    where = "parameters_to_vector"
    items = _listed(parameters, where)
    if not items:
        raise ValueError(f"{where}: got no parameters")
    return _concatenate([p.reshape(-1) for p in items])


def vector_to_parameters(vec: Tensor, parameters: Tensor | Iterable[Tensor]) -> None:
    """Copy the 1-D `vec` into `parameters`: the inverse of parameters_to_vector.

    In order, each parameter takes the next p.size entries reshaped to p.shape.

    vec: shape (sum of the parameters' sizes,), exactly. The values are copied into
    each parameter's own array (cast to its dtype, same kind: no float into an
    integer parameter, no complex into a real one), as load_state_dict does, and the
    change is stamped, so a graph made before raises on backward. PyTorch instead
    makes each parameter's data a view of vec, so that changing vec later changes
    them. Parameters must be leaves; everything is checked before anything changes.
    """
    where = "vector_to_parameters"
    if not isinstance(vec, Tensor):
        raise TypeError(f"{where}: vec must be a Tensor, got {type(vec).__name__}")
    if tracers:
        raise RuntimeError(f"{where}: cannot run inside a function being compiled (a replay would "
                           "skip the change)")
    if vec.ndim != 1:
        raise ValueError(f"{where}: vec must be 1-D, got shape {vec.shape}")
    items = _listed(parameters, where)
    src = vec.data
    plan = []
    start = 0
    for i, p in enumerate(items):
        if p.grad_fn is not None:
            raise ValueError(f"{where}: parameter {i} (shape {p.shape}) is not a leaf (it has grad_fn "
                             f"{p.grad_fn!r}); only leaves can be overwritten")
        if not np.can_cast(src.dtype, p.dtype, casting="same_kind"):
            raise TypeError(f"{where}: vec has dtype {src.dtype}, which cannot be cast to parameter "
                            f"{i}'s dtype {p.dtype}")
        if not p.data.flags.writeable:
            raise RuntimeError(f"{where}: parameter {i} (shape {p.shape}) has a read-only array; give it "
                               "one of its own: p.data = p.data.copy()")
        plan.append((p, start))
        start += p.size
    if start != src.shape[0]:
        shapes = ", ".join(str(p.shape) for p in items)
        raise ValueError(f"{where}: vec has {src.shape[0]} entries, the parameters (shapes {shapes}) "
                         f"have {start} in all")
    piece = src.copy()  # (vec may share memory with a parameter)
    for p, s in plan:
        np.copyto(p.data, piece[s:s + p.size].reshape(p.shape), casting="same_kind")
        changed_in_place(p.data, where)
