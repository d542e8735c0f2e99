"""Weight and spectral normalisation as parametrizations (torch.nn.utils.parametrizations).

    layer = am.nn.utils.parametrizations.weight_norm(nn.Linear(20, 40))
    list(layer.state_dict())   # ['bias', 'parametrizations.weight.original0' (g, (40, 1)),
                               #  'parametrizations.weight.original1' (v, (40, 20))]
    layer = am.nn.utils.parametrizations.spectral_norm(nn.Linear(20, 40))
    list(layer.state_dict())   # ['bias', 'parametrizations.weight.original',
                               #  'parametrizations.weight.0._u' (40,), 'parametrizations.weight.0._v' (20,)]

Both are composites (their forward is recorded from primitives, gradients flow to the
originals, am.compile replays them); spectral norm's power iteration runs on the arrays,
outside any graph. PyTorch's older hook-based spellings (torch.nn.utils.weight_norm,
spectral_norm, which name their tensors weight_g/weight_v and weight_orig/weight_u) are not
provided: an alias of these would save and load under other names than ported code expects.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...creation import generator
from ...engine import tracers
from ...functions import moveaxis
from ...tensor import Tensor, _is_index
from ..functional import normalize
from ..functional._args import _number
from ..module import Module
from .parametrize import _describe, _parameter, register_parametrization

__all__ = ["weight_norm", "spectral_norm"]


def _norm_except_dim(v: Any, dim: int | None) -> Any:
    """The 2-norm of v over every axis but dim, kept for broadcasting (shape 1 on those axes);
    over the whole tensor, shape (), for dim None. Works on Tensors (recorded) and arrays."""
    if dim is None:
        return ((v * v).sum()) ** 0.5
    axes = tuple(a for a in range(v.ndim) if a != dim)
    return ((v * v).sum(axis=axes, keepdims=True)) ** 0.5


class _WeightNorm(Module):
    """w = v * (g / ||v||), the norm over every axis of v but `dim` (None: all of them)."""

    def __init__(self, dim: int | None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def _target(module: Any, name: Any, where: str) -> Any:
    weight = _parameter(module, name, where)
    if weight.dtype.kind != "f":
        raise TypeError(f"{where}: {_describe(module)}.{name} has dtype {weight.dtype}; "
                        "expected a real floating dtype")
    return weight


def _dim(dim: Any, shape: tuple, where: str, module: Module, name: str) -> int:
    if not _is_index(dim):
        raise TypeError(f"{where}: dim must be an int or None, got {dim!r}")
    n = len(shape)
    if not -n <= dim < n:
        raise ValueError(f"{where}: dim {dim} is out of range for {_describe(module)}.{name} of "
                         f"shape {shape} (expected {-n} <= dim < {n})")
    return int(dim) % n


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Weight normalisation (Salimans and Kingma 2016), PyTorch's parametrization: returns module.

    The Parameter v = module.<name> (shape S) becomes two, g = original0 and v = original1,
    and module.<name> is w = v * (g / ||v||) on every access, the 2-norm taken over every axis
    of v except `dim`, so g has shape S with 1 on those axes ((out, 1) for a Linear weight,
    (out, 1, 1, 1) for Conv2d's, by dim=0), and each slice w[..., i, ...] along dim has norm
    |g_i|. dim=None: one norm of the whole tensor and g of shape (). At registration g =
    ||w|| and v = w, so the value is unchanged. As in PyTorch, dim=-1 means the whole tensor
    too (not the last axis; write dim=len(S) - 1 for that); other negative dims count from
    the end. Errors (before anything changes): TypeError if module.<name> is not a floating
    Parameter, ValueError for an unknown name or a dim out of range."""
    where = "weight_norm"
    weight = _target(module, name, where)
    if dim is not None and not (_is_index(dim) and dim == -1):
        dim = _dim(dim, weight.shape, where, module, name)
    elif dim is not None:
        dim = None  # (PyTorch's reading of -1)
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


def _normalized(x: np.ndarray, eps: float) -> np.ndarray:
    """x / max(||x||, eps), F.normalize's formula, on an array."""
    return x / max(float(np.sqrt(np.dot(x, x))), eps)


class _SpectralNorm(Module):
    """w = W / sigma, sigma = u . (W_mat v) with W_mat = W, `dim` moved first, as a matrix.

    u (rows of W_mat) and v (columns) are the buffers _u and _v, improved by
    n_power_iterations steps (u = normalize(W_mat v), then v = normalize(W_mat^T u)) on
    every forward in training mode, outside the graph; evaluation mode uses them as they
    are. A 1-D W is normalised by its 2-norm, w = W / max(||W||, eps), with no buffers."""

    def __init__(self, weight: Tensor, n_power_iterations: int, dim: int, eps: float) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps
        if weight.ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = self._matrix(weight.data)
            gen = generator()
            u = gen.standard_normal(mat.shape[0]).astype(weight.dtype)
            v = gen.standard_normal(mat.shape[1]).astype(weight.dtype)
            self.register_buffer("_u", Tensor(_normalized(u, eps)))
            self.register_buffer("_v", Tensor(_normalized(v, eps)))
            self._power_method(mat, 15)

    def _matrix(self, w: Any) -> Any:
        """w (an array or a Tensor) with axis dim first, flattened to (shape[dim], rest)."""
        if self.dim != 0:
            w = np.moveaxis(w, self.dim, 0) if isinstance(w, np.ndarray) else moveaxis(w, self.dim, 0)
        return w.reshape(w.shape[0], -1)

    def _power_method(self, mat: np.ndarray, n: int) -> None:
        # (new arrays, not written in place: a graph made earlier keeps the u and v it used)
        u, v = self._u.data, self._v.data
        for _ in range(n):
            u = _normalized(mat @ v, self.eps)
            v = _normalized(mat.T @ u, self.eps)
        self._u.data, self._v.data = u, v

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = self._matrix(weight)
        if self.training:
            if tracers:
                raise RuntimeError(
                    "spectral_norm: the power iteration of training mode cannot be compiled (a "
                    "replay would skip the update of u and v); compile the model in eval() mode")
            self._power_method(mat.data, self.n_power_iterations)
        sigma = self._u @ (mat @ self._v)
        return weight / sigma

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Spectral normalisation (Miyato et al. 2018), PyTorch's parametrization: returns module.

    module.<name> (a Parameter W of shape S, at least 1-D) stays as `original` and becomes
    w = W / sigma on every access, sigma = u . (W_mat v) estimating W_mat's largest singular
    value, W_mat = W with axis `dim` moved first and reshaped to (S[dim], prod(rest)); dim
    defaults to 1 for ConvTranspose1d/2d/3d (whose weight is (in, out, ...)), else 0. u and v
    (shapes (S[dim],) and (prod(rest),)) are buffers (state_dict: parametrizations.<name>.0._u,
    ._v), drawn from am's generator and improved by 15 power iterations at registration;
    each forward in training mode does n_power_iterations more, u = normalize(W_mat v), then
    v = normalize(W_mat^T u) (normalize(x) = x / max(||x||, eps)), without gradient; eval
    mode does none (gradients then flow through both W and sigma with u, v fixed). A 1-D W
    is w = W / max(||W||, eps). Errors (before anything changes): TypeError if module.<name>
    is not a floating Parameter, ValueError for an unknown name, a dim out of range,
    n_power_iterations <= 0 or eps <= 0."""
    where = "spectral_norm"
    weight = _target(module, name, where)
    shape = f"{_describe(module)}.{name} of shape {weight.shape}"
    if not _is_index(n_power_iterations):
        raise TypeError(f"{where}: n_power_iterations must be an int, got {n_power_iterations!r} ({shape})")
    if n_power_iterations <= 0:
        raise ValueError(f"{where}: n_power_iterations must be positive, got {n_power_iterations} ({shape})")
    eps = _number(eps, "eps", where)
    if not 0 < eps < math.inf:
        raise ValueError(f"{where}: eps must be a finite number > 0, got {eps!r} ({shape})")
    if weight.ndim == 0:
        raise ValueError(f"{where}: {shape} is 0-d; spectral norm needs at least one axis")
    if dim is None:
        from ..conv import ConvTranspose2d
        from ..one_d import ConvTranspose1d
        from ..three_d import ConvTranspose3d
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    dim = _dim(dim, weight.shape, where, module, name)
    return register_parametrization(module, name, _SpectralNorm(weight, int(n_power_iterations), dim, eps))
