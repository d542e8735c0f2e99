"""Stochastic gradient descent, with optional momentum, dampening, Nesterov and L2 decay.

With gradient g_t of parameter p at step t (PyTorch's formulation):

    g   = g_t + weight_decay * p          (g = -g_t + weight_decay * p with maximize=True)
    b_1 = g,   b_t = momentum * b_{t-1} + (1 - dampening) * g     (if momentum != 0)
    d   = g + momentum * b_t  (nesterov)   or   b_t   (otherwise; g when momentum == 0)
    p  <- p - lr * d
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .optimizer import Optimizer, _flag, _nonnegative, _real


class SGD(Optimizer):
    """Plain (stochastic) gradient descent `p <- p - lr * grad`, the method of the paper.

    momentum, dampening, nesterov and weight_decay as in PyTorch (see the
    module docstring); maximize=True ascends (steps along +grad, PyTorch's option).
    The state of a parameter is its "momentum_buffer". Without momentum and weight
    decay a step costs one multiply-subtract per parameter.
    """

    _state_names = frozenset({"momentum_buffer"})

    _implementation_names = frozenset({"foreach", "differentiable", "fused"})

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        nesterov: bool = False,
        weight_decay: float = 0,
        maximize: bool = False,
        **implementation: Any,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, implementation)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        super()._check_options(options, where)
        _nonnegative(options, "momentum", where)
        _real(options, "dampening", where)
        _nonnegative(options, "weight_decay", where)
        _flag(options, "nesterov", where)
        _flag(options, "maximize", where)
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(
                f"{where}: nesterov momentum needs momentum > 0 and dampening = 0, got "
                f"momentum={options['momentum']}, dampening={options['dampening']}"
            )

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter whose `.grad` is not None (in place, no graph)."""
        loss = self._evaluate(closure)
        self._check_grads()
        for group in self.param_groups:
            lr = group["lr"]
            momentum = group["momentum"]
            weight_decay = group["weight_decay"]
            maximize = group["maximize"]
            if not momentum and not weight_decay:
                # (maximize steps with -lr: p - (-lr) g is p + lr g exactly, with no branch per parameter)
                lr = -lr if maximize else lr
                # A Python lr as a 0-d array of the gradient's float dtype: the same
                # product as with the Python float (which numpy casts to that dtype
                # first), without converting it on every multiply (a fifth of the
                # time of the update of a small parameter). A numpy lr is not weak:
                # it stays as it is.
                weak = type(lr) in (float, int)
                rates: dict = {}
                for p in group["params"]:
                    if p._grad is not None:
                        g = p._grad.data
                        rate = rates.get(g.dtype)
                        if rate is None:
                            rate = rates[g.dtype] = (np.array(lr, dtype=g.dtype)
                                                     if weak and g.dtype.kind == "f" else lr)
                        p.data -= rate * g
                continue
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p.data
                g = p._grad.data
                if maximize:
                    g = -g
                if weight_decay:
                    g = g + weight_decay * d
                if momentum:
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        # A private copy: gradient arrays may be shared or read-only.
                        buf = state["momentum_buffer"] = np.array(g, dtype=d.dtype)
                    else:
                        buf *= momentum
                        buf += g if dampening == 0 else (1 - dampening) * g
                    g = g + momentum * buf if nesterov else buf
                d -= lr * g
        return loss
