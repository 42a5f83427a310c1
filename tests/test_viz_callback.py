"""PredictionMediaCallback writes prediction media to CSV, TensorBoard and wandb loggers."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger, WandbLogger
from torch import Tensor, nn
from torch.utils.data import DataLoader

from physpred.data.transforms import normalize_frames, to_uint8_frames
from physpred.types import ClipGeometry
from physpred.viz import candidate_energies
from physpred.viz.callback import PredictionMediaCallback, log_image, log_video


class TinyPixelModel(nn.Module):
    """A one-parameter pixel-space predictor: the last context frame, scaled."""

    def __init__(self) -> None:
        super().__init__()
        self.geometry = ClipGeometry(context_frames=2, future_frames=2, frame_step=1, frame_size=8)
        self.gain = nn.Parameter(torch.tensor(0.5))

    def split(self, clip: Tensor) -> tuple[Tensor, Tensor]:
        return clip[:, :2], clip[:, 2:]

    def _predict(self, context: Tensor) -> Tensor:
        last = normalize_frames(context[:, -1:]) * self.gain  # (B, 1, 3, H, W)
        return last.expand(-1, self.geometry.future_frames, -1, -1, -1)

    def predict_frames(self, context: Tensor, z: Tensor | None = None) -> Tensor:
        return to_uint8_frames(self._predict(context))

    def free_energy(self, context: Tensor, future: Tensor, z: str = "infer") -> Tensor:
        return (normalize_frames(future) - self._predict(context)).pow(2).mean(dim=(1, 2, 3, 4))

    def score_candidates(self, context: Tensor, candidates: Tensor) -> Tensor:
        b, k = candidates.shape[:2]
        contexts = context.unsqueeze(1).expand(-1, k, -1, -1, -1, -1).flatten(0, 1)
        return self.free_energy(contexts, candidates.flatten(0, 1)).view(b, k)


class TinyPixelModule(pl.LightningModule):
    """Trains a :class:`TinyPixelModel`, exposed as ``model`` and ``geometry`` like the real module."""

    def __init__(self) -> None:
        super().__init__()
        self.model = TinyPixelModel()
        self.geometry = self.model.geometry

    def training_step(self, batch: Tensor, batch_idx: int) -> Tensor:
        return self.model.free_energy(*self.model.split(batch)).mean()

    def validation_step(self, batch: Tensor, batch_idx: int) -> None:
        self.log("val/energy", self.model.free_energy(*self.model.split(batch)).mean())

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def fit(
    tmp_path: Path, logger: Any, epochs: int = 1, every: int = 1, probe_root: str | None = None
) -> PredictionMediaCallback:
    torch.manual_seed(0)
    clips = [torch.randint(0, 256, (4, 3, 8, 8), dtype=torch.uint8) for _ in range(4)]
    callback = PredictionMediaCallback(every_n_epochs=every, num_examples=2, probe_root=probe_root)
    trainer = pl.Trainer(
        max_epochs=epochs,
        logger=logger,
        callbacks=[callback],
        default_root_dir=tmp_path,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(TinyPixelModule(), DataLoader(clips, batch_size=2), DataLoader(clips, batch_size=2))
    return callback


def test_csv_logger_gets_png_and_gif_files(tmp_path: Path) -> None:
    logger = CSVLogger(tmp_path)
    fit(tmp_path, logger, epochs=3, every=2)
    names = sorted(p.name for p in (Path(logger.log_dir) / "media").iterdir())
    # epochs 0 and 2 (steps 2 and 6), two clips each: strip, candidate energies, rollout
    assert len(names) == 2 * 2 * 3
    assert "media_prediction_1_step0000006.png" in names
    assert "media_rollout_0_step0000002.gif" in names


def test_probe_surprise_curves(tmp_path: Path) -> None:
    from physpred.world import generate_probes

    generate_probes(tmp_path / "probes", scenes=1, blocks="O1", size=32, frames=48, workers=1, progress=False)
    logger = CSVLogger(tmp_path)
    fit(tmp_path, logger, probe_root=str(tmp_path / "probes"))
    curves = list((Path(logger.log_dir) / "media").glob("media_surprise_O1_01_*_step0000002.png"))
    assert len(curves) == 1  # probe_pairs=1


def test_tensorboard_logger_gets_images(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logger = TensorBoardLogger(tmp_path)
    fit(tmp_path, logger)
    events = EventAccumulator(logger.log_dir, size_guidance={"images": 0})
    events.Reload()
    tags = set(events.Tags()["images"])
    assert {"media/prediction_0", "media/candidates_1"} <= tags
    image = events.Images("media/prediction_0")[0]
    assert image.step == 2 and image.width > 0


class RecordingWandbLogger(WandbLogger):
    """A WandbLogger that records what it is asked to log instead of starting a run."""

    def __init__(self) -> None:
        super().__init__(offline=True)
        self.calls: list[tuple[str, str, Any]] = []

    def log_image(self, key: str, images: list[Any], step: int | None = None, **kwargs: Any) -> None:
        self.calls.append(("image", key, images[0]))

    def log_video(self, key: str, videos: list[Any], step: int | None = None, **kwargs: Any) -> None:
        self.calls.append(("video", key, videos[0]))


def test_wandb_logger_gets_images_and_video_files(tmp_path: Path) -> None:
    logger = RecordingWandbLogger()
    trainer = SimpleNamespace(global_step=3, loggers=[logger], log_dir=None, default_root_dir=tmp_path)
    log_image(trainer, "media/candidates_0", candidate_energies([1.0, 2.0], ["a", "b"]))
    log_video(trainer, "media/rollout_0", np.zeros((3, 3, 8, 8), dtype=np.uint8), fps=4)
    (kind, key, image), (video_kind, _, video) = logger.calls
    assert (kind, key) == ("image", "media/candidates_0")
    assert image.dtype == np.uint8 and image.shape[2] == 3
    assert video_kind == "video" and Path(video).is_file() and video.endswith(".gif")


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="every_n_epochs"):
        PredictionMediaCallback(every_n_epochs=0)
