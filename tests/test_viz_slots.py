"""Slots drawn on frames: a box per seen object, a dashed one where the model scored it against."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.patches import Rectangle

from physpred.models.slots import GatedSlotDynamics, MaskPerception, ObjectEnergyModel, SlotEnergy
from physpred.models.slots.features import FEATURES
from physpred.types import ClipGeometry, ProbeMovie
from physpred.viz.slots import expectation_rows, slot_strip

SIDE, STOP = 16, 6


def _stopping_movie(steps: int = 12) -> ProbeMovie:
    """A 2x2 red object (id 3) moving right a pixel a frame that stops at frame STOP: x = (min(t, STOP) + 1) / 16."""
    frames = torch.zeros(steps, 3, SIDE, SIDE, dtype=torch.uint8)
    masks = torch.zeros(steps, SIDE, SIDE, dtype=torch.uint8)
    for t in range(steps):
        left = min(t, STOP)
        frames[t, 0, 6:8, left : left + 2], masks[t, 6:8, left : left + 2] = 200, 3
    kinds = torch.zeros(256, dtype=torch.uint8)
    kinds[3] = 1
    return ProbeMovie("O1/01/2", "O1", "O1/01", False, frames, masks, kinds)


def _coaster(horizon: int) -> ObjectEnergyModel:
    """Untrained, so each thing coasts at its last step's velocity (the head starts at zero)."""
    torch.manual_seed(0)
    return ObjectEnergyModel(
        perception=MaskPerception(objects=1, scenery=1),
        dynamics=GatedSlotDynamics(hidden=8, heads=1, gate=False, constant_velocity=True),
        energy=SlotEnergy(),
        geometry=ClipGeometry(context_frames=2, future_frames=4, frame_step=1, frame_size=SIDE),
        horizon=horizon,
    )


def _centres(boxes: list[Rectangle]) -> list[float]:
    """x centre of each box, as a fraction of the side."""
    return [(b.get_x() + b.get_width() / 2 + 0.5) / SIDE for b in boxes]


@pytest.mark.parametrize(
    ("horizon", "expected_x"),
    [
        # frame t is imagined from frame c = t - horizon on at the velocity seen there: x(c) + (t - c) v(c)
        (3, [5 + 3, 6 + 3, 7 + 3, 7 + 0]),  # frames 7..10 from frames 4..7 (moving, moving, the stop, still)
        (1, [7 + 1, 7, 7, 7]),  # the next-frame prediction: one frame of overshoot after the stop
    ],
)
def test_the_expected_box_is_the_imagination_of_horizon_frames_before(horizon: int, expected_x: list[int]) -> None:
    model, movie = _coaster(horizon), _stopping_movie()
    heading, rows = expectation_rows(model, "coaster", [movie], first=8, columns=4)
    assert heading.startswith("with masks: coaster") and str(horizon if horizon > 1 else "the frame before") in heading
    (label, titles, frames, seen, expected, kind), = rows
    assert label == "impossible O1/01/2" and frames.shape == (4, SIDE, SIDE, 3)
    assert [t.split()[1] for t in titles] == ["8", "9", "10", "11"]  # from the read frame before the violation
    obj = int(np.flatnonzero(kind == 1)[0])
    x = FEATURES.index("x")
    assert seen[:, obj, x] * SIDE == pytest.approx([7, 7, 7, 7])  # (min(t, 6) + 1) for frames 7..10
    assert expected[:, obj, x] * SIDE == pytest.approx(expected_x, abs=1e-4)
    assert (expected[:, obj, 0] > 0.9).all()  # a presence probability, not a logit
    energies, scored = model.movie_energies(movie.frames, movie.masks, movie.kinds, frame_step=1)
    assert [t.split()[-1] for t in titles] == [f"{float(energies[scored == f]):.1f}" for f in (7, 8, 9, 10)]
    figure = slot_strip([(heading, rows)])
    dashed = [[p for p in ax.patches if p.get_linestyle() == "--"] for ax in figure.axes]
    assert [_centres(boxes) for boxes in dashed] == [[pytest.approx(v / SIDE, abs=1e-4)] for v in expected_x]


def test_slot_strip_draws_seen_and_expected_objects_only() -> None:
    frames = np.zeros((2, 16, 16, 3), np.uint8)
    seen = np.zeros((2, 2, len(FEATURES)))
    seen[:, :, :3] = [1.0, 0.5, 0.5]  # an object and a screen, both seen in both frames
    expected = seen.copy()
    expected[1, 0, 0] = 0.0  # the model expects the object gone in the second frame
    kind = np.array([1, 2])
    figure = slot_strip([("model", [("movie", ["a", "b"], frames, seen, expected, kind)])])
    boxes = [[p for p in ax.patches if isinstance(p, Rectangle)] for ax in figure.axes]
    assert [len(b) for b in boxes] == [2, 1]  # the screen is never drawn; a sure absence neither
    assert boxes[0][1].get_linestyle() == "--" and boxes[0][1].get_alpha() == 1.0


def test_one_block_of_rows_per_model_and_a_zoom_that_follows_the_slots() -> None:
    frames = np.zeros((3, 16, 16, 3), np.uint8)
    seen = np.zeros((3, 1, len(FEATURES)))
    seen[:, 0, :3] = [1.0, 0.75, 0.25]  # an object in the top right quarter
    row = ("movie", ["a", "b", "c"], frames, seen, seen.copy(), np.array([1]))
    short = ("other", ["a"], frames[:1], seen[:1], seen[:1], np.array([1]))
    figure = slot_strip([("with masks: m", [row, short]), ("without labels: f", [row, row])], "probes, O1", zoom=0.5)
    assert [part._suptitle.get_text() for part in figure.subfigs] == ["with masks: m", "without labels: f"]
    assert [len(part.axes) for part in figure.subfigs] == [6, 6]  # two rows of three per model
    assert figure._suptitle.get_text().startswith("probes, O1\n")
    drawn = [ax for ax in figure.axes if ax.images]
    assert len(drawn) == 10 and not figure.subfigs[0].axes[4].axison  # the short row leaves empty axes
    assert drawn[0].get_xlim() == pytest.approx((7.5, 15.5)) and drawn[0].get_ylim() == pytest.approx((7.5, -0.5))
    with pytest.raises(ValueError, match="zoom"):
        slot_strip([("m", [row])], zoom=1.5)
