"""Progress of long jobs: a bar over the whole run on a terminal, log lines everywhere else.

Lightning's bar covers one epoch, and a bar written to a file (nohup, SLURM, a notebook's log)
is either silent or a wall of carriage returns. So ``physpred fit`` shows
:class:`RunProgressBar` (steps of ``max_steps``) on a terminal, and ``fit`` and ``probe`` log
a line every ``every_s`` seconds with :class:`ProgressLog` when stderr is not one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import pytorch_lightning as pl
from pytorch_lightning.callbacks import TQDMProgressBar


def duration(seconds: float) -> str:
    """``1h02m``, ``3m05s``, ``42s``: a duration to read at a glance."""
    seconds = max(int(round(seconds)), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def progress_line(
    job: str,
    unit: str,
    done: int,
    total: int | None,
    elapsed_s: float,
    start: int = 0,
    extra: str = "",
) -> str:
    """One log line: ``probe: 12/48 movies (25%), 340 windows, 1m10s elapsed, ETA 3m30s``.

    The ETA assumes the rest goes at this process's pace so far; without a total there is none.

    Args:
        job: the command (``fit``, ``probe``).
        unit: what is counted (``steps``, ``movies``).
        done: units finished in the whole job.
        total: units in the whole job, or None when unknown.
        elapsed_s: seconds since this process started the job.
        start: units already done when this process started (a resumed run).
        extra: more counts to show after the main one (``340 windows``).
    """
    count = f"{done}/{total} {unit} ({100 * done / total:.0f}%)" if total else f"{done} {unit}"
    parts = [count, *([extra] if extra else []), f"{duration(elapsed_s)} elapsed"]
    if total and start < done < total:
        parts.append(f"ETA {duration(elapsed_s * (total - done) / (done - start))}")
    return f"{job}: " + ", ".join(parts)


class ProgressLog(pl.Callback):
    """Log training steps (of ``max_steps``) or scored movies (of the predict loader) as lines.

    Args:
        every_s: seconds between lines (the first comes after ``every_s``, and one more at
            the end).
        extra: for predict, a name and a function counting sub-units in one step's output
            (``("windows", lambda movie: len(movie.energies))``).
        stream: where to write; None for stderr at the time of writing.
    """

    def __init__(
        self,
        every_s: float = 30.0,
        extra: tuple[str, Callable[[Any], int]] | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.every_s, self.extra, self.stream = every_s, extra, stream
        self._start_time = self._last = 0.0
        self._start = self._done = self._extra_done = 0

    def _begin(self, start: int = 0) -> None:
        self._start_time = self._last = time.monotonic()
        self._start = self._done = start
        self._extra_done = 0

    def _log(self, job: str, unit: str, total: int | None, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every_s:
            return
        self._last = now
        extra = f"{self._extra_done} {self.extra[0]}" if self.extra else ""
        line = progress_line(
            job, unit, self._done, total, now - self._start_time, self._start, extra
        )
        print(line, file=self.stream or sys.stderr, flush=True)

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._begin(trainer.global_step)  # a resumed run counts its pace from there

    def on_train_batch_end(self, trainer: pl.Trainer, *_: Any) -> None:
        if trainer.is_global_zero:
            self._done = trainer.global_step
            self._log("fit", "steps", trainer.max_steps if trainer.max_steps > 0 else None)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.is_global_zero:
            total = trainer.max_steps if trainer.max_steps > 0 else None
            self._log("fit", "steps", total, force=True)

    def on_predict_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._begin()

    def on_predict_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, *_: Any
    ) -> None:
        self._done += 1
        if self.extra is not None:
            self._extra_done += self.extra[1](outputs)
        self._log("probe", "movies", _predict_total(trainer))

    def on_predict_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._log("probe", "movies", _predict_total(trainer), force=True)


def _predict_total(trainer: pl.Trainer) -> int | None:
    """Batches (movies) in this process's predict loaders, or None when unknown."""
    totals = [int(n) for n in trainer.num_predict_batches if n != float("inf")]
    return sum(totals) or None


def progress_callbacks(
    enable_progress_bar: bool | None, callbacks: list[pl.Callback], terminal: bool
) -> tuple[list[pl.Callback], bool | None]:
    """The progress callbacks ``physpred fit`` adds, and the ``enable_progress_bar`` to pass.

    A choice the user made is kept: ``enable_progress_bar: false``, ``true`` (Lightning's own
    bar) or a progress bar of their own among ``callbacks``. Otherwise a terminal gets the bar
    over the whole run, anything else log lines.
    """
    from pytorch_lightning.callbacks.progress import ProgressBar

    if enable_progress_bar is not None or any(isinstance(c, ProgressBar) for c in callbacks):
        return [], enable_progress_bar
    return ([RunProgressBar()], True) if terminal else ([ProgressLog()], False)


class RunProgressBar(TQDMProgressBar):
    """Lightning's bar over the whole run: steps of ``max_steps``, not batches of one epoch.

    Without ``max_steps`` (``-1``) it is Lightning's own per-epoch bar.
    """

    def on_train_epoch_start(self, trainer: pl.Trainer, *args: Any) -> None:
        if trainer.max_steps <= 0:
            super().on_train_epoch_start(trainer, *args)
            return
        if self.train_progress_bar.total != trainer.max_steps:  # once per run, not per epoch
            self.train_progress_bar.reset(total=trainer.max_steps)
            self.train_progress_bar.initial = trainer.global_step  # a resumed run starts there
        self.train_progress_bar.set_description(f"Epoch {trainer.current_epoch}")

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, *args: Any
    ) -> None:
        if trainer.max_steps <= 0:
            super().on_train_batch_end(trainer, pl_module, *args)
            return
        bar = self.train_progress_bar
        if self._should_update(trainer.global_step, bar.total):
            bar.n = trainer.global_step
            bar.refresh()
            bar.set_postfix(self.get_metrics(trainer, pl_module))

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.max_steps <= 0:
            super().on_train_epoch_end(trainer, pl_module)
            return
        self.train_progress_bar.set_postfix(self.get_metrics(trainer, pl_module))
