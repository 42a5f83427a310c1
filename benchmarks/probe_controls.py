"""Copy-last-frame control on generated probes: pairwise accuracy per block, which must be near 0.5.

A predictor that repeats the last context frame knows no physics; if it ranks the impossible
movie of a pair above the possible one more (or less) often than chance, the probes leak their
answer through the amount of motion (README, "Read every result against the controls").

Quadruplets are made in memory exactly as ``physpred world probes`` makes them (same seeds),
rendered at ``--size`` and downscaled to ``--frame-size`` as the probe evaluator reads them. A
movie's surprise is the mean copy-last energy over sliding windows (context 8 frames, frame step
2, 2 future frames, stride 2 by default). Pairs are the ``pair`` key of status.json, and also
what the probe evaluator finds on sets without that key: the longest identical prefix
(:func:`physpred.data.pairs.match_pairs`, no tie-break); both accuracies are printed.

Run: `.venv/bin/python benchmarks/probe_controls.py [--scenes 20]`. One line per block, the
worst deviation from 0.5 (over both pairings) last (target: every block within 0.5 +- 0.15).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from physpred.data.pairs import match_pairs, thumbnails
from physpred.data.transforms import resize_center_crop
from physpred.eval.metrics import pairwise_accuracy
from physpred.eval.surprise import window_surprise
from physpred.models import CopyLastPredictor
from physpred.types import ClipGeometry
from physpred.world.generate import GRAVITY, derive_seed
from physpred.world.probes import BLOCKS, Setting


def movie_surprise(
    scorer: CopyLastPredictor, video: torch.Tensor, frame_step: int, stride: int
) -> float:
    """Mean copy-last energy over the sliding windows of one (T, 3, H, W) uint8 movie."""
    energies, _ = window_surprise(scorer, video, frame_step, stride, 64, "infer")
    return float(energies.mean())


def block_accuracy(
    block: str, setting: Setting, scorer: CopyLastPredictor, args: argparse.Namespace
) -> tuple[float, float]:
    """Copy-last pairwise accuracy over the first ``args.scenes`` quadruplets of ``block``,
    with the pairs of the ``pair`` key and with those of the longest-prefix rule."""
    scores: dict[str, float] = {}
    by_key: list[tuple[str, str]] = []
    by_prefix: list[tuple[str, str]] = []
    for index in range(args.scenes):
        rng = np.random.default_rng(derive_seed(args.seed, f"probe/{block}", index))
        possible: dict[str, torch.Tensor] = {}
        impossible: dict[str, torch.Tensor] = {}
        for clip in BLOCKS[block](setting, rng):
            name = f"{index}/{clip.pair}/{clip.is_possible}"
            video = torch.from_numpy(clip.frames).permute(0, 3, 1, 2).contiguous()  # (T, 3, H, W)
            video = resize_center_crop(video, args.frame_size)
            scores[name] = movie_surprise(scorer, video, args.frame_step, args.stride)
            (possible if clip.is_possible else impossible)[name] = thumbnails(video)
        by_key += [(f"{index}/{p}/True", f"{index}/{p}/False") for p in (1, 2)]
        by_prefix += match_pairs(possible, impossible)
    return pairwise_accuracy(scores, by_key), pairwise_accuracy(scores, by_prefix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=20, help="quadruplets per block")
    parser.add_argument("--blocks", default=",".join(BLOCKS), help="comma-separated blocks")
    parser.add_argument("--seed", type=int, default=1, help="root seed of `physpred world probes`")
    parser.add_argument("--size", type=int, default=128, help="rendered frame size")
    parser.add_argument("--frame-size", type=int, default=64, help="frame size the control sees")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--context", type=int, default=8)
    parser.add_argument("--future", type=int, default=2)
    parser.add_argument("--frame-step", type=int, default=2)
    parser.add_argument("--stride", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    setting = Setting(args.frames, args.size, 15, GRAVITY)
    scorer = CopyLastPredictor(geometry=ClipGeometry(args.context, args.future, args.frame_step, args.frame_size))
    worst = 0.0
    for block in args.blocks.split(","):
        key, prefix = block_accuracy(block, setting, scorer, args)
        worst = max(worst, abs(key - 0.5), abs(prefix - 0.5))
        print(
            f"{block} copy_last_pairwise_acc pair_key={key:.3f} prefix_rule={prefix:.3f} "
            f"pairs={2 * args.scenes}"
        )
    print(f"worst_deviation_from_0.5={worst:.3f}")


if __name__ == "__main__":
    main()
