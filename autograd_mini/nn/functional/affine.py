"""The affine map of a linear layer: linear, x W^T + b (one `matmul_add` node; a matmul
without a bias); bilinear, x1^T A x2 + b (one einsum).

(Named for what it computes: a submodule named `linear` would be bound as the
package's attribute `linear` when imported, where F.linear is the function.)"""

from __future__ import annotations

from typing import Any

from ... import primitives as P
from ...engine import composite
from ...functions import as_tensor, einsum
from ...tensor import Tensor
from ._args import _bias


@composite
def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """x W^T + b: x (..., in), weight (out, in), bias (out,) -> (..., out).

    A single sample x (in,) is computed as W x + b, the paper's sigma(W a + b)
    form, which records no transpose; a batch as x W^T + b, each row a sample.
    In the paper's names: x is a (the previous layer's output), the result is z
    (a nn.Sigmoid after it makes the next a), and the gradient the backward
    sweep holds for the result is the paper's delta = dC/dz (see P.matmul_add).

    As PyTorch documents, weight may also be one vector (in,): then the result is
    x @ weight + b of shape (...) (no out axis) and bias, if given, is 0-d.
    """
    x, weight = as_tensor(x), as_tensor(weight)
    if weight.ndim == 1 and x.ndim >= 1 and x.shape[-1] == weight.shape[0]:
        if bias is not None:
            bias = as_tensor(bias)
            if bias.ndim != 0:
                raise ValueError(f"linear: with a weight vector of shape {weight.shape} bias must be 0-d, "
                                 f"got shape {bias.shape}")
        out = x @ weight
        return out if bias is None else out + bias
    if weight.ndim != 2 or x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
            "(expected input (..., in) and weight (out, in) or (in,))"
        )
    bias = _bias(bias, weight.shape[0], "linear")
    return _affine(x, weight, bias)


def _affine(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """linear() without its checks, for callers that made them (nn.Linear, per step)."""
    if x.ndim == 1:
        return weight @ x if bias is None else P.matmul_add.apply(weight, x, bias)
    # (matmul's VJP gives the transposed view W.T a column-major gradient, so
    # W's .grad is its transpose, row-major, with no copy.)
    return x @ weight.T if bias is None else P.matmul_add.apply(x, weight.T, bias)


@composite
def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Tensor:
    """y_o = sum_ij x1_i A_oij x2_j + b_o (PyTorch's bilinear): input1 (..., in1), input2
    (..., in2) with the same leading axes (none for one sample), weight (out, in1, in2),
    bias (out,) -> (..., out). One einsum ('...i,oij,...j->...o'), plus the bias.
    """
    x1, x2, weight = as_tensor(input1), as_tensor(input2), as_tensor(weight)
    if (weight.ndim != 3 or x1.ndim < 1 or x2.ndim < 1 or x1.shape[:-1] != x2.shape[:-1]
            or x1.shape[-1] != weight.shape[1] or x2.shape[-1] != weight.shape[2]):
        raise ValueError(
            f"bilinear: inputs of shapes {x1.shape} and {x2.shape} do not fit weight of shape {weight.shape} "
            "(expected input1 (..., in1), input2 (..., in2) with the same leading axes, weight (out, in1, in2))"
        )
    bias = _bias(bias, weight.shape[0], "bilinear")
    y = einsum("...i,oij,...j->...o", x1, weight, x2)
    return y if bias is None else y + bias
