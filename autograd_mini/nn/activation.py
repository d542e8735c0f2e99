"""Activation layers: each applies its function of F elementwise (or along one
axis: Softmax, LogSoftmax, Softmin, GLU, Softmax2d); PReLU holds a learnt slope, RReLU
draws random ones in training."""

from __future__ import annotations

import math
from typing import Any

from .. import primitives as P
from ..tensor import Tensor, _check_device, _flag
from . import functional as F
from ._common import _empty, _inplace, _input
from .module import Module


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise (the paper's activation)."""

    def forward(self, x: Any) -> Tensor:
        # (A Tensor straight to the primitive, as F.sigmoid takes it after as_tensor:
        # the paper's activation runs once per layer per step.)
        return P.sigmoid.apply(x) if isinstance(x, Tensor) else F.sigmoid(x)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x: Any) -> Tensor:
        return F.tanh(x)


class ReLU(Module):
    """max(x, 0), elementwise. inplace=True, as in PyTorch, writes the result into the
    input tensor and returns it (what reads the input afterwards sees max(x, 0)); so
    in every layer here that takes `inplace`."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = _flag(inplace, "inplace", "ReLU")

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, F.relu(x))


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, elementwise (see F.softplus); x where beta x > threshold
    when a threshold is given (PyTorch's default is 20; here None, the exact value)."""

    def __init__(self, beta: float = 1.0, threshold: float | None = None) -> None:
        super().__init__()
        self.beta = F._softplus_beta(beta)
        self.threshold = F._softplus_threshold(threshold)

    def forward(self, x: Any) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}" if self.threshold is None else f"beta={self.beta}, threshold={self.threshold}"


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise, elementwise (see F.leaky_relu)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = F._number(negative_slope, "negative_slope", "LeakyReLU")
        self.inplace = _flag(inplace, "inplace", "LeakyReLU")

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, F.leaky_relu(x, self.negative_slope))

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim` (the last axis by default, also for input of
    3 or more axes, where F.softmax asks for dim); output of x's shape."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = F._int(dim, "dim", "Softmax")

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        ndim = len(x.shape)
        if not -max(ndim, 1) <= self.dim < max(ndim, 1):
            raise ValueError(f"{self.label()}: dim {self.dim} out of range for input of shape {tuple(x.shape)}")
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class SiLU(Module):
    """x * sigmoid(x), elementwise (see F.silu); `inplace` as in ReLU."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = _flag(inplace, "inplace", "SiLU")

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, F.silu(x))


class GELU(Module):
    """x * Phi(x), elementwise (see F.gelu); approximate='tanh' for the tanh form."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = F._gelu_approximate(approximate, "GELU")

    def forward(self, x: Any) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class ELU(Module):
    """x for x > 0, alpha * (exp(x) - 1) otherwise, elementwise (see F.elu)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = F._number(alpha, "alpha", "ELU")
        self.inplace = _flag(inplace, "inplace", "ELU")

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, F.elu(x, self.alpha))

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(Module):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), elementwise (see F.celu)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = F._number(alpha, "alpha", "CELU")
        if self.alpha == 0.0 or not math.isfinite(self.alpha):
            raise ValueError(f"CELU: alpha must be a finite nonzero number, got {alpha!r}")
        self.inplace = _flag(inplace, "inplace", "CELU")

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, F.celu(x, self.alpha))

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class _Elementwise(Module):
    """An activation without settings: forward is `_fn` (a function of F) of the input.
    (`inplace`, where PyTorch takes it, as in ReLU.)"""

    _fn = ""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = _flag(inplace, "inplace", type(self).__name__)

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, getattr(F, self._fn)(x))


class SELU(_Elementwise):
    """scale * ELU(x, alpha) with PyTorch's fixed alpha and scale, elementwise (see F.selu)."""

    _fn = "selu"


class ReLU6(_Elementwise):
    """min(max(x, 0), 6), elementwise (see F.relu6)."""

    _fn = "relu6"


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6, elementwise (see F.hardsigmoid)."""

    _fn = "hardsigmoid"


class Hardswish(_Elementwise):
    """x * relu6(x + 3) / 6, elementwise (see F.hardswish)."""

    _fn = "hardswish"


class Mish(_Elementwise):
    """x * tanh(softplus(x)), elementwise (see F.mish)."""

    _fn = "mish"


class Softsign(Module):
    """x / (1 + |x|), elementwise (see F.softsign)."""

    def forward(self, x: Any) -> Tensor:
        return F.softsign(x)


class LogSigmoid(Module):
    """log(sigmoid(x)) = -softplus(-x), elementwise, stable (see F.logsigmoid)."""

    def forward(self, x: Any) -> Tensor:
        return F.logsigmoid(x)


class Tanhshrink(Module):
    """x - tanh(x), elementwise (see F.tanhshrink)."""

    def forward(self, x: Any) -> Tensor:
        return F.tanhshrink(x)


class Hardtanh(Module):
    """x clamped to [min_val, max_val], elementwise (see F.hardtanh)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val, self.max_val = F._bounds(min_val, max_val, "Hardtanh")
        self.inplace = _flag(inplace, "inplace", "Hardtanh")

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, F.hardtanh(x, self.min_val, self.max_val))

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Threshold(Module):
    """x where x > threshold, value elsewhere, elementwise (see F.threshold)."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = F._number(threshold, "threshold", "Threshold")
        self.value = F._number(value, "value", "Threshold")
        self.inplace = _flag(inplace, "inplace", "Threshold")

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, F.threshold(x, self.threshold, self.value))

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}"


class PReLU(Module):
    """x for x > 0, a * x otherwise, with a learnt slope a (PyTorch's PReLU).

    weight: a Parameter of shape (num_parameters,), every entry `init` (0.25); with
    num_parameters = C, channel c (axis 1 of an (N, C, ...) input) has slope weight[c].
    Output of the input's shape (see F.prelu).
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "PReLU")
        super().__init__()
        self.num_parameters = F._int(num_parameters, "num_parameters", "PReLU", 1)
        self.init = F._number(init, "init", "PReLU")
        self.weight = _empty((self.num_parameters,), dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope = init."""
        self.weight.data[...] = self.init

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        if self.num_parameters != 1 and (x.ndim < 2 or x.shape[1] != self.num_parameters):
            raise ValueError(
                f"{self.label()}: expected input of shape (N, {self.num_parameters}, ...), got shape {tuple(x.shape)}"
            )
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"

    def label(self) -> str:
        return f"PReLU({self.num_parameters})"


class GLU(Module):
    """a * sigmoid(b), a and b the halves of the input along dim (see F.glu)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = F._int(dim, "dim", "GLU")

    def forward(self, x: Any) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - logsumexp(x) along dim (see F.log_softmax); dim=None is the last axis of an
    input of at most 2 axes (PyTorch's implicit choice there), an error beyond."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = None if dim is None else F._int(dim, "dim", "LogSoftmax")

    def forward(self, x: Any) -> Tensor:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmax(-x) along dim (see F.softmin); dim=None as in LogSoftmax."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = None if dim is None else F._int(dim, "dim", "Softmin")

    def forward(self, x: Any) -> Tensor:
        return F.softmin(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardshrink(Module):
    """0 where |x| <= lambd, x elsewhere, elementwise (see F.hardshrink); x's shape."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = F._number(lambd, "lambd", "Hardshrink")

    def forward(self, x: Any) -> Tensor:
        return F.hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x - lambd above lambd, x + lambd below -lambd, 0 between, elementwise (see
    F.softshrink); x's shape. lambd is a finite number >= 0."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = F._softshrink_lambd(lambd, "Softshrink")

    def forward(self, x: Any) -> Tensor:
        return F.softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class RReLU(Module):
    """Randomized leaky ReLU (see F.rrelu): x for x > 0, a * x elsewhere; x's shape. In
    training a ~ U(lower, upper) per entry, from the library generator (am.manual_seed);
    in eval a = (lower + upper) / 2. am.compile refuses training mode (compile in eval()).
    `inplace` as in ReLU."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper = F._rrelu_bounds(lower, upper, "RReLU")
        self.inplace = _flag(inplace, "inplace", "RReLU")

    def forward(self, x: Any) -> Tensor:
        return _inplace(self, x, F.rrelu(x, self.lower, self.upper, self.training))

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}"


class Softmax2d(Module):
    """Softmax over the channels of each pixel: along axis -3 of (N, C, H, W) or (C, H, W)
    input; output of its shape (PyTorch's Softmax2d)."""

    def forward(self, x: Any) -> Tensor:
        x = _input(self, x)
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input of shape (N, C, H, W) or (C, H, W), got shape {x.shape}")
        return F.softmax(x, -3)
