"""Match each impossible probe movie with the possible movie it shares the longest prefix with.

Frames are compared as small greyscale thumbnails. Two frames count as identical when their
mean absolute difference is small (compression noise, dithering) AND no blurred spot differs
much (a small object that appeared, vanished or moved): noise is low everywhere, a physical
difference is high somewhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

THUMBNAIL_SIZE = 32
GREY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601 luma
MEAN_TOLERANCE = 2.0  # grey levels (0..255) averaged over the thumbnail (noise: ~0.4)
PEAK_TOLERANCE = 4.0  # grey levels, after a 3x3 box blur of the difference (noise: <= 2)


def thumbnails(frames: Tensor, size: int = THUMBNAIL_SIZE) -> Tensor:
    """Greyscale area-downscaled frames for comparison.

    Args:
        frames: uint8 (T, 3, H, W).
        size: thumbnail side.

    Returns:
        float32 (T, size, size) in grey levels 0..255.
    """
    rgb = frames.numpy().astype(np.float32)
    grey = np.tensordot(GREY_WEIGHTS, rgb, axes=([0], [1]))  # (T, H, W)
    # cv2 rather than torch: single-threaded, so it stays fast on a busy machine
    small = [cv2.resize(g, (size, size), interpolation=cv2.INTER_AREA) for g in grey]
    return torch.from_numpy(np.stack(small))


def frames_match(
    a: Tensor,
    b: Tensor,
    mean_tolerance: float = MEAN_TOLERANCE,
    peak_tolerance: float = PEAK_TOLERANCE,
) -> Tensor:
    """Which frames of two thumbnail sequences are identical up to noise.

    Args:
        a: float (T, h, w) thumbnails.
        b: float (T, h, w) thumbnails.
        mean_tolerance: largest mean absolute difference of identical frames.
        peak_tolerance: largest 3x3-blurred absolute difference of identical frames.

    Returns:
        bool (T,).
    """
    diff = (a - b).abs()
    peak = F.avg_pool2d(diff.unsqueeze(1), 3, stride=1, padding=1).amax(dim=(1, 2, 3))
    return (diff.mean(dim=(1, 2)) < mean_tolerance) & (peak < peak_tolerance)


def common_prefix_length(a: Tensor, b: Tensor) -> int:
    """Number of leading frames two thumbnail sequences share (compared up to the shorter one).

    Args:
        a: float (Ta, h, w) thumbnails.
        b: float (Tb, h, w) thumbnails.
    """
    length = min(len(a), len(b))
    same = frames_match(a[:length], b[:length])
    differing = (~same).nonzero()
    return int(differing[0]) if len(differing) else length


def match_pairs(
    possible: Mapping[str, Tensor],
    impossible: Mapping[str, Tensor],
    groups: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """Pair every impossible movie of one scene with a possible movie.

    The partner is the possible movie with the longest common prefix. Among tied movies, one
    in the impossible movie's group (a pair id a probe generator wrote down) wins, else the
    first in ``possible``'s order. In a quadruplet (two possible, two impossible movies) the
    two impossible movies never share a partner, which would pair one of them across draws:
    if they would, the better of the two one-to-one matchings is taken (longest total prefix,
    then most pairs within a group, then the first). A scene with one possible movie pairs
    everything with it; one with none gives no pairs.

    Args:
        possible: movie id -> thumbnails (T, h, w), in a fixed order.
        impossible: movie id -> thumbnails (T, h, w), in a fixed order.
        groups: movie id -> pair id, where known.

    Returns:
        (possible id, impossible id) pairs in ``impossible``'s order.
    """
    groups = groups or {}
    names, bad = list(possible), list(impossible)
    if not names:
        return []
    length = {
        (name, movie): common_prefix_length(possible[name], impossible[movie])
        for name in names
        for movie in bad
    }

    def score(name: str, movie: str) -> tuple[int, bool]:
        return length[name, movie], movie in groups and groups.get(name) == groups[movie]

    def total(partners: Sequence[str]) -> tuple[int, int]:
        scores = [score(name, movie) for name, movie in zip(partners, bad, strict=True)]
        return sum(n for n, _ in scores), sum(g for _, g in scores)

    # max keeps the first of equals
    partners = [max(names, key=lambda name: score(name, movie)) for movie in bad]  # noqa: B023
    if len(names) == len(bad) == 2 and partners[0] == partners[1]:
        partners = list(max(itertools.permutations(names), key=total))
    return list(zip(partners, bad, strict=True))
