"""``atomic_path``: the one atomic writer of files and folders."""

from __future__ import annotations

from contextlib import ExitStack
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


def test_one_writer_per_folder_but_shards_share_it(tmp_path: Path) -> None:
    from physpred.files import LOCK_NAME, FolderBusyError, output_lock

    out = tmp_path / "out"
    with output_lock(out, "probe"):
        busy = f"{out} is in use by physpred probe \\(pid "
        with pytest.raises(FolderBusyError, match=busy), output_lock(out, "probe"):
            pass
        with pytest.raises(FolderBusyError, match=busy), output_lock(out, "probe --shard", shared=True):
            pass
    assert not out.exists()  # created by the lock, nothing written: removed
    out.mkdir()
    shards = ExitStack()
    with shards:
        for _ in range(2):  # two shards at once
            shards.enter_context(output_lock(out, "probe --shard", shared=True))
        with pytest.raises(FolderBusyError, match="in use by physpred probe --shard"), output_lock(out, "probe"):
            pass
    assert out.is_dir() and not (out / LOCK_NAME).exists()  # the last holder removed the file


def test_confined_refuses_names_that_leave_the_folder(tmp_path: Path) -> None:
    from physpred.files import UnsafeNameError, confined

    assert confined(tmp_path, "surprise_O1.png") == tmp_path / "surprise_O1.png"
    assert confined(tmp_path, "O1/01/3.npz") == tmp_path / "O1/01/3.npz"
    for name in ("../x.png", "/etc/x", "a/../../x", ""):
        with pytest.raises(UnsafeNameError, match="would write outside"):
            confined(tmp_path, name)
    (tmp_path / "link").symlink_to(tmp_path.parent)
    with pytest.raises(UnsafeNameError):
        confined(tmp_path, "link/x.png")
