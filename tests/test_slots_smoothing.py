"""smooth_places: a tracked slot's place averaged causally over each run of frames it is seen in."""

from __future__ import annotations

import pytest
import torch

from physpred.models.slots import ForegroundPerception
from physpred.models.slots.features import FEATURES
from physpred.models.slots.smoothing import smooth_places

X, Y = FEATURES.index("x"), FEATURES.index("y")


def _features(places: list[float | None], slots: int = 2) -> torch.Tensor:
    """(1, T, slots, F): slot 0 seen at y = each place (None: unseen), slot 1 seen still at 0.5."""
    features = torch.zeros(1, len(places), slots, len(FEATURES))
    for t, place in enumerate(places):
        if place is not None:
            features[0, t, 0, 0], features[0, t, 0, Y], features[0, t, 0, X] = 1.0, place, 0.3
    features[0, :, 1, 0], features[0, :, 1, Y] = 1.0, 0.5
    return features


def test_places_are_averaged_over_a_run_and_start_afresh_after_an_absence() -> None:
    features = _features([0.0, 0.4, 0.4, None, 0.8, 0.0])
    smoothed = smooth_places(features, 0.5, slots=1)
    assert smoothed[0, :, 0, Y].tolist() == pytest.approx([0.0, 0.2, 0.3, 0.0, 0.8, 0.4])
    assert smoothed[0, :, 0, X].tolist() == pytest.approx([0.3, 0.3, 0.3, 0.0, 0.3, 0.3])  # a still axis stays
    assert torch.equal(smoothed[..., 1, :], features[..., 1, :])  # past ``slots``: left as seen
    rest = [i for i in range(len(FEATURES)) if i not in (X, Y)]
    assert torch.equal(smoothed[..., rest], features[..., rest])  # only the place changes
    assert torch.equal(smooth_places(features, 1.0, slots=2), features)


def test_smoothing_a_jittering_still_thing_shrinks_its_steps() -> None:
    """A still thing whose centre flickers between two rows 0.02 apart: at weight 0.5 its steps
    shrink to a third (0.0067); a steady mover keeps its step, one step behind."""
    jitter = smooth_places(_features([0.50, 0.52] * 8), 0.5, slots=1)[0, :, 0, Y]
    assert jitter.diff()[-4:].abs().max() < 0.02 / 2
    steady = smooth_places(_features([0.1 + 0.02 * t for t in range(16)]), 0.5, slots=1)[0, :, 0, Y]
    assert steady.diff()[-4:].tolist() == pytest.approx([0.02] * 4, abs=1e-4)


def test_foreground_perception_smooths_only_its_tracked_slots() -> None:
    frames = torch.full((1, 8, 3, 32, 32), 40, dtype=torch.uint8)
    for t in range(8):  # a square falling faster and faster; the first and last frames set the median apart
        top = 2 + t * t // 4  # rows 2, 2, 3, 4, 6, 8, 11, 14: within the tracker's gate
        frames[0, t, :, top : top + 4, 10:14] = 200
    plain, smooth = ForegroundPerception(slots=2, min_area=4), ForegroundPerception(slots=2, min_area=4, smooth_place=0.5)
    seen, smoothed = plain(frames).features[0, :, 0], smooth(frames).features[0, :, 0]
    assert smoothed[0, Y] == seen[0, Y]
    expected = [float(seen[0, Y])]
    for t in range(1, 8):
        expected.append(0.5 * float(seen[t, Y]) + 0.5 * expected[-1])
    assert smoothed[:, Y].tolist() == pytest.approx(expected)
    assert (smoothed[2:, Y].diff().diff() > 0).all()  # still falling faster and faster, a step behind
    with pytest.raises(ValueError, match="smooth_place must be in"):
        ForegroundPerception(smooth_place=0.0)
