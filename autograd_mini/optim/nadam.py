"""NAdam: Adam with Nesterov momentum and a warming-up momentum schedule.

With gradient g of parameter p at step t = 1, 2, ... (PyTorch's formulation):

    g     = -g                                        (maximize=True: ascend)
    g     = g + weight_decay * p                      (L2 penalty folded into the gradient)
    p     = p * (1 - lr * weight_decay)               (decoupled_weight_decay: instead, g unchanged)
    mu_t  = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))
    P_t   = mu_1 * mu_2 * ... * mu_t                  ("mu_product", starting at 1)
    m     = beta1 * m + (1 - beta1) * g               ("exp_avg")
    v     = beta2 * v + (1 - beta2) * g^2             ("exp_avg_sq")
    D     = sqrt(v / (1 - beta2^t)) + eps
    p    <- p - lr * (1 - mu_t) / (1 - P_t) * g / D
    p    <- p - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / D
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .adam import _AdamKin, _moments
from .optimizer import _nonnegative


class NAdam(_AdamKin):
    """NAdam (Dozat, 2016), PyTorch's options and defaults (lr=2e-3, betas=(0.9, 0.999),
    eps=1e-8, momentum_decay=4e-3); weight_decay is an L2 penalty, or with
    decoupled_weight_decay=True AdamW's decay of the parameter (NAdamW); maximize=True
    ascends (the gradient is negated first, as in PyTorch).

    State per parameter: "step" (int), "mu_product" (a float, the product of the momentum
    coefficients so far), "exp_avg" (m) and "exp_avg_sq" (v), arrays of the parameter's
    shape and dtype, except that a float16 parameter keeps them, and computes its step,
    in float32 (where eps and small squared gradients do not round to 0).
    """

    _state_names = frozenset({"step", "mu_product", "exp_avg", "exp_avg_sq"})
    _required_state = _state_names
    _scalars = (("mu_product", 1.0),)
    _flags = ("decoupled_weight_decay", "maximize")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults, implementation)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        _nonnegative(options, "momentum_decay", where)

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group with a gradient (the module docstring's formulas)."""
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        momentum_decay = group["momentum_decay"]
        for d, g, state in self._params_to_step(group, decoupled=group["decoupled_weight_decay"]):
            t = state["step"]
            mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
            mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
            product = state["mu_product"] = state["mu_product"] * mu
            m, v = _moments(state, g, beta1, beta2)
            denom = np.sqrt(v / (1 - beta2**t))
            denom += eps
            d -= lr * (1 - mu) / (1 - product) * (g / denom)
            d -= lr * mu_next / (1 - product * mu_next) * (m / denom)
