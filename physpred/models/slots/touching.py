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
    held = slot_map > 0
    b, t, y, x = held.nonzero().unbind(dim=1)  # the P held pixels, in the order of slot_map[held]
    owner = slot_map[held] - 1  # (P,) 0..K-1
    cell = (b * steps + t) * slots  # (P,) + a slot: that slot in the pixel's frame

    def count(index: Tensor) -> Tensor:
        """(N,) cells -> (B, T, K) how many of them are each slot's in each frame."""
        return torch.bincount(index, minlength=batch * steps * slots).view(batch, steps, slots)

    area = count(cell + owner)
    # reached[b, t, k, j]: slot j's last place is within reach of a pixel of slot k
    point = torch.stack([(x + 0.5) / width, (y + 0.5) / height], dim=1).to(places)  # (P, 2)
    distance = (point[:, None] - places[b, t]).norm(dim=-1)  # (P, K)
    nearest = torch.full((batch * steps * slots, slots), torch.inf, device=slot_map.device, dtype=places.dtype)
    reached = nearest.scatter_reduce(0, (cell + owner)[:, None].expand(-1, slots), distance, "amin").view(batch, steps, slots, slots) <= reach
    others = ~torch.eye(slots, dtype=torch.bool, device=slot_map.device)
    allowed = reached & others & (known & (area == 0))[:, :, None, :]
    colour = frames[b, t, :, y, x].to(looks.dtype) / 255.0  # (P, 3)
    difference = (colour[:, None] - looks[b, t]).abs().amax(dim=-1)  # (P, K)
    own = difference.gather(1, owner[:, None])[:, 0]
    best, taker = torch.where(allowed[b, t, owner], difference, torch.inf).min(dim=-1)
    moves = (best < own) & (best <= colour_gate)
    moves = moves & (count((cell + taker)[moves]) >= min_area)[b, t, taker]
    moved = count((cell + owner)[moves])
    crumbs = ~moves & ((moved > 0) & (area - moved < min_area))[b, t, owner]
    split = slot_map.clone()
    split[held] = torch.where(moves, taker + 1, torch.where(crumbs, 0, owner + 1))
    return split
