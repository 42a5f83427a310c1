"""benchmarks/percept_returns.py: where a perception's things go out of view, and whether they come back."""

from __future__ import annotations

from collections import Counter

import torch

from benchmarks.percept_returns import count_clip
from physpred.models.slots.features import FEATURES, HALF_WIDTH_PER_SPREAD


def _slot(steps: int, seen: list[int], x: float, y: float, half: float) -> torch.Tensor:
    """(T, F) features of a thing whose box is (x, y) +- half, in view at the frames ``seen``."""
    features = torch.zeros(steps, len(FEATURES))
    features[seen, :5] = torch.tensor([1.0, x, y, half / HALF_WIDTH_PER_SPREAD, half / HALF_WIDTH_PER_SPREAD])
    return features


def test_disappearances_are_placed_and_returns_counted() -> None:
    steps, pixel = 8, 1 / 64
    slots = [
        _slot(steps, [0, 1, 2, 5, 6, 7], 0.47, 0.5, 0.02),  # goes behind the screen, comes back
        _slot(steps, [0, 1, 2], 0.2, 0.2, 0.02),  # gone in the open for good
        _slot(steps, [0, 1], 0.02, 0.8, 0.015),  # leaves through the left edge
        _slot(steps, [3], 0.8, 0.3, 0.02),  # a speck of one frame
        _slot(steps, list(range(steps)), 0.5, 0.5, 0.1),  # the screen, in view throughout
        _slot(steps, [], 0.0, 0.0, 0.0),  # an unused object slot
    ]
    tally: Counter = Counter()
    count_clip(torch.stack(slots, dim=1), torch.tensor([1, 1, 1, 1, 2, 1]), tally, pixel)
    assert tally["episodes"] == 5 and tally["short"] == 2  # the edge leaver's two frames, the speck
    assert (tally["by a static slot"], tally["by a static slot back"], tally["by a static slot hidden"]) == (1, 1, 2)
    assert (tally["in the open"], tally["in the open back"]) == (2, 0)  # the speck too
    assert (tally["at a frame edge"], tally["at a frame edge back"]) == (1, 0)
