"""Metrics on hand-computed cases: ties, one scene, equal scores, unknown labels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physpred.eval.metrics import (
    absolute_accuracy,
    absolute_threshold,
    auroc,
    bootstrap_interval,
    pairwise_accuracy,
    probe_metrics,
    quadruplet_accuracy,
)


def test_pairwise_counts_strict_wins_and_ties_as_wrong() -> None:
    scores = {"p1": 1.0, "i1": 2.0, "p2": 3.0, "i2": 3.0, "p3": 5.0, "i3": 4.0}
    pairs = [("p1", "i1"), ("p2", "i2"), ("p3", "i3")]
    assert pairwise_accuracy(scores, pairs) == pytest.approx(1 / 3)


def test_pairwise_without_pairs_is_nan() -> None:
    assert math.isnan(pairwise_accuracy({"a": 1.0}, []))


def test_quadruplet_compares_totals_and_skips_incomplete_scenes() -> None:
    scores = {"a1": 1, "a2": 4, "a3": 2, "a4": 2.5, "b1": 1, "b2": 1, "b3": 3, "b4": 0, "c1": 9}
    labels = {"a1": True, "a2": True, "a3": False, "a4": False}  # 5 vs 4.5: wrong
    labels |= {"b1": True, "b2": True, "b3": False, "b4": False}  # 2 vs 3: right
    labels |= {"c1": True}  # no impossible movie: skipped
    scenes = [["a1", "a2", "a3", "a4"], ["b1", "b2", "b3", "b4"], ["c1"]]
    assert quadruplet_accuracy(scores, scenes, labels) == pytest.approx(0.5)


def test_quadruplet_tie_counts_half_and_unknown_labels_give_nan() -> None:
    scores = {"a": 1.0, "b": 1.0, "c": 2.0}
    assert quadruplet_accuracy(scores, [["a", "b"]], {"a": True, "b": False}) == 0.5  # IntPhys
    assert quadruplet_accuracy(scores, [["a", "b"], ["a", "c"]], {"a": True, "b": False, "c": False}) == 0.75
    assert math.isnan(quadruplet_accuracy(scores, [["a", "b", "c"]], dict.fromkeys("abc")))


def test_auroc_mann_whitney_with_ties() -> None:
    # possible 1, 2, 3 against impossible 2, 4: wins (1<2 1<4 2<4 3<4) = 4, tie (2,2) = 0.5
    labels = [True, True, True, False, False]
    assert auroc(labels, [1, 2, 3, 2, 4]) == pytest.approx(4.5 / 6)
    assert auroc(labels, [5, 5, 5, 5, 5]) == pytest.approx(0.5)
    assert auroc([True, False], [2, 1]) == 0.0
    assert math.isnan(auroc([True, True], [1, 2]))


def test_absolute_threshold_is_vjepa_order_statistic() -> None:
    # n = 20: index ceil(0.9 * 20) = 18 of the sorted scores, i.e. the 19th smallest
    assert absolute_threshold(list(range(20, 0, -1))) == 19.0
    # n = 10: index 9 (the largest); n = 3: index ceil(2.7) = 3 clamped to 2
    assert absolute_threshold(list(range(10))) == 9.0
    assert absolute_threshold([3.0, 1.0, 2.0]) == 3.0


def test_absolute_accuracy_by_hand() -> None:
    # possible max 1..20 -> threshold 19; impossible 18.5 (below), 19 (tie, not above), 25, 30
    labels = [True] * 20 + [False] * 4
    scores = [float(v) for v in range(1, 21)] + [18.5, 19.0, 25.0, 30.0]
    # wrong: possible 20 (above), impossible 18.5 and 19 -> 21 of 24 right
    assert absolute_accuracy(labels, scores) == pytest.approx(21 / 24)
    assert math.isnan(absolute_accuracy([True, True], [1.0, 2.0]))
    assert absolute_accuracy([True, False], [1.0, 1.0]) == 0.5


def test_bootstrap_is_seeded_and_degenerate_cases_are_nan() -> None:
    def share_of_a(units: list[str]) -> float:
        return sum(u == "a" for u in units) / len(units)

    units = ["a", "b", "c", "d"]
    first = bootstrap_interval(share_of_a, units, n_resamples=200, seed=3)
    assert first == bootstrap_interval(share_of_a, units, n_resamples=200, seed=3)
    assert 0.0 <= first[0] <= 0.25 <= first[1] <= 1.0
    assert all(math.isnan(v) for v in bootstrap_interval(share_of_a, ["a"]))
    assert all(math.isnan(v) for v in bootstrap_interval(lambda _: math.nan, units, 10))


def _quad(scene: str, possible: tuple[float, float], impossible: tuple[float, float]) -> dict:
    ids = [f"{scene}/{k}" for k in range(1, 5)]
    return {
        "mean": dict(zip(ids, [*possible, *impossible], strict=True)),
        "labels": dict(zip(ids, [True, True, False, False], strict=True)),
        "scene": dict.fromkeys(ids, scene),
        "pairs": [(ids[0], ids[2]), (ids[1], ids[3])],
    }


def _merge(*quads: dict) -> dict:
    return {key: _combine([q[key] for q in quads]) for key in quads[0]}


def _combine(parts: list) -> dict | list:
    if isinstance(parts[0], list):
        return [x for part in parts for x in part]
    return {k: v for part in parts for k, v in part.items()}


def test_probe_metrics_on_two_scenes() -> None:
    data = _merge(_quad("O1/01", (1, 2), (3, 4)), _quad("O1/02", (5, 1), (2, 6)))
    # pairs: 1<3, 2<4, 5>2 (wrong), 1<6 -> 3/4; quads: 3<7 right, 6<8 right
    # auroc: impossible 3 beats 3 of possible {1,2,5,1}, 4 beats 3, 2 beats 2 + tie, 6 beats 4
    out = probe_metrics(
        data["mean"], data["mean"], data["labels"], data["scene"], data["pairs"], 200
    )
    assert out["n_movies"] == 8 and out["n_scenes"] == 2 and out["n_pairs"] == 4
    assert out["n_quads"] == 2 and out["n_labelled"] == 8
    assert out["pairwise_acc_mean"] == pytest.approx(0.75)
    assert out["pairwise_acc_max"] == pytest.approx(0.75)
    assert out["quad_acc"] == 1.0
    assert out["auroc_max"] == pytest.approx(12.5 / 16)
    low, high = out["pairwise_acc_mean_ci"]
    assert 0.5 <= low <= 0.75 <= high <= 1.0


def test_probe_metrics_one_scene_all_equal() -> None:
    data = _quad("O1/01", (2, 2), (2, 2))
    out = probe_metrics(
        data["mean"], data["mean"], data["labels"], data["scene"], data["pairs"], 50
    )
    assert out["pairwise_acc_mean"] == 0.0 and out["quad_acc"] == 0.5  # a tied quadruplet counts half
    assert out["auroc_max"] == 0.5
    assert out["abs_acc_max"] == 0.5  # threshold 2: nothing above it, every movie called possible
    assert all(math.isnan(v) for v in out["pairwise_acc_mean_ci"])  # one scene: no interval


def test_probe_metrics_unknown_labels() -> None:
    data = _quad("test/01", (1, 2), (3, 4))
    labels = dict.fromkeys(data["labels"])
    out = probe_metrics(data["mean"], data["mean"], labels, data["scene"], [], 50)
    assert out["n_movies"] == 4 and out["n_labelled"] == 0 and out["n_quads"] == 0
    for name in ("pairwise_acc_mean", "quad_acc", "auroc_max", "abs_acc_max", "abs_threshold_max"):
        assert math.isnan(out[name]), name


def test_auroc_matches_the_pairwise_definition_on_random_ties() -> None:
    rng = np.random.default_rng(0)
    labels = rng.random(40) < 0.5
    scores = rng.integers(0, 5, size=40).astype(float)  # many ties
    pos, neg = scores[labels], scores[~labels]
    expected = np.mean([(n > p) + 0.5 * (n == p) for n in neg for p in pos])
    assert auroc(labels.tolist(), scores.tolist()) == pytest.approx(expected)


def test_roc_curve_ranks_energies_that_a_sigmoid_would_flatten() -> None:
    from physpred.eval.metrics import roc_curve

    # energies far above 1: a sigmoid would make them all 1.0 and the curve a diagonal
    fpr, tpr = roc_curve([True, True, False, False], [1000.0, 2000.0, 3000.0, 4000.0])
    assert auroc([True, True, False, False], [1000.0, 2000.0, 3000.0, 4000.0]) == 1.0
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.trapezoid(tpr, fpr) == pytest.approx(1.0)
    assert roc_curve([True, True], [1.0, 2.0]) is None
