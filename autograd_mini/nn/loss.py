"""Loss modules: thin shells over the losses of `nn.functional`, PyTorch's names and defaults.

    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    loss = criterion(logits, labels)        # F.cross_entropy(logits, labels, ...)

Each checks its settings once, in the constructor (an unknown reduction is a
ValueError naming the class), and its repr shows the settings that differ
from the defaults, e.g. `CrossEntropyLoss(ignore_index=0, reduction='sum')`.
A `weight` (per class for CrossEntropyLoss and NLLLoss, per element for BCELoss
and BCEWithLogitsLoss) and BCEWithLogitsLoss's `pos_weight` are registered as
buffers, as PyTorch registers them: `.to(dtype)` converts them and
`state_dict()` holds them (None leaves them out). Their dtype and shape are
checked in the constructor as far as they can be without an input; the
number of classes at the call, by the function.
"""

from __future__ import annotations

from typing import Any

from ..functions import as_tensor
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

    def _weight_buffer(self, name: str, value: Any, per_class: bool = False) -> None:
        """Register `value` (None, or floats: a Tensor is kept as it is, as PyTorch keeps
        it; an array or a sequence becomes a tensor of a copy) as the buffer `name`."""
        where = type(self).__name__
        if value is not None:
            shape = F._weight_shape(value, name, where)
            if per_class and len(shape) != 1:
                raise ValueError(f"{where}: {name} must be a 1-D tensor of one weight per class, got shape {shape}")
            value = value if isinstance(value, Tensor) else as_tensor(value)
        self.register_buffer(name, value)

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
    """F.nll_loss: log-probabilities (N, C, ...) or (C,), integer labels (N, ...) or ();
    weight: None or C floats (a buffer)."""

    _defaults = {"ignore_index": -100, "reduction": "mean"}

    def __init__(self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._weight_buffer("weight", weight, per_class=True)
        self.ignore_index = F._int(ignore_index, "ignore_index", "NLLLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.nll_loss(input, target, self.reduction, self.ignore_index, weight=self.weight)


class CrossEntropyLoss(_Loss):
    """F.cross_entropy: logits (N, C, ...) or (C,), integer labels (N, ...) or ();
    weight: None or C floats (a buffer)."""

    _defaults = {"ignore_index": -100, "reduction": "mean", "label_smoothing": 0.0}

    def __init__(self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self._weight_buffer("weight", weight, per_class=True)
        self.ignore_index = F._int(ignore_index, "ignore_index", "CrossEntropyLoss")
        self.label_smoothing = F._label_smoothing(label_smoothing, "CrossEntropyLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.cross_entropy(input, target, self.reduction, self.ignore_index, self.label_smoothing,
                               weight=self.weight)


class BCELoss(_Loss):
    """F.binary_cross_entropy: probabilities in [0, 1] and targets of the same shape;
    weight: None or floats that broadcast to their shape (a buffer)."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._weight_buffer("weight", weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.reduction, weight=self.weight)


class BCEWithLogitsLoss(_Loss):
    """F.binary_cross_entropy_with_logits: logits and targets of the same shape; weight
    and pos_weight: None or floats that broadcast to their shape (buffers; pos_weight of
    shape (C,) weighs the positive term of each class of the last axis)."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self._weight_buffer("weight", weight)
        self._weight_buffer("pos_weight", pos_weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.reduction, weight=self.weight,
                                                  pos_weight=self.pos_weight)
