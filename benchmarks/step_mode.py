"""Which share of a slot's step the object energy teaches a one-step predictor to carry into the next.

    python benchmarks/step_mode.py --videos data/demo/train [--perception FILE.yaml] [--count 200] [--scales 0.02,0.06] [--steady-size 0.08]

``SlotEnergy`` prices a place with the Cauchy price log(1 + (e / s)^2), which teaches the most
common next step, not the mean one. For every object slot of a perception (kind 1) seen in three
successive read frames of a training clip whose step from the first to the second is larger than
``--min-move`` of the frame side, this pools (step, next step) axis by axis and prints the share
r of the step, carried into the next, that minimises the summed price of the next step against
r times it, scale by scale, beside the least-squares share (what an L2 price would teach) and
how many moving slots stop the next step (under half of ``--min-move``). On the world's masks
the vertical share at the recipe's scale (0.02) is above 1 (things fall faster and faster); on
label-free slots whose jitter and false things stop it is far lower, though the least-squares
share is the same: the rows of the split ladder that learned the fall are those whose share is
above 1 (docs/research.md). ``--steady-size`` keeps only the steps a training objective with
``ObjectPredictionModule(steady_targets)`` prices. It also prints the share of the steps that
are jitter (not still, at most ``--min-move``) and how much of them carries into the next step
(reversing jitter: below 0). Last it counts the losses of support (an object slot flagged as
resting on another, :func:`~physpred.models.slots.features.supported`, in one read frame and not
in the next) and how many are followed by a step down within two read frames: the cue from which
a dynamics learns a fall's onset (the world's masks: 0.85 of them; v40's label-free slots 0.56),
then the same with the flag held until the support stops spanning the thing
(:func:`~physpred.models.slots.features.held_support`, ``GatedSlotDynamics(support_hold)``).
Any perception YAML works; one that reads masks (as ``configs/perception/masks_recipe.yaml``) is
given the clip's.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import torch

from physpred.data import VideoClipDataset
from physpred.models import CheckpointError, read_part_file
from physpred.models.checkpoint import build_part
from physpred.models.slots.energy import cauchy
from physpred.models.slots.features import FEATURES, held_support_flags, supported
from physpred.models.slots.steadiness import steady

OBJECT = 1
"""The kind of an object slot."""
STILL = 1e-5
"""A step at most this (fraction of the side) is a slot standing still, not jitter."""
SHARES = torch.linspace(-0.2, 1.5, 171)
"""The carried shares searched, 0.01 apart."""
DEFAULT_PERCEPTION = Path(__file__).resolve().parents[1] / "configs" / "perception" / "foreground_track_static_objects.yaml"


def step_pairs(features: torch.Tensor, kind: torch.Tensor, axis: int, min_move: float, steady_size: float | None = None) -> torch.Tensor:
    """(step, next step) of every object slot seen in three successive frames, on one axis.

    Args:
        features: (T, K, F) percept features of one clip (:data:`~physpred.models.slots.features.FEATURES`).
        kind: (K,) slot kinds; only kind 1 (object) counts.
        axis: the feature index of the coordinate (x or y).
        min_move: the smallest first step kept (fraction of the side); negative: every pair,
            standing slots' too.
        steady_size: keep only pairs whose slot's size changes by at most this share at each
            step (:func:`~physpred.models.slots.steadiness.steady`); None: every pair.

    Returns:
        (N, 2): each kept step and the step after it.
    """
    place, seen = features[..., axis], features[..., 0] > 0
    kept = seen[:-2] & seen[1:-1] & seen[2:] & (kind == OBJECT)
    if steady_size is not None:
        held = steady(features[None], steady_size)[0]  # (T, K)
        kept = kept & held[1:-1] & held[2:]
    step, after = (place[1:-1] - place[:-2])[kept], (place[2:] - place[1:-1])[kept]
    pairs = torch.stack([step, after], dim=1)
    return pairs[pairs[:, 0].abs() > min_move]


def support_losses(features: torch.Tensor, kind: torch.Tensor, min_move: float, hold: bool = False) -> tuple[int, int]:
    """How often an object slot loses its support, and how often a fall follows.

    Args:
        features: (T, K, F) percept features of one clip; support is read among the slots seen
            (any kind), as ``GatedSlotDynamics(support)`` reads it.
        kind: (K,) slot kinds; only object slots (kind 1) are counted.
        min_move: the smallest step down (fraction of the side) that counts as a fall.
        hold: read the flag as :func:`~physpred.models.slots.features.held_support` does, frame
            after frame from the clip's first.

    Returns:
        (losses, falls): object slots seen in read frames t - 1 .. t + 2, resting on another at
        t - 1 and not at t; of those, the ones whose place goes down by more than ``min_move`` from
        t to t + 1 or from t + 1 to t + 2.
    """
    seen = features[..., 0] > 0.5  # (T, K)
    # (T, K); the plain flag takes the frames as its batch
    held = held_support_flags(features[None], seen[None])[0] if hold else supported(features, seen)
    kept = seen[:-3] & seen[1:-2] & seen[2:-1] & seen[3:] & (kind == OBJECT)
    lost = kept & held[:-3] & ~held[1:-2]
    down = features[..., FEATURES.index("y")].diff(dim=0)  # (T - 1, K): image rows grow downwards
    fell = lost & ((down[1:-1] > min_move) | (down[2:] > min_move))
    return int(lost.sum()), int(fell.sum())


def cauchy_share(pairs: torch.Tensor, scale: float) -> float:
    """The share r of :data:`SHARES` minimising the summed Cauchy price of the next step against
    r times the step, for (N, 2) ``pairs`` (at least one)."""
    step, after = pairs[:, :1], pairs[:, 1:]  # (N, 1)
    cost = cauchy((after - SHARES * step).T, scale)  # (shares,): summed over the N pairs
    return float(SHARES[cost.argmin()])


def least_squares_share(pairs: torch.Tensor) -> float:
    """sum(step x next) / sum(step^2) of (N, 2) ``pairs`` (at least one)."""
    return float((pairs[:, 0] * pairs[:, 1]).sum() / (pairs[:, 0] ** 2).sum())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=Path, required=True, help="training videos (physpred world videos; --masks for a perception that reads them)")
    parser.add_argument("--perception", type=Path, default=DEFAULT_PERCEPTION, help="perception YAML (default: the label-free recipe's)")
    parser.add_argument("--count", type=int, default=200, help="the first videos read (default 200)")
    parser.add_argument("--scales", default="0.02,0.06", help="comma-separated Cauchy scales, fractions of the side (default 0.02,0.06; the recipes price at 0.02)")
    parser.add_argument("--min-move", type=float, default=0.01, help="smallest step counted, fraction of the frame side (default 0.01)")
    parser.add_argument("--steady-size", type=float, default=None, help="count only steps whose slot's size changes by at most this share (ObjectPredictionModule(steady_targets)); default: every step")
    parser.add_argument("--frames", type=int, default=32, help="read frames per clip, two frames apart (default 32, the recipes')")
    parser.add_argument("--frame-size", type=int, default=64)
    args = parser.parse_args(argv)
    try:
        scales = [float(scale) for scale in args.scales.split(",")]
    except ValueError:
        scales = []
    if not scales or min(scales) <= 0:
        parser.error(f"--scales {args.scales}: give positive numbers separated by commas, e.g. 0.02,0.06")
    if args.steady_size is not None and args.steady_size <= 0:
        parser.error(f"--steady-size must be a share > 0, got {args.steady_size}")
    if args.frames < 3:
        parser.error(f"--frames must be >= 3 (a step and the next span three read frames), got {args.frames}")
    if not (args.videos / "manifest.jsonl").is_file():
        parser.error(f"--videos {args.videos}: no manifest.jsonl; make the videos with `physpred world videos --masks`")
    try:
        perception = build_part("perception", read_part_file("perception", args.perception), args.perception)
    except CheckpointError as err:
        parser.error(str(err))
    reads_masks = bool(getattr(perception, "reads_masks", False))
    clips = VideoClipDataset(args.videos, 1, args.frames - 1, 2, args.frame_size, masks=reads_masks, seed=0)
    axes = {name: FEATURES.index(name) for name in ("x", "y")}
    found: dict[str, list[torch.Tensor]] = {name: [] for name in axes}
    losses, falls = [0, 0], [0, 0]  # the flag as read, held
    with torch.no_grad():
        for index in range(min(args.count, len(clips))):
            clip = clips[index]  # a MaskedClip with masks, else the (T, 3, H, W) frames
            percepts = perception(clip.frames[None], clip.masks[None], clip.kinds[None]) if reads_masks else perception(clip[None])
            for name, axis in axes.items():
                found[name].append(step_pairs(percepts.features[0], percepts.kind[0], axis, -1.0, args.steady_size))
            for way, hold in enumerate((False, True)):
                lost, fell = support_losses(percepts.features[0], percepts.kind[0], args.min_move, hold)
                losses[way], falls[way] = losses[way] + lost, falls[way] + fell
    steadiness = "" if args.steady_size is None else f", steps whose size changes by at most {args.steady_size:g}"
    print(f"{args.perception}: the share of an object slot's step carried into the next, {args.videos} (first {args.count} videos{steadiness})")
    print("  axis  steps  " + "  ".join(f"Cauchy {scale:<6g}" for scale in scales) + "  least squares  stop next")
    small: dict[str, torch.Tensor] = {}
    for name, parts in found.items():
        every = torch.cat(parts)
        pairs = every[every[:, 0].abs() > args.min_move]
        small[name] = every[(every[:, 0].abs() > STILL) & (every[:, 0].abs() <= args.min_move)]
        if not len(pairs):
            print(f"  {name:<4}  {0:>5}  (none)")
            continue
        stop = float((pairs[:, 1].abs() < args.min_move / 2).float().mean())
        shares = "  ".join(f"{cauchy_share(pairs, scale):>13.2f}" for scale in scales)
        print(f"  {name:<4}  {len(pairs):>5}  {shares}  {least_squares_share(pairs):>13.2f}  {stop:>9.2f}")
    print(f"steps of at most --min-move ({args.min_move:g}) that are not still (jitter), share of all steps and least-squares share:")
    for name, parts in found.items():
        count = sum(len(part) for part in parts)
        jitter = small[name]
        carried = f"{least_squares_share(jitter):.2f}" if len(jitter) else "-"
        print(f"  {name:<4}  {len(jitter) / max(count, 1):.2f} of {count}  {carried}")
    for way, name in enumerate(("support (object slots resting on another, then not)", "held support (GatedSlotDynamics(support_hold))")):
        share = f" ({falls[way] / losses[way]:.2f})" if losses[way] else ""
        print(f"losses of {name}: {losses[way]}, followed by a step down within two read frames: {falls[way]}{share}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
