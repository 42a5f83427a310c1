"""The object module's training: the cuts its imagination term starts from (``imagination_cuts``)
and the presence it does not teach (``ignore_lasting_departures``, ``ignore_open_departures``)."""

from __future__ import annotations

import pytest
import torch

from physpred.lit.objects import ObjectPredictionModule, imagination_cuts
from physpred.models.slots import GatedSlotDynamics, MaskPerception, ObjectEnergyModel, SlotEnergy
from physpred.types import ClipGeometry, MaskedClip


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


def _clip(steps: int = 10, side: int = 16) -> MaskedClip:
    """A batch of one: a 2x2 object (id 3) moving right in the open, gone for good from frame 5."""
    frames = torch.zeros(1, steps, 3, side, side, dtype=torch.uint8)
    masks = torch.zeros(1, steps, side, side, dtype=torch.uint8)
    for t in range(5):
        frames[0, t, 0, 6:8, 3 + t : 5 + t] = 200
        masks[0, t, 6:8, 3 + t : 5 + t] = 3
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    kinds[0, 3] = 1
    return MaskedClip(frames, masks, kinds)


@pytest.mark.parametrize("option", ["ignore_lasting_departures", "ignore_open_departures"])
@pytest.mark.parametrize("imagination_weight", [0.0, 0.3])
def test_ignoring_departures_drops_exactly_their_presence_terms(imagination_weight: float, option: str) -> None:
    """The loss with the option is the loss without it less the presence cross-entropy of the
    frames after the object is lost in the open, for good (and, with the imagination term, less
    that term priced with presence there)."""
    torch.manual_seed(0)
    energy_model = ObjectEnergyModel(
        perception=MaskPerception(objects=2, scenery=1),
        dynamics=GatedSlotDynamics(hidden=16, heads=2),
        energy=SlotEnergy(),
        geometry=ClipGeometry(context_frames=2, future_frames=8, frame_step=1, frame_size=16),
    )
    clip = _clip()
    loss = {}
    for ignore in (False, True):
        module = ObjectPredictionModule(
            energy_model=energy_model, imagination_weight=imagination_weight, imagination_presence=True, imagination_every_cut=True, **{option: ignore}
        )
        loss[ignore] = module.training_step(clip, 0)
    percepts, rollout, _ = energy_model.rollout(*clip)
    presence = torch.nn.functional.binary_cross_entropy_with_logits(rollout.prediction[0, :, 0, 0], percepts.features[0, 1:, 0, 0], reduction="none")
    dropped = presence[4:].sum() / presence.numel()  # frames 5..9 of the object's slot, over frames 1..9
    assert (percepts.features[0, 5:, 0, 0] == 0).all() and dropped > 0
    if imagination_weight == 0:
        assert (loss[False] - loss[True]).item() == pytest.approx(dropped.item(), rel=1e-5)
    else:
        assert (loss[False] - loss[True]).item() > dropped.item()
