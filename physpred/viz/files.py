"""Atomic file writing: a reader never sees half a file (see contracts: temp name + os.replace)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from matplotlib.figure import Figure


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix); move it into place on success.

    Missing folders are created; on an error the temporary file is removed. The writer creates
    the file itself, so it gets the usual permissions (mkstemp's would be owner-only).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def save_figure(figure: Figure, path: str | os.PathLike[str], dpi: int = 100) -> Path:
    """Save a figure atomically; the format follows the suffix (``.png``, ``.pdf``, ``.svg``).

    Args:
        figure: the figure.
        path: destination.
        dpi: resolution of raster formats.

    Returns:
        the path written.
    """
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=dpi, format=path.suffix.lstrip(".").lower() or "png")
    return path
