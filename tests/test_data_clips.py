"""Clip and window index arithmetic, checked against values worked out by hand."""

from __future__ import annotations

import pytest
import torch

from physpred.data.clips import (
    clip_indices,
    clip_span,
    random_clip_start,
    sliding_windows,
    split_clip,
)


def test_clip_span_by_hand() -> None:
    assert clip_span(2, 1, 3) == 7  # frames 0, 3, 6
    assert clip_span(8, 4, 1) == 12
    assert clip_span(1, 0, 5) == 1


def test_clip_indices_by_hand() -> None:
    assert clip_indices(5, 2, 1, 3) == [5, 8, 11]
    assert clip_indices(0, 3, 2, 2) == [0, 2, 4, 6, 8]


@pytest.mark.parametrize("args", [(0, 1, 1), (1, -1, 1), (1, 1, 0)])
def test_clip_span_rejects_bad_arguments(args: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        clip_span(*args)


def test_random_clip_start_covers_exactly_the_valid_range() -> None:
    generator = torch.Generator().manual_seed(0)
    starts = {random_clip_start(10, 7, generator) for _ in range(200)}
    assert starts == {0, 1, 2, 3}
    assert random_clip_start(7, 7, generator) == 0
    with pytest.raises(ValueError, match="shorter than one clip"):
        random_clip_start(6, 7, generator)


def test_sliding_windows_by_hand() -> None:
    # 10 frames, C=2, M=1, k=2 -> span 5; starts 0, 3 (stride 3); start 6 would need frame 10.
    assert sliding_windows(10, 2, 1, 2, 3) == [[0, 2, 4], [3, 5, 7]]
    assert sliding_windows(5, 2, 1, 2, 1) == [[0, 2, 4]]
    assert sliding_windows(4, 2, 1, 2, 1) == []


def test_split_clip_shapes_and_views() -> None:
    clip = torch.arange(2 * 5).reshape(2, 5, 1)
    context, future = split_clip(clip, 3)
    assert context.shape == (2, 3, 1) and future.shape == (2, 2, 1)
    assert future[0, :, 0].tolist() == [3, 4]
    with pytest.raises(ValueError):
        split_clip(clip, 5)
