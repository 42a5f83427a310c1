"""How long an object model keeps expecting a hidden thing that fails to come out.

    python benchmarks/persistence.py --ckpt RUN/model.ckpt --probes DIR [--perception FILE.yaml]

A vanish pair is won when the impossible movie, where the thing stays hidden, costs more than the
possible one, where it comes out; that needs a model that still expects the thing in the frames
where it should be seen. For each pair of ``--block``/``--event`` (O1 vanish by default), the
object slot seen after the violation in the possible movie and never in the impossible one is
the thing that should come out; this prints the presence the model expects for it in the
impossible movie (the probability its scoring compares with what is seen: next-frame, or
imagined with ``imagined_presence``) at the read frames where the possible movie sees it, the
first ``--frames`` of them, averaged over the pairs, and the share of pairs still above one half
at the last. The with-masks recipe keeps a thing that fails to show for four read frames; a
label-free dynamics that drops it at once loses the pair whatever the price of how it comes out.
It reads the dynamics' expectation alone, not the price of a misplaced thing
(``benchmarks/reemergence.py`` measures where the thing is expected).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import torch

from physpred.data import ProbeDataset
from physpred.models import CheckpointError, load_model, read_part_file, with_part


def expected_presence(seen_possible: torch.Tensor, seen_impossible: torch.Tensor, expected_impossible: torch.Tensor, kind: torch.Tensor, first: int, frames: int) -> torch.Tensor | None:
    """The impossible movie's expected presence of the thing that comes out in the possible one.

    Args:
        seen_possible: (S, K, F) percepts of the possible movie (feature 0 > 0: in view).
        seen_impossible: (S, K, F) percepts of the impossible movie.
        expected_impossible: (S - 1, K, F) what its read frames 1..S-1 were scored against
            (feature 0 a presence logit).
        kind: (K,) slot kinds (1: object).
        first: the first read frame at or after the violation.
        frames: how many of the possible movie's sightings to read.

    Returns:
        (frames,) probabilities at the read frames where the possible movie sees the thing (the
        first ``frames`` at or after ``first``), for the first object slot seen there in the
        possible movie and never in the impossible one; None when there is no such slot or it is
        seen fewer times.
    """
    shown = seen_possible[first:, :, 0] > 0
    hidden = ~(seen_impossible[first:, :, 0] > 0).any(dim=0)
    slot = next((k for k in range(len(kind)) if kind[k] == 1 and shown[:, k].any() and hidden[k]), None)
    if slot is None:
        return None
    sightings = (first + shown[:, slot].nonzero().flatten())[:frames]
    if len(sightings) < frames:
        return None
    return torch.sigmoid(expected_impossible[sightings - 1, slot, 0])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", type=Path, required=True, help="an object model (ObjectEnergyModel)")
    parser.add_argument("--probes", type=Path, required=True, help="a probe set: the --block/--event pairs")
    parser.add_argument("--block", default="O1")
    parser.add_argument("--event", default="vanish")
    parser.add_argument("--frames", type=int, default=4, help="sightings of the thing in the possible movie read (default 4)")
    parser.add_argument("--perception", type=Path, help="YAML of a perception to use in place of the model's")
    args = parser.parse_args(argv)
    if args.frames < 1:
        parser.error(f"--frames must be >= 1, got {args.frames}")
    model = load_model(args.ckpt).eval()
    if args.perception:
        try:
            model = with_part(model, "perception", read_part_file("perception", args.perception), args.perception).eval()
        except CheckpointError as err:
            parser.error(str(err))
    probes = ProbeDataset(args.probes, frame_size=model.geometry.frame_size)
    pairs = probes.event_pairs(args.block, args.event)
    found = []
    with torch.no_grad():
        for possible, impossible in pairs:
            entry = probes.entries[impossible]
            lawful, violated = probes[possible], probes[impossible]
            picked, seen, _, _ = model.movie_expectation(lawful.frames, lawful.masks, lawful.kinds, model.geometry.frame_step)
            _, seen_violated, expected, _ = model.movie_expectation(violated.frames, violated.masks, violated.kinds, model.geometry.frame_step)
            first = int((picked >= entry.violation_frames[0] - 1).nonzero()[0])
            presence = expected_presence(seen.features[0], seen_violated.features[0], expected[0], seen.kind[0], first, args.frames)
            if presence is not None:
                found.append(presence)
    if not found:
        print(f"no {args.block} {args.event} pair shows a thing coming out {args.frames} read frames: nothing to measure")
        return 1
    presence = torch.stack(found)
    print(f"{len(found)} of {len(pairs)} {args.block} {args.event} pairs; expected presence in the impossible movie where the possible one sees the thing:")
    print("  read frame  " + "  ".join(f"{t + 1:>4d}" for t in range(args.frames)))
    print("  mean        " + "  ".join(f"{p:.2f}" for p in presence.mean(dim=0).tolist()))
    print(f"  pairs still above 0.5 at the last: {(presence[:, -1] > 0.5).float().mean():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
