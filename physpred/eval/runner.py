"""Scoring probe movies through Lightning, so that one or many devices work alike."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytorch_lightning as pl
import torch

from physpred.eval.surprise import MovieScorer, Scorer, window_surprise, window_surprise_with_prior
from physpred.eval.windows import WindowScorer, fixed_window_surprise
from physpred.lit.progress import ProgressLog
from physpred.models.energy import ZChoice
from physpred.types import ProbeMovie


@dataclass
class MovieSurprise:
    """Surprise of one probe movie.

    Attributes:
        video: movie id (its path relative to the probe root, ``"O1/01/3"``).
        block: block id.
        scene: scene id.
        is_possible: label, None when unknown.
        energies: (S,) free energy per window.
        future_start: (S,) source frame at which each window's future begins.
        energies_prior: (S,) free energy per window at z = 0, when the runner was asked for it
            (to measure what the inferred latent explains); None otherwise.
    """

    video: str
    block: str
    scene: str
    is_possible: bool | None
    energies: np.ndarray
    future_start: np.ndarray
    energies_prior: np.ndarray | None = None

    @property
    def surprise_mean(self) -> float:
        """Mean energy over the windows."""
        return float(self.energies.mean())

    @property
    def surprise_max(self) -> float:
        """Largest energy over the windows."""
        return float(self.energies.max())


class NonFiniteSurprise(ValueError):
    """A movie's surprise is NaN or infinite: broken weights or normalisation, not a score
    (every comparison with NaN is False, which would print as an accuracy of 0)."""

    def __init__(self, video: str, energies: np.ndarray) -> None:
        bad = int((~np.isfinite(energies)).sum())
        super().__init__(
            f"movie {video}: surprise is not finite in {bad} of {energies.size} windows "
            f"({energies[~np.isfinite(energies)][0]}); the model's weights or its input "
            "normalisation are broken (a diverged training, a std of 0): check the checkpoint or "
            "--weights folder"
        )


class SurpriseRunner(pl.LightningModule):
    """Wraps a scorer so that ``Trainer.predict`` yields one :class:`MovieSurprise` per movie.

    Args:
        scorer: model with ``free_energy`` and ``geometry``, a
            :class:`~physpred.eval.windows.WindowScorer` (scored with V-JEPA's window layout), or
            a :class:`~physpred.eval.surprise.MovieScorer` (one energy per frame along the movie;
            ``stride``, ``contexts`` and ``z`` do not apply).
        frame_step: source frames between consecutive frames of a window.
        stride: source frames between consecutive window starts.
        batch_size: windows per ``free_energy`` call.
        z: ``"infer"`` or ``"prior"``.
        contexts: context lengths to minimise over; None for the scorer's own.
        prior_too: also score every window at z = 0 (``MovieSurprise.energies_prior``).
    """

    def __init__(
        self,
        *,
        scorer: Scorer | WindowScorer | MovieScorer,
        frame_step: int,
        stride: int,
        batch_size: int,
        z: ZChoice,
        contexts: Sequence[int] | None,
        prior_too: bool = False,
    ) -> None:
        super().__init__()
        self.scorer = scorer
        self.frame_step = frame_step
        self.stride = stride
        self.batch_size = batch_size
        self.z: ZChoice = z
        self.contexts = contexts
        self.prior_too = prior_too

    def predict_step(self, movie: ProbeMovie, batch_idx: int) -> MovieSurprise:
        """Window energies of one movie (the predict dataloader yields single ProbeMovies)."""
        def score(z: ZChoice) -> tuple[np.ndarray, np.ndarray]:
            if isinstance(self.scorer, MovieScorer):  # a state carried along the whole movie
                energies, future_start = self.scorer.movie_energies(
                    movie.frames, movie.masks, movie.kinds, self.frame_step
                )
            elif isinstance(self.scorer, WindowScorer):  # no latent: V-JEPA's fixed windows
                energies, future_start = fixed_window_surprise(
                    self.scorer,
                    movie.frames,
                    self.frame_step,
                    self.stride,
                    self.batch_size,
                    self.contexts or (),
                )
            else:
                energies, future_start = window_surprise(
                    self.scorer,
                    movie.frames,
                    self.frame_step,
                    self.stride,
                    self.batch_size,
                    z,
                    self.contexts,
                )
            return energies.numpy(), future_start.numpy()

        try:
            if self.prior_too and self.z == "infer" and not isinstance(self.scorer, WindowScorer):
                energies, prior, future_start = (
                    t.numpy()
                    for t in window_surprise_with_prior(
                        self.scorer,
                        movie.frames,
                        self.frame_step,
                        self.stride,
                        self.batch_size,
                        self.contexts,
                    )
                )
            else:
                energies, future_start = score(self.z)
                prior = score("prior")[0] if self.prior_too else None
        except ValueError as err:
            raise ValueError(f"{movie.video}: {err}") from err
        for values in (energies, prior):
            if values is not None and not np.isfinite(values).all():
                raise NonFiniteSurprise(movie.video, values)
        return MovieSurprise(
            movie.video,
            movie.block,
            movie.scene,
            movie.is_possible,
            energies,
            future_start,
            prior,
        )


def make_trainer(
    accelerator: str, devices: str | int, callbacks: Sequence[pl.Callback] = ()
) -> pl.Trainer:
    """A quiet predict-only Trainer; grad stays available (latent refinement may need it).

    On a terminal it shows Lightning's bar; elsewhere (nohup, SLURM, a notebook) it logs the
    movies and windows done, with an ETA, every 30 seconds. ``callbacks`` are added.
    """
    terminal = sys.stderr.isatty()
    return pl.Trainer(
        accelerator=accelerator,
        devices=devices,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=terminal,
        callbacks=[
            *callbacks,
            *([] if terminal else [ProgressLog(extra=("windows", _window_count))]),
        ],
        inference_mode=False,
    )


def _window_count(movie: MovieSurprise) -> int:
    """Windows scored in one movie (the predict step's output)."""
    return len(movie.energies)


def score_movies(
    runner: SurpriseRunner, datamodule: pl.LightningDataModule, trainer: pl.Trainer
) -> list[MovieSurprise]:
    """Run ``trainer.predict`` and gather every rank's movies, sorted by id, on every rank.

    The trainer must be built with ``inference_mode=False`` (see :func:`make_trainer`).
    Movies a distributed sampler repeated to even out the ranks are kept once.
    """
    local = trainer.predict(runner, datamodule=datamodule) or []
    if trainer.world_size > 1:
        gathered: list[list[MovieSurprise]] = [[] for _ in range(trainer.world_size)]
        torch.distributed.all_gather_object(gathered, local)
        local = [movie for part in gathered for movie in part]
    return sorted({movie.video: movie for movie in local}.values(), key=lambda m: m.video)
