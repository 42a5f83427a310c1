"""benchmarks/reemergence.py: where a model expects a hidden thing when it comes back into view."""

from __future__ import annotations

import pytest
import torch

from benchmarks.reemergence import returns
from physpred.models.slots.features import FEATURES


def _slot(xs: list[float | None]) -> torch.Tensor:
    """(T, F) features of a thing at x (None: out of view)."""
    features = torch.zeros(len(xs), len(FEATURES))
    for t, x in enumerate(xs):
        if x is not None:
            features[t, 0], features[t, 1] = 1.0, x
    return features


def test_errors_are_signed_along_the_motion() -> None:
    right = [0.1, 0.2, None, None, None, 0.6, 0.7, 0.8]  # hidden three read frames, back at 0.6
    left = [0.9, 0.8, None, None, None, 0.4, 0.3, 0.2]
    still = [0.5, 0.5, None, None, None, 0.5, 0.5, 0.5]  # did not move: left out
    short = [0.1, 0.2, None, None, 0.5, 0.6, 0.7, 0.8]  # out of view two read frames only: fewer than 3
    seen = torch.stack([_slot(xs) for xs in (right, left, still, short, right)], dim=1)
    expected = seen[1:].clone()
    expected[:, 0, 1] += 0.05  # imagined ahead when moving right
    expected[:, 1, 1] += 0.05  # behind when moving left
    kind = torch.tensor([1, 1, 1, 1, 2])  # the last one a screen: not an object
    found = list(returns(seen, expected, kind, gap=3))
    assert len(found) == 2
    assert found[0] == pytest.approx([0.05] * 3) and found[1] == pytest.approx([-0.05] * 3)


def test_only_frames_in_view_since_the_return_count() -> None:
    seen = _slot([0.1, 0.2, None, None, None, 0.6, None, 0.8])[:, None]
    expected = seen[1:].clone()
    expected[4, 0, 1] += 0.02  # read frame 5, the first back
    assert list(returns(seen, expected, torch.tensor([1]), gap=2)) == [pytest.approx([0.02])]
