"""Energies: distances between predicted and target token grids, pixel-space targets."""

from __future__ import annotations

from typing import Literal

from einops import rearrange
from torch import Tensor, nn

Distance = Literal["l1", "l2"]


def token_energy(prediction: Tensor, target: Tensor, distance: Distance = "l2") -> Tensor:
    """Per-sample energy: mean over future steps, tokens and width.

    Args:
        prediction: (B, M, N, D).
        target: (B, M, N, D).
        distance: "l1" (mean absolute) or "l2" (mean squared).

    Returns:
        (B,) energies.
    """
    diff = prediction - target
    err = diff.abs() if distance == "l1" else diff.pow(2)
    return err.flatten(1).mean(dim=1)


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

