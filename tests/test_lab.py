"""The lab notebook's row keeping: appended rows, runs logged again, the test probes' cells."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmarks import lab
from benchmarks.lab import COLUMNS, columns_of_test_probes, log_row


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open()))


def test_a_new_name_is_appended_and_a_run_logged_again_updates_its_row(tmp_path: Path) -> None:
    results = tmp_path / "results.csv"
    assert not log_row({"name": "a", "change": "first idea", "pair_all": "0.6", "commit": "abc"}, results)
    assert not log_row({"name": "b", "pair_all": "0.7", "commit": "abc"}, results)
    # logged again later (--skip-fit --test-probes), without --change, from a newer commit
    assert log_row({"name": "a", "change": "", "pair_all": "0.6", "test_pair_all": "0.65", "commit": "def"}, results)
    rows = _rows(results)
    assert [row["name"] for row in rows] == ["a", "b"]
    assert rows[0]["change"] == "first idea"  # an empty cell keeps what was there
    assert rows[0]["test_pair_all"] == "0.65"
    assert rows[0]["commit"] == "abc"  # the code the fit ran
    assert list(rows[0]) == list(COLUMNS)
    assert not list(tmp_path.glob(".results.csv.*"))  # no temporary file left


def test_the_test_probes_cells_read_the_three_reports() -> None:
    def report(blocks: dict[str, float], vanish: float | None = None) -> dict:
        out = {
            "blocks": {name: {"pairwise_acc_mean": value} for name, value in blocks.items()},
            "overall": {"pairwise_acc_mean": sum(blocks.values()) / len(blocks)},
        }
        if vanish is not None:
            out["expectation"] = {"O1/vanish": {"expectation_rate": vanish}}
        return out

    cells = columns_of_test_probes(
        Path("data/demo/probes_test"),
        report({"O1": 1.0, "G1": 0.7}, vanish=0.9),
        report({"O1": 0.5, "G1": 0.65}),
        report({"O1": 0.3, "G1": 0.5}),
    )
    assert cells == {
        "test_probes": "data/demo/probes_test",
        "test_pair_all": "0.850",
        "test_pair_blocks": "G1 0.700 O1 1.000",
        "test_expect_O1_vanish": "0.900",
        "test_control_untrained": "0.650",  # the block farthest from chance
        "test_control_copy_last": "0.300",
    }


def test_a_new_run_may_not_take_a_logged_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.csv"
    log_row({"name": "taken", "commit": "abc"}, results)
    monkeypatch.setattr(lab, "RESULTS", results)
    with pytest.raises(SystemExit) as stopped:
        lab.main(["--name", "taken", "--data", "videos", "--probes", "probes", "--", "-c", "recipe.yaml"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "--name taken: " in err and "--skip-fit to update it" in err
    assert [row["name"] for row in _rows(results)] == ["taken"]  # nothing trained, nothing logged


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--perception", "p.yaml"], "name it with --trained-in"),
        (["--trained-in", "run"], "--trained-in goes with --perception, --energy, --scoring or --frame-size"),
        (["--frame-size", "128", "--trained-in", "missing"], "--trained-in missing: no runs/lab/missing/model.ckpt"),
    ],
)
def test_a_decomposition_names_the_run_it_scores(
    options: list[str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(lab, "RESULTS", tmp_path / "results.csv")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        lab.main(["--name", "look", "--data", "videos", "--probes", "probes", *options, "--", "-c", "recipe.yaml"])
    assert stopped.value.code == 2 and expected in capsys.readouterr().err
    assert not (tmp_path / "results.csv").exists()
