"""What of an expected thing the screens and the frame leave in view (physpred.models.slots.occlusion)."""

from __future__ import annotations

import math

import pytest
import torch

from physpred.models.slots import (
    ForegroundPerception,
    GatedSlotDynamics,
    MaskPerception,
    ObjectEnergyModel,
    SlotEnergy,
)
from physpred.models.slots.features import FEATURES, mask_features
from physpred.models.slots.occlusion import box_weights, pixels_in_frame, visible_part
from physpred.types import ClipGeometry

SIDE = 16


def _box_slot(left: int, top: int, width: int, height: int) -> torch.Tensor:
    """(F,) the features perception reads from a box of red pixels at (left, top)."""
    weights = torch.zeros(1, 1, 1, SIDE, SIDE)
    weights[..., top : top + height, left : left + width] = 1
    frames = torch.zeros(1, 1, 3, SIDE, SIDE)
    frames[:, :, 0] = 255
    return mask_features(frames, weights)[0, 0, 0]


def test_a_box_is_drawn_where_its_features_say() -> None:
    weights = box_weights(_box_slot(4, 6, 4, 4), SIDE, SIDE)
    assert weights.sum().item() == pytest.approx(16.0, rel=0.1)  # a uniform box of the same spread: 3.87 px a side
    assert weights[6:10, 4:8].min() > 0.85 and weights[:5].sum() == 0 and weights[:, 9:].sum() == 0


@pytest.mark.parametrize("cover_from", [6, 7])
def test_the_part_a_screen_leaves_in_view_is_what_perception_would_see(cover_from: int) -> None:
    """A 4 x 4 box at columns 4..7 behind a screen from column ``cover_from`` on: its expected
    centre, spreads and size become those perception reads from the uncovered columns."""
    expected = _box_slot(4, 6, 4, 4).clone()
    expected[0] = 3.0  # a presence logit
    covered = torch.zeros(1, 1, SIDE, SIDE, dtype=torch.bool)
    covered[..., cover_from:] = True
    out = visible_part(expected[None, None, None], torch.ones(1, 1, dtype=torch.long), covered)[0, 0, 0]
    seen = _box_slot(4, 6, cover_from - 4, 4)
    for name in ("x", "y", "spread_x", "spread_y", "size"):
        i = FEATURES.index(name)
        assert out[i].item() == pytest.approx(seen[i].item(), abs=0.15 / SIDE), name
    assert out[0] == expected[0] and torch.equal(out[6:], expected[6:])  # presence, fill and colour kept


def test_the_part_the_frame_leaves_in_view_is_what_perception_would_see() -> None:
    """A 4 x 4 box whose right half is past the frame's edge is expected as its left half."""
    expected = _box_slot(4, 6, 4, 4).clone()
    expected[1] += 10 / SIDE  # columns 14..17 of a 16-pixel frame
    out = visible_part(expected[None, None, None], torch.ones(1, 1, dtype=torch.long), torch.zeros(1, 1, SIDE, SIDE, dtype=torch.bool))
    seen = _box_slot(14, 6, 2, 4)
    for name in ("x", "y", "spread_x", "spread_y", "size"):
        i = FEATURES.index(name)
        assert out[0, 0, 0, i].item() == pytest.approx(seen[i].item(), abs=0.15 / SIDE), name


def test_only_an_object_partly_covered_changes() -> None:
    """Uncovered, covered whole or not an object: the expectation is returned as it is."""
    box = _box_slot(4, 6, 4, 4)
    expected = torch.stack([box, _box_slot(10, 2, 2, 2), box, box])[None, None]  # (1, 1, 4, F)
    kind = torch.tensor([[1, 1, 2, 1]])
    covered = torch.zeros(1, 1, SIDE, SIDE, dtype=torch.bool)
    covered[..., 6:] = True  # covers half of slots 0 and 2, slot 1 whole
    covered[..., 0, 0] = False
    expected[0, 0, 3, 1] = 2 / SIDE  # slot 3 at columns 0..3: in view
    out = visible_part(expected, kind, covered)
    assert not torch.equal(out[0, 0, 0], expected[0, 0, 0])
    assert torch.equal(out[0, 0, 1:], expected[0, 0, 1:])


def _model(clip: bool = False, absent_out_of_frame: bool = False, perception: torch.nn.Module | None = None) -> ObjectEnergyModel:
    torch.manual_seed(0)
    return ObjectEnergyModel(
        perception=MaskPerception(objects=2, scenery=1) if perception is None else perception,
        dynamics=GatedSlotDynamics(hidden=8, heads=1, constant_velocity=True, gate=False),
        energy=SlotEnergy(),
        geometry=ClipGeometry(context_frames=2, future_frames=4, frame_step=1, frame_size=SIDE),
        horizon=3,
        clip_to_view=clip,
        absent_out_of_frame=absent_out_of_frame,
    )


def _emerging_movie() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A 2 x 2 object (id 3) moving right a pixel a frame from column 0, behind a screen (id 7)
    at columns 6..9: hidden at frames 6..8, coming out at 9 and 10."""
    steps = 13
    frames = torch.zeros(steps, 3, SIDE, SIDE, dtype=torch.uint8)
    masks = torch.zeros(steps, SIDE, SIDE, dtype=torch.uint8)
    for t in range(steps):
        frames[t, 0, 6:8, t : t + 2], masks[t, 6:8, t : t + 2] = 200, 3
        frames[t, :, 2:12, 6:10], masks[t, 2:12, 6:10] = 90, 7
    kinds = torch.zeros(256, dtype=torch.uint8)
    kinds[3], kinds[7] = 1, 2
    return frames, masks, kinds


def test_scoring_clips_the_expectation_to_the_screens_of_each_scored_frame() -> None:
    """With ``clip_to_view`` the model scores each frame against :func:`visible_part` of its
    expectation behind that frame's screen pixels, and against nothing else."""
    movie = _emerging_movie()
    _, percepts, whole, _ = _model(clip=False).movie_expectation(*movie, frame_step=1)
    _, _, clipped, energies = _model(clip=True).movie_expectation(*movie, frame_step=1)
    screens = movie[1][1:] == 7  # (S - 1, H, W) the screen's pixels in frames 1..S-1
    assert torch.equal(clipped, visible_part(whole, percepts.kind, screens[None]))
    assert not torch.equal(clipped, whole)
    assert torch.allclose(energies, SlotEnergy()(clipped, percepts.features[:, 1:], percepts.kind))


def test_a_perception_that_finds_the_screens_clips_without_masks() -> None:
    """Without labels the screens are the perception's own static things of kind 2: the same
    clipping, from pixels alone, and no masks asked for."""
    frames, masks, _ = _emerging_movie()
    perception = ForegroundPerception(slots=2, scenery=1, threshold=0.1, min_area=1)
    screens = perception.screens(frames[None])
    assert torch.equal(screens[0, 3:11, 7:9], torch.ones(8, 2, dtype=torch.bool))  # the screen's inside
    assert not screens[0, masks[0] == 3].any()  # the object's first place is no screen
    model = _model(clip=True, perception=perception)
    assert not model.screens_from_masks and _model(clip=True).screens_from_masks
    _, percepts, whole, _ = _model(perception=perception).movie_expectation(frames, None, None, frame_step=1)
    _, _, clipped, _ = model.movie_expectation(frames, None, None, frame_step=1)
    assert torch.equal(clipped, visible_part(whole, percepts.kind, screens[:, None].expand(-1, len(frames) - 1, -1, -1)))
    assert not torch.equal(clipped, whole)


def test_clipping_to_screens_needs_masks() -> None:
    frames, _, _ = _emerging_movie()
    with pytest.raises(ValueError, match="--masks"):
        _model(clip=True).movie_expectation(frames, None, None, frame_step=1)


def test_a_thing_expected_out_of_the_frame_is_expected_absent() -> None:
    """A coasting model expects a 2 x 2 object that leaves the frame on the right to go on; its
    untrained presence stays certain, so each frame after it left pays for a missing thing.
    With ``absent_out_of_frame`` those frames cost nothing, and the frames before are unchanged."""
    steps = 14
    frames = torch.zeros(steps, 3, SIDE, SIDE, dtype=torch.uint8)
    masks = torch.zeros(steps, SIDE, SIDE, dtype=torch.uint8)
    for t in range(steps):
        left = 4 + t
        frames[t, 0, 6:8, left : left + 2], masks[t, 6:8, left : left + 2] = 200, 3  # gone from frame 12
    kinds = torch.zeros(256, dtype=torch.uint8)
    kinds[3] = 1
    plain, scored = _model().movie_energies(frames, masks, kinds, frame_step=1)
    absent, _ = _model(absent_out_of_frame=True).movie_energies(frames, masks, kinds, frame_step=1)
    assert (plain[scored >= 13] > 1).all() and (absent[scored >= 13] < 0.1).all()
    assert torch.equal(absent[scored <= 10], plain[scored <= 10])
    half_out = _box_slot(4, 6, 4, 4).clone()
    half_out[1] += 10 / SIDE  # columns 14..17: a box of 3.87 px a side (the uniform box of its spread), half in view
    assert pixels_in_frame(half_out, SIDE, SIDE).item() == pytest.approx(3.873 * 3.873 / 2, rel=0.01)


def test_box_weights_have_at_least_a_pixel() -> None:
    slot = torch.zeros(len(FEATURES))
    slot[1], slot[2] = 0.5 + 0.5 / SIDE, 0.5 + 0.5 / SIDE  # the centre of pixel (8, 8), no spread
    weights = box_weights(slot, SIDE, SIDE)
    assert weights.sum().item() == pytest.approx(1.0) and weights[8, 8].item() == pytest.approx(1.0)
    assert math.isclose(weights.max().item(), 1.0)
