"""Learning-rate schedules: set each param group's `lr` from a closed form in the epoch count.

A scheduler remembers every group's starting rate (`base_lrs`, also stored in
the group as "initial_lr") and, on each `step()`, advances `last_epoch` by one
and writes `lr = schedule(base_lr, last_epoch)` into the groups (so it
overrides hand-made changes to `lr`). Call `scheduler.step()` once per epoch,
after `optimizer.step()`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base class; subclasses define `_lr(base_lr, epoch)`."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()

    def _lr(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def _apply(self) -> None:
        self._last_lr = [self._lr(base, self.last_epoch) for base in self.base_lrs]
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def step(self) -> None:
        """Advance one epoch and set the groups' learning rates."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the latest step (one per param group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The schedule's position and settings (numbers only)."""
        return {k: (list(v) if isinstance(v, list) else v)
                for k, v in vars(self).items() if k not in ("optimizer", "_last_lr")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore `state_dict()` and set the groups' rates for the restored epoch."""
        expected = set(self.state_dict())
        if set(state_dict) != expected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: expected keys {sorted(expected)}, "
                f"got {sorted(map(str, state_dict))}"
            )
        if len(state_dict["base_lrs"]) != len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: {len(state_dict['base_lrs'])} base rates for "
                f"{len(self.base_lrs)} param groups"
            )
        for k, v in state_dict.items():
            setattr(self, k, list(v) if k == "base_lrs" else v)
        self._apply()


def _positive_int(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** floor(epoch / step_size): decay by gamma every step_size epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int(step_size, "step_size", "StepLR")
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not gamma > 0:
            raise ValueError(f"StepLR: gamma must be a positive number, got {gamma!r}")
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def _lr(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Falls from base_lr to eta_min over T_max epochs (and, continued past T_max,
    rises again along the same cosine, as PyTorch's closed form does).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0) -> None:
        self.T_max = _positive_int(T_max, "T_max", "CosineAnnealingLR")
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real) or not eta_min >= 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be a number >= 0, got {eta_min!r}")
        self.eta_min = float(eta_min)
        super().__init__(optimizer)

    def _lr(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
