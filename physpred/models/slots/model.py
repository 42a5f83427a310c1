"""ObjectEnergyModel: the object-level energy model, E(frame | past) in slot space along a movie.

perception (frames, masks -> slots per frame) -> dynamics (a persistent, gated slot state that
predicts the next frame's slots) -> energy (slots compared by identity). A movie's surprise is
the energy of each frame given everything before it, so a hidden object is carried through the
whole occlusion, however long; ``movie_energies`` gives it frame by frame, in the same form as
the sliding-window energies of ``EnergyModel`` (one "window" per predicted frame).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from physpred.models.slots.dynamics import UNSEEN_LOGIT, GatedSlotDynamics, Rollout
from physpred.models.slots.energy import SlotEnergy
from physpred.models.slots.features import EXTENT, FILL, KINDS, presence_logit
from physpred.models.slots.occlusion import pixels_in_frame, visible_part
from physpred.models.slots.perception import Percepts, see
from physpred.types import ClipGeometry

SCORING = ("horizon", "shape_horizon", "horizon_position_factor", "horizon_colour_factor", "imagined_presence", "clip_to_view", "absent_out_of_frame")
"""The options of :class:`ObjectEnergyModel` that ``physpred probe --scoring`` changes on trained
weights (``horizon`` also sets how far training's imagination term looks)."""


class ObjectEnergyModel(nn.Module):
    """Scores every frame of a clip or a movie by how well the slot dynamics expected it.

    Args:
        perception: frames (and masks) -> :class:`Percepts` (``MaskPerception``).
        dynamics: :class:`GatedSlotDynamics`.
        energy: :class:`SlotEnergy`.
        geometry: training clips of C + M frames ``frame_step`` apart; the first C frames of a
            movie are not scored (the model needs them to see motion), and scoring reads a movie
            at the same ``frame_step`` and ``frame_size``.
        horizon: read frames of imagination alone behind a scored frame's position, shape and
            colour: frame t is scored against what the model imagined from the frames up to
            t - horizon (1: the next-frame prediction). A thing that stops, floats or speeds up
            then pays for as long as its seen and its imagined course part, not for one frame
            before the gate reads the new course. Presence is scored one frame ahead unless
            ``imagined_presence``. Scoring only: training predicts the next frame.
        shape_horizon: read frames of imagination behind a scored frame's shape (extent and
            fill) alone, at least ``horizon``; None: ``horizon``. A thing's shape should not
            change, and a shape that wobbles as a small thing crosses the pixel grid (a rolling
            9-pixel ball's fill 0.78-0.89 frame to frame at 64) costs as much in a frame as a
            ball that comes out of hiding as a box; priced against what the model imagined
            further back, a change that lasts pays for every frame of the longer horizon, the
            wobble no more than before. Scoring only.
        horizon_position_factor: the energy's position scale is multiplied by this when a frame
            is scored against ``horizon`` read frames of imagination (1: the energy's own). The
            imagination strays with the horizon (median place error 0.0025 of the frame one read
            frame ahead, 0.036 three ahead, on training clips), so the next frame's scale (0.02)
            prices a thing in view three frames on at 3 to 8 a frame, more than a missing thing
            costs. Scoring only; it applies to an energy swapped in by ``physpred probe --energy``
            too.
        horizon_colour_factor: the same for the colour scale. A thing half out from behind a
            screen shows an edge-blended part of itself that the imagination cannot foresee; at
            3 each of the with-masks recipe's four runs gained on the dev probes (rows
            ``objects_masks_*_loose_colour_dev30``; O1 vanish expectation 0.2-0.3 -> 0.4-0.5).
        imagined_presence: score presence too against the ``horizon`` read frames of imagination
            (no effect at horizon 1). One frame ahead, the dynamics has already seen that an
            expected thing is missing and stops expecting it within a read frame or two; from
            ``horizon`` frames before, it has not. Meaningful only for weights trained with
            ``ObjectPredictionModule(imagination_presence)``, which teaches the imagined presence.
            Scoring only.
        clip_to_view: a thing partly behind a screen or out of the frame is expected to show only
            the part the seen screens and the frame's edges leave in view
            (:func:`~physpred.models.slots.occlusion.visible_part`): a lawful emergence from
            behind a screen or exit from the frame shows a narrower, shifted part of the thing
            that its whole imagined box would price as a change of shape and place. Scoring
            only; the screens come from a perception that finds them (``screens``, as
            ``ForegroundPerception``'s static things of kind 2), else from the probes' masks.
        absent_out_of_frame: an object whose expected box holds fewer pixels inside the frame
            than perception needs to see a thing (``MaskPerception.floor``; 1 for a perception
            without one) is expected absent: a thing leaving the frame is then not paid for
            as a thing that vanished. Scoring only.
    """

    def __init__(
        self,
        *,
        perception: nn.Module,
        dynamics: GatedSlotDynamics,
        energy: SlotEnergy,
        geometry: ClipGeometry,
        horizon: int = 1,
        shape_horizon: int | None = None,
        horizon_position_factor: float = 1.0,
        horizon_colour_factor: float = 1.0,
        imagined_presence: bool = False,
        clip_to_view: bool = False,
        absent_out_of_frame: bool = False,
    ) -> None:
        super().__init__()
        self.perception, self.dynamics, self.energy, self.geometry = perception, dynamics, energy, geometry
        self.set_scoring(
            horizon=horizon,
            shape_horizon=shape_horizon,
            horizon_position_factor=horizon_position_factor,
            horizon_colour_factor=horizon_colour_factor,
            imagined_presence=imagined_presence,
            clip_to_view=clip_to_view,
            absent_out_of_frame=absent_out_of_frame,
        )

    def set_scoring(
        self,
        *,
        horizon: int,
        shape_horizon: int | None,
        horizon_position_factor: float,
        horizon_colour_factor: float,
        imagined_presence: bool,
        clip_to_view: bool,
        absent_out_of_frame: bool,
    ) -> None:
        """Set the options that change only how frames are scored (:data:`SCORING`; the class
        documents each): ``physpred probe --scoring`` scores trained weights another way.

        Raises:
            ValueError: a value of the wrong type or out of range.
        """
        if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
            raise ValueError(f"ObjectEnergyModel: horizon must be an integer >= 1 read frames, got {horizon!r} (fix the YAML)")
        if shape_horizon is not None and (isinstance(shape_horizon, bool) or not isinstance(shape_horizon, int) or shape_horizon < horizon):
            raise ValueError(f"ObjectEnergyModel: shape_horizon must be null or an integer >= horizon ({horizon}), got {shape_horizon!r} (fix the YAML)")
        for name, factor in (("horizon_position_factor", horizon_position_factor), ("horizon_colour_factor", horizon_colour_factor)):
            if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 0:
                raise ValueError(f"ObjectEnergyModel: {name} must be a number > 0, got {factor!r} (fix the YAML)")
        for name, flag in (("imagined_presence", imagined_presence), ("clip_to_view", clip_to_view), ("absent_out_of_frame", absent_out_of_frame)):
            if not isinstance(flag, bool):
                raise ValueError(f"ObjectEnergyModel: {name} must be true or false, got {flag!r} (fix the YAML)")
        self.horizon, self.shape_horizon = horizon, shape_horizon
        self.horizon_position_factor, self.horizon_colour_factor = float(horizon_position_factor), float(horizon_colour_factor)
        self.imagined_presence, self.clip_to_view, self.absent_out_of_frame = imagined_presence, clip_to_view, absent_out_of_frame

    @property
    def scoring(self) -> dict[str, object]:
        """The scoring options as set (:data:`SCORING`)."""
        return {name: getattr(self, name) for name in SCORING}

    @property
    def reads_masks(self) -> bool:
        """True when perception needs the data's instance masks."""
        return bool(getattr(self.perception, "reads_masks", False))

    def perceive(self, frames: Tensor, masks: Tensor | None, kinds: Tensor | None) -> Percepts:
        """(B, T, 3, H, W) uint8 frames, (B, T, H, W) masks and (B, 256) kinds -> slots."""
        if self.reads_masks and (masks is None or kinds is None):
            raise ValueError(
                "this model reads instance masks and the data has none: make the data with "
                "`physpred world ... --masks` (or set data.masks: true)"
            )
        return see(self.perception, frames, masks, kinds)

    def rollout(
        self, frames: Tensor, masks: Tensor | None = None, kinds: Tensor | None = None, branch: int = 0
    ) -> tuple[Percepts, Rollout, Tensor]:
        """Percepts, the dynamics' rollout (with ``branch`` frames imagined from every cut) and
        the energy (B, T - 1) of frames 1..T-1."""
        percepts = self.perceive(frames, masks, kinds)
        return percepts, *self.predict(percepts, branch)

    def predict(
        self,
        percepts: Percepts,
        branch: int = 0,
        withheld: Tensor | None = None,
        presence_mask: Tensor | None = None,
        appearance_mask: Tensor | None = None,
    ) -> tuple[Rollout, Tensor]:
        """The dynamics' rollout over percepts (with ``branch`` frames imagined from every cut)
        and the energy (B, T - 1) of frames 1..T-1 against every percept.

        ``withheld`` (B, T, K) bool: percepts the dynamics is not shown, as if those things were
        out of view (:func:`~physpred.models.slots.withholding.withheld_runs`); the energy still
        compares its predictions with them. None: every percept is shown. ``presence_mask`` and
        ``appearance_mask`` (B, T - 1, K) bool: where frames 1..T-1's presence, and their place,
        shape and colour, are priced (``SlotEnergy.per_slot``; None: everywhere).
        """
        # the dynamics' energy does not train perception: perception trained to make the future
        # predictable could learn to see nothing
        shown = percepts.features.detach()
        if withheld is not None:
            shown = shown.masked_fill(withheld[..., None], 0.0)
        rollout = self.dynamics(Percepts(shown, percepts.kind), branch=branch)
        return rollout, self.energy(rollout.prediction, percepts.features[:, 1:], percepts.kind, presence_mask=presence_mask, appearance_mask=appearance_mask)

    def copy_last_energy(self, percepts: Percepts) -> Tensor:
        """(B, T - 1) energy of predicting that every slot stays as it was: the control to beat."""
        last = percepts.features[:, :-1]
        return self.energy(torch.cat([presence_logit(last[..., :1]), last[..., 1:]], dim=-1), percepts.features[:, 1:], percepts.kind)

    @torch.no_grad()
    def movie_rollout(
        self, frames: Tensor, masks: Tensor | None, kinds: Tensor | None, frame_step: int, branch: int = 0
    ) -> tuple[Tensor, Percepts, Rollout, Tensor]:
        """Everything the model sees and predicts along one movie (for figures).

        Args:
            frames: (T, 3, H, W) uint8; masks (T, H, W) and kinds (256,) or None.
            frame_step: read every ``frame_step``-th source frame.
            branch: frames the rollout also imagines from every cut (``Rollout.branches``).

        Returns:
            the source frames read (S',), their percepts (batch of one), the rollout and the
            energies (1, S' - 1) of read frames 1..S'-1.
        """
        picked = torch.arange(0, len(frames), frame_step)
        on = picked.to(frames.device)
        batch_masks = None if masks is None else masks[on][None]
        batch_kinds = None if kinds is None else kinds[None]
        return (picked, *self.rollout(frames[on][None], batch_masks, batch_kinds, branch))

    @torch.no_grad()
    def movie_energies(self, frames: Tensor, masks: Tensor | None, kinds: Tensor | None, frame_step: int) -> tuple[Tensor, Tensor]:
        """Energy of every frame of a movie given all frames before it.

        Args:
            frames: (T, 3, H, W) uint8, at the model's frame size.
            masks: (T, H, W) uint8 or None.
            kinds: (256,) uint8 or None.
            frame_step: read every ``frame_step``-th source frame.

        Returns:
            energies (S,) float32 on the CPU, and the 0-based source frame (S,) int64 each one
            scores; the first ``geometry.context_frames`` read frames are not scored.

        Raises:
            ValueError: the movie is not longer than the unscored frames.
        """
        burn_in = self.geometry.context_frames
        read = len(range(0, len(frames), frame_step))
        if read <= burn_in:
            raise ValueError(
                f"a movie of {len(frames)} frames gives {read} frames at frame step {frame_step}, "
                f"not more than the {burn_in} the model reads before scoring: lower --frame-step"
            )
        picked, _, _, energies = self.movie_expectation(frames, masks, kinds, frame_step)  # (1, S' - 1)
        return energies[0, burn_in - 1 :].float().cpu(), picked[burn_in:].clone()

    @torch.no_grad()
    def movie_expectation(
        self, frames: Tensor, masks: Tensor | None, kinds: Tensor | None, frame_step: int
    ) -> tuple[Tensor, Percepts, Tensor, Tensor]:
        """What the model sees along one movie, what it scores each frame against, and the energies.

        Args:
            frames: (T, 3, H, W) uint8; masks (T, H, W) and kinds (256,) or None.
            frame_step: read every ``frame_step``-th source frame.

        Returns:
            the source frames read (S',), their percepts (batch of one), the expectation
            (1, S' - 1, K, F) of read frames 1..S'-1 (:meth:`scored_prediction`, feature 0 a
            presence logit) and the energies (1, S' - 1) of those frames against it.
        """
        deepest = max(self.horizon, self.shape_horizon or 1)
        branch = deepest if deepest > 1 else 0  # one rollout gives the next frame and the horizons'
        picked, percepts, rollout, _ = self.movie_rollout(frames, masks, kinds, frame_step, branch)
        expected = self.scored_prediction(rollout)
        if self.absent_out_of_frame:  # before clipping: leaving the frame, not hiding behind a screen
            outside = pixels_in_frame(expected, *frames.shape[-2:]) < getattr(self.perception, "floor", 1) - 0.5
            gone = outside & (percepts.kind == 1)[:, None, :]
            expected = expected.clone()
            expected[..., 0] = torch.where(gone, expected[..., 0].clamp_max(UNSEEN_LOGIT), expected[..., 0])
        if self.clip_to_view:
            expected = visible_part(expected, percepts.kind, self._screens(frames, masks, kinds, picked, percepts))
        energies = self.energy(expected, percepts.features[:, 1:], percepts.kind, self.scoring_scales)
        return picked, percepts, expected, energies

    @property
    def scoring_scales(self) -> tuple[float, ...] | None:
        """The energy's scales (position, shape, fill, colour) a movie's frames are scored at:
        with ``horizon`` > 1 they are scored against imagination, whose place and colour scales
        the horizon factors widen; None: the scales as built."""
        if self.horizon <= 1:
            return None
        position, shape, fill, colour = self.energy.scales
        return (position * self.horizon_position_factor, shape, fill, colour * self.horizon_colour_factor)

    @property
    def screens_from_masks(self) -> bool:
        """Whether scoring reads which pixels are screens from the masks: ``clip_to_view`` with a
        perception that does not find them itself (a ``screens`` method)."""
        return self.clip_to_view and not hasattr(self.perception, "screens")

    def _screens(self, frames: Tensor, masks: Tensor | None, kinds: Tensor | None, picked: Tensor, percepts: Percepts) -> Tensor:
        """(1, S' - 1, H, W) bool: the screens of read frames 1..S'-1 of a movie (the arguments
        of :meth:`movie_rollout`, the source frames read and their percepts), from the perception
        when it finds them (with the percepts when it gave them there), else from the masks."""
        if not self.screens_from_masks:
            screens = percepts.screens
            if screens is None:
                screens = self.perception.screens(frames[picked.to(frames.device)][None])
            return screens[:, None].expand(-1, len(picked) - 1, -1, -1)
        if masks is None or kinds is None:
            raise ValueError("clip_to_view needs the probes' masks: make them with `physpred world probes --masks`")
        return (kinds.long()[masks[picked[1:].to(masks.device)].long()] == KINDS.index("screen") + 1)[None]

    def scored_prediction(self, rollout: Rollout) -> Tensor:
        """What the energy compares frames 1..S-1 of one movie with, at the model's ``horizon``.

        Args:
            rollout: the dynamics' rollout of one movie, with ``branch`` at least ``horizon``
                and ``shape_horizon`` when either is > 1.

        Returns:
            (1, S - 1, K, F): position, shape and colour as imagined from ``horizon`` read frames
            before (:meth:`imagine_ahead`), the shape from ``shape_horizon``; the presence logit
            as imagined too with ``imagined_presence``, else that of the next-frame prediction.
        """
        expected = rollout.prediction if self.horizon == 1 else _ahead(rollout.branches, self.horizon)
        if self.horizon > 1 and not self.imagined_presence:
            expected = torch.cat([rollout.prediction[..., :1], expected[..., 1:]], dim=-1)
        if self.shape_horizon is not None and self.shape_horizon > self.horizon:
            shape = slice(EXTENT.start, FILL.stop)  # extent and fill, side by side
            expected = expected.clone()
            expected[..., shape] = _ahead(rollout.branches, self.shape_horizon)[..., shape]
        return expected

    def imagination_energy(
        self,
        percepts: Percepts,
        branches: Tensor,
        cuts: Tensor,
        presence: bool = False,
        presence_mask: Tensor | None = None,
        appearance_mask: Tensor | None = None,
    ) -> Tensor:
        """How far the imagination strays: frames ``c + 1 .. c + h`` as imagined from frames
        ``0 .. c`` alone (every thing treated as hidden after the cut, as :meth:`imagine_ahead`
        does for scoring), position, shape and colour only, averaged over the cuts ``c`` weighed.

        Args:
            percepts: features (B, T, K, F) and kind (B, K); not trained through.
            branches: (B, T - 1, h, K, F) ``Rollout.branches`` of those percepts.
            cuts: (B, T - 1) weight of each cut c = 0..T-2 (a row sums to 1; one-hot for one cut
                a clip).
            presence: price the imagined presence too (whether each thing is in view: it goes
                behind a screen, comes out, leaves the frame), not only where a seen thing is.
            presence_mask: (B, T, K) bool, the frames and slots whose presence is priced (None:
                all; only with ``presence``).
            appearance_mask: (B, T, K) bool, the frames and slots whose place, shape and colour
                are priced (None: all).

        Returns:
            (B,) the weighed mean over cuts of the mean over the frames after each (those in
            the clip) of the slot energy (without its presence term unless ``presence``).
        """
        features = percepts.features.detach()
        batch, count, depth = branches.shape[:3]
        frame = torch.arange(count, device=features.device)[:, None] + torch.arange(1, depth + 1, device=features.device)  # (T - 1, h)
        inside = (frame < features.shape[1]).to(features.dtype)
        later = frame.clamp_max(features.shape[1] - 1)
        seen = features[:, later]  # (B, T - 1, h, K, F)
        priced = None if appearance_mask is None else appearance_mask[:, later].flatten(1, 2)
        if presence:
            mask = None if presence_mask is None else presence_mask[:, later].flatten(1, 2)
            energies = self.energy.per_slot(branches.flatten(1, 2), seen.flatten(1, 2), percepts.kind, presence_mask=mask, appearance_mask=priced)
        else:
            energies = self.energy.appearance(branches.flatten(1, 2), seen.flatten(1, 2), percepts.kind, mask=priced)
        energies = energies.sum(dim=-1).view(batch, count, depth)
        per_cut = (energies * inside).sum(dim=-1) / inside.sum(dim=-1)  # (B, T - 1)
        return (per_cut * cuts).sum(dim=1)

    @torch.no_grad()
    def imagine_ahead(self, percepts: Percepts, horizon: int) -> Tensor:
        """Every frame as imagined from the frames up to ``horizon`` before it.

        Args:
            percepts: features (1, S, K, F) and kind (1, K) of one movie.
            horizon: read frames of imagination alone (fewer for the first frames).

        Returns:
            (1, S - 1, K, F): the prediction of frames 1..S-1; frame t from frames 0..max(t - horizon, 0).
        """
        return _ahead(self.dynamics(percepts, branch=horizon).branches, horizon)


def _ahead(branches: Tensor, horizon: int) -> Tensor:
    """(B, T - 1, >= h, K, F) ``Rollout.branches`` -> (B, T - 1, K, F): frame t (1..T-1) as
    imagined from frames 0..max(t - h, 0)."""
    target = torch.arange(1, branches.shape[1] + 1, device=branches.device)
    cut = (target - horizon).clamp_min(0)
    return branches[:, cut, target - cut - 1]
