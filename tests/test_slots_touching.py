"""split_touching: two things that touch are one component; the slot of the one that sees nothing
takes back its pixels. By hand, then through ForegroundPerception."""

from __future__ import annotations

import torch

from physpred.models.slots import ForegroundPerception
from physpred.models.slots.touching import split_touching

SIDE = 16
RED, BLUE = (0.9, 0.1, 0.1), (0.1, 0.1, 0.9)


def _pair(left: tuple[float, float, float], right: tuple[float, float, float]) -> tuple[torch.Tensor, torch.Tensor]:
    """One frame of two 4 x 4 squares side by side (columns 4..7 and 8..11, rows 6..9), both held
    by slot 1: frames (1, 1, 3, H, W) uint8 and the slot map (1, 1, H, W)."""
    frames = torch.zeros(1, 1, 3, SIDE, SIDE, dtype=torch.uint8)
    frames[0, 0, :, 6:10, 4:8] = (torch.tensor(left) * 255).to(torch.uint8)[:, None, None]
    frames[0, 0, :, 6:10, 8:12] = (torch.tensor(right) * 255).to(torch.uint8)[:, None, None]
    slot_map = torch.zeros(1, 1, SIDE, SIDE, dtype=torch.long)
    slot_map[0, 0, 6:10, 4:12] = 1
    return frames, slot_map


def _state(place: tuple[float, float], known: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Looks, places and known of two slots: slot 1 red and holding, slot 2 blue, last seen at ``place``."""
    looks = torch.tensor([[RED, BLUE]])[None]  # (1, 1, 2, 3)
    places = torch.tensor([[(0.5, 0.5), place]])[None]  # (1, 1, 2, 2)
    return looks, places, torch.tensor([[[True, known]]])


def test_the_hidden_slot_next_to_a_pair_takes_back_its_colour() -> None:
    frames, slot_map = _pair(RED, BLUE)
    split = split_touching(slot_map, frames, *_state((0.8, 0.5)), reach=0.15, colour_gate=0.25, min_area=4)
    assert (split[0, 0, 6:10, 4:8] == 1).all() and (split[0, 0, 6:10, 8:12] == 2).all()
    assert (split[0, 0] == 0).sum() == (slot_map[0, 0] == 0).sum()  # nothing else changes


def test_no_split_without_a_hidden_slot_near_of_that_colour_or_with_too_few_pixels() -> None:
    frames, slot_map = _pair(RED, BLUE)
    far = split_touching(slot_map, frames, *_state((0.1, 0.1)), reach=0.15, colour_gate=0.25, min_area=4)
    never = split_touching(slot_map, frames, *_state((0.8, 0.5), known=False), reach=0.15, colour_gate=0.25, min_area=4)
    few = split_touching(slot_map, frames, *_state((0.8, 0.5)), reach=0.15, colour_gate=0.25, min_area=17)
    one, _ = _pair(RED, RED)
    alike = split_touching(slot_map, one, *_state((0.8, 0.5)), reach=0.15, colour_gate=0.25, min_area=4)
    for kept in (far, never, few, alike):
        assert torch.equal(kept, slot_map)


def test_what_the_holder_keeps_under_min_area_is_dropped() -> None:
    frames, slot_map = _pair(RED, BLUE)
    frames[0, 0, :, 6:10, 4:8] = frames[0, 0, :, 6:10, 8:12]  # the pair is all blue but one pixel
    frames[0, 0, :, 6, 4] = (torch.tensor(RED) * 255).to(torch.uint8)
    split = split_touching(slot_map, frames, *_state((0.8, 0.5)), reach=0.15, colour_gate=0.25, min_area=4)
    assert (split[0, 0] == 1).sum() == 0 and (split[0, 0] == 2).sum() == 31


def _meeting(side: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """A red 4 x 4 square slides right and a blue one left, 2 px a frame, on grey; they touch in
    frames 5..9, then part the way they came.

    Returns:
        frames (T, 3, H, W) uint8 and ids (T, H, W): red 1, blue 2.
    """
    lefts = [min(t, 5) for t in range(10)] + [5 - t for t in range(1, 6)]  # steps taken
    frames = torch.full((len(lefts), 3, side, side), 100, dtype=torch.uint8)
    ids = torch.zeros(len(lefts), side, side, dtype=torch.long)
    for t, step in enumerate(lefts):
        for thing, colour, left in ((1, (230, 30, 30), 2 + 2 * step), (2, (30, 30, 230), 26 - 2 * step)):
            frames[t, :, 12:16, left : left + 4] = torch.tensor(colour)[:, None, None]
            ids[t, 12:16, left : left + 4] = thing
    return frames, ids


def test_things_that_come_to_touch_keep_their_slots() -> None:
    frames, ids = _meeting()
    apart, together = (
        ForegroundPerception(slots=3, threshold=0.1, split_touching=flag).slot_map(frames[None])[0] for flag in (False, True)
    )
    for t in range(5, 10):
        red, blue = apart[t][ids[t] == 1].unique(), apart[t][ids[t] == 2].unique()
        assert len(red) == 1 and torch.equal(red, blue)  # without: one slot holds the pair
        red, blue = together[t][ids[t] == 1].unique(), together[t][ids[t] == 2].unique()
        assert len(red) == len(blue) == 1 and red != blue and red > 0 and blue > 0
        assert red == together[0][ids[0] == 1].unique() and blue == together[0][ids[0] == 2].unique()  # their own slots
