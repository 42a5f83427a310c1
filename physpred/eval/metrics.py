"""Violation-of-expectation metrics over movie surprise scores (numpy; AUROC and ROC through torchmetrics, imported when first used).

Scores are surprises: higher means more surprising, so a model that understands the physics
gives impossible movies higher scores than possible ones. Every metric returns NaN where it is
undefined (no pairs, no labelled scene, one class missing) instead of guessing; the counts that
decide this are reported beside it by :func:`probe_metrics`.

Definitions follow the IntPhys / V-JEPA intuitive-physics evaluation:

- pairwise relative accuracy: share of (possible, impossible) pairs whose impossible movie is
  strictly more surprising (ties count as wrong);
- quadruplet relative accuracy: share of scenes whose possible movies are less surprising in
  total than its impossible ones (compared as means, which is IntPhys's sum rule for the usual
  2 + 2 scenes and stays fair when a scene has unequal counts); a tie counts one half, as
  IntPhys scores it;
- AUROC: probability that an impossible movie is more surprising than a possible one, ties
  counting one half (Mann-Whitney U);
- absolute accuracy: threshold at the 90th percentile of the possible movies' scores (V-JEPA's
  order statistic), a movie is called impossible iff its score is above the threshold (V-JEPA
  also counts the possible movie that sits exactly at the threshold as wrong; here it is called
  possible, as the rule says);
- bootstrap 95% intervals by resampling scenes with replacement (seeded).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

ABSOLUTE_QUANTILE = 0.9


def pairwise_accuracy(scores: Mapping[str, float], pairs: Sequence[tuple[str, str]]) -> float:
    """Share of pairs whose impossible movie scores strictly higher than its possible one.

    Args:
        scores: surprise per movie id.
        pairs: (possible id, impossible id) tuples.

    Returns:
        Accuracy in [0, 1]; NaN without pairs.
    """
    if not pairs:
        return math.nan
    wins = [scores[impossible] > scores[possible] for possible, impossible in pairs]
    return float(np.mean(wins))


def quadruplet_accuracy(
    scores: Mapping[str, float],
    scenes: Sequence[Sequence[str]],
    labels: Mapping[str, bool | None],
) -> float:
    """Share of scenes whose possible movies are less surprising than its impossible ones.

    Args:
        scores: surprise per movie id.
        scenes: the movie ids of each scene (a scene may appear several times, as in a
            bootstrap resample).
        labels: is_possible per movie id; None (unknown) movies are ignored.

    Returns:
        Accuracy in [0, 1] over the scenes with at least one possible and one impossible
        movie, a tie counting one half; NaN when there is none.
    """
    wins = []
    for movies in scenes:
        possible = [scores[m] for m in movies if labels[m] is True]
        impossible = [scores[m] for m in movies if labels[m] is False]
        if possible and impossible:
            low, high = np.mean(possible), np.mean(impossible)
            wins.append(1.0 if low < high else 0.5 if low == high else 0.0)
    return float(np.mean(wins)) if wins else math.nan


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of ``values`` (N,), tied values sharing their average rank."""
    unique, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    starts = np.cumsum(counts) - counts  # 0-based position of each distinct value
    return (starts + (counts + 1) / 2.0)[inverse.reshape(-1)]


def auroc(is_possible: Sequence[bool], scores: Sequence[float]) -> float:
    """Area under the ROC curve for telling impossible movies by their surprise (torchmetrics).

    Args:
        is_possible: label per movie (N,).
        scores: surprise per movie (N,).

    Returns:
        P(score of an impossible movie > score of a possible one) + 0.5 P(equal); NaN when
        either class is empty.
    """
    impossible, values = _roc_inputs(is_possible, scores)
    if impossible is None:
        return math.nan
    from torchmetrics.functional.classification import binary_auroc

    return float(binary_auroc(values, impossible))


def roc_curve(
    is_possible: Sequence[bool], scores: Sequence[float]
) -> tuple[np.ndarray, np.ndarray] | None:
    """False- and true-positive rates (K,) of calling a movie impossible above each threshold
    of its surprise (torchmetrics); None when either class is empty."""
    impossible, values = _roc_inputs(is_possible, scores)
    if impossible is None:
        return None
    from torchmetrics.functional.classification import binary_roc

    fpr, tpr, _ = binary_roc(values, impossible)
    return fpr.numpy(), tpr.numpy()


def _roc_inputs(is_possible: Sequence[bool], scores: Sequence[float]) -> tuple[Any, Any]:
    """(impossible labels, scores) as tensors, or (None, None) when a class is empty.

    Scores are ranked, not thresholded on their values: torchmetrics squashes scores outside
    [0, 1] through a sigmoid, which rounds far-apart energies to the same 1.0.
    """
    import torch

    possible = np.asarray(is_possible, dtype=bool)
    if possible.all() or not possible.any():
        return None, None
    ranks = _average_ranks(np.asarray(scores, dtype=np.float64))
    return torch.from_numpy(~possible).long(), torch.from_numpy(ranks / len(ranks))


def absolute_threshold(
    possible_scores: Sequence[float], quantile: float = ABSOLUTE_QUANTILE
) -> float:
    """The ``quantile`` order statistic of the possible movies' scores (V-JEPA's rule).

    The sorted scores are indexed at ``ceil(quantile * n)``, clamped to the largest one (V-JEPA
    indexes past the end for n < 10).

    Args:
        possible_scores: surprise of each possible movie (N,), N >= 1.
        quantile: in [0, 1].

    Returns:
        The threshold.
    """
    ordered = np.sort(np.asarray(possible_scores, dtype=np.float64))
    index = math.ceil(round(quantile * len(ordered), 9))
    return float(ordered[min(index, len(ordered) - 1)])


def absolute_accuracy(
    is_possible: Sequence[bool], scores: Sequence[float], quantile: float = ABSOLUTE_QUANTILE
) -> float:
    """Accuracy of calling a movie impossible iff its score exceeds :func:`absolute_threshold`.

    Args:
        is_possible: label per movie (N,).
        scores: surprise per movie (N,), usually the max over windows.
        quantile: threshold quantile of the possible movies' scores.

    Returns:
        Accuracy in [0, 1] over all N movies; NaN when either class is empty.
    """
    possible = np.asarray(is_possible, dtype=bool)
    values = np.asarray(scores, dtype=np.float64)
    if possible.all() or not possible.any():
        return math.nan
    called_impossible = values > absolute_threshold(values[possible], quantile)
    return float(np.mean(called_impossible == ~possible))


def bootstrap_interval(
    statistic: Callable[[Sequence[str]], float],
    units: Sequence[str],
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of a statistic over resampled units (scenes).

    Args:
        statistic: maps a list of unit ids (drawn with replacement, so repeats occur) to a
            value; NaN values are left out.
        units: the unit ids to resample.
        n_resamples: number of resamples.
        seed: seed of the resampling generator.
        level: coverage of the interval.

    Returns:
        (low, high); (NaN, NaN) with fewer than two units or no finite resample.
    """
    if len(units) < 2:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(units), size=(n_resamples, len(units)))
    values = np.array([statistic([units[i] for i in row]) for row in draws])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (math.nan, math.nan)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return (float(low), float(high))


def probe_metrics(
    surprise_mean: Mapping[str, float],
    surprise_max: Mapping[str, float],
    labels: Mapping[str, bool | None],
    scene_of: Mapping[str, str],
    pairs: Sequence[tuple[str, str]],
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, float | int | list[float]]:
    """All metrics, their bootstrap intervals and counts for one group of movies (a block).

    Relative metrics (pairwise, quadruplet) use the mean surprise; single-movie detection
    (AUROC, absolute accuracy) the max, and pairwise accuracy is given on the max as well.

    Args:
        surprise_mean: mean surprise per movie id of the group.
        surprise_max: max surprise per movie id (same keys).
        labels: is_possible per movie id (None when unknown).
        scene_of: scene id per movie id.
        pairs: (possible id, impossible id) pairs; those with a movie outside the group are
            ignored.
        n_resamples: bootstrap resamples per interval.
        seed: bootstrap seed.

    Returns:
        ``n_movies, n_labelled, n_scenes, n_pairs, n_quads, pairwise_acc_mean,
        pairwise_acc_max, quad_acc, auroc_max, abs_acc_max, abs_threshold_max`` and a
        ``<metric>_ci`` [low, high] for each accuracy / AUROC; NaN where undefined.
    """
    movies = sorted(surprise_mean)
    scene_movies: dict[str, list[str]] = {}
    for movie in movies:
        scene_movies.setdefault(scene_of[movie], []).append(movie)
    scene_pairs: dict[str, list[tuple[str, str]]] = {scene: [] for scene in scene_movies}
    for possible, impossible in pairs:
        if possible in surprise_mean and impossible in surprise_mean:
            scene_pairs[scene_of[possible]].append((possible, impossible))
    labelled = [m for m in movies if labels[m] is not None]

    def pick(scenes: Sequence[str]) -> tuple[list[tuple[str, str]], list[str]]:
        chosen_pairs = [pair for scene in scenes for pair in scene_pairs[scene]]
        chosen_movies = [
            m for scene in scenes for m in scene_movies[scene] if labels[m] is not None
        ]
        return chosen_pairs, chosen_movies

    def single(scores: Mapping[str, float], rule: Callable) -> Callable[[Sequence[str]], float]:
        def statistic(scenes: Sequence[str]) -> float:
            chosen = pick(scenes)[1]
            return rule([bool(labels[m]) for m in chosen], [scores[m] for m in chosen])

        return statistic

    statistics: dict[str, Callable[[Sequence[str]], float]] = {
        "pairwise_acc_mean": lambda s: pairwise_accuracy(surprise_mean, pick(s)[0]),
        "pairwise_acc_max": lambda s: pairwise_accuracy(surprise_max, pick(s)[0]),
        "quad_acc": lambda s: quadruplet_accuracy(
            surprise_mean, [scene_movies[scene] for scene in s], labels
        ),
        "auroc_max": single(surprise_max, auroc),
        "abs_acc_max": single(surprise_max, absolute_accuracy),
    }
    scenes = sorted(scene_movies)
    result: dict[str, float | int | list[float]] = {
        "n_movies": len(movies),
        "n_labelled": len(labelled),
        "n_scenes": len(scenes),
        "n_pairs": len(pick(scenes)[0]),
        "n_quads": sum(
            any(labels[m] is True for m in ms) and any(labels[m] is False for m in ms)
            for ms in scene_movies.values()
        ),
    }
    for name, statistic in statistics.items():
        result[name] = statistic(scenes)
        result[f"{name}_ci"] = list(bootstrap_interval(statistic, scenes, n_resamples, seed))
    possible_max = [surprise_max[m] for m in labelled if labels[m]]
    result["abs_threshold_max"] = absolute_threshold(possible_max) if possible_max else math.nan
    return result
