"""Selecting, splitting and repeating: numpy's tile, nonzero, argwhere, flatnonzero,
unique, meshgrid, searchsorted, bincount; torch's index_select, masked_select, narrow,
unbind, tensor_split, repeat_interleave, index_add, scatter_add, scatter, index_fill,
index_copy, scatter_reduce (torch semantics, as their docstrings say).

The differentiable ones are composites of reshape, broadcast_to, getitem,
take_along_axis, scatter_add and scatter_reduce (no backward code of their own). Those whose
output shape (or values, computed in numpy) depends on the input's values --
nonzero, argwhere, flatnonzero, unique, masked_select, searchsorted, bincount,
repeat_interleave with array repeats, tensor_split at a tensor's indices -- refuse
to be recorded by am.compile (a tape replays shapes it froze), with a RuntimeError
naming the op; call them outside the compiled function, or uncompiled.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import primitives as P
from .engine import composite, no_grad, shape_constant, tracers
from .functions import _axis_of, _index_array, _pieces, as_tensor, broadcast_to
from .tensor import Tensor, _int_arg, _is_index, get_default_dtype


def _not_replayable(op: str, x: Tensor, why: str = "the shape of its result depends on the values") -> None:
    """Refuse an op whose result a compiled tape could not replay (raised before anything is recorded)."""
    if tracers:
        raise RuntimeError(
            f"compile: {op} of a tensor of shape {x.shape}: {why}, which a tape (made for "
            "shapes, not values) cannot replay; call it outside the compiled function, or call "
            "the function uncompiled")


# -- numpy's names ---------------------------------------------------------------------


@composite
def tile(x: Any, reps: Any) -> Tensor:
    """np.tile: x repeated reps[i] times along each axis. reps (an int or a sequence of
    ints >= 0) shorter than x.ndim is padded with 1s in front; longer, x gets new leading
    axes of length 1 first. Shape: (..., r_i * s_i, ...). Differentiable (the gradient
    sums the copies); the same as Tensor.repeat (torch's repeat) once reps is padded."""
    x = as_tensor(x)
    reps = (reps,) if _is_index(reps) else reps
    try:
        reps = tuple(operator.index(r) for r in reps)
    except TypeError:
        raise TypeError(f"tile: reps must be an int or a sequence of ints, got {reps!r} "
                        f"(x of shape {x.shape})") from None
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps {reps} for x of shape {x.shape} must be >= 0")
    reps = (1,) * (x.ndim - len(reps)) + reps
    return x.repeat(reps) if reps else x.reshape(())


def _values(op: str, x: Any) -> tuple[Tensor, np.ndarray]:
    x = as_tensor(x)
    _not_replayable(op, x)
    return x, x.data


def nonzero(x: Any) -> tuple[Tensor, ...]:
    """np.nonzero: a tuple of x.ndim integer tensors, each of shape (N,), N the number of
    nonzero entries (NaN counts), in C order: x[nonzero(x)] are those entries. No
    gradient. numpy's semantics for Tensor.nonzero too (torch's x.nonzero() is
    argwhere(x)). A 0-d x is refused, as numpy 2 refuses it."""
    x, a = _values("nonzero", x)
    if x.ndim == 0:
        raise ValueError("nonzero: a 0-d tensor (shape ()) has no axes to index; use "
                         "nonzero(x.reshape(1)) or argwhere(x)")
    return tuple(Tensor(i) for i in np.nonzero(a))


def argwhere(x: Any) -> Tensor:
    """np.argwhere (torch's x.nonzero()): an integer tensor of shape (N, x.ndim), row k the
    index of the k-th nonzero entry in C order. No gradient."""
    return Tensor(np.argwhere(_values("argwhere", x)[1]))


def flatnonzero(x: Any) -> Tensor:
    """np.flatnonzero: the indices (shape (N,)) of the nonzero entries of x flattened. No gradient."""
    return Tensor(np.flatnonzero(_values("flatnonzero", x)[1]))


def unique(x: Any, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True) -> Any:
    """np.unique: the sorted distinct values of x (flattened; with `axis`, the distinct
    slices along it), and as numpy, with the flags, a tuple (values, index, inverse, counts)
    of the ones asked for: values = x.flat[index], x = values[inverse] (inverse of numpy's
    shape), counts the number of each. None of them requires grad (as torch.unique):
    where entries tie, which one a value's gradient goes to is a choice, so it is left to
    the caller, e.g. x.reshape(-1)[index] with return_index."""
    x, a = _values("unique", x)
    if axis is not None:
        axis = _axis_of("unique", axis, x)
    out = np.unique(a, return_index, return_inverse, return_counts, axis=axis, equal_nan=equal_nan)
    return tuple(Tensor(o) for o in out) if isinstance(out, tuple) else Tensor(out)


@composite
def meshgrid(*xs: Any, indexing: str = "xy", sparse: bool = False) -> tuple[Tensor, ...]:
    """np.meshgrid (numpy's default indexing='xy', not torch's 'ij'): for n inputs of sizes
    s_1..s_n (each flattened), n tensors of shape (s_1, ..., s_n) with indexing='ij', or
    (s_2, s_1, s_3, ..., s_n) with 'xy', the i-th holding xs[i] along its own axis. With
    sparse=True each keeps length 1 on the other axes (they broadcast). Differentiable:
    a reshape and a broadcast_to each, so the gradient sums over the copies."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    ts = [as_tensor(x).reshape(-1) for x in xs]
    n = len(ts)
    sizes = [t.shape[0] for t in ts]
    if indexing == "xy" and n > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(ts):
        at = (1 - i if i < 2 else i) if indexing == "xy" and n > 1 else i
        r = t.reshape(tuple(-1 if k == at else 1 for k in range(n)))
        out.append(r if sparse else broadcast_to(r, tuple(sizes)))
    return tuple(out)


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Tensor:
    """np.searchsorted: for a 1-D `a` sorted ascending (or sorted by the permutation
    `sorter`), where each entry of v would go to keep it sorted ('left': before equal
    entries, 'right': after). An integer tensor of v's shape; no gradient."""
    a = as_tensor(a)
    _not_replayable("searchsorted", a, "its values are computed in numpy from the data")
    if a.ndim != 1:
        raise ValueError(f"searchsorted: a must be 1-D, got shape {a.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    v = as_tensor(v)
    s = None if sorter is None else _index_array("searchsorted", sorter, a)
    if s is not None and s.shape != a.shape:
        raise ValueError(f"searchsorted: sorter of shape {s.shape} must have a's shape {a.shape}")
    return Tensor(np.asarray(np.searchsorted(a.data, v.data, side, s)))


@composite
def bincount(x: Any, weights: Any = None, minlength: int = 0) -> Tensor:
    """np.bincount: out[k] = the number of entries of the 1-D non-negative integer x equal
    to k (an integer tensor), or with `weights` (x's shape) the sum of their weights.
    Length max(x.max() + 1, minlength). Differentiable in weights (a scatter-add: dout[k]
    goes to every weight of a k); the result keeps a float weights' dtype (numpy makes it
    float64; integer weights give the default float dtype)."""
    x = as_tensor(x)
    _not_replayable("bincount", x)
    a = x.data
    if a.ndim != 1:
        raise ValueError(f"bincount: x must be 1-D, got shape {x.shape}")
    if a.dtype.kind not in "iub":
        raise TypeError(f"bincount: x must hold non-negative integers, got dtype {a.dtype} (shape {x.shape})")
    minlength = _int_arg("bincount", "minlength", minlength, x.shape)
    if minlength < 0:
        raise ValueError(f"bincount: minlength must be >= 0, got {minlength} (x of shape {x.shape})")
    if a.size and a.min() < 0:
        raise ValueError(f"bincount: x must be non-negative, got {a.min()} (x of shape {x.shape})")
    n = max(int(a.max()) + 1 if a.size else 0, minlength)
    if weights is None:
        return Tensor(np.bincount(a, minlength=n))
    w = as_tensor(weights)
    if w.shape != x.shape:
        raise ValueError(f"bincount: weights of shape {w.shape} must have x's shape {x.shape}")
    if w.dtype.kind != "f":
        w = w.astype(get_default_dtype())
    return P.scatter_add.apply(w, index=a.astype(np.intp), shape=(n,))


# -- torch's names (torch semantics) ----------------------------------------------------


def _dim_of(op: str, dim: Any, x: Tensor) -> int:
    if x.ndim == 0:
        raise ValueError(f"{op}: needs a tensor with at least one axis, got shape ()")
    return _axis_of(op, dim, x)


@composite
def index_select(x: Any, dim: int, index: Any) -> Tensor:
    """torch.index_select (torch semantics): the entries of x at `index` along `dim`:
    out[..., j, ...] = x[..., index[j], ...]. index is 1-D (or 0-d, taken as one entry) of
    integers in [0, x.shape[dim]) (negative ones are refused, as torch refuses them); the
    output has x's shape with len(index) along dim. The gradient adds up at repeated
    indices; under am.compile each replay takes its own call's index (an argument), and
    a list (or int) index is a constant of the tape."""
    x = as_tensor(x)
    d = _dim_of("index_select", dim, x)
    idx = _index_array("index_select", index, x)
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D or 0-d, got shape {idx.shape} (x of shape {x.shape})")
    plain = idx.view(np.ndarray)  # (a check here; the primitive checks each replay's index again)
    if plain.size and (plain.min() < 0 or plain.max() >= x.shape[d]):
        bad = plain.min() if plain.min() < 0 else plain.max()
        raise IndexError(f"index_select: index {bad} is out of range [0, {x.shape[d] - 1}] for dim {d} "
                         f"(index of shape {idx.shape}, x of shape {x.shape})")
    shape = tuple(-1 if k == d else 1 for k in range(x.ndim))
    if not isinstance(index, (Tensor, np.ndarray)):  # (a list or an int written in the code: a
        # constant, which a tape keeps, as quantile's list q; `idx` is this call's own copy)
        return P.take_along_axis.apply(x, shape_constant(idx.reshape(shape)), axis=d, wrap=False)
    it = P.reshape.apply(as_tensor(index), shape=shape)
    return P.take_along_axis.apply(x, it, axis=d, wrap=False)


def _scatter_operands(op: str, x: Any, src: Any, index: Any) -> tuple[Tensor, Tensor, np.ndarray]:
    x, src = as_tensor(x), as_tensor(src)
    if src.dtype != x.dtype:  # (torch refuses it too; numpy's promotion would change x's dtype)
        raise TypeError(f"{op}: x (shape {x.shape}, dtype {x.dtype}) and the values added (shape "
                        f"{src.shape}, dtype {src.dtype}) must have the same dtype")
    idx = _index_array(op, index, x)
    if not isinstance(index, (Tensor, np.ndarray)):  # (a list written in the code: a constant)
        idx = shape_constant(idx)
    return x, src, idx


def _check_range(op: str, index: Any, idx: np.ndarray, n: int, d: int, x: Tensor) -> None:
    plain = idx.view(np.ndarray)
    if plain.size and (plain.min() < 0 or plain.max() >= n):
        bad = plain.min() if plain.min() < 0 else plain.max()
        raise IndexError(f"{op}: index {bad} is out of range [0, {n - 1}] for dim {d} "
                         f"(index of shape {idx.shape}, x of shape {x.shape})")
    if tracers and plain.size:  # (the same test as ops a compiled replay repeats, as embedding's:
        with no_grad():          # a scatter alone would wrap a replay's negative index)
            ok = [P.ge.apply(P.min.apply(idx), 0), P.lt.apply(P.max.apply(idx), n)]
        for t in ok:
            tracers[-1].check(t)


@composite
def index_add(x: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """torch.index_add (torch semantics): x with alpha * source added along `dim` at the
    positions `index`: out[..., index[j], ...] += alpha * source[..., j, ...].

    x (..., n, ...); index 1-D of integers in [0, n) (negative ones are refused, as torch
    refuses them), repeats accumulating; source has x's shape but len(index) along dim,
    and x's dtype. The output has x's shape. Gradients: x's is g, source's is
    alpha * g[..., index, ...] (the adjoint of index_select). Message passing on a graph
    is zeros(N, F).index_add(0, dst, messages)."""
    x, source, idx = _scatter_operands("index_add", x, source, index)
    d = _dim_of("index_add", dim, x)
    if idx.ndim > 1:
        raise ValueError(f"index_add: index must be 1-D or 0-d, got shape {idx.shape} (x of shape {x.shape})")
    want = x.shape[:d] + (idx.size,) + x.shape[d + 1:]
    if source.shape != want:
        raise ValueError(f"index_add: source of shape {source.shape} must have shape {want} (x of shape "
                         f"{x.shape}, index of shape {idx.shape}, dim {d})")
    _check_range("index_add", index, idx, x.shape[d], d, x)
    if isinstance(alpha, np.generic):  # (a Python number, as torch's: np.float64(2) would make float32 x float64)
        alpha = alpha.item()
    if x.dtype.kind in "biu" and not isinstance(alpha, int):
        raise TypeError(f"index_add: alpha must be an integer for x of dtype {x.dtype} (shape {x.shape}), "
                        f"got {alpha!r}; the result keeps x's dtype")
    if alpha != 1:
        source = source * alpha
    return x + P.scatter_add.apply(source, index=(slice(None),) * d + (idx if idx.ndim else idx.reshape(1),),
                                   shape=x.shape)  # (idx itself: a compiled replay takes each call's)


def _scatter_where(op: str, x: Tensor, dim: Any, idx: np.ndarray, index: Any, src_shape: tuple) -> tuple:
    """torch's scatter shape rules and range check (raised before anything is recorded); the
    getitem index of x's entries index names (open grids over index's shape, as np.ix_,
    with index itself along dim: a compiled replay takes each call's index)."""
    d = _dim_of(op, dim, x)
    if not idx.ndim == len(src_shape) == x.ndim:
        raise ValueError(f"{op}: index (shape {idx.shape}), src (shape {src_shape}) and x (shape "
                         f"{x.shape}) must have the same number of axes")
    if any(m > n for m, n in zip(idx.shape, src_shape)) or \
            any(m > n for i, (m, n) in enumerate(zip(idx.shape, x.shape)) if i != d):
        raise ValueError(f"{op}: index of shape {idx.shape} is larger than src (shape {src_shape}) "
                         f"on some axis, or than x (shape {x.shape}) on an axis other than dim {d}")
    _check_range(op, index, idx, x.shape[d], d, x)
    k = idx.ndim
    grids = tuple(shape_constant(np.arange(n).reshape((n,) + (1,) * (k - 1 - i))) for i, n in enumerate(idx.shape))
    return d, grids[:d] + (idx,) + grids[d + 1:]


def _src_part(src: Tensor, idx: np.ndarray) -> Tensor:
    """src[:index.shape]: the part of src a scatter uses."""
    return src if idx.shape == src.shape else src[tuple(slice(0, m) for m in idx.shape)]


@composite
def scatter_add(x: Any, dim: int, index: Any, src: Any) -> Tensor:
    """torch.scatter_add (torch semantics): x with src added at the positions `index` names
    along `dim`: for dim 0, out[index[i][j]][j] += src[i][j] (repeats accumulate).

    index, src and x have the same number of axes; index's lengths are at most src's on
    every axis and at most x's on the axes other than dim (only src[:index.shape] is
    used), its integers in [0, x.shape[dim]); src has x's dtype. The output has x's
    shape. Gradients: x's is g, src's is g gathered at index (torch.gather), 0 outside
    index's shape."""
    x, src, idx = _scatter_operands("scatter_add", x, src, index)
    _, where = _scatter_where("scatter_add", x, dim, idx, index, src.shape)
    return x + P.scatter_add.apply(_src_part(src, idx), index=where, shape=x.shape)


def _last_writes(x: Tensor, where: tuple, shape: tuple) -> tuple[Tensor, Tensor]:
    """For x's entries, which element of an array of `shape` (the entries of x[where],
    counted in C order) is the last written there (-1: none), and whether any is: the
    order of numpy's assignment x[where] = u. Tensors, so a compiled replay recomputes them."""
    order = shape_constant(np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape))
    last = P.scatter_reduce.apply(shape_constant(np.full(x.shape, -1, dtype=np.intp)), order, index=where,
                                  reduce="amax", include_self=True)
    return last, P.ge.apply(last, 0)


def _written(x: Tensor, where: tuple, u: Tensor) -> Tensor:
    """x with x[where] = u, the last write winning where `where` repeats an entry (numpy's
    assignment): each entry of x takes the element of u written there last (a gather,
    exact), or keeps its value. Gradients: u's elements that won get g, x's kept entries g."""
    last, hit = _last_writes(x, where, u.shape)
    if u.size == 0:  # (nothing written: x, as a new tensor)
        return P.where.apply(hit, x, x)
    flat = P.reshape.apply(u, shape=(-1,))
    take = P.reshape.apply(P.where.apply(hit, last, 0), shape=(-1,))
    picked = P.reshape.apply(P.take_along_axis.apply(flat, take, axis=0, wrap=False), shape=x.shape)
    return P.where.apply(hit, picked, x)


def _fill_value(op: str, value: Any, x: Tensor) -> Any:
    """A fill value: a number (cast as torch casts it to x's dtype: floats to an integer
    tensor truncate) or a 0-d tensor (differentiable; converted to x's dtype)."""
    if isinstance(value, (Tensor, np.ndarray)):
        v = as_tensor(value)
        if v.ndim:
            raise ValueError(f"{op}: value must be a number or a 0-d tensor, got shape {v.shape} "
                             f"(x of shape {x.shape})")
        return v if v.dtype == x.dtype else v.astype(x.dtype)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
        if not (isinstance(value, bool) and x.dtype == bool):
            raise TypeError(f"{op}: value must be a number or a 0-d tensor, got {value!r} (x of shape {x.shape})")
    kind = x.dtype.kind
    if kind == "b":
        return bool(value)
    if kind in "iu":
        if isinstance(value, complex):
            raise TypeError(f"{op}: cannot fill a tensor of dtype {x.dtype} (shape {x.shape}) with {value!r}")
        return int(value)  # (a Python number stays weak: the result keeps x's dtype)
    if kind == "f" and isinstance(value, complex):
        raise TypeError(f"{op}: cannot fill a tensor of dtype {x.dtype} (shape {x.shape}) with {value!r}")
    return value


@composite
def scatter(x: Any, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None) -> Tensor:
    """torch.scatter (torch semantics): x with src written at the positions `index` names
    along `dim`: for dim 0, out[index[i][j]][j] = src[i][j]; or with the number `value`
    (or src a number or a 0-d tensor) written there.

    index, src and x have the same number of axes; index's lengths are at most src's on
    every axis and at most x's on the axes other than dim (only src[:index.shape] is
    used), its integers in [0, x.shape[dim]) (negative ones are refused, not wrapped);
    src has x's dtype. The output has x's shape. Where index names an entry more than
    once, torch's result is unspecified; here the last write wins (index's C order, as
    numpy's assignment), and the gradient follows that: src's is g gathered at index
    where that element was the one kept, 0 elsewhere; x's is g with the written entries
    zeroed; a 0-d tensor value's is the sum of g over the written entries. reduce
    (torch's deprecated "add"/"multiply") is refused: use scatter_reduce."""
    if reduce is not None:
        raise ValueError(f"scatter: reduce={reduce!r} is not supported (PyTorch deprecated it); use "
                         "scatter_reduce(x, dim, index, src, 'sum' or 'prod')")
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor) and value (a number)")
    if value is None and (isinstance(src, (int, float, complex, np.generic))
                          or isinstance(src, (Tensor, np.ndarray)) and np.ndim(src) == 0):
        src, value = None, src
    x = as_tensor(x)
    if value is not None:
        idx = _index_array("scatter", index, x)
        if not isinstance(index, (Tensor, np.ndarray)):
            idx = shape_constant(idx)
        v = _fill_value("scatter", value, x)
        _, where = _scatter_where("scatter", x, dim, idx, index, idx.shape)
        return P.where.apply(_last_writes(x, where, idx.shape)[1], v, x)
    x, src, idx = _scatter_operands("scatter", x, src, index)
    _, where = _scatter_where("scatter", x, dim, idx, index, src.shape)
    return _written(x, where, _src_part(src, idx))


def _index_where(op: str, x: Tensor, dim: Any, idx: np.ndarray, index: Any) -> tuple[int, tuple]:
    """The getitem index of x's slices along dim that the 1-D (or 0-d) index names."""
    d = _dim_of(op, dim, x)
    if idx.ndim > 1:
        raise ValueError(f"{op}: index must be 1-D or 0-d, got shape {idx.shape} (x of shape {x.shape})")
    _check_range(op, index, idx, x.shape[d], d, x)
    return d, (slice(None),) * d + (idx if idx.ndim else idx.reshape(1),)


@composite
def index_fill(x: Any, dim: int, index: Any, value: Any) -> Tensor:
    """torch.index_fill (torch semantics): x with its slices x[..., index[j], ...] along
    `dim` set to `value`, a number (cast to x's dtype: a float to an integer tensor
    truncates) or a 0-d tensor. index is 1-D (or 0-d) of integers in [0, x.shape[dim])
    (negative ones are refused; torch wraps them); repeats are harmless. The output has
    x's shape. Gradients: x's is g with the filled slices zeroed; a 0-d tensor value's is
    the sum of g over the filled entries."""
    x = as_tensor(x)
    idx = _index_array("index_fill", index, x)
    if not isinstance(index, (Tensor, np.ndarray)):
        idx = shape_constant(idx)
    v = _fill_value("index_fill", value, x)
    _, where = _index_where("index_fill", x, dim, idx, index)
    d = len(where) - 1
    ones = shape_constant(np.ones(x.shape[:d] + (idx.size,) + x.shape[d + 1:], dtype=np.intp))
    hit = P.gt.apply(P.scatter_add.apply(ones, index=where, shape=x.shape), 0)
    return P.where.apply(hit, v, x)


@composite
def index_copy(x: Any, dim: int, index: Any, source: Any) -> Tensor:
    """torch.index_copy (torch semantics): x with its slices along `dim` replaced,
    out[..., index[j], ...] = source[..., j, ...]. index is 1-D (or 0-d) of integers in
    [0, x.shape[dim]) (negative ones are refused); source has x's shape but len(index)
    along dim, and x's dtype. Where index repeats an entry, torch's result is unspecified;
    here the last j wins (as numpy's assignment), and the gradient follows that: source's
    is g[..., index[j], ...] where its slice was the one kept, 0 elsewhere; x's is g with
    the replaced slices zeroed."""
    x, source, idx = _scatter_operands("index_copy", x, source, index)
    d = _dim_of("index_copy", dim, x)
    want = x.shape[:d] + (idx.size,) + x.shape[d + 1:]
    if idx.ndim <= 1 and source.shape != want:
        raise ValueError(f"index_copy: source of shape {source.shape} must have shape {want} (x of shape "
                         f"{x.shape}, index of shape {idx.shape}, dim {d})")
    _, where = _index_where("index_copy", x, dim, idx, index)
    return _written(x, where, source)


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


@composite
def scatter_reduce(x: Any, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Tensor:
    """torch.scatter_reduce (torch semantics): x with the elements of src combined into
    the entries `index` names along `dim` (for dim 0, src[i][j] goes to out[index[i][j]][j])
    by reduce: "sum", "prod", "mean", "amax" or "amin". include_self=True combines them
    with x's entry; include_self=False leaves x's entry out where index names it (the
    entries index does not name keep x's value either way).

    Shapes as scatter_add's: index, src and x have the same number of axes; index's
    lengths are at most src's on every axis and at most x's on the others than dim; its
    integers in [0, x.shape[dim]) (negative ones refused); src has x's dtype; the output
    has x's shape. "mean" divides by the number of entries combined (floor division for
    integer dtypes, as torch). Gradients: "sum"/"mean" g (divided by that count);
    "amax"/"amin" g shared equally among the entries equal to the result (torch's rule);
    "prod" the product of the other entries, exact where some are 0 (first and second
    order); at a nonzero entry it is computed as result / entry, as torch's, so an inf
    among the entries gives NaN there."""
    if reduce not in _REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce must be one of {', '.join(map(repr, _REDUCTIONS))}, "
                         f"got {reduce!r}")
    if not isinstance(include_self, (bool, np.bool_)):
        raise TypeError(f"scatter_reduce: include_self must be a bool, got {include_self!r}")
    x, src, idx = _scatter_operands("scatter_reduce", x, src, index)
    _, where = _scatter_where("scatter_reduce", x, dim, idx, index, src.shape)
    src = _src_part(src, idx)
    if reduce in ("prod", "amax", "amin"):
        return P.scatter_reduce.apply(x, src, index=where, reduce=reduce, include_self=bool(include_self))
    total = P.scatter_add.apply(src, index=where, shape=x.shape)
    cdtype = x.dtype if x.dtype.kind in "fc" else np.dtype(np.intp)
    count = P.scatter_add.apply(shape_constant(np.ones(idx.shape, dtype=cdtype)), index=where, shape=x.shape)
    hit = P.gt.apply(count, 0)
    if include_self:
        total = x + total
    if reduce == "mean":
        count = count + 1 if include_self else P.where.apply(hit, count, 1)
        total = total / count if x.dtype.kind in "fc" else P.floor_divide.apply(total, count)
    return total if include_self else P.where.apply(hit, total, x)


@composite
def masked_select(x: Any, mask: Any) -> Tensor:
    """torch.masked_select (torch semantics): the 1-D tensor of the entries of x where the
    boolean mask is True, x and mask broadcast together first (C order). Differentiable
    in x (the gradient goes back to the selected entries, summed over broadcast copies).
    Its length depends on the mask's values: am.compile refuses to record it."""
    x = as_tensor(x)
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != bool:
        raise TypeError(f"masked_select: mask must be boolean, got dtype {m.dtype} (mask of shape "
                        f"{m.shape}, x of shape {x.shape})")
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise ValueError(f"masked_select: mask of shape {m.shape} does not broadcast against x of "
                         f"shape {x.shape}") from None
    _not_replayable("masked_select", x, "its length depends on the mask's values")
    if x.shape != shape:
        x = broadcast_to(x, shape)
    m = np.broadcast_to(m, shape) if m.shape != shape else m.copy()
    return x[m] if shape else x.reshape(1)[m.reshape(1)]


@composite
def narrow(x: Any, dim: int, start: int, length: int) -> Tensor:
    """torch.narrow (torch semantics): x[..., start:start + length, ...] along `dim`, a
    recorded slice. start may be negative (counted from the end, in [-n, n]); length >= 0
    with start + length <= n = x.shape[dim]; else a ValueError."""
    x = as_tensor(x)
    d = _dim_of("narrow", dim, x)
    n = x.shape[d]
    start = _int_arg("narrow", "start", start, x.shape)
    length = _int_arg("narrow", "length", length, x.shape)
    if not -n <= start <= n:
        raise ValueError(f"narrow: start {start} is out of range [{-n}, {n}] for dim {d} of shape {x.shape}")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise ValueError(f"narrow: start {start} + length {length} exceeds the length {n} of dim {d} "
                         f"(shape {x.shape})" if length >= 0 else
                         f"narrow: length must be >= 0, got {length} (shape {x.shape})")
    return x[(slice(None),) * d + (slice(start, start + length),)]


@composite
def select(x: Any, dim: int, index: int) -> Tensor:
    """torch.select (torch semantics): x[..., index, ...] along `dim`, a recorded basic
    index, so x (..., n, ...) -> x's shape without dim (a view of x's array, as torch's).
    index is an int in [-n, n) (negative counts from the end); else an IndexError."""
    x = as_tensor(x)
    d = _dim_of("select", dim, x)
    n = x.shape[d]
    index = _int_arg("select", "index", index, x.shape)
    if not -n <= index < n:
        raise IndexError(f"select: index {index} is out of range [{-n}, {n}) for dim {d} of shape {x.shape}")
    return x[(slice(None),) * d + (index,)]


@composite
def unbind(x: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.unbind (torch semantics): the tuple of the n = x.shape[dim] slices
    x[..., i, ...] along `dim`, each of x's shape without dim. Differentiable."""
    x = as_tensor(x)
    d = _dim_of("unbind", dim, x)
    lead = (slice(None),) * d
    return tuple(x[lead + (i,)] for i in range(x.shape[d]))


@composite
def chunk(x: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.chunk (torch semantics), as x.chunk(chunks, dim): views along `dim` (of
    length n), each ceil(n / chunks) long but the last, which holds the rest, so there
    may be fewer than `chunks` pieces (n=6, chunks=4: lengths 2, 2, 2), unlike
    np.array_split (am.tensor_split). Each piece is a recorded slice."""
    return as_tensor(x).chunk(chunks, dim)


@composite
def tensor_split(x: Any, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.tensor_split (torch semantics, numpy's array_split as a tuple): an int N gives
    N views along `dim`, the first n % N one entry longer (n = x.shape[dim]); a sequence
    of indices (or a 1-D integer tensor; a 0-d one is N) cuts at them, as slices.
    Each piece is a recorded slice."""
    x = as_tensor(x)
    _dim_of("tensor_split", dim, x)
    s = indices_or_sections
    if isinstance(s, (Tensor, np.ndarray)):
        arr = s.data if isinstance(s, Tensor) else s
        if arr.dtype.kind not in "iu" or arr.ndim > 1:
            raise TypeError(f"tensor_split: a tensor indices_or_sections must be a 0-d or 1-D integer "
                            f"tensor, got dtype {arr.dtype} and shape {arr.shape} (x of shape {x.shape})")
        _not_replayable("tensor_split", x, "the pieces' shapes depend on the values of indices_or_sections")
        s = int(arr) if arr.ndim == 0 else [int(i) for i in arr]
    return tuple(_pieces(x, s, dim, "tensor_split", equal=False))


@composite
def repeat_interleave(x: Any, repeats: Any, dim: int | None = None) -> Tensor:
    """torch.repeat_interleave (torch semantics; np.repeat's): each entry of x repeated
    along `dim` (None: of x flattened, a 1-D result), `repeats` times for an int, or
    repeats[i] times for entry i for a sequence or 1-D integer tensor of length
    x.shape[dim] (one of length 1 applies to all). Counts are >= 0. Differentiable (the
    gradient sums the copies). Under am.compile an int or a Python sequence is replayed;
    an array's or a tensor's counts make data-dependent shapes and are refused."""
    x = as_tensor(x)
    if dim is None:
        x, d = x.reshape(-1), 0
    else:
        d = _dim_of("repeat_interleave", dim, x)
    n = x.shape[d]
    if not isinstance(repeats, bool) and _is_index(repeats) and not isinstance(repeats, Tensor):
        r = operator.index(repeats)
        if r < 0:
            raise ValueError(f"repeat_interleave: repeats must be >= 0, got {r} (x of shape {x.shape})")
        wide = x.shape[:d + 1] + (r,) + x.shape[d + 1:]
        out = broadcast_to(x.reshape(x.shape[:d + 1] + (1,) + x.shape[d + 1:]), wide)
        return out.reshape(x.shape[:d] + (n * r,) + x.shape[d + 1:])
    if isinstance(repeats, (Tensor, np.ndarray)):
        _not_replayable("repeat_interleave", x, "with an array of repeats the result's length "
                        "depends on its values")
    counts = repeats.data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1:
        raise TypeError(f"repeat_interleave: repeats must be an int or a 0-d/1-D sequence of ints, got "
                        f"dtype {counts.dtype} and shape {counts.shape} (x of shape {x.shape})")
    counts = counts.reshape(-1)
    if counts.shape[0] == 1:
        counts = np.broadcast_to(counts, (n,))
    if counts.shape[0] != n:
        raise ValueError(f"repeat_interleave: {counts.shape[0]} repeats for {n} entries along dim {d} "
                         f"(x of shape {x.shape})")
    if counts.size and counts.min() < 0:
        raise ValueError(f"repeat_interleave: repeats must be >= 0, got {counts.min()} (x of shape {x.shape})")
    index = shape_constant(np.repeat(np.arange(n), counts))  # (Python counts: frozen as code is)
    return x[(slice(None),) * d + (index,)]
