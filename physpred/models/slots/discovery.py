"""Object discovery against the world's masks: FG-ARI (adjusted Rand index over foreground pixels)."""

from __future__ import annotations

import torch
from torch import Tensor
from torchmetrics.functional.clustering import adjusted_rand_score


def fg_ari(true_ids: Tensor, slot_masks: Tensor) -> Tensor:
    """Adjusted Rand index of the slots' pixel assignment, over the pixels of things only.

    Background (id 0) is left out, as in slot-attention papers: which slot takes the sky does
    not matter. A frame with fewer than two foreground pixels has no defined score.

    Args:
        true_ids: (N, H, W) instance ids, 0 = background.
        slot_masks: (N, K, H, W) soft or hard masks of the K slots.

    Returns:
        (N,) FG-ARI per frame, NaN where undefined.
    """
    assigned = slot_masks.argmax(dim=1)  # (N, H, W)
    scores = []
    for truth, guess in zip(true_ids.long(), assigned, strict=True):
        foreground = truth > 0
        if foreground.sum() < 2:
            scores.append(torch.tensor(float("nan")))
            continue
        scores.append(adjusted_rand_score(guess[foreground], truth[foreground]).float())
    return torch.stack(scores)
