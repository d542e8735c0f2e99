"""Channel-rearranging layers: PixelShuffle, PixelUnshuffle and ChannelShuffle
(F.pixel_shuffle, F.pixel_unshuffle and F.channel_shuffle as modules)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from ._common import _input
from .functional.shapes import _factor
from .module import Module


class PixelShuffle(Module):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r), r = upscale_factor: F.pixel_shuffle."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = _factor(upscale_factor, "upscale_factor", "PixelShuffle")

    def forward(self, x: Any) -> Tensor:
        return F.pixel_shuffle(_input(self, x), self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), r = downscale_factor: F.pixel_unshuffle."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = _factor(downscale_factor, "downscale_factor", "PixelUnshuffle")

    def forward(self, x: Any) -> Tensor:
        return F.pixel_unshuffle(_input(self, x), self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """(N, C, *) -> same shape, the channels of `groups` groups interleaved: F.channel_shuffle."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = _factor(groups, "groups", "ChannelShuffle")

    def forward(self, x: Any) -> Tensor:
        return F.channel_shuffle(_input(self, x), self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
