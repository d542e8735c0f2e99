"""Adagrad: steps divided by the root of the running sum of squared gradients.

With gradient g of parameter p at step t = 1, 2, ... (PyTorch's formulation):

    g   = -g                                   (maximize=True: ascend)
    g   = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    s   = s + g^2                              ("sum", starting at initial_accumulator_value)
    p  <- p - clr * g / (sqrt(s) + eps)
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

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
    _wide_half_stats = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            _nonnegative(options, key, where)
        _flag(options, "maximize", where)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter whose `.grad` is not None (in place, no graph)."""
        loss = self._evaluate(closure)
        self._check_grads()
        for group in self.param_groups:
            lr = group["lr"]
            lr_decay = group["lr_decay"]
            weight_decay = group["weight_decay"]
            eps = group["eps"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p.data
                g = p._grad.data
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {
                        "step": 0,
                        "sum": np.full(d.shape, group["initial_accumulator_value"], self._stats_dtype(d.dtype)),
                    }
                s = state["sum"]
                if g.dtype != s.dtype:  # (a float16 parameter's step, in float32)
                    g = g.astype(s.dtype)
                t = state["step"] = state["step"] + 1
                if maximize:
                    g = -g
                if weight_decay:
                    g = g + weight_decay * d
                clr = lr / (1 + (t - 1) * lr_decay)
                s += g * g
                std = np.sqrt(s)
                std += eps
                d -= clr * (g / std)
        return loss
