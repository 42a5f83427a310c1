"""Training-time media: prediction strips, rollouts, candidate energies and probe surprise.

A Lightning callback that lives in ``viz`` because it draws with ``viz`` and scores probes with
``eval``; it reads the trained module's ``model`` (an ``EnergyModel``) and ``geometry``.

TensorBoard gets images, wandb gets images and videos, and every other logger (CSV, none)
gets PNG and GIF files under ``<log_dir>/media``, so a run always leaves something to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from matplotlib.figure import Figure
from pytorch_lightning.loggers import Logger, TensorBoardLogger, WandbLogger
from torch import Tensor

from physpred.data import ProbeDataset
from physpred.eval.surprise import window_surprise
from physpred.models.candidates import candidate_futures
from physpred.viz.files import save_figure
from physpred.viz.frames import figure_to_array
from physpred.viz.plots import candidate_energies, prediction_strip
from physpred.viz.predictions import FramePredictor, predict_frames
from physpred.viz.probes import divergence_frame
from physpred.viz.rollout import save_rollout, side_by_side
from physpred.viz.surprise import surprise_curve


def _media_dir(trainer: pl.Trainer, logger: Logger | None) -> Path:
    """Where files go: the logger's own folder if it has one, else the trainer's."""
    log_dir = getattr(logger, "log_dir", None) or trainer.log_dir or trainer.default_root_dir
    return Path(log_dir) / "media"


def log_image(trainer: pl.Trainer, tag: str, figure: Figure) -> None:
    """Send a figure to every active logger (as an image where it takes one, else a PNG file).

    Args:
        trainer: the trainer whose loggers receive it.
        tag: name such as ``media/prediction_0``.
        figure: the figure.
    """
    image = figure_to_array(figure)  # (H, W, 3)
    step = trainer.global_step
    for logger in trainer.loggers or [None]:
        if isinstance(logger, TensorBoardLogger):
            logger.experiment.add_image(tag, image, step, dataformats="HWC")
        elif isinstance(logger, WandbLogger):
            logger.log_image(key=tag, images=[image], step=step)
        else:
            name = f"{tag.replace('/', '_')}_step{step:07d}.png"
            save_figure(figure, _media_dir(trainer, logger) / name, dpi=80)


def log_video(trainer: pl.Trainer, tag: str, frames: Tensor | np.ndarray, fps: float) -> None:
    """Send frames to wandb as a video; every logger also keeps a GIF file.

    Args:
        trainer: the trainer whose loggers receive it.
        tag: name such as ``media/rollout_0``.
        frames: uint8 (T, 3, H, W).
        fps: frames per second.
    """
    step = trainer.global_step
    name = f"{tag.replace('/', '_')}_step{step:07d}.gif"
    for logger in trainer.loggers or [None]:
        # wandb uploads from a file, so the GIF is written for it too.
        path = save_rollout(frames, _media_dir(trainer, logger) / name, fps=fps)
        if isinstance(logger, WandbLogger):
            logger.log_video(key=tag, videos=[str(path)], step=step)


class PredictionMediaCallback(pl.Callback):
    """Every ``every_n_epochs`` epochs, log what the model predicts and how surprised it is.

    For each of ``num_examples`` clips of the first validation batch (the first training batch
    when there is no validation): a strip of context, true future and, when the prediction can
    be drawn (pixel-space models, a ``DecoderModule``), the predicted future plus a GIF of true
    beside predicted; and the free energies the model gives the true future and the
    distractors of ``val/candidate_acc`` (``score_candidates``). With ``probe_root``, also the surprise over
    time of the first ``probe_pairs`` (possible, impossible) probe pairs, their divergence marked.

    Args:
        every_n_epochs: log after epochs 0, n, 2n, ...
        num_examples: clips shown each time.
        fps: frames per second of the GIFs / videos.
        probe_root: a probe set (IntPhys layout or CSV manifest), or None.
        probe_pairs: probe pairs plotted each time.
        probe_stride: source frames between consecutive probe windows.
    """

    def __init__(
        self,
        *,
        every_n_epochs: int = 1,
        num_examples: int = 2,
        fps: float = 4.0,
        probe_root: str | None = None,
        probe_pairs: int = 1,
        probe_stride: int = 2,
    ) -> None:
        super().__init__()
        if min(every_n_epochs, num_examples, probe_pairs, probe_stride) < 1:
            raise ValueError(
                "PredictionMediaCallback: every_n_epochs, num_examples, probe_pairs and "
                "probe_stride must be >= 1"
            )
        self.every_n_epochs = every_n_epochs
        self.num_examples = num_examples
        self.fps = fps
        self.probe_root = probe_root
        self.probe_pairs = probe_pairs
        self.probe_stride = probe_stride
        self._clips: dict[str, Tensor] = {}
        self._probes: ProbeDataset | None = None  # opened once: finding its pairs reads every movie

    def _keep(self, stage: str, batch: Any, batch_idx: int) -> None:
        if batch_idx == 0 and isinstance(batch, Tensor):
            self._clips[stage] = batch[: self.num_examples].detach().cpu()

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        self._keep("train", batch, batch_idx)

    def on_validation_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        if not trainer.sanity_checking and dataloader_idx == 0:
            self._keep("val", batch, batch_idx)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Validation at the end of an epoch runs before this hook, so its batch is fresh here.
        clips = self._clips.get("val", self._clips.get("train"))
        self._clips.clear()
        if (
            clips is None
            or trainer.current_epoch % self.every_n_epochs
            or not trainer.is_global_zero
        ):
            return
        was_training = pl_module.training
        pl_module.eval()
        try:
            self.log_predictions(trainer, pl_module, clips.to(pl_module.device))
            if self.probe_root is not None:
                self.log_probe_surprise(trainer, pl_module)
        finally:
            pl_module.train(was_training)

    @torch.no_grad()
    def log_predictions(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, clips: Tensor
    ) -> None:
        """Log the strips, rollouts and candidate energies of ``clips`` (B, T, 3, H, W) uint8."""
        model = pl_module.model  # the EnergyModel trained or drawn
        context, future = model.split(clips)
        drawer = pl_module if isinstance(pl_module, FramePredictor) else None  # a DecoderModule
        predicted = predict_frames(model, context, decoder=drawer)
        candidates, labels = candidate_futures(context, future)
        energies = model.score_candidates(context, candidates)
        for i in range(len(clips)):
            guess = None if predicted is None else predicted[i]
            log_image(
                trainer, f"media/prediction_{i}", prediction_strip(context[i], future[i], guess)
            )
            log_image(trainer, f"media/candidates_{i}", candidate_energies(energies[i], labels))
            if guess is not None:
                log_video(trainer, f"media/rollout_{i}", side_by_side([future[i], guess]), self.fps)

    def log_probe_surprise(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Log surprise over time of the first probe pairs, possible against impossible."""
        if self._probes is None:  # a plot: incomplete scenes are left out (logged), not fatal
            self._probes = ProbeDataset(
                self.probe_root, frame_size=pl_module.geometry.frame_size, incomplete="skip"
            )
        probes = self._probes
        index = {video: i for i, video in enumerate(probes.movies)}
        for possible_id, impossible_id in probes.pairs[: self.probe_pairs]:
            movies = [probes[index[video]] for video in (possible_id, impossible_id)]
            curves = [
                window_surprise(
                    pl_module.model,
                    movie.frames.to(pl_module.device),
                    pl_module.geometry.frame_step,
                    self.probe_stride,
                    batch_size=16,
                    z="infer",
                )
                for movie in movies
            ]
            length = min(len(energies) for energies, _ in curves)
            diverge = divergence_frame(movies[0].frames, movies[1].frames)
            figure = surprise_curve(
                curves[0][1][:length],
                [curves[0][0][:length]],
                [curves[1][0][:length]],
                violation_frames=diverge,
                thumbnails=movies[1].frames,
                title=f"{impossible_id} (impossible) against {possible_id}",
            )
            log_image(trainer, f"media/surprise_{impossible_id.replace('/', '_')}", figure)
