"""FuturePredictionModule on moving-dot clips made in the test (no files, seeded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader

from physpred.lit import FuturePredictionModule
from physpred.lit.schedule import WarmupCosine, momentum_at
from physpred.models import (
    ChangeFocusTerm,
    ContrastiveHinge,
    ConvEncoder,
    ConvPredictor,
    EMATarget,
    EnergyModel,
    L2Distance,
    LatentVariable,
)
from physpred.models.candidates import candidate_accuracy, candidate_futures
from physpred.models.terms import changed_tokens
from physpred.types import ClipGeometry

CONTEXT, FUTURE, SIZE = 4, 2, 16


def moving_dots(n: int, seed: int) -> torch.Tensor:
    """n clips (n, C + M, 3, SIZE, SIZE) uint8 of one dot moving at constant velocity."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    clips = np.full((n, CONTEXT + FUTURE, 3, SIZE, SIZE), 40, np.uint8)
    for i in range(n):
        vel = rng.uniform(1.0, 1.5, 2) * rng.choice([-1, 1], 2)
        pos = SIZE / 2 - vel * (CONTEXT + FUTURE - 1) / 2 + rng.uniform(-1.5, 1.5, 2)
        for t in range(CONTEXT + FUTURE):
            y, x = pos + t * vel
            clips[i, t][:, (yy - y) ** 2 + (xx - x) ** 2 < 4.5] = np.array([250, 200, 40])[:, None]
    return torch.from_numpy(clips)


class DotData(pl.LightningDataModule):
    """Fixed moving-dot clips, no shuffling (so runs are exactly repeatable)."""

    def __init__(self, n: int = 64, batch_size: int = 16) -> None:
        super().__init__()
        self.train, self.val, self.batch_size = moving_dots(n, 0), moving_dots(16, 1), batch_size

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.train, batch_size=self.batch_size)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.val, batch_size=self.batch_size)


GEOMETRY = ClipGeometry(context_frames=CONTEXT, future_frames=FUTURE, frame_step=1, frame_size=SIZE)


def tiny_model(latent_dim: int = 2) -> EnergyModel:
    return EnergyModel(
        encoder=ConvEncoder(widths=(8, 16), dim=16, groups=4),
        predictor=ConvPredictor(dim=16, context_frames=CONTEXT, future_frames=FUTURE, latent_dim=latent_dim, width=32, dilations=(1, 2), groups=4),
        latent=LatentVariable(dim=latent_dim, context_dim=16, target_dim=16, hidden=16, weight=0.1),
        target=EMATarget(),
        distance=L2Distance(),
        geometry=GEOMETRY,
    )


def tiny_module(
    latent_dim: int = 2, total_steps: int | None = 60, momentum: tuple[float, float] = (0.99, 1.0), terms: tuple = ()
) -> FuturePredictionModule:
    return FuturePredictionModule(
        energy_model=tiny_model(latent_dim),
        terms=terms,
        ema_momentum=momentum,
        optimizer=lambda params: torch.optim.AdamW(params, lr=3e-3),
        lr_scheduler=lambda opt: WarmupCosine(opt, warmup_steps=5, total_steps=total_steps),
        stats_every=10,
    )


class LossRecorder(pl.Callback):
    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # noqa: ANN001
        self.losses.append(float(outputs["loss"]))


def trainer(root: Path, max_steps: int, *callbacks: pl.Callback) -> pl.Trainer:
    return pl.Trainer(
        max_steps=max_steps, accelerator="cpu", devices=1, default_root_dir=root, logger=False,
        enable_progress_bar=False, enable_model_summary=False,
        limit_val_batches=0, callbacks=list(callbacks), deterministic=True,
    )


@pytest.mark.slow
def test_training_lowers_loss_and_ranks_true_future_first(tmp_path: Path) -> None:
    pl.seed_everything(0)
    module, rec = tiny_module(latent_dim=2, total_steps=150), LossRecorder()
    trainer(tmp_path, 150, rec).fit(module, DotData())
    assert np.mean(rec.losses[-8:]) < 0.2 * np.mean(rec.losses[:4])
    clips = moving_dots(32, 2)  # unseen clips
    context, future = clips[:, :CONTEXT], clips[:, CONTEXT:]
    model = module.model.eval()
    candidates, labels = candidate_futures(context, future)
    scores = model.score_candidates(context, candidates)  # (B, 4)
    assert labels == ["true", "other clip", "reversed", "frozen"]
    assert (scores.argmin(dim=1) == 0).float().mean() >= 0.9
    assert model.free_energy(context, future, z="prior").shape == (32,)


def test_candidate_accuracy_shares_ties_out() -> None:
    base = torch.zeros(4, 1, 1, 3, 2, 2, dtype=torch.uint8)  # (B, 1, M, 3, H, W)
    candidates = torch.cat([base, base + 1, base + 2], dim=1)  # (B, K=3, ...): all distinct
    candidates[2, 2] = candidates[2, 0]  # clip 2: its frozen frame is its true future
    candidates[3, 1:] = candidates[3, 0]  # clip 3: both distractors are
    scores = torch.tensor(
        [
            [1.0, 2.0, 3.0],  # won
            [2.0, 1.0, 3.0],  # lost
            [1.0, 2.0, 1.0 - 1e-7],  # one tie (its float noise does not beat the true future)
            [1.0, 1.0, 1.0],  # two ties
        ]
    )
    assert float(candidate_accuracy(scores, candidates)) == pytest.approx((1 + 0 + 1 / 2 + 1 / 3) / 4)
    scores[1] = torch.tensor([2.0, 2.0, 3.0])  # distinct futures scoring the same also tie
    assert float(candidate_accuracy(scores[1:2], candidates[1:2])) == pytest.approx(0.5)
    scores[2, 1] = 0.5  # a tie does not save a clip that another distractor beats
    assert float(candidate_accuracy(scores[2:3], candidates[2:3])) == 0.0


def test_a_static_clip_is_not_a_miss_of_val_candidate_acc(tmp_path: Path) -> None:
    pl.seed_everything(0)
    static = moving_dots(3, 5)[:, :1].expand(-1, CONTEXT + FUTURE, -1, -1, -1).contiguous()
    run = pl.Trainer(
        accelerator="cpu", devices=1, default_root_dir=tmp_path, logger=False,
        enable_progress_bar=False, enable_model_summary=False,
    )
    # One clip per batch: the distractors are its reversal and its frozen last frame, both the
    # true future itself, so each clip shares its point three ways (it was 0 before ties counted).
    run.validate(tiny_module(), DataLoader(static, batch_size=1), verbose=False)
    assert float(run.callback_metrics["val/candidate_acc"]) == pytest.approx(1 / 3)


@pytest.mark.parametrize("latent_dim", [0, 2])
def test_deterministic_and_latent_models_train(tmp_path: Path, latent_dim: int) -> None:
    pl.seed_everything(0)
    module, rec = tiny_module(latent_dim, total_steps=16), LossRecorder()
    trainer(tmp_path, 16, rec).fit(module, DotData())
    assert np.isfinite(rec.losses).all()
    assert np.mean(rec.losses[-4:]) < np.mean(rec.losses[:4])


def test_ema_target_moves_as_scheduled(tmp_path: Path) -> None:
    pl.seed_everything(0)
    module = tiny_module(momentum=(0.5, 1.0), total_steps=4)
    seen: list[tuple[int, list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]] = []
    before: list[torch.Tensor] = []

    class Spy(pl.Callback):
        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:  # noqa: ANN001
            before[:] = [p.clone() for p in pl_module.model.target.encoder.parameters()]

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # noqa: ANN001
            seen.append((int(pl_module.ema_step), list(before), [p.clone() for p in pl_module.model.target.encoder.parameters()],
                         [p.clone() for p in pl_module.model.encoder.parameters()]))

    trainer(tmp_path, 4, Spy()).fit(module, DotData())
    assert [step for step, *_ in seen] == [1, 2, 3, 4]
    for step, target_before, target_after, online in seen:
        m = momentum_at(step, 4, 0.5, 1.0)  # 0.625, 0.75, 0.875, 1.0
        for after, prev, onl in zip(target_after, target_before, online, strict=True):
            assert torch.allclose(after, m * prev + (1 - m) * onl, atol=1e-6)
    assert not torch.equal(seen[0][2][0], seen[0][1][0])  # the target moved at the first step
    assert all(torch.equal(a, b) for a, b in zip(seen[-1][2], seen[-1][1], strict=True))  # m = 1: frozen


def test_resume_gives_the_same_next_loss(tmp_path: Path) -> None:
    """A checkpoint written mid-run (at an epoch boundary: plain loaders restart epochs) resumes
    model, EMA target, optimiser, scheduler and step exactly."""
    pl.seed_everything(0)
    full = LossRecorder()
    saver = ModelCheckpoint(dirpath=tmp_path / "ckpt", every_n_train_steps=4, save_top_k=-1)
    trainer(tmp_path / "a", 7, full, saver).fit(tiny_module(total_steps=7), DotData(batch_size=16))
    pl.seed_everything(0)
    resumed = LossRecorder()
    trainer(tmp_path / "b", 7, resumed).fit(
        tiny_module(total_steps=7), DotData(batch_size=16), ckpt_path=tmp_path / "ckpt" / "epoch=0-step=4.ckpt"
    )
    assert resumed.losses == pytest.approx(full.losses[4:], rel=1e-5)


def test_cosine_length_defaults_to_the_trainers_total_steps(tmp_path: Path) -> None:
    pl.seed_everything(0)
    module = tiny_module(total_steps=None)
    trainer(tmp_path, 3).fit(module, DotData())
    assert module.lr_schedulers().total_steps == 3


def test_contrast_term_is_zero_without_motion_and_positive_for_a_copying_model() -> None:
    model = tiny_module(terms=(ContrastiveHinge(weight=1.0),))
    still = moving_dots(4, 2)[:, :1].expand(-1, CONTEXT + FUTURE, -1, -1, -1).contiguous()
    _, terms, _ = model._objective(still)  # every distractor equals the true future
    assert terms["contrast"].item() == pytest.approx(0.0, abs=1e-9)  # float noise of equal energies
    _, terms, _ = model._objective(moving_dots(4, 3))  # untrained = copies the last step
    assert terms["contrast"].item() > 0.0
    terms["contrast"].backward()
    assert model.model.predictor.head[-1].weight.grad.abs().sum() > 0


def test_changed_tokens_marks_the_patches_where_the_future_left_the_last_frame() -> None:
    last = torch.full((1, 3, 8, 8), 40, dtype=torch.uint8)
    future = last[:, None].repeat(1, 2, 1, 1, 1)
    future[0, 0, 1, 5, 6] = 40 + 21  # one pixel, one channel, above the threshold: token (1, 3)
    future[0, 1, :, 0, 0] = 40 + 19  # below it
    mask = changed_tokens(last, future, patch=2, tubelet=1, threshold=20.0)
    assert mask.shape == (1, 2, 16)
    assert mask[0, 0].nonzero().flatten().tolist() == [2 * 4 + 3]
    assert mask[0, 1].sum() == 0


def test_change_focus_is_zero_on_still_clips_and_reads_only_changed_tokens() -> None:
    model = tiny_module(terms=(ChangeFocusTerm(weight=1.0),))
    still = moving_dots(4, 2)[:, :1].expand(-1, CONTEXT + FUTURE, -1, -1, -1).contiguous()
    _, terms, _ = model._objective(still)  # nothing changes: no token to average over
    assert terms["change_focus"].item() == 0.0
    _, terms, _ = model._objective(moving_dots(4, 3))
    # a few changed tokens among many static ones: their mean error exceeds the mean over all
    assert terms["change_focus"].item() > terms["energy"].item() > 0.0
    terms["change_focus"].backward()
    assert model.model.predictor.head[-1].weight.grad.abs().sum() > 0
