"""Adadelta: steps scaled by the ratio of two running root-mean-squares.

With gradient g of parameter p (PyTorch's formulation, Zeiler 2012 with a learning rate):

    g     = -g                                          (maximize=True: ascend)
    g     = g + weight_decay * p
    v     = rho * v + (1 - rho) * g^2                   ("square_avg", starting at 0)
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u     = rho * u + (1 - rho) * delta^2               ("acc_delta", starting at 0)
    p    <- p - lr * delta
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _flag, _nonnegative


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), PyTorch's options and defaults (lr=1.0, rho=0.9, eps=1e-6).

    rho in [0, 1] is the decay of both running averages; eps is added inside both
    square roots; weight_decay is an L2 penalty folded into the gradient. State per
    parameter: "step" (int), "square_avg" and "acc_delta", arrays of the parameter's
    shape and dtype (float32 for a float16 parameter, whose step is then computed in
    float32), made at the parameter's first step.
    """

    _state_names = frozenset({"step", "square_avg", "acc_delta"})
    _required_state = frozenset({"step", "square_avg", "acc_delta"})
    _buffers = (("square_avg", 0), ("acc_delta", 0))
    _wide_half_stats = True

    _implementation_names = frozenset({"foreach", "capturable", "differentiable"})

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, implementation)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        for key in ("rho", "eps", "weight_decay"):
            _nonnegative(options, key, where)
        if "rho" in options and not options["rho"] <= 1.0:
            raise ValueError(f"{where}: rho must be in [0, 1], got {options['rho']!r}")
        _flag(options, "maximize", where)

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group with a gradient (the module docstring's formulas)."""
        lr = group["lr"]
        rho = group["rho"]
        eps = group["eps"]
        for d, g, state in self._params_to_step(group):
            v = state["square_avg"]
            u = state["acc_delta"]
            v *= rho
            v += (1 - rho) * g * g
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u *= rho
            u += (1 - rho) * delta * delta
            d -= lr * delta
