"""Perception without labels and without learning: background subtraction and tracking.

The camera of the world (and of IntPhys) does not move, so a clip's background is the per-pixel
temporal median of its frames; a pixel whose colour differs from it by more than ``threshold``
is foreground. Each frame's foreground splits into 8-connected components (OpenCV's labelling),
and a tracker hands them to K slots so that a slot follows one thing
through the clip:

1. a thing seen in the previous frame keeps its slot if it moved at most ``gate``;
2. a thing coming back takes a *reserved* slot — one whose thing was seen before and is hidden
   now — of a similar colour, the nearest to where that thing was last seen first: an object
   that comes out from behind a screen lands in the slot it went in with, which is the slot
   the dynamics carried through the occlusion and expects back (object permanence, O1);
3. anything else takes a never-used slot; a slot hidden longer than ``memory`` frames is
   freed for that too.

The background is each pixel's temporal median, except where something rests for most of the
clip (then the median is the thing): there the colour the pixel shows the rest of the time is
the background when it looks like the undisputed background around and the median does not
(``resting``; without it a thing vanishes when it comes to rest and leaves a ghost where it
will rest).

With ``scenery`` > 0, N more slots hold the things that never move — screens, walls, a thing at
rest for the whole clip — found as uniform regions of the background standing inside the backdrop
(:func:`physpred.models.slots.scenery.static_regions`), kind 2 (screen: nothing tells a screen
from a wall without labels; with ``static_object_area``, kind 1 for one of an object's size, as
a ball at rest). A thing moving in front of one takes its pixels, as in the world's masks.
Without them the dynamics cannot tell a thing hidden behind a screen from a thing gone.

This is classical computer vision, not learned perception. What it cannot see: a screen of the
sky's colour; a moving camera or changing light makes everything foreground. It has no weights.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np
import torch
from kornia.morphology import opening as morphological_opening
from torch import Tensor, nn

from physpred.models.slots.colour_parts import colour_parts
from physpred.models.slots.colour_trim import trim_to_colour
from physpred.models.slots.coverage import keep_covered
from physpred.models.slots.features import id_features
from physpred.models.slots.ghost_pixels import background_like
from physpred.models.slots.perception import Percepts
from physpred.models.slots.ranking import largest_first
from physpred.models.slots.scenery import solid_labels, static_regions
from physpred.models.slots.smoothing import smooth_places
from physpred.models.slots.stillness import hold_unchanged
from physpred.models.slots.touching import split_touching

DISPUTED = 0.02
"""Fraction of a clip's frames a pixel must differ from its median in for the median to be in
doubt (a thing passing by covers a pixel for a few frames; a thing at rest for most of them)."""
RETURNING, FRESH = 10.0, 100.0
"""Cost offsets of a match to a reserved slot and to a never-used one: a thing first continues
its track, then comes back to a reserved slot, and only then opens a new one."""


def _pixel_rows(image: Tensor) -> Tensor:
    """(B, 3, H, W) -> (B * H * W, 3): one row per pixel."""
    return image.permute(0, 2, 3, 1).reshape(-1, 3)


def clip_median(frames: Tensor) -> Tensor:
    """(B, T, 3, H, W) uint8 -> (B, 3, H, W) float: each pixel's median over the clip."""
    # contiguous: torch 2.13's median along an expanded (stride 0) dimension returns wrong values
    return frames.contiguous().median(dim=1).values.float()  # of uint8: faster


def _away(frames: Tensor, median: Tensor, threshold: float) -> tuple[Tensor, Tensor]:
    """(B, T, 3, H, W) frames and their (B, 3, H, W) :func:`clip_median` -> (B, T, H, W) bool, the
    pixels farther than ``threshold`` (a fraction of 255) from their median, and (B, H, W) bool,
    the pixels away in more than :data:`DISPUTED` of the frames (the median is in doubt)."""
    away = (frames.float() - median[:, None]).abs().amax(dim=2) > threshold * 255
    return away, away.float().mean(dim=1) > DISPUTED


def _label_components(found: Tensor) -> tuple[Tensor, int]:
    """(N, H, W) bool -> the 8-connected components of every image, labelled 1..U across all N
    images (0: background), as (N, H, W) int64, and U + 1.

    OpenCV's one-pass labelling, image by image: about nine times faster on a CPU than kornia's
    iterative union-find on the training batches, and the same partition.
    """
    images = found.cpu().numpy().astype(np.uint8)
    labels = np.zeros(images.shape, dtype=np.int64)
    count = 1  # label 0 is the background
    for index, image in enumerate(images):
        found_here, labelled = cv2.connectedComponents(image, connectivity=8, ltype=cv2.CV_32S)
        labels[index] = np.where(labelled > 0, labelled + (count - 1), 0)
        count += found_here - 1
    return torch.from_numpy(labels).to(found.device), count


def _border_likeness(labels: Tensor, images: Tensor, colour: Tensor, threshold: float) -> Tensor:
    """The share of each component's border that looks like it.

    Args:
        labels: (N, H, W) int64 components 1..U, 0 background.
        images: (N, 3, H, W) float colours in fractions of 255.
        colour: (U + 1, 3) each component's mean colour.
        threshold: the largest channel difference of a look-alike.

    Returns:
        (U + 1,) over the pairs (a component's pixel, one of its 8 neighbours in the frame outside
        it), the share whose neighbour is within ``threshold`` of the component's colour; 0 for a
        component with no such pair (and for label 0).
    """
    count = len(colour)
    padded_labels = nn.functional.pad(labels, [1, 1, 1, 1], value=-1)  # outside the frame: -1
    padded = nn.functional.pad(images, [1, 1, 1, 1])
    height, width = labels.shape[1:]
    alike, pairs = colour.new_zeros(count), colour.new_zeros(count)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy == dx == 0:
                continue
            rows, columns = slice(1 + dy, 1 + dy + height), slice(1 + dx, 1 + dx + width)
            neighbour = padded_labels[:, rows, columns]
            border = (labels > 0) & (neighbour >= 0) & (neighbour != labels)  # (N, H, W)
            owner = labels[border]
            seen = padded[:, :, rows, columns].permute(0, 2, 3, 1)[border]  # (P, 3)
            close = ((seen - colour[owner]).abs().amax(dim=1) <= threshold).to(colour.dtype)
            alike.index_add_(0, owner, close)
            pairs.index_add_(0, owner, torch.ones_like(close))
    return alike / pairs.clamp_min(1)


def _run_lengths(present: Tensor) -> Tensor:
    """(B, T, K) bool -> (B, T, K) int64: the length of the run of consecutive present frames each
    present frame belongs to along T; 0 where absent."""
    ahead, behind = torch.zeros_like(present, dtype=torch.long), torch.zeros_like(present, dtype=torch.long)
    count = torch.zeros_like(present[:, 0], dtype=torch.long)
    for t in range(present.shape[1]):
        count = (count + 1) * present[:, t]
        ahead[:, t] = count
    count = torch.zeros_like(count)
    for t in reversed(range(present.shape[1])):
        count = (count + 1) * present[:, t]
        behind[:, t] = count
    return (ahead + behind - 1).clamp_min(0)


def _nearest(boxes: Tensor, colours: Tensor) -> Tensor:
    """(P, 3, N) colours around each of P pixels, (P, 3) a colour per pixel -> (P,) the largest
    channel difference to the nearest colour around it."""
    return (boxes - colours[:, :, None]).abs().amax(dim=1).min(dim=1).values


class Tracks(NamedTuple):
    """What the tracker of :class:`ForegroundPerception` hands on, for B clips of T frames and K slots."""

    held: Tensor
    """(B, T, K) int64 the component label each slot holds, 0 where it sees nothing."""
    looks: Tensor
    """(B, T, K, 3) each slot's own colour as of the frame (a component unlike it, two things
    touching, does not overwrite it), fractions of 255."""
    places: Tensor
    """(B, T, K, 2) where each slot's thing was last seen as of the frame (x, y), fractions of the frame."""
    known: Tensor
    """(B, T, K) bool: the slot has held a thing at or before the frame."""


class ForegroundPerception(nn.Module):
    """K slots per frame of what moves, from pixels alone.

    Args:
        slots: K, slots per clip (things that ever move in one clip; more are dropped).
        threshold: how far (the largest channel difference, a fraction of 255) a pixel's
            colour must be from the clip's median background to be foreground.
        min_area: components smaller than this, in pixels at the frame size read, are noise.
        sliver_area: a component smaller than ``min_area`` but of at least this many pixels is
            kept when it continues a slot's thing (seen in the frame before, within ``gate``) or
            brings a hidden one back, never as a new thing: a thing sliding behind a screen
            narrows to a sliver before it is gone and comes out as one, as in the world's masks,
            instead of vanishing while still whole (trained on masks whose slivers under 8
            pixels count as hidden, the with-masks recipe lost object permanence in four runs of
            four: lab rows ``objects_masks_v27_min_area8_*``); None: ``min_area`` for every
            component. Trained with ``sliver_area: 1`` the label-free recipe kept no more
            permanence and lost I1 (``objects_free_v13_slivers_seed0``): off in the recipe.
        opening: side of a square kernel for a morphological opening of the foreground before
            labelling (0: none); it removes specks, and things thinner than the kernel with them.
        gate: how far (a fraction of the frame side) a thing may move between two read frames
            and keep its slot.
        colour_gate: how different (largest channel difference, a fraction of 255) a thing's
            mean colour may be from the one a reserved slot last saw, for it to take it back.
        memory: frames a hidden thing's slot stays reserved; None for the whole clip.
        resting: side of the box, in pixels, around a pixel where something rests for most of
            the clip, whose undisputed background tells whether that something is the
            background or a thing at rest (see :meth:`background`); 0: the plain median, which
            loses a thing when it comes to rest.
        scenery: N, slots for things that never move (screens, walls), after the K others; 0: none.
        scenery_tolerance: the largest channel difference (a fraction of 255) between neighbouring
            background pixels of one region: gradients stay one region, edges split.
        scenery_area: the smallest static thing, a fraction of the frame's pixels.
        scenery_joined: a static thing is a 4-connected piece of the background's uniform
            regions that touch no side of the frame, not one region: a shaded ball at rest (G1
            "floats": it never moves, so only the background holds it) is a dozen regions of a
            few pixels, each below ``scenery_area``; a box with a lighter face is two.
        scenery_min_region: uniform regions of the background of fewer pixels join their
            neighbouring region nearest in colour before static things are chosen (see
            :func:`~physpred.models.slots.scenery.static_regions`): a shaded ball at rest (G1
            "floats", or a ball that has landed) is a body with a highlight and a ring of
            blended pixels, each region too thin to be kept (60 training clips: objects at rest
            found 0.86 -> 0.98). Scored so, the recipe's weights gain G1 0.48 -> 0.60 (lab row
            ``objects_free_v31_seed0_min_region_dev30``); trained so (``objects_free_v33_*``)
            test G1 0.50 -> 0.80 but vanish pairs 7 -> 5 of 10: off in the recipe. 1: none.
        static_object_area: a static thing that never covers more than this fraction of the frame
            gets kind 1 (object), as the world's masks give a ball or box at rest, not 2; None:
            every static thing is kind 2. The world's objects cover at most 100 of 4096 pixels at
            64 x 64; half its screens and walls more than 270.
        track_static_objects: the static things no larger than ``static_object_area`` (and at
            least ``min_area`` pixels, below ``scenery_area`` too) are foreground in every frame,
            so the tracker hands them to the K slots like the things that move: a thing at rest
            that the background estimate holds (a screen slid behind it, so ``resting`` never saw
            what is behind) is seen where it stands, and a tracked thing that comes to rest there
            keeps its slot (it continues within ``gate``). The larger ones keep the N scenery
            slots. False: every static thing is scenery.
        ghosts: drop a component when at least this share of the pixels bordering it look like
            it (within ``threshold``): not a thing but a place where the background estimate is
            wrong (a thing rested there, then left), since a thing differs from what is around
            it; 0: keep every component.
        min_frames: a slot's run of consecutive frames shorter than this is dropped (a speck or
            sliver that flickers in and out, not a thing); 1: keep every run.
        min_travel: a slot whose thing's centre never gets this many pixels (at the frame size
            read) from where it was first seen is emptied for the whole clip: not a thing that
            moves but a place where the background estimate is wrong (a ghost) or a piece of a
            thing at rest; 0: keep every slot.
        max_area: a slot whose thing covers more than this fraction of the frame in any frame is
            emptied for the whole clip: a screen or wall that slides, rises or lowers (the
            world's objects cover at most 100 of 4096 pixels at 64 x 64, half its screens and
            walls more than 270), and the pieces of it the tracker follows as it shrinks; None:
            keep every slot.
        screen_area: a tracked slot whose thing covers more than this fraction of the frame in any
            frame of the clip gets kind 2, as the world's masks give a screen or wall, not 1: a
            screen that slides, rises or lowers, a slab that slides from under a load. Without it
            their moves are object moves, half the vertical ones on training clips (with it the
            dynamics still foresees no vertical move: lab row ``objects_free_v35_screen_kind_seed0``,
            ``benchmarks/motion_carry.py``). Like a kind read from masks, it is the clip's: a slot
            is told from its first frame that it will hold a large thing; an empty slot, and one
            that only ever holds an object's size, stay kind 1. None: every tracked slot is kind 1.
        guess_behind: where something rests for most of the clip on a place that itself changed
            (a screen lowered or slid behind it), what is behind it is never seen alone and
            ``resting`` keeps the thing as the background: with this share, a pixel away from its
            median in at least this share of the frames whose median and other colour both look
            like none of the undisputed medians around gets the one nearest its other colour
            (:meth:`background`). Measured on 200 training clips (recipe perception): things lost
            before the clip's end and never back 60 -> 32, FG-ARI of the objects 0.724 -> 0.769
            (100 clips), objects at rest found 52% -> 67%; but the blurred edge between sky and
            floor where a thing passed or a screen slid becomes a line of foreground (more often
            below 0.15), and trained so the label-free recipe lost O3, S1 and I1 and kept no
            permanence (lab row ``objects_free_v15_guess_behind_seed0``, dev30 0.644): off in
            the recipe. None: off.
        hold_still: a slot that sees nothing in a frame keeps those of its pixels of the frame
            before that did not change (within ``threshold``) and no other slot holds, when they
            are at least this share of them (:func:`~physpred.models.slots.stillness.hold_unchanged`):
            a thing that comes to rest where the background estimate takes it in stays seen
            (measured: departures never back 60 -> 59 in 200 training clips: a thing coming to
            rest differs from the estimate only by its edges, which move); None: off.
        split_touching: two things that touch are one component; the slot of one of them that
            sees nothing takes back the pixels of its own colour from the slot next to it (within
            ``gate``) that holds the pair (:func:`~physpred.models.slots.touching.split_touching`):
            each keeps its place instead of the pair's centre, and neither seems to hide in the
            open. False: the pair is one thing in one slot.
        colour_split: things that touch are one component; with this, a component whose colours
            fall in two clusters of things is cut in two
            (:func:`~physpred.models.slots.colour_parts.colour_parts`): clusters at least this
            far apart (the largest channel difference of their mean colours, a fraction of 255),
            each of at least ``min_area`` pixels with an inside, neither a highlight of the
            other. A ball resting on a slab gets its own slot, which it keeps when the slab
            slides away; but the dynamics then expects the ball to stay when its slab leaves, and
            G1 is lost as before (trained so with ``scenery_min_region: 9``, lab row
            ``objects_free_v32_colour_split_seed0``: dev30 0.744, floats 0.00): off in the recipe.
            None: components whole.
        peel_ghosts: with this many steps (pixels), the foreground pixels that look like the
            background seen next to them are background
            (:func:`~physpred.models.slots.ghost_pixels.background_like`): where the clip's
            median holds a thing (a slow roller's path, a ball's place of rest before it falls),
            the true background shows when the thing is elsewhere, and joined to the thing it
            drags its slot's centre. 0: off.
        connected_parts: with ``colour_split``, each of a cut component's parts keeps its
            largest connected piece and its other pieces are dropped: a colour cluster is not a
            place, and pieces of a slab's blended edge of the ball's colours would ride with the
            ball (handed to the other part instead, they made the slots' vertical moves worse:
            docs/research.md). False: the parts as clustered.
        colour_trim: each tracked slot keeps, frame by frame, only its pixels within this of its
            median colour (the largest channel difference, a fraction of 255;
            :func:`~physpred.models.slots.colour_trim.trim_to_colour`): a piece of a slab, a
            smear of background or a seam held with a thing does not move with it. None: off.
        colour_trim_min_area: with ``colour_trim``, only a slot covering at least this fraction
            of the frame in a frame is trimmed there (0: every slot). The trim splits small
            things at their blended rims (object FG-ARI 0.76 -> 0.35), while a slab that slides
            from under a thing joins the ghost of its place of rest, and its slot, wider than
            the slab, still spans the thing 1-3 frames after the world's masks let it fall.
            Trimmed at 0.25 above 0.03 the support is lost mostly a frame after the masks' (the
            smoothing's); the label-free recipe so trained foresees no fall at 1500 steps (lab row
            objects_free_v51_trim_large_seed0: floats 0.07) and learns it by 3000 (row
            objects_free_v52_trim_large_3000_steps_seed0, one seed: floats 0.33 on dev30).
        solid_only: a component with no pixel whose 3 x 3 neighbourhood is all its own (a line:
            the blended edge of a slab or screen, the foot of a box where it meets the floor) is
            no thing and is not tracked; the smallest thing tracked, 3 x 3, has one. False: off.
        largest_thing: a component covering more than this fraction of the frame is no thing
            and is not tracked in that frame: a screen or wall that slides, rises or lowers, a
            slab sliding from under a load (the world's objects cover at most 100 of 4096 pixels
            at 64 x 64). Unlike ``max_area``, which empties the slot for the whole clip, an
            object that touches the large thing in a few frames (and is not cut from it by
            ``colour_split``) is lost in those frames only. At 0.04 with ``solid_only`` the
            false things' vertical moves fall by three on training clips
            (``benchmarks/track_census.py``), and trained so the label-free recipe still foresees
            no fall (lab row ``objects_free_v42_largest_thing_solid_seed0``). It also drops the
            slab a G1 ball rests on while the slab is whole in view (dev probes at 64 x 64: 170 to 320
            pixels in five scenes), so no slot holds the support that leaves: off in the recipe. None: off.
        smooth_place: each tracked slot's place averaged over the frames it is seen in, this
            share from the new percept and the rest from the average of the frames before
            (:func:`~physpred.models.slots.smoothing.smooth_places`; causal): a centre that steps
            and stops as edge pixels join and leave its component carries its steps instead.
            None: each frame's place as seen.
        rim_coverage: each tracked slot's features read, frame by frame, from its rim pixels
            only where its thing covers at least this share of them, judged by how far each
            differs from the background against the thing's own difference
            (:func:`~physpred.models.slots.coverage.keep_covered`): a ball's blended rim no
            longer makes it look bigger and boxier than it is. The slot keeps those pixels
            (:meth:`slot_map`, :meth:`segment`): the world's masks of training videos give the
            object its blended rim, and a frame whose one object is split scores an FG-ARI of 0
            (in the slot map, val/fg_ari_objects 0.71 -> 0.39: lab row
            demo_objects_free_v59_rim_coverage). None: every pixel of the slot read.
    """

    # options in pixels at the frame size read (physpred.models.slots.pixel_scale)
    PIXEL_AREAS = ("min_area", "sliver_area", "scenery_min_region")
    PIXEL_LENGTHS = ("min_travel", "peel_ghosts")
    ODD_PIXEL_LENGTHS = ("opening", "resting")

    reads_masks = False

    def __init__(
        self,
        *,
        slots: int = 6,
        threshold: float = 0.1,
        min_area: int = 4,
        sliver_area: int | None = None,
        opening: int = 0,
        gate: float = 0.15,
        colour_gate: float = 0.25,
        memory: int | None = None,
        resting: int = 15,
        scenery: int = 0,
        scenery_tolerance: float = 0.03,
        scenery_area: float = 0.005,
        scenery_joined: bool = False,
        scenery_min_region: int = 1,
        static_object_area: float | None = None,
        track_static_objects: bool = False,
        ghosts: float = 0.0,
        min_frames: int = 1,
        min_travel: float = 0.0,
        max_area: float | None = None,
        screen_area: float | None = None,
        guess_behind: float | None = None,
        hold_still: float | None = None,
        split_touching: bool = False,
        colour_split: float | None = None,
        peel_ghosts: int = 0,
        connected_parts: bool = False,
        colour_trim: float | None = None,
        colour_trim_min_area: float = 0.0,
        solid_only: bool = False,
        largest_thing: float | None = None,
        smooth_place: float | None = None,
        rim_coverage: float | None = None,
    ) -> None:
        super().__init__()
        problems = [
            f"slots must be >= 1, got {slots}" if slots < 1 else "",
            f"threshold must be in (0, 1), got {threshold}" if not 0 < threshold < 1 else "",
            f"min_area must be >= 1, got {min_area}" if min_area < 1 else "",
            f"sliver_area must be in [1, min_area] or null, got {sliver_area}"
            if sliver_area is not None and not 1 <= sliver_area <= min_area
            else "",
            f"opening must be 0 or odd and >= 3, got {opening}" if opening and (opening < 3 or opening % 2 == 0) else "",
            f"gate must be > 0, got {gate}" if gate <= 0 else "",
            f"colour_gate must be in (0, 1], got {colour_gate}" if not 0 < colour_gate <= 1 else "",
            f"memory must be >= 1 or null, got {memory}" if memory is not None and memory < 1 else "",
            f"resting must be 0 or odd and >= 3, got {resting}" if resting and (resting < 3 or resting % 2 == 0) else "",
            f"scenery must be >= 0, got {scenery}" if scenery < 0 else "",
            f"scenery_tolerance must be in (0, 1), got {scenery_tolerance}" if not 0 < scenery_tolerance < 1 else "",
            f"scenery_area must be in (0, 1), got {scenery_area}" if not 0 < scenery_area < 1 else "",
            f"scenery_joined must be true or false, got {scenery_joined!r}" if not isinstance(scenery_joined, bool) else "",
            f"scenery_min_region must be >= 1, got {scenery_min_region}" if scenery_min_region < 1 else "",
            f"static_object_area must be in (0, 1) or null, got {static_object_area}"
            if static_object_area is not None and not 0 < static_object_area < 1
            else "",
            "track_static_objects needs static_object_area (the largest static thing tracked as an object)"
            if track_static_objects and static_object_area is None
            else "",
            f"ghosts must be in [0, 1], got {ghosts}" if not 0 <= ghosts <= 1 else "",
            f"min_frames must be >= 1, got {min_frames}" if min_frames < 1 else "",
            f"min_travel must be >= 0, got {min_travel}" if min_travel < 0 else "",
            f"max_area must be in (0, 1) or null, got {max_area}" if max_area is not None and not 0 < max_area < 1 else "",
            f"screen_area must be in (0, 1) or null, got {screen_area}" if screen_area is not None and not 0 < screen_area < 1 else "",
            f"guess_behind must be in (0, 1] or null, got {guess_behind}" if guess_behind is not None and not 0 < guess_behind <= 1 else "",
            f"hold_still must be in (0, 1] or null, got {hold_still}" if hold_still is not None and not 0 < hold_still <= 1 else "",
            f"split_touching must be true or false, got {split_touching!r}" if not isinstance(split_touching, bool) else "",
            f"colour_split must be in (0, 1) or null, got {colour_split}"
            if colour_split is not None and not 0 < colour_split < 1
            else "",
            f"peel_ghosts must be >= 0, got {peel_ghosts}" if peel_ghosts < 0 else "",
            f"connected_parts must be true or false and needs colour_split, got {connected_parts!r}"
            if not isinstance(connected_parts, bool) or (connected_parts and colour_split is None)
            else "",
            f"colour_trim must be in (0, 1) or null, got {colour_trim}" if colour_trim is not None and not 0 < colour_trim < 1 else "",
            f"colour_trim_min_area must be in [0, 1) and needs colour_trim, got {colour_trim_min_area}"
            if not 0 <= colour_trim_min_area < 1 or (colour_trim_min_area and colour_trim is None)
            else "",
            f"solid_only must be true or false, got {solid_only!r}" if not isinstance(solid_only, bool) else "",
            f"largest_thing must be in (0, 1) or null, got {largest_thing}"
            if largest_thing is not None and not 0 < largest_thing < 1
            else "",
            f"smooth_place must be in (0, 1] or null, got {smooth_place}" if smooth_place is not None and not 0 < smooth_place <= 1 else "",
            f"rim_coverage must be in (0, 1) or null, got {rim_coverage}" if rim_coverage is not None and not 0 < rim_coverage < 1 else "",
        ]
        problems = [p for p in problems if p]
        if problems:
            raise ValueError(f"ForegroundPerception: {'; '.join(problems)} (fix the YAML)")
        self.slots, self.threshold, self.min_area, self.opening = slots, threshold, min_area, opening
        self.sliver_area = min_area if sliver_area is None else sliver_area
        self.gate, self.colour_gate, self.memory, self.resting = gate, colour_gate, memory, resting
        self.scenery, self.scenery_tolerance, self.scenery_area = scenery, scenery_tolerance, scenery_area
        self.scenery_joined, self.static_object_area = scenery_joined, static_object_area
        self.scenery_min_region = scenery_min_region
        self.track_static_objects = track_static_objects
        self.ghosts, self.min_frames, self.min_travel, self.max_area = ghosts, min_frames, min_travel, max_area
        self.guess_behind, self.hold_still, self.split_touching = guess_behind, hold_still, split_touching
        self.colour_split, self.screen_area, self.peel_ghosts = colour_split, screen_area, peel_ghosts
        self.connected_parts, self.colour_trim, self.solid_only = connected_parts, colour_trim, solid_only
        self.largest_thing, self.smooth_place, self.colour_trim_min_area = largest_thing, smooth_place, colour_trim_min_area
        self.rim_coverage = rim_coverage

    def background(self, frames: Tensor, median: Tensor | None = None) -> Tensor:
        """(B, T, 3, H, W) uint8 -> (B, 3, H, W) float: each pixel's colour with nothing in front
        (``median``: the clip's :func:`clip_median`, computed unless given).

        The clip's per-pixel median, except where something rests for most of the clip: there
        the median is the thing, and the colour the pixel shows the rest of the time (the median
        of the frames away from the median) is the background if it looks like (within
        ``threshold``) one of the undisputed medians in a ``resting``-wide box around and the
        median looks like none. The nearest, not the mean, of the box: a pixel by the edge
        between sky and floor matches one of them. A pixel on a blurred edge, whose median is a
        blend no neighbour shows, keeps its median unless its other colour matches.

        With ``guess_behind``, a pixel whose median looks like none of the undisputed medians
        around and whose other colour looks like none of them either, away from its median in at
        least that share of the frames, gets the undisputed median around nearest to its other
        colour.
        """
        median = clip_median(frames) if median is None else median  # (B, 3, H, W)
        if not self.resting:
            return median
        clip = frames.float()
        away, disputed = _away(frames, median, self.threshold)  # (B, T, H, W), (B, H, W)
        where = disputed.flatten().nonzero()[:, 0]
        if not len(where):
            return median
        batch, _, height, width = median.shape
        item, pixel = where // (height * width), where % (height * width)
        row, column = pixel // width, pixel % width
        # the colour each disputed pixel shows while away from its median: (P, T, 3), then (P, 3)
        shown = clip[item, :, :, row, column]
        alternative = torch.where(away[item, :, row, column][..., None], shown, torch.nan).nanmedian(dim=1).values
        # the box around each disputed pixel (only those: a few percent of the frame); disputed
        # neighbours and the frame's outside at infinity
        known = nn.functional.pad(torch.where(disputed[:, None], torch.inf, median), [self.resting // 2] * 4, value=torch.inf)
        offset = torch.arange(self.resting, device=frames.device)
        box_rows = (row[:, None] + offset)[:, :, None].expand(-1, -1, self.resting).flatten(1)  # (P, k * k)
        box_columns = (column[:, None] + offset)[:, None, :].expand(-1, self.resting, -1).flatten(1)
        boxes = known[item[:, None], :, box_rows, box_columns].transpose(1, 2)  # (P, 3, k * k)
        median_rows = _pixel_rows(median)
        kept = median_rows[where]
        close = self.threshold * 255
        use_other = (_nearest(boxes, alternative) <= close) & (_nearest(boxes, kept) > close)
        if self.guess_behind is not None:
            # what is behind was never seen alone (a screen moved behind the thing at rest):
            # the undisputed colour around nearest to the pixel's other colour
            gap = (boxes - alternative[:, :, None]).abs().amax(dim=1)  # (P, k * k), inf where disputed
            nearest = boxes.gather(2, gap.argmin(dim=1)[:, None, None].expand(-1, 3, 1))[:, :, 0]
            often = away[item, :, row, column].float().mean(dim=1) >= self.guess_behind
            guess = often & ~use_other & (_nearest(boxes, kept) > close) & torch.isfinite(gap.amin(dim=1))
            alternative, use_other = torch.where(guess[:, None], nearest, alternative), use_other | guess
        chosen = median_rows.index_put((where,), torch.where(use_other[:, None], alternative, kept))
        return chosen.view(batch, height, width, 3).permute(0, 3, 1, 2)

    def foreground(
        self, frames: Tensor, background: Tensor | None = None, standing: Tensor | None = None, median: Tensor | None = None
    ) -> Tensor:
        """(B, T, 3, H, W) uint8 -> (B, T, H, W) bool: pixels away from the clip's background
        (:meth:`background`, computed unless given), and the (B, H, W) ``standing`` pixels (things
        at rest the background holds, :meth:`static_things`) in every frame; with
        ``peel_ghosts``, less those that look like the background next to them (``median``: the
        clip's :func:`clip_median`, computed unless given)."""
        if median is None and (background is None or self.peel_ghosts):
            median = clip_median(frames)
        background = self.background(frames, median) if background is None else background
        difference = (frames.float() - background[:, None]).abs().amax(dim=2) / 255.0
        found = difference > self.threshold
        if standing is not None:
            found = found | standing[:, None]
        if self.peel_ghosts:
            # references: pixels that match the estimate where no thing stays long enough to doubt it
            _, doubted = _away(frames, median, self.threshold)
            reference = ~found & ~doubted[:, None]
            ghosts = background_like(found.flatten(0, 1), frames.flatten(0, 1).float() / 255.0, reference.flatten(0, 1), self.threshold, self.peel_ghosts)
            found = found & ~ghosts.view_as(found)
        if self.opening:
            kernel = torch.ones(self.opening, self.opening, device=frames.device)
            found = morphological_opening(found.flatten(0, 1)[:, None].float(), kernel)[:, 0].view_as(found) > 0.5
        return found

    def components(
        self, frames: Tensor, background: Tensor | None = None, standing: Tensor | None = None, median: Tensor | None = None
    ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        """The largest K foreground components of every frame, at least ``sliver_area`` pixels.

        Args:
            frames: (B, T, 3, H, W) uint8.
            background: (B, 3, H, W) the clip's :meth:`background`, computed unless given.
            standing: (B, H, W) bool pixels that are foreground in every frame (see :meth:`foreground`).
            median: (B, 3, H, W) the clip's :func:`clip_median`, computed where needed unless given.

        Returns:
            labels (B, T, H, W) int64, 1..U for the components of the whole batch and 0 for the
            background; for the K candidates of each frame, largest first: their label (B, T, K)
            (0 where fewer), centre (B, T, K, 2) in fractions of the frame (x, y), mean colour
            (B, T, K, 3) in fractions of 255, and whether each is a sliver (B, T, K) bool, under
            ``min_area``.
        """
        batch, steps, _, height, width = frames.shape
        found = self.foreground(frames, background, standing, median).flatten(0, 1)
        labels, count = _label_components(found)
        if self.colour_split is not None:
            labels, count = colour_parts(labels, frames.flatten(0, 1), self.colour_split, self.min_area, self.connected_parts)
        # statistics of the foreground pixels only (a few percent of the frame)
        where = labels.flatten().nonzero()[:, 0]
        inverse = labels.flatten()[where] - 1
        frame_index, pixel = where // (height * width), where % (height * width)
        colours = frames.flatten(0, 1).flatten(2)[frame_index, :, pixel].float() / 255.0  # (P, 3)
        values = torch.cat(
            [torch.ones_like(colours[:, :1]), ((pixel % width + 0.5) / width)[:, None], ((pixel // width + 0.5) / height)[:, None], colours],
            dim=1,
        )  # (P, 6): 1, x, y, r, g, b
        sums = values.new_zeros(count, 6).index_add_(0, inverse + 1, values).T
        frame_of = torch.zeros(count, dtype=torch.long, device=frames.device).index_put_((inverse + 1,), frame_index)
        area = sums[0]
        means = (sums[1:] / area.clamp_min(1.0)).T  # (U + 1, 5): x, y, r, g, b of each component
        usable = (area >= self.sliver_area) & (torch.arange(len(area), device=frames.device) > 0)
        if self.ghosts:
            likeness = _border_likeness(labels, frames.flatten(0, 1).float() / 255.0, means[:, 2:], self.threshold)
            usable = usable & (likeness < self.ghosts)
        if self.solid_only:
            usable = usable & solid_labels(labels, count)
        if self.largest_thing is not None:
            usable = usable & (area <= self.largest_thing * height * width)
        order, rank = largest_first(frame_of, area, usable, height * width)
        keep = rank < self.slots
        chosen = torch.zeros(batch * steps, self.slots, dtype=torch.long, device=frames.device)
        chosen[frame_of[order][keep], rank[keep]] = order[keep]
        centre, colour = means[chosen, :2], means[chosen, 2:]  # (N, K, 2), (N, K, 3)
        shape = (batch, steps, self.slots)
        sliver = (area[chosen] < self.min_area) & (chosen > 0)
        return labels.view(batch, steps, height, width), chosen.view(shape), centre.view(*shape, 2), colour.view(*shape, 3), sliver.view(shape)

    def track(self, candidates: Tensor, centre: Tensor, colour: Tensor, sliver: Tensor | None = None) -> Tracks:
        """Hands each frame's candidates to slots that keep their thing through the clip.

        Args:
            candidates: (B, T, K) component labels, 0 for no candidate.
            centre: (B, T, K, 2) their centres; colour (B, T, K, 3) their mean colours.
            sliver: (B, T, K) bool, candidates that may continue or bring back a slot's thing
                but not take a never-used slot (None: none).

        Returns:
            :class:`Tracks`: the component label each slot holds in each frame (0 where it sees
            nothing), and each slot's own colour, last place and whether it has held a thing yet,
            as of each frame.
        """
        batch, steps, count = candidates.shape
        device = candidates.device
        where = centre.new_zeros(batch, count, 2)  # where each slot's thing was last seen
        looks = colour.new_zeros(batch, count, 3)
        last_seen = torch.full((batch, count), -1, dtype=torch.long, device=device)
        rows = torch.arange(batch, device=device)
        small = torch.zeros_like(candidates, dtype=torch.bool) if sliver is None else sliver
        held, colours, places, known = [], [], [], []
        for t in range(steps):
            distance = torch.cdist(centre[:, t], where)  # (B, K candidates, K slots)
            shade = (colour[:, t, :, None] - looks[:, None]).abs().amax(dim=-1)
            cost = distance + shade
            seen_before = (last_seen >= 0) & (last_seen == t - 1)
            hidden = (last_seen >= 0) & (last_seen < t - 1)
            if self.memory is not None:
                hidden = hidden & (t - last_seen <= self.memory)
            fresh = ~(seen_before | hidden)  # never used, or hidden past memory
            total = torch.where(
                seen_before[:, None] & (distance <= self.gate),
                cost,
                torch.where(
                    hidden[:, None] & (shade <= self.colour_gate),
                    RETURNING + cost,
                    torch.where(fresh[:, None] & ~small[:, t, :, None], FRESH + torch.arange(count, device=device) * 1e-3, torch.inf),
                ),
            )
            total = torch.where((candidates[:, t] > 0)[..., None], total, torch.inf)
            slot_of = torch.zeros(batch, count, dtype=torch.long, device=device)
            for _ in range(count):  # greedy: the cheapest match first, then its row and column are taken
                best = total.flatten(1).min(dim=1)
                ok = torch.isfinite(best.values)
                if not ok.any():  # every candidate placed (most frames hold one to three)
                    break
                candidate, slot = best.indices // count, best.indices % count
                slot_of[rows[ok], slot[ok]] = candidates[rows[ok], t, candidate[ok]]
                where[rows[ok], slot[ok]] = centre[rows[ok], t, candidate[ok]]
                # a blob much unlike the slot's colour (two things touching) keeps the slot going
                # but does not overwrite its colour, so each thing is told apart when they part
                alike = ok & ((shade[rows, candidate, slot] <= self.colour_gate) | (best.values >= FRESH))
                looks[rows[alike], slot[alike]] = colour[rows[alike], t, candidate[alike]]
                last_seen[rows[ok], slot[ok]] = t
                total[rows[ok], candidate[ok], :] = torch.inf
                total[rows[ok], :, slot[ok]] = torch.inf
            held.append(slot_of)
            colours.append(looks.clone())
            places.append(where.clone())
            known.append(last_seen >= 0)
        return Tracks(*(torch.stack(parts, dim=1) for parts in (held, colours, places, known)))

    def _not_movers(self, labels: Tensor, held: Tensor, candidates: Tensor, centre: Tensor) -> Tensor:
        """(B, K) the slots of a clip that hold no thing that moves, by ``min_travel`` and ``max_area``.

        Args:
            labels: (B, T, H, W) components; held: (B, T, K) the label each slot holds, 0 none.
            candidates: (B, T, K) each frame's candidate labels and centre (B, T, K, 2) theirs.
        """
        height, width = labels.shape[2:]
        present = held > 0
        area = torch.bincount(labels.flatten())[held]  # (B, T, K); label 0 (background) is not held
        if self.max_area is None:
            large = torch.zeros_like(present[:, 0])
        else:
            large = (present & (area > self.max_area * height * width)).any(dim=1)
        centre_of = centre.new_zeros(int(labels.max()) + 1, 2)
        centre_of[candidates.flatten()] = centre.flatten(0, 2)  # candidate 0 writes label 0: unused
        pixels = centre_of[held] * centre.new_tensor([width, height])  # (B, T, K, 2)
        first = present.float().argmax(dim=1)  # (B, K) the first frame each slot holds a thing
        start = pixels.gather(1, first[:, None, :, None].expand(-1, 1, -1, 2))  # (B, 1, K, 2)
        travel = torch.where(present, (pixels - start).norm(dim=-1), 0.0).amax(dim=1)  # (B, K)
        return large | (present.any(dim=1) & (travel < self.min_travel))

    @property
    def object_slots(self) -> int:
        """How many of the K + N slots, first, hold things that move: K."""
        return self.slots

    @property
    def total_slots(self) -> int:
        """K + N: the slots of things that move, then those of things that never do."""
        return self.slots + self.scenery

    def slot_map(self, frames: Tensor) -> Tensor:
        """(B, T, 3, H, W) uint8 -> (B, T, H, W) int64: 1 + the slot each pixel belongs to, 0 for
        none; slots K + 1..K + N are the static things, where nothing moves in front of them."""
        return self._slot_map(frames)[0]

    def _slot_map(self, frames: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """:meth:`slot_map`, the (B, 3, H, W) :meth:`background` it was found against and the
        (B, H, W) static things of :meth:`static_things` in it."""
        median = clip_median(frames)  # one per clip: the background and the ghost peel read it
        background = self.background(frames, median)
        static, standing = self.static_things(background)
        labels, candidates, centre, colour, sliver = self.components(frames, background, standing, median)
        tracks = self.track(candidates, centre, colour, sliver)
        held = tracks.held  # (B, T, K)
        if self.min_frames > 1:
            held = torch.where(_run_lengths(held > 0) < self.min_frames, 0, held)
        if self.min_travel or self.max_area is not None:
            held = torch.where(self._not_movers(labels, held, candidates, centre)[:, None], 0, held)
        lookup = torch.zeros(int(labels.max()) + 1, dtype=torch.long, device=frames.device)
        slot_ids = torch.arange(1, self.slots + 1, device=frames.device).expand_as(held)
        lookup[held[held > 0]] = slot_ids[held > 0]
        found = lookup[labels]
        if self.split_touching:
            found = split_touching(
                found, frames, tracks.looks, tracks.places, tracks.known, reach=self.gate, colour_gate=self.colour_gate, min_area=self.min_area
            )
        if self.hold_still is not None:
            found = hold_unchanged(found, frames, self.slots, self.threshold, self.hold_still)
        if self.colour_trim is not None:
            min_pixels = math.ceil(self.colour_trim_min_area * found.shape[-2] * found.shape[-1])
            found = trim_to_colour(found, frames, self.slots, self.colour_trim, min_pixels)
        if not self.scenery:
            return found, background, static
        return torch.where(found > 0, found, torch.where(static > 0, static + self.slots, 0)[:, None]), background, static

    def segment(self, frames: Tensor) -> Tensor:
        """(B, T, 3, H, W) uint8 -> (B, T, K + N + 1, H, W) hard masks whose argmax is each pixel's
        segment: channel 0 the pixels no slot holds, channel 1 + k slot k (for FG-ARI)."""
        return nn.functional.one_hot(self.slot_map(frames), self.total_slots + 1).permute(0, 1, 4, 2, 3).float()

    def forward(self, frames: Tensor) -> Percepts:
        """(B, T, 3, H, W) uint8 -> :class:`Percepts` of the K tracked slots and the N static ones,
        with the :meth:`screens` (found once with the slots: the background is most of the cost)."""
        slot_map, background, static = self._slot_map(frames)
        return self.percepts(frames, slot_map, background)._replace(screens=self._screens_of(static))

    def percepts(self, frames: Tensor, slot_map: Tensor, background: Tensor | None = None) -> Percepts:
        """(B, T, 3, H, W) uint8 frames and their (B, T, H, W) :meth:`slot_map` -> :class:`Percepts`
        (``background``: the clip's :meth:`background`, computed where ``rim_coverage`` needs it
        unless given).

        Every tracked slot has kind 1 (object), used or not: a kind read from the whole clip
        would tell the dynamics from the first frame that a thing will come into view (an O1
        "appear" movie); with ``screen_area``, kind 2 where it ever holds a thing larger. A static
        slot has kind 2 when the background holds its region, else 0; kind 1 when it is never
        larger than ``static_object_area``.
        """
        ids = torch.arange(1, self.total_slots + 1, device=frames.device).expand(len(frames), -1)
        seen = slot_map
        if self.rim_coverage is not None:  # the slot keeps its rim (FG-ARI); its features weigh what the thing covers
            background = self.background(frames) if background is None else background
            seen = keep_covered(slot_map, frames, background, self.slots, self.rim_coverage)
        features = id_features(frames, seen, ids)  # = mask_features of the hard slot masks
        if self.smooth_place is not None:
            features = smooth_places(features, self.smooth_place, self.slots)
        static = torch.arange(self.total_slots, device=frames.device) >= self.slots
        largest = _largest_view(slot_map, self.total_slots)
        tracked = torch.ones_like(largest)
        if self.screen_area is not None:
            tracked = torch.where(largest > self.screen_area * slot_map.shape[-2] * slot_map.shape[-1], 2, tracked)
        kind = torch.where(static, self._static_kind(largest, *slot_map.shape[-2:]), tracked)
        return Percepts(features, kind)

    def screens(self, frames: Tensor) -> Tensor:
        """(B, T, 3, H, W) uint8 -> (B, H, W) bool: the pixels of the static things of kind 2 —
        screens and walls, which a thing may go behind — found without labels, for
        ``ObjectEnergyModel(clip_to_view)`` (it reads them from the masks for a perception
        without this method). All False without ``scenery``."""
        return self._screens_of(self.static_things(self.background(frames))[0])

    def _screens_of(self, static: Tensor) -> Tensor:
        """(B, H, W) int64 static things of :meth:`static_things` -> (B, H, W) bool, the :meth:`screens`."""
        if not self.scenery:
            return torch.zeros_like(static, dtype=torch.bool)
        slot_map = torch.where(static > 0, static + self.slots, 0)  # (B, H, W) as slot_map numbers them
        kind = self._static_kind(_largest_view(slot_map[:, None], self.total_slots), *slot_map.shape[-2:])  # (B, K + N)
        kind_of_id = torch.cat([torch.zeros_like(kind[:, :1]), kind], dim=1)  # id 0: nothing
        return torch.gather(kind_of_id, 1, slot_map.flatten(1)).view_as(static) == 2

    def static_things(self, background: Tensor) -> tuple[Tensor, Tensor]:
        """The things that never move in a clip's (B, 3, H, W) :meth:`background`.

        Returns:
            (B, H, W) int64: 1..N for the static things of the N scenery slots, largest first, 0
            elsewhere (all 0 without ``scenery``); and (B, H, W) bool: the pixels of the object-sized
            ones the K slots track (all False without ``track_static_objects``).
        """
        batch, _, height, width = background.shape
        nothing = torch.zeros(batch, height, width, dtype=torch.bool, device=background.device)
        if not self.track_static_objects:
            if not self.scenery:
                return nothing.long(), nothing
            return static_regions(
                background, self.scenery, self.scenery_tolerance, self.scenery_area, self.scenery_joined, self.scenery_min_region
            ), nothing
        count = self.scenery + self.slots
        floor = min(self.scenery_area, self.min_area / (height * width))
        static = static_regions(
            background, count, self.scenery_tolerance, floor, self.scenery_joined, self.scenery_min_region
        )  # (B, H, W) 0..count
        clip = torch.arange(batch, device=background.device)[:, None, None]
        area = torch.bincount((clip * (count + 1) + static).flatten(), minlength=batch * (count + 1)).view(batch, count + 1)
        thing = torch.arange(count + 1, device=background.device) > 0  # 0 is no static thing
        small = thing & (area <= self.static_object_area * height * width)
        large = thing & ~small
        # the large ones renumbered 1.. in their rank (largest first), the first N kept
        number = torch.cumsum(large, dim=1) * large
        number = torch.where(number <= self.scenery, number, 0)
        return number.gather(1, static.flatten(1)).view_as(static), small.gather(1, static.flatten(1)).view_as(static)

    def _static_kind(self, largest: Tensor, height: int, width: int) -> Tensor:
        """(B, K + N) :func:`_largest_view` of each slot, in a frame of height x width -> (B, K + N)
        the kind of each slot if it were a static one: 2 when it holds pixels, 1 when it never
        holds more than ``static_object_area``, 0 empty."""
        kind = 2 * (largest > 0).long()
        if self.static_object_area is None:
            return kind
        return torch.where(largest <= self.static_object_area * height * width, kind // 2, kind)


def _largest_view(slot_map: Tensor, slots: int) -> Tensor:
    """(B, T, H, W) slot map (0 none, 1..slots) -> (B, slots) int64: the most pixels each slot
    holds in any one frame."""
    batch, steps = slot_map.shape[:2]
    frame = torch.arange(batch * steps, device=slot_map.device).view(batch, steps, 1, 1)
    counts = torch.bincount((frame * (slots + 1) + slot_map).flatten(), minlength=batch * steps * (slots + 1))
    return counts.view(batch, steps, -1)[..., 1:].amax(dim=1)
