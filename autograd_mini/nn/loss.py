"""Loss modules: thin shells over the losses of `nn.functional`, PyTorch's names and defaults.

    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    loss = criterion(logits, labels)        # F.cross_entropy(logits, labels, ...)

Each checks its settings once, in the constructor (an unknown reduction is a
ValueError naming the class), and its repr shows the settings that differ
from the defaults, e.g. `CrossEntropyLoss(ignore_index=0, reduction='sum')`.
PyTorch's per-class `weight` and BCEWithLogitsLoss's `pos_weight` are not
supported: passing one is a TypeError rather than a silently unweighted loss.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    """reduction: 'mean' (default), 'sum' or 'none'."""

    _defaults: dict[str, Any] = {"reduction": "mean"}

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def _no_weight(self, name: str, value: Any) -> None:
        if value is not None:
            raise TypeError(
                f"{type(self).__name__}: {name} is not supported (got a {type(value).__name__}); "
                "weight the unreduced loss (reduction='none') yourself"
            )

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={getattr(self, k)!r}" for k, d in self._defaults.items() if getattr(self, k) != d)


class MSELoss(_Loss):
    """F.mse_loss: (input - target)**2; input and target of the same shape."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """F.l1_loss: |input - target|; input and target of the same shape."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """F.smooth_l1_loss(beta): quadratic below |d| = beta, linear above."""

    _defaults = {"reduction": "mean", "beta": 1.0}

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = F._beta(beta, "SmoothL1Loss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """F.huber_loss(delta): 0.5 d**2 below |d| = delta, delta (|d| - delta / 2) above."""

    _defaults = {"reduction": "mean", "delta": 1.0}

    def __init__(self, *, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = F._delta(delta, "HuberLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class NLLLoss(_Loss):
    """F.nll_loss: log-probabilities (N, C, ...) or (C,), integer labels (N, ...) or ()."""

    _defaults = {"ignore_index": -100, "reduction": "mean"}

    def __init__(self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._no_weight("weight", weight)
        self.ignore_index = F._int(ignore_index, "ignore_index", "NLLLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.nll_loss(input, target, self.reduction, self.ignore_index)


class CrossEntropyLoss(_Loss):
    """F.cross_entropy: logits (N, C, ...) or (C,), integer labels (N, ...) or ()."""

    _defaults = {"ignore_index": -100, "reduction": "mean", "label_smoothing": 0.0}

    def __init__(self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self._no_weight("weight", weight)
        self.ignore_index = F._int(ignore_index, "ignore_index", "CrossEntropyLoss")
        self.label_smoothing = F._label_smoothing(label_smoothing, "CrossEntropyLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.cross_entropy(input, target, self.reduction, self.ignore_index, self.label_smoothing)


class BCELoss(_Loss):
    """F.binary_cross_entropy: probabilities in [0, 1] and targets of the same shape."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._no_weight("weight", weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """F.binary_cross_entropy_with_logits: logits and targets of the same shape."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self._no_weight("weight", weight)
        self._no_weight("pos_weight", pos_weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.reduction)
