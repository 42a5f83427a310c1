"""Transformer building blocks shared by the ViT encoder and the transformer predictor."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class TransformerBlock(nn.Module):
    """Pre-norm self-attention block; the unit FSDP wraps (``auto_wrap_policy``).

    Args:
        dim: token width D.
        heads: attention heads (D must be divisible by it).
        mlp_ratio: hidden width of the MLP as a multiple of D.
    """

    def __init__(self, *, dim: int, heads: int, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: Tensor) -> Tensor:
        """Args: x (B, L, D). Returns (B, L, D)."""
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


def sincos_positions_2d(height: int, width: int, dim: int) -> Tensor:
    """Fixed 2-D sine-cosine position embedding.

    Args:
        height: grid rows.
        width: grid columns.
        dim: embedding width D (divisible by 4).

    Returns:
        (height * width, D) float32, row-major like ``(h w)``.
    """
    if dim % 4:
        raise ValueError(f"sincos_positions_2d needs dim divisible by 4, got {dim}")
    quarter = dim // 4
    freqs = torch.exp(-math.log(10000.0) * torch.arange(quarter) / quarter)  # (D/4,)
    rows, cols = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    row = rows.flatten()[:, None].float() * freqs  # (N, D/4)
    col = cols.flatten()[:, None].float() * freqs  # (N, D/4)
    return torch.cat([row.sin(), row.cos(), col.sin(), col.cos()], dim=1)
