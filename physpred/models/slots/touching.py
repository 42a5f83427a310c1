"""Things that touch: one foreground component, two things, split by their colours.

Background subtraction finds two things that touch as one component, and the tracker hands it to
one slot: that slot's centre jumps to the middle of the pair and the other thing's slot sees
nothing, as if it had gone behind a screen in the open. Read against the world's masks (150
training clips, ``configs/objects_foreground.yaml``'s perception with ``track_static_objects``),
15% of the sightings of an object share their slot with another object. Handed the masks'
identities on the same label-free pixels, so that each slot holds only its own object, the
label-free recipe keeps half its vanish pairs (lab row ``objects_free_v19_true_identities_seed0``)
where it keeps none.

The tracker keeps each slot's own colour while its slot holds a component unlike it (two things
touching), and the place each thing was last seen; so a slot that sees nothing next to a
component holding pixels of its colour can take those pixels back. Measured, this parts only
some of them (shared sightings 635 -> 460: things that touch from the first frame have no colour
of their own to go back to) and trained so the recipe is as before (lab row
``objects_free_v20_split_touching_seed0``): off in the recipes.
"""

from __future__ import annotations

import torch
from torch import Tensor


def split_touching(
    slot_map: Tensor, frames: Tensor, looks: Tensor, places: Tensor, known: Tensor, *, reach: float, colour_gate: float, min_area: int
) -> Tensor:
    """Give each pixel of a slot's component to a slot that sees nothing nearby when it has its colour.

    A pixel held by slot k moves to slot j when j held a thing before and sees nothing now, was
    last seen within ``reach`` of one of slot k's pixels, and the pixel is nearer j's colour than
    k's and within ``colour_gate`` of it (of several such j, the nearest colour). A split stands
    only where slot j takes at least ``min_area`` pixels, so that the shading of one thing does
    not split it; what slot k keeps is dropped when it is less than ``min_area`` pixels (the
    blur between the things that touched).

    Args:
        slot_map: (B, T, H, W) int64, 1 + the object slot each pixel belongs to (slots 1..K), 0 for none.
        frames: (B, T, 3, H, W) uint8.
        looks: (B, T, K, 3) each slot's own colour as of each frame, fractions of 255.
        places: (B, T, K, 2) where each slot's thing was last seen as of each frame (x, y), fractions of the frame.
        known: (B, T, K) bool, the slot has held a thing at or before the frame.
        reach: fraction of the frame side.
        colour_gate: largest channel difference, fraction of 255.
        min_area: pixels.

    Returns:
        (B, T, H, W) the slot map with the touching things split.
    """
    batch, steps, height, width = slot_map.shape
    slots = looks.shape[2]
    owner = (slot_map - 1).clamp_min(0)  # 0..K-1 (anything where nothing is held)
    held = slot_map > 0
    frame = torch.arange(batch * steps, device=slot_map.device).view(batch, steps, 1, 1)
    area = torch.bincount((frame * slots + owner)[held], minlength=batch * steps * slots).view(batch, steps, slots)
    # reached[b, t, k, j]: slot j's last place is within reach of a pixel of slot k
    ys, xs = torch.meshgrid((torch.arange(height) + 0.5) / height, (torch.arange(width) + 0.5) / width, indexing="ij")
    pixel = torch.stack([xs, ys], dim=-1).to(places)  # (H, W, 2)
    distance_to = (pixel[None, None, :, :, None] - places[:, :, None, None]).norm(dim=-1)  # (B, T, H, W, K)
    nearest = torch.full((batch * steps * slots, slots), torch.inf, device=slot_map.device, dtype=places.dtype)
    nearest = nearest.scatter_reduce(0, (frame * slots + owner)[held][:, None].expand(-1, slots), distance_to[held], "amin")
    reached = nearest.view(batch, steps, slots, slots) <= reach
    others = ~torch.eye(slots, dtype=torch.bool, device=slot_map.device)
    allowed = reached & others & (known & (area == 0))[:, :, None, :]
    colour = frames.permute(0, 1, 3, 4, 2).to(looks.dtype) / 255.0  # (B, T, H, W, 3)
    difference = (colour[..., None, :] - looks[:, :, None, None]).abs().amax(dim=-1)  # (B, T, H, W, K)
    own = difference.gather(-1, owner[..., None])[..., 0]
    may = allowed.gather(2, owner.flatten(2)[..., None].expand(-1, -1, -1, slots)).view_as(difference)
    best, taker = torch.where(may, difference, torch.inf).min(dim=-1)
    moves = held & (best < own) & (best <= colour_gate)
    taken = torch.bincount((frame * slots + taker)[moves], minlength=batch * steps * slots).view(batch, steps, slots)
    moves = moves & (taken >= min_area).flatten(2).gather(2, taker.flatten(2)).view_as(moves)
    split = torch.where(moves, taker + 1, slot_map)
    left = torch.bincount((frame * slots + owner)[held & ~moves], minlength=batch * steps * slots).view(batch, steps, slots)
    gave = torch.bincount((frame * slots + owner)[moves], minlength=batch * steps * slots).view(batch, steps, slots) > 0
    crumbs = held & ~moves & (gave & (left < min_area)).flatten(2).gather(2, owner.flatten(2)).view_as(moves)
    return torch.where(crumbs, 0, split)
