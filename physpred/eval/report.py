"""Outputs of ``physpred probe``: scores.csv, report.json, surprise plots and terminal tables.

Every file is written to a temporary name in its folder and then renamed, so a reader never
sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from physpred.eval.diagnostics import (
    aligned_differences,
    expectation_report,
    latent_gain,
    violation_pairs,
)
from physpred.eval.metrics import pairwise_accuracy, probe_metrics
from physpred.eval.runner import MovieSurprise
from physpred.files import atomic_path

TABLE_COLUMNS = ("pairwise_acc_mean", "pairwise_acc_max", "quad_acc", "auroc_max", "abs_acc_max")
SCORE_COLUMNS = ("video", "block", "scene", "is_possible", "surprise_mean", "surprise_max")


def write_scores(path: Path, movies: Sequence[MovieSurprise]) -> None:
    """scores.csv: one row per movie, ``is_possible`` empty when unknown."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SCORE_COLUMNS)
    for m in movies:
        label = "" if m.is_possible is None else str(m.is_possible).lower()
        writer.writerow(
            [m.video, m.block, m.scene, label, f"{m.surprise_mean:.6g}", f"{m.surprise_max:.6g}"]
        )
    with atomic_path(path) as temporary:
        temporary.write_text(buffer.getvalue())


def build_report(
    movies: Sequence[MovieSurprise],
    pairs: Sequence[tuple[str, str]],
    n_resamples: int = 1000,
    seed: int = 0,
    events: Mapping[str, str] | None = None,
    violations: Mapping[str, Sequence[int]] | None = None,
    frame_step: int = 1,
    future_frames: int = 1,
) -> dict[str, Any]:
    """Metrics per block and over all movies (see :func:`physpred.eval.metrics.probe_metrics`).

    Args:
        movies: the scored movies.
        pairs: (possible id, impossible id) pairs.
        n_resamples: bootstrap resamples per interval.
        seed: bootstrap seed.
        events: what happens in each movie (id -> event), where the probe set says.
        violations: 1-based violation frames per movie id, where the probe set says.
        frame_step: source frames between the predicted frames of a window.
        future_frames: predicted frames per window.

    Returns:
        ``{"blocks": {block: metrics}, "overall": metrics, "events": {...}, "expectation":
        {...}, "latent": {...}}``; ``events`` (see :func:`event_accuracies`) is empty without
        event names, ``expectation`` (see :func:`physpred.eval.diagnostics.expectation_report`)
        without violation frames, ``latent`` (see :func:`latent_use`) without prior energies.
    """

    def metrics(group: Sequence[MovieSurprise]) -> dict[str, Any]:
        return probe_metrics(
            {m.video: m.surprise_mean for m in group},
            {m.video: m.surprise_max for m in group},
            {m.video: m.is_possible for m in group},
            {m.video: m.scene for m in group},
            pairs,
            n_resamples,
            seed,
        )

    blocks = sorted({m.block for m in movies})
    return {
        "blocks": {b: metrics([m for m in movies if m.block == b]) for b in blocks},
        "overall": metrics(movies),
        "events": event_accuracies(movies, pairs, events or {}),
        "expectation": expectation_report(
            movies, pairs, events or {}, violations or {}, frame_step, future_frames
        ),
        "latent": latent_use(movies),
    }


def latent_use(movies: Sequence[MovieSurprise]) -> dict[str, float]:
    """Mean window energy with inferred z and at z = 0 over all movies, and the latent's gain.

    Returns:
        ``{"energy_infer", "energy_prior", "gain"}`` (see
        :func:`physpred.eval.diagnostics.latent_gain`); empty when no movie has prior energies.
    """
    scored = [m for m in movies if m.energies_prior is not None]
    if not scored:
        return {}
    infer = float(np.mean(np.concatenate([m.energies for m in scored])))
    prior = float(np.mean(np.concatenate([m.energies_prior for m in scored])))
    return {"energy_infer": infer, "energy_prior": prior, "gain": latent_gain(infer, prior)}


def event_accuracies(
    movies: Sequence[MovieSurprise], pairs: Sequence[tuple[str, str]], events: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Pairwise accuracy split by what happens in the impossible movie of each pair.

    A block's violations differ in kind (an object vanishes or appears; motion stops or starts),
    and a model that only ranks movies by how much moves is right on one kind and wrong on the
    other; the block's accuracy hides that, this split shows it.

    Returns:
        ``{"<block>/<event>": {"n_pairs", "pairwise_acc_mean", "pairwise_acc_max"}}``, sorted;
        pairs whose impossible movie has no event name are left out.
    """
    by_id = {m.video: m for m in movies}
    groups: dict[str, list[tuple[str, str]]] = {}
    for possible, impossible in pairs:
        if possible in by_id and impossible in by_id and impossible in events:
            groups.setdefault(f"{by_id[impossible].block}/{events[impossible]}", []).append(
                (possible, impossible)
            )
    mean = {m.video: m.surprise_mean for m in movies}
    peak = {m.video: m.surprise_max for m in movies}
    return {
        name: {
            "n_pairs": len(group),
            "pairwise_acc_mean": pairwise_accuracy(mean, group),
            "pairwise_acc_max": pairwise_accuracy(peak, group),
        }
        for name, group in sorted(groups.items())
    }


def _json_ready(value: Any) -> Any:
    """NaN -> None (JSON has no NaN), recursively."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Mapping):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def write_report(path: Path, report: Mapping[str, Any]) -> None:
    """report.json, undefined metrics as ``null``."""
    text = json.dumps(_json_ready(report), indent=2) + "\n"
    with atomic_path(path) as temporary:
        temporary.write_text(text)


def plot_block(
    path: Path,
    block: str,
    movies: Sequence[MovieSurprise],
    pairs: Sequence[tuple[str, str]],
    events: Mapping[str, str],
    violations: Mapping[str, Sequence[int]],
    frame_step: int,
    future_frames: int,
    stride: int = 1,
) -> None:
    """Per impossible event of a block: window energy of the impossible movie minus its matched
    possible movie's, aligned on the violation, mean and band across pairs.

    Averaging all possible against all impossible movies would show nothing on a spliced block
    (both averages hold the same frames); the matched difference is what a verdict rests on.
    Pairs without violation frames are left out; without any the figure says so.
    """
    from physpred.viz import violation_difference_curve

    curves: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for possible, impossible, frames in violation_pairs(movies, pairs, violations):
        curve = aligned_differences(possible, impossible, frames, frame_step, future_frames)
        curves.setdefault(events.get(impossible.video, "violation"), []).append(curve)
    figure = violation_difference_curve(
        curves, stride, title=f"block {block}: impossible - matched possible, per window"
    )
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)


def _cell(value: float | None) -> str:
    """A metric to 3 decimals, ``-`` when undefined (NaN or JSON null)."""
    return (
        "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"
    )


def _number(value: float | None) -> str:
    """A signed energy to 3 significant digits, ``-`` when undefined."""
    return "-" if value is None or math.isnan(value) else f"{value:+.3g}"


def _with_interval(metrics: Mapping[str, Any], name: str) -> str:
    """``0.850 [0.70,0.95]``: a metric and its bootstrap interval, when there is one."""
    low, high = metrics[f"{name}_ci"]
    if _cell(low) == "-":
        return _cell(metrics[name])
    return f"{_cell(metrics[name])} [{low:.2f},{high:.2f}]"


def format_table(report: Mapping[str, Any]) -> str:
    """Plain-text table: a row per block and one for all movies, then one per impossible event
    when the report has them.

    The headline metric (``pairwise_acc_mean``) comes with its 95% interval.
    """
    first, *others = TABLE_COLUMNS
    rows = {**report["blocks"], "all": report["overall"]}
    group = report.get("group", "block")  # what the benchmark calls a block: condition, property
    width = max(8, *(len(name) + 1 for name in [group, *rows]))
    lines = [
        f"{group:<{width}}{'movies':>7}{'pairs':>6}  {first:<18}" + "".join(f"{c:>18}" for c in others)
    ]
    for name, metrics in rows.items():
        cells = f"{_with_interval(metrics, first):<18}" + "".join(
            f"{_cell(metrics[c]):>18}" for c in others
        )
        lines.append(f"{name:<{width}}{metrics['n_movies']:>7}{metrics['n_pairs']:>6}  {cells}")
    expectation = report.get("expectation") or {}
    if report.get("events"):
        lines.append(
            f"\n{'impossible event':<24}{'pairs':>6}{'pairwise_acc_mean':>19}{'pairwise_acc_max':>18}"
            f"{'expectation':>13}{'d_violation':>13}{'d_after':>11}{'d_before':>11}"
        )
        for name, metrics in report["events"].items():
            split = expectation.get(name, {})
            lines.append(
                f"{name:<24}{metrics['n_pairs']:>6}{_cell(metrics['pairwise_acc_mean']):>19}"
                f"{_cell(metrics['pairwise_acc_max']):>18}{_cell(split.get('expectation_rate')):>13}"
                f"{_number(split.get('delta_violation')):>13}{_number(split.get('delta_after')):>11}"
                f"{_number(split.get('delta_before')):>11}"
            )
    latent = report.get("latent") or {}
    if latent:
        lines.append(
            f"\nlatent: mean window energy {_number(latent['energy_infer'])} with inferred z, "
            f"{_number(latent['energy_prior'])} at z = 0 (gain {_cell(latent['gain'])})"
        )
    return "\n".join(lines)


def format_comparison(
    reports: Mapping[str, Mapping[str, Any]], metric: str = "pairwise_acc_mean"
) -> str:
    """Plain-text table of one metric: a row per report (model), a column per block; then,
    where the reports have them, the expectation rate per impossible event and the latent gain.

    Args:
        reports: report.json contents by the name of the run.
        metric: the metric to compare.
    """
    blocks = sorted({b for report in reports.values() for b in report["blocks"]})
    width = max(len(name) for name in reports) + 2
    lines = [f"{metric}\n{'':<{width}}" + "".join(f"{b:>8}" for b in [*blocks, "all"])]
    for name, report in reports.items():
        values = [report["blocks"].get(b, {}).get(metric) for b in blocks]
        values.append(report["overall"].get(metric))
        lines.append(f"{name:<{width}}" + "".join(f"{_cell(v):>8}" for v in values))
    events = sorted({e for report in reports.values() for e in report.get("expectation") or {}})
    if events:  # a row per event, a column per run: the runs' names are the long part
        runs = list(reports)
        lines.append("\nexpectation rate: share of pairs whose impossible movie costs more where it differs")
        lines.append(f"{'':<24}" + "".join(f"{i + 1:>8}" for i in range(len(runs))))
        for event in [*events, "latent gain"]:
            values = [
                (report.get("latent") or {}).get("gain")
                if event == "latent gain"
                else (report.get("expectation") or {}).get(event, {}).get("expectation_rate")
                for report in reports.values()
            ]
            lines.append(f"{event:<24}" + "".join(f"{_cell(v):>8}" for v in values))
        lines.append("columns: " + ", ".join(f"{i + 1} = {name}" for i, name in enumerate(runs)))
    return "\n".join(lines)


def load_report(folder: Path) -> dict[str, Any]:
    """Read ``folder/report.json`` (written by ``physpred probe``).

    Raises:
        FileNotFoundError: no report there.
        ValueError: the file is not valid JSON.
    """
    path = folder / "report.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run `physpred probe --out {folder}` first")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}): run `physpred probe` again") from err
