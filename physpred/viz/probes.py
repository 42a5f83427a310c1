"""Figures of probe movies: a quadruplet side by side around the moment its movies diverge."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from torch import Tensor

from physpred.data.pairs import common_prefix_length, thumbnails
from physpred.types import ProbeMovie
from physpred.viz.plots import frame_grid


def divergence_frame(first: Tensor, second: Tensor) -> int:
    """First frame where two movies differ beyond noise: in a matched pair, the violation.

    Args:
        first: uint8 (T, 3, H, W).
        second: uint8 (T', 3, H, W).

    Returns:
        the index of the first differing frame (the shorter length if none differs).
    """
    return common_prefix_length(thumbnails(first), thumbnails(second))


def _label(movie: ProbeMovie) -> str:
    kind = {True: "possible", False: "impossible", None: "unlabelled"}[movie.is_possible]
    return f"{movie.video}\n{kind}"


def quadruplet_strip(
    movies: Sequence[ProbeMovie], center: int | None = None, count: int = 8, step: int = 3
) -> Figure:
    """The movies of one probe scene, one row each, at frames around ``center``.

    Args:
        movies: the scene's movies (frames (T, 3, H, W) uint8).
        center: frame to centre on; None: where the earliest impossible movie diverges from its
            matched possible movie (the first frame the violation shows), else the middle.
        count: frames shown per movie.
        step: frames between shown frames.

    Returns:
        the figure, one axes per shown frame.
    """
    length = min(len(movie.frames) for movie in movies)
    if center is None:
        # Each impossible movie's partner is the possible movie it shares the longest prefix
        # with (the pairing rule of ProbeDataset.pairs); the earliest such divergence is shown.
        possible = [movie.frames for movie in movies if movie.is_possible]
        moments = [
            max(divergence_frame(frames, movie.frames) for frames in possible)
            for movie in movies
            if movie.is_possible is False and possible
        ]
        center = min(moments, default=length // 2)
    first = min(max(center - step * (count // 2), 0), max(length - 1 - step * (count - 1), 0))
    indices = [i for i in range(first, first + step * count, step) if i < length]
    return frame_grid(
        [movie.frames[indices] for movie in movies],
        [_label(movie) for movie in movies],
        [f"frame {i}" for i in indices],
        horizontal_labels=True,
    )
