"""am.backends: PyTorch's torch.backends flags that ported scripts read or set.

am.backends.mps.is_available() is False (no Apple GPU here either); the cudnn flags
(`am.backends.cudnn.deterministic = True`, `benchmark = False`, as seeding helpers set
them) may be set and change nothing: numpy on the CPU is deterministic already."""

from __future__ import annotations


class mps:  # noqa: N801 (torch's name)
    """torch.backends.mps: Apple's GPU backend, not available here."""

    @staticmethod
    def is_available() -> bool:
        """False: autograd_mini computes on the CPU with numpy."""
        return False

    @staticmethod
    def is_built() -> bool:
        """False: there is no MPS backend here."""
        return False


class cudnn:  # noqa: N801 (torch's name)
    """torch.backends.cudnn: flags that may be set and change nothing here."""

    deterministic = False
    benchmark = False
    enabled = True

    @staticmethod
    def is_available() -> bool:
        """False: there is no cuDNN here."""
        return False
