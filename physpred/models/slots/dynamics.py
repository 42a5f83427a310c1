"""Slot dynamics whose state persists through the movie, with a percept gate per slot.

Each step, a slot's input is a blend of what it sees and what the model imagined for this frame
the step before: ``u = g * percept + (1 - g) * imagined``, with a learned gate ``g`` per slot (a
small MLP over percept, imagined state and visibility, bias initialised open, as Loci-Looped's).
When a thing is hidden the gate can close, so the model keeps moving it in imagination and
expects it where it should come out. Slots exchange information through attention (collisions,
support, occlusion by a screen) and, with ``relations``, through messages computed from every
two slots' states and where they are relative to each other; then a GRU cell per slot carries
the state to the next frame, and a head predicts the next percept: a presence logit and a
change of every other feature.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from physpred.models.slots.features import (
    EXTENT,
    FEATURES,
    KINDS,
    POSITION,
    held_support,
    presence_logit,
    supported,
)
from physpred.models.slots.perception import Percepts

UNSEEN_LOGIT = presence_logit(torch.tensor(0.0)).item()
"""The presence logit of a slot that has held nothing so far, with ``unseen_absent``: the
clamped certainty of absence (``presence_logit`` of 0)."""


class Rollout(NamedTuple):
    """What the dynamics predicted along a clip.

    Attributes:
        prediction: (B, T - 1, K, F) prediction of frames 1..T-1, each from the frames before
            it; feature 0 is a presence *logit*, the others are percept features.
        gate: (B, T, K) how much each slot took from its percept (1) rather than imagination (0);
            0 wherever the thing is not seen.
        branches: (B, T - 1, h, K, F) with ``branch`` h: for every cut c = 0..T-2, frames
            c + 1 .. c + h as imagined from frames 0..c alone (every thing hidden after the
            cut; ``[:, c, 0]`` is ``prediction[:, c]``; frames past the clip are imagined too).
            None without ``branch``.
    """

    prediction: Tensor
    gate: Tensor
    branches: Tensor | None = None


class _Carry(NamedTuple):
    """What one step of a rollout hands the next, for B clips of K slots."""

    state: Tensor
    """(B * K, D) each slot's recurrent state."""
    imagined: Tensor
    """(B, K, F) the prediction of the next frame, presence as a probability."""
    previous: Tensor
    """(B, K, F) the step's blended input, against which the next step's change is taken."""
    holding: Tensor
    """(B, K, K) bool, which slot held which up in the step (``support_hold``; else all False)."""
    recent: Tensor
    """(B, K, support_lag) bool, each slot's support flag in the last ``support_lag`` steps."""


class SlotAttentionBlock(nn.Module):
    """One pre-norm self-attention step over the K slots of a frame (empty slots are not attended)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)

    def forward(self, slots: Tensor, empty: Tensor) -> Tensor:
        """(B, K, D) slots, (B, K) bool empty -> (B, K, D)."""
        # every slot may attend to itself, so a frame with one thing has a valid softmax
        blocked = empty[:, None, :] & ~torch.eye(empty.shape[1], dtype=torch.bool, device=empty.device)
        blocked = blocked.repeat_interleave(self.attention.num_heads, dim=0)  # (B * heads, K, K)
        normed = self.norm(slots)
        return slots + self.attention(normed, normed, normed, attn_mask=blocked, need_weights=False)[0]


class PairwiseRelations(nn.Module):
    """Messages between every two slots, summed per receiver (an interaction network's edge
    function, Battaglia et al. 2016): each from both slots' states and the sender's place,
    extent and last move *relative to* the receiver's, so that "is something under me, and is
    it leaving?" is one small MLP away instead of a comparison attention must build from
    absolute places. The last layer starts at zero: untrained, no message changes a slot.
    """

    GEOMETRY = 2 * (POSITION.stop - POSITION.start) + EXTENT.stop - EXTENT.start
    """Relative geometry per pair: centre, spreads and size, and the change of centre since the last step."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.edge = nn.Sequential(nn.Linear(2 * width + self.GEOMETRY, width), nn.GELU(), nn.Linear(width, width))
        nn.init.zeros_(self.edge[-1].weight)
        nn.init.zeros_(self.edge[-1].bias)

    def forward(self, slots: Tensor, geometry: Tensor, left_out: Tensor) -> Tensor:
        """(B, K, D) slots, (B, K, GEOMETRY) geometry, (B, K) bool left out -> (B, K, D): each slot
        plus the sum of the messages of every other slot that is not left out."""
        batch, count, width = slots.shape
        receiver = slots[:, :, None].expand(batch, count, count, width)
        sender = slots[:, None].expand(batch, count, count, width)
        relative = geometry[:, None, :, :] - geometry[:, :, None, :]  # [b, i, j]: sender j minus receiver i
        messages = self.edge(torch.cat([receiver, sender, relative], dim=-1))  # (B, K, K, D)
        others = ~torch.eye(count, dtype=torch.bool, device=slots.device)
        sends = (~left_out[:, None, :] & others).to(slots.dtype)  # (B, K receivers, K senders)
        return slots + (messages * sends[..., None]).sum(dim=2)


class GatedSlotDynamics(nn.Module):
    """Predicts every slot's next percept from the slots' whole past.

    Args:
        hidden: D, width of a slot's state.
        heads: attention heads of the interaction between slots.
        interact: let slots attend to each other (off: each slot alone).
        relations: add :class:`PairwiseRelations` messages after the attention. Measured no
            better on the with-masks recipe (lab row objects_masks_v33_relations_seed0: floats 1
            of 30, dev30 0.769 against 0.847 for the same seed without), so the recipes leave it off.
        support: tell each slot at every step whether it rests on another
            (:func:`~physpred.models.slots.features.supported`, from the blended states' edges):
            trained on every clip of the support videos with attention alone, the dynamics never
            learned to foresee a fall from the support leaving (lab row
            objects_masks_v38_support_only_every_cut_seed0); a support that goes from under a
            thing is one input that changes. With it every run foresees the fall and wins
            floats (objects_masks_v39_support_*).
        support_hold: read the flag with hysteresis
            (:func:`~physpred.models.slots.features.held_support`): a thing stays resting on a
            slot until that slot stops spanning its centre, so the flag of slots found without
            labels goes false where a support leaves, not where a slot swallows its support's
            edge (needs ``support``). Trained on v46's label-free slots it did not bring the fall
            back (lab row objects_free_v48_support_hold_seed0: floats 0.07).
        support_lag: the flag shows a loss of support this many steps late (a thing that comes
            to rest, at once), in training and scoring alike (0: off; needs ``support``; a
            decomposition): label-free slots lose their support when the thing has already
            moved ~0.035 of the side down (the median over the first 200 training clips, one
            read frame of a fall or more; the masks' 0.002). At 2 the with-masks recipe kept the
            fall (objects_masks_v49_support_lag2_seed0: floats 0.83).
        support_dropout: in training, each step from which a slot's support flag reads "not
            resting" to the clip's end starts with this probability per slot and step (0: off;
            needs ``support``). The label-free slots' flag goes false where nothing falls, and
            mostly for good: on the first 200 training clips 20 such losses to the masks' 5, 12
            of them to the clip's end, against ~700 supported steps (0.03 per step); this makes
            the with-masks recipe learn from a flag as diluted: at 0.03 it lost the fall
            (objects_masks_v48_support_dropout0.03_seed0: floats 0.17).
        gate: learn how far to trust a visible thing's percept over imagination (off: take every
            visible percept as it is — an ablation). A hidden thing (presence 0) always runs on
            imagination: its percept holds nothing.
        gate_bias: initial bias of the gate's logit (positive: open, trust the percept).
        change_scale: the slot's change since the last step (every feature, presence too) is
            multiplied by this before the encoder reads it, so a move is read in units of
            1 / change_scale of the frame side. A fall steps ~0.04 of the side per read frame: at 1
            its input is ~25 times weaker than presence or kind, and the fit learns no vertical
            carry from label-free percepts that ask for one (benchmarks/dynamics_fit.py on v46's
            perception, 1000 steps: a carried share of the last vertical step of 0.04 at 1, 0.76
            at 25). Trained at 25 on those percepts the vertical carry rose 0.06 -> 0.65 and the
            fall was still not foreseen, I1 lost (lab row objects_free_v49_change_scale25_seed0:
            floats 0.07, I1 0.50); with masks it lost half the fall and I1 (lab row
            objects_masks_v50_change_scale25_seed0: floats 0.50, I1 0.45): the recipes keep 1.
        constant_velocity: predict each position as the last one plus the last step's change
            plus what the head adds, so that at initialisation things coast instead of stopping.
        presence_residual: predict the presence logit as a change of the slot's current
            presence, so a hidden slot keeps its last presence until the head learns otherwise
            (object permanence by construction: the untrained model already expects hidden
            things back and is no neutral control); off: from the slot's state alone, 1/2 for
            every slot at initialisation.
        seen_flag: tell each slot at every step whether it has held a thing so far in the clip
            (an input, and a slot that has not yet is left out of attention). A hidden thing is
            then told apart from a slot that never held one, which a perception without labels
            gives the object kind too (a kind read from the whole clip would say what the clip
            will bring); off: only kind 0 marks an empty slot.
        unseen_absent: a slot that has held nothing so far predicts absence, a constant
            (nothing can tell of its thing yet; its first appearance costs what it costs
            untrained), so the presence head learns only from slots that have held a thing: a
            hidden one coming back, one leaving. Off: every slot's presence is learned, and
            slots that never hold anything, the most common case when every slot has the object
            kind, teach the head that what is absent stays absent.
    """

    def __init__(
        self,
        *,
        hidden: int = 96,
        heads: int = 4,
        interact: bool = True,
        relations: bool = False,
        support: bool = False,
        support_hold: bool = False,
        support_lag: int = 0,
        support_dropout: float = 0.0,
        gate: bool = True,
        gate_bias: float = 2.0,
        change_scale: float = 1.0,
        constant_velocity: bool = False,
        presence_residual: bool = True,
        seen_flag: bool = False,
        unseen_absent: bool = False,
    ) -> None:
        super().__init__()
        if not 0.0 <= support_dropout < 1.0:
            raise ValueError(f"support_dropout must be in [0, 1), got {support_dropout}")
        if isinstance(change_scale, bool) or not isinstance(change_scale, int | float) or change_scale <= 0:
            raise ValueError(f"change_scale must be a number > 0, got {change_scale!r} (fix the YAML)")
        if support_lag < 0:
            raise ValueError(f"support_lag must be >= 0 steps, got {support_lag}")
        if (support_dropout or support_hold or support_lag) and not support:
            raise ValueError("support_dropout, support_hold and support_lag need support: true (there is no support flag to read)")
        width = len(FEATURES)
        self.support_dropout, self.support_hold, self.support_lag = support_dropout, support_hold, support_lag
        self.hidden, self.interact, self.learn_gate, self.change_scale = hidden, interact, gate, float(change_scale)
        self.constant_velocity, self.presence_residual = constant_velocity, presence_residual
        self.seen_flag, self.unseen_absent, self.support = seen_flag, unseen_absent, support
        # coasting moves the position by the last step's change (the other features stay)
        coasting = torch.zeros(width - 1)
        coasting[POSITION.start - 1 : POSITION.stop - 1] = 1.0  # feature 0, presence, is not in it
        self.register_buffer("coasting", coasting, persistent=False)
        # input: blended percept, its change since the last step, observed presence, kind one-hot
        # (and whether the slot has held a thing so far, whether it rests on another)
        inputs = 2 * width + 1 + len(KINDS) + 1 + int(seen_flag) + int(support)
        self.encode = nn.Sequential(nn.Linear(inputs, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.interaction = SlotAttentionBlock(hidden, heads) if interact else None
        self.relations = PairwiseRelations(hidden) if relations else None
        self.cell = nn.GRUCell(hidden, hidden)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, width))
        self.gate = nn.Sequential(nn.Linear(2 * width + 1, 32), nn.GELU(), nn.Linear(32, 1))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)
        nn.init.constant_(self.gate[-1].bias, gate_bias)

    def forward(self, percepts: Percepts, branch: int = 0) -> Rollout:
        """Roll the slots through a clip, feeding each step the gated blend of percept and imagination.

        Args:
            percepts: features (B, T, K, F) and kind (B, K).
            branch: h > 0 also imagines h frames blind from every cut (``Rollout.branches``):
                h - 1 steps more over B * (T - 1) clips, where one blind copy of the clip per
                cut would take T steps each.

        Returns:
            :class:`Rollout`.
        """
        features, kind = percepts.features, percepts.kind
        batch, steps, slots, width = features.shape
        kind_code = F.one_hot(kind, len(KINDS) + 1).to(features.dtype)  # (B, K, 4)
        empty = kind == 0
        seen_so_far = (features[..., 0] > 0).cummax(dim=1).values  # (B, T, K): causal, unlike kind
        unsupported = None
        if self.training and self.support_dropout:
            onsets = torch.rand(batch, steps, slots, device=features.device) < self.support_dropout
            unsupported = onsets.cummax(dim=1).values  # (B, T, K): dropped from the onset on
        nothing_held = torch.zeros(batch, slots, slots, dtype=torch.bool, device=features.device)
        no_flags = torch.zeros(batch, slots, self.support_lag, dtype=torch.bool, device=features.device)
        carry = _Carry(features.new_zeros(batch * slots, self.hidden), features.new_zeros(batch, slots, width), features[:, 0], nothing_held, no_flags)
        predictions, gates, carries = [], [], []
        for t in range(steps):
            dropped = None if unsupported is None else unsupported[:, t]
            predicted, gate, carry = self._step(features[:, t], carry, kind_code, empty, seen_so_far[:, t], learned_gate=t > 0, dropped=dropped)
            predictions.append(predicted)
            gates.append(gate[..., 0])
            carries.append(carry)
        prediction = torch.stack(predictions[:-1], dim=1)
        branches = None
        if branch:
            branches = self._branches(prediction, carries[:-1], kind_code, empty, seen_so_far[:, :-1], branch)
        return Rollout(prediction, torch.stack(gates, dim=1), branches)

    def _branches(self, prediction: Tensor, carries: list[_Carry], kind_code: Tensor, empty: Tensor, seen_so_far: Tensor, depth: int) -> Tensor:
        """(B, T - 1, depth, K, F) imagined blind from every cut: the carry after frame c is
        exactly where a copy of the clip that sees nothing after frame c stands, so the copies
        of all cuts run side by side, cut-major, from there."""
        batch, cuts, slots, width = prediction.shape
        carry = _Carry(*(torch.cat(parts) for parts in zip(*carries, strict=True)))  # rows of cut 0, then cut 1, ...
        kind_code, empty = kind_code.repeat(cuts, 1, 1), empty.repeat(cuts, 1)
        seen_so_far = seen_so_far.transpose(0, 1).flatten(0, 1)  # nothing is seen after the cut
        hidden = prediction.new_zeros(cuts * batch, slots, width)
        imagined = [prediction]
        for _ in range(depth - 1):
            predicted, _, carry = self._step(hidden, carry, kind_code, empty, seen_so_far, learned_gate=False)
            imagined.append(predicted.view(cuts, batch, slots, width).transpose(0, 1))
        return torch.stack(imagined, dim=2)

    def _step(
        self, seen: Tensor, carry: _Carry, kind_code: Tensor, empty: Tensor, seen_so_far: Tensor, learned_gate: bool, dropped: Tensor | None = None
    ) -> tuple[Tensor, Tensor, _Carry]:
        """One frame: percepts (B, K, F) and whether each slot has held a thing so far (B, K) ->
        the next frame's prediction (B, K, F; presence a logit), the gate (B, K, 1), the carry;
        ``dropped`` (B, K) bool: slots whose support flag reads "not resting" (``support_dropout``)."""
        observed = seen[..., :1]
        if learned_gate and self.learn_gate:  # a hidden thing's percept says nothing: only imagination can stand in for it
            gate = observed * torch.sigmoid(self.gate(torch.cat([seen, carry.imagined, observed], dim=-1)))
        else:
            gate = observed
        blended = gate * seen + (1 - gate) * carry.imagined
        moved = blended - carry.previous  # (B, K, F) the change since the last step
        step_input = [blended, moved * self.change_scale, observed, kind_code]
        left_out = empty
        if self.seen_flag:
            step_input.append(seen_so_far[..., None].to(seen.dtype))
            left_out = empty | ~seen_so_far
        holding, recent = carry.holding, carry.recent
        if self.support:
            present = (blended[..., 0] > 0.5) & ~left_out
            if self.support_hold:
                holding = held_support(blended, present, carry.holding)
                held = holding.any(dim=-1)
            else:
                held = supported(blended, present)
            recent = torch.cat([carry.recent, held[..., None]], dim=-1)[..., 1:]  # the last support_lag flags
            held = held | carry.recent.any(dim=-1)
            if dropped is not None:
                held = held & ~dropped
            step_input.append(held[..., None].to(seen.dtype))
        encoded = self.encode(torch.cat(step_input, dim=-1))  # (B, K, D)
        if self.interaction is not None:
            encoded = self.interaction(encoded, left_out)
        if self.relations is not None:
            geometry = torch.cat([blended[..., POSITION], blended[..., EXTENT], moved[..., POSITION]], dim=-1)
            encoded = self.relations(encoded, geometry, left_out)
        state = self.cell(encoded.reshape(-1, self.hidden), carry.state)
        change = self.head(state).view_as(blended)
        logit = change[..., :1]
        if self.presence_residual:
            logit = logit + presence_logit(blended[..., :1])
        if self.unseen_absent:
            logit = torch.where(seen_so_far[..., None], logit, UNSEEN_LOGIT)
        rest = blended[..., 1:] + change[..., 1:]
        if self.constant_velocity:  # the head learns departures from coasting (gravity, bounces)
            rest = rest + moved[..., 1:] * self.coasting
        predicted = torch.cat([logit, rest], dim=-1)
        return predicted, gate, _Carry(state, torch.cat([torch.sigmoid(logit), rest], dim=-1), blended, holding, recent)
