"""Frame-index arithmetic for clips: context C frames then future M frames, k source frames apart.

A clip starting at source frame ``s`` holds frames ``s, s + k, ..., s + (C + M - 1) k``; it
spans ``(C + M - 1) k + 1`` source frames.
"""

from __future__ import annotations

import torch
from torch import Tensor


def clip_span(context_frames: int, future_frames: int, frame_step: int) -> int:
    """Number of source frames one clip covers, first to last inclusive.

    Example: C=2, M=1, k=3 takes frames 0, 3, 6, so the span is 7.
    """
    _check_positive(context_frames=context_frames, frame_step=frame_step)
    if future_frames < 0:
        raise ValueError(f"future_frames must be >= 0, got {future_frames}")
    return (context_frames + future_frames - 1) * frame_step + 1


def clip_indices(start: int, context_frames: int, future_frames: int, frame_step: int) -> list[int]:
    """Source frame numbers of the clip that starts at ``start`` (length C + M)."""
    clip_span(context_frames, future_frames, frame_step)  # validates the arguments
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    return [start + i * frame_step for i in range(context_frames + future_frames)]


def random_clip_start(num_frames: int, span: int, generator: torch.Generator) -> int:
    """A start frame drawn uniformly from ``0 .. num_frames - span``.

    Raises:
        ValueError: the video is shorter than one clip.
    """
    if num_frames < span:
        raise ValueError(f"a video of {num_frames} frames is shorter than one clip ({span})")
    return int(torch.randint(num_frames - span + 1, (), generator=generator))


def sliding_windows(
    num_frames: int, context_frames: int, future_frames: int, frame_step: int, stride: int
) -> list[list[int]]:
    """Every clip whose start is a multiple of ``stride`` and that fits in the video.

    Returns:
        S lists of C + M source frame numbers; empty when the video is shorter than one clip.
    """
    _check_positive(stride=stride)
    span = clip_span(context_frames, future_frames, frame_step)
    return [
        clip_indices(start, context_frames, future_frames, frame_step)
        for start in range(0, num_frames - span + 1, stride)
    ]


def split_clip(clip: Tensor, context_frames: int) -> tuple[Tensor, Tensor]:
    """Split clips along time into context and future.

    Args:
        clip: (B, T, ...) with T > context_frames.
        context_frames: C.

    Returns:
        context (B, C, ...) and future (B, T - C, ...), views of ``clip``.
    """
    if not 0 < context_frames < clip.shape[1]:
        raise ValueError(f"context_frames={context_frames} must be in 1..{clip.shape[1] - 1}")
    return clip[:, :context_frames], clip[:, context_frames:]


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
