"""Seeing each training video once (``ObjectPredictionModule(see_once=True)``): the percepts of
whole videos, the windows cut from them, and a fit that never perceives a training clip."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from torch import nn

from physpred.cli import main as physpred
from physpred.data import SequenceWindows, VideoClipDataset, VideoDataModule
from physpred.lit import ObjectPredictionModule
from physpred.lit.objects import ONSET_FALL_WITHIN
from physpred.lit.see_once import perceive_videos, percept_windows
from physpred.models.slots import (
    ForegroundPerception,
    GatedSlotDynamics,
    MaskPerception,
    ObjectEnergyModel,
    Percepts,
    SlotEnergy,
)
from physpred.models.slots.perception import see
from physpred.types import ClipGeometry

GEOMETRY = ClipGeometry(context_frames=2, future_frames=6, frame_step=2, frame_size=32)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four world videos of 40 frames at 32 pixels (masks too, for the validation clips)."""
    root = tmp_path_factory.mktemp("see_once") / "videos"
    assert physpred(["world", "videos", "--out", str(root), "--videos", "4", "--frames", "40",
                     "--frame_size", "32", "--num_workers", "1", "--masks", "--seed", "4"]) == 0  # fmt: skip
    return root


def _perception() -> ForegroundPerception:
    return ForegroundPerception(slots=4, scenery=2, threshold=0.05, min_area=2)


@pytest.mark.parametrize("reads_masks", [False, True])
def test_whole_videos_are_seen_as_each_alone_in_batches_of_one_length(videos: Path, reads_masks: bool) -> None:
    dataset = VideoClipDataset(videos, GEOMETRY.context_frames, GEOMETRY.future_frames, GEOMETRY.frame_step, GEOMETRY.frame_size, masks=True)
    perception = MaskPerception(objects=4, scenery=2) if reads_masks else _perception()
    features, kind, lengths = perceive_videos(perception, dataset, batch_size=3, device=torch.device("cpu"))
    assert features.shape[:2] == (4, 20) and lengths.tolist() == [20] * 4  # 40 frames at step 2
    for index in range(4):
        whole = dataset.whole_video(index)
        alone = see(perception, whole.frames[None], whole.masks[None], whole.kinds[None])
        assert torch.equal(features[index], alone.features[0]) and torch.equal(kind[index], alone.kind[0])
    assert (features[..., 0] > 0).any()  # the world's things are seen


def test_a_slot_absent_from_its_whole_window_is_an_empty_slot() -> None:
    window = torch.zeros(3, 2, 10)
    window[:, 0, 0] = 1.0  # slot 0 seen in every frame; slot 1 (seen elsewhere in its video) never
    batch = percept_windows([(window, torch.tensor([1, 1])), (window, torch.tensor([2, 1]))])
    assert isinstance(batch, Percepts) and batch.features.shape == (2, 3, 2, 10)
    assert batch.kind.tolist() == [[1, 0], [2, 0]]


def _module(see_once: bool = True, perception: nn.Module | None = None, onset_windows: int = 0) -> ObjectPredictionModule:
    energy_model = ObjectEnergyModel(
        perception=perception or _perception(), dynamics=GatedSlotDynamics(hidden=16, heads=2), energy=SlotEnergy(), geometry=GEOMETRY
    )
    return ObjectPredictionModule(energy_model=energy_model, see_once=see_once, onset_windows=onset_windows)


def _data(videos: Path, **options: object) -> VideoDataModule:
    return VideoDataModule(
        str(videos), context_frames=2, future_frames=6, frame_step=2, frame_size=32, batch_size=2, num_workers=0,
        val_fraction=0.25, **options,
    )  # fmt: skip


def _trainer() -> pl.Trainer:
    return pl.Trainer(
        max_steps=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, limit_val_batches=0, accelerator="cpu", devices=1,
    )  # fmt: skip


def test_a_fit_that_sees_once_trains_on_windows_and_never_perceives_a_clip(videos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    module, data = _module(), _data(videos)
    before = {name: value.clone() for name, value in module.model.dynamics.state_dict().items()}

    def perceive(*args: object) -> None:
        raise AssertionError("a training clip was perceived")

    monkeypatch.setattr(module.model, "perceive", perceive)
    _trainer().fit(module, datamodule=data)
    assert isinstance(data.train_items, SequenceWindows) and len(data.train_items) == 3  # 4 videos, 1 for validation
    batch = next(iter(data.train_dataloader()))
    assert isinstance(batch, Percepts) and batch.features.shape[:2] == (2, 8)
    after = module.model.dynamics.state_dict()
    assert any(not torch.equal(before[name], after[name]) for name in before)


def test_onset_windows_add_windows_around_each_support_onset_after_the_context(videos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = torch.zeros(3, 20, dtype=torch.bool)
    found[0, 1] = found[1, 10] = found[2, 5] = True  # the first within the 2 context frames

    def onsets(features: torch.Tensor, kind: torch.Tensor, within: int) -> torch.Tensor:
        assert features.shape[:2] == (3, 20) and within == ONSET_FALL_WITHIN
        return found.clone()

    monkeypatch.setattr("physpred.lit.objects.support_onsets", onsets)
    data = _data(videos)
    _trainer().fit(_module(onset_windows=4), datamodule=data)
    windows = data.train_items
    assert windows.focus.tolist() == [[1, 10], [2, 5]] and len(windows) == 3 + 2 * 4
    assert windows.focus_margin == (GEOMETRY.context_frames, ONSET_FALL_WITHIN)


def test_onset_windows_need_see_once_and_a_count() -> None:
    with pytest.raises(ValueError, match="set see_once: true"):
        _module(see_once=False, onset_windows=2)
    with pytest.raises(ValueError, match="onset_windows must be an integer >= 0"):
        _module(onset_windows=-1)


def test_see_once_refuses_a_learning_perception_and_drawn_motion(videos: Path) -> None:
    with pytest.raises(ValueError, match="perception that learns nothing"):
        _module(perception=nn.Linear(2, 2))
    with pytest.raises(ValueError, match="motion_candidates: 1"):
        _trainer().fit(_module(), datamodule=_data(videos, motion_candidates=2))


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--data.motion_candidates", "2"], "physpred fit: --model.init_args.see_once cuts every window of a video alike: set --data.motion_candidates 1"),
        (["--data.augmentation", "physpred.data.VideoAugmentation"], "physpred fit: --model.init_args.see_once trains on percepts"),
    ],
)
def test_the_cli_refuses_see_once_with_drawn_motion_or_augmentation_in_one_line(
    videos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    recipe = Path(__file__).resolve().parents[1] / "configs" / "objects_foreground.yaml"
    run = tmp_path / "run"
    status = physpred(["fit", "-c", str(recipe), "--data.root", str(videos), "--trainer.default_root_dir", str(run),
                       "--model.init_args.see_once", "true", *extra])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and err[-1].startswith(expected)
    assert not run.exists()
