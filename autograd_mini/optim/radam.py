"""RAdam: Adam whose adaptive step is switched on, and rectified, once the variance
of its second-moment estimate is tractable.

With gradient g of parameter p at step t = 1, 2, ... (PyTorch's formulation):

    g       = -g                                      (maximize=True: ascend)
    g       = g + weight_decay * p                    (L2 penalty folded into the gradient)
    p       = p * (1 - lr * weight_decay)             (decoupled_weight_decay: instead, g unchanged)
    m       = beta1 * m + (1 - beta1) * g             ("exp_avg")
    v       = beta2 * v + (1 - beta2) * g^2           ("exp_avg_sq")
    m_hat   = m / (1 - beta1^t)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t   = rho_inf - 2 t beta2^t / (1 - beta2^t)
    r_t     = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
    p      <- p - lr * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t   (rho_t > 5)
    p      <- p - lr * m_hat                                               (otherwise: SGD with momentum)
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .adam import _AdamKin, _moments


class RAdam(_AdamKin):
    """RAdam (Liu et al., 2020), PyTorch's options and defaults (lr=1e-3,
    betas=(0.9, 0.999), eps=1e-8); weight_decay is an L2 penalty, or with
    decoupled_weight_decay=True AdamW's decay of the parameter; maximize=True ascends
    (the gradient is negated first, as in PyTorch).

    State per parameter: "step" (int), "exp_avg" (m) and "exp_avg_sq" (v), arrays of
    the parameter's shape and dtype, except that a float16 parameter keeps them, and
    computes its step, in float32 (where eps and small squared gradients do not round to 0).
    """

    _state_names = frozenset({"step", "exp_avg", "exp_avg_sq"})
    _required_state = _state_names
    _flags = ("decoupled_weight_decay", "maximize")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults, implementation)

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group with a gradient (the module docstring's formulas)."""
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        rho_inf = 2 / (1 - beta2) - 1
        for d, g, state in self._params_to_step(group, decoupled=group["decoupled_weight_decay"]):
            t = state["step"]
            m, v = _moments(state, g, beta1, beta2)
            m_hat = m / (1 - beta1**t)
            correction2 = 1 - beta2**t
            rho_t = rho_inf - 2 * t * beta2**t / correction2
            if rho_t > 5:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                root = np.sqrt(v)
                root += eps
                d -= m_hat * lr * (correction2**0.5 / root) * rect
            else:
                d -= m_hat * lr
