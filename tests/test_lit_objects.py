"""The cuts the object module's imagination term starts from (``imagination_cuts``)."""

from __future__ import annotations

import pytest
import torch

from physpred.lit.objects import imagination_cuts


def test_every_cut_weighs_each_cut_that_sees_motion_alike() -> None:
    weights = imagination_cuts(3, 8, every=True)
    assert weights.shape == (3, 7)
    assert weights[:, 0].eq(0).all()  # cut 0 sees one frame: no motion
    assert torch.allclose(weights[:, 1:], torch.full((3, 6), 1 / 6))


def test_a_drawn_cut_is_one_hot_seeded_and_in_range() -> None:
    torch.manual_seed(0)
    first = imagination_cuts(200, 8, every=False)
    torch.manual_seed(0)
    assert torch.equal(first, imagination_cuts(200, 8, every=False))
    assert first.sum(dim=1).eq(1).all() and first[:, 0].eq(0).all()
    assert first.argmax(dim=1).unique().tolist() == [1, 2, 3, 4, 5, 6]  # every cut that sees motion is drawn
    assert first.mean(dim=0)[1:].tolist() == pytest.approx([1 / 6] * 6, abs=0.08)


@pytest.mark.parametrize("every", [False, True])
def test_a_two_frame_clip_cuts_after_its_first_frame(every: bool) -> None:
    assert imagination_cuts(2, 2, every=every).tolist() == [[1.0], [1.0]]
