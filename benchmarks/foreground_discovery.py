"""FG-ARI of ForegroundPerception (no weights, nothing trained) against the world's masks.

    python benchmarks/foreground_discovery.py --videos DIR [--count 20] [--threshold 0.1 ...]
    python benchmarks/foreground_discovery.py --probes DIR [--scenes 2] [--threshold 0.1]
    python benchmarks/foreground_discovery.py --videos DIR --perception configs/perception/foreground_split_touching.yaml
    python benchmarks/foreground_discovery.py --videos DIR --perception configs/perception/foreground_recipe.yaml --frame-size 128

Training videos (made with ``--masks``): clips of the object recipes' geometry (32 frames, frame
step 2, 64 x 64, or ``--frame-size``), the first ``--count`` videos. Probes (with ``masks/``):
every movie of the first ``--scenes`` scenes of each block, read whole at frame step 2, as
``physpred probe`` reads them. The perception's options in pixels are stated at 64 x 64, as in the
recipes, and scaled to ``--frame-size`` (:mod:`physpred.models.slots.pixel_scale`).
Prints one line per threshold (and per probe block): mean FG-ARI over frames against every
thing (objects, screens, walls) and against the objects alone, the recall of objects while they
move and while they rest (FG-ARI does not see a lone object missed whole), and the time per clip.
``--perception`` reads the whole perception from a YAML file (``class_path`` and ``init_args``, as
in a recipe) in place of the options.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

from physpred.data import VideoClipDataset
from physpred.data.datasets import ProbeDataset
from physpred.models import CheckpointError, read_part_file
from physpred.models.checkpoint import build_part
from physpred.models.slots import ForegroundPerception
from physpred.models.slots.discovery import fg_ari, object_recall
from physpred.models.slots.pixel_scale import read_at_scale


def _clips(args: argparse.Namespace) -> Iterator[tuple[str, torch.Tensor, torch.Tensor, torch.Tensor]]:
    """(group, frames (T, 3, S, S), masks (T, S, S), kinds (256,)) of the chosen clips or movies."""
    if args.videos:
        data = VideoClipDataset(args.videos, 4, 28, 2, args.frame_size, masks=True, seed=0)
        for index in range(min(args.count, len(data))):
            clip = data[index]
            yield "videos", clip.frames, clip.masks, clip.kinds
        return
    probes = ProbeDataset(args.probes, frame_size=args.frame_size)
    blocks: dict[str, list[str]] = {}
    for scene in probes.scenes:
        blocks.setdefault(scene.split("/")[0], []).append(scene)
    wanted = {scene for scenes in blocks.values() for scene in sorted(scenes)[: args.scenes]}
    for index, entry in enumerate(probes.entries):
        if entry.scene in wanted:
            movie = probes[index]
            yield movie.block, movie.frames[::2], movie.masks[::2], movie.kinds


def _perceptions(args: argparse.Namespace) -> list[tuple[str, nn.Module]]:
    """(label, perception) to measure: the ``--perception`` YAML's, or one per ``--threshold``."""
    if args.perception:
        return [(str(args.perception), build_part("perception", read_part_file("perception", args.perception), args.perception))]
    return [
        (
            f"threshold {threshold} opening {args.opening} resting {args.resting} scenery {args.scenery}",
            ForegroundPerception(
                slots=6, threshold=threshold, opening=args.opening, resting=args.resting, scenery=args.scenery,
                ghosts=args.ghosts, min_area=args.min_area, min_frames=args.min_frames,
            ),
        )
        for threshold in args.threshold
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--videos", help="training videos made with --masks")
    source.add_argument("--probes", help="a probe set with masks/")
    parser.add_argument("--count", type=int, default=20, help="training clips")
    parser.add_argument("--scenes", type=int, default=2, help="probe scenes per block")
    parser.add_argument("--threshold", type=float, nargs="+", default=[0.1])
    parser.add_argument("--opening", type=int, default=0)
    parser.add_argument("--resting", type=int, default=15, help="ForegroundPerception(resting=); 0: the plain median")
    parser.add_argument("--scenery", type=int, default=0, help="ForegroundPerception(scenery=): slots for static things")
    parser.add_argument("--ghosts", type=float, default=0.0, help="ForegroundPerception(ghosts=): drop look-alikes of their border")
    parser.add_argument("--min-area", type=int, default=4, help="ForegroundPerception(min_area=)")
    parser.add_argument("--min-frames", type=int, default=1, help="ForegroundPerception(min_frames=): drop shorter runs")
    parser.add_argument("--perception", type=Path, help="YAML of a whole ForegroundPerception, in place of the options above")
    parser.add_argument("--frame-size", type=int, default=64, help="frame side read (default 64); pixel options scaled from 64")
    args = parser.parse_args()
    torch.set_num_threads(1)
    try:
        perceptions = _perceptions(args)
    except CheckpointError as err:
        parser.error(str(err))
    clips = list(_clips(args))
    for label, perception in perceptions:
        read_at_scale(perception, args.frame_size / 64)
        scores: dict[str, tuple[list[torch.Tensor], list[torch.Tensor], list[tuple[torch.Tensor, torch.Tensor]]]] = {}
        start = time.perf_counter()
        for group, frames, masks, kinds in clips:
            found = perception.segment(frames[None])[0]  # (T, K + N + 1, S, S)
            ids = masks.long()
            objects = torch.where(kinds.long()[ids] == 1, ids, torch.zeros_like(ids))
            every, only, recall = scores.setdefault(group, ([], [], []))
            every.append(fg_ari(ids, found))
            only.append(fg_ari(objects, found))
            recall.append(object_recall(ids, kinds == 1, found.argmax(dim=1) > 0))
        seconds = (time.perf_counter() - start) / len(clips)
        for group, (every, only, recall) in scores.items():
            hits, total = (sum(counts) for counts in zip(*recall, strict=True))
            moving, resting = (hits / total.clamp_min(1)).tolist()
            print(
                f"{label} {group}: FG-ARI every thing "
                f"{torch.cat(every).nanmean():.3f}, objects only {torch.cat(only).nanmean():.3f}; objects found "
                f"moving {moving:.3f} ({int(total[0])}), at rest {resting:.3f} ({int(total[1])}) "
                f"({len(every)} clips, {seconds:.2f} s a clip incl. FG-ARI)"
            )


if __name__ == "__main__":
    main()
