"""What of an expected thing the screens and the frame leave in view: pure functions on slot features.

The dynamics imagines a thing whole (where it is, how big); perception sees only its visible
pixels. A thing half out from behind a screen shows a narrower part of itself whose centre is
shifted away from the screen, and so does a thing going out of the frame; comparing the whole
imagined thing with it prices a lawful emergence or exit as if the thing had shrunk and jumped
(docs/research.md, 2026-12-04, sixth). These functions turn the imagined whole into the part
the seen screens and the frame leave in view, as perception would measure it.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

from physpred.models.slots.features import (
    EXTENT,
    HALF_WIDTH_PER_SPREAD,
    POSITION,
    centre_and_spread,
)


def box_weights(features: Tensor, height: int, width: int, margin: int = 0) -> Tensor:
    """How much of each pixel the box of a slot's centre and spread covers.

    Args:
        features: (..., F) slot features (``x``, ``y``, ``spread_x``, ``spread_y`` read).
        height, width: the frame's pixels.
        margin: pixels drawn beyond the frame on each side.

    Returns:
        (..., H + 2 margin, W + 2 margin) in [0, 1]: the area of each pixel inside the box
        ``centre +- sqrt(3) * spread`` (at least half a pixel each way), as a fraction of the pixel.
    """
    x, y, half_x, half_y = _box(features, height, width)
    return _cover_1d(y, half_y, height, margin)[..., :, None] * _cover_1d(x, half_x, width, margin)[..., None, :]


def _box(features: Tensor, height: int, width: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(..., F) -> the centre x, y and half sides of a slot's box (at least half a pixel), (...) each."""
    x, y = features[..., POSITION].unbind(-1)
    spread_x, spread_y = features[..., EXTENT][..., :2].unbind(-1)
    half_x = (HALF_WIDTH_PER_SPREAD * spread_x).clamp_min(0.5 / width)
    half_y = (HALF_WIDTH_PER_SPREAD * spread_y).clamp_min(0.5 / height)
    return x, y, half_x, half_y


def _cover_1d(centre: Tensor, half: Tensor, cells: int, margin: int) -> Tensor:
    """(...), (...) -> (..., cells + 2 margin): the part of each cell of side 1 / ``cells``, from
    ``-margin`` cells before 0 to ``margin`` after 1, inside ``centre +- half``."""
    edges = torch.arange(-margin, cells + margin + 1, device=centre.device, dtype=centre.dtype) / cells
    low = torch.maximum(edges[:-1], (centre - half)[..., None])
    high = torch.minimum(edges[1:], (centre + half)[..., None])
    return ((high - low) * cells).clamp(0, 1)


def visible_part(expected: Tensor, kind: Tensor, covered: Tensor) -> Tensor:
    """The expected things as perception would see them behind the seen screens and the frame's edges.

    Each object slot's box (:func:`box_weights`) is drawn whole, on a canvas reaching half a
    frame beyond each edge, and as far as it is in the frame and not covered; the centre moves
    by the shift of the box's centroid, the spreads and the size scale as the box's do. A box
    nothing covers, one covered whole (the thing is expected out of sight:
    presence prices that) and every other kind of slot are returned as they are; fill and colour
    always are.

    Args:
        expected: (B, T, K, F) expected slot features (feature 0 a presence logit).
        kind: (B, K) slot kinds (1 object).
        covered: (B, T, H, W) bool, pixels a screen covers in each scored frame.

    Returns:
        (B, T, K, F).
    """
    height, width = covered.shape[-2:]
    margin = max(height, width) // 2
    whole = box_weights(expected, height, width, margin)  # (B, T, K, H + 2 margin, W + 2 margin)
    in_view = F.pad(~covered, (margin,) * 4, value=False)
    seen = whole * in_view[:, :, None].to(whole.dtype)
    whole_moments, seen_moments = _moments(whole, height, width, margin), _moments(seen, height, width, margin)
    mass_whole, mass_seen = whole_moments[0], seen_moments[0]
    clipped = (kind == 1)[:, None, :] & (mass_seen < mass_whole - 1e-6) & (mass_seen > 1e-6)  # (B, T, K)
    out = expected.clone()
    x, y, spread_x, spread_y, size = (expected[..., i] for i in range(1, 6))
    out[..., 1] = torch.where(clipped, x + seen_moments[1] - whole_moments[1], x)
    out[..., 2] = torch.where(clipped, y + seen_moments[2] - whole_moments[2], y)
    out[..., 3] = torch.where(clipped, spread_x * _ratio(seen_moments[3], whole_moments[3]), spread_x)
    out[..., 4] = torch.where(clipped, spread_y * _ratio(seen_moments[4], whole_moments[4]), spread_y)
    out[..., 5] = torch.where(clipped, size * _ratio(mass_seen, mass_whole).sqrt(), size)
    return out


def pixels_in_frame(expected: Tensor, height: int, width: int) -> Tensor:
    """(..., F) slot features -> (...) pixels of the slot's box (:func:`box_weights`) inside a
    frame of ``height`` x ``width`` pixels."""
    x, y, half_x, half_y = _box(expected, height, width)
    inside_x = ((x + half_x).clamp(0, 1) - (x - half_x).clamp(0, 1)) * width
    inside_y = ((y + half_y).clamp(0, 1) - (y - half_y).clamp(0, 1)) * height
    return inside_x * inside_y


def _moments(weights: Tensor, height: int, width: int, margin: int) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """(..., H + 2 margin, W + 2 margin) -> mass, centre x, centre y, spread x, spread y (...)
    in fractions of the frame of H x W pixels."""
    ys = (torch.arange(-margin, height + margin, device=weights.device, dtype=weights.dtype) + 0.5) / height
    xs = (torch.arange(-margin, width + margin, device=weights.device, dtype=weights.dtype) + 0.5) / width
    mass = weights.sum(dim=(-2, -1))
    return mass, *centre_and_spread(weights.sum(dim=-2), weights.sum(dim=-1), mass, xs, ys)


def _ratio(part: Tensor, whole: Tensor) -> Tensor:
    """part / whole, 1 where the whole is 0."""
    return torch.where(whole > 1e-9, part / whole.clamp_min(1e-9), torch.ones_like(whole))
