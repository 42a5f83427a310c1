"""Draw what an object model sees and expects around a violation, slots as outlines on the frames.

    python scripts/object_figure.py --ckpt runs/objects_masks/model.ckpt \
        --probes data/demo_masks/probes_test --event vanish --out docs/figures/objects_vanish.png

Takes the first pair of ``--block`` whose impossible movie shows ``--event`` and draws, for the
possible and the impossible movie, the read frames from just before the violation on: the slots
the model saw (green) and the ones it expected from the frames before (orange, dashed, as opaque
as the expected presence), with each frame's energy in its title.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from physpred.data import ProbeDataset
from physpred.models import load_model
from physpred.viz.files import save_small_png
from physpred.viz.slots import slot_strip

COLUMNS = 7


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", type=Path, required=True)
    parser.add_argument("--probes", type=Path, required=True)
    parser.add_argument("--block", default="O1")
    parser.add_argument("--event", default="vanish")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    model = load_model(args.ckpt)
    step = model.geometry.frame_step
    dataset = ProbeDataset(args.probes, frame_size=model.geometry.frame_size)
    entries = {e.video: e for e in dataset.entries}
    index = {e.video: i for i, e in enumerate(dataset.entries)}
    possible, impossible = next(
        (p, i) for p, i in dataset.pairs if entries[i].block == args.block and entries[i].event == args.event
    )
    first = entries[impossible].violation_frames[0] - 1  # 0-based
    rows = []
    for video in (possible, impossible):
        movie = dataset[index[video]]
        picked, percepts, rollout, energies = model.movie_rollout(movie.frames, movie.masks, movie.kinds, step)
        start = max(int(np.searchsorted(picked.numpy(), first)) - 1, 1)
        chosen = np.arange(start, min(start + COLUMNS, len(picked)))
        expected = rollout.prediction[0, chosen - 1].clone()
        expected[..., 0] = torch.sigmoid(expected[..., 0])
        label = f"{'possible' if movie.is_possible else 'impossible'} {video}"
        frames = movie.frames[picked[chosen]].permute(0, 2, 3, 1).numpy()
        titles = [f"frame {int(picked[c]) + 1}  E {float(energies[0, c - 1]):.1f}" for c in chosen]
        rows.append((label, titles, frames, percepts.features[0, chosen].numpy(), expected.numpy(), percepts.kind[0].numpy()))
    figure = slot_strip(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_small_png(figure, args.out)
    print(f"wrote {args.out} ({args.block} {args.event}: {possible} against {impossible})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
