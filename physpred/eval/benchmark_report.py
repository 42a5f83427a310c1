"""A benchmark's own terms beside the pairwise table: its breakdowns and its submission file.

IntPhys 2 reports by condition (the block) and by difficulty; GRASP and InfLevel by property
(the block); IntPhys by block with the quadruplet score (the main table). A split without
labels (IntPhys 2 HeldOut) gets a submission file instead of a score.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from physpred.eval.metrics import probe_metrics
from physpred.eval.runner import MovieSurprise
from physpred.files import atomic_path

# what each benchmark calls the groups physpred calls blocks
GROUP_NAMES = {"intphys2": "condition", "grasp": "property", "inflevel": "property"}


def breakdowns(
    movies: Sequence[MovieSurprise],
    pairs: Sequence[tuple[str, str]],
    tags: Mapping[str, Mapping[str, str]],
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Metrics of the movies sharing each value of each tag (``difficulty`` -> ``Hard``).

    Args:
        movies: the scored movies.
        pairs: (possible id, impossible id) pairs.
        tags: movie id -> {tag: value}; movies without a tag are left out of its split.
        n_resamples: bootstrap resamples per interval.
        seed: bootstrap seed.

    Returns:
        ``{tag: {value: metrics}}`` (see :func:`physpred.eval.metrics.probe_metrics`), sorted.
    """
    groups: dict[str, dict[str, list[MovieSurprise]]] = {}
    for movie in movies:
        for tag, value in tags.get(movie.video, {}).items():
            groups.setdefault(tag, {}).setdefault(value, []).append(movie)
    return {
        tag: {
            value: probe_metrics(
                {m.video: m.surprise_mean for m in group},
                {m.video: m.surprise_max for m in group},
                {m.video: m.is_possible for m in group},
                {m.video: m.scene for m in group},
                pairs,
                n_resamples,
                seed,
            )
            for value, group in sorted(values.items())
        }
        for tag, values in sorted(groups.items())
    }


def format_breakdowns(report: Mapping[str, Any]) -> str:
    """One line per tag value: pairs and pairwise accuracy (mean) with its interval."""
    lines = []
    for tag, values in (report.get("breakdown") or {}).items():
        lines.append(f"\nby {tag:<14}{'pairs':>6}  pairwise_acc_mean")
        for value, metrics in values.items():
            accuracy, (low, high) = metrics["pairwise_acc_mean"], metrics["pairwise_acc_mean_ci"]
            cell = "-" if _missing(accuracy) else f"{accuracy:.3f}"
            if not _missing(low):
                cell += f" [{low:.2f},{high:.2f}]"
            lines.append(f"   {value:<14}{metrics['n_pairs']:>6}  {cell}")
    return "\n".join(lines)


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def labelled_threshold(folder: Path, settings: Mapping[str, Any]) -> float:
    """The absolute threshold (V-JEPA's: 90th percentile of the possible movies' max surprise)
    of a labelled run in ``folder``, made with the same model and windows as ``settings``.

    Raises:
        FileNotFoundError: no report.json in ``folder``.
        ValueError: that run had no labelled movies, or used another model or other windows.
    """
    path = folder / "report.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"--threshold_from {folder}: no report.json; score a labelled split (IntPhys 2 Main) there first"
        )
    report = json.loads(path.read_text())
    threshold = report.get("overall", {}).get("abs_threshold_max")
    if threshold is None:
        raise ValueError(f"{path}: that run had no labelled movies; use a labelled split's run")
    same = ("scorer", "weights", "ckpt", "baseline")
    differ = [k for k in same if report.get(k) != settings.get(k)]
    differ += [
        k
        for k in ("frame_step", "stride", "context", "latent")
        if report["settings"].get(k) != settings["settings"].get(k)
    ]
    if differ:
        raise ValueError(
            f"{path}: made with another {', '.join(differ)}; a threshold only carries over "
            "between runs of the same model and windows"
        )
    return float(threshold)


def write_submission(path: Path, movies: Sequence[MovieSurprise], threshold: float) -> None:
    """IntPhys 2's leaderboard file: one JSON line per movie, ``model_answer`` true when the
    movie is judged possible (its max surprise below ``threshold``)."""
    lines = [
        json.dumps({"filename": m.video, "model_answer": bool(m.surprise_max < threshold)})
        for m in movies
    ]
    with atomic_path(path) as temporary:
        temporary.write_text("\n".join(lines) + "\n")
