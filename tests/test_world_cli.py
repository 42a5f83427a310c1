"""`physpred world`: a small run works; user errors print one line and exit with status 2."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from physpred.world.cli import main
from physpred.world.styles import STYLES


def test_videos_command_writes_a_manifest(tmp_path: Path) -> None:
    argv = [
        "videos",
        "--out",
        str(tmp_path),
        "--videos",
        "2",
        "--frames",
        "6",
        "--frame_size",
        "32",
        "--num_workers",
        "1",
    ]
    assert main(argv) == 0
    assert len((tmp_path / "manifest.jsonl").read_text().splitlines()) == 2


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["videos", "--out", "{tmp}", "--videos", "-3"], "--videos"),
        (["videos", "--out", "{tmp}", "--videos", "0"], "--videos"),
        (["videos", "--out", "{tmp}", "--videos", "2", "--num_workers", "0"], "--num_workers"),
        (["probes", "--out", "{tmp}", "--scenes_per_block", "-1"], "--scenes_per_block"),
        (["probes", "--out", "{tmp}", "--scenes_per_block", "1", "--blocks", "O1,X9"], "X9"),
        (["videos", "--out", "{tmp}/file/sub", "--videos", "1"], "--out"),
        (["probes", "--out", "{tmp}/file", "--scenes_per_block", "1"], "--out"),
        (["videos", "--out", "{tmp}", "--videos", "many"], "--videos"),
        (["videos", "--out", "{tmp}", "--videos", "1", "--frame_size", "33"], "--frame_size"),
        (["probes", "--out", "{tmp}", "--scenes_per_block", "1", "--frames", "20"], "--frames"),
    ],
)
def test_user_errors_name_the_option(tmp_path: Path, capsys, argv: list[str], option: str) -> None:
    (tmp_path / "file").write_text("not a folder")
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1, error
    assert option in error and "Traceback" not in error


def test_unknown_block_lists_the_known_ones(tmp_path: Path, capsys) -> None:
    main(["probes", "--out", str(tmp_path), "--scenes_per_block", "1", "--blocks", "Q7"])
    assert "O1,O2,O3,G1,S1,I1" in capsys.readouterr().err


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def listed_paths(root: Path) -> list[str]:
    return [json.loads(line)["path"] for line in (root / "manifest.jsonl").read_text().splitlines()]


VIDEOS = ["videos", "--videos", "2", "--frames", "6", "--frame_size", "32", "--num_workers", "1"]
PROBES = ["probes", "--scenes_per_block", "1", "--blocks", "O1", "--frames", "48", "--frame_size", "32", "--num_workers", "1"]


@pytest.mark.parametrize(
    ("base", "change", "expected"),
    [
        (VIDEOS, ["--seed", "7"], "already holds videos made with another --seed"),
        (VIDEOS, ["--gravity", "150"], "already holds videos made with --gravity 200"),
        (VIDEOS, ["--fps", "10"], "already holds videos made with --fps 15"),
        (PROBES, ["--seed", "7"], "already holds probes made with another --seed"),
        (PROBES, ["--gravity", "150"], "already holds probes made with --gravity 200"),
        (PROBES, ["--frame_size", "64"], "already holds probes made with --frame_size 32"),
        (PROBES, ["--frames", "50"], "already holds probes made with --frames 48"),
        (PROBES, ["--style", "{other_style}"], "already holds probes made with --style standard"),
        (VIDEOS, ["--kinds", "occlusion=3,gap=2"], "already holds videos made with --kinds the standard mix"),
        (
            [*VIDEOS, "--kinds", "occlusion=3,gap=2"],
            ["--kinds", "gap=1"],
            "already holds videos made with --kinds gap=0.4,occlusion=0.6",
        ),
    ],
)
def test_a_rerun_with_other_options_is_refused(
    tmp_path: Path, capsys, base: list[str], change: list[str], expected: str
) -> None:
    argv = [base[0], "--out", str(tmp_path), *base[1:]]
    assert main(argv) == 0
    before = _snapshot(tmp_path)
    capsys.readouterr()
    other_style = next(style for style in STYLES if style != "standard")
    assert main([*argv, *(a.format(other_style=other_style) for a in change)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"--out {tmp_path} {expected}" in error
    assert _snapshot(tmp_path) == before
    assert main(argv) == 0  # the same options still resume


def test_the_same_kinds_in_another_order_or_scale_resume(tmp_path: Path) -> None:
    argv = ["videos", "--out", str(tmp_path), *VIDEOS[1:]]
    assert main([*argv, "--kinds", "occlusion=3,gap=2"]) == 0
    assert main([*argv, "--videos", "3", "--kinds", "gap=4,occlusion=6"]) == 0
    assert len(listed_paths(tmp_path)) == 3


def test_ctrl_c_exits_130_with_one_line_and_no_temporary_files(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import physpred.world.generate as generate

    real = generate.make_video

    def interrupted_on_the_second(job: generate.VideoJob) -> dict:
        if job.index == 0:
            return real(job)
        for name in (f".{job.index:06d}.mp4.tmp", f".{job.index:06d}.tmp.mp4"):  # both namings
            (job.out / "videos" / name).write_bytes(b"half a video")
        raise KeyboardInterrupt

    monkeypatch.setattr(generate, "make_video", interrupted_on_the_second)
    argv = ["videos", "--out", str(tmp_path), *VIDEOS[1:]]
    try:
        status = main(argv)
    except KeyboardInterrupt:  # would end the whole pytest session
        pytest.fail("KeyboardInterrupt escaped `physpred world`")
    assert status == 130
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1] == (
        "physpred world: interrupted; finished files are kept, run the same command again to resume"
    )
    assert "Traceback" not in "\n".join(error)
    assert not list(tmp_path.rglob(".*.tmp*"))
    assert listed_paths(tmp_path) == ["videos/000000.mp4"]
    monkeypatch.setattr(generate, "make_video", real)
    assert main(argv) == 0
    assert len((tmp_path / "manifest.jsonl").read_text().splitlines()) == 2


def test_ctrl_c_during_probes_removes_the_unfinished_quadruplet(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import physpred.world.generate as generate

    real = generate.make_quadruplet

    def interrupted_on_the_second(job: generate.ProbeJob) -> str:
        if job.name.endswith("/01"):
            return real(job)
        (job.folder.parent / f".{job.folder.name}.tmp" / "1" / "scene").mkdir(parents=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(generate, "make_quadruplet", interrupted_on_the_second)
    argv = ["probes", "--out", str(tmp_path), *PROBES[1:], "--scenes_per_block", "2"]
    try:
        status = main(argv)
    except KeyboardInterrupt:  # would end the whole pytest session
        pytest.fail("KeyboardInterrupt escaped `physpred world`")
    assert status == 130
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("physpred world: interrupted;")
    assert sorted(p.name for p in (tmp_path / "O1").iterdir()) == ["01"]


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_real_sigint_stops_the_workers_and_cleans_up(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "physpred.cli", "world", "videos", "--out", str(tmp_path)]
    command += ["--videos", "2000", "--frames", "30", "--frame_size", "32", "--num_workers", "2"]
    # a runner started in the background by a shell without job control ignores SIGINT, and the
    # child would inherit that (Python keeps an ignored SIGINT): give it the default back
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )
    # wait for the first manifest rewrite (MANIFEST_EVERY_S after the start): videos on disk alone
    # do not mean the runner has received them yet, and a runner that received none writes none
    manifest, deadline = tmp_path / "manifest.jsonl", time.monotonic() + 90
    while not manifest.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("physpred world: interrupted;")
    assert "Traceback" not in stderr and not list(tmp_path.rglob(".*.tmp*"))
    listed = listed_paths(tmp_path)  # a video renamed into place just before Ctrl-C may be unlisted
    assert len(listed) < 2000 and all((tmp_path / path).is_file() for path in listed)


def test_old_spellings_still_work_with_a_note(tmp_path: Path, capsys) -> None:
    argv = ["probes", "--out", str(tmp_path), "--scenes", "1", "--blocks", "O1"]
    assert main([*argv, "--frames", "48", "--size=32", "--workers", "1"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "note:" in line]
    assert notes == [
        f"physpred world probes: note: {old} is now {new}; the old spelling goes in the next release"
        for old, new in [("--scenes", "--scenes_per_block"), ("--size", "--frame_size"), ("--workers", "--num_workers")]
    ]
    header = json.loads(next(tmp_path.rglob("status.json")).read_text())["header"]
    assert header["size"] == 32


def test_a_run_saved_as_yaml_replays_the_same(tmp_path: Path, capsys) -> None:
    argv = ["videos", "--out", str(tmp_path / "a"), *VIDEOS[1:], "--kinds", "fall=1"]
    assert main([*argv, "--print_config"]) == 0
    config = tmp_path / "videos.yaml"
    config.write_text(capsys.readouterr().out)
    assert "frame_size: 32" in config.read_text() and "kinds: fall=1" in config.read_text()
    assert main(argv) == 0
    assert main(["videos", "-c", str(config), "--out", str(tmp_path / "b")]) == 0
    assert (tmp_path / "a" / "manifest.jsonl").read_text() == (tmp_path / "b" / "manifest.jsonl").read_text()


def test_a_config_with_an_unknown_key_is_one_line(tmp_path: Path, capsys) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("videos: 2\nsize_typo: 3\n")
    assert main(["videos", "-c", str(config), "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "size_typo" in error, error
