"""Surprise over time: possible against impossible movies, with the violation marked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from physpred.viz.frames import Frames, to_hwc

ArrayLike = Sequence[float] | np.ndarray
COLOURS = {"possible": "tab:blue", "impossible": "tab:red"}


def _stack(curves: Sequence[ArrayLike], num_times: int, name: str) -> np.ndarray:
    """Stack equally long 1-D curves into (n, S), checking their length against the times."""
    arrays = [np.asarray(curve, dtype=np.float64).reshape(-1) for curve in curves]
    for i, array in enumerate(arrays):
        if len(array) != num_times:
            raise ValueError(f"{name}[{i}] has {len(array)} values for {num_times} times")
    return np.stack(arrays) if arrays else np.empty((0, num_times))


def _thin(ax: Axes, times: np.ndarray, curve: np.ndarray, colour: str) -> None:
    """One movie's curve, thin and faint, so that many of them show their spread."""
    ax.plot(times, curve, color=colour, linewidth=0.7, alpha=0.35)


def _bold(ax: Axes, times: np.ndarray, mean: np.ndarray, label: str, count: int) -> None:
    """The mean over ``count`` movies (or the one movie), bold; the impossible one dashed, so
    that it shows where it lies on the possible one."""
    name = f"{label} (1 movie)" if count == 1 else f"{label}: mean of {count}"
    style = (0, (4, 2)) if label == "impossible" else "-"
    ax.plot(times, mean, color=COLOURS[label], linewidth=2.2, linestyle=style, label=name)


def _each_movie_entry(ax: Axes) -> None:
    """A legend entry for the thin lines."""
    ax.plot([], [], color="grey", linewidth=0.7, label="each movie (thin)")


def _legend_outside(ax: Axes) -> None:
    """The legend right of the axes, where it hides no data."""
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def _with_thumbnails(
    rows: Sequence[tuple[str, np.ndarray]], titles: Sequence[str], highlighted: Sequence[bool]
) -> tuple[Figure, Axes]:
    """A figure with one axes for curves above rows of thumbnails.

    Args:
        rows: (label, uint8 (K, H, W, 3) frames) per row; an empty label draws none.
        titles: K column titles, on the first row.
        highlighted: K flags; highlighted titles are red (the violation).

    Returns:
        the figure and the curves' axes.
    """
    columns = len(titles)
    if not rows:
        figure = Figure(figsize=(7.2, 3.2), layout="constrained")
        return figure, figure.subplots()
    figure = Figure(figsize=(max(7.2, 1.1 * columns + 1.6), 3.2 + 1.2 * len(rows)), layout="constrained")
    top, bottom = figure.subfigures(2, 1, height_ratios=[2.6, 1.1 * len(rows)])
    curves = top.subplots()  # first, so that it is figure.axes[0]
    grid = bottom.subplots(len(rows), columns, squeeze=False)
    for row, (label, frames) in enumerate(rows):
        for column, ax in enumerate(grid[row]):
            ax.imshow(frames[column], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(titles[column], fontsize=8, color="tab:red" if highlighted[column] else "black")
        if label:
            grid[row, 0].set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
    return figure, curves


def thumbnail_indices(
    first: int, last: int, count: int, violation_frames: Sequence[int] = ()
) -> list[int]:
    """Evenly spaced frame indices in [first, last], each violation frame replacing its nearest.

    Args:
        first: first frame index shown.
        last: last frame index shown.
        count: number of thumbnails.
        violation_frames: frames that must appear.

    Returns:
        sorted, distinct frame indices (at most ``count``).
    """
    picks = np.linspace(first, last, count).round().astype(int)
    for frame in violation_frames:
        picks[int(np.abs(picks - frame).argmin())] = frame
    return sorted(set(picks.tolist()))


def surprise_curve(
    times: ArrayLike,
    surprise_possible: Sequence[ArrayLike],
    surprise_impossible: Sequence[ArrayLike],
    violation_frames: int | Sequence[int] | None = None,
    thumbnails: Frames | None = None,
    num_thumbnails: int = 6,
    title: str | None = None,
) -> Figure:
    """Surprise per window for possible and impossible movies: each movie thin, the means bold.

    Args:
        times: (S,) frame index of each window: its first predicted frame (``future_start`` of
            ``physpred.eval.surprise.window_surprise``).
        surprise_possible: one (S,) surprise array per possible movie.
        surprise_impossible: one (S,) surprise array per impossible movie.
        violation_frames: frame index (or indices) of the violation, drawn as dashed lines.
        thumbnails: optional uint8 (T, 3, H, W) frames of one movie, indexed like ``times``;
            ``num_thumbnails`` of them (violation frames included) are shown below the curve.
        num_thumbnails: how many thumbnails to show.
        title: figure title.

    Returns:
        the figure: one axes for the curves plus one per thumbnail; the legend sits right of
        the curves.
    """
    time_axis = np.asarray(times, dtype=np.float64).reshape(-1)
    possible = _stack(surprise_possible, len(time_axis), "surprise_possible")
    impossible = _stack(surprise_impossible, len(time_axis), "surprise_impossible")
    if isinstance(violation_frames, int | np.integer):
        violation_frames = [int(violation_frames)]
    violations = list(violation_frames or [])

    rows: list[tuple[str, np.ndarray]] = []
    indices: list[int] = []
    if thumbnails is not None:
        frames = to_hwc(thumbnails)
        first, last = int(time_axis.min()), min(int(time_axis.max()), len(frames) - 1)
        indices = thumbnail_indices(first, last, num_thumbnails, [v for v in violations if first <= v <= last])
        rows = [("", frames[indices])]
    figure, ax = _with_thumbnails(rows, [f"frame {i}" for i in indices], [i in violations for i in indices])
    sides = (("possible", possible), ("impossible", impossible))
    for name, curves in sides:
        for curve in curves if len(curves) > 1 else ():
            _thin(ax, time_axis, curve, COLOURS[name])
    if max(len(possible), len(impossible)) > 1:
        _each_movie_entry(ax)
    for name, curves in sides:  # the means over every thin line
        if len(curves):
            _bold(ax, time_axis, curves.mean(axis=0), name, len(curves))
    for i, frame in enumerate(violations):
        ax.axvline(
            frame, color="black", linestyle="--", linewidth=1, label="violation" if i == 0 else None
        )
    ax.set_xlabel("frame (first predicted frame of the window)")
    ax.set_ylabel("surprise (free energy)")
    _legend_outside(ax)
    if title is not None:
        ax.set_title(title, fontsize=10)
    return figure


def aligned_surprise_curve(
    pairs: Sequence[tuple[ArrayLike, ArrayLike, ArrayLike]],
    examples: Sequence[tuple[str, Frames]] = (),
    example_offsets: Sequence[int] = (),
    min_fraction: float = 0.5,
    title: str | None = None,
) -> Figure:
    """Surprise of matched pairs aligned on their violations: each movie thin, the means bold.

    The violation comes at a different frame in each pair, so each pair's windows are placed by
    their offset from its own violation; averaged by frame instead, the bump of one pair would
    fall on the flat part of another.

    Args:
        pairs: per matched pair, (offsets (S,), possible (S,), impossible (S,)): the source
            frames from the pair's violation (the first frame where its two movies differ) to
            each window's last predicted frame, and both movies' surprise of that window
            (S may differ between pairs).
        examples: rows of thumbnails under the curves, (label, uint8 (K, 3, H, W) frames),
            e.g. one pair's possible and impossible movie at ``example_offsets``.
        example_offsets: the K offsets from the violation the thumbnails show (their titles).
        min_fraction: the means are drawn where at least this fraction of the pairs has a
            window (near the ends of the movies only some pairs have one).
        title: the figure's title, over the curves and the legend.

    Returns:
        the figure: one axes for the curves (the violation at offset 0) plus one per thumbnail;
        the legend sits right of the curves.

    Raises:
        ValueError: no pair, a pair whose arrays differ in length, or thumbnails whose count
            differs from ``example_offsets``.
    """
    if not pairs:
        raise ValueError("aligned_surprise_curve needs at least one pair")
    curves = []
    for i, (offsets, possible, impossible) in enumerate(pairs):
        x = np.asarray(offsets, dtype=np.float64).reshape(-1)
        both = _stack([possible, impossible], len(x), f"pairs[{i}] (possible, impossible)")
        curves.append((x, both))
    rows = [(label, to_hwc(frames)) for label, frames in examples]
    for label, frames in rows:
        if len(frames) != len(example_offsets):
            raise ValueError(f"example {label!r} has {len(frames)} frames for {len(example_offsets)} example_offsets")
    figure, ax = _with_thumbnails(
        rows, [f"{offset:+d}" if offset else "0: violation" for offset in example_offsets],
        [offset == 0 for offset in example_offsets],
    )  # fmt: skip
    for x, both in curves:
        for side, name in enumerate(("possible", "impossible")):
            _thin(ax, x, both[side], COLOURS[name])
    _each_movie_entry(ax)
    every = np.unique(np.concatenate([x for x, _ in curves]))
    for side, name in enumerate(("possible", "impossible")):  # the means over every thin line
        values = [[both[side][x == offset] for x, both in curves] for offset in every]
        counts = np.array([sum(len(v) for v in at) for at in values])
        kept = counts >= min_fraction * len(curves)
        means = np.array([np.concatenate(at).mean() for at, keep in zip(values, kept, strict=True) if keep])
        _bold(ax, every[kept], means, name, len(curves))
    ax.axvline(0, color="black", linestyle="--", linewidth=1, label="violation")
    ax.set_xlabel("frames from the violation to the window's last predicted frame")
    ax.set_ylabel("surprise (free energy)")
    _legend_outside(ax)
    if title is not None:
        figure.suptitle(title, fontsize=10)  # over the legend too: room for a long title
    return figure


def violation_difference_curve(
    curves: Mapping[str, Sequence[tuple[ArrayLike, ArrayLike]]],
    bin_width: int = 1,
    title: str | None = None,
) -> Figure:
    """Impossible minus matched possible window energy, aligned on the violation, per event.

    Args:
        curves: per event name, one (offsets (S,), differences (S,)) per pair; offsets count
            source frames from the violation's first frame to a window's last predicted frame
            (``physpred.eval.diagnostics.aligned_differences``).
        bin_width: offsets are grouped in bins this wide (the window stride: pairs whose
            violations start at different phases of the stride then share bins).
        title: figure title.

    Returns:
        the figure: per event the mean over pairs at each offset with a ±1 std band; above
        zero the impossible movie costs more.
    """
    figure = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = figure.subplots()
    colours = iter(["tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown"])
    for event, pairs in curves.items():
        by_offset: dict[int, list[float]] = {}
        for offsets, differences in pairs:
            for offset, difference in zip(np.asarray(offsets), np.asarray(differences), strict=True):
                start = int(offset) // bin_width * bin_width
                by_offset.setdefault(start, []).append(float(difference))
        times = np.array(sorted(by_offset))
        values = [np.array(by_offset[t]) for t in times]
        mean = np.array([v.mean() for v in values])
        std = np.array([v.std() for v in values])
        colour = next(colours, "black")
        ax.plot(times, mean, color=colour, label=f"{event} (n={len(pairs)})")
        ax.fill_between(times, mean - std, mean + std, color=colour, alpha=0.2, linewidth=0)
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.axvline(0.0, color="black", linestyle="--", linewidth=1, label="violation starts")
    ax.set_xlabel("source frames from the violation to the window's last predicted frame")
    ax.set_ylabel("energy: impossible - possible")
    if not curves:
        ax.text(0.5, 0.5, "no pairs with violation frames", ha="center", transform=ax.transAxes)
    ax.legend(fontsize=8, loc="upper left")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return figure
