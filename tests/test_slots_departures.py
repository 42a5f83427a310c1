"""Lasting departures: the absences a clip cannot vouch for, and the training that ignores them."""

from __future__ import annotations

import torch

from physpred.models.slots.departures import lasting_departures, open_departures
from physpred.models.slots.features import FEATURES, HALF_WIDTH_PER_SPREAD


def _slot(steps: int, seen: list[int], x: float, y: float, half: float) -> torch.Tensor:
    """(T, F) features of a thing whose box is (x, y) +- half, in view at the frames ``seen``."""
    features = torch.zeros(steps, len(FEATURES))
    features[seen, :5] = torch.tensor([1.0, x, y, half / HALF_WIDTH_PER_SPREAD, half / HALF_WIDTH_PER_SPREAD])
    return features


def test_only_an_object_last_seen_inside_the_frame_is_a_lasting_departure() -> None:
    steps = 8
    slots = [
        _slot(steps, [0, 1, 2, 5, 6, 7], 0.47, 0.5, 0.02),  # goes behind the screen, comes back
        _slot(steps, [0, 1, 2], 0.2, 0.2, 0.02),  # gone in the open for good
        _slot(steps, [0, 1], 0.02, 0.8, 0.015),  # leaves through the left edge
        _slot(steps, [3, 4], 0.8, 0.3, 0.02),  # comes into view late and is lost
        _slot(steps, [0, 1, 2], 0.5, 0.5, 0.1),  # a screen that is not seen after frame 2
        _slot(steps, [], 0.0, 0.0, 0.0),  # an unused object slot
    ]
    features, kind = torch.stack(slots, dim=1)[None], torch.tensor([[1, 1, 1, 1, 2, 1]])
    lost = lasting_departures(features, kind, 1 / 64)
    expected = torch.zeros(1, steps, len(slots), dtype=torch.bool)
    expected[0, 3:, 1] = True
    expected[0, 5:, 3] = True
    assert torch.equal(lost, expected)


def test_a_thing_in_view_at_the_clips_end_has_no_lasting_departure() -> None:
    features = _slot(5, list(range(5)), 0.5, 0.5, 0.02)[None, :, None]
    assert not lasting_departures(features, torch.tensor([[1]]), 1 / 64).any()


def test_an_absence_that_begins_in_the_open_runs_until_the_thing_is_back() -> None:
    steps = 8
    slots = [
        _slot(steps, [0, 1, 2, 5, 6, 7], 0.47, 0.5, 0.02),  # goes behind the screen, comes back
        _slot(steps, [0, 1, 4, 5], 0.2, 0.2, 0.02),  # blinks out in the open, back at 4, out again at 6
        _slot(steps, [0, 1, 2], 0.2, 0.8, 0.02),  # gone in the open for good
        _slot(steps, [0, 1], 0.02, 0.8, 0.015),  # leaves through the left edge
        _slot(steps, list(range(steps)), 0.5, 0.5, 0.1),  # the screen
    ]
    features, kind = torch.stack(slots, dim=1)[None], torch.tensor([[1, 1, 1, 1, 2]])
    lost = open_departures(features, kind, 1 / 64)
    expected = torch.zeros(1, steps, len(slots), dtype=torch.bool)
    expected[0, 2:4, 1] = expected[0, 6:, 1] = True
    expected[0, 3:, 2] = True
    assert torch.equal(lost, expected)
    # without the screen's slot, the first thing's absence begins in the open too
    alone = open_departures(features[:, :, :4], kind[:, :4], 1 / 64)
    assert alone[0, 3:5, 0].all() and not alone[0, 5:, 0].any()
