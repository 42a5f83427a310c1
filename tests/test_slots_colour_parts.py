"""colour_parts: a foreground component holding two things is cut in two by colour; one thing
with a highlight, or two of one colour, stays whole. By hand, then through ForegroundPerception."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from physpred.models.slots import ForegroundPerception
from physpred.models.slots.colour_parts import colour_parts
from physpred.models.slots.foreground import _label_components

SIDE = 56
SKY = (120.0, 150.0, 210.0)
BALL, SLAB = (170.0, 45.0, 99.0), (132.0, 60.0, 74.0)  # 38 apart on the worst channel (G1/05 of the dev probes)


def _ball_on_slab(ball: tuple[float, float, float], slab: tuple[float, float, float], *, highlight: bool = True, with_slab: bool = True) -> torch.Tensor:
    """(1, 3, S, S) float: a ball of radius 3.5 (lighter up and to the left when ``highlight``)
    resting on a slab, drawn at twice the size and averaged down, so that their edges blend."""
    size = 2 * SIDE
    rows, columns = torch.meshgrid(torch.arange(size) + 0.5, torch.arange(size) + 0.5, indexing="ij")
    image = torch.tensor(SKY)[:, None, None].expand(3, size, size).clone()
    if with_slab:
        image[:, 30:40, 8:40] = torch.tensor(slab)[:, None, None]
    inside = (rows - 23) ** 2 + (columns - 24) ** 2 <= 7**2
    image[:, inside] = torch.tensor(ball)[:, None]
    if highlight:
        glint = (rows - 21) ** 2 + (columns - 22) ** 2 <= 3**2
        image[:, glint] = (torch.tensor(ball) + (255 - torch.tensor(ball)) * 0.3)[:, None]
    return F.avg_pool2d(image[None], 2)


def _parts(image: torch.Tensor, separation: float = 0.08, connected: bool = False) -> torch.Tensor:
    found = (image - torch.tensor(SKY)[:, None, None]).abs().amax(dim=1) > 0.05 * 255
    parts, count = colour_parts(_label_components(found)[0], image, separation, min_area=9, connected=connected)
    assert count == int(parts.max()) + 1 and torch.equal(torch.unique(parts), torch.arange(count))
    return parts[0]


def test_a_ball_resting_on_a_slab_of_a_near_colour_is_cut_off_it() -> None:
    parts = _parts(_ball_on_slab(BALL, SLAB))
    ball, slab = parts[10:13, 10:14], parts[16:19, 6:18]  # the ball's inside, the slab's
    assert ball.unique().numel() == 1 and slab.unique().numel() == 1 and ball[0, 0] != slab[0, 0] and ball[0, 0] > 0
    # without the cut the pair is one component
    assert _label_components(parts[None] > 0)[1] == 2


def test_a_piece_of_a_part_away_from_the_rest_of_it_is_dropped_when_parts_are_connected() -> None:
    image = _ball_on_slab(BALL, SLAB)
    image[0, :, 17:19, 17:20] = torch.tensor(BALL)[:, None, None]  # a fleck of the ball's colour on the slab
    ball, fleck = (slice(10, 13), slice(10, 14)), (slice(17, 19), slice(17, 20))  # the ball's inside
    clustered, connected = _parts(image), _parts(image, connected=True)
    assert (clustered[fleck] == clustered[11, 11]).all() and (clustered[ball] == clustered[11, 11]).all()
    assert (connected[fleck] == 0).all() and (connected[ball] == connected[11, 11]).all()
    slab = connected[16:17, 6:14]
    assert (slab == slab[0, 0]).all() and 0 < slab[0, 0] != connected[11, 11] > 0
    # the ball keeps every pixel it had, the fleck aside
    assert torch.equal(connected[12 - 4 : 12 + 4, 8:16] > 0, clustered[12 - 4 : 12 + 4, 8:16] > 0)


def test_one_thing_with_its_highlight_and_its_blended_edge_stays_whole() -> None:
    parts = _parts(_ball_on_slab(BALL, SLAB, with_slab=False))
    assert parts.unique().tolist() == [0, 1]


def test_two_things_closer_in_colour_than_the_separation_stay_one() -> None:
    assert _parts(_ball_on_slab(BALL, SLAB), separation=0.2).unique().tolist() == [0, 1]
    assert _parts(_ball_on_slab(BALL, BALL, highlight=False)).unique().tolist() == [0, 1]


def test_a_perception_with_colour_split_tracks_the_ball_and_the_slab_it_rides_in_two_slots() -> None:
    # the pair moves across the sky 4 pixels a frame, so the sky is the background
    shifts = range(0, 40, 4)
    picture = _ball_on_slab(BALL, SLAB)[0]
    frames = torch.stack([torch.roll(picture, shift, dims=2) for shift in shifts])
    frames = frames[None].round().to(torch.uint8)  # (1, T, 3, S, S); the roll carries only sky round
    options = {"slots": 3, "threshold": 0.05, "min_area": 9, "resting": 0}
    whole = ForegroundPerception(**options).slot_map(frames)[0]
    cut = ForegroundPerception(**options, colour_split=0.08).slot_map(frames)[0]
    for t, shift in enumerate(shifts):
        ball, slab = (slice(10, 13), slice(10 + shift, 14 + shift)), (slice(16, 19), slice(6 + shift, 18 + shift))
        assert (whole[t][ball] == whole[t][slab][0, 0]).all() and whole[t][ball][0, 0] > 0
        assert (cut[t][ball] == cut[0, 11, 11]).all() and (cut[t][slab] == cut[0, 17, 9]).all()
    assert cut[0, 11, 11] != cut[0, 17, 9] and cut[0, 11, 11] > 0 and cut[0, 17, 9] > 0
