"""Which terms of an object model's energy decide its pairs: presence, place, shape or colour.

    python benchmarks/pair_terms.py --ckpt RUN/model.ckpt --probes DIR [--block O1] [--event vanish] [--scoring FILE] [--perception FILE]

A pair is won when the impossible movie costs more than the possible one, summed over the frames
the model scores (``ObjectEnergyModel.movie_energies``). For each pair of ``--block``/``--event``
this prints the impossible movie's energy minus the possible one's (positive: won), split into
the presence term and the place, shape (extent and fill) and colour terms, over the object slots
and over the others (screens, walls), then the mean split over the lost pairs and over the won
ones. In an O1 vanish pair the impossible movie pays presence for the thing that fails to come
out, if the model still expects it (``benchmarks/persistence.py``); the possible movie pays
place, shape and colour for how the thing comes out. ``--scoring`` scores with other scoring
options (``physpred probe --scoring``), e.g. ``configs/scoring/clip_to_view.yaml``;
``--perception`` on slots found another way (``physpred probe --perception``), e.g. a label-free
model on the world's masks' slots (``configs/perception/masks_recipe.yaml``). The
appearance terms are reported unbounded: with ``SlotEnergy(absence_bound)`` they may add up to
more than the energy.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import torch
import yaml

from physpred.data import ProbeDataset
from physpred.models import load_model
from physpred.models.checkpoint import read_part_file, with_part, with_scoring
from physpred.models.slots.energy import SlotEnergy

TERMS = ("presence", "place", "shape", "colour")


def frame_terms(energy: SlotEnergy, expected: torch.Tensor, seen: torch.Tensor, kind: torch.Tensor, scales: tuple[float, ...] | None) -> torch.Tensor:
    """(1, S, K, F) expectation (feature 0 a presence logit), (1, S, K, F) percepts, (1, K) kind
    -> (S, K, 4): the weighted :data:`TERMS` of each slot in each scored frame."""
    presence = energy.presence(expected, seen, kind)[..., None]
    return torch.cat([presence, energy.appearance_terms(expected, seen, kind, scales)], dim=-1)[0]


def pair_split(possible: torch.Tensor, possible_kind: torch.Tensor, impossible: torch.Tensor, impossible_kind: torch.Tensor) -> torch.Tensor:
    """Impossible minus possible, summed over frames: (S, K, 4) terms and (K,) kinds of each movie
    -> (2, 4): the :data:`TERMS` over the object slots (kind 1), then over the other slots."""

    def split(terms: torch.Tensor, kind: torch.Tensor) -> torch.Tensor:
        per_slot = terms.sum(dim=0)  # (K, 4)
        objects = kind == 1
        return torch.stack([per_slot[objects].sum(dim=0), per_slot[~objects].sum(dim=0)])

    return split(impossible, impossible_kind) - split(possible, possible_kind)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", type=Path, required=True, help="an object model (ObjectEnergyModel)")
    parser.add_argument("--probes", type=Path, required=True, help="a probe set: its --block/--event pairs")
    parser.add_argument("--block", default="O1")
    parser.add_argument("--event", default="vanish")
    parser.add_argument("--scoring", type=Path, help="YAML of scoring options to score with (physpred probe --scoring)")
    parser.add_argument("--perception", type=Path, help="YAML of a perception to see the probes with (physpred probe --perception)")
    args = parser.parse_args(argv)
    model = load_model(args.ckpt)
    if not hasattr(model, "movie_expectation"):
        parser.error(f"{args.ckpt} holds no object model (ObjectEnergyModel): nothing to split")
    if args.scoring:
        model = with_scoring(model, yaml.safe_load(args.scoring.read_text()), args.scoring)
    if args.perception:
        model = with_part(model, "perception", read_part_file("perception", args.perception), args.perception)
    model.eval()
    probes = ProbeDataset(args.probes, frame_size=model.geometry.frame_size)
    first = model.geometry.context_frames - 1  # the frames movie_energies scores
    splits, won = [], []
    print(f"impossible minus possible, summed over the scored frames (objects | other slots): {', '.join(TERMS)}")
    with torch.no_grad():
        for possible, impossible in probes.event_pairs(args.block, args.event):
            movies = []
            for index in (possible, impossible):
                item = probes[index]
                _, seen, expected, energies = model.movie_expectation(item.frames, item.masks, item.kinds, model.geometry.frame_step)
                terms = frame_terms(model.energy, expected, seen.features[:, 1:], seen.kind, model.scoring_scales)
                movies.append((terms[first:], seen.kind[0], float(energies[0, first:].sum())))
            (possible_terms, possible_kind, possible_energy), (impossible_terms, impossible_kind, impossible_energy) = movies
            split = pair_split(possible_terms, possible_kind, impossible_terms, impossible_kind)
            margin = impossible_energy - possible_energy
            splits.append(split)
            won.append(margin > 0)
            cells = " | ".join(" ".join(f"{v:+7.2f}" for v in row.tolist()) for row in split)
            print(f"  {probes.movies[impossible]:<14} {'won ' if margin > 0 else 'lost'} {margin:+8.2f}   {cells}")
    if not splits:
        print(f"no {args.block} {args.event} pair in {args.probes}")
        return 1
    stacked, outcome = torch.stack(splits), torch.tensor(won)
    for name, chosen in (("lost", ~outcome), ("won", outcome)):
        if chosen.any():
            cells = " | ".join(" ".join(f"{v:+7.2f}" for v in row.tolist()) for row in stacked[chosen].mean(dim=0))
            print(f"  mean of {int(chosen.sum())} {name:<4}            {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
