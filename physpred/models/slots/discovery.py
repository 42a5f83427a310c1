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
            scores.append(torch.tensor(float("nan"), device=slot_masks.device))  # stacked with the others
            continue
        scores.append(adjusted_rand_score(guess[foreground], truth[foreground]).float())
    return torch.stack(scores)


def object_recall(true_ids: Tensor, is_object: Tensor, held: Tensor, *, still: float = 0.5) -> tuple[Tensor, Tensor]:
    """How often an object in view is found, apart for frames where it moves and where it rests.

    FG-ARI does not see a lone object that is missed whole (all its pixels fall in one segment,
    the background's), so a perception that loses things at rest needs this count too.

    Args:
        true_ids: (T, H, W) instance ids of one clip, 0 = background.
        is_object: (256,) bool, which ids are objects.
        held: (T, H, W) bool, the pixels some slot holds.
        still: how far (pixels) an object's centre may move from the frame before and be at rest.

    Returns:
        found and total counts (2,) each: [moving, at rest]. An object in view (at least two of
        its pixels) is found when slots hold at least half of its pixels; at rest when it was in
        view in the frame before and its centre moved at most ``still``; moving otherwise.
    """
    device = true_ids.device
    found, total = torch.zeros(2, device=device), torch.zeros(2, device=device)
    rows, columns = torch.meshgrid(
        torch.arange(true_ids.shape[1], device=device), torch.arange(true_ids.shape[2], device=device), indexing="ij"
    )
    for thing in true_ids.unique().tolist():
        if not is_object[thing]:
            continue
        mask = true_ids == thing  # (T, H, W)
        area = mask.flatten(1).sum(dim=1)
        in_view = area >= 2
        centre = torch.stack([(mask * columns).flatten(1).sum(1), (mask * rows).flatten(1).sum(1)], dim=1) / area.clamp_min(1)[:, None]
        moved = torch.ones_like(in_view)
        moved[1:] = ~in_view[:-1] | ((centre[1:] - centre[:-1]).norm(dim=1) > still)
        hit = (held & mask).flatten(1).sum(dim=1) * 2 >= area
        for group, where in enumerate((in_view & moved, in_view & ~moved)):
            found[group] += (hit & where).sum()
            total[group] += where.sum()
    return found, total
