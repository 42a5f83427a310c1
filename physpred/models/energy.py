"""The latent-variable energy-based model: E(x, y, z), F(x, y) = min_z E + lambda R(z), candidates.

E(x, y, z) = D(readout(Pred(Enc(x), z)), T(y)) with an injected encoder, predictor, latent
variable, target T and distance D. The model knows nothing of training: the objective, the EMA
schedule and logging live in ``physpred.lit.FuturePredictionModule``.
"""

from __future__ import annotations

from typing import Literal

import torch
from einops import rearrange, repeat
from torch import Tensor, nn

from physpred.data.clips import split_clip
from physpred.data.transforms import normalize_frames
from physpred.models.latent import LatentVariable
from physpred.models.targets import PixelTarget, Target
from physpred.models.tokens import normalize_tokens
from physpred.types import ClipGeometry

ZChoice = Literal["infer", "prior"]


class EnergyModel(nn.Module):
    """Scores futures of video contexts by free energy; lower = more compatible.

    Args:
        encoder: frames (B, T, 3, H, W) in [-1, 1] -> tokens (B, T', N, D); has ``dim``, ``stride``.
        predictor: (context tokens (B, C', N, D), z (B, Z)) -> (B, M', N, D).
        latent: the latent variable z (size Z, lambda, amortised inference, refinement).
        target: T, what predictions are compared with (``EMATarget``, ``OnlineTarget``,
            ``PixelTarget``).
        distance: D, (B, M', N, Dt) x (B, M', N, Dt) -> (B,) (``L2Distance``, ``L1Distance``).
        geometry: the clips the model reads (linked from the data by the CLI).
    """

    def __init__(
        self,
        *,
        encoder: nn.Module,
        predictor: nn.Module,
        latent: LatentVariable,
        target: Target,
        distance: nn.Module,
        geometry: ClipGeometry,
    ) -> None:
        super().__init__()
        self.encoder, self.predictor, self.latent = encoder, predictor, latent
        self.target, self.distance, self.geometry = target, distance, geometry
        problems = parts_problems(self)
        if problems:
            raise ValueError("EnergyModel config: " + "; ".join(problems) + " (fix the YAML)")
        target.bind(encoder)

    @property
    def predicts_pixels(self) -> bool:
        """True when predictions are pixel patches (they can be drawn without a decoder)."""
        return isinstance(self.target, PixelTarget)

    # ------------------------------------------------------------- inputs
    def split(self, clip: Tensor) -> tuple[Tensor, Tensor]:
        """uint8 (B, C + M, 3, H, W) -> context (B, C, ...) and future (B, M, ...)."""
        expected = self.geometry.clip_frames
        if clip.shape[1] != expected:
            raise ValueError(
                f"clips have {clip.shape[1]} frames but the model expects context_frames + "
                f"future_frames = {expected}; set data.context_frames / data.future_frames to match"
            )
        return split_clip(clip, self.geometry.context_frames)

    def encode_context(self, context: Tensor) -> tuple[Tensor, Tensor]:
        """uint8 (B, C, 3, H, W) -> normalised tokens (B, C', N, D), last frame (B, 3, H, W) in [-1, 1]."""
        frames = normalize_frames(context)
        return normalize_tokens(self.encoder(frames)), frames[:, -1]

    def target_representations(self, future: Tensor) -> Tensor:
        """T(y): target tokens of future frames, uint8 (B, M, 3, H, W) -> (B, M', N, Dt)."""
        return self.target(normalize_frames(future), self.encoder)

    def training_encodings(self, clip: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """What a training step needs from a clip uint8 (B, C + M, 3, H, W).

        An online target encodes the whole clip once (gradients reach the targets); other
        targets encode the context with gradient and the future without.

        Returns:
            context tokens (B, C', N, D), target (B, M', N, Dt), last context frame
            (B, 3, H, W) and the online encoder's raw tokens (B, T', N, D) it computed.
        """
        context, future = self.split(clip)
        last = normalize_frames(context[:, -1])
        if self.target.online:
            raw = self.encoder(normalize_frames(clip))  # (B, T', N, D)
            steps = raw.shape[1] * self.geometry.context_frames // clip.shape[1]
            return normalize_tokens(raw[:, :steps]), normalize_tokens(raw[:, steps:]), last, raw
        raw = self.encoder(normalize_frames(context))
        with torch.no_grad():
            target = self.target_representations(future)
        return normalize_tokens(raw), target, last, raw

    # ------------------------------------------------------------- E and z
    def prediction(self, ctx: Tensor, z: Tensor, last: Tensor) -> Tensor:
        """Predicted future in target space (B, M', N, Dt) from context tokens (B, C', N, D), z (B, Z)."""
        return self.target.readout(self.predictor(ctx, z), last)

    def energy(self, ctx: Tensor, target: Tensor, last: Tensor, z: Tensor) -> Tensor:
        """E(x, y, z) (B,) from encoded context (B, C', N, D), target (B, M', N, Dt) and z (B, Z)."""
        return self.distance(self.prediction(ctx, z, last), target)

    def infer_z(
        self, ctx: Tensor, target: Tensor, last: Tensor, pred0: Tensor | None = None
    ) -> Tensor:
        """Amortised z (B, Z) from what the z = 0 prediction missed (Error-Encoding Network).

        ``pred0``: that prediction (B, M', N, Dt) when the caller already made it.
        """
        if self.latent.dim == 0:
            return self.latent.zeros(ctx.shape[0], ctx)
        if pred0 is None:
            with torch.no_grad():
                pred0 = self.prediction(ctx, self.latent.zeros(ctx.shape[0], ctx), last)
        return self.latent.infer(ctx[:, -1], target.detach() - pred0)

    def best_z(
        self, ctx: Tensor, target: Tensor, last: Tensor, pred0: Tensor | None = None
    ) -> Tensor:
        """z (B, Z) approximately minimising E + lambda R: amortised, then ``refine_steps`` refined."""
        z = self.infer_z(ctx, target, last, pred0)
        if not self.latent.refine_steps:
            return z
        with torch.inference_mode(False):  # refinement needs autograd tensors
            ctx, target, last = ctx.clone(), target.clone(), last.clone()
        return self.latent.refine(z, lambda zz: self.energy(ctx, target, last, zz))

    def _free_energy(self, ctx: Tensor, target: Tensor, last: Tensor, z: Tensor | ZChoice) -> Tensor:
        """(B,) E + lambda R(z) at the given z, the prior's (0) or the best one found."""
        if isinstance(z, str):
            z = self.latent.zeros(ctx.shape[0], ctx) if z == "prior" else self.best_z(ctx, target, last)
        return self.energy(ctx, target, last, z) + self.latent.weight * self.latent.regularizer(z)

    # ------------------------------------------------------------- public scoring
    def predict(self, context: Tensor, z: Tensor | None = None) -> Tensor:
        """Predicted future (B, M', N, Dt) after uint8 context (B, C, 3, H, W); z (B, Z) or None (z = 0).

        Pixel targets: Dt = 3 p^2 pixel-patch values in [-1, 1].
        """
        ctx, last = self.encode_context(context)
        z = self.latent.zeros(ctx.shape[0], ctx) if z is None else z
        return self.prediction(ctx, z, last)

    @torch.no_grad()
    def free_energy(self, context: Tensor, future: Tensor, z: Tensor | ZChoice = "infer") -> Tensor:
        """F(x, y) = min_z E(x, y, z) + lambda R(z).

        Args:
            context: uint8 (B, C, 3, H, W).
            future: uint8 (B, M, 3, H, W).
            z: ``"infer"`` (amortised, then refined), ``"prior"`` (z = 0) or values (B, Z).

        Returns:
            (B,) free energies (detached).
        """
        ctx, last = self.encode_context(context)
        return self._free_energy(ctx, self.target_representations(future), last, z)

    @torch.no_grad()
    def free_energies(self, context: Tensor, future: Tensor) -> tuple[Tensor, Tensor]:
        """F(x, y) with inferred z and E + lambda R at z = 0, from one encoding of x and y.

        The z = 0 prediction is the one latent inference starts from, so the prior's energy
        costs a distance, not a second pass (the same numbers as ``free_energy`` twice).

        Args:
            context: uint8 (B, C, 3, H, W).
            future: uint8 (B, M, 3, H, W).

        Returns:
            (B,) with inferred z, (B,) at z = 0 (detached).
        """
        ctx, last = self.encode_context(context)
        target = self.target_representations(future)
        zero = self.latent.zeros(ctx.shape[0], ctx)
        pred0 = self.prediction(ctx, zero, last)
        prior = self.distance(pred0, target) + self.latent.weight * self.latent.regularizer(zero)
        if self.latent.dim == 0:
            return prior, prior
        z = self.best_z(ctx, target, last, pred0)
        return self._free_energy(ctx, target, last, z), prior

    @torch.no_grad()
    def score_candidates(self, context: Tensor, candidates: Tensor, z: ZChoice = "infer") -> Tensor:
        """Free energy of K candidate futures per context, uint8 (B, C, ...) and (B, K, M, ...) -> (B, K)."""
        k = candidates.shape[1]
        ctx, last = self.encode_context(context)
        ctx = repeat(ctx, "b t n d -> (b k) t n d", k=k)
        last = repeat(last, "b c h w -> (b k) c h w", k=k)
        target = self.target_representations(rearrange(candidates, "b k m c h w -> (b k) m c h w"))
        return rearrange(self._free_energy(ctx, target, last, z), "(b k) -> b k", k=k)

    @torch.no_grad()
    def copy_last_energy(self, context: Tensor, future: Tensor) -> Tensor:
        """(B,) energy of predicting "nothing moves": the control a model's energy must beat."""
        ctx, last = self.encode_context(context)
        target = self.target_representations(future)
        return self.distance(self.target.copy_last(ctx, last).expand_as(target), target)


def parts_problems(model: EnergyModel) -> list[str]:
    """Where the injected parts disagree, each as ``option=value != option=value``."""
    enc, pred, lat, geometry = model.encoder, model.predictor, model.latent, model.geometry
    found = []
    if getattr(pred, "dim", enc.dim) != enc.dim:
        found.append(f"predictor.dim={pred.dim} != encoder.dim={enc.dim}")
    if getattr(pred, "latent_dim", lat.dim) != lat.dim:
        found.append(f"predictor.latent_dim={pred.latent_dim} != latent.dim={lat.dim}")
    for key in ("context_frames", "future_frames"):
        if getattr(pred, key, getattr(geometry, key)) != getattr(geometry, key):
            found.append(f"predictor.{key}={getattr(pred, key)} != data.{key}={getattr(geometry, key)}")
    tubelet = getattr(enc, "tubelet_size", 1)
    if getattr(pred, "tubelet_size", 1) != tubelet:
        found.append(f"predictor.tubelet_size={pred.tubelet_size} != encoder.tubelet_size={tubelet}")
    if lat.dim and lat.context_dim != enc.dim:
        found.append(f"latent.context_dim={lat.context_dim} != encoder.dim={enc.dim}")
    if lat.dim and lat.target_dim != model.target.width(enc):
        found.append(f"latent.target_dim={lat.target_dim} != target width {model.target.width(enc)}")
    return found + model.target.problems(enc, pred)
