"""Noise on the places of seen object slots: the world's masks made to jitter as slots found
without labels do, to tell whether that jitter alone takes a lesson away (a decomposition).

A slot found without labels moves a fraction of a pixel from frame to frame while its thing
stands (its component's edge pixels join and leave it): on 200 training clips 56% of the object
slots' vertical steps are between 0 and 0.01 of the frame side, and they reverse (the next step
regressed on them: -0.07), where the masks' are 33% (60% exactly 0; 0.28). Independent Gaussian
noise of standard deviation s on every seen place makes steps of s * sqrt(2) that reverse
(regressed: -0.5).
"""

from __future__ import annotations

import torch
from torch import Tensor

from physpred.models.slots.features import POSITION


def jittered_places(features: Tensor, kind: Tensor, std: float, generator: torch.Generator | None = None) -> Tensor:
    """The percepts with Gaussian noise of ``std`` added to the place of every seen object slot.

    Args:
        features: (B, T, K, F) percepts (:data:`~physpred.models.slots.features.FEATURES`).
        kind: (B, K) slot kinds; only kind 1 (object) is jittered.
        std: the noise's standard deviation, a fraction of the frame side (>= 0).
        generator: random source (None: torch's global one, which ``seed_everything`` seeds).

    Returns:
        (B, T, K, F): x and y of each seen object slot plus independent noise; everything else as given.
    """
    noise = torch.randn(features[..., POSITION].shape, generator=generator, device=features.device, dtype=features.dtype) * std
    jittered = (features[..., 0] > 0) & (kind == 1)[:, None, :]  # (B, T, K)
    moved = features.clone()
    moved[..., POSITION] = features[..., POSITION] + noise * jittered[..., None].to(features.dtype)
    return moved
