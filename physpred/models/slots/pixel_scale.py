"""A perception's options in pixels carried to another frame size than the one they were set at.

An object model's slots are fractions of the frame, so a model trained at 64 x 64 reads frames at
any size (``physpred probe --frame_size``). What does not carry over by itself is a perception's
options counted in pixels: a 9-pixel floor at 64 x 64 is a 36-pixel one at 128 x 128. A
perception names them in three class attributes — ``PIXEL_AREAS`` (scaled by the square of the
factor), ``PIXEL_LENGTHS`` (by the factor) and ``ODD_PIXEL_LENGTHS`` (by the factor, then the odd
number at or above: box and kernel sides) — and :func:`read_at_scale` rescales every part of a
perception that names some, its nested parts included. Zero and None (off) stay as they are.
"""

from __future__ import annotations

from torch import nn


def scaled_area(pixels: float, factor: float) -> int:
    """An area of ``pixels`` at a frame ``factor`` times as wide: at least 1."""
    return max(1, round(pixels * factor**2))


def scaled_length(pixels: float, factor: float) -> float:
    """A length (or a count of one-pixel steps) of ``pixels`` at a frame ``factor`` times as
    wide: a whole number when given one, at least 1."""
    scaled = pixels * factor
    return max(1, round(scaled)) if isinstance(pixels, int) else scaled


def scaled_odd_length(pixels: int, factor: float) -> int:
    """The side of a centred box or kernel (odd, at least 3) of ``pixels`` at a frame ``factor``
    times as wide."""
    side = max(3, round(pixels * factor))
    return side if side % 2 else side + 1


RULES = (("PIXEL_AREAS", scaled_area), ("PIXEL_LENGTHS", scaled_length), ("ODD_PIXEL_LENGTHS", scaled_odd_length))


def read_at_scale(perception: nn.Module, factor: float) -> nn.Module:
    """``perception``, changed in place, with every option it names in pixels set for frames
    ``factor`` times as wide as those it was set for (e.g. 2.0: trained at 64, read at 128).

    Raises:
        ValueError: ``factor`` is not positive.
    """
    if factor <= 0:
        raise ValueError(f"the frame scale must be positive, got {factor}")
    for part in perception.modules():
        for names, rule in RULES:
            for name in getattr(type(part), names, ()):
                value = getattr(part, name)
                if value:  # 0 and None: the option is off at any size
                    setattr(part, name, rule(value, factor))
    return perception


def scales_pixels(perception: nn.Module) -> bool:
    """Whether any part of ``perception`` has options in pixels (:func:`read_at_scale` changes it)."""
    return any(getattr(type(part), names, ()) for part in perception.modules() for names, _ in RULES)
