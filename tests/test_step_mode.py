"""benchmarks/step_mode.py: the share of a slot's step the Cauchy price teaches to carry into the next."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from benchmarks.step_mode import cauchy_share, least_squares_share, main, step_pairs, support_losses
from physpred.models.slots.features import FEATURES, HALF_WIDTH_PER_SPREAD

Y = FEATURES.index("y")


def test_step_pairs_keep_moving_object_slots_seen_three_frames_running() -> None:
    features = torch.zeros(5, 3, len(FEATURES))
    features[..., 0] = 1.0  # every slot seen
    features[:, 0, Y] = torch.tensor([0.1, 0.12, 0.15, 0.19, 0.24])  # slot 0 falls faster and faster
    features[:, 1, Y] = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5])  # slot 1 falls too, but is a screen
    features[:, 2, Y] = 0.5  # slot 2 stands
    features[3, 0, 0] = 0.0  # slot 0 unseen at t = 3
    pairs = step_pairs(features, torch.tensor([1, 2, 1]), Y, min_move=0.01)
    assert torch.allclose(pairs, torch.tensor([[0.02, 0.03]]))  # only t = 0, 1, 2 of slot 0


def test_steady_size_keeps_only_pairs_whose_slot_keeps_its_size() -> None:
    features = torch.zeros(5, 2, len(FEATURES))
    features[..., 0] = 1.0
    features[..., FEATURES.index("size")] = 0.1
    features[:, 0, Y] = torch.tensor([0.1, 0.12, 0.15, 0.19, 0.24])
    features[:, 1, Y] = torch.tensor([0.1, 0.12, 0.15, 0.19, 0.24])
    features[2, 1, FEATURES.index("size")] = 0.13  # slot 1 grows by 30% at t = 2, back at t = 3
    kind = torch.tensor([1, 1])
    assert len(step_pairs(features, kind, Y, 0.01)) == 6
    steady_pairs = step_pairs(features, kind, Y, 0.01, steady_size=0.08)
    assert torch.allclose(steady_pairs, torch.tensor([[0.02, 0.03], [0.03, 0.04], [0.04, 0.05]]))  # slot 0's only
    assert len(step_pairs(features, kind, Y, 0.01, steady_size=0.5)) == 6


def test_the_cauchy_share_is_the_mode_where_least_squares_is_the_mean() -> None:
    falls = torch.tensor([[0.02, 0.024]]).repeat(40, 1)  # falls that speed up by a fifth
    stops = torch.tensor([[0.02, 0.0]]).repeat(60, 1)  # jitter: a step, then none
    assert cauchy_share(falls, 0.02) == pytest.approx(1.2, abs=0.006)
    mixed = torch.cat([falls, stops])
    assert least_squares_share(mixed) == pytest.approx(0.48)
    assert cauchy_share(mixed, 0.002) == pytest.approx(0.0, abs=0.02)  # the stops are the mode
    assert cauchy_share(mixed, 0.2) == pytest.approx(0.48, abs=0.02)  # a wide price is least squares


def test_bad_scales_are_refused_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for scales in ("0.02,x", "0,0.06"):
        with pytest.raises(SystemExit):
            main(["--videos", str(tmp_path), "--scales", scales])
        assert f"--scales {scales}: give positive numbers" in capsys.readouterr().err


def _resting(frames: int, ball_heights: list[float], slab_present: list[bool]) -> torch.Tensor:
    """(T, 3, F): a ball (slot 0, side 0.1) at ``ball_heights``, a slab (slot 1, 0.4 wide, 0.1
    high) whose top is at 0.55 where ``slab_present``, a second ball (slot 2) resting on the floor
    far to the right (nothing under it: never supported)."""
    features = torch.zeros(frames, 3, len(FEATURES))
    spread = 0.1 / (2 * HALF_WIDTH_PER_SPREAD)  # a box of side 0.1
    for k, (x, side_x) in enumerate(((0.3, 0.1), (0.3, 0.4), (0.8, 0.1))):
        features[:, k, 0], features[:, k, 1] = 1.0, x
        features[:, k, FEATURES.index("spread_x")] = side_x / (2 * HALF_WIDTH_PER_SPREAD)
        features[:, k, FEATURES.index("spread_y")] = spread
    features[:, 0, Y] = torch.tensor(ball_heights)  # bottom at height + 0.05
    features[:, 1, Y] = 0.6
    features[:, 1, 0] = torch.tensor(slab_present, dtype=torch.float)
    features[:, 2, Y] = 0.9
    return features


def test_support_losses_count_the_cue_and_the_falls_that_follow() -> None:
    kind = torch.tensor([1, 2, 1])
    # the slab leaves after frame 1 and the ball falls from frame 2 on: one loss, one fall
    fell = _resting(5, [0.5, 0.5, 0.5, 0.55, 0.62], [True, True, False, False, False])
    assert support_losses(fell, kind, min_move=0.01) == (1, 1)
    # the same loss with the ball floating where it was: a loss and no fall
    floats = _resting(5, [0.5] * 5, [True, True, False, False, False])
    assert support_losses(floats, kind, min_move=0.01) == (1, 0)
    # a step up is no fall, and the loss at the clip's end has no two frames after it to count
    rises = _resting(5, [0.5, 0.5, 0.5, 0.45, 0.4], [True, True, False, False, False])
    assert support_losses(rises, kind, min_move=0.01) == (1, 0)
    assert support_losses(fell[:3], kind, min_move=0.01) == (0, 0)
    # a slab that is an object slot loses nothing itself; the ball on it is counted as before
    assert support_losses(fell, torch.tensor([1, 1, 1]), min_move=0.01) == (1, 1)


def test_held_support_losses_skip_a_support_swallowed_for_a_frame() -> None:
    """The slab unseen for one frame (a slot that took its pixels) is a loss of support to the
    plain flag, with no fall after it; held, it is none. A slab that leaves is one either way."""
    kind = torch.tensor([1, 2, 1])
    blink = _resting(5, [0.5] * 5, [True, True, False, True, True])
    assert support_losses(blink, kind, min_move=0.01) == (1, 0)
    assert support_losses(blink, kind, min_move=0.01, hold=True) == (0, 0)
    slides = _resting(5, [0.5, 0.5, 0.5, 0.55, 0.62], [True] * 5)
    slides[2:, 1, 1] = 0.6  # the slab's centre moves 0.3 right: it no longer spans the ball's
    assert support_losses(slides, kind, min_move=0.01, hold=True) == (1, 1)
