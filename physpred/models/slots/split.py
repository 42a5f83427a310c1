"""Decomposition: the slots of things that move from one perception, those of static things from
another — e.g. objects from the world's masks and screens and walls found without labels, to
tell which half of a label-free perception a model's failure comes from.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from physpred.models.slots.perception import Percepts, see


class SplitPerception(nn.Module):
    """K object slots from ``objects``, then the static slots of ``scenery``.

    Args:
        objects: a perception whose first ``object_slots`` slots are things that move (its
            static slots are dropped).
        scenery: a perception whose slots after its first ``object_slots`` are static things
            (its object slots are dropped).
    """

    def __init__(self, *, objects: nn.Module, scenery: nn.Module) -> None:
        super().__init__()
        for name, part in (("objects", objects), ("scenery", scenery)):
            if not hasattr(part, "object_slots"):
                raise ValueError(f"SplitPerception: {name} ({type(part).__name__}) does not say how many of its slots are objects (use MaskPerception or ForegroundPerception)")
        self.objects, self.scenery = objects, scenery
        self.reads_masks = any(getattr(part, "reads_masks", False) for part in (objects, scenery))

    def forward(self, frames: Tensor, masks: Tensor | None = None, kinds: Tensor | None = None) -> Percepts:
        """(B, T, 3, H, W) uint8 frames (and masks (B, T, H, W), kinds (B, 256) when a part reads
        them) -> :class:`Percepts` with the objects' object slots, then the scenery's static ones."""
        moving, static = see(self.objects, frames, masks, kinds), see(self.scenery, frames, masks, kinds)
        cut_moving, cut_static = self.objects.object_slots, self.scenery.object_slots
        return Percepts(
            torch.cat([moving.features[:, :, :cut_moving], static.features[:, :, cut_static:]], dim=2),
            torch.cat([moving.kind[:, :cut_moving], static.kind[:, cut_static:]], dim=1),
        )
