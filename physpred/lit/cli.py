"""``physpred fit|validate|test|predict``: LightningCLI with data -> model argument links.

The data declares the clip geometry (``data.context_frames``, ``future_frames``, ``frame_step``,
``frame_size``); it is linked once, here, to the model's ``geometry`` (the energy model's, or a
decoder's) and to the predictor's clip lengths.
A ``RunCheckpoint`` is always added (``--checkpoint.*``): it writes
``<trainer.default_root_dir>/model.ckpt``.

Mistakes a user can make (broken YAML, an unknown or ill-typed option, a value out of range, a
missing or malformed data folder, an output folder that cannot be written) are found before
training starts and print one line naming the file or option, with exit status 2;
``PHYSPRED_DEBUG=1`` shows the full traceback instead.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pytorch_lightning as pl
import torch
import yaml
from jsonargparse import ArgumentError, Namespace
from pytorch_lightning.cli import LightningArgumentParser, LightningCLI

from physpred.data.readers import VideoReadError
from physpred.lit.checkpoint import RunCheckpoint
from physpred.lit.predictions import PredictionWriter
from physpred.lit.progress import progress_callbacks
from physpred.models.checkpoint import is_outdated
from physpred.usage import debug_enabled, one_line, unwritable_reason

GEOMETRY = ("context_frames", "future_frames", "frame_step", "frame_size")
ENERGY_MODEL = "model.init_args.energy_model.init_args"
# Targets missing from the chosen model class (a decoder has no energy model) are skipped.
LINKS = [
    *((f"data.{key}", f"{ENERGY_MODEL}.geometry.{key}") for key in GEOMETRY),
    *((f"data.{key}", f"{ENERGY_MODEL}.predictor.init_args.{key}") for key in ("context_frames", "future_frames")),
    *((f"data.{key}", f"model.init_args.geometry.{key}") for key in GEOMETRY),
]
SMALLEST = {
    "data.context_frames": 1,
    "data.future_frames": 1,
    "data.frame_step": 1,
    "data.frame_size": 1,
    "data.batch_size": 1,
    "data.clips_per_video": 1,
    "data.num_workers": 0,
}
"""Options that are counts, and their smallest valid value."""


class UsageError(Exception):
    """A mistake in the options, config files or data that the user can fix; names it."""


class PhysPredCLI(LightningCLI):
    """LightningCLI with physpred's argument links and fixed-path checkpoint."""

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        """Add ``--checkpoint.*`` and link the clip geometry from data to model."""
        parser.add_lightning_class_args(RunCheckpoint, "checkpoint")
        parser.add_lightning_class_args(PredictionWriter, "predictions")
        for source, target in LINKS:
            parser.link_arguments(source, target)

    def _parse_ckpt_path(self) -> None:
        """Refuse in one line a ``--ckpt_path`` from before ``EnergyModel``: Lightning would merge
        its old options into the config and fail with pages of parser errors."""
        subcommand = self.config.get("subcommand")
        path = self.config[subcommand].get("ckpt_path") if subcommand else None
        if path and Path(path).is_file():
            try:
                saved = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as error:  # torch raises many types for foreign or unsafe files
                raise UsageError(f"--ckpt_path {path}: cannot read it ({one_line(error)}); pass a model.ckpt of `physpred fit`") from error
            if is_outdated(saved):
                raise UsageError(
                    f"--ckpt_path {path} was written by an older physpred (before EnergyModel) and "
                    "cannot be resumed: retrain with `physpred fit` without --ckpt_path"
                )
        super()._parse_ckpt_path()

    def _instantiate_trainer(self, config: dict, callbacks: list[pl.Callback]) -> pl.Trainer:
        """Add the progress of the whole run: a bar on a terminal, log lines elsewhere."""
        given = config.get("callbacks") or []
        added, enable = progress_callbacks(
            config.get("enable_progress_bar"),
            [*callbacks, *(given if isinstance(given, list) else [given])],
            sys.stderr.isatty(),
        )
        config["enable_progress_bar"] = enable
        return super()._instantiate_trainer(config, [*callbacks, *added])

    def before_instantiate_classes(self) -> None:
        """Refuse out-of-range options before anything is built (torch would fail far away).

        Without a sub-command (``run=False``: code that only wants the model and data module
        built, as benchmarks/train_throughput.py) nothing is checked or read.
        """
        if self.subcommand is not None:
            check_options(self.config[self.subcommand])

    def after_instantiate_classes(self) -> None:
        """Find and split the videos now, so that a data mistake stops before training."""
        if self.subcommand is None:
            return
        try:
            self.datamodule.setup(self.subcommand)
        except (FileNotFoundError, ValueError, VideoReadError) as error:
            raise UsageError(one_line(error)) from error


def check_options(config: Namespace) -> None:
    """Raise :class:`UsageError` for the first option that cannot work.

    Args:
        config: the parsed options of one sub-command (``data.*``, ``trainer.*``, ...).
    """
    for key, smallest in SMALLEST.items():
        value = config.get(key)
        if value is not None and value < smallest:
            raise UsageError(f"--{key} must be >= {smallest}, got {value}")
    max_steps = config.get("trainer.max_steps")
    if max_steps is not None and max_steps != -1 and max_steps < 1:
        raise UsageError(f"--trainer.max_steps must be >= 1 (or -1: no limit), got {max_steps}")
    root = config.get("data.root")
    if root is not None and not Path(root).is_dir():
        raise UsageError(
            f"--data.root {root}: no such folder; pass the folder `physpred world videos --out` "
            "wrote, or any folder of videos"
        )
    ckpt = config.get("ckpt_path")
    if ckpt is not None and not _lightning_keyword(ckpt) and not Path(ckpt).is_file():
        raise UsageError(
            f"--ckpt_path {ckpt}: no such file; pass the model.ckpt that `physpred fit` wrote in "
            "--trainer.default_root_dir"
        )
    out = config.get("trainer.default_root_dir")
    reason = None if out is None else unwritable_reason(Path(out))
    if reason is not None:
        raise UsageError(f"--trainer.default_root_dir {out}: {reason}; choose a writable folder")


def _lightning_keyword(ckpt_path: str) -> bool:
    """``best``, ``last``, ``hpc``, ``registry[:...]``: checkpoints Lightning finds itself."""
    return ckpt_path in ("best", "last", "hpc") or ckpt_path.startswith("registry")


def check_config_files(argv: Sequence[str]) -> None:
    """Raise :class:`UsageError` naming file:line:column for a ``-c``/``--config`` file whose
    YAML does not parse (the parser's own message names no file); missing files are left to
    the parser, which names them."""
    for index, arg in enumerate(argv):
        if arg in ("-c", "--config") and index + 1 < len(argv):
            path = Path(argv[index + 1])
        elif arg.startswith("--config="):
            path = Path(arg.removeprefix("--config="))
        else:
            continue
        if not path.is_file():
            continue
        try:
            yaml.safe_load(path.read_text())
        except yaml.MarkedYAMLError as error:
            raise UsageError(f"{path}:{_yaml_problem(error)}; fix the file") from error
        except yaml.YAMLError as error:
            raise UsageError(f"{path}: not valid YAML ({one_line(error)}); fix the file") from error


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    """``LINE:COLUMN: not valid YAML (what, and where the construct began)``."""
    mark = error.problem_mark or error.context_mark
    where = f"{mark.line + 1}:{mark.column + 1}: " if mark else " "
    context = ""
    if error.context and error.context_mark:
        start = error.context_mark
        context = f"{error.context} from line {start.line + 1}, column {start.column + 1}: "
    return f"{where}not valid YAML ({context}{error.problem})"


def main(argv: Sequence[str]) -> int:
    """Run a LightningCLI sub-command (``fit``, ``validate``, ``test``, ``predict``).

    Returns:
        0, or 2 after printing a one-line error for a mistake the user can fix (raised
        instead when ``PHYSPRED_DEBUG`` is set).
    """
    from physpred.data import VideoDataModule

    argv = list(argv)
    command = argv[0] if argv else "fit"
    no_exit = {"exit_on_error": False}  # parser errors come back as exceptions, printed below
    try:
        check_config_files(argv)
        with warnings.catch_warnings():  # physpred.cli hands us argv on purpose
            warnings.filterwarnings("ignore", message="LightningCLI's args parameter")
            PhysPredCLI(
                pl.LightningModule,
                VideoDataModule,
                subclass_mode_model=True,
                args=argv,
                auto_configure_optimizers=False,
                save_config_kwargs={"overwrite": True},
                parser_kwargs={**no_exit, **dict.fromkeys(LightningCLI.subcommands(), no_exit)},
            )
    except (UsageError, ArgumentError, VideoReadError) as error:
        if debug_enabled():
            raise
        print(f"physpred {command}: {_message(error, command)}", file=sys.stderr)
        return 2
    return 0


def _message(error: BaseException, command: str) -> str:
    """One line; for a parser error, without its echo of the whole value and with a pointer to
    ``--help``."""
    if isinstance(error, VideoReadError) and "Original Traceback" in str(error):
        # re-raised from a DataLoader worker: the message ends with the worker's own last line
        return str(error).strip().splitlines()[-1].split(": ", 1)[-1]
    if not isinstance(error, ArgumentError):
        return one_line(error)
    kept = [line for line in str(error).splitlines() if not line.strip().startswith("Given value")]
    return f"{one_line(chr(10).join(kept))}; `physpred {command} --help` lists the options"
