"""Weight initialisation, in place on a tensor's `.data` (PyTorch's names and rules).

Each function overwrites the array of the tensor it is given, records nothing
in the graph, and returns the tensor. Randomness comes from the library's
generator (`autograd_mini.creation.generator()`), so `am.manual_seed` makes
initialisation reproducible.

Fans: for a weight of shape (out, in, *kernel) with receptive field
r = prod(kernel) (1 for Linear),

    fan_in = in * r,     fan_out = out * r.

Variance-preserving rules:

    xavier (Glorot):  std = gain * sqrt(2 / (fan_in + fan_out))
    kaiming (He):     std = gain / sqrt(fan),  gain = calculate_gain(nonlinearity, a)

and a uniform distribution U(-b, b) has the same std when b = sqrt(3) * std.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..creation import generator
from ..engine import changed_in_place, tracers
from ..tensor import Tensor
from .functional import _is_real, _number

_LINEAR_LIKE = (
    "linear", "identity", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance stable through `nonlinearity`.

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2);
    leaky_relu with slope a (param, default 0.01): sqrt(2 / (1 + a^2)); selu: 3/4.
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif _is_real(param):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative slope must be a number, got {param!r}")
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected one of "
        f"{', '.join(_LINEAR_LIKE + ('tanh', 'relu', 'leaky_relu', 'selu'))}"
    )


def _array(tensor: Any, where: str) -> np.ndarray:
    if tracers:  # (before any samples are drawn, as randn refuses)
        raise RuntimeError(
            f"{where}: cannot fill a tensor in place inside a function being compiled (a replay "
            "would skip the fill); initialise it outside the function"
        )
    if isinstance(tensor, Tensor):
        arr = tensor.data
    elif isinstance(tensor, np.ndarray):
        arr = tensor
    else:
        raise TypeError(f"{where}: expected a Tensor (or ndarray) to fill in place, got {type(tensor).__name__}")
    if arr.dtype.kind != "f":
        raise TypeError(f"{where}: can only fill floating arrays, got dtype {arr.dtype}")
    if not arr.flags.writeable:  # (checked before any samples are drawn: the generator stays put)
        raise ValueError(
            f"{where}: the array of shape {arr.shape} is read-only (a broadcast, a read-only memory "
            "map?); give the tensor an array of its own: t.data = t.data.copy()"
        )
    return arr


def calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel); needs >= 2 dims."""
    return _fans(tensor, "calculate_fan_in_and_fan_out")


def _fans(tensor: Any, where: str) -> tuple[int, int]:
    """calculate_fan_in_and_fan_out, its errors naming `where` (the function called)."""
    # (a type check, not tensor.shape's AttributeError: a list or a number has no shape to read fans from)
    if not isinstance(tensor, (Tensor, np.ndarray)):
        raise TypeError(f"{where}: expected a Tensor (or ndarray), got {type(tensor).__name__}")
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"{where}: fan in and fan out need a weight with at least 2 dimensions (out, in, ...), "
            f"got shape {tuple(shape)}"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Any, mode: str, where: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{where}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor, where)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"{where}: {mode} is 0 for shape {tuple(tensor.shape)}; nothing to scale by")
    return fan


def _fill(tensor: Any, values: np.ndarray | float, where: str) -> Any:
    arr = _array(tensor, where)
    arr[...] = values
    changed_in_place(arr, f"nn.init.{where}")
    return tensor


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0) -> Any:
    """Fill with samples of U(a, b); returns the tensor."""
    if not math.isfinite(_number(a, "a", "uniform_")) or not math.isfinite(_number(b, "b", "uniform_")):
        raise ValueError(f"uniform_: the bounds must be finite, got a={a}, b={b}")
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    arr = _array(tensor, "uniform_")
    return _fill(tensor, generator().uniform(a, b, size=arr.shape), "uniform_")


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0) -> Any:
    """Fill with samples of N(mean, std^2); returns the tensor."""
    # (like uniform_'s bounds: an infinite or NaN mean or std would fill the weight with inf or NaN)
    if not math.isfinite(_number(mean, "mean", "normal_")) or not math.isfinite(_number(std, "std", "normal_")):
        raise ValueError(f"normal_: mean and std must be finite, got mean={mean}, std={std}")
    if not std >= 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    arr = _array(tensor, "normal_")
    return _fill(tensor, generator().normal(mean, std, size=arr.shape), "normal_")


def constant_(tensor: Any, val: float) -> Any:
    """Fill with the value `val`; returns the tensor."""
    return _fill(tensor, _number(val, "val", "constant_"), "constant_")


def zeros_(tensor: Any) -> Any:
    """Fill with 0; returns the tensor."""
    return _fill(tensor, 0.0, "zeros_")


def ones_(tensor: Any) -> Any:
    """Fill with 1; returns the tensor."""
    return _fill(tensor, 1.0, "ones_")


def xavier_uniform_(tensor: Any, gain: float = 1.0) -> Any:
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    gain = _number(gain, "gain", "xavier_uniform_")
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    if fan_in + fan_out == 0:
        raise ValueError(f"xavier_uniform_: fan_in + fan_out is 0 for shape {tuple(tensor.shape)}")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Any, gain: float = 1.0) -> Any:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    gain = _number(gain, "gain", "xavier_normal_")
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    if fan_in + fan_out == 0:
        raise ValueError(f"xavier_normal_: fan_in + fan_out is 0 for shape {tuple(tensor.shape)}")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Any:
    """He uniform: U(-b, b) with b = sqrt(3) * gain / sqrt(fan).

    gain = calculate_gain(nonlinearity, a); `a` is the negative slope of a
    leaky ReLU (PyTorch's default layers use a = sqrt(5), giving b = 1/sqrt(fan_in)).
    """
    fan = _fan(tensor, mode, "kaiming_uniform_")
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Any:
    """He normal: N(0, std^2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    fan = _fan(tensor, mode, "kaiming_normal_")
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))
