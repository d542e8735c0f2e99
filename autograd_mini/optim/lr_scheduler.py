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
from typing import Any

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
        """Advance one epoch and move the groups' learning rates."""
        self.last_epoch += 1
        groups = self.optimizer.param_groups
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
        """Restore `state_dict()`, and its latest rates into the groups."""
        expected = set(self.state_dict())
        if set(state_dict) != expected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: expected keys {sorted(expected)}, "
                f"got {sorted(map(str, state_dict))}"
            )
        for key in ("base_lrs", "_last_lr"):
            if len(state_dict[key]) != len(self.base_lrs):
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: {len(state_dict[key])} {key} for "
                    f"{len(self.base_lrs)} param groups"
                )
        for k, v in state_dict.items():
            setattr(self, k, list(v) if isinstance(v, list) else v)
        self._set_groups()


def _positive_int(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


class StepLR(LRScheduler):
    """Decay by gamma every step_size epochs: alone, lr = base_lr * gamma ** floor(epoch / step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int(step_size, "step_size", "StepLR")
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not gamma > 0:
            raise ValueError(f"StepLR: gamma must be a positive number, got {gamma!r}")
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        return lr * self.gamma if epoch % self.step_size == 0 else lr


class CosineAnnealingLR(LRScheduler):
    """Alone, lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Falls from base_lr to eta_min over T_max epochs (and, continued past T_max,
    rises again along the same cosine, as PyTorch's closed form does).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0) -> None:
        self.T_max = _positive_int(T_max, "T_max", "CosineAnnealingLR")
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real) or not eta_min >= 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be a number >= 0, got {eta_min!r}")
        self.eta_min = float(eta_min)
        super().__init__(optimizer)

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        # lr - eta_min scales by the ratio of consecutive cosine factors (1 + cos) / 2.
        # Past the bottom (epoch - 1 = T_max, 3 T_max, ...) that factor was 0, so the
        # step adds the closed form's rise instead.
        T, eta = self.T_max, self.eta_min
        if (epoch - 1 - T) % (2 * T) == 0:
            return lr + (base_lr - eta) * (1 - math.cos(math.pi / T)) / 2
        return eta + (lr - eta) * (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T))
