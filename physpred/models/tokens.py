"""Token grids: layer normalisation of representations and pixel frames as patches."""

from __future__ import annotations

from einops import rearrange
from torch import Tensor, nn


def normalize_tokens(tokens: Tensor) -> Tensor:
    """Layer-normalise each token over D (no affine): the scale of targets cannot shrink."""
    return nn.functional.layer_norm(tokens, tokens.shape[-1:])


def patchify(frames: Tensor, patch_size: int) -> Tensor:
    """Pixel frames as tokens: (B, T, 3, H, W) -> (B, T, N, 3 p^2), N = (H/p)(W/p)."""
    return rearrange(frames, "b t c (h p) (w q) -> b t (h w) (p q c)", p=patch_size, q=patch_size)
