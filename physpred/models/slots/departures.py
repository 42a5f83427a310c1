"""Which absences of a thing a clip cannot vouch for: pure functions over percepts.

A thing last seen inside the frame that stays out of view for the rest of a clip either went
behind something and comes back after the clip ends, or was lost by perception: in the world
nothing vanishes. With the world's masks almost every such thing is back within the clip (117
of 118 in 200 training clips, ``benchmarks/percept_returns.py``); a perception without labels
loses 50 to 60 in the same clips, half of them in the open, and a presence term trained on
those absences teaches the dynamics that things vanish.
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
