"""Weight initialisation, in place on a tensor's `.data` (PyTorch's names and rules).

Each function overwrites the array of the tensor it is given, records nothing
in the graph, and returns the tensor. Randomness comes from the library's
generator (`autograd_mini.creation.generator()`), so `am.manual_seed` makes
initialisation reproducible; each random one also takes `generator=` (an
am.Generator), as torch's, to draw from it instead (the library generator is then
left where it was).

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

from ..creation import _generator_of
from ..engine import changed_in_place, tracers
from ..tensor import Tensor
from .functional import _int, _is_real, _number

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


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Any:
    """Fill with samples of U(a, b); returns the tensor. `generator` (an am.Generator):
    draw from it instead of the library generator, as torch's."""
    if not math.isfinite(_number(a, "a", "uniform_")) or not math.isfinite(_number(b, "b", "uniform_")):
        raise ValueError(f"uniform_: the bounds must be finite, got a={a}, b={b}")
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    arr, gen = _array(tensor, "uniform_"), _generator_of(generator, "uniform_")
    return _fill(tensor, gen.uniform(a, b, size=arr.shape), "uniform_")


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Any:
    """Fill with samples of N(mean, std^2); returns the tensor. `generator` (an
    am.Generator): draw from it instead of the library generator, as torch's."""
    # (like uniform_'s bounds: an infinite or NaN mean or std would fill the weight with inf or NaN)
    if not math.isfinite(_number(mean, "mean", "normal_")) or not math.isfinite(_number(std, "std", "normal_")):
        raise ValueError(f"normal_: mean and std must be finite, got mean={mean}, std={std}")
    if not std >= 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    arr, gen = _array(tensor, "normal_"), _generator_of(generator, "normal_")
    return _fill(tensor, gen.normal(mean, std, size=arr.shape), "normal_")


def constant_(tensor: Any, val: float) -> Any:
    """Fill with the value `val`; returns the tensor."""
    return _fill(tensor, _number(val, "val", "constant_"), "constant_")


def zeros_(tensor: Any) -> Any:
    """Fill with 0; returns the tensor."""
    return _fill(tensor, 0.0, "zeros_")


def ones_(tensor: Any) -> Any:
    """Fill with 1; returns the tensor."""
    return _fill(tensor, 1.0, "ones_")


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).

    `generator` (an am.Generator): draw from it instead of the library generator, which is
    left where it was, as torch's."""
    gain = _number(gain, "gain", "xavier_uniform_")
    gen = _generator_of(generator, "xavier_uniform_")
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    if fan_in + fan_out == 0:
        raise ValueError(f"xavier_uniform_: fan_in + fan_out is 0 for shape {tuple(tensor.shape)}")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, gen)


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    `generator` (an am.Generator): draw from it instead of the library generator, which is
    left where it was, as torch's."""
    gain = _number(gain, "gain", "xavier_normal_")
    gen = _generator_of(generator, "xavier_normal_")
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    if fan_in + fan_out == 0:
        raise ValueError(f"xavier_normal_: fan_in + fan_out is 0 for shape {tuple(tensor.shape)}")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), gen)


def kaiming_uniform_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Any:
    """He uniform: U(-b, b) with b = sqrt(3) * gain / sqrt(fan).

    gain = calculate_gain(nonlinearity, a); `a` is the negative slope of a
    leaky ReLU (PyTorch's default layers use a = sqrt(5), giving b = 1/sqrt(fan_in)).

    `generator` (an am.Generator): draw from it instead of the library generator, which is
    left where it was, as torch's.
    """
    gen = _generator_of(generator, "kaiming_uniform_")
    fan = _fan(tensor, mode, "kaiming_uniform_")
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, gen)


def kaiming_normal_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Any:
    """He normal: N(0, std^2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a).

    `generator` (an am.Generator): draw from it instead of the library generator, which is
    left where it was, as torch's."""
    gen = _generator_of(generator, "kaiming_normal_")
    fan = _fan(tensor, mode, "kaiming_normal_")
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), gen)


# -- structured and truncated initialisations (PyTorch's trunc_normal_, orthogonal_, eye_,
# dirac_, sparse_) ------------------------------------------------------------------------


def _erfinv(y: np.ndarray) -> np.ndarray:
    """The inverse of erf on [-1, 1] in float64 (numpy has none): the erfinv primitive's forward."""
    from ..primitives import _erfinv as erfinv

    return erfinv(np.asarray(y, dtype=np.float64))


def trunc_normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Any = None) -> Any:
    """Fill with samples of N(mean, std^2) truncated to [a, b] (a and b in the tensor's units,
    not in stds: PyTorch's meaning); returns the tensor.

    PyTorch's inverse-CDF method: with Phi the standard normal CDF, l = Phi((a - mean)/std),
    u = Phi((b - mean)/std), draw v ~ U(2l - 1, 2u - 1) and take
    mean + std * sqrt(2) * erfinv(v), clamped to [a, b] (rounding only). Any shape, even 0-d.
    mean, std > 0, a < b must be finite; a mean more than 2 std outside [a, b] warns, as
    PyTorch (the method loses accuracy there).

    `generator` (an am.Generator): draw from it instead of the library generator, which is
    left where it was, as torch's.
    """
    where = "trunc_normal_"
    gen = _generator_of(generator, where)
    mean, std = _number(mean, "mean", where), _number(std, "std", where)
    a, b = _number(a, "a", where), _number(b, "b", where)
    if not all(math.isfinite(v) for v in (mean, std, a, b)):
        raise ValueError(f"{where}: mean, std, a and b must be finite, got mean={mean}, std={std}, a={a}, b={b}")
    if not std > 0:
        raise ValueError(f"{where}: std must be positive, got {std}")
    if not a < b:
        raise ValueError(f"{where}: need a < b, got a={a}, b={b}")
    arr = _array(tensor, where)
    if mean < a - 2 * std or mean > b + 2 * std:
        import warnings

        warnings.warn(
            f"{where}: mean {mean} is more than 2 std from [a, b] = [{a}, {b}]; the distribution of "
            "values may be incorrect", stacklevel=2)

    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    lo, hi = 2 * cdf((a - mean) / std) - 1, 2 * cdf((b - mean) / std) - 1
    v = gen.uniform(lo, hi, size=arr.shape)
    values = np.clip(mean + std * math.sqrt(2.0) * _erfinv(v), a, b)
    return _fill(tensor, values, where)


def orthogonal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Fill with a (semi-)orthogonal matrix times gain (Saxe et al. 2013, PyTorch's method);
    returns the tensor.

    The tensor, of shape (rows, *rest) with at least 2 dimensions, is seen as a matrix of
    shape (rows, cols), cols = prod(rest). A (rows, cols) matrix of N(0, 1) samples (its
    transpose if rows < cols) is factored A = QR and Q's columns multiplied by the signs of
    R's diagonal (so Q is Haar-distributed); then W W^T = gain^2 I if rows <= cols, else
    W^T W = gain^2 I. An empty tensor is left as it is.

    `generator` (an am.Generator): draw from it instead of the library generator, which is
    left where it was, as torch's.
    """
    where = "orthogonal_"
    gen = _generator_of(generator, where)
    gain = _number(gain, "gain", where)
    arr = _array(tensor, where)
    if arr.ndim < 2:
        raise ValueError(f"{where}: only tensors with 2 or more dimensions are supported, got shape {arr.shape}")
    if arr.size == 0:
        return tensor
    rows = arr.shape[0]
    cols = arr.size // rows
    flat = gen.normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(arr.shape), where)


def eye_(tensor: Any) -> Any:
    """Fill a 2-D tensor (n, m) with the identity: 1 on the diagonal, 0 elsewhere (as
    np.eye(n, m)); keeps the identity of the inputs in Linear layers. Returns the tensor."""
    arr = _array(tensor, "eye_")
    if arr.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {arr.shape}")
    return _fill(tensor, np.eye(*arr.shape), "eye_")


def dirac_(tensor: Any, groups: int = 1) -> Any:
    """Fill a 3-, 4- or 5-D convolution weight (out, in, *kernel) with the Dirac delta, so a
    convolution (stride 1, padding kernel // 2 for odd kernels) keeps its input's channels:
    in each of the `groups` groups of out // groups output channels, channel d of the group
    gets a 1 at input channel d (d < min(out // groups, in)) and the kernel's centre
    (k // 2 per axis), 0 elsewhere. out must be divisible by groups. Returns the tensor."""
    where = "dirac_"
    groups = _int(groups, "groups", where, 1)
    arr = _array(tensor, where)
    if arr.ndim not in (3, 4, 5):
        raise ValueError(f"{where}: only tensors with 3, 4 or 5 dimensions are supported, got shape {arr.shape}")
    if arr.shape[0] % groups:
        raise ValueError(f"{where}: dim 0 ({arr.shape[0]}) of shape {arr.shape} must be divisible by groups={groups}")
    per_group = arr.shape[0] // groups
    values = np.zeros(arr.shape)
    centre = tuple(k // 2 for k in arr.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, arr.shape[1])):
            values[(g * per_group + d, d) + centre] = 1.0
    return _fill(tensor, values, where)


def sparse_(tensor: Any, sparsity: float, std: float = 0.01, generator: Any = None) -> Any:
    """Fill a 2-D tensor (rows, cols) with N(0, std^2) samples, then set ceil(sparsity * rows)
    entries of each column to 0 (rows drawn at random per column; Martens 2010, PyTorch's
    method). sparsity in [0, 1]. Returns the tensor.

    `generator` (an am.Generator): draw from it instead of the library generator, which is
    left where it was, as torch's."""
    where = "sparse_"
    gen = _generator_of(generator, where)
    sparsity = _number(sparsity, "sparsity", where)
    std = _number(std, "std", where)
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"{where}: sparsity must be in [0, 1], got {sparsity}")
    if not (math.isfinite(std) and std >= 0):
        raise ValueError(f"{where}: std must be finite and non-negative, got {std}")
    arr = _array(tensor, where)
    if arr.ndim != 2:
        raise ValueError(f"{where}: only tensors with 2 dimensions are supported, got shape {arr.shape}")
    rows, cols = arr.shape
    zeros = int(math.ceil(sparsity * rows))
    values = gen.normal(0.0, std, size=arr.shape)
    for col in range(cols):
        values[gen.permutation(rows)[:zeros], col] = 0.0
    return _fill(tensor, values, where)
