"""Perception without labels: slot attention over each frame, trained by reconstruction.

A small CNN encodes each frame (pooled to a grid) to a grid of features with a position code; slot attention
(Locatello et al. 2020) lets K slots compete for the grid cells; a spatial-broadcast decoder (a per-cell MLP)
draws each slot's colour and alpha, and the alphas, normalised over slots, are soft masks.
Slots of frame t start from those of frame t - 1, so a slot follows its thing through the clip.
The masks give each slot the same percept features as the world's masks do
(:func:`physpred.models.slots.features.mask_features`), so the gated dynamics and the slot
energy are the same with or without labels. Every slot has the kind "object": nothing tells a
screen from a ball but what it does.
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import Tensor, nn
from torch.nn import functional as F

from physpred.models.slots.features import mask_features
from physpred.models.slots.perception import Percepts


def position_grid(side: int, device: torch.device) -> Tensor:
    """(side, side, 4) position code: x, y, 1 - x, 1 - y of every cell centre."""
    ticks = (torch.arange(side, device=device, dtype=torch.float32) + 0.5) / side
    ys, xs = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([xs, ys, 1 - xs, 1 - ys], dim=-1)


class SlotAttentionPerception(nn.Module):
    """Finds K slots per frame from pixels alone.

    Args:
        slots: K, slots per frame (a few more than the things in a scene: the sky and ground
            take slots too).
        width: D, width of features and slots.
        iterations: slot-attention rounds per frame (the first frame gets twice as many).
        grid: side of the feature grid the frame is pooled to (the decoder draws at that size).
    """

    reads_masks = False

    def __init__(self, *, slots: int = 7, width: int = 32, iterations: int = 2, grid: int = 32) -> None:
        super().__init__()
        if slots < 2 or width < 1 or iterations < 1 or grid < 4:
            raise ValueError("SlotAttentionPerception: slots >= 2, width >= 1, iterations >= 1, grid >= 4 (fix the YAML)")
        self.slots, self.width, self.iterations, self.grid = slots, width, iterations, grid
        self.encoder = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, width, 3, padding=1), nn.ReLU()
        )
        self.position = nn.Linear(4, width)
        self.project = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width))
        self.norm_inputs, self.norm_slots = nn.LayerNorm(width), nn.LayerNorm(width)
        self.to_q, self.to_k, self.to_v = (nn.Linear(width, width, bias=False) for _ in range(3))
        self.update = nn.GRUCell(width, width)
        self.mlp = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, 2 * width), nn.ReLU(), nn.Linear(2 * width, width))
        self.init_slots = nn.Parameter(torch.randn(slots, width) * 0.5)  # distinct starts, no sampling
        # a per-cell MLP (1x1 convolutions): the slot and the position code say all there is to draw
        self.decoder = nn.Sequential(nn.Conv2d(width, width, 1), nn.ReLU(), nn.Conv2d(width, 4, 1))
        self.decoder_position = nn.Linear(4, width)

    def pool(self, frames: Tensor) -> Tensor:
        """(N, 3, H, W) uint8 -> (N, 3, G, G) in [-1, 1]: what the slots see and draw back."""
        return F.interpolate(frames.float() / 127.5 - 1, size=(self.grid, self.grid), mode="area")

    def encode(self, frames: Tensor) -> Tensor:
        """(N, 3, H, W) uint8 -> (N, G * G, D) grid features with position."""
        pixels = self.pool(frames)
        features = rearrange(self.encoder(pixels), "n d h w -> n h w d")
        features = features + self.position(position_grid(self.grid, frames.device))
        return self.project(rearrange(features, "n h w d -> n (h w) d"))

    def attend(self, inputs: Tensor, slots: Tensor, rounds: int) -> tuple[Tensor, Tensor]:
        """``rounds`` of slot attention: (N, G^2, D) inputs, (N, K, D) slots -> slots, attention (N, K, G^2)."""
        inputs = self.norm_inputs(inputs)
        keys, values = self.to_k(inputs), self.to_v(inputs)
        for _ in range(rounds):
            queries = self.to_q(self.norm_slots(slots))
            logits = torch.einsum("nkd,npd->nkp", queries, keys) / self.width**0.5
            attention = logits.softmax(dim=1) + 1e-8  # slots compete for each cell
            weights = attention / attention.sum(dim=-1, keepdim=True)
            updates = torch.einsum("nkp,npd->nkd", weights, values)
            slots = self.update(updates.reshape(-1, self.width), slots.reshape(-1, self.width)).view_as(slots)
            slots = slots + self.mlp(slots)
        return slots, attention

    def decode(self, slots: Tensor) -> tuple[Tensor, Tensor]:
        """(N, K, D) slots -> reconstruction (N, 3, G, G) in [-1, 1] and soft masks (N, K, G, G)."""
        n, k, _ = slots.shape
        broadcast = slots[:, :, None, None, :] + self.decoder_position(position_grid(self.grid, slots.device))
        drawn = self.decoder(rearrange(broadcast, "n k h w d -> (n k) d h w"))
        drawn = rearrange(drawn, "(n k) c h w -> n k c h w", n=n, k=k)
        masks = drawn[:, :, 3].softmax(dim=1)
        return (masks[:, :, None] * drawn[:, :, :3].tanh()).sum(dim=1), masks

    def slots_and_masks(self, frames: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Slot attention along a clip, each frame starting from the last one's slots.

        Args:
            frames: (B, T, 3, H, W) uint8.

        Returns:
            slots (B, T, K, D), soft masks (B, T, K, G, G) and reconstructions (B, T, 3, G, G).
        """
        batch, steps = frames.shape[:2]
        inputs = rearrange(self.encode(rearrange(frames, "b t c h w -> (b t) c h w")), "(b t) p d -> b t p d", b=batch)
        slots = self.init_slots.expand(batch, -1, -1)
        found = []
        for t in range(steps):
            slots, _ = self.attend(inputs[:, t], slots, self.iterations * (2 if t == 0 else 1))
            found.append(slots)
        slots = torch.stack(found, dim=1)  # (B, T, K, D)
        recon, masks = self.decode(rearrange(slots, "b t k d -> (b t) k d"))
        return (
            slots,
            rearrange(masks, "(b t) k h w -> b t k h w", b=batch),
            rearrange(recon, "(b t) c h w -> b t c h w", b=batch),
        )

    def segment(self, frames: Tensor) -> Tensor:
        """(B, T, 3, H, W) uint8 -> (B, T, K, G, G) soft masks whose argmax is each cell's slot (for FG-ARI)."""
        return self.slots_and_masks(frames)[1]

    def forward(self, frames: Tensor) -> Percepts:
        """(B, T, 3, H, W) uint8 frames -> :class:`Percepts` from the soft masks (kind 1 for all),
        with the reconstruction error of the frames pooled to the grid."""
        _, masks, recon = self.slots_and_masks(frames)
        batch, side = frames.shape[0], frames.shape[-1]
        pooled = self.pool(rearrange(frames, "b t c h w -> (b t) c h w"))
        error = (rearrange(recon, "b t c h w -> (b t) c h w") - pooled).pow(2).mean()
        full = F.interpolate(rearrange(masks, "b t k h w -> (b t) k h w"), size=(side, side), mode="bilinear", align_corners=False)
        weights = rearrange(full, "(b t) k h w -> b t k h w", b=batch)
        kind = torch.ones(batch, self.slots, dtype=torch.long, device=frames.device)
        return Percepts(mask_features(frames, weights), kind, error)
