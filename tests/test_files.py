"""``atomic_path``: the one atomic writer of files and folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from physpred.files import atomic_path


def test_a_file_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "scores.csv"
    with atomic_path(path) as temporary:
        assert temporary.parent == path.parent and temporary.suffix == ".csv" and temporary.name.startswith(".")
        temporary.write_text("first")
        assert not path.exists()
    assert path.read_text() == "first"
    for interruption in (OSError("disk full"), KeyboardInterrupt()):
        with pytest.raises(type(interruption)), atomic_path(path) as temporary:
            temporary.write_text("half")
            raise interruption
        assert path.read_text() == "first"  # the old file is untouched
    assert sorted(p.name for p in path.parent.iterdir()) == ["scores.csv"]


def test_a_folder_is_published_whole_and_leftovers_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / "O1" / "01"
    with pytest.raises(RuntimeError), atomic_path(path) as temporary:
        temporary.mkdir()
        (temporary / "1").mkdir()
        raise RuntimeError("killed")
    assert not path.exists() and list(path.parent.iterdir()) == []
    (path.parent / ".01.tmp").mkdir()  # what a killed run leaves
    with atomic_path(path) as temporary:
        temporary.mkdir()
        (temporary / "status.json").write_text("{}")
    assert [p.name for p in path.parent.iterdir()] == ["01"] and (path / "status.json").is_file()
