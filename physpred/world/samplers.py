"""Scene samplers, one per kind of event; training videos and probes share them.

Each sampler builds its scene left-to-right and then mirrors it half of the time. Speeds are in
world units per second and event times in frames, both derived from ``frames`` and ``fps`` so
that events land inside the movie whatever its length. The keyword arguments that default to
None are drawn at random; probes pin them to script a variation (e.g. a short support move).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Literal

import numpy as np

from physpred.world.look import object_colour, sample_look, screen_colour, slab_colour, wall_colour
from physpred.world.scenes import (
    RGB,
    Look,
    Motion,
    Scene,
    Screen,
    Slab,
    Thing,
    box_vertices,
    mirror,
)

Shape = Literal["ball", "box"]

RADIUS = (6.0, 8.5)
"""Range of a ball's radius and of a box's half extents, world units: 5-9 pixels across at
64 pixels (see :func:`physpred.world.look.sample_look` for the zoom)."""


def _thing(
    rng: np.random.Generator,
    look: Look,
    position: tuple[float, float],
    velocity: tuple[float, float] = (0.0, 0.0),
    shape: Shape | None = None,
    half: tuple[float, float] | None = None,
    friction: float = 0.0,
    elasticity: float | None = None,
    avoid: RGB | None = None,
) -> Thing:
    """A ball or box that stands out on ``look``'s sky; what is not given is drawn (square
    boxes only where ``half`` says so)."""
    shape = shape or ("ball" if rng.uniform() < 0.5 else "box")
    if half is None:
        radius = float(rng.uniform(*RADIUS))
        half = (radius, radius) if shape == "ball" else (radius, float(rng.uniform(*RADIUS)))
    return Thing(
        shape=shape,
        half=half,
        position=position,
        velocity=velocity,
        colour=object_colour(rng, look, avoid),
        mass=float(rng.uniform(0.5, 2.0) * half[0] * half[1] / 25.0),
        friction=friction,
        elasticity=float(rng.uniform(0.1, 0.6)) if elasticity is None else elasticity,
    )


def _finish(rng: np.random.Generator, scene: Scene) -> Scene:
    """Mirror half of the scenes, so events run right-to-left as often as left-to-right."""
    return mirror(scene) if rng.uniform() < 0.5 else scene


def _event_frame(rng: np.random.Generator, frames: int, low: float, high: float) -> float:
    """A frame in [low, high] * frames, but not before frame 20 (probes need a prefix)."""
    return float(rng.uniform(max(20.0, low * frames), max(24.0, high * frames)))


def _base(rng: np.random.Generator, kind: str, gravity: float) -> tuple[Scene, float]:
    """An empty scene with a random look and ground height, and that height."""
    ground_y = float(rng.uniform(98.0, 108.0))
    return Scene(
        kind=kind, look=sample_look(rng), ground_y=ground_y, gravity=gravity, things=()
    ), ground_y


def occlusion(
    rng: np.random.Generator,
    frames: int,
    fps: float,
    gravity: float,
    shape: Shape | None = None,
    moving_screen: bool | None = None,
) -> Scene:
    """An object slides at constant speed behind a screen and re-emerges.

    The screen is wide enough to hide the object completely for 2-4 frames, so a probe can
    splice there; it may later lower or lift (training only).
    """
    scene, ground_y = _base(rng, "occlusion", gravity)
    speed = float(rng.uniform(30.0, 45.0))
    step = speed / fps
    radius = float(rng.uniform(*RADIUS))
    x0 = float(rng.uniform(10.0, 22.0))
    emerge = min(_event_frame(rng, frames, 0.3, 0.45), (116.0 - x0 - radius) / step)
    right = x0 + radius + step * emerge
    left = right - (2 * radius + 8.0 + float(rng.uniform(2.0, 4.0)) * step)
    motion = None
    if moving_screen if moving_screen is not None else rng.uniform() < 0.3:
        start = int(emerge + 2 * radius / step + rng.uniform(2, 10))
        motion = Motion(
            start, start + int(2 * fps), (0.0, float(rng.choice([-1, 1]) * rng.uniform(20, 40)))
        )
    top = ground_y - float(rng.uniform(2 * radius + 8.0, 2 * radius + 26.0))
    screen = Screen(left, right, top, screen_colour(rng), motion)
    thing = _thing(
        rng,
        scene.look,
        (x0, ground_y - radius),
        (speed, 0.0),
        shape,
        (radius, radius),
        avoid=screen.colour,
    )
    return _finish(rng, replace(scene, things=(thing,), screens=(screen,)))


def gap(rng: np.random.Generator, frames: int, fps: float, gravity: float) -> Scene:
    """An object slides behind a screen, across a visible gap, behind a second screen, and out."""
    scene, ground_y = _base(rng, "gap", gravity)
    speed = float(rng.uniform(30.0, 45.0))
    step = speed / fps
    radius = float(rng.uniform(RADIUS[0], 7.5))
    widths = [2 * radius + 8.0 + float(rng.uniform(1.5, 3.0)) * step for _ in range(2)]
    opening = 2 * radius + 4.0 + float(rng.uniform(2.0, 4.0)) * step
    x0 = float(rng.uniform(10.0, 20.0))
    # The object starts to show in the opening at frame >= 20, when it passes the first screen.
    left1 = x0 + radius + step * _event_frame(rng, frames, 0.0, 0.0) - widths[0]
    overflow = max(left1 + widths[0] + opening + widths[1] - 112.0, 0.0)
    x0, left1 = x0 - overflow, left1 - overflow  # starts partly out of view: entering early
    left2 = left1 + widths[0] + opening
    top = ground_y - float(rng.uniform(2 * radius + 8.0, 2 * radius + 26.0))
    colour = screen_colour(rng)
    screens = (
        Screen(left1, left1 + widths[0], top, colour),
        Screen(left2, left2 + widths[1], top, colour),
    )
    thing = _thing(
        rng, scene.look, (x0, ground_y - radius), (speed, 0.0), None, (radius, radius), avoid=colour
    )
    return _finish(rng, replace(scene, things=(thing,), screens=screens))


def support(
    rng: np.random.Generator,
    frames: int,
    fps: float,
    gravity: float,
    move: Literal["away", "short"] | None = None,
) -> Scene:
    """An object rests on a frictionless pedestal that slides away (it falls) or moves a little."""
    scene, ground_y = _base(rng, "support", gravity)
    width, height = float(rng.uniform(22.0, 34.0)), float(rng.uniform(22.0, 40.0))
    x_pedestal = float(rng.uniform(40.0, 88.0))
    thing = _thing(rng, scene.look, (0.0, 0.0))
    x_thing = x_pedestal + float(rng.uniform(-0.2, 0.2)) * width
    thing = replace(thing, position=(x_thing, ground_y - height - thing.half[1]))
    away = rng.uniform() < 0.6
    fraction = float(rng.uniform(0.3, 0.8))
    if (move or ("away" if away else "short")) == "away":
        distance = width + 2 * thing.half[0] + 20.0
    else:  # the thing's centre stays 3 units inside the top: it stays supported
        distance = fraction * (width / 2 - 3.0 + (x_thing - x_pedestal))
    speed = float(rng.uniform(25.0, 40.0))
    start = int(_event_frame(rng, frames, 0.12, 0.25) - 5)
    motion = Motion(start, start + max(1, int(round(distance / speed * fps))), (speed, 0.0))
    slab = Slab(
        "support",
        box_vertices(width / 2, height / 2),
        (x_pedestal, ground_y - height / 2),
        slab_colour(rng),
        0.2,
        motion,
    )
    return _finish(rng, replace(scene, things=(thing,), slabs=(slab,)))


def bounce(
    rng: np.random.Generator,
    frames: int,
    fps: float,
    gravity: float,
    elasticity: float | None = None,
) -> Scene:
    """An object slides into a wall and bounces back (or stops against it, when dull).

    Contact comes at frame 20-24 with the wall's face 43-89 units from the start side, so that
    there is room behind the wall: a probe's object passing through it stays in view there for
    a while, and a bouncing one has far to go back.
    """
    scene, ground_y = _base(rng, "bounce", gravity)
    speed = float(rng.uniform(25.0, 40.0))
    x0 = float(rng.uniform(4.0, 16.0))
    thing = _thing(
        rng,
        scene.look,
        (0.0, 0.0),
        (speed, 0.0),
        elasticity=elasticity if elasticity is not None else float(rng.uniform(0.0, 0.95)),
    )
    contact = _event_frame(rng, frames, 0.0, 0.0)
    face = x0 + thing.half[0] + speed / fps * contact
    thickness, height = float(rng.uniform(5.0, 9.0)), float(rng.uniform(35.0, 70.0))
    wall = Slab(
        "wall",
        box_vertices(thickness / 2, height / 2),
        (face + thickness / 2, ground_y - height / 2),
        wall_colour(rng),
        1.0,
    )
    thing = replace(thing, position=(x0, ground_y - thing.half[1]))
    return _finish(rng, replace(scene, things=(thing,), slabs=(wall,)))


def roll(
    rng: np.random.Generator,
    frames: int,
    fps: float,
    gravity: float,
    speed: float | None = None,
) -> Scene:
    """An object slides or rolls at constant speed across the ground."""
    scene, ground_y = _base(rng, "roll", gravity)
    speed = float(rng.uniform(5.0, 45.0)) if speed is None else speed
    thing = _thing(rng, scene.look, (0.0, 0.0), (speed, 0.0))
    thing = replace(thing, position=(float(rng.uniform(8.0, 20.0)), ground_y - thing.half[1]))
    return _finish(rng, replace(scene, things=(thing,)))


def fall(rng: np.random.Generator, frames: int, fps: float, gravity: float) -> Scene:
    """One to three objects dropped from rest or tossed, maybe onto a step."""
    scene, ground_y = _base(rng, "fall", gravity)
    count = int(rng.integers(1, 4))
    slots = np.linspace(20.0, 108.0, count + 1)
    things = tuple(
        _thing(
            rng,
            scene.look,
            (float(rng.uniform(slots[i] + 9, slots[i + 1] - 9)), float(rng.uniform(15.0, 55.0))),
            (float(rng.uniform(-15, 15)), 0.0),
            friction=0.5,
            elasticity=float(rng.uniform(0.1, 0.7)),
        )
        for i in range(count)
    )
    slabs: tuple[Slab, ...] = ()
    if rng.uniform() < 0.5:
        width, height = float(rng.uniform(15.0, 40.0)), float(rng.uniform(8.0, 25.0))
        position = (float(rng.uniform(20.0, 108.0)), ground_y - height / 2)
        slabs = (
            Slab("step", box_vertices(width / 2, height / 2), position, slab_colour(rng), 0.5),
        )
    return _finish(rng, replace(scene, kind="fall", things=things, slabs=slabs))


def ramp(rng: np.random.Generator, frames: int, fps: float, gravity: float) -> Scene:
    """An object starts near the top of a ramp and rolls or slides down it."""
    scene, ground_y = _base(rng, "ramp", gravity)
    base_width, height = float(rng.uniform(40.0, 65.0)), float(rng.uniform(18.0, 35.0))
    left = float(rng.uniform(6.0, 20.0))
    slab = Slab(
        "ramp",
        ((0.0, -height), (base_width, 0.0), (0.0, 0.0)),
        (left, ground_y),
        slab_colour(rng),
        0.3,
    )
    thing = _thing(rng, scene.look, (0.0, 0.0), shape="ball", friction=0.8)
    length = float(np.hypot(base_width, height))
    normal = np.array([height, -base_width]) / length
    on_slope = np.array([left + 0.15 * base_width, ground_y - 0.85 * height])
    centre = on_slope + normal * (thing.half[0] + 0.2)
    thing = replace(thing, position=(float(centre[0]), float(centre[1])))
    return _finish(rng, replace(scene, things=(thing,), slabs=(slab,)))


def reveal(rng: np.random.Generator, frames: int, fps: float, gravity: float) -> Scene:
    """A screen lowers or lifts to show what rests behind it (an object, or nothing)."""
    scene, ground_y = _base(rng, "reveal", gravity)
    centre, width = float(rng.uniform(35.0, 93.0)), float(rng.uniform(24.0, 40.0))
    top = ground_y - float(rng.uniform(26.0, 45.0))
    start = int(rng.uniform(0.15, 0.5) * frames)
    motion = Motion(
        start, start + int(2 * fps), (0.0, float(rng.choice([-1, 1]) * rng.uniform(20, 40)))
    )
    screen = Screen(centre - width / 2, centre + width / 2, top, screen_colour(rng), motion)
    things: tuple[Thing, ...] = ()
    if rng.uniform() < 0.7:
        thing = _thing(rng, scene.look, (0.0, 0.0), shape="box" if rng.uniform() < 0.5 else "ball")
        half = (min(thing.half[0], width / 2 - 4), min(thing.half[1], (ground_y - top) / 2 - 3))
        things = (replace(thing, half=half, position=(centre, ground_y - half[1])),)
    return _finish(rng, replace(scene, things=things, screens=(screen,)))


def mixed(rng: np.random.Generator, frames: int, fps: float, gravity: float) -> Scene:
    """Two to four objects moving at once, with a wall and maybe a screen in front."""
    scene, ground_y = _base(rng, "mixed", gravity)
    count = int(rng.integers(2, 5))
    slots = np.linspace(10.0, 100.0, count + 1)
    things = []
    for i in range(count):
        thing = _thing(
            rng,
            scene.look,
            (0.0, 0.0),
            (float(rng.uniform(-40, 40)), 0.0),
            friction=float(rng.choice([0.0, 0.5])),
        )
        x = float(rng.uniform(slots[i] + 9, slots[i + 1] - 9))
        y = ground_y - thing.half[1] - (0.0 if rng.uniform() < 0.6 else float(rng.uniform(10, 40)))
        things.append(replace(thing, position=(x, y)))
    thickness, height = float(rng.uniform(5.0, 9.0)), float(rng.uniform(35.0, 70.0))
    wall = Slab(
        "wall",
        box_vertices(thickness / 2, height / 2),
        (114.0, ground_y - height / 2),
        wall_colour(rng),
        1.0,
    )
    screens: tuple[Screen, ...] = ()
    if rng.uniform() < 0.5:
        left = float(rng.uniform(20.0, 80.0))
        screens = (
            Screen(
                left,
                left + float(rng.uniform(20, 32)),
                ground_y - float(rng.uniform(25, 45)),
                screen_colour(rng),
            ),
        )
    return _finish(rng, replace(scene, things=tuple(things), slabs=(wall,), screens=screens))


TRAINING_KINDS = {
    "occlusion": (occlusion, 0.2),
    "gap": (gap, 0.1),
    "support": (support, 0.15),
    "bounce": (bounce, 0.15),
    "roll": (roll, 0.1),
    "fall": (fall, 0.1),
    "ramp": (ramp, 0.07),
    "reveal": (reveal, 0.05),
    "mixed": (mixed, 0.08),
}
"""Sampler and share of training videos per kind; most are the possible events of the probes."""


def parse_kinds(text: str) -> dict[str, float]:
    """Shares of training kinds from ``"occlusion=3,gap=2"`` (relative weights, any scale).

    Raises:
        ValueError: an unknown kind, a missing ``=`` or a weight that is not a positive number.
    """
    shares: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, weight = item.partition("=")
        if name not in TRAINING_KINDS or not sep:
            raise ValueError(
                f"--kinds: {item!r} is not KIND=WEIGHT with KIND one of {','.join(TRAINING_KINDS)}"
            )
        try:
            shares[name] = float(weight)
        except ValueError:
            shares[name] = -1.0
        if not shares[name] > 0:
            raise ValueError(f"--kinds: the weight of {name} must be a positive number, got {weight!r}")
    if not shares:
        raise ValueError("--kinds: give at least one KIND=WEIGHT")
    return shares


def training_scene(
    rng: np.random.Generator,
    frames: int,
    fps: float,
    gravity: float,
    kinds: Mapping[str, float] | None = None,
) -> Scene:
    """A scene of a random kind, drawn with the shares ``kinds`` (default :data:`TRAINING_KINDS`)."""
    shares = kinds or {name: share for name, (_, share) in TRAINING_KINDS.items()}
    names = list(shares)
    weights = np.array([shares[n] for n in names])
    name = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    return TRAINING_KINDS[name][0](rng, frames, fps, gravity)
