"""Targets T(y): what a predicted future is compared with.

- ``EMATarget``: an exponential moving average of the encoder, without gradient (V-JEPA). The
  training module moves it after every optimiser step.
- ``OnlineTarget``: the encoder itself, gradients flowing into the targets too; it needs an
  anti-collapse term (VICReg, SIGReg) in the objective.
- ``PixelTarget``: the future pixels as patches (the pixel-space baseline); its head maps the
  predictor's tokens to pixel patches added to the last context frame.

Select one in YAML with ``target: {class_path: physpred.models.EMATarget}``.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from physpred.models.tokens import normalize_tokens, patchify


class Target(nn.Module):
    """Base class: representation targets taken from an encoder, prediction read out as is.

    Attributes:
        online: True when training should encode the whole clip once with the online encoder
            (gradients reach the targets), False when targets come without gradient.
    """

    online = False

    def bind(self, encoder: nn.Module) -> None:
        """Called once by ``EnergyModel`` with its (online) encoder."""

    def forward(self, frames: Tensor, encoder: nn.Module) -> Tensor:
        """Target tokens of frames (B, M, 3, H, W) in [-1, 1] -> (B, M', N, Dt)."""
        return normalize_tokens(encoder(frames))

    def readout(self, prediction: Tensor, last_frame: Tensor) -> Tensor:
        """The predictor's tokens (B, M', N, D) in target space (here unchanged)."""
        return prediction

    def copy_last(self, context_tokens: Tensor, last_frame: Tensor) -> Tensor:
        """The "nothing moves" prediction (B, 1, N, Dt): the last context step."""
        return context_tokens[:, -1:]

    def width(self, encoder: nn.Module) -> int:
        """Dt, the width of a target token."""
        return encoder.dim

    def problems(self, encoder: nn.Module, predictor: nn.Module) -> list[str]:
        """Mismatches with the other parts, as ``option=value != option=value`` strings."""
        return []


class EMATarget(Target):
    """An EMA copy of the encoder with stop-gradient; ``encoder`` is that copy after ``bind``."""

    def bind(self, encoder: nn.Module) -> None:
        """Copy the freshly built encoder (its weights start equal to the online ones)."""
        self.encoder = copy.deepcopy(encoder).requires_grad_(False)

    def forward(self, frames: Tensor, encoder: nn.Module) -> Tensor:
        """Tokens of the EMA encoder, layer-normalised: (B, M, 3, H, W) -> (B, M', N, D)."""
        return normalize_tokens(self.encoder(frames))

    @torch.no_grad()
    def update(self, online: nn.Module, momentum: float) -> None:
        """target <- momentum * target + (1 - momentum) * online, parameter by parameter."""
        for t, o in zip(self.encoder.parameters(), online.parameters(), strict=True):
            t.lerp_(o.detach(), 1.0 - momentum)


class OnlineTarget(Target):
    """The online encoder's own tokens as targets (regularised against collapse elsewhere)."""

    online = True


class PixelHead(nn.Module):
    """Token grid -> pixel patches, added to the last context frame.

    The head is zero-initialised, so the untrained model copies the last frame.

    Args:
        dim: token width D of the predictor's output.
        patch_size: pixels per token side p (the encoder's total stride).
    """

    def __init__(self, *, dim: int, patch_size: int) -> None:
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


class PixelTarget(Target):
    """Future pixels as patches (B, M, N, 3 p^2); the prediction goes through a ``PixelHead``.

    Args:
        dim: token width D of the predictor's output.
        patch_size: pixels per token side p; must equal the encoder's total stride.
    """

    def __init__(self, *, dim: int = 64, patch_size: int = 8) -> None:
        super().__init__()
        self.head = PixelHead(dim=dim, patch_size=patch_size)

    @property
    def patch_size(self) -> int:
        """p, pixels per token side."""
        return self.head.patch_size

    def forward(self, frames: Tensor, encoder: nn.Module) -> Tensor:
        """Pixel patches of frames (B, M, 3, H, W) in [-1, 1] -> (B, M, N, 3 p^2)."""
        return patchify(frames, self.patch_size)

    def readout(self, prediction: Tensor, last_frame: Tensor) -> Tensor:
        """Predicted pixel patches (B, M, N, 3 p^2) from tokens (B, M, N, D)."""
        return self.head(prediction, last_frame)

    def copy_last(self, context_tokens: Tensor, last_frame: Tensor) -> Tensor:
        """The last context frame as patches (B, 1, N, 3 p^2)."""
        return patchify(last_frame[:, None], self.patch_size)

    def width(self, encoder: nn.Module) -> int:
        """3 p^2."""
        return 3 * self.patch_size**2

    def problems(self, encoder: nn.Module, predictor: nn.Module) -> list[str]:
        """The patch size must be the encoder's stride and the head as wide as the predictor."""
        found = []
        if self.patch_size != encoder.stride:
            found.append(f"target.patch_size={self.patch_size} != encoder stride {encoder.stride}")
        head_dim = self.head.proj[0].normalized_shape[0]
        if head_dim != getattr(predictor, "dim", head_dim):
            found.append(f"target.dim={head_dim} != predictor.dim={predictor.dim}")
        return found
