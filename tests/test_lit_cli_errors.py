"""``physpred fit`` mistakes print one line naming the option or file, exit 2, write nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from physpred.data.datamodule import split_train_val
from physpred.lit.cli import UsageError, main

DEMO = Path(__file__).resolve().parents[1] / "configs" / "demo.yaml"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny ``physpred world videos`` folder: 10 videos of 20 frames, 32x32."""
    from physpred.world import generate_videos

    root = tmp_path_factory.mktemp("world")
    generate_videos(root, 10, frames=20, size=32, workers=1, progress=False)
    return root


def fit_args(world: Path, run: Path) -> list[str]:
    """The demo config shrunk to a few seconds: 32x32 clips of 4 + 2 frames, 2 steps."""
    return [
        "fit", "-c", str(DEMO), f"--data.root={world}", "--data.frame_size=32",
        "--data.batch_size=2", "--data.num_workers=0", "--data.context_frames=4",
        "--data.future_frames=2", "--data.frame_step=1", "--data.val_fraction=0.1",
        "--trainer.max_steps=2", "--trainer.limit_val_batches=1", "--trainer.val_check_interval=2",
        "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={run}",
    ]  # fmt: skip


def broken_world(world: Path, tmp: Path, line: str) -> Path:
    """A copy of the world whose manifest's second line is ``line``."""
    copy = tmp / "world"
    shutil.copytree(world, copy)
    manifest = copy / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    lines[1] = line
    manifest.write_text("\n".join(lines) + "\n")
    return copy


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--data.root={tmp}/nowhere"], "--data.root {tmp}/nowhere: no such folder; pass the folder"),
        (["--trainer.max_steps=0"], "--trainer.max_steps must be >= 1 (or -1: no limit), got 0"),
        (["--trainer.max_steps=-3"], "--trainer.max_steps must be >= 1 (or -1: no limit), got -3"),
        (["--data.batch_size=0"], "--data.batch_size must be >= 1, got 0"),
        (["--data.frame_size=0"], "--data.frame_size must be >= 1, got 0"),
        (["--data.future_frames=-1"], "--data.future_frames must be >= 1, got -1"),
        (
            ["--trainer.default_root_dir={tmp}/file"],
            "--trainer.default_root_dir {tmp}/file: {tmp}/file is a file, not a folder",
        ),
        (
            ["--trainer.default_root_dir={tmp}/file/run"],
            "--trainer.default_root_dir {tmp}/file/run: {tmp}/file is a file, not a folder",
        ),
        (
            ["-c", "{tmp}/broken.yaml"],
            "{tmp}/broken.yaml:3:1: not valid YAML (while parsing a flow sequence from line 2, "
            "column 14: expected ',' or ']', but got '<stream end>'); fix the file",
        ),
        (["--data.root={tmp}/bad_frames"], "{tmp}/bad_frames/manifest.jsonl:2: 'frames' must be"),
        (["--data.root={tmp}/bad_json"], "{tmp}/bad_json/manifest.jsonl:2: not valid JSON ("),
        (["--data.root={tmp}/outside"], "{tmp}/outside/manifest.jsonl:2: path '../../etc/passwd' leaves"),
        (["--ckpt_path={tmp}/missing.ckpt"], "--ckpt_path {tmp}/missing.ckpt: no such file; pass"),
        (["--data.batch_size=x"], 'Parser key "data.batch_size": (Expected a <class \'int\'>'),
        (["--data.batchsize=3"], "unrecognized arguments: --data.batchsize=3; `physpred fit --help`"),
    ],
)
def test_mistakes_are_one_line_with_status_2(
    world: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    (tmp_path / "file").write_text("keep me")
    (tmp_path / "broken.yaml").write_text("trainer:\n  max_steps: [1\n")
    for name, line in [
        ("bad_frames", '{"path": "videos/000001.mp4", "frames": "lots"}'),
        ("bad_json", '{"path": "videos/000001.mp4", '),
        ("outside", '{"path": "../../etc/passwd", "frames": 20}'),
    ]:
        broken_world(world, tmp_path, line).rename(tmp_path / name)
    run = tmp_path / "run"
    status = main([*fit_args(world, run), *(a.replace("{tmp}", str(tmp_path)) for a in extra)])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(f"physpred fit: {expected.replace('{tmp}', str(tmp_path))}")
    assert not run.exists() and (tmp_path / "file").read_text() == "keep me"


def test_the_debug_switch_shows_the_traceback(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHYSPRED_DEBUG", "1")
    with pytest.raises(UsageError, match="--data.batch_size must be >= 1"):
        main([*fit_args(world, tmp_path / "run"), "--data.batch_size=0"])


def test_an_unreadable_validation_split_does_not_stop_the_fit(
    world: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "world"
    shutil.copytree(world, copy)
    paths = [json.loads(line)["path"] for line in (copy / "manifest.jsonl").read_text().splitlines()]
    _, val = split_train_val(paths, 0.1, seed=0)
    (copy / val[0]).write_bytes(b"\x00garbage" * 100)  # the whole validation split
    run = tmp_path / "run"
    assert main([*fit_args(copy, run)]) == 0
    assert (run / "model.ckpt").is_file()


def test_no_readable_training_video_is_one_line_even_from_a_worker(
    world: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "world"
    shutil.copytree(world, copy)
    for video in (copy / "videos").iterdir():
        video.write_bytes(b"\x00garbage" * 100)  # listed with their frames: found only when read
    status = main([*fit_args(copy, tmp_path / "run"), "--data.num_workers=1"])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("physpred fit: all 9 videos failed to read; first: ")
