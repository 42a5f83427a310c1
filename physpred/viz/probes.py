"""Figures of probe movies: a quadruplet side by side around the moment its movies diverge."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from torch import Tensor

from physpred.data.pairs import common_prefix_length, thumbnails
from physpred.types import ProbeMovie
from physpred.viz.frames import to_hwc
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


STRIP_COLUMNS = ("last context frame", "true next frame", "predicted", "|error|")


def pair_strip(
    rows: Sequence[tuple[str, Tensor, Tensor, Tensor | None]], title: str = ""
) -> Figure:
    """Movies at a violation, one row each: last context frame, truth, prediction, error.

    Args:
        rows: (label, last context frame, true next frame, predicted next frame or None),
            frames uint8 (3, H, W); None draws "no pixel prediction".
        title: the figure's title.

    Returns:
        the figure, four axes per row; the error is the mean absolute difference over colours
        (grey levels), on one scale for the whole figure so rows compare.
    """
    errors = [
        None if predicted is None else (predicted.float() - truth.float()).abs().mean(0).numpy()
        for _, _, truth, predicted in rows
    ]
    top = max([1.0, *(float(error.max()) for error in errors if error is not None)])
    figure = Figure(figsize=(7.2, 1.6 * len(rows) + 0.4), layout="constrained")
    axes = figure.subplots(len(rows), 4, squeeze=False)
    for row, (label, context, truth, predicted), error in zip(axes, rows, errors, strict=True):
        cells = (to_hwc(context, 3), to_hwc(truth, 3), None if predicted is None else to_hwc(predicted, 3), error)
        for ax, cell in zip(row, cells, strict=True):
            ax.set_xticks([])
            ax.set_yticks([])
            if cell is None:
                ax.text(0.5, 0.5, "no pixel\nprediction", ha="center", va="center", fontsize=8)
            elif cell.ndim == 2:
                ax.imshow(cell, cmap="magma", vmin=0, vmax=top)
            else:
                ax.imshow(cell)
        row[0].set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    for ax, name in zip(axes[0], (*STRIP_COLUMNS[:3], f"{STRIP_COLUMNS[3]} (0-{top:.0f} grey levels)"), strict=True):
        ax.set_title(name, fontsize=8)
    if title:
        figure.suptitle(title, fontsize=9)
    return figure
