"""benchmarks/dynamics_fit.py: how much of an object's last step the next-frame prediction carries."""

from __future__ import annotations

import math

import pytest
import torch

from benchmarks.dynamics_fit import carried_share
from physpred.models.slots.features import FEATURES

Y = FEATURES.index("y")


def _percepts(places: list[list[float | None]]) -> torch.Tensor:
    """(1, S, K, F) percepts: slot k at height places[k][t], out of view where None."""
    seen = torch.zeros(1, len(places[0]), len(places), len(FEATURES))
    for k, row in enumerate(places):
        for t, y in enumerate(row):
            if y is not None:
                seen[0, t, k, 0], seen[0, t, k, Y] = 1.0, y
    return seen


def test_share_of_the_last_step_carried_by_object_slots_seen_three_frames() -> None:
    # slot 0 falls 0.1 a frame and is predicted half a step on; slot 1 (a screen) and slot 2
    # (hidden at frame 2) are not read; slot 3 stands still (its last step is under min_move)
    seen = _percepts([[0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, None, 0.4], [0.5] * 4])
    predicted = seen[:, :-1].clone()
    predicted[:, :, 0, Y] += 0.05
    kind = torch.tensor([[1, 2, 1, 1]])
    share, kept = carried_share(seen, predicted, kind, Y, min_move=0.01)
    assert share == pytest.approx(0.5) and kept == 2  # t = 1, 2 of slot 0
    coasting = seen[:, :-1].clone()
    coasting[:, 1:, 0, Y] = seen[:, 1:-1, 0, Y] + 0.1
    assert carried_share(seen, coasting, kind, Y, min_move=0.01)[0] == pytest.approx(1.0)
    assert carried_share(seen, seen[:, :-1], kind, Y, min_move=0.01)[0] == pytest.approx(0.0)  # where it was seen


def test_share_is_nan_when_no_step_is_kept() -> None:
    seen = _percepts([[0.5] * 4])
    share, kept = carried_share(seen, seen[:, :-1], torch.tensor([[1]]), Y, min_move=0.01)
    assert math.isnan(share) and kept == 0
