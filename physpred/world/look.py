"""Domain randomisation: colours, gradients, camera and noise."""

from __future__ import annotations

import colorsys

import numpy as np

from physpred.world.scenes import RGB, Look

MIN_CONTRAST = 90.0
"""Least RGB distance between an object and the screen it passes behind."""
MIN_LUMA_CONTRAST = 35.0
"""Least difference in grey level (BT.601 luma, 0-255) between an object and the sky, so that
objects also stand out in greyscale (the longest-prefix pair rule compares grey thumbnails)."""
LUMA = np.array([0.299, 0.587, 0.114])


def hsv_colour(
    rng: np.random.Generator, saturation: tuple[float, float], value: tuple[float, float]
) -> RGB:
    """A colour of random hue with saturation and value drawn from the given ranges."""
    r, g, b = colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(*saturation), rng.uniform(*value))
    return (int(round(r * 255)), int(round(g * 255)), int(round(b * 255)))


def _nearby(rng: np.random.Generator, colour: RGB, spread: int) -> RGB:
    shifted = np.clip(np.array(colour) + rng.integers(-spread, spread + 1, 3), 0, 255)
    return (int(shifted[0]), int(shifted[1]), int(shifted[2]))


def stands_out(colour: RGB, look: Look) -> bool:
    """Whether ``colour`` differs in grey level from both sky colours of ``look`` by at least
    :data:`MIN_LUMA_CONTRAST`."""
    luma = LUMA @ np.array(colour, float)
    return all(abs(luma - LUMA @ np.array(sky, float)) >= MIN_LUMA_CONTRAST for sky in look.sky)


def object_colour(rng: np.random.Generator, look: Look, avoid: RGB | None = None) -> RGB:
    """Saturated, bright: objects stand out from the muted sky of ``look`` (also in greyscale,
    see :func:`stands_out`), and from ``avoid`` (the screen that hides them) by at least
    ``MIN_CONTRAST``."""
    while True:
        colour = hsv_colour(rng, (0.55, 1.0), (0.55, 1.0))
        if not stands_out(colour, look):
            continue
        if avoid is None or np.linalg.norm(np.subtract(colour, avoid)) >= MIN_CONTRAST:
            return colour


def screen_colour(rng: np.random.Generator) -> RGB:
    """Occluders: any hue, moderately saturated."""
    return hsv_colour(rng, (0.05, 0.6), (0.3, 0.85))


def wall_colour(rng: np.random.Generator) -> RGB:
    """Walls are dark and greyish, so they read as solid and differ from screens."""
    return hsv_colour(rng, (0.0, 0.3), (0.15, 0.45))


def slab_colour(rng: np.random.Generator) -> RGB:
    """Supports, steps and ramps."""
    return hsv_colour(rng, (0.2, 0.6), (0.3, 0.7))


def sample_look(rng: np.random.Generator) -> Look:
    """Background and ground gradients, tilt, zoom, offset and noise level."""
    sky_top = hsv_colour(rng, (0.0, 0.35), (0.45, 0.95))
    ground_top = hsv_colour(rng, (0.0, 0.4), (0.25, 0.7))
    return Look(
        sky=(sky_top, _nearby(rng, sky_top, 40)),
        ground=(ground_top, _nearby(rng, ground_top, 40)),
        tilt=float(rng.uniform(-0.15, 0.15)),
        zoom=float(rng.uniform(0.92, 1.08)),
        offset=(float(rng.uniform(-6, 6)), float(rng.uniform(-5, 5))),
        noise=int(rng.integers(0, 5)),
        noise_seed=int(rng.integers(2**31)),
        shading=float(rng.uniform(0.0, 0.35)),
    )
