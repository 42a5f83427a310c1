"""Window-by-window diagnostics of matched pairs: where the impossible movie costs more.

A pair's mean-surprise verdict mixes two things: the surprise at the violation and the lawful
error each movie pays elsewhere. These pure functions split the window energies of a pair
(impossible minus possible) into the windows whose future overlaps the violation frames and the
windows after them, so that a 0.5 can be read as "no expectation" or "expectation drowned by
lawful error" (DESIGN.md, "Why surprise is hard"), and the windows wholly before them, where the
two movies are the same frames: a model whose score of a frame reads nothing after it differs
there by 0, so anything else is what its scores take from the future (a perception that reads
the whole movie, as ``ForegroundPerception``'s median background does).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from physpred.eval.runner import MovieSurprise


def future_overlaps(
    future_start: np.ndarray, frame_step: int, future_frames: int, frames: Sequence[int]
) -> np.ndarray:
    """Which windows predict at least one of ``frames``.

    Args:
        future_start: (S,) 0-based source frame of each window's first predicted frame.
        frame_step: source frames between predicted frames.
        future_frames: M, predicted frames per window.
        frames: 0-based source frames.

    Returns:
        (S,) bool.
    """
    predicted = future_start[:, None] + frame_step * np.arange(future_frames)  # (S, M)
    return np.isin(predicted, np.asarray(frames, dtype=np.int64)).any(axis=1)


def pair_split(
    possible: MovieSurprise,
    impossible: MovieSurprise,
    violation_frames: Sequence[int],
    frame_step: int,
    future_frames: int,
) -> dict[str, float | int]:
    """Summed window-energy difference (impossible - possible) before, at and after the violation.

    Args:
        possible: the pair's possible movie.
        impossible: its impossible movie (same windows: the movies are equally long).
        violation_frames: 1-based frames where the two movies differ.
        frame_step: source frames between predicted frames.
        future_frames: M.

    Returns:
        ``violation`` (sum over windows predicting a violation frame), ``after`` (sum over the
        windows whose whole future comes after the last violation frame), ``before`` (sum over
        the windows whose whole future comes before the first one), and the window counts
        ``n_violation``, ``n_after``, ``n_before``.
    """
    count = min(len(possible.energies), len(impossible.energies))
    difference = impossible.energies[:count] - possible.energies[:count]  # (S,)
    starts = impossible.future_start[:count]
    frames = [f - 1 for f in violation_frames]
    at = future_overlaps(starts, frame_step, future_frames, frames)
    nowhere = np.zeros(count, dtype=bool)
    after = (starts > max(frames) if frames else nowhere) & ~at
    before = starts + frame_step * (future_frames - 1) < min(frames) if frames else nowhere
    return {
        "violation": float(difference[at].sum()),
        "after": float(difference[after].sum()),
        "before": float(difference[before].sum()),
        "n_violation": int(at.sum()),
        "n_after": int(after.sum()),
        "n_before": int(before.sum()),
    }


def violation_pairs(
    movies: Sequence[MovieSurprise],
    pairs: Sequence[tuple[str, str]],
    violations: Mapping[str, Sequence[int]],
) -> Iterator[tuple[MovieSurprise, MovieSurprise, Sequence[int]]]:
    """The (possible, impossible, violation frames) of each pair scored here whose impossible
    movie has violation frames."""
    by_id = {m.video: m for m in movies}
    for possible, impossible in pairs:
        if possible in by_id and impossible in by_id and violations.get(impossible):
            yield by_id[possible], by_id[impossible], violations[impossible]


def expectation_report(
    movies: Sequence[MovieSurprise],
    pairs: Sequence[tuple[str, str]],
    events: Mapping[str, str],
    violations: Mapping[str, Sequence[int]],
    frame_step: int,
    future_frames: int,
) -> dict[str, dict[str, float | int]]:
    """Expectation rate and mean split per ``<block>/<event>`` of the impossible movie.

    The expectation rate is the share of pairs whose impossible movie is the more surprising
    one in the violation windows; ``delta_violation`` and ``delta_after`` are the pairs' mean
    summed differences there and after (positive: the impossible movie costs more), and
    ``delta_before`` the same over the windows before the violation (0 unless the scores of
    those windows read frames after them).

    Args:
        movies: scored movies.
        pairs: (possible id, impossible id).
        events: event name per movie id.
        violations: 1-based violation frames per movie id.
        frame_step: source frames between predicted frames.
        future_frames: M.

    Returns:
        ``{"<block>/<event>": {"n_pairs", "expectation_rate", "delta_violation",
        "delta_after", "delta_before"}}`` sorted by name; pairs without an event name or
        violation frames are left out.
    """
    groups: dict[str, list[dict[str, float | int]]] = {}
    for possible, impossible, frames in violation_pairs(movies, pairs, violations):
        split = pair_split(possible, impossible, frames, frame_step, future_frames)
        if split["n_violation"] == 0:
            continue  # the windows skipped the violation (stride too coarse): nothing to read
        name = f"{impossible.block}/{events.get(impossible.video, 'violation')}"
        groups.setdefault(name, []).append(split)
    return {
        name: {
            "n_pairs": len(splits),
            "expectation_rate": float(np.mean([s["violation"] > 0 for s in splits])),
            "delta_violation": float(np.mean([s["violation"] for s in splits])),
            "delta_after": float(np.mean([s["after"] for s in splits])),
            "delta_before": float(np.mean([s["before"] for s in splits])),
        }
        for name, splits in sorted(groups.items())
    }


def aligned_differences(
    possible: MovieSurprise,
    impossible: MovieSurprise,
    violation_frames: Sequence[int],
    frame_step: int,
    future_frames: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Window energy of the impossible movie minus the possible one's, timed from the violation.

    Returns:
        offsets (S,): source frames from the first violation frame to the window's last
        predicted frame (0 = the first window that sees the violation), and the differences (S,).
    """
    count = min(len(possible.energies), len(impossible.energies))
    last_predicted = impossible.future_start[:count] + frame_step * (future_frames - 1)
    onset = min(violation_frames) - 1
    return last_predicted - onset, impossible.energies[:count] - possible.energies[:count]


def latent_gain(energy_infer: float, energy_prior: float) -> float:
    """1 - E(inferred z) / E(z = 0): the share of the energy the inferred latent explains.

    Positive when z helps, 0 when it carries nothing, negative when it hurts; NaN for a zero
    prior energy.
    """
    return float("nan") if energy_prior == 0 else 1.0 - energy_infer / energy_prior
