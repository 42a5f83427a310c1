"""Slots drawn on frames: a box per seen object, a dashed one per expected object."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from physpred.models.slots.features import FEATURES
from physpred.viz.slots import slot_strip


def test_slot_strip_draws_seen_and_expected_objects_only() -> None:
    frames = np.zeros((2, 16, 16, 3), np.uint8)
    seen = np.zeros((2, 2, len(FEATURES)))
    seen[:, :, :3] = [1.0, 0.5, 0.5]  # an object and a screen, both seen in both frames
    expected = seen.copy()
    expected[1, 0, 0] = 0.0  # the model expects the object gone in the second frame
    kind = np.array([1, 2])
    figure = slot_strip([("movie", ["a", "b"], frames, seen, expected, kind)])
    boxes = [[p for p in ax.patches if isinstance(p, Rectangle)] for ax in figure.axes]
    assert [len(b) for b in boxes] == [2, 1]  # the screen is never drawn; a sure absence neither
    assert boxes[0][1].get_linestyle() == "--" and boxes[0][1].get_alpha() == 1.0
