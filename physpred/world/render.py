"""Object states -> RGB frames, anti-aliased with OpenCV at the target size, and instance masks.

Drawing order: background and ground, static slabs (pre-drawn once per movie), moving slabs,
things, walls, screens (screens always occlude). Walls come after things so that an object that
passes through a wall in a probe disappears into it and re-emerges on the other side; in lawful
movies nothing overlaps a wall, so this changes nothing there. Coordinates go to OpenCV with 4
fractional bits (``shift=4``) so sub-pixel motion changes the anti-aliased edges smoothly. Noise
for frame t depends only on ``(look.noise_seed, t)`` (and the frame size), so any two renders of
the same states agree to the byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from physpred.world.scenes import WORLD, Look, Scene, Screen, Thing, pixels_per_unit
from physpred.world.simulate import Trajectory, motion_offset

_SHIFT = 4
_ONE = 1 << _SHIFT
SCREEN_FOOT_PX = 2.0
"""Pixels by which screens reach below the ground line (at least 3 world units)."""


def to_pixels(points: np.ndarray, look: Look, size: int) -> np.ndarray:
    """World points (..., 2) -> continuous pixel coordinates (..., 2); pixel i spans [i, i+1)."""
    centre = np.array([WORLD / 2 + look.offset[0], WORLD / 2 + look.offset[1]])
    return ((points - centre) * look.zoom + WORLD / 2) * (size / WORLD)


def _fixed(pixels: np.ndarray) -> np.ndarray:
    """Continuous pixel coordinates -> OpenCV fixed point (integer coordinate = pixel centre)."""
    return np.round((pixels - 0.5) * _ONE).astype(np.int32)


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int], n: int) -> np.ndarray:
    weights = np.linspace(0.0, 1.0, max(n, 1))[:, None]
    return (1 - weights) * np.array(top, float) + weights * np.array(bottom, float)


def background(scene: Scene, size: int) -> np.ndarray:
    """Sky and ground gradients with a left-right brightness tilt, (H, W, 3) float64."""
    look = scene.look
    horizon = float(to_pixels(np.array([0.0, scene.ground_y]), look, size)[1])
    rows = np.arange(size) + 0.5
    sky = _gradient(*look.sky, size)
    ground = _gradient(*look.ground, size)
    # Fraction of each pixel row above the horizon: an anti-aliased ground line.
    sky_share = np.clip(horizon - (rows - 0.5), 0.0, 1.0)[:, None]
    column = sky_share * sky + (1 - sky_share) * ground  # (H, 3)
    tilt = 1.0 + look.tilt * (np.arange(size) / max(size - 1, 1) - 0.5)  # (W,)
    return column[:, None, :] * tilt[None, :, None]


def box_corners(half: tuple[float, float], positions: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """World corners (T, 4, 2) of a box with half extents ``half`` at (T, 2) positions and (T,)
    angles, rotated as pymunk rotates bodies."""
    hw, hh = half
    local = np.array([(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)])  # (4, 2)
    cos, sin = np.cos(angles)[:, None], np.sin(angles)[:, None]  # (T, 1)
    x = local[None, :, 0] * cos - local[None, :, 1] * sin
    y = local[None, :, 0] * sin + local[None, :, 1] * cos
    return np.stack([x, y], axis=-1) + positions[:, None, :]


HIGHLIGHT = 0.45
"""Size of an object's highlight relative to the object."""

Colour = int | tuple[int, int, int]
Fill = Callable[[np.ndarray, int, Colour, int], object]
"""Draws a silhouette into an image at a frame index, in a colour, with an OpenCV line type."""


def lighter(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    """``colour`` moved ``amount`` (0..1) of the way to white."""
    r, g, b = (int(round(c + (255 - c) * amount)) for c in colour)
    return (r, g, b)


@dataclass(frozen=True)
class Layer:
    """One part of a movie as it is drawn: a slab, a thing or a screen.

    Attributes:
        name: its mask name (``object_1``, ``screen_1``, ``wall_1``; see :func:`mask_names`).
        colour: RGB in the picture.
        fill: draws its silhouette.
        detail: draws, in the picture only, what lies inside the silhouette (a highlight); None
            where there is nothing.
        static: the same in every frame, drawn once before every moving layer.
    """

    name: str
    colour: tuple[int, int, int]
    fill: Fill
    detail: Callable[[np.ndarray, int], object] | None = None
    static: bool = False


def _thing_layer(
    name: str, thing: Thing, positions: np.ndarray, angles: np.ndarray, look: Look, size: int
) -> Layer:
    """``thing`` as a layer; coordinates computed up front.

    A lighter highlight gives some relief: on a ball a small disc up and to the left (the light
    does not turn with it), on a box a smaller box at its centre (which turns with it).
    """
    highlight = lighter(thing.colour, look.shading)
    if thing.shape == "ball":
        radius = thing.half[0]
        centres = _fixed(to_pixels(positions, look, size))  # (T, 2)
        glints = _fixed(to_pixels(positions - 0.3 * radius, look, size))  # (T, 2)
        scale = pixels_per_unit(look, size) * _ONE
        outer, inner = int(round(radius * scale)), int(round(HIGHLIGHT * radius * scale))

        def fill_ball(image: np.ndarray, t: int, colour: Colour, line: int) -> None:
            cv2.circle(image, centres[t].tolist(), outer, colour, -1, line, _SHIFT)

        def glint(image: np.ndarray, t: int) -> None:
            cv2.circle(image, glints[t].tolist(), inner, highlight, -1, cv2.LINE_AA, _SHIFT)

        return Layer(name, thing.colour, fill_ball, glint if look.shading > 0 else None)
    outlines = _fixed(to_pixels(box_corners(thing.half, positions, angles), look, size))
    small = (HIGHLIGHT * thing.half[0], HIGHLIGHT * thing.half[1])
    cores = _fixed(to_pixels(box_corners(small, positions, angles), look, size))  # (T, 4, 2)

    def core(image: np.ndarray, t: int) -> None:
        cv2.fillPoly(image, [cores[t]], highlight, cv2.LINE_AA, _SHIFT)

    return Layer(name, thing.colour, _polygons(outlines), core if look.shading > 0 else None)


def _polygons(outlines: Sequence[np.ndarray | None]) -> Fill:
    """Fill of a polygon with OpenCV outlines per frame (None: not there in that frame)."""

    def fill(image: np.ndarray, t: int, colour: Colour, line: int) -> None:
        if outlines[t] is not None:
            cv2.fillPoly(image, [outlines[t]], colour, line, _SHIFT)

    return fill


def screen_corners(
    screen: Screen, ground_y: float, frame: int, fps: float, foot: float
) -> np.ndarray | None:
    """World corners (4, 2) of a screen at ``frame``, or None once it has sunk or left.

    A screen moving down sinks into the ground (its bottom stays put); one moving up lifts off
    the ground as a whole. Its foot reaches ``foot`` below the ground line, in front of
    the ground, so that it also covers the anti-aliased bottom edge of an object behind it.

    Args:
        screen: the screen.
        ground_y: ground height, world units.
        frame: frame index.
        fps: frames per second.
        foot: world units the screen reaches below the ground line.
    """
    dy = motion_offset(screen.motion, frame, fps)[1]
    top, bottom = screen.top + dy, ground_y + foot + min(dy, 0.0)
    if top >= bottom:
        return None
    return np.array(
        [(screen.left, top), (screen.right, top), (screen.right, bottom), (screen.left, bottom)]
    )


def _screen_outlines(
    screen: Screen, ground_y: float, frames: int, fps: float, foot: float, look: Look, size: int
) -> list[np.ndarray | None]:
    """OpenCV outlines of a screen per frame (None where it is gone)."""
    moments = range(frames) if screen.motion is not None else [0]
    outlines = [screen_corners(screen, ground_y, t, fps, foot) for t in moments]
    fixed = [None if c is None else _fixed(to_pixels(c, look, size)) for c in outlines]
    return fixed if screen.motion is not None else fixed * frames


def mask_names(scene: Scene) -> dict[str, int]:
    """Mask id of every part of ``scene``: ``object_<i>`` for thing i - 1, then ``screen_<j>``,
    then ``wall_<k>`` for slab k - 1 (a "wall" is any solid slab: wall, step, ramp or support).

    Ids follow the scene's own lists, not what a movie shows, so the movies of a quadruplet
    (hidden things, splices) agree on them; an id may have no pixels in a frame or a movie.
    0 is the background (sky and ground).

    Raises:
        ValueError: more than 255 parts (masks are 8-bit).
    """
    names = [f"object_{i}" for i in range(1, len(scene.things) + 1)]
    names += [f"screen_{j}" for j in range(1, len(scene.screens) + 1)]
    names += [f"wall_{k}" for k in range(1, len(scene.slabs) + 1)]
    if len(names) > 255:
        raise ValueError(f"a scene of {len(names)} parts has no 8-bit masks (255 at most)")
    return {name: number for number, name in enumerate(names, start=1)}


def layers(
    scene: Scene,
    trajectory: Trajectory,
    size: int,
    fps: float,
    hidden: frozenset[int] = frozenset(),
) -> list[Layer]:
    """The parts of a movie in drawing order: static slabs (except walls), moving slabs (except
    walls), things (those not ``hidden``), walls, screens; later layers cover earlier ones.

    Args:
        scene: the scene that was simulated (things may be restyled, e.g. ball -> box).
        trajectory: states per frame.
        size: frame height and width in pixels.
        fps: frames per second (moves the scripted screens).
        hidden: indices of things not to draw.
    """
    look = scene.look
    slabs = []
    for i, slab in enumerate(scene.slabs):
        corners = np.add(slab.vertices, slab.position) + trajectory.slab_offsets[:, i, None]
        outlines = _fixed(to_pixels(corners, look, size))  # (T, V, 2)
        static = slab.motion is None and slab.role != "wall"
        slabs.append(Layer(f"wall_{i + 1}", slab.colour, _polygons(outlines), static=static))
    things = [
        _thing_layer(
            f"object_{i + 1}",
            thing,
            trajectory.positions[:, i],
            trajectory.angles[:, i],
            look,
            size,
        )
        for i, thing in enumerate(scene.things)
        if i not in hidden
    ]
    foot = max(3.0, SCREEN_FOOT_PX / pixels_per_unit(look, size))
    frames = len(trajectory.positions)
    screens = [
        Layer(
            f"screen_{j + 1}",
            screen.colour,
            _polygons(_screen_outlines(screen, scene.ground_y, frames, fps, foot, look, size)),
        )
        for j, screen in enumerate(scene.screens)
    ]
    walls = [s.role == "wall" for s in scene.slabs]
    behind = [layer for layer, wall in zip(slabs, walls, strict=True) if not wall]
    in_front = [layer for layer, wall in zip(slabs, walls, strict=True) if wall]
    static = [layer for layer in behind if layer.static]
    moving = [layer for layer in behind if not layer.static]
    return static + moving + things + in_front + screens


def render_video(
    scene: Scene,
    trajectory: Trajectory,
    size: int,
    fps: float,
    hidden: frozenset[int] = frozenset(),
) -> np.ndarray:
    """Render every frame of a trajectory, anti-aliased.

    Args:
        scene: the scene that was simulated (things may be restyled, e.g. ball -> box).
        trajectory: states per frame.
        size: frame height and width in pixels.
        fps: frames per second (moves the scripted screens).
        hidden: indices of things not to draw.

    Returns:
        (T, H, W, 3) uint8 RGB frames.
    """
    base = np.clip(np.round(background(scene, size)), 0, 255).astype(np.uint8)
    parts = layers(scene, trajectory, size, fps, hidden)
    for layer in parts:
        if layer.static:
            layer.fill(base, 0, layer.colour, cv2.LINE_AA)
    moving = [layer for layer in parts if not layer.static]
    frames = np.empty((len(trajectory.positions), size, size, 3), np.uint8)
    for t in range(len(frames)):
        image = base.copy()
        for layer in moving:
            layer.fill(image, t, layer.colour, cv2.LINE_AA)
            if layer.detail is not None:
                layer.detail(image, t)
        frames[t] = image
    return add_noise(frames, scene.look)


def render_masks(
    scene: Scene,
    trajectory: Trajectory,
    size: int,
    fps: float,
    hidden: frozenset[int] = frozenset(),
) -> np.ndarray:
    """Instance masks of every frame: the visible pixels of each part, as IntPhys' masks are.

    Drawn like :func:`render_video` (same layers, same order, so later parts cover earlier
    ones) but without anti-aliasing: each pixel holds the id (:func:`mask_names`) of the part
    drawn last over it, 0 where only sky and ground are.

    Args:
        scene: the scene that was simulated.
        trajectory: states per frame.
        size: frame height and width in pixels.
        fps: frames per second (moves the scripted screens).
        hidden: indices of things not to draw (nor to mask).

    Returns:
        (T, H, W) uint8 ids.
    """
    ids = mask_names(scene)
    parts = layers(scene, trajectory, size, fps, hidden)
    base = np.zeros((size, size), np.uint8)
    for layer in parts:
        if layer.static:
            layer.fill(base, 0, ids[layer.name], cv2.LINE_8)
    moving = [layer for layer in parts if not layer.static]
    masks = np.empty((len(trajectory.positions), size, size), np.uint8)
    for t in range(len(masks)):
        image = base.copy()
        for layer in moving:
            layer.fill(image, t, ids[layer.name], cv2.LINE_8)
        masks[t] = image
    return masks


def add_noise(frames: np.ndarray, look: Look) -> np.ndarray:
    """Add grey per-pixel noise in [-look.noise, look.noise] to (T, H, W, 3) uint8 frames.

    Frame t gets the t-th (H, W) slice of one stream seeded by ``look.noise_seed``, so its noise
    depends only on (noise_seed, t, H, W): renders of the same scene agree frame by frame.
    """
    if look.noise == 0:
        return frames
    count = int(np.prod(frames.shape[:3]))
    # Random bytes mapped to [-noise, noise] by a table: far faster than Generator.integers, and
    # the slight modulo bias does not matter for noise.
    table = (np.arange(256) % (2 * look.noise + 1) - look.noise).astype(np.int16)
    raw = np.frombuffer(np.random.default_rng(look.noise_seed).bytes(count), np.uint8)
    noise = table[raw].reshape(*frames.shape[:3], 1)
    return np.clip(frames + noise, 0, 255).astype(np.uint8)
