"""Things that touch, told apart by colour: a foreground component cut in two by its colours.

Background subtraction finds a ball resting on a slab as one component: the tracker gives the
pair one slot, and when the slab slides away the ball "appears" in the open in a new slot (G1,
read slot by slot on the dev probes: the ball of every "falls" and "floats" movie shares the
slab's slot until the slab leaves). Where two things meet, the pixels are blends
(anti-aliasing, a picture read at a smaller size), so a chain of small colour steps crosses from
one to the other and no neighbour-to-neighbour tolerance parts them; and a small ball at 64 x 64
has no flat pixel at all. So each component's pixels are clustered in two (2-means, seeded from
its two most different) by hue and saturation as light leaves them (each channel's share of the
colour's distance from white, which a highlight only scales), leaving out the component's
outline (blends with what is behind it, which then go with the inner pixels around them), and
the cut stands only where it looks like two things: two clusters of at least ``min_area``
pixels, each with a pixel whose 3 x 3 neighbourhood is all its own (a ring of edge blends has
none), mean colours more than ``separation`` apart, and neither the other's mixed with white (a
highlight on one thing). Pure functions of tensors; nothing learned.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from physpred.models.slots.scenery import solid_labels

ROUNDS = 8
"""2-means iterations: a component's two clusters settle in a few."""


def colour_parts(components: Tensor, images: Tensor, separation: float, min_area: int, connected: bool = False) -> tuple[Tensor, int]:
    """Foreground components, each cut in two by colour where it holds two things.

    Args:
        components: (N, H, W) int64 connected components 1..C of a foreground, 0 background.
        images: (N, 3, H, W) colours in [0, 255].
        separation: the smallest difference (largest channel, a fraction of 255) between the two
            clusters' mean colours, and the largest between a highlight's colour and its
            surface's mixed with white.
        min_area: the smallest cluster that is a thing.
        connected: each of a cut component's two parts keeps its largest 8-connected piece, its
            other pieces are dropped (:func:`largest_pieces`): a cluster is of colours, not
            places, and the blended edge of a slab under a ball falls with the ball's.

    Returns:
        (N, H, W) int64 parts 1..U across all N images (0: background), and U + 1, as a
        connected-component labelling returns them.
    """
    count = int(components.max()) + 1
    found = components > 0
    # pixels along a component's outline are blends with what is behind: the clusters are of the rest
    inner = found & (F.max_pool2d((~found)[:, None].float(), 3, 1, padding=1)[:, 0] == 0)
    if not bool(inner.any()):
        return components, count
    where = found.flatten().nonzero()[:, 0]
    owner = components.flatten()[where]  # (P,) each foreground pixel's component
    colour = images.permute(0, 2, 3, 1).reshape(-1, 3)[where].float()  # (P, 3)
    # clustered by hue and saturation as light leaves them (the share of each channel in the
    # colour's distance from white, which a highlight only scales), so a thing and its highlight
    # fall together and what splits is two things
    to_white = 255.0 - colour
    hue = 255.0 * to_white / to_white.sum(dim=1, keepdim=True).clamp_min(1.0)
    clustered = inner.flatten()[where]
    first, second = _two_means(owner[clustered], hue[clustered], count)
    nearer = (hue - second[owner]).abs().amax(dim=1) < (hue - first[owner]).abs().amax(dim=1)
    # a pixel of the outline goes with the clusters of the inner pixels around it, when they agree
    side_image = torch.zeros_like(found).flatten().index_put_((where,), nearer).view_as(found)
    around_first, around_second = (
        (F.max_pool2d((inner & (side_image == value))[:, None].float(), 3, 1, padding=1)[:, 0] > 0).flatten()[where]
        for value in (False, True)
    )
    side = torch.where(around_first ^ around_second, around_second, nearer)
    halves = torch.zeros_like(components).flatten().index_put_((where,), owner * 2 + side.long()).view_as(components)
    area = torch.bincount(halves.flatten(), minlength=2 * count).view(count, 2)
    area[0] = 0
    centre = colour.new_zeros(2 * count, 3).index_add_(0, owner * 2 + side.long(), colour).view(count, 2, 3)
    centre = centre / area.clamp_min(1)[..., None]
    close = separation * 255
    cut = (
        (area >= min_area).all(dim=1)
        & solid_labels(torch.where(components > 0, halves + 1, 0), 2 * count + 1)[1:].view(count, 2).all(dim=1)
        & ((centre[:, 0] - centre[:, 1]).abs().amax(dim=1) > close)
        & ~_tinted(centre[:, 0], centre[:, 1], close)
    )
    if connected and bool(cut.any()):
        halves = largest_pieces(halves, cut.nonzero()[:, 0])
    part = torch.where((components > 0) & (halves >= 0), torch.where(cut[components], halves, components * 2) + 1, 0)
    _, part = torch.unique(part, return_inverse=True)
    return part, int(part.max()) + 1


def largest_pieces(halves: Tensor, cut: Tensor) -> Tensor:
    """Each half of the ``cut`` components reduced to its largest 8-connected piece, its other
    pieces dropped.

    Args:
        halves: (N, H, W) int64, ``2 c + side`` for the pixels of component c (side 0 or 1).
        cut: (M,) the components c cut in two (each lies in one image).

    Returns:
        (N, H, W) int64 halves, -1 where a piece is dropped.
    """
    image_of = torch.zeros(int(halves.max()) // 2 + 1, dtype=torch.long)
    image_of[halves.flatten(1).cpu() // 2] = torch.arange(len(halves))[:, None].expand(-1, halves[0].numel())
    kept = halves.clone()
    for component in cut.tolist():
        index = int(image_of[component])
        image = halves[index].cpu().numpy()
        for side in (0, 1):
            count, pieces, stats, _ = cv2.connectedComponentsWithStats((image == 2 * component + side).astype(np.uint8), connectivity=8)
            if count <= 2:  # one piece (label 0 is the rest)
                continue
            largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
            strays = torch.from_numpy((pieces > 0) & (pieces != largest)).to(halves.device)
            kept[index][strays] = -1
    return kept


def _two_means(owner: Tensor, colour: Tensor, count: int) -> tuple[Tensor, Tensor]:
    """(P,) component of each pixel, (P, 3) its colour -> the (C, 3) centres of two colour
    clusters of each component's pixels (the largest channel difference), seeded from its pixel
    farthest from its mean and the pixel farthest from that one."""

    def farthest(from_: Tensor) -> Tensor:
        """(C, 3) a colour per component -> (C, 3) the colour of its pixel farthest from it."""
        distance = (colour - from_[owner]).abs().amax(dim=1)
        largest = distance.new_full((count,), -1.0).scatter_reduce(0, owner, distance, "amax")
        index = torch.arange(len(owner), device=owner.device)
        pick = torch.zeros(count, dtype=torch.long, device=owner.device).scatter_reduce(
            0, owner[distance == largest[owner]], index[distance == largest[owner]], "amax", include_self=False
        )
        return colour[pick]

    mean = colour.new_zeros(count, 3).index_add_(0, owner, colour) / torch.bincount(owner, minlength=count).clamp_min(1)[:, None]
    second = farthest(mean)
    first = farthest(second)
    for _ in range(ROUNDS):
        side = (colour - second[owner]).abs().amax(dim=1) < (colour - first[owner]).abs().amax(dim=1)
        centres = colour.new_zeros(2 * count, 3).index_add_(0, owner * 2 + side.long(), colour)
        sizes = torch.bincount(owner * 2 + side.long(), minlength=2 * count).clamp_min(1)[:, None]
        first, second = (centres / sizes).view(count, 2, 3).unbind(dim=1)
    return first, second


def _tinted(one: Tensor, other: Tensor, close: float) -> Tensor:
    """(C, 3), (C, 3) colours -> (C,) bool: the lighter is the darker mixed with white, to within
    ``close`` on every channel (a highlight moves a surface's colour towards white)."""
    other_lighter = (other.sum(dim=1) > one.sum(dim=1))[:, None]
    light, dark = torch.where(other_lighter, other, one), torch.where(other_lighter, one, other)
    to_white = 255.0 - dark
    mix = ((light - dark) * to_white).sum(dim=1) / (to_white**2).sum(dim=1).clamp_min(1.0)  # least squares
    return ((light - dark - mix[:, None] * to_white).abs().amax(dim=1) <= close) & (mix >= 0) & (mix < 1)
