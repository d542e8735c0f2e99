"""Upsample: resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) inputs with F.interpolate."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, _flag
from . import functional as F
from ._common import _input
from .module import Module


class Upsample(Module):
    """Resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) inputs by a size or a scale_factor
    (exactly one), mode 'nearest' (default), 'nearest-exact', 'linear' (3-D), 'bilinear' or
    'bicubic' (4-D), 'trilinear' (5-D), with align_corners for the last four: F.interpolate,
    whose docstring gives the maths. Output (N, C, OL), (N, C, OH, OW) or (N, C, OD, OH, OW)."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError(f"Upsample: pass exactly one of size and scale_factor, got "
                             f"{'both' if size is not None else 'neither'}")
        if not isinstance(mode, str) or mode not in F._INTERPOLATE_MODES:
            raise ValueError(f"Upsample: mode must be one of {F._INTERPOLATE_MODES}, got {mode!r}")
        if align_corners is not None:
            _flag(align_corners, "align_corners", "Upsample")
            if mode not in F._SMOOTH_MODES:
                raise ValueError(f"Upsample: align_corners can only be set with mode 'linear', "
                                 f"'bilinear', 'bicubic' or 'trilinear', got mode {mode!r}")
        self.size = tuple(size) if isinstance(size, list) else size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(s) if F._is_real(s) else s for s in scale_factor)
        else:  # (stored as a float, as PyTorch's)
            self.scale_factor = float(scale_factor) if F._is_real(scale_factor) else scale_factor
        self.mode, self.align_corners, self.recompute_scale_factor = mode, align_corners, recompute_scale_factor

    def forward(self, x: Any) -> Tensor:
        return F.interpolate(_input(self, x), self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return info + f", mode={self.mode!r}"
