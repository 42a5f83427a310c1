"""V-JEPA's window layout, checked by hand against the published code's arithmetic."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch
from torch import Tensor

from physpred.eval.windows import (
    WindowScorer,
    check_contexts,
    fixed_window_surprise,
    protocol_windows,
)


def test_windows_are_the_published_unfold_of_every_second_frame() -> None:
    windows = protocol_windows(100, 16, 2, 4)
    # the published code: 99 // 2 = 49 frames 0, 2, ..., 96, then unfold(size 16, step 2)
    sampled = torch.arange(0, 100, 2)[: 99 // 2]
    published = sampled.unfold(0, 16, 2).tolist()
    assert windows == published
    assert len(windows) == 17
    assert windows[0] == list(range(0, 31, 2)) and windows[-1][0] == 64


def test_a_movie_shorter_than_one_window_has_none() -> None:
    # 16 frames 0, 2, ..., 30 need (T - 1) // 2 >= 16 sampled frames: T = 33, not 31 or 32
    assert protocol_windows(32, 16, 2, 4) == []
    assert protocol_windows(33, 16, 2, 4) == [list(range(0, 31, 2))]


class RecordingScorer:
    """Frame value = source frame number; energy of (context c, window) from a fixed rule."""

    window_frames = 8
    tubelet_size = 2
    input_size = 4

    def __init__(self) -> None:
        self.calls: list[tuple[Tensor, list[int]]] = []

    def preprocess(self, frames: Tensor) -> Tensor:
        return frames.float()

    def window_energies(self, clips: Tensor, contexts: Sequence[int]) -> Tensor:
        self.calls.append((clips.clone(), list(contexts)))
        start = clips[:, 0, 0, 0, 0]  # (B,) first source frame of each window
        # context 2 wins on windows starting at a multiple of 4, context 4 elsewhere
        return torch.stack([start % 4 + 1.0 if c == 2 else torch.full_like(start, 2.0) for c in contexts])


def test_fixed_windows_feed_whole_windows_and_take_the_minimum_over_contexts() -> None:
    scorer = RecordingScorer()
    assert isinstance(scorer, WindowScorer)
    frames = torch.arange(21, dtype=torch.uint8).view(21, 1, 1, 1).expand(21, 3, 4, 4).contiguous()
    energies, future_start = fixed_window_surprise(scorer, frames, 2, 2, 2, [2, 4])
    # usable frames 2 * (20 // 2) = 20, span 15: starts 0, 2, 4
    assert [clips.shape[0] for clips, _ in scorer.calls] == [2, 1]  # batches of 2 windows
    clips = torch.cat([c for c, _ in scorer.calls])
    assert clips[:, :, 0, 0, 0].tolist() == [list(range(s, s + 15, 2)) for s in (0, 2, 4)]
    assert all(contexts == [2, 4] for _, contexts in scorer.calls)
    # context 2 gives 1, 3, 1; context 4 gives 2: the minimum per window
    assert energies.tolist() == [1.0, 2.0, 1.0]
    assert future_start.tolist() == [8, 10, 12]  # frame 4 of each window: all contexts predict it


def test_contexts_must_fit_the_tubelets_and_the_window() -> None:
    check_contexts([2, 4, 6, 8, 10], 16, 2)
    for bad in ([3], [16], [0], []):
        with pytest.raises(ValueError, match="--context"):
            check_contexts(bad, 16, 2)


def test_a_short_movie_names_the_option_to_change() -> None:
    frames = torch.zeros(10, 3, 4, 4, dtype=torch.uint8)
    with pytest.raises(ValueError, match="--frame-step"):
        fixed_window_surprise(RecordingScorer(), frames, 2, 2, 2, [2])
