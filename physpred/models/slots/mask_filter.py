"""Decomposition: a label-free perception's object slots with the false things emptied by the masks.

A perception without labels tracks, besides the world's objects, things that are none: a screen
that rises or lowers, the place where a thing rested (a ghost), the edge of a wall. Trained on
them, the slot dynamics may learn that things vanish. This keeps the label-free perception's
slots — its segmentation, its tracking, its identity errors on real objects — and empties, for
the whole clip, every object slot most of whose pixels are not the world's objects, so a lab row
can tell whether the false things or the tracking of true ones cost a model its permanence.
With ``identities`` the masks also say which object each kept pixel belongs to, so only the
label-free segmentation is left (which pixels of a thing are seen, and when). Reads the masks:
a decomposition, never a recipe.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from physpred.models.slots.features import select_ids
from physpred.models.slots.perception import Percepts

OBJECT = 1
"""The masks' kind of an object (0 background, 2 screen, 3 wall)."""


def object_share(slot_map: Tensor, masks: Tensor, kinds: Tensor, slots: int) -> Tensor:
    """The share of each slot's pixels, over the whole clip, that are the world's objects.

    Args:
        slot_map: (B, T, H, W) int64, 1 + the slot of each pixel, 0 for none.
        masks: (B, T, H, W) the world's instance ids; kinds (B, 256) each id's kind.
        slots: how many slots, 1..S, to measure.

    Returns:
        (B, S) float, 0 for a slot that holds no pixel.
    """
    batch, bins = len(slot_map), 2 * (slots + 2)
    is_object = (kinds.long().gather(1, masks.long().flatten(1)) == OBJECT).long()  # (B, T * H * W)
    code = slot_map.flatten(1).clamp_max(slots + 1) * 2 + is_object  # slots past S counted together
    clip = torch.arange(batch, device=slot_map.device)[:, None] * bins  # one bincount for the batch
    counts = torch.bincount((code + clip).flatten(), minlength=batch * bins).view(batch, slots + 2, 2)
    held = counts[:, 1 : slots + 1]  # (B, S, 2): pixels not objects, pixels objects
    return held[..., 1] / held.sum(dim=-1).clamp_min(1)


def _object_slots(masks: Tensor, kinds: Tensor, slots: int) -> Tensor:
    """(B, T, H, W) masks, (B, 256) kinds -> (B, T, H, W): 1 + j where a pixel is the j-th object
    of the masks (ascending ids, the first ``slots``), 0 elsewhere."""
    ids = select_ids(kinds, (OBJECT,), slots)  # (B, K), -1 where fewer
    table = torch.zeros(len(kinds), kinds.shape[1] + 1, dtype=torch.long, device=masks.device)
    order = torch.arange(1, slots + 1, device=masks.device).expand_as(ids)
    table.scatter_(1, torch.where(ids >= 0, ids, kinds.shape[1]), order)  # column 256 collects the padding
    table[:, -1] = 0
    return table.gather(1, masks.long().flatten(1)).view_as(masks).long()


def by_identity(slot_map: Tensor, masks: Tensor, kinds: Tensor, slots: int) -> Tensor:
    """A slot map whose object slots' pixels are handed to slots by the world's identities.

    Args:
        slot_map: (B, T, H, W) int64, 1 + the slot of each pixel, 0 for none; slots 1..K objects.
        masks: (B, T, H, W) the world's instance ids; kinds (B, 256) each id's kind.
        slots: K.

    Returns:
        (B, T, H, W): a pixel of an object slot goes to slot 1 + j when it is the j-th object of
        the masks (ascending ids, the first K), to none when it is no object; other pixels as given.
    """
    tracked = (slot_map >= 1) & (slot_map <= slots)
    return torch.where(tracked, _object_slots(masks, kinds, slots), slot_map)


def by_slot_identity(slot_map: Tensor, masks: Tensor, kinds: Tensor, slots: int) -> Tensor:
    """A slot map whose object slots are renumbered, frame by frame, by the world's identities,
    each slot's pixels kept as found.

    Unlike :func:`by_identity` no pixel changes hands: a component holding two touching objects
    and the blur around them stays one slot's (that of the object most of its pixels are), so only
    the tracker's identities — which slot a thing is in from frame to frame — are corrected.

    Args:
        slot_map: (B, T, H, W) int64, 1 + the slot of each pixel, 0 for none; slots 1..K objects.
        masks: (B, T, H, W) the world's instance ids; kinds (B, 256) each id's kind.
        slots: K.

    Returns:
        (B, T, H, W): an object slot's pixels go to slot 1 + j when most of its object pixels in
        that frame are the j-th object of the masks (numbered as :func:`by_identity` numbers
        them), to none when none of them is an object; other pixels as given.
    """
    batch, steps = slot_map.shape[:2]
    objects = _object_slots(masks, kinds, slots)  # (B, T, H, W): 1 + j, 0 no object
    tracked = (slot_map >= 1) & (slot_map <= slots)
    frame = torch.arange(batch * steps, device=slot_map.device).view(batch, steps, 1, 1)
    pair = (frame * (slots + 1) + slot_map.clamp_max(slots)) * (slots + 1) + objects
    counts = torch.bincount(pair[tracked & (objects > 0)], minlength=batch * steps * (slots + 1) ** 2)
    counts = counts.view(batch, steps, slots + 1, slots + 1)  # [b, t, slot, 1 + j]
    majority = torch.where(counts.sum(dim=-1) > 0, counts.argmax(dim=-1), 0)  # (B, T, K + 1)
    renumbered = majority.flatten(2).gather(2, slot_map.clamp_max(slots).flatten(2)).view_as(slot_map)
    return torch.where(tracked, renumbered, slot_map)


def by_identity_keeping_others(slot_map: Tensor, masks: Tensor, kinds: Tensor, slots: int) -> Tensor:
    """:func:`by_identity` for the object pixels of the object slots; their other pixels (the blur
    between things, a ghost joined to a thing) stay with their slot, renumbered as
    :func:`by_slot_identity` renumbers it: things that touch are parted, nothing is dropped.

    Args and returns as :func:`by_identity`.
    """
    handed = by_identity(slot_map, masks, kinds, slots)
    tracked = (slot_map >= 1) & (slot_map <= slots)
    return torch.where(tracked & (handed == 0), by_slot_identity(slot_map, masks, kinds, slots), handed)


def rims(masks: Tensor, kinds: Tensor, slots: int) -> Tensor:
    """The pixels around each object that are no object: its blended edge.

    Args:
        masks: (B, T, H, W) the world's instance ids; kinds (B, 256) each id's kind.
        slots: K.

    Returns:
        (B, T, H, W) int64: 1 + j where a pixel is no object and its 3 x 3 neighbourhood holds the
        j-th object of the masks (numbered as :func:`by_identity` numbers them) and no other, 0
        elsewhere (a seam between two objects included).
    """
    objects = _object_slots(masks, kinds, slots).flatten(0, 1)[:, None].float()  # (BT, 1, H, W)
    highest = nn.functional.max_pool2d(objects, 3, stride=1, padding=1)
    lowest = -nn.functional.max_pool2d(-torch.where(objects > 0, objects, slots + 1.0), 3, stride=1, padding=1)
    rim = (objects == 0) & (highest > 0) & (highest == lowest)
    return torch.where(rim, highest, 0).long().view_as(masks)


def by_identity_keeping_rims(slot_map: Tensor, masks: Tensor, kinds: Tensor, slots: int) -> Tensor:
    """:func:`by_identity`, and an object slot's pixel that is no object but the :func:`rims` of one
    goes to that object's slot: the blended edge a foreground threshold takes around a thing is
    kept, the other pixels that are no object (a ghost, a wall, a seam) dropped.

    Args and returns as :func:`by_identity`.
    """
    handed = by_identity(slot_map, masks, kinds, slots)
    tracked = (slot_map >= 1) & (slot_map <= slots)
    return torch.where(tracked & (handed == 0), rims(masks, kinds, slots), handed)


def whole_when_seen(slot_map: Tensor, masks: Tensor, kinds: Tensor, slots: int) -> Tensor:
    """A slot map whose object slots hold, in every frame they hold any pixel, all the pixels
    the masks give their object (the slots numbered as :func:`by_identity` numbers them).

    Args:
        slot_map: (B, T, H, W) int64 after :func:`by_identity`; slots 1..K objects.
        masks: (B, T, H, W) the world's instance ids; kinds (B, 256) each id's kind.
        slots: K.

    Returns:
        (B, T, H, W): *when* an object is seen is the label-free perception's; *which pixels* are
        the masks'. Static slots keep the pixels no seen object covers.
    """
    objects = _object_slots(masks, kinds, slots)
    batch, steps = slot_map.shape[:2]
    frame = torch.arange(batch * steps, device=slot_map.device).view(batch, steps, 1, 1)
    held = torch.bincount((frame * (slots + 1) + torch.where(slot_map <= slots, slot_map, 0)).flatten(), minlength=batch * steps * (slots + 1))
    seen = held.view(batch, steps, slots + 1) > 0  # (B, T, K + 1); column 0: no slot
    seen[..., 0] = False
    shown = seen.flatten(0, 1).gather(1, objects.flatten(0, 1).flatten(1)).view_as(objects)  # the pixel's object is seen now
    tracked = (slot_map >= 1) & (slot_map <= slots)
    return torch.where(shown, objects, torch.where(tracked, 0, slot_map))


def _object_count(kinds: Tensor, slots: int) -> Tensor:
    """(B, 256) kinds -> (B, 1) how many of the first ``slots`` objects each clip's masks have: the
    object slots :func:`by_identity` fills, the rest free."""
    return (select_ids(kinds, (OBJECT,), slots) >= 0).sum(dim=1, keepdim=True)


def with_false_things(handed: Tensor, slot_map: Tensor, masks: Tensor, kinds: Tensor, slots: int, min_share: float) -> Tensor:
    """Put back, after the masks' objects, the tracker's false things that identities dropped.

    A slot that holds less than ``min_share`` objects over the clip (a screen rising or lowering,
    a ghost, a wall's edge) keeps its pixels that are no object, renumbered into the slots the
    masks' objects leave free, in the tracker's order; those past ``slots`` stay dropped.

    Args:
        handed: (B, T, H, W) int64, ``slot_map`` after :func:`by_identity` (or a variant).
        slot_map: (B, T, H, W) int64 as found, 1 + the slot of each pixel; slots 1..K objects.
        masks: (B, T, H, W) the world's instance ids; kinds (B, 256) each id's kind.
        slots: K. min_share: as :class:`MaskFilteredPerception`'s.

    Returns:
        (B, T, H, W): ``handed``, and a false thing's pixels that it left to none in slot
        1 + n + r, where n is the clip's count of objects (at most K) and r the false slot's rank.
    """
    share = object_share(slot_map, masks, kinds, slots)  # (B, K)
    where = slot_map.flatten(1).clamp_max(slots + 1)  # slots past K (static) counted together
    held = torch.zeros(len(slot_map), slots + 2, dtype=torch.bool, device=slot_map.device).scatter_(1, where, True)[:, 1:-1]
    false = held & (share < min_share)  # (B, K)
    number = _object_count(kinds, slots) + false.long().cumsum(dim=1)  # (B, K): 1 + n + r for a false slot
    table = nn.functional.pad(torch.where(false & (number <= slots), number, 0), (1, 1))  # indexed by slot_map
    put_back = table.gather(1, where).view_as(slot_map)
    return torch.where((handed == 0) & (put_back > 0), put_back, handed)


class MaskFilteredPerception(nn.Module):
    """``perception``'s slots, its object slots that hold mostly no object emptied by the masks.

    Args:
        perception: a label-free perception with ``slot_map``, ``percepts`` and ``object_slots``
            (:class:`~physpred.models.slots.ForegroundPerception`).
        min_share: an object slot is kept when at least this share of its pixels over the clip
            are the world's objects.
        identities: hand the object slots' pixels to slots by the masks' identities
            (:func:`by_identity`) before filtering: no tracking errors, no false things.
        keep_other_pixels: with ``identities``, an object slot's pixels that are no object (the
            blur between things, a ghost joined to a thing) stay with it, renumbered as
            :func:`by_slot_identity` renumbers it, instead of being dropped: things that touch
            are parted, but an object that shares a frame's slot with a thing that is none (a
            support it rides, a ghost) is handed all of it, and its slot, then mostly no object,
            is emptied for the clip (150 training clips: 3441 of 4597 visible sightings held,
            with ``identities`` alone 4355).
        keep_rims: with ``identities``, an object slot's pixels that are the blended edge of one
            object (:func:`rims`) go to that object's slot, its other pixels that are no object are
            dropped (:func:`by_identity_keeping_rims`).
        empty_first: with ``identities``, the slots that hold mostly no object are emptied before
            the pixels are handed, as without identities: an object the tracker holds only in the
            slot of a thing that is none (joined to a moving wall, a ghost, a screen) stays unseen.
        slot_identities: renumber the object slots frame by frame by the masks' identities
            (:func:`by_slot_identity`), their pixels as found: the tracker's identities corrected,
            not what it holds together (two touching things stay one slot's).
        whole_objects: with ``identities``, a seen object holds all the pixels the masks give it
            (:func:`whole_when_seen`): only *when* a thing is seen is left to the label-free
            perception, not which of its pixels.
    """

    reads_masks = True

    def __init__(
        self,
        *,
        perception: nn.Module,
        min_share: float = 0.5,
        identities: bool = False,
        whole_objects: bool = False,
        keep_other_pixels: bool = False,
        keep_rims: bool = False,
        empty_first: bool = False,
        slot_identities: bool = False,
        false_things: bool = False,
        false_kind: int = 1,
    ) -> None:
        super().__init__()
        if not all(hasattr(perception, name) for name in ("slot_map", "percepts", "object_slots")):
            raise ValueError(f"MaskFilteredPerception: perception ({type(perception).__name__}) has no slot map to filter (use ForegroundPerception)")
        if not 0 < min_share <= 1:
            raise ValueError(f"MaskFilteredPerception: min_share must be in (0, 1], got {min_share} (fix the YAML)")
        if not isinstance(identities, bool):
            raise ValueError(f"MaskFilteredPerception: identities must be true or false, got {identities!r} (fix the YAML)")
        if not isinstance(whole_objects, bool) or (whole_objects and not identities):
            raise ValueError(f"MaskFilteredPerception: whole_objects must be true or false and needs identities: true, got {whole_objects!r} (fix the YAML)")
        if not isinstance(slot_identities, bool) or (slot_identities and identities):
            raise ValueError(f"MaskFilteredPerception: slot_identities must be true or false, and not with identities: true, got {slot_identities!r} (fix the YAML)")
        if not isinstance(keep_other_pixels, bool) or (keep_other_pixels and not identities):
            raise ValueError(f"MaskFilteredPerception: keep_other_pixels must be true or false and needs identities: true, got {keep_other_pixels!r} (fix the YAML)")
        if not isinstance(keep_rims, bool) or (keep_rims and (not identities or keep_other_pixels)):
            raise ValueError(f"MaskFilteredPerception: keep_rims must be true or false, needs identities: true and not keep_other_pixels, got {keep_rims!r} (fix the YAML)")
        if not isinstance(empty_first, bool) or (empty_first and not identities):
            raise ValueError(f"MaskFilteredPerception: empty_first must be true or false and needs identities: true, got {empty_first!r} (fix the YAML)")
        if not isinstance(false_things, bool) or (false_things and (not identities or keep_other_pixels or whole_objects or empty_first)):
            raise ValueError(f"MaskFilteredPerception: false_things must be true or false, needs identities: true and none of keep_other_pixels, whole_objects, empty_first, got {false_things!r} (fix the YAML)")
        if false_kind not in (1, 2) or (false_kind != 1 and not false_things):
            raise ValueError(f"MaskFilteredPerception: false_kind must be 1 or 2 and needs false_things: true, got {false_kind!r} (fix the YAML)")
        self.perception, self.min_share, self.identities, self.whole_objects = perception, min_share, identities, whole_objects
        self.slot_identities, self.keep_other_pixels, self.keep_rims = slot_identities, keep_other_pixels, keep_rims
        self.empty_first, self.false_things, self.false_kind = empty_first, false_things, false_kind

    @property
    def object_slots(self) -> int:
        """How many of the slots, first, hold things that move: the perception's."""
        return self.perception.object_slots

    def forward(self, frames: Tensor, masks: Tensor, kinds: Tensor) -> Percepts:
        """(B, T, 3, H, W) uint8 frames, (B, T, H, W) masks and (B, 256) kinds -> :class:`Percepts`."""
        found = slot_map = self.perception.slot_map(frames)
        if self.empty_first:
            slot_map = self._empty_false(slot_map, masks, kinds)
        if self.identities:
            hand = by_identity_keeping_others if self.keep_other_pixels else by_identity_keeping_rims if self.keep_rims else by_identity
            slot_map = hand(slot_map, masks, kinds, self.object_slots)
        if self.slot_identities:
            slot_map = by_slot_identity(slot_map, masks, kinds, self.object_slots)
        if self.whole_objects:
            slot_map = whole_when_seen(slot_map, masks, kinds, self.object_slots)
        if self.false_things:
            return self._with_false_kind(self.perception.percepts(frames, with_false_things(slot_map, found, masks, kinds, self.object_slots, self.min_share)), kinds)
        return self.perception.percepts(frames, self._empty_false(slot_map, masks, kinds))

    def _with_false_kind(self, percepts: Percepts, kinds: Tensor) -> Percepts:
        """``percepts`` with the object slots past the masks' objects (the false things put back,
        :func:`with_false_things`) given ``false_kind`` where they hold anything."""
        if self.false_kind == 1:
            return percepts
        slots = self.object_slots
        objects = _object_count(kinds, slots)
        held = percepts.features[..., :slots, 0].amax(dim=1) > 0.5  # (B, K): present in some frame
        false = held & (torch.arange(slots, device=kinds.device) >= objects)
        kind = percepts.kind.clone()
        kind[:, :slots] = torch.where(false, self.false_kind, kind[:, :slots])
        return percepts._replace(kind=kind)

    def _empty_false(self, slot_map: Tensor, masks: Tensor, kinds: Tensor) -> Tensor:
        """(B, T, H, W) slot map -> the same with every object slot that holds less than ``min_share``
        objects over the clip emptied; no slot (0) and the static slots kept."""
        false = object_share(slot_map, masks, kinds, self.object_slots) < self.min_share  # (B, K)
        drop = nn.functional.pad(false, (1, 1))  # static slots are clamped to K + 1
        in_false = drop.gather(1, slot_map.flatten(1).clamp_max(self.object_slots + 1)).view_as(slot_map)
        return torch.where(in_false, 0, slot_map)
