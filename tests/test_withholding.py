"""Withheld percepts (``withheld_runs``, ``ObjectEnergyModel.predict(withheld)``,
``ObjectPredictionModule(withhold_rate)``): which frames, and what the dynamics and the energy see."""

from __future__ import annotations

import pytest
import torch

from physpred.lit.objects import ObjectPredictionModule
from physpred.models.slots import GatedSlotDynamics, MaskPerception, ObjectEnergyModel, SlotEnergy
from physpred.models.slots.withholding import withheld_runs
from physpred.types import ClipGeometry, MaskedClip


def _present(batch: int = 400, steps: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    """Slot 0 an object seen from frame 3 on, slot 1 an object never seen, slot 2 a screen
    always seen, slot 3 an object seen only in the last frame."""
    present = torch.zeros(batch, steps, 4, dtype=torch.bool)
    present[:, 3:, 0] = True
    present[:, :, 2] = True
    present[:, -1, 3] = True
    return present, torch.tensor([1, 1, 2, 1]).expand(batch, -1)


def test_every_run_is_one_stretch_after_the_first_sighting_of_an_object() -> None:
    present, kind = _present()
    runs = withheld_runs(present, kind, rate=1.0, longest=4, generator=torch.Generator().manual_seed(0))
    assert not runs[..., 1:].any()  # never seen, a screen, seen only at the end: nothing to carry
    slot = runs[..., 0].long()
    starts = slot.argmax(dim=1)
    assert (starts >= 4).all()  # after the first sighting (frame 3)
    length = slot.sum(dim=1)
    ends_in_clip = starts + 4 <= present.shape[1]
    assert ((length >= 1) & (length <= 4)).all()
    assert sorted(length[ends_in_clip].unique().tolist()) == [1, 2, 3, 4]
    stretch = (torch.arange(present.shape[1])[None] >= starts[:, None]) & (torch.arange(present.shape[1])[None] < (starts + length)[:, None])
    assert torch.equal(runs[..., 0], stretch)  # contiguous
    assert sorted(starts.unique().tolist()) == list(range(4, 12))  # every frame after it can start one


def test_the_rate_is_the_share_of_object_slots_with_a_run_and_a_seed_repeats_them() -> None:
    present, kind = _present()
    assert not withheld_runs(present, kind, rate=0.0, longest=6).any()
    runs = withheld_runs(present, kind, rate=0.3, longest=6, generator=torch.Generator().manual_seed(1))
    assert runs[..., 0].any(dim=1).float().mean().item() == pytest.approx(0.3, abs=0.07)
    assert torch.equal(runs, withheld_runs(present, kind, rate=0.3, longest=6, generator=torch.Generator().manual_seed(1)))


def _model() -> ObjectEnergyModel:
    return ObjectEnergyModel(
        perception=MaskPerception(objects=2, scenery=1),
        dynamics=GatedSlotDynamics(hidden=16, heads=2),
        energy=SlotEnergy(),
        geometry=ClipGeometry(context_frames=2, future_frames=8, frame_step=1, frame_size=16),
    )


def _clip(steps: int = 10, side: int = 16) -> MaskedClip:
    """A batch of one: a 2x2 object (id 3) moving right across the frame in the open."""
    frames = torch.zeros(1, steps, 3, side, side, dtype=torch.uint8)
    masks = torch.zeros(1, steps, side, side, dtype=torch.uint8)
    for t in range(steps):
        frames[0, t, 0, 6:8, 3 + t : 5 + t] = 200
        masks[0, t, 6:8, 3 + t : 5 + t] = 3
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    kinds[0, 3] = 1
    return MaskedClip(frames, masks, kinds)


def test_a_withheld_thing_runs_on_imagination_and_is_priced_against_what_is_seen() -> None:
    torch.manual_seed(0)
    model = _model()
    percepts = model.perceive(*_clip())
    withheld = torch.zeros(percepts.features.shape[:3], dtype=torch.bool)
    withheld[0, 4:7, 0] = True
    rollout, energies = model.predict(percepts, withheld=withheld)
    shown_rollout, shown_energies = model.predict(percepts)
    assert rollout.gate[0, 4:7, 0].eq(0).all() and rollout.gate[0, 1:4, 0].gt(0).all()
    assert torch.equal(rollout.prediction[:, :4], shown_rollout.prediction[:, :4])  # up to the run, the same
    assert not torch.allclose(energies[:, 4:], shown_energies[:, 4:])
    assert torch.equal(energies, model.energy(rollout.prediction, percepts.features[:, 1:], percepts.kind))  # the truth, not the blank


def test_the_module_withholds_runs_drawn_from_the_seeded_global_source() -> None:
    model = _model()
    module = ObjectPredictionModule(energy_model=model, withhold_rate=1.0, withhold_frames=3)
    torch.manual_seed(5)
    loss = module.training_step(_clip(), 0)
    torch.manual_seed(5)
    percepts = model.perceive(*_clip())
    withheld = withheld_runs(percepts.features[..., 0] > 0, percepts.kind, 1.0, 3)
    assert withheld.any()
    assert loss.item() == pytest.approx(model.predict(percepts, withheld=withheld)[1].mean().item(), rel=1e-6)
    assert loss.item() != pytest.approx(model.predict(percepts)[1].mean().item(), rel=1e-6)


@pytest.mark.parametrize(("option", "value"), [("withhold_rate", 1.5), ("withhold_rate", -0.1), ("withhold_frames", 0), ("withhold_frames", 2.5)])
def test_bad_withholding_options_name_the_option(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        ObjectPredictionModule(energy_model=_model(), **{option: value})
