"""background_like: the foreground pixels that show the background seen next to them (the ghosts a
wrong background estimate joins to a thing) are found, and the thing is not. By hand, then through
ForegroundPerception on a ball that rolls slowly, painting its path into the clip's median."""

from __future__ import annotations

import torch

from physpred.models.slots import ForegroundPerception
from physpred.models.slots.ghost_pixels import background_like

SKY, BALL = (0.5, 0.6, 0.8), (0.8, 0.2, 0.3)


def _picture(side: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    """(1, 3, S, S) sky with a ball at columns 2..5 and, in rows 3..8, a ghost at columns 6..8 that
    shows the sky (a hair off it), both foreground; and the (1, S, S) foreground."""
    image = torch.tensor(SKY)[:, None, None].expand(3, side, side).clone()
    image[:, 3:9, 2:6] = torch.tensor(BALL)[:, None, None]
    image[:, 3:9, 6:9] += 0.01
    found = torch.zeros(side, side, dtype=torch.bool)
    found[3:9, 2:9] = True
    return image[None], found[None]


def test_the_ghost_beside_a_thing_is_found_and_the_thing_kept() -> None:
    image, found = _picture()
    ghost = background_like(found, image, ~found, threshold=0.05, steps=3)
    assert ghost[0, 3:9, 6:9].all() and not ghost[0, 3:9, 2:6].any() and not (ghost & ~found).any()


def test_the_flood_goes_no_further_than_its_steps() -> None:
    image, found = _picture()
    reference = ~found
    reference[0, :, 9:] = False  # the sky is seen only above and below the ghost
    ghost = background_like(found, image, reference, threshold=0.05, steps=1)
    assert ghost[0, 3, 6:9].all() and ghost[0, 8, 6:9].all() and not ghost[0, 5, 6:9].any()


def test_pixels_that_are_not_references_start_nothing() -> None:
    image, found = _picture()
    assert not background_like(found, image, torch.zeros_like(found), threshold=0.05, steps=5).any()


def test_a_slow_gradient_does_not_carry_the_flood_into_a_thing() -> None:
    # each foreground pixel within the threshold of the one before, the last far from the sky
    image = torch.tensor(SKY)[:, None, None].expand(3, 1, 8).clone()
    image[0, 0, 1:] = 0.5 + 0.04 * torch.arange(1, 8)
    found = torch.ones(1, 8, dtype=torch.bool)
    found[0, 0] = False
    ghost = background_like(found[None], image[None], ~found[None], threshold=0.05, steps=7)
    assert ghost[0, 0].tolist() == [False, True] + [False] * 6


def test_a_perception_that_peels_ghosts_holds_only_the_ball_of_a_slow_roller() -> None:
    # a 4 x 6 ball rolls right a pixel every four frames over a sky: the clip's median holds the
    # ball on most of its path, which shows the sky when the ball is elsewhere
    side, steps = 32, 24
    frames = torch.tensor(SKY)[None, :, None, None].expand(steps, 3, side, side).clone()
    for t in range(steps):
        frames[t, :, 14:18, 8 + t // 4 : 14 + t // 4] = torch.tensor(BALL)[:, None, None]
    frames = (frames * 255).round().to(torch.uint8)[None]
    options = {"slots": 2, "threshold": 0.05, "min_area": 4, "resting": 0}
    plain = ForegroundPerception(**options).slot_map(frames)[0]
    peeled = ForegroundPerception(**options, peel_ghosts=4).slot_map(frames)[0]
    ball = torch.zeros(steps, side, side, dtype=torch.bool)
    for t in range(steps):
        ball[t, 14:18, 8 + t // 4 : 14 + t // 4] = True
    assert ((plain > 0) & ~ball).sum() > 20  # the ghosts of the path, held as things
    assert not ((peeled > 0) & ~ball).any() and (peeled > 0).flatten(1).any(dim=1).all()
