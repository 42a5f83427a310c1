"""Foreground pixels that show the background: the ghosts a wrong background estimate joins to a thing.

A clip's median holds a thing wherever it covered a pixel for most of the clip: a ball that rolls
slowly paints its path into the estimate, a ball at rest before it falls leaves its place there.
Where the thing is not, those pixels show the true background, differ from the estimate, and are
foreground; joined to the thing's component they drag its slot's centre towards the path or the
place of rest. Read against the world's masks (``benchmarks/slot_contents.py``: 600 training
videos, fall, support and bounce clips, the perception with ``colour_split``), background pixels
beyond an object's rim are the largest share of what its slot holds beyond the object, and they
multiply the error of the slot's vertical move from frame to frame by about 2.3.

Such a pixel looks like the background seen next to it, which a thing does not: a flood from the
pixels that surely show the background (they match the estimate, and the estimate there is not in
doubt) through the foreground pixels within ``threshold`` of the colour the flood started from
takes the ghosts and stops at the thing's edge.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

NEIGHBOURS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]


def background_like(found: Tensor, images: Tensor, reference: Tensor, threshold: float, steps: int) -> Tensor:
    """The foreground pixels that look like the background next to them.

    A pixel is reached from a ``reference`` pixel next to it (8-neighbours) when its colour is
    within ``threshold`` of that reference's; a reached pixel passes on the colour it was reached
    with (not its own, so that a slow gradient of foreground pixels, each like the one before,
    cannot carry the flood into a thing), for at most ``steps`` steps.

    Args:
        found: (N, H, W) bool, the foreground.
        images: (N, 3, H, W) float colours, in the units of ``threshold``.
        reference: (N, H, W) bool, pixels that surely show the background (outside ``found``).
        threshold: the largest channel difference of a look-alike.
        steps: how far (in pixels, 8-neighbour steps) from a reference pixel the flood goes.

    Returns:
        (N, H, W) bool, the pixels of ``found`` reached.
    """
    _, height, width = found.shape
    # only the foreground pixels are reached: their neighbours are looked up in a padded grid of
    # the colour each pixel passes on (NaN: none), flattened
    padded_width = width + 2
    carried = nn.functional.pad(torch.where(reference[:, None], images, torch.nan), [1, 1, 1, 1], value=torch.nan)
    carried = carried.permute(0, 2, 3, 1).reshape(-1, 3)  # (N * (H + 2) * (W + 2), 3)
    image, row, column = found.nonzero().unbind(dim=1)
    place = (image * (height + 2) + row + 1) * padded_width + column + 1  # (P,) in the padded grid
    colour = images[image, :, row, column]  # (P, 3)
    offsets = torch.tensor([dy * padded_width + dx for dy, dx in NEIGHBOURS], device=found.device)
    reached = torch.zeros_like(place, dtype=torch.bool)
    for _ in range(steps):
        offered = carried[place[:, None] + offsets]  # (P, 8, 3)
        alike = (colour[:, None] - offered).abs().amax(dim=-1) <= threshold  # NaN compares false
        newly = alike.any(dim=1) & ~reached
        if not newly.any():
            break
        first = alike.float().argmax(dim=1)
        carried[place[newly]] = offered[newly, first[newly]]
        reached = reached | newly
    return torch.zeros_like(found).index_put_((image[reached], row[reached], column[reached]), torch.ones_like(reached[reached]))
