"""Window-by-window diagnostics of matched pairs, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physpred.eval.diagnostics import (
    aligned_differences,
    expectation_report,
    future_overlaps,
    latent_gain,
    pair_split,
)
from physpred.eval.runner import MovieSurprise


def movie(video: str, energies: list[float], starts: list[int], possible: bool) -> MovieSurprise:
    block, scene, _ = video.split("/")
    return MovieSurprise(
        video, block, f"{block}/{scene}", possible, np.array(energies), np.array(starts)
    )


def test_future_overlaps_counts_every_predicted_frame() -> None:
    # futures of 2 frames, 3 apart: window at 10 predicts 10 and 13
    starts = np.array([4, 7, 10, 13])
    assert future_overlaps(starts, 3, 2, [13]).tolist() == [False, False, True, True]
    assert future_overlaps(starts, 3, 2, [11, 12]).tolist() == [False, False, False, False]


def test_pair_split_separates_violation_and_after_windows() -> None:
    starts = [0, 2, 4, 6, 8]  # one predicted frame per window (M = 1, step 1)
    possible = movie("O1/01/1", [1.0, 1.0, 3.0, 2.0, 2.0], starts, True)
    impossible = movie("O1/01/2", [1.0, 1.0, 1.0, 5.0, 1.0], starts, False)
    # 1-based violation frames 5..7 = 0-based 4..6: windows at 4 and 6; window 8 comes after
    split = pair_split(possible, impossible, [5, 6, 7], frame_step=1, future_frames=1)
    assert split == {
        "violation": -2.0 + 3.0, "after": -1.0, "before": 0.0, "n_violation": 2, "n_after": 1, "n_before": 2
    }


def test_pair_split_reads_the_windows_wholly_before_the_violation() -> None:
    # futures of 2 frames, 2 apart: windows at 0, 2, 4 predict 0-2, 2-4, 4-6; violation 0-based 4
    starts = [0, 2, 4, 6]
    possible = movie("G1/01/1", [1.0, 1.0, 1.0, 1.0], starts, True)
    impossible = movie("G1/01/2", [3.0, 1.5, 4.0, 1.0], starts, False)  # a score that read ahead
    split = pair_split(possible, impossible, [5], frame_step=2, future_frames=2)
    assert (split["before"], split["n_before"]) == (2.0, 1)  # the window at 2 predicts frame 4
    assert (split["violation"], split["n_violation"]) == (0.5 + 3.0, 2)


def test_expectation_report_groups_by_event_and_skips_unseen_violations() -> None:
    starts = [0, 4, 8]
    movies = [
        movie("O1/01/1", [1.0, 1.0, 1.0], starts, True),
        movie("O1/01/2", [1.0, 2.0, 1.0], starts, False),  # costs more at the violation
        movie("O1/02/1", [1.0, 3.0, 1.0], starts, True),
        movie("O1/02/2", [1.0, 1.0, 1.0], starts, False),  # costs less
        movie("O1/03/1", [1.0, 1.0, 1.0], starts, True),
        movie("O1/03/2", [1.0, 1.0, 9.0], starts, False),  # violation at a frame no window predicts
    ]
    pairs = [("O1/01/1", "O1/01/2"), ("O1/02/1", "O1/02/2"), ("O1/03/1", "O1/03/2")]
    events = {"O1/01/2": "vanish", "O1/02/2": "vanish", "O1/03/2": "vanish"}
    violations = {"O1/01/2": [5], "O1/02/2": [5], "O1/03/2": [7]}
    report = expectation_report(movies, pairs, events, violations, frame_step=1, future_frames=1)
    assert report == {
        "O1/vanish": {
            "n_pairs": 2,
            "expectation_rate": 0.5,
            "delta_violation": pytest.approx((1.0 - 2.0) / 2),
            "delta_after": pytest.approx(0.0),
            "delta_before": pytest.approx(0.0),
        }
    }


def test_aligned_differences_time_from_the_violation_onset() -> None:
    starts = [0, 3, 6]
    possible = movie("O1/01/1", [1.0, 1.0, 1.0], starts, True)
    impossible = movie("O1/01/2", [1.0, 4.0, 0.0], starts, False)
    offsets, diffs = aligned_differences(possible, impossible, [7, 8], frame_step=2, future_frames=2)
    # last predicted frames 2, 5, 8; onset 0-based 6
    assert offsets.tolist() == [-4, -1, 2]
    assert diffs.tolist() == [0.0, 3.0, -1.0]


def test_latent_gain() -> None:
    assert latent_gain(0.9, 1.0) == pytest.approx(0.1)
    assert latent_gain(1.1, 1.0) == pytest.approx(-0.1)
    assert math.isnan(latent_gain(1.0, 0.0))
