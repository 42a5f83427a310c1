"""Objective terms added to the regularised energy: anti-collapse guards and the contrastive hinge.

The training loss is ``E + lambda R(z) + sum_k weight_k * sum(term_k(...).values())``. A term
is an ``nn.Module`` whose ``forward`` gets what the step computed (:class:`TrainingStep`) and
the model, and returns its named parts (each one logged as ``train/<name>``). Select terms in
YAML as a list under ``terms:``; a new term is a new class here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from einops import rearrange, repeat
from torch import Tensor, nn

from physpred.models.candidates import motion_distractors
from physpred.models.collapse import sample_rows, sigreg, vicreg_terms

if TYPE_CHECKING:
    from physpred.models.energy import EnergyModel

ROWS = 4096  # token rows (evenly strided) the anti-collapse statistics read at most


@dataclass
class TrainingStep:
    """What one training step computed, for the objective terms.

    Attributes:
        context: uint8 (B, C, 3, H, W).
        future: uint8 (B, M, 3, H, W).
        prediction: (B, M', N, Dt) predicted future, in target space.
        target: (B, M', N, Dt) target of the true future.
        embeddings: (B, T', N, D) online encoder tokens (not normalised) the step computed.
        step: the optimiser step (seeds terms that draw random numbers).
    """

    context: Tensor
    future: Tensor
    prediction: Tensor
    target: Tensor
    embeddings: Tensor
    step: int


class ObjectiveTerm(nn.Module):
    """Base class of a weighted objective term.

    Attributes:
        anti_collapse: True for terms that keep an online target from collapsing.

    Args:
        weight: its weight in the loss.
    """

    anti_collapse = False

    def __init__(self, *, weight: float = 1.0) -> None:
        super().__init__()
        self.weight = weight

    def forward(self, step: TrainingStep, model: EnergyModel) -> dict[str, Tensor]:
        """Named scalar parts; the loss adds ``weight`` times their sum."""
        raise NotImplementedError


class VICRegTerm(ObjectiveTerm):
    """VICReg variance + covariance of the online embeddings (at most ``max_rows`` rows).

    Args:
        weight: its weight in the loss.
        max_rows: evenly strided token rows used.
    """

    anti_collapse = True

    def __init__(self, *, weight: float = 1.0, max_rows: int = ROWS) -> None:
        super().__init__(weight=weight)
        self.max_rows = max_rows

    def forward(self, step: TrainingStep, model: EnergyModel) -> dict[str, Tensor]:
        """``vicreg_var`` and ``vicreg_cov``."""
        variance, covariance = vicreg_terms(sample_rows(step.embeddings, self.max_rows))
        return {"vicreg_var": variance, "vicreg_cov": covariance}


class SIGRegTerm(ObjectiveTerm):
    """SIGReg (Epps-Pulley statistic of random projections) of the online embeddings.

    The directions are redrawn every step, seeded by the step.

    Args:
        weight: its weight in the loss.
        projections: random directions.
        knots: integration points.
        t_max: integration range [0, t_max] (the integrand is even).
        max_rows: rows the statistic reads at most (its cost is linear in them).
    """

    anti_collapse = True

    def __init__(
        self, *, weight: float = 1.0, projections: int = 256, knots: int = 17, t_max: float = 3.0, max_rows: int = 512
    ) -> None:
        super().__init__(weight=weight)
        self.projections, self.knots, self.t_max, self.max_rows = projections, knots, t_max, max_rows

    def forward(self, step: TrainingStep, model: EnergyModel) -> dict[str, Tensor]:
        """``sigreg``."""
        rows = sample_rows(step.embeddings, ROWS)
        stat = sigreg(
            rows, projections=self.projections, knots=self.knots, t_max=self.t_max, max_rows=self.max_rows, seed=step.step
        )
        return {"sigreg": stat}


class ContrastiveHinge(ObjectiveTerm):
    """E(true) + margin * gap <= E(distractor), gap = the distractor's distance to the truth.

    Lowering the energy of observed futures alone lets a predictor settle on "nothing moves";
    pushing up the energy of the frozen and the time-reversed future makes motion pay. Static
    clips cost nothing (the distractors equal the truth).

    Args:
        weight: its weight in the loss.
        margin: the hinge's margin, as a share of each distractor's distance to the true future.
    """

    def __init__(self, *, weight: float = 1.0, margin: float = 0.5) -> None:
        super().__init__(weight=weight)
        self.margin = margin

    def forward(self, step: TrainingStep, model: EnergyModel) -> dict[str, Tensor]:
        """``contrast``."""
        distractors = motion_distractors(step.context, step.future)  # (B, K, M, 3, H, W)
        k = distractors.shape[1]
        pred, target = step.prediction, step.target
        with torch.no_grad():
            negative = model.target_representations(rearrange(distractors, "b k m c h w -> (b k) m c h w"))
            gap = model.distance(repeat(target, "b m n d -> (b k) m n d", k=k), negative)
        e_true = repeat(model.distance(pred, target), "b -> (b k)", k=k)
        e_negative = model.distance(repeat(pred, "b m n d -> (b k) m n d", k=k), negative)
        return {"contrast": torch.relu(e_true - e_negative + self.margin * gap).mean()}


class ChangeFocusTerm(ObjectiveTerm):
    """Mean squared error over the target tokens whose pixels changed since the last context frame.

    Most tokens of a clip are static sky and ground, so the mean energy weighs an object coming
    out from behind a screen, or a falling load, by a few tokens in hundreds; a predictor can
    lower the mean a long way while painting none of them. This term averages the error over the
    changed tokens only (a training signal; the energy that scores futures is unchanged).

    Args:
        weight: its weight in the loss.
        threshold: grey levels (0-255, largest channel) a pixel must change by to count.
    """

    def __init__(self, *, weight: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__(weight=weight)
        self.threshold = threshold

    def forward(self, step: TrainingStep, model: EnergyModel) -> dict[str, Tensor]:
        """``change_focus`` (0 when nothing changed)."""
        mask = changed_tokens(
            step.context[:, -1], step.future, model.encoder.stride,
            getattr(model.encoder, "tubelet_size", 1), self.threshold,
        )  # fmt: skip
        error = (step.prediction - step.target).pow(2).mean(dim=-1)  # (B, M', N)
        return {"change_focus": (error * mask).sum() / mask.sum().clamp(min=1)}


def changed_tokens(last: Tensor, future: Tensor, patch: int, tubelet: int, threshold: float) -> Tensor:
    """Tokens (B, M', N) of the future holding a pixel that differs from ``last`` by > threshold.

    Args:
        last: uint8 (B, 3, H, W), the last context frame.
        future: uint8 (B, M, 3, H, W).
        patch: token side in pixels; tubelet: frames per token.
    """
    change = (future.float() - last[:, None].float()).abs().amax(dim=2) > threshold  # (B, M, H, W)
    tokens = rearrange(change, "b (m t) (h p) (w q) -> b m (h w) (t p q)", t=tubelet, p=patch, q=patch)
    return tokens.any(dim=-1).float()
