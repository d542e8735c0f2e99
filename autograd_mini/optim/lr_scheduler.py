"""Learning-rate schedules: on each `step()`, change each param group's `lr`.

A scheduler remembers every group's starting rate (`base_lrs`, also stored in
the group as "initial_lr"), advances `last_epoch` by one per `step()`, and
moves each group's current `lr` by its rule's change for that epoch (StepLR:
times gamma every step_size epochs; CosineAnnealingLR: along the cosine). On
its own a schedule follows its closed form in the epoch; several schedulers
on one optimizer compose (each applies its change to what the others left),
as PyTorch's do. Call `scheduler.step()` once per epoch, after `optimizer.step()`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from ..engine import has_stepped
from .optimizer import Optimizer


class LRScheduler:
    """Base class; subclasses define `_next_lr(lr, base_lr, epoch)`: the rate for
    `epoch` given the group's rate `lr` at epoch - 1."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and move the groups' learning rates. (A first step before
        any `optimizer.step()` warns, as PyTorch's does: the first epoch would then
        train at the second epoch's rate.)"""
        if self.last_epoch == 0 and not has_stepped(self.optimizer):
            warnings.warn(
                f"{type(self).__name__}.step() was called before {type(self.optimizer).__name__}.step(): "
                "the schedule's first rate is skipped; call optimizer.step() first, then "
                "scheduler.step(), once per epoch", UserWarning, stacklevel=2)
        self.last_epoch += 1
        groups = self.optimizer.param_groups
        # Groups added since (add_param_group, as when unfreezing layers) follow the rule
        # too, from their rate now, as under PyTorch's StepLR; they were left at that rate.
        for group in groups[len(self.base_lrs):]:
            self.base_lrs.append(group.setdefault("initial_lr", group["lr"]))
        self._last_lr = [self._next_lr(g["lr"], base, self.last_epoch) for g, base in zip(groups, self.base_lrs)]
        self._set_groups()

    def _set_groups(self) -> None:
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self) -> list[float]:
        """The learning rates after the latest step (one per param group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The schedule's position, its latest rates and its settings (numbers only)."""
        return {k: (list(v) if isinstance(v, list) else v) for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore `state_dict()`, and its latest rates into the groups.

        Every entry is checked (by the constructor's rules) before anything changes."""
        where = f"{type(self).__name__}.load_state_dict"
        expected = set(self.state_dict())
        if not isinstance(state_dict, dict) or set(state_dict) != expected:
            got = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{where}: expected keys {sorted(expected)}, got {got}")
        for key in ("base_lrs", "_last_lr"):
            rates = state_dict[key]
            if not isinstance(rates, (list, tuple)) or len(rates) != len(self.base_lrs):
                raise ValueError(f"{where}: {key} must be a list of {len(self.base_lrs)} rates (one per "
                                 f"param group), got {rates!r}")
            for lr in rates:  # (the rates an optimizer would accept: a NaN lr would reach the groups)
                if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 <= lr < math.inf:
                    raise ValueError(f"{where}: {key} must hold finite rates >= 0, got {rates!r}")
        epoch = state_dict["last_epoch"]
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
            raise ValueError(f"{where}: last_epoch must be an integer >= 0, got {epoch!r}")
        settings = self._settings({k: v for k, v in state_dict.items() if k not in _POSITION}, where)
        self.base_lrs = [float(lr) for lr in state_dict["base_lrs"]]
        self._last_lr = [float(lr) for lr in state_dict["_last_lr"]]
        self.last_epoch = int(epoch)
        vars(self).update(settings)
        self._set_groups()

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        """The schedule's own settings, checked and normalised; subclasses check theirs
        with the rules of their constructor (this base takes them as they are)."""
        return dict(values)


_POSITION = ("base_lrs", "_last_lr", "last_epoch")  # (the entries every schedule has)


def _positive_int(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


class StepLR(LRScheduler):
    """Decay by gamma every step_size epochs: alone, lr = base_lr * gamma ** floor(epoch / step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        vars(self).update(self._settings({"step_size": step_size, "gamma": gamma}, "StepLR"))
        super().__init__(optimizer)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        gamma = values["gamma"]
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not 0 < gamma < math.inf:
            raise ValueError(f"{where}: gamma must be a finite positive number, got {gamma!r}")
        return {"step_size": _positive_int(values["step_size"], "step_size", where), "gamma": float(gamma)}

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        return lr * self.gamma if epoch % self.step_size == 0 else lr


class CosineAnnealingLR(LRScheduler):
    """Alone, lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Falls from base_lr to eta_min over T_max epochs (and, continued past T_max,
    rises again along the same cosine, as PyTorch's closed form does).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0) -> None:
        vars(self).update(self._settings({"T_max": T_max, "eta_min": eta_min}, "CosineAnnealingLR"))
        super().__init__(optimizer)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        eta_min = values["eta_min"]
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real) or not 0 <= eta_min < math.inf:
            raise ValueError(f"{where}: eta_min must be a finite number >= 0, got {eta_min!r}")
        return {"T_max": _positive_int(values["T_max"], "T_max", where), "eta_min": float(eta_min)}

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        # lr - eta_min scales by the ratio of consecutive cosine factors (1 + cos) / 2.
        # Past the bottom (epoch - 1 = T_max, 3 T_max, ...) that factor was 0, so the
        # step adds the closed form's rise instead.
        T, eta = self.T_max, self.eta_min
        if (epoch - 1 - T) % (2 * T) == 0:
            lr = lr + (base_lr - eta) * (1 - math.cos(math.pi / T)) / 2
        else:
            # (the ratio first, then the product, as PyTorch rounds it: (lr - eta) * (1 + cos) / (...)
            # rounded differently, an ulp a step, and chained over the epochs)
            lr = (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T)) * (lr - eta) + eta
        # The rate lies between base_lr and eta_min, both >= 0; with base_lr 0 the chained
        # rounding can end at -6e-17 (PyTorch's too), a rate no optimizer or state dict accepts.
        return lr if lr >= 0.0 else 0.0
