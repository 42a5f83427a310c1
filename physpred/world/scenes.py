"""What a scene is: objects, slabs, screens and the look, in world units.

The world is a side view, ``WORLD`` units wide and high, x to the right and y *down* (like
pixels), so gravity is ``(0, +gravity)``. The camera maps world units to pixels with
``pixels_per_unit = zoom * size / WORLD`` (see :func:`pixels_per_unit`), which is what lets the
tests check gravity from rendered frames.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

WORLD = 128.0
"""Width and height of the world in world units (one unit is one pixel at size 128, zoom 1)."""

RGB = tuple[int, int, int]
Point = tuple[float, float]


@dataclass(frozen=True)
class Motion:
    """Constant velocity between two frames, for scripted (kinematic) parts.

    Attributes:
        start: first frame of the motion.
        stop: first frame after it (the part rests again from there).
        velocity: (vx, vy) in world units per second.
    """

    start: int
    stop: int
    velocity: Point


@dataclass(frozen=True)
class Thing:
    """A dynamic object: a ball or a box.

    Attributes:
        shape: "ball" or "box".
        half: (half width, half height); a ball's radius is ``half[0]``.
        position: centre, world units.
        velocity: world units per second.
        colour: RGB.
        mass: mass (density does not matter to the look, so it is sampled directly).
        friction: pymunk friction (combined with the surface's by product).
        elasticity: pymunk elasticity (combined with the surface's by product).
        angle: initial angle in radians.
    """

    shape: Literal["ball", "box"]
    half: Point
    position: Point
    velocity: Point
    colour: RGB
    mass: float
    friction: float
    elasticity: float
    angle: float = 0.0


@dataclass(frozen=True)
class Slab:
    """A solid polygon: a wall, a step, a ramp or a support (which may move, kinematically).

    Attributes:
        role: "wall", "step", "ramp" or "support"; walls and supports can be made passable by
            a probe script.
        vertices: polygon corners relative to ``position``, clockwise on screen.
        position: world units.
        colour: RGB.
        elasticity: pymunk elasticity.
        motion: scripted motion, or None for a static slab.
    """

    role: Literal["wall", "step", "ramp", "support"]
    vertices: tuple[Point, ...]
    position: Point
    colour: RGB
    elasticity: float
    motion: Motion | None = None


@dataclass(frozen=True)
class Screen:
    """An occluder standing on the ground, drawn in front of everything; never collides.

    Attributes:
        left: left edge, world units.
        right: right edge, world units.
        top: top edge, world units (its bottom is the ground).
        colour: RGB.
        motion: vertical scripted motion (lowering into the ground or lifting away), or None.
    """

    left: float
    right: float
    top: float
    colour: RGB
    motion: Motion | None = None


@dataclass(frozen=True)
class Look:
    """Domain randomisation of appearance and camera.

    Attributes:
        sky: background colours at the top and at the horizon.
        ground: ground colours at the horizon and at the bottom.
        tilt: left-to-right brightness change of the background, as a fraction.
        zoom: camera zoom (1 = the world fills the frame).
        offset: camera centre minus the world centre, world units.
        noise: amplitude of the per-pixel noise, in intensity levels (0 = none).
        noise_seed: seed of the noise; frame t's noise depends on (noise_seed, t) only.
        shading: how much lighter (towards white) the highlight on each object is; 0 = flat.
    """

    sky: tuple[RGB, RGB]
    ground: tuple[RGB, RGB]
    tilt: float
    zoom: float
    offset: Point
    noise: int
    noise_seed: int
    shading: float


@dataclass(frozen=True)
class Scene:
    """Everything needed to simulate and render one movie.

    Attributes:
        kind: name of the sampler that made it (written to the manifest).
        look: appearance and camera.
        ground_y: height of the ground surface, world units.
        gravity: world units per second squared.
        things: dynamic objects.
        slabs: solid polygons.
        screens: occluders.
    """

    kind: str
    look: Look
    ground_y: float
    gravity: float
    things: tuple[Thing, ...]
    slabs: tuple[Slab, ...] = ()
    screens: tuple[Screen, ...] = ()


def pixels_per_unit(look: Look, size: int) -> float:
    """Pixels per world unit for a frame ``size`` pixels wide."""
    return look.zoom * size / WORLD


def box_vertices(half_width: float, half_height: float) -> tuple[Point, ...]:
    """Corners of an axis-aligned box centred on the origin, clockwise on screen (y down)."""
    return (
        (-half_width, -half_height),
        (half_width, -half_height),
        (half_width, half_height),
        (-half_width, half_height),
    )


def _mirror_x(x: float) -> float:
    return WORLD - x


def _mirror_motion(motion: Motion | None) -> Motion | None:
    if motion is None:
        return None
    return replace(motion, velocity=(-motion.velocity[0], motion.velocity[1]))


def mirror(scene: Scene) -> Scene:
    """The scene reflected left-right about the world centre (samplers build left-to-right)."""
    things = tuple(
        replace(
            t,
            position=(_mirror_x(t.position[0]), t.position[1]),
            velocity=(-t.velocity[0], t.velocity[1]),
            angle=-t.angle,
        )
        for t in scene.things
    )
    slabs = tuple(
        replace(
            s,
            # Reflecting reverses the winding; reverse the order to keep it clockwise.
            vertices=tuple((-x, y) for x, y in reversed(s.vertices)),
            position=(_mirror_x(s.position[0]), s.position[1]),
            motion=_mirror_motion(s.motion),
        )
        for s in scene.slabs
    )
    screens = tuple(
        replace(s, left=_mirror_x(s.right), right=_mirror_x(s.left)) for s in scene.screens
    )
    return replace(scene, things=things, slabs=slabs, screens=screens)


def restage(scene: Scene, look: Look, ground_y: float) -> Scene:
    """The scene seen with another look, its ground moved to ``ground_y`` and everything in it
    moved up or down with the ground."""
    dy = ground_y - scene.ground_y
    things = tuple(replace(t, position=(t.position[0], t.position[1] + dy)) for t in scene.things)
    slabs = tuple(replace(s, position=(s.position[0], s.position[1] + dy)) for s in scene.slabs)
    screens = tuple(replace(s, top=s.top + dy) for s in scene.screens)
    return replace(scene, look=look, ground_y=ground_y, things=things, slabs=slabs, screens=screens)
