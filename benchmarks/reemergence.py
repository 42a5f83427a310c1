"""Where an object model expects a hidden thing when it comes back into view.

    python benchmarks/reemergence.py --ckpt RUN/model.ckpt --probes DIR [--perception FILE.yaml]
    python benchmarks/reemergence.py --ckpt RUN/model.ckpt --videos DIR [--count 300]

A vanish pair is won only if the lawful movie, where the thing comes out from behind the screen,
costs less than the one where it does not; an imagination that carries the hidden thing too fast
or too slow makes the lawful one expensive, and one that has it already gone from the frame
expects nothing in the other. For every object slot that moves, goes out of view for at least
``--gap`` read frames and comes back, this prints the error, along the thing's motion before it
went (positive: ahead), of the place each frame was scored against (``movie_expectation``, the
model's own scoring: at its horizon, from imagination) on the first read frame back and the two
after. ``--probes``: the possible movies of the pairs whose impossible movie shows ``--event``
(O1 vanish by default); ``--videos``: training clips of the model's geometry (whatever hides a
thing; the recipes' 32 frames at step 2). ``--perception`` swaps the model's perception (``physpred probe --perception``), e.g.
the masks' slots under a label-free model: is it the percepts or the dynamics?
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch

from physpred.data import ProbeDataset, VideoClipDataset
from physpred.models import CheckpointError, load_model, read_part_file, with_part
from physpred.models.slots.features import FEATURES
from physpred.types import ClipGeometry

X = FEATURES.index("x")


def returns(seen: torch.Tensor, expected: torch.Tensor, kind: torch.Tensor, gap: int, after: int = 3) -> Iterator[list[float]]:
    """Along-motion errors of the expected place of things back in view after a hidden gap.

    Args:
        seen: (S, K, F) percepts of one movie (feature 0 > 0: in view).
        expected: (S - 1, K, F) what read frames 1..S-1 were scored against.
        kind: (K,) slot kinds (1: object).
        gap: read frames out of view, at least, between two sightings.
        after: read frames back in view to report, the first one included.

    Yields:
        for each return of an object that moved between its last two sightings before the gap
        (by more than a thousandth of the frame), the errors ``(expected x - seen x) * sign(its
        motion)`` on its first ``after`` read frames back (fewer if it goes again).
    """
    for k in (k for k in range(len(kind)) if kind[k] == 1):
        present = (seen[:, k, 0] > 0).tolist()
        shown = [t for t, p in enumerate(present) if p]
        for last, back in zip(shown, shown[1:], strict=False):
            if back - last - 1 < gap or last == 0 or not present[last - 1]:
                continue
            motion = float(seen[last, k, X] - seen[last - 1, k, X])
            if abs(motion) <= 1e-3:
                continue
            frames = [t for t in range(back, min(back + after, len(present))) if all(present[back : t + 1])]
            yield [float(expected[t - 1, k, X] - seen[t, k, X]) * (1 if motion > 0 else -1) for t in frames]


def movies(args: argparse.Namespace, geometry: ClipGeometry) -> Iterator[tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None, int]]:
    """(frames, masks, kinds, frame step to read them at) of each movie or clip."""
    if args.probes:
        probes = ProbeDataset(args.probes, frame_size=geometry.frame_size)
        for possible, _ in probes.event_pairs(args.block, args.event):
            movie = probes[possible]
            yield movie.frames, movie.masks, movie.kinds, geometry.frame_step
        return
    clips = VideoClipDataset(
        args.videos, geometry.context_frames, geometry.future_frames, geometry.frame_step, geometry.frame_size, masks=True, seed=0
    )
    for i in range(min(args.count, len(clips))):
        clip = clips[i]
        yield clip.frames, clip.masks, clip.kinds, 1  # a clip is already read at the frame step


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", type=Path, required=True, help="an object model (ObjectEnergyModel)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--probes", type=Path, help="a probe set: the possible movies of --block/--event pairs")
    source.add_argument("--videos", type=Path, help="training videos made with --masks: clips of the model's geometry")
    parser.add_argument("--count", type=int, default=300, help="with --videos: clips read (default 300)")
    parser.add_argument("--block", default="O1")
    parser.add_argument("--event", default="vanish")
    parser.add_argument("--gap", type=int, default=2, help="read frames out of view, at least (default 2)")
    parser.add_argument("--perception", type=Path, help="YAML of a perception to use in place of the model's")
    args = parser.parse_args(argv)
    model = load_model(args.ckpt).eval()
    if args.perception:
        try:
            model = with_part(model, "perception", read_part_file("perception", args.perception), args.perception).eval()
        except CheckpointError as err:
            parser.error(str(err))
    first, later = [], []
    with torch.no_grad():
        for frames, masks, kinds, step in movies(args, model.geometry):
            _, percepts, expected, _ = model.movie_expectation(frames, masks, kinds, step)
            for errors in returns(percepts.features[0], expected[0], percepts.kind[0], args.gap):
                first.append(errors[0])
                later.extend(errors[1:])
    if not first:
        print("no thing came back into view after a hidden gap: nothing to measure")
        return 1
    print(f"{len(first)} returns; expected place ahead of the seen one, along the motion (fraction of the frame side):")
    for name, errors in (("first read frame back", first), ("the two after", later)):
        if errors:
            print(f"  {name}: median {statistics.median(errors):+.3f}, mean {statistics.mean(errors):+.3f} ({len(errors)} frames)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
