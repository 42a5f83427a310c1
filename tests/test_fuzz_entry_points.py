"""Hostile and careless input fed to the public entry points (``physpred.cli.main``).

Every case asserts what a user sees and what is left on disk: the exit status, one line on
stderr that names the file or option, nothing written outside the output folder and nothing
half-written inside it. The cases are issue 22's twelve and their neighbours, plus a seeded
random mutation of status.json headers.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from physpred.cli import main
from physpred.files import output_lock

REPO = Path(__file__).resolve().parents[1]
FIT = [
    "fit", "-c", str(REPO / "configs" / "demo.yaml"), "--data.frame_size=32", "--data.batch_size=2",
    "--data.num_workers=0", "--data.context_frames=4", "--data.future_frames=2", "--data.frame_step=1",
    "--data.val_fraction=0.1", "--trainer.max_steps=2", "--trainer.limit_val_batches=1",
    "--trainer.val_check_interval=2", "--trainer.enable_progress_bar=false", "--trainer.accelerator=cpu",
]  # fmt: skip
WIDTHS = "--model.init_args.energy_model.init_args.predictor.init_args.widths"


# ---------------------------------------------------------------- fixtures: one world, one run


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny training videos, two O1 quadruplets (32 px, 48 frames) and a run of 2 steps."""
    root = tmp_path_factory.mktemp("fuzz")
    common = ["--frame_size", "32", "--num_workers", "1"]
    assert main(["world", "videos", "--out", str(root / "videos"), "--videos", "8", "--frames", "20", *common]) == 0
    probes = ["world", "probes", "--out", str(root / "probes"), "--scenes_per_block", "2", "--blocks", "O1", "--frames", "48"]
    assert main([*probes, *common]) == 0
    assert main([*FIT, f"--data.root={root / 'videos'}", f"--trainer.default_root_dir={root / 'run'}"]) == 0
    return {"videos": root / "videos", "probes": root / "probes", "ckpt": root / "run" / "model.ckpt"}


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


class Case:
    """One run of ``physpred``: inputs staged under ``tmp``, output folder ``tmp/out``."""

    def __init__(self, tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp, self.out, self.capsys = tmp, tmp / "out", capsys
        self.holding = False  # the test itself holds the lock on ``out``

    def run(self, argv: list[str]) -> tuple[int, str]:
        """Exit status and stderr; files outside ``out`` must be exactly as they were."""
        before = {k: v for k, v in snapshot(self.tmp).items() if not k.startswith(str(self.out))}
        self.capsys.readouterr()
        status = main(argv)
        err = self.capsys.readouterr().err
        after = {k: v for k, v in snapshot(self.tmp).items() if not k.startswith(str(self.out))}
        assert after == before, "files written or changed outside the output folder"
        assert "Traceback" not in err
        if self.out.exists():
            assert not list(self.out.rglob(".*.tmp*")), "half-written files left behind"
            assert self.holding or not (self.out / ".physpred.lock").exists(), "lock file left behind"
        return status, err

    def refused(self, argv: list[str], *expected: str, status: int = 2) -> str:
        """Run; the exit status is ``status`` and the last stderr line says ``expected``."""
        code, err = self.run(argv)
        last = err.strip().splitlines()[-1] if err.strip() else ""
        assert code == status, err
        assert last.startswith("physpred "), err
        assert all(text in last for text in expected), last
        return last

    def probe(self, data: Path, *extra: str) -> list[str]:
        return ["probe", "--baseline", "copy-last", "--frame_size", "32", "--bootstrap", "10",
                "--data", str(data), "--out", str(self.out), *extra]  # fmt: skip


@pytest.fixture
def case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Case:
    return Case(tmp_path, capsys)


def copy_probes(data: dict[str, Path], tmp: Path) -> Path:
    target = tmp / "probes"
    shutil.copytree(data["probes"], target)
    return target


def csv_manifest(probes: Path, edit: Callable[[list[dict[str, str]]], None] = lambda rows: None, bom: bool = False) -> Path:
    """``probes/manifest.csv`` over the IntPhys folders, rows changed by ``edit``."""
    rows = []
    for status in sorted(probes.glob("*/*/*/status.json")):
        block, scene, movie = status.parent.relative_to(probes).parts
        label = json.loads(status.read_text())["header"]["is_possible"]
        rows.append({"video": f"{block}/{scene}/{movie}/scene", "block": block, "scene": scene, "is_possible": str(label).lower()})
    edit(rows)
    path = probes / "manifest.csv"
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.DictWriter(handle, ["video", "block", "scene", "is_possible"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def set_header(probes: Path, movie: str, **fields: object) -> Path:
    status = probes / movie / "status.json"
    saved = json.loads(status.read_text())
    saved["header"].update(fields)
    status.write_text(json.dumps(saved))
    return status


# ---------------------------------------------------------------- 1. names that leave --out


@pytest.mark.parametrize("block", ["x/../../../escaped_dir/evil", "../evil", "/tmp/evil", "..", "a/b"])
def test_1_a_block_name_never_writes_outside_out(block: str, data: dict, case: Case) -> None:
    probes = copy_probes(data, case.tmp)
    manifest = csv_manifest(probes, lambda rows: rows[0].update(block=block))
    case.refused(case.probe(manifest), "would leave the output folder", repr(block))
    assert not case.out.exists() and not (case.tmp.parent / "escaped_dir").exists()


def test_1_a_scene_name_that_climbs_is_refused(data: dict, case: Case) -> None:
    manifest = csv_manifest(copy_probes(data, case.tmp), lambda rows: [r.update(scene="../..") for r in rows[:4]])
    case.refused(case.probe(manifest), "scene 'O1/../..' would leave the output folder")


def test_1_a_movie_id_that_climbs_is_refused(data: dict, case: Case) -> None:
    """A movie id names its stored scores (OUT/movies/<id>.npz): one with '..' would leave OUT."""
    probes = copy_probes(data, case.tmp)
    (case.tmp / "lists").mkdir()
    manifest = csv_manifest(probes, lambda rows: [r.update(video=f"../probes/{r['video']}") for r in rows])
    moved = manifest.rename(case.tmp / "lists" / "manifest.csv")
    case.refused(case.probe(moved), "movie '../probes/O1/01/1/scene'", "and 5 more would leave the output folder")
    assert not case.out.exists()


# ---------------------------------------------------------------- 2. non-finite numbers


def test_2_nan_weights_are_refused_not_scored(data: dict, case: Case) -> None:
    saved = torch.load(data["ckpt"], weights_only=True)
    for tensor in saved["state_dict"].values():
        if tensor.is_floating_point():
            tensor.fill_(float("nan"))
    torch.save(saved, case.tmp / "nan.ckpt")
    argv = ["probe", "--ckpt_path", str(case.tmp / "nan.ckpt"), "--data", str(data["probes"]), "--out", str(case.out)]
    case.refused(argv, f"checkpoint {case.tmp / 'nan.ckpt'} holds non-finite weights")
    assert not case.out.exists()


def test_2_a_diverging_fit_stops_with_one_line_and_saves_nothing(data: dict, case: Case) -> None:
    run = case.out
    argv = [*FIT, f"--data.root={data['videos']}", f"--trainer.default_root_dir={run}",
            "--model.init_args.optimizer.init_args.lr=1e6", "--trainer.max_steps=30", "--trainer.val_check_interval=30"]  # fmt: skip
    case.refused(argv, "training stopped at step", "no checkpoint was written", "lr", status=1)
    assert not (run / "model.ckpt").exists()


def test_2_nan_surprise_names_the_movie(data: dict, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    from physpred.models import CopyLastPredictor

    def nan_energy(self, context, future, z="infer"):  # noqa: ANN001, ANN202
        return torch.full((context.shape[0],), float("nan"))

    monkeypatch.setattr(CopyLastPredictor, "free_energy", nan_energy)
    case.refused(case.probe(data["probes"]), "surprise is not finite", "movie O1/01/")
    # no report, no scores; OUT/movies keeps only whole files of finished movies (for a resume)
    assert not (case.out / "report.json").exists() and not (case.out / "scores.csv").exists()
    assert not list(case.out.rglob("*.npz"))


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        ("preprocessor_config.json", {"image_mean": [0.5, 0.5, 0.5], "image_std": [0, 0, 0]}, "image_std must be > 0"),
        ("preprocessor_config.json", {"image_mean": [0.5, 0.5], "image_std": [1, 1, 1]}, "3 finite numbers"),
        ("preprocessor_config.json", {"image_mean": ["a", 0, 0], "image_std": [1, 1, 1]}, "3 finite numbers"),
        ("model.safetensors", "truncate", "cannot load"),
        ("model.safetensors", "garbage", "cannot load"),
        ("model.safetensors", "nan", "non-finite values"),
        ("config.json", {"patch_size": 0}, "--weights"),
        ("config.json", "garbage", "not a readable JSON file"),
    ],
)
def test_12_a_broken_pretrained_folder_is_one_line(
    file: str, content: object, expected: str, data: dict, case: Case, hf_folders: dict[str, Path]
) -> None:
    folder = case.tmp / "vjepa2"
    shutil.copytree(hf_folders["vjepa2"], folder)
    path = folder / file
    if content == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif content == "garbage":
        path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all" + bytes(64))
    elif content == "nan":
        from safetensors.torch import load_file, save_file

        tensors = load_file(path)
        first = sorted(tensors)[0]
        tensors[first] = torch.full_like(tensors[first], float("nan"))
        save_file(tensors, path, metadata={"format": "pt"})
    elif file == "config.json":
        path.write_text(json.dumps({**json.loads(path.read_text()), **content}))  # type: ignore[dict-item]
    else:
        path.write_text(json.dumps(content))
    argv = ["probe", "--scorer", "vjepa2", "--weights", str(folder), "--data", str(data["probes"]), "--out", str(case.out)]
    case.refused(argv, expected)
    assert not case.out.exists()


# ---------------------------------------------------------------- 3, 9. a second fit, a resume


def test_3_a_second_fit_never_overwrites_a_run(data: dict, case: Case) -> None:
    run = case.tmp / "run"
    shutil.copytree(data["ckpt"].parent, run)
    before = (run / "model.ckpt").read_bytes()
    argv = [*FIT, f"--data.root={data['videos']}", f"--trainer.default_root_dir={run}"]
    case.refused(argv, f"--trainer.default_root_dir {run} already holds a run", f"--ckpt_path {run / 'model.ckpt'}")
    assert (run / "model.ckpt").read_bytes() == before


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ([f"{WIDTHS}=[16,32]"], "predictor.init_args.widths [32, 64] there, [16, 32] here"),
        (["--data.context_frames=3"], "data.context_frames 4 there, 3 here"),
        (["--data.frame_size=48"], "data.frame_size 32 there, 48 here"),
    ],
)
def test_9_resume_refuses_options_of_another_model(option: list[str], expected: str, data: dict, case: Case) -> None:
    run = case.tmp / "run"
    shutil.copytree(data["ckpt"].parent, run)
    before = (run / "model.ckpt").read_bytes()
    argv = [*FIT, f"--data.root={data['videos']}", f"--trainer.default_root_dir={run}", f"--ckpt_path={run / 'model.ckpt'}", *option]
    case.refused(argv, f"--ckpt_path {run / 'model.ckpt'} was trained with other model options", expected)
    assert (run / "model.ckpt").read_bytes() == before


# ---------------------------------------------------------------- 4, 5. one writer per folder


@pytest.mark.parametrize("command", ["world videos", "world probes", "probe", "fit"])
def test_4_5_a_second_writer_is_refused(command: str, data: dict, case: Case) -> None:
    argv = {
        "world videos": ["world", "videos", "--out", str(case.out), "--videos", "2", "--frames", "12", "--frame_size", "32", "--num_workers", "1"],
        "world probes": ["world", "probes", "--out", str(case.out), "--scenes_per_block", "1", "--blocks", "O1", "--frame_size", "32", "--frames", "48", "--num_workers", "1"],
        "probe": case.probe(data["probes"]),
        "fit": [*FIT, f"--data.root={data['videos']}", f"--trainer.default_root_dir={case.out}"],
    }[command]  # fmt: skip
    with output_lock(case.out, "world videos"):
        case.holding = True
        case.refused(argv, f"{case.out} is in use by physpred world videos (pid {os.getpid()})")
        assert sorted(p.name for p in case.out.iterdir()) == [".physpred.lock"]
    assert not case.out.exists()  # the holder created it and wrote nothing


def test_4_two_world_runs_at_once_never_mix(case: Case) -> None:
    """Two real processes with different seeds: one writes, the other is refused (or waits its
    turn and then refuses the other seed); the folder holds one world."""
    argv = [sys.executable, "-m", "physpred.cli", "world", "videos", "--out", str(case.out), "--videos", "6",
            "--frames", "12", "--frame_size", "32", "--num_workers", "1", "--seed"]  # fmt: skip
    runs = [subprocess.Popen([*argv, seed], stderr=subprocess.PIPE, text=True, cwd=REPO) for seed in ("1", "2")]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in runs]
    assert sorted(code for code, _ in results) == [0, 2], results
    err = next(text for code, text in results if code == 2)
    assert "is in use by physpred world videos" in err or "another --seed" in err, err
    seeds = {json.loads(line)["seed"] for line in (case.out / "manifest.jsonl").read_text().splitlines()}
    assert len(seeds) == 6 and len(list((case.out / "videos").glob("*.mp4"))) == 6


# ---------------------------------------------------------------- 6, 7, 8. the probe set itself


def test_6_a_duplicated_row_is_refused_or_counted(data: dict, case: Case) -> None:
    probes = copy_probes(data, case.tmp)

    def duplicate(rows: list[dict[str, str]]) -> None:
        rows[1] = dict(rows[0])

    manifest = csv_manifest(probes, duplicate)
    case.refused(case.probe(manifest), "scene O1/01 is incomplete", "listed twice", "--skip_incomplete")
    status, _ = case.run(case.probe(manifest, "--skip_incomplete"))
    assert status == 0
    report = json.loads((case.out / "report.json").read_text())
    assert report["left_out"]["n_scenes"] == 1 and report["overall"]["n_movies"] == 4


def test_7_a_movie_cut_short_is_refused_or_counted(data: dict, case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    probes = copy_probes(data, case.tmp)
    frames = sorted((probes / "O1/01/3/scene").glob("*.png"))
    for png in frames[38:]:
        png.unlink()
    case.refused(case.probe(probes), "scene O1/01 is incomplete", "O1/01/3 has 38", "the others 48 frames")
    code = main(case.probe(probes, "--skip_incomplete"))
    out = capsys.readouterr().out
    assert code == 0 and "left out 1 of 2 scenes" in out


@pytest.mark.parametrize("label", ["false", "true", 1, 0, None, [], {"x": 1}])
def test_8_labels_must_be_json_booleans(label: object, data: dict, case: Case) -> None:
    probes = copy_probes(data, case.tmp)
    status = set_header(probes, "O1/01/1", is_possible=label)
    case.refused(case.probe(probes), str(status), "header.is_possible must be true or false", repr(label))
    assert not case.out.exists()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("violation_frames", 5, "header.violation_frames must be a list"),
        ("violation_frames", [0], "header.violation_frames must be a list"),
        ("violation_frames", ["3"], "header.violation_frames must be a list"),
        ("event", ["x"], "header.event must be a string"),
        ("pair", 1.5, "header.pair must be"),
    ],
)
def test_12_status_fields_are_type_checked_before_any_file(field: str, value: object, expected: str, data: dict, case: Case) -> None:
    probes = copy_probes(data, case.tmp)
    status = set_header(probes, "O1/02/2", **{field: value})
    case.refused(case.probe(probes), str(status), expected)
    assert not case.out.exists()


def test_12_violation_frames_past_the_end_are_a_counted_problem(data: dict, case: Case) -> None:
    probes = copy_probes(data, case.tmp)
    set_header(probes, "O1/02/2", violation_frames=[47, 999])
    case.refused(case.probe(probes), "scene O1/02 is incomplete", "violation frames past the movie's end (O1/02/2 frame 999)")


def test_12_status_json_that_is_no_object(data: dict, case: Case) -> None:
    probes = copy_probes(data, case.tmp)
    (probes / "O1/01/4/status.json").write_text("[1, 2]")
    case.refused(case.probe(probes), "O1/01/4/status.json", '"header"')
    (probes / "O1/01/4/status.json").write_bytes(b"\xff\xfe{")
    case.refused(case.probe(probes), "O1/01/4/status.json: not valid JSON")


def test_fuzz_random_status_headers(data: dict, case: Case) -> None:
    """Seeded random values in every field physpred reads: a clean refusal or a clean run."""
    rng = random.Random(22)
    pool = [True, False, None, 0, 1, -1, 2.5, float("inf"), "", "false", "O1", [], [1], [0, -3], ["a"], {}, {"a": 1}, [[1]]]
    for trial in range(8):
        probes = case.tmp / f"p{trial}"
        shutil.copytree(data["probes"], probes)
        movie = rng.choice(sorted(p.parent.relative_to(probes).as_posix() for p in probes.glob("*/*/*/status.json")))
        fields = {name: rng.choice(pool) for name in rng.sample(["is_possible", "pair", "event", "violation_frames"], 2)}
        set_header(probes, movie, **fields)
        code, err = case.run(case.probe(probes, "--skip_incomplete"))
        assert code in (0, 2), (fields, err)
        if code == 2:
            assert err.strip().splitlines()[-1].startswith("physpred probe: "), (fields, err)
            assert str(probes / movie / "status.json") in err, (fields, err)
        shutil.rmtree(case.out, ignore_errors=True)


# ---------------------------------------------------------------- 10. signals


def test_10_sigterm_saves_a_loadable_checkpoint_and_exits_143(data: dict, case: Case) -> None:
    from physpred.models import load_model

    run = case.tmp / "run"
    argv = [sys.executable, "-m", "physpred.cli", *FIT, f"--data.root={data['videos']}",
            f"--trainer.default_root_dir={run}", "--trainer.max_steps=100000", "--trainer.val_check_interval=3"]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=REPO, env=env)
    try:
        for _ in range(600):  # the first checkpoint (end of an epoch) says training runs
            if (run / "model.ckpt").exists() or process.poll() is not None:
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 143, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("physpred fit: stopped by SIGTERM; ") and f"--ckpt_path {run / 'model.ckpt'}" in last
    assert load_model(run / "model.ckpt").geometry.frame_size == 32
    assert not list(run.glob(".*.tmp*")) and not (run / ".physpred.lock").exists()


# ---------------------------------------------------------------- 11. readers


def test_11_sixteen_bit_grey_frames_are_scaled_not_white(data: dict, case: Case) -> None:
    from physpred.data import read_video

    probes = copy_probes(data, case.tmp)
    folder = probes / "O1/01/1/scene"
    grey = []
    for png in sorted(folder.glob("*.png")):
        grey.append(np.asarray(Image.open(png).convert("L")))
        Image.fromarray(grey[-1].astype(np.uint16) * 257).save(png)  # the same picture in 16 bits
    assert Image.open(next(folder.glob("*.png"))).mode == "I;16"
    frames = read_video(folder)  # (T, 3, H, W) uint8
    assert frames.shape[1] == 3 and frames.float().mean() < 250
    assert torch.equal(frames[:, 0], torch.from_numpy(np.stack(grey)))
    status, _ = case.run(case.probe(probes))
    assert status == 0


# ---------------------------------------------------------------- 12. crafted checkpoints, long lists


def _crafted(saved: dict, change: str) -> dict:
    parts = saved["physpred"]["energy_model"]["init_args"]
    if change == "negative widths":
        parts["predictor"]["init_args"]["widths"] = [-32, 64]
    elif change == "hidden 1e8":
        parts["latent"]["init_args"]["hidden"] = 10**8
    elif change == "frame_size 1e6":
        saved["physpred"]["geometry"]["frame_size"] = 10**6
    elif change == "nested 3000 deep":
        nested: list = []
        for _ in range(3000):
            nested = [nested]
        parts["encoder"]["init_args"]["widths"] = nested
    elif change == "foreign class":
        parts["distance"]["class_path"] = "os.system"
    return saved


@pytest.mark.parametrize("change", ["negative widths", "hidden 1e8", "frame_size 1e6", "nested 3000 deep", "foreign class"])
def test_12_crafted_checkpoints_are_one_line(change: str, data: dict, case: Case) -> None:
    saved = _crafted(torch.load(data["ckpt"], weights_only=True), change)
    path = case.tmp / "crafted.ckpt"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20000)  # pickling 3000 nested lists
    try:
        torch.save(saved, path)
    finally:
        sys.setrecursionlimit(limit)
    for baseline in ([], ["--baseline", "untrained"]):
        argv = ["probe", "--ckpt_path", str(path), "--data", str(data["probes"]), "--out", str(case.out), *baseline]
        case.refused(argv, str(path))
    assert not case.out.exists()


def test_12_a_csv_with_a_byte_order_mark_is_read(data: dict, case: Case) -> None:
    manifest = csv_manifest(copy_probes(data, case.tmp), bom=True)
    status, _ = case.run(case.probe(manifest))
    assert status == 0 and json.loads((case.out / "report.json").read_text())["overall"]["n_movies"] == 8


def test_12_thousands_of_empty_movies_give_a_short_line(data: dict, case: Case) -> None:
    probes = copy_probes(data, case.tmp)
    for i in range(2000):
        (probes / "O1" / "03" / f"{i}" / "scene").mkdir(parents=True)
    last = case.refused(case.probe(probes), "scene O1/03 is incomplete", "and 1997 more")
    assert len(last) < 300


def test_12_read_only_videos_folder_leaves_no_manifest(case: Case) -> None:
    if os.geteuid() == 0:
        pytest.skip("root may write into read-only folders")
    (case.out / "videos").mkdir(parents=True)
    (case.out / "videos").chmod(0o555)
    try:
        argv = ["world", "videos", "--out", str(case.out), "--videos", "2", "--frames", "12", "--frame_size", "32", "--num_workers", "1"]
        case.refused(argv, f"{case.out / 'videos'}: cannot write there")
        assert not (case.out / "manifest.jsonl").exists()
    finally:
        (case.out / "videos").chmod(0o755)
