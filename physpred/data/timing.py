"""A callback that logs how much of each training step is spent waiting for data."""

from __future__ import annotations

import time
from typing import Any

import pytorch_lightning as pl


class DataWaitMonitor(pl.Callback):
    """Log ``train/data_wait_frac``: wait / (wait + compute) per training step.

    The wait is the time from the end of one training batch to the start of the next (fetching
    the batch, moving it to the device, augmenting it); compute is the step itself. The first
    batch of each epoch is not counted (it includes starting the workers).
    """

    def __init__(self) -> None:
        self._last_end: float | None = None
        self._start = 0.0
        self._wait: float | None = None

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Forget the previous epoch's end (the gap across epochs is not data waiting)."""
        self._last_end = None

    def on_train_batch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int
    ) -> None:
        """Close the wait that began when the previous batch ended."""
        self._start = time.perf_counter()
        self._wait = None if self._last_end is None else self._start - self._last_end

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        """Log the wait fraction of this step (from the second batch of the epoch on)."""
        self._last_end = time.perf_counter()
        if self._wait is not None:
            total = self._wait + (self._last_end - self._start)
            fraction = self._wait / total if total > 0 else 0.0
            pl_module.log("train/data_wait_frac", fraction, on_step=True, on_epoch=True)
