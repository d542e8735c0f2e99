"""Linear (y = x W^T + b), Bilinear (y = x1^T A x2 + b) and Identity."""

from __future__ import annotations

import math
from typing import Any

from ..tensor import Tensor, _check_device, _flag
from . import functional as F
from . import init
from ._common import _empty, _input
from .module import Module


class Identity(Module):
    """Returns its input unchanged (constructor arguments are accepted and ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features) and b of shape (out_features,).

    Input (..., in_features), output (..., out_features). Default initialisation
    (PyTorch's): W ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
    and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        _check_device(device, "Linear")
        super().__init__()
        self.in_features = F._int(in_features, "in_features", "Linear", 0)
        self.out_features = F._int(out_features, "out_features", "Linear", 0)
        self.weight = _empty((out_features, in_features), dtype)
        if _flag(bias, "bias", "Linear"):
            self.bias = _empty((out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5)) if self.in_features else init.zeros_(self.weight)
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):  # (the call of _input skipped for a Tensor: this runs every step)
            x = _input(self, x)
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"{self.label()}: expected input with last dimension {self.in_features}, "
                f"got shape {tuple(shape)}"
            )
        return F._affine(x, self.weight, self.bias)  # checked above; this runs every step

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    def label(self) -> str:
        return f"Linear({self.in_features}→{self.out_features})"


class Bilinear(Module):
    """y_o = x1^T A_o x2 + b_o (see F.bilinear): weight A of shape (out_features,
    in1_features, in2_features), bias (out_features,). Inputs (..., in1_features) and
    (..., in2_features) with the same leading axes; output (..., out_features).
    Default initialisation (PyTorch's): weight and bias ~ U(-1/sqrt(in1), 1/sqrt(in1)).
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        _check_device(device, "Bilinear")
        super().__init__()
        self.in1_features = F._int(in1_features, "in1_features", "Bilinear", 0)
        self.in2_features = F._int(in2_features, "in2_features", "Bilinear", 0)
        self.out_features = F._int(out_features, "out_features", "Bilinear", 0)
        self.weight = _empty((self.out_features, self.in1_features, self.in2_features), dtype)
        if _flag(bias, "bias", "Bilinear"):
            self.bias = _empty((self.out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        bound = 1.0 / math.sqrt(self.in1_features) if self.in1_features else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x1: Any, x2: Any) -> Tensor:
        x1, x2 = _input(self, x1), _input(self, x2)
        if (not x1.shape or not x2.shape or x1.shape[-1] != self.in1_features
                or x2.shape[-1] != self.in2_features or x1.shape[:-1] != x2.shape[:-1]):
            raise ValueError(
                f"{self.label()}: expected inputs of shapes (..., {self.in1_features}) and "
                f"(..., {self.in2_features}) with the same leading axes, got {tuple(x1.shape)} and {tuple(x2.shape)}"
            )
        return F.bilinear(x1, x2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")

    def label(self) -> str:
        return f"Bilinear({self.in1_features}×{self.in2_features}→{self.out_features})"
