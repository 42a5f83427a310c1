"""Instance masks beside videos and probe movies: the files, and what each id is.

Training videos: ``<stem>.masks.npz`` beside ``<stem>.mp4`` (or the file a manifest entry's
``masks`` names), holding ``masks`` (T, H, W) uint8 and ``names``, the JSON text of
``{name: id}``. Probe movies: ``<movie>/masks/masks_001.png ...`` (8-bit, read by
:func:`physpred.data.readers.read_mask_folder`) with ``status.json`` ``header.masks`` =
``{name: id}``. Names say what a part is by their beginning (IntPhys' own names included).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from physpred.data.readers import VideoReadError
from physpred.types import KIND_BACKGROUND, KIND_OBJECT, KIND_SCREEN, KIND_WALL

KIND_PREFIXES = (
    ("object", KIND_OBJECT),
    ("screen", KIND_SCREEN),
    ("occluder", KIND_SCREEN),
    ("wall", KIND_WALL),
)
"""Name beginnings (case ignored) and the kind they mean; any other name (``floor``, ``sky``)
is background. ``walls`` and ``occluder_1`` are IntPhys' names."""


def kind_of(name: str) -> int:
    """The kind (:data:`physpred.types.KIND_OBJECT`, ...) a part's name means."""
    lower = name.lower()
    return next(
        (kind for prefix, kind in KIND_PREFIXES if lower.startswith(prefix)), KIND_BACKGROUND
    )


def kinds_from_names(names: Mapping[str, object], source: str | Path | None = None) -> Tensor:
    """What each mask id is, from the ids by name of a mask file or ``header.masks``.

    Args:
        names: ``{"object_1": 1, "screen_1": 2, ...}``.
        source: the file the names come from, for errors.

    Returns:
        (256,) uint8: ``kinds[id]`` the kind of id, 0 (background or unknown) where no name
        says otherwise.

    Raises:
        ValueError: an id that is not a whole number in 0..255, or one id given two kinds.
    """
    where = f"{source}: " if source is not None else ""
    kinds = torch.zeros(256, dtype=torch.uint8)
    for name, number in names.items():
        if (
            isinstance(number, bool)
            or not isinstance(number, (int, np.integer))
            or not 0 <= number <= 255
        ):
            raise ValueError(
                f"{where}mask id of {name!r} must be a whole number in 0..255, got {number!r}"
            )
        kind = kind_of(name)
        if kind == KIND_BACKGROUND:
            continue
        if kinds[number] not in (KIND_BACKGROUND, kind):
            raise ValueError(f"{where}mask id {number} names parts of two kinds (one is {name!r})")
        kinds[number] = kind
    return kinds


def default_mask_file(video: Path) -> Path:
    """Where a video's masks are when no manifest says: ``a/000001.mp4`` -> ``a/000001.masks.npz``."""
    return video.with_name(f"{video.stem}.masks.npz")


def read_mask_file(path: Path) -> tuple[np.ndarray, dict[str, int]]:
    """A training video's masks and ids by name.

    Returns:
        masks (T, H, W) uint8 and ``{name: id}``.

    Raises:
        VideoReadError: the file is missing or not a mask file of this layout (named).
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            masks, names = data["masks"], json.loads(str(data["names"]))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise VideoReadError(
            f"{path}: not a mask file (an npz with 'masks' and 'names'): {error}"
        ) from None
    if masks.dtype != np.uint8 or masks.ndim != 3 or not isinstance(names, dict):
        raise VideoReadError(
            f"{path}: 'masks' must be (T, H, W) uint8 and 'names' a JSON object, got "
            f"{masks.dtype} {masks.shape} and {type(names).__name__}"
        )
    return masks, names
