"""Matched possible / impossible movies for each probe block.

Every block gives four movies from one scene: two pairs of (possible, impossible).

- O1-O3 splice two possible renders A and B at frames where they are byte-identical (the object
  is hidden), so every frame of the impossible C and D is a frame of A or B; pairs (A, C), (B, D).
- G1, S1, I1 script a change into a simulation; each impossible movie shares every frame with
  its possible partner up to the violation. The two pairs are separate draws (other objects,
  places, speeds and slabs) on the same background, so they differ from the first frame on and
  the longest-identical-prefix rule finds each impossible movie's partner. The two pairs are
  balanced for motion: in one the impossible movie moves more than the possible one, in the
  other less, so that a predictor that copies the last frame is at chance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from physpred.world import samplers
from physpred.world.look import stands_out
from physpred.world.render import mask_names, render_masks, render_video
from physpred.world.scenes import Scene, pixels_per_unit, restage
from physpred.world.simulate import PassThrough, Trajectory, simulate
from physpred.world.splice import (
    Movie,
    change_velocity_after,
    first_divergence,
    first_moving_frame,
    freeze_after,
    hidden_runs,
    same_frames,
    spliced,
)

MAX_TRIES = 50
"""Scenes drawn per quadruplet before giving up (a draw fails when, e.g., the object is never
fully hidden at a small size)."""

EARLIEST_VIOLATION = 20
"""0-based frame before which no violation may start: models need context first."""


@dataclass(frozen=True)
class Setting:
    """How movies are made: frames T, size in pixels, frames per second, gravity in units/s²,
    and whether to render instance masks too."""

    frames: int
    size: int
    fps: float
    gravity: float
    masks: bool = False


@dataclass(frozen=True)
class Clip:
    """One movie of a quadruplet before it is written.

    Attributes:
        frames: (T, H, W, 3) uint8.
        is_possible: the label.
        pair: 1 or 2; the possible and impossible movie of a pair share a prefix.
        event: what happens, e.g. "vanish" (for plots and debugging, not a label).
        gravity_px: gravity in pixels per second squared in these frames (zoom included).
        masks: (T, H, W) uint8 instance masks (each frame's from the same source frame as its
            picture), or None when the setting asks for none.
        mask_names: mask id by part name (:func:`physpred.world.render.mask_names`), the same
            for both movies of a pair; None without masks.
    """

    frames: np.ndarray
    is_possible: bool
    pair: int
    event: str
    gravity_px: float
    masks: np.ndarray | None = None
    mask_names: dict[str, int] | None = None


class ProbeFailure(RuntimeError):
    """No valid scene was found in :data:`MAX_TRIES` draws."""


def _clip(
    movie: Movie, scene: Scene, setting: Setting, is_possible: bool, pair: int, event: str
) -> Clip:
    """A clip of ``movie``, rendered from ``scene`` (or a splice of its renders)."""
    gravity_px = setting.gravity * pixels_per_unit(scene.look, setting.size)
    names = None if movie.masks is None else mask_names(scene)
    return Clip(movie.frames, is_possible, pair, event, gravity_px, movie.masks, names)


def _render(
    scene: Scene, trajectory: Trajectory, setting: Setting, hidden: frozenset[int] = frozenset()
) -> Movie:
    frames = render_video(scene, trajectory, setting.size, setting.fps, hidden)
    if not setting.masks:
        return Movie(frames)
    return Movie(frames, render_masks(scene, trajectory, setting.size, setting.fps, hidden))


def _occluded_pair(
    setting: Setting, rng: np.random.Generator, swap_shape: bool
) -> tuple[Movie, Movie, int, Scene]:
    """A and B of O1 (B has no object) or O2 (B has a box), the first fully hidden frame, and
    A's scene (B's has the same parts)."""
    for _ in range(MAX_TRIES):
        shape = "ball" if swap_shape else None
        scene = samplers.occlusion(
            rng, setting.frames, setting.fps, setting.gravity, shape=shape, moving_screen=False
        )
        trajectory = simulate(scene, setting.frames, setting.fps)
        a = _render(scene, trajectory, setting)
        if swap_shape:
            box = replace(scene.things[0], shape="box")
            still = replace(trajectory, angles=np.zeros_like(trajectory.angles))
            b = _render(replace(scene, things=(box,)), still, setting)
        else:
            b = _render(scene, trajectory, setting, hidden=frozenset({0}))
        hidden = hidden_runs(same_frames(a.frames, b.frames))
        if hidden and hidden[0][1] >= EARLIEST_VIOLATION:  # the violation starts at its end
            return a, b, hidden[0][0], scene
    raise ProbeFailure("no occlusion scene hid the object completely; try a larger --size")


def object_permanence(setting: Setting, rng: np.random.Generator) -> list[Clip]:
    """O1: A object passes behind a screen, B no object, C = A then B (vanishes), D = B then A."""
    a, b, cut, scene = _occluded_pair(setting, rng, swap_shape=False)
    end = len(a.frames)
    return [
        _clip(a, scene, setting, True, 1, "object"),
        _clip(spliced(a, b, cut, end), scene, setting, False, 1, "vanish"),
        _clip(b, scene, setting, True, 2, "no_object"),
        _clip(spliced(b, a, cut, end), scene, setting, False, 2, "appear"),
    ]


def shape_constancy(setting: Setting, rng: np.random.Generator) -> list[Clip]:
    """O2: A ball, B box on the same path; C = A then B, D = B then A (shape changes unseen)."""
    a, b, cut, scene = _occluded_pair(setting, rng, swap_shape=True)
    end = len(a.frames)
    return [
        _clip(a, scene, setting, True, 1, "ball"),
        _clip(spliced(a, b, cut, end), scene, setting, False, 1, "ball_to_box"),
        _clip(b, scene, setting, True, 2, "box"),
        _clip(spliced(b, a, cut, end), scene, setting, False, 2, "box_to_ball"),
    ]


def continuity(setting: Setting, rng: np.random.Generator) -> list[Clip]:
    """O3: two screens; C skips the gap (teleports), D shows the object only in the gap."""
    for _ in range(MAX_TRIES):
        scene = samplers.gap(rng, setting.frames, setting.fps, setting.gravity)
        trajectory = simulate(scene, setting.frames, setting.fps)
        a = _render(scene, trajectory, setting)
        b = _render(scene, trajectory, setting, hidden=frozenset({0}))
        hidden = hidden_runs(same_frames(a.frames, b.frames))
        if len(hidden) >= 2 and hidden[0][1] >= EARLIEST_VIOLATION:
            start, stop = hidden[0][1], hidden[1][0]  # the object is in the gap
            return [
                _clip(a, scene, setting, True, 1, "object"),
                _clip(spliced(a, b, start, stop), scene, setting, False, 1, "teleport"),
                _clip(b, scene, setting, True, 2, "no_object"),
                _clip(spliced(b, a, start, stop), scene, setting, False, 2, "gap_only"),
            ]
    raise ProbeFailure(
        "no two-screen scene hid the object behind both screens; try a larger --size"
    )


def _two_scenes(
    rng: np.random.Generator,
    make: Callable[[np.random.Generator, object], Scene],
    first: object,
    second: object,
) -> tuple[Scene, Scene]:
    """Scenes of pair 1 and pair 2 of a G1/S1/I1 quadruplet: ``make(rng, first)`` and
    ``make(rng, second)``, separate draws shown on pair 1's look and ground, with their first
    objects horizontally apart at the start, so that the pairs differ from the first frame."""
    one = make(rng, first)
    for _ in range(MAX_TRIES):
        two = restage(make(rng, second), one.look, one.ground_y)
        a, b = one.things[0], two.things[0]
        apart = abs(a.position[0] - b.position[0]) >= max(a.half) + max(b.half)
        if apart and stands_out(b.colour, one.look):
            return one, two
    raise ProbeFailure("no two scenes of a quadruplet kept their objects apart")


def gravity_support(setting: Setting, rng: np.random.Generator) -> list[Clip]:
    """G1: pair 1 the support slides away (falls / floats); pair 2 it moves a little
    (stays / falls through it)."""
    f, fps = setting.frames, setting.fps
    for _ in range(MAX_TRIES):
        away, short = _two_scenes(
            rng, lambda r, m: samplers.support(r, f, fps, setting.gravity, move=m), "away", "short"
        )
        falls = simulate(away, f, fps)
        drop = first_moving_frame(falls, 0)
        stays = simulate(short, f, fps)
        motion = short.slabs[0].motion
        through_at = max(motion.stop + int(rng.integers(3, 10)), EARLIEST_VIOLATION)
        if drop is None or not EARLIEST_VIOLATION <= drop < f - 10 or through_at >= f - 10:
            continue
        if first_moving_frame(stays, 0, tolerance=0.5) is not None:
            continue  # the load slipped off: pair 2's possible movie must stay put
        through = simulate(short, f, fps, passes=(PassThrough(0, "support", through_at),))
        floats = freeze_after(falls, 0, drop)
        return [
            _clip(_render(away, falls, setting), away, setting, True, 1, "falls"),
            _clip(_render(away, floats, setting), away, setting, False, 1, "floats"),
            _clip(_render(short, stays, setting), short, setting, True, 2, "stays"),
            _clip(_render(short, through, setting), short, setting, False, 2, "falls_through"),
        ]
    raise ProbeFailure("no support scene dropped its load inside the movie; try more --frames")


def solidity(setting: Setting, rng: np.random.Generator) -> list[Clip]:
    """S1: pair 1 a dull object stops against a wall / passes through it and slides on; pair 2 a
    bouncy object bounces back / passes into the wall and stops inside it.

    Walls are drawn in front of objects, so a passing object disappears into the wall and
    re-emerges behind it. After the contact pair 1's possible movie stands still while its
    impossible one moves on; pair 2's possible movie slides back out of view while its impossible
    one stops: the impossible movie moves more in pair 1 and less in pair 2.
    """
    f, fps = setting.frames, setting.fps
    bouncy = float(rng.uniform(0.8, 0.95))
    ghost = (PassThrough(0, "wall", 0),)
    for _ in range(MAX_TRIES):
        dull, hard = _two_scenes(
            rng,
            lambda r, e: samplers.bounce(r, f, fps, setting.gravity, elasticity=e),
            0.0,
            bouncy,
        )
        stops, through = simulate(dull, f, fps), simulate(dull, f, fps, passes=ghost)
        bounces, into = simulate(hard, f, fps), simulate(hard, f, fps, passes=ghost)
        contacts = (first_divergence(stops, through, 0), first_divergence(bounces, into, 0))
        if not all(c is not None and EARLIEST_VIOLATION <= c < f - 10 for c in contacts):
            continue
        inside = freeze_after(into, 0, _centre_inside(hard, into))
        return [
            _clip(_render(dull, stops, setting), dull, setting, True, 1, "stops"),
            _clip(_render(dull, through, setting), dull, setting, False, 1, "passes_through"),
            _clip(_render(hard, bounces, setting), hard, setting, True, 2, "bounces"),
            _clip(_render(hard, inside, setting), hard, setting, False, 2, "stops_inside"),
        ]
    raise ProbeFailure("no wall scene had its collision inside the movie; try more --frames")


def _centre_inside(scene: Scene, trajectory: Trajectory) -> int:
    """First frame after the one where the first object's centre reaches the middle of the
    wall it passes through (freezing it from there leaves it stuck inside the wall)."""
    direction = np.sign(scene.things[0].velocity[0])
    depth = direction * (trajectory.positions[:, 0, 0] - scene.slabs[0].position[0])
    return int(np.flatnonzero(depth >= 0)[0]) + 1


def inertia(setting: Setting, rng: np.random.Generator) -> list[Clip]:
    """I1: an object slides at constant speed; pair 1 (fast) it stops dead, pair 2 (slow) it
    suddenly speeds up, staying in view to the end so that it moves more than the possible one."""
    f, fps = setting.frames, setting.fps
    # The slow object must be able to go twice as fast for the rest of the movie in ~70 units.
    slow_cap = 70.0 / (2.0 * max(f - 30, 1) / fps)
    fast, slow = float(rng.uniform(30.0, 45.0)), min(float(rng.uniform(5.0, 9.0)), slow_cap)
    for _ in range(MAX_TRIES):
        one, two = _two_scenes(
            rng, lambda r, v: samplers.roll(r, f, fps, setting.gravity, speed=v), fast, slow
        )
        roll_one, roll_two = simulate(one, f, fps), simulate(two, f, fps)
        # The change must be seen: the fast object is still well inside the world then.
        x = roll_one.positions[:, 0, 0]
        seen = [t for t in range(20, min(max(24, int(0.4 * f)) + 1, f - 10)) if 20.0 < x[t] < 100.0]
        if not seen:
            continue
        change = int(rng.choice(seen))
        # Speed it up as much as the room left in view allows (up to 3x), so that it is still
        # moving in the last frame: then it moves more than in the possible movie.
        direction = float(np.sign(two.things[0].velocity[0]))
        x_change = roll_two.positions[change, 0, 0]
        travelled = direction * (roll_two.positions[-1, 0, 0] - x_change)
        room = 112.0 - x_change if direction > 0 else x_change - 16.0
        factor = min(3.0, room / travelled)
        if factor < 1.7:
            continue
        stops = freeze_after(roll_one, 0, change)
        faster = change_velocity_after(roll_two, 0, change, factor)
        return [
            _clip(_render(one, roll_one, setting), one, setting, True, 1, "rolls"),
            _clip(_render(one, stops, setting), one, setting, False, 1, "stops"),
            _clip(_render(two, roll_two, setting), two, setting, True, 2, "rolls"),
            _clip(_render(two, faster, setting), two, setting, False, 2, "speeds_up"),
        ]
    raise ProbeFailure("no rolling scene kept the object in view; try more --frames")


BLOCKS: dict[str, Callable[[Setting, np.random.Generator], list[Clip]]] = {
    "O1": object_permanence,
    "O2": shape_constancy,
    "O3": continuity,
    "G1": gravity_support,
    "S1": solidity,
    "I1": inertia,
}
"""Probe blocks by name; each returns four clips, two pairs of (possible, impossible)."""
