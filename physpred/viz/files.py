"""Figures saved atomically (through ``physpred.files.atomic_path``)."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

from physpred.files import atomic_path


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
