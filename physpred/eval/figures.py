"""The figures every ``physpred probe`` run writes beside its tables, and ``compare --plot``.

- ``accuracy.png``: pairwise and quadruplet accuracy per block with 95% bootstrap intervals,
  chance marked;
- ``roc.png``: per block, the ROC curve of telling impossible movies by their max surprise;
- ``compare --plot FILE``: one metric per block for several runs (a model and its controls)
  side by side, with intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from physpred.eval.metrics import auroc, roc_curve
from physpred.eval.runner import MovieSurprise

ACCURACY_METRICS = ("pairwise_acc_mean", "quad_acc")


def _by_block(report: Mapping[str, Any], metric: str) -> tuple[dict, dict]:
    """(block -> value, block -> (low, high)) of one metric, ``all`` included."""
    scores = {**report["blocks"], "all": report["overall"]}
    values = {block: metrics.get(metric) for block, metrics in scores.items()}
    spans = {block: metrics.get(f"{metric}_ci") for block, metrics in scores.items()}
    return values, spans


def accuracy_figure(report: Mapping[str, Any]) -> Any:
    """Pairwise and quadruplet accuracy of one run per block, with intervals and chance."""
    from physpred.viz import metric_bars

    values, intervals = {}, {}
    for metric in ACCURACY_METRICS:
        values[metric], intervals[metric] = _by_block(report, metric)
    figure = metric_bars(values, metric="accuracy (95% interval)", intervals=intervals)
    figure.suptitle("how often the impossible movie is the more surprising", fontsize=9)
    return figure


def comparison_figure(reports: Mapping[str, Mapping[str, Any]], metric: str) -> Any:
    """One metric per block for several runs side by side, with intervals and chance."""
    from physpred.viz import metric_bars

    values, intervals = {}, {}
    for name, report in reports.items():
        values[name], intervals[name] = _by_block(report, metric)
    return metric_bars(values, metric=f"{metric} (95% interval)", intervals=intervals)


def roc_figure(movies: Sequence[MovieSurprise]) -> Any:
    """ROC per block of calling a movie impossible when its max surprise is high."""
    from physpred.viz import roc_curves

    curves = {}
    for block in sorted({m.block for m in movies}):
        labelled = [m for m in movies if m.block == block and m.is_possible is not None]
        labels = [bool(m.is_possible) for m in labelled]
        scores = [m.surprise_max for m in labelled]
        curve = roc_curve(labels, scores)
        if curve is not None:
            curves[block] = (*curve, auroc(labels, scores))
    return roc_curves(curves)


def write_run_figures(
    out: Path, report: Mapping[str, Any], movies: Sequence[MovieSurprise]
) -> list[str]:
    """Write ``accuracy.png`` and ``roc.png`` into ``out``; returns their names."""
    from physpred.viz import save_figure

    save_figure(accuracy_figure(report), out / "accuracy.png")
    save_figure(roc_figure(movies), out / "roc.png")
    return ["accuracy.png", "roc.png"]
