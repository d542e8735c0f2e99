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
    """F.cross_entropy: logits (N, C, ...) or (C,), integer labels (N, ...) or (), or
    class probabilities of the logits' shape; weight: None or C floats (a buffer)."""

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


class KLDivLoss(_Loss):
    """F.kl_div(log_target): input log-probabilities, target probabilities (or their logs);
    reduction also 'batchmean' (the divergence per sample)."""

    _defaults = {"reduction": "mean", "log_target": False}

    def __init__(self, *, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__("mean" if reduction == "batchmean" else reduction)
        self.reduction = reduction
        self.log_target = F._flag(log_target, "log_target", "KLDivLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """F.poisson_nll_loss(log_input, full, eps): input rates (or log-rates), target counts."""

    _defaults = {"log_input": True, "full": False, "eps": 1e-8, "reduction": "mean"}

    def __init__(self, log_input: bool = True, full: bool = False, *, eps: float = 1e-8,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.log_input = F._flag(log_input, "log_input", "PoissonNLLLoss")
        self.full = F._flag(full, "full", "PoissonNLLLoss")
        self.eps = F._number(eps, "eps", "PoissonNLLLoss")

    def forward(self, log_input: Any, target: Any) -> Tensor:
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """F.gaussian_nll_loss(full, eps): called as (input, target, var)."""

    _defaults = {"full": False, "eps": 1e-6, "reduction": "mean"}

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = F._flag(full, "full", "GaussianNLLLoss")
        self.eps = F._number(eps, "eps", "GaussianNLLLoss")

    def forward(self, input: Any, target: Any, var: Any) -> Tensor:
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class _MarginLoss(_Loss):
    _defaults = {"margin": 0.0, "reduction": "mean"}

    def __init__(self, margin: float = 0.0, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = F._number(margin, "margin", type(self).__name__)


class MarginRankingLoss(_MarginLoss):
    """F.margin_ranking_loss(margin): called as (input1, input2, target)."""

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        return F.margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """F.cosine_embedding_loss(margin): called as (input1, input2, target)."""

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """F.hinge_embedding_loss(margin): input and targets of 1 / -1."""

    _defaults = {"margin": 1.0, "reduction": "mean"}

    def __init__(self, margin: float = 1.0, *, reduction: str = "mean") -> None:
        super().__init__(margin, reduction=reduction)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """F.soft_margin_loss: log(1 + exp(-target input))."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """F.multilabel_soft_margin_loss: input (N, C), targets of 0 / 1; weight: None or floats
    that broadcast to the input (a buffer)."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._weight_buffer("weight", weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """F.multi_margin_loss(p, margin): scores (N, C) or (C,), integer labels; weight: None or
    C floats (a buffer)."""

    _defaults = {"p": 1, "margin": 1.0, "reduction": "mean"}

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if isinstance(p, bool) or p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p!r}")
        self.p = int(p)
        self.margin = F._number(margin, "margin", "MultiMarginLoss")
        self._weight_buffer("weight", weight, per_class=True)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """F.triplet_margin_loss(margin, p, eps, swap): called as (anchor, positive, negative)."""

    _defaults = {"margin": 1.0, "p": 2.0, "eps": 1e-6, "swap": False, "reduction": "mean"}

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False, *,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        where = "TripletMarginLoss"
        self.margin = F._number(margin, "margin", where)
        if not self.margin > 0:
            raise ValueError(f"{where}: margin must be greater than 0, got {margin!r}")
        self.p = F._number(p, "p", where)
        self.eps = F._number(eps, "eps", where)
        self.swap = F._flag(swap, "swap", where)

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
                                     reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """F.triplet_margin_with_distance_loss(distance_function, margin, swap): called as
    (anchor, positive, negative), each (N, D); distance_function(x1, x2) -> (N,) distances,
    None for pairwise_distance (keyword-only arguments, as PyTorch's)."""

    _defaults = {"margin": 1.0, "swap": False, "reduction": "mean"}

    def __init__(self, *, distance_function: Any = None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        where = "TripletMarginWithDistanceLoss"
        if distance_function is not None and not callable(distance_function):
            raise TypeError(f"{where}: distance_function must be callable or None, "
                            f"got {type(distance_function).__name__}")
        self.distance_function = distance_function
        self.margin = F._number(margin, "margin", where)
        if not self.margin > 0:
            raise ValueError(f"{where}: margin must be greater than 0, got {margin!r}")
        self.swap = F._flag(swap, "swap", where)

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function,
                                                   margin=self.margin, swap=self.swap,
                                                   reduction=self.reduction)
