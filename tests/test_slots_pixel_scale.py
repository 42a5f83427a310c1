"""A perception's options in pixels carried to another frame size (physpred.models.slots.pixel_scale)."""

from pathlib import Path

import pytest
import yaml

from physpred.models.slots import ForegroundPerception, MaskPerception, SplitPerception
from physpred.models.slots.pixel_scale import (
    read_at_scale,
    scaled_area,
    scaled_length,
    scaled_odd_length,
    scales_pixels,
)
from physpred.models.slots.slot_attention import SlotAttentionPerception

REPO = Path(__file__).resolve().parents[1]


def test_areas_grow_with_the_square_lengths_with_the_side_and_boxes_stay_odd() -> None:
    assert scaled_area(9, 2.0) == 36 and scaled_area(9, 0.5) == 2 and scaled_area(1, 0.25) == 1
    assert scaled_length(6, 2.0) == 12 and scaled_length(1, 0.25) == 1 and scaled_length(1.5, 2.0) == 3.0
    assert isinstance(scaled_length(6, 1.5), int) and isinstance(scaled_length(2.0, 1.5), float)
    assert scaled_odd_length(15, 2.0) == 31 and scaled_odd_length(3, 3.0) == 9 and scaled_odd_length(3, 0.5) == 3


def test_the_label_free_recipe_read_at_twice_its_size() -> None:
    """configs/objects_foreground.yaml's perception (set at 64) at 128: the options the thirty-fifth
    session scaled by hand for the demo's probes (areas x 4, lengths x 2, the box odd)."""
    recipe = yaml.safe_load((REPO / "configs" / "objects_foreground.yaml").read_text())
    options = recipe["model"]["init_args"]["energy_model"]["init_args"]["perception"]["init_args"]
    perception = read_at_scale(ForegroundPerception(**options), 2.0)
    assert (perception.min_area, perception.sliver_area, perception.scenery_min_region) == (36, 36, 36)
    assert (perception.peel_ghosts, perception.resting, perception.opening, perception.min_travel) == (12, 31, 0, 0.0)
    assert (perception.gate, perception.threshold, perception.colour_trim_min_area) == (0.15, 0.05, 0.03)  # fractions stay


def test_nested_parts_are_scaled_and_a_learned_perception_has_nothing_to_scale() -> None:
    split = SplitPerception(objects=MaskPerception(min_area=2, scoring_min_area=8), scenery=ForegroundPerception(min_area=9, resting=5))
    assert scales_pixels(split) and read_at_scale(split, 2.0) is split
    assert (split.objects.min_area, split.objects.scoring_min_area) == (8, 32)
    assert (split.scenery.min_area, split.scenery.resting) == (36, 11)
    learned = SlotAttentionPerception(slots=2, grid=8)
    assert not scales_pixels(learned)
    with pytest.raises(ValueError, match="positive"):
        read_at_scale(split, 0.0)
