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

from .optimizer import Optimizer, _flag, _nonnegative, _option_buffer, _real


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), optionally AMSGrad; weight_decay is an L2 penalty;
    maximize=True ascends (the gradient is negated first, as in PyTorch).

    State per parameter: "step" (int), "exp_avg" (m), "exp_avg_sq" (v) and,
    with amsgrad, "max_exp_avg_sq" (v_max); all arrays have the parameter's
    shape and dtype, except that a float16 parameter keeps them, and computes
    its step, in float32 (where eps and small squared gradients do not round to 0).
    """

    _state_names = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})
    _required_state = frozenset({"step", "exp_avg", "exp_avg_sq"})
    _buffers = (("exp_avg", 0), ("exp_avg_sq", 0))
    _decoupled = False
    _wide_half_stats = True

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

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        betas = options["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, b in enumerate(betas):
            b = _real({f"betas[{i}]": b}, f"betas[{i}]", where)
            if not 0 <= b < 1:
                raise ValueError(f"{where}: invalid betas[{i}] {b!r}, must be in [0, 1)")
        _nonnegative(options, "eps", where)
        _nonnegative(options, "weight_decay", where)
        _flag(options, "amsgrad", where)
        _flag(options, "maximize", where)

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group with a gradient (the module docstring's formulas)."""
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        amsgrad = group["amsgrad"]
        decoupled = self._decoupled and weight_decay
        for d, g, state in self._params_to_step(group, l2=not self._decoupled):
            if decoupled:
                d *= 1 - lr * weight_decay
            t = state["step"]
            m = state["exp_avg"]
            v = state["exp_avg_sq"]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += ((1 - beta2) * g) * g  # (g * g first overflows float32 above 1.8e19)
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
