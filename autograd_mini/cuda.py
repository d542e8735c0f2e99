"""am.cuda: PyTorch's torch.cuda questions, answered for a numpy library (no GPU here).

So `device = 'cuda' if am.cuda.is_available() else 'cpu'` picks 'cpu', and a seeding
helper's `torch.cuda.manual_seed_all(seed)` ports: as torch's without CUDA, it is
silently ignored (am.manual_seed seeds what is drawn here)."""

from __future__ import annotations

from typing import Any

from .creation import _seed


def is_available() -> bool:
    """False: autograd_mini computes on the CPU with numpy."""
    return False


def device_count() -> int:
    """0: there are no CUDA devices here."""
    return 0


def manual_seed(seed: Any) -> None:
    """Nothing to seed (torch ignores it without CUDA too); the seed is checked (an int >= 0)."""
    _seed(seed, "cuda.manual_seed")


def manual_seed_all(seed: Any) -> None:
    """As manual_seed: nothing to seed; the seed is checked (an int >= 0)."""
    _seed(seed, "cuda.manual_seed_all")
