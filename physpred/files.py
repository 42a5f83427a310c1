"""The one atomic writer: a reader never sees half a file or half a folder under its final name.

World files, checkpoints, reports and figures all go through :func:`atomic_path`: the writer
fills a hidden sibling, which is renamed onto the final name only when writing succeeded and
removed on any error (Ctrl-C included).
"""

from __future__ import annotations

import os
import shutil
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
