"""Place noise (``jittered_places``, ``ObjectPredictionModule(place_noise)``): the masks' slots made
to jitter in training, only where an object is seen."""

from __future__ import annotations

import pytest
import torch

from physpred.lit.objects import ObjectPredictionModule
from physpred.models.slots import GatedSlotDynamics, MaskPerception, ObjectEnergyModel, SlotEnergy
from physpred.models.slots.features import FEATURES, POSITION
from physpred.models.slots.jitter import jittered_places
from physpred.types import ClipGeometry, MaskedClip


def test_only_the_places_of_seen_object_slots_move_by_the_given_spread() -> None:
    features = torch.rand(8, 50, 3, len(FEATURES))
    features[..., 0] = 1.0
    features[:, ::2, 0, 0] = 0.0  # slot 0 unseen every other frame
    kind = torch.tensor([1, 2, 1]).expand(8, -1)  # slot 1 a screen
    moved = jittered_places(features, kind, 0.01, torch.Generator().manual_seed(0))
    change = moved - features
    others = [i for i in range(len(FEATURES)) if i not in range(POSITION.start, POSITION.stop)]
    assert change[..., others].abs().max() == 0
    assert change[:, :, 1].abs().max() == 0  # the screen
    assert change[:, ::2, 0].abs().max() == 0  # unseen frames
    assert change[:, 1::2, 0, POSITION].std().item() == pytest.approx(0.01, rel=0.1)
    assert change[:, :, 2, POSITION].std().item() == pytest.approx(0.01, rel=0.1)
    steps = moved[:, 1:, 2, 2] - moved[:, :-1, 2, 2] - (features[:, 1:, 2, 2] - features[:, :-1, 2, 2])
    assert (steps[:, 1:] * steps[:, :-1]).mean() / (steps**2).mean() == pytest.approx(-0.5, abs=0.1)  # noise steps reverse


def test_the_module_trains_on_jittered_percepts_from_the_seeded_global_source() -> None:
    model = ObjectEnergyModel(
        perception=MaskPerception(objects=2, scenery=1),
        dynamics=GatedSlotDynamics(hidden=16, heads=2),
        energy=SlotEnergy(),
        geometry=ClipGeometry(context_frames=2, future_frames=8, frame_step=1, frame_size=16),
    )
    frames = torch.zeros(1, 10, 3, 16, 16, dtype=torch.uint8)
    masks = torch.zeros(1, 10, 16, 16, dtype=torch.uint8)
    for t in range(10):
        frames[0, t, 0, 6:8, 3 + t : 5 + t], masks[0, t, 6:8, 3 + t : 5 + t] = 200, 3
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    kinds[0, 3] = 1
    clip = MaskedClip(frames, masks, kinds)
    module = ObjectPredictionModule(energy_model=model, place_noise=0.02)
    torch.manual_seed(3)
    loss = module.training_step(clip, 0)
    torch.manual_seed(3)
    percepts = model.perceive(*clip)
    jittered = percepts._replace(features=jittered_places(percepts.features, percepts.kind, 0.02))
    assert loss.item() == pytest.approx(model.predict(jittered)[1].mean().item(), rel=1e-6)
    assert loss.item() != pytest.approx(model.predict(percepts)[1].mean().item(), rel=1e-3)
    with pytest.raises(ValueError, match="place_noise"):
        ObjectPredictionModule(energy_model=model, place_noise=-0.01)
