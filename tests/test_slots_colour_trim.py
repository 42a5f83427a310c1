"""trim_to_colour: an object slot keeps the pixels that look like its thing. By hand (the median
per frame and slot, a slot under min_pixels kept whole), then through ForegroundPerception on a
ball with a grey piece joined to it; a highlight the ball encloses kept; solid_only on a line."""

from __future__ import annotations

import pytest
import torch

from physpred.models.slots import ForegroundPerception
from physpred.models.slots.colour_trim import slot_median_colours, trim_to_colour


def test_the_median_colour_is_taken_per_frame_and_slot() -> None:
    slot_map = torch.tensor([[[[1, 1, 1, 2]], [[1, 0, 1, 3]]]])  # (B 1, T 2, H 1, W 4); 3 is static
    red = torch.tensor([[10, 20, 200, 90], [40, 0, 60, 70]], dtype=torch.uint8)  # (T, W)
    frames = red[None, :, None, None].expand(1, 2, 3, 1, 4).contiguous()
    where, colours, median, _ = slot_median_colours(slot_map, frames, slots=2)
    assert where.tolist() == [0, 1, 2, 3, 4, 6]
    assert colours[:, 0].tolist() == [10, 20, 200, 90, 40, 60]
    assert median[:, 0].tolist() == [20, 20, 20, 90, 40, 40]  # lower median of an even run


def test_pixels_far_from_their_slots_median_are_dropped_and_static_slots_kept() -> None:
    slot_map = torch.tensor([[[[1, 1, 1, 1, 2, 3]]]])
    frames = torch.tensor([100, 110, 95, 180, 30, 250], dtype=torch.uint8)[None, None, None, None].expand(1, 1, 3, 1, 6)
    trimmed = trim_to_colour(slot_map, frames.contiguous(), slots=2, tolerance=0.1)
    assert trimmed.tolist() == [[[[1, 1, 1, 0, 2, 3]]]]  # 180 is 80 from the median 100; slot 3 is static


def test_a_slot_smaller_than_min_pixels_is_kept_whole_in_that_frame() -> None:
    slot_map = torch.tensor([[[[1, 1, 1, 1, 2, 2, 2, 2, 2]], [[1, 1, 1, 1, 1, 2, 2, 2, 2]]]])  # (B 1, T 2, H 1, W 9)
    row = torch.tensor([100, 100, 100, 200, 50, 50, 50, 50, 220], dtype=torch.uint8)
    frames = row[None, None, None, None].expand(1, 2, 3, 1, 9).contiguous()
    trimmed = trim_to_colour(slot_map, frames, slots=2, tolerance=0.1, min_pixels=5)
    # frame 0: slot 1 holds 4 pixels (kept whole, 200 too), slot 2 holds 5 (220 goes);
    # frame 1: slot 1 holds 5 (200 and 50 go, median 100), slot 2 holds 4 (kept whole, 220 too)
    assert trimmed[0, 0].tolist() == [[1, 1, 1, 1, 2, 2, 2, 2, 0]]
    assert trimmed[0, 1].tolist() == [[1, 1, 1, 0, 0, 2, 2, 2, 2]]
    assert torch.equal(trim_to_colour(slot_map, frames, slots=2, tolerance=0.1, min_pixels=0)[0, 0], torch.tensor([[1, 1, 1, 0, 2, 2, 2, 2, 0]]))


def _ball_with_a_grey_piece() -> torch.Tensor:
    """(1, T, 3, 32, 32) a red 4 x 4 ball rolling right with a grey 2 x 4 piece joined below it
    (a piece of the slab it crosses, in the slot's minority)."""
    frames = torch.full((12, 3, 32, 32), 40, dtype=torch.uint8)
    for t in range(12):
        frames[t, :, 18:20, 4 + 2 * t : 8 + 2 * t] = 150
        frames[t, 0, 14:18, 4 + 2 * t : 8 + 2 * t], frames[t, 1:, 14:18, 4 + 2 * t : 8 + 2 * t] = 220, 30
    return frames[None]


def test_a_ball_keeps_its_slot_without_the_grey_piece_joined_to_it() -> None:
    frames = _ball_with_a_grey_piece()
    whole = ForegroundPerception(slots=2, min_area=4).slot_map(frames)
    trimmed = ForegroundPerception(slots=2, min_area=4, colour_trim=0.2).slot_map(frames)
    ball = whole[0, 5, 15, 15]
    assert ball > 0 and (whole[0, 5] == ball).sum() == 24  # untrimmed, ball and piece are one slot
    assert torch.equal(trimmed == ball, (whole == ball) & (frames[:, :, 0] == 220))  # trimmed, the ball alone


def test_bad_options_raise_one_line_errors() -> None:
    with pytest.raises(ValueError, match="colour_trim"):
        ForegroundPerception(colour_trim=1.5)
    with pytest.raises(ValueError, match="colour_trim_min_area"):
        ForegroundPerception(colour_trim_min_area=0.03)
    with pytest.raises(ValueError, match="solid_only"):
        ForegroundPerception(solid_only="yes")


def test_solid_only_tracks_no_line() -> None:
    """A 4 x 4 square and a 2-pixel-wide line both slide right; only the square is a thing."""
    frames = torch.full((1, 10, 3, 32, 32), 40, dtype=torch.uint8)
    for t in range(10):
        frames[0, t, :, 4:8, 2 + 2 * t : 6 + 2 * t] = 200
        frames[0, t, :, 20:30, 4 + 2 * t : 6 + 2 * t] = 120
    plain = ForegroundPerception(slots=3, min_area=4).slot_map(frames)
    solid = ForegroundPerception(slots=3, min_area=4, solid_only=True).slot_map(frames)
    assert (plain[0, :, 25, :] > 0).any(dim=1).all() and not (solid[0, :, 20:30] > 0).any()  # the line
    assert torch.equal(solid[0, :, :10] > 0, plain[0, :, :10] > 0)  # the square


def test_a_highlight_the_thing_encloses_is_kept() -> None:
    slot_map = torch.zeros(1, 1, 5, 6, dtype=torch.long)
    slot_map[0, 0, :, :5] = 1  # a 5 x 5 ball, its centre a highlight
    frames = torch.full((1, 1, 3, 5, 6), 100, dtype=torch.uint8)
    frames[0, 0, :, 2, 2] = 250
    frames[0, 0, :, 0, 4] = 250  # a pixel of its edge as light: not enclosed
    trimmed = trim_to_colour(slot_map, frames, slots=1, tolerance=0.1)
    assert trimmed[0, 0, 2, 2] == 1 and trimmed[0, 0, 0, 4] == 0 and trimmed.sum() == 24
