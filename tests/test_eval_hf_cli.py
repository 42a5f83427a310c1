"""End to end: ``physpred probe --scorer vjepa2|videomae`` on tiny generated probes."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from safetensors.torch import load_file, save_file

from physpred.cli import main as physpred
from physpred.data.datasets import ProbeDataset
from physpred.eval.hf import load_scorer
from physpred.eval.windows import fixed_window_surprise, protocol_windows

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, hf_folders: dict[str, Path]
) -> dict[str, Path]:
    """One O1 quadruplet of 48 frames at 48 px (4 windows), and the two tiny models' folders."""
    root = tmp_path_factory.mktemp("hf_e2e")
    assert physpred(["world", "probes", "--out", str(root / "probes"), "--scenes", "1",
                     "--blocks", "O1", "--size", "48", "--frames", "48", "--workers", "1"]) == 0  # fmt: skip
    return {"root": root, "probes": root / "probes", **hf_folders}


def probe(world: dict[str, Path], scorer: str, out: str, *extra: str) -> dict:
    folder = world["root"] / out
    argv = ["probe", "--scorer", scorer, "--weights", str(world[scorer]),
            "--data", str(world["probes"]), "--out", str(folder), "--bootstrap", "20", *extra]  # fmt: skip
    assert physpred(argv) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "accuracy.png", "index.html", "movies", "report.json", "roc.png", "scores.csv", "surprise_O1.png",
    ]
    rows = list(csv.DictReader((folder / "scores.csv").open()))
    assert len(rows) == 4 and {r["is_possible"] for r in rows} == {"true", "false"}
    return json.loads((folder / "report.json").read_text())


@pytest.mark.parametrize("scorer", ["vjepa2", "videomae"])
def test_scorer_and_its_untrained_control(world: dict[str, Path], scorer: str) -> None:
    report = probe(world, scorer, scorer)
    assert report["scorer"] == scorer and report["weights"] == str(world[scorer])
    settings = report["settings"]
    assert (settings["frame_size"], settings["window_frames"]) == (32, 16)
    assert (settings["frame_step"], settings["stride"]) == (2, 4)  # the protocol's defaults
    assert settings["context"] == [2, 4, 6, 8, 10] and settings["latent"] is None
    metrics = report["blocks"]["O1"]
    assert (metrics["n_movies"], metrics["n_pairs"], metrics["n_quads"]) == (4, 2, 1)
    # scores.csv = mean and max over the 4 windows of each 48-frame movie of the per-window
    # minimum over the 5 contexts, from the stored (not pre-resized) frames
    movie = ProbeDataset(world["probes"])[0]
    assert len(protocol_windows(len(movie.frames), 16, 2, 4)) == 4
    energies, _ = fixed_window_surprise(
        load_scorer(scorer, world[scorer]), movie.frames, 2, 4, 32, [2, 4, 6, 8, 10]
    )
    row = next(csv.DictReader((world["root"] / scorer / "scores.csv").open()))
    assert row["video"] == movie.video
    assert float(row["surprise_mean"]) == pytest.approx(energies.mean().item(), abs=1e-6)
    assert float(row["surprise_max"]) == pytest.approx(energies.max().item(), abs=1e-6)
    untrained = probe(world, scorer, f"{scorer}_untrained", "--baseline", "untrained")
    assert untrained["baseline"] == "untrained"
    scores = [(world["root"] / out / "scores.csv").read_text() for out in (scorer, f"{scorer}_untrained")]
    assert scores[0] != scores[1]


def test_scorer_options_are_checked_in_one_line(
    world: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["probe", "--data", str(world["probes"]), "--out", str(world["root"] / "bad")]
    weights = ["--weights", str(world["vjepa2"])]
    cases = {
        "needs --weights DIR": ["--scorer", "vjepa2"],
        "--weights needs --scorer": weights,
        "exclude each other": ["--scorer", "vjepa2", *weights, "--ckpt_path", "x.ckpt"],
        "copy-last does not take --scorer": ["--scorer", "vjepa2", *weights, "--baseline", "copy-last"],
        "--context_frames 3": ["--scorer", "vjepa2", *weights, "--context_frames", "3"],
        "'vjepa2' model, not 'videomae'": ["--scorer", "videomae", *weights],
    }
    for message, extra in cases.items():
        capsys.readouterr()
        assert physpred([*base, *extra]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    broken = world["root"] / "broken"
    shutil.copytree(world["vjepa2"], broken)
    tensors = load_file(broken / "model.safetensors")
    tensors["predictor.proj.weight_renamed"] = tensors.pop("predictor.proj.weight")
    save_file(tensors, broken / "model.safetensors", metadata={"format": "pt"})
    assert physpred([*base, "--scorer", "vjepa2", "--weights", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "1 missing (predictor.proj.weight)" in err and err.count("\n") == 1
    assert not (world["root"] / "bad").exists()
