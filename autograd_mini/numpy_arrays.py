"""numpy's shape and array functions: expand_dims, ravel, fliplr, flipud, rot90, hsplit,
vsplit, dsplit, diagflat, take, put_along_axis (out of place), append, insert, delete,
block; isin (no gradient).

All are composites of reshape, permute, slicing, concatenate and gather (getitem with
an integer array), so their gradients (any order) go back to the entries each output
entry came from. insert, delete, block and put_along_axis ask numpy itself where every
entry goes: numpy's function is run on arrays of entry numbers ("tags"), and the tensor
result is one gather of the inputs' entries by those tags, so the layouts are numpy's
by construction.
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from .engine import composite, no_grad, shape_constant
from .functions import (
    _axis_of, _index_array, _pieces, as_tensor, concatenate, diag, flip, transpose,
)
from .logic import any as _any, logical_not
from .selection import _not_replayable
from .tensor import Tensor, _int_arg


@composite
def expand_dims(a: Any, axis: Any) -> Tensor:
    """np.expand_dims: a with new axes of length 1 at `axis` (an int or a tuple, positions
    in the result, negative ones counted from its end); shape a.shape with 1s inserted."""
    a = as_tensor(a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    for v in axes:
        _int_arg("expand_dims", "axis", v, a.shape)
    n = a.ndim + len(axes)
    try:
        axes = np.lib.array_utils.normalize_axis_tuple(tuple(operator.index(v) for v in axes), n)
    except ValueError as e:
        raise ValueError(f"expand_dims: bad axis {axis!r} for shape {a.shape}: {e}") from None
    rest = iter(a.shape)
    return a.reshape(tuple(1 if i in axes else next(rest) for i in range(n)))


@composite
def ravel(a: Any, order: str = "C") -> Tensor:
    """np.ravel: a flattened to 1-D (shape (a.size,)), in C order (the only order here)."""
    a = as_tensor(a)
    if order not in ("C", "A", "K"):
        raise ValueError(f"ravel: only order 'C' is supported (a tensor is C-ordered), got {order!r} "
                         f"(shape {a.shape})")
    return a.reshape(-1)


@composite
def fliplr(m: Any) -> Tensor:
    """np.fliplr: m reversed along axis 1 (m must have >= 2 axes); same shape."""
    m = as_tensor(m)
    if m.ndim < 2:
        raise ValueError(f"fliplr: the input must have at least 2 axes, got shape {m.shape}")
    return flip(m, 1)


@composite
def flipud(m: Any) -> Tensor:
    """np.flipud: m reversed along axis 0 (m must have >= 1 axis); same shape."""
    m = as_tensor(m)
    if m.ndim < 1:
        raise ValueError(f"flipud: the input must have at least 1 axis, got shape {m.shape}")
    return flip(m, 0)


@composite
def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
    """np.rot90: m rotated by 90 degrees k times in the plane of `axes` (from the first
    axis towards the second); the two axes' lengths swap for odd k."""
    m = as_tensor(m)
    k = _int_arg("rot90", "k", k, m.shape)
    try:
        a0, a1 = (operator.index(a) for a in axes)
    except (TypeError, ValueError):
        raise ValueError(f"rot90: axes must be two ints, got {axes!r} (shape {m.shape})") from None
    if m.ndim < 2 or not (-m.ndim <= a0 < m.ndim and -m.ndim <= a1 < m.ndim):
        raise ValueError(f"rot90: axes {tuple(axes)} out of range for shape {m.shape}")
    a0, a1 = a0 % m.ndim, a1 % m.ndim
    if a0 == a1:
        raise ValueError(f"rot90: the axes must be different, got {tuple(axes)} (shape {m.shape})")
    k %= 4
    if k == 0:
        return m[...]
    if k == 2:
        return flip(flip(m, a0), a1)
    order = list(range(m.ndim))
    order[a0], order[a1] = order[a1], order[a0]
    if k == 1:
        return transpose(flip(m, a1), order)
    return flip(transpose(m, order), a1)


def _split_of(op: str, ary: Any, indices_or_sections: Any, min_ndim: int, axis: int) -> list[Tensor]:
    a = as_tensor(ary)
    if a.ndim < min_ndim:
        raise ValueError(f"{op}: only works on tensors of {min_ndim} or more axes, got shape {a.shape}")
    return _pieces(a, indices_or_sections, axis, op, equal=True)


@composite
def hsplit(ary: Any, indices_or_sections: Any) -> list[Tensor]:
    """np.hsplit: split along axis 1 (axis 0 for 1-D), as am.split (equal pieces for an int)."""
    a = as_tensor(ary)
    if a.ndim == 0:
        raise ValueError("hsplit: only works on tensors of 1 or more axes, got shape ()")
    return _pieces(a, indices_or_sections, 1 if a.ndim > 1 else 0, "hsplit", equal=True)


@composite
def vsplit(ary: Any, indices_or_sections: Any) -> list[Tensor]:
    """np.vsplit: split along axis 0 (the input needs >= 2 axes), as am.split."""
    return _split_of("vsplit", ary, indices_or_sections, 2, 0)


@composite
def dsplit(ary: Any, indices_or_sections: Any) -> list[Tensor]:
    """np.dsplit: split along axis 2 (the input needs >= 3 axes), as am.split."""
    return _split_of("dsplit", ary, indices_or_sections, 3, 2)


@composite
def diagflat(v: Any, k: int = 0) -> Tensor:
    """np.diagflat: the (n + |k|, n + |k|) matrix with v flattened (n entries) on its k-th
    diagonal, zeros elsewhere."""
    v = as_tensor(v)
    return diag(v.reshape(-1), _int_arg("diagflat", "k", k, v.shape))


_MODES = ("raise", "wrap", "clip")


@composite
def take(a: Any, indices: Any, axis: int | None = None, mode: str = "raise") -> Tensor:
    """np.take: entries of a at integer `indices` along `axis` (None: of a flattened);
    shape a.shape[:axis] + indices.shape + a.shape[axis+1:]. mode 'raise' refuses an
    index out of [-n, n) with an IndexError (negative ones count from the end), 'wrap'
    takes it modulo n, 'clip' clips it to [0, n - 1] (negative ones become 0, as numpy).
    The gradient sums back into the entries taken (repeats accumulate)."""
    a = as_tensor(a)
    if mode not in _MODES:
        raise ValueError(f"take: mode must be one of {_MODES}, got {mode!r} (shape {a.shape})")
    if not isinstance(indices, (Tensor, np.ndarray)) and np.size(indices) == 0:
        indices = np.asarray(indices, dtype=np.intp).reshape(np.shape(indices))  # ([] is no float index)
    idx = _index_array("take", indices, a)
    if isinstance(indices, Tensor):
        _not_replayable("take", a, "its indices are a tensor's values")
    if axis is None:
        a, axis = a.reshape(-1), 0
    else:
        axis = _axis_of("take", axis, a)
    n = a.shape[axis]
    if mode == "raise":
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)].flat[0]
            raise IndexError(f"take: index {bad} is out of bounds for axis {axis} with size {n} "
                             f"(shape {a.shape})")
    elif n == 0:
        if idx.size:
            raise IndexError(f"take: cannot do a non-empty take from an empty axis (shape {a.shape})")
    elif mode == "wrap":
        idx = idx % n
    else:
        idx = np.clip(idx, 0, n - 1)
    if not isinstance(indices, (Tensor, np.ndarray)):
        idx = shape_constant(np.asarray(idx))  # (the caller's Python list: a constant of the function)
    return a[(slice(None),) * axis + (idx,)]


def _constant_tags(op: str, tags: np.ndarray, *args: Any) -> np.ndarray:
    """tags (an index array computed from shapes and the caller's Python arguments) kept in
    a compiled tape; refused there when an argument is a tensor (its values could change)."""
    for v in args:
        if isinstance(v, (Tensor, np.ndarray)):
            _not_replayable(op, v if isinstance(v, Tensor) else as_tensor(v),
                            "its positions come from an array's values")
    return shape_constant(tags)


def _gathered(op: str, sources: list[Tensor], tags: np.ndarray, *args: Any) -> Tensor:
    """The entries of `sources` (all flattened and joined) at the flat positions `tags`,
    in tags' shape."""
    flat = sources[0].reshape(-1) if len(sources) == 1 else concatenate([s.reshape(-1) for s in sources])
    return flat[_constant_tags(op, tags.reshape(-1), *args)].reshape(tags.shape)


@composite
def put_along_axis(arr: Any, indices: Any, values: Any, axis: int | None) -> Tensor:
    """np.put_along_axis, out of place: a new tensor, arr with `values` (broadcast to the
    index's shape) written at `indices` along `axis` (numpy's writes into arr in place and
    returns None; a tensor in a graph is not changed in place here, so the result is
    returned and arr is left as it is). indices has arr's number of axes (1-D for axis
    None, where arr is taken flattened and the result keeps arr's shape); where an index
    repeats, the last write wins, as numpy. Gradients: to arr where not overwritten, to
    each value where it was written (a value overwritten later gets 0)."""
    arr = as_tensor(arr)
    values = as_tensor(values)
    idx = _index_array("put_along_axis", indices, arr)
    n = arr.size
    where_from = np.arange(n).reshape(arr.shape)  # (tags >= 0: arr's entries; < 0: values')
    try:
        if axis is None:
            index_shape = idx.shape
        else:
            ax = _axis_of("put_along_axis", axis, arr)
            if idx.ndim != arr.ndim:
                raise ValueError("indices must have as many axes as arr")
            index_shape = np.broadcast_shapes(idx.shape, arr.shape[:ax] + (1,) + arr.shape[ax + 1:])
        vtags = -1 - np.arange(int(np.prod(index_shape))).reshape(index_shape)
        np.broadcast_shapes(values.shape, index_shape)
        np.put_along_axis(where_from, idx, vtags, axis)
    except (ValueError, IndexError) as e:
        raise type(e)(f"put_along_axis: arr of shape {arr.shape}, indices of shape {idx.shape}, "
                      f"values of shape {values.shape}, axis {axis!r}: {e}") from None
    vals = values.broadcast_to(index_shape)
    vals = vals if vals.dtype == arr.dtype else vals.astype(arr.dtype)
    tags = np.where(where_from >= 0, where_from, n + (-1 - where_from))
    return _gathered("put_along_axis", [arr, vals], tags, indices)


@composite
def append(arr: Any, values: Any, axis: int | None = None) -> Tensor:
    """np.append: arr and values joined along `axis`; with axis None both are flattened
    first (a 1-D result). With an axis, both need the same number of axes and the same
    lengths but along `axis`. The result has their common dtype."""
    arr, values = as_tensor(arr), as_tensor(values)
    if axis is None:
        return concatenate([arr.reshape(-1), values.reshape(-1)], axis=0)
    if arr.ndim != values.ndim:
        raise ValueError(f"append: arr of shape {arr.shape} and values of shape {values.shape} must "
                         "have the same number of axes (or use axis=None)")
    return concatenate([arr, values], axis=axis)


def _tagged(op: str, arr: Tensor, run: Any) -> np.ndarray:
    tags = np.arange(arr.size).reshape(arr.shape)
    try:
        return run(tags)
    except (ValueError, IndexError, TypeError) as e:
        raise type(e)(f"{op}: arr of shape {arr.shape}: {e}") from None


@composite
def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Tensor:
    """np.insert: a new tensor, arr with `values` inserted before the index or indices
    `obj` (an int, a slice or a sequence of ints) along `axis` (None: arr flattened);
    values broadcast and are cast to arr's dtype, exactly as numpy's (numpy itself lays
    out the result). Gradients go back to arr's entries and to the values inserted."""
    arr, values = as_tensor(arr), as_tensor(values)
    n = arr.size
    vtags = -1 - np.arange(values.size).reshape(values.shape)
    out = _tagged("insert", arr, lambda t: np.insert(t, obj, vtags, axis=axis))
    vals = values if values.dtype == arr.dtype else values.astype(arr.dtype)
    return _gathered("insert", [arr, vals], np.where(out >= 0, out, n + (-1 - out)), obj)


@composite
def delete(arr: Any, obj: Any, axis: int | None = None) -> Tensor:
    """np.delete: a new tensor, arr without the entries at `obj` (an int, a slice, a
    sequence of ints or a boolean mask) along `axis` (None: arr flattened first)."""
    arr = as_tensor(arr)
    out = _tagged("delete", arr, lambda t: np.delete(t, obj, axis=axis))
    return _gathered("delete", [arr], out, obj)


def _leaves(arrays: Any, depth: int = 0) -> list:
    if isinstance(arrays, list):
        return [leaf for a in arrays for leaf in _leaves(a, depth + 1)]
    if isinstance(arrays, tuple):
        raise TypeError(f"block: nested lists only, got a tuple {arrays!r}, as numpy")
    return [arrays]


@composite
def block(arrays: Any) -> Tensor:
    """np.block: a tensor assembled from nested lists of tensors (the innermost lists
    joined along the last axis, the next ones along the one before, ...; arrays with
    fewer axes get leading ones), numpy's layout and numpy's errors. The result has the
    inputs' common dtype; gradients go back to each block."""
    leaves = _leaves(arrays)
    tensors = [as_tensor(a) for a in leaves]
    offsets = np.cumsum([0] + [t.size for t in tensors])
    by_id = {id(leaf): i for i, leaf in enumerate(leaves)}

    def tags_of(a: Any) -> Any:
        if isinstance(a, list):
            return [tags_of(b) for b in a]
        i = by_id[id(a)]
        t = tensors[i]
        return offsets[i] + np.arange(t.size).reshape(t.shape)

    try:
        out = np.block(tags_of(arrays))
    except ValueError as e:
        raise ValueError(f"block: blocks of shapes {[t.shape for t in tensors]}: {e}") from None
    dt = np.result_type(*(t.dtype for t in tensors)) if tensors else None
    tensors = [t if t.dtype == dt else t.astype(dt) for t in tensors]
    return _gathered("block", tensors, np.asarray(out))


def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False, *,
         kind: str | None = None) -> Tensor:
    """np.isin: a boolean tensor of element's shape, True where the entry equals some entry
    of test_elements (any shape; NaN equals nothing); invert=True gives the opposite. No
    gradient. Computed as a comparison of every pair (element.size * test_elements.size
    booleans), which am.compile replays."""
    element = as_tensor(element)
    test = as_tensor(test_elements)
    if kind not in (None, "sort", "table"):
        raise ValueError(f"isin: kind must be None, 'sort' or 'table', got {kind!r}")
    with no_grad():
        out = _any(element.reshape(element.shape + (1,)) == test.reshape(-1), axis=-1)
        return logical_not(out) if invert else out
