"""Object permanence in a perception's own output: does a thing that goes out of view come back?

    python benchmarks/percept_returns.py --videos DIR [--count 200] [--perception FILE.yaml]

The slot dynamics learn when a hidden thing comes back from the percepts they are trained on,
so a perception that loses things teaches them that things vanish. This reads training clips
of the object recipes' geometry (32 frames at frame step 2, 64 x 64) from videos made with
``--masks``, runs a perception on them (``--perception``: a YAML file with class_path and
init_args, as ``physpred probe --perception`` takes; default the masks' own slots,
``MaskPerception``, the reference) and counts, over its object slots, the episodes (runs of
frames in view), those of at most two frames, and the disappearances before the clip's end by
where the thing was last seen: by a static slot (its box within a screen's or wall's, grown by
the thing's own half-size), at a frame edge, or in the open; how many of each come back in
the same slot within the clip, and after how many read frames out of view.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import torch

from physpred.data import VideoClipDataset
from physpred.models import CheckpointError, read_part_file
from physpred.models.checkpoint import build_part
from physpred.models.slots import MaskPerception
from physpred.models.slots.departures import beside_static
from physpred.models.slots.features import at_frame_edge, boxes
from physpred.models.slots.perception import see

PLACES = ("by a static slot", "in the open", "at a frame edge")


def place(last: torch.Tensor, scenery: torch.Tensor, pixel: float) -> str:
    """Where a thing with box ``last`` (4,) was last seen, given the static slots' boxes (S, 4)."""
    if at_frame_edge(last, pixel):
        return "at a frame edge"
    return "by a static slot" if beside_static(last, scenery, pixel) else "in the open"


def count_clip(features: torch.Tensor, kind: torch.Tensor, tally: Counter, pixel: float) -> None:
    """Add one clip's episodes and disappearances: features (T, K, F), kind (K,)."""
    present = features[..., 0] > 0  # (T, K)
    static = [k for k in range(len(kind)) if kind[k] >= 2 and present[:, k].any()]
    scenery = torch.stack([boxes(features[present[:, k], k]).median(dim=0).values for k in static]) if static else torch.zeros(0, 4)
    for k in (k for k in range(len(kind)) if kind[k] == 1):
        seen = present[:, k].tolist()
        starts = [t for t in range(len(seen)) if seen[t] and (t == 0 or not seen[t - 1])]
        ends = [t for t in range(len(seen)) if seen[t] and (t == len(seen) - 1 or not seen[t + 1])]
        tally["episodes"] += len(starts)
        tally["short"] += sum(end - start < 2 for start, end in zip(starts, ends, strict=True))
        for end in (end for end in ends if end < len(seen) - 1):  # gone before the clip's end
            where = place(boxes(features[end, k]), scenery, pixel)
            tally[where] += 1
            back = [t for t in range(end + 1, len(seen)) if seen[t]]
            if back:
                tally[where + " back"] += 1
                tally[where + " hidden"] += back[0] - end - 1  # read frames out of view before it came back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=Path, required=True, help="training videos made with --masks")
    parser.add_argument("--count", type=int, default=200, help="clips (the first videos, one clip each)")
    parser.add_argument("--perception", type=Path, help="YAML with class_path and init_args; default: the masks' slots")
    args = parser.parse_args()
    if args.perception is None:
        perception, name = MaskPerception(objects=4, scenery=4), "MaskPerception(objects: 4, scenery: 4)"
    else:
        try:
            perception, name = build_part("perception", read_part_file("perception", args.perception), args.perception), str(args.perception)
        except CheckpointError as err:
            parser.error(str(err))
    data = VideoClipDataset(str(args.videos), 4, 28, 2, 64, masks=True, seed=0)
    tally: Counter = Counter()
    with torch.no_grad():
        for index in range(min(args.count, len(data))):
            clip = data[index]
            percepts = see(perception, clip.frames[None], clip.masks[None], clip.kinds[None])
            count_clip(percepts.features[0], percepts.kind[0], tally, 1 / clip.frames.shape[-1])
    print(f"{name}, {min(args.count, len(data))} clips of {args.videos}")
    print(f"object-slot episodes {tally['episodes']}, of at most 2 frames {tally['short']}")
    print("gone before the clip's end, and back in the same slot: " + "; ".join(f"{p} {tally[p + ' back']} of {tally[p]}" for p in PLACES))
    print(
        "read frames out of view before it came back, on average: "
        + "; ".join(f"{p} {tally[p + ' hidden'] / tally[p + ' back']:.1f}" for p in PLACES if tally[p + " back"])
    )


if __name__ == "__main__":
    main()
