"""Static things without labels: screens and walls as uniform regions of a clip's background.

The world's backdrop (and IntPhys') is a few large surfaces that run from one side of the frame
to another — sky, floor, back wall — with smooth gradients across them; a screen or a wall is
a region of one colour with sharp edges, standing inside it. So: split the background image into
regions whose neighbouring pixels differ by at most ``tolerance`` (a gradient stays one region,
an edge splits), call a region that touches two or more sides of the frame backdrop, and keep the
largest of the others that are not thin (a line of blended pixels along an edge or the horizon
is no thing), each with the ring of blended pixels around it. A screen the colour of the floor
it stands on (or joined through its blended foot to the horizon's line) falls into the floor's
region: backdrop spans the frame's width in the rows it fills, so the part of a backdrop region
above the first row in which it spans half the width is split off, as things of their own. Pure functions of
tensors; no weights, nothing learned.
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
    return _joined_regions(torch.arange(batch * height * width, device=image.device).view(batch, height, width), across, down)


def _joined_regions(label: Tensor, across: Tensor, down: Tensor) -> Tensor:
    """Every pixel named by the smallest starting name among the pixels joined to it.

    Args:
        label: (B, H, W) int64 starting names, distinct where they are to stay apart.
        across: (B, H, W - 1) bool, pixel joined to its right neighbour; down: (B, H - 1, W), to
            the one below.
    """
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


def static_regions(
    background: Tensor, count: int, tolerance: float, min_area: float, joined: bool = False, min_region: int = 1
) -> Tensor:
    """The ``count`` largest things standing in a background: not backdrop, not thin, not tiny.

    Args:
        background: (B, 3, H, W) float in [0, 255], each pixel's colour with nothing moving in front.
        count: N, regions kept per clip.
        tolerance: see :func:`uniform_regions`.
        min_area: the smallest region kept, a fraction of the frame's pixels.
        joined: touching regions that touch no side of the frame make one thing
            (:func:`join_things`): a shaded ball or a box with a lighter face is many uniform
            regions, each too small.
        min_region: a uniform region of fewer pixels first joins its neighbouring region nearest
            in colour (:func:`absorb_small`): the highlight and the ring of blended pixels of a
            small shaded ball, which leave its body too thin to be kept; 1: none.

    Returns:
        (B, H, W) int64: 1..N for the kept regions, largest first, each grown by one pixel
        (where two touch, the later takes the ring), 0 elsewhere.
    """
    batch, _, height, width = background.shape
    region, regions = _numbered(split_standing(uniform_regions(background, tolerance)))
    if min_region > 1:
        region, regions = _numbered(absorb_small(region, background, min_region))
    if joined:
        region, regions = _numbered(join_things(region, regions))
    area = torch.bincount(region.flatten(), minlength=regions)
    touched = _sides_touched(region, regions)
    kept = (touched < 2) & solid_labels(region, regions) & (area >= min_area * height * width)
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


def solid_labels(label: Tensor, count: int) -> Tensor:
    """(B, H, W) labels 0..count-1 -> (count,) bool: the labels with a pixel whose 3 x 3
    neighbourhood (inside the frame) is all its own; a thin line has none."""
    padded = F.pad(label[:, None].double(), [1, 1, 1, 1], mode="replicate")
    inside = (F.max_pool2d(padded, 3, 1) == F.max_pool2d(-padded, 3, 1).neg())[:, 0]  # max == min
    return torch.bincount(label[inside], minlength=count) > 0


def absorb_small(region: Tensor, image: Tensor, min_area: int) -> Tensor:
    """Each region of fewer than ``min_area`` pixels renamed as the neighbouring region (of its 8
    neighbours' pixels) of at least ``min_area`` pixels nearest in mean colour (the largest channel
    difference); one with no such neighbour keeps its name.

    Args:
        region: (B, H, W) int64 regions 0..R-1; image: (B, 3, H, W) float colours.

    Returns:
        (B, H, W) the regions renamed (names no longer consecutive).
    """
    count = int(region.max()) + 1
    area = torch.bincount(region.flatten(), minlength=count)
    small = area < min_area
    colours = image.permute(0, 2, 3, 1).reshape(-1, 3)
    mean = colours.new_zeros(count, 3).index_add_(0, region.flatten(), colours) / area.clamp_min(1)[:, None]
    height, width = region.shape[1:]
    ones, others = [], []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):  # each pair of 8-neighbours once
        ones.append(region[:, : height - dy, max(0, -dx) : width - max(0, dx)].flatten())
        others.append(region[:, dy:, max(0, dx) : width + min(0, dx)].flatten())
    a, b = torch.cat(ones + others), torch.cat(others + ones)
    keep = small[a] & ~small[b]
    a, b = a[keep], b[keep]
    cost = (mean[a] - mean[b]).abs().amax(dim=1)
    best = torch.full((count,), torch.inf, dtype=mean.dtype, device=region.device).scatter_reduce(0, a, cost, "amin")
    chosen = cost == best[a]
    names = torch.arange(count, device=region.device)
    return names.scatter_reduce(0, a[chosen], b[chosen], "amin", include_self=False)[region]


def join_things(region: Tensor, regions: int) -> Tensor:
    """Regions 0..R-1 of (B, H, W) with the 4-connected pieces of the regions that touch no side
    of the frame made one region each; the others keep theirs (backdrop, and the pieces of a
    line along the horizon that a thing standing on it cuts: they would join the thing to both
    sides). Returns distinct names (flat pixel indices), as :func:`uniform_regions` does."""
    thing = (_sides_touched(region, regions) == 0)[region]  # (B, H, W)
    across = thing[..., :, 1:] & thing[..., :, :-1]
    down = thing[..., 1:, :] & thing[..., :-1, :]
    # a thing pixel starts with its own name; a backdrop pixel with its region's smallest pixel
    index = torch.arange(region.numel(), device=region.device)
    first = torch.full((regions,), region.numel(), device=region.device).scatter_reduce(0, region.flatten(), index, "amin")
    return _joined_regions(torch.where(thing, index.view_as(region), first[region]), across, down)


def split_standing(label: Tensor) -> Tensor:
    """Regions with the things standing inside a backdrop region split off from it.

    A surface of the backdrop (sky, back wall, floor) spans the frame's width in the rows it
    fills; a thing that joined it (a screen the floor's colour, standing on it) is where the
    region is narrow. The pixels of a region that touches two or more sides of the frame, above
    the first row in which it covers half the width, become regions of their own, one per
    4-connected piece. (Below that row a narrow part is backdrop between tall things, as the back
    wall between two screens.)

    Args:
        label: (B, H, W) int64 regions (:func:`uniform_regions`).

    Returns:
        (B, H, W) int64 regions, distinct names; the rest of each region keeps its name.
    """
    batch, height, width = label.shape
    region, regions = _numbered(label)
    backdrop = _sides_touched(region, regions) >= 2
    row = torch.arange(height, device=label.device)[None, :, None].expand_as(region)
    wide = torch.bincount((region * height + row).flatten(), minlength=regions * height).view(regions, height) * 2 >= width
    rows = torch.arange(height, device=label.device).expand(regions, -1)
    first_wide = torch.where(wide, rows, height).amin(dim=1)  # (R,) the top row a region spans
    # above it only: a thing stands up from the floor; backdrop between tall things hangs from above
    narrow = backdrop[region] & (row < first_wide[region])  # (B, H, W)
    same = region[..., :, 1:] == region[..., :, :-1], region[..., 1:, :] == region[..., :-1, :]
    across = narrow[..., :, 1:] & narrow[..., :, :-1] & same[0]
    down = narrow[..., 1:, :] & narrow[..., :-1, :] & same[1]
    # names are flat indices of a pixel named by itself, as _joined_regions needs: a narrow pixel
    # starts with its own, the rest of a region with the smallest of its own (not narrow) pixels
    index = torch.arange(batch * height * width, device=label.device)
    rest = torch.full((regions,), index.numel(), device=label.device).scatter_reduce(
        0, region.flatten()[~narrow.flatten()], index[~narrow.flatten()], "amin"
    )
    start = torch.where(narrow, index.view_as(label), rest[region])
    return _joined_regions(start, across, down)


def _numbered(label: Tensor) -> tuple[Tensor, int]:
    """(B, H, W) region names -> the same regions numbered 0..R-1 over the batch, and R."""
    _, region = torch.unique(label, return_inverse=True)
    return region, int(region.max()) + 1


def _sides_touched(region: Tensor, regions: int) -> Tensor:
    """(R,) how many of the frame's four sides each region of (B, H, W) 0..R-1 touches."""
    sides = torch.stack([region[:, 0], region[:, -1], region[:, :, 0], region[:, :, -1]])  # (4, B, L)
    return torch.stack([torch.bincount(side.flatten(), minlength=regions) > 0 for side in sides]).sum(dim=0)
