"""RMSprop: steps divided by a running root-mean-square of the gradient.

With gradient g of parameter p (PyTorch's formulation):

    g   = -g                                            (maximize=True: ascend)
    g   = g + weight_decay * p
    s   = alpha * s + (1 - alpha) * g^2                 ("square_avg")
    a   = alpha * a + (1 - alpha) * g                   ("grad_avg", centered only)
    r   = sqrt(s - a^2) + eps  (centered)  or  sqrt(s) + eps
    b   = momentum * b + g / r;  p <- p - lr * b        (momentum > 0, "momentum_buffer")
    p  <- p - lr * g / r                                (otherwise)
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .optimizer import Optimizer, _flag, _nonnegative, _option_buffer, _real


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes; Graves 2013 for the centered variant);
    maximize=True ascends (the gradient is negated first, as in PyTorch).

    State per parameter: "step" (int), "square_avg" and, when used,
    "grad_avg" (centered) and "momentum_buffer" (momentum > 0), arrays of the
    parameter's shape and dtype, except that a float16 parameter keeps them, and
    computes its step, in float32 (where eps and small squared gradients do not
    round to 0).
    """

    _state_names = frozenset({"step", "square_avg", "grad_avg", "momentum_buffer"})
    _required_state = frozenset({"step", "square_avg"})
    _buffers = (("square_avg", 0),)
    _wide_half_stats = True

    _implementation_names = frozenset({"foreach", "capturable", "differentiable"})

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults, implementation)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        if not 0 <= _real(options, "alpha", where) <= 1:
            raise ValueError(f"{where}: invalid alpha {options['alpha']!r}, must be in [0, 1]")
        _nonnegative(options, "eps", where)
        _nonnegative(options, "weight_decay", where)
        _nonnegative(options, "momentum", where)
        _flag(options, "centered", where)
        _flag(options, "maximize", where)

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of one group with a gradient (the module docstring's formulas)."""
        lr = group["lr"]
        alpha = group["alpha"]
        eps = group["eps"]
        momentum = group["momentum"]
        centered = group["centered"]
        for d, g, state in self._params_to_step(group):
            s = state["square_avg"]
            s *= alpha
            s += ((1 - alpha) * g) * g  # (g * g first overflows float32 above 1.8e19)
            if centered:
                a = _option_buffer(state, "grad_avg", s)
                a *= alpha
                a += (1 - alpha) * g
                # (into an array of its own: on a 0-d parameter s - a * a is a numpy scalar)
                r = np.multiply(a, a, out=np.empty_like(s))
                # Where the mean square overflowed, a * a may have too, and inf - inf
                # is NaN: the root is then beyond range (inf, the step 0), as PyTorch's
                # fused s - a * a gives.
                np.copyto(r, 0, where=np.isinf(s))
                np.subtract(s, r, out=r)
                # s >= a^2 in exact arithmetic; rounding must not make the root NaN.
                np.maximum(r, 0, out=r)
                np.sqrt(r, out=r)
            else:
                r = np.sqrt(s)
            r += eps
            if momentum:
                b = _option_buffer(state, "momentum_buffer", s)
                b *= momentum
                b += g / r
                d -= lr * b
            else:
                d -= lr * (g / r)
