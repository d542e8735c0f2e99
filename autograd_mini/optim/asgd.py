"""ASGD: stochastic gradient descent with a decaying rate and a running average of
the iterates (Polyak-Ruppert averaging).

With gradient g of parameter p at step t = 1, 2, ... (PyTorch's formulation; eta and
mu are the values the previous step left, eta = lr and mu = 1 at the first):

    g    = -g                                     (maximize=True: ascend)
    g    = g + weight_decay * p                   (L2 penalty folded into the gradient)
    p   <- p * (1 - lambd * eta) - eta * g
    ax   = ax + mu * (p - ax)   (ax = p while mu = 1)   ("ax": the average)
    eta <- lr / (1 + lambd * lr * t)^alpha
    mu  <- 1 / max(1, t - t0)                     (averaging starts after step t0)
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _flag, _nonnegative, _real


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky, 1992; Bottou's rate schedule), PyTorch's options
    and defaults (lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6); weight_decay is an L2
    penalty; maximize=True ascends (the gradient is negated first, as in PyTorch).
    The parameters follow SGD; the average of the iterates is state["ax"].

    State per parameter: "step" (int), "eta" (the current rate) and "mu" (the
    averaging weight), floats, and "ax", an array of the parameter's shape and dtype.
    """

    _state_names = frozenset({"step", "eta", "mu", "ax"})
    _required_state = _state_names
    _scalars = (("eta", "lr"), ("mu", 1.0))
    _buffers = (("ax", 0),)

    _implementation_names = frozenset({"foreach", "capturable", "differentiable"})

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, implementation)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        # (a negative lambd would raise a negative number to the power alpha: a complex rate)
        _nonnegative(options, "lambd", where)
        _real(options, "alpha", where)
        _real(options, "t0", where)
        _nonnegative(options, "weight_decay", where)
        _flag(options, "maximize", where)

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group with a gradient (the module docstring's formulas)."""
        lr = group["lr"]
        lambd = group["lambd"]
        alpha = group["alpha"]
        t0 = group["t0"]
        for d, g, state in self._params_to_step(group):
            eta = state["eta"]
            d *= 1 - lambd * eta
            d -= eta * g
            ax = state["ax"]
            mu = state["mu"]
            if mu != 1:
                ax += (d - ax) * mu
            else:
                np.copyto(ax, d)
            t = state["step"]
            state["eta"] = lr / (1 + lambd * lr * t) ** alpha
            state["mu"] = 1 / max(1, t - t0)
