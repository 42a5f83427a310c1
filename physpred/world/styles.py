"""Probe looks the training world never shows, to test whether a model learned more than our look.

A style is a pixel-wise map applied to finished frames, so the frames two movies share stay
shared and the splice structure (pairs, violation frames) survives. ``negative`` and ``swapped``
are bijections on RGB; ``grey`` is not, but objects still stand out, since the world draws every
object at least :data:`physpred.world.look.MIN_LUMA_CONTRAST` grey levels from the sky.
"""

from __future__ import annotations

import numpy as np

from physpred.world.look import LUMA

STYLES = ("standard", "negative", "swapped", "grey")
"""``standard``: as rendered (the training look); ``negative``: 255 - colour (dark skies, which
the training world never draws); ``swapped``: the negative with red and blue exchanged (other
hues as well as dark skies); ``grey``: BT.601 luma in all three channels (no hue at all: a look
that colour augmentation by channel order, inversion and jitter never shows)."""


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
    raise ValueError(f"--style: unknown style {style!r}; known styles: {','.join(STYLES)}")
