"""Physics sanity: gravity measured on rendered frames, no object inside a wall."""

from __future__ import annotations

import numpy as np
import pymunk
import pytest

from physpred.world import samplers
from physpred.world.render import render_video, to_pixels
from physpred.world.scenes import Look, Scene, Thing, pixels_per_unit
from physpred.world.simulate import simulate

BALL = (230, 40, 30)


def _drop_scene(gravity: float) -> Scene:
    look = Look(
        sky=((90, 110, 130), (140, 150, 160)),
        ground=((70, 80, 60), (50, 60, 40)),
        tilt=0.1,
        zoom=1.07,
        offset=(3.0, -2.0),
        noise=3,
        noise_seed=5,
        shading=0.3,
    )
    ball = Thing("ball", (6.0, 6.0), (64.0, 12.0), (0.0, 0.0), BALL, 1.0, 0.5, 0.3)
    return Scene("fall", look, ground_y=105.0, gravity=gravity, things=(ball,))


@pytest.mark.parametrize("gravity", [150.0, 260.0])
def test_dropped_ball_accelerates_at_the_configured_gravity(gravity: float) -> None:
    fps, size = 15, 128
    scene = _drop_scene(gravity)
    frames = render_video(scene, simulate(scene, 20, fps), size, fps)  # (T, H, W, 3)
    ball = np.linalg.norm(frames.astype(float) - BALL, axis=-1) < 60  # (T, H, W) colour mask
    rows = np.arange(size) + 0.5
    centre_y = np.array([(m.sum(axis=1) * rows).sum() / m.sum() for m in ball])
    # Free fall lasts until the ball nears the ground; fit y = c + b t + a t^2 / 2 before that.
    ground_px = to_pixels(np.array([0.0, scene.ground_y]), scene.look, size)[1]
    radius_px = 6.0 * pixels_per_unit(scene.look, size)
    airborne = centre_y < ground_px - radius_px - 1
    t = np.arange(int(np.argmin(airborne)))  # frames before the first touch
    assert len(t) >= 8
    a = 2 * np.polyfit(t, centre_y[t], 2)[0] * fps**2  # pixels / s^2
    expected = gravity * pixels_per_unit(scene.look, size)
    assert abs(a - expected) / expected < 0.05, (a, expected)


def _penetration(thing: Thing, position: np.ndarray, angle: float, wall) -> float:
    """How deep a thing at a given state reaches into a static wall, world units (<= 0: none)."""
    corners = [(x + wall.position[0], y + wall.position[1]) for x, y in wall.vertices]
    solid = pymunk.Poly(pymunk.Body(body_type=pymunk.Body.STATIC), corners)
    solid.cache_bb()
    if thing.shape == "ball":  # signed distance from the centre to the wall, minus the radius
        return thing.half[0] - solid.point_query(tuple(position)).distance
    hw, hh = thing.half
    cos, sin = np.cos(angle), np.sin(angle)
    box = np.array([(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]) @ np.array(
        [[cos, sin], [-sin, cos]]
    )
    return max(-solid.point_query(tuple(c)).distance for c in box + position)


def _possible_scenes():
    rng = np.random.default_rng(11)
    for _ in range(6):
        yield samplers.bounce(rng, 64, 15, 200.0)
        yield samplers.mixed(rng, 64, 15, 200.0)


def test_no_object_overlaps_a_wall_in_possible_movies() -> None:
    for scene in _possible_scenes():
        trajectory = simulate(scene, 64, 15)
        for wall in (s for s in scene.slabs if s.role == "wall"):
            for i, thing in enumerate(scene.things):
                depth = max(
                    _penetration(thing, trajectory.positions[t, i], trajectory.angles[t, i], wall)
                    for t in range(len(trajectory.positions))
                )
                assert depth < 0.5, f"{scene.kind}: thing {i} {depth:.2f} units inside the wall"
