"""The one atomic writer: a reader never sees half a file or half a folder under its final name.

World files, checkpoints, reports and figures all go through :func:`atomic_path`: the writer
fills a hidden sibling, which is renamed onto the final name only when writing succeeded and
removed on any error (Ctrl-C included).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temporary_sibling(path: Path) -> Path:
    """Hidden name beside ``path`` that keeps its suffix (writers that pick a format from it
    still can): ``out/.scores.tmp.csv``. Fixed, so a rerun overwrites what a killed run left."""
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary sibling of ``path`` to write a file or fill a folder at; move it into place on success.

    Missing parent folders are created. The writer creates the file itself (so it gets the
    usual permissions), or the folder (``temporary.mkdir()``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_sibling(path)
    if temporary.is_dir():  # left by a run killed while filling it
        shutil.rmtree(temporary)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.is_dir():
            shutil.rmtree(temporary)
        else:
            temporary.unlink(missing_ok=True)


class UnsafeNameError(ValueError):
    """A name read from the data (a CSV cell, a folder, a status.json) that would write outside
    the output folder; the message names the name and the folder."""


def confined(folder: str | os.PathLike[str], name: str, source: str = "") -> Path:
    """``folder / name``, refused unless it stays inside ``folder``.

    Names come from files a user may not have written (a probe CSV with a block of
    ``x/../../evil``); one that is absolute, climbs out with ``..`` or leaves through a symlink
    is an error, never a path.

    Args:
        folder: the output folder.
        name: the file name to put in it, possibly with sub-folders.
        source: where the name was read, for the message (``"block of traverse.csv"``).

    Raises:
        UnsafeNameError: the path would leave ``folder``.
    """
    folder = Path(folder)
    path = folder / name
    inside = (
        bool(name)
        and not Path(name).is_absolute()
        and ".." not in Path(name).parts
        and "\0" not in name
        and path.resolve().is_relative_to(folder.resolve())
    )
    if not inside:
        where = f" ({source})" if source else ""
        raise UnsafeNameError(
            f"name {name!r}{where} would write outside {folder}; rename it to a plain name "
            "(no '/', '..' or absolute path)"
        )
    return path


LOCK_NAME = ".physpred.lock"
"""The lock file an output folder holds while a physpred command writes in it."""


class FolderBusyError(RuntimeError):
    """Another physpred command is writing in the same output folder."""


def _holder(handle: int, patience_s: float = 1.0) -> str:
    """The name the holder of a locked file wrote in it, "" when it wrote none in ``patience_s``.

    The holder writes its name just after it takes the lock, so a refused writer can read an
    empty file for a moment: it waits for the name rather than print an anonymous refusal.
    """
    deadline = time.monotonic() + patience_s
    while True:
        holder = os.pread(handle, 200, 0).decode(errors="replace").strip()
        if holder or time.monotonic() > deadline:
            return holder
        time.sleep(0.02)


@contextmanager
def output_lock(folder: str | os.PathLike[str], command: str, shared: bool = False) -> Iterator[Path]:
    """Hold ``folder`` for one writer: a second command that asks for it is refused at once.

    The lock is an advisory ``flock`` on ``folder/.physpred.lock``: the kernel drops it when the
    holder exits, even by ``kill -9``, so a crash leaves no stale lock (only the empty file).
    The holder removes the file before it lets go, and a writer that locked a file which is no
    longer at that path starts again, so two writers never hold two different files. A
    ``folder`` this call created is removed too when nothing else was written there: a command
    that failed early leaves nothing behind.

    Writers that may work side by side (shards of one run, each writing its own files) take
    it ``shared``: any number of them, but no exclusive writer, hold it together; the last one
    out removes the file.

    Args:
        folder: the output folder (created when missing).
        command: who holds it, for the other writer's message (``"world videos"``).
        shared: hold it together with other shared holders.

    Yields:
        the folder.

    Raises:
        FolderBusyError: another process holds the folder; the message names it and the holder.
    """
    import fcntl  # POSIX only: imported here so that the atomic writer stays portable

    folder = Path(folder)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            os.close(handle)
            raise FolderBusyError(
                f"{folder} is in use by {holder or 'another physpred command'}; wait for it to "
                "finish, or choose another output folder"
            ) from None
        # the file we locked may have been removed by a holder that just finished: lock anew
        if path.exists() and os.stat(path).st_ino == os.fstat(handle).st_ino:
            break
        os.close(handle)
    try:
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"physpred {command} (pid {os.getpid()})\n".encode(), 0)
        yield folder
    finally:
        try:  # a shared holder removes the file only when it is the last one
            if shared:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path.unlink(missing_ok=True)  # still locked: see above
            if created and not any(folder.iterdir()):
                folder.rmdir()
        except BlockingIOError:
            pass
        finally:
            os.close(handle)
