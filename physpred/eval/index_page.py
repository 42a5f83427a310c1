"""``index.html`` of a ``physpred probe`` run: its settings, tables and figures on one page.

Pure text from report.json contents and the names of the figures beside it; no script, no
external resource, so it opens from a laptop, a cluster's file browser or a notebook.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

METRICS = ("pairwise_acc_mean", "pairwise_acc_max", "quad_acc", "auroc_max", "abs_acc_max")
STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .6em;"
    "text-align:right}th{background:#f4f4f4}img{max-width:100%;display:block;margin:1em 0}"
)


def _value(value: Any, interval: Any = None) -> str:
    """``0.592 [0.53, 0.65]``; ``-`` when undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if not interval or interval[0] is None or interval[1] is None:
        return f"{value:.3f}"
    return f"{value:.3f} [{interval[0]:.2f}, {interval[1]:.2f}]"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def index_html(report: Mapping[str, Any], figures: Sequence[str], title: str) -> str:
    """The page.

    Args:
        report: the run's report.json contents.
        figures: file names of the figures in the same folder, in the order to show.
        title: what was scored on what (``model on data/probes``).
    """
    scores = {**report["blocks"], "all": report["overall"]}
    metric_rows = [
        [block, str(m.get("n_pairs", "-")), *(_value(m.get(k), m.get(f"{k}_ci")) for k in METRICS)]
        for block, m in scores.items()
    ]
    expectation = report.get("expectation") or {}
    event_rows = [
        [
            event,
            str(e.get("n_pairs", "-")),
            _value(e.get("pairwise_acc_mean")),
            _value(expectation.get(event, {}).get("expectation_rate")),
        ]
        for event, e in (report.get("events") or {}).items()
    ]
    settings = ", ".join(f"{k} {v}" for k, v in (report.get("settings") or {}).items())
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(settings)}</p>",
        "<p>Chance is 0.5 on every metric; read the model beside its controls "
        "(<code>--baseline untrained</code>, <code>--baseline copy-last</code>; "
        "<code>physpred probe compare --plot</code>).</p>",
        "<h2>Metrics per block (95% bootstrap intervals)</h2>",
        _table(["block", "pairs", *METRICS], metric_rows),
    ]
    if event_rows:
        parts += [
            "<h2>Per impossible event</h2>",
            _table(["event", "pairs", "pairwise_acc_mean", "expectation_rate"], event_rows),
        ]
    parts += [f"<h2>{html.escape(name)}</h2><img src='{html.escape(name)}' alt='{html.escape(name)}'>" for name in figures]
    parts.append(
        "<p>Files: <a href='scores.csv'>scores.csv</a> (surprise per movie), "
        "<a href='report.json'>report.json</a> (everything above and more).</p></body></html>"
    )
    return "\n".join(parts) + "\n"
