"""Argument checks shared by the functions of F (and read by the layers as F._int,
F._pair, ...): ints, numbers, pairs, images, reductions, dims; each error names the op."""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import operator
from typing import Any, Callable

import numpy as np

from ... import engine
from ...functions import as_tensor
from ...tensor import Tensor, _flag, _is_index


_REDUCTIONS = ("mean", "sum", "none")
_WEIGHTED = ("cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits")


def _int(value: Any, what: str, where: str, minimum: int | None = None) -> int:
    """An int (at least `minimum`, if given): a float is refused, not truncated."""
    if not _is_index(value):
        raise TypeError(f"{where}: {what} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {value!r}")
    return operator.index(value)


def _is_real(value: Any) -> bool:
    """A real number: not a bool or a string; a numpy scalar or a 0-d array of one is fine."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _number(value: Any, what: str, where: str) -> float:
    """A real number (as _is_real), as a float."""
    if not _is_real(value):
        raise TypeError(f"{where}: {what} must be a real number, got {value!r}")
    return float(value)


def _pair(value: Any, what: str, where: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as (rows, cols), each at least `minimum`."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else value
    if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not all(_is_index(v) for v in pair):
        raise TypeError(f"{where}: {what} must be an int or a pair of ints, got {value!r}")
    if pair[0] < minimum or pair[1] < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _images(x: Any, where: str) -> tuple[Tensor, bool]:
    """x as a 4-D (N, C, H, W) tensor, and whether it was one (C, H, W) image."""
    x = as_tensor(x)
    if x.ndim == 3:
        return x.reshape((1,) + x.shape), True
    if x.ndim != 4:
        raise ValueError(f"{where}: expected input of shape (N, C, H, W) or (C, H, W), got {x.shape}")
    return x, False


def _check_fits(where: str, shape: tuple, pads: tuple, kernel: tuple, dilation: tuple) -> None:
    """Raise unless the padded image is at least as large as the dilated kernel."""
    padded = tuple(n + a + b for n, (a, b) in zip(shape[-2:], pads))
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if padded[0] < span[0] or padded[1] < span[1]:
        raise ValueError(
            f"{where}: input of shape {shape} (padded spatial size {padded}) is smaller "
            f"than the kernel {kernel} with dilation {dilation} (spans {span})"
        )


def _check_reduction(reduction: str, where: str) -> None:
    if not isinstance(reduction, str):
        # (an array here is most likely PyTorch's third positional argument, weight,
        # which this library's losses take by keyword, after their own positional ones)
        shape = np.shape(reduction.data if isinstance(reduction, Tensor) else reduction)
        hint = " (pass a weight by keyword: weight=...)" if where in _WEIGHTED else ""
        raise TypeError(
            f"{where}: reduction must be one of {_REDUCTIONS}, got a {type(reduction).__name__}"
            f"{f' of shape {shape}' if shape else ''}{hint}"
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _beta(beta: Any, where: str) -> float:
    """smooth_l1_loss's beta (and SmoothL1Loss's): a finite number >= 0."""
    beta = _number(beta, "beta", where)
    if not 0.0 <= beta < math.inf:
        raise ValueError(f"{where}: beta must be a finite number >= 0, got {beta!r}")
    return beta


def _delta(delta: Any, where: str) -> float:
    """huber_loss's delta (and HuberLoss's): a finite number > 0."""
    delta = _number(delta, "delta", where)
    if not 0.0 < delta < math.inf:
        raise ValueError(f"{where}: delta must be a finite number > 0, got {delta!r}")
    return delta


def _label_smoothing(label_smoothing: Any, where: str) -> float:
    """cross_entropy's label_smoothing (and CrossEntropyLoss's): a number in [0, 1]."""
    eps = _number(label_smoothing, "label_smoothing", where)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    return eps


def _bias(bias: Any, n: int, where: str) -> Tensor | None:
    """A layer's bias as a tensor of shape (n,), n its output features or channels (or None)."""
    if bias is None:
        return None
    bias = as_tensor(bias)
    if bias.shape != (n,):
        raise ValueError(f"{where}: bias must have shape ({n},), got {bias.shape}")
    return bias


def _refuses_empty_mean(loss_fn: Callable) -> Callable:
    """Decorator for a loss with a `reduction` argument: refuse reduction='mean' of an
    empty batch before anything is recorded (the check in _reduce comes after the
    loss's nodes). Only when an argument is empty, the loss is first computed with
    reduction='none' with no graph and no am.compile tracer, to learn its shape: an
    empty input need not make the losses empty (cosine_embedding_loss of (N, 0)
    vectors has N). Otherwise this costs one look at each argument's size."""
    name = loss_fn.__name__
    names = list(inspect.signature(loss_fn).parameters)
    at = names.index("reduction")

    @functools.wraps(loss_fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reduction = args[at] if len(args) > at else kwargs.get("reduction", "mean")
        if type(reduction) is str and reduction == "mean":
            for a in (*args, *kwargs.values()) if kwargs else args:
                d = a.data if isinstance(a, Tensor) else a
                if (d.size == 0) if isinstance(d, np.ndarray) else isinstance(d, _SEQUENCES) and _empty(d):
                    _refuse_empty_mean(loss_fn, name, names, at, args, kwargs)
                    break
        return loss_fn(*args, **kwargs)

    return wrapper


_SEQUENCES = (list, tuple)


def _empty(seq: Any) -> bool:
    try:
        return np.size(seq) == 0
    except (TypeError, ValueError, AttributeError):  # (ragged: the loss's own checks refuse it)
        return False


def _refuse_empty_mean(loss_fn: Callable, name: str, names: list, at: int, args: tuple, kwargs: dict) -> None:
    args = args[:at] + ("none",) + args[at + 1:] if len(args) > at else args
    kwargs = {**kwargs, "reduction": "none"} if len(args) <= at else kwargs
    saved = engine.tracers[:]
    engine.tracers.clear()  # (a shape probe: nothing of it belongs on a compiled tape)
    try:
        with engine.no_grad():
            shape = loss_fn(*args, **kwargs).shape
    finally:
        engine.tracers[:] = saved
    if math.prod(shape) == 0:
        given = ", ".join(f"{k} of shape {np.shape(v.data if isinstance(v, Tensor) else v)}"
                          for k, v in (*zip(names, args), *kwargs.items())
                          if isinstance(v, (Tensor, np.ndarray, list, tuple)))
        raise ValueError(
            f"{name}: reduction='mean' of an empty batch ({given}; losses of shape {shape}) has nothing to average"
        )


def _reduce(loss: Tensor, reduction: str, where: str) -> Tensor:
    if reduction == "mean":
        if loss.data.size == 0:  # (am.mean's own error would name mean, not the loss)
            raise ValueError(
                f"{where}: reduction='mean' of an empty batch (losses of shape {loss.shape}) has nothing to average"
            )
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _dim(x: Tensor, dim: int | None, axis: int | None, where: str) -> int:
    """Resolve PyTorch's `dim` and numpy's `axis` (aliases; -1 by default, up to 2-D)."""
    if dim is not None and axis is not None and dim != axis:
        raise TypeError(f"{where}: got dim={dim} and axis={axis}; pass only one")
    if dim is None and axis is None and x.ndim > 2:
        # PyTorch's implicit (deprecated) choice is dim 0 for 3-D input and 1 beyond: the
        # last axis would give a silently different answer, so none is guessed
        raise ValueError(
            f"{where}: pass dim for an input of shape {x.shape} (PyTorch would take dim "
            f"{0 if x.ndim == 3 else 1} implicitly, this library the last axis: neither is guessed)"
        )
    d = dim if dim is not None else axis if axis is not None else -1
    if not _is_index(d):
        raise TypeError(f"{where}: dim must be an int, got {d!r}")
    if not -max(x.ndim, 1) <= d < max(x.ndim, 1):
        raise ValueError(f"{where}: dim {d} is out of range for shape {x.shape}")
    return d


def _same_shape(a: Tensor, b: Tensor, where: str, names: str = "input and target") -> None:
    if a.shape != b.shape:
        raise ValueError(f"{where}: {names} must have the same shape, got {a.shape} and {b.shape}")


def _single(value: Any, what: str, where: str, minimum: int) -> int:
    """An int or a one-element tuple/list of one (conv1d's arguments), at least `minimum`."""
    one = value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value
    if not _is_index(one):
        raise TypeError(f"{where}: {what} must be an int or a tuple of one int, got {value!r}")
    if one < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {value!r}")
    return int(one)


def _write_inplace(x: Any, out: Tensor, where: str) -> Tensor:
    """PyTorch's inplace=True: `out` written into the input x, and x returned, so what
    reads x afterwards sees the new values (`x + block(x)` with a ReLU(inplace=True)
    first in block is relu(x) + block(x), in PyTorch and here). The write is recorded
    when x has a graph, and raises on a leaf that requires grad, as PyTorch's does; an
    array input (not a tensor) is not written, and `out` is returned. Inside am.compile an
    input that an op of the function made is rebound to the result (a replay repeats it);
    the write into any other input (an argument, a parameter) is refused."""
    if not isinstance(x, Tensor) or out is x:
        return out
    if out.dtype != x.dtype and not np.can_cast(out.dtype, x.dtype, "same_kind"):
        # (as PyTorch's: a float result is not truncated into an integer input; checked
        # before am.compile's branch, so a compiled call raises the eager call's error)
        raise TypeError(f"{where}(inplace=True): the result's dtype {out.dtype} cannot be written into "
                        f"the input's {x.dtype} (shape {x.shape}); use inplace=False, or a float input")
    if engine.tracers:
        # (am.compile: an input that an op of the recording made takes the result's value
        # as a recorded rebinding, which a replay repeats; any other input is refused)
        if not engine.tracers[-1].write_inplace(x, out, where):
            raise RuntimeError(f"{where}(inplace=True): writing into the input (shape {x.shape}) cannot be "
                               "compiled (a replay would skip the write) unless an op of the compiled "
                               "function made the input (and, written without a graph, no argument or "
                               "parameter shares its array); use inplace=False for am.compile (the same "
                               "numbers unless the input is read again afterwards)")
        return x
    return x.copy_(out)


def _inplace_call(f: Callable, x: Any, inplace: Any, where: str, *args: Any) -> Any:
    """F's inplace= (the activations' and dropouts', PyTorch's): f(x, *args), written into
    the input x and x returned when inplace is True (_write_inplace, as the layers'
    inplace=True). An F function calls it only when `inplace is not False`, so its
    default path pays that one test; inplace is checked (True or False) first."""
    if not _flag(inplace, "inplace", where):
        return f(x, *args)
    return _write_inplace(x, f(x, *args), where)
