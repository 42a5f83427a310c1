"""``physpred fit|validate|test|predict``: LightningCLI with data -> model argument links.

Data options flow to the model: ``data.context_frames``, ``future_frames``, ``frame_step`` and
``frame_size`` set ``model.init_args.*`` of the same name, and the predictor's clip lengths.
A ``RunCheckpoint`` is always added (``--checkpoint.*``): it writes
``<trainer.default_root_dir>/model.ckpt``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pytorch_lightning as pl
from pytorch_lightning.cli import LightningArgumentParser, LightningCLI

from physpred.lit.checkpoint import RunCheckpoint

LINKED = ("context_frames", "future_frames", "frame_step", "frame_size")
PREDICTOR_LINKED = ("context_frames", "future_frames")


class PhysPredCLI(LightningCLI):
    """LightningCLI with physpred's argument links and fixed-path checkpoint."""

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        """Add ``--checkpoint.*`` and link clip geometry from data to model."""
        parser.add_lightning_class_args(RunCheckpoint, "checkpoint")
        for key in LINKED:
            parser.link_arguments(f"data.{key}", f"model.init_args.{key}")
        for key in PREDICTOR_LINKED:  # skipped silently for models without a predictor
            parser.link_arguments(f"data.{key}", f"model.init_args.predictor.init_args.{key}")


def main(argv: Sequence[str]) -> int:
    """Run a LightningCLI sub-command (``fit``, ``validate``, ``test``, ``predict``); returns 0."""
    from physpred.data import VideoDataModule

    with warnings.catch_warnings():  # physpred.cli hands us argv on purpose
        warnings.filterwarnings("ignore", message="LightningCLI's args parameter")
        PhysPredCLI(
            pl.LightningModule,
            VideoDataModule,
            subclass_mode_model=True,
            args=list(argv),
            auto_configure_optimizers=False,
            save_config_kwargs={"overwrite": True},
        )
    return 0
