"""Instance masks in the readers: kinds from names, training clips with their masks (same
frames, same crop), probe movies with theirs, and the errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from conftest import write_video
from PIL import Image

from physpred.data import (
    ProbeDataset,
    VideoAugmentation,
    VideoClipDataset,
    VideoDataModule,
    VideoReadError,
    kinds_from_names,
)
from physpred.data.readers import read_mask_folder
from physpred.data.transforms import resize_center_crop_masks
from physpred.types import KIND_OBJECT, KIND_SCREEN, KIND_WALL, MaskedClip
from physpred.world import generate_probes, generate_videos


def test_kinds_follow_name_prefixes_ours_and_intphys() -> None:
    names = {"object_1": 3, "Object_2": 4, "occluder_1": 5, "screen_2": 6, "walls": 7}
    kinds = kinds_from_names(names | {"floor": 8, "sky": 0, "wall_1": 9})
    assert kinds.shape == (256,) and kinds.dtype == torch.uint8
    expected = torch.zeros(256, dtype=torch.uint8)
    expected[[3, 4]] = KIND_OBJECT
    expected[[5, 6]] = KIND_SCREEN
    expected[[7, 9]] = KIND_WALL
    assert torch.equal(kinds, expected)


@pytest.mark.parametrize("bad", [256, -1, "3", True, 2.5, None])
def test_an_id_outside_a_byte_is_an_error_naming_the_file(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^a/status.json: mask id of 'object_1' must be"):
        kinds_from_names({"object_1": bad}, Path("a/status.json"))


def test_one_id_of_two_kinds_is_an_error() -> None:
    with pytest.raises(ValueError, match="mask id 2 names parts of two kinds"):
        kinds_from_names({"object_1": 2, "screen_1": 2})


def _box_video(folder: Path, frames: int = 10, height: int = 48, width: int = 64) -> None:
    """A white box moving right on black, in a lossless mp4 without manifest, and its masks
    (id 5) in ``clip.masks.npz`` beside it."""
    video = np.zeros((frames, height, width, 3), np.uint8)
    masks = np.zeros((frames, height, width), np.uint8)
    for t in range(frames):
        video[t, 12:36, 3 * t + 6 : 3 * t + 30] = 255
        masks[t, 12:36, 3 * t + 6 : 3 * t + 30] = 5
    write_video(folder / "clip.mp4", video)
    np.savez_compressed(folder / "clip.masks.npz", masks=masks, names=json.dumps({"object_1": 5}))


def test_masks_are_cropped_like_their_frames(tmp_path: Path) -> None:
    _box_video(tmp_path)
    dataset = VideoClipDataset(tmp_path, 2, 1, 2, 32, clips_per_video=6, masks=True)
    for i in range(len(dataset)):
        item = dataset[i]
        assert isinstance(item, MaskedClip)
        assert item.frames.shape == (3, 3, 32, 32) and item.masks.shape == (3, 32, 32)
        assert item.kinds[5] == KIND_OBJECT and int(item.kinds.sum()) == KIND_OBJECT
        grey = item.frames.float().mean(dim=1)  # (T, S, S); the box's edges are blurred
        assert (item.masks[grey > 200] == 5).all() and (item.masks[grey < 50] == 0).all()
        assert (grey > 200).any()


def test_manifest_masks_round_trip_the_same_frames(tmp_path: Path) -> None:
    generate_videos(tmp_path, 3, frames=12, size=32, seed=2, workers=1, progress=False, masks=True)
    masked = VideoClipDataset(tmp_path, 3, 2, 2, 32, masks=True, on_error="raise")
    plain = VideoClipDataset(tmp_path, 3, 2, 2, 32)
    for i in range(len(masked)):
        item, path_and_indices = masked[i], masked.clip_source(i)
        path, indices = path_and_indices
        with np.load(path.with_name(path.stem + ".masks.npz")) as data:
            stored, names = data["masks"], json.loads(str(data["names"]))
        assert torch.equal(item.masks, torch.from_numpy(stored[indices]))
        assert torch.equal(item.kinds, kinds_from_names(names))
        assert torch.equal(item.frames, plain[i])  # the same clip, and plain items are tensors


def test_a_video_without_masks_is_an_error_naming_it_and_the_fix(tmp_path: Path) -> None:
    generate_videos(tmp_path, 2, frames=12, size=32, workers=1, progress=False)
    with pytest.raises(FileNotFoundError, match=r"000000.masks.npz: no instance masks .*--masks"):
        VideoClipDataset(tmp_path, 3, 2, 1, 32, masks=True)


def test_a_broken_mask_file_is_a_read_error_naming_it(tmp_path: Path) -> None:
    _box_video(tmp_path)
    (tmp_path / "clip.masks.npz").write_bytes(b"not a zip")
    dataset = VideoClipDataset(tmp_path, 2, 1, 1, 32, masks=True, on_error="raise")
    with pytest.raises(VideoReadError, match="clip.masks.npz: not a mask file"):
        dataset[0]


def test_a_manifest_masks_path_may_not_leave_the_folder(tmp_path: Path) -> None:
    (tmp_path / "manifest.jsonl").write_text('{"path": "a.mp4", "masks": "../a.masks.npz"}\n')
    with pytest.raises(ValueError, match=r"manifest.jsonl:1: path '../a.masks.npz' leaves"):
        VideoClipDataset(tmp_path, 2, 1, 1, 32, masks=True)


def test_the_datamodule_batches_masked_clips_and_augments_masks_with_frames(tmp_path: Path) -> None:
    _box_video(tmp_path)
    module = VideoDataModule(
        str(tmp_path),
        2,
        1,
        1,
        32,
        batch_size=2,
        num_workers=0,
        val_fraction=0,
        clips_per_video=4,
        masks=True,
    )
    batch = next(iter(module.train_dataloader()))
    assert isinstance(batch, MaskedClip)
    assert batch.frames.shape == (2, 3, 3, 32, 32) and batch.masks.shape == (2, 3, 32, 32)
    assert batch.kinds.shape == (2, 256)
    torch.manual_seed(0)
    move = VideoAugmentation(crop_scale=(0.4, 0.6), color_jitter=0.0, p=1.0)
    frames, masks = move.with_masks(batch.frames, batch.masks)
    assert masks.dtype == torch.uint8 and set(masks.unique().tolist()) <= {0, 5}
    assert not torch.equal(masks, batch.masks), "flip and crop left the masks where they were"
    grey = frames.float().mean(dim=2)  # (B, T, S, S); the box's edges are blurred
    assert (masks[grey > 200] == 5).all() and (masks[grey < 50] == 0).all()
    recolour = VideoAugmentation(
        hflip=False, crop_scale=(1.0, 1.0), color_jitter=0.3, channel_shuffle=1.0, invert=1.0
    )
    frames, masks = recolour.with_masks(batch.frames, batch.masks)
    assert not torch.equal(frames, batch.frames) and torch.equal(masks, batch.masks)


@pytest.fixture(scope="module")
def masked_probes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("probes")
    generate_probes(
        root, 1, blocks="O1", size=32, frames=48, seed=3, workers=1, progress=False, masks=True
    )
    return root


def test_probe_movies_come_with_their_masks(masked_probes: Path) -> None:
    full = ProbeDataset(masked_probes)
    small = ProbeDataset(masked_probes, frame_size=16)
    for i in range(len(full)):
        movie = full[i]
        folder = masked_probes / movie.video / "masks"
        stored = np.stack(
            [cv2.imread(str(p), cv2.IMREAD_UNCHANGED) for p in sorted(folder.iterdir())]
        )
        assert torch.equal(movie.masks, torch.from_numpy(stored))
        names = json.loads((masked_probes / movie.video / "status.json").read_text())["header"][
            "masks"
        ]
        assert movie.kinds[names["object_1"]] == KIND_OBJECT
        assert movie.kinds[names["screen_1"]] == KIND_SCREEN
        assert movie.frames.shape[0] == movie.masks.shape[0] == 48
        resized = small[i]
        assert resized.frames.shape == (48, 3, 16, 16)
        assert torch.equal(resized.masks, resize_center_crop_masks(movie.masks, 16))


def test_masks_are_left_unread_when_not_asked_for(masked_probes: Path) -> None:
    with_masks, without = ProbeDataset(masked_probes), ProbeDataset(masked_probes, masks=False)
    assert with_masks[0].masks is not None
    assert without[0].masks is None and without[0].kinds is None
    assert torch.equal(without[0].frames, with_masks[0].frames)


def test_a_masks_folder_short_of_a_frame_names_the_movie(
    masked_probes: Path, tmp_path: Path
) -> None:
    import shutil

    root = tmp_path / "probes"
    shutil.copytree(masked_probes, root)
    (root / "O1" / "01" / "2" / "masks" / "masks_048.png").unlink()
    with pytest.raises(ValueError, match=r"movie O1/01/2 has 47 masks for 48 frames"):
        ProbeDataset(root)


def test_probes_without_masks_still_read(shared_data: Path) -> None:
    movie = ProbeDataset(shared_data / "intphys_example", frame_size=32)[0]
    assert movie.frames.shape == (100, 3, 32, 32)
    assert movie.masks is None and movie.kinds is None


@pytest.mark.parametrize("mode", ["L", "P"])
def test_mask_pngs_are_read_as_stored_values(tmp_path: Path, mode: str) -> None:
    ids = np.array([[0, 3], [7, 255]], np.uint8)
    for t in (1, 2):
        image = Image.fromarray(ids, mode="L")
        if mode == "P":
            image = image.convert("P")  # a palette; its indices must be the ids
            image.putdata(ids.ravel().tolist())
        image.save(tmp_path / f"masks_{t:03d}.png")
    read = read_mask_folder(tmp_path)
    assert read.shape == (2, 2, 2) and torch.equal(read[1], torch.from_numpy(ids))


def test_a_colour_mask_png_is_refused(tmp_path: Path) -> None:
    Image.fromarray(np.array([[[1, 2, 3]]], np.uint8)).save(tmp_path / "masks_001.png")
    with pytest.raises(VideoReadError, match="masks_001.png: a mask must be an 8-bit"):
        read_mask_folder(tmp_path)
