"""Checkpoints at fixed, documented paths in ``<trainer.default_root_dir>``: ``model.ckpt``
(the latest state, also reachable as ``last.ckpt``, as Lightning users expect) and
``best.ckpt`` (the state with the lowest validation energy)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.plugins.io import TorchCheckpointIO

from physpred.files import atomic_path


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes through ``physpred.files.atomic_path``, so an interrupted save leaves no
    half-written checkpoint where ``physpred probe`` or a resume would read it."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: str | os.PathLike, storage_options: Any | None = None) -> None:
        """Save to a temporary name beside ``path``, then rename it to ``path``."""
        with atomic_path(path) as temporary:
            super().save_checkpoint(checkpoint, temporary, storage_options)


class RunCheckpoint(ModelCheckpoint):
    """ModelCheckpoint that keeps one file, ``<default_root_dir>/<filename>.ckpt``, overwritten.

    ``physpred fit ... --trainer.default_root_dir runs/demo`` therefore leaves
    ``runs/demo/model.ckpt`` (latest weights, EMA target, optimiser, scheduler and step), which
    ``physpred probe`` and ``--ckpt_path`` (resume) read.

    Args:
        filename: file name without ``.ckpt``.
        every_n_train_steps: also save every this many steps (0: at the end of each epoch and
            of training only).
    """

    def __init__(self, *, filename: str = "model", every_n_train_steps: int = 0) -> None:
        super().__init__(
            filename=filename,
            save_top_k=1,
            save_last="link",  # last.ckpt -> model.ckpt, so --ckpt_path last finds it
            enable_version_counter=False,
            every_n_train_steps=every_n_train_steps or None,
            save_on_train_epoch_end=True,
        )

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        """Point the checkpoint folder at the trainer's root folder; save atomically."""
        if type(trainer.strategy.checkpoint_io) is TorchCheckpointIO:  # keep a user's own plugin
            trainer.strategy.checkpoint_io = AtomicCheckpointIO()
        if self.dirpath is None:
            self.dirpath = str(Path(trainer.default_root_dir))
        with warnings.catch_warnings():  # the folder holds the CLI's lock; overwrites are refused there
            warnings.filterwarnings("ignore", message="Checkpoint directory .* exists and is not empty")
            super().setup(trainer, pl_module, stage)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Save the final state too, unless this step is saved already (``max_steps`` can stop mid-epoch)."""
        if not trainer.fast_dev_run and self._last_global_step_saved != trainer.global_step:
            self._save_checkpoint(trainer, str(Path(self.dirpath) / f"{self.filename}.ckpt"))
            self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))  # the link


class BestCheckpoint(ModelCheckpoint):
    """Keeps ``<default_root_dir>/best.ckpt``: the state with the lowest ``monitor`` so far.

    It is saved after a validation that improves on every earlier one, and never without
    validation (``data.val_fraction: 0``, ``limit_val_batches: 0``) or for a module that does
    not log ``monitor`` (the decoder logs ``val/decoder_loss``).

    Args:
        monitor: the logged value to minimise.
        filename: file name without ``.ckpt``.
    """

    def __init__(self, *, monitor: str = "val/energy", filename: str = "best") -> None:
        super().__init__(
            filename=filename,
            monitor=monitor,
            mode="min",
            save_top_k=1,
            enable_version_counter=False,
            auto_insert_metric_name=False,
            save_on_train_epoch_end=False,
        )

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        """Point the checkpoint folder at the trainer's root folder."""
        if self.dirpath is None:
            self.dirpath = str(Path(trainer.default_root_dir))
        super().setup(trainer, pl_module, stage)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Save when the validation logged ``monitor`` (Lightning would stop the run otherwise)."""
        if self.monitor in trainer.callback_metrics:
            super().on_validation_end(trainer, pl_module)
