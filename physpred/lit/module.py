"""FuturePredictionModule: the latent-variable energy-based predictor as a LightningModule.

E(x, y, z) = D(Pred(Enc(x), z), T(y)); F(x, y) = min_z E + lambda R(z), approximated by the
amortised z (plus optional refinement). T is an EMA copy of Enc (``collapse: ema``), Enc itself
(``vicreg`` / ``sigreg``, regularised) or the identity on pixels (``space: pixel``).
"""

from __future__ import annotations

import copy
import warnings
from typing import Literal

import pytorch_lightning as pl
import torch
from einops import rearrange, repeat
from pytorch_lightning.cli import LRSchedulerCallable, OptimizerCallable
from torch import Tensor, nn

from physpred.data.clips import split_clip
from physpred.data.transforms import normalize_frames
from physpred.lit.candidates import candidate_futures, motion_distractors
from physpred.models.collapse import (
    Collapse,
    effective_rank,
    ema_update,
    momentum_at,
    representation_std,
    sigreg,
    vicreg_terms,
)
from physpred.models.energy import Distance, PixelHead, normalize_tokens, patchify, token_energy
from physpred.models.latent import LatentVariable

MAX_ROWS = 4096  # embeddings rows used by collapse terms and statistics


class FuturePredictionModule(pl.LightningModule):
    """Predicts future representations from context frames; scores futures by free energy.

    Args:
        encoder: frames (B, T, 3, H, W) in [-1, 1] -> tokens (B, T', N, D); has ``dim``, ``stride``.
        predictor: (context tokens (B, C', N, D), z (B, Z)) -> (B, M', N, D).
        latent: the latent variable (size Z, lambda, refinement).
        pixel_head: tokens -> pixel patches; required by ``space: pixel``, unused otherwise.
        space: "representation" (JEPA-style) or "pixel" (baseline) energy.
        distance: "l1" or "l2".
        collapse: "ema" (EMA target + stop-gradient), "vicreg" or "sigreg" (online target plus
            that regulariser, weight ``collapse_weight``); "none" (only for ``space: pixel``).
        collapse_weight: weight of the VICReg / SIGReg term.
        ema_momentum: (start, end) of the linear EMA momentum schedule over training.
        context_frames: C (linked from ``data.context_frames``).
        future_frames: M (linked from ``data.future_frames``).
        frame_step: stride between frames in training clips (informational).
        frame_size: side of the training frames (informational; callers resize to it).
        optimizer: optimiser factory (``torch.optim.AdamW`` and its init args in YAML).
        lr_scheduler: scheduler factory, stepped every optimiser step, or None.
        contrast_weight: weight of the contrastive hinge that pushes the energy of "nothing
            moves" and time-reversed futures above the true future's (0: off; regularised
            training only).
        contrast_margin: the hinge's margin, as a share of each distractor's distance to the
            true future in target space (so a distractor equal to the truth costs nothing).
        stats_every: log representation std / effective rank every this many steps.
        compile: ``torch.compile`` the encoder and predictor in place (GPU recipe).
    """

    def __init__(
        self,
        *,
        encoder: nn.Module,
        predictor: nn.Module,
        latent: LatentVariable,
        pixel_head: PixelHead | None = None,
        space: Literal["representation", "pixel"] = "representation",
        distance: Distance = "l2",
        collapse: Collapse = "ema",
        collapse_weight: float = 1.0,
        ema_momentum: tuple[float, float] = (0.99, 1.0),
        context_frames: int = 8,
        future_frames: int = 4,
        frame_step: int = 1,
        frame_size: int = 64,
        optimizer: OptimizerCallable = torch.optim.AdamW,
        lr_scheduler: LRSchedulerCallable | None = None,
        contrast_weight: float = 0.0,
        contrast_margin: float = 0.5,
        stats_every: int = 50,
        compile: bool = False,
    ) -> None:
        super().__init__()
        with warnings.catch_warnings():  # parts given directly are dropped just below
            warnings.filterwarnings("ignore", message=".*is an instance of `nn.Module`")
            self.save_hyperparameters()
        for key in [k for k, v in self.hparams.items() if isinstance(v, nn.Module) or callable(v)]:
            del self.hparams[key]  # direct construction: parts live in the state dict, not hparams
        _pin_linked_lengths(self.hparams, predictor)
        self.encoder, self.predictor, self.latent, self.pixel_head = encoder, predictor, latent, pixel_head
        self.space, self.distance, self.collapse = space, distance, collapse
        self.collapse_weight, self.ema_momentum = collapse_weight, ema_momentum
        self.context_frames, self.future_frames = context_frames, future_frames
        self.frame_step, self.frame_size = frame_step, frame_size
        self.optimizer_factory, self.lr_scheduler_factory = optimizer, lr_scheduler
        self.contrast_weight, self.contrast_margin = contrast_weight, contrast_margin
        self.stats_every, self.compile_parts = stats_every, compile
        _check_parts(self)
        self.target_encoder = copy.deepcopy(encoder).requires_grad_(False) if collapse == "ema" else None
        self.register_buffer("ema_step", torch.zeros((), dtype=torch.long))

    # ----------------------------------------------------------------- public API (contract)
    def predict_representations(self, context: Tensor, z: Tensor | None = None) -> Tensor:
        """Predicted future tokens.

        Args:
            context: uint8 (B, C, 3, H, W).
            z: (B, Z) latent, or None for the prior's mode (z = 0).

        Returns:
            (B, M', N, D) (pixel space: D = 3 p^2 pixel-patch values in [-1, 1]).
        """
        ctx, last = self._encode_context(context)
        z = self.latent.zeros(ctx.shape[0], ctx) if z is None else z
        return self._predict(ctx, z, last)

    def target_representations(self, future: Tensor) -> Tensor:
        """Target tokens of future frames (B, M, 3, H, W) uint8 -> (B, M', N, D)."""
        frames = normalize_frames(future)
        if self.space == "pixel":
            return patchify(frames, self.pixel_head.patch_size)
        encoder = self.target_encoder if self.target_encoder is not None else self.encoder
        return normalize_tokens(encoder(frames))

    @torch.no_grad()
    def free_energy(
        self, context: Tensor, future: Tensor, latent: Literal["infer", "prior"] = "infer"
    ) -> Tensor:
        """F(x, y) = min_z E(x, y, z) + lambda R(z) (``infer``) or E at z = 0 (``prior``).

        Args:
            context: uint8 (B, C, 3, H, W).
            future: uint8 (B, M, 3, H, W).
            latent: how z is chosen.

        Returns:
            (B,) free energies (detached).
        """
        ctx, last = self._encode_context(context)
        return self._free_energy(ctx, self.target_representations(future), last, latent)

    @torch.no_grad()
    def score_candidates(
        self, context: Tensor, candidates: Tensor, latent: Literal["infer", "prior"] = "infer"
    ) -> Tensor:
        """Free energy of K candidate futures per context; lower = more compatible.

        Args:
            context: uint8 (B, C, 3, H, W).
            candidates: uint8 (B, K, M, 3, H, W).
            latent: how z is chosen.

        Returns:
            (B, K) free energies.
        """
        k = candidates.shape[1]
        ctx, last = self._encode_context(context)
        ctx = repeat(ctx, "b t n d -> (b k) t n d", k=k)
        last = repeat(last, "b c h w -> (b k) c h w", k=k)
        target = self.target_representations(rearrange(candidates, "b k m c h w -> (b k) m c h w"))
        return rearrange(self._free_energy(ctx, target, last, latent), "(b k) -> b k", k=k)

    # ----------------------------------------------------------------- Lightning hooks
    def configure_model(self) -> None:
        """Compile the encoder and predictor in place (state-dict keys unchanged)."""
        if self.compile_parts:
            self.encoder.compile()
            self.predictor.compile()

    def training_step(self, batch: Tensor, batch_idx: int) -> Tensor:
        """One step on uint8 clips (B, C + M, 3, H, W)."""
        loss, terms, embeddings = self._objective(batch)
        self.log("train/loss", loss, prog_bar=True)
        self.log_dict({f"train/{k}": v for k, v in terms.items()})
        if self.target_encoder is not None:
            total = int(self.trainer.estimated_stepping_batches)
            self.log("train/ema_momentum", momentum_at(int(self.ema_step) + 1, total, *self.ema_momentum))
        if self.global_step % self.stats_every == 0:
            self._log_stats("train", embeddings)
        return loss

    def validation_step(self, batch: Tensor, batch_idx: int) -> None:
        """Energy of the true future, how often it beats the distractors, and the copy-last control."""
        self._evaluate(batch, batch_idx, "val")

    def test_step(self, batch: Tensor, batch_idx: int) -> None:
        """As ``validation_step``, logged under ``test/`` (``physpred test``)."""
        self._evaluate(batch, batch_idx, "test")

    def predict_step(self, batch: Tensor, batch_idx: int) -> Tensor:
        """Free energy (B,) of each clip's true future (``physpred predict``)."""
        return self.free_energy(*self._split(batch))

    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        """Log the global gradient norm."""
        norms = [p.grad.detach().norm() for p in self.parameters() if p.grad is not None]
        if norms:
            self.log("train/grad_norm", torch.linalg.vector_norm(torch.stack(norms)))

    def optimizer_step(self, *args: object, **kwargs: object) -> None:
        """Optimiser step, then the EMA update of the target encoder (before any callback runs,
        so checkpoints written on ``on_train_batch_end`` hold the updated target)."""
        super().optimizer_step(*args, **kwargs)
        if self.target_encoder is None:
            return
        self.ema_step += 1
        momentum = momentum_at(int(self.ema_step), int(self.trainer.estimated_stepping_batches), *self.ema_momentum)
        ema_update(self.target_encoder, self.encoder, momentum)

    def configure_optimizers(self) -> dict:
        """Optimiser over trainable parameters; the scheduler steps every optimiser step."""
        optimizer = self.optimizer_factory([p for p in self.parameters() if p.requires_grad])
        if self.lr_scheduler_factory is None:
            return {"optimizer": optimizer}
        scheduler = self.lr_scheduler_factory(optimizer)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    # ----------------------------------------------------------------- internals
    def _evaluate(self, batch: Tensor, batch_idx: int, stage: str) -> None:
        context, future = self._split(batch)
        scores = self.score_candidates(context, candidate_futures(context, future))  # (B, K)
        acc = (scores[:, 0] < scores[:, 1:].min(dim=1).values).float().mean()
        prior = self.free_energy(context, future, latent="prior")
        metrics = {
            f"{stage}/energy": scores[:, 0].mean(),
            f"{stage}/energy_prior": prior.mean(),
            f"{stage}/candidate_acc": acc,
        }
        self.log_dict(metrics, sync_dist=True, prog_bar=True)
        self.log(f"{stage}/energy_copy_last", self._copy_last_energy(context, future).mean(), sync_dist=True)
        if batch_idx == 0 and self.space == "representation":
            self._log_stats(stage, self.encoder(normalize_frames(context)))

    def _split(self, clip: Tensor) -> tuple[Tensor, Tensor]:
        expected = self.context_frames + self.future_frames
        if clip.shape[1] != expected:
            raise ValueError(
                f"clips have {clip.shape[1]} frames but the model expects context_frames + "
                f"future_frames = {expected}; set data.context_frames / data.future_frames to match"
            )
        return split_clip(clip, self.context_frames)

    def _encode_context(self, context: Tensor) -> tuple[Tensor, Tensor]:
        """uint8 (B, C, 3, H, W) -> normalised tokens (B, C', N, D), last frame (B, 3, H, W)."""
        frames = normalize_frames(context)
        return normalize_tokens(self.encoder(frames)), frames[:, -1]

    def _predict(self, ctx: Tensor, z: Tensor, last: Tensor) -> Tensor:
        pred = self.predictor(ctx, z)  # (B, M', N, D)
        return self.pixel_head(pred, last) if self.space == "pixel" else pred

    def _infer_z(self, ctx: Tensor, target: Tensor, last: Tensor) -> Tensor:
        """Amortised z from what the z = 0 prediction missed (Error-Encoding Network)."""
        if self.latent.dim == 0:
            return self.latent.zeros(ctx.shape[0], ctx)
        with torch.no_grad():
            pred0 = self._predict(ctx, self.latent.zeros(ctx.shape[0], ctx), last)
        return self.latent.infer(ctx[:, -1], target.detach() - pred0)

    def _free_energy(
        self, ctx: Tensor, target: Tensor, last: Tensor, latent: Literal["infer", "prior"]
    ) -> Tensor:
        """(B,) free energies from encoded context and targets."""
        if latent == "prior":
            z = self.latent.zeros(ctx.shape[0], ctx)
        else:
            z = self._infer_z(ctx, target, last)
            if self.latent.refine_steps:
                with torch.inference_mode(False):  # refinement needs autograd tensors
                    ctx, target, last = ctx.clone(), target.clone(), last.clone()
                z = self.latent.refine(
                    z, lambda zz: token_energy(self._predict(ctx, zz, last), target, self.distance)
                )
        energy = token_energy(self._predict(ctx, z, last), target, self.distance)
        return energy + self.latent.weight * self.latent.regularizer(z)

    def _objective(self, clip: Tensor) -> tuple[Tensor, dict[str, Tensor], Tensor]:
        """Training loss, its terms and the online embeddings (B, T', N, D) of the clip."""
        context, future = self._split(clip)
        if self.collapse in ("vicreg", "sigreg"):  # online target: encode the clip once
            raw = self.encoder(normalize_frames(clip))  # (B, T', N, D)
            steps = raw.shape[1] * self.context_frames // clip.shape[1]
            ctx, target = normalize_tokens(raw[:, :steps]), normalize_tokens(raw[:, steps:])
            last = normalize_frames(context[:, -1])
        else:
            raw = self.encoder(normalize_frames(context))
            ctx, last = normalize_tokens(raw), normalize_frames(context[:, -1])
            with torch.no_grad():
                target = self.target_representations(future)
        z = self._infer_z(ctx, target, last)
        pred = self._predict(ctx, z, last)  # (B, M', N, D)
        energy = token_energy(pred, target, self.distance).mean()
        reg = self.latent.regularizer(z).mean()
        terms = {"energy": energy, "latent_reg": reg}
        loss = energy + self.latent.weight * reg
        if self.contrast_weight:
            terms["contrast"] = self._contrast(pred, target, context, future)
            loss = loss + self.contrast_weight * terms["contrast"]
        if self.collapse in ("vicreg", "sigreg"):
            rows = _rows(raw)
            if self.collapse == "vicreg":
                terms["vicreg_var"], terms["vicreg_cov"] = vicreg_terms(rows)
                term = terms["vicreg_var"] + terms["vicreg_cov"]
            else:
                term = terms["sigreg"] = sigreg(rows, seed=self.global_step)
            loss = loss + self.collapse_weight * term
        return loss, terms, raw

    def _contrast(self, pred: Tensor, target: Tensor, context: Tensor, future: Tensor) -> Tensor:
        """Hinge: E(true) + margin * gap <= E(distractor), gap = distractor's distance to the truth.

        Lowering the energy of observed futures alone lets a predictor settle on "nothing moves";
        pushing up the energy of the frozen and the time-reversed future makes motion pay.
        """
        distractors = motion_distractors(context, future)  # (B, K, M, 3, H, W)
        k = distractors.shape[1]
        with torch.no_grad():
            negative = self.target_representations(rearrange(distractors, "b k m c h w -> (b k) m c h w"))
            gap = token_energy(repeat(target, "b m n d -> (b k) m n d", k=k), negative, self.distance)
        e_true = repeat(token_energy(pred, target, self.distance), "b -> (b k)", k=k)
        e_negative = token_energy(repeat(pred, "b m n d -> (b k) m n d", k=k), negative, self.distance)
        return torch.relu(e_true - e_negative + self.contrast_margin * gap).mean()

    def _copy_last_energy(self, context: Tensor, future: Tensor) -> Tensor:
        """(B,) energy of predicting "nothing moves" (the last context step): the control that
        ``val/energy`` has to beat."""
        ctx, last = self._encode_context(context)
        target = self.target_representations(future)
        if self.space == "pixel":
            ctx = patchify(last[:, None], self.pixel_head.patch_size)
        return token_energy(ctx[:, -1:].expand_as(target), target, self.distance)

    def _log_stats(self, stage: str, embeddings: Tensor) -> None:
        rows = _rows(embeddings.detach())
        self.log(f"{stage}/repr_std", representation_std(rows))
        self.log(f"{stage}/repr_erank", effective_rank(rows))


def _rows(tokens: Tensor) -> Tensor:
    """(B, T, N, D) -> at most MAX_ROWS evenly strided rows (n, D)."""
    rows = rearrange(tokens, "b t n d -> (b t n) d")
    return rows[:: max(rows.shape[0] // MAX_ROWS, 1)]


def _pin_linked_lengths(hparams: dict, predictor: nn.Module) -> None:
    """Write the predictor's linked clip lengths into its saved config.

    LightningCLI saves the config without link targets, so without this
    ``load_from_checkpoint`` would rebuild the predictor with its class defaults.
    """
    part = hparams.get("predictor")
    if isinstance(part, dict) and isinstance(part.get("init_args"), dict):
        for key in ("context_frames", "future_frames"):
            if hasattr(predictor, key):
                part["init_args"][key] = getattr(predictor, key)


def _check_parts(module: FuturePredictionModule) -> None:
    """Raise a ValueError naming the config option when the injected parts disagree."""
    enc, pred, lat = module.encoder, module.predictor, module.latent
    problems = []
    if getattr(pred, "dim", enc.dim) != enc.dim:
        problems.append(f"predictor.dim={pred.dim} != encoder.dim={enc.dim}")
    if getattr(pred, "latent_dim", lat.dim) != lat.dim:
        problems.append(f"predictor.latent_dim={pred.latent_dim} != latent.dim={lat.dim}")
    for key in ("context_frames", "future_frames"):
        if getattr(pred, key, getattr(module, key)) != getattr(module, key):
            problems.append(f"predictor.{key}={getattr(pred, key)} != model {key}={getattr(module, key)}")
    tubelet = getattr(enc, "tubelet_size", 1)
    if getattr(pred, "tubelet_size", 1) != tubelet:
        problems.append(f"predictor.tubelet_size={pred.tubelet_size} != encoder.tubelet_size={tubelet}")
    if module.space == "pixel":
        if module.pixel_head is None or module.collapse != "none":
            problems.append("space: pixel needs a pixel_head and collapse: none")
        elif module.pixel_head.patch_size != enc.stride:
            problems.append(f"pixel_head.patch_size={module.pixel_head.patch_size} != encoder stride {enc.stride}")
    elif module.collapse == "none":
        problems.append("space: representation needs collapse: ema, vicreg or sigreg")
    if problems:
        raise ValueError("FuturePredictionModule config: " + "; ".join(problems) + " (fix the YAML)")
