"""An object slot cut down, frame by frame, to the pixels that look like the thing it holds.

A label-free slot holds, besides its thing, pixels that do not move with it: a piece of the slab
it rests on, the smear a slow roller leaves in the clip's median, a seam of a screen. They pull
the slot's centre away from the thing's and make its moves wrong (``benchmarks/slot_contents.py``).
A thing is mostly one colour (a blended rim is a minority, trimmed or kept alike in every frame,
so it moves with the thing), so the slot's median colour is the thing's; what is far from it
goes, unless the rest encloses it (a highlight). Pure functions of tensors; nothing learned.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import Tensor


def slot_median_colours(slot_map: Tensor, frames: Tensor, slots: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Each object slot's median colour, channel by channel, in each frame, at its pixels.

    Args:
        slot_map: (B, T, H, W) int64, 1 + the slot of each pixel, 0 for none; 1..K objects.
        frames: (B, T, 3, H, W) uint8.
        slots: K.

    Returns:
        where (P,) flat indices into (B, T, H, W) of the object slots' pixels, their colours
        (P, 3) int64, the median colour of the slot holding each (P, 3) int64, and that slot's
        number of pixels in that frame (P,) int64.
    """
    batch, steps, height, width = slot_map.shape
    flat = slot_map.flatten()
    where = ((flat >= 1) & (flat <= slots)).nonzero()[:, 0]
    frame, pixel = where // (height * width), where % (height * width)
    colours = frames.flatten(0, 1).flatten(2)[frame, :, pixel].long()  # (P, 3)
    group = frame * slots + flat[where] - 1  # (P,) one per frame and slot
    counts = torch.bincount(group, minlength=batch * steps * slots)
    middle = (torch.cumsum(counts, 0) - counts + (counts - 1).clamp_min(0) // 2)[group]  # (P,)
    # sorted by group, then value: the middle of each group's run is its median
    median = torch.stack([(group * 256 + colours[:, c]).sort().values[middle] % 256 for c in range(3)], dim=1)
    return where, colours, median, counts[group]


def trim_to_colour(slot_map: Tensor, frames: Tensor, slots: int, tolerance: float, min_pixels: int = 0) -> Tensor:
    """The object slots' pixels farther from their slot's median colour than ``tolerance`` dropped,
    unless what the slot keeps encloses them (a highlight inside a ball: trimmed, a frame with one
    object would split it in two) or the slot holds fewer than ``min_pixels`` in that frame.

    Args:
        slot_map: (B, T, H, W) int64, 1 + the slot of each pixel, 0 for none; 1..K objects, the
            static slots after them untouched.
        frames: (B, T, 3, H, W) uint8.
        slots: K.
        tolerance: the largest channel difference kept, a fraction of 255.
        min_pixels: a slot smaller than this in a frame is kept whole there (0: every slot
            trimmed): a thing's own blended rim is trimmed in some frames and not others, which
            splits small things, while what a large slot holds beyond its thing (the ghost of a
            slab's place of rest) is what delays the loss of a support.

    Returns:
        (B, T, H, W) int64: ``slot_map`` with those pixels set to 0.
    """
    where, colours, median, sizes = slot_median_colours(slot_map, frames, slots)
    far = ((colours - median).abs().amax(dim=1) > tolerance * 255) & (sizes >= min_pixels)
    trimmed = slot_map.flatten().clone()
    trimmed[where[far]] = 0
    trimmed = trimmed.view_as(slot_map)
    return torch.where(enclosed(trimmed, slot_map, slots), slot_map, trimmed)


def enclosed(kept: Tensor, before: Tensor, slots: int) -> Tensor:
    """The pixels an object slot lost that what it kept encloses (4-connected holes).

    Args:
        kept: (B, T, H, W) int64 slot map after a cut; before: the same before it.
        slots: K, the object slots 1..K.

    Returns:
        (B, T, H, W) bool: pixels of slot k in ``before`` that are not in ``kept`` and cannot
        reach the frame's border without crossing slot k's kept pixels.
    """
    lost = (kept != before) & (before >= 1) & (before <= slots)
    inside = np.zeros(lost.shape, dtype=bool).reshape(-1, *lost.shape[-2:])
    kept_frames, lost_frames = kept.flatten(0, 1).cpu().numpy(), lost.flatten(0, 1).cpu().numpy()
    before_frames = before.flatten(0, 1).cpu().numpy()
    for index in np.unique(lost_frames.nonzero()[0]):
        for slot in np.unique(before_frames[index][lost_frames[index]]):
            _, pieces = cv2.connectedComponents((kept_frames[index] != slot).astype(np.uint8), connectivity=4)
            outside = np.unique(np.concatenate([pieces[0], pieces[-1], pieces[:, 0], pieces[:, -1]]))
            hole = (pieces > 0) & ~np.isin(pieces, outside)
            inside[index] |= hole & lost_frames[index] & (before_frames[index] == slot)
    return torch.from_numpy(inside).to(kept.device).view_as(kept)

