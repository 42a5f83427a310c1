"""Probe construction: splicing for O1-O3, shared prefixes for G1/S1/I1, balanced motion."""

from __future__ import annotations

import numpy as np
import pytest

from physpred.world.probes import BLOCKS, EARLIEST_VIOLATION, Setting
from physpred.world.splice import differing_frames

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
