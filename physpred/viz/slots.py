"""Slots drawn on frames: what an object model sees and what it scored each frame against, as outlines.

:func:`expectation_rows` runs a given object model along movies (it trains nothing and reads no
dataset); :func:`slot_strip` draws the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import Tensor

from physpred.models.slots.features import FEATURES
from physpred.types import ClipGeometry, ProbeMovie

SEEN, EXPECTED = "#1b9e77", "#d95f02"

SURE = 0.05
"""Expected presence below which an expected slot is not drawn."""

Row = tuple[str, Sequence[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""(label, a title per frame, frames (N, H, W, 3) uint8, seen (N, K, F), expected (N, K, F) with
feature 0 a presence probability, kind (K,))."""

Group = tuple[str, list[Row]]
"""(heading, rows): one model's rows."""


class SlotScorer(Protocol):
    """An object model that says what it scores a movie's frames against (``ObjectEnergyModel``)."""

    geometry: ClipGeometry
    horizon: int

    @property
    def reads_masks(self) -> bool: ...

    def movie_expectation(
        self, frames: Tensor, masks: Tensor | None, kinds: Tensor | None, frame_step: int
    ) -> tuple[Tensor, Any, Tensor, Tensor]: ...


def expectation_rows(model: SlotScorer, name: str, movies: Sequence[ProbeMovie], first: int, columns: int = 7) -> Group:
    """What ``model`` saw and scored each movie's frames against, from the read frame before source frame ``first`` on.

    Args:
        model: the object model.
        name: what to call it in the heading (e.g. its run folder).
        movies: the movies, at the model's frame size, with masks where the model reads them.
        first: 0-based source frame where the violation begins.
        columns: read frames per row (fewer where the movie ends first).

    Returns:
        a heading naming the track, the model and its horizon, and a row per movie for
        :func:`slot_strip` ("possible|impossible VIDEO", each frame titled with its number and
        energy). The expected slots of read frame t are what the energy compares it with: where
        the model imagined each thing from ``horizon`` read frames before (the next-frame
        prediction at horizon 1), and how sure it was one frame before that the thing is there.
    """
    rows = []
    for movie in movies:
        picked, percepts, expected, energies = model.movie_expectation(
            movie.frames, movie.masks, movie.kinds, model.geometry.frame_step
        )
        start = max(int(np.searchsorted(picked.numpy(), first)) - 1, 1)  # read frame 0 is never scored
        chosen = np.arange(start, min(start + columns, len(picked)))
        shown = expected[0, chosen - 1].clone()  # expected[:, c - 1] is the expectation of read frame c
        shown[..., 0] = torch.sigmoid(shown[..., 0])
        label = f"{'possible' if movie.is_possible else 'impossible'} {movie.video}"
        titles = [f"frame {int(picked[c]) + 1}  E {float(energies[0, c - 1]):.1f}" for c in chosen]
        frames = movie.frames[picked[chosen]].permute(0, 2, 3, 1).numpy()
        rows.append((label, titles, frames, percepts.features[0, chosen].numpy(), shown.numpy(), percepts.kind[0].numpy()))
    before = "the frame before" if model.horizon == 1 else f"{model.horizon} read frames before"
    track = "with masks" if model.reads_masks else "without labels"  # the tracks as the docs name them
    return f"{track}: {name} (expected from {before})", rows


def _box(features: np.ndarray, side: int) -> tuple[float, float, float, float]:
    """(x0, y0, width, height) in pixels of a slot: its centre +- 2 spreads (at least 2 pixels)."""
    x, y, sx, sy = (features[FEATURES.index(k)] for k in ("x", "y", "spread_x", "spread_y"))
    half_x, half_y = max(2 * sx * side, 1.0), max(2 * sy * side, 1.0)
    return x * side - half_x - 0.5, y * side - half_y - 0.5, 2 * half_x, 2 * half_y


def _drawn(row: Row) -> list[list[tuple[np.ndarray, bool, float]]]:
    """(features, expected?, opacity) of every slot outline a row draws, frame by frame."""
    _, columns, _, seen, expected, kind = row
    return [
        [(seen[c, k], False, 1.0) for k in np.flatnonzero(kind == 1) if seen[c, k, 0] > 0]
        + [(expected[c, k], True, float(expected[c, k, 0])) for k in np.flatnonzero(kind == 1) if expected[c, k, 0] > SURE]
        for c in range(len(columns))
    ]


def _window(groups: Sequence[Group], zoom: float) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) as fractions of the side: a ``zoom``-wide square around every outline drawn."""
    centres = np.array([f[1:3] for _, rows in groups for row in rows for frame in _drawn(row) for f, _, _ in frame])
    centre = centres.mean(axis=0) if len(centres) else np.array([0.5, 0.5])
    low = np.clip(centre - zoom / 2, 0.0, 1.0 - zoom)
    return low[0], low[0] + zoom, low[1], low[1] + zoom


def slot_strip(groups: Sequence[Group], title: str = "", zoom: float | None = None) -> Figure:
    """A block of rows per model, a row of frames per movie: seen slots green, expected ones orange.

    Args:
        groups: (heading, :data:`Row` s) per model; only object slots (kind 1) are drawn, an
            expected one with its line as opaque as the model is sure it is there.
        title: first line of the figure's title (the legend follows).
        zoom: show only a square of this fraction of the frame side around the outlines (the
            same for every frame, so the rows line up); None: whole frames.

    Returns:
        the figure.
    """
    if zoom is not None and not 0 < zoom <= 1:
        raise ValueError(f"slot_strip: zoom must be a fraction of the frame side in (0, 1], got {zoom}")
    count = max(len(row[1]) for _, rows in groups for row in rows)
    heights = [len(rows) for _, rows in groups]
    figure = Figure(figsize=(1.6 * count + 0.4, 1.75 * sum(heights) + 0.35 * len(groups) + 0.3), layout="constrained")
    window = _window(groups, zoom) if zoom is not None else (0.0, 1.0, 0.0, 1.0)
    for part, (heading, rows) in zip(np.atleast_1d(figure.subfigures(len(groups), 1, height_ratios=heights)), groups, strict=True):
        part.suptitle(heading, fontsize=9, fontweight="bold")
        axes = part.subplots(len(rows), count, squeeze=False)
        for row_axes, row in zip(axes, rows, strict=True):
            label, columns, frames, _, _, _ = row
            side = frames.shape[1]
            for ax in row_axes[len(columns) :]:
                ax.set_axis_off()
            for ax, name, image, outlines in zip(row_axes, columns, frames, _drawn(row), strict=False):
                ax.imshow(image, interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(name, fontsize=8)
                for features, expected, opacity in outlines:
                    box = _box(features, side)
                    style = {"color": EXPECTED, "ls": "--", "alpha": opacity} if expected else {"color": SEEN}
                    ax.add_patch(Rectangle(box[:2], *box[2:], fill=False, lw=1.2, **style))
                ax.set_xlim(window[0] * side - 0.5, window[1] * side - 0.5)
                ax.set_ylim(window[3] * side - 0.5, window[2] * side - 0.5)
            row_axes[0].set_ylabel(label, fontsize=8)
    legend = "green: seen   orange dashed: expected (opacity = expected presence)"
    figure.suptitle(f"{title}\n{legend}" if title else legend, fontsize=9)
    return figure
