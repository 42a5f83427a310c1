"""Static things without labels: uniform regions of a background that stand inside the backdrop."""

from __future__ import annotations

import pytest
import torch

from physpred.models.slots import ForegroundPerception, MaskPerception, SplitPerception
from physpred.models.slots.discovery import fg_ari
from physpred.models.slots.scenery import (
    absorb_small,
    split_standing,
    static_regions,
    uniform_regions,
)

SIDE, FLOOR = 48, 36  # the floor fills rows FLOOR.. from side to side
SCREEN = (slice(16, 34), slice(8, 22))  # a wide screen standing on the floor
WALL = (slice(6, 34), slice(36, 40))  # a tall thin wall
LINE = (slice(12, 13), slice(26, 33))  # a one-pixel line: an edge, not a thing


def _backdrop() -> torch.Tensor:
    """(3, H, W) float: a sky whose blue falls 1 a row (a gradient, no edge) over a flat floor."""
    image = torch.empty(3, SIDE, SIDE)
    rows = torch.arange(SIDE, dtype=torch.float32)[:, None].expand(SIDE, SIDE)
    image[0], image[1], image[2] = 120.0, 150.0, 220.0 - rows
    image[:, FLOOR:] = torch.tensor([90.0, 70.0, 40.0])[:, None, None]
    return image


def _scene() -> torch.Tensor:
    """(3, H, W): the backdrop with a screen, a wall and a line."""
    image = _backdrop()
    image[(slice(None), *SCREEN)] = torch.tensor([200.0, 60.0, 60.0])[:, None, None]
    image[(slice(None), *WALL)] = torch.tensor([40.0, 40.0, 40.0])[:, None, None]
    image[(slice(None), *LINE)] = 20.0
    return image


def test_a_gradient_is_one_region_and_an_edge_splits() -> None:
    label = uniform_regions(_scene()[None], tolerance=0.03)[0]
    sky = label[0, 0]
    assert (label[:SCREEN[0].start, :SCREEN[1].start] == sky).all()  # 1 a row never splits the sky
    assert label[SCREEN][0, 0] != sky and (label[SCREEN] == label[SCREEN][0, 0]).all()
    assert label[FLOOR, 0] != sky
    # a stricter tolerance than the gradient's step splits the sky row by row
    assert len(uniform_regions(_backdrop()[None], tolerance=0.001)[0, :FLOOR, 0].unique()) == FLOOR


def test_static_regions_are_the_things_not_the_backdrop_nor_a_line() -> None:
    found = static_regions(_scene()[None], count=4, tolerance=0.03, min_area=0.005)[0]
    screen, wall = found[SCREEN], found[WALL]
    assert (screen == 1).all() and (wall == 2).all()  # largest first
    assert found.max() == 2  # the sky, the floor (each touches two sides) and the line are no thing
    # each grown by the ring of blended pixels around it, and no further
    ring = found[SCREEN[0].start - 1 : SCREEN[0].stop + 1, SCREEN[1].start - 1 : SCREEN[1].stop + 1]
    assert (ring == 1).all()
    assert (found == 1).sum() == (18 + 2) * (14 + 2)
    only_one = static_regions(_scene()[None], count=1, tolerance=0.03, min_area=0.005)[0]
    assert only_one.max() == 1 and (only_one[WALL] == 0).all()
    too_small = static_regions(_scene()[None], count=4, tolerance=0.03, min_area=0.2)[0]
    assert too_small.max() == 0  # the screen is 11% of the frame


def test_static_regions_of_a_batch_are_numbered_per_clip() -> None:
    plain = _backdrop()
    found = static_regions(torch.stack([plain, _scene(), plain]), count=4, tolerance=0.03, min_area=0.005)
    assert found[0].max() == 0 and found[2].max() == 0
    assert torch.equal(found[1], static_regions(_scene()[None], count=4, tolerance=0.03, min_area=0.005)[0])


def _ball_behind_the_screen() -> tuple[torch.Tensor, torch.Tensor]:
    """A white ball (4 x 4) rolling right along row 28 behind the screen, then out of it.

    Returns:
        frames (T, 3, H, W) uint8 and instance ids (T, H, W): ball 1, screen 2, wall 3.
    """
    scene = _scene()
    frames, ids = [], []
    for t in range(16):
        frame = scene.clone()
        thing = torch.zeros(SIDE, SIDE, dtype=torch.long)
        thing[SCREEN], thing[WALL] = 2, 3
        left = 2 * t
        if not SCREEN[1].start - 4 < left < SCREEN[1].stop:  # hidden while wholly or partly behind it
            frame[:, 28:32, left : left + 4] = 250.0
            thing[28:32, left : left + 4] = 1
        frames.append(frame)
        ids.append(thing)
    return torch.stack(frames).to(torch.uint8), torch.stack(ids)


def test_foreground_perception_gives_static_things_their_own_slots() -> None:
    frames, ids = _ball_behind_the_screen()
    perception = ForegroundPerception(slots=2, scenery=2, threshold=0.1)
    percepts = perception(frames[None])
    assert percepts.kind[0].tolist() == [1, 1, 2, 2]  # the ball; an unused object slot; screen, wall
    screen = percepts.features[0, :, 2]
    assert (screen[:, 0] == 1).all()
    # the same in every frame where the ball is not in front of its edge (frame 2: it touches it)
    assert torch.equal(screen[0], screen[5]) and torch.equal(screen[0], screen[-1]) and not torch.equal(screen[0], screen[2])
    ball = percepts.features[0, :, 0, 0]
    assert ball[0] == 1 and ball[5] == 0 and ball[-1] == 1  # hidden while behind the screen
    segments = perception.segment(frames[None])[0]
    assert segments.shape[1] == 2 + 2 + 1
    assert fg_ari(ids, segments).mean() > 0.9
    without = ForegroundPerception(slots=2, threshold=0.1)(frames[None])
    assert without.kind[0].tolist() == [1, 1] and torch.equal(without.features, percepts.features[:, :, :2])


BALL = (slice(10, 16), slice(26, 32))  # a 6 x 6 ball at rest in the sky, shaded: no two neighbours alike


def _shaded_ball_in_the_sky() -> torch.Tensor:
    """(3, H, W): the scene with a ball whose every pixel differs from its neighbours by 12."""
    image = _scene()
    image[(slice(None), *LINE)] = _backdrop()[(slice(None), *LINE)]  # no line: it would touch the ball
    rows, columns = torch.meshgrid(torch.arange(6), torch.arange(6), indexing="ij")
    image[(slice(None), *BALL)] = (60.0 + 12.0 * ((rows + columns) % 2) + 24.0 * (rows // 2))[None]
    return image


def test_joined_a_shaded_ball_at_rest_is_one_thing_and_the_horizon_stays_out() -> None:
    scene = _shaded_ball_in_the_sky()
    apart = static_regions(scene[None], count=4, tolerance=0.03, min_area=0.005)[0]
    assert (apart[BALL] == 0).all()  # 36 one-pixel regions, each below 0.5% of the frame
    joined = static_regions(scene[None], count=4, tolerance=0.03, min_area=0.005, joined=True)[0]
    assert (joined[BALL] == 3).all() and (joined[SCREEN] == 1).all() and (joined[WALL] == 2).all()
    # a one-pixel line from side to side that the screen and the wall cut (a horizon they stand
    # on): its outer pieces touch a side each and do not join the things to both sides
    row = SCREEN[0].stop - 1
    scene[:, row, : SCREEN[1].start] = scene[:, row, SCREEN[1].stop : WALL[1].start] = scene[:, row, WALL[1].stop :] = 20.0
    with_line = static_regions(scene[None], count=4, tolerance=0.03, min_area=0.005, joined=True)[0]
    assert (with_line[SCREEN] > 0).all() and (with_line[WALL] > 0).all()
    assert (with_line[row, : SCREEN[1].start - 1] == 0).all() and (with_line[row, WALL[1].stop + 1 :] == 0).all()


def test_small_regions_join_their_neighbour_nearest_in_colour_and_the_ball_is_kept() -> None:
    # a ball of 4 x 4 pixels whose body is a ring around a lighter 2 x 2 highlight, in a ring of
    # blends with the sky: no region of it has a pixel with all its 3 x 3 neighbours its own
    image = _backdrop()
    top, left = 10, 20
    image[:, top - 1 : top + 5, left - 1 : left + 5] = (image[:, top, left - 1] + 60.0)[:, None, None] / 2  # the blended ring
    for row in range(top - 1, top + 5):  # every blend a little different: one-pixel regions
        image[:, row, left - 1 : left + 5] += torch.arange(6.0) * 9
    image[:, top : top + 4, left : left + 4] = 60.0
    image[:, top + 1 : top + 3, left + 1 : left + 3] = 120.0
    ball = (slice(top, top + 4), slice(left, left + 4))
    assert (static_regions(image[None], count=4, tolerance=0.03, min_area=0.005)[0][ball] == 0).all()
    kept = static_regions(image[None], count=4, tolerance=0.03, min_area=0.005, min_region=9)[0]
    assert (kept[ball] == 1).all()  # the highlight joined the body, the nearer colour
    # by hand: the 2-pixel region joins the large neighbour nearest its colour, not the other
    region = torch.tensor([[[0, 0, 0, 1, 1, 1], [0, 0, 2, 2, 1, 1], [0, 0, 0, 1, 1, 1]]])
    colour = torch.tensor([10.0, 200.0, 190.0])[region][:, None].expand(-1, 3, -1, -1)
    assert torch.equal(absorb_small(region, colour, min_area=3), torch.where(region == 2, 1, region))


def test_a_static_thing_of_an_objects_size_is_an_object() -> None:
    frames = _shaded_ball_in_the_sky().to(torch.uint8).expand(8, -1, -1, -1)[None]
    options = {"slots": 1, "scenery": 4, "threshold": 0.1, "scenery_joined": True}
    assert ForegroundPerception(**options)(frames).kind[0].tolist() == [1, 2, 2, 2, 0]
    # the ball covers 64 of 2304 pixels with its ring (2.8%), the wall 192 (8%), the screen 320
    sized = ForegroundPerception(**options, static_object_area=0.03)
    assert sized(frames).kind[0].tolist() == [1, 2, 2, 1, 0]
    assert (sized(frames).features[0, :, 3, 0] == 1).all()
    # what a thing may go behind: the screen and the wall, not the ball at rest
    static = static_regions(_shaded_ball_in_the_sky()[None], count=4, tolerance=0.03, min_area=0.005, joined=True)
    assert torch.equal(sized.screens(frames), (static == 1) | (static == 2))
    assert torch.equal(ForegroundPerception(**options).screens(frames), static > 0)
    assert torch.equal(sized(frames).screens, sized.screens(frames))  # found once with the slots
    # tracked: the ball at rest is the object slot's thing in every frame, the screen and the wall
    # keep the first scenery slots, and what a thing may go behind is unchanged
    tracked = ForegroundPerception(**options, static_object_area=0.03, track_static_objects=True)
    percepts = tracked(frames)
    assert percepts.kind[0].tolist() == [1, 2, 2, 0, 0]
    ball = torch.zeros(frames.shape[-2:], dtype=torch.bool)
    ball[BALL] = True
    assert (tracked.slot_map(frames)[0][:, ball] == 1).all() and (percepts.features[0, :, 0, 0] == 1).all()
    assert torch.equal(tracked.screens(frames), sized.screens(frames))
    assert torch.equal(percepts.screens, sized.screens(frames))
    assert not ForegroundPerception(slots=1, threshold=0.1)(frames).screens.any()  # no scenery: none


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"scenery": -1}, "scenery"),
        ({"scenery_tolerance": 0.0}, "scenery_tolerance"),
        ({"scenery_area": 1.0}, "scenery_area"),
        ({"scenery_joined": 1}, "scenery_joined"),
        ({"static_object_area": 0.0}, "static_object_area"),
        ({"scenery_min_region": 0}, "scenery_min_region"),
    ],
)
def test_bad_scenery_options_name_themselves(options: dict, named: str) -> None:
    with pytest.raises(ValueError, match=f"{named} must") as error:
        ForegroundPerception(**options)
    assert "\n" not in str(error.value)


def test_split_perception_takes_objects_from_one_part_and_static_things_from_the_other() -> None:
    frames, ids = _ball_behind_the_screen()
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    kinds[0, 1], kinds[0, 2], kinds[0, 3] = 1, 2, 3
    from_masks = MaskPerception(objects=1, scenery=0)
    found = ForegroundPerception(slots=2, scenery=2, threshold=0.1)
    split = SplitPerception(objects=from_masks, scenery=found)
    assert split.reads_masks
    percepts = split(frames[None], ids[None].to(torch.uint8), kinds)
    assert percepts.kind[0].tolist() == [1, 2, 2]
    assert torch.equal(percepts.features[:, :, :1], from_masks(frames[None], ids[None].to(torch.uint8), kinds).features)
    assert torch.equal(percepts.features[:, :, 1:], found(frames[None]).features[:, :, 2:])
    with pytest.raises(ValueError, match="scenery .* does not say"):
        SplitPerception(objects=from_masks, scenery=torch.nn.Identity())


def test_a_screen_the_colour_of_its_floor_is_split_off_and_backdrop_between_tall_things_is_not() -> None:
    image = _backdrop()
    floor = image[:, FLOOR, 0].clone()
    image[(slice(None), *SCREEN)] = floor[:, None, None]  # stands on the floor, in its colour
    image[:, SCREEN[0].stop : FLOOR, SCREEN[1]] = floor[:, None, None]  # its foot reaches the floor
    assert len(uniform_regions(image[None], tolerance=0.03)[0, SCREEN[0].start : SIDE, SCREEN[1].start].unique()) == 1
    found = static_regions(image[None], count=4, tolerance=0.03, min_area=0.005)[0]
    assert (found[SCREEN] == 1).all() and (found[FLOOR + 1 :] == 0).all()  # the floor, below its ring
    # two walls in the sky's colour band leave it narrow between them, hanging from the rows above: no thing
    tall = _backdrop()
    tall[:, 10:FLOOR, 4:20] = 20.0
    tall[:, 10:FLOOR, 28:44] = 20.0
    pieces = split_standing(uniform_regions(tall[None], tolerance=0.03))[0]
    assert pieces[10, 0] == pieces[0, 0] == pieces[20, 24]  # the sky between and beside the walls stays one
