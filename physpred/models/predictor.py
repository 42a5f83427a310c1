"""Predictors: context tokens (B, C', N, D) and latent z (B, Z) -> future tokens (B, M', N, D).

Both predict the *change* from the last context step (the output layer starts at zero), so
copying the last representation is the starting point and learning goes into motion. z enters
through zero-initialised FiLM / additive projections, so z = 0 is the deterministic prediction.
"""

from __future__ import annotations

import math

import torch
from einops import rearrange, repeat
from torch import Tensor, nn

from physpred.models.blocks import TransformerBlock


def _steps(frames: int, tubelet_size: int, name: str) -> int:
    if frames % tubelet_size:
        raise ValueError(
            f"{name}={frames} is not divisible by tubelet_size={tubelet_size}; "
            f"change data.{name} or the tubelet size"
        )
    return frames // tubelet_size


class ResidualConvBlock(nn.Module):
    """GroupNorm -> GELU -> dilated 3x3 conv, FiLM-modulated by z, added to the input.

    Args:
        width: channels.
        dilation: conv dilation.
        latent_dim: Z (0: no modulation).
        groups: GroupNorm groups.
    """

    def __init__(self, *, width: int, dilation: int, latent_dim: int, groups: int) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(groups, width)
        self.conv = nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation)
        self.film = nn.Linear(latent_dim, 2 * width) if latent_dim else None
        if self.film is not None:
            nn.init.zeros_(self.film.weight)
            nn.init.zeros_(self.film.bias)

    def forward(self, x: Tensor, z: Tensor) -> Tensor:
        """Args: x (B, W, h, w); z (B, Z). Returns (B, W, h, w)."""
        h = self.norm(x)
        if self.film is not None:
            scale, shift = rearrange(self.film(z), "b (two c) -> two b c 1 1", two=2)
            h = h * (1 + scale) + shift
        return x + self.conv(nn.functional.gelu(h))


class ConvPredictor(nn.Module):
    """CPU-friendly predictor: time folded into channels on the token grid, dilated conv stack.

    Args:
        dim: token width D (must equal the encoder's).
        context_frames: C (linked from ``data.context_frames``).
        future_frames: M (linked from ``data.future_frames``).
        latent_dim: Z (0 = deterministic).
        width: hidden channels.
        dilations: one residual block per entry.
        groups: GroupNorm groups.
    """

    tubelet_size = 1

    def __init__(
        self,
        *,
        dim: int = 64,
        context_frames: int = 8,
        future_frames: int = 4,
        latent_dim: int = 4,
        width: int = 128,
        dilations: tuple[int, ...] = (1, 2, 4, 1, 2, 4),
        groups: int = 8,
    ) -> None:
        super().__init__()
        self.dim, self.latent_dim = dim, latent_dim
        self.context_frames, self.future_frames = context_frames, future_frames
        self.stem = nn.Conv2d(context_frames * dim, width, 1)
        self.blocks = nn.ModuleList(
            ResidualConvBlock(width=width, dilation=d, latent_dim=latent_dim, groups=groups)
            for d in dilations
        )
        self.head = nn.Sequential(
            nn.GroupNorm(groups, width), nn.GELU(), nn.Conv2d(width, future_frames * dim, 1)
        )
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, context: Tensor, z: Tensor) -> Tensor:
        """Args: context (B, C, N, D) tokens on a square grid; z (B, Z). Returns (B, M, N, D)."""
        side = math.isqrt(context.shape[2])
        x = self.stem(rearrange(context, "b c (h w) d -> b (c d) h w", h=side))  # (B, W, h, w)
        for block in self.blocks:
            x = block(x, z)
        delta = rearrange(self.head(x), "b (m d) h w -> b m (h w) d", m=self.future_frames)
        return context[:, -1:] + delta


class TransformerPredictor(nn.Module):
    """Transformer predictor for the ViT: context tokens plus future queries, full attention.

    Future queries start as the last context step's tokens plus a learned time embedding; z is
    projected and added to every token.

    Args:
        dim: token width D of the encoder.
        context_frames: C frames (linked from data); C / tubelet_size steps.
        future_frames: M frames (linked from data); M / tubelet_size steps.
        latent_dim: Z (0 = deterministic).
        width: internal width.
        depth: transformer blocks.
        heads: attention heads.
        tubelet_size: frames per encoder step (must equal the encoder's).
    """

    def __init__(
        self,
        *,
        dim: int = 192,
        context_frames: int = 8,
        future_frames: int = 4,
        latent_dim: int = 4,
        width: int = 192,
        depth: int = 4,
        heads: int = 3,
        tubelet_size: int = 1,
    ) -> None:
        super().__init__()
        self.dim, self.latent_dim, self.tubelet_size = dim, latent_dim, tubelet_size
        self.context_frames, self.future_frames = context_frames, future_frames
        self.context_steps = _steps(context_frames, tubelet_size, "context_frames")
        self.future_steps = _steps(future_frames, tubelet_size, "future_frames")
        self.time = nn.Parameter(torch.zeros(self.context_steps + self.future_steps, width))
        nn.init.trunc_normal_(self.time, std=0.02)
        self.inp = nn.Linear(dim, width)
        self.z_proj = nn.Linear(latent_dim, width) if latent_dim else None
        if self.z_proj is not None:
            nn.init.zeros_(self.z_proj.weight)
            nn.init.zeros_(self.z_proj.bias)
        self.blocks = nn.ModuleList(TransformerBlock(dim=width, heads=heads) for _ in range(depth))
        self.norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, dim)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, context: Tensor, z: Tensor) -> Tensor:
        """Args: context (B, C', N, D); z (B, Z). Returns (B, M', N, D)."""
        n = context.shape[2]
        queries = repeat(context[:, -1], "b n d -> b m n d", m=self.future_steps)
        x = self.inp(torch.cat([context, queries], dim=1))  # (B, C'+M', N, W)
        x = x + self.time[None, :, None]
        if self.z_proj is not None:
            x = x + self.z_proj(z)[:, None, None]
        x = rearrange(x, "b t n w -> b (t n) w")
        for block in self.blocks:
            x = block(x)
        future = rearrange(self.norm(x), "b (t n) w -> b t n w", n=n)[:, self.context_steps :]
        return context[:, -1:] + self.out(future)
