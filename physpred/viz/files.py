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


def save_small_png(figure: Figure, path: str | os.PathLike[str], dpi: int = 90, colours: int = 128) -> Path:
    """Render at ``dpi`` and save as a palette PNG of ``colours`` colours, atomically (figures
    committed to the docs stay a few tens of kB).

    Returns:
        the path written.
    """
    from PIL import Image

    from physpred.viz.frames import figure_to_array

    path = Path(path)
    figure.set_dpi(dpi)
    image = Image.fromarray(figure_to_array(figure)).quantize(colours, method=Image.Quantize.MEDIANCUT)
    with atomic_path(path) as temporary:
        image.save(temporary, format="PNG", optimize=True)
    return path
