"""Static things without labels: screens and walls as uniform regions of a clip's background.

The world's backdrop (and IntPhys') is a few large surfaces that run from one side of the frame
to another — sky, floor, back wall — with smooth gradients across them; a screen or a wall is
a region of one colour with sharp edges, standing inside it. So: split the background image into
regions whose neighbouring pixels differ by at most ``tolerance`` (a gradient stays one region,
an edge splits), call a region that touches two or more sides of the frame backdrop, and keep the
largest of the others that are not thin (a line of blended pixels along an edge or the horizon
is no thing), each with the ring of blended pixels around it. Pure functions of tensors; no
weights, nothing learned.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

from physpred.models.slots.ranking import largest_first


def uniform_regions(image: Tensor, tolerance: float) -> Tensor:
    """Regions of pixels joined by neighbours (4-connected) whose colours differ by at most ``tolerance``.

    Args:
        image: (B, 3, H, W) float in [0, 255].
        tolerance: the largest channel difference between joined neighbours, a fraction of 255.

    Returns:
        (B, H, W) int64: each pixel's region, named by the smallest flat index (over the batch)
        of its pixels.
    """
    batch, _, height, width = image.shape
    close = tolerance * 255
    across = (image[..., :, 1:] - image[..., :, :-1]).abs().amax(dim=1) <= close  # (B, H, W - 1)
    down = (image[..., 1:, :] - image[..., :-1, :]).abs().amax(dim=1) <= close  # (B, H - 1, W)
    label = torch.arange(batch * height * width, device=image.device).view(batch, height, width)
    everything = slice(None)
    # (joined, one pixel, its neighbour): left-right pairs, then top-bottom pairs
    pairs = [
        (across, (..., everything, slice(None, -1)), (..., everything, slice(1, None))),
        (down, (..., slice(None, -1), everything), (..., slice(1, None), everything)),
    ]
    while True:  # each pass takes the smallest joined neighbour, then jumps along the chain of names
        new = label.clone()
        for joined, one, other in pairs:
            new[one] = torch.where(joined, torch.minimum(new[one], label[other]), new[one])
            new[other] = torch.where(joined, torch.minimum(new[other], label[one]), new[other])
        flat = new.flatten()
        new = flat[flat].view_as(new)
        if torch.equal(new, label):
            return label
        label = new


def static_regions(background: Tensor, count: int, tolerance: float, min_area: float) -> Tensor:
    """The ``count`` largest things standing in a background: not backdrop, not thin, not tiny.

    Args:
        background: (B, 3, H, W) float in [0, 255], each pixel's colour with nothing moving in front.
        count: N, regions kept per clip.
        tolerance: see :func:`uniform_regions`.
        min_area: the smallest region kept, a fraction of the frame's pixels.

    Returns:
        (B, H, W) int64: 1..N for the kept regions, largest first, each grown by one pixel
        (where two touch, the later takes the ring), 0 elsewhere.
    """
    batch, _, height, width = background.shape
    label = uniform_regions(background, tolerance)
    _, region = torch.unique(label, return_inverse=True)  # (B, H, W) 0..R-1, unique over the batch
    regions = int(region.max()) + 1
    area = torch.bincount(region.flatten(), minlength=regions)
    sides = torch.stack([region[:, 0], region[:, -1], region[:, :, 0], region[:, :, -1]])  # (4, B, L)
    touched = torch.stack([torch.bincount(side.flatten(), minlength=regions) > 0 for side in sides]).sum(dim=0)
    # a pixel whose 3 x 3 neighbourhood is all its own region: a thin line has none
    padded = F.pad(region[:, None].float(), [1, 1, 1, 1], mode="replicate")
    inside = (F.max_pool2d(padded, 3, 1) == F.max_pool2d(-padded, 3, 1).neg())[:, 0]  # max == min
    solid = torch.bincount(region[inside], minlength=regions) > 0
    kept = (touched < 2) & solid & (area >= min_area * height * width)
    clip_of_pixel = torch.arange(batch, device=background.device).repeat_interleave(height * width)
    owner = torch.zeros(regions, dtype=torch.long, device=background.device).scatter_(0, region.flatten(), clip_of_pixel)
    order, rank = largest_first(owner, area, kept, height * width)  # the rank in its clip is its slot
    lookup = torch.zeros(regions, dtype=torch.long, device=background.device)
    chosen = rank < count
    lookup[order[chosen]] = rank[chosen] + 1
    found = lookup[region]
    # one pixel more around each: the edge pixels blended from a thing and the backdrop, which
    # the world's masks give to the thing about half the time
    grown = F.max_pool2d(found[:, None].float(), 3, 1, padding=1)[:, 0].long()
    return torch.where(found > 0, found, grown)
