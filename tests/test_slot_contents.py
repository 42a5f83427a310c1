"""benchmarks/slot_contents.py: what the slot holding a world object holds beyond it, and how much
that moves the slot's centre."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from benchmarks.slot_contents import KINDS, VIEWS, centre_rows, move_errors, sighting_views

SIDE = 16


def _sighting(top: int, ghost: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A 2 x 2 object (id 5) with its top row at ``top``, held by slot 1 with its rim and, with
    ``ghost``, with a 2 x 2 patch of background two rows under the rim; a wall (id 9, kind 3) in
    slot 2. Returns the slot map, ids and kinds (H, W)."""
    ids = torch.zeros(SIDE, SIDE, dtype=torch.long)
    ids[top : top + 2, 4:6] = 5
    ids[12:, 10:] = 9
    kinds = torch.where(ids == 5, 1, torch.where(ids == 9, 3, 0))
    slot_map = torch.zeros_like(ids)
    slot_map[top - 1 : top + 3, 3:7] = 1  # the object and its rim
    if ghost:
        slot_map[top + 5 : top + 7, 4:6] = 1
    slot_map[12:, 10:] = 2
    return slot_map, ids, kinds


def test_a_sighting_counts_the_slots_pixels_by_what_they_are() -> None:
    slot_map, ids, kinds = _sighting(2, ghost=True)
    counts, views = sighting_views(slot_map, ids, kinds, 5)
    assert dict(zip(KINDS, counts.tolist(), strict=True)) == {"own": 4, "rim": 12, "other object": 0, "screen or wall": 0, "background": 4}
    assert views.shape == (len(VIEWS), SIDE, SIDE) and views.sum(dim=(1, 2)).tolist() == [4, 16, 20, 16, 16, 20]
    assert sighting_views(slot_map, ids, kinds, 7) is None  # no such object


def test_a_ghost_that_stays_behind_slows_the_whole_slots_move_alone() -> None:
    # the object falls 2 rows a frame; the ghost under it stays where it was first seen
    rows = []
    for top in (2, 4):
        slot_map, ids, kinds = _sighting(top, ghost=False)
        slot_map[7:9, 4:6] = 1  # the ghost, still
        _, views = sighting_views(slot_map, ids, kinds, 5)
        rows.append((centre_rows(views), centre_rows((ids == 5)[None])[0]))
    seen, true = torch.stack([r[0] for r in rows]), torch.stack([r[1] for r in rows])
    error = move_errors(seen, true, min_move=0.01)[0]
    assert error[:2].tolist() == pytest.approx([0.0, 0.0], abs=1e-6)  # the object and its rim move with it
    step = 2 / SIDE
    assert error[-1] == pytest.approx(step * 4 / 20, abs=1e-6)  # 16 of 20 pixels move: the centre moves 4/5 of the step


def test_too_few_frames_are_refused_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.slot_contents import main

    with pytest.raises(SystemExit):
        main(["--videos", str(tmp_path), "--frames", "1"])
    assert "--frames must be >= 2" in capsys.readouterr().err


def test_still_steps_measure_the_jitter_and_moving_ones_are_left_out() -> None:
    # two views over four frames: the object stands, then falls 0.1; view 1 jitters by 0.02 while it stands
    true = torch.tensor([0.5, 0.5, 0.5, 0.6])
    seen = torch.tensor([[0.5, 0.50], [0.5, 0.52], [0.5, 0.50], [0.6, 0.60]])
    assert move_errors(seen, true, min_move=0.01, still=True).flatten().tolist() == pytest.approx([0.0, 0.02, 0.0, 0.02])
    assert move_errors(seen, true, min_move=0.01).flatten().tolist() == pytest.approx([0.0, 0.0])
