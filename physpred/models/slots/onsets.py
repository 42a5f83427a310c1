"""Support onsets: the moments a training video shows a thing let go by its support, still, that then falls.

A floats pair asks whether the model expects a thing whose support has gone to fall before it
moves. Lawful clips teach it only where a thing loses its support while still and falls right
after, and percepts found without labels show few such moments: on the first 640 training clips
the world's masks lose a held support 57 times before the thing moves (a fall follows 81%),
``ForegroundPerception``'s slots 17 times (65%), most of their losses coming once the fall is
under way (docs/research.md, 2026-12-07). Found from the percepts alone (label-free), these
moments can be trained on more often (``ObjectPredictionModule(onset_windows)``).
"""

from __future__ import annotations

import torch
from torch import Tensor

from physpred.models.slots.features import POSITION, held_support_flags


def support_onsets(features: Tensor, kind: Tensor, still: float = 0.005, fall: float = 0.02, within: int = 2) -> Tensor:
    """Where an object slot loses its held support (:func:`held_support_flags`) at a frame it
    has not moved down to, and falls right after.

    Args:
        features: (N, R, K, F) percepts of whole videos (absent slots have presence 0).
        kind: (N, K) int64, 1 for object slots.
        still: the most the thing's centre may have moved vertically from the frame before
            the loss to it (a fraction of the side).
        fall: how far below its place at the loss the thing must be ``within`` frames later,
            present throughout.
        within: frames after the loss in which it must have fallen.

    Returns:
        (N, R) bool: frame t of video n is an onset.
    """
    present = features[..., 0] > 0
    held = held_support_flags(features, present)
    _, y = features[..., POSITION].unbind(-1)
    t = torch.arange(1, features.shape[1] - within, device=features.device)  # empty for a short video
    seen = torch.stack([present[:, t + ahead] for ahead in range(-1, within + 1)]).all(dim=0)
    lost = held[:, t - 1] & ~held[:, t] & (kind == 1)[:, None] & seen
    motionless = (y[:, t] - y[:, t - 1]).abs() < still
    fell = (y[:, t + within] - y[:, t]) > fall
    onsets = torch.zeros(features.shape[:2], dtype=torch.bool, device=features.device)
    onsets[:, t] = (lost & motionless & fell).any(dim=-1)
    return onsets
