"""benchmarks/dynamics_fit.py: how much of an object's last step the next-frame prediction carries."""

from __future__ import annotations

import math

import pytest
import torch

from benchmarks.dynamics_fit import carried_share, onset_share
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


def _slab_leaves(fall: list[float]) -> torch.Tensor:
    """(1, 5, 2, F): a ball (half side 0.03 about x 0.40) resting on a slab (half side 0.10,
    centre y 0.63) that slides from under it between frames 1 and 2; the ball's y over the
    frames is ``fall``."""
    third = 3**-0.5  # a uniform box's spread per unit of half side
    seen = torch.zeros(1, 5, 2, len(FEATURES))
    for t, (slab_x, ball_y) in enumerate(zip([0.45, 0.45, 0.60, 0.75, 0.90], fall, strict=True)):
        seen[0, t, 0, :5] = torch.tensor([1.0, 0.40, ball_y, 0.03 * third, 0.03 * third])
        seen[0, t, 1, :5] = torch.tensor([1.0, slab_x, 0.63, 0.10 * third, 0.10 * third])
    return seen


def test_onset_share_reads_the_first_step_after_the_support_leaves() -> None:
    seen = _slab_leaves([0.50, 0.50, 0.50, 0.54, 0.60])  # lost at t = 2, first step down 0.04 to t = 3
    kind = torch.tensor([[1, 2]])
    where_seen = seen[:, :-1].clone()
    assert onset_share(seen, where_seen, kind, min_fall=0.01) == (pytest.approx(0.0), pytest.approx(0.0), 1)  # nothing moved before
    foreseen = where_seen.clone()
    foreseen[0, 2, 0, Y] += 0.02  # the prediction made at t = 2 expects half the step
    share, _, kept = onset_share(seen, foreseen, kind, min_fall=0.01)
    assert share == pytest.approx(0.5, abs=1e-5) and kept == 1
    late = _slab_leaves([0.50, 0.50, 0.52, 0.56, 0.62])  # already 0.02 down when the flag goes
    assert onset_share(late, late[:, :-1], kind, min_fall=0.01)[1] == pytest.approx(0.5, abs=1e-5)  # coasting: 0.02 of 0.04
    floats = _slab_leaves([0.50] * 5)  # support gone, nothing falls: no onset to read
    share, coasting, kept = onset_share(floats, floats[:, :-1], kind, min_fall=0.01)
    assert math.isnan(share) and math.isnan(coasting) and kept == 0
    assert onset_share(seen, foreseen, torch.tensor([[2, 2]]), min_fall=0.01)[2] == 0  # only objects' falls are read
