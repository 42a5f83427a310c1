"""Turn a model's predictions into frames the plots can show.

Pixel-space models predict pixel patches, which only need reassembling; representation-space
models are drawn by a trained ``physpred.lit.DecoderModule`` (anything with ``predict_frames``).
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import torch
from einops import rearrange
from torch import Tensor, nn

from physpred.data.transforms import to_uint8_frames


@runtime_checkable
class FramePredictor(Protocol):
    """A model whose predictions come out as frames (e.g. ``DecoderModule``)."""

    def predict_frames(self, context: Tensor, z: Tensor | None = None) -> Tensor:
        """(B, C, 3, H, W) uint8 context (and optional (B, Z) latent) -> (B, M, 3, H, W) uint8."""
        ...


def patches_to_frames(patches: Tensor, frame_size: int) -> Tensor:
    """Reassemble pixel-space predictions into frames (the inverse of ``models.tokens.patchify``).

    Args:
        patches: (B, M, N, 3 p^2) pixel patches in [-1, 1], N = (S / p)^2.
        frame_size: S.

    Returns:
        (B, M, 3, S, S) uint8 frames.
    """
    patch = math.isqrt(patches.shape[-1] // 3)
    side = frame_size // patch  # tokens per side
    frames = rearrange(patches, "b m (h w) (p q c) -> b m c (h p) (w q)", h=side, p=patch, c=3)
    return to_uint8_frames(frames)


@torch.no_grad()
def predict_frames(
    model: nn.Module,
    context: Tensor,
    z: Tensor | None = None,
    decoder: FramePredictor | None = None,
) -> Tensor | None:
    """What a model predicts after ``context``, as frames, when it can be shown.

    Args:
        model: an ``EnergyModel`` (or anything with ``predict_frames``).
        context: (B, C, 3, S, S) uint8.
        z: (B, Z) latent values, or None for the prior's mode.
        decoder: a ``DecoderModule`` trained on ``model``, for representation-space models.

    Returns:
        (B, M, 3, S, S) uint8 frames, or None for a representation-space model without decoder.
    """
    if decoder is not None:
        return decoder.predict_frames(context, z)
    if isinstance(model, FramePredictor):
        return model.predict_frames(context, z)
    if getattr(model, "predicts_pixels", False):
        return patches_to_frames(model.predict(context, z), context.shape[-1])
    return None


def traversal_latents(latent_dim: int, steps: int, axis: int = 0, limit: float = 0.9) -> Tensor:
    """Latent values along one axis of the (-1, 1)^Z box, the others at the prior's mode (0).

    Args:
        latent_dim: Z.
        steps: L, the number of values.
        axis: the latent coordinate that varies.
        limit: the largest magnitude (z is bounded by tanh to (-1, 1)).

    Returns:
        (L, Z) latent values.
    """
    if not 0 <= axis < latent_dim:
        raise ValueError(f"axis {axis} is outside a latent of size {latent_dim}")
    z = torch.zeros(steps, latent_dim)
    z[:, axis] = torch.linspace(-limit, limit, steps)
    return z


@torch.no_grad()
def latent_rollouts(
    model: nn.Module, context: Tensor, z_values: Tensor, decoder: FramePredictor | None = None
) -> Tensor:
    """Futures of one context under several latent values.

    Args:
        model: a pixel-space ``EnergyModel`` (or the model ``decoder`` was trained on).
        context: (C, 3, S, S) uint8, one clip's context.
        z_values: (L, Z) latent values.
        decoder: a ``DecoderModule`` for representation-space models.

    Returns:
        (L, M, 3, S, S) uint8 predicted futures, one per latent value.

    Raises:
        ValueError: the model's predictions cannot be drawn without a decoder.
    """
    contexts = context.unsqueeze(0).expand(len(z_values), *context.shape)  # (L, C, 3, S, S)
    frames = predict_frames(model, contexts, z_values.to(context.device), decoder)
    if frames is None:
        raise ValueError(
            "this model predicts representations: train a decoder (`physpred fit -c "
            "configs/decoder.yaml --model.init_args.checkpoint CKPT`) and pass it as decoder="
        )
    return frames
