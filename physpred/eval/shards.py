"""Splitting a benchmark's movies between processes (``--shard K/N``); pure, no torch.

Shard K of N takes every N-th movie of the sorted ids from the K-th on, so any number of
processes, on one machine or many, split a benchmark without talking to each other, and
together cover every movie exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N) with 0 <= K < N.

    Raises:
        ValueError: not two whole numbers in range; the message names ``--shard``.
    """
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard {text}: expected K/N, e.g. 0/4 for the first of four") from None
    if not 0 <= index < count:
        raise ValueError(f"--shard {text}: K must be in 0..N-1")
    return index, count


def shard_of(movies: Sequence[str], index: int, count: int) -> list[str]:
    """Every ``count``-th movie of the sorted ids from the ``index``-th on.

    Example: ids a..e, shard 1/2 -> b, d.
    """
    return sorted(movies)[index::count]
