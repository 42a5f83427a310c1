"""The object-level model: slot features from masks, the gated dynamics, the slot energy, scoring."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch import Tensor

from physpred.models import with_part
from physpred.models.slots import (
    GatedSlotDynamics,
    MaskPerception,
    ObjectEnergyModel,
    Percepts,
    SlotAttentionPerception,
    SlotEnergy,
)
from physpred.models.slots.discovery import fg_ari
from physpred.models.slots.dynamics import UNSEEN_LOGIT, PairwiseRelations
from physpred.models.slots.features import (
    FEATURES,
    held_support,
    held_support_flags,
    id_features,
    mask_features,
    select_ids,
    supported,
)
from physpred.models.slots.perception import hide_resting, hold_still
from physpred.types import ClipGeometry

SIDE = 16


def _movie(steps: int, hidden_after: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A 2x2 red object (id 3) moving right one pixel a frame, a grey screen (id 7) at columns 8..11.

    ``hidden_after``: from this frame on the object is gone (not drawn, no mask).
    """
    frames = torch.zeros(steps, 3, SIDE, SIDE, dtype=torch.uint8)
    masks = torch.zeros(steps, SIDE, SIDE, dtype=torch.uint8)
    for t in range(steps):
        if hidden_after is None or t < hidden_after:
            frames[t, 0, 6:8, t : t + 2] = 200
            masks[t, 6:8, t : t + 2] = 3
        frames[t, :, 4:12, 8:12] = 90
        masks[t, 4:12, 8:12] = 7
    kinds = torch.zeros(256, dtype=torch.uint8)
    kinds[3], kinds[7] = 1, 2
    return frames, masks, kinds


def test_mask_features_by_hand() -> None:
    frames = torch.zeros(1, 1, 3, 8, 8)
    frames[..., 0, 2:4, 4:8] = 255
    weights = torch.zeros(1, 1, 2, 8, 8)
    weights[0, 0, 0, 2:4, 4:8] = 1
    out = dict(zip(FEATURES, mask_features(frames, weights)[0, 0, 0].tolist(), strict=True))
    assert out["present"] == 1 and out["x"] == pytest.approx(6 / 8) and out["y"] == pytest.approx(3 / 8)
    assert out["spread_x"] == pytest.approx(math.sqrt(1.25) / 8) and out["spread_y"] == pytest.approx(0.5 / 8)
    assert out["size"] == pytest.approx(math.sqrt(8 / 64)) and out["fill"] == pytest.approx(1.0)
    assert (out["red"], out["green"], out["blue"]) == (pytest.approx(1.0), 0, 0)
    assert mask_features(frames, weights)[0, 0, 1].abs().sum() == 0  # an empty slot is all zero


def test_fill_tells_a_disc_from_a_box() -> None:
    ys, xs = torch.meshgrid(torch.arange(32) + 0.5, torch.arange(32) + 0.5, indexing="ij")
    disc = (((ys - 16) ** 2 + (xs - 16) ** 2) < 10**2).float()
    box = torch.zeros(32, 32)
    box[6:26, 6:26] = 1
    weights = torch.stack([disc, box])[None, None]
    fill = mask_features(torch.zeros(1, 1, 3, 32, 32), weights)[0, 0, :, FEATURES.index("fill")]
    assert fill[0] == pytest.approx(math.pi / 4, abs=0.03) and fill[1] == pytest.approx(1.0)


def test_select_ids_orders_and_pads() -> None:
    kinds = torch.zeros(2, 256, dtype=torch.uint8)
    kinds[0, [9, 3, 7]] = 1
    kinds[0, 5], kinds[1, 4] = 2, 3
    assert select_ids(kinds, (1,), 4).tolist() == [[3, 7, 9, -1], [-1, -1, -1, -1]]
    assert select_ids(kinds, (2, 3), 2).tolist() == [[5, -1], [4, -1]]


def test_mask_perception_keeps_identity_and_kind() -> None:
    frames, masks, kinds = _movie(6, hidden_after=3)
    percepts = MaskPerception(objects=2, scenery=1)(frames[None], masks[None], kinds[None])
    assert percepts.kind.tolist() == [[1, 0, 2]]
    present = percepts.features[0, :, :, 0]
    assert present[:, 0].tolist() == [1, 1, 1, 0, 0, 0]  # the object, then gone
    assert present[:, 2].tolist() == [1] * 6  # the screen
    x = percepts.features[0, :3, 0, 1] * SIDE
    assert x.tolist() == pytest.approx([1.0, 2.0, 3.0])  # centre of columns t..t+1


def test_mask_perception_hides_slivers_below_min_area() -> None:
    frames, masks, kinds = _movie(4)
    masks[2, 7, 2:4] = 0  # frame 2: only a 2-pixel sliver of the object is visible
    whole = MaskPerception(objects=1, scenery=1)(frames[None], masks[None], kinds[None]).features[0]
    floor = MaskPerception(objects=1, scenery=1, min_area=3)(frames[None], masks[None], kinds[None]).features[0]
    assert whole[:, 0, 0].tolist() == [1, 1, 1, 1]
    assert floor[:, 0, 0].tolist() == [1, 1, 0, 1]  # the sliver counts as hidden, every feature zero
    assert not floor[2, 0].any()
    assert torch.equal(floor[[0, 1, 3]], whole[[0, 1, 3]]) and torch.equal(floor[:, 1], whole[:, 1])
    with pytest.raises(ValueError, match="min_area"):
        MaskPerception(min_area=0)


def test_hide_resting_hides_an_object_only_where_it_rests_for_half_the_clip() -> None:
    masks = torch.zeros(1, 4, 1, 5, dtype=torch.uint8)
    masks[0, :3, 0, 0] = 7  # object 7 rests on pixel 0 for 3 frames of 4, then moves to pixel 1
    masks[0, 3, 0, 1] = 7
    masks[0, :, 0, 4] = 9  # screen 9 stands on pixel 4 the whole clip
    masks[0, 3, 0, 2] = 7  # ... and covers pixel 2 in one frame of 4: passing
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    kinds[0, 7], kinds[0, 9] = 1, 2
    hidden = hide_resting(masks, kinds)
    assert hidden[0, :, 0, 0].tolist() == [0, 0, 0, 0] and hidden[0, 3, 0, 1] == 7  # seen only where it moved
    assert hidden[0, 3, 0, 2] == 7 and hidden[0, :, 0, 4].eq(9).all()  # a thing passing is seen; screens stay
    # at a share of 1 only a pixel the object covers in every frame is hidden
    masks[0, :, 0, 3] = 7
    still = hide_resting(masks, kinds, share=1.0)
    assert still[0, :, 0, 3].eq(0).all() and still[0, :3, 0, 0].eq(7).all()
    with pytest.raises(ValueError, match="MaskPerception: hide_resting_share must be in"):
        MaskPerception(hide_resting=True, hide_resting_share=0.0)


def test_still_scenery_shows_each_screen_at_its_median_and_leaves_the_objects_moving() -> None:
    masks = torch.zeros(1, 5, 8, 8, dtype=torch.uint8)
    for t in range(5):
        masks[0, t, 6 - t : 8 - t, 0:2] = 5  # screen 5 rises one row a frame
        masks[0, t, 0:2, t : t + 2] = 3  # object 3 slides right
    masks[0, 3:, 4:6, 6:8] = 6  # screen 6 appears for 2 frames of 5: never more than half the clip
    kinds = torch.zeros(1, 256, dtype=torch.uint8)
    kinds[0, 3], kinds[0, 5], kinds[0, 6] = 1, 2, 2
    frames = torch.full((1, 5, 3, 8, 8), 128, dtype=torch.uint8)
    moving = MaskPerception(objects=1, scenery=2)(frames, masks, kinds).features[0]
    still = MaskPerception(objects=1, scenery=2, still_scenery=True)(frames, masks, kinds).features[0]
    assert torch.equal(still[:, 0], moving[:, 0])  # the object still slides
    assert len(set(moving[:, 1, 2].tolist())) == 5  # the screen's y changes every frame ...
    assert torch.equal(still[:, 1], moving[2:3, 1].expand(5, -1))  # ... held at its median frame's
    assert not still[:, 2].any()  # seen in 2 frames of 5: held absent
    assert torch.equal(hold_still(still[None, :, 1:])[0], still[:, 1:])  # held twice: unchanged


def test_mask_perception_applies_its_scoring_floor_in_eval_mode_only() -> None:
    frames, masks, kinds = _movie(4)
    masks[2, 7, 2:4] = 0  # frame 2: a 2-pixel sliver
    perception = MaskPerception(objects=1, scenery=1, scoring_min_area=3)
    assert perception(frames[None], masks[None], kinds[None]).features[0, :, 0, 0].tolist() == [1, 1, 1, 1]  # training: floor 1
    assert perception.eval()(frames[None], masks[None], kinds[None]).features[0, :, 0, 0].tolist() == [1, 1, 0, 1]
    with pytest.raises(ValueError, match="scoring_min_area"):
        MaskPerception(scoring_min_area=0)


def test_a_swapped_perception_scores_in_the_models_mode(tmp_path: Path) -> None:
    """``physpred probe --perception`` scores an eval-mode model: the part swapped in must not train."""
    config = {"class_path": "physpred.models.slots.MaskPerception", "init_args": {"objects": 2, "scenery": 1, "scoring_min_area": 8}}
    model = with_part(_model().eval(), "perception", config, tmp_path / "p.yaml")
    assert model.perception.scoring_min_area == 8 and not model.perception.training


def test_mask_perception_can_give_walls_the_screens_kind() -> None:
    frames, masks, kinds = _movie(6, hidden_after=3)
    kinds[7] = 3  # the screen is a wall now
    assert MaskPerception(objects=2, scenery=1)(frames[None], masks[None], kinds[None]).kind.tolist() == [[1, 0, 3]]
    one_kind = MaskPerception(objects=2, scenery=1, wall_kind=False)(frames[None], masks[None], kinds[None])
    assert one_kind.kind.tolist() == [[1, 0, 2]]
    # the label-free perception's kinds: every object slot an object, holding a thing or not
    label_free = MaskPerception(objects=2, scenery=1, wall_kind=False, empty_objects=False)
    percepts = label_free(frames[None], masks[None], kinds[None])
    assert percepts.kind.tolist() == [[1, 1, 2]] and not percepts.features[0, :, 1].any()


@pytest.mark.parametrize("relations", [False, True])
def test_dynamics_shapes_gate_and_causality(relations: bool) -> None:
    torch.manual_seed(0)
    dynamics = GatedSlotDynamics(hidden=16, heads=2, relations=relations)
    if relations:  # its last layer starts at zero: no message would reach the state
        torch.nn.init.normal_(dynamics.relations.edge[-1].weight)
    features = torch.rand(2, 5, 3, len(FEATURES))
    kind = torch.tensor([[1, 2, 0], [1, 1, 3]])
    rollout = dynamics(Percepts(features, kind))
    assert rollout.prediction.shape == (2, 4, 3, len(FEATURES)) and rollout.gate.shape == (2, 5, 3)
    assert torch.equal(rollout.gate[:, 0], features[:, 0, :, 0])  # the first frame: the percept alone
    changed = features.clone()
    changed[:, 3:] = torch.rand_like(changed[:, 3:])
    again = dynamics(Percepts(changed, kind))
    # the prediction of frames 1..3 only reads frames 0..2
    assert torch.allclose(again.prediction[:, :2], rollout.prediction[:, :2])
    assert not torch.allclose(again.prediction[:, 3], rollout.prediction[:, 3])


def test_pairwise_relations_read_where_the_others_are_relative_to_the_receiver() -> None:
    torch.manual_seed(0)
    relations = PairwiseRelations(8)
    slots, geometry = torch.rand(2, 3, 8), torch.rand(2, 3, PairwiseRelations.GEOMETRY)
    nobody_out = torch.zeros(2, 3, dtype=torch.bool)
    assert torch.equal(relations(slots, geometry, nobody_out), slots)  # untrained: no message
    torch.nn.init.normal_(relations.edge[-1].weight)
    out = relations(slots, geometry, nobody_out)
    assert not torch.allclose(out, slots)
    # the same scene moved as a whole: the same messages
    assert torch.allclose(relations(slots, geometry + torch.rand(2, 1, PairwiseRelations.GEOMETRY), nobody_out), out, atol=1e-6)
    # slot 2 left out: what it is and where reach nobody, and nothing comes back to itself
    slot_2_out = torch.tensor([[False, False, True]] * 2)
    moved, elsewhere = slots.clone(), geometry.clone()
    moved[:, 2], elsewhere[:, 2] = torch.rand(2, 8), torch.rand(2, PairwiseRelations.GEOMETRY)
    a, b = relations(slots, geometry, slot_2_out), relations(moved, elsewhere, slot_2_out)
    assert torch.allclose(a[:, :2], b[:, :2]) and not torch.allclose(a[:, :2], out[:, :2])
    only_slot_0 = torch.tensor([[False, True, True]] * 2)  # the one sender sends nothing to itself
    assert torch.equal(relations(slots, geometry, only_slot_0)[:, 0], slots[:, 0])


def test_missing_object_costs_more_than_a_misplaced_one() -> None:
    energy = SlotEnergy()
    seen = torch.zeros(1, 1, 1, len(FEATURES))
    seen[..., :3] = torch.tensor([1.0, 0.5, 0.5])
    prediction = seen.clone()
    prediction[..., 0] = 4.0  # confident it is there (logit)
    kind = torch.ones(1, 1, dtype=torch.long)
    right = energy(prediction, seen, kind)
    misplaced = prediction.clone()
    misplaced[..., 1] += 2 / 64  # two pixels off at 64 x 64
    missing = torch.zeros_like(seen)  # nothing seen there
    assert right < energy(misplaced, seen, kind) < energy(prediction, missing, kind)
    assert energy(prediction, seen, torch.zeros_like(kind)) == 0  # an empty slot costs nothing


def test_absence_bound_prices_a_thing_far_out_of_place_as_a_missing_one() -> None:
    bounded = SlotEnergy(absence_bound=True)
    seen = torch.zeros(1, 1, 1, len(FEATURES))
    seen[..., :3] = torch.tensor([1.0, 0.5, 0.5])
    prediction = seen.clone()
    prediction[..., 0] = 2.0  # expects it there (logit)
    kind = torch.ones(1, 1, dtype=torch.long)
    near, far = prediction.clone(), prediction.clone()
    near[..., 1] += 1 / 64
    far[..., 1] += 20 / 64
    missing = bounded(prediction, torch.zeros_like(seen), kind)  # softplus(2)
    assert SlotEnergy()(far, seen, kind) > missing  # unbounded, the far thing costs more than none
    assert bounded(near, seen, kind) == SlotEnergy()(near, seen, kind) < missing
    seen_cost = torch.nn.functional.softplus(torch.tensor(-2.0))  # the presence term of a seen thing
    assert bounded(far, seen, kind).item() == pytest.approx((seen_cost + missing).item())


def test_normalised_energy_adds_the_seen_slots_log_normaliser_and_the_same_gradient() -> None:
    seen = torch.zeros(2, 1, 1, len(FEATURES))
    seen[0, ..., :3] = torch.tensor([1.0, 0.5, 0.5])  # movie 0 sees the thing, movie 1 does not
    kind = torch.ones(2, 1, dtype=torch.long)
    prediction = seen[:1].expand(2, -1, -1, -1).clone().requires_grad_()
    plain, normalised = SlotEnergy(fill_scale=0.2), SlotEnergy(fill_scale=0.2, normalised=True)
    # per feature log(pi * scale): 2 of position at 0.02, 3 of extent at 0.02, fill at 0.2, 3 of colour at 0.05
    by_hand = 5 * math.log(math.pi * 0.02) + math.log(math.pi * 0.2) + 3 * math.log(math.pi * 0.05)
    assert normalised.seen_log_normaliser() == pytest.approx(by_hand)
    difference = normalised(prediction, seen, kind) - plain(prediction, seen, kind)
    assert difference.detach().squeeze().tolist() == pytest.approx([by_hand, 0.0], abs=1e-5)
    grad_plain = torch.autograd.grad(plain(prediction, seen, kind).sum(), prediction)[0]
    grad_normalised = torch.autograd.grad(normalised(prediction, seen, kind).sum(), prediction)[0]
    assert torch.equal(grad_plain, grad_normalised)


def _model() -> ObjectEnergyModel:
    geometry = ClipGeometry(context_frames=2, future_frames=4, frame_step=1, frame_size=SIDE)
    return ObjectEnergyModel(
        perception=MaskPerception(objects=2, scenery=1),
        dynamics=GatedSlotDynamics(hidden=16, heads=2),
        energy=SlotEnergy(),
        geometry=geometry,
    )


def test_movie_energies_frames_and_errors() -> None:
    torch.manual_seed(0)
    model = _model()
    frames, masks, kinds = _movie(9)
    energies, scored = model.movie_energies(frames, masks, kinds, frame_step=2)
    assert scored.tolist() == [4, 6, 8] and energies.shape == (3,)  # frames 0, 2 read first
    assert torch.isfinite(energies).all()
    with pytest.raises(ValueError, match="masks"):
        model.movie_energies(frames, None, None, frame_step=1)
    with pytest.raises(ValueError, match="frame step"):
        model.movie_energies(frames[:3], masks[:3], kinds, frame_step=2)


def test_training_learns_that_a_hidden_object_comes_back() -> None:
    """A few hundred steps on one lawful movie: the movie where the object never comes out from
    behind the screen costs more than the lawful one, frame by frame after it should be back."""
    torch.manual_seed(0)
    model = _model()
    frames, masks, kinds = _movie(15)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(400):
        loss = model.rollout(frames[None], masks[None], kinds[None])[2].mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    lawful, _ = model.movie_energies(frames, masks, kinds, frame_step=1)
    vanish, scored = model.movie_energies(*_movie(15, hidden_after=9), frame_step=1)
    back = scored >= 13  # the object is out again from frame 12 on
    assert vanish[back].mean() > lawful[back].mean() + 1.0


def test_fill_has_its_own_scale() -> None:
    """Fill jumps of pixel aliasing cost little under a coarse fill scale; extent stays sharp."""
    seen = torch.zeros(1, 1, 1, len(FEATURES))
    seen[..., :7] = torch.tensor([1.0, 0.5, 0.5, 0.03, 0.03, 0.1, 0.8])
    kind = torch.ones(1, 1, dtype=torch.long)
    prediction = seen.clone()
    prediction[..., 0] = 4.0
    aliased, wider = prediction.clone(), prediction.clone()
    aliased[..., FEATURES.index("fill")] += 0.1
    wider[..., FEATURES.index("size")] += 0.1
    sharp, coarse = SlotEnergy(), SlotEnergy(fill_scale=0.2)
    base = coarse(prediction, seen, kind)
    assert coarse(aliased, seen, kind) - base == pytest.approx(math.log1p(0.25), abs=1e-4)
    assert sharp(aliased, seen, kind) - base == pytest.approx(math.log1p(25.0), abs=1e-3)
    assert coarse(wider, seen, kind) == pytest.approx(sharp(wider, seen, kind).item())
    with pytest.raises(ValueError, match="scale"):
        SlotEnergy(fill_scale=0.0)


def test_imagining_one_frame_ahead_is_the_next_frame_prediction() -> None:
    torch.manual_seed(0)
    model = _model()
    _, percepts, rollout, _ = model.movie_rollout(*_movie(8), frame_step=1)
    assert torch.allclose(model.imagine_ahead(percepts, 1), rollout.prediction, atol=1e-5)


def test_imagined_presence_takes_presence_from_the_horizon() -> None:
    """At horizon 3 presence is scored one frame ahead, or with ``imagined_presence`` against the
    imagination from three frames before, like the other features; at horizon 1 it changes nothing.
    (A presence head that is not residual, its last layer random instead of zero, so that its
    logits vary with what the state has seen.)"""
    movie = _movie(10, hidden_after=6)
    torch.manual_seed(0)
    model = ObjectEnergyModel(
        perception=MaskPerception(objects=2, scenery=1),
        dynamics=GatedSlotDynamics(hidden=16, heads=2, presence_residual=False),
        energy=SlotEnergy(),
        geometry=ClipGeometry(context_frames=2, future_frames=4, frame_step=1, frame_size=SIDE),
        horizon=3,
    )
    torch.nn.init.normal_(model.dynamics.head[-1].weight)
    _, percepts, next_frame, _ = model.movie_rollout(*movie, frame_step=1)
    imagined = model.imagine_ahead(percepts, 3)
    _, _, default, _ = model.movie_expectation(*movie, frame_step=1)
    model.set_scoring(**{**model.scoring, "imagined_presence": True})
    _, _, from_imagination, _ = model.movie_expectation(*movie, frame_step=1)
    assert torch.allclose(default[..., 0], next_frame.prediction[..., 0], atol=1e-5)
    assert torch.allclose(from_imagination, imagined, atol=1e-5)
    assert not torch.allclose(from_imagination[..., 0], default[..., 0], atol=1e-2)
    model.set_scoring(**{**model.scoring, "horizon": 1})
    assert torch.allclose(model.movie_expectation(*movie, frame_step=1)[2], next_frame.prediction, atol=1e-5)
    with pytest.raises(ValueError, match="imagined_presence must be true or false"):
        model.set_scoring(**{**model.scoring, "imagined_presence": 1})


def _coasting_model(**scoring: object) -> ObjectEnergyModel:
    """A seeded model on the world's masks whose dynamics coasts (constant velocity, no gate), so
    its imagination is exact until the movie departs from it; ``scoring`` options as given."""
    torch.manual_seed(0)
    return ObjectEnergyModel(
        perception=MaskPerception(objects=2, scenery=1),
        dynamics=GatedSlotDynamics(hidden=8, heads=1, gate=False, constant_velocity=True),
        energy=SlotEnergy(),
        geometry=ClipGeometry(context_frames=2, future_frames=4, frame_step=1, frame_size=SIDE),
        **scoring,
    )


def test_a_stop_costs_for_as_long_as_the_horizon() -> None:
    """A coasting model expects the object to go on; after it stops, horizon h pays h frames."""
    frames, masks, kinds = _movie(12)
    stop = 6
    for t in range(stop + 1, 12):  # from frame 7 on the object stays where it was at frame 6
        frames[t, 0, 6:8] = 0
        masks[t, 6:8] = torch.where(masks[t, 6:8] == 3, 0, masks[t, 6:8])
        frames[t, 0, 6:8, stop : stop + 2], masks[t, 6:8, stop : stop + 2] = 200, 3
    costs = {}
    for horizon in (1, 3):
        model = _coasting_model(horizon=horizon)
        energies, scored = model.movie_energies(frames, masks, kinds, frame_step=1)
        costs[horizon] = energies[scored > stop]
    assert (costs[1][:1] > 1).all() and (costs[1][1:] < 0.1).all()  # one surprised frame
    assert (costs[3][:3] > 1).all() and (costs[3][3:] < 0.1).all()  # three
    with pytest.raises(ValueError, match="horizon"):
        ObjectEnergyModel(perception=MaskPerception(), dynamics=GatedSlotDynamics(), energy=SlotEnergy(), geometry=ClipGeometry(1, 1, 1, SIDE), horizon=0)


def test_a_change_of_shape_costs_for_as_long_as_the_shape_horizon() -> None:
    """The object grows from 2 x 2 to 2 x 4 pixels about the same centre at frame 6: priced
    against imagination from ``shape_horizon`` read frames back, it pays that many frames
    instead of ``horizon``'s three, and nothing after."""
    frames, masks, kinds = _movie(14, hidden_after=0)  # the screen alone
    frames[:, :, 4:12, 8:12], masks[:, 4:12, 8:12] = 0, 0  # no screen either: nothing hides it
    change = 6
    for t in range(14):
        rows = slice(5, 9) if t >= change else slice(6, 8)
        frames[t, 0, rows, t : t + 2], masks[t, rows, t : t + 2] = 200, 3
    costs = {}
    for shape_horizon in (None, 5):
        model = _coasting_model(horizon=3, shape_horizon=shape_horizon)
        energies, scored = model.movie_energies(frames, masks, kinds, frame_step=1)
        costs[shape_horizon] = energies[scored >= change]
    assert (costs[None][:3] > 1).all() and (costs[None][3:] < 0.1).all()
    assert (costs[5][:5] > 1).all() and (costs[5][5:] < 0.1).all()
    assert model.scoring["shape_horizon"] == 5
    with pytest.raises(ValueError, match="shape_horizon must be null or an integer >= horizon"):
        model.set_scoring(**{**model.scoring, "shape_horizon": 2})


@pytest.mark.parametrize(("factor", "scale"), [("horizon_position_factor", "position_scale"), ("horizon_colour_factor", "colour_scale")])
def test_horizon_factors_price_at_the_horizons_scale(factor: str, scale: str) -> None:
    """Scoring at the horizon with a scale widened threefold is the same model scored by an energy
    built with three times that scale; next-frame energies (training) keep the trained one."""
    frames, masks, kinds = _movie(12)
    frames[6:, 0] = 200  # the things change colour: the colour term has an error to price

    def model(energy: SlotEnergy, times: float) -> ObjectEnergyModel:
        torch.manual_seed(0)
        return ObjectEnergyModel(
            perception=MaskPerception(objects=2, scenery=1),
            dynamics=GatedSlotDynamics(hidden=8, heads=1),
            energy=energy,
            geometry=ClipGeometry(context_frames=2, future_frames=4, frame_step=1, frame_size=SIDE),
            horizon=3,
            **{factor: times},
        )

    trained = SlotEnergy().scales[("position_scale", "shape_scale", "fill_scale", "colour_scale").index(scale)]
    wide, swapped, own = model(SlotEnergy(), 3.0), model(SlotEnergy(**{scale: 3 * trained}), 1.0), model(SlotEnergy(), 1.0)
    scored = wide.movie_energies(frames, masks, kinds, frame_step=1)[0]
    assert torch.allclose(scored, swapped.movie_energies(frames, masks, kinds, frame_step=1)[0])
    assert not torch.allclose(scored, own.movie_energies(frames, masks, kinds, frame_step=1)[0])
    assert torch.equal(wide.rollout(frames[None], masks[None], kinds[None])[2], own.rollout(frames[None], masks[None], kinds[None])[2])
    with pytest.raises(ValueError, match=factor):
        model(SlotEnergy(), 0.0)


def test_id_features_equal_mask_features_of_the_one_hot() -> None:
    generator = torch.Generator().manual_seed(0)
    masks = torch.randint(0, 5, (2, 3, 12, 12), generator=generator, dtype=torch.uint8)
    masks[0, 1] = 0  # a frame with nothing but background
    frames = torch.randint(0, 256, (2, 3, 3, 12, 12), generator=generator, dtype=torch.uint8)
    ids = torch.tensor([[1, 3, -1], [4, 2, 0]])
    one_hot = (masks[:, :, None].long() == ids[:, None, :, None, None]).float()
    assert torch.allclose(id_features(frames, masks, ids), mask_features(frames, one_hot), atol=1e-5)


def test_fg_ari_scores_the_foreground_only() -> None:
    truth = torch.zeros(1, 4, 4, dtype=torch.long)
    truth[0, :2, :2], truth[0, 2:, 2:] = 1, 2
    slots = torch.zeros(1, 3, 4, 4)
    slots[0, 0] = 1  # slot 0 takes everything...
    slots[0, 1, :2, :2], slots[0, 2, 2:, 2:] = 2, 2  # ...but the two things, one slot each
    assert fg_ari(truth, slots).item() == pytest.approx(1.0)
    merged = slots.clone()
    merged[0, 2], merged[0, 1, 2:, 2:] = 0, 2  # both things in one slot
    assert fg_ari(truth, merged).item() == pytest.approx(0.0)
    assert torch.isnan(fg_ari(torch.zeros(1, 4, 4, dtype=torch.long), slots)).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fg_ari_on_the_gpu_matches_the_cpu() -> None:
    """Validation logs FG-ARI on the training device; a frame without things gives NaN there too."""
    truth = torch.zeros(2, 4, 4, dtype=torch.long)
    truth[0, :2, :2], truth[0, 2:, 2:] = 1, 2  # frame 1: background only
    slots = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    on_gpu = fg_ari(truth.cuda(), slots.cuda())
    assert on_gpu.device.type == "cuda"
    torch.testing.assert_close(on_gpu.cpu(), fg_ari(truth, slots), equal_nan=True)


def test_slot_attention_perception_shapes_and_learning_signal() -> None:
    torch.manual_seed(0)
    perception = SlotAttentionPerception(slots=3, width=8, iterations=1, grid=8)
    frames, _, _ = _movie(3)
    percepts = perception(frames[None])
    assert percepts.features.shape == (1, 3, 3, len(FEATURES)) and percepts.kind.tolist() == [[1, 1, 1]]
    assert percepts.reconstruction_error.requires_grad and percepts.reconstruction_error > 0
    _, masks, _ = perception.slots_and_masks(frames[None])
    assert torch.allclose(masks.sum(dim=2), torch.ones(1, 3, 8, 8))  # slots share every cell


def test_constant_velocity_coasts_from_the_start() -> None:
    """Untrained (the head starts at zero), a seen thing is predicted one step further along."""
    features = torch.zeros(1, 3, 1, len(FEATURES))
    features[0, :, 0, :3] = torch.tensor([[1.0, 0.2, 0.5], [1.0, 0.25, 0.5], [1.0, 0.3, 0.5]])
    percepts = Percepts(features, torch.ones(1, 1, dtype=torch.long))
    coasting = GatedSlotDynamics(hidden=8, heads=1, gate=False, constant_velocity=True)(percepts)
    still = GatedSlotDynamics(hidden=8, heads=1, gate=False)(percepts)
    # the prediction of frame 2, made after frames 0 and 1
    assert coasting.prediction[0, 1, 0, 1].item() == pytest.approx(0.3)  # 0.25 + (0.25 - 0.2)
    assert still.prediction[0, 1, 0, 1].item() == pytest.approx(0.25)


def test_change_scale_reads_the_change_in_finer_units() -> None:
    """change_scale k is the same network as one whose encoder weighs the change inputs k times."""
    features = torch.rand(2, 5, 3, len(FEATURES), generator=torch.Generator().manual_seed(0))
    features[..., 0] = 1.0
    percepts = Percepts(features, torch.ones(2, 3, dtype=torch.long))
    torch.manual_seed(0)
    scaled = GatedSlotDynamics(hidden=8, heads=1, change_scale=25)
    plain = GatedSlotDynamics(hidden=8, heads=1)
    plain.load_state_dict(scaled.state_dict())
    with torch.no_grad():
        for parameter in (*scaled.head.parameters(), *plain.head.parameters()):  # a head that is not zero
            parameter.fill_(0.1)
        width = len(FEATURES)
        plain.encode[0].weight[:, width : 2 * width] *= 25
    torch.testing.assert_close(scaled(percepts).prediction, plain(percepts).prediction)
    plain.encode[0].weight.data[:, width : 2 * width] /= 25
    assert not torch.allclose(scaled(percepts).prediction, plain(percepts).prediction)


@pytest.mark.parametrize("scale", [0, -1.0, True])
def test_change_scale_must_be_positive(scale: object) -> None:
    with pytest.raises(ValueError, match="change_scale must be a number > 0"):
        GatedSlotDynamics(hidden=8, heads=1, change_scale=scale)


def test_presence_from_the_state_alone_starts_neutral() -> None:
    """Untrained, a residual presence keeps a hidden thing expected; a state-only one says 1/2."""
    features = torch.zeros(1, 4, 1, len(FEATURES))
    features[0, :2, 0, :3] = torch.tensor([1.0, 0.4, 0.5])  # seen twice, then hidden
    percepts = Percepts(features, torch.ones(1, 1, dtype=torch.long))
    residual = GatedSlotDynamics(hidden=8, heads=1)(percepts)
    neutral = GatedSlotDynamics(hidden=8, heads=1, presence_residual=False)(percepts)
    hidden = residual.prediction[0, 1:, 0, 0]  # predictions of frames 2 and 3
    assert (torch.sigmoid(hidden) > 0.9).all()
    assert torch.sigmoid(neutral.prediction[0, :, 0, 0]).tolist() == pytest.approx([0.5] * 3)


def test_imagination_energy_is_the_horizons_imagination_that_scoring_compares() -> None:
    """Frame cut + j imagined blind from frames 0..cut is what imagine_ahead at horizon j
    predicts for it; the training term averages those frames' appearance energy for j = 1..h,
    weighs the cuts as asked, and gradients reach the dynamics."""
    frames, masks, kinds = _movie(10)
    torch.manual_seed(0)
    model = _model()
    with torch.no_grad():
        for parameter in model.dynamics.head.parameters():  # a head that is not zero, so imagination moves
            parameter.normal_(0, 0.3)
    percepts = model.perceive(frames[None], masks[None], kinds[None])
    horizon, steps = 3, percepts.features.shape[1]

    def by_frame(cut: int, price) -> Tensor:
        last = min(cut + horizon, steps - 1)  # frames past the clip do not count
        return torch.stack([
            price(model.imagine_ahead(percepts, j), percepts.features[:, 1:], percepts.kind)[0, cut + j - 1].sum()
            for j in range(1, last - cut + 1)
        ]).mean()

    branches = model.dynamics(percepts, branch=horizon).branches
    one_cut = torch.nn.functional.one_hot(torch.tensor([3]), steps - 1).float()
    energy = model.imagination_energy(percepts, branches, one_cut)
    assert energy.item() == pytest.approx(by_frame(3, model.energy.appearance).item(), rel=1e-5)
    assert energy.item() > 0
    energy.sum().backward()
    assert model.dynamics.head[-1].weight.grad.abs().sum() > 0
    # with presence: the whole slot energy of the same imagined frames, presence term included
    with_presence = model.imagination_energy(percepts, branches.detach(), one_cut, presence=True)
    assert with_presence.item() == pytest.approx(by_frame(3, model.energy).item(), rel=1e-5)
    assert with_presence.item() > energy.item()
    # two cuts weighed 1/4 and 3/4, the last one's window cut short by the clip's end
    two_cuts = torch.zeros(1, steps - 1)
    two_cuts[0, 1], two_cuts[0, steps - 2] = 0.25, 0.75
    mixed = model.imagination_energy(percepts, branches.detach(), two_cuts)
    expected = 0.25 * by_frame(1, model.energy.appearance) + 0.75 * by_frame(steps - 2, model.energy.appearance)
    assert mixed.item() == pytest.approx(expected.item(), rel=1e-5)


def test_a_presence_mask_drops_the_presence_term_where_false_and_nothing_else() -> None:
    frames, masks, kinds = _movie(10)
    torch.manual_seed(0)
    model = _model()
    percepts, rollout, _ = model.rollout(frames[None], masks[None], kinds[None], branch=3)
    seen = percepts.features[:, 1:]
    keep = torch.ones(seen.shape[:3], dtype=torch.bool)
    keep[:, 4:] = False
    masked = model.energy.per_slot(rollout.prediction, seen, percepts.kind, presence_mask=keep)
    full = model.energy.per_slot(rollout.prediction, seen, percepts.kind)
    appearance = model.energy.appearance(rollout.prediction, seen, percepts.kind)
    assert torch.equal(masked[:, :4], full[:, :4])
    assert torch.allclose(masked[:, 4:], appearance[:, 4:])
    assert (full[:, 4:] > appearance[:, 4:] + 0.1).any()
    # the imagination term with its presence priced nowhere is the appearance term
    cut = torch.nn.functional.one_hot(torch.tensor([2]), seen.shape[1]).float()
    nowhere = torch.zeros(percepts.features.shape[:3], dtype=torch.bool)
    unpriced = model.imagination_energy(percepts, rollout.branches, cut, presence=True, presence_mask=nowhere)
    assert unpriced.item() == pytest.approx(model.imagination_energy(percepts, rollout.branches, cut).item(), rel=1e-6)
    assert model.imagination_energy(percepts, rollout.branches, cut, presence=True).item() > unpriced.item()


@pytest.mark.parametrize("support_hold", [False, True])
def test_branches_are_blind_copies_of_the_clip_cut_at_every_frame(support_hold: bool) -> None:
    """Rollout.branches from cut c is the rollout of a copy that sees nothing after frame c
    (with ``support_hold`` and ``support_lag``, the pairs held and the flags of the steps before
    the cut are carried into the branch too)."""
    torch.manual_seed(0)
    features = torch.rand(2, 7, 3, len(FEATURES))
    features[..., 0] = (torch.rand(2, 7, 3) > 0.3).float()
    features[0, :, :2] = _resting(0.45)[0]  # clip 0, slots 0 and 1: a load on a slab, seen in every frame
    kind = torch.tensor([[1, 1, 2], [1, 0, 2]])
    dynamics = GatedSlotDynamics(
        hidden=8, heads=1, seen_flag=True, unseen_absent=True, support=support_hold, support_hold=support_hold, support_lag=int(support_hold)
    )
    with torch.no_grad():
        for parameter in dynamics.head.parameters():
            parameter.normal_(0, 0.3)
    rollout = dynamics(Percepts(features, kind), branch=3)
    assert rollout.branches.shape == (2, 6, 3, 3, len(FEATURES))
    assert dynamics(Percepts(features, kind)).branches is None
    assert torch.equal(rollout.branches[:, :, 0], rollout.prediction)
    for cut in range(6):
        blind = features * (torch.arange(7) <= cut).float()[None, :, None, None]
        copy = dynamics(Percepts(blind, kind)).prediction
        for depth in range(3):
            if cut + depth < 6:
                assert torch.allclose(rollout.branches[:, cut, depth], copy[:, cut + depth], atol=1e-6)


def test_seen_flag_keeps_a_slot_that_has_held_nothing_yet_out_of_the_others_predictions() -> None:
    """Until slot 1 first shows a thing (frame 3), what it is does not reach slot 0 with seen_flag."""
    torch.manual_seed(0)
    features = torch.rand(1, 6, 2, len(FEATURES))
    features[:, :3, 1] = 0.0  # slot 1 holds nothing before frame 3
    object_then, screen_then = torch.tensor([[1, 1]]), torch.tensor([[1, 2]])
    for seen_flag in (True, False):
        torch.manual_seed(1)
        dynamics = GatedSlotDynamics(hidden=16, heads=2, seen_flag=seen_flag)
        torch.nn.init.normal_(dynamics.head[-1].weight)  # zero at initialisation: the state would not show
        one, other = (dynamics(Percepts(features, kind)).prediction for kind in (object_then, screen_then))
        before = torch.equal(one[:, :3, 0], other[:, :3, 0])  # slot 0's predictions of frames 1..3
        assert before == seen_flag
        assert not torch.equal(one[:, 3:, 0], other[:, 3:, 0])  # once seen, it takes part


def test_unseen_absent_predicts_a_constant_absence_until_a_slot_first_holds_a_thing() -> None:
    torch.manual_seed(0)
    features = torch.rand(1, 6, 2, len(FEATURES))
    features[:, :3, 1] = 0.0  # slot 1 first holds a thing at frame 3
    dynamics = GatedSlotDynamics(hidden=16, heads=2, unseen_absent=True)
    torch.nn.init.normal_(dynamics.head[-1].weight)
    logit = dynamics(Percepts(features, torch.tensor([[1, 1]]))).prediction[0, :, :, 0]  # frames 1..5
    assert torch.equal(logit[:3, 1], torch.full((3,), UNSEEN_LOGIT))  # from frames 0..2: nothing yet
    assert (logit[3:, 1] != UNSEEN_LOGIT).all() and (logit[:, 0] != UNSEEN_LOGIT).all()
    # a constant: its first appearance teaches the presence head nothing
    (gradient,) = torch.autograd.grad(logit[:3, 1].sum() + 0 * logit.sum(), dynamics.head[-1].weight)
    assert not gradient.any()


def _resting(slab_x: float, load_y: float = 0.50) -> Tensor:
    """(1, 2, F): a load (half side 0.03 about (0.40, load_y)) and a slab (half side 0.10 about (slab_x, 0.63))."""
    features = torch.zeros(1, 2, len(FEATURES))
    third = 3**-0.5  # a uniform box's spread per unit of half side
    features[0, 0, :5] = torch.tensor([1.0, 0.40, load_y, 0.03 * third, 0.03 * third])
    features[0, 1, :5] = torch.tensor([1.0, slab_x, 0.63, 0.10 * third, 0.10 * third])
    return features


def test_a_thing_is_supported_while_a_slot_under_it_spans_its_centre() -> None:
    both = torch.ones(1, 2, dtype=torch.bool)
    assert supported(_resting(0.45), both).tolist() == [[True, False]]  # the slab holds the load, not the reverse
    assert supported(_resting(0.52), both).tolist() == [[False, False]]  # its edge has passed the load's centre
    assert supported(_resting(0.45, load_y=0.40), both).tolist() == [[False, False]]  # hanging 0.1 above it
    assert supported(_resting(0.45), torch.tensor([[True, False]])).tolist() == [[False, False]]  # an absent slab holds nothing


def test_support_reaches_a_slot_that_attends_to_nothing() -> None:
    """Without attention a slot's prediction depends on another slot only through ``support``:
    a slab sliding from under the load changes the load's prediction with it, and only with it."""
    stays = torch.stack([_resting(0.45)] * 4, dim=1)  # (1, T, 2, F)
    leaves = torch.stack([_resting(x) for x in (0.45, 0.45, 0.52, 0.60)], dim=1)
    kind = torch.tensor([[1, 3]])
    for flag in (False, True):
        torch.manual_seed(0)
        dynamics = GatedSlotDynamics(hidden=8, heads=1, interact=False, gate=False, support=flag)
        with torch.no_grad():
            for parameter in dynamics.head.parameters():
                parameter.normal_(0, 0.3)
        load = [dynamics(Percepts(clip, kind)).prediction[0, :, 0] for clip in (stays, leaves)]
        assert torch.equal(load[0][:2], load[1][:2])  # the same until the slab goes
        assert torch.equal(load[0], load[1]) != flag


def test_support_dropout_reads_not_resting_in_training_only() -> None:
    """With ``support_dropout`` a training rollout's support flag reads "not resting" from an
    onset to the clip's end: at a rate near 1, a load that rests is predicted as one that never
    did; in evaluation the flag is read as it is."""
    stays = torch.stack([_resting(0.45)] * 4, dim=1)
    never = torch.stack([_resting(0.60)] * 4, dim=1)  # the slab never under the load's centre
    kind = torch.tensor([[1, 3]])
    torch.manual_seed(0)
    dynamics = GatedSlotDynamics(hidden=8, heads=1, interact=False, gate=False, support=True, support_dropout=1 - 1e-9)
    with torch.no_grad():
        for parameter in dynamics.head.parameters():
            parameter.normal_(0, 0.3)
    dynamics.eval()
    resting, unsupported = (dynamics(Percepts(clip, kind)).prediction[0, :, 0] for clip in (stays, never))
    assert not torch.equal(resting, unsupported)
    dynamics.train()
    assert torch.equal(dynamics(Percepts(stays, kind)).prediction[0, :, 0], unsupported)


def test_a_held_support_lets_go_only_when_it_stops_spanning_the_thing_or_the_thing_goes() -> None:
    both = torch.ones(1, 2, dtype=torch.bool)
    nothing = torch.zeros(1, 2, 2, dtype=torch.bool)
    held = held_support(_resting(0.45), both, nothing)
    assert held.any(-1).tolist() == [[True, False]]  # contact starts the hold
    assert held_support(_resting(0.45, load_y=0.40), both, held).any(-1).tolist() == [[True, False]]  # lifted off: still held
    assert held_support(_resting(0.45), torch.tensor([[True, False]]), held).any(-1).tolist() == [[True, False]]  # support unseen (swallowed)
    assert held_support(_resting(0.52), both, held).any(-1).tolist() == [[False, False]]  # the support slid from under its centre
    assert held_support(_resting(0.45), torch.tensor([[False, True]]), held).any(-1).tolist() == [[False, False]]  # the thing is gone
    assert held_support(_resting(0.45, load_y=0.40), both, nothing).any(-1).tolist() == [[False, False]]  # no hold to keep


def test_held_support_flags_read_the_hold_frame_after_frame_from_the_clip_start() -> None:
    """A load lifted off (not in contact) is held only when it rested the frame before; the hold
    goes when the slab slides from under its centre, and is not taken back by a slab out of contact."""
    clip = torch.stack([_resting(0.45), _resting(0.45, load_y=0.40), _resting(0.52), _resting(0.45, load_y=0.40)], dim=1)
    present = torch.ones(1, 4, 2, dtype=torch.bool)
    assert held_support_flags(clip, present)[0, :, 0].tolist() == [True, True, False, False]
    assert held_support_flags(clip[:, 1:], present[:, 1:])[0, :, 0].tolist() == [False, False, False]  # never in contact
    assert not held_support_flags(clip, present)[0, :, 1].any()  # the slab rests on nothing


def test_support_hold_keeps_the_flag_while_the_support_is_unseen() -> None:
    """A slab unseen for two frames (a slot that swallowed it) is a loss of support to the plain
    flag, not to the held one: the load's prediction is then that of a slab always seen."""
    stays = torch.stack([_resting(0.45)] * 4, dim=1)
    swallowed = stays.clone()
    swallowed[:, 2:, 1] = 0.0
    kind = torch.tensor([[1, 3]])
    for hold in (False, True):
        torch.manual_seed(0)
        dynamics = GatedSlotDynamics(hidden=8, heads=1, interact=False, gate=False, support=True, support_hold=hold)
        with torch.no_grad():
            for parameter in dynamics.head.parameters():
                parameter.normal_(0, 0.3)
        load = [dynamics(Percepts(clip, kind)).prediction[0, :, 0] for clip in (stays, swallowed)]
        assert torch.equal(load[0], load[1]) == hold


@pytest.mark.parametrize(("rate", "support", "message"), [(1.0, True, r"\[0, 1\)"), (-0.1, True, r"\[0, 1\)"), (0.03, False, "need support")])
def test_support_dropout_rejects_a_bad_rate_or_no_flag(rate: float, support: bool, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GatedSlotDynamics(support=support, support_dropout=rate)


def test_support_hold_and_lag_need_the_flag_and_a_lag_is_not_negative() -> None:
    for option in ({"support_hold": True}, {"support_lag": 1}):
        with pytest.raises(ValueError, match="need support: true"):
            GatedSlotDynamics(**option)
    with pytest.raises(ValueError, match="support_lag must be >= 0"):
        GatedSlotDynamics(support=True, support_lag=-1)


def test_support_lag_shows_a_loss_of_support_steps_late() -> None:
    """With ``support_lag: 1`` a slab that leaves after frame 1 is read as one that leaves after
    frame 2: the load is predicted as if the slab had left a frame later."""
    leaves = torch.stack([_resting(x) for x in (0.45, 0.45, 0.60, 0.60)], dim=1)
    later = torch.stack([_resting(x) for x in (0.45, 0.45, 0.45, 0.60)], dim=1)
    kind = torch.tensor([[1, 3]])
    predictions = []
    for lag, clip in ((1, leaves), (0, later), (0, leaves)):
        torch.manual_seed(0)
        dynamics = GatedSlotDynamics(hidden=8, heads=1, interact=False, gate=False, support=True, support_lag=lag)
        with torch.no_grad():
            for parameter in dynamics.head.parameters():
                parameter.normal_(0, 0.3)
        predictions.append(dynamics(Percepts(clip, kind)).prediction[0, :, 0])
    assert torch.equal(predictions[0], predictions[1])
    assert not torch.equal(predictions[0], predictions[2])
