"""Callbacks that keep a run's checkpoint honest: no step from a non-finite loss or gradient,
and a loadable checkpoint when the run is stopped by a signal.

Both are added to every ``physpred fit`` by the CLI (see :mod:`physpred.lit.cli`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities.exceptions import SIGTERMException
from torch import Tensor


class NonFiniteError(RuntimeError):
    """Training produced a NaN or infinite loss or gradient; the message says where and what
    became of the checkpoint."""


def run_checkpoint(trainer: pl.Trainer) -> Path | None:
    """The file the run's :class:`~physpred.lit.checkpoint.RunCheckpoint` writes, if it has one."""
    callback = trainer.checkpoint_callback
    dirpath, filename = getattr(callback, "dirpath", None), getattr(callback, "filename", None)
    return None if dirpath is None or filename is None else Path(dirpath) / f"{filename}.ckpt"


class StopOnNonFinite(pl.Callback):
    """Stop training at the first non-finite loss or gradient, before the optimiser steps.

    Adam turns a huge gradient into a bounded step, so a diverged run can go on for thousands
    of steps on NaN weights and save them over a good checkpoint; stopping before the step keeps
    the weights (and the last saved checkpoint) finite.
    """

    def on_before_backward(self, trainer: pl.Trainer, pl_module: pl.LightningModule, loss: Tensor) -> None:
        """Refuse a non-finite loss."""
        if not torch.isfinite(loss).all():
            raise NonFiniteError(_message(trainer, f"the loss is {loss.detach().float().item()}"))

    def on_before_optimizer_step(self, trainer: pl.Trainer, pl_module: pl.LightningModule, optimizer: Any) -> None:
        """Refuse a step with a non-finite gradient (one device sync for all of them)."""
        named = [(n, p.grad) for n, p in pl_module.named_parameters() if p.grad is not None]
        if not named or torch.stack([torch.isfinite(g).all() for _, g in named]).all():
            return
        first = next(n for n, g in named if not torch.isfinite(g).all())
        raise NonFiniteError(_message(trainer, f"the gradient of {first} is not finite"))


def _message(trainer: pl.Trainer, what: str) -> str:
    path = run_checkpoint(trainer)
    kept = (
        f"{path} keeps the last state saved before"
        if path is not None and path.is_file()
        else "no checkpoint was written"
    )
    return (
        f"training stopped at step {trainer.global_step}: {what}; {kept}; lower the learning rate "
        "(--model.init_args.optimizer.init_args.lr) or check the data"
    )


@dataclass
class Interruption:
    """What :class:`SaveOnSignal` saw: the signal's name and the checkpoint it saved."""

    signal: str | None = None
    saved: Path | None = None
    step: int = 0


class SaveOnSignal(pl.Callback):
    """Save the run's checkpoint when Ctrl-C (SIGINT) or SIGTERM stops training.

    Lightning stops at a batch boundary on SIGTERM (a scheduler's "time is up") and on
    Ctrl-C wherever it lands; either way the state is written atomically to the run's
    checkpoint, so ``--ckpt_path`` resumes it. The CLI then exits with 128 + the signal's number,
    so that a scheduler or an ``&&`` chain sees a run that did not finish.

    Args:
        seen: filled in when a signal stops the run.
    """

    def __init__(self, seen: Interruption) -> None:
        self.seen = seen

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        """Save on SIGTERM always (every rank stops together), on Ctrl-C on one device."""
        if isinstance(exception, SIGTERMException):
            self.seen.signal = "SIGTERM"
        elif isinstance(exception, KeyboardInterrupt):
            self.seen.signal = "SIGINT"
            if trainer.world_size > 1:  # ranks stop at different places: a save would hang
                return
        else:
            return
        path = run_checkpoint(trainer)
        if path is not None and trainer.state.fn == "fit":
            trainer.save_checkpoint(path, weights_only=False)  # the whole state: resumable
            self.seen.saved, self.seen.step = path, trainer.global_step
