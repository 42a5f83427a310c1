"""`physpred world`: a small run works; user errors print one line and exit with status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from physpred.world.cli import main


def test_videos_command_writes_a_manifest(tmp_path: Path) -> None:
    argv = [
        "videos",
        "--out",
        str(tmp_path),
        "--videos",
        "2",
        "--frames",
        "6",
        "--size",
        "32",
        "--workers",
        "1",
    ]
    assert main(argv) == 0
    assert len((tmp_path / "manifest.jsonl").read_text().splitlines()) == 2


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["videos", "--out", "{tmp}", "--videos", "-3"], "--videos"),
        (["videos", "--out", "{tmp}", "--videos", "0"], "--videos"),
        (["videos", "--out", "{tmp}", "--videos", "2", "--workers", "0"], "--workers"),
        (["probes", "--out", "{tmp}", "--scenes", "-1"], "--scenes"),
        (["probes", "--out", "{tmp}", "--scenes", "1", "--blocks", "O1,X9"], "X9"),
        (["videos", "--out", "{tmp}/file/sub", "--videos", "1"], "--out"),
        (["probes", "--out", "{tmp}/file", "--scenes", "1"], "--out"),
        (["videos", "--out", "{tmp}", "--videos", "many"], "--videos"),
        (["videos", "--out", "{tmp}", "--videos", "1", "--size", "33"], "--size"),
        (["probes", "--out", "{tmp}", "--scenes", "1", "--frames", "20"], "--frames"),
    ],
)
def test_user_errors_name_the_option(tmp_path: Path, capsys, argv: list[str], option: str) -> None:
    (tmp_path / "file").write_text("not a folder")
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1, error
    assert option in error and "Traceback" not in error


def test_unknown_block_lists_the_known_ones(tmp_path: Path, capsys) -> None:
    main(["probes", "--out", str(tmp_path), "--scenes", "1", "--blocks", "Q7"])
    assert "O1,O2,O3,G1,S1,I1" in capsys.readouterr().err
