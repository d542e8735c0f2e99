"""Adamax: Adam with the root-mean-square replaced by a running infinity norm.

With gradient g of parameter p at step t = 1, 2, ... (PyTorch's formulation):

    g  = -g                               (maximize=True: ascend)
    g  = g + weight_decay * p             (L2 penalty folded into the gradient)
    m  = beta1 * m + (1 - beta1) * g      ("exp_avg")
    u  = max(beta2 * u, |g| + eps)        ("exp_inf", elementwise)
    p <- p - lr / (1 - beta1^t) * m / u
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .adam import _AdamKin


class Adamax(_AdamKin):
    """Adamax (Kingma & Ba, 2015, section 7), PyTorch's options and defaults (lr=2e-3,
    betas=(0.9, 0.999), eps=1e-8); weight_decay is an L2 penalty; maximize=True ascends
    (the gradient is negated first, as in PyTorch).

    State per parameter: "step" (int), "exp_avg" (m) and "exp_inf" (u), arrays of the
    parameter's shape and dtype, except that a float16 parameter keeps them, and
    computes its step, in float32 (where eps does not round to 0).
    """

    _state_names = frozenset({"step", "exp_avg", "exp_inf"})
    _required_state = _state_names
    _buffers = (("exp_avg", 0), ("exp_inf", 0))

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, implementation)

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group with a gradient (the module docstring's formulas)."""
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        for d, g, state in self._params_to_step(group):
            m = state["exp_avg"]
            u = state["exp_inf"]
            m *= beta1
            m += (1 - beta1) * g
            u *= beta2
            np.maximum(u, np.abs(g) + eps, out=u)
            d -= lr / (1 - beta1 ** state["step"]) * (m / u)
