"""The docs' results page is generated from benchmarks/results.csv, not copied by hand."""

from __future__ import annotations

from benchmarks.results_page import (
    MARKER,
    block_columns,
    markdown_table,
    on_page_markdown,
    read_results,
    results_markdown,
)


def test_block_columns_keep_csv_order_all_last_and_no_look() -> None:
    names = ["name", "pair_O1", "pair_all", "pair_other_look", "pair_X9", "quad_O1"]
    assert block_columns(names, "pair") == [("pair_O1", "O1"), ("pair_X9", "X9"), ("pair_all", "all")]
    assert block_columns(names, "quad") == [("quad_O1", "O1")]


def test_markdown_table_escapes_pipes_and_joins_lines() -> None:
    table = markdown_table([{"a": "x|y", "b": "two\nlines"}, {"a": "1"}], [("a", "A"), ("b", "B")])
    assert table.splitlines() == ["| A | B |", "|---|---|", "| x\\|y | two lines |", "| 1 |  |"]


def test_a_new_block_column_and_row_appear_without_code_changes() -> None:
    fields = ["name", "change", "pair_all", "pair_P1", "quad_all"]
    rows = [{"name": "slots_masks", "change": "object slots", "pair_all": "0.9", "pair_P1": "0.8"}]
    page = results_markdown(rows, fields)
    assert "| row | P1 | all |" in page
    assert "| slots_masks | 0.8 | 0.9 |" in page
    assert "1 rows" in page


def test_the_page_marker_is_replaced_by_every_row_of_the_csv() -> None:
    rows, fields = read_results()
    page = on_page_markdown(f"# Lab\n\n{MARKER}\n")
    assert MARKER not in page
    for row in rows:
        assert f"| {row['name']} |" in page
    assert on_page_markdown("no marker here") == "no marker here"
    assert "pair_all" in fields
