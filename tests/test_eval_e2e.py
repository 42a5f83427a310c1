"""End to end: generated probes, a two-step checkpoint, ``physpred probe`` with both controls."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

from physpred.cli import main as physpred
from physpred.models import load_model, untrained_like

pytestmark = pytest.mark.slow
BLOCKS = "O1,G1"
REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = REPO / "configs" / "demo.yaml"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny probes (1 scene per block) and a checkpoint trained for 2 steps at 32 px."""
    root = tmp_path_factory.mktemp("probe_e2e")
    probes, videos, run = root / "probes", root / "videos", root / "run"
    assert physpred(["world", "probes", "--out", str(probes), "--scenes", "1", "--blocks", BLOCKS,
                     "--size", "64", "--frames", "48", "--workers", "1"]) == 0
    assert physpred(["world", "videos", "--out", str(videos), "--videos", "6", "--frames", "40",
                     "--size", "32", "--workers", "1"]) == 0
    assert physpred([
        "fit", "-c", str(DEMO_CONFIG), "--data.root", str(videos),
        "--trainer.default_root_dir", str(run), "--trainer.max_steps", "2",
        "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
        "--trainer.val_check_interval", "2", "--trainer.limit_val_batches", "1",
        "--data.frame_size", "32", "--data.batch_size", "2", "--data.num_workers", "0",
        "--data.val_fraction", "0.2",
    ]) == 0  # fmt: skip
    return {"probes": probes, "ckpt": run / "model.ckpt", "root": root}


def probe(world: dict[str, Path], out: str, *extra: str) -> dict:
    folder = world["root"] / out
    argv = ["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(world["probes"]),
            "--out", str(folder), "--stride", "4", "--bootstrap", "20", *extra]  # fmt: skip
    assert physpred(argv) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "accuracy.png", "index.html", "movies", "report.json", "roc.png", "scores.csv",
        "strip_G1.png", "strip_O1.png", "surprise_G1.png", "surprise_O1.png",
    ]
    rows = list(csv.DictReader((folder / "scores.csv").open()))
    assert len(rows) == 8 and {r["is_possible"] for r in rows} == {"true", "false"}
    return json.loads((folder / "report.json").read_text())


def test_model_and_controls(world: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    model = probe(world, "model")
    assert model["ckpt"] == str(world["ckpt"]) and model["baseline"] is None
    assert model["settings"]["frame_size"] == 32 and model["settings"]["context"] == [8]
    assert model["settings"]["frame_step"] == 4 and model["settings"]["stride"] == 4
    for block in ("O1", "G1"):
        metrics = model["blocks"][block]
        assert (metrics["n_movies"], metrics["n_pairs"], metrics["n_quads"]) == (4, 2, 1)
        assert 0.0 <= metrics["pairwise_acc_mean"] <= 1.0
    # the generator names each movie's event: one row per impossible event, one pair each
    assert sorted(model["events"]) == ["G1/falls_through", "G1/floats", "O1/appear", "O1/vanish"]
    assert {e["n_pairs"] for e in model["events"].values()} == {1}
    untrained = probe(world, "untrained", "--baseline", "untrained")
    scores = {json.dumps(r["blocks"]["O1"]) for r in (model, untrained)}
    assert len(scores) == 2  # different weights, different surprise
    probe(world, "copy_last", "--baseline", "copy-last")
    capsys.readouterr()
    folders = [str(world["root"] / name) for name in ("model", "untrained", "copy_last")]
    assert physpred(["probe", "compare", *folders]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0] == "pairwise_acc_mean" and table[1].split() == ["G1", "O1", "all"]
    blank = table.index("")  # header, columns, a row per run; then the expectation rates
    assert blank == 5 and table[blank + 1].startswith("expectation rate")


def test_fixed_context_model_rejects_other_context(
    world: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(world["probes"]),
            "--out", str(world["root"] / "ctx"), "--context", "4", "8"]  # fmt: skip
    assert physpred(argv) == 2
    assert "use --context 8" in capsys.readouterr().err


def test_pixel_model_refuses_another_frame_size(
    world: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(world["probes"]),
            "--out", str(world["root"] / "size"), "--frame_size", "64"]  # fmt: skip
    assert physpred(argv) == 2
    assert "reads frames at its training size (32); leave --frame_size out" in capsys.readouterr().err
    assert not (world["root"] / "size").exists()


def test_untrained_is_seeded_and_keeps_the_configuration(world: dict[str, Path]) -> None:
    import torch

    trained = load_model(world["ckpt"])
    first, again = untrained_like(world["ckpt"], seed=1), untrained_like(world["ckpt"], seed=1)
    other = untrained_like(world["ckpt"], seed=2)
    weights = {name: dict(m.state_dict()) for name, m in [("trained", trained), ("first", first),
               ("again", again), ("other", other)]}  # fmt: skip
    assert weights["first"].keys() == weights["trained"].keys()
    name = next(k for k, v in weights["trained"].items() if v.is_floating_point() and v.numel() > 1)
    assert torch.equal(weights["first"][name], weights["again"][name])
    assert not torch.equal(weights["first"][name], weights["other"][name])
    assert not torch.equal(weights["first"][name], weights["trained"][name])
    assert first.geometry == trained.geometry


def test_readme_figures_draw_both_and_pick_pairs_by_event(world: dict[str, Path], tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("readme_figures", REPO / "scripts" / "readme_figures.py")
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    long = tmp_path / "probes"  # 100 frames: room for the 32-frame context before the violation
    assert physpred(["world", "probes", "--out", str(long), "--scenes_per_block", "1", "--blocks", "O1",
                     "--frame_size", "32", "--frames", "100", "--num_workers", "1"]) == 0  # fmt: skip
    argv = ["--ckpt", str(world["ckpt"]), "--probes", str(long), "--out", str(tmp_path / "figures")]
    assert figures.main([*argv, "--event", "vanish"]) == 0
    for name in ("predictions.png", "surprise.png"):
        assert (tmp_path / "figures" / name).read_bytes()[:4] == b"\x89PNG"
    assert figures._model_name(figures._parser().parse_args(argv)) == "run, 2 steps"
    with pytest.raises(SystemExit, match="event floats"):  # a G1 event, not an O1 one
        figures.surprise_figure(load_model(world["ckpt"]), figures._parser().parse_args([*argv, "--event", "floats"]))
    with pytest.raises(SystemExit, match="leaves no room for a window"):  # 48-frame probes
        figures.main(["--ckpt", str(world["ckpt"]), "--probes", str(world["probes"]), "--out", str(tmp_path)])
