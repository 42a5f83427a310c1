"""WarpPredictor: predicts the future by moving context content, not by painting it anew.

An object that was hidden for several frames must come back as it looked when it was last
seen, where its motion takes it. A predictor that paints the future from scratch has to learn
that for every shape and colour; one that copies content from a chosen context frame through a
predicted displacement gets it for free. For each future step and each context step the
U-Net backbone predicts a displacement field and a weight (softmax over context steps); the
prediction is the weighted sum of the displaced context grids plus a zero-initialised
correction for what no context frame shows (a novel view, a shadow).
"""

from __future__ import annotations

import math

import torch
from einops import rearrange
from torch import Tensor, nn

from physpred.models.unet import UNetPredictor

LAST_FRAME_BIAS = 4.0
"""Initial weight logit of the last context step: the untrained predictor copies the last step
(softmax weight e^4 / (e^4 + C - 1), 0.9 for C = 8) with a little of the earlier ones."""


def displace(grids: Tensor, flow: Tensor) -> Tensor:
    """Sample each grid at its cells moved by ``flow`` (bilinear, borders repeated).

    Args:
        grids: (B, D, h, w).
        flow: (B, 2, h, w) displacement in cells, (x, y).

    Returns:
        (B, D, h, w): out[..., i, j] = grids at (j + flow_x, i + flow_y).
    """
    b, _, h, w = grids.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, device=grids.device, dtype=grids.dtype),
        torch.arange(w, device=grids.device, dtype=grids.dtype),
        indexing="ij",
    )
    x = (xs + flow[:, 0]) * (2.0 / max(w - 1, 1)) - 1.0  # (B, h, w) in [-1, 1]
    y = (ys + flow[:, 1]) * (2.0 / max(h - 1, 1)) - 1.0
    grid = torch.stack([x, y], dim=-1)  # (B, h, w, 2)
    return nn.functional.grid_sample(grids, grid, mode="bilinear", padding_mode="border", align_corners=True)


class WarpPredictor(UNetPredictor):
    """U-Net backbone whose head moves context content: flow + context-step weights + correction.

    Args: as :class:`physpred.models.unet.UNetPredictor` (only the head differs).
    """

    def head_channels(self) -> int:
        """Per future step, (flow x, flow y, weight logit) per context step, then a correction."""
        return self.future_frames * (3 * self.context_frames + self.dim)

    def init_head(self, out: nn.Conv2d) -> None:
        """Zero flow and correction; the weight logits favour the last context step."""
        super().init_head(out)
        c, m = self.context_frames, self.future_frames
        with torch.no_grad():
            out.bias[: m * 3 * c].view(m, c, 3)[:, -1, 2] = LAST_FRAME_BIAS

    def forward(self, context: Tensor, z: Tensor) -> Tensor:
        """Args: context (B, C, N, D) tokens on a square grid; z (B, Z). Returns (B, M, N, D)."""
        b, c, n, d = context.shape
        side = math.isqrt(n)
        out = self.head(self.features(context, z))  # (B, M (3C + D), h, w)
        m = self.future_frames
        moves = rearrange(out[:, : m * 3 * c], "b (m c k) h w -> b m c k h w", m=m, c=c, k=3)
        correction = rearrange(out[:, m * 3 * c :], "b (m d) h w -> b m (h w) d", m=m)
        grids = rearrange(context, "b c (h w) d -> b c d h w", h=side)
        moved = displace(
            rearrange(grids[:, None].expand(-1, m, -1, -1, -1, -1), "b m c d h w -> (b m c) d h w"),
            rearrange(moves[:, :, :, :2], "b m c k h w -> (b m c) k h w"),
        )
        moved = rearrange(moved, "(b m c) d h w -> b m c d h w", b=b, m=m)
        weights = moves[:, :, :, 2:].softmax(dim=2)  # (B, M, C, 1, h, w)
        blended = rearrange((weights * moved).sum(dim=2), "b m d h w -> b m (h w) d")
        return blended + correction
