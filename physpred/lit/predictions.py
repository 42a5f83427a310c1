"""What ``physpred predict`` predicts, written to ``<trainer.default_root_dir>/predictions.csv``.

One row per held-out clip: the video and frames it was read from, the free energy of its true
future with z inferred and at z = 0, and the energy of "nothing moves" (copy-last), which a
model's energy must beat.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import BasePredictionWriter
from torch import Tensor

from physpred.files import atomic_path

COLUMNS = ("video", "frames", "free_energy", "free_energy_prior", "energy_copy_last")


def prediction_rows(
    prediction: dict[str, Tensor], indices: Sequence[int], source: Any
) -> list[dict[str, Any]]:
    """One dict per clip of a batch.

    Args:
        prediction: ``predict_step``'s output, (B,) tensors named as ``COLUMNS[2:]``.
        indices: the dataset indices of the batch's clips.
        source: ``index -> (video path, frame numbers)`` (``VideoClipDataset.clip_source``).
    """
    rows = []
    for position, index in enumerate(indices):
        video, frames = source(index)
        rows.append(
            {
                "video": str(video),
                "frames": " ".join(map(str, frames)),
                **{key: f"{float(prediction[key][position]):.6g}" for key in COLUMNS[2:]},
            }
        )
    return rows


class PredictionWriter(BasePredictionWriter):
    """Writes ``predictions.csv`` (``predictions.rank<R>.csv`` per rank on several devices).

    Args:
        filename: the file's name in ``trainer.default_root_dir``.
    """

    def __init__(self, filename: str = "predictions.csv") -> None:
        super().__init__(write_interval="batch")
        self.filename = filename
        self.rows: list[dict[str, Any]] = []

    def on_predict_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.rows = []

    def write_on_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        prediction: Any,
        batch_indices: Sequence[int] | None,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        """Keep the batch's rows (written once, at the end of the epoch)."""
        loaders = trainer.predict_dataloaders
        loader = loaders[dataloader_idx] if isinstance(loaders, list) else loaders
        self.rows += prediction_rows(prediction, batch_indices or [], loader.dataset.clip_source)

    def on_predict_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Write the rows."""
        name = self.filename
        if trainer.world_size > 1:
            name = name.replace(".csv", f".rank{trainer.global_rank}.csv")
        path = Path(trainer.default_root_dir) / name
        with atomic_path(path) as temporary, open(temporary, "w", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)
        print(f"wrote {path} ({len(self.rows)} clips)")
