"""PyTorch's process-wide settings that ported scripts call while seeding or timing:
am.set_num_threads / get_num_threads and am.use_deterministic_algorithms /
are_deterministic_algorithms_enabled.

Neither changes what autograd_mini computes. Its operations run on one thread,
except numpy's BLAS (matrix products), whose thread count numpy fixes when it is
imported (set OPENBLAS_NUM_THREADS or OMP_NUM_THREADS before starting Python).
And numpy on the CPU gives the same bits on every run, so every algorithm here is
deterministic already."""

from __future__ import annotations

import numbers
import os

from .tensor import _flag

_settings = {"threads": os.cpu_count() or 1, "deterministic": False, "warn_only": False}


def set_num_threads(n: int) -> None:
    """Record n (an int >= 1) as the thread count get_num_threads returns. It changes
    nothing (see the module docstring: BLAS threads are set before numpy is imported)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"set_num_threads: expected an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads: the number of threads must be at least 1, got {n}")
    _settings["threads"] = int(n)


def get_num_threads() -> int:
    """The count set_num_threads last recorded (at first, the machine's number of CPUs)."""
    return _settings["threads"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag that are_deterministic_algorithms_enabled returns. Every operation
    here is deterministic already, so neither value changes anything or raises later."""
    _settings["deterministic"] = _flag(mode, "mode", "use_deterministic_algorithms")
    _settings["warn_only"] = _flag(warn_only, "warn_only", "use_deterministic_algorithms")


def are_deterministic_algorithms_enabled() -> bool:
    """The flag use_deterministic_algorithms last set (False at first)."""
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The warn_only flag use_deterministic_algorithms last set (False at first)."""
    return _settings["warn_only"]
