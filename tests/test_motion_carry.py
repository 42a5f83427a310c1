"""benchmarks/motion_carry.py: how much of a thing's move a model foresees one read frame ahead."""

from __future__ import annotations

import pytest
import torch

from benchmarks.motion_carry import coasting_prices, moves, share_of_true
from physpred.models.slots.features import FEATURES

Y = FEATURES.index("y")


def _clip(places: list[list[float | None]]) -> torch.Tensor:
    """(S, K, F) percepts: slot k at height places[k][t], out of view where None."""
    seen = torch.zeros(len(places[0]), len(places), len(FEATURES))
    for k, row in enumerate(places):
        for t, y in enumerate(row):
            if y is not None:
                seen[t, k, 0], seen[t, k, Y] = 1.0, y
    return seen


def test_reads_true_predicted_and_last_change_of_object_slots_seen_three_frames() -> None:
    # slot 0 falls 0.1 a frame; slot 1 (a screen) moves too; slot 2 is hidden at frame 2
    seen = _clip([[0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, None, 0.4]])
    predicted = seen[1:].clone()
    predicted[:, 0, Y] = seen[:-1, 0, Y]  # slot 0 predicted where it was seen: nothing foreseen
    kind = torch.tensor([1, 2, 1])
    changes = moves(seen, predicted, kind, Y, min_move=0.01)
    # t = 1, 2 for slot 0 only: the screen is not an object, slot 2 is never seen three frames running
    assert torch.allclose(changes, torch.tensor([[0.1, 0.0, 0.1], [0.1, 0.0, 0.1]]))
    assert moves(seen, predicted, kind, Y, min_move=0.2).shape == (0, 3)  # no move that large
    screens = moves(seen, predicted, kind, Y, min_move=0.01, kinds=(2, 3))  # the screen's moves alone, foreseen
    assert torch.allclose(screens, torch.tensor([[0.1, 0.1, 0.1], [0.1, 0.1, 0.1]]))
    assert share_of_true(changes) == pytest.approx((0.0, 1.0))


def test_share_is_the_least_squares_ratio_to_the_true_change() -> None:
    changes = torch.tensor([[0.1, 0.05, 0.1], [-0.2, -0.1, 0.0]])
    foreseen, coasting = share_of_true(changes)
    assert foreseen == pytest.approx(0.5)
    assert coasting == pytest.approx(0.01 / 0.05)


def test_coasting_prices_split_moved_and_still_slots_and_price_each_share_of_the_last_step() -> None:
    # slot 0 falls 0.1 a frame, predicted where it was seen: only the full last step added foresees it;
    # slot 1 stands at 0.5, predicted there; slot 2 (a screen) is not counted
    seen = _clip([[0.1, 0.2, 0.3, 0.4], [0.5, 0.5, 0.5, 0.5], [0.1, 0.2, 0.3, 0.4]])
    predicted = seen[:-1].clone()  # every slot predicted at the place seen the frame before
    kind = torch.tensor([1, 1, 2])
    prices = coasting_prices(seen, predicted, kind, Y, min_move=0.01, scale=0.1, shares=(0.0, 0.5, 1.0))
    missed = 2 * torch.log1p(torch.tensor(1.0))  # t = 1, 2: off by a whole step (the scale) each time
    half = 2 * torch.log1p(torch.tensor(0.25))
    assert torch.allclose(prices[0], torch.stack([missed, missed, half, torch.tensor(0.0)]))
    assert torch.allclose(prices[1], torch.zeros(4))  # the standing slot costs nothing whatever is added
    screens = coasting_prices(seen, predicted, kind, Y, min_move=0.01, scale=0.1, shares=(1.0,), kinds=(2,))
    assert torch.allclose(screens, torch.stack([torch.stack([missed, torch.tensor(0.0)]), torch.zeros(2)]))
    assert coasting_prices(seen, predicted, kind, Y, min_move=0.2, scale=0.1).sum(dim=1)[0] == 0  # nothing moved that much
