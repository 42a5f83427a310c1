"""``physpred probe``: one-line errors with exit status 2, and copy-last on real IntPhys movies."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from physpred.eval.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--ckpt_path", "{tmp}/missing.ckpt"], "checkpoint {tmp}/missing.ckpt not found"),
        (["--ckpt_path", "{tmp}/broken.ckpt"], "cannot read checkpoint {tmp}/broken.ckpt"),
        (["--ckpt_path", "{tmp}/zero.ckpt"], "checkpoint {tmp}/zero.ckpt is empty (0 bytes"),
        (["--ckpt_path", "{tmp}/zero.ckpt", "--baseline", "untrained"], "checkpoint {tmp}/zero.ckpt is empty"),
        (["--ckpt_path", "{tmp}/zero.ckpt", "--baseline", "copy-last"], "checkpoint {tmp}/zero.ckpt is empty"),
        (["--ckpt_path", "{tmp}/broken.ckpt", "--future_frames", "2"], "--future_frames applies only to copy-last"),
        (["--ckpt_path", "{tmp}/zero.ckpt", "--baseline", "copy-last", "--frame_size", "32"], "--frame_size applies to copy-last without"),
        (["--baseline", "untrained"], "--ckpt_path is required"),
        (["--baseline", "copy-last", "--stride", "0"], "--stride: must be a positive whole number, got 0"),
        (["--baseline", "copy-last", "--data", "{tmp}/nowhere"], "probe data {tmp}/nowhere not found"),
        (["--baseline", "copy-last", "--data", "{tmp}/empty"], "{tmp}/empty: no probe movies found"),
    ],
)
def test_user_errors_are_one_line_naming_the_file(
    argv: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.ckpt").write_bytes(b"not a checkpoint")
    (tmp_path / "zero.ckpt").touch()
    (tmp_path / "empty").mkdir()
    full = ["--data", "{tmp}/empty", "--out", "{tmp}/out", *argv]
    status, out, err = run([a.format(tmp=tmp_path) for a in full], capsys)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("physpred probe: ")
    assert expected.format(tmp=tmp_path) in err
    assert not (tmp_path / "out").exists()


def test_an_error_without_a_message_still_gives_one_line() -> None:
    from physpred.eval.cli import _one_line

    assert _one_line(EOFError()) == "EOFError"
    assert _one_line(ValueError("first\n  second")) == "first (second)"


def test_copy_last_defaults_are_the_demo_recipes_clips() -> None:
    import yaml

    from physpred.eval.cli import COPY_LAST_DEFAULTS

    data = yaml.safe_load((Path(__file__).parents[1] / "configs" / "demo.yaml").read_text())["data"]
    assert {key: data[key] for key in COPY_LAST_DEFAULTS} == COPY_LAST_DEFAULTS


def test_compare_needs_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["compare", str(tmp_path)], capsys)
    assert status == 2 and f"{tmp_path}/report.json not found" in err


def test_copy_last_on_the_real_intphys_example(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "probe"
    argv = ["--baseline", "copy-last", "--data", str(shared_data / "intphys_example")]
    argv += ["--out", str(out), "--frame_size", "32", "--stride", "3", "--bootstrap", "20"]
    status, printed, _ = run(argv, capsys)
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "accuracy.png", "index.html", "movies", "report.json", "roc.png", "scores.csv", "surprise_O1.png",
    ]  # fmt: skip
    page = (out / "index.html").read_text()
    assert all(f"<img src='{name}'" in page for name in ("accuracy.png", "roc.png", "surprise_O1.png"))
    rows = list(csv.DictReader((out / "scores.csv").open()))
    assert [(r["video"], r["is_possible"]) for r in rows] == [
        ("O1/01/1", "true"), ("O1/01/2", "true"), ("O1/01/3", "false"), ("O1/01/4", "false"),
    ]
    report = json.loads((out / "report.json").read_text())
    assert report["baseline"] == "copy-last" and report["ckpt"] is None
    assert report["settings"]["frame_size"] == 32 and report["settings"]["context"] == [8]
    o1 = report["blocks"]["O1"]
    assert (o1["n_movies"], o1["n_pairs"], o1["n_quads"]) == (4, 2, 1)  # pairs 1-3 and 2-4
    assert o1["pairwise_acc_mean"] == 0.5  # copy-last sees no difference on this quadruplet
    lines = printed.splitlines()
    assert lines[0] == f"found IntPhys in {shared_data / 'intphys_example'}: 1 scenes, 2 pairs, 4 movies"
    assert lines[1].startswith("scored 4 movies in ") and "pairwise_acc_mean" in lines[3]
    status, printed, _ = run(["compare", str(out)], capsys)
    assert status == 0 and printed.splitlines()[2].split()[1:] == ["0.500", "0.500"]


def test_unlabelled_movies_are_scored_with_null_metrics(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = shared_data / "intphys_example" / "O1" / "01"
    for movie in ("1", "3"):  # a test set: frames but no status.json
        (tmp_path / "data" / "O1" / "01" / movie).mkdir(parents=True)
        (tmp_path / "data" / "O1" / "01" / movie / "scene").symlink_to(source / movie / "scene")
    argv = ["--baseline", "copy-last", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "out")]
    status, printed, _ = run([*argv, "--frame_size", "16", "--stride", "10", "--bootstrap", "5"], capsys)
    assert status == 0
    rows = list(csv.DictReader((tmp_path / "out" / "scores.csv").open()))
    assert [r["is_possible"] for r in rows] == ["", ""]
    o1 = json.loads((tmp_path / "out" / "report.json").read_text())["blocks"]["O1"]
    assert (o1["n_movies"], o1["n_labelled"], o1["n_pairs"]) == (2, 0, 0)
    assert o1["pairwise_acc_mean"] is None and o1["auroc_max"] is None
    assert printed.splitlines()[4].split()[3:] == ["-"] * 5


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two quadruplets each of O1 and G1 from ``physpred world probes``, 32x32, 48 frames."""
    from physpred.world import generate_probes

    root = tmp_path_factory.mktemp("probes")
    generate_probes(root, 2, "O1,G1", size=32, frames=48, workers=1, progress=False)
    return root


def test_a_scene_missing_a_movie_stops_the_run_or_is_left_out(
    probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "probes"
    shutil.copytree(probes, data)
    scene = sorted((data / "G1" / "02").iterdir())
    possible = [m for m in scene if '"is_possible": true' in (m / "status.json").read_text()]
    shutil.rmtree(possible[0])  # its impossible partner would be paired across draws
    argv = ["--baseline", "copy-last", "--frame_size", "32", "--context_frames", "8", "--bootstrap", "5"]
    argv += ["--data", str(data), "--out", str(tmp_path / "out")]
    status, _, err = run(argv, capsys)
    assert status == 2 and err.count("\n") == 1
    assert f"{data}: scene G1/02 is incomplete (" in err and "--skip_incomplete" in err
    assert not (tmp_path / "out").exists()
    status, printed, _ = run([*argv, "--skip_incomplete"], capsys)
    assert status == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    reason = "1 possible and 2 impossible movies; a quadruplet has 2 and 2"
    assert report["left_out"] == {"n_scenes": 1, "scenes": {"G1/02": reason}}
    g1 = report["blocks"]["G1"]
    assert (g1["n_movies"], g1["n_pairs"]) == (4, 2)
    assert g1["pairwise_acc_mean"] == 0.5  # copy-last is at chance on each G1 quadruplet
    assert f"left out G1/02: {reason}" in printed


@pytest.mark.parametrize("out", ["file", "file/sub"])
def test_an_unwritable_out_is_refused_before_scoring(
    probes: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    out: str,
) -> None:
    import physpred.eval.runner

    def no_scoring(*args: object) -> None:
        raise AssertionError("scored before checking --out")

    monkeypatch.setattr(physpred.eval.runner, "score_movies", no_scoring)
    (tmp_path / "file").write_text("keep me")
    argv = ["--baseline", "copy-last", "--data", str(probes), "--out", str(tmp_path / out)]
    status, _, err = run(argv, capsys)
    assert status == 2 and err.count("\n") == 1
    assert f"--out {tmp_path / out}: {tmp_path / 'file'} is a file, not a folder" in err
    assert (tmp_path / "file").read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_an_out_in_a_read_only_folder_is_refused(
    probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    argv = ["--baseline", "copy-last", "--data", str(probes), "--out", str(locked / "out")]
    status, _, err = run(argv, capsys)
    locked.chmod(0o700)
    assert status == 2 and f"cannot write in {locked}" in err
    assert list(locked.iterdir()) == []


def test_compare_help_metric_and_formats(
    probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, printed, _ = run(["compare", "--help"], capsys)
    assert status == 0 and "--metric" in printed and "--format" in printed
    out = tmp_path / "copy_last"
    argv = ["--baseline", "copy-last", "--data", str(probes), "--out", str(out)]
    status, _, err = run([*argv, "--frame_size", "32", "--bootstrap", "20"], capsys)
    assert status == 0 and "probe: 16/16 movies (100%), " in err  # off a terminal: log lines
    status, printed, _ = run(["compare", str(out), "--metric", "quad_acc", "--format", "csv"], capsys)
    rows = list(csv.DictReader(printed.splitlines()))
    assert status == 0 and [r["block"] for r in rows] == ["G1", "O1", "all"]
    overall = json.loads((out / "report.json").read_text())["overall"]
    assert {r["metric"] for r in rows} == {"quad_acc"}
    assert float(rows[2]["value"]) == overall["quad_acc"]
    assert [float(rows[2]["ci_low"]), float(rows[2]["ci_high"])] == overall["quad_acc_ci"]
    status, printed, _ = run(["compare", str(out), "--format", "md"], capsys)
    lines = printed.splitlines()
    assert status == 0 and lines[0] == "| run (pairwise_acc_mean, 95% interval) | G1 | O1 | all |"
    assert lines[2].startswith(f"| {out} | 0.500 [")
    plot = tmp_path / "compare.png"
    status, printed, _ = run(["compare", str(out), str(out), "--metric", "quad_acc", "--plot", str(plot)], capsys)
    assert status == 0 and plot.read_bytes()[:4] == b"\x89PNG" and f"wrote {plot}" in printed
    status, _, err = run(["compare", str(out), "--metric", "pairwise_acc_mena"], capsys)
    assert status == 2 and err.count("\n") == 1 and "known: " in err and "quad_acc" in err


def test_a_probe_run_saved_as_yaml_replays_and_old_spellings_are_noted(
    probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--baseline", "copy-last", "--data", str(probes), "--out", str(tmp_path / "a")]
    old = ["--frame-size", "32", "--context", "8", "--batch-size", "4", "--bootstrap", "5"]
    status, printed, err = run([*argv, *old, "--print_config"], capsys)
    assert status == 0 and err.count("note:") == 3 and "--context is now --context_frames" in err
    config = tmp_path / "probe.yaml"
    config.write_text(printed)
    assert "frame_size: 32" in printed and "batch_size: 4" in printed
    assert run(["-c", str(config)], capsys)[0] == 0
    assert run(["-c", str(config), "--out", str(tmp_path / "b")], capsys)[0] == 0
    first, second = (json.loads((tmp_path / n / "report.json").read_text()) for n in "ab")
    assert first["settings"] == second["settings"] and first["blocks"] == second["blocks"]
