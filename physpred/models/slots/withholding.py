"""Percepts withheld from the dynamics in training: a thing in view that the model is not shown.

In lawful clips a thing is out of view only where something hides it or it has left the frame,
so nothing teaches the dynamics what to expect of a thing that should be in view and is not
seen. Whether it keeps expecting a hidden thing that fails to come out (a vanish pair) is then
left to how it generalises: without labels, one seed of three (docs/research.md, 2026-12-05,
fifteenth). Withholding a seen thing's percepts from the dynamics for a run of frames, while the
energy still compares its predictions with what is seen there, asks the dynamics to carry the
thing through the run, in view: masked prediction (V-JEPA masks tubes of pixels) done on one
slot at a time, so the other things stay in view as they do when one thing fails to come out.
Label-free: it reads only the model's own percepts.
"""

from __future__ import annotations

import torch
from torch import Tensor


def withheld_runs(present: Tensor, kind: Tensor, rate: float, longest: int, generator: torch.Generator | None = None) -> Tensor:
    """One run of withheld frames for some of a clip's object slots.

    Each object slot seen in the clip before its last frame gets, with probability ``rate``, one
    run of 1 to ``longest`` frames (uniform) that starts at a frame drawn uniformly after its
    first sighting: the dynamics has met the thing before it is withheld, as it has a hidden one.

    Args:
        present: (B, T, K) bool, where each slot is seen.
        kind: (B, K) slot kinds (1 object).
        rate: probability that an object slot gets a run, in [0, 1].
        longest: the longest run, in frames (>= 1).
        generator: random source (None: torch's global one, which ``seed_everything`` seeds).

    Returns:
        (B, T, K) bool, the frames whose percepts the dynamics is not shown (a run may reach
        frames where the thing is not seen anyway, or past the clip's end).
    """
    batch, steps, slots = present.shape
    frame = torch.arange(steps, device=present.device)[None, :, None]
    first = torch.where(present, frame, steps).amin(dim=1)  # (B, K), T: never seen
    draw = torch.rand((3, batch, slots), generator=generator, device=present.device)
    chosen = (draw[0] < rate) & (kind == 1) & (first < steps - 1)
    start = first + 1 + (draw[1] * (steps - 1 - first).clamp_min(0)).long()
    length = 1 + (draw[2] * longest).long().clamp_max(longest - 1)
    return chosen[:, None] & (frame >= start[:, None]) & (frame < (start + length)[:, None])
