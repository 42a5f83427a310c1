"""A tracked thing's place smoothed over the frames it is seen in, causally.

A slot found without labels follows its component's centre, which moves a fraction of a pixel
whenever a pixel of its edge, a sliver of a slab or a ghost joins or leaves it: a thing at rest
seems to step and stop, a falling one to stall. Read on 200 training clips (the label-free
perception of lab row ``objects_free_v40_colour_split_cut_to_thing_seed0``,
``configs/perception/foreground_colour_split_peeled.yaml``), 0.30 of the object slots that move
vertically stop the next step (the world's masks: 0.20), and the share of a step the recipe's
Cauchy price teaches to carry into the next is 0.42 (masks: 1.08; ``benchmarks/step_mode.py``).
An exponential average of the place over the frames a slot is seen in, using only the past,
gives the dynamics (and the energy's targets) steps that carry over: 0.80 at weight 0.5, with
0.03 that stop (the masks' own smoothed so: 0.75).
"""

from __future__ import annotations

from torch import Tensor

from physpred.models.slots.features import POSITION


def smooth_places(features: Tensor, weight: float, slots: int) -> Tensor:
    """Exponentially average the place of slots 0..``slots - 1`` over each run of frames they are seen in.

    Args:
        features: (B, T, K, F) percept features (:data:`~physpred.models.slots.features.FEATURES`).
        weight: the share of the new percept's place in the average, in (0, 1]; 1 leaves it.
        slots: the first ``slots`` slots are smoothed (the tracked ones; static ones do not move).

    Returns:
        (B, T, K, F) the features with x and y of slot k in frame t replaced by
        ``weight * place[t] + (1 - weight) * smoothed[t - 1]`` where the slot is seen in frames t
        and t - 1; a slot's first frame after an absence keeps its place as seen.
    """
    smoothed = features.clone()
    seen = features[:, :, :slots, 0] > 0  # (B, T, K')
    for t in range(1, features.shape[1]):
        running = (seen[:, t] & seen[:, t - 1])[..., None]  # (B, K', 1)
        average = weight * features[:, t, :slots, POSITION] + (1 - weight) * smoothed[:, t - 1, :slots, POSITION]
        smoothed[:, t, :slots, POSITION] = average.where(running, features[:, t, :slots, POSITION])
    return smoothed
