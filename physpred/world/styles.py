"""Probe looks the training world never shows, to test whether a model learned more than our look.

A style is a pixel-wise map applied to finished frames, so the frames two movies share stay
shared and the splice structure (pairs, violation frames) survives. ``negative`` and ``swapped``
are bijections on RGB; ``grey`` is not, but objects still stand out, since the world draws every
object at least :data:`physpred.world.look.MIN_LUMA_CONTRAST` grey levels from the sky.
``dappled`` is the same map on every frame, but one that varies over the image.
"""

from __future__ import annotations

import cv2
import numpy as np

from physpred.world.look import LUMA

STYLES = ("standard", "negative", "swapped", "grey", "dappled")
"""``standard``: as rendered (the training look); ``negative``: 255 - colour (dark skies, which
the training world never draws); ``swapped``: the negative with red and blue exchanged (other
hues as well as dark skies); ``grey``: BT.601 luma in all three channels (no hue at all: a look
that colour augmentation by channel order, inversion and jitter never shows); ``dappled``: a
fixed pattern of light and shade over the whole picture, as under leaves, that objects move
through (light that varies over the image: neither the world nor any global colour map, so no
colour augmentation, draws it)."""

DAPPLE_RANGE = (0.55, 1.25)
"""Least and greatest brightness factor of the ``dappled`` pattern."""
DAPPLE_CELLS = 6
"""Blobs of light and shade across the picture's width and height."""


def dapple_pattern(height: int, width: int) -> np.ndarray:
    """Brightness factors (H, W) float32 in :data:`DAPPLE_RANGE`: smooth blobs, the same for every
    frame and every movie (a fixed seed), so frames that movies share stay shared."""
    cells = np.random.default_rng(0).uniform(size=(DAPPLE_CELLS + 1, DAPPLE_CELLS + 1))
    smooth = cv2.resize(cells.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    smooth = (smooth - smooth.min()) / max(float(np.ptp(smooth)), 1e-6)
    low, high = DAPPLE_RANGE
    return low + (high - low) * smooth


def restyle(frames: np.ndarray, style: str) -> np.ndarray:
    """Frames (T, H, W, 3) uint8 in the given style (one of :data:`STYLES`).

    Raises:
        ValueError: an unknown style.
    """
    if style == "standard":
        return frames
    if style == "negative":
        return 255 - frames
    if style == "swapped":
        return np.ascontiguousarray((255 - frames)[..., ::-1])
    if style == "grey":
        luma = np.rint(frames @ LUMA).clip(0, 255).astype(np.uint8)
        return np.repeat(luma[..., None], 3, axis=-1)
    if style == "dappled":
        light = dapple_pattern(*frames.shape[1:3])[None, :, :, None]
        return np.rint(frames * light).clip(0, 255).astype(np.uint8)
    raise ValueError(f"--style: unknown style {style!r}; known styles: {','.join(STYLES)}")
