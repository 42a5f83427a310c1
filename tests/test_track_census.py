"""benchmarks/track_census.py: what a label-free perception's slots make of each move of a world object."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import torch

from benchmarks.track_census import false_things, holdings, move_states, vertical_moves

SIDE = 16


def _frames(things: dict[int, list[tuple[int, int]]], steps: int) -> torch.Tensor:
    """(T, SIDE, SIDE) int64 map: value v as a 2 x 2 square whose top-left corner is things[v][t]."""
    picture = torch.zeros(steps, SIDE, SIDE, dtype=torch.long)
    for value, corners in things.items():
        for t, (row, column) in enumerate(corners):
            picture[t, row : row + 2, column : column + 2] = value
    return picture


def test_each_vertical_move_is_told_clean_switched_shared_or_unseen() -> None:
    falling = [(2 * t, 2) for t in range(6)]  # object 7 falls 2 rows a frame, 1/8 of the side
    objects = _frames({7: falling}, 6)
    clean = move_states(objects, holdings(objects.clamp_max(1), objects, 2), min_move=0.01, purity=0.5)
    assert Counter(clean) == {("y", "clean"): 4}  # t = 1..4, no horizontal move
    switched = torch.where(objects > 0, torch.tensor([1, 1, 1, 2, 2, 2])[:, None, None], 0)
    assert Counter(move_states(objects, holdings(switched, objects, 2), 0.01, 0.5)) == {("y", "clean"): 2, ("y", "switched"): 2}
    lost = torch.where(objects > 0, torch.tensor([1, 1, 0, 1, 1, 1])[:, None, None], 0)
    assert Counter(move_states(objects, holdings(lost, objects, 2), 0.01, 0.5)) == {("y", "unseen"): 3, ("y", "clean"): 1}
    # a slab of 8 pixels beside the thing in its slot: the slot is mostly no object
    slab = _frames({1: [(12, 10)] * 6}, 6) + _frames({1: [(12, 12)] * 6}, 6)
    shared = torch.where((objects > 0) | (slab > 0), 1, 0)
    assert Counter(move_states(objects, holdings(shared, objects, 2), 0.01, 0.5)) == {("y", "shared with no object"): 4}
    assert Counter(move_states(objects, holdings(shared, objects, 2), 0.01, 0.3)) == {("y", "clean"): 4}
    # another object rolling beside it in the same slot
    both = objects + _frames({9: [(14, 2 * t) for t in range(6)]}, 6)
    pair = move_states(both, holdings(both.clamp_max(1), both, 2), 0.01, 0.5)
    assert Counter(pair) == {("y", "shared with an object"): 4, ("x", "shared with an object"): 4}
    assert move_states(objects, holdings(objects.clamp_max(1), objects, 2), min_move=0.2, purity=0.5) == []  # no move that large


def test_holdings_count_each_objects_pixels_by_slot_and_leave_static_slots_out() -> None:
    objects = _frames({5: [(0, 0)]}, 1)
    slot_map = torch.where(objects > 0, 3, 1)  # slot 3 is past K = 2: a static slot
    held = holdings(slot_map, objects, 2)
    assert held.shape == (1, 256, 3)
    assert held[0, 5].tolist() == [4, 0, 0] and held[0, 0].tolist() == [0, SIDE * SIDE - 4, 0]


def test_too_few_frames_or_a_purity_out_of_range_is_refused_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.track_census import main

    for extra in (["--frames", "2"], ["--purity", "0"]):
        with pytest.raises(SystemExit):
            main(["--videos", str(tmp_path), *extra])
        assert "--frames must be >= 3" in capsys.readouterr().err


def test_false_things_are_the_slots_mostly_no_object_named_by_their_main_kind() -> None:
    slot_map = torch.tensor([[[1, 1, 2, 2, 3]], [[1, 0, 2, 2, 3]]])  # (T 2, H 1, W 5); slot 3: half an object
    pixel_kinds = torch.tensor([[[1, 1, 2, 2, 1]], [[1, 0, 2, 0, 0]]])
    assert false_things(slot_map, pixel_kinds, slots=4) == [(1, "screen")]  # slot 3 holds 1 of 2: not less than half


def test_vertical_moves_count_steps_seen_in_both_frames() -> None:
    slot_map = torch.zeros(4, 10, 3, dtype=torch.long)
    slot_map[0, 2, 1] = slot_map[1, 4, 1] = slot_map[3, 6, 1] = 1  # moves 0.2, then unseen at frame 2
    assert vertical_moves(slot_map, 0, min_move=0.01) == 1
    assert vertical_moves(slot_map, 0, min_move=0.3) == 0
