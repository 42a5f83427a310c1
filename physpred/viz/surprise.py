"""Surprise over time: possible against impossible movies, with the violation marked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from physpred.viz.frames import Frames, to_hwc

ArrayLike = Sequence[float] | np.ndarray


def _stack(curves: Sequence[ArrayLike], num_times: int, name: str) -> np.ndarray:
    """Stack equally long 1-D curves into (n, S), checking their length against the times."""
    arrays = [np.asarray(curve, dtype=np.float64).reshape(-1) for curve in curves]
    for i, array in enumerate(arrays):
        if len(array) != num_times:
            raise ValueError(f"{name}[{i}] has {len(array)} values for {num_times} times")
    return np.stack(arrays) if arrays else np.empty((0, num_times))


def _band(ax: Axes, times: np.ndarray, curves: np.ndarray, color: str, label: str) -> None:
    """Mean line with a ±1 standard deviation band (no band for a single curve)."""
    if len(curves) == 0:
        return
    mean = curves.mean(axis=0)
    ax.plot(times, mean, color=color, label=f"{label} (n={len(curves)})")
    if len(curves) > 1:
        std = curves.std(axis=0)
        ax.fill_between(times, mean - std, mean + std, color=color, alpha=0.2, linewidth=0)


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
    """Surprise per window for possible and impossible movies: mean ± std, violation marked.

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
        the figure: one axes for the curves plus one per thumbnail.
    """
    time_axis = np.asarray(times, dtype=np.float64).reshape(-1)
    possible = _stack(surprise_possible, len(time_axis), "surprise_possible")
    impossible = _stack(surprise_impossible, len(time_axis), "surprise_impossible")
    if isinstance(violation_frames, int | np.integer):
        violation_frames = [int(violation_frames)]
    violations = list(violation_frames or [])

    frames = None if thumbnails is None else to_hwc(thumbnails)
    indices: list[int] = []
    if frames is not None:
        first, last = int(time_axis.min()), min(int(time_axis.max()), len(frames) - 1)
        shown = [v for v in violations if first <= v <= last]
        indices = thumbnail_indices(first, last, num_thumbnails, shown)

    figure = Figure(
        figsize=(max(6.0, 1.1 * len(indices)), 4.6 if indices else 3.2), layout="constrained"
    )
    if indices:
        top, bottom = figure.subfigures(2, 1, height_ratios=[2.2, 1.0])
        ax = top.subplots()
        for thumb_ax, index in zip(
            bottom.subplots(1, len(indices), squeeze=False)[0], indices, strict=True
        ):
            thumb_ax.imshow(frames[index], interpolation="nearest")
            thumb_ax.set_xticks([])
            thumb_ax.set_yticks([])
            is_violation = index in violations
            thumb_ax.set_title(
                f"frame {index}", fontsize=8, color="tab:red" if is_violation else "black"
            )
    else:
        ax = figure.subplots()
    _band(ax, time_axis, possible, "tab:blue", "possible")
    _band(ax, time_axis, impossible, "tab:red", "impossible")
    for i, frame in enumerate(violations):
        ax.axvline(
            frame, color="black", linestyle="--", linewidth=1, label="violation" if i == 0 else None
        )
    ax.set_xlabel("frame (first predicted frame of the window)")
    ax.set_ylabel("surprise (free energy)")
    ax.legend(fontsize=8, loc="upper left")
    if title is not None:
        ax.set_title(title, fontsize=10)
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
