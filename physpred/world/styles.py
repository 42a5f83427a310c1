"""Probe looks the training world never shows, to test whether a model learned more than our look.

A style is a pixel-wise map applied to finished frames. The maps are bijections on RGB, so the
frames two movies share stay shared and the splice structure (pairs, violation frames) survives.
"""

from __future__ import annotations

import numpy as np

STYLES = ("standard", "negative", "swapped")
"""``standard``: as rendered (the training look); ``negative``: 255 - colour (dark skies, which
the training world never draws); ``swapped``: the negative with red and blue exchanged (other
hues as well as dark skies)."""


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
    raise ValueError(f"--style: unknown style {style!r}; known styles: {','.join(STYLES)}")
