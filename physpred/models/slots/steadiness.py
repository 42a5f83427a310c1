"""Which of a slot's percepts a clip can vouch for as the same thing seen again: a pure function.

A slot found without labels follows a component, and a component grows or shrinks by more than
its edges when a sliver of a slab, a ghost or another thing joins it, or part of it is cut off;
its centre then jumps by what joined, not by how the thing moved. Read on 200 training clips
(``benchmarks/step_mode.py``'s pairs, the label-free perception of lab row
``objects_free_v40_colour_split_cut_to_thing_seed0``), the object slots' vertical steps whose
size stays within 8% over three frames carry 0.92 of a step into the next at the recipe's Cauchy
scale (0.17 of them stop), where all of them carry 0.42 (0.30 stop); the world's masks' own
slots 1.10 and 1.08 (0.20 stop), 95% of their steps within 8%. ``ObjectPredictionModule
(steady_targets)`` prices a place, shape and colour only where the slot's size is steady.
"""

from __future__ import annotations

import torch
from torch import Tensor

from physpred.models.slots.features import FEATURES

SIZE = FEATURES.index("size")


def steady(features: Tensor, tolerance: float) -> Tensor:
    """Where a slot's size is within ``tolerance`` (a share) of its size the frame before.

    Args:
        features: (B, T, K, F) percepts (:data:`~physpred.models.slots.features.FEATURES`;
            ``size`` is the square root of the thing's share of the frame).
        tolerance: the largest relative change of size that is still the same thing, > 0.

    Returns:
        (B, T, K) bool: False where the slot is seen in frames t - 1 and t and its size changed
        by more than ``tolerance``; True elsewhere (frame 0, a first sighting, an empty slot:
        nothing to doubt).
    """
    size, seen = features[..., SIZE], features[..., 0] > 0
    jumped = (size[:, 1:] / size[:, :-1].clamp_min(1e-6) - 1).abs() > tolerance
    doubted = jumped & seen[:, 1:] & seen[:, :-1]  # (B, T - 1, K): frames 1..T-1
    return torch.cat([torch.ones_like(doubted[:, :1]), ~doubted], dim=1)
