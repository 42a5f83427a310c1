"""Which absences of a thing a clip cannot vouch for: pure functions over percepts.

In the world nothing vanishes. A thing last seen inside the frame that stays out of view for the
rest of a clip went behind something and comes back after the clip ends, or perception lost it;
a thing that goes out of view in the open, away from anything that could hide it, was lost by
perception. With the world's masks almost every thing out of view is back within the clip (117
of 118 in 200 training clips, 1 in the open; ``benchmarks/percept_returns.py``); a perception
without labels loses 50 to 60 for good in the same clips, and 35 to 72 in the open (half never
back, the others after 6 to 7 read frames). A presence term trained on those absences teaches
the dynamics that things vanish; ``ObjectPredictionModule(ignore_lasting_departures,
ignore_open_departures)`` leave them out: neither alone gave the label-free recipe object
permanence (docs/research.md, 2026-12-05, tenth); with ``withhold_rate``, which teaches it, both
are on in that recipe (2026-12-06).
"""

from __future__ import annotations

import torch
from torch import Tensor

from physpred.models.slots.features import at_frame_edge, boxes


def lasting_departures(features: Tensor, kind: Tensor, pixel: float) -> Tensor:
    """The frames after an object slot's last sighting in a clip, where that sighting is away
    from the frame's edges (a thing leaving the frame is gone for good).

    Args:
        features: (B, T, K, F) percepts, feature 0 presence.
        kind: (B, K) slot kinds (1 object).
        pixel: a pixel's fraction of the frame side.

    Returns:
        (B, T, K) bool.
    """
    present = features[..., 0] > 0
    frame = torch.arange(features.shape[1], device=features.device)[None, :, None]
    last = torch.where(present, frame, -1).amax(dim=1)  # (B, K), -1: never seen
    at_last = features.gather(1, last.clamp_min(0)[:, None, :, None].expand(-1, 1, -1, features.shape[-1]))[:, 0]
    lost = (last >= 0) & (kind == 1) & ~at_frame_edge(boxes(at_last), pixel)  # (B, K)
    return (frame > last[:, None, :]) & lost[:, None, :]


def beside_static(box: Tensor, scenery: Tensor, pixel: float) -> Tensor:
    """Whether a thing's centre lies within a static thing's box grown by the thing's half-size
    and a pixel: a place where the static thing could hide it.

    Args:
        box: (..., 4) things' boxes (:func:`~physpred.models.slots.features.boxes`).
        scenery: (..., S, 4) static things' boxes, broadcast against ``box``; NaN for none.
        pixel: a pixel's fraction of the frame side.

    Returns:
        (...) bool.
    """
    centre, half = (box[..., :2] + box[..., 2:]) / 2, (box[..., 2:] - box[..., :2]) / 2 + pixel
    low, high = scenery[..., :2] - half[..., None, :], scenery[..., 2:] + half[..., None, :]
    return ((centre[..., None, :] >= low) & (centre[..., None, :] <= high)).all(dim=-1).any(dim=-1)


def open_departures(features: Tensor, kind: Tensor, pixel: float) -> Tensor:
    """The frames an object slot is out of view after leaving it in the open, up to its return:
    last seen away from the frame's edges and from every static slot (:func:`beside_static`),
    where nothing could hide it.

    Args:
        features: (B, T, K, F) percepts, feature 0 presence.
        kind: (B, K) slot kinds (1 object, 2 and up static things).
        pixel: a pixel's fraction of the frame side.

    Returns:
        (B, T, K) bool.
    """
    present = features[..., 0] > 0
    box = boxes(features)  # (B, T, K, 4)
    static = (kind >= 2)[:, None, :] & present  # (B, T, K)
    scenery = torch.where(static[..., None], box, torch.nan)[:, :, None]  # (B, T, 1, K, 4)
    hidden_by = beside_static(box, scenery, pixel)  # (B, T, K)
    leaves = present[:, :-1] & ~present[:, 1:]  # (B, T - 1, K): seen at t, not at t + 1
    in_open = leaves & ~at_frame_edge(box[:, :-1], pixel) & ~hidden_by[:, :-1] & (kind == 1)[:, None]
    out = torch.zeros_like(present)
    running = torch.zeros_like(present[:, 0])
    for t in range(1, present.shape[1]):  # an absence runs until the thing is seen again
        running = (running | in_open[:, t - 1]) & ~present[:, t]
        out[:, t] = running
    return out
