"""Draw the README's two figures from a trained model: predictions and surprise curves.

    python scripts/readme_figures.py --ckpt runs/pixel/model.ckpt --probes data/demo/probes_test \
        --out docs/figures [--decoder runs/decoder/model.ckpt]

writes ``OUT/predictions.png``: the window whose context ends just before the violation of the
first ``--strip_event`` pair of ``--block``; the possible movie's last context frames and true
future, the model's prediction and its error under them. And ``OUT/surprise.png``: the surprise
of the block's first ``--pairs`` matched pairs (all by default, of ``--event`` only when given),
each pair aligned on its own violation (up to the last window that holds it), one thin line per
movie and the means bold, with the first of those pairs as thumbnails; its title counts the pairs
whose impossible movie has the higher mean surprise over its windows (``pairwise_acc_mean``, with
windows every frame). Both titles name the model, its training steps and the
probe set. Representation-space models need ``--decoder`` (``physpred fit -c
configs/decoder.yaml ...``) to show their predictions.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from physpred import viz
from physpred.data import ProbeDataset
from physpred.eval.metrics import pairwise_accuracy
from physpred.eval.surprise import window_surprise
from physpred.lit.decoder import DecoderModule
from physpred.models import EnergyModel, load_model
from physpred.models.checkpoint import read_checkpoint
from physpred.viz.files import save_small_png

THUMBNAIL_OFFSETS = (-4, 0, 4, 8, 12, 16)  # source frames from the violation


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ckpt", type=Path, required=True, help="model checkpoint (physpred fit)")
    parser.add_argument("--decoder", type=Path, help="DecoderModule checkpoint for that model")
    parser.add_argument(
        "--probes", type=Path, required=True, help="probe set (physpred world probes)"
    )
    parser.add_argument("--block", default="O1", help="probe block of both figures (default O1)")
    parser.add_argument(
        "--pairs", type=int, default=0,
        help="the block's first N matched pairs in the surprise figure (default 0: all of them)",
    )  # fmt: skip
    parser.add_argument(
        "--event", help="surprise figure: only pairs whose impossible movie has this event (default any)"
    )
    parser.add_argument(
        "--strip_event", default="vanish",
        help="predictions figure: the first pair of this event (default vanish: the object should come out)",
    )  # fmt: skip
    parser.add_argument(
        "--name", help="the model's name in the titles (default: the checkpoint's folder name)"
    )
    parser.add_argument("--out", type=Path, default=Path("docs/figures"), help="output folder")
    return parser


def _matched_pairs(probes: ProbeDataset, block: str, event: str | None, source: Path) -> list[tuple[str, str]]:
    """The block's (possible, impossible) pairs in the probe set's order, of ``event`` only when given."""
    events = {entry.video: entry.event for entry in probes.entries}
    pairs = [
        (possible, impossible)
        for possible, impossible in probes.pairs
        if possible.startswith(f"{block}/") and event in (None, events[impossible])
    ]
    if not pairs:
        raise SystemExit(
            f"{source} has no pair in block {block} (event {event or 'any'}): "
            "pick another --block or --event/--strip_event"
        )
    return pairs


def _model_name(args: argparse.Namespace) -> str:
    """``NAME, N steps``: which model drew the figure."""
    steps = read_checkpoint(args.ckpt).get("global_step")
    name = args.name or args.ckpt.resolve().parent.name
    return name if steps is None else f"{name}, {steps} steps"


def predictions_figure(
    model: EnergyModel, decoder: DecoderModule | None, args: argparse.Namespace
) -> Path:
    """What the model predicts at the violation of the block's first ``--strip_event`` pair.

    The window ends its context just before the first frame where the pair differs, so both
    movies share that context: the predicted future is the model's expectation, the truth row
    shows the possible movie.
    """
    probes = ProbeDataset(args.probes, frame_size=model.geometry.frame_size)
    possible_id, impossible_id = _matched_pairs(probes, args.block, args.strip_event, args.probes)[0]
    index = {video: i for i, video in enumerate(probes.movies)}
    possible, impossible = (probes[index[v]].frames for v in (possible_id, impossible_id))
    onset = viz.divergence_frame(possible, impossible)
    g = model.geometry
    step, c, m = g.frame_step, g.context_frames, g.future_frames
    context_frames = [onset - step * (c - i) for i in range(c)]
    future_frames = [onset + step * i for i in range(m)]
    if context_frames[0] < 0 or future_frames[-1] >= len(possible):
        raise SystemExit(f"{possible_id}: the violation at frame {onset} leaves no room for a window")
    context = possible[context_frames][None]
    predicted = viz.predict_frames(model, context, decoder=decoder)
    if predicted is None:
        raise SystemExit(
            f"{args.ckpt} predicts representations: pass --decoder (configs/decoder.yaml)"
        )
    figure = viz.prediction_strip(context[0], possible[future_frames], predicted[0])
    figure.suptitle(
        f"{_model_name(args)}:\nwhat it expects in {possible_id} ({args.probes.name}), where its\n"
        f"{args.strip_event} twin {impossible_id} parts: t+1 = frame {onset}, {step} frames apart",
        fontsize=9,
    )
    return save_small_png(figure, args.out / "predictions.png")


def surprise_figure(model: EnergyModel, args: argparse.Namespace) -> Path:
    """Surprise of the block's first ``--pairs`` matched pairs (all when 0; of ``--event`` only,
    when given), each aligned on its own violation.

    Matched pairs, not whole blocks: averaged over a spliced quadruplet, possible and impossible
    curves coincide except around the violation (their frames are the same), which hides it.
    Windows start every frame, so every pair has a window at each offset from its violation.
    """
    probes = ProbeDataset(args.probes, frame_size=model.geometry.frame_size)
    pairs = _matched_pairs(probes, args.block, args.event, args.probes)
    pairs = pairs[: args.pairs] if args.pairs > 0 else pairs
    index = {video: i for i, video in enumerate(probes.movies)}
    g = model.geometry
    step, future = g.frame_step, g.future_frames
    span = step * (g.context_frames + future - 1)  # source frames from a window's first to last frame
    events = {entry.video: entry.event for entry in probes.entries}
    curves, examples, scores = [], [], {}
    for possible_id, impossible_id in pairs:
        possible, impossible = (probes[index[video]].frames for video in (possible_id, impossible_id))
        onset = viz.divergence_frame(possible, impossible)
        (energies_p, starts), (energies_i, _) = (
            window_surprise(model, movie, step, 1, 32, "infer") for movie in (possible, impossible)
        )
        scores[possible_id], scores[impossible_id] = float(energies_p.mean()), float(energies_i.mean())
        offsets = starts.numpy() + step * (future - 1) - onset
        seen = offsets <= span  # windows that still hold the violation's first frame
        curves.append((offsets[seen], energies_p.numpy()[seen], energies_i.numpy()[seen]))
        if not examples:
            shown = np.clip(onset + np.array(THUMBNAIL_OFFSETS), 0, len(possible) - 1)
            examples = [
                (f"possible\n{possible_id}", possible[shown]),
                (f"impossible\n{impossible_id}\n({events[impossible_id]})", impossible[shown]),
            ]
    which = f"{len(pairs)} matched pairs" + ("" if args.pairs > 0 else " (all)")
    wins = round(pairwise_accuracy(scores, pairs) * len(pairs))
    figure = viz.aligned_surprise_curve(
        curves,
        examples,
        THUMBNAIL_OFFSETS,
        title=f"{_model_name(args)}: surprise on {which} of block {args.block}"
        f"{'' if args.event is None else f' ({args.event})'} of {args.probes.name}\n"
        f"the impossible movie is the more surprising (mean over its windows) in {wins} of {len(pairs)}",
    )
    return save_small_png(figure, args.out / "surprise.png")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    model = load_model(args.ckpt)
    decoder = (
        None
        if args.decoder is None
        else DecoderModule.load_from_checkpoint(args.decoder, map_location="cpu").eval()
    )
    args.out.mkdir(parents=True, exist_ok=True)
    print(predictions_figure(model, decoder, args))
    print(surprise_figure(model, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
