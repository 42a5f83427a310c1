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
import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from jsonargparse import ArgumentParser, Namespace
from jsonargparse.typing import NonNegativeInt, PositiveInt

from physpred.files import FolderBusyError, confined, output_lock
from physpred.options import UsageError, new_parser, parse
from physpred.usage import debug_enabled, unwritable_reason

SWAPPABLE = ("perception", "energy")
"""The parts ``--perception`` and ``--energy`` replace (the keys of ``physpred.models.checkpoint.SWAPPABLE``,
spelled out here: ``physpred --help`` imports no torch)."""
OVERRIDES = (*SWAPPABLE, "scoring")
"""What ``--perception``, ``--energy`` and ``--scoring`` replace in an object model's checkpoint."""

# The clips of copy-last without a checkpoint: configs/demo.yaml's (a test keeps them equal).
COPY_LAST_DEFAULTS = {"context_frames": 8, "future_frames": 2, "frame_step": 4, "frame_size": 64}
# the probe layouts (physpred.data.probe_layouts.LAYOUTS, named here so --help imports no torch)
LAYOUT_NAMES = ("intphys", "csv", "intphys2", "grasp", "inflevel")
LISTED_LEFT_OUT = 10  # scenes named in the terminal; report.json names them all


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
        help="score a pretrained transformers model from --weights with the benchmark's published "
        "protocol (IntPhys: --frame_step 2 --stride 4 --context_frames 2 4 6 8 10; see "
        "docs/benchmarks) instead of a checkpoint",
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
        "--perception",
        type=Path,
        help="YAML file with the class_path and init_args of another perception (no weights) for "
        "an object model and its untrained control: score its dynamics on slots found that way, "
        "e.g. a model trained on the world's masks on slots found without labels (docs/objects.md)",
    )
    parser.add_argument(
        "--energy",
        type=Path,
        help="YAML file with the class_path and init_args of another energy (no weights) for an "
        "object model and its untrained control: score the same expectations priced another way, "
        "e.g. SlotEnergy with another presence_weight (docs/objects.md)",
    )
    parser.add_argument(
        "--scoring",
        type=Path,
        help="YAML file of scoring options (horizon, horizon_position_factor, "
        "horizon_colour_factor, imagined_presence, clip_to_view, absent_out_of_frame) for an object model and its "
        "untrained control, in place of the checkpoint's: the same weights scored another way "
        "(configs/scoring/, docs/objects.md)",
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
        help="frame side the probe movies are read at: for copy-last without --ckpt_path "
        f"(default: {COPY_LAST_DEFAULTS['frame_size']}) and for an object model's checkpoint "
        "(default: its training size; its slots are fractions of the frame, so it reads any "
        "size, and its perception's options in pixels are scaled to the size read; those of a "
        "--perception file are taken as given, in pixels at the size read)",
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
    _add_benchmark_options(parser)
    return parser


def _add_benchmark_options(parser: ArgumentParser) -> None:
    """Options of whole benchmarks: layout, window, shards and resume, unlabelled answers."""
    parser.add_argument(
        "--layout",
        choices=LAYOUT_NAMES,
        help="read --data as this layout instead of recognising it",
    )
    parser.add_argument(
        "--window_frames",
        type=PositiveInt,
        help="frames per window of a V-JEPA 2 --scorer (default: the benchmark's protocol, 16 "
        "for IntPhys and GRASP, 32 for InfLevel, 48 for IntPhys 2)",
    )
    parser.add_argument(
        "--shard",
        help="K/N: score only every N-th movie from the K-th (0-based) into OUT/movies and stop; "
        "run the same command without --shard once every shard finished to write the report "
        "(finished movies are never scored again)",
    )
    parser.add_argument(
        "--threshold_from",
        type=Path,
        help="for a set without labels (IntPhys 2 HeldOut): the --out of a labelled run of the "
        "same model (IntPhys 2 Main), whose absolute threshold turns surprise into the "
        "possible/impossible answers of submission.jsonl",
    )


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
    parser.add_argument(
        "--plot",
        type=Path,
        help="also draw the metric per block of every run side by side, with intervals "
        "(a .png, .pdf or .svg file)",
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
        with _held(args.out, shared=args.shard is not None):
            return _probe(args)
    except SystemExit as exit_:  # --help, --print_config
        return int(exit_.code or 0)
    except UsageError as err:
        print(_one_line(err), file=sys.stderr)
        return 2
    except (ProbeError, FileNotFoundError, ValueError, FolderBusyError) as err:
        if debug_enabled():
            raise
        print(f"physpred probe: {_one_line(err)}", file=sys.stderr)
        return 2


def _held(out: Path, shared: bool) -> AbstractContextManager[Any]:
    """The lock on ``--out`` (one writer per folder), on the first rank only: the other ranks
    of a multi-device run write nothing. ``--shard`` runs share it (each writes its own movies
    to OUT/movies); a run that writes the report holds it alone."""
    first_rank = all(os.environ.get(name, "0") == "0" for name in ("RANK", "LOCAL_RANK", "NODE_RANK"))
    command = "probe --shard" if shared else "probe"
    return output_lock(out, command, shared=shared) if first_rank else nullcontext()


def _one_line(err: BaseException) -> str:
    """The error's message on one line (its type's name when it has no message)."""
    lines = str(err).strip().splitlines() or [type(err).__name__]
    return lines[0] + (
        " (" + "; ".join(line.strip() for line in lines[1:]) + ")" if len(lines) > 1 else ""
    )


def _check_args(args: Namespace) -> None:
    if args.shard is not None:
        from physpred.eval.shards import parse_shard

        parse_shard(args.shard)
    if args.window_frames is not None and args.scorer != "vjepa2":
        raise ProbeError("--window_frames applies to --scorer vjepa2 only (VideoMAE's window is fixed)")
    if args.scorer is not None or args.weights is not None:
        _check_scorer_args(args)
    elif args.ckpt_path is None and args.baseline != "copy-last":
        raise ProbeError(
            "--ckpt_path is required (only --baseline copy-last runs without a checkpoint)"
        )
    if (args.ckpt_path is not None or args.scorer is not None) and args.future_frames:
        raise ProbeError(
            "--future_frames applies only to copy-last without --ckpt_path or --scorer (a model brings its own)"
        )
    if args.frame_size and (args.scorer is not None or (args.ckpt_path is not None and args.baseline == "copy-last")):
        raise ProbeError(
            "--frame_size applies to copy-last without --ckpt_path and to an object model's "
            "--ckpt_path (a pretrained scorer and copy-last beside a checkpoint read at the model's size)"
        )
    for part in OVERRIDES:
        if getattr(args, part) is not None and (args.scorer is not None or args.baseline == "copy-last"):
            raise ProbeError(f"--{part} replaces the {part} of an object model's checkpoint: not with --scorer or --baseline copy-last")
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
    if args.plot is not None:
        from physpred.eval.figures import comparison_figure
        from physpred.viz import save_figure

        print(f"wrote {save_figure(comparison_figure(reports, args.metric), args.plot)}")
    return 0


def _load_scorer(args: Namespace, layout: str, parts: dict[str, Any]) -> Any:
    """The trained model, an untrained copy of its configuration, or copy-last; a pretrained
    scorer with the window of the benchmark's protocol where it can take one. An object model
    takes the parts in ``parts`` (``--perception``, ``--energy``, ``--scoring``: the files' contents) in place of its own."""
    if args.scorer is not None:
        from physpred.eval.hf import load_scorer
        from physpred.eval.protocols import PROTOCOLS

        return load_scorer(
            args.scorer,
            args.weights,
            untrained=args.baseline == "untrained",
            seed=args.seed,
            window_frames=args.window_frames or PROTOCOLS[layout].window_frames,
        )
    from physpred.models import (
        CopyLastPredictor,
        load_model,
        untrained_like,
        with_part,
        with_scoring,
    )
    from physpred.types import ClipGeometry

    if parts:
        model = untrained_like(args.ckpt_path, seed=args.seed) if args.baseline == "untrained" else load_model(args.ckpt_path)
        for part, config in parts.items():
            source = getattr(args, part)
            model = with_scoring(model, config, source) if part == "scoring" else with_part(model, part, config, source)
        return model
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
    from physpred.data.probe_layouts import detect_layout
    from physpred.eval.runner import SurpriseRunner
    from physpred.models import read_part_file

    logging.getLogger("pytorch_lightning.utilities.rank_zero").setLevel(logging.WARNING)
    layout = args.layout or detect_layout(args.data)
    parts = {part: read_part_file(part, getattr(args, part)) for part in OVERRIDES if getattr(args, part) is not None}
    scorer = _load_scorer(args, layout, parts)
    settings = _geometry(args, scorer, layout)
    settings.update(_read_at_size(scorer, settings["frame_size"], replaced="perception" in parts))
    frame_step, stride = settings["frame_step"], settings["stride"]
    # a pretrained scorer resizes the stored frames itself, as the published code does
    frame_size = settings["frame_size"] if args.scorer is None else None
    incomplete = "skip" if args.skip_incomplete else "raise"
    reads_masks, clips = getattr(scorer, "reads_masks", False), getattr(scorer, "screens_from_masks", False)
    datamodule = ProbeDataModule(str(args.data), frame_size, args.num_workers, incomplete, layout, masks=reads_masks or clips)
    try:
        dataset = datamodule.dataset  # finds the movies: a wrong layout fails here
    except IncompleteSceneError as err:
        raise ProbeError(
            f"{err}: restore its movies, or pass --skip_incomplete to leave such scenes out"
        ) from err
    unmasked = [e.video for e in dataset.entries if e.masks is None] if reads_masks or clips else []
    if unmasked:
        need = "reads instance masks" if reads_masks else "scores with clip_to_view, which finds the screens in the masks,"
        raise ProbeError(
            f"the model {need} and {len(unmasked)} movies of {args.data} have none "
            f"(first: {unmasked[0]}): make the probes with `physpred world probes --masks`, or "
            "give each movie a masks/ folder (data/README.md)"
            + ("" if reads_masks else ", or score without it: --scoring configs/scoring/whole_view.yaml")
        )
    print(_found(dataset, args.data))
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
    settings.update(
        batch_size=args.batch_size,
        latent=args.latent if args.scorer is None else None,
        seed=args.seed,
        bootstrap=args.bootstrap,
        num_movies=len(dataset),
        layout=layout,
        **parts,
    )
    try:
        movies = _score_or_resume(args, settings, runner, datamodule)
        if movies is None:  # a shard, or a rank other than the first
            return 0
        pairs = dataset.pairs
    except VideoReadError as err:
        raise ProbeError(f"{_one_line(err)}: fix or remove that movie") from err
    _write_outputs(args, settings, movies, pairs, dataset, scorer)
    return 0


def _read_at_size(scorer: Any, frame_size: int, replaced: bool) -> dict[str, float]:
    """An object model read at another frame size than its training one gets its perception's
    options in pixels scaled to it, in place (a ``--perception`` file, ``replaced``, states them
    at the size read); the setting that says so (none when nothing is scaled)."""
    perception = getattr(scorer, "perception", None)
    if replaced or perception is None or not hasattr(scorer, "movie_energies"):
        return {}
    from physpred.models.slots.pixel_scale import read_at_scale, scales_pixels

    factor = frame_size / scorer.geometry.frame_size
    if factor == 1 or not scales_pixels(perception):
        return {}
    read_at_scale(perception, factor)
    return {"perception_scale": factor}


def _found(dataset: Any, data: Path) -> str:
    """``found GRASP in DIR: 3 scenes, 3 pairs, 6 movies`` (pairs: impossible movies with a
    possible one in their scene, each of which gets one partner)."""
    labels: dict[str, set[bool | None]] = {}
    for entry in dataset.entries:
        labels.setdefault(entry.scene, set()).add(entry.is_possible)
    pairs = sum(e.is_possible is False and True in labels[e.scene] for e in dataset.entries)
    return (
        f"found {dataset.layout.benchmark} in {data}: {len(dataset.scenes)} scenes, {pairs} pairs, "
        f"{len(dataset)} movies"
    )


def _score_or_resume(
    args: Namespace, settings: dict[str, Any], runner: Any, datamodule: Any
) -> Any:
    """Score the movies not yet in OUT/movies (this shard's only, with --shard); return every
    movie's scores, or None on a shard and on ranks other than the first."""
    import time

    from physpred.eval.movie_store import MovieStore, SaveEachMovie, SettingsMismatchError
    from physpred.eval.runner import make_trainer, score_movies
    from physpred.eval.shards import parse_shard, shard_of

    movies = datamodule.dataset.movies
    try:
        store = MovieStore(args.out / "movies", _store_key(args, settings))
    except SettingsMismatchError as err:
        raise ProbeError(str(err)) from err
    wanted = shard_of(movies, *parse_shard(args.shard)) if args.shard else movies
    done = store.finished(wanted)
    todo = [video for video in wanted if video not in done]
    trainer = make_trainer(args.accelerator, args.devices, callbacks=[SaveEachMovie(store)])
    start = time.perf_counter()
    if todo:
        datamodule.restrict_to(todo)
        score_movies(runner, datamodule, trainer)
    seconds = time.perf_counter() - start
    if not trainer.is_global_zero:
        return None
    rate = f" in {seconds:.1f} s ({len(todo) / seconds:.2f} movies/s)" if todo else ""
    print(f"scored {len(todo)} movies{rate}; {len(done)} were scored before (in {store.folder})")
    finished = store.finished(movies)
    if args.shard:
        print(
            f"shard {args.shard}: {len(finished)} of {len(movies)} movies scored; once every shard "
            "finished, run the same command without --shard to write the report"
        )
        return None
    if len(finished) < len(movies):  # a rank died: say so rather than report on fewer movies
        raise ProbeError(f"{len(movies) - len(finished)} movies have no scores in {store.folder}: run again")
    return store.load(movies)


def _store_key(args: Namespace, settings: dict[str, Any]) -> dict[str, Any]:
    """What the stored window energies depend on: model, data and windows (not the bootstrap)."""
    ckpt = None
    if args.ckpt_path is not None:  # a retrained checkpoint at the same path must not reuse scores
        stat = args.ckpt_path.stat()
        ckpt = [str(args.ckpt_path.resolve()), stat.st_size, stat.st_mtime_ns]
    keep = ("frame_size", "frame_step", "stride", "context", "future_frames", "window_frames")
    return {
        "ckpt": ckpt,
        "scorer": args.scorer,
        "weights": None if args.weights is None else str(args.weights.resolve()),
        "baseline": args.baseline,
        "latent": args.latent,
        "seed": args.seed,
        "data": str(args.data.resolve()),
        "layout": settings["layout"],
        "skip_incomplete": args.skip_incomplete,
        **{k: settings.get(k) for k in keep},
        # its contents, so that an edited file scores anew (absent without: older stores resume)
        **{part: settings[part] for part in OVERRIDES if settings.get(part)},
        **({"perception_scale": settings["perception_scale"]} if "perception_scale" in settings else {}),
    }


def _geometry(args: Namespace, scorer: Any, layout: str) -> dict[str, Any]:
    """Frame size, frame step, stride, context lengths and window of the run.

    A checkpoint brings its own; a pretrained scorer takes the benchmark's published protocol
    (:mod:`physpred.eval.protocols`). A flag given wins either way.
    """
    if args.scorer is None and hasattr(scorer, "movie_energies"):  # one energy per read frame
        frame_step = args.frame_step or scorer.geometry.frame_step
        return {
            "frame_size": args.frame_size or scorer.geometry.frame_size,
            "frame_step": frame_step,
            "stride": frame_step,
            "context": [scorer.geometry.context_frames],
            "future_frames": 1,
        }
    if args.scorer is None:
        geometry = scorer.geometry
        if args.frame_size and args.ckpt_path is not None:
            raise ProbeError(
                f"--frame_size {args.frame_size}: {args.ckpt_path} is a pixel model, which reads "
                f"frames at its training size ({geometry.frame_size}); leave --frame_size out"
            )
        frame_step = args.frame_step or geometry.frame_step
        return {
            "frame_size": geometry.frame_size,
            "frame_step": frame_step,
            "stride": args.stride or frame_step,
            "context": list(args.context_frames or [geometry.context_frames]),
            "future_frames": geometry.future_frames,
        }
    from physpred.eval.protocols import PROTOCOLS, fitting_contexts
    from physpred.eval.windows import check_contexts

    protocol = PROTOCOLS[layout]
    frame_step = args.frame_step or protocol.frame_step
    context = list(
        args.context_frames or fitting_contexts(protocol, scorer.window_frames, scorer.tubelet_size)
    )
    check_contexts(context, scorer.window_frames, scorer.tubelet_size)
    return {
        "frame_size": scorer.input_size,
        "frame_step": frame_step,
        "stride": args.stride or protocol.stride_in_steps * frame_step,
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
    dataset: Any,
    scorer: Any,
) -> None:
    from physpred.eval.benchmark_report import (
        GROUP_NAMES,
        breakdowns,
        format_breakdowns,
        labelled_threshold,
        write_submission,
    )
    from physpred.eval.figures import write_run_figures
    from physpred.eval.index_page import index_html
    from physpred.eval.report import (
        build_report,
        format_table,
        plot_block,
        write_report,
        write_scores,
    )
    from physpred.eval.strips import chosen_pairs, write_strips
    from physpred.files import atomic_path

    entries, left_out = dataset.entries, dataset.left_out
    events = {e.video: e.event for e in entries if e.event is not None}
    violations = {e.video: e.violation_frames for e in entries if e.violation_frames}
    tags = {e.video: e.tags for e in entries if e.tags}
    report = {
        "ckpt": None if args.ckpt_path is None else str(args.ckpt_path),
        "baseline": args.baseline,
        "scorer": args.scorer,
        "weights": None if args.weights is None else str(args.weights),
        "data": str(args.data),
        "benchmark": dataset.layout.benchmark,
        "group": GROUP_NAMES.get(dataset.layout.name, "block"),
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
        "breakdown": breakdowns(movies, pairs, tags, args.bootstrap, args.seed),
        "left_out": {"n_scenes": len(left_out), "scenes": left_out},
    }
    plots = {  # refused before any file is written: a block name from a CSV is not trusted
        block: confined(args.out, f"surprise_{block}.png", f"block of {args.data}")
        for block in report["blocks"]
    }
    written = ["index.html", "scores.csv", "report.json", "accuracy.png", "roc.png", "surprise_*.png"]
    note = ""
    if not any(m.is_possible is not None for m in movies):
        if args.threshold_from is None:
            note = "\nno labels: pass --threshold_from OUT of a labelled run to write submission.jsonl"
        else:
            threshold = labelled_threshold(args.threshold_from, report)
            report["submission"] = {"threshold": threshold, "from": str(args.threshold_from)}
            write_submission(args.out / "submission.jsonl", movies, threshold)
            written.append("submission.jsonl")
    write_scores(args.out / "scores.csv", movies)
    write_report(args.out / "report.json", report)
    for block, path in plots.items():
        plot_block(
            path,
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
    figures = write_run_figures(args.out, report, movies)
    figures += [f"surprise_{block}.png" for block in report["blocks"]]
    if args.scorer is None:  # our models and the controls: windows of C frames before the onset
        chosen = chosen_pairs(movies, pairs, events, violations)
        context = max(settings["context"])
        strips = write_strips(args.out, dataset, scorer, chosen, context, settings["frame_step"])
        figures += strips
        written += ["strip_*.png"] if strips else []
    with atomic_path(args.out / "index.html") as temporary:
        temporary.write_text(index_html(report, figures, f"{name} on {args.data}"))
    skipped = "".join(
        f"\nleft out {scene}: {reason}" for scene, reason in list(left_out.items())[:LISTED_LEFT_OUT]
    )
    if len(left_out) > LISTED_LEFT_OUT:
        skipped += f"\n... and {len(left_out) - LISTED_LEFT_OUT} more scenes (report.json lists them)"
    if left_out:
        skipped += f"\nleft out {len(left_out)} of {len(left_out) + len({m.scene for m in movies})} scenes"
    print(
        f"{name} on {args.data} ({report['benchmark']})\n{format_table(report)}"
        f"{format_breakdowns(report)}{skipped}{note}\nwrote {args.out}/{{{','.join(written)}}}"
    )
