"""ForegroundPerception: background subtraction + tracking keeps a thing's slot through an occlusion;
MaskFilteredPerception empties its false things by the masks."""

from __future__ import annotations

import pytest
import torch

from physpred.models.slots import ForegroundPerception, MaskFilteredPerception
from physpred.models.slots.discovery import fg_ari
from physpred.models.slots.features import FEATURES, KINDS
from physpred.models.slots.mask_filter import (
    by_identity,
    by_identity_keeping_others,
    by_identity_keeping_rims,
    by_slot_identity,
    object_share,
    rims,
    whole_when_seen,
    with_false_things,
)

SIDE, STEPS = 48, 20
SCREEN = slice(20, 30)  # columns of the screen, rows 8..24
HIDDEN = range(9, 13)  # frames in which the red square is wholly behind the screen
LATE = 9  # the green square enters from the left edge after this frame, while red is hidden


OBJECT_KIND, SCREEN_KIND, WALL_KIND = (KINDS.index(kind) + 1 for kind in ("object", "screen", "wall"))


def _kinds(kind_of: dict[int, int]) -> torch.Tensor:
    """(1, 256) uint8: each mask id's kind as given, 0 (background) elsewhere."""
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    for mask_id, kind in kind_of.items():
        kinds[0, mask_id] = kind
    return kinds


def _movie() -> tuple[torch.Tensor, torch.Tensor]:
    """A red 4x4 square moving right 2 px a frame behind a static grey screen, a blue one falling
    at the right, a green one entering late at the bottom, on a static textured background with
    a little noise per frame (like a compressed video).

    Returns:
        frames (T, 3, H, W) uint8 and instance ids (T, H, W): red 1, blue 2, green 4, screen 3.
    """
    generator = torch.Generator().manual_seed(0)
    texture = torch.randint(70, 110, (3, SIDE, SIDE), generator=generator)
    frames = texture.expand(STEPS, -1, -1, -1).clone()
    ids = torch.zeros(STEPS, SIDE, SIDE, dtype=torch.long)
    for t in range(STEPS):
        for colour, thing, rows, cols in (
            ((230, 30, 30), 1, slice(14, 18), slice(2 + 2 * t, 6 + 2 * t)),
            ((30, 30, 230), 2, slice(2 + t, 6 + t), slice(38, 42)),
            ((30, 220, 30), 4, slice(40, 44), slice(max(0, 2 * (t - LATE) - 4), max(0, 2 * (t - LATE)))),
        ):
            frames[t, :, rows, cols] = torch.tensor(colour)[:, None, None]
            ids[t, rows, cols] = thing
        frames[t, :, 8:25, SCREEN] = 150  # the screen is drawn in front
        ids[t, 8:25, SCREEN] = 3
    noise = torch.randint(-4, 5, frames.shape, generator=generator)
    return (frames + noise).clamp(0, 255).to(torch.uint8), ids


def _slot_of(slot_map: torch.Tensor, ids: torch.Tensor, thing: int, t: int) -> int:
    """The slot (0-based) holding most of ``thing``'s pixels in frame t."""
    held = slot_map[t][ids[t] == thing]
    return int(held.mode().values) - 1


def test_a_thing_keeps_its_slot_through_an_occlusion_and_is_absent_while_hidden() -> None:
    frames, ids = _movie()
    perception = ForegroundPerception(slots=4)
    slot_map = perception.slot_map(frames[None])[0]
    red = _slot_of(slot_map, ids, 1, 0)
    assert (ids[HIDDEN.start] == 1).sum() == 0 and (ids[HIDDEN.start - 1] == 1).sum() > 0  # the movie is as meant
    assert _slot_of(slot_map, ids, 1, STEPS - 1) == red  # came out in the slot it went in with
    assert _slot_of(slot_map, ids, 2, 0) == _slot_of(slot_map, ids, 2, STEPS - 1) != red
    green = _slot_of(slot_map, ids, 4, STEPS - 1)
    assert green not in (red, _slot_of(slot_map, ids, 2, 0))  # a newcomer takes a fresh slot
    percepts = perception(frames[None])
    present = percepts.features[0, :, red, FEATURES.index("present")]
    assert present[list(HIDDEN)].eq(0).all() and present[: HIDDEN.start].eq(1).all() and present[-1] == 1
    x = percepts.features[0, -1, red, FEATURES.index("x")].item()
    assert x == pytest.approx((2 + 2 * (STEPS - 1) + 2) / SIDE, abs=0.5 / SIDE)
    assert percepts.kind.tolist() == [[1, 1, 1, 1]] and percepts.reconstruction_error is None
    assert percepts.features[0, :, 3].eq(0).all()  # the fourth slot holds nothing


def test_a_sliver_continues_or_brings_back_a_thing_but_is_never_a_new_one() -> None:
    """The red square is an 8-pixel sliver beside the screen in the frames before and after it
    is hidden: under min_area 9 it vanishes while still in view; with sliver_area it narrows out
    of view and comes back as a sliver, in its own slot, and a sliver-sized speck stays no thing."""
    frames, ids = _movie()
    frames[3, :, 30:32, 12:14] = 255  # a white 2x2 speck, not near any thing
    before, after = HIDDEN.start - 1, HIDDEN.stop
    assert (ids[before] == 1).sum() == (ids[after] == 1).sum() == 8
    whole = ForegroundPerception(slots=4, min_area=9).slot_map(frames[None])[0]
    slivers = ForegroundPerception(slots=4, min_area=9, sliver_area=2).slot_map(frames[None])[0]
    red = _slot_of(whole, ids, 1, 0)
    assert (whole[before][ids[before] == 1] == 0).all() and (whole[after][ids[after] == 1] == 0).all()
    assert _slot_of(slivers, ids, 1, before) == _slot_of(slivers, ids, 1, after) == _slot_of(slivers, ids, 1, 0) == red
    assert (slivers[3, 30:32, 12:14] == 0).all()
    with pytest.raises(ValueError, match="sliver_area"):
        ForegroundPerception(min_area=4, sliver_area=5)


def test_a_slots_kind_does_not_tell_what_the_clip_will_bring() -> None:
    # green comes into view after frame LATE: the frames before it must get the same kinds
    frames, _ = _movie()
    perception = ForegroundPerception(slots=4)
    assert torch.equal(perception(frames[None]).kind, perception(frames[None, :LATE]).kind)


def test_without_a_reserved_slot_the_newcomer_would_take_the_hidden_things_slot() -> None:
    """memory=1 frees a hidden thing's slot at once: the green newcomer, entering while red is
    hidden, takes red's old slot and red comes back in another; by default red's slot waits."""
    frames, ids = _movie()
    kept = ForegroundPerception(slots=4).slot_map(frames[None])[0]
    forgetful = ForegroundPerception(slots=4, memory=1, colour_gate=1.0).slot_map(frames[None])[0]
    assert _slot_of(kept, ids, 1, 0) == _slot_of(kept, ids, 1, STEPS - 1)
    assert _slot_of(forgetful, ids, 1, 0) != _slot_of(forgetful, ids, 1, STEPS - 1)


def test_fg_ari_of_the_moving_things_is_high() -> None:
    frames, ids = _movie()
    segments = ForegroundPerception(slots=4).segment(frames[None])[0]  # (T, K + 1, H, W)
    objects_only = torch.where(ids == 3, torch.zeros_like(ids), ids)  # the screen never moves
    assert fg_ari(objects_only, segments).nanmean() > 0.95
    # a perception that puts all moving things in one slot scores about 0
    one = torch.zeros_like(segments)
    one[:, 1] = segments[:, 1:].sum(dim=1)
    one[:, 0] = 1 - one[:, 1]
    assert fg_ari(objects_only, one).nanmean() < 0.2


@pytest.mark.parametrize(
    "options", [{"slots": 0}, {"threshold": 0.0}, {"threshold": 1.5}, {"min_area": 0}, {"opening": 2}, {"gate": 0.0}, {"memory": 0}, {"ghosts": 1.5}, {"min_frames": 0}, {"min_travel": -1.0}, {"max_area": 1.0}, {"guess_behind": 0.0}, {"hold_still": 1.5}, {"track_static_objects": True}, {"split_touching": 1}, {"colour_split": 0.0}, {"scenery_min_region": 0}, {"screen_area": 1.0}, {"peel_ghosts": -1}, {"connected_parts": True}]
)
def test_bad_options_raise_one_line_errors(options: dict) -> None:
    with pytest.raises(ValueError, match=f"ForegroundPerception: {next(iter(options))}") as error:
        ForegroundPerception(**options)
    assert "\n" not in str(error.value)


def test_opening_removes_specks() -> None:
    frames, ids = _movie()
    frames[5, :, 40, 10] = 255  # a one-pixel speck, large enough to pass min_area=1
    plain = ForegroundPerception(slots=4, min_area=1).slot_map(frames[None])[0]
    opened = ForegroundPerception(slots=4, min_area=1, opening=3).slot_map(frames[None])[0]
    assert plain[5, 40, 10] > 0 and opened[5, 40, 10] == 0
    assert (opened[0][ids[0] == 1] > 0).all()  # a 4x4 square survives a 3x3 opening


def test_a_still_clip_fills_no_slot() -> None:
    frames, _ = _movie()
    still = frames[:1].expand(6, -1, -1, -1)[None]  # the first frame six times: all background
    percepts = ForegroundPerception(slots=4)(still)
    assert percepts.kind.eq(1).all() and percepts.features.eq(0).all()


def _coming_to_rest() -> tuple[torch.Tensor, torch.Tensor]:
    """A red 4x4 square slides in from the left for 6 frames and rests for the other 14, in
    front of a sky above a floor (the square rests on the edge between them), with noise.

    Returns:
        frames (T, 3, H, W) uint8 and the square's mask (T, H, W) bool.
    """
    generator = torch.Generator().manual_seed(1)
    frames = torch.zeros(STEPS, 3, SIDE, SIDE, dtype=torch.long)
    frames[:, :, :24] = torch.tensor([120, 140, 170])[:, None, None] + torch.arange(24)[:, None]  # a sky gradient
    frames[:, :, 24:] = torch.tensor([90, 70, 50])[:, None, None]
    square = torch.zeros(STEPS, SIDE, SIDE, dtype=torch.bool)
    for t in range(STEPS):
        left = 4 + 4 * min(t, 6)
        square[t, 21:25, left : left + 4] = True
    frames = torch.where(square[:, None], torch.tensor([230, 30, 30])[:, None, None], frames)
    noise = torch.randint(-4, 5, frames.shape, generator=generator)
    return (frames + noise).clamp(0, 255).to(torch.uint8), square


def test_a_thing_at_rest_for_most_of_the_clip_stays_foreground() -> None:
    """The plain median takes the resting square for background (it is there in 14 frames of
    20) and sees a sky-coloured ghost where it will rest; ``resting`` tells the two apart by the
    background around, and the edge between sky and floor stays background."""
    frames, square = _coming_to_rest()
    plain = ForegroundPerception(slots=4, resting=0).foreground(frames[None])[0]
    kept = ForegroundPerception(slots=4).foreground(frames[None])[0]
    assert not plain[-1][square[-1]].any()  # lost at rest
    assert plain[0][square[-1]].all()  # the ghost: where it will rest, frame 0 shows sky
    assert all(kept[t][square[t]].all() for t in range(STEPS))
    assert kept.sum() == square.sum()  # nothing else: no ghost, no edge


def test_a_thing_at_rest_where_a_screen_was_is_found_by_guessing_what_is_behind() -> None:
    """A screen stands where the square will rest while it slides in, then is lowered: the
    square's place never shows what is behind it alone, so ``resting`` keeps the square as the
    background (its other colour, the screen's, is like nothing around either); ``guess_behind``
    takes the sky around for it, and only where the pixel is away from its median often enough."""
    frames, square = _coming_to_rest()
    screen = torch.zeros_like(square)
    screen[:6, 18:28, 25:35] = True  # in the first 6 frames of 20, behind the square
    frames = torch.where(screen[:, None] & ~square[:, None], torch.tensor([40, 40, 200], dtype=torch.uint8)[:, None, None], frames)
    resting = ForegroundPerception(slots=4).foreground(frames[None])[0]
    guessed = ForegroundPerception(slots=4, guess_behind=0.15).foreground(frames[None])[0]
    seldom = ForegroundPerception(slots=4, guess_behind=0.5).foreground(frames[None])[0]  # away in 6 of 20 frames
    assert not resting[-1][square[-1]].any() and not seldom[-1][square[-1]].any()  # lost at rest
    assert all(guessed[t][square[t]].all() for t in range(STEPS))
    assert guessed[6:].sum() == square[6:].sum()  # once the screen is gone, nothing else: no ghost, no edge


def test_a_tracked_thing_that_comes_to_rest_where_a_screen_was_keeps_its_slot_as_a_static_object() -> None:
    """As above, with the screen gone one frame before the square arrives (so the two never
    touch): the background holds the resting square, so with ``resting`` alone a scenery slot
    takes it; with ``track_static_objects`` the square is a static thing of an object's size,
    foreground in every frame, and the slot that followed it while it slid keeps it at rest."""
    frames, square = _coming_to_rest()
    screen = torch.zeros_like(square)
    screen[:5, 18:28, 29:39] = True
    frames = torch.where(screen[:, None] & ~square[:, None], torch.tensor([40, 40, 200], dtype=torch.uint8)[:, None, None], frames)
    options = {"slots": 4, "scenery": 2, "static_object_area": 0.03}
    lost = ForegroundPerception(**options).slot_map(frames[None])[0]
    kept = ForegroundPerception(**options, track_static_objects=True).slot_map(frames[None])[0]
    assert lost[0][square[0]].gt(0).all() and lost[0][square[0]].le(4).all()  # tracked while it slides in
    assert lost[-1][square[-1]].gt(4).any()  # at rest: in part a scenery slot's static thing
    slot = int(kept[0][square[0]].mode().values)
    assert 1 <= slot <= 4
    assert all(kept[t][square[t]].eq(slot).all() for t in range(STEPS))
    assert not kept[6:].gt(4).any()  # the static square no longer takes a scenery slot


def test_resting_must_be_odd() -> None:
    with pytest.raises(ValueError, match="ForegroundPerception: resting must be 0 or odd"):
        ForegroundPerception(resting=4)


def test_components_are_8_connected_and_labelled_apart_across_clips_and_frames() -> None:
    # two clips of two frames on a black background: a diagonal pair of 2x2 squares touching at
    # a corner is one thing; the same picture in every frame gives every frame its own labels
    frames = torch.zeros(2, 2, 3, 16, 16, dtype=torch.uint8)
    frames[0, 1, :, 2:4, 2:4] = frames[0, 1, :, 4:6, 4:6] = 200  # one thing (corner contact)
    frames[0, 1, :, 10:13, 10:13] = 200  # a second thing
    frames[1, :, :, 2:4, 2:4] = 200  # in both frames of clip 2, as in clip 1's frame 1
    perception = ForegroundPerception(slots=3, min_area=1, resting=0)
    background = torch.zeros(2, 3, 16, 16)  # given: the median of two frames is no background here
    labels, candidates, _, _, _ = perception.components(frames, background)
    assert labels[0, 0].eq(0).all()
    assert labels[0, 1, 2, 2] == labels[0, 1, 5, 5] != labels[0, 1, 11, 11]
    assert len({int(labels[0, 1, 2, 2]), int(labels[0, 1, 11, 11]), int(labels[1, 0, 2, 2]), int(labels[1, 1, 2, 2])}) == 4
    assert sorted(labels.unique().tolist()) == [0, 1, 2, 3, 4]  # 1..U, no gaps
    # largest first: the 3x3 square (9 px) before the diagonal pair (8 px)
    assert candidates[0, 1, :2].tolist() == [int(labels[0, 1, 11, 11]), int(labels[0, 1, 2, 2])]


def test_ghosts_where_the_background_is_wrong_are_dropped_and_things_kept() -> None:
    # a grey floor; the background estimate holds a dark patch where nothing is (a thing rested
    # there, then left): that patch is foreground in every frame, coloured like the floor around
    frames = torch.full((1, 3, 3, 16, 16), 120, dtype=torch.uint8)
    frames[0, :, :, 2:5, 9:12] = torch.tensor([200, 30, 30], dtype=torch.uint8)[:, None, None]  # a red thing
    background = torch.full((1, 3, 16, 16), 120.0)
    background[0, :, 10:14, 2:6] = 20.0  # the ghost's place
    kept = ForegroundPerception(slots=3, min_area=1, resting=0)
    labels, candidates, _, _, _ = kept.components(frames, background)
    assert (candidates[0, :, :2] > 0).all()  # the red thing and the ghost
    cleaned = ForegroundPerception(slots=3, min_area=1, resting=0, ghosts=0.5)
    labels, candidates, _, _, _ = cleaned.components(frames, background)
    assert candidates[0, :, 0].tolist() == labels[0, :, 3, 10].tolist() and candidates[0, :, 1:].eq(0).all()


def test_runs_shorter_than_min_frames_are_dropped() -> None:
    frames, ids = _movie()
    frames[5:7, :, 40:43, 30:33] = 255  # a white speck for two frames
    for min_frames, speck_seen in ((1, True), (3, False)):
        slot_map = ForegroundPerception(slots=4, min_area=1, min_frames=min_frames).slot_map(frames[None])[0]
        assert bool(slot_map[5, 41, 31] > 0) == speck_seen
        assert (slot_map[0][ids[0] == 1] > 0).all()  # the red square's long run is kept


def test_slots_of_things_that_never_move_or_cover_too_much_are_emptied() -> None:
    frames, ids = _movie()
    frames[::3, :, 2:6, 2:6] = 250  # a patch blinking in place every third frame: no thing that moves
    for t in range(STEPS):  # a large block sliding right a pixel a frame (a screen that moves)
        frames[t, :, 28:36, t : t + 8] = torch.tensor([200, 200, 60])[:, None, None]
    plain = ForegroundPerception(slots=6).slot_map(frames[None])[0]
    patch, block = int(plain[0, 3, 3]), int(plain[0, 31, 4])
    assert patch > 0 and block > 0 and patch != block
    for options, emptied in (({"min_travel": 1.0}, patch), ({"max_area": 0.02}, block)):  # the block: 64 of 2304 pixels
        slot_map = ForegroundPerception(slots=6, **options).slot_map(frames[None])[0]
        assert not (slot_map == emptied).any()
        assert torch.equal(torch.where(plain == emptied, 0, plain), slot_map)  # every other slot as it was


def test_a_tracked_slot_that_ever_holds_a_large_thing_gets_the_screen_kind() -> None:
    frames, ids = _movie()
    for t in range(STEPS):  # a large block sliding right a pixel a frame (a screen or slab that moves)
        frames[t, :, 28:36, t : t + 8] = torch.tensor([200, 200, 60])[:, None, None]
    plain = ForegroundPerception(slots=6)
    sized = ForegroundPerception(slots=6, screen_area=0.02)  # the block: 64 of 2304 pixels, the squares 16
    slot_map = plain.slot_map(frames[None])
    block, red = int(slot_map[0, 0, 31, 4]) - 1, _slot_of(slot_map[0], ids, 1, 0)
    assert torch.equal(sized.slot_map(frames[None]), slot_map)  # the pixels are the same
    kind = sized(frames[None]).kind[0]
    assert kind[block] == SCREEN_KIND and kind[red] == OBJECT_KIND
    assert torch.equal(torch.where(torch.arange(len(kind)) == block, OBJECT_KIND, kind), plain(frames[None]).kind[0])


def test_run_lengths() -> None:
    from physpred.models.slots.foreground import _run_lengths

    present = torch.tensor([[1, 1, 0, 1, 1, 1, 0, 1]], dtype=torch.bool)[:, :, None]
    assert _run_lengths(present)[0, :, 0].tolist() == [2, 2, 0, 3, 3, 3, 0, 1]


# MaskFilteredPerception: this perception's false things emptied by the masks, true ones untouched


def test_object_share_by_hand() -> None:
    slot_map = torch.tensor([[[[1, 1, 2, 0], [3, 3, 3, 2]]]])  # (B 1, T 1, H 2, W 4)
    masks = torch.tensor([[[[5, 0, 6, 5], [5, 5, 6, 6]]]], dtype=torch.uint8)
    kinds = _kinds({5: OBJECT_KIND, 6: SCREEN_KIND})
    share = object_share(slot_map, masks, kinds, slots=3)
    assert share.tolist() == [[0.5, 0.0, pytest.approx(2 / 3)]]
    assert object_share(slot_map, masks, kinds, slots=4)[0, 3] == 0  # a slot holding nothing


def test_the_slot_of_a_thing_the_masks_call_no_object_is_emptied_and_the_others_kept() -> None:
    frames, ids = _movie()
    kinds = _kinds({1: OBJECT_KIND, 4: OBJECT_KIND, 2: SCREEN_KIND, 3: SCREEN_KIND})  # to these masks the falling blue square is a (moving) screen
    perception = ForegroundPerception(slots=4)
    slot_map = perception.slot_map(frames[None])[0]
    red, blue = _slot_of(slot_map, ids, 1, 0), _slot_of(slot_map, ids, 2, 0)
    filtered = MaskFilteredPerception(perception=perception)(frames[None], ids[None].to(torch.uint8), kinds)
    plain = perception(frames[None])
    present = FEATURES.index("present")
    assert plain.features[0, :, blue, present].eq(1).all() and filtered.features[0, :, blue].eq(0).all()
    kept = [k for k in range(4) if k != blue]
    assert torch.equal(filtered.features[0, :, kept], plain.features[0, :, kept])
    assert filtered.features[0, :, red, present].sum() > 0 and torch.equal(filtered.kind, plain.kind)


def test_by_identity_hands_tracked_pixels_to_the_masks_objects_and_keeps_static_ones() -> None:
    slot_map = torch.tensor([[[[1, 1, 2, 0], [3, 3, 5, 2]]]])  # slots 1..3 tracked, 4..5 static
    masks = torch.tensor([[[[9, 0, 5, 9], [5, 9, 6, 6]]]], dtype=torch.uint8)
    kinds = _kinds({5: OBJECT_KIND, 9: OBJECT_KIND, 6: SCREEN_KIND})  # objects 5 and 9: slots 1 and 2
    relabelled = by_identity(slot_map, masks, kinds, slots=3)
    assert relabelled.tolist() == [[[[2, 0, 1, 0], [1, 2, 5, 0]]]]


def test_by_slot_identity_renumbers_slots_by_their_main_object_and_moves_no_pixel() -> None:
    slot_map = torch.tensor([[[[1, 1, 1, 2], [2, 3, 0, 5]]]])  # slot 1 holds two things and a blurred pixel
    masks = torch.tensor([[[[9, 9, 5, 5], [0, 0, 0, 6]]]], dtype=torch.uint8)
    kinds = _kinds({5: OBJECT_KIND, 9: OBJECT_KIND, 6: SCREEN_KIND})  # objects 5 and 9: slots 1 and 2
    renumbered = by_slot_identity(slot_map, masks, kinds, slots=3)
    # slot 1 is mostly object 9 -> slot 2, whole; slot 2 is object 5 -> 1; slot 3 holds no object -> none
    assert renumbered.tolist() == [[[[2, 2, 2, 1], [1, 0, 0, 5]]]]


def test_by_identity_keeping_others_parts_touching_things_and_drops_no_pixel() -> None:
    slot_map = torch.tensor([[[[1, 1, 1, 1, 2]]]])  # slot 1: mostly object 9, object 5 touching it, a blurred pixel
    masks = torch.tensor([[[[9, 9, 5, 0, 5]]]], dtype=torch.uint8)
    kinds = _kinds({5: OBJECT_KIND, 9: OBJECT_KIND})  # objects 5 and 9: slots 1 and 2
    assert by_identity(slot_map, masks, kinds, slots=3).tolist() == [[[[2, 2, 1, 0, 1]]]]
    assert by_identity_keeping_others(slot_map, masks, kinds, slots=3).tolist() == [[[[2, 2, 1, 2, 1]]]]


def test_by_identity_keeping_rims_keeps_an_objects_blended_edge_and_drops_seams_and_far_pixels() -> None:
    # slot 1 holds object 9, its edge, a seam touching 9 and 5, object 5, a pixel far from both
    slot_map = torch.tensor([[[[1, 1, 1, 1, 1, 1, 1, 0]]]])
    masks = torch.tensor([[[[0, 9, 0, 5, 0, 0, 0, 0]]]], dtype=torch.uint8)
    kinds = _kinds({5: OBJECT_KIND, 9: OBJECT_KIND})  # objects 5 and 9: slots 1 and 2
    assert rims(masks, kinds, slots=3).tolist() == [[[[2, 0, 0, 0, 1, 0, 0, 0]]]]
    assert by_identity_keeping_rims(slot_map, masks, kinds, slots=3).tolist() == [[[[2, 2, 0, 1, 1, 0, 0, 0]]]]


def test_empty_first_leaves_unseen_an_object_held_only_with_a_thing_that_is_none() -> None:
    """A ball rides on a sliding wall: one component, one slot, mostly wall. With identities the
    ball's pixels are handed to its own slot; emptied first, the slot goes with the wall."""
    frames = torch.full((8, 3, 32, 32), 90, dtype=torch.uint8)
    masks = torch.zeros(8, 32, 32, dtype=torch.uint8)
    for t in range(8):
        left = 2 + 2 * t
        frames[t, :, 16:26, left : left + 10], masks[t, 16:26, left : left + 10] = 200, 3  # the wall
        frames[t, :, 13:16, left + 3 : left + 6], masks[t, 13:16, left + 3 : left + 6] = 150, 1  # the ball on it
    kinds = _kinds({1: OBJECT_KIND, 3: WALL_KIND})
    perception = ForegroundPerception(slots=2, min_area=4)
    present = FEATURES.index("present")
    handed = MaskFilteredPerception(perception=perception, identities=True)(frames[None], masks[None], kinds)
    emptied = MaskFilteredPerception(perception=perception, identities=True, empty_first=True)(frames[None], masks[None], kinds)
    assert handed.features[0, :, 0, present].eq(1).all()  # the ball, first object of the masks: slot 1
    assert emptied.features[0, :, :2, present].eq(0).all()
    with pytest.raises(ValueError, match="empty_first"):
        MaskFilteredPerception(perception=perception, empty_first=True)


def test_with_false_things_puts_the_trackers_false_things_back_after_the_masks_objects() -> None:
    # slot 1: object 9; slot 2: mostly a screen, one pixel of object 5; slot 3: background; 5 static
    slot_map = torch.tensor([[[[1, 1, 2, 2], [2, 3, 5, 0]]]])
    masks = torch.tensor([[[[9, 9, 6, 5], [6, 0, 6, 0]]]], dtype=torch.uint8)
    kinds = _kinds({5: OBJECT_KIND, 9: OBJECT_KIND, 6: SCREEN_KIND})  # objects 5 and 9: slots 1 and 2
    handed = by_identity(slot_map, masks, kinds, slots=3)
    assert handed.tolist() == [[[[2, 2, 0, 1], [0, 0, 5, 0]]]]
    # the screen's slot takes the one slot the two objects leave free; the background's finds none
    assert with_false_things(handed, slot_map, masks, kinds, slots=3, min_share=0.5).tolist() == [[[[2, 2, 3, 1], [3, 0, 5, 0]]]]
    assert with_false_things(handed, slot_map, masks, kinds, slots=4, min_share=0.5).tolist() == [[[[2, 2, 3, 1], [3, 4, 5, 0]]]]


def test_false_things_keeps_a_screens_slot_that_identities_alone_empty() -> None:
    frames, ids = _movie()
    kinds = _kinds({1: OBJECT_KIND, 4: OBJECT_KIND, 2: SCREEN_KIND, 3: SCREEN_KIND})  # to these masks the falling blue square is a (moving) screen
    perception = ForegroundPerception(slots=4)
    present = FEATURES.index("present")
    alone = MaskFilteredPerception(perception=perception, identities=True)(frames[None], ids[None].to(torch.uint8), kinds)
    kept = MaskFilteredPerception(perception=perception, identities=True, false_things=True)(frames[None], ids[None].to(torch.uint8), kinds)
    seen_alone, seen_kept = alone.features[:, :, :4, present].sum(), kept.features[:, :, :4, present].sum()
    assert seen_kept - seen_alone == len(frames)  # the falling "screen", seen in every frame, is back
    assert torch.equal(kept.features[0, :, :2], alone.features[0, :, :2])  # the two objects untouched
    screen = MaskFilteredPerception(perception=perception, identities=True, false_things=True, false_kind=2)(frames[None], ids[None].to(torch.uint8), kinds)
    assert kept.kind[0, :3].tolist() == [OBJECT_KIND] * 3 and screen.kind[0, :3].tolist() == [OBJECT_KIND, OBJECT_KIND, SCREEN_KIND]
    assert torch.equal(screen.features, kept.features)
    with pytest.raises(ValueError, match="false_things"):
        MaskFilteredPerception(perception=perception, false_things=True)
    with pytest.raises(ValueError, match="false_kind"):
        MaskFilteredPerception(perception=perception, identities=True, false_kind=2)


def test_whole_when_seen_gives_a_seen_object_all_its_mask_pixels_and_an_unseen_one_none() -> None:
    slot_map = torch.tensor([[[[1, 0, 0, 3]], [[0, 0, 3, 3]]]])  # slot 1 sees a pixel of object 5 in frame 0 only; 3 static
    masks = torch.tensor([[[[5, 5, 5, 0]], [[5, 5, 5, 0]]]], dtype=torch.uint8)
    kinds = _kinds({5: OBJECT_KIND})
    whole = whole_when_seen(slot_map, masks, kinds, slots=2)
    assert whole.tolist() == [[[[1, 1, 1, 3]], [[0, 0, 3, 3]]]]


def test_with_identities_a_tracker_that_swaps_two_things_keeps_them_apart() -> None:
    """Two squares of one colour cross: the tracker swaps them (each slot turns back where they
    meet); by the masks' ids each keeps one slot from the first frame to the last."""
    frames = torch.full((12, 3, 32, 32), 90, dtype=torch.uint8)
    ids = torch.zeros(12, 32, 32, dtype=torch.uint8)
    for t in range(12):
        for thing, column in ((1, 2 + 2 * t), (2, 26 - 2 * t)):
            frames[t, :, 14:18, column : column + 4] = 200
            ids[t, 14:18, column : column + 4] = thing
    kinds = _kinds({1: OBJECT_KIND, 2: OBJECT_KIND})
    perception = ForegroundPerception(slots=3, min_area=4)
    truth = MaskFilteredPerception(perception=perception, identities=True)(frames[None], ids[None], kinds)
    x = truth.features[0, :, :2, FEATURES.index("x")]
    present = truth.features[0, :, :2, FEATURES.index("present")]
    seen = present.bool().all(dim=1)
    assert seen.sum() >= 8  # apart in most frames
    assert (x[seen, 0].diff() > 0).all() and (x[seen, 1].diff() < 0).all()  # slot 1 moves right, slot 2 left
    with pytest.raises(ValueError, match="identities"):
        MaskFilteredPerception(perception=perception, identities="yes")
    with pytest.raises(ValueError, match="whole_objects .* needs identities"):
        MaskFilteredPerception(perception=perception, whole_objects=True)
    with pytest.raises(ValueError, match="keep_other_pixels"):
        MaskFilteredPerception(perception=perception, keep_other_pixels=True)
    with pytest.raises(ValueError, match="keep_rims"):
        MaskFilteredPerception(perception=perception, identities=True, keep_other_pixels=True, keep_rims=True)
    with pytest.raises(ValueError, match="slot_identities"):
        MaskFilteredPerception(perception=perception, identities=True, slot_identities=True)


def test_bad_parts_raise_one_line_errors() -> None:
    with pytest.raises(ValueError, match="no slot map to filter"):
        MaskFilteredPerception(perception=torch.nn.Identity())
    with pytest.raises(ValueError, match="min_share must be in"):
        MaskFilteredPerception(perception=ForegroundPerception(), min_share=0.0)


def test_largest_thing_is_not_tracked_in_the_frames_it_is_large() -> None:
    """A 12 x 12 slab slides out of the right edge beside a 4 x 4 square that slides left: frame by
    frame, only while at most 0.1 of the frame is in view is the slab tracked; max_area would
    empty its slot for the whole clip."""
    frames = torch.full((1, 10, 3, 32, 32), 40, dtype=torch.uint8)
    for t in range(10):
        frames[0, t, :, 18:30, 20 + 2 * t : 32 + 2 * t] = 200
        frames[0, t, :, 4:8, 24 - 2 * t : 28 - 2 * t] = 120
    slot_map = ForegroundPerception(slots=3, min_area=4, largest_thing=0.1).slot_map(frames)
    slab_in_view = (frames[0, :, 0, 18:30] == 200).sum(dim=(1, 2))
    tracked = (slot_map[0, :, 18:30] > 0).sum(dim=(1, 2))
    assert torch.equal(tracked, torch.where(slab_in_view <= 0.1 * 32 * 32, slab_in_view, 0))
    assert tracked.tolist() == [0, 0, 96, 72, 48, 24, 0, 0, 0, 0]  # 144 and 120 pixels in view: not tracked
    assert ((slot_map[0, :, 4:8] > 0).sum(dim=(1, 2)) == 16).all()  # the square in every frame
    with pytest.raises(ValueError, match="largest_thing must be in"):
        ForegroundPerception(largest_thing=1.5)
