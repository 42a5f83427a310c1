"""How a label-free perception holds the world's objects while they move: the census of its slots.

    python benchmarks/track_census.py --videos data/demo/train [--perception FILE.yaml] [--kinds fall,support]

A dynamics can learn a move only from a slot that holds the moving thing, and only it, over the
frames the move spans. For every move of a world object (read on its masks: seen in three
successive read frames of a training clip, its centre changing by more than ``--min-move`` of
the frame side from the middle frame to the last) this tells, axis by axis, what the
perception's object slots make of it over those three frames:

- ``clean``: one slot holds it throughout, and at least ``--purity`` of that slot's pixels are it;
- ``shared with an object``: one slot throughout, which also holds another object's pixels;
- ``shared with no object``: one slot throughout, mostly pixels that are no object (the slab it
  rests on or falls beside, a wall, the background's blur);
- ``switched``: another slot holds most of it in one of the frames (an identity error);
- ``unseen``: in one of the frames no object slot holds any of it.

With the masks' slots every move is clean; the moves that are not are the lessons a label-free
dynamics is taught wrong (lab rows ``objects_split_v10`` … ``v13``). Then the false things: the
object slots that hold mostly no object over the clip, by what most of their pixels are, with
their vertical moves and how many of them the perception calls screens (kind 2); kind 1 or 2,
they take the fall away (lab rows ``objects_split_v18``, ``v19``). The perception YAML
(default: the label-free recipe's, ``configs/perception/foreground_track_static_objects.yaml``)
must give a slot map (``ForegroundPerception``).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import torch

from physpred.data import VideoClipDataset
from physpred.models import CheckpointError, read_part_file
from physpred.models.checkpoint import build_part

WHAT = ("background", "object", "screen", "wall")
"""What the masks call a pixel, by kind (0..3)."""
STATES = ("clean", "shared with an object", "shared with no object", "switched", "unseen")
OBJECT = 1
"""The masks' kind of an object."""
DEFAULT_PERCEPTION = Path(__file__).resolve().parents[1] / "configs" / "perception" / "foreground_track_static_objects.yaml"


def holdings(slot_map: torch.Tensor, objects: torch.Tensor, slots: int) -> torch.Tensor:
    """Which object slot holds which object's pixels, frame by frame.

    Args:
        slot_map: (T, H, W) int64, 1 + the slot of each pixel, 0 for none; slots 1..K objects.
        objects: (T, H, W) int64, the world's instance id where a pixel is an object, 0 elsewhere.
        slots: K.

    Returns:
        (T, 256, K + 1) int64: [t, id, s] pixels of object ``id`` held by object slot s at frame t
        (s = 0: by none of them); row 0 counts the pixels that are no object.
    """
    held = torch.where(slot_map <= slots, slot_map, 0)
    code = objects.flatten(1) * (slots + 1) + held.flatten(1)
    return torch.stack([torch.bincount(frame, minlength=256 * (slots + 1)) for frame in code]).view(len(code), 256, slots + 1)


def move_states(objects: torch.Tensor, held: torch.Tensor, min_move: float, purity: float, min_pixels: int = 4) -> list[tuple[str, str]]:
    """The state (one of :data:`STATES`) of every move of every object, axis by axis.

    Args:
        objects: (T, H, W) int64 object ids (0: no object), as for :func:`holdings`.
        held: (T, 256, K + 1) from :func:`holdings`.
        min_move: the smallest change of an object's centre from t to t + 1 counted (fraction of the side).
        purity: the share of a slot's pixels the object must be for the move to be ``clean``.
        min_pixels: an object is in view in a frame when the masks give it at least this many pixels.

    Returns:
        ``(axis, state)`` for t = 1..T-2 and every object in view at t - 1, t and t + 1 that moves along the axis.
    """
    steps, height, width = objects.shape
    rows = torch.arange(height, dtype=torch.float)[:, None].expand(height, width)
    columns = torch.arange(width, dtype=torch.float)[None, :].expand(height, width)
    slot_pixels = held.sum(dim=1)  # (T, K + 1)
    found = []
    for thing in objects.unique().tolist():
        if thing == 0:
            continue
        mine = (objects == thing).float()  # (T, H, W)
        area = mine.sum(dim=(1, 2))
        centre = {
            "x": (mine * columns).sum(dim=(1, 2)) / area.clamp_min(1) / width,
            "y": (mine * rows).sum(dim=(1, 2)) / area.clamp_min(1) / height,
        }
        by_slot = held[:, thing, 1:]  # (T, K)
        owner = torch.where(by_slot.amax(dim=1) > 0, by_slot.argmax(dim=1) + 1, 0)  # (T,)
        for t in range(1, steps - 1):
            if not (area[t - 1 : t + 2] >= min_pixels).all():
                continue
            span = owner[t - 1 : t + 2]
            if (span == 0).any():
                state = "unseen"
            elif (span != span[0]).any():
                state = "switched"
            else:
                slot, frames = int(span[0]), range(t - 1, t + 2)
                others = max(int(held[f, 1:, slot].sum() - held[f, thing, slot]) for f in frames)
                share = min(float(held[f, thing, slot] / slot_pixels[f, slot]) for f in frames)
                state = STATES[1] if others else STATES[0] if share >= purity else STATES[2]
            found += [(axis, state) for axis, place in centre.items() if abs(float(place[t + 1] - place[t])) > min_move]
    return found


def false_things(slot_map: torch.Tensor, pixel_kinds: torch.Tensor, slots: int, min_share: float = 0.5) -> list[tuple[int, str]]:
    """The object slots that hold mostly no object over a clip, and what most of their pixels are.

    Args:
        slot_map: (T, H, W) int64, 1 + the slot of each pixel, 0 for none; slots 1..K objects.
        pixel_kinds: (T, H, W) int64, the masks' kind of each pixel (0 background, 1 object, 2
            screen, 3 wall).
        slots: K.
        min_share: a slot holding less than this share of object pixels is a false thing.

    Returns:
        ``(slot, what)`` for each false thing: its slot 0..K-1 and one of :data:`WHAT`.
    """
    found = []
    for slot in range(slots):
        counts = torch.bincount(pixel_kinds[slot_map == slot + 1], minlength=len(WHAT))
        if counts.sum() and counts[OBJECT] < min_share * counts.sum():
            found.append((slot, WHAT[int(counts.argmax())]))
    return found


def vertical_moves(slot_map: torch.Tensor, slot: int, min_move: float) -> int:
    """How many times object slot ``slot`` (0..K-1) of a (T, H, W) slot map moves its centre row by
    more than ``min_move`` of the height between successive frames in both of which it holds pixels."""
    mine = (slot_map == slot + 1).float()
    rows = torch.arange(slot_map.shape[1], dtype=torch.float)[:, None]
    area = mine.sum(dim=(1, 2))
    centre = (mine * rows).sum(dim=(1, 2)) / area.clamp_min(1) / slot_map.shape[1]
    seen = area > 0
    return int(((centre[1:] - centre[:-1]).abs() > min_move)[seen[1:] & seen[:-1]].sum())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=Path, required=True, help="training videos made with --masks (physpred world videos)")
    parser.add_argument("--perception", type=Path, default=DEFAULT_PERCEPTION, help="perception YAML with a slot map (default: the label-free recipe's)")
    parser.add_argument("--count", type=int, default=300, help="the first videos read (default 300)")
    parser.add_argument("--kinds", help="comma-separated scene kinds kept (default: every kind)")
    parser.add_argument("--min-move", type=float, default=0.01, help="smallest change counted, fraction of the frame side (default 0.01)")
    parser.add_argument("--purity", type=float, default=0.5, help="share of a clean slot's pixels that are its object (default 0.5)")
    parser.add_argument("--frames", type=int, default=32, help="read frames per clip, two frames apart (default 32, the recipes')")
    parser.add_argument("--frame-size", type=int, default=64)
    args = parser.parse_args(argv)
    if args.frames < 3 or not 0 < args.purity <= 1:
        parser.error(f"--frames must be >= 3 (a move spans three read frames) and --purity in (0, 1], got {args.frames} and {args.purity}")
    manifest = args.videos / "manifest.jsonl"
    if not manifest.is_file():
        parser.error(f"--videos {args.videos}: no manifest.jsonl; make the videos with `physpred world videos --masks`")
    try:
        perception = build_part("perception", read_part_file("perception", args.perception), args.perception)
    except CheckpointError as err:
        parser.error(str(err))
    if not hasattr(perception, "slot_map"):
        parser.error(f"--perception {args.perception}: {type(perception).__name__} gives no slot map; name a ForegroundPerception")
    clips = VideoClipDataset(args.videos, 1, args.frames - 1, 2, args.frame_size, masks=True, seed=0)
    present = {entry.kind for entry in clips.entries if entry.kind}
    wanted = set(args.kinds.split(",")) if args.kinds else present
    if not wanted <= present:
        parser.error(f"--kinds {args.kinds}: {args.videos} has no {sorted(wanted - present)} (it has {sorted(present)})")
    tally: Counter[tuple[str, str, str]] = Counter()
    false: Counter[tuple[str, str]] = Counter()  # (what, "slots" / "vertical moves" / "kind 2")
    with torch.no_grad():
        for index, entry in enumerate(clips.entries[: args.count]):
            if entry.kind not in wanted:
                continue
            clip = clips[index]
            slot_map = perception.slot_map(clip.frames[None])[0]
            objects = torch.where(clip.kinds.long()[clip.masks.long()] == OBJECT, clip.masks.long(), 0)
            for axis, state in move_states(objects, holdings(slot_map, objects, perception.object_slots), args.min_move, args.purity):
                tally[entry.kind, axis, state] += 1
            kind = perception.percepts(clip.frames[None], slot_map[None]).kind[0]
            for slot, what in false_things(slot_map, clip.kinds.long()[clip.masks.long()], perception.object_slots):
                false[what, "slots"] += 1
                false[what, "vertical moves"] += vertical_moves(slot_map, slot, args.min_move)
                false[what, "kind 2"] += int(kind[slot] == 2)
    print(f"{args.perception}: how its object slots hold the world objects' moves in {args.videos} ({args.kinds or 'every kind'})")
    print(f"  {'kind':<10} {'axis':<4} {'moves':>6}  " + "  ".join(f"{state:>21}" for state in STATES))
    for kind in ["all", *sorted(wanted)]:
        for axis in ("x", "y"):
            counts = [sum(n for (k, a, s), n in tally.items() if kind in (k, "all") and a == axis and s == state) for state in STATES]
            total = sum(counts)
            if total:
                print(f"  {kind:<10} {axis:<4} {total:>6}  " + "  ".join(f"{n / total:>21.2f}" for n in counts))
    print("  false things (object slots mostly no object over the clip), by what most of their pixels are:")
    for what in WHAT:
        if false[what, "slots"]:
            print(f"    {what:<10} slots {false[what, 'slots']:>5}  vertical moves {false[what, 'vertical moves']:>5}  kind 2 {false[what, 'kind 2']:>5}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
