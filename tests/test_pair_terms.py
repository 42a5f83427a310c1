"""benchmarks/pair_terms.py: which terms of an object model's energy decide its pairs."""

from __future__ import annotations

import pytest
import torch

from benchmarks.pair_terms import TERMS, frame_terms, pair_split
from physpred.models.slots.energy import SlotEnergy
from physpred.models.slots.features import FEATURES


def test_the_terms_add_up_to_the_energy_of_each_slot() -> None:
    generator = torch.Generator().manual_seed(0)
    expected = torch.randn(1, 5, 3, len(FEATURES), generator=generator)
    seen = torch.rand(1, 5, 3, len(FEATURES), generator=generator)
    seen[..., 0] = (seen[..., 0] > 0.5).float()  # in view or not
    kind = torch.tensor([[1, 2, 0]])
    energy = SlotEnergy(fill_scale=0.2, presence_weight=2.0, colour_weight=0.5)
    scales = (0.06, 0.02, 0.2, 0.15)
    terms = frame_terms(energy, expected, seen, kind, scales)
    assert terms.shape == (5, 3, len(TERMS))
    assert terms.sum(dim=-1) == pytest.approx(energy.per_slot(expected, seen, kind, scales)[0], abs=1e-5)
    assert terms[:, 2].abs().sum() == 0  # a slot of no kind costs nothing
    unseen = seen[0, ..., 0] == 0
    assert terms[:, :, 1:][unseen].abs().sum() == 0  # nothing seen: only presence is priced


def test_the_split_is_impossible_minus_possible_by_object_and_other_slots() -> None:
    possible = torch.zeros(4, 3, len(TERMS))
    impossible = torch.zeros(4, 3, len(TERMS))
    possible[2, 0, 1] = 3.0  # the object comes out a little off its place
    possible[1, 2, 3] = 0.5  # a screen's colour
    impossible[2:, 0, 0] = 2.0  # the object expected and missing for two frames
    kind = torch.tensor([1, 1, 2])
    split = pair_split(possible, kind, impossible, kind)
    assert split.tolist() == [[4.0, -3.0, 0.0, 0.0], [0.0, 0.0, 0.0, -0.5]]
    # each movie's slots are read with its own kinds
    assert pair_split(possible, kind, impossible, torch.tensor([2, 1, 2])).tolist() == [[0.0, -3.0, 0.0, 0.0], [4.0, 0.0, 0.0, -0.5]]
