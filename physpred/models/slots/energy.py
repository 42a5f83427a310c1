"""The energy of a predicted frame in slot space, matched by identity.

Per slot: a presence term (binary cross-entropy of the predicted presence against what is seen)
plus, where the thing is seen, a robust error of its position, extent, fill and colour,
``log(1 + (error / scale)^2)`` (Cauchy). The robust error grows slowly, but it is summed over
nine features at sharp scales, so the balance is not the one the design wants: measured on the
dev probes (docs/research.md, 2026-12-04), a thing in view whose imagined place runs 2 to 4
scales ahead of it costs 3 to 8 a frame, while an expected thing that is missing costs at most
3.9 (the cross-entropy of ``presence_logit``'s clamp), and only in the frames where the dynamics
still expects it. ``presence_weight`` changes that balance; at 3 it also makes an untrained
dynamics, which never stops expecting a hidden thing, win every vanish pair.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from physpred.models.slots.features import COLOUR, EXTENT, FILL, POSITION

GROUPS = (POSITION, EXTENT, FILL, COLOUR)
"""The feature groups that each have a scale, in the order of ``SlotEnergy.scales``."""


def cauchy(error: Tensor, scale: float) -> Tensor:
    """log(1 + (error / scale)^2), summed over the last dimension."""
    return torch.log1p((error / scale) ** 2).sum(dim=-1)


class SlotEnergy(nn.Module):
    """Energy of predicted slots against seen slots, per frame.

    Args:
        position_scale: error of the centre (fraction of the frame side) that costs log 2.
        shape_scale: the same for spread and size.
        fill_scale: the same for fill. A small thing's fill jumps as it moves across the pixel
            grid (a rolling 3-pixel ball at 64 px: 0.79 to 0.92 from frame to frame), so a fill
            scale as sharp as the others taxes every moving thing and makes a thing that stops or
            floats cheaper than one that moves lawfully (lab row objects_masks_v6_fill).
        colour_scale: the same for the mean colour (fraction of 255).
        presence_weight: weight of the presence term.
        position_weight: weight of the position term.
        shape_weight: weight of the extent and fill terms.
        colour_weight: weight of the colour term.
        normalised: add each seen slot's Cauchy normaliser, ``log(pi * scale)`` per feature
            (weighted like its term), so the energy is the negative log-likelihood of what is
            seen: a thing seen where it was expected *lowers* the energy (by about 2.8 per
            feature at scale 0.02) and an expected thing that is missing forgoes that. The
            normaliser depends only on what is seen, so training is the same either way; only
            the surprise changes. Measured worse (lab row objects_masks_v8_normalised, dev
            0.567 against 0.817): a thing in view becomes a reward, so one that appears, stops
            or stays in view instead of leaving wins its pair.
        absence_bound: a seen thing's position, shape and colour cost at most what its absence
            would cost (the presence term were it not seen, ``softplus`` of the predicted logit):
            a whole object out of place never costs more than a missing one, whatever its
            scales. For scoring (``physpred probe --energy``); in training an error past the
            bound would teach nothing. Measured worse: the label-free recipe's weights scored so
            lose O3's teleports and keep no vanish pair (lab row
            ``objects_free_v16_seed0_absence_bound_dev30``, dev30 0.719 -> 0.653): its dynamics
            stops expecting the hidden thing, so the bound has nothing to price (see
            ``benchmarks/persistence.py``).
    """

    def __init__(
        self,
        *,
        position_scale: float = 0.02,
        shape_scale: float = 0.02,
        fill_scale: float = 0.02,
        colour_scale: float = 0.05,
        presence_weight: float = 1.0,
        position_weight: float = 1.0,
        shape_weight: float = 1.0,
        colour_weight: float = 1.0,
        normalised: bool = False,
        absence_bound: bool = False,
    ) -> None:
        super().__init__()
        self.scales = (position_scale, shape_scale, fill_scale, colour_scale)
        if min(self.scales) <= 0:
            raise ValueError("SlotEnergy: every scale must be > 0 (fix the YAML)")
        self.weights = (presence_weight, position_weight, shape_weight, colour_weight)
        self.normalised, self.absence_bound = normalised, absence_bound

    def per_slot(
        self,
        prediction: Tensor,
        seen: Tensor,
        kind: Tensor,
        scales: tuple[float, ...] | None = None,
        presence_mask: Tensor | None = None,
        appearance_mask: Tensor | None = None,
    ) -> Tensor:
        """(B, T, K, F) prediction (feature 0 a logit), (B, T, K, F) seen, (B, K) kind -> (B, T, K);
        ``scales`` (position, shape, fill, colour) replace the scales as built (None: as built);
        ``presence_mask`` (B, T, K) bool keeps the presence term only where True, and
        ``appearance_mask`` the other terms (None: everywhere)."""
        presence = self.presence(prediction, seen, kind)
        if presence_mask is not None:
            presence = presence * presence_mask.to(presence.dtype)
        return presence + self.appearance(prediction, seen, kind, scales, appearance_mask)

    def presence(self, prediction: Tensor, seen: Tensor, kind: Tensor) -> Tensor:
        """The weighted presence term: (B, T, K, F) prediction, (B, T, K, F) seen, (B, K) kind -> (B, T, K)."""
        presence = F.binary_cross_entropy_with_logits(prediction[..., 0], seen[..., 0], reduction="none")
        return self.weights[0] * presence * (kind > 0)[:, None, :].to(presence.dtype)

    def appearance_terms(self, prediction: Tensor, seen: Tensor, kind: Tensor, scales: tuple[float, ...] | None = None) -> Tensor:
        """A seen thing's weighted position, shape (extent and fill) and colour terms, unbounded:
        (B, T, K, F) prediction, (B, T, K, F) seen, (B, K) kind -> (B, T, K, 3); 0 where nothing
        is seen."""
        error = prediction - seen
        scales = self.scales if scales is None else scales
        position, extent, fill, colour = (cauchy(error[..., g], s) for g, s in zip(GROUPS, scales, strict=True))
        _, w_position, w_shape, w_colour = self.weights
        terms = torch.stack([w_position * position, w_shape * (extent + fill), w_colour * colour], dim=-1)
        return terms * (seen[..., :1] * (kind > 0)[:, None, :, None].to(terms.dtype))

    def appearance(
        self, prediction: Tensor, seen: Tensor, kind: Tensor, scales: tuple[float, ...] | None = None, mask: Tensor | None = None
    ) -> Tensor:
        """The terms of a seen thing's position, shape and colour, without presence: (B, T, K, F)
        prediction, (B, T, K, F) seen, (B, K) kind -> (B, T, K); 0 where nothing is seen and,
        with ``mask`` (B, T, K) bool, where it is False."""
        present = seen[..., 0]
        energy = self.appearance_terms(prediction, seen, kind, scales).sum(dim=-1)
        if self.absence_bound:
            energy = torch.minimum(energy, self.weights[0] * F.softplus(prediction[..., 0]))
        if self.normalised:
            energy = energy + present * self.seen_log_normaliser(scales)
        if mask is not None:
            energy = energy * mask.to(energy.dtype)
        return energy * (kind > 0)[:, None, :].to(energy.dtype)

    def seen_log_normaliser(self, scales: tuple[float, ...] | None = None) -> float:
        """Sum over the features of a seen slot of its weighted ``log(pi * scale)`` (negative
        for scales below 1/pi), at ``scales`` (None: the scales as built)."""
        weight_of = (self.weights[1], self.weights[2], self.weights[2], self.weights[3])
        scales = self.scales if scales is None else scales
        return sum(w * (g.stop - g.start) * math.log(math.pi * s) for g, s, w in zip(GROUPS, scales, weight_of, strict=True))

    def forward(
        self,
        prediction: Tensor,
        seen: Tensor,
        kind: Tensor,
        scales: tuple[float, ...] | None = None,
        presence_mask: Tensor | None = None,
        appearance_mask: Tensor | None = None,
    ) -> Tensor:
        """(B, T, K, F), (B, T, K, F), (B, K) -> (B, T) energy of each frame, summed over slots
        (``scales`` and the masks as in :meth:`per_slot`)."""
        return self.per_slot(prediction, seen, kind, scales, presence_mask, appearance_mask).sum(dim=-1)
