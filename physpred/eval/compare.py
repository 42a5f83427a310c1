"""``physpred probe compare --format md|csv``: one metric of several runs, per block, with its
95% interval, as a markdown table (to paste) or a long CSV (to load: one row per run and block).

Pure formatting over report.json contents; the plain-text table with the per-event expectation
rates is :func:`physpred.eval.report.format_comparison`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from typing import Any

CSV_COLUMNS = ("run", "block", "metric", "value", "ci_low", "ci_high", "n_pairs")


def _defined(value: Any) -> float | None:
    """A number, or None when the report holds null or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def metric_rows(reports: Mapping[str, Mapping[str, Any]], metric: str) -> list[dict[str, Any]]:
    """One dict per run and block (``all`` last): the metric, its interval and the pair count.

    Raises:
        ValueError: ``metric`` is in none of the reports, naming the ones that are.
    """
    known = {
        key
        for report in reports.values()
        for scores in [*report["blocks"].values(), report["overall"]]
        for key, value in scores.items()
        if not key.endswith("_ci") and not key.startswith("n_") and not isinstance(value, list)
    }
    if metric not in known:
        raise ValueError(f"--metric {metric}: not in these reports; known: {', '.join(sorted(known))}")
    blocks = sorted({block for report in reports.values() for block in report["blocks"]})
    rows = []
    for run, report in reports.items():
        for block in [*blocks, "all"]:
            scores = report["overall"] if block == "all" else report["blocks"].get(block, {})
            low, high = scores.get(f"{metric}_ci") or (None, None)
            rows.append(
                {
                    "run": run,
                    "block": block,
                    "metric": metric,
                    "value": _defined(scores.get(metric)),
                    "ci_low": _defined(low),
                    "ci_high": _defined(high),
                    "n_pairs": scores.get("n_pairs"),
                }
            )
    return rows


def _shown(row: Mapping[str, Any]) -> str:
    """``0.592 [0.533, 0.650]``; the value alone without an interval; ``-`` when undefined."""
    if row["value"] is None:
        return "-"
    if row["ci_low"] is None or row["ci_high"] is None:
        return f"{row['value']:.3f}"
    return f"{row['value']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def metric_table(reports: Mapping[str, Mapping[str, Any]], metric: str, fmt: str) -> str:
    """The metric of each run per block as ``md`` (a row per run) or ``csv`` (long form)."""
    rows = metric_rows(reports, metric)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        return buffer.getvalue().rstrip("\n")
    if fmt != "md":
        raise ValueError(f"--format {fmt}: choose text, md or csv")
    blocks = list(dict.fromkeys(row["block"] for row in rows))
    lines = [
        f"| run ({metric}, 95% interval) | " + " | ".join(blocks) + " |",
        "|---|" + "---|" * len(blocks),
    ]
    for run in reports:
        cells = [_shown(row) for row in rows if row["run"] == run]
        lines.append(f"| {run} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
