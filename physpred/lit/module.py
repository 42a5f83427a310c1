"""FuturePredictionModule: trains an ``EnergyModel`` (objective, EMA schedule, logging, optimisers).

loss = E(x, y, z) + lambda R(z) + sum_k weight_k * term_k, z inferred from the clip, E averaged
over the batch; the terms (anti-collapse guards, contrastive hinge) are injected. Everything
about scoring futures lives in the model: ``module.model.free_energy(context, future)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.cli import LRSchedulerCallable, OptimizerCallable
from torch import Tensor, nn

from physpred.data.transforms import normalize_frames
from physpred.lit.schedule import momentum_at, optimizer_config
from physpred.models.candidates import candidate_accuracy, candidate_futures
from physpred.models.checkpoint import linked_config, model_record, read_checkpoint
from physpred.models.collapse import effective_rank, representation_std, sample_rows
from physpred.models.energy import EnergyModel
from physpred.models.targets import EMATarget
from physpred.models.terms import ObjectiveTerm, TrainingStep
from physpred.types import ClipGeometry

MAX_ROWS = 4096  # embedding rows of the collapse statistics


class FuturePredictionModule(pl.LightningModule):
    """Lowers the regularised energy of observed futures while the terms keep it honest.

    Args:
        energy_model: the model trained (encoder, predictor, latent, target, distance, geometry).
        terms: weighted objective terms (``VICRegTerm``, ``SIGRegTerm``, ``ContrastiveHinge``);
            an ``OnlineTarget`` needs an anti-collapse one.
        ema_momentum: (start, end) of the linear momentum schedule of an ``EMATarget``.
        optimizer: optimiser factory (``torch.optim.AdamW`` and its init args in YAML).
        lr_scheduler: scheduler factory, stepped every optimiser step, or None. A scheduler with
            ``total_steps: null`` gets the trainer's total number of steps.
        stats_every: log representation std / effective rank every this many steps.
        compile: ``torch.compile`` the encoder and predictor in place (GPU recipe).
    """

    def __init__(
        self,
        *,
        energy_model: EnergyModel,
        terms: Sequence[ObjectiveTerm] = (),
        ema_momentum: tuple[float, float] = (0.99, 1.0),
        optimizer: OptimizerCallable = torch.optim.AdamW,
        lr_scheduler: LRSchedulerCallable | None = None,
        stats_every: int = 50,
        compile: bool = False,
    ) -> None:
        super().__init__()
        with warnings.catch_warnings():  # parts given directly are dropped just below
            warnings.filterwarnings("ignore", message=".*is an instance of `nn.Module`")
            self.save_hyperparameters()
        for key in [k for k, v in self.hparams.items() if _is_part(v)]:
            del self.hparams[key]  # direct construction: parts live in the state dict, not hparams
        self.model, self.terms = energy_model, nn.ModuleList(terms)
        self.ema_momentum, self.stats_every, self.compile_parts = ema_momentum, stats_every, compile
        self.optimizer_factory, self.lr_scheduler_factory = optimizer, lr_scheduler
        if energy_model.target.online and not any(term.anti_collapse for term in terms):
            raise ValueError(
                "FuturePredictionModule config: an OnlineTarget needs an anti-collapse term "
                "(physpred.models.VICRegTerm or SIGRegTerm) in model.init_args.terms (fix the YAML)"
            )
        self.register_buffer("ema_step", torch.zeros((), dtype=torch.long))

    @property
    def geometry(self) -> ClipGeometry:
        """The clips the model reads."""
        return self.model.geometry

    @property
    def ema_target(self) -> EMATarget | None:
        """The model's EMA target, if it has one."""
        return self.model.target if isinstance(self.model.target, EMATarget) else None

    # ----------------------------------------------------------------- Lightning hooks
    def configure_model(self) -> None:
        """Compile the encoder and predictor in place (state-dict keys unchanged)."""
        if self.compile_parts:
            self.model.encoder.compile()
            self.model.predictor.compile()

    def training_step(self, batch: Tensor, batch_idx: int) -> Tensor:
        """One step on uint8 clips (B, C + M, 3, H, W)."""
        loss, terms, embeddings = self._objective(batch)
        self.log("train/loss", loss, prog_bar=True)
        self.log_dict({f"train/{k}": v for k, v in terms.items()})
        if self.ema_target is not None:
            self.log("train/ema_momentum", self._momentum(int(self.ema_step) + 1))
        if self.global_step % self.stats_every == 0:
            self._log_stats("train", embeddings)
        return loss

    def validation_step(self, batch: Tensor, batch_idx: int) -> None:
        """Energy of the true future, how often it beats the distractors, and the copy-last control."""
        self._evaluate(batch, batch_idx, "val")

    def test_step(self, batch: Tensor, batch_idx: int) -> None:
        """As ``validation_step``, logged under ``test/`` (``physpred test``)."""
        self._evaluate(batch, batch_idx, "test")

    def predict_step(self, batch: Tensor, batch_idx: int) -> dict[str, Tensor]:
        """Per clip (B,): the free energy of its true future with z inferred and at z = 0, and
        the energy of copy-last (``physpred predict`` writes them to predictions.csv)."""
        context, future = self.model.split(batch)
        return {
            "free_energy": self.model.free_energy(context, future),
            "free_energy_prior": self.model.free_energy(context, future, z="prior"),
            "energy_copy_last": self.model.copy_last_energy(context, future),
        }

    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        """Log the global gradient norm."""
        norms = [p.grad.detach().norm() for p in self.parameters() if p.grad is not None]
        if norms:
            self.log("train/grad_norm", torch.linalg.vector_norm(torch.stack(norms)))

    def optimizer_step(self, *args: object, **kwargs: object) -> None:
        """Optimiser step, then the EMA update of the target (before any callback runs, so
        checkpoints written on ``on_train_batch_end`` hold the updated target)."""
        super().optimizer_step(*args, **kwargs)
        if self.ema_target is None:
            return
        self.ema_step += 1
        self.ema_target.update(self.model.encoder, self._momentum(int(self.ema_step)))

    def configure_optimizers(self) -> dict:
        """Optimiser over trainable parameters; the scheduler steps every optimiser step."""
        trainable = [p for p in self.parameters() if p.requires_grad]
        return optimizer_config(trainable, self.optimizer_factory, self.lr_scheduler_factory, self.trainer)

    @classmethod
    def load_from_checkpoint(  # type: ignore[override]
        cls, checkpoint_path: str | Path, map_location: Any = None, **kwargs: Any
    ) -> FuturePredictionModule:
        """Lightning's ``load_from_checkpoint``, with the model options the CLI links from the
        data (clip geometry, the predictor's clip lengths) read back from the checkpoint's
        record: the saved hyper-parameters leave them out, as links."""
        if "energy_model" not in kwargs:
            config = linked_config(read_checkpoint(Path(checkpoint_path)), Path(checkpoint_path))
            geometry = config["init_args"]["geometry"].as_dict()
            kwargs["energy_model"] = {**config, "init_args": {**config["init_args"], "geometry": geometry}}
        return super().load_from_checkpoint(checkpoint_path, map_location=map_location, **kwargs)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Store what ``physpred.models.load_model`` rebuilds the model from."""
        config = self.hparams.get("energy_model")
        checkpoint["physpred"] = model_record(config if isinstance(config, dict) else None, self.geometry, "model.")

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Refuse, in one line, to resume from a checkpoint of the layout before ``EnergyModel``."""
        if "physpred" not in checkpoint:
            raise ValueError(
                "this checkpoint was written by an older physpred (before EnergyModel) and cannot be "
                "resumed: retrain with `physpred fit` without --ckpt_path"
            )

    # ----------------------------------------------------------------- internals
    def _momentum(self, step: int) -> float:
        return momentum_at(step, int(self.trainer.estimated_stepping_batches), *self.ema_momentum)

    def _objective(self, clip: Tensor) -> tuple[Tensor, dict[str, Tensor], Tensor]:
        """Training loss, its named terms and the online embeddings (B, T', N, D) of the clip."""
        model = self.model
        ctx, target, last, raw = model.training_encodings(clip)
        z = model.infer_z(ctx, target, last)
        pred = model.prediction(ctx, z, last)  # (B, M', N, Dt)
        energy = model.distance(pred, target).mean()
        reg = model.latent.regularizer(z).mean()
        terms = {"energy": energy, "latent_reg": reg}
        loss = energy + model.latent.weight * reg
        step = TrainingStep(*model.split(clip), prediction=pred, target=target, embeddings=raw, step=self.global_step)
        for term in self.terms:
            parts = term(step, model)
            terms.update(parts)
            loss = loss + term.weight * sum(parts.values())
        return loss, terms, raw

    def _evaluate(self, batch: Tensor, batch_idx: int, stage: str) -> None:
        model = self.model
        context, future = model.split(batch)
        candidates, _ = candidate_futures(context, future)
        scores = model.score_candidates(context, candidates)  # (B, K)
        acc = candidate_accuracy(scores, candidates)
        prior = model.free_energy(context, future, z="prior")
        metrics = {
            f"{stage}/energy": scores[:, 0].mean(),
            f"{stage}/energy_prior": prior.mean(),
            f"{stage}/candidate_acc": acc,
        }
        self.log_dict(metrics, sync_dist=True, prog_bar=True)
        self.log(f"{stage}/energy_copy_last", model.copy_last_energy(context, future).mean(), sync_dist=True)
        if batch_idx == 0 and not model.predicts_pixels:
            self._log_stats(stage, model.encoder(normalize_frames(context)))

    def _log_stats(self, stage: str, embeddings: Tensor) -> None:
        rows = sample_rows(embeddings.detach(), MAX_ROWS)
        self.log(f"{stage}/repr_std", representation_std(rows))
        self.log(f"{stage}/repr_erank", effective_rank(rows))


def _is_part(value: object) -> bool:
    """A module, a factory, or a sequence of modules: things hparams cannot hold."""
    if isinstance(value, (list, tuple)):
        return any(isinstance(item, nn.Module) for item in value)
    return isinstance(value, nn.Module) or callable(value)
