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

from typing import Any, Callable, Iterable

import numpy as np

from .optimizer import Optimizer, _flag, _nonnegative, _real


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
    _wide_half_stats = True

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
    ) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        if not 0 <= _real(options, "alpha", where) <= 1:
            raise ValueError(f"{where}: invalid alpha {options['alpha']!r}, must be in [0, 1]")
        _nonnegative(options, "eps", where)
        _nonnegative(options, "weight_decay", where)
        _nonnegative(options, "momentum", where)
        _flag(options, "centered", where)
        _flag(options, "maximize", where)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter whose `.grad` is not None (in place, no graph)."""
        loss = self._evaluate(closure)
        self._check_grads()
        for group in self.param_groups:
            lr = group["lr"]
            alpha = group["alpha"]
            eps = group["eps"]
            weight_decay = group["weight_decay"]
            momentum = group["momentum"]
            centered = group["centered"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p.data
                g = p._grad.data
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {"step": 0, "square_avg": np.zeros_like(d, self._stats_dtype(d.dtype))}
                state["step"] += 1
                s = state["square_avg"]
                if g.dtype != s.dtype:  # (a float16 parameter's step, in float32)
                    g = g.astype(s.dtype)
                if maximize:
                    g = -g
                if weight_decay:
                    g = g + weight_decay * d
                s *= alpha
                s += ((1 - alpha) * g) * g  # (g * g first overflows float32 above 1.8e19)
                if centered:
                    a = state.get("grad_avg")
                    if a is None:
                        a = state["grad_avg"] = np.zeros_like(s)
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
                    b = state.get("momentum_buffer")
                    if b is None:
                        b = state["momentum_buffer"] = np.zeros_like(s)
                    b *= momentum
                    b += g / r
                    d -= lr * b
                else:
                    d -= lr * (g / r)
        return loss
