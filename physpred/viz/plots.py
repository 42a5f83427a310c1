"""Figures of frames: prediction strips, latent traversals and candidate energies.

Every function builds a bare ``matplotlib.figure.Figure`` (no pyplot), so it renders with Agg,
keeps no global state and leaks nothing when called from a training loop; notebooks display
the returned figure as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor

from physpred.viz.frames import Frames, to_hwc

PANEL_INCHES = 1.1


def _show(ax: Axes, image: np.ndarray, title: str | None = None) -> None:
    """Draw one (H, W, 3) uint8 image without ticks."""
    ax.imshow(image, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=8)


def _row_label(ax: Axes, label: str, horizontal: bool = False) -> None:
    """Label a row of panels on its first panel; horizontal for multi-line labels."""
    if horizontal:
        ax.set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
    else:
        ax.set_ylabel(label, fontsize=9)


def prediction_strip(
    context: Frames,
    true_future: Frames,
    predicted_future: Frames | None = None,
    context_shown: int | None = 2,
) -> Figure:
    """The end of the context and the future on one time axis: truth on top, prediction and
    error under the frames they predict.

    Row ``truth`` holds the last K context frames then the M true future frames; with a
    prediction, row ``predicted`` holds the M predicted frames and row ``|error|`` their mean
    absolute difference from the truth over colours (grey levels, one scale for the row, given in
    its label). The cells under the context in those rows stay empty: a long context (C >> M)
    no longer widens the figure, which is K + M panels wide.

    Args:
        context: uint8 (C, 3, H, W) context frames.
        true_future: uint8 (M, 3, H, W) frames that followed.
        predicted_future: uint8 (M, 3, H, W) predicted frames, or None for the truth row alone.
        context_shown: K, how many of the last context frames to show (at most C; None: all).

    Returns:
        the figure: (K + M) columns, one row or three.

    Raises:
        ValueError: ``context_shown`` below 1, or a prediction that does not match the future.
    """
    if context_shown is not None and context_shown < 1:
        raise ValueError(f"context_shown must be at least 1 (or None for all), got {context_shown}")
    seen = to_hwc(context)[-context_shown if context_shown is not None else None :]
    future = to_hwc(true_future)
    rows = [("truth", [*seen, *future])]
    if predicted_future is not None:
        predicted = to_hwc(predicted_future)
        if predicted.shape != future.shape:
            raise ValueError(
                f"predicted_future {predicted.shape[:1] + predicted.shape[-3:-1]} does not match "
                f"true_future {future.shape[:1] + future.shape[-3:-1]} (M, H, W)"
            )
        error = np.abs(predicted.astype(np.float32) - future.astype(np.float32)).mean(-1)  # (M, H, W)
        top = max(1.0, float(error.max()))
        blank = [None] * len(seen)
        rows += [("predicted", [*blank, *predicted]), (f"|error|\n(0-{top:.0f}\nof 255)", [*blank, *error])]
    columns = len(seen) + len(future)
    figure = Figure(
        figsize=(PANEL_INCHES * columns + 0.7, PANEL_INCHES * len(rows) + 0.3), layout="constrained"
    )
    grid = figure.subplots(len(rows), columns, squeeze=False)
    for row, (label, cells) in enumerate(rows):
        for column, cell in enumerate(cells):
            ax = grid[row, column]
            offset = column - len(seen) + 1  # t is the last context frame
            title = None if row else f"{'context' if offset <= 0 else 'future'} {_time_label(offset)}"
            if cell is None:  # no prediction of the past
                ax.remove()
            elif cell.ndim == 2:
                _show_error(ax, cell, top)
            else:
                _show(ax, cell, title)
        # On the row's first panel: beside the predictions, not across the empty cells.
        first = next(column for column, cell in enumerate(cells) if cell is not None)
        _row_label(grid[row, first], label, horizontal=True)
    return figure


def _time_label(offset: int) -> str:
    """``t`` for the last context frame, ``t-2`` or ``t+1`` for frames before or after it."""
    return f"t{offset:+d}" if offset else "t"


def _show_error(ax: Axes, error: np.ndarray, top: float) -> None:
    """Draw one (H, W) error map on the 0..``top`` scale, without ticks."""
    ax.imshow(error, cmap="magma", vmin=0.0, vmax=top, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def _z_label(z: Tensor) -> str:
    """Short label of a latent value: the number itself, or its first entry and norm."""
    if z.numel() == 1:
        return f"z={z.item():.2g}"
    return f"z[0]={z.flatten()[0].item():.2g}\n|z|={z.norm().item():.2g}"


def frame_grid(
    rows: Sequence[Frames],
    row_labels: Sequence[str],
    column_labels: Sequence[str] | None = None,
    horizontal_labels: bool = False,
) -> Figure:
    """A grid of frames, one video per row (e.g. the movies of a probe quadruplet).

    Args:
        rows: R uint8 videos (T_r, 3, H, W); shorter rows leave their last cells out.
        row_labels: R labels, shown left of each row.
        column_labels: titles of the columns (e.g. frame indices), or None.
        horizontal_labels: write row labels horizontally (for multi-line labels).

    Returns:
        the figure, with one axes per frame.
    """
    videos = [to_hwc(video) for video in rows]
    if len(row_labels) != len(videos):
        raise ValueError(f"got {len(row_labels)} row labels for {len(videos)} rows")
    columns = max(len(video) for video in videos)
    figure = Figure(
        figsize=(
            PANEL_INCHES * columns + (0.6 if horizontal_labels else 0.3),
            PANEL_INCHES * len(videos) + 0.3,
        ),
        layout="constrained",
    )
    grid = figure.subplots(len(videos), columns, squeeze=False)
    for row, video in enumerate(videos):
        for column in range(columns):
            if column >= len(video):
                grid[row, column].remove()
                continue
            title = column_labels[column] if column_labels is not None and row == 0 else None
            _show(grid[row, column], video[column], title)
        _row_label(grid[row, 0], row_labels[row], horizontal=horizontal_labels)
    return figure


def latent_traversal(
    frames_per_z: Frames, z_values: Sequence[float] | Tensor | np.ndarray
) -> Figure:
    """Futures predicted from one context under several latent values, one row per value.

    Args:
        frames_per_z: uint8 (L, M, 3, H, W), the M future frames for each of L latent values.
        z_values: (L,) scalars or (L, Z) vectors, used as row labels.

    Returns:
        the figure, with L * M axes.
    """
    frames = to_hwc(frames_per_z, ndim=5)  # checked here: frame_grid sees one row at a time
    latents = torch.as_tensor(z_values).detach().float().cpu().reshape(len(frames), -1)  # (L, Z)
    return frame_grid(
        list(frames_per_z),
        [_z_label(z) for z in latents],
        [f"t+{i + 1}" for i in range(frames.shape[1])],
        horizontal_labels=True,
    )


def candidate_energies(
    energies: Sequence[float] | Tensor | np.ndarray, labels: Sequence[str]
) -> Figure:
    """Bar chart of the energy the model gives each candidate future; the lowest is highlighted.

    Args:
        energies: (K,) energies, lower = more compatible with the context.
        labels: K candidate names.

    Returns:
        the figure, with one axes.
    """
    values = torch.as_tensor(energies).detach().double().cpu().numpy().reshape(-1)
    if len(values) != len(labels):
        raise ValueError(f"got {len(values)} energies for {len(labels)} labels")
    figure = Figure(figsize=(max(3.0, 0.8 * len(values) + 1.0), 2.8), layout="constrained")
    ax = figure.subplots()
    colors = ["tab:green" if i == int(values.argmin()) else "tab:gray" for i in range(len(values))]
    ax.bar(range(len(values)), values, color=colors)
    ax.set_xticks(range(len(values)), list(labels), rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("free energy")
    ax.set_title("energy of candidate futures (lowest in green)", fontsize=9)
    return figure


def metric_bars(
    values: Mapping[str, Mapping[str, float | None]],
    chance: float = 0.5,
    metric: str = "accuracy",
    intervals: Mapping[str, Mapping[str, Sequence[float | None]]] | None = None,
) -> Figure:
    """Grouped bars of one metric: a group per block, a bar per model or control.

    Args:
        values: model name -> block -> metric value (None or NaN: not defined, drawn empty).
        chance: level drawn as a dashed line.
        metric: y-axis label, e.g. ``pairwise_acc_mean``.
        intervals: model name -> block -> (low, high), drawn as error bars (95% bootstrap
            intervals of report.json); a missing or null one draws none.

    Returns:
        the figure, with one axes.
    """
    names = list(values)
    blocks = sorted({block for by_block in values.values() for block in by_block})
    width = 0.8 / max(len(names), 1)
    figure = Figure(
        figsize=(max(4.0, 0.5 * len(blocks) * len(names) + 2.5), 3.0), layout="constrained"
    )
    ax = figure.subplots()
    for i, name in enumerate(names):
        heights = np.array([_number(values[name].get(block)) for block in blocks])
        positions = np.arange(len(blocks)) + (i - (len(names) - 1) / 2) * width
        ax.bar(positions, heights, width=width, label=name)
        spans = [((intervals or {}).get(name) or {}).get(block) or (None, None) for block in blocks]
        low = np.array([_number(span[0]) for span in spans])
        high = np.array([_number(span[1]) for span in spans])
        shown = ~np.isnan(low) & ~np.isnan(high) & ~np.isnan(heights)
        if shown.any():
            errors = np.stack([heights - low, high - heights])[:, shown]
            ax.errorbar(positions[shown], heights[shown], yerr=np.clip(errors, 0, None),
                        fmt="none", ecolor="black", elinewidth=1, capsize=2)  # fmt: skip
    ax.axhline(chance, color="black", linestyle="--", linewidth=1, label="chance")
    ax.set_xticks(range(len(blocks)), blocks)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(metric)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def _number(value: float | None) -> float:
    """A value to draw, NaN when undefined."""
    return np.nan if value is None else float(value)


def roc_curves(curves: Mapping[str, tuple[np.ndarray, np.ndarray, float]]) -> Figure:
    """One ROC curve per block: telling impossible movies by their surprise.

    Args:
        curves: block -> (false-positive rates (K,), true-positive rates (K,), AUROC).

    Returns:
        the figure, with one axes and the chance diagonal.
    """
    figure = Figure(figsize=(6.0, 3.8), layout="constrained")
    ax = figure.subplots()
    for block, (fpr, tpr, area) in curves.items():
        ax.plot(fpr, tpr, label=f"{block} (AUROC {area:.2f})")
    ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1, label="chance")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("possible movies called impossible")
    ax.set_ylabel("impossible movies called impossible")
    ax.set_title("ROC per block: an impossible movie called by its max surprise", fontsize=9)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    if not curves:
        ax.set_title("no block has both possible and impossible movies", fontsize=9)
    return figure
