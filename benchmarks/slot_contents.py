"""What a label-free object slot holds beyond its object, and how much that moves its centre.

    python benchmarks/slot_contents.py --videos data/demo/train [--perception FILE.yaml] [--kinds fall,support,bounce]

For every sighting of a world object (read on its masks: at least ``MIN_PIXELS`` pixels in a
read frame), the object slot that holds most of its pixels is found, and that slot's pixels are
counted by what the masks say they are: the object's own, its rim (pixels that are no object
touching it: the blend of its edge with what is behind), another object's, a screen's or wall's,
and the background's beyond the rim. Then, over the object's vertical moves (its centre changing
by more than ``--min-move`` of the frame side between two read frames), the error of the move a
slot's centre makes against the object's own, for views of the slot that keep more and more of
what it holds: the object's own pixels it holds, with the rim, with the rim and one other kind,
and the whole slot. A dynamics learns a fall from these moves; with the world's own pixels
(label-free pixels handed by the masks' identities, rims kept) it learns it, with the whole slot
it does not (lab rows ``objects_split_v12`` … ``v17``; docs/research.md). The perception YAML
(default: the label-free recipe's) must give a slot map (``ForegroundPerception``).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import torch
from torch.nn import functional as F

from physpred.data import VideoClipDataset
from physpred.models import CheckpointError, read_part_file
from physpred.models.checkpoint import build_part

OBJECT = 1
"""The masks' kind of an object (screens and walls are 2 and 3)."""
MIN_PIXELS = 4
KINDS = ("own", "rim", "other object", "screen or wall", "background")
VIEWS = ("own", "+ rim", "+ rim + background", "+ rim + screen or wall", "+ rim + other object", "whole slot")
DEFAULT_PERCEPTION = Path(__file__).resolve().parents[1] / "configs" / "perception" / "foreground_track_static_objects.yaml"


def sighting_views(slot_map: torch.Tensor, ids: torch.Tensor, kinds: torch.Tensor, thing: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """What the slot holding most of one object holds, in one frame.

    Args:
        slot_map: (H, W) int64, 1 + the object slot of each pixel, 0 for none.
        ids: (H, W) int64 the world's instance ids; kinds (H, W) int64 each pixel's masks kind (0 background).
        thing: the object's id.

    Returns:
        None when the object shows fewer than ``MIN_PIXELS`` pixels or no slot holds any; else
        the counts (5,) of :data:`KINDS` in that slot, and the pixels (6, H, W) bool of each of
        :data:`VIEWS`.
    """
    own = ids == thing
    held = own & (slot_map > 0)  # the object's pixels some object slot holds
    if int(own.sum()) < MIN_PIXELS or not held.any():
        return None
    slot = slot_map == slot_map[held].mode().values
    beside = F.max_pool2d(own[None, None].float(), 3, 1, 1)[0, 0] > 0
    rim = slot & ~own & beside & (kinds != OBJECT)
    rest = slot & ~own & ~rim
    other, scenery, background = rest & (kinds == OBJECT), rest & (kinds > OBJECT), rest & (ids == 0)
    parts = [slot & own, rim, other, scenery, background]
    views = [held, held | rim, held | rim | background, held | rim | scenery, held | rim | other, slot]
    return torch.stack([part.sum() for part in parts]), torch.stack(views)


def centre_rows(views: torch.Tensor) -> torch.Tensor:
    """(V, H, W) bool -> (V,) the mean row of each view's pixels, as a fraction of the height (NaN: none)."""
    height = views.shape[-2]
    rows = (torch.arange(height, dtype=torch.float32) + 0.5) / height
    mass = views.float().sum(dim=(-2, -1))
    return (views.float().sum(dim=-1) * rows).sum(dim=-1) / mass.where(mass > 0, torch.nan)


def move_errors(seen: torch.Tensor, true: torch.Tensor, min_move: float, still: bool = False) -> torch.Tensor:
    """(T, V) each view's centre and (T,) the object's, frame by frame (NaN: not seen) -> (N, V)
    the absolute error of each view's move between successive frames, over the N moves of the
    object larger than ``min_move`` seen in both frames by every view; with ``still``, over the
    steps in which it moves at most that (the jitter a dynamics must learn to ignore)."""
    step, true_step = seen[1:] - seen[:-1], true[1:] - true[:-1]
    moving = true_step.abs() > min_move
    kept = (~moving if still else moving) & ~step.isnan().any(dim=1) & ~true_step.isnan()
    return (step[kept] - true_step[kept, None]).abs()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=Path, required=True, help="training videos made with --masks (physpred world videos)")
    parser.add_argument("--perception", type=Path, default=DEFAULT_PERCEPTION, help="perception YAML with a slot map (default: the label-free recipe's)")
    parser.add_argument("--count", type=int, default=600, help="the first videos read (default 600)")
    parser.add_argument("--kinds", default="fall,support,bounce", help="comma-separated scene kinds kept (default fall,support,bounce)")
    parser.add_argument("--min-move", type=float, default=0.01, help="smallest vertical move counted, fraction of the frame side (default 0.01)")
    parser.add_argument("--frames", type=int, default=32, help="read frames per clip, two frames apart (default 32, the recipes')")
    parser.add_argument("--frame-size", type=int, default=64)
    args = parser.parse_args(argv)
    if args.frames < 2:
        parser.error(f"--frames must be >= 2 (a move spans two read frames), got {args.frames}")
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
    present, wanted = {entry.kind for entry in clips.entries if entry.kind}, set(args.kinds.split(","))
    if not wanted <= present:
        parser.error(f"--kinds {args.kinds}: {args.videos} has no {sorted(wanted - present)} (it has {sorted(present)})")
    counts: dict[str, list[torch.Tensor]] = defaultdict(list)
    errors: list[torch.Tensor] = []
    jitters: list[torch.Tensor] = []
    with torch.no_grad():
        for index, entry in enumerate(clips.entries[: args.count]):
            if entry.kind not in wanted:
                continue
            clip = clips[index]
            slot_map = perception.slot_map(clip.frames[None])[0]
            slot_map = torch.where(slot_map <= perception.object_slots, slot_map, 0)
            ids = clip.masks.long()
            kinds = clip.kinds.long()[ids]
            for thing in (int(i) for i in ids.unique() if i > 0 and int(clip.kinds[i]) == OBJECT):
                seen = torch.full((len(ids), len(VIEWS)), torch.nan)
                for t in range(len(ids)):
                    found = sighting_views(slot_map[t], ids[t], kinds[t], thing)
                    if found is not None:
                        counts[entry.kind].append(found[0])
                        seen[t] = centre_rows(found[1])
                true = centre_rows(ids == thing)
                errors.append(move_errors(seen, true, args.min_move))
                jitters.append(move_errors(seen, true, args.min_move, still=True))
    print(f"{args.perception}: what the slot holding each world object holds, {args.videos} ({args.kinds})")
    print(f"  {'kind':<8} {'sightings':>9}  " + "  ".join(f"{name:>14}" for name in KINDS) + "   (pixels per sighting)")
    for kind in sorted(counts):
        mean = torch.stack(counts[kind]).float().mean(dim=0)
        print(f"  {kind:<8} {len(counts[kind]):>9}  " + "  ".join(f"{value:>14.1f}" for value in mean))
    moves = torch.cat(errors) if errors else torch.zeros(0, len(VIEWS))
    print(f"  error of the slot's vertical move against the object's ({len(moves)} moves over {args.min_move} of the side), fraction of the side:")
    for view, column in zip(VIEWS, moves.T, strict=True):
        print(f"    {view:<24} mean {float(column.mean()):.4f}  median {float(column.median()):.4f}  share over {args.min_move}: {float((column > args.min_move).float().mean()):.2f}")
    still = torch.cat(jitters) if jitters else torch.zeros(0, len(VIEWS))
    print(f"  while the object moves at most {args.min_move} ({len(still)} steps), the same error (the slot's jitter):")
    for view, column in zip(VIEWS, still.T, strict=True):
        print(f"    {view:<24} mean {float(column.mean()):.4f}  share over {args.min_move}: {float((column > args.min_move).float().mean()):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
