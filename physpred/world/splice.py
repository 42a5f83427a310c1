"""Pure functions on frame stacks and trajectories that probes are built from.

Frame stacks are (T, H, W, 3) uint8, mask stacks (T, H, W) uint8. Splicing copies whole rendered
frames, and their masks with them, so every frame of a spliced movie is byte-identical to a
frame of one of its sources and its mask is that source frame's mask.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from physpred.world.simulate import Trajectory


class Movie(NamedTuple):
    """A rendered movie: frames (T, H, W, 3) uint8 and, when asked for, masks (T, H, W) uint8."""

    frames: np.ndarray
    masks: np.ndarray | None = None


def spliced(a: Movie, b: Movie, start: int, stop: int) -> Movie:
    """``a`` with frames [start, stop) taken from ``b``, each with its mask."""
    frames = a.frames.copy()
    frames[start:stop] = b.frames[start:stop]
    if a.masks is None or b.masks is None:
        return Movie(frames)
    masks = a.masks.copy()
    masks[start:stop] = b.masks[start:stop]
    return Movie(frames, masks)


def same_frames(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T,) bool: where two frame stacks (T, H, W, 3) are byte-identical."""
    return np.all(a == b, axis=(1, 2, 3))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True in a 1-D bool array as (start, stop) pairs, stop exclusive."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(edges[i]), int(edges[i + 1])) for i in range(0, len(edges), 2)]


def hidden_runs(same: np.ndarray) -> list[tuple[int, int]]:
    """Runs of identical frames with a differing frame on both sides: the object is hidden.

    Args:
        same: (T,) bool from :func:`same_frames` of a movie with the object and one without
            (or with another object).

    Returns:
        (start, stop) runs, in time order.
    """
    return [(start, stop) for start, stop in runs(same) if start > 0 and stop < len(same)]


def differing_frames(a: np.ndarray, b: np.ndarray) -> list[int]:
    """1-based numbers of the frames where two stacks differ (the ``violation_frames`` key)."""
    return [int(i) + 1 for i in np.flatnonzero(~same_frames(a, b))]


def freeze_after(trajectory: Trajectory, thing: int, frame: int) -> Trajectory:
    """The trajectory with ``thing`` held at its state of ``frame - 1`` from ``frame`` on."""
    positions, angles = trajectory.positions.copy(), trajectory.angles.copy()
    positions[frame:, thing] = positions[frame - 1, thing]
    angles[frame:, thing] = angles[frame - 1, thing]
    return replace(trajectory, positions=positions, angles=angles)


def change_velocity_after(
    trajectory: Trajectory, thing: int, frame: int, factor: float
) -> Trajectory:
    """The trajectory with ``thing`` moving uniformly at ``factor`` times its last velocity
    (per frame) from ``frame`` on; a negative factor reverses it."""
    positions = trajectory.positions.copy()
    velocity = positions[frame - 1, thing] - positions[frame - 2, thing]  # units per frame
    steps = np.arange(1, len(positions) - frame + 1)[:, None]
    positions[frame:, thing] = positions[frame - 1, thing] + factor * velocity * steps
    angles = trajectory.angles.copy()
    angles[frame:, thing] = angles[frame - 1, thing]
    return replace(trajectory, positions=positions, angles=angles)


def first_moving_frame(trajectory: Trajectory, thing: int, tolerance: float = 0.05) -> int | None:
    """First frame where ``thing`` is more than ``tolerance`` units from where it started."""
    distance = np.linalg.norm(
        trajectory.positions[:, thing] - trajectory.positions[0, thing], axis=1
    )
    moved = np.flatnonzero(distance > tolerance)
    return int(moved[0]) if len(moved) else None


def first_divergence(
    a: Trajectory, b: Trajectory, thing: int, tolerance: float = 1e-6
) -> int | None:
    """First frame where two trajectories put ``thing`` in different places."""
    distance = np.linalg.norm(a.positions[:, thing] - b.positions[:, thing], axis=1)
    diverged = np.flatnonzero(distance > tolerance)
    return int(diverged[0]) if len(diverged) else None
