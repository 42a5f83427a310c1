"""The docs' lab-notebook page, generated from ``benchmarks/results.csv`` so it cannot drift.

    python benchmarks/results_page.py [benchmarks/results.csv]   # prints the markdown

As an mkdocs hook (``mkdocs.yml``: ``hooks``), it replaces the marker line
``<!-- results.csv -->`` of ``docs/results.md`` by the tables. Columns are found by name:
a row that leaves a column empty shows an empty cell, and new ``pair_<block>`` /
``quad_<block>`` columns appear without a change here.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from pathlib import Path

CSV_PATH = Path(__file__).with_name("results.csv")
MARKER = "<!-- results.csv -->"

# (column, heading) of the summary table; columns missing from the CSV are left out.
SUMMARY = (
    ("name", "row"),
    ("change", "the one change"),
    ("steps", "steps"),
    ("minutes", "min"),
    ("energy_vs_copy_last", "energy ÷ copy-last"),
    ("latent_gain_val", "latent gain (val)"),
    ("candidate_acc", "candidate acc"),
    ("q_O1", "q (O1)"),
    ("pair_all", "pairwise all"),
    ("quad_all", "quad all"),
    ("pair_other_look", "other look"),
    ("test_pair_all", "pairwise test"),
    ("control_untrained", "untrained"),
    ("control_copy_last", "copy-last"),
)


def _cell(text: str) -> str:
    """A CSV value as a markdown table cell (pipes escaped, on one line)."""
    return " ".join(text.split()).replace("|", "\\|")


def markdown_table(rows: Sequence[dict[str, str]], columns: Sequence[tuple[str, str]]) -> str:
    """A markdown table of ``rows`` with the given (column, heading) pairs, in that order."""
    lines = [
        "| " + " | ".join(heading for _, heading in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(key) or "") for key, _ in columns) + " |")
    return "\n".join(lines)


def block_columns(fieldnames: Sequence[str], prefix: str) -> list[tuple[str, str]]:
    """The per-block columns ``<prefix>_<block>`` in CSV order, ``_all`` last, headed by block.

    Example: ``block_columns(["pair_O1", "pair_all", "pair_other_look"], "pair")`` gives
    ``[("pair_O1", "O1"), ("pair_all", "all")]`` (``other_look`` is no block).
    """
    blocks = [
        name
        for name in fieldnames
        if name.startswith(prefix + "_") and name != f"{prefix}_all" and "look" not in name
    ]
    ordered = blocks + ([f"{prefix}_all"] if f"{prefix}_all" in fieldnames else [])
    return [(name, name.removeprefix(prefix + "_")) for name in ordered]


def results_markdown(rows: Sequence[dict[str, str]], fieldnames: Sequence[str]) -> str:
    """The page body: the summary, pairwise and quadruplet accuracy per block, the commands."""
    summary = [(key, heading) for key, heading in SUMMARY if key in fieldnames]
    name = [("name", "row")]
    parts = [
        f"{len(rows)} rows, in the order they were logged.",
        "## Summary",
        markdown_table(rows, summary),
        "## Pairwise accuracy per block (`pairwise_acc_mean`)",
        markdown_table(rows, name + block_columns(fieldnames, "pair")),
        "## Quadruplet accuracy per block (`quad_acc`)",
        markdown_table(rows, name + block_columns(fieldnames, "quad")),
        "## How each row was made",
        markdown_table(
            rows, name + [(k, k) for k in ("worst_event", "commit", "command") if k in fieldnames]
        ),
    ]
    return "\n\n".join(parts) + "\n"


def read_results(path: Path = CSV_PATH) -> tuple[list[dict[str, str]], list[str]]:
    """The rows and column names of a results CSV."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader), list(reader.fieldnames or [])


def on_page_markdown(markdown: str, **_: object) -> str:
    """mkdocs hook: fill the marker of the page that carries it."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, results_markdown(*read_results()))


if __name__ == "__main__":
    print(results_markdown(*read_results(Path(sys.argv[1]) if len(sys.argv) > 1 else CSV_PATH)))
