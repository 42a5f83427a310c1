"""Seeing each training video once: percepts of whole videos, and training windows cut from them.

A perception that learns nothing (the world's masks, ``ForegroundPerception``'s classical
tracking) gives the same percepts every time it sees a clip, and on the 2-core CPU box it costs
most of a label-free training step. Seen once over each whole video, its percepts are cut into
training windows as clips are cut from videos (:class:`physpred.data.SequenceWindows`), and only
the dynamics trains. Scoring, too, sees a probe movie whole.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import torch
from pytorch_lightning.utilities import rank_zero_info
from torch import Tensor, nn

from physpred.data import VideoClipDataset, VideoReadError
from physpred.models.slots import Percepts
from physpred.models.slots.perception import see

logger = logging.getLogger(__name__)


def learns_nothing(perception: nn.Module) -> bool:
    """Whether ``perception`` has no trainable weight (its percepts of a clip never change)."""
    return not any(parameter.requires_grad for parameter in perception.parameters())


def perceive_videos(perception: nn.Module, videos: VideoClipDataset, batch_size: int, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    """Every video of ``videos`` read whole (:meth:`~physpred.data.VideoClipDataset.whole_video`)
    and seen by ``perception``, ``batch_size`` videos of one length at a time.

    Returns:
        features (N, R, K, F) float32 on the CPU (a video shorter than the longest padded with
        absent slots), kind (N, K) int64 and lengths (N,) int64, the read frames of each; a video
        that fails to read is left out (``on_error="skip"``, warned) or raises.

    Raises:
        VideoReadError: a video fails to read and ``videos.on_error`` is "raise", or all fail.
        ValueError: the perception reads masks and the videos are read without them.
    """
    reads_masks = getattr(perception, "reads_masks", False)
    if reads_masks and not videos.masks:
        raise ValueError("this perception reads instance masks: set data.masks: true (videos made with `physpred world videos --masks`)")
    step = videos.frame_step
    lengths = [-(-num_frames // step) for _, num_frames in videos.videos]
    rank_zero_info(f"see_once: seeing {len(lengths)} training videos whole, once, before training")
    started, seen = time.monotonic(), {}
    with torch.no_grad():
        for group in _same_length_batches(lengths, batch_size):
            items = []
            for index in group:
                try:
                    items.append((index, videos.whole_video(index, masks=reads_masks)))
                except VideoReadError as error:
                    if videos.on_error == "raise":
                        raise
                    logger.warning("leaving a broken video out of the percepts: %s", error)
            if not items:
                continue
            if reads_masks:
                frames, masks, kinds = (torch.stack(part).to(device) for part in zip(*(item for _, item in items), strict=True))
            else:
                frames, masks, kinds = torch.stack([item for _, item in items]).to(device), None, None
            percepts = see(perception, frames, masks, kinds)
            for (index, _), features, kind in zip(items, percepts.features.float().cpu(), percepts.kind.cpu(), strict=True):
                seen[index] = (features, kind)
    if not seen:
        raise VideoReadError(f"none of the {len(videos.videos)} training videos could be read whole")
    kept = sorted(seen)
    longest = max(lengths[i] for i in kept)
    features = torch.stack([nn.functional.pad(seen[i][0], [0, 0, 0, 0, 0, longest - lengths[i]]) for i in kept])
    rank_zero_info(f"see_once: saw {len(kept)} training videos in {time.monotonic() - started:.0f} s")
    return features, torch.stack([seen[i][1] for i in kept]), torch.tensor([lengths[i] for i in kept])


def _same_length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices into ``lengths`` grouped by equal length, at most ``batch_size`` to a group."""
    groups: dict[int, list[int]] = {}
    for index, length in enumerate(lengths):
        groups.setdefault(length, []).append(index)
    return [same[i : i + batch_size] for same in groups.values() for i in range(0, len(same), batch_size)]


def percept_windows(items: list[tuple[Tensor, Tensor]]) -> Percepts:
    """Collate windows (T, K, F) of percepts and their videos' kinds (K,) into a batch of
    Percepts (B, T, K, F), (B, K); a slot absent from every frame of its window is an empty
    slot (kind 0) there, as a clip perceived alone would have no slot for it."""
    features = torch.stack([window for window, _ in items])
    kind = torch.stack([kind for _, kind in items])
    seen = (features[..., 0] > 0).any(dim=1)
    return Percepts(features, torch.where(seen, kind, torch.zeros_like(kind)))
