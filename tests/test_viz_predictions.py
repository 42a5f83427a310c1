"""Model outputs turned into frames: pixel patches, latent traversals."""

from __future__ import annotations

import pytest
import torch

from physpred import viz
from physpred.models import (
    ConvEncoder,
    ConvPredictor,
    EnergyModel,
    L2Distance,
    LatentVariable,
    PixelTarget,
)
from physpred.models.tokens import patchify
from physpred.types import ClipGeometry


def pixel_module() -> EnergyModel:
    """An untrained pixel-space model: its zero-initialised head copies the last context frame."""
    torch.manual_seed(0)
    return EnergyModel(
        encoder=ConvEncoder(widths=(8, 8), dim=16, groups=4),
        predictor=ConvPredictor(
            dim=16, context_frames=3, future_frames=2, latent_dim=2, width=16, dilations=(1,), groups=4
        ),
        latent=LatentVariable(dim=2, context_dim=16, target_dim=3 * 4 * 4, hidden=16),
        target=PixelTarget(dim=16, patch_size=4),
        distance=L2Distance(),
        geometry=ClipGeometry(context_frames=3, future_frames=2, frame_step=1, frame_size=16),
    ).eval()


def test_patches_to_frames_inverts_patchify() -> None:
    frames = torch.randint(0, 256, (2, 3, 3, 16, 16), dtype=torch.uint8)
    patches = patchify(frames.float() / 127.5 - 1, patch_size=4)  # (B, M, N, 3 p^2)
    assert torch.equal(viz.patches_to_frames(patches, frame_size=16), frames)


def test_pixel_model_predictions_are_frames() -> None:
    model = pixel_module()
    context = torch.randint(0, 256, (2, 3, 3, 16, 16), dtype=torch.uint8)
    predicted = viz.predict_frames(model, context)
    assert predicted.shape == (2, 2, 3, 16, 16) and predicted.dtype == torch.uint8
    assert torch.equal(predicted, context[:, -1:].expand_as(predicted))  # untrained: copies the last frame
    rollouts = viz.latent_rollouts(model, context[0], viz.traversal_latents(2, 3))
    assert rollouts.shape == (3, 2, 3, 16, 16)


def test_traversal_latents_move_one_axis() -> None:
    z = viz.traversal_latents(3, steps=5, axis=1, limit=0.5)
    assert z.shape == (5, 3)
    assert z[:, 1].tolist() == [-0.5, -0.25, 0.0, 0.25, 0.5]
    assert z[:, [0, 2]].abs().sum() == 0
    with pytest.raises(ValueError, match="axis 3 is outside a latent of size 3"):
        viz.traversal_latents(3, steps=2, axis=3)
