"""``physpred probe``: score a model's surprise on violation-of-expectation probes.

    physpred probe --ckpt_path runs/demo/model.ckpt --data data/demo/probes_test --out runs/demo/probe
    physpred probe --baseline copy-last --data DIR --out OUT
    physpred probe --scorer vjepa2 --weights DIR --data DIR --out OUT   # a pretrained model
    physpred probe compare OUT [OUT ...] [--metric M] [--format text|md|csv]
    physpred probe -c probe.yaml           # options from YAML; --print_config writes one

torch and Lightning are imported only after the arguments are parsed, so that ``--help`` and
argument errors answer at once. Errors a user can cause print one line naming the file and
exit with status 2.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jsonargparse import ArgumentParser, Namespace
from jsonargparse.typing import NonNegativeInt, PositiveInt

from physpred.options import UsageError, new_parser, parse
from physpred.usage import debug_enabled, unwritable_reason

# The clips of copy-last without a checkpoint: configs/demo.yaml's (a test keeps them equal).
COPY_LAST_DEFAULTS = {"context_frames": 8, "future_frames": 2, "frame_step": 4, "frame_size": 64}
# V-JEPA's intuitive-physics protocol: every 2nd frame, a window every 2 sampled frames.
PROTOCOL = {"frame_step": 2, "stride_in_steps": 2, "context": [2, 4, 6, 8, 10]}


class ProbeError(Exception):
    """A problem the user can fix; its message names the file or option."""


# The old spellings, kept for one release (physpred.options rewrites them with a note;
# kebab-case spellings of the options below are rewritten too).
RENAMED = {"--ckpt": "--ckpt_path", "--context": "--context_frames"}


def build_parser() -> ArgumentParser:
    """The ``physpred probe`` argument parser (``-c FILE``, ``--print_config``)."""
    parser = new_parser(
        "physpred probe",
        "Score surprise on probe movies (IntPhys layout) and report how often the "
        "impossible movie is the more surprising one. "
        "`physpred probe compare OUT...` prints one table of several runs.",
    )
    parser.add_argument(
        "--ckpt_path",
        type=Path,
        help="checkpoint from `physpred fit` (optional with --baseline copy-last)",
    )
    parser.add_argument(
        "--data", type=Path, required=True, help="probe root: IntPhys layout or CSV manifest"
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--scorer",
        choices=["vjepa2", "videomae"],
        help="score a pretrained transformers model from --weights with V-JEPA's protocol "
        "(defaults --frame_step 2 --stride 4 --context_frames 2 4 6 8 10) instead of a checkpoint",
    )
    parser.add_argument(
        "--weights",
        type=Path,
        help="local folder of the --scorer model (config.json, model.safetensors)",
    )
    parser.add_argument(
        "--baseline",
        choices=["untrained", "copy-last"],
        help="score a control instead of the trained model",
    )
    parser.add_argument(
        "--frame_step",
        type=PositiveInt,
        help="source frames between window frames (default: the checkpoint's; "
        f"{COPY_LAST_DEFAULTS['frame_step']} for copy-last without --ckpt_path)",
    )
    parser.add_argument(
        "--context_frames",
        type=PositiveInt,
        nargs="+",
        help="context length(s) C; several: minimum over them (default: the model's; "
        f"{COPY_LAST_DEFAULTS['context_frames']} for copy-last without --ckpt_path)",
    )
    parser.add_argument(
        "--stride",
        type=PositiveInt,
        help="source frames between window starts (default: the frame step)",
    )
    parser.add_argument(
        "--batch_size", type=PositiveInt, default=32, help="windows per forward pass"
    )
    parser.add_argument(
        "--latent", choices=["infer", "prior"], default="infer", help="infer z or use the prior"
    )
    parser.add_argument(
        "--frame_size",
        type=PositiveInt,
        help="frame side for copy-last without --ckpt_path "
        f"(default: {COPY_LAST_DEFAULTS['frame_size']})",
    )
    parser.add_argument(
        "--future_frames",
        type=PositiveInt,
        help="future frames M for copy-last without --ckpt_path "
        f"(default: {COPY_LAST_DEFAULTS['future_frames']})",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the untrained network and the bootstrap"
    )
    parser.add_argument(
        "--bootstrap", type=PositiveInt, default=1000, help="bootstrap resamples per interval"
    )
    parser.add_argument(
        "--num_workers", type=NonNegativeInt, default=0, help="data loader workers"
    )
    parser.add_argument("--accelerator", default="auto", help="Lightning accelerator")
    parser.add_argument("--devices", default="auto", help="Lightning devices")
    parser.add_argument(
        "--skip_incomplete",
        action="store_true",
        help="leave out scenes that are not full quadruplets (2 possible, 2 impossible movies, "
        "all with frames) and list them in the table and report.json; without it they stop "
        "the run",
    )
    return parser


def compare_parser() -> ArgumentParser:
    """The ``physpred probe compare`` argument parser."""
    parser = new_parser(
        "physpred probe compare",
        "One table of several `physpred probe` runs: a metric per block, a row per run.",
    )
    parser.add_argument("runs", type=Path, nargs="+", help="output folders of `physpred probe`")
    parser.add_argument(
        "--metric", default="pairwise_acc_mean", help="a per-block metric of report.json"
    )
    parser.add_argument(
        "--format",
        choices=["text", "md", "csv"],
        default="text",
        help="text (with the per-event expectation rates), md or csv (the metric table alone)",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """Run ``physpred probe``; returns the exit status."""
    argv = list(argv)
    try:
        if argv[:1] == ["compare"]:
            return _compare(parse(compare_parser(), argv[1:]))
        args = parse(build_parser(), argv, RENAMED)
        _check_args(args)
        return _probe(args)
    except SystemExit as exit_:  # --help, --print_config
        return int(exit_.code or 0)
    except UsageError as err:
        print(_one_line(err), file=sys.stderr)
        return 2
    except (ProbeError, FileNotFoundError, ValueError) as err:
        if debug_enabled():
            raise
        print(f"physpred probe: {_one_line(err)}", file=sys.stderr)
        return 2


def _one_line(err: BaseException) -> str:
    """The error's message on one line (its type's name when it has no message)."""
    lines = str(err).strip().splitlines() or [type(err).__name__]
    return lines[0] + (
        " (" + "; ".join(line.strip() for line in lines[1:]) + ")" if len(lines) > 1 else ""
    )


def _check_args(args: Namespace) -> None:
    if args.scorer is not None or args.weights is not None:
        _check_scorer_args(args)
    elif args.ckpt_path is None and args.baseline != "copy-last":
        raise ProbeError(
            "--ckpt_path is required (only --baseline copy-last runs without a checkpoint)"
        )
    if (args.ckpt_path is not None or args.scorer is not None) and (
        args.frame_size or args.future_frames
    ):
        raise ProbeError(
            "--frame_size and --future_frames apply only to copy-last without --ckpt_path or "
            "--scorer (a model brings its own)"
        )
    if not args.data.exists():
        raise ProbeError(
            f"probe data {args.data} not found: generate it with `physpred world probes --out {args.data}` or fix --data"
        )
    reason = unwritable_reason(args.out)
    if reason is not None:  # checked now: finding out after hours of scoring loses them
        raise ProbeError(f"--out {args.out}: {reason}; choose a folder you can write to")


def _check_scorer_args(args: Namespace) -> None:
    if args.scorer is None:
        raise ProbeError("--weights needs --scorer vjepa2 or --scorer videomae")
    if args.ckpt_path is not None:
        raise ProbeError("--ckpt_path and --scorer exclude each other: pass one model")
    if args.baseline == "copy-last":
        raise ProbeError(
            "--baseline copy-last does not take --scorer: run it without --scorer and --weights"
        )
    if args.weights is None or not args.weights.is_dir():
        raise ProbeError(
            f"--scorer {args.scorer} needs --weights DIR, a local model folder "
            f"({args.weights} not found): copy the downloaded folder there"
        )


def _compare(args: Namespace) -> int:
    from physpred.eval.compare import metric_rows, metric_table
    from physpred.eval.report import format_comparison, load_report

    reports = {str(folder): load_report(folder) for folder in args.runs}
    metric_rows(reports, args.metric)  # an unknown metric stops here, naming the known ones
    if args.format == "text":
        print(format_comparison(reports, args.metric))
    else:
        print(metric_table(reports, args.metric, args.format))
    return 0


def _load_scorer(args: Namespace) -> Any:
    """The trained model, an untrained copy of its configuration, or copy-last."""
    if args.scorer is not None:
        from physpred.eval.hf import load_scorer

        return load_scorer(
            args.scorer, args.weights, untrained=args.baseline == "untrained", seed=args.seed
        )
    from physpred.models import CopyLastPredictor, load_model, untrained_like
    from physpred.types import ClipGeometry

    if args.baseline == "untrained":
        return untrained_like(args.ckpt_path, seed=args.seed)
    trained = load_model(args.ckpt_path) if args.ckpt_path is not None else None
    if args.baseline != "copy-last":
        return trained
    if trained is not None:
        return CopyLastPredictor(geometry=trained.geometry)
    given = {
        "context_frames": max(args.context_frames) if args.context_frames else None,
        "future_frames": args.future_frames,
        "frame_step": args.frame_step,
        "frame_size": args.frame_size,
    }
    chosen = {k: COPY_LAST_DEFAULTS[k] if v is None else v for k, v in given.items()}
    return CopyLastPredictor(geometry=ClipGeometry(**chosen))


def _probe(args: Namespace) -> int:
    from physpred.data import IncompleteSceneError, ProbeDataModule, VideoReadError
    from physpred.eval.runner import SurpriseRunner, make_trainer, score_movies

    logging.getLogger("pytorch_lightning.utilities.rank_zero").setLevel(logging.WARNING)
    scorer = _load_scorer(args)
    settings = _geometry(args, scorer)
    frame_step, stride = settings["frame_step"], settings["stride"]
    # a pretrained scorer resizes the stored frames itself, as the published code does
    frame_size = settings["frame_size"] if args.scorer is None else None
    incomplete = "skip" if args.skip_incomplete else "raise"
    datamodule = ProbeDataModule(str(args.data), frame_size, args.num_workers, incomplete)
    try:
        num_movies = len(datamodule.dataset)  # finds the movies: a wrong layout fails here
    except IncompleteSceneError as err:
        raise ProbeError(
            f"{err}: restore its movies, or pass --skip_incomplete to leave such scenes out"
        ) from err
    # A trained model with a latent also scores every window at z = 0, to measure what z
    # explains (not the controls: an untrained latent is not worth a third pass per window).
    prior_too = (
        args.baseline is None
        and args.latent == "infer"
        and getattr(getattr(scorer, "latent", None), "dim", 0) > 0
    )
    runner = SurpriseRunner(
        scorer=scorer,
        frame_step=frame_step,
        stride=stride,
        batch_size=args.batch_size,
        z=args.latent,
        contexts=settings["context"],
        prior_too=prior_too,
    )
    trainer = make_trainer(args.accelerator, args.devices)
    try:
        movies = score_movies(runner, datamodule, trainer)
        pairs = datamodule.dataset.pairs if trainer.is_global_zero else []
        entries = datamodule.dataset.entries
        events = {e.video: e.event for e in entries if e.event is not None}
        violations = {e.video: e.violation_frames for e in entries if e.violation_frames}
    except VideoReadError as err:
        raise ProbeError(f"{_one_line(err)}: fix or remove that movie") from err
    if not trainer.is_global_zero:
        return 0
    settings.update(
        batch_size=args.batch_size,
        latent=args.latent if args.scorer is None else None,
        seed=args.seed,
        bootstrap=args.bootstrap,
        num_movies=num_movies,
    )
    _write_outputs(args, settings, movies, pairs, events, violations, datamodule.dataset.left_out)
    return 0


def _geometry(args: Namespace, scorer: Any) -> dict[str, Any]:
    """Frame size, frame step, stride, context lengths and window of the run."""
    if args.scorer is None:
        geometry = scorer.geometry
        frame_step = args.frame_step or geometry.frame_step
        return {
            "frame_size": geometry.frame_size,
            "frame_step": frame_step,
            "stride": args.stride or frame_step,
            "context": list(args.context_frames or [geometry.context_frames]),
            "future_frames": geometry.future_frames,
        }
    from physpred.eval.windows import check_contexts

    frame_step = args.frame_step or PROTOCOL["frame_step"]
    context = list(args.context_frames or PROTOCOL["context"])
    check_contexts(context, scorer.window_frames, scorer.tubelet_size)
    return {
        "frame_size": scorer.input_size,
        "frame_step": frame_step,
        "stride": args.stride or PROTOCOL["stride_in_steps"] * frame_step,
        "context": context,
        # the frames every context length predicts, from each window's future_start on
        "future_frames": scorer.window_frames - max(context),
        "window_frames": scorer.window_frames,
    }


def _write_outputs(
    args: Namespace,
    settings: dict[str, Any],
    movies: Sequence[Any],
    pairs: Sequence[tuple[str, str]],
    events: dict[str, str],
    violations: dict[str, tuple[int, ...]],
    left_out: dict[str, str],
) -> None:
    from physpred.eval.report import (
        build_report,
        format_table,
        plot_block,
        write_report,
        write_scores,
    )

    report = {
        "ckpt": None if args.ckpt_path is None else str(args.ckpt_path),
        "baseline": args.baseline,
        "scorer": args.scorer,
        "weights": None if args.weights is None else str(args.weights),
        "data": str(args.data),
        "settings": settings,
        **build_report(
            movies,
            pairs,
            args.bootstrap,
            args.seed,
            events,
            violations,
            settings["frame_step"],
            settings["future_frames"],
        ),
        "left_out": {"n_scenes": len(left_out), "scenes": left_out},
    }
    write_scores(args.out / "scores.csv", movies)
    write_report(args.out / "report.json", report)
    for block in report["blocks"]:
        plot_block(
            args.out / f"surprise_{block}.png",
            block,
            [m for m in movies if m.block == block],
            pairs,
            events,
            violations,
            settings["frame_step"],
            settings["future_frames"],
            settings["stride"],
        )
    name = " ".join(filter(None, [args.scorer, args.baseline])) or "model"
    skipped = "".join(f"\nleft out {scene}: {reason}" for scene, reason in left_out.items())
    print(
        f"{name} on {args.data}\n{format_table(report)}{skipped}\nwrote {args.out}/{{scores.csv,report.json,surprise_*.png}}"
    )
