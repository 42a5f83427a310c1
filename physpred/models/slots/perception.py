"""Perception from instance masks (PLATO's setting): frames + masks -> object slots per frame.

The slots are the masks' things in a fixed order — objects first, then screens and walls — so a
slot keeps its identity for the whole movie, including across a probe's splice (the world gives
a thing the same id in every movie of a quadruplet). It has no parameters: it is the upper bound
that tells whether the dynamics and the scoring are right.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from physpred.models.slots.features import PRESENT, id_features, select_ids


class Percepts(NamedTuple):
    """Slots seen in every frame of a batch of clips.

    Attributes:
        features: (B, T, K, F) percept features (``physpred.models.slots.features.FEATURES``).
        kind: (B, K) int64, 1 object, 2 screen, 3 wall, 0 an empty slot.
        reconstruction_error: scalar loss of a perception that learns by drawing the frames
            back (slot attention), None for one that learns nothing (masks).
        screens: (B, H, W) bool, the pixels of the screens and walls a perception that finds
            them saw (``ForegroundPerception``), for scoring with ``clip_to_view``; None otherwise.
    """

    features: Tensor
    kind: Tensor
    reconstruction_error: Tensor | None = None
    screens: Tensor | None = None


def see(perception: nn.Module, frames: Tensor, masks: Tensor | None, kinds: Tensor | None) -> Percepts:
    """``perception``'s slots of (B, T, 3, H, W) frames, given the masks (B, T, H, W) and kinds
    (B, 256) when it reads them (``reads_masks``)."""
    return perception(frames, masks, kinds) if getattr(perception, "reads_masks", False) else perception(frames)


def hold_still(features: Tensor) -> Tensor:
    """(B, T, K, F) percept features -> the same shape, each slot showing in every frame its
    median over the clip: present where it is seen in more than half the frames, then at the
    median of each feature over the frames it is seen in; absent (all zero) otherwise."""
    seen = features[..., PRESENT] > 0  # (B, T, K, 1)
    median = torch.where(seen, features, torch.nan).nanmedian(dim=1, keepdim=True).values
    mostly_seen = seen.float().mean(dim=1, keepdim=True) > 0.5
    return torch.where(mostly_seen, median, 0.0).expand_as(features).contiguous()


def hide_resting(masks: Tensor, kinds: Tensor, share: float = 0.5) -> Tensor:
    """(B, T, H, W) instance ids, (B, 256) kinds -> the ids with every object pixel that its
    object covers in at least ``share`` of the clip's frames set to 0 (background), in those
    frames: at one half, what a per-pixel temporal median takes into the background — a thing at
    rest for most of the clip, unseen where it rests; at 1, only a thing still for the whole clip."""
    ids = masks.long()
    mode = ids.mode(dim=1).values  # (B, H, W) the id each pixel shows most often
    shows_mode = ids == mode[:, None]  # (B, T, H, W)
    resting = (kinds.long().gather(1, mode.flatten(1)).view_as(mode) == 1) & (shows_mode.sum(dim=1) >= share * masks.shape[1])
    return torch.where(resting[:, None] & shows_mode, 0, masks)


class MaskPerception(nn.Module):
    """Reads K = ``objects`` + ``scenery`` slots from the world's (or a data set's) masks.

    Args:
        objects: object slots (things that move: balls, boxes); extra objects are ignored.
        scenery: slots for screens and walls (anything solid or occluding), in id order.
        wall_kind: give walls their own kind (3); False: every screen and wall has kind 2, as a
            perception without labels gives them (it cannot tell which static thing is solid).
        empty_objects: an object slot with no thing in the clip has kind 0; False: kind 1, as
            ``ForegroundPerception`` gives every tracked slot. With ``wall_kind: false`` too, the
            kinds of the label-free perception: a model trained on either can be scored on the
            other's slots (``physpred probe --perception``, a decomposition).
        min_area: a thing whose visible part holds fewer pixels than this (at the frame size
            read) counts as hidden. A sliver at a screen's edge is mostly blended edge pixels:
            a 1-pixel sliver of a (0.19, 0.76, 0.64) ball read (0.59, 0.88, 0.73), and the
            dynamics carried that colour and a sliver's extent through the whole occlusion, so
            the ball that came back paid for them (docs/research.md, 2026-12-04). 1 keeps every
            pixel; ``ForegroundPerception`` has the same floor.
        scoring_min_area: the floor in eval mode (probing, validation, figures); None: ``min_area``.
            Trained with a floor of 8 the dynamics learned no permanence (4 seeds in 4), scored
            with it after training at 1 it paid no longer for slivers (lab rows
            ``objects_masks_*_min_area8_dev30``): the floor is a scoring choice.
        hide_resting: hide an object where it rests for at least ``hide_resting_share`` of the
            clip (:func:`hide_resting`; at one half as a label-free perception's median background
            does): a decomposition, never a recipe.
        hide_resting_share: with ``hide_resting``, the share of the clip's frames an object must
            cover a pixel in to be hidden there; 1: only where it stays for the whole clip.
        still_scenery: show every screen and wall slot still, at its median over the clip
            (:func:`hold_still`), as a label-free perception's static scenery never moves: a
            decomposition (does the dynamics learn vertical moves from the moving screens?),
            never a recipe.
    """

    reads_masks = True
    PIXEL_AREAS = ("min_area", "scoring_min_area")  # physpred.models.slots.pixel_scale

    def __init__(
        self,
        *,
        objects: int = 4,
        scenery: int = 4,
        wall_kind: bool = True,
        empty_objects: bool = True,
        min_area: int = 1,
        scoring_min_area: int | None = None,
        hide_resting: bool = False,
        hide_resting_share: float = 0.5,
        still_scenery: bool = False,
    ) -> None:
        super().__init__()
        scoring_min_area = min_area if scoring_min_area is None else scoring_min_area
        if objects < 1 or scenery < 0 or min(min_area, scoring_min_area) < 1:
            raise ValueError(
                f"MaskPerception: objects must be >= 1, scenery >= 0 and min_area and scoring_min_area >= 1, "
                f"got {objects}, {scenery}, {min_area}, {scoring_min_area} (fix the YAML)"
            )
        if not 0 < hide_resting_share <= 1:
            raise ValueError(f"MaskPerception: hide_resting_share must be in (0, 1], got {hide_resting_share} (fix the YAML)")
        self.objects, self.scenery, self.wall_kind, self.empty_objects = objects, scenery, wall_kind, empty_objects
        self.min_area, self.scoring_min_area, self.hide_resting = min_area, scoring_min_area, hide_resting
        self.hide_resting_share, self.still_scenery = hide_resting_share, still_scenery

    @property
    def slots(self) -> int:
        """K."""
        return self.objects + self.scenery

    @property
    def object_slots(self) -> int:
        """How many of the K slots, first, hold objects."""
        return self.objects

    @property
    def floor(self) -> int:
        """The pixels a thing needs to be seen now: ``min_area`` in training, ``scoring_min_area`` in eval mode."""
        return self.min_area if self.training else self.scoring_min_area

    def forward(self, frames: Tensor, masks: Tensor, kinds: Tensor) -> Percepts:
        """Slots of every frame.

        Args:
            frames: (B, T, 3, H, W) uint8.
            masks: (B, T, H, W) uint8 instance ids.
            kinds: (B, 256) uint8 kind of each id (0 background, 1 object, 2 screen, 3 wall).

        Returns:
            :class:`Percepts` with K = ``objects + scenery`` slots.
        """
        ids = torch.cat([select_ids(kinds, (1,), self.objects), select_ids(kinds, (2, 3), self.scenery)], dim=1)
        kind = torch.where(ids >= 0, kinds.long().gather(1, ids.clamp_min(0)), torch.zeros_like(ids))
        if not self.wall_kind:
            kind = kind.clamp_max(2)
        if not self.empty_objects:
            kind[:, : self.objects] = 1
        if self.hide_resting:
            masks = hide_resting(masks, kinds, self.hide_resting_share)
        features = id_features(frames, masks, ids, self.floor)
        if self.still_scenery:
            features = torch.cat([features[:, :, : self.objects], hold_still(features[:, :, self.objects :])], dim=2)
        return Percepts(features, kind)
