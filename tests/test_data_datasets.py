"""Training clips: layouts, clip contents, reproducibility, broken videos, loaders, augmentation."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
import pytorch_lightning as pl
import torch
from conftest import index_frames, write_video

from physpred.data import (
    SequenceWindows,
    VideoAugmentation,
    VideoClipDataset,
    VideoDataModule,
    VideoReadError,
)
from physpred.data.datamodule import EpochSampler, split_train_val
from physpred.data.datasets import motion_score
from physpred.data.timing import DataWaitMonitor


def clip_starts(dataset: VideoClipDataset, indices: range) -> list[int]:
    """First source frame of each item's clip (frame i has red channel i)."""
    return [int(dataset[i][0, 0, 0, 0]) for i in indices]


@pytest.fixture
def world_folder(tmp_path: Path) -> Path:
    """A folder shaped like `physpred world videos` output: 4 videos of 30 frames + manifest."""
    root = tmp_path / "world"
    (root / "videos").mkdir(parents=True)
    lines = []
    for i in range(4):
        write_video(root / "videos" / f"{i:06d}.mp4", index_frames(30, 32, 32))
        record = {"path": f"videos/{i:06d}.mp4", "frames": 30, "fps": 15, "size": 32, "seed": i}
        lines.append(json.dumps(record))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return root


def test_clip_contents_follow_the_clip_arithmetic(world_folder: Path) -> None:
    dataset = VideoClipDataset(world_folder, 3, 2, 4, 16)
    assert len(dataset) == 4 and dataset.span == 17
    clip = dataset[2]
    assert clip.shape == (5, 3, 16, 16) and clip.dtype == torch.uint8
    red = clip[:, 0, 0, 0].tolist()
    assert [b - a for a, b in zip(red, red[1:], strict=False)] == [4, 4, 4, 4]
    assert 0 <= red[0] <= 30 - 17
    assert torch.equal(clip[:, 2, 0, 0], 255 - clip[:, 0, 0, 0])


def test_clips_are_reproducible_and_change_with_epoch_and_seed(world_folder: Path) -> None:
    dataset = VideoClipDataset(world_folder, 2, 1, 1, 16, clips_per_video=5)
    assert len(dataset) == 20
    first = clip_starts(dataset, range(20))
    assert clip_starts(dataset, range(20)) == first
    assert clip_starts(dataset, range(20, 40)) != first  # epoch 1
    other_seed = VideoClipDataset(world_folder, 2, 1, 1, 16, clips_per_video=5, seed=1)
    assert clip_starts(other_seed, range(20)) != first
    assert len(list(dataset)) == 20


def test_scanned_folder_mixed_sizes_and_short_videos(
    make_video: Callable[..., Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    make_video("mixed/a.mp4", 25, height=32, width=40, fps=10)
    make_video("mixed/sub/b.mp4", 12, height=40, width=64, fps=30)
    make_video("mixed/c.mp4", 4)  # shorter than one clip
    make_video("mixed/d.mp4", 5)  # shorter than one clip
    with caplog.at_level(logging.WARNING, logger="physpred.data"):
        dataset = VideoClipDataset(tmp_path / "mixed", 4, 2, 2, 24)
    assert [p.name for p, _ in dataset.videos] == ["a.mp4", "b.mp4"]
    assert [r.getMessage() for r in caplog.records if "shorter" in r.getMessage()] == [
        "skipping 2 of 4 videos shorter than one clip (11 frames), e.g. "
        f"{tmp_path / 'mixed' / 'c.mp4'}, {tmp_path / 'mixed' / 'd.mp4'}"
    ]
    assert {tuple(dataset[i].shape) for i in range(2)} == {(6, 3, 24, 24)}


def test_no_usable_video_is_an_error(make_video: Callable[..., Path], tmp_path: Path) -> None:
    make_video("tiny/a.mp4", 3)
    with pytest.raises(ValueError, match="shorter clip"):
        VideoClipDataset(tmp_path / "tiny", 4, 2, 1, 16)
    with pytest.raises(FileNotFoundError, match="accepted layouts"):
        VideoClipDataset(tmp_path / "nowhere", 4, 2, 1, 16)


def test_broken_videos_skipped_or_raised(
    make_video: Callable[..., Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = make_video("set/good.mp4", 40)
    (tmp_path / "set" / "empty.mp4").touch()
    cut = write_video(tmp_path / "set" / "cut.mp4", index_frames(40), faststart=True)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 3])  # opens; most frames are gone
    with caplog.at_level(logging.WARNING, logger="physpred.data"):
        dataset = VideoClipDataset(tmp_path / "set", 8, 4, 2, 16, clips_per_video=4)
        assert {p.name for p, _ in dataset.videos} == {"cut.mp4", "good.mp4"}
        clips = [dataset[i] for i in range(len(dataset))]  # every clip of cut.mp4 is redrawn
    assert all(c.shape == (12, 3, 16, 16) for c in clips)
    assert {p.name for p in dataset.skipped} == {"empty.mp4", "cut.mp4"}
    broken = [r.getMessage() for r in caplog.records if "broken" in r.getMessage()]
    assert len(broken) == 2  # once per path
    with pytest.raises(VideoReadError, match="empty.mp4"):
        VideoClipDataset(tmp_path / "set", 8, 4, 2, 16, on_error="raise")
    good.unlink()
    (tmp_path / "set" / "empty.mp4").unlink()
    strict = VideoClipDataset(tmp_path / "set", 8, 4, 2, 16, on_error="raise")
    with pytest.raises(VideoReadError, match="cut.mp4"):
        [strict[i] for i in range(4)]  # noqa: B018 (some start lies past the cut)


def test_epoch_sampler_and_split() -> None:
    sampler = EpochSampler(5, seed=0)
    epoch0 = list(sampler)
    epoch1 = list(sampler)  # no set_epoch: the next pass is the next epoch
    sampler.set_epoch(3)
    epoch3 = list(sampler)
    assert sorted(epoch0) == [0, 1, 2, 3, 4] and sorted(epoch1) == [5, 6, 7, 8, 9]
    assert sorted(epoch3) == [15, 16, 17, 18, 19] and epoch3 != [i + 15 for i in epoch0]
    sampler.set_epoch(0)
    assert list(sampler) == epoch0
    train, val = split_train_val(list(range(10)), 0.2, seed=0)
    assert len(val) == 2 and sorted(train + val) == list(range(10))
    assert split_train_val(list(range(10)), 0.2, seed=0) == (train, val)
    assert split_train_val([1, 2], 0.0, seed=0) == ([1, 2], [])
    with pytest.raises(ValueError, match="val_fraction"):
        split_train_val([1], 0.5, seed=0)


def test_datamodule_with_two_workers(world_folder: Path) -> None:
    module = VideoDataModule(
        str(world_folder),
        context_frames=3,
        future_frames=2,
        frame_size=16,
        batch_size=2,
        num_workers=2,
        val_fraction=0.25,
        clips_per_video=2,
    )
    module.setup("fit")
    assert (len(module.train_set), len(module.val_set)) == (6, 1)
    loader = module.train_dataloader()
    assert loader.persistent_workers
    epoch0 = [batch for batch in loader]
    loader.sampler.set_epoch(1)
    epoch1 = [batch for batch in loader]
    assert [tuple(b.shape) for b in epoch0] == [(2, 5, 3, 16, 16)] * 3
    assert all(b.dtype == torch.uint8 for b in epoch0)
    assert not all(torch.equal(a, b) for a, b in zip(epoch0, epoch1, strict=True))
    val = module.val_dataloader()
    assert torch.equal(next(iter(val)), next(iter(val)))


def test_train_videos_keeps_the_first_training_videos_and_the_same_validation(world_folder: Path) -> None:
    geometry = {"context_frames": 3, "future_frames": 2, "frame_size": 16, "num_workers": 0, "val_fraction": 0.25}
    every, fewer = VideoDataModule(str(world_folder), **geometry), VideoDataModule(str(world_folder), **geometry, train_videos=2)
    every.setup("fit"), fewer.setup("fit")
    assert len(every.train_set.videos) == 3 and fewer.train_set.videos == every.train_set.videos[:2]
    assert fewer.val_set.videos == every.val_set.videos
    with pytest.raises(ValueError, match="data.train_videos"):
        VideoDataModule(str(world_folder), train_videos=0)


def test_augmentation_same_on_every_frame_and_only_in_training(world_folder: Path) -> None:
    torch.manual_seed(0)
    frame = torch.randint(0, 256, (1, 1, 3, 16, 16), dtype=torch.uint8)
    clips = frame.expand(4, 6, 3, 16, 16).contiguous()
    out = VideoAugmentation(p=1.0)(clips)
    assert out.shape == clips.shape and out.dtype == torch.uint8
    assert (out == out[:, :1]).all()  # identical frames stay identical: one draw per clip
    flip = VideoAugmentation(hflip=True, crop_scale=(1.0, 1.0), color_jitter=0.0, p=1.0)
    assert torch.equal(flip(clips), clips.flip(-1))
    module = VideoDataModule(str(world_folder), augmentation=flip, num_workers=0)
    module.trainer = SimpleNamespace(training=False)
    assert module.on_after_batch_transfer(clips, 0) is clips
    module.trainer = SimpleNamespace(training=True)
    assert torch.equal(module.on_after_batch_transfer(clips, 0), clips.flip(-1))


def test_look_breadth_inverts_and_permutes_channels_per_clip() -> None:
    torch.manual_seed(0)
    frame = torch.randint(0, 256, (1, 1, 3, 8, 8), dtype=torch.uint8)
    clips = frame.expand(48, 4, 3, 8, 8).contiguous()
    colour_only = {"hflip": False, "crop_scale": (1.0, 1.0), "color_jitter": 0.0}
    assert torch.equal(VideoAugmentation(**colour_only, invert=1.0)(clips), 255 - clips)
    shuffled = VideoAugmentation(**colour_only, channel_shuffle=1.0)(clips)
    orders = [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]
    found = [[o for o in orders if torch.equal(out, clip[:, list(o)])] for clip, out in zip(clips, shuffled, strict=True)]
    assert all(found)  # every clip is some channel order of its input...
    assert len({o[0] for o in found}) > 3  # ...and the orders vary from clip to clip
    any_hue = VideoAugmentation(**{**colour_only, "color_jitter": 0.2}, hue=0.5, p=1.0)(clips)
    assert (any_hue == any_hue[:, :1]).all() and not (any_hue == any_hue[:1]).all()
    for bad in ({"hue": 0.6}, {"invert": 1.5}, {"channel_shuffle": -0.1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            VideoAugmentation(**bad)


class TinyModel(pl.LightningModule):
    """One parameter, a loss over the batch: just enough to run the fit loop."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(()))
        self.firsts: list[tuple[int, list[int]]] = []

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        self.firsts.append((self.current_epoch, batch[:, 0, 0, 0, 0].tolist()))
        return (batch.float().mean() - self.weight) ** 2

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


@pytest.mark.filterwarnings("ignore:You passed in a `val_dataloader`", "ignore:.*treespec")
def test_fit_loop_sets_the_epoch_and_logs_data_wait(world_folder: Path) -> None:
    module = VideoDataModule(
        str(world_folder),
        context_frames=2,
        future_frames=1,
        frame_size=16,
        batch_size=2,
        num_workers=0,
        val_fraction=0.0,
        clips_per_video=3,
    )
    model = TinyModel()
    trainer = pl.Trainer(
        max_epochs=2,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[DataWaitMonitor()],
    )
    trainer.fit(model, module)
    epochs = [[first for epoch, first in model.firsts if epoch == e] for e in (0, 1)]
    assert len(epochs[0]) == len(epochs[1]) == 6 and epochs[0] != epochs[1]
    assert 0.0 <= float(trainer.callback_metrics["train/data_wait_frac_epoch"]) <= 1.0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"path": "videos/000001.mp4", "frames": "lots"}', "'frames' must be a positive whole number or absent, got 'lots'"),
        ('{"path": "videos/000001.mp4", "frames": 0}', "'frames' must be a positive whole number or absent, got 0"),
        ('{"path": "videos/000001.mp4", "frames": 2.5}', "'frames' must be a positive whole number or absent, got 2.5"),
        ('{"frames": 30}', "expected a JSON object with a 'path' string"),
        ('["videos/000001.mp4"]', "expected a JSON object with a 'path' string"),
        ('{"path": "videos/000001.mp4", ', "not valid JSON"),
        ('{"path": "../../etc/passwd", "frames": 30}', "path '../../etc/passwd' leaves"),
        ('{"path": "videos/../../w2/a.mp4"}', "path 'videos/../../w2/a.mp4' leaves"),
        ('{"path": "/etc/passwd"}', "path '/etc/passwd' leaves"),
        ('{"path": "videos/000001.mp4", "kind": 3}', "'kind' must be a string or absent, got 3"),
    ],
)
def test_bad_manifest_lines_name_the_file_and_line(world_folder: Path, line: str, message: str) -> None:
    manifest = world_folder / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    lines[1] = line
    manifest.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=f"^{re.escape(f'{manifest}:2: {message}')}"):
        VideoClipDataset(world_folder, 2, 1, 1, 16)


def test_each_videos_scene_kind_comes_from_the_manifest(world_folder: Path) -> None:
    manifest = world_folder / "manifest.jsonl"
    records = [json.loads(line) for line in manifest.read_text().splitlines()]
    records[0]["kind"], records[2]["kind"] = "fall", "support"
    manifest.write_text("".join(json.dumps(record) + "\n" for record in records))
    assert [entry.kind for entry in VideoClipDataset(world_folder, 2, 1, 1, 16).entries] == ["fall", None, "support", None]


def test_paths_outside_the_folder_only_when_allowed(world_folder: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.mp4"
    (world_folder / "videos" / "000001.mp4").rename(outside)
    manifest = world_folder / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    lines[1] = json.dumps({"path": "../elsewhere.mp4", "frames": 30})
    lines[2] = json.dumps({"path": str(world_folder / "videos" / "000002.mp4"), "frames": 30})
    lines.append(json.dumps({"path": "videos/../videos/000003.mp4", "frames": 30}))  # stays inside
    manifest.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="manifest.jsonl:2: path '../elsewhere.mp4' leaves"):
        VideoClipDataset(world_folder, 2, 1, 1, 16)
    dataset = VideoClipDataset(world_folder, 2, 1, 1, 16, allow_outside_root=True)
    assert [p.resolve() for p, _ in dataset.videos][1:3] == [
        outside, world_folder / "videos" / "000002.mp4"
    ]
    assert dataset[1].shape == (3, 3, 16, 16)


@pytest.mark.parametrize("num_val", [1, 2])
def test_unreadable_validation_videos_are_left_out_under_skip(
    world_folder: Path, caplog: pytest.LogCaptureFixture, num_val: int
) -> None:
    _, val = split_train_val([f"videos/{i:06d}.mp4" for i in range(4)], num_val / 4, seed=0)
    broken = world_folder / val[0]
    broken.write_bytes(b"\x00not an mp4" * 100)  # the manifest lists its frames: looks fine
    geometry = {"context_frames": 2, "future_frames": 1, "frame_size": 16, "num_workers": 0}
    module = VideoDataModule(str(world_folder), **geometry, batch_size=2, val_fraction=num_val / 4)
    with caplog.at_level(logging.WARNING, logger="physpred.data"):
        batches = list(module.val_dataloader())
    assert f"leaving a broken video out of validation: {broken}" in caplog.text
    if num_val == 1:
        assert batches == [] and module.val_set is None
        assert "validation disabled: all 1 validation videos failed to read" in caplog.text
    else:
        assert [p.name for p, _ in module.val_set.videos] == [Path(val[1]).name]
        assert [b.shape for b in batches] == [(1, 3, 3, 16, 16)]
    strict = VideoDataModule(
        str(world_folder), **geometry, val_fraction=num_val / 4, on_error="raise"
    )
    with pytest.raises(VideoReadError, match=val[0]):
        list(strict.val_dataloader())


def test_motion_candidates_keep_the_most_moving_clip(tmp_path: Path) -> None:
    frames = index_frames(40, 16, 16)
    frames[:30] = frames[0]  # static for 30 frames, then every frame changes
    write_video(tmp_path / "v.mp4", frames)
    plain = VideoClipDataset(tmp_path, 2, 1, 1, 16, clips_per_video=16)
    chosen = VideoClipDataset(tmp_path, 2, 1, 1, 16, clips_per_video=16, motion_candidates=6)
    moving = [motion_score(chosen[i], 2) > 0 for i in range(16)]
    # a start draws a static clip with p = 28/38: about 4 of 16 plain items move, and a chosen
    # item is static only when all 6 of its draws are (p = 0.16)
    assert sum(motion_score(plain[i], 2) > 0 for i in range(16)) <= 8 < 12 <= sum(moving)
    with pytest.raises(ValueError, match="motion_candidates"):
        VideoClipDataset(tmp_path, 2, 1, 1, 16, motion_candidates=0)


def test_motion_score_is_the_copy_last_error() -> None:
    clip = torch.zeros(4, 3, 2, 2, dtype=torch.uint8)
    clip[3] = 10  # context 0..1, future 2..3: frame 2 equals the last context frame
    assert motion_score(clip, 2) == pytest.approx(5.0)


def test_a_whole_video_is_read_at_the_clip_step_from_its_first_frame(world_folder: Path) -> None:
    dataset = VideoClipDataset(world_folder, 2, 1, 4, 16)
    whole = dataset.whole_video(1)
    assert whole.shape == (8, 3, 16, 16)  # frames 0, 4, ..., 28 of 30
    assert whole[:, 0, 0, 0].tolist() == list(range(0, 30, 4))


def test_sequence_windows_lie_within_each_sequence_and_are_drawn_as_clips() -> None:
    # sequence n's step t holds 100 n + t; sequence 1 has 5 valid steps of 8, the rest padding
    sequences = (100 * torch.arange(3)[:, None] + torch.arange(8)[None]).float()
    lengths, extras = torch.tensor([8, 5, 8]), torch.tensor([10, 11, 12])
    windows = SequenceWindows(sequences, lengths, extras, window=4, windows_per_sequence=20, seed=3)
    assert len(windows) == 60
    starts = {0: set(), 1: set(), 2: set()}
    for index in range(60):
        window, extra = windows[index]
        sequence = index // 20
        assert int(extra) == 10 + sequence
        start = int(window[0]) - 100 * sequence
        assert window.tolist() == [100 * sequence + start + t for t in range(4)]
        starts[sequence].add(start)
    assert starts[1] <= {0, 1} and starts[0] <= set(range(5)) and len(starts[0]) > 2  # never into the padding
    again = SequenceWindows(sequences, lengths, extras, window=4, windows_per_sequence=20, seed=3)
    assert all(torch.equal(windows[i][0], again[i][0]) for i in range(60))  # seeded
    assert any(not torch.equal(windows[i][0], windows[60 + i][0]) for i in range(60))  # epoch 1 draws anew
    with pytest.raises(ValueError, match="shorter than one window"):
        SequenceWindows(sequences, lengths, extras, window=6)
    with pytest.raises(ValueError, match="one of each per sequence"):
        SequenceWindows(sequences, lengths[:2], extras, window=4)


def test_focus_windows_hold_their_moment_inside_the_margins() -> None:
    sequences = (100 * torch.arange(2)[:, None] + torch.arange(10)[None]).float()
    lengths, extras = torch.tensor([10, 7]), torch.tensor([10, 11])
    focus = torch.tensor([[0, 5], [1, 4]])  # sequence 1 ends at step 6: its windows start at 1 or 2
    windows = SequenceWindows(sequences, lengths, extras, window=5, windows_per_sequence=1, seed=0, focus=focus, focus_windows=30, focus_margin=(2, 1))
    assert len(windows) == 2 + 2 * 30
    starts = {0: set(), 1: set()}
    for index in range(2, 62):
        window, extra = windows[index]
        sequence, step = focus[(index - 2) // 30].tolist()
        start = int(window[0]) - 100 * sequence
        assert int(extra) == 10 + sequence and window.tolist() == [100 * sequence + start + t for t in range(5)]
        assert start + 2 <= step <= start + 5 - 2  # two steps before it in the window, one after
        starts[sequence].add(start)
    assert starts == {0: {2, 3}, 1: {1, 2}}  # every start the margins and the sequence's end allow
    with pytest.raises(ValueError, match="within"):
        SequenceWindows(sequences, lengths, extras, window=5, focus=torch.tensor([[1, 6]]), focus_margin=(2, 1))
    with pytest.raises(ValueError, match="focus_margin"):
        SequenceWindows(sequences, lengths, extras, window=5, focus=focus, focus_margin=(3, 2))


def test_train_on_replaces_the_training_clips_and_refuses_an_augmentation(world_folder: Path) -> None:
    module = VideoDataModule(str(world_folder), context_frames=2, future_frames=1, batch_size=2, val_fraction=0.25, num_workers=0)
    windows = SequenceWindows(torch.arange(24.0).view(3, 8), torch.tensor([8, 8, 8]), torch.zeros(3), window=3)
    module.train_on(windows, lambda items: torch.stack([window for window, _ in items]))
    batches = list(module.train_dataloader())
    assert len(batches) == 1 and batches[0].shape == (2, 3)  # 3 items, batches of 2, the last dropped
    assert len(module.val_dataloader().dataset) == 1  # validation still reads its clips
    augmented = VideoDataModule(str(world_folder), augmentation=VideoAugmentation())
    with pytest.raises(ValueError, match="leave data.augmentation out"):
        augmented.train_on(windows, list)
