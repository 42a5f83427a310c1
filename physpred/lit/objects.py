"""ObjectPredictionModule: trains an ``ObjectEnergyModel`` on clips with (or without) masks.

loss = mean over frames 1..T-1 of the slot energy of each frame given the frames before it
+ ``imagination_weight`` * the energy of a few frames imagined blind from a random cut, or from
every cut (what scoring at a horizon compares) + ``gate_weight`` * mean gate openness (Loci-Looped's penalty:
take the percept only where imagination is not enough). Validation logs the energy beside the
control that predicts every slot stays where it was (``val/energy_copy_last``): a model that
has learned nothing of motion is not below it.
"""

from __future__ import annotations

import pytorch_lightning as pl
import torch
from pytorch_lightning.cli import LRSchedulerCallable, OptimizerCallable
from pytorch_lightning.utilities import rank_zero_info
from torch import Tensor, nn

from physpred.data import SequenceWindows, VideoDataModule
from physpred.lit.schedule import optimizer_config
from physpred.lit.see_once import learns_nothing, perceive_videos, percept_windows
from physpred.models.checkpoint import model_record
from physpred.models.slots import ObjectEnergyModel, Percepts
from physpred.models.slots.departures import lasting_departures, open_departures
from physpred.models.slots.discovery import fg_ari
from physpred.models.slots.jitter import jittered_places
from physpred.models.slots.onsets import support_onsets
from physpred.models.slots.steadiness import steady
from physpred.models.slots.withholding import withheld_runs
from physpred.types import ClipGeometry, MaskedClip

ONSET_FALL_WITHIN = 2
"""Read frames after a support onset in which the thing must have fallen, and that an onset
window keeps after it (``onset_windows``)."""


def imagination_cuts(batch: int, steps: int, every: bool, device: torch.device | str = "cpu") -> Tensor:
    """(B, T - 1) weights of the cuts c = 0..T-2 the imagination term starts from: one drawn
    uniformly per clip (one-hot), or all of them alike. A cut sees at least two frames (motion)
    where the clip has three or more, and always leaves one after it."""
    first = min(1, steps - 2)
    if every:
        weights = torch.zeros(steps - 1, device=device)
        weights[first:] = 1 / (steps - 1 - first)
        return weights.expand(batch, -1)
    cut = torch.randint(first, steps - 1, (batch,), device=device)
    return nn.functional.one_hot(cut, steps - 1).float()


class ObjectPredictionModule(pl.LightningModule):
    """Lowers the slot energy of observed frames given their past.

    Args:
        energy_model: the ``ObjectEnergyModel`` trained.
        gate_weight: weight of the mean gate openness in the loss.
        reconstruction_weight: weight of the perception's reconstruction error, for perception
            that learns from pixels (``SlotAttentionPerception``).
        imagination_weight: weight of :meth:`ObjectEnergyModel.imagination_energy` over the
            model's ``horizon`` frames after a cut drawn uniformly per clip (0: next-frame
            training only). A model scored at horizon h compares a frame with h frames of pure
            imagination; next-frame training never asks the dynamics for that. At 1.0 it won
            S1's bounces and lost object permanence (lab row objects_masks_v9_imagination).
        imagination_every_cut: average the imagination term over every cut of a clip instead of
            one cut drawn per clip: the same mean, without the draw's noise, for h - 1 steps
            more of the dynamics over every cut at once. An event seen in a clip (a support
            leaving) then teaches what follows it from every frame before it, where one drawn
            cut falls within h frames before it about once in ten clips.
        imagination_presence: the imagination term prices the imagined presence too. Without
            it nothing trains whether a thing the model only imagines is in view: a hidden thing
            imagined past the frame's edge was still expected in view 20 read frames later
            (docs/research.md, 2026-12-04, sixth).
        ignore_lasting_departures: train no presence where a thing last seen away from the
            frame's edges stays out of view to the clip's end
            (:func:`~physpred.models.slots.departures.lasting_departures`): nothing vanishes in
            the world, so such an absence is a thing still hidden or one perception lost, and a
            perception that loses things would otherwise teach the dynamics that things vanish.
            Label-free: it reads only the model's own percepts. Training only. Alone it bought
            the label-free recipe no permanence (lab row
            ``objects_free_v12_ignore_lasting_departures_seed0``); with ``withhold_rate``, which
            teaches the permanence these absences teach against, it is on in that recipe.
        ignore_open_departures: train no presence while a thing that went out of view in the
            open (away from the frame's edges and every static slot,
            :func:`~physpred.models.slots.departures.open_departures`) stays out of it: nothing
            could hide it there, so perception lost it, and its absence would teach that a thing
            in the open that is not seen stays unseen. Label-free; training only. No
            permanence alone either (``objects_free_v14_ignore_open_departures_seed0``); on in
            the label-free recipe with ``withhold_rate``.
        withhold_rate: probability that an object slot's percepts are kept from the dynamics
            for one run of frames in a training clip while its energy still prices its
            predictions there (:func:`~physpred.models.slots.withholding.withheld_runs`): the
            dynamics learns to carry a thing in view that it is not shown, which lawful clips
            never ask of it and a vanish pair does. Label-free; training only. 0: off. With
            both ``ignore_*_departures`` it gave the label-free recipe its first vanish pairs
            (lab row ``objects_free_v27_withhold_ignore_departures_seed0``: dev30 0.719 ->
            0.764, vanish 0 -> 0.50); without them, persistence halfway and no pair (v26).
            Rates 0.25 and 1.0 persist too but keep fewer vanish pairs (rows
            ``objects_free_v29_withhold_rate0.25_seed0``, ``objects_free_v28_withhold_rate1_seed0``).
        withhold_frames: the longest withheld run, in read frames (8 in the recipe; runs of up to
            4 kept fewer vanish pairs: ``objects_free_v30_withhold_frames4_seed0``).
        steady_targets: train no place, shape or colour where a slot's size changed by more than
            this share since the frame before (:func:`~physpred.models.slots.steadiness.steady`):
            a component that something joined or that lost a part has a centre that moved by
            what joined, not by how the thing moved, and a perception without labels makes
            such jumps in half its object slots' vertical steps (the world's masks in 5%).
            Presence is priced as before. Label-free; training only. None: every percept priced.
        place_noise: standard deviation (a fraction of the frame side) of Gaussian noise added,
            in training, to the place of every seen object slot in every frame, before both the
            dynamics and the energy see it (:func:`~physpred.models.slots.jitter.jittered_places`):
            the world's masks made to jitter as slots found without labels do, to tell whether
            that jitter alone takes a lesson away. A decomposition, not a recipe. 0: off.
        see_once: see every training video whole once, before training, and train on windows
            of its percepts drawn as clips are drawn (``physpred.lit.see_once``): for a
            perception that learns nothing, the same percepts without seeing every clip again,
            which costs most of a label-free step on a CPU. Needs a ``VideoDataModule`` without
            augmentation or ``motion_candidates``; validation still sees its clips.
        onset_windows: with ``see_once``, windows added to every epoch around each support
            onset of the training videos' percepts (a thing let go by its support before it
            moves, then falling: :func:`~physpred.models.slots.onsets.support_onsets`), the
            onset among the predicted frames: the lesson a floats pair asks for, rare in
            percepts found without labels. Label-free; training only. 0: off.
        optimizer: optimiser factory (``torch.optim.AdamW`` in YAML).
        lr_scheduler: scheduler factory stepped every optimiser step, or None; ``total_steps:
            null`` gets the trainer's total number of steps.
    """

    def __init__(
        self,
        *,
        energy_model: ObjectEnergyModel,
        gate_weight: float = 0.0,
        reconstruction_weight: float = 1.0,
        imagination_weight: float = 0.0,
        imagination_every_cut: bool = False,
        imagination_presence: bool = False,
        ignore_lasting_departures: bool = False,
        ignore_open_departures: bool = False,
        withhold_rate: float = 0.0,
        withhold_frames: int = 8,
        steady_targets: float | None = None,
        place_noise: float = 0.0,
        see_once: bool = False,
        onset_windows: int = 0,
        optimizer: OptimizerCallable = torch.optim.AdamW,
        lr_scheduler: LRSchedulerCallable | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["optimizer", "lr_scheduler"])
        if isinstance(self.hparams.get("energy_model"), torch.nn.Module):
            del self.hparams["energy_model"]  # built in Python: the part lives in the state dict
        self.model, self.gate_weight, self.reconstruction_weight = energy_model, gate_weight, reconstruction_weight
        self.imagination_weight, self.imagination_presence = imagination_weight, imagination_presence
        self.imagination_every_cut = imagination_every_cut
        self.ignore_lasting_departures, self.ignore_open_departures = ignore_lasting_departures, ignore_open_departures
        if not 0.0 <= withhold_rate <= 1.0:
            raise ValueError(f"ObjectPredictionModule: withhold_rate must lie in [0, 1], got {withhold_rate!r} (fix the YAML)")
        if isinstance(withhold_frames, bool) or not isinstance(withhold_frames, int) or withhold_frames < 1:
            raise ValueError(f"ObjectPredictionModule: withhold_frames must be an integer >= 1, got {withhold_frames!r} (fix the YAML)")
        self.withhold_rate, self.withhold_frames = withhold_rate, withhold_frames
        if steady_targets is not None and (isinstance(steady_targets, bool) or not isinstance(steady_targets, int | float) or steady_targets <= 0):
            raise ValueError(f"ObjectPredictionModule: steady_targets must be a share > 0 or null, got {steady_targets!r} (fix the YAML)")
        self.steady_targets = steady_targets
        if isinstance(place_noise, bool) or not isinstance(place_noise, int | float) or place_noise < 0:
            raise ValueError(f"ObjectPredictionModule: place_noise must be a number >= 0, got {place_noise!r} (fix the YAML)")
        self.place_noise = place_noise
        if see_once and not learns_nothing(energy_model.perception):
            raise ValueError("ObjectPredictionModule: see_once needs a perception that learns nothing (masks, ForegroundPerception); this one has weights to train (fix the YAML)")
        self.see_once = see_once
        if isinstance(onset_windows, bool) or not isinstance(onset_windows, int) or onset_windows < 0:
            raise ValueError(f"ObjectPredictionModule: onset_windows must be an integer >= 0, got {onset_windows!r} (fix the YAML)")
        if onset_windows and not see_once:
            raise ValueError("ObjectPredictionModule: onset_windows draws windows of percepts seen once; set see_once: true (fix the YAML)")
        self.onset_windows = onset_windows
        self.optimizer_factory, self.lr_scheduler_factory = optimizer, lr_scheduler

    @property
    def geometry(self) -> ClipGeometry:
        """The clips the model reads."""
        return self.model.geometry

    def _unpack(self, batch: MaskedClip | Tensor) -> tuple[Tensor, Tensor | None, Tensor | None]:
        if isinstance(batch, Tensor):
            return batch, None, None
        return batch.frames, batch.masks, batch.kinds

    def on_fit_start(self) -> None:
        """With ``see_once``: see the training videos whole and train on windows of their percepts."""
        if not self.see_once:
            return
        data = self.trainer.datamodule
        if not isinstance(data, VideoDataModule) or data.train_set is None:
            raise ValueError("ObjectPredictionModule: see_once trains on the videos of a physpred VideoDataModule; fit with one")
        if data.motion_candidates > 1:
            raise ValueError("ObjectPredictionModule: see_once cuts every window alike; set data.motion_candidates: 1")
        features, kind, lengths = perceive_videos(self.model.perception, data.train_set, data.batch_size, self.device)
        steps = self.geometry.context_frames + self.geometry.future_frames
        focus = {}
        if self.onset_windows:
            margin = (self.geometry.context_frames, ONSET_FALL_WITHIN)
            focus = {"focus": self._onsets(features, kind), "focus_windows": self.onset_windows, "focus_margin": margin}
        data.train_on(SequenceWindows(features, lengths, kind, steps, data.clips_per_video, data.seed, **focus), percept_windows)

    def _onsets(self, features: Tensor, kind: Tensor) -> Tensor:
        """(M, 2) the (video, read frame) of every support onset after a window's context (the
        fall that follows it is seen, so it lies within the video)."""
        found = support_onsets(features, kind, within=ONSET_FALL_WITHIN)
        found[:, : self.geometry.context_frames] = False
        rank_zero_info(f"onset_windows: {int(found.sum())} support onsets in {int(found.any(dim=1).sum())} training videos")
        return found.nonzero()

    def training_step(self, batch: MaskedClip | Tensor | Percepts, batch_idx: int) -> Tensor:
        """One step on clips (B, T, 3, H, W) with masks (B, T, H, W) and kinds (B, 256), or on
        percepts seen once (``see_once``)."""
        if isinstance(batch, Percepts):
            loss, terms = self.objective(batch, self.geometry.frame_size)
        else:
            frames, masks, kinds = self._unpack(batch)
            loss, terms = self.objective(self.model.perceive(frames, masks, kinds), frames.shape[-1])
        self.log("train/loss", loss, prog_bar=True)
        self.log_dict(terms)
        return loss

    def objective(self, percepts: Percepts, frame_side: int) -> tuple[Tensor, dict[str, Tensor]]:
        """The training loss of the percepts (B, T, K, F) of clips ``frame_side`` pixels wide, and
        its terms by name, with every training option of this module applied (a perception
        that learns nothing can be run once and its percepts trained on many times:
        benchmarks/dynamics_fit.py)."""
        branch = self.model.horizon if self.imagination_weight else 0
        if self.place_noise:
            percepts = percepts._replace(features=jittered_places(percepts.features, percepts.kind, self.place_noise))
        taught = None
        if self.ignore_lasting_departures or self.ignore_open_departures:
            pixel, untaught = 1 / frame_side, torch.zeros_like(percepts.features[..., 0], dtype=torch.bool)
            if self.ignore_lasting_departures:
                untaught = untaught | lasting_departures(percepts.features, percepts.kind, pixel)
            if self.ignore_open_departures:
                untaught = untaught | open_departures(percepts.features, percepts.kind, pixel)
            taught = ~untaught
        withheld = None
        if self.withhold_rate:
            withheld = withheld_runs(percepts.features[..., 0] > 0, percepts.kind, self.withhold_rate, self.withhold_frames)
        priced = None if self.steady_targets is None else steady(percepts.features, self.steady_targets)
        rollout, energies = self.model.predict(
            percepts, branch, withheld, None if taught is None else taught[:, 1:], None if priced is None else priced[:, 1:]
        )
        energy, gate = energies.mean(), rollout.gate[:, 1:].mean()
        loss = energy + self.gate_weight * gate
        terms = {"train/energy": energy, "train/gate_open": gate}
        if self.imagination_weight:
            batch_size, steps = percepts.kind.shape[0], percepts.features.shape[1]
            cuts = imagination_cuts(batch_size, steps, self.imagination_every_cut, percepts.kind.device)
            imagination = self.model.imagination_energy(percepts, rollout.branches, cuts, self.imagination_presence, taught, priced).mean()
            loss = loss + self.imagination_weight * imagination
            terms["train/imagination"] = imagination
        if percepts.reconstruction_error is not None:  # perception learning from pixels
            loss = loss + self.reconstruction_weight * percepts.reconstruction_error
            terms["train/reconstruction"] = percepts.reconstruction_error
        if withheld is not None:
            terms["train/withheld"] = withheld.float().mean()
        if taught is not None:
            terms["train/presence_untaught"] = 1 - taught.float().mean()
        if priced is not None:
            seen = percepts.features[..., 0] > 0
            terms["train/appearance_unpriced"] = (seen & ~priced).float().sum() / seen.float().sum().clamp_min(1)
        return loss, terms

    def validation_step(self, batch: MaskedClip | Tensor, batch_idx: int) -> None:
        """Energy of the observed frames beside the stay-where-it-was control."""
        self._evaluate(batch, "val")

    def test_step(self, batch: MaskedClip | Tensor, batch_idx: int) -> None:
        """As ``validation_step``, logged under ``test/``."""
        self._evaluate(batch, "test")

    def _evaluate(self, batch: MaskedClip | Tensor, stage: str) -> None:
        percepts, rollout, energies = self.model.rollout(*self._unpack(batch))
        control = self.model.copy_last_energy(percepts)
        seen = (percepts.features[:, 1:, :, 0] > 0) & (percepts.kind[:, None] > 0)
        metrics = {
            f"{stage}/energy": energies.mean(),
            f"{stage}/energy_copy_last": control.mean(),
            # how far the model trusts what it sees over what it imagined, where it sees a thing
            f"{stage}/gate_open_seen": (rollout.gate[:, 1:] * seen).sum() / seen.sum().clamp_min(1),
        }
        frames, masks, kinds = self._unpack(batch)
        if masks is not None and hasattr(self.model.perception, "segment"):
            # found without labels, judged against the world's masks: every thing (screens and
            # walls too), and the objects alone (what a perception of moving things can find)
            found = self.model.perception.segment(frames).flatten(0, 1)  # (B * T, S, h, w)
            ids = masks.long()
            objects = torch.where(kinds.gather(1, ids.flatten(1)).view_as(ids) == 1, ids, torch.zeros_like(ids))
            for key, truth in (("fg_ari", ids), ("fg_ari_objects", objects)):
                small = nn.functional.interpolate(truth.flatten(0, 1)[:, None].float(), size=found.shape[-2:], mode="nearest")
                metrics[f"{stage}/{key}"] = fg_ari(small[:, 0].long(), found).nanmean()
        self.log_dict(metrics, sync_dist=True, prog_bar=True)

    def configure_optimizers(self) -> dict:
        """Optimiser over the parameters; the scheduler steps every optimiser step."""
        return optimizer_config(self.parameters(), self.optimizer_factory, self.lr_scheduler_factory, self.trainer)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Store what ``physpred.models.load_model`` rebuilds the model from."""
        config = self.hparams.get("energy_model")
        checkpoint["physpred"] = model_record(config if isinstance(config, dict) else None, self.geometry, "model.")
