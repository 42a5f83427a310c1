"""Energies: distances between predicted and target token grids, pixel-space targets."""

from __future__ import annotations

import math
from typing import Literal

import torch
from einops import rearrange
from torch import Tensor, nn

Distance = Literal["l1", "l2", "multiscale_l2"]

MULTISCALE_FACTORS = (1, 2, 4, 8)
"""Pooling factors of ``multiscale_l2`` over the token grid (those that divide its side)."""


def token_energy(prediction: Tensor, target: Tensor, distance: Distance = "l2") -> Tensor:
    """Per-sample energy: mean over future steps, tokens and width.

    ``multiscale_l2`` averages the mean squared error of the grids average-pooled by each of
    :data:`MULTISCALE_FACTORS`. Full-resolution L2 rewards a predictor that is unsure where an
    object comes out from behind a screen for predicting a faint smear, and the smear costs an
    impossible "vanish" movie less than the object costs the possible one; the pooled scales
    reward putting the object's mass in the right region, so they shrink that advantage.

    Args:
        prediction: (B, M, N, D) (N a square grid for ``multiscale_l2``).
        target: (B, M, N, D).
        distance: "l1" (mean absolute), "l2" (mean squared) or "multiscale_l2".

    Returns:
        (B,) energies.
    """
    diff = prediction - target
    if distance == "multiscale_l2":
        return multiscale_sq_error(diff)
    err = diff.abs() if distance == "l1" else diff.pow(2)
    return err.flatten(1).mean(dim=1)


def multiscale_sq_error(diff: Tensor) -> Tensor:
    """Mean over pooling factors of the mean squared average-pooled difference.

    Args:
        diff: (B, M, N, D) on a square grid.

    Returns:
        (B,).
    """
    side = math.isqrt(diff.shape[2])
    grid = rearrange(diff, "b m (h w) d -> (b m) d h w", h=side)
    errors = [
        nn.functional.avg_pool2d(grid, k).pow(2).flatten(1).mean(dim=1)
        for k in MULTISCALE_FACTORS
        if side % k == 0
    ]
    return rearrange(torch.stack(errors).mean(dim=0), "(b m) -> b m", b=diff.shape[0]).mean(dim=1)


def normalize_tokens(tokens: Tensor) -> Tensor:
    """Layer-normalise each token over D (no affine): the scale of targets cannot shrink."""
    return nn.functional.layer_norm(tokens, tokens.shape[-1:])


def patchify(frames: Tensor, patch_size: int) -> Tensor:
    """Pixel frames as tokens: (B, T, 3, H, W) -> (B, T, N, 3 p^2), N = (H/p)(W/p)."""
    return rearrange(frames, "b t c (h p) (w q) -> b t (h w) (p q c)", p=patch_size, q=patch_size)


class PixelHead(nn.Module):
    """Token grid -> pixel patches, for pixel-space energy (the baseline).

    The head is zero-initialised and its output is added to the last context frame, so the
    untrained model copies the last frame.

    Args:
        dim: token width D of the predictor's output.
        patch_size: pixels per token side p (the encoder's total stride).
    """

    def __init__(self, *, dim: int = 64, patch_size: int = 8) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 3 * patch_size**2))
        nn.init.zeros_(self.proj[1].weight)
        nn.init.zeros_(self.proj[1].bias)

    def forward(self, tokens: Tensor, last_frame: Tensor) -> Tensor:
        """Args: tokens (B, M, N, D); last_frame (B, 3, H, W) in [-1, 1].

        Returns:
            predicted pixel patches (B, M, N, 3 p^2).
        """
        base = patchify(last_frame[:, None], self.patch_size)  # (B, 1, N, 3 p^2)
        return base + self.proj(tokens)

