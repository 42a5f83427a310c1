"""MaskFilteredPerception: a label-free perception's false things emptied by the masks, true ones untouched."""

from __future__ import annotations

import pytest
import torch

from physpred.models.slots import ForegroundPerception, MaskFilteredPerception
from physpred.models.slots.features import FEATURES
from physpred.models.slots.mask_filter import object_share
from tests.test_slots_foreground import _movie, _slot_of


def test_object_share_by_hand() -> None:
    slot_map = torch.tensor([[[[1, 1, 2, 0], [3, 3, 3, 2]]]])  # (B 1, T 1, H 2, W 4)
    masks = torch.tensor([[[[5, 0, 6, 5], [5, 5, 6, 6]]]], dtype=torch.uint8)
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    kinds[0, 5], kinds[0, 6] = 1, 2  # id 5 an object, id 6 a screen
    share = object_share(slot_map, masks, kinds, slots=3)
    assert share.tolist() == [[0.5, 0.0, pytest.approx(2 / 3)]]
    assert object_share(slot_map, masks, kinds, slots=4)[0, 3] == 0  # a slot holding nothing


def test_the_slot_of_a_thing_the_masks_call_no_object_is_emptied_and_the_others_kept() -> None:
    frames, ids = _movie()
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    kinds[0, 1] = kinds[0, 4] = 1
    kinds[0, 2] = kinds[0, 3] = 2  # to these masks the falling blue square is a (moving) screen
    perception = ForegroundPerception(slots=4)
    slot_map = perception.slot_map(frames[None])[0]
    red, blue = _slot_of(slot_map, ids, 1, 0), _slot_of(slot_map, ids, 2, 0)
    filtered = MaskFilteredPerception(perception=perception)(frames[None], ids[None].to(torch.uint8), kinds)
    plain = perception(frames[None])
    present = FEATURES.index("present")
    assert plain.features[0, :, blue, present].eq(1).all() and filtered.features[0, :, blue].eq(0).all()
    kept = [k for k in range(4) if k != blue]
    assert torch.equal(filtered.features[0, :, kept], plain.features[0, :, kept])
    assert filtered.features[0, :, red, present].sum() > 0 and torch.equal(filtered.kind, plain.kind)


def test_bad_parts_raise_one_line_errors() -> None:
    with pytest.raises(ValueError, match="no slot map to filter"):
        MaskFilteredPerception(perception=torch.nn.Identity())
    with pytest.raises(ValueError, match="min_share must be in"):
        MaskFilteredPerception(perception=ForegroundPerception(), min_share=0.0)
