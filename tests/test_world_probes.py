"""Probe construction: splicing for O1-O3, shared prefixes for G1/S1/I1, pairs found by the
longest-prefix rule, balanced motion, objects passing into walls drawn behind them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from physpred.data.pairs import match_pairs, thumbnails
from physpred.world import samplers
from physpred.world.probes import BLOCKS, EARLIEST_VIOLATION, Setting
from physpred.world.render import render_video
from physpred.world.scenes import pixels_per_unit
from physpred.world.simulate import simulate
from physpred.world.splice import differing_frames, hidden_runs, same_frames

SETTING = Setting(frames=60, size=64, fps=15, gravity=200.0)
SEEDS = (0, 1, 2)


def _quadruplet(block: str, seed: int):
    return BLOCKS[block](SETTING, np.random.default_rng(seed))


def _pairs(clips):
    by_pair = {(c.pair, c.is_possible): c for c in clips}
    return [(by_pair[(p, True)], by_pair[(p, False)]) for p in (1, 2)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("block", ["O1", "O2", "O3"])
def test_spliced_frames_come_from_a_possible_sibling(block: str, seed: int) -> None:
    clips = _quadruplet(block, seed)
    possible = np.stack([c.frames for c in clips if c.is_possible])  # (2, T, H, W, 3)
    for clip in (c for c in clips if not c.is_possible):
        for t, frame in enumerate(clip.frames):
            assert any(np.array_equal(frame, p[t]) for p in possible), f"{block} frame {t} is new"
        assert not any(np.array_equal(clip.frames, p) for p in possible), (
            "the impossible movie is a copy"
        )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("block", list(BLOCKS))
def test_pairs_share_a_prefix_and_violate_late(block: str, seed: int) -> None:
    for possible, impossible in _pairs(_quadruplet(block, seed)):
        differ = differing_frames(possible.frames, impossible.frames)
        assert differ, "the pair is identical"
        first = differ[0] - 1
        assert first >= EARLIEST_VIOLATION
        assert np.array_equal(possible.frames[:first], impossible.frames[:first])


def _motion_after(clip, start: int) -> float:
    """Mean absolute change between consecutive frames after ``start``: copy-last's error."""
    frames = clip.frames[start:].astype(np.int16)
    return float(np.abs(np.diff(frames, axis=0)).mean())


@pytest.mark.parametrize("block", ["G1", "S1", "I1"])
def test_pairs_are_balanced_for_a_copy_last_predictor(block: str) -> None:
    """In pair 1 the impossible movie moves less than the possible one, in pair 2 more (or
    the other way round): copy-last cannot rank both pairs right."""
    for seed in SEEDS:
        signs = []
        for possible, impossible in _pairs(_quadruplet(block, seed)):
            start = differing_frames(possible.frames, impossible.frames)[0] - 1
            signs.append(np.sign(_motion_after(impossible, start) - _motion_after(possible, start)))
        assert signs[0] * signs[1] < 0, f"{block} seed {seed}: {signs}"


def _thumbnails(frames: np.ndarray) -> torch.Tensor:
    return thumbnails(torch.from_numpy(frames).permute(0, 3, 1, 2))  # (T, 3, H, W) in


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("block", list(BLOCKS))
def test_longest_prefix_partner_is_the_pair_partner(block: str, seed: int) -> None:
    """physpred.data pairs real probe sets (no ``pair`` key) by the longest identical prefix;
    on ours that rule must find the ``pair`` partner without a tie (the wrong partner is offered
    first, so a tie would pick it)."""
    clips = _quadruplet(block, seed)
    possible = {c.pair: _thumbnails(c.frames) for c in clips if c.is_possible}
    for clip in (c for c in clips if not c.is_possible):
        wrong = 3 - clip.pair
        offered = {f"p{wrong}": possible[wrong], f"p{clip.pair}": possible[clip.pair]}
        found = match_pairs(offered, {"bad": _thumbnails(clip.frames)})
        assert found == [(f"p{clip.pair}", "bad")], f"{block} pair {clip.pair}: {found}"


def test_an_object_inside_a_wall_is_drawn_behind_it() -> None:
    scene = samplers.bounce(np.random.default_rng(4), 12, 15, 200.0)
    wall = scene.slabs[0]
    inside = replace(scene.things[0], position=wall.position, velocity=(0.0, 0.0))
    scene = replace(scene, things=(inside,), gravity=0.0)
    trajectory = simulate(scene, 1, 15)
    with_object = render_video(scene, trajectory, 128, 15)
    without = render_video(scene, trajectory, 128, 15, hidden=frozenset({0}))
    differ = np.any(with_object[0] != without[0], axis=-1)  # (H, W)
    assert differ.any(), "the object sticking out of the wall is not drawn"
    columns = np.flatnonzero(differ.any(axis=0))
    middle = (columns.min() + columns.max()) // 2
    assert not differ[:, middle].any(), "the object is drawn over the wall"


@pytest.mark.parametrize("block", ["O1", "O3"])
def test_objects_hide_only_briefly(block: str) -> None:
    """An object is fully hidden behind a screen for at most 8 frames at 15 fps."""
    for seed in SEEDS:
        clips = _quadruplet(block, seed)
        a, b = (c.frames for c in clips if c.is_possible)
        hidden = hidden_runs(same_frames(a, b))
        assert hidden and all(stop - start <= 8 for start, stop in hidden), hidden


def test_objects_are_5_to_9_pixels_across_at_64_pixels() -> None:
    rng = np.random.default_rng(0)
    widths = [
        2 * max(thing.half) * pixels_per_unit(scene.look, 64)
        for scene in (samplers.training_scene(rng, 100, 15, 200.0) for _ in range(200))
        for thing in scene.things
    ]
    assert min(widths) >= 5.0 and max(widths) <= 9.5, (min(widths), max(widths))
