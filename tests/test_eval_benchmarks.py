"""``physpred probe`` on each benchmark's layout end to end: the project's own model, a tiny
``transformers`` scorer and both controls; reports in the benchmark's terms; the HeldOut
submission; shards in two processes equal to one process; a resumed run scores no movie twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from benchmark_layouts import grasp, inflevel, intphys2_split

from physpred.cli import main as physpred

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
COPY_LAST = ["--baseline", "copy-last", "--frame_size", "16", "--frame_step", "1", "--context_frames", "2"]
COPY_LAST += ["--future_frames", "1", "--bootstrap", "20"]


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("benchmarks")
    return {
        "intphys2": intphys2_split(root / "IntPhys2" / "Main"),
        "heldout": intphys2_split(root / "IntPhys2" / "HeldOut", labelled=False),
        "grasp": grasp(root / "grasp", frames=17),
        "inflevel": inflevel(root / "inflevel"),
        "root": root,
    }


def probe(data: Path, out: Path, *extra: str) -> dict:
    assert physpred(["probe", "--data", str(data), "--out", str(out), *extra]) == 0
    return json.loads((out / "report.json").read_text())


@pytest.mark.parametrize(
    ("name", "benchmark", "group", "blocks", "pairs", "breakdown"),
    [
        ("intphys2", "IntPhys 2", "condition", {"continuity": 2, "permanence": 2},
         "found IntPhys 2 in {data}: 2 scenes, 4 pairs, 8 movies",
         {"camera": {"fixed": 2, "moving": 2}, "difficulty": {"Easy": 2, "Hard": 2},
          "variant": {"continuity_swap": 2, "permanence": 2}}),
        ("grasp", "GRASP", "property", {"Collision": 2, "Gravity": 1},
         "found GRASP in {data}: 3 scenes, 3 pairs, 6 movies", {}),
        ("inflevel", "InfLevel-lab", "property", {"continuity": 2, "gravity": 1},
         "found InfLevel-lab in {data}: 3 scenes, 3 pairs, 6 movies",
         {"codes": {"ii-iv": 1, "ui-uv": 1, "vv-vi": 1}}),
    ],
)  # fmt: skip
def test_each_benchmark_reports_in_its_own_terms(
    sets: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    benchmark: str,
    group: str,
    blocks: dict[str, int],
    pairs: str,
    breakdown: dict[str, dict[str, int]],
) -> None:
    report = probe(sets[name], tmp_path / name, *COPY_LAST)
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == pairs.format(data=sets[name])
    assert (report["benchmark"], report["group"], report["settings"]["layout"]) == (benchmark, group, name)
    assert {block: m["n_pairs"] for block, m in report["blocks"].items()} == blocks
    assert {
        tag: {value: m["n_pairs"] for value, m in values.items()}
        for tag, values in report["breakdown"].items()
    } == breakdown
    assert printed.splitlines()[3].startswith(group)
    if breakdown:
        assert f"by {next(iter(breakdown))}" in printed


def test_heldout_gets_a_submission_from_a_labelled_runs_threshold(
    sets: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main = probe(sets["intphys2"], tmp_path / "main", *COPY_LAST)
    report = probe(sets["heldout"], tmp_path / "heldout", *COPY_LAST)
    assert "no labels: pass --threshold_from" in capsys.readouterr().out
    assert "submission" not in report and not (tmp_path / "heldout" / "submission.jsonl").exists()
    report = probe(sets["heldout"], tmp_path / "heldout", *COPY_LAST, "--threshold_from", str(tmp_path / "main"))
    threshold = main["overall"]["abs_threshold_max"]
    assert report["submission"]["threshold"] == threshold
    lines = [json.loads(line) for line in (tmp_path / "heldout" / "submission.jsonl").read_text().splitlines()]
    scores = {r["video"]: float(r["surprise_max"]) for r in _scores(tmp_path / "heldout")}
    assert [line["filename"] for line in lines] == sorted(scores)
    assert all(line["model_answer"] == (scores[line["filename"]] < threshold) for line in lines)
    other = [*COPY_LAST[:-4], "--context_frames", "3", *COPY_LAST[-4:]]
    code = physpred(["probe", "--data", str(sets["heldout"]), "--out", str(tmp_path / "other"), *other,
                     "--threshold_from", str(tmp_path / "main")])  # fmt: skip
    assert code == 2 and "made with another context" in capsys.readouterr().err


def _scores(folder: Path) -> list[dict[str, str]]:
    import csv

    with (folder / "scores.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_two_shard_processes_write_what_one_process_writes(
    sets: dict[str, Path], tmp_path: Path
) -> None:
    data = sets["inflevel"]
    probe(data, tmp_path / "one", *COPY_LAST)
    command = [sys.executable, "-m", "physpred.cli", "probe", "--data", str(data), "--out", str(tmp_path / "two"), *COPY_LAST]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    shards = [subprocess.Popen([*command, "--shard", f"{k}/2"], env=env, stdout=subprocess.PIPE, text=True) for k in range(2)]
    outputs = [shard.communicate(timeout=300)[0] for shard in shards]
    assert [shard.returncode for shard in shards] == [0, 0]
    assert "scored 3 movies" in outputs[0] and "scored 3 movies" in outputs[1]
    assert not (tmp_path / "two" / "report.json").exists()  # shards only score
    assert subprocess.run(command, env=env, capture_output=True, text=True, timeout=300).returncode == 0
    for name in ("scores.csv", "report.json"):
        assert (tmp_path / "two" / name).read_text() == (tmp_path / "one" / name).read_text()


def test_a_resumed_run_scores_only_the_movies_left(
    sets: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, data = tmp_path / "out", sets["grasp"]
    assert physpred(["probe", "--data", str(data), "--out", str(out), *COPY_LAST, "--shard", "1/2"]) == 0
    first = {p: p.stat().st_mtime_ns for p in (out / "movies").rglob("*.npz")}
    assert len(first) == 3 and "scored 3 movies" in capsys.readouterr().out
    probe(data, out, *COPY_LAST)  # as if the interrupted run were started again
    assert "scored 3 movies" in capsys.readouterr().out.splitlines()[1]
    assert all(p.stat().st_mtime_ns == t for p, t in first.items())
    probe(data, out, *COPY_LAST)
    assert capsys.readouterr().out.splitlines()[1].startswith("scored 0 movies; 6 were scored before")
    assert physpred(["probe", "--data", str(data), "--out", str(out), *COPY_LAST[:-2], "--bootstrap", "5"]) == 0
    other = [*COPY_LAST[:5], "2", *COPY_LAST[6:]]  # frame step 2: other windows, other scores
    assert physpred(["probe", "--data", str(data), "--out", str(out), *other]) == 2
    assert "holds movie scores made with other settings (they differ in frame_step, stride)" in capsys.readouterr().err


def test_own_model_and_its_controls_on_grasp(sets: dict[str, Path]) -> None:
    root = sets["root"]
    assert physpred([
        "fit", "-c", str(REPO / "configs" / "demo.yaml"), "--data.root", str(sets["grasp"]),
        "--trainer.default_root_dir", str(root / "run"), "--trainer.max_steps", "2",
        "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
        "--trainer.val_check_interval", "2", "--trainer.limit_val_batches", "1",
        "--data.frame_size", "16", "--data.frame_step", "1", "--data.batch_size", "2",
        "--data.num_workers", "0", "--data.val_fraction", "0.2",
    ]) == 0  # fmt: skip
    ckpt = ["--ckpt_path", str(root / "run" / "model.ckpt"), "--bootstrap", "5"]
    model = probe(sets["grasp"], root / "model", *ckpt)
    untrained = probe(sets["grasp"], root / "untrained", *ckpt, "--baseline", "untrained")
    copy_last = probe(sets["grasp"], root / "copy_last", *ckpt, "--baseline", "copy-last")
    for report in (model, untrained, copy_last):
        assert report["overall"]["n_pairs"] == 3 and set(report["blocks"]) == {"Collision", "Gravity"}


def test_a_tiny_vjepa2_and_its_untrained_control_on_grasp(
    sets: dict[str, Path], hf_folders: dict[str, Path], tmp_path: Path
) -> None:
    scorer = ["--scorer", "vjepa2", "--weights", str(hf_folders["vjepa2"]), "--frame_step", "1"]
    report = probe(sets["grasp"], tmp_path / "vjepa2", *scorer, "--bootstrap", "5")
    # GRASP's protocol but frame step 1: 16-frame windows, contexts 2..10
    assert report["settings"]["context"] == [2, 4, 6, 8, 10] and report["settings"]["window_frames"] == 16
    assert report["overall"]["n_pairs"] == 3
    control = probe(sets["grasp"], tmp_path / "untrained", *scorer, "--baseline", "untrained", "--bootstrap", "5")
    assert control["overall"]["n_pairs"] == 3
    assert control["overall"]["pairwise_acc_mean"] is not None
