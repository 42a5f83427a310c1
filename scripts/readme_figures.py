"""Draw the README's two figures from a trained model: predictions and surprise curves.

    python scripts/readme_figures.py --ckpt runs/demo/model.ckpt --decoder runs/decoder/model.ckpt \
        --probes data/demo/probes_test --out docs/figures

writes ``OUT/predictions.png`` (context | true future | predicted future at the violation of the
first matched pair of ``--block``/``--event``) and ``OUT/surprise.png`` (surprise over time of one
probe block, possible against impossible). Representation-space models need ``--decoder``
(``physpred fit -c configs/decoder.yaml ...``) to show their predictions.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from physpred import viz
from physpred.data import ProbeDataset
from physpred.eval.surprise import window_surprise
from physpred.lit.decoder import DecoderModule
from physpred.models import EnergyModel, load_model
from physpred.viz.files import save_small_png


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ckpt", type=Path, required=True, help="model checkpoint (physpred fit)")
    parser.add_argument("--decoder", type=Path, help="DecoderModule checkpoint for that model")
    parser.add_argument(
        "--probes", type=Path, required=True, help="probe set (physpred world probes)"
    )
    parser.add_argument(
        "--block", default="O1", help="probe block of the surprise figure (default O1)"
    )
    parser.add_argument(
        "--pairs", type=int, default=1, help="matched pairs in the surprise figure (default 1)"
    )
    parser.add_argument(
        "--event", help="only pairs whose impossible movie has this event, e.g. vanish (default any)"
    )
    parser.add_argument("--out", type=Path, default=Path("docs/figures"), help="output folder")
    return parser


def _matched_pairs(probes: ProbeDataset, args: argparse.Namespace) -> list[tuple[str, str]]:
    """The block's (possible, impossible) pairs, of ``--event`` only when given."""
    events = {entry.video: entry.event for entry in probes.entries}
    pairs = [
        (possible, impossible)
        for possible, impossible in probes.pairs
        if possible.startswith(f"{args.block}/") and args.event in (None, events[impossible])
    ]
    if not pairs:
        raise SystemExit(
            f"{args.probes} has no pair in block {args.block} (event {args.event or 'any'}): "
            "pick another --block or --event"
        )
    return pairs


def predictions_figure(
    model: EnergyModel, decoder: DecoderModule | None, args: argparse.Namespace
) -> Path:
    """What the model predicts at the violation of the first matched pair.

    The window ends its context just before the first frame where the pair differs, so both
    movies share that context: the predicted future is the model's expectation, the true future
    row shows the possible movie.
    """
    probes = ProbeDataset(args.probes, frame_size=model.geometry.frame_size)
    possible_id, impossible_id = _matched_pairs(probes, args)[0]
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
        f"{possible_id} where it parts from {impossible_id} (frame {onset}): the model's expectation",
        fontsize=9,
    )
    return save_small_png(figure, args.out / "predictions.png")


def surprise_figure(model: EnergyModel, args: argparse.Namespace) -> Path:
    """Surprise of the block's first ``--pairs`` matched (possible, impossible) pairs (of
    ``--event`` only, when given).

    Matched pairs, not whole blocks: averaged over a spliced quadruplet, possible and impossible
    curves coincide except around the violation (their frames are the same), which hides it.
    """
    probes = ProbeDataset(args.probes, frame_size=model.geometry.frame_size)
    pairs = _matched_pairs(probes, args)[: args.pairs]
    index = {video: i for i, video in enumerate(probes.movies)}
    movies = {video: probes[index[video]] for pair in pairs for video in pair}
    curves = {
        video: window_surprise(model, movie.frames, model.geometry.frame_step, model.geometry.frame_step, 32, "infer")
        for video, movie in movies.items()
    }
    length = min(len(energies) for energies, _ in curves.values())
    possible_id, impossible_id = pairs[0]
    figure = viz.surprise_curve(
        curves[possible_id][1][:length],
        [curves[possible][0][:length] for possible, _ in pairs],
        [curves[impossible][0][:length] for _, impossible in pairs],
        violation_frames=viz.divergence_frame(
            movies[possible_id].frames, movies[impossible_id].frames
        ),
        thumbnails=movies[impossible_id].frames,
        title=f"block {args.block}: surprise of the model on {len(pairs)} matched pair(s)",
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
    print(predictions_figure(model, decoder, args))
    print(surprise_figure(model, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
