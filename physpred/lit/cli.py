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

import json
import os
import sys
import warnings
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
import yaml
from jsonargparse import ArgumentError, Namespace
from pytorch_lightning.cli import LightningArgumentParser, LightningCLI
from pytorch_lightning.utilities.exceptions import SIGTERMException

from physpred.data.readers import VideoReadError
from physpred.files import FolderBusyError, output_lock
from physpred.lit.checkpoint import BestCheckpoint, RunCheckpoint
from physpred.lit.guards import Interruption, NonFiniteError, SaveOnSignal, StopOnNonFinite
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


SIGNAL_STATUS = {"SIGINT": 130, "SIGTERM": 143}
"""Exit status after a signal stopped training: 128 + its number, as shells report it."""


class PhysPredCLI(LightningCLI):
    """LightningCLI with physpred's argument links, fixed-path checkpoint and run guards.

    Args:
        held: where ``fit`` enters the lock on its output folder, released by the caller (by
            default a stack nobody closes: the lock lasts as long as the process).
        seen: filled in when a signal stops training.
        args, kwargs: LightningCLI's.
    """

    def __init__(self, *args: Any, held: ExitStack | None = None, seen: Interruption | None = None, **kwargs: Any) -> None:
        self.held, self.seen = held or ExitStack(), seen or Interruption()
        super().__init__(*args, **kwargs)

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        """Add ``--checkpoint.*`` and link the clip geometry from data to model."""
        parser.add_lightning_class_args(RunCheckpoint, "checkpoint")
        parser.add_lightning_class_args(BestCheckpoint, "best_checkpoint")
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
            # Lightning replaces the model options with the checkpoint's: refuse rather than
            # ignore options that ask for another model
            config = self.config[subcommand]
            differ = differing_options(config.get("model"), saved.get("hyper_parameters"))
            geometry = (saved.get("physpred") or {}).get("geometry") or {}
            differ += [
                f"data.{key} {geometry[key]} there, {config.get(f'data.{key}')} here"
                for key in GEOMETRY
                if key in geometry and config.get(f"data.{key}") not in (None, geometry[key])
            ]
            if differ:
                raise UsageError(
                    f"--ckpt_path {path} was trained with other model options: {'; '.join(differ)}; "
                    "resume with the run's own options, or start a new run in another "
                    "--trainer.default_root_dir"
                )
        super()._parse_ckpt_path()

    def _instantiate_trainer(self, config: dict, callbacks: list[pl.Callback]) -> pl.Trainer:
        """Add the progress of the whole run (a bar on a terminal, log lines elsewhere); stop on
        a non-finite loss or gradient; save when signalled."""
        given = config.get("callbacks") or []
        added, enable = progress_callbacks(
            config.get("enable_progress_bar"),
            [*callbacks, *(given if isinstance(given, list) else [given])],
            sys.stderr.isatty(),
        )
        config["enable_progress_bar"] = enable
        guards = [StopOnNonFinite(), SaveOnSignal(self.seen)]
        return super()._instantiate_trainer(config, [*callbacks, *added, *guards])

    def before_instantiate_classes(self) -> None:
        """Refuse out-of-range options before anything is built (torch would fail far away).

        Without a sub-command (``run=False``: code that only wants the model and data module
        built, as benchmarks/train_throughput.py) nothing is checked or read.
        """
        if self.subcommand is not None:
            check_options(self.config[self.subcommand])
        if self.subcommand == "fit" and first_rank():
            config = self.config["fit"]
            root = Path(config.get("trainer.default_root_dir") or os.getcwd())
            self.held.enter_context(output_lock(root, "fit"))  # held until main() returns
            ckpt_path = config.get("ckpt_path")
            if ckpt_path == "last":  # Lightning's keyword: last.ckpt, the link to model.ckpt
                ckpt_path = str(root / "last.ckpt")
            check_no_overwrite(root / f"{config.get('checkpoint.filename') or 'model'}.ckpt", ckpt_path)

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
    see_once = config.get("model.init_args.see_once")
    if see_once and (config.get("data.motion_candidates") or 1) > 1:
        raise UsageError("--model.init_args.see_once cuts every window of a video alike: set --data.motion_candidates 1")
    if see_once and config.get("data.augmentation") is not None:
        raise UsageError("--model.init_args.see_once trains on percepts, which an augmentation of pixels cannot move: leave data.augmentation out")
    out = config.get("trainer.default_root_dir")
    reason = None if out is None else unwritable_reason(Path(out))
    if reason is not None:
        raise UsageError(f"--trainer.default_root_dir {out}: {reason}; choose a writable folder")


def first_rank() -> bool:
    """True unless this process is a further rank of a multi-device run (which Lightning starts
    with ``LOCAL_RANK`` / ``NODE_RANK`` set): only the first one locks and checks the folder."""
    return all(os.environ.get(name, "0") == "0" for name in ("LOCAL_RANK", "NODE_RANK"))


def check_no_overwrite(checkpoint: Path, ckpt_path: str | None) -> None:
    """Raise :class:`UsageError` when ``fit`` would overwrite another run's checkpoint.

    Resuming that very checkpoint (``--ckpt_path`` naming it) is the one way to write over it.
    """
    if not checkpoint.is_file():
        return
    if ckpt_path is not None and Path(ckpt_path).is_file() and Path(ckpt_path).resolve() == checkpoint.resolve():
        return
    raise UsageError(
        f"--trainer.default_root_dir {checkpoint.parent} already holds a run ({checkpoint}); resume "
        f"it with --ckpt_path {checkpoint}, or choose another --trainer.default_root_dir (or delete "
        "that file to train anew)"
    )


def differing_options(model: Namespace | None, saved: object) -> list[str]:
    """The model options of this command that differ from a checkpoint's, one
    ``option saved-value there, given-value here`` each (options the checkpoint lacks are not
    compared; the clip geometry, linked from the data, is compared by the caller).

    Args:
        model: the parsed ``model`` option (``class_path``, ``init_args``).
        saved: the checkpoint's ``hyper_parameters`` (``_class_path`` and the init args).
    """
    if model is None or not isinstance(saved, dict):
        return []
    given = _plain(model.as_dict() if isinstance(model, Namespace) else model)
    before = _plain({k: v for k, v in saved.items() if k not in ("_class_path", "_instantiator")})
    if saved.get("_class_path") not in (None, given.get("class_path")):
        return [f"model {saved['_class_path']} there, {given.get('class_path')} here"]
    here, there = _flatten(given.get("init_args") or {}), _flatten(before)
    differ = []
    for key in sorted(here.keys() & there.keys()):
        if here[key] != there[key]:
            differ.append(f"model.init_args.{key} {there[key]} there, {here[key]} here")
    return differ


def _plain(value: object) -> Any:
    """JSON's view of a value: tuples as lists, anything else as its text."""
    return json.loads(json.dumps(value, default=str))


def _flatten(value: object, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists are leaves."""
    if not isinstance(value, dict) or not value:
        return {prefix.removesuffix("."): value} if prefix else {}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        flat |= _flatten(item, f"{prefix}{key}.")
    return flat


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
    seen = Interruption()
    try:
        check_config_files(argv)
        with warnings.catch_warnings(), ExitStack() as held:  # physpred.cli hands us argv on purpose
            warnings.filterwarnings("ignore", message="LightningCLI's args parameter")
            PhysPredCLI(
                pl.LightningModule,
                VideoDataModule,
                held=held,
                seen=seen,
                subclass_mode_model=True,
                args=argv,
                auto_configure_optimizers=False,
                save_config_kwargs={"overwrite": True},
                parser_kwargs={**no_exit, **dict.fromkeys(LightningCLI.subcommands(), no_exit)},
            )
    except (UsageError, ArgumentError, VideoReadError, FolderBusyError) as error:
        if debug_enabled():
            raise
        print(f"physpred {command}: {_message(error, command)}", file=sys.stderr)
        return 2
    except NonFiniteError as error:
        if debug_enabled():
            raise
        print(f"physpred {command}: {error}", file=sys.stderr)
        return 1
    except (SystemExit, KeyboardInterrupt) as stop:  # Lightning exits 1 after Ctrl-C, 0 after SIGTERM
        if isinstance(stop, KeyboardInterrupt):
            seen.signal = seen.signal or "SIGINT"
        elif not isinstance(stop, SIGTERMException) and seen.signal is None:
            raise  # --help, --print_config
        saved = (
            f"{seen.saved} holds step {seen.step}: resume with --ckpt_path {seen.saved}"
            if seen.saved is not None
            else "nothing was saved"
        )
        print(f"physpred {command}: stopped by {seen.signal or 'SIGTERM'}; {saved}", file=sys.stderr)
        return SIGNAL_STATUS[seen.signal or "SIGTERM"]
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
