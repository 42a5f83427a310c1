"""Distances D(prediction, target) between token grids: the energy of a predicted future.

A distance maps two (B, M, N, D) grids to (B,) per-sample energies. Select one in YAML with
``distance: {class_path: physpred.models.L2Distance}``; a new one is a small ``nn.Module`` with
the same ``forward``.
"""

from __future__ import annotations

import math

import torch
from einops import rearrange
from torch import Tensor, nn

MULTISCALE_FACTORS = (1, 2, 4, 8)
"""Pooling factors of ``MultiscaleL2Distance`` over the token grid (those that divide its side)."""


class L2Distance(nn.Module):
    """Mean squared difference over future steps, tokens and width."""

    def forward(self, prediction: Tensor, target: Tensor) -> Tensor:
        """(B, M, N, D), (B, M, N, D) -> (B,)."""
        return (prediction - target).pow(2).flatten(1).mean(dim=1)


class L1Distance(nn.Module):
    """Mean absolute difference over future steps, tokens and width (V-JEPA's surprise)."""

    def forward(self, prediction: Tensor, target: Tensor) -> Tensor:
        """(B, M, N, D), (B, M, N, D) -> (B,)."""
        return (prediction - target).abs().flatten(1).mean(dim=1)


class MultiscaleL2Distance(nn.Module):
    """Mean over pooling factors k of the mean squared difference of average-pooled grids,
    each weighted by its pooled area k².

    Full-resolution L2 rewards a predictor that is unsure where an object comes out from
    behind a screen for predicting a faint smear, and the smear costs an impossible "vanish"
    movie less than the object costs the possible one; the pooled scales
    (:data:`MULTISCALE_FACTORS`) reward putting the object's mass in the right region, so they
    shrink that advantage. The weight k² keeps them in the sum: pooling averages a one-token
    object's error over k² tokens, squaring shrinks it by k⁴ and the mean over k² times fewer
    cells gives back only k², so unweighted the coarse scales would barely count. Weighted, a
    missing object costs the same at every scale, while one put a token off (in the same coarse
    cells) costs nothing at the coarse scales: a slightly misplaced object costs less than a
    missing one.
    """

    def forward(self, prediction: Tensor, target: Tensor) -> Tensor:
        """(B, M, N, D), (B, M, N, D) on a square grid -> (B,)."""
        diff = prediction - target
        side = math.isqrt(diff.shape[2])
        grid = rearrange(diff, "b m (h w) d -> (b m) d h w", h=side)
        errors = [
            k * k * nn.functional.avg_pool2d(grid, k).pow(2).flatten(1).mean(dim=1)
            for k in MULTISCALE_FACTORS
            if side % k == 0
        ]
        return rearrange(torch.stack(errors).mean(dim=0), "(b m) -> b m", b=diff.shape[0]).mean(dim=1)
