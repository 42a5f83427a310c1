"""Which segments of a frame (or a clip) get slots: the largest first, ranked within each group."""

from __future__ import annotations

import torch
from torch import Tensor


def largest_first(group: Tensor, area: Tensor, usable: Tensor, pixels: int) -> tuple[Tensor, Tensor]:
    """Usable segments sorted by group, then largest first, and each one's rank in its group.

    Args:
        group: (S,) int64 the frame or clip each segment belongs to.
        area: (S,) its pixels, at most ``pixels``.
        usable: (S,) bool, the segments to rank.
        pixels: the pixels of a frame.

    Returns:
        order (U,) the usable segments' indices, sorted; rank (U,) 0 for the largest of its group.
    """
    order = torch.argsort(group * (pixels + 1) + (pixels - area.long()), stable=True)
    order = order[usable[order]]
    first = torch.searchsorted(group[order], group[order])
    return order, torch.arange(len(order), device=group.device) - first
