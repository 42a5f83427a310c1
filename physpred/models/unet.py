"""UNetPredictor: a convolutional U-Net over fine token grids.

The dilated ConvPredictor works at one resolution; on a fine grid (small patches, where small
objects span a few tokens) it needs many layers to see where an object came from. The U-Net
reads motion at coarse levels and puts it back at full resolution through skip connections.
"""

from __future__ import annotations

import math

import torch
from einops import rearrange
from torch import Tensor, nn

from physpred.models.predictor import ResidualConvBlock


class UNetPredictor(nn.Module):
    """Context tokens on a square grid -> future tokens, time folded into channels.

    Each level halves the grid and runs one residual block (FiLM-modulated by z) on the way
    down and one on the way up; the bottom runs two dilated blocks. Like the other predictors it
    predicts the change from the last context step, from a zero-initialised output layer.

    Args:
        dim: token width D (must equal the encoder's).
        context_frames: C (linked from ``data.context_frames``).
        future_frames: M (linked from ``data.future_frames``).
        latent_dim: Z (0 = deterministic).
        widths: channels per level, finest first; the grid side must be divisible by
            2 ** (len(widths) - 1).
        groups: GroupNorm groups (must divide every width).
    """

    tubelet_size = 1

    def __init__(
        self,
        *,
        dim: int = 32,
        context_frames: int = 8,
        future_frames: int = 4,
        latent_dim: int = 4,
        widths: tuple[int, ...] = (32, 64, 128),
        groups: int = 8,
    ) -> None:
        super().__init__()
        self.dim, self.latent_dim = dim, latent_dim
        self.context_frames, self.future_frames = context_frames, future_frames
        self.levels = len(widths)

        def block(width: int, dilation: int = 1) -> ResidualConvBlock:
            return ResidualConvBlock(width=width, dilation=dilation, latent_dim=latent_dim, groups=groups)

        self.stem = nn.Conv2d(context_frames * dim, widths[0], 1)
        self.down_blocks = nn.ModuleList(block(w) for w in widths[:-1])
        self.downs = nn.ModuleList(
            nn.Conv2d(a, b, 4, stride=2, padding=1) for a, b in zip(widths[:-1], widths[1:], strict=True)
        )
        self.bottom = nn.ModuleList([block(widths[-1], 1), block(widths[-1], 2)])
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(b, a, 4, stride=2, padding=1) for a, b in zip(widths[:-1], widths[1:], strict=True)
        )
        self.merges = nn.ModuleList(nn.Conv2d(2 * w, w, 1) for w in widths[:-1])
        self.up_blocks = nn.ModuleList(block(w) for w in widths[:-1])
        self.head = nn.Sequential(
            nn.GroupNorm(groups, widths[0]), nn.GELU(), nn.Conv2d(widths[0], self.head_channels(), 1)
        )
        self.init_head(self.head[-1])

    def head_channels(self) -> int:
        """Output channels of the head: the change of every future step's tokens, M D."""
        return self.future_frames * self.dim

    def init_head(self, out: nn.Conv2d) -> None:
        """Zero the head's last layer: the untrained predictor copies the last context step."""
        nn.init.zeros_(out.weight)
        nn.init.zeros_(out.bias)

    def forward(self, context: Tensor, z: Tensor) -> Tensor:
        """Args: context (B, C, N, D) tokens on a square grid; z (B, Z). Returns (B, M, N, D)."""
        delta = rearrange(self.head(self.features(context, z)), "b (m d) h w -> b m (h w) d", m=self.future_frames)
        return context[:, -1:] + delta

    def features(self, context: Tensor, z: Tensor) -> Tensor:
        """The backbone: context (B, C, N, D), z (B, Z) -> full-resolution features (B, W0, h, w)."""
        side = math.isqrt(context.shape[2])
        if side % 2 ** (self.levels - 1):
            raise ValueError(
                f"a {side}x{side} token grid cannot be halved {self.levels - 1} times: "
                "use fewer predictor widths or another frame size / encoder stride"
            )
        x = self.stem(rearrange(context, "b c (h w) d -> b (c d) h w", h=side))
        skips = []
        for block, down in zip(self.down_blocks, self.downs, strict=True):
            x = block(x, z)
            skips.append(x)
            x = down(x)
        for block in self.bottom:
            x = block(x, z)
        for up, merge, block in zip(self.ups[::-1], self.merges[::-1], self.up_blocks[::-1], strict=True):
            x = merge(torch.cat([up(x), skips.pop()], dim=1))
            x = block(x, z)
        return x

