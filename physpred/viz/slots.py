"""Slots drawn on frames: what an object model sees and what it expected, as outlines."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from physpred.models.slots.features import FEATURES

SEEN, EXPECTED = "#1b9e77", "#d95f02"


def _box(features: np.ndarray, side: int) -> tuple[float, float, float, float]:
    """(x0, y0, width, height) in pixels of a slot: its centre +- 2 spreads (at least 2 pixels)."""
    x, y, sx, sy = (features[FEATURES.index(k)] for k in ("x", "y", "spread_x", "spread_y"))
    half_x, half_y = max(2 * sx * side, 1.0), max(2 * sy * side, 1.0)
    return x * side - half_x - 0.5, y * side - half_y - 0.5, 2 * half_x, 2 * half_y


def slot_strip(rows: Sequence[tuple[str, Sequence[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> Figure:
    """One row of frames per movie, the seen slots in green and the expected ones in orange.

    Args:
        rows: (title, a title per frame, frames (N, H, W, 3) uint8, seen (N, K, F), expected
            (N, K, F) with feature 0 a presence probability, kind (K,)); only object slots
            (kind 1) are drawn, an expected one with its line as opaque as the model is sure it
            is there.

    Returns:
        the figure.
    """
    count = len(rows[0][1])
    figure = Figure(figsize=(1.6 * count, 1.75 * len(rows)), layout="constrained")
    axes = figure.subplots(len(rows), count, squeeze=False)
    for row, (title, columns, frames, seen, expected, kind) in zip(axes, rows, strict=True):
        side = frames.shape[1]
        for column, (ax, name) in enumerate(zip(row, columns, strict=True)):
            ax.imshow(frames[column], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(name, fontsize=8)
            for slot in np.flatnonzero(kind == 1):
                if seen[column, slot, 0] > 0:
                    box = _box(seen[column, slot], side)
                    ax.add_patch(Rectangle(box[:2], *box[2:], fill=False, color=SEEN, lw=1.2))
                sure = float(expected[column, slot, 0])
                if sure > 0.05:
                    box = _box(expected[column, slot], side)
                    ax.add_patch(Rectangle(box[:2], *box[2:], fill=False, color=EXPECTED, lw=1.2, ls="--", alpha=sure))
        row[0].set_ylabel(title, fontsize=8)
    figure.suptitle("green: seen   orange dashed: expected (opacity = expected presence)", fontsize=8)
    return figure
