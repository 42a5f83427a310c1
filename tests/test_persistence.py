"""benchmarks/persistence.py: how long a model keeps expecting a hidden thing that fails to come out."""

from __future__ import annotations

import pytest
import torch

from benchmarks.persistence import expected_presence
from physpred.models.slots.features import FEATURES


def _movie(shown: list[list[bool]]) -> torch.Tensor:
    """(S, K, F) percepts with feature 0 set where a slot is in view; shown[k][t]."""
    seen = torch.zeros(len(shown[0]), len(shown), len(FEATURES))
    for k, row in enumerate(shown):
        seen[:, k, 0] = torch.tensor(row, dtype=torch.float)
    return seen


def test_reads_the_slot_that_comes_out_only_in_the_possible_movie() -> None:
    on, off = True, False
    # slot 0 in view throughout in both; slot 1 comes out at read frame 4 in the possible movie only
    possible = _movie([[on] * 8, [on, off, off, off, on, on, off, on]])
    impossible = _movie([[on] * 8, [on, off, off, off, off, off, off, off]])
    expected = torch.zeros(7, 2, len(FEATURES))
    expected[:, 1, 0] = torch.tensor([0.0, 1.0, 2.0, 3.0, -1.0, -2.0, -3.0])  # logits of read frames 1..7
    kind = torch.tensor([1, 1])
    presence = expected_presence(possible, impossible, expected, kind, first=3, frames=3)
    # sightings at read frames 4, 5, 7: their expectations are rows 3, 4, 6
    assert presence.tolist() == pytest.approx(torch.sigmoid(torch.tensor([3.0, -1.0, -3.0])).tolist())
    assert expected_presence(possible, impossible, expected, kind, first=3, frames=4) is None  # seen three times only
    assert expected_presence(possible, impossible, expected, torch.tensor([1, 2]), first=3, frames=3) is None  # a screen
    assert expected_presence(possible, possible, expected, kind, first=3, frames=1) is None  # shown in both
