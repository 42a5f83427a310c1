"""Frame normalisation (and, below it, video augmentation)."""

from __future__ import annotations

import torch
from torch import Tensor


def normalize_frames(frames: Tensor) -> Tensor:
    """Map uint8 frames to float32 in [-1, 1].

    Args:
        frames: uint8 (..., C, H, W).

    Returns:
        float32 tensor of the same shape.
    """
    if frames.dtype != torch.uint8:
        raise TypeError(f"normalize_frames expects uint8 frames, got {frames.dtype}")
    return frames.float().div_(127.5).sub_(1.0)
