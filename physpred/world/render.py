"""Object states -> RGB frames, anti-aliased with OpenCV at the target size.

Drawing order: background and ground, static slabs (pre-drawn once per movie), moving slabs,
things, walls, screens (screens always occlude). Walls come after things so that an object that
passes through a wall in a probe disappears into it and re-emerges on the other side; in lawful
movies nothing overlaps a wall, so this changes nothing there. Coordinates go to OpenCV with 4
fractional bits (``shift=4``) so sub-pixel motion changes the anti-aliased edges smoothly. Noise
for frame t depends only on ``(look.noise_seed, t)`` (and the frame size), so any two renders of
the same states agree to the byte.
"""

from __future__ import annotations

from collections.abc import Callable

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


Painter = Callable[[np.ndarray, int], object]
"""Draws one thing into an image at a frame index."""

HIGHLIGHT = 0.45
"""Size of an object's highlight relative to the object."""


def lighter(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    """``colour`` moved ``amount`` (0..1) of the way to white."""
    r, g, b = (int(round(c + (255 - c) * amount)) for c in colour)
    return (r, g, b)


def _thing_painter(
    thing: Thing, positions: np.ndarray, angles: np.ndarray, look: Look, size: int
) -> Painter:
    """A function of the frame index that draws ``thing`` there; coordinates computed up front.

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

        def paint_ball(image: np.ndarray, t: int) -> None:
            cv2.circle(image, centres[t].tolist(), outer, thing.colour, -1, cv2.LINE_AA, _SHIFT)
            if look.shading > 0:
                cv2.circle(image, glints[t].tolist(), inner, highlight, -1, cv2.LINE_AA, _SHIFT)

        return paint_ball
    outlines = _fixed(to_pixels(box_corners(thing.half, positions, angles), look, size))
    small = (HIGHLIGHT * thing.half[0], HIGHLIGHT * thing.half[1])
    cores = _fixed(to_pixels(box_corners(small, positions, angles), look, size))  # (T, 4, 2)

    def paint_box(image: np.ndarray, t: int) -> None:
        cv2.fillPoly(image, [outlines[t]], thing.colour, cv2.LINE_AA, _SHIFT)
        if look.shading > 0:
            cv2.fillPoly(image, [cores[t]], highlight, cv2.LINE_AA, _SHIFT)

    return paint_box


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


def render_video(
    scene: Scene,
    trajectory: Trajectory,
    size: int,
    fps: float,
    hidden: frozenset[int] = frozenset(),
) -> np.ndarray:
    """Render every frame of a trajectory.

    Args:
        scene: the scene that was simulated (things may be restyled, e.g. ball -> box).
        trajectory: states per frame.
        size: frame height and width in pixels.
        fps: frames per second (moves the scripted screens).
        hidden: indices of things not to draw.

    Returns:
        (T, H, W, 3) uint8 RGB frames.
    """
    look = scene.look
    base = background(scene, size)
    base_image = np.clip(np.round(base), 0, 255).astype(np.uint8)
    # Pixel outlines of every slab for all frames at once (T, V, 2), and which are drawn when.
    outlines = [
        _fixed(
            to_pixels(
                np.add(s.vertices, s.position) + trajectory.slab_offsets[:, i, None], look, size
            )
        )
        for i, s in enumerate(scene.slabs)
    ]
    for slab, outline in zip(scene.slabs, outlines, strict=True):
        if slab.motion is None and slab.role != "wall":
            cv2.fillPoly(base_image, [outline[0]], slab.colour, cv2.LINE_AA, _SHIFT)
    behind = [
        (outline, slab.colour)
        for slab, outline in zip(scene.slabs, outlines, strict=True)
        if slab.motion is not None and slab.role != "wall"
    ]
    walls = [
        (outline, slab.colour)
        for slab, outline in zip(scene.slabs, outlines, strict=True)
        if slab.role == "wall"
    ]
    foot = max(3.0, SCREEN_FOOT_PX / pixels_per_unit(look, size))
    frames = np.empty((len(trajectory.positions), size, size, 3), np.uint8)
    painters = [
        _thing_painter(thing, trajectory.positions[:, i], trajectory.angles[:, i], look, size)
        for i, thing in enumerate(scene.things)
        if i not in hidden
    ]
    screens = [
        _screen_outlines(screen, scene.ground_y, len(frames), fps, foot, look, size)
        for screen in scene.screens
    ]
    for t in range(len(frames)):
        image = base_image.copy()
        for outline, colour in behind:
            cv2.fillPoly(image, [outline[t]], colour, cv2.LINE_AA, _SHIFT)
        for paint in painters:
            paint(image, t)
        for outline, colour in walls:
            cv2.fillPoly(image, [outline[t]], colour, cv2.LINE_AA, _SHIFT)
        for screen, screen_outlines in zip(scene.screens, screens, strict=True):
            if screen_outlines[t] is not None:
                cv2.fillPoly(image, [screen_outlines[t]], screen.colour, cv2.LINE_AA, _SHIFT)
        frames[t] = image
    return add_noise(frames, look)


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
