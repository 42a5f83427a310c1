"""``strip_<block>.png``: for each impossible event of a block, the pair the model gets most
right and the pair it gets most wrong, at the violation: the last context frame, the true next
frame, the model's prediction of it and the error between them, for both movies of the pair.

The verdict of a pair rests on a few frames; this shows them. Predictions are drawn for models
that predict pixels (pixel targets, copy-last); for the others the cells say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from physpred.eval.diagnostics import violation_pairs
from physpred.eval.runner import MovieSurprise

Chosen = tuple[str, MovieSurprise, MovieSurprise, list[int]]
"""(label, possible, impossible, violation frames 0-based)."""


def chosen_pairs(
    movies: Sequence[MovieSurprise],
    pairs: Sequence[tuple[str, str]],
    events: Mapping[str, str],
    violations: Mapping[str, Sequence[int]],
) -> dict[str, list[Chosen]]:
    """Per block, per impossible event: its best and its worst pair by mean surprise margin.

    The margin is the impossible movie's mean surprise minus its possible partner's (above
    zero: the pair is won). An event with one pair shows it once.

    Returns:
        block -> [(``"<event> best (+margin)"``, possible, impossible, frames), ...].
    """
    by_event: dict[tuple[str, str], list[tuple[float, MovieSurprise, MovieSurprise, list[int]]]] = {}
    for possible, impossible, frames in violation_pairs(movies, pairs, violations):
        margin = impossible.surprise_mean - possible.surprise_mean
        key = (impossible.block, events.get(impossible.video, "violation"))
        by_event.setdefault(key, []).append((margin, possible, impossible, [f - 1 for f in frames]))
    chosen: dict[str, list[Chosen]] = {}
    for (block, event), found in sorted(by_event.items()):
        found.sort(key=lambda item: (item[0], item[2].video))
        picks = [("best", found[-1]), ("worst", found[0])] if len(found) > 1 else [("only", found[0])]
        for name, (margin, possible, impossible, frames) in picks:
            label = f"{event} {name} ({margin:+.3g})"
            chosen.setdefault(block, []).append((label, possible, impossible, frames))
    return chosen


def clearest_frame(first: torch.Tensor, second: torch.Tensor, frames: Sequence[int], earliest: int) -> int | None:
    """The violation frame (0-based, at or after ``earliest``) where the two movies (T, 3, H, W)
    differ most: where the violation shows, not where it starts hidden behind a screen."""
    usable = [f for f in frames if earliest <= f < min(len(first), len(second))]
    if not usable:
        return None
    gaps = [(first[f].float() - second[f].float()).abs().mean().item() for f in usable]
    return usable[max(range(len(usable)), key=gaps.__getitem__)]


def window_at(
    frames: torch.Tensor, onset: int, context_frames: int, frame_step: int
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The context (C, 3, H, W) ending just before ``onset`` and the frame at it (3, H, W);
    None when the movie has too few frames before it."""
    first = onset - context_frames * frame_step
    if first < 0 or onset >= len(frames):
        return None
    return frames[first:onset:frame_step], frames[onset]


def predicted_next(scorer: Any, context: torch.Tensor) -> torch.Tensor | None:
    """The scorer's predicted next frame (3, H, W) uint8, or None when it has no pixels to show."""
    from physpred.viz import predict_frames

    with torch.no_grad():
        predicted = predict_frames(scorer, context[None])
    return None if predicted is None else predicted[0, 0]


def write_strips(
    out: Path,
    dataset: Any,
    scorer: Any,
    chosen: Mapping[str, list[Chosen]],
    context_frames: int,
    frame_step: int,
) -> list[str]:
    """Write ``strip_<block>.png`` for each block of ``chosen``; returns the file names."""
    from physpred.viz import pair_strip, save_figure

    index = {entry.video: i for i, entry in enumerate(dataset.entries)}
    written = []
    for block, picks in chosen.items():
        rows = []
        for label, possible, impossible, frames in picks:
            movies = {kind: dataset[index[movie.video]].frames for kind, movie in (("possible", possible), ("impossible", impossible))}
            onset = clearest_frame(movies["possible"], movies["impossible"], frames, context_frames * frame_step)
            for kind, movie in (("possible", possible), ("impossible", impossible)):
                window = None if onset is None else window_at(movies[kind], onset, context_frames, frame_step)
                if window is None:
                    continue
                context, truth = window
                rows.append((f"{label}\n{kind} {movie.video}\nframe {onset + 1}", context[-1], truth, predicted_next(scorer, context)))
        if rows:
            name = f"strip_{block}.png"
            save_figure(pair_strip(rows, f"block {block}: the best and worst pair of each event, at the violation"), out / name)
            written.append(name)
    return written
