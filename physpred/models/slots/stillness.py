"""A thing whose pixels do not change is still there: holding a tracked thing through stillness.

Background subtraction loses a thing that comes to rest wherever the clip's background estimate
takes it in: where it rests for most of a clip, on a place whose own colour changed during the
clip (a screen lowered behind it), nothing undisputed tells the thing from what is behind it.
Read against the world's masks in 200 training clips (``min_area`` 4), 46 of the 67 times an
object slot lost its thing while the world's object was in view were such a thing at rest (the
others: 21 in another slot's component). The dynamics trained on those percepts learn that
things vanish in the open.

With a static camera a thing cannot leave a place without the place's pixels changing, so a
slot that sees nothing in a frame keeps the pixels it held in the frame before that are unchanged
and that no other slot holds, when they are most of them. A thing that goes behind a screen, is
taken away or vanishes changes its pixels and is let go. Measured, it holds too little to
matter (departures never back 60 -> 59 in the same clips): a thing coming to rest differs from
the background estimate only by its edges, and those move until it stops
(``ForegroundPerception(hold_still)``, off in every recipe).
"""

from __future__ import annotations

import torch
from torch import Tensor


def hold_unchanged(slot_map: Tensor, frames: Tensor, slots: int, threshold: float, share: float) -> Tensor:
    """Keep each lost thing of slots 1..``slots`` where its pixels did not change.

    Args:
        slot_map: (B, T, H, W) int64, 1 + the slot each pixel belongs to, 0 for none.
        frames: (B, T, 3, H, W) uint8.
        slots: the slots 1..``slots`` that may be held (the tracked ones; static ones never move).
        threshold: the largest channel difference (a fraction of 255) of an unchanged pixel.
        share: the least share of a slot's pixels in the frame before that must be unchanged and
            unheld for the slot to keep them, in (0, 1].

    Returns:
        (B, T, H, W) the slot map where every slot 1..``slots`` that holds nothing in frame t but
        held pixels in frame t - 1 (held there by this rule or not) also holds, in frame t, those
        of its pixels unchanged from t - 1 and held by no slot in t, if they are at least
        ``share`` of its pixels in t - 1.
    """
    held = slot_map.clone()
    ids = torch.arange(1, slots + 1, device=slot_map.device)[None, :, None, None]  # (1, K, 1, 1)
    for t in range(1, slot_map.shape[1]):
        unchanged = (frames[:, t].float() - frames[:, t - 1].float()).abs().amax(dim=1) <= threshold * 255  # (B, H, W)
        before = held[:, t - 1, None] == ids  # (B, K, H, W)
        kept = before & (unchanged & (held[:, t] == 0))[:, None]
        lost = ~(held[:, t, None] == ids).flatten(2).any(dim=2)  # (B, K)
        enough = kept.flatten(2).sum(dim=2) >= share * before.flatten(2).sum(dim=2).clamp_min(1)
        chosen = kept & (lost & enough & before.flatten(2).any(dim=2))[..., None, None]
        held[:, t] += (chosen * ids).sum(dim=1)  # the slots' pixels in t - 1 are disjoint
    return held
