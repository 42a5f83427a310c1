"""object_recall: objects found while they move and while they rest, counted apart."""

from __future__ import annotations

import torch

from physpred.models.slots.discovery import object_recall


def test_object_recall_counts_moving_and_resting_frames_apart() -> None:
    """Object 1 moves for frames 0-2 and rests in 3-5; object 2 (not an object: a screen) never
    counts. The perception holds object 1 while it moves and loses it at rest, except frame 5."""
    ids = torch.zeros(6, 16, 16, dtype=torch.long)
    for t in range(6):
        left = 2 + 3 * min(t, 3)
        ids[t, 4:7, left : left + 3] = 1
    ids[:, 10:14, 2:6] = 2
    is_object = torch.zeros(256, dtype=torch.bool)
    is_object[1] = True
    held = torch.zeros(6, 16, 16, dtype=torch.bool)
    held[:3] = ids[:3] == 1
    held[5] = ids[5] == 1
    held[5, 4, :] = False  # a third of its pixels lost: still found (at least half held)
    found, total = object_recall(ids, is_object, held)
    assert total.tolist() == [4.0, 2.0]  # frame 3 moved into its resting place; 4 and 5 rest
    assert found.tolist() == [3.0, 1.0]
