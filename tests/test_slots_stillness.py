"""hold_unchanged: a tracked thing whose pixels do not change is still there; by hand."""

from __future__ import annotations

import torch

from physpred.models.slots.stillness import hold_unchanged


def _clip(steps: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """Slot 1 holds a 2x2 square in frame 0 and nothing after; the frames never change.

    Returns:
        slot_map (1, T, 6, 6) int64 and frames (1, T, 3, 6, 6) uint8.
    """
    slot_map = torch.zeros(1, steps, 6, 6, dtype=torch.long)
    slot_map[0, 0, 1:3, 1:3] = 1
    frames = torch.full((1, steps, 3, 6, 6), 100, dtype=torch.uint8)
    frames[:, :, :, 1:3, 1:3] = 200
    return slot_map, frames


def test_a_lost_thing_whose_pixels_do_not_change_is_held_frame_after_frame() -> None:
    slot_map, frames = _clip()
    held = hold_unchanged(slot_map, frames, slots=2, threshold=0.05, share=0.8)
    assert (held[0, :, 1:3, 1:3] == 1).all()
    assert held.sum() == 4 * 4  # nowhere else
    assert slot_map[0, 1:].eq(0).all()  # the input is left as it was


def test_a_thing_whose_pixels_change_is_let_go() -> None:
    slot_map, frames = _clip()
    frames[0, 2:, :, 1:3, 1:3] = 100  # it vanishes in frame 2: its place shows the background
    held = hold_unchanged(slot_map, frames, slots=2, threshold=0.05, share=0.8)
    assert held[0, 1].sum() == 4 and held[0, 2:].eq(0).all()


def test_pixels_another_slot_holds_are_not_taken_and_too_few_left_is_no_hold() -> None:
    slot_map, frames = _clip()
    slot_map[0, 1, 1, 1] = 2  # one pixel of four in slot 2: three of four left
    held = hold_unchanged(slot_map, frames, slots=2, threshold=0.05, share=0.7)
    assert held[0, 1, 1, 1] == 2 and (held[0, 1] == 1).sum() == 3
    strict = hold_unchanged(slot_map, frames, slots=2, threshold=0.05, share=0.8)
    assert (strict[0, 1] == 1).sum() == 0


def test_a_slot_that_sees_its_thing_elsewhere_and_static_slots_are_not_held() -> None:
    slot_map, frames = _clip()
    slot_map[0, 1, 4, 4] = 1  # slot 1 sees something in frame 1
    held = hold_unchanged(slot_map, frames, slots=2, threshold=0.05, share=0.8)
    assert (held[0, 1] == 1).sum() == 1
    static, frames = _clip()
    static[0, 0, 1:3, 1:3] = 3  # a slot past ``slots``: a static thing, never held
    assert hold_unchanged(static, frames, slots=2, threshold=0.05, share=0.8).equal(static)
