"""am.accelerator: PyTorch's torch.accelerator questions, answered for a numpy library
(no accelerator here), so the quickstart tutorial's device line ports and picks 'cpu':

    device = am.accelerator.current_accelerator().type if am.accelerator.is_available() else "cpu"
"""

from __future__ import annotations

from typing import Any


def is_available() -> bool:
    """False: autograd_mini computes on the CPU with numpy."""
    return False


def current_accelerator(check_available: bool = False) -> Any:
    """None: there is no accelerator (torch's answer on a CPU-only machine)."""
    return None


def device_count() -> int:
    """0: there are no accelerator devices here."""
    return 0
