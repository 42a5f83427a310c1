"""Step a scene with pymunk and record object states once per frame.

One frame is ``1 / fps`` seconds of simulated time, split into ``substeps`` pymunk steps, so
motion per frame is the same in training videos and probes made at the same fps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pymunk

from physpred.world.scenes import Motion, Scene, Slab, Thing

SUBSTEPS = 8
"""pymunk steps per frame: small steps keep fast objects from sinking into walls."""

_THING, _GROUND = 0b1, 0b10
_ROLE_BITS = {"wall": 0b100, "support": 0b1000, "step": 0b10000, "ramp": 0b10000}
_GROUND_DEPTH = 400.0
_GROUND_ELASTICITY = 0.5


@dataclass(frozen=True)
class Trajectory:
    """Per-frame states of a simulated scene.

    Attributes:
        positions: (T, B, 2) centre of each thing, world units.
        angles: (T, B) angle of each thing, radians.
        slab_offsets: (T, L, 2) displacement of each slab from its initial position.
    """

    positions: np.ndarray
    angles: np.ndarray
    slab_offsets: np.ndarray


@dataclass(frozen=True)
class PassThrough:
    """A probe script: from frame ``start`` on, thing ``thing`` no longer collides with slabs
    of ``role`` (it falls through a support, or passes through a wall)."""

    thing: int
    role: Literal["wall", "support"]
    start: int


def motion_velocity(motion: Motion | None, frame: int) -> tuple[float, float]:
    """Velocity of a scripted part during ``frame`` (zero outside its motion)."""
    if motion is None or not motion.start <= frame < motion.stop:
        return (0.0, 0.0)
    return motion.velocity


def motion_offset(motion: Motion | None, frame: int, fps: float) -> tuple[float, float]:
    """Displacement of a scripted part at the start of ``frame``, world units."""
    if motion is None:
        return (0.0, 0.0)
    seconds = min(max(frame - motion.start, 0), motion.stop - motion.start) / fps
    return (motion.velocity[0] * seconds, motion.velocity[1] * seconds)


def _add_thing(space: pymunk.Space, thing: Thing) -> pymunk.Shape:
    hw, hh = thing.half
    if thing.shape == "ball":
        body = pymunk.Body(thing.mass, pymunk.moment_for_circle(thing.mass, 0, hw))
        shape: pymunk.Shape = pymunk.Circle(body, hw)
    else:
        body = pymunk.Body(thing.mass, pymunk.moment_for_box(thing.mass, (2 * hw, 2 * hh)))
        shape = pymunk.Poly.create_box(body, (2 * hw, 2 * hh))
    body.position = thing.position
    body.velocity = thing.velocity
    body.angle = thing.angle
    shape.friction = thing.friction
    shape.elasticity = thing.elasticity
    shape.filter = pymunk.ShapeFilter(categories=_THING)
    space.add(body, shape)
    return shape


def _add_slab(space: pymunk.Space, slab: Slab) -> pymunk.Body:
    if slab.motion is None:
        body = space.static_body
        vertices = [(x + slab.position[0], y + slab.position[1]) for x, y in slab.vertices]
    else:
        body = pymunk.Body(body_type=pymunk.Body.KINEMATIC)
        body.position = slab.position
        vertices = list(slab.vertices)
    shape = pymunk.Poly(body, vertices)
    # Friction-free slabs: a support slides out from under its load instead of dragging it.
    shape.friction = 0.0 if slab.role == "support" else 1.0
    shape.elasticity = slab.elasticity
    shape.filter = pymunk.ShapeFilter(categories=_ROLE_BITS[slab.role])
    space.add(*([shape] if body is space.static_body else [body, shape]))
    return body


def _add_ground(space: pymunk.Space, ground_y: float) -> None:
    span = 10_000.0
    corners = [
        (-span, ground_y),
        (span, ground_y),
        (span, ground_y + _GROUND_DEPTH),
        (-span, ground_y + _GROUND_DEPTH),
    ]
    shape = pymunk.Poly(space.static_body, corners)
    shape.friction = 1.0
    shape.elasticity = _GROUND_ELASTICITY
    shape.filter = pymunk.ShapeFilter(categories=_GROUND)
    space.add(shape)


def simulate(
    scene: Scene,
    frames: int,
    fps: float,
    passes: tuple[PassThrough, ...] = (),
    substeps: int = SUBSTEPS,
) -> Trajectory:
    """Simulate ``frames`` frames of ``scene``; frame 0 is the initial state.

    Args:
        scene: what to simulate.
        frames: number of frames T.
        fps: frames per second of simulated time.
        passes: probe scripts that switch collisions off from a given frame.
        substeps: pymunk steps per frame.

    Returns:
        The trajectory, (T, B, 2) positions, (T, B) angles and (T, L, 2) slab offsets.
    """
    space = pymunk.Space()
    space.gravity = (0.0, scene.gravity)
    _add_ground(space, scene.ground_y)
    shapes = [_add_thing(space, t) for t in scene.things]
    slab_bodies = [_add_slab(space, s) for s in scene.slabs]
    positions = np.zeros((frames, len(shapes), 2))
    angles = np.zeros((frames, len(shapes)))
    offsets = np.zeros((frames, len(scene.slabs), 2))
    dt = 1.0 / fps / substeps
    for frame in range(frames):
        for script in passes:
            if script.start == frame:
                mask = pymunk.ShapeFilter.ALL_MASKS() ^ _ROLE_BITS[script.role]
                shapes[script.thing].filter = pymunk.ShapeFilter(categories=_THING, mask=mask)
        for i, shape in enumerate(shapes):
            positions[frame, i] = tuple(shape.body.position)
            angles[frame, i] = shape.body.angle
        for i, slab in enumerate(scene.slabs):
            offsets[frame, i] = motion_offset(slab.motion, frame, fps)
            if slab.motion is not None:
                slab_bodies[i].velocity = motion_velocity(slab.motion, frame)
        for _ in range(substeps):
            space.step(dt)
    return Trajectory(positions=positions, angles=angles, slab_offsets=offsets)
