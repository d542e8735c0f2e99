"""Learning-rate schedules: on each `step()`, change each param group's `lr`.

A scheduler remembers every group's starting rate (`base_lrs`, also stored in
the group as "initial_lr"), advances `last_epoch` by one per `step()`, and
moves each group's current `lr` by its rule's change for that epoch (StepLR:
times gamma every step_size epochs; MultiStepLR: at each milestone; ExponentialLR:
every epoch; LinearLR: along a line of factors; CosineAnnealingLR: along the
cosine; LambdaLR sets base_lr * lr_lambda(epoch) instead). On
its own a schedule follows its closed form in the epoch; several schedulers
on one optimizer compose (each applies its change to what the others left),
as PyTorch's do. Call `scheduler.step()` once per epoch, after `optimizer.step()`.
`ReduceLROnPlateau` instead takes the epoch's metric, `scheduler.step(val_loss)`,
and cuts the rates when it stops improving.

Resuming (PyTorch's `last_epoch=k`; StepLR, MultiStepLR, ExponentialLR, LinearLR,
LambdaLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, OneCycleLR, SequentialLR):
after `optimizer.load_state_dict(...)` of a run that made k steps, `StepLR(opt, ...,
last_epoch=k)` takes the groups' "initial_lr" as base rates (ValueError if a group has
none) and its constructor makes step k + 1, so the schedule goes on exactly as the
run's own would have. (torch 2.13's ExponentialLR, LinearLR and
CosineAnnealingLR keep the rate of epoch k in that first step instead, which leaves
their resumed schedules an epoch behind; here every schedule resumes the same way.)
"""

from __future__ import annotations

import bisect
import math
import numbers
import types
import warnings
from typing import Any

import numpy as np

from ..engine import has_stepped
from ..tensor import Tensor
from .optimizer import Optimizer


def _int_at_least(value: Any, minimum: int, name: str, where: str) -> int:
    """`value` as an int >= minimum, else ValueError; a bool or a float is refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{where}: {name} must be {wanted}, got {value!r}")
    return int(value)


class LRScheduler:
    """Base class; subclasses define `_next_lr(lr, base_lr, epoch)`: the rate for
    `epoch` given the group's rate `lr` at epoch - 1."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}")
        where = type(self).__name__
        if _int_at_least(last_epoch, -1, "last_epoch", where) != -1:
            self._resume(optimizer, int(last_epoch), where)
            return
        self.optimizer = optimizer
        self.base_lrs = [group.get("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.last_epoch = 0
        # (epoch 0's rate: the group's own for most schedules; LinearLR and LambdaLR set
        # theirs here, as PyTorch's constructors do; computed before any group changes,
        # so a lr_lambda that raises leaves no "initial_lr" behind)
        self._last_lr = [self._first_lr(g["lr"], base, i)
                         for i, (g, base) in enumerate(zip(optimizer.param_groups, self.base_lrs))]
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self._set_groups()

    def _resume(self, optimizer: Optimizer, last_epoch: int, where: str) -> None:
        """PyTorch's last_epoch=k: go on from a run that made k steps (its optimizer state
        loaded, so every group holds its "initial_lr" and the rate of epoch k): the base
        rates are the groups' "initial_lr", and the constructor makes step k + 1 from the
        groups' rates, as a step() would (without step()'s warning about order)."""
        for i, group in enumerate(optimizer.param_groups):
            if "initial_lr" not in group:
                raise ValueError(f"{where}: param group {i} has no 'initial_lr', which resuming with "
                                 f"last_epoch={last_epoch} needs (load the optimizer's state_dict first, "
                                 "or set group['initial_lr'] to the rate the run started with)")
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr = self._next_lrs(last_epoch + 1)  # (before anything changes: a rule may raise)
        self.last_epoch = last_epoch + 1
        self._set_groups()

    def _first_lr(self, lr: float, base_lr: float, index: int) -> float:
        """The rate for epoch 0 (set by the constructor) of group `index`, whose rate is `lr`."""
        return lr

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def _next_lrs(self, epoch: int) -> list[float]:
        """Every group's rate for `epoch` (by `_next_lr`, from the groups' rates now)."""
        return [self._next_lr(g["lr"], base, epoch) for g, base in zip(self.optimizer.param_groups, self.base_lrs)]

    def step(self) -> None:
        """Advance one epoch and move the groups' learning rates.

        (A first step before
        any `optimizer.step()` warns, as PyTorch's does: the first epoch would then
        train at the second epoch's rate.)"""
        self._advance(self.last_epoch + 1, self._next_lrs)

    def _advance(self, epoch: int, rule: Any) -> None:
        """Move to `epoch` with the groups' rates `rule(epoch)` (computed before anything changes)."""
        if self.last_epoch == 0 and not has_stepped(self.optimizer):
            warnings.warn(
                f"{type(self).__name__}.step() was called before {type(self.optimizer).__name__}.step(): "
                "the schedule's first rate is skipped; call optimizer.step() first, then "
                "scheduler.step(), once per epoch", UserWarning, stacklevel=3)
        groups = self.optimizer.param_groups
        # Groups added since (add_param_group, as when unfreezing layers) follow the rule
        # too, from their rate now, as under PyTorch's StepLR; they were left at that rate.
        known = len(self.base_lrs)
        self.base_lrs += [group.get("initial_lr", group["lr"]) for group in groups[known:]]
        try:
            rates = rule(epoch)  # (all of them first: a rule that raises moves nothing)
        except Exception:
            del self.base_lrs[known:]
            raise
        for group in groups[known:]:  # (after: a refused step leaves no "initial_lr" behind)
            group.setdefault("initial_lr", group["lr"])
        self.last_epoch = epoch
        self._last_lr = rates
        self._set_groups()

    def _start_rates(self) -> list[float]:
        """The rates of epoch 0 from the groups' rates now (what the constructor sets)."""
        return [self._first_lr(g["lr"], base, i)
                for i, (g, base) in enumerate(zip(self.optimizer.param_groups, self.base_lrs))]

    def _set_extras(self) -> None:
        """Put what the schedule sets besides the rates (OneCycleLR's momenta) into the groups."""

    def _restart(self) -> None:
        """Go back to epoch 0, the rates of the closed form there from the base rates (what
        PyTorch's `_update_lr(0)` does when SequentialLR reaches this schedule's milestone)."""
        self._advance(0, lambda _: [self._first_lr(base, base, i) for i, base in enumerate(self.base_lrs)])

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
        epoch = _int_at_least(state_dict["last_epoch"], 0, "last_epoch", where)
        settings = self._settings({k: v for k, v in state_dict.items() if k not in _POSITION}, where)
        self.base_lrs = [float(lr) for lr in state_dict["base_lrs"]]
        self._last_lr = [float(lr) for lr in state_dict["_last_lr"]]
        self.last_epoch = int(epoch)
        self._restore(settings)
        self._set_groups()

    def _restore(self, settings: dict[str, Any]) -> None:
        """Take the checked settings of `_settings` (the last step of load_state_dict)."""
        vars(self).update(settings)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        """The schedule's own settings, checked and normalised; subclasses check theirs
        with the rules of their constructor (this base takes them as they are)."""
        return dict(values)


_POSITION = ("base_lrs", "_last_lr", "last_epoch")  # (the entries every schedule has)


def _gamma(gamma: Any, where: str) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not 0 < gamma < math.inf:
        raise ValueError(f"{where}: gamma must be a finite positive number, got {gamma!r}")
    return float(gamma)


class StepLR(LRScheduler):
    """Decay by gamma every step_size epochs: alone, lr = base_lr * gamma ** floor(epoch / step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        vars(self).update(self._settings({"step_size": step_size, "gamma": gamma}, "StepLR"))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        return {"step_size": _int_at_least(values["step_size"], 1, "step_size", where),
                "gamma": _gamma(values["gamma"], where)}

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        return lr * self.gamma if epoch % self.step_size == 0 else lr


class CosineAnnealingLR(LRScheduler):
    """Alone, lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Falls from base_lr to eta_min over T_max epochs (and, continued past T_max,
    rises again along the same cosine, as PyTorch's closed form does).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0, last_epoch: int = -1) -> None:
        vars(self).update(self._settings({"T_max": T_max, "eta_min": eta_min}, "CosineAnnealingLR"))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        eta_min = values["eta_min"]
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real) or not 0 <= eta_min < math.inf:
            raise ValueError(f"{where}: eta_min must be a finite number >= 0, got {eta_min!r}")
        return {"T_max": _int_at_least(values["T_max"], 1, "T_max", where), "eta_min": float(eta_min)}

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
        return 0.0 if lr < 0.0 else lr  # (a NaN stays NaN, not a silent 0)


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every T_i epochs (SGDR, Loshchilov & Hutter, 2017):

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    where T_cur counts the epochs since the last restart; a restart happens when
    T_cur reaches T_i, and the next period is T_i * T_mult (T_0 first). As in
    PyTorch, `step()` advances one epoch and `step(epoch)` jumps to `epoch`, which may
    be fractional (`scheduler.step(epoch + i / iters)` inside an epoch of iters batches):
    with T_mult = 1, T_cur = epoch mod T_0; otherwise, past T_0, the period n with
    T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch is found and T_i = T_0 T_mult^n.
    The rate is set from this closed form, not chained with other schedules.
    T_0 and T_mult are integers >= 1, eta_min a finite number >= 0. last_epoch=k resumes
    at epoch k + 1 of the closed form, in whichever period that falls (torch 2.13 takes
    T_cur = (k + 1) mod T_0, which with T_mult > 1 is right only up to the first restart).
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        vars(self).update(self._settings({"T_0": T_0, "T_mult": T_mult, "eta_min": eta_min, "T_i": T_0,
                                          "T_cur": 0}, "CosineAnnealingWarmRestarts"))
        super().__init__(optimizer, last_epoch)

    def _resume(self, optimizer: Optimizer, last_epoch: int, where: str) -> None:
        # (epoch k + 1's place in its period, as k + 1 steps reach it; see the class docstring)
        super()._resume(optimizer, last_epoch, where)
        self.T_cur, self.T_i = self._position(last_epoch + 1)

    def _next_lrs(self, epoch: int) -> list[float]:
        T_cur, T_i = self._position(epoch)
        return [self._closed_form(base, T_cur, T_i) for base in self.base_lrs]

    def _position(self, epoch: float) -> tuple[float, int]:
        """(T_cur, T_i) at `epoch` (a number >= 0): the epochs since the last restart, the period."""
        T_0, T_mult = self.T_0, self.T_mult
        if epoch < T_0:
            return epoch, T_0
        if T_mult == 1:
            return epoch % T_0, T_0
        n = int(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult))
        # (the log rounds: log_3(243) is 4.999..., which put step(121) with T_0 = 1,
        # T_mult = 3 at the end of the period before its restart; the exact integer
        # starts T_0 (T_mult^n - 1) / (T_mult - 1) settle n)
        while T_0 * (T_mult ** (n + 1) - 1) // (T_mult - 1) <= epoch:
            n += 1
        while n > 0 and T_0 * (T_mult**n - 1) // (T_mult - 1) > epoch:
            n -= 1
        return epoch - T_0 * (T_mult**n - 1) // (T_mult - 1), T_0 * T_mult**n

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        eta_min, T_cur = values["eta_min"], values["T_cur"]
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real) or not 0 <= eta_min < math.inf:
            raise ValueError(f"{where}: eta_min must be a finite number >= 0, got {eta_min!r}")
        if isinstance(T_cur, bool) or not isinstance(T_cur, numbers.Real) or not 0 <= T_cur < math.inf:
            raise ValueError(f"{where}: T_cur must be a finite number >= 0, got {T_cur!r}")
        return {"T_0": _int_at_least(values["T_0"], 1, "T_0", where),
                "T_i": _int_at_least(values["T_i"], 1, "T_i", where),
                "T_mult": _int_at_least(values["T_mult"], 1, "T_mult", where),
                "eta_min": float(eta_min), "T_cur": T_cur}

    def _closed_form(self, base_lr: float, T_cur: float, T_i: int) -> float:
        # (PyTorch's expression, term for term)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2

    def _first_lr(self, lr: float, base_lr: float, index: int) -> float:
        return self._closed_form(base_lr, 0, self.T_0)

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one epoch, or (given `epoch`, a number >= 0) go to that epoch."""
        if epoch is None:
            T_cur, T_i, last = self.T_cur + 1, self.T_i, self.last_epoch + 1
            if T_cur >= T_i:
                T_cur, T_i = T_cur - T_i, T_i * self.T_mult
        else:
            if isinstance(epoch, bool) or not isinstance(epoch, numbers.Real) or not 0 <= epoch < math.inf:
                raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be a finite number >= 0 "
                                 f"(or None for the next one), got {epoch!r}")
            T_cur, T_i = self._position(epoch)
            last = math.floor(epoch)
        self._advance(last, lambda _: [self._closed_form(base, T_cur, T_i) for base in self.base_lrs])
        self.T_cur, self.T_i = T_cur, T_i

    def _restart(self) -> None:
        # (PyTorch's get_lr at epoch 0: the closed form at the current T_cur, 0 unless stepped)
        self._advance(0, lambda _: [self._closed_form(base, self.T_cur, self.T_i) for base in self.base_lrs])


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018), stepped once per batch, PyTorch's rules.

    The rate goes from initial_lr = max_lr / div_factor up to max_lr over the first
    pct_start * total_steps steps, then down to min_lr = initial_lr / final_div_factor
    at step total_steps - 1. With three_phase=True it goes up, back down to initial_lr
    (symmetrically), then to min_lr. Phase k runs from step s_{k-1} to s_k, with
    s_0 = pct_start * T - 1, (three_phase: s_1 = 2 pct_start * T - 2,) last = T - 1,
    and within it pct = (step - s_{k-1}) / (s_k - s_{k-1}) (s_{-1} = 0), anneal from a to b:

        cos:     b + (a - b) / 2 * (1 + cos(pi * pct))
        linear:  a + (b - a) * pct

    With cycle_momentum (default) the momentum (SGD's "momentum", or beta1 of
    Adam/AdamW's "betas") moves the opposite way, between max_momentum and
    base_momentum. total_steps, or epochs * steps_per_epoch, bounds the steps: one
    more step than total_steps raises ValueError. max_lr, base_momentum and
    max_momentum are numbers or lists with one per param group. (The step after the
    last, total_steps, extrapolates the last phase as PyTorch does; a linear one that
    ends below 0 there gives 0, not PyTorch's negative rate.) As in PyTorch the
    groups get the keys "initial_lr", "max_lr", "min_lr" (and "max_momentum",
    "base_momentum"), which the formulas read; this rate is not chained with other schedules.
    last_epoch=k (PyTorch's resume, after the optimizer's state_dict is loaded): the groups
    keep the "initial_lr", "max_lr", "min_lr" (and momentum bounds) they hold, as PyTorch's do,
    not those of the arguments, and the constructor makes step k + 1 (k + 1 <= total_steps).
    """

    def __init__(self, optimizer: Optimizer, max_lr: Any, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True, base_momentum: Any = 0.85,
                 max_momentum: Any = 0.95, div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, last_epoch: int = -1) -> None:
        where = "OneCycleLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{where}: expected an Optimizer, got {type(optimizer).__name__}")
        last_epoch = _int_at_least(last_epoch, -1, "last_epoch", where)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError(f"{where}: give total_steps, or epochs and steps_per_epoch")
            total_steps = (_int_at_least(epochs, 1, "epochs", where)
                           * _int_at_least(steps_per_epoch, 1, "steps_per_epoch", where))
        use_beta1 = "betas" in optimizer.defaults
        if cycle_momentum is True and not use_beta1 and "momentum" not in optimizer.defaults:
            raise ValueError(f"{where}: cycle_momentum needs an optimizer with momentum or betas "
                             f"(not {type(optimizer).__name__}); pass cycle_momentum=False")
        vars(self).update(self._settings(
            {"total_steps": total_steps, "pct_start": pct_start, "anneal_strategy": anneal_strategy,
             "cycle_momentum": cycle_momentum, "use_beta1": use_beta1, "three_phase": three_phase}, where))
        divs = [_rate_number(v, name, where, open_low=True)
                for v, name in ((div_factor, "div_factor"), (final_div_factor, "final_div_factor"))]
        n = len(optimizer.param_groups)
        values = [{"max_lr": m} for m in self._per_group(max_lr, n, "max_lr", where, 0.0, math.inf)]
        for v in values:
            v["initial_lr"] = v["max_lr"] / divs[0]
            v["min_lr"] = v["initial_lr"] / divs[1]
        if self.cycle_momentum:
            high = 1.0 if use_beta1 else math.inf  # (beta1 < 1)
            for key, given in (("max_momentum", max_momentum), ("base_momentum", base_momentum)):
                for v, m in zip(values, self._per_group(given, n, key, where, 0.0, high)):
                    v[key] = m
        ends = self._ends()
        for i in range(len(ends)):  # (a phase of no length would divide by 0 when reached)
            if ends[i] == (ends[i - 1] if i else 0.0):
                raise ValueError(f"{where}: pct_start={self.pct_start} with total_steps={self.total_steps} "
                                 f"leaves phase {i} of the cycle with no steps")
        if last_epoch != -1:
            # Resuming (PyTorch's rule): the groups keep the bounds the run put in them (the
            # optimizer's state_dict, loaded, brings them back), and the constructor makes step
            # last_epoch + 1 from them. Checked before anything changes.
            keys = list(values[0])
            for gi, group in enumerate(optimizer.param_groups):
                missing = [k for k in keys if k not in group]
                if missing:
                    raise ValueError(f"{where}: param group {gi} has no {missing}, which resuming with "
                                     f"last_epoch={last_epoch} needs (load the optimizer's state_dict first)")
            if last_epoch + 1 > self.total_steps:
                raise ValueError(f"{where}: last_epoch={last_epoch} would make step {last_epoch + 1}, "
                                 f"past total_steps={self.total_steps}")
            self.optimizer = optimizer
            super().__init__(optimizer, last_epoch)
            return
        for group, v in zip(optimizer.param_groups, values):
            group.update(v)
        self.optimizer = optimizer
        self._first = self._set_momenta(self._at(0))  # (step 0's rates, for the base constructor)
        super().__init__(optimizer)
        del self._first

    @staticmethod
    def _per_group(value: Any, n: int, name: str, where: str, low: float, high: float) -> list[float]:
        values = list(value) if isinstance(value, (list, tuple)) else [value] * n
        if len(values) != n:
            raise ValueError(f"{where}: expected {n} values of {name} (one per param group), got {len(values)}")
        return [_rate_number(v, name, where, low, high) for v in values]

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        if values["anneal_strategy"] not in ("cos", "linear") or not isinstance(values["anneal_strategy"], str):
            raise ValueError(f"{where}: anneal_strategy must be 'cos' or 'linear', got {values['anneal_strategy']!r}")
        for key in ("cycle_momentum", "use_beta1", "three_phase"):
            if not isinstance(values[key], bool):
                raise TypeError(f"{where}: {key} must be True or False, got {values[key]!r}")
        return {"total_steps": _int_at_least(values["total_steps"], 1, "total_steps", where),
                "pct_start": _rate_number(values["pct_start"], "pct_start", where, 0.0, 1.0, closed_high=True),
                "anneal_strategy": values["anneal_strategy"], "cycle_momentum": values["cycle_momentum"],
                "use_beta1": values["use_beta1"], "three_phase": values["three_phase"]}

    def _ends(self) -> list[float]:
        T, pct = self.total_steps, self.pct_start
        first = float(pct * T) - 1
        return [first, float(2 * pct * T) - 2, T - 1] if self.three_phase else [first, T - 1]

    _PHASES = {False: [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                       ("max_lr", "min_lr", "base_momentum", "max_momentum")],
               True: [("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                      ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
                      ("initial_lr", "min_lr", "max_momentum", "max_momentum")]}

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _at(self, step: int) -> list[tuple[float, float | None]]:
        """Every group's (rate, momentum or None) at `step`."""
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the specified number of total "
                             f"steps is {self.total_steps}")
        ends, phases = self._ends(), self._PHASES[self.three_phase]
        out = []
        for gi, group in enumerate(self.optimizer.param_groups):
            start = 0.0
            for i, (end, keys) in enumerate(zip(ends, phases)):
                if step <= end or i == len(ends) - 1:
                    break
                start = end
            pct = (step - start) / (end - start)
            try:
                lr = self._anneal(group[keys[0]], group[keys[1]], pct)
                momentum = self._anneal(group[keys[2]], group[keys[3]], pct) if self.cycle_momentum else None
            except KeyError as e:
                raise ValueError(f"OneCycleLR: param group {gi} has no {e.args[0]!r} (a group added after "
                                 f"the scheduler was made?)") from None
            # (linear, at step total_steps, pct > 1 carries the rate past min_lr, below 0 when
            # min_lr is small: PyTorch's negative rate is never used to train, as this is the step
            # after the last batch, but no optimizer or state dict takes it; it is 0 here)
            out.append((0.0 if lr < 0.0 else lr, momentum))
        return out

    def _set_momenta(self, values: list[tuple[float, float | None]]) -> list[float]:
        if self.cycle_momentum:
            for group, (_, m) in zip(self.optimizer.param_groups, values):
                if self.use_beta1:
                    group["betas"] = (m, *group["betas"][1:])
                else:
                    group["momentum"] = m
        return [lr for lr, _ in values]

    def _first_lr(self, lr: float, base_lr: float, index: int) -> float:
        return self._first[index]

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore `state_dict()`: its latest rates, and the momenta of its step, into the groups
        (the constructor set them to max_momentum). The state of a schedule cycling a momentum
        this optimizer does not have (beta1 of Adam's "betas" over SGD, say) is refused."""
        if isinstance(state_dict, dict) and isinstance(state_dict.get("last_epoch"), numbers.Integral) and (
                isinstance(state_dict.get("total_steps"), numbers.Integral)
                and state_dict["last_epoch"] > state_dict["total_steps"]):
            raise ValueError(f"OneCycleLR.load_state_dict: last_epoch {state_dict['last_epoch']} is past "
                             f"total_steps {state_dict['total_steps']}")
        if (isinstance(state_dict, dict) and state_dict.get("cycle_momentum") is True
                and isinstance(state_dict.get("use_beta1"), bool)):  # (else refused by _settings)
            self._check_cycling(state_dict.get("use_beta1"))
        super().load_state_dict(state_dict)
        self._set_extras()

    def _check_cycling(self, use_beta1: bool) -> None:
        """Refuse (before anything changes) a saved state that cycles a momentum this optimizer's
        groups cannot take: beta1 for one without "betas" or the reverse (use_beta1 says which the
        saving optimizer had), or one whose groups lack the momentum bounds."""
        where = "OneCycleLR.load_state_dict"
        name = type(self.optimizer).__name__
        if use_beta1 is not ("betas" in self.optimizer.defaults):
            saved = "beta1 of 'betas' (Adam's)" if use_beta1 else "'momentum' (SGD's)"
            raise ValueError(f"{where}: the state dict cycles {saved}, which {name} does not have: "
                             "the state of a schedule over another kind of optimizer?")
        if not use_beta1 and "momentum" not in self.optimizer.defaults:
            raise ValueError(f"{where}: the state dict cycles the momentum, which {name} does not have")
        for gi, group in enumerate(self.optimizer.param_groups):
            missing = [k for k in ("max_momentum", "base_momentum") if k not in group]
            if missing:
                raise ValueError(f"{where}: the state dict cycles the momentum, but param group {gi} has no "
                                 f"{missing} (this schedule was made with cycle_momentum=False)")

    def _set_extras(self) -> None:
        self._set_momenta(self._at(self.last_epoch))

    def _next_lrs(self, epoch: int) -> list[float]:
        return self._set_momenta(self._at(epoch))

    def _start_rates(self) -> list[float]:
        return self._set_momenta(self._at(0))

    def _restart(self) -> None:
        self._advance(0, lambda _: self._start_rates())


class SequentialLR(LRScheduler):
    """Run `schedulers` one after another, switching at the `milestones` (PyTorch's rules).

    schedulers: n >= 1 schedules of this optimizer (not ReduceLROnPlateau, which steps
    on a metric, nor another SequentialLR, which PyTorch nests: list its schedules and
    milestones in this one instead); milestones: n - 1 increasing epochs >= 1. The constructor puts every
    group's rate back to its "initial_lr" (undoing what the schedulers' constructors set)
    and applies the first schedule's epoch-0 rate. Epoch e (after e calls of `step()`)
    is run by schedule k, the number of milestones <= e: at its milestone it starts
    from its own epoch 0 (its closed form there, from the base rates: e.g. LinearLR
    base_lr * start_factor), then steps as it would alone. The usual warmup-then-decay:

        warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
        decay = CosineAnnealingLR(opt, T_max=95)
        sched = SequentialLR(opt, [warmup, decay], milestones=[5])

    `state_dict()` holds the position and every schedule's state dict ("_schedulers").

    last_epoch=k resumes (the optimizer's state_dict loaded, so every group holds its
    "initial_lr", and the schedulers made afresh from it): the constructor makes the k + 1
    steps from epoch 0, so the rates and every schedule's state are the uninterrupted run's
    at epoch k + 1, as for the other schedules. (torch 2.13 sets last_epoch = k + 1 but
    leaves the rates at the first schedule's epoch 0.)
    """

    def __init__(self, optimizer: Optimizer, schedulers: Any, milestones: Any, last_epoch: int = -1) -> None:
        where = "SequentialLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{where}: expected an Optimizer, got {type(optimizer).__name__}")
        last_epoch = _int_at_least(last_epoch, -1, "last_epoch", where)
        if isinstance(schedulers, LRScheduler) or not isinstance(schedulers, (list, tuple)) or not schedulers:
            raise ValueError(f"{where}: schedulers must be a non-empty list of schedulers, got {schedulers!r}")
        for i, sched in enumerate(schedulers):
            if isinstance(sched, SequentialLR):  # (PyTorch nests them; here, list the inner schedules instead)
                raise TypeError(f"{where}: schedulers[{i}] is a SequentialLR, which cannot be nested here: "
                                "list its schedules in this one, with their milestones")
            if not isinstance(sched, LRScheduler) or isinstance(sched, ReduceLROnPlateau):
                raise TypeError(f"{where}: schedulers[{i}] must be an epoch schedule (not ReduceLROnPlateau, "
                                f"which steps on a metric), got {type(sched).__name__}")
            if sched.optimizer is not optimizer:
                raise ValueError(f"{where}: schedulers[{i}] ({type(sched).__name__}) schedules another optimizer")
        self._milestones = self._settings({"_milestones": milestones, "n": len(schedulers)}, where)["_milestones"]
        for gi, group in enumerate(optimizer.param_groups):  # (before any rate is reset below)
            if "initial_lr" not in group:
                raise ValueError(f"{where}: param group {gi} has no 'initial_lr' (it was added after the "
                                 "schedulers were made: make them after add_param_group)")
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        before = self._snapshot() if last_epoch != -1 else None
        self.last_epoch = 0
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        first = self._schedulers[0]
        first._last_lr = first._start_rates()
        first.last_epoch = 0
        first._set_groups()
        self._last_lr = first.get_last_lr()
        if last_epoch != -1:
            # Resuming: the schedules chain their rules on the groups' rates, so the k + 1 steps
            # are made, as the run made them. If one raises (a OneCycleLR past its total_steps),
            # the schedules and the groups are put back as they were before this constructor.
            try:
                with warnings.catch_warnings():  # (no optimizer.step() comes between these steps)
                    warnings.filterwarnings("ignore", message=r".*\.step\(\) was called before",
                                            category=UserWarning)
                    for _ in range(last_epoch + 1):
                        self.step()
            except Exception:
                self._put_back(before)
                raise

    def _snapshot(self) -> tuple[list, list]:
        return ([s.state_dict() for s in self._schedulers],
                [{k: v for k, v in g.items() if k != "params"} for g in self.optimizer.param_groups])

    def _put_back(self, snapshot: tuple[list, list]) -> None:
        for s, sd in zip(self._schedulers, snapshot[0]):
            s.load_state_dict(sd)
        for g, values in zip(self.optimizer.param_groups, snapshot[1]):
            g.update(values)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        milestones, n = values["_milestones"], values["n"]
        if (not isinstance(milestones, (list, tuple)) or len(milestones) != n - 1
                or any(isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 1 for m in milestones)
                or list(milestones) != sorted(set(milestones))):
            raise ValueError(f"{where}: milestones must be {n - 1} increasing epochs >= 1 (one fewer than the "
                             f"schedulers), got {milestones!r}")
        return {"_milestones": [int(m) for m in milestones]}

    def step(self) -> None:
        """Advance one epoch: step the schedule of that epoch (or restart it at its milestone)."""
        epoch = self.last_epoch + 1
        k = bisect.bisect_right(self._milestones, epoch)
        sched = self._schedulers[k]
        if k > 0 and self._milestones[k - 1] == epoch:
            sched._restart()
        else:
            sched.step()
        self.last_epoch = epoch
        self._last_lr = sched.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """The position, the latest rates, the milestones and every schedule's state dict."""
        return {"last_epoch": self.last_epoch, "_last_lr": list(self._last_lr), "_milestones": list(self._milestones),
                "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore `state_dict()` (each schedule's by its own load_state_dict; if one refuses,
        those loaded before it are put back)."""
        where = "SequentialLR.load_state_dict"
        keys = {"last_epoch", "_last_lr", "_milestones", "_schedulers"}
        if not isinstance(state_dict, dict) or set(state_dict) != keys:
            got = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{where}: expected keys {sorted(keys)}, got {got}")
        n = len(self._schedulers)
        milestones = self._settings({"_milestones": state_dict["_milestones"], "n": n}, where)["_milestones"]
        epoch = _int_at_least(state_dict["last_epoch"], 0, "last_epoch", where)
        rates, saved = state_dict["_last_lr"], state_dict["_schedulers"]
        if not isinstance(rates, (list, tuple)) or len(rates) != len(self.optimizer.param_groups):
            raise ValueError(f"{where}: _last_lr must hold one rate per param group, got {rates!r}")
        rates = [_rate_number(lr, "_last_lr", where) for lr in rates]
        if not isinstance(saved, (list, tuple)) or len(saved) != n:
            raise ValueError(f"{where}: _schedulers must hold {n} state dicts, got {saved!r}")
        # Each schedule's load puts its own step's values into the groups, and a OneCycleLR's
        # its momenta: one not running now (not started, or done) would leave those of its
        # step, not the ones the steps so far left. The groups' values are put back after.
        before = self._snapshot()
        try:
            for s, sd in zip(self._schedulers, saved):
                s.load_state_dict(sd)
        except Exception:
            self._put_back(before)
            raise
        for g, values in zip(self.optimizer.param_groups, before[1]):
            g.update(values)
        self._milestones, self.last_epoch, self._last_lr = milestones, epoch, rates
        self._set_groups()
        # (the schedule running now sets the momenta last, as its steps did)
        self._schedulers[bisect.bisect_right(milestones, epoch)]._set_extras()


def _rate_number(value: Any, name: str, where: str, low: float = 0.0, high: float = math.inf,
                 closed_high: bool = False, open_low: bool = False) -> float:
    """`value` as a float in the interval from low to high (its ends as the flags say)."""
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real)
          and (low < value if open_low else low <= value)
          and (value <= high if closed_high else value < high))
    if not ok:
        interval = f"{'(' if open_low else '['}{low:g}, {high:g}{']' if closed_high else ')'}"
        raise ValueError(f"{where}: {name} must be a number in {interval}, got {value!r}")
    return float(value)


class MultiStepLR(LRScheduler):
    """Decay by gamma at each milestone epoch.

    Alone, lr = base_lr * gamma ** (number of milestones <= epoch).

    `milestones` is a list of epoch indices (integers >= 0, in any order; one listed n
    times decays by gamma ** n there, as PyTorch's Counter does; a milestone 0 decays
    at construction). The state dict holds them as a sorted list.
    """

    def __init__(self, optimizer: Optimizer, milestones: Any, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise ValueError(f"MultiStepLR: milestones must be a list of epoch indices (integers >= 0), "
                             f"got {milestones!r}")
        vars(self).update(self._settings({"milestones": list(milestones), "gamma": gamma}, "MultiStepLR"))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        milestones = values["milestones"]
        if not isinstance(milestones, (list, tuple)) or not all(
                not isinstance(m, bool) and isinstance(m, numbers.Integral) and m >= 0 for m in milestones):
            raise ValueError(f"{where}: milestones must be a list of epoch indices (integers >= 0), "
                             f"got {milestones!r}")
        return {"milestones": sorted(int(m) for m in milestones), "gamma": _gamma(values["gamma"], where)}

    def _decay(self, lr: float, epoch: int) -> float:
        n = self.milestones.count(epoch)
        return lr * self.gamma ** n if n else lr  # (PyTorch's product: lr * gamma ** n)

    def _first_lr(self, lr: float, base_lr: float, index: int) -> float:
        return self._decay(lr, 0)

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        return self._decay(lr, epoch)


class ExponentialLR(LRScheduler):
    """Decay by gamma every epoch: alone, lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        vars(self).update(self._settings({"gamma": gamma}, "ExponentialLR"))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        return {"gamma": _gamma(values["gamma"], where)}

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        return lr * self.gamma


class LinearLR(LRScheduler):
    """Scale the rate by a factor moving linearly from start_factor to end_factor.

    The factor is start_factor at epoch 0 (set by the constructor) and end_factor
    at epoch total_iters and after: alone,
    lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters).

    The usual warmup: `LinearLR(opt, start_factor=0.1, total_iters=5)`. As in PyTorch,
    0 < start_factor <= 1 and 0 <= end_factor <= 1.
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        vars(self).update(self._settings(
            {"start_factor": start_factor, "end_factor": end_factor, "total_iters": total_iters}, "LinearLR"))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        return {"start_factor": _rate_number(values["start_factor"], "start_factor", where, 0.0, 1.0,
                                             closed_high=True, open_low=True),
                "end_factor": _rate_number(values["end_factor"], "end_factor", where, 0.0, 1.0, closed_high=True),
                "total_iters": _int_at_least(values["total_iters"], 1, "total_iters", where)}

    def _first_lr(self, lr: float, base_lr: float, index: int) -> float:
        return lr * self.start_factor

    def _next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        if epoch > self.total_iters:
            return lr
        s, e = self.start_factor, self.end_factor
        # (PyTorch's recurrence: the ratio of consecutive factors, rounded as it rounds it)
        lr = lr * (1.0 + (e - s) / (self.total_iters * s + (epoch - 1) * (e - s)))
        # With end_factor 0 the last ratio is 1 - s / (s rounded): it can end at -1e-17 * lr.
        return 0.0 if lr < 0.0 else lr  # (a NaN stays NaN)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch), from epoch 0 (set by the constructor) on.

    `lr_lambda` is a function of the epoch (an int) returning a number, or a list of
    such functions, one per param group. Its result times the base rate must be a
    finite rate >= 0 (else a ValueError, before any group changes).

    The state dict cannot hold functions: as in PyTorch, its "lr_lambdas" entry holds,
    for each group, a copy of the `__dict__` of a callable object (an instance of a
    class with `__call__`), which load_state_dict restores into this scheduler's
    object, and None for a plain function or lambda, whose behaviour is the code the
    scheduler was constructed with (a bound method, as in PyTorch, saves its function's
    `__dict__`, not its object's). Loading a state saved from the other kind is refused.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"LambdaLR: expected an Optimizer, got {type(optimizer).__name__}")
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas (one per param group), got {len(lr_lambda)}")
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * n
        for fn in lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda must be a function of the epoch (or a list of them), "
                                f"got {type(fn).__name__}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def _rate(self, index: int, base_lr: float, epoch: int) -> float:
        factor = self.lr_lambdas[index](epoch)
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
            raise TypeError(f"LambdaLR: lr_lambda({epoch}) of param group {index} must return a number, "
                            f"got {factor!r}")
        lr = base_lr * factor  # (PyTorch's product)
        if not 0 <= lr < math.inf:
            raise ValueError(f"LambdaLR: lr_lambda({epoch}) of param group {index} returned {factor!r}: the rate "
                             f"{base_lr!r} * {factor!r} = {lr!r} is not a finite number >= 0")
        return float(lr)

    def _first_lr(self, lr: float, base_lr: float, index: int) -> float:
        return self._rate(index, base_lr, 0)

    def _next_lrs(self, epoch: int) -> list[float]:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.lr_lambdas):
            raise ValueError(f"LambdaLR: the optimizer has {len(groups)} param groups but the scheduler "
                             f"{len(self.lr_lambdas)} lr_lambdas (was a group added after it was made?)")
        return [self._rate(i, base, epoch) for i, base in enumerate(self.base_lrs)]

    @staticmethod
    def _state_of(fn: Any) -> dict[str, Any] | None:
        """What the state dict holds for `fn`: None for a function, else its `__dict__`."""
        return None if isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__") else dict(vars(fn))

    def state_dict(self) -> dict[str, Any]:
        """Position, latest rates, and the callable objects' `__dict__` (None for functions)."""
        state = {k: (list(v) if isinstance(v, list) else v) for k, v in vars(self).items()
                 if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [self._state_of(fn) for fn in self.lr_lambdas]
        return state

    def _settings(self, values: dict[str, Any], where: str) -> dict[str, Any]:
        saved = values["lr_lambdas"]
        if not isinstance(saved, (list, tuple)) or len(saved) != len(self.lr_lambdas):
            raise ValueError(f"{where}: lr_lambdas must be a list of {len(self.lr_lambdas)} entries (one per "
                             f"param group), got {saved!r}")
        for i, (entry, fn) in enumerate(zip(saved, self.lr_lambdas)):
            mine = self._state_of(fn)
            if entry is None and mine is None:
                continue
            if mine is None:
                raise ValueError(f"{where}: lr_lambdas[{i}] holds the state of a callable object, but this "
                                 f"scheduler's lr_lambda for group {i} is a plain function, which has none")
            if not isinstance(entry, dict) or not all(isinstance(k, str) for k in entry):
                raise ValueError(f"{where}: lr_lambdas[{i}] must be the __dict__ of the callable "
                                 f"{type(fn).__name__} (a dict with str keys), got {entry!r}")
        return {"lr_lambdas": saved}

    def _restore(self, settings: dict[str, Any]) -> None:
        for fn, entry in zip(self.lr_lambdas, settings["lr_lambdas"]):
            if entry is not None:
                vars(fn).update(entry)


class ReduceLROnPlateau(LRScheduler):
    """Reduce the rate when a metric has stopped improving: `step(metric)` once per epoch.

    A metric better than the best so far (mode 'min': below best * (1 - threshold) for
    threshold_mode 'rel', below best - threshold for 'abs'; mode 'max' the mirror
    image) resets the count of bad epochs; once more than `patience` epochs in a row
    were not better, each group's rate becomes max(lr * factor, min_lr) (unless that
    changes it by eps or less), and the next `cooldown` epochs count no bad epochs.
    `min_lr` is a number, or a list with one per param group. As in PyTorch, a NaN
    metric is never better (a bad epoch). The groups' rates are taken as they are:
    unlike the epoch schedules it sets no "initial_lr".
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"ReduceLROnPlateau: expected {n} min_lrs (one per param group), got {len(min_lr)}")
            default, min_lrs = None, list(min_lr)
        else:
            default, min_lrs = min_lr, [min_lr] * n
        vars(self).update(self._settings(
            {"mode": mode, "factor": factor, "patience": patience, "threshold": threshold,
             "threshold_mode": threshold_mode, "cooldown": cooldown, "min_lrs": min_lrs,
             "default_min_lr": default, "eps": eps}, "ReduceLROnPlateau"))
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @staticmethod
    def _settings(values: dict[str, Any], where: str) -> dict[str, Any]:
        mode, threshold_mode = values["mode"], values["threshold_mode"]
        if mode not in ("min", "max") or not isinstance(mode, str):
            raise ValueError(f"{where}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs") or not isinstance(threshold_mode, str):
            raise ValueError(f"{where}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        min_lrs, default = values["min_lrs"], values["default_min_lr"]
        if not isinstance(min_lrs, (list, tuple)):
            raise ValueError(f"{where}: min_lrs must be a list of rates, got {min_lrs!r}")
        return {
            "mode": mode, "threshold_mode": threshold_mode,
            "factor": _rate_number(values["factor"], "factor", where, 0.0, 1.0),
            "patience": _int_at_least(values["patience"], 0, "patience", where),
            "threshold": _rate_number(values["threshold"], "threshold", where),
            "cooldown": _int_at_least(values["cooldown"], 0, "cooldown", where),
            "min_lrs": [_rate_number(m, "min_lr", where) for m in min_lrs],
            "default_min_lr": None if default is None else _rate_number(default, "min_lr", where),
            "eps": _rate_number(values["eps"], "eps", where),
        }

    @property
    def mode_worse(self) -> float:
        """The worst metric of the mode (the best before the first step)."""
        return math.inf if self.mode == "min" else -math.inf

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Take the epoch's metric (a number, or a one-element tensor or array)."""
        if isinstance(metrics, (Tensor, np.ndarray)) and metrics.size == 1:
            metrics = metrics.item()
        if isinstance(metrics, bool) or not isinstance(metrics, numbers.Real):
            shape = f" of shape {tuple(metrics.shape)}" if isinstance(metrics, (Tensor, np.ndarray)) else ""
            raise TypeError(f"ReduceLROnPlateau.step: metrics must be a number (or a one-element tensor), "
                            f"got {type(metrics).__name__}{shape}")
        current = float(metrics)
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):  # (a group added since: checked before anything changes)
            if self.default_min_lr is None:
                raise ValueError(f"ReduceLROnPlateau.step: the optimizer has {len(groups)} param groups but "
                                 f"min_lr lists {len(self.min_lrs)} (was a group added?); set min_lrs to "
                                 f"one rate per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # (bad epochs in cooldown do not count)
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in groups]

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore `state_dict()`, and its latest rates into the groups.

        Every entry is checked (by the constructor's rules) before anything changes."""
        where = "ReduceLROnPlateau.load_state_dict"
        expected = set(self.state_dict())
        if not isinstance(state_dict, dict) or set(state_dict) != expected:
            got = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{where}: expected keys {sorted(expected)}, got {got}")
        settings = self._settings(state_dict, where)
        n = len(self.optimizer.param_groups)
        if settings["default_min_lr"] is None and len(settings["min_lrs"]) != n:
            raise ValueError(f"{where}: min_lrs must hold {n} rates (one per param group), "
                             f"got {state_dict['min_lrs']!r}")
        rates = state_dict["_last_lr"]
        if not isinstance(rates, (list, tuple)) or len(rates) != n:
            raise ValueError(f"{where}: _last_lr must be a list of {n} rates (one per param group), got {rates!r}")
        settings["_last_lr"] = [_rate_number(lr, "_last_lr", where) for lr in rates]
        for key in ("last_epoch", "cooldown_counter", "num_bad_epochs"):
            settings[key] = _int_at_least(state_dict[key], 0, key, where)
        best = state_dict["best"]
        if isinstance(best, bool) or not isinstance(best, numbers.Real) or math.isnan(best):
            raise ValueError(f"{where}: best must be a number (or the mode's infinity), got {best!r}")
        settings["best"] = float(best)
        vars(self).update(settings)
        self._set_groups()
