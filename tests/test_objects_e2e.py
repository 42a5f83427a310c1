"""End to end, the object track: a masked world, a two-step fit, ``physpred probe`` (with masks, and
the label-free recipe that reads masks only to log FG-ARI)."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from physpred.cli import main as physpred
from physpred.models import load_model, untrained_like
from physpred.models.slots import ObjectEnergyModel

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny probes and videos with masks, and an object model trained for 2 steps at 32 px
    (with the imagination term)."""
    root = tmp_path_factory.mktemp("objects_e2e")
    probes, videos, run = root / "probes", root / "videos", root / "run"
    assert physpred(["world", "probes", "--out", str(probes), "--scenes_per_block", "1", "--blocks", "O1",
                     "--frame_size", "64", "--frames", "48", "--num_workers", "1", "--masks"]) == 0
    assert physpred(["world", "videos", "--out", str(videos), "--videos", "4", "--frames", "40",
                     "--frame_size", "32", "--num_workers", "1", "--masks"]) == 0
    assert physpred([
        "fit", "-c", str(REPO / "configs" / "objects_masks.yaml"), "--data.root", str(videos),
        "--trainer.default_root_dir", str(run), "--trainer.max_steps", "2",
        "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
        "--trainer.val_check_interval", "2", "--trainer.limit_val_batches", "1",
        "--data.frame_size", "32", "--data.batch_size", "2", "--data.num_workers", "0",
        "--data.val_fraction", "0.25", "--data.future_frames", "8",
        "--model.init_args.imagination_weight", "0.5",  # trains through imagination_energy too
    ]) == 0  # fmt: skip
    return {"probes": probes, "ckpt": run / "model.ckpt", "root": root}


def test_checkpoint_rebuilds_the_object_model(world: dict[str, Path]) -> None:
    model = load_model(world["ckpt"])
    assert isinstance(model, ObjectEnergyModel) and model.reads_masks
    assert model.geometry.frame_size == 32 and model.geometry.frame_step == 2
    control = untrained_like(world["ckpt"], seed=1)
    trained, fresh = model.state_dict(), control.state_dict()
    assert any(not torch.equal(trained[k], fresh[k]) for k in trained)


def test_probe_prices_the_same_expectations_with_another_energy(world: dict[str, Path], tmp_path: Path) -> None:
    """--energy: the model's own energy gives its own scores, and the surprise is linear in the
    presence weight (the energy is presence_weight * presence term + the appearance terms)."""
    own = torch.load(world["ckpt"], weights_only=True)["physpred"]["energy_model"]["init_args"]["energy"]
    assert own["init_args"]["presence_weight"] == 1.0
    surprise, report = {}, {}
    for weight in (None, 0.0, 1.0, 3.0):
        out, extra = tmp_path / f"weight_{weight}", []
        if weight is not None:
            config = {**own, "init_args": {**own["init_args"], "presence_weight": weight}}
            (tmp_path / f"energy_{weight}.yaml").write_text(json.dumps(config))  # JSON is YAML
            extra = ["--energy", str(tmp_path / f"energy_{weight}.yaml")]
        assert physpred(["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(world["probes"]),
                         "--out", str(out), "--bootstrap", "20", *extra]) == 0  # fmt: skip
        rows = sorted(csv.DictReader((out / "scores.csv").open()), key=lambda row: row["video"])
        surprise[weight] = np.array([float(row["surprise_mean"]) for row in rows])
        report[weight] = json.loads((out / "report.json").read_text())["settings"]
    np.testing.assert_allclose(surprise[1.0], surprise[None], atol=1e-4)
    np.testing.assert_allclose(surprise[3.0] - surprise[0.0], 3 * (surprise[1.0] - surprise[0.0]), atol=1e-3)
    assert not np.allclose(surprise[3.0], surprise[1.0])
    assert report[3.0]["energy"]["init_args"]["presence_weight"] == 3.0 and "energy" not in report[None]


def test_probe_scores_the_same_weights_another_way(world: dict[str, Path], tmp_path: Path) -> None:
    """--scoring: the checkpoint's own options give its own scores; other ones change them and
    are recorded in the report, and a bad file is refused in one line before anything is written."""
    own = load_model(world["ckpt"]).scoring
    (tmp_path / "own.yaml").write_text(json.dumps(own))
    (tmp_path / "next_frame.yaml").write_text("horizon: 1\n")
    (tmp_path / "bad.yaml").write_text("horizon: 0\n")
    surprise = {}
    for name, extra in (("plain", []), ("own", ["--scoring", str(tmp_path / "own.yaml")]), ("next_frame", ["--scoring", str(tmp_path / "next_frame.yaml")])):
        assert physpred(["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(world["probes"]),
                         "--out", str(tmp_path / name), "--bootstrap", "20", *extra]) == 0  # fmt: skip
        rows = sorted(csv.DictReader((tmp_path / name / "scores.csv").open()), key=lambda row: row["video"])
        surprise[name] = np.array([float(row["surprise_mean"]) for row in rows])
    np.testing.assert_allclose(surprise["own"], surprise["plain"], atol=1e-5)
    assert not np.allclose(surprise["next_frame"], surprise["plain"])
    assert json.loads((tmp_path / "next_frame" / "report.json").read_text())["settings"]["scoring"] == {"horizon": 1}
    assert physpred(["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(world["probes"]),
                     "--out", str(tmp_path / "bad"), "--scoring", str(tmp_path / "bad.yaml")]) == 2  # fmt: skip
    assert not (tmp_path / "bad").exists()


def test_checkpoint_loads_in_a_fresh_interpreter(world: dict[str, Path]) -> None:
    """``load_model`` as the first call of a script: the slot modules are first imported while the
    model is built on the meta device, and must not make their constants there."""
    script = f"from physpred.models import load_model; print(type(load_model({str(world['ckpt'])!r})).__name__)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ObjectEnergyModel"


@pytest.mark.parametrize("baseline", [None, "untrained", "copy-last"])
def test_probe_scores_every_read_frame(world: dict[str, Path], baseline: str | None) -> None:
    out = world["root"] / f"probe_{baseline}"
    extra = ["--baseline", baseline] if baseline else []
    assert physpred(["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(world["probes"]),
                     "--out", str(out), "--bootstrap", "20", *extra]) == 0  # fmt: skip
    report = json.loads((out / "report.json").read_text())
    assert report["blocks"]["O1"]["n_pairs"] == 2
    if baseline is None:
        # one energy per read frame after the 4 the model reads first: frames 8, 10, ..., 46
        assert report["settings"]["future_frames"] == 1 and report["settings"]["stride"] == 2


def test_probe_reads_an_object_model_at_another_frame_size(world: dict[str, Path], tmp_path: Path) -> None:
    """Trained at 32 px, the probes (rendered at 64) read at 64: the slots are fractions of the
    frame, so the same weights score them, with the perception's options in pixels scaled to the
    size read — the scores of a --perception file that states them so at 64, not those of the
    options as trained; the run says the size it read and the scale."""
    own = torch.load(world["ckpt"], weights_only=True)["physpred"]["energy_model"]["init_args"]["perception"]
    assert own["init_args"]["scoring_min_area"] == 8 and own["init_args"].get("min_area", 1) == 1
    files = {"as_trained": own, "stated_at_64": {**own, "init_args": {**own["init_args"], "min_area": 4, "scoring_min_area": 32}}}
    for name, config in files.items():
        (tmp_path / f"{name}.yaml").write_text(json.dumps(config))  # JSON is YAML
    runs = {
        "trained_size": [],
        "read_at_64": ["--frame_size", "64"],
        **{name: ["--frame_size", "64", "--perception", str(tmp_path / f"{name}.yaml")] for name in files},
    }
    surprise, settings = {}, {}
    for name, extra in runs.items():
        out = tmp_path / name
        assert physpred(["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(world["probes"]),
                         "--out", str(out), "--bootstrap", "20", *extra]) == 0  # fmt: skip
        settings[name] = json.loads((out / "report.json").read_text())["settings"]
        rows = sorted(csv.DictReader((out / "scores.csv").open()), key=lambda row: row["video"])
        surprise[name] = np.array([float(row["surprise_mean"]) for row in rows])
    assert settings["trained_size"]["frame_size"] == 32 and settings["read_at_64"]["frame_size"] == 64
    assert settings["read_at_64"]["perception_scale"] == 2.0
    assert "perception_scale" not in settings["trained_size"] and "perception_scale" not in settings["stated_at_64"]
    assert np.isfinite(surprise["read_at_64"]).all()
    np.testing.assert_allclose(surprise["read_at_64"], surprise["stated_at_64"], atol=1e-5)
    assert not np.allclose(surprise["read_at_64"], surprise["as_trained"])
    assert not np.allclose(surprise["read_at_64"], surprise["trained_size"])


def test_probe_without_masks_says_how_to_make_them(world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    probes = tmp_path / "plain"
    assert physpred(["world", "probes", "--out", str(probes), "--scenes_per_block", "1", "--blocks", "O1",
                     "--frame_size", "64", "--frames", "48", "--num_workers", "1"]) == 0  # fmt: skip
    capsys.readouterr()
    assert physpred(["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(probes), "--out", str(tmp_path / "out")]) == 2
    message = capsys.readouterr().err.strip()
    assert "--masks" in message and "O1/01/" in message and len(message.splitlines()) == 1
    assert not (tmp_path / "out").exists()  # refused before anything is written


def test_label_free_recipe_trains_with_masks_for_fg_ari_and_probes_without(world: dict[str, Path], tmp_path: Path) -> None:
    """configs/objects_foreground.yaml: masks in training only for val/fg_ari; probes need none."""
    run, probes = tmp_path / "run", tmp_path / "plain"
    assert physpred([
        "fit", "-c", str(REPO / "configs" / "objects_foreground.yaml"), "-c", str(REPO / "configs" / "logger" / "csv.yaml"),
        "--data.root", str(world["root"] / "videos"), "--trainer.logger.init_args.save_dir", str(run),
        "--trainer.default_root_dir", str(run), "--trainer.max_steps", "2", "--trainer.enable_progress_bar", "false",
        "--trainer.val_check_interval", "2", "--trainer.limit_val_batches", "1",
        "--data.frame_size", "32", "--data.batch_size", "2", "--data.num_workers", "0",
        "--data.val_fraction", "0.5", "--data.future_frames", "8",
    ]) == 0  # fmt: skip
    assert not load_model(run / "model.ckpt").reads_masks
    logged = (run / "csv" / "version_0" / "metrics.csv").read_text().splitlines()
    header, values = logged[0].split(","), [line.split(",") for line in logged[1:]]
    for key in ("val/fg_ari", "val/fg_ari_objects"):  # found without labels, judged by the masks
        # an adjusted Rand index lies in [-0.5, 1] (below 0: worse than chance, as it can be
        # over every thing of a two-step run on 32-pixel frames, screens and walls included)
        assert any(-0.5 <= float(row[header.index(key)]) <= 1.0 for row in values if row[header.index(key)])
    assert physpred(["world", "probes", "--out", str(probes), "--scenes_per_block", "1", "--blocks", "O1",
                     "--frame_size", "64", "--frames", "48", "--num_workers", "1"]) == 0  # fmt: skip
    assert physpred(["probe", "--ckpt_path", str(run / "model.ckpt"), "--data", str(probes), "--out", str(tmp_path / "out"),
                     "--bootstrap", "20"]) == 0  # fmt: skip
    assert json.loads((tmp_path / "out" / "report.json").read_text())["blocks"]["O1"]["n_pairs"] == 2


def test_object_figure_draws_a_pair_of_rows_per_checkpoint(world: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("object_figure", REPO / "scripts" / "object_figure.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    argv = ["--probes", str(world["probes"]), "--event", "vanish", "--out", str(tmp_path / "slots.png")]
    assert script.main(["--ckpt", str(world["ckpt"]), *argv]) == 0
    assert (tmp_path / "slots.png").read_bytes()[:4] == b"\x89PNG"
    drawn = []
    monkeypatch.setattr(script, "save_small_png", lambda figure, path: drawn.append(figure))
    assert script.main(["--ckpt", str(world["ckpt"]), "--ckpt", str(world["ckpt"]), *argv, "--zoom", "0.5"]) == 0
    (figure,) = drawn
    assert [part._suptitle.get_text() for part in figure.subfigs] == ["with masks: run (expected from 3 read frames before)"] * 2
    labels = [ax.get_ylabel() for part in figure.subfigs for ax in part.axes if ax.get_ylabel()]
    assert [label.split()[0] for label in labels] == ["possible", "impossible"] * 2
    assert figure._suptitle.get_text().startswith("probes, block O1, event vanish: O1/01/")
    with pytest.raises(SystemExit):  # no O1 pair shows a G1 event
        script.main(["--ckpt", str(world["ckpt"]), *argv, "--event", "floats"])


def test_probe_swaps_in_another_perception(world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--perception: the model that reads masks scores probes without any, on slots found without labels."""
    probes, swap = tmp_path / "plain", tmp_path / "foreground.yaml"
    assert physpred(["world", "probes", "--out", str(probes), "--scenes_per_block", "1", "--blocks", "O1",
                     "--frame_size", "64", "--frames", "48", "--num_workers", "1"]) == 0  # fmt: skip
    config = {"class_path": "physpred.models.slots.ForegroundPerception", "init_args": {"slots": 4, "scenery": 2}}
    swap.write_text(json.dumps(config))  # JSON is YAML
    for extra in ([], ["--baseline", "untrained"]):  # clip_to_view takes the screens from the swapped perception
        out = tmp_path / f"out{len(extra)}"
        argv = ["probe", "--ckpt_path", str(world["ckpt"]), "--data", str(probes), "--out", str(out), "--bootstrap", "20"]
        assert physpred([*argv, "--perception", str(swap), *extra]) == 0
        report = json.loads((out / "report.json").read_text())
        assert report["blocks"]["O1"]["n_pairs"] == 2 and report["settings"]["perception"] == config
    capsys.readouterr()
    learned = tmp_path / "learned.yaml"
    learned.write_text("class_path: physpred.models.slots.SlotAttentionPerception\n")
    refused = {
        learned: "learns weights",
        tmp_path / "missing.yaml": "cannot read it",
    }
    for path, reason in refused.items():
        assert physpred([*argv[:-2], "--out", str(tmp_path / "refused"), "--perception", str(path)]) == 2
        message = capsys.readouterr().err.strip()
        assert reason in message and str(path) in message and len(message.splitlines()) == 1
    assert not (tmp_path / "refused").exists()


def test_motion_carry_reads_the_trained_dynamics_on_another_perception(world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/motion_carry.py --perception: the masks model's moves read on slots found without labels."""
    from benchmarks.motion_carry import main as motion_carry

    swap = tmp_path / "foreground.yaml"
    swap.write_text(json.dumps({"class_path": "physpred.models.slots.ForegroundPerception", "init_args": {"slots": 4, "scenery": 2}}))
    argv = ["--ckpt", str(world["ckpt"]), "--videos", str(world["root"] / "videos")]
    for extra in ([], ["--perception", str(swap)], ["--scenery"]):
        assert motion_carry([*argv, *extra]) == 0
        printed = capsys.readouterr().out
        assert (f"read with {swap}" in printed) == ("--perception" in extra)
        assert ("moves of screen and wall slots" in printed) == ("--scenery" in extra)
        lines = printed.splitlines()
        assert [line.split()[0] for line in lines[2:4]] == ["x", "y"]
        assert "next-frame place price" in lines[4] and lines[5].split()[:3] == ["axis", "last", "step"]
        assert [line.split()[:2] for line in lines[6:]] == [["x", "moved"], ["x", "still"], ["y", "moved"], ["y", "still"]]
        assert all(len(line.split()) == 8 for line in lines[6:])  # last place, then +0 .. +1
    learned = tmp_path / "learned.yaml"
    learned.write_text("class_path: physpred.models.slots.SlotAttentionPerception\n")
    for path, reason in ((learned, "learns weights"), (tmp_path / "missing.yaml", "cannot read it")):
        with pytest.raises(SystemExit):
            motion_carry([*argv, "--perception", str(path)])
        message = capsys.readouterr().err.strip().splitlines()[-1]
        assert reason in message and str(path) in message


def test_slot_contents_counts_what_label_free_slots_hold_beyond_the_world_objects(world: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/slot_contents.py on the world's videos: pixel counts per kind of scene, one error row per view."""
    from benchmarks.slot_contents import KINDS, VIEWS
    from benchmarks.slot_contents import main as slot_contents

    kinds = "occlusion,gap,support,fall,bounce,mixed,reveal,roll,ramp"
    present = {line for line in (world["root"] / "videos" / "manifest.jsonl").read_text().splitlines()}
    wanted = ",".join(kind for kind in kinds.split(",") if any(f'"kind": "{kind}"' in line for line in present))
    assert slot_contents(["--videos", str(world["root"] / "videos"), "--frames", "16", "--frame-size", "32", "--kinds", wanted, "--min-move", "0.02"]) == 0
    lines = capsys.readouterr().out.splitlines()
    counts = [line.split() for line in lines[2:] if line.split() and line.split()[0] in wanted.split(",")]
    assert counts and all(len(row) == 2 + len(KINDS) and float(row[2]) > 0 for row in counts)  # every sighting holds its object
    assert [line.split("mean")[0].strip() for line in lines[-len(VIEWS) :]] == list(VIEWS)


def test_track_census_tells_how_label_free_slots_hold_the_world_objects(world: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/track_census.py on the world's videos: one row per axis, shares of the moves that
    sum to 1; then a row per kind of false thing found."""
    from benchmarks.track_census import STATES, WHAT
    from benchmarks.track_census import main as track_census

    assert track_census(["--videos", str(world["root"] / "videos"), "--frames", "16", "--frame-size", "32"]) == 0
    lines = capsys.readouterr().out.splitlines()
    false = lines.index("  false things (object slots mostly no object over the clip), by what most of their pixels are:")
    rows = [line.split() for line in lines[2:false]]
    assert rows and all(row[0] == "all" or row[0] in {"occlusion", "gap", "support", "fall", "bounce", "mixed", "reveal", "roll", "ramp"} for row in rows)
    assert all(abs(sum(map(float, row[3:])) - 1) < 0.02 and len(row) == 3 + len(STATES) for row in rows)
    assert all(line.split()[0] in WHAT and line.split()[1] == "slots" for line in lines[false + 1 :])
    masks = tmp_path / "masks.yaml"
    masks.write_text("class_path: physpred.models.slots.MaskPerception\n")
    with pytest.raises(SystemExit):
        track_census(["--videos", str(world["root"] / "videos"), "--perception", str(masks)])
    assert "gives no slot map" in capsys.readouterr().err


def test_step_mode_prints_the_carried_shares_and_the_jitter_of_each_axis(world: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/step_mode.py on the world's videos, label-free and on the masks: a row per axis
    of moving steps, the share of every step that is jitter, then the losses of support."""
    from benchmarks.step_mode import main as step_mode

    videos = str(world["root"] / "videos")
    for perception, steady in (("foreground_smooth_place.yaml", []), ("masks_recipe.yaml", ["--steady-size", "0.08"])):
        assert step_mode(["--videos", videos, "--frames", "16", "--frame-size", "32", "--perception", str(REPO / "configs" / "perception" / perception), *steady]) == 0
        lines = capsys.readouterr().out.splitlines()
        jitter = lines.index(next(line for line in lines if line.startswith("steps of at most --min-move")))
        assert [line.split()[0] for line in lines[2:jitter]] == ["x", "y"]
        shares = {line.split()[0]: float(line.split()[1]) for line in lines[jitter + 1 : -2]}
        assert list(shares) == ["x", "y"] and all(0 <= share <= 1 for share in shares.values())
        for line, name in zip(lines[-2:], ("losses of support", "losses of held support"), strict=True):
            losses, falls = (int(number) for number in re.findall(r": (\d+)", line))
            assert line.startswith(name) and 0 <= falls <= losses


def test_dynamics_fit_trains_the_label_free_dynamics_on_percepts_seen_once(world: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/dynamics_fit.py builds the run as `physpred fit` would, sees the clips once and
    trains only the dynamics on them, reading the carried share as it goes."""
    from benchmarks.dynamics_fit import main as dynamics_fit

    fit = ["-c", str(REPO / "configs" / "objects_foreground.yaml"), "--data.root", str(world["root"] / "videos"),
           "--data.frame_size", "32", "--data.batch_size", "1", "--data.num_workers", "0",
           "--data.val_fraction", "0.25", "--data.future_frames", "8"]  # fmt: skip
    assert dynamics_fit(["--batches", "2", "--held-out", "1", "--steps", "2", "--every", "1", "--", *fit]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("seen 2 clips to train on, 1 held out")
    assert [line.split()[1] for line in lines[1:4]] == ["0", "1", "2"]
    assert lines[-1].startswith("after 2 steps: carried share y")
    with pytest.raises(SystemExit, match="fewer than --batches"):
        dynamics_fit(["--batches", "50", "--held-out", "1", "--steps", "1", "--", *fit])
    with pytest.raises(SystemExit):
        dynamics_fit(["--batches", "1", "--held-out", "1", "--steps", "1", "--", "-c", str(REPO / "configs" / "objects_slots.yaml"),
                      *fit[2:]])  # fmt: skip
    assert "the perception learns" in capsys.readouterr().err
