"""am.optim.swa_utils: stochastic weight averaging and exponential moving averages of a
model's weights, under torch.optim.swa_utils' names and semantics.

- AveragedModel(model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
  a deep copy of `model` (its attribute `module`) whose parameters (and buffers, with
  use_buffers=True) `update_parameters(model)` averages with `model`'s; a buffer
  `n_averaged` (an int64 0-d tensor) counts the updates. Its state_dict has torch's keys,
  "n_averaged" and "module.<name>", so a torch AveragedModel's state loads.
- get_swa_avg_fn / get_swa_multi_avg_fn: equal weights, W_n = W_{n-1} + (w - W_{n-1}) / (n + 1)
  after n models averaged (the default).
- get_ema_avg_fn(decay) / get_ema_multi_avg_fn(decay): W = decay W + (1 - decay) w.
- SWALR(optimizer, swa_lr, anneal_epochs=10, anneal_strategy='cos'): anneals each group's
  rate to swa_lr over anneal_epochs scheduler steps, then holds it.
- update_bn(loader, model): recomputes batch norm running statistics with one pass
  over `loader` (equal weights per batch, momentum=None).

Averaging is bookkeeping, not differentiation: the updates write the copy's arrays in
place (as load_state_dict does) and record nothing.

    swa = am.optim.swa_utils.AveragedModel(model)
    for epoch in range(epochs):
        train_one_epoch(model)
        swa.update_parameters(model)
    am.optim.swa_utils.update_bn(loader, swa)
"""

from __future__ import annotations

import copy
import math
import numbers
from typing import Any, Callable, Iterable

import numpy as np

from ..engine import changed_in_place, no_grad
from ..nn.module import Module
from ..tensor import Tensor
from .lr_scheduler import LRScheduler
from .optimizer import Optimizer

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _decay(decay: Any, where: str) -> float:
    if isinstance(decay, bool) or not isinstance(decay, numbers.Real) or not 0.0 <= decay <= 1.0:
        raise ValueError(f"{where}: decay must be a number in [0, 1], got {decay!r}")
    return float(decay)


def _lerp_(a: np.ndarray, b: np.ndarray, w: float) -> None:
    """a <- a + w (b - a) in place, in torch's lerp form (exact at w = 0 and w = 1)."""
    if w < 0.5:
        a += w * (b - a)
    else:
        a[...] = b - (b - a) * (1.0 - w)


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[list, list, Any], None]:
    """The EMA update of lists of tensors in place, as torch's: for each pair,
    W <- W + (1 - decay) (w - W) (torch's lerp; floating tensors), i.e.
    W_{t+1} = decay W_t + (1 - decay) w_{t+1}. decay in [0, 1]."""
    decay = _decay(decay, "get_ema_multi_avg_fn")

    def ema_update(ema_param_list: list, current_param_list: list, _: Any) -> None:
        for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
            a, b = p_ema.data, np.asarray(p_model.data if isinstance(p_model, Tensor) else p_model)
            if a.dtype.kind == "f":
                _lerp_(a, b.astype(a.dtype, copy=False), 1.0 - decay)
            else:
                a[...] = a * decay + b * (1.0 - decay)

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[list, list, Any], None]:
    """The equal-weight update of lists of tensors in place, after n models averaged:
    W <- W + (w - W) / (n + 1)."""

    def swa_update(averaged_param_list: list, current_param_list: list, num_averaged: Any) -> None:
        n = int(num_averaged.data if isinstance(num_averaged, Tensor) else num_averaged)
        for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
            a, b = p_avg.data, np.asarray(p_model.data if isinstance(p_model, Tensor) else p_model)
            a[...] = a + (b - a) / (n + 1)

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The EMA of one tensor, returned: decay W + (1 - decay) w. decay in [0, 1]."""
    decay = _decay(decay, "get_ema_avg_fn")

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The equal-weight average of one tensor, returned: W + (w - W) / (n + 1)."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        n = int(num_averaged.data if isinstance(num_averaged, Tensor) else num_averaged)
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (n + 1)

    return swa_update


class AveragedModel(Module):
    """A running average of `model`'s weights, for SWA (equal weights, the default) or an
    EMA (avg_fn=get_ema_avg_fn(decay) or multi_avg_fn=get_ema_multi_avg_fn(decay)), as
    torch.optim.swa_utils.AveragedModel.

    `module` is a deep copy of `model`; calling the AveragedModel calls it. The first
    `update_parameters(model)` copies model's parameters into the copy; each later one
    averages them: avg_fn(W, w, n) -> the new W for each tensor (n: `n_averaged`, the
    number averaged so far, an int64 0-d buffer), or multi_avg_fn(Ws, ws, n), which updates
    the lists in place. With use_buffers=True the buffers (batch norm's running statistics)
    are averaged the same way; otherwise they are copied from model at each update.
    The parameters of model and of the copy are paired in order, and must have the same
    count and shapes (else ValueError, before anything changes). state_dict keys are
    torch's: "n_averaged", then "module.<name>". device is accepted for torch's signature
    and must be None or 'cpu'.
    """

    def __init__(self, model: Module, device: Any = None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: model must be an nn.Module, got {type(model).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: give one of avg_fn and multi_avg_fn, not both")
        for name, f in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if f is not None and not callable(f):
                raise TypeError(f"AveragedModel: {name} must be callable or None, got {f!r}")
        if not isinstance(use_buffers, (bool, np.bool_)):
            raise TypeError(f"AveragedModel: use_buffers must be True or False, got {use_buffers!r}")
        if device is not None and str(device) != "cpu":
            raise ValueError(f"AveragedModel: device must be None or 'cpu', got {device!r}")
        super().__init__()
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", Tensor(np.zeros((), dtype=np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = bool(use_buffers)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The copy's forward: self.module(*args, **kwargs)."""
        return self.module(*args, **kwargs)

    def _pairs(self, model: Module, kind: str) -> list[tuple[Tensor, Tensor]]:
        mine = list(getattr(self.module, kind)())
        theirs = list(getattr(model, kind)())
        shapes = lambda ts: [tuple(t.shape) for t in ts]
        if shapes(mine) != shapes(theirs):
            raise ValueError(f"AveragedModel.update_parameters: model's {kind} {shapes(theirs)} do not match "
                             f"the averaged copy's {shapes(mine)}")
        return list(zip(mine, theirs))

    def update_parameters(self, model: Module) -> None:
        """Average model's parameters (and buffers, with use_buffers=True) into the copy's,
        in place; copy model's buffers otherwise; then n_averaged += 1."""
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel.update_parameters: model must be an nn.Module, "
                            f"got {type(model).__name__}")
        pairs = self._pairs(model, "parameters")
        buffers = self._pairs(model, "buffers")
        if self.use_buffers:
            pairs, buffers = pairs + buffers, []
        n = int(self.n_averaged.data)
        with no_grad():
            if n == 0:
                for p_avg, p_model in pairs:
                    p_avg.data[...] = p_model.data
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn([p for p, _ in pairs], [Tensor(q.data) for _, q in pairs], self.n_averaged)
            elif self.avg_fn is None:
                get_swa_multi_avg_fn()([p for p, _ in pairs], [q for _, q in pairs], n)
            else:
                new = [self.avg_fn(Tensor(p.data.copy()), Tensor(q.data), self.n_averaged) for p, q in pairs]
                for (p_avg, _), v in zip(pairs, new):
                    p_avg.data[...] = v.data if isinstance(v, Tensor) else v
            for b_avg, b_model in buffers:
                b_avg.data[...] = b_model.data
        # (written behind the engine's back: a graph that kept these arrays refuses its backward)
        for t, _ in pairs + buffers:
            changed_in_place(t.data, "AveragedModel.update_parameters")
        self.n_averaged.data += 1


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of every batch norm layer of `model` with one pass
    over `loader`, as torch's: the statistics are reset and each batch weighs equally
    (momentum None for the pass, then restored); the model runs in training mode and is
    put back in its mode after. Each item of loader is a batch, or a list/tuple whose
    first entry is the batch. No batch norm layer: nothing runs. No gradient is recorded.
    """
    from ..nn.normalization import _BatchNorm

    if not isinstance(model, Module):
        raise TypeError(f"update_bn: model must be an nn.Module, got {type(model).__name__}")
    if device is not None and str(device) != "cpu":
        raise ValueError(f"update_bn: device must be None or 'cpu', got {device!r}")
    momenta = {m: m.momentum for m in model.modules() if isinstance(m, _BatchNorm)}
    if not momenta:
        return
    for m in momenta:
        m.reset_running_stats()
    was_training = model.training
    model.train()
    for m in momenta:
        m.momentum = None
    try:
        with no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                model(batch)
    finally:
        for m, momentum in momenta.items():
            m.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's rate to swa_lr over anneal_epochs steps, then hold it, as
    torch.optim.swa_utils.SWALR. With alpha_t = (1 - cos(pi t)) / 2 ('cos') or t
    ('linear'), t = min(1, epoch / anneal_epochs), step `epoch` sets
    lr = swa_lr alpha_t + lr0 (1 - alpha_t), lr0 the rate the annealing started from
    (recovered from the group's rate, as torch's, so other changes to it carry over).
    swa_lr: a number, or one per param group (a list). anneal_epochs=0 sets swa_lr at once.
    """

    def __init__(self, optimizer: Optimizer, swa_lr: Any, anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"SWALR: expected an Optimizer, got {type(optimizer).__name__}")
        groups = optimizer.param_groups
        swa_lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(groups)
        if len(swa_lrs) != len(groups):
            raise ValueError(f"SWALR: swa_lr has {len(swa_lrs)} values for {len(groups)} param groups")
        for v in swa_lrs:
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= v < math.inf:
                raise ValueError(f"SWALR: swa_lr must be a finite number >= 0 (or a list of them), got {swa_lr!r}")
        vars(self).update(self._settings({"anneal_epochs": anneal_epochs, "anneal_strategy": anneal_strategy},
                                         "SWALR"))
        for v, group in zip(swa_lrs, groups):
            group["swa_lr"] = float(v)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        strategy, epochs = values["anneal_strategy"], values["anneal_epochs"]
        if strategy not in ("cos", "linear"):
            raise ValueError(f"{where}: anneal_strategy must be 'cos' or 'linear', got {strategy!r}")
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
            raise ValueError(f"{where}: anneal_epochs must be an integer >= 0, got {epochs!r}")
        return {"anneal_epochs": int(epochs), "anneal_strategy": strategy}

    def _alpha(self, t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    def _rule(self, lr: float, swa_lr: float, epoch: int) -> float:
        step = max(1, epoch) if self.anneal_epochs == 0 else epoch
        prev_alpha = self._alpha(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        start = swa_lr if prev_alpha == 1 else (lr - prev_alpha * swa_lr) / (1 - prev_alpha)
        alpha = self._alpha(max(0, min(1, step / max(1, self.anneal_epochs))))
        return swa_lr * alpha + start * (1 - alpha)

    def _group_swa_lr(self, index: int) -> float:
        return self.optimizer.param_groups[index]["swa_lr"]

    def _first_lr(self, lr: float, base_lr: float, index: int) -> float:
        return self._rule(lr, self._group_swa_lr(index), 0)

    def _next_lrs(self, epoch: int) -> list[float]:
        return [self._rule(g["lr"], g["swa_lr"], epoch) for g in self.optimizer.param_groups]
