"""Steady targets (``steady``, ``SlotEnergy(appearance_mask)``, ``ObjectPredictionModule(steady_targets)``):
a slot whose size jumps is not priced on its place, shape and colour in that frame."""

from __future__ import annotations

import pytest
import torch

from physpred.lit.objects import ObjectPredictionModule
from physpred.models.slots import GatedSlotDynamics, MaskPerception, ObjectEnergyModel, SlotEnergy
from physpred.models.slots.features import FEATURES
from physpred.models.slots.steadiness import steady
from physpred.types import ClipGeometry, MaskedClip

SIZE = FEATURES.index("size")


def test_only_a_seen_slot_whose_size_jumps_from_the_frame_before_is_doubted() -> None:
    features = torch.zeros(1, 6, 3, len(FEATURES))
    features[0, :, 0, 0] = 1.0
    features[0, :, 0, SIZE] = torch.tensor([0.10, 0.105, 0.13, 0.13, 0.10, 0.10])  # +5%, +24%, 0, -23%, 0
    features[0, 2:, 1, 0], features[0, 2:, 1, SIZE] = 1.0, 0.2  # first seen in frame 2: nothing to doubt
    features[0, 4, 2, 0], features[0, 4, 2, SIZE] = 1.0, 0.3  # a single sighting
    assert steady(features, 0.08)[0].tolist() == [
        [True, True, True],
        [True, True, True],
        [False, True, True],
        [True, True, True],
        [False, True, True],
        [True, True, True],
    ]
    assert steady(features, 0.3).all()


def _model() -> ObjectEnergyModel:
    return ObjectEnergyModel(
        perception=MaskPerception(objects=2, scenery=1),
        dynamics=GatedSlotDynamics(hidden=16, heads=2),
        energy=SlotEnergy(),
        geometry=ClipGeometry(context_frames=2, future_frames=8, frame_step=1, frame_size=16),
    )


def _clip(steps: int = 10, side: int = 16) -> MaskedClip:
    """A batch of one: an object (id 3) moving right, 2 x 2 but 2 x 4 in frames 5 and 6 (a part joins it)."""
    frames = torch.zeros(1, steps, 3, side, side, dtype=torch.uint8)
    masks = torch.zeros(1, steps, side, side, dtype=torch.uint8)
    for t in range(steps):
        rows = slice(6, 10) if t in (5, 6) else slice(6, 8)
        frames[0, t, 0, rows, 3 + t : 5 + t] = 200
        masks[0, t, rows, 3 + t : 5 + t] = 3
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    kinds[0, 3] = 1
    return MaskedClip(frames, masks, kinds)


def test_the_module_prices_no_place_where_the_size_jumps_and_presence_everywhere() -> None:
    torch.manual_seed(0)
    model = _model()
    percepts = model.perceive(*_clip())
    priced = steady(percepts.features, 0.08)
    assert priced[0, :, 0].tolist() == [True] * 5 + [False, True, False] + [True] * 2  # the joining and the parting
    module = ObjectPredictionModule(energy_model=model, steady_targets=0.08)
    loss = module.training_step(_clip(), 0)
    rollout, energies = model.predict(percepts, appearance_mask=priced[:, 1:])
    assert loss.item() == pytest.approx(energies.mean().item(), rel=1e-6)
    full = model.energy.per_slot(rollout.prediction, percepts.features[:, 1:], percepts.kind)
    presence = model.energy.presence(rollout.prediction, percepts.features[:, 1:], percepts.kind)
    masked = model.energy.per_slot(rollout.prediction, percepts.features[:, 1:], percepts.kind, appearance_mask=priced[:, 1:])
    assert torch.equal(masked[0, 4, 0], presence[0, 4, 0]) and masked[0, 4, 0] < full[0, 4, 0]  # frame 5: presence only
    assert torch.equal(masked[0, 3, 0], full[0, 3, 0])  # frame 4: all of it
    branches = model.predict(percepts, branch=3)[0].branches
    cut = torch.nn.functional.one_hot(torch.tensor([2]), 9).float()
    nowhere = torch.zeros_like(priced)
    assert model.imagination_energy(percepts, branches, cut).item() > 0
    assert model.imagination_energy(percepts, branches, cut, appearance_mask=nowhere).item() == 0


@pytest.mark.parametrize("value", [0.0, -0.1, True])
def test_a_bad_steady_targets_names_the_option(value: float) -> None:
    with pytest.raises(ValueError, match="steady_targets"):
        ObjectPredictionModule(energy_model=_model(), steady_targets=value)
