"""Draw what object models see and expect around a violation, slots as outlines on the frames.

    python scripts/object_figure.py \
        --ckpt runs/objects_masks/model.ckpt --ckpt runs/objects_foreground/model.ckpt \
        --probes data/demo/probes_test --event vanish --out docs/figures/objects_vanish.png

Takes the first pair of ``--block`` whose impossible movie shows ``--event`` and draws, for each
checkpoint (one pair of rows per model, labelled with its track and run folder), the possible and
the impossible movie's read frames from just before the violation on: the slots the model saw
(green) and the ones it scored each frame against (orange, dashed, as opaque as the expected
presence: at the model's horizon, where it imagined the thing from that many read frames before),
with each frame's energy in its title.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from physpred.data import ProbeDataset
from physpred.models import load_model
from physpred.viz.files import save_small_png
from physpred.viz.slots import expectation_rows, slot_strip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", type=Path, action="append", required=True, help="an object model; repeat for several")
    parser.add_argument("--probes", type=Path, required=True)
    parser.add_argument("--block", default="O1")
    parser.add_argument("--event", default="vanish")
    parser.add_argument("--columns", type=int, default=7, help="read frames per row")
    parser.add_argument("--zoom", type=float, default=None, help="show this fraction of the frame side around the slots")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    groups, pair = [], None
    for ckpt in args.ckpt:
        model = load_model(ckpt)
        dataset = ProbeDataset(args.probes, frame_size=model.geometry.frame_size)
        entries = {e.video: e for e in dataset.entries}
        index = {e.video: i for i, e in enumerate(dataset.entries)}
        pair = next(
            ((p, i) for p, i in dataset.pairs if entries[i].block == args.block and entries[i].event == args.event), None
        )
        if pair is None:
            parser.error(f"{args.probes}: no pair of block {args.block} with event {args.event!r}; pick another --block/--event")
        first = entries[pair[1]].violation_frames[0] - 1  # 0-based
        movies = [dataset[index[video]] for video in pair]
        groups.append(expectation_rows(model, ckpt.parent.name, movies, first, args.columns))
    title = f"{args.probes.name}, block {args.block}, event {args.event}: {pair[0]} (possible) against {pair[1]} (impossible)"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_small_png(slot_strip(groups, title, args.zoom), args.out)
    print(f"wrote {args.out} ({title})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
