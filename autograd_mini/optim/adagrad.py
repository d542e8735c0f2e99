"""Adagrad: steps divided by the root of the running sum of squared gradients.

With gradient g of parameter p at step t = 1, 2, ... (PyTorch's formulation):

    g   = -g                                   (maximize=True: ascend)
    g   = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    s   = s + g^2                              ("sum", starting at initial_accumulator_value)
    p  <- p - clr * g / (sqrt(s) + eps)
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _flag, _nonnegative


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer, 2011), PyTorch's options and defaults.

    lr_decay shrinks the rate as lr / (1 + (t - 1) * lr_decay); weight_decay is an
    L2 penalty folded into the gradient; every entry of the running sum starts at
    initial_accumulator_value; eps is added to its root. State per parameter:
    "step" (int) and "sum", an array of the parameter's shape and dtype (float32
    for a float16 parameter, whose step is then computed in float32), made at the
    parameter's first step.
    """

    _state_names = frozenset({"step", "sum"})
    _required_state = frozenset({"step", "sum"})
    _buffers = (("sum", "initial_accumulator_value"),)
    _wide_half_stats = True

    _implementation_names = frozenset({"foreach", "differentiable", "fused"})

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        super().__init__(params, defaults, implementation)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            _nonnegative(options, key, where)
        _flag(options, "maximize", where)

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group with a gradient (the module docstring's formulas)."""
        lr = group["lr"]
        lr_decay = group["lr_decay"]
        eps = group["eps"]
        for d, g, state in self._params_to_step(group):
            s = state["sum"]
            t = state["step"]
            clr = lr / (1 + (t - 1) * lr_decay)
            s += g * g
            std = np.sqrt(s)
            std += eps
            d -= clr * (g / std)
