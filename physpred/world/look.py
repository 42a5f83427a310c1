"""Domain randomisation: colours, gradients, camera and noise."""

from __future__ import annotations

import colorsys

import numpy as np

from physpred.world.scenes import RGB, Look

MIN_CONTRAST = 90.0
"""Least RGB distance between an object and the screen it passes behind."""


def hsv_colour(
    rng: np.random.Generator, saturation: tuple[float, float], value: tuple[float, float]
) -> RGB:
    """A colour of random hue with saturation and value drawn from the given ranges."""
    r, g, b = colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(*saturation), rng.uniform(*value))
    return (int(round(r * 255)), int(round(g * 255)), int(round(b * 255)))


def _nearby(rng: np.random.Generator, colour: RGB, spread: int) -> RGB:
    shifted = np.clip(np.array(colour) + rng.integers(-spread, spread + 1, 3), 0, 255)
    return (int(shifted[0]), int(shifted[1]), int(shifted[2]))


def object_colour(rng: np.random.Generator, avoid: RGB | None = None) -> RGB:
    """Saturated, bright: objects stand out from the muted background, and from ``avoid``
    (the screen that hides them) by at least ``MIN_CONTRAST``."""
    while True:
        colour = hsv_colour(rng, (0.55, 1.0), (0.55, 1.0))
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
        zoom=float(rng.uniform(0.88, 1.12)),
        offset=(float(rng.uniform(-6, 6)), float(rng.uniform(-5, 5))),
        noise=int(rng.integers(0, 5)),
        noise_seed=int(rng.integers(2**31)),
        shading=float(rng.uniform(0.0, 0.35)),
    )
