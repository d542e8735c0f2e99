"""Adam and AdamW: steps scaled by running estimates of the gradient's first two moments.

With gradient g of parameter p at step t = 1, 2, ... (PyTorch's formulation):

    g  = -g                               (maximize=True: ascend)
    g  = g + weight_decay * p             (Adam: L2 penalty folded into the gradient)
    p  = p * (1 - lr * weight_decay)      (AdamW instead: decoupled decay, g unchanged)
    m  = beta1 * m + (1 - beta1) * g
    v  = beta2 * v + (1 - beta2) * g^2
    v_max = max(v_max, v)                 (amsgrad; then v_max replaces v below)
    p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _betas, _flag, _nonnegative, _option_buffer


class _AdamKin(Optimizer):
    """What Adam, Adamax, NAdam and RAdam share: the running moments "exp_avg" and
    "exp_avg_sq" (Adamax names its own), kept in float32 for a float16 parameter, and
    the checks of betas, eps, weight_decay and of the flags `_flags`."""

    _buffers = (("exp_avg", 0), ("exp_avg_sq", 0))
    _wide_half_stats = True
    _implementation_names = frozenset({"foreach", "capturable", "differentiable"})
    _flags: tuple[str, ...] = ("maximize",)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        _betas(options, where)
        _nonnegative(options, "eps", where)
        _nonnegative(options, "weight_decay", where)
        for key in self._flags:
            _flag(options, key, where)


class Adam(_AdamKin):
    """Adam (Kingma & Ba, 2015), optionally AMSGrad; weight_decay is an L2 penalty;
    maximize=True ascends (the gradient is negated first, as in PyTorch).

    State per parameter: "step" (int), "exp_avg" (m), "exp_avg_sq" (v) and,
    with amsgrad, "max_exp_avg_sq" (v_max); all arrays have the parameter's
    shape and dtype, except that a float16 parameter keeps them, and computes
    its step, in float32 (where eps and small squared gradients do not round to 0).
    """

    _state_names = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})
    _required_state = frozenset({"step", "exp_avg", "exp_avg_sq"})
    _decoupled = False
    _flags = ("amsgrad", "maximize")

    _implementation_names = frozenset({"foreach", "capturable", "differentiable", "fused"})

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize)
        super().__init__(params, defaults, implementation)

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group with a gradient (the module docstring's formulas)."""
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        amsgrad = group["amsgrad"]
        for d, g, state in self._params_to_step(group, decoupled=self._decoupled):
            t = state["step"]
            m, v = _moments(state, g, beta1, beta2)
            if amsgrad:
                v_max = _option_buffer(state, "max_exp_avg_sq", v)
                np.maximum(v_max, v, out=v_max)
                v = v_max
            denom = np.sqrt(v)
            denom /= math.sqrt(1 - beta2**t)
            denom += eps
            update = m / denom
            update *= lr / (1 - beta1**t)
            d -= update


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019):
    `p <- p * (1 - lr * weight_decay)` before the Adam step, which uses the raw gradient."""

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, **implementation)


def _moments(state: dict[str, Any], g: np.ndarray, beta1: float, beta2: float,
             ) -> tuple[np.ndarray, np.ndarray]:
    """Update Adam's running moments in place and return them (m, v):
    m = beta1 * m + (1 - beta1) * g ("exp_avg"), v = beta2 * v + (1 - beta2) * g^2 ("exp_avg_sq")."""
    m = state["exp_avg"]
    v = state["exp_avg_sq"]
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += ((1 - beta2) * g) * g  # (g * g first overflows float32 above 1.8e19)
    return m, v
