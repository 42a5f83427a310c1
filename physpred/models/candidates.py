"""Distractor futures: for the validation candidate test and the contrastive training term."""

from __future__ import annotations

import torch
from einops import repeat
from torch import Tensor


def candidate_futures(context: Tensor, future: Tensor) -> tuple[Tensor, list[str]]:
    """The true future first, then the distractors that apply to this batch, with their names.

    Distractors: another clip's future (the batch rolled by one; needs B > 1), the
    time-reversed future (needs M > 1) and the last context frame frozen.

    Args:
        context: (B, C, 3, H, W).
        future: (B, M, 3, H, W).

    Returns:
        (B, K, M, 3, H, W), K = 2..4, candidate 0 the true future; and the K names in that
        order (``"true"``, ``"other clip"``, ``"reversed"``, ``"frozen"``).
    """
    candidates, labels = [future], ["true"]
    if future.shape[0] > 1:
        candidates.append(future.roll(1, dims=0))
        labels.append("other clip")
    motion = motion_distractors(context, future)
    labels += ["reversed"] * (future.shape[1] > 1) + ["frozen"]
    return torch.cat([torch.stack(candidates, dim=1), motion], dim=1), labels


def motion_distractors(context: Tensor, future: Tensor) -> Tensor:
    """Futures that differ from the true one only in how things move.

    The time-reversed future (when M > 1), then the last context frame frozen.

    Args:
        context: (B, C, 3, H, W).
        future: (B, M, 3, H, W).

    Returns:
        (B, K, M, 3, H, W), K = 1 or 2.
    """
    m = future.shape[1]
    distractors = [future.flip(1)] if m > 1 else []
    distractors.append(repeat(context[:, -1], "b c h w -> b m c h w", m=m))
    return torch.stack(distractors, dim=1)


def candidate_accuracy(scores: Tensor, candidates: Tensor) -> Tensor:
    """Share of clips whose true future (candidate 0) scores lowest, ties shared out.

    A distractor that scores exactly as much as the true future, or that *is* the true future
    (the frozen last frame of a static clip, its reversal), ties with it: a clip counts
    1 / (1 + ties) when no distractor scores lower, as a coin toss among the tied would (½ for
    one tie), and 0 when one does. Without ties it is the plain share of clips won.

    Args:
        scores: (B, K) energies, candidate 0 the true future.
        candidates: (B, K, M, 3, H, W), as :func:`candidate_futures` returns them.

    Returns:
        a scalar in [0, 1].
    """
    true, others = scores[:, :1], scores[:, 1:]
    same = (candidates[:, 1:] == candidates[:, :1]).flatten(2).all(dim=2)  # (B, K - 1)
    tied = same | (others == true)
    beaten = ((others < true) & ~same).any(dim=1)  # (B,)
    credit = 1.0 / (1 + tied.sum(dim=1).float())
    return torch.where(beaten, torch.zeros_like(credit), credit).mean()
